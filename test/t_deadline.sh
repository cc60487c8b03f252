#!/usr/bin/env bash
# The time limit covers the whole run, local work included, and standard
# input is what it is:
#  1. --disabled-file that never ends (a FIFO nobody writes to, standard
#     input a pipe held open by a process that never writes, a stream that
#     trickles on, a FIFO as --collected): at --timeout the list fails as a
#     source, the fallback rule applies, the result is printed, exit 0, and
#     the run ends within --timeout + 1 s (wall time measured here, a bound,
#     not a benchmark);
#  2. with standard input closed, --disabled-file - fails as a read of
#     standard input (one warning line), never as a read of whatever file
#     took descriptor 0;
#  3. without PATH, curl and gh are found where execvp finds them (the
#     system's default path), and no line says curl is missing when it is
#     there.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "deadline" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi

EMPTY=$WORK/empty
mkdir -p "$EMPTY"
SAMPLE=$TESTDIR/sample
SNAP=$DATA/disabled-tests-condensed.2026-08-21.json
printf 'not a list\n' >"$WORK/broken.json"

# The fallback line: what a run prints when the list fails as a source.
"$EXCLUSIONS" -q --disabled-file "$WORK/broken.json" --root "$EMPTY" --no-trunk \
	>"$WORK/fallback.out" 2>/dev/null
"$EXCLUSIONS" -q --disabled-file "$WORK/broken.json" --root "$SAMPLE" --no-trunk \
	>"$WORK/fallback-sample.out" 2>/dev/null
if ! grep -q -- '--deselect=' "$WORK/fallback.out"; then
	fail "deadline: the fallback line" "a run with a broken list printed no fallback: $(head -c 200 "$WORK/fallback.out")"
	exit 0
fi

# timed TAG CMD...: run CMD (stdin as the caller redirects it), stdout and
# stderr into $WORK/TAG.out and .err; sets RC and MS (wall time in ms).
timed() {
	local tag=$1 t0 t1; shift
	t0=$(now_ms)
	"$@" >"$WORK/$tag.out" 2>"$WORK/$tag.err"
	RC=$?
	t1=$(now_ms)
	MS=$((t1 - t0))
}

