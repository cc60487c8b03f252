/* The output forms of the exclusion set (atomic writing: test_file.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exclset.h"
#include "jsonscan.h"
#include "match.h"
#include "output.h"
#include "unit.h"

static const struct reason list_b = {
	.kind = RK_LIST, .key = "test_b (__main__.TestB)", .issue = "42",
	.url = "https://github.com/pytorch/pytorch/issues/42", .platforms = "linux,rocm",
};
static const struct reason list_c = {
	.kind = RK_LIST, .key = "test_c (__main__.C)", .issue = "7",
	.url = "https://github.com/pytorch/pytorch/issues/7", .platforms = "",
};
static const struct reason trunk_a = {
	.kind = RK_TRUNK, .key = "t.py::TestA::test_a", .run_id = "1001",
};
static const struct reason fallback = { .kind = RK_FALLBACK };

/* Add id with the class and name it holds ("path::Class::name"). */
static void
add(struct exclset *s, const char *id, const struct reason *r)
{
	const char *a = strstr(id, "::") + 2, *b = strstr(a, "::");
	char *cls = xstrndup(a, (size_t)(b - a));

	exclset_add(s, id, cls, b + 2, r);
	free(cls);
}

/*
 * Five tests: TestB from the list and the fallback list, TestA failed in a
 * trunk run (twice the same reason) and on the fallback list, three of
 * class C from the list whose ids are not safe in every form.
 */
static void
make(struct exclset *s)
{
	memset(s, 0, sizeof *s);
	add(s, "t.py::TestB::test_b", &list_b);
	add(s, "t.py::TestA::test_a", &fallback);
	add(s, "t.py::TestB::test_b", &fallback);
	add(s, "t.py::C::test_x[1]", &list_c);
	add(s, "t.py::C::test it", &list_c);
	add(s, "t.py::C::it's", &list_c);
	add(s, "t.py::TestA::test_a", &trunk_a);
	add(s, "t.py::TestA::test_a", &trunk_a);
	exclset_finish(s);
}

/* How many records of this level hold all of the texts given (up to 2). */
static size_t
records(const struct diags *d, int level, const char *t1, const char *t2)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == level && strstr(d->v[i].text, t1) &&
		    (!t2 || strstr(d->v[i].text, t2)))
			n++;
	return n;
}

static void
sorted_and_merged(void)
{
	struct exclset s;

	make(&s);
	CHECK(s.n == 5);
	if (s.n != 5)
		goto out;
	CHECK_STR(s.v[0].id, "t.py::C::it's");
	CHECK_STR(s.v[1].id, "t.py::C::test it");
	CHECK_STR(s.v[2].id, "t.py::C::test_x[1]");
	CHECK_STR(s.v[3].id, "t.py::TestA::test_a");
	CHECK_STR(s.v[4].id, "t.py::TestB::test_b");
	CHECK_STR(s.v[4].cls, "TestB");
	CHECK_STR(s.v[4].name, "test_b");
	/* Each reason once, the list's first. */
	CHECK(s.v[4].nr == 2 && s.v[4].r[0].kind == RK_LIST && s.v[4].r[1].kind == RK_FALLBACK);
	CHECK(s.v[3].nr == 2 && s.v[3].r[0].kind == RK_TRUNK && s.v[3].r[1].kind == RK_FALLBACK);
	CHECK(excl_reason(&s.v[3], RK_LIST) == NULL);
	CHECK(exclset_count(&s, RK_LIST) == 4);
out:
	exclset_free(&s);
}

