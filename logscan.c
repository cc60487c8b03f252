/*
 * logscan: find failed tests in CI job logs, as a stream (see logscan.h).
 *
 * Speed comes from never copying a whole line: logscan_feed finds newlines
 * with memchr and hands every complete line to the recogniser where it lies
 * in the caller's chunk; only the unfinished line at a chunk's end is copied
 * into ls->line.  The recogniser rejects an ordinary line after a few byte
 * comparisons: it finds where the text after a timestamp would start, and
 * unless that byte is 'F' or 'E' it is done (the timestamp's digits are
 * checked only for lines that get past that).
 *
 * The rules, so that callers and tests can rely on them:
 *   - A line is the bytes before '\n'; one of more than LOGSCAN_MAX_LINE bytes
 *     (its '\r', if any, counted) is skipped whole and counted in long_lines.
 *   - The timestamp is "YYYY-MM-DDTHH:MM:SS" (digits only checked as digits),
 *     then "." with 1 to 9 digits or nothing, then "Z ".  Without one the
 *     word must start the line; nothing (not even a space) may come before it.
 *   - "FAILED " or "ERROR " (one space), then optionally "[D.Ds] " (one or
 *     more digits each side), then the node id: up to the first " - " or the
 *     end of the line, with trailing spaces and '\r' trimmed.  It must be
 *     non-empty, hold "::", not start with '-' or ' ', and be valid UTF-8
 *     without control bytes (< 0x20, 0x7f).
 *   - "FAIL: " or "ERROR: ", then the rest of the line (trailing spaces and
 *     '\r' trimmed) must be "NAME (SUITE)": NAME non-empty, without spaces,
 *     valid UTF-8 without control bytes; SUITE at least two ASCII Python
 *     identifiers joined by dots.  When SUITE has three or more parts and
 *     the last is NAME (Python 3.11+), the id is rewritten without it.
 *   - `lines` counts every line, over-long ones and an unterminated last one
 *     (scanned by logscan_finish) included; `found` counts reports.  fn may
 *     be NULL (only counting).  The id handed to fn points into the caller's
 *     chunk, ls->line or ls->norm: it is valid only until fn returns, and fn
 *     must not feed the same scanner.
 */
#include "logscan.h"

#include <string.h>

#define IS_DIGIT(c) ((unsigned)(c) - '0' < 10u)

static int is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident(unsigned char c)
{
	return is_ident_start(c) || IS_DIGIT(c);
}

/*
 * Where the text after a timestamp would start, judging only by the '.',
 * 'Z' and the space (0 when those do not fit); stamp_shape() checks the
 * digits, only for lines worth it.  The caller has checked n >= 21 and
 * s[10] == 'T'.
 */
static size_t stamp_end(const unsigned char *s, size_t n)
{
	size_t i = 19;

	if (n > 29 && s[27] == 'Z' && s[28] == ' ' && s[19] == '.') {
		/*
		 * GitHub's own 7 digits, checked later with the rest.  This never
		 * hides a shorter stamp that a word follows: with 1 to 6 digits
		 * its own space or a byte of "FAILED ", "ERROR ", "FAIL: " or
		 * "ERROR: " would be where this 'Z' and ' ' are, and with none
		 * there is a 'Z', not a '.', at 19.
		 */
		return 29;
	}
	if (s[19] == '.') {
		for (i = 20; i < n && i < 29 && IS_DIGIT(s[i]); i++)
			;
		if (i == 20)
			return 0;
	}
	if (i + 1 >= n || s[i] != 'Z' || s[i + 1] != ' ')
		return 0;
	return i + 2;
}

/* The digits and separators of a stamp that stamp_end() put at w (>= 21). */
static int stamp_shape(const unsigned char *s, size_t w)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; i < 19; i++) {
		if (shape[i] == 'd' ? !IS_DIGIT(s[i]) : s[i] != (unsigned char)shape[i])
			return 0;
	}
	for (i = 20; i + 2 < w; i++) {
		if (!IS_DIGIT(s[i]))
			return 0;
	}
	return 1;
}

/* Valid UTF-8 with no control byte (< 0x20, 0x7f; NUL included). */
static int clean_text(const unsigned char *s, size_t n)
{
	size_t i = 0, need;
	unsigned char c, lo, hi;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			if (c == 0xE0)
				lo = 0xA0;      /* no overlong forms */
			else if (c == 0xED)
				hi = 0x9F;      /* no surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			if (c == 0xF0)
				lo = 0x90;      /* no overlong forms */
			else if (c == 0xF4)
				hi = 0x8F;      /* nothing past U+10FFFF */
		} else {
			return 0;
		}
		if (n - i <= need || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		if (need >= 2 && (s[i + 2] & 0xC0) != 0x80)
			return 0;
		if (need == 3 && (s[i + 3] & 0xC0) != 0x80)
			return 0;
		i += need + 1;
	}
	return 1;
}

