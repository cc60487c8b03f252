/*
 * The output sink: the set in the chosen form (output.h) on stdout or in
 * -o FILE, written in one piece (file.h), and the collateral report of
 * --collected (which tests the printed prefixes remove besides).
 */
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "output.h"
#include "pipeline.h"

static int
output_wanted(const struct run *r)
{
	(void)r;
	return 1;
}

static int
output_emit(struct run *r)
{
	struct strlist printed = { 0 };
	struct buf out = { 0 }, why = { 0 };
	int rc = 0;

	if (r->cfg->format == FMT_MARKDOWN) {
		/* The history report (sink_history.c). */
		history_markdown(r, &out);
		r->printed = r->set.n;
	} else if (r->cfg->format == FMT_PYTORCH) {
		/* PyTorch's harness skips by key: no --deselect prefixes. */
		r->printed = output_pytorch(&r->set, &r->listed, &out, &r->diags);
	} else if (r->cfg->format == FMT_GTEST) {
		/* C++ tests only: no node ids, no prefixes. */
		r->printed = output_gtest(&r->set, r->cfg->gtest_base, &out);
	} else {
		for (size_t i = 0; i < r->set.n; i++)
			if (r->set.v[i].id)
				strlist_add(&printed, r->set.v[i].id);
		scope_collateral(&r->scope, &printed, &r->diags);
		r->printed = output_render_unmatched(&r->set, r->cfg->format, r->unmatched, r->nunmatched,
		    &out, &r->diags);
	}
	if (file_write_atomic(r->cfg->output, out.p, out.len, &why) < 0) {
		diag_add(&r->diags, LOG_WARN, "", "cannot write the result: %s", buf_str(&why));
		rc = -1;
	} else if (r->cfg->format == FMT_PYTORCH) {
		diag_add(&r->diags, LOG_INFO, "", "%zu entries of PyTorch's runtime file printed", r->printed);
	} else {
		diag_add(&r->diags, LOG_INFO, "", "%zu exclusions printed", r->printed);
	}
	strlist_free(&printed);
	buf_free(&out);
	buf_free(&why);
	return rc;
}

const struct sink sink_output = { "output", output_wanted, output_emit };