static void
args_form_leaves_out_unsafe(void)
{
	struct exclset s;
	struct buf out = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };

	make(&s);
	CHECK(output_render(&s, FMT_ARGS, &out, &d) == 3);
	/* "[" is a glob and " " splits a word: both are left out. */
	CHECK_STR(buf_str(&out), "--deselect=t.py::C::it's --deselect=t.py::TestA::test_a --deselect=t.py::TestB::test_b\n");
	/* ... each with a warning naming it, and nothing else said. */
	CHECK(d.n == 2);
	CHECK(records(&d, LOG_WARN, "left out", "\"t.py::C::test it\"") == 1);
	CHECK(records(&d, LOG_WARN, "left out", "\"t.py::C::test_x[1]\"") == 1);
	CHECK(records(&d, LOG_WARN, "--format shell", NULL) == 2);
	CHECK(diag_count(&d, LOG_WARN) == 2);
	/* No stream: the same output, the warnings dropped. */
	CHECK(output_render(&s, FMT_ARGS, &out, NULL) == 3);
	CHECK_STR(buf_str(&out), "--deselect=t.py::C::it's --deselect=t.py::TestA::test_a --deselect=t.py::TestB::test_b\n");
	diags_free(&d);
	buf_free(&out);
	exclset_free(&s);
}

