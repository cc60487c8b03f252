/* The test-tree scanner and the mapping of entries to node ids. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match.h"
#include "scope.h"
#include "testtree.h"
#include "unit.h"

static const char profiler_py[] =
"import unittest\n"
"from torch.testing._internal.common_device_type import (\n"
"    instantiate_device_type_tests, dtypes)\n"
"from torch.testing._internal.common_utils import instantiate_parametrized_tests, parametrize\n"
"\n"
"class TestProfiler(unittest.TestCase):\n"
"    def test_kineto(self):\n"
"        script = \"\"\"\n"
"class SimpleNet(nn.Module):\n"
"    def test_not_a_method(self):\n"
"        pass\n"
"def payload():\n"
"    pass\n"
"\"\"\"\n"
"        def test_nested(self):  # nested, not a method of the class\n"
"            pass\n"
"\n"
"    def test_kineto_profiler_api(self):\n"
"        x = (1,\n"
"2)\n"
"    async def test_async(self): pass\n"
"    def helper(self): pass\n"
"\n"
"    # a comment at the body's indent\n"
"    def test_after_comment(self):\n"
"        pass\n"
"\n"
"@instantiate_parametrized_tests\n"
"class TestParam(unittest.TestCase):\n"
"    @parametrize(\"n\", [1, 2, 10])\n"
"    def test_size(self, n):\n"
"        pass\n"
"\n"
"class TestProfilerDevice(unittest.TestCase):\n"
"    def test_dynamic_toggle(self, device):\n"
"        pass\n"
"\n"
"    @dtypes(torch.float32, torch.int64)\n"
"    def test_ops(self, device, dtype):\n"
"        pass\n"
"\n"
"    @dtypes(*floating_types())\n"
"    def test_float_ops(self, device, dtype):\n"
"        pass\n"
"\n"
"instantiate_device_type_tests(\n"
"    TestProfilerDevice, globals(), only_for=(\"cpu\", \"cuda\")\n"
")\n"
"\n"
"class TestProfilerCUDA(unittest.TestCase):\n"
"    def test_cuda_only(self, device):\n"
"        pass\n"
"instantiate_device_type_tests(TestProfilerCUDA, globals(), except_for=\"cpu\")\n"
"x = '''\n"
"class NotAClass:\n"
"    pass\n"
"'''\n"
"def instantiate_device_type_tests(cls, scope): pass\n";

static struct testtree tree;

static void
load(void)
{
	tree_free(&tree);
	tree_scan_source(&tree, "test/profiler/test_profiler.py", profiler_py, sizeof profiler_py - 1);
}

static void
classes_found(void)
{
	load();
	CHECK(tree.n == 4);
	CHECK(tree_find(&tree, NULL, "TestProfiler") != NULL);
	CHECK(tree_find(&tree, NULL, "TestParam") != NULL);
	CHECK(tree_find(&tree, NULL, "TestProfilerDevice") != NULL);
	CHECK(tree_find(&tree, NULL, "TestProfilerCUDA") != NULL);
	/* Inside triple-quoted strings, not classes. */
	CHECK(tree_find(&tree, NULL, "SimpleNet") == NULL);
	CHECK(tree_find(&tree, NULL, "NotAClass") == NULL);
}

static void
methods_found(void)
{
	const struct tclass *c;

	load();
	c = tree_find(&tree, NULL, "TestProfiler");
	CHECK(c && c->methods.n == 4);
	CHECK(c && strlist_has(&c->methods, "test_kineto"));
	CHECK(c && strlist_has(&c->methods, "test_kineto_profiler_api"));
	CHECK(c && strlist_has(&c->methods, "test_async"));
	CHECK(c && strlist_has(&c->methods, "test_after_comment"));
	CHECK(c && !strlist_has(&c->methods, "test_nested"));
	CHECK(c && !strlist_has(&c->methods, "test_not_a_method"));
	CHECK(c && !strlist_has(&c->methods, "helper"));
}

static void
device_generic_and_parametrized(void)
{
	const struct tclass *d, *p, *cu, *plain;

	load();
	d = tree_find(&tree, NULL, "TestProfilerDevice");
	p = tree_find(&tree, NULL, "TestParam");
	cu = tree_find(&tree, NULL, "TestProfilerCUDA");
	plain = tree_find(&tree, NULL, "TestProfiler");
	CHECK(d && d->device_generic && !d->parametrized);
	CHECK(d && d->only_for.n == 2 && tclass_has_device(d, "cpu") && tclass_has_device(d, "cuda"));
	CHECK(d && !tclass_has_device(d, "xpu"));
	CHECK(p && p->parametrized && !p->device_generic);
	CHECK(cu && cu->device_generic && !tclass_has_device(cu, "cpu") && tclass_has_device(cu, "cuda"));
	CHECK(plain && !plain->device_generic && !plain->parametrized);
}

