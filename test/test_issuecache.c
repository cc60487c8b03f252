/* issuecache: the trimmed answers kept in the cache folder. */
#include "issuecache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "unit.h"

static void
trim(void)
{
	struct buf out = { 0 }, why = { 0 };
	struct issue is;
	const char *full = "{\"number\":12,\"title\":\"t\",\"body\":\"a long body\",\"state\":\"closed\","
	    "\"created_at\":\"2026-08-21T19:26:39Z\",\"user\":{\"login\":\"x\"}}";

	CHECK(issue_parse_one(full, strlen(full), &is, &why) == 0);
	issue_cache_trim(&is, &out);
	CHECK_STR(buf_str(&out), "{\"number\":12,\"state\":\"closed\",\"created_at\":\"2026-08-21T19:26:39Z\"}\n");
	issue_free(&is);
	/* Only what was validated: a bad state and a bad date are left out;
	 * with neither, nothing is kept. */
	full = "{\"number\":3,\"state\":\"weird\",\"created_at\":\"2026-08-21T19:26:39Z\"}";
	CHECK(issue_parse_one(full, strlen(full), &is, &why) == 0);
	issue_cache_trim(&is, &out);
	CHECK_STR(buf_str(&out), "{\"number\":3,\"created_at\":\"2026-08-21T19:26:39Z\"}\n");
	issue_free(&is);
	full = "{\"number\":3,\"state\":\"open\",\"created_at\":\"2026-02-30T00:00:00Z\"}";
	CHECK(issue_parse_one(full, strlen(full), &is, &why) == 0);
	issue_cache_trim(&is, &out);
	CHECK_STR(buf_str(&out), "{\"number\":3,\"state\":\"open\"}\n");
	issue_free(&is);
	full = "{\"number\":3,\"state\":\"x\\\"y\",\"created_at\":\"2026\\\"\"}";
	CHECK(issue_parse_one(full, strlen(full), &is, &why) == 0);
	issue_cache_trim(&is, &out);
	CHECK(out.len == 0);
	issue_free(&is);
	buf_free(&out);
	buf_free(&why);
}

static void
store_and_load(void)
{
	char tmpl[] = "/tmp/test_issuecache.XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct config c;
	struct issue_cache ic;
	struct issue is, back;
	struct buf why = { 0 }, path = { 0 };
	long long fetched;
	const char *url = "https://api.example/repos/o/n/issues/7";
	const char *doc = "{\"number\":7,\"state\":\"open\",\"created_at\":\"2026-01-02T03:04:05Z\",\"body\":\"b\"}";

	CHECK(dir != NULL);
	if (!dir)
		return;
	memset(&c, 0, sizeof c);
	c.cache_dir = dir;
	c.ttl = 10800;
	setenv("EXCLUSIONS_NOW", "1800000000", 1);
	CHECK(issue_cache_init(&ic, &c, &why) == 0 && ic.dir != NULL);
	CHECK(issue_cache_get(&ic, url, &back, &fetched, &why) == 0);
	CHECK(issue_parse_one(doc, strlen(doc), &is, &why) == 0);
	CHECK(issue_cache_put(&ic, url, &is, &why) == 0);
	CHECK(issue_cache_get(&ic, url, &back, &fetched, &why) == 1);
	CHECK(fetched == 1800000000LL);
	CHECK(back.state && strcmp(back.state, "open") == 0);
	CHECK(back.created_at && strcmp(back.created_at, "2026-01-02T03:04:05Z") == 0);
	CHECK(back.body == NULL);
	issue_free(&back);
	/* The list's files are of another kind: no collision. */
	cache_path(dir, url, "issue", &path);
	CHECK(access(buf_str(&path), F_OK) == 0);
	/* Damaged: -1 with why, then replaced by the next store. */
	{
		FILE *f = fopen(buf_str(&path), "r+");

		CHECK(f != NULL);
		if (f) {
			fseek(f, -3, SEEK_END);
			fputc('X', f);
			fclose(f);
		}
	}
	why.len = 0;
	CHECK(issue_cache_get(&ic, url, &back, &fetched, &why) == -1 && why.len > 0);
	CHECK(issue_cache_put(&ic, url, &is, &why) == 0);
	CHECK(issue_cache_get(&ic, url, &back, &fetched, &why) == 1);
	issue_free(&back);
	/* A valid cache file whose body is not an issue: -1. */
	{
		struct cache_entry e;

		memset(&e, 0, sizeof e);
		e.url = (char *)url;
		e.fetched = 1;
		buf_adds(&e.body, "[1,2]");
		CHECK(cache_store(dir, "issue", &e, &why) == 0);
		buf_free(&e.body);
	}
	why.len = 0;
	CHECK(issue_cache_get(&ic, url, &back, &fetched, &why) == -1 && strstr(buf_str(&why), "not an issue"));
	unlink(buf_str(&path));
	rmdir(dir);
	issue_free(&is);
	issue_cache_free(&ic);
	/* --no-cache: nothing read, nothing written. */
	c.no_cache = 1;
	CHECK(issue_cache_init(&ic, &c, &why) == 0 && ic.dir == NULL);
	CHECK(issue_cache_get(&ic, url, &back, &fetched, &why) == 0);
	unsetenv("EXCLUSIONS_NOW");
	buf_free(&why);
	buf_free(&path);
}

int
main(void)
{
	RUN(trim);
	RUN(store_and_load);
	return 0;
}
