/*
 * libFuzzer target for jsonscan:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. fuzz/fuzz_jsonscan.c jsonscan.c -o /tmp/fz
 *   /tmp/fz -max_total_time=180 fuzz/corpus/jsonscan
 *
 * Besides memory safety it checks, and aborts when one fails:
 *   - every token lies inside the buffer and says what is there (a STRING
 *     sits between quotes, a NUMBER is number bytes, brackets are brackets);
 *   - every STRING decodes to no more than its raw length, to valid UTF-8,
 *     and js_equals agrees with the decoded bytes;
 *   - with and without JS_MULTI the token streams agree until the single
 *     document ends, and errors are sticky;
 *   - the same input behind a few spaces gives the same tokens and errors,
 *     shifted, so the 8-byte string blocks are tried in every phase;
 *   - calling js_skip at random containers ends the same way as not;
 *   - a slow, obviously written reference validator accepts exactly the
 *     inputs the scanner accepts.
 */
#include "jsonscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

/* ---- the reference validator: recursive, byte at a time, no speed tricks ---- */

struct ref {
	const unsigned char *b;
	size_t len, pos;
};

static int ref_peek(const struct ref *r)
{
	return r->pos < r->len ? r->b[r->pos] : -1;
}

static void ref_ws(struct ref *r)
{
	int c;

	while ((c = ref_peek(r)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		r->pos++;
}

/* Decodes one UTF-8 sequence starting at p (n bytes available); returns its
 * length, or 0 when it is not well formed. */
static size_t ref_utf8(const unsigned char *p, size_t n)
{
	unsigned long cp, min;
	size_t need, k;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xE0) == 0xC0) {
		need = 2; cp = p[0] & 0x1Fu; min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		need = 3; cp = p[0] & 0x0Fu; min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		need = 4; cp = p[0] & 0x07u; min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (k = 1; k < need; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[k] & 0x3Fu);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

static int ref_hex4(struct ref *r, unsigned *v)
{
	int k, c;

	*v = 0;
	for (k = 0; k < 4; k++) {
		c = ref_peek(r);
		if (c >= '0' && c <= '9')
			*v = *v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v * 16 + (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v = *v * 16 + (unsigned)(c - 'A' + 10);
		else
			return 0;
		r->pos++;
	}
	return 1;
}

static int ref_string(struct ref *r)
{
	int c;
	unsigned u, lo;
	size_t n;

	r->pos++;
	for (;;) {
		c = ref_peek(r);
		if (c < 0)
			return 0;
		if (c == '"') {
			r->pos++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			r->pos++;
			c = ref_peek(r);
			r->pos++;
			if (c == 'u') {
				if (!ref_hex4(r, &u))
					return 0;
				if (u >= 0xDC00 && u <= 0xDFFF)
					return 0;
				if (u >= 0xD800 && u <= 0xDBFF) {
					if (ref_peek(r) != '\\')
						return 0;
					r->pos++;
					if (ref_peek(r) != 'u')
						return 0;
					r->pos++;
					if (!ref_hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
						return 0;
				}
			} else if (!c || !strchr("\"\\/bfnrt", c)) {
				return 0;
			}
			continue;
		}
		n = ref_utf8(r->b + r->pos, r->len - r->pos);
		if (n == 0)
			return 0;
		r->pos += n;
	}
}

/* The bytes that may not touch the end of a number or literal. */
static int ref_word(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || c == '+' || c == '-' || c == '.' || c == '_';
}

static int ref_digits(struct ref *r)
{
	size_t start = r->pos;
	int c;

	while ((c = ref_peek(r)) >= '0' && c <= '9')
		r->pos++;
	return r->pos > start;
}

static int ref_number(struct ref *r)
{
	int c;

	if (ref_peek(r) == '-')
		r->pos++;
	if (ref_peek(r) == '0')
		r->pos++;
	else if (!ref_digits(r))
		return 0;
	if (ref_peek(r) == '.') {
		r->pos++;
		if (!ref_digits(r))
			return 0;
	}
	c = ref_peek(r);
	if (c == 'e' || c == 'E') {
		r->pos++;
		c = ref_peek(r);
		if (c == '+' || c == '-')
			r->pos++;
		if (!ref_digits(r))
			return 0;
	}
	return !ref_word(ref_peek(r));
}

static int ref_literal(struct ref *r, const char *w)
{
	size_t n = strlen(w);

	if (r->len - r->pos < n || memcmp(r->b + r->pos, w, n) != 0)
		return 0;
	r->pos += n;
	return !ref_word(ref_peek(r));
}

static int ref_value(struct ref *r, int depth)
{
	int c = ref_peek(r), close;

	switch (c) {
	case '"':
		return ref_string(r);
	case 't':
		return ref_literal(r, "true");
	case 'f':
		return ref_literal(r, "false");
	case 'n':
		return ref_literal(r, "null");
	case '{':
	case '[':
		if (depth >= JS_MAX_DEPTH)
			return 0;
		close = c == '{' ? '}' : ']';
		r->pos++;
		ref_ws(r);
		if (ref_peek(r) == close) {
			r->pos++;
			return 1;
		}
		for (;;) {
			if (c == '{') {
				if (ref_peek(r) != '"' || !ref_string(r))
					return 0;
				ref_ws(r);
				if (ref_peek(r) != ':')
					return 0;
				r->pos++;
				ref_ws(r);
			}
			if (!ref_value(r, depth + 1))
				return 0;
			ref_ws(r);
			if (ref_peek(r) == close) {
				r->pos++;
				return 1;
			}
			if (ref_peek(r) != ',')
				return 0;
			r->pos++;
			ref_ws(r);
		}
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return ref_number(r);
		return 0;
	}
}

static int ref_accepts(const unsigned char *b, size_t len, int multi)
{
	struct ref r = { b, len, 0 };
	int docs = 0;

	for (;;) {
		ref_ws(&r);
		if (r.pos == len)
			return docs > 0;
		if (docs > 0 && !multi)
			return 0;
		if (!ref_value(&r, 0))
			return 0;
		docs++;
	}
}

/* ---- per-token invariants ---- */

static int is_number_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static void check_string(const struct js_token *t)
{
	char *out = malloc(t->len ? t->len : 1);
	char *z;
	size_t n, i, k;

	REQUIRE(out != NULL);
	n = js_decode(t, out);
	REQUIRE(n <= t->len);
	if (!t->escaped)
		REQUIRE(n == t->len && memcmp(out, t->p, n) == 0);
	for (i = 0; i < n; i += k) {
		k = ref_utf8((const unsigned char *)out + i, n - i);
		REQUIRE(k > 0);
	}
	if (memchr(out, '\0', n) == NULL) {
		z = malloc(n + 2);
		REQUIRE(z != NULL);
		memcpy(z, out, n);
		z[n] = '\0';
		REQUIRE(js_equals(t, z) == 1);
		z[n] = 'x';
		z[n + 1] = '\0';
		REQUIRE(js_equals(t, z) == 0);
		if (n > 0) {
			z[n - 1] = '\0';
			REQUIRE(js_equals(t, z) == 0);
		}
		free(z);
	}
	free(out);
}

static void check_token(const struct js_scanner *s, const struct js_token *t)
{
	const char *buf = s->buf;
	size_t size = s->len, i;

	REQUIRE(t->offset < size);
	REQUIRE(t->depth >= 0 && t->depth <= JS_MAX_DEPTH);
	REQUIRE(s->depth >= 0 && s->depth <= JS_MAX_DEPTH);
	REQUIRE(!t->is_key || t->type == JS_STRING);
	switch (t->type) {
	case JS_STRING:
		REQUIRE(buf[t->offset] == '"' && t->p == buf + t->offset + 1);
		REQUIRE(t->len < size - t->offset - 1 && t->p[t->len] == '"');
		check_string(t);
		break;
	case JS_NUMBER:
		REQUIRE(t->p == buf + t->offset && t->len > 0 && t->len <= size - t->offset);
		for (i = 0; i < t->len; i++)
			REQUIRE(is_number_byte((unsigned char)t->p[i]));
		break;
	case JS_TRUE:
		REQUIRE(t->len == 4 && t->len <= size - t->offset && memcmp(t->p, "true", 4) == 0);
		break;
	case JS_FALSE:
		REQUIRE(t->len == 5 && t->len <= size - t->offset && memcmp(t->p, "false", 5) == 0);
		break;
	case JS_NULL:
		REQUIRE(t->len == 4 && t->len <= size - t->offset && memcmp(t->p, "null", 4) == 0);
		break;
	case JS_OBJECT:
		REQUIRE(buf[t->offset] == '{' && s->depth == t->depth + 1);
		break;
	case JS_ARRAY:
		REQUIRE(buf[t->offset] == '[' && s->depth == t->depth + 1);
		break;
	case JS_OBJECT_END:
		REQUIRE(buf[t->offset] == '}' && s->depth == t->depth);
		break;
	case JS_ARRAY_END:
		REQUIRE(buf[t->offset] == ']' && s->depth == t->depth);
		break;
	default:
		abort();
	}
}

static int same_token(const struct js_token *a, const struct js_token *b, size_t shift)
{
	return a->type == b->type && a->offset + shift == b->offset && a->len == b->len
	    && a->depth == b->depth && a->is_key == b->is_key && a->escaped == b->escaped;
}

/* How a whole scan ended, for comparing scans. */
struct outcome {
	enum js_type last;
	enum js_error err;
	size_t err_offset;
	int docs;
};

static void finish(const struct js_scanner *s, enum js_type r, struct outcome *o)
{
	struct js_token t;
	struct js_scanner copy = *s;

	o->last = r;
	o->err = s->err;
	o->err_offset = s->err_offset;
	o->docs = s->docs;
	if (r == JS_ERROR) {
		REQUIRE(s->err != JS_OK && s->err_offset <= s->len);
		REQUIRE(js_next(&copy, &t) == JS_ERROR && copy.err == s->err);
		REQUIRE(copy.err_offset == s->err_offset);
	} else {
		REQUIRE(r == JS_EOF && s->err == JS_OK && s->docs >= 1);
		REQUIRE(js_next(&copy, &t) == JS_EOF);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct js_scanner one, multi, shifted, skipper;
	struct js_token a, b, c, d;
	struct outcome o_one, o_multi, o_skip;
	enum js_type ra = JS_EOF, rb, rc, rd;
	size_t shift = size ? 1 + data[0] % 7 : 3, last = 0;
	char *sbuf = malloc(size + shift);
	int one_done = 0, first = 1;
	unsigned picks = size ? data[size - 1] : 0;

	REQUIRE(sbuf != NULL);
	memset(sbuf, ' ', shift);
	if (size)
		memcpy(sbuf + shift, data, size);

	js_init(&one, buf, size, 0);
	js_init(&multi, buf, size, JS_MULTI);
	js_init(&shifted, sbuf, size + shift, JS_MULTI);
	for (;;) {
		rb = js_next(&multi, &b);
		rc = js_next(&shifted, &c);
		REQUIRE(rb == rc);
		if (rb == JS_ERROR) {
			REQUIRE(multi.err == shifted.err);
			REQUIRE(multi.err_offset + shift == shifted.err_offset);
		} else if (rb != JS_EOF) {
			REQUIRE(same_token(&b, &c, shift));
			check_token(&multi, &b);
			REQUIRE(first || b.offset > last);
			first = 0;
			last = b.offset;
		}
		if (!one_done) {
			ra = js_next(&one, &a);
			if (ra == JS_ERROR && one.err == JS_E_TRAILING) {
				/* Past one document: multi mode reads on. */
				REQUIRE(one.docs == 1 && multi.docs >= 1);
				REQUIRE(rb == JS_ERROR || b.offset == one.err_offset);
				finish(&one, ra, &o_one);
				one_done = 1;
			} else {
				REQUIRE(ra == rb);
				if (ra == JS_ERROR) {
					REQUIRE(one.err == multi.err && one.err_offset == multi.err_offset);
				} else if (ra != JS_EOF) {
					REQUIRE(same_token(&a, &b, 0));
					check_token(&one, &a);
				}
				if (ra <= JS_EOF) {
					finish(&one, ra, &o_one);
					one_done = 1;
				}
			}
		}
		if (rb <= JS_EOF)
			break;
	}
	finish(&multi, rb, &o_multi);
	REQUIRE(one_done);

	/* Skipping must not change where or how the scan ends. */
	js_init(&skipper, buf, size, JS_MULTI);
	while ((rd = js_next(&skipper, &d)) > JS_EOF) {
		if ((d.type == JS_OBJECT || d.type == JS_ARRAY) && (picks & 1)) {
			if (js_skip(&skipper, &d) != 0) {
				rd = JS_ERROR;
				REQUIRE(skipper.err != JS_OK);
				break;
			}
			REQUIRE(skipper.depth == d.depth);
		}
		picks = picks >> 1 | (picks & 1) << 7;
	}
	finish(&skipper, rd, &o_skip);
	REQUIRE(o_skip.last == o_multi.last && o_skip.err == o_multi.err);
	REQUIRE(o_skip.err_offset == o_multi.err_offset && o_skip.docs == o_multi.docs);

	REQUIRE(ref_accepts(data, size, 0) == (o_one.last == JS_EOF));
	REQUIRE(ref_accepts(data, size, 1) == (o_multi.last == JS_EOF));

	free(sbuf);
	return 0;
}
