/*
 * Issue tracking: two users of GitHub's issues, through the transport of
 * github.h (the token from `gh auth token` or the environment; every call
 * a curl child on the run's pool).
 *
 * The source (--issues-repo OWNER/NAME): every page of that repository's
 * open issues (per_page=100, then the Link header's rel="next"), pull
 * requests left out; each issue titled "DISABLED <test>" (issues.h: a
 * key, a node id or a gtest name; DISABLED MULTIPLE: the tests of its
 * body) excludes its tests on the platforms of its "Platforms:" line,
 * with a reason of kind RK_ISSUE naming the issue and its URL.  Keys and
 * node ids are applied as hand-kept lines are (handlist.h: the scope, the
 * platform filter, stale ones reported), gtest names as gtest exclusions
 * (exclset.h).  An exclusion's since is the issue's opening date.  With
 * --format pytorch the keys go into the runtime list whatever their
 * platforms, as the published list's entries do (PyTorch's harness
 * decides).  Re-enabling and --keep then apply as to every source.
 *
 * The check (--check-issues): the issue of each --extra line and each
 * fallback line is looked up (one call per issue, however many lines name
 * it); each line whose issue is closed is reported, "FILE:LINE: issue
 * closed: this line can go".  The output does not change.  The answers go
 * through the cache folder (issuecache.h): a state fetched less than
 * --ttl ago is used without a request; --refresh asks again; --offline
 * uses the cache only, whatever the age (an issue not in it: one line);
 * --no-cache neither reads nor writes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "fallback.h"
#include "github.h"
#include "handlist.h"
#include "issuecache.h"
#include "issues.h"
#include "match.h"
#include "pipeline.h"

#define SRC "issues"
#define CHECK_SRC "check-issues"
#define PER_PAGE 100
/* Pages of issues at most: 10,000 open issues. */
#define MAX_PAGES 100
#define PAGE_LIMIT (32u * 1024 * 1024)
#define HAND_MAX_BYTES (16u * 1024 * 1024)
/* Past this many bad lines of DISABLED MULTIPLE bodies, they are counted. */
#define WARN_LINES 10

/* ------------------------------------------------------------------ */
/* One GitHub session: the token, then calls. */

struct gsess;
struct call;

/* A call's outcome: the body of its final response, or err (one line)
 * when it failed. */
typedef void (*call_fn)(struct call *k, const char *body, size_t n, const struct gh_response *resp,
    const char *err);

struct call {
	struct gsess *s;
	struct gh_call call;
	call_fn done;
	void *arg;
	char what[128];
	struct call *next;
};

struct gsess {
	struct run *r;
	const char *src;
	struct github gh;
	int inited;
	int failed;                /* no session: said why */
	void (*ready)(struct gsess *s);
	void *owner;
	struct call *calls;
	unsigned ncalls;
};

static void
ready_or_fail(struct gsess *s, int ok, const char *why)
{
	if (!ok) {
		diag_add(&s->r->diags, LOG_WARN, s->src, "skipped: %s", why);
		s->failed = 1;
		return;
	}
	diag_add(&s->r->diags, LOG_DEBUG, s->src, "the token comes from %s; API %s", s->gh.token_from,
	    s->gh.api);
	s->ready(s);
}

static void
token_done(void *arg, struct child *c)
{
	struct gsess *s = arg;
	struct buf why = { 0 };

	(void)c;
	ready_or_fail(s, github_token_done(&s->gh, &why) == 0, buf_str(&why));
	buf_free(&why);
}

static void
version_done(void *arg, struct child *c)
{
	struct gsess *s = arg;

	(void)c;
	github_version_done(&s->gh);
}