static void
empty_is_one_empty_line(void)
{
	struct exclset s = { 0 };
	struct buf out = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };

	exclset_finish(&s);
	CHECK(output_render(&s, FMT_ARGS, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "\n");
	CHECK(output_render(&s, FMT_SHELL, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "\n");
	CHECK(output_render(&s, FMT_KEYWORD, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "\n");
	CHECK(output_render(&s, FMT_LINES, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "");
	CHECK(output_render(&s, FMT_JSON, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "[]\n");
	CHECK(d.n == 0);
	diags_free(&d);
	buf_free(&out);
	exclset_free(&s);
}

static void
lines_form(void)
{
	struct exclset s;
	struct buf out = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };

	make(&s);
	CHECK(output_render(&s, FMT_LINES, &out, &d) == 5);
	CHECK_STR(buf_str(&out), "t.py::C::it's\nt.py::C::test it\nt.py::C::test_x[1]\nt.py::TestA::test_a\nt.py::TestB::test_b\n");
	CHECK(d.n == 0);
	diags_free(&d);
	buf_free(&out);
	exclset_free(&s);
}

static void
shell_form_quotes(void)
{
	struct exclset s;
	struct buf out = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };

	make(&s);
	CHECK(output_render(&s, FMT_SHELL, &out, &d) == 5);
	CHECK_STR(buf_str(&out), "'--deselect=t.py::C::it'\\''s' '--deselect=t.py::C::test it' "
	    "'--deselect=t.py::C::test_x[1]' '--deselect=t.py::TestA::test_a' '--deselect=t.py::TestB::test_b'\n");
	CHECK(d.n == 0);
	diags_free(&d);
	buf_free(&out);
	exclset_free(&s);
}

static void
json_form_is_valid_json(void)
{
	struct exclset s;
	struct buf out = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };
	struct js_scanner sc;
	struct js_token t;
	size_t excls = 0, reasons = 0;
	enum js_type ty;

	make(&s);
	CHECK(output_render(&s, FMT_JSON, &out, &d) == 5);
	js_init(&sc, out.p, out.len, 0);
	while ((ty = js_next(&sc, &t)) != JS_EOF && ty != JS_ERROR) {
		/* [ {exclusion, "reasons": [ {reason} ]} ] */
		if (ty == JS_OBJECT && t.depth == 1)
			excls++;
		if (ty == JS_OBJECT && t.depth == 3)
			reasons++;
	}
	CHECK(ty == JS_EOF);
	CHECK(excls == 5);
	CHECK(reasons == 7);
	/* The first disabled-list reason's fields at the top, each source
	 * named once, then every reason with what its source knows. */
	CHECK(strstr(out.p, "{\"node_id\": \"t.py::TestB::test_b\", \"key\": \"test_b (__main__.TestB)\", "
	    "\"issue\": \"42\", \"url\": \"https://github.com/pytorch/pytorch/issues/42\", "
	    "\"platforms\": [\"linux\", \"rocm\"], \"sources\": [\"disabled-list\", \"fallback\"], "
	    "\"reasons\": [{\"source\": \"disabled-list\", \"key\": \"test_b (__main__.TestB)\", "
	    "\"issue\": \"42\", \"url\": \"https://github.com/pytorch/pytorch/issues/42\", "
	    "\"platforms\": [\"linux\", \"rocm\"]}, {\"source\": \"fallback\"}]}") != NULL);
	/* No disabled-list reason: null at the top; the trunk run in both. */
	CHECK(strstr(out.p, "{\"node_id\": \"t.py::TestA::test_a\", \"key\": null, \"issue\": null, "
	    "\"url\": null, \"platforms\": [], \"sources\": [\"trunk-run 1001\", \"fallback\"], "
	    "\"reasons\": [{\"source\": \"trunk-run\", \"test\": \"t.py::TestA::test_a\", \"run\": \"1001\"}, "
	    "{\"source\": \"fallback\"}]}") != NULL);
	/* "" is every platform: an empty list. */
	CHECK(strstr(out.p, "{\"node_id\": \"t.py::C::it's\", \"key\": \"test_c (__main__.C)\", \"issue\": \"7\", "
	    "\"url\": \"https://github.com/pytorch/pytorch/issues/7\", \"platforms\": [], "
	    "\"sources\": [\"disabled-list\"], \"reasons\": [{\"source\": \"disabled-list\", "
	    "\"key\": \"test_c (__main__.C)\", \"issue\": \"7\", "
	    "\"url\": \"https://github.com/pytorch/pytorch/issues/7\", \"platforms\": []}]}") != NULL);
	/* Every node id, even those left out of the args form. */
	CHECK(strstr(out.p, "\"node_id\": \"t.py::C::test_x[1]\"") != NULL);
	CHECK(strstr(out.p, "\"node_id\": \"t.py::C::test it\"") != NULL);
	CHECK(d.n == 0);
	diags_free(&d);
	buf_free(&out);
	exclset_free(&s);
}

/* Entries that match no test follow the exclusions in the json form
 * (node_id null, why), uncounted; other forms leave them out. */
static void
json_form_unmatched(void)
{
	struct exclset s;
	struct buf out = { 0 }, lines = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };
	struct unmatched u[2] = {
		{ "test_x (__main__.TestFoo)", "9", "https://github.com/pytorch/pytorch/issues/9", "linux",
		  "test_x is only the \"start\"", 0 },
		{ "test_y  (jit.a.TestFoo)", NULL, NULL, NULL, "cannot be named from the tree: ...", 1 },
	};
	struct js_scanner sc;
	struct js_token t;
	size_t objs = 0;
	enum js_type ty;

	make(&s);
	CHECK(output_render_unmatched(&s, FMT_JSON, u, 2, &out, &d) == 5);
	js_init(&sc, out.p, out.len, 0);
	while ((ty = js_next(&sc, &t)) != JS_EOF && ty != JS_ERROR)
		if (ty == JS_OBJECT && t.depth == 1)
			objs++;
	CHECK(ty == JS_EOF);
	CHECK(objs == 7);
	CHECK(strstr(out.p, "{\"node_id\": null, \"key\": \"test_x (__main__.TestFoo)\", \"issue\": \"9\", "
	    "\"url\": \"https://github.com/pytorch/pytorch/issues/9\", \"platforms\": [\"linux\"], "
	    "\"sources\": [\"disabled-list\"], \"reasons\": [{\"source\": \"disabled-list\", "
	    "\"key\": \"test_x (__main__.TestFoo)\", \"issue\": \"9\", "
	    "\"url\": \"https://github.com/pytorch/pytorch/issues/9\", \"platforms\": [\"linux\"]}], "
	    "\"unmatched\": \"test_x is only the \\\"start\\\"\", \"unnamed\": false}") != NULL);
	CHECK(strstr(out.p, "\"issue\": null, \"url\": null, \"platforms\": [], ") != NULL);
	CHECK(strstr(out.p, "\"unnamed\": true}\n]\n") != NULL);
	/* The same set without them: what output_render prints. */
	CHECK(output_render(&s, FMT_JSON, &lines, &d) == 5 && strstr(lines.p, "unmatched") == NULL);
	/* Not in the other forms. */
	CHECK(output_render_unmatched(&s, FMT_LINES, u, 2, &lines, &d) == 5 && strstr(lines.p, "test_y") == NULL);
	/* Only unmatched entries: still one valid array. */
	exclset_free(&s);
	memset(&s, 0, sizeof s);
	CHECK(output_render_unmatched(&s, FMT_JSON, u, 1, &out, &d) == 0);
	CHECK(strncmp(out.p, "[\n  {\"node_id\": null", 20) == 0 && strstr(out.p, "}\n]\n") != NULL);
	diags_free(&d);
	buf_free(&out);
	buf_free(&lines);
	exclset_free(&s);
}

