/*
 * The published list: PyTorch's disabled-tests list, fetched with curl
 * (its download queued on the pool, so it overlaps the other sources'
 * waits) or read from a file, parsed in place (disabled.h), and each kept
 * entry mapped to the node ids of this run (scope.h).
 *
 * The platform policy lives here: an entry applies when its platforms are
 * empty or include one of this run's; names PyTorch does not know are
 * dropped, as PyTorch drops them, and said once each.
 *
 * With --format pytorch every well-formed entry is kept as well, whatever
 * its tests and platforms, in r->listed: the runtime file holds the whole
 * list, and PyTorch's harness does the matching.
 *
 * A fetched list goes through the cache (cache.h; not with --no-cache or
 * --disabled-file): a copy younger than --ttl is used without a request,
 * an older one is revalidated (a conditional GET: 304, no body), and after
 * a failed fetch a copy younger than --max-stale is used before the
 * fallback.  Then the guard against bad publishes: a list that is empty,
 * or has more than --max-drop percent fewer entries than the last-known-
 * good, is not trusted by itself; the last-known-good is used until the
 * drop has lasted --drop-grace (the cache remembers when it was first
 * seen) or --accept-drop says to trust it.
 */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "disabled.h"
#include "fetch.h"
#include "file.h"
#include "match.h"
#include "pipeline.h"

#define SRC "disabled list"
/* Past this many, in-scope entries without a node id are counted. */
#define WARN_UNMAPPED 10

/* What keep_entry() makes of an entry (its mark). */
enum {
	KEPT_MAP = 1,              /* about this run: mapped to node ids */
	KEPT_LISTED = 2            /* only for the runtime file */
};

struct list {
	struct run *r;
	struct fetch f;
	int queued;
	int failed;                /* could not even be asked (why said) */
	struct strlist unknown_platforms;
	long in_scope, other_platforms;
	double t0;
	/* the cache */
	char *cache_dir;           /* NULL: no cache */
	struct cache_entry last, good;
	int have_last, have_good;
	int hit;                   /* young enough: no request */
	int conditional;           /* validators sent */
};

static int
list_wanted(const struct run *r)
{
	return !r->cfg->no_disabled_list;
}


static long long
age_of(long long when)
{
	long long a = wall_now() - when;

	return a < 0 ? 0 : a;
}

static const char *
age(long long when, int slot)
{
	static char t[4][32];

	return cache_age_text(age_of(when), t[slot & 3], sizeof t[0]);
}

/* The cache folder, and the copies of the URL in it; a corrupt copy is
 * said and left out (the next good fetch replaces it). */
static void
cache_open(struct list *l)
{
	const struct config *c = l->r->cfg;
	struct buf dir = { 0 }, why = { 0 };
	int rc;

	if (c->no_cache)
		return;
	if (c->cache_dir)
		buf_adds(&dir, c->cache_dir);
	else if (cache_default_dir(&dir) < 0) {
		diag_add(&l->r->diags, c->offline ? LOG_WARN : LOG_INFO, SRC,
		    "no cache: neither --cache-dir nor EXCLUSIONS_CACHE_DIR, XDG_CACHE_HOME or HOME is set");
		buf_free(&dir);
		return;
	}
	l->cache_dir = xstrdup(buf_str(&dir));
	buf_free(&dir);
	/* The last-known-good's header only: its body is read when used. */
	rc = cache_peek(l->cache_dir, c->disabled_url, "good", &l->good, &why);
	if (rc < 0)
		diag_add(&l->r->diags, LOG_WARN, SRC, "cache: %s; ignored", buf_str(&why));
	l->have_good = rc > 0;
	why.len = 0;
	rc = cache_load(l->cache_dir, c->disabled_url, "last", c->max_bytes, &l->last, &why);
	if (rc < 0)
		diag_add(&l->r->diags, LOG_WARN, SRC, "cache: %s; ignored", buf_str(&why));
	l->have_last = rc > 0;
	/* A later revalidation of that copy (a 304) renews its age. */
	if (l->have_last) {
		struct cache_entry st;

		why.len = 0;
		rc = cache_peek(l->cache_dir, c->disabled_url, "seen", &st, &why);
		if (rc < 0)
			diag_add(&l->r->diags, LOG_WARN, SRC, "cache: %s; ignored", buf_str(&why));
		else if (rc > 0 && st.has_of && st.of == l->last.body_sum && st.fetched > l->last.fetched)
			l->last.fetched = st.fetched;
		if (rc > 0)
			cache_entry_free(&st);
	}
	buf_free(&why);
}

