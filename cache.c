#include "cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "file.h"

#define MAGIC "exclusions-cache 1\n"
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static unsigned long long
fnv(unsigned long long h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= FNV_PRIME;
	}
	return h;
}

/* The body's sum: the same FNV-style step over 8-byte little-endian
 * words (the bytes left over one at a time), with a fold so that high
 * bits reach low ones: eight times fewer steps than FNV-1a over bytes, for
 * lists of many megabytes.  The same on every machine. */
static unsigned long long
body_hash(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	unsigned long long h = FNV_OFFSET;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		unsigned long long w = (unsigned long long)u[i] | (unsigned long long)u[i + 1] << 8 |
		    (unsigned long long)u[i + 2] << 16 | (unsigned long long)u[i + 3] << 24 |
		    (unsigned long long)u[i + 4] << 32 | (unsigned long long)u[i + 5] << 40 |
		    (unsigned long long)u[i + 6] << 48 | (unsigned long long)u[i + 7] << 56;

		h ^= w;
		h *= FNV_PRIME;
		h ^= h >> 29;
	}
	for (; i < n; i++) {
		h ^= u[i];
		h *= FNV_PRIME;
	}
	h ^= (unsigned long long)n;
	h *= FNV_PRIME;
	return h ^ (h >> 32);
}

static int
dir_from_env(struct buf *out, const char *var, const char *sub)
{
	const char *v = getenv(var);

	if (!v || v[0] != '/')
		return -1;
	out->len = 0;
	buf_adds(out, v);
	if (sub)
		buf_adds(out, sub);
	buf_str(out);
	return 0;
}

int
cache_default_dir(struct buf *out)
{
	if (dir_from_env(out, "EXCLUSIONS_CACHE_DIR", NULL) == 0 ||
	    dir_from_env(out, "XDG_CACHE_HOME", "/exclusions") == 0 ||
	    dir_from_env(out, "HOME", "/.cache/exclusions") == 0)
		return 0;
	return -1;
}

void
cache_path(const char *dir, const char *url, const char *kind, struct buf *out)
{
	out->len = 0;
	buf_printf(out, "%s/list-%016llx.%s", dir, fnv(FNV_OFFSET, url, strlen(url)), kind);
}

/* A header value: printable ASCII, no more than the header may hold. */
static int
value_ok(const char *v, size_t n)
{
	if (n == 0 || n > 4096)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return 0;
	return 1;
}

static int
number(const char *v, size_t n, long long *out)
{
	long long x = 0;

	if (!all_digits(v, n, 15))
		return -1;
	for (size_t i = 0; i < n; i++)
		x = x * 10 + (v[i] - '0');
	*out = x;
	return 0;
}

static int parse(const char *p, size_t n, const char *url, struct cache_entry *e, struct buf *why,
    int header_only);

int
cache_parse(const char *p, size_t n, const char *url, struct cache_entry *e, struct buf *why)
{
	return parse(p, n, url, e, why, 0);
}

/* header_only 1: p holds the header and maybe part of the body; the
 * header is read, the body neither checked nor copied.  2: the body is
 * checked, not copied (the caller takes it from p). */
static int
parse(const char *p, size_t n, const char *url, struct cache_entry *e, struct buf *why, int header_only)
{
	const char *q = p, *end = p + n;
	unsigned long long sum = 0;
	long long len = -1, fetched = -1, entries = -1, drop = 0, x;
	int have_sum = 0, have_body_sum = 0;
	size_t sum_at = 0;
	unsigned long long body_sum = 0;
	char *u = NULL, *etag = NULL, *lm = NULL;

	memset(e, 0, sizeof *e);
	if (n < sizeof MAGIC - 1 || memcmp(p, MAGIC, sizeof MAGIC - 1) != 0) {
		buf_printf(why, "not a cache file (no \"exclusions-cache 1\" first line)");
		return -1;
	}
	q += sizeof MAGIC - 1;
	for (;;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q)), *sp, *v;
		size_t l, vn;

		if (!nl || nl - p > CACHE_HEADER_MAX) {
			buf_printf(why, "header cut short");
			goto bad;
		}
		l = (size_t)(nl - q);
		if (l == 0) {
			q = nl + 1;
			break;
		}
		if (have_sum) {
			buf_printf(why, "header goes on after its sum");
			goto bad;
		}
		sp = memchr(q, ' ', l);
		if (!sp) {
			buf_printf(why, "header line without a value");
			goto bad;
		}
		v = sp + 1;
		vn = (size_t)(nl - v);
		if (!value_ok(v, vn)) {
			buf_printf(why, "header value with control characters, or empty");
			goto bad;
		}
