/*
 * The trunk source: tests that just failed in the latest upstream trunk
 * CI runs.
 *
 *   [gh auth token] -> runs of the workflow on the branch
 *     -> every page of each run's jobs (page 1 gives total_count; the rest
 *        are asked for at once) -> the logs of the failed jobs whose name
 *        matches (302 to storage, followed without the token)
 *     -> failed tests (logscan) -> node ids of this run
 *
 * A failed job counts only for the platforms its name says (job_platforms):
 * the log of a job for none of this run's platforms is not read, unless
 * --trunk-any-platform.  The platforms go into each exclusion's reason.
 *
 * Every call is a child on the run's pool; a call's on_done queues what
 * depends on it.  Whatever is still running at the deadline is killed and
 * its partial output dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github.h"
#include "jsonscan.h"
#include "logscan.h"
#include "match.h"
#include "pipeline.h"

#define SRC "trunk"
/* GitHub ids are 64-bit numbers: at most 19 digits. */
#define MAX_ID_DIGITS 19
/* Past this many rejected ids in one run, they are counted. */
#define WARN_IDS 3
/* Jobs per page asked for (GitHub's maximum), and pages per run at most. */
#define PER_PAGE 100
#define MAX_PAGES 50
/* A list larger than this is not GitHub's. */
#define LIST_LIMIT (64u * 1024 * 1024)
/* A log with more failed tests than this is not about a few broken ones. */
#define MAX_HITS 10000

enum task_kind { TK_TOKEN, TK_RUNS, TK_JOBS, TK_LOG };

struct hit {
	enum logscan_kind kind;
	char *id;                  /* node id or "test (module.Class)" */
	size_t len;
	char run_id[24];
	unsigned plats;            /* the platforms of its job (job_platforms) */
};

struct task {
	enum task_kind kind;
	struct trunk *tr;
	char run_id[24], job_id[24];
	int page;                  /* TK_JOBS: its number, from 1 */
	unsigned plats;            /* TK_LOG: the platforms of the job */
	struct gh_call call;
	struct logscan *ls;        /* TK_LOG: allocated with its first bytes */
	struct hit *hits;          /* found in this log; kept only if it completes */
	size_t nhits, caphits;
	size_t *slots;             /* hash set of hits: index + 1, 0 = free */
	size_t nslots;             /* a power of two, at least twice nhits */
	int dropped_hits;
	struct task *all_next;
};

/* Several logs fetched by one curl (github_batch): each log's bytes come
 * on its own stream, and its own line on stdout says whether it completed. */
struct batch {
	struct trunk *tr;
	struct gh_call call;
	struct task **logs;
	struct child_stream *streams;
	size_t n;
	struct batch *next;
};

struct page {
	int state;                 /* 0 asked, 1 arrived, -1 failed */
	struct strlist jobs;       /* failed, matching job ids, in order */
	unsigned *plats;           /* the platforms of each (job_platforms) */
};

struct run_state {
	char id[24];
	struct strlist asked;      /* URLs of the jobs pages asked for */
	int selected;              /* jobs taken so far (across pages) */
	int npages;                /* pages asked for (grows with Link when no total) */
	int committed;             /* pages whose jobs have been taken, in order */
	struct page pages[MAX_PAGES];
};

struct trunk {
	struct run *r;
	struct github gh;
	struct task *all;
	struct batch *batches;
	struct run_state *runs;
	size_t nruns;
	struct hit *hits;
	size_t nhits, caphits;
	int failed;                /* the source failed as a whole */
	unsigned rejected_ids;
	unsigned not_started[TK_LOG + 1];   /* calls never started, by kind */
	unsigned calls, failed_calls, jobs, logs;
	unsigned other_platforms;  /* failed jobs not read: for other platforms */
	double t0;
};

static void task_done(void *arg, struct child *c);

static void
describe_task(const struct trunk *tr, const struct task *t, struct buf *b)
{
	b->len = 0;
	switch (t->kind) {
	case TK_TOKEN:
		buf_printf(b, "gh auth token");
		break;
	case TK_RUNS:
		buf_printf(b, "runs of %s on %s", tr->r->cfg->workflow, tr->r->cfg->branch);
		break;
	case TK_JOBS:
		buf_printf(b, "jobs of run %s (page %d)", t->run_id, t->page);
		break;
	case TK_LOG:
		buf_printf(b, "log of job %s (run %s)", t->job_id, t->run_id);
		break;
	}
}

static struct task *
new_task(struct trunk *tr, enum task_kind kind, const char *run_id, const char *job_id)
{
	struct task *t = xmalloc(sizeof *t);

	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->tr = tr;
	snprintf(t->run_id, sizeof t->run_id, "%s", run_id ? run_id : "");
	snprintf(t->job_id, sizeof t->job_id, "%s", job_id ? job_id : "");
	t->all_next = tr->all;
	tr->all = t;
	return t;
}

static size_t
hit_hash(enum logscan_kind kind, const char *id, size_t n)
{
	size_t h = 2166136261u ^ (size_t)kind;   /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)id[i]) * 16777619u;
	return h;
}

/* The slot of (kind, id) in t's hash set: the one holding it, or the free
 * one where it would go. */
