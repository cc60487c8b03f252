#!/usr/bin/env bash
# Robustness:
#  1. every fuzz target (fuzz/fuzz_*.c), built without libFuzzer by
#     fuzz/driver.c (with the sanitizers when the compiler has them), runs
#     its seed corpus fuzz/corpus/<name>/ and the crashers kept in
#     fuzz/regress/<name>/ (and any file directly in fuzz/regress/) without
#     a crash, so that every crash found once stays a regression test;
#  2. a full run, traced with strace, executes curl and gh and nothing else
#     (never /bin/sh), also when the list it is fed is hostile: keys, file
#     names and URLs holding $(...), backquotes, ; | & and quotes create no
#     file, and the printed forms stay inert when a shell expands them;
#  3. shellcheck passes on every shell script of the repository.
# Single quotes around $( ) are meant throughout: those texts must not expand.
# shellcheck disable=SC2016
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

# A make started from `make check` must not inherit its flags.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# ---- 1. the regression corpus --------------------------------------------

fuzz_regressions() {
	local names=() n f driver_dir rc dirs d
	for f in "$TOP"/fuzz/fuzz_*.c; do
		[ -e "$f" ] || continue
		n=${f##*/fuzz_}
		names+=("${n%.c}")
	done
	if [ "${#names[@]}" -eq 0 ]; then
		skip "regress" "no fuzz targets"
		return
	fi
	if ! command -v make >/dev/null 2>&1 || ! command -v "${CC:-cc}" >/dev/null 2>&1; then
		skip "regress" "make or a C compiler is missing"
		return
	fi
	# With the sanitizers when the compiler has them, else plain.
	driver_dir=fuzz/bin/driver-san
	if ! make -s -C "$TOP" fuzz-drivers >"$WORK/drivers.log" 2>&1; then
		if grep -qiE 'sanitize|libasan|libubsan' "$WORK/drivers.log" &&
			make -s -C "$TOP" fuzz-drivers DRIVER_SAN= >"$WORK/drivers.log" 2>&1; then
			driver_dir=fuzz/bin/driver-plain
			skip "regress: sanitizers" "the compiler cannot build with -fsanitize=address,undefined; plain drivers"
		else
			fail "regress: build the drivers" "$(tail -n 8 "$WORK/drivers.log")"
			return
		fi
	fi
	# Loose files in fuzz/regress/ go to every target.
	local loose=()
	for f in "$TOP"/fuzz/regress/*; do
		[ -f "$f" ] && loose+=("$f")
	done
	for n in "${names[@]}"; do
		dirs=()
		for d in "$TOP/fuzz/corpus/$n" "$TOP/fuzz/regress/$n"; do
			[ -d "$d" ] && dirs+=("$d")
		done
		# The sample test tree is the tree target's best seed, used in place.
		[ "$n" = tree ] && dirs+=("$TOP/test/sample/test/profiler")
		if [ "${#dirs[@]}" -eq 0 ] && [ "${#loose[@]}" -eq 0 ]; then
			skip "regress: $n" "no fuzz/corpus/$n or fuzz/regress/$n"
			continue
		fi
		local count=0
		for d in "${dirs[@]}"; do
			count=$((count + $(find "$d" -maxdepth 1 -type f ! -name '.*' | wc -l)))
		done
		count=$((count + ${#loose[@]}))
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			timeout 600 "$TOP/$driver_dir/fuzz_$n" -v "${dirs[@]}" "${loose[@]}" \
			>"$WORK/regress-$n.log" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ]; then
			pass "regress: $n: $count inputs"
		else
			local last
			last=$(grep '^running ' "$WORK/regress-$n.log" | tail -n 1)
			fail "regress: $n" "status $rc at ${last:-start}"
			grep -vE '^running ' "$WORK/regress-$n.log" | head -n 30 >&2
		fi
	done
}
fuzz_regressions

# ---- 2. only curl and gh are ever executed ------------------------------

# A hostile disabled list: the keys, URLs and platforms try every way a
# shell could be made to run something.  Every touch would create PWNED*.
HOSTILE=$WORK/data/hostile.json
mkdir -p "$WORK/data"
cat >"$HOSTILE" <<'EOF'
{
 "test_$(touch PWNED_space) (__main__.TestProfiler)": ["1", "https://github.com/pytorch/pytorch/issues/1", []],
 "test_a$(touch${IFS}PWNED_subst) (profiler.test_profiler.TestProfiler)": ["2", "https://github.com/pytorch/pytorch/issues/2", []],
 "test_b`touch${IFS}PWNED_backquote` (profiler.test_profiler.TestProfiler)": ["3", "https://x/$(touch${IFS}PWNED_url)", ["linux"]],
 "test_c;touch${IFS}PWNED_semicolon (profiler.test_profiler.TestProfiler)": ["4", "https://x/;touch${IFS}PWNED_url2", []],
 "test_d'$(touch${IFS}PWNED_quote)' (profiler.test_profiler.TestProfiler)": ["5", "https://x/'`touch${IFS}PWNED_url3`'", []],
 "test_e|touch${IFS}PWNED_pipe&&touch${IFS}PWNED_and (profiler.test_profiler.TestProfiler)": ["6", "https://x/6", []],
 "test_f\"$(touch${IFS}PWNED_dquote)\" (profiler.test_profiler.TestProfiler)": ["7", "https://x/7", ["linux$(touch PWNED_platform)", "`touch PWNED_platform2`"]],
 "test_g\\$(touch${IFS}PWNED_backslash) (profiler.test_profiler.TestProfiler)": ["8", "https://x/8", []],
 "test_h>PWNED_redirect (profiler.test_profiler.TestProfiler)": ["9", "https://x/9", []],
 "test_i$((1+1))${HOME}~* (profiler.test_profiler.TestProfiler)": ["10", "https://x/10", []],
 "test_k_$(touch${IFS}PWNED_param) (__main__.TestHostileParam)": ["11", "https://x/11", []],
 "test_a (__main__.TestHostileFile)": ["12", "https://x/12", []]
}
EOF
# A tree whose file name is hostile too, with a parametrized class whose
# node ids take the key's name as it is.
TREE=$WORK/tree
mkdir -p "$TREE/test/profiler"
cat >"$TREE/test/profiler/test_x\$(touch\${IFS}PWNED_file).py" <<'EOF'
from torch.testing._internal.common_utils import instantiate_parametrized_tests


class TestHostileFile(TestCase):
    def test_a(self):
        pass


@instantiate_parametrized_tests
class TestHostileParam(TestCase):
    def test_k(self, x):
        pass
EOF
NOTREE=$WORK/notree
CWD=$WORK/cwd
mkdir -p "$NOTREE" "$CWD" "$WORK/home" "$WORK/bin"

pwned() {
	find "$WORK" "$TOP" -maxdepth 3 -name 'PWNED*' 2>/dev/null | paste -sd' ' -
}

# executed TRACE: the basenames of every program a traced run tried to
# execute, after the first (the binary itself), one a line.
executed() {
	grep -oE 'execve\("[^"]*"' "$1" | sed -E 's/^execve\("//; s/"$//; s|.*/||' | tail -n +2
}

strace_ok=1
if ! command -v strace >/dev/null 2>&1; then
	skip "exec: only curl and gh" "strace is not installed"
	strace_ok=0
elif ! strace -f -o /dev/null true >/dev/null 2>&1; then
	skip "exec: only curl and gh" "strace cannot trace here (ptrace not permitted)"
	strace_ok=0
elif [ "$(head -c 4 "$EXCLUSIONS" 2>/dev/null | od -An -c | tr -d ' ')" != '177ELF' ]; then
	# check-valgrind runs the binary through a wrapper script.
	skip "exec: only curl and gh" "$EXCLUSIONS is a wrapper, not the binary"
	strace_ok=0
fi
if [ ! -x "$EXCLUSIONS" ]; then
	skip "exec" "no binary at $EXCLUSIONS (run make exclusions)"
	strace_ok=0
fi

if ! start_server --root "$WORK/data"; then
	fail "exec: server" "test/server.py did not start: $(tail -n 3 "$WORK/server.log" 2>/dev/null)"
	strace_ok=0
fi
URL=http://127.0.0.1:$PORT/data/hostile.json

# traced TAG ARGS...: a full run in $CWD, under strace when it works
# (LeakSanitizer cannot run under a tracer, so leaks are not checked here;
# check-asan checks them everywhere else).  gh gets an empty home: it is
# not logged in and fails at once without the network.
traced() {
	local tag=$1; shift
	local pre=()
	[ "$strace_ok" -eq 1 ] && pre=(strace -f -e trace=execve -o "$WORK/$tag.trace")
	(
		cd "$CWD" || exit 1
		env -u GH_TOKEN -u GITHUB_TOKEN -u GH_ENTERPRISE_TOKEN -u GH_HOST \
			HOME="$WORK/home" GH_CONFIG_DIR="$WORK/home/gh" GH_NO_UPDATE_NOTIFIER=1 \
			ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			timeout 120 "${pre[@]}" "$EXCLUSIONS" "$@" </dev/null >"$WORK/$tag.out" 2>"$WORK/$tag.err"
	)
	RC=$?
}

# judge_exec TAG ALLOWED-RE: the run's trace holds only those programs.
judge_exec() {
	local tag=$1 allowed=$2 others
	[ "$strace_ok" -eq 1 ] || return 0
	others=$(executed "$WORK/$tag.trace" | grep -vxE "$allowed" | sort -u | paste -sd' ' -)
	if ! grep -q 'execve(' "$WORK/$tag.trace"; then
		fail "exec: $tag: only $allowed" "the trace holds no execve at all"
	elif [ -z "$others" ]; then
		pass "exec: $tag: only $allowed ($(grep -E 'execve\(.*= 0$' "$WORK/$tag.trace" | tail -n +2 |
			grep -oE 'execve\("[^"]*"' | sed -E 's|.*/||; s/"$//' | sort | uniq -c |
			awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }'))"
	else
		fail "exec: $tag: only $allowed" "also executed: $others"
	fi
}

