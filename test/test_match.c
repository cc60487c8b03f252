/* PyTorch's matching rules (FORMATS.md §2), one example each. */
#include <string.h>

#include "match.h"
#include "unit.h"

static int
key_ok(const char *key, struct testkey *k)
{
	const char *why;

	return key_parse(key, strlen(key), k, &why) == 0;
}

static int
same(const char *p, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(p, s, n) == 0;
}

static void
key_main_module(void)
{
	struct testkey k;

	CHECK(key_ok("test_dynamic_toggle_cuda (__main__.TestProfilerDeviceCUDA)", &k));
	CHECK(same(k.name, k.name_len, "test_dynamic_toggle_cuda"));
	CHECK(same(k.module, k.module_len, "__main__"));
	CHECK(same(k.cls, k.cls_len, "TestProfilerDeviceCUDA"));
}

static void
key_dotted_module(void)
{
	struct testkey k;

	CHECK(key_ok("test_x (quantization.jit.test_quantize_jit.TestQuantizeJit)", &k));
	CHECK(same(k.module, k.module_len, "quantization.jit.test_quantize_jit"));
	CHECK(same(k.cls, k.cls_len, "TestQuantizeJit"));
}

static void
key_name_with_parentheses(void)
{
	struct testkey k;

	CHECK(key_ok("test_checkpoint_fsdp_wrapping_cpu_offload_CPUOffload(offload_params=True)_offload_activations_True (__main__.TestFSDPCheckpoint)", &k));
	CHECK(same(k.name, k.name_len, "test_checkpoint_fsdp_wrapping_cpu_offload_CPUOffload(offload_params=True)_offload_activations_True"));
	CHECK(same(k.cls, k.cls_len, "TestFSDPCheckpoint"));
}

static void
key_suite_without_module(void)
{
	struct testkey k;

	CHECK(key_ok("test_a (TestFoo)", &k));
	CHECK(k.module_len == 0);
	CHECK(same(k.cls, k.cls_len, "TestFoo"));
}

/* PyTorch splits the key on white space: two spaces, a tab, spaces at
 * either end are one key (issue 9). */
static void
key_white_space(void)
{
	struct testkey k;
	const char *keys[] = { "test_a  (__main__.TestFoo)", "test_a\t(__main__.TestFoo)",
		" test_a (__main__.TestFoo) ", "test_a \t (__main__.TestFoo)\n" };

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		struct testkey ks;

		CHECK(key_ok(keys[i], &k));
		CHECK(k.name_len == 6 && memcmp(k.name, "test_a", 6) == 0);
		CHECK(k.cls_len == 7 && memcmp(k.cls, "TestFoo", 7) == 0);
		CHECK(k.module_len == 8 && memcmp(k.module, "__main__", 8) == 0);
		CHECK(key_split(keys[i], strlen(keys[i]), &ks) == 0);
		CHECK(ks.name == k.name && ks.name_len == k.name_len && ks.cls == k.cls && ks.cls_len == k.cls_len);
	}
}

static void
key_malformed(void)
{
	struct testkey k;

	CHECK(!key_ok("test_a", &k));
	CHECK(!key_ok("test_a (__main__.TestFoo", &k));
	CHECK(!key_ok("test_a __main__.TestFoo)", &k));
	CHECK(!key_ok("test_a ()", &k));
	CHECK(!key_ok("test_a (__main__.)", &k));
	CHECK(!key_ok("test_a (a..TestFoo)", &k));
	CHECK(!key_ok("test_a (__main__.Test Foo)", &k));
	CHECK(!key_ok(" (__main__.TestFoo)", &k));
	CHECK(!key_ok("test\ta (__main__.TestFoo)", &k));
	CHECK(!key_ok("test_a (__main__.TestFoo) extra", &k));
	CHECK(!key_ok("test_a ($(touch x).TestFoo)", &k));
	CHECK(!key_ok("", &k));
	CHECK(!key_ok("test_a (__main__.TestFoo) (x)", &k));
	CHECK(!key_ok("   ", &k));
}

/* The eight-at-a-time suite check against a byte-by-byte reference: every
 * byte value at every position of a 19-byte suite. */
static void
suite_check_every_byte(void)
{
	char key[64];
	struct testkey k;
	const char *why;

	for (int pos = 0; pos < 19; pos++) {
		for (int c = 1; c < 256; c++) {
			int want;

			memcpy(key, "t (abcdefghij.KLMNOPQR)", 24);
			key[3 + pos] = (char)c;
			want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			    (c >= '0' && c <= '9' && pos != 0 && pos != 11) ||
			    (c == '.' && pos != 0 && pos != 9 && pos != 11 && pos != 18);
			if (pos == 10 && c != '.')
				want = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
				    (c >= '0' && c <= '9');
			if ((key_parse(key, 23, &k, &why) == 0) != want) {
				CHECK(!"suite check disagrees with the reference");
				printf("  at %d byte 0x%02x\n", pos, c);
				return;
			}
		}
	}
}

static void
class_prefix_rule(void)
{
	/* TestFoo disables TestFoo, TestFooCPU, TestFooCUDA. */
	CHECK(class_matches("TestFoo", 7, "TestFoo", 7));
	CHECK(class_matches("TestFoo", 7, "TestFooCUDA", 11));
	CHECK(class_matches("TestFoo", 7, "TestFooCPU", 10));
	CHECK(!class_matches("TestFooCUDA", 11, "TestFoo", 7));
	CHECK(!class_matches("TestBar", 7, "TestFooCUDA", 11));
}

