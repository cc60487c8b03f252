/*
 * libFuzzer target for the test-tree scanner (testtree.h) and what is built
 * on its result (scope.h):
 *
 *   make fuzz-bins && fuzz/bin/fuzz_tree -max_total_time=60 fuzz/corpus/tree
 *
 * The input is Python source.  It is scanned as one test file, and its
 * second half as another, then a scope is built on the tree and a few fixed
 * keys, and keys made from what the tree holds, are mapped to node ids.
 * Besides memory safety it checks, and aborts when one fails:
 *   - every class has a name and a file of the tree, one dtype note and
 *     one parameter note per method, methods named test*, dtype notes "",
 *     "*" or known dtypes, parameter notes "", "=cases" or "!why";
 *   - a key naming a plain method of a plain test class (by __main__) is
 *     in scope, and maps to that method's node id;
 *   - every node id mapped from the tree is one the tree defines (a test
 *     of a runtime class's expansion), never a prefix or a guess;
 *   - mapping through the collected node ids gives those node ids back;
 *   - scope_check accepts the node ids that scope_map produced, and its
 *     corrections are clean text;
 *   - scope_collected_match finds each collected id by its path and rest.
 */
#include "scope.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static const char *const fixed_keys[] = {
	"test_kineto (__main__.TestProfiler)",
	"test_dynamic_toggle_cuda (__main__.TestProfilerDeviceCUDA)",
	"test_dynamic_toggle (__main__.TestProfilerDevice)",
	"test_bitwise_ops (profiler.test_profiler.TestProfiler)",
	"test_x_cuda_float32 (__main__.T)",
	"test_p_1 (test_a.TestP)",
	"test_a (sub.test_b.TestB)",
	"test_a (__main__.Test)",
};

static const char *const fixed_ids[] = {
	"test/profiler/test_a.py",
	"test/profiler/test_a.py::TestProfiler",
	"test/profiler/test_a.py::TestProfiler::test_kineto",
	"test/profiler/sub/test_b.py::T::test_x",
	"test/profiler/test_c.py::A::b",
	"::",
	"",
};

static void
check_dtypes(const char *d)
{
	const char *p = d;

	if (!*d || strcmp(d, "*") == 0)
		return;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		REQUIRE(is_dtype_suffix(p, n));
		if (!c)
			break;
		p = c + 1;
	}
}

static void
check_tree(const struct testtree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct tclass *c = &t->v[i];
		int known = 0;

		REQUIRE(c->name && *c->name && c->line >= 1);
		for (size_t f = 0; f < t->files.n; f++)
			known |= t->files.v[f] == c->file;
		REQUIRE(known);
		REQUIRE(c->methods.n == c->method_dtypes.n);
		REQUIRE(c->methods.n == c->method_kinds.len);
		REQUIRE(c->methods.n == c->method_params.n);
		REQUIRE(c->methods.n == c->method_dtypes_by.n);
		for (size_t m = 0; m < c->methods.n; m++) {
			REQUIRE(strncmp(c->methods.v[m], "test", 4) == 0);
			check_dtypes(c->method_dtypes.v[m]);
			REQUIRE(c->method_kinds.p[m] == 'p' || c->method_kinds.p[m] == '-');
			REQUIRE(strchr("=!", c->method_params.v[m][0]) != NULL);
		}
	}
}

/* Is id "file::Class::test" a test of a runtime class of the tree? */
static int
defined_in_tree(const struct scope *s, const char *id)
{
	for (size_t i = 0; i < s->nrc; i++) {
		const struct rclass *r = &s->rc[i];
		size_t fl = strlen(r->file);

		if (strncmp(id, r->file, fl) != 0 || strncmp(id + fl, "::", 2) != 0 ||
		    strncmp(id + fl + 2, r->name, r->len) != 0 || strncmp(id + fl + 2 + r->len, "::", 2) != 0)
			continue;
		if (strlist_has(&r->tests, id + fl + 2 + r->len + 2))
			return 1;
	}
	return 0;
}

/* Map a key; returns how many ids were added (why filled when none). */
static size_t
map_key(const struct scope *s, const char *key, struct strlist *ids)
{
	struct testkey k;
	const char *kwhy;
	struct buf why = { 0 };
	size_t n = 0, before = ids->n;

	if (key_parse(key, strlen(key), &k, &kwhy) == 0) {
		(void)scope_has(s, &k);
		n = scope_map(s, &k, ids, &why);
		REQUIRE(n == ids->n - before);
		REQUIRE(n > 0 || why.len > 0);
		for (size_t i = before; s->tree && i < ids->n; i++)
			REQUIRE(defined_in_tree(s, ids->v[i]) || strncmp(ids->v[i], "test/profiler/", 14) != 0);
	}
	buf_free(&why);
	return n;
}

