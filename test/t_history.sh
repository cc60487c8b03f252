#!/usr/bin/env bash
# The history (--history FILE): runs recorded into periods (first and last
# seen, runs seen, a test that comes back starts a new period), the
# Markdown report (--format markdown, `exclusions report`, appended to
# GITHUB_STEP_SUMMARY), a damaged file kept aside while the run goes on, a
# run whose every source failed kept as a gap, a large history (mapped;
# the runs kept as read written back as they are), 20 concurrent runs on one
# file with no update lost, and `exclusions history --replay-git` on a git
# repository built here.
#
# shellcheck source=test/lib.sh disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$TOP" || exit 1

ROOT=test/sample
P=test/profiler
T0=1764547200
DAY=86400

if [ ! -x "$EXCLUSIONS" ]; then
	fail history "$EXCLUSIONS is not built"
	exit 0
fi

run_excl() { # run_excl NAME [ARGS...]: stdout, stderr, status into $WORK/NAME.*
	local name=$1; shift
	"$EXCLUSIONS" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	echo $? >"$WORK/$name.rc"
}
# jsonl FILE PYTHON-EXPR: the expression's value, with runs (list of run
# lines) and periods (list of test lines) of the history FILE, every line
# parsed by Python's json (the file must be valid JSON Lines).
jsonl() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert lines[0] == {"exclusions_history": 1}, lines[0]
runs = [l for l in lines[1:] if "run" in l]
periods = [l for l in lines[1:] if "test" in l]
def of(t):
    return [p for p in periods if p["test"] == t]
print(eval(sys.argv[2]))
EOF
}

A=$P/test_profiler.py::TestProfiler::test_kineto
B=$P/test_profiler.py::TestProfiler::test_script_payload
printf '%s  # https://github.com/pytorch/pytorch/issues/123\n%s\n' "$A" "$B" >"$WORK/ab.txt"
printf '%s  # https://github.com/pytorch/pytorch/issues/123\n' "$A" >"$WORK/a.txt"
common=(--no-disabled-list --no-trunk --root "$ROOT" --fallback never)

# --- runs into periods -----------------------------------------------------
H=$WORK/h.jsonl
EXCLUSIONS_NOW=$T0 run_excl r1 "${common[@]}" --extra "$WORK/ab.txt" --history "$H"
EXCLUSIONS_NOW=$((T0 + DAY)) run_excl r2 "${common[@]}" --extra "$WORK/a.txt" --history "$H"
EXCLUSIONS_NOW=$((T0 + 2 * DAY)) run_excl r3 "${common[@]}" --extra "$WORK/ab.txt" --history "$H"
run_excl plain "${common[@]}" --extra "$WORK/ab.txt"
expect_eq "history: the runs succeed" "0 0 0" "$(cat "$WORK/r1.rc") $(cat "$WORK/r2.rc") $(cat "$WORK/r3.rc")"
expect_eq "history: the result is the same as without it" "$(cat "$WORK/plain.out")" "$(cat "$WORK/r3.out")"
expect_eq "history: one line a run, numbered, timed, counted by source" \
	"[(1, $T0, 'linux', 2, {'extra': 2}), (2, $((T0 + DAY)), 'linux', 1, {'extra': 1}), (3, $((T0 + 2 * DAY)), 'linux', 2, {'extra': 2})]" \
	"$(jsonl "$H" '[(r["run"], r["t"], r["platforms"], r["excluded"], r["sources"]) for r in runs]')"
expect_eq "history: a test in every run has one period" \
	"[($T0, $((T0 + 2 * DAY)), 3, None, ['123'], 'https://github.com/pytorch/pytorch/issues/123')]" \
	"$(jsonl "$H" "[(p['first'], p['last'], p['runs'], p.get('ended'), p.get('issues'), p.get('url')) for p in of('$A')]")"
expect_eq "history: a test that comes back starts a new period" \
	"[($T0, $T0, 1, 2), ($((T0 + 2 * DAY)), $((T0 + 2 * DAY)), 1, None)]" \
	"$(jsonl "$H" "[(p['first'], p['last'], p['runs'], p.get('ended')) for p in of('$B')]")"
