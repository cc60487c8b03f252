#!/usr/bin/env bash
# Re-enabling, as PyTorch's CI does it (FORMATS.md §2, §6): the issues of
# REENABLED_ISSUES, and those a pull request says it fixes in PR_BODY,
# COMMIT_MESSAGES or --pr-body-file, are not excluded, so the fix gets
# tested; --keep runs a test whatever the sources say.  Against the sample
# tree and list; no network.  (The keyword rule case by case:
# test/test_reenable.c; the runtime file: test/t_pytorch.sh.)
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "reenable: all" "$EXCLUSIONS is not built"
	exit 0
fi
FIX=$TESTDIR/fixtures/sample-disabled.json
ROOT=$TESTDIR/sample
P=test/profiler
unset REENABLED_ISSUES PR_BODY COMMIT_MESSAGES
X() { "$EXCLUSIONS" --no-trunk --disabled-file "$FIX" --root "$ROOT" --fallback never --format lines "$@"; }

BASE=$(X 2>/dev/null)
check "reenable: the sample list excludes test_kineto" grep -qx "$P/test_profiler.py::TestProfiler::test_kineto" <<<"$BASE"

# without ID...: the baseline without the lines that end with each ID.
without() {
	local out=$BASE id
	for id in "$@"; do out=$(grep -v -- "$id\$" <<<"$out"); done
	printf '%s' "$out"
}

# REENABLED_ISSUES: comma-separated, white space allowed, junk said.
out=$(REENABLED_ISSUES='190101, 190105,abc' X 2>"$WORK/err")
expect_eq "reenable: REENABLED_ISSUES drops its issues' tests" \
	"$(without ::TestProfiler::test_kineto ::TestProfiler::test_memory_profiler)" "$out"
check "reenable: REENABLED_ISSUES: one line per issue, naming the entry" grep -qx \
	'exclusions: re-enable: issue 190101 re-enabled by REENABLED_ISSUES: test_kineto (__main__.TestProfiler); 1 test no longer excluded' "$WORK/err"
check "reenable: REENABLED_ISSUES: junk is said" grep -q 'REENABLED_ISSUES: "abc" is not an issue number; ignored' "$WORK/err"

