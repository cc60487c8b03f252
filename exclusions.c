/*
 * exclusions: which upstream-broken tests a CI run should leave out, printed
 * in the form pytest takes.
 *
 * This file is the command line: the options into a config, usage, main and
 * the exit status.  The run itself is pipeline.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "github.h"
#include "history.h"
#include "match.h"
#include "pipeline.h"

#define DEVICE_NAMES "cpu cuda xpu mps hpu meta lazy"

#ifndef EXCLUSIONS_VERSION
#define EXCLUSIONS_VERSION "0.1.0"
#endif

/* --python made absolute, freed at the end. */
static char *python_path;          /* --python made absolute */
static char *webhook_env;          /* EXCLUSIONS_WEBHOOK, taken out of the environment */

static const char usage_text[] =
"usage: exclusions [options]\n"
"       exclusions history --replay-git DIR --history FILE\n"
"       exclusions report --history FILE\n"
"\n"
"Print the pytest --deselect arguments for the tests of this run that are\n"
"broken upstream: disabled in PyTorch's disabled-tests list, or failing in\n"
"the latest trunk CI runs.  Logs go to stderr.\n"
"\n"
"Source:\n"
"  --disabled-url URL     fetch the list with curl (default: PyTorch's test-infra URL)\n"
"  --disabled-file PATH   read the list from a file or pipe (- for stdin)\n"
"  --no-disabled-list     neither fetch nor read the list (the other sources stay)\n"
"  --max-bytes N          refuse a larger list (default 64M; K, M, G suffixes)\n"
"  --timeout SECONDS      time limit for the whole run (default 120)\n"
"  --retries N            curl retries on transient failures (default 2)\n"
"Selection:\n"
"  --platform LIST        platforms of this run (default linux): mac macos win\n"
"                         windows linux rocm xpu asan dynamo dynamo_wrapped\n"
"                         inductor slow (dynamo = dynamo_wrapped, implied by\n"
"                         inductor, as in PyTorch)\n"
"  --root DIR             where pytest runs; node ids are relative to it (default .)\n"
"  --tests-dir DIR        test folder under the root (relative or absolute),\n"
"                         repeatable (default test/profiler when it exists)\n"
"  --devices LIST         devices of device-generic classes (default cpu,cuda)\n"
"  --filter TEXT          with no test tree: suites containing TEXT (default profiler)\n"
"  --collected FILE       output of pytest --collect-only -q: exact node ids,\n"
"                         and a report of collateral prefix matches\n"
"  --collect              run pytest --collect-only -q on the test folders in\n"
"                         --root, read as --collected is (the tree if it fails)\n"
"  --python PATH          the Python that runs pytest for --collect (default python3)\n"
"Cache of the fetched list (per URL; last fetch and last-known-good kept apart):\n"
"  --cache-dir DIR        where (default $EXCLUSIONS_CACHE_DIR, else\n"
"                         $XDG_CACHE_HOME/exclusions, else ~/.cache/exclusions)\n"
"  --no-cache             neither read nor write the cache\n"
"  --ttl SECONDS          a copy younger than this is used without a request\n"
"                         (default 10800); an older one is revalidated (304)\n"
"  --max-stale SECONDS    after a failed fetch, a copy younger than this is used\n"
"                         before the fallback (default 604800)\n"
"  --offline              no request: the cached copy, whatever its age\n"
"  --refresh              fetch whatever the age (for a scheduled job)\n"
"  --max-drop PERCENT     a fetched list that is empty, or has more than PERCENT\n"
"                         fewer entries than the last-known-good, is not trusted:\n"
"                         the last-known-good is used instead (default 50)\n"
"  --accept-drop          trust such a drop at once\n"
"  --drop-grace SECONDS   trust it once it has lasted this long (default 3600)\n"
"Trunk runs (recent upstream CI failures, through curl; the token from\n"
"`gh auth token`, else GITHUB_TOKEN or GH_TOKEN):\n"
"  --no-trunk             skip this source\n"
"  --repo OWNER/NAME      repository (default pytorch/pytorch)\n"
"  --workflow FILE        workflow file (default pull.yml)\n"
"  --branch NAME          branch (default main)\n"
"  --runs N               latest completed runs to look at, 1 to 100 (default 2)\n"
"  --job-filter TEXT      failed jobs whose name contains TEXT (default test)\n"
"  --max-jobs N           jobs per run, 0 = all (default 5)\n"
"  --trunk-any-platform   count every failed job on every platform (default: a\n"
"                         job counts only for the platforms its name says, rocm\n"
"                         win mac xpu asan dynamo inductor, else linux)\n"
"  -j N, --parallel N     calls at once (default 8)\n"
"  --api-url URL          the API (default https://$GH_HOST/api/v3 when GH_HOST\n"
"                         is set, else https://api.github.com)\n"
"Re-enabling, as PyTorch's CI does: the issues REENABLED_ISSUES names (comma-\n"
"separated), and those a pull request fixes (\"Fixes #N\", in PR_BODY,\n"
"COMMIT_MESSAGES or the file below), are not excluded, so the fix gets tested:\n"
"  --pr-body-file FILE    a pull request's body (or commit messages) to read\n"
"  --keep TEST            run TEST (a node id, a key or a gtest name) whatever the\n"
"                         sources say (repeatable)\n"
"Hand-kept lists, always applied:\n"
"  --extra FILE           a node id, a key or a gtest name Suite.Test a line, then\n"
"                         its issue URL and \"platforms: a, b\" if any; # comments\n"
"                         (repeatable)\n"
"Issue tracking (through the GitHub transport of the trunk runs):\n"
"  --issues-repo OWNER/NAME  exclude the tests of that repository's open issues\n"
"                         titled \"DISABLED <test>\" (a key, a node id or a gtest\n"
"                         Suite.Test; DISABLED MULTIPLE: tests in the body), for\n"
"                         the platforms of their \"Platforms:\" line\n"
"  --check-issues         look up the issue of each --extra and fallback line;\n"
"                         report the lines whose issue is closed (output unchanged);\n"
"                         a state younger than --ttl comes from the cache\n"
"Fallback:\n"
"  --fallback MODE        auto (default: every source failed or found nothing),\n"
"                         on-error (every source failed), never, always\n"
"  --fallback-file FILE   lines as for --extra (replaces the built-in list)\n"
"Issue ages and alerts:\n"
"  --issue-ages           look up when each exclusion's issue was opened (one\n"
"                         call per issue), so that days excluded are known; a\n"
"                         date once looked up comes from the cache\n"
"  --alert-after DAYS     alert about tests excluded DAYS days or more (default\n"
"                         14): ::warning annotations when GITHUB_ACTIONS=true\n"
"                         (10 at most), and the two below\n"
"  --notify-issue OWNER/NAME  keep one tracking issue there up to date (opened,\n"
"                         edited, closed when nothing is overdue)\n"
"  --notify-webhook URL   POST {\"text\": ...} (Slack's form) there when something\n"
"                         is overdue; a secret, better in EXCLUSIONS_WEBHOOK\n"
"  --dry-run              show on stderr what would be sent; send nothing\n"
"Output:\n"
"  --format FORM          args (default), lines, shell, json, keyword,\n"
"                         pytorch (PyTorch's runtime file, for DISABLED_TESTS_FILE),\n"
"                         gtest (--gtest_filter=-Suite.Test:... of the C++ tests),\n"
"                         markdown (the history report, below)\n"
"  -o, --output FILE      write to FILE atomically instead of stdout\n"
"  --summary FILE         append a Markdown report to FILE (GITHUB_STEP_SUMMARY):\n"
"                         what is excluded and why, re-enabled, warnings\n"
"  --explain TEST         instead, for TEST (a node id, a key or a gtest name):\n"
"                         every entry of every source that names it or nearly\n"
"                         does, the rule that matched or not, and the verdict,\n"
"                         always on stdout; exit 0 when excluded, 1 when not\n"
"                         (not with -o or --format pytorch)\n"
"  --gtest-base FILTER    with --format gtest: an existing gtest filter that the\n"
"                         exclusions are appended to (default: GTEST_FILTER)\n"
"  --history FILE         record this run in FILE (JSON Lines, locked, atomic):\n"
"                         each excluded test's first and last seen, runs seen,\n"
"                         sources and issues, and each run's counts; with\n"
"                         GITHUB_STEP_SUMMARY set, append the history report\n"
"                         there (a damaged FILE is kept as FILE.damaged-TIME)\n"
"  -q, --quiet            warnings only on stderr\n"
"  -v, --verbose          more detail on stderr\n"
"  -h, --help, --version\n"
"\n"
"History subcommands (with --history FILE as above):\n"
"  exclusions history --replay-git DIR --history FILE [--timeout SECONDS]\n"
"  exclusions report --history FILE\n"
"  --replay-git DIR       record every version of the list in DIR, a clone of\n"
"                         test-infra's generated-stats branch, oldest first, as\n"
"                         runs (git log, git show); an empty or invalid version\n"
"                         is a gap, not \"everything fixed\"\n"
"  report                 print the history report: the tests excluded, longest\n"
"                         first, days and runs; those no longer excluded; a\n"
"                         Mermaid chart of the tests excluded per run\n"
"\n"
"A path above that does not exist, or is not a folder or a file as it should\n"
"be, is a usage error, found before any call is made.\n"
"\n"
"Exit status: 0 when a result was printed (fallback included), 1 when it\n"
"(or the --summary report, or the --history file) could not be written\n"
"(history, report: when it failed; --explain: 0 when the test\n"
"is excluded, 1 when not), 2 for a usage error (what is wrong, then\n"
"\"Try 'exclusions --help'.\", on stderr; nothing run, nothing printed).\n";

