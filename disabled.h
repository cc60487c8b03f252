/*
 * disabled: PyTorch's disabled-tests list (FORMATS.md §1) into entries.
 *
 * The document is scanned once, in place.  Each well-formed entry is shown
 * to a `keep` callback as a view into the buffer; only the entries it keeps
 * are copied.  So a list of any size costs its own buffer and little more.
 */
#ifndef DISABLED_H
#define DISABLED_H

#include <stddef.h>

#include "diag.h"
#include "match.h"
#include "util.h"

#define ENTRY_MAX_PLATFORMS 32

/* A view of one entry: decoded strings, NOT NUL-terminated (most point
 * straight into the document), valid only during the callback. */
struct entry_view {
	const char *key; size_t key_len;
	struct testkey k;             /* parsed from key */
	const char *issue; size_t issue_len;   /* decimal digits */
	const char *url; size_t url_len;
	size_t nplatforms;
	const char *platforms[ENTRY_MAX_PLATFORMS];
	size_t platform_lens[ENTRY_MAX_PLATFORMS];
};

/* A kept entry, owned. */
struct entry {
	char *key;
	struct testkey k;             /* points into key */
	char *issue;
	char *url;
	char *platforms;              /* as listed (cleaned), comma-separated */
	const char *source;           /* "disabled-list", ... */
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

/* Two questions for each entry, in this order:
 *
 * wanted: is it about a test of this run at all?  Asked of every entry
 *   whose JSON and shape are right, with e->k only split (key_split), so
 *   it must look at e->k alone, and cheaply: lists are large.  NULL: yes.
 * keep: asked of the wanted entries once they are fully checked (names,
 *   URL); non-zero keeps it.  platforms_kept is what to record of its
 *   platforms, comma-separated. */
typedef int (*entry_wanted_fn)(void *arg, const struct testkey *k);
typedef int (*entry_keep_fn)(void *arg, const struct entry_view *e, struct buf *platforms_kept);

/* Parse a list.  Malformed entries are skipped with a warning naming them
 * (the first few, then a count); returns the number of entries seen, or -1
 * when the document itself is not a valid list (why says where and why).
 * An entry that is not wanted is checked as JSON and for its shape only. */
long disabled_parse(const char *doc, size_t len, const char *source,
    entry_wanted_fn wanted, entry_keep_fn keep, void *arg, struct entries *out,
    struct buf *why, struct diags *d);

/* The same, and *well_formed (when not NULL) is set to how many of the
 * entries seen were not skipped as malformed: a list with entries and
 * none of them well-formed says nothing, and its reader has failed. */
long disabled_parse_counted(const char *doc, size_t len, const char *source,
    entry_wanted_fn wanted, entry_keep_fn keep, void *arg, struct entries *out,
    long *well_formed, struct buf *why, struct diags *d);

void entries_free(struct entries *l);

#endif