static void
cache_put(struct list *l, const char *kind, const struct cache_entry *e)
{
	struct buf why = { 0 };

	if (l->cache_dir && cache_store(l->cache_dir, kind, e, &why) < 0)
		diag_add(&l->r->diags, LOG_WARN, SRC, "cache: not written: %s", buf_str(&why));
	buf_free(&why);
}

static int
want_none(void *arg, const struct testkey *k)
{
	(void)arg;
	(void)k;
	return 0;
}

/* How many entries a fetched document has (a quick pass that keeps none),
 * or -1 with why when it is not a list at all. */
static long
count_entries(const struct buf *b, struct buf *why)
{
	struct diags quiet = { 0 };
	struct entries none = { 0 };
	long n = disabled_parse(b->p ? b->p : "", b->len, SRC, want_none, NULL, NULL, &none, why, &quiet);

	entries_free(&none);
	diags_free(&quiet);
	return n;
}

static void
entry_copy(struct cache_entry *to, const struct cache_entry *from)
{
	cache_entry_free(to);
	to->url = xstrdup(from->url);
	to->etag = from->etag ? xstrdup(from->etag) : NULL;
	to->last_modified = from->last_modified ? xstrdup(from->last_modified) : NULL;
	to->fetched = from->fetched;
	to->entries = from->entries;
	to->drop_since = from->drop_since;
	buf_add(&to->body, from->body.p ? from->body.p : "", from->body.len);
	to->length = from->length;
	to->body_sum = from->body_sum;
	to->body_loaded = 1;
}

/* By the body-sums: the last-known-good's body may not be read. */
static int
same_body(const struct cache_entry *a, const struct cache_entry *b)
{
	return a->length == b->length && a->body_sum == b->body_sum;
}

/* The last-known-good's body, read now that it is used.  Returns 0, or -1
 * (said why) when it cannot be. */
static int
good_body(struct list *l)
{
	struct cache_entry full;
	struct buf why = { 0 };
	int rc;

	if (l->good.body_loaded)
		return 0;
	rc = cache_load(l->cache_dir, l->r->cfg->disabled_url, "good", l->r->cfg->max_bytes, &full, &why);
	if (rc <= 0 || !same_body(&full, &l->good)) {
		diag_add(&l->r->diags, LOG_WARN, SRC, "cache: the last-known-good cannot be read: %s",
		    rc < 0 ? buf_str(&why) : "gone, or replaced meanwhile");
		if (rc > 0)
			cache_entry_free(&full);
		buf_free(&why);
		return -1;
	}
	cache_entry_free(&l->good);
	l->good = full;
	buf_free(&why);
	return 0;
}

/* The guard: l->last is the list at hand (fetched now, or cached), l->good
 * the last-known-good.  Returns which to use; updates both copies on disk
 * as the decision requires (last_dirty: l->last must be written anyway). */
