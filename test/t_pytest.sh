#!/usr/bin/env bash
# Real pytest against the sample tree (test/sample, laid out like PyTorch's
# checkout): what exclusions prints must make Debian's pytest deselect
# exactly the tests PyTorch's own rules disable, plus the collateral that
# pytest's prefix-matching --deselect cannot avoid.
#
# The expected sets below were derived by hand from the fixture
# (test/fixtures/sample-disabled.json) and PyTorch's rules (FORMATS.md §2):
# platform filter, class prefix, name or name without dtype (and device
# before it), per-device classes of device-generic tests.
#
# shellcheck source=test/lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TOP" || exit 1

PYTEST_PY=/usr/bin/python3
FIXTURE=test/fixtures/sample-disabled.json
ROOT=test/sample
SNAPSHOT=$DATA/disabled-tests-condensed.2026-08-21.json

CASES="pytest_args_form pytest_args_deselects_expected pytest_lines_deselects_expected
pytest_out_of_tree_ignored pytest_missing_test_reported
pytest_collected_exact_ids pytest_collected_reports_collateral pytest_collected_deselects_expected
pytest_rocm_adds_entry pytest_shell_form pytest_keyword_form
pytest_snapshot_rocm pytest_snapshot_linux_on_error pytest_snapshot_no_benchmarker"

if ! "$PYTEST_PY" -c 'import pytest' 2>/dev/null; then
	for c in $CASES; do skip "$c" "$PYTEST_PY cannot import pytest"; done
	exit 0
fi
if [ ! -x "$EXCLUSIONS" ]; then
	for c in $CASES; do fail "$c" "$EXCLUSIONS is not built"; done
	exit 0
fi

P=test/profiler
# Entries that apply on linux, each as the node id it disables.
MATCHED_LINUX="$P/test_parametrized.py::TestParam::test_size_n_1
$P/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize
$P/test_profiler.py::TestProfiler::test_kineto
$P/test_profiler.py::TestProfiler::test_memory_profiler
$P/test_profiler.py::TestProfiler::test_user_annotation
$P/test_profiler_device.py::TestProfilerCUDACUDA::test_memory_cuda
$P/test_profiler_device.py::TestProfilerCUDACUDA::test_sync_cuda
$P/test_profiler_device.py::TestProfilerDeviceCPU::test_memory_cpu
$P/test_profiler_device.py::TestProfilerDeviceCPU::test_ops_cpu_float32
$P/test_profiler_device.py::TestProfilerDeviceCPU::test_ops_cpu_int64
$P/test_profiler_device.py::TestProfilerDeviceCUDA::test_dynamic_toggle_cuda"
# What pytest's prefix-matching --deselect also removes.
COLLATERAL="$P/test_parametrized.py::TestParam::test_size_n_10
$P/test_profiler.py::TestProfiler::test_kineto_profiler_api"
# The rocm-only entry.
ROCM_ONLY="$P/test_profiler_device.py::TestProfilerDeviceCUDA::test_ops_cuda_int64"

EXPECT_LINUX=$(printf '%s\n%s\n' "$MATCHED_LINUX" "$COLLATERAL" | sort)
EXPECT_LINUX_ROCM=$(printf '%s\n%s\n%s\n' "$MATCHED_LINUX" "$COLLATERAL" "$ROCM_ONLY" | sort)
EXPECT_COLLECTED_ARGS=$(printf '%s\n' "$MATCHED_LINUX" | sort | sed 's/^/--deselect=/' | tr '\n' ' ' | sed 's/ $//')

# collect DIR OUT [PYTEST-ARGS...]: pytest --collect-only -q test/profiler
# from DIR; the raw output goes to OUT, the sorted node ids to stdout.
collect() {
	local dir=$1 out=$2; shift 2
	(cd "$dir" && env -u PYTEST_ADDOPTS PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
		"$PYTEST_PY" -m pytest --collect-only -q -p no:cacheprovider test/profiler "$@") >"$out" 2>&1
	local rc=$?
	# 5: nothing left to collect, which is not an error here.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then
		echo "pytest exited $rc: $(tail -n 3 "$out" | tr '\n' ' ')" >&2
		return 1
	fi
	grep '::' "$out" | sort
}

# deselected [PYTEST-ARGS...]: the node ids of the sample tree that those
# arguments deselect (baseline minus what is still collected).
deselected() {
	local after
	after=$(collect "$ROOT" "$WORK/collect.after" "$@") || return 1
	comm -23 <(printf '%s\n' "$BASELINE") <(printf '%s\n' "$after")
}

# show TEXT: one line for a failure message.
show() { printf '%s' "$1" | tr '\n' ' '; }

# set_check NAME EXPECTED ACTUAL: compare two sets of lines.
set_check() {
	if [ "$2" = "$3" ]; then pass "$1"
	else fail "$1" "missing [$(show "$(comm -23 <(printf '%s\n' "$2") <(printf '%s\n' "$3"))")] unexpected [$(show "$(comm -13 <(printf '%s\n' "$2") <(printf '%s\n' "$3"))")]"
	fi
}