static _Noreturn void usage_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;

/* Every usage error is these two lines on stderr, then exit 2, before
 * anything has run.  Whatever the user typed goes through shown(), so the
 * first line stays one line. */
static _Noreturn void
usage_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "exclusions: %s\nTry 'exclusions --help'.\n", line);
	exit(2);
}

/* s, quoted for a message (slot: see shown()). */
static const char *
q(const char *s, int slot)
{
	return shown(s, strlen(s), slot);
}

static size_t
parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	unsigned long long mul = 1;

	errno = 0;
	if (*s < '0' || *s > '9')
		usage_error("--max-bytes: not a size (a number of bytes, or with a suffix K, M or G): \"%s\"",
		    q(s, 0));
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024, end++;
	if (errno || *end || v == 0 || v > (1ull << 40) / mul)
		usage_error("--max-bytes: not a size from 1 byte to 1024G (suffixes K, M, G): \"%s\"",
		    q(s, 0));
	return (size_t)(v * mul);
}

static double
parse_seconds(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > 86400)
		usage_error("--timeout: not a number of seconds more than 0 and at most 86400: \"%s\"",
		    q(s, 0));
	return v;
}

static int
parse_count(const char *opt, const char *s, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage_error("%s: not a whole number from %d to %d: \"%s\"", opt, min, max, q(s, 0));
	return (int)v;
}

