/*
 * libFuzzer target for the cache file reader (cache.h) and the reading of
 * a response's headers (fetch_meta_parse, fetch.h):
 *
 *   make fuzz-bins && fuzz/bin/fuzz_cache -max_total_time=60 fuzz/corpus/cache
 *
 * Besides memory safety it checks, and aborts when one fails:
 *   - cache_parse accepts or refuses with a reason; what it accepts is
 *     printable where it must be, and formats (cache_format) to a text
 *     that reads back to the same entry;
 *   - fetch_meta_parse's body offset is within the input, and its ETag and
 *     Last-Modified are printable ASCII.
 */
#include "cache.h"
#include "fetch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct cache_entry e, again;
	struct buf why = { 0 }, text = { 0 };
	struct fetch_meta m;

	if (cache_parse(p, size, NULL, &e, &why) == 0) {
		REQUIRE(e.url && printable(e.url));
		REQUIRE(!e.etag || printable(e.etag));
		REQUIRE(!e.last_modified || printable(e.last_modified));
		cache_format(&e, &text);
		why.len = 0;
		REQUIRE(cache_parse(text.p, text.len, e.url, &again, &why) == 0);
		REQUIRE(strcmp(again.url, e.url) == 0 && same(again.etag, e.etag) &&
		    same(again.last_modified, e.last_modified));
		REQUIRE(again.fetched == e.fetched && again.entries == e.entries &&
		    again.drop_since == e.drop_since);
		REQUIRE(again.body.len == e.body.len && (e.body.len == 0 ||
		    memcmp(again.body.p, e.body.p, e.body.len) == 0));
		REQUIRE(e.body.len <= size);
		cache_entry_free(&again);
		cache_entry_free(&e);
	} else {
		REQUIRE(why.len > 0);
	}
	if (fetch_meta_parse(p, size, &m) == 0) {
		REQUIRE(m.body_off <= size);
		REQUIRE(m.status == 0 || (m.status >= 100 && m.status <= 599));
		REQUIRE(!m.etag || printable(m.etag));
		REQUIRE(!m.last_modified || printable(m.last_modified));
	} else {
		REQUIRE(m.etag == NULL && m.last_modified == NULL);
	}
	fetch_meta_free(&m);
	buf_free(&why);
	buf_free(&text);
	return 0;
}