static void
keyword_form(void)
{
	struct exclset s;
	struct buf out = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };

	make(&s);
	CHECK(output_render(&s, FMT_KEYWORD, &out, &d) == 3);
	/* "test it" and "it's" cannot be written in a -k expression. */
	CHECK_STR(buf_str(&out), "not (C and test_x[1]) and not (TestA and test_a) and not (TestB and test_b)\n");
	CHECK(d.n == 2);
	CHECK(records(&d, LOG_WARN, "left out of --format keyword", "\"C\" / \"test it\"") == 1);
	CHECK(records(&d, LOG_WARN, "left out of --format keyword", "\"C\" / \"it's\"") == 1);
	diags_free(&d);
	buf_free(&out);
	exclset_free(&s);
}

/* A test in scope without a node id: only the keyword form can name it
 * (and JSON lists it, with a null node id); special characters in an id
 * are escaped in JSON. */
static void
idless_and_escaped(void)
{
	struct exclset s = { 0 };
	struct buf out = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };

	exclset_add(&s, NULL, "TestZ", "test_z", &list_b);
	exclset_add(&s, "t.py::C::test_q[\"\\]", "C", "test_q[\"\\]", &fallback);
	exclset_finish(&s);
	CHECK(s.n == 2 && s.v[0].id != NULL && s.v[1].id == NULL);

	CHECK(output_render(&s, FMT_LINES, &out, &d) == 1);
	CHECK_STR(buf_str(&out), "t.py::C::test_q[\"\\]\n");
	CHECK(output_render(&s, FMT_SHELL, &out, &d) == 1);
	CHECK_STR(buf_str(&out), "'--deselect=t.py::C::test_q[\"\\]'\n");
	CHECK(d.n == 0);

	CHECK(output_render(&s, FMT_ARGS, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "\n");
	CHECK(d.n == 1 && records(&d, LOG_WARN, "left out", "t.py::C::test_q[") == 1);
	diags_free(&d);

	CHECK(output_render(&s, FMT_KEYWORD, &out, &d) == 1);
	CHECK_STR(buf_str(&out), "not (TestZ and test_z)\n");
	CHECK(d.n == 1 && records(&d, LOG_WARN, "left out of --format keyword", "test_q[") == 1);
	diags_free(&d);

	CHECK(output_render(&s, FMT_JSON, &out, &d) == 2);
	CHECK(strstr(out.p, "{\"node_id\": \"t.py::C::test_q[\\\"\\\\]\", \"key\": null") != NULL);
	CHECK(strstr(out.p, "{\"node_id\": null, \"key\": \"test_b (__main__.TestB)\"") != NULL);
	CHECK(d.n == 0);
	diags_free(&d);
	buf_free(&out);
	exclset_free(&s);
}

