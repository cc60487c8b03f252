#!/usr/bin/env bash
# Where the GitHub token goes: the Authorization header is sent to the API's
# own origin (scheme, host, port) and nowhere else.  Three loopback servers,
# all test/server.py with the fixtures of test/fixtures/github/:
#
#   A  HTTPS, the API (GH_HOST=127.0.0.1:PORT_A, or --api-url .../api/v3);
#      started with --peer B=... --peer C=..., so that its answers can send
#      the client elsewhere (scenarios authlogs, authruns-b, authruns-c,
#      authnext; server.py "Other origins")
#   B  HTTPS on another port (another origin, same certificate)
#   C  plain HTTP on a third port
#
# Each server logs to its own file ($WORK/A.log ...), every request with
# "auth: PATH <Authorization or (none)>" and "agent: PATH <User-Agent>".
# The binary runs in two setups:
#
#   gh    the gh-token path: the real gh on PATH, logged in to
#         127.0.0.1:$PORT_A (a hosts.yml in GH_CONFIG_DIR, as `gh auth login`
#         writes it; no token variable), GH_HOST=127.0.0.1:$PORT_A,
#         SSL_CERT_FILE, HOME in the scratch directory, no --api-url.
#         exclusions asks gh for the token once (gh auth token --hostname
#         $GH_HOST) and makes every call with curl.
#   curl  the GITHUB_TOKEN path: PATH holds curl and no gh, GITHUB_TOKEN,
#         --api-url https://127.0.0.1:$PORT_A/api/v3.
#
# Assertions, per setup (each run uses its own owner, the case tag, so the
# logs tell its requests apart):
#   (a) the logs that A redirects to B and to C are fetched there, and no
#       request to B or C carries Authorization;
#   (b) a runs list that A redirects to B (or C) is fetched there without the
#       token, and the run's jobs then come from A, with it;
#   (c) a jobs page whose Link rel="next" names B is never asked of B, and
#       stderr says the page was refused (or ignored);
#   (d) every request A received carried Authorization ending in the token;
#   (e) stdout is exactly the deselect line of the failures the logs name;
#   and, gh setup only, (f) every call reached A through curl (its
#   User-Agent), none through gh api.
# The "control" cases feed each check of (a)-(d) and (f) requests made by
# hand with curl that break the rule (a token taken along with
# --location-trusted, a page asked of B, a request to A without the token,
# a gh User-Agent) and pass when the check reports them: no check can pass
# vacuously.
#
# Every run: --root test/sample, an empty disabled list, --fallback never,
# --timeout 20.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"
# curl takes its CA bundle from each setup below (SSL_CERT_FILE as gh does,
# or CURL_CA_BUNDLE), never from the machine's environment, where a
# CURL_CA_BUNDLE would win over SSL_CERT_FILE.
unset CURL_CA_BUNDLE

TIMEOUT_BIN=$(command -v timeout)
CURL_BIN=$(command -v curl)
GH_BIN=$(command -v gh)
OPENSSL_BIN=$(command -v openssl)
# TEST_WITHOUT_GH=1: behave as if gh were not installed (checks the skips).
[ -z "${TEST_WITHOUT_GH:-}" ] || GH_BIN=

