#!/usr/bin/env bash
# Signals: TERM, INT and HUP sent to the tool while it waits on the network
# (curl fetching /stall from test/server.py on loopback) end its children,
# their process groups included (a child of curl that ignores the signal
# too), and then the tool dies of the same signal: exit status 128 + N as
# the shell sees it.  -o FILE is left as it was, with no temporary file
# beside it.
#
# What these cases prove, and what they do not: the temporary file of -o
# exists only while the result is written, after the network; a signal
# during the wait finds none, so the -o checks here show only that nothing
# is written or left behind then.  The removal of the temporary file by the
# signal handler is proved by test/test_file.c
# (signal_mid_write_leaves_no_temp), where TERM arrives in the middle of the
# write.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "signals" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi
# Started in the background by a script, the tool would have INT ignored
# (and HUP, under nohup): it takes only signals at their default action.
if ! env --default-signal=INT true 2>/dev/null; then
	skip "signals" "env has no --default-signal (coreutils 8.31 or later)"
	exit 0
fi
REAL_CURL=$(command -v curl) || { skip "signals" "curl is not installed"; exit 0; }
# shellcheck disable=SC2119 # no extra server options
if ! start_server; then
	fail "signals: server" "test/server.py did not start: $(tail -n 3 "$WORK/server.log" 2>/dev/null)"
	exit 0
fi
BASE=http://127.0.0.1:$PORT
EMPTY=$WORK/empty
mkdir -p "$EMPTY"

# A curl that first starts a child ignoring HUP, INT and TERM (and that
# child a sleep, which inherits that), detached from curl's pipes, then
# becomes the real curl.  Their pids go to $WORK/$STUBBORN_TAG.pids.
mkdir -p "$WORK/stubborn-bin"
cat >"$WORK/stubborn-bin/curl" <<EOF
#!/bin/sh
sh -c 'trap "" HUP INT TERM; sleep 60 & echo "\$!" >>"\$1"; wait' \\
	"stubborn-\$STUBBORN_TAG" "$WORK/\$STUBBORN_TAG.pids" </dev/null >/dev/null 2>&1 &
echo "\$!" >>"$WORK/\$STUBBORN_TAG.pids"
exec "$REAL_CURL" "\$@"
EOF
chmod +x "$WORK/stubborn-bin/curl"

# alive PID: running (not gone, not a zombie).
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*|'') return 1 ;; esac
	return 0
}

# curls TAG: the processes whose command line carries case=TAG.
curls() { pgrep -f "case=$1([^A-Za-z0-9_-]|\$)"; }

# left TAG: what is still running of the run TAG's children (after up to
# 1 s: a KILL is delivered at once, but the exit takes a moment).
left() {
	local tag=$1 p stray
	for _ in $(seq 1 20); do
		stray=$(curls "$tag")
		if [ -f "$WORK/$tag.pids" ]; then
			while read -r p; do
				[ -n "$p" ] && alive "$p" && stray="$stray $p"
			done <"$WORK/$tag.pids"
		fi
		[ -z "${stray// /}" ] && return 0
		sleep 0.05
	done
	printf '%s' "$stray"
}

# signalled NAME SIG STATUS TAG WAIT_FOR [PATH_PREFIX] -- ARGS...: start the
# tool with ARGS, wait until WAIT_FOR (curl: its curl is running; else
# nothing) and ~0.5 s into the run, send SIG, and judge: exit status STATUS
# within 2 s of the signal, no child left, -o's file as it was.
signalled() {
	local name=$1 sig=$2 status=$3 tag=$4 waitfor=$5 pathpre=$6 pid t0 ts rc why=() stray
	shift 7
	local out=$WORK/$tag/out.txt
	mkdir -p "$WORK/$tag"
	printf 'old\n' >"$out"
	t0=$(now_ms)
	PATH=$pathpre$PATH STUBBORN_TAG=$tag env --default-signal=HUP,INT,TERM \
		"$EXCLUSIONS" "$@" -o "$out" >"$WORK/$tag.stdout" 2>"$WORK/$tag.err" &
	pid=$!
	if [ "$waitfor" = curl ]; then
		while [ -z "$(curls "$tag")" ] && [ $(($(now_ms) - t0)) -lt 5000 ]; do sleep 0.05; done
		[ -n "$(curls "$tag")" ] || why+=("no curl with case=$tag ever ran")
	fi
	while [ $(($(now_ms) - t0)) -lt 500 ]; do sleep 0.05; done
	ts=$(now_ms)
	# (bash's own note that its job died of a signal goes to /dev/null)
	{
		kill -s "$sig" "$pid"
		while kill -0 "$pid" && [ $(($(now_ms) - ts)) -lt 5000 ]; do sleep 0.02; done
		if kill -0 "$pid"; then
			kill -s KILL "$pid"
			why+=("still running 5 s after SIG$sig")
		fi
		wait "$pid"
		rc=$?
	} 2>/dev/null
	[ $(($(now_ms) - ts)) -lt 2000 ] || why+=("took $(($(now_ms) - ts)) ms to die of SIG$sig")
	[ "$rc" = "$status" ] || why+=("exit status $rc, expected $status (SIG$sig)")
	stray=$(left "$tag")
	if [ -n "$stray" ]; then
		stray=$(tr -s ' ' '\n' <<<"$stray" | grep . | paste -sd, -)
		why+=("left running: $(ps -o pid=,args= -p "$stray" 2>/dev/null | tr -s ' \n' ' ')")
	fi
	[ "$(cat "$out")" = old ] || why+=("-o file changed: $(head -c 80 "$out")")
	n=$(find "$WORK/$tag" -name 'out.txt.*' | wc -l)
	[ "$n" -eq 0 ] || why+=("$n temporary files beside the -o file")
	if [ "${#why[@]}" -eq 0 ]; then
		pass "$name"
	else
		fail "$name" "$(IFS=';'; printf '%s' "${why[*]}" | sed 's/;/; /g')"
		sed 's/^/  | /' "$WORK/$tag.err" >&2
	fi
	# Whatever a failed case left behind goes now.
	if [ -f "$WORK/$tag.pids" ]; then
		while read -r p; do [ -n "$p" ] && kill -s KILL "$p" 2>/dev/null; done <"$WORK/$tag.pids"
	fi
	for p in $(curls "$tag"); do kill -s KILL "$p" 2>/dev/null; done
	return 0
}

for s in TERM:143 INT:130 HUP:129; do
	sig=${s%%:*} status=${s##*:}
	tag=sig-$sig
	signalled "signals: SIG$sig while curl waits: status $status, curl gone" \
		"$sig" "$status" "$tag" curl "" -- \
		--disabled-url "$BASE/stall?case=$tag" --timeout 30 --retries 0 --no-trunk --root "$EMPTY"
	tag=stubborn-$sig
	signalled "signals: SIG$sig: curl's own child, ignoring it, killed with curl's group" \
		"$sig" "$status" "$tag" curl "$WORK/stubborn-bin:" -- \
		--disabled-url "$BASE/stall?case=$tag" --timeout 30 --retries 0 --no-trunk --root "$EMPTY"
done

# No child yet: the tool reads a FIFO nobody writes to.
mkfifo "$WORK/nowriter"
signalled "signals: SIGTERM while reading a FIFO: status 143" TERM 143 fifo-TERM none "" -- \
	--disabled-file "$WORK/nowriter" --timeout 30 --no-trunk --root "$EMPTY"