static void
dtypes_read_from_decorators(void)
{
	const struct tclass *d;

	load();
	d = tree_find(&tree, NULL, "TestProfilerDevice");
	CHECK(d && d->methods.n == 3 && d->method_dtypes.n == 3);
	if (!d || d->methods.n != 3)
		return;
	CHECK_STR(d->methods.v[0], "test_dynamic_toggle");
	CHECK_STR(d->method_dtypes.v[0], "");
	CHECK_STR(d->methods.v[1], "test_ops");
	CHECK_STR(d->method_dtypes.v[1], "float32,int64");
	CHECK_STR(d->methods.v[2], "test_float_ops");
	CHECK_STR(d->method_dtypes.v[2], "*");
}

/* Map one key; the node ids joined by spaces, or "" with why. */
static char *
map(const char *key, const char *devices)
{
	static char out[4096];
	struct strlist devs = { 0 }, ids = { 0 };
	struct scope s;
	struct testkey k;
	struct buf why = { 0 };
	const char *kw;

	load();
	split_commas(&devs, devices);
	scope_init(&s, &tree, NULL, &devs, "profiler");
	out[0] = '\0';
	if (key_parse(key, strlen(key), &k, &kw) == 0 && scope_has(&s, &k)) {
		scope_map(&s, &k, &ids, &why);
		strlist_sort_uniq(&ids);
		for (size_t i = 0; i < ids.n; i++) {
			if (i)
				strcat(out, " ");
			strcat(out, ids.v[i]);
		}
		if (!ids.n)
			strcpy(out, "-");
	}
	strlist_free(&ids);
	strlist_free(&devs);
	buf_free(&why);
	scope_free(&s);
	return out;
}

#define F "test/profiler/test_profiler.py::"

static void
map_plain_method(void)
{
	CHECK_STR(map("test_kineto (__main__.TestProfiler)", "cpu,cuda"), F "TestProfiler::test_kineto");
	/* The dotted module points at the file. */
	CHECK_STR(map("test_kineto (profiler.test_profiler.TestProfiler)", "cpu"), F "TestProfiler::test_kineto");
	CHECK_STR(map("test_kineto (profiler.test_other.TestProfiler)", "cpu"), "");
}

static void
map_device_class(void)
{
	CHECK_STR(map("test_dynamic_toggle_cuda (__main__.TestProfilerDeviceCUDA)", "cpu,cuda"),
	    F "TestProfilerDeviceCUDA::test_dynamic_toggle_cuda");
	/* The generic name covers every device of the run. */
	CHECK_STR(map("test_dynamic_toggle_cpu (__main__.TestProfilerDevice)", "cpu,cuda"),
	    F "TestProfilerDeviceCPU::test_dynamic_toggle_cpu");
	/* In scope, but not instantiated for the devices of this run. */
	CHECK_STR(map("test_dynamic_toggle_cuda (__main__.TestProfilerDeviceCUDA)", "cpu"), "-");
}

static void
map_dtype_variants(void)
{
	/* The bare name disables every dtype variant (suffix removal). */
	CHECK_STR(map("test_ops (__main__.TestProfilerDeviceCPU)", "cpu,cuda"),
	    F "TestProfilerDeviceCPU::test_ops_cpu_float32 " F "TestProfilerDeviceCPU::test_ops_cpu_int64");
	/* One variant exactly. */
	CHECK_STR(map("test_ops_cuda_int64 (__main__.TestProfilerDeviceCUDA)", "cpu,cuda"),
	    F "TestProfilerDeviceCUDA::test_ops_cuda_int64");
	/* dtypes not readable from the source: the prefix of all of them. */
	CHECK_STR(map("test_float_ops (__main__.TestProfilerDeviceCUDA)", "cpu,cuda"),
	    F "TestProfilerDeviceCUDA::test_float_ops_cuda_");
}

static void
map_class_ending_in_cuda(void)
{
	CHECK_STR(map("test_cuda_only_cuda (__main__.TestProfilerCUDACUDA)", "cpu,cuda"),
	    F "TestProfilerCUDACUDA::test_cuda_only_cuda");
	/* "TestProfiler" is a prefix of every class here. */
	CHECK_STR(map("test_cuda_only_cuda (__main__.TestProfiler)", "cpu,cuda"),
	    F "TestProfilerCUDACUDA::test_cuda_only_cuda");
}

