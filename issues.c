#include "issues.h"

#include <stdlib.h>
#include <string.h>

#include "exclset.h"
#include "jsonscan.h"
#include "match.h"

#define TITLE_WORD "DISABLED"
#define MULTIPLE_WORD "MULTIPLE"
#define PLATFORMS_WORD "platforms:"
#define TESTS_WORDS "disable the following tests:"
/* A line of a body longer than this is no test line. */
#define LINE_MAX_BYTES 4096

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* [*p, *e) without blanks at either end. */
static void
trim(const char **p, const char **e)
{
	while (*p < *e && blank(**p))
		(*p)++;
	while (*e > *p && blank((*e)[-1]))
		(*e)--;
}

/* Does [p, e) start with word, in any case? */
static int
starts_nocase(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(e - p) < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(p[i]) != word[i])
			return 0;
	return 1;
}

static int
contains_nocase(const char *p, const char *e, const char *word)
{
	for (; p < e; p++)
		if (starts_nocase(p, e, word))
			return 1;
	return 0;
}

/* A key "name (module.Class)" as PyTorch splits it, written back in its
 * one canonical form (one space), into out.  Returns 0, or -1 with why. */
static int
canonical_key(const char *p, size_t n, struct buf *out, const char **why)
{
	struct testkey k;
	const char *e = p + n, *b = p, *r;
	struct buf one = { 0 };
	int rc;

	if (memchr(p, '\0', n)) {
		*why = "a NUL byte";
		return -1;
	}
	/* PyTorch splits the key on white space: the name, then the suite. */
	while (b < e && !blank(*b))
		b++;
	for (r = b; r < e && blank(*r); r++)
		;
	buf_add(&one, p, (size_t)(b - p));
	buf_addc(&one, ' ');
	buf_add(&one, r, (size_t)(e - r));
	rc = key_parse(buf_str(&one), one.len, &k, why);
	if (rc < 0 || b == e) {
		if (rc == 0)
			*why = "key is not of the form \"test_name (module.Class)\"";
		buf_free(&one);
		return -1;
	}
	out->len = 0;
	buf_add(out, k.name, k.name_len);
	buf_adds(out, " (");
	if (k.module_len) {
		buf_add(out, k.module, k.module_len);
		buf_addc(out, '.');
	}
	buf_add(out, k.cls, k.cls_len);
	buf_addc(out, ')');
	buf_str(out);
	buf_free(&one);
	return 0;
}

enum issue_title_kind
issue_title_parse(const char *title, size_t n, struct buf *test, struct buf *why)
{
	const char *p = title, *e = title + n, *kw;
	size_t l;

	test->len = 0;
	buf_str(test);
	trim(&p, &e);
	l = strlen(TITLE_WORD);
	if ((size_t)(e - p) < l || memcmp(p, TITLE_WORD, l) != 0 || (p + l < e && !blank(p[l])))
		return IT_NONE;
	p += l;
	trim(&p, &e);
	if (p == e) {
		buf_printf(why, "\"%s\" and no test", TITLE_WORD);
		return IT_MALFORMED;
	}
	if (n > ISSUE_TITLE_MAX) {
		buf_printf(why, "a title of %zu bytes", n);
		return IT_MALFORMED;
	}
	l = strlen(MULTIPLE_WORD);
	if ((size_t)(e - p) >= l && memcmp(p, MULTIPLE_WORD, l) == 0 && (p + l == e || blank(p[l])))
		return IT_MULTIPLE;
	if (e[-1] == ')' && memchr(p, '(', (size_t)(e - p))) {
		if (canonical_key(p, (size_t)(e - p), test, &kw) < 0) {
			buf_printf(why, "not a key \"test_name (module.Class)\": %s: \"%s\"", kw,
			    shown(p, (size_t)(e - p), 0));
			return IT_MALFORMED;
		}
		return IT_KEY;
	}
	if (has_space_or_ctrl(p, (size_t)(e - p)) || memchr(p, '\0', (size_t)(e - p))) {
		buf_printf(why, "neither a key \"test_name (module.Class)\", a node id nor a gtest name: \"%s\"",
		    shown(p, (size_t)(e - p), 0));
		return IT_MALFORMED;
	}
	buf_add(test, p, (size_t)(e - p));
	buf_str(test);
	if (strstr(test->p, "::")) {
		if (!text_is_clean(test->p) || strpbrk(test->p, "\"'\\")) {
			buf_printf(why, "a node id with quotes or invalid UTF-8: \"%s\"", shown(p, (size_t)(e - p), 0));
			test->len = 0;
			return IT_MALFORMED;
		}
		return IT_NODEID;
	}
	if (gtest_name_ok(p, (size_t)(e - p)))
		return IT_GTEST;
	test->len = 0;
	buf_str(test);
	buf_printf(why, "neither a key \"test_name (module.Class)\", a node id nor a gtest name: \"%s\"",
	    shown(p, (size_t)(e - p), 0));
	return IT_MALFORMED;
}

