#!/usr/bin/env bash
# PyTorch's runtime file (.pytorch-disabled-tests.json, FORMATS.md §6), both
# ways: --disabled-file reads its form {key: [url, [platforms]]} beside the
# published one, and --format pytorch writes it, ready for
# DISABLED_TESTS_FILE.  Then PyTorch's own harness (Debian's python3-torch)
# runs a small test file of ours with that file, and must skip exactly the
# intended tests; those cases are skipped when torch cannot be imported.
# No network: files, and a loopback server for the trunk case.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "pytorch: all" "$EXCLUSIONS is not built"
	exit 0
fi
FIX=$TESTDIR/fixtures/sample-disabled.json
SNAP=$DATA/disabled-tests-condensed.2026-08-21.json
ROOT=$TESTDIR/sample
EMPTY=$WORK/empty
mkdir -p "$EMPTY"
X() { "$EXCLUSIONS" --no-trunk "$@"; }
HAVE_PY=1
"$PY" -c 'import json' 2>/dev/null || HAVE_PY=

# ---- reading the runtime form --------------------------------------------

if [ -n "$HAVE_PY" ]; then
	# The sample list in the runtime form: the issue number dropped.
	"$PY" - "$FIX" "$WORK/runtime.json" "$WORK/intissues.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
json.dump({k: [u, p] for k, (i, u, p) in d.items()}, open(sys.argv[2], "w"), indent=2)
json.dump({k: [int(i), u, p] for k, (i, u, p) in d.items()}, open(sys.argv[3], "w"))
PYEOF
	want=$(X --disabled-file "$FIX" --root "$ROOT" --fallback never 2>/dev/null)
	got=$(X --disabled-file "$WORK/runtime.json" --root "$ROOT" --fallback never 2>"$WORK/err")
	expect_eq "pytorch: the runtime form gives the published form's node ids" "$want" "$got"
	check "pytorch: the runtime form: no malformed entry" test -z "$(grep malformed "$WORK/err")"
	got=$(X --disabled-file "$WORK/intissues.json" --root "$ROOT" --fallback never 2>"$WORK/err")
	expect_eq "pytorch: integer issue numbers are read" "$want" "$got"
	check "pytorch: integer issue numbers: no malformed entry" test -z "$(grep malformed "$WORK/err")"
else
	skip "pytorch: runtime form read" "no python3 to write the fixture"
fi

# The issue of a runtime entry comes from its URL's last part.
cat >"$WORK/mixed.json" <<'EOF'
{"test_kineto (__main__.TestProfiler)": ["https://github.com/pytorch/pytorch/issues/190101", []],
 "test_memory_profiler (__main__.TestProfiler)": ["https://tracker.example/T-7", ["linux"]],
 "test_fuzz_symbolize (__main__.TestExperimentalUtils)": [190106, "https://github.com/pytorch/pytorch/issues/190106", ["linux"]],
 "test_user_annotation (profiler.test_profiler.TestProfiler)": ["https://github.com/pytorch/pytorch/issues/190104", ["linux"], "extra"]}
EOF
X --disabled-file "$WORK/mixed.json" --root "$ROOT" --fallback never --format json >"$WORK/mixed.out" 2>"$WORK/err"
if [ -n "$HAVE_PY" ] && "$PY" - "$WORK/mixed.out" <<'PYEOF'
import json, sys
v = {o["key"]: o for o in json.load(open(sys.argv[1]))}
assert set(v) == {"test_kineto (__main__.TestProfiler)", "test_memory_profiler (__main__.TestProfiler)",
                  "test_fuzz_symbolize (__main__.TestExperimentalUtils)"}, v
assert v["test_kineto (__main__.TestProfiler)"]["issue"] == "190101"
assert v["test_memory_profiler (__main__.TestProfiler)"]["issue"] is None
assert v["test_memory_profiler (__main__.TestProfiler)"]["url"] == "https://tracker.example/T-7"
assert v["test_fuzz_symbolize (__main__.TestExperimentalUtils)"]["issue"] == "190106"
PYEOF
then pass "pytorch: both forms in one file, issues from the URL"
else fail "pytorch: both forms in one file, issues from the URL" "$(head -c 600 "$WORK/mixed.out")"; fi
check "pytorch: a runtime entry with three items is malformed" \
	grep -q 'skipped malformed entry "test_user_annotation (profiler.test_profiler.TestProfiler)": value has more than two items' "$WORK/err"

