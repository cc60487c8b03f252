/*
 * libFuzzer target for the pull-request scanner (reenable.h):
 *
 *   make fuzz-bins && fuzz/bin/fuzz_reenable -max_total_time=60 fuzz/corpus/reenable
 *
 * The input is a pull request's body, or its commit messages.  Besides
 * memory safety it checks, and aborts when one fails:
 *   - reenable_scan finds exactly what a slow reference finds: PyTorch's
 *     regular expression
 *       (?i)(Close(d|s)?|Resolve(d|s)?|Fix(ed|es)?) (#|https://github.com/pytorch/pytorch/issues/)([0-9]+)
 *     run as Python's re.findall runs it (leftmost match, alternatives in
 *     order, then the next search from its end), over the text first
 *     decoded into units (a UTF-8 sequence, or one byte that is none) and
 *     case-folded as Python folds them for these letters;
 *   - each match's words lie inside the text, start with c, f or r (any
 *     case) and end with its issue, which is one or more ASCII digits;
 *   - matches come in order and do not overlap, and the count returned is
 *     the number of calls (with or without a callback).
 */
#include "reenable.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

/* ------------------------------------------------------------------ */
/* The reference: the text as units, each a code point folded to lower
 * case where Python's re.IGNORECASE makes it equal to an ASCII letter of
 * the pattern, with the byte it starts at. */

struct unit {
	unsigned cp;         /* 0x110000 + byte for a byte that is no sequence */
	size_t at, len;
};

static size_t
decode(const unsigned char *s, size_t n, struct unit *u)
{
	size_t k = 0;

	for (size_t i = 0; i < n;) {
		unsigned c = s[i], cp = 0;
		size_t len = 0;

		if (c < 0x80) {
			cp = c;
			len = 1;
		} else if ((c & 0xe0) == 0xc0 && i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
			cp = ((c & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
			len = 2;
			if (cp < 0x80)
				len = 0;
		} else if ((c & 0xf0) == 0xe0 && i + 2 < n && (s[i + 1] & 0xc0) == 0x80 &&
		    (s[i + 2] & 0xc0) == 0x80) {
			cp = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
			len = cp < 0x800 ? 0 : 3;
		} else if ((c & 0xf8) == 0xf0 && i + 3 < n && (s[i + 1] & 0xc0) == 0x80 &&
		    (s[i + 2] & 0xc0) == 0x80 && (s[i + 3] & 0xc0) == 0x80) {
			cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3fu) << 12) | ((s[i + 2] & 0x3fu) << 6) |
			    (s[i + 3] & 0x3fu);
			len = cp < 0x10000 ? 0 : 4;
		}
		if (len == 0) {
			cp = 0x110000u + c;
			len = 1;
		}
		/* Python's folding, for the letters of the pattern. */
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		else if (cp == 0x130 || cp == 0x131)
			cp = 'i';
		else if (cp == 0x17f)
			cp = 's';
		u[k].cp = cp;
		u[k].at = i;
		u[k].len = len;
		k++;
		i += len;
	}
	return k;
}

/* Does the pattern text p (lower case ASCII) match the units at i?
 * Returns the units it takes, or 0. */
static size_t
lit(const struct unit *u, size_t n, size_t i, const char *p)
{
	size_t k = 0;

	for (; p[k]; k++)
		if (i + k >= n || u[i + k].cp != (unsigned char)p[k])
			return 0;
	return k;
}

/* The regex at unit i: the end unit of the match and the digits' units,
 * or 0 when it does not match. */
static size_t
ref_match(const struct unit *u, size_t n, size_t i, size_t *d0, size_t *d1)
{
	static const char *const alts[] = {
		"closed", "closes", "close", "resolved", "resolves", "resolve",
		"fixed", "fixes", "fix",
	};
	static const char *const refs[] = { "#", "https://github.com/pytorch/pytorch/issues/" };

	for (size_t a = 0; a < sizeof alts / sizeof alts[0]; a++) {
		size_t k = lit(u, n, i, alts[a]), j;

		if (!k || i + k >= n || u[i + k].cp != ' ')
			continue;
		j = i + k + 1;
		for (size_t r = 0; r < 2; r++) {
			size_t m = lit(u, n, j, refs[r]), e;

			if (!m)
				continue;
			for (e = j + m; e < n && u[e].cp >= '0' && u[e].cp <= '9'; e++)
				;
			if (e > j + m) {
				*d0 = j + m;
				*d1 = e;
				return e;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */

struct found {
	struct strlist got;
	const char *text;
	size_t len, last_end;
	size_t calls;
};

static void
on_found(void *arg, const char *issue, size_t issue_len, const char *words, size_t words_len)
{
	struct found *f = arg;
	struct buf b = { 0 };
	char c;

	REQUIRE(words >= f->text && words_len <= f->len && (size_t)(words - f->text) <= f->len - words_len);
	REQUIRE((size_t)(words - f->text) >= f->last_end);
	f->last_end = (size_t)(words - f->text) + words_len;
	REQUIRE(issue_len >= 1 && issue + issue_len == words + words_len && issue > words);
	for (size_t i = 0; i < issue_len; i++)
		REQUIRE(issue[i] >= '0' && issue[i] <= '9');
	c = (char)(words[0] | 0x20);
	REQUIRE(c == 'c' || c == 'f' || c == 'r');
	buf_printf(&b, "%zu+%zu:%zu", (size_t)(words - f->text), words_len, issue_len);
	strlist_add(&f->got, buf_str(&b));
	buf_free(&b);
	f->calls++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	struct unit *u = malloc((size ? size : 1) * sizeof *u);
	struct found f;
	struct strlist want = { 0 };
	size_t n, count;

	REQUIRE(text != NULL && u != NULL);
	if (size)
		memcpy(text, data, size);
	memset(&f, 0, sizeof f);
	f.text = text;
	f.len = size;
	count = reenable_scan(text, size, on_found, &f);
	REQUIRE(count == f.calls);
	REQUIRE(reenable_scan(text, size, NULL, NULL) == count);

	n = decode(data, size, u);
	for (size_t i = 0; i < n;) {
		size_t d0, d1, e = ref_match(u, n, i, &d0, &d1);
		struct buf b = { 0 };
		size_t start, end;

		if (!e) {
			i++;
			continue;
		}
		start = u[i].at;
		end = u[e - 1].at + u[e - 1].len;
		buf_printf(&b, "%zu+%zu:%zu", start, end - start, d1 - d0);
		strlist_add(&want, buf_str(&b));
		buf_free(&b);
		i = e;
	}
	REQUIRE(want.n == f.got.n);
	for (size_t i = 0; i < want.n; i++)
		REQUIRE(strcmp(want.v[i], f.got.v[i]) == 0);

	strlist_free(&want);
	strlist_free(&f.got);
	free(u);
	free(text);
	return 0;
}