/* Lower-cased names from "a, B ,c" into out, comma-separated, empty ones
 * dropped (PyTorch splits on commas and the blanks around them). */
static void
platform_list(const char *p, const char *e, struct buf *out)
{
	out->len = 0;
	while (p < e) {
		const char *c = memchr(p, ',', (size_t)(e - p));
		const char *q = c ? c : e, *w = p;

		trim(&w, &q);
		if (q > w) {
			if (out->len)
				buf_addc(out, ',');
			for (const char *s = w; s < q; s++)
				buf_addc(out, *s == '\0' ? '\x01' : lower(*s));
		}
		p = c ? c + 1 : e;
	}
	buf_str(out);
}

/* The next line of [*p, e): its trimmed bounds; *p moves past it. */
static void
next_line(const char **p, const char *e, const char **ls, const char **le)
{
	const char *nl = memchr(*p, '\n', (size_t)(e - *p));

	*ls = *p;
	*le = nl ? nl : e;
	*p = nl ? nl + 1 : e;
	trim(ls, le);
}

int
issue_body_platforms(const char *body, size_t n, struct buf *out)
{
	const char *p = body, *e = body + n;

	out->len = 0;
	buf_str(out);
	while (p < e) {
		const char *ls, *le;

		next_line(&p, e, &ls, &le);
		if (starts_nocase(ls, le, PLATFORMS_WORD)) {
			platform_list(ls + strlen(PLATFORMS_WORD), le, out);
			return 1;
		}
	}
	return 0;
}

/* One line of a DISABLED MULTIPLE block: "name (suite): plat, plat". */
static int
test_line(const char *p, const char *e, struct buf *key, struct buf *plats, const char **why)
{
	const char *colon = NULL;

	if ((size_t)(e - p) > LINE_MAX_BYTES) {
		*why = "a line too long for a test";
		return -1;
	}
	/* The first ':' that a key "...)" comes before. */
	for (const char *c = p; c < e; c++) {
		const char *ks = p, *ke = c;

		if (*c != ':')
			continue;
		trim(&ks, &ke);
		if (ke > ks && ke[-1] == ')') {
			colon = c;
			break;
		}
	}
	plats->len = 0;
	buf_str(plats);
	if (colon) {
		platform_list(colon + 1, e, plats);
		e = colon;
		trim(&p, &e);
	}
	if (e == p || e[-1] != ')') {
		*why = "not \"test_name (module.Class): platform, platform\"";
		return -1;
	}
	return canonical_key(p, (size_t)(e - p), key, why);
}

long
issue_body_tests(const char *body, size_t n, issue_test_fn test, issue_bad_fn bad, void *arg)
{
	const char *p = body, *e = body + n, *ls, *le;
	struct buf key = { 0 }, plats = { 0 };
	long found = 0;
	int fenced = 0;

	for (;;) {
		if (p >= e)
			return -1;
		next_line(&p, e, &ls, &le);
		if (contains_nocase(ls, le, TESTS_WORDS))
			break;
	}
	/* Blank lines, then a ``` fence or the first test line. */
	while (p < e) {
		const char *save = p;

		next_line(&p, e, &ls, &le);
		if (ls == le)
			continue;
		if (le - ls >= 3 && memcmp(ls, "```", 3) == 0)
			fenced = 1;
		else
			p = save;
		break;
	}
	while (p < e) {
		const char *why;

		next_line(&p, e, &ls, &le);
		if (fenced && le - ls >= 3 && memcmp(ls, "```", 3) == 0)
			break;
		if (ls == le) {
			if (fenced)
				continue;
			break;
		}
		if (test_line(ls, le, &key, &plats, &why) < 0) {
			if (bad)
				bad(arg, ls, (size_t)(le - ls), why);
			continue;
		}
		if (test)
			test(arg, key.p, plats.p);
		found++;
	}
	buf_free(&key);
	buf_free(&plats);
	return found;
}

