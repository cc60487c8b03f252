#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
format_parse(const char *s, enum format *f)
{
	static const char *const names[] = { "args", "lines", "shell", "json", "keyword" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum format)i;
			return 0;
		}
	return -1;
}

int
text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p;
		int more;
		unsigned cp;

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { more = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { more = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { more = 3; cp = c & 0x07; }
		else return 0;
		p++;
		for (int i = 0; i < more; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (more == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
	}
	return 1;
}

static int
cmp_excl(const void *a, const void *b)
{
	const struct excl *x = a, *y = b;
	int r;

	if (!x->node_id || !y->node_id) {
		if (x->node_id || y->node_id)
			return x->node_id ? -1 : 1;
		r = strcmp(x->cls, y->cls);
		return r ? r : strcmp(x->name, y->name);
	}
	return strcmp(x->node_id, y->node_id);
}

static void
excl_clear(struct excl *e)
{
	free(e->node_id);
	free(e->cls);
	free(e->name);
	strlist_free(&e->sources);
}

void
excl_sort_merge(struct excl *v, size_t *n)
{
	size_t out = 0;

	if (*n > 1)
		qsort(v, *n, sizeof *v, cmp_excl);
	for (size_t i = 0; i < *n; i++) {
		struct excl *last = out ? &v[out - 1] : NULL;

		if (last && cmp_excl(last, &v[i]) == 0) {
			for (size_t s = 0; s < v[i].sources.n; s++)
				if (!strlist_has(&last->sources, v[i].sources.v[s]))
					strlist_add(&last->sources, v[i].sources.v[s]);
			/* An entry says more than the fallback list does. */
			if (!last->e)
				last->e = v[i].e;
			excl_clear(&v[i]);
			continue;
		}
		v[out++] = v[i];
	}
	*n = out;
}

static int
args_safe(const char *id)
{
	/* Today's workflows expand $EXCLUSIONS unquoted: white space splits a
	 * word, and * ? [ make it a glob. */
	return strpbrk(id, " \t\n*?[") == NULL;
}

/* pytest's -k grammar takes names of word characters and : + - . [ ] \ / */
static int
keyword_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("_:+-.[]\\/", c)))
			return 0;
	}
	return 1;
}

static void
json_string(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

static void
json_nullable(struct buf *b, const char *s)
{
	if (s)
		json_string(b, s);
	else
		buf_adds(b, "null");
}

static size_t
render_json(const struct excl *v, size_t n, struct buf *out)
{
	size_t k = 0;

	buf_adds(out, "[");
	for (size_t i = 0; i < n; i++) {
		const struct excl *x = &v[i];
		struct strlist pl = { 0 };

		buf_adds(out, k++ ? ",\n  {" : "\n  {");
		buf_adds(out, "\"node_id\": ");
		json_nullable(out, x->node_id);
		buf_adds(out, ", \"key\": ");
		json_nullable(out, x->e ? x->e->key : NULL);
		buf_adds(out, ", \"issue\": ");
		json_nullable(out, x->e ? x->e->issue : NULL);
		buf_adds(out, ", \"url\": ");
		json_nullable(out, x->e ? x->e->url : NULL);
		buf_adds(out, ", \"platforms\": [");
		if (x->e)
			split_commas(&pl, x->e->platforms);
		for (size_t p = 0; p < pl.n; p++) {
			if (p)
				buf_adds(out, ", ");
			json_string(out, pl.v[p]);
		}
		strlist_free(&pl);
		buf_adds(out, "], \"sources\": [");
		for (size_t s = 0; s < x->sources.n; s++) {
			if (s)
				buf_adds(out, ", ");
			json_string(out, x->sources.v[s]);
		}
		buf_adds(out, "]}");
	}
	buf_adds(out, k ? "\n]\n" : "]\n");
	return k;
}

static size_t
render_keyword(const struct excl *v, size_t n, struct buf *out)
{
	struct strlist terms = { 0 };
	struct buf t = { 0 };

	for (size_t i = 0; i < n; i++) {
		const struct excl *x = &v[i];

		if (!keyword_safe(x->cls) || !keyword_safe(x->name)) {
			logmsg(LOG_WARN, "left out of --format keyword: \"%s\" / \"%s\" cannot be written in a pytest -k expression",
			    shown(x->cls, strlen(x->cls), 0), shown(x->name, strlen(x->name), 1));
			continue;
		}
		t.len = 0;
		buf_printf(&t, "not (%s and %s)", x->cls, x->name);
		strlist_add(&terms, buf_str(&t));
	}
	/* An entry mapped to several node ids still gives one term. */
	strlist_sort_uniq(&terms);
	for (size_t i = 0; i < terms.n; i++)
		buf_printf(out, "%s%s", i ? " and " : "", terms.v[i]);
	buf_addc(out, '\n');
	n = terms.n;
	strlist_free(&terms);
	buf_free(&t);
	return n;
}

size_t
output_render(const struct excl *v, size_t n, enum format f, struct buf *out)
{
	size_t k = 0;

	out->len = 0;
	if (f == FMT_JSON)
		return render_json(v, n, out);
	if (f == FMT_KEYWORD)
		return render_keyword(v, n, out);
	for (size_t i = 0; i < n; i++) {
		const struct excl *x = &v[i];

		if (!x->node_id)
			continue;
		switch (f) {
		case FMT_ARGS:
			if (!args_safe(x->node_id)) {
				logmsg(LOG_WARN, "left out: node id \"%s\" has white space or * ? [ and would break an unquoted $EXCLUSIONS; use --format shell",
				    shown(x->node_id, strlen(x->node_id), 0));
				continue;
			}
			buf_printf(out, "%s--deselect=%s", k++ ? " " : "", x->node_id);
			break;
		case FMT_LINES:
			buf_printf(out, "%s\n", x->node_id);
			k++;
			break;
		case FMT_SHELL:
			buf_adds(out, k++ ? " '--deselect=" : "'--deselect=");
			for (const char *p = x->node_id; *p; p++) {
				if (*p == '\'')
					buf_adds(out, "'\\''");
				else
					buf_addc(out, *p);
			}
			buf_addc(out, '\'');
			break;
		default:
			break;
		}
	}
	if (f != FMT_LINES)
		buf_addc(out, '\n');
	return k;
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
output_write(const char *path, const struct buf *out, struct buf *why)
{
	struct buf tmp = { 0 };
	struct stat st;
	mode_t mask;
	int fd;

	if (!path || strcmp(path, "-") == 0) {
		if (write_all(1, out->p ? out->p : "", out->len) < 0) {
			buf_printf(why, "writing standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	/* Not a regular file (/dev/null, a pipe, a terminal): write into it;
	 * renaming over it would replace the device or the pipe. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY);
		if (fd < 0 || write_all(fd, out->p ? out->p : "", out->len) < 0) {
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
	if (fchmod(fd, 0666 & ~mask) < 0 || write_all(fd, out->p ? out->p : "", out->len) < 0 ||
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

void
excl_free(struct excl *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		excl_clear(&v[i]);
	free(v);
}
