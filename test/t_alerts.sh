#!/usr/bin/env bash
# Issue ages (--issue-ages) and alerts (--alert-after, GITHUB_ACTIONS
# annotations, --notify-issue, --notify-webhook, --dry-run), against the
# loopback fake API of test/server.py (issues.json in the fixtures gives
# the issues' created_at; the server keeps the issues the tool makes, logs
# each write as "sent: METHOD PATH JSON", and records each webhook body in
# --record-dir).  Time is EXCLUSIONS_NOW.
#
#   ages        days excluded from when each issue was opened: the list's
#               issues and hand-kept lines' URLs, one call per distinct
#               issue, failures one line each, the output unchanged
#   annotations at most 10 ::warning lines, then one ::notice counting the
#               rest; a title's : and , and every % escaped
#   issue       one tracking issue: opened once, left alone when up to date,
#               edited, closed when nothing is overdue, reopened; found by a
#               search when the list does not show it; a pull request with
#               the marker left alone; no token, one line
#   webhook     the body byte for byte, Content-Type; the URL (from
#               EXCLUSIONS_WEBHOOK) in no argv (a curl wrapper's record,
#               and strace's execve when strace runs) and in no message
#   dry run     what would be sent on stderr, nothing sent
#   gh          the token from the real gh (logged in to the loopback TLS
#               server) on the issue calls
#
# shellcheck source=test/lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TOP" || exit 1
ROOT=test/sample
K=test/profiler/test_profiler.py::TestProfiler
NOW0=1787270400        # 2026-08-21T00:00:00Z
DAY=86400
CURL_BIN=$(command -v curl)

if [ ! -x "$EXCLUSIONS" ]; then
	fail alerts "$EXCLUSIONS is not built"
	exit 0
fi
if [ -z "$CURL_BIN" ]; then
	for c in ages annotations issue webhook "dry run" gh; do skip "alerts: $c" "curl is not installed"; done
	exit 0
fi
REC=$WORK/rec
mkdir -p "$REC" "$WORK/bin" "$WORK/home"
if ! start_server --record-dir "$REC"; then
	fail "alerts: server" "test/server.py did not start: $(tail -n 3 "$WORK/server.log")"
	exit 0
fi
API=http://127.0.0.1:$PORT/api/v3
LOG=$WORK/server.log

# A curl that records its command line, one call a line, then runs curl.
cat >"$WORK/bin/curl" <<EOF
#!/bin/sh
printf '%s\n' "\$* \${EXCLUSIONS_WEBHOOK:+[EXCLUSIONS_WEBHOOK in the environment]}" >>"$WORK/curl-argv.log"
exec "$CURL_BIN" "\$@"
EOF
chmod +x "$WORK/bin/curl"
export PATH="$WORK/bin:$PATH"

LIST=$WORK/list.json
cat >"$LIST" <<'EOF'
{"test_fuzz_symbolize (__main__.TestExperimentalUtils)": ["103", "https://github.com/pytorch/pytorch/issues/103", []],
 "test_kineto (__main__.TestProfiler)": ["101", "https://github.com/pytorch/pytorch/issues/101", []],
 "test_memory_profiler (__main__.TestProfiler)": ["104", "https://github.com/pytorch/pytorch/issues/104", []],
 "test_user_annotation (__main__.TestProfiler)": ["102", "https://github.com/pytorch/pytorch/issues/102", []]}
EOF
EXTRA=$WORK/extra.txt
cat >"$EXTRA" <<'EOF'
test/profiler/test_profiler.py::TestProfiler::test_script_payload  # https://github.com/kineto/own/issues/7
test_kineto (__main__.TestProfiler)  https://github.com/pytorch/pytorch/issues/101
test/profiler/test_profiler.py::TestProfiler::test_gone  # https://github.com/pytorch/pytorch/issues/105
test/profiler/test_profiler.py::TestProfiler::test_broken  # https://github.com/pytorch/pytorch/issues/106
EOF

