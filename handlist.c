#include "handlist.h"

#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "match.h"
#include "pipeline.h"

#define PLATFORMS_WORD "platforms:"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_url(const char *p, size_t n)
{
	return starts_with_n(p, n, "https://") || starts_with_n(p, n, "http://");
}

/* Where the unquoted test that starts at p ends: at the blanks before
 * "#", a URL or "platforms:", else at e. */
static const char *
test_end(const char *p, const char *e)
{
	for (const char *s = p; s < e; s++) {
		const char *t = s;

		if (!is_blank(*s))
			continue;
		while (t < e && is_blank(*t))
			t++;
		if (t == e || *t == '#' || is_url(t, (size_t)(e - t)) ||
		    starts_with_n(t, (size_t)(e - t), PLATFORMS_WORD))
			return s;
		s = t - 1;
	}
	return e;
}

/* The URL w (n bytes) as the line's issue: the first one wins.  Trailing
 * sentence punctuation is not part of it. */
static int
take_url(struct hand_line *h, const char *w, size_t n, struct buf *why)
{
	const char *is;

	while (n && strchr(".,;", w[n - 1]))
		n--;
	if (h->url)
		return 0;
	h->url = xstrndup(w, n);
	if (!text_is_clean(h->url) || strpbrk(h->url, "\"'\\<>")) {
		buf_printf(why, "not a plain URL: \"%s\"", shown(w, n, 0));
		return -1;
	}
	is = strstr(h->url, "/issues/");
	if (is && all_digits(is + 8, strlen(is + 8), 12))
		h->issue = xstrdup(is + 8);
	return 0;
}

/* "a, b, c" from p: names separated by commas, blanks around them; the
 * list ends after a name that no comma follows.  Returns where it ended,
 * or NULL with why set. */
static const char *
take_platforms(struct hand_line *h, const char *p, const char *e, struct buf *why)
{
	struct buf text = { 0 };

	for (;;) {
		const char *w;
		unsigned bit;

		while (p < e && is_blank(*p))
			p++;
		for (w = p; p < e && !is_blank(*p) && *p != ','; p++)
			;
		if (p == w) {
			buf_printf(why, "%s: a platform name expected (known: %s)", PLATFORMS_WORD, platform_names);
			buf_free(&text);
			return NULL;
		}
		bit = platform_bit(w, (size_t)(p - w));
		if (!bit) {
			buf_printf(why, "unknown platform \"%s\" (known: %s)", shown(w, (size_t)(p - w), 0),
			    platform_names);
			buf_free(&text);
			return NULL;
		}
		if (!(h->platform_bits & bit)) {
			if (text.len)
				buf_addc(&text, ',');
			buf_add(&text, w, (size_t)(p - w));
		}
		h->platform_bits |= bit;
		while (p < e && is_blank(*p))
			p++;
		if (p == e || *p != ',')
			break;
		p++;
	}
	free(h->platforms);
	h->platforms = xstrdup(buf_str(&text));
	buf_free(&text);
	return p;
}

/* What follows the test: its URL and platforms, and comments. */
static int
take_notes(struct hand_line *h, const char *p, const char *e, struct buf *why)
{
	int comment = 0;

	while (p < e) {
		const char *w = p;
		size_t n;

		if (is_blank(*p)) {
			p++;
			continue;
		}
		if (*p == '#') {
			comment = 1;
			p++;
			continue;
		}
		while (p < e && !is_blank(*p))
			p++;
		n = (size_t)(p - w);
		if (is_url(w, n)) {
			if (take_url(h, w, n, why) < 0)
				return -1;
		} else if (starts_with_n(w, n, PLATFORMS_WORD)) {
			if (h->platforms && *h->platforms) {
				buf_printf(why, "\"%s\" twice", PLATFORMS_WORD);
				return -1;
			}
			if (!(p = take_platforms(h, w + strlen(PLATFORMS_WORD), e, why)))
				return -1;
		} else if (!comment) {
			buf_printf(why, "unexpected \"%s\" after the test (a comment starts with #)",
			    shown(w, n, 0));
			return -1;
		}
	}
	return 0;
}