static unsigned
parse_platforms(const char *s)
{
	struct strlist l = { 0 };
	unsigned mask = 0;

	split_commas(&l, s);
	if (l.n == 0)
		usage_error("--platform: no platform named (known: %s)", platform_names);
	for (size_t i = 0; i < l.n; i++) {
		unsigned bit = platform_bit(l.v[i], strlen(l.v[i]));

		if (!bit)
			usage_error("--platform: unknown platform \"%s\" (known: %s)", q(l.v[i], 0),
			    platform_names);
		mask |= bit;
	}
	strlist_free(&l);
	/* As PyTorch's harness decides: dynamo and dynamo_wrapped are one
	 * condition (TEST_WITH_TORCHDYNAMO), which an inductor run implies. */
	if (mask & (PLAT_DYNAMO | PLAT_DYNAMO_WRAPPED | PLAT_INDUCTOR))
		mask |= PLAT_DYNAMO | PLAT_DYNAMO_WRAPPED;
	return mask;
}

static void
parse_devices(struct strlist *l, const char *s)
{
	strlist_free(l);
	split_commas(l, s);
	if (l->n == 0)
		usage_error("--devices: no device named (known: %s)", DEVICE_NAMES);
	for (size_t i = 0; i < l->n; i++)
		if (!is_device(l->v[i], strlen(l->v[i])))
			usage_error("--devices: unknown device \"%s\" (known: %s)", q(l->v[i], 0), DEVICE_NAMES);
}

/* An http(s) URL with a host, nothing a message or curl's argv would
 * mangle; opt names it in the error. */
static const char *
parse_url(const char *opt, const char *s)
{
	const char *rest = starts_with(s, "https://") ? s + 8 : starts_with(s, "http://") ? s + 7 : NULL;

	if (!*s)
		usage_error("%s: empty (expected an http or https URL)", opt);
	if (!rest || !*rest || *rest == '/' || strpbrk(s, " \"'\\") || !text_is_clean(s))
		usage_error("%s: not an http(s) URL: \"%s\"", opt, q(s, 0));
	return s;
}

/* A webhook's URL: a secret, so never shown in a message. */
static const char *
parse_webhook(const char *opt, const char *s)
{
	const char *rest = starts_with(s, "https://") ? s + 8 : starts_with(s, "http://") ? s + 7 : NULL;

	if (!*s)
		usage_error("%s: empty (expected an http or https URL)", opt);
	if (!rest || !*rest || *rest == '/' || strlen(s) > 2000 || strpbrk(s, " \"'\\") ||
	    !text_is_clean(s))
		usage_error("%s: not an http(s) URL without spaces or quotes (not shown: it is secret)", opt);
	return s;
}

/* --keep: a node id ("path::Class::test", a class or a file), or a key
 * "test_name (module.Class)" as the disabled list writes them. */
static const char *
parse_keep(const char *s)
{
	struct testkey k;
	const char *why;
	size_t n = strlen(s);

	if (!*s)
		usage_error("--keep: empty (expected a node id or a key \"test_name (module.Class)\")");
	if (!text_is_clean(s))
		usage_error("--keep: holds control characters: \"%s\"", q(s, 0));
	/* What looks like a key must be one. */
	if (!strstr(s, "::") && strstr(s, " (") && s[n - 1] == ')' && key_parse(s, n, &k, &why) < 0)
		usage_error("--keep: not a key \"test_name (module.Class)\": %s: \"%s\"", why, q(s, 0));
	return s;
}

