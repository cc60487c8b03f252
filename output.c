#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

int
format_parse(const char *s, enum format *f)
{
	static const char *const names[] = { "args", "lines", "shell", "json", "keyword", "pytorch",
		"gtest", "markdown" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum format)i;
			return 0;
		}
	return -1;
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

static void
json_platforms(struct buf *out, const char *platforms)
{
	struct strlist pl = { 0 };

	buf_adds(out, "[");
	if (platforms)
		split_commas(&pl, platforms);
	for (size_t p = 0; p < pl.n; p++) {
		if (p)
			buf_adds(out, ", ");
		json_string(out, pl.v[p]);
	}
	buf_adds(out, "]");
	strlist_free(&pl);
}

/* One object a reason: its source and what that source knows. */
static void
json_reason(struct buf *out, const struct reason *r, int gtest)
{
	buf_adds(out, "{\"source\": ");
	json_string(out, reason_kind_name(r->kind));
	/* A log's test, a hand-kept node id and a gtest name are tests; the
	 * list's entries and hand-kept keys are keys. */
	if (r->key) {
		buf_adds(out, gtest || r->kind == RK_TRUNK || (r->kind != RK_LIST && strstr(r->key, "::")) ?
		    ", \"test\": " : ", \"key\": ");
		json_string(out, r->key);
	}
	if (r->issue) {
		buf_adds(out, ", \"issue\": ");
		json_string(out, r->issue);
	}
	if (r->url) {
		buf_adds(out, ", \"url\": ");
		json_string(out, r->url);
	}
	if (r->platforms) {
		buf_adds(out, ", \"platforms\": ");
		json_platforms(out, r->platforms);
	}
	if (r->run_id) {
		buf_adds(out, ", \"run\": ");
		json_string(out, r->run_id);
	}
	if (r->where) {
		buf_adds(out, ", \"file\": ");
		json_string(out, r->where);
	}
	buf_adds(out, "}");
}

/* The fields of the first disabled-list reason at the top (what the JSON
 * form always had; without one, those of the first issue reason, its key
 * only when it is one), then "sources" (one word each, "trunk-run N" with
 * its run, "issue N" with its issue) and "reasons" (everything each source
 * knows). */
static size_t
render_json(const struct exclset *s, const struct unmatched *um, size_t nu, struct buf *out)
{
	size_t k = 0;
	struct buf w = { 0 };
	struct strlist names = { 0 };

	buf_adds(out, "[");
	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];
		const struct reason *e = excl_reason(x, RK_LIST);

		/* No list entry: an issue's says the same things. */
		if (!e)
			e = excl_reason(x, RK_ISSUE);

		buf_adds(out, k++ ? ",\n  {" : "\n  {");
		buf_adds(out, "\"node_id\": ");
		json_nullable(out, x->id);
		if (x->is_gtest) {
			/* C++: its gtest name, "Suite.Test" */
			w.len = 0;
			buf_printf(&w, "%s.%s", x->cls, x->name);
			buf_adds(out, ", \"gtest\": ");
			json_string(out, buf_str(&w));
		}
		buf_adds(out, ", \"key\": ");
		json_nullable(out, e && e->key && (e->kind == RK_LIST || strchr(e->key, ' ')) ? e->key : NULL);
		buf_adds(out, ", \"issue\": ");
		json_nullable(out, e ? e->issue : NULL);
		buf_adds(out, ", \"url\": ");
		json_nullable(out, e ? e->url : NULL);
		buf_adds(out, ", \"platforms\": ");
		json_platforms(out, e ? e->platforms : NULL);
		buf_adds(out, ", \"sources\": [");
		/* each source once, however many of its reasons, in reason order */
		for (size_t r = 0; r < x->nr; r++) {
			const struct reason *rr = &x->r[r];

			w.len = 0;
			buf_adds(&w, reason_kind_name(rr->kind));
			if (rr->kind == RK_TRUNK && rr->run_id)
				buf_printf(&w, " %s", rr->run_id);
			if (rr->kind == RK_ISSUE && rr->issue)
				buf_printf(&w, " %s", rr->issue);
			if (strlist_has(&names, buf_str(&w)))
				continue;
			if (names.n)
				buf_adds(out, ", ");
			strlist_add(&names, w.p);
			json_string(out, w.p);
		}
		strlist_free(&names);
		buf_adds(out, "], \"reasons\": [");
		for (size_t r = 0; r < x->nr; r++) {
			if (r)
				buf_adds(out, ", ");
			json_reason(out, &x->r[r], x->is_gtest);
		}
		buf_adds(out, "]}");
	}
	/* Entries that matched no test: node_id null, and why. */
	for (size_t i = 0; i < nu; i++) {
		const struct unmatched *u = &um[i];
		struct reason rs = { .kind = RK_LIST, .key = u->key, .issue = u->issue, .url = u->url,
			.platforms = u->platforms };

		buf_adds(out, k || i ? ",\n  {" : "\n  {");
		buf_adds(out, "\"node_id\": null, \"key\": ");
		json_string(out, u->key);
		buf_adds(out, ", \"issue\": ");
		json_nullable(out, u->issue);
		buf_adds(out, ", \"url\": ");
		json_nullable(out, u->url);
		buf_adds(out, ", \"platforms\": ");
		json_platforms(out, u->platforms);
		buf_adds(out, ", \"sources\": [");
		json_string(out, reason_kind_name(RK_LIST));
		buf_adds(out, "], \"reasons\": [");
		json_reason(out, &rs, 0);
		buf_adds(out, "], \"unmatched\": ");
		json_string(out, u->why);
		buf_printf(out, ", \"unnamed\": %s}", u->unnamed ? "true" : "false");
	}
	buf_adds(out, k || nu ? "\n]\n" : "]\n");
	buf_free(&w);
	return k;
}