static size_t *
hit_slot(const struct task *t, enum logscan_kind kind, const char *id, size_t n)
{
	size_t mask = t->nslots - 1, i = hit_hash(kind, id, n) & mask;

	for (;; i = (i + 1) & mask) {
		const struct hit *h;

		if (t->slots[i] == 0)
			return &t->slots[i];
		h = &t->hits[t->slots[i] - 1];
		if (h->kind == kind && h->len == n && memcmp(h->id, id, n) == 0)
			return &t->slots[i];
	}
}

/* Keep the set at most half full: slots for twice the hits. */
static void
hits_grow(struct task *t)
{
	size_t n = t->nslots ? 2 * t->nslots : 64;

	free(t->slots);
	t->slots = xmalloc(n * sizeof *t->slots);
	memset(t->slots, 0, n * sizeof *t->slots);
	t->nslots = n;
	for (size_t i = 0; i < t->nhits; i++)
		*hit_slot(t, t->hits[i].kind, t->hits[i].id, t->hits[i].len) = i + 1;
}

/* A log line named a failed test: held until the whole log has arrived.
 * A test named again is found in the log's hash set. */
static void
on_hit(void *arg, enum logscan_kind kind, const char *id, size_t n)
{
	struct task *t = arg;
	struct hit *h;
	size_t *slot;

	if (2 * (t->nhits + 1) > t->nslots)
		hits_grow(t);
	slot = hit_slot(t, kind, id, n);
	if (*slot)
		return;
	if (t->nhits >= MAX_HITS) {
		t->dropped_hits++;
		return;
	}
	if (t->nhits == t->caphits) {
		t->caphits = t->caphits ? t->caphits * 2 : 8;
		t->hits = xrealloc(t->hits, t->caphits * sizeof *t->hits);
	}
	h = &t->hits[t->nhits++];
	h->kind = kind;
	h->id = xstrndup(id, n);
	h->len = n;
	snprintf(h->run_id, sizeof h->run_id, "%s", t->run_id);
	h->plats = t->plats;
	*slot = t->nhits;
}

static void
feed_log(struct task *t, const char *p, size_t n)
{
	if (!t->ls) {
		t->ls = xmalloc(sizeof *t->ls);
		logscan_init(t->ls, on_hit, t);
	}
	logscan_feed(t->ls, p, n);
}

static int
on_log_bytes(void *arg, const char *p, size_t n)
{
	feed_log(arg, p, n);
	return 0;
}

/* Queue t's call to target (an API path or an absolute URL).  Returns 0,
 * or -1 when it could not even be prepared (said why). */
static int
queue_call(struct trunk *tr, struct task *t, const char *target)
{
	struct buf why = { 0 }, d = { 0 };
	int hops = t->call.hops;
	size_t limit = LIST_LIMIT;
	int headers = t->kind != TK_LOG;

	github_call_free(&t->call);
	t->call.hops = hops;
	/* A log's download is streamed (unless the call must stop at a
	 * redirect, which comes with headers: then a log served directly is
	 * read whole). */
	if (github_call(&tr->gh, &t->call, target, headers, 0, &why) < 0) {
		describe_task(tr, t, &d);
		diag_add(&tr->r->diags, LOG_WARN, SRC, "%s: %s", buf_str(&d), buf_str(&why));
		tr->failed_calls++;
		buf_free(&why);
		buf_free(&d);
		return -1;
	}
	if (t->kind == TK_LOG && !t->call.f.req.headers) {
		t->call.f.c.on_out = on_log_bytes;
		t->call.f.c.on_out_arg = t;
	} else {
		t->call.f.c.out_limit = limit;
	}
	t->call.f.c.on_done = task_done;
	t->call.f.c.on_done_arg = t;
	tr->calls++;
	diag_add(&tr->r->diags, LOG_DEBUG, SRC, "curl %s%s", t->call.url,
	    t->call.with_token ? " (with the token)" : "");
	childq_add(&tr->r->pool, &t->call.f.c);
	buf_free(&why);
	return 0;
}

/* Fields of one object of a list. */
struct obj {
	struct js_token id, name, conclusion;
	int has_id, has_name, has_conclusion;
};

typedef void (*obj_fn)(struct trunk *tr, struct task *t, const struct obj *o);

static void
json_failed(struct buf *why, const struct js_scanner *sc)
{
	char m[128];

	buf_adds(why, js_error_text(sc, m, sizeof m));
}

/* Call fn for each object in the array under top-level key `list`; *total
 * gets "total_count" when the document has one (else stays -1). */