static void
map_parametrized(void)
{
	CHECK_STR(map("test_size_n_1 (__main__.TestParam)", "cpu"), F "TestParam::test_size_n_1");
	/* Not parametrized: a longer name is not a variant. */
	CHECK_STR(map("test_kineto_other (__main__.TestProfiler)", "cpu"), "-");
}

static void
map_out_of_scope(void)
{
	CHECK_STR(map("test_profiler (__main__.TestJit)", "cpu,cuda"), "");
	CHECK_STR(map("test_torch_profiler_benchmarker_x (__main__.TestBenchmarker)", "cpu,cuda"), "");
	/* The generic base's name runs as TestProfilerDeviceCPU, which it prefixes. */
	CHECK_STR(map("test_missing (__main__.TestProfilerDevice)", "cpu"), "-");
}

/* The quick paths of scope_has (common prefix, binary search) against the
 * plain rule: some runtime class starts with the entry's class.  Every
 * prefix of every runtime name, and each with one byte changed or added. */
static void
scope_has_matches_plain_rule(void)
{
	struct strlist devs = { 0 };
	struct scope s;
	char cls[128];

	load();
	split_commas(&devs, "cpu,cuda");
	scope_init(&s, &tree, NULL, &devs, "profiler");
	CHECK(s.nrc == 10);   /* TestProfilerCUDA runs on every device but cpu */
	for (size_t r = 0; r < s.nrc; r++) {
		size_t len = strlen(s.rc[r].name);

		for (size_t n = 1; n <= len + 1 && n < sizeof cls; n++) {
			for (int c = 0; c < 4; c++) {
				struct testkey k = { "t", 1, "", 0, cls, n };
				int plain = 0;

				memcpy(cls, s.rc[r].name, n <= len ? n : len);
				if (n > len)
					cls[len] = "AZaz"[c];
				else if (c)
					cls[n - 1] = "AZ_"[c - 1];
				for (size_t q = 0; q < s.nrc; q++)
					plain |= class_matches(cls, n, s.rc[q].name, strlen(s.rc[q].name));
				if (scope_has(&s, &k) != plain) {
					CHECK(!"scope_has disagrees with the plain rule");
					printf("  class %.*s\n", (int)n, cls);
					goto out;
				}
			}
		}
	}
out:
	scope_free(&s);
	strlist_free(&devs);
}

/* With --collected, the classes come from pytest's node ids. */
static void
collected_scope(void)
{
	static const char *const ids[] = {
		"test/profiler/test_a.py::TestProfilerDeviceCUDA::test_x_cuda",
		"test/profiler/test_a.py::TestProfilerDeviceCUDA::test_y_cuda",
		"test/profiler/test_b.py::TestParam::test_size_n_1",
		"test/profiler/test_b.py::test_function",
	};
	struct strlist col = { 0 }, devs = { 0 }, out = { 0 };
	struct scope s;
	struct buf why = { 0 };
	struct testkey k;
	const char *kw;

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		strlist_add(&col, ids[i]);
	split_commas(&devs, "cpu");
	scope_init(&s, NULL, &col, &devs, "profiler");
	CHECK(s.nrc == 2);   /* one per class and file; a function has no class */
#define HAS(key) (key_parse(key, strlen(key), &k, &kw) == 0 && scope_has(&s, &k))
	CHECK(HAS("test_x_cuda (__main__.TestProfilerDeviceCUDA)"));
	CHECK(HAS("test_x_cuda (__main__.TestProfiler)"));
	CHECK(HAS("test_x_cuda (profiler.test_a.TestProfiler)"));
	CHECK(!HAS("test_x_cuda (profiler.test_b.TestProfiler)"));
	CHECK(!HAS("test_x (__main__.TestJit)"));
	CHECK(!HAS("test_x (__main__.TestProfilerDeviceCUDAX)"));
	CHECK(HAS("test_size_n_1 (__main__.TestParam)"));
#undef HAS
	key_parse("test_x (__main__.TestProfiler)", 30, &k, &kw);
	CHECK(scope_map(&s, &k, &out, &why) == 0 && why.len > 0);
	key_parse("test_x_cuda (__main__.TestProfiler)", 35, &k, &kw);
	CHECK(scope_map(&s, &k, &out, &why) == 1);
	CHECK(out.n == 1 && strcmp(out.v[0], ids[0]) == 0);
	scope_free(&s);
	strlist_free(&col);
	strlist_free(&devs);
	strlist_free(&out);
	buf_free(&why);
}

