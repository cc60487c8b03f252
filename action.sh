#!/usr/bin/env bash
# The run step of the GitHub Action (action.yml): runs exclusions with the
# action's inputs and writes its outputs to $GITHUB_OUTPUT.
#
# Inputs come only from the environment, never from the command line of a
# shell: INPUT_PLATFORM, INPUT_ROOT, INPUT_TESTS_DIR (white-space separated,
# one --tests-dir each), INPUT_DISABLED_URL, INPUT_FALLBACK, INPUT_FORMAT,
# INPUT_EXTRA_ARGS (split at white space into separate arguments; no quotes,
# globs or expansions are interpreted), INPUT_GITHUB_TOKEN (exported as
# GH_TOKEN for gh and GITHUB_TOKEN for the curl path: environment, never
# argv).  Empty inputs are left out, so that exclusions' own defaults apply.
#
# Outputs:
#   args   the printed result (the one line of --deselect words, or the
#          whole text of another --format), written in the multi-line form
#          with a random delimiter
#   count  the number of exclusions in it (node ids; for --format keyword
#          its "not (...)" terms, one of which may stand for several)
#   file   a file holding the result as printed
#
# EXCLUSIONS_BIN names the binary (default: exclusions beside this script).
# Exit status: that of exclusions (0 whenever a result was printed).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${EXCLUSIONS_BIN:-$here/exclusions}

if [ -n "${INPUT_GITHUB_TOKEN:-}" ]; then
	export GH_TOKEN="$INPUT_GITHUB_TOKEN" GITHUB_TOKEN="$INPUT_GITHUB_TOKEN"
fi

args=()
[ -n "${INPUT_PLATFORM:-}" ] && args+=(--platform "$INPUT_PLATFORM")
[ -n "${INPUT_ROOT:-}" ] && args+=(--root "$INPUT_ROOT")
if [ -n "${INPUT_TESTS_DIR:-}" ]; then
	read -r -d '' -a dirs <<<"$INPUT_TESTS_DIR" || true
	for d in "${dirs[@]}"; do
		args+=(--tests-dir "$d")
	done
fi
[ -n "${INPUT_DISABLED_URL:-}" ] && args+=(--disabled-url "$INPUT_DISABLED_URL")
[ -n "${INPUT_FALLBACK:-}" ] && args+=(--fallback "$INPUT_FALLBACK")
[ -n "${INPUT_FORMAT:-}" ] && args+=(--format "$INPUT_FORMAT")
if [ -n "${INPUT_EXTRA_ARGS:-}" ]; then
	# read -a splits at white space and expands nothing.
	read -r -d '' -a extra <<<"$INPUT_EXTRA_ARGS" || true
	args+=("${extra[@]}")
fi

# The form that will be printed: the last --format wins, as in exclusions.
format=args
prev=
for a in "${args[@]}"; do
	case $prev in --format) format=$a ;; esac
	case $a in --format=*) format=${a#--format=} ;; esac
	prev=$a
done

result=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/exclusions.XXXXXX")
status=0
"$bin" "${args[@]}" >"$result" || status=$?
if [ "$status" -ne 0 ]; then
	echo "exclusions failed with status $status" >&2
	exit "$status"
fi

value=$(cat "$result")
# How many exclusions the text holds, by its form (see exclusions --help).
case $format in
args)
	count=$(wc -w <"$result") ;;
lines)
	count=$(grep -c . "$result" || true) ;;
shell)
	# Each word is '--deselect=...'; a quote inside one is written '\''.
	count=$(grep -oE "(^| )'--deselect=" "$result" | wc -l) ;;
json)
	# Quotes inside strings are escaped, so this is only ever a key.
	count=$(grep -o '"node_id":' "$result" | wc -l) ;;
keyword)
	count=$(grep -o 'not (' "$result" | wc -l) ;;
*)
	count=$(grep -c . "$result" || true) ;;
esac
count=$((count + 0))

# A delimiter that cannot occur in the value.
while :; do
	delim=EXCLUSIONS_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	case $value in *"$delim"*) continue ;; esac
	break
done

out=${GITHUB_OUTPUT:-/dev/stdout}
{
	printf 'args<<%s\n%s\n%s\n' "$delim" "$value" "$delim"
	printf 'count=%s\n' "$count"
	printf 'file=%s\n' "$result"
} >>"$out"

echo "exclusions: $count exclusions ($format):"
printf '%s\n' "$value"