static int
is_ascii_ident(const char *s)
{
	return is_identifier(s, strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src = malloc(size ? size : 1);
	struct testtree t = { 0 };
	struct strlist devices = { 0 }, ids = { 0 }, fixed = { 0 };
	struct scope s, cs;
	struct buf key = { 0 }, why = { 0 };

	REQUIRE(src != NULL);
	if (size)
		memcpy(src, data, size);
	else
		src[0] = '\0';   /* never read: keeps -Wmaybe-uninitialized quiet */

	tree_scan_source(&t, "test/profiler/test_a.py", src, size);
	if (size >= 2)
		tree_scan_source(&t, "test/profiler/sub/test_b.py", src + size / 2, size - size / 2);
	check_tree(&t);
	for (size_t i = 0; i < t.n; i++)
		REQUIRE(tree_find(&t, NULL, t.v[i].name) != NULL);

	split_commas(&devices, "cpu,cuda");
	scope_init(&s, &t, NULL, &devices, "profiler");

	for (size_t i = 0; i < sizeof fixed_keys / sizeof *fixed_keys; i++)
		map_key(&s, fixed_keys[i], &ids);

	/* Keys made from the tree: a plain method of a plain class must map
	 * to its own node id. */
	for (size_t i = 0; i < t.n && i < 64; i++) {
		const struct tclass *c = &t.v[i];

		for (size_t m = 0; m < c->methods.n && m < 8; m++) {
			const char *meth = c->methods.v[m];
			struct strlist got = { 0 };
			struct testkey k;
			const char *kwhy;

			key.len = 0;
			buf_printf(&key, "%s (__main__.%s%s)", meth, c->name,
			    c->device_generic ? "CPU" : "");
			if (key_parse(key.p, key.len, &k, &kwhy) < 0)
				continue;
			REQUIRE(is_ascii_ident(c->name));
			/* In scope, unless its cases (an empty list) make no test. */
			REQUIRE(!s.is_test[i] || scope_has(&s, &k) || (c->device_generic && !tclass_has_device(c, "cpu")) ||
			    ((c->parametrized || c->device_generic) && c->method_params.v[m][0] == '='));
			why.len = 0;
			map_key(&s, buf_str(&key), &got);
			if (s.is_test[i] && !c->device_generic && (!c->parametrized || !c->method_params.v[m][0])) {
				struct buf want = { 0 };

				buf_printf(&want, "%s::%s::%s", c->file, c->name, meth);
				REQUIRE(strlist_has(&got, buf_str(&want)));
				buf_free(&want);
			}
			for (size_t g = 0; g < got.n; g++) {
				REQUIRE(strstr(got.v[g], "::") != NULL);
				strlist_add(&ids, got.v[g]);
			}
			strlist_free(&got);
		}
	}

	/* What the tree produced checks out against the tree. */
	for (size_t i = 0; i < ids.n; i++) {
		if (strncmp(ids.v[i], "test/profiler/", 14) != 0)
			continue;   /* dotted-module ids of classes not in the tree */
		why.len = 0;
		(void)scope_check(&s, ids.v[i], &fixed, &why);
	}
	for (size_t i = 0; i < sizeof fixed_ids / sizeof *fixed_ids; i++) {
		why.len = 0;
		(void)scope_check(&s, fixed_ids[i], &fixed, &why);
	}

	/* The same keys against the collected ids: each id given maps back. */
	strlist_sort_uniq(&ids);
	scope_init(&cs, NULL, &ids, &devices, "profiler");
	for (size_t i = 0; i < sizeof fixed_keys / sizeof *fixed_keys; i++) {
		struct strlist got = { 0 };

		map_key(&cs, fixed_keys[i], &got);
		for (size_t g = 0; g < got.n; g++)
			REQUIRE(strlist_has(&ids, got.v[g]));
		strlist_free(&got);
	}
	for (size_t i = 0; i < ids.n; i++) {
		struct strlist got = { 0 };
		const char *sep = strstr(ids.v[i], "::");

		why.len = 0;
		REQUIRE(scope_check(&cs, ids.v[i], &fixed, &why) == 0);
		/* The trunk's look-up finds each collected id by its own path
		 * and the rest. */
		if (sep) {
			scope_collected_match(&cs, ids.v[i], (size_t)(sep - ids.v[i]), sep, &got);
			REQUIRE(strlist_has(&got, ids.v[i]));
		}
		strlist_free(&got);
	}
	/* Corrections are clean text, whatever the tree. */
	for (size_t i = 0; i < fixed.n; i++)
		REQUIRE(text_is_clean(fixed.v[i]));
	scope_collateral(&cs, &ids, NULL);   /* no stream: its warnings would flood */

	scope_free(&cs);
	scope_free(&s);
	tree_free(&t);
	strlist_free(&devices);
	strlist_free(&ids);
	strlist_free(&fixed);
	buf_free(&key);
	buf_free(&why);
	free(src);
	return 0;
}
