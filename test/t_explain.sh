#!/usr/bin/env bash
# --explain TEST: for one test, every entry of every source that names it
# (or nearly does), the rule that matched or not, and the verdict, on
# stdout; exit 0 when excluded, 1 when not, 2 for a usage error.  Against
# the sample tree and list, a fallback file, and the fake GitHub of
# test/server.py on plain HTTP for the trunk source and the list's URL.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "explain: all" "$EXCLUSIONS is not built"
	exit 0
fi
FIX=$TESTDIR/fixtures/sample-disabled.json
ROOT=$TESTDIR/sample
P=test/profiler
KINETO=$P/test_profiler.py::TestProfiler::test_kineto
unset REENABLED_ISSUES PR_BODY COMMIT_MESSAGES

# X TAG ARGS...: the sample list, no trunk, stdout in TAG.out, stderr in
# TAG.err, the status in RC.
X() {
	local tag=$1; shift
	"$EXCLUSIONS" --no-trunk --disabled-file "$FIX" --root "$ROOT" "$@" >"$WORK/$tag.out" 2>"$WORK/$tag.err"
	RC=$?
}

# expect_out NAME TAG RC: exit status RC and stdout equal to stdin.
expect_out() {
	local want
	want=$(cat)
	if [ "$RC" != "$3" ]; then fail "$1" "exit $RC, expected $3; stderr: $(tail -n 2 "$WORK/$2.err")"
	elif [ "$want" != "$(cat "$WORK/$2.out")" ]; then
		fail "$1" "stdout differs: $(diff <(echo "$want") "$WORK/$2.out" | head -n 12 | tr '\n' '|')"
	else pass "$1"; fi
}

# has NAME TAG RC LINE...: exit status RC, and each LINE is a line of stdout.
has() {
	local name=$1 tag=$2 rc=$3 l why=
	shift 3
	[ "$RC" = "$rc" ] || why="exit $RC, expected $rc"
	for l in "$@"; do
		grep -qxF -- "$l" "$WORK/$tag.out" || why="${why:+$why; }no line [$l]"
	done
	if [ -z "$why" ]; then pass "$name"; else fail "$name" "$why"; fi
}

# What every explanation of test_kineto starts with, and the rules its
# list entry meets.
KINETO_HEAD="explain: $KINETO
test: class TestProfiler, method test_kineto
in this run: yes (the test tree)
platforms of this run: linux"
KINETO_RULES="disabled-list: test_kineto (__main__.TestProfiler)
  issue: 190101 https://github.com/pytorch/pytorch/issues/190101
  class: TestProfiler is the test's class: matches
  name: test_kineto is the test's name: matches
  platform: every platform (an empty list): applies"

# -- excluded by two sources: the list and the fallback file ---------------
printf '# hand-kept\n%s\n' "$KINETO" >"$WORK/fallback.txt"
X two --fallback always --fallback-file "$WORK/fallback.txt" --explain "$KINETO"
expect_out "explain: a test excluded by the list and the fallback file (exact text, exit 0)" two 0 <<EOF
$KINETO_HEAD
fallback: used (--fallback always)

$KINETO_RULES
  re-enabling: issue 190101 is not re-enabled
  result: excludes this test

fallback: $KINETO
  platform: every platform (a fallback line)
  result: excludes this test

verdict: excluded by 2 entries (disabled-list 1, fallback 1)
EOF
check "explain: the normal output is not printed" test -z "$(grep -e '--deselect' "$WORK/two.out")"
check "explain: stderr still has the run's log" grep -q '^exclusions: disabled list: 20 entries' "$WORK/two.err"

# The fallback by its rule: the list finds nothing, so the file is used.
echo '{}' >"$WORK/empty.json"
X auto --disabled-file "$WORK/empty.json" --fallback-file "$WORK/fallback.txt" --explain "$KINETO"
has "explain: the fallback used by its rule, and why" auto 0 \
	"fallback: used (the sources found nothing to exclude)" "fallback: $KINETO" \
	"verdict: excluded by 1 entry (fallback 1)"

# The same test named by its key; --format json changes nothing.
X key --fallback never --format json --explain 'test_kineto (__main__.TestProfiler)'
has "explain: a key finds the test's node id" key 0 \
	"explain: test_kineto (__main__.TestProfiler)" "node id: $KINETO" \
	"  result: excludes this test" "verdict: excluded by 1 entry (disabled-list 1)"

