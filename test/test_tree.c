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
	/* PyTorch ignores the module: another file's module still matches
	 * (issue 9). */
	CHECK_STR(map("test_kineto (profiler.test_other.TestProfiler)", "cpu"), F "TestProfiler::test_kineto");
	CHECK_STR(map("test_kineto (jit.test_profiler.TestProfiler)", "cpu"), F "TestProfiler::test_kineto");
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
	/* dtypes not readable from the source: cannot be named, so nothing
	 * (no prefix, no guessed suffix). */
	CHECK_STR(map("test_float_ops (__main__.TestProfilerDeviceCUDA)", "cpu,cuda"), "-");
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
	CHECK(HAS("test_x_cuda (profiler.test_b.TestProfiler)"));   /* the module never restricts */
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

/* A new folder from the template root (mkdtemp), with these folders in
 * it, in order.  Returns 0, or -1 (a failed check) when it cannot. */
static int
make_root(char *root, const char *const *dirs, size_t n)
{
	char path[600];

	if (mkdtemp(root) == NULL) {
		CHECK(!"mkdtemp");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
		CHECK(mkdir(path, 0755) == 0);
	}
	return 0;
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

	if (make_root(root, dirs, sizeof dirs / sizeof dirs[0]) < 0)
		return;
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

	CHECK(tree_scan_dir(&t, root, "./test/profiler/", &d, 0) == 2);
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
	CHECK(tree_scan_dir(&t, root, "test/profiler", NULL, 0) == 2);
	CHECK(t.n == 2);
	tree_free(&t);

	/* Not a folder: -1, for the caller to report. */
	CHECK(tree_scan_dir(&t, root, "test/profiler/test_a.py", &d, 0) == -1);
	CHECK(tree_scan_dir(&t, root, "test/missing", &d, 0) == -1);
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
 * one warning with the count and a few of them; each one only under -v
 * (LOG_DEBUG). */
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
	CHECK(records(&d, LOG_DEBUG, "collateral", "--deselect=t.py::A::test_x also removes t.py::A::test_x_cuda") == 1);
	CHECK(records(&d, LOG_DEBUG, "collateral", "--deselect=t.py::A::test_x also removes t.py::A::test_xy") == 1);
	CHECK(records(&d, LOG_WARN, "collateral", "2 collected tests removed by prefix only") == 1);
	CHECK(records(&d, LOG_WARN, "collateral", "t.py::A::test_x_cuda, t.py::A::test_xy") == 1);
	CHECK(diag_count(&d, LOG_WARN) == 1);
	scope_collateral(&s, &printed, NULL);
	diags_free(&d);
	/* Without -v: the one warning. */
	d.keep_level = LOG_INFO;
	scope_collateral(&s, &printed, &d);
	CHECK(d.n == 1 && diag_count(&d, LOG_WARN) == 1);
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

/* Map one key in tree t; the node ids joined by spaces, "-" when in scope
 * but none (why, when given, says why), "" when out of scope. */
static char *
map_in(const struct testtree *t, const char *key, const char *devices, struct buf *why)
{
	static char out[8192];
	struct strlist devs = { 0 }, ids = { 0 };
	struct scope s;
	struct testkey k;
	struct buf w = { 0 };
	const char *kw;

	split_commas(&devs, devices);
	scope_init(&s, t, NULL, &devs, "profiler");
	out[0] = '\0';
	if (key_parse(key, strlen(key), &k, &kw) == 0 && scope_has(&s, &k)) {
		scope_map(&s, &k, &ids, &w);
		strlist_sort_uniq(&ids);
		for (size_t i = 0; i < ids.n && strlen(out) + strlen(ids.v[i]) + 2 < sizeof out; i++) {
			if (i)
				strcat(out, " ");
			strcat(out, ids.v[i]);
		}
		if (!ids.n)
			strcpy(out, "-");
	}
	if (why) {
		why->len = 0;
		buf_add(why, w.p, w.len);
		buf_str(why);
	}
	strlist_free(&ids);
	strlist_free(&devs);
	buf_free(&w);
	scope_free(&s);
	return out;
}

static const char device_py[] =
"class TestDev(TestCase):\n"
"    def test_a(self, device):\n"
"        pass\n"
"\n"
"    @parametrize(\"n\", [1, 2])\n"
"    def test_p(self, device, n):\n"
"        pass\n"
"\n"
"    @dtypes(torch.float32, torch.float64)\n"
"    def test_d(self, device, dtype):\n"
"        pass\n"
"\n"
"    @common_utils.parametrize(\"x\", [1])\n"
"    @dtypes(torch.float32, torch.float64)\n"
"    def test_pd(self, device, dtype, x):\n"
"        pass\n"
"\n"
"    @ops(op_db)\n"
"    def test_o(self, device, dtype, op):\n"
"        pass\n"
"\n"
"instantiate_device_type_tests(TestDev, globals(), only_for=(\"cpu\", \"cuda\"))\n";

#define D "test/profiler/test_dev.py::"

/* PyTorch names a device-generic test <method>_<params>_<device>[_<dtype>]
 * (FORMATS.md §2): parameters before the device, a dtype after it.  A name
 * that would need another order matches nothing, and why says so. */
static void
device_params_before_device(void)
{
	struct testtree t = { 0 };
	struct buf why = { 0 };
	const struct tclass *c;

	tree_scan_source(&t, "test/profiler/test_dev.py", device_py, sizeof device_py - 1);
	c = tree_find(&t, NULL, "TestDev");
	CHECK(c && c->device_generic && c->methods.n == 5 && c->method_kinds.len == 5);
	if (!c || c->method_kinds.len != 5)
		goto out;
	CHECK(memcmp(c->method_kinds.p, "-p-pp", 5) == 0);
	CHECK_STR(c->method_dtypes.v[3], "float32,float64");
	CHECK_STR(c->method_dtypes.v[4], "");
	CHECK(c->method_params.n == 5 && c->method_params.v[4][0] == '!');
	CHECK_STR(c->method_params.v[1], "=n_1\nn_2");

	/* Plain device tests, and their dtype variants. */
	CHECK_STR(map_in(&t, "test_a_cuda (__main__.TestDevCUDA)", "cpu,cuda", NULL), D "TestDevCUDA::test_a_cuda");
	CHECK_STR(map_in(&t, "test_d_cuda_float64 (__main__.TestDevCUDA)", "cpu,cuda", NULL),
	    D "TestDevCUDA::test_d_cuda_float64");
	CHECK_STR(map_in(&t, "test_d (__main__.TestDevCPU)", "cpu,cuda", NULL),
	    D "TestDevCPU::test_d_cpu_float32 " D "TestDevCPU::test_d_cpu_float64");
	/* Parameters before the device. */
	CHECK_STR(map_in(&t, "test_p_n_1_cuda (__main__.TestDevCUDA)", "cpu,cuda", NULL),
	    D "TestDevCUDA::test_p_n_1_cuda");
	CHECK_STR(map_in(&t, "test_pd_x_1_cuda_float64 (__main__.TestDevCUDA)", "cpu,cuda", NULL),
	    D "TestDevCUDA::test_pd_x_1_cuda_float64");
	/* Without the dtype (and the device before it): every dtype. */
	CHECK_STR(map_in(&t, "test_pd_x_1 (__main__.TestDevCPU)", "cpu,cuda", NULL),
	    D "TestDevCPU::test_pd_x_1_cpu_float32 " D "TestDevCPU::test_pd_x_1_cpu_float64");
	/* @ops: its tests are named after an op list, which the source does
	 * not hold: cannot be named (issue 9), and why says so. */
	CHECK_STR(map_in(&t, "test_o_nn_functional_conv3d_cuda_complex32 (__main__.TestDevCUDA)", "cpu,cuda", &why), "-");
	CHECK(strstr(buf_str(&why), "cannot be named from the tree") != NULL);
	CHECK_STR(map_in(&t, "test_o__refs_fft_fft_cuda (__main__.TestDevCUDA)", "cpu,cuda", NULL), "-");

	/* Another order: nothing, and said so. */
	CHECK_STR(map_in(&t, "test_p_cuda_n_1 (__main__.TestDevCUDA)", "cpu,cuda", &why), "-");
	CHECK(strstr(buf_str(&why), "<method>_<parameters>_<device>[_<dtype>]") != NULL);
	CHECK_STR(map_in(&t, "test_a_cuda_n_1 (__main__.TestDevCUDA)", "cpu,cuda", &why), "-");
	CHECK(strstr(buf_str(&why), "<method>_<parameters>_<device>[_<dtype>]") != NULL);
	CHECK_STR(map_in(&t, "test_d_cuda_tf32 (__main__.TestDevCUDA)", "cpu,cuda", &why), "-");
	CHECK(strstr(buf_str(&why), "<method>_<parameters>_<device>[_<dtype>]") != NULL);
	CHECK_STR(map_in(&t, "test_pd_cuda_x_1_float32 (__main__.TestDevCUDA)", "cpu,cuda", NULL), "-");
	/* The device right after the method, then parameters, then the
	 * device again: not an op named "cuda_add". */
	CHECK_STR(map_in(&t, "test_o_cuda_add_cuda_float32 (__main__.TestDevCUDA)", "cpu,cuda", &why), "-");
	CHECK(strstr(buf_str(&why), "cannot be named from the tree") != NULL);
	/* Not tests: a parametrized test's base name, a dtype-less name of
	 * a test with dtypes, a device-less name of one without. */
	CHECK_STR(map_in(&t, "test_o (__main__.TestDevCUDA)", "cpu,cuda", NULL), "-");
	CHECK_STR(map_in(&t, "test_p (__main__.TestDevCUDA)", "cpu,cuda", NULL), "-");
	CHECK_STR(map_in(&t, "test_d_cuda (__main__.TestDevCUDA)", "cpu,cuda", NULL), "-");
	CHECK_STR(map_in(&t, "test_a (__main__.TestDevCUDA)", "cpu,cuda", NULL), "-");
	CHECK_STR(map_in(&t, "test_p_n_1 (__main__.TestDevCUDA)", "cpu,cuda", NULL), "-");
out:
	tree_free(&t);
	buf_free(&why);
}

/* Issue 9: the tests a tree really defines, named as PyTorch names them. */
static const char exact_py[] =
"import unittest\n"
"from torch.testing._internal.common_utils import TestCase\n"
"class Helper:\n"
"    def test_helper(self):\n"
"        pass\n"
"class Base(TestCase):\n"
"    def test_b(self):\n"
"        pass\n"
"class TestChild(Base):\n"
"    def test_c(self):\n"
"        pass\n"
"class Mixin(object):\n"
"    def test_m(self):\n"
"        pass\n"
"class TestMixed(Mixin, TestCase):\n"
"    pass\n"
"class TestNN(NNTestCase):\n"
"    def test_n(self):\n"
"        pass\n"
"@instantiate_parametrized_tests\n"
"class TestP(unittest.TestCase):\n"
"    @parametrize(\"a\", [1, 2, 10])\n"
"    def test_x(self, a):\n"
"        pass\n"
"    @parametrize(\"s\", ['fast', \"slow\"])\n"
"    @parametrize(\"f\", [True, False])\n"
"    def test_stack(self, s, f):\n"
"        pass\n"
"    @parametrize(\"x,y\", [(1, 0.5), (-2, 'z')])\n"
"    def test_two(self, x, y):\n"
"        pass\n"
"    @parametrize(\"v\", [None, 1.25])\n"
"    def test_none(self, v):\n"
"        pass\n"
"    @parametrize(\"n\", range(3))\n"
"    def test_range(self, n):\n"
"        pass\n"
"    @parametrize(\"n\", [1, 2], name_fn=lambda n: str(n))\n"
"    def test_named(self, n):\n"
"        pass\n"
"    @parametrize(\"n\", [1e3])\n"
"    def test_exp(self, n):\n"
"        pass\n"
"    def test_plain(self):\n"
"        pass\n"
"class TestQ(TestCase):\n"
"    @parametrize(\"a\", [1])\n"
"    def test_uninstantiated(self, a):\n"
"        pass\n"
"class TestD(TestCase):\n"
"    def test_x(self, device):\n"
"        pass\n"
"    @parametrize(\"flag\", [True, False])\n"
"    def test_y(self, device, flag):\n"
"        pass\n"
"    @dtypes(torch.float, torch.double)\n"
"    @dtypesIfCUDA(torch.half)\n"
"    def test_z(self, device, dtype):\n"
"        pass\n"
"    @dtypes((torch.float32, torch.int64), (torch.long, torch.cfloat))\n"
"    def test_multi(self, device, dtypes):\n"
"        pass\n"
"    @dtypes(*floating_types())\n"
"    def test_all(self, device, dtype):\n"
"        pass\n"
"    @parametrize(\"dtype\", [torch.float32])\n"
"    def test_pdt(self, device, dtype):\n"
"        pass\n"
"instantiate_device_type_tests(\n"
"    TestD,\n"
"    globals(), except_for=(\"xpu\",))\n";

#define E "test/profiler/test_exact.py::"

static void
exact_tests_named(void)
{
	struct testtree t = { 0 };
	struct buf why = { 0 };
	struct strlist devs = { 0 }, fixed = { 0 };
	struct scope s;

	tree_scan_source(&t, "test/profiler/test_exact.py", exact_py, sizeof exact_py - 1);
	/* Test classes: a test case base, through the tree or by name. */
	CHECK_STR(map_in(&t, "test_helper (__main__.Helper)", "cpu", NULL), "");
	CHECK_STR(map_in(&t, "test_m (__main__.Mixin)", "cpu", NULL), "");
	CHECK_STR(map_in(&t, "test_c (__main__.TestChild)", "cpu", NULL), E "TestChild::test_c");
	CHECK_STR(map_in(&t, "test_n (__main__.TestNN)", "cpu", NULL), E "TestNN::test_n");
	/* Inherited tests: a mixin's, a base test case's. */
	CHECK_STR(map_in(&t, "test_m (__main__.TestMixed)", "cpu", NULL), E "TestMixed::test_m");
	CHECK_STR(map_in(&t, "test_b (__main__.Base)", "cpu", NULL), E "Base::test_b");
	CHECK_STR(map_in(&t, "test_b (__main__.TestChild)", "cpu", NULL), E "TestChild::test_b");
	/* Literal @parametrize, as PyTorch names the cases. */
	CHECK_STR(map_in(&t, "test_x_a_10 (__main__.TestP)", "cpu", NULL), E "TestP::test_x_a_10");
	CHECK_STR(map_in(&t, "test_x_a_3 (__main__.TestP)", "cpu", &why), "-");
	CHECK_STR(map_in(&t, "test_stack_s_slow_f_False (__main__.TestP)", "cpu", NULL), E "TestP::test_stack_s_slow_f_False");
	CHECK_STR(map_in(&t, "test_stack_f_False_s_slow (__main__.TestP)", "cpu", NULL), "-");
	CHECK_STR(map_in(&t, "test_two_x_1_y_0_5 (__main__.TestP)", "cpu", NULL), E "TestP::test_two_x_1_y_0_5");
	CHECK_STR(map_in(&t, "test_two_x_-2_y_z (__main__.TestP)", "cpu", NULL), E "TestP::test_two_x_-2_y_z");
	/* None: named <v>_None by PyTorch 1.13, <v><index> later: not named. */
	CHECK_STR(map_in(&t, "test_none_v0 (__main__.TestP)", "cpu", &why), "-");
	CHECK(strstr(buf_str(&why), "None case") != NULL);
	CHECK_STR(map_in(&t, "test_none_v_1_25 (__main__.TestP)", "cpu", NULL), "-");
	CHECK_STR(map_in(&t, "test_plain (__main__.TestP)", "cpu", NULL), E "TestP::test_plain");
	/* The base name of a parametrized test disables none of its cases:
	 * nothing, not a prefix. */
	CHECK_STR(map_in(&t, "test_x (__main__.TestP)", "cpu", &why), "-");
	CHECK(strstr(buf_str(&why), "only the start of") != NULL);
	/* Not literal: cannot be named, nothing printed. */
	CHECK_STR(map_in(&t, "test_range_n_0 (__main__.TestP)", "cpu", &why), "-");
	CHECK(strstr(buf_str(&why), "cannot be named from the tree") != NULL);
	CHECK_STR(map_in(&t, "test_named_1 (__main__.TestP)", "cpu", &why), "-");
	CHECK(strstr(buf_str(&why), "name_fn") != NULL);
	CHECK_STR(map_in(&t, "test_exp_n_1000_0 (__main__.TestP)", "cpu", &why), "-");
	CHECK(strstr(buf_str(&why), "cannot be named from the tree") != NULL);
	/* Not instantiated: the method keeps its name. */
	CHECK_STR(map_in(&t, "test_uninstantiated (__main__.TestQ)", "cpu", NULL), E "TestQ::test_uninstantiated");
	/* Device-generic, with parameters before the device. */
	CHECK_STR(map_in(&t, "test_y_flag_True_cuda (__main__.TestDCUDA)", "cpu,cuda", NULL), E "TestDCUDA::test_y_flag_True_cuda");
	CHECK_STR(map_in(&t, "test_y_flag_Maybe_cuda (__main__.TestDCUDA)", "cpu,cuda", NULL), "-");
	CHECK_STR(map_in(&t, "test_y (__main__.TestD)", "cpu,cuda", NULL), "-");
	/* A suffix the test does not have: nothing. */
	CHECK_STR(map_in(&t, "test_x_cpu_float32 (__main__.TestDCPU)", "cpu,cuda", NULL), "-");
	CHECK_STR(map_in(&t, "test_z_cpu_int8 (__main__.TestDCPU)", "cpu,cuda", NULL), "-");
	/* @dtypesIfCUDA on cuda, @dtypes elsewhere; aliases by their names. */
	CHECK_STR(map_in(&t, "test_z (__main__.TestD)", "cpu,cuda", NULL),
	    E "TestDCPU::test_z_cpu_float32 " E "TestDCPU::test_z_cpu_float64 " E "TestDCUDA::test_z_cuda_float16");
	CHECK_STR(map_in(&t, "test_z_cuda_float32 (__main__.TestDCUDA)", "cpu,cuda", NULL), "-");
	CHECK_STR(map_in(&t, "test_multi_cpu_int64_complex64 (__main__.TestDCPU)", "cpu", NULL),
	    E "TestDCPU::test_multi_cpu_int64_complex64");
	CHECK_STR(map_in(&t, "test_multi_cpu_float32_int64 (__main__.TestDCPU)", "cpu", NULL),
	    E "TestDCPU::test_multi_cpu_float32_int64");
	CHECK_STR(map_in(&t, "test_all (__main__.TestDCPU)", "cpu", &why), "-");
	CHECK(strstr(buf_str(&why), "dtypes are not literal") != NULL);
	CHECK_STR(map_in(&t, "test_pdt_cpu_float32 (__main__.TestDCPU)", "cpu", &why), "-");
	CHECK(strstr(buf_str(&why), "cannot be named") != NULL);
	/* except_for over lines: every other device is instantiated. */
	CHECK_STR(map_in(&t, "test_x_mps (__main__.TestDMPS)", "mps", NULL), E "TestDMPS::test_x_mps");
	CHECK_STR(map_in(&t, "test_x_xpu (__main__.TestDXPU)", "xpu", NULL), "");
	/* A helper's node id in a hand-kept list is stale. */
	split_commas(&devs, "cpu");
	scope_init(&s, &t, NULL, &devs, "profiler");
	why.len = 0;
	CHECK(scope_check(&s, E "Helper::test_helper", &fixed, &why) == 1);
	CHECK(strstr(buf_str(&why), "not a test class") != NULL);
	why.len = 0;
	CHECK(scope_check(&s, E "TestP::test_x", &fixed, &why) == 0);      /* a prefix of its cases */
	CHECK(scope_check(&s, E "TestP::test_x_a_3", &fixed, &why) == 1);
	CHECK(scope_check(&s, E "TestP::test_range_n_7", &fixed, &why) == 0);  /* cannot be checked */
	/* A hand-written id of a device-generic method: corrected to the
	 * tests it makes on the run's devices, each one the tree defines. */
	strlist_free(&fixed);
	why.len = 0;
	CHECK(scope_check(&s, E "TestD::test_y", &fixed, &why) == 1);
	CHECK(fixed.n == 2 && strlist_has(&fixed, E "TestDCPU::test_y_flag_True_cpu") &&
	    strlist_has(&fixed, E "TestDCPU::test_y_flag_False_cpu"));
	strlist_free(&fixed);
	CHECK(scope_check(&s, E "TestD::test_all", &fixed, &why) == 1 && fixed.n == 0);
	CHECK(strstr(buf_str(&why), "cannot be named") != NULL);
	CHECK(scope_check(&s, E "TestD::test_x_cpu", &fixed, &why) == 1);
	CHECK(fixed.n == 1 && strcmp(fixed.v[0], E "TestDCPU::test_x_cpu") == 0);
	strlist_free(&fixed);
	scope_free(&s);
	strlist_free(&devs);
	strlist_free(&fixed);
	tree_free(&t);
	buf_free(&why);
}

/* The module never restricts the match; scope_map_ex says when it names
 * another file. */
static void
module_note_said(void)
{
	struct strlist devs = { 0 }, ids = { 0 };
	struct buf why = { 0 }, note = { 0 };
	struct scope s;
	struct testkey k;
	const char *kw;
	enum map_status st;
	static const char key[] = "test_kineto (jit.test_profiler.TestProfiler)";

	load();
	split_commas(&devs, "cpu");
	scope_init(&s, &tree, NULL, &devs, "profiler");
	CHECK(key_parse(key, strlen(key), &k, &kw) == 0 && scope_has(&s, &k));
	CHECK(scope_map_ex(&s, &k, &ids, &why, &st, &note) == 1 && st == MAP_OK);
	CHECK(strstr(buf_str(&note), "names another file") != NULL);
	scope_free(&s);
	strlist_free(&devs);
	strlist_free(&ids);
	buf_free(&why);
	buf_free(&note);
}

/* A corrected node id for the fallback (scope_check's fixed) is made of
 * the tree's names: one that is not clean text is never handed out. */
static void
fallback_corrections_are_clean(void)
{
	static const char src[] = "class TestMoved(TestCase):\n    def test_x(self):\n        pass\n";
	static const char *const bad[] = {
		"test/profiler/test_bad\xff.py",        /* invalid UTF-8 */
		"test/profiler/test_bad\nname.py",     /* a newline */
		"test/profiler/test_bad\x1b[31m.py",   /* a control byte */
	};
	struct strlist devs = { 0 };

	split_commas(&devs, "cpu");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct testtree t = { 0 };
		struct strlist fixed = { 0 };
		struct buf why = { 0 };
		struct scope s;

		tree_scan_source(&t, "test/profiler/test_old.py", "x = 1\n", 6);
		tree_scan_source(&t, bad[i], src, sizeof src - 1);
		tree_scan_source(&t, "test/profiler/test_good.py", "class TestDevice(TestCase):\n    def test_y(self, device):\n        pass\n"
		    "instantiate_device_type_tests(TestDevice, globals())\n", 112);
		scope_init(&s, &t, NULL, &devs, "profiler");
		CHECK(scope_check(&s, "test/profiler/test_old.py::TestMoved::test_x", &fixed, &why) == 1);
		CHECK(fixed.n == 0);
		for (size_t f = 0; f < fixed.n; f++)
			CHECK(text_is_clean(fixed.v[f]));
		CHECK(strstr(buf_str(&why), "not printable UTF-8") != NULL);
		/* A clean correction is still made. */
		strlist_free(&fixed);
		CHECK(scope_check(&s, "test/profiler/test_good.py::TestDevice::test_y", &fixed, &why) == 1);
		CHECK(fixed.n == 1 && strcmp(fixed.v[0], "test/profiler/test_good.py::TestDeviceCPU::test_y_cpu") == 0);
		scope_free(&s);
		strlist_free(&fixed);
		buf_free(&why);
		tree_free(&t);
	}
	strlist_free(&devs);
}

