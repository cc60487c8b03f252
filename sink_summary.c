/*
 * The job-summary sink (--summary FILE): a Markdown report appended to
 * FILE, as GitHub wants GITHUB_STEP_SUMMARY written.  A heading with the
 * counts; a table of what is excluded (the test, its sources, the issue or
 * run behind it), cut at SUMMARY_MAX_ROWS; what was re-enabled or kept and
 * by which words (reenable.h's records); the run's warnings, stale lines
 * among them.
 *
 * Every text in it may come from the network (keys, URLs, log lines):
 * each goes through summary_escape(), which leaves nothing Markdown or
 * HTML would read as markup, and a link is written only for a plain
 * http(s) URL.
 */
#include <string.h>

#include "file.h"
#include "pipeline.h"
#include "reenable.h"

/* A cell or a line holds at most this many bytes of its text. */
#define MAX_TEXT 300
/* Links in one cell, at most; the rest are counted. */
#define MAX_LINKS 5
#define MAX_WARNINGS 50
#define MAX_URL 2000

void
summary_escape(struct buf *out, const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		unsigned char c = (unsigned char)*s;

		/* Cut only before a character, never inside one. */
		if (n >= MAX_TEXT && (c & 0xc0) != 0x80) {
			buf_adds(out, "\xe2\x80\xa6");
			return;
		}
		if (c < 0x20 || c == 0x7f) {
			/* A newline would end the table row; other controls
			 * have no business in a report. */
			buf_addc(out, ' ');
		} else if (strchr("\\`*_[]<>&|~$!#", c)) {
			/* CommonMark's escape: the punctuation is itself,
			 * never markup, an entity, HTML or a cell's end. */
			buf_addc(out, '\\');
			buf_addc(out, (char)c);
		} else {
			buf_addc(out, (char)c);
		}
	}
}

/* May url be a link's target?  http(s), with a host, nothing that could
 * end the link or the cell, nothing to decode. */
static int
url_ok(const char *url)
{
	const char *rest;
	size_t n;

	if (!url)
		return 0;
	rest = starts_with(url, "https://") ? url + 8 : starts_with(url, "http://") ? url + 7 : NULL;
	n = strlen(url);
	if (!rest || !*rest || *rest == '/' || n > MAX_URL)
		return 0;
	for (const char *p = url; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~:/?#@=+,;%", c)))
			return 0;
	}
	return 1;
}

/* [text](url), or the text alone when url may not be a link. */
static void
link_to(struct buf *out, const char *text, const char *url)
{
	if (!url_ok(url)) {
		summary_escape(out, text);
		return;
	}
	buf_addc(out, '[');
	summary_escape(out, text);
	buf_printf(out, "](%s)", url);
}

/* What a reason points to: the issue (linked), or the run, or "". */
static void
reason_ref(struct buf *out, const struct reason *rs)
{
	struct buf t = { 0 };

	if (rs->issue && all_digits(rs->issue, strlen(rs->issue), 20))
		buf_printf(&t, "#%s", rs->issue);
	else if (rs->run_id && all_digits(rs->run_id, strlen(rs->run_id), 20))
		buf_printf(&t, "run %s", rs->run_id);
	else if (rs->url && url_ok(rs->url))
		buf_adds(&t, rs->kind == RK_TRUNK ? "run" : "issue");
	if (t.len)
		link_to(out, buf_str(&t), rs->url);
	buf_free(&t);
}

static void
table_row(struct buf *out, const struct excl *x)
{
	struct strlist refs = { 0 };
	struct buf one = { 0 }, key = { 0 };
	unsigned kinds = 0;
	const char *test = x->id;

	/* Without a node id (no test tree) the test is its key; a C++ test
	 * its gtest name. */
	for (size_t i = 0; i < x->nr && !test && !x->is_gtest; i++)
		test = x->r[i].key;
	if (!test) {
		buf_printf(&key, "%s.%s", x->cls, x->name);
		test = buf_str(&key);
	}
	buf_adds(out, "| <code>");
	summary_escape(out, test);
	buf_adds(out, x->is_gtest ? "</code> (gtest) | " : "</code> | ");
	for (size_t i = 0; i < x->nr; i++) {
		unsigned bit = 1u << (x->r[i].kind % 32);

		if (!(kinds & bit))
			buf_printf(out, "%s%s", kinds ? ", " : "", reason_kind_name(x->r[i].kind));
		kinds |= bit;
		/* The same issue or run behind two keys is said once. */
		one.len = 0;
		reason_ref(&one, &x->r[i]);
		if (one.len && !strlist_has(&refs, buf_str(&one)))
			strlist_add(&refs, one.p);
	}
	buf_adds(out, " | ");
	for (size_t i = 0; i < refs.n && i < MAX_LINKS; i++)
		buf_printf(out, "%s%s", i ? ", " : "", refs.v[i]);
	if (refs.n > MAX_LINKS)
		buf_printf(out, " and %zu more", refs.n - MAX_LINKS);
	buf_adds(out, " |\n");
	strlist_free(&refs);
	buf_free(&one);
	buf_free(&key);
}