# The list read from standard input: explain uses the run's copy, so the
# explanation is the one of the same list read from a file (near misses
# included), and nothing is said about a pipe.
"$EXCLUSIONS" --no-trunk --disabled-file - --root "$ROOT" --explain "$KINETO" <"$FIX" >"$WORK/stdin.out" 2>"$WORK/stdin.err"
RC=$?
has "explain: a list from stdin: its excluding entries shown" stdin 0 \
	"disabled-list: test_kineto (__main__.TestProfiler)" "verdict: excluded by 1 entry (disabled-list 1)"
# A test whose entry is for another platform: shown from the run's copy.
P64=$P/test_profiler_device.py::TestProfilerDeviceCUDA::test_ops_cuda_int64
"$EXCLUSIONS" --no-trunk --disabled-file - --root "$ROOT" --explain "$P64" <"$FIX" >"$WORK/stdin.out" 2>/dev/null
"$EXCLUSIONS" --no-trunk --disabled-file "$FIX" --root "$ROOT" --explain "$P64" >"$WORK/stdin-file.out" 2>/dev/null
if cmp -s "$WORK/stdin.out" "$WORK/stdin-file.out" && ! grep -q pipe "$WORK/stdin.out" &&
	grep -qxF '  platform: rocm (this run: linux): does not apply' "$WORK/stdin.out"; then
	pass "explain: a list from stdin: the same explanation as from its file, near misses included"
else
	fail "explain: a list from stdin: the same explanation as from its file, near misses included" \
		"$(diff "$WORK/stdin-file.out" "$WORK/stdin.out" | head -c 400)"
fi

# -- re-enabled ------------------------------------------------------------
REENABLED_ISSUES='7, 190101' PR_BODY='This PR fixes #190101.' \
	X reen --fallback always --fallback-file "$WORK/fallback.txt" --explain "$KINETO"
expect_out "explain: a re-enabled test: which words, the fallback line dropped with it (exact text, exit 1)" reen 1 <<EOF
$KINETO_HEAD
fallback: used (--fallback always)

$KINETO_RULES
  re-enabling: issue 190101 is re-enabled by REENABLED_ISSUES, PR_BODY "fixes #190101"
  result: would exclude this test, but its issue is re-enabled

fallback: $KINETO
  platform: every platform (a fallback line)
  re-enabling: dropped with issue 190101's entry test_kineto (__main__.TestProfiler), which names this test
  result: would exclude this test, but re-enabling runs it

verdict: not excluded
EOF

printf 'Resolves https://github.com/pytorch/pytorch/issues/190101\n' >"$WORK/body.md"
COMMIT_MESSAGES='closes  #190101, fixing #190101' X reen2 --explain "$KINETO" --pr-body-file "$WORK/body.md"
has "explain: --pr-body-file re-enables, near misses in COMMIT_MESSAGES do not" reen2 1 \
	"  re-enabling: issue 190101 is re-enabled by $WORK/body.md \"Resolves https://github.com/pytorch/pytorch/issues/190101\"" \
	"verdict: not excluded"
COMMIT_MESSAGES='closes  #190101, fixing #190101, fix 190101' X reen3 --explain "$KINETO"
has "explain: near misses of the keyword rule re-enable nothing" reen3 0 \
	"  re-enabling: issue 190101 is not re-enabled" "verdict: excluded by 1 entry (disabled-list 1)"

# -- --keep ------------------------------------------------------------------
X keep --explain "$KINETO" --keep "$P/test_profiler.py::TestProfiler"
has "explain: a test kept by --keep (a class's node id)" keep 1 \
	"--keep: $P/test_profiler.py::TestProfiler runs this test" \
	"  result: would exclude this test, but --keep $P/test_profiler.py::TestProfiler runs it" \
	"verdict: not excluded"
X keep2 --explain "$KINETO" --keep "$P/test_profiler.py::TestProfiler::test_kin"
has "explain: --keep of another test's prefix keeps nothing" keep2 0 "verdict: excluded by 1 entry (disabled-list 1)"
check "explain: --keep of another test's prefix is not named" test -z "$(grep -e '^--keep' "$WORK/keep2.out")"

# -- platforms -----------------------------------------------------------------
OPS64=$P/test_profiler_device.py::TestProfilerDeviceCUDA::test_ops_cuda_int64
X plat --explain "$OPS64"
has "explain: an entry for other platforms: named, does not apply" plat 1 \
	"disabled-list: test_ops_cuda_int64 (__main__.TestProfilerDeviceCUDA)" \
	"  platform: rocm (this run: linux): does not apply" \
	"  result: does not apply on this run's platforms" "verdict: not excluded"
