/*
 * exclusions: which upstream-broken tests a CI run should leave out, printed
 * in the form pytest takes.
 *
 * main() reads the options into a config; run() is the pipeline: test scope
 * (tree or collected list), sources (the disabled-tests list), mapping to
 * node ids, the fallback rule, output.  Messages go to stderr, the result to
 * stdout (or -o FILE), always in one piece.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "disabled.h"
#include "fallback.h"
#include "fetch.h"
#include "match.h"
#include "output.h"
#include "scope.h"
#include "testtree.h"
#include "trunk.h"
#include "util.h"

#ifndef EXCLUSIONS_VERSION
#define EXCLUSIONS_VERSION "0.1.0"
#endif

#define DEFAULT_URL \
	"https://raw.githubusercontent.com/pytorch/test-infra/generated-stats/stats/disabled-tests-condensed.json"
#define DEFAULT_TESTS_DIR "test/profiler"
#define DEFAULT_MAX_BYTES (64u * 1024 * 1024)
/* Past this many, in-scope entries without a node id are counted. */
#define WARN_UNMAPPED 10

enum fallback_mode { FB_AUTO, FB_ON_ERROR, FB_NEVER, FB_ALWAYS };

struct config {
	const char *disabled_url;
	const char *disabled_file;
	size_t max_bytes;
	double timeout;
	int retries;
	unsigned platforms;
	const char *platform_text;
	const char *root;
	struct strlist tests_dirs;
	struct strlist devices;
	const char *filter;
	const char *collected;
	enum fallback_mode fallback;
	const char *fallback_file;
	enum format format;
	const char *output;
	/* trunk runs */
	int trunk;
	struct trunk_opts t;
};

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
"Trunk runs (recent upstream CI failures, through gh or curl + GITHUB_TOKEN):\n"
"  --no-trunk             skip this source\n"
"  --repo OWNER/NAME      repository (default pytorch/pytorch)\n"
"  --workflow FILE        workflow file (default pull.yml)\n"
"  --branch NAME          branch (default main)\n"
"  --runs N               latest completed runs to look at (default 2)\n"
"  --job-filter TEXT      failed jobs whose name contains TEXT (default test)\n"
"  --max-jobs N           jobs per run, 0 = all (default 5)\n"
"  -j N, --parallel N     calls at once (default 8)\n"
"  --api-url URL          API for the curl path (default https://api.github.com)\n"
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
	case O_QUIET: log_level = LOG_WARN; break;
	case O_VERBOSE: log_level = LOG_DEBUG; break;
	case O_NOTRUNK: c->trunk = 0; break;
	case O_REPO:
		if (!trunk_name_ok(arg, 1) || !strchr(arg, '/') || strchr(strchr(arg, '/') + 1, '/'))
			usage_error("--repo: expected OWNER/NAME, not \"%s\"", shown(arg, strlen(arg), 0));
		c->t.repo = arg;
		break;
	case O_WORKFLOW:
		if (!trunk_name_ok(arg, 0))
			usage_error("--workflow: expected a workflow file name such as pull.yml, not \"%s\"", shown(arg, strlen(arg), 0));
		c->t.workflow = arg;
		break;
	case O_BRANCH:
		if (!trunk_name_ok(arg, 1))
			usage_error("--branch: not a plain branch name: \"%s\"", shown(arg, strlen(arg), 0));
		c->t.branch = arg;
		break;
	case O_RUNS: c->t.runs = parse_count("--runs", arg, 100); break;
	case O_JOBFILTER: c->t.job_filter = arg; break;
	case O_MAXJOBS: c->t.max_jobs = parse_count("--max-jobs", arg, 10000); break;
	case O_PARALLEL:
		c->t.parallel = parse_count("--parallel", arg, 64);
		if (c->t.parallel == 0)
			usage_error("--parallel: must be at least 1, not %s", arg);
		break;
	case O_APIURL:
		if ((!starts_with(arg, "https://") && !starts_with(arg, "http://")) || strpbrk(arg, " \"'\\"))
			usage_error("--api-url: not an http(s) URL: \"%s\"", shown(arg, strlen(arg), 0));
		c->t.api_url = arg;
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