# ---- writing it: --format pytorch -----------------------------------------

# The whole published list, whatever the tree: with no tree at all, and
# nothing on stderr under -q.
X -q --disabled-file "$SNAP" --root "$EMPTY" --format pytorch >"$WORK/snap.rt" 2>"$WORK/err"; rc=$?
check "pytorch: works without a test tree (exit 0)" test "$rc" -eq 0
expect_eq "pytorch: without a test tree, nothing to warn about" "" "$(cat "$WORK/err")"
if [ -n "$HAVE_PY" ] && "$PY" - "$SNAP" "$WORK/snap.rt" <<'PYEOF'
import json, sys
pub = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
rt = json.loads(text)
known = "mac macos win windows linux rocm xpu asan dynamo dynamo_wrapped inductor slow".split()
canon = {"mac": "macos", "win": "windows"}
want = {}
for k, (issue, url, plats) in pub.items():
    seen, keep = set(), []
    for p in plats:
        if p in known and canon.get(p, p) not in seen:
            seen.add(canon.get(p, p))
            keep.append(p)
    want[k] = [url, keep]
assert rt == want, [k for k in set(rt) | set(want) if rt.get(k) != want.get(k)][:5]
lines = text.splitlines()
assert lines[0] == "{" and lines[-1] == "}" and len(lines) == len(pub) + 2, len(lines)
keys = [json.loads("{" + l.rstrip(",") + "}").popitem()[0] for l in lines[1:-1]]
assert keys == sorted(keys), "keys not sorted"
PYEOF
then pass "pytorch: every entry of the published list, in the runtime form, sorted, one a line"
else fail "pytorch: every entry of the published list, in the runtime form, sorted, one a line" "see above"; fi

X -q --disabled-file "$SNAP" --root "$ROOT" --format pytorch >"$WORK/snap2.rt" 2>/dev/null
check "pytorch: the test tree does not change the list's part" cmp -s "$WORK/snap.rt" "$WORK/snap2.rt"
X -q --disabled-file "$WORK/snap.rt" --root "$EMPTY" --format pytorch >"$WORK/snap3.rt" 2>/dev/null
check "pytorch: read back, it is written the same" cmp -s "$WORK/snap.rt" "$WORK/snap3.rt"
X -q --disabled-file "$SNAP" --root "$EMPTY" --format pytorch -o "$WORK/out.rt" 2>/dev/null; rc=$?
check "pytorch: -o writes the same as stdout" cmp -s "$WORK/snap.rt" "$WORK/out.rt"
check "pytorch: -o leaves no temporary file" test "$rc" -eq 0 -a "$(find "$WORK" -maxdepth 1 -name 'out.rt.*' | wc -l)" -eq 0
printf '{}' >"$WORK/none.json"
out=$(X -q --disabled-file "$WORK/none.json" --root "$EMPTY" --format pytorch --fallback never)
expect_eq "pytorch: nothing is an empty object" "{}" "$out"

# Re-enabled issues are not in it (the rest: test/t_reenable.sh).
out=$(REENABLED_ISSUES=190101 PR_BODY='Fixes #190106' X -q --disabled-file "$FIX" --root "$EMPTY" --format pytorch 2>/dev/null)
case $out in
*190101*|*190106*) fail "pytorch: re-enabled issues are left out" "$out" ;;
*'"test_ops (__main__.TestProfilerDeviceCPU)": ["https://github.com/pytorch/pytorch/issues/190102", []]'*)
	pass "pytorch: re-enabled issues are left out" ;;
*) fail "pytorch: re-enabled issues are left out" "$out" ;;
esac

