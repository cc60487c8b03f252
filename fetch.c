#include "fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn.h"

/* curl's exit code for --max-filesize refusing a download. */
#define CURL_FILESIZE_EXCEEDED 63

int
fetch_start(struct fetch *f, const char *url, const struct fetch_opts *o, struct buf *why)
{
	double left = o->deadline - now_seconds();
	int a = 0;

	memset(f, 0, sizeof *f);
	f->opts = *o;
	f->started = 0;
	if (!starts_with(url, "https://") && !starts_with(url, "http://")) {
		buf_printf(why, "not an http(s) URL: %s", shown(url, strlen(url), 0));
		return -1;
	}
	if (left <= 0.1) {
		buf_printf(why, "no time left before the time limit");
		return -1;
	}
	/* curl gets slightly less time than we do, so that it usually reports
	 * the timeout itself; the kill at our deadline is the backstop. */
	snprintf(f->maxtime, sizeof f->maxtime, "%.3f", left > 0.5 ? left - 0.2 : left);
	snprintf(f->conn, sizeof f->conn, "%.3f", left < 15 ? left : 15.0);
	snprintf(f->maxsize, sizeof f->maxsize, "%zu", o->max_bytes);
	snprintf(f->retries, sizeof f->retries, "%d", o->retries);
	/* --retry-max-time takes whole seconds only. */
	snprintf(f->retrytime, sizeof f->retrytime, "%d", left > 1.5 ? (int)(left - 0.5) : 1);
	f->argv[a++] = "curl";
	f->argv[a++] = "-q";            /* first: ignore ~/.curlrc */
	f->argv[a++] = "--silent";
	f->argv[a++] = "--show-error";
	f->argv[a++] = "--fail";
	f->argv[a++] = "--location";
	f->argv[a++] = "--proto";
	f->argv[a++] = "=http,https";
	f->argv[a++] = "--proto-redir";
	f->argv[a++] = "=http,https";
	f->argv[a++] = "--max-filesize";
	f->argv[a++] = f->maxsize;
	f->argv[a++] = "--connect-timeout";
	f->argv[a++] = f->conn;
	f->argv[a++] = "--max-time";
	f->argv[a++] = f->maxtime;
	f->argv[a++] = "--retry";
	f->argv[a++] = f->retries;
	f->argv[a++] = "--retry-delay";
	f->argv[a++] = "1";
	f->argv[a++] = "--retry-max-time";
	f->argv[a++] = f->retrytime;
	f->argv[a++] = "--url";
	f->argv[a++] = (char *)url;
	f->argv[a] = NULL;
	f->c.argv = f->argv;
	/* One byte over the limit is enough to know it is too large. */
	f->c.out_limit = o->max_bytes;
	f->started = 1;
	if (child_start(&f->c) < 0) {
		child_describe(&f->c, why);
		child_free(&f->c);
		f->started = 0;
		return -1;
	}
	return 0;
}

int
fetch_finish(struct fetch *f, struct buf *body, struct buf *why)
{
	struct child *c = &f->c;

	if (!c->reaped)
		children_wait(&c, 1, f->opts.deadline);
	f->started = 0;
	if (c->exit_code == 0 && !c->timed_out && !c->stopped) {
		/* Hand the body over without copying it. */
		buf_free(body);
		*body = c->out;
		c->out = (struct buf){ 0 };
		child_free(c);
		return 0;
	}
	if (c->stopped || c->exit_code == CURL_FILESIZE_EXCEEDED)
		buf_printf(why, "response larger than --max-bytes %zu", f->opts.max_bytes);
	else if (c->timed_out)
		buf_printf(why, "no complete response within the time limit (curl killed)");
	else
		child_describe(c, why);
	child_free(c);
	return -1;
}

int
fetch_url(const char *url, const struct fetch_opts *o, struct buf *body, struct buf *why)
{
	struct fetch f;

	if (fetch_start(&f, url, o, why) < 0)
		return -1;
	return fetch_finish(&f, body, why);
}

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
			buf_printf(why, "file of %lld bytes is larger than --max-bytes %zu",
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
			buf_printf(why, "input larger than --max-bytes %zu", max);
			goto fail;
		}
	}
	if (!body->p)
		buf_reserve(body, 0);
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
