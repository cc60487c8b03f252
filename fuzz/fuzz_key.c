/*
 * libFuzzer target for the key parser and PyTorch's name rules (match.h):
 *
 *   make fuzz-bins && fuzz/bin/fuzz_key -max_total_time=60 fuzz/corpus/key
 *
 * The input is a key, "<name> (<module>.<Class>)".  Besides memory safety
 * it checks, and aborts when one fails:
 *   - key_parse accepts exactly what a slow reference parser accepts (the
 *     key split on white space as Python's str.split() does), and the
 *     parts it returns rebuild the key, white space aside;
 *   - name_sanitized_len agrees with a reference that splits on '_' as
 *     PyTorch does, and name_matches follows from it;
 *   - has_space_or_ctrl and is_identifier agree with byte-at-a-time
 *     versions at every offset and length (the fast one reads 8 at a time);
 *   - class_matches and module_matches_path on pieces of the input agree
 *     with their definitions.
 */
#include "match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int
ref_space_or_ctrl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] == 0x7f)
			return 1;
	return 0;
}

static int
ref_ident(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static int
ref_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' ||
	    (c >= 0x1c && c <= 0x1f);
}

/* FORMATS.md §1, §2: split on white space as Python's str.split() does;
 * exactly two words, the second in parentheses a dotted name of Python
 * identifiers.  Returns 1 when the key is valid; *name_at is where the
 * first word starts. */
static int
ref_key(const char *key, size_t len, size_t *name_at)
{
	size_t w[4], nw = 0, i = 0;
	const char *suite, *part;
	size_t slen, nl;

	while (i < len && nw < 4) {
		while (i < len && ref_ws(key[i]))
			i++;
		if (i == len)
			break;
		if (nw == 4)
			return 0;
		w[nw] = i;
		while (i < len && !ref_ws(key[i]))
			i++;
		w[nw + 1] = i;
		nw += 2;
	}
	while (i < len && ref_ws(key[i]))
		i++;
	if (nw != 4 || i != len)
		return 0;
	*name_at = w[0];
	nl = w[1] - w[0];
	if (nl == 0 || ref_space_or_ctrl(key + w[0], nl))
		return 0;
	suite = key + w[2];
	slen = w[3] - w[2];
	if (slen < 3 || suite[0] != '(' || suite[slen - 1] != ')')
		return 0;
	suite++;
	slen -= 2;
	part = suite;
	for (size_t j = 0; j <= slen; j++) {
		if (j == slen || suite[j] == '.') {
			if (!ref_ident(part, (size_t)(suite + j - part)))
				return 0;
			part = suite + j + 1;
		}
	}
	return 1;
}

static const char *const ref_dtypes[] = {
	"uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
	"float32", "float64", "bool", "complex64", "complex128", NULL
};
static const char *const ref_devices[] = {
	"cpu", "cuda", "xpu", "mps", "hpu", "meta", "lazy", NULL
};

static int
ref_in(const char *const *set, const char *s, size_t n)
{
	for (; *set; set++)
		if (strlen(*set) == n && memcmp(*set, s, n) == 0)
			return 1;
	return 0;
}

/* PyTorch: split the method name on '_'; a last chunk that is a dtype is
 * dropped, and then a chunk before it that is a device. */
static size_t
ref_sanitized(const char *m, size_t n)
{
	size_t last = n, prev;

	while (last > 0 && m[last - 1] != '_')
		last--;
	if (last == 0 || !ref_in(ref_dtypes, m + last, n - last))
		return n;
	last--;                         /* at the '_' before the dtype */
	prev = last;
	while (prev > 0 && m[prev - 1] != '_')
		prev--;
	if (prev > 0 && ref_in(ref_devices, m + prev, last - prev))
		return prev - 1;
	return last;
}

