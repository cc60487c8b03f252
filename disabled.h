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
/* An issue number: 1 to this many decimal digits. */
#define ISSUE_MAX_DIGITS 12

/* A view of one entry: decoded strings, NOT NUL-terminated (most point
 * straight into the document), valid only during the callback.
 *
 * Two forms are read, entry by entry: the published list's
 * "key": [issue, url, [platform, ...]], the issue a string of digits or a
 * JSON integer, and PyTorch's runtime file's "key": [url, [platform, ...]]
 * (what its CI writes to .pytorch-disabled-tests.json), whose issue is the
 * URL's last path part when the URL is ".../issues/N", else empty. */
struct entry_view {
	const char *key; size_t key_len;
	struct testkey k;             /* parsed from key */
	const char *issue; size_t issue_len;   /* decimal digits; 0 to 12 of them */
	const char *url; size_t url_len;
	int runtime;                  /* read in the runtime form */
	size_t nplatforms;
	const char *platforms[ENTRY_MAX_PLATFORMS];
	size_t platform_lens[ENTRY_MAX_PLATFORMS];
};

/* A kept entry, owned. */
struct entry {
	char *key;
	struct testkey k;             /* points into key */
	char *issue;                  /* "" when the entry names none */
	char *url;
	char *platforms;              /* as listed (cleaned), comma-separated */
	const char *source;           /* "disabled-list", ... */
	int mark;                     /* what keep() returned */
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
 *   URL); non-zero keeps it, and is recorded in the entry's mark (the
 *   caller's own sorting of what it kept).  platforms_kept is what to
 *   record of its platforms, comma-separated. */
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

/* Drop the entries for which drop(arg, e) says yes; the order stays.
 * Returns how many were dropped. */
size_t entries_filter(struct entries *l, int (*drop)(void *arg, const struct entry *e), void *arg);

void entries_free(struct entries *l);

#endif
