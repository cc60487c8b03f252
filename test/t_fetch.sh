#!/usr/bin/env bash
# Integration tests of the fetch path: the built binary against test/server.py
# on loopback.  Every way the disabled list can fail to arrive must end in
# exit status 0, the whole fallback line (or, with --fallback never, one empty
# line) on stdout, a stderr line naming the source and the cause, and a run
# no longer than --timeout plus one second.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "fetch" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi
if ! command -v curl >/dev/null 2>&1; then
	skip "fetch" "curl is not installed: every case here downloads the list with it"
	exit 0
fi
# shellcheck disable=SC2119 # no extra server options
if ! start_server; then
	fail "fetch: server" "test/server.py did not start: $(tail -n 3 "$WORK/server.log" 2>/dev/null)"
	exit 0
fi
BASE=http://127.0.0.1:$PORT
SNAP_OLD=disabled-tests-condensed.2024-04-11.json
SNAP_NEW=disabled-tests-condensed.2026-08-21.json

# A root with no test tree: the compiled-in fallback list is printed as is.
EMPTY=$WORK/empty
mkdir -p "$EMPTY"

# The compiled-in fallback list (FORMATS.md section 4) as --format args prints it.
FALLBACK_LINE=$(sort <<'EOF' | sed 's/^/--deselect=/' | paste -sd' ' -
test/profiler/test_memory_profiler.py::TestDataFlow::test_data_flow_graph_complicated
test/profiler/test_memory_profiler.py::TestMemoryProfilerE2E::test_categories_e2e_sequential_fwd_bwd
test/profiler/test_memory_profiler.py::TestMemoryProfilerE2E::test_categories_e2e_simple_fwd_bwd
test/profiler/test_memory_profiler.py::TestMemoryProfilerE2E::test_categories_e2e_simple_fwd_bwd_step
test/profiler/test_profiler.py::TestProfiler::test_kineto
test/profiler/test_profiler.py::TestProfiler::test_user_annotation
test/profiler/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize
test/profiler/test_profiler.py::TestExperimentalUtils::test_profiler_debug_autotuner
test/profiler/test_torch_tidy.py::TestTorchTidyProfiler::test_tensorimpl_invalidation_scalar_args
EOF
)

# run_exc TAG LIMIT ARGS...: run the binary through run_piped (lib.sh),
# killed well after LIMIT so that the script itself always ends.
run_exc() {
	local tag=$1 limit=$2; shift 2
	run_piped "$tag" "$limit" timeout -k 2 $((limit + 10)) "$EXCLUSIONS" "$@"
}

# requests TAG: how many requests carrying case=TAG the server received.
requests() {
	grep -c "^request: GET [^ ]*case=$1[& ]" "$WORK/server.log"
}

# show TAG: the run's stderr, for the failure report (test/run shows it).
show() {
	{
		echo "--- $1: exclusions $2"
		sed 's/^/  | /' "$WORK/$1.err"
	} >&2
}

# judge NAME TAG LIMIT EXPECT CAUSE_RE [REASON...]: the verdict on a failing
# source.  EXPECT is `fallback` (stdout = the fallback line) or `empty` (one
# empty line).  CAUSE_RE (extended, any case) must occur on a stderr line that
# also says "disabled list".  Extra REASONs are failures found by the caller.
judge() {
	local name=$1 tag=$2 limit=$3 expect=$4 cause=$5; shift 5
	local why=("$@") want got stray
	[ "$RC" = 0 ] || why+=("exit status $RC, expected 0")
	if [ "$expect" = fallback ]; then want=$FALLBACK_LINE; else want=; fi
	if ! printf '%s\n' "$want" | cmp -s - "$WORK/$tag.out"; then
		got=$(head -c 200 "$WORK/$tag.out" | od -An -c | tr -s ' \n' ' ' | head -c 300)
		why+=("stdout is not exactly the $expect line (got$got ...)")
	fi
	# (URLs are cut out first: the case tag in them must not count as the cause)
	if ! grep -i 'disabled list' "$WORK/$tag.err" | sed -E 's#https?://[^ ]*##g' |
		grep -Eiq -- "$cause"; then
		why+=("no stderr line names the disabled list and /$cause/")
	fi
	if grep -qv '^exclusions:' "$WORK/$tag.err"; then
		why+=("stderr line without the exclusions: prefix: $(grep -v '^exclusions:' "$WORK/$tag.err" | head -n 1)")
	fi
	if [ "$MS" -gt $((limit * 1000 + 1000)) ]; then
		why+=("took $MS ms, limit ${limit}s + 1s")
	fi
	stray=$(pgrep -af "case=$tag([^A-Za-z0-9_-]|\$)")
	if [ -n "$stray" ]; then
		sleep 0.5
		stray=$(pgrep -af "case=$tag([^A-Za-z0-9_-]|\$)")
		[ -z "$stray" ] || why+=("child left running after exit: $stray")
	fi
	if [ "${#why[@]}" -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "$(IFS=';'; printf '%s' "${why[*]}" | sed 's/;/; /g')"
		show "$tag" "(case $name)"
	fi
}

# failing NAME LIMIT CAUSE_RE URL [ARGS...]: the source at URL fails; run with
# --fallback auto (expect the fallback line) and with --fallback never
# (expect one empty line).  ARGS go to both runs.
failing() {
	local name=$1 limit=$2 cause=$3 url=$4; shift 4
	local mode expect tag
	for mode in auto never; do
		tag=${name}-$mode
		if [ "$mode" = auto ]; then expect=fallback; else expect=empty; fi
		run_exc "$tag" "$limit" --disabled-url "$url$(sep "$url")case=$tag" \
			--timeout "$limit" --root "$EMPTY" --fallback "$mode" "$@"
		judge "fetch: $name, fallback $mode" "$tag" "$limit" "$expect" "$cause"
	done
}
# sep URL: "&" when URL already has a query, else "?".
sep() { case $1 in *\?*) printf '&' ;; *) printf '?' ;; esac; }

