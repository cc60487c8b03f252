/* The cache file (cache.h): format and parse round trip, every kind of
 * damage detected, store and load in a folder made on demand, the default
 * folder from the environment; and fetch_meta_parse (fetch.h), the reading
 * of a conditional GET's answer. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "fetch.h"
#include "file.h"
#include "unit.h"

static void
sample(struct cache_entry *e, const char *body)
{
	memset(e, 0, sizeof *e);
	e->url = xstrdup("https://example.org/list.json");
	e->fetched = 1800000000;
	e->etag = xstrdup("W/\"abc\"");
	e->last_modified = xstrdup("Wed, 02 Dec 2026 02:24:44 GMT");
	e->entries = 3;
	e->drop_since = 1800000100;
	buf_adds(&e->body, body);
}

static void
round_trip(void)
{
	struct cache_entry e, back;
	struct buf text = { 0 }, why = { 0 };

	sample(&e, "{\"a (m.C)\": [\"1\", \"u\", []]}\n");
	cache_format(&e, &text);
	CHECK(cache_parse(text.p, text.len, e.url, &back, &why) == 0);
	CHECK_STR(back.url, e.url);
	CHECK_STR(back.etag, e.etag);
	CHECK_STR(back.last_modified, e.last_modified);
	CHECK(back.fetched == e.fetched && back.entries == 3 && back.drop_since == e.drop_since);
	CHECK(back.body.len == e.body.len && memcmp(back.body.p, e.body.p, e.body.len) == 0);
	cache_entry_free(&back);
	/* Another URL's file is refused; any URL (NULL) is not. */
	CHECK(cache_parse(text.p, text.len, "https://example.org/other", &back, &why) == -1);
	CHECK(strstr(buf_str(&why), "another URL") != NULL);
	CHECK(cache_parse(text.p, text.len, NULL, &back, &why) == 0);
	cache_entry_free(&back);
	/* A stamp: its "of" read back. */
	e.has_of = 1;
	e.of = 0x0123456789abcdefULL;
	cache_format(&e, &text);
	CHECK(cache_parse(text.p, text.len, NULL, &back, &why) == 0);
	CHECK(back.has_of && back.of == 0x0123456789abcdefULL);
	cache_entry_free(&back);
	/* An empty body and no validators. */
	cache_entry_free(&e);
	sample(&e, "");
	free(e.etag);
	free(e.last_modified);
	e.etag = e.last_modified = NULL;
	cache_format(&e, &text);
	CHECK(cache_parse(text.p, text.len, NULL, &back, &why) == 0);
	CHECK(back.etag == NULL && back.last_modified == NULL && back.body.len == 0);
	cache_entry_free(&back);
	cache_entry_free(&e);
	buf_free(&text);
	buf_free(&why);
}

static void
damage_detected(void)
{
	struct cache_entry e, back;
	struct buf text = { 0 }, why = { 0 };
	char *copy;

	sample(&e, "{\"a (m.C)\": [\"1\", \"u\", []]}\n");
	cache_format(&e, &text);
	copy = xmalloc(text.len);
	/* Every single flipped bit, and every cut, is found. */
	for (size_t i = 0; i < text.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(copy, text.p, text.len);
			copy[i] ^= (char)(1 << bit);
			why.len = 0;
			if (cache_parse(copy, text.len, NULL, &back, &why) == 0) {
				CHECK(!"a flipped bit went unnoticed");
				cache_entry_free(&back);
			} else {
				CHECK(why.len > 0);
			}
		}
		why.len = 0;
		CHECK(cache_parse(text.p, i, NULL, &back, &why) == -1);
	}
	/* A byte more is found too. */
	buf_addc(&text, '\n');
	CHECK(cache_parse(text.p, text.len, NULL, &back, &why) == -1);
	CHECK(cache_parse("", 0, NULL, &back, &why) == -1);
	free(copy);
	cache_entry_free(&e);
	buf_free(&text);
	buf_free(&why);
}

static void
store_and_load(void)
{
	char dir[64] = "/tmp/exclusions-cache.XXXXXX";
	struct cache_entry e, back;
	struct buf why = { 0 }, sub = { 0 }, path = { 0 };

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	buf_printf(&sub, "%s/a/b", dir);
	sample(&e, "[1, 2]");
	CHECK(cache_load(buf_str(&sub), e.url, "last", 1000, &back, &why) == 0);
	CHECK(cache_store(buf_str(&sub), "last", &e, &why) == 0);
	CHECK(cache_load(buf_str(&sub), e.url, "last", 1000, &back, &why) == 1);
	CHECK(back.body.len == 6 && memcmp(back.body.p, "[1, 2]", 6) == 0);
	cache_entry_free(&back);
	/* The header alone: the body's sum and length, not the body. */
	CHECK(cache_peek(buf_str(&sub), e.url, "last", &back, &why) == 1);
	CHECK(!back.body_loaded && back.body.len == 0 && back.length == 6);
	CHECK(back.body_sum == cache_body_sum("[1, 2]", 6));
	cache_entry_free(&back);
	/* Kinds are apart; the path names the kind. */
	CHECK(cache_load(buf_str(&sub), e.url, "good", 1000, &back, &why) == 0);
	cache_path(buf_str(&sub), e.url, "good", &path);
	CHECK(ends_with(buf_str(&path), ".good"));
	/* Damaged on disk: -1, the path in why. */
	cache_path(buf_str(&sub), e.url, "last", &path);
	CHECK(truncate(buf_str(&path), 20) == 0);
	why.len = 0;
	CHECK(cache_load(buf_str(&sub), e.url, "last", 1000, &back, &why) == -1);
	CHECK(strstr(buf_str(&why), buf_str(&path)) != NULL);
	CHECK(cache_peek(buf_str(&sub), e.url, "last", &back, &why) == -1);
	unlink(buf_str(&path));
	rmdir(buf_str(&sub));
	buf_printf(&sub, "/..");
	rmdir(buf_str(&sub));
	rmdir(dir);
	cache_entry_free(&e);
	buf_free(&why);
	buf_free(&sub);
	buf_free(&path);
}