/* Is the test a key, a node id, or neither? */
static int
classify(struct hand_line *h, struct buf *why)
{
	size_t n = strlen(h->test);
	struct testkey k;
	const char *kw;

	if (!text_is_clean(h->test)) {
		buf_printf(why, "control characters or invalid UTF-8");
		return -1;
	}
	if (strstr(h->test, "::"))
		return 0;
	if (strstr(h->test, " (") && h->test[n - 1] == ')') {
		if (key_parse(h->test, n, &k, &kw) < 0) {
			buf_printf(why, "not a key \"test_name (module.Class)\": %s: \"%s\"", kw,
			    shown(h->test, n, 0));
			return -1;
		}
		h->is_key = 1;
		return 0;
	}
	/* A C++ test: "Suite.Test" (a file "test_x.py" is pytest's). */
	if (gtest_name_ok(h->test, n) && !ends_with(h->test, ".py")) {
		h->is_gtest = 1;
		return 0;
	}
	/* A file or a folder: a path, no blanks. */
	if ((strchr(h->test, '/') || ends_with(h->test, ".py")) && !strpbrk(h->test, " \t"))
		return 0;
	buf_printf(why, "neither a node id (path::Class::test), a key (test_name (module.Class)) nor a gtest name (Suite.Test): \"%s\"",
	    shown(h->test, n, 0));
	return -1;
}

int
hand_line_parse(const char *p, size_t n, struct hand_line *h, struct buf *why)
{
	const char *e = p + n, *t;

	memset(h, 0, sizeof *h);
	while (p < e && is_blank(*p))
		p++;
	while (e > p && (is_blank(e[-1]) || e[-1] == '\r'))
		e--;
	if (p == e || *p == '#')
		return 0;
	if (*p == '"' || *p == '\'') {
		const char *q = memchr(p + 1, *p, (size_t)(e - p - 1));

		if (!q) {
			buf_printf(why, "no closing %c", *p);
			return -1;
		}
		if (q + 1 < e && !is_blank(q[1])) {
			buf_printf(why, "unexpected \"%s\" after the closing quote", shown(q + 1, (size_t)(e - q - 1), 0));
			return -1;
		}
		h->test = xstrndup(p + 1, (size_t)(q - p - 1));
		t = q + 1;
	} else {
		t = test_end(p, e);
		h->test = xstrndup(p, (size_t)(t - p));
	}
	h->platforms = xstrdup("");
	if (!*h->test)
		buf_printf(why, "an empty test");
	if (!*h->test || classify(h, why) < 0 || take_notes(h, t, e, why) < 0) {
		hand_line_free(h);
		return -1;
	}
	return 1;
}

void
hand_line_free(struct hand_line *h)
{
	free(h->test);
	free(h->url);
	free(h->issue);
	free(h->platforms);
	free(h->where);
	memset(h, 0, sizeof *h);
}

static struct hand_line *
list_grow(struct hand_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	return &l->v[l->n];
}

int
hand_file_read(const char *path, size_t max, const char *src, struct hand_list *l,
    struct diags *d, struct buf *why)
{
	struct buf body = { 0 }, bad = { 0 };
	const char *p, *end;
	int line = 0;

	if (read_file_limited(path, max, &body, why) < 0)
		return -1;
	for (p = body.p, end = body.p + body.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		struct hand_line *h = list_grow(l);
		int got;

		line++;
		bad.len = 0;
		got = hand_line_parse(p, (size_t)(e - p), h, &bad);
		if (got < 0)
			diag_add(d, LOG_WARN, src, "%s:%d: line ignored: %s", shown(path, strlen(path), 0), line,
			    buf_str(&bad));
		if (got > 0) {
			struct buf w = { 0 };

			buf_printf(&w, "%s:%d", path, line);
			h->where = xstrdup(buf_str(&w));
			buf_free(&w);
			l->n++;
		}
		p = e + 1;
	}
	buf_free(&body);
	buf_free(&bad);
	return 0;
}

void
hand_list_add_text(struct hand_list *l, const char *s)
{
	struct buf why = { 0 };

	if (hand_line_parse(s, strlen(s), list_grow(l), &why) > 0)
		l->n++;
	buf_free(&why);
}

