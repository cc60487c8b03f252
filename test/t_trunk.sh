#!/usr/bin/env bash
# Integration tests of the trunk source: the built binary against the fake
# GitHub API of test/server.py (HTTPS on loopback, data in
# test/fixtures/github/), through the REAL gh (every gh case is skipped when
# gh is not installed) and through curl + GITHUB_TOKEN (PATH without gh).
#
# Each case uses its own repository owner (the case tag), so the server log
# tells its requests apart: /api/v3/repos/TAG/SCENARIO/...  Runs use the
# sample tree test/sample and an empty disabled list with --fallback never,
# so that stdout is the trunk source alone, unless a case says otherwise.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "trunk" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi
TIMEOUT_BIN=$(command -v timeout)
CURL_BIN=$(command -v curl)
GH_BIN=$(command -v gh)
# TEST_WITHOUT_GH=1: behave as if gh were not installed (checks the skips).
[ -z "${TEST_WITHOUT_GH:-}" ] || GH_BIN=
if [ -z "$CURL_BIN" ] || [ -z "$TIMEOUT_BIN" ]; then
	skip "trunk" "curl or timeout is not installed"
	exit 0
fi

# A certificate for 127.0.0.1 (and localhost, for the other-host case).
CERT=$WORK/cert.pem KEY=$WORK/key.pem
if ! openssl req -x509 -newkey rsa:2048 -nodes -keyout "$KEY" -out "$CERT" -days 2 \
	-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	>"$WORK/openssl.log" 2>&1; then
	skip "trunk" "openssl could not make a certificate: $(tail -n 1 "$WORK/openssl.log")"
	exit 0
fi
if ! start_server --tls "$CERT" "$KEY"; then
	fail "trunk: server" "test/server.py did not start: $(tail -n 3 "$WORK/server.log" 2>/dev/null)"
	exit 0
fi
BASE=https://127.0.0.1:$PORT
API=$BASE/api/v3

SAMPLE=$TESTDIR/sample
SAMPLE_DISABLED=$TESTDIR/fixtures/sample-disabled.json
EMPTY_JSON=$WORK/empty.json
echo '{}' >"$EMPTY_JSON"
NOTREE=$WORK/notree
# PATH for the curl path: curl, and no gh.
NOGH_BIN=$WORK/bin-nogh
# cwd of every run: a "touch X" or "touch PWNED" that ran would land here.
CWD=$WORK/cwd
mkdir -p "$NOTREE" "$NOGH_BIN" "$CWD" "$WORK/home"
ln -s "$CURL_BIN" "$NOGH_BIN/curl"
MODES=(gh curl)

# run_x TAG MODE LIMIT ARGS...: run the binary in $CWD through run_piped
# (lib.sh: stdin closed, stdout and stderr through pipes into TAG.out and
# TAG.err, RC and MS set).  MODE:
#   gh        the real gh against the server (GH_HOST, GH_ENTERPRISE_TOKEN)
#   curl      PATH without gh, GITHUB_TOKEN=$TOKEN, --api-url $API first
#   nogh      PATH without gh, no token
#   ghnoauth  the real gh with no host and no token (it stops, exit 4)
#   plain     nothing added
run_x() {
	local tag=$1 mode=$2 limit=$3; shift 3
	run_piped "$tag" "$limit" run_x_child "$mode" "$limit" "$@"
}

# The child of run_x: its own environment, then the binary.
run_x_child() (
	local mode=$1 limit=$2 pre=(); shift 2
	[ "$mode" = curl ] && pre=(--api-url "$API")
	cd "$CWD" || exit 1
	case $mode in
	gh) export GH_HOST=127.0.0.1:$PORT GH_ENTERPRISE_TOKEN=x SSL_CERT_FILE=$CERT HOME=$WORK/home ;;
	curl) export PATH=$NOGH_BIN GITHUB_TOKEN=${TOKEN:-test-token-0} CURL_CA_BUNDLE=$CERT ;;
	nogh) export PATH=$NOGH_BIN ;;
	ghnoauth) export HOME=$WORK/home ;;
	esac
	exec "$TIMEOUT_BIN" -k 2 $((limit + 10)) "$EXCLUSIONS" "${pre[@]}" "$@"
)

# trunk TAG MODE SCENARIO LIMIT [ARGS...]: run_x on the sample tree, the
# scenario's repository, an empty disabled list, no fallback.
trunk() {
	local tag=$1 mode=$2 scen=$3 limit=$4; shift 4
	run_x "$tag" "$mode" "$limit" --repo "$tag/$scen" --root "$SAMPLE" \
		--disabled-file "$EMPTY_JSON" --fallback never --timeout "$limit" "$@"
}

# reqs TAG [ERE]: how many requests of case TAG the server received (API
# paths and blobs), only those whose request line matches ERE if given.
reqs() {
	requests_of server "$@"
}

# show TAG: the run's stderr, for the failure report (test/run shows it).
show() {
	{
		echo "--- $1: exclusions stderr"
		head -c 3000 "$WORK/$1.err" | sed 's/^/  | /'
	} >&2
}

# verdict NAME TAG: pass when the array WHY is empty, else fail with it.
verdict() {
	if [ "${#WHY[@]}" -eq 0 ]; then
		pass "$1"
	else
		fail "$1" "$(IFS=';'; printf '%s' "${WHY[*]}" | sed 's/;/; /g')"
		show "$2"
	fi
}

# Common checks of a run: exit 0, stderr lines all prefixed, stdout exactly
# WANT (a line), no child left running.
check_run() {
	local tag=$1 want=$2 got stray
	[ "$RC" = 0 ] || WHY+=("exit status $RC, expected 0")
	if ! printf '%s\n' "$want" | cmp -s - "$WORK/$tag.out"; then
		got=$(head -c 600 "$WORK/$tag.out")
		WHY+=("stdout is [$got], expected [$want]")
	fi
	if grep -a -qv '^exclusions:' "$WORK/$tag.err"; then
		WHY+=("stderr line without the exclusions: prefix: $(grep -a -v '^exclusions:' "$WORK/$tag.err" | head -n 1)")
	fi
	# This run's servers' ports in the pattern: another checkout's suite
	# running at the same time has the same tags.
	local pat=":(${PORT}${SLOW_PORT:+|$SLOW_PORT})/.*/$tag/"
	stray=$(pgrep -af -- "$pat" | grep -v pgrep)
	if [ -n "$stray" ]; then
		sleep 0.5
		stray=$(pgrep -af -- "$pat" | grep -v pgrep)
		[ -z "$stray" ] || WHY+=("child left running after exit: $stray")
	fi
}

