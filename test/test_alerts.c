/* alerts.c: ISO 8601 times, GitHub's issue JSON, escaping for workflow
 * commands and JSON, and the texts the alerts send. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "github.h"
#include "unit.h"

#define MARKER "<!-- exclusions:tracking-issue platforms=linux -->"

static long long
iso(const char *s)
{
	long long t = -12345;

	if (iso8601_parse(s, strlen(s), &t) < 0)
		return -1;
	return t;
}

static void
iso8601_valid(void)
{
	CHECK(iso("1970-01-01T00:00:00Z") == 0);
	CHECK(iso("2026-08-21T19:26:39Z") == 1787340399LL);
	CHECK(iso("2000-02-29T00:00:00Z") == 951782400LL);
	CHECK(iso("2024-02-29T23:59:59Z") == 1709251199LL);
	/* fractional seconds dropped; offsets applied */
	CHECK(iso("2026-08-21T19:26:39.1234567Z") == 1787340399LL);
	CHECK(iso("2026-08-21T21:26:39+02:00") == 1787340399LL);
	CHECK(iso("2026-08-21T14:26:39-05:00") == 1787340399LL);
	CHECK(iso("2026-12-31T23:59:60Z") == iso("2027-01-01T00:00:00Z"));
	CHECK(iso("9999-12-31T23:59:59Z") == 253402300799LL);
}

static void
iso8601_invalid(void)
{
	static const char *const bad[] = {
		"", "2026-08-21", "2026-08-21T19:26:39", "2026-08-21 19:26:39Z",
		"2026-8-21T19:26:39Z", "2026-08-21T19:26:39z", "2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-08-00T00:00:00Z", "2026-08-21T24:00:00Z",
		"2026-08-21T23:60:00Z", "2026-08-21T23:59:61Z", "1969-12-31T23:59:59Z",
		"1970-01-01T00:00:00+00:01", "2026-08-21T19:26:39.Z", "2026-08-21T19:26:39.1234567890Z",
		"2026-08-21T19:26:39+0200", "2026-08-21T19:26:39+24:00", "2026-08-21T19:26:39Zjunk",
		"+026-08-21T19:26:39Z", "2026-08-21T19:26:39+02:00x", "2026-08-2lT19:26:39Z",
		"2026-08-21T19:26:39 ", "-2026-08-21T19:26:39Z",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		long long t = 77;

		if (iso8601_parse(bad[i], strlen(bad[i]), &t) == 0 || t != 77)
			printf("  accepted: %s\n", bad[i]);
		CHECK(iso8601_parse(bad[i], strlen(bad[i]), &t) < 0 && t == 77);
	}
	/* n bounds the text: no reading past it */
	{
		long long t;

		CHECK(iso8601_parse("2026-08-21T19:26:39Z", 19, &t) < 0);
	}
}

static void
day_and_days(void)
{
	char d[11];

	iso8601_day(0, d);
	CHECK_STR(d, "1970-01-01");
	iso8601_day(1787340399LL, d);
	CHECK_STR(d, "2026-08-21");
	iso8601_day(951782400LL, d);
	CHECK_STR(d, "2000-02-29");
	iso8601_day(-5, d);
	CHECK_STR(d, "1970-01-01");
	/* every day of 1970..2100 round-trips */
	for (long long t = 0; t < 4102444800LL; t += 86400) {
		char s[32];
		long long back;

		iso8601_day(t, d);
		snprintf(s, sizeof s, "%sT00:00:00Z", d);
		if (iso8601_parse(s, strlen(s), &back) < 0 || back != t) {
			CHECK(!"round trip");
			break;
		}
	}
	CHECK(days_between(0, 86399) == 0);
	CHECK(days_between(0, 86400) == 1);
	CHECK(days_between(100, 50) == 0);
	CHECK(days_between(iso("2026-07-01T00:00:00Z"), iso("2026-08-21T00:00:00Z")) == 51);
}

static void
created_at(void)
{
	struct buf why = { 0 };
	long long t = 0;
	const char *ok = "{\"number\":1,\"body\":\"x \\\"created_at\\\"\",\"user\":{\"created_at\":\"x\"},"
	    "\"created_at\":\"2026-08-21T19:26:39Z\",\"labels\":[]}";
	const char *bad[] = {
		"", "[]", "{\"number\":1}", "{\"created_at\":5}", "{\"created_at\":\"yesterday\"}",
		"{\"created_at\":\"2026-08-21T19:26:39Z\"", "{\"created_at\":\"2026-08-21T19:26:39Z\"} x",
		"null", "{\"created_at\":\"2026-08-21\\nT19:26:39Z\"}",
	};
	/* issues.h's reader decodes strings: an escaped letter is the letter. */
	const char *escaped = "{\"created_at\":\"2026-08-21T19:26:39\\u005a\"}";

	CHECK(issue_created_at(ok, strlen(ok), &t, &why) == 0);
	CHECK(t == 1787340399LL);
	t = 0;
	CHECK(issue_created_at(escaped, strlen(escaped), &t, &why) == 0 && t == 1787340399LL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why.len = 0;
		CHECK(issue_created_at(bad[i], strlen(bad[i]), &t, &why) < 0);
		CHECK(why.len > 0 && !strchr(buf_str(&why), '\n'));
	}
	buf_free(&why);
}