static void
format_names(void)
{
	enum format f = FMT_ARGS;

	CHECK(format_parse("json", &f) == 0 && f == FMT_JSON);
	CHECK(format_parse("keyword", &f) == 0 && f == FMT_KEYWORD);
	CHECK(format_parse("args", &f) == 0 && f == FMT_ARGS);
	CHECK(format_parse("JSON", &f) == -1 && f == FMT_ARGS);
	CHECK(format_parse("", &f) == -1);
	CHECK(format_parse("pytorch", &f) == 0 && f == FMT_PYTORCH);
	CHECK(format_parse("gtest", &f) == 0 && f == FMT_GTEST);
}

static void
clean_text(void)
{
	CHECK(text_is_clean("t.py::C::test_é"));
	CHECK(!text_is_clean("a\nb"));
	CHECK(!text_is_clean("a\x7f"));
	CHECK(!text_is_clean("\xc3"));
	CHECK(!text_is_clean("\xed\xa0\x80"));     /* a UTF-16 surrogate */
	CHECK(!text_is_clean("\xc0\xaf"));         /* overlong */
	CHECK(text_is_clean(""));
}

/* An owned entry of the published list, as the list source keeps it. */
static void
listed_add(struct entries *l, const char *key, const char *issue, const char *platforms)
{
	struct entry *e;
	const char *why;
	struct buf url = { 0 };

	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->key = xstrdup(key);
	key_parse(e->key, strlen(e->key), &e->k, &why);
	e->issue = xstrdup(issue);
	buf_printf(&url, "https://github.com/pytorch/pytorch/issues/%s", issue);
	e->url = xstrdup(buf_str(&url));
	e->platforms = xstrdup(platforms);
	buf_free(&url);
}

/* The runtime file: the whole list, the set's other sources as keys
 * "<test> (__main__.<Class>)", sorted, one entry a line, merged by key. */
