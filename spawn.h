/*
 * spawn: run other programs from an argv array (never a shell), with pipes
 * for stdin, stdout and stderr, a deadline, and a kill that always reaps.
 * Many children run at once through one poll() loop.
 *
 * Usage: fill in argv (and optionally input, env, out_limit, on_out), then
 * child_start() each, then children_wait() on the set.  Every started child
 * has been reaped when children_wait() returns, whatever happened.
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct child {
	/* What to run. */
	char *const *argv;      /* argv[0] is looked up on PATH */
	char *const *env;       /* NULL: inherit the environment */
	const char *input;      /* written to the child's stdin, then closed */
	size_t input_len;
	size_t out_limit;       /* stop (kill) when stdout exceeds this; 0 = none */
	/* Streaming: when set, stdout goes here instead of into `out`.  A
	 * non-zero return stops the child (as for out_limit). */
	int (*on_out)(void *arg, const char *p, size_t n);
	void *on_out_arg;

	/* What happened. */
	struct buf out;         /* stdout (unless on_out) */
	struct buf err;         /* the first 16 KB of stderr */
	int exit_code;          /* exit status, or -1 if killed by a signal */
	int signal;             /* the signal that ended it, or 0 */
	int exec_errno;         /* non-zero: the program could not be run */
	int timed_out;          /* killed at the deadline */
	int stopped;            /* killed for out_limit or on_out */
	double seconds;         /* how long it ran */

	/* Internal. */
	pid_t pid;
	int fd_in, fd_out, fd_err;
	size_t in_off;
	int reaped;
	double started;
};

/* Start c.  Returns 0, or -1 with c->exec_errno set (ENOENT: not installed);
 * a child that failed to start needs no waiting. */
int child_start(struct child *c);

/* Serve the started children until all have ended or the deadline (on the
 * now_seconds() clock) passes; at the deadline the rest are killed (TERM,
 * then KILL) and reaped. */
void children_wait(struct child **cs, size_t n, double deadline);

/* Serve the started children until at least one has ended (or, at the
 * deadline, all are killed).  Returns how many ended; finished children
 * have `reaped` set.  For running many with a limit on how many at once. */
size_t children_wait_any(struct child **cs, size_t n, double deadline);

/* Start one child and wait for it.  Returns 0 when it ran to exit status 0. */
int child_run(struct child *c, double deadline);

/* One line describing how c failed ("exit status 22", "killed at the time
 * limit", "not installed" ...), with the last line of its stderr if any.
 * Writes into out (cleared first). */
void child_describe(const struct child *c, struct buf *out);

void child_free(struct child *c);

#endif