static void
dtype_suffix_removed(void)
{
	/* test_bitwise_ops disables test_bitwise_ops_cuda_int32. */
	CHECK(name_matches("test_bitwise_ops", 16, "test_bitwise_ops_cuda_int32", 27));
	CHECK(name_matches("test_bitwise_ops", 16, "test_bitwise_ops_int32", 22));
	CHECK(name_matches("test_bitwise_ops_cuda_int32", 27, "test_bitwise_ops_cuda_int32", 27));
	/* A device alone is not removed: only with a dtype after it. */
	CHECK(!name_matches("test_bitwise_ops", 16, "test_bitwise_ops_cuda", 21));
	/* Not a dtype: nothing is removed. */
	CHECK(!name_matches("test_a", 6, "test_a_float", 12));
	CHECK(!name_matches("test_a", 6, "test_a_more", 11));
	/* Exactly one dtype chunk is removed. */
	CHECK(!name_matches("test_a", 6, "test_a_int32_int64", 18));
	CHECK(name_matches("test_a_int32", 12, "test_a_int32_int64", 18));
}

static void
sanitized_lengths(void)
{
	CHECK(name_sanitized_len("test_x_cpu_float64", 18) == 6);
	CHECK(name_sanitized_len("test_x_complex128", 17) == 6);
	CHECK(name_sanitized_len("test_x_meta_bool", 16) == 6);
	CHECK(name_sanitized_len("test_x_cuda", 11) == 11);
	CHECK(name_sanitized_len("bool", 4) == 4);
	CHECK(name_sanitized_len("_bool", 5) == 0);
	CHECK(name_sanitized_len("", 0) == 0);
}

static void
dtype_and_device_sets(void)
{
	const char *dt[] = { "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
		"float32", "float64", "bool", "complex64", "complex128" };
	const char *dev[] = { "cpu", "cuda", "xpu", "mps", "hpu", "meta", "lazy" };

	for (size_t i = 0; i < sizeof dt / sizeof dt[0]; i++)
		CHECK(is_dtype(dt[i], strlen(dt[i])) && !is_device(dt[i], strlen(dt[i])));
	for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
		CHECK(is_device(dev[i], strlen(dev[i])) && !is_dtype(dev[i], strlen(dev[i])));
	CHECK(!is_dtype("float", 5));
	CHECK(!is_device("gpu", 3));
}

static void
platforms(void)
{
	CHECK(platform_bit("mac", 3) == platform_bit("macos", 5));
	CHECK(platform_bit("win", 3) == platform_bit("windows", 7));
	CHECK(platform_bit("linux", 5) == PLAT_LINUX);
	CHECK(platform_bit("rocm", 4) == PLAT_ROCM);
	CHECK(platform_bit("dynamo_wrapped", 14) == PLAT_DYNAMO_WRAPPED);
	CHECK(platform_bit("slow", 4) == PLAT_SLOW);
	CHECK(platform_bit("windows.>", 9) == 0);
	CHECK(platform_bit("<fill this in or delete. valid labels are: asan", 47) == 0);
	CHECK(platform_bit("Linux", 5) == 0);
	CHECK(platform_bit("", 0) == 0);
}

static void
dotted_module_points_at_file(void)
{
	CHECK(module_matches_path("__main__", 8, "test/profiler/test_profiler.py"));
	CHECK(module_matches_path("", 0, "anything.py"));
	CHECK(module_matches_path("profiler.test_profiler", 22, "test/profiler/test_profiler.py"));
	CHECK(module_matches_path("profiler.test_profiler", 22, "profiler/test_profiler.py"));
	CHECK(!module_matches_path("profiler.test_profiler", 22, "test/profiler/test_memory_profiler.py"));
	CHECK(!module_matches_path("profiler.test_profiler", 22, "test/xprofiler/test_profiler.py"));
	CHECK(!module_matches_path("test_jit", 8, "test/profiler/test_profiler.py"));
	CHECK(!module_matches_path("test_profiler", 13, "test/profiler/test_profiler.pyc"));
}

/* What PyTorch puts after the device of a device-generic test: one or more
 * of torch's dtype names, joined by '_' (some hold '_' themselves). */
static void
dtype_suffixes(void)
{
#define SUF(s) is_dtype_suffix(s, strlen(s))
	CHECK(SUF("float32"));
	CHECK(SUF("complex32"));          /* a dtype, though not one the rule drops */
	CHECK(!is_dtype("complex32", 9));
	CHECK(SUF("float8_e4m3fn"));
	CHECK(SUF("float8_e4m3fnuz"));
	CHECK(SUF("int64_float32"));      /* @dtypes((torch.int64, torch.float32)) */
	CHECK(SUF("float8_e5m2_bfloat16"));
	CHECK(!SUF(""));
	CHECK(!SUF("tf32"));
	CHECK(!SUF("float32_"));
	CHECK(!SUF("_float32"));
	CHECK(!SUF("float32__int64"));
	CHECK(!SUF("float8"));
	CHECK(!SUF("cuda_float32"));
	CHECK(!SUF("float32x"));
#undef SUF
}

int
main(void)
{
	RUN(key_main_module);
	RUN(key_dotted_module);
	RUN(key_name_with_parentheses);
	RUN(key_suite_without_module);
	RUN(key_malformed);
	RUN(key_white_space);
	RUN(suite_check_every_byte);
	RUN(class_prefix_rule);
	RUN(dtype_suffix_removed);
	RUN(sanitized_lengths);
	RUN(dtype_and_device_sets);
	RUN(platforms);
	RUN(dotted_module_points_at_file);
	RUN(dtype_suffixes);
	return 0;
}
