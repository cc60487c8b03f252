/*
 * spawn: run other programs from an argv array (never a shell), with pipes
 * for stdin, stdout and stderr, a deadline, and a kill that always reaps.
 * Many children run at once through one poll() loop.
 *
 * Usage: fill in argv (and optionally input, env, out_limit, on_out), then
 * child_start() each, then children_wait() on the set.  Every started child
 * has been reaped when children_wait() returns, whatever happened.  Or hand
 * children to a pool (pool_run, or the FIFO queue childq_run), which starts
 * them up to a limit at once, as git's run_processes_parallel does.
 *
 * Every child runs in its own process group, so a kill (at the deadline, or
 * for out_limit / on_out) reaches whatever it forked too.  Being outside our
 * group, children no longer get the terminal's ^C: while any child runs,
 * SIGHUP, SIGINT, SIGQUIT and SIGTERM (those still at their default action
 * when spawn_catch_signals() or the first child_start() takes them) are
 * passed on to every child's group, and after at most TERM_GRACE every
 * group is killed, before this process dies of them.
 *
 * A child is finished when it has exited, even if something it started
 * still holds its stdout or stderr open: what is in its pipes then is read,
 * its group's leftovers are killed, and it is reaped.  (SIGCHLD, when still
 * at its default action at the first child_start(), wakes the loop that
 * serves the children; it is then handled with SA_RESTART.)
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* Seconds between TERM and KILL when children are killed.  Children killed
 * together (at a deadline) share one grace period. */
#define TERM_GRACE 0.3

/* An output of a child besides its stdout: the child writes it to its
 * descriptor 3 + i (i: its index in child.streams), e.g. as the file
 * /dev/fd/3; each chunk goes to on_out as it comes. */
struct child_stream {
	int (*on_out)(void *arg, const char *p, size_t n);
	void *arg;
	int fd;                 /* internal: the read end, -1 once closed */
};

#define CHILD_MAX_STREAMS 64

struct child {
	/* What to run. */
	char *const *argv;      /* argv[0] is looked up on PATH */
	char *const *env;       /* NULL: inherit the environment */
	const char *dir;        /* the folder it runs in; NULL: ours */
	const char *input;      /* written to the child's stdin, then closed */
	size_t input_len;
	size_t out_limit;       /* stop (kill) when stdout exceeds this; 0 = none */
	/* Streaming: when set, stdout goes here instead of into `out`.  A
	 * non-zero return stops the child (as for out_limit). */
	int (*on_out)(void *arg, const char *p, size_t n);
	void *on_out_arg;
	/* For a queue (struct childq): called once when the child has ended,
	 * or was never started before the deadline (never_started set).
	 * It may queue more children on the same queue. */
	void (*on_done)(void *arg, struct child *c);
	void *on_done_arg;
	/* More outputs (at most CHILD_MAX_STREAMS), read like stdout. */
	struct child_stream *streams;
	size_t nstreams;

	/* What happened. */
	struct buf out;         /* stdout (unless on_out) */
	struct buf err;         /* the first 16 KB of stderr */
	int exit_code;          /* exit status, or -1 if killed by a signal */
	int signal;             /* the signal that ended it, or 0 */
	int exec_errno;         /* non-zero: the program could not be run */
	int timed_out;          /* killed at the deadline */
	int stopped;            /* killed for out_limit or on_out */
	double seconds;         /* how long it ran */
	int never_started;      /* queued, but the deadline came first */

	/* Internal. */
	pid_t pid;              /* also its process group */
	int fd_in, fd_out, fd_err;
	size_t in_off;
	int reaped;
	double started;
	struct child *q_next;   /* in a struct childq */
	/* Set by pool_run while c runs in a pool with an output callback. */
	int (*pool_out)(void *arg, struct child *c, const char *p, size_t n);
	void *pool_arg;
};

/* Start c.  Returns 0, or -1 with c->exec_errno set (ENOENT: not installed);
 * a child that failed to start needs no waiting. */
int child_start(struct child *c);

/* Serve the started children until all have ended or the deadline (on the
 * now_seconds() clock) passes; at the deadline the rest are killed together
 * (TERM to each group, one TERM_GRACE for all, then KILL) and reaped. */
void children_wait(struct child **cs, size_t n, double deadline);

/* Start one child and wait for it.  Returns 0 when it ran to exit status 0. */
int child_run(struct child *c, double deadline);

/* One line describing how c failed ("exit status 22", "killed at the time
 * limit", "not installed" ...), with its own error line from stderr
 * ("curl: (60) ...", the last such line) or else the last line of its
 * stderr, if any.  Writes into out (cleared first). */
void child_describe(const struct child *c, struct buf *out);

void child_free(struct child *c);

struct pool {
	size_t limit;            /* children at once (0 is taken as 1) */
	double deadline;         /* now_seconds() clock */
	/* The next child to start (argv etc. filled in), or NULL when none is
	 * ready now; asked again after every child that ends. */
	struct child *(*next)(void *arg);
	/* Optional: a chunk of c's stdout; non-zero stops c (like out_limit).
	 * When NULL, c's own on_out or c->out is used, as today.  When set,
	 * it takes every child's stdout instead of on_out and out (c's own
	 * on_out and on_out_arg are left as they are, and not called). */
	int (*output)(void *arg, struct child *c, const char *p, size_t n);
	/* c has ended: exit, signal, stopped, timed out, or could not start
	 * (exec_errno set).  Called exactly once per child next() returned,
	 * in the order they ended; it may make next() return more. */
	void (*finished)(void *arg, struct child *c);
	void *arg;
	/* What happened (counted from 0 by each pool_run). */
	size_t started, failed_to_start, killed_at_deadline;
};
/* Start children from next() up to limit, serve them in one poll() loop,
 * call finished() for each as it ends, until next() returns NULL with
 * nothing running, or the deadline passes.  At the deadline every running
 * child is killed at once: TERM to every process group, ONE grace period
 * (TERM_GRACE) for all of them together, then KILL to those left; each is
 * reaped and reported to finished() with timed_out set.  next() is not
 * asked again after the deadline.  Every child is reaped on return. */
void pool_run(struct pool *p);

/* The common case: a FIFO queue of children, each with its on_done. */
struct childq { struct child *head, *tail; size_t queued; };
void childq_add(struct childq *q, struct child *c);
/* Run the queue (and whatever on_done callbacks add to it) through
 * pool_run with limit and deadline; children still queued at the deadline
 * get on_done with never_started set (not started, no exec).  The queue is
 * empty on return. */
void childq_run(struct childq *q, size_t limit, double deadline);

/* Take SIGHUP, SIGINT, SIGQUIT and SIGTERM (those at their default action)
 * now, rather than at the first child_start(): when one comes, the children
 * go as above, then cleanup (when not NULL; async-signal-safe calls only)
 * runs, and this process dies of the signal.  Call once, early, after the
 * standard descriptors are in place (it may open a pipe). */
void spawn_catch_signals(void (*cleanup)(void));

/* Is prog (no slash) an executable regular file in a folder of PATH (an
 * empty element is "."; PATH unset: the system's default path, as for
 * execvp)?  A prog with a slash is checked as a path. */
int program_on_path(const char *prog);

#endif