# oldcurl: the GITHUB_TOKEN path with a curl that says it is 7.68, which
# does not drop the token on a redirect to another port or scheme: the
# tool must then follow such redirects itself (github_next_hop), one call
# a log, and never hand curl --location with the token.
MODES=(gh curl oldcurl)
# The cases of one setup, in the order they are reported.
case_names() {
	local m=$1
	printf '%s\n' \
		"auth $m: (a) logs redirected to B (https, other port) and C (http): fetched there, no Authorization" \
		"auth $m: (e) logs redirected to B and C: stdout is the failures they name" \
		"auth $m: (b) runs list redirected to B: followed without the token, jobs from A with it" \
		"auth $m: (e) runs list redirected to B: stdout" \
		"auth $m: (b) runs list redirected to C (http): followed without the token, jobs from A with it" \
		"auth $m: (e) runs list redirected to C: stdout" \
		"auth $m: (c) Link rel=next on B: never asked of B, stderr says it was refused" \
		"auth $m: (e) Link rel=next on B: stdout is page 1's failure" \
		"auth $m: (d) every request to A carried Authorization with the token"
	[ "$m" = gh ] && printf '%s\n' "auth gh: (f) every call to A made by curl (User-Agent), none by gh api"
	[ "$m" = oldcurl ] && printf '%s\n' "auth oldcurl: (g) no curl call with the token follows redirects itself, no batch"
	return 0
}
CONTROL_NAMES=("auth: control: (a) check catches a token taken to B and C"
	"auth: control: (b) check catches a token taken along a runs redirect"
	"auth: control: (c) check catches a page asked of B"
	"auth: control: (d) check catches a request to A without the token"
	"auth: control: (f) check catches a call made by gh")

# skip_all WHY: every case skipped, the script ends.
skip_all() {
	local m n
	for n in "${CONTROL_NAMES[@]}"; do skip "$n" "$1"; done
	for m in "${MODES[@]}"; do
		while IFS= read -r n; do skip "$n" "$1"; done < <(case_names "$m")
	done
	exit 0
}

[ -n "$CURL_BIN" ] || skip_all "curl is not installed"
[ -n "$OPENSSL_BIN" ] || skip_all "openssl is not installed"
[ -n "$TIMEOUT_BIN" ] || skip_all "timeout is not installed"

# A certificate for 127.0.0.1, shared by A and B.
CERT=$WORK/cert.pem KEY=$WORK/key.pem
if ! "$OPENSSL_BIN" req -x509 -newkey rsa:2048 -nodes -keyout "$KEY" -out "$CERT" -days 2 \
	-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" >"$WORK/openssl.log" 2>&1; then
	skip_all "openssl could not make a certificate: $(tail -n 1 "$WORK/openssl.log")"
fi

# origin NAME ARGS...: start test/server.py as origin NAME, logging to
# $WORK/NAME.log (lib.sh's start_server_as); its port ends up in
# $WORK/port.NAME.  Stopped at exit.
origin() {
	start_server_as "$@" && echo "$PORT" >"$WORK/port.$1"
}
if ! origin B --tls "$CERT" "$KEY" || ! origin C; then
	fail "auth: servers" "test/server.py did not start: $(cat "$WORK/B.log" "$WORK/C.log" 2>/dev/null | tail -n 3)"
	exit 0
fi
PORT_B=$(cat "$WORK/port.B") PORT_C=$(cat "$WORK/port.C")
if ! origin A --tls "$CERT" "$KEY" --peer "B=https://127.0.0.1:$PORT_B" --peer "C=http://127.0.0.1:$PORT_C"; then
	fail "auth: servers" "test/server.py (A) did not start: $(tail -n 3 "$WORK/A.log" 2>/dev/null)"
	exit 0
fi
PORT_A=$(cat "$WORK/port.A")
API=https://127.0.0.1:$PORT_A/api/v3
# A token of its own for this run: only the binary (through gh or
# GITHUB_TOKEN) and the control requests hold it.
TOKEN=authtest_${RANDOM}_${RANDOM}_$$

# -- the checks -------------------------------------------------------------------
# Each adds the reasons it fails to the array WHY.

# hits NAME TAG [ERE]: requests of case TAG origin NAME received (lib.sh).
hits() {
	requests_of "$@"
}
# authed NAME TAG: how many requests of TAG at NAME carried any Authorization.
authed() {
	local n
	n=$(grep -a -E "^auth: /(api/v3/repos|blobs)/$2/" "$WORK/$1.log" | grep -a -c -v ' (none)$')
	echo "${n:-0}"
}