# The node ids of the sample tree the fixture logs name.
T=test/profiler
K=$T/test_profiler.py::TestProfiler
KINETO=$K::test_kineto
KINETO_API=$K::test_kineto_profiler_api
SCRIPT_PAYLOAD=$K::test_script_payload
MEMPROF=$K::test_memory_profiler
ANNOT=$K::test_user_annotation
FUZZ=$T/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize
PLAIN=$T/test_parametrized.py::TestParam::test_plain
SIZE10=$T/test_parametrized.py::TestParam::test_size_n_10
MEMCUDA=$T/test_profiler_device.py::TestProfilerDeviceCUDA::test_memory_cuda
SYNC=$T/test_profiler_device.py::TestProfilerCUDACUDA::test_sync_cuda
OPSCPU=$T/test_profiler_device.py::TestProfilerDeviceCPU::test_ops_cpu_float32

# args_of ID...: the --format args line of those ids.
args_of() {
	[ "$#" -eq 0 ] && return 0
	printf '%s\n' "$@" | sort -u | sed 's/^/--deselect=/' | paste -sd' ' -
}

# Scenario "basic": run 1001 (250 jobs, 3 pages) has failed test jobs at
# indexes 5, 60 (page 1), 150 (page 2), 240, 244, 249 (page 3; the sixth is
# past the default --max-jobs 5); run 1002 at 3 (page 1), 199 (page 2), 201
# (page 3); run 1003 (asked for only with --runs 3) at 0.  Decoys in run
# 1001: 8 (failed build job), 9 (cancelled test job), 11 (passed test job).
RUN1001=("$KINETO" "$FUZZ" "$PLAIN" "$MEMCUDA" "$SYNC")
RUN1002=("$OPSCPU" "$KINETO" "$SIZE10" "$KINETO_API")
WANT_BASIC=$(args_of "${RUN1001[@]}" "${RUN1002[@]}")
WANT_LOGS_BASIC=(1001005 1001060 1001150 1001240 1001244 1002003 1002199 1002201)
WANT_NEVER=(1001008 1001009 1001011 1001249)

# The disabled list alone (the sample list, no trunk): what the failure
# cases must still print.
run_x notrunk plain 10 --no-trunk --root "$SAMPLE" --disabled-file "$SAMPLE_DISABLED" --timeout 10
WANT_NOTRUNK=$(cat "$WORK/notrunk.out")
if [ "$RC" != 0 ] || [ -z "$WANT_NOTRUNK" ]; then
	fail "trunk: the sample disabled list alone" "exit $RC, stdout [$WANT_NOTRUNK]"
fi

have_gh() { [ -n "$GH_BIN" ]; }