/* --gtest-base or GTEST_FILTER: a gtest filter, gtest's characters only. */
static const char *
parse_gtest_base(const char *what, const char *s)
{
	const char *why;

	if (!gtest_filter_ok(s, &why))
		usage_error("%s: not a gtest filter (%s): \"%s\"", what, why, q(s, 0));
	return s;
}

/* --explain: one test, a node id "path::Class::test" or a key. */
static const char *
parse_explain(const char *s)
{
	struct testkey k;
	const char *why, *a, *b;

	if (!*s)
		usage_error("--explain: empty (expected a node id path::Class::test or a key \"test_name (module.Class)\")");
	if (!text_is_clean(s))
		usage_error("--explain: holds control characters: \"%s\"", q(s, 0));
	if ((a = strstr(s, "::")) == NULL) {
		if (!strchr(s, '(') && !ends_with(s, ".py") && gtest_name_ok(s, strlen(s)))
			return s;       /* a C++ test, Suite.Test */
		if (key_parse(s, strlen(s), &k, &why) < 0)
			usage_error("--explain: neither a node id path::Class::test, a key \"test_name (module.Class)\" nor a gtest name Suite.Test: %s: \"%s\"",
			    why, q(s, 0));
		return s;
	}
	b = strstr(a + 2, "::");
	if (a == s || !b || b == a + 2 || !b[2])
		usage_error("--explain: not the node id of a test (path::Class::test): \"%s\"", q(s, 0));
	return s;
}

enum opt_id {
	O_URL, O_FILE, O_MAXBYTES, O_TIMEOUT, O_RETRIES, O_PLATFORM, O_ROOT,
	O_TESTSDIR, O_DEVICES, O_FILTER, O_COLLECTED, O_FALLBACK, O_FBFILE,
	O_FORMAT, O_OUTPUT, O_QUIET, O_VERBOSE, O_HELP, O_VERSION,
	O_NOTRUNK, O_REPO, O_WORKFLOW, O_BRANCH, O_RUNS, O_JOBFILTER, O_MAXJOBS,
	O_PARALLEL, O_APIURL, O_PRBODYFILE, O_KEEP, O_SUMMARY, O_EXPLAIN, O_TRUNKANY,
	O_COLLECT, O_PYTHON, O_EXTRA, O_NOLIST,
	O_GTESTBASE,
	O_ISSUESREPO, O_CHECKISSUES,
	O_HISTORY,
	O_ISSUEAGES, O_ALERTAFTER, O_NOTIFYISSUE, O_NOTIFYWEBHOOK, O_DRYRUN,
	O_CACHEDIR, O_NOCACHE, O_TTL, O_MAXSTALE, O_OFFLINE, O_REFRESH, O_MAXDROP,
	O_ACCEPTDROP, O_DROPGRACE
};

static const struct {
	const char *name;
	int has_arg;
	enum opt_id id;
} long_opts[] = {
	{ "disabled-url", 1, O_URL }, { "disabled-file", 1, O_FILE },
	{ "max-bytes", 1, O_MAXBYTES }, { "timeout", 1, O_TIMEOUT },
	{ "retries", 1, O_RETRIES }, { "platform", 1, O_PLATFORM },
	{ "root", 1, O_ROOT }, { "tests-dir", 1, O_TESTSDIR },
	{ "devices", 1, O_DEVICES }, { "filter", 1, O_FILTER },
	{ "collected", 1, O_COLLECTED }, { "fallback", 1, O_FALLBACK },
	{ "fallback-file", 1, O_FBFILE }, { "format", 1, O_FORMAT },
	{ "output", 1, O_OUTPUT }, { "quiet", 0, O_QUIET },
	{ "verbose", 0, O_VERBOSE }, { "help", 0, O_HELP },
	{ "version", 0, O_VERSION }, { "no-trunk", 0, O_NOTRUNK },
	{ "repo", 1, O_REPO }, { "workflow", 1, O_WORKFLOW }, { "branch", 1, O_BRANCH },
	{ "runs", 1, O_RUNS }, { "job-filter", 1, O_JOBFILTER }, { "max-jobs", 1, O_MAXJOBS },
	{ "parallel", 1, O_PARALLEL }, { "api-url", 1, O_APIURL },
	{ "pr-body-file", 1, O_PRBODYFILE }, { "keep", 1, O_KEEP },
	{ "summary", 1, O_SUMMARY },
	{ "explain", 1, O_EXPLAIN },
	{ "trunk-any-platform", 0, O_TRUNKANY },
	{ "collect", 0, O_COLLECT }, { "python", 1, O_PYTHON }, { "extra", 1, O_EXTRA },
	{ "no-disabled-list", 0, O_NOLIST },
	{ "gtest-base", 1, O_GTESTBASE },
	{ "issues-repo", 1, O_ISSUESREPO }, { "check-issues", 0, O_CHECKISSUES },
	{ "history", 1, O_HISTORY },
	{ "issue-ages", 0, O_ISSUEAGES }, { "alert-after", 1, O_ALERTAFTER },
	{ "notify-issue", 1, O_NOTIFYISSUE }, { "notify-webhook", 1, O_NOTIFYWEBHOOK },
	{ "dry-run", 0, O_DRYRUN },
	{ "cache-dir", 1, O_CACHEDIR }, { "no-cache", 0, O_NOCACHE }, { "ttl", 1, O_TTL },
	{ "max-stale", 1, O_MAXSTALE }, { "offline", 0, O_OFFLINE }, { "refresh", 0, O_REFRESH },
	{ "max-drop", 1, O_MAXDROP }, { "accept-drop", 0, O_ACCEPTDROP },
	{ "drop-grace", 1, O_DROPGRACE },
};