static int
each_object(struct trunk *tr, struct task *t, const char *p, size_t n, const char *list,
    obj_fn fn, long *total, struct buf *why)
{
	struct js_scanner sc;
	struct js_token tk;
	enum js_type ty;
	int docs = 0;
	struct obj o;

	js_init(&sc, p, n, JS_MULTI);
	while ((ty = js_next(&sc, &tk)) != JS_EOF) {
		if (ty == JS_ERROR) {
			json_failed(why, &sc);
			return -1;
		}
		if (tk.depth == 0) {
			if (ty == JS_OBJECT)
				docs++;
			else if (ty != JS_OBJECT_END) {
				buf_printf(why, "response is not a JSON object");
				return -1;
			}
			continue;
		}
		if (tk.depth == 1 && ty == JS_STRING && tk.is_key && js_equals(&tk, "total_count")) {
			struct js_token v;

			if (js_next(&sc, &v) == JS_NUMBER && v.len >= 1 &&
			    strspn(v.p, "0123456789") >= v.len) {
				char num[16];

				/* More than 9 digits is more than any cap: it
				 * counts as 999999999. */
				if (v.len > 9) {
					*total = 999999999L;
				} else {
					memcpy(num, v.p, v.len);
					num[v.len] = '\0';
					*total = atol(num);
				}
			} else if (sc.err) {
				json_failed(why, &sc);
				return -1;
			} else if (js_skip(&sc, &v) < 0) {
				json_failed(why, &sc);
				return -1;
			}
			continue;
		}
		if (tk.depth == 1 && ty == JS_STRING && tk.is_key) {
			if (!js_equals(&tk, list))
				continue;
			if (js_next(&sc, &tk) != JS_ARRAY) {
				if (sc.err) {
					json_failed(why, &sc);
					return -1;
				}
				buf_printf(why, "\"%s\" is not an array", list);
				return -1;
			}
			/* The items: objects at depth 2, their fields at depth 3. */
			for (;;) {
				ty = js_next(&sc, &tk);
				if (ty == JS_ERROR) {
					json_failed(why, &sc);
					return -1;
				}
				if (ty == JS_ARRAY_END)
					break;
				if (ty != JS_OBJECT) {
					/* not an object: passed over (an error shows next) */
					js_skip(&sc, &tk);
					continue;
				}
				memset(&o, 0, sizeof o);
				for (;;) {
					struct js_token key, val;

					ty = js_next(&sc, &key);
					if (ty == JS_OBJECT_END || ty == JS_ERROR)
						break;
					if (js_next(&sc, &val) == JS_ERROR)
						break;
					if (js_equals(&key, "id")) {
						o.id = val;
						o.has_id = 1;
					} else if (js_equals(&key, "name") && val.type == JS_STRING) {
						o.name = val;
						o.has_name = 1;
					} else if (js_equals(&key, "conclusion") && val.type == JS_STRING) {
						o.conclusion = val;
						o.has_conclusion = 1;
					}
					if (js_skip(&sc, &val) < 0)
						break;
				}
				if (sc.err) {
					json_failed(why, &sc);
					return -1;
				}
				fn(tr, t, &o);
			}
			continue;
		}
		if (tk.depth == 1 && (ty == JS_OBJECT || ty == JS_ARRAY) && js_skip(&sc, &tk) < 0) {
			json_failed(why, &sc);
			return -1;
		}
	}
	if (!docs) {
		buf_printf(why, "empty response");
		return -1;
	}
	return 0;
}

/* Ids go into API paths: decimal digits only, or they are never used. */
static int
take_id(struct trunk *tr, const struct obj *o, char *out, size_t cap, const char *what)
{
	if (o->has_id && o->id.type == JS_NUMBER && all_digits(o->id.p, o->id.len, MAX_ID_DIGITS) &&
	    o->id.len < cap) {
		memcpy(out, o->id.p, o->id.len);
		out[o->id.len] = '\0';
		return 0;
	}
	diag_limited(&tr->r->diags, &tr->rejected_ids, WARN_IDS, LOG_WARN, SRC,
	    "rejected a %s id that is not decimal digits: %s", what,
	    o->has_id ? shown(o->id.p, o->id.len < 60 ? o->id.len : 60, 0) : "(none)");
	return -1;
}

static struct run_state *
run_of(struct trunk *tr, const char *id)
{
	for (size_t i = 0; i < tr->nruns; i++)
		if (strcmp(tr->runs[i].id, id) == 0)
			return &tr->runs[i];
	return NULL;
}

static void
queue_jobs_page(struct trunk *tr, struct run_state *rs, int page, const char *url)
{
	struct task *t = new_task(tr, TK_JOBS, rs->id, NULL);
	struct buf path = { 0 };

	t->page = page;
	if (url)
		buf_adds(&path, url);
	else
		buf_printf(&path, "repos/%s/actions/runs/%s/jobs?per_page=%d", tr->r->cfg->repo,
		    rs->id, PER_PAGE);
	if (!url && page > 1)
		buf_printf(&path, "&page=%d", page);
	if (page > rs->npages)
		rs->npages = page;
	if (queue_call(tr, t, buf_str(&path)) < 0)
		rs->pages[page - 1].state = -1;
	else
		strlist_add(&rs->asked, t->call.url);
	buf_free(&path);
}

static void
on_run(struct trunk *tr, struct task *t, const struct obj *o)
{
	char id[24];
	struct run_state *rs;

	(void)t;
	if ((int)tr->nruns >= tr->r->cfg->runs || take_id(tr, o, id, sizeof id, "run") < 0)
		return;
	if (run_of(tr, id))
		return;
	tr->runs = xrealloc(tr->runs, (tr->nruns + 1) * sizeof *tr->runs);
	rs = &tr->runs[tr->nruns++];
	memset(rs, 0, sizeof *rs);
	snprintf(rs->id, sizeof rs->id, "%s", id);
}

