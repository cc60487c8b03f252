#!/usr/bin/env bash
# The command line: options, usage errors, the fallback rule and its checks
# against the tree, output forms, -o, stdin.  No network: files only.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "cli: all" "$EXCLUSIONS is not built"
	exit 0
fi
FIX=$TESTDIR/fixtures/sample-disabled.json
ROOT=$TESTDIR/sample
EMPTY=$WORK/empty
mkdir -p "$EMPTY"
X() { "$EXCLUSIONS" --no-trunk "$@"; }

# --help, --version
out=$(X --help); rc=$?
check "cli: --help exits 0 and shows usage" test "$rc" -eq 0 -a -n "$(printf '%s' "$out" | grep '^usage: exclusions')"
out=$(X --version); rc=$?
check "cli: --version" test "$rc" -eq 0 -a -n "$(printf '%s' "$out" | grep -E '^exclusions [0-9]+\.[0-9]+\.[0-9]+$')"

# Usage errors: exit 2, nothing on stdout, and the same two lines on
# stderr for every one: what is wrong, then where to look (test/t_usage.sh
# has the rest).
for bad in "--no-such-option" "--platform=linuxx" "--devices=gpu" "--format=yaml" \
	"--fallback=sometimes" "--max-bytes=0" "--max-bytes=12Q" "--timeout=-1" "--retries=99" \
	"--repo=a/b/c" "--repo=\$(x)/y" "--branch=a&b" "--workflow=../x" "--parallel=0" \
	"--api-url=ftp://x" "extra-arg" "--timeout" "--runs=0" "--platform=" "--devices=" \
	"--disabled-url=" "--disabled-url=ftp://x" "--root=$WORK/nope" "--tests-dir=nope" \
	"--disabled-file=$WORK/nope" "--fallback-file=$WORK/nope" "--collected=$WORK/nope"; do
	X "$bad" >"$WORK/out" 2>"$WORK/err"; rc=$?
	if usage_error_shape "$rc" "$WORK/out" "$WORK/err"; then
		pass "cli: usage error ${bad/$WORK/WORK}"
	else
		fail "cli: usage error ${bad/$WORK/WORK}" "rc=$rc out=[$(head -c 200 "$WORK/out")] err=[$(head -3 "$WORK/err" | paste -sd'|' -)]"
	fi
done

# stdin as the list, and the same as the file.
a=$(X --disabled-file "$FIX" --root "$ROOT" --fallback never 2>/dev/null)
b=$(X --disabled-file - --root "$ROOT" --fallback never <"$FIX" 2>/dev/null)
expect_eq "cli: --disabled-file - reads stdin" "$a" "$b"
check "cli: sample list gives node ids" test -n "$a"

# Fallback modes: a list that finds nothing for this tree.
printf '{}' >"$WORK/none.json"
out=$(X --disabled-file "$WORK/none.json" --root "$EMPTY" --fallback on-error 2>"$WORK/err")
expect_eq "cli: on-error and a healthy empty list print an empty line" "" "$out"
check "cli: on-error says why the fallback was not used" grep -q 'not used.*found nothing' "$WORK/err"
out=$(X --disabled-file "$WORK/none.json" --root "$EMPTY" 2>"$WORK/err")
check "cli: auto uses the fallback when nothing was found" test "$(printf '%s' "$out" | wc -w)" -eq 9
check "cli: auto says the sources found nothing" grep -q 'fallback: the sources found nothing' "$WORK/err"
printf '[' >"$WORK/broken.json"
out=$(X --disabled-file "$WORK/broken.json" --root "$EMPTY" --fallback never 2>"$WORK/err")
expect_eq "cli: never prints an empty line when the source failed" "" "$out"
check "cli: a broken file is one clear line" grep -q 'disabled list .*broken.json: ' "$WORK/err"
: >"$WORK/empty.txt"
out=$(X --disabled-file "$FIX" --root "$ROOT" --fallback always --fallback-file "$WORK/empty.txt" 2>/dev/null)
expect_eq "cli: always with an empty fallback file adds nothing" "$a" "$out"

# A list whose every entry is malformed has failed (a changed format, say):
# on-error uses the fallback.  One well-formed entry, about no test of this
# run, is a list that found nothing.
printf 'test/profiler/test_x.py::TestX::test_y\n' >"$WORK/fb1.txt"
printf '{"no shape": ["1", "https://x/1", []], "t (m.C)": 5, "u (m.D)": ["x", "https://x/2", []]}' >"$WORK/allbad.json"
out=$(X --disabled-file "$WORK/allbad.json" --root "$EMPTY" --fallback on-error --fallback-file "$WORK/fb1.txt" 2>"$WORK/err")
expect_eq "cli: a list of malformed entries only is a failed source" \
	"--deselect=test/profiler/test_x.py::TestX::test_y" "$out"
check "cli: a list of malformed entries only says so" \
	grep -q '^exclusions: disabled list .*allbad.json: none of its 3 entries is well-formed$' "$WORK/err"
