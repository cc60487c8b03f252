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

static void add_fixed(struct strlist *fixed, struct buf *f, struct buf *why);
static size_t tree_named(const struct scope *s, const char *name, size_t *lo);

/*
 * The tests of a runtime class, named as PyTorch names them:
 * a plain class's methods; with @instantiate_parametrized_tests,
 * <method>_<case> for each @parametrize case; in a device-generic class,
 * <method>[_<case>]_<device>[_<dtype>], with the dtypes of
 * @dtypesIf<DEVICE> or else @dtypes.  Methods whose parameters or dtypes
 * are not literal go to unnamed, with why.
 */
static void
expand_rclass(struct rclass *r)
{
	const struct tclass *tc = r->tc;
	struct buf name = { 0 }, tmp = { 0 };

	r->mstart = xmalloc((tc->methods.n + 1) * sizeof *r->mstart);
	r->mstart[tc->methods.n] = 0;
	for (size_t i = 0; i < tc->methods.n; i++) {
		const char *m = tc->methods.v[i];
		const char *pp = i < tc->method_params.n ? tc->method_params.v[i] : "";
		struct strlist cases = { 0 }, dl = { 0 };
		int has_cases = pp[0] == '=';
		const char *dts;

		r->mstart[i] = r->tests.n;
		if (has_cases && pp[1]) {
			/* one case a line */
			for (const char *p = pp + 1; *p;) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);

				strlist_addn(&cases, p, n);
				p += n + (nl ? 1 : 0);
			}
		}
		if (!r->device) {
			/* Without instantiation, @parametrize leaves the name. */
			if (!tc->parametrized || !pp[0]) {
				strlist_add(&r->tests, m);
			} else if (pp[0] == '!') {
				strlist_add(&r->unnamed, m);
				strlist_add(&r->unnamed_why, pp + 1);
			} else {
				for (size_t c = 0; c < cases.n; c++) {
					name.len = 0;
					buf_printf(&name, "%s_%s", m, cases.v[c]);
					strlist_add(&r->tests, name.p);
				}
			}
			strlist_free(&cases);
			continue;
		}
		dts = tclass_method_dtypes(tc, i, r->device, &tmp);
		if (pp[0] == '!' || strcmp(dts, "*") == 0) {
			strlist_add(&r->unnamed, m);
			strlist_add(&r->unnamed_why, pp[0] == '!' ? pp + 1 : "its dtypes are not literal");
			strlist_free(&cases);
			continue;
		}
		if (!has_cases)
			strlist_add(&cases, "");
		if (*dts)
			split_commas(&dl, dts);
		else
			strlist_add(&dl, "");
		for (size_t c = 0; c < cases.n; c++)
			for (size_t d = 0; d < dl.n; d++) {
				name.len = 0;
				buf_adds(&name, m);
				if (*cases.v[c])
					buf_printf(&name, "_%s", cases.v[c]);
				buf_printf(&name, "_%s", r->device);
				if (*dl.v[d])
					buf_printf(&name, "_%s", dl.v[d]);
				strlist_add(&r->tests, name.p);
			}
		strlist_free(&cases);
		strlist_free(&dl);
	}
	r->mstart[tc->methods.n] = r->tests.n;
	buf_free(&name);
	buf_free(&tmp);
}

/* The corrected node ids of method (or test) m in runtime class r: the
 * tests its method makes, or the test of that name.  Returns how many;
 * none for a method whose tests cannot be named. */
static size_t
fix_method(const struct rclass *r, const char *path, const char *m, struct strlist *fixed, struct buf *why)
{
	const struct tclass *tc = r->tc;
	size_t n = 0;

	for (size_t i = 0; i < tc->methods.n; i++) {
		if (strcmp(tc->methods.v[i], m) != 0)
			continue;
		for (size_t j = r->mstart[i]; j < r->mstart[i + 1]; j++) {
			struct buf f = { 0 };

			buf_printf(&f, "%s::%s::%s", path, r->name, r->tests.v[j]);
			add_fixed(fixed, &f, why);
			buf_free(&f);
			n++;
		}
		if (n == 0 && strlist_has(&r->unnamed, m))
			buf_printf(why, " (the tests of %s::%s cannot be named from the tree)", r->name, m);
		return n;
	}
	if (strlist_has(&r->tests, m)) {
		struct buf f = { 0 };

		buf_printf(&f, "%s::%s::%s", path, r->name, m);
		add_fixed(fixed, &f, why);
		buf_free(&f);
		n++;
	}
	return n;
}

/* The tree class a base of c names: one defined before c in its file,
 * else one of another file (imported). */
