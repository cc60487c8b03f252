#include "match.h"

#include <stdint.h>
#include <string.h>

static const char *const dtypes[] = {
	"uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
	"float32", "float64", "bool", "complex64", "complex128", NULL
};
static const char *const devices[] = {
	"cpu", "cuda", "xpu", "mps", "hpu", "meta", "lazy", NULL
};

static int
in_set(const char *const *set, const char *s, size_t n)
{
	for (; *set; set++)
		if (strlen(*set) == n && memcmp(*set, s, n) == 0)
			return 1;
	return 0;
}

int
is_dtype(const char *s, size_t n)
{
	return in_set(dtypes, s, n);
}

int
is_device(const char *s, size_t n)
{
	return in_set(devices, s, n);
}

/* Every name torch gives a dtype (str(torch.float32) without "torch."),
 * as PyTorch appends them to test names. */
static const char *const dtype_names[] = {
	"bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
	"float16", "bfloat16", "float32", "float64", "complex32", "complex64", "complex128",
	"qint8", "quint8", "qint32", "quint4x2", "quint2x4",
	"float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu",
	"float4_e2m1fn_x2", "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
	"uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7",
	"int1", "int2", "int3", "int4", "int5", "int6", "int7", NULL
};

int
is_dtype_suffix(const char *s, size_t n)
{
	/* Some names hold '_' themselves: try each name that fits here. */
	for (const char *const *d = dtype_names; *d; d++) {
		size_t l = strlen(*d);

		if (l > n || memcmp(s, *d, l) != 0)
			continue;
		if (l == n || (s[l] == '_' && l + 1 < n && is_dtype_suffix(s + l + 1, n - l - 1)))
			return 1;
	}
	return 0;
}

