#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define ERR_KEEP (16 * 1024)

/*
 * Children run in their own process groups, so the terminal's ^C (and a
 * TERM or HUP sent to our group) no longer reaches them.  While a child is
 * running its group is in this table, and the signals below, when still at
 * their default action when they are first taken (spawn_catch_signals, or
 * the first child_start), are passed on to every group in it, the groups
 * are killed after at most TERM_GRACE, the cleanup runs, and this process
 * dies of the signal.  A fixed table: the signal handler reads it, so it is
 * never reallocated (children beyond LIVE_MAX at once are not passed
 * signals).
 */
#define LIVE_MAX 256
static volatile pid_t live_pids[LIVE_MAX];
static const int passed_on[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
static sigset_t passing;        /* those of passed_on whose handler is ours */
static int passing_set_up;
static void (*volatile fatal_cleanup)(void);

/*
 * A child's exit wakes the serve loop even while a grandchild holds its
 * pipes open: SIGCHLD writes a byte into this pipe, which serve() polls.
 * -1 when SIGCHLD is not ours (ignored, or the program's own handler): then
 * serve() looks for exits on a short timer instead.
 */
static int chld_pipe[2] = { -1, -1 };

/* Async-signal-safe: nothing but waitpid, kill, poll, clock_gettime. */
static double
signal_safe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
pass_on_signal(int sig)
{
	pid_t groups[LIVE_MAX];
	int gone[LIVE_MAX];
	size_t n = 0, left;
	struct sigaction dfl;
	sigset_t s;
	double until;

	for (size_t i = 0; i < LIVE_MAX; i++) {
		pid_t pid = live_pids[i];

		if (pid > 0) {
			kill(-pid, sig);
			kill(-pid, SIGCONT);
			groups[n] = pid;
			gone[n++] = 0;
		}
	}
	/* The leaders get TERM_GRACE to go; then every group is killed, so
	 * that nothing they started (a grandchild ignoring sig) outlives us.
	 * A leader reaped here frees its group id only once the group is
	 * empty, and then the KILL finds no one (the id is not reused within
	 * the few milliseconds this takes). */
	until = signal_safe_now() + TERM_GRACE;
	for (left = n; left > 0 && signal_safe_now() < until;) {
		for (size_t i = 0; i < n; i++) {
			int st;
			pid_t r;

			if (gone[i])
				continue;
			r = waitpid(groups[i], &st, WNOHANG);
			if (r == groups[i] || (r < 0 && errno != EINTR)) {
				gone[i] = 1;
				left--;
			}
		}
		if (left > 0)
			poll(NULL, 0, 5);
	}
	for (size_t i = 0; i < n; i++)
		kill(-groups[i], SIGKILL);
	if (fatal_cleanup)
		fatal_cleanup();
	/* Then die of it as we would have without the handler. */
	dfl.sa_handler = SIG_DFL;
	dfl.sa_flags = 0;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	raise(sig);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
}

static int
set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
on_sigchld(int sig)
{
	int e = errno;

	(void)sig;
	/* Full (EAGAIN): a wake-up is pending anyway. */
	(void)!write(chld_pipe[1], "", 1);
	errno = e;
}

static void
set_up_sigchld(void)
{
	struct sigaction sa, old;

	if (sigaction(SIGCHLD, NULL, &old) < 0 || old.sa_handler != SIG_DFL ||
	    (old.sa_flags & SA_SIGINFO))
		return;
	if (pipe(chld_pipe) < 0)
		goto fail;
	if (set_cloexec(chld_pipe[0]) < 0 || set_cloexec(chld_pipe[1]) < 0 ||
	    set_nonblock(chld_pipe[0]) < 0 || set_nonblock(chld_pipe[1]) < 0)
		goto fail;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	/* Restarted: reads and writes elsewhere in the program carry on. */
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &sa, NULL) == 0)
		return;
fail:
	if (chld_pipe[0] >= 0)
		close(chld_pipe[0]);
	if (chld_pipe[1] >= 0)
		close(chld_pipe[1]);
	chld_pipe[0] = chld_pipe[1] = -1;
}