for mode in "${MODES[@]}"; do
	if [ "$mode" = gh ] && ! have_gh; then
		for c in "runs -> paged jobs -> redirected logs" "runs query filters" "jobs page 3 seen" \
			"logs asked for" "json sources" "--branch filter" "--runs 1" "--runs 3" \
			"--max-jobs 2" "--max-jobs 0" "403 rate limit" "never-finishing log" \
			"non-numeric run ids" "every rejected id warned or counted" "non-numeric job ids" \
			"hostile names (tree)" \
			"hostile names (no tree)" "not logged in (exit 4)"; do
			skip "trunk gh: $c" "gh is not installed"
		done
		continue
	fi

	# -- the whole chain ------------------------------------------------------
	tag=$mode-basic
	trunk "$tag" "$mode" basic 15
	WHY=()
	check_run "$tag" "$WANT_BASIC"
	grep -a -Eiq 'failed\)|warn|error|cannot|killed' <(grep -a 'trunk' "$WORK/$tag.err" | grep -v '(0 failed)') &&
		WHY+=("stderr reports a problem: $(grep -a trunk "$WORK/$tag.err" | grep -v '(0 failed)' | head -n 2)")
	verdict "trunk $mode: runs -> paged jobs -> redirected logs -> node ids (exact stdout)" "$tag"

	WHY=()
	n=$(reqs "$tag" '/actions/workflows/pull\.yml/runs\?')
	[ "$n" = 1 ] || WHY+=("$n runs requests, expected 1")
	for f in 'branch=main(&| )' 'status=completed(&| )' 'per_page=2(&| )'; do
		[ "$(reqs "$tag" "/runs\?([^ ]*&)?$f")" = 1 ] || WHY+=("the runs query lacks /$f/")
	done
	verdict "trunk $mode: the runs query carries branch, status and per_page" "$tag"

	WHY=()
	for run in 1001 1002; do
		for page in 2 3; do
			n=$(reqs "$tag" "/actions/runs/$run/jobs\?per_page=100&page=$page ")
			[ "$n" = 1 ] || WHY+=("run $run page $page asked for $n times, expected once")
		done
		n=$(reqs "$tag" "/actions/runs/$run/jobs\?per_page=100 ")
		[ "$n" = 1 ] || WHY+=("run $run page 1 asked for $n times, expected once")
	done
	for id in "$MEMCUDA" "$SYNC" "$KINETO_API"; do
		grep -q -F -- "--deselect=$id" "$WORK/$tag.out" || WHY+=("no $id (a job on page 3)")
	done
	verdict "trunk $mode: every jobs page asked for once; failed jobs on page 3 found" "$tag"

	WHY=()
	for job in "${WANT_LOGS_BASIC[@]}"; do
		n=$(reqs "$tag" "/actions/jobs/$job/logs ")
		[ "$n" = 1 ] || WHY+=("log of job $job asked for $n times")
		n=$(reqs "$tag" "^request: GET /blobs/$tag/basic/$job\?")
		[ "$n" = 1 ] || WHY+=("redirected log (blob) of job $job fetched $n times")
	done
	for job in "${WANT_NEVER[@]}"; do
		n=$(reqs "$tag" "/$job(/|\?)")
		[ "$n" = 0 ] || WHY+=("job $job (build, cancelled, passed, or past --max-jobs) was asked for")
	done
	n=$(reqs "$tag" '/logs ')
	[ "$n" = "${#WANT_LOGS_BASIC[@]}" ] || WHY+=("$n log requests, expected ${#WANT_LOGS_BASIC[@]}")
	n=$(reqs "$tag" '/1003/')
	[ "$n" = 0 ] || WHY+=("run 1003 asked for with --runs 2")
	verdict "trunk $mode: the logs of exactly the failed test jobs, through the redirect" "$tag"

	tag=$mode-json
	trunk "$tag" "$mode" basic 15 --format json
	WHY=()
	[ "$RC" = 0 ] || WHY+=("exit status $RC")
	bad=$("$PY" - "$WORK/$tag.out" "$KINETO" "$FUZZ" "$SIZE10" <<'EOF'
import json, sys
got = {x["node_id"]: sorted(x["sources"]) for x in json.load(open(sys.argv[1]))}
want = {sys.argv[2]: ["trunk-run 1001", "trunk-run 1002"],
        sys.argv[3]: ["trunk-run 1001"], sys.argv[4]: ["trunk-run 1002"]}
for k, v in want.items():
    if got.get(k) != v:
        print("%s: sources %s, expected %s" % (k, got.get(k), v))
if len(got) != 8:
    print("%d node ids, expected 8" % len(got))
EOF
	) || bad="json unreadable: $bad"
	[ -z "$bad" ] || WHY+=("$bad")
	verdict "trunk $mode: --format json names the runs as sources" "$tag"

	# -- the filters and limits -----------------------------------------------
	tag=$mode-branch
	trunk "$tag" "$mode" basic 15 --branch release-2.9
	WHY=()
	check_run "$tag" ""
	[ "$(reqs "$tag" 'branch=release-2\.9(&| )')" = 1 ] || WHY+=("the runs query lacks branch=release-2.9")
	[ "$(reqs "$tag" '/jobs')" = 0 ] || WHY+=("jobs asked for, but no run is on that branch")
	verdict "trunk $mode: --branch goes into the query (no run on another branch)" "$tag"

	tag=$mode-runs1
	trunk "$tag" "$mode" basic 15 --runs 1
	WHY=()
	check_run "$tag" "$(args_of "${RUN1001[@]}")"
	[ "$(reqs "$tag" 'per_page=1(&| )')" = 1 ] || WHY+=("the runs query lacks per_page=1")
	[ "$(reqs "$tag" '/runs/1001/jobs')" = 3 ] || WHY+=("run 1001: $(reqs "$tag" '/runs/1001/jobs') jobs pages, expected 3")
	[ "$(reqs "$tag" '/1002')" = 0 ] || WHY+=("run 1002 asked for (the server lists 3 runs whatever per_page says)")
	verdict "trunk $mode: --runs 1 looks at one run" "$tag"

	tag=$mode-runs3
	trunk "$tag" "$mode" basic 15 --runs 3
	WHY=()
	check_run "$tag" "$(args_of "${RUN1001[@]}" "${RUN1002[@]}" "$MEMPROF")"
	[ "$(reqs "$tag" '/runs/1003/jobs\?per_page=100 ')" = 1 ] || WHY+=("run 1003's jobs not asked for once")
	verdict "trunk $mode: --runs 3 looks at three runs" "$tag"

	tag=$mode-max2
	trunk "$tag" "$mode" basic 15 --max-jobs 2
	WHY=()
	check_run "$tag" "$(args_of "$KINETO" "$FUZZ" "$OPSCPU" "$SIZE10")"
	for run in 1001 1002; do
		n=$(reqs "$tag" "/actions/jobs/${run}[0-9]{3}/logs ")
		[ "$n" = 2 ] || WHY+=("run $run: $n logs asked for, expected 2")
	done
	# Pages 1 and 2 are asked for together (page 2 on speculation).  Page
	# 1 of run 1001 holds its 2 jobs: no page after 2 is asked for.  Run
	# 1002 needs page 2; page 3 is asked for (once) only when page 1
	# arrives before page 2.  The jobs are still taken in page order (the
	# stdout above).
	n=$(reqs "$tag" '/runs/1001/jobs\?per_page=100&page=([3-9]|[0-9]{2,}) ')
	[ "$n" = 0 ] || WHY+=("run 1001: $n jobs pages after page 2 asked for, after the 2 jobs were found on page 1")
	for run in 1001 1002; do
		n=$(reqs "$tag" "/runs/$run/jobs\\?per_page=100&page=2 ")
		[ "$n" = 1 ] || WHY+=("run $run: page 2 asked for $n times, expected once (with page 1)")
	done
	n=$(reqs "$tag" '/runs/1002/jobs\?per_page=100&page=3 ')
	[ "$n" -le 1 ] || WHY+=("run 1002: page 3 asked for $n times")
	verdict "trunk $mode: --max-jobs 2 takes the first 2 failed test jobs of each run" "$tag"

	tag=$mode-max0
	trunk "$tag" "$mode" basic 15 --max-jobs 0
	WHY=()
	check_run "$tag" "$(args_of "${RUN1001[@]}" "${RUN1002[@]}" "$SCRIPT_PAYLOAD")"
	[ "$(reqs "$tag" '/logs ')" = 9 ] || WHY+=("$(reqs "$tag" '/logs ') logs asked for, expected 9")
	verdict "trunk $mode: --max-jobs 0 takes every failed test job (default 5 stops at 5)" "$tag"

	# -- failures -------------------------------------------------------------
	tag=$mode-ratelimit
	run_x "$tag" "$mode" 15 --repo "$tag/ratelimit" --root "$SAMPLE" \
		--disabled-file "$SAMPLE_DISABLED" --timeout 15
	WHY=()
	check_run "$tag" "$WANT_NOTRUNK"
	n=$(grep -a -ci 'rate limit' "$WORK/$tag.err")
	[ "$n" = 1 ] || WHY+=("$n stderr lines mention the rate limit, expected 1")
	[ "$(reqs "$tag" '/runs\?')" = 1 ] || WHY+=("the runs list asked for $(reqs "$tag" '/runs\?') times")
	verdict "trunk $mode: 403 rate limit: one line says so, the disabled list still counts" "$tag"

	tag=$mode-stall
	trunk "$tag" "$mode" stall 3
	WHY=()
	check_run "$tag" "$(args_of "$KINETO" "$FUZZ")"
	[ "$MS" -lt 4000 ] || WHY+=("took $MS ms with --timeout 3")
	grep -a -Eiq 'partial.*(drop|discard|ignor)|(drop|discard|ignor).*partial' "$WORK/$tag.err" ||
		WHY+=("no stderr line says the partial log was dropped")
	grep -a -q '5001002' "$WORK/$tag.err" || WHY+=("no stderr line names job 5001002")
	[ "$(reqs "$tag" '^request: GET /blobs/[^ ]*/5001002\?')" = 1 ] || WHY+=("the stalling log was not asked for")
	verdict "trunk $mode: a log that never finishes: killed at --timeout 3, the rest printed, partial log dropped" "$tag"

	tag=$mode-badids
	trunk "$tag" "$mode" badids 15
	WHY=()
	check_run "$tag" "$(args_of "$KINETO")"
	hits=$(grep -a -E "^request: GET /(api/v3/repos|blobs)/$tag/" "$WORK/server.log" |
		sed -E 's#^request: GET ([^ ]*) HTTP/1\.1$#\1#' |
		grep -a -Ei 'PWNED|touch|%20|%22|%3B|1\.5e3|/1500/|/-7/|12345678901234567890|["; ]')
	[ -z "$hits" ] || WHY+=("requests with a rejected id: $(printf '%s' "$hits" | head -n 2)")
	[ "$(reqs "$tag" '/runs/3001/jobs\?per_page=100 ')" = 1 ] || WHY+=("the good run 3001 was not looked at")
	[ "$(reqs "$tag" '/actions/jobs/3001004/logs')" = 1 ] || WHY+=("the good job 3001004 was not looked at")
	[ "$(reqs "$tag" '/logs ')" = 1 ] || WHY+=("$(reqs "$tag" '/logs ') logs asked for, expected 1")
	n=$(grep -a -Eci 'run id' "$WORK/$tag.err")
	[ "$n" -ge 1 ] || WHY+=("no stderr warning about a rejected run id")
	[ ! -e "$CWD/PWNED" ] || WHY+=("a PWNED file was made")
	verdict "trunk $mode: non-numeric run and job ids rejected, never asked for" "$tag"
	# Four run ids and three job ids are rejected: each is warned about, or
	# a count says how many more were (trunk.c: "Past this many rejected
	# ids ..., they are counted").
	WHY=()
	if ! grep -a -Eiq 'job id' "$WORK/$tag.err" &&
		! grep -a -Eiq 'rejected.*[0-9]+ (more|other)|[0-9]+ (more|other) .*rejected|[0-9]+ (more |other )?(run |job )?ids?( were| are)? rejected' "$WORK/$tag.err"; then
		WHY+=("the rejected job ids are neither warned about nor counted: $(grep -a -ci 'rejected' "$WORK/$tag.err") warning(s) for 7 rejected ids")
	fi
	verdict "trunk $mode: every rejected id is warned about or counted" "$tag"

	tag=$mode-badjob
	trunk "$tag" "$mode" badjobids 15
	WHY=()
	check_run "$tag" "$(args_of "$KINETO")"
	[ "$(reqs "$tag" '/logs ')" = 1 ] || WHY+=("$(reqs "$tag" '/logs ') logs asked for, expected 1")
	[ "$(reqs "$tag" 'PWNED|touch|1\.5e3|/1500/|%22|%3B')" = 0 ] || WHY+=("a rejected job id was asked for")
	n=$(grep -a -Eci 'job id' "$WORK/$tag.err")
	[ "$n" -ge 1 ] || WHY+=("no stderr warning about a rejected job id")
	[ ! -e "$CWD/PWNED" ] || WHY+=("a PWNED file was made")
	verdict "trunk $mode: non-numeric job ids rejected with a warning, never asked for" "$tag"

	# -- hostile test names in a log ----------------------------------------
	# The tree prints only tests it defines: in its copy, test_kineto is
	# parametrized with cases it cannot name, so test_kineto_<anything>
	# may be one of them (the hostile names reach the output forms).
	HOSTILE_TREE=$WORK/hostile-tree
	if [ ! -d "$HOSTILE_TREE" ]; then
		cp -R "$SAMPLE" "$HOSTILE_TREE"
		sed -i -e 's/^class TestProfiler(TestCase):/@instantiate_parametrized_tests\nclass TestProfiler(TestCase):/' \
			-e 's/^    def test_kineto(self):/    @parametrize("case", CASES)\n    def test_kineto(self, case):/' \
			"$HOSTILE_TREE/test/profiler/test_profiler.py"
	fi
	for tree in tree notree; do
		tag=$mode-hostile-$tree
		if [ "$tree" = tree ]; then root=$HOSTILE_TREE; else root=$NOTREE; fi
		for form in args shell json; do
			run_x "$tag-$form" "$mode" 15 --repo "$tag/hostile" --root "$root" \
				--disabled-file "$EMPTY_JSON" --fallback never --timeout 15 --format "$form"
			printf -v "rc_$form" '%s' "$RC"
		done
		WHY=()
		# shellcheck disable=SC2154 # set by the eval above
		[ "$rc_args/$rc_shell/$rc_json" = 0/0/0 ] || WHY+=("exit status $rc_args/$rc_shell/$rc_json")
		# The ids the json form lists, and those with no blank or glob byte.
		"$PY" - "$WORK/$tag-json.out" "$WORK/$tag.ids" "$WORK/$tag.safe" <<'EOF' || WHY+=("json output unreadable")
