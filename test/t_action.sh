#!/usr/bin/env bash
# The GitHub Action: action.sh run as the action runs it (inputs as INPUT_*
# variables, a GITHUB_OUTPUT file), on the sample tree and the fixture
# list, checked against the binary run directly; inputs that try to run
# commands run none; and action.yml passes every input through env: only.
# Single quotes around $( ) and ${{ }} are meant: those texts must not expand.
# shellcheck disable=SC2016
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

ACTION_SH=$TOP/action.sh
ACTION_YML=$TOP/action.yml

if [ ! -x "$EXCLUSIONS" ]; then
	skip "action" "no binary at $EXCLUSIONS (run make exclusions)"
	exit 0
fi
for f in "$ACTION_SH" "$ACTION_YML"; do
	if [ ! -f "$f" ]; then
		fail "action: $(basename "$f")" "missing"
		exit 0
	fi
done

# The action runs in the job's working directory; here a scratch one with
# the fixture list in it, so that extra-args can name it without a path.
RUN=$WORK/run
mkdir -p "$RUN"
cp "$TESTDIR/fixtures/sample-disabled.json" "$RUN/disabled.json"
SAMPLE=$TESTDIR/sample

# run_action TAG [VAR=VALUE...]: action.sh with only these INPUT_*s set;
# the outputs go to $WORK/TAG.output, stdout and stderr to TAG.out/.err.
run_action() {
	local tag=$1; shift
	: >"$WORK/$tag.output"
	(
		cd "$RUN" || exit 1
		env -u INPUT_PLATFORM -u INPUT_ROOT -u INPUT_TESTS_DIR -u INPUT_DISABLED_URL \
			-u INPUT_FALLBACK -u INPUT_FORMAT -u INPUT_EXTRA_ARGS -u INPUT_GITHUB_TOKEN \
			GITHUB_OUTPUT="$WORK/$tag.output" RUNNER_TEMP="$WORK" \
			EXCLUSIONS_BIN="$EXCLUSIONS" "$@" \
			bash "$ACTION_SH" </dev/null >"$WORK/$tag.out" 2>"$WORK/$tag.err"
	)
	RC=$?
}

# output FILE NAME: the value of an output as GitHub reads the file: lines
# "name=value", or "name<<DELIM", the value's lines, "DELIM".
output() {
	awk -v want="$2" '
		delim != "" { if ($0 == delim) { delim = ""; if (name == want) { printf "%s", val; found = 1 } }
		              else val = val (n++ ? "\n" : "") $0; next }
		/^[A-Za-z_][A-Za-z0-9_-]*<</ { i = index($0, "<<"); name = substr($0, 1, i - 1)
		              delim = substr($0, i + 2); val = ""; n = 0; next }
		/^[A-Za-z_][A-Za-z0-9_-]*=/ { i = index($0, "="); if (substr($0, 1, i - 1) == want) {
		              printf "%s", substr($0, i + 1); found = 1 } }
		END { exit !found }
	' "$1"
}

# Each form: the args output is what the binary prints, count is the
# number of node ids (from --format lines of the same run).
direct_ids=$("$EXCLUSIONS" -q --no-trunk --disabled-file "$RUN/disabled.json" --root "$SAMPLE" \
	--format lines 2>/dev/null | grep -c .)
if [ "${direct_ids:-0}" -lt 3 ]; then
	fail "action: fixture" "the sample tree and fixture give only ${direct_ids:-0} node ids"
	exit 0
fi
for form in args lines shell json keyword; do
	run_action "$form" INPUT_ROOT="$SAMPLE" INPUT_FORMAT="$form" INPUT_PLATFORM=linux \
		INPUT_EXTRA_ARGS="--no-trunk  --disabled-file
disabled.json	-q"
	if [ "$RC" -ne 0 ]; then
		fail "action: $form: runs" "exit status $RC: $(tail -n 3 "$WORK/$form.err")"
		continue
	fi
	want=$("$EXCLUSIONS" -q --no-trunk --disabled-file "$RUN/disabled.json" --root "$SAMPLE" \
		--platform linux --format "$form" 2>/dev/null)
	got=$(output "$WORK/$form.output" args) || got='<no args output>'
	expect_eq "action: $form: args output is the printed result" "$want" "$got"
	got=$(output "$WORK/$form.output" count) || got='<no count output>'
	if [ "$form" = keyword ]; then
		# One "not (Class and name)" term may stand for several node ids.
		expect_eq "action: $form: count" "$(grep -o 'not (' <<<"$want" | wc -l)" "$got"
	else
		expect_eq "action: $form: count" "$direct_ids" "$got"
	fi
	file=$(output "$WORK/$form.output" file) || file=
	if [ -n "$file" ] && [ -f "$file" ] && [ "$(cat "$file")" = "$want" ]; then
		pass "action: $form: file output holds the result"
	else
		fail "action: $form: file output holds the result" "file=[$file]"
	fi
