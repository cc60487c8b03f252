#!/usr/bin/env bash
# make install / make uninstall: DESTDIR and PREFIX are honoured, exactly
# the binary and the man page are installed, the installed binary runs, the
# page renders with man and is clean under mandoc -Tlint, and uninstall
# removes both.  The binary is built once up front (test/run runs one
# script at a time, so nothing else is building then); install itself
# then only copies.
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

# A make started from `make check` must not inherit its flags or think it
# is a sub-make of it (a -j jobserver, CFLAGS=... of check-asan).
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

if ! command -v make >/dev/null 2>&1; then
	skip "install" "make is not installed"
	exit 0
fi
if ! make -s -C "$TOP" exclusions >"$WORK/build.log" 2>&1; then
	fail "install: build" "$(tail -n 5 "$WORK/build.log")"
	exit 0
fi

DEST=$WORK/dest
if make -s -C "$TOP" install DESTDIR="$DEST" PREFIX=/usr >"$WORK/install.log" 2>&1; then
	pass "install: make install DESTDIR=... PREFIX=/usr"
else
	fail "install: make install DESTDIR=... PREFIX=/usr" "$(tail -n 5 "$WORK/install.log")"
	exit 0
fi
BIN=$DEST/usr/bin/exclusions
PAGE=$DEST/usr/share/man/man1/exclusions.1

check "install: usr/bin/exclusions is an executable file" test -f "$BIN" -a -x "$BIN"
check "install: usr/share/man/man1/exclusions.1 is a file" test -f "$PAGE"
files=$(cd "$DEST" && find . -type f | sort | paste -sd' ' -)
expect_eq "install: nothing else is installed" \
	"./usr/bin/exclusions ./usr/share/man/man1/exclusions.1" "$files"
if [ -f "$PAGE" ]; then
	expect_eq "install: the page is the repository's" "$(cksum <"$TOP/exclusions.1")" "$(cksum <"$PAGE")"
	mode=$(stat -c %a "$PAGE" 2>/dev/null)
	expect_eq "install: the page is mode 644" 644 "$mode"
fi

if [ -x "$BIN" ]; then
	v=$("$BIN" --version 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [[ $v =~ ^exclusions\ [0-9]+\.[0-9]+ ]]; then
		pass "install: installed binary runs --version ($v)"
	else
		fail "install: installed binary runs --version" "status $rc: $v"
	fi
	ver=$(sed -n 's/^VERSION *= *//p' "$TOP/Makefile" | head -n 1)
	expect_eq "install: --version is the Makefile's VERSION" "exclusions $ver" "$v"
fi

# The default prefix is /usr/local.
if make -s -n -C "$TOP" install DESTDIR="$WORK/dry" >"$WORK/dry.log" 2>&1 &&
	grep -q "$WORK/dry/usr/local/bin/exclusions" "$WORK/dry.log" &&
	grep -q "$WORK/dry/usr/local/share/man/man1/exclusions.1" "$WORK/dry.log"; then
	pass "install: PREFIX defaults to /usr/local"
else
	fail "install: PREFIX defaults to /usr/local" "$(head -n 5 "$WORK/dry.log")"
fi

if ! command -v man >/dev/null 2>&1; then
	skip "install: man -l renders the page" "man is not installed"
elif [ -f "$PAGE" ]; then
	MANPAGER=cat PAGER=cat MANWIDTH=100 man -l "$PAGE" >"$WORK/man.txt" 2>"$WORK/man.err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'SYNOPSIS' "$WORK/man.txt" &&
		sed 's/.\x08//g' "$WORK/man.txt" | grep -q -- '--disabled-url'; then
		pass "install: man -l renders the page"
	else
		fail "install: man -l renders the page" "status $rc: $(head -n 3 "$WORK/man.err")"
	fi
fi

if ! command -v mandoc >/dev/null 2>&1; then
	skip "install: mandoc -Tlint is clean" "mandoc is not installed"
elif [ -f "$PAGE" ]; then
	# Lines about the system's man database (cross-references to pages
	# this machine lacks) say nothing about the page.
	mandoc -Tlint "$PAGE" >"$WORK/lint.txt" 2>&1
	rc=$?
	msgs=$(grep -v 'mandoc\.db' "$WORK/lint.txt")
	if [ "$rc" -eq 0 ] && [ -z "$msgs" ]; then
		pass "install: mandoc -Tlint is clean"
	else
		fail "install: mandoc -Tlint is clean" "status $rc: $(printf '%s' "$msgs" | head -n 5)"
	fi
fi

if make -s -C "$TOP" uninstall DESTDIR="$DEST" PREFIX=/usr >"$WORK/uninstall.log" 2>&1; then
	pass "install: make uninstall"
else
	fail "install: make uninstall" "$(tail -n 5 "$WORK/uninstall.log")"
fi
check "install: uninstall removes the binary" test ! -e "$BIN"
check "install: uninstall removes the page" test ! -e "$PAGE"
left=$(cd "$DEST" && find . -type f | paste -sd' ' -)
expect_eq "install: uninstall leaves no file" "" "$left"