check "history: no temporary file left beside it" test "$(find "$WORK" -maxdepth 1 -name 'h.jsonl*' | sort | paste -sd' ' -)" = "$H $H.lock"

# --- the report ------------------------------------------------------------
EXCLUSIONS_NOW=$((T0 + 10 * DAY)) run_excl md "${common[@]}" --extra "$WORK/ab.txt" --history "$H" --format markdown
s=$(cat "$WORK/md.out")
row_a="| <code>test/profiler/test\\_profiler.py::TestProfiler::test\\_kineto</code> | 10 | 4 | extra | [\\#123](https://github.com/pytorch/pytorch/issues/123) |"
row_b="| <code>test/profiler/test\\_profiler.py::TestProfiler::test\\_script\\_payload</code> | 8 | 2 | extra |  |"
expect_eq "report: the table, longest excluded first" "$row_a
$row_b" "$(grep '^| <code>' "$WORK/md.out")"
expect_eq "report: one chart point per recorded run" '    line [2, 1, 2, 2]' "$(grep '^    line ' "$WORK/md.out")"
case $s in
*'```mermaid'$'\n''xychart-beta'$'\n'*'    x-axis "run" [1, 2, 3, 4]'$'\n'*'```'*) pass "report: a Mermaid xychart-beta block" ;;
*) fail "report: a Mermaid xychart-beta block" "$s" ;;
esac
EXCLUSIONS_NOW=$((T0 + 10 * DAY)) run_excl rep report --history "$H"
expect_eq "report: the subcommand prints the same report" "$s" "$(cat "$WORK/rep.out")"
expect_eq "report: the subcommand exits 0" 0 "$(cat "$WORK/rep.rc")"
EXCLUSIONS_NOW=$((T0 + 11 * DAY)) run_excl md2 "${common[@]}" --extra "$WORK/a.txt" --history "$H" --format markdown
expect_eq "report: a test no longer excluded is listed" \
	"- <code>test/profiler/test\\_profiler.py::TestProfiler::test\\_script\\_payload</code>: excluded 2025-12-03 to 2025-12-11, 2 runs" \
	"$(sed -n '/^#### No longer excluded/,/^####/p' "$WORK/md2.out" | grep '^- ')"

# Names that Markdown would read: a history written by hand.
W=$WORK/weird.jsonl
cat >"$W" <<'EOF'
{"exclusions_history":1}
{"run":1,"t":1764547200,"platforms":"linux","excluded":2,"sources":{"extra":2}}
{"test":"t.py::C::a|b","first":1764547200,"last":1764547200,"runs":1,"sources":["extra"],"issues":["5"],"url":"https://github.com/o/r/issues/5"}
{"test":"t.py::C::`x`<img src=1>","first":1764460800,"last":1764547200,"runs":1,"sources":["extra"],"url":"javascript:alert(1)"}
EOF
EXCLUSIONS_NOW=$((T0 + DAY)) run_excl weird report --history "$W"
expect_eq "report: | \` < escaped, bad links not made" \
	"| <code>t.py::C::\\\`x\\\`\\<img src=1\\></code> | 2 | 1 | extra | issue |
