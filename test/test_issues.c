/* issues.h: titles, bodies (Platforms: lines, DISABLED MULTIPLE blocks),
 * the API's JSON and its dates. */
#include "../github.h"
#include "../issues.h"
#include "unit.h"

#include <stdlib.h>

static enum issue_title_kind
title(const char *t, struct buf *test)
{
	struct buf why = { 0 };
	enum issue_title_kind k = issue_title_parse(t, strlen(t), test, &why);

	if (k == IT_MALFORMED && why.len == 0)
		k = (enum issue_title_kind)99;     /* a malformed title says why */
	buf_free(&why);
	return k;
}

static void
test_title_kinds(void)
{
	struct buf t = { 0 };

	CHECK(title("DISABLED test_x (__main__.TestFoo)", &t) == IT_KEY);
	CHECK_STR(buf_str(&t), "test_x (__main__.TestFoo)");
	/* split on white space as PyTorch does; written back with one space */
	CHECK(title("  DISABLED   test_x \t (profiler.test_profiler.TestFoo)  ", &t) == IT_KEY);
	CHECK_STR(buf_str(&t), "test_x (profiler.test_profiler.TestFoo)");
	CHECK(title("DISABLED test_ckpt_CPUOffload(offload_params=True)_x (__main__.TestFSDP)", &t) == IT_KEY);
	CHECK_STR(buf_str(&t), "test_ckpt_CPUOffload(offload_params=True)_x (__main__.TestFSDP)");
	CHECK(title("DISABLED test/profiler/test_x.py::TestX::test_y[a-1]", &t) == IT_NODEID);
	CHECK_STR(buf_str(&t), "test/profiler/test_x.py::TestX::test_y[a-1]");
	CHECK(title("DISABLED ProfilerTest.Basic", &t) == IT_GTEST);
	CHECK_STR(buf_str(&t), "ProfilerTest.Basic");
	CHECK(title("DISABLED Prefix/Suite.Test/0", &t) == IT_GTEST);
	CHECK(title("DISABLED MULTIPLE tests of the profiler", &t) == IT_MULTIPLE);
	CHECK(title("DISABLED MULTIPLE", &t) == IT_MULTIPLE);
	buf_free(&t);
}

static void
test_title_other(void)
{
	struct buf t = { 0 };

	/* not ours */
	CHECK(title("Flaky test_x", &t) == IT_NONE);
	CHECK(title("disabled test_x (__main__.TestFoo)", &t) == IT_NONE);
	CHECK(title("DISABLEDtest_x (__main__.TestFoo)", &t) == IT_NONE);
	CHECK(title("", &t) == IT_NONE);
	/* ours, but unreadable: a reason each */
	CHECK(title("DISABLED", &t) == IT_MALFORMED);
	CHECK(title("DISABLED   ", &t) == IT_MALFORMED);
	CHECK(title("DISABLED this is not a test", &t) == IT_MALFORMED);
	CHECK(title("DISABLED test_x", &t) == IT_MALFORMED);
	CHECK(title("DISABLED test_x (__main__.Test Foo)", &t) == IT_MALFORMED);
	CHECK(title("DISABLED pull / linux-jammy-py3 / test (default)", &t) == IT_MALFORMED);
	CHECK(title("DISABLED a.py::T::t with words", &t) == IT_MALFORMED);
	CHECK(title("DISABLED a.py::T::\"t\"", &t) == IT_MALFORMED);
	CHECK(title("DISABLED MULTIPLEX.Test", &t) == IT_GTEST);
	CHECK(t.len == strlen("MULTIPLEX.Test"));
	buf_free(&t);
}

static void
test_platforms(void)
{
	struct buf p = { 0 };
	const char *b1 = "Some text\r\nPlatforms: Linux, ROCm\r\nmore";

	CHECK(issue_body_platforms(b1, strlen(b1), &p) == 1);
	CHECK_STR(buf_str(&p), "linux,rocm");
	CHECK(issue_body_platforms("  PLATFORMS:   win  ,mac,,  \n", 29, &p) == 1);
	CHECK_STR(buf_str(&p), "win,mac");
	CHECK(issue_body_platforms("platforms:\n", 11, &p) == 1);
	CHECK_STR(buf_str(&p), "");
	/* not at the start of the line: not the line */
	CHECK(issue_body_platforms("the platforms: linux\n", 21, &p) == 0);
	CHECK(issue_body_platforms("", 0, &p) == 0);
	/* the first line counts; inner blanks stay (PyTorch's split) */
	CHECK(issue_body_platforms("Platforms: linux rocm\nPlatforms: win", 35, &p) == 1);
	CHECK_STR(buf_str(&p), "linux rocm");
	buf_free(&p);
}

struct got { struct strlist keys, plats, bad; };

static void
on_test(void *arg, const char *key, const char *platforms)
{
	struct got *g = arg;

	strlist_add(&g->keys, key);
	strlist_add(&g->plats, platforms);
}