import json, re, sys
ids = [x["node_id"] for x in json.load(open(sys.argv[1]))]
with open(sys.argv[2], "w") as f:
    f.writelines("--deselect=%s\n" % i for i in sorted(ids))
with open(sys.argv[3], "w") as f:
    f.writelines("--deselect=%s\n" % i for i in sorted(ids) if not re.search(r"[\s*?\[]", i))
EOF
		grep -q -F -- "--deselect=$ANNOT" "$WORK/$tag.ids" || WHY+=("the legitimate $ANNOT is missing")
		# shellcheck disable=SC2016 # the literal text
		grep -q -F -- 'test_kineto_$(touch X)' "$WORK/$tag.ids" ||
			WHY+=("the id with \$(touch X) was not kept (nothing to check the quoting with)")
		grep -a -q -E 'nul|tab|AAAAAAAA' "$WORK/$tag.ids" && WHY+=("an id with a NUL, a tab or from the 1 MB line was kept")
		# args: one line of words, each --deselect=..., no blank, no glob.
		[ "$(wc -l <"$WORK/$tag-args.out")" = 1 ] || WHY+=("args output is not one line")
		read -r -a words <"$WORK/$tag-args.out"
		for w in "${words[@]}"; do
			case $w in --deselect=?*) ;; *) WHY+=("args word [$w] does not start with --deselect=") ;; esac
			case $w in *[[:space:]]* | *\** | *\?* | *\[*) WHY+=("args word [$w] has a blank or a glob character") ;; esac
		done
		printf '%s\n' "${words[@]}" | sort | cmp -s - "$WORK/$tag.safe" ||
			WHY+=("args words are not exactly the safe ids: $(printf '%s\n' "${words[@]}" | sort | diff - "$WORK/$tag.safe" | head -c 300)")
		grep -a -qi 'left out' "$WORK/$tag-args.err" || WHY+=("no warning about the ids args leaves out")
		# shell: eval gives back exactly the ids, and runs nothing.
		mkdir -p "$WORK/eval-$tag"
		(
			cd "$WORK/eval-$tag" || exit 1
			eval "set -- $(cat "$WORK/$tag-shell.out")"
			printf '%s\n' "$@"
		) 2>"$WORK/$tag.eval.err" | sort >"$WORK/$tag.evaled"
		cmp -s "$WORK/$tag.evaled" "$WORK/$tag.ids" ||
			WHY+=("eval of the shell form gives other ids: $(diff "$WORK/$tag.evaled" "$WORK/$tag.ids" | head -c 300)")
		[ ! -s "$WORK/$tag.eval.err" ] || WHY+=("eval complained: $(head -c 200 "$WORK/$tag.eval.err")")
		x=$(find "$WORK" -name X -o -name PWNED | head -n 3)
		[ -z "$x" ] || WHY+=("something ran: $x exists")
		verdict "trunk $mode: hostile test names ($tree): nothing run, args words whole, shell form evals back" "$tag-args"
	done
