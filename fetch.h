/*
 * fetch: the one place a curl command line is built.  Every HTTP request
 * the tool makes (the disabled-tests list, each GitHub API call, each log
 * download) is a curl child described by a fetch_req, never past a size
 * limit or a deadline.  Secrets (a token header) reach curl on its
 * standard input as config text, never in argv.
 */
#ifndef FETCH_H
#define FETCH_H

#include <stddef.h>

#include "spawn.h"
#include "util.h"

struct fetch_req {
	const char *url;        /* http:// or https:// only */
	double deadline;        /* on the now_seconds() clock */
	size_t max_bytes;       /* refuse a larger body; 0 = no limit */
	int retries;            /* curl --retry on transient failures */
	int follow;             /* follow redirects (--location) */
	int headers;            /* header blocks before the body (--dump-header -) */
	int fail_on_http_error; /* --fail: HTTP >= 400 is exit 22, no body */
	const char *accept;     /* an Accept header, or NULL */
	const char *config;     /* curl config text for stdin (a header with a
	                         * token), or NULL; must outlive the child */
	/* A batch: when nurls > 0, url is not used and these are fetched at
	 * once by the one curl (--parallel; over HTTP/2, on one connection):
	 * transfer i writes its body to the child's descriptor 3 + i (give
	 * the child that many streams, spawn.h), and one line
	 * "I EXIT HTTP\n" per transfer goes to stdout as it ends (I its
	 * index, EXIT curl's exit code for it, HTTP its status).  Needs curl
	 * 7.75 or later. */
	const char *const *urls;
	size_t nurls;
	/* A request with a body: method ("POST", "PATCH"; NULL is POST)
	 * and body (JSON, sent as Content-Type: application/json).  The body
	 * reaches curl in the config text on its stdin, never in argv. */
	const char *method;
	const char *body;
	/* The URL is a secret (a webhook's): it reaches curl in the config
	 * text on stdin, never argv, and no message names it. */
	int url_secret;
	/* A conditional GET (one URL only): the validators of a copy at
	 * hand, sent as If-None-Match and If-Modified-Since; NULL: not sent.
	 * A value with control characters, or longer than 512 bytes, is not
	 * sent.  Set headers too, to see the 304 (fetch_meta). */
	const char *if_none_match;
	const char *if_modified_since;
};

/* The most transfers one batch may hold. */
#define FETCH_MAX_BATCH CHILD_MAX_STREAMS

struct fetch {
	struct child c;         /* ready to start, or to queue (spawn.h) */
	struct fetch_req req;
	char **argv;
	char **owned;           /* strings argv points into: URLs, file names */
	size_t nowned;
	char *url;
	struct buf stdin_cfg;   /* config text with the body or the secret URL */
	char *cond[2];          /* the conditional headers, owned */
	char maxtime[32], conn[32], maxsize[32], retries[16], retrytime[32];
};

/* Fill f (its child's argv, limits and stdin) for req; f is cleared first.
 * Returns 0, or -1 with why set (not an http(s) URL, no time left). */
int fetch_prepare(struct fetch *f, const struct fetch_req *req, struct buf *why);

/* For a batch, after f's child has ended: the outcome of transfer i, from
 * its line on stdout.  Returns 0 when it completed with a 2xx status,
 * else -1 with why set (its HTTP status, curl's exit code, or no line:
 * still running when curl was stopped). */
int fetch_batch_result(const struct fetch *f, size_t i, struct buf *why);

/* After f's child has ended: returns 0 and hands its stdout over to body
 * (no copy), or -1 with one line in why (too large, killed at the time
 * limit, curl's own message). */
int fetch_result(struct fetch *f, struct buf *body, struct buf *why);

/* Did f's child end for want of time: killed at our deadline, or stopped
 * by curl's own --max-time (which is set just short of it)? */
int fetch_timed_out(const struct fetch *f);

/* curl's output with headers (--dump-header -, req.headers): one header
 * block per response curl saw (a 302, then a 200), then the body.  A
 * caller walks it as
 *
 *	while (http_block(&p, end, &status))
 *		while (http_header_line(&p, end, &line, &n))
 *			if (http_header_is(line, n, "etag", &v, &vn)) ...
 *
 * http_block: when p starts a block ("HTTP/"), its status (the three
 * digits after the first blank of the status line; 0 when there are none)
 * and p past that line; returns 1, else 0 and p unmoved.
 * http_header_line: the next header line of the block (its CR cut); at
 * the blank line that ends the block (or the end of the text), p past it
 * and 0.
 * http_header_is: is the line the header `name` (lowercase; the line's
 * name in any case)?  Its value, blanks trimmed, in *v and *vn. */
int http_block(const char **p, const char *end, int *status);
int http_header_line(const char **p, const char *end, const char **line, size_t *n);
int http_header_is(const char *line, size_t n, const char *name, const char **v, size_t *vn);

/* What a response with headers (req.headers) says: the last header
 * block's status, its ETag and Last-Modified (NUL-terminated copies, or
 * NULL: absent or unusable), and where the body starts.  Returns 0, or -1
 * when p does not start with a header block ("HTTP/"). */
struct fetch_meta {
	int status;
	char *etag;
	char *last_modified;
	size_t body_off;
};
int fetch_meta_parse(const char *p, size_t n, struct fetch_meta *m);
void fetch_meta_free(struct fetch_meta *m);

void fetch_free(struct fetch *f);

#endif