static void
on_bad(void *arg, const char *line, size_t n, const char *why)
{
	struct got *g = arg;

	(void)why;
	strlist_addn(&g->bad, line, n);
}

static void
got_free(struct got *g)
{
	strlist_free(&g->keys);
	strlist_free(&g->plats);
	strlist_free(&g->bad);
}

static void
test_multiple(void)
{
	struct got g = { 0 };
	const char *b = "Flaky.\r\n\r\nDisable the following tests:\r\n```\r\n"
	    "test_a (__main__.TestA): linux, ROCm\r\n"
	    "  test_b   (m.n.TestB) :  mac\r\n"
	    "test_c (__main__.TestC):\r\n"
	    "test_d (__main__.TestD)\r\n"
	    "\r\n"
	    "junk line\r\n"
	    "test_e(x=1:2)_f (__main__.TestE): win\r\n"
	    "```\r\n"
	    "test_after (__main__.TestZ): linux\r\n";

	CHECK(issue_body_tests(b, strlen(b), on_test, on_bad, &g) == 5);
	CHECK(g.keys.n == 5 && g.plats.n == 5);
	if (g.keys.n == 5) {
		CHECK_STR(g.keys.v[0], "test_a (__main__.TestA)");
		CHECK_STR(g.plats.v[0], "linux,rocm");
		CHECK_STR(g.keys.v[1], "test_b (m.n.TestB)");
		CHECK_STR(g.plats.v[1], "mac");
		CHECK_STR(g.keys.v[2], "test_c (__main__.TestC)");
		CHECK_STR(g.plats.v[2], "");
		CHECK_STR(g.keys.v[3], "test_d (__main__.TestD)");
		CHECK_STR(g.plats.v[3], "");
		CHECK_STR(g.keys.v[4], "test_e(x=1:2)_f (__main__.TestE)");
		CHECK_STR(g.plats.v[4], "win");
	}
	CHECK(g.bad.n == 1 && strcmp(g.bad.v[0], "junk line") == 0);
	got_free(&g);
}

static void
test_multiple_unfenced(void)
{
	struct got g = { 0 };
	const char *b = "disable the following tests:\n\ntest_a (__main__.TestA): linux\ntest_b (__main__.TestB)\n\ntest_c (__main__.TestC)\n";
	const char *none = "DISABLED MULTIPLE without the words\n```\ntest_a (__main__.TestA)\n```\n";

	CHECK(issue_body_tests(b, strlen(b), on_test, on_bad, &g) == 2);
	CHECK(g.keys.n == 2 && g.bad.n == 0);
	CHECK(issue_body_tests(none, strlen(none), on_test, on_bad, &g) == -1);
	CHECK(issue_body_tests("", 0, on_test, on_bad, &g) == -1);
	/* an unclosed fence: to the end */
	got_free(&g);
	memset(&g, 0, sizeof g);
	b = "disable the following tests:\n```\ntest_a (__main__.TestA)";
	CHECK(issue_body_tests(b, strlen(b), on_test, on_bad, &g) == 1);
	got_free(&g);
}

struct seen { int n, pulls; char numbers[256]; };

static void
on_issue(void *arg, const struct issue *is)
{
	struct seen *s = arg;

	s->n++;
	s->pulls += is->is_pull;
	strcat(s->numbers, is->number);
	strcat(s->numbers, is->title ? "t" : "-");
	strcat(s->numbers, is->body ? "b" : "-");
	strcat(s->numbers, " ");
}

static void
test_list_json(void)
{
	struct seen s = { 0 };
	struct buf why = { 0 };
	const char *doc = "[{\"number\": 5, \"title\": \"DISABLED a.B\", \"body\": null, \"labels\": [{\"name\": \"x\"}]},"
	    " {\"number\": 6, \"title\": \"x\\u00e9\", \"body\": \"b\", \"pull_request\": {\"url\": \"u\"}},"
	    " {\"number\": 7, \"title\": \"t\", \"pull_request\": null}]"
	    "[{\"number\": 8, \"title\": \"t\", \"body\": \"b\"}]";

	CHECK(issue_list_parse(doc, strlen(doc), on_issue, &s, &why) == 4);
	CHECK(s.n == 4 && s.pulls == 1);
	CHECK_STR(s.numbers, "5t- 6tb 7t- 8tb ");
	memset(&s, 0, sizeof s);
	CHECK(issue_list_parse("[]", 2, on_issue, &s, &why) == 0);
	CHECK(issue_list_parse("{\"message\": \"Not Found\"}", 24, on_issue, &s, &why) == -1 && why.len);
	why.len = 0;
	CHECK(issue_list_parse("[1, 2]", 6, on_issue, &s, &why) == -1 && why.len);
	why.len = 0;
	CHECK(issue_list_parse("[{\"number\": 1, \"title\": \"t\"", 27, on_issue, &s, &why) == -1 && why.len);
	why.len = 0;
	CHECK(issue_list_parse("", 0, on_issue, &s, &why) == -1 && why.len);
	buf_free(&why);
}

