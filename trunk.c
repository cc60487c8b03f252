#include "trunk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github.h"
#include "jsonscan.h"

/* GitHub ids are 64-bit numbers: at most 19 digits. */
#define MAX_ID_DIGITS 19
/* Past this many rejected ids in one response, they are counted. */
#define WARN_IDS 3

enum task_kind { TK_RUNS, TK_JOBS, TK_LOG };

struct task {
	enum task_kind kind;
	char run_id[24], job_id[24];
	char *target;              /* API path or "next" URL */
	struct gh_call call;
	int started, done;
	struct logscan ls;         /* TK_LOG */
	struct trunk_hit *hits;    /* found in this log; kept only if it completes */
	size_t nhits, caphits;
	int dropped_hits;
};

struct run_state {
	char id[24];
	int selected;              /* jobs taken so far (across pages) */
};

struct sched {
	const struct trunk_opts *o;
	struct github gh;
	struct task **t;
	size_t n, cap;
	struct run_state *runs;
	size_t nruns;
	struct trunk_result *res;
	int runs_failed;
	unsigned rejected_ids;
};

int
trunk_name_ok(const char *s, int slash)
{
	if (!*s || *s == '.' || *s == '-' || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-' ||
		    (slash && *s == '/')))
			return 0;
	return 1;
}

static struct task *
add_task(struct sched *s, enum task_kind kind, const char *run_id, const char *job_id,
    const char *target)
{
	struct task *t = xmalloc(sizeof *t);

	memset(t, 0, sizeof *t);
	t->kind = kind;
	snprintf(t->run_id, sizeof t->run_id, "%s", run_id ? run_id : "");
	snprintf(t->job_id, sizeof t->job_id, "%s", job_id ? job_id : "");
	t->target = xstrdup(target);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->t = xrealloc(s->t, s->cap * sizeof *s->t);
	}
	s->t[s->n++] = t;
	return t;
}

static void
describe_task(const struct sched *s, const struct task *t, struct buf *b)
{
	b->len = 0;
	switch (t->kind) {
	case TK_RUNS:
		buf_printf(b, "runs of %s on %s", s->o->workflow, s->o->branch);
		break;
	case TK_JOBS:
		buf_printf(b, "jobs of run %s", t->run_id);
		break;
	case TK_LOG:
		buf_printf(b, "log of job %s (run %s)", t->job_id, t->run_id);
		break;
	}
}

