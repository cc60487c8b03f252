/*
 * exclusions: which upstream-broken tests a CI run should leave out, printed
 * in the form pytest takes.
 *
 * This file is the command line: the options into a config, usage, main and
 * the exit status.  The run itself is pipeline.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "github.h"
#include "match.h"
#include "pipeline.h"

#ifndef EXCLUSIONS_VERSION
#define EXCLUSIONS_VERSION "0.1.0"
#endif

static const char usage_text[] =
"usage: exclusions [options]\n"
"\n"
"Print the pytest --deselect arguments for the tests of this run that are\n"
"broken upstream: disabled in PyTorch's disabled-tests list, or failing in\n"
"the latest trunk CI runs.  Logs go to stderr.\n"
"\n"
"Source:\n"
"  --disabled-url URL     fetch the list with curl (default: PyTorch's test-infra URL)\n"
"  --disabled-file PATH   read the list from a file instead (- for stdin)\n"
"  --max-bytes N          refuse a larger list (default 64M; K, M, G suffixes)\n"
"  --timeout SECONDS      time limit for the whole run (default 120)\n"
"  --retries N            curl retries on transient failures (default 2)\n"
"Selection:\n"
"  --platform LIST        platforms of this run (default linux): mac macos win\n"
"                         windows linux rocm xpu asan dynamo dynamo_wrapped\n"
"                         inductor slow\n"
"  --root DIR             where pytest runs; node ids are relative to it (default .)\n"
"  --tests-dir DIR        test folder under the root, repeatable\n"
"                         (default test/profiler when it exists)\n"
"  --devices LIST         devices of device-generic classes (default cpu,cuda)\n"
"  --filter TEXT          with no test tree: suites containing TEXT (default profiler)\n"
"  --collected FILE       output of pytest --collect-only -q: exact node ids,\n"
"                         and a report of collateral prefix matches\n"
"Trunk runs (recent upstream CI failures, through curl; the token from\n"
"`gh auth token`, else GITHUB_TOKEN or GH_TOKEN):\n"
"  --no-trunk             skip this source\n"
"  --repo OWNER/NAME      repository (default pytorch/pytorch)\n"
"  --workflow FILE        workflow file (default pull.yml)\n"
"  --branch NAME          branch (default main)\n"
"  --runs N               latest completed runs to look at (default 2)\n"
"  --job-filter TEXT      failed jobs whose name contains TEXT (default test)\n"
"  --max-jobs N           jobs per run, 0 = all (default 5)\n"
"  -j N, --parallel N     calls at once (default 8)\n"
"  --api-url URL          the API (default https://$GH_HOST/api/v3 when GH_HOST\n"
"                         is set, else https://api.github.com)\n"
"Fallback:\n"
"  --fallback MODE        auto (default: every source failed or found nothing),\n"
"                         on-error (every source failed), never, always\n"
"  --fallback-file FILE   node ids, one a line, # comments (replaces the built-in list)\n"
"Output:\n"
"  --format FORM          args (default), lines, shell, json, keyword\n"
"  -o, --output FILE      write to FILE atomically instead of stdout\n"
"  -q, --quiet            warnings only on stderr\n"
"  -v, --verbose          more detail on stderr\n"
"  -h, --help, --version\n"
"\n"
"Exit status: 0 when a result was printed (fallback included), 1 when it\n"
"could not be written, 2 for a usage error.\n";

static void
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "exclusions: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'exclusions --help'.\n");
	exit(2);
}

static size_t
parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	unsigned long long mul = 1;

	errno = 0;
	if (*s < '0' || *s > '9')
		usage_error("--max-bytes: not a size: %s", s);
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024, end++;
	if (errno || *end || v == 0 || v > (1ull << 40) / mul)
		usage_error("--max-bytes: not a size between 1 and 1T: %s", s);
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
		usage_error("--timeout: not a number of seconds (0 to 86400): %s", s);
	return v;
}

static int
parse_count(const char *opt, const char *s, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		fprintf(stderr, "exclusions: %s: not a whole number from 0 to %d: %s\n", opt, max, s);
		fprintf(stderr, "Try 'exclusions --help'.\n");
		exit(2);
	}
	return (int)v;
}

static unsigned
parse_platforms(const char *s)
{
	struct strlist l = { 0 };
	unsigned mask = 0;

	split_commas(&l, s);
	for (size_t i = 0; i < l.n; i++) {
		unsigned bit = platform_bit(l.v[i], strlen(l.v[i]));

		if (!bit) {
			fprintf(stderr, "exclusions: --platform: unknown platform \"%s\" (known: %s)\n",
			    shown(l.v[i], strlen(l.v[i]), 0), platform_names);
			exit(2);
		}
		mask |= bit;
	}
	strlist_free(&l);
	return mask;
}

static void
parse_devices(struct strlist *l, const char *s)
{
	strlist_free(l);
	split_commas(l, s);
	for (size_t i = 0; i < l->n; i++)
		if (!is_device(l->v[i], strlen(l->v[i])))
			usage_error("--devices: unknown device \"%s\" (known: cpu cuda xpu mps hpu meta lazy)",
			    shown(l->v[i], strlen(l->v[i]), 0));
}

enum opt_id {
	O_URL, O_FILE, O_MAXBYTES, O_TIMEOUT, O_RETRIES, O_PLATFORM, O_ROOT,
	O_TESTSDIR, O_DEVICES, O_FILTER, O_COLLECTED, O_FALLBACK, O_FBFILE,
	O_FORMAT, O_OUTPUT, O_QUIET, O_VERBOSE, O_HELP, O_VERSION,
	O_NOTRUNK, O_REPO, O_WORKFLOW, O_BRANCH, O_RUNS, O_JOBFILTER, O_MAXJOBS,
	O_PARALLEL, O_APIURL
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
};

static void
apply_option(struct config *c, enum opt_id id, const char *arg)
{
	switch (id) {
	case O_URL: c->disabled_url = arg; c->disabled_file = NULL; break;
	case O_FILE: c->disabled_file = arg; break;
	case O_MAXBYTES: c->max_bytes = parse_size(arg); break;
	case O_TIMEOUT: c->timeout = parse_seconds(arg); break;
	case O_RETRIES: c->retries = parse_count("--retries", arg, 10); break;
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
		else usage_error("--fallback: expected auto, on-error, never or always, not \"%s\"", arg);
		break;
	case O_FBFILE: c->fallback_file = arg; break;
	case O_FORMAT:
		if (format_parse(arg, &c->format) < 0)
			usage_error("--format: expected args, lines, shell, json or keyword, not \"%s\"", arg);
		break;
	case O_OUTPUT: c->output = arg; break;
	case O_QUIET: c->log_level = LOG_WARN; break;
	case O_VERBOSE: c->log_level = LOG_DEBUG; break;
	case O_NOTRUNK: c->trunk = 0; break;
	case O_REPO:
		if (!github_name_ok(arg, 1) || !strchr(arg, '/') || strchr(strchr(arg, '/') + 1, '/'))
			usage_error("--repo: expected OWNER/NAME, not \"%s\"", shown(arg, strlen(arg), 0));
		c->repo = arg;
		break;
	case O_WORKFLOW:
		if (!github_name_ok(arg, 0))
			usage_error("--workflow: expected a workflow file name such as pull.yml, not \"%s\"", shown(arg, strlen(arg), 0));
		c->workflow = arg;
		break;
	case O_BRANCH:
		if (!github_name_ok(arg, 1))
			usage_error("--branch: not a plain branch name: \"%s\"", shown(arg, strlen(arg), 0));
		c->branch = arg;
		break;
	case O_RUNS: c->runs = parse_count("--runs", arg, 100); break;
	case O_JOBFILTER: c->job_filter = arg; break;
	case O_MAXJOBS: c->max_jobs = parse_count("--max-jobs", arg, 10000); break;
	case O_PARALLEL:
		c->parallel = parse_count("--parallel", arg, 64);
		if (c->parallel == 0)
			usage_error("--parallel: must be at least 1, not %s", arg);
		break;
	case O_APIURL:
		if ((!starts_with(arg, "https://") && !starts_with(arg, "http://")) || strpbrk(arg, " \"'\\"))
			usage_error("--api-url: not an http(s) URL: \"%s\"", shown(arg, strlen(arg), 0));
		c->api_url = arg;
		break;
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
				usage_error("unknown option %s", a);
			if (!long_opts[k].has_arg) {
				if (eq)
					usage_error("option %s takes no value", a);
				apply_option(c, long_opts[k].id, NULL);
			} else if (eq) {
				apply_option(c, long_opts[k].id, eq + 1);
			} else if (i + 1 < argc) {
				apply_option(c, long_opts[k].id, argv[++i]);
			} else {
				usage_error("option %s needs a value", a);
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

					usage_error("unknown option %s", o);
				}
			}
			continue;
		}
		break;
	}
	if (i < argc)
		usage_error("unexpected argument \"%s\"", shown(argv[i], strlen(argv[i]), 0));
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
	};
	int rc;

	/* A reader that goes away must not kill us mid-message: writes then
	 * fail with EPIPE and are reported. */
	signal(SIGPIPE, SIG_IGN);
	split_commas(&c.devices, "cpu,cuda");
	parse_args(&c, argc, argv);
	rc = pipeline_run(&c);
	strlist_free(&c.tests_dirs);
	strlist_free(&c.devices);
	return rc;
}