static void
check_key(const char *key, size_t len)
{
	struct testkey k;
	const char *why = NULL;
	int ok = key_parse(key, len, &k, &why) == 0;
	struct testkey ks;
	int split = key_split(key, len, &ks) == 0;

	size_t name_at = 0;

	REQUIRE(ok == ref_key(key, len, &name_at));
	/* key_split (shape only) takes every valid key, and splits it alike;
	 * what it returns always lies inside the key. */
	REQUIRE(!ok || split);
	if (split) {
		REQUIRE(ks.name >= key && ks.name_len > 0 && ks.name + ks.name_len < key + len);
		REQUIRE(ks.module >= key && ks.module + ks.module_len <= key + len);
		REQUIRE(ks.cls >= key && ks.cls + ks.cls_len <= key + len);
	}
	if (ok) {
		REQUIRE(ks.name == k.name && ks.name_len == k.name_len && ks.cls == k.cls && ks.cls_len == k.cls_len);
		REQUIRE(ks.module == k.module && ks.module_len == k.module_len);
	}
	if (!ok) {
		REQUIRE(why != NULL && *why);
		return;
	}
	/* The parts rebuild the key, white space aside. */
	REQUIRE(k.name == key + name_at && k.name_len > 0);
	REQUIRE(k.cls_len > 0 && ref_ident(k.cls, k.cls_len));
	REQUIRE(k.cls + k.cls_len < key + len && k.cls[k.cls_len] == ')');
	for (const char *p = k.cls + k.cls_len + 1; p < key + len; p++)
		REQUIRE(ref_ws(*p));
	REQUIRE(k.module[-1] == '(' && ref_ws(k.module[-2]));
	if (k.module_len) {
		REQUIRE(k.module + k.module_len + 1 == k.cls && k.module[k.module_len] == '.');
	} else {
		REQUIRE(k.cls == k.module);
	}
	for (const char *p = k.name + k.name_len; p < k.module - 1; p++)
		REQUIRE(ref_ws(*p));

	/* Name rules on the parsed name. */
	size_t sl = name_sanitized_len(k.name, k.name_len);

	REQUIRE(sl == ref_sanitized(k.name, k.name_len));
	REQUIRE(name_matches(k.name, k.name_len, k.name, k.name_len));
	REQUIRE(name_matches(k.name, sl, k.name, k.name_len));
	if (sl < k.name_len)
		REQUIRE(k.name[sl] == '_');
	/* The class rule: every prefix of the class covers it. */
	for (size_t i = 0; i <= k.cls_len; i++)
		REQUIRE(class_matches(k.cls, i, k.cls, k.cls_len));
	REQUIRE(k.cls_len == 0 || !class_matches(k.cls, k.cls_len, k.cls, k.cls_len - 1));
	/* The module as a path. */
	if (k.module_len && k.module_len < 200) {
		char path[256];
		size_t i;

		for (i = 0; i < k.module_len; i++)
			path[i] = k.module[i] == '.' ? '/' : k.module[i];
		memcpy(path + i, ".py", 4);
		REQUIRE(module_matches_path(k.module, k.module_len, path));
		path[0] ^= 0x20;         /* changes case; stays a different letter */
		if (k.module_len != 8 || memcmp(k.module, "__main__", 8) != 0)
			REQUIRE(path[0] == k.module[0] ||
			    !module_matches_path(k.module, k.module_len, path));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);

	REQUIRE(s != NULL);
	if (size)
		memcpy(s, data, size);
	else
		s[0] = '\0';   /* never read: keeps -Wmaybe-uninitialized quiet */

	check_key(s, size);

	/* The fast scans, at every offset (alignment) and some lengths. */
	for (size_t off = 0; off < size && off < 16; off++) {
		size_t n = size - off;

		REQUIRE(has_space_or_ctrl(s + off, n) == ref_space_or_ctrl(s + off, n));
		REQUIRE(is_identifier(s + off, n) == ref_ident(s + off, n));
		for (size_t m = 0; m <= n && m < 24; m++)
			REQUIRE(has_space_or_ctrl(s + off, m) == ref_space_or_ctrl(s + off, m));
	}

	/* The whole input as a method name. */
	size_t sl = name_sanitized_len(s, size);

	REQUIRE(sl == ref_sanitized(s, size));
	REQUIRE(sl <= size);
	REQUIRE(name_matches(s, sl, s, size));
	REQUIRE(name_matches(s, size, s, size));
	if (sl < size) {
		/* A shorter entry matching a longer name: only the sanitized one. */
		for (size_t i = 0; i < size; i++)
			REQUIRE(name_matches(s, i, s, size) == (i == sl));
	}
	REQUIRE(is_dtype(s, size) == ref_in(ref_dtypes, s, size));
	REQUIRE(is_device(s, size) == ref_in(ref_devices, s, size));
	/* A dtype suffix: every dtype the disabling rule drops is one, and
	 * one is split at a '_' only between two suffixes (a name that holds
	 * '_' itself, float8_e4m3fn, is one piece). */
	if (is_dtype(s, size))
		REQUIRE(is_dtype_suffix(s, size));
	if (is_dtype_suffix(s, size)) {
		REQUIRE(size > 0 && s[0] != '_' && s[size - 1] != '_');
		REQUIRE(!has_space_or_ctrl(s, size) && ref_ident(s, size));
	}
	(void)platform_bit(s, size);

	/* module_matches_path: the input split at the first NUL or newline
	 * into a module and a path. */
	const char *cut = memchr(s, '\n', size);

	if (cut) {
		size_t ml = (size_t)(cut - s), pl = size - ml - 1;
		char *path = malloc(pl + 1);

		REQUIRE(path != NULL);
		memcpy(path, cut + 1, pl);
		path[pl] = '\0';
		(void)module_matches_path(s, ml, path);
		free(path);
	}
	free(s);
	return 0;
}