static struct cache_entry *
guard(struct list *l, int last_dirty)
{
	const struct config *c = l->r->cfg;
	struct cache_entry *L = &l->last, *G = &l->good;
	long long now = wall_now();
	long n = L->entries, g = G->entries, pct;
	int bad, accept = 0;

	if (!l->have_good || same_body(L, G) || g <= 0) {
		if (L->drop_since) {
			L->drop_since = 0;
			last_dirty = 1;
		}
		goto trust;
	}
	pct = n < g ? (long)((g - n) * 100 / g) : 0;
	bad = n == 0 || (n < g && (long long)(g - n) * 100 > (long long)c->max_drop * g);
	if (!bad) {
		if (L->drop_since) {
			L->drop_since = 0;
			last_dirty = 1;
		}
		goto trust;
	}
	if (!L->drop_since) {
		L->drop_since = now;
		last_dirty = 1;
	}
	if (c->accept_drop) {
		diag_add(&l->r->diags, LOG_WARN, SRC,
		    "the list dropped from %ld to %ld entries (%ld%%); trusted: --accept-drop", g, n, pct);
		accept = 1;
	} else if (now - L->drop_since >= c->drop_grace) {
		diag_add(&l->r->diags, LOG_WARN, SRC,
		    "the list dropped from %ld to %ld entries (%ld%%); trusted: the drop has lasted %s, past --drop-grace",
		    g, n, pct, age(L->drop_since, 0));
		accept = 1;
	}
	if (!accept && good_body(l) < 0) {
		diag_add(&l->r->diags, LOG_WARN, SRC, "so the list at hand is used, drop and all");
		accept = 1;
	}
	if (accept) {
		L->drop_since = 0;
		last_dirty = 1;
		goto trust;
	}
	diag_add(&l->r->diags, LOG_WARN, SRC,
	    "%s: %ld entries, down from %ld in the last-known-good (%ld%% dropped, more than --max-drop %d%%): "
	    "not trusted yet; the last-known-good list (fetched %s ago) is used until the drop has lasted "
	    "--drop-grace (first seen %s ago) or with --accept-drop",
	    n == 0 ? "the list is empty" : "the list dropped", n, g, pct, c->max_drop,
	    age(G->fetched, 0), age(L->drop_since, 1));
	if (last_dirty)
		cache_put(l, "last", L);
	return G;
trust:
	if (last_dirty)
		cache_put(l, "last", L);
	if (!l->have_good || !same_body(L, G)) {
		entry_copy(G, L);
		l->have_good = 1;
		cache_put(l, "good", G);
	}
	return L;
}

/* The list to read, with the cache: into doc.  Returns 0, or -1 when
 * there is none (said why). */
static int
cache_obtain(struct list *l, struct blob *doc)
{
	struct run *r = l->r;
	const struct config *c = r->cfg;
	const char *url = c->disabled_url, *where = shown(url, strlen(url), 2);
	struct buf body = { 0 }, why = { 0 };
	struct fetch_meta m = { 0 };
	struct cache_entry *use;
	int dirty = 0;

	if (c->offline || l->hit) {
		/* No last fetch (say, it was damaged): the last-known-good. */
		if (!l->have_last && l->have_good && good_body(l) == 0) {
			diag_add(&r->diags, LOG_INFO, SRC, "the last-known-good, fetched %s ago (--offline): no request",
			    age(l->good.fetched, 0));
			blob_from_buf(doc, &l->good.body);
			return 0;
		}
		if (!l->have_last) {
			diag_add_at(&r->diags, LOG_WARN, SRC, where, "--offline, and no cached copy in %s",
			    l->cache_dir ? l->cache_dir : "(no cache folder)");
			return -1;
		}
		diag_add(&r->diags, LOG_INFO, SRC, "the cached copy, fetched %s ago%s: no request", age(l->last.fetched, 0),
		    c->offline ? " (--offline)" : ", younger than --ttl");
		goto decide;
	}
	if (l->failed)
		goto failed_quiet;
	if (fetch_result(&l->f, &body, &why) < 0)
		goto failed;
	if (fetch_meta_parse(body.p ? body.p : "", body.len, &m) < 0) {
		buf_printf(&why, "no HTTP header in curl's output");
		goto failed;
	}
	if (m.status == 304 && l->conditional) {
		/* Renewed by a stamp: a few lines, not the whole list again. */
		struct cache_entry st;

		memset(&st, 0, sizeof st);
		l->last.fetched = wall_now();
		st.url = l->last.url;
		st.fetched = l->last.fetched;
		st.entries = l->last.entries;
		st.has_of = 1;
		st.of = l->last.body_sum;
		cache_put(l, "seen", &st);
		diag_add(&r->diags, LOG_INFO, SRC, "not modified (304): the cached copy is used");
		goto decide;
	}
	if (m.status < 200 || m.status > 299) {
		buf_printf(&why, "HTTP status %d", m.status);
		goto failed;
	}
	/* The body alone, then counted: a document that is not a list is a
	 * failed fetch, and never cached. */
	memmove(body.p, body.p + m.body_off, body.len - m.body_off);
	body.len -= m.body_off;
	{
		long n = count_entries(&body, &why);
		long long since = l->have_last ? l->last.drop_since : 0;

		if (n < 0)
			goto failed;
		cache_entry_free(&l->last);
		l->last.url = xstrdup(url);
		l->last.fetched = wall_now();
		l->last.etag = m.etag;
		l->last.last_modified = m.last_modified;
		m.etag = m.last_modified = NULL;
		l->last.entries = n;
		l->last.drop_since = since;
		l->last.length = body.len;
		l->last.body_sum = cache_body_sum(body.p, body.len);
		l->last.body_loaded = 1;
		l->last.body = body;
		body = (struct buf){ 0 };
		l->have_last = 1;
		dirty = 1;
	}
decide:
	use = guard(l, dirty);
	blob_from_buf(doc, &use->body);
	fetch_meta_free(&m);
	buf_free(&why);
	buf_free(&body);        /* a 304's headers; a list's body was moved out */
	return 0;
failed:
	diag_add_at(&r->diags, LOG_WARN, SRC, where, "%s", buf_str(&why));
failed_quiet:
	fetch_meta_free(&m);
	buf_free(&why);
	buf_free(&body);
	if (l->have_last && age_of(l->last.fetched) <= c->max_stale) {
		diag_add(&r->diags, LOG_WARN, SRC, "the fetch failed: the cached copy, fetched %s ago, is used (--max-stale %s)",
		    age(l->last.fetched, 0), cache_age_text(c->max_stale, (char[32]){ 0 }, 32));
		dirty = 0;
		goto decide;
	}
	if (l->have_last)
		diag_add(&r->diags, LOG_WARN, SRC, "the cached copy, fetched %s ago, is older than --max-stale: not used",
		    age(l->last.fetched, 0));
	return -1;
}