has "explain: a near miss of another class: the class rule fails, suffix removal matches" plat 1 \
	"disabled-list: test_ops (__main__.TestProfilerDeviceCPU)" \
	"  class prefix: TestProfilerDeviceCPU is not a prefix of TestProfilerDeviceCUDA: no match" \
	"  suffix removal: test_ops_cuda_int64 without its dtype suffix and the device before it (_cuda_int64) is test_ops: matches"
X plat2 --platform linux,rocm --explain "$OPS64"
has "explain: the same entry on a rocm run applies" plat2 0 \
	"platforms of this run: linux,rocm" "  platform: rocm (this run: linux,rocm): applies" \
	"verdict: excluded by 1 entry (disabled-list 1)"
X plat3 --explain "$P/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize"
has "explain: unknown platform names are said to be ignored" plat3 0 \
	'  platform: linux (this run: linux); "windows.>" ignored, as PyTorch does: applies'

# -- nothing names it ----------------------------------------------------------
X none --fallback never --explain "$P/test_parametrized.py::TestParam::test_plain"
expect_out "explain: a test no source names (exact text, exit 1)" none 1 <<EOF
explain: $P/test_parametrized.py::TestParam::test_plain
test: class TestParam, method test_plain
in this run: yes (the test tree)
platforms of this run: linux
fallback: not used (--fallback never)

no source names this test

verdict: not excluded
EOF
X absent --fallback never --explain "$P/test_profiler.py::TestProfiler::test_gone"
has "explain: a test not in the tree is said, and still explained" absent 1 \
	"no source names this test" "verdict: not excluded"
check "explain: a test not in the tree: the line says so" \
	grep -qx 'in this run: no: .* (the entries are still checked against its name)' "$WORK/absent.out"
X absent2 --fallback never --explain 'test_export_stacks (__main__.TestProfiler)'
has "explain: a key no test has: said, its entry still checked" absent2 1 \
	"in this run: no: no test of class TestProfiler is named test_export_stacks (the entries are still checked against its name)" \
	"disabled-list: test_export_stacks (__main__.TestProfiler)" \
	"  name: test_export_stacks is the test's name: matches"
check "explain: a key no test has: its entry matches by the rule, but maps to no node id" \
	grep -q "^  result: names this test by PyTorch's rule, but this run maps it to no node id" "$WORK/absent2.out"

X base --explain 'test_ops (__main__.TestProfilerDevice)'
check "explain: the key of a device-generic base class: no such test, what it stands for as an entry" \
	grep -q '^in this run: no: no test of class TestProfilerDevice is named test_ops; as an entry, the key stands for test/profiler/test_profiler_device.py::TestProfilerDevice' "$WORK/base.out"

# --collected: the tests are the collected ones; a printed --deselect that
# is a prefix of the test's id removes it too (pytest's prefix match).
printf '%s\n' "$KINETO" "${KINETO}_profiler_api" "$P/test_parametrized.py::TestParam::test_size_n_1" \
	'' '3 tests collected in 0.01s' >"$WORK/collected.txt"
X coll --collected "$WORK/collected.txt" --explain "${KINETO}_profiler_api"
has "explain: --collected: pytest's prefix match is said, and counts" coll 0 \
	"in this run: yes (the collected list)" \
	"  result: excludes this test (pytest's --deselect=$KINETO is a prefix of its node id)" \
	"verdict: excluded by 1 entry (disabled-list 1)"
X coll2 --collected "$WORK/collected.txt" --explain "${KINETO}_prof"
has "explain: --collected: the start of a collected id is not a test of this run" coll2 0 \
	"in this run: no: only the start of collected tests' node ids (the entries are still checked against its name)"

# -- device-generic ------------------------------------------------------------
cat >"$WORK/generic.json" <<'EOF'
{"test_ops (__main__.TestProfilerDevice)": ["190120", "https://github.com/pytorch/pytorch/issues/190120", []],
 "test_memory (__main__.TestProfilerDevice)": ["190113", "https://github.com/pytorch/pytorch/issues/190113", []]}
EOF
OPS32=$P/test_profiler_device.py::TestProfilerDeviceCUDA::test_ops_cuda_float32
X gen --disabled-file "$WORK/generic.json" --explain "$OPS32"
expect_out "explain: entry TestProfilerDevice, test TestProfilerDeviceCUDA::test_ops_cuda_float32 (exact text, exit 0)" gen 0 <<EOF
explain: $OPS32
test: class TestProfilerDeviceCUDA, method test_ops_cuda_float32
in this run: yes (the test tree)
device-generic instantiation: TestProfilerDeviceCUDA::test_ops_cuda_float32 is TestProfilerDevice::test_ops instantiated for cuda, dtype float32
platforms of this run: linux
fallback: not used (the sources found tests to exclude)

