#!/usr/bin/env bash
# Issue tracking against the loopback fake API over HTTPS (test/server.py,
# test/fixtures/github/issues.json), in two setups:
#   gh    the real gh on PATH, logged in to 127.0.0.1:PORT (a hosts.yml in
#         GH_CONFIG_DIR; no token variable), GH_HOST=127.0.0.1:PORT: the
#         binary asks `gh auth token` once and calls the API with curl.
#   curl  no gh on PATH, GITHUB_TOKEN, --api-url https://127.0.0.1:PORT/api/v3.
# --issues-repo: every page of the open issues (230 plain ones first, so the
# DISABLED ones are on page 3), state=open and per_page=100 sent, the token
# on every call; the three title kinds (a key, a node id, gtest names),
# DISABLED MULTIPLE bodies, Platforms: lines in any case, pull requests and
# closed issues left out, a malformed title (one warning, the run goes on);
# the platform filter, re-enabling, --keep and every output form.
# --check-issues: one call per issue named by --extra and fallback lines, a
# closed one reported for each line naming it, the output unchanged; the
# answers in the cache folder (within --ttl no request, --refresh,
# --offline with and without a cache, a damaged cached answer replaced).
#
# shellcheck source=test/lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TOP" || exit 1

NAMES=()
for m in gh curl; do
	NAMES+=("issues $m: the open DISABLED issues' tests, every page read"
		"issues $m: three pages asked for, each with state=open&per_page=100, with the token, by curl"
		"issues $m: a malformed title and a bad body line: one warning each, the run goes on"
		"issues $m: --check-issues: one call per issue, each line of a closed one reported, a failed lookup said, output unchanged")
done
NAMES+=("issues: --platform win takes the win-only issues, not the linux ones"
	"issues: json form: every title kind, issue number and URL, gtest names"
	"issues: pytorch form: keys with URL and platforms, whatever the platform"
	"issues: gtest form: the gtest names of the issues, for this run's platforms"
	"issues: REENABLED_ISSUES and --keep apply to issue entries"
	"issues: --explain names the issue"
	"issues: a repository the API does not know: one warning, exit 0"
	"issues: --check-issues cache: a second run within --ttl asks only the issue that failed, the same lines reported"
	"issues: --check-issues cache: past --ttl the states are asked again"
	"issues: --check-issues cache: --refresh asks again"
	"issues: --check-issues cache: --offline: no request, the cached states, the missing issue one line"
	"issues: --check-issues cache: --offline without a cache: no request, each issue one line, output unchanged"
	"issues: --check-issues cache: a damaged cached answer is ignored with a warning, asked again and replaced")

skip_all() {
	for n in "${NAMES[@]}"; do skip "$n" "$1"; done
	exit 0
}

if [ ! -x "$EXCLUSIONS" ]; then
	for n in "${NAMES[@]}"; do fail "$n" "$EXCLUSIONS is not built"; done
	exit 0
fi
CURL_BIN=$(command -v curl)
OPENSSL_BIN=$(command -v openssl)
TIMEOUT_BIN=$(command -v timeout)
GH_BIN=$(command -v gh)
[ -n "$CURL_BIN" ] || skip_all "curl is not installed"
[ -n "$OPENSSL_BIN" ] || skip_all "openssl is not installed"
[ -n "$TIMEOUT_BIN" ] || skip_all "timeout is not installed"

CERT=$WORK/cert.pem KEY=$WORK/key.pem
if ! "$OPENSSL_BIN" req -x509 -newkey rsa:2048 -nodes -keyout "$KEY" -out "$CERT" -days 2 \
	-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" >"$WORK/openssl.log" 2>&1; then
	skip_all "openssl could not make a certificate: $(tail -n 1 "$WORK/openssl.log")"
fi
if ! start_server_as A --tls "$CERT" "$KEY"; then
	for n in "${NAMES[@]}"; do fail "$n" "test/server.py did not start"; done
	exit 0