/* One record as a list item. */
static void
diag_item(struct buf *out, const struct diag *d)
{
	buf_adds(out, "- ");
	if (d->source[0] || d->where) {
		buf_adds(out, "**");
		summary_escape(out, d->source);
		if (d->where) {
			buf_adds(out, d->source[0] ? " " : "");
			summary_escape(out, d->where);
		}
		buf_adds(out, "**: ");
	}
	summary_escape(out, d->text);
	buf_addc(out, '\n');
}

static int
is_reenabling(const struct diag *d)
{
	return d->level == LOG_INFO && (strcmp(d->source, REENABLE_DIAG_SOURCE) == 0 ||
	    strcmp(d->source, KEEP_DIAG_SOURCE) == 0);
}

void
summary_render(const struct run *r, struct buf *out)
{
	size_t nre = 0, nwarn = diag_count(&r->diags, LOG_WARN), k;

	buf_printf(out, "### exclusions: %zu %s excluded\n\n", r->set.n, r->set.n == 1 ? "test" : "tests");
	for (int kind = 0; kind < RK_KINDS; kind++) {
		size_t n = exclset_count(&r->set, (enum reason_kind)kind);

		/* The kinds after the first four, only when the run has some. */
		if (kind > RK_EXTRA && n == 0)
			continue;
		buf_printf(out, "%s%s: %zu", kind ? " · " : "", reason_kind_name((enum reason_kind)kind), n);
	}
	for (size_t i = 0; i < r->diags.n; i++)
		nre += is_reenabling(&r->diags.v[i]);
	buf_printf(out, " · re-enabled or kept: %zu · warnings: %zu\n\n", nre, nwarn);
	if (r->cfg->format == FMT_PYTORCH)
		buf_printf(out, "PyTorch's runtime file: %zu %s.\n\n", r->printed,
		    r->printed == 1 ? "entry" : "entries");
	if (r->used_fallback)
		buf_adds(out, "The sources failed or found nothing: this is the fallback list.\n\n");
	if (r->set.n) {
		buf_adds(out, "| test | source | issue or run |\n|---|---|---|\n");
		for (k = 0; k < r->set.n && k < SUMMARY_MAX_ROWS; k++)
			table_row(out, &r->set.v[k]);
		if (r->set.n > k)
			buf_printf(out, "\nand %zu more (all of them: `--format json`).\n", r->set.n - k);
		buf_addc(out, '\n');
	}
	if (nre) {
		buf_adds(out, "#### Re-enabled or kept\n\n");
		for (size_t i = 0; i < r->diags.n; i++)
			if (is_reenabling(&r->diags.v[i]))
				diag_item(out, &r->diags.v[i]);
		buf_addc(out, '\n');
	}
	if (nwarn) {
		buf_adds(out, "#### Warnings and stale lines\n\n");
		k = 0;
		for (size_t i = 0; i < r->diags.n; i++)
			if (r->diags.v[i].level == LOG_WARN && k++ < MAX_WARNINGS)
				diag_item(out, &r->diags.v[i]);
		if (k > MAX_WARNINGS)
			buf_printf(out, "- and %zu more (on stderr)\n", k - MAX_WARNINGS);
		buf_addc(out, '\n');
	}
}

static int
summary_wanted(const struct run *r)
{
	return r->cfg->summary != NULL;
}

static int
summary_emit(struct run *r)
{
	struct buf out = { 0 }, why = { 0 };
	int rc = 0;

	summary_render(r, &out);
	if (file_append(r->cfg->summary, out.p, out.len, &why) < 0) {
		diag_add(&r->diags, LOG_WARN, "", "cannot write the job summary %s", shown(why.p, why.len, 0));
		rc = -1;
	}
	buf_free(&out);
	buf_free(&why);
	return rc;
}

const struct sink sink_summary = { "summary", summary_wanted, summary_emit };

void
summary_link(struct buf *out, const char *text, const char *url)
{
	link_to(out, text, url);
}