BASELINE=$(collect "$ROOT" "$WORK/collected.txt") || {
	for c in $CASES; do fail "$c" "pytest cannot collect the sample tree: $(tail -n 3 "$WORK/collected.txt" | tr '\n' ' ')"; done
	exit 0
}

run_excl() { # run_excl NAME [ARGS...]: stdout to $WORK/NAME.out, stderr to $WORK/NAME.err
	local name=$1; shift
	"$EXCLUSIONS" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
}

BASE_ARGS=(--disabled-file "$FIXTURE" --root "$ROOT" --platform linux --fallback never)

# --- args (the default form), expanded unquoted as the workflow does -------
run_excl args "${BASE_ARGS[@]}"
ARGS_OUT=$(cat "$WORK/args.out")
if [ "$(cat "$WORK/args.rc")" != 0 ]; then
	fail pytest_args_form "exit status $(cat "$WORK/args.rc"): $(head -c 300 "$WORK/args.err")"
elif [ "$(wc -l <"$WORK/args.out")" != 1 ]; then
	fail pytest_args_form "expected one line, got $(wc -l <"$WORK/args.out")"
elif printf '%s\n' "$ARGS_OUT" | tr ' ' '\n' | grep -qv '^--deselect=test/profiler/[^ ]*::[^ ]*$'; then
	fail pytest_args_form "a word is not --deselect=<node id>: $ARGS_OUT"
elif [ "$(printf '%s\n' "$ARGS_OUT" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')" != "$ARGS_OUT" ]; then
	fail pytest_args_form "words not sorted and unique: $ARGS_OUT"
else
	pass pytest_args_form
fi

# shellcheck disable=SC2086 # unquoted on purpose: that is how the output is used
if got=$(deselected $ARGS_OUT); then
	set_check pytest_args_deselects_expected "$EXPECT_LINUX" "$got"
else
	fail pytest_args_deselects_expected "pytest failed with: $ARGS_OUT"
fi

if grep -qE 'TestJit|TestBenchmarker|TestFSDPCheckpoint|TestSDPA|TestFreezing' "$WORK/args.out"; then
	fail pytest_out_of_tree_ignored "stdout names a class outside the tree: $ARGS_OUT"
else
	pass pytest_out_of_tree_ignored
fi

# The class is in the tree, the test is not: said on stderr, not printed.
if grep -q test_export_stacks "$WORK/args.out"; then
	fail pytest_missing_test_reported "test_export_stacks printed on stdout"
elif ! grep -q test_export_stacks "$WORK/args.err"; then
	fail pytest_missing_test_reported "stderr does not mention test_export_stacks: $(head -c 400 "$WORK/args.err" | tr '\n' '|')"
else
	pass pytest_missing_test_reported
fi

# --- lines ----------------------------------------------------------------
run_excl lines "${BASE_ARGS[@]}" --format lines
if [ "$(cat "$WORK/lines.rc")" != 0 ]; then
	fail pytest_lines_deselects_expected "exit status $(cat "$WORK/lines.rc")"
else
	mapfile -t ids <"$WORK/lines.out"
	if got=$(deselected "${ids[@]/#/--deselect=}"); then
		set_check pytest_lines_deselects_expected "$EXPECT_LINUX" "$got"
	else
		fail pytest_lines_deselects_expected "pytest failed with: ${ids[*]}"
	fi
fi

# --- --collected: exact ids, collateral reported --------------------------
run_excl coll "${BASE_ARGS[@]}" --collected "$WORK/collected.txt"
COLL_OUT=$(cat "$WORK/coll.out")
expect_eq pytest_collected_exact_ids "$EXPECT_COLLECTED_ARGS" "$COLL_OUT"
if grep -q test_kineto_profiler_api "$WORK/coll.err" && grep -q test_size_n_10 "$WORK/coll.err"; then
	pass pytest_collected_reports_collateral
else
	fail pytest_collected_reports_collateral "stderr lacks test_kineto_profiler_api or test_size_n_10: $(head -c 600 "$WORK/coll.err" | tr '\n' '|')"
fi
# shellcheck disable=SC2086 # unquoted on purpose
if got=$(deselected $COLL_OUT); then
	set_check pytest_collected_deselects_expected "$EXPECT_LINUX" "$got"
else
	fail pytest_collected_deselects_expected "pytest failed with: $COLL_OUT"
fi

# --- another platform -----------------------------------------------------
run_excl rocm --disabled-file "$FIXTURE" --root "$ROOT" --platform linux,rocm --fallback never
ROCM_OUT=$(cat "$WORK/rocm.out")
# shellcheck disable=SC2086 # unquoted on purpose
if got=$(deselected $ROCM_OUT); then
	set_check pytest_rocm_adds_entry "$EXPECT_LINUX_ROCM" "$got"
else
	fail pytest_rocm_adds_entry "pytest failed with: $ROCM_OUT"
fi

# --- shell: quoted words for eval -----------------------------------------
run_excl shell "${BASE_ARGS[@]}" --format shell
if [ "$(cat "$WORK/shell.rc")" != 0 ]; then
	fail pytest_shell_form "exit status $(cat "$WORK/shell.rc")"