disabled-list: test_ops (__main__.TestProfilerDevice)
  issue: 190120 https://github.com/pytorch/pytorch/issues/190120
  class prefix: TestProfilerDevice is a prefix of TestProfilerDeviceCUDA (device-generic instantiation: TestProfilerDevice for cuda): matches
  suffix removal: test_ops_cuda_float32 without its dtype suffix and the device before it (_cuda_float32) is test_ops: matches
  platform: every platform (an empty list): applies
  re-enabling: issue 190120 is not re-enabled
  result: excludes this test

verdict: excluded by 1 entry (disabled-list 1)
EOF
X gen2 --disabled-file "$WORK/generic.json" --explain "$P/test_profiler_device.py::TestProfilerDeviceCUDA::test_memory_cuda"
has "explain: a method of a class since made device-generic: a device alone is not removed" gen2 1 \
	"disabled-list: test_memory (__main__.TestProfilerDevice)" \
	"  suffix removal: test_memory_cuda ends in a device without a dtype (_cuda), and PyTorch removes a device only before a dtype: no match" \
	"  result: does not name this test" "verdict: not excluded"

# Parametrization: the base name of a parametrized test names no variant.
printf '{"test_size (__main__.TestParam)": ["190121", "https://github.com/pytorch/pytorch/issues/190121", []]}\n' >"$WORK/param.json"
X par --disabled-file "$WORK/param.json" --explain "$P/test_parametrized.py::TestParam::test_size_n_2"
has "explain: the base name of a parametrized test: the parametrization rule" par "$RC" \
	"disabled-list: test_size (__main__.TestParam)" \
	"  parametrization: test_size is only the start of test_size_n_2 (a parametrized variant, <name>_<parameters>, or another test), and PyTorch compares whole names: no match"

# -- trunk failures and the list's URL, from the fake GitHub (plain HTTP) -------
if ! command -v curl >/dev/null; then
	skip "explain: a test excluded by the list and two trunk runs" "curl is not installed"
elif ! start_server --root "$TESTDIR/fixtures"; then
	fail "explain: server" "test/server.py did not start: $(tail -n 3 "$WORK/server.log" 2>/dev/null)"
else
	URL=http://127.0.0.1:$PORT
	GITHUB_TOKEN=x "$EXCLUSIONS" --root "$ROOT" --no-cache --disabled-url "$URL/data/sample-disabled.json" \
		--api-url "$URL/api/v3" --repo explain/basic --timeout 20 --explain "$KINETO" \
		>"$WORK/trunk.out" 2>"$WORK/trunk.err"
	RC=$?
	expect_out "explain: a test excluded by the list and two trunk runs (exact text, exit 0)" trunk 0 <<EOF
$KINETO_HEAD
fallback: not used (the sources found tests to exclude)

$KINETO_RULES
  re-enabling: issue 190101 is not re-enabled
  result: excludes this test

trunk-run 1001: profiler/test_profiler.py::TestProfiler::test_kineto
  run: $URL/explain/basic/actions/runs/1001
  node id: $KINETO
  platform: only linux
  result: excludes this test

trunk-run 1002: profiler/test_profiler.py::TestProfiler::test_kineto
  run: $URL/explain/basic/actions/runs/1002
  node id: $KINETO
  platform: only linux
  result: excludes this test