fi
API=https://127.0.0.1:$PORT/api/v3
TOKEN=issuestest_${RANDOM}_${RANDOM}_$$
NOGH_BIN=$WORK/bin-nogh
mkdir -p "$NOGH_BIN" "$WORK/home" "$GH_CONFIG_DIR"
ln -s "$CURL_BIN" "$NOGH_BIN/curl"
SAMPLE=$TOP/test/sample

# run MODE TAG ARGS...: the binary in setup MODE, with the sample tree and
# no other source; stdout, stderr and status into $WORK/TAG.{out,err,rc}.
run() {
	local mode=$1 tag=$2; shift 2
	run_child "$mode" --root "$SAMPLE" --no-disabled-list --no-trunk --timeout 30 "$@" \
		>"$WORK/$tag.out" 2>"$WORK/$tag.err" </dev/null
	echo $? >"$WORK/$tag.rc"
}
run_child() (
	local mode=$1 pre=(); shift
	case $mode in
	gh)
		printf '%s:\n    oauth_token: %s\n    user: tester\n    git_protocol: https\n' \
			"127.0.0.1:$PORT" "$TOKEN" >"$GH_CONFIG_DIR/hosts.yml"
		export GH_HOST=127.0.0.1:$PORT SSL_CERT_FILE=$CERT HOME=$WORK/home GH_CONFIG_DIR
		;;
	curl)
		export PATH=$NOGH_BIN GITHUB_TOKEN=$TOKEN CURL_CA_BUNDLE=$CERT
		pre=(--api-url "$API")
		;;
	esac
	exec "$TIMEOUT_BIN" -k 2 40 "$EXCLUSIONS" "${pre[@]}" "$@"
)

