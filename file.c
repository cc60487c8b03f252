#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Set by file_stdio_guard(): standard input or output was closed when
 * the program started (/dev/null holds its place now). */
static int stdin_closed, stdout_closed;
/* The deadline of reads that may wait (file_set_deadline); 0: none. */
static double read_deadline;

void
file_stdio_guard(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nul;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (fd == 0)
			stdin_closed = 1;
		else if (fd == 1)
			stdout_closed = 1;
		/* The lowest free descriptor: fd itself.  Should it fail,
		 * the flags above still keep us off it. */
		nul = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (nul >= 0 && nul != fd) {
			dup2(nul, fd);
			close(nul);
		}
	}
}

void
file_set_deadline(double deadline)
{
	read_deadline = deadline;
}

/* Wait until fd (not a regular file) has something to read, or the end,
 * or deadline (none when 0).  Returns 0, or -1 when the deadline came
 * first. */
static int
wait_readable(int fd, double deadline)
{
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		double left = deadline - now_seconds();
		int ms = -1, r;

		if (deadline > 0) {
			if (left <= 0)
				return -1;
			ms = left > 3600 ? 3600 * 1000 : (int)(left * 1000) + 1;
		}
		r = poll(&pf, 1, ms);
		/* Anything but "nothing yet" is for read() to tell. */
		if (r > 0 || (r < 0 && errno != EINTR))
			return 0;
	}
}

/*
 * Open path for reading ("-": standard input, as it is).  With a deadline,
 * without waiting for a FIFO's writer: the wait is then the reads', each
 * bounded by the deadline.  Returns the descriptor, or -1 with why set.
 */
static int
open_input(const char *path, double deadline, struct stat *st, struct buf *why)
{
	int fd;

	memset(st, 0, sizeof *st);
	if (strcmp(path, "-") == 0) {
		if (stdin_closed || fcntl(0, F_GETFD) < 0) {
			buf_printf(why, "standard input is closed");
			return -1;
		}
		fd = 0;
	} else {
		fd = open(path, O_RDONLY | (deadline > 0 ? O_NONBLOCK : 0));
		if (fd < 0) {
			buf_printf(why, "%s", strerror(errno));
			return -1;
		}
	}
	if (fstat(fd, st) < 0)
		st->st_mode = 0;
	return fd;
}

/* Standard input stays open; what open_input opened is closed. */
static void
close_input(const char *path, int fd)
{
	if (strcmp(path, "-") != 0)
		close(fd);
}

/* Read fd (opened by open_input) into body, as read_file_until says. */
static int
read_fd(int fd, const struct stat *st, size_t max, double deadline, struct buf *body,
    struct buf *why)
{
	int regular = S_ISREG(st->st_mode);

	if (regular) {
		if ((unsigned long long)st->st_size > max) {
			buf_printf(why, "file of %lld bytes is larger than the limit of %zu bytes",
			    (long long)st->st_size, max);
			goto fail;
		}
		/* Exactly the file's size: the largest input costs no slack. */
		if (body->cap < (size_t)st->st_size + 1) {
			body->p = xrealloc(body->p, (size_t)st->st_size + 1);
			body->cap = (size_t)st->st_size + 1;
		}
	} else if (S_ISDIR(st->st_mode)) {
		buf_printf(why, "is a directory");
		goto fail;
	}
	for (;;) {
		char probe;
		char *dst = &probe;
		size_t room = 1;
		ssize_t r;

		/* A regular file was sized in advance: the read that sees its
		 * end goes to a probe byte instead of growing the buffer. */
		if (body->cap - body->len < 2 && !regular)
			buf_reserve(body, 65536);
		if (body->cap - body->len >= 2) {
			dst = body->p + body->len;
			room = body->cap - body->len - 1;
		}
		/* A pipe, a FIFO, a terminal may never end: not past the
		 * deadline.  (Standard input may be non-blocking too.) */
		if (!regular && wait_readable(fd, deadline) < 0) {
			buf_printf(why, "no end of input before the time limit (%zu bytes read)", body->len);
			goto fail;
		}
		r = read(fd, dst, room);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			buf_printf(why, "%s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		if (dst == &probe)
			buf_add(body, &probe, 1);       /* the file grew */
		else
			body->len += (size_t)r;
		body->p[body->len] = '\0';
		if (body->len > max) {
			buf_printf(why, "input larger than the limit of %zu bytes", max);
			goto fail;
		}
	}
	if (!body->p)
		buf_reserve(body, 0);
	/* NUL-terminated even when empty (the buffer was sized, not written). */
	body->p[body->len] = '\0';
	return 0;
fail:
	buf_free(body);
	return -1;
}

int
read_file_until(const char *path, size_t max, double deadline, struct buf *body, struct buf *why)
{
	struct stat st;
	int fd = open_input(path, deadline, &st, why);
	int rc;

	if (fd < 0) {
		buf_free(body);
		return -1;
	}
	rc = read_fd(fd, &st, max, deadline, body, why);
	close_input(path, fd);
	return rc;
}

int
read_file_limited(const char *path, size_t max, struct buf *body, struct buf *why)
{
	return read_file_until(path, max, read_deadline, body, why);
}

/* Below this, reading is as cheap as mapping. */
#define MAP_THRESHOLD (1u << 20)

int
blob_load_until(struct blob *bl, const char *path, size_t max, double deadline, struct buf *why)
{
	struct stat st;
	int fd;

	memset(bl, 0, sizeof *bl);
	fd = open_input(path, deadline, &st, why);
	if (fd < 0)
		return -1;
	if (strcmp(path, "-") != 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size >= MAP_THRESHOLD &&
	    (unsigned long long)st.st_size <= max) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (m != MAP_FAILED) {
			close_input(path, fd);
			bl->map = m;
			bl->p = m;
			bl->len = (size_t)st.st_size;
			return 0;
		}
	}
	if (read_fd(fd, &st, max, deadline, &bl->b, why) < 0) {
		close_input(path, fd);
		return -1;
	}
	close_input(path, fd);
	bl->p = bl->b.p;
	bl->len = bl->b.len;
	return 0;
}

