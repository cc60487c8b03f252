#include "disabled.h"

#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"

/* Past this many, malformed entries are counted, not each named. */
#define WARN_MALFORMED 5

/* Strings with escapes are decoded into memory of their own, freed with
 * the entry; the rest are used where they lie in the document.  Real lists
 * hold almost no escapes, so the common path copies nothing. */
struct scratch {
	struct strlist decoded;
};

static const char *
take(struct scratch *s, const struct js_token *t, size_t *len)
{
	char *d;

	if (!t->escaped) {
		*len = t->len;
		return t->p;
	}
	d = xmalloc(t->len + 1);
	*len = js_decode(t, d);
	strlist_addn(&s->decoded, d, *len);
	free(d);
	return s->decoded.v[s->decoded.n - 1];
}

static void
scratch_clear(struct scratch *s)
{
	strlist_free(&s->decoded);
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

/* Read the value of one entry: [issue, url, [platform, ...]].  Returns NULL
 * when well-formed, else the reason.  On a scan error returns "" (the
 * document is broken, not just this entry). */
static const char *
read_value(struct js_scanner *sc, struct scratch *scr, struct entry_view *v)
{
	struct js_token t;

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
	v->issue = take(scr, &t, &v->issue_len);
	if (!all_digits(v->issue, v->issue_len))
		goto skip_rest_bad_issue;
	/* issue URL */
	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type != JS_STRING)
		goto skip_rest_bad;
	v->url = take(scr, &t, &v->url_len);
	/* The rest of the URL is checked once the entry is kept (it is only
	 * ever printed then), which spares the entries of other tests. */
	if (!starts_with_n(v->url, v->url_len, "https://") && !starts_with_n(v->url, v->url_len, "http://"))
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
		v->platforms[v->nplatforms] = take(scr, &t, &v->platform_lens[v->nplatforms]);
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
		/* Skip to the end of the entry's array at depth 1, unless the
		 * token that was wrong is that end already. */
		if (t.type == JS_ARRAY_END && t.depth == 1)
			return why;
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
    entry_wanted_fn wanted, entry_keep_fn keep, void *arg, struct entries *out,
    struct buf *why, struct diags *d)
{
	return disabled_parse_counted(doc, len, source, wanted, keep, arg, out, NULL, why, d);
}

long
disabled_parse_counted(const char *doc, size_t len, const char *source,
    entry_wanted_fn wanted, entry_keep_fn keep, void *arg, struct entries *out,
    long *well_formed, struct buf *why, struct diags *d)
{
	struct js_scanner sc;
	struct js_token t;
	struct scratch scr = { { 0 } };
	struct buf plat = { 0 };
	long seen = 0, bad = 0;

	if (well_formed)
		*well_formed = 0;
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

		if (js_next(&sc, &t) == JS_ERROR)
			goto scan_error;
		if (t.type == JS_OBJECT_END)
			break;
		scratch_clear(&scr);
		/* Every field is set before it is read: no need to clear the
		 * (large) view for each of hundreds of thousands of entries. */
		v.nplatforms = 0;
		v.issue = v.url = NULL;
		v.issue_len = v.url_len = 0;
		v.key = take(&scr, &t, &v.key_len);
		seen++;
		reason = read_value(&sc, &scr, &v);
		if (reason && !*reason)
			goto scan_error;

		/* Only the shape here: the characters of the names are checked
		 * for the entries that are kept (most are about other tests). */
		if (!reason && key_split(v.key, v.key_len, &v.k) < 0)
			reason = "key is not of the form \"test_name (module.Class)\"";
		if (reason) {
			if (++bad <= WARN_MALFORMED)
				diag_add(d, LOG_WARN, source, "skipped malformed entry \"%s\": %s",
				    shown(v.key, v.key_len, 0), reason);
			continue;
		}
		if (wanted && !wanted(arg, &v.k))
			continue;
		reason = key_parse(v.key, v.key_len, &v.k, &kwhy) < 0 ? kwhy :
		    has_space_or_ctrl(v.url, v.url_len) ?
		    "issue URL holds white space or control characters" : NULL;
		if (reason) {
			if (++bad <= WARN_MALFORMED)
				diag_add(d, LOG_WARN, source, "skipped malformed entry \"%s\": %s",
				    shown(v.key, v.key_len, 0), reason);
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
			e->issue = xstrndup(v.issue, v.issue_len);
			e->url = xstrndup(v.url, v.url_len);
			e->platforms = xstrdup(buf_str(&plat));
			e->source = source;
		}
	}
	if (js_next(&sc, &t) != JS_EOF)
		goto scan_error;
	if (bad > WARN_MALFORMED)
		diag_add(d, LOG_WARN, source, "%ld more malformed entries skipped",
		    bad - WARN_MALFORMED);
	scratch_clear(&scr);
	buf_free(&plat);
	if (well_formed)
		*well_formed = seen - bad;
	return seen;
scan_error:
	{
		char m[128];

		buf_adds(why, js_error_text(&sc, m, sizeof m));
	}
	scratch_clear(&scr);
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
