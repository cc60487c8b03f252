/*
 * issuecache: GitHub's answers about single issues (GET
 * repos/O/N/issues/N), kept in the cache folder of the published list
 * (cache.h), one file per issue, keyed by the API URL asked, of a kind of
 * its own ("issue"), so that --check-issues and --issue-ages ask each
 * issue once per --ttl, not once per run.
 *
 * Only what was validated is kept: not GitHub's whole answer (its body
 * can be 64 KB), a trimmed object of the fields the tool reads, each
 * checked (issues.h): {"number": N, "state": "open"|"closed",
 * "created_at": "2026-08-21T19:26:39Z"}, a field left out when the answer
 * had no valid one.  Read back, it goes through issue_parse_one() again.
 *
 * When a cached answer is used is the caller's rule: the open/closed
 * state (--check-issues) while younger than --ttl; the opening date
 * (--issue-ages), which never changes, whatever its age.  Both: never
 * with --refresh (asked again, the answer replaces it), always and only
 * with --offline, not at all with --no-cache.  A corrupt file is -1 with
 * why (the caller warns); the next answer replaces it.  Nothing here
 * prints.
 */
#ifndef ISSUECACHE_H
#define ISSUECACHE_H

#include "config.h"
#include "issues.h"
#include "util.h"

#define ISSUECACHE_KIND "issue"

struct issue_cache {
	char *dir;                 /* NULL: no cache (--no-cache, or no folder) */
	long long ttl;
	int offline, refresh;
};

/* The folder from c (--cache-dir, else cache_default_dir()).  Returns 0,
 * or -1 with why when a cache is wanted but there is no folder (dir
 * stays NULL either way when there is none). */
int issue_cache_init(struct issue_cache *ic, const struct config *c, struct buf *why);
void issue_cache_free(struct issue_cache *ic);

/* The cached answer for url into is, when it was fetched into *fetched.
 * Returns 1, 0 when there is none (or no cache), -1 with why when the
 * file is corrupt. */
int issue_cache_get(const struct issue_cache *ic, const char *url, struct issue *is,
    long long *fetched, struct buf *why);

/* Keep is, GitHub's answer for url, fetched now (its validated fields;
 * nothing when it has none).  Returns 0, or -1 with why. */
int issue_cache_put(const struct issue_cache *ic, const char *url, const struct issue *is,
    struct buf *why);

/* The trimmed object of is into out ("" when it has no valid field). */
void issue_cache_trim(const struct issue *is, struct buf *out);

#endif