static void
default_dir(void)
{
	struct buf d = { 0 };

	setenv("EXCLUSIONS_CACHE_DIR", "/x/c", 1);
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	setenv("HOME", "/home/u", 1);
	CHECK(cache_default_dir(&d) == 0);
	CHECK_STR(buf_str(&d), "/x/c");
	unsetenv("EXCLUSIONS_CACHE_DIR");
	CHECK(cache_default_dir(&d) == 0);
	CHECK_STR(buf_str(&d), "/xdg/exclusions");
	setenv("XDG_CACHE_HOME", "relative", 1);
	CHECK(cache_default_dir(&d) == 0);
	CHECK_STR(buf_str(&d), "/home/u/.cache/exclusions");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	CHECK(cache_default_dir(&d) == -1);
	buf_free(&d);
}

static void
age_text(void)
{
	char t[32];

	CHECK_STR(cache_age_text(-5, t, sizeof t), "0 s");
	CHECK_STR(cache_age_text(90, t, sizeof t), "90 s");
	CHECK_STR(cache_age_text(900, t, sizeof t), "15 min");
	CHECK_STR(cache_age_text(86400, t, sizeof t), "24.0 h");
	CHECK_STR(cache_age_text(8 * 86400, t, sizeof t), "8.0 days");
}

static void
meta(void)
{
	struct fetch_meta m;
	const char *r304 = "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";
	const char *two = "HTTP/1.1 302 Found\r\nLocation: /y\r\nETag: \"old\"\r\n\r\n"
	    "HTTP/2 200 \r\netag:  \"new\" \r\nLast-Modified: Wed, 02 Dec 2026 02:24:44 GMT\r\n\r\n{}";
	const char *bad = "HTTP/1.1 200 OK\r\nETag: \"a\x01b\"\r\n\r\nbody";

	CHECK(fetch_meta_parse(r304, strlen(r304), &m) == 0);
	CHECK(m.status == 304 && m.etag && strcmp(m.etag, "\"x\"") == 0 && m.body_off == strlen(r304));
	fetch_meta_free(&m);
	CHECK(fetch_meta_parse(two, strlen(two), &m) == 0);
	CHECK(m.status == 200);
	CHECK_STR(m.etag, "\"new\"");
	CHECK_STR(m.last_modified, "Wed, 02 Dec 2026 02:24:44 GMT");
	CHECK(strcmp(two + m.body_off, "{}") == 0);
	fetch_meta_free(&m);
	/* A validator with a control character is dropped, not sent back. */
	CHECK(fetch_meta_parse(bad, strlen(bad), &m) == 0);
	CHECK(m.status == 200 && m.etag == NULL && strcmp(bad + m.body_off, "body") == 0);
	fetch_meta_free(&m);
	CHECK(fetch_meta_parse("{}", 2, &m) == -1);
	fetch_meta_free(&m);
}

static void
conditional_argv(void)
{
	struct fetch f;
	struct fetch_req req = { 0 };
	struct buf why = { 0 };
	int inm = 0, ims = 0;

	req.url = "http://127.0.0.1:1/x";
	req.deadline = now_seconds() + 10;
	req.if_none_match = "\"abc\"";
	req.if_modified_since = "Wed, 02 Dec 2026 02:24:44 GMT";
	CHECK(fetch_prepare(&f, &req, &why) == 0);
	for (size_t i = 0; f.argv[i]; i++) {
		inm += strcmp(f.argv[i], "If-None-Match: \"abc\"") == 0;
		ims += strcmp(f.argv[i], "If-Modified-Since: Wed, 02 Dec 2026 02:24:44 GMT") == 0;
	}
	CHECK(inm == 1 && ims == 1);
	fetch_free(&f);
	/* A header injection is not sent. */
	req.if_none_match = "\"a\"\r\nX-Evil: 1";
	req.if_modified_since = NULL;
	CHECK(fetch_prepare(&f, &req, &why) == 0);
	for (size_t i = 0; f.argv[i]; i++)
		CHECK(strstr(f.argv[i], "Evil") == NULL && strstr(f.argv[i], "If-") == NULL);
	fetch_free(&f);
	buf_free(&why);
}

int
main(void)
{
	RUN(round_trip);
	RUN(damage_detected);
	RUN(store_and_load);
	RUN(default_dir);
	RUN(age_text);
	RUN(meta);
	RUN(conditional_argv);
	return 0;
}
