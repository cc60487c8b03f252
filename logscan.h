/*
 * logscan: find failed tests in CI job logs, as a stream.
 *
 * Logs run to tens of MB; they are fed in chunks of any size and memory
 * stays bounded (one line buffer) whatever their size.  A line is
 * recognised when it is, after an optional GitHub Actions timestamp
 * ("2026-08-21T19:26:39.1234567Z "):
 *
 *   FAILED <node id>[ - <message>]              pytest summary
 *   FAILED [3.2100s] <node id>[ - <message>]    PyTorch's CI, with duration
 *   ERROR <node id>[ - <message>]               (same two forms)
 *   FAIL: test_x (module.Class)                 unittest
 *   ERROR: test_x (module.Class)                (Python 3.11+ also prints
 *                                                "(module.Class.test_x)")
 *
 * A pytest node id must hold "::"; a unittest name must have the shape
 * "name (suite)".  Nothing with a control byte (NUL included) or invalid
 * UTF-8 is ever reported.
 */
#ifndef LOGSCAN_H
#define LOGSCAN_H

#include <stddef.h>

/* Lines longer than this are passed over (counted in `long_lines`). */
#define LOGSCAN_MAX_LINE 8192

enum logscan_kind {
	LOGSCAN_NONE = 0,
	LOGSCAN_PYTEST,      /* id is a pytest node id, "path::Class::test" */
	LOGSCAN_UNITTEST     /* id is "test_x (module.Class)", the disabled-list key shape */
};

/* Called for every failed test found; id is not NUL-terminated and is valid
 * only during the call.  pytest's colours (--color=yes) are taken out first;
 * a " - " inside a node id's [parameters] does not end it. */
typedef void (*logscan_fn)(void *arg, enum logscan_kind kind, const char *id, size_t n);

struct logscan {
	logscan_fn fn;
	void *arg;
	char line[LOGSCAN_MAX_LINE];
	size_t len;              /* bytes of a partial line held in `line` */
	int skipping;            /* inside an over-long line */
	unsigned long lines, found, long_lines;
	char norm[LOGSCAN_MAX_LINE];  /* room for a rewritten unittest id */
};

void logscan_init(struct logscan *ls, logscan_fn fn, void *arg);
void logscan_feed(struct logscan *ls, const char *p, size_t n);
/* The end of the log: a last line without a newline is scanned too. */
void logscan_finish(struct logscan *ls);

/* Recognise one line (without its newline).  Returns the kind, with *id and
 * *idn set (pointing into line, or into scratch, which must hold n bytes),
 * or LOGSCAN_NONE. */
enum logscan_kind logscan_line(const char *line, size_t n, char *scratch,
    const char **id, size_t *idn);

#endif