# (a) check_logs TAG: jobs 8101001 and 8101003 have their log on B, 8101002
# and 8101005 on C (scenario authlogs).
check_logs() {
	local tag=$1 job at other
	for job in 8101001:B 8101003:B 8101002:C 8101005:C; do
		at=${job#*:} job=${job%:*}
		if [ "$at" = B ]; then other=C; else other=B; fi
		[ "$(hits A "$tag" "/actions/jobs/$job/logs ")" -ge 1 ] ||
			WHY+=("the log of job $job was never asked of A")
		[ "$(hits "$at" "$tag" "^request: GET /blobs/$tag/authlogs/$job\\?")" -ge 1 ] ||
			WHY+=("the redirect of job $job's log to $at was not followed")
		[ "$(hits "$other" "$tag" "/$job\\?")" = 0 ] || WHY+=("job $job's log asked of $other")
	done
	for at in B C; do
		n=$(authed "$at" "$tag")
		[ "$n" = 0 ] || WHY+=("$n requests to $at carried Authorization: $(grep -a -E "^auth: /(api/v3/repos|blobs)/$tag/" "$WORK/$at.log" | grep -a -v ' (none)$' | head -n 1)")
	done
}

# (b) check_runs TAG SCENARIO PEER RUN: the runs list redirected to PEER.
check_runs() {
	local tag=$1 scen=$2 at=$3 run=$4 other n m
	if [ "$at" = B ]; then other=C; else other=B; fi
	[ "$(hits A "$tag" '/actions/workflows/pull\.yml/runs\?')" -ge 1 ] || WHY+=("the runs list was never asked of A")
	[ "$(hits "$at" "$tag" "/$scen/actions/workflows/pull\\.yml/runs\\?([^ ]*&)?status=completed")" -ge 1 ] ||
		WHY+=("the runs list's redirect to $at was not followed")
	n=$(authed "$at" "$tag")
	[ "$n" = 0 ] || WHY+=("$n requests to $at carried Authorization: $(grep -a -E "^auth: /api/v3/repos/$tag/" "$WORK/$at.log" | grep -a -v ' (none)$' | head -n 1)")
	[ "$(hits "$at" "$tag" '/jobs')" = 0 ] || WHY+=("jobs asked of $at, not of the API")
	[ "$(hits "$other" "$tag")" = 0 ] || WHY+=("$other was asked for something")
	n=$(grep -a -c -E "^auth: /api/v3/repos/$tag/$scen/actions/runs/$run/jobs" "$WORK/A.log")
	m=$(grep -a -c -E "^auth: /api/v3/repos/$tag/$scen/actions/runs/$run/jobs[^ ]* [A-Za-z]+ $TOKEN\$" "$WORK/A.log")
	[ "$n" -ge 1 ] || WHY+=("run $run's jobs were never asked of A")
	[ "$n" = "$m" ] || WHY+=("$((n - m)) of $n jobs requests to A lacked the token")
}

# (c) check_next TAG: run 8401's page 2 is announced on B (scenario authnext).
check_next() {
	local tag=$1 n
	[ "$(hits A "$tag" '/actions/runs/8401/jobs')" -ge 1 ] || WHY+=("run 8401's jobs were never asked of A")
	n=$(hits B "$tag")
	[ "$n" = 0 ] || WHY+=("$n requests to B (the Link next page was followed): $(grep -a -m 1 -E "^request: GET /(api/v3/repos|blobs)/$tag/" "$WORK/B.log")")
	grep -a -Ei 'page|link|next' "$WORK/$tag.err" 2>/dev/null |
		grep -a -Eiq 'refus|ignor|outside|not followed|elsewhere|other origin' ||
		WHY+=("no stderr line says the next page was refused or ignored")
}

# (d) check_token TAG...: every request of those cases to A carried the token.
check_token() {
	local tag n=0 m=0 k
	for tag in "$@"; do
		k=$(grep -a -c -E "^auth: /(api/v3/repos|blobs)/$tag/" "$WORK/A.log")
		n=$((n + k))
		k=$(grep -a -c -E "^auth: /(api/v3/repos|blobs)/$tag/[^ ]* [A-Za-z]+ $TOKEN\$" "$WORK/A.log")
		m=$((m + k))
	done
	[ "$n" -ge 1 ] || WHY+=("A received no request")
	[ "$n" = "$m" ] || WHY+=("$((n - m)) of $n requests to A lacked Authorization with the token: $(grep -a -h -E "^auth: /(api/v3/repos|blobs)/($(IFS='|'; printf '%s' "$*"))/" "$WORK/A.log" | grep -a -v -E " [A-Za-z]+ $TOKEN\$" | head -n 1)")
}

# (f) check_agent TAG...: every request of those cases to A came from curl.
check_agent() {
	local tag n=0 m=0 k
	for tag in "$@"; do
		k=$(grep -a -c -E "^agent: /(api/v3/repos|blobs)/$tag/" "$WORK/A.log")
		n=$((n + k))
		k=$(grep -a -c -E "^agent: /(api/v3/repos|blobs)/$tag/[^ ]* curl/" "$WORK/A.log")
		m=$((m + k))
	done
	[ "$n" -ge 1 ] || WHY+=("A received no request")
	[ "$n" = "$m" ] || WHY+=("$((n - m)) of $n requests to A were not made by curl: $(grep -a -h -E "^agent: /(api/v3/repos|blobs)/($(IFS='|'; printf '%s' "$*"))/" "$WORK/A.log" | grep -a -v ' curl/' | head -n 1)")
}

# (e) check_out TAG WANT: exit status 0, stdout exactly WANT (a line), every
# stderr line prefixed.
check_out() {
	local tag=$1 want=$2
	[ "$RC" = 0 ] || WHY+=("exit status $RC, expected 0")
	printf '%s\n' "$want" | cmp -s - "$WORK/$tag.out" ||
		WHY+=("stdout is [$(head -c 600 "$WORK/$tag.out")], expected [$want]")
	if grep -a -qv '^exclusions:' "$WORK/$tag.err"; then
		WHY+=("stderr line without the exclusions: prefix: $(grep -a -v '^exclusions:' "$WORK/$tag.err" | head -n 1)")
	fi
}

# verdict NAME TAG: pass when WHY is empty, else fail with it (and show the
# run's stderr, when there is one).
verdict() {
	if [ "${#WHY[@]}" -eq 0 ]; then
		pass "$1"
		return
	fi
	fail "$1" "$(IFS=';'; printf '%s' "${WHY[*]}" | sed 's/;/; /g')"
	if [ -s "$WORK/$2.err" ]; then
		{
			echo "--- $2: exclusions stderr"
			head -c 2000 "$WORK/$2.err" | sed 's/^/  | /'
		} >&2
	fi
}

# control NAME WANT-ERE CHECK ARGS...: run CHECK on requests made by hand
# that break the rule; pass when it reports a reason matching WANT-ERE.
control() {
	local name=$1 want=$2 got; shift 2
	WHY=()
	"$@"
	got=$(IFS=';'; printf '%s' "${WHY[*]}")
	if [ "${#WHY[@]}" -gt 0 ] && printf '%s' "$got" | grep -Eq -- "$want"; then
		pass "$name"
	else
		fail "$name" "the check reported [${got:-nothing}], expected /$want/"
	fi
}

# -- controls: requests by hand that break the rules ------------------------------
# hand URL [CURL ARGS...]: one request with curl, quietly.
hand() {
	local url=$1; shift
	"$CURL_BIN" -q -s -o /dev/null --max-time 10 --cacert "$CERT" "$@" --url "$url"
}
BEARER="Authorization: Bearer $TOKEN"
R=$API/repos
RUNSQ='workflows/pull.yml/runs?branch=main&status=completed&per_page=2'

# (a): the logs on B and C fetched with the token taken along.
for j in 8101001 8101002 8101003 8101005; do
	hand "$R/ctl-a/authlogs/actions/jobs/$j/logs" -H "$BEARER" -L --location-trusted
done
control "${CONTROL_NAMES[0]}" 'requests to B carried Authorization.*requests to C carried Authorization' \
	check_logs ctl-a
# (b): the runs list's redirect to B followed with the token.
hand "$R/ctl-b/authruns-b/actions/$RUNSQ" -H "$BEARER" -L --location-trusted
hand "$R/ctl-b/authruns-b/actions/runs/8201/jobs?per_page=100" -H "$BEARER"
control "${CONTROL_NAMES[1]}" '^[0-9]+ requests to B carried Authorization[^;]*$' \
	check_runs ctl-b authruns-b B 8201
# (c): page 2 asked of B, as a client following Link would; a stderr that
# says the page was refused, so that only the B check can trip.
hand "$R/ctl-c/authnext/actions/runs/8401/jobs?per_page=100" -H "$BEARER"
hand "https://127.0.0.1:$PORT_B/api/v3/repos/ctl-c/authnext/actions/runs/8401/jobs?per_page=100&page=2"
echo 'exclusions: trunk: next page outside the API refused' >"$WORK/ctl-c.err"
control "${CONTROL_NAMES[2]}" '^1 requests to B \(the Link next page was followed\)[^;]*$' check_next ctl-c
# (d): one request to A with the token, one without.
hand "$R/ctl-d/authlogs/actions/$RUNSQ" -H "$BEARER"
hand "$R/ctl-d/authlogs/actions/runs/8101/jobs?per_page=100"
control "${CONTROL_NAMES[3]}" '^1 of 2 requests to A lacked Authorization with the token' check_token ctl-d
# (f): one request by curl, one with gh's User-Agent.
hand "$R/ctl-f/authlogs/actions/$RUNSQ" -H "$BEARER"
hand "$R/ctl-f/authlogs/actions/runs/8101/jobs?per_page=100" -H "$BEARER" -A "GitHub CLI 2.23.0"
control "${CONTROL_NAMES[4]}" '^1 of 2 requests to A were not made by curl' check_agent ctl-f

# -- the binary ---------------------------------------------------------------------
if [ ! -x "$EXCLUSIONS" ]; then
	for m in "${MODES[@]}"; do
		while IFS= read -r n; do skip "$n" "no binary at $EXCLUSIONS (run make exclusions)"; done < <(case_names "$m")
	done
	exit 0
fi

SAMPLE=$TESTDIR/sample
EMPTY_JSON=$WORK/empty.json
echo '{}' >"$EMPTY_JSON"
NOGH_BIN=$WORK/bin-nogh
CWD=$WORK/cwd
mkdir -p "$NOGH_BIN" "$CWD" "$WORK/home" "$GH_CONFIG_DIR"
ln -s "$CURL_BIN" "$NOGH_BIN/curl"
# A curl that calls itself 7.68 and records each command line.
OLDCURL_BIN=$WORK/bin-oldcurl
mkdir -p "$OLDCURL_BIN"
cat >"$OLDCURL_BIN/curl" <<EOF
#!/bin/sh
if [ "\$1" = --version ]; then
	echo "curl 7.68.0 (x86_64-pc-linux-gnu) libcurl/7.68.0 OpenSSL/1.1.1f"
	exit 0
fi
printf '%s\n' "\$*" >>"$WORK/oldcurl.argv"
exec "$CURL_BIN" "\$@"
EOF
chmod +x "$OLDCURL_BIN/curl"

# auth_run TAG MODE SCENARIO: the binary on the scenario, in setup MODE,
# through run_piped (lib.sh: TAG.out, TAG.err, RC, MS).
auth_run() {
	run_piped "$1" 20 auth_child "$2" --repo "$1/$3" --root "$SAMPLE" \
		--disabled-file "$EMPTY_JSON" --fallback never --timeout 20
}
auth_child() (
	local mode=$1 pre=(); shift
	cd "$CWD" || exit 1
	case $mode in
	gh)
		printf '%s:\n    oauth_token: %s\n    user: tester\n    git_protocol: https\n' \
			"127.0.0.1:$PORT_A" "$TOKEN" >"$GH_CONFIG_DIR/hosts.yml"
		export GH_HOST=127.0.0.1:$PORT_A SSL_CERT_FILE=$CERT HOME=$WORK/home GH_CONFIG_DIR
		;;
	curl)
		export PATH=$NOGH_BIN GITHUB_TOKEN=$TOKEN CURL_CA_BUNDLE=$CERT
		pre=(--api-url "$API")
		;;
	oldcurl)
		export PATH=$OLDCURL_BIN GITHUB_TOKEN=$TOKEN CURL_CA_BUNDLE=$CERT
		pre=(--api-url "$API")
		;;
	esac
	exec "$TIMEOUT_BIN" -k 2 30 "$EXCLUSIONS" "${pre[@]}" "$@"
)

