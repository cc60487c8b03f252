/*
 * --issue-ages: for every exclusion that comes from an issue (the
 * published list's entries, hand-kept and fallback lines with an issue
 * URL), when that issue was opened becomes its since, so that "days
 * excluded" is right from the first run.  One GET per distinct issue
 * (github.h), all on the run's pool, before the sinks that read since.
 * A lookup that fails is one line (the first few; then a count), and the
 * run goes on without that date.
 *
 * The answers go through the cache folder (issuecache.h).  An issue's
 * opening date never changes: a cached one is used whatever its age, not
 * only within --ttl (--refresh asks again and replaces it; --offline uses
 * only the cache, an issue not in it being one line; --no-cache neither
 * reads nor writes it).  The token is asked for only when some issue
 * must be.
 */
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "github.h"
#include "issuecache.h"
#include "issues.h"
#include "pipeline.h"

#define SRC "issue ages"
#define MAX_LOOKUPS 2000
#define SHOWN_FAILURES 5
/* An issue's JSON: its body is at most 64 KB of text. */
#define ISSUE_BYTES (2u << 20)

struct lookup {
	struct run *r;
	const char *path;          /* in the strlist of paths */
	struct gh_call call;
	long long created;         /* 0: unknown */
	unsigned *shown;
	size_t *failed;
	char *key;                 /* the API URL: the cache's key */
	const struct issue_cache *ic;
	int ask;                   /* not in the cache: asked */
};

/* "repos/O/N/issues/K" as "O/N#K", for a message. */
static void
issue_name(const char *path, struct buf *out)
{
	const char *p = starts_with(path, "repos/") ? path + 6 : path;
	const char *i = strstr(p, "/issues/");

	out->len = 0;
	if (i)
		buf_printf(out, "%.*s#%s", (int)(i - p), p, i + 8);
	else
		buf_adds(out, p);
}

static void
lookup_done(void *arg, struct child *c)
{
	struct lookup *l = arg;
	struct gh_response resp = { 0 };
	struct buf why = { 0 }, name = { 0 };
	long long t;

	github_parse(c->out.p ? c->out.p : "", c->out.len, &resp);
	if (c->exit_code != 0 || c->timed_out || c->stopped || c->exec_errno || c->never_started)
		github_describe(&l->call, &resp, &why);
	else if (resp.status != 200)
		buf_printf(&why, "HTTP %d", resp.status);
	else if (issue_created_at(resp.body, resp.body_len, &t, &why) == 0)
		l->created = t;
	if (l->created) {
		struct issue is;

		if (issue_parse_one(resp.body, resp.body_len, &is, &why) == 0 &&
		    issue_cache_put(l->ic, l->key, &is, &why) < 0)
			diag_add(&l->r->diags, LOG_WARN, SRC, "cache: not written: %s", buf_str(&why));
		issue_free(&is);
	} else {
		issue_name(l->path, &name);
		++*l->failed;
		diag_limited(&l->r->diags, l->shown, SHOWN_FAILURES, LOG_WARN, SRC,
		    "%s: not looked up: %s", buf_str(&name), buf_str(&why));
	}
	gh_response_free(&resp);
	buf_free(&why);
	buf_free(&name);
}

/* g, once github_init() has succeeded: `gh auth token` and `curl
 * --version` on the run's pool.  Returns 0, or -1 with why. */
static int
github_ready(struct run *r, struct github *g, struct buf *why)
{
	if (g->token_pending)
		childq_add(&r->pool, &g->token_child);
	childq_add(&r->pool, &g->version_child);
	childq_run(&r->pool, 2, r->deadline);
	github_version_done(g);
	if (g->token_pending && github_token_done(g, why) < 0)
		return -1;
	return 0;
}

int
alerts_github(struct run *r, struct github *g, struct buf *why)
{
	if (github_init(g, r->cfg->api_url, r->deadline, why) < 0)
		return -1;
	return github_ready(r, g, why);
}

static int
ages_wanted(const struct run *r)
{
	return r->cfg->issue_ages;
}