# ex TAG [ARGS...]: the binary on the sample tree, no trunk, the fake API;
# stdout, stderr and status into $WORK/TAG.{out,err,rc}.
ex() {
	local tag=$1; shift
	GITHUB_TOKEN=${TOKEN-tok} "$EXCLUSIONS" --no-trunk --root "$ROOT" --api-url "$API" --timeout 30 "$@" \
		>"$WORK/$tag.out" 2>"$WORK/$tag.err"
	echo $? >"$WORK/$tag.rc"
}
err_of() { tr '\n' '|' <"$WORK/$1.err" | head -c 1500; }
# titles TAG: the annotation titles of run TAG, in order.
titles() { sed -n 's/^::warning title=\([^:]*\)::.*/\1/p' "$WORK/$1.err"; }
sent() { grep -a -c -E "^sent: $1" "$LOG"; }

# --- ages --------------------------------------------------------------------
ex plain --disabled-file "$LIST" --extra "$EXTRA" --alert-after 0
GITHUB_ACTIONS=true EXCLUSIONS_NOW=$NOW0 ex ages --disabled-file "$LIST" --extra "$EXTRA" \
	--issue-ages --alert-after 0
T="$K::test_"
want="Excluded for 111 days%3A ${T//:/%3A}script_payload
Excluded for 51 days%3A ${T//:/%3A}kineto
Excluded for 10 days%3A ${T//:/%3A}user_annotation
Excluded for 1 day%3A test/profiler/test_profiler.py%3A%3ATestExperimentalUtils%3A%3Atest_fuzz_symbolize"
expect_eq "alerts: ages: days from each issue's created_at (Z, fractions, offsets), longest first" \
	"$want" "$(titles ages)"
check "alerts: ages: the message names since when and the issue" \
	grep -q -x -F "::warning title=Excluded for 51 days%3A ${T//:/%3A}kineto::${T}kineto has been excluded since 2026-07-01 (disabled-list): https://github.com/pytorch/pytorch/issues/101" "$WORK/ages.err"
n=$(grep -a -c -E '^request: GET /api/v3/repos/pytorch/pytorch/issues/101 ' "$LOG")
expect_eq "alerts: ages: one call for an issue named by the list and a hand-kept line" 1 "$n"
n=$(grep -a -c -E '^request: GET /api/v3/repos/(pytorch/pytorch|kineto/own)/issues/[0-9]+ ' "$LOG")
expect_eq "alerts: ages: one call per distinct issue (101 102 103 104 105 106, kineto/own 7)" 7 "$n"
for i in 104 105 106; do
	n=$(grep -c -E "^exclusions: issue ages: pytorch/pytorch#$i: not looked up: " "$WORK/ages.err")
	expect_eq "alerts: ages: issue $i that cannot be dated is one line" 1 "$n"
done
check "alerts: ages: the bad date is named" grep -q 'pytorch/pytorch#105: not looked up: created_at is not an ISO 8601 time: "2026-02-30T00:00:00Z"' "$WORK/ages.err"
expect_eq "alerts: ages: exit 0" 0 "$(cat "$WORK/ages.rc")"
check "alerts: ages: stdout as without --issue-ages" cmp -s "$WORK/plain.out" "$WORK/ages.out"
check "alerts: ages: without --issue-ages no issue asked for, no start known, no annotation" \
	test "$(grep -c '^::' "$WORK/plain.err")" = 0
GITHUB_ACTIONS=true EXCLUSIONS_NOW=$NOW0 TOKEN='' GH_CONFIG_DIR=$WORK/empty-gh ex notoken \
	--disabled-file "$LIST" --issue-ages --alert-after 0 --no-cache
expect_eq "alerts: ages: no token: one line, exit 0" "1 0" \
	"$(grep -c '^exclusions: issue ages: 4 issues not looked up: ' "$WORK/notoken.err") $(cat "$WORK/notoken.rc")"

# --- ages through the cache folder ------------------------------------------
# asked [N]: how many GETs of issue N (default: of every issue) the server saw.
asked() { grep -a -c -E "^request: GET /api/v3/repos/(pytorch/pytorch|kineto/own)/issues/${1:-[0-9]+} " "$LOG"; }
# since_kineto TAG: the kineto annotation's "since" day.
since_kineto() { grep -o -E "${T}kineto has been excluded since [0-9-]+" "$WORK/$1.err" | sed 's/.* //'; }
AC=$WORK/ages-cache
aged() { # aged TAG NOW [ARGS...]: --issue-ages with the cache in $AC
	local tag=$1 now=$2; shift 2
	GITHUB_ACTIONS=true EXCLUSIONS_NOW=$now ex "$tag" --disabled-file "$LIST" --extra "$EXTRA" \
		--issue-ages --alert-after 0 --cache-dir "$AC" "$@"
}
# delta: into D, the requests since the last call of delta, per issue:
# "all 101 102 103 7" (not in a subshell: it keeps the last counts).
LAST=""
delta() {
	local now out="" i=0 a b was cur
	now="$(asked) $(asked 101) $(asked 102) $(asked 103) $(asked 7)"
	read -r -a was <<<"${LAST:-0 0 0 0 0}"
	read -r -a cur <<<"$now"
	for i in 0 1 2 3 4; do
		a=${cur[$i]} b=${was[$i]}
		out+="$((a - b)) "
	done
	LAST=$now
	D=${out% }
}
delta
aged ac1 "$NOW0"; delta
expect_eq "alerts: ages cache: the first run asks each issue once (7; 101 102 103 7 once each)" \
	"7 1 1 1 1" "$D"
# 30 days later, far past --ttl: the dates (which never change) are the
# cache's; only the 3 issues that could not be dated are asked again.
aged ac2 $((NOW0 + 30 * DAY)); delta
expect_eq "alerts: ages cache: a later run past --ttl asks only the 3 undated issues" "3 0 0 0 0" "$D"
expect_eq "alerts: ages cache: the cached date is used (kineto since 2026-07-01), exit 0" \
	"2026-07-01 0" "$(since_kineto ac2) $(cat "$WORK/ac2.rc")"
aged ac3 $((NOW0 + 30 * DAY)) --refresh; delta
expect_eq "alerts: ages cache: --refresh asks every issue again" "7 1 1 1 1" "$D"
# --offline, no token: the cache only; each issue not in it is one line.
TOKEN='' GH_CONFIG_DIR=$WORK/empty-gh aged ac4 "$NOW0" --offline; delta
expect_eq "alerts: ages cache: --offline: no request, the cached dates, exit 0" \
	"0 0 0 0 0 2026-07-01 0" "$D $(since_kineto ac4) $(cat "$WORK/ac4.rc")"
expect_eq "alerts: ages cache: --offline: each issue not in the cache is one line (104 105 106)" "3 3" \
	"$(grep -c -E '^exclusions: issue ages: pytorch/pytorch#10[456]: not looked up: --offline, and no cached answer$' "$WORK/ac4.err") $(grep -c 'not looked up' "$WORK/ac4.err")"
AC=$WORK/ages-cache-empty
TOKEN='' GH_CONFIG_DIR=$WORK/empty-gh aged ac5 "$NOW0" --offline; delta
expect_eq "alerts: ages cache: --offline without a cache: no request, no date, one line each (5, then a count), exit 0" \
	"0 0 0 0 0 0 5 1 0" \
	"$D $(grep -c '^::warning ' "$WORK/ac5.err") $(grep -c -- 'not looked up: --offline, and no cached answer$' "$WORK/ac5.err") $(grep -c '^exclusions: issue ages: 2 more issues not looked up$' "$WORK/ac5.err") $(cat "$WORK/ac5.rc")"
# A damaged cached answer: ignored with a warning, asked again, replaced.
AC=$WORK/ages-cache
f=$(grep -l -a -F 'url http://127.0.0.1:'"$PORT"'/api/v3/repos/pytorch/pytorch/issues/101' "$AC"/*.issue 2>/dev/null | head -n 1)
if [ -z "$f" ]; then
	fail "alerts: ages cache: a damaged cached answer is ignored, asked again and replaced" "no cache file of issue 101 in $AC: $(find "$AC" -type f 2>&1 | tr '\n' ' ')"
else
	sed -i 's/"created_at"/"created_ax"/' "$f"
	aged ac6 "$NOW0"; delta; d6=$D
	aged ac7 "$NOW0"; delta; d7=$D
	expect_eq "alerts: ages cache: a damaged cached answer is ignored, asked again and replaced" \
		"1 1 2026-07-01 0 | 0 0 2026-07-01" \
		"$(grep -c "^exclusions: issue ages: cache: $f: .*; ignored\$" "$WORK/ac6.err") $(echo "$d6" | cut -d' ' -f2) $(since_kineto ac6) $(cat "$WORK/ac6.rc") | $(grep -c 'cache:' "$WORK/ac7.err") $(echo "$d7" | cut -d' ' -f2) $(since_kineto ac7)"
fi

# With --history instead: the start is the first run that saw the test.
GITHUB_ACTIONS=true EXCLUSIONS_NOW=$NOW0 ex hist1 --disabled-file "$LIST" --history "$WORK/h.jsonl"
GITHUB_ACTIONS=true EXCLUSIONS_NOW=$((NOW0 + 20 * DAY)) ex hist2 --disabled-file "$LIST" --history "$WORK/h.jsonl"
expect_eq "alerts: history: a test first seen 20 days ago alerts, without --issue-ages" \
	"0 4 Excluded for 20 days%3A ${T//:/%3A}kineto" \
	"$(grep -c '^::warning ' "$WORK/hist1.err") $(grep -c '^::warning ' "$WORK/hist2.err") $(titles hist2 | grep 'test_kineto$')"
GITHUB_ACTIONS=true EXCLUSIONS_NOW=$((NOW0 + 20 * DAY)) ex hist3 --disabled-file "$LIST" --history "$WORK/h.jsonl" --issue-ages
expect_eq "alerts: history and --issue-ages: the issue's earlier opening wins" \
	"Excluded for 71 days%3A ${T//:/%3A}kineto" "$(titles hist3 | grep 'test_kineto$')"

# --- annotations ---------------------------------------------------------------
MANY=$WORK/many.txt
{
	echo 'test/profiler/test_profiler.py::TestProfiler::test_odd[50%,a:b]  # https://github.com/pytorch/pytorch/issues/201'
	for i in $(seq 201 213); do
		echo "test/profiler/test_profiler.py::TestProfiler::test_old_$i  # https://github.com/pytorch/pytorch/issues/$i"
	done
} >"$MANY"
GITHUB_ACTIONS=true EXCLUSIONS_NOW=$NOW0 ex many --no-disabled-list --extra "$MANY" --issue-ages
expect_eq "alerts: annotations: at most 10 warnings, then one notice for the rest" "10 1" \
	"$(grep -c '^::warning ' "$WORK/many.err") $(grep -c '^::notice ' "$WORK/many.err")"
check "alerts: annotations: the notice counts the rest and points to the summary" \
	grep -q -x -F '::notice title=4 more excluded tests::4 more tests excluded for 14 days or more; see the job summary or the log for all 14' "$WORK/many.err"
check "alerts: annotations: escaped (title % : , ; message %)" \
	grep -q -x -F "::warning title=Excluded for 80 days%3A ${T//:/%3A}odd[50%25%2Ca%3Ab]::${T}odd[50%25,a:b] has been excluded since 2026-06-01 (extra): https://github.com/pytorch/pytorch/issues/201" "$WORK/many.err"
expect_eq "alerts: annotations: longest first, the 10 shown" \
	"odd old_201 old_202 old_203 old_204 old_205 old_206 old_207 old_208 old_209" \
	"$(titles many | sed 's/.*%3Atest_//; s/\[.*//' | tr '\n' ' ' | sed 's/ $//')"
EXCLUSIONS_NOW=$NOW0 ex many-nogha --no-disabled-list --extra "$MANY" --issue-ages
expect_eq "alerts: annotations: none without GITHUB_ACTIONS=true" 0 "$(grep -c '^::' "$WORK/many-nogha.err")"

# --- the tracking issue --------------------------------------------------------------
R=kineto/track
P="/api/v3/repos/$R/issues"
issue_run() { # issue_run TAG NOW [ARGS...]
	local tag=$1 now=$2; shift 2
	EXCLUSIONS_NOW=$now ex "$tag" --disabled-file "$LIST" --issue-ages "$@"
}
issue_run i1 $NOW0 --notify-issue $R
expect_eq "alerts: issue: first run opens it (one POST, no PATCH)" "1 0" "$(sent "POST $P ") $(sent "PATCH ")"
check "alerts: issue: its body holds the marker and the overdue test with its issue link" \
	grep -q -F "\"body\": \"<!-- exclusions:tracking-issue platforms=linux -->\\n1 test of this CI has been excluded for 14 days or more (as of 2026-08-21).\\n\\n| test | days | since | source | issue |\\n|---|---:|---|---|---|\\n| test/profiler/test\\\\_profiler.py::TestProfiler::test\\\\_kineto | 51 | 2026-07-01 | disabled-list | [#101](https://github.com/pytorch/pytorch/issues/101) |" "$LOG"
issue_run i2 $NOW0 --notify-issue $R
expect_eq "alerts: issue: same run again: up to date, nothing written" "1 0" "$(sent "POST $P ") $(sent "PATCH ")"
check "alerts: issue: up to date is said" grep -q "alerts: tracking issue $R#1 is up to date" "$WORK/i2.err"
issue_run i3 $((NOW0 + DAY)) --notify-issue $R
expect_eq "alerts: issue: a day later: edited (PATCH of #1), not opened again" "1 1" \
	"$(sent "POST $P ") $(sent "PATCH $P/1 .*\"state\": \"open\"")"
check "alerts: issue: the edit has the new day count" grep -q -E "^sent: PATCH $P/1 .*test\\\\\\\\_kineto \\| 52 \\|" "$LOG"
issue_run i4 $((NOW0 + DAY)) --notify-issue $R --alert-after 1000
expect_eq "alerts: issue: nothing overdue: closed (PATCH state closed)" 1 "$(sent "PATCH $P/1 .*\"state\": \"closed\"")"
issue_run i5 $((NOW0 + DAY)) --notify-issue $R --alert-after 1000
expect_eq "alerts: issue: still nothing overdue, already closed: nothing written" "1 2" "$(sent "POST ") $(sent "PATCH ")"
issue_run i6 $((NOW0 + 2 * DAY)) --notify-issue $R
expect_eq "alerts: issue: overdue again: the same issue reopened, never a second" "1 2" \
	"$(sent "POST ") $(sent "PATCH $P/1 .*\"state\": \"open\"")"