if ! command -v curl >/dev/null 2>&1; then
	skip "exec: hostile list and tree, fetched with curl" "curl is not installed"
elif [ -x "$EXCLUSIONS" ] && [ -n "${PORT:-}" ]; then
	rm -f "$CWD"/PWNED*
	for form in args lines shell json keyword; do
		traced "notree-$form" --disabled-url "$URL" --root "$NOTREE" --format "$form" \
			--platform linux --timeout 60 --retries 0
		expect_eq "exec: hostile list, $form: status 0" 0 "$RC"
	done
	judge_exec notree-args 'curl|gh'
	judge_exec notree-json 'curl|gh'

	# The tree with the hostile file name.
	traced tree --disabled-url "$URL" --root "$TREE" --format shell \
		--api-url "http://127.0.0.1:$PORT/api/v3" --timeout 60 --retries 0
	expect_eq "exec: hostile tree: status 0" 0 "$RC"
	# The trunk source through curl: no gh on PATH, a token, the API on
	# loopback (its 404s are fine: what is executed is the point).
	mkdir -p "$WORK/nogh"
	ln -sf "$(command -v curl)" "$WORK/nogh/curl"
	if [ "$strace_ok" -eq 1 ]; then
		(
			cd "$CWD" || exit 1
			env -u GH_TOKEN PATH="$WORK/nogh" GITHUB_TOKEN=ghp_0123456789abcdef HOME="$WORK/home" \
				ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
				"$(command -v timeout)" 120 "$(command -v strace)" -f -e trace=execve \
				-o "$WORK/curlpath.trace" "$EXCLUSIONS" --disabled-url "$URL" --root "$TREE" \
				--api-url "http://127.0.0.1:$PORT/api/v3" --timeout 60 --retries 0 --format json \
				</dev/null >"$WORK/curlpath.out" 2>"$WORK/curlpath.err"
		)
		expect_eq "exec: trunk through curl: status 0" 0 "$?"
		judge_exec curlpath 'curl'
		if grep -q 'ghp_0123456789abcdef' "$WORK/curlpath.trace"; then
			fail "exec: the token is in no argv" "$(grep -m1 -o 'execve.\{0,200\}ghp_0123456789abcdef' "$WORK/curlpath.trace")"
		else
			pass "exec: the token is in no argv"
		fi
		if grep -q 'api/v3' "$WORK/curlpath.trace"; then
			pass "exec: the trunk source ran through curl"
		else
			fail "exec: the trunk source ran through curl" "no curl call to the API in the trace"
		fi
	fi
	judge_exec tree 'curl|gh'
	if [ "$strace_ok" -eq 1 ]; then
		if executed "$WORK/notree-args.trace" | grep -qx gh; then
			pass "exec: the trunk source ran through gh"
		else
			skip "exec: the trunk source ran through gh" "gh is not installed"
		fi
	fi

	# The hostile entries did reach the output (else this proves little).
	if grep -qF 'test_a$(touch${IFS}PWNED_subst)' "$WORK/notree-lines.out" &&
		grep -qF "test_d'\$(touch\${IFS}PWNED_quote)'" "$WORK/notree-lines.out"; then
		pass "exec: hostile names reach the output"
	else
		fail "exec: hostile names reach the output" "$(head -c 300 "$WORK/notree-lines.out")"
	fi
	if grep -qF 'test_x$(touch${IFS}PWNED_file).py::TestHostileFile::test_a' "$WORK/tree.out"; then
		pass "exec: hostile file name reaches the output"
	else
		fail "exec: hostile file name reaches the output" "$(head -c 300 "$WORK/tree.out")"
	fi

	# The printed forms, used as documented, run nothing either.
	(
		cd "$CWD" || exit 1
		# args: expanded unquoted, as the workflow does.
		EXCL=$(cat "$WORK/notree-args.out")
		# shellcheck disable=SC2086 # unquoted on purpose: that is the use
		set -- $EXCL
		printf '%s\n' "$@" >"$WORK/args.words"
		# shell: evaluated.
		eval "set -- $(cat "$WORK/notree-shell.out")"
		printf '%s\n' "$@" >"$WORK/shell.words"
		eval "set -- $(cat "$WORK/tree.out")"
		printf '%s\n' "$@" >"$WORK/tree-shell.words"
	)
	grep -v '[[:space:]*?[]' "$WORK/notree-lines.out" | sed 's/^/--deselect=/' >"$WORK/args.want"
	if [ -s "$WORK/args.want" ] && cmp -s "$WORK/args.want" "$WORK/args.words"; then
		pass "exec: unquoted \$EXCLUSIONS splits into the node ids (no glob characters)"
	else
		fail "exec: unquoted \$EXCLUSIONS splits into the node ids (no glob characters)" \
			"$(diff "$WORK/args.want" "$WORK/args.words" | head -n 4 | paste -sd'|' -)"
	fi
	n_lines=$(grep -c . "$WORK/notree-lines.out")
	n_shell=$(grep -c . "$WORK/shell.words")
	expect_eq "exec: eval of --format shell gives one word per node id" "$n_lines" "$n_shell"
	sed 's/^--deselect=//' "$WORK/shell.words" >"$WORK/shell.ids"
	if cmp -s "$WORK/shell.ids" "$WORK/notree-lines.out"; then
		pass "exec: eval of --format shell gives back the node ids byte for byte"
	else
		fail "exec: eval of --format shell gives back the node ids byte for byte" \
			"$(diff "$WORK/shell.ids" "$WORK/notree-lines.out" | head -n 4 | paste -sd'|' -)"
	fi
	if "$PY" - "$WORK/notree-json.out" "$WORK/notree-lines.out" >"$WORK/json.err" 2>&1 <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ids = open(sys.argv[2]).read().split("\n")[:-1]