static void
find_marked(void)
{
	struct gh_issue i;
	struct buf why = { 0 };
	const char *list = "[{\"number\":9,\"state\":\"open\",\"body\":\"" "<!-- exclusions:tracking-issue platforms=linux -->" "\","
	    "\"pull_request\":{\"url\":\"u\"}},"
	    "{\"number\":7,\"state\":\"closed\",\"body\":\"<!-- exclusions:tracking-issue platforms=linux -->\\nold\"},"
	    "{\"number\":8,\"state\":\"open\",\"body\":\"<!-- exclusions:tracking-issue platforms=linux -->\\nnew\"},"
	    "{\"number\":3,\"state\":\"open\",\"body\":null},"
	    "{\"number\":5,\"state\":\"open\",\"body\":\"<!-- exclusions:tracking-issue platforms=rocm -->\"},"
	    "{\"number\":2,\"state\":\"open\",\"body\":\"no marker\"},"
	    "{\"number\":6,\"state\":\"open\",\"body\":\"<!-- exclusions:tracking-issue platforms=linux -->\",\"pull_request\":null}]";
	const char *search = "{\"total_count\":1,\"items\":[{\"number\":7,\"state\":\"closed\","
	    "\"body\":\"\\u003c!-- exclusions:tracking-issue platforms=linux --\\u003e\"}]}";

	/* open before closed, then the lowest number; pull requests and other
	 * platforms' issues out */
	CHECK(issue_find_marked(list, strlen(list), MARKER, &i, &why) == 1);
	CHECK(i.number == 6 && i.open);
	gh_issue_free(&i);
	CHECK(issue_find_marked(search, strlen(search), MARKER, &i, &why) == 1);
	CHECK(i.number == 7 && !i.open && strcmp(i.body, MARKER) == 0);
	gh_issue_free(&i);
	CHECK(issue_find_marked("[]", 2, MARKER, &i, &why) == 0);
	CHECK(issue_find_marked("{\"items\":[]}", 12, MARKER, &i, &why) == 0);
	CHECK(issue_find_marked("{\"message\":\"x\"}", 15, MARKER, &i, &why) < 0);
	CHECK(issue_find_marked("[{\"number\":1,", 13, MARKER, &i, &why) < 0);
	CHECK(issue_find_marked("[1,\"x\",[]]", 10, MARKER, &i, &why) == 0);
	CHECK(issue_find_marked("\"x\"", 3, MARKER, &i, &why) < 0);
	buf_free(&why);
}

static char *
esc(void (*f)(struct buf *, const char *), const char *s)
{
	struct buf b = { 0 };
	char *r;

	f(&b, s);
	r = xstrdup(buf_str(&b));
	buf_free(&b);
	return r;
}

#define CHECK_ESC(f, in, want) do { char *g = esc(f, in); CHECK_STR(g, want); free(g); } while (0)