# The fallback's node ids become keys "test (__main__.Class)", every
# platform, no URL (it has none).
printf 'test/profiler/test_profiler.py::TestProfiler::test_kineto\ntest/profiler/test_x.py::test_plain_function\n' >"$WORK/fb.txt"
printf '[' >"$WORK/broken.json"
out=$(X --disabled-file "$WORK/broken.json" --root "$EMPTY" --fallback-file "$WORK/fb.txt" --format pytorch 2>"$WORK/err")
want='{
  "test_kineto (__main__.TestProfiler)": ["", []]
}'
expect_eq "pytorch: the fallback as keys" "$want" "$out"
check "pytorch: a test without a class is left out, said once" \
	test "$(grep -c 'left out of --format pytorch: test/profiler/test_x.py::test_plain_function: it is not a test of a class' "$WORK/err")" -eq 1

# ---- trunk failures as keys (loopback GitHub, curl) -----------------------

trunk_case() {
	local cert=$WORK/cert.pem key=$WORK/key.pem api
	if ! command -v curl >/dev/null || ! command -v openssl >/dev/null || [ -z "$HAVE_PY" ]; then
		skip "pytorch: trunk failures as keys" "curl, openssl or python3 is missing"
		return
	fi
	if ! openssl req -x509 -newkey rsa:2048 -nodes -keyout "$key" -out "$cert" -days 2 \
		-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" >"$WORK/openssl.log" 2>&1; then
		skip "pytorch: trunk failures as keys" "openssl could not make a certificate"
		return
	fi
	if ! start_server --tls "$cert" "$key"; then
		fail "pytorch: trunk failures as keys" "test/server.py did not start"
		return
	fi
	api=https://127.0.0.1:$PORT/api/v3
	mkdir -p "$WORK/nogh"
	ln -sf "$(command -v curl)" "$WORK/nogh/curl"
	PATH=$WORK/nogh GITHUB_TOKEN=t CURL_CA_BUNDLE=$cert "$EXCLUSIONS" --api-url "$api" \
		--repo rt/basic --runs 2 --max-jobs 0 --root "$ROOT" --disabled-file "$WORK/none.json" \
		--fallback never --format pytorch --timeout 30 >"$WORK/trunk.rt" 2>"$WORK/trunk.err"
	# the run's web page: the API's host without /api/v3, as on an enterprise host
	if "$PY" - "$WORK/trunk.rt" "https://127.0.0.1:$PORT/rt/basic/actions/runs/" <<'PYEOF'
import json, sys
rt, base = json.load(open(sys.argv[1])), sys.argv[2]
# A pytest node id in a log, path::Class::test: "test (__main__.Class)";
# a unittest line "test (module.Class)" the same; the first run's URL; the
# platforms of the failed jobs (plain linux jobs in this scenario).
want = {
    "test_kineto (__main__.TestProfiler)": [base + "1001", ["linux"]],
    "test_fuzz_symbolize (__main__.TestExperimentalUtils)": [base + "1001", ["linux"]],
    "test_ops_cpu_float32 (__main__.TestProfilerDeviceCPU)": [base + "1002", ["linux"]],
}
for k, v in want.items():
    assert rt.get(k) == v, (k, rt.get(k), sorted(rt))
assert all(v[1] == ["linux"] and v[0].startswith(base) for v in rt.values()), rt
assert not any("test_broadcast" in k for k in rt), "a test outside this run's tree"
PYEOF
	then pass "pytorch: trunk failures as keys with their run's URL"
	else fail "pytorch: trunk failures as keys with their run's URL" "$(head -c 800 "$WORK/trunk.rt"; tail -n 5 "$WORK/trunk.err")"; fi
}
trunk_case

# ---- PyTorch's own harness ------------------------------------------------

# A stand-in for expecttest (not packaged by Debian), which common_utils
# imports.
STUB=$WORK/stub
mkdir -p "$STUB" "$WORK/h"
printf 'import unittest\nACCEPT = False\n\n\nclass TestCase(unittest.TestCase):\n    pass\n' >"$STUB/expecttest.py"
TORCH_PY=/usr/bin/python3
HARNESS_CASES="pytorch: harness: DISABLED_TESTS_FILE skips exactly the intended tests
pytorch: harness: the skip message is PyTorch's
pytorch: harness: --import-disabled-tests skips the same
pytorch: harness: parametrized tests, white space in keys: the tree scan names what the harness skips"

