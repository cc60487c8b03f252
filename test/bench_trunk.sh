#!/usr/bin/env bash
# Benchmark of the trunk source (prints figures, asserts nothing).
#
# 1. Parallel calls against a slow API: test/server.py (HTTPS on loopback,
#    scenario "bench" of test/fixtures/github/) answers every response after
#    --delay 0.2 s, the log's 302 and its download included.  2 runs of 5
#    failed test jobs each, one jobs page per run: the dependency chain is
#    runs -> jobs -> log (302) -> download, 4 round trips = 0.8 s.  Through
#    the real gh (when installed) and through curl + GITHUB_TOKEN, exclusions
#    -j 10 (best of BENCH_RUNS, default 3) is timed beside that bound and
#    beside -j 1 (one call at a time: 1 + 2 + 10 calls, 1 + 2 + 10 x 2 = 23
#    round trips, 4.6 s).
# 2. The log scanner alone (test/bench_logscan.c, when present): ~1 GB of a
#    GitHub Actions-shaped log, MB/s and peak RSS.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
# Nothing here may reach the real GitHub.
unset GH_TOKEN GITHUB_TOKEN GH_ENTERPRISE_TOKEN GITHUB_ENTERPRISE_TOKEN GH_HOST
export GH_NO_UPDATE_NOTIFIER=1 GH_PROMPT_DISABLED=1

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
EXCL=${EXCLUSIONS:-$TOP/exclusions}
DELAY=0.2
RUNS=${BENCH_RUNS:-3}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/exclusions-bench-trunk.XXXXXX")
SERVER_PID=
cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT

now_ns() { date +%s%N; }

echo "trunk source: parallel calls against a fake GitHub answering after $DELAY s"
if [ ! -x "$EXCL" ]; then
	echo "  skipped: $EXCL is not built (make exclusions)"
elif ! openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
	-days 2 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" >"$TMP/openssl.log" 2>&1; then
	echo "  skipped: openssl could not make a certificate"
