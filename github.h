/*
 * github: the few GitHub API calls exclusions makes, through `gh api` when
 * gh is installed, else through curl with GITHUB_TOKEN.  Each call is a
 * child (spawn.h) the caller starts and waits for, so many run at once.
 * The token never appears in any argv: curl reads it from its stdin.
 */
#ifndef GITHUB_H
#define GITHUB_H

#include "spawn.h"
#include "util.h"

struct github {
	int use_gh;                /* 1: gh api; 0: curl + token */
	const char *api_url;       /* curl: "https://api.github.com" */
	char auth[300];            /* curl: the config line with the token */
	double deadline;
};

/* Choose the transport.  Returns 0, or -1 with why set (gh missing and no
 * usable GITHUB_TOKEN). */
int github_init(struct github *g, const char *api_url, double deadline, struct buf *why);

/* One request: the child and the storage its argv points into. */
struct gh_call {
	struct child c;
	char *argv[40];
	struct buf url;
	char maxtime[32];
	int paginate;              /* gh: --paginate (pages back to back) */
	int headers;               /* curl: -D - (headers before the body) */
};

/* Prepare a GET of path ("repos/o/r/..."), or of an absolute URL under the
 * API (a Link "next" page).  The caller starts c.c and waits for it. */
void github_call(const struct github *g, struct gh_call *k, const char *path_or_url,
    int paginate, int headers);

/* For a curl call with headers: split off the header blocks, returning the
 * body; *status gets the last HTTP status, next the Link rel="next" URL
 * (empty when none), *rate_limited whether the limit ran out. */
const char *github_body(const char *p, size_t n, size_t *body_len, int *status,
    struct buf *next, int *rate_limited);

/* One line: why a call failed (HTTP status, rate limit, not logged in...). */
void github_describe(const struct github *g, const struct gh_call *k, struct buf *out);

void github_call_free(struct gh_call *k);

#endif
