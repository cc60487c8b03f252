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
 */
#include <stdlib.h>
#include <string.h>

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
};

static int
list_wanted(const struct run *r)
{
	return !r->cfg->no_disabled_list;
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
	if (l->failed)
		goto out;
	if (c->disabled_file) {
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
	    c->disabled_file ? "read" : "1 call", (now_seconds() - l->t0) * 1000);
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
	free(l);
	return rc;
}

const struct source source_list = { "disabled list", list_wanted, list_start, list_finish };