static void
set_up_passing(void)
{
	struct sigaction sa, old;

	if (passing_set_up)
		return;
	passing_set_up = 1;
	sigemptyset(&passing);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = pass_on_signal;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof passed_on / sizeof passed_on[0]; i++) {
		/* A signal the program ignores or handles itself is its own. */
		if (sigaction(passed_on[i], NULL, &old) < 0 || old.sa_handler != SIG_DFL ||
		    (old.sa_flags & SA_SIGINFO))
			continue;
		if (sigaction(passed_on[i], &sa, NULL) == 0)
			sigaddset(&passing, passed_on[i]);
	}
	set_up_sigchld();
}

void
spawn_catch_signals(void (*cleanup)(void))
{
	fatal_cleanup = cleanup;
	set_up_passing();
}

static void
remember_pid(pid_t pid)
{
	for (size_t i = 0; i < LIVE_MAX; i++) {
		if (live_pids[i] == 0) {
			live_pids[i] = pid;
			return;
		}
	}
}

static void
forget_pid(pid_t pid)
{
	for (size_t i = 0; i < LIVE_MAX; i++)
		if (live_pids[i] == pid)
			live_pids[i] = 0;
}

/* c is reaped (or no longer ours to wait for). */
static void
mark_reaped(struct child *c)
{
	c->reaped = 1;
	if (c->pid > 0)
		forget_pid(c->pid);
}