expect_eq "alerts: issue: the pull request holding the marker never touched" 0 "$(sent "PATCH $P/999999")"
all=$("$CURL_BIN" -s "http://127.0.0.1:$PORT$P?state=all" | "$PY" -c 'import json,sys; print(" ".join("%d:%s" % (i["number"], i["state"]) for i in json.load(sys.stdin) if "pull_request" not in i))')
expect_eq "alerts: issue: the repository holds one issue, open" "1:open" "$all"
# A CI matrix: each set of platforms keeps its own issue (its marker names
# them), so one job never overwrites or closes another's.
X=kineto/matrix-track
issue_run x1 $NOW0 --notify-issue $X
issue_run x2 $NOW0 --notify-issue $X --platform rocm
issue_run x3 $((NOW0 + DAY)) --notify-issue $X --alert-after 1000
expect_eq "alerts: issue: linux, then rocm: two issues opened (two POSTs), the rocm one never edited" "2 0" \
	"$(sent "POST /api/v3/repos/$X/issues ") $(sent "PATCH /api/v3/repos/$X/issues/2 ")"
check "alerts: issue: the rocm issue's marker and title name rocm" \
	grep -q -F "\"body\": \"<!-- exclusions:tracking-issue platforms=rocm -->" "$LOG"
all=$("$CURL_BIN" -s "http://127.0.0.1:$PORT/api/v3/repos/$X/issues?state=all" | "$PY" -c 'import json,sys; print(" ".join("%d:%s:%s" % (i["number"], i["state"], i["title"].split(" on ")[-1].split(":")[0]) for i in json.load(sys.stdin) if "pull_request" not in i))')
expect_eq "alerts: issue: nothing overdue on linux closes the linux issue only" "1:closed:linux 2:open:rocm" \
	"$(tr ' ' '\n' <<<"$all" | sort | tr '\n' ' ' | sed 's/ $//')"