/* Scan a source of n classes, each instantiated by a call after all the
 * classes; returns the seconds it took. */
static double
scan_classes(size_t n)
{
	struct buf src = { 0 };
	struct testtree t = { 0 };
	double t0;
	size_t generic = 0;

	for (size_t i = 0; i < n; i++)
		buf_printf(&src, "class TestC%zu(TestCase):\n    def test_x(self, device):\n        pass\n\n", i);
	for (size_t i = 0; i < n; i++)
		buf_printf(&src, "instantiate_device_type_tests(TestC%zu, globals(), only_for=\"cuda\")\n", i);
	t0 = now_seconds();
	tree_scan_source(&t, "test/profiler/test_many.py", src.p, src.len);
	t0 = now_seconds() - t0;
	for (size_t i = 0; i < t.n; i++)
		generic += t.v[i].device_generic && t.v[i].only_for.n == 1;
	CHECK(t.n == n && generic == n);
	tree_free(&t);
	buf_free(&src);
	return t0;
}

/* 60,000 classes and as many instantiation calls: each call finds its
 * class by a binary search, not a pass over every class (3.6e9 name
 * comparisons).  The bound is a complexity guard: under 2 s, or, on a
 * slow machine (valgrind), no worse than linear against a tenth of it. */
static void
many_classes_scan_fast(void)
{
	double small = scan_classes(6000), big = scan_classes(60000);

	printf("  60,000 classes and calls scanned in %.3f s (6,000 in %.3f s)\n", big, small);
	CHECK(big < 2.0 || big < 30 * small);
}

