#!/usr/bin/env bash
# Hand-kept lists (--extra FILE): Kineto's DESELECTED_TESTS lines pasted as
# they are, checked against the sample tree (stale lines reported with
# their corrections), issue URLs and platforms carried to the json and
# pytorch forms, always applied whatever the other sources did; and
# --no-disabled-list, which makes no request for the list at all.
#
# shellcheck source=test/lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TOP" || exit 1

FIXTURE=test/fixtures/sample-disabled.json
ROOT=test/sample
P=test/profiler

if [ ! -x "$EXCLUSIONS" ]; then
	fail extra "$EXCLUSIONS is not built"
	exit 0
fi

run_excl() { # run_excl NAME [ARGS...]: stdout, stderr, status into $WORK/NAME.*
	local name=$1; shift
	"$EXCLUSIONS" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
}
err_has() { # err_has NAME TAG ERE: a line of run TAG's stderr matches ERE
	if grep -qE -- "$3" "$WORK/$2.err"; then pass "$1"
	else fail "$1" "no stderr line matches [$3]: $(tr '\n' '|' <"$WORK/$2.err" | head -c 800)"; fi
}

# Lines as Kineto's config_<arch>.sh writes them, and the other shapes.
EXTRA=$WORK/deselected.txt
cat >"$EXTRA" <<'EOF'
# Kineto: tests to deselect on this architecture
    "test/profiler/test_profiler.py::TestProfiler::test_kineto"  # https://github.com/pytorch/pytorch/issues/123
'test/profiler/test_profiler.py::TestProfiler::test_script_payload'
test_memory_profiler (__main__.TestProfiler)   https://github.com/pytorch/pytorch/issues/7   platforms: linux, rocm

test/profiler/test_profiler_device.py::TestProfilerDevice::test_dynamic_toggle  # moved to a device-generic class
test/profiler/test_profiler.py::TestProfiler::test_gone   # https://github.com/pytorch/pytorch/issues/9
test_sync_cuda (__main__.TestProfilerCUDACUDA)  # platforms: rocm
test_nothing (__main__.TestProfiler)
bad line with words
"test/profiler/test_profiler.py::TestProfiler::test_unclosed
test/profiler/test_profiler.py::TestProfiler::test_user_annotation platforms: rcom
EOF

# --- the lines, alone (no list, no trunk) ----------------------------------
run_excl lines --no-disabled-list --no-trunk --extra "$EXTRA" --root "$ROOT" --format lines
want="$P/test_profiler.py::TestProfiler::test_gone
$P/test_profiler.py::TestProfiler::test_kineto
$P/test_profiler.py::TestProfiler::test_memory_profiler
$P/test_profiler.py::TestProfiler::test_script_payload
$P/test_profiler_device.py::TestProfilerDeviceCPU::test_dynamic_toggle_cpu
$P/test_profiler_device.py::TestProfilerDeviceCUDA::test_dynamic_toggle_cuda"
expect_eq "extra: quoted, commented and key lines; stale ones corrected or kept" "$want" "$(cat "$WORK/lines.out")"
expect_eq "extra: exit status 0" 0 "$(cat "$WORK/lines.rc")"
err_has "extra: stale device-generic line reported with file:line and its correction" lines \
	"^exclusions: extra: .*/deselected.txt:6: stale entry $P/test_profiler_device.py::TestProfilerDevice::test_dynamic_toggle: TestProfilerDevice is device-generic: .*; using $P/test_profiler_device.py::TestProfilerDeviceCPU::test_dynamic_toggle_cpu $P/test_profiler_device.py::TestProfilerDeviceCUDA::test_dynamic_toggle_cuda$"
err_has "extra: stale missing test reported with file:line" lines \
	"^exclusions: extra: .*/deselected.txt:7: stale entry $P/test_profiler.py::TestProfiler::test_gone: class TestProfiler has no test test_gone$"