static void
pytorch_form(void)
{
	struct exclset s;
	struct entries l = { 0 };
	struct buf out = { 0 };
	struct diags d = { .keep_level = LOG_DEBUG };
	static const struct reason trunk_url = {
		.kind = RK_TRUNK, .key = "t.py::TestA::test_a", .run_id = "1002",
		.url = "https://github.com/o/r/actions/runs/1002",
	};

	make(&s);
	listed_add(&l, "test_z (__main__.Other)", "9", "win");
	listed_add(&l, "test_b (__main__.TestB)", "42", "linux,rocm");
	listed_add(&l, "test_a (__main__.TestA)", "5", "mac");
	CHECK(output_pytorch(&s, &l, &out, &d) == 4);
	/* A list reason is its own key (the three tests of class C are one
	 * entry, "test_c"); a fallback or trunk reason is its test's key,
	 * with every platform. */
	CHECK_STR(buf_str(&out), "{\n"
	    "  \"test_a (__main__.TestA)\": [\"https://github.com/pytorch/pytorch/issues/5\", []],\n"
	    "  \"test_b (__main__.TestB)\": [\"https://github.com/pytorch/pytorch/issues/42\", []],\n"
	    "  \"test_c (__main__.C)\": [\"https://github.com/pytorch/pytorch/issues/7\", []],\n"
	    "  \"test_z (__main__.Other)\": [\"https://github.com/pytorch/pytorch/issues/9\", [\"win\"]]\n"
	    "}\n");
	CHECK(diag_count(&d, LOG_WARN) == 0);
	exclset_free(&s);
	diags_free(&d);
	entries_free(&l);

	/* A trunk reason: its URL (the run's page, github.c), else "". */
	memset(&s, 0, sizeof s);
	add(&s, "t.py::TestA::test_a", &trunk_a);
	add(&s, "t.py::TestQ::test_q", &trunk_a);
	add(&s, "t.py::TestQ::test_q", &trunk_url);
	exclset_finish(&s);
	CHECK(output_pytorch(&s, NULL, &out, &d) == 2);
	CHECK(strstr(out.p, "\"test_a (__main__.TestA)\": [\"\", []]") != NULL);
	CHECK(strstr(out.p, "\"test_q (__main__.TestQ)\": [\"https://github.com/o/r/actions/runs/1002\", []]") != NULL);
	CHECK(output_render(&s, FMT_PYTORCH, &out, &d) == 2);
	exclset_free(&s);

	/* A test without a class, or with white space in its name, has no
	 * key: left out, with a warning. */
	memset(&s, 0, sizeof s);
	exclset_add(&s, "t.py::test_func", "test_func", "", &fallback);     /* as split_nodeid splits it */
	exclset_add(&s, "t.py::C::test it", "C", "test it", &fallback);
	exclset_add(&s, "t.py::C::test_ok", "C", "test_ok", &fallback);
	exclset_finish(&s);
	CHECK(output_pytorch(&s, NULL, &out, &d) == 1);
	CHECK_STR(buf_str(&out), "{\n  \"test_ok (__main__.C)\": [\"\", []]\n}\n");
	CHECK(records(&d, LOG_WARN, "left out of --format pytorch", "t.py::test_func") == 1);
	CHECK(records(&d, LOG_WARN, "left out of --format pytorch", "t.py::C::test it") == 1);
	exclset_free(&s);

	/* Nothing: an empty object. */
	CHECK(output_pytorch(&s, NULL, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "{}\n");
	diags_free(&d);
	buf_free(&out);
}

/* The same key from several places: the first URL, the platforms
 * united, an empty list (every platform) winning. */
static void
pytorch_form_merges(void)
{
	struct exclset s;
	struct entries l = { 0 };
	struct buf out = { 0 };
	static const struct reason also = {
		.kind = RK_LIST, .key = "test_m (__main__.M)", .issue = "2",
		.url = "https://github.com/pytorch/pytorch/issues/2", .platforms = "rocm,linux",
	};

	memset(&s, 0, sizeof s);
	listed_add(&l, "test_m (__main__.M)", "1", "linux,win");
	listed_add(&l, "test_n (__main__.N)", "3", "linux");
	add(&s, "t.py::M::test_m", &also);
	add(&s, "t.py::N::test_n", &fallback);
	exclset_finish(&s);
	CHECK(output_pytorch(&s, &l, &out, NULL) == 2);
	CHECK_STR(buf_str(&out), "{\n"
	    "  \"test_m (__main__.M)\": [\"https://github.com/pytorch/pytorch/issues/1\", [\"linux\", \"win\", \"rocm\"]],\n"
	    "  \"test_n (__main__.N)\": [\"https://github.com/pytorch/pytorch/issues/3\", []]\n"
	    "}\n");
	exclset_free(&s);
	entries_free(&l);
	buf_free(&out);
}

/* The gtest form over a set of two gtest tests (one twice) and one
 * pytest test, with base. */
static char *
gtest_of(const char *base, int with_tests)
{
	struct exclset s = { 0 };
	struct buf out = { 0 };
	static const struct reason extra = { .kind = RK_EXTRA, .key = "x" };
	char *r;

	add(&s, "t.py::TestA::test_a", &trunk_a);
	if (with_tests) {
		CHECK(exclset_add_gtest(&s, "Zeta.Last", &extra) == 0);
		CHECK(exclset_add_gtest(&s, "Inst/Alpha.First/0", &extra) == 0);
		CHECK(exclset_add_gtest(&s, "Zeta.Last", &fallback) == 0);
		CHECK(exclset_add_gtest(&s, "Alpha.Second", &extra) == 0);
	}
	exclset_finish(&s);
	CHECK(output_gtest(&s, base, &out) == (with_tests ? 3u : 0u) ||
	    (base && strstr(base, "Zeta.Last")));
	r = xstrdup(buf_str(&out));
	exclset_free(&s);
	buf_free(&out);
	return r;
}

#define CHECK_GTEST(base, with, want) do { \
	char *got_ = gtest_of(base, with); \
	CHECK_STR(got_, want); \
	free(got_); \
} while (0)