void
hand_list_free(struct hand_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		hand_line_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* "FILE:LINE: " before a message about a line of a file. */
static const char *
at(const struct hand_line *h, struct buf *b)
{
	b->len = 0;
	if (h->where)
		buf_printf(b, "%s: ", shown(h->where, strlen(h->where), 1));
	return buf_str(b);
}

/* A node id: checked; a stale one is replaced by its corrections, or kept
 * when there are none (a --deselect that matches nothing does no harm). */
static size_t
apply_nodeid(struct run *r, const char *src, const struct hand_line *h, const struct reason *rs)
{
	struct strlist fixed = { 0 };
	struct buf why = { 0 }, fx = { 0 }, w = { 0 };
	size_t added = 0;

	if (scope_check(&r->scope, h->test, &fixed, &why)) {
		for (size_t f = 0; f < fixed.n; f++)
			buf_printf(&fx, "%s%s", f ? " " : "", fixed.v[f]);
		diag_add(&r->diags, LOG_WARN, src, "%sstale entry %s: %s%s%s", at(h, &w), h->test,
		    buf_str(&why), fixed.n ? "; using " : "", buf_str(&fx));
	}
	/* Corrections are made of the tree's names: they pass the same check
	 * as every printed id (scope_check leaves out the others; this holds
	 * whatever it does). */
	for (size_t f = 0; f < fixed.n; f++) {
		if (!text_is_clean(fixed.v[f]))
			continue;
		run_add_nodeid(r, fixed.v[f], rs);
		added++;
	}
	if (fixed.n == 0) {
		run_add_nodeid(r, h->test, rs);
		added++;
	}
	strlist_free(&fixed);
	buf_free(&why);
	buf_free(&fx);
	buf_free(&w);
	return added;
}

/* A key: the node ids PyTorch's rule gives it.  None, with the tests at
 * hand: stale, reported; without them (or for the runtime file, where
 * PyTorch's harness matches), the key itself is kept, as the list's
 * entries are. */
static size_t
apply_key(struct run *r, const char *src, const struct hand_line *h, const struct reason *rs)
{
	const struct scope *sc = &r->scope;
	struct strlist ids = { 0 };
	struct buf why = { 0 }, w = { 0 };
	struct testkey k;
	const char *kw;
	size_t added = 0;

	if (key_parse(h->test, strlen(h->test), &k, &kw) < 0)
		return 0;
	if (scope_map(sc, &k, &ids, &why) == 0) {
		if (sc->tree || sc->collected)
			diag_add(&r->diags, LOG_WARN, src, "%sstale entry %s: %s", at(h, &w), h->test,
			    buf_str(&why));
		if (!(sc->tree || sc->collected) || r->cfg->format == FMT_PYTORCH) {
			char *cls = xstrndup(k.cls, k.cls_len), *name = xstrndup(k.name, k.name_len);

			exclset_add(&r->set, NULL, cls, name, rs);
			added++;
			free(cls);
			free(name);
		}
	}
	for (size_t j = 0; j < ids.n; j++) {
		if (!text_is_clean(ids.v[j]))
			continue;
		run_add_nodeid(r, ids.v[j], rs);
		added++;
		diag_add(&r->diags, LOG_DEBUG, src, "%s -> %s", h->test, ids.v[j]);
	}
	strlist_free(&ids);
	buf_free(&why);
	buf_free(&w);
	return added;
}

size_t
hand_line_apply(struct run *r, const char *src, enum reason_kind kind, const struct hand_line *h)
{
	struct reason rs = { .kind = kind, .key = h->test, .issue = h->issue, .url = h->url,
		.platforms = h->platforms, .where = h->where };

	if (h->platform_bits && !(h->platform_bits & r->cfg->platforms)) {
		struct buf w = { 0 };

		diag_add(&r->diags, LOG_DEBUG, src, "%s%s: only for %s", at(h, &w), h->test, h->platforms);
		buf_free(&w);
		return 0;
	}
	if (h->is_gtest)
		return exclset_add_gtest(&r->set, h->test, &rs) == 0;
	return h->is_key ? apply_key(r, src, h, &rs) : apply_nodeid(r, src, h, &rs);
}
