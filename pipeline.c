#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "collect.h"
#include "file.h"
#include "reenable.h"

/* The sources, in the order their calls are queued (the list's download
 * first: it is one call, and the trunk's chain of calls overlaps it).  The
 * fallback is asked last, and only when the fallback rule says so. */
static const struct source *const sources[] = {
	&source_list,
	&source_trunk,
	&source_issues,
};

/* Checks: their calls share the pool with the sources', but they add
 * nothing to the set (they only say things), so the fallback rule does
 * not count them. */
static const struct source *const checks[] = {
	&source_issue_check,
};

/* Hand-kept lists: applied whatever the sources above did, and not
 * counted by the fallback rule (they are no substitute for upstream's
 * word). */
static const struct source *const always[] = {
	&source_extra,
};

static const struct source *const fallbacks[] = {
	&source_fallback,
};

static const struct sink *const sinks[] = {
	/* --issue-ages sets since first: the history then records an
	 * issue's opening as an earlier start it knew. */
	&sink_ages,
	/* It sets each exclusion's since for the sinks after it. */
	&sink_history,
	&sink_output,
	&sink_summary,
	/* After the job summary: the history report appended to it. */
	&sink_history_report,
	/* reads since: after every sink that sets it */
	&sink_alerts,
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
run_add_unmatched(struct run *r, const char *key, const char *issue, const char *url,
    const char *platforms, const char *why, int unnamed)
{
	struct unmatched *u;

	if (r->nunmatched == r->capunmatched) {
		r->capunmatched = r->capunmatched ? 2 * r->capunmatched : 16;
		r->unmatched = xrealloc(r->unmatched, r->capunmatched * sizeof *r->unmatched);
	}
	u = &r->unmatched[r->nunmatched++];
	u->key = xstrdup(key);
	u->issue = dup_or_null(issue);
	u->url = dup_or_null(url);
	u->platforms = dup_or_null(platforms);
	u->why = xstrdup(why ? why : "");
	u->unnamed = unnamed;
}

void
run_add_nodeid(struct run *r, const char *id, const struct reason *rs)
{
	struct buf p = { 0 }, c = { 0 }, m = { 0 };

	split_nodeid(id, &p, &c, &m);
	exclset_add(&r->set, id, buf_str(&c), buf_str(&m), rs);
	buf_free(&p);
	buf_free(&c);
	buf_free(&m);
}

/* The test tree under the test folders, into r->tree (r->have_tree,
 * r->tree_stopped say what came of it). */
static void
scan_tree(struct run *r)
{
	const struct config *c = r->cfg;

	r->tree_scanned = 1;
	if (c->tests_dirs.n == 0) {
		int got = tree_scan_dir(&r->tree, c->root, DEFAULT_TESTS_DIR, &r->diags, r->deadline);

		r->have_tree = got >= 0;
		r->tree_stopped = got == -2;
		/* The runtime file needs no tree: PyTorch's harness matches;
		 * nor does the gtest form, of C++ tests. */
		if (got == -1)
			diag_add(&r->diags, c->format == FMT_PYTORCH || c->format == FMT_GTEST ? LOG_INFO : LOG_WARN, "test tree",
			    "no %s under %s: without a test tree no disabled entry can become a node id",
			    DEFAULT_TESTS_DIR, c->root);
	}
	for (size_t i = 0; i < c->tests_dirs.n && !r->tree_stopped; i++) {
		int got = tree_scan_dir(&r->tree, c->root, c->tests_dirs.v[i], &r->diags, r->deadline);

		if (got == -1)
			diag_add(&r->diags, LOG_WARN, "test tree", "%s/%s is not a directory", c->root,
			    c->tests_dirs.v[i]);
		else if (got == -2)
			r->tree_stopped = 1;
		else
			r->have_tree = 1;
	}
}

/* The scope: --collected's file, or --collect's child (cl), or else the
 * test tree (scanned now unless it was already). */
static void
build_scope(struct run *r, struct collect *cl)
{
	const struct config *c = r->cfg;

	if (c->collected) {
		struct buf why = { 0 };

		if (collected_load(c->collected, &r->collected, &why, r->deadline) == 0) {
			diag_add(&r->diags, LOG_INFO, "collected", "%zu node ids from %s", r->collected.n,
			    c->collected);
			scope_init(&r->scope, NULL, &r->collected, &c->devices, c->filter);
			buf_free(&why);
			return;
		}
		diag_add(&r->diags, LOG_WARN, "", "collected list %s: %s; using the test tree instead",
		    c->collected, buf_str(&why));
		buf_free(&why);
	}
	if (cl && collect_finish(r, cl) == 0) {
		scope_init(&r->scope, NULL, &r->collected, &c->devices, c->filter);
		return;
	}
	if (!r->tree_scanned)
		scan_tree(r);
	/* Cut short by the time limit: what was read is the tree. */
	if (r->tree_stopped && r->tree.files.n > 0) {
		r->have_tree = 1;
		diag_add(&r->diags, LOG_WARN, "test tree", "using the %zu files (%zu classes) read before the time limit: tests of the others are out of scope",
		    r->tree.files.n, r->tree.n);
	} else if (r->have_tree) {
		diag_add(&r->diags, LOG_INFO, "test tree", "%zu files, %zu classes under %s",
		    r->tree.files.n, r->tree.n, c->root);
	}
	if (!r->have_tree)
		diag_add(&r->diags, LOG_INFO, "", "no test tree under %s: entries whose suite contains \"%s\" are in scope",
		    c->root, c->filter);
	scope_init(&r->scope, r->have_tree ? &r->tree : NULL, NULL, &c->devices, c->filter);
}

/* The fallback rule: --fallback auto uses it when every source failed or
 * they found nothing; on-error only when every source failed. */
static void
apply_fallback(struct run *r)
{
	const struct config *c = r->cfg;
	/* With every source turned off (--no-disabled-list --no-trunk) none
	 * failed and none found nothing: only --fallback always uses it. */
	int none = r->sources_asked == 0;
	int failed_all = !none && r->sources_failed == r->sources_asked;
	int nothing = failed_all || (!none && r->found == 0);
	const char *why = none ? "every source is turned off" : failed_all ? "every source failed" :
	    "the sources found nothing to exclude";

	switch (c->fallback) {
	case FB_AUTO: r->used_fallback = nothing; break;
	case FB_ON_ERROR: r->used_fallback = failed_all; break;
	case FB_ALWAYS: r->used_fallback = 1; break;
	default: r->used_fallback = 0; break;
	}
	if (r->used_fallback) {
		diag_add(&r->diags, LOG_INFO, "fallback", "%s", c->fallback == FB_ALWAYS ? "--fallback always" : why);
		for (size_t i = 0; i < COUNT(fallbacks); i++)
			if (fallbacks[i]->wanted(r))
				fallbacks[i]->finish(r, fallbacks[i]->start(r));
	} else if (nothing || none) {
		diag_add(&r->diags, LOG_INFO, "fallback", "not used (--fallback %s): %s",
		    c->fallback == FB_NEVER ? "never" : c->fallback == FB_AUTO ? "auto" : "on-error", why);
	}
}

int
pipeline_run(const struct config *c)
{
	struct run r;
	struct explain *explain;
	void *state[COUNT(sources)];
	void *check_state[COUNT(checks)];
	struct collect *cl = NULL;
	int show = c->log_level, rc = 0;

	/* Before anything is opened: a closed standard input must not become
	 * the first file we open (and be read as "-"). */
	file_stdio_guard();
	/* From here on a TERM, INT or HUP ends the children and removes the
	 * temporary file of -o before we die of it. */
	spawn_catch_signals(file_remove_temp);
	memset(&r, 0, sizeof r);
	r.cfg = c;
	r.deadline = now_seconds() + c->timeout;
	/* Reads that could wait (stdin, a FIFO) end at the deadline too. */
	file_set_deadline(r.deadline);
	/* Records are kept for the sinks; stderr shows what -q / -v ask for. */
	r.diags.keep_level = c->log_level > LOG_INFO ? c->log_level : LOG_INFO;
	r.diags.on_add = diag_print_stderr;
	r.diags.on_add_arg = &show;
	if (c->no_disabled_list)
		diag_add(&r.diags, LOG_INFO, "disabled list", "turned off (--no-disabled-list)%s",
		    c->disabled_file || strcmp(c->disabled_url, DEFAULT_URL) != 0 ?
		    ": the list given is neither fetched nor read" : "");
	/* --collect's child goes first on the pool: it is the longest call.
	 * The tree is scanned all the same, before the pool runs, so that
	 * a collection that fails (or takes the whole time) has it to fall
	 * back on; the scope is then built when the child is done, before
	 * any source finishes.  Without --collect, before anything runs. */
	if (c->collect) {
		cl = collect_start(&r);
		scan_tree(&r);
	} else {
		build_scope(&r, NULL);
	}
	for (size_t i = 0; i < COUNT(sources); i++)
		state[i] = sources[i]->wanted(&r) ? sources[i]->start(&r) : NULL;
	for (size_t i = 0; i < COUNT(checks); i++)
		check_state[i] = checks[i]->wanted(&r) ? checks[i]->start(&r) : NULL;
	childq_run(&r.pool, (size_t)c->parallel, r.deadline);
	if (cl)
		build_scope(&r, cl);
	for (size_t i = 0; i < COUNT(sources); i++) {
		long got;

		if (!sources[i]->wanted(&r))
			continue;
		got = sources[i]->finish(&r, state[i]);
		r.sources_asked++;
		r.sources_failed += got < 0;
		r.found += got > 0 ? got : 0;
	}
	for (size_t i = 0; i < COUNT(checks); i++)
		if (checks[i]->wanted(&r))
			checks[i]->finish(&r, check_state[i]);
	for (size_t i = 0; i < COUNT(always); i++)
		if (always[i]->wanted(&r))
			always[i]->finish(&r, always[i]->start(&r));
	apply_fallback(&r);
	exclset_finish(&r.set);
	/* --explain: what the sources said, before re-enabling. */
	explain = explain_start(&r);
	/* Between the sources and the sinks: what must run whatever they
	 * say (re-enabled issues, --keep). */
	reenable_apply(&r);
	/* --explain prints its explanation instead of the sinks' output. */
	if (explain)
		rc = explain_finish(explain, &r);
	for (size_t i = 0; i < COUNT(sinks) && !c->explain; i++)
		if (sinks[i]->wanted(&r) && sinks[i]->emit(&r) < 0)
			rc = 1;
	history_run_free(&r);
	exclset_free(&r.set);
	entries_free(&r.listed);
	blob_free(&r.list_doc);
	for (size_t i = 0; i < r.nunmatched; i++) {
		struct unmatched *u = &r.unmatched[i];

		free(u->key);
		free(u->issue);
		free(u->url);
		free(u->platforms);
		free(u->why);
	}
	free(r.unmatched);
	scope_free(&r.scope);
	tree_free(&r.tree);
	strlist_free(&r.collected);
	diags_free(&r.diags);
	return rc;
}
