/* Hand-kept lines (handlist.h) and --collect's reading of pytest's
 * output (collect.h), as golden cases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "handlist.h"
#include "match.h"
#include "unit.h"

/* Parse s; returns what hand_line_parse returned, h filled on 1 and why
 * copied into why_out (when not NULL). */
static int
parse(const char *s, struct hand_line *h, char *why_out, size_t cap)
{
	struct buf why = { 0 };
	int r = hand_line_parse(s, strlen(s), h, &why);

	if (why_out)
		snprintf(why_out, cap, "%s", buf_str(&why));
	buf_free(&why);
	return r;
}

static void
blank_and_comment_lines_are_nothing(void)
{
	struct hand_line h;

	CHECK(parse("", &h, NULL, 0) == 0);
	CHECK(parse("   \t \r", &h, NULL, 0) == 0);
	CHECK(parse("# a comment", &h, NULL, 0) == 0);
	CHECK(parse("   # indented comment \"x::y\"", &h, NULL, 0) == 0);
}

static void
bare_node_id_with_trailing_comment(void)
{
	struct hand_line h;

	CHECK(parse("  test/p/test_x.py::TestX::test_y   # still broken\r", &h, NULL, 0) == 1);
	CHECK_STR(h.test, "test/p/test_x.py::TestX::test_y");
	CHECK(!h.is_key && h.url == NULL && h.issue == NULL);
	CHECK_STR(h.platforms, "");
	CHECK(h.platform_bits == 0);
	hand_line_free(&h);
	/* "#" inside the id (no blank before it) is part of it. */
	CHECK(parse("t.py::T::test_a#b", &h, NULL, 0) == 1);
	CHECK_STR(h.test, "t.py::T::test_a#b");
	hand_line_free(&h);
}

/* A line of Kineto's DESELECTED_TESTS arrays, pasted. */
static void
quoted_kineto_line_with_issue_comment(void)
{
	struct hand_line h;

	CHECK(parse("    \"test/profiler/test_x.py::TestX::test_y\"  # https://github.com/pytorch/pytorch/issues/123",
	    &h, NULL, 0) == 1);
	CHECK_STR(h.test, "test/profiler/test_x.py::TestX::test_y");
	CHECK_STR(h.url, "https://github.com/pytorch/pytorch/issues/123");
	CHECK_STR(h.issue, "123");
	hand_line_free(&h);
	CHECK(parse("'t.py::T::test_q[a b]'", &h, NULL, 0) == 1);
	CHECK_STR(h.test, "t.py::T::test_q[a b]");
	hand_line_free(&h);
}

static void
key_with_url_and_platforms(void)
{
	struct hand_line h;

	CHECK(parse("test_w (__main__.TestX)  https://github.com/pytorch/pytorch/issues/7  platforms: linux, rocm",
	    &h, NULL, 0) == 1);
	CHECK_STR(h.test, "test_w (__main__.TestX)");
	CHECK(h.is_key);
	CHECK_STR(h.issue, "7");
	CHECK_STR(h.platforms, "linux,rocm");
	CHECK(h.platform_bits == (PLAT_LINUX | PLAT_ROCM));
	hand_line_free(&h);
	/* In a comment, before the URL, without blanks after the commas;
	 * free words after the list are the comment's. */
	CHECK(parse("t.py::T::test_a # platforms:rocm,win flaky since May https://x.org/issues/9.", &h, NULL, 0) == 1);
	CHECK_STR(h.platforms, "rocm,win");
	CHECK(h.platform_bits == (PLAT_ROCM | PLAT_WINDOWS));
	CHECK_STR(h.url, "https://x.org/issues/9");
	CHECK_STR(h.issue, "9");
	hand_line_free(&h);
	/* A URL that names no issue is kept, without a number. */
	CHECK(parse("t.py::T::test_a https://example.org/doc", &h, NULL, 0) == 1);
	CHECK_STR(h.url, "https://example.org/doc");
	CHECK(h.issue == NULL);
	hand_line_free(&h);
}

static void
files_and_folders_are_node_ids(void)
{
	struct hand_line h;

	CHECK(parse("test/profiler/test_x.py", &h, NULL, 0) == 1 && !h.is_key);
	hand_line_free(&h);
	CHECK(parse("test/profiler", &h, NULL, 0) == 1 && !h.is_key);
	hand_line_free(&h);
}

/* A gtest name "Suite.Test" is a C++ test; a node id, a key, a .py file
 * and a folder stay what they were. */