/* Ask for the token (or take it), then call ready(). */
static void
gsess_start(struct gsess *s, struct run *r, const char *src, void (*ready)(struct gsess *), void *owner)
{
	struct buf why = { 0 };

	memset(s, 0, sizeof *s);
	s->r = r;
	s->src = src;
	s->ready = ready;
	s->owner = owner;
	if (github_init(&s->gh, r->cfg->api_url, r->deadline, &why) < 0) {
		s->inited = 1;
		ready_or_fail(s, 0, buf_str(&why));
		buf_free(&why);
		return;
	}
	s->inited = 1;
	s->gh.version_child.on_done = version_done;
	s->gh.version_child.on_done_arg = s;
	childq_add(&r->pool, &s->gh.version_child);
	if (s->gh.token_pending) {
		s->gh.token_child.on_done = token_done;
		s->gh.token_child.on_done_arg = s;
		childq_add(&r->pool, &s->gh.token_child);
	} else {
		ready_or_fail(s, 1, NULL);
	}
	buf_free(&why);
}

static void call_done(void *arg, struct child *c);

/* (Re)queue k for target, an API path or a URL.  Returns 0, or -1 (k's
 * done() has been told). */
static int
call_queue(struct call *k, const char *target)
{
	struct gsess *s = k->s;
	struct buf why = { 0 };
	int hops = k->call.hops;

	github_call_free(&k->call);
	k->call.hops = hops;
	if (github_call(&s->gh, &k->call, target, 1, PAGE_LIMIT, &why) < 0) {
		k->done(k, NULL, 0, NULL, buf_str(&why));
		buf_free(&why);
		return -1;
	}
	k->call.f.c.on_done = call_done;
	k->call.f.c.on_done_arg = k;
	s->ncalls++;
	diag_add(&s->r->diags, LOG_DEBUG, s->src, "curl %s%s", k->call.url,
	    k->call.with_token ? " (with the token)" : "");
	childq_add(&s->r->pool, &k->call.f.c);
	buf_free(&why);
	return 0;
}

static struct call *
call_new(struct gsess *s, call_fn done, void *arg, const char *what)
{
	struct call *k = xmalloc(sizeof *k);

	memset(k, 0, sizeof *k);
	k->s = s;
	k->done = done;
	k->arg = arg;
	snprintf(k->what, sizeof k->what, "%s", what);
	k->next = s->calls;
	s->calls = k;
	return k;
}

static void
call_done(void *arg, struct child *c)
{
	struct call *k = arg;
	struct gh_response resp = { 0 };
	struct buf why = { 0 }, hop = { 0 };
	const char *out = c->out.p ? c->out.p : "";

	if (c->never_started) {
		k->done(k, NULL, 0, NULL, "not started before the time limit");
		goto out;
	}
	if (fetch_timed_out(&k->call.f)) {
		k->done(k, NULL, 0, NULL, "no complete response within the time limit");
		goto out;
	}
	github_parse(out, c->out.len, &resp);
	if (c->exit_code != 0 || c->exec_errno || c->stopped) {
		github_describe(&k->call, &resp, &why);
		k->done(k, NULL, 0, &resp, buf_str(&why));
		goto out;
	}
	if (resp.status >= 300 && resp.status < 400) {
		if (github_next_hop(&k->call, &resp, &hop, &why) < 0) {
			k->done(k, NULL, 0, &resp, buf_str(&why));
			goto out;
		}
		k->call.hops++;
		gh_response_free(&resp);
		call_queue(k, hop.p);
		buf_free(&hop);
		buf_free(&why);
		return;
	}
	k->done(k, resp.body, resp.body_len, &resp, NULL);
out:
	gh_response_free(&resp);
	buf_free(&c->out);
	buf_free(&c->err);
	buf_free(&why);
	buf_free(&hop);
}

static void
gsess_free(struct gsess *s)
{
	while (s->calls) {
		struct call *k = s->calls;

		s->calls = k->next;
		github_call_free(&k->call);
		free(k);
	}
	if (s->inited)
		github_free(&s->gh);
}

/* ------------------------------------------------------------------ */
/* The source. */

enum test_kind { TEST_KEY, TEST_NODEID, TEST_GTEST };

