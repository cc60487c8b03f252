/*
 * The fallback: node ids from --fallback-file, else the built-in list
 * (fallback.h), in the syntax of every hand-kept list (handlist.h).  The
 * pipeline asks it only when its rule (--fallback) says so.  Each line is
 * checked against the tests of this run (hand_line_apply): a stale line
 * naming a device-generic base class is replaced by its per-device ids;
 * another stale line is kept (a --deselect that matches nothing does no
 * harm), and every stale line is reported.
 */
#include <stdlib.h>
#include <string.h>

#include "fallback.h"
#include "handlist.h"
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

/* The lines of --fallback-file, else of the built-in list; what they
 * came from into *what. */
static void
load(struct run *r, struct hand_list *l, const char **what)
{
	const struct config *c = r->cfg;
	struct buf why = { 0 };

	*what = "the built-in list";
	if (c->fallback_file) {
		if (hand_file_read(c->fallback_file, FALLBACK_MAX_BYTES, SRC, l, &r->diags, &why) == 0) {
			*what = c->fallback_file;
			buf_free(&why);
			return;
		}
		diag_add(&r->diags, LOG_WARN, "", "fallback file %s: %s; using the built-in list instead",
		    c->fallback_file, buf_str(&why));
		buf_free(&why);
	}
	for (size_t i = 0; fallback_list[i]; i++)
		hand_list_add_text(l, fallback_list[i]);
}

static long
fallback_finish(struct run *r, void *state)
{
	struct hand_list l = { 0 };
	const char *what;
	size_t added = 0;

	(void)state;
	load(r, &l, &what);
	for (size_t i = 0; i < l.n; i++)
		added += hand_line_apply(r, SRC, RK_FALLBACK, &l.v[i]);
	diag_add(&r->diags, LOG_INFO, SRC, "%zu node ids from %s", added, what);
	hand_list_free(&l);
	return (long)added;
}

const struct source source_fallback = { "fallback", fallback_wanted, fallback_start, fallback_finish };
