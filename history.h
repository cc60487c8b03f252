/*
 * history: what was excluded, run after run (--history FILE), and the
 * Markdown report made of it.  A model and its file format; no I/O here
 * (sink_history.c locks, reads, writes, and replays git).
 *
 * The file is JSON Lines (one JSON object a line, UTF-8, "\n" ends each):
 *
 *   {"exclusions_history":1}
 *   {"run":1,"t":1764547200,"platforms":"linux","excluded":2,"sources":{"disabled-list":2}}
 *   {"run":2,"t":1764633600,"platforms":"linux","excluded":1,"sources":{"disabled-list":1}}
 *   {"test":"test/profiler/test_a.py::TestA::test_x","first":1764547200,"last":1764633600,"runs":2,"sources":["disabled-list"],"issues":["123"],"url":"https://github.com/pytorch/pytorch/issues/123"}
 *   {"test":"test/profiler/test_a.py::TestA::test_y","first":1764547200,"last":1764547200,"runs":1,"sources":["disabled-list"],"ended":2}
 *
 * The header first (its number is the format's version), then one line a
 * recorded run (its number, unix time, platforms, how many tests it
 * excluded, and how many per source; zero counts left out), then one line
 * a period of a test: the test (node id; else the list's key; a gtest's
 * Suite.Test), first and last seen, how many runs saw it, its sources and
 * issues (at most HISTORY_MAX_ISSUES) and one issue URL, "since" when
 * something knew an earlier start (an issue's opening date, a replayed
 * key), and "ended": the run that no longer saw it.  A period without
 * "ended" is open: the test was excluded by the last run.  A test that
 * comes back after it ended starts a new period; ended ones are kept.
 * Unknown keys are skipped (later versions may add some); anything else
 * that is not this is a damaged file.
 *
 *   grep '"run"' FILE | tail -n 1          the last run
 *   jq -c 'select(.test and (.ended|not))' FILE   the open periods
 */
#ifndef HISTORY_H
#define HISTORY_H

#include <stddef.h>

#include "diag.h"
#include "exclset.h"
#include "util.h"

#define HISTORY_VERSION 1
#define HISTORY_MAX_ISSUES 20
/* The report's table and chart, at most. */
#define HISTORY_REPORT_ROWS 1000
#define HISTORY_CHART_POINTS 500
/* One line at most (a test's name, a URL, ...): longer is damage. */
#define HISTORY_MAX_LINE (64 * 1024)

struct hist_run {
	long long n, t;
	char *platforms;
	long long excluded;
	long long counts[RK_KINDS];
};

struct hist_period {
	char *test;
	long long first, last, since, runs, ended;
	unsigned kinds;              /* 1u << enum reason_kind */
	struct strlist issues;
	char *url;
	long long mark;              /* internal: the run being recorded saw it */
};

struct history {
	/* A run's platforms may be the very string of the run before it. */
	struct hist_run *runs;
	size_t nruns, capruns;
	struct hist_period *p;
	size_t np, capp;
	/* internal: the text of the first nraw runs as read, which is what
	 * history_write() would make of them (runs are never changed once
	 * recorded): written back as it is.  raw lies in own (freed), or in
	 * the text history_free() gives to done(text) when done is set. */
	const char *raw;
	size_t rawlen, nraw;
	char *own;
	void *text;
	void (*done)(void *text);
};

/* One test excluded by a run being recorded. */
struct hist_item {
	const char *test;
	unsigned kinds;
	const char *issue;           /* decimal, or NULL */
	const char *url;             /* or NULL */
	long long since;             /* an earlier start known, or 0 */
	/* The list's keys of this test: a new period of test takes the start
	 * of an open period of one of them (as --replay-git records). */
	const char *const *keys;
	size_t nkeys;
};

/* Read a history file's text into h (empty text: an empty history).
 * Returns 0, or -1 with why set ("line N: ...") and h emptied. */
int history_parse(struct history *h, const char *doc, size_t len, struct buf *why);
/* The same without a copy: the runs kept as read lie in doc, which must
 * then live as long as h (set h->text and h->done to have history_free()
 * let it go). */
int history_parse_in(struct history *h, const char *doc, size_t len, struct buf *why);

/* h as the file's text. */
void history_write(const struct history *h, struct buf *out);
/* The same in three pieces, to write one after the other: head, the runs
 * kept as read (h->raw, h->rawlen bytes), tail. */
void history_write_pieces(const struct history *h, struct buf *head, struct buf *tail);

/* Record one run at unix time t that excluded items (duplicates merged).
 * Returns the run's number. */
long long history_record(struct history *h, long long t, const char *platforms,
    const struct hist_item *items, size_t n);

/* The open period of test (excluded by the last run), or NULL. */
const struct hist_period *history_open(const struct history *h, const char *test);

/* When a period's exclusion began: the earlier of since and first. */
long long period_start(const struct hist_period *p);

/* Whole days from since to now; -1 when since is 0 (unknown). */
long history_days(long long since, long long now);
/* The same to wall_now(): how long an exclusion that began at since has
 * lasted. */
long days_excluded(long long since);

/* The Markdown report at time now: the tests the last run excluded,
 * longest first; those no longer excluded since the run before; a Mermaid
 * chart of how many each run excluded.  title: the heading's words. */
void history_report(const struct history *h, long long now, struct buf *out);

void history_free(struct history *h);

/* sink_history.c: FILE in and out.  history_load reads path into h (a
 * missing file: an empty history; a damaged one is said in d, renamed to
 * path.damaged-<time> and h left empty); returns 0, or -1 when it cannot be
 * read or set aside (said; path must then not be written).  history_save
 * writes h to path atomically; returns 0, or -1 (said).  Call both under
 * file_lock(path + ".lock"). */
int history_load(struct history *h, const char *path, double deadline, struct diags *d);
int history_save(const struct history *h, const char *path, struct diags *d);

/* history_cmd.c: record a version of the published list (its text doc) as
 * a run at t that excluded every well-formed entry, by key.  Returns 1, or
 * 0 for a gap (empty, not a valid list, no well-formed entry: why says
 * which), recording nothing. */
int history_record_list(struct history *h, long long t, const char *doc, size_t len, struct buf *why);

/* history_cmd.c: `exclusions history ...` and `exclusions report ...`
 * (argv[0] is the subcommand); returns the exit status. */
int history_main(int argc, char **argv);

#endif