static int
make_pipe(int p[2])
{
	if (pipe(p) < 0)
		return -1;
	if (set_cloexec(p[0]) < 0 || set_cloexec(p[1]) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	return 0;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* What happened to c, back to "nothing yet": no pipes, no status. */
static void
reset_outcome(struct child *c)
{
	c->pid = -1;
	c->fd_in = c->fd_out = c->fd_err = -1;
	for (size_t i = 0; i < c->nstreams && c->nstreams <= CHILD_MAX_STREAMS; i++)
		c->streams[i].fd = -1;
	c->exit_code = -1;
	c->signal = 0;
	c->reaped = 0;
	c->exec_errno = 0;
	c->timed_out = 0;
	c->stopped = 0;
	c->never_started = 0;
	c->seconds = 0;
	c->started = now_seconds();
}

/* Every pipe of c, closed. */
static void
close_pipes(struct child *c)
{
	close_fd(&c->fd_in);
	close_fd(&c->fd_out);
	close_fd(&c->fd_err);
	for (size_t i = 0; i < c->nstreams; i++)
		close_fd(&c->streams[i].fd);
}

/* One read from stream s of c.  Returns the bytes read, 0 at its end (it
 * is then closed) or when c was stopped, -1 when there is nothing now. */
static ssize_t drain_stream(struct child *c, struct child_stream *s);

/* In the child after fork, with every signal blocked: only
 * async-signal-safe calls until exec. */
static void
exec_child(struct child *c, int in_r, int out_w, int err_w, int report_w,
    const int *stream_w, const sigset_t *mask)
{
	struct sigaction dfl;
	int tmp[CHILD_MAX_STREAMS];
	int e, top = 3 + (int)c->nstreams;

	/* A group of its own: a kill reaches whatever it starts too. */
	setpgid(0, 0);
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (size_t i = 0; i < sizeof passed_on / sizeof passed_on[0]; i++)
		if (sigismember(&passing, passed_on[i]) == 1)
			sigaction(passed_on[i], &dfl, NULL);
	/* The parent ignores SIGPIPE; a child must not inherit that. */
	sigaction(SIGPIPE, &dfl, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* The streams go to 3, 4, ...: first every descriptor that matters
	 * moves above them, so that placing one never closes another. */
	if (c->nstreams) {
		int r = fcntl(report_w, F_DUPFD_CLOEXEC, top);

		if (r < 0)
			_exit(127);
		report_w = r;
		for (size_t i = 0; i < c->nstreams; i++)
			if ((tmp[i] = fcntl(stream_w[i], F_DUPFD_CLOEXEC, top)) < 0)
				goto fail;
	}
	if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		goto fail;
	for (size_t i = 0; i < c->nstreams; i++)
		if (dup2(tmp[i], 3 + (int)i) < 0)
			goto fail;
	if (c->dir && chdir(c->dir) < 0)
		goto fail;
	if (c->env)
		environ = (char **)c->env;
	execvp(c->argv[0], c->argv);
fail:
	e = errno;
	while (write(report_w, &e, sizeof e) < 0 && errno == EINTR)
		;
	_exit(127);
}

int
child_start(struct child *c)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int report[2] = { -1, -1 };
	int sr[CHILD_MAX_STREAMS], sw[CHILD_MAX_STREAMS];
	size_t ns = 0;
	sigset_t all, old;
	ssize_t r;
	int e = 0;

	reset_outcome(c);
	set_up_passing();
	if (c->nstreams > CHILD_MAX_STREAMS) {
		c->exec_errno = EINVAL;
		goto fail;
	}
	if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(err) < 0 ||
	    make_pipe(report) < 0) {
		c->exec_errno = errno;
		goto fail;
	}
	for (; ns < c->nstreams; ns++) {
		int p[2];

		if (make_pipe(p) < 0) {
			c->exec_errno = errno;
			goto fail;
		}
		sr[ns] = p[0];
		sw[ns] = p[1];
	}
	/* No signal handler runs in the child before exec, and the parent
	 * knows the child's group before a signal can be passed on. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	c->pid = fork();
	if (c->pid < 0) {
		c->exec_errno = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		goto fail;
	}
	if (c->pid == 0)
		exec_child(c, in[0], out[1], err[1], report[1], sw, &old);
	/* The child does this too; whichever comes second fails harmlessly
	 * (EACCES once it has exec'd, ESRCH once it is gone). */
	(void)setpgid(c->pid, c->pid);
	remember_pid(c->pid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(report[1]);
	for (size_t i = 0; i < ns; i++)
		close(sw[i]);
	/* The report pipe closes on a successful exec, or carries errno. */
	do
		r = read(report[0], &e, sizeof e);
	while (r < 0 && errno == EINTR);
	close(report[0]);
	if (r == (ssize_t)sizeof e) {
		int st;

		while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
			;
		mark_reaped(c);
		c->exec_errno = e;
		close(in[1]);
		close(out[0]);
		close(err[0]);
		for (size_t i = 0; i < ns; i++)
			close(sr[i]);
		return -1;
	}
	for (size_t i = 0; i < ns; i++) {
		c->streams[i].fd = sr[i];
		set_nonblock(sr[i]);
	}
	/* Never blocked on: what is left once the child has exited is read
	 * until the pipe is empty, whoever else holds it open. */
	c->fd_out = out[0];
	c->fd_err = err[0];
	set_nonblock(c->fd_out);
	set_nonblock(c->fd_err);
	if (c->input_len > 0) {
		c->fd_in = in[1];
		set_nonblock(c->fd_in);
	} else {
		close(in[1]);
	}
	c->in_off = 0;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0) close(in[i]);
		if (out[i] >= 0) close(out[i]);
		if (err[i] >= 0) close(err[i]);
		if (report[i] >= 0) close(report[i]);
	}
	for (size_t i = 0; i < ns; i++) {
		close(sr[i]);
		close(sw[i]);
	}
	for (size_t i = 0; i < c->nstreams && c->nstreams <= CHILD_MAX_STREAMS; i++)
		c->streams[i].fd = -1;
	c->reaped = 1;
	return -1;
}

static void
note_status(struct child *c, int st)
{
	mark_reaped(c);
	c->seconds = now_seconds() - c->started;
	if (WIFEXITED(st)) {
		c->exit_code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		c->exit_code = -1;
		c->signal = WTERMSIG(st);
	}
}

/* sig to c's process group.  Only while c is unreaped: until then its
 * group id cannot belong to anyone else. */
static void
signal_child(const struct child *c, int sig)
{
	if (kill(-c->pid, sig) < 0 && errno == ESRCH)
		kill(c->pid, sig);
}

/* Has c (unreaped) exited?  Looked at without reaping it, so that its
 * group can still be signalled safely. */
static int
has_exited(const struct child *c)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != EINTR;  /* not ours to wait for: nothing to wait for */
	return si.si_pid == c->pid;
}

/*
 * Kill every unreaped child of cs together: TERM (and CONT, for one that
 * is stopped) to each process group, one grace period for them all, ended
 * early when every leader has exited, then KILL to every group (the leaders
 * are unreaped until then, so the group ids are still theirs: this also
 * ends what a leader left behind) and reap.  Their pipes are closed first.
 * Returns how many were killed.
 */
