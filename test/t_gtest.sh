#!/usr/bin/env bash
# C++ tests: hand-kept lines that name gtest tests ("Suite.Test",
# parametrized "Prefix/Suite.Test/0") and --format gtest, checked against a
# small gtest binary of ours (test/gtest/sample_test.cc, built here with
# g++ and Debian's libgtest-dev; SKIP when either is missing).  What the
# binary itself lists (--gtest_list_tests) and runs under our filter must
# be exactly its tests minus the intended ones, with no base filter, with
# a positive base (--gtest-base, GTEST_FILTER), and with a base that has
# its own negative part.
#
# shellcheck source=test/lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TOP" || exit 1

if [ ! -x "$EXCLUSIONS" ]; then
	fail gtest "$EXCLUSIONS is not built"
	exit 0
fi

run_excl() { # run_excl NAME [ARGS...]: stdout, stderr, status into $WORK/NAME.*
	local name=$1; shift
	"$EXCLUSIONS" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
}

# --- the parts that need no gtest binary ----------------------------------
EXTRA=$WORK/cpp.txt
cat >"$EXTRA" <<'EOF'
# Kineto's C++ tests, kept out by hand
TraceTest.Broken  # https://github.com/pytorch/kineto/issues/11
"Sizes/ParamTest.Works/1" https://github.com/pytorch/kineto/issues/12 platforms: linux, rocm
'ProfilerTest.Broken'
ProfilerTest.RocmOnly  platforms: rocm
# the Python lines beside them stay Python lines
test/profiler/test_profiler.py::TestProfiler::test_kineto
test_memory_profiler (__main__.TestProfiler)
test/profiler/test_profiler.py
EOF
NEG='TraceTest.Broken:Sizes/ParamTest.Works/1:ProfilerTest.Broken'
SORTED_NEG='ProfilerTest.Broken:Sizes/ParamTest.Works/1:TraceTest.Broken'
COMMON=(--no-disabled-list --no-trunk --extra "$EXTRA" --root test/sample)

run_excl plain "${COMMON[@]}" --format gtest
expect_eq "gtest: --format gtest prints the C++ lines, sorted, each once" \
	"0:--gtest_filter=-$SORTED_NEG" "$(cat "$WORK/plain.rc"):$(cat "$WORK/plain.out")"
if grep -q 'stale' "$WORK/plain.err"; then
	fail "gtest: gtest lines are not checked against the Python tree" "$(grep stale "$WORK/plain.err")"
else
	pass "gtest: gtest lines are not checked against the Python tree"
fi
if grep -q 'line ignored' "$WORK/plain.err"; then
	fail "gtest: no line ignored" "$(cat "$WORK/plain.err")"
else
	pass "gtest: no line ignored"
fi
# Without a Python test tree the gtest form has nothing to warn about.
run_excl notree -q --no-disabled-list --no-trunk --extra "$EXTRA" --root "$WORK" --format gtest
expect_eq "gtest: no test tree: no warning, the same line" "0::--gtest_filter=-$SORTED_NEG" \
	"$(cat "$WORK/notree.rc"):$(cat "$WORK/notree.err"):$(cat "$WORK/notree.out")"
if grep -q '^exclusions: extra: 7 lines from 1 file: 6 exclusions$' "$WORK/plain.err"; then
	pass "gtest: the extra source counts the gtest lines"
else
	fail "gtest: the extra source counts the gtest lines" "$(cat "$WORK/plain.err")"
fi

run_excl rocm "${COMMON[@]}" --format gtest --platform rocm
expect_eq "gtest: platforms: the rocm line only on rocm" \
	"--gtest_filter=-ProfilerTest.Broken:ProfilerTest.RocmOnly:Sizes/ParamTest.Works/1:TraceTest.Broken" \
	"$(cat "$WORK/rocm.out")"

run_excl lines "${COMMON[@]}" --format lines
if grep -qE 'Broken|ParamTest|RocmOnly' "$WORK/lines.out" ||
	! grep -qx 'test/profiler/test_profiler.py::TestProfiler::test_kineto' "$WORK/lines.out"; then
	fail "gtest: the pytest forms leave the C++ tests out, keep the Python ones" "$(cat "$WORK/lines.out")"
else
	pass "gtest: the pytest forms leave the C++ tests out, keep the Python ones"
fi