static void
escaping(void)
{
	CHECK_ESC(gha_escape_data, "a%b\r\nc: d, e", "a%25b%0D%0Ac: d, e");
	CHECK_ESC(gha_escape_prop, "a%b\r\nc: d, e", "a%25b%0D%0Ac%3A d%2C e");
	CHECK_ESC(gha_escape_prop, "t.py::C::test[1,2]", "t.py%3A%3AC%3A%3Atest[1%2C2]");
	CHECK_ESC(gha_escape_data, "%25", "%2525");
	CHECK_ESC(json_quote, "a\"b\\c\n\t\x01\x7f", "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\"");
	CHECK_ESC(json_quote, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* not UTF-8: each bad byte one U+FFFD */
	CHECK_ESC(json_quote, "a\xff" "b\xc3", "\"a\\ufffdb\\ufffd\"");
	CHECK_ESC(json_quote, "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK_ESC(json_quote, "", "\"\"");
}

/* n alerts, test names t00.. with since days ago */
static size_t
some(struct exclset *s, size_t n, long long now)
{
	for (size_t i = 0; i < n; i++) {
		char id[64], url[80];
		struct reason r = { .kind = RK_LIST, .key = "k" };

		snprintf(id, sizeof id, "t.py::C::test_%02zu", i);
		snprintf(url, sizeof url, "https://github.com/pytorch/pytorch/issues/%zu", 100 + i);
		r.url = url;
		exclset_add(s, id, "C", id + 9, &r);
	}
	exclset_finish(s);
	for (size_t i = 0; i < s->n; i++)
		s->v[i].since = now - (long long)(20 + i) * 86400 - 5;
	return s->n;
}

static void
collect_and_annotate(void)
{
	struct exclset s = { 0 };
	struct alert *a;
	struct buf out = { 0 };
	long long now = 1787340399LL;
	size_t n;
	const char *p;
	int warnings = 0, notices = 0;

	some(&s, 13, now);
	s.v[0].since = 0;               /* unknown: never alerted */
	s.v[1].since = now - 5 * 86400; /* too recent */
	n = alerts_collect(&s, now, 14, &a);
	CHECK(n == 11);
	CHECK_STR(a[0].test, "t.py::C::test_12");
	CHECK(a[0].days == 32);
	CHECK_STR(a[n - 1].test, "t.py::C::test_02");
	alerts_annotations(a, n, 14, &out);
	for (p = buf_str(&out); *p; p = strchr(p, '\n') + 1) {
		warnings += starts_with(p, "::warning title=");
		notices += starts_with(p, "::notice ");
	}
	CHECK(warnings == 10 && notices == 1);
	CHECK(starts_with(buf_str(&out), "::warning title=Excluded for 32 days%3A t.py%3A%3AC%3A%3Atest_12::"
	    "t.py::C::test_12 has been excluded since 2026-07-20 (disabled-list): https://github.com/pytorch/pytorch/issues/112\n"));
	CHECK(strstr(buf_str(&out), "\n::notice title=1 more excluded tests::1 more test excluded for 14 days or more; see the job summary or the log for all 11\n"));
	free(a);
	/* ten or fewer: no notice */
	out.len = 0;
	n = alerts_collect(&s, now, 25, &a);
	CHECK(n == 8);
	alerts_annotations(a, n, 25, &out);
	CHECK(!strstr(buf_str(&out), "::notice"));
	free(a);
	buf_free(&out);
	exclset_free(&s);
}

static void
issue_and_webhook(void)
{
	struct exclset s = { 0 };
	struct alert *a;
	struct buf out = { 0 };
	long long now = 1787340399LL;
	size_t n;

	exclset_add(&s, "t.py::C::test_|`<b>`", "C", "test_|`<b>`",
	    &(struct reason){ .kind = RK_EXTRA, .url = "https://github.com/o/r/issues/7" });
	exclset_add(&s, "t.py::C::test_b", "C", "test_b",
	    &(struct reason){ .kind = RK_LIST, .url = "https://x/y) [z" });
	exclset_finish(&s);
	s.v[0].since = s.v[1].since = now - 20 * 86400;
	n = alerts_collect(&s, now, 14, &a);
	CHECK(n == 2);
	alerts_issue_title(n, 14, "linux", &out);
	CHECK_STR(buf_str(&out), "Tests excluded for 14 days or more on linux: 2");
	out.len = 0;
	alerts_issue_body(MARKER, a, n, 14, now, &out);
	CHECK(starts_with(buf_str(&out), MARKER "\n2 tests of this CI have been excluded for 14 days or more (as of 2026-08-21).\n"));
	CHECK(strstr(buf_str(&out), "| t.py::C::test\\_b | 20 | 2026-08-01 | disabled-list | https://x/y) \\[z |\n"));
	CHECK(strstr(buf_str(&out), "| t.py::C::test\\_\\|\\`\\<b\\>\\` | 20 | 2026-08-01 | extra | [#7](https://github.com/o/r/issues/7) |\n"));
	out.len = 0;
	alerts_issue_body(MARKER, a, 0, 14, now, &out);
	CHECK_STR(buf_str(&out), MARKER "\nNothing has been excluded for 14 days or more (as of 2026-08-21): closed by `exclusions`.\n");
	out.len = 0;
	alerts_issue_title(0, 1, "rocm,linux", &out);
	CHECK_STR(buf_str(&out), "Tests excluded for 1 day or more on rocm,linux: none");
	out.len = 0;
	alerts_marker("rocm, linux", &out);
	CHECK_STR(buf_str(&out), "<!-- exclusions:tracking-issue platforms=rocm,linux -->");
	out.len = 0;
	alerts_marker("--> <b>", &out);
	CHECK_STR(buf_str(&out), "<!-- exclusions:tracking-issue platforms=b -->");
	out.len = 0;
	alerts_marker(NULL, &out);
	CHECK_STR(buf_str(&out), MARKER);
	out.len = 0;
	alerts_webhook_json(a, n, 14, &out);
	CHECK_STR(buf_str(&out), "{\"text\":\"2 tests excluded for 14 days or more:\\n"
	    "- t.py::C::test_b: 20 days (https://x/y) [z)\\n"
	    "- t.py::C::test_|`&lt;b&gt;`: 20 days (https://github.com/o/r/issues/7)\"}");
	free(a);
	buf_free(&out);
	exclset_free(&s);
}

/* The issue behind a reason (alerts_issue_path, with github.c's
 * reading of issue URLs): only issue pages of the API's site. */
static int
path_of(struct github *g, enum reason_kind k, const char *url, const char *issue, struct buf *p)
{
	struct reason r = { .kind = k, .url = (char *)url, .issue = (char *)issue };

	p->len = 0;
	return alerts_issue_path(g, &r, p);
}

static void
issue_paths(void)
{
	struct github g;
	struct buf p = { 0 };

	memset(&g, 0, sizeof g);
	g.api = "https://api.github.com";
	CHECK(path_of(&g, RK_LIST, "https://github.com/pytorch/pytorch/issues/101", "101", &p) == 0);
	CHECK_STR(buf_str(&p), "repos/pytorch/pytorch/issues/101");
	CHECK(path_of(&g, RK_EXTRA, "https://github.com/o/r/issues/7#issuecomment-1", NULL, &p) == 0);
	CHECK_STR(buf_str(&p), "repos/o/r/issues/7");
	/* the list's number without a usable URL: pytorch/pytorch's */
	CHECK(path_of(&g, RK_LIST, "https://github.com/o/r/pull/7", "9", &p) == 0);
	CHECK_STR(buf_str(&p), "repos/pytorch/pytorch/issues/9");
	CHECK(path_of(&g, RK_LIST, NULL, "12", &p) == 0);
	CHECK_STR(buf_str(&p), "repos/pytorch/pytorch/issues/12");
	/* a hand-kept line's number alone names no repository */
	CHECK(path_of(&g, RK_EXTRA, NULL, "12", &p) < 0);
	/* trunk runs, and --issues-repo's issues (their source dates them) */
	CHECK(path_of(&g, RK_TRUNK, "https://github.com/o/r/issues/7", "7", &p) < 0);
	CHECK(path_of(&g, RK_ISSUE, "https://github.com/o/r/issues/7", "7", &p) < 0);
	static const char *const bad[] = {
		"https://github.com/o/r/issues/", "https://github.com/o/r/issues/0", "https://github.com/o/r/issues/1x",
		"https://github.com/o/r/issues/1/comments", "https://evil.example/o/r/issues/1",
		"http://github.com/o/r/issues/1", "https://github.com/../r/issues/1", "https://github.com/o/r%2f/issues/1",
		"https://github.com/o/issues/1", "https://github.com//r/issues/1", "https://github.com.evil/o/r/issues/1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (path_of(&g, RK_EXTRA, bad[i], NULL, &p) == 0) {
			printf("  accepted: %s -> %s\n", bad[i], buf_str(&p));
			CHECK(!"a URL that names no issue");
		}
	CHECK(path_of(&g, RK_LIST, NULL, "0", &p) < 0);
	CHECK(path_of(&g, RK_LIST, NULL, "1e3", &p) < 0);
	/* an enterprise API: its web host's issue URLs too */
	g.api = "https://ghe.example:8443/api/v3";
	CHECK(path_of(&g, RK_EXTRA, "https://ghe.example:8443/o/r/issues/5", NULL, &p) == 0);
	CHECK_STR(buf_str(&p), "repos/o/r/issues/5");
	CHECK(path_of(&g, RK_EXTRA, "https://ghe.example:8443api/o/r/issues/5", NULL, &p) < 0);
	github_issues_search_path("o/r", "a:b c", &p);
	CHECK_STR(buf_str(&p), "search/issues?q=repo:o/r+is:issue+in:body+%22a%3Ab%20c%22&per_page=100");
	buf_free(&p);
}

int
main(void)
{
	RUN(iso8601_valid);
	RUN(iso8601_invalid);
	RUN(day_and_days);
	RUN(created_at);
	RUN(find_marked);
	RUN(escaping);
	RUN(collect_and_annotate);
	RUN(issue_and_webhook);
	RUN(issue_paths);
	return 0;
}