done

# -- no gh ----------------------------------------------------------------------
tag=nogh
run_x "$tag" nogh 10 --repo "$tag/basic" --root "$SAMPLE" --disabled-file "$SAMPLE_DISABLED" --timeout 10
WHY=()
check_run "$tag" "$WANT_NOTRUNK"
n=$(grep -a -Ec '\bgh\b|GITHUB_TOKEN' "$WORK/$tag.err")
[ "$n" = 1 ] || WHY+=("$n stderr lines about gh or GITHUB_TOKEN, expected 1")
[ "$(reqs "$tag")" = 0 ] || WHY+=("requests were made")
[ "$MS" -lt 3000 ] || WHY+=("took $MS ms")
verdict "trunk: gh missing and no GITHUB_TOKEN: one line, the disabled list still used" "$tag"

if have_gh; then
	tag=ghnoauth
	run_x "$tag" ghnoauth 10 --repo "$tag/basic" --root "$SAMPLE" --disabled-file "$SAMPLE_DISABLED" --timeout 10
	WHY=()
	check_run "$tag" "$WANT_NOTRUNK"
	n=$(grep -a -Eci 'not logged in|auth login|exit status 4' "$WORK/$tag.err")
	[ "$n" = 1 ] || WHY+=("$n stderr lines say gh is not logged in, expected 1")
	verdict "trunk gh: not logged in (gh exit 4): one line naming it, the disabled list still used" "$tag"
fi

# -- curl only --------------------------------------------------------------------
# The API under another name (localhost): the Link "next" pages point at
# 127.0.0.1, which is not under --api-url, so they are refused (the token
# would go there); the other pages are asked for under the API itself, as
# total_count tells, each once.  The log downloads redirect to 127.0.0.1
# too, and must go there without the token.  (t_auth.sh does the same with
# servers on separate ports, which tell the hosts apart.)
tag=curl-otherhost
trunk "$tag" curl basic 15 --api-url "https://localhost:$PORT/api/v3"
WHY=()
check_run "$tag" "$WANT_BASIC"
grep -a -Eiq 'next page.*(outside|refused)' "$WORK/$tag.err" || WHY+=("no warning about the next page elsewhere")
for run in 1001 1002; do
	for p in 2 3; do
		n=$(reqs "$tag" "/runs/$run/jobs\\?per_page=100&page=$p ")
		[ "$n" = 1 ] || WHY+=("run $run: page $p asked for $n times, expected once")
	done
done
n=$(grep -a -c "^auth: /blobs/$tag/.* (none)$" "$WORK/server.log")
m=$(grep -a -c "^auth: /blobs/$tag/" "$WORK/server.log")
[ "$m" -ge 1 ] && [ "$n" = "$m" ] || WHY+=("$((m - n)) of $m log downloads on the other host carried the token")
verdict "trunk curl: Link and redirect to another host: no next page, no token sent there" "$tag"