run_excl json "${COMMON[@]}" --format json
if "$PY" - "$WORK/json.out" "$EXTRA" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
g = {x["gtest"]: x for x in doc if "gtest" in x}
assert sorted(g) == ["ProfilerTest.Broken", "Sizes/ParamTest.Works/1", "TraceTest.Broken"], g
p = g["Sizes/ParamTest.Works/1"]
assert p["node_id"] is None and p["sources"] == ["extra"], p
assert p["reasons"] == [{"source": "extra", "test": "Sizes/ParamTest.Works/1", "issue": "12",
                         "url": "https://github.com/pytorch/kineto/issues/12",
                         "platforms": ["linux", "rocm"], "file": sys.argv[2] + ":3"}], p
assert g["TraceTest.Broken"]["reasons"][0]["issue"] == "11", g
# the Python ones have no gtest marker
assert any(x["node_id"] == "test/profiler/test_profiler.py::TestProfiler::test_kineto" and "gtest" not in x
           for x in doc), doc
EOF
then pass "gtest: json marks the C++ tests (\"gtest\": \"Suite.Test\") with issue, url, platforms, file:line"
else fail "gtest: json marks the C++ tests" "$(head -c 900 "$WORK/json.out")"; fi

run_excl pt "${COMMON[@]}" --format pytorch
if "$PY" - "$WORK/pt.out" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
assert not [k for k in doc if "Broken" in k or "ParamTest" in k], doc
assert "test_memory_profiler (__main__.TestProfiler)" in doc, doc
EOF
then pass "gtest: --format pytorch leaves the C++ tests out"
else fail "gtest: --format pytorch leaves the C++ tests out" "$(cat "$WORK/pt.out")"; fi

run_excl sum "${COMMON[@]}" --format gtest --summary "$WORK/summary.md"
if grep -qxF '| <code>Sizes/ParamTest.Works/1</code> (gtest) | extra | [\#12](https://github.com/pytorch/kineto/issues/12) |' "$WORK/summary.md" 2>/dev/null; then
	pass "gtest: the job summary lists the C++ tests with their issue"
else
	fail "gtest: the job summary lists the C++ tests with their issue" "$(cat "$WORK/summary.md" 2>/dev/null)"
fi

run_excl keep "${COMMON[@]}" --format gtest --keep TraceTest.Broken --keep 'Broken (TraceTest.X)'
expect_eq "gtest: --keep Suite.Test runs that test (a key does not touch C++ tests)" \
	"--gtest_filter=-ProfilerTest.Broken:Sizes/ParamTest.Works/1" "$(cat "$WORK/keep.out")"

REENABLED_ISSUES=12 run_excl reen "${COMMON[@]}" --format gtest
expect_eq "gtest: a re-enabled issue runs its C++ test" \
	"--gtest_filter=-ProfilerTest.Broken:TraceTest.Broken" "$(cat "$WORK/reen.out")"

printf '%s\n' 'ProfilerTest.Broken https://github.com/pytorch/kineto/issues/13' >"$WORK/fb.txt"
run_excl fb --no-disabled-list --no-trunk --fallback always --fallback-file "$WORK/fb.txt" --format gtest
expect_eq "gtest: the fallback file takes gtest lines" "--gtest_filter=-ProfilerTest.Broken" "$(cat "$WORK/fb.out")"

# None: an empty line, or the base alone.
printf '%s\n' 'test_memory_profiler (__main__.TestProfiler)' >"$WORK/py.txt"
run_excl none --no-disabled-list --no-trunk --extra "$WORK/py.txt" --format gtest
expect_eq "gtest: no C++ exclusion: one empty line, status 0" "0:1:" \
	"$(cat "$WORK/none.rc"):$(wc -l <"$WORK/none.out"):$(cat "$WORK/none.out")"
run_excl nonebase --no-disabled-list --no-trunk --extra "$WORK/py.txt" --format gtest --gtest-base 'ProfilerTest.*'
expect_eq "gtest: no C++ exclusion with a base: the base alone" "--gtest_filter=ProfilerTest.*" "$(cat "$WORK/nonebase.out")"

# A bad base: one clear line, nothing printed, nothing run.
for bad in 'ProfilerTest.* -x' 'A.b;touch x' "$(printf 'A.b\nC.d')"; do
	run_excl bad "${COMMON[@]}" --format gtest --gtest-base "$bad"
	if usage_error_shape "$(cat "$WORK/bad.rc")" "$WORK/bad.out" "$WORK/bad.err" &&
		grep -q '^exclusions: --gtest-base: not a gtest filter (a gtest filter has only letters, digits and _ \. / \* ? : -): "' "$WORK/bad.err"; then
		pass "gtest: bad --gtest-base [${bad//$'\n'/\\n}] is one usage error"
	else
		fail "gtest: bad --gtest-base [${bad//$'\n'/\\n}] is one usage error" "rc $(cat "$WORK/bad.rc"): $(cat "$WORK/bad.out" "$WORK/bad.err")"
	fi
