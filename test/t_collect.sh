#!/usr/bin/env bash
# --collect: exclusions runs Debian's pytest (--collect-only -q) on the test
# folders itself and takes its node ids as --collected takes a file; when
# that collection fails in any way, one line says why and the run is the
# tree scan's.  Real pytest on the sample tree (test/sample) and on trees
# made here; stand-in "pythons" for the failures pytest cannot be made to
# have (exit 1, garbage, a hang).
#
# shellcheck source=test/lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TOP" || exit 1

PYTEST_PY=/usr/bin/python3
FIXTURE=test/fixtures/sample-disabled.json
ROOT=test/sample
# Plugins of the machine (none on Debian's, but a CI's may have some) stay
# out of the collections, ours and the tool's.
export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
unset PYTEST_ADDOPTS

CASES="collect_sample_exact_ids collect_sample_ids_are_collected collect_sample_one_info_line
collect_sample_same_as_collected collect_sample_no_prefix_collateral collect_sample_deselects_exactly collect_exact_no_collateral collect_exact_deselects_one
collect_base_name_not_printed collect_writes_no_cache
collect_syntax_error_one_line collect_syntax_error_tree_output
collect_exit1_one_line collect_exit1_tree_output collect_garbage_one_line collect_garbage_tree_output
collect_hang_one_line collect_hang_tree_output collect_hang_in_time collect_hang_no_child_left
collect_output_bounded_one_line collect_output_bounded_tree_output
collect_not_installed_one_line collect_no_test_folder_one_line
collect_overlaps_list_download collect_usage_with_collected collect_usage_python_alone
collect_usage_python_missing collect_usage_python_not_executable"

if [ ! -x "$EXCLUSIONS" ]; then
	for c in $CASES; do fail "$c" "$EXCLUSIONS is not built"; done
	exit 0
fi
HAVE_PYTEST=1
"$PYTEST_PY" -c 'import pytest' 2>/dev/null || HAVE_PYTEST=0

# run_excl NAME [ARGS...]: stdout to $WORK/NAME.out, stderr to $WORK/NAME.err,
# status to $WORK/NAME.rc.
run_excl() {
	local name=$1; shift
	"$EXCLUSIONS" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
}

# one_line NAME TAG ERE: exactly one "collect:" line on stderr of run TAG,
# and it matches ERE.
one_line() {
	local n line
	n=$(grep -c '^exclusions: collect: ' "$WORK/$2.err")
	line=$(grep '^exclusions: collect: ' "$WORK/$2.err")
	if [ "$n" -ne 1 ]; then
		fail "$1" "expected one collect: line, got $n: $(tr '\n' '|' <"$WORK/$2.err" | head -c 600)"
	elif ! printf '%s\n' "$line" | grep -qE -- "$3"; then
		fail "$1" "the line [$line] does not match [$3]"
	else
		pass "$1"
	fi
}

# same_out NAME TAG REF: run TAG printed what run REF (the tree scan) did,
# and that is not nothing.
same_out() {
	if [ "$(cat "$WORK/$2.rc")" != 0 ]; then
		fail "$1" "exit status $(cat "$WORK/$2.rc")"
	elif [ ! -s "$WORK/$3.out" ] || [ "$(cat "$WORK/$3.out")" = "" ]; then
		fail "$1" "the reference run printed nothing: the case proves nothing"
	elif cmp -s "$WORK/$2.out" "$WORK/$3.out"; then
		pass "$1"
	else
		fail "$1" "expected [$(cat "$WORK/$3.out")], got [$(cat "$WORK/$2.out")]"
	fi
}

# pytest_collect DIR OUT [ARGS...]: the sorted node ids pytest collects
# under DIR/test/profiler (raw output in OUT).
pytest_collect() {
	local dir=$1 out=$2; shift 2
	(cd "$dir" && "$PYTEST_PY" -m pytest --collect-only -q -p no:cacheprovider test/profiler "$@") >"$out" 2>&1
	grep '::' "$out" | sort
}

BASE=(--no-trunk --platform linux --fallback never)

# --- the sample tree: exact ids, the same as --collected's -----------------
SAMPLE_CASES="collect_sample_exact_ids collect_sample_ids_are_collected collect_sample_one_info_line collect_sample_same_as_collected
collect_sample_no_prefix_collateral collect_sample_deselects_exactly"
if [ "$HAVE_PYTEST" = 0 ]; then
	for c in $SAMPLE_CASES; do skip "$c" "$PYTEST_PY cannot import pytest"; done
