#!/usr/bin/env bash
# The test tree through the built binary (testtree.c, scope.c):
#  1. symbolic links to folders already read (a loop, a second name) change
#     nothing: the same stdout as without them, at once;
#  2. the fallback's corrected node ids are made of the tree's names, and
#     pass the checks of every printed id (no newline, no control byte,
#     valid UTF-8);
#  3. device-generic tests as PyTorch names them,
#     <method>_<parameters>_<device>[_<dtype>]: an entry of the real
#     2024-04-11 snapshot whose name would need the device before the
#     parameters matches nothing (it used to print a node id pytest does not
#     collect); @ops tests cannot be named from the tree (nothing printed,
#     each entry said), and with --collected a name in PyTorch's order is
#     one pytest collects;
#  4. with --collected, the tests a printed --deselect prefix also removes
#     are one warning (the count and a few of them); -v lists each.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "tree" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi
TIMEOUT_BIN=$(command -v timeout)
if [ -z "$TIMEOUT_BIN" ]; then
	skip "tree" "timeout is not installed"
	exit 0
fi

SAMPLE=$TESTDIR/sample
SAMPLE_DISABLED=$TESTDIR/fixtures/sample-disabled.json
EMPTY_JSON=$WORK/empty.json
echo '{}' >"$EMPTY_JSON"

# run TAG LIMIT ARGS...: the binary, bounded by LIMIT seconds (then killed);
# stdout in $WORK/TAG.out, stderr in $WORK/TAG.err; sets RC and MS.
run() {
	local tag=$1 limit=$2 t0; shift 2
	t0=$(now_ms)
	"$TIMEOUT_BIN" -k 2 "$limit" "$EXCLUSIONS" "$@" >"$WORK/$tag.out" 2>"$WORK/$tag.err" </dev/null
	RC=$?
	MS=$(($(now_ms) - t0))
}

# verdict NAME: pass when the array WHY is empty, else fail with it.
verdict() {
	if [ "${#WHY[@]}" -eq 0 ]; then
		pass "$1"
	else
		fail "$1" "$(IFS=';'; printf '%s' "${WHY[*]}" | sed 's/;/; /g')"
	fi
}

# unprefixed TAG: the first stderr line that does not start "exclusions:".
unprefixed() { grep -a -v -m 1 '^exclusions:' "$WORK/$1.err"; }

# -- 1. links to folders already read ----------------------------------------
cp -R "$SAMPLE" "$WORK/plain"
cp -R "$SAMPLE" "$WORK/linked"
ln -s . "$WORK/linked/test/profiler/loop"
ln -s ../profiler "$WORK/linked/test/profiler/sub"
ARGS=(--no-trunk --disabled-file "$SAMPLE_DISABLED" --fallback never --format lines)
run plain 20 --root "$WORK/plain" "${ARGS[@]}"
run linked 20 --root "$WORK/linked" "${ARGS[@]}"
WHY=()
[ "$RC" = 0 ] || WHY+=("exit status $RC (124: killed after 20 s)")
[ -s "$WORK/plain.out" ] || WHY+=("the tree without links gave no node ids: nothing to compare")
cmp -s "$WORK/plain.out" "$WORK/linked.out" ||
	WHY+=("stdout differs from the tree without links: $(diff "$WORK/plain.out" "$WORK/linked.out" | head -c 400 | tr '\n' '|')")
[ "$MS" -lt 5000 ] || WHY+=("took $MS ms")
grep -q -E '/(loop|sub)/' "$WORK/linked.out" && WHY+=("a node id through a link")
grep -q -E 'test tree: 3 files' "$WORK/linked.err" ||
	WHY+=("the tree is not the sample's 3 files: $(grep 'test tree' "$WORK/linked.err" | head -n 1)")
verdict "tree: loop -> . and sub -> ../profiler: the same stdout as without them, in $MS ms"

# Under -v the links passed over are named.
run linkedv 20 -v --root "$WORK/linked" "${ARGS[@]}"
WHY=()
for l in loop sub; do
	grep -q "profiler/$l: a link to a folder already read" "$WORK/linkedv.err" || WHY+=("-v does not name $l")
done
verdict "tree: -v names each link passed over"