void
issue_free(struct issue *is)
{
	free(is->title);
	free(is->body);
	free(is->html_url);
	free(is->state);
	free(is->created_at);
	memset(is, 0, sizeof *is);
}

static char *
decoded(const struct js_token *t)
{
	char *s = xmalloc(t->len + 1);
	size_t n = js_decode(t, s);

	/* A \u0000 would cut the string short: make it a control byte,
	 * which the checks downstream refuse. */
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0')
			s[i] = '\x01';
	s[n] = '\0';
	return s;
}

static void
json_failed(struct buf *why, const struct js_scanner *sc)
{
	char m[128];

	buf_adds(why, js_error_text(sc, m, sizeof m));
}

int
issue_read_object(struct js_scanner *sc, struct issue *is)
{
	memset(is, 0, sizeof *is);
	for (;;) {
		struct js_token key, val;
		enum js_type ty = js_next(sc, &key);
		char **slot = NULL;

		if (ty == JS_OBJECT_END)
			return 0;
		if (ty != JS_STRING || js_next(sc, &val) == JS_ERROR) {
			issue_free(is);
			return -1;
		}
		if (js_equals(&key, "number")) {
			if (val.type == JS_NUMBER && all_digits(val.p, val.len, sizeof is->number - 1)) {
				memcpy(is->number, val.p, val.len);
				is->number[val.len] = '\0';
			}
		} else if (js_equals(&key, "pull_request")) {
			is->is_pull = val.type != JS_NULL;
		} else if (js_equals(&key, "title")) {
			slot = &is->title;
		} else if (js_equals(&key, "body")) {
			slot = &is->body;
		} else if (js_equals(&key, "html_url")) {
			slot = &is->html_url;
		} else if (js_equals(&key, "state")) {
			slot = &is->state;
		} else if (js_equals(&key, "created_at")) {
			slot = &is->created_at;
		}
		if (slot && val.type == JS_STRING) {
			free(*slot);
			*slot = decoded(&val);
		}
		if (js_skip(sc, &val) < 0) {
			issue_free(is);
			return -1;
		}
	}
}

long
issue_list_parse(const char *doc, size_t n, void (*each)(void *arg, const struct issue *is),
    void *arg, struct buf *why)
{
	struct js_scanner sc;
	struct js_token tk;
	enum js_type ty;
	long count = 0;
	int docs = 0;

	js_init(&sc, doc, n, JS_MULTI);
	while ((ty = js_next(&sc, &tk)) != JS_EOF) {
		struct issue is;

		if (ty == JS_ERROR) {
			json_failed(why, &sc);
			return -1;
		}
		if (tk.depth == 0) {
			if (ty == JS_ARRAY) {
				docs++;
				continue;
			}
			if (ty == JS_ARRAY_END)
				continue;
			buf_printf(why, "not a JSON array of issues");
			return -1;
		}
		if (ty != JS_OBJECT) {
			buf_printf(why, "an item of the list is not an object");
			return -1;
		}
		if (issue_read_object(&sc, &is) < 0) {
			issue_free(&is);
			if (sc.err)
				json_failed(why, &sc);
			else
				buf_printf(why, "invalid JSON");
			return -1;
		}
		count++;
		if (each)
			each(arg, &is);
		issue_free(&is);
	}
	if (!docs) {
		buf_printf(why, "empty response");
		return -1;
	}
	return count;
}

int
issue_parse_one(const char *doc, size_t n, struct issue *is, struct buf *why)
{
	struct js_scanner sc;
	struct js_token tk;

	memset(is, 0, sizeof *is);
	js_init(&sc, doc, n, 0);
	if (js_next(&sc, &tk) != JS_OBJECT) {
		if (sc.err)
			json_failed(why, &sc);
		else
			buf_printf(why, "not a JSON object");
		return -1;
	}
	if (issue_read_object(&sc, is) < 0 || js_next(&sc, &tk) != JS_EOF) {
		issue_free(is);
		if (sc.err)
			json_failed(why, &sc);
		else
			buf_printf(why, "invalid JSON");
		return -1;
	}
	return 0;
}

long long
issue_time_parse(const char *s)
{
	long long t;

	if (!s || iso8601_parse(s, strlen(s), &t) < 0)
		return -1;
	return t;
}
