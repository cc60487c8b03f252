#!/usr/bin/env bash
# Usage errors.  Each is exit 2 and exactly two lines on stderr, what is
# wrong ("exclusions: ...") then "Try 'exclusions --help'.", with nothing on
# stdout and nothing run: curl and gh on PATH are stand-ins that leave a
# mark when they are run.  The paths the user gives are checked first (and
# what is right is accepted: an absolute --tests-dir under the root, a pipe
# as the list); values that make no sense are refused, with their real
# range.  Last, README names the packages the full test run uses.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

FIX=$TESTDIR/fixtures/sample-disabled.json
ROOT=$TESTDIR/sample
EMPTY=$WORK/empty
FAKE=$WORK/fakebin
CALLS=$WORK/calls
mkdir -p "$EMPTY" "$FAKE" "$WORK/dir"
printf 'x\n' >"$WORK/file"
for prog in curl gh; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit 1\n' "$prog" "$CALLS" >"$FAKE/$prog"
	chmod +x "$FAKE/$prog"
done

# run_fake ARGS...: exclusions with the stand-ins first on PATH; its
# stdout in $WORK/out, stderr in $WORK/err, status in RC.
run_fake() {
	rm -f "$CALLS"
	PATH="$FAKE:$PATH" "$EXCLUSIONS" "$@" </dev/null >"$WORK/out" 2>"$WORK/err"
	RC=$?
}

# usage_case NAME REGEX ARGS...: a usage error whose first line matches
# REGEX (grep -E).
usage_case() {
	local name="usage: $1" re=$2
	shift 2
	run_fake "$@"
	if usage_error_shape "$RC" "$WORK/out" "$WORK/err" && [ ! -e "$CALLS" ] &&
		sed -n 1p "$WORK/err" | grep -qE -- "$re"; then
		pass "$name"
	else
		fail "$name" "rc=$RC stdout=[$(head -c 200 "$WORK/out")] run=[$(paste -sd' ' "$CALLS" 2>/dev/null)] stderr=[$(head -n 4 "$WORK/err" | paste -sd'|' -)] want /$re/"
	fi
}

if [ ! -x "$EXCLUSIONS" ]; then
	skip "usage: all" "$EXCLUSIONS is not built"
	exit 0
fi

# The stand-ins do see a run that is not a usage error, so that their
# silence below means something.
run_fake --root "$EMPTY" --disabled-url "http://127.0.0.1:9/x" --timeout 10 --retries 0
check "usage: the stand-ins for curl and gh see a real run" grep -q '^curl ' "$CALLS"

# Paths: what does not exist, or is not what it should be.
usage_case "--root that does not exist" '^exclusions: --root: .*/nope: No such file or directory$' \
	--root "$WORK/nope"
usage_case "--root that is a file" '^exclusions: --root: .*/file: not a directory$' --root "$WORK/file"
usage_case "--root empty" '^exclusions: --root: ' --root ''
usage_case "--tests-dir missing under the root" '^exclusions: --tests-dir: .*sample/test/nope: No such file or directory$' \
	--root "$ROOT" --tests-dir test/nope
usage_case "--tests-dir missing, absolute" '^exclusions: --tests-dir: .*sample/test/nope: No such file or directory$' \
	--root "$ROOT" --tests-dir "$ROOT/test/nope"
usage_case "--tests-dir that is a file" '^exclusions: --tests-dir: .*test_profiler.py: not a directory$' \
	--root "$ROOT" --tests-dir test/profiler/test_profiler.py
usage_case "--tests-dir outside the root" '^exclusions: --tests-dir: .*/empty is not under the root ' \
	--root "$ROOT" --tests-dir "$EMPTY"
usage_case "--tests-dir outside the root, relative" '^exclusions: --tests-dir: \.\./\.\./test is not under the root ' \
	--root "$ROOT" --tests-dir ../../test
usage_case "--tests-dir missing under the default root" '^exclusions: --tests-dir: \./no/such/dir: No such file' \
	--tests-dir no/such/dir