assert sorted(o["node_id"] for o in doc) == sorted(ids), (doc, ids)
EOF
	then pass "exec: --format json holds the hostile node ids as they are"
	else fail "exec: --format json holds the hostile node ids as they are" "$(tail -n 2 "$WORK/json.err")"; fi

	expect_eq "exec: no hostile text ran (no PWNED file)" "" "$(pwned)"
fi

# ---- 3. shellcheck ----------------------------------------------------

if ! command -v shellcheck >/dev/null 2>&1; then
	skip "shellcheck" "shellcheck is not installed"
else
	# Every shell script: *.sh, and files whose first line names sh or bash.
	scripts=()
	while IFS= read -r -d '' f; do
		case $f in
		*.sh) scripts+=("$f") ;;
		*)
			if head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*[/ ](ba)?sh( |$)'; then
				scripts+=("$f")
			fi ;;
		esac
	done < <(cd "$TOP" && find . \( -name .git -o -path ./fuzz/bin -o -name __pycache__ \
		-o -name .pytest_cache \) -prune -o -type f -print0 | sort -z)
	for want in ./.ci/run ./test/run ./test/lib.sh ./action.sh; do
		found=0
		for f in "${scripts[@]}"; do [ "$f" = "$want" ] && found=1; done
		[ -e "$TOP/$want" ] || continue
		check "shellcheck: finds $want" test "$found" -eq 1
	done
	for f in "${scripts[@]}"; do
		if (cd "$TOP" && shellcheck "$f") >"$WORK/sc.out" 2>&1; then
			pass "shellcheck: ${f#./}"
		else
			fail "shellcheck: ${f#./}" "$(grep -E '^In |SC[0-9]+' "$WORK/sc.out" | head -n 4 | paste -sd' ' -)"
		fi
	done
fi
