#include "scope.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"

#define MAX_COLLECTED (64u * 1024 * 1024)

static const char *const all_devices[] = {
	"cpu", "cuda", "xpu", "mps", "hpu", "meta", "lazy", NULL
};

static struct rclass *
new_rclass(struct scope *s)
{
	struct rclass *r;

	if (s->nrc == s->caprc) {
		s->caprc = s->caprc ? 2 * s->caprc : 16;
		s->rc = xrealloc(s->rc, s->caprc * sizeof *s->rc);
	}
	r = &s->rc[s->nrc++];
	memset(r, 0, sizeof *r);
	return r;
}

static void
add_rclass(struct scope *s, const struct tclass *tc, const char *dev)
{
	struct rclass *r = new_rclass(s);
	struct buf b = { 0 };

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

static int
cmp_tclass_name(const void *a, const void *b)
{
	const struct tclass *x = *(const struct tclass *const *)a;
	const struct tclass *y = *(const struct tclass *const *)b;

	return strcmp(x->name, y->name);
}

static int
cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Collected items by class, then path, then test. */
static int
cmp_citem(const void *a, const void *b)
{
	const struct citem *x = a, *y = b;
	const char *xc = x->id + x->path_len + 2, *yc = y->id + y->path_len + 2;
	size_t xl = x->test_at - 2 - x->path_len - 2, yl = y->test_at - 2 - y->path_len - 2;
	int r = memcmp(xc, yc, xl < yl ? xl : yl);

	if (r == 0 && xl != yl)
		r = xl < yl ? -1 : 1;
	if (r == 0) {
		r = memcmp(x->id, y->id, x->path_len < y->path_len ? x->path_len : y->path_len);
		if (r == 0 && x->path_len != y->path_len)
			r = x->path_len < y->path_len ? -1 : 1;
	}
	return r ? r : strcmp(x->id + x->test_at, y->id + y->test_at);
}

static int
same_class_and_path(const struct citem *x, const struct citem *y)
{
	return x->path_len == y->path_len && x->test_at == y->test_at &&
	    memcmp(x->id, y->id, x->test_at) == 0;
}

/* The collected ids: the ones with a class and a test, grouped into one
 * runtime class per class and file; all of them sorted. */
static void
index_collected(struct scope *s, const struct strlist *collected)
{
	s->items = xmalloc((collected->n ? collected->n : 1) * sizeof *s->items);
	s->sorted = xmalloc((collected->n ? collected->n : 1) * sizeof *s->sorted);
	for (size_t i = 0; i < collected->n; i++) {
		const char *id = collected->v[i], *a = strstr(id, "::"), *b;

		s->sorted[s->nsorted++] = id;
		if (!a || !(b = strstr(a + 2, "::")) || b == a + 2 || !b[2])
			continue;
		s->items[s->nitems].id = id;
		s->items[s->nitems].path_len = (size_t)(a - id);
		s->items[s->nitems].test_at = (size_t)(b + 2 - id);
		s->nitems++;
	}
	if (s->nsorted > 1)
		qsort(s->sorted, s->nsorted, sizeof *s->sorted, cmp_str_ptr);
	if (s->nitems > 1)
		qsort(s->items, s->nitems, sizeof *s->items, cmp_citem);
	for (size_t i = 0; i < s->nitems;) {
		const struct citem *it = &s->items[i];
		struct rclass *r = new_rclass(s);
		size_t j = i + 1;

		while (j < s->nitems && same_class_and_path(it, &s->items[j]))
			j++;
		r->name = xstrndup(it->id + it->path_len + 2, it->test_at - 2 - it->path_len - 2);
		r->len = strlen(r->name);
		r->file = xstrndup(it->id, it->path_len);
		r->in_run = 1;
		r->first = i;
		r->count = j - i;
		i = j;
	}
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
	if (tree && tree->n) {
		s->byname = xmalloc(tree->n * sizeof *s->byname);
		for (size_t i = 0; i < tree->n; i++)
			s->byname[s->nbyname++] = &tree->v[i];
		qsort(s->byname, s->nbyname, sizeof *s->byname, cmp_tclass_name);
	}
	if (collected)
		index_collected(s, collected);
	/* Sorted, so that the classes an entry's class is a prefix of are
	 * found by a binary search: lists are large, trees are not small. */
	if (s->nrc > 1)
		qsort(s->rc, s->nrc, sizeof *s->rc, cmp_rclass);
	/* Sorted: the first and last names share what all of them share. */
	if (s->nrc) {
		const char *a = s->rc[0].name, *z = s->rc[s->nrc - 1].name;

		while (a[s->common_len] && a[s->common_len] == z[s->common_len])
			s->common_len++;
		for (size_t i = 0; i < s->nrc; i++)
			s->next_byte[(unsigned char)s->rc[i].name[s->common_len]] = 1;
	}
}

/* The tree's classes named exactly name: byname[*lo, return). */
static size_t
tree_named(const struct scope *s, const char *name, size_t *lo)
{
	size_t l = 0, h = s->nbyname;

	while (l < h) {
		size_t mid = l + (h - l) / 2;

		if (strcmp(s->byname[mid]->name, name) < 0)
			l = mid + 1;
		else
			h = mid;
	}
	*lo = l;
	while (h < s->nbyname && strcmp(s->byname[h]->name, name) == 0)
		h++;
	return h;
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

/* Is dev one of the '_'-separated chunks of the n bytes at p? */
static int
has_chunk(const char *p, size_t n, const char *dev)
{
	size_t dl = strlen(dev);

	for (size_t i = 0; i + dl <= n; i++)
		if ((i == 0 || p[i - 1] == '_') && memcmp(p + i, dev, dl) == 0 &&
		    (i + dl == n || p[i + dl] == '_'))
			return 1;
	return 0;
}

/* Where the last "_" dev "_" of the n bytes at p starts, when what follows
 * it is a dtype suffix; else 0. */
static size_t
device_then_dtype(const char *p, size_t n, const char *dev)
{
	size_t dl = strlen(dev);

	for (size_t i = n; i > dl + 2; i--) {
		size_t at = i - dl - 2;

		if (p[at] == '_' && memcmp(p + at + 1, dev, dl) == 0 && p[at + dl + 1] == '_')
			return is_dtype_suffix(p + at + dl + 2, n - at - dl - 2) ? at : 0;
	}
	return 0;
}

/* Add the node ids of one dtype list ("float32,int64", or "*": every dtype,
 * as a prefix) after stem + "_". */
static void
add_dtype_ids(const struct rclass *r, struct buf *stem, const char *dts, struct strlist *ids)
{
	const struct tclass *tc = r->tc;
	struct strlist dl = { 0 };
	size_t l = stem->len;

	if (strcmp(dts, "*") == 0) {
		buf_addc(stem, '_');
		add_id(ids, tc->file, r->name, stem->p, stem->len);
		stem->len = l;
		return;
	}
	split_commas(&dl, dts);
	for (size_t d = 0; d < dl.n; d++) {
		buf_printf(stem, "_%s", dl.v[d]);
		add_id(ids, tc->file, r->name, stem->p, stem->len);
		stem->len = l;
	}
	strlist_free(&dl);
}

/*
 * One method of a device-generic class, as PyTorch names its tests on
 * device D: <method>_D, or <method>_D_<dtype> when it has dtypes, and with
 * parameters (@parametrize, @ops, @modules) <method>_<params>_D[_<dtype>]:
 * the parameters always come before the device.  An entry names one of
 * them, or (PyTorch drops a dtype and the device before it) the name
 * without _D_<dtype>, which stands for every dtype.  *misordered is set
 * when the entry names the device after the method and then something
 * that is not a dtype: parameters after the device, a name PyTorch never
 * makes.
 */
static void
map_device_method(const struct rclass *r, size_t mi, const struct testkey *k, struct strlist *ids,
    int *misordered)
{
	const struct tclass *tc = r->tc;
	const char *m = tc->methods.v[mi], *dts = tc->method_dtypes.v[mi], *dev = r->device;
	int param = tc->parametrized || (mi < tc->method_kinds.len && tc->method_kinds.p[mi] == 'p');
	size_t ml = strlen(m), dl = strlen(dev), en = k->name_len, rl, at;
	const char *e = k->name, *rest;
	struct buf stem = { 0 };

	if (en <= ml + 1 || memcmp(e, m, ml) != 0 || e[ml] != '_') {
		/* The bare name stands for every dtype of a method with
		 * dtypes (never for a parametrized one). */
		if (en == ml && memcmp(e, m, ml) == 0 && *dts && !param) {
			buf_add(&stem, m, ml);
			buf_printf(&stem, "_%s", dev);
			add_dtype_ids(r, &stem, dts, ids);
			buf_free(&stem);
		}
		return;
	}
	/* e is <method>_<rest>. */
	rest = e + ml + 1;
	rl = en - ml - 1;
	if (!param) {
		if (rl == dl && memcmp(rest, dev, dl) == 0) {
			if (!*dts)
				add_id(ids, tc->file, r->name, e, en);
		} else if (rl > dl + 1 && memcmp(rest, dev, dl) == 0 && rest[dl] == '_') {
			if (*dts && is_dtype_suffix(rest + dl + 1, rl - dl - 1))
				add_id(ids, tc->file, r->name, e, en);
			else
				*misordered = 1;
		}
		return;
	}
	if (rl >= dl && memcmp(rest, dev, dl) == 0 && (rl == dl || rest[dl] == '_')) {
		/* <method>_D...: the device where the parameters go.  (No
		 * parametrization of PyTorch's names its first case after a
		 * device: an op, "name_value", a dtype.) */
		*misordered = 1;
	} else if (rl > dl + 1 && rest[rl - dl - 1] == '_' && memcmp(rest + rl - dl, dev, dl) == 0) {
		/* <method>_<params>_D: a test unless its dtypes are known to
		 * be there. */
		if (!*dts || strcmp(dts, "*") == 0)
			add_id(ids, tc->file, r->name, e, en);
	} else if (*dts && (at = device_then_dtype(rest, rl, dev)) > 0) {
		add_id(ids, tc->file, r->name, e, en);   /* <method>_<params>_D_<dtype> */
	} else if (has_chunk(rest, rl, dev)) {
		*misordered = 1;
	} else if (*dts) {
		/* <method>_<params>: every dtype of that variant. */
		buf_add(&stem, e, en);
		buf_printf(&stem, "_%s", dev);
		add_dtype_ids(r, &stem, dts, ids);
		buf_free(&stem);
	}
}

/* The node ids of one entry within one runtime class. */
static size_t
map_rclass(const struct rclass *r, const struct testkey *k, struct strlist *ids, int *misordered)
{
	const struct tclass *tc = r->tc;
	size_t added = 0;

	for (size_t i = 0; i < tc->methods.n; i++) {
		const char *m = tc->methods.v[i], *dts = tc->method_dtypes.v[i];
		size_t before = ids->n, ml = strlen(m);

		if (r->device) {
			map_device_method(r, i, k, ids, misordered);
		} else if (!*dts) {
			/* One test per method; parametrized ones have more
			 * after the name. */
			if (name_matches(k->name, k->name_len, m, ml))
				add_id(ids, tc->file, r->name, m, ml);
			else if (tc->parametrized && k->name_len > ml + 1 &&
			    memcmp(k->name, m, ml) == 0 && k->name[ml] == '_')
				add_id(ids, tc->file, r->name, k->name, k->name_len);
		} else if (k->name_len > ml + 1 && memcmp(k->name, m, ml) == 0 && k->name[ml] == '_') {
			/* One dtype variant (or a parametrized one of it). */
			add_id(ids, tc->file, r->name, k->name, k->name_len);
		} else if (ml == k->name_len && memcmp(m, k->name, k->name_len) == 0) {
			/* The bare name: PyTorch drops the dtype suffix, so
			 * every dtype variant is meant. */
			struct buf stem = { 0 };

			buf_add(&stem, m, ml);
			add_dtype_ids(r, &stem, dts, ids);
			buf_free(&stem);
		}
		added += ids->n - before;
	}
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
		/* The classes the entry's class is a prefix of, by the index;
		 * then their tests. */
		for (size_t i = s->nrc ? first_candidate(s, k->cls, k->cls_len) : 0;
		    i < s->nrc && class_matches(k->cls, k->cls_len, s->rc[i].name, s->rc[i].len); i++) {
			const struct rclass *r = &s->rc[i];

			if (r->tc || !module_matches_path(k->module, k->module_len, r->file))
				continue;
			for (size_t j = r->first; j < r->first + r->count; j++) {
				const struct citem *it = &s->items[j];
				const char *m = it->id + it->test_at;

				if (name_matches(k->name, k->name_len, m, strlen(m))) {
					strlist_add(ids, it->id);
					added++;
				}
			}
		}
		if (!added)
			buf_printf(why, "no collected test of class %.*s is named %.*s",
			    (int)k->cls_len, k->cls, (int)k->name_len, k->name);
		return added;
	}
	if (s->tree) {
		int misordered = 0;

		for (size_t i = s->nrc ? first_candidate(s, k->cls, k->cls_len) : 0;
		    i < s->nrc && class_matches(k->cls, k->cls_len, s->rc[i].name, s->rc[i].len); i++) {
			const struct rclass *r = &s->rc[i];

			if (!module_matches_path(k->module, k->module_len, r->tc->file))
				continue;
			classes++;
			if (!r->in_run) {
				not_run++;
				continue;
			}
			added += map_rclass(r, k, ids, &misordered);
		}
		if (!added && classes == 0)
			buf_printf(why, "no class of the test tree starts with %.*s",
			    (int)k->cls_len, k->cls);
		else if (!added && not_run == classes)
			buf_printf(why, "class %.*s runs only for devices outside --devices",
			    (int)k->cls_len, k->cls);
		else if (!added && misordered)
			buf_printf(why, "no test of class %.*s* in the tree matches %.*s by PyTorch's rules: the name has the device before other parts, but PyTorch names device-generic tests <method>_<parameters>_<device>[_<dtype>]",
			    (int)k->cls_len, k->cls, (int)k->name_len, k->name);
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

/* Could m name tests of method meth in runtime class r: a prefix of one
 * of its tests, or one of its variants? */
static int
names_method(const struct rclass *r, const char *meth, const char *m)
{
	struct buf stem = { 0 };
	size_t ml = strlen(meth);
	int ok;

	buf_adds(&stem, meth);
	if (r->device)
		buf_printf(&stem, "_%s", r->device);
	ok = starts_with(buf_str(&stem), m) || (starts_with(m, stem.p) && m[stem.len] == '_');
	/* <method>_<params>_<device>[_<dtype>] */
	if (!ok && r->device && strncmp(m, meth, ml) == 0 && m[ml] == '_')
		ok = has_chunk(m + ml + 1, strlen(m + ml + 1), r->device);
	buf_free(&stem);
	return ok;
}

/* A corrected node id, when it is clean text (a tree's file names are not
 * checked for that when the tree is read from source). */
static void
add_fixed(struct strlist *fixed, struct buf *f, struct buf *why)
{
	if (text_is_clean(buf_str(f)))
		strlist_add(fixed, f->p);
	else
		buf_printf(why, " (a correction left out: %s is not printable UTF-8)", shown(f->p, f->len, 1));
}

int
scope_check(const struct scope *s, const char *id, struct strlist *fixed, struct buf *why)
{
	struct buf p = { 0 }, c = { 0 }, m = { 0 };
	const struct tclass *tc = NULL;
	size_t lo, hi;
	int stale = 0;

	if (s->collected) {
		/* The collected ids it is a prefix of start where it would go
		 * among them. */
		size_t l = 0, h = s->nsorted;

		while (l < h) {
			size_t mid = l + (h - l) / 2;

			if (strcmp(s->sorted[mid], id) < 0)
				l = mid + 1;
			else
				h = mid;
		}
		if (l < s->nsorted && starts_with(s->sorted[l], id))
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
	/* The runtime classes of that name. */
	for (size_t i = s->nrc ? first_candidate(s, c.p, c.len) : 0;
	    i < s->nrc && strcmp(s->rc[i].name, c.p) == 0; i++) {
		const struct rclass *r = &s->rc[i];

		if (strcmp(r->tc->file, p.p) != 0)
			continue;
		/* The class runs under this name; is the test there? */
		if (m.len == 0)
			goto out;
		for (size_t j = 0; j < r->tc->methods.n; j++)
			if (names_method(r, r->tc->methods.v[j], m.p))
				goto out;
		buf_printf(why, "class %s has no test %s", c.p, m.p);
		stale = 1;
		goto out;
	}
	hi = tree_named(s, c.p, &lo);
	for (size_t i = lo; i < hi && !tc; i++)
		if (strcmp(s->byname[i]->file, p.p) == 0)
			tc = s->byname[i];
	/* A device-generic base class: pytest runs its per-device classes. */
	if (tc && tc->device_generic) {
		int any = 0;

		buf_printf(why, "%s is device-generic: pytest runs it as", c.p);
		for (size_t i = s->nrc ? first_candidate(s, tc->name, strlen(tc->name)) : 0;
		    i < s->nrc && starts_with(s->rc[i].name, tc->name); i++) {
			const struct rclass *r = &s->rc[i];
			struct buf f = { 0 };

			if (r->tc != tc || !r->in_run)
				continue;
			buf_printf(why, "%s %s", any++ ? "," : "", r->name);
			buf_printf(&f, "%s::%s", p.p, r->name);
			if (m.len)
				buf_printf(&f, "::%s_%s", m.p, r->device);
			add_fixed(fixed, &f, why);
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
	for (size_t i = lo; i < hi; i++) {
		if (!s->byname[i]->device_generic) {
			struct buf f = { 0 };

			buf_printf(&f, "%s::%s%s%s", s->byname[i]->file, c.p, m.len ? "::" : "", m.len ? m.p : "");
			add_fixed(fixed, &f, why);
			buf_free(&f);
		}
	}
out:
	buf_free(&p);
	buf_free(&c);
	buf_free(&m);
	return stale;
}

/* The first of the n sorted strings that is not below key. */
static size_t
lower_bound(const char **v, size_t n, const char *key)
{
	size_t l = 0, h = n;

	while (l < h) {
		size_t mid = l + (h - l) / 2;

		if (strcmp(v[mid], key) < 0)
			l = mid + 1;
		else
			h = mid;
	}
	return l;
}

#define COLLATERAL_EXAMPLES 3

void
scope_collateral(const struct scope *s, const struct strlist *printed, struct diags *d)
{
	const char **pr;
	unsigned char *told;
	size_t n = 0;
	struct buf ex = { 0 };

	if (!s->collected || printed->n == 0 || s->nsorted == 0)
		return;
	pr = xmalloc(printed->n * sizeof *pr);
	for (size_t i = 0; i < printed->n; i++)
		pr[i] = printed->v[i];
	qsort(pr, printed->n, sizeof *pr, cmp_str_ptr);
	told = xmalloc(s->nsorted);
	memset(told, 0, s->nsorted);
	/* The collected ids a printed prefix removes follow it, in a row. */
	for (size_t i = 0; i < printed->n; i++) {
		for (size_t j = lower_bound(s->sorted, s->nsorted, pr[i]);
		    j < s->nsorted && starts_with(s->sorted[j], pr[i]); j++) {
			const char *c = s->sorted[j];
			size_t at;

			if (told[j])
				continue;
			at = lower_bound(pr, printed->n, c);
			if (at < printed->n && strcmp(pr[at], c) == 0)
				continue;   /* printed itself */
			told[j] = 1;
			if (n++ < COLLATERAL_EXAMPLES)
				buf_printf(&ex, "%s%s", ex.len ? ", " : "", c);
			diag_add(d, LOG_DEBUG, "collateral", "--deselect=%s also removes %s, which no entry names",
			    pr[i], c);
		}
	}
	if (n)
		diag_add(d, LOG_WARN, "collateral", "%zu collected tests removed by prefix only, though no entry names them (pytest has no exact --deselect): %s%s%s",
		    n, buf_str(&ex), n > COLLATERAL_EXAMPLES ? ", ..." : "",
		    n > COLLATERAL_EXAMPLES ? "; -v lists them all" : "");
	buf_free(&ex);
	free(told);
	free(pr);
}

void
scope_collected_match(const struct scope *s, const char *path, size_t path_len,
    const char *rest, struct strlist *ids)
{
	const char *cls = rest + 2, *e = strstr(cls, "::");
	size_t cl = e ? (size_t)(e - cls) : 0;

	/* Does the collected id's path match?  Equal, or ending in "/"path. */
#define PATH_OK(id, pl) ((pl) == path_len ? memcmp((id), path, path_len) == 0 : \
	((pl) > path_len && (id)[(pl) - path_len - 1] == '/' && \
	memcmp((id) + (pl) - path_len, path, path_len) == 0))
	if (!s->collected)
		return;
	if (cl == 0 || !e[2]) {
		/* No class and test: not in the index, so every id. */
		for (size_t i = 0; i < s->collected->n; i++) {
			const char *c = s->collected->v[i], *cs = strstr(c, "::");

			if (cs && strcmp(cs, rest) == 0 && PATH_OK(c, (size_t)(cs - c)))
				strlist_add(ids, c);
		}
		return;
	}
	for (size_t i = s->nrc ? first_candidate(s, cls, cl) : 0;
	    i < s->nrc && s->rc[i].len == cl && memcmp(s->rc[i].name, cls, cl) == 0; i++) {
		const struct rclass *r = &s->rc[i];

		for (size_t j = r->first; !r->tc && j < r->first + r->count; j++) {
			const struct citem *it = &s->items[j];

			if (strcmp(it->id + it->path_len, rest) == 0 && PATH_OK(it->id, it->path_len))
				strlist_add(ids, it->id);
		}
	}
#undef PATH_OK
}

/* Lines read between two looks at the clock. */
#define CLOCK_EVERY 4096

int
collected_load(const char *path, struct strlist *ids, struct buf *why, double deadline)
{
	struct buf src = { 0 };
	const char *p, *end;
	size_t before = ids->n, lines = 0;

	if (deadline > 0 && now_seconds() >= deadline) {
		buf_printf(why, "not read: the time limit had passed");
		return -2;
	}
	if (read_file_limited(path, MAX_COLLECTED, &src, why) < 0)
		return -1;
	for (p = src.p, end = src.p + src.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *sep = NULL;

		if (++lines % CLOCK_EVERY == 0 && deadline > 0 && now_seconds() >= deadline) {
			/* Half a list would make half the ids look stale. */
			while (ids->n > before)
				free(ids->v[--ids->n]);
			buf_free(&src);
			buf_printf(why, "stopped at the time limit after %zu lines", lines);
			return -2;
		}
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
	if (ids->n == before) {
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
	free(s->byname);
	free(s->items);
	free(s->sorted);
	s->rc = NULL;
	s->byname = NULL;
	s->items = NULL;
	s->sorted = NULL;
	s->nrc = s->caprc = s->nbyname = s->nitems = s->nsorted = 0;
}