/* What one run gathers as it goes. */
struct run {
	const struct config *cfg;
	struct scope scope;
	struct strlist unknown_platforms;  /* one name per entry; told once each */
	long in_scope, other_platforms;
};

static int
want_entry(void *arg, const struct testkey *k)
{
	struct run *r = arg;

	return scope_has(&r->scope, k);
}

static int
keep_entry(void *arg, const struct entry_view *v, struct buf *plat)
{
	struct run *r = arg;
	unsigned mask = 0;

	r->in_scope++;
	for (size_t i = 0; i < v->nplatforms; i++) {
		unsigned bit = platform_bit(v->platforms[i], v->platform_lens[i]);

		if (!bit) {
			/* PyTorch drops what it does not know; we say so. */
			strlist_addn(&r->unknown_platforms, v->platforms[i], v->platform_lens[i]);
			continue;
		}
		if (!(mask & bit)) {
			if (plat->len)
				buf_addc(plat, ',');
			buf_add(plat, v->platforms[i], v->platform_lens[i]);
		}
		mask |= bit;
	}
	/* No known platform left: the entry applies everywhere. */
	if (mask && !(mask & r->cfg->platforms)) {
		r->other_platforms++;
		logmsg(LOG_DEBUG, "disabled list: %s: only for %s", shown(v->key, v->key_len, 0),
		    buf_str(plat));
		return 0;
	}
	return 1;
}

static void
report_unknown_platforms(struct run *r)
{
	struct strlist *u = &r->unknown_platforms;

	strlist_sort_uniq(u);
	for (size_t i = 0; i < u->n; i++)
		logmsg(LOG_WARN, "disabled list: unknown platform \"%s\" ignored, as PyTorch does",
		    shown(u->v[i], strlen(u->v[i]), 0));
}

static struct excl *
excl_push(struct excl **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	memset(&(*v)[*n], 0, sizeof **v);
	return &(*v)[(*n)++];
}

/* "file::Class::method" -> Class and method, for the keyword form. */
static void
split_for_keyword(const char *id, char **cls, char **name)
{
	struct buf p = { 0 }, c = { 0 }, m = { 0 };

	split_nodeid(id, &p, &c, &m);
	*cls = xstrdup(buf_str(&c));
	*name = xstrdup(buf_str(&m));
	buf_free(&p);
	buf_free(&c);
	buf_free(&m);
}

/* A mapped file that another process truncates under us raises SIGBUS;
 * that is bad input like any other: the source fails, the run goes on. */
static sigjmp_buf bus_jump;

static void
on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jump, 1);
}

static long
parse_guarded(const struct blob *doc, struct run *r, struct entries *ents, struct buf *why)
{
	struct sigaction sa, old;
	long seen;

	if (!doc->map)
		return disabled_parse(doc->p, doc->len, "disabled list", want_entry, keep_entry, r, ents, why);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jump, 1) == 0) {
		seen = disabled_parse(doc->p, doc->len, "disabled list", want_entry, keep_entry, r, ents, why);
	} else {
		why->len = 0;
		buf_printf(why, "the file shrank while it was being read");
		seen = -1;
	}
	sigaction(SIGBUS, &old, NULL);
	return seen;
}

/* The disabled-tests list.  Returns -1 when it could not be had or read,
 * else the number of exclusions it added. */
