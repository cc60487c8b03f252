/*
 * Unit tests for jsonscan.  Most cases go through trace(), which renders the
 * whole token stream of a document as a short string, so one line shows the
 * input and everything the scanner made of it:
 *
 *   {0 k1(a) [1 n2(1) s2(x) t2 f2 z2 ]1 }0 $
 *
 * `{ } [ ]` structure, k key, s string, n number, t/f/z true/false/null, each
 * followed by its depth and, for k/s/n, the raw text; `$` is JS_EOF and
 * `!name@offset` is JS_ERROR with its code and offset.  Every document is
 * copied into a malloc'd buffer of exactly its length, so that under ASan any
 * read past the end is caught.
 */
#include "jsonscan.h"
#include "test/unit.h"

#include <stdlib.h>

static const char *const err_names[] = {
	"ok", "empty", "truncated", "unexpected", "trailing", "ctrl", "escape",
	"surrogate", "utf8", "number", "literal", "depth"
};

static char trace_buf[8192];

static void append(size_t *n, const char *fmt_text, size_t len)
{
	if (*n + len + 1 < sizeof trace_buf) {
		memcpy(trace_buf + *n, fmt_text, len);
		*n += len;
		trace_buf[*n] = '\0';
	}
}

static void appends(size_t *n, const char *text)
{
	append(n, text, strlen(text));
}

/* A copy of exactly len bytes: no NUL after it for the scanner to lean on. */
static char *exact(const char *doc, size_t len)
{
	char *b = malloc(len ? len : 1);

	if (b && len)
		memcpy(b, doc, len);
	return b;
}

static const char *trace_n(const char *doc, size_t len, unsigned flags)
{
	struct js_scanner s;
	struct js_token t;
	char *b = exact(doc, len);
	size_t n = 0;
	char tmp[64];
	int i;

	trace_buf[0] = '\0';
	js_init(&s, b, len, flags);
	for (i = 0; i < 1000; i++) {
		enum js_type r = js_next(&s, &t);
		const char *kind = "?";

		if (n)
			appends(&n, " ");
		if (r == JS_EOF) {
			appends(&n, "$");
			if (js_next(&s, &t) != JS_EOF)
				appends(&n, " EOF-NOT-STICKY");
			break;
		}
		if (r == JS_ERROR) {
			snprintf(tmp, sizeof tmp, "!%s@%zu", err_names[s.err], s.err_offset);
			appends(&n, tmp);
			if (t.offset != s.err_offset)
				appends(&n, " BAD-TOKEN-OFFSET");
			if (js_next(&s, &t) != JS_ERROR || s.err_offset != t.offset)
				appends(&n, " ERROR-NOT-STICKY");
			break;
		}
		switch (r) {
		case JS_OBJECT: kind = "{"; break;
		case JS_OBJECT_END: kind = "}"; break;
		case JS_ARRAY: kind = "["; break;
		case JS_ARRAY_END: kind = "]"; break;
		case JS_STRING: kind = t.is_key ? "k" : "s"; break;
		case JS_NUMBER: kind = "n"; break;
		case JS_TRUE: kind = "t"; break;
		case JS_FALSE: kind = "f"; break;
		case JS_NULL: kind = "z"; break;
		default: break;
		}
		snprintf(tmp, sizeof tmp, "%s%d", kind, t.depth);
		appends(&n, tmp);
		if (r == JS_STRING || r == JS_NUMBER) {
			appends(&n, "(");
			append(&n, t.p, t.len);
			appends(&n, ")");
		}
		if (r != JS_STRING && t.is_key)
			appends(&n, " KEY-ON-NON-STRING");
	}
	free(b);
	return trace_buf;
}

static const char *tr(const char *doc)
{
	return trace_n(doc, strlen(doc), 0);
}

static const char *trm(const char *doc)
{
	return trace_n(doc, strlen(doc), JS_MULTI);
}

/* The error trace a document gives, for one-line error checks. */
static const char *err_of(const char *doc, size_t len, unsigned flags)
{
	const char *t = trace_n(doc, len, flags);
	const char *bang = strrchr(t, '!');

	return bang ? bang : t;
}

static const char *errs(const char *doc)
{
	return err_of(doc, strlen(doc), 0);
}

/* Decodes the first token of doc, a string, into out; returns its length. */
static size_t decode_first(const char *doc, char *out, size_t cap, int *ok)
{
	struct js_scanner s;
	struct js_token t;
	size_t n = 0, len = strlen(doc);
	char *b = exact(doc, len);

	*ok = 0;
	js_init(&s, b, len, 0);
	if (js_next(&s, &t) == JS_STRING && t.len <= cap) {
		n = js_decode(&t, out);
		*ok = n <= t.len;
	}
	free(b);
	return n;
}

static int equals_first(const char *doc, const char *want)
{
	struct js_scanner s;
	struct js_token t;
	size_t len = strlen(doc);
	char *b = exact(doc, len);
	int r = -1;

	js_init(&s, b, len, 0);
	if (js_next(&s, &t) == JS_STRING)
		r = js_equals(&t, want);
	free(b);
	return r;
}

/* ---- valid documents ---- */

static void test_scalars_at_top_level(void)
{
	CHECK_STR(tr("1"), "n0(1) $");
	CHECK_STR(tr("\"x\""), "s0(x) $");
	CHECK_STR(tr("true"), "t0 $");
	CHECK_STR(tr("false"), "f0 $");
	CHECK_STR(tr("null"), "z0 $");
	CHECK_STR(tr("\"\""), "s0() $");
	CHECK_STR(tr(" \t\r\n-0.5e+10 \n"), "n0(-0.5e+10) $");
}

