/*
 * diag: the run's diagnostics as records (level, source, text).
 *
 * Modules below the pipeline never print: they add records to the stream
 * they were handed.  The stream keeps the records for the sinks (a report,
 * annotations) and, when the pipeline asks for it, shows each one on
 * stderr as it comes, as "exclusions: SOURCE: TEXT" (one write a line).
 */
#ifndef DIAG_H
#define DIAG_H

#include <stddef.h>

/* Levels; -q shows only LOG_WARN, -v adds LOG_DEBUG. */
enum { LOG_WARN = 0, LOG_INFO = 1, LOG_DEBUG = 2 };

struct diag {
	int level;
	char *source;              /* "disabled list", "trunk", ...; "" for the run itself */
	char *where;               /* what it is about (a URL, a file), or NULL */
	char *text;
};

struct diags {
	struct diag *v;
	size_t n, cap;
	int keep_level;            /* records above it are dropped (0: warnings only) */
	/* Called for every record kept, as it is added (the live stderr
	 * printer, diag_print_stderr, or none). */
	void (*on_add)(void *arg, const struct diag *d);
	void *on_add_arg;
};

/* Add a record.  d may be NULL: the record is dropped. */
void diag_add(struct diags *d, int level, const char *source, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

/* The same about a subject: shown as "exclusions: SOURCE WHERE: TEXT". */
void diag_add_at(struct diags *d, int level, const char *source, const char *where,
    const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 5, 6)))
#endif
	;

/* For the first `limit` calls with the same counter, add the record; past
 * that, only count (the caller adds one line for the rest). */
void diag_limited(struct diags *d, unsigned *count, unsigned limit, int level,
    const char *source, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 6, 7)))
#endif
	;

/* on_add for stderr: "exclusions: SOURCE[ WHERE]: TEXT", or
 * "exclusions: TEXT" when the source is empty.  arg, when not NULL, points to an int: the
 * most detailed level shown (records are kept for the sinks regardless). */
void diag_print_stderr(void *arg, const struct diag *d);

/* How many records of a level (or more severe) there are. */
size_t diag_count(const struct diags *d, int level);

void diags_free(struct diags *d);

#endif
