/*
 * libFuzzer target for what alerts.c reads of GitHub's issue JSON: a single
 * issue's created_at (--issue-ages), and a list or search of issues in
 * which the tracking issue is found by its marker (--notify-issue); and
 * ISO 8601 times themselves.
 *
 *   make fuzz-bins && fuzz/bin/fuzz_issuejson -max_total_time=60 fuzz/corpus/issuejson
 *
 * Besides memory safety it checks, and aborts when one fails:
 *   - a created_at accepted is a time from 1970 to 9999, and its day
 *     printed and read back is the same day;
 *   - an issue found has a positive number and a body holding the marker;
 *   - a failure comes with one line of why;
 *   - the whole input, as a time, is accepted only with its day, month,
 *     hour ... in range (the day printed back starts like the input).
 */
#include "alerts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_time(long long t)
{
	char day[11], s[32];
	long long back;

	REQUIRE(t >= 0 && t <= 253402387199LL);   /* 9999-12-31T23:59:59-... */
	iso8601_day(t, day);
	memcpy(s, day, 10);
	memcpy(s + 10, "T00:00:00Z", 11);
	REQUIRE(iso8601_parse(s, 20, &back) == 0);
	REQUIRE(back <= t && t - back < 86400 + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct buf why = { 0 };
	struct gh_issue i;
	long long t;
	int rc;

	if (issue_created_at(p, size, &t, &why) == 0)
		check_time(t);
	else
		REQUIRE(why.len > 0 && !memchr(why.p, '\n', why.len));
	why.len = 0;
	rc = issue_find_marked(p, size, "<!-- exclusions:tracking-issue platforms=linux -->", &i, &why);
	if (rc == 1) {
		REQUIRE(i.number > 0 && i.body && strstr(i.body, "<!-- exclusions:tracking-issue platforms=linux -->"));
		gh_issue_free(&i);
	} else if (rc < 0) {
		REQUIRE(why.len > 0);
	}
	if (iso8601_parse(p, size, &t) == 0) {
		char day[11];

		check_time(t);
		iso8601_day(t, day);
		/* an offset can move the day; without one it is the input's */
		if (size >= 20 && p[19] != '+' && p[19] != '-' && memchr(p, '+', size) == NULL &&
		    memchr(p + 10, '-', size - 10) == NULL)
			REQUIRE(memcmp(day, p, 10) == 0 || memcmp(p + 17, "60", 2) == 0);
	}
	buf_free(&why);
	return 0;
}
