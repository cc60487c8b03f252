/* Reading PyTorch's disabled-tests list into entries. */
#include <stdlib.h>
#include <string.h>

#include "disabled.h"
#include "unit.h"

static int
keep_all(void *arg, const struct entry_view *v, struct buf *plat)
{
	int *calls = arg;

	(*calls)++;
	for (size_t i = 0; i < v->nplatforms; i++) {
		if (i)
			buf_addc(plat, ',');
		buf_add(plat, v->platforms[i], v->platform_lens[i]);
	}
	return 1;
}

/* The warnings of the last parse(). */
static struct diags warned = { .keep_level = LOG_DEBUG };

static long
parse(const char *doc, struct entries *out, struct buf *why)
{
	int calls = 0;

	entries_free(out);
	diags_free(&warned);
	why->len = 0;
	return disabled_parse(doc, strlen(doc), "test", NULL, keep_all, &calls, out, why, &warned);
}

/* How many warnings, from the source "test", hold text. */
static size_t
warnings(const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < warned.n; i++)
		if (warned.v[i].level == LOG_WARN && strcmp(warned.v[i].source, "test") == 0 &&
		    strstr(warned.v[i].text, text) != NULL)
			n++;
	return n;
}

static void
real_shape(void)
{
	struct entries e = { 0 };
	struct buf why = { 0 };

	CHECK(parse("{\n  \"test_dynamic_toggle_cuda (__main__.TestProfilerDeviceCUDA)\": [\n"
	    "    \"192919\",\n    \"https://github.com/pytorch/pytorch/issues/192919\",\n"
	    "    [\n      \"rocm\"\n    ]\n  ],\n"
	    "  \"test_a (__main__.TestA)\": [\"1\", \"https://github.com/pytorch/pytorch/issues/1\", []]\n}\n",
	    &e, &why) == 2);
	CHECK(e.n == 2);
	if (e.n == 2) {
		CHECK_STR(e.v[0].key, "test_dynamic_toggle_cuda (__main__.TestProfilerDeviceCUDA)");
		CHECK_STR(e.v[0].issue, "192919");
		CHECK_STR(e.v[0].url, "https://github.com/pytorch/pytorch/issues/192919");
		CHECK_STR(e.v[0].platforms, "rocm");
		CHECK(e.v[0].k.cls_len == 22 && memcmp(e.v[0].k.cls, "TestProfilerDeviceCUDA", 22) == 0);
		CHECK_STR(e.v[1].platforms, "");
	}
	CHECK(warned.n == 0);
	entries_free(&e);
	buf_free(&why);
}

static void
escaped_key_is_decoded(void)
{
	struct entries e = { 0 };
	struct buf why = { 0 };

	CHECK(parse("{\"test_\\u0061 (__main__.Test\\u0041)\": [\"7\", \"https://x/7\", [\"li\\u006eux\"]]}", &e, &why) == 1);
	CHECK(e.n == 1);
	if (e.n == 1) {
		CHECK_STR(e.v[0].key, "test_a (__main__.TestA)");
		CHECK_STR(e.v[0].platforms, "linux");
	}
	entries_free(&e);
	buf_free(&why);
}