# The node ids of test/sample the fixture logs name.
T=test/profiler
K=$T/test_profiler.py::TestProfiler
KINETO=$K::test_kineto
KINETO_API=$K::test_kineto_profiler_api
ANNOT=$K::test_user_annotation
FUZZ=$T/test_profiler.py::TestExperimentalUtils::test_fuzz_symbolize
PLAIN=$T/test_parametrized.py::TestParam::test_plain
SIZE10=$T/test_parametrized.py::TestParam::test_size_n_10
OPSCPU=$T/test_profiler_device.py::TestProfilerDeviceCPU::test_ops_cpu_float32
args_of() {
	printf '%s\n' "$@" | sort -u | sed 's/^/--deselect=/' | paste -sd' ' -
}

for mode in "${MODES[@]}"; do
	mapfile -t NAMES < <(case_names "$mode")
	if [ "$mode" = gh ] && [ -z "$GH_BIN" ]; then
		for n in "${NAMES[@]}"; do skip "$n" "gh is not installed"; done
		continue
	fi

	tag=$mode-logs
	auth_run "$tag" "$mode" authlogs
	WHY=(); check_logs "$tag"; verdict "${NAMES[0]}" "$tag"
	WHY=(); check_out "$tag" "$(args_of "$KINETO" "$FUZZ" "$PLAIN" "$SIZE10")"; verdict "${NAMES[1]}" "$tag"

	tag=$mode-runsb
	auth_run "$tag" "$mode" authruns-b
	WHY=(); check_runs "$tag" authruns-b B 8201; verdict "${NAMES[2]}" "$tag"
	WHY=(); check_out "$tag" "$(args_of "$ANNOT")"; verdict "${NAMES[3]}" "$tag"

	tag=$mode-runsc
	auth_run "$tag" "$mode" authruns-c
	WHY=(); check_runs "$tag" authruns-c C 8301; verdict "${NAMES[4]}" "$tag"
	WHY=(); check_out "$tag" "$(args_of "$OPSCPU")"; verdict "${NAMES[5]}" "$tag"

	tag=$mode-next
	auth_run "$tag" "$mode" authnext
	WHY=(); check_next "$tag"; verdict "${NAMES[6]}" "$tag"
	WHY=(); check_out "$tag" "$(args_of "$KINETO_API")"; verdict "${NAMES[7]}" "$tag"

	tags=("$mode-logs" "$mode-runsb" "$mode-runsc" "$mode-next")
	WHY=(); check_token "${tags[@]}"; verdict "${NAMES[8]}" "$mode-logs"
	if [ "$mode" = gh ]; then
		WHY=(); check_agent "${tags[@]}"; verdict "${NAMES[9]}" "$mode-logs"
	fi
	if [ "$mode" = oldcurl ]; then
		WHY=()
		n=$(grep -c -- '--config -' "$WORK/oldcurl.argv" 2>/dev/null)
		[ "${n:-0}" -gt 0 ] || WHY+=("no call with the token was recorded")
		n=$(grep -- '--config -' "$WORK/oldcurl.argv" 2>/dev/null | grep -c -- '--location')
		[ "${n:-0}" = 0 ] || WHY+=("$n calls with the token follow redirects themselves")
		n=$(grep -c -- '--parallel' "$WORK/oldcurl.argv" 2>/dev/null)
		[ "${n:-0}" = 0 ] || WHY+=("$n batched calls")
		verdict "${NAMES[9]}" "$mode-logs"
	fi
done