/* A log line named a failed test: held until the whole log has arrived. */
static void
on_hit(void *arg, enum logscan_kind kind, const char *id, size_t n)
{
	struct task *t = arg;
	struct trunk_hit *h;

	for (size_t i = 0; i < t->nhits; i++)
		if (t->hits[i].kind == kind && strlen(t->hits[i].id) == n &&
		    memcmp(t->hits[i].id, id, n) == 0)
			return;
	/* A log that "fails" thousands of tests is not about a few broken
	 * ones; the count is bounded so that memory stays bounded too. */
	if (t->nhits >= 10000) {
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
	snprintf(h->run_id, sizeof h->run_id, "%s", t->run_id);
}

static int
on_log_bytes(void *arg, const char *p, size_t n)
{
	struct task *t = arg;

	logscan_feed(&t->ls, p, n);
	return 0;
}

/* Fields of one object of a list. */
struct obj {
	struct js_token id, name, conclusion;
	int has_id, has_name, has_conclusion;
};

typedef void (*obj_fn)(struct sched *s, struct task *t, const struct obj *o);

static void
json_failed(struct buf *why, const struct js_scanner *sc)
{
	char m[128];

	buf_adds(why, js_error_text(sc, m, sizeof m));
}

/* Call fn for each object in the array under top-level key `list`, in each
 * of the documents (gh --paginate prints pages back to back). */
static int
each_object(struct sched *s, struct task *t, const char *p, size_t n, const char *list,
    obj_fn fn, struct buf *why)
{
	struct js_scanner sc;
	struct js_token tk;
	enum js_type ty;
	int in_list = 0, docs = 0;
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
		if (tk.depth == 1 && ty == JS_STRING && tk.is_key) {
			in_list = js_equals(&tk, list);
			if (!in_list)
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
				fn(s, t, &o);
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
take_id(struct sched *s, const struct obj *o, char *out, size_t cap, const char *what)
{
	if (o->has_id && o->id.type == JS_NUMBER && o->id.len >= 1 && o->id.len <= MAX_ID_DIGITS) {
		size_t i;

		for (i = 0; i < o->id.len; i++)
			if (o->id.p[i] < '0' || o->id.p[i] > '9')
				break;
		if (i == o->id.len && o->id.len < cap) {
			memcpy(out, o->id.p, o->id.len);
			out[o->id.len] = '\0';
			return 0;
		}
	}
	if (++s->rejected_ids <= WARN_IDS)
		logmsg(LOG_WARN, "trunk: rejected a %s id that is not decimal digits: %s", what,
		    o->has_id ? shown(o->id.p, o->id.len < 60 ? o->id.len : 60, 0) : "(none)");
	return -1;
}

static void
on_run(struct sched *s, struct task *t, const struct obj *o)
{
	char id[24];
	struct buf path = { 0 };

	(void)t;
	if ((int)s->nruns >= s->o->runs || take_id(s, o, id, sizeof id, "run") < 0)
		return;
	s->runs = xrealloc(s->runs, (s->nruns + 1) * sizeof *s->runs);
	snprintf(s->runs[s->nruns].id, sizeof s->runs[s->nruns].id, "%s", id);
	s->runs[s->nruns].selected = 0;
	s->nruns++;
	s->res->runs++;
	buf_printf(&path, "repos/%s/actions/runs/%s/jobs?per_page=100", s->o->repo, id);
	add_task(s, TK_JOBS, id, NULL, buf_str(&path));
	buf_free(&path);
}

static struct run_state *
run_of(struct sched *s, const char *id)
{
	for (size_t i = 0; i < s->nruns; i++)
		if (strcmp(s->runs[i].id, id) == 0)
			return &s->runs[i];
	return NULL;
}

static int
token_contains(const struct js_token *t, const char *needle)
{
	char small[512];
	size_t n, nl = strlen(needle);

	if (t->len >= sizeof small)
		return 0;
	n = js_decode(t, small);
	for (size_t i = 0; i + nl <= n; i++)
		if (memcmp(small + i, needle, nl) == 0)
			return 1;
	return nl == 0;
}

static void
on_job(struct sched *s, struct task *t, const struct obj *o)
{
	struct run_state *r = run_of(s, t->run_id);
	char id[24];
	struct buf path = { 0 };

	s->res->jobs++;
	if (!r || !o->has_name || !token_contains(&o->name, s->o->job_filter))
		return;
	/* Only a failed job has failed tests in its log. */
	if (!o->has_conclusion || !js_equals(&o->conclusion, "failure"))
		return;
	if (s->o->max_jobs && r->selected >= s->o->max_jobs)
		return;
	if (take_id(s, o, id, sizeof id, "job") < 0)
		return;
	r->selected++;
	buf_printf(&path, "repos/%s/actions/jobs/%s/logs", s->o->repo, id);
	add_task(s, TK_LOG, t->run_id, id, buf_str(&path));
	buf_free(&path);
}

static void
finish_task(struct sched *s, struct task *t)
{
	struct buf d = { 0 }, why = { 0 }, next = { 0 };
	const char *body;
	size_t blen;
	int status, rl;

	t->done = 1;
	describe_task(s, t, &d);
	if (t->call.c.timed_out) {
		s->res->failed_calls++;
		logmsg(LOG_WARN, "trunk: %s: killed at the time limit, its partial output dropped", buf_str(&d));
		goto out;
	}
	if (t->call.c.exit_code != 0 || t->call.c.exec_errno || t->call.c.stopped) {
		s->res->failed_calls++;
		github_describe(&s->gh, &t->call, &why);
		logmsg(LOG_WARN, "trunk: %s: %s", buf_str(&d), buf_str(&why));
		if (t->kind == TK_RUNS)
			s->runs_failed = 1;
		goto out;
	}
	if (t->kind == TK_LOG) {
		logscan_finish(&t->ls);
		s->res->logs++;
		for (size_t i = 0; i < t->nhits; i++) {
			struct trunk_result *r = s->res;

			if (r->n == r->cap) {
				r->cap = r->cap ? r->cap * 2 : 16;
				r->v = xrealloc(r->v, r->cap * sizeof *r->v);
			}
			r->v[r->n++] = t->hits[i];
		}
		t->nhits = 0;
		if (t->dropped_hits)
			logmsg(LOG_WARN, "trunk: %s: %d more failed tests not kept", buf_str(&d), t->dropped_hits);
		logmsg(LOG_DEBUG, "trunk: %s: %lu lines scanned", buf_str(&d), t->ls.lines);
		goto out;
	}
	body = t->call.c.out.p ? t->call.c.out.p : "";
	blen = t->call.c.out.len;
	if (t->call.headers)
		body = github_body(body, blen, &blen, &status, &next, &rl);
	if (each_object(s, t, body, blen, t->kind == TK_RUNS ? "workflow_runs" : "jobs",
	    t->kind == TK_RUNS ? on_run : on_job, &why) < 0) {
		s->res->failed_calls++;
		logmsg(LOG_WARN, "trunk: %s: %s", buf_str(&d), buf_str(&why));
		if (t->kind == TK_RUNS)
			s->runs_failed = 1;
		goto out;
	}
	/* curl: the next page, but only under the API we were given: a Link
	 * elsewhere would carry the token there. */
	if (t->kind == TK_JOBS && next.len) {
		struct buf prefix = { 0 };
		struct run_state *r = run_of(s, t->run_id);

		buf_printf(&prefix, "%s/", s->o->api_url);
		if (!starts_with(buf_str(&next), buf_str(&prefix)) || strpbrk(next.p, " \"'\\\n\r"))
			logmsg(LOG_WARN, "trunk: %s: next page outside %s ignored", buf_str(&d), s->o->api_url);
		else if (!r || !s->o->max_jobs || r->selected < s->o->max_jobs)
			add_task(s, TK_JOBS, t->run_id, NULL, next.p);
		buf_free(&prefix);
	}
out:
	buf_free(&d);
	buf_free(&why);
	buf_free(&next);
}

static void
start_task(struct sched *s, struct task *t)
{
	t->started = 1;
	s->res->calls++;
	github_call(&s->gh, &t->call, t->target, t->kind == TK_JOBS, t->kind != TK_LOG);
	if (t->kind == TK_LOG) {
		logscan_init(&t->ls, on_hit, t);
		t->call.c.on_out = on_log_bytes;
		t->call.c.on_out_arg = t;
	} else {
		/* Lists are small; a list this large is not GitHub's. */
		t->call.c.out_limit = 64u * 1024 * 1024;
	}
	logmsg(LOG_DEBUG, "trunk: %s %s", t->call.argv[0], t->target);
	if (child_start(&t->call.c) < 0)
		finish_task(s, t);
}

int
trunk_collect(const struct trunk_opts *o, struct trunk_result *res)
{
	struct sched s = { .o = o, .res = res };
	struct buf why = { 0 }, path = { 0 };
	struct child **running = NULL;
	double t0 = now_seconds();
	int rc = 0;

	if (github_init(&s.gh, o->api_url, o->deadline, &why) < 0) {
		logmsg(LOG_WARN, "trunk: skipped: %s", buf_str(&why));
		buf_free(&why);
		return -1;
	}
	logmsg(LOG_DEBUG, "trunk: through %s", s.gh.use_gh ? "gh" : "curl and GITHUB_TOKEN");
	buf_printf(&path, "repos/%s/actions/workflows/%s/runs?branch=%s&status=completed&per_page=%d",
	    o->repo, o->workflow, o->branch, o->runs);
	add_task(&s, TK_RUNS, NULL, NULL, buf_str(&path));
	buf_free(&path);
	for (;;) {
		size_t nrun = 0;

		running = xrealloc(running, (s.n + 2) * sizeof *running);
		for (size_t i = 0; i < s.n; i++) {
			struct task *t = s.t[i];

			if (!t->started && nrun < (size_t)o->parallel && now_seconds() < o->deadline)
				start_task(&s, t);
			if (t->started && !t->done)
				running[nrun++] = &t->call.c;
		}
		if (nrun == 0)
			break;
		if (o->beside && !o->beside->reaped)
			running[nrun++] = o->beside;
		children_wait_any(running, nrun, o->deadline);
		for (size_t i = 0; i < s.n; i++) {
			struct task *t = s.t[i];

			if (t->started && !t->done && t->call.c.reaped)
				finish_task(&s, t);
		}
	}
	for (size_t i = 0; i < s.n; i++) {
		struct task *t = s.t[i];

		if (!t->started) {
			struct buf d = { 0 };

			describe_task(&s, t, &d);
			logmsg(LOG_WARN, "trunk: %s: not started before the time limit", buf_str(&d));
			buf_free(&d);
		}
		for (size_t h = 0; h < t->nhits; h++)
			free(t->hits[h].id);
		free(t->hits);
		free(t->target);
		github_call_free(&t->call);
		free(t);
	}
	if (s.rejected_ids > WARN_IDS)
		logmsg(LOG_WARN, "trunk: %u more ids rejected (not decimal digits)",
		    s.rejected_ids - WARN_IDS);
	free(s.t);
	free(s.runs);
	free(running);
	res->seconds = now_seconds() - t0;
	if (s.runs_failed)
		rc = -1;
	buf_free(&why);
	return rc;
}

void
trunk_result_free(struct trunk_result *res)
{
	for (size_t i = 0; i < res->n; i++)
		free(res->v[i].id);
	free(res->v);
	memset(res, 0, sizeof *res);
}
