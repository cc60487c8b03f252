#!/usr/bin/env bash
# The documentation cannot drift from the program: every option that
# `exclusions --help` prints is in README.md's option table and in the man
# page's option lists, and every option those two document is one --help
# knows.  The output forms and fallback modes are checked the same way.
# Options are read from the three texts, never listed here, so that a new
# option needs only its three descriptions.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

README=$TOP/README.md
MAN=$TOP/exclusions.1

if [ ! -x "$EXCLUSIONS" ]; then
	skip "docs" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi
for f in "$README" "$MAN"; do
	if [ ! -f "$f" ]; then
		fail "docs: $(basename "$f")" "missing"
		exit 0
	fi
done

HELP=$WORK/help.txt
if ! "$EXCLUSIONS" --help >"$HELP" 2>&1; then
	fail "docs: --help" "exited with status $? ($(head -n 2 "$HELP"))"
	exit 0
fi

# Option words (-x, --long-name) in the text on stdin, one a line, sorted.
option_words() {
	grep -oE -- '(^|[^A-Za-z0-9-])--?[A-Za-z0-9][A-Za-z0-9-]*' |
		sed -E 's/^[^-]+//' | sort -u
}

# --help: the lines whose first non-blank is a dash within the first few
# columns; the option part ends at the gap before the description column.
help_options() {
	grep -E '^ {1,6}-' "$HELP" | sed -E 's/^ +//; s/ {2,}.*$//' | option_words
}

# README: the first cell of each row of the table under "## Options", the
# backquoted words that start with a dash.
# shellcheck disable=SC2016 # the backquotes are Markdown's, not the shell's
readme_options() {
	awk '/^## /{ on = ($0 ~ /^## Options/) } on && /^\|/' "$README" |
		awk -F'|' '{ print $2 }' | grep -oE '`-[^`]*`' | tr -d '`' |
		sed -E 's/[[:space:]].*$//' | option_words
}

# The man page: the Fl macros on .It lines ("Fl \-disabled-url Ar url",
# "Fl o Ar file , Fl \-output Ar file").
man_options() {
	grep -E '^\.It .*Fl ' "$MAN" | sed 's/\\-/-/g' |
		awk '{ for (i = 1; i < NF; i++) if ($i == "Fl") print "-" $(i + 1) }' |
		option_words
}

help_options >"$WORK/help.opts"
readme_options >"$WORK/readme.opts"
man_options >"$WORK/man.opts"

# A parser that finds nothing would make every comparison pass.
for src in help readme man; do
	n=$(wc -l <"$WORK/$src.opts")
	if [ "$n" -ge 10 ]; then
		pass "docs: $src lists options ($n)"
	else
		fail "docs: $src lists options" "found only $n: $(paste -sd' ' "$WORK/$src.opts")"
	fi
done
for opt in --help --version --format --platform; do
	check "docs: --help parser finds $opt" grep -qx -- "$opt" "$WORK/help.opts"
done

# missing_from A B: the options in A.opts that B.opts lacks, space-separated.
missing_from() {
	comm -23 "$WORK/$1.opts" "$WORK/$2.opts" | paste -sd' ' -
}

m=$(missing_from help readme)
if [ -z "$m" ]; then pass "docs: every --help option is in README's option table"
else fail "docs: every --help option is in README's option table" "missing: $m"; fi

m=$(missing_from help man)
if [ -z "$m" ]; then pass "docs: every --help option is in exclusions.1"
else fail "docs: every --help option is in exclusions.1" "missing: $m"; fi

m=$(missing_from readme help)
if [ -z "$m" ]; then pass "docs: every option in README's table exists in --help"
else fail "docs: every option in README's table exists in --help" "not in --help: $m"; fi

m=$(missing_from man help)
if [ -z "$m" ]; then pass "docs: every option in exclusions.1 exists in --help"
else fail "docs: every option in exclusions.1 exists in --help" "not in --help: $m"; fi

# The value words of an option, from its --help line and continuation
# lines: "--format FORM   args (default), lines, shell" -> args lines shell.
help_values() {
	# (awk without interval expressions: mawk has none)
	awk -v opt="$1" '
		function optline() { return match($0, /^ +-/) && RLENGTH <= 7 }
		optline() { on = 0 }
		optline() && index($0, opt " ") { on = 1; sub(/^ +[^ ].*[^ ]   */, ""); print; next }
		on && /^        / { print }
	' "$HELP" | sed -E 's/\([^)]*\)//g' | tr ',' '\n' |
		sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//' | grep -E '^[a-z][a-z-]*$' | sort -u
}

for opt in --format --fallback; do
	help_values "$opt" >"$WORK/values"
	n=$(wc -l <"$WORK/values")
	if [ "$n" -lt 2 ]; then
		fail "docs: $opt values" "could not read them from --help (found $n)"
		continue
	fi
	missing_readme='' missing_man=''
	while read -r v; do
		grep -q "\`$v\`" "$README" || missing_readme="$missing_readme $v"
		grep -qE "^\.(It )?Cm $v( |$)|[ (]Cm $v( |$)" "$MAN" || missing_man="$missing_man $v"
	done <"$WORK/values"
	if [ -z "$missing_readme" ]; then pass "docs: $opt values are in README.md"
	else fail "docs: $opt values are in README.md" "missing:$missing_readme"; fi
	if [ -z "$missing_man" ]; then pass "docs: $opt values are in exclusions.1"
	else fail "docs: $opt values are in exclusions.1" "missing:$missing_man"; fi
done

# The exit statuses --help names are the ones the man page lists.
help_status=$(sed -n '/^Exit status/,$p' "$HELP" | grep -oE '\b[0-9]\b' | sort -u | paste -sd' ' -)
man_status=$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$MAN" | grep -E '^\.It [0-9]+$' |
	awk '{ print $2 }' | sort -u | paste -sd' ' -)
if [ -n "$help_status" ] && [ "$help_status" = "$man_status" ]; then
	pass "docs: exit statuses agree ($help_status)"
else
	fail "docs: exit statuses agree" "--help says [$help_status], exclusions.1 says [$man_status]"
fi

# The man page's own sections that the brief of a man page needs.
for sec in NAME SYNOPSIS DESCRIPTION ENVIRONMENT FILES 'EXIT STATUS' EXAMPLES; do
	check "docs: exclusions.1 has $sec" grep -qx "\.Sh $sec" "$MAN"
done

# README's module map ("## How it is built") names every C file at the top
# of the tree, and names no file that is not there.
# shellcheck disable=SC2016 # the backquotes are Markdown's
awk '/^## /{ on = ($0 ~ /^## How it is built/) } on && /^\| `/' "$README" |
	awk -F'|' '{ print $2 }' | grep -oE '`[^`]+`' | tr -d '`' | sort -u >"$WORK/map.files"
(cd "$TOP" && ls -- *.c) | sort -u >"$WORK/top.c"
missing=$(comm -23 "$WORK/top.c" "$WORK/map.files" | paste -sd' ' -)
stale=$(while read -r f; do [ -e "$TOP/${f%/}" ] || printf '%s ' "$f"; done <"$WORK/map.files")
if [ -s "$WORK/map.files" ] && [ -z "$missing" ] && [ -z "$stale" ]; then
	pass "docs: README's module map matches the files ($(wc -l <"$WORK/top.c") C files)"
else
	fail "docs: README's module map matches the files" "not in the map: [$missing]; in the map, not in the tree: [$stale]"
fi