static void
malformed_entries_skipped(void)
{
	struct entries e = { 0 };
	struct buf why = { 0 };

	/* Each bad entry is skipped; the good one in the middle is kept. */
	CHECK(parse("{"
	    "\"test_a (__main__.A)\": \"not an array\","
	    "\"test_b (__main__.B)\": [\"12x\", \"https://x/1\", []],"
	    "\"test_c (__main__.C)\": [\"1\", \"ftp://x/1\", []],"
	    "\"test_d (__main__.D)\": [\"1\", \"https://x/1\", [1, 2]],"
	    "\"good (__main__.G)\": [\"5\", \"https://x/5\", [\"linux\"]],"
	    "\"test_e (__main__.E)\": [\"1\", \"https://x/1\", [], \"extra\", {\"x\": [1]}],"
	    "\"no suite\": [\"1\", \"https://x/1\", []],"
	    "\"test_f (__main__.F)\": [\"1\", \"https://x/1\"],"
	    "\"test_g (__main__.G)\": {\"a\": [\"1\"]},"
	    "\"test_h (__main__.H)\": [[\"1\"], \"https://x/1\", []]"
	    "}", &e, &why) == 10);
	CHECK(e.n == 1);
	if (e.n == 1)
		CHECK_STR(e.v[0].key, "good (__main__.G)");
	CHECK(why.len == 0);
	/* The first five are named with what is wrong, the rest counted. */
	CHECK(warned.n == 6 && diag_count(&warned, LOG_WARN) == 6);
	CHECK(warnings("skipped malformed entry") == 5);
	CHECK(warnings("\"test_a (__main__.A)\": value is not an array") == 1);
	CHECK(warnings("\"test_b (__main__.B)\": issue number is not decimal digits") == 1);
	CHECK(warnings("\"test_c (__main__.C)\": issue URL is not an http(s) URL") == 1);
	CHECK(warnings("\"test_d (__main__.D)\"") == 1);
	CHECK(warnings("\"test_e (__main__.E)\": value has more than three items") == 1);
	CHECK(warnings("no suite") == 0 && warnings("good") == 0);
	CHECK(warned.n == 6 && strstr(warned.v[5].text, "4 more malformed entries skipped") != NULL);
	entries_free(&e);
	buf_free(&why);
}

/* Malformed entries: five named, then one line for the rest; with no
 * stream the parse is the same and nothing is kept. */
static void
malformed_warnings_limited(void)
{
	struct entries e = { 0 };
	struct buf doc = { 0 }, why = { 0 };
	int calls = 0;

	for (int bad = 4; bad <= 7; bad++) {
		doc.len = 0;
		buf_adds(&doc, "{\"ok (m.A)\": [\"1\", \"https://x/1\", []]");
		for (int i = 0; i < bad; i++)
			buf_printf(&doc, ", \"t%d (m.A)\": [\"%d\", \"https://x/%d\"]", i, i, i);
		buf_adds(&doc, "}");
		CHECK(parse(buf_str(&doc), &e, &why) == bad + 1);
		CHECK(e.n == 1);
		CHECK(warned.n == (size_t)(bad <= 5 ? bad : 6));
		CHECK(warnings("skipped malformed entry \"t") == (size_t)(bad <= 5 ? bad : 5));
		CHECK(warnings("more malformed entries skipped") == (size_t)(bad > 5));
		if (bad == 7)
			CHECK(warnings("2 more malformed entries skipped") == 1);

		entries_free(&e);
		CHECK(disabled_parse(doc.p, doc.len, "t", NULL, keep_all, &calls, &e, &why, NULL) == bad + 1);
		CHECK(e.n == 1 && why.len == 0);
	}
	diags_free(&warned);
	entries_free(&e);
	buf_free(&doc);
	buf_free(&why);
}

static void
malformed_document_fails(void)
{
	struct entries e = { 0 };
	struct buf why = { 0 };

	CHECK(parse("[1, 2]", &e, &why) == -1);
	CHECK(parse("", &e, &why) == -1);
	CHECK(parse("{\"a (b.C)\": [\"1\", \"https://x\", []]", &e, &why) == -1);
	CHECK(strstr(buf_str(&why), "byte") != NULL);
	CHECK(parse("{\"a (b.C)\": [\"1\", \"https://x\", []]} x", &e, &why) == -1);
	CHECK(parse("{\"a (b.C)\": [\"1\", \"https://x\", [\"\x01\"]]}", &e, &why) == -1);
	CHECK(parse("{} {}", &e, &why) == -1);
	CHECK(e.n == 0);
	CHECK(parse("{}", &e, &why) == 0);
	CHECK(warned.n == 0);
	entries_free(&e);
	buf_free(&why);
}

static int
keep_none(void *arg, const struct entry_view *v, struct buf *plat)
{
	(void)v;
	(void)plat;
	(*(int *)arg)++;
	return 0;
}

