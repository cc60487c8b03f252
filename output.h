/* output: the exclusion set in the forms test runners take.  Rendering
 * only: the output sink (sink_output.c) writes the result in one piece. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stddef.h>

#include "diag.h"
#include "disabled.h"
#include "exclset.h"
#include "util.h"

enum format { FMT_ARGS, FMT_LINES, FMT_SHELL, FMT_JSON, FMT_KEYWORD, FMT_PYTORCH, FMT_GTEST,
	FMT_MARKDOWN };

/* Returns 0 and sets *f, or -1 for an unknown name. */
int format_parse(const char *s, enum format *f);

/* Render the (finished) set in form f into out (one trailing newline).
 * Node ids that cannot be printed safely in that form are left out with a
 * warning each in d.  Returns how many exclusions were rendered. */
size_t output_render(const struct exclset *s, enum format f, struct buf *out, struct diags *d);

/* An entry about tests of this run that matches none of them by PyTorch's
 * rule (or whose tests cannot be named from the tree): nothing is printed
 * for it, and the json form lists it (output_render_unmatched). */
struct unmatched {
	char *key, *issue, *url, *platforms;  /* issue, url, platforms: NULL unknown */
	char *why;
	int unnamed;               /* its tests cannot be named from the tree */
};

/* output_render, and in the json form, after the exclusions, one object
 * for each of the n unmatched entries:
 *   {"node_id": null, "key": ..., "issue": ..., "url": ..., "platforms": [...],
 *    "sources": ["disabled-list"], "reasons": [...], "unmatched": "<why>",
 *    "unnamed": true|false}
 * (not counted in the return value).  Other forms ignore them. */
size_t output_render_unmatched(const struct exclset *s, enum format f, const struct unmatched *u,
    size_t n, struct buf *out, struct diags *d);

/* The pytorch form: PyTorch's runtime file (.pytorch-disabled-tests.json,
 * what DISABLED_TESTS_FILE names), one JSON object
 *
 *   {"test_x (__main__.TestFoo)": ["https://github.com/.../issues/N", ["linux"]], ...}
 *
 * keys sorted, one entry a line.  Its entries: every entry of listed (the
 * published list, whole; NULL: none), then every reason of the set:
 * a list reason as its key, any other as "<test> (__main__.<Class>)" of
 * its test, with its URL ("" when the source knows none) and platforms
 * ([] when the source knows none).  The same key twice is one entry: the
 * first URL that is not empty, the platforms united, an empty list
 * winning (every platform).  A test
 * that cannot be written as a key (no class; white space in its name) is
 * left out with a warning.  Returns how many entries were rendered. */
size_t output_pytorch(const struct exclset *s, const struct entries *listed,
    struct buf *out, struct diags *d);

/* The gtest form: "--gtest_filter=" and the filter that leaves out the
 * set's gtest exclusions (is_gtest), their names "Suite.Test" sorted and
 * each once, after base (an existing filter; NULL or "" = none) as gtest
 * reads one, "POSITIVE[-NEGATIVE]" with ':' between patterns: "-" and the
 * names when base has no '-', else ':' and the names (no ':' when the
 * negative part, after the first '-', is empty or ends in ':'); a name
 * base's negative part already has is not repeated.  No gtest exclusion: "--gtest_filter=BASE", or an empty line
 * without a base.  One trailing newline.  Returns how many names it added. */
size_t output_gtest(const struct exclset *s, const char *base, struct buf *out);

/* Is s (a --gtest-base or GTEST_FILTER) a filter of gtest's characters
 * only: letters, digits and _ . / * ? : -, at most GTEST_FILTER_MAX bytes?
 * Returns 1, or 0 with *why set. */
#define GTEST_FILTER_MAX 65536
int gtest_filter_ok(const char *s, const char **why);

#endif
