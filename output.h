/* output: the exclusion set in the forms test runners take.  Rendering
 * only: the output sink (sink_output.c) writes the result in one piece. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stddef.h>

#include "diag.h"
#include "exclset.h"
#include "util.h"

enum format { FMT_ARGS, FMT_LINES, FMT_SHELL, FMT_JSON, FMT_KEYWORD };

/* Returns 0 and sets *f, or -1 for an unknown name. */
int format_parse(const char *s, enum format *f);

/* Render the (finished) set in form f into out (one trailing newline).
 * Node ids that cannot be printed safely in that form are left out with a
 * warning each in d.  Returns how many exclusions were rendered. */
size_t output_render(const struct exclset *s, enum format f, struct buf *out, struct diags *d);

#endif