# -- paginators that lie, and long logs ---------------------------------------------
# total_count of 10^12 (more digits than any count is read with): the pages
# asked for are capped (50 of 100 jobs), at once, and a warning says so.
tag=curl-hugecount
trunk "$tag" curl hugecount 30 --max-jobs 0
WHY=()
check_run "$tag" "$(args_of "$KINETO")"
n=$(reqs "$tag" '/runs/9001/jobs')
[ "$n" -ge 1 ] && [ "$n" -le 50 ] || WHY+=("$n jobs pages asked for, expected 1 to 50 (the cap)")
[ "$(reqs "$tag" '/runs/9001/jobs[^ ]*page=51 ')" = 0 ] || WHY+=("page 51, past the cap, asked for")
grep -a -q 'trunk: run 9001 has [0-9]* jobs; only the first 5000 are read' "$WORK/$tag.err" ||
	WHY+=("no warning about the cap")
verdict "trunk curl: total_count 10^12: at most 50 jobs pages asked for, and a warning" "$tag"

# No total_count, and a Link rel=next naming the page itself: each page
# asked once (page 1, and page 2 asked for with it on speculation).
tag=curl-selflink
trunk "$tag" curl selflink 15
WHY=()
check_run "$tag" "$(args_of "$KINETO")"
for p in '' '&page=2'; do
	n=$(reqs "$tag" "/runs/9101/jobs\\?per_page=100$p ")
	[ "$n" = 1 ] || WHY+=("the jobs page [$p] asked for $n times, expected once")
done
n=$(reqs "$tag" '/runs/9101/jobs')
[ "$n" = 2 ] || WHY+=("$n jobs pages asked for, expected 2")
verdict "trunk curl: a Link rel=next naming the page itself: one request" "$tag"

# No total_count, and the last page's next is page 2 again: every page once,
# every failed job's log once.
tag=curl-linkloop
trunk "$tag" curl linkloop 20 --max-jobs 0
WHY=()
check_run "$tag" "$(args_of "$KINETO" "$FUZZ")"
n=$(reqs "$tag" '/runs/9102/jobs')
[ "$n" = 3 ] || WHY+=("$n jobs pages asked for, expected 3")
for job in 9102005 9102210; do
	n=$(reqs "$tag" "/actions/jobs/$job/logs ")
	[ "$n" = 1 ] || WHY+=("log of job $job asked for $n times")
done
grep -a -q 'next page was asked for already' "$WORK/$tag.err" || WHY+=("no warning about the loop")
verdict "trunk curl: a Link rel=next back to a page asked for: not again, each log once" "$tag"

# -- trunk failures by platform ------------------------------------------------
# Scenario "platforms": run 7001's failed test jobs are named as PyTorch
# names them; each failed one test of its own.  A job counts only for the
# platforms its name says (rocm, win/windows, mac/macos, xpu, asan, dynamo,
# inductor, any case, as whole words between non-letters; none: linux); the
# log of a job for none of the run's platforms is not even asked for.
# Job 7001000+i failed PLAT_TEST[i] and is for the platforms PLAT_FOR[i]
# (canonical names: win is windows, mac is macos).
PLAT_TEST=([1]="$KINETO" "$FUZZ" "$ANNOT" "$MEMPROF" "$PLAIN" "$SIZE10" "$KINETO_API"
	"$SCRIPT_PAYLOAD" "$MEMCUDA" "$SYNC" "$OPSCPU")
PLAT_FOR=([1]=linux rocm windows macos "dynamo dynamo_wrapped" asan inductor xpu linux
	"rocm dynamo dynamo_wrapped" windows)

# plat_jobs NAME...: the indexes of the jobs for any of those platforms.
plat_jobs() {
	local i p
	for i in "${!PLAT_FOR[@]}"; do
		for p in "$@"; do
			case " ${PLAT_FOR[$i]} " in *" $p "*) echo "$i"; break ;; esac
		done
	done
}