static long
source_disabled(struct run *r, struct fetch *f, struct entries *ents, struct excl **v,
    size_t *n, size_t *cap, double deadline)
{
	const struct config *c = r->cfg;
	struct buf body = { 0 }, why = { 0 };
	struct blob doc;
	const char *where = c->disabled_file ? c->disabled_file : c->disabled_url;
	double t0 = now_seconds();
	struct fetch_opts fo = { c->max_bytes, c->retries, deadline };
	long seen;
	size_t added = 0, unmapped = 0;
	int rc;

	if (c->disabled_file) {
		rc = blob_load_file(&doc, c->disabled_file, c->max_bytes, &why);
	} else {
		if (!f->started && fetch_start(f, c->disabled_url, &fo, &why) < 0)
			rc = -1;
		else
			rc = fetch_finish(f, &body, &why);
		blob_from_buf(&doc, &body);
	}
	if (rc < 0) {
		logmsg(LOG_WARN, "disabled list %s: %s", shown(where, strlen(where), 0), buf_str(&why));
		blob_free(&doc);
		buf_free(&why);
		return -1;
	}
	seen = parse_guarded(&doc, r, ents, &why);
	blob_free(&doc);
	report_unknown_platforms(r);
	if (seen < 0) {
		logmsg(LOG_WARN, "disabled list %s: %s", shown(where, strlen(where), 0), buf_str(&why));
		buf_free(&why);
		return -1;
	}
	for (size_t i = 0; i < ents->n; i++) {
		struct entry *e = &ents->v[i];
		struct strlist ids = { 0 };

		why.len = 0;
		if (scope_map(&r->scope, &e->k, &ids, &why) == 0) {
			if (++unmapped <= WARN_UNMAPPED || log_level >= LOG_DEBUG)
				logmsg(LOG_WARN, "disabled list: %s (issue %s) is in scope but has no node id: %s",
				    e->key, e->issue, buf_str(&why));
			/* With the tests at hand we know it matches nothing;
			 * without, the keyword form can still name it. */
			if (r->scope.tree || r->scope.collected)
				continue;
			struct excl *x = excl_push(v, n, cap);
			x->cls = xstrndup(e->k.cls, e->k.cls_len);
			x->name = xstrndup(e->k.name, e->k.name_len);
			x->e = e;
			strlist_add(&x->sources, "disabled-list");
			continue;
		}
		for (size_t j = 0; j < ids.n; j++) {
			struct excl *x;

			if (!text_is_clean(ids.v[j])) {
				logmsg(LOG_WARN, "disabled list: %s: node id with control characters left out", e->key);
				continue;
			}
			x = excl_push(v, n, cap);
			x->node_id = xstrdup(ids.v[j]);
			x->cls = xstrndup(e->k.cls, e->k.cls_len);
			x->name = xstrndup(e->k.name, e->k.name_len);
			x->e = e;
			strlist_add(&x->sources, "disabled-list");
			added++;
			logmsg(LOG_DEBUG, "disabled list: %s -> %s", e->key, ids.v[j]);
		}
		strlist_free(&ids);
	}
	if (unmapped > WARN_UNMAPPED && log_level < LOG_DEBUG)
		logmsg(LOG_WARN, "disabled list: %zu more in-scope entries without a node id (-v lists them)",
		    unmapped - WARN_UNMAPPED);
	logmsg(LOG_INFO, "disabled list: %ld entries, %ld about tests of this run, %ld for other platforms; %zu node ids; %s in %.0f ms",
	    seen, r->in_scope, r->other_platforms, added, c->disabled_file ? "read" : "1 call",
	    (now_seconds() - t0) * 1000);
	buf_free(&why);
	return (long)added;
}

/* A node id from a log, "profiler/test_x.py::C::t" (PyTorch runs pytest
 * from inside test/), as the node ids of this run, or none when the test is
 * not one of this run's. */