static void test_empty_containers(void)
{
	CHECK_STR(tr("{}"), "{0 }0 $");
	CHECK_STR(tr("[]"), "[0 ]0 $");
	CHECK_STR(tr("[[]]"), "[0 [1 ]1 ]0 $");
	CHECK_STR(tr("{\"a\":{}}"), "{0 k1(a) {1 }1 }0 $");
	CHECK_STR(tr(" [ ] "), "[0 ]0 $");
}

static void test_every_token_type_and_depth(void)
{
	CHECK_STR(tr("{\"a\":[1,\"x\",true,false,null],\"b\":{\"c\":-2.5}}"),
	    "{0 k1(a) [1 n2(1) s2(x) t2 f2 z2 ]1 k1(b) {1 k2(c) n2(-2.5) }1 }0 $");
	CHECK_STR(tr("[[[\"deep\"]]]"), "[0 [1 [2 s3(deep) ]2 ]1 ]0 $");
}

static void test_pretty_printed_entry(void)
{
	CHECK_STR(tr("{\n  \"test_foo (__main__.TestFoo)\": [\n    \"192919\",\n"
	    "    \"https://github.com/pytorch/pytorch/issues/192919\",\n    [\n      \"rocm\"\n    ]\n  ]\n}\n"),
	    "{0 k1(test_foo (__main__.TestFoo)) [1 s2(192919) "
	    "s2(https://github.com/pytorch/pytorch/issues/192919) [2 s3(rocm) ]2 ]1 }0 $");
}

static void test_token_fields(void)
{
	static const char doc[] = "{\"k\" : [12, \"v\\n\"]}";
	struct js_scanner s;
	struct js_token t;

	js_init(&s, doc, sizeof doc - 1, 0);
	CHECK(js_next(&s, &t) == JS_OBJECT && t.offset == 0 && t.p == doc && t.depth == 0);
	CHECK(js_next(&s, &t) == JS_STRING && t.is_key && !t.escaped);
	CHECK(t.offset == 1 && t.p == doc + 2 && t.len == 1 && t.depth == 1);
	CHECK(js_next(&s, &t) == JS_ARRAY && t.offset == 7 && t.depth == 1 && !t.is_key);
	CHECK(js_next(&s, &t) == JS_NUMBER && t.offset == 8 && t.p == doc + 8 && t.len == 2);
	CHECK(t.depth == 2);
	CHECK(js_next(&s, &t) == JS_STRING && !t.is_key && t.escaped);
	CHECK(t.offset == 12 && t.p == doc + 13 && t.len == 3 && t.depth == 2);
	CHECK(js_next(&s, &t) == JS_ARRAY_END && t.offset == 17 && t.depth == 1);
	CHECK(js_next(&s, &t) == JS_OBJECT_END && t.offset == 18 && t.depth == 0);
	CHECK(s.docs == 1);
	CHECK(js_next(&s, &t) == JS_EOF && s.err == JS_OK);
}

static void test_keys_are_marked(void)
{
	CHECK_STR(tr("{\"a\":\"b\",\"c\":{\"d\":[\"e\"]}}"),
	    "{0 k1(a) s1(b) k1(c) {1 k2(d) [2 s3(e) ]2 }1 }0 $");
	CHECK_STR(tr("[\"a\",{\"b\":\"c\"}]"), "[0 s1(a) {1 k2(b) s2(c) }1 ]0 $");
}

static void test_numbers_valid(void)
{
	static const char *const ok[] = {
		"0", "-0", "1", "-1", "10", "1.5", "0.5", "-0.0", "1e5", "1E5", "1e+5",
		"1e-5", "1.5e10", "-0.0e-0", "123456789012345678901234567890", "9.99E+999"
	};
	size_t i;
	char want[64];

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		snprintf(want, sizeof want, "n0(%s) $", ok[i]);
		CHECK_STR(tr(ok[i]), want);
	}
	CHECK_STR(tr("[0,-1,2.5]"), "[0 n1(0) n1(-1) n1(2.5) ]0 $");
	CHECK_STR(tr("{\"a\":0}"), "{0 k1(a) n1(0) }0 $");
}

static void test_whitespace_kinds(void)
{
	CHECK_STR(tr("\t[\r\n1 ]\n"), "[0 n1(1) ]0 $");
	CHECK_STR(errs("[\v1]"), "!unexpected@1");
	CHECK_STR(errs("[\f1]"), "!unexpected@1");
	CHECK_STR(errs("\xc2\xa0" "1"), "!unexpected@0");
}

/* ---- escapes and decoding ---- */

static void test_every_simple_escape(void)
{
	static const char want[] = { '"', '\\', '/', '\b', '\f', '\n', '\r', '\t' };
	char out[64];
	int ok;
	size_t n = decode_first("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", out, sizeof out, &ok);
	size_t i;

	CHECK(ok);
	CHECK(n == sizeof want);
	for (i = 0; i < sizeof want && i < n; i++)
		CHECK(out[i] == want[i]);
}

static void test_escape_between_text(void)
{
	char out[64];
	int ok;
	size_t n = decode_first("\"ab\\ncd\\\\ef\\u0067\"", out, sizeof out, &ok);

	CHECK(ok);
	CHECK(n == 9 && memcmp(out, "ab\ncd\\efg", 9) == 0);
}

static void check_unicode(const char *doc, const char *want, size_t want_len)
{
	char out[64];
	int ok;
	size_t n = decode_first(doc, out, sizeof out, &ok), i;

	CHECK(ok);
	CHECK(n == want_len);
	for (i = 0; i < want_len && i < n; i++)
		CHECK((unsigned char)out[i] == (unsigned char)want[i]);
}