/* 1: a Python name character, 2: '.', 0: neither (ASCII only). */
static const unsigned char suite_char[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static int
ident_char(unsigned char c)
{
	return (unsigned)((c | 0x20) - 'a') < 26 || (unsigned)(c - '0') < 10 || c == '_';
}

int
is_identifier(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!ident_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Does any of the n bytes (n <= 8) fall at or below 0x20, or equal 0x7f?
 * Eight at a time: lists hold hundreds of thousands of names. */
int
has_space_or_ctrl(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t v, d;

		memcpy(&v, s + i, 8);
		d = v ^ (ones * 0x7f);          /* a zero byte where v has 0x7f */
		/* Exact for the first such byte; the byte loop settles it. */
		if ((((v - ones * 0x21) & ~v) | ((d - ones) & ~d)) & high)
			break;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

/* All bytes in [0-9A-Za-z_.]?  Eight at a time: a list has a suite in
 * every one of its hundreds of thousands of keys. */
static int
suite_chars_ok(const char *s, size_t n)
{
	const uint64_t L = 0x0101010101010101u, H = 0x8080808080808080u;
	size_t i = 0;

#define IN(x, lo, hi) ((((x) | H) - L * (lo)) & ((H | L * (hi)) - (x)) & H)
	for (; i + 8 <= n; i += 8) {
		uint64_t v, t, ok;

		memcpy(&v, s + i, 8);
		if (v & H)
			return 0;
		t = v | L * 0x20;        /* A-Z as a-z */
		ok = IN(t, 'a', 'z') | IN(v, '0', '9') | IN(v, '_', '_') | IN(v, '.', '.');
		if (ok != H)
			return 0;
	}
#undef IN
	for (; i < n; i++)
		if (!suite_char[(unsigned char)s[i]])
			return 0;
	return 1;
}

/* White space as Python's str.split() sees it (ASCII): PyTorch splits a
 * key with it, so runs of it, tabs and a space at either end are fine. */
static int
py_space(unsigned char c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

/* The two words of a key as str.split() makes them: [*n0, *n1) and
 * [*s0, *s1).  Returns -1 unless there are exactly two. */
static int
key_words(const char *key, size_t len, size_t *n0, size_t *n1, size_t *s0, size_t *s1)
{
	size_t i = 0, end = len;

	while (i < end && py_space((unsigned char)key[i]))
		i++;
	while (end > i && py_space((unsigned char)key[end - 1]))
		end--;
	*n0 = i;
	while (i < end && !py_space((unsigned char)key[i]))
		i++;
	*n1 = i;
	while (i < end && py_space((unsigned char)key[i]))
		i++;
	*s0 = i;
	*s1 = end;
	if (*n1 == *n0 || *s0 == *s1)
		return -1;
	/* A third word: the suite would hold white space. */
	for (size_t j = *s0; j < end; j++)
		if (py_space((unsigned char)key[j]))
			return -1;
	return 0;
}

int
key_parse(const char *key, size_t len, struct testkey *k, const char **why)
{
	const char *suite, *dot = NULL;
	size_t slen, n0, n1, s0, s1;

	if (key_words(key, len, &n0, &n1, &s0, &s1) < 0) {
		*why = "key is not of the form \"test_name (module.Class)\"";
		return -1;
	}
	k->name = key + n0;
	k->name_len = n1 - n0;
	/* Test names may hold ( ) = - but never white space or control bytes. */
	if (has_space_or_ctrl(k->name, k->name_len)) {
		*why = "test name holds white space or a control character";
		return -1;
	}
	suite = key + s0;
	slen = s1 - s0;
	if (slen < 3 || suite[0] != '(' || suite[slen - 1] != ')') {
		*why = "key is not of the form \"test_name (module.Class)\"";
		return -1;
	}
	suite++;
	slen -= 2;
	if (!suite_chars_ok(suite, slen)) {
		*why = "suite is not a dotted Python name";
		return -1;
	}
	/* Every dotted part is non-empty and does not start with a digit. */
	for (const char *p = suite, *end = suite + slen;;) {
		const char *d = memchr(p, '.', (size_t)(end - p));

		if (p == (d ? d : end) || (*p >= '0' && *p <= '9')) {
			*why = "suite is not a dotted Python name";
			return -1;
		}
		if (!d)
			break;
		dot = d;
		p = d + 1;
	}
	if (dot) {
		k->module = suite;
		k->module_len = (size_t)(dot - suite);
		k->cls = dot + 1;
		k->cls_len = slen - k->module_len - 1;
	} else {
		k->module = suite;
		k->module_len = 0;
		k->cls = suite;
		k->cls_len = slen;
	}
	return 0;
}

int
key_split(const char *key, size_t len, struct testkey *k)
{
	const char *suite, *end, *d;
	size_t n0, n1, s0, s1;

	/* The common shape first: one space, no white space at the ends. */
	const char *sp = memchr(key, ' ', len);

	/* A valid key has two words: white space inside the name would make
	 * a third, so only its ends and the suite's need a look. */
	if (sp && sp != key && sp + 1 < key + len && !py_space((unsigned char)sp[1]) &&
	    !py_space((unsigned char)sp[-1]) && !py_space((unsigned char)key[0]) &&
	    !py_space((unsigned char)key[len - 1])) {
		n0 = 0;
		n1 = (size_t)(sp - key);
		s0 = n1 + 1;
		s1 = len;
	} else if (key_words(key, len, &n0, &n1, &s0, &s1) < 0) {
		return -1;
	}
	suite = key + s0;
	end = key + s1;
	if (end - suite < 3 || suite[0] != '(' || end[-1] != ')')
		return -1;
	suite++;
	end--;
	/* The class follows the last dot: modules have few dots, so memchr
	 * from the front beats a byte loop from the back. */
	d = suite;
	for (const char *q; (q = memchr(d, '.', (size_t)(end - d))) != NULL;)
		d = q + 1;
	k->name = key + n0;
	k->name_len = n1 - n0;
	k->module = suite;
	k->module_len = d > suite ? (size_t)(d - 1 - suite) : 0;
	k->cls = d;
	k->cls_len = (size_t)(end - d);
	return 0;
}

size_t
name_sanitized_len(const char *m, size_t n)
{
	const char *u = NULL;
	size_t cut;

	for (size_t i = n; i > 0; i--)
		if (m[i - 1] == '_') {
			u = m + i - 1;
			break;
		}
	if (!u || !is_dtype(u + 1, n - (size_t)(u - m) - 1))
		return n;
	cut = (size_t)(u - m);
	/* The chunk before the dtype is dropped too when it is a device. */
	for (size_t i = cut; i > 0; i--)
		if (m[i - 1] == '_') {
			if (is_device(m + i, cut - i))
				return i - 1;
			break;
		}
	return cut;
}

int
name_matches(const char *entry, size_t en, const char *method, size_t mn)
{
	if (en == mn && memcmp(entry, method, en) == 0)
		return 1;
	return name_sanitized_len(method, mn) == en && memcmp(entry, method, en) == 0;
}

int
class_matches(const char *entry_cls, size_t en, const char *runtime_cls, size_t rn)
{
	return en <= rn && memcmp(entry_cls, runtime_cls, en) == 0;
}

int
module_matches_path(const char *module, size_t n, const char *path)
{
	size_t pl, need = n + 3;

	if (n == 0 || (n == 8 && memcmp(module, "__main__", 8) == 0))
		return 1;
	pl = strlen(path);
	/* "a.b" must match ".../a/b.py" at a path-component boundary. */
	if (pl < need || memcmp(path + pl - 3, ".py", 3) != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char want = module[i] == '.' ? '/' : module[i];

		if (path[pl - need + i] != want)
			return 0;
	}
	return pl == need || path[pl - need - 1] == '/';
}

static const struct {
	const char *name;
	unsigned bit;
} platforms[] = {
	{ "mac", PLAT_MAC }, { "macos", PLAT_MAC },
	{ "win", PLAT_WINDOWS }, { "windows", PLAT_WINDOWS },
	{ "linux", PLAT_LINUX }, { "rocm", PLAT_ROCM }, { "xpu", PLAT_XPU },
	{ "asan", PLAT_ASAN }, { "dynamo", PLAT_DYNAMO },
	{ "dynamo_wrapped", PLAT_DYNAMO_WRAPPED },
	{ "inductor", PLAT_INDUCTOR }, { "slow", PLAT_SLOW },
};

const char *const platform_names =
    "mac macos win windows linux rocm xpu asan dynamo dynamo_wrapped inductor slow";

unsigned
platform_bit(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
		if (strlen(platforms[i].name) == n && memcmp(platforms[i].name, s, n) == 0)
			return platforms[i].bit;
	return 0;
}