static void
callback_decides(void)
{
	const char *doc = "{\"a (m.A)\": [\"1\", \"https://x\", []], \"b (m.B)\": [\"2\", \"https://x\", []]}";
	struct entries e = { 0 };
	struct buf why = { 0 };
	int calls = 0;

	CHECK(disabled_parse(doc, strlen(doc), "t", NULL, keep_none, &calls, &e, &why, NULL) == 2);
	CHECK(calls == 2 && e.n == 0);
	entries_free(&e);
	buf_free(&why);
}

/* Not wanted: checked as JSON and for shape only, never warned about for
 * its names, never shown to keep(). */
static int
want_a(void *arg, const struct testkey *k)
{
	(void)arg;
	return k->cls_len >= 1 && k->cls[0] == 'A';
}

static void
wanted_before_checked(void)
{
	const char *doc = "{"
	    "\"t (m.A)\": [\"1\", \"https://x/1\", []],"
	    "\"t (m.B$)\": [\"2\", \"https://x/2\", []],"
	    "\"t (m.A$)\": [\"3\", \"https://x/3\", []],"
	    "\"u (m.A)\": [\"4\", \"https://x/a b\", []],"
	    "\"no shape\": [\"5\", \"https://x/5\", []]"
	    "}";
	struct entries e = { 0 };
	struct buf why = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };
	int calls = 0;

	CHECK(disabled_parse(doc, strlen(doc), "t", want_a, keep_all, &calls, &e, &why, &d) == 5);
	/* "m.B$" is not wanted: no check of its names; "m.A$" and the URL
	 * with a space are wanted, checked, and skipped; keep() sees one. */
	CHECK(calls == 1 && e.n == 1);
	/* "no shape" fails the shape check, before wanted() is asked. */
	CHECK(d.n == 3 && diag_count(&d, LOG_WARN) == 3);
	if (d.n == 3) {
		CHECK(strstr(d.v[0].text, "\"t (m.A$)\"") != NULL);
		CHECK(strstr(d.v[1].text, "\"u (m.A)\": issue URL holds white space") != NULL);
		CHECK(strstr(d.v[2].text, "\"no shape\"") != NULL);
		CHECK_STR(d.v[0].source, "t");
	}
	for (size_t i = 0; i < d.n; i++)
		CHECK(strstr(d.v[i].text, "m.B$") == NULL);
	diags_free(&d);
	entries_free(&e);
	buf_free(&why);
}

static void
not_nul_terminated(void)
{
	const char doc[] = "{\"a (m.A)\": [\"1\", \"https://x\", [\"rocm\"]]}";
	char *p = malloc(sizeof doc - 1);
	struct entries e = { 0 };
	struct buf why = { 0 };
	int calls = 0;

	memcpy(p, doc, sizeof doc - 1);
	CHECK(disabled_parse(p, sizeof doc - 1, "t", NULL, keep_all, &calls, &e, &why, NULL) == 1);
	CHECK(e.n == 1);
	/* Every proper prefix, in a buffer of exactly its size, is an
	 * incomplete document: an error, never a read past its end. */
	for (size_t n = 0; n < sizeof doc - 1; n++) {
		char *q = malloc(n ? n : 1);

		memcpy(q, doc, n);
		entries_free(&e);
		CHECK(disabled_parse(q, n, "t", NULL, keep_all, &calls, &e, &why, NULL) == -1);
		free(q);
	}
	free(p);
	entries_free(&e);
	buf_free(&why);
}

/* How many entries were well-formed: the reader's way to tell a list
 * that found nothing from one it could not read at all. */
