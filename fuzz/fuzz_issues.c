/*
 * libFuzzer target for issue tracking (issues.h): titles, bodies, the
 * API's JSON and its dates.
 *
 *   make fuzz-bins && fuzz/bin/fuzz_issues -max_total_time=60 fuzz/corpus/issues
 *
 * The input's first line is a title, the rest a body; the whole input is
 * also read as a page of issues, as one issue, and its start as a date.
 * Besides memory safety it checks, and aborts when one fails:
 *   - a title is one of the kinds; a key is one key_parse accepts, written
 *     with one space; a node id holds "::", no blank, and is a piece of the
 *     title; a gtest name is one gtest_name_ok accepts; a malformed title
 *     says why; a title not "DISABLED" + a blank is no disabling title;
 *   - platforms (of a Platforms: line or a test line) are lower case,
 *     comma-separated, no empty name, no blank at either end of a name;
 *   - every test of a DISABLED MULTIPLE body is a key key_parse accepts;
 *   - a page's count is what its callback saw; a date is never negative
 *     but for -1;
 *   - an issue's trimmed form for the cache (issuecache.h) reads back as
 *     an issue whose trimmed form is the same.
 */
#include "exclset.h"
#include "issuecache.h"
#include "issues.h"
#include "match.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static int
inside(const char *piece, size_t k, const char *s, size_t n)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, piece, k) == 0)
			return 1;
	return 0;
}

static void
check_platforms(const char *p)
{
	size_t n = strlen(p);

	if (n == 0)
		return;
	REQUIRE(p[0] != ',' && p[n - 1] != ',' && !strstr(p, ",,"));
	for (size_t i = 0; i < n; i++) {
		REQUIRE(!(p[i] >= 'A' && p[i] <= 'Z'));
		if (p[i] == ',')
			REQUIRE(!blank(p[i - 1]) && !blank(p[i + 1]));
	}
	REQUIRE(!blank(p[0]) && !blank(p[n - 1]));
}

static void
check_key(const char *key)
{
	struct testkey k;
	const char *why;

	REQUIRE(key_parse(key, strlen(key), &k, &why) == 0);
}

static void
on_test(void *arg, const char *key, const char *platforms)
{
	(*(long *)arg)++;
	check_key(key);
	check_platforms(platforms);
}

static void
on_bad(void *arg, const char *line, size_t n, const char *why)
{
	(void)arg;
	(void)line;
	(void)n;
	REQUIRE(why && *why);
}

static void
on_issue(void *arg, const struct issue *is)
{
	(*(long *)arg)++;
	REQUIRE(strlen(is->number) < sizeof is->number);
	if (is->number[0])
		REQUIRE(all_digits(is->number, strlen(is->number), 15));
	if (is->title)
		(void)strlen(is->title);
}

static void
check_title(const char *t, size_t n)
{
	struct buf test = { 0 }, why = { 0 };
	enum issue_title_kind k = issue_title_parse(t, n, &test, &why);
	size_t i = 0;

	while (i < n && blank(t[i]))
		i++;
	switch (k) {
	case IT_NONE:
		REQUIRE(!(n - i >= 8 && memcmp(t + i, "DISABLED", 8) == 0 && (n - i == 8 || blank(t[i + 8]))));
		break;
	case IT_KEY:
		check_key(test.p);
		REQUIRE(!strstr(test.p, "  "));
		break;
	case IT_NODEID:
		REQUIRE(strstr(test.p, "::") && !has_space_or_ctrl(test.p, test.len));
		REQUIRE(inside(test.p, test.len, t, n));
		break;
	case IT_GTEST:
		REQUIRE(gtest_name_ok(test.p, test.len) && inside(test.p, test.len, t, n));
		break;
	case IT_MULTIPLE:
		break;
	case IT_MALFORMED:
		REQUIRE(why.len > 0);
		break;
	default:
		REQUIRE(0);
	}
	buf_free(&test);
	buf_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nl = memchr(p, '\n', size);
	size_t tl = nl ? (size_t)(nl - p) : size;
	const char *body = nl ? nl + 1 : p + size;
	size_t bl = size - (size_t)(body - p);
	struct buf plats = { 0 }, why = { 0 };
	struct issue is;
	long seen = 0, got;
	char date[40];

	check_title(p, tl);
	if (issue_body_platforms(body, bl, &plats))
		check_platforms(plats.p);
	else
		REQUIRE(plats.len == 0);
	got = issue_body_tests(body, bl, on_test, on_bad, &seen);
	REQUIRE(got == -1 ? seen == 0 : got == seen);
	seen = 0;
	got = issue_list_parse(p, size, on_issue, &seen, &why);
	REQUIRE(got == -1 ? why.len > 0 : got == seen);
	why.len = 0;
	if (issue_parse_one(p, size, &is, &why) == 0) {
		struct buf t1 = { 0 }, t2 = { 0 };
		struct issue back;

		issue_cache_trim(&is, &t1);
		if (t1.len) {
			REQUIRE(issue_parse_one(t1.p, t1.len, &back, &why) == 0);
			issue_cache_trim(&back, &t2);
			REQUIRE(t2.len == t1.len && memcmp(t1.p, t2.p, t1.len) == 0);
			issue_free(&back);
		}
		buf_free(&t1);
		buf_free(&t2);
		issue_free(&is);
	} else {
		REQUIRE(why.len > 0);
	}
	memcpy(date, p, size < sizeof date - 1 ? size : sizeof date - 1);
	date[size < sizeof date - 1 ? size : sizeof date - 1] = '\0';
	REQUIRE(issue_time_parse(date) >= -1);
	buf_free(&plats);
	buf_free(&why);
	return 0;
}
