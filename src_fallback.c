/*
 * The fallback: node ids from --fallback-file, else the built-in list
 * (fallback.h).  The pipeline asks it only when its rule (--fallback)
 * says so.  Each id is checked against the tests of this run: a stale
 * line naming a device-generic base class is replaced by its per-device
 * ids; another stale line is kept (a --deselect that matches nothing does
 * no harm), and every stale line is reported.
 */
#include <stdlib.h>
#include <string.h>

#include "fallback.h"
#include "file.h"
#include "pipeline.h"

#define SRC "fallback"
#define FALLBACK_MAX_BYTES (16u * 1024 * 1024)

static int
fallback_wanted(const struct run *r)
{
	return r->used_fallback;
}

static void *
fallback_start(struct run *r)
{
	(void)r;
	return NULL;
}

/* One line of a fallback file: "#" starts a comment at the start of a
 * line or after blanks; blanks around the id are dropped. */
static void
add_line(struct run *r, const char *p, const char *e, int line, struct strlist *ids)
{
	const char *h;

	for (h = p; h < e; h++)
		if (*h == '#' && (h == p || h[-1] == ' ' || h[-1] == '\t'))
			break;
	while (p < h && (*p == ' ' || *p == '\t'))
		p++;
	while (h > p && (h[-1] == ' ' || h[-1] == '\t' || h[-1] == '\r'))
		h--;
	if (h > p) {
		char *s = xstrndup(p, (size_t)(h - p));

		if (text_is_clean(s))
			strlist_add(ids, s);
		else
			diag_add(&r->diags, LOG_WARN, "", "fallback file %s:%d: line with control characters or invalid UTF-8 ignored",
			    r->cfg->fallback_file, line);
		free(s);
	}
}

static void
load(struct run *r, struct strlist *ids, const char **what)
{
	const struct config *c = r->cfg;
	struct buf src = { 0 }, why = { 0 };

	*what = "the built-in list";
	if (c->fallback_file) {
		if (read_file_limited(c->fallback_file, FALLBACK_MAX_BYTES, &src, &why) == 0) {
			const char *p = src.p, *end = src.p + src.len;
			int line = 0;

			*what = c->fallback_file;
			while (p < end) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				const char *e = nl ? nl : end;

				add_line(r, p, e, ++line, ids);
				p = e + 1;
			}
			buf_free(&src);
			buf_free(&why);
			return;
		}
		diag_add(&r->diags, LOG_WARN, "", "fallback file %s: %s; using the built-in list instead",
		    c->fallback_file, buf_str(&why));
		buf_free(&why);
	}
	for (size_t i = 0; fallback_list[i]; i++)
		strlist_add(ids, fallback_list[i]);
}

static long
fallback_finish(struct run *r, void *state)
{
	struct strlist ids = { 0 };
	struct reason rs = { .kind = RK_FALLBACK };
	const char *what;
	size_t added = 0;

	(void)state;
	load(r, &ids, &what);
	for (size_t i = 0; i < ids.n; i++) {
		struct strlist fixed = { 0 };
		struct buf why = { 0 };

		if (scope_check(&r->scope, ids.v[i], &fixed, &why)) {
			struct buf fx = { 0 };

			for (size_t f = 0; f < fixed.n; f++)
				buf_printf(&fx, "%s%s", f ? " " : "", fixed.v[f]);
			diag_add(&r->diags, LOG_WARN, SRC, "stale entry %s: %s%s%s", ids.v[i], buf_str(&why),
			    fixed.n ? "; using " : "", buf_str(&fx));
			buf_free(&fx);
		}
		/* A corrected id replaces the stale one; an uncorrectable one is
		 * kept.  Corrections are made of the tree's names: they pass
		 * the same check as every printed id (scope_check leaves out
		 * the others; this holds whatever it does). */
		if (fixed.n) {
			for (size_t f = 0; f < fixed.n; f++) {
				if (!text_is_clean(fixed.v[f]))
					continue;
				run_add_nodeid(r, fixed.v[f], &rs);
				added++;
			}
		} else {
			run_add_nodeid(r, ids.v[i], &rs);
			added++;
		}
		strlist_free(&fixed);
		buf_free(&why);
	}
	diag_add(&r->diags, LOG_INFO, SRC, "%zu node ids from %s", added, what);
	strlist_free(&ids);
	return (long)added;
}

const struct source source_fallback = { "fallback", fallback_wanted, fallback_start, fallback_finish };