static int has_colons(const unsigned char *s, size_t n)
{
	const unsigned char *p = s, *end = s + n, *q;

	while (end - p >= 2 && (q = memchr(p, ':', (size_t)(end - p - 1))) != NULL) {
		if (q[1] == ':')
			return 1;
		p = q + 1;
	}
	return 0;
}

/* Length of a leading "[D.Ds] " duration tag, or 0. */
static size_t tag_len(const unsigned char *s, size_t n)
{
	size_t i = 1, start;

	if (n == 0 || s[0] != '[')
		return 0;
	for (start = i; i < n && IS_DIGIT(s[i]); i++)
		;
	if (i == start || i >= n || s[i] != '.')
		return 0;
	for (start = ++i; i < n && IS_DIGIT(s[i]); i++)
		;
	if (i == start || n - i < 3 || s[i] != 's' || s[i + 1] != ']' || s[i + 2] != ' ')
		return 0;
	return i + 3;
}

/* Where the first " - " starts, or n.  One inside the parameters of a
 * node id ("t.py::f[a - b]") is part of the id: cutting there would leave a
 * shorter prefix, which --deselect would match more widely. */
static size_t message_sep(const unsigned char *s, size_t n)
{
	const unsigned char *p = s, *end = s + n, *q;
	const unsigned char *open = memchr(s, '[', n);
	const unsigned char *close = open ? memchr(open, ']', (size_t)(end - open)) : NULL;

	while (end - p >= 3 && (q = memchr(p, ' ', (size_t)(end - p - 2))) != NULL) {
		if (q[1] == '-' && q[2] == ' ') {
			if (!open || q < open)
				return (size_t)(q - s);
			if (!close)
				return n;
			if (q > close) {
				/* Later brackets are looked at afresh. */
				open = memchr(close, '[', (size_t)(end - close));
				close = open ? memchr(open, ']', (size_t)(end - open)) : NULL;
				continue;
			}
			p = close;
			continue;
		}
		p = q + 1;
	}
	return n;
}

static size_t trim_end(const unsigned char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	return n;
}

/* s..n is what follows "FAILED " or "ERROR ". */
static enum logscan_kind pytest_id(const unsigned char *s, size_t n,
    const char **id, size_t *idn)
{
	size_t t = tag_len(s, n), end;

	s += t;
	n -= t;
	end = trim_end(s, message_sep(s, n));
	if (end == 0 || s[0] == '-' || s[0] == ' ')
		return LOGSCAN_NONE;
	if (!has_colons(s, end) || !clean_text(s, end))
		return LOGSCAN_NONE;
	*id = (const char *)s;
	*idn = end;
	return LOGSCAN_PYTEST;
}

/* s..n is what follows "FAIL: " or "ERROR: ". */
static enum logscan_kind unittest_id(const unsigned char *s, size_t n, char *scratch,
    const char **id, size_t *idn)
{
	const unsigned char *sp, *suite, *last = NULL;
	size_t name_len, suite_len, i, parts = 1;

	n = trim_end(s, n);
	if (n < 7 || s[n - 1] != ')')
		return LOGSCAN_NONE;
	sp = memchr(s, ' ', n);
	if (sp == NULL || sp == s || sp + 2 >= s + n || sp[1] != '(')
		return LOGSCAN_NONE;
	name_len = (size_t)(sp - s);
	suite = sp + 2;
	suite_len = (size_t)(s + n - 1 - suite);
	/* ident(.ident)+ */
	if (suite_len == 0 || !is_ident_start(suite[0]))
		return LOGSCAN_NONE;
	for (i = 1; i < suite_len; i++) {
		if (suite[i] == '.') {
			if (i + 1 >= suite_len || !is_ident_start(suite[i + 1]))
				return LOGSCAN_NONE;
			last = suite + i;
			parts++;
		} else if (!is_ident(suite[i])) {
			return LOGSCAN_NONE;
		}
	}
	if (parts < 2 || !clean_text(s, name_len))
		return LOGSCAN_NONE;
	if (parts >= 3 && (size_t)(suite + suite_len - last - 1) == name_len
	    && memcmp(last + 1, s, name_len) == 0) {
		/* "test_x (module.Class.test_x)" -> "test_x (module.Class)";
		 * s may already be in scratch (colours taken out). */
		size_t keep = (size_t)(last - s);

		memmove(scratch, s, keep);
		scratch[keep] = ')';
		*id = scratch;
		*idn = keep + 1;
		return LOGSCAN_UNITTEST;
	}
	*id = (const char *)s;
	*idn = n;
	return LOGSCAN_UNITTEST;
}