static void test_unicode_escapes(void)
{
	check_unicode("\"\\u0041\"", "A", 1);
	check_unicode("\"\\u0000\"", "\0", 1);
	check_unicode("\"\\u007f\"", "\x7f", 1);
	check_unicode("\"\\u0080\"", "\xc2\x80", 2);
	check_unicode("\"\\u00e9\"", "\xc3\xa9", 2);
	check_unicode("\"\\u07FF\"", "\xdf\xbf", 2);
	check_unicode("\"\\u0800\"", "\xe0\xa0\x80", 3);
	check_unicode("\"\\u20AC\"", "\xe2\x82\xac", 3);
	check_unicode("\"\\uFFFF\"", "\xef\xbf\xbf", 3);
}

static void test_surrogate_pairs_decode_to_four_bytes(void)
{
	check_unicode("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4);
	check_unicode("\"\\ud800\\udc00\"", "\xf0\x90\x80\x80", 4);
	check_unicode("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4);
	check_unicode("\"x\\uD83D\\uDE00y\"", "x\xf0\x9f\x98\x80y", 6);
}

static void test_decode_without_escapes_copies(void)
{
	char out[64];
	int ok;
	size_t n = decode_first("\"plain \xc3\xa9 text\"", out, sizeof out, &ok);

	CHECK(ok);
	CHECK(n == 13 && memcmp(out, "plain \xc3\xa9 text", 13) == 0);
}

static void test_decoded_never_longer(void)
{
	static const char *const docs[] = {
		"\"\\n\"", "\"\\u0041\"", "\"\\u07ff\"", "\"\\uffff\"", "\"\\ud83d\\ude00\"",
		"\"\\u0000\\u0000\"", "\"a\\tb\\u00e9c\"", "\"\""
	};
	size_t i;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		char out[64];
		int ok;

		decode_first(docs[i], out, sizeof out, &ok);
		CHECK(ok);
	}
}

static void test_bad_escapes(void)
{
	CHECK_STR(errs("\"\\x\""), "!escape@2");
	CHECK_STR(errs("\"\\U0041\""), "!escape@2");
	CHECK_STR(errs("\"\\'\""), "!escape@2");
	CHECK_STR(errs("\"\\u12G4\""), "!escape@5");
	CHECK_STR(errs("\"\\u12\""), "!escape@5");
	CHECK_STR(errs("\"ab\\ u\""), "!escape@4");
	CHECK_STR(errs("\"\\"), "!truncated@2");
	CHECK_STR(errs("\"\\u00"), "!truncated@5");
}

static void test_unpaired_surrogates(void)
{
	CHECK_STR(errs("\"\\uDC00\""), "!surrogate@1");
	CHECK_STR(errs("\"\\uDFFF\""), "!surrogate@1");
	CHECK_STR(errs("\"\\uD800\""), "!surrogate@1");
	CHECK_STR(errs("\"\\uD800x\""), "!surrogate@1");
	CHECK_STR(errs("\"\\uD800\\n\""), "!surrogate@1");
	CHECK_STR(errs("\"\\uD800\\uD800\""), "!surrogate@1");
	CHECK_STR(errs("\"\\uD800\\u0041\""), "!surrogate@1");
	CHECK_STR(errs("\"ab\\uDBFF\\uE000\""), "!surrogate@3");
	CHECK_STR(errs("\"\\uD800\\uDC00\\uDC00\""), "!surrogate@13");
	CHECK_STR(errs("\"\\uD800\\uDC0G\""), "!escape@12");
	CHECK_STR(errs("\"\\uD800"), "!truncated@7");
	CHECK_STR(errs("\"\\uD800\\"), "!truncated@8");
	CHECK_STR(errs("\"\\uD800\\u"), "!truncated@9");
	CHECK_STR(errs("\"\\uD800\\uDC"), "!truncated@11");
}

/* ---- strings: control characters and UTF-8 ---- */

static void test_raw_control_characters(void)
{
	CHECK_STR(errs("\"a\tb\""), "!ctrl@2");
	CHECK_STR(errs("\"a\nb\""), "!ctrl@2");
	CHECK_STR(err_of("\"\0\"", 3, 0), "!ctrl@1");
	CHECK_STR(errs("\"\x1f\""), "!ctrl@1");
	CHECK_STR(tr("\"\x7f \"") , "s0(\x7f ) $");
}

static void test_utf8_valid(void)
{
	CHECK_STR(tr("\"\xc2\x80\""), "s0(\xc2\x80) $");
	CHECK_STR(tr("\"\xc3\xa9t\xc3\xa9\""), "s0(\xc3\xa9t\xc3\xa9) $");
	CHECK_STR(tr("\"\xe0\xa0\x80\""), "s0(\xe0\xa0\x80) $");
	CHECK_STR(tr("\"\xe2\x82\xac\""), "s0(\xe2\x82\xac) $");
	CHECK_STR(tr("\"\xed\x9f\xbf\""), "s0(\xed\x9f\xbf) $");
	CHECK_STR(tr("\"\xee\x80\x80\""), "s0(\xee\x80\x80) $");
	CHECK_STR(tr("\"\xef\xbf\xbf\""), "s0(\xef\xbf\xbf) $");
	CHECK_STR(tr("\"\xf0\x90\x80\x80\""), "s0(\xf0\x90\x80\x80) $");
	CHECK_STR(tr("\"\xf0\x9f\x98\x80\""), "s0(\xf0\x9f\x98\x80) $");
	CHECK_STR(tr("\"\xf4\x8f\xbf\xbf\""), "s0(\xf4\x8f\xbf\xbf) $");
	CHECK_STR(tr("{\"cl\xc3\xa9\":\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e and more ascii text\"}"),
	    "{0 k1(cl\xc3\xa9) s1(\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e and more ascii text) }0 $");
}

static void test_utf8_overlong(void)
{
	CHECK_STR(errs("\"\xc0\x80\""), "!utf8@1");
	CHECK_STR(errs("\"\xc1\xbf\""), "!utf8@1");
	CHECK_STR(errs("\"\xe0\x80\x80\""), "!utf8@1");
	CHECK_STR(errs("\"\xe0\x9f\xbf\""), "!utf8@1");
	CHECK_STR(errs("\"\xf0\x80\x80\x80\""), "!utf8@1");
	CHECK_STR(errs("\"\xf0\x8f\xbf\xbf\""), "!utf8@1");
}

static void test_utf8_surrogates_and_too_large(void)
{
	CHECK_STR(errs("\"\xed\xa0\x80\""), "!utf8@1");
	CHECK_STR(errs("\"ab\xed\xbf\xbf\""), "!utf8@3");
	CHECK_STR(errs("\"\xf4\x90\x80\x80\""), "!utf8@1");
	CHECK_STR(errs("\"\xf5\x80\x80\x80\""), "!utf8@1");
	CHECK_STR(errs("\"\xf8\x88\x80\x80\x80\""), "!utf8@1");
	CHECK_STR(errs("\"\xff\""), "!utf8@1");
	CHECK_STR(errs("\"\xfe\""), "!utf8@1");
}

static void test_utf8_stray_and_truncated(void)
{
	CHECK_STR(errs("\"\x80\""), "!utf8@1");
	CHECK_STR(errs("\"a\xbf\""), "!utf8@2");
	CHECK_STR(errs("\"\xc3\xa9\xa9\""), "!utf8@3");
	CHECK_STR(errs("\"\xc3\""), "!utf8@1");
	CHECK_STR(errs("\"\xc3" "A\""), "!utf8@1");
	CHECK_STR(errs("\"\xe2\x82\""), "!utf8@1");
	CHECK_STR(errs("\"\xf0\x9f\x98\""), "!utf8@1");
	CHECK_STR(errs("\"\xf0\x9f\x98" "A\""), "!utf8@1");
	/* Input that stops inside a well-begun sequence was cut, not corrupted. */
	CHECK_STR(errs("\"\xc3"), "!truncated@2");
	CHECK_STR(errs("\"\xf0\x9f\x98"), "!truncated@4");
}

static void test_non_ascii_outside_strings(void)
{
	CHECK_STR(errs("\xc3\xa9"), "!unexpected@0");
	CHECK_STR(errs("\xef\xbb\xbf{}"), "!unexpected@0");
	CHECK_STR(errs("[1,\xc3\xa9]"), "!unexpected@3");
}

/*
 * Strings of every length around the 8-byte blocks, with the interesting byte
 * in every lane, so both the block path and the byte-at-a-time tail are hit.
 */
static void test_string_lengths_and_lanes(void)
{
	char doc[64], want[96];
	size_t n, k;

	for (n = 0; n < 40; n++) {
		memset(doc, 'a', sizeof doc);
		doc[0] = '"';
		doc[n + 1] = '"';
		snprintf(want, sizeof want, "s0(%.*s) $", (int)n, doc + 1);
		CHECK_STR(trace_n(doc, n + 2, 0), want);
		snprintf(want, sizeof want, "!truncated@%zu", n + 1);
		CHECK_STR(err_of(doc, n + 1, 0), want);
		for (k = 0; k < n; k++) {
			memset(doc, 'a', sizeof doc);
			doc[0] = '"';
			doc[n + 1] = '"';
			doc[1 + k] = '\x01';
			snprintf(want, sizeof want, "!ctrl@%zu", k + 1);
			CHECK_STR(err_of(doc, n + 2, 0), want);
			doc[1 + k] = '\x80';
			snprintf(want, sizeof want, "!utf8@%zu", k + 1);
			CHECK_STR(err_of(doc, n + 2, 0), want);
			doc[1 + k] = '"';
			snprintf(want, sizeof want, "!trailing@%zu", k + 2);
			CHECK_STR(err_of(doc, n + 2, 0), want);
			doc[1 + k] = '\\';
			/* Last lane: the backslash escapes the closing quote. */
			if (k + 1 < n)
				snprintf(want, sizeof want, "!escape@%zu", k + 2);
			else
				snprintf(want, sizeof want, "!truncated@%zu", n + 2);
			CHECK_STR(err_of(doc, n + 2, 0), want);
		}
	}
}

static void test_every_ascii_byte_in_a_long_string(void)
{
	char doc[32];
	char want[64];
	unsigned c;

	for (c = 0; c < 0x80; c++) {
		memset(doc, 'x', sizeof doc);
		doc[0] = '"';
		doc[12] = (char)c;
		doc[20] = '"';
		if (c == '"') {
			CHECK_STR(err_of(doc, 21, 0), "!trailing@13");
		} else if (c == '\\') {
			CHECK_STR(err_of(doc, 21, 0), "!escape@13");
		} else if (c < 0x20) {
			CHECK_STR(err_of(doc, 21, 0), "!ctrl@12");
		} else {
			snprintf(want, sizeof want, "s0(%.19s) $", doc + 1);
			CHECK_STR(trace_n(doc, 21, 0), want);
		}
	}
}

/* ---- numbers and literals ---- */

static void test_numbers_malformed(void)
{
	CHECK_STR(errs("01"), "!number@1");
	CHECK_STR(errs("-01"), "!number@2");
	CHECK_STR(errs("00"), "!number@1");
	CHECK_STR(errs("-"), "!number@1");
	CHECK_STR(errs("-a"), "!number@1");
	CHECK_STR(errs("- 1"), "!number@1");
	CHECK_STR(errs("1."), "!number@2");
	CHECK_STR(errs("1.e5"), "!number@2");
	CHECK_STR(errs(".5"), "!number@0");
	CHECK_STR(errs("+1"), "!number@0");
	CHECK_STR(errs("1e"), "!number@2");
	CHECK_STR(errs("1e+"), "!number@3");
	CHECK_STR(errs("1E-x"), "!number@3");
	CHECK_STR(errs("1.5.2"), "!number@3");
	CHECK_STR(errs("1x"), "!number@1");
	CHECK_STR(errs("0x10"), "!number@1");
	CHECK_STR(errs("1-2"), "!number@1");
	CHECK_STR(errs("[1.]"), "!number@3");
	CHECK_STR(errs("{\"a\":-}"), "!number@6");
	CHECK_STR(err_of("01", 2, JS_MULTI), "!number@1");
}

static void test_literals_malformed(void)
{
	CHECK_STR(errs("tru"), "!literal@3");
	CHECK_STR(errs("trux"), "!literal@3");
	CHECK_STR(errs("truex"), "!literal@4");
	CHECK_STR(errs("true1"), "!literal@4");
	CHECK_STR(errs("nul"), "!literal@3");
	CHECK_STR(errs("nulll"), "!literal@4");
	CHECK_STR(errs("fals"), "!literal@4");
	CHECK_STR(errs("falsy"), "!literal@4");
	CHECK_STR(errs("[t]"), "!literal@2");
	CHECK_STR(errs("True"), "!unexpected@0");
	CHECK_STR(errs("NaN"), "!unexpected@0");
	CHECK_STR(err_of("truefalse", 9, JS_MULTI), "!literal@4");
	CHECK_STR(tr("[true,false,null]"), "[0 t1 f1 z1 ]0 $");
}

/* ---- structure ---- */

static void test_missing_and_trailing_commas(void)
{
	CHECK_STR(errs("[1,]"), "!unexpected@3");
	CHECK_STR(errs("{\"a\":1,}"), "!unexpected@7");
	CHECK_STR(errs("[1 2]"), "!unexpected@3");
	CHECK_STR(errs("{\"a\":1 \"b\":2}"), "!unexpected@7");
	CHECK_STR(errs("[,1]"), "!unexpected@1");
	CHECK_STR(errs("[1,,2]"), "!unexpected@3");
	CHECK_STR(errs("{,}"), "!unexpected@1");
	CHECK_STR(errs("[\"a\" \"b\"]"), "!unexpected@5");
}

static void test_key_colon_value_order(void)
{
	CHECK_STR(errs("{\"a\" 1}"), "!unexpected@5");
	CHECK_STR(errs("{\"a\"}"), "!unexpected@4");
	CHECK_STR(errs("{\"a\":}"), "!unexpected@5");
	CHECK_STR(errs("{\"a\"::1}"), "!unexpected@5");
	CHECK_STR(errs("{1:2}"), "!unexpected@1");
	CHECK_STR(errs("{a:1}"), "!unexpected@1");
	CHECK_STR(errs("{\"a\":1,2}"), "!unexpected@7");
	CHECK_STR(errs("[\"a\":1]"), "!unexpected@4");
	CHECK_STR(errs("{:1}"), "!unexpected@1");
}

static void test_mismatched_closers(void)
{
	CHECK_STR(errs("]"), "!unexpected@0");
	CHECK_STR(errs("}"), "!unexpected@0");
	CHECK_STR(errs("[}"), "!unexpected@1");
	CHECK_STR(errs("{]"), "!unexpected@1");
	CHECK_STR(errs("[1}"), "!unexpected@2");
	CHECK_STR(errs("{\"a\":1]"), "!unexpected@6");
	CHECK_STR(errs("{\"a\":[}]"), "!unexpected@6");
	CHECK_STR(errs(":"), "!unexpected@0");
	CHECK_STR(errs(","), "!unexpected@0");
}

static void test_truncated_documents(void)
{
	CHECK_STR(errs("{"), "!truncated@1");
	CHECK_STR(errs("["), "!truncated@1");
	CHECK_STR(errs("[ \n"), "!truncated@3");
	CHECK_STR(errs("{\"a\""), "!truncated@4");
	CHECK_STR(errs("{\"a\":"), "!truncated@5");
	CHECK_STR(errs("{\"a\": "), "!truncated@6");
	CHECK_STR(errs("{\"a\":1"), "!truncated@6");
	CHECK_STR(errs("{\"a\":1,"), "!truncated@7");
	CHECK_STR(errs("[1,"), "!truncated@3");
	CHECK_STR(errs("[[[]]"), "!truncated@5");
	CHECK_STR(errs("\"abc"), "!truncated@4");
	CHECK_STR(errs("{\"ab"), "!truncated@4");
}

static void test_empty_input(void)
{
	struct js_scanner s;
	struct js_token t;

	CHECK_STR(errs(""), "!empty@0");
	CHECK_STR(errs(" \t\r\n"), "!empty@4");
	CHECK_STR(err_of("", 0, JS_MULTI), "!empty@0");
	CHECK_STR(err_of("  ", 2, JS_MULTI), "!empty@2");
	js_init(&s, NULL, 0, 0);
	CHECK(js_next(&s, &t) == JS_ERROR && s.err == JS_E_EMPTY && s.err_offset == 0);
}

static void test_trailing_garbage(void)
{
	CHECK_STR(tr("{} \n"), "{0 }0 $");
	CHECK_STR(tr("{} {}"), "{0 }0 !trailing@3");
	CHECK_STR(tr("{}{}"), "{0 }0 !trailing@2");
	CHECK_STR(tr("1 2"), "n0(1) !trailing@2");
	CHECK_STR(tr("{}x"), "{0 }0 !trailing@2");
	CHECK_STR(tr("[]]"), "[0 ]0 !trailing@2");
	CHECK_STR(tr("\"a\"\"b\""), "s0(a) !trailing@3");
	CHECK_STR(tr("\"a\":1"), "s0(a) !trailing@3");
}

/* ---- concatenated documents (JS_MULTI) ---- */

static void test_multi_objects(void)
{
	CHECK_STR(trm("{\"a\":1}{\"b\":2}"), "{0 k1(a) n1(1) }0 {0 k1(b) n1(2) }0 $");
	CHECK_STR(trm("{} {}"), "{0 }0 {0 }0 $");
	CHECK_STR(trm("{}\n{}\n"), "{0 }0 {0 }0 $");
	CHECK_STR(trm("{}"), "{0 }0 $");
}

static void test_multi_arrays(void)
{
	CHECK_STR(trm("[1][2]"), "[0 n1(1) ]0 [0 n1(2) ]0 $");
	CHECK_STR(trm("[1] [2]\n[]"), "[0 n1(1) ]0 [0 n1(2) ]0 [0 ]0 $");
	CHECK_STR(trm("{}[]"), "{0 }0 [0 ]0 $");
}

static void test_multi_scalars(void)
{
	CHECK_STR(trm("1 2"), "n0(1) n0(2) $");
	CHECK_STR(trm("12"), "n0(12) $");
	CHECK_STR(trm("\"a\"\"b\""), "s0(a) s0(b) $");
	CHECK_STR(trm("true null"), "t0 z0 $");
	CHECK_STR(trm("1[2]"), "n0(1) [0 n1(2) ]0 $");
	CHECK_STR(trm("\"a\":1"), "s0(a) !unexpected@3");
}

static void test_multi_counts_documents(void)
{
	static const char doc[] = "{}[1] \"x\" 3";
	struct js_scanner s;
	struct js_token t;
	int n = 0;

	js_init(&s, doc, sizeof doc - 1, JS_MULTI);
	while (js_next(&s, &t) > JS_EOF)
		n++;
	CHECK(n == 7);
	CHECK(s.docs == 4 && s.err == JS_OK);
	CHECK(js_next(&s, &t) == JS_EOF && js_next(&s, &t) == JS_EOF);
}

static void test_multi_truncated_second_document(void)
{
	CHECK_STR(trm("{}{"), "{0 }0 {0 !truncated@3");
	CHECK_STR(trm("{\"a\":1}{\"a\":"), "{0 k1(a) n1(1) }0 {0 k1(a) !truncated@12");
	CHECK_STR(trm("[1][2"), "[0 n1(1) ]0 [0 n1(2) !truncated@5");
	CHECK_STR(trm("[1] \"ab"), "[0 n1(1) ]0 !truncated@7");
	CHECK_STR(trm("{}]"), "{0 }0 !unexpected@2");
	CHECK_STR(trm("{},{}"), "{0 }0 !unexpected@2");
}

/* ---- nesting depth ---- */

static char *brackets(size_t open, size_t close)
{
	char *b = malloc(open + close + 1);

	if (b) {
		memset(b, '[', open);
		memset(b + open, ']', close);
		b[open + close] = '\0';
	}
	return b;
}

static void test_depth_at_limit(void)
{
	char *doc = brackets(JS_MAX_DEPTH, JS_MAX_DEPTH);
	struct js_scanner s;
	struct js_token t;
	int maxd = -1, n = 0;
	enum js_type r;

	CHECK(doc != NULL);
	if (!doc)
		return;
	js_init(&s, doc, 2 * JS_MAX_DEPTH, 0);
	while ((r = js_next(&s, &t)) > JS_EOF) {
		n++;
		if (t.depth > maxd)
			maxd = t.depth;
	}
	CHECK(r == JS_EOF);
	CHECK(n == 2 * JS_MAX_DEPTH);
	CHECK(maxd == JS_MAX_DEPTH - 1);
	free(doc);
}

static void test_depth_over_limit(void)
{
	char *doc = brackets(JS_MAX_DEPTH + 1, JS_MAX_DEPTH + 1);
	char want[32];

	CHECK(doc != NULL);
	if (!doc)
		return;
	snprintf(want, sizeof want, "!depth@%d", JS_MAX_DEPTH);
	CHECK_STR(err_of(doc, strlen(doc), 0), want);
	free(doc);
}

static void test_depth_objects(void)
{
	char doc[8 * (JS_MAX_DEPTH + 2)];
	size_t n = 0;
	int i;
	char want[32];

	for (i = 0; i < JS_MAX_DEPTH; i++)
		n += (size_t)sprintf(doc + n, "{\"a\":");
	doc[n++] = '1';
	for (i = 0; i < JS_MAX_DEPTH; i++)
		doc[n++] = '}';
	CHECK(strstr(trace_n(doc, n, 0), "!") == NULL);
	n = 0;
	for (i = 0; i <= JS_MAX_DEPTH; i++)
		n += (size_t)sprintf(doc + n, "{\"a\":");
	snprintf(want, sizeof want, "!depth@%d", 5 * JS_MAX_DEPTH);
	CHECK_STR(err_of(doc, n, 0), want);
}

static void test_hundred_thousand_brackets(void)
{
	size_t n = 100000;
	char *doc = brackets(n, 0);
	struct js_scanner s;
	struct js_token t;
	enum js_type r;
	int first = 1;

	CHECK(doc != NULL);
	if (!doc)
		return;
	js_init(&s, doc, n, 0);
	r = js_next(&s, &t);
	CHECK(r == JS_ARRAY);
	CHECK(js_skip(&s, &t) == -1);
	CHECK(s.err == JS_E_DEPTH && s.err_offset == JS_MAX_DEPTH);
	while ((r = js_next(&s, &t)) > JS_EOF)
		first = 0;
	CHECK(first && r == JS_ERROR);
	free(doc);
}

/* ---- errors are sticky ---- */

static void test_errors_are_sticky(void)
{
	static const char doc[] = "[1,]  [2]";
	struct js_scanner s;
	struct js_token t;
	int i;

	js_init(&s, doc, sizeof doc - 1, JS_MULTI);
	CHECK(js_next(&s, &t) == JS_ARRAY);
	CHECK(js_next(&s, &t) == JS_NUMBER);
	CHECK(js_next(&s, &t) == JS_ERROR);
	for (i = 0; i < 5; i++) {
		CHECK(js_next(&s, &t) == JS_ERROR);
		CHECK(s.err == JS_E_UNEXPECTED && s.err_offset == 3 && t.offset == 3);
	}
	CHECK(js_skip(&s, &t) == -1);
}

/* ---- js_skip ---- */

static void test_skip_object_value(void)
{
	static const char doc[] =
	    "{\"skip\":{\"a\":[1,{\"b\":[]}],\"c\":\"d\"},\"keep\":5}";
	struct js_scanner s;
	struct js_token t;

	js_init(&s, doc, sizeof doc - 1, 0);
	CHECK(js_next(&s, &t) == JS_OBJECT);
	CHECK(js_next(&s, &t) == JS_STRING && js_equals(&t, "skip"));
	CHECK(js_next(&s, &t) == JS_OBJECT);
	CHECK(js_skip(&s, &t) == 0);
	CHECK(js_next(&s, &t) == JS_STRING && t.is_key && js_equals(&t, "keep"));
	CHECK(js_next(&s, &t) == JS_NUMBER && t.len == 1 && t.p[0] == '5');
	CHECK(js_next(&s, &t) == JS_OBJECT_END && t.depth == 0);
	CHECK(js_next(&s, &t) == JS_EOF);
}

static void test_skip_array_and_scalar(void)
{
	static const char doc[] = "[[1,[2,[3]],{}],\"x\",[]]";
	struct js_scanner s;
	struct js_token t;

	js_init(&s, doc, sizeof doc - 1, 0);
	CHECK(js_next(&s, &t) == JS_ARRAY);
	CHECK(js_next(&s, &t) == JS_ARRAY && t.depth == 1);
	CHECK(js_skip(&s, &t) == 0);
	CHECK(js_next(&s, &t) == JS_STRING);
	CHECK(js_skip(&s, &t) == 0);
	CHECK(js_next(&s, &t) == JS_ARRAY);
	CHECK(js_skip(&s, &t) == 0);
	CHECK(js_next(&s, &t) == JS_ARRAY_END && t.depth == 0);
	CHECK(js_next(&s, &t) == JS_EOF);
}

static void test_skip_rest_after_partial_read(void)
{
	static const char doc[] = "{\"a\":[1,2,{\"x\":[]}],\"b\":true}";
	struct js_scanner s;
	struct js_token t, arr;

	js_init(&s, doc, sizeof doc - 1, 0);
	CHECK(js_next(&s, &t) == JS_OBJECT);
	CHECK(js_next(&s, &t) == JS_STRING);
	CHECK(js_next(&s, &arr) == JS_ARRAY);
	CHECK(js_next(&s, &t) == JS_NUMBER);
	CHECK(js_next(&s, &t) == JS_NUMBER);
	CHECK(js_next(&s, &t) == JS_OBJECT);
	CHECK(js_skip(&s, &arr) == 0);
	CHECK(js_next(&s, &t) == JS_STRING && js_equals(&t, "b"));
	CHECK(js_next(&s, &t) == JS_TRUE);
}

static void test_skip_whole_documents(void)
{
	static const char doc[] = "{\"a\":[{}]}[1,2]{\"z\":0}";
	struct js_scanner s;
	struct js_token t;
	int docs = 0;

	js_init(&s, doc, sizeof doc - 1, JS_MULTI);
	while (js_next(&s, &t) > JS_EOF) {
		CHECK(t.depth == 0);
		CHECK(js_skip(&s, &t) == 0);
		docs++;
	}
	CHECK(docs == 3 && s.docs == 3 && s.err == JS_OK);
}

static void test_skip_reports_errors(void)
{
	static const char doc[] = "{\"a\":[1,{\"b\":01}],\"c\":2}";
	struct js_scanner s;
	struct js_token t;

	js_init(&s, doc, sizeof doc - 1, 0);
	CHECK(js_next(&s, &t) == JS_OBJECT);
	CHECK(js_next(&s, &t) == JS_STRING);
	CHECK(js_next(&s, &t) == JS_ARRAY);
	CHECK(js_skip(&s, &t) == -1);
	CHECK(s.err == JS_E_NUMBER && s.err_offset == 14);

	js_init(&s, "[[1,2", 5, 0);
	CHECK(js_next(&s, &t) == JS_ARRAY);
	CHECK(js_skip(&s, &t) == -1 && s.err == JS_E_TRUNCATED && s.err_offset == 5);
}

/* ---- js_equals ---- */

static void test_equals_plain(void)
{
	CHECK(equals_first("\"abc\"", "abc") == 1);
	CHECK(equals_first("\"abc\"", "ab") == 0);
	CHECK(equals_first("\"abc\"", "abcd") == 0);
	CHECK(equals_first("\"abc\"", "") == 0);
	CHECK(equals_first("\"\"", "") == 1);
	CHECK(equals_first("\"\"", "a") == 0);
	CHECK(equals_first("\"caf\xc3\xa9\"", "caf\xc3\xa9") == 1);
}

static void test_equals_escaped(void)
{
	CHECK(equals_first("\"a\\nb\"", "a\nb") == 1);
	CHECK(equals_first("\"a\\nb\"", "a\\nb") == 0);
	CHECK(equals_first("\"a\\/b\"", "a/b") == 1);
	CHECK(equals_first("\"\\\"q\\\"\"", "\"q\"") == 1);
	CHECK(equals_first("\"\\u00e9t\\u00e9\"", "\xc3\xa9t\xc3\xa9") == 1);
	CHECK(equals_first("\"\\u00e9t\\u00e9\"", "\xc3\xa9t\xc3") == 0);
	CHECK(equals_first("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80") == 1);
	CHECK(equals_first("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98") == 0);
	CHECK(equals_first("\"x\\u0000\"", "x") == 0);
	CHECK(equals_first("\"\\u0041BC\"", "ABC") == 1);
	CHECK(equals_first("\"\\u0041BC\"", "ABCD") == 0);
}

/* ---- buffers without a terminating NUL ---- */

static void test_buffer_not_nul_terminated(void)
{
	CHECK_STR(trace_n("123", 3, 0), "n0(123) $");
	CHECK_STR(trace_n("-", 1, 0), "!number@1");
	CHECK_STR(trace_n("1e5", 3, 0), "n0(1e5) $");
	CHECK_STR(trace_n("true", 4, 0), "t0 $");
	CHECK_STR(trace_n("nul", 3, 0), "!literal@3");
	CHECK_STR(trace_n("\"abcdefghijklmnopq\"", 19, 0), "s0(abcdefghijklmnopq) $");
	CHECK_STR(trace_n("\"abcdefghijklmnopq", 18, 0), "!truncated@18");
	CHECK_STR(trace_n("\"\\u00", 5, 0), "!truncated@5");
	CHECK_STR(trace_n("{\"a\":[1,2]}", 11, JS_MULTI), "{0 k1(a) [1 n2(1) n2(2) ]1 }0 $");
}

static void test_len_is_authoritative(void)
{
	/* Bytes past len are not part of the input, whatever they hold. */
	CHECK_STR(trace_n("[1]garbage", 3, 0), "[0 n1(1) ]0 $");
	CHECK_STR(trace_n("12345", 2, 0), "n0(12) $");
	CHECK_STR(trace_n("\"ab\"", 3, 0), "!truncated@3");
	CHECK_STR(trace_n("truex", 4, 0), "t0 $");
}

/* ---- js_strerror ---- */

static void test_strerror(void)
{
	int e, f;

	CHECK_STR(js_strerror(JS_E_TRUNCATED), "input ends inside a document");
	for (e = JS_OK; e <= JS_E_DEPTH; e++) {
		const char *m = js_strerror((enum js_error)e);

		CHECK(m != NULL && m[0] != '\0');
		for (f = JS_OK; f < e; f++)
			CHECK(strcmp(m, js_strerror((enum js_error)f)) != 0);
	}
	CHECK(js_strerror((enum js_error)99) != NULL);
}

int main(void)
{
	RUN(test_scalars_at_top_level);
	RUN(test_empty_containers);
	RUN(test_every_token_type_and_depth);
	RUN(test_pretty_printed_entry);
	RUN(test_token_fields);
	RUN(test_keys_are_marked);
	RUN(test_numbers_valid);
	RUN(test_whitespace_kinds);
	RUN(test_every_simple_escape);
	RUN(test_escape_between_text);
	RUN(test_unicode_escapes);
	RUN(test_surrogate_pairs_decode_to_four_bytes);
	RUN(test_decode_without_escapes_copies);
	RUN(test_decoded_never_longer);
	RUN(test_bad_escapes);
	RUN(test_unpaired_surrogates);
	RUN(test_raw_control_characters);
	RUN(test_utf8_valid);
	RUN(test_utf8_overlong);
	RUN(test_utf8_surrogates_and_too_large);
	RUN(test_utf8_stray_and_truncated);
	RUN(test_non_ascii_outside_strings);
	RUN(test_string_lengths_and_lanes);
	RUN(test_every_ascii_byte_in_a_long_string);
	RUN(test_numbers_malformed);
	RUN(test_literals_malformed);
	RUN(test_missing_and_trailing_commas);
	RUN(test_key_colon_value_order);
	RUN(test_mismatched_closers);
	RUN(test_truncated_documents);
	RUN(test_empty_input);
	RUN(test_trailing_garbage);
	RUN(test_multi_objects);
	RUN(test_multi_arrays);
	RUN(test_multi_scalars);
	RUN(test_multi_counts_documents);
	RUN(test_multi_truncated_second_document);
	RUN(test_depth_at_limit);
	RUN(test_depth_over_limit);
	RUN(test_depth_objects);
	RUN(test_hundred_thousand_brackets);
	RUN(test_errors_are_sticky);
	RUN(test_skip_object_value);
	RUN(test_skip_array_and_scalar);
	RUN(test_skip_rest_after_partial_read);
	RUN(test_skip_whole_documents);
	RUN(test_skip_reports_errors);
	RUN(test_equals_plain);
	RUN(test_equals_escaped);
	RUN(test_buffer_not_nul_terminated);
	RUN(test_len_is_authoritative);
	RUN(test_strerror);
	return 0;
}
