#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int
read_file_limited(const char *path, size_t max, struct buf *body, struct buf *why)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	struct stat st = { 0 };

	if (fd < 0) {
		buf_printf(why, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	if (S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > max) {
			buf_printf(why, "file of %lld bytes is larger than the limit of %zu bytes",
			    (long long)st.st_size, max);
			goto fail;
		}
		/* Exactly the file's size: the largest input costs no slack. */
		if (body->cap < (size_t)st.st_size + 1) {
			body->p = xrealloc(body->p, (size_t)st.st_size + 1);
			body->cap = (size_t)st.st_size + 1;
		}
	} else if (S_ISDIR(st.st_mode)) {
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
		if (body->cap - body->len < 2 && !S_ISREG(st.st_mode))
			buf_reserve(body, 65536);
		if (body->cap - body->len >= 2) {
			dst = body->p + body->len;
			room = body->cap - body->len - 1;
		}
		r = read(fd, dst, room);
		if (r < 0) {
			if (errno == EINTR)
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
	if (fd != 0)
		close(fd);
	return 0;
fail:
	if (fd != 0)
		close(fd);
	buf_free(body);
	return -1;
}

/* Below this, reading is as cheap as mapping. */
#define MAP_THRESHOLD (1u << 20)

int
blob_load_file(struct blob *bl, const char *path, size_t max, struct buf *why)
{
	struct stat st;
	int fd;

	memset(bl, 0, sizeof *bl);
	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY)) >= 0) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (unsigned long long)st.st_size >= MAP_THRESHOLD &&
		    (unsigned long long)st.st_size <= max) {
			void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

			close(fd);
			if (m != MAP_FAILED) {
				bl->map = m;
				bl->p = m;
				bl->len = (size_t)st.st_size;
				return 0;
			}
		} else {
			close(fd);
		}
	}
	if (read_file_limited(path, max, &bl->b, why) < 0)
		return -1;
	bl->p = bl->b.p;
	bl->len = bl->b.len;
	return 0;
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

int
file_write_atomic(const char *path, const char *data, size_t len, struct buf *why)
{
	struct buf tmp = { 0 };
	struct stat st;
	mode_t mask;
	int fd;

	if (!path || strcmp(path, "-") == 0) {
		if (write_all(1, data ? data : "", len) < 0) {
			buf_printf(why, "writing standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Not a regular file (/dev/null, a pipe, a terminal): write into it;
	 * renaming over it would replace the device or the pipe. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY);
		if (fd < 0 || write_all(fd, data ? data : "", len) < 0) {
			buf_printf(why, "%s: %s", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		return 0;
	}
	/* The temporary file sits beside the target, so rename() is atomic. */
	buf_printf(&tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp.p);
	if (fd < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		buf_free(&tmp);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || write_all(fd, data ? data : "", len) < 0 ||
	    fsync(fd) < 0) {
		buf_printf(why, "%s: %s", tmp.p, strerror(errno));
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		buf_printf(why, "%s: %s", tmp.p, strerror(errno));
		goto fail;
	}
	if (rename(tmp.p, path) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		goto fail;
	}
	buf_free(&tmp);
	return 0;
fail:
	unlink(tmp.p);
	buf_free(&tmp);
	return -1;
}

