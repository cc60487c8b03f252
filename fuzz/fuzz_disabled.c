/*
 * libFuzzer target for the disabled-list reader (disabled.h):
 *
 *   make fuzz-bins && fuzz/bin/fuzz_disabled -max_total_time=60 fuzz/corpus/disabled
 *
 * Every input is parsed with a keep callback that keeps every entry and
 * records the platforms it knows (as exclusions does), so that the copying
 * path runs on everything.  Besides memory safety it checks, and aborts
 * when one fails:
 *   - the view handed to the callback is sane: the parsed key lies inside
 *     the key, the issue is 1..12 decimal digits (in the runtime form
 *     [url, [platforms]], 0..12: the URL's last part after "/issues/",
 *     or none), the URL starts with http(s)://, at most
 *     ENTRY_MAX_PLATFORMS platforms;
 *   - kept entries are what the callback saw, minus those whose URL holds
 *     white space or control bytes: the same key, issue, URL and platform
 *     list, in order, and the key parses the same way again;
 *   - the count of entries seen is -1 exactly when why says something, and
 *     never less than the number kept;
 *   - a keep callback that keeps nothing sees the same entries;
 *   - the warnings about malformed entries are at most six records (five
 *     named, one count), each a LOG_WARN from the source given; without a
 *     stream (NULL) the parse is the same.
 */
#include "disabled.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

/* What the callback saw, to compare with what was kept. */
struct seen {
	struct strlist keys, issues, urls, plats;
	size_t calls;
};

static int
inside(const char *p, size_t n, const char *base, size_t len)
{
	return p >= base && n <= len && (size_t)(p - base) <= len - n;
}