static size_t
render_keyword(const struct exclset *s, struct buf *out, struct diags *d)
{
	struct strlist terms = { 0 };
	struct buf t = { 0 };
	size_t n;

	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];
		if (x->is_gtest)
			continue;       /* C++: the gtest form only */

		if (!keyword_safe(x->cls) || !keyword_safe(x->name)) {
			diag_add(d, LOG_WARN, "", "left out of --format keyword: \"%s\" / \"%s\" cannot be written in a pytest -k expression",
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

/* One entry of the runtime file on its way: seq keeps the order the
 * entries came in, for "the first URL wins". */
struct rt_entry {
	char *key;
	char *url;
	char *platforms;           /* comma-separated; "" = every platform */
	size_t seq;
};

struct rt_list {
	struct rt_entry *v;
	size_t n, cap;
};

static void
rt_add(struct rt_list *l, const char *key, const char *url, const char *platforms)
{
	struct rt_entry *e;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	e = &l->v[l->n];
	e->key = xstrdup(key);
	e->url = xstrdup(url ? url : "");
	e->platforms = xstrdup(platforms ? platforms : "");
	e->seq = l->n++;
}

static int
cmp_rt(const void *a, const void *b)
{
	const struct rt_entry *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	return r ? r : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The platforms of two entries of one key: united, an empty list (every
 * platform) winning.  Replaces *into. */
static void
unite_platforms(char **into, const char *more)
{
	struct strlist a = { 0 }, b = { 0 };
	struct buf u = { 0 };

	if (!**into)
		return;
	if (!*more) {
		free(*into);
		*into = xstrdup("");
		return;
	}
	split_commas(&a, *into);
	split_commas(&b, more);
	for (size_t i = 0; i < b.n; i++)
		if (!strlist_has(&a, b.v[i]))
			strlist_add(&a, b.v[i]);
	for (size_t i = 0; i < a.n; i++)
		buf_printf(&u, "%s%s", i ? "," : "", a.v[i]);
	free(*into);
	*into = xstrdup(buf_str(&u));
	strlist_free(&a);
	strlist_free(&b);
	buf_free(&u);
}

/* The runtime key of a test named by a source other than the list:
 * "<test> (__main__.<Class>)", as PyTorch's harness names a test of a
 * file run as a script.  -1 when the test cannot be written as a key
 * (key_parse says why). */
static int
test_key(const struct excl *x, struct buf *key, const char **why)
{
	struct testkey k;

	key->len = 0;
	buf_printf(key, "%s (__main__.%s)", x->name, x->cls);
	/* "path::test_f" splits into a class "test_f" and no method. */
	if (!*x->cls || !*x->name) {
		*why = "it is not a test of a class";
		return -1;
	}
	return key_parse(key->p, key->len, &k, why);
}

size_t
output_pytorch(const struct exclset *s, const struct entries *listed,
    struct buf *out, struct diags *d)
{
	struct rt_list l = { 0 };
	struct buf key = { 0 }, url = { 0 };
	size_t k = 0;

	out->len = 0;
	for (size_t i = 0; listed && i < listed->n; i++)
		rt_add(&l, listed->v[i].key, listed->v[i].url, listed->v[i].platforms);
	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];
		if (x->is_gtest)
			continue;       /* C++: the gtest form only */
		int keyed = 0;          /* 1: key holds its key; -1: it has none */

		for (size_t j = 0; j < x->nr; j++) {
			const struct reason *r = &x->r[j];
			const char *why;

			/* An issue titled with a key names it as the list does. */
			if (r->key && (r->kind == RK_LIST || (r->kind == RK_ISSUE && strchr(r->key, ' ')))) {
				rt_add(&l, r->key, r->url, r->platforms);
				continue;
			}
			if (keyed == 0) {
				keyed = test_key(x, &key, &why) == 0 ? 1 : -1;
				if (keyed < 0)
					diag_add(d, LOG_WARN, "", "left out of --format pytorch: %s: %s",
					    shown(x->id ? x->id : x->name, strlen(x->id ? x->id : x->name), 0),
					    why);
			}
			if (keyed < 0)
				continue;
			url.len = 0;
			if (r->url)
				buf_adds(&url, r->url);
			rt_add(&l, buf_str(&key), buf_str(&url), r->platforms);
		}
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof *l.v, cmp_rt);
	buf_adds(out, "{");
	for (size_t i = 0, j; i < l.n; i = j) {
		struct rt_entry *e = &l.v[i];

		const char *u = e->url;

		/* The later entries of the same key join the first; the first
		 * URL that says something is the entry's. */
		for (j = i + 1; j < l.n && strcmp(l.v[j].key, e->key) == 0; j++) {
			unite_platforms(&e->platforms, l.v[j].platforms);
			if (!*u)
				u = l.v[j].url;
		}
		buf_adds(out, k++ ? ",\n  " : "\n  ");
		json_string(out, e->key);
		buf_adds(out, ": [");
		json_string(out, u);
		buf_adds(out, ", ");
		json_platforms(out, e->platforms);
		buf_adds(out, "]");
	}
	buf_adds(out, k ? "\n}\n" : "}\n");
	for (size_t i = 0; i < l.n; i++) {
		free(l.v[i].key);
		free(l.v[i].url);
		free(l.v[i].platforms);
	}
	free(l.v);
	buf_free(&key);
	buf_free(&url);
	return k;
}

int
gtest_filter_ok(const char *s, const char **why)
{
	size_t n = strlen(s);

	if (n > GTEST_FILTER_MAX) {
		*why = "longer than 65536 bytes";
		return 0;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("_./*?:-", c))) {
			*why = "a gtest filter has only letters, digits and _ . / * ? : -";
			return 0;
		}
	}
	return 1;
}