err_has "extra: stale key reported" lines \
	"^exclusions: extra: .*/deselected.txt:9: stale entry test_nothing \(__main__.TestProfiler\): "
n=$(grep -c 'stale entry' "$WORK/lines.err")
expect_eq "extra: exactly the three stale lines" 3 "$n"
err_has "extra: a line of words is ignored, said once" lines \
	"^exclusions: extra: .*/deselected.txt:10: line ignored: neither a node id"
err_has "extra: a missing quote is said" lines "^exclusions: extra: .*/deselected.txt:11: line ignored: no closing \"$"
err_has "extra: an unknown platform is said" lines "^exclusions: extra: .*/deselected.txt:12: line ignored: unknown platform \"rcom\""
if grep -qE 'test_unclosed|test_user_annotation|test_sync_cuda' "$WORK/lines.out"; then
	fail "extra: ignored and other-platform lines print nothing" "$(cat "$WORK/lines.out")"
else
	pass "extra: ignored and other-platform lines print nothing"
fi
err_has "extra: one summary line" lines "^exclusions: extra: 7 lines from 1 file: 6 exclusions$"

# --- platforms -------------------------------------------------------------
run_excl rocm --no-disabled-list --no-trunk --extra "$EXTRA" --root "$ROOT" --format lines --platform rocm
if grep -qx "$P/test_profiler_device.py::TestProfilerCUDACUDA::test_sync_cuda" "$WORK/rocm.out" &&
	grep -qx "$P/test_profiler.py::TestProfiler::test_memory_profiler" "$WORK/rocm.out"; then
	pass "extra: platforms: rocm lines apply on rocm"
else
	fail "extra: platforms: rocm lines apply on rocm" "$(cat "$WORK/rocm.out")"
fi
run_excl mac --no-disabled-list --no-trunk --extra "$EXTRA" --root "$ROOT" --format lines --platform mac
if grep -q test_memory_profiler "$WORK/mac.out" || ! grep -q test_kineto "$WORK/mac.out"; then
	fail "extra: linux,rocm line not on mac, every-platform lines are" "$(cat "$WORK/mac.out")"
else
	pass "extra: linux,rocm line not on mac, every-platform lines are"
fi

# --- json and pytorch forms carry the issue, the URL, the platforms ----------
run_excl json --no-disabled-list --no-trunk --extra "$EXTRA" --root "$ROOT" --format json
if "$PY" - "$WORK/json.out" "$EXTRA" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
by = {x["node_id"]: x for x in doc}
k = by["test/profiler/test_profiler.py::TestProfiler::test_kineto"]
assert k["sources"] == ["extra"], k
r = k["reasons"][0]
assert r == {"source": "extra", "test": "test/profiler/test_profiler.py::TestProfiler::test_kineto",
             "issue": "123", "url": "https://github.com/pytorch/pytorch/issues/123",
             "platforms": [], "file": sys.argv[2] + ":2"}, r
m = by["test/profiler/test_profiler.py::TestProfiler::test_memory_profiler"]["reasons"][0]
assert m["key"] == "test_memory_profiler (__main__.TestProfiler)" and m["issue"] == "7", m
assert m["platforms"] == ["linux", "rocm"] and m["file"] == sys.argv[2] + ":4", m
EOF
then pass "extra: json reasons: source, test or key, issue, url, platforms, file:line"
else fail "extra: json reasons: source, test or key, issue, url, platforms, file:line" "$(head -c 800 "$WORK/json.out")"; fi