static void
gtest_filter_form(void)
{
	struct exclset s = { 0 };
	struct buf out = { 0 };
	struct diags d = { 0 };
	const char *why = NULL;

	/* sorted by the whole name, each once; the pytest test left out */
	CHECK_GTEST(NULL, 1, "--gtest_filter=-Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	CHECK_GTEST("", 1, "--gtest_filter=-Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	/* a positive base: '-' then the names */
	CHECK_GTEST("Alpha.*:Zeta.*", 1, "--gtest_filter=Alpha.*:Zeta.*-Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	CHECK_GTEST("*", 1, "--gtest_filter=*-Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	/* a base with its own negative part: ':' then the names */
	CHECK_GTEST("Alpha.*-Alpha.Third", 1, "--gtest_filter=Alpha.*-Alpha.Third:Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	CHECK_GTEST("-Beta.*", 1, "--gtest_filter=-Beta.*:Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	/* ending in '-' or ':': nothing more before the names */
	CHECK_GTEST("A.*-", 1, "--gtest_filter=A.*-Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	CHECK_GTEST("A.*-B.x:", 1, "--gtest_filter=A.*-B.x:Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	/* a second '-' is part of a negative pattern: ':' all the same */
	CHECK_GTEST("A.*-B-", 1, "--gtest_filter=A.*-B-:Alpha.Second:Inst/Alpha.First/0:Zeta.Last\n");
	/* a name the base leaves out already is not repeated */
	CHECK_GTEST("*-Zeta.Last", 1, "--gtest_filter=*-Zeta.Last:Alpha.Second:Inst/Alpha.First/0\n");
	/* no gtest exclusion: the base alone, or an empty line */
	CHECK_GTEST(NULL, 0, "\n");
	CHECK_GTEST("Alpha.*", 0, "--gtest_filter=Alpha.*\n");
	CHECK_GTEST("Alpha.*-B.c", 0, "--gtest_filter=Alpha.*-B.c\n");
	/* output_render's gtest form has no base; the other forms skip gtest */
	CHECK(exclset_add_gtest(&s, "S.T", &fallback) == 0);
	exclset_finish(&s);
	CHECK(output_render(&s, FMT_GTEST, &out, &d) == 1);
	CHECK_STR(buf_str(&out), "--gtest_filter=-S.T\n");
	CHECK(output_render(&s, FMT_ARGS, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "\n");
	CHECK(output_render(&s, FMT_JSON, &out, &d) == 1);
	CHECK(strstr(buf_str(&out), "\"node_id\": null, \"gtest\": \"S.T\"") != NULL);
	CHECK(strstr(buf_str(&out), "{\"source\": \"fallback\"}") != NULL);
	CHECK(output_pytorch(&s, NULL, &out, &d) == 0);
	CHECK_STR(buf_str(&out), "{}\n");
	/* the base's characters */
	CHECK(gtest_filter_ok("", &why));
	CHECK(gtest_filter_ok("*", &why));
	CHECK(gtest_filter_ok("Inst/S.T/0:A?.*-B.c:D.*", &why));
	CHECK(!gtest_filter_ok("A.b c", &why) && strstr(why, "letters, digits") != NULL);
	CHECK(!gtest_filter_ok("A.b;rm", &why));
	CHECK(!gtest_filter_ok("A.b\n", &why));
	CHECK(!gtest_filter_ok("A.\xc3\xa9", &why));
	exclset_free(&s);
	buf_free(&out);
	diags_free(&d);
}

int
main(void)
{
	RUN(sorted_and_merged);
	RUN(args_form_leaves_out_unsafe);
	RUN(empty_is_one_empty_line);
	RUN(lines_form);
	RUN(shell_form_quotes);
	RUN(json_form_is_valid_json);
	RUN(json_form_unmatched);
	RUN(keyword_form);
	RUN(idless_and_escaped);
	RUN(format_names);
	RUN(pytorch_form);
	RUN(pytorch_form_merges);
	RUN(clean_text);
	RUN(gtest_filter_form);
	return 0;
}