static size_t
kill_all(struct child **cs, size_t n)
{
	size_t killed = 0;
	double until;

	for (size_t i = 0; i < n; i++) {
		struct child *c = cs[i];

		close_pipes(c);
		if (c->reaped || c->pid <= 0)
			continue;
		signal_child(c, SIGTERM);
		signal_child(c, SIGCONT);
		killed++;
	}
	if (killed == 0)
		return 0;
	until = now_seconds() + TERM_GRACE;
	for (;;) {
		int all_exited = 1;

		for (size_t i = 0; i < n && all_exited; i++)
			if (!cs[i]->reaped && cs[i]->pid > 0 && !has_exited(cs[i]))
				all_exited = 0;
		if (all_exited || now_seconds() >= until)
			break;
		poll(NULL, 0, 5);
	}
	for (size_t i = 0; i < n; i++)
		if (!cs[i]->reaped && cs[i]->pid > 0)
			signal_child(cs[i], SIGKILL);
	for (size_t i = 0; i < n; i++) {
		struct child *c = cs[i];
		int st;

		if (c->reaped || c->pid <= 0)
			continue;
		while (waitpid(c->pid, &st, 0) < 0) {
			if (errno != EINTR) {
				mark_reaped(c);
				break;
			}
		}
		if (!c->reaped)
			note_status(c, st);
	}
	return killed;
}

/* TERM, a short grace, then KILL, to c's group; always reaped on return. */
static void
kill_and_reap(struct child *c)
{
	kill_all(&c, 1);
}

/* One read from c's stdout or stderr.  Returns the bytes read, 0 at the
 * end (the pipe is then closed) or when c was stopped, -1 when there is
 * nothing to read now. */
static ssize_t
drain(struct child *c, int *fd, int is_out)
{
	char chunk[65536];
	ssize_t r = read(*fd, chunk, sizeof chunk);

	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return -1;
		close_fd(fd);
		return 0;
	}
	if (r == 0) {
		close_fd(fd);
		return 0;
	}
	if (!is_out) {
		size_t room = c->err.len < ERR_KEEP ? ERR_KEEP - c->err.len : 0;

		buf_add(&c->err, chunk, (size_t)r < room ? (size_t)r : room);
		return r;
	}
	/* A pool's output callback takes the place of c's own. */
	if (c->pool_out) {
		if (c->pool_out(c->pool_arg, c, chunk, (size_t)r) != 0) {
			c->stopped = 1;
			kill_and_reap(c);
			return 0;
		}
		return r;
	}
	if (c->on_out) {
		if (c->on_out(c->on_out_arg, chunk, (size_t)r) != 0) {
			c->stopped = 1;
			kill_and_reap(c);
			return 0;
		}
		return r;
	}
	if (c->out_limit && c->out.len + (size_t)r > c->out_limit) {
		c->stopped = 1;
		kill_and_reap(c);
		return 0;
	}
	buf_add(&c->out, chunk, (size_t)r);
	return r;
}

static ssize_t
drain_stream(struct child *c, struct child_stream *s)
{
	char chunk[65536];
	ssize_t r = read(s->fd, chunk, sizeof chunk);

	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return -1;
		close_fd(&s->fd);
		return 0;
	}
	if (r == 0) {
		close_fd(&s->fd);
		return 0;
	}
	if (s->on_out && s->on_out(s->arg, chunk, (size_t)r) != 0) {
		c->stopped = 1;
		kill_and_reap(c);
		return 0;
	}
	return r;
}

/*
 * c (unreaped) has exited: it is finished, whoever still holds its pipes.
 * Whatever its group left behind is killed (its leader unreaped until
 * then: the group id is still its own), what is in the pipes is read
 * without waiting for more, the pipes are closed, and c is reaped.
 * A child that could not be waited for (not ours) is only let go.
 */