run_excl pt --no-disabled-list --no-trunk --extra "$EXTRA" --root "$ROOT" --format pytorch --platform rocm
if "$PY" - "$WORK/pt.out" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["test_kineto (__main__.TestProfiler)"] == ["https://github.com/pytorch/pytorch/issues/123", []], doc
assert doc["test_memory_profiler (__main__.TestProfiler)"] == ["https://github.com/pytorch/pytorch/issues/7", ["linux", "rocm"]], doc
assert doc["test_sync_cuda (__main__.TestProfilerCUDACUDA)"] == ["", ["rocm"]], doc
assert doc["test_script_payload (__main__.TestProfiler)"] == ["", []], doc
# A key that names no test of the tree still goes to the runtime file:
# PyTorch's harness does the matching.
assert doc["test_nothing (__main__.TestProfiler)"] == ["", []], doc
EOF
then pass "extra: pytorch form: keys with the lines' URLs and platforms"
else fail "extra: pytorch form: keys with the lines' URLs and platforms" "$(head -c 800 "$WORK/pt.out")"; fi

# --- always applied, beside the list; not counted by the fallback rule ------
run_excl withlist --no-trunk --disabled-file "$FIXTURE" --extra "$EXTRA" --root "$ROOT" --format lines
if grep -qx "$P/test_profiler.py::TestProfiler::test_script_payload" "$WORK/withlist.out" &&
	grep -qx "$P/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize" "$WORK/withlist.out"; then
	pass "extra: applied beside the list's entries"
else
	fail "extra: applied beside the list's entries" "$(cat "$WORK/withlist.out")"
fi
printf '[' >"$WORK/broken.json"
printf '%s\n' "$P/test_profiler.py::TestProfiler::test_user_annotation" >"$WORK/fb.txt"
run_excl broken --no-trunk --disabled-file "$WORK/broken.json" --fallback-file "$WORK/fb.txt" \
	--extra "$EXTRA" --root "$ROOT" --format lines
if grep -qx "$P/test_profiler.py::TestProfiler::test_user_annotation" "$WORK/broken.out" &&
	grep -qx "$P/test_profiler.py::TestProfiler::test_kineto" "$WORK/broken.out" &&
	grep -q 'fallback: every source failed' "$WORK/broken.err"; then
	pass "extra: the list failed: fallback used, and the extra lines too"
else
	fail "extra: the list failed: fallback used, and the extra lines too" "$(cat "$WORK/broken.out") | $(tr '\n' '|' <"$WORK/broken.err" | head -c 600)"
fi

# Repeatable: both files apply.
printf 'test_fuzz_symbolize (__main__.TestExperimentalUtils)\n' >"$WORK/second.txt"
run_excl two --no-disabled-list --no-trunk --extra "$EXTRA" --extra "$WORK/second.txt" --root "$ROOT" --format lines
if grep -q test_fuzz_symbolize "$WORK/two.out" && grep -q test_kineto "$WORK/two.out"; then
	pass "extra: repeatable, every file applies"
else
	fail "extra: repeatable, every file applies" "$(cat "$WORK/two.out")"
fi

# Against pytest's collected ids: stale is "matches no collected test".
cat >"$WORK/collected.txt" <<EOF
$P/test_profiler.py::TestProfiler::test_kineto
$P/test_profiler.py::TestProfiler::test_kineto_profiler_api

2 tests collected in 0.01s
EOF
printf '%s\n' "$P/test_profiler.py::TestProfiler::test_kineto" "$P/test_profiler.py::TestProfiler::test_gone" >"$WORK/c.txt"
run_excl coll --no-disabled-list --no-trunk --collected "$WORK/collected.txt" --extra "$WORK/c.txt" --root "$ROOT" --format lines
err_has "extra: checked against the collected ids" coll \
	"^exclusions: extra: .*/c.txt:2: stale entry $P/test_profiler.py::TestProfiler::test_gone: matches no collected test$"

# Re-enabling an issue drops the extra line that names it.
REENABLED_ISSUES=123 run_excl reen --no-disabled-list --no-trunk --extra "$EXTRA" --root "$ROOT" --format lines
if grep -q 'TestProfiler::test_kineto$' "$WORK/reen.out" || ! grep -q test_script_payload "$WORK/reen.out"; then
	fail "extra: a re-enabled issue drops its line" "$(cat "$WORK/reen.out")"
else
	pass "extra: a re-enabled issue drops its line"
fi