static void
apply_option(struct config *c, enum opt_id id, const char *arg)
{
	switch (id) {
	case O_URL: c->disabled_url = parse_url("--disabled-url", arg); c->disabled_file = NULL; break;
	case O_FILE: c->disabled_file = arg; break;
	case O_MAXBYTES: c->max_bytes = parse_size(arg); break;
	case O_TIMEOUT: c->timeout = parse_seconds(arg); break;
	case O_RETRIES: c->retries = parse_count("--retries", arg, 0, 10); break;
	case O_PLATFORM:
		c->platforms = parse_platforms(arg);
		c->platform_text = arg;
		break;
	case O_ROOT: c->root = arg; break;
	case O_TESTSDIR: strlist_add(&c->tests_dirs, arg); break;
	case O_DEVICES: parse_devices(&c->devices, arg); break;
	case O_FILTER: c->filter = arg; break;
	case O_COLLECTED: c->collected = arg; break;
	case O_FALLBACK:
		if (strcmp(arg, "auto") == 0) c->fallback = FB_AUTO;
		else if (strcmp(arg, "on-error") == 0) c->fallback = FB_ON_ERROR;
		else if (strcmp(arg, "never") == 0) c->fallback = FB_NEVER;
		else if (strcmp(arg, "always") == 0) c->fallback = FB_ALWAYS;
		else usage_error("--fallback: expected auto, on-error, never or always, not \"%s\"", q(arg, 0));
		break;
	case O_FBFILE: c->fallback_file = arg; break;
	case O_FORMAT:
		if (format_parse(arg, &c->format) < 0)
			usage_error("--format: expected args, lines, shell, json, keyword, pytorch, gtest or markdown, not \"%s\"",
			    q(arg, 0));
		break;
	case O_OUTPUT: c->output = arg; break;
	case O_SUMMARY:
		if (!*arg)
			usage_error("--summary: empty file name");
		c->summary = arg;
		break;
	case O_QUIET: c->log_level = LOG_WARN; break;
	case O_VERBOSE: c->log_level = LOG_DEBUG; break;
	case O_NOTRUNK: c->trunk = 0; break;
	case O_REPO:
		if (!github_name_ok(arg, 1) || !strchr(arg, '/') || strchr(strchr(arg, '/') + 1, '/'))
			usage_error("--repo: expected OWNER/NAME, not \"%s\"", q(arg, 0));
		c->repo = arg;
		break;
	case O_WORKFLOW:
		if (!github_name_ok(arg, 0))
			usage_error("--workflow: expected a workflow file name such as pull.yml, not \"%s\"", q(arg, 0));
		c->workflow = arg;
		break;
	case O_BRANCH:
		if (!github_name_ok(arg, 1))
			usage_error("--branch: not a plain branch name: \"%s\"", q(arg, 0));
		c->branch = arg;
		break;
	case O_RUNS: c->runs = parse_count("--runs", arg, 1, 100); break;
	case O_JOBFILTER: c->job_filter = arg; break;
	case O_MAXJOBS: c->max_jobs = parse_count("--max-jobs", arg, 0, 10000); break;
	case O_PARALLEL: c->parallel = parse_count("--parallel", arg, 1, 64); break;
	case O_TRUNKANY: c->trunk_any_platform = 1; break;
	case O_APIURL: c->api_url = parse_url("--api-url", arg); break;
	case O_PRBODYFILE: c->pr_body_file = arg; break;
	case O_KEEP: strlist_add(&c->keep, parse_keep(arg)); break;
	case O_EXPLAIN:
		if (c->explain)
			usage_error("--explain: one test at a time");
		c->explain = parse_explain(arg);
		break;
	case O_COLLECT: c->collect = 1; break;
	case O_PYTHON:
		if (!*arg)
			usage_error("--python: empty (expected a program, such as python3 or .venv/bin/python)");
		c->python = arg;
		break;
	case O_EXTRA: strlist_add(&c->extra, arg); break;
	case O_NOLIST: c->no_disabled_list = 1; break;
	case O_GTESTBASE: c->gtest_base = parse_gtest_base("--gtest-base", arg); break;
	case O_ISSUESREPO:
		if (!github_name_ok(arg, 1) || !strchr(arg, '/') || strchr(strchr(arg, '/') + 1, '/'))
			usage_error("--issues-repo: expected OWNER/NAME, not \"%s\"", q(arg, 0));
		c->issues_repo = arg;
		break;
	case O_CHECKISSUES: c->check_issues = 1; break;
	case O_HISTORY:
		if (!*arg)
			usage_error("--history: empty file name");
		c->history = arg;
		break;
	case O_ISSUEAGES: c->issue_ages = 1; break;
	case O_ALERTAFTER: c->alert_after = parse_count("--alert-after", arg, 0, 36500); break;
	case O_NOTIFYISSUE:
		if (!github_name_ok(arg, 1) || !strchr(arg, '/') || strchr(strchr(arg, '/') + 1, '/'))
			usage_error("--notify-issue: expected OWNER/NAME, not \"%s\"", q(arg, 0));
		c->notify_issue = arg;
		break;
	case O_NOTIFYWEBHOOK: c->notify_webhook = parse_webhook("--notify-webhook", arg); break;
	case O_DRYRUN: c->dry_run = 1; break;
	case O_CACHEDIR:
		if (!*arg)
			usage_error("--cache-dir: empty folder name");
		c->cache_dir = arg;
		break;
	case O_NOCACHE: c->no_cache = 1; break;
	case O_TTL: c->ttl = parse_count("--ttl", arg, 0, 315360000); break;
	case O_MAXSTALE: c->max_stale = parse_count("--max-stale", arg, 0, 315360000); break;
	case O_OFFLINE: c->offline = 1; break;
	case O_REFRESH: c->refresh = 1; break;
	case O_MAXDROP: c->max_drop = parse_count("--max-drop", arg, 0, 100); break;
	case O_ACCEPTDROP: c->accept_drop = 1; break;
	case O_DROPGRACE: c->drop_grace = parse_count("--drop-grace", arg, 0, 315360000); break;
	case O_HELP: fputs(usage_text, stdout); exit(0);
	case O_VERSION: printf("exclusions %s\n", EXCLUSIONS_VERSION); exit(0);
	}
}