# verdict NAME TAG: pass when WHY is empty, else fail with the reasons.
verdict() {
	if [ ${#WHY[@]} -eq 0 ]; then pass "$1"
	else fail "$1" "$(printf '%s; ' "${WHY[@]}") [stderr: $(tr '\n' '|' <"$WORK/$2.err" | head -c 600)]"; fi
}
want_err() { # want_err TAG ERE: a line of TAG's stderr matches, else a reason
	grep -qE -- "$2" "$WORK/$1.err" || WHY+=("no stderr line matches [$2]")
}

P=test/profiler/test_profiler.py
LINUX_WANT="$P::TestProfiler::test_kineto
$P::TestProfiler::test_script_payload
$P::TestProfiler::test_user_annotation"

# The extra and fallback files of --check-issues: issue 11 open, 12 closed
# (named by three lines), 99 unknown to the API, and a line of another site
# (not looked up).
mk_check_files() { # mk_check_files TAG
	cat >"$WORK/$1.extra" <<EOF
# kept by hand
$P::TestProfiler::test_kineto  # https://github.com/$1/checked/issues/11
$P::TestProfiler::test_user_annotation  # https://github.com/$1/checked/issues/12
test_script_payload (__main__.TestProfiler)  https://github.com/$1/checked/issues/12  platforms: linux
$P::TestProfiler::test_memory_profiler  # https://gitlab.example/x/y/issues/12
$P::TestProfiler::test_kineto_profiler_api  # https://github.com/$1/checked/issues/99
EOF
	cat >"$WORK/$1.fallback" <<EOF
$P::TestExperimentalUtils::test_fuzz_symbolize  # https://github.com/$1/checked/issues/12
EOF
}

for mode in gh curl; do
	if [ "$mode" = gh ] && [ -z "$GH_BIN" ]; then
		for n in "${NAMES[@]}"; do
			case $n in "issues gh:"*) skip "$n" "gh is not installed" ;; esac
		done
		continue
	fi
	tag=$mode-tr
	run "$mode" "$tag" --issues-repo "$tag/tracked" --format lines

	WHY=()
	[ "$(cat "$WORK/$tag.rc")" = 0 ] || WHY+=("exit status $(cat "$WORK/$tag.rc")")
	[ "$(cat "$WORK/$tag.out")" = "$LINUX_WANT" ] || WHY+=("printed [$(tr '\n' ' ' <"$WORK/$tag.out")]")
	want_err "$tag" "^exclusions: issues: $tag/tracked: 237 open issues and pull requests in 3 pages \(47 pull requests left out\), 6 DISABLED \(1 ignored\): 7 tests, 5 exclusions; 3 calls"
	verdict "issues $mode: the open DISABLED issues' tests, every page read" "$tag"

	WHY=()
	n=$(requests_of A "$tag")
	[ "$n" = 3 ] || WHY+=("$n requests, not 3")
	n=$(requests_of A "$tag" "/issues\?state=open&per_page=100( |&page=[23] )")
	[ "$n" = 3 ] || WHY+=("$n requests of the three pages with state=open&per_page=100")
	n=$(grep -a -c "^auth: /api/v3/repos/$tag/.* Bearer $TOKEN\$" "$WORK/A.log")
	[ "$n" = 3 ] || WHY+=("$n of the 3 calls carried the token")
	n=$(grep -a "^agent: /api/v3/repos/$tag/" "$WORK/A.log" | grep -a -c -v " curl/")
	[ "$n" = 0 ] || WHY+=("$n calls not made by curl")
	if [ "$mode" = gh ] && ! grep -q "token comes from gh" "$WORK/$tag.err"; then
		# -v says where the token came from: run once more to see it.
		run "$mode" "$tag-v" --issues-repo "$tag-v/tracked" --format lines -v
		grep -q "the token comes from gh;" "$WORK/$tag-v.err" || WHY+=("the token did not come from gh")
	fi
	verdict "issues $mode: three pages asked for, each with state=open&per_page=100, with the token, by curl" "$tag"

	WHY=()
	n=$(grep -c "^exclusions: issues: issue 505: title ignored: neither a key" "$WORK/$tag.err")
	[ "$n" = 1 ] || WHY+=("$n warnings about issue 505's title, not 1")
	n=$(grep -c '^exclusions: issues: issue 504: line "not a test line" ignored' "$WORK/$tag.err")
	[ "$n" = 1 ] || WHY+=("$n warnings about issue 504's bad line, not 1")
	n=$(grep -c "issue 50[0-9]" "$WORK/$tag.err")
	[ "$n" = 2 ] || WHY+=("$n lines about issues, not 2")
	verdict "issues $mode: a malformed title and a bad body line: one warning each, the run goes on" "$tag"

	tag=$mode-ck
	mk_check_files "$tag"
	run "$mode" "$tag-plain" --extra "$WORK/$tag.extra" --fallback-file "$WORK/$tag.fallback" --fallback never
	run "$mode" "$tag" --extra "$WORK/$tag.extra" --fallback-file "$WORK/$tag.fallback" --fallback never \
		--check-issues
	WHY=()
	[ "$(cat "$WORK/$tag.rc")" = 0 ] || WHY+=("exit status $(cat "$WORK/$tag.rc")")
	[ -s "$WORK/$tag.out" ] && cmp -s "$WORK/$tag.out" "$WORK/$tag-plain.out" ||
		WHY+=("output differs from the run without --check-issues")
	n=$(requests_of A "$tag")
	[ "$n" = 3 ] || WHY+=("$n requests, not 3")
	for i in 11 12 99; do
		n=$(requests_of A "$tag" "/checked/issues/$i ")
		[ "$n" = 1 ] || WHY+=("issue $i asked for $n times")
	done
	n=$(grep -a -c "^auth: /api/v3/repos/$tag/checked/issues/1[12] Bearer $TOKEN\$" "$WORK/A.log")
	[ "$n" = 2 ] || WHY+=("$n of the 2 calls carried the token")
	for w in "$WORK/$tag.extra:3" "$WORK/$tag.extra:4" "$WORK/$tag.fallback:1"; do
		want_err "$tag" "^exclusions: check-issues: $w: issue closed: this line can go \(https://github.com/$tag/checked/issues/12\)$"
	done
	n=$(grep -c "issue closed" "$WORK/$tag.err")
	[ "$n" = 3 ] || WHY+=("$n lines reported closed, not 3")
	grep -q "issues/11" "$WORK/$tag.err" && WHY+=("the open issue was reported")
	want_err "$tag" "^exclusions: check-issues: issue $tag/checked#99 \\(https://github.com/$tag/checked/issues/99\\): not looked up: .*404"
	want_err "$tag" "^exclusions: check-issues: 5 lines name 3 issues: 1 open, 1 closed, 1 not looked up$"
	verdict "issues $mode: --check-issues: one call per issue, each line of a closed one reported, a failed lookup said, output unchanged" "$tag"
done

# --- the rest, in the curl setup ------------------------------------------------
tag=win
run curl "$tag" --issues-repo "$tag/tracked" --format lines --platform win
expect_eq "issues: --platform win takes the win-only issues, not the linux ones" \
	"$P::TestExperimentalUtils::test_fuzz_symbolize
$P::TestProfiler::test_memory_profiler
$P::TestProfiler::test_script_payload" "$(cat "$WORK/$tag.out")"

tag=json
run curl "$tag" --issues-repo "$tag/tracked" --format json
WHY=()
U=https://github.com/$tag/tracked/issues
/usr/bin/python3 - "$WORK/$tag.out" "$U" >"$WORK/$tag.py" 2>&1 <<'EOF' || WHY+=("$(tr '\n' ' ' <"$WORK/$tag.py")")
import json, sys
doc = json.load(open(sys.argv[1]))
u = sys.argv[2]
got = {}
for x in doc:
    for r in x["reasons"]:
        assert r["source"] == "issue", r
        got[r.get("key") or r.get("test")] = (x["node_id"], r["issue"], r["url"], r["platforms"], x["sources"])
want = {
    "test_kineto (__main__.TestProfiler)": ("test/profiler/test_profiler.py::TestProfiler::test_kineto", "501", u + "/501", ["linux", "rocm"], ["issue 501"]),
    "test_user_annotation (__main__.TestProfiler)": ("test/profiler/test_profiler.py::TestProfiler::test_user_annotation", "504", u + "/504", ["linux"], ["issue 504"]),
    "test_script_payload (__main__.TestProfiler)": ("test/profiler/test_profiler.py::TestProfiler::test_script_payload", "504", u + "/504", [], ["issue 504"]),
    "ProfilerTest.BasicTrace": (None, "503", u + "/503", ["linux"], ["issue 503"]),
    "CollectorTest.Stops/0": (None, "508", u + "/508", [], ["issue 508"]),
}
assert got == want, got
top = [x for x in doc if x["node_id"] and x["node_id"].endswith("test_kineto")][0]
assert (top["key"], top["issue"], top["url"]) == ("test_kineto (__main__.TestProfiler)", "501", u + "/501"), top
EOF
verdict "issues: json form: every title kind, issue number and URL, gtest names" "$tag"

tag=pt
run curl "$tag" --issues-repo "$tag/tracked" --format pytorch
U=https://github.com/$tag/tracked/issues
expect_eq "issues: pytorch form: keys with URL and platforms, whatever the platform" \
	"{
  \"test_kineto (__main__.TestProfiler)\": [\"$U/501\", [\"linux\", \"rocm\"]],
  \"test_memory_profiler (profiler.test_profiler.TestProfiler)\": [\"$U/504\", [\"mac\", \"windows\"]],
  \"test_script_payload (__main__.TestProfiler)\": [\"$U/504\", []],
  \"test_user_annotation (__main__.TestProfiler)\": [\"$U/504\", [\"linux\"]]
}" "$(cat "$WORK/$tag.out")"