else
	P=test/profiler
	EXPECT=$(printf '%s\n' \
		"$P/test_parametrized.py::TestParam::test_size_n_1" \
		"$P/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize" \
		"$P/test_profiler.py::TestProfiler::test_kineto" \
		"$P/test_profiler.py::TestProfiler::test_memory_profiler" \
		"$P/test_profiler.py::TestProfiler::test_user_annotation" \
		"$P/test_profiler_device.py::TestProfilerCUDACUDA::test_memory_cuda" \
		"$P/test_profiler_device.py::TestProfilerCUDACUDA::test_sync_cuda" \
		"$P/test_profiler_device.py::TestProfilerDeviceCPU::test_memory_cpu" \
		"$P/test_profiler_device.py::TestProfilerDeviceCPU::test_ops_cpu_float32" \
		"$P/test_profiler_device.py::TestProfilerDeviceCPU::test_ops_cpu_int64" \
		"$P/test_profiler_device.py::TestProfilerDeviceCUDA::test_dynamic_toggle_cuda")
	# From another folder: node ids are still relative to --root.
	(cd "$WORK" && "$EXCLUSIONS" --collect --python "$PYTEST_PY" --disabled-file "$TOP/$FIXTURE" \
		--root "$TOP/$ROOT" "${BASE[@]}" --format lines >"$WORK/sample.out" 2>"$WORK/sample.err")
	expect_eq collect_sample_exact_ids "$EXPECT" "$(cat "$WORK/sample.out")"
	pytest_collect "$ROOT" "$WORK/sample.collected" >"$WORK/sample.ids"
	missing=$(comm -23 <(sort "$WORK/sample.out") "$WORK/sample.ids")
	if [ -s "$WORK/sample.ids" ] && [ -z "$missing" ]; then pass collect_sample_ids_are_collected
	else fail collect_sample_ids_are_collected "printed but not collected by pytest: [$missing]"; fi
	n=$(grep -c '^exclusions: collect: ' "$WORK/sample.err")
	if [ "$n" -eq 1 ] && grep -q '^exclusions: collect: 20 node ids from pytest --collect-only' "$WORK/sample.err" &&
		! grep -q 'test tree' "$WORK/sample.err"; then
		pass collect_sample_one_info_line
	else
		fail collect_sample_one_info_line "$(tr '\n' '|' <"$WORK/sample.err" | head -c 600)"
	fi
	run_excl samplecoll --collected "$WORK/sample.collected" --disabled-file "$FIXTURE" --root "$ROOT" "${BASE[@]}" --format lines
	same_out collect_sample_same_as_collected samplecoll sample
	# The issue's case: an entry naming the base name of parametrized
	# tests (test_size; pytest runs test_size_n_1, _n_2, _n_10) names
	# none of them by PyTorch's rule, so no prefix of them is printed;
	# the other entry is one exact id, which no other test extends.
	cat >"$WORK/prefix.json" <<'EOF'
{"test_size (__main__.TestParam)": ["1", "https://github.com/pytorch/pytorch/issues/1", []],
 "test_kineto_profiler_api (__main__.TestProfiler)": ["2", "https://github.com/pytorch/pytorch/issues/2", []]}
EOF
	run_excl prefix --collect --python "$PYTEST_PY" --disabled-file "$WORK/prefix.json" --root "$ROOT" "${BASE[@]}"
	PREFIX_ID=$P/test_profiler.py::TestProfiler::test_kineto_profiler_api
	if [ "$(cat "$WORK/prefix.out")" = "--deselect=$PREFIX_ID" ] && ! grep -qi collateral "$WORK/prefix.err"; then
		pass collect_sample_no_prefix_collateral
	else
		fail collect_sample_no_prefix_collateral "stdout [$(cat "$WORK/prefix.out")], stderr $(tr '\n' '|' <"$WORK/prefix.err" | head -c 600)"
	fi
	# shellcheck disable=SC2046 # the printed words, unquoted, as a workflow uses them
	after=$(pytest_collect "$ROOT" "$WORK/prefix.after" $(cat "$WORK/prefix.out"))
	expect_eq collect_sample_deselects_exactly "$PREFIX_ID" "$(comm -23 "$WORK/sample.ids" <(printf '%s\n' "$after"))"
fi

# --- a tree the source does not tell: tests made at import time ------------
# TestGen's tests exist only once Python has run: test_x_1, test_x_2 (so a
# key naming test_x names none of them, by PyTorch's rule) and test_y_1,
# test_y_2.  No entry is a prefix of another test: no collateral.
GEN=$WORK/gen
mkdir -p "$GEN/test/profiler"
cat >"$GEN/test/profiler/test_gen.py" <<'EOF'
import unittest


class TestGen(unittest.TestCase):
    pass


for _name in ("x", "y"):
    for _i in (1, 2):
        setattr(TestGen, "test_%s_%d" % (_name, _i), lambda self: None)


class TestPlain(unittest.TestCase):
    def test_plain(self):
        pass