/* A test an issue disables, kept until the scope is ready. */
struct itest {
	enum test_kind kind;
	char *test;                /* canonical key, node id, or Suite.Test */
	char *issue, *url;
	char *platforms;           /* the known ones, comma-separated; "" = every platform */
	unsigned bits;             /* 0 = every platform */
	long long since;           /* the issue's opening, 0 unknown */
};

struct isrc {
	struct run *r;
	struct gsess s;
	struct itest *v;
	size_t n, cap;
	struct strlist asked;      /* page URLs asked for (a Link loop ends) */
	struct strlist unknown_platforms;
	int pages, failed, stopped;
	long issues, pulls, disabling, malformed, other;
	unsigned bad_lines;
	double t0;
};

static void page_done(struct call *k, const char *body, size_t n, const struct gh_response *resp,
    const char *err);

static void
queue_page(struct isrc *is, const char *target)
{
	char what[64];

	is->pages++;
	snprintf(what, sizeof what, "open issues of %s (page %d)", is->r->cfg->issues_repo, is->pages);
	call_queue(call_new(&is->s, page_done, is, what), target);
}

static void
issues_ready(struct gsess *s)
{
	struct isrc *is = s->owner;
	struct buf path = { 0 };

	github_issues_path(is->r->cfg->issues_repo, PER_PAGE, &path);
	queue_page(is, buf_str(&path));
	buf_free(&path);
}

/* The known platforms of a comma-separated list (lower case), each once,
 * into out; their bits.  Unknown names are dropped (said once each, at
 * the end), as the published list's are. */
static unsigned
known_platforms(struct isrc *is, const char *list, struct buf *out)
{
	struct strlist l = { 0 };
	unsigned mask = 0;

	out->len = 0;
	split_commas(&l, list);
	for (size_t i = 0; i < l.n; i++) {
		unsigned bit = platform_bit(l.v[i], strlen(l.v[i]));

		if (!bit) {
			strlist_add(&is->unknown_platforms, l.v[i]);
			continue;
		}
		if (!(mask & bit)) {
			if (out->len)
				buf_addc(out, ',');
			buf_adds(out, l.v[i]);
		}
		mask |= bit;
	}
	strlist_free(&l);
	buf_str(out);
	return mask;
}

/* The issue being read, for the body's callbacks. */
struct cur {
	struct isrc *is;
	const struct issue *it;
	const char *url;
	const char *body_platforms;   /* NULL: no Platforms: line */
	long long since;
};

