/*
 * pipeline: one run.  The scope (which tests this run has), then every
 * source on one pool of children (with --collect's child), then the
 * hand-kept lists (--extra), then the fallback rule, then
 * re-enabling and --keep (reenable.h), then every sink; with --explain,
 * explain.h looks before and after re-enabling and prints instead of them.
 *
 *   sources ──► entries mapped to node ids ──► exclusion set ──► re-enabling ──► sinks
 *
 * A source is one file (src_*.c) and one line in the sources[] table of
 * pipeline.c; a sink is one file (sink_*.c) and one line in sinks[].
 */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "config.h"
#include "diag.h"
#include "disabled.h"
#include "exclset.h"
#include "file.h"
#include "scope.h"
#include "spawn.h"
#include "testtree.h"

/* What one run shares with its sources and sinks. */
struct history;

struct run {
	const struct config *cfg;
	struct scope scope;
	struct testtree tree;
	struct strlist collected;   /* --collected's or --collect's node ids */
	int tree_scanned, have_tree, tree_stopped;
	struct childq pool;         /* every child of every source */
	double deadline;            /* the whole run's, now_seconds() clock */
	struct diags diags;
	struct exclset set;
	/* With --format pytorch: every well-formed entry of the published
	 * list, whatever its tests and platforms (PyTorch's harness does the
	 * matching); else empty. */
	struct entries listed;
	/* With --explain: the published list as the run read it, for the
	 * entries that name the test but exclude nothing (explain.c); else
	 * empty. */
	struct blob list_doc;
	/* Entries about tests of this run that match none of them (the json
	 * form lists them; -v says each). */
	struct unmatched *unmatched;
	size_t nunmatched, capunmatched;
	/* What the sources did, for the fallback rule and the sinks. */
	int sources_asked, sources_failed;
	long found;                 /* exclusions the sources added */
	int used_fallback;
	size_t printed;             /* set by the output sink */
	/* The history (history.h) the history sink read and updated, for
	 * the sinks after it (--format markdown); NULL before it. */
	struct history *history;
};

/* A source.  start() queues its calls on r->pool (nothing runs yet) and
 * returns its state; once the pool has run, finish() adds its exclusions
 * to r->set and returns how many, or -1 when the source failed as a whole
 * (it has said why in r->diags).  r->scope is ready for finish(), not for
 * start(): with --collect it is built from the child's output, after the
 * pool has run. */
struct source {
	const char *name;
	int (*wanted)(const struct run *r);
	void *(*start)(struct run *r);
	long (*finish)(struct run *r, void *state);
};

/* A sink: sees the finished set and the run's diagnostics.  Returns 0, or
 * -1 when it could not deliver (the run then exits 1). */
struct sink {
	const char *name;
	int (*wanted)(const struct run *r);
	int (*emit)(struct run *r);
};

extern const struct source source_list, source_trunk, source_fallback, source_extra;
extern const struct source source_issues, source_issue_check;
extern const struct sink sink_output, sink_summary;
extern const struct sink sink_history, sink_history_report;

/* The history report of this run (sink_history.c), for --format markdown;
 * and the history freed at the end of the run. */
void history_markdown(const struct run *r, struct buf *out);
void history_run_free(struct run *r);
extern const struct sink sink_ages, sink_alerts;

/* The job summary (sink_summary.c), for its tests: the run as Markdown
 * into out, and one text made safe for a Markdown table cell or line. */
#define SUMMARY_MAX_ROWS 200
void summary_render(const struct run *r, struct buf *out);
void summary_escape(struct buf *out, const char *s);
/* [text](url), escaped, or the text alone when url is not a plain http(s)
 * URL a link may have. */
void summary_link(struct buf *out, const char *text, const char *url);

/* The node id of a test as the fallback and the logs name it, split for the
 * keyword form, added to r->set with reason rs. */
void run_add_nodeid(struct run *r, const char *id, const struct reason *rs);

/* Note an entry that matched no test (copies every string; NULLs kept). */
void run_add_unmatched(struct run *r, const char *key, const char *issue, const char *url,
    const char *platforms, const char *why, int unnamed);

/* Run the whole pipeline; returns the exit status. */
int pipeline_run(const struct config *c);

#endif