for t in i1 i2 i3 i4 i5 i6 x1 x2 x3; do [ "$(cat "$WORK/$t.rc")" = 0 ] || fail "alerts: issue: run $t exit status" "$(cat "$WORK/$t.rc"): $(err_of "$t")"; done
H=kineto/hidden-track
issue_run h1 $NOW0 --notify-issue $H
issue_run h2 $((NOW0 + DAY)) --notify-issue $H
expect_eq "alerts: issue: not among the latest issues: found by the search, edited" "1 1" \
	"$(sent "POST /api/v3/repos/$H/issues ") $(sent "PATCH /api/v3/repos/$H/issues/1 ")"
check "alerts: issue: the search asked for the marker in the body" \
	grep -q -E "^request: GET /api/v3/search/issues\\?q=repo:$H\\+is:issue\\+in:body\\+%22exclusions%3Atracking-issue%22" "$LOG"
TOKEN='' GH_CONFIG_DIR=$WORK/empty-gh issue_run n1 $NOW0 --notify-issue kineto/notoken
expect_eq "alerts: issue: no token: one line, nothing sent, exit 0" "1 0 0" \
	"$(grep -c "^exclusions: alerts: tracking issue in kineto/notoken not updated: " "$WORK/n1.err") $(sent "[A-Z]+ /api/v3/repos/kineto/notoken") $(cat "$WORK/n1.rc")"