# -- 2. corrected fallback ids are clean text --------------------------------
# A file of the tree holds the class the fallback line names elsewhere; its
# name has a newline, or a byte that is not UTF-8: no correction may point
# there (it could be neither printed nor deselected).
BAD=$WORK/badnames/test/profiler
mkdir -p "$BAD"
printf 'class TestKept(TestCase):\n    def test_k(self):\n        pass\n' >"$BAD/test_kept.py"
for name in "test_bad"$'\n'"line.py" "test_bad$(printf '\377')byte.py" "test_bad"$'\033'"esc.py"; do
	printf 'class TestMoved(TestCase):\n    def test_x(self):\n        pass\n' >"$BAD/$name"
done
printf '%s\n' test/profiler/test_kept.py::TestMoved::test_x test/profiler/test_kept.py::TestKept::test_k >"$WORK/fb.txt"
run badnames 20 --no-trunk --disabled-file "$EMPTY_JSON" --root "$WORK/badnames" \
	--fallback always --fallback-file "$WORK/fb.txt" --format lines
WHY=()
[ "$RC" = 0 ] || WHY+=("exit status $RC")
want=$(printf '%s\n' test/profiler/test_kept.py::TestKept::test_k test/profiler/test_kept.py::TestMoved::test_x)
[ "$(cat "$WORK/badnames.out")" = "$want" ] ||
	WHY+=("stdout is [$(head -c 300 "$WORK/badnames.out" | od -An -c | tr -s ' \n' ' ')], expected the two lines as given")
LC_ALL=C grep -q -P '[\x00-\x08\x0b-\x1f\x7f-\xff]' "$WORK/badnames.out" && WHY+=("stdout holds a control byte or a byte not ASCII")
line=$(unprefixed badnames)
[ -z "$line" ] || WHY+=("a stderr line without the prefix: [$line]")
grep -q 'stale entry test/profiler/test_kept.py::TestMoved::test_x' "$WORK/badnames.err" ||
	WHY+=("the stale line is not reported")
verdict "tree: fallback corrections never point at a file whose name is not clean text"

# -- 3. PyTorch's order: <method>_<parameters>_<device>[_<dtype>] ------------
# A tree laid out like PyTorch's test/test_ops.py of today: TestCommon is
# device-generic (cpu, cuda, mps), and its @ops test test_numpy_ref runs as
# test_numpy_ref_<op>_<device>_<dtype>; there is no test_numpy_ref_mps.
OPS=$WORK/ops
mkdir -p "$OPS/test"
printf '[pytest]\naddopts = -p no:cacheprovider\n' >"$OPS/pytest.ini"
cat >"$OPS/test/_ops_shim.py" <<'EOF'
"""Stand-ins for PyTorch's @ops and instantiate_device_type_tests: names as
PyTorch makes them, <method>_<op>_<device>_<dtype>."""
import unittest

DEVICES = ("cpu", "cuda", "mps")
op_db = ("nn.functional.conv_transpose1d", "nn.functional.group_norm", "add")


def ops(op_list, allowed_dtypes=("float32",)):
    def mark(fn):
        fn._shim_ops = (tuple(op_list), tuple(allowed_dtypes))
        return fn
    return mark


def _bind(fn):
    def test(self):
        return None
    test.__name__ = fn.__name__
    return test


def instantiate_device_type_tests(generic_cls, scope, allow_mps=False):
    base = generic_cls.__name__
    for device in DEVICES:
        attrs = {}
        for name, member in vars(generic_cls).items():
            if not name.startswith("test_"):
                continue
            spec = getattr(member, "_shim_ops", None)
            if spec is None:
                attrs["%s_%s" % (name, device)] = _bind(member)
                continue
            for op in spec[0]:
                for dtype in spec[1]:
                    attrs["%s_%s_%s_%s" % (name, op.replace(".", "_"), device, dtype)] = _bind(member)
        cls = type(base + device.upper(), (unittest.TestCase,), attrs)
        cls.__module__ = scope.get("__name__", cls.__module__)
        scope[cls.__name__] = cls
    del scope[base]
EOF
cat >"$OPS/test/test_ops.py" <<'EOF'
from unittest import TestCase

from _ops_shim import instantiate_device_type_tests, op_db, ops


class TestCommon(TestCase):
    @ops(op_db, allowed_dtypes=("float32", "float64"))
    def test_numpy_ref(self, device, dtype, op):
        pass

    def test_multiple_devices(self, device):
        pass