check "cli: on-error says every source failed" grep -q 'fallback: every source failed' "$WORK/err"
printf '{"no shape": ["1", "https://x/1", []], "t (m.Other)": ["2", "https://x/2", []]}' >"$WORK/onegood.json"
out=$(X --disabled-file "$WORK/onegood.json" --root "$EMPTY" --fallback on-error --fallback-file "$WORK/fb1.txt" 2>"$WORK/err")
expect_eq "cli: one well-formed entry is a list that found nothing" "" "$out"
check "cli: one well-formed entry: no \"none well-formed\" line" test -z "$(grep 'well-formed' "$WORK/err")"

# Without --tests-dir, a missing test/profiler is a warning (seen under -q):
# without a test tree no disabled entry can become a node id.
X -q --disabled-file "$FIX" --root "$EMPTY" --fallback never >/dev/null 2>"$WORK/err"; rc=$?
check "cli: no default test folder: still a run" test "$rc" -eq 0
check "cli: no default test folder: a warning, under -q" grep -q \
	'^exclusions: test tree: no test/profiler under .*/empty: without a test tree no disabled entry can become a node id' "$WORK/err"
X -q --disabled-file "$FIX" --root "$ROOT" --fallback never >/dev/null 2>"$WORK/err"
check "cli: the default test folder found: no such warning" test -z "$(grep 'test tree' "$WORK/err")"

# The fallback file: comments, blanks, and stale lines corrected by the tree.
cat >"$WORK/fb.txt" <<'FB'
# known failures
test/profiler/test_profiler.py::TestProfiler::test_kineto   # still broken

test/profiler/test_profiler_device.py::TestProfilerDevice::test_dynamic_toggle
test/profiler/test_profiler.py::TestProfiler::test_gone
test/profiler/test_nowhere.py::TestX::test_y
FB
out=$(X --disabled-file "$WORK/broken.json" --root "$ROOT" --fallback-file "$WORK/fb.txt" --format lines 2>"$WORK/err")
want="test/profiler/test_nowhere.py::TestX::test_y
test/profiler/test_profiler.py::TestProfiler::test_gone
test/profiler/test_profiler.py::TestProfiler::test_kineto
test/profiler/test_profiler_device.py::TestProfilerDeviceCPU::test_dynamic_toggle_cpu
test/profiler/test_profiler_device.py::TestProfilerDeviceCUDA::test_dynamic_toggle_cuda"
expect_eq "cli: fallback file read, device-generic base corrected" "$want" "$out"
check "cli: stale device-generic line reported with its correction" \
	grep -q 'stale entry .*TestProfilerDevice::test_dynamic_toggle: TestProfilerDevice is device-generic.*using .*TestProfilerDeviceCUDA::test_dynamic_toggle_cuda' "$WORK/err"
check "cli: stale missing test reported" grep -q 'stale entry .*test_gone: class TestProfiler has no test test_gone' "$WORK/err"
check "cli: stale missing file reported" grep -q 'stale entry .*test_nowhere.py.*not in the test tree' "$WORK/err"
n=$(grep -c 'stale entry' "$WORK/err")
expect_eq "cli: exactly the three stale lines" "3" "$n"

# The built-in list against the sample tree: its files are not there.
X --disabled-file "$WORK/broken.json" --root "$ROOT" >/dev/null 2>"$WORK/err"
check "cli: built-in list checked against the tree" grep -q 'stale entry test/profiler/test_memory_profiler.py' "$WORK/err"

# Output forms.
X --disabled-file "$FIX" --root "$ROOT" --fallback never --format json >"$WORK/out.json" 2>/dev/null
if "$PY" - "$WORK/out.json" <<'PYEOF'
import json, sys
v = json.load(open(sys.argv[1]))
assert isinstance(v, list)
# Entries in scope that match no test: node_id null, "unmatched" says why.
u = [o for o in v if "unmatched" in o]
v = [o for o in v if "unmatched" not in o]
assert len(v) == 11, len(v)
for o in u:
    assert set(o) == {"node_id", "key", "issue", "url", "platforms", "sources", "reasons", "unmatched", "unnamed"}, o
    assert o["node_id"] is None and o["unmatched"] and o["unnamed"] in (True, False), o
    assert o["url"].startswith("https://github.com/pytorch/pytorch/issues/"), o
for o in v:
    assert set(o) == {"node_id", "key", "issue", "url", "platforms", "sources", "reasons"}, o
    assert o["sources"] == ["disabled-list"], o
    assert [r["source"] for r in o["reasons"]] == ["disabled-list"], o
    r = o["reasons"][0]
    assert (r["key"], r["issue"], r["url"], r["platforms"]) == (o["key"], o["issue"], o["url"], o["platforms"]), o
    assert o["issue"].isdigit() and o["url"].startswith("https://github.com/pytorch/pytorch/issues/")