# --- the webhook -----------------------------------------------------------------
SECRET=s3cretHOOK$$x
: >"$WORK/curl-argv.log"
STRACE=$(command -v strace)
if [ -n "$STRACE" ] && ! "$STRACE" -f -e trace=execve -o "$WORK/probe.strace" true 2>/dev/null; then STRACE=; fi
hook_run() { # hook_run TAG NAME [ARGS...]: EXCLUSIONS_WEBHOOK on /hook/NAME
	local tag=$1 name=$2; shift 2
	if [ -n "$STRACE" ]; then
		# LeakSanitizer cannot run under ptrace (make check-asan).
		EXCLUSIONS_WEBHOOK="http://127.0.0.1:$PORT/hook/$name" EXCLUSIONS_NOW=$NOW0 \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			"$STRACE" -f -e trace=execve -s 4096 -o "$WORK/$tag.strace" \
			env GITHUB_TOKEN=tok "$EXCLUSIONS" --no-trunk --root "$ROOT" --api-url "$API" "$@" \
			>"$WORK/$tag.out" 2>"$WORK/$tag.err"
		echo $? >"$WORK/$tag.rc"
	else
		EXCLUSIONS_WEBHOOK="http://127.0.0.1:$PORT/hook/$name" EXCLUSIONS_NOW=$NOW0 ex "$tag" "$@"
	fi
}
hook_run w1 "$SECRET" --disabled-file "$LIST" --issue-ages
printf '%s' '{"text":"1 test excluded for 14 days or more:\n- test/profiler/test_profiler.py::TestProfiler::test_kineto: 51 days (https://github.com/pytorch/pytorch/issues/101)"}' >"$WORK/w1.want"
check "alerts: webhook: the body byte for byte" cmp "$WORK/w1.want" "$REC/hook.$SECRET.1"
expect_eq "alerts: webhook: Content-Type" "application/json" "$(cat "$REC/hook.$SECRET.1.type" 2>/dev/null)"
expect_eq "alerts: webhook: one POST, exit 0" "1 0" "$(grep -a -c "^webhook: $SECRET " "$LOG") $(cat "$WORK/w1.rc")"
ODD=$WORK/odd.txt
printf '%s\n' 'test/profiler/test_profiler.py::TestProfiler::test_amp[a&b<c>\d"é]  # https://github.com/kineto/own/issues/7' >"$ODD"
hook_run w2 "$SECRET" --no-disabled-list --extra "$ODD" --issue-ages
printf '%s' '{"text":"1 test excluded for 14 days or more:\n- test/profiler/test_profiler.py::TestProfiler::test_amp[a&amp;b&lt;c&gt;\\d\"é]: 111 days (https://github.com/kineto/own/issues/7)"}' >"$WORK/w2.want"
check "alerts: webhook: Slack's & < > and JSON's \\ \" escaped, UTF-8 kept" cmp "$WORK/w2.want" "$REC/hook.$SECRET.2"
n=$(grep -c -e '--config -' "$WORK/curl-argv.log")
check "alerts: webhook: curl ran, with its config on stdin ($n calls)" test "$n" -ge 2
expect_eq "alerts: webhook: the URL in no curl argv" 0 "$(grep -c -F "$SECRET" "$WORK/curl-argv.log")"
expect_eq "alerts: webhook: EXCLUSIONS_WEBHOOK not passed on to the children" 0 \
	"$(grep -c -F '[EXCLUSIONS_WEBHOOK in the environment]' "$WORK/curl-argv.log")"