# A pull request's body: PyTorch's keywords, in any case, "#N" or the URL.
out=$(PR_BODY='FIXES #190101
and this Resolves https://github.com/pytorch/pytorch/issues/190102.' X 2>"$WORK/err")
expect_eq "reenable: PR_BODY with #N and the issue URL" \
	"$(without ::test_kineto ::test_ops_cpu_float32 ::test_ops_cpu_int64)" "$out"
check "reenable: PR_BODY: the words are named" grep -qx \
	'exclusions: re-enable: issue 190101 re-enabled by PR_BODY "FIXES #190101": test_kineto (__main__.TestProfiler); 1 test no longer excluded' "$WORK/err"
check "reenable: PR_BODY: one entry, two tests" grep -qx \
	'exclusions: re-enable: issue 190102 re-enabled by PR_BODY "Resolves https://github.com/pytorch/pytorch/issues/190102": test_ops (__main__.TestProfilerDeviceCPU); 2 tests no longer excluded' "$WORK/err"

# Commit messages, no word boundary before the keyword; both variables
# naming one issue give one line.
out=$(COMMIT_MESSAGES='abc123 prefix #190105' PR_BODY='closed #190105' X 2>"$WORK/err")
expect_eq "reenable: COMMIT_MESSAGES, no word boundary" "$(without ::test_memory_profiler)" "$out"
check "reenable: two places, one line" grep -qx \
	'exclusions: re-enable: issue 190105 re-enabled by PR_BODY "closed #190105", COMMIT_MESSAGES "fix #190105": test_memory_profiler (__main__.TestProfiler); 1 test no longer excluded' "$WORK/err"

# Near misses re-enable nothing and say nothing.
out=$(PR_BODY='fixing #190101, closes  #190101, fix 190101, Fixes#190101, fix: #190101' X 2>"$WORK/err")
expect_eq "reenable: near misses re-enable nothing" "$BASE" "$out"
check "reenable: near misses: no re-enable line" test -z "$(grep 're-enable' "$WORK/err")"

# --pr-body-file; an issue that names nothing of this run is said too.
printf 'Summary\r\n\r\nresolved https://github.com/pytorch/pytorch/issues/190104\r\nFixes #4242\r\n' >"$WORK/body.md"
out=$(X --pr-body-file "$WORK/body.md" 2>"$WORK/err")
expect_eq "reenable: --pr-body-file" "$(without ::test_user_annotation)" "$out"
check "reenable: --pr-body-file is named as the place" grep -q \
	"issue 190104 re-enabled by $WORK/body.md \"resolved https://github.com/pytorch/pytorch/issues/190104\"" "$WORK/err"
check "reenable: an issue about nothing of this run" grep -qx \
	"exclusions: re-enable: issue 4242 ($WORK/body.md \"Fixes #4242\"): no exclusion of this run is about it" "$WORK/err"
X -q --pr-body-file "$WORK/body.md" >/dev/null 2>"$WORK/err"
check "reenable: -q hides the re-enable lines" test -s "$WORK/err" -a -z "$(grep 're-enable' "$WORK/err")"

# --keep: a node id, a key, a class; one that nothing excludes.
out=$(X --keep "$P/test_profiler.py::TestProfiler::test_kineto" \
	--keep 'test_ops (__main__.TestProfilerDeviceCPU)' --keep "$P/test_profiler_device.py::TestProfilerCUDACUDA" \
	--keep "$P/test_profiler.py::TestProfiler::test_nothing" 2>"$WORK/err")
expect_eq "reenable: --keep node ids, keys and classes" \
	"$(without ::test_kineto ::test_ops_cpu_float32 ::test_ops_cpu_int64 ::TestProfilerCUDACUDA::test_memory_cuda ::TestProfilerCUDACUDA::test_sync_cuda)" "$out"
check "reenable: --keep says what it kept" grep -qx \
	"exclusions: keep: test_ops (__main__.TestProfilerDeviceCPU): 2 tests no longer excluded" "$WORK/err"
check "reenable: --keep of a test nothing excludes is said" grep -qx \
	"exclusions: keep: $P/test_profiler.py::TestProfiler::test_nothing: no source excludes it" "$WORK/err"

# --keep wins over the fallback list too.
printf '%s\n' "$P/test_profiler.py::TestProfiler::test_kineto" "$P/test_profiler.py::TestProfiler::test_gone" >"$WORK/fb.txt"
out=$("$EXCLUSIONS" --no-trunk --disabled-file "$WORK/fb.txt" --root "$ROOT" --fallback-file "$WORK/fb.txt" \
	--format lines --keep "$P/test_profiler.py::TestProfiler::test_kineto" 2>/dev/null)
expect_eq "reenable: --keep drops a fallback line" "$P/test_profiler.py::TestProfiler::test_gone" "$out"

# Usage errors: exit 2, two lines, nothing run.
for bad in "--keep=" "--keep=test_x (__main__.Test-Foo)" "--keep=$(printf 'a\tb')" \
	"--pr-body-file=$WORK/nope" "--pr-body-file=$WORK" "--pr-body-file"; do
	X "$bad" >"$WORK/out" 2>"$WORK/err"; rc=$?
	if usage_error_shape "$rc" "$WORK/out" "$WORK/err"; then
		pass "reenable: usage error ${bad/$WORK/WORK}"
	else
		fail "reenable: usage error ${bad/$WORK/WORK}" "rc=$rc out=[$(head -c 200 "$WORK/out")] err=[$(head -3 "$WORK/err" | paste -sd'|' -)]"
	fi
done