tag=gt
run curl "$tag" --issues-repo "$tag/tracked" --format gtest
run curl "$tag-win" --issues-repo "$tag-win/tracked" --format gtest --platform win
expect_eq "issues: gtest form: the gtest names of the issues, for this run's platforms" \
	"--gtest_filter=-CollectorTest.Stops/0:ProfilerTest.BasicTrace|--gtest_filter=-CollectorTest.Stops/0" \
	"$(cat "$WORK/$tag.out")|$(cat "$WORK/$tag-win.out")"

tag=re
REENABLED_ISSUES=501 run curl "$tag" --issues-repo "$tag/tracked" --format lines \
	--keep "test_script_payload (__main__.TestProfiler)"
WHY=()
[ "$(cat "$WORK/$tag.out")" = "$P::TestProfiler::test_user_annotation" ] ||
	WHY+=("printed [$(tr '\n' ' ' <"$WORK/$tag.out")]")
want_err "$tag" "^exclusions: re-enable: issue 501 re-enabled by REENABLED_ISSUES"
verdict "issues: REENABLED_ISSUES and --keep apply to issue entries" "$tag"

tag=expl
run curl "$tag" --issues-repo "$tag/tracked" --explain "$P::TestProfiler::test_kineto"
WHY=()
[ "$(cat "$WORK/$tag.rc")" = 0 ] || WHY+=("exit status $(cat "$WORK/$tag.rc")")
grep -qx "issue: test_kineto (__main__.TestProfiler)" "$WORK/$tag.out" || WHY+=("no issue item")
grep -qx "  issue: 501 https://github.com/$tag/tracked/issues/501" "$WORK/$tag.out" || WHY+=("no issue line")
grep -qx "  platform: only linux, rocm" "$WORK/$tag.out" || WHY+=("no platform line")
verdict "issues: --explain names the issue" "$tag"

