/*
 * The history sink (--history FILE, history.h): after each run, under a
 * lock on FILE.lock (fcntl; the lock file is left in place), FILE is read,
 * this run is recorded into it, and it is written back atomically (file.h):
 * concurrent runs take turns, and none loses another's update.  A damaged
 * FILE is said in one line, renamed to FILE.damaged-<unix time> (never
 * removed) and a new history is started; the run goes on.  A run whose
 * every source failed, or that printed the fallback list because they
 * found nothing (--fallback auto; a list published as {}), is a gap: the
 * history is read but not updated (the fallback list says nothing about
 * what upstream fixed).
 *
 * It runs first of the sinks: it sets each exclusion's `since` (the start
 * of its period, or the earlier start something else knew) for the sinks
 * after it.  With GITHUB_STEP_SUMMARY set, the report (history_report) is
 * appended there by its second sink, the last one; with --format markdown, the output sink prints it
 * (history_markdown).  Without --history, --format markdown reports on a
 * history of this run alone.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>

#include "file.h"
#include "history.h"
#include "pipeline.h"

#define SRC "history"
/* A history file larger than this is refused (not set aside). */
#define HISTORY_MAX_BYTES (1024u * 1024 * 1024)

/* The text a history was read from, let go with it. */
static void
text_done(void *text)
{
	blob_free(text);
	free(text);
}

struct parse_arg {
	struct history *h;
	const struct blob *bl;
	struct buf *why;
};

static long
parse_text(void *arg)
{
	struct parse_arg *a = arg;

	return history_parse_in(a->h, a->bl->p ? a->bl->p : "", a->bl->len, a->why);
}

int
history_load(struct history *h, const char *path, double deadline, struct diags *d)
{
	struct buf why = { 0 }, aside = { 0 }, suffix = { 0 };
	struct blob *bl = xmalloc(sizeof *bl);
	struct parse_arg arg = { h, bl, &why };
	struct stat st;
	long parsed;
	int rc = 0;

	memset(h, 0, sizeof *h);
	memset(bl, 0, sizeof *bl);
	if (stat(path, &st) < 0 && errno == ENOENT)
		goto out;
	/* A large file is mapped, not copied: the runs kept as read are
	 * written back from it (history.h), so it lives as long as h. */
	if (blob_load_until(bl, path, HISTORY_MAX_BYTES, deadline, &why) < 0) {
		diag_add_at(d, LOG_WARN, SRC, path, "cannot be read (%s): not updated", buf_str(&why));
		rc = -1;
		goto out;
	}
	parsed = file_guarded(bl, parse_text, &arg);
	if (parsed == 0) {
		h->text = bl;
		h->done = text_done;
		bl = NULL;
		goto out;
	}
	if (parsed == -2) {
		history_free(h);
		diag_add_at(d, LOG_WARN, SRC, path, "cannot be read (the file shrank while it was being read): not updated");
		rc = -1;
		goto out;
	}
	buf_printf(&suffix, ".damaged-%lld", wall_now());
	{
		struct buf why2 = { 0 };

		if (file_set_aside(path, buf_str(&suffix), &aside, &why2) == 0) {
			diag_add_at(d, LOG_WARN, SRC, path, "damaged (%s): kept as %s, a new history started",
			    shown(why.p, why.len, 0), buf_str(&aside));
		} else {
			diag_add_at(d, LOG_WARN, SRC, path, "damaged (%s) and cannot be set aside (%s): not updated",
			    shown(why.p, why.len, 0), buf_str(&why2));
			rc = -1;
		}
		buf_free(&why2);
	}
out:
	if (bl) {
		blob_free(bl);
		free(bl);
	}
	buf_free(&why);
	buf_free(&aside);
	buf_free(&suffix);
	return rc;
}

int
history_save(const struct history *h, const char *path, struct diags *d)
{
	struct buf head = { 0 }, tail = { 0 }, why = { 0 };
	struct file_piece v[3];
	int rc = 0;

	/* The runs kept as read go out as they are, not copied. */
	history_write_pieces(h, &head, &tail);
	v[0] = (struct file_piece){ head.p, head.len };
	v[1] = (struct file_piece){ h->raw, h->rawlen };
	v[2] = (struct file_piece){ tail.p, tail.len };
	if (file_write_atomic_pieces(path, v, 3, &why) < 0) {
		diag_add_at(d, LOG_WARN, SRC, path, "cannot be written: %s", buf_str(&why));
		rc = -1;
	}
	buf_free(&head);
	buf_free(&tail);
	buf_free(&why);
	return rc;
}

/* The name a history gives an exclusion: its node id; else (no test tree)
 * the first key a source gave; a gtest's Suite.Test; else Class.test. */
static void
identity(const struct excl *x, struct buf *out)
{
	out->len = 0;
	if (x->id) {
		buf_adds(out, x->id);
		return;
	}
	if (!x->is_gtest)
		for (size_t i = 0; i < x->nr; i++)
			if (x->r[i].key) {
				buf_adds(out, x->r[i].key);
				return;
			}
	buf_printf(out, "%s.%s", x->cls ? x->cls : "", x->name ? x->name : "");
}