static void *
list_start(struct run *r)
{
	const struct config *c = r->cfg;
	struct list *l = xmalloc(sizeof *l);
	struct fetch_req req = { 0 };
	struct buf why = { 0 };

	memset(l, 0, sizeof *l);
	l->r = r;
	l->t0 = now_seconds();
	if (c->disabled_file)
		return l;
	cache_open(l);
	if (c->offline) {
		if (!l->cache_dir) {
			diag_add(&r->diags, LOG_WARN, SRC, "--offline, and no cache folder: no list");
			l->failed = 1;
		}
		return l;
	}
	if (l->have_last && !c->refresh && age_of(l->last.fetched) < c->ttl) {
		l->hit = 1;
		return l;
	}
	if (l->cache_dir) {
		req.headers = 1;
		if (l->have_last) {
			req.if_none_match = l->last.etag;
			req.if_modified_since = l->last.last_modified;
			l->conditional = l->last.etag || l->last.last_modified;
		}
	}
	req.url = c->disabled_url;
	req.deadline = r->deadline;
	req.max_bytes = c->max_bytes;
	req.retries = c->retries;
	req.follow = 1;
	req.fail_on_http_error = 1;
	if (fetch_prepare(&l->f, &req, &why) < 0) {
		diag_add_at(&r->diags, LOG_WARN, SRC, shown(c->disabled_url, strlen(c->disabled_url), 0), "%s",
		    buf_str(&why));
		l->failed = 1;
	} else {
		childq_add(&r->pool, &l->f.c);
		l->queued = 1;
	}
	buf_free(&why);
	return l;
}

static int
want_entry(void *arg, const struct testkey *k)
{
	struct list *l = arg;

	return l->r->cfg->format == FMT_PYTORCH || scope_has(&l->r->scope, k);
}

/* The platforms of v that PyTorch knows, each once, into plat; their
 * bits.  PyTorch drops the names it does not know; we say so (once each,
 * at the end). */
static unsigned
known_platforms(struct list *l, const struct entry_view *v, struct buf *plat)
{
	unsigned mask = 0;

	for (size_t i = 0; i < v->nplatforms; i++) {
		unsigned bit = platform_bit(v->platforms[i], v->platform_lens[i]);

		if (!bit) {
			strlist_addn(&l->unknown_platforms, v->platforms[i], v->platform_lens[i]);
			continue;
		}
		if (!(mask & bit)) {
			if (plat->len)
				buf_addc(plat, ',');
			buf_add(plat, v->platforms[i], v->platform_lens[i]);
		}
		mask |= bit;
	}
	return mask;
}