# The fallback file takes the same lines.
printf '"%s"  # https://github.com/pytorch/pytorch/issues/5 platforms: rocm\n%s\n' \
	"$P/test_profiler.py::TestProfiler::test_kineto" "$P/test_profiler.py::TestProfiler::test_user_annotation" >"$WORK/fb2.txt"
run_excl fb2 --no-trunk --disabled-file "$WORK/broken.json" --fallback-file "$WORK/fb2.txt" --root "$ROOT" --format lines
expect_eq "extra: --fallback-file takes the same lines (quotes, platforms)" \
	"$P/test_profiler.py::TestProfiler::test_user_annotation" "$(cat "$WORK/fb2.out")"

# Usage: a missing file is found before anything runs.
"$EXCLUSIONS" --extra "$WORK/missing.txt" --root "$ROOT" >"$WORK/u.out" 2>"$WORK/u.err"; rc=$?
if usage_error_shape "$rc" "$WORK/u.out" "$WORK/u.err" && grep -q '^exclusions: --extra: .*missing.txt: No such file' "$WORK/u.err"; then
	pass "extra: a missing file is a usage error"
else
	fail "extra: a missing file is a usage error" "status $rc: $(tr '\n' '|' <"$WORK/u.err")"
fi

# --- --no-disabled-list: no request for the list ----------------------------
mkdir -p "$WORK/www"
cp "$FIXTURE" "$WORK/www/list.json"
NOLIST_CASES=("no-disabled-list: the control run fetches the list" "no-disabled-list: only the other sources print"
	"no-disabled-list: says the list is off" "no-disabled-list: no list read")
if ! command -v curl >/dev/null; then
	for c in "${NOLIST_CASES[@]}"; do skip "$c" "curl is not installed"; done
elif ! start_server --root "$WORK/www"; then
	for c in "${NOLIST_CASES[@]}"; do skip "$c" "the test server did not start"; done
else
	URL="http://127.0.0.1:$PORT/data/list.json"
	run_excl withurl --no-trunk --disabled-url "$URL" --root "$ROOT" --format lines
	run_excl nolist --no-trunk --disabled-url "$URL" --no-disabled-list --extra "$WORK/second.txt" --root "$ROOT" --format lines
	asked=$(grep -c '^request: GET /data/list.json' "$WORK/server.log")
	# The control run asked once; the --no-disabled-list run did not.
	if [ "$asked" = 1 ] && grep -q test_kineto "$WORK/withurl.out"; then
		pass "no-disabled-list: the control run fetches the list"
	else
		fail "no-disabled-list: the control run fetches the list" "$asked requests; $(cat "$WORK/withurl.out")"
	fi
	expect_eq "no-disabled-list: only the other sources print" \
		"$P/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize" "$(cat "$WORK/nolist.out")"
	err_has "no-disabled-list: says the list is off" nolist \
		"^exclusions: disabled list: turned off \(--no-disabled-list\): the list given is neither fetched nor read$"
	if grep -q 'disabled list: .*entries' "$WORK/nolist.err"; then
		fail "no-disabled-list: no list read" "$(tr '\n' '|' <"$WORK/nolist.err")"
	else
		pass "no-disabled-list: no list read"
	fi
fi
# Every source off: the fallback only when asked for always.
run_excl off --no-disabled-list --no-trunk --root "$ROOT" --format lines
expect_eq "no-disabled-list: with --no-trunk, auto prints nothing" "" "$(cat "$WORK/off.out")"
err_has "no-disabled-list: says why the fallback was not used" off \
	"^exclusions: fallback: not used \(--fallback auto\): every source is turned off$"
run_excl offalways --no-disabled-list --no-trunk --root "$ROOT" --format lines --fallback always \
	--fallback-file "$WORK/fb.txt"
expect_eq "no-disabled-list: --fallback always still prints the fallback" \
	"$P/test_profiler.py::TestProfiler::test_user_annotation" "$(cat "$WORK/offalways.out")"