static void
check_view(const struct entry_view *e)
{
	REQUIRE(e->key != NULL && e->issue != NULL && e->url != NULL);
	/* The name is the key's first word: white space may come before it
	 * (keys split on white space, as PyTorch splits them). */
	REQUIRE(inside(e->k.name, e->k.name_len, e->key, e->key_len) && e->k.name_len > 0 &&
	    e->k.name_len < e->key_len);
	for (const char *p = e->key; p < e->k.name; p++)
		REQUIRE(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v');
	/* keep() sees only entries checked in full. */
	REQUIRE(inside(e->k.cls, e->k.cls_len, e->key, e->key_len) && e->k.cls_len > 0);
	REQUIRE(inside(e->k.module, e->k.module_len, e->key, e->key_len));
	REQUIRE(is_identifier(e->k.cls, e->k.cls_len));
	REQUIRE(!has_space_or_ctrl(e->k.name, e->k.name_len));
	REQUIRE(e->issue_len <= 12 && (e->runtime || e->issue_len >= 1));
	for (size_t i = 0; i < e->issue_len; i++)
		REQUIRE(e->issue[i] >= '0' && e->issue[i] <= '9');
	if (e->runtime && e->issue_len) {
		REQUIRE(e->issue + e->issue_len == e->url + e->url_len);
		REQUIRE((size_t)(e->issue - e->url) >= 8 && memcmp(e->issue - 8, "/issues/", 8) == 0);
	}
	if (e->runtime && !e->issue_len && e->url_len >= 8) {
		size_t d = 0;

		while (d < e->url_len && e->url[e->url_len - 1 - d] >= '0' && e->url[e->url_len - 1 - d] <= '9')
			d++;
		REQUIRE(d == 0 || d > 12 || d + 8 > e->url_len ||
		    memcmp(e->url + e->url_len - d - 8, "/issues/", 8) != 0);
	}
	REQUIRE(!has_space_or_ctrl(e->url, e->url_len));
	REQUIRE(e->url_len >= 7);
	REQUIRE(memcmp(e->url, "http://", 7) == 0 ||
	    (e->url_len >= 8 && memcmp(e->url, "https://", 8) == 0));
	REQUIRE(e->nplatforms <= ENTRY_MAX_PLATFORMS);
}

/* Keep everything; record the known platforms, canonical names only once,
 * as exclusions does, and exercise platform_bit on every name. */
static int
keep_all(void *arg, const struct entry_view *e, struct buf *kept)
{
	struct seen *s = arg;
	unsigned bits = 0;

	check_view(e);
	for (size_t i = 0; i < e->nplatforms; i++) {
		unsigned b = platform_bit(e->platforms[i], e->platform_lens[i]);

		REQUIRE(e->platforms[i] != NULL || e->platform_lens[i] == 0);
		REQUIRE((b & (b - 1)) == 0);        /* at most one bit */
		if (!b || (bits & b))
			continue;
		bits |= b;
		if (kept->len)
			buf_addc(kept, ',');
		buf_add(kept, e->platforms[i], e->platform_lens[i]);
	}
	s->calls++;

	strlist_addn(&s->keys, e->key, e->key_len);
	strlist_addn(&s->issues, e->issue, e->issue_len);
	strlist_addn(&s->urls, e->url, e->url_len);
	strlist_add(&s->plats, buf_str(kept));
	return 1;
}

static int
keep_none(void *arg, const struct entry_view *e, struct buf *kept)
{
	struct seen *s = arg;

	(void)kept;
	check_view(e);
	s->calls++;
	return 0;
}

static void
seen_free(struct seen *s)
{
	strlist_free(&s->keys);
	strlist_free(&s->issues);
	strlist_free(&s->urls);
	strlist_free(&s->plats);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so that a read past the end is caught. */
	char *doc = malloc(size ? size : 1);
	struct entries out = { 0 }, none = { 0 };
	struct buf why = { 0 }, why2 = { 0 };
	struct seen s, s2;
	struct diags d = { .keep_level = LOG_WARN };
	long n, n2;

	REQUIRE(doc != NULL);
	memset(&s, 0, sizeof s);
	memset(&s2, 0, sizeof s2);
	if (size)
		memcpy(doc, data, size);
	else
		doc[0] = '\0';   /* never read: keeps -Wmaybe-uninitialized quiet */
	/* The warnings go to a stream that keeps them (nothing is printed:
	 * they would flood the output); the second parse has none (NULL). */
	n = disabled_parse(doc, size, "fuzz", NULL, keep_all, &s, &out, &why, &d);
	REQUIRE(n >= -1);
	REQUIRE((n == -1) == (why.len > 0));
	REQUIRE(d.n <= 6);        /* five named, then one line for the rest */
	for (size_t i = 0; i < d.n; i++)
		REQUIRE(d.v[i].level == LOG_WARN && strcmp(d.v[i].source, "fuzz") == 0 &&
		    d.v[i].text[0] != '\0');
	REQUIRE(n == -1 || (size_t)n >= d.n);
	if (n >= 0) {
		REQUIRE((size_t)n >= out.n);
		REQUIRE(out.n == s.keys.n && s.keys.n <= s.calls);
		for (size_t i = 0; i < out.n; i++) {
			const struct entry *e = &out.v[i];
			struct testkey k;
			const char *kwhy;
			size_t kl = strlen(e->key);

			/* A key with a NUL byte (\u0000) cannot parse, so the copy is whole. */
			REQUIRE(kl == strlen(s.keys.v[i]) && strcmp(e->key, s.keys.v[i]) == 0);
			REQUIRE(strcmp(e->issue, s.issues.v[i]) == 0);
			REQUIRE(strcmp(e->url, s.urls.v[i]) == 0);
			REQUIRE(strcmp(e->platforms, s.plats.v[i]) == 0);
			REQUIRE(strcmp(e->source, "fuzz") == 0);
			REQUIRE(key_parse(e->key, kl, &k, &kwhy) == 0);
			REQUIRE(e->k.name == k.name && e->k.name_len == k.name_len);
			REQUIRE(e->k.cls == k.cls && e->k.cls_len == k.cls_len);
			REQUIRE(e->k.module == k.module && e->k.module_len == k.module_len);
		}
	}

	/* Keeping nothing: the same entries pass by, nothing is copied. */
	n2 = disabled_parse(doc, size, "fuzz", NULL, keep_none, &s2, &none, &why2, NULL);
	REQUIRE(n2 == n && none.n == 0 && s2.calls == s.calls);
	REQUIRE(why2.len == why.len && (why.len == 0 || strcmp(buf_str(&why), buf_str(&why2)) == 0));

	entries_free(&out);
	entries_free(&none);
	buf_free(&why);
	buf_free(&why2);
	seen_free(&s);
	seen_free(&s2);
	diags_free(&d);
	free(doc);
	return 0;
}