/* The platforms a failed job is on, from its name, as PyTorch's job names
 * say them.  The name is cut into words at every byte that is not an ASCII
 * letter (digits, '.', '-', '_', '/', blanks, parentheses, commas), any
 * case: "linux-focal-rocm6.2-py3.10 / test (default, 1, 6, linux.rocm.gpu.2)"
 * gives linux focal rocm py test default linux rocm gpu.  Words that name
 * one of JOB_PLATFORMS count (rocm, win, windows, mac, macos, xpu, asan,
 * dynamo, inductor); "dynamo_wrapped" is the words dynamo and wrapped; a
 * dynamo job is for dynamo_wrapped runs as well (PyTorch's harness reads
 * both names as the same condition).  "linux" is no platform word: nearly
 * every runner is a linux machine, whatever it tests; a job with no
 * platform word is a linux job.  A job with several (rocm and dynamo) is
 * for each, as an entry of the disabled list with both would be. */
#define JOB_PLATFORMS \
	(PLAT_MAC | PLAT_WINDOWS | PLAT_ROCM | PLAT_XPU | PLAT_ASAN | PLAT_DYNAMO | PLAT_INDUCTOR)

static int
ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned
job_platforms(const char *name, size_t n)
{
	unsigned bits = 0;

	for (size_t i = 0; i < n;) {
		char w[16];
		size_t k = 0;

		while (i < n && !ascii_letter(name[i]))
			i++;
		for (; i < n && ascii_letter(name[i]); i++, k++)
			if (k < sizeof w)
				w[k] = (char)(name[i] | 0x20);
		if (k && k <= sizeof w)
			bits |= platform_bit(w, k) & JOB_PLATFORMS;
	}
	if (bits & PLAT_DYNAMO)
		bits |= PLAT_DYNAMO_WRAPPED;
	return bits ? bits : PLAT_LINUX;
}

/* The names of platform bits, comma-separated, into b. */
static void
platforms_text(unsigned bits, struct buf *b)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ PLAT_LINUX, "linux" }, { PLAT_WINDOWS, "windows" }, { PLAT_MAC, "macos" },
		{ PLAT_ROCM, "rocm" }, { PLAT_XPU, "xpu" }, { PLAT_ASAN, "asan" },
		{ PLAT_DYNAMO, "dynamo" }, { PLAT_DYNAMO_WRAPPED, "dynamo_wrapped" },
		{ PLAT_INDUCTOR, "inductor" },
	};

	b->len = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (bits & names[i].bit)
			buf_printf(b, "%s%s", b->len ? "," : "", names[i].name);
}

static int
contains(const char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = 0; i + nl <= n; i++)
		if (memcmp(s + i, needle, nl) == 0)
			return 1;
	return nl == 0;
}

static void
on_job(struct trunk *tr, struct task *t, const struct obj *o)
{
	const struct config *c = tr->r->cfg;
	struct run_state *rs = run_of(tr, t->run_id);
	struct page *pg;
	char id[24], name[512];
	size_t n;
	unsigned plats;

	tr->jobs++;
	if (!rs || !o->has_name || o->name.len >= sizeof name)
		return;
	n = js_decode(&o->name, name);
	if (!contains(name, n, c->job_filter))
		return;
	/* Only a failed job has failed tests in its log. */
	if (!o->has_conclusion || !js_equals(&o->conclusion, "failure"))
		return;
	if (take_id(tr, o, id, sizeof id, "job") < 0)
		return;
	plats = job_platforms(name, n);
	if (!c->trunk_any_platform && !(plats & c->platforms)) {
		struct buf pl = { 0 };

		platforms_text(plats, &pl);
		tr->other_platforms++;
		diag_add(&tr->r->diags, LOG_DEBUG, SRC,
		    "job %s of run %s, %s: for %s, not this run's platforms (%s): its failures do not count",
		    id, rs->id, shown(name, n, 0), buf_str(&pl), c->platform_text);
		buf_free(&pl);
		return;
	}
	pg = &rs->pages[t->page - 1];
	strlist_add(&pg->jobs, id);
	pg->plats = xrealloc(pg->plats, pg->jobs.n * sizeof *pg->plats);
	pg->plats[pg->jobs.n - 1] = plats;
}

static int
run_full(const struct trunk *tr, const struct run_state *rs)
{
	return tr->r->cfg->max_jobs && rs->selected >= tr->r->cfg->max_jobs;
}

static void log_arrived(struct trunk *tr, struct task *t, const char *body, size_t len,
    struct buf *d);
static void call_failed(struct trunk *tr, struct task *t, const char *what, const char *why);

static int
on_batch_bytes(void *arg, const char *p, size_t n)
{
	feed_log(arg, p, n);
	return 0;
}

/* One curl has fetched several logs: each completed one counts, the
 * others fail on their own. */
