#!/usr/bin/env bash
# The cache of the published list and the guard against bad publishes
# (cache.h, src_list.c), against test/server.py's /cached/ route on
# loopback, checking what the server saw: requests, conditional headers,
# bodies sent.  Time is set with EXCLUSIONS_NOW.
#
# Every run prints PyTorch's runtime file (--format pytorch), which holds
# every entry of the list used, so the number of its entries tells which
# list a run used: 267 (the 2024 snapshot, "good"), 164 (the 2026 one),
# 26 (a 90% drop of the good one), 0 (an empty list), 9 (the fallback).
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

if [ ! -x "$EXCLUSIONS" ]; then
	skip "cache" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi
if ! command -v curl >/dev/null 2>&1; then
	skip "cache" "curl is not installed: every case here downloads the list with it"
	exit 0
fi
WWW=$WORK/www
mkdir -p "$WWW" "$WORK/empty"
cp "$DATA/disabled-tests-condensed.2024-04-11.json" "$WWW/good.json"
cp "$DATA/disabled-tests-condensed.2026-08-21.json" "$WWW/new.json"
echo '{}' >"$WWW/empty.json"
# The first 26 entries of the good list: 90% of it gone.
"$PY" - "$WWW/good.json" "$WWW/drop90.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
keep = dict(sorted(d.items())[:26])
json.dump(keep, open(sys.argv[2], "w"), indent=2)
EOF
if ! start_server --root "$WWW"; then
	fail "cache: server" "test/server.py did not start: $(tail -n 3 "$WORK/server.log" 2>/dev/null)"
	exit 0
fi
BASE=http://127.0.0.1:$PORT
CACHE=$WORK/cache
T0=1800000000

# run TAG NOW FILE [ARGS...]: the binary on /cached/FILE?case=TAG at
# EXCLUSIONS_NOW=NOW, stdout in $WORK/TAG.N.out (N counts the runs of
# TAG), stderr in .err; sets OUT, ERR and RC.
declare -A RUNS
run() {
	local tag=$1 now=$2 file=$3; shift 3
	local n=$((${RUNS[$tag]:-0} + 1))
	RUNS[$tag]=$n
	OUT=$WORK/$tag.$n.out ERR=$WORK/$tag.$n.err
	EXCLUSIONS_NOW=$now timeout -k 2 30 "$EXCLUSIONS" --no-trunk --root "$WORK/empty" \
		--format pytorch --fallback on-error --retries 0 --cache-dir "$CACHE" \
		--disabled-url "$BASE/cached/$file$(sep "$file")case=$tag" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}
# sep URL: "&" when URL already has a query, else "?".
sep() { case $1 in *\?*) printf '&' ;; *) printf '?' ;; esac; }
# entries FILE: how many entries the runtime file holds ("bad" when it is
# not one JSON object).
entries() {
	"$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(len(d) if isinstance(d, dict) else "bad")' "$1" 2>/dev/null ||
		echo bad
}
# seen TAG [KIND]: lines of the server log for case TAG: requests (KIND
# "request", the default), bodies sent ("body"), 304 answers ("304").
seen() {
	local re
	case ${2:-request} in
	request) re="^request: GET /cached/[^ ]*case=$1 " ;;
	body) re="^body: /cached/[^ ]*case=$1 " ;;
	304) re="^response: GET /cached/[^ ]*case=$1 304\$" ;;
	cond) re="^cond: /cached/[^ ]*case=$1 inm=\"" ;;
	ims) re="^cond: /cached/[^ ]*case=$1 inm=\\(none\\) ims=[A-Z]" ;;
	esac
	grep -c -E -- "$re" "$WORK/server.log"
}
# says NAME ERE: pass when the last run's stderr matches ERE.
says() {
	if grep -Eq -- "$2" "$ERR"; then pass "$1"
	else fail "$1" "stderr does not match /$2/: $(tr '\n' '|' <"$ERR" | head -c 600)"; fi
}