done

# The delimiter is random, and a line of its own.
d1=$(grep -m1 '^args<<' "$WORK/args.output")
d2=$(grep -m1 '^args<<' "$WORK/lines.output")
if [ -n "$d1" ] && [ -n "$d2" ] && [ "$d1" != "$d2" ] && [ ${#d1} -ge 20 ]; then
	pass "action: random multi-line delimiter"
else
	fail "action: random multi-line delimiter" "[$d1] [$d2]"
fi
# A multi-line value stays whole.
lines=$(output "$WORK/lines.output" args | grep -c .)
expect_eq "action: lines output keeps every line" "$direct_ids" "$lines"

# Defaults: only the list and the root given; the fallback is printed when
# nothing is found (an empty tree), and counted.
mkdir -p "$WORK/emptyroot"
run_action empty INPUT_ROOT="$WORK/emptyroot" INPUT_FALLBACK=never \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json --filter no-such-suite"
expect_eq "action: nothing found: status 0" 0 "$RC"
expect_eq "action: nothing found: count 0" 0 "$(output "$WORK/empty.output" count)"
expect_eq "action: nothing found: empty args" "" "$(output "$WORK/empty.output" args)"

# tests-dir: several folders, each its own --tests-dir.
run_action dirs INPUT_ROOT="$SAMPLE" INPUT_TESTS_DIR="test/profiler  test/profiler" \
	INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json -q"
expect_eq "action: tests-dir list: status 0" 0 "$RC"
expect_eq "action: tests-dir list: count" "$direct_ids" "$(output "$WORK/dirs.output" count)"

# disabled-url: a loopback server.
mkdir -p "$WORK/data"
cp "$RUN/disabled.json" "$WORK/data/list.json"
if ! command -v curl >/dev/null 2>&1; then
	skip "action: disabled-url" "curl is not installed"
elif start_server --root "$WORK/data"; then
	run_action url INPUT_ROOT="$SAMPLE" INPUT_DISABLED_URL="http://127.0.0.1:$PORT/data/list.json" \
		INPUT_EXTRA_ARGS="--no-trunk -q --retries 0 --timeout 20"
	expect_eq "action: disabled-url: status 0" 0 "$RC"
	expect_eq "action: disabled-url: count" "$direct_ids" "$(output "$WORK/url.output" count)"
else
	fail "action: disabled-url" "test/server.py did not start"
fi

# A usage error fails the step with exclusions' status.
run_action bad INPUT_FORMAT=no-such-form INPUT_EXTRA_ARGS="--no-trunk --disabled-file disabled.json"
expect_eq "action: bad input fails the step with status 2" 2 "$RC"

# Inputs that try to run commands: they are arguments, never shell text.
rm -f "$RUN"/PWNED*
run_action hostile INPUT_ROOT="$SAMPLE" \
	INPUT_PLATFORM='linux$(touch PWNED1)' \
	INPUT_TESTS_DIR='`touch PWNED2` test/profiler;touch${IFS}PWNED3' \
	INPUT_FORMAT='args' \
	INPUT_EXTRA_ARGS='--no-trunk --disabled-file disabled.json --filter $(touch${IFS}PWNED4) ;touch PWNED5 | touch PWNED6 && touch PWNED7 * ?'
pwned=$(find "$RUN" "$WORK" -maxdepth 1 -name 'PWNED*' | paste -sd' ' -)
expect_eq "action: hostile inputs run nothing" "" "$pwned"
run_action hostile2 INPUT_ROOT="$SAMPLE" \
	INPUT_EXTRA_ARGS='--no-trunk --disabled-file disabled.json --format=lines -q'
expect_eq "action: --format= in extra-args is counted by its form" "$direct_ids" \
	"$(output "$WORK/hostile2.output" count)"

# The token input reaches the binary as GH_TOKEN and GITHUB_TOKEN in its
# environment, never among its arguments.
cat >"$WORK/fakebin" <<'FAKE'
#!/bin/sh
printf 'env=%s,%s\nargs=%s\n' "${GH_TOKEN:-}" "${GITHUB_TOKEN:-}" "$*" >"$FAKE_OUT"
printf '\n'
FAKE
chmod +x "$WORK/fakebin"
FAKE_OUT=$WORK/fake.txt run_action token EXCLUSIONS_BIN="$WORK/fakebin" FAKE_OUT="$WORK/fake.txt" \
	INPUT_GITHUB_TOKEN=tok-123 INPUT_PLATFORM=linux
if grep -qx 'env=tok-123,tok-123' "$WORK/fake.txt" && ! grep -q 'tok-123' <(grep '^args=' "$WORK/fake.txt"); then
	pass "action: the token goes to the environment, not to argv"
else
	fail "action: the token goes to the environment, not to argv" "$(cat "$WORK/fake.txt" 2>/dev/null)"
fi

# action.yml: every expression in it is either an input passed through
# env: (INPUT_X: ${{ inputs.x }}) or an output taken from the run step; no
# run: line holds one; every input declared has its env: line.
bad=$(grep -n '\${{' "$ACTION_YML" | grep -vE '^[0-9]+: *#' |
	grep -vE '^[0-9]+: +INPUT_[A-Z_]+: \$\{\{ inputs\.[a-z-]+ \}\}$' |
	grep -vE '^[0-9]+: +value: \$\{\{ steps\.run\.outputs\.[a-z]+ \}\}$' |
	grep -vE '^[0-9]+: +default: \$\{\{ github\.token \}\}$')
if [ -z "$bad" ]; then pass "action.yml: expressions only in env: and outputs"
else fail "action.yml: expressions only in env: and outputs" "$bad"; fi
if grep -nE '^ *run: .*\$\{\{' "$ACTION_YML" >/dev/null; then
	fail "action.yml: no expression in run:" "$(grep -nE '^ *run: .*\$\{\{' "$ACTION_YML")"
else
	pass "action.yml: no expression in run:"
fi
inputs=$(awk '/^inputs:/{ on = 1; next } /^[^ #]/{ on = 0 } on && /^  [a-z][a-z-]*:$/ { sub(/:$/, ""); sub(/^ +/, ""); print }' "$ACTION_YML")
missing=
for i in $inputs; do
	var=INPUT_$(printf '%s' "$i" | tr 'a-z-' 'A-Z_')
	grep -qE "^ +$var: \\$\\{\\{ inputs\\.$i \\}\\}$" "$ACTION_YML" || missing="$missing $i"
	grep -q "$var" "$ACTION_SH" || missing="$missing $i(not read by action.sh)"
done
if [ -n "$inputs" ] && [ -z "$missing" ]; then
	pass "action.yml: every input goes through env: ($(echo "$inputs" | paste -sd' ' -))"
else
	fail "action.yml: every input goes through env:" "missing:$missing"
fi
for want in platform root tests-dir disabled-url fallback format extra-args; do
	check "action.yml: input $want" grep -qx "  $want:" <(printf '%s\n' "$inputs" | sed 's/^/  /; s/$/:/')
done
for o in args count; do
	check "action.yml: output $o" grep -qE "^  $o:$" "$ACTION_YML"
done
check "action.yml: composite, builds with make -C \"\$GITHUB_ACTION_PATH\"" \
	grep -qE 'make .*-C "\$GITHUB_ACTION_PATH"' "$ACTION_YML"
check "action.yml: composite" grep -qE '^  using: composite$' "$ACTION_YML"

# With PyYAML at hand, the same through a real parser.
if "$PY" -c 'import yaml' 2>/dev/null; then
	if "$PY" - "$ACTION_YML" >"$WORK/yaml.err" 2>&1 <<'EOF'
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
steps = doc["runs"]["steps"]
assert doc["runs"]["using"] == "composite"
for s in steps:
    assert "${{" not in s.get("run", ""), s
    assert s.get("shell") == "bash", s
env = {}
for s in steps:
    env.update(s.get("env", {}))
for name in doc["inputs"]:
    var = "INPUT_" + name.upper().replace("-", "_")
    assert env.get(var) == "${{ inputs.%s }}" % name, (var, env.get(var))
for name in ("args", "count"):
    assert re.fullmatch(r"\$\{\{ steps\.run\.outputs\.%s \}\}" % name, doc["outputs"][name]["value"])
EOF
	then pass "action.yml: parsed with PyYAML"
	else fail "action.yml: parsed with PyYAML" "$(tail -n 3 "$WORK/yaml.err")"; fi
else
	skip "action.yml: parsed with PyYAML" "python3-yaml is not installed"
fi