else
	"$PY" test/server.py --port-file "$TMP/port" --tls "$TMP/cert.pem" "$TMP/key.pem" \
		--delay "$DELAY" 2>"$TMP/server.log" &
	SERVER_PID=$!
	for _ in $(seq 1 100); do
		[ -s "$TMP/port" ] && break
		sleep 0.05
	done
	PORT=$(cat "$TMP/port" 2>/dev/null)
	echo '{}' >"$TMP/empty.json"
	mkdir -p "$TMP/home" "$TMP/nogh"
	ln -s "$(command -v curl)" "$TMP/nogh/curl"
	# The real gh first (what CI uses), then curl + GITHUB_TOKEN.
	MODES=(curl)
	command -v gh >/dev/null 2>&1 && MODES=(gh curl)

	# one MODE TAG JOBS: one timed run with -j JOBS; sets WALL (seconds),
	# WORDS (deselect words printed) and REQS (requests the server saw).
	# The owner TAG tells the run's requests apart.
	one() {
		local mode=$1 tag=$2 jobs=$3 t0 t1
		t0=$(now_ns)
		(
			transport_env "$mode"
			exec "$EXCL" --repo "$tag/bench" --api-url "https://127.0.0.1:$PORT/api/v3" \
				--runs 2 --max-jobs 5 --parallel "$jobs" --root test/sample \
				--disabled-file "$TMP/empty.json" --fallback never --timeout 60 \
				</dev/null >"$TMP/$tag.out" 2>"$TMP/$tag.err"
		)
		t1=$(now_ns)
		WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
		WORDS=$(tr ' ' '\n' <"$TMP/$tag.out" | grep -c -- '--deselect=')
		REQS=$(grep -a -c -E "^request: GET /(api/v3/repos|blobs)/$tag/" "$TMP/server.log")
	}

	# transport_env MODE (in a subshell): the environment of one transport:
	# the real gh against the server, or curl + GITHUB_TOKEN with no gh.
	transport_env() {
		if [ "$1" = gh ]; then
			export GH_HOST=127.0.0.1:$PORT GH_ENTERPRISE_TOKEN=x SSL_CERT_FILE=$TMP/cert.pem \
				HOME=$TMP/home GH_CONFIG_DIR=$TMP/home/gh
		else
			export PATH=$TMP/nogh GITHUB_TOKEN=bench-token CURL_CA_BUNDLE=$TMP/cert.pem
		fi
	}

	# chain MODE: the 3 dependent calls of one log (runs, jobs, log through
	# its redirect) made by hand one after another, the same way exclusions
	# makes them: the floor for this transport.  Sets WALL.
	chain() {
		local mode=$1 t0 t1 r=repos/chain-$1/bench/actions
		local paths=("$r/workflows/pull.yml/runs?branch=main&status=completed&per_page=2"
			"$r/runs/7001/jobs?per_page=100" "$r/jobs/7001001/logs")
		t0=$(now_ns)
		(
			if [ "$mode" = gh ]; then
				transport_env gh
				for p in "${paths[@]}"; do
					gh api -H "Accept: application/vnd.github+json" -- "$p" >/dev/null || exit 1
				done
			else
				for p in "${paths[@]}"; do
					printf 'header = "Authorization: Bearer bench-token"\n' |
						curl -q -s -f -L --config - --cacert "$TMP/cert.pem" \
							--url "https://127.0.0.1:$PORT/api/v3/$p" >/dev/null || exit 1
				done
			fi
		) || echo "    (a call of the hand-made chain failed)"
		t1=$(now_ns)
		WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	}

	if [ -z "$PORT" ]; then
		echo "  skipped: test/server.py did not start: $(tail -n 2 "$TMP/server.log")"
	else
		printf '  %d CPUs, load average %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
		for mode in "${MODES[@]}"; do
			echo
			if [ "$mode" = gh ]; then
				echo "  through gh ($(gh --version | head -n 1)):"
			else
				echo "  through curl + GITHUB_TOKEN ($(curl --version | head -n 1 | cut -d' ' -f1-2)):"
			fi
			best=
			for i in $(seq 1 "$RUNS"); do
				one "$mode" "$mode-par$i" 10
				printf '    -j 10, run %d: %6.3f s  (%s deselect words, %s requests)\n' "$i" "$WALL" "$WORDS" "$REQS"
				if [ -z "$best" ] || awk -v a="$WALL" -v b="$best" 'BEGIN { exit !(a < b) }'; then
					best=$WALL
				fi
			done
			one "$mode" "$mode-seq" 1
			seq_wall=$WALL
			printf '    -j 1,  one call at a time: %6.3f s  (%s deselect words, %s requests)\n' "$WALL" "$WORDS" "$REQS"
			chain "$mode"
			awk -v p="$best" -v s="$seq_wall" -v d="$DELAY" -v h="$WALL" -v m="$mode" 'BEGIN {
				chain = 4 * d
				printf "    %-42s %8s\n", "", "wall s"
				printf "    %-42s %8.3f\n", "dependency-chain bound (4 round trips)", chain
				printf "    %-42s %8.3f  (%s start-up and TLS included)\n", "the 3 chained calls by hand, one by one", h, m
				printf "    %-42s %8.3f  (aim: under %.1f s; %.2fx the bound)\n", "exclusions -j 10, best of runs", p, 3 * chain / 2, p / chain
				printf "    %-42s %8.3f  (at least 13 round trips = %.1f s)\n", "exclusions -j 1 (sequential baseline)", s, 13 * d
				printf "    %-42s %8.1fx\n", "speed-up of -j 10 over -j 1", (p > 0 ? s / p : 0)
			}'
			grep -a -h 'trunk:' "$TMP/$mode-par1.err" | sed 's/^/    stderr of -j 10: /' | head -n 3
		done
	fi
fi

echo
echo "log scanner (test/bench_logscan.c):"
if [ -f test/bench_logscan.c ]; then
	if ${CC:-gcc} -O2 -I. -o "$TMP/bench_logscan" test/bench_logscan.c logscan.c util.c 2>"$TMP/cc.log" ||
		${CC:-gcc} -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I. -o "$TMP/bench_logscan" \
			test/bench_logscan.c logscan.c util.c 2>"$TMP/cc.log"; then
		"$TMP/bench_logscan" 2>&1 | sed 's/^/  /'
	else
		echo "  build failed:"
		head -n 5 "$TMP/cc.log" | sed 's/^/  | /'
	fi
else
	echo "  (test/bench_logscan.c not present)"
fi
