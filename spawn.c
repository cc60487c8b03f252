#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define ERR_KEEP (16 * 1024)
#define TERM_GRACE 0.3          /* seconds between TERM and KILL */

static int
set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
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

/* In the child after fork: only async-signal-safe calls until exec. */
static void
exec_child(struct child *c, int in_r, int out_w, int err_w, int report_w)
{
	int e;

	/* The parent ignores SIGPIPE; a child must not inherit that. */
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
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
	ssize_t r;
	int e = 0;

	c->pid = -1;
	c->fd_in = c->fd_out = c->fd_err = -1;
	c->exit_code = -1;
	c->reaped = 0;
	c->exec_errno = 0;
	c->started = now_seconds();
	if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(err) < 0 ||
	    make_pipe(report) < 0) {
		c->exec_errno = errno;
		goto fail;
	}
	c->pid = fork();
	if (c->pid < 0) {
		c->exec_errno = errno;
		goto fail;
	}
	if (c->pid == 0)
		exec_child(c, in[0], out[1], err[1], report[1]);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(report[1]);
	/* The report pipe closes on a successful exec, or carries errno. */
	do
		r = read(report[0], &e, sizeof e);
	while (r < 0 && errno == EINTR);
	close(report[0]);
	if (r == (ssize_t)sizeof e) {
		int st;

		while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
			;
		c->reaped = 1;
		c->exec_errno = e;
		close(in[1]);
		close(out[0]);
		close(err[0]);
		return -1;
	}
	c->fd_out = out[0];
	c->fd_err = err[0];
	if (c->input_len > 0) {
		c->fd_in = in[1];
		fcntl(c->fd_in, F_SETFL, fcntl(c->fd_in, F_GETFL) | O_NONBLOCK);
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
	c->reaped = 1;
	return -1;
}

static void
note_status(struct child *c, int st)
{
	c->reaped = 1;
	c->seconds = now_seconds() - c->started;
	if (WIFEXITED(st)) {
		c->exit_code = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		c->exit_code = -1;
		c->signal = WTERMSIG(st);
	}
}

/* TERM, a short grace, then KILL; always reaped on return. */
static void
kill_and_reap(struct child *c)
{
	double until;
	int st;

	close_fd(&c->fd_in);
	close_fd(&c->fd_out);
	close_fd(&c->fd_err);
	if (c->reaped || c->pid <= 0)
		return;
	kill(c->pid, SIGTERM);
	until = now_seconds() + TERM_GRACE;
	for (;;) {
		pid_t r = waitpid(c->pid, &st, WNOHANG);

		if (r == c->pid) {
			note_status(c, st);
			return;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (now_seconds() >= until)
			break;
		poll(NULL, 0, 5);
	}
	kill(c->pid, SIGKILL);
	while (waitpid(c->pid, &st, 0) < 0) {
		if (errno != EINTR) {
			c->reaped = 1;
			return;
		}
	}
	note_status(c, st);
}

static void
drain(struct child *c, int *fd, int is_out)
{
	char chunk[65536];
	ssize_t r = read(*fd, chunk, sizeof chunk);

	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		close_fd(fd);
		return;
	}
	if (r == 0) {
		close_fd(fd);
		return;
	}
	if (!is_out) {
		size_t room = c->err.len < ERR_KEEP ? ERR_KEEP - c->err.len : 0;

		buf_add(&c->err, chunk, (size_t)r < room ? (size_t)r : room);
		return;
	}
	if (c->on_out) {
		if (c->on_out(c->on_out_arg, chunk, (size_t)r) != 0) {
			c->stopped = 1;
			kill_and_reap(c);
		}
		return;
	}
	if (c->out_limit && c->out.len + (size_t)r > c->out_limit) {
		c->stopped = 1;
		kill_and_reap(c);
		return;
	}
	buf_add(&c->out, chunk, (size_t)r);
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
	struct pollfd *pf = xmalloc(3 * n * sizeof *pf + 1);
	size_t ended = 0;

	for (;;) {
		size_t np = 0, live = 0;
		int waiting_exit = 0;
		double left;
		int ms;

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
			if (c->fd_out < 0 && c->fd_err < 0) {
				int st;
				pid_t r = waitpid(c->pid, &st, WNOHANG);

				if (r == c->pid) {
					close_fd(&c->fd_in);
					note_status(c, st);
					live--;
					ended++;
				} else if (r < 0 && errno != EINTR) {
					c->reaped = 1;
					live--;
					ended++;
				} else {
					waiting_exit = 1;
				}
			}
		}
		if (live == 0 || (any && ended > 0))
			break;
		left = deadline - now_seconds();
		if (left <= 0) {
			for (size_t i = 0; i < n; i++) {
				if (!cs[i]->reaped) {
					cs[i]->timed_out = 1;
					kill_and_reap(cs[i]);
					ended++;
				}
			}
			break;
		}
		ms = left > 3600 ? 3600 * 1000 : (int)(left * 1000) + 1;
		/* A child that closed its pipes but has not exited yet is
		 * checked again shortly. */
		if (waiting_exit && ms > 10)
			ms = 10;
		if (poll(pf, np, ms) < 0 && errno != EINTR)
			break;
		for (size_t k = 0; k < np; k++) {
			if (!pf[k].revents)
				continue;
			for (size_t i = 0; i < n; i++) {
				struct child *c = cs[i];

				if (c->reaped)
					continue;
				if (pf[k].fd == c->fd_out) {
					drain(c, &c->fd_out, 1);
					/* drain kills a child over its limit */
					ended += c->reaped;
				} else if (pf[k].fd == c->fd_err)
					drain(c, &c->fd_err, 0);
				else if (pf[k].fd == c->fd_in) {
					if (pf[k].revents & (POLLERR | POLLHUP))
						close_fd(&c->fd_in);
					else
						feed(c);
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
	for (size_t i = 0; i < n; i++)
		if (!cs[i]->reaped)
			kill_and_reap(cs[i]);
}

size_t
children_wait_any(struct child **cs, size_t n, double deadline)
{
	return serve(cs, n, deadline, 1);
}

int
child_run(struct child *c, double deadline)
{
	if (child_start(c) < 0)
		return -1;
	children_wait(&c, 1, deadline);
	return c->exit_code == 0 && !c->timed_out && !c->stopped ? 0 : -1;
}

static int
memmem_help(const char *p, size_t n)
{
	for (size_t i = 0; i + 6 <= n; i++)
		if (memcmp(p + i, "--help", 6) == 0)
			return 1;
	return 0;
}

void
child_describe(const struct child *c, struct buf *out)
{
	const char *e, *last = NULL;
	size_t lastlen = 0;

	out->len = 0;
	if (c->exec_errno == ENOENT)
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
	/* The child's own last words usually say what went wrong. */
	for (e = c->err.p; e && e < c->err.p + c->err.len;) {
		const char *nl = memchr(e, '\n', (size_t)(c->err.p + c->err.len - e));
		size_t l = nl ? (size_t)(nl - e) : (size_t)(c->err.p + c->err.len - e);

		/* "try 'curl --help'" says nothing about what went wrong. */
		if (l > 0 && !(l > 12 && memmem_help(e, l))) {
			last = e;
			lastlen = l;
		}
		e += l + 1;
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