# torch_env CMD...: run CMD with nothing of ours in its environment but
# what the harness reads.
torch_env() {
	env -i PATH=/usr/bin:/bin HOME="$WORK/h" LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 \
		PYTHONPATH="$STUB" "$@"
}

if [ ! -x "$TORCH_PY" ] || ! (cd "$WORK/h" && torch_env timeout 120 "$TORCH_PY" -c 'import torch.testing._internal.common_utils') \
	>"$WORK/torch-import.log" 2>&1; then
	why=$(tail -n 1 "$WORK/torch-import.log" 2>/dev/null)
	while read -r c; do
		skip "$c" "cannot import torch.testing._internal.common_utils (python3-torch): ${why:-no $TORCH_PY}"
	done <<<"$HARNESS_CASES"
	exit 0
fi

cat >"$WORK/h/test_thing.py" <<'EOF'
from torch.testing._internal.common_utils import TestCase, run_tests


class TestThing(TestCase):
    def test_a(self):
        pass

    def test_b(self):
        pass

    def test_c(self):
        pass

    def test_d(self):
        pass

    def test_e_cpu_float32(self):
        pass

    def test_f(self):
        pass

    def test_g(self):
        pass

    def test_h(self):
        pass


if __name__ == "__main__":
    run_tests()
EOF
# The list: a (every platform), b (windows only), c (re-enabled by the
# pull request), e (its dtype-less name), f (kept), g (in the runtime form,
# read), and a test of another class; d comes from the fallback list.
cat >"$WORK/h/list.json" <<'EOF'
{"test_a (__main__.TestThing)": ["101", "https://github.com/pytorch/pytorch/issues/101", []],
 "test_b (__main__.TestThing)": ["102", "https://github.com/pytorch/pytorch/issues/102", ["win"]],
 "test_c (__main__.TestThing)": [103, "https://github.com/pytorch/pytorch/issues/103", []],
 "test_e (__main__.TestThing)": ["105", "https://github.com/pytorch/pytorch/issues/105", ["linux"]],
 "test_f (__main__.TestThing)": ["106", "https://github.com/pytorch/pytorch/issues/106", []],
 "test_g (__main__.TestThing)": ["https://github.com/pytorch/pytorch/issues/107", []],
 "test_h (__main__.TestOther)": ["108", "https://github.com/pytorch/pytorch/issues/108", []]}
EOF
printf 'test_thing.py::TestThing::test_d\n' >"$WORK/h/fb.txt"
(cd "$WORK/h" && PR_BODY='This fixes #103.' X --disabled-file list.json --fallback always \
	--fallback-file fb.txt --keep 'test_f (__main__.TestThing)' --format pytorch \
	-o .pytorch-disabled-tests.json 2>"$WORK/h.err")

# verdicts LOG: "name verdict" for each test, sorted.
verdicts() {
	sed -nE 's/^(test_[a-z_0-9]+) \(__main__\.TestThing[^)]*\) \.\.\. ([a-zA-Z]+).*/\1 \2/p' "$1" | sort
}
want="test_a skipped
test_b ok
test_c ok
test_d skipped
test_e_cpu_float32 skipped
test_f ok
test_g skipped
test_h ok"
(cd "$WORK/h" && torch_env DISABLED_TESTS_FILE="$WORK/h/.pytorch-disabled-tests.json" \
	timeout 300 "$TORCH_PY" test_thing.py -v) >"$WORK/h1.log" 2>&1
got=$(verdicts "$WORK/h1.log")
if [ "$got" = "$want" ]; then
	pass "pytorch: harness: DISABLED_TESTS_FILE skips exactly the intended tests"
else
	fail "pytorch: harness: DISABLED_TESTS_FILE skips exactly the intended tests" \
		"got [$(printf '%s' "$got" | paste -sd, -)]; $(tail -n 5 "$WORK/h1.log" | paste -sd'|' -)"
fi
check "pytorch: harness: the skip message is PyTorch's" grep -q \
	"^test_a (__main__.TestThing[^)]*) ... skipped .Test is disabled because an issue exists disabling it: https://github.com/pytorch/pytorch/issues/101 for allplatform" \
	"$WORK/h1.log"
