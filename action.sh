#!/usr/bin/env bash
# The run step of the GitHub Action (action.yml): runs exclusions with the
# action's inputs and writes its outputs to $GITHUB_OUTPUT.
#
# Inputs come only from the environment, never from the command line of a
# shell: INPUT_PLATFORM, INPUT_ROOT, INPUT_TESTS_DIR (white-space separated,
# one --tests-dir each), INPUT_DISABLED_URL, INPUT_FALLBACK, INPUT_FORMAT,
# INPUT_DISABLED_TESTS_FILE (with format pytorch: the file written, default
# .pytorch-disabled-tests.json in the working directory), INPUT_EXTRA
# (white-space separated files, one --extra each), INPUT_COLLECT ("true":
# --collect), INPUT_PYTHON (--python), INPUT_CACHE_DIR (--cache-dir, a
# leading ~/ made $HOME/), INPUT_SUMMARY ("false": no job summary),
# INPUT_HISTORY (--history FILE), INPUT_ISSUES_REPO (--issues-repo),
# INPUT_CHECK_ISSUES ("true": --check-issues), INPUT_ISSUE_AGES ("true":
# --issue-ages), INPUT_ALERT_AFTER (--alert-after), INPUT_NOTIFY_ISSUE
# (--notify-issue), INPUT_NOTIFY_WEBHOOK (a secret: handed to exclusions
# only as EXCLUSIONS_WEBHOOK in its environment, never argv, never printed,
# and taken out of the environment of everything else), INPUT_DRY_RUN
# ("true": --dry-run), INPUT_GTEST_BASE (--gtest-base=FILTER),
# INPUT_EXTRA_ARGS (split into words as a POSIX shell splits them, with
# nothing run or expanded: see split_words), INPUT_GITHUB_TOKEN (exported
# as GH_TOKEN for gh and GITHUB_TOKEN for the curl path: environment,
# never argv).  Empty inputs are left out, so that exclusions' own
# defaults apply; extra-args come last, so they win.  The boolean inputs
# (collect, summary, check-issues, issue-ages, dry-run) take true or false
# (any case); empty is their default.
#
# GITHUB_ACTIONS (true on a runner) is passed on as it is: with it,
# exclusions prints ::warning annotations for the tests excluded longer
# than alert-after.
#
# With GITHUB_STEP_SUMMARY set (and summary not "false"), exclusions
# appends its Markdown report there (--summary), and with history set the
# history report too (exclusions reads GITHUB_STEP_SUMMARY itself; summary
# "false" hides it from exclusions).  With format pytorch the
# runtime file is written with -o, and DISABLED_TESTS_FILE=<its absolute
# path> is appended to $GITHUB_ENV, so that the job's next steps (PyTorch's
# test harness) read it.
#
# Outputs:
#   args   the printed result (the one line of --deselect words, or the
#          whole text of another --format), written in the multi-line form
#          with a random delimiter
#   count  the number of exclusions in it (node ids; for --format keyword
#          its "not (...)" terms, one of which may stand for several; for
#          --format pytorch the runtime file's entries; for --format gtest
#          the patterns of the filter's negative part)
#   file   a file holding the result as printed (format pytorch: the
#          runtime file itself)
#
# EXCLUSIONS_BIN names the binary (default: exclusions beside this script).
# Exit status: that of exclusions (0 whenever a result was printed); 2,
# with one line on stderr and nothing run, for an input that makes no
# sense (an unterminated quote in extra-args, a boolean input neither true
# nor false, a file name with a newline).
set -euo pipefail

# The webhook is a secret: kept in a variable of this shell only, out of
# the environment, read with tracing off (a set -x shows no value of it).
case $- in *x*) trace=1 ;; *) trace=0 ;; esac
{ set +x; } 2>/dev/null
webhook=${INPUT_NOTIFY_WEBHOOK:-}
unset INPUT_NOTIFY_WEBHOOK
[ "$trace" -eq 1 ] && set -x

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${EXCLUSIONS_BIN:-$here/exclusions}

# die MESSAGE: an input error, before anything has run.
die() {
	printf 'exclusions action: %s\n' "$1" >&2
	exit 2
}

