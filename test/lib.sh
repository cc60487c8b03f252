# shellcheck shell=bash
# Shared helpers for the integration tests.  Each test script sources this,
# reports every case with pass/fail/skip, and test/run adds them up.
#
# Results are lines on stdout:  PASS: name | FAIL: name: why | SKIP: name: why

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXCLUSIONS=${EXCLUSIONS:-$TOP/exclusions}
DATA=${DATA:-$TOP/test/data}
TESTDIR=$TOP/test
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1

pass() { printf 'PASS: %s\n' "$1"; }
fail() { printf 'FAIL: %s: %s\n' "$1" "${2:-}"; }
skip() { printf 'SKIP: %s: %s\n' "$1" "${2:-}"; }

# check NAME CONDITION-COMMAND... : pass when the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name" "failed: $*"; fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"
	else fail "$1" "expected [$2], got [$3]"; fi
}

# The tests never reach the internet: gh gets no credentials and no stored
# login (it then fails at once, exit 4), and curl gets no token.
unset GH_TOKEN GITHUB_TOKEN GH_ENTERPRISE_TOKEN GITHUB_ENTERPRISE_TOKEN GH_HOST
# curl's CA bundle comes from each case (CURL_CA_BUNDLE, or SSL_CERT_FILE as
# gh takes it), never from the machine's environment.
unset CURL_CA_BUNDLE
export GH_NO_UPDATE_NOTIFIER=1 GH_PROMPT_DISABLED=1

# A scratch directory removed when the script exits.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/exclusions-test.XXXXXX")
_cleanup() {
	local pid
	for pid in ${_BG_PIDS:-}; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	rm -rf "$WORK"
}
trap _cleanup EXIT
export GH_CONFIG_DIR=$WORK/gh-config
# The cache of the fetched list (--cache-dir's default): this script's own,
# never the user's.
export EXCLUSIONS_CACHE_DIR=$WORK/cache

# Python for test servers and helpers: Debian's, which has pytest.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# start_server [ARGS...]: run test/server.py on 127.0.0.1 with a free port,
# logging to $WORK/server.log; sets PORT and remembers the pid so that it
# is stopped at exit.
start_server() {
	start_server_as server "$@"
}

# start_server_as NAME [ARGS...]: the same, logging to $WORK/NAME.log (for
# tests that run several servers and tell their requests apart).
start_server_as() {
	local name=$1 portfile=$WORK/port.$$.$RANDOM
	shift
	"$PY" "$TESTDIR/server.py" --port-file "$portfile" "$@" 2>>"$WORK/$name.log" &
	_BG_PIDS="${_BG_PIDS:-} $!"

	for _ in $(seq 1 100); do
		[ -s "$portfile" ] && break
		sleep 0.05
	done
	PORT=$(cat "$portfile" 2>/dev/null)
	[ -n "$PORT" ]
}

# usage_error_shape RC OUT ERR: is this run (status RC, stdout in file OUT,
# stderr in file ERR) a usage error as the tool prints them: status 2,
# nothing on stdout, exactly two lines on stderr, "exclusions: ..." then
# "Try 'exclusions --help'."?
usage_error_shape() {
	local l1
	l1=$(sed -n 1p "$3")
	[ "$1" -eq 2 ] && [ ! -s "$2" ] && [ "$(wc -l <"$3")" -eq 2 ] &&
		[ "${l1#exclusions: }" != "$l1" ] && [ "$(sed -n 2p "$3")" = "Try 'exclusions --help'." ]
}

# requests_of NAME TAG [ERE]: how many requests of case TAG the server that
# logs to $WORK/NAME.log received (API paths and blobs; the tests put the
# case tag where the owner goes), only those whose request line matches
# ERE if given.
requests_of() {
	local n
	n=$(grep -a -E "^request: GET /(api/v3/repos|blobs)/$2/" "$WORK/$1.log" |
		grep -a -c -E -- "${3:-.}")
	echo "${n:-0}"
}

# now_ms: wall clock in milliseconds.
now_ms() { date +%s%3N; }

# run_piped TAG LIMIT CMD...: run CMD (a program or a shell function) with
# stdin closed; its stdout and stderr go through pipes into $WORK/TAG.out and
# $WORK/TAG.err, so that a child left holding either of them (as
# `X=$(exclusions)` would notice) counts in the time.  Sets RC (its status,
# or "none") and MS (wall time in ms).  The readers give up LIMIT + 12 s
# after the start, so a hung CMD cannot hang the script; CMD should bound
# itself with timeout(1) within that.
run_piped() {
	local tag=$1 limit=$2; shift 2
	local t0 t1 cap=$((limit + 12))
	rm -f "$WORK/$tag.rc"
	t0=$(now_ms)
	{
		{
			"$@" </dev/null 2>&1 >&3 3>&-
			echo "$?" >"$WORK/$tag.rc"
		} | timeout "$cap" cat >"$WORK/$tag.err" 3>&-
	} 3>&1 | timeout "$cap" cat >"$WORK/$tag.out"
	t1=$(now_ms)
	# shellcheck disable=SC2034 # RC and MS are for the caller
	MS=$((t1 - t0))
	RC=$(cat "$WORK/$tag.rc" 2>/dev/null)
	RC=${RC:-none}
}