static void
well_formed_counted(void)
{
	static const struct {
		const char *doc;
		long seen, good;
	} cases[] = {
		{ "{}", 0, 0 },
		{ "{\"a (m.A)\": [\"1\", \"https://x\", []]}", 1, 1 },
		{ "{\"no shape\": [\"1\", \"https://x\", []], \"a (m.A)\": 5}", 2, 0 },
		{ "{\"a (m.A)\": [\"x\", \"https://x\", []], \"b (m.B)\": [\"2\", \"ftp://x\", []],"
		    " \"c (m.C)\": [\"3\", \"https://x\", []]}", 3, 1 },
		/* Names are checked only for wanted entries: here, all. */
		{ "{\"a (m.A$)\": [\"1\", \"https://x\", []]}", 1, 0 },
	};
	struct entries e = { 0 };
	struct buf why = { 0 };
	int calls = 0;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		long good = -7;

		entries_free(&e);
		CHECK(disabled_parse_counted(cases[i].doc, strlen(cases[i].doc), "t", NULL, keep_all, &calls,
		    &e, &good, &why, NULL) == cases[i].seen);
		CHECK(good == cases[i].good);
		CHECK(e.n == (size_t)cases[i].good);
	}
	/* A broken document: -1, and nothing counted. */
	{
		const char *cut = "{\"a (m.A)\": [\"1\", \"https://x\", []]";
		long good = -7;

		entries_free(&e);
		CHECK(disabled_parse_counted(cut, strlen(cut), "t", NULL, keep_all, &calls, &e, &good, &why,
		    NULL) == -1);
		CHECK(good == 0);
	}
	/* NULL: not asked for. */
	entries_free(&e);
	CHECK(disabled_parse_counted("{}", 2, "t", NULL, keep_all, &calls, &e, NULL, &why, NULL) == 0);
	entries_free(&e);
	buf_free(&why);
}

/* PyTorch's runtime file ({key: [url, platforms]}, what its CI writes to
 * .pytorch-disabled-tests.json): the issue is the URL's last part when
 * the URL is ".../issues/N", else none. */
static void
runtime_form(void)
{
	struct entries e = { 0 };
	struct buf why = { 0 };

	CHECK(parse("{\"test_a (__main__.TestA)\": [\"https://github.com/pytorch/pytorch/issues/192919\", [\"linux\"]],"
	    "\"test_b (__main__.TestB)\": [\"https://example.com/tracker/77\", []],"
	    "\"test_c (__main__.TestC)\": [\"http://x/issues/\", []],"
	    "\"test_d (__main__.TestD)\": [\"https://x/issues/1234567890123\", []],"
	    "\"test_e (__main__.TestE)\": [\"https://x/issues/12/\", [\"rocm\", \"win\"]],"
	    "\"test_f (__main__.TestF)\": [\"5\", \"https://github.com/pytorch/pytorch/issues/5\", []]}",
	    &e, &why) == 6);
	CHECK(e.n == 6 && warned.n == 0);
	if (e.n == 6) {
		CHECK_STR(e.v[0].issue, "192919");
		CHECK_STR(e.v[0].url, "https://github.com/pytorch/pytorch/issues/192919");
		CHECK_STR(e.v[0].platforms, "linux");
		CHECK_STR(e.v[1].issue, "");
		CHECK_STR(e.v[1].url, "https://example.com/tracker/77");
		CHECK_STR(e.v[2].issue, "");
		CHECK_STR(e.v[3].issue, "");          /* more than 12 digits */
		CHECK_STR(e.v[4].issue, "");          /* not the last part */
		CHECK_STR(e.v[4].platforms, "rocm,win");
		CHECK_STR(e.v[5].issue, "5");         /* the published form beside it */
	}
	/* What is wrong in the runtime form is said as such. */
	CHECK(parse("{\"t_a (m.A)\": [\"https://x/issues/1\", [], \"more\"],"
	    "\"t_b (m.B)\": [\"https://x/issues/1\"],"
	    "\"t_c (m.C)\": [\"ftp://x/issues/1\", []],"
	    "\"t_d (m.D)\": [\"https://x/issues/1\", \"linux\"],"
	    "\"t_e (m.E)\": [\"https://x/issues/1\", [1]]}", &e, &why) == 5);
	CHECK(e.n == 0);
	CHECK(warnings("\"t_a (m.A)\": value has more than two items") == 1);
	CHECK(warnings("\"t_b (m.B)\": value is not [issue, url, [platforms]] or [url, [platforms]]") == 1);
	CHECK(warnings("\"t_c (m.C)\": first item is neither an issue number nor an http(s) URL") == 1);
	CHECK(warnings("\"t_d (m.D)\": value is not") == 1);
	CHECK(warnings("\"t_e (m.E)\": value is not") == 1);
	entries_free(&e);
	buf_free(&why);
}