tag=nf
run curl "$tag" --issues-repo "$tag/nosuch" --format lines
WHY=()
[ "$(cat "$WORK/$tag.rc")" = 0 ] || WHY+=("exit status $(cat "$WORK/$tag.rc")")
n=$(grep -c "^exclusions: issues: " "$WORK/$tag.err")
[ "$n" = 1 ] || WHY+=("$n lines from the issues source, not 1")
want_err "$tag" "^exclusions: issues: open issues of $tag/nosuch \(page 1\): .*404"
verdict "issues: a repository the API does not know: one warning, exit 0" "$tag"

# --- --check-issues through the cache folder (curl setup, a cache of its own):
# the states of 11 (open) and 12 (closed) are kept; 99 (a 404) is not, and
# is asked each time.
tag=cc
mk_check_files "$tag"
CC=(--extra "$WORK/$tag.extra" --fallback-file "$WORK/$tag.fallback" --fallback never --check-issues)
# ck_asked: the GETs of issues 11, 12 and 99 so far.
ck_asked() {
	echo "$(requests_of A "$tag" "/checked/issues/11 ") $(requests_of A "$tag" "/checked/issues/12 ") $(requests_of A "$tag" "/checked/issues/99 ")"
}
closed_lines() { grep -c "^exclusions: check-issues: .*: issue closed: this line can go" "$WORK/$1.err"; }
offline_99="^exclusions: check-issues: issue $tag/checked#99 \\(https://github.com/$tag/checked/issues/99\\): not looked up: --offline, and no cached answer$"
run curl cc1 "${CC[@]}" --cache-dir "$WORK/cc-cache"
run curl cc2 "${CC[@]}" --cache-dir "$WORK/cc-cache"
WHY=()
a=$(ck_asked)
[ "$a" = "1 1 2" ] || WHY+=("issues 11 12 99 asked for [$a] times, not [1 1 2]")
n=$(closed_lines cc2)
[ "$n" = 3 ] || WHY+=("$n lines reported closed, not 3")
cmp -s "$WORK/cc1.out" "$WORK/cc2.out" || WHY+=("output differs from the first run")
want_err cc2 "^exclusions: check-issues: 5 lines name 3 issues: 1 open, 1 closed, 1 not looked up \(2 from the cache\)$"
verdict "issues: --check-issues cache: a second run within --ttl asks only the issue that failed, the same lines reported" cc2

EXCLUSIONS_NOW=$(($(date +%s) + 10800 + 600)) run curl cc3 "${CC[@]}" --cache-dir "$WORK/cc-cache"
WHY=()
a=$(ck_asked)
[ "$a" = "2 2 3" ] || WHY+=("issues 11 12 99 asked for [$a] times, not [2 2 3]")
n=$(closed_lines cc3)
[ "$n" = 3 ] || WHY+=("$n lines reported closed, not 3")
verdict "issues: --check-issues cache: past --ttl the states are asked again" cc3