static void
map_log_nodeid(const struct run *r, const char *id, struct strlist *ids)
{
	const struct scope *sc = &r->scope;
	const char *sep = strstr(id, "::");
	struct buf path = { 0 }, cand = { 0 }, tail = { 0 };

	if (!sep || sep == id)
		return;
	buf_add(&path, id, (size_t)(sep - id));
	buf_printf(&tail, "/%s", buf_str(&path));
	if (sc->collected) {
		for (size_t i = 0; i < sc->collected->n; i++) {
			const char *c = sc->collected->v[i], *cs = strstr(c, "::");

			if (!cs || strcmp(cs, sep) != 0)
				continue;
			if ((size_t)(cs - c) == path.len ? memcmp(c, path.p, path.len) == 0 :
			    ((size_t)(cs - c) > tail.len && memcmp(cs - tail.len, tail.p, tail.len) == 0))
				strlist_add(ids, c);
		}
	} else if (sc->tree) {
		for (size_t i = 0; i < sc->tree->files.n; i++) {
			const char *f = sc->tree->files.v[i];
			struct strlist fixed = { 0 };
			struct buf why = { 0 };

			if (strcmp(f, path.p) != 0 && !ends_with(f, tail.p))
				continue;
			cand.len = 0;
			buf_printf(&cand, "%s%s", f, sep);
			if (scope_check(sc, buf_str(&cand), &fixed, &why) == 0)
				strlist_add(ids, cand.p);
			else
				logmsg(LOG_DEBUG, "trunk: %s: %s", cand.p, buf_str(&why));
			strlist_free(&fixed);
			buf_free(&why);
		}
	} else {
		/* No tree: keep what lies under the test folders of the run. */
		if (!starts_with(path.p, "test/"))
			buf_adds(&cand, "test/");
		buf_printf(&cand, "%s%s", path.p, sep);
		const struct strlist *dirs = &r->cfg->tests_dirs;
		for (size_t i = 0; i < (dirs->n ? dirs->n : 1); i++) {
			const char *d = dirs->n ? dirs->v[i] : DEFAULT_TESTS_DIR;

			if (starts_with(cand.p, d) && cand.p[strlen(d)] == '/') {
				strlist_add(ids, cand.p);
				break;
			}
		}
	}
	buf_free(&path);
	buf_free(&cand);
	buf_free(&tail);
}

/* Recent trunk failures.  Returns -1 when the source failed, else the
 * number of exclusions it added. */
static long
source_trunk(struct run *r, struct child *beside, struct excl **v, size_t *n, size_t *cap,
    double deadline)
{
	struct trunk_opts o = r->cfg->t;
	struct trunk_result res = { 0 };
	size_t added = 0, outside = 0;

	o.deadline = deadline;
	o.beside = beside;
	if (trunk_collect(&o, &res) < 0) {
		trunk_result_free(&res);
		return -1;
	}
	for (size_t i = 0; i < res.n; i++) {
		const struct trunk_hit *h = &res.v[i];
		struct strlist ids = { 0 };
		struct buf src = { 0 }, why = { 0 };
		struct testkey k;
		const char *kw;

		if (h->kind == LOGSCAN_PYTEST)
			map_log_nodeid(r, h->id, &ids);
		else if (key_parse(h->id, strlen(h->id), &k, &kw) == 0 && scope_has(&r->scope, &k))
			scope_map(&r->scope, &k, &ids, &why);
		if (ids.n == 0)
			outside++;
		buf_printf(&src, "trunk-run %s", h->run_id);
		for (size_t j = 0; j < ids.n; j++) {
			struct excl *x;

			if (!text_is_clean(ids.v[j]))
				continue;
			x = excl_push(v, n, cap);
			x->node_id = xstrdup(ids.v[j]);
			split_for_keyword(x->node_id, &x->cls, &x->name);
			strlist_add(&x->sources, buf_str(&src));
			added++;
			logmsg(LOG_DEBUG, "trunk: run %s: %s -> %s", h->run_id, h->id, ids.v[j]);
		}
		strlist_free(&ids);
		buf_free(&src);
		buf_free(&why);
	}
	logmsg(LOG_INFO, "trunk: %u runs, %u jobs, %u logs: %zu failed tests, %zu of this run, %zu node ids; %u calls (%u failed) in %.2f s",
	    res.runs, res.jobs, res.logs, res.n, res.n - outside, added, res.calls, res.failed_calls, res.seconds);
	trunk_result_free(&res);
	return (long)added;
}