# --- a cache hit: the second run within the TTL asks nothing -------------
run hit $T0 good.json
expect_eq "cache: first run fetches (267 entries)" "0 267 1 1" "$RC $(entries "$OUT") $(seen hit) $(seen hit body)"
first=$OUT
run hit $((T0 + 600)) good.json
expect_eq "cache: hit within the TTL: same result, no request" "0 267 1" "$RC $(entries "$OUT") $(seen hit)"
check "cache: hit output identical to the fetched one" cmp -s "$first" "$OUT"
says "cache: hit says no request" 'cached copy, fetched 10 min ago.*no request'

# --- past the TTL: revalidated, 304, no body --------------------------------
run hit $((T0 + 20000)) good.json
expect_eq "cache: past the TTL, one conditional request answered 304, no second body" \
	"0 267 2 1 1 1" "$RC $(entries "$OUT") $(seen hit) $(seen hit cond) $(seen hit 304) $(seen hit body)"
check "cache: 304 output identical" cmp -s "$first" "$OUT"
says "cache: 304 said" 'not modified \(304\)'
hitlast=$(grep -l "case=hit\$" "$CACHE"/list-*.last | head -n 1)
check "cache: a 304 leaves the copy as it was and writes a stamp" \
	grep -qx "fetched $T0" "$hitlast"
check "cache: the stamp names the renewal time" grep -qx "fetched $((T0 + 20000))" "${hitlast%.last}.seen"
# The revalidation renewed the copy: within the TTL of it, no request.
run hit $((T0 + 21000)) good.json
expect_eq "cache: a 304 renews the copy's age" "267 2" "$(entries "$OUT") $(seen hit)"
# Last-Modified alone: If-Modified-Since.
run lm $T0 "good.json?validators=lm"
run lm $T0 "good.json?validators=lm" --ttl 0
expect_eq "cache: Last-Modified only: If-Modified-Since sent, 304, one body" \
	"267 2 1 1 1" "$(entries "$OUT") $(seen lm) $(seen lm ims) $(seen lm 304) $(seen lm body)"
# No validators at all: a plain GET every time past the TTL.
run nov $T0 "good.json?validators=none"
run nov $T0 "good.json?validators=none" --ttl 0
expect_eq "cache: no validators: the TTL still applies, then an unconditional GET" \
	"267 2 0 2" "$(entries "$OUT") $(seen nov) $(seen nov 304) $(seen nov body)"
# --no-cache: always a request, nothing written.
before=$(find "$CACHE" -type f | wc -l)
run nocache $T0 good.json --no-cache
run nocache $T0 good.json --no-cache
expect_eq "cache: --no-cache asks every time and writes nothing" \
	"267 2 $before" "$(entries "$OUT") $(seen nocache) $(find "$CACHE" -type f | wc -l)"

# --- a failed fetch: a stale copy, or the fallback -----------------------
cp "$WWW/good.json" "$WWW/gone.json"
run stale $T0 gone.json
rm "$WWW/gone.json"
run stale $((T0 + 86400)) gone.json
expect_eq "cache: fetch fails (404), a copy of 24 h is used" "0 267 2" "$RC $(entries "$OUT") $(seen stale)"
says "cache: stale copy: stderr says how old" 'fetch failed: the cached copy, fetched 24\.0 h ago, is used'
says "cache: stale copy: the cause is said" '404'
run stale $((T0 + 8 * 86400)) gone.json
expect_eq "cache: a copy of 8 days (past --max-stale): the fallback" "0 9 3" "$RC $(entries "$OUT") $(seen stale)"
says "cache: too stale: said" 'fetched 8\.0 days ago, is older than --max-stale: not used'
run stale $((T0 + 3 * 86400)) gone.json --max-stale 3600
expect_eq "cache: --max-stale 3600 refuses a copy of 3 days" "9" "$(entries "$OUT")"

