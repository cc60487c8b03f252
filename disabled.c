#include "disabled.h"

#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"

/* Past this many, malformed entries are counted, not each named. */
#define WARN_MALFORMED 5

/* Scratch space for decoded strings of one entry. */
struct scratch {
	char *p;
	size_t len, cap;
};

/* Copy a token's decoded text into the scratch area, NUL-terminated, and
 * return its offset there (offsets, because the area may move as it grows;
 * they become pointers once the whole entry is read). */
static size_t
take(struct scratch *s, const struct js_token *t, size_t *len)
{
	size_t off = s->len;

	if (s->cap - s->len < t->len + 1) {
		s->cap = (s->len + t->len + 1) * 2;
		s->p = xrealloc(s->p, s->cap);
	}
	*len = t->escaped ? js_decode(t, s->p + off) : (memcpy(s->p + off, t->p, t->len), t->len);
	s->p[off + *len] = '\0';
	s->len += *len + 1;
	return off;
}

static int
all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 12)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Read the value of one entry: [issue, url, [platform, ...]].  Returns NULL
 * when well-formed, else the reason.  On a scan error returns "" (the
 * document is broken, not just this entry). */
static const char *
read_value(struct js_scanner *sc, struct scratch *scr, struct entry_view *v, size_t *offs)
{
	struct js_token t;
	size_t n;

	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type != JS_ARRAY) {
		if (js_skip(sc, &t) < 0)
			return "";
		return "value is not an array";
	}
	/* issue number */
	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type != JS_STRING)
		goto skip_rest_bad;
	offs[1] = take(scr, &t, &n);
	if (!all_digits(scr->p + offs[1], n))
		goto skip_rest_bad_issue;
	/* issue URL */
	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type != JS_STRING)
		goto skip_rest_bad;
	offs[2] = take(scr, &t, &n);
	if (!printable(scr->p + offs[2], n) || memchr(scr->p + offs[2], ' ', n) ||
	    (!starts_with(scr->p + offs[2], "https://") && !starts_with(scr->p + offs[2], "http://")))
		goto skip_rest_bad_url;
	/* platforms */
	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type != JS_ARRAY)
		goto skip_rest_bad;
	v->nplatforms = 0;
	for (;;) {
		if (js_next(sc, &t) == JS_ERROR)
			return "";
		if (t.type == JS_ARRAY_END)
			break;
		if (t.type != JS_STRING) {
			if (js_skip(sc, &t) < 0)
				return "";
			goto skip_rest_bad;
		}
		if (v->nplatforms == ENTRY_MAX_PLATFORMS)
			goto skip_rest_many;
		offs[3 + v->nplatforms] = take(scr, &t, &v->platform_lens[v->nplatforms]);
		v->nplatforms++;
	}
	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type != JS_ARRAY_END)
		goto skip_rest_long;
	return NULL;

	/* The rest of the entry's array is skipped so that scanning resumes
	 * at the next key. */
	{
		const char *why;
skip_rest_bad:
		why = "value is not [issue, url, [platforms]]";
		goto skip;
skip_rest_bad_issue:
		why = "issue number is not decimal digits";
		goto skip;
skip_rest_bad_url:
		why = "issue URL is not an http(s) URL";
		goto skip;
skip_rest_many:
		why = "more than 32 platforms";
		goto skip;
skip_rest_long:
		why = "value has more than three items";
		if (js_skip(sc, &t) < 0)
			return "";
skip:
		/* Skip to the end of the entry's array at depth 1. */
		for (;;) {
			if (js_next(sc, &t) == JS_ERROR)
				return "";
			if (t.type == JS_ARRAY_END && t.depth == 1)
				return why;
		}
	}
}

long
disabled_parse(const char *doc, size_t len, const char *source,
    entry_keep_fn keep, void *arg, struct entries *out, struct buf *why)
{
	struct js_scanner sc;
	struct js_token t;
	struct scratch scr = { 0 };
	struct buf plat = { 0 };
	long seen = 0, bad = 0;

	js_init(&sc, doc, len, 0);
	if (js_next(&sc, &t) == JS_ERROR)
		goto scan_error;
	if (t.type != JS_OBJECT) {
		buf_printf(why, "not a JSON object of disabled tests");
		return -1;
	}
	for (;;) {
		struct entry_view v;
		const char *reason, *kwhy;
		size_t offs[3 + ENTRY_MAX_PLATFORMS];

		if (js_next(&sc, &t) == JS_ERROR)
			goto scan_error;
		if (t.type == JS_OBJECT_END)
			break;
		scr.len = 0;
		memset(&v, 0, sizeof v);
		offs[0] = take(&scr, &t, &v.key_len);
		seen++;
		reason = read_value(&sc, &scr, &v, offs);
		if (reason && !*reason)
			goto scan_error;
		v.key = scr.p + offs[0];
		if (!reason) {
			v.issue = scr.p + offs[1];
			v.url = scr.p + offs[2];
			for (size_t i = 0; i < v.nplatforms; i++)
				v.platforms[i] = scr.p + offs[3 + i];
		}
		if (!reason && key_parse(v.key, v.key_len, &v.k, &kwhy) < 0)
			reason = kwhy;
		if (reason) {
			if (++bad <= WARN_MALFORMED)
				logmsg(LOG_WARN, "%s: skipped malformed entry \"%s\": %s",
				    source, shown(v.key, v.key_len, 0), reason);
			continue;
		}
		plat.len = 0;
		if (keep && keep(arg, &v, &plat)) {
			struct entry *e;

			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 16;
				out->v = xrealloc(out->v, out->cap * sizeof *out->v);
			}
			e = &out->v[out->n++];
			e->key = xstrndup(v.key, v.key_len);
			key_parse(e->key, v.key_len, &e->k, &kwhy);
			e->issue = xstrdup(v.issue);
			e->url = xstrdup(v.url);
			e->platforms = xstrdup(buf_str(&plat));
			e->source = source;
		}
	}
	if (js_next(&sc, &t) != JS_EOF)
		goto scan_error;
	if (bad > WARN_MALFORMED)
		logmsg(LOG_WARN, "%s: %ld more malformed entries skipped", source,
		    bad - WARN_MALFORMED);
	free(scr.p);
	buf_free(&plat);
	return seen;
scan_error:
	buf_printf(why, "invalid JSON at byte %zu: %s", sc.err_offset, js_strerror(sc.err));
	free(scr.p);
	buf_free(&plat);
	return -1;
}

void
entries_free(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].issue);
		free(l->v[i].url);
		free(l->v[i].platforms);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}