n=$(grep -e '--request POST' "$WORK/curl-argv.log" | grep -v -e '--url ' | grep -c -v -e '--parallel')
check "alerts: webhook: its curl has a plain POST with the config on stdin, no URL, no batch ($n)" test "$n" -ge 2
if [ -n "$STRACE" ]; then
	n=$(grep -c 'execve(".*curl"' "$WORK/w1.strace")
	check "alerts: webhook: strace saw the curl children ($n)" test "$n" -ge 2
	expect_eq "alerts: webhook: the URL in no execve argv (strace -f)" 0 "$(cat "$WORK/w1.strace" "$WORK/w2.strace" | grep -c -F "$SECRET")"
else
	skip "alerts: webhook: the URL in no execve argv (strace -f)" "strace is not installed or cannot trace here"
fi
expect_eq "alerts: webhook: the URL in no message" 0 "$(cat "$WORK/w1.err" "$WORK/w2.err" | grep -c -F "$SECRET")"
hook_run w3 "bad!$SECRET" --disabled-file "$LIST" --issue-ages
expect_eq "alerts: webhook: refused by the server: one line without the URL, exit 0" "1 0 0" \
	"$(grep -c '^exclusions: alerts: webhook not notified: the server answered with an HTTP error$' "$WORK/w3.err") $(grep -c -F "$SECRET" "$WORK/w3.err") $(cat "$WORK/w3.rc")"