/* The line without any timestamp: the word must start it. */
static enum logscan_kind after_stamp(const unsigned char *s, size_t n, char *scratch,
    const char **id, size_t *idn)
{
	if (n < 6)
		return LOGSCAN_NONE;
	if (s[0] == 'F') {
		if (n >= 7 && memcmp(s, "FAILED ", 7) == 0)
			return pytest_id(s + 7, n - 7, id, idn);
		if (memcmp(s, "FAIL: ", 6) == 0)
			return unittest_id(s + 6, n - 6, scratch, id, idn);
	} else if (s[0] == 'E') {
		if (memcmp(s, "ERROR ", 6) == 0)
			return pytest_id(s + 6, n - 6, id, idn);
		if (n >= 7 && memcmp(s, "ERROR: ", 7) == 0)
			return unittest_id(s + 7, n - 7, scratch, id, idn);
	}
	return LOGSCAN_NONE;
}

/* pytest --color=yes: "\x1b[31mFAILED\x1b[0m t.py::x - ..." is the same
 * line once its SGR sequences (ESC [ digits and ; m) are taken out. */
static enum logscan_kind after_colours(const unsigned char *s, size_t n, char *scratch,
    const char **id, size_t *idn)
{
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '[') {
			size_t j = i + 2;

			while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';'))
				j++;
			if (j < n && s[j] == 'm') {
				i = j + 1;
				continue;
			}
		}
		scratch[o++] = (char)s[i++];
	}
	return after_stamp((const unsigned char *)scratch, o, scratch, id, idn);
}

static inline enum logscan_kind recognise(const char *line, size_t n, char *scratch,
    const char **id, size_t *idn)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t w;

	if (n >= 21 && s[10] == 'T' && (w = stamp_end(s, n)) != 0) {
		if (w < n && s[w] == 0x1b) {
			if (stamp_shape(s, w))
				return after_colours(s + w, n - w, scratch, id, idn);
		} else if (w < n && (s[w] == 'F' || s[w] == 'E')) {
			if (stamp_shape(s, w))
				return after_stamp(s + w, n - w, scratch, id, idn);
		} else if (IS_DIGIT(s[0])) {
			return LOGSCAN_NONE;   /* the usual log line */
		}
	}
	if (n > 0 && s[0] == 0x1b)
		return after_colours(s, n, scratch, id, idn);
	if (n == 0 || (s[0] != 'F' && s[0] != 'E'))
		return LOGSCAN_NONE;
	return after_stamp(s, n, scratch, id, idn);
}

enum logscan_kind logscan_line(const char *line, size_t n, char *scratch,
    const char **id, size_t *idn)
{
	return recognise(line, n, scratch, id, idn);
}

void logscan_init(struct logscan *ls, logscan_fn fn, void *arg)
{
	ls->fn = fn;
	ls->arg = arg;
	ls->len = 0;
	ls->skipping = 0;
	ls->lines = ls->found = ls->long_lines = 0;
}

static inline void one_line(struct logscan *ls, const char *p, size_t n)
{
	const char *id;
	size_t idn;
	enum logscan_kind k;

	ls->lines++;
	if (n > LOGSCAN_MAX_LINE) {
		ls->long_lines++;
		return;
	}
	k = recognise(p, n, ls->norm, &id, &idn);
	if (k != LOGSCAN_NONE) {
		ls->found++;
		if (ls->fn)
			ls->fn(ls->arg, k, id, idn);
	}
}

/* The end of a line begun in an earlier chunk; p..n is its rest. */
static void end_held_line(struct logscan *ls, const char *p, size_t n)
{
	if (ls->skipping || n > LOGSCAN_MAX_LINE - ls->len) {
		ls->lines++;
		ls->long_lines++;
	} else {
		if (n)
			memcpy(ls->line + ls->len, p, n);
		one_line(ls, ls->line, ls->len + n);
	}
	ls->len = 0;
	ls->skipping = 0;
}

void logscan_feed(struct logscan *ls, const char *p, size_t n)
{
	const char *nl;
	size_t k;

	if (n == 0)
		return;
	if (ls->len || ls->skipping) {
		nl = memchr(p, '\n', n);
		if (nl == NULL) {
			if (ls->skipping)
				return;
			if (n > LOGSCAN_MAX_LINE - ls->len) {
				ls->skipping = 1;
				ls->len = 0;
				return;
			}
			memcpy(ls->line + ls->len, p, n);
			ls->len += n;
			return;
		}
		k = (size_t)(nl - p);
		end_held_line(ls, p, k);
		p += k + 1;
		n -= k + 1;
	}
	while (n > 0 && (nl = memchr(p, '\n', n)) != NULL) {
		k = (size_t)(nl - p);
		one_line(ls, p, k);
		p += k + 1;
		n -= k + 1;
	}
	if (n > LOGSCAN_MAX_LINE) {
		ls->skipping = 1;
	} else if (n > 0) {
		memcpy(ls->line, p, n);
		ls->len = n;
	}
}

void logscan_finish(struct logscan *ls)
{
	if (ls->len || ls->skipping)
		end_held_line(ls, NULL, 0);
}