# --platform value, then the canonical names it stands for (an inductor
# run is a dynamo run too, as in PyTorch's harness).
for c in linux:linux rocm:rocm win:windows windows:windows mac:macos macos:macos \
	xpu:xpu asan:asan "inductor:inductor dynamo dynamo_wrapped" dynamo:dynamo dynamo_wrapped:dynamo_wrapped \
	"linux,dynamo_wrapped:linux dynamo_wrapped" "rocm,win:rocm windows"; do
	plat=${c%%:*}
	tag=curl-plat-${plat//,/-}
	# shellcheck disable=SC2086 # the names are words
	mapfile -t jobs < <(plat_jobs ${c#*:})
	want=() alts=
	for i in "${jobs[@]}"; do
		want+=("${PLAT_TEST[$i]}")
		alts=$alts${alts:+|}$((7001000 + i))
	done
	trunk "$tag" curl platforms 15 --max-jobs 0 --platform "$plat"
	WHY=()
	check_run "$tag" "$(args_of "${want[@]}")"
	n=$(reqs "$tag" '/logs ')
	[ "$n" = "${#want[@]}" ] || WHY+=("$n logs asked for, expected ${#want[@]} (the jobs for $plat)")
	n=$(reqs "$tag" "/actions/jobs/($alts)/logs ")
	[ "$n" = "${#want[@]}" ] || WHY+=("the logs asked for are not those of jobs ${jobs[*]}")
	verdict "trunk curl: --platform $plat: the failures of exactly the jobs for it (${#want[@]} of 11), only their logs read" "$tag"
done

# -v: one line for each failed job not read, naming it, its platforms and
# the run's; the tests of those jobs are never named (their logs are not
# read); the summary counts them.
tag=curl-plat-verbose
trunk "$tag" curl platforms 15 --max-jobs 0 --platform linux -v
WHY=()
check_run "$tag" "$(args_of "$KINETO" "$MEMCUDA")"
n=$(grep -a -c "not this run's platforms" "$WORK/$tag.err")
[ "$n" = 9 ] || WHY+=("$n lines about jobs for other platforms, expected 9 (one a job)")
for j in 2 3 4 5 6 7 8 10 11; do
	n=$(grep -a -c "job $((7001000 + j)) of run 7001, .*not this run's platforms (linux)" "$WORK/$tag.err")
	[ "$n" = 1 ] || WHY+=("job $((7001000 + j)): $n lines, expected 1")
done
grep -a -q -F 'job 7001002 of run 7001, linux-focal-rocm6.2-py3.10 / test (default, 1, 6, linux.rocm.gpu.2): for rocm, not' "$WORK/$tag.err" ||
	WHY+=("the line of job 7001002 does not name it and rocm: $(grep -a 7001002 "$WORK/$tag.err" | head -n 1)")
grep -a -q "job 7001010 of run 7001, .*: for rocm,dynamo,dynamo_wrapped, not" "$WORK/$tag.err" ||
	WHY+=("the line of job 7001010 does not say rocm,dynamo,dynamo_wrapped")
grep -a -q "trunk: 9 failed jobs for other platforms than this run's (linux): not read" "$WORK/$tag.err" ||
	WHY+=("no summary line counting the 9 jobs")
t=$(grep -a -E 'test_fuzz_symbolize|test_user_annotation|test_sync_cuda' "$WORK/$tag.err" | head -n 1)
[ -z "$t" ] || WHY+=("a test of a job not read is named: $t")
verdict "trunk curl: -v: one line per failed job for other platforms (9), naming its platforms" "$tag"

tag=curl-plat-quiet
trunk "$tag" curl platforms 15 --max-jobs 0 --platform linux
WHY=()
n=$(grep -a -c "not this run's platforms" "$WORK/$tag.err")
[ "$n" = 0 ] || WHY+=("$n lines about single jobs without -v")
grep -a -q 'trunk: 9 failed jobs for other platforms' "$WORK/$tag.err" || WHY+=("no line counting them")
verdict "trunk curl: without -v, the jobs for other platforms are one line with their count" "$tag"

# --trunk-any-platform: every failed job counts, on every platform, as
# before.
for plat in linux rocm; do
	tag=curl-plat-any-$plat
	trunk "$tag" curl platforms 15 --max-jobs 0 --platform "$plat" --trunk-any-platform -v
	WHY=()
	check_run "$tag" "$(args_of "${PLAT_TEST[@]}")"
	[ "$(reqs "$tag" '/logs ')" = 11 ] || WHY+=("$(reqs "$tag" '/logs ') logs asked for, expected 11")
	grep -a -E -q "failed jobs for other platforms|not this run's platforms" "$WORK/$tag.err" &&
		WHY+=("a line about jobs for other platforms")
	verdict "trunk curl: --trunk-any-platform --platform $plat: all 11 failed jobs count" "$tag"
done

# --max-jobs counts the jobs for the run's platforms: --platform win
# --max-jobs 1 takes job 3, not job 1 (the run's first failed job).
tag=curl-plat-max1
trunk "$tag" curl platforms 15 --max-jobs 1 --platform win
WHY=()
check_run "$tag" "$(args_of "$ANNOT")"
[ "$(reqs "$tag" '/logs ')" = 1 ] || WHY+=("$(reqs "$tag" '/logs ') logs asked for, expected 1")
verdict "trunk curl: --max-jobs 1 --platform win: the first failed job for win" "$tag"

# The platforms in the reasons: json lists them; --format pytorch writes
# them as the runtime entries' platforms (PyTorch's harness applies them
# the same way); with --trunk-any-platform there are none (every platform).
tag=curl-plat-json
trunk "$tag" curl platforms 15 --max-jobs 0 --platform rocm,linux --format json
trunk "$tag-any" curl platforms 15 --max-jobs 0 --platform rocm,linux --format json --trunk-any-platform
trunk "$tag-rt" curl platforms 15 --max-jobs 0 --platform rocm,linux --format pytorch
WHY=()
bad=$("$PY" - "$WORK/$tag.out" "$WORK/$tag-any.out" "$WORK/$tag-rt.out" "$KINETO" "$FUZZ" "$SYNC" "$MEMCUDA" <<'EOF'
import json, sys
def trunk_platforms(path):
    out = {}
    for x in json.load(open(path)):
        for r in x["reasons"]:
            if r["source"] == "trunk-run":
                out[x["node_id"]] = r.get("platforms")
    return out
got, anyp = trunk_platforms(sys.argv[1]), trunk_platforms(sys.argv[2])
kineto, fuzz, sync, memcuda = sys.argv[4:8]
want = {kineto: ["linux"], fuzz: ["rocm"], sync: ["rocm", "dynamo", "dynamo_wrapped"],
        memcuda: ["linux"]}
if got != want:
    print("json platforms %s, expected %s" % (got, want))
if len(anyp) != 11 or any(v is not None for v in anyp.values()):
    print("--trunk-any-platform: %d trunk reasons, platforms %s"
          % (len(anyp), sorted(set(map(str, anyp.values())))))
rt = json.load(open(sys.argv[3]))
wrt = {"test_kineto (__main__.TestProfiler)": ["linux"],
       "test_fuzz_symbolize (__main__.TestExperimentalUtils)": ["rocm"],
       "test_sync_cuda (__main__.TestProfilerCUDACUDA)": ["dynamo", "dynamo_wrapped", "rocm"],
       "test_memory_cuda (__main__.TestProfilerDeviceCUDA)": ["linux"]}
grt = {k: sorted(v[1]) for k, v in rt.items()}
if grt != wrt:
    print("runtime file %s, expected %s" % (grt, wrt))
EOF
) || bad="unreadable output: $bad"
[ -z "$bad" ] || WHY+=("$bad")
verdict "trunk curl: the job's platforms in json and in --format pytorch; none with --trunk-any-platform" "$tag"

# One log naming 10,000 distinct failed tests, each 10 times (100,000
# lines): de-duplicated by a hash set, not a pass over the ones found (that
# took 5.5 s).  The binary run through a wrapper script (make
# check-valgrind's) is given 5 times as long.
tag=curl-distinct
trunk "$tag" curl distinct 30
limit=4000
[ "$(head -c 2 "$EXCLUSIONS")" = '#!' ] && limit=20000
WHY=()
check_run "$tag" "$(args_of "$KINETO")"
[ "$MS" -lt "$limit" ] || WHY+=("took $MS ms, over $limit")
grep -a -q '1 logs: 10000 failed tests, 1 of this run' "$WORK/$tag.err" ||
	WHY+=("the summary does not count 10000 failed tests: $(grep -a 'trunk: 1 runs' "$WORK/$tag.err")")
grep -a -q 'not kept' "$WORK/$tag.err" && WHY+=("failed tests dropped: $(grep -a 'not kept' "$WORK/$tag.err")")
verdict "trunk curl: a log of 10,000 distinct failed tests, 10 times over, in $MS ms" "$tag"

# The token never in any process's argv: the server answers slowly, and
# /proc/*/cmdline of every process is scanned again and again meanwhile.
if start_server --tls "$CERT" "$KEY" --delay 0.25; then
	SLOW_PORT=$PORT
	PORT=${BASE##*:}
	TOKEN=secret-token-123
	tag=tok-scan
	stop=$WORK/scan.stop
	NEEDLE=$TOKEN STOP=$stop TAG=$tag "$PY" - >"$WORK/scan.out" 2>&1 <<'EOF' &
import os, time
needle, stop, tag = os.environ["NEEDLE"].encode(), os.environ["STOP"], os.environ["TAG"].encode()
scans, leaks, curls = 0, set(), set()
while not os.path.exists(stop):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if needle in cmd:
            leaks.add(cmd.replace(b"\0", b" ")[:200])
        if cmd.split(b"\0")[0].endswith(b"curl") and tag in cmd:
            curls.add(pid)
    scans += 1
    time.sleep(0.002)
print(scans, len(curls), len(leaks))
for l in leaks:
    print(l.decode(errors="replace"))
EOF
	scan_pid=$!
	_BG_PIDS="${_BG_PIDS:-} $scan_pid"
	# The server's --delay holds back the 302 and the download alike.
	got=$("$CURL_BIN" -q -s -o /dev/null -L --cacert "$CERT" -w '%{time_total} %{num_redirects} %{http_code}' \
		"https://127.0.0.1:$SLOW_PORT/api/v3/repos/delay-check/basic/actions/jobs/1001005/logs")
	if awk -v g="$got" 'BEGIN { split(g, a, " "); exit !(a[1] >= 0.5 && a[2] == 1 && a[3] == 200) }'; then
		pass "trunk: server --delay 0.25 holds back the log's 302 and its download (curl: $got)"
	else
		fail "trunk: server --delay 0.25 holds back the log's 302 and its download" "curl time, redirects, status: $got"
	fi
	API=https://127.0.0.1:$SLOW_PORT/api/v3
	trunk "$tag" curl basic 20
	API=$BASE/api/v3
	: >"$stop"
	wait "$scan_pid"
	read -r scans curls leaks <"$WORK/scan.out"
	WHY=()
	check_run "$tag" "$WANT_BASIC"
	[ "${leaks:-x}" = 0 ] || WHY+=("the token was in a command line: $(sed -n 2,3p "$WORK/scan.out")")
	[ "${curls:-0}" -ge 3 ] || WHY+=("only ${curls:-0} curl children seen by $scans scans: the scan proves nothing")
	grep -a -q -F "$TOKEN" "$WORK/$tag.out" "$WORK/$tag.err" && WHY+=("the token is in the output")
	verdict "trunk curl: GITHUB_TOKEN never in any argv ($scans scans saw ${curls:-0} curl children)" "$tag"
	WHY=()
	n=$(grep -a -c "^auth: /api/v3/repos/$tag/" "$WORK/server.log")
	m=$(grep -a -c "^auth: /api/v3/repos/$tag/.* Bearer $TOKEN\$" "$WORK/server.log")
	[ "$n" -ge 13 ] && [ "$n" = "$m" ] || WHY+=("$m of $n API requests carried Authorization: Bearer <the token>")
	verdict "trunk curl: the token was sent to the API (Authorization header)" "$tag"
else
	fail "trunk curl: token scan" "the slow server did not start"
fi

# -- many failed jobs, few started before the time limit -----------------------
# 200 failed test jobs, one call at a time, each answer 0.25 s late, 3 s in
# all: most logs are never started.  They are one line, with their count.
if [ -n "${SLOW_PORT:-}" ]; then
	tag=curl-manyfailed
	API=https://127.0.0.1:$SLOW_PORT/api/v3
	trunk "$tag" curl manyfailed 3 --max-jobs 0 -j 1
	API=$BASE/api/v3
	WHY=()
	[ "$RC" = 0 ] || WHY+=("exit status $RC")
	[ "$MS" -lt 6000 ] || WHY+=("took $MS ms with --timeout 3")
	line=$(grep -a -v -m 1 '^exclusions:' "$WORK/$tag.err")
	[ -z "$line" ] || WHY+=("a stderr line without the prefix: $line")
	n=$(grep -a -c 'not started before the time limit' "$WORK/$tag.err")
	[ "$n" = 1 ] || WHY+=("$n lines say what was not started, expected 1")
	grep -a -q -E '^exclusions: trunk: [0-9]+ logs of failed jobs( and [0-9]+ jobs pages?)? not started before the time limit' "$WORK/$tag.err" ||
		WHY+=("the line does not count the logs: $(grep -a 'not started' "$WORK/$tag.err")")
	n=$(grep -a -c 'log of job' "$WORK/$tag.err")
	[ "$n" -le 1 ] || WHY+=("$n lines about single logs (one runs at a time)")
	verdict "trunk curl: 200 failed jobs, -j 1, --timeout 3: the logs never started are one line with their count" "$tag"
else
	skip "trunk curl: 200 failed jobs, -j 1, --timeout 3: the logs never started are one line with their count" "the slow server did not start"
fi