static void
parse_args(struct config *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			size_t k;

			for (k = 0; k < sizeof long_opts / sizeof long_opts[0]; k++)
				if (strlen(long_opts[k].name) == n && memcmp(long_opts[k].name, a + 2, n) == 0)
					break;
			if (k == sizeof long_opts / sizeof long_opts[0])
				usage_error("unknown option %s", q(a, 0));
			if (!long_opts[k].has_arg) {
				if (eq)
					usage_error("option %s takes no value", q(a, 0));
				apply_option(c, long_opts[k].id, NULL);
			} else if (eq) {
				apply_option(c, long_opts[k].id, eq + 1);
			} else if (i + 1 < argc) {
				apply_option(c, long_opts[k].id, argv[++i]);
			} else {
				usage_error("option %s needs a value", q(a, 0));
			}
			continue;
		}
		if (a[0] == '-' && a[1]) {
			for (const char *p = a + 1; *p; p++) {
				if (*p == 'q') apply_option(c, O_QUIET, NULL);
				else if (*p == 'v') apply_option(c, O_VERBOSE, NULL);
				else if (*p == 'h') apply_option(c, O_HELP, NULL);
				else if (*p == 'j' || *p == 'o') {
					/* "-oFILE" or "-o FILE" */
					char o[3] = { '-', *p, '\0' };
					enum opt_id id = *p == 'j' ? O_PARALLEL : O_OUTPUT;

					if (p[1])
						apply_option(c, id, p + 1);
					else if (i + 1 < argc)
						apply_option(c, id, argv[++i]);
					else
						usage_error("option %s needs a value", o);
					break;
				} else {
					char o[3] = { '-', *p, '\0' };

					usage_error("unknown option %s", q(o, 0));
				}
			}
			continue;
		}
		break;
	}
	if (i < argc)
		usage_error("unexpected argument \"%s\"", q(argv[i], 0));
}

/* path without empty or "." components, and without a leading "/" unless
 * keep_slash: node ids made from it carry no "./" or "//".  "." when
 * nothing is left. */
static char *
tidy_path(const char *path, int keep_slash)
{
	struct buf b = { 0 };
	const char *p = path;
	char *r;

	if (*p == '/' && keep_slash)
		buf_addc(&b, '/');
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n && !(n == 1 && *p == '.')) {
			if (b.len && b.p[b.len - 1] != '/')
				buf_addc(&b, '/');
			buf_add(&b, p, n);
		}
		p += n;
		if (*p)
			p++;
	}
	r = xstrdup(b.len ? buf_str(&b) : ".");
	buf_free(&b);
	return r;
}