assert [o["node_id"] for o in v] == sorted(o["node_id"] for o in v)
d = {o["node_id"]: o for o in v}
t = d["test/profiler/test_profiler_device.py::TestProfilerDeviceCUDA::test_dynamic_toggle_cuda"]
assert t["key"] == "test_dynamic_toggle_cuda (__main__.TestProfilerDeviceCUDA)" and t["platforms"] == ["linux"], t
PYEOF
then pass "cli: json form is valid and complete"; else fail "cli: json form is valid and complete" "see above"; fi
out=$(X --disabled-file "$FIX" --root "$ROOT" --fallback never --format lines 2>/dev/null | wc -l)
expect_eq "cli: lines form has one id a line" "11" "$out"
out=$(X --disabled-file "$FIX" --root "$EMPTY" --fallback never --format keyword 2>/dev/null)
case $out in
"not ("*") and not ("*")") pass "cli: keyword form without a tree" ;;
*) fail "cli: keyword form without a tree" "[$out]" ;;
esac
case $out in
*TestBenchmarker*|*TestJit*) fail "cli: keyword form keeps out-of-scope suites out" "[$out]" ;;
*) pass "cli: keyword form keeps out-of-scope suites out" ;;
esac

# -o: written atomically; an unwritable place is exit 1 and the old file stays.
X --disabled-file "$FIX" --root "$ROOT" --fallback never -o "$WORK/ex.txt" 2>/dev/null
expect_eq "cli: -o writes the same as stdout" "$a" "$(cat "$WORK/ex.txt")"
check "cli: -o leaves no temporary file" test "$(find "$WORK" -maxdepth 1 -name 'ex.txt.*' | wc -l)" -eq 0
X --disabled-file "$FIX" --root "$ROOT" --fallback never -o "$WORK/no/such/dir/x.txt" 2>"$WORK/err"; rc=$?
check "cli: -o into a missing folder exits 1" test "$rc" -eq 1
check "cli: -o failure says so" grep -q 'cannot write the result' "$WORK/err"
X --disabled-file "$FIX" --root "$ROOT" --fallback never -o /dev/null 2>/dev/null; rc=$?
check "cli: -o /dev/null writes into the device" test "$rc" -eq 0 -a -c /dev/null

# -q keeps only warnings, -v adds the mapping.
X --disabled-file "$FIX" --root "$ROOT" --fallback never -q >/dev/null 2>"$WORK/err"
check "cli: -q drops the progress lines" test -z "$(grep 'exclusions printed' "$WORK/err")"
X --disabled-file "$FIX" --root "$ROOT" --fallback never -v >/dev/null 2>"$WORK/err"
check "cli: -v shows each mapping" grep -q 'disabled list: test_kineto (__main__.TestProfiler) -> test/profiler/test_profiler.py::TestProfiler::test_kineto' "$WORK/err"
check "cli: every stderr line is prefixed" test -z "$(grep -v '^exclusions: ' "$WORK/err")"

# Bad input files: one line, run goes on, fallback printed.
for doc in '' '[' '{"a": }' '{"t (m.C)": ["1", "https://x", []]} trailing' "$(printf '{"\x01": 1}')"; do
	printf '%s' "$doc" >"$WORK/bad.json"
	out=$(X --disabled-file "$WORK/bad.json" --root "$EMPTY" 2>"$WORK/err"); rc=$?
	if [ "$rc" -eq 0 ] && [ "$(printf '%s' "$out" | wc -w)" -eq 9 ] && [ "$(grep -c 'disabled list .*bad.json: ' "$WORK/err")" -eq 1 ]; then
		pass "cli: bad document [$doc] gives the fallback and one line"
	else
		fail "cli: bad document [$doc] gives the fallback and one line" "rc=$rc err=$(cat "$WORK/err")"
	fi
done

# Platforms as PyTorch's harness reads them: dynamo and dynamo_wrapped are
# one condition (TEST_WITH_TORCHDYNAMO), implied by inductor.
cat >"$WORK/dyn.json" <<'JSON'
{"test_kineto (__main__.TestProfiler)": ["1", "https://github.com/pytorch/pytorch/issues/1", ["dynamo"]],
 "test_memory_profiler (__main__.TestProfiler)": ["2", "https://github.com/pytorch/pytorch/issues/2", ["dynamo_wrapped"]],
 "test_user_annotation (__main__.TestProfiler)": ["3", "https://github.com/pytorch/pytorch/issues/3", ["inductor"]]}
JSON
for plat in linux dynamo dynamo_wrapped inductor linux,dynamo; do
	got=$(X --disabled-file "$WORK/dyn.json" --root "$ROOT" --fallback never --platform "$plat" --format lines 2>/dev/null |
		sed 's/.*:://' | tr '\n' ' ')
	case $plat in
	linux) want="" ;;
	dynamo | dynamo_wrapped | linux,dynamo) want="test_kineto test_memory_profiler " ;;
	inductor) want="test_kineto test_memory_profiler test_user_annotation " ;;
	esac
	expect_eq "cli: --platform $plat: dynamo entries as PyTorch applies them" "$want" "$got"
done