EXCLUSIONS_NOW=$NOW0 ex w4 --disabled-file "$LIST" --issue-ages --notify-webhook "http://127.0.0.1:$PORT/hook/opt"
expect_eq "alerts: webhook: --notify-webhook URL too" 1 "$(grep -a -c '^webhook: opt 1$' "$LOG")"
EXCLUSIONS_NOW=$NOW0 ex w5 --disabled-file "$LIST" --issue-ages --alert-after 1000 --notify-webhook "http://127.0.0.1:$PORT/hook/quiet"
expect_eq "alerts: webhook: nothing overdue: nothing posted" 0 "$(grep -a -c '^webhook: quiet ' "$LOG")"
ex w6 --notify-webhook "ftp://$SECRET"
expect_eq "alerts: webhook: not http(s): usage error that does not show the URL" "2 0" \
	"$(cat "$WORK/w6.rc") $(grep -c -F "$SECRET" "$WORK/w6.err")"

# --- dry run -------------------------------------------------------------------
EXCLUSIONS_WEBHOOK="http://127.0.0.1:$PORT/hook/dry$SECRET" EXCLUSIONS_NOW=$NOW0 \
	ex dry --disabled-file "$LIST" --issue-ages --notify-issue kineto/dry --dry-run
expect_eq "alerts: dry run: nothing sent (no issue call, no webhook)" "0 0" \
	"$(grep -a -c -E '^request: [A-Z]+ /api/v3/(repos/kineto/dry|search/issues\?q=repo:kineto/dry)' "$LOG") $(grep -a -c "^webhook: dry" "$LOG")"