EOF
cat >"$WORK/gen.json" <<'EOF'
{"test_x (__main__.TestGen)": ["1", "https://github.com/pytorch/pytorch/issues/1", []],
 "test_y_2 (__main__.TestGen)": ["2", "https://github.com/pytorch/pytorch/issues/2", []]}
EOF
GEN_ID=test/profiler/test_gen.py::TestGen::test_y_2
GEN_CASES="collect_exact_no_collateral collect_exact_deselects_one collect_base_name_not_printed collect_writes_no_cache"
if [ "$HAVE_PYTEST" = 0 ]; then
	for c in $GEN_CASES; do skip "$c" "$PYTEST_PY cannot import pytest"; done
else
	run_excl gen --collect --python "$PYTEST_PY" --disabled-file "$WORK/gen.json" --root "$GEN" "${BASE[@]}"
	if [ "$(cat "$WORK/gen.out")" = "--deselect=$GEN_ID" ] && ! grep -qi collateral "$WORK/gen.err"; then
		pass collect_exact_no_collateral
	else
		fail collect_exact_no_collateral "stdout [$(cat "$WORK/gen.out")], stderr $(tr '\n' '|' <"$WORK/gen.err" | head -c 600)"
	fi
	before=$(pytest_collect "$GEN" "$WORK/gen.before")
	# shellcheck disable=SC2046 # the printed words, unquoted, as a workflow uses them
	after=$(pytest_collect "$GEN" "$WORK/gen.after" $(cat "$WORK/gen.out"))
	expect_eq collect_exact_deselects_one "$GEN_ID" "$(comm -23 <(printf '%s\n' "$before") <(printf '%s\n' "$after"))"
	if grep -q 'test_x (__main__.TestGen).*no collected test of class TestGen is named test_x' "$WORK/gen.err"; then
		pass collect_base_name_not_printed
	else
		fail collect_base_name_not_printed "stderr does not say test_x names no collected test: $(tr '\n' '|' <"$WORK/gen.err" | head -c 600)"
	fi
	if [ -e "$GEN/.pytest_cache" ] || [ -e "$GEN/test/profiler/.pytest_cache" ]; then
		fail collect_writes_no_cache "pytest's cache was written into the root"
	else
		pass collect_writes_no_cache
	fi
fi

# --- failures: one line, then the tree scan's output ------------------------
# The reference: the same run on the tree scan alone.
run_excl tree --disabled-file "$FIXTURE" --root "$ROOT" "${BASE[@]}"

BAD=$WORK/bad
mkdir -p "$BAD/test/profiler"
cp "$ROOT"/test/profiler/*.py "$BAD/test/profiler/"
printf 'def test_broken(:\n    pass\n' >"$BAD/test/profiler/test_broken.py"
if [ "$HAVE_PYTEST" = 0 ]; then
	for c in collect_syntax_error_one_line collect_syntax_error_tree_output; do
		skip "$c" "$PYTEST_PY cannot import pytest"
	done
else
	run_excl badtree --disabled-file "$FIXTURE" --root "$BAD" "${BASE[@]}"
	run_excl bad --collect --python "$PYTEST_PY" --disabled-file "$FIXTURE" --root "$BAD" "${BASE[@]}"
	one_line collect_syntax_error_one_line bad \
		"^exclusions: collect: .*python3 -m pytest --collect-only in .*/bad: exit status 2: ERROR test/profiler/test_broken.py; using the test tree instead$"
	same_out collect_syntax_error_tree_output bad badtree
fi

# Stand-in pythons.
mkdir -p "$WORK/bin"
cat >"$WORK/bin/exit1" <<'EOF'
#!/bin/sh
echo "Traceback (most recent call last):" >&2
echo "ModuleNotFoundError: No module named 'torch'" >&2
exit 1
EOF
cat >"$WORK/bin/garbage" <<'EOF'
#!/bin/sh
echo "hello"
echo "collected: nothing you can use"
EOF
cat >"$WORK/bin/hang" <<EOF
#!/bin/sh
echo \$\$ >"$WORK/hang.pid"
exec sleep 300
EOF
chmod +x "$WORK/bin/exit1" "$WORK/bin/garbage" "$WORK/bin/hang"

run_excl exit1 --collect --python "$WORK/bin/exit1" --disabled-file "$FIXTURE" --root "$ROOT" "${BASE[@]}"
one_line collect_exit1_one_line exit1 \
	": exit status 1: ModuleNotFoundError: No module named 'torch'; using the test tree instead$"
same_out collect_exit1_tree_output exit1 tree

run_excl garbage --collect --python "$WORK/bin/garbage" --disabled-file "$FIXTURE" --root "$ROOT" "${BASE[@]}"
one_line collect_garbage_one_line garbage \
	": no node ids in its output: collected: nothing you can use; using the test tree instead$"
same_out collect_garbage_tree_output garbage tree

