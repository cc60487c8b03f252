/*
 * libFuzzer target for logscan:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_logscan.c logscan.c util.c -o /tmp/fl
 *   /tmp/fl -max_len=24576 -max_total_time=180 fuzz/corpus/logscan
 *
 * (-max_len above LOGSCAN_MAX_LINE lets it reach over-long lines.)  Besides
 * memory safety it checks, and aborts when one fails:
 *   - the input fed whole, one byte at a time (when short) and in chunk sizes
 *     taken from the input itself gives the same sequence of (kind, id) and
 *     the same lines / found / long_lines counts;
 *   - that sequence is what a slow, obviously written reference recogniser
 *     makes of the input split on '\n' by hand;
 *   - all that again with the first line padded to about LOGSCAN_MAX_LINE
 *     bytes, so that the limit is tried from both sides;
 *   - every reported id is non-empty, at most LOGSCAN_MAX_LINE bytes, valid
 *     UTF-8 without control bytes, and has its kind's shape ("::" for pytest,
 *     "name (a.b...)" for unittest).
 */
#include "logscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

/* ---- a record of what one scan reported ---- */

struct found {
	char *text;          /* "K" kind byte, then the id, then '\n', repeated */
	size_t len, cap;
	unsigned long n;
};

static void found_add(struct found *f, const char *p, size_t n)
{
	if (f->len + n > f->cap) {
		f->cap = (f->len + n) * 2 + 64;
		f->text = realloc(f->text, f->cap);
		REQUIRE(f->text != NULL);
	}
	memcpy(f->text + f->len, p, n);
	f->len += n;
}

/* Decodes one UTF-8 sequence at p (n bytes available) into *cp; returns its
 * length, or 0 when it is not well formed. */
static size_t ref_utf8(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned long min;
	size_t need, k;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xE0) == 0xC0) {
		need = 2; *cp = p[0] & 0x1Fu; min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		need = 3; *cp = p[0] & 0x0Fu; min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		need = 4; *cp = p[0] & 0x07u; min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (k = 1; k < need; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[k] & 0x3Fu);
	}
	if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return need;
}

static int ref_clean(const unsigned char *s, size_t n)
{
	size_t i = 0, k;
	unsigned long cp;

	while (i < n) {
		k = ref_utf8(s + i, n - i, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f)
			return 0;
		i += k;
	}
	return 1;
}

static int ref_has(const unsigned char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return 1;
	return 0;
}

static int ref_starts(const unsigned char *s, size_t n, const char *w)
{
	size_t k = strlen(w);

	return n >= k && memcmp(s, w, k) == 0;
}