usage_case "--disabled-file that does not exist" '^exclusions: --disabled-file: .*/missing.json: No such file or directory$' \
	--disabled-file "$WORK/missing.json" --root "$ROOT"
usage_case "--disabled-file that is a directory" '^exclusions: --disabled-file: .*/dir: is a directory' \
	--disabled-file "$WORK/dir" --root "$ROOT"
usage_case "--disabled-file that is a device" '^exclusions: --disabled-file: /dev/null: not a regular file or a pipe$' \
	--disabled-file /dev/null --root "$ROOT"
printf '{}' >"$WORK/unreadable.json"
chmod 000 "$WORK/unreadable.json"
if [ -r "$WORK/unreadable.json" ]; then
	skip "usage: --disabled-file that cannot be read" "this user reads files of mode 000"
else
	usage_case "--disabled-file that cannot be read" '^exclusions: --disabled-file: .*: Permission denied$' \
		--disabled-file "$WORK/unreadable.json" --root "$ROOT"
fi
usage_case "--fallback-file that does not exist" '^exclusions: --fallback-file: .*/missing.txt: No such file' \
	--fallback-file "$WORK/missing.txt" --root "$ROOT"
usage_case "--fallback-file that is a directory" '^exclusions: --fallback-file: .*/dir: is a directory' \
	--fallback-file "$WORK/dir" --root "$ROOT"
usage_case "--collected that does not exist" '^exclusions: --collected: .*/missing.txt: No such file' \
	--collected "$WORK/missing.txt" --root "$ROOT"
usage_case "--collected that is a directory" '^exclusions: --collected: .*/dir: is a directory' \
	--collected "$WORK/dir" --root "$ROOT"
# The last of --disabled-url and --disabled-file wins: a file given, then
# replaced by a URL, is not checked.
usage_case "--disabled-file then --disabled-url: the URL is checked" '^exclusions: --disabled-url: ' \
	--disabled-file "$WORK/missing.json" --disabled-url ftp://x

# Values that make no sense, and ranges stated as they are.
usage_case "--platform empty" '^exclusions: --platform: no platform named \(known: mac ' --platform ''
usage_case "--platform of commas only" '^exclusions: --platform: no platform named' --platform ','
usage_case "--platform unknown" '^exclusions: --platform: unknown platform "linuxx" \(known: ' --platform linuxx
usage_case "--devices empty" '^exclusions: --devices: no device named \(known: cpu ' --devices ''
usage_case "--runs 0" '^exclusions: --runs: not a whole number from 1 to 100: "0"$' --runs 0
usage_case "--retries 99" '^exclusions: --retries: not a whole number from 0 to 10: "99"$' --retries 99
usage_case "--parallel 0" '^exclusions: --parallel: not a whole number from 1 to 64: "0"$' --parallel 0
usage_case "--disabled-url empty" '^exclusions: --disabled-url: empty' --disabled-url ''
usage_case "--disabled-url ftp" '^exclusions: --disabled-url: not an http\(s\) URL: "ftp://x"$' --disabled-url ftp://x
usage_case "--disabled-url file" '^exclusions: --disabled-url: not an http\(s\) URL' --disabled-url file:///etc/passwd
usage_case "--disabled-url without a host" '^exclusions: --disabled-url: not an http\(s\) URL' --disabled-url https://
usage_case "--api-url without a host" '^exclusions: --api-url: not an http\(s\) URL' --api-url http:///x
usage_case "--timeout 0 says more than 0, and the upper bound" \
	'^exclusions: --timeout: .*more than 0.* 86400: "0"$' --timeout 0
usage_case "--max-bytes 12Q names its suffixes" '^exclusions: --max-bytes: .*K, M.*G.*"12Q"$' --max-bytes 12Q
usage_case "--max-bytes x names its suffixes" '^exclusions: --max-bytes: .*K, M.*G.*"x"$' --max-bytes x

# What the user typed is shown on the one line, control characters escaped.
usage_case "a value with a newline stays on one line" '^exclusions: --format: .*"a\\x0ab"$' \
	--format "$(printf 'a\nb')"