static void
test_one_json(void)
{
	struct issue is;
	struct buf why = { 0 };
	const char *doc = "{\"number\": 12, \"state\": \"closed\", \"created_at\": \"2026-08-21T19:26:39Z\","
	    " \"title\": \"a\\u0000b\", \"number\": 123456789012345678}";

	CHECK(issue_parse_one(doc, strlen(doc), &is, &why) == 0);
	CHECK_STR(is.state, "closed");
	CHECK_STR(is.number, "12");        /* the second "number" is too long to be one */
	CHECK(is.title && strlen(is.title) == 3 && is.title[1] == '\x01');
	CHECK(issue_time_parse(is.created_at) == 1787340399LL);
	issue_free(&is);
	CHECK(issue_parse_one("[]", 2, &is, &why) == -1);
	CHECK(issue_parse_one("{} {}", 5, &is, &why) == -1);
	buf_free(&why);
}

static void
test_time(void)
{
	CHECK(issue_time_parse("1970-01-01T00:00:00Z") == 0);
	CHECK(issue_time_parse("2000-03-01T00:00:00Z") == 951868800LL);
	CHECK(issue_time_parse("2026-08-21T19:26:39.123Z") == 1787340399LL);
	CHECK(issue_time_parse("2026-08-21T21:26:39+02:00") == 1787340399LL);
	CHECK(issue_time_parse("2026-08-21") == -1);
	CHECK(issue_time_parse("2026-13-01T00:00:00Z") == -1);
	CHECK(issue_time_parse("2026-08-21T19:26:39") == -1);
	CHECK(issue_time_parse("2026-08-21T19:26:39Zjunk") == -1);
	CHECK(issue_time_parse(NULL) == -1);
}

/* github.c's side: which URLs are issues of this API's site. */
static void
test_issue_urls(void)
{
	struct github g;
	struct buf repo = { 0 }, out = { 0 };
	char num[16];

	memset(&g, 0, sizeof g);
	g.api = "https://api.github.com";
	CHECK(github_issue_of_url(&g, "https://github.com/pytorch/pytorch/issues/123", &repo, num, sizeof num) == 0);
	CHECK_STR(buf_str(&repo), "pytorch/pytorch");
	CHECK_STR(num, "123");
	CHECK(github_issue_of_url(&g, "https://github.com/o/n/issues/7#issuecomment-1", &repo, num, sizeof num) == 0);
	CHECK_STR(num, "7");
	CHECK(github_issue_of_url(&g, "https://github.com/o/n/pull/7", &repo, num, sizeof num) == -1);
	CHECK(github_issue_of_url(&g, "https://github.com/o/n/issues/", &repo, num, sizeof num) == -1);
	CHECK(github_issue_of_url(&g, "https://github.com/o/n/issues/7/x", &repo, num, sizeof num) == -1);
	CHECK(github_issue_of_url(&g, "https://github.com/o/n/x/issues/7", &repo, num, sizeof num) == -1);
	CHECK(github_issue_of_url(&g, "https://github.com//n/issues/7", &repo, num, sizeof num) == -1);
	CHECK(github_issue_of_url(&g, "https://gitlab.com/o/n/issues/7", &repo, num, sizeof num) == -1);
	CHECK(github_issue_of_url(&g, "https://github.com.evil/o/n/issues/7", &repo, num, sizeof num) == -1);
	CHECK(github_issue_of_url(&g, "https://github.com/o/n/issues/1234567890123", &repo, num, sizeof num) == -1);
	github_issue_url(&g, "o/n", "5", &out);
	CHECK_STR(buf_str(&out), "https://github.com/o/n/issues/5");
	/* an enterprise API: its host's pages, and github.com's still */
	g.api = "https://ghe.example/api/v3";
	CHECK(github_issue_of_url(&g, "https://ghe.example/o/n/issues/9", &repo, num, sizeof num) == 0);
	CHECK_STR(buf_str(&repo), "o/n");
	CHECK(github_issue_of_url(&g, "https://ghe.example.evil/o/n/issues/9", &repo, num, sizeof num) == -1);
	github_issue_url(&g, "o/n", "5", &out);
	CHECK_STR(buf_str(&out), "https://ghe.example/o/n/issues/5");
	github_issue_path("o/n", "5", &out);
	CHECK_STR(buf_str(&out), "repos/o/n/issues/5");
	github_issues_path("o/n", 100, &out);
	CHECK_STR(buf_str(&out), "repos/o/n/issues?state=open&per_page=100");
	buf_free(&repo);
	buf_free(&out);
}

int
main(void)
{
	RUN(test_title_kinds);
	RUN(test_title_other);
	RUN(test_platforms);
	RUN(test_multiple);
	RUN(test_multiple_unfenced);
	RUN(test_list_json);
	RUN(test_one_json);
	RUN(test_time);
	RUN(test_issue_urls);
	return 0;
}
