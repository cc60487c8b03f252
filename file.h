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

/* Call first thing, before anything is opened: notes whether standard
 * input and output are closed, and opens /dev/null on each of descriptors
 * 0, 1 and 2 that is, so that no file opened later takes its place (and is
 * read as "-", or written as the result).  Reading "-" then fails
 * ("standard input is closed"), and so does writing to standard output. */
void file_stdio_guard(void);

/* The deadline (now_seconds() clock) of read_file_limited() and
 * blob_load_file(): set once by the run; 0, the default, is none. */
void file_set_deadline(double deadline);

/* Read path ("-" = stdin) into body, refusing more than max bytes.  What
 * is not a regular file (a pipe, a FIFO, a terminal, "-" as one of them)
 * is read only until deadline (now_seconds() clock; 0: none): a FIFO is
 * opened without waiting for a writer, and each read waits at most until
 * the deadline.  Returns 0, or -1 with why set (the body is then freed). */
int read_file_until(const char *path, size_t max, double deadline, struct buf *body,
    struct buf *why);
/* read_file_until() with the deadline of file_set_deadline(). */
int read_file_limited(const char *path, size_t max, struct buf *body, struct buf *why);

/* A document in memory: read into a buffer, or, for a large regular file,
 * mapped (no copy, no zero-filled pages: the big-list path). */
struct blob {
	const char *p;
	size_t len;
	void *map;              /* non-NULL when mapped */
	struct buf b;
};

/* Like read_file_until, but maps large regular files.  Read a mapped
 * blob only inside file_guarded(): a file that shrinks while it is read
 * raises SIGBUS. */
int blob_load_until(struct blob *bl, const char *path, size_t max, double deadline,
    struct buf *why);
/* blob_load_until() with the deadline of file_set_deadline(). */
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
 * temporary file and the old file untouched.  So does a fatal signal
 * whose handler calls file_remove_temp(). */
int file_write_atomic(const char *path, const char *p, size_t len, struct buf *why);
/* The same, of n pieces written one after the other (no copy joins them). */
struct file_piece {
	const char *p;
	size_t len;
};
int file_write_atomic_pieces(const char *path, const struct file_piece *v, size_t n, struct buf *why);

/* Append len bytes to path, created (mode 0666 minus the umask) when
 * missing, as GitHub's GITHUB_STEP_SUMMARY is written.  Returns 0, or -1
 * with why set ("PATH: cause"). */
int file_append(const char *path, const char *p, size_t len, struct buf *why);

/* Remove the temporary file of a file_write_atomic() in progress, if any.
 * Async-signal-safe: for the handler of a signal the program dies of
 * (spawn_catch_signals). */
void file_remove_temp(void);

/* An exclusive lock on the side file path (created, mode 0666 minus the
 * umask, never removed: removing a lock file races with its next taker),
 * by fcntl, waited for until deadline (now_seconds() clock; 0: none).
 * Returns the descriptor to give to file_unlock(), or -1 with why set. */
int file_lock(const char *path, double deadline, struct buf *why);
void file_unlock(int fd);

/* Keep path aside: rename it to path+suffix (with "-2", "-3"... when that
 * exists), never removing anything.  The name used goes to aside.
 * Returns 0, or -1 with why set. */
int file_set_aside(const char *path, const char *suffix, struct buf *aside, struct buf *why);

#endif
