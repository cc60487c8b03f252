/* The job summary (sink_summary.c): text from outside made safe for a
 * Markdown table, links only to plain URLs, the content of the report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "unit.h"

static char *
escaped(const char *s)
{
	struct buf b = { 0 };
	char *r;

	summary_escape(&b, s);
	r = xstrdup(buf_str(&b));
	buf_free(&b);
	return r;
}

#define CHECK_ESC(in, want) do { \
	char *got = escaped(in); \
	CHECK_STR(got, want); \
	free(got); \
} while (0)

static void
escape_leaves_no_markup(void)
{
	CHECK_ESC("test_a (__main__.TestA)", "test\\_a (\\_\\_main\\_\\_.TestA)");
	CHECK_ESC("a|b", "a\\|b");
	CHECK_ESC("`x`", "\\`x\\`");
	CHECK_ESC("<script>&amp;", "\\<script\\>\\&amp;");
	CHECK_ESC("line1\nline2\r\tend", "line1 line2  end");
	CHECK_ESC("[x](javascript:1) *b* ~s~ $m$ !", "\\[x\\](javascript:1) \\*b\\* \\~s\\~ \\$m\\$ \\!");
	CHECK_ESC("back\\slash #1", "back\\\\slash \\#1");
	CHECK_ESC("", "");
	CHECK_ESC("caf\xc3\xa9", "caf\xc3\xa9");
}

static void
escape_cuts_long_text_between_characters(void)
{
	char in[400], *got;

	/* 299 ASCII bytes, then a two-byte character across the limit. */
	memset(in, 'a', 299);
	memcpy(in + 299, "\xc3\xa9zzz", 6);
	got = escaped(in);
	CHECK(strlen(got) == 299 + 2 + 3);
	CHECK(strcmp(got + 299, "\xc3\xa9\xe2\x80\xa6") == 0);
	free(got);
}

static const struct reason list42 = {
	.kind = RK_LIST, .key = "test_b (__main__.TestB)", .issue = "42",
	.url = "https://github.com/pytorch/pytorch/issues/42", .platforms = "linux",
};
static const struct reason list43 = {
	.kind = RK_LIST, .key = "test_b (__main__.TestB)", .issue = "43",
	.url = "https://evil.example/x)(y", .platforms = "",
};
static const struct reason trunk7 = {
	.kind = RK_TRUNK, .key = "t.py::TestB::test_b", .run_id = "7",
	.url = "https://github.com/pytorch/pytorch/actions/runs/7",
};
static const struct reason fb = { .kind = RK_FALLBACK };

static void
render(struct run *r, struct config *c, struct buf *out)
{
	memset(r, 0, sizeof *r);
	memset(c, 0, sizeof *c);
	r->cfg = c;
	r->diags.keep_level = LOG_INFO;
	out->len = 0;
}

static void
report_has_counts_table_reenabled_and_warnings(void)
{
	struct run r;
	struct config c;
	struct buf out = { 0 };
	const char *s;

	render(&r, &c, &out);
	exclset_add(&r.set, "t.py::TestB::test_b", "TestB", "test_b", &list42);
	exclset_add(&r.set, "t.py::TestB::test_b", "TestB", "test_b", &list43);
	exclset_add(&r.set, "t.py::TestB::test_b", "TestB", "test_b", &trunk7);
	exclset_add(&r.set, "t.py::TestC::test_c|x", "TestC", "test_c|x", &fb);
	exclset_add(&r.set, NULL, "TestD", "test_d", &list42);
	exclset_finish(&r.set);
	diag_add(&r.diags, LOG_INFO, "re-enable", "issue 5 re-enabled by PR_BODY \"Fixes #5\": test_e (__main__.TestE)");
	diag_add(&r.diags, LOG_INFO, "keep", "t.py::TestF: 1 test no longer excluded");
	diag_add(&r.diags, LOG_INFO, "disabled list", "20 entries");
	diag_add(&r.diags, LOG_WARN, "fallback", "stale entry t.py::TestG::test_g: no such test");
	summary_render(&r, &out);
	s = buf_str(&out);
	CHECK(starts_with(s, "### exclusions: 3 tests excluded\n"));
	CHECK(strstr(s, "disabled-list: 2 · trunk-run: 1 · fallback: 1 · extra: 0 · re-enabled or kept: 2 · warnings: 1\n"));
	CHECK(strstr(s, "| test | source | issue or run |\n|---|---|---|\n"));
	/* One row a test: its sources once each, each issue or run linked
	 * when its URL may be a link. */
	CHECK(strstr(s, "| <code>t.py::TestB::test\\_b</code> | disabled-list, trunk-run | "
	    "[\\#42](https://github.com/pytorch/pytorch/issues/42), \\#43, "
	    "[run 7](https://github.com/pytorch/pytorch/actions/runs/7) |\n"));
	CHECK(strstr(s, "| <code>t.py::TestC::test\\_c\\|x</code> | fallback |  |\n"));
	/* Without a node id, the test is its key. */
	CHECK(strstr(s, "| <code>test\\_b (\\_\\_main\\_\\_.TestB)</code> | disabled-list | [\\#42]("));
	CHECK(strstr(s, "#### Re-enabled or kept\n\n- **re-enable**: issue 5 re-enabled by PR\\_BODY \"Fixes \\#5\": "));
	CHECK(strstr(s, "- **keep**: t.py::TestF: 1 test no longer excluded\n"));
	CHECK(!strstr(s, "20 entries"));
	CHECK(strstr(s, "#### Warnings and stale lines\n\n- **fallback**: stale entry t.py::TestG::test\\_g: no such test\n"));
	CHECK(!strstr(s, "evil.example/x)"));
	buf_free(&out);
	exclset_free(&r.set);
	diags_free(&r.diags);
}

static void
table_is_cut_and_empty_run_has_no_table(void)
{
	struct run r;
	struct config c;
	struct buf out = { 0 }, id = { 0 };
	const char *s;
	size_t rows = 0;

	render(&r, &c, &out);
	for (int i = 0; i < SUMMARY_MAX_ROWS + 7; i++) {
		id.len = 0;
		buf_printf(&id, "t.py::T::test_%04d", i);
		exclset_add(&r.set, buf_str(&id), "T", "x", &fb);
	}
	exclset_finish(&r.set);
	summary_render(&r, &out);
	s = buf_str(&out);
	for (const char *p = s; (p = strstr(p, "\n| <code>")) != NULL; p++)
		rows++;
	CHECK(rows == SUMMARY_MAX_ROWS);
	CHECK(strstr(s, "\nand 7 more (all of them: `--format json`).\n"));
	exclset_free(&r.set);

	render(&r, &c, &out);
	c.format = FMT_PYTORCH;
	r.printed = 12;
	r.used_fallback = 1;
	summary_render(&r, &out);
	s = buf_str(&out);
	CHECK(starts_with(s, "### exclusions: 0 tests excluded\n"));
	CHECK(strstr(s, "PyTorch's runtime file: 12 entries.\n"));
	CHECK(strstr(s, "this is the fallback list"));
	CHECK(!strstr(s, "| test |"));
	CHECK(!strstr(s, "####"));
	buf_free(&out);
	buf_free(&id);
}

int
main(void)
{
	RUN(escape_leaves_no_markup);
	RUN(escape_cuts_long_text_between_characters);
	RUN(report_has_counts_table_reenabled_and_warnings);
	RUN(table_is_cut_and_empty_run_has_no_table);
	return 0;
}