(cd "$WORK/h" && torch_env timeout 300 "$TORCH_PY" test_thing.py -v \
	--import-disabled-tests "$WORK/h/.pytorch-disabled-tests.json") >"$WORK/h2.log" 2>&1
expect_eq "pytorch: harness: --import-disabled-tests skips the same" "$want" "$(verdicts "$WORK/h2.log")"

# PyTorch's own @parametrize and instantiate_parametrized_tests, keys with
# white space, a base name, a wrong order, a class prefix: what the harness
# skips is what the tree scan prints (issue 9).  torch 1.13's harness
# compares the suite as a substring of "module.Class" where FORMATS.md §2
# (today's harness) compares the class alone, as a prefix; with every key
# under __main__ and the file run as a script the two agree here.
mkdir -p "$WORK/hp"
cat >"$WORK/hp/test_param_thing.py" <<'EOF'
from torch.testing._internal.common_utils import (TestCase, instantiate_parametrized_tests,
                                                  parametrize, run_tests)


@instantiate_parametrized_tests
class TestParamThing(TestCase):
    @parametrize("n", [1, 2, 10])
    def test_p(self, n):
        pass

    @parametrize("flag", [True, False])
    @parametrize("mode", ["a", "b"])
    def test_s(self, flag, mode):
        pass

    @parametrize("x,y", [(1, 0.5), (-2, "z")])
    def test_t(self, x, y):
        pass

    def test_q(self):
        pass

    def test_r(self):
        pass


if __name__ == "__main__":
    run_tests()
EOF
cat >"$WORK/hp/list.json" <<'EOF'
{"test_p (__main__.TestParamThing)": ["201", "https://github.com/pytorch/pytorch/issues/201", []],
 "test_p_n_2  (__main__.TestParamThing)": ["202", "https://github.com/pytorch/pytorch/issues/202", []],
 "test_s_flag_False_mode_b\t(__main__.TestParamThing)": [203, "https://github.com/pytorch/pytorch/issues/203", []],
 "test_s_mode_a_flag_True (__main__.TestParamThing)": ["204", "https://github.com/pytorch/pytorch/issues/204", []],
 "test_t_x_1_y_0_5 (__main__.TestParam)": ["205", "https://github.com/pytorch/pytorch/issues/205", []],
 " test_q (__main__.TestParamThing) ": ["206", "https://github.com/pytorch/pytorch/issues/206", []],
 "test_t (__main__.TestParamThing)": ["207", "https://github.com/pytorch/pytorch/issues/207", []]}
EOF
(cd "$WORK/hp" && X --disabled-file list.json --root . --tests-dir . --fallback never --format lines \
	>"$WORK/hp.ids" 2>"$WORK/hp.err" &&
	X --disabled-file list.json --root . --tests-dir . --fallback never --format pytorch \
	-o .pytorch-disabled-tests.json 2>>"$WORK/hp.err")
(cd "$WORK/hp" && torch_env DISABLED_TESTS_FILE="$WORK/hp/.pytorch-disabled-tests.json" \
	timeout 300 "$TORCH_PY" test_param_thing.py -v) >"$WORK/hp.log" 2>&1
skipped=$(sed -nE 's/^(test_[A-Za-z_0-9.-]+) \(__main__\.TestParamThing[^)]*\) \.\.\. skipped.*/\1/p' "$WORK/hp.log" | sort)
printed=$(sed 's/^test_param_thing.py::TestParamThing:://' "$WORK/hp.ids" | sort)
want="test_p_n_2
test_q
test_s_flag_False_mode_b
test_t_x_1_y_0_5"
if [ "$skipped" = "$want" ] && [ "$printed" = "$want" ]; then
	pass "pytorch: harness: parametrized tests, white space in keys: the tree scan names what the harness skips"
else
	fail "pytorch: harness: parametrized tests, white space in keys: the tree scan names what the harness skips" \
		"harness skipped [$(printf '%s' "$skipped" | paste -sd, -)], printed [$(printf '%s' "$printed" | paste -sd, -)], want [$(printf '%s' "$want" | paste -sd, -)]; $(tail -n 3 "$WORK/hp.log" | paste -sd'|' -)"
fi
