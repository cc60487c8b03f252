#include "scope.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"

#define MAX_COLLECTED (64u * 1024 * 1024)

static const char *const all_devices[] = {
	"cpu", "cuda", "xpu", "mps", "hpu", "meta", "lazy", NULL
};

static void
add_rclass(struct scope *s, const struct tclass *tc, const char *dev)
{
	struct rclass *r;
	struct buf b = { 0 };

	s->rc = xrealloc(s->rc, (s->nrc + 1) * sizeof *s->rc);
	r = &s->rc[s->nrc++];
	buf_adds(&b, tc->name);
	for (const char *p = dev; p && *p; p++)
		buf_addc(&b, (char)toupper((unsigned char)*p));
	r->name = xstrdup(buf_str(&b));
	r->len = b.len;
	r->tc = tc;
	r->file = tc->file;
	r->device = dev;
	r->in_run = !dev || strlist_has(s->devices, dev);
	buf_free(&b);
}

static int
cmp_rclass(const void *a, const void *b)
{
	const struct rclass *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r ? r : strcmp(x->file, y->file);
}

/* The first runtime class whose name is not below the entry's class: those
 * it is a prefix of follow it, in a row (the names are sorted). */
static size_t
first_candidate(const struct scope *s, const char *cls, size_t n)
{
	size_t lo = 0, hi = s->nrc;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rclass *r = &s->rc[mid];
		size_t m = r->len < n ? r->len : n;
		int c = memcmp(r->name, cls, m);

		if (c < 0 || (c == 0 && r->len < n))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
scope_init(struct scope *s, const struct testtree *tree,
    const struct strlist *collected, const struct strlist *devices, const char *filter)
{
	memset(s, 0, sizeof *s);
	s->tree = tree;
	s->collected = collected;
	s->devices = devices;
	s->filter = filter;
	for (size_t i = 0; tree && i < tree->n; i++) {
		const struct tclass *tc = &tree->v[i];

		if (!tc->device_generic) {
			add_rclass(s, tc, NULL);
			continue;
		}
		/* Every device the class could run on is in scope; only those
		 * of --devices give node ids. */
		for (size_t d = 0; all_devices[d]; d++)
			if (tclass_has_device(tc, all_devices[d]))
				add_rclass(s, tc, all_devices[d]);
	}
	/* The classes pytest collected, one per class and file. */
	for (size_t i = 0; collected && i < collected->n; i++) {
		struct buf p = { 0 }, c = { 0 }, m = { 0 };

		if (split_nodeid(collected->v[i], &p, &c, &m) == 0 && c.len && m.len) {
			struct rclass *r;

			s->rc = xrealloc(s->rc, (s->nrc + 1) * sizeof *s->rc);
			r = &s->rc[s->nrc++];
			memset(r, 0, sizeof *r);
			r->name = xstrdup(c.p);
			r->len = c.len;
			r->file = xstrdup(p.p);
			r->in_run = 1;
		}
		buf_free(&p);
		buf_free(&c);
		buf_free(&m);
	}
	/* Sorted, so that the classes an entry's class is a prefix of are
	 * found by a binary search: lists are large, trees are not small. */
	if (s->nrc > 1)
		qsort(s->rc, s->nrc, sizeof *s->rc, cmp_rclass);
	if (collected && s->nrc > 1) {
		size_t out = 1;

		for (size_t i = 1; i < s->nrc; i++) {
			if (cmp_rclass(&s->rc[out - 1], &s->rc[i]) == 0) {
				free(s->rc[i].name);
				free((char *)s->rc[i].file);
				continue;
			}
			s->rc[out++] = s->rc[i];
		}
		s->nrc = out;
	}
	/* Sorted: the first and last names share what all of them share. */
	if (s->nrc) {
		const char *a = s->rc[0].name, *z = s->rc[s->nrc - 1].name;

		while (a[s->common_len] && a[s->common_len] == z[s->common_len])
			s->common_len++;
		for (size_t i = 0; i < s->nrc; i++)
			s->next_byte[(unsigned char)s->rc[i].name[s->common_len]] = 1;
	}
}

/* Could the entry's class be a prefix of any runtime class?  A "no" here
 * is certain; a "yes" is settled by the binary search. */
static int
maybe_prefix(const struct scope *s, const char *cls, size_t n)
{
	const char *common = s->rc[0].name;

	if (memcmp(cls, common, n < s->common_len ? n : s->common_len) != 0)
		return 0;
	return n <= s->common_len || s->next_byte[(unsigned char)cls[s->common_len]];
}

int
split_nodeid(const char *id, struct buf *path, struct buf *cls, struct buf *meth)
{
	const char *a = strstr(id, "::"), *b;

	path->len = cls->len = meth->len = 0;
	if (!a)
		return -1;
	buf_add(path, id, (size_t)(a - id));
	a += 2;
	b = strstr(a, "::");
	if (!b) {
		buf_adds(cls, a);
		buf_str(meth);
	} else {
		buf_add(cls, a, (size_t)(b - a));
		buf_adds(meth, b + 2);
	}
	buf_str(path);
	buf_str(cls);
	return 0;
}

static int
suite_has_filter(const struct testkey *k, const char *filter)
{
	size_t fl = strlen(filter);
	size_t sl = (size_t)(k->cls + k->cls_len - k->module);

	/* Case-insensitive, on "module.Class" only: the test name is left out,
	 * because "test_profiler (__main__.TestJit)" is not a profiler test. */
	for (size_t i = 0; i + fl <= sl; i++) {
		size_t j = 0;

		while (j < fl && tolower((unsigned char)k->module[i + j]) ==
		    tolower((unsigned char)filter[j]))
			j++;
		if (j == fl)
			return 1;
	}
	return fl == 0;
}

int
scope_has(const struct scope *s, const struct testkey *k)
{
	if (s->collected || s->tree) {
		if (!s->nrc || !maybe_prefix(s, k->cls, k->cls_len))
			return 0;
		for (size_t i = first_candidate(s, k->cls, k->cls_len);
		    i < s->nrc && class_matches(k->cls, k->cls_len, s->rc[i].name, s->rc[i].len); i++)
			if (module_matches_path(k->module, k->module_len, s->rc[i].file))
				return 1;
		return 0;
	}
	return suite_has_filter(k, s->filter);
}

static void
add_id(struct strlist *ids, const char *file, const char *cls, const char *meth, size_t n)
{
	struct buf b = { 0 };

	buf_printf(&b, "%s::%s::", file, cls);
	buf_add(&b, meth, n);
	strlist_add(ids, buf_str(&b));
	buf_free(&b);
}

/* The node ids of one entry within one runtime class. */
static size_t
map_rclass(const struct rclass *r, const struct testkey *k, struct strlist *ids)
{
	const struct tclass *tc = r->tc;
	struct buf stem = { 0 };
	size_t added = 0;

	for (size_t i = 0; i < tc->methods.n; i++) {
		const char *m = tc->methods.v[i], *dts = tc->method_dtypes.v[i];
		size_t before = ids->n;

		stem.len = 0;
		buf_adds(&stem, m);
		if (r->device)
			buf_printf(&stem, "_%s", r->device);
		buf_str(&stem);
		if (!*dts) {
			/* One test per method (and device); parametrized ones
			 * have more after the stem. */
			if (name_matches(k->name, k->name_len, stem.p, stem.len))
				add_id(ids, tc->file, r->name, stem.p, stem.len);
			else if ((tc->parametrized || r->device) && k->name_len > stem.len + 1 &&
			    memcmp(k->name, stem.p, stem.len) == 0 && k->name[stem.len] == '_')
				add_id(ids, tc->file, r->name, k->name, k->name_len);
		} else if (k->name_len > stem.len + 1 && memcmp(k->name, stem.p, stem.len) == 0 &&
		    k->name[stem.len] == '_') {
			/* One dtype variant (or a parametrized one of it). */
			add_id(ids, tc->file, r->name, k->name, k->name_len);
		} else if (strlen(m) == k->name_len && memcmp(m, k->name, k->name_len) == 0) {
			/* The bare name: PyTorch drops the dtype and device
			 * suffixes, so every dtype variant is meant. */
			if (strcmp(dts, "*") == 0) {
				buf_addc(&stem, '_');
				add_id(ids, tc->file, r->name, stem.p, stem.len);
			} else {
				struct strlist dl = { 0 };

				split_commas(&dl, dts);
				for (size_t d = 0; d < dl.n; d++) {
					size_t l = stem.len;

					buf_printf(&stem, "_%s", dl.v[d]);
					add_id(ids, tc->file, r->name, stem.p, stem.len);
					stem.len = l;
				}
				strlist_free(&dl);
			}
		}
		added += ids->n - before;
	}
	buf_free(&stem);
	return added;
}

static void
dotted_path(struct buf *b, const struct testkey *k)
{
	/* PyTorch's dotted modules are relative to its test/ folder. */
	buf_adds(b, "test/");
	for (size_t i = 0; i < k->module_len; i++)
		buf_addc(b, k->module[i] == '.' ? '/' : k->module[i]);
	buf_adds(b, ".py");
}

size_t
scope_map(const struct scope *s, const struct testkey *k, struct strlist *ids, struct buf *why)
{
	size_t added = 0, classes = 0, not_run = 0;

	if (s->collected) {
		struct buf p = { 0 }, c = { 0 }, m = { 0 };

		for (size_t i = 0; i < s->collected->n; i++) {
			if (split_nodeid(s->collected->v[i], &p, &c, &m) < 0 || m.len == 0)
				continue;
			if (!class_matches(k->cls, k->cls_len, c.p, c.len) ||
			    !module_matches_path(k->module, k->module_len, p.p))
				continue;
			classes++;
			if (name_matches(k->name, k->name_len, m.p, m.len)) {
				strlist_add(ids, s->collected->v[i]);
				added++;
			}
		}
		buf_free(&p);
		buf_free(&c);
		buf_free(&m);
		if (!added)
			buf_printf(why, "no collected test of class %.*s is named %.*s",
			    (int)k->cls_len, k->cls, (int)k->name_len, k->name);
		return added;
	}
	if (s->tree) {
		for (size_t i = first_candidate(s, k->cls, k->cls_len);
		    i < s->nrc && class_matches(k->cls, k->cls_len, s->rc[i].name, s->rc[i].len); i++) {
			const struct rclass *r = &s->rc[i];

			if (!module_matches_path(k->module, k->module_len, r->tc->file))
				continue;
			classes++;
			if (!r->in_run) {
				not_run++;
				continue;
			}
			added += map_rclass(r, k, ids);
		}
		if (!added && classes == 0)
			buf_printf(why, "no class of the test tree starts with %.*s",
			    (int)k->cls_len, k->cls);
		else if (!added && not_run == classes)
			buf_printf(why, "class %.*s runs only for devices outside --devices",
			    (int)k->cls_len, k->cls);
		else if (!added)
			buf_printf(why, "no test of class %.*s* in the tree matches %.*s by PyTorch's rules",
			    (int)k->cls_len, k->cls, (int)k->name_len, k->name);
		return added;
	}
	if (k->module_len == 0 || (k->module_len == 8 && memcmp(k->module, "__main__", 8) == 0)) {
		buf_printf(why, "module __main__ names no file, and there is no test tree to find the class in (see --root, --tests-dir)");
		return 0;
	}
	struct buf path = { 0 }, cls = { 0 };

	dotted_path(&path, k);
	buf_add(&cls, k->cls, k->cls_len);
	add_id(ids, buf_str(&path), buf_str(&cls), k->name, k->name_len);
	buf_free(&path);
	buf_free(&cls);
	return 1;
}

static int
file_in_tree(const struct testtree *t, const char *path)
{
	return strlist_has(&t->files, path);
}

int
scope_check(const struct scope *s, const char *id, struct strlist *fixed, struct buf *why)
{
	struct buf p = { 0 }, c = { 0 }, m = { 0 };
	int stale = 0;

	if (s->collected) {
		for (size_t i = 0; i < s->collected->n; i++)
			if (starts_with(s->collected->v[i], id))
				return 0;
		buf_printf(why, "matches no collected test");
		return 1;
	}
	if (!s->tree)
		return 0;
	if (split_nodeid(id, &p, &c, &m) < 0) {
		if (!file_in_tree(s->tree, id)) {
			buf_printf(why, "file is not in the test tree");
			stale = 1;
		}
		goto out;
	}
	if (!file_in_tree(s->tree, p.p)) {
		buf_printf(why, "file %s is not in the test tree", p.p);
		stale = 1;
		goto out;
	}
	for (size_t i = 0; i < s->nrc; i++) {
		const struct rclass *r = &s->rc[i];

		if (strcmp(r->tc->file, p.p) != 0)
			continue;
		if (strcmp(r->name, c.p) == 0) {
			/* The class runs under this name; is the test there? */
			struct buf stem = { 0 };

			if (m.len == 0)
				goto out;
			for (size_t j = 0; j < r->tc->methods.n; j++) {
				stem.len = 0;
				buf_adds(&stem, r->tc->methods.v[j]);
				if (r->device)
					buf_printf(&stem, "_%s", r->device);
				/* The id is a prefix of a test, or a variant of one. */
				if (starts_with(buf_str(&stem), m.p) ||
				    (starts_with(m.p, stem.p) && m.p[stem.len] == '_')) {
					buf_free(&stem);
					goto out;
				}
			}
			buf_free(&stem);
			buf_printf(why, "class %s has no test %s", c.p, m.p);
			stale = 1;
			goto out;
		}
	}
	/* A device-generic base class: pytest runs its per-device classes. */
	const struct tclass *tc = tree_find(s->tree, p.p, c.p);
	if (tc && tc->device_generic) {
		int any = 0;

		buf_printf(why, "%s is device-generic: pytest runs it as", c.p);
		for (size_t i = 0; i < s->nrc; i++) {
			const struct rclass *r = &s->rc[i];
			struct buf f = { 0 };

			if (r->tc != tc || !r->in_run)
				continue;
			buf_printf(why, "%s %s", any++ ? "," : "", r->name);
			buf_printf(&f, "%s::%s", p.p, r->name);
			if (m.len)
				buf_printf(&f, "::%s_%s", m.p, r->device);
			strlist_add(fixed, buf_str(&f));
			buf_free(&f);
		}
		if (!any)
			buf_printf(why, " nothing for --devices");
		stale = 1;
		goto out;
	}
	if (tc)
		goto out;   /* defined, but never collected? keep it as is */
	buf_printf(why, "no class %s in %s", c.p, p.p);
	stale = 1;
	/* The class may have moved to another file. */
	for (size_t i = 0; i < s->tree->n; i++) {
		if (strcmp(s->tree->v[i].name, c.p) == 0 && !s->tree->v[i].device_generic) {
			struct buf f = { 0 };

			buf_printf(&f, "%s::%s%s%s", s->tree->v[i].file, c.p, m.len ? "::" : "", m.len ? m.p : "");
			strlist_add(fixed, buf_str(&f));
			buf_free(&f);
		}
	}
out:
	buf_free(&p);
	buf_free(&c);
	buf_free(&m);
	return stale;
}

void
scope_collateral(const struct scope *s, const struct strlist *printed, struct diags *d)
{
	size_t n = 0;

	if (!s->collected)
		return;
	for (size_t i = 0; i < s->collected->n; i++) {
		const char *c = s->collected->v[i];

		if (strlist_has(printed, c))
			continue;
		for (size_t j = 0; j < printed->n; j++) {
			if (starts_with(c, printed->v[j])) {
				diag_add(d, LOG_WARN, "collateral", "--deselect=%s also removes %s, which no entry names",
				    printed->v[j], c);
				n++;
				break;
			}
		}
	}
	if (n)
		diag_add(d, LOG_INFO, "collateral", "%zu collected tests removed by prefix only (pytest has no exact --deselect)", n);
}

int
collected_load(const char *path, struct strlist *ids, struct buf *why)
{
	struct buf src = { 0 };
	const char *p, *end;

	if (read_file_limited(path, MAX_COLLECTED, &src, why) < 0)
		return -1;
	for (p = src.p, end = src.p + src.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		const char *sep = NULL;

		while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		for (size_t i = 0; i + 1 < n && !sep; i++)
			if (p[i] == ':' && p[i + 1] == ':')
				sep = p + i;
		/* Node ids hold "::" and no space before it; summary lines
		 * ("3 tests collected in 0.1s") and warnings do not. */
		if (sep && p[0] != ' ' && !memchr(p, ' ', (size_t)(sep - p)))
			strlist_addn(ids, p, n);
		if (!nl)
			break;
		p = nl + 1;
	}
	buf_free(&src);
	if (ids->n == 0) {
		buf_printf(why, "no node ids in it (expected the output of pytest --collect-only -q)");
		return -1;
	}
	return 0;
}

void
scope_free(struct scope *s)
{
	for (size_t i = 0; i < s->nrc; i++) {
		free(s->rc[i].name);
		if (!s->rc[i].tc)
			free((char *)s->rc[i].file);
	}
	free(s->rc);
	s->rc = NULL;
	s->nrc = 0;
}