elif ! eval "set -- $(cat "$WORK/shell.out")"; then
	fail pytest_shell_form "eval failed on: $(cat "$WORK/shell.out")"
elif got=$(deselected "$@"); then
	set_check pytest_shell_form "$EXPECT_LINUX" "$got"
else
	fail pytest_shell_form "pytest failed with: $*"
fi
set --

# --- keyword: one -k expression; may deselect more, never less -------------
run_excl keyword "${BASE_ARGS[@]}" --format keyword
KW=$(cat "$WORK/keyword.out")
if [ "$(cat "$WORK/keyword.rc")" != 0 ]; then
	fail pytest_keyword_form "exit status $(cat "$WORK/keyword.rc")"
elif [ -z "$KW" ]; then
	fail pytest_keyword_form "empty expression"
elif ! got=$(deselected -k "$KW"); then
	fail pytest_keyword_form "pytest -k failed with: $KW"
else
	missing=$(comm -23 <(printf '%s\n' "$MATCHED_LINUX" | sort) <(printf '%s\n' "$got"))
	kept=$(comm -23 <(printf '%s\n' "$BASELINE") <(printf '%s\n' "$got") | grep -c '::')
	if [ -n "$missing" ]; then
		fail pytest_keyword_form "still collected: [$(show "$missing")] with -k $KW"
	elif [ "$kept" -eq 0 ]; then
		fail pytest_keyword_form "deselects every test: -k $KW"
	else
		pass pytest_keyword_form
	fi
fi

# --- the real 2026-08-21 snapshot against a small tree of our own ----------
SNAP=$WORK/snaptree
mkdir -p "$SNAP/test/profiler"
cp "$ROOT/test/profiler/_torch_shim.py" "$SNAP/test/profiler/"
cat >"$SNAP/test/profiler/test_profiler.py" <<'EOF'
from unittest import TestCase

from _torch_shim import instantiate_device_type_tests


class TestProfilerDevice(TestCase):
    def test_dynamic_toggle(self, device):
        self.assertTrue(True)


instantiate_device_type_tests(
    TestProfilerDevice, globals(), only_for=("cuda",)
)


class TestProfiler(TestCase):
    def test_kineto(self):
        self.assertTrue(True)

    def test_user_annotation(self):
        self.assertTrue(True)
EOF
SNAP_ID=test/profiler/test_profiler.py::TestProfilerDeviceCUDA::test_dynamic_toggle_cuda

if [ ! -r "$SNAPSHOT" ]; then
	for c in pytest_snapshot_rocm pytest_snapshot_linux_on_error pytest_snapshot_no_benchmarker; do
		skip "$c" "no snapshot at $SNAPSHOT"
	done
	exit 0
fi

run_excl snaprocm --disabled-file "$SNAPSHOT" --root "$SNAP" --platform rocm
run_excl snaplinux --disabled-file "$SNAPSHOT" --root "$SNAP" --platform linux --fallback on-error
run_excl snapverbose -v --disabled-file "$SNAPSHOT" --root "$SNAP" --platform rocm,xpu,linux

if [ "$(cat "$WORK/snaprocm.out")" != "--deselect=$SNAP_ID" ] || [ "$(wc -l <"$WORK/snaprocm.out")" != 1 ]; then
	fail pytest_snapshot_rocm "expected [--deselect=$SNAP_ID], got [$(cat "$WORK/snaprocm.out")] (status $(cat "$WORK/snaprocm.rc"))"
else
	# And real pytest agrees that this is the one test it removes.
	all=$(collect "$SNAP" "$WORK/snap.before")
	snap_args=$(cat "$WORK/snaprocm.out")
	# shellcheck disable=SC2086 # unquoted on purpose
	after=$(collect "$SNAP" "$WORK/snap.after" $snap_args)
	expect_eq pytest_snapshot_rocm "$SNAP_ID" "$(comm -23 <(printf '%s\n' "$all") <(printf '%s\n' "$after"))"
fi

if [ "$(cat "$WORK/snaplinux.rc")" = 0 ] && [ "$(od -An -c "$WORK/snaplinux.out" | tr -d ' ')" = '\n' ]; then
	pass pytest_snapshot_linux_on_error
else
	fail pytest_snapshot_linux_on_error "expected one empty line, got [$(head -c 300 "$WORK/snaplinux.out")] (status $(cat "$WORK/snaplinux.rc"))"
fi

# TestBenchmarker's key holds "profiler" and applies on rocm and xpu, but its
# class is not in the tree: never printed, never called in scope.
bad=""
for r in snaprocm snaplinux snapverbose; do
	grep -q TestBenchmarker "$WORK/$r.out" && bad="$bad $r:stdout"
	if grep TestBenchmarker "$WORK/$r.err" | grep -viE 'not (in|found|present)|no such|outside|out of scope|absent|missing|unknown|skip|ignor' |
		grep -qiE 'in scope|deselect|::TestBenchmarker|match'; then
		bad="$bad $r:stderr"
	fi
done
if [ -n "$bad" ]; then
	fail pytest_snapshot_no_benchmarker "TestBenchmarker taken as in scope in:$bad"
else
	pass pytest_snapshot_no_benchmarker
fi
