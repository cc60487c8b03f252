/*
 * jsonscan: a strict, zero-copy, pull-style JSON scanner (see jsonscan.h).
 *
 * One js_next() call consumes whatever separator the state expects (',' or
 * ':') together with the token after it, so a caller pays one call per
 * token.  The state says what may come next and the stack says which closer
 * fits, so the whole grammar is the switch in js_next().
 *
 * Where err_offset points, so that callers and tests can rely on it:
 *   - input ends too early (JS_E_TRUNCATED, JS_E_EMPTY): at the end, len;
 *   - a malformed number, literal or escape: the first byte that cannot
 *     belong to it (len if the input ends where a byte was required);
 *   - an unpaired surrogate: the backslash of the unpaired \u escape;
 *   - invalid UTF-8: the first byte of the bad sequence;
 *   - anything else: the offending byte itself.
 */
#include "jsonscan.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum state {
	ST_START,       /* nothing read yet: a document must follow */
	ST_BETWEEN,     /* after a whole document: the end, or another (JS_MULTI) */
	ST_OBJ_FIRST,   /* after '{': a key or '}' */
	ST_OBJ_NEXT,    /* after a member's value: ',' or '}' */
	ST_COLON,       /* after a key: ':' and a value */
	ST_ARR_FIRST,   /* after '[': a value or ']' */
	ST_ARR_NEXT,    /* after an element: ',' or ']' */
	ST_ERROR
};

#define C_WS   1   /* JSON white space */
#define C_STR  2   /* ends the fast path in a string: '"', '\\', controls, non-ASCII */
#define C_WORD 4   /* may not touch the end of a number or literal */

#define W  C_WS
#define S  C_STR
#define D  C_WORD
#define X4(a)  a, a, a, a
#define X16(a) X4(a), X4(a), X4(a), X4(a)

/*
 * C_WORD exists so that "01", "1.5.2", "truex" or "1true" are errors
 * instead of silently becoming two documents under JS_MULTI.
 */
static const unsigned char cls[256] = {
	/* 0x00 */ S, S, S, S, S, S, S, S, S, S | W, S | W, S, S, S | W, S, S,
	/* 0x10 */ X16(S),
	/* 0x20 */ W, 0, S, 0, 0, 0, 0, 0, 0, 0, 0, D, 0, D, D, 0,
	/* 0x30 */ D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0, 0,
	/* 0x40 */ 0, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D,
	/* 0x50 */ D, D, D, D, D, D, D, D, D, D, D, 0, S, 0, 0, D,
	/* 0x60 */ 0, D, D, D, D, D, D, D, D, D, D, D, D, D, D, D,
	/* 0x70 */ D, D, D, D, D, D, D, D, D, D, D, 0, 0, 0, 0, 0,
	/* 0x80 */ X16(S), X16(S), X16(S), X16(S),
	/* 0xc0 */ X16(S), X16(S), X16(S), X16(S),
};

#undef W
#undef S
#undef D
#undef X4
#undef X16

#if defined(__GNUC__)
#define COLD __attribute__((cold, noinline))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define COLD
#define LIKELY(x) (x)
#endif

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
 * A high bit in each byte lane of v that is '"', '\\', below 0x20 or at or
 * above 0x80.  The zero-byte trick can flag a lane above a real hit (a
 * borrow runs upward), never one below, so the lowest flagged lane and the
 * "any" answer are both exact.
 */
static inline uint64_t string_specials(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"');
	uint64_t bs = v ^ (ONES * '\\');
	uint64_t m = ((q - ONES) & ~q)
	    | ((bs - ONES) & ~bs)
	    | ((v - ONES * 0x20) & ~v)
	    | v;
	return m & HIGHS;
}

/* Index of the first special byte in an 8-byte block known to hold one. */
static inline size_t first_special(uint64_t m, const unsigned char *p)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	(void)p;
	return (size_t)__builtin_ctzll(m) >> 3;
#else
	/* The lane order of m depends on endianness; the table does not. */
	size_t n = 0;

	(void)m;
	while (!(cls[p[n]] & C_STR))
		n++;
	return n;
#endif
}

/*
 * Pretty-printed documents put a newline and a run of indenting spaces
 * before most tokens: that run is measured eight bytes at a time.  Anything
 * else goes byte by byte; no white space at all returns at once.
 */