done
GTEST_FILTER='A b' run_excl badenv "${COMMON[@]}" --format gtest
if usage_error_shape "$(cat "$WORK/badenv.rc")" "$WORK/badenv.out" "$WORK/badenv.err" &&
	grep -q '^exclusions: GTEST_FILTER: not a gtest filter' "$WORK/badenv.err"; then
	pass "gtest: a bad GTEST_FILTER is one usage error naming it"
else
	fail "gtest: a bad GTEST_FILTER is one usage error naming it" "$(cat "$WORK/badenv.out" "$WORK/badenv.err")"
fi
GTEST_FILTER='A b' run_excl envother "${COMMON[@]}" --format lines
expect_eq "gtest: GTEST_FILTER is not read for the pytest forms" 0 "$(cat "$WORK/envother.rc")"
run_excl baseother "${COMMON[@]}" --format lines --gtest-base 'A.*'
if usage_error_shape "$(cat "$WORK/baseother.rc")" "$WORK/baseother.out" "$WORK/baseother.err" &&
	grep -q '^exclusions: --gtest-base goes with --format gtest$' "$WORK/baseother.err"; then
	pass "gtest: --gtest-base without --format gtest is a usage error"
else
	fail "gtest: --gtest-base without --format gtest is a usage error" "$(cat "$WORK/baseother.err")"
fi

# --- against the gtest binary ----------------------------------------------
if ! command -v g++ >/dev/null 2>&1; then
	skip "gtest: the sample binary" "no g++ (apt-get install g++ libgtest-dev)"
	exit 0
fi
if ! printf '#include <gtest/gtest.h>\n' | g++ -E -x c++ - >/dev/null 2>&1; then
	skip "gtest: the sample binary" "no gtest headers (apt-get install libgtest-dev)"
	exit 0
fi
BIN=$WORK/sample_test
if ! g++ -o "$BIN" "$TESTDIR/gtest/sample_test.cc" -lgtest -lgtest_main -pthread 2>"$WORK/gxx.err"; then
	if grep -qE 'cannot find -lgtest|lgtest_main' "$WORK/gxx.err"; then
		skip "gtest: the sample binary" "no gtest library (apt-get install libgtest-dev)"
	else
		fail "gtest: the sample binary builds" "$(head -c 800 "$WORK/gxx.err")"
	fi
	exit 0
fi
pass "gtest: the sample binary builds"

# list_names: the full names in the --gtest_list_tests output on stdin
# ("Suite." then "  Test" lines, "  # GetParam() = 1" notes), sorted.
list_names() {
	awk '
		/^Running main/ { next }
		/^[^ ]/ { suite = $1; next }
		/^  [^ ]/ { print suite $1 }' | sort
}
# ran TAG [ARGS...]: run the binary with ARGS; the full names it ran into
# $WORK/TAG.ran (sorted), its status into $WORK/TAG.rc, the names of
# those that failed into $WORK/TAG.failed.
ran() {
	local tag=$1; shift
	"$BIN" "$@" >"$WORK/$tag.log" 2>&1
	echo $? >"$WORK/$tag.rc"
	sed -n 's/^\[ RUN      \] //p' "$WORK/$tag.log" | sort >"$WORK/$tag.ran"
	sed -n 's/^\[  FAILED  \] \([^ ,]*\)\(, where.*\)\{0,1\} ([0-9]* ms)$/\1/p' "$WORK/$tag.log" |
		sort >"$WORK/$tag.failed"
}
# minus A B: the names of list A (one a line) not in B (':'-separated).
minus() {
	tr ':' '\n' <<<"$2" | sort >"$WORK/minus.b"
	comm -23 <(printf '%s\n' "$1") "$WORK/minus.b"
}

ALL=$("$BIN" --gtest_list_tests | list_names)
expect_eq "gtest: the binary lists its 12 tests" 12 "$(printf '%s\n' "$ALL" | grep -c .)"
# The broken ones fail without a filter (else the runs below prove nothing).
ran nofilter
expect_eq "gtest: without a filter the broken tests fail" \
	"1:ProfilerTest.Broken Sizes/ParamTest.Works/1 TraceTest.Broken" \
	"$(cat "$WORK/nofilter.rc"):$(paste -sd' ' "$WORK/nofilter.failed")"