t0=$(now_ms)
run_excl hang --collect --python "$WORK/bin/hang" --timeout 2 --disabled-file "$FIXTURE" --root "$ROOT" "${BASE[@]}"
ms=$(( $(now_ms) - t0 ))
one_line collect_hang_one_line hang ": .*/hang killed at the time limit; using the test tree instead$"
same_out collect_hang_tree_output hang tree
if [ "$ms" -lt 4500 ]; then pass collect_hang_in_time
else fail collect_hang_in_time "took $ms ms with --timeout 2"; fi
pid=$(cat "$WORK/hang.pid" 2>/dev/null)
if [ -z "$pid" ]; then
	fail collect_hang_no_child_left "the stand-in never ran"
elif kill -0 "$pid" 2>/dev/null; then
	kill "$pid" 2>/dev/null
	fail collect_hang_no_child_left "its child (pid $pid) was left running"
else
	pass collect_hang_no_child_left
fi

# Output past 64 MB: the child is stopped, not read whole.
cat >"$WORK/bin/flood" <<'EOF'
#!/bin/sh
yes test/profiler/test_profiler.py::TestProfiler::test_kineto | head -c 80000000
EOF
chmod +x "$WORK/bin/flood"
run_excl flood --collect --python "$WORK/bin/flood" --disabled-file "$FIXTURE" --root "$ROOT" "${BASE[@]}"
one_line collect_output_bounded_one_line flood ": .*/flood stopped: output over the size limit; using the test tree instead$"
same_out collect_output_bounded_tree_output flood tree

run_excl notinst --collect --python no-such-python-here --disabled-file "$FIXTURE" --root "$ROOT" "${BASE[@]}"
one_line collect_not_installed_one_line notinst \
	": no-such-python-here is not installed \(not found on PATH\); using the test tree instead$"

mkdir -p "$WORK/notests"
run_excl notests --collect --python "$WORK/bin/garbage" --disabled-file "$FIXTURE" --root "$WORK/notests" "${BASE[@]}"
one_line collect_no_test_folder_one_line notests ": no test/profiler under .*/notests to collect"

# --- the collection runs beside the list's download -------------------------
# Each takes 1.5 s; one after the other would be 3 s.
cat >"$WORK/bin/slow" <<EOF
#!/bin/sh
sleep 1.5
cat "$WORK/sample.ids.fixed"
EOF
chmod +x "$WORK/bin/slow"
(cd "$ROOT" && find test/profiler -name 'test_*.py' | sort | sed 's/$/::TestProfiler::test_kineto/') >"$WORK/sample.ids.fixed"
mkdir -p "$WORK/www"
cp "$FIXTURE" "$WORK/www/list.json"
if ! command -v curl >/dev/null; then
	skip collect_overlaps_list_download "curl is not installed"
elif ! start_server --root "$WORK/www" --delay 1.5; then
	skip collect_overlaps_list_download "the test server did not start"
else
	t0=$(now_ms)
	run_excl overlap --collect --python "$WORK/bin/slow" --disabled-url "http://127.0.0.1:$PORT/data/list.json" \
		--root "$ROOT" "${BASE[@]}"
	ms=$(( $(now_ms) - t0 ))
	if [ "$ms" -lt 2800 ] && grep -q 'collect: 3 node ids' "$WORK/overlap.err" &&
		grep -q 'disabled list: 20 entries' "$WORK/overlap.err"; then
		pass collect_overlaps_list_download
	else
		fail collect_overlaps_list_download "$ms ms: $(tr '\n' '|' <"$WORK/overlap.err" | head -c 600)"
	fi
fi

# --- usage errors ----------------------------------------------------------
usage_case() { # usage_case NAME ERE ARGS...
	local name=$1 ere=$2 rc; shift 2
	"$EXCLUSIONS" "$@" >"$WORK/usage.out" 2>"$WORK/usage.err"; rc=$?
	if usage_error_shape "$rc" "$WORK/usage.out" "$WORK/usage.err" && grep -qE -- "$ere" "$WORK/usage.err"; then
		pass "$name"
	else
		fail "$name" "status $rc: $(tr '\n' '|' <"$WORK/usage.err")"
	fi
}
usage_case collect_usage_with_collected '^exclusions: --collect and --collected together' \
	--collect --collected "$WORK/sample.ids.fixed" --root "$ROOT"
usage_case collect_usage_python_alone '^exclusions: --python without --collect' \
	--python "$PYTEST_PY" --root "$ROOT"
usage_case collect_usage_python_missing '^exclusions: --python: .*/nope/python: No such file' \
	--collect --python "$WORK/nope/python" --root "$ROOT"
usage_case collect_usage_python_not_executable '^exclusions: --python: .*list.json: not an executable file' \
	--collect --python "$WORK/www/list.json" --root "$ROOT"