static inline size_t skip_ws(const unsigned char *b, size_t pos, size_t len)
{
	if (pos < len && b[pos] > ' ')
		return pos;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (len - pos >= 9 && b[pos] == '\n') {
		uint64_t v;

		memcpy(&v, b + pos + 1, 8);
		v ^= ONES * ' ';
		if (v) {
			pos += 1 + ((size_t)__builtin_ctzll(v) >> 3);
			if (b[pos] > ' ')
				return pos;
		}
	}
#endif
	while (pos < len && (cls[b[pos]] & C_WS))
		pos++;
	return pos;
}

static inline int is_digit(unsigned c)
{
	return c - '0' < 10u;
}

static int hexval(unsigned c)
{
	if (c - '0' < 10u)
		return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6u)
		return (int)(c - 'a' + 10);
	return -1;
}

static void fill(struct js_token *t, enum js_type type, const char *p, size_t len,
    int depth, size_t offset)
{
	t->type = type;
	t->p = p;
	t->len = len;
	t->escaped = 0;
	t->is_key = 0;
	t->depth = depth;
	t->offset = offset;
}

/* Errors are sticky: the state is parked in ST_ERROR for good. */
static COLD enum js_type fail(struct js_scanner *s, struct js_token *t,
    enum js_error e, size_t off)
{
	s->state = ST_ERROR;
	s->err = e;
	s->err_offset = off;
	fill(t, JS_ERROR, NULL, 0, s->depth, off);
	return JS_ERROR;
}

/* A value just ended: decide what may follow it. */
static inline void after_value(struct js_scanner *s)
{
	if (s->depth == 0) {
		s->state = ST_BETWEEN;
		s->docs++;
	} else {
		s->state = s->stack[s->depth - 1] ? ST_OBJ_NEXT : ST_ARR_NEXT;
	}
}