check "alerts: dry run: the webhook's body shown, not its URL" grep -q -x -F \
	"exclusions: alerts: dry run: the webhook (URL not shown) would get: $(cat "$WORK/w1.want")" "$WORK/dry.err"
check "alerts: dry run: the tracking issue's title and body shown" grep -q -x -F "title: Tests excluded for 14 days or more on linux: 1" "$WORK/dry.err"
expect_eq "alerts: dry run: the URL in no message, exit 0" "0 0" "$(grep -c -F "$SECRET" "$WORK/dry.err") $(cat "$WORK/dry.rc")"

# --- usage -----------------------------------------------------------------------
for a in "--notify-issue kineto" "--notify-issue a/b/c" "--alert-after -1" "--alert-after x"; do
	# shellcheck disable=SC2086 # the words of $a are the arguments
	"$EXCLUSIONS" $a >"$WORK/u.out" 2>"$WORK/u.err"
	check "alerts: usage error: $a" usage_error_shape $? "$WORK/u.out" "$WORK/u.err"
done

# --- the real gh, on the loopback TLS server ----------------------------------------
GH_BIN=$(command -v gh)
OPENSSL_BIN=$(command -v openssl)
if [ -z "$GH_BIN" ] || [ -z "$OPENSSL_BIN" ]; then
	skip "alerts: gh: the token from gh auth token on the issue calls" "gh or openssl is not installed"
elif ! "$OPENSSL_BIN" req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
	-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" >"$WORK/openssl.log" 2>&1; then
	skip "alerts: gh: the token from gh auth token on the issue calls" "openssl could not make a certificate"
elif ! start_server_as tls --tls "$WORK/cert.pem" "$WORK/key.pem"; then
	fail "alerts: gh: server" "$(tail -n 3 "$WORK/tls.log")"
else
	GHTOK=ghtoken_${RANDOM}_$$
	mkdir -p "$WORK/gh-logged-in"
	printf '%s:\n    oauth_token: %s\n    user: tester\n    git_protocol: https\n' \
		"127.0.0.1:$PORT" "$GHTOK" >"$WORK/gh-logged-in/hosts.yml"
	GH_CONFIG_DIR=$WORK/gh-logged-in GH_HOST=127.0.0.1:$PORT SSL_CERT_FILE=$WORK/cert.pem HOME=$WORK/home \
		EXCLUSIONS_NOW=$NOW0 "$EXCLUSIONS" --no-trunk --root "$ROOT" --disabled-file "$LIST" \
		--issue-ages --notify-issue kineto/ghtrack >"$WORK/gh.out" 2>"$WORK/gh.err"
	echo $? >"$WORK/gh.rc"
	n=$(grep -a -c -E "^auth: /api/v3/repos/(pytorch/pytorch|kineto/ghtrack)/issues[^ ]* Bearer $GHTOK\$" "$WORK/tls.log")
	m=$(grep -a -c -E "^auth: /api/v3/repos/(pytorch/pytorch|kineto/ghtrack)/issues" "$WORK/tls.log")
	check "alerts: gh: every issue call carried gh's token ($n of $m)" test "$n" -ge 6 -a "$n" = "$m"
	expect_eq "alerts: gh: the tracking issue opened, exit 0" "1 0" \
		"$(grep -a -c '^sent: POST /api/v3/repos/kineto/ghtrack/issues ' "$WORK/tls.log") $(cat "$WORK/gh.rc")"
fi
