/*
 * cache: copies of fetched documents on disk, one folder shared by every
 * run (and by many processes at once), keyed by URL.
 *
 * Each URL has two files, each one self-checking document:
 *   list-<hash>.last   the last fetch (or revalidation) of the URL, with
 *                      its validators (ETag, Last-Modified), when it was
 *                      fetched, and since when it has been a refused drop
 *   list-<hash>.good   the last-known-good: the last copy a run trusted
 *   list-<hash>.seen   a stamp: when the last fetch was last revalidated
 *                      (a 304), so that a 304 rewrites a few lines, not
 *                      the whole list; it names the copy it renews by its
 *                      body-sum ("of"), and counts only for that copy
 *
 * A file is a text header, a blank line, then the body:
 *
 *   exclusions-cache 1
 *   url <the URL>
 *   fetched <unix seconds>
 *   etag <value>                 (when the server gave one)
 *   last-modified <value>        (likewise)
 *   entries <count>
 *   drop-since <unix seconds>    (0: not a refused drop)
 *   of <16 hex digits>           (a stamp: the body-sum of the copy it renews)
 *   length <bytes of body>
 *   body-sum <16 hex digits>     a 64-bit FNV-style hash of the body, over
 *                                8-byte words (so copies can be compared
 *                                by their headers alone)
 *   sum <16 hex digits>          FNV-1a 64 of every byte before this line
 *
 * A file that does not read back exactly so (cut short, a flipped byte, a
 * header of another URL) is corrupt: cache_load says why, and the caller
 * carries on without it; the next store replaces it.  Stores are atomic
 * (file.h: a temporary file beside it, then rename), so a reader never
 * sees half a file, whatever other processes do at the same moment.
 *
 * Nothing here knows the document's format: the caller counts its
 * entries.  Nothing here prints.
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>

#include "util.h"

/* The header is at most this long; the body at most the caller's max. */
#define CACHE_HEADER_MAX 8192

struct cache_entry {
	char *url;
	long long fetched;          /* unix seconds: fetched or revalidated */
	char *etag;                 /* NULL when none */
	char *last_modified;        /* NULL when none */
	long entries;               /* the caller's count of the body */
	long long drop_since;       /* 0: not a refused drop */
	struct buf body;            /* the document, owned */
	size_t length;              /* the body's length, as the header says */
	unsigned long long body_sum; /* the body's FNV-1a 64, as the header says */
	unsigned long long of;      /* a stamp's copy (its body-sum) */
	int has_of;
	size_t file_len;            /* header and body, as the header says */
	int body_loaded;            /* body read and checked (not cache_peek) */
};

/* The default folder into out: $EXCLUSIONS_CACHE_DIR, else
 * $XDG_CACHE_HOME/exclusions, else $HOME/.cache/exclusions (each only
 * when set, not empty, and absolute).  Returns 0, or -1 when none is. */
int cache_default_dir(struct buf *out);

/* The file of url's copy of that kind ("last" or "good") in dir. */
void cache_path(const char *dir, const char *url, const char *kind, struct buf *out);

/* Parse a cache file's n bytes at p for url (NULL: any URL) into e (the
 * body copied).  Returns 0, or -1 with why (what is wrong). */
int cache_parse(const char *p, size_t n, const char *url, struct cache_entry *e, struct buf *why);

/* Load url's copy of that kind from dir, refusing a body over max bytes.
 * Returns 1 (loaded), 0 (no such file), or -1 with why (unreadable or
 * corrupt: "PATH: cause"). */
int cache_load(const char *dir, const char *url, const char *kind, size_t max,
    struct cache_entry *e, struct buf *why);

/* The same for the header alone: e's body stays empty and unchecked
 * (body_loaded 0); for comparing copies by body_sum without reading them.
 * A file shorter than its header says is -1. */
int cache_peek(const char *dir, const char *url, const char *kind, struct cache_entry *e,
    struct buf *why);

/* The file text of e, as cache_parse reads it, into out. */
void cache_format(const struct cache_entry *e, struct buf *out);

/* Store e as url's copy of that kind in dir (the folder made when
 * missing), atomically.  Returns 0, or -1 with why. */
int cache_store(const char *dir, const char *kind, const struct cache_entry *e, struct buf *why);

/* Age of something dated `when` at `now`, for a message: "40 s",
 * "12 min", "3.2 h", "2.5 days". */
const char *cache_age_text(long long seconds, char *out, size_t n);

/* The body-sum of n bytes at p. */
unsigned long long cache_body_sum(const char *p, size_t n);

void cache_entry_free(struct cache_entry *e);

#endif