| <code>t.py::C::a\\|b</code> | 1 | 1 | extra | [\\#5](https://github.com/o/r/issues/5) |" \
	"$(grep '^| <code>' "$WORK/weird.out")"

# --- GITHUB_STEP_SUMMARY ---------------------------------------------------
SUM=$WORK/step-summary.md
echo "before" >"$SUM"
GITHUB_STEP_SUMMARY=$SUM EXCLUSIONS_NOW=$((T0 + 12 * DAY)) run_excl gs "${common[@]}" --extra "$WORK/a.txt" --history "$H"
if [ "$(head -n 1 "$SUM")" = before ] && grep -q '^### exclusions: history, 1 test excluded$' "$SUM" &&
	grep -q '^xychart-beta$' "$SUM"; then
	pass "report: appended to GITHUB_STEP_SUMMARY"
else
	fail "report: appended to GITHUB_STEP_SUMMARY" "$(cat "$SUM")"
fi
expect_eq "report: the result still on stdout" "--deselect=$A" "$(cat "$WORK/gs.out")"

# --- a damaged history -----------------------------------------------------
for kind in garbage truncated; do
	D=$WORK/d-$kind.jsonl
	if [ $kind = garbage ]; then
		printf '\x7fELF\x01\x02 not a history\n' >"$D"
	else
		head -c -7 "$H" >"$D"
	fi
	cp "$D" "$WORK/d-$kind.orig"
	EXCLUSIONS_NOW=$((T0 + 20 * DAY)) run_excl "d-$kind" "${common[@]}" --extra "$WORK/ab.txt" --history "$D"
	expect_eq "damaged ($kind): the run goes on, exit 0" 0 "$(cat "$WORK/d-$kind.rc")"
	expect_eq "damaged ($kind): the result is printed" "$(cat "$WORK/plain.out")" "$(cat "$WORK/d-$kind.out")"
	n=$(grep -c 'damaged' "$WORK/d-$kind.err")
	if [ "$n" = 1 ] && grep -qE "^exclusions: history $D: damaged \(line [0-9]+: .*\): kept as $D.damaged-$((T0 + 20 * DAY)), a new history started$" "$WORK/d-$kind.err"; then
		pass "damaged ($kind): said in one line"
	else
		fail "damaged ($kind): said in one line" "$(cat "$WORK/d-$kind.err")"
	fi
	check "damaged ($kind): the old file kept aside, unchanged" cmp -s "$WORK/d-$kind.orig" "$D.damaged-$((T0 + 20 * DAY))"
	expect_eq "damaged ($kind): a new history started" "(1, 2)" "$(jsonl "$D" 'len(runs), len(periods)')"
done
# The same second again: a second name, nothing overwritten.
D=$WORK/d-garbage.jsonl
echo garbage >"$D"
EXCLUSIONS_NOW=$((T0 + 20 * DAY)) run_excl d-again "${common[@]}" --extra "$WORK/ab.txt" --history "$D"
check "damaged: a second damaged file the same second gets its own name" cmp -s "$D.damaged-$((T0 + 20 * DAY))-2" <(echo garbage)
check "damaged: the first one is still there" cmp -s "$WORK/d-garbage.orig" "$D.damaged-$((T0 + 20 * DAY))"

# --- a run whose every source failed is a gap --------------------------------
if command -v curl >/dev/null 2>&1; then
	before=$(jsonl "$H" 'len(runs)')
	EXCLUSIONS_NOW=$((T0 + 30 * DAY)) run_excl gap --no-trunk --root "$ROOT" --disabled-url http://127.0.0.1:9/x.json \
		--retries 0 --timeout 20 --history "$H"
	expect_eq "gap: the fallback is printed, exit 0" 0 "$(cat "$WORK/gap.rc")"
	expect_eq "gap: no run recorded" "$before" "$(jsonl "$H" 'len(runs)')"
	check "gap: said" grep -q 'not updated: every source failed' "$WORK/gap.err"
	expect_eq "gap: no period ended" "None" "$(jsonl "$H" "of('$A')[-1].get('ended')")"
	# A list published as {}: found nothing, the fallback printed.
	echo '{}' >"$WORK/empty-list.json"
	EXCLUSIONS_NOW=$((T0 + 31 * DAY)) run_excl gap2 --no-trunk --root "$ROOT" --disabled-file "$WORK/empty-list.json" \
		--history "$H"
	expect_eq "gap: a list of {}: exit 0" 0 "$(cat "$WORK/gap2.rc")"
	expect_eq "gap: a list of {}: no run recorded" "$before" "$(jsonl "$H" 'len(runs)')"
	check "gap: a list of {}: said" grep -q 'not updated: the sources found nothing and the fallback list was printed' "$WORK/gap2.err"
else
	skip "gap: every source failed" "curl is not installed"
fi

# --- a large history (over 1 MB: read mapped) ------------------------------
# 14,000 runs, one of them in another form than the writer's (read all the
# same, written in the writer's form), and an open period of A.
L=$WORK/large.jsonl
"$PY" - "$L" "$A" "$T0" <<'EOF'
import json, sys
path, a, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, "w") as f:
    f.write('{"exclusions_history":1}\n')
    for r in range(1, 14001):
        if r == 6000:
            f.write('{"run":%d, "t":%d,"excluded":1,"platforms":"linux","sources":{"extra":1}}\n' % (r, t0 - 20000 + r))
        else:
            f.write('{"run":%d,"t":%d,"platforms":"linux","excluded":1,"sources":{"extra":1}}\n' % (r, t0 - 20000 + r))
    f.write(json.dumps({"test": a, "first": t0 - 19999, "last": t0 - 6000, "runs": 14000, "sources": ["extra"]},
                       separators=(",", ":")) + "\n")