/* The tidy relative path rel with each "name/.." taken out, in place;
 * -1 when a ".." climbs above its start. */
static int
drop_dotdot(char *rel)
{
	char *w = rel;
	const char *p = rel;

	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (w == rel)
				return -1;
			while (w > rel && w[-1] != '/')
				w--;
			if (w > rel)
				w--;
		} else {
			if (w > rel)
				*w++ = '/';
			memmove(w, p, n);
			w += n;
		}
		p += n;
		if (*p)
			p++;
	}
	if (w == rel)
		*w++ = '.';
	*w = '\0';
	return 0;
}

static int
same_dir(const char *path, const struct stat *want)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

/* The directory dir (tidy) as a path relative to root: the longest
 * leading part of dir that is the root's directory (by stat, so that links
 * and ".." on the way to either do not matter) is cut off, and the rest is
 * kept as it was spelled, as pytest keeps it in node ids, but for a ".."
 * in it, taken out with the name before it.  NULL when no leading part of
 * dir is the root. */
static char *
dir_under_root(const char *root, const char *dir)
{
	struct stat rs;
	char *p, *rel = NULL;
	size_t n;

	if (stat(root, &rs) < 0)
		return NULL;
	p = xstrdup(dir);
	n = strlen(p);
	for (size_t i = n; i > 0 && !rel; i--) {
		char c = p[i];

		if (c != '\0' && c != '/')
			continue;
		p[i] = '\0';
		if (same_dir(p, &rs))
			rel = tidy_path(dir + i, 0);
		p[i] = c;
	}
	if (!rel && dir[0] == '/' && same_dir("/", &rs))
		rel = tidy_path(dir, 0);
	free(p);
	if (rel && drop_dotdot(rel) < 0) {
		free(rel);
		rel = NULL;
	}
	return rel;
}

/* A file to read (--disabled-file, --fallback-file, --collected): one
 * that exists, is a regular file or a pipe, and may be read. */
static void
check_input(const char *opt, const char *path)
{
	struct stat st;

	if (!*path)
		usage_error("%s: empty file name", opt);
	if (stat(path, &st) < 0)
		usage_error("%s: %s: %s", opt, q(path, 0), strerror(errno));
	if (S_ISDIR(st.st_mode))
		usage_error("%s: %s: is a directory, not a file", opt, q(path, 0));
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		usage_error("%s: %s: not a regular file or a pipe", opt, q(path, 0));
	if (access(path, R_OK) < 0)
		usage_error("%s: %s: %s", opt, q(path, 0), strerror(errno));
}

/* A program given as a path (--python): an executable file, returned as an
 * absolute path (it runs in --root), not resolved (a virtual
 * environment's python is a link that must stay one). */
static char *
check_program(const char *opt, const char *path)
{
	struct stat st;
	struct buf b = { 0 };
	char cwd[4096];

	if (stat(path, &st) < 0)
		usage_error("%s: %s: %s", opt, q(path, 0), strerror(errno));
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		usage_error("%s: %s: not an executable file", opt, q(path, 0));
	if (path[0] == '/')
		return xstrdup(path);
	if (!getcwd(cwd, sizeof cwd))
		usage_error("%s: %s: the current folder cannot be named: %s", opt, q(path, 0), strerror(errno));
	buf_printf(&b, "%s/%s", cwd, path);
	return (char *)buf_str(&b);
}

/* A folder of the test tree: dir as given (relative to the root, or
 * absolute) must be a directory under the root.  Returns it relative to
 * the root and tidy, as tree_scan_dir() joins it to the root. */
static char *
check_tests_dir(const char *root, const char *dir)
{
	struct buf full = { 0 };
	struct stat st;
	char *rel, *abs;

	if (!*dir)
		usage_error("--tests-dir: empty folder name");
	if (dir[0] == '/')
		buf_adds(&full, dir);
	else
		buf_printf(&full, "%s/%s", root, dir);
	if (stat(buf_str(&full), &st) < 0)
		usage_error("--tests-dir: %s: %s", q(buf_str(&full), 0), strerror(errno));
	if (!S_ISDIR(st.st_mode))
		usage_error("--tests-dir: %s: not a directory", q(buf_str(&full), 0));
	if (dir[0] != '/') {
		rel = tidy_path(dir, 0);
		if (drop_dotdot(rel) == 0) {
			buf_free(&full);
			return rel;
		}
		free(rel);
	}
	/* Absolute, or out of the root and back ("../root/test"). */
	abs = tidy_path(buf_str(&full), 1);
	rel = dir_under_root(root, abs);
	free(abs);
	buf_free(&full);
	if (!rel)
		usage_error("--tests-dir: %s is not under the root %s (node ids are relative to the root)",
		    q(dir, 0), q(root, 1));
	return rel;
}

