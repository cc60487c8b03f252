#include "issuecache.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h"

/* An issue's answer, trimmed, is a few dozen bytes: a bigger file is not
 * ours. */
#define TRIMMED_MAX 4096

int
issue_cache_init(struct issue_cache *ic, const struct config *c, struct buf *why)
{
	struct buf dir = { 0 };

	memset(ic, 0, sizeof *ic);
	ic->ttl = c->ttl;
	ic->offline = c->offline;
	ic->refresh = c->refresh;
	if (c->no_cache)
		return 0;
	if (c->cache_dir) {
		buf_adds(&dir, c->cache_dir);
	} else if (cache_default_dir(&dir) < 0) {
		buf_printf(why, "no cache: neither --cache-dir nor EXCLUSIONS_CACHE_DIR, XDG_CACHE_HOME or HOME is set");
		buf_free(&dir);
		return -1;
	}
	ic->dir = xstrdup(buf_str(&dir));
	buf_free(&dir);
	return 0;
}

void
issue_cache_free(struct issue_cache *ic)
{
	free(ic->dir);
	ic->dir = NULL;
}

/* A time as GitHub writes it: only the characters of ISO 8601, and one. */
static int
time_ok(const char *s)
{
	long long t;

	return s && s[0] && strspn(s, "0123456789-:.+TZ") == strlen(s) &&
	    iso8601_parse(s, strlen(s), &t) == 0;
}

void
issue_cache_trim(const struct issue *is, struct buf *out)
{
	int state = is->state && (strcmp(is->state, "open") == 0 || strcmp(is->state, "closed") == 0);
	int created = time_ok(is->created_at);

	out->len = 0;
	buf_str(out);
	if (!state && !created)
		return;
	buf_adds(out, "{");
	if (is->number[0])
		buf_printf(out, "\"number\":%s,", is->number);
	if (state)
		buf_printf(out, "\"state\":\"%s\",", is->state);
	if (created)
		buf_printf(out, "\"created_at\":\"%s\",", is->created_at);
	out->p[out->len - 1] = '}';
	buf_adds(out, "\n");
}

int
issue_cache_get(const struct issue_cache *ic, const char *url, struct issue *is,
    long long *fetched, struct buf *why)
{
	struct cache_entry e;
	struct buf w = { 0 };
	int rc;

	memset(is, 0, sizeof *is);
	*fetched = 0;
	if (!ic->dir)
		return 0;
	rc = cache_load(ic->dir, url, ISSUECACHE_KIND, TRIMMED_MAX, &e, why);
	if (rc <= 0)
		return rc;
	if (issue_parse_one(e.body.p ? e.body.p : "", e.body.len, is, &w) < 0) {
		struct buf path = { 0 };

		cache_path(ic->dir, url, ISSUECACHE_KIND, &path);
		buf_printf(why, "%s: not an issue: %s", buf_str(&path), buf_str(&w));
		buf_free(&path);
		rc = -1;
	} else {
		*fetched = e.fetched;
	}
	buf_free(&w);
	cache_entry_free(&e);
	return rc;
}

int
issue_cache_put(const struct issue_cache *ic, const char *url, const struct issue *is, struct buf *why)
{
	struct cache_entry e;
	int rc;

	if (!ic->dir)
		return 0;
	memset(&e, 0, sizeof e);
	issue_cache_trim(is, &e.body);
	if (e.body.len == 0) {
		buf_free(&e.body);
		return 0;
	}
	e.url = xstrdup(url);
	e.fetched = wall_now();
	e.entries = 1;
	rc = cache_store(ic->dir, ISSUECACHE_KIND, &e, why);
	cache_entry_free(&e);
	return rc;
}