static void
batch_done(void *arg, struct child *c)
{
	struct batch *b = arg;
	struct trunk *tr = b->tr;
	struct buf d = { 0 }, why = { 0 };

	for (size_t i = 0; i < b->n; i++) {
		struct task *t = b->logs[i];

		describe_task(tr, t, &d);
		why.len = 0;
		if (c->never_started)
			tr->not_started[TK_LOG]++;
		else if (fetch_batch_result(&b->call.f, i, &why) == 0)
			log_arrived(tr, t, NULL, 0, &d);
		else
			call_failed(tr, t, buf_str(&d), buf_str(&why));
	}
	buf_free(&c->out);
	buf_free(&c->err);
	buf_free(&d);
	buf_free(&why);
}

/* Queue the logs of n failed jobs: with a curl that may follow redirects
 * with the token, several to a curl (as many as -j allows), else one
 * call each. */
static void
queue_logs(struct trunk *tr, struct task **logs, char **paths, size_t n)
{
	size_t per = (size_t)tr->r->cfg->parallel;

	if (per > FETCH_MAX_BATCH)
		per = FETCH_MAX_BATCH;
	for (size_t i = 0; i < n;) {
		size_t k = n - i < per ? n - i : per;
		struct batch *b;
		struct buf why = { 0 };

		if (k < 2 || !tr->gh.curl_follows_safely) {
			queue_call(tr, logs[i], paths[i]);
			i++;
			continue;
		}
		b = xmalloc(sizeof *b);
		memset(b, 0, sizeof *b);
		b->tr = tr;
		b->n = k;
		b->logs = xmalloc(k * sizeof *b->logs);
		b->streams = xmalloc(k * sizeof *b->streams);
		b->next = tr->batches;
		tr->batches = b;
		for (size_t j = 0; j < k; j++) {
			b->logs[j] = logs[i + j];
			b->streams[j] = (struct child_stream){ .on_out = on_batch_bytes, .arg = logs[i + j], .fd = -1 };
		}
		if (github_batch(&tr->gh, &b->call, (const char *const *)(paths + i), k, &why) < 0) {
			/* one call each, then */
			for (size_t j = 0; j < k; j++)
				queue_call(tr, logs[i + j], paths[i + j]);
			b->n = 0;
		} else {
			b->call.f.c.streams = b->streams;
			b->call.f.c.nstreams = k;
			b->call.f.c.out_limit = 1u << 20;
			b->call.f.c.on_done = batch_done;
			b->call.f.c.on_done_arg = b;
			tr->calls += (unsigned)k;
			diag_add(&tr->r->diags, LOG_DEBUG, SRC, "curl: %zu logs at once, from %s", k, b->call.url);
			childq_add(&tr->r->pool, &b->call.f.c);
		}
		buf_free(&why);
		i += k;
	}
}

/* Take the jobs of the pages that have arrived, in page order, so that
 * "the first --max-jobs failed jobs" means the same however the pages
 * raced; queue their logs. */
static void
commit_pages(struct trunk *tr, struct run_state *rs)
{
	struct task **logs = NULL;
	struct strlist paths = { 0 };
	size_t n = 0;

	while (rs->committed < rs->npages && rs->pages[rs->committed].state != 0) {
		struct page *pg = &rs->pages[rs->committed++];

		for (size_t i = 0; i < pg->jobs.n && !run_full(tr, rs); i++) {
			struct buf path = { 0 };

			rs->selected++;
			logs = xrealloc(logs, (n + 1) * sizeof *logs);
			logs[n] = new_task(tr, TK_LOG, rs->id, pg->jobs.v[i]);
			logs[n++]->plats = pg->plats[i];
			buf_printf(&path, "repos/%s/actions/jobs/%s/logs", tr->r->cfg->repo, pg->jobs.v[i]);
			strlist_add(&paths, buf_str(&path));
			buf_free(&path);
		}
		strlist_free(&pg->jobs);
		free(pg->plats);
		pg->plats = NULL;
	}
	queue_logs(tr, logs, paths.v, n);
	strlist_free(&paths);
	free(logs);
}

/* Would the pages that have arrived, taken in order, give the run all
 * the jobs it may take? */
static int
fills_run(const struct trunk *tr, const struct run_state *rs)
{
	long have = rs->selected;

	if (!tr->r->cfg->max_jobs)
		return 0;
	for (int p = rs->committed; p < rs->npages && rs->pages[p].state != 0; p++)
		have += (long)rs->pages[p].jobs.n;
	return have >= tr->r->cfg->max_jobs;
}

static void ask_more_pages(struct trunk *tr, struct run_state *rs, struct task *t,
    const struct gh_response *resp, long total, const char *what);

static void
jobs_arrived(struct trunk *tr, struct task *t, const struct gh_response *resp, long total,
    const char *what)
{
	struct run_state *rs = run_of(tr, t->run_id);

	if (!rs)
		return;
	rs->pages[t->page - 1].state = 1;
	if (resp->next.len && !github_under_api(&tr->gh, resp->next.p))
		diag_add(&tr->r->diags, LOG_WARN, SRC, "%s: next page outside %s refused", what,
		    tr->gh.api);
	/* The pages still to ask for come first: they are on the longest
	 * chain (page -> its logs), the logs of this page are not. */
	if (!fills_run(tr, rs))
		ask_more_pages(tr, rs, t, resp, total, what);
	commit_pages(tr, rs);
}