# bounded NAME TAG LIMIT_S WANT_OUT CAUSE_RE: the verdict on a run that met
# its time limit: exit 0, stdout exactly WANT_OUT's contents, a stderr line
# matching CAUSE_RE, at most LIMIT_S + 1 s.
bounded() {
	local name=$1 tag=$2 limit=$3 want=$4 cause=$5 why=()
	[ "$RC" = 0 ] || why+=("exit status $RC, expected 0")
	cmp -s "$want" "$WORK/$tag.out" ||
		why+=("stdout is not the fallback (got: $(head -c 120 "$WORK/$tag.out"))")
	grep -Eq -- "$cause" "$WORK/$tag.err" || why+=("no stderr line matches /$cause/")
	[ "$MS" -lt $((limit * 1000 + 1000)) ] || why+=("took $MS ms, limit ${limit} s + 1 s")
	if [ "${#why[@]}" -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "$(IFS=';'; printf '%s' "${why[*]}" | sed 's/;/; /g')"
		sed 's/^/  | /' "$WORK/$tag.err" >&2
	fi
}

TIME_RE='disabled list .*time limit'

# ---- 1. reads that never end -------------------------------------------

# A FIFO nobody opens for writing: opening it must not wait for a writer.
mkfifo "$WORK/nowriter"
timed fifo timeout -k 1 8 "$EXCLUSIONS" --disabled-file "$WORK/nowriter" --timeout 2 \
	--root "$EMPTY" --no-trunk </dev/null
bounded "deadline: a FIFO with no writer as --disabled-file" fifo 2 "$WORK/fallback.out" "$TIME_RE"

# Standard input a pipe that a process holds open and never writes to (the
# process substitution is not waited for: the time is the run's own).
timed stdin-held timeout -k 1 8 "$EXCLUSIONS" --disabled-file - --timeout 2 \
	--root "$EMPTY" --no-trunk < <(exec -a "held-stdin-$$" sleep 30)
pkill -f "^held-stdin-$$ " 2>/dev/null
bounded "deadline: --disabled-file - from a pipe that never ends" stdin-held 2 \
	"$WORK/fallback.out" "$TIME_RE"

# A stream that goes on: something to read every 0.1 s, never the end.
timed stdin-trickle timeout -k 1 8 "$EXCLUSIONS" --disabled-file - --timeout 2 \
	--root "$EMPTY" --no-trunk \
	< <(exec -a "trickle-$$" sh -c 'while :; do echo " " || exit; sleep 0.1; done')
pkill -f "^trickle-$$ " 2>/dev/null
bounded "deadline: --disabled-file - trickling on past the time limit" stdin-trickle 2 \
	"$WORK/fallback.out" "$TIME_RE"

# The collected list from a FIFO nobody writes to: at the time limit it is
# given up (the test tree serves instead) and the list, a plain file read
# after the time limit, still counts.
mkfifo "$WORK/nocollected"
timed collected timeout -k 1 8 "$EXCLUSIONS" --collected "$WORK/nocollected" --timeout 2 \
	--disabled-file "$SNAP" --root "$SAMPLE" --no-trunk </dev/null
why=()
[ "$RC" = 0 ] || why+=("exit status $RC")
[ "$MS" -lt 3000 ] || why+=("took $MS ms, limit 2 s + 1 s")
grep -Eq 'collected list .*time limit' "$WORK/collected.err" ||
	why+=("no stderr line says the collected list met the time limit")
if [ "${#why[@]}" -eq 0 ]; then
	pass "deadline: a FIFO with no writer as --collected"
else
	fail "deadline: a FIFO with no writer as --collected" "${why[*]}"
	sed 's/^/  | /' "$WORK/collected.err" >&2
fi

# ---- 2. standard input closed ---------------------------------------------
# A wrapper script (make check-valgrind runs the binary through one) is
# read by its shell on the lowest free descriptor: standard input is then
# not closed when the binary starts, and there is nothing to test.
if [ "$(head -c 4 "$EXCLUSIONS" 2>/dev/null | od -An -c | tr -d ' ')" != '177ELF' ]; then
	skip "stdin: closed, --disabled-file - fails as a read of standard input" "$EXCLUSIONS is a wrapper, not the binary"
	skip "stdin: closed, no file of the test tree is read as standard input" "$EXCLUSIONS is a wrapper, not the binary"
else

	# No test tree: one warning, and it says why.
	timed closed-empty timeout -k 1 8 "$EXCLUSIONS" -q --disabled-file - --root "$EMPTY" \
		--no-trunk <&-
	why=()
	[ "$RC" = 0 ] || why+=("exit status $RC")
	cmp -s "$WORK/fallback.out" "$WORK/closed-empty.out" || why+=("stdout is not the fallback")
	n=$(grep -c 'disabled list' "$WORK/closed-empty.err")
	[ "$n" -eq 1 ] || why+=("$n warnings about the disabled list, expected 1")
	grep -Eq '^exclusions: disabled list -: standard input is closed$' "$WORK/closed-empty.err" ||
		why+=("the warning is not 'disabled list -: standard input is closed': $(grep 'disabled list' "$WORK/closed-empty.err" | head -n 1)")
	if [ "${#why[@]}" -eq 0 ]; then
		pass "stdin: closed, --disabled-file - fails as a read of standard input"
	else
		fail "stdin: closed, --disabled-file - fails as a read of standard input" "${why[*]}"
	fi

	# With a test tree: its files are opened before the list is read, and none
	# of them may be taken for standard input.
	timed closed-tree timeout -k 1 8 "$EXCLUSIONS" -q --disabled-file - --root "$SAMPLE" \
		--no-trunk <&-
	why=()
	[ "$RC" = 0 ] || why+=("exit status $RC")
	cmp -s "$WORK/fallback-sample.out" "$WORK/closed-tree.out" || why+=("stdout is not the fallback")
	n=$(grep -c 'disabled list' "$WORK/closed-tree.err")
	[ "$n" -eq 1 ] || why+=("$n lines about the disabled list, expected 1")
	grep -q 'disabled list -: standard input is closed$' "$WORK/closed-tree.err" ||
		why+=("no 'standard input is closed' line: $(grep 'disabled list' "$WORK/closed-tree.err" | head -n 1)")
	if [ "${#why[@]}" -eq 0 ]; then
		pass "stdin: closed, no file of the test tree is read as standard input"
	else
		fail "stdin: closed, no file of the test tree is read as standard input" "${why[*]}"
	fi
fi

# ---- 3. no PATH -------------------------------------------------------------

DEFAULT_PATH=$(getconf PATH 2>/dev/null || echo /bin:/usr/bin)
curl_at=
IFS=: read -r -a dirs <<<"$DEFAULT_PATH"
for d in "${dirs[@]}"; do
	[ -x "$d/curl" ] && { curl_at=$d/curl; break; }
done
if [ -z "$curl_at" ]; then
	skip "no PATH" "curl is not in the default path $DEFAULT_PATH"
else
	# The trunk source looks for curl (and gh) itself; gh has no login
	# here and the API is a refused port on loopback, so nothing leaves
	# the machine.  A token is set, so that the trunk source gets as far
	# as looking for curl.
	timed nopath timeout -k 1 20 env -u PATH GITHUB_TOKEN=dummy-token "$EXCLUSIONS" \
		--disabled-file "$SNAP" --api-url http://127.0.0.1:1/api/v3 \
		--root "$EMPTY" --timeout 10 </dev/null
	why=()
	[ "$RC" = 0 ] || why+=("exit status $RC")
	bad=$(grep -Ei 'curl.*(not installed|not found)|(not installed|not found).*curl|nor curl' "$WORK/nopath.err")
	[ -z "$bad" ] || why+=("says curl is missing: $bad")
	grep -q 'disabled list: 164 entries' "$WORK/nopath.err" || why+=("the list was not read")
	if [ "${#why[@]}" -eq 0 ]; then
		pass "no PATH: curl in the default path is not reported missing"
	else
		fail "no PATH: curl in the default path is not reported missing" "${why[*]}"
		sed 's/^/  | /' "$WORK/nopath.err" >&2
	fi
	# And the run uses it there: the list over loopback HTTP.
	# shellcheck disable=SC2119 # no extra server options
	if start_server; then
		timed nopath-http timeout -k 1 20 env -u PATH "$EXCLUSIONS" --no-trunk \
			--disabled-url "http://127.0.0.1:$PORT/data/${SNAP##*/}?case=nopath" \
			--retries 0 --root "$EMPTY" --timeout 10 </dev/null
		if [ "$RC" = 0 ] && grep -q 'disabled list: 164 entries' "$WORK/nopath-http.err"; then
			pass "no PATH: curl found as execvp finds it, the list fetched"
		else
			fail "no PATH: curl found as execvp finds it, the list fetched" \
				"exit $RC; $(grep -i 'disabled list' "$WORK/nopath-http.err" | head -n 2)"
		fi
	else
		skip "no PATH: over HTTP" "test/server.py did not start"
	fi
fi
