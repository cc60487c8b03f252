#!/usr/bin/env bash
# The GitHub Action: action.sh run as the action runs it (inputs as INPUT_*
# variables, a GITHUB_OUTPUT file), on the sample tree and the fixture
# list, checked against the binary run directly; inputs that try to run
# commands run none; and action.yml passes every input through env: only.
# The inputs of issue tracking and alerts run the real binary against the
# loopback fake API (test/server.py): annotations with GITHUB_ACTIONS=true,
# the tracking issue opened then edited, the webhook's body, its URL in no
# argv (a curl wrapper, strace -f on the whole action) and in no message or
# set -x trace; dry-run sends nothing; a bad boolean input is one line.
# Single quotes around $( ) and ${{ }} are meant: those texts must not expand.
# shellcheck disable=SC2016
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

ACTION_SH=$TOP/action.sh
ACTION_YML=$TOP/action.yml

if [ ! -x "$EXCLUSIONS" ]; then
	skip "action" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi
for f in "$ACTION_SH" "$ACTION_YML"; do
	if [ ! -f "$f" ]; then
		fail "action: $(basename "$f")" "missing"
		exit 0
	fi
done

# (The job summary, the runtime file with GITHUB_ENV, extra-args split as a
# shell splits quoted words, and the extra/collect/python inputs are cases
# below; the last ones against a stand-in binary that records its argv.)
#
# The action runs in the job's working directory; here a scratch one with
# the fixture list in it, so that extra-args can name it without a path.
RUN=$WORK/run
mkdir -p "$RUN"
cp "$TESTDIR/fixtures/sample-disabled.json" "$RUN/disabled.json"
SAMPLE=$TESTDIR/sample

# run_action TAG [VAR=VALUE...]: action.sh with only these INPUT_*s set;
# the outputs go to $WORK/TAG.output, stdout and stderr to TAG.out/.err.
# ACTION_SHELL (an array, default: bash) runs the script (bash -x, strace).
ACTION_SHELL=(bash)
run_action() {
	local tag=$1; shift
	: >"$WORK/$tag.output"
	(
		cd "$RUN" || exit 1
		env -u INPUT_PLATFORM -u INPUT_ROOT -u INPUT_TESTS_DIR -u INPUT_DISABLED_URL \
			-u INPUT_FALLBACK -u INPUT_FORMAT -u INPUT_EXTRA_ARGS -u INPUT_GITHUB_TOKEN \
			-u INPUT_DISABLED_TESTS_FILE -u INPUT_EXTRA -u INPUT_COLLECT -u INPUT_PYTHON \
			-u INPUT_SUMMARY -u GITHUB_STEP_SUMMARY -u GITHUB_ENV -u INPUT_HISTORY -u INPUT_CACHE_DIR \
			-u INPUT_ISSUES_REPO -u INPUT_CHECK_ISSUES -u INPUT_ISSUE_AGES -u INPUT_ALERT_AFTER \
			-u INPUT_NOTIFY_ISSUE -u INPUT_NOTIFY_WEBHOOK -u INPUT_DRY_RUN -u INPUT_GTEST_BASE \
			-u GITHUB_ACTIONS -u EXCLUSIONS_WEBHOOK -u GTEST_FILTER -u GH_TOKEN -u GITHUB_TOKEN \
			-u REENABLED_ISSUES -u PR_BODY -u COMMIT_MESSAGES \
			GITHUB_OUTPUT="$WORK/$tag.output" RUNNER_TEMP="$WORK" \
			EXCLUSIONS_BIN="$EXCLUSIONS" "$@" \
			"${ACTION_SHELL[@]}" "$ACTION_SH" </dev/null >"$WORK/$tag.out" 2>"$WORK/$tag.err"
	)
	RC=$?
}

# output FILE NAME: the value of an output as GitHub reads the file: lines
# "name=value", or "name<<DELIM", the value's lines, "DELIM".
output() {
	awk -v want="$2" '
		delim != "" { if ($0 == delim) { delim = ""; if (name == want) { printf "%s", val; found = 1 } }
		              else val = val (n++ ? "\n" : "") $0; next }
		/^[A-Za-z_][A-Za-z0-9_-]*<</ { i = index($0, "<<"); name = substr($0, 1, i - 1)
		              delim = substr($0, i + 2); val = ""; n = 0; next }
		/^[A-Za-z_][A-Za-z0-9_-]*=/ { i = index($0, "="); if (substr($0, 1, i - 1) == want) {
		              printf "%s", substr($0, i + 1); found = 1 } }
		END { exit !found }
	' "$1"
}

# Each form: the args output is what the binary prints, count is the
# number of node ids (from --format lines of the same run).
direct_ids=$("$EXCLUSIONS" -q --no-trunk --disabled-file "$RUN/disabled.json" --root "$SAMPLE" \
	--format lines 2>/dev/null | grep -c .)
if [ "${direct_ids:-0}" -lt 3 ]; then
	fail "action: fixture" "the sample tree and fixture give only ${direct_ids:-0} node ids"
	exit 0
fi
for form in args lines shell json keyword; do
	run_action "$form" INPUT_ROOT="$SAMPLE" INPUT_FORMAT="$form" INPUT_PLATFORM=linux \
		INPUT_EXTRA_ARGS="--no-trunk  --disabled-file
disabled.json	-q"
	if [ "$RC" -ne 0 ]; then
		fail "action: $form: runs" "exit status $RC: $(tail -n 3 "$WORK/$form.err")"
		continue
	fi
	want=$("$EXCLUSIONS" -q --no-trunk --disabled-file "$RUN/disabled.json" --root "$SAMPLE" \
		--platform linux --format "$form" 2>/dev/null)
	got=$(output "$WORK/$form.output" args) || got='<no args output>'
	expect_eq "action: $form: args output is the printed result" "$want" "$got"
	got=$(output "$WORK/$form.output" count) || got='<no count output>'
	if [ "$form" = keyword ]; then
		# One "not (Class and name)" term may stand for several node ids.
		expect_eq "action: $form: count" "$(grep -o 'not (' <<<"$want" | wc -l)" "$got"
	else
		expect_eq "action: $form: count" "$direct_ids" "$got"
	fi
	file=$(output "$WORK/$form.output" file) || file=
	if [ -n "$file" ] && [ -f "$file" ] && [ "$(cat "$file")" = "$want" ]; then
		pass "action: $form: file output holds the result"
	else
		fail "action: $form: file output holds the result" "file=[$file]"
	fi
done