/* Every path the user gave is checked before anything runs: a typo is a
 * usage error, not a run that quietly finds nothing. */
static void
check_paths(struct config *c)
{
	struct stat st;

	if (!*c->root)
		usage_error("--root: empty folder name");
	if (stat(c->root, &st) < 0)
		usage_error("--root: %s: %s", q(c->root, 0), strerror(errno));
	if (!S_ISDIR(st.st_mode))
		usage_error("--root: %s: not a directory", q(c->root, 0));
	for (size_t i = 0; i < c->tests_dirs.n; i++) {
		char *rel = check_tests_dir(c->root, c->tests_dirs.v[i]);

		free(c->tests_dirs.v[i]);
		c->tests_dirs.v[i] = rel;
	}
	if (c->disabled_file && strcmp(c->disabled_file, "-") != 0)
		check_input("--disabled-file", c->disabled_file);
	if (c->fallback_file)
		check_input("--fallback-file", c->fallback_file);
	if (c->collected)
		check_input("--collected", c->collected);
	if (c->pr_body_file)
		check_input("--pr-body-file", c->pr_body_file);
	for (size_t i = 0; i < c->extra.n; i++)
		check_input("--extra", c->extra.v[i]);
	if (c->collect && c->collected)
		usage_error("--collect and --collected together: pytest's list comes from one of them");
	if (c->python && !c->collect)
		usage_error("--python without --collect: it is the Python that runs pytest for --collect");
	if (c->python && strchr(c->python, '/'))
		c->python = python_path = check_program("--python", c->python);
}

int
main(int argc, char **argv)
{
	struct config c = {
		.disabled_url = DEFAULT_URL,
		.max_bytes = DEFAULT_MAX_BYTES,
		.timeout = 120,
		.retries = 2,
		.platforms = PLAT_LINUX,
		.platform_text = "linux",
		.root = ".",
		.filter = "profiler",
		.fallback = FB_AUTO,
		.format = FMT_ARGS,
		.log_level = LOG_INFO,
		.trunk = 1,
		.repo = "pytorch/pytorch", .workflow = "pull.yml", .branch = "main",
		.job_filter = "test", .runs = 2, .max_jobs = 5, .parallel = 8,
		.alert_after = 14,
		.ttl = DEFAULT_TTL, .max_stale = DEFAULT_MAX_STALE, .max_drop = DEFAULT_MAX_DROP,
		.drop_grace = DEFAULT_DROP_GRACE,
	};

	int rc;

	/* A reader that goes away must not kill us mid-message: writes then
	 * fail with EPIPE and are reported. */
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && (strcmp(argv[1], "history") == 0 || strcmp(argv[1], "report") == 0))
		return history_main(argc - 1, argv + 1);
	split_commas(&c.devices, "cpu,cuda");
	/* What PyTorch's CI hands its test jobs, under the same names. */
	c.reenabled_issues = getenv("REENABLED_ISSUES");
	c.pr_body = getenv("PR_BODY");
	c.commit_messages = getenv("COMMIT_MESSAGES");
	c.step_summary = getenv("GITHUB_STEP_SUMMARY");
	/* The webhook, kept off the command line (its URL is a secret). */
	/* The children need not see it: taken out of the environment. */
	if (getenv("EXCLUSIONS_WEBHOOK") && *getenv("EXCLUSIONS_WEBHOOK"))
		c.notify_webhook = webhook_env = xstrdup(parse_webhook("EXCLUSIONS_WEBHOOK",
		    getenv("EXCLUSIONS_WEBHOOK")));
	unsetenv("EXCLUSIONS_WEBHOOK");
	parse_args(&c, argc, argv);
	if (c.explain && c.output)
		usage_error("--explain prints on stdout: it does not go with -o");
	if (c.explain && c.format == FMT_PYTORCH)
		usage_error("--explain tells what the deselecting forms exclude: it does not go with --format pytorch");
	if (c.gtest_base && c.format != FMT_GTEST)
		usage_error("--gtest-base goes with --format gtest");
	/* gtest's own variable, read only for the gtest form. */
	if (c.format == FMT_GTEST && !c.gtest_base && getenv("GTEST_FILTER"))
		c.gtest_base = parse_gtest_base("GTEST_FILTER", getenv("GTEST_FILTER"));
	if (c.offline && c.refresh)
		usage_error("--offline and --refresh together: one never fetches, the other always does");
	if (c.offline && c.no_cache)
		usage_error("--offline and --no-cache together: --offline reads only the cache");
	check_paths(&c);
	if (!c.python)
		c.python = "python3";
	rc = pipeline_run(&c);
	strlist_free(&c.tests_dirs);
	strlist_free(&c.devices);
	strlist_free(&c.keep);
	strlist_free(&c.extra);
	free(python_path);
	free(webhook_env);
	return rc;
}