verdict: excluded by 3 entries (disabled-list 1, trunk-run 2)
EOF
	# The list's entries for other platforms come from the run's copy: one
	# download a run.
	GITHUB_TOKEN=x "$EXCLUSIONS" --root "$ROOT" --no-cache --disabled-url "$URL/data/sample-disabled.json" \
		--no-trunk --timeout 20 --explain "$OPS64" >"$WORK/url.out" 2>"$WORK/url.err"
	RC=$?
	n=$(grep -c '^request: GET /data/sample-disabled.json' "$WORK/server.log")
	has "explain: from a URL, the list's near misses come from the run's copy" url 1 \
		"  platform: rocm (this run: linux): does not apply"
	expect_eq "explain: the list's URL fetched once a run (two runs)" 2 "$n"
	# A run that read no list: none fetched by --explain either.
	"$EXCLUSIONS" --root "$ROOT" --no-cache --no-trunk --no-disabled-list --timeout 20 \
		--disabled-url "$URL/data/sample-disabled.json?case=off" --explain "$KINETO" >"$WORK/off.out" 2>"$WORK/off.err"
	RC=$?
	has "explain: --no-disabled-list: the list is said to be off (exit 1)" off 1 \
		"disabled list: turned off (--no-disabled-list)"
	"$EXCLUSIONS" --root "$ROOT" --no-cache --no-trunk --retries 0 --timeout 20 --fallback never \
		--disabled-url "$URL/status/500?case=failed" --explain "$KINETO" >"$WORK/failed.out" 2>"$WORK/failed.err"
	RC=$?
	has "explain: the list's source failed: said, no entry shown" failed 1 \
		"disabled list: not read by this run (see its warning), so none of its entries is shown"
	expect_eq "explain: no request when the list is off, one when its fetch failed (never a second)" "0 1" \
		"$(grep -c '^request: GET /data/sample-disabled.json?case=off' "$WORK/server.log") $(grep -c '^request: GET /status/500?case=failed' "$WORK/server.log")"
fi

# -- usage errors ----------------------------------------------------------------
usage() {
	local name=$1; shift
	"$EXCLUSIONS" --no-trunk --disabled-file "$FIX" --root "$ROOT" "$@" >"$WORK/u.out" 2>"$WORK/u.err"
	local rc=$?
	if usage_error_shape "$rc" "$WORK/u.out" "$WORK/u.err" && grep -q -e "--explain" "$WORK/u.err"; then
		pass "explain: usage error: $name"
	else
		fail "explain: usage error: $name" "exit $rc, stderr [$(head -n 2 "$WORK/u.err" | tr '\n' '|')]"
	fi
}
usage "empty" --explain ''
usage "a class, not a test" --explain "$P/test_profiler.py::TestProfiler"
usage "a file, not a test" --explain "$P/test_profiler.py"
usage "neither a node id nor a key" --explain 'test_kineto TestProfiler'
usage "twice" --explain "$KINETO" --explain "$KINETO"
usage "with -o" --explain "$KINETO" -o "$WORK/out.txt"
usage "with --format pytorch" --format pytorch --explain "$KINETO"
check "explain: usage error: -o wrote nothing" test ! -e "$WORK/out.txt"

# -- a C++ test (gtest name) --------------------------------------------------------
printf '%s\n' '# C++ tests of the profiler' \
	'ProfilerTest.Basic https://github.com/pytorch/kineto/issues/5' \
	'ProfilerTest.Rocm platforms: rocm' \
	'Basic (__main__.ProfilerTest)' >"$WORK/cxx.txt"
gx() {
	local tag=$1; shift
	"$EXCLUSIONS" --no-trunk --no-disabled-list --root "$ROOT" --extra "$WORK/cxx.txt" "$@" \
		>"$WORK/$tag.out" 2>"$WORK/$tag.err"
	RC=$?
}
gx gx1 --explain ProfilerTest.Basic
expect_out "explain: a C++ test excluded by a hand-kept line (exact text, exit 0)" gx1 0 <<EOF
explain: ProfilerTest.Basic
test: C++ (gtest), suite ProfilerTest, test Basic
in this run: not checked (C++ tests: --format gtest names them)
platforms of this run: linux
fallback: not used (--fallback on-error, and a source worked)

extra: ProfilerTest.Basic
  issue: https://github.com/pytorch/kineto/issues/5
  platform: every platform (the line names none)
  result: excludes this test

verdict: excluded by 1 entry (extra 1)
EOF
gx gx2 --explain ProfilerTest.Basic --keep ProfilerTest.Basic
has "explain: a C++ test kept by --keep (exit 1)" gx2 1 \
	"--keep: ProfilerTest.Basic runs this test" \
	"  result: would exclude this test, but --keep ProfilerTest.Basic runs it" \
	"verdict: not excluded"
gx gx3 --explain ProfilerTest.Rocm
has "explain: a C++ test whose line is for rocm only, on linux (exit 1)" gx3 1 \
	"no source names this test" "verdict: not excluded"
gx gx4 --explain ProfilerTest.Rocm --platform rocm
has "explain: the same on rocm (exit 0)" gx4 0 \
	"  platform: only rocm" "verdict: excluded by 1 entry (extra 1)"
# The Python key with the same class and name is another test.
gx gx5 --explain ProfilerTest.Basic --keep 'Basic (__main__.ProfilerTest)'
has "explain: a Python key never keeps a C++ test (exit 0)" gx5 0 \
	"verdict: excluded by 1 entry (extra 1)"
