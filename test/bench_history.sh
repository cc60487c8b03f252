#!/usr/bin/env bash
# Benchmark (part of make bench): the cost of --history FILE on a run, as a
# ratio to the same run without it.  The history holds 10,000 recorded
# runs and 1,000 tests (1,000 open periods, 1,000 ended ones); the run
# excludes the same 1,000 tests (a generated list, no test tree), so each
# measured run reads, updates and rewrites the whole file under its lock.
# Run lines as the tool writes them are read without the JSON scanner and
# written back as read, so much of what is left is the file's I/O: writing
# it, its fsync, and the removal of the old one it replaces.
# Prints figures, asserts nothing.  KEEP=1 leaves the generated files.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
GEN=$TOP/test/bench_gen.py
EXCL=${EXCLUSIONS:-$TOP/exclusions}
RUNS=${BENCH_RUNS:-5}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/exclusions-bench-history.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
mkdir -p "$TMP/empty"

"$PY" - "$TMP" <<'PYEOF'
import json, sys
d = sys.argv[1]
T0, DAY, RUNS, TESTS = 1700000000, 3600, 10000, 1000
keys = ["test_h%04d (__main__.TestBench)" % i for i in range(TESTS)]
with open(d + "/list.json", "w") as f:
    json.dump({k: [str(100000 + i), "https://github.com/pytorch/pytorch/issues/%d" % (100000 + i), []]
               for i, k in enumerate(keys)}, f, indent=2)
with open(d + "/history.jsonl", "w") as f:
    f.write('{"exclusions_history":1}\n')
    for r in range(1, RUNS + 1):
        f.write('{"run":%d,"t":%d,"platforms":"linux","excluded":%d,"sources":{"disabled-list":%d}}\n'
                % (r, T0 + r * DAY, TESTS, TESTS))
    for i, k in enumerate(keys):
        # an ended period, then the open one
        f.write(json.dumps({"test": k, "first": T0 + DAY, "last": T0 + 50 * DAY, "runs": 50,
                            "sources": ["disabled-list"], "issues": [str(100000 + i)], "ended": 51},
                           separators=(",", ":")) + "\n")
        f.write(json.dumps({"test": k, "first": T0 + 60 * DAY, "last": T0 + RUNS * DAY, "runs": RUNS - 59,
                            "sources": ["disabled-list"], "issues": [str(100000 + i)],
                            "url": "https://github.com/pytorch/pytorch/issues/%d" % (100000 + i)},
                           separators=(",", ":")) + "\n")
PYEOF
size=$(wc -c <"$TMP/history.jsonl")
common=(--no-trunk --disabled-file "$TMP/list.json" --root "$TMP/empty" --filter '' --fallback never -q -o "$TMP/out")
read -r base_s base_kb base_rc < <("$PY" "$GEN" measure --runs "$RUNS" -- "$EXCL" "${common[@]}")
read -r hist_s hist_kb hist_rc < <("$PY" "$GEN" measure --runs "$RUNS" -- \
	env EXCLUSIONS_NOW=1800000000 "$EXCL" "${common[@]}" --history "$TMP/history.jsonl")
runs=$(grep -c '^{"run"' "$TMP/history.jsonl")
awk -v b="$base_s" -v h="$hist_s" -v bk="$base_kb" -v hk="$hist_kb" -v sz="$size" -v br="$base_rc" -v hr="$hist_rc" -v n="$runs" -v r="$RUNS" 'BEGIN {
	printf "--history, 1,000 tests excluded, a history of 10,000 runs (%.2f MB), best of %d:\n", sz / 1e6, r
	printf "  without --history   %8.2f ms  peak %6.1f MB  status %s\n", b * 1000, bk * 1024 / 1e6, br
	printf "  with --history      %8.2f ms  peak %6.1f MB  status %s\n", h * 1000, hk * 1024 / 1e6, hr
	if (b > 0) printf "  ratio with/without  %8.2fx (the file now holds %d runs)\n", h / b, n }'