# split_words TEXT: the words a POSIX shell would make of TEXT, into the
# array WORDS, with nothing executed or expanded.  Outside quotes, blanks
# (space, tab, newline) separate words, a backslash takes the next
# character as it is (backslash-newline is removed), and a # that starts a
# word starts a comment to the end of the line; '...' keeps everything up to
# the next '; "..." keeps everything but \" \\ \$ \` (the character after
# the backslash) and backslash-newline (removed).  $, `, globs (* ? [), ~
# and operators (; | & < > ( )) are ordinary characters: no variable,
# command, pathname or tilde expansion, no second command.  '' and "" make
# an empty word.  An unterminated quote or a final lone backslash: returns 1
# with WHY set.
split_words() {
	local s=$1 LC_ALL=C
	local n=${#s} i=0 c word='' inword=0
	WORDS=()
	WHY=
	while [ "$i" -lt "$n" ]; do
		c=${s:i:1}
		case $c in
		' ' | $'\t' | $'\n')
			if [ "$inword" -eq 1 ]; then
				WORDS+=("$word")
				word='' inword=0
			fi
			i=$((i + 1)) ;;
		'#')
			if [ "$inword" -eq 1 ]; then
				word+=$c
				i=$((i + 1))
			else
				while [ "$i" -lt "$n" ] && [ "${s:i:1}" != $'\n' ]; do
					i=$((i + 1))
				done
			fi ;;
		\\)
			if [ $((i + 1)) -ge "$n" ]; then
				WHY='a backslash ends the text (escaping nothing)'
				return 1
			fi
			c=${s:i+1:1}
			if [ "$c" != $'\n' ]; then
				word+=$c
				inword=1
			fi
			i=$((i + 2)) ;;
		\')
			local rest=${s:i+1}
			case $rest in *\'*) ;; *)
				WHY="unterminated single quote at character $((i + 1))"
				return 1 ;;
			esac
			rest=${rest%%\'*}
			word+=$rest
			inword=1
			i=$((i + ${#rest} + 2)) ;;
		'"')
			local start=$((i + 1))
			inword=1
			i=$((i + 1))
			while :; do
				if [ "$i" -ge "$n" ]; then
					WHY="unterminated double quote at character $start"
					return 1
				fi
				c=${s:i:1}
				if [ "$c" = '"' ]; then
					i=$((i + 1))
					break
				fi
				if [ "$c" = \\ ] && [ $((i + 1)) -lt "$n" ]; then
					case ${s:i+1:1} in
					'"' | \\ | '$' | '`')
						word+=${s:i+1:1}
						i=$((i + 2))
						continue ;;
					$'\n')
						i=$((i + 2))
						continue ;;
					esac
				fi
				word+=$c
				i=$((i + 1))
			done ;;
		*)
			word+=$c
			inword=1
			i=$((i + 1)) ;;
		esac
	done
	if [ "$inword" -eq 1 ]; then
		WORDS+=("$word")
	fi
	return 0
}

# The multi-line form of GITHUB_OUTPUT and GITHUB_ENV: NAME<<DELIM, the
# value, DELIM, with a delimiter that cannot occur in the value.
put_var() {
	local name=$1 value=$2 delim
	while :; do
		delim=EXCLUSIONS_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
		case $value in *"$delim"*) continue ;; esac
		break
	done
	printf '%s<<%s\n%s\n%s\n' "$name" "$delim" "$value" "$delim"
}

# Every input is checked before anything runs.
words=()
if [ -n "${INPUT_EXTRA_ARGS:-}" ]; then
	split_words "$INPUT_EXTRA_ARGS" || die "extra-args: $WHY"
	words=("${WORDS[@]}")
fi
# boolean NAME VALUE DEFAULT: 1 for true, 0 for false (any case), DEFAULT
# when empty, into BOOL; anything else fails the step with one line.
boolean() {
	local lc
	lc=$(printf '%s' "$2" | tr '[:upper:]' '[:lower:]')
	case $lc in
	'') BOOL=$3 ;;
	true) BOOL=1 ;;
	false) BOOL=0 ;;
	*)
		lc=${2//$'\n'/\\n}
		die "$1: expected true or false, not \"${lc//$'\r'/\\r}\"" ;;
	esac
}
boolean collect "${INPUT_COLLECT:-}" 0; collect=$BOOL
boolean summary "${INPUT_SUMMARY:-}" 1; summary=$BOOL
boolean check-issues "${INPUT_CHECK_ISSUES:-}" 0; check_issues=$BOOL
boolean issue-ages "${INPUT_ISSUE_AGES:-}" 0; issue_ages=$BOOL
boolean dry-run "${INPUT_DRY_RUN:-}" 0; dry_run=$BOOL

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
if [ -n "${INPUT_EXTRA:-}" ]; then
	# read -a splits at white space and expands nothing.
	read -r -d '' -a files <<<"$INPUT_EXTRA" || true
	for f in "${files[@]}"; do
		args+=(--extra "$f")
	done
fi
[ "$collect" -eq 1 ] && args+=(--collect)
[ -n "${INPUT_PYTHON:-}" ] && args+=(--python "$INPUT_PYTHON")
step_summary=
if [ -n "${INPUT_CACHE_DIR:-}" ]; then
	# shellcheck disable=SC2088 # a literal ~ in the input, made $HOME
	case $INPUT_CACHE_DIR in
	'~' | '~/'*) args+=(--cache-dir "${HOME:?}${INPUT_CACHE_DIR#\~}") ;;
	*) args+=(--cache-dir "$INPUT_CACHE_DIR") ;;
	esac
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ "$summary" -eq 1 ]; then
	args+=(--summary "$GITHUB_STEP_SUMMARY")
	step_summary=$GITHUB_STEP_SUMMARY