# The delimiter is random, and a line of its own.
d1=$(grep -m1 '^args<<' "$WORK/args.output")
d2=$(grep -m1 '^args<<' "$WORK/lines.output")
if [ -n "$d1" ] && [ -n "$d2" ] && [ "$d1" != "$d2" ] && [ ${#d1} -ge 20 ]; then
	pass "action: random multi-line delimiter"
else
	fail "action: random multi-line delimiter" "[$d1] [$d2]"
fi
# A multi-line value stays whole.
lines=$(output "$WORK/lines.output" args | grep -c .)
expect_eq "action: lines output keeps every line" "$direct_ids" "$lines"

# Defaults: only the list and the root given; the fallback is printed when
# nothing is found (an empty tree), and counted.
mkdir -p "$WORK/emptyroot"
run_action empty INPUT_ROOT="$WORK/emptyroot" INPUT_FALLBACK=never \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json --filter no-such-suite"
expect_eq "action: nothing found: status 0" 0 "$RC"
expect_eq "action: nothing found: count 0" 0 "$(output "$WORK/empty.output" count)"
expect_eq "action: nothing found: empty args" "" "$(output "$WORK/empty.output" args)"

# tests-dir: several folders, each its own --tests-dir.
run_action dirs INPUT_ROOT="$SAMPLE" INPUT_TESTS_DIR="test/profiler  test/profiler" \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q"
expect_eq "action: tests-dir list: status 0" 0 "$RC"
expect_eq "action: tests-dir list: count" "$direct_ids" "$(output "$WORK/dirs.output" count)"

# disabled-url: a loopback server.
mkdir -p "$WORK/data"
cp "$RUN/disabled.json" "$WORK/data/list.json"
if ! command -v curl >/dev/null 2>&1; then
	skip "action: disabled-url" "curl is not installed"
elif start_server --root "$WORK/data"; then
	run_action url INPUT_ROOT="$SAMPLE" INPUT_DISABLED_URL="http://127.0.0.1:$PORT/data/list.json" \
		INPUT_EXTRA_ARGS="--no-trunk -q --retries 0 --timeout 20"
	expect_eq "action: disabled-url: status 0" 0 "$RC"
	expect_eq "action: disabled-url: count" "$direct_ids" "$(output "$WORK/url.output" count)"
	# cache-dir: the fetched list is cached there; a later --offline run
	# reads it without a request.
	run_action cached INPUT_ROOT="$SAMPLE" INPUT_DISABLED_URL="http://127.0.0.1:$PORT/data/list.json?c=1" \
		INPUT_CACHE_DIR="$WORK/acache" INPUT_EXTRA_ARGS="--no-trunk -q --retries 0 --timeout 20"
	check "action: cache-dir: the list is cached there" test -n "$(find "$WORK/acache" -name 'list-*.good' 2>/dev/null)"
	run_action offline INPUT_ROOT="$SAMPLE" INPUT_DISABLED_URL="http://127.0.0.1:$PORT/data/list.json?c=1" \
		INPUT_CACHE_DIR="$WORK/acache" INPUT_EXTRA_ARGS="--no-trunk -q --offline"
	expect_eq "action: cache-dir, --offline: the cached list, no second request" "0 $direct_ids 1" \
		"$RC $(output "$WORK/offline.output" count) $(grep -c '^request: GET /data/list.json?c=1 ' "$WORK/server.log")"
else
	fail "action: disabled-url" "test/server.py did not start"
fi

# A usage error fails the step with exclusions' status.
run_action bad INPUT_FORMAT=no-such-form INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json"
expect_eq "action: bad input fails the step with status 2" 2 "$RC"

# Inputs that try to run commands: they are arguments, never shell text.
rm -f "$RUN"/PWNED*
run_action hostile INPUT_ROOT="$SAMPLE" \
	INPUT_PLATFORM='linux$(touch PWNED1)' \
	INPUT_TESTS_DIR='`touch PWNED2` test/profiler;touch${IFS}PWNED3' \
	INPUT_FORMAT='args' \
	INPUT_EXTRA_ARGS='--no-trunk --disabled-file disabled.json --filter $(touch${IFS}PWNED4) ;touch PWNED5 | touch PWNED6 && touch PWNED7 * ?'
pwned=$(find "$RUN" "$WORK" -maxdepth 1 -name 'PWNED*' | paste -sd' ' -)
expect_eq "action: hostile inputs run nothing" "" "$pwned"
run_action hostile2 INPUT_ROOT="$SAMPLE" \
	INPUT_EXTRA_ARGS='--no-trunk --disabled-file disabled.json --format=lines -q'
expect_eq "action: --format= in extra-args is counted by its form" "$direct_ids" \
	"$(output "$WORK/hostile2.output" count)"

# The token input reaches the binary as GH_TOKEN and GITHUB_TOKEN in its
# environment, never among its arguments.
cat >"$WORK/fakebin" <<'FAKE'
#!/bin/sh
printf 'env=%s,%s\nargs=%s\n' "${GH_TOKEN:-}" "${GITHUB_TOKEN:-}" "$*" >"$FAKE_OUT"
printf '\n'
FAKE
chmod +x "$WORK/fakebin"
FAKE_OUT=$WORK/fake.txt run_action token EXCLUSIONS_BIN="$WORK/fakebin" FAKE_OUT="$WORK/fake.txt" \
	INPUT_GITHUB_TOKEN=tok-123 INPUT_PLATFORM=linux
if grep -qx 'env=tok-123,tok-123' "$WORK/fake.txt" && ! grep -q 'tok-123' <(grep '^args=' "$WORK/fake.txt"); then
	pass "action: the token goes to the environment, not to argv"
else
	fail "action: the token goes to the environment, not to argv" "$(cat "$WORK/fake.txt" 2>/dev/null)"
fi

# ---------------------------------------------------------------------------
# The job summary: the real binary on the sample tree and the fixture list,
# one issue re-enabled, one test kept, appended to what the file held.
printf '## an earlier step\n\n' >"$WORK/summary.md"
run_action summary INPUT_ROOT="$SAMPLE" GITHUB_STEP_SUMMARY="$WORK/summary.md" \
	REENABLED_ISSUES=190101 \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q
--keep 'test_fuzz_symbolize (__main__.TestExperimentalUtils)'"
sum=$WORK/summary.md
expect_eq "summary: status 0" 0 "$RC"
ids=$(output "$WORK/summary.output" count)
expect_eq "summary: one re-enabled and one kept test are left out of the result" $((direct_ids - 2)) "$ids"
expect_eq "summary: appended after what the file held" "## an earlier step" "$(head -n 1 "$sum")"
check "summary: heading with the count" grep -qx "### exclusions: $ids tests excluded" "$sum"
check "summary: counts by source" grep -q "^disabled-list: $ids · trunk-run: 0 · fallback: 0 · extra: 0 · re-enabled or kept: 2 · " "$sum"
rows=$(grep -c '^| <code>' "$sum")
expect_eq "summary: one table row per exclusion" "$ids" "$rows"
check "summary: a row names the node id, its source and its issue, linked" grep -qxF \
	'| <code>test/profiler/test\_profiler.py::TestProfiler::test\_user\_annotation</code> | disabled-list | [\#190104](https://github.com/pytorch/pytorch/issues/190104) |' "$sum"
check "summary: the re-enabled issue and the words that did it" grep -qE \
	'^- \*\*re-enable\*\*: issue 190101 re-enabled by REENABLED\\_ISSUES: test\\_kineto ' "$sum"
check "summary: the kept test" grep -qE '^- \*\*keep\*\*: test\\_fuzz\\_symbolize .*1 test no longer excluded' "$sum"
check "summary: warnings, escaped" grep -qF -- '- **disabled list**: unknown platform "\<fill this in' "$sum"
if grep -q 'test/profiler/test\\_profiler.py::TestProfiler::test\\_kineto<' "$sum"; then
	fail "summary: the re-enabled test is not in the table" "$(grep test..kineto "$sum")"
else
	pass "summary: the re-enabled test is not in the table"
fi

# The history input: each run recorded, its report appended to the job
# summary after the run's own; with summary false, recorded, not reported.
: >"$WORK/hsum.md"
for i in 1 2; do
	run_action "history$i" INPUT_ROOT="$SAMPLE" GITHUB_STEP_SUMMARY="$WORK/hsum.md" \
		INPUT_HISTORY="$WORK/history.jsonl" EXCLUSIONS_NOW=$((1764547200 + i * 86400)) \
		INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q"
	expect_eq "history: run $i, status 0" 0 "$RC"
done
expect_eq "history: both runs recorded" 2 "$(grep -c '^{"run":' "$WORK/history.jsonl")"
expect_eq "history: the history report appended each run" 2 "$(grep -c '^### exclusions: history, ' "$WORK/hsum.md")"
expect_eq "history: after the run's own summary" "### exclusions: $direct_ids tests excluded" "$(head -n 1 "$WORK/hsum.md")"
check "history: its chart has both runs" grep -qx '    line \['"$direct_ids, $direct_ids"'\]' "$WORK/hsum.md"
run_action history3 INPUT_ROOT="$SAMPLE" GITHUB_STEP_SUMMARY="$WORK/hsum.md" INPUT_SUMMARY=false \
	INPUT_HISTORY="$WORK/history.jsonl" INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q"
expect_eq "history: summary false: still recorded" 3 "$(grep -c '^{"run":' "$WORK/history.jsonl")"
expect_eq "history: summary false: nothing appended" 2 "$(grep -c '^### exclusions: history, ' "$WORK/hsum.md")"

# Text from a list that tries to break out of the table or inject HTML:
# every row keeps its four cell borders, no tag or link gets through.
"$PY" - "$RUN/disabled.json" "$RUN/hostile.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["test_kineto (__main__.TestProfiler)"][2] = ["linux", "x|y`z`</code><script>alert(1)</script>\n| a | b |", "[a](javascript:alert(1))"]
json.dump(d, open(sys.argv[2], "w"))
PYEOF
: >"$WORK/hostile.md"
"$EXCLUSIONS" --no-trunk --disabled-file "$RUN/hostile.json" --root "$SAMPLE" -q \
	--keep 'te|st`<b>' --summary "$WORK/hostile.md" >/dev/null 2>&1
# (a ] escaped by a backslash closes no link)
if grep -qiE '(^|[^\])<(script|b>)|(^|[^\])\]\(javascript' "$WORK/hostile.md"; then
	fail "summary: hostile text stays text" "$(grep -iE '(^|[^\])<(script|b>)|(^|[^\])\]\(javascript' "$WORK/hostile.md")"
elif ! grep -qF 'x\|y\`z\`\</code\>\<script\>' "$WORK/hostile.md"; then
	fail "summary: hostile text stays text" "the escaped warning is missing: $(grep -i script "$WORK/hostile.md")"
else
	pass "summary: hostile text stays text"
fi
bad=$(grep '^| ' "$WORK/hostile.md" | sed 's/\\|//g' | awk -F'|' 'NF != 5')
if [ -z "$bad" ] && grep -q '^| <code>' "$WORK/hostile.md"; then
	pass "summary: every table row has its three cells"
else
	fail "summary: every table row has its three cells" "$bad"
fi

# A summary file that cannot be written: one line, the result still
# printed, status 1 (as for the output).
"$EXCLUSIONS" --no-trunk --disabled-file "$RUN/disabled.json" --root "$SAMPLE" -q \
	--summary "$WORK/no-such-dir/summary.md" >"$WORK/nosum.out" 2>"$WORK/nosum.err"
rc=$?
expect_eq "summary: unwritable: status 1" 1 "$rc"
expect_eq "summary: unwritable: the result is still printed" "$direct_ids" "$(wc -w <"$WORK/nosum.out")"
if [ "$(grep -c summary "$WORK/nosum.err")" -eq 1 ] &&
	grep -q '^exclusions: cannot write the job summary .*no-such-dir/summary.md: No such file or directory$' "$WORK/nosum.err"; then
	pass "summary: unwritable: one line on stderr"
else
	fail "summary: unwritable: one line on stderr" "$(cat "$WORK/nosum.err")"
fi
run_action nosummary INPUT_ROOT="$SAMPLE" GITHUB_STEP_SUMMARY="$WORK/off.md" INPUT_SUMMARY=false \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q"
if [ "$RC" -eq 0 ] && [ ! -e "$WORK/off.md" ]; then pass "summary: input summary false writes none"
else fail "summary: input summary false writes none" "status $RC"; fi

# ---------------------------------------------------------------------------
# format pytorch: the runtime file in the working directory, its absolute
# path in GITHUB_ENV for the next steps, its entries counted.
rm -f "$RUN/.pytorch-disabled-tests.json"
: >"$WORK/github_env"
run_action pytorch INPUT_ROOT="$SAMPLE" INPUT_FORMAT=pytorch GITHUB_ENV="$WORK/github_env" \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q"
rt=$RUN/.pytorch-disabled-tests.json
expect_eq "pytorch: status 0" 0 "$RC"
want=$("$EXCLUSIONS" -q --no-trunk --disabled-file "$RUN/disabled.json" --root "$SAMPLE" --format pytorch 2>/dev/null)
if [ -f "$rt" ] && [ "$(cat "$rt")" = "$want" ]; then pass "pytorch: the runtime file is written in the working directory"
else fail "pytorch: the runtime file is written in the working directory" "$(ls -la "$RUN")"; fi
expect_eq "pytorch: GITHUB_ENV names it by its absolute path" "$rt" "$(output "$WORK/github_env" DISABLED_TESTS_FILE)"
keys=$("$PY" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$rt" 2>/dev/null)
if [ "${keys:-0}" -ge 10 ]; then
	expect_eq "pytorch: count is the file's number of keys" "$keys" "$(output "$WORK/pytorch.output" count)"
else
	fail "pytorch: count is the file's number of keys" "the file has ${keys:-no} keys"
fi
expect_eq "pytorch: file output is the runtime file" "$rt" "$(output "$WORK/pytorch.output" file)"
expect_eq "pytorch: args output holds it" "$want" "$(output "$WORK/pytorch.output" args)"
# An empty result is {} and 0, not the lines of braces.
echo '{}' >"$RUN/empty.json"
run_action pytorch0 INPUT_ROOT="$SAMPLE" INPUT_FORMAT=pytorch INPUT_DISABLED_TESTS_FILE="$WORK/empty-rt.json" \
	INPUT_FALLBACK=never INPUT_EXTRA_ARGS="--no-trunk --disabled-file empty.json -q"
expect_eq "pytorch: an empty file counts 0" "0:0:{}" "$RC:$(output "$WORK/pytorch0.output" count):$(cat "$WORK/empty-rt.json" 2>/dev/null)"
# Another place, relative to the working directory; and one given through
# extra-args' --format.
mkdir -p "$RUN/sub"
: >"$WORK/github_env2"
run_action pytorch2 INPUT_ROOT="$SAMPLE" GITHUB_ENV="$WORK/github_env2" INPUT_DISABLED_TESTS_FILE=sub/rt.json \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q --format=pytorch"
expect_eq "pytorch: disabled-tests-file input, relative" "0:$RUN/sub/rt.json:$keys" \
	"$RC:$(output "$WORK/github_env2" DISABLED_TESTS_FILE):$(output "$WORK/pytorch2.output" count)"
check "pytorch: GITHUB_ENV in the multi-line form with a random delimiter" \
	grep -qE '^DISABLED_TESTS_FILE<<EXCLUSIONS_[0-9a-f]{32}$' "$WORK/github_env2"

# format gtest: the filter line, its negative patterns counted (a base's
# own included); none: an empty line and 0.
printf '%s\n' 'A.b' 'C.d  # https://github.com/pytorch/kineto/issues/3' >"$RUN/cpp.txt"
run_action gtest INPUT_FORMAT=gtest INPUT_EXTRA=cpp.txt INPUT_EXTRA_ARGS="--no-trunk --no-disabled-list -q --gtest-base Foo.*-Old.x"
expect_eq "gtest: the filter line and the count of its negative patterns" "0:--gtest_filter=Foo.*-Old.x:A.b:C.d:3" \
	"$RC:$(output "$WORK/gtest.output" args):$(output "$WORK/gtest.output" count)"
run_action gtest0 INPUT_FORMAT=gtest INPUT_EXTRA_ARGS="--no-trunk --no-disabled-list -q"
expect_eq "gtest: none is an empty line and 0" "0::0" \
	"$RC:$(output "$WORK/gtest0.output" args):$(output "$WORK/gtest0.output" count)"
# The gtest-base input: one that starts with "-" (negative only) gets the
# exclusions after a ":", a positive one after a "-".
run_action gbase INPUT_FORMAT=gtest INPUT_EXTRA=cpp.txt INPUT_GTEST_BASE=-Old.x INPUT_EXTRA_ARGS="--no-trunk --no-disabled-list -q"
rc1=$RC
run_action gbase2 INPUT_FORMAT=gtest INPUT_EXTRA=cpp.txt INPUT_GTEST_BASE='Foo.*' INPUT_EXTRA_ARGS="--no-trunk --no-disabled-list -q"
expect_eq "gtest: the gtest-base input, negative and positive" \
	"0:--gtest_filter=-Old.x:A.b:C.d:3|0:--gtest_filter=Foo.*-A.b:C.d:2" \
	"$rc1:$(output "$WORK/gbase.output" args):$(output "$WORK/gbase.output" count)|$RC:$(output "$WORK/gbase2.output" args):$(output "$WORK/gbase2.output" count)"

# ---------------------------------------------------------------------------
# extra-args are split as a shell splits words, with nothing run: a stand-in
# binary records its argv (NUL-separated) and prints one exclusion.
cat >"$WORK/argvbin" <<'FAKE'
#!/bin/sh
printf '%s\0' "$@" >"$FAKE_ARGV"
printf -- '--deselect=t.py::T::test_a\n'
FAKE
chmod +x "$WORK/argvbin"

# argv_of TAG: the recorded argv, one "[word]" a line (a newline inside a
# word shows as \n).
argv_of() {
	local w
	[ -f "$WORK/$1.argv" ] || { echo '<not run>'; return; }
	while IFS= read -r -d '' w; do
		w=${w//$'\n'/\\n}
		printf '[%s]\n' "$w"
	done <"$WORK/$1.argv"
}

# fake_action TAG VAR=VALUE...: run_action with the stand-in.
fake_action() {
	local tag=$1; shift
	rm -f "$WORK/$tag.argv"
	run_action "$tag" EXCLUSIONS_BIN="$WORK/argvbin" FAKE_ARGV="$WORK/$tag.argv" "$@"
}

rm -f "$RUN"/pwned* "$RUN"/PWNED*
fake_action quoted INPUT_PLATFORM= INPUT_EXTRA_ARGS="--keep 'a b' --filter \"x\\\"y\" \$(touch pwned1)
\`touch pwned2\` * ~ \$HOME \${HOME} a\\ b '' \"\" 'it'\\''s' \"\\\$x \\\\ \\z\" # a comment 'unterminated
--last;touch pwned3 '\$(touch pwned4)' x#y"
want='[--keep]
[a b]
[--filter]
[x"y]
[$(touch]
[pwned1)]
[`touch]
[pwned2`]
[*]
[~]
[$HOME]
[${HOME}]
[a b]
[]
[]
[it'"'"'s]
[$x \ \z]
[--last;touch]
[pwned3]
[$(touch pwned4)]
[x#y]'
expect_eq "extra-args: quoted words, as a shell splits them" "$want" "$(argv_of quoted)"
expect_eq "extra-args: nothing expanded or run" "0:" "$RC:$(find "$RUN" -maxdepth 1 -name 'pwned*' | paste -sd' ' -)"

for bad in "--keep 'a b" '--keep "a b' '--keep "a \" b' "x\\"; do
	fake_action unterminated INPUT_EXTRA_ARGS="$bad"
	if [ "$RC" -eq 2 ] && [ "$(argv_of unterminated)" = '<not run>' ] && [ ! -s "$WORK/unterminated.out" ] &&
		[ "$(wc -l <"$WORK/unterminated.err")" -eq 1 ] && grep -q '^exclusions action: extra-args: ' "$WORK/unterminated.err"; then
		pass "extra-args: [$bad]: one line, status 2, nothing run"
	else
		fail "extra-args: [$bad]: one line, status 2, nothing run" "status $RC, argv $(argv_of unterminated), $(cat "$WORK/unterminated.err")"
	fi
done

# The real binary takes a quoted key with spaces as one --keep.
run_action keep INPUT_ROOT="$SAMPLE" \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q --keep 'test_kineto (__main__.TestProfiler)'"
got=$(output "$WORK/keep.output" args)
if [ "$RC" -eq 0 ] && [ "$(output "$WORK/keep.output" count)" -eq $((direct_ids - 1)) ] &&
	[[ $got != *TestProfiler::test_kineto* ]]; then
	pass "extra-args: a quoted --keep key reaches the binary as one word"
else
	fail "extra-args: a quoted --keep key reaches the binary as one word" "status $RC: $got"
fi

# extra, collect and python become their options (one --extra a file).
fake_action inputs INPUT_PLATFORM=linux INPUT_EXTRA="config_x86_64.txt
  more lists.txt" INPUT_COLLECT=true INPUT_PYTHON=/opt/py/bin/python3 INPUT_EXTRA_ARGS=--no-trunk
want='[--platform]
[linux]
[--extra]
[config_x86_64.txt]
[--extra]
[more]
[--extra]
[lists.txt]
[--collect]
[--python]
[/opt/py/bin/python3]
[--no-trunk]'
expect_eq "inputs: extra, collect, python to their options" "$want" "$(argv_of inputs)"
fake_action cachedir INPUT_CACHE_DIR="~/.cache/exclusions" HOME=/home/runner
fake_action cachedir2 INPUT_CACHE_DIR="/tmp/c d"
expect_eq "inputs: cache-dir to --cache-dir, a leading ~/ the home" "[--cache-dir]
[/home/runner/.cache/exclusions]|[--cache-dir]
[/tmp/c d]" "$(argv_of cachedir)|$(argv_of cachedir2)"
fake_action nocollect INPUT_COLLECT=false GITHUB_STEP_SUMMARY="$WORK/s2.md"
expect_eq "inputs: collect false adds nothing; the summary goes to GITHUB_STEP_SUMMARY" \
	"[--summary]
[$WORK/s2.md]" "$(argv_of nocollect)"
fake_action badcollect INPUT_COLLECT=yes
expect_eq "inputs: collect neither true nor false: status 2, nothing run" "2:<not run>" "$RC:$(argv_of badcollect)"
fake_action badfile INPUT_FORMAT=pytorch INPUT_DISABLED_TESTS_FILE="a
b.json"
expect_eq "inputs: a disabled-tests-file with a line break: status 2, nothing run" "2:<not run>" "$RC:$(argv_of badfile)"

# The inputs of issue tracking, alerts and the gtest base become their
# options; true and false in any case.
fake_action alerting INPUT_FORMAT=gtest INPUT_SUMMARY=TRUE GITHUB_STEP_SUMMARY="$WORK/s3.md" \
	INPUT_ISSUES_REPO=kineto/own INPUT_CHECK_ISSUES=True INPUT_ISSUE_AGES=true INPUT_ALERT_AFTER=30 \
	INPUT_NOTIFY_ISSUE=kineto/track INPUT_DRY_RUN=TRUE INPUT_GTEST_BASE=-Old.x
want="[--format]
[gtest]
[--summary]
[$WORK/s3.md]
[--issues-repo]
[kineto/own]
[--check-issues]
[--issue-ages]
[--alert-after]
[30]
[--notify-issue]
[kineto/track]
[--dry-run]
[--gtest-base=-Old.x]"
expect_eq "inputs: issues-repo, check-issues, issue-ages, alert-after, notify-issue, dry-run, gtest-base to their options" \
	"0:$want" "$RC:$(argv_of alerting)"
fake_action falses INPUT_SUMMARY=False GITHUB_STEP_SUMMARY="$WORK/s4.md" INPUT_CHECK_ISSUES=false \
	INPUT_ISSUE_AGES=FALSE INPUT_DRY_RUN=false INPUT_COLLECT=False INPUT_PLATFORM=linux
expect_eq "inputs: every boolean false (any case) adds nothing" "0:[--platform]
[linux]" "$RC:$(argv_of falses)"
for b in collect summary check-issues issue-ages dry-run; do
	var=INPUT_$(printf '%s' "$b" | tr 'a-z-' 'A-Z_')
	for v in yes "true
--evil"; do
		fake_action badbool "$var=$v"
		if [ "$RC" -eq 2 ] && [ "$(argv_of badbool)" = '<not run>' ] && [ ! -s "$WORK/badbool.out" ] &&
			[ "$(wc -l <"$WORK/badbool.err")" -eq 1 ] &&
			grep -qxF "exclusions action: $b: expected true or false, not \"${v//$'\n'/\\n}\"" "$WORK/badbool.err"; then
			pass "inputs: $b [${v//$'\n'/\\n}]: one line, status 2, nothing run"
		else
			fail "inputs: $b [${v//$'\n'/\\n}]: one line, status 2, nothing run" \
				"status $RC, argv $(argv_of badbool), $(cat "$WORK/badbool.err")"
		fi
	done
done

# notify-webhook reaches the binary as EXCLUSIONS_WEBHOOK in its
# environment only: not in argv, not as INPUT_NOTIFY_WEBHOOK; without the
# input, an EXCLUSIONS_WEBHOOK of the job's own is passed on as it is.
cat >"$WORK/envbin" <<'FAKE'
#!/bin/sh
printf '%s\0' "$@" >"$FAKE_ARGV"
printf 'hook=%s input=%s\n' "${EXCLUSIONS_WEBHOOK-unset}" "${INPUT_NOTIFY_WEBHOOK-unset}" >"$FAKE_ENV"
printf '\n'
FAKE
chmod +x "$WORK/envbin"
HOOKSECRET=hooksecret_${RANDOM}_$$
rm -f "$WORK/hookenv.argv"
run_action hookenv EXCLUSIONS_BIN="$WORK/envbin" FAKE_ARGV="$WORK/hookenv.argv" FAKE_ENV="$WORK/hookenv.env" \
	INPUT_NOTIFY_WEBHOOK="https://hooks.example/T/$HOOKSECRET"
expect_eq "inputs: notify-webhook: in the binary's environment as EXCLUSIONS_WEBHOOK only" \
	"0:hook=https://hooks.example/T/$HOOKSECRET input=unset" "$RC:$(cat "$WORK/hookenv.env" 2>/dev/null)"
expect_eq "inputs: notify-webhook: in no argument, no message, no output" 0 \
	"$(cat "$WORK/hookenv.argv" "$WORK/hookenv.out" "$WORK/hookenv.err" "$WORK/hookenv.output" | grep -c -F "$HOOKSECRET")"
run_action hookjob EXCLUSIONS_BIN="$WORK/envbin" FAKE_ARGV="$WORK/hookjob.argv" FAKE_ENV="$WORK/hookjob.env" \
	EXCLUSIONS_WEBHOOK="https://hooks.example/job"
expect_eq "inputs: no notify-webhook: the job's EXCLUSIONS_WEBHOOK left as it is" \
	"0:hook=https://hooks.example/job input=unset" "$RC:$(cat "$WORK/hookjob.env" 2>/dev/null)"

# The extra and collect inputs on the real binary: a hand-kept line (in
# Kineto's shape, with its issue link) is excluded and shown in the
# summary; collect runs Debian's pytest for exact ids.
printf '%s\n' '"test/profiler/test_profiler.py::TestProfiler::test_kineto_profiler_api"  # https://github.com/pytorch/pytorch/issues/4242' \
	>"$RUN/hand-kept.txt"
run_action realextra INPUT_ROOT="$SAMPLE" INPUT_EXTRA="hand-kept.txt" GITHUB_STEP_SUMMARY="$WORK/extra.md" \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json --format lines"
check "extra input, real binary: the hand-kept test is excluded" \
	grep -qx 'test/profiler/test_profiler.py::TestProfiler::test_kineto_profiler_api' "$WORK/realextra.out"
check "extra input, real binary: the summary counts it as extra, with its issue" \
	grep -qE '^disabled-list: [0-9]+ · trunk-run: 0 · fallback: 0 · extra: 1 · ' "$WORK/extra.md"
if /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
	run_action realcollect INPUT_ROOT="$SAMPLE" INPUT_COLLECT=true INPUT_PYTHON=/usr/bin/python3 \
		INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json --format lines"
	if [ "$RC" -eq 0 ] && grep -q 'collect: [0-9]* node ids from pytest --collect-only' "$WORK/realcollect.err" &&
		[ "$(grep -c . "$WORK/realcollect.out")" -ge 3 ]; then
		pass "collect input, real pytest: the ids come from its collection"
	else
		fail "collect input, real pytest: the ids come from its collection" "rc=$RC: $(head -c 600 "$WORK/realcollect.err")"
	fi
else
	skip "collect input, real pytest: the ids come from its collection" "/usr/bin/python3 cannot import pytest"
fi

# ---------------------------------------------------------------------------
# Issue tracking, issue ages and alerts on the real binary against the
# loopback fake API of test/server.py (issues.json and issue-ages.json in
# test/fixtures/github; the tracking issue kept in memory; webhook bodies
# recorded in --record-dir), as t_issues.sh and t_alerts.sh run them.
NOW0=1787270400        # 2026-08-21T00:00:00Z
DAY=86400
P=test/profiler/test_profiler.py
cat >"$RUN/alist.json" <<'EOF'
{"test_fuzz_symbolize (__main__.TestExperimentalUtils)": ["103", "https://github.com/pytorch/pytorch/issues/103", []],
 "test_kineto (__main__.TestProfiler)": ["101", "https://github.com/pytorch/pytorch/issues/101", []],
 "test_user_annotation (__main__.TestProfiler)": ["102", "https://github.com/pytorch/pytorch/issues/102", []]}
EOF
REC=$WORK/rec
mkdir -p "$REC" "$WORK/bin"
CURL_BIN=$(command -v curl)
if [ -z "$CURL_BIN" ]; then
	skip "action: issues and alerts" "curl is not installed"
elif ! start_server_as api --record-dir "$REC"; then
	fail "action: issues and alerts" "test/server.py did not start: $(tail -n 3 "$WORK/api.log")"
else
	API=http://127.0.0.1:$PORT/api/v3
	HOOKS=http://127.0.0.1:$PORT/hook
	ALOG=$WORK/api.log
	TOK=actiontok_${RANDOM}_$$
	sent() { grep -a -c -E "^sent: $1" "$ALOG"; }

	# issues-repo: the open DISABLED issues' tests, every page, the token
	# of the github-token input on each call.
	run_action issues INPUT_ROOT="$SAMPLE" INPUT_FORMAT=lines INPUT_ISSUES_REPO=act-tr/tracked INPUT_GITHUB_TOKEN="$TOK" \
		INPUT_EXTRA_ARGS="--no-trunk --no-disabled-list --api-url $API --timeout 30"
	expect_eq "issues-repo: the tests of the open DISABLED issues" "0:$P::TestProfiler::test_kineto
$P::TestProfiler::test_script_payload
$P::TestProfiler::test_user_annotation:3" "$RC:$(output "$WORK/issues.output" args):$(output "$WORK/issues.output" count)"
	expect_eq "issues-repo: three pages asked for, each with github-token's token" "3 3" \
		"$(requests_of api act-tr) $(grep -a -c "^auth: /api/v3/repos/act-tr/.* Bearer $TOK\$" "$ALOG")"

	# check-issues: the closed issue's line reported, the output unchanged.
	printf '%s\n' "$P::TestProfiler::test_kineto  # https://github.com/act-ck/checked/issues/11" \
		"$P::TestProfiler::test_user_annotation  # https://github.com/act-ck/checked/issues/12" >"$RUN/ck.txt"
	run_action ck INPUT_ROOT="$SAMPLE" INPUT_EXTRA=ck.txt INPUT_CHECK_ISSUES=true INPUT_GITHUB_TOKEN="$TOK" \
		INPUT_EXTRA_ARGS="--no-trunk --no-disabled-list --fallback never --api-url $API --timeout 30"
	expect_eq "check-issues: both issues looked up once, the closed one's line reported, both still excluded" \
		"0:2:2:1:0" "$RC:$(output "$WORK/ck.output" count):$(requests_of api act-ck):$(grep -c \
			'check-issues: ck.txt:2: issue closed: this line can go (https://github.com/act-ck/checked/issues/12)$' "$WORK/ck.err"):$(grep -c 'issues/11)$' "$WORK/ck.err")"

	# issue-ages and alert-after: with GITHUB_ACTIONS=true (the runner's),
	# one ::warning per test excluded that long, days from each issue's
	# opening; the default 14 days without the input; none outside Actions.
	T="$P::TestProfiler::test_"
	run_action ages5 INPUT_ROOT="$SAMPLE" GITHUB_ACTIONS=true EXCLUSIONS_NOW=$NOW0 INPUT_ISSUE_AGES=true \
		INPUT_ALERT_AFTER=5 INPUT_GITHUB_TOKEN="$TOK" \
		INPUT_EXTRA_ARGS="--no-trunk --disabled-file alist.json --api-url $API --timeout 30"
	expect_eq "issue-ages, alert-after 5, GITHUB_ACTIONS=true: the annotations, longest first" \
		"0:Excluded for 51 days%3A ${T//:/%3A}kineto
Excluded for 10 days%3A ${T//:/%3A}user_annotation" "$RC:$(sed -n 's/^::warning title=\([^:]*\)::.*/\1/p' "$WORK/ages5.err")"
	check "issue-ages: the annotation's message names since when and the issue" \
		grep -q -x -F "::warning title=Excluded for 51 days%3A ${T//:/%3A}kineto::${T}kineto has been excluded since 2026-07-01 (disabled-list): https://github.com/pytorch/pytorch/issues/101" "$WORK/ages5.err"
	run_action ages14 INPUT_ROOT="$SAMPLE" GITHUB_ACTIONS=true EXCLUSIONS_NOW=$NOW0 INPUT_ISSUE_AGES=true \
		INPUT_GITHUB_TOKEN="$TOK" INPUT_EXTRA_ARGS="--no-trunk --disabled-file alist.json --api-url $API --timeout 30"
	expect_eq "alert-after empty: exclusions' 14 days" "0:1" "$RC:$(grep -c '^::warning ' "$WORK/ages14.err")"
	run_action noages INPUT_ROOT="$SAMPLE" EXCLUSIONS_NOW=$NOW0 INPUT_ISSUE_AGES=true INPUT_ALERT_AFTER=5 \
		INPUT_GITHUB_TOKEN="$TOK" INPUT_EXTRA_ARGS="--no-trunk --disabled-file alist.json --api-url $API --timeout 30"
	expect_eq "issue-ages: no annotation without GITHUB_ACTIONS=true, the same result" "0:0:$(output "$WORK/ages5.output" args)" \
		"$RC:$(grep -c '^::' "$WORK/noages.err"):$(output "$WORK/noages.output" args)"
	run_action badafter INPUT_ALERT_AFTER=x INPUT_EXTRA_ARGS="--no-trunk --disabled-file alist.json"
	expect_eq "alert-after not a number: exclusions' usage error, status 2" "2:1" \
		"$RC:$(grep -c '^exclusions: --alert-after' "$WORK/badafter.err")"

	# notify-issue: one tracking issue, opened, then edited a day later.
	for d in 0 1; do
		run_action "track$d" INPUT_ROOT="$SAMPLE" EXCLUSIONS_NOW=$((NOW0 + d * DAY)) INPUT_ISSUE_AGES=true \
			INPUT_NOTIFY_ISSUE=act/track INPUT_GITHUB_TOKEN="$TOK" \
			INPUT_EXTRA_ARGS="--no-trunk --disabled-file alist.json --api-url $API --timeout 30"
		[ "$RC" -eq 0 ] || fail "notify-issue: run $d" "status $RC: $(tail -n 3 "$WORK/track$d.err")"
	done
	expect_eq "notify-issue: the tracking issue opened once (POST), then edited (PATCH #1)" "1 1" \
		"$(sent "POST /api/v3/repos/act/track/issues ") $(sent "PATCH /api/v3/repos/act/track/issues/1 ")"
	check "notify-issue: the edit has the new day count" \
		grep -q -E "^sent: PATCH /api/v3/repos/act/track/issues/1 .*test\\\\\\\\_kineto \\| 52 \\|" "$ALOG"
	n=$(grep -a -c '^auth: /api/v3/repos/act/track/' "$ALOG")
	check "notify-issue: each call with github-token's token ($n)" \
		test "$n" -ge 2 -a "$(grep -a -c "^auth: /api/v3/repos/act/track/.* Bearer $TOK\$" "$ALOG")" = "$n"

	# notify-webhook: the body byte for byte; the URL in no argv of any
	# process (a curl wrapper's record, and strace's execve of every
	# process the action starts), in no message, output or trace (set -x).
	SECRET=s3cretACTIONhook$$
	cat >"$WORK/bin/curl" <<EOF
#!/bin/sh
printf '%s\n' "\$* \${EXCLUSIONS_WEBHOOK:+[EXCLUSIONS_WEBHOOK in the environment]}\${INPUT_NOTIFY_WEBHOOK:+[INPUT_NOTIFY_WEBHOOK in the environment]}" >>"$WORK/curl-argv.log"
exec "$CURL_BIN" "\$@"
EOF
	chmod +x "$WORK/bin/curl"
	: >"$WORK/curl-argv.log"
	STRACE=$(command -v strace)
	if [ -n "$STRACE" ] && ! "$STRACE" -f -e trace=execve -o "$WORK/probe.strace" true 2>/dev/null; then STRACE=; fi
	hook_inputs=(INPUT_ROOT="$SAMPLE" EXCLUSIONS_NOW="$NOW0" INPUT_ISSUE_AGES=true INPUT_GITHUB_TOKEN="$TOK"
		PATH="$WORK/bin:$PATH" INPUT_NOTIFY_WEBHOOK="$HOOKS/$SECRET"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
		INPUT_EXTRA_ARGS="--no-trunk --disabled-file alist.json --api-url $API --timeout 30")
	if [ -n "$STRACE" ]; then
		# LeakSanitizer cannot run under ptrace (make check-asan).
		ACTION_SHELL=("$STRACE" -f -e trace=execve -s 4096 -o "$WORK/hook.strace" bash)
	fi
	run_action hook1 "${hook_inputs[@]}"
	rc1=$RC
	ACTION_SHELL=(bash -x)
	run_action hook2 "${hook_inputs[@]}"
	ACTION_SHELL=(bash)
	printf '%s' '{"text":"1 test excluded for 14 days or more:\n- test/profiler/test_profiler.py::TestProfiler::test_kineto: 51 days (https://github.com/pytorch/pytorch/issues/101)"}' >"$WORK/hook.want"
	check "notify-webhook: the body byte for byte" cmp "$WORK/hook.want" "$REC/hook.$SECRET.1"
	check "notify-webhook: the same under set -x" cmp "$WORK/hook.want" "$REC/hook.$SECRET.2"
	expect_eq "notify-webhook: two POSTs, status 0 both" "2 0 0" "$(grep -a -c "^webhook: $SECRET " "$ALOG") $rc1 $RC"
	# two webhook POSTs at least (the issue-age lookups may come from the cache)
	n=$(grep -c -e '--config -' "$WORK/curl-argv.log")
	check "notify-webhook: curl ran, with its config on stdin ($n calls)" test "$n" -ge 2
	expect_eq "notify-webhook: the URL in no curl argv" 0 "$(grep -c -F "$SECRET" "$WORK/curl-argv.log")"
	expect_eq "notify-webhook: neither EXCLUSIONS_WEBHOOK nor INPUT_NOTIFY_WEBHOOK in curl's environment" 0 \
		"$(grep -c -F 'in the environment]' "$WORK/curl-argv.log")"
	if [ -n "$STRACE" ]; then
		n=$(grep -c 'execve(".*/curl"' "$WORK/hook.strace")
		m=$(grep -c -F "execve(\"$EXCLUSIONS\"" "$WORK/hook.strace")
		check "notify-webhook: strace saw the binary and its curl children ($m, $n)" test "$m" -ge 1 -a "$n" -ge 2
		expect_eq "notify-webhook: the URL in no execve argv (strace -f on the action)" 0 \
			"$(grep -c -F "$SECRET" "$WORK/hook.strace")"
	else
		skip "notify-webhook: the URL in no execve argv (strace -f on the action)" "strace is not installed or cannot trace here"
	fi
	n=$(grep -c '^+' "$WORK/hook2.err")
	check "notify-webhook: set -x traced the action ($n lines)" test "$n" -ge 20
	expect_eq "notify-webhook: the URL in no message, output or trace" 0 \
		"$(cat "$WORK"/hook[12].out "$WORK"/hook[12].err "$WORK"/hook[12].output | grep -c -F "$SECRET")"

	# dry-run: what would be sent shown (the webhook's body, not its URL),
	# nothing sent.
	run_action dry INPUT_ROOT="$SAMPLE" EXCLUSIONS_NOW=$NOW0 INPUT_ISSUE_AGES=true INPUT_DRY_RUN=true \
		INPUT_NOTIFY_ISSUE=act/dry INPUT_NOTIFY_WEBHOOK="$HOOKS/dry$SECRET" INPUT_GITHUB_TOKEN="$TOK" \
		INPUT_EXTRA_ARGS="--no-trunk --disabled-file alist.json --api-url $API --timeout 30"
	expect_eq "dry-run: nothing sent (no tracking issue call, no webhook)" "0 0 0" \
		"$RC $(grep -a -c -E '^request: [A-Z]+ /api/v3/(repos/act/dry|search/issues\?q=repo:act/dry)' "$ALOG") $(grep -a -c "^webhook: dry" "$ALOG")"
	check "dry-run: the webhook's body shown, not its URL" grep -q -x -F \
		"exclusions: alerts: dry run: the webhook (URL not shown) would get: $(cat "$WORK/hook.want")" "$WORK/dry.err"
	check "dry-run: the tracking issue's title shown" grep -q -x -F "title: Tests excluded for 14 days or more on linux: 1" "$WORK/dry.err"
	expect_eq "dry-run: the URL in no message" 0 "$(cat "$WORK/dry.out" "$WORK/dry.err" | grep -c -F "$SECRET")"
fi

# action.yml: every expression in it is either an input passed through
# env: (INPUT_X: ${{ inputs.x }}) or an output taken from the run step; no
# run: line holds one; every input declared has its env: line.
bad=$(grep -n '\${{' "$ACTION_YML" | grep -vE '^[0-9]+: *#' |
	grep -vE '^[0-9]+: +INPUT_[A-Z_]+: \$\{\{ inputs\.[a-z-]+ \}\}$' |
	grep -vE '^[0-9]+: +value: \$\{\{ steps\.run\.outputs\.[a-z]+ \}\}$' |
	grep -vE '^[0-9]+: +default: \$\{\{ github\.token \}\}$')
if [ -z "$bad" ]; then pass "action.yml: expressions only in env: and outputs"
else fail "action.yml: expressions only in env: and outputs" "$bad"; fi
if grep -nE '^ *run: .*\$\{\{' "$ACTION_YML" >/dev/null; then
	fail "action.yml: no expression in run:" "$(grep -nE '^ *run: .*\$\{\{' "$ACTION_YML")"
else
	pass "action.yml: no expression in run:"
fi
inputs=$(awk '/^inputs:/{ on = 1; next } /^[^ #]/{ on = 0 } on && /^  [a-z][a-z-]*:$/ { sub(/:$/, ""); sub(/^ +/, ""); print }' "$ACTION_YML")
missing=
for i in $inputs; do
	var=INPUT_$(printf '%s' "$i" | tr 'a-z-' 'A-Z_')
	grep -qE "^ +$var: \\$\\{\\{ inputs\\.$i \\}\\}$" "$ACTION_YML" || missing="$missing $i"
	grep -q "$var" "$ACTION_SH" || missing="$missing $i(not read by action.sh)"
done
if [ -n "$inputs" ] && [ -z "$missing" ]; then
	pass "action.yml: every input goes through env: ($(echo "$inputs" | paste -sd' ' -))"
else
	fail "action.yml: every input goes through env:" "missing:$missing"
fi
for want in platform root tests-dir disabled-url fallback format extra-args disabled-tests-file extra collect python summary cache-dir \
	issues-repo check-issues issue-ages alert-after notify-issue notify-webhook dry-run gtest-base; do
	check "action.yml: input $want" grep -qx "  $want:" <(printf '%s\n' "$inputs" | sed 's/^/  /; s/$/:/')
done
for o in args count; do
	check "action.yml: output $o" grep -qE "^  $o:$" "$ACTION_YML"
done
check "action.yml: composite, builds with make -C \"\$GITHUB_ACTION_PATH\"" \
	grep -qE 'make .*-C "\$GITHUB_ACTION_PATH"' "$ACTION_YML"
check "action.yml: composite" grep -qE '^  using: composite$' "$ACTION_YML"

# With PyYAML at hand, the same through a real parser.
if "$PY" -c 'import yaml' 2>/dev/null; then
	if "$PY" - "$ACTION_YML" >"$WORK/yaml.err" 2>&1 <<'EOF'
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
steps = doc["runs"]["steps"]
assert doc["runs"]["using"] == "composite"
for s in steps:
    assert "${{" not in s.get("run", ""), s
    assert s.get("shell") == "bash", s
env = {}
for s in steps:
    env.update(s.get("env", {}))
for name in doc["inputs"]:
    var = "INPUT_" + name.upper().replace("-", "_")
    assert env.get(var) == "${{ inputs.%s }}" % name, (var, env.get(var))
for name in ("args", "count"):
    assert re.fullmatch(r"\$\{\{ steps\.run\.outputs\.%s \}\}" % name, doc["outputs"][name]["value"])
EOF
	then pass "action.yml: parsed with PyYAML"
	else fail "action.yml: parsed with PyYAML" "$(tail -n 3 "$WORK/yaml.err")"; fi
else
	skip "action.yml: parsed with PyYAML" "python3-yaml is not installed"
fi