/* The set as items; names and keys are kept in the lists. */
static struct hist_item *
items_of(const struct exclset *s, struct strlist *names, const char ***keys)
{
	struct hist_item *it = xmalloc((s->n + 1) * sizeof *it);
	size_t nkeys = 0, k = 0;
	struct buf b = { 0 };

	for (size_t i = 0; i < s->n; i++) {
		identity(&s->v[i], &b);
		strlist_add(names, buf_str(&b));
		nkeys += s->v[i].nr;
	}
	*keys = xmalloc((nkeys + 1) * sizeof **keys);
	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];

		memset(&it[i], 0, sizeof it[i]);
		it[i].test = names->v[i];
		it[i].since = x->since;
		it[i].keys = *keys + k;
		for (size_t j = 0; j < x->nr; j++) {
			const struct reason *rs = &x->r[j];

			it[i].kinds |= 1u << rs->kind;
			if (!it[i].issue && rs->issue)
				it[i].issue = rs->issue;
			if (!it[i].url && rs->url && rs->kind != RK_TRUNK)
				it[i].url = rs->url;
			if (rs->kind == RK_LIST && rs->key)
				(*keys)[k++] = rs->key;
		}
		it[i].nkeys = (size_t)(*keys + k - it[i].keys);
	}
	buf_free(&b);
	return it;
}

static int
cmp_ptest(const void *a, const void *b)
{
	return strcmp((*(const struct hist_period *const *)a)->test, (*(const struct hist_period *const *)b)->test);
}

/* Each exclusion's since: the earliest of what it had and its open
 * period's start. */
static void
set_since(struct exclset *s, const struct strlist *names, const struct history *h)
{
	const struct hist_period **open = xmalloc((h->np + 1) * sizeof *open);
	size_t n = 0;

	for (size_t i = 0; i < h->np; i++)
		if (!h->p[i].ended)
			open[n++] = &h->p[i];
	qsort(open, n, sizeof *open, cmp_ptest);
	for (size_t i = 0; i < s->n; i++) {
		struct hist_period key = { 0 };
		const struct hist_period *kp = &key, *const *at;
		long long st;

		key.test = names->v[i];
		at = bsearch(&kp, open, n, sizeof *open, cmp_ptest);
		if (!at || !(st = period_start(*at)))
			continue;
		if (!s->v[i].since || st < s->v[i].since)
			s->v[i].since = st;
	}
	free(open);
}

static int
history_wanted(const struct run *r)
{
	return r->cfg->history != NULL || r->cfg->format == FMT_MARKDOWN;
}

static int
history_emit(struct run *r)
{
	const struct config *c = r->cfg;
	struct history *h = xmalloc(sizeof *h);
	struct strlist names = { 0 };
	const char **keys = NULL;
	struct hist_item *items = items_of(&r->set, &names, &keys);
	struct buf lockname = { 0 }, why = { 0 };
	const char *plat = c->platform_text ? c->platform_text : "";
	long long now = wall_now();
	int rc = 0, fd;

	memset(h, 0, sizeof *h);
	r->history = h;
	if (!c->history) {
		/* --format markdown alone: a history of this run, for its
		 * report; it knows no start, so no since is set from it. */
		history_record(h, now, plat, items, r->set.n);
		goto out;
	}
	buf_printf(&lockname, "%s.lock", c->history);
	fd = file_lock(buf_str(&lockname), r->deadline, &why);
	if (fd < 0) {
		diag_add_at(&r->diags, LOG_WARN, SRC, c->history, "not updated: cannot lock %s",
		    buf_str(&why));
		rc = -1;
		goto done;
	}
	if (history_load(h, c->history, r->deadline, &r->diags) < 0) {
		rc = -1;
	} else if (r->sources_asked > 0 && r->sources_failed == r->sources_asked) {
		diag_add_at(&r->diags, LOG_WARN, SRC, c->history,
		    "not updated: every source failed (a gap, not \"everything fixed\")");
	} else if (r->used_fallback && c->fallback != FB_ALWAYS) {
		/* A list that was published empty ({} happens) is no news
		 * that everything was fixed. */
		diag_add_at(&r->diags, LOG_WARN, SRC, c->history,
		    "not updated: the sources found nothing and the fallback list was printed (a gap, not \"everything fixed\")");
	} else {
		long long n = history_record(h, now, plat, items, r->set.n);

		if (history_save(h, c->history, &r->diags) < 0)
			rc = -1;
		else
			diag_add_at(&r->diags, LOG_INFO, SRC, c->history, "run %lld recorded: %zu tests excluded, %zu periods",
			    n, r->set.n, h->np);
	}
	file_unlock(fd);
done:
	set_since(&r->set, &names, h);
out:
	free(items);
	free(keys);
	strlist_free(&names);
	buf_free(&lockname);
	buf_free(&why);
	return rc;
}

void
history_markdown(const struct run *r, struct buf *out)
{
	struct history empty = { 0 };

	history_report(r->history ? r->history : &empty, wall_now(), out);
}

void
history_run_free(struct run *r)
{
	if (r->history) {
		history_free(r->history);
		free(r->history);
		r->history = NULL;
	}
}

/* The second sink, after the job summary's: the history report appended
 * to GITHUB_STEP_SUMMARY. */
static int
report_wanted(const struct run *r)
{
	return r->cfg->history && r->history && r->cfg->step_summary && *r->cfg->step_summary;
}

static int
report_emit(struct run *r)
{
	struct buf rep = { 0 }, why = { 0 };
	int rc = 0;

	history_report(r->history, wall_now(), &rep);
	if (file_append(r->cfg->step_summary, rep.p, rep.len, &why) < 0) {
		diag_add(&r->diags, LOG_WARN, "", "cannot write the job summary %s", buf_str(&why));
		rc = -1;
	}
	buf_free(&rep);
	buf_free(&why);
	return rc;
}

const struct sink sink_history = { "history", history_wanted, history_emit };
const struct sink sink_history_report = { "history report", report_wanted, report_emit };