static const struct tclass *
base_class(const struct scope *s, const struct tclass *c, const char *name)
{
	size_t lo, hi = tree_named(s, name, &lo);
	const struct tclass *other = NULL;

	for (size_t j = lo; j < hi; j++) {
		const struct tclass *b = s->byname[j];

		if (strcmp(b->file, c->file) == 0) {
			if (b->line < c->line)
				return b;
		} else if (!other) {
			other = b;
		}
	}
	return other;
}

/* The tests a runtime class inherits from the tree classes it derives
 * from (a mixin's or a base test case's, named as in their own class), but
 * does not define under the same name itself: pytest and PyTorch run them
 * too. */
static void
inherit_tests(const struct scope *s, const struct tclass *c, struct rclass *r, int depth)
{
	if (depth >= 16)
		return;
	for (size_t i = 0; i < c->bases.n; i++) {
		const struct tclass *b = base_class(s, c, c->bases.v[i]);
		struct rclass tmp;

		if (!b)
			continue;
		memset(&tmp, 0, sizeof tmp);
		tmp.tc = b;
		expand_rclass(&tmp);
		for (size_t j = 0; j < tmp.tests.n; j++)
			if (!strlist_has(&r->tests, tmp.tests.v[j]))
				strlist_add(&r->tests, tmp.tests.v[j]);
		for (size_t j = 0; j < tmp.unnamed.n; j++)
			if (!strlist_has(&r->unnamed, tmp.unnamed.v[j])) {
				strlist_add(&r->unnamed, tmp.unnamed.v[j]);
				strlist_add(&r->unnamed_why, tmp.unnamed_why.v[j]);
			}
		strlist_free(&tmp.tests);
		strlist_free(&tmp.unnamed);
		strlist_free(&tmp.unnamed_why);
		free(tmp.mstart);
		inherit_tests(s, b, r, depth + 1);
	}
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
	expand_rclass(r);
	inherit_tests(s, tc, r, 0);
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

/* A base from outside the tree that makes a test case: unittest.TestCase,
 * PyTorch's TestCase, and its kin by name (JitTestCase, NNTestCase,
 * MultiProcessTestCase, DTensorTestBase, FSDPTest). */
static int
outside_test_base(const char *b)
{
	return ends_with(b, "TestCase") || ends_with(b, "TestBase") || ends_with(b, "Test");
}

/* Which classes of the tree are test cases: a base from outside that is
 * one, or a class of the tree (of that name) that is one, until nothing
 * changes. */
static void
mark_tests(struct scope *s)
{
	const struct testtree *t = s->tree;
	int changed = 1;

	s->is_test = xmalloc(t->n);
	memset(s->is_test, 0, t->n);
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < t->n; i++) {
			const struct tclass *c = &t->v[i];

			for (size_t b = 0; b < c->bases.n && !s->is_test[i]; b++) {
				size_t lo, hi = tree_named(s, c->bases.v[b], &lo);
				int inside = 0, yes = 0;

				for (size_t j = lo; j < hi; j++) {
					size_t at = (size_t)(s->byname[j] - t->v);

					if (at == i)
						continue;   /* class X(X): an earlier X */
					inside = 1;
					yes |= s->is_test[at];
				}
				if (yes || (!inside && outside_test_base(c->bases.v[b]))) {
					s->is_test[i] = 1;
					changed = 1;
				}
			}
		}
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
	if (tree && tree->n) {
		s->byname = xmalloc(tree->n * sizeof *s->byname);
		for (size_t i = 0; i < tree->n; i++)
			s->byname[s->nbyname++] = &tree->v[i];
		qsort(s->byname, s->nbyname, sizeof *s->byname, cmp_tclass_name);
		mark_tests(s);
	}
	for (size_t i = 0; tree && i < tree->n; i++) {
		const struct tclass *tc = &tree->v[i];

		if (!s->is_test[i])
			continue;   /* a helper: pytest and PyTorch run none of it */
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
		/* PyTorch ignores the module: the class decides, one with tests
		 * (a test case without tests runs nothing). */
		for (size_t i = first_candidate(s, k->cls, k->cls_len);
		    i < s->nrc && class_matches(k->cls, k->cls_len, s->rc[i].name, s->rc[i].len); i++)
			if (!s->rc[i].tc || s->rc[i].tests.n || s->rc[i].unnamed.n)
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

static void
dotted_path(struct buf *b, const struct testkey *k)
{
	/* PyTorch's dotted modules are relative to its test/ folder. */
	buf_adds(b, "test/");
	for (size_t i = 0; i < k->module_len; i++)
		buf_addc(b, k->module[i] == '.' ? '/' : k->module[i]);
	buf_adds(b, ".py");
}

/* Is the module dotted (not __main__) and another file than path? */
static int
module_elsewhere(const struct testkey *k, const char *path)
{
	return k->module_len && !(k->module_len == 8 && memcmp(k->module, "__main__", 8) == 0) &&
	    !module_matches_path(k->module, k->module_len, path);
}

static void
module_note(struct buf *note, const struct testkey *k, const char *path)
{
	if (!note || !module_elsewhere(k, path) || note->len)
		return;
	buf_printf(note, "the module %.*s names another file than %s; PyTorch ignores the module, so the entry applies there",
	    (int)k->module_len, k->module, path);
}

/* Does the entry name start a test of the list (tests t such that t starts
 * with name + "_")?  The first such, for messages. */
static const char *
started_test(const struct strlist *tests, const struct testkey *k)
{
	for (size_t i = 0; i < tests->n; i++) {
		const char *t = tests->v[i];

		if (strncmp(t, k->name, k->name_len) == 0 && t[k->name_len] == '_')
			return t;
	}
	return NULL;
}

/* Does the entry's name hold "_<dev>_" followed by something that is not
 * a dtype suffix: the device before other parts of the name? */
static int
device_misplaced(const struct testkey *k, const char *dev)
{
	size_t dl = strlen(dev);
	const char *n = k->name;
	size_t nl = k->name_len;

	for (size_t i = 1; i + dl + 1 < nl; i++)
		if (n[i - 1] == '_' && memcmp(n + i, dev, dl) == 0 && n[i + dl] == '_' &&
		    !is_dtype_suffix(n + i + dl + 1, nl - i - dl - 1))
			return 1;
	return 0;
}

size_t
scope_map_ex(const struct scope *s, const struct testkey *k, struct strlist *ids, struct buf *why,
    enum map_status *status, struct buf *note)
{
	size_t added = 0, classes = 0, not_run = 0;

	if (status)
		*status = MAP_OK;
	if (s->collected) {
		/* The classes the entry's class is a prefix of, by the index;
		 * then their tests. */
		for (size_t i = s->nrc ? first_candidate(s, k->cls, k->cls_len) : 0;
		    i < s->nrc && class_matches(k->cls, k->cls_len, s->rc[i].name, s->rc[i].len); i++) {
			const struct rclass *r = &s->rc[i];

			if (r->tc)
				continue;
			for (size_t j = r->first; j < r->first + r->count; j++) {
				const struct citem *it = &s->items[j];
				const char *m = it->id + it->test_at;

				if (name_matches(k->name, k->name_len, m, strlen(m))) {
					strlist_add(ids, it->id);
					module_note(note, k, r->file);
					added++;
				}
			}
		}
		if (!added)
			buf_printf(why, "no collected test of class %.*s is named %.*s by PyTorch's rule (class prefix, suffix removal): PyTorch does not skip anything for this entry either",
			    (int)k->cls_len, k->cls, (int)k->name_len, k->name);
		return added;
	}
	if (s->tree) {
		const struct rclass *ur = NULL, *started_r = NULL;
		const char *um = NULL, *uwhy = NULL, *started = NULL, *misordered = NULL;
		struct buf c = { 0 };
		size_t lo, hi;

		for (size_t i = s->nrc ? first_candidate(s, k->cls, k->cls_len) : 0;
		    i < s->nrc && class_matches(k->cls, k->cls_len, s->rc[i].name, s->rc[i].len); i++) {
			const struct rclass *r = &s->rc[i];

			classes++;
			if (!r->in_run) {
				not_run++;
				continue;
			}
			for (size_t j = 0; j < r->tests.n; j++) {
				const char *t = r->tests.v[j];

				if (name_matches(k->name, k->name_len, t, strlen(t))) {
					add_id(ids, r->file, r->name, t, strlen(t));
					module_note(note, k, r->file);
					added++;
				}
			}
			/* A method whose tests cannot be named, that the
			 * entry may mean: <method> or <method>_... */
			for (size_t j = 0; j < r->unnamed.n && !ur; j++) {
				const char *u = r->unnamed.v[j];
				size_t ul = strlen(u);

				if (k->name_len >= ul && memcmp(k->name, u, ul) == 0 &&
				    (k->name_len == ul || k->name[ul] == '_')) {
					ur = r;
					um = u;
					uwhy = r->unnamed_why.v[j];
				}
			}
			if (!started && (started = started_test(&r->tests, k)) != NULL)
				started_r = r;
			if (r->device && !misordered && device_misplaced(k, r->device))
				misordered = r->device;
		}
		if (ur) {
			if (status)
				*status = MAP_UNNAMED;
			if (added && note && !note->len)
				buf_printf(note, "more tests of %s::%s may be meant, but cannot be named from the tree: %s %s (--collect names them)",
				    ur->file, ur->name, um, uwhy);
			else if (!added)
				buf_printf(why, "cannot be named from the tree: %s of %s (%s): %s; --collect names its tests exactly",
				    um, ur->name, ur->file, uwhy);
			return added;
		}
		if (added)
			return added;
		buf_add(&c, k->cls, k->cls_len);
		hi = tree_named(s, buf_str(&c), &lo);
		if (classes == 0 && lo < hi && !s->is_test[s->byname[lo] - s->tree->v])
			buf_printf(why, "class %s (%s) is not a test class: it derives from no test case, so nothing runs it",
			    c.p, s->byname[lo]->file);
		else if (classes == 0)
			buf_printf(why, "no test class of the test tree starts with %s", buf_str(&c));
		else if (not_run == classes)
			buf_printf(why, "class %s runs only for devices outside --devices", buf_str(&c));
		else if (misordered)
			buf_printf(why, "no test of class %s* in the tree matches %.*s by PyTorch's rule: the name has the device (%s) before other parts, but PyTorch names device-generic tests <method>_<parameters>_<device>[_<dtype>]; PyTorch does not skip anything for this entry either",
			    buf_str(&c), (int)k->name_len, k->name, misordered);
		else if (started)
			buf_printf(why, "%.*s is only the start of %s::%s::%s (a parametrized test's base name, or another test), and PyTorch compares whole names: PyTorch does not skip anything for this entry either",
			    (int)k->name_len, k->name, started_r->file, started_r->name, started);
		else
			buf_printf(why, "no test of class %s* in the tree matches %.*s by PyTorch's rule: PyTorch does not skip anything for this entry either",
			    buf_str(&c), (int)k->name_len, k->name);
		buf_free(&c);
		return 0;
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

size_t
scope_map(const struct scope *s, const struct testkey *k, struct strlist *ids, struct buf *why)
{
	return scope_map_ex(s, k, ids, why, NULL, NULL);
}

static int
file_in_tree(const struct testtree *t, const char *path)
{
	return strlist_has(&t->files, path);
}

/* Could m name tests of runtime class r: the start of one of its tests
 * (pytest's --deselect is a prefix), or of a method whose tests cannot be
 * named (then it cannot be checked)? */
static int
names_test(const struct rclass *r, const char *m)
{
	for (size_t i = 0; i < r->tests.n; i++)
		if (starts_with(r->tests.v[i], m))
			return 1;
	for (size_t i = 0; i < r->unnamed.n; i++)
		if (starts_with(m, r->unnamed.v[i]) || starts_with(r->unnamed.v[i], m))
			return 1;
	return 0;
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
		if (names_test(r, m.p))
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
			if (m.len) {
				fix_method(r, p.p, m.p, fixed, why);
			} else {
				buf_printf(&f, "%s::%s", p.p, r->name);
				add_fixed(fixed, &f, why);
			}
			buf_free(&f);
		}
		if (!any)
			buf_printf(why, " nothing for --devices");
		stale = 1;
		goto out;
	}
	if (tc && !s->is_test[tc - s->tree->v]) {
		buf_printf(why, "class %s is not a test class: it derives from no test case, so nothing runs it", c.p);
		stale = 1;
		goto out;
	}
	if (tc)
		goto out;   /* defined, but never collected? keep it as is */
	buf_printf(why, "no class %s in %s", c.p, p.p);
	stale = 1;
	/* The class may have moved to another file. */
	for (size_t i = lo; i < hi; i++) {
		const struct tclass *o = s->byname[i];

		if (!o->device_generic && s->is_test[o - s->tree->v]) {
			struct buf f = { 0 };

			/* Its runtime class: the tests it defines. */
			for (size_t j = s->nrc ? first_candidate(s, c.p, c.len) : 0;
			    j < s->nrc && strcmp(s->rc[j].name, c.p) == 0; j++) {
				if (s->rc[j].tc != o)
					continue;
				if (!m.len) {
					buf_printf(&f, "%s::%s", o->file, c.p);
					add_fixed(fixed, &f, why);
				} else {
					fix_method(&s->rc[j], o->file, m.p, fixed, why);
				}
			}
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
		strlist_free(&s->rc[i].tests);
		free(s->rc[i].mstart);
		strlist_free(&s->rc[i].unnamed);
		strlist_free(&s->rc[i].unnamed_why);
		if (!s->rc[i].tc)
			free((char *)s->rc[i].file);
	}
	free(s->rc);
	free(s->byname);
	free(s->is_test);
	s->is_test = NULL;
	free(s->items);
	free(s->sorted);
	s->rc = NULL;
	s->byname = NULL;
	s->items = NULL;
	s->sorted = NULL;
	s->nrc = s->caprc = s->nbyname = s->nitems = s->nsorted = 0;
}