static int
keep_entry(void *arg, const struct entry_view *v, struct buf *plat)
{
	struct list *l = arg;
	int all = l->r->cfg->format == FMT_PYTORCH;
	unsigned mask = known_platforms(l, v, plat);

	if (all && !scope_has(&l->r->scope, &v->k))
		return KEPT_LISTED;
	l->in_scope++;
	/* No known platform left: the entry applies everywhere. */
	if (mask && !(mask & l->r->cfg->platforms)) {
		l->other_platforms++;
		diag_add(&l->r->diags, LOG_DEBUG, SRC, "%s: only for %s", shown(v->key, v->key_len, 0),
		    buf_str(plat));
		return all ? KEPT_LISTED : 0;
	}
	return KEPT_MAP;
}

/* What file_guarded runs: the parse of a (maybe mapped) document. */
struct parse_job {
	struct list *l;
	const struct blob *doc;
	struct entries *ents;
	long well_formed;
	struct buf *why;
};

static long
parse_doc(void *arg)
{
	struct parse_job *j = arg;

	return disabled_parse_counted(j->doc->p, j->doc->len, SRC, want_entry, keep_entry, j->l,
	    j->ents, &j->well_formed, j->why, &j->l->r->diags);
}

/* Each kept entry as the node ids of this run. */
static size_t
map_entries(struct list *l, const struct entries *ents)
{
	struct run *r = l->r;
	struct buf why = { 0 }, note = { 0 };
	unsigned unmapped = 0;
	size_t added = 0;

	for (size_t i = 0; i < ents->n; i++) {
		const struct entry *e = &ents->v[i];
		struct strlist ids = { 0 };
		/* A runtime entry whose URL names no issue has none. */
		struct reason rs = { .kind = RK_LIST, .key = e->key, .issue = *e->issue ? e->issue : NULL,
			.url = e->url, .platforms = e->platforms };
		const char *issue = *e->issue ? e->issue : "unknown";

		enum map_status st;

		if (e->mark != KEPT_MAP)
			continue;
		why.len = 0;
		note.len = 0;
		if (scope_map_ex(&r->scope, &e->k, &ids, &why, &st, &note) == 0) {
			/* The runtime file needs no node id: PyTorch's harness
			 * matches the entry itself. */
			if (r->cfg->format == FMT_PYTORCH)
				diag_add(&r->diags, LOG_DEBUG, SRC, "%s (issue %s) is in scope but has no node id: %s",
				    e->key, issue, buf_str(&why));
			else if (r->cfg->log_level >= LOG_DEBUG)
				diag_add(&r->diags, LOG_WARN, SRC, "%s (issue %s) is in scope but has no node id: %s",
				    e->key, issue, buf_str(&why));
			else
				diag_limited(&r->diags, &unmapped, WARN_UNMAPPED, LOG_WARN, SRC,
				    "%s (issue %s) is in scope but has no node id: %s", e->key, issue,
				    buf_str(&why));
			/* With the tests at hand we know it matches nothing;
			 * without, the keyword form can still name it. */
			if (r->scope.tree || r->scope.collected)
				run_add_unmatched(r, e->key, rs.issue, e->url, e->platforms, buf_str(&why),
				    st == MAP_UNNAMED);
			if (!r->scope.tree && !r->scope.collected) {
				char *cls = xstrndup(e->k.cls, e->k.cls_len);
				char *name = xstrndup(e->k.name, e->k.name_len);

				exclset_add(&r->set, NULL, cls, name, &rs);
				free(cls);
				free(name);
			}
			continue;
		}
		for (size_t j = 0; j < ids.n; j++) {
			if (!text_is_clean(ids.v[j])) {
				diag_add(&r->diags, LOG_WARN, SRC, "%s: node id with control characters left out", e->key);
				continue;
			}
			run_add_nodeid(r, ids.v[j], &rs);
			added++;
			diag_add(&r->diags, LOG_DEBUG, SRC, "%s -> %s", e->key, ids.v[j]);
		}
		if (note.len)
			diag_add(&r->diags, LOG_DEBUG, SRC, "%s: %s", e->key, note.p);
		strlist_free(&ids);
	}
	if (unmapped > WARN_UNMAPPED)
		diag_add(&r->diags, LOG_WARN, SRC, "%u more in-scope entries without a node id (-v lists them)",
		    unmapped - WARN_UNMAPPED);
	buf_free(&why);
	buf_free(&note);
	return added;
}