EOF
cp "$L" "$WORK/large.orig"
check "large: over 1 MiB" test "$(wc -c <"$L")" -gt 1048576
EXCLUSIONS_NOW=$((T0 + 30 * DAY)) run_excl large "${common[@]}" --extra "$WORK/a.txt" --history "$L"
expect_eq "large: the run succeeds" 0 "$(cat "$WORK/large.rc")"
check "large: recorded, nothing damaged" grep -q "history $L: run 14001 recorded" "$WORK/large.err"
expect_eq "large: run 14001 recorded, A seen once more, still open" "(14001, 14001, [14001], None)" \
	"$(jsonl "$L" '(len(runs), runs[-1]["run"], [p["runs"] for p in of("'"$A"'")], of("'"$A"'")[0].get("ended"))')"
check "large: the runs before the one in another form kept byte for byte" \
	cmp -s <(head -n 6000 "$WORK/large.orig") <(head -n 6000 "$L")
expect_eq "large: the one in another form written in the writer's form" \
	'{"run":6000,"t":'$((T0 - 14000))',"platforms":"linux","excluded":1,"sources":{"extra":1}}' "$(sed -n 6001p "$L")"
check "large: the runs after it the same" cmp -s <(sed -n '6002,14001p' "$WORK/large.orig") <(sed -n '6002,14001p' "$L")
# Damaged near its end: kept aside, unchanged.
cp "$WORK/large.orig" "$L"
printf '{"run":14001,"t":1,"platforms":"linux","excluded":1,"sources":{"nope":1}}\n' >>"$L"
cp "$L" "$WORK/large.damaged"
EXCLUSIONS_NOW=$((T0 + 31 * DAY)) run_excl large2 "${common[@]}" --extra "$WORK/a.txt" --history "$L"
check "large: damaged near its end, said" grep -q "damaged (line 14003: unknown source" "$WORK/large2.err"
check "large: damaged, kept aside unchanged" cmp -s "$WORK/large.damaged" "$L.damaged-$((T0 + 31 * DAY))"
expect_eq "large: damaged, a new history started" "(1, 1)" "$(jsonl "$L" 'len(runs), len(periods)')"

# --- 20 concurrent runs ----------------------------------------------------
C=$WORK/concurrent.jsonl
pids=()
for i in $(seq 1 20); do
	EXCLUSIONS_NOW=$((T0 + i)) "$EXCLUSIONS" "${common[@]}" --extra "$WORK/ab.txt" --history "$C" -q \
		>"$WORK/c$i.out" 2>"$WORK/c$i.err" &
	pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
expect_eq "concurrent: 20 runs, all exit 0" 0 "$bad"
expect_eq "concurrent: 20 runs recorded, numbered 1 to 20" "$(seq -s, 1 20)" \
	"$(jsonl "$C" "','.join(str(r['run']) for r in runs)")"
expect_eq "concurrent: each test seen by all 20, one period each" "[20, 20]" \
	"$(jsonl "$C" '[p["runs"] for p in periods]')"