static void
finish_exited(struct child *c, int zombie)
{
	int st;

	if (zombie)
		kill(-c->pid, SIGKILL);
	while (c->fd_out >= 0 && !c->reaped && drain(c, &c->fd_out, 1) > 0)
		;
	while (c->fd_err >= 0 && !c->reaped && drain(c, &c->fd_err, 0) > 0)
		;
	for (size_t i = 0; i < c->nstreams; i++)
		while (c->streams[i].fd >= 0 && !c->reaped && drain_stream(c, &c->streams[i]) > 0)
			;
	close_pipes(c);
	if (c->reaped)
		return;         /* stopped by its output callback, and reaped */
	if (!zombie) {
		mark_reaped(c);
		return;
	}
	while (waitpid(c->pid, &st, 0) < 0) {
		if (errno != EINTR) {
			mark_reaped(c);
			return;
		}
	}
	note_status(c, st);
}

/* Has c (unreaped) exited?  1: yes, a zombie still to reap; 2: it cannot
 * be waited for (not ours); 0: still running. */
static int
exit_state(const struct child *c)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == EINTR ? 0 : 2;
	return si.si_pid == c->pid ? 1 : 0;
}

static void
feed(struct child *c)
{
	ssize_t w = write(c->fd_in, c->input + c->in_off, c->input_len - c->in_off);

	if (w < 0) {
		if (errno != EINTR && errno != EAGAIN)
			close_fd(&c->fd_in);
		return;
	}
	c->in_off += (size_t)w;
	if (c->in_off >= c->input_len)
		close_fd(&c->fd_in);
}

/* Serve children until all have ended, or (any) until at least one has,
 * or the deadline.  Returns how many ended during the call. */
static size_t
serve(struct child **cs, size_t n, double deadline, int any)
{
	struct pollfd *pf;
	size_t reaped_before = 0, ended = 0, nfd = 1;
	int look = 1;           /* look for children that have exited */

	for (size_t i = 0; i < n; i++) {
		reaped_before += cs[i]->reaped != 0;
		nfd += 3 + cs[i]->nstreams;
	}
	pf = xmalloc(nfd * sizeof *pf);
	for (;;) {
		size_t np = 0, live = 0;
		int chld_at = -1;
		double left;
		int ms;

		/* On every SIGCHLD (or, without our handler, every round): a
		 * child that has exited is finished now, even when something
		 * it started still holds its pipes open. */
		if (look || chld_pipe[0] < 0) {
			for (size_t i = 0; i < n; i++) {
				struct child *c = cs[i];
				int e;

				if (!c->reaped && (e = exit_state(c)) != 0)
					finish_exited(c, e == 1);
			}
			look = 0;
		}
		for (size_t i = 0; i < n; i++) {
			struct child *c = cs[i];

			if (c->reaped)
				continue;
			live++;
			if (c->fd_out >= 0)
				pf[np++] = (struct pollfd){ .fd = c->fd_out, .events = POLLIN };
			if (c->fd_err >= 0)
				pf[np++] = (struct pollfd){ .fd = c->fd_err, .events = POLLIN };
			if (c->fd_in >= 0)
				pf[np++] = (struct pollfd){ .fd = c->fd_in, .events = POLLOUT };
			for (size_t k = 0; k < c->nstreams; k++)
				if (c->streams[k].fd >= 0)
					pf[np++] = (struct pollfd){ .fd = c->streams[k].fd, .events = POLLIN };
		}
		ended = n - reaped_before - live;
		if (live == 0 || (any && ended > 0))
			break;
		left = deadline - now_seconds();
		if (left <= 0) {
			/* All at once: one grace period, not one each. */
			for (size_t i = 0; i < n; i++)
				if (!cs[i]->reaped)
					cs[i]->timed_out = 1;
			kill_all(cs, n);
			ended = n - reaped_before;
			break;
		}
		ms = left > 3600 ? 3600 * 1000 : (int)(left * 1000) + 1;
		if (chld_pipe[0] >= 0) {
			chld_at = (int)np;
			pf[np++] = (struct pollfd){ .fd = chld_pipe[0], .events = POLLIN };
		} else if (ms > 1) {
			/* No SIGCHLD of ours: exits are looked for every
			 * millisecond. */
			ms = 1;
		}
		if (poll(pf, np, ms) < 0 && errno != EINTR)
			break;
		if (chld_at >= 0 && pf[chld_at].revents) {
			char sink[64];

			while (read(chld_pipe[0], sink, sizeof sink) > 0)
				;
			look = 1;
		}
		for (size_t k = 0; k < np; k++) {
			if (!pf[k].revents || (int)k == chld_at)
				continue;
			for (size_t i = 0; i < n; i++) {
				struct child *c = cs[i];

				if (c->reaped)
					continue;
				if (pf[k].fd == c->fd_out) {
					/* drain kills a child over its limit */
					drain(c, &c->fd_out, 1);
				} else if (pf[k].fd == c->fd_err) {
					drain(c, &c->fd_err, 0);
				} else if (pf[k].fd == c->fd_in) {
					if (pf[k].revents & (POLLERR | POLLHUP))
						close_fd(&c->fd_in);
					else
						feed(c);
				} else {
					for (size_t j = 0; j < c->nstreams && !c->reaped; j++)
						if (pf[k].fd == c->streams[j].fd)
							drain_stream(c, &c->streams[j]);
				}
			}
		}
	}
	free(pf);
	return ended;
}