instantiate_device_type_tests(TestCommon, globals(), allow_mps=True)
EOF
SNAP24=$DATA/disabled-tests-condensed.2024-04-11.json
ENTRY=test_numpy_ref_mps_nn_functional_conv_transpose1d_mps_float32
OPS_ARGS=(--no-trunk --root "$OPS" --tests-dir test --platform mac --devices "cpu,cuda,mps" --fallback never --format lines)
if ! "$PY" -c 'import pytest' 2>/dev/null; then
	skip "tree: the 2024-04-11 snapshot against a test_ops-like tree" "$PY cannot import pytest"
	skip "tree: @ops tests cannot be named from the tree: nothing printed, each entry said" "$PY cannot import pytest"
	skip "tree: with --collected, a name in PyTorch's order is one pytest collects (and its dtype-less name each of its dtypes)" "$PY cannot import pytest"
elif [ ! -r "$SNAP24" ]; then
	skip "tree: the 2024-04-11 snapshot against a test_ops-like tree" "no snapshot at $SNAP24"
	skip "tree: @ops tests cannot be named from the tree: nothing printed, each entry said" "no snapshot at $SNAP24"
	skip "tree: with --collected, a name in PyTorch's order is one pytest collects (and its dtype-less name each of its dtypes)" "no snapshot at $SNAP24"
else
	(cd "$OPS" && env -u PYTEST_ADDOPTS PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
		"$PY" -m pytest --collect-only -q test) >"$WORK/ops.collected" 2>&1
	grep '::' "$WORK/ops.collected" | sort >"$WORK/ops.ids"
	# collected_all FILE: every line of FILE is a node id pytest collects
	# (or a prefix of some); prints the first one that is not.
	collected_all() {
		local id
		while IFS= read -r id; do
			[ -n "$id" ] || continue
			grep -q -F -- "$id" "$WORK/ops.ids" || { printf '%s' "$id"; return 1; }
		done <"$1"
	}
	run snap24 20 --disabled-file "$SNAP24" "${OPS_ARGS[@]}"
	WHY=()
	[ "$RC" = 0 ] || WHY+=("exit status $RC")
	[ -s "$WORK/ops.ids" ] || WHY+=("pytest collected nothing: $(tail -n 3 "$WORK/ops.collected" | tr '\n' ' ')")
	grep -q "TestCommonMPS::test_numpy_ref_nn_functional_conv_transpose1d_mps_float32" "$WORK/ops.ids" ||
		WHY+=("the shim does not name tests as PyTorch does")
	if ! bad=$(collected_all "$WORK/snap24.out"); then
		WHY+=("printed $bad, which pytest does not collect")
	fi
	# @ops names its tests after an op list: not from the source.
	grep -q -- "$ENTRY (__main__.TestCommonMPS).*cannot be named from the tree: test_numpy_ref of TestCommonMPS.*@ops" "$WORK/snap24.err" ||
		WHY+=("stderr does not report $ENTRY as one that cannot be named from the tree")
	verdict "tree: the 2024-04-11 snapshot against a test_ops-like tree: $ENTRY cannot be named from the tree (@ops), nothing printed pytest does not collect"

	printf '{"%s": ["1", "https://github.com/pytorch/pytorch/issues/1", []], "%s": ["2", "https://github.com/pytorch/pytorch/issues/2", []]}\n' \
		"test_numpy_ref_nn_functional_conv_transpose1d_mps_float32 (__main__.TestCommonMPS)" \
		"test_numpy_ref_add (__main__.TestCommonCUDA)" >"$WORK/order.json"
	# From the tree: @ops cannot be named, so nothing (no guessed name).
	run order_tree 20 --disabled-file "$WORK/order.json" "${OPS_ARGS[@]}"
	WHY=()
	[ ! -s "$WORK/order_tree.out" ] || WHY+=("stdout is [$(tr '\n' ' ' <"$WORK/order_tree.out")], expected nothing")
	[ "$(grep -c 'cannot be named from the tree' "$WORK/order_tree.err")" = 2 ] ||
		WHY+=("stderr does not say twice that the tests cannot be named from the tree")
	verdict "tree: @ops tests cannot be named from the tree: nothing printed, each entry said"
	# With pytest's own list, exact.
	run order 20 --disabled-file "$WORK/order.json" --collected "$WORK/ops.collected" "${OPS_ARGS[@]}"
	WHY=()
	want=$(printf '%s\n' test/test_ops.py::TestCommonCUDA::test_numpy_ref_add_cuda_float32 \
		test/test_ops.py::TestCommonCUDA::test_numpy_ref_add_cuda_float64 \
		test/test_ops.py::TestCommonMPS::test_numpy_ref_nn_functional_conv_transpose1d_mps_float32)
	[ "$(cat "$WORK/order.out")" = "$want" ] ||
		WHY+=("stdout is [$(tr '\n' ' ' <"$WORK/order.out")], expected [$(printf '%s' "$want" | tr '\n' ' ')]")
	if ! bad=$(collected_all "$WORK/order.out"); then
		WHY+=("printed $bad, which pytest does not collect")
	fi
	verdict "tree: with --collected, a name in PyTorch's order is one pytest collects (and its dtype-less name each of its dtypes)"
