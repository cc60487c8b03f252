#include "exclset.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
exclset_add(struct exclset *s, const char *id, const char *cls, const char *name,
    const struct reason *r)
{
	struct excl *x;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	x = &s->v[s->n++];
	x->id = dup_or_null(id);
	x->cls = xstrdup(cls);
	x->name = xstrdup(name);
	x->r = xmalloc(sizeof *x->r);
	x->nr = 1;
	x->since = 0;
	x->is_gtest = 0;
	x->r[0].kind = r->kind;
	x->r[0].key = dup_or_null(r->key);
	x->r[0].issue = dup_or_null(r->issue);
	x->r[0].url = dup_or_null(r->url);
	x->r[0].platforms = dup_or_null(r->platforms);
	x->r[0].run_id = dup_or_null(r->run_id);
	x->r[0].where = dup_or_null(r->where);
}

int
gtest_name_ok(const char *s, size_t n)
{
	size_t dot = n, dots = 0;

	if (n == 0 || n > 512)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			dot = i;
			dots++;
		} else if (c == '/' && (i == 0 || i + 1 == n || s[i - 1] == '.' || s[i + 1] == '.' ||
		    s[i - 1] == '/')) {
			return 0;       /* "/x", "x/", "x/.y", "x./y", "x//y": no gtest name */
		} else if (!(c == '_' || c == '/' || (c >= '0' && c <= '9') ||
		    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
			return 0;
		}
	}
	return dots == 1 && dot > 0 && dot + 1 < n;
}

int
exclset_add_gtest(struct exclset *s, const char *suite_dot_test, const struct reason *r)
{
	size_t n = strlen(suite_dot_test);
	const char *dot = strchr(suite_dot_test, '.');
	char *suite;

	if (!gtest_name_ok(suite_dot_test, n))
		return -1;
	suite = xstrndup(suite_dot_test, (size_t)(dot - suite_dot_test));
	exclset_add(s, NULL, suite, dot + 1, r);
	s->v[s->n - 1].is_gtest = 1;
	free(suite);
	return 0;
}

static int
cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : b ? -1 : 0;
	return strcmp(a, b);
}

static int
cmp_excl(const void *a, const void *b)
{
	const struct excl *x = a, *y = b;
	int r;

	if (x->is_gtest != y->is_gtest)
		return x->is_gtest ? 1 : -1;
	if (!x->id || !y->id) {
		if (x->id || y->id)
			return x->id ? -1 : 1;
		r = strcmp(x->cls, y->cls);
		return r ? r : strcmp(x->name, y->name);
	}
	return strcmp(x->id, y->id);
}

static int
cmp_reason(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;
	int r;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if ((r = cmp_str(x->key, y->key)) != 0)
		return r;
	if ((r = cmp_str(x->run_id, y->run_id)) != 0)
		return r;
	if ((r = cmp_str(x->issue, y->issue)) != 0)
		return r;
	if ((r = cmp_str(x->url, y->url)) != 0)
		return r;
	if ((r = cmp_str(x->platforms, y->platforms)) != 0)
		return r;
	return cmp_str(x->where, y->where);
}

static void
reason_clear(struct reason *r)
{
	free(r->key);
	free(r->issue);
	free(r->url);
	free(r->platforms);
	free(r->run_id);
	free(r->where);
}

static void
excl_clear(struct excl *x)
{
	for (size_t i = 0; i < x->nr; i++)
		reason_clear(&x->r[i]);
	free(x->r);
	free(x->id);
	free(x->cls);
	free(x->name);
}

/* Sort x's reasons and drop the repeats. */
static void
tidy_reasons(struct excl *x)
{
	size_t out = 0;

	if (x->nr > 1)
		qsort(x->r, x->nr, sizeof *x->r, cmp_reason);
	for (size_t i = 0; i < x->nr; i++) {
		if (out && cmp_reason(&x->r[out - 1], &x->r[i]) == 0) {
			reason_clear(&x->r[i]);
			continue;
		}
		x->r[out++] = x->r[i];
	}
	x->nr = out;
}

void
exclset_finish(struct exclset *s)
{
	size_t out = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, cmp_excl);
	for (size_t i = 0; i < s->n; i++) {
		struct excl *last = out ? &s->v[out - 1] : NULL;

		if (last && cmp_excl(last, &s->v[i]) == 0) {
			struct excl *x = &s->v[i];

			last->r = xrealloc(last->r, (last->nr + x->nr) * sizeof *last->r);
			memcpy(last->r + last->nr, x->r, x->nr * sizeof *x->r);
			last->nr += x->nr;
			x->nr = 0;
			if (x->since > 0 && (last->since == 0 || x->since < last->since))
				last->since = x->since;
			excl_clear(x);
			continue;
		}
		s->v[out++] = s->v[i];
	}
	s->n = out;
	for (size_t i = 0; i < s->n; i++)
		tidy_reasons(&s->v[i]);
}

size_t
exclset_filter(struct exclset *s,
    int (*drop)(void *arg, const struct excl *x, const struct reason *r), void *arg)
{
	size_t out = 0, dropped = 0, cap = 0;
	unsigned char *gone = NULL;

	for (size_t i = 0; i < s->n; i++) {
		struct excl *x = &s->v[i];
		size_t keep = 0;

		/* Every question is asked of the whole, unchanged exclusion. */
		if (x->nr > cap) {
			cap = x->nr;
			gone = xrealloc(gone, cap);
		}
		for (size_t j = 0; j < x->nr; j++)
			gone[j] = drop(arg, x, &x->r[j]) != 0;
		for (size_t j = 0; j < x->nr; j++) {
			if (gone[j])
				reason_clear(&x->r[j]);
			else
				x->r[keep++] = x->r[j];
		}
		x->nr = keep;
		if (keep == 0) {
			excl_clear(x);
			dropped++;
			continue;
		}
		s->v[out++] = *x;
	}
	s->n = out;
	free(gone);
	return dropped;
}

const struct reason *
excl_reason(const struct excl *x, enum reason_kind k)
{
	for (size_t i = 0; i < x->nr; i++)
		if (x->r[i].kind == k)
			return &x->r[i];
	return NULL;
}

size_t
exclset_count(const struct exclset *s, enum reason_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += excl_reason(&s->v[i], k) != NULL;
	return n;
}

const char *
reason_kind_name(enum reason_kind k)
{
	switch (k) {
	case RK_LIST: return "disabled-list";
	case RK_TRUNK: return "trunk-run";
	case RK_FALLBACK: return "fallback";
	case RK_EXTRA: return "extra";
	case RK_ISSUE: return "issue";
	default: return "?";
	}
}

void
exclset_free(struct exclset *s)
{
	for (size_t i = 0; i < s->n; i++)
		excl_clear(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}
