/*
 * file: files in and out.  Reading with a size limit; a read-only view of
 * a large file by mmap, with the SIGBUS guard a mapped file needs; and the
 * atomic write (temporary file beside the target, fsync, rename) that every
 * file the tool writes goes through.
 */
#ifndef FILE_H
#define FILE_H

#include <stddef.h>

#include "util.h"

/* Read path ("-" = stdin) into body, refusing more than max bytes.
 * Returns 0, or -1 with why set (the body is then freed). */
int read_file_limited(const char *path, size_t max, struct buf *body, struct buf *why);

/* A document in memory: read into a buffer, or, for a large regular file,
 * mapped (no copy, no zero-filled pages: the big-list path). */
struct blob {
	const char *p;
	size_t len;
	void *map;              /* non-NULL when mapped */
	struct buf b;
};

/* Like read_file_limited, but maps large regular files.  Read a mapped
 * blob only inside file_guarded(): a file that shrinks while it is read
 * raises SIGBUS. */
int blob_load_file(struct blob *bl, const char *path, size_t max, struct buf *why);
/* Take over a buffer (fetched bodies). */
void blob_from_buf(struct blob *bl, struct buf *b);
void blob_free(struct blob *bl);

/* Run fn(arg) over bl.  When bl is mapped, a SIGBUS (the file shrank under
 * us) ends fn early: returns -2 then.  Else returns fn's value.  fn must not
 * hold resources a jump out of it would leak (it may allocate into
 * structures the caller frees). */
long file_guarded(const struct blob *bl, long (*fn)(void *arg), void *arg);

/* Write len bytes to path in one piece: path NULL or "-" is stdout; a path
 * that is not a regular file (/dev/null, a FIFO) is written into; else a
 * temporary file beside it is renamed over it, with the mode the umask
 * gives.  Returns 0, or -1 with why set; a failed write leaves no
 * temporary file and the old file untouched. */
int file_write_atomic(const char *path, const char *p, size_t len, struct buf *why);

#endif