/* n classes of 100 collected tests each; n * 10 entries mapped, the
 * collateral of what they print, n * 10 fallback prefixes checked.
 * Returns the seconds it took; checks the answers. */
static double
collected_run(size_t n)
{
	struct strlist col = { 0 }, devs = { 0 }, ids = { 0 }, printed = { 0 };
	struct buf key = { 0 }, why = { 0 };
	struct diags d = { .keep_level = LOG_INFO };
	struct scope s;
	double t0;
	size_t mapped = 0, stale_wrong = 0;

	for (size_t c = 0; c < n; c++)
		for (size_t m = 0; m < 100; m++) {
			key.len = 0;
			buf_printf(&key, "test/profiler/test_f%zu.py::TestK%04zu::test_m%zu", c % 7, c, m);
			strlist_add(&col, buf_str(&key));
		}
	split_commas(&devs, "cpu");
	t0 = now_seconds();
	scope_init(&s, NULL, &col, &devs, "profiler");
	for (size_t i = 0; i < 10 * n; i++) {
		struct testkey k;
		const char *kw;

		key.len = 0;
		buf_printf(&key, "test_m%zu (__main__.TestK%04zu)", i % 100, (i * 7) % n);
		if (key_parse(key.p, key.len, &k, &kw) == 0 && scope_has(&s, &k))
			mapped += scope_map(&s, &k, &ids, &why) == 1;
	}
	/* test_m1 is a prefix of test_m10..test_m19: collateral. */
	for (size_t i = 0; i < ids.n; i++)
		strlist_add(&printed, ids.v[i]);
	scope_collateral(&s, &printed, &d);
	for (size_t i = 0; i < 10 * n; i++) {
		struct strlist fixed = { 0 };

		key.len = 0;
		buf_printf(&key, "test/profiler/test_f%zu.py::TestK%04zu", i % 7, i % n);
		why.len = 0;
		if (scope_check(&s, key.p, &fixed, &why) != (i % 7 != i % n % 7))
			stale_wrong++;
		strlist_free(&fixed);
	}
	t0 = now_seconds() - t0;
	CHECK(mapped == 10 * n && stale_wrong == 0);
	CHECK(diag_count(&d, LOG_WARN) == 1);
	/* The trunk's look-up by path tail, class and test. */
	strlist_free(&ids);
	scope_collected_match(&s, "profiler/test_f3.py", 19, "::TestK0010::test_m5", &ids);
	CHECK(ids.n == 1 && strcmp(ids.v[0], "test/profiler/test_f3.py::TestK0010::test_m5") == 0);
	strlist_free(&ids);
	scope_collected_match(&s, "profiler/test_f4.py", 19, "::TestK0010::test_m5", &ids);
	CHECK(ids.n == 0);
	scope_free(&s);
	strlist_free(&col);
	strlist_free(&devs);
	strlist_free(&ids);
	strlist_free(&printed);
	buf_free(&key);
	buf_free(&why);
	diags_free(&d);
	return t0;
}

