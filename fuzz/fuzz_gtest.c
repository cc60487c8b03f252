/*
 * libFuzzer target for the gtest form (output.h): a base filter, as
 * --gtest-base or GTEST_FILTER gives it, and the names to leave out.
 *
 *   make fuzz-bins && fuzz/bin/fuzz_gtest -max_total_time=60 fuzz/corpus/gtest
 *
 * The input's first line is the base; every other line a name offered to
 * exclset_add_gtest.  Besides memory safety it checks, and aborts when one
 * fails:
 *   - gtest_filter_ok accepts exactly the bases of gtest's characters;
 *   - for an accepted base, the output is one line: empty when there is
 *     neither a base nor a name, else "--gtest_filter=" then the base as
 *     given, then the names, sorted, each once, after one separator ('-'
 *     when the base has none, else ':' unless its negative part is empty
 *     or ends in ':');
 *   - read as gtest reads a filter (the negative part after the first
 *     '-', patterns split at ':'), the negative part holds every name
 *     added, and the positive part is the base's.
 */
#include "exclset.h"
#include "output.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int
filter_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c && strchr("_./*?:-", c));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	const char *nl = memchr(p, '\n', size);
	char *base = xstrndup(p, nl ? (size_t)(nl - p) : size);
	size_t bn = strlen(base), k;
	struct exclset s = { 0 };
	struct strlist names = { 0 };
	struct buf out = { 0 };
	const char *why = NULL;
	static const struct reason rs = { .kind = RK_EXTRA };
	int ok = bn <= GTEST_FILTER_MAX, dash;

	for (size_t i = 0; i < bn; i++)
		ok &= filter_char((unsigned char)base[i]);
	/* an embedded NUL cuts the base short: what is left is the base */
	REQUIRE(gtest_filter_ok(base, &why) == ok);
	if (!ok) {
		REQUIRE(why && *why);
		free(base);
		return 0;
	}
	for (p = nl ? nl + 1 : end; p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		char *name;

		if (!e)
			e = end;
		name = xstrndup(p, (size_t)(e - p));
		if (strlen(name) == (size_t)(e - p) && exclset_add_gtest(&s, name, &rs) == 0)
			strlist_add(&names, name);
		else
			REQUIRE(!gtest_name_ok(name, strlen(name)) || strlen(name) != (size_t)(e - p));
		free(name);
		p = e + 1;
	}
	exclset_finish(&s);
	strlist_sort_uniq(&names);
	k = output_gtest(&s, base, &out);
	REQUIRE(out.len > 0 && out.p[out.len - 1] == '\n' && memchr(out.p, '\n', out.len) == out.p + out.len - 1);
	if (!*base && names.n == 0) {
		REQUIRE(out.len == 1 && k == 0);
	} else {
		const char *f = out.p + strlen("--gtest_filter="), *neg;
		struct strlist pats = { 0 };

		REQUIRE(starts_with(out.p, "--gtest_filter="));
		REQUIRE(strncmp(f, base, bn) == 0);
		dash = strchr(base, '-') != NULL;
		neg = strchr(f, '-');
		REQUIRE(names.n == 0 || neg);
		REQUIRE(!dash || neg == f + (strchr(base, '-') - base));
		/* the negative part's patterns hold every name */
		if (neg) {
			struct buf t = { 0 };

			buf_add(&t, neg + 1, (size_t)(out.p + out.len - 1 - (neg + 1)));
			for (const char *q = buf_str(&t), *c; ; q = c + 1) {
				c = strchr(q, ':');
				strlist_addn(&pats, q, c ? (size_t)(c - q) : strlen(q));
				if (!c)
					break;
			}
			buf_free(&t);
		}
		for (size_t i = 0; i < names.n; i++)
			REQUIRE(strlist_has(&pats, names.v[i]));
		/* what follows the base: the names added, sorted, once each */
		if (k) {
			const char *a = f + bn;
			struct strlist added = { 0 };
			struct buf t = { 0 };

			REQUIRE(*a == (dash ? ':' : '-') ||
			    (dash && (base[bn - 1] == ':' || strchr(base, '-') == base + bn - 1)));
			if (*a == '-' || *a == ':')
				a++;
			buf_add(&t, a, (size_t)(out.p + out.len - 1 - a));
			for (const char *q = buf_str(&t), *c; ; q = c + 1) {
				c = strchr(q, ':');
				strlist_addn(&added, q, c ? (size_t)(c - q) : strlen(q));
				if (!c)
					break;
			}
			REQUIRE(added.n == k);
			for (size_t i = 0; i < added.n; i++) {
				REQUIRE(strlist_has(&names, added.v[i]));
				REQUIRE(i == 0 || strcmp(added.v[i - 1], added.v[i]) < 0);
			}
			strlist_free(&added);
			buf_free(&t);
		} else {
			REQUIRE(out.len == strlen("--gtest_filter=") + bn + 1);
		}
		strlist_free(&pats);
	}
	exclset_free(&s);
	strlist_free(&names);
	buf_free(&out);
	free(base);
	return 0;
}