static void
fallback_checks(void)
{
	struct strlist devs = { 0 }, fixed = { 0 };
	struct scope s;
	struct buf why = { 0 };

	load();
	split_commas(&devs, "cpu,cuda");
	scope_init(&s, &tree, NULL, &devs, "profiler");
	CHECK(scope_check(&s, F "TestProfiler::test_kineto", &fixed, &why) == 0);
	CHECK(scope_check(&s, F "TestProfilerDeviceCUDA::test_dynamic_toggle_cuda", &fixed, &why) == 0);
	CHECK(scope_check(&s, F "TestProfilerDeviceCPU::test_ops_cpu_int64", &fixed, &why) == 0);
	CHECK(fixed.n == 0);
	/* The device-generic base: stale, with its runtime classes. */
	CHECK(scope_check(&s, F "TestProfilerDevice::test_dynamic_toggle", &fixed, &why) == 1);
	CHECK(fixed.n == 2);
	CHECK(strlist_has(&fixed, F "TestProfilerDeviceCPU::test_dynamic_toggle_cpu"));
	CHECK(strlist_has(&fixed, F "TestProfilerDeviceCUDA::test_dynamic_toggle_cuda"));
	strlist_free(&fixed);
	why.len = 0;
	CHECK(scope_check(&s, F "TestProfiler::test_gone", &fixed, &why) == 1 && fixed.n == 0);
	CHECK(scope_check(&s, F "TestNowhere::test_x", &fixed, &why) == 1 && fixed.n == 0);
	CHECK(scope_check(&s, "test/profiler/test_missing.py::TestProfiler::test_kineto", &fixed, &why) == 1);
	/* The class lives in another file: the corrected id points there. */
	strlist_free(&fixed);
	scope_check(&s, "test/profiler/test_missing.py::TestProfiler::test_kineto", &fixed, &why);
	CHECK(fixed.n == 0);
	scope_free(&s);
	strlist_free(&devs);
	buf_free(&why);
}

static void
garbage_source_does_not_crash(void)
{
	static const char *const srcs[] = {
		"class", "class (", "'''", "\"\"\"unterminated", "class A:\n  def", "@",
		"@instantiate_parametrized_tests", "instantiate_device_type_tests(",
		"instantiate_device_type_tests(X, only_for=(", "class A:\n\tdef test_a(self): pass\n",
		"\\", "x = 'abc\\", "((((((((((((", "))))))", "class A(\n",
	};
	struct testtree t = { 0 };

	for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++)
		tree_scan_source(&t, "t.py", srcs[i], strlen(srcs[i]));
	CHECK(t.files.n == sizeof srcs / sizeof srcs[0]);
	CHECK(tree_find(&t, "t.py", "A") != NULL);
	tree_free(&t);
}

/* How many records of this level and source hold text. */
static size_t
records(const struct diags *d, int level, const char *source, const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == level && strcmp(d->v[i].source, source) == 0 &&
		    strstr(d->v[i].text, text) != NULL)
			n++;
	return n;
}