static void
gtest_names_told_apart(void)
{
	struct hand_line h;
	char why[512];

	CHECK(parse("ProfilerTest.Basic https://github.com/pytorch/kineto/issues/5 platforms: linux", &h, NULL, 0) == 1);
	CHECK(h.is_gtest && !h.is_key);
	CHECK_STR(h.test, "ProfilerTest.Basic");
	CHECK_STR(h.issue, "5");
	CHECK_STR(h.platforms, "linux");
	hand_line_free(&h);
	CHECK(parse("\"Inst/ParamTest.Works/0\"  # flaky", &h, NULL, 0) == 1 && h.is_gtest);
	CHECK_STR(h.test, "Inst/ParamTest.Works/0");
	hand_line_free(&h);
	CHECK(parse("TypedTest/1.Runs", &h, NULL, 0) == 1 && h.is_gtest);
	hand_line_free(&h);
	CHECK(parse("test/profiler/test_x.py::TestX::test_y", &h, NULL, 0) == 1 && !h.is_gtest && !h.is_key);
	hand_line_free(&h);
	CHECK(parse("test_y (__main__.TestX)", &h, NULL, 0) == 1 && !h.is_gtest && h.is_key);
	hand_line_free(&h);
	CHECK(parse("test_x.py", &h, NULL, 0) == 1 && !h.is_gtest);
	hand_line_free(&h);
	CHECK(parse("test/profiler/test_x.py", &h, NULL, 0) == 1 && !h.is_gtest);
	hand_line_free(&h);
	CHECK(parse("test/profiler", &h, NULL, 0) == 1 && !h.is_gtest);
	hand_line_free(&h);
	/* A folder with a dot is a folder when it ends in '/'. */
	CHECK(parse("test/x.d/", &h, NULL, 0) == 1 && !h.is_gtest);
	hand_line_free(&h);
	/* Not a gtest name, not anything else. */
	CHECK(parse("Suite.Test.Extra", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "gtest name (Suite.Test)") != NULL);
	CHECK(parse("Suite.Te-st", &h, why, sizeof why) == -1);
	CHECK(parse("Suite.Test:Other.Test", &h, why, sizeof why) == -1);
}

static void
bad_lines_say_why(void)
{
	struct hand_line h;
	char why[512];

	CHECK(parse("bad line with words", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "neither a node id") != NULL);
	CHECK(parse("\"t.py::T::test_a", &h, why, sizeof why) == -1);
	CHECK_STR(why, "no closing \"");
	CHECK(parse("\"t.py::T::test_a\"x", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "after the closing quote") != NULL);
	CHECK(parse("\"\"", &h, why, sizeof why) == -1);
	CHECK_STR(why, "an empty test");
	CHECK(parse("t.py::T::test_a platforms: rcom", &h, why, sizeof why) == -1);
	CHECK(strncmp(why, "unknown platform \"rcom\"", 23) == 0);
	CHECK(parse("t.py::T::test_a platforms:", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "a platform name expected") != NULL);
	CHECK(parse("t.py::T::test_a platforms: linux platforms: rocm", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "twice") != NULL);
	CHECK(parse("t.py::T::test_a platforms: linux rocm", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "unexpected \"rocm\"") != NULL);
	CHECK(parse("\"t.py::T::test_a\" flaky", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "a comment starts with #") != NULL);
	CHECK(parse("test_x (bad suite!)", &h, why, sizeof why) == -1);
	CHECK(strncmp(why, "not a key", 9) == 0);
	CHECK(parse("t.py::T::test_\x01", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "control characters") != NULL);
	CHECK(parse("t.py::T::test_a https://x.org/\"q", &h, why, sizeof why) == -1);
	CHECK(strstr(why, "not a plain URL") != NULL);
}

static void
collect_output_read_as_collected_is(void)
{
	static const char out[] =
	    "test/p/test_a.py::TestA::test_x\r\n"
	    "test/p/test_a.py::TestA::test_y[a b]  \n"
	    "\n"
	    "  warning: something::else\n"
	    "some text :: with a blank before\n"
	    "test/p/test_b.py::test_f\n"
	    "3 tests collected in 0.01s";
	struct strlist ids = { 0 };

	CHECK(collect_parse(out, sizeof out - 1, &ids) == 3);
	CHECK(ids.n == 3);
	CHECK_STR(ids.v[0], "test/p/test_a.py::TestA::test_x");
	CHECK_STR(ids.v[1], "test/p/test_a.py::TestA::test_y[a b]");
	CHECK_STR(ids.v[2], "test/p/test_b.py::test_f");
	CHECK(collect_parse("no tests ran\n", 13, &ids) == 0);
	CHECK(collect_parse(NULL, 0, &ids) == 0);
	strlist_free(&ids);
}

int
main(void)
{
	RUN(blank_and_comment_lines_are_nothing);
	RUN(bare_node_id_with_trailing_comment);
	RUN(quoted_kineto_line_with_issue_comment);
	RUN(key_with_url_and_platforms);
	RUN(files_and_folders_are_node_ids);
	RUN(gtest_names_told_apart);
	RUN(bad_lines_say_why);
	RUN(collect_output_read_as_collected_is);
	return 0;
}
