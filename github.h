/*
 * github: the only module that knows GitHub's URLs and where its token
 * comes from.  Every call is a curl child (fetch.h) the caller queues on
 * the pool.  The token comes once from `gh auth token` when gh is
 * installed (honouring GH_HOST as gh does; when a variable gh would
 * answer with is set, GH_TOKEN or GITHUB_TOKEN for github.com,
 * GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN for another host, it is
 * read directly), else from GITHUB_TOKEN or GH_TOKEN; it reaches curl on stdin, never argv, and only for URLs of the
 * API's own origin (scheme, host, port).  Redirects of a call that carries
 * the token are not followed by curl: the caller follows them through
 * github_next_hop(), with the token only where the origin is the API's.
 */
#ifndef GITHUB_H
#define GITHUB_H

#include "fetch.h"
#include "spawn.h"
#include "util.h"

struct github {
	char *api;                 /* base URL, no trailing slash */
	char origin[300];          /* "scheme://host:port" of api, lower case */
	char auth[320];            /* curl config line with the token */
	const char *token_from;    /* "gh", "GITHUB_TOKEN", "GH_TOKEN" */
	double deadline;
	/* The `gh auth token` child, when gh is installed: queue it, then
	 * call github_token_done() once it has ended. */
	int token_pending;
	struct child token_child;
	char *token_argv[6];
	char *host;
	/* curl drops the token on a redirect to another origin (scheme, host
	 * or port) from 7.83.0 on: then a call that carries it may follow
	 * redirects itself, in one process.  With an older curl, or before
	 * `curl --version` has answered (queue version_child, then call
	 * github_version_done), such a call stops at the 3xx and
	 * github_next_hop() goes on without the token. */
	int curl_follows_safely;
	struct child version_child;
	char *version_argv[3];
};

/* Choose the API (api_url, else https://$GH_HOST/api/v3 when GH_HOST names
 * another host, else https://api.github.com) and the token's source.
 * Returns 0 (token_pending set when gh must be asked first), or -1 with
 * why set: no gh and no token in the environment, no curl. */
int github_init(struct github *g, const char *api_url, double deadline, struct buf *why);

/* After version_child has ended: sets curl_follows_safely. */
void github_version_done(struct github *g);

/* After token_child has ended: 0 with the token set, or -1 with why. */
int github_token_done(struct github *g, struct buf *why);

void github_free(struct github *g);

/* One request. */
struct gh_call {
	struct fetch f;
	char *url;                 /* absolute */
	int with_token;            /* the token goes with it */
	int hops;                  /* redirects followed so far */
};

/* Prepare a GET of path ("repos/o/r/..." under the API) or of an absolute
 * URL.  headers: header blocks before the body (needed to see a status,
 * a redirect or a Link).  max_bytes 0 = no limit.  The caller queues
 * k->f.c.  Returns 0, or -1 with why. */
int github_call(const struct github *g, struct gh_call *k, const char *path_or_url,
    int headers, size_t max_bytes, struct buf *why);

/* Prepare one curl for several GETs at once (fetch.h's batch): paths
 * under the API, transfer i writing to the child's descriptor 3 + i.
 * Only when curl_follows_safely (the token rides every transfer, and
 * curl drops it on a redirect elsewhere).  Returns 0, or -1 with why. */
int github_batch(const struct github *g, struct gh_call *k, const char *const *paths, size_t n,
    struct buf *why);

void github_call_free(struct gh_call *k);

/* A response as curl printed it with headers: the last block's status,
 * its Link rel="next" and Location, and the body. */
struct gh_response {
	int status;
	const char *body;
	size_t body_len;
	struct buf next;
	struct buf location;
	int rate_limited;          /* x-ratelimit-remaining: 0 */
};
void github_parse(const char *p, size_t n, struct gh_response *r);
void gh_response_free(struct gh_response *r);

/* For a 3xx: the absolute URL of the next hop (Location resolved against
 * the call's URL) in out.  Returns 0, or -1 with why (no Location, not
 * http(s), too many hops). */
int github_next_hop(const struct gh_call *k, const struct gh_response *r, struct buf *out,
    struct buf *why);

/* Is url on the API's origin and under its base path? */
int github_under_api(const struct github *g, const char *url);

/* "scheme://host:port" of url, lower case, default port made explicit.
 * Returns 0, or -1 when url is not a plain http(s) URL (user info too). */
int url_origin(const char *url, char *out, size_t cap);

/* One line: why a call failed (HTTP status, rate limit, curl's words). */
void github_describe(const struct gh_call *k, const struct gh_response *r, struct buf *out);

/* The web page of run run_id of repo ("owner/name"): github.com's for
 * api.github.com, https://HOST/... for an enterprise API at
 * https://HOST/api/v3, else the run in the API itself.  Into out. */
void github_run_url(const struct github *g, const char *repo, const char *run_id, struct buf *out);

/* Is s safe inside an API path / query (letters, digits, . _ - and, when
 * slash is set, /)?  Validates --repo, --workflow and --branch. */
int github_name_ok(const char *s, int slash);

/* Issues (issues.h parses what they answer).  The path of the first page
 * of repo's open issues, per_page at a time (later pages: the Link
 * header), and of one issue; into out. */
void github_issues_path(const char *repo, int per_page, struct buf *out);
void github_issue_path(const char *repo, const char *number, struct buf *out);

/* An issue's web page on this API's site: "https://github.com/O/N/issues/N"
 * (or the enterprise host's, or the API's own base for another API).  When
 * url is such a page (of any repository), its repository ("owner/name")
 * and number go into repo and number (cap bytes) and 0 is returned; else
 * -1. */
int github_issue_of_url(const struct github *g, const char *url, struct buf *repo, char *number,
    size_t cap);

/* The absolute URL a call of path ("repos/o/r/...") asks for, as
 * github_call makes it: a key for the cache of answers (issuecache.h). */
void github_api_url(const struct github *g, const char *path, struct buf *out);

/* The web page of issue number of repo on this API's site, into out. */
void github_issue_url(const struct github *g, const char *repo, const char *number, struct buf *out);

/* Issues (issue ages, the tracking issue of alerts). */

/* API paths for repo ("O/N", checked by the caller with github_name_ok):
 * its issues, open and closed, the latest updated first (one page of
 * 100); a search of its issues for word in the body; where a new issue is
 * POSTed (an issue's own path is github_issue_path's). */
void github_issues_recent_path(const char *repo, struct buf *out);
void github_issues_search_path(const char *repo, const char *word, struct buf *out);
void github_issues_new_path(const char *repo, struct buf *out);

/* Prepare a request with a JSON body (method "POST" or "PATCH") to path
 * under the API, with the token and header blocks (see github_parse).
 * The body and the token reach curl on stdin, never argv.  Returns 0, or
 * -1 with why. */
int github_send(const struct github *g, struct gh_call *k, const char *method, const char *path,
    const char *json, struct buf *why);

#endif