/* With --collected, an entry is matched through the index of the collected
 * ids (by class), the fallback's prefixes and the collateral by binary
 * searches: 50,000 collected ids and 5,000 entries take a blink, where a
 * pass over every collected id for each entry takes half a minute.  The
 * bound is a complexity guard: under 2 s, or no worse than linear. */
static void
collected_index_fast(void)
{
	double small = collected_run(50), big = collected_run(500);

	printf("  50,000 collected ids: 5,000 entries, the collateral and 5,000 prefixes in %.3f s (a tenth in %.3f s)\n",
	    big, small);
	CHECK(big < 2.0 || big < 30 * small);
}

/* A deadline already past: the tree scan and the collected list stop at
 * once, say so, and return -2. */
static void
deadline_past_stops(void)
{
	char root[] = "/tmp/exclusions-deadline.XXXXXX", path[600];
	struct testtree t = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };
	struct strlist ids = { 0 };
	struct buf why = { 0 };

	static const char *const dirs[] = { "test" };

	if (make_root(root, dirs, 1) < 0)
		return;
	put(root, "test/test_a.py", "class TestA(TestCase):\n    def test_x(self):\n        pass\n");
	put(root, "collected.txt", "test/test_a.py::TestA::test_x\n");
	CHECK(tree_scan_dir(&t, root, "test", &d, now_seconds() - 1) == -2);
	CHECK(t.files.n == 0 && records(&d, LOG_WARN, "test tree", "time limit") == 1);
	tree_free(&t);
	/* No deadline (0), or one still ahead: the whole tree. */
	CHECK(tree_scan_dir(&t, root, "test", &d, 0) == 1);
	tree_free(&t);
	CHECK(tree_scan_dir(&t, root, "test", &d, now_seconds() + 60) == 1);
	tree_free(&t);
	snprintf(path, sizeof path, "%s/collected.txt", root);
	CHECK(collected_load(path, &ids, &why, now_seconds() - 1) == -2);
	CHECK(ids.n == 0 && strstr(buf_str(&why), "time limit") != NULL);
	why.len = 0;
	CHECK(collected_load(path, &ids, &why, 0) == 0 && ids.n == 1);
	unlink(path);
	snprintf(path, sizeof path, "%s/test/test_a.py", root);
	unlink(path);
	snprintf(path, sizeof path, "%s/test", root);
	rmdir(path);
	rmdir(root);
	strlist_free(&ids);
	buf_free(&why);
	diags_free(&d);
}