#define KEY(k) ((size_t)(sp - q) == sizeof k - 1 && memcmp(q, k, sizeof k - 1) == 0)
		if (KEY("sum") || KEY("body-sum") || KEY("of")) {
			unsigned long long s = 0;

			if (vn != 16) {
				buf_printf(why, "sum not 16 hex digits");
				goto bad;
			}
			for (size_t i = 0; i < 16; i++) {
				int d = v[i] >= '0' && v[i] <= '9' ? v[i] - '0' :
				    v[i] >= 'a' && v[i] <= 'f' ? v[i] - 'a' + 10 : -1;

				if (d < 0) {
					buf_printf(why, "sum not 16 hex digits");
					goto bad;
				}
				s = s << 4 | (unsigned)d;
			}
			if (KEY("body-sum")) {
				body_sum = s;
				have_body_sum = 1;
			} else if (KEY("of")) {
				e->of = s;
				e->has_of = 1;
			} else {
				sum = s;
				have_sum = 1;
				/* The sum covers every byte before its own line. */
				sum_at = (size_t)(q - p);
			}
		} else if (KEY("url")) {
			free(u);
			u = xstrndup(v, vn);
		} else if (KEY("etag")) {
			free(etag);
			etag = xstrndup(v, vn);
		} else if (KEY("last-modified")) {
			free(lm);
			lm = xstrndup(v, vn);
		} else if (KEY("fetched") || KEY("entries") || KEY("drop-since") || KEY("length")) {
			if (number(v, vn, &x) < 0) {
				buf_printf(why, "%.*s not a number", (int)(sp - q), q);
				goto bad;
			}
			if (KEY("fetched"))
				fetched = x;
			else if (KEY("entries"))
				entries = x;
			else if (KEY("drop-since"))
				drop = x;
			else
				len = x;
		}
		/* Other keys (a later version's) are covered by the sum. */
#undef KEY
		q = nl + 1;
	}
	if (!have_sum || !have_body_sum || !u || fetched < 0 || entries < 0 || len < 0) {
		buf_printf(why, "header without its %s", !have_sum ? "sum" : !have_body_sum ? "body-sum" :
		    !u ? "url" : fetched < 0 ? "fetched time" : entries < 0 ? "entry count" : "length");
		goto bad;
	}
	/* The header by its sum, the body by its body-sum. */
	if (fnv(FNV_OFFSET, p, sum_at) != sum) {
		buf_printf(why, "header checksum does not match (damaged)");
		goto bad;
	}
	if (header_only == 1)
		goto good;
	if ((long long)(end - q) != len) {
		buf_printf(why, "body of %zu bytes, the header says %lld (cut short or grown)",
		    (size_t)(end - q), len);
		goto bad;
	}
	/* Everything before the sum line, then the body. */
	if (body_hash(q, (size_t)len) != body_sum) {
		buf_printf(why, "checksum does not match (damaged)");
		goto bad;
	}
	if (header_only != 2) {
		buf_add(&e->body, q, (size_t)len);
		buf_str(&e->body);
	}
	e->body_loaded = 1;
good:
	if (url && strcmp(u, url) != 0) {
		buf_printf(why, "holds another URL (%s)", shown(u, strlen(u), 0));
		goto bad;
	}
	e->url = u;
	e->etag = etag;
	e->last_modified = lm;
	e->fetched = fetched;
	e->entries = (long)entries;
	e->drop_since = drop;
	e->body_sum = body_sum;
	e->length = (size_t)len;
	e->file_len = (size_t)(q - p) + (size_t)len;
	return 0;
bad:
	buf_free(&e->body);
	free(u);
	free(etag);
	free(lm);
	memset(e, 0, sizeof *e);
	return -1;
}

