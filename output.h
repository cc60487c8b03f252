/* output: the exclusion set in the forms test runners take, written in one
 * piece (a file is replaced atomically: temporary file, then rename). */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stddef.h>

#include "disabled.h"
#include "util.h"

struct excl {
	char *node_id;             /* NULL: in scope, but no node id */
	char *cls, *name;          /* for the keyword form */
	const struct entry *e;     /* NULL: from the fallback list */
	struct strlist sources;    /* "disabled-list", "fallback", ... */
};

enum format { FMT_ARGS, FMT_LINES, FMT_SHELL, FMT_JSON, FMT_KEYWORD };

/* Returns 0 and sets *f, or -1 for an unknown name. */
int format_parse(const char *s, enum format *f);

/* Sort by node id and merge duplicates (their sources are joined). */
void excl_sort_merge(struct excl *v, size_t *n);

/* Render v in form f into out (one trailing newline).  Node ids that cannot
 * be printed safely in that form are left out with a warning each.  Returns
 * how many exclusions were rendered. */
size_t output_render(const struct excl *v, size_t n, enum format f, struct buf *out);

/* Write out to path (NULL = stdout) in one piece.  Returns 0 or -1 (why). */
int output_write(const char *path, const struct buf *out, struct buf *why);

/* Is s (NUL-terminated) printable UTF-8 without control characters? */
int text_is_clean(const char *s);

void excl_free(struct excl *v, size_t n);

#endif
