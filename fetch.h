/* fetch: bring a document into memory, from a URL through the system's curl
 * or from a file, never beyond a size limit and never past a deadline. */
#ifndef FETCH_H
#define FETCH_H

#include <stddef.h>

#include "util.h"

struct fetch_opts {
	size_t max_bytes;       /* refuse anything larger */
	int retries;            /* curl --retry on transient failures */
	double deadline;        /* on the now_seconds() clock */
};

/* Fetch url (http or https only) into body.  Returns 0, or -1 with one line
 * in why saying what went wrong.  The body is never partial on success. */
int fetch_url(const char *url, const struct fetch_opts *o, struct buf *body, struct buf *why);

/* Read path ("-" = stdin) into body, refusing more than max bytes. */
int read_file_limited(const char *path, size_t max, struct buf *body, struct buf *why);

#endif