# --- a corrupt cache file: ignored with a warning, replaced ------------------
run corrupt $T0 good.json
last=$(grep -l "case=corrupt" "$CACHE"/list-*.last | head -n 1)
good=${last%.last}.good
# A flipped byte in the body of one, the other cut short.
"$PY" - "$last" "$good" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-100] ^= 0x20
open(p, "wb").write(b)
g = sys.argv[2]
b = open(g, "rb").read()
open(g, "wb").write(b[: len(b) // 2])
EOF
run corrupt $((T0 + 60)) good.json
expect_eq "cache: corrupt copies: a fresh unconditional fetch, the right list" \
	"0 267 2 2 0" "$RC $(entries "$OUT") $(seen corrupt) $(seen corrupt body) $(seen corrupt cond)"
says "cache: checksum damage said" 'cache: .*\.last: checksum does not match.*ignored'
says "cache: truncation said" 'cache: .*\.good: [0-9]+ bytes, the header says [0-9]+ \(cut short.*ignored'
run corrupt $((T0 + 120)) good.json
expect_eq "cache: replaced: the next run is a clean hit" "267 2 0" \
	"$(entries "$OUT") $(seen corrupt) $(grep -c 'cache:' "$ERR")"
# Garbage instead of a cache file.
head -c 3000 /dev/urandom >"$last"
run corrupt $((T0 + 180)) good.json
says "cache: garbage file ignored" 'not a cache file.*ignored'
expect_eq "cache: garbage file: list still right" "267" "$(entries "$OUT")"

# --- --offline -------------------------------------------------------------
run offline $T0 good.json --offline
expect_eq "cache: --offline without a copy: no request, the fallback" "0 9 0" "$RC $(entries "$OUT") $(seen offline)"
says "cache: --offline without a copy: said" 'offline, and no cached copy'
run offline $T0 good.json
run offline $((T0 + 30 * 86400)) good.json --offline
expect_eq "cache: --offline with a copy of 30 days: used, no request" "0 267 1" "$RC $(entries "$OUT") $(seen offline)"
says "cache: --offline says the age" 'fetched 30\.0 days ago \(--offline\)'

# The last fetch damaged, the last-known-good intact: --offline uses it.
offlast=$(grep -l "case=offline\$" "$CACHE"/list-*.last | head -n 1)
cp "$offlast" "$WORK/offline.last.saved"
printf 'garbage' >"$offlast"
run offline $((T0 + 30 * 86400)) good.json --offline
expect_eq "cache: --offline, the last fetch damaged: the last-known-good, no request" "0 267 1" "$RC $(entries "$OUT") $(seen offline)"
cp "$WORK/offline.last.saved" "$offlast"

# --explain reads the list the run used from the cache: no request.
key=$("$PY" -c 'import json, sys; print(sorted(json.load(open(sys.argv[1])))[5])' "$WWW/good.json")
EXCLUSIONS_NOW=$((T0 + 30 * 86400)) "$EXCLUSIONS" --no-trunk --root "$WORK/empty" --cache-dir "$CACHE" --offline \
	--disabled-url "$BASE/cached/good.json?case=offline" --explain "$key" >"$WORK/explain.out" 2>"$WORK/explain.err"
expect_eq "cache: --explain --offline: the cached list, no request, nothing left unread" "1 1 0" \
	"$(seen offline) $(grep -cF "$key" "$WORK/explain.out" | sed 's/^[1-9][0-9]*$/1/') $(grep -c 'could not be read again' "$WORK/explain.out")"

# --- --refresh ---------------------------------------------------------------
cp "$WWW/good.json" "$WWW/refresh.json"
run refresh $T0 refresh.json
run refresh $((T0 + 10)) refresh.json --refresh
expect_eq "cache: --refresh within the TTL asks (304)" "267 2 1" "$(entries "$OUT") $(seen refresh) $(seen refresh 304)"
cp "$WWW/new.json" "$WWW/refresh.json"
run refresh $((T0 + 20)) refresh.json --refresh
expect_eq "cache: --refresh gets a changed list (a 39% drop, trusted)" "164 3 2" "$(entries "$OUT") $(seen refresh) $(seen refresh body)"
run refresh $((T0 + 30)) refresh.json
expect_eq "cache: the refreshed copy serves the next run" "164 3" "$(entries "$OUT") $(seen refresh)"

# --- bad publishes -------------------------------------------------------------
cp "$WWW/good.json" "$WWW/pub.json"
run guard $T0 pub.json
cp "$WWW/empty.json" "$WWW/pub.json"
run guard $((T0 + 900)) pub.json --refresh
expect_eq "guard: an empty list after a good one: the last-known-good is used" "0 267" "$RC $(entries "$OUT")"
says "guard: the empty list is reported with counts" 'the list is empty: 0 entries, down from 267 in the last-known-good \(100% dropped'
cp "$WWW/drop90.json" "$WWW/pub.json"
run guard $((T0 + 1800)) pub.json --refresh
expect_eq "guard: a 90% drop: the last-known-good is used" "267" "$(entries "$OUT")"
says "guard: the drop is reported with counts" 'the list dropped: 26 entries, down from 267 .*90% dropped, more than --max-drop 50%'
says "guard: first seen 15 min ago (the drop has lasted since the empty list)" 'first seen 15 min ago'
run guard $((T0 + 2400)) pub.json
expect_eq "guard: within the TTL, the refused copy stays refused (no request)" "267 3" "$(entries "$OUT") $(seen guard)"
run guard $((T0 + 900 + 3600)) pub.json --refresh
expect_eq "guard: past --drop-grace (first seen + 3600 s): the drop is trusted" "26" "$(entries "$OUT")"
says "guard: the acceptance is said" 'dropped from 267 to 26 entries \(90%\); trusted: the drop has lasted 60 min'
run guard $((T0 + 4600)) pub.json --offline
expect_eq "guard: the trusted drop is the new last-known-good" "26" "$(entries "$OUT")"

cp "$WWW/good.json" "$WWW/acc.json"
run accept $T0 acc.json
cp "$WWW/empty.json" "$WWW/acc.json"
run accept $((T0 + 60)) acc.json --refresh --accept-drop
expect_eq "guard: --accept-drop trusts an empty list at once" "0 0" "$RC $(entries "$OUT")"
says "guard: --accept-drop said" 'trusted: --accept-drop'

cp "$WWW/good.json" "$WWW/md.json"
run maxdrop $T0 md.json
cp "$WWW/drop90.json" "$WWW/md.json"
run maxdrop $((T0 + 60)) md.json --refresh --max-drop 95
expect_eq "guard: --max-drop 95 lets a 90% drop through" "26" "$(entries "$OUT")"

run first $T0 empty.json
expect_eq "guard: no last-known-good: an empty list is used as it is" "0 0" "$RC $(entries "$OUT")"

# --- usage errors ----------------------------------------------------------
for args in "--offline --refresh" "--offline --no-cache" "--ttl -1" "--max-drop 101" "--drop-grace x" "--cache-dir="; do
	# shellcheck disable=SC2086 # the words of args, on purpose
	"$EXCLUSIONS" $args >"$WORK/usage.out" 2>"$WORK/usage.err"
	check "cache: usage error: $args" usage_error_shape $? "$WORK/usage.out" "$WORK/usage.err"
done

# --- 50 processes at once, a slow server ---------------------------------------
N=50
pids=()
for i in $(seq 1 $N); do
	EXCLUSIONS_NOW=$T0 timeout -k 2 60 "$EXCLUSIONS" --no-trunk --root "$WORK/empty" --format pytorch \
		--fallback on-error --retries 0 --cache-dir "$CACHE" \
		--disabled-url "$BASE/cached/good.json?delay=1&case=many" >"$WORK/many.$i.out" 2>"$WORK/many.$i.err" </dev/null &
	pids+=("$!")
done
wait "${pids[@]}"
bad=0
for i in $(seq 2 $N); do
	cmp -s "$WORK/many.1.out" "$WORK/many.$i.out" || bad=$((bad + 1))
done
expect_eq "cache: 50 processes at once: every result complete (267 entries) and identical" \
	"267 0" "$(entries "$WORK/many.1.out") $bad"
check "cache: 50 processes: no temporary file left" test -z "$(find "$CACHE" -type f ! -name '*.last' ! -name '*.good' ! -name '*.seen')"
check "cache: 50 processes: none of them warned" test -z "$(cat "$WORK"/many.*.err | grep -E 'cache:|warn|fail')"
reqs=$(seen many)
run many $((T0 + 60)) "good.json?delay=1"
expect_eq "cache: after them the copy is valid: a hit, no warning" "267 $reqs 0" \
	"$(entries "$OUT") $(seen many) $(grep -c 'cache:' "$ERR")"
check "cache: and identical to what they printed" cmp -s "$WORK/many.1.out" "$OUT"