int
blob_load_file(struct blob *bl, const char *path, size_t max, struct buf *why)
{
	return blob_load_until(bl, path, max, read_deadline, why);
}

void
blob_from_buf(struct blob *bl, struct buf *b)
{
	memset(bl, 0, sizeof *bl);
	bl->b = *b;
	*b = (struct buf){ 0 };
	bl->p = bl->b.p;
	bl->len = bl->b.len;
}

void
blob_free(struct blob *bl)
{
	if (bl->map)
		munmap(bl->map, bl->len);
	buf_free(&bl->b);
	memset(bl, 0, sizeof *bl);
}

/* A mapped file that another process truncates under us raises SIGBUS;
 * that is bad input like any other: the read fails, the run goes on. */
static sigjmp_buf bus_jump;

static void
on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jump, 1);
}

long
file_guarded(const struct blob *bl, long (*fn)(void *arg), void *arg)
{
	struct sigaction sa, old;
	volatile long r = -2;

	if (!bl->map)
		return fn(arg);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jump, 1) == 0)
		r = fn(arg);
	sigaction(SIGBUS, &old, NULL);
	return r;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * The temporary file of the write in progress, for file_remove_temp() in a
 * signal handler: a fixed buffer, and a flag set only while the file exists
 * under that name (both changed with the fatal signals blocked).
 */
static char temp_path[4096];
static volatile sig_atomic_t temp_live;

void
file_remove_temp(void)
{
	if (temp_live)
		unlink(temp_path);
}

/* Block the signals that end the program (their handler may remove the
 * temporary file) while the temporary file comes and goes. */
static void
block_fatal(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGQUIT);
	sigaddset(&s, SIGTERM);
	sigprocmask(SIG_BLOCK, &s, old);
}

/* Each piece in turn. */
static int
write_pieces(int fd, const struct file_piece *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (write_all(fd, v[i].p ? v[i].p : "", v[i].len) < 0)
			return -1;
	return 0;
}

int
file_write_atomic(const char *path, const char *data, size_t len, struct buf *why)
{
	struct file_piece one = { data, len };

	return file_write_atomic_pieces(path, &one, 1, why);
}

int
file_write_atomic_pieces(const char *path, const struct file_piece *v, size_t n, struct buf *why)
{
	struct stat st;
	sigset_t old;
	mode_t mask;
	int fd, e;

	if (!path || strcmp(path, "-") == 0) {
		if (stdout_closed) {
			buf_printf(why, "standard output is closed");
			return -1;
		}
		if (write_pieces(1, v, n) < 0) {
			buf_printf(why, "writing standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Not a regular file (/dev/null, a pipe, a terminal): write into it;
	 * renaming over it would replace the device or the pipe. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY);
		if (fd < 0 || write_pieces(fd, v, n) < 0) {
			buf_printf(why, "%s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	/* The temporary file sits beside the target, so rename() is atomic. */
	if (strlen(path) + sizeof ".XXXXXX" > sizeof temp_path) {
		buf_printf(why, "%s: %s", path, strerror(ENAMETOOLONG));
		return -1;
	}
	block_fatal(&old);
	snprintf(temp_path, sizeof temp_path, "%s.XXXXXX", path);
	fd = mkstemp(temp_path);
	e = errno;
	temp_live = fd >= 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		buf_printf(why, "%s: %s", path, strerror(e));
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || write_pieces(fd, v, n) < 0 ||
	    fsync(fd) < 0) {
		buf_printf(why, "%s: %s", temp_path, strerror(errno));
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		buf_printf(why, "%s: %s", temp_path, strerror(errno));
		goto fail;
	}
	block_fatal(&old);
	if (rename(temp_path, path) < 0) {
		e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		buf_printf(why, "%s: %s", path, strerror(e));
		goto fail;
	}
	temp_live = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
fail:
	block_fatal(&old);
	unlink(temp_path);
	temp_live = 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return -1;
}

int
file_append(const char *path, const char *data, size_t len, struct buf *why)
{
	int fd;

	/* O_NONBLOCK: a FIFO nobody reads fails at once instead of hanging. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0666);
	if (fd < 0 || write_all(fd, data ? data : "", len) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
file_lock(const char *path, double deadline, struct buf *why)
{
	struct flock fl;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		memset(&fl, 0, sizeof fl);
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return fd;
		if (errno != EACCES && errno != EAGAIN && errno != EINTR) {
			buf_printf(why, "%s: %s", path, strerror(errno));
			break;
		}
		if (deadline > 0 && now_seconds() >= deadline) {
			buf_printf(why, "%s: still locked by another run at the time limit", path);
			break;
		}
		{
			struct timespec ts = { 0, 5 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	return -1;
}

void
file_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
file_set_aside(const char *path, const char *suffix, struct buf *aside, struct buf *why)
{
	struct stat st;

	for (int i = 1; i < 1000; i++) {
		aside->len = 0;
		buf_printf(aside, "%s%s", path, suffix);
		if (i > 1)
			buf_printf(aside, "-%d", i);
		if (lstat(buf_str(aside), &st) == 0)
			continue;
		if (errno != ENOENT)
			break;
		if (rename(path, buf_str(aside)) == 0)
			return 0;
		break;
	}
	buf_printf(why, "%s: %s", path, strerror(errno ? errno : EEXIST));
	return -1;
}