expect_eq "concurrent: every run time recorded once" "$(seq -s, $((T0 + 1)) $((T0 + 20)))" \
	"$(jsonl "$C" "','.join(str(t) for t in sorted(r['t'] for r in runs))")"
check "concurrent: nothing on stderr" test -z "$(cat "$WORK"/c*.err)"

# --- --replay-git ----------------------------------------------------------
KA='test_backward_ddp_outside (__main__.TensorPipeDdpUnderDistAutogradTest)'
KB='test_Conv2d_dilated_cuda_tf32 (__main__.TestNN)'
KC='test_kineto (__main__.TestProfiler)'
ent() { printf '"%s": ["%s", "https://github.com/pytorch/pytorch/issues/%s", ["linux"]]' "$1" "$2" "$2"; }
if ! command -v git >/dev/null 2>&1; then
	skip "replay-git" "git is not installed"
else
	G=$WORK/test-infra
	mkdir -p "$G/stats"
	git -C "$G" init -q -b generated-stats
	version() { # version DAYS-AFTER-T0 CONTENT-FILE
		cp "$2" "$G/stats/disabled-tests-condensed.json"
		git -C "$G" add -A
		GIT_AUTHOR_DATE="@$((T0 + $1 * DAY)) +0000" GIT_COMMITTER_DATE="@$((T0 + $1 * DAY)) +0000" \
			git -C "$G" -c user.name=t -c user.email=t@e.x commit -q --allow-empty -m "v$1"
	}
	{ printf '{'; ent "$KA" 1; printf ','; ent "$KB" 2; printf ','; ent "$KC" 3; printf '}\n'; } >"$WORK/abc.json"
	{ printf '{'; ent "$KA" 1; printf ','; ent "$KC" 3; printf '}\n'; } >"$WORK/ac.json"
	: >"$WORK/empty.json"
	printf '{"cut": ["1", "ht' >"$WORK/cut.json"
	version 0 test/data/disabled-tests-condensed.2024-04-11.json
	version 1 "$WORK/abc.json"
	version 2 "$WORK/empty.json"
	version 3 "$WORK/cut.json"
	version 4 "$WORK/ac.json"
	version 5 "$WORK/abc.json"
	version 6 test/data/disabled-tests-condensed.2026-08-21.json
	# Another file changing in between is not a version.
	echo x >"$G/README"
	version 7 "$WORK/abc.json"
	git -C "$G" rm -q README
	GIT_COMMITTER_DATE="@$((T0 + 8 * DAY)) +0000" git -C "$G" -c user.name=t -c user.email=t@e.x commit -q -m readme
	R=$WORK/replay.jsonl
	EXCLUSIONS_NOW=$((T0 + 10 * DAY)) run_excl replay history --replay-git "$G" --history "$R"
	expect_eq "replay-git: exit 0" 0 "$(cat "$WORK/replay.rc")"
	check "replay-git: says what it did" grep -q "^exclusions: history $R: 8 versions: 6 recorded, 2 gaps, 0 already in the history$" "$WORK/replay.err"
	expect_eq "replay-git: one run a version, in time order, gaps left out" \
		"[($T0, 267), ($((T0 + DAY)), 3), ($((T0 + 4 * DAY)), 2), ($((T0 + 5 * DAY)), 3), ($((T0 + 6 * DAY)), 164), ($((T0 + 7 * DAY)), 3)]" \
		"$(jsonl "$R" '[(r["t"], r["excluded"]) for r in runs]')"
	expect_eq "replay-git: in every version, one period" "[($T0, $((T0 + 7 * DAY)), 6, None)]" \
		"$(jsonl "$R" "[(p['first'], p['last'], p['runs'], p.get('ended')) for p in of('$KA')]")"
	expect_eq "replay-git: gone and back: three periods, the gaps end none" \
		"[($T0, $((T0 + DAY)), 2, 3), ($((T0 + 5 * DAY)), $((T0 + 5 * DAY)), 1, 5), ($((T0 + 7 * DAY)), $((T0 + 7 * DAY)), 1, None)]" \
		"$(jsonl "$R" "[(p['first'], p['last'], p['runs'], p.get('ended')) for p in of('$KB')]")"
	expect_eq "replay-git: days excluded in the report" \
		"| <code>test\\_kineto (\\_\\_main\\_\\_.TestProfiler)</code> | 0 | 1 | disabled-list | [\\#3](https://github.com/pytorch/pytorch/issues/3) |" \
		"$(EXCLUSIONS_NOW=$((T0 + 7 * DAY + 100)) "$EXCLUSIONS" report --history "$R" | grep -F 'test\_kineto')"
	row=$(EXCLUSIONS_NOW=$((T0 + 10 * DAY)) "$EXCLUSIONS" report --history "$R" | grep -F 'test\_backward\_ddp\_outside (')
	expect_eq "replay-git: 10 days for a test seen since the first version" \
		"| <code>test\\_backward\\_ddp\\_outside (\\_\\_main\\_\\_.TensorPipeDdpUnderDistAutogradTest)</code> | 10 | 6 | disabled-list | [\\#103625](https://github.com/pytorch/pytorch/issues/103625), #1 |" "$row"
	cp "$R" "$WORK/replay.before"
	run_excl replay2 history --replay-git "$G" --history "$R"
	check "replay-git: again: nothing new" grep -q "8 versions: 0 recorded, 0 gaps, 8 already in the history$" "$WORK/replay2.err"
	check "replay-git: again: the file unchanged" cmp -s "$WORK/replay.before" "$R"
	run_excl notgit history --replay-git "$WORK" --history "$WORK/ng.jsonl"
	expect_eq "replay-git: not a repository: exit 1" 1 "$(cat "$WORK/notgit.rc")"
	check "replay-git: not a repository: said" grep -q "git log failed" "$WORK/notgit.err"
	# Two versions of the same second are two runs.
	G2=$WORK/same-second
	mkdir -p "$G2/stats"
	git -C "$G2" init -q
	for f in abc ac; do
		cp "$WORK/$f.json" "$G2/stats/disabled-tests-condensed.json"
		git -C "$G2" add -A
		GIT_COMMITTER_DATE="@$T0 +0000" git -C "$G2" -c user.name=t -c user.email=t@e.x commit -q -m "$f"
	done
	run_excl same history --replay-git "$G2" --history "$WORK/same.jsonl"
	expect_eq "replay-git: two versions of one second, two runs" "[3, 2]" \
		"$(jsonl "$WORK/same.jsonl" '[r["excluded"] for r in runs]')"
	# A normal run: the node id's new period takes its start from the
	# key's period the replay left open (since the version of day 7).
	EXCLUSIONS_NOW=$((T0 + 9 * DAY)) run_excl after --no-trunk --root "$ROOT" --fallback never \
		--disabled-file "$WORK/abc.json" --history "$R" --format markdown
	expect_eq "replay-git: a normal run goes on from the replayed history" \
		"| <code>test/profiler/test\\_profiler.py::TestProfiler::test\\_kineto</code> | 2 | 1 | disabled-list | [\\#3](https://github.com/pytorch/pytorch/issues/3) |" \
		"$(grep '^| <code>' "$WORK/after.out")"
fi

# --- usage -----------------------------------------------------------------
run_excl u1 history --history "$WORK/x.jsonl"
expect_eq "usage: history without --replay-git: exit 2" 2 "$(cat "$WORK/u1.rc")"
run_excl u2 report
expect_eq "usage: report without --history: exit 2" 2 "$(cat "$WORK/u2.rc")"
run_excl u3 report --history "$WORK/x.jsonl" --bogus
expect_eq "usage: report with an unknown option: exit 2" 2 "$(cat "$WORK/u3.rc")"
run_excl u4 --history ''
expect_eq "usage: --history with an empty name: exit 2" 2 "$(cat "$WORK/u4.rc")"
check "usage: nothing written" test ! -e "$WORK/x.jsonl"