static void
add_test(struct cur *cu, enum test_kind kind, const char *test, const char *platforms)
{
	struct isrc *is = cu->is;
	struct itest *t;
	struct buf known = { 0 };

	if (is->n == is->cap) {
		is->cap = is->cap ? 2 * is->cap : 32;
		is->v = xrealloc(is->v, is->cap * sizeof *is->v);
	}
	t = &is->v[is->n++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->test = xstrdup(test);
	t->issue = xstrdup(cu->it->number);
	t->url = xstrdup(cu->url);
	t->bits = known_platforms(is, platforms ? platforms : "", &known);
	t->platforms = xstrdup(buf_str(&known));
	t->since = cu->since;
	buf_free(&known);
}

static void
multi_test(void *arg, const char *key, const char *platforms)
{
	struct cur *cu = arg;

	/* A line without platforms takes the body's Platforms: line. */
	add_test(cu, TEST_KEY, key, *platforms || !cu->body_platforms ? platforms : cu->body_platforms);
}

static void
multi_bad(void *arg, const char *line, size_t n, const char *why)
{
	struct cur *cu = arg;

	diag_limited(&cu->is->r->diags, &cu->is->bad_lines, WARN_LINES, LOG_WARN, SRC,
	    "issue %s: line \"%s\" ignored: %s", cu->it->number, shown(line, n, 0), why);
}

static void
on_issue(void *arg, const struct issue *it)
{
	struct isrc *is = arg;
	struct buf test = { 0 }, why = { 0 }, plats = { 0 }, url = { 0 };
	struct cur cu = { is, it, NULL, NULL, 0 };
	enum issue_title_kind kind;

	is->issues++;
	if (it->is_pull) {
		is->pulls++;
		return;
	}
	if (!it->title || !it->number[0]) {
		is->malformed++;
		diag_add(&is->r->diags, LOG_WARN, SRC, "an issue without a %s ignored",
		    it->number[0] ? "title" : "number");
		return;
	}
	kind = issue_title_parse(it->title, strlen(it->title), &test, &why);
	if (kind == IT_NONE) {
		is->other++;
		goto out;
	}
	is->disabling++;
	if (kind == IT_MALFORMED) {
		is->malformed++;
		diag_add(&is->r->diags, LOG_WARN, SRC, "issue %s: title ignored: %s", it->number, buf_str(&why));
		goto out;
	}
	/* Its page: as the API gives it when it is a plain URL, else made. */
	if (it->html_url && text_is_clean(it->html_url) && !strpbrk(it->html_url, " \"'\\<>") &&
	    (starts_with(it->html_url, "https://") || starts_with(it->html_url, "http://")))
		buf_adds(&url, it->html_url);
	else
		github_issue_url(&is->s.gh, is->r->cfg->issues_repo, it->number, &url);
	cu.url = buf_str(&url);
	if (it->created_at) {
		long long t = issue_time_parse(it->created_at);

		cu.since = t > 0 ? t : 0;
	}
	if (it->body && issue_body_platforms(it->body, strlen(it->body), &plats))
		cu.body_platforms = buf_str(&plats);
	switch (kind) {
	case IT_KEY: add_test(&cu, TEST_KEY, test.p, cu.body_platforms); break;
	case IT_NODEID: add_test(&cu, TEST_NODEID, test.p, cu.body_platforms); break;
	case IT_GTEST: add_test(&cu, TEST_GTEST, test.p, cu.body_platforms); break;
	case IT_MULTIPLE:
		if (!it->body || issue_body_tests(it->body, strlen(it->body), multi_test, multi_bad, &cu) < 0) {
			is->malformed++;
			diag_add(&is->r->diags, LOG_WARN, SRC,
			    "issue %s: DISABLED MULTIPLE without a \"disable the following tests:\" block: ignored",
			    it->number);
		}
		break;
	default:
		break;
	}
out:
	buf_free(&test);
	buf_free(&why);
	buf_free(&plats);
	buf_free(&url);
}

static void
page_done(struct call *k, const char *body, size_t n, const struct gh_response *resp, const char *err)
{
	struct isrc *is = k->arg;
	struct buf why = { 0 };

	if (err) {
		diag_add(&is->r->diags, LOG_WARN, SRC, "%s: %s", k->what, err);
		is->failed = 1;
		return;
	}
	if (issue_list_parse(body, n, on_issue, is, &why) < 0) {
		diag_add(&is->r->diags, LOG_WARN, SRC, "%s: %s", k->what, buf_str(&why));
		is->failed = 1;
		buf_free(&why);
		return;
	}
	buf_free(&why);
	if (!resp || !resp->next.len)
		return;
	/* The next page: on the API only, never one already asked for. */
	if (!github_under_api(&is->s.gh, resp->next.p)) {
		diag_add(&is->r->diags, LOG_WARN, SRC, "%s: next page %s is not on the API: not followed",
		    k->what, shown(resp->next.p, resp->next.len, 0));
		is->stopped = 1;
		return;
	}
	if (strlist_has(&is->asked, resp->next.p)) {
		diag_add(&is->r->diags, LOG_WARN, SRC, "%s: the next page was asked for already: the list ends here",
		    k->what);
		is->stopped = 1;
		return;
	}
	if (is->pages >= MAX_PAGES) {
		diag_add(&is->r->diags, LOG_WARN, SRC, "more than %d pages of open issues: the rest not read",
		    MAX_PAGES);
		is->stopped = 1;
		return;
	}
	strlist_add(&is->asked, resp->next.p);
	queue_page(is, resp->next.p);
}

static int
issues_wanted(const struct run *r)
{
	return r->cfg->issues_repo != NULL;
}

static void *
issues_start(struct run *r)
{
	struct isrc *is = xmalloc(sizeof *is);

	memset(is, 0, sizeof *is);
	is->r = r;
	is->t0 = now_seconds();
	gsess_start(&is->s, r, SRC, issues_ready, is);
	return is;
}

/* With --format pytorch: a key into the runtime list, whatever its
 * platforms and scope (PyTorch's harness decides). */
static void
add_listed(struct run *r, const struct itest *t)
{
	struct entries *l = &r->listed;
	struct entry *e;
	const char *why;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	e = &l->v[l->n];
	memset(e, 0, sizeof *e);
	e->key = xstrdup(t->test);
	if (key_parse(e->key, strlen(e->key), &e->k, &why) < 0) {
		free(e->key);
		return;
	}
	e->issue = xstrdup(t->issue);
	e->url = xstrdup(t->url);
	e->platforms = xstrdup(t->platforms);
	e->source = "issue";
	l->n++;
}

/* Apply one test; returns how many exclusions it added. */
static size_t
apply_test(struct run *r, const struct itest *t)
{
	struct buf src = { 0 };
	size_t before = r->set.n, added;
	struct hand_line h = { 0 };

	buf_printf(&src, "issue %s", t->issue);
	h.test = t->test;
	h.is_key = t->kind == TEST_KEY;
	h.is_gtest = t->kind == TEST_GTEST;
	h.url = t->url;
	h.issue = t->issue;
	h.platforms = t->platforms;
	h.platform_bits = t->bits;
	/* As a hand-kept line: the platform filter, the scope, stale ones
	 * reported, gtest names as gtest exclusions. */
	added = hand_line_apply(r, src.p, RK_ISSUE, &h);
	/* Exclusions are appended until the set is finished: these are its. */
	for (size_t i = before; i < r->set.n; i++)
		if (t->since > 0 && (r->set.v[i].since == 0 || t->since < r->set.v[i].since))
			r->set.v[i].since = t->since;
	buf_free(&src);
	return added;
}

static long
issues_finish(struct run *r, void *state)
{
	struct isrc *is = state;
	const struct config *c = r->cfg;
	size_t added = 0;
	long rc;

	strlist_sort_uniq(&is->unknown_platforms);
	for (size_t i = 0; i < is->unknown_platforms.n; i++)
		diag_add(&r->diags, LOG_WARN, SRC, "unknown platform \"%s\" ignored, as PyTorch does",
		    shown(is->unknown_platforms.v[i], strlen(is->unknown_platforms.v[i]), 0));
	if (is->bad_lines > WARN_LINES)
		diag_add(&r->diags, LOG_WARN, SRC, "%u more lines of DISABLED MULTIPLE bodies ignored",
		    is->bad_lines - WARN_LINES);
	for (size_t i = 0; i < is->n; i++) {
		added += apply_test(r, &is->v[i]);
		if (c->format == FMT_PYTORCH && is->v[i].kind == TEST_KEY)
			add_listed(r, &is->v[i]);
	}
	if (!is->s.failed && !is->failed)
		diag_add(&r->diags, LOG_INFO, SRC,
		    "%s: %ld open issues and pull requests in %d %s (%ld pull requests left out), %ld DISABLED (%ld ignored): %zu tests, %zu exclusions; %u calls in %.0f ms",
		    c->issues_repo, is->issues, is->pages, is->pages == 1 ? "page" : "pages", is->pulls,
		    is->disabling, is->malformed, is->n, added, is->s.ncalls,
		    (now_seconds() - is->t0) * 1000);
	/* A source that could not read its list has failed, whatever it
	 * read before (a missing page could hold any test). */
	rc = is->s.failed || is->failed ? -1 : (long)added;
	for (size_t i = 0; i < is->n; i++) {
		free(is->v[i].test);
		free(is->v[i].issue);
		free(is->v[i].url);
		free(is->v[i].platforms);
	}
	free(is->v);
	strlist_free(&is->asked);
	strlist_free(&is->unknown_platforms);
	gsess_free(&is->s);
	free(is);
	return rc;
}

const struct source source_issues = { "issues", issues_wanted, issues_start, issues_finish };

/* ------------------------------------------------------------------ */
/* The check of hand-kept lines. */

/* One issue looked up, and the lines that name it. */
struct lookup {
	char *repo;
	char number[16];
	char *url;                 /* as the first line wrote it */
	struct strlist lines;      /* "FILE:LINE" of each line naming it */
	int state;                 /* 0 unknown, 1 open, 2 closed, -1 failed */
	char *why;
	char *key;                 /* the API URL: the cache's key */
	int cached;                /* the state is the cache's */
};

struct icheck {
	struct run *r;
	struct gsess s;
	struct lookup *v;
	size_t n, cap;
	size_t nlines;
	struct issue_cache ic;
	size_t asking;             /* lookups the cache did not answer */
	int quiet;                 /* nothing to look up: no summary */
};

static void
one_done(struct call *k, const char *body, size_t n, const struct gh_response *resp, const char *err)
{
	struct lookup *lk = k->arg;
	struct issue it;
	struct buf why = { 0 };

	(void)resp;
	if (err) {
		lk->state = -1;
		lk->why = xstrdup(err);
		return;
	}
	if (issue_parse_one(body, n, &it, &why) < 0) {
		lk->state = -1;
		lk->why = xstrdup(buf_str(&why));
		buf_free(&why);
		return;
	}
	if (it.state && strcmp(it.state, "closed") == 0) {
		lk->state = 2;
	} else if (it.state && strcmp(it.state, "open") == 0) {
		lk->state = 1;
	} else {
		lk->state = -1;
		lk->why = xstrdup("the answer has no \"state\" open or closed");
	}
	if (lk->state > 0) {
		struct icheck *ck = k->s->owner;

		why.len = 0;
		if (issue_cache_put(&ck->ic, lk->key, &it, &why) < 0)
			diag_add(&ck->r->diags, LOG_WARN, CHECK_SRC, "cache: not written: %s", buf_str(&why));
	}
	issue_free(&it);
	buf_free(&why);
}

static void
check_ready(struct gsess *s)
{
	struct icheck *ck = s->owner;

	for (size_t i = 0; i < ck->n; i++) {
		struct lookup *lk = &ck->v[i];
		struct buf path = { 0 }, what = { 0 };

		if (lk->state != 0)
			continue;
		github_issue_path(lk->repo, lk->number, &path);
		buf_printf(&what, "issue %s#%s", lk->repo, lk->number);
		call_queue(call_new(s, one_done, lk, what.p), path.p);
		buf_free(&path);
		buf_free(&what);
	}
}

/* The lines of one list with an issue URL on GitHub, into the lookups. */
static void
take_lines(struct icheck *ck, const struct hand_list *l, const char *fallback_name)
{
	struct buf repo = { 0 };

	for (size_t i = 0; i < l->n; i++) {
		const struct hand_line *h = &l->v[i];
		char num[16];
		struct lookup *lk = NULL;
		struct buf where = { 0 };

		if (!h->url || github_issue_of_url(&ck->s.gh, h->url, &repo, num, sizeof num) < 0)
			continue;
		ck->nlines++;
		for (size_t j = 0; j < ck->n && !lk; j++)
			if (strcmp(ck->v[j].repo, repo.p) == 0 && strcmp(ck->v[j].number, num) == 0)
				lk = &ck->v[j];
		if (!lk) {
			if (ck->n == ck->cap) {
				ck->cap = ck->cap ? 2 * ck->cap : 16;
				ck->v = xrealloc(ck->v, ck->cap * sizeof *ck->v);
			}
			lk = &ck->v[ck->n++];
			memset(lk, 0, sizeof *lk);
			lk->repo = xstrdup(repo.p);
			snprintf(lk->number, sizeof lk->number, "%s", num);
			lk->url = xstrdup(h->url);
		}
		if (h->where)
			buf_adds(&where, h->where);
		else
			buf_printf(&where, "%s (%s)", fallback_name, h->test);
		strlist_add(&lk->lines, buf_str(&where));
		buf_free(&where);
	}
	buf_free(&repo);
}

/* The cache's answer for lk, when it may be used: its state set; else,
 * with --offline, failed; else counted as one to ask. */
static void
from_cache(struct icheck *ck, struct lookup *lk)
{
	const struct issue_cache *ic = &ck->ic;
	struct issue it;
	struct buf why = { 0 };
	long long fetched = 0, age;
	int rc = ic->refresh ? 0 : issue_cache_get(ic, lk->key, &it, &fetched, &why);
	char t[32];

	if (rc < 0)
		diag_add(&ck->r->diags, LOG_WARN, CHECK_SRC, "cache: %s; ignored", buf_str(&why));
	age = wall_now() - fetched;
	if (age < 0)
		age = 0;
	if (rc == 1 && it.state && (ic->offline || age < ic->ttl)) {
		lk->state = strcmp(it.state, "closed") == 0 ? 2 : strcmp(it.state, "open") == 0 ? 1 : 0;
		lk->cached = lk->state != 0;
	}
	if (lk->cached) {
		diag_add(&ck->r->diags, LOG_DEBUG, CHECK_SRC, "issue %s#%s: the cached answer, fetched %s ago: no request",
		    lk->repo, lk->number, cache_age_text(age, t, sizeof t));
	} else if (ic->offline) {
		lk->state = -1;
		lk->why = xstrdup(ic->dir ? "--offline, and no cached answer" : "--offline, and no cache folder");
	} else {
		ck->asking++;
	}
	if (rc == 1)
		issue_free(&it);
	buf_free(&why);
}

static int
check_wanted(const struct run *r)
{
	return r->cfg->check_issues;
}

static void *
check_start(struct run *r)
{
	const struct config *c = r->cfg;
	struct icheck *ck = xmalloc(sizeof *ck);
	/* The lists are read again by their sources, which say what is wrong
	 * with them: here, silently. */
	struct diags quiet = { 0 };
	struct buf why = { 0 };
	struct hand_list l = { 0 };

	struct buf nosess = { 0 }, path = { 0 }, url = { 0 };

	memset(ck, 0, sizeof *ck);
	ck->r = r;
	/* The session's API decides which URLs are its issues: made first,
	 * its token asked for only when some line names an issue the cache
	 * does not answer for.  Without a token, the cache may still. */
	if (github_init(&ck->s.gh, c->api_url, r->deadline, &nosess) < 0 && !ck->s.gh.api) {
		diag_add(&r->diags, LOG_WARN, CHECK_SRC, "skipped: %s", buf_str(&nosess));
		buf_free(&nosess);
		github_free(&ck->s.gh);
		ck->s.failed = 1;
		ck->quiet = 1;
		return ck;
	}
	for (size_t i = 0; i < c->extra.n; i++) {
		if (hand_file_read(c->extra.v[i], HAND_MAX_BYTES, CHECK_SRC, &l, &quiet, &why) == 0)
			take_lines(ck, &l, "--extra");
		hand_list_free(&l);
		why.len = 0;
	}
	if (c->fallback_file && hand_file_read(c->fallback_file, HAND_MAX_BYTES, CHECK_SRC, &l, &quiet, &why) == 0) {
		take_lines(ck, &l, "fallback");
	} else {
		hand_list_free(&l);
		for (size_t i = 0; fallback_list[i]; i++)
			hand_list_add_text(&l, fallback_list[i]);
		take_lines(ck, &l, "the built-in fallback list");
	}
	hand_list_free(&l);
	diags_free(&quiet);
	if (ck->n == 0) {
		diag_add(&r->diags, LOG_INFO, CHECK_SRC, "no --extra or fallback line names a GitHub issue");
		ck->s.failed = 1;
		ck->quiet = 1;
		goto out;
	}
	why.len = 0;
	if (issue_cache_init(&ck->ic, c, &why) < 0)
		diag_add(&r->diags, LOG_WARN, CHECK_SRC, "%s", buf_str(&why));
	for (size_t i = 0; i < ck->n; i++) {
		github_issue_path(ck->v[i].repo, ck->v[i].number, &path);
		github_api_url(&ck->s.gh, buf_str(&path), &url);
		ck->v[i].key = xstrdup(buf_str(&url));
		from_cache(ck, &ck->v[i]);
	}
	if (ck->asking == 0)
		goto out;
	if (nosess.len) {
		/* Lines the cache did not answer for, and no session. */
		diag_add(&r->diags, LOG_WARN, CHECK_SRC, "skipped: %s", buf_str(&nosess));
		ck->s.failed = 1;
		goto out;
	}
	github_free(&ck->s.gh);
	gsess_start(&ck->s, r, CHECK_SRC, check_ready, ck);
	buf_free(&why);
	buf_free(&path);
	buf_free(&url);
	return ck;
out:
	github_free(&ck->s.gh);
	buf_free(&why);
	buf_free(&nosess);
	buf_free(&path);
	buf_free(&url);
	return ck;
}

static long
check_finish(struct run *r, void *state)
{
	struct icheck *ck = state;
	size_t closed = 0, open = 0, failed = 0, cached = 0;

	for (size_t i = 0; i < ck->n && !ck->quiet; i++) {
		struct lookup *lk = &ck->v[i];

		cached += lk->cached;
		/* The session failed: it said why, once. */
		if (lk->state == 0 && ck->s.failed) {
			failed++;
			continue;
		}
		switch (lk->state) {
		case 2:
			closed++;
			for (size_t j = 0; j < lk->lines.n; j++)
				diag_add(&r->diags, LOG_WARN, CHECK_SRC, "%s: issue closed: this line can go (%s)",
				    shown(lk->lines.v[j], strlen(lk->lines.v[j]), 0), shown(lk->url, strlen(lk->url), 1));
			break;
		case 1:
			open++;
			diag_add(&r->diags, LOG_DEBUG, CHECK_SRC, "%s: open", lk->url);
			break;
		default:
			failed++;
			diag_add(&r->diags, LOG_WARN, CHECK_SRC, "issue %s#%s (%s): not looked up: %s", lk->repo,
			    lk->number, shown(lk->url, strlen(lk->url), 0), lk->why ? lk->why : "no answer");
			break;
		}
	}
	if (!ck->quiet) {
		char more[64] = "";

		if (cached)
			snprintf(more, sizeof more, " (%zu from the cache)", cached);
		diag_add(&r->diags, LOG_INFO, CHECK_SRC, "%zu lines name %zu issues: %zu open, %zu closed, %zu not looked up%s",
		    ck->nlines, ck->n, open, closed, failed, more);
	}
	for (size_t i = 0; i < ck->n; i++) {
		free(ck->v[i].repo);
		free(ck->v[i].url);
		free(ck->v[i].why);
		free(ck->v[i].key);
		strlist_free(&ck->v[i].lines);
	}
	free(ck->v);
	if (ck->s.inited || ck->s.calls)
		gsess_free(&ck->s);
	issue_cache_free(&ck->ic);
	free(ck);
	return 0;
}

const struct source source_issue_check = { "check-issues", check_wanted, check_start, check_finish };