# check_filter NAME FILTER-LINE EXPECTED [ENV=VALUE...]: the binary lists
# and runs exactly EXPECTED under our line, and passes.
check_filter() {
	local name=$1 line=$2 want=$3; shift 3
	local got
	got=$(env "$@" "$BIN" --gtest_list_tests "$line" | list_names)
	expect_eq "gtest: $name: --gtest_list_tests lists exactly the intended tests" "$want" "$got"
	env "$@" "$BIN" "$line" >"$WORK/run.log" 2>&1
	echo $? >"$WORK/run.rc"
	got=$(sed -n 's/^\[ RUN      \] //p' "$WORK/run.log" | sort)
	expect_eq "gtest: $name: the run runs exactly them, and passes" "0:$want" "$(cat "$WORK/run.rc"):$got"
}

check_filter "no base" "$(cat "$WORK/plain.out")" "$(minus "$ALL" "$NEG")"
check_filter "rocm" "$(cat "$WORK/rocm.out")" "$(minus "$ALL" "$NEG:ProfilerTest.RocmOnly")"

# A positive base: only its tests, minus ours.
run_excl pos "${COMMON[@]}" --format gtest --gtest-base 'ProfilerTest.*:Sizes/*'
expect_eq "gtest: a positive base gets '-' and the names" \
	"--gtest_filter=ProfilerTest.*:Sizes/*-$SORTED_NEG" "$(cat "$WORK/pos.out")"
check_filter "positive base" "$(cat "$WORK/pos.out")" \
	"$(minus "$(printf '%s\n' "$ALL" | grep -E '^(ProfilerTest\.|Sizes/)')" "$NEG")"

# The same base from GTEST_FILTER, which the binary itself reads too: our
# flag, which holds it, is what the binary obeys.
GTEST_FILTER='TraceTest.*' run_excl env "${COMMON[@]}" --format gtest
expect_eq "gtest: GTEST_FILTER is the base when --gtest-base is not given" \
	"--gtest_filter=TraceTest.*-$SORTED_NEG" "$(cat "$WORK/env.out")"
check_filter "GTEST_FILTER base" "$(cat "$WORK/env.out")" "TraceTest.Parse" GTEST_FILTER='TraceTest.*'
GTEST_FILTER='' run_excl envempty "${COMMON[@]}" --format gtest
expect_eq "gtest: an empty GTEST_FILTER is no base" "--gtest_filter=-$SORTED_NEG" "$(cat "$WORK/envempty.out")"
GTEST_FILTER='TraceTest.*' run_excl envwins "${COMMON[@]}" --format gtest --gtest-base 'Typed*'
expect_eq "gtest: --gtest-base wins over GTEST_FILTER" \
	"--gtest_filter=Typed*-$SORTED_NEG" "$(cat "$WORK/envwins.out")"

# A base with its own negative part: ':' and the names after it.
run_excl neg "${COMMON[@]}" --format gtest --gtest-base 'ProfilerTest.*:TraceTest*-ProfilerTest.Other:TraceTestExtra.*'
expect_eq "gtest: a base with a negative part gets ':' and the names" \
	"--gtest_filter=ProfilerTest.*:TraceTest*-ProfilerTest.Other:TraceTestExtra.*:$SORTED_NEG" \
	"$(cat "$WORK/neg.out")"
check_filter "base with a negative part" "$(cat "$WORK/neg.out")" \
	"$(printf '%s\n' ProfilerTest.Basic ProfilerTest.RocmOnly TraceTest.Parse | sort)"

# Only a negative part, and '*'.
run_excl onlyneg "${COMMON[@]}" --format gtest --gtest-base '-Typed*'
expect_eq "gtest: a base that is only a negative part" "--gtest_filter=-Typed*:$SORTED_NEG" "$(cat "$WORK/onlyneg.out")"
check_filter "negative-only base" "$(cat "$WORK/onlyneg.out")" \
	"$(minus "$(printf '%s\n' "$ALL" | grep -v '^Typed')" "$NEG")"
run_excl star "${COMMON[@]}" --format gtest --gtest-base '*'
check_filter "base *" "$(cat "$WORK/star.out")" "$(minus "$ALL" "$NEG")"

# No C++ exclusion: the empty line, word-split away, runs everything.
read -r NONE <"$WORK/none.out"
# shellcheck disable=SC2086 # the empty line must vanish, as $EXCLUSIONS does
ran none $NONE
expect_eq "gtest: the empty line runs every test" "$ALL" "$(cat "$WORK/none.ran")"