static long
list_finish(struct run *r, void *state)
{
	struct list *l = state;
	const struct config *c = r->cfg;
	const char *where = c->disabled_file ? c->disabled_file : c->disabled_url;
	struct buf body = { 0 }, why = { 0 };
	struct entries ents = { 0 };
	struct blob doc;
	struct parse_job job = { l, &doc, &ents, 0, &why };
	long seen = -1, rc = -1;
	size_t added;
	int got;

	memset(&doc, 0, sizeof doc);
	/* Time spent on the list itself: its download, then its parse. */
	l->t0 = now_seconds() - (c->disabled_file ? 0 : l->f.c.seconds);
	if (l->cache_dir) {
		if (cache_obtain(l, &doc) < 0)
			goto out;
		got = 0;
	} else if (l->failed) {
		goto out;
	} else if (c->disabled_file) {
		got = blob_load_file(&doc, c->disabled_file, c->max_bytes, &why);
	} else {
		got = fetch_result(&l->f, &body, &why);
		blob_from_buf(&doc, &body);
	}
	if (got < 0) {
		diag_add_at(&r->diags, LOG_WARN, SRC, shown(where, strlen(where), 0), "%s", buf_str(&why));
		goto out;
	}
	seen = file_guarded(&doc, parse_doc, &job);
	if (seen == -2) {
		why.len = 0;
		buf_printf(&why, "the file shrank while it was being read");
		seen = -1;
	}
	strlist_sort_uniq(&l->unknown_platforms);
	for (size_t i = 0; i < l->unknown_platforms.n; i++)
		diag_add(&r->diags, LOG_WARN, SRC, "unknown platform \"%s\" ignored, as PyTorch does",
		    shown(l->unknown_platforms.v[i], strlen(l->unknown_platforms.v[i]), 0));
	if (seen < 0) {
		diag_add_at(&r->diags, LOG_WARN, SRC, shown(where, strlen(where), 0), "%s", buf_str(&why));
		goto out;
	}
	/* Entries, and not one of them readable: that is a broken list (a
	 * changed format, say), not a list that found nothing. */
	if (seen > 0 && job.well_formed == 0) {
		diag_add_at(&r->diags, LOG_WARN, SRC, shown(where, strlen(where), 0),
		    "none of its %ld entries is well-formed", seen);
		goto out;
	}
	/* --explain reads it again for the entries that name its test but
	 * exclude nothing: the run's copy, not a second download. */
	if (c->explain && !r->list_doc.p && !r->list_doc.map) {
		r->list_doc = doc;
		memset(&doc, 0, sizeof doc);
	}
	added = map_entries(l, &ents);
	diag_add(&r->diags, LOG_INFO, SRC,
	    "%ld entries, %ld about tests of this run, %ld for other platforms; %zu node ids%s; %s in %.0f ms",
	    seen, l->in_scope, l->other_platforms, added,
	    c->format == FMT_PYTORCH ? "; every well-formed entry kept for --format pytorch" : "",
	    c->disabled_file ? "read" : l->hit || c->offline ? "no call" : "1 call", (now_seconds() - l->t0) * 1000);
	rc = (long)added;
	/* The runtime file holds them all: that is what this source found. */
	if (c->format == FMT_PYTORCH) {
		rc = (long)ents.n;
		r->listed = ents;
		memset(&ents, 0, sizeof ents);
	}
out:
	blob_free(&doc);
	entries_free(&ents);
	buf_free(&why);
	buf_free(&body);
	fetch_free(&l->f);
	strlist_free(&l->unknown_platforms);
	cache_entry_free(&l->last);
	cache_entry_free(&l->good);
	free(l->cache_dir);
	free(l);
	return rc;
}

const struct source source_list = { "disabled list", list_wanted, list_start, list_finish };