run curl cc4 "${CC[@]}" --cache-dir "$WORK/cc-cache" --refresh
WHY=()
a=$(ck_asked)
[ "$a" = "3 3 4" ] || WHY+=("issues 11 12 99 asked for [$a] times, not [3 3 4]")
n=$(closed_lines cc4)
[ "$n" = 3 ] || WHY+=("$n lines reported closed, not 3")
verdict "issues: --check-issues cache: --refresh asks again" cc4

EXCLUSIONS_NOW=$(($(date +%s) + 30 * 86400)) run curl cc5 "${CC[@]}" --cache-dir "$WORK/cc-cache" --offline
WHY=()
a=$(ck_asked)
[ "$a" = "3 3 4" ] || WHY+=("issues 11 12 99 asked for [$a] times, not [3 3 4]")
[ "$(cat "$WORK/cc5.rc")" = 0 ] || WHY+=("exit status $(cat "$WORK/cc5.rc")")
n=$(closed_lines cc5)
[ "$n" = 3 ] || WHY+=("$n lines reported closed, not 3")
want_err cc5 "$offline_99"
n=$(grep -c "not looked up" "$WORK/cc5.err")
[ "$n" = 2 ] || WHY+=("$n lines say not looked up, not 2 (the issue and the count)")
verdict "issues: --check-issues cache: --offline: no request, the cached states, the missing issue one line" cc5

run curl cc6 "${CC[@]}" --cache-dir "$WORK/cc-empty" --offline
WHY=()
a=$(ck_asked)
[ "$a" = "3 3 4" ] || WHY+=("issues 11 12 99 asked for [$a] times, not [3 3 4]")
[ "$(cat "$WORK/cc6.rc")" = 0 ] || WHY+=("exit status $(cat "$WORK/cc6.rc")")
cmp -s "$WORK/cc1.out" "$WORK/cc6.out" || WHY+=("output differs from the first run")
n=$(closed_lines cc6)
[ "$n" = 0 ] || WHY+=("$n lines reported closed, not 0")
n=$(grep -c ": not looked up: --offline, and no cached answer$" "$WORK/cc6.err")
[ "$n" = 3 ] || WHY+=("$n issues said not looked up for --offline, not 3")
want_err cc6 "$offline_99"
want_err cc6 "^exclusions: check-issues: 5 lines name 3 issues: 0 open, 0 closed, 3 not looked up$"
verdict "issues: --check-issues cache: --offline without a cache: no request, each issue one line, output unchanged" cc6

f=$(grep -l -a -x -F "url $API/repos/$tag/checked/issues/12" "$WORK"/cc-cache/*.issue 2>/dev/null | head -n 1)
WHY=()
if [ -z "$f" ]; then
	WHY+=("no cache file of issue 12 in $WORK/cc-cache")
else
	head -c 60 "$f" >"$f.cut" && mv "$f.cut" "$f"
	run curl cc7 "${CC[@]}" --cache-dir "$WORK/cc-cache"
	a=$(ck_asked)
	[ "$a" = "3 4 5" ] || WHY+=("issues 11 12 99 asked for [$a] times, not [3 4 5]")
	want_err cc7 "^exclusions: check-issues: cache: $f: .*; ignored$"
	n=$(closed_lines cc7)
	[ "$n" = 3 ] || WHY+=("$n lines reported closed, not 3")
	run curl cc8 "${CC[@]}" --cache-dir "$WORK/cc-cache"
	a=$(ck_asked)
	[ "$a" = "3 4 6" ] || WHY+=("after the replacement, issues 11 12 99 asked for [$a] times, not [3 4 6]")
	grep -q "cache:" "$WORK/cc8.err" && WHY+=("the replaced file is still reported")
	n=$(closed_lines cc8)
	[ "$n" = 3 ] || WHY+=("$n lines reported closed after the replacement, not 3")
fi
verdict "issues: --check-issues cache: a damaged cached answer is ignored with a warning, asked again and replaced" cc7