fi
[ -n "${INPUT_HISTORY:-}" ] && args+=(--history "$INPUT_HISTORY")
[ -n "${INPUT_ISSUES_REPO:-}" ] && args+=(--issues-repo "$INPUT_ISSUES_REPO")
[ "$check_issues" -eq 1 ] && args+=(--check-issues)
[ "$issue_ages" -eq 1 ] && args+=(--issue-ages)
[ -n "${INPUT_ALERT_AFTER:-}" ] && args+=(--alert-after "$INPUT_ALERT_AFTER")
[ -n "${INPUT_NOTIFY_ISSUE:-}" ] && args+=(--notify-issue "$INPUT_NOTIFY_ISSUE")
[ "$dry_run" -eq 1 ] && args+=(--dry-run)
# A filter often starts with "-": one word, --gtest-base=FILTER.
[ -n "${INPUT_GTEST_BASE:-}" ] && args+=("--gtest-base=$INPUT_GTEST_BASE")
args+=("${words[@]}")

# The form that will be printed: the last --format wins, as in exclusions.
format=args
prev=
for a in "${args[@]}"; do
	case $prev in --format) format=$a ;; esac
	case $a in --format=*) format=${a#--format=} ;; esac
	prev=$a
done

if [ "$format" = pytorch ]; then
	# The runtime file, where the next steps will look for it.
	result=${INPUT_DISABLED_TESTS_FILE:-.pytorch-disabled-tests.json}
	case $result in
	*$'\n'* | *$'\r'*) die "disabled-tests-file: a file name with a line break" ;;
	'') die "disabled-tests-file: empty" ;;
	/*) ;;
	*) result=$PWD/$result ;;
	esac
	args+=(-o "$result")
else
	result=$(mktemp "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/exclusions.XXXXXX")
fi

# The webhook reaches exclusions in its environment only, exported for it
# alone, with tracing off while the value is handled; exclusions takes it
# out of the environment of its own children.  Without the input, an
# EXCLUSIONS_WEBHOOK the job sets itself is left as it is.
hook() { # hook on|off
	local t=0
	case $- in *x*) t=1 ;; esac
	set +x
	if [ -n "$webhook" ]; then
		if [ "$1" = on ]; then export EXCLUSIONS_WEBHOOK="$webhook"; else unset EXCLUSIONS_WEBHOOK; fi
	fi
	[ "$t" -eq 0 ] || set -x
}

status=0
{ hook on; } 2>/dev/null
if [ "$format" = pytorch ]; then
	GITHUB_STEP_SUMMARY=$step_summary "$bin" "${args[@]}" || status=$?
else
	GITHUB_STEP_SUMMARY=$step_summary "$bin" "${args[@]}" >"$result" || status=$?
fi
{ hook off; } 2>/dev/null
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
	# Quotes inside strings are escaped, so these are only ever keys.
	# Entries that match no test ("unmatched") are listed, not excluded.
	count=$(($(grep -o '"node_id":' "$result" | wc -l) - $(grep -o '"unmatched":' "$result" | wc -l))) ;;
keyword)
	count=$(grep -o 'not (' "$result" | wc -l) ;;
pytorch)
	# exclusions writes one entry a line, "  KEY: [URL, [PLATFORMS]]":
	# a line that starts with two spaces and a quote is a key (a string
	# never holds a raw line break).
	count=$(grep -c '^  "' "$result" || true) ;;
gtest)
	# One line "--gtest_filter=POSITIVE-NEG:NEG...", or an empty line.
	neg=$(sed -n 's/^--gtest_filter=[^-]*-//p' "$result")
	count=$(printf '%s' "$neg" | tr ':' '\n' | grep -c . || true) ;;
*)
	count=$(grep -c . "$result" || true) ;;
esac
count=$((count + 0))

out=${GITHUB_OUTPUT:-/dev/stdout}
{
	put_var args "$value"
	printf 'count=%s\n' "$count"
	printf 'file=%s\n' "$result"
} >>"$out"

if [ "$format" = pytorch ]; then
	if [ -n "${GITHUB_ENV:-}" ]; then
		put_var DISABLED_TESTS_FILE "$result" >>"$GITHUB_ENV"
		echo "exclusions: DISABLED_TESTS_FILE=$result for the next steps"
	else
		echo "exclusions: GITHUB_ENV is not set: export DISABLED_TESTS_FILE=$result yourself"
	fi
fi
echo "exclusions: $count exclusions ($format):"
printf '%s\n' "$value"