/* The fallback list, from --fallback-file or fallback.h. */
static void
load_fallback(const struct config *c, struct strlist *ids, const char **what)
{
	struct buf src = { 0 }, why = { 0 };

	*what = "the built-in list";
	if (c->fallback_file) {
		if (read_file_limited(c->fallback_file, 16u * 1024 * 1024, &src, &why) == 0) {
			const char *p = src.p, *end = src.p + src.len;
			int line = 0;

			*what = c->fallback_file;
			while (p < end) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				const char *e = nl ? nl : end;
				const char *h;
				char *s;

				line++;
				/* "#" starts a comment at the start of a line or after blanks */
				for (h = p; h < e; h++)
					if (*h == '#' && (h == p || h[-1] == ' ' || h[-1] == '\t'))
						break;
				while (p < h && (*p == ' ' || *p == '\t'))
					p++;
				while (h > p && (h[-1] == ' ' || h[-1] == '\t' || h[-1] == '\r'))
					h--;
				if (h > p) {
					s = xstrndup(p, (size_t)(h - p));
					if (text_is_clean(s))
						strlist_add(ids, s);
					else
						logmsg(LOG_WARN, "fallback file %s:%d: line with control characters or invalid UTF-8 ignored",
						    c->fallback_file, line);
					free(s);
				}
				p = e + 1;
			}
			buf_free(&src);
			buf_free(&why);
			return;
		}
		logmsg(LOG_WARN, "fallback file %s: %s; using the built-in list instead",
		    c->fallback_file, buf_str(&why));
		buf_free(&why);
	}
	for (size_t i = 0; fallback_list[i]; i++)
		strlist_add(ids, fallback_list[i]);
}

static size_t
add_fallback(struct run *r, struct excl **v, size_t *n, size_t *cap)
{
	struct strlist ids = { 0 };
	const char *what;
	size_t added = 0;

	load_fallback(r->cfg, &ids, &what);
	for (size_t i = 0; i < ids.n; i++) {
		struct strlist fixed = { 0 };
		struct buf why = { 0 };
		int stale = scope_check(&r->scope, ids.v[i], &fixed, &why);

		if (stale) {
			struct buf fx = { 0 };

			for (size_t f = 0; f < fixed.n; f++)
				buf_printf(&fx, "%s%s", f ? " " : "", fixed.v[f]);
			logmsg(LOG_WARN, "fallback: stale entry %s: %s%s%s", ids.v[i], buf_str(&why),
			    fixed.n ? "; using " : "", buf_str(&fx));
			buf_free(&fx);
		}
		/* A corrected id replaces the stale one; an uncorrectable one is
		 * kept: a --deselect that matches nothing does no harm. */
		struct strlist *use = fixed.n ? &fixed : NULL;
		for (size_t f = 0; f < (use ? use->n : 1); f++) {
			struct excl *x = excl_push(v, n, cap);

			x->node_id = xstrdup(use ? use->v[f] : ids.v[i]);
			split_for_keyword(x->node_id, &x->cls, &x->name);
			strlist_add(&x->sources, "fallback");
			added++;
		}
		strlist_free(&fixed);
		buf_free(&why);
	}
	logmsg(LOG_INFO, "fallback: %zu node ids from %s", added, what);
	strlist_free(&ids);
	return added;
}

static int
build_scope(struct run *r, struct testtree *tree, struct strlist *collected)
{
	const struct config *c = r->cfg;
	int have_tree = 0;

	if (c->collected) {
		struct buf why = { 0 };

		if (collected_load(c->collected, collected, &why) == 0) {
			logmsg(LOG_INFO, "collected: %zu node ids from %s", collected->n, c->collected);
			scope_init(&r->scope, NULL, collected, &c->devices, c->filter);
			buf_free(&why);
			return 0;
		}
		logmsg(LOG_WARN, "collected list %s: %s; using the test tree instead", c->collected, buf_str(&why));
		buf_free(&why);
	}
	if (c->tests_dirs.n == 0) {
		if (tree_scan_dir(tree, c->root, DEFAULT_TESTS_DIR) >= 0)
			have_tree = 1;
	}
	for (size_t i = 0; i < c->tests_dirs.n; i++) {
		if (tree_scan_dir(tree, c->root, c->tests_dirs.v[i]) < 0)
			logmsg(LOG_WARN, "test tree: %s/%s is not a directory", c->root, c->tests_dirs.v[i]);
		else
			have_tree = 1;
	}
	if (have_tree)
		logmsg(LOG_INFO, "test tree: %zu files, %zu classes under %s", tree->files.n, tree->n, c->root);
	else
		logmsg(LOG_INFO, "no test tree under %s: entries whose suite contains \"%s\" are in scope",
		    c->root, c->filter);
	scope_init(&r->scope, have_tree ? tree : NULL, NULL, &c->devices, c->filter);
	return 0;
}