void
children_wait(struct child **cs, size_t n, double deadline)
{
	serve(cs, n, deadline, 0);
	/* Nothing is left behind: whatever is still unreaped is killed. */
	kill_all(cs, n);
}

int
child_run(struct child *c, double deadline)
{
	if (child_start(c) < 0)
		return -1;
	children_wait(&c, 1, deadline);
	return c->exit_code == 0 && !c->timed_out && !c->stopped ? 0 : -1;
}

static double
ended_at(const struct child *c)
{
	return c->started + c->seconds;
}

void
pool_run(struct pool *p)
{
	size_t limit = p->limit ? p->limit : 1;
	struct child **run = NULL, **done = NULL;
	size_t nrun = 0, cap = 0;

	p->started = p->failed_to_start = p->killed_at_deadline = 0;
	for (;;) {
		size_t nrest = 0, ndone = 0;

		while (nrun < limit && now_seconds() < p->deadline) {
			struct child *c = p->next(p->arg);

			if (!c)
				break;
			c->pool_out = p->output;
			c->pool_arg = p->arg;
			if (child_start(c) < 0) {
				c->pool_out = NULL;
				p->failed_to_start++;
				if (p->finished)
					p->finished(p->arg, c);
				continue;
			}
			p->started++;
			if (nrun == cap) {
				cap = cap ? 2 * cap : 8;
				run = xrealloc(run, cap * sizeof *run);
				done = xrealloc(done, cap * sizeof *done);
			}
			run[nrun++] = c;
		}
		if (nrun == 0)
			break;
		/* Returns when one or more have ended; at the deadline it kills
		 * them all. */
		serve(run, nrun, p->deadline, 1);
		for (size_t i = 0; i < nrun; i++) {
			if (run[i]->reaped)
				done[ndone++] = run[i];
			else
				run[nrest++] = run[i];
		}
		if (ndone == 0) {
			/* serve gave up (poll failed): end them rather than spin. */
			kill_all(run, nrun);
			continue;
		}
		nrun = nrest;
		/* Those that ended together, in the order they ended. */
		for (size_t i = 1; i < ndone; i++) {
			struct child *c = done[i];
			size_t j = i;

			for (; j > 0 && ended_at(done[j - 1]) > ended_at(c); j--)
				done[j] = done[j - 1];
			done[j] = c;
		}
		for (size_t i = 0; i < ndone; i++) {
			struct child *c = done[i];

			c->pool_out = NULL;
			c->pool_arg = NULL;
			if (c->timed_out)
				p->killed_at_deadline++;
			if (p->finished)
				p->finished(p->arg, c);
		}
	}
	free(run);
	free(done);
}

void
childq_add(struct childq *q, struct child *c)
{
	c->q_next = NULL;
	if (q->tail)
		q->tail->q_next = c;
	else
		q->head = c;
	q->tail = c;
	q->queued++;
}

static struct child *
childq_next(void *arg)
{
	struct childq *q = arg;
	struct child *c = q->head;

	if (!c)
		return NULL;
	q->head = c->q_next;
	if (!q->head)
		q->tail = NULL;
	c->q_next = NULL;
	q->queued--;
	return c;
}

static void
childq_finished(void *arg, struct child *c)
{
	(void)arg;
	if (c->on_done)
		c->on_done(c->on_done_arg, c);
}