static void
ask_more_pages(struct trunk *tr, struct run_state *rs, struct task *t,
    const struct gh_response *resp, long total, const char *what)
{
	if (t->page == 1 && total >= 0) {
		/* The count is known: every page not asked for yet, at once. */
		long pages = (total + PER_PAGE - 1) / PER_PAGE;

		if (pages > MAX_PAGES) {
			diag_add(&tr->r->diags, LOG_WARN, SRC, "run %s has %ld jobs; only the first %d are read",
			    rs->id, total, MAX_PAGES * PER_PAGE);
			pages = MAX_PAGES;
		}
		for (int p = rs->npages + 1; p <= pages; p++)
			queue_jobs_page(tr, rs, p, NULL);
	} else if (total < 0 && t->page == rs->npages && resp->next.len &&
	    github_under_api(&tr->gh, resp->next.p)) {
		/* No count: follow Link, one page after another, but never to
		 * a page asked for already (a paginator that loops), and not
		 * past the cap. */
		if (strlist_has(&rs->asked, resp->next.p))
			diag_add(&tr->r->diags, LOG_WARN, SRC, "%s: its next page was asked for already (%s): not again",
			    what, resp->next.p);
		else if (t->page >= MAX_PAGES)
			diag_add(&tr->r->diags, LOG_WARN, SRC, "run %s has more than %d pages of jobs; only the first %d jobs are read",
			    rs->id, MAX_PAGES, MAX_PAGES * PER_PAGE);
		else
			queue_jobs_page(tr, rs, t->page + 1, resp->next.p);
	}
}

static void
log_arrived(struct trunk *tr, struct task *t, const char *body, size_t len, struct buf *d)
{
	if (body)
		feed_log(t, body, len);
	if (t->ls)
		logscan_finish(t->ls);
	tr->logs++;
	for (size_t i = 0; i < t->nhits; i++) {
		if (tr->nhits == tr->caphits) {
			tr->caphits = tr->caphits ? tr->caphits * 2 : 16;
			tr->hits = xrealloc(tr->hits, tr->caphits * sizeof *tr->hits);
		}
		tr->hits[tr->nhits++] = t->hits[i];
	}
	t->nhits = 0;
	if (t->dropped_hits)
		diag_add(&tr->r->diags, LOG_WARN, SRC, "%s: %d more failed tests not kept", buf_str(d),
		    t->dropped_hits);
	diag_add(&tr->r->diags, LOG_DEBUG, SRC, "%s: %lu lines scanned", buf_str(d),
	    t->ls ? t->ls->lines : 0ul);
	free(t->ls);
	t->ls = NULL;
	free(t->slots);
	t->slots = NULL;
	t->nslots = 0;
}

static void
start_runs(struct trunk *tr)
{
	const struct config *c = tr->r->cfg;
	struct task *t = new_task(tr, TK_RUNS, NULL, NULL);
	struct buf path = { 0 };

	buf_printf(&path, "repos/%s/actions/workflows/%s/runs?branch=%s&status=completed&per_page=%d",
	    c->repo, c->workflow, c->branch, c->runs);
	if (queue_call(tr, t, buf_str(&path)) < 0)
		tr->failed = 1;
	buf_free(&path);
}

/* A call of a page or a run failed: it is lost, the rest goes on. */
static void
call_failed(struct trunk *tr, struct task *t, const char *what, const char *why)
{
	tr->failed_calls++;
	diag_add(&tr->r->diags, LOG_WARN, SRC, "%s: %s", what, why);
	if (t->kind == TK_RUNS)
		tr->failed = 1;
	if (t->kind == TK_JOBS) {
		struct run_state *rs = run_of(tr, t->run_id);

		if (rs) {
			rs->pages[t->page - 1].state = -1;
			commit_pages(tr, rs);
		}
	}
}

