/*
 * libFuzzer target for the hand-kept lines (handlist.h) and --collect's
 * reading of pytest's output (collect.h):
 *
 *   make fuzz-bins && fuzz/bin/fuzz_handlist -max_total_time=60 fuzz/corpus/handlist
 *
 * The input is a file of lines, as --extra reads it, and as a child's
 * stdout.  Besides memory safety it checks, and aborts when one fails:
 *   - each line parses to one of three answers: nothing (then it is blank
 *     or its first non-blank is "#"), a line (its test, URL and platforms
 *     are pieces of the line, the test is clean text, a URL's issue is the
 *     digits after its "/issues/", the platform bits are those of the
 *     names kept, none twice; a gtest line's test is a gtest name, not a
 *     key, not a node id, not a .py file), or an error with a reason;
 *   - collect_parse keeps exactly the lines a slow reference keeps: those
 *     with "::" and no blank before it, not starting with a blank, their
 *     trailing blanks and CRs dropped.
 */
#include "collect.h"
#include "handlist.h"
#include "match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int
inside(const char *piece, const char *line, size_t n)
{
	size_t k = strlen(piece);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(line + i, piece, k) == 0)
			return 1;
	return 0;
}

static void
check_line(const char *p, size_t n)
{
	struct hand_line h;
	struct buf why = { 0 };
	int r = hand_line_parse(p, n, &h, &why);
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	REQUIRE(r >= -1 && r <= 1);
	if (r == 0) {
		int blank = 1;

		for (size_t j = i; j < n; j++)
			if (p[j] != ' ' && p[j] != '\t' && p[j] != '\r')
				blank = 0;
		REQUIRE(blank || p[i] == '#');
	} else if (r < 0) {
		REQUIRE(why.len > 0);
	} else {
		unsigned bits = 0;
		struct strlist names = { 0 };

		REQUIRE(h.test && *h.test && text_is_clean(h.test) && inside(h.test, p, n));
		/* a gtest name is one, and nothing else */
		if (h.is_gtest)
			REQUIRE(!h.is_key && gtest_name_ok(h.test, strlen(h.test)) && !ends_with(h.test, ".py") &&
			    !strstr(h.test, "::"));
		if (h.url) {
			const char *is = strstr(h.url, "/issues/");

			REQUIRE(inside(h.url, p, n));
			REQUIRE(starts_with(h.url, "http://") || starts_with(h.url, "https://"));
			if (h.issue) {
				REQUIRE(is && strcmp(is + 8, h.issue) == 0);
				REQUIRE(all_digits(h.issue, strlen(h.issue), 12));
			}
		} else {
			REQUIRE(!h.issue);
		}
		REQUIRE(h.platforms);
		split_commas(&names, h.platforms);
		for (size_t k = 0; k < names.n; k++) {
			unsigned b = platform_bit(names.v[k], strlen(names.v[k]));

			REQUIRE(b && !(bits & b));
			bits |= b;
		}
		REQUIRE(bits == h.platform_bits);
		strlist_free(&names);
		hand_line_free(&h);
	}
	buf_free(&why);
}

/* The reference for collect_parse. */
static size_t
ref_collect(const char *p, size_t n, struct strlist *ids)
{
	size_t kept = 0;

	for (size_t s = 0; s <= n;) {
		size_t e = s, len, sep = (size_t)-1;

		while (e < n && p[e] != '\n')
			e++;
		len = e - s;
		while (len && (p[s + len - 1] == '\r' || p[s + len - 1] == ' '))
			len--;
		for (size_t i = 0; i + 1 < len; i++)
			if (p[s + i] == ':' && p[s + i + 1] == ':') {
				sep = i;
				break;
			}
		if (sep != (size_t)-1 && p[s] != ' ' && !memchr(p + s, ' ', sep)) {
			strlist_addn(ids, p + s, len);
			kept++;
		}
		if (e == n)
			break;
		s = e + 1;
	}
	return kept;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct strlist a = { 0 }, b = { 0 };
	size_t na, nb;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;

		check_line(p, (size_t)(e - p));
		p = e + 1;
	}
	na = collect_parse((const char *)data, size, &a);
	nb = ref_collect((const char *)data, size, &b);
	REQUIRE(na == nb && a.n == b.n);
	for (size_t i = 0; i < a.n; i++)
		REQUIRE(strcmp(a.v[i], b.v[i]) == 0);
	strlist_free(&a);
	strlist_free(&b);
	return 0;
}