fi

# -- 4. --collected: the collateral is one warning ---------------------------
{
	echo "test/profiler/test_profiler.py::TestProfiler::test_kineto"
	for i in 0 1 2 3 4 5 6 7 8 9; do
		echo "test/profiler/test_profiler.py::TestProfiler::test_kineto_v$i"
	done
	echo
	echo "11 tests collected in 0.01s"
} >"$WORK/collected.txt"
printf '{"test_kineto (__main__.TestProfiler)": ["1", "https://github.com/pytorch/pytorch/issues/1", []]}\n' >"$WORK/kineto.json"
CARGS=(--no-trunk --disabled-file "$WORK/kineto.json" --root "$SAMPLE" --collected "$WORK/collected.txt" --fallback never)
run coll 20 "${CARGS[@]}"
run collv 20 -v "${CARGS[@]}"
WHY=()
[ "$RC" = 0 ] || WHY+=("exit status $RC")
[ "$(cat "$WORK/coll.out")" = "--deselect=test/profiler/test_profiler.py::TestProfiler::test_kineto" ] ||
	WHY+=("stdout is [$(head -c 300 "$WORK/coll.out")]")
n=$(grep -c 'collateral' "$WORK/coll.err")
[ "$n" = 1 ] || WHY+=("$n stderr lines about the collateral, expected 1")
grep -q '^exclusions: collateral: 10 collected tests removed by prefix only.*test_kineto_v0.*-v lists them all' "$WORK/coll.err" ||
	WHY+=("the line lacks the count, an example or the hint: $(grep collateral "$WORK/coll.err" | head -n 1)")
n=$(grep -c 'also removes' "$WORK/collv.err")
[ "$n" = 10 ] || WHY+=("-v lists $n collateral tests, expected 10")
verdict "tree: --collected: 10 collateral tests are one warning; -v lists each"

# 5. The test folder is the root itself (--tests-dir ., or the root's own
#    absolute path): node ids are relative to the root with no "./", which
#    pytest's --deselect would not match.
DOT=$WORK/dotroot
mkdir -p "$DOT"
cp "$SAMPLE"/test/profiler/*.py "$DOT"/
for spelling in . "$DOT" ./; do
	tag=dot-$(printf '%s' "$spelling" | tr -c '[:alnum:]' '_')
	run "$tag" 20 --no-trunk --root "$DOT" --tests-dir "$spelling" --disabled-file "$SAMPLE_DISABLED" \
		--fallback never --format lines
	WHY=()
	[ "$RC" = 0 ] || WHY+=("exit status $RC")
	[ -s "$WORK/$tag.out" ] || WHY+=("nothing printed")
	grep -q '^\./' "$WORK/$tag.out" && WHY+=("node ids start with ./: $(head -n 1 "$WORK/$tag.out")")
	grep -qx 'test_profiler.py::TestProfiler::test_kineto' "$WORK/$tag.out" ||
		WHY+=("no test_profiler.py::TestProfiler::test_kineto in [$(head -c 200 "$WORK/$tag.out")]")
	verdict "tree: --tests-dir $([ "$spelling" = "$DOT" ] && echo '<the root, absolute>' || echo "$spelling"): node ids without ./"
done