static void
task_done(void *arg, struct child *c)
{
	struct task *t = arg;
	struct trunk *tr = t->tr;
	struct buf d = { 0 }, why = { 0 }, hop = { 0 };
	struct gh_response resp = { 0 };
	const char *out = c->out.p ? c->out.p : "";
	long total = -1;

	describe_task(tr, t, &d);
	if (t->kind == TK_TOKEN) {
		if (github_token_done(&tr->gh, &why) < 0) {
			diag_add(&tr->r->diags, LOG_WARN, SRC, "skipped: %s", buf_str(&why));
			tr->failed = 1;
		} else {
			diag_add(&tr->r->diags, LOG_DEBUG, SRC, "the token comes from %s; API %s",
			    tr->gh.token_from, tr->gh.api);
			start_runs(tr);
		}
		goto out;
	}
	if (c->never_started) {
		tr->not_started[t->kind]++;
		if (t->kind == TK_RUNS)
			tr->failed = 1;
		goto out;
	}
	/* curl stops itself just before our deadline (exit 28); either way
	 * what arrived is incomplete and goes. */
	if (fetch_timed_out(&t->call.f)) {
		call_failed(tr, t, buf_str(&d), "no complete response within the time limit, its partial output dropped");
		goto out;
	}
	if (t->call.f.req.headers)
		github_parse(out, c->out.len, &resp);
	if (c->exit_code != 0 || c->exec_errno || c->stopped) {
		github_describe(&t->call, t->call.f.req.headers ? &resp : NULL, &why);
		call_failed(tr, t, buf_str(&d), buf_str(&why));
		goto out;
	}
	if (resp.status >= 300 && resp.status < 400) {
		if (github_next_hop(&t->call, &resp, &hop, &why) < 0) {
			call_failed(tr, t, buf_str(&d), buf_str(&why));
			goto out;
		}
		t->call.hops++;
		diag_add(&tr->r->diags, LOG_DEBUG, SRC, "%s: HTTP %d to %s", buf_str(&d), resp.status,
		    hop.p);
		queue_call(tr, t, hop.p);
		goto out;
	}
	if (t->kind == TK_LOG) {
		if (t->call.f.req.headers)
			log_arrived(tr, t, resp.body, resp.body_len, &d);
		else
			log_arrived(tr, t, NULL, 0, &d);
		goto out;
	}
	if (!t->call.f.req.headers) {
		resp.body = out;
		resp.body_len = c->out.len;
	}
	if (each_object(tr, t, resp.body, resp.body_len, t->kind == TK_RUNS ? "workflow_runs" : "jobs",
	    t->kind == TK_RUNS ? on_run : on_job, &total, &why) < 0) {
		call_failed(tr, t, buf_str(&d), buf_str(&why));
		goto out;
	}
	if (t->kind == TK_RUNS) {
		for (size_t i = 0; i < tr->nruns; i++)
		{
			/* Page 2 with page 1, on speculation: trunk runs have
			 * hundreds of jobs, so it saves a round trip on the
			 * longest chain; when there is none, it is one empty
			 * answer. */
			queue_jobs_page(tr, &tr->runs[i], 1, NULL);
			queue_jobs_page(tr, &tr->runs[i], 2, NULL);
		}
	} else {
		jobs_arrived(tr, t, &resp, total, buf_str(&d));
	}
out:
	/* A page is parsed once and dropped (unless the call went on to
	 * its next hop, which has buffers of its own). */
	if (t->kind != TK_TOKEN && hop.len == 0) {
		buf_free(&c->out);
		buf_free(&c->err);
	}
	gh_response_free(&resp);
	buf_free(&d);
	buf_free(&why);
	buf_free(&hop);
}

static void
version_done(void *arg, struct child *c)
{
	struct trunk *tr = arg;

	(void)c;
	github_version_done(&tr->gh);
	diag_add(&tr->r->diags, LOG_DEBUG, SRC, "curl %s the token on redirects elsewhere",
	    tr->gh.curl_follows_safely ? "drops" : "is not known to drop");
}

static int
trunk_wanted(const struct run *r)
{
	return r->cfg->trunk;
}

static void *
trunk_start(struct run *r)
{
	struct trunk *tr = xmalloc(sizeof *tr);
	struct buf why = { 0 };

	memset(tr, 0, sizeof *tr);
	tr->r = r;
	tr->t0 = now_seconds();
	if (github_init(&tr->gh, r->cfg->api_url, r->deadline, &why) < 0) {
		diag_add(&r->diags, LOG_WARN, SRC, "skipped: %s", buf_str(&why));
		tr->failed = 1;
		buf_free(&why);
		return tr;
	}
	if (tr->gh.token_pending) {
		struct task *t = new_task(tr, TK_TOKEN, NULL, NULL);

		tr->gh.token_child.on_done = task_done;
		tr->gh.token_child.on_done_arg = t;
		childq_add(&r->pool, &tr->gh.token_child);
	} else {
		diag_add(&r->diags, LOG_DEBUG, SRC, "the token comes from %s; API %s",
		    tr->gh.token_from, tr->gh.api);
		start_runs(tr);
	}
	/* Off the chain, after its first call: the first calls do without it. */
	tr->gh.version_child.on_done = version_done;
	tr->gh.version_child.on_done_arg = tr;
	childq_add(&r->pool, &tr->gh.version_child);
	buf_free(&why);
	return tr;
}

/* A node id from a log, "profiler/test_x.py::C::t" (PyTorch runs pytest
 * from inside test/), as the node ids of this run, or none when the test is
 * not one of this run's. */