void
childq_run(struct childq *q, size_t limit, double deadline)
{
	struct pool p = {
		.limit = limit,
		.deadline = deadline,
		.next = childq_next,
		.finished = childq_finished,
		.arg = q,
	};
	struct child *c;

	pool_run(&p);
	/* pool_run stops early only when the queue is empty: what is left
	 * met the deadline first (and so does what their on_done adds). */
	while ((c = childq_next(q)) != NULL) {
		reset_outcome(c);
		c->never_started = 1;
		c->reaped = 1;
		childq_finished(q, c);
	}
}

static int
is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int
program_on_path(const char *prog)
{
	const char *path;
	char dflt[1024];
	struct buf b = { 0 };
	int found = 0;

	if (!prog || !*prog)
		return 0;
	if (strchr(prog, '/'))
		return is_program(prog);
	path = getenv("PATH");
	if (!path) {
		/* What execvp searches without PATH. */
		size_t n = confstr(_CS_PATH, dflt, sizeof dflt);

		path = n > 0 && n <= sizeof dflt ? dflt : "/bin:/usr/bin";
	}
	for (;;) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		b.len = 0;
		if (n == 0)
			buf_adds(&b, ".");
		else
			buf_add(&b, path, n);
		buf_printf(&b, "/%s", prog);
		if (is_program(buf_str(&b))) {
			found = 1;
			break;
		}
		if (!colon)
			break;
		path = colon + 1;
	}
	buf_free(&b);
	return found;
}

static int
memmem_help(const char *p, size_t n)
{
	for (size_t i = 0; i + 6 <= n; i++)
		if (memcmp(p + i, "--help", 6) == 0)
			return 1;
	return 0;
}

/* "curl: (60) SSL certificate problem ...": a program's own error line,
 * its name, a colon and a number in brackets. */
static int
is_error_line(const char *p, size_t n)
{
	size_t i = 0, d;

	while (i < n && p[i] != ':' && p[i] != ' ')
		i++;
	if (i == 0 || i + 3 >= n || p[i] != ':' || p[i + 1] != ' ' || p[i + 2] != '(')
		return 0;
	for (d = i + 3; d < n && p[d] >= '0' && p[d] <= '9'; d++)
		;
	return d > i + 3 && d < n && p[d] == ')';
}

void
child_describe(const struct child *c, struct buf *out)
{
	const char *e, *last = NULL, *own = NULL;
	size_t lastlen = 0, ownlen = 0;

	out->len = 0;
	if (c->never_started)
		buf_printf(out, "%s not started before the time limit", c->argv[0]);
	else if (c->exec_errno == ENOENT)
		buf_printf(out, "%s is not installed (not found on PATH)", c->argv[0]);
	else if (c->exec_errno)
		buf_printf(out, "cannot run %s: %s", c->argv[0], strerror(c->exec_errno));
	else if (c->timed_out)
		buf_printf(out, "%s killed at the time limit", c->argv[0]);
	else if (c->stopped)
		buf_printf(out, "%s stopped: output over the size limit", c->argv[0]);
	else if (c->signal)
		buf_printf(out, "%s killed by signal %d", c->argv[0], c->signal);
	else
		buf_printf(out, "%s exit status %d", c->argv[0], c->exit_code);
	/* The child's own words say what went wrong: its error line
	 * ("curl: (60) ..."; after it curl may print lines of advice), else
	 * its last line. */
	for (e = c->err.p; e && e < c->err.p + c->err.len;) {
		const char *nl = memchr(e, '\n', (size_t)(c->err.p + c->err.len - e));
		size_t l = nl ? (size_t)(nl - e) : (size_t)(c->err.p + c->err.len - e);

		/* "try 'curl --help'" says nothing about what went wrong. */
		if (l > 0 && !(l > 12 && memmem_help(e, l))) {
			last = e;
			lastlen = l;
		}
		if (l > 0 && is_error_line(e, l)) {
			own = e;
			ownlen = l;
		}
		e += l + 1;
	}
	if (own) {
		last = own;
		lastlen = ownlen;
	}
	if (last && !c->exec_errno)
		buf_printf(out, ": %s", shown(last, lastlen < 200 ? lastlen : 200, 3));
}

void
child_free(struct child *c)
{
	buf_free(&c->out);
	buf_free(&c->err);
}