usage_case "an option with a newline stays on one line" '^exclusions: unknown option --a\\x0ab$' \
	"$(printf -- '--a\nb')"

# What is accepted: a --tests-dir under the root names the same tests as
# test/profiler, whatever way it is spelled (absolute, through links, with
# "." and ".." in it).
X() { "$EXCLUSIONS" --no-trunk --disabled-file "$FIX" --fallback never --format lines "$@"; }
rel=$(X --root "$ROOT" --tests-dir test/profiler 2>"$WORK/err.rel")
check "usage: the sample list names node ids" test "$(printf '%s\n' "$rel" | grep -c '^test/profiler/')" -ge 5
ln -s "$ROOT" "$WORK/link"
i=0
for spec in "ROOT/test/profiler|$ROOT|$ROOT/test/profiler" \
	"ROOT/test/profiler/|$ROOT|$ROOT/test/profiler/" \
	"ROOT//test/./profiler|$ROOT|$ROOT//test/./profiler" \
	"ROOT/test/../test/profiler|$ROOT|$ROOT/test/../test/profiler" \
	"ROOT/test/profiler, the root through a link|$WORK/link|$ROOT/test/profiler" \
	"LINK/test/profiler, the link to the root|$ROOT|$WORK/link/test/profiler" \
	"../sample/test/profiler, relative, out of the root and back|$ROOT|../sample/test/profiler" \
	"./test//profiler/, relative|$ROOT|./test//profiler/"; do
	i=$((i + 1))
	name="usage: --tests-dir ${spec%%|*}"
	spec=${spec#*|}
	r=${spec%%|*} d=${spec#*|}
	got=$(X --root "$r" --tests-dir "$d" 2>"$WORK/err.$i"); rc=$?
	if [ "$rc" -eq 0 ] && [ "$got" = "$rel" ] && ! grep -qE 'not a directory|no test tree' "$WORK/err.$i"; then
		pass "$name"
	else
		fail "$name" "--root $r --tests-dir $d: rc=$rc got [$(printf '%s' "$got" | head -n 3 | paste -sd' ' -)] stderr [$(grep -E 'not a directory|no test tree' "$WORK/err.$i" | head -n 2 | paste -sd'|' -)]"
	fi
done
got=$(cd "$TESTDIR" && X --root sample --tests-dir "$ROOT/test/profiler" 2>/dev/null)
expect_eq "usage: absolute --tests-dir under a relative --root" "$rel" "$got"
got=$(X --root "$ROOT" --disabled-file <(cat "$FIX") --tests-dir test/profiler 2>/dev/null)
expect_eq "usage: a pipe is a --disabled-file" "$rel" "$got"

# README: right under its first commands, the Debian packages the full
# test run uses, read from .ci/run, which installs them.
pkgs=$(grep -oE 'need\+=\([a-z0-9.+-]+\)' "$TOP/.ci/run" | sed -E 's/^need\+=\(//; s/\)$//')
# The first paragraph after the first code block.
para=$(awk 'f == 2 && NF { p = 1; print; next } f == 2 && p { exit } /^```/ { f++ }' "$TOP/README.md")
missing=
for p in $pkgs; do
	# (a name's . and + are themselves: g++)
	pe=$(printf '%s' "$p" | sed 's/[.+]/\\&/g')
	printf '%s\n' "$para" | grep -qE "(^|[^a-z0-9.+-])$pe([^a-z0-9.+-]|$)" || missing="$missing $p"
done
if [ -n "$pkgs" ] && [ -z "$missing" ] && printf '%s\n' "$para" | grep -qF '.ci/run'; then
	pass "usage: README names the packages .ci/run installs, under its first commands"
else
	fail "usage: README names the packages .ci/run installs, under its first commands" \
		"packages [$(printf '%s' "$pkgs" | paste -sd' ' -)], missing [$missing], paragraph [$(printf '%s' "$para" | head -c 300)]"
fi