static int ref_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int ref_ident(const unsigned char *s, size_t n)
{
	size_t i;

	if (n == 0 || ref_digit(s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!(ref_digit(s[i]) || s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return 0;
	return 1;
}

/* Length of the timestamp with its space, or 0. */
static size_t ref_stamp(const unsigned char *s, size_t n)
{
	const char *shape = "####-##-##T##:##:##";
	size_t i, digits = 0;

	if (n < 19)
		return 0;
	for (i = 0; i < 19; i++) {
		if (shape[i] == '#' ? !ref_digit(s[i]) : s[i] != (unsigned char)shape[i])
			return 0;
	}
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && ref_digit(s[i])) {
			i++;
			digits++;
		}
		if (digits < 1 || digits > 9)
			return 0;
	}
	if (i + 2 > n || s[i] != 'Z' || s[i + 1] != ' ')
		return 0;
	return i + 2;
}

static void ref_trim(const unsigned char *s, size_t *n)
{
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\r'))
		(*n)--;
}

static enum logscan_kind ref_pytest(const unsigned char *r, size_t n, struct found *f)
{
	size_t i, end;

	/* "[D.Ds] " */
	if (n > 0 && r[0] == '[') {
		size_t a = 0, b = 0;

		for (i = 1; i < n && ref_digit(r[i]); i++)
			a++;
		if (a && i < n && r[i] == '.') {
			for (i++; i < n && ref_digit(r[i]); i++)
				b++;
			if (b && ref_starts(r + i, n - i, "s] ")) {
				r += i + 3;
				n -= i + 3;
			}
		}
	}
	/* The message starts at the first " - " outside [parameters]. */
	{
		int in = 0;

		for (end = 0; end < n; end++) {
			if (!in && r[end] == '[')
				in = 1;
			else if (in && r[end] == ']')
				in = 0;
			if (!in && ref_starts(r + end, n - end, " - "))
				break;
		}
	}
	ref_trim(r, &end);
	if (end == 0 || r[0] == '-' || r[0] == ' ' || !ref_has(r, end, "::") || !ref_clean(r, end))
		return LOGSCAN_NONE;
	found_add(f, "P", 1);
	found_add(f, (const char *)r, end);
	found_add(f, "\n", 1);
	return LOGSCAN_PYTEST;
}

static enum logscan_kind ref_unittest(const unsigned char *r, size_t n, struct found *f)
{
	size_t sp, i, start, parts = 0, last_start = 0;
	const unsigned char *suite;
	size_t suite_n;

	ref_trim(r, &n);
	for (sp = 0; sp < n && r[sp] != ' '; sp++)
		;
	if (sp == 0 || sp + 3 > n || r[sp + 1] != '(' || r[n - 1] != ')')
		return LOGSCAN_NONE;
	suite = r + sp + 2;
	suite_n = n - sp - 3;
	for (start = 0, i = 0; i <= suite_n; i++) {
		if (i == suite_n || suite[i] == '.') {
			if (!ref_ident(suite + start, i - start))
				return LOGSCAN_NONE;
			parts++;
			last_start = start;
			start = i + 1;
		}
	}
	if (parts < 2 || !ref_clean(r, sp))
		return LOGSCAN_NONE;
	found_add(f, "U", 1);
	if (parts >= 3 && suite_n - last_start == sp && memcmp(suite + last_start, r, sp) == 0) {
		found_add(f, (const char *)r, sp + 2 + last_start - 1);
		found_add(f, ")", 1);
	} else {
		found_add(f, (const char *)r, n);
	}
	found_add(f, "\n", 1);
	return LOGSCAN_UNITTEST;
}

static unsigned char ref_nocolour[LOGSCAN_MAX_LINE + 1];

static void ref_line(const unsigned char *s, size_t n, struct found *f)
{
	size_t off = ref_stamp(s, n);

	s += off;
	n -= off;
	/* pytest --color=yes: SGR sequences (ESC [ digits ; m) taken out when
	 * the line (after its timestamp) starts with ESC. */
	if (n > 0 && s[0] == 0x1b) {
		size_t o = 0;

		for (size_t i = 0; i < n;) {
			size_t j = i + 2;

			if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '[') {
				while (j < n && (ref_digit(s[j]) || s[j] == ';'))
					j++;
				if (j < n && s[j] == 'm') {
					i = j + 1;
					continue;
				}
			}
			ref_nocolour[o++] = s[i++];
		}
		s = ref_nocolour;
		n = o;
	}
	if (ref_starts(s, n, "FAILED ") && ref_pytest(s + 7, n - 7, f))
		f->n++;
	else if (ref_starts(s, n, "ERROR ") && ref_pytest(s + 6, n - 6, f))
		f->n++;
	else if (ref_starts(s, n, "FAIL: ") && ref_unittest(s + 6, n - 6, f))
		f->n++;
	else if (ref_starts(s, n, "ERROR: ") && ref_unittest(s + 7, n - 7, f))
		f->n++;
}

/* ---- the scanner under test ---- */

static void check_id(enum logscan_kind kind, const char *id, size_t n)
{
	const unsigned char *s = (const unsigned char *)id;

	REQUIRE(n > 0 && n <= LOGSCAN_MAX_LINE);
	REQUIRE(ref_clean(s, n));
	if (kind == LOGSCAN_PYTEST) {
		REQUIRE(ref_has(s, n, "::"));
		REQUIRE(s[0] != '-' && s[0] != ' ' && s[n - 1] != ' ');
	} else {
		REQUIRE(kind == LOGSCAN_UNITTEST);
		REQUIRE(n >= 7 && s[n - 1] == ')' && ref_has(s, n, " (") && ref_has(s, n, "."));
	}
}

static void collect(void *arg, enum logscan_kind kind, const char *id, size_t n)
{
	struct found *f = arg;

	check_id(kind, id, n);
	found_add(f, kind == LOGSCAN_PYTEST ? "P" : "U", 1);
	found_add(f, id, n);
	found_add(f, "\n", 1);
	f->n++;
}

static struct logscan ls;

struct counts {
	unsigned long lines, found, long_lines;
};

/* Feeds data in chunks: sizes[] cycled (0 = all at once). */
static void run(const uint8_t *data, size_t size, const size_t *sizes, size_t nsizes,
    struct found *f, struct counts *c)
{
	size_t off = 0, k, i = 0, chunk_size = 0;
	char *chunk = NULL;