static int
run(const struct config *c)
{
	struct run r = { .cfg = c };
	struct testtree tree = { 0 };
	struct strlist collected = { 0 }, printed = { 0 };
	struct entries ents = { 0 };
	struct excl *v = NULL;
	size_t n = 0, cap = 0;
	struct buf out = { 0 }, why = { 0 };
	struct fetch fetch;
	size_t shown_n;
	double deadline = now_seconds() + c->timeout;
	long found, got;
	int failed_all, use_fallback, rc = 0, sources = 0, failed = 0;

	build_scope(&r, &tree, &collected);
	/* The list's download starts first and goes on while the trunk
	 * source waits on GitHub: the two waits overlap. */
	memset(&fetch, 0, sizeof fetch);
	if (!c->disabled_file && c->trunk) {
		struct fetch_opts fo = { c->max_bytes, c->retries, deadline };

		if (fetch_start(&fetch, c->disabled_url, &fo, &why) < 0) {
			/* source_disabled says why, starting it again */
			why.len = 0;
		}
	}
	found = 0;
	if (c->trunk) {
		got = source_trunk(&r, fetch.started ? &fetch.c : NULL, &v, &n, &cap, deadline);
		sources++;
		failed += got < 0;
		found += got > 0 ? got : 0;
	}
	got = source_disabled(&r, &fetch, &ents, &v, &n, &cap, deadline);
	sources++;
	failed += got < 0;
	found += got > 0 ? got : 0;
	failed_all = failed == sources;
	switch (c->fallback) {
	case FB_AUTO: use_fallback = failed_all || found == 0; break;
	case FB_ON_ERROR: use_fallback = failed_all; break;
	case FB_ALWAYS: use_fallback = 1; break;
	default: use_fallback = 0; break;
	}
	if (use_fallback) {
		logmsg(LOG_INFO, "fallback: %s",
		    c->fallback == FB_ALWAYS ? "--fallback always" :
		    failed_all ? "every source failed" : "the sources found nothing to exclude");
		add_fallback(&r, &v, &n, &cap);
	} else if (failed_all || found == 0) {
		logmsg(LOG_INFO, "fallback: not used (--fallback %s): %s", c->fallback == FB_NEVER ? "never" : "on-error",
		    failed_all ? "every source failed" : "the sources found nothing to exclude");
	}
	excl_sort_merge(v, &n);
	for (size_t i = 0; i < n; i++)
		if (v[i].node_id)
			strlist_add(&printed, v[i].node_id);
	scope_collateral(&r.scope, &printed);
	shown_n = output_render(v, n, c->format, &out);
	if (output_write(c->output, &out, &why) < 0) {
		logmsg(LOG_WARN, "cannot write the result: %s", buf_str(&why));
		rc = 1;
	} else {
		logmsg(LOG_INFO, "%zu exclusions printed", shown_n);
	}
	buf_free(&out);
	buf_free(&why);
	strlist_free(&printed);
	excl_free(v, n);
	entries_free(&ents);
	scope_free(&r.scope);
	strlist_free(&r.unknown_platforms);
	tree_free(&tree);
	strlist_free(&collected);
	return rc;
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
		.trunk = 1,
		.t = {
			.repo = "pytorch/pytorch", .workflow = "pull.yml", .branch = "main",
			.job_filter = "test", .api_url = "https://api.github.com",
			.runs = 2, .max_jobs = 5, .parallel = 8,
		},
	};
	int rc;

	/* A reader that goes away must not kill us mid-message: writes then
	 * fail with EPIPE and are reported. */
	signal(SIGPIPE, SIG_IGN);
	split_commas(&c.devices, "cpu,cuda");
	parse_args(&c, argc, argv);
	rc = run(&c);
	strlist_free(&c.tests_dirs);
	strlist_free(&c.devices);
	return rc;
}