static void
put(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* A folder of test files: the test files read (sorted, __pycache__ and
 * other files passed over), one too large to read reported in the
 * stream, the scan the same without one. */
static void
scan_dir_reports_into_diags(void)
{
	static const char *const dirs[] = {
		"test", "test/profiler", "test/profiler/sub", "test/profiler/__pycache__",
	};
	static const char *const files[] = {
		"test/profiler/test_big.py", "test/profiler/test_a.py", "test/profiler/helper.py",
		"test/profiler/sub/b_test.py", "test/profiler/__pycache__/test_c.py",
	};
	char root[] = "/tmp/exclusions-tree.XXXXXX", path[512];
	struct testtree t = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };
	int fd;

	if (mkdtemp(root) == NULL) {
		CHECK(!"mkdtemp");
		return;
	}
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
		CHECK(mkdir(path, 0755) == 0);
	}
	put(root, "test/profiler/test_a.py", "class TestA(TestCase):\n    def test_x(self):\n        pass\n");
	put(root, "test/profiler/sub/b_test.py", "class TestB(TestCase):\n    def test_y(self):\n        pass\n");
	put(root, "test/profiler/helper.py", "class TestHelper(TestCase):\n    def test_h(self):\n        pass\n");
	put(root, "test/profiler/__pycache__/test_c.py", "class TestC(TestCase):\n    def test_c(self):\n        pass\n");
	/* Larger than any real test file (16 MiB), and sparse. */
	snprintf(path, sizeof path, "%s/test/profiler/test_big.py", root);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, 16 * 1024 * 1024 + 1) == 0);
	if (fd >= 0)
		close(fd);

	CHECK(tree_scan_dir(&t, root, "./test/profiler/", &d) == 2);
	CHECK(t.files.n == 2);
	if (t.files.n == 2) {
		CHECK_STR(t.files.v[0], "test/profiler/sub/b_test.py");
		CHECK_STR(t.files.v[1], "test/profiler/test_a.py");
	}
	CHECK(tree_find(&t, "test/profiler/test_a.py", "TestA") != NULL);
	CHECK(tree_find(&t, NULL, "TestB") != NULL);
	CHECK(tree_find(&t, NULL, "TestC") == NULL && tree_find(&t, NULL, "TestHelper") == NULL);
	CHECK(d.n == 1);
	CHECK(records(&d, LOG_WARN, "test tree", "test_big.py") == 1);
	tree_free(&t);

	/* No stream: the same scan. */
	CHECK(tree_scan_dir(&t, root, "test/profiler", NULL) == 2);
	CHECK(t.n == 2);
	tree_free(&t);

	/* Not a folder: -1, for the caller to report. */
	CHECK(tree_scan_dir(&t, root, "test/profiler/test_a.py", &d) == -1);
	CHECK(tree_scan_dir(&t, root, "test/missing", &d) == -1);
	CHECK(t.n == 0 && t.files.n == 0 && d.n == 1);
	tree_free(&t);

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, files[i]);
		unlink(path);
	}
	for (size_t i = sizeof dirs / sizeof dirs[0]; i-- > 0;) {
		snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
		rmdir(path);
	}
	rmdir(root);
	diags_free(&d);
}

/* A printed --deselect prefix that removes collected tests no entry names:
 * a warning for each, and a count. */
static void
collateral_reported(void)
{
	static const char *const ids[] = {
		"t.py::A::test_x", "t.py::A::test_x_cuda", "t.py::A::test_xy", "t.py::B::test_y",
	};
	struct strlist col = { 0 }, devs = { 0 }, printed = { 0 };
	struct scope s, plain;
	struct diags d = { .keep_level = LOG_DEBUG };

	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		strlist_add(&col, ids[i]);
	strlist_add(&printed, "t.py::A::test_x");
	strlist_add(&printed, "t.py::B::test_y");
	split_commas(&devs, "cpu");
	scope_init(&s, NULL, &col, &devs, "profiler");
	scope_collateral(&s, &printed, &d);
	CHECK(d.n == 3);
	CHECK(records(&d, LOG_WARN, "collateral", "--deselect=t.py::A::test_x also removes t.py::A::test_x_cuda") == 1);
	CHECK(records(&d, LOG_WARN, "collateral", "--deselect=t.py::A::test_x also removes t.py::A::test_xy") == 1);
	CHECK(records(&d, LOG_INFO, "collateral", "2 collected tests removed by prefix only") == 1);
	CHECK(diag_count(&d, LOG_WARN) == 2);
	scope_collateral(&s, &printed, NULL);
	diags_free(&d);
	/* Only a level's worth kept: the count is dropped. */
	d.keep_level = LOG_WARN;
	scope_collateral(&s, &printed, &d);
	CHECK(d.n == 2 && diag_count(&d, LOG_DEBUG) == 2);
	diags_free(&d);
	/* Without --collected there is nothing to tell. */
	load();
	scope_init(&plain, &tree, NULL, &devs, "profiler");
	scope_collateral(&plain, &printed, &d);
	CHECK(d.n == 0);
	scope_free(&plain);
	scope_free(&s);
	strlist_free(&col);
	strlist_free(&devs);
	strlist_free(&printed);
	diags_free(&d);
}

int
main(void)
{
	RUN(classes_found);
	RUN(methods_found);
	RUN(device_generic_and_parametrized);
	RUN(dtypes_read_from_decorators);
	RUN(map_plain_method);
	RUN(map_device_class);
	RUN(map_dtype_variants);
	RUN(map_class_ending_in_cuda);
	RUN(map_parametrized);
	RUN(map_out_of_scope);
	RUN(scope_has_matches_plain_rule);
	RUN(collected_scope);
	RUN(fallback_checks);
	RUN(garbage_source_does_not_crash);
	RUN(scan_dir_reports_into_diags);
	RUN(collateral_reported);
	tree_free(&tree);
	return 0;
}