/* The generator may write issue numbers as JSON integers: digits only. */
static void
integer_issues(void)
{
	struct entries e = { 0 };
	struct buf why = { 0 };

	CHECK(parse("{\"t_a (m.A)\": [190101, \"https://github.com/pytorch/pytorch/issues/190101\", []],"
	    "\"t_b (m.B)\": [0, \"https://x/0\", [\"linux\"]],"
	    "\"t_c (m.C)\": [-1, \"https://x/1\", []],"
	    "\"t_d (m.D)\": [1.5, \"https://x/1\", []],"
	    "\"t_e (m.E)\": [1e3, \"https://x/1\", []],"
	    "\"t_f (m.F)\": [1234567890123, \"https://x/1\", []],"
	    "\"t_g (m.G)\": [true, \"https://x/1\", []]}", &e, &why) == 7);
	CHECK(e.n == 2);
	if (e.n == 2) {
		CHECK_STR(e.v[0].issue, "190101");
		CHECK_STR(e.v[1].issue, "0");
		CHECK_STR(e.v[1].platforms, "linux");
	}
	CHECK(warnings("\"t_c (m.C)\": issue number is not decimal digits") == 1);
	CHECK(warnings("\"t_d (m.D)\": issue number is not decimal digits") == 1);
	CHECK(warnings("\"t_e (m.E)\": issue number is not decimal digits") == 1);
	CHECK(warnings("\"t_f (m.F)\": issue number is not decimal digits") == 1);
	CHECK(warnings("\"t_g (m.G)\": value is not") == 1);
	entries_free(&e);
	buf_free(&why);
}

/* keep()'s value is the entry's mark; entries_filter drops by callback. */
static int
keep_marked(void *arg, const struct entry_view *v, struct buf *plat)
{
	(void)arg;
	(void)plat;
	return v->k.cls[0] == 'A' ? 1 : v->k.cls[0] == 'B' ? 2 : 0;
}

static int
drop_b(void *arg, const struct entry *e)
{
	(void)arg;
	return e->mark == 2;
}

static void
marks_and_filter(void)
{
	struct entries e = { 0 };
	struct buf why = { 0 };
	const char *doc = "{\"t_a (m.A)\": [\"1\", \"https://x/1\", []], \"t_b (m.B)\": [\"2\", \"https://x/2\", []],"
	    "\"t_c (m.C)\": [\"3\", \"https://x/3\", []], \"t_d (m.A)\": [\"4\", \"https://x/4\", []]}";

	CHECK(disabled_parse(doc, strlen(doc), "test", NULL, keep_marked, NULL, &e, &why, NULL) == 4);
	CHECK(e.n == 3);
	if (e.n == 3)
		CHECK(e.v[0].mark == 1 && e.v[1].mark == 2 && e.v[2].mark == 1);
	CHECK(entries_filter(&e, drop_b, NULL) == 1);
	CHECK(e.n == 2);
	if (e.n == 2) {
		CHECK_STR(e.v[0].key, "t_a (m.A)");
		CHECK_STR(e.v[1].key, "t_d (m.A)");
		CHECK(e.v[1].k.cls_len == 1 && e.v[1].k.cls[0] == 'A');
	}
	entries_free(&e);
	buf_free(&why);
}

int
main(void)
{
	RUN(real_shape);
	RUN(escaped_key_is_decoded);
	RUN(malformed_entries_skipped);
	RUN(malformed_warnings_limited);
	RUN(malformed_document_fails);
	RUN(callback_decides);
	RUN(wanted_before_checked);
	RUN(not_nul_terminated);
	RUN(well_formed_counted);
	RUN(runtime_form);
	RUN(integer_issues);
	RUN(marks_and_filter);
	diags_free(&warned);
	return 0;
}