	memset(f, 0, sizeof *f);
	logscan_init(&ls, collect, f);
	while (off < size) {
		k = nsizes ? sizes[i++ % nsizes] : size - off;
		if (k > size - off)
			k = size - off;
		/* A buffer of exactly the chunk's size, so ASan sees over-reads
		 * (kept while the size stays the same: one byte at a time is
		 * then not one malloc a byte). */
		if (k != chunk_size) {
			free(chunk);
			chunk = malloc(k);
			REQUIRE(chunk != NULL);
			chunk_size = k;
		}
		memcpy(chunk, data + off, k);
		logscan_feed(&ls, chunk, k);
		REQUIRE(ls.len <= LOGSCAN_MAX_LINE);
		REQUIRE(!(ls.skipping && ls.len));
		off += k;
	}
	free(chunk);
	logscan_finish(&ls);
	REQUIRE(ls.len == 0 && !ls.skipping);
	REQUIRE(ls.found == f->n);
	c->lines = ls.lines;
	c->found = ls.found;
	c->long_lines = ls.long_lines;
}

static int same(const struct found *a, const struct counts *ca, const struct found *b,
    const struct counts *cb)
{
	return a->n == b->n && a->len == b->len && (a->len == 0 || memcmp(a->text, b->text, a->len) == 0)
	    && ca->lines == cb->lines && ca->found == cb->found && ca->long_lines == cb->long_lines;
}

/* Every check on one input. */
static void check_input(const uint8_t *data, size_t size)
{
	struct found whole, other, ref;
	struct counts cw, co, cr = { 0, 0, 0 };
	size_t sizes[16], i, start, one = 1;
	char *scratch;

	run(data, size, NULL, 0, &whole, &cw);

	/* Chunk sizes from the input: mostly small, sometimes past a line. */
	for (i = 0; i < 16; i++) {
		unsigned b = size ? data[(i * 7919u) % size] ^ (unsigned)i : (unsigned)i;

		sizes[i] = (b & 0xF0) == 0 ? 1 + (b & 0x0F) * 1500u : 1 + b % 61;
	}
	run(data, size, sizes, 16, &other, &co);
	REQUIRE(same(&whole, &cw, &other, &co));
	free(other.text);
	if (size <= 2 * LOGSCAN_MAX_LINE) {
		run(data, size, &one, 1, &other, &co);
		REQUIRE(same(&whole, &cw, &other, &co));
		free(other.text);
	}

	/* The reference, line by line. */
	memset(&ref, 0, sizeof ref);
	scratch = malloc(LOGSCAN_MAX_LINE);
	REQUIRE(scratch != NULL);
	for (start = 0, i = 0; i <= size; i++) {
		if (i == size && i == start)
			break;
		if (i == size || data[i] == '\n') {
			size_t n = i - start;
			char *line;
			const char *id;
			size_t idn;
			enum logscan_kind k;
			struct found before = ref;

			cr.lines++;
			if (n > LOGSCAN_MAX_LINE) {
				cr.long_lines++;
			} else {
				ref_line(data + start, n, &ref);
				/* logscan_line on the line alone agrees too. */
				line = malloc(n ? n : 1);
				REQUIRE(line != NULL);
				if (n)
					memcpy(line, data + start, n);
				k = logscan_line(line, n, scratch, &id, &idn);
				REQUIRE((k != LOGSCAN_NONE) == (ref.n != before.n));
				if (k != LOGSCAN_NONE) {
					check_id(k, id, idn);
					REQUIRE(ref.len - before.len == idn + 2);
					REQUIRE(memcmp(ref.text + before.len + 1, id, idn) == 0);
					REQUIRE(ref.text[before.len] == (k == LOGSCAN_PYTEST ? 'P' : 'U'));
				}
				free(line);
			}
			start = i + 1;
		}
	}
	cr.found = ref.n;
	REQUIRE(same(&whole, &cw, &ref, &cr));
	free(scratch);
	free(ref.text);
	free(whole.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl;
	uint8_t *padded;
	size_t first, want;

	check_input(data, size);

	/*
	 * Random inputs seldom hold a line of the limit's length, so also try
	 * the input with its first line padded (at its end, with 'x') to within
	 * two bytes of LOGSCAN_MAX_LINE either way.
	 */
	if (size == 0 || size > 2 * LOGSCAN_MAX_LINE)
		return 0;
	nl = memchr(data, '\n', size);
	first = nl ? (size_t)(nl - data) : size;
	want = LOGSCAN_MAX_LINE - 2 + data[0] % 5;
	if (first >= want)
		return 0;
	padded = malloc(size + want - first);
	REQUIRE(padded != NULL);
	memcpy(padded, data, first);
	memset(padded + first, 'x', want - first);
	memcpy(padded + want, data + first, size - first);
	check_input(padded, size + want - first);
	free(padded);
	return 0;
}