static int
ages_emit(struct run *r)
{
	struct github g;
	struct strlist paths = { 0 };
	struct lookup *v;
	struct buf p = { 0 }, why = { 0 }, key = { 0 };
	size_t failed = 0, dated = 0, asked, need = 0, cached = 0;
	unsigned shown = 0;
	struct issue_cache ic;

	/* The issues first (an enterprise host's own issue URLs need the
	 * API's name, which init sets); the token only when there are some. */
	int ready = github_init(&g, r->cfg->api_url, r->deadline, &why) == 0;
	/* Without an API (no curl...), URLs are read as github.com's. */
	struct github dotcom = { .api = "https://api.github.com" };
	const struct github *map = ready ? &g : &dotcom;
	/* The cache's keys: the API's URLs, token or not. */
	const struct github *api = g.api ? &g : &dotcom;

	memset(&ic, 0, sizeof ic);

	for (size_t i = 0; i < r->set.n; i++)
		for (size_t k = 0; k < r->set.v[i].nr; k++)
			if (alerts_issue_path(map, &r->set.v[i].r[k], &p) == 0)
				strlist_add(&paths, buf_str(&p));
	strlist_sort_uniq(&paths);
	if (paths.n == 0) {
		diag_add(&r->diags, LOG_INFO, SRC, "no exclusion comes from an issue");
		goto out;
	}
	asked = paths.n < MAX_LOOKUPS ? paths.n : MAX_LOOKUPS;
	if (paths.n > MAX_LOOKUPS)
		diag_add(&r->diags, LOG_WARN, SRC, "%zu issues: only the first %d are looked up",
		    paths.n, MAX_LOOKUPS);
	v = xmalloc((asked ? asked : 1) * sizeof *v);
	if (issue_cache_init(&ic, r->cfg, &why) < 0)
		diag_add(&r->diags, LOG_WARN, SRC, "%s", buf_str(&why));
	for (size_t i = 0; i < asked; i++) {
		struct lookup *l = &v[i];
		struct issue is;
		long long fetched, t;
		int rc = 0;

		memset(l, 0, sizeof *l);
		l->r = r;
		l->path = paths.v[i];
		l->shown = &shown;
		l->failed = &failed;
		l->ic = &ic;
		github_api_url(api, l->path, &key);
		l->key = xstrdup(buf_str(&key));
		why.len = 0;
		if (!ic.refresh && (rc = issue_cache_get(&ic, l->key, &is, &fetched, &why)) < 0)
			diag_add(&r->diags, LOG_WARN, SRC, "cache: %s; ignored", buf_str(&why));
		if (rc == 1 && is.created_at && iso8601_parse(is.created_at, strlen(is.created_at), &t) == 0 &&
		    t > 0) {
			l->created = t;
			cached++;
		} else if (ic.offline) {
			issue_name(l->path, &p);
			failed++;
			diag_limited(&r->diags, &shown, SHOWN_FAILURES, LOG_WARN, SRC,
			    "%s: not looked up: --offline, and %s", buf_str(&p),
			    ic.dir ? "no cached answer" : "no cache folder");
		} else {
			l->ask = 1;
			need++;
		}
		if (rc == 1)
			issue_free(&is);
	}
	if (cached)
		diag_add(&r->diags, LOG_DEBUG, SRC, "%zu issues' dates from the cache: no request", cached);
	why.len = 0;
	if (need && (!ready || github_ready(r, &g, &why) < 0)) {
		diag_add(&r->diags, LOG_WARN, SRC, "%zu issues not looked up: %s", need, buf_str(&why));
		failed += need;
		need = 0;
	}
	for (size_t i = 0; i < asked && need; i++) {
		struct lookup *l = &v[i];

		if (!l->ask)
			continue;
		why.len = 0;
		if (github_call(&g, &l->call, l->path, 1, ISSUE_BYTES, &why) < 0) {
			struct buf name = { 0 };

			issue_name(l->path, &name);
			failed++;
			diag_limited(&r->diags, &shown, SHOWN_FAILURES, LOG_WARN, SRC,
			    "%s: not looked up: %s", buf_str(&name), buf_str(&why));
			buf_free(&name);
			continue;
		}
		l->call.f.c.on_done = lookup_done;
		l->call.f.c.on_done_arg = l;
		childq_add(&r->pool, &l->call.f.c);
	}
	childq_run(&r->pool, (size_t)r->cfg->parallel, r->deadline);
	/* Each exclusion: the earliest opening of its issues. */
	for (size_t i = 0; i < r->set.n; i++) {
		struct excl *x = &r->set.v[i];
		long long before = x->since;

		for (size_t k = 0; k < x->nr; k++) {
			size_t lo = 0, hi = asked;

			if (alerts_issue_path(map, &x->r[k], &p) < 0)
				continue;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				int c = strcmp(v[mid].path, buf_str(&p));

				if (c == 0) {
					lo = mid;
					break;
				}
				if (c < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < asked && strcmp(v[lo].path, buf_str(&p)) == 0 && v[lo].created > 0 &&
			    (x->since == 0 || v[lo].created < x->since))
				x->since = v[lo].created;
		}
		dated += x->since != 0 && x->since != before;
	}
	if (shown > SHOWN_FAILURES)
		diag_add(&r->diags, LOG_WARN, SRC, "%u more issues not looked up", shown - SHOWN_FAILURES);
	diag_add(&r->diags, LOG_INFO, SRC, "%zu of %zu issues looked up%s; %zu exclusions dated by them",
	    asked - failed, paths.n, cached ? " (some from the cache)" : "", dated);
	for (size_t i = 0; i < asked; i++) {
		github_call_free(&v[i].call);
		free(v[i].key);
	}
	free(v);
	issue_cache_free(&ic);
out:
	buf_free(&key);
	strlist_free(&paths);
	github_free(&g);
	buf_free(&p);
	buf_free(&why);
	return 0;
}

const struct sink sink_ages = { "issue ages", ages_wanted, ages_emit };
