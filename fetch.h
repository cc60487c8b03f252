/* fetch: bring a document into memory, from a URL through the system's curl
 * or from a file, never beyond a size limit and never past a deadline. */
#ifndef FETCH_H
#define FETCH_H

#include <stddef.h>

#include "spawn.h"
#include "util.h"

struct fetch_opts {
	size_t max_bytes;       /* refuse anything larger */
	int retries;            /* curl --retry on transient failures */
	double deadline;        /* on the now_seconds() clock */
};

/* Fetch url (http or https only) into body.  Returns 0, or -1 with one line
 * in why saying what went wrong.  The body is never partial on success. */
int fetch_url(const char *url, const struct fetch_opts *o, struct buf *body, struct buf *why);

/* A document in memory: read into a buffer, or, for a large regular file,
 * mapped (no copy, no zero-filled pages: the big-list path). */
struct blob {
	const char *p;
	size_t len;
	void *map;              /* non-NULL when mapped */
	struct buf b;
};

/* Like read_file_limited, but maps large regular files.  A mapped file that
 * shrinks while it is read raises SIGBUS: the caller guards for that. */
int blob_load_file(struct blob *bl, const char *path, size_t max, struct buf *why);
/* Take over a buffer (fetched bodies). */
void blob_from_buf(struct blob *bl, struct buf *b);
void blob_free(struct blob *bl);

/* The same in two steps, so that a fetch can run while other work (the
 * trunk source) goes on: start the child, serve it (see spawn.h) or not,
 * then finish, which waits for it up to the deadline. */
struct fetch {
	struct child c;
	struct fetch_opts opts;
	int started;
	char *argv[32];
	char maxtime[32], conn[32], maxsize[32], retries[16], retrytime[32];
};
int fetch_start(struct fetch *f, const char *url, const struct fetch_opts *o, struct buf *why);
int fetch_finish(struct fetch *f, struct buf *body, struct buf *why);

/* Read path ("-" = stdin) into body, refusing more than max bytes. */
int read_file_limited(const char *path, size_t max, struct buf *body, struct buf *why);

#endif