/* The first bytes of path (the header, maybe more) into text. */
static int
read_head(const char *path, struct buf *text, struct buf *why)
{
	FILE *f = fopen(path, "rb");
	size_t got;

	if (!f) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_reserve(text, CACHE_HEADER_MAX + 1);
	got = fread(text->p, 1, CACHE_HEADER_MAX + 1, f);
	text->len = got;
	if (ferror(f)) {
		buf_printf(why, "%s: read error", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

int
cache_peek(const char *dir, const char *url, const char *kind, struct cache_entry *e, struct buf *why)
{
	struct buf path = { 0 }, text = { 0 }, w = { 0 };
	struct stat st;
	int rc = 1;

	memset(e, 0, sizeof *e);
	cache_path(dir, url, kind, &path);
	if (stat(buf_str(&path), &st) < 0 && errno == ENOENT) {
		buf_free(&path);
		return 0;
	}
	if (read_head(buf_str(&path), &text, &w) < 0) {
		buf_printf(why, "%s", buf_str(&w));
		rc = -1;
	} else if (parse(text.p ? text.p : "", text.len, url, e, &w, 1) < 0) {
		buf_printf(why, "%s: %s", buf_str(&path), buf_str(&w));
		rc = -1;
	} else if ((unsigned long long)st.st_size != (unsigned long long)e->file_len) {
		buf_printf(why, "%s: %lld bytes, the header says %zu (cut short or grown)", buf_str(&path),
		    (long long)st.st_size, e->file_len);
		cache_entry_free(e);
		rc = -1;
	}
	buf_free(&path);
	buf_free(&text);
	buf_free(&w);
	return rc;
}

int
cache_load(const char *dir, const char *url, const char *kind, size_t max,
    struct cache_entry *e, struct buf *why)
{
	struct buf path = { 0 }, text = { 0 }, w = { 0 };
	struct stat st;
	int rc = 1;

	memset(e, 0, sizeof *e);
	cache_path(dir, url, kind, &path);
	if (stat(buf_str(&path), &st) < 0 && errno == ENOENT) {
		buf_free(&path);
		return 0;
	}
	if (read_file_until(buf_str(&path), max + CACHE_HEADER_MAX, 0, &text, &w) < 0) {
		buf_printf(why, "%s", buf_str(&w));
		rc = -1;
	} else if (parse(text.p ? text.p : "", text.len, url, e, &w, 2) < 0) {
		buf_printf(why, "%s: %s", buf_str(&path), buf_str(&w));
		rc = -1;
	} else {
		/* The body is the file's tail: moved to the front, no copy. */
		memmove(text.p, text.p + (text.len - e->length), e->length);
		text.len = e->length;
		buf_str(&text);
		e->body = text;
		text = (struct buf){ 0 };
	}
	buf_free(&path);
	buf_free(&text);
	buf_free(&w);
	return rc;
}

void
cache_format(const struct cache_entry *e, struct buf *out)
{
	size_t before;

	out->len = 0;
	buf_adds(out, MAGIC);
	buf_printf(out, "url %s\nfetched %lld\n", e->url, e->fetched);
	if (e->etag && value_ok(e->etag, strlen(e->etag)))
		buf_printf(out, "etag %s\n", e->etag);
	if (e->last_modified && value_ok(e->last_modified, strlen(e->last_modified)))
		buf_printf(out, "last-modified %s\n", e->last_modified);
	if (e->has_of)
		buf_printf(out, "of %016llx\n", e->of);
	buf_printf(out, "entries %ld\ndrop-since %lld\nlength %zu\nbody-sum %016llx\n",
	    e->entries < 0 ? 0 : e->entries, e->drop_since, e->body.len,
	    body_hash(e->body.p ? e->body.p : "", e->body.len));
	before = out->len;
	buf_printf(out, "sum %016llx\n\n", fnv(FNV_OFFSET, out->p, before));
	buf_add(out, e->body.p ? e->body.p : "", e->body.len);
}

/* mkdir -p, each missing folder with the mode the umask gives. */
static int
make_dirs(const char *dir, struct buf *why)
{
	char *d = xstrdup(dir);
	struct stat st;

	for (char *s = d + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(d, 0777) < 0 && errno != EEXIST) {
			buf_printf(why, "%s: %s", d, strerror(errno));
			free(d);
			return -1;
		}
		*s = c;
		if (!c)
			break;
	}
	free(d);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		buf_printf(why, "%s: not a folder", dir);
		return -1;
	}
	return 0;
}

int
cache_store(const char *dir, const char *kind, const struct cache_entry *e, struct buf *why)
{
	struct buf path = { 0 }, text = { 0 };
	int rc;

	if (!e->url || !value_ok(e->url, strlen(e->url))) {
		buf_printf(why, "a URL the cache cannot hold");
		return -1;
	}
	if (make_dirs(dir, why) < 0)
		return -1;
	cache_path(dir, e->url, kind, &path);
	cache_format(e, &text);
	rc = file_write_atomic(buf_str(&path), text.p, text.len, why);
	buf_free(&path);
	buf_free(&text);
	return rc;
}

unsigned long long
cache_body_sum(const char *p, size_t n)
{
	return body_hash(p ? p : "", n);
}

const char *
cache_age_text(long long s, char *out, size_t n)
{
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(out, n, "%lld s", s);
	else if (s < 7200)
		snprintf(out, n, "%lld min", s / 60);
	else if (s < 2 * 86400)
		snprintf(out, n, "%.1f h", (double)s / 3600);
	else
		snprintf(out, n, "%.1f days", (double)s / 86400);
	return out;
}

void
cache_entry_free(struct cache_entry *e)
{
	free(e->url);
	free(e->etag);
	free(e->last_modified);
	buf_free(&e->body);
	memset(e, 0, sizeof *e);
}