static void
map_log_nodeid(struct run *r, const char *id, struct strlist *ids)
{
	const struct scope *sc = &r->scope;
	const char *sep = strstr(id, "::");
	struct buf path = { 0 }, cand = { 0 }, tail = { 0 };

	if (!sep || sep == id)
		return;
	buf_add(&path, id, (size_t)(sep - id));
	buf_printf(&tail, "/%s", buf_str(&path));
	if (sc->collected) {
		scope_collected_match(sc, path.p, path.len, sep, ids);
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
				diag_add(&r->diags, LOG_DEBUG, SRC, "%s: %s", cand.p, buf_str(&why));
			strlist_free(&fixed);
			buf_free(&why);
		}
	} else {
		/* No tree: keep what lies under the test folders of the run. */
		const struct strlist *dirs = &r->cfg->tests_dirs;

		if (!starts_with(path.p, "test/"))
			buf_adds(&cand, "test/");
		buf_printf(&cand, "%s%s", path.p, sep);
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

/* The calls the time limit left in the queue: one line for all of them,
 * however many failed jobs there were. */
static void
not_started_line(struct trunk *tr)
{
	static const char *const what[][2] = {
		[TK_TOKEN] = { "gh auth token", "gh auth token" },
		[TK_RUNS] = { "runs list", "runs lists" },
		[TK_JOBS] = { "jobs page", "jobs pages" },
		[TK_LOG] = { "log of a failed job", "logs of failed jobs" },
	};
	static const enum task_kind order[] = { TK_LOG, TK_JOBS, TK_RUNS, TK_TOKEN };
	struct buf b = { 0 };
	size_t kinds = 0, done = 0;

	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		kinds += tr->not_started[order[i]] > 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		unsigned n = tr->not_started[order[i]];

		if (n == 0)
			continue;
		done++;
		buf_printf(&b, "%s%u %s", done == 1 ? "" : done == kinds ? " and " : ", ", n,
		    what[order[i]][n != 1]);
	}
	if (kinds)
		diag_add(&tr->r->diags, LOG_WARN, SRC, "%s not started before the time limit%s", b.p,
		    tr->not_started[TK_LOG] ? ": the failed tests in those logs are not counted" : "");
	buf_free(&b);
}

static long
trunk_finish(struct run *r, void *state)
{
	struct trunk *tr = state;
	size_t added = 0, outside = 0;
	struct buf plats = { 0 };
	long rc;

	for (size_t i = 0; i < tr->nhits; i++) {
		const struct hit *h = &tr->hits[i];
		struct strlist ids = { 0 };
		struct buf why = { 0 };
		struct testkey k;
		const char *kw;
		struct buf url = { 0 };
		struct reason rs = { .kind = RK_TRUNK, .key = h->id, .run_id = (char *)h->run_id };

		github_run_url(&tr->gh, r->cfg->repo, h->run_id, &url);
		rs.url = url.p;
		/* With --trunk-any-platform, every platform (as before). */
		if (!r->cfg->trunk_any_platform) {
			platforms_text(h->plats, &plats);
			rs.platforms = plats.p;
		}

		if (h->kind == LOGSCAN_PYTEST)
			map_log_nodeid(r, h->id, &ids);
		else if (key_parse(h->id, strlen(h->id), &k, &kw) == 0 && scope_has(&r->scope, &k))
			scope_map(&r->scope, &k, &ids, &why);
		if (ids.n == 0)
			outside++;
		for (size_t j = 0; j < ids.n; j++) {
			if (!text_is_clean(ids.v[j]))
				continue;
			run_add_nodeid(r, ids.v[j], &rs);
			added++;
			diag_add(&r->diags, LOG_DEBUG, SRC, "run %s: %s -> %s", h->run_id, h->id, ids.v[j]);
		}
		buf_free(&url);
		strlist_free(&ids);
		buf_free(&why);
	}
	buf_free(&plats);
	not_started_line(tr);
	if (tr->other_platforms)
		diag_add(&r->diags, LOG_INFO, SRC,
		    "%u failed jobs for other platforms than this run's (%s): not read (-v names them; --trunk-any-platform reads them)",
		    tr->other_platforms, r->cfg->platform_text);
	if (tr->rejected_ids > WARN_IDS)
		diag_add(&r->diags, LOG_WARN, SRC, "%u more ids rejected (not decimal digits)",
		    tr->rejected_ids - WARN_IDS);
	if (!tr->failed)
		diag_add(&r->diags, LOG_INFO, SRC,
		    "%zu runs, %u jobs, %u logs: %zu failed tests, %zu of this run, %zu node ids; %u calls (%u failed) in %.2f s",
		    tr->nruns, tr->jobs, tr->logs, tr->nhits, tr->nhits - outside, added, tr->calls,
		    tr->failed_calls, now_seconds() - tr->t0);
	rc = tr->failed ? -1 : (long)added;
	for (struct batch *b = tr->batches, *next; b; b = next) {
		next = b->next;
		github_call_free(&b->call);
		free(b->logs);
		free(b->streams);
		free(b);
	}
	for (struct task *t = tr->all, *next; t; t = next) {
		next = t->all_next;
		for (size_t h = 0; h < t->nhits; h++)
			free(t->hits[h].id);
		free(t->hits);
		free(t->slots);
		free(t->ls);
		github_call_free(&t->call);
		free(t);
	}
	for (size_t i = 0; i < tr->nhits; i++)
		free(tr->hits[i].id);
	for (size_t i = 0; i < tr->nruns; i++) {
		for (int p = 0; p < MAX_PAGES; p++) {
			strlist_free(&tr->runs[i].pages[p].jobs);
			free(tr->runs[i].pages[p].plats);
		}
		strlist_free(&tr->runs[i].asked);
	}
	free(tr->hits);
	free(tr->runs);
	github_free(&tr->gh);
	free(tr);
	return rc;
}

const struct source source_trunk = { "trunk", trunk_wanted, trunk_start, trunk_finish };