size_t
output_gtest(const struct exclset *s, const char *base, struct buf *out)
{
	struct strlist names = { 0 }, had = { 0 };
	struct buf t = { 0 };
	const char *dash = base ? strchr(base, '-') : NULL;
	size_t k = 0;

	out->len = 0;
	/* The names base already leaves out. */
	if (dash)
		for (const char *p = dash + 1, *e; *p; p = *e ? e + 1 : e) {
			e = strchr(p, ':');
			if (!e)
				e = p + strlen(p);
			strlist_addn(&had, p, (size_t)(e - p));
		}
	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];

		if (!x->is_gtest)
			continue;
		t.len = 0;
		buf_printf(&t, "%s.%s", x->cls, x->name);
		if (!strlist_has(&had, buf_str(&t)))
			strlist_add(&names, t.p);
	}
	strlist_sort_uniq(&names);
	if (base && *base)
		buf_printf(out, "--gtest_filter=%s", base);
	for (size_t i = 0; i < names.n; i++) {
		if (i == 0 && !out->len)
			buf_adds(out, "--gtest_filter=-");
		else if (i == 0 && !dash)
			buf_addc(out, '-');
		else if (i > 0 || (dash[1] && out->p[out->len - 1] != ':'))
			buf_addc(out, ':');     /* not after an empty negative part, nor a ':' */
		buf_adds(out, names.v[i]);
		k++;
	}
	buf_addc(out, '\n');
	strlist_free(&names);
	strlist_free(&had);
	buf_free(&t);
	return k;
}

size_t
output_render(const struct exclset *s, enum format f, struct buf *out, struct diags *d)
{
	return output_render_unmatched(s, f, NULL, 0, out, d);
}

size_t
output_render_unmatched(const struct exclset *s, enum format f, const struct unmatched *u,
    size_t n, struct buf *out, struct diags *d)
{
	size_t k = 0;

	out->len = 0;
	if (f == FMT_GTEST)
		return output_gtest(s, NULL, out);
	if (f == FMT_PYTORCH)
		return output_pytorch(s, NULL, out, d);
	if (f == FMT_JSON)
		return render_json(s, u, n, out);
	if (f == FMT_KEYWORD)
		return render_keyword(s, out, d);
	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];
		if (x->is_gtest)
			continue;       /* C++: the gtest form only */

		if (!x->id)
			continue;
		switch (f) {
		case FMT_ARGS:
			if (!args_safe(x->id)) {
				diag_add(d, LOG_WARN, "", "left out: node id \"%s\" has white space or * ? [ and would break an unquoted $EXCLUSIONS; use --format shell",
				    shown(x->id, strlen(x->id), 0));
				continue;
			}
			buf_printf(out, "%s--deselect=%s", k++ ? " " : "", x->id);
			break;
		case FMT_LINES:
			buf_printf(out, "%s\n", x->id);
			k++;
			break;
		case FMT_SHELL:
			buf_adds(out, k++ ? " '--deselect=" : "'--deselect=");
			for (const char *p = x->id; *p; p++) {
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
