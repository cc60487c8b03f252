/*
 * Hand-kept lists (--extra FILE, repeatable): the tests a CI keeps out
 * for reasons the upstream list lacks, as Kineto's DESELECTED_TESTS
 * arrays do, one a line with its issue URL and platforms (handlist.h).
 * Always applied, whatever the other sources did; the fallback rule does
 * not count them.  Every line is checked against the tests of this run
 * as the fallback's are: a stale line is reported, with its corrected
 * node ids when there are some.
 */
#include <stdlib.h>
#include <string.h>

#include "handlist.h"
#include "pipeline.h"

#define SRC "extra"
#define EXTRA_MAX_BYTES (16u * 1024 * 1024)

static int
extra_wanted(const struct run *r)
{
	return r->cfg->extra.n > 0;
}

static void *
extra_start(struct run *r)
{
	(void)r;
	return NULL;
}

static long
extra_finish(struct run *r, void *state)
{
	const struct strlist *files = &r->cfg->extra;
	size_t added = 0, lines = 0;
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < files->n; i++) {
		struct hand_list l = { 0 };
		struct buf why = { 0 };

		if (hand_file_read(files->v[i], EXTRA_MAX_BYTES, SRC, &l, &r->diags, &why) < 0) {
			diag_add_at(&r->diags, LOG_WARN, SRC, shown(files->v[i], strlen(files->v[i]), 0), "%s",
			    buf_str(&why));
			failed++;
		}
		for (size_t j = 0; j < l.n; j++)
			added += hand_line_apply(r, SRC, RK_EXTRA, &l.v[j]);
		lines += l.n;
		hand_list_free(&l);
		buf_free(&why);
	}
	diag_add(&r->diags, LOG_INFO, SRC, "%zu lines from %zu %s: %zu exclusions", lines, files->n,
	    files->n == 1 ? "file" : "files", added);
	return failed == (int)files->n ? -1 : (long)added;
}

const struct source source_extra = { "extra", extra_wanted, extra_start, extra_finish };