# A port with nothing listening.
FREE_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

CAUSE_TIME='timed out|time limit|timeout'
CAUSE_SIZE='too large|max-bytes|larger than|exceed'

failing 404 5 '404' "$BASE/status/404"
failing 500 5 '500' "$BASE/status/500" --retries 0
failing refused 5 'refused|connect' "http://127.0.0.1:$FREE_PORT/" --retries 0
# The time limit covers the whole run, retries included.
failing stall 2 "$CAUSE_TIME" "$BASE/stall"
failing stall-headers 2 "$CAUSE_TIME" "$BASE/stall-headers" --retries 0
failing truncated 5 'truncat|closed|transfer|partial' "$BASE/truncated" --retries 0
failing invalid 5 'JSON|offset' "$BASE/invalid" --retries 0
failing big 8 "$CAUSE_SIZE" "$BASE/big" --retries 0
failing big-chunked 8 "$CAUSE_SIZE" "$BASE/big-chunked" --retries 0
failing max-bytes 5 "$CAUSE_SIZE" "$BASE/data/$SNAP_NEW" --retries 0 --max-bytes 1K

# A 404 is not transient: asked for once even with the default retries.
n=$(requests 404-auto)
expect_eq "fetch: 404 is not retried" 1 "$n"
n=$(requests 500-auto)
expect_eq "fetch: --retries 0 asks once" 1 "$n"

# A 500 is retried, within the time limit.
run_exc retry500 4 --disabled-url "$BASE/status/500?case=retry500" --timeout 4 \
	--retries 2 --root "$EMPTY"
n=$(requests retry500)
if [ "$n" -gt 1 ]; then extra=(); else extra=("server saw $n request(s), expected more than 1"); fi
judge "fetch: 500 is retried within the time limit" retry500 4 fallback "500|$CAUSE_TIME" "${extra[@]}"

# The real snapshots served over HTTP parse without complaint, every entry
# read (FORMATS.md: 267 and 164 entries).
for snap in "$SNAP_OLD" "$SNAP_NEW"; do
	tag=snap-${snap%.json}
	if [ "$snap" = "$SNAP_OLD" ]; then entries=267; else entries=164; fi
	run_exc "$tag" 10 --disabled-url "$BASE/data/$snap?case=$tag" --timeout 10 \
		--retries 0 --root "$EMPTY" --fallback never --format lines
	why=()
	[ "$RC" = 0 ] || why+=("exit status $RC")
	bad=$(sed -E 's#https?://[^ ]*##g' "$WORK/$tag.err" |
		grep -Ei 'disabled list.*(error|fail|cannot|could not|invalid|JSON|offset|truncat|too large|larger than|timed out|time limit)|source failed' |
		head -n 2)
	[ -z "$bad" ] || why+=("stderr reports a problem: $bad")
	grep -Eiq "disabled list.*\b$entries entries" "$WORK/$tag.err" ||
		why+=("no stderr line says the disabled list had $entries entries")
	[ "$MS" -le 11000 ] || why+=("took $MS ms")
	if [ "${#why[@]}" -eq 0 ]; then pass "fetch: $snap over HTTP parses"
	else fail "fetch: $snap over HTTP parses" "${why[*]}"; show "$tag" "(snapshot $snap)"; fi
done

# --disabled-file and the same file over HTTP (directly and through a
# redirect) give the same output.
for snap in "$SNAP_OLD" "$SNAP_NEW"; do
	for form in args lines json; do
		tag=file-${snap%.json}-$form
		run_exc "$tag" 10 --disabled-file "$DATA/$snap" --timeout 10 --root "$EMPTY" --format "$form"
		rc_file=$RC
		run_exc "$tag-http" 10 --disabled-url "$BASE/data/$snap?case=$tag" --timeout 10 \
			--retries 0 --root "$EMPTY" --format "$form"
		rc_http=$RC
		if [ "$rc_file" = 0 ] && [ "$rc_http" = 0 ] && cmp -s "$WORK/$tag.out" "$WORK/$tag-http.out"; then
			pass "fetch: $snap --format $form: file and HTTP agree"
		else
			fail "fetch: $snap --format $form: file and HTTP agree" \
				"exit $rc_file / $rc_http; $(diff "$WORK/$tag.out" "$WORK/$tag-http.out" | head -c 300)"
			show "$tag-http" "(HTTP, $snap)"
		fi
	done
	tag=redir-${snap%.json}
	run_exc "$tag" 10 --disabled-url "$BASE/redirect?to=/data/$snap&case=$tag" --timeout 10 \
		--retries 0 --root "$EMPTY" --format args
	if [ "$RC" = 0 ] && cmp -s "$WORK/file-${snap%.json}-args.out" "$WORK/$tag.out"; then
		pass "fetch: $snap through a redirect"
	else
		fail "fetch: $snap through a redirect" "exit $RC; $(diff "$WORK/file-${snap%.json}-args.out" "$WORK/$tag.out" | head -c 300)"
		show "$tag" "(redirect, $snap)"
	fi
done