static enum js_error read_hex4(const unsigned char *b, size_t len, size_t at,
    unsigned *out, size_t *where)
{
	unsigned v = 0;
	int k, h;

	for (k = 0; k < 4; k++) {
		if (at + (size_t)k >= len) {
			*where = len;
			return JS_E_TRUNCATED;
		}
		h = hexval(b[at + (size_t)k]);
		if (h < 0) {
			*where = at + (size_t)k;
			return JS_E_ESCAPE;
		}
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return JS_OK;
}

/* b[*ip] is a backslash inside a string; on success *ip moves past the escape. */
static enum js_error check_escape(const unsigned char *b, size_t len, size_t *ip,
    size_t *where)
{
	size_t i = *ip;
	unsigned hi, lo;
	enum js_error e;

	if (len - i < 2) {
		*where = len;
		return JS_E_TRUNCATED;
	}
	switch (b[i + 1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		*ip = i + 2;
		return JS_OK;
	case 'u':
		break;
	default:
		*where = i + 1;
		return JS_E_ESCAPE;
	}
	if ((e = read_hex4(b, len, i + 2, &hi, where)) != JS_OK)
		return e;
	if (hi < 0xD800 || hi > 0xDFFF) {
		*ip = i + 6;
		return JS_OK;
	}
	/* Checked here, not in js_decode, so that decoding cannot fail. */
	*where = i;
	if (hi >= 0xDC00)
		return JS_E_SURROGATE;
	if (i + 6 >= len || (b[i + 6] == '\\' && i + 7 >= len)) {
		*where = len;
		return JS_E_TRUNCATED;
	}
	if (b[i + 6] != '\\' || b[i + 7] != 'u')
		return JS_E_SURROGATE;
	if ((e = read_hex4(b, len, i + 8, &lo, where)) != JS_OK)
		return e;
	if (lo < 0xDC00 || lo > 0xDFFF) {
		*where = i;
		return JS_E_SURROGATE;
	}
	*ip = i + 12;
	return JS_OK;
}

/*
 * b[*ip] >= 0x80 inside a string.  The ranges are those of Unicode's table
 * of well-formed byte sequences, which excludes overlongs, surrogates and
 * code points past U+10FFFF by narrowing the second byte.
 */
static enum js_error check_utf8(const unsigned char *b, size_t len, size_t *ip,
    size_t *where)
{
	size_t i = *ip, n, k;
	unsigned c = b[i], lo = 0x80, hi = 0xBF;

	*where = i;
	if (c < 0xC2)
		return JS_E_UTF8;
	if (c < 0xE0) {
		n = 2;
	} else if (c < 0xF0) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return JS_E_UTF8;
	}
	for (k = 1; k < n; k++) {
		if (i + k >= len) {
			/* Every byte so far fits: the input was cut, not corrupted. */
			*where = len;
			return JS_E_TRUNCATED;
		}
		c = b[i + k];
		if (c < lo || c > hi)
			return JS_E_UTF8;
		lo = 0x80;
		hi = 0xBF;
	}
	*ip = i + n;
	return JS_OK;
}

static enum js_type scan_string(struct js_scanner *s, struct js_token *t,
    size_t quote, int is_key)
{
	const unsigned char *b = (const unsigned char *)s->buf;
	size_t len = s->len, i = quote + 1, where = 0;
	int escaped = 0;
	enum js_error e;
	unsigned c;

	for (;;) {
		/* Most string bytes are plain ASCII: pass them 16 at a time
		 * where the machine has SSE2 (every x86-64), else 8. */
#if defined(__SSE2__)
		while (len - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
			/* Signed compare: below 0x20 and at or above 0x80 at once. */
			__m128i sp = _mm_or_si128(
			    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
			    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
			unsigned m16 = (unsigned)_mm_movemask_epi8(sp);

			if (m16) {
				i += (size_t)__builtin_ctz(m16);
				goto special;
			}
			i += 16;
		}
#endif
		for (;;) {
			uint64_t v, m;

			if (len - i < 8) {
				while (i < len && !(cls[b[i]] & C_STR))
					i++;
				break;
			}
			memcpy(&v, b + i, 8);
			m = string_specials(v);
			if (m) {
				i += first_special(m, b + i);
				break;
			}
			i += 8;
		}
#if defined(__SSE2__)
special:
#endif
		if (i >= len)
			return fail(s, t, JS_E_TRUNCATED, len);
		c = b[i];
		if (LIKELY(c == '"'))
			break;
		if (c == '\\') {
			if ((e = check_escape(b, len, &i, &where)) != JS_OK)
				return fail(s, t, e, where);
			escaped = 1;
		} else if (c < 0x20) {
			return fail(s, t, JS_E_STRING_CTRL, i);
		} else if ((e = check_utf8(b, len, &i, &where)) != JS_OK) {
			return fail(s, t, e, where);
		}
	}
	fill(t, JS_STRING, s->buf + quote + 1, i - quote - 1, s->depth, quote);
	t->escaped = escaped;
	t->is_key = is_key;
	s->pos = i + 1;
	if (is_key)
		s->state = ST_COLON;
	else
		after_value(s);
	return JS_STRING;
}

/* On success *ip moves past the number; otherwise *ip is where it went wrong. */
static int scan_number(const unsigned char *b, size_t len, size_t *ip)
{
	size_t i = *ip;

	if (b[i] == '-')
		i++;
	if (i < len && b[i] == '0') {
		i++;
	} else if (i < len && is_digit(b[i])) {
		while (i < len && is_digit(b[i]))
			i++;
	} else {
		goto bad;
	}
	if (i < len && b[i] == '.') {
		i++;
		if (i >= len || !is_digit(b[i]))
			goto bad;
		while (i < len && is_digit(b[i]))
			i++;
	}
	if (i < len && (b[i] | 0x20) == 'e') {
		i++;
		if (i < len && (b[i] == '+' || b[i] == '-'))
			i++;
		if (i >= len || !is_digit(b[i]))
			goto bad;
		while (i < len && is_digit(b[i]))
			i++;
	}
	if (i < len && (cls[b[i]] & C_WORD))
		goto bad;
	*ip = i;
	return 0;
bad:
	*ip = i;
	return -1;
}

/* Like scan_number, for "true", "false" and "null". */
static int scan_literal(const unsigned char *b, size_t len, size_t *ip,
    const char *word, size_t n)
{
	size_t i = *ip, k;

	for (k = 0; k < n; k++, i++) {
		if (i >= len || b[i] != (unsigned char)word[k])
			goto bad;
	}
	if (i < len && (cls[b[i]] & C_WORD))
		goto bad;
	*ip = i;
	return 0;
bad:
	*ip = i;
	return -1;
}

void js_init(struct js_scanner *s, const char *buf, size_t len, unsigned flags)
{
	s->buf = buf;
	s->len = buf ? len : 0;
	s->pos = 0;
	s->flags = flags;
	s->depth = 0;
	s->state = ST_START;
	s->docs = 0;
	s->err = JS_OK;
	s->err_offset = 0;
}

enum js_type js_next(struct js_scanner *s, struct js_token *t)
{
	const unsigned char *b = (const unsigned char *)s->buf;
	size_t len = s->len, pos, end;
	enum js_type type;
	unsigned c;

	if (s->state == ST_ERROR) {
		fill(t, JS_ERROR, NULL, 0, s->depth, s->err_offset);
		return JS_ERROR;
	}
	pos = skip_ws(b, s->pos, len);
	s->pos = pos;
	if (pos >= len) {
		if (s->state == ST_BETWEEN) {
			fill(t, JS_EOF, NULL, 0, 0, len);
			return JS_EOF;
		}
		return fail(s, t, s->state == ST_START ? JS_E_EMPTY : JS_E_TRUNCATED, len);
	}
	c = b[pos];

	switch (s->state) {
	case ST_START:
		goto value;
	case ST_BETWEEN:
		if (!(s->flags & JS_MULTI))
			return fail(s, t, JS_E_TRAILING, pos);
		goto value;
	case ST_OBJ_FIRST:
		if (c == '}')
			goto close;
		goto key;
	case ST_OBJ_NEXT:
		if (c == '}')
			goto close;
		if (c != ',')
			return fail(s, t, JS_E_UNEXPECTED, pos);
		break;
	case ST_COLON:
		if (c != ':')
			return fail(s, t, JS_E_UNEXPECTED, pos);
		break;
	case ST_ARR_FIRST:
		if (c == ']')
			goto close;
		goto value;
	case ST_ARR_NEXT:
		if (c == ']')
			goto close;
		if (c != ',')
			return fail(s, t, JS_E_UNEXPECTED, pos);
		break;
	default:
		return fail(s, t, JS_E_UNEXPECTED, pos);
	}

	/* A separator was consumed; what follows it depends on which one. */
	pos = skip_ws(b, pos + 1, len);
	if (pos >= len)
		return fail(s, t, JS_E_TRUNCATED, len);
	c = b[pos];
	if (s->state != ST_OBJ_NEXT)
		goto value;
key:
	if (c != '"')
		return fail(s, t, JS_E_UNEXPECTED, pos);
	return scan_string(s, t, pos, 1);

close:
	/* The state already matched the closer to the innermost container. */
	s->depth--;
	type = c == '}' ? JS_OBJECT_END : JS_ARRAY_END;
	fill(t, type, s->buf + pos, 1, s->depth, pos);
	s->pos = pos + 1;
	after_value(s);
	return type;

value:
	switch (c) {
	case '"':
		return scan_string(s, t, pos, 0);
	case '{':
	case '[':
		if (s->depth >= JS_MAX_DEPTH)
			return fail(s, t, JS_E_DEPTH, pos);
		type = c == '{' ? JS_OBJECT : JS_ARRAY;
		fill(t, type, s->buf + pos, 1, s->depth, pos);
		s->stack[s->depth++] = c == '{';
		s->state = c == '{' ? ST_OBJ_FIRST : ST_ARR_FIRST;
		s->pos = pos + 1;
		return type;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		end = pos;
		if (scan_number(b, len, &end) != 0)
			return fail(s, t, JS_E_NUMBER, end);
		type = JS_NUMBER;
		break;
	case '+':
	case '.':
		/* Not a value start in JSON, but clearly meant as a number. */
		return fail(s, t, JS_E_NUMBER, pos);
	case 't':
		end = pos;
		if (scan_literal(b, len, &end, "true", 4) != 0)
			return fail(s, t, JS_E_LITERAL, end);
		type = JS_TRUE;
		break;
	case 'f':
		end = pos;
		if (scan_literal(b, len, &end, "false", 5) != 0)
			return fail(s, t, JS_E_LITERAL, end);
		type = JS_FALSE;
		break;
	case 'n':
		end = pos;
		if (scan_literal(b, len, &end, "null", 4) != 0)
			return fail(s, t, JS_E_LITERAL, end);
		type = JS_NULL;
		break;
	default:
		return fail(s, t, JS_E_UNEXPECTED, pos);
	}
	fill(t, type, s->buf + pos, end - pos, s->depth, pos);
	s->pos = end;
	after_value(s);
	return type;
}

int js_skip(struct js_scanner *s, const struct js_token *t)
{
	struct js_token tok;

	if (s->err != JS_OK || t->type == JS_ERROR)
		return -1;
	if (t->type != JS_OBJECT && t->type != JS_ARRAY)
		return 0;
	/* Depth falls below the opener's inner level only at its own closer. */
	while (s->depth > t->depth) {
		if (js_next(s, &tok) == JS_ERROR)
			return -1;
	}
	return 0;
}

static size_t put_utf8(unsigned char *u, unsigned long cp)
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (unsigned char)(0xF0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	u[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

static int hex4(const unsigned char *p, size_t rem, unsigned *out)
{
	unsigned v = 0;
	size_t k;
	int h;

	if (rem < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		if ((h = hexval(p[k])) < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

/*
 * Decodes the escape at p[0] == '\\' (rem bytes available) into u, setting
 * *ulen; returns the raw bytes used.  js_next has validated the token, but a
 * hand-made token must still not lead to reads past it, so anything odd is
 * passed through a byte at a time.
 */
static size_t unescape(const unsigned char *p, size_t rem, unsigned char *u, size_t *ulen)
{
	unsigned hi, lo;

	*ulen = 1;
	if (rem < 2) {
		u[0] = p[0];
		return 1;
	}
	switch (p[1]) {
	case 'b': u[0] = '\b'; return 2;
	case 'f': u[0] = '\f'; return 2;
	case 'n': u[0] = '\n'; return 2;
	case 'r': u[0] = '\r'; return 2;
	case 't': u[0] = '\t'; return 2;
	case 'u':
		break;
	default:
		u[0] = p[1];
		return 2;
	}
	if (hex4(p + 2, rem - 2, &hi) != 0) {
		u[0] = p[0];
		return 1;
	}
	if (hi >= 0xD800 && hi <= 0xDBFF && rem >= 12 && p[6] == '\\' && p[7] == 'u'
	    && hex4(p + 8, rem - 8, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
		*ulen = put_utf8(u, 0x10000 + ((unsigned long)(hi - 0xD800) << 10) + (lo - 0xDC00));
		return 12;
	}
	*ulen = put_utf8(u, hi);
	return 6;
}

size_t js_decode(const struct js_token *t, char *out)
{
	const unsigned char *p = (const unsigned char *)t->p;
	unsigned char *o = (unsigned char *)out;
	size_t n = t->len, i = 0, w = 0, run, ulen;
	const unsigned char *bs;

	if (n == 0 || p == NULL)
		return 0;
	/* memmove: writes never overtake reads, so decoding in place is safe. */
	if (!t->escaped) {
		memmove(o, p, n);
		return n;
	}
	while (i < n) {
		bs = memchr(p + i, '\\', n - i);
		run = bs ? (size_t)(bs - p) - i : n - i;
		memmove(o + w, p + i, run);
		i += run;
		w += run;
		if (i < n) {
			unsigned char u[4];

			i += unescape(p + i, n - i, u, &ulen);
			memcpy(o + w, u, ulen);
			w += ulen;
		}
	}
	return w;
}

int js_equals(const struct js_token *t, const char *s)
{
	const unsigned char *p = (const unsigned char *)t->p;
	const unsigned char *q = (const unsigned char *)s;
	size_t n = t->len, i = 0, k, ulen;
	unsigned char u[4];

	if (p == NULL)
		return 0;
	/* Checking *q before comparing means q is never read past its NUL. */
	while (i < n) {
		if (p[i] != '\\' || !t->escaped) {
			if (*q == '\0' || *q != p[i])
				return 0;
			q++;
			i++;
			continue;
		}
		i += unescape(p + i, n - i, u, &ulen);
		for (k = 0; k < ulen; k++, q++) {
			if (*q == '\0' || *q != u[k])
				return 0;
		}
	}
	return *q == '\0';
}

const char *js_strerror(enum js_error e)
{
	switch (e) {
	case JS_OK: return "no error";
	case JS_E_EMPTY: return "no JSON document in the input";
	case JS_E_TRUNCATED: return "input ends inside a document";
	case JS_E_UNEXPECTED: return "unexpected character";
	case JS_E_TRAILING: return "unexpected data after the document";
	case JS_E_STRING_CTRL: return "raw control character in a string";
	case JS_E_ESCAPE: return "invalid escape sequence";
	case JS_E_SURROGATE: return "unpaired UTF-16 surrogate escape";
	case JS_E_UTF8: return "invalid UTF-8";
	case JS_E_NUMBER: return "malformed number";
	case JS_E_LITERAL: return "malformed literal";
	case JS_E_DEPTH: return "nesting too deep";
	}
	return "unknown error";
}

char *
js_error_text(const struct js_scanner *s, char *out, size_t cap)
{
	snprintf(out, cap, "invalid JSON at byte %zu: %s", s->err_offset, js_strerror(s->err));
	return out;
}