/* Links to folders: one already read (a loop, a second name for the
 * folder) is passed over, so that neither node ids multiply nor two loops
 * make the walk exponential; a link to a folder outside is still read. */
static void
symlinked_folders_read_once(void)
{
	char root[] = "/tmp/exclusions-links.XXXXXX", path[600], target[600];
	static const char *const dirs[] = { "test", "test/profiler", "outside" };
	static const char *const links[][2] = {
		{ "test/profiler/loop", "." },
		{ "test/profiler/sub", "../profiler" },
		{ "test/profiler/again", "../../test" },
		{ "test/profiler/ext", "../../outside" },
	};
	struct testtree t = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };
	double t0;

	if (make_root(root, dirs, sizeof dirs / sizeof dirs[0]) < 0)
		return;
	put(root, "test/profiler/test_a.py", "class TestA(TestCase):\n    def test_x(self):\n        pass\n");
	put(root, "outside/test_o.py", "class TestO(TestCase):\n    def test_o(self):\n        pass\n");
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, links[i][0]);
		snprintf(target, sizeof target, "%s", links[i][1]);
		CHECK(symlink(target, path) == 0);
	}
	t0 = now_seconds();
	CHECK(tree_scan_dir(&t, root, "test/profiler", &d, 0) == 2);
	t0 = now_seconds() - t0;
	CHECK(t0 < 1.0);
	CHECK(t.files.n == 2 && t.n == 2);
	if (t.files.n == 2) {
		CHECK_STR(t.files.v[0], "test/profiler/test_a.py");
		CHECK_STR(t.files.v[1], "test/profiler/ext/test_o.py");
	}
	CHECK(records(&d, LOG_DEBUG, "test tree", "already read") == 2);
	tree_free(&t);
	/* The whole test/ folder: profiler once, through its own path. */
	CHECK(tree_scan_dir(&t, root, "test", &d, 0) == 2);
	CHECK(t.files.n == 2 && strcmp(t.files.v[0], "test/profiler/test_a.py") == 0);
	tree_free(&t);
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", root, links[i][0]);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/test/profiler/test_a.py", root);
	unlink(path);
	snprintf(path, sizeof path, "%s/outside/test_o.py", root);
	unlink(path);
	for (size_t i = sizeof dirs / sizeof dirs[0]; i-- > 0;) {
		snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
		rmdir(path);
	}
	rmdir(root);
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
	RUN(device_params_before_device);
	RUN(fallback_corrections_are_clean);
	RUN(exact_tests_named);
	RUN(module_note_said);
	RUN(many_classes_scan_fast);
	RUN(collected_index_fast);
	RUN(deadline_past_stops);
	RUN(symlinked_folders_read_once);
	tree_free(&tree);
	return 0;
}
