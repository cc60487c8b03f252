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
is_http(const char *s, size_t n)
{
	return starts_with_n(s, n, "https://") || starts_with_n(s, n, "http://");
}

/* The issue of a runtime entry: the last path part of its URL when that
 * is ".../issues/N"; else none (an empty issue at the URL's end). */
static void
issue_from_url(struct entry_view *v)
{
	size_t i = v->url_len;

	while (i > 0 && v->url[i - 1] >= '0' && v->url[i - 1] <= '9')
		i--;
	if (i < v->url_len && v->url_len - i <= 12 && i >= 8 &&
	    memcmp(v->url + i - 8, "/issues/", 8) == 0) {
		v->issue = v->url + i;
		v->issue_len = v->url_len - i;
	} else {
		v->issue = v->url + v->url_len;
		v->issue_len = 0;
	}
}

/* Read the value of one entry, in either form: the published
 * [issue, url, [platform, ...]] (the issue a string of digits or a
 * number), or the runtime [url, [platform, ...]] that PyTorch's CI writes
 * to .pytorch-disabled-tests.json.  Returns NULL when well-formed, else
 * the reason.  On a scan error returns "" (the document is broken, not
 * just this entry). */
static const char *
read_value(struct js_scanner *sc, struct scratch *scr, struct entry_view *v)
{
	struct js_token t;
	const char *s = NULL;
	size_t n = 0;

	v->runtime = 0;
	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type != JS_ARRAY) {
		if (js_skip(sc, &t) < 0)
			return "";
		return "value is not an array";
	}
	/* The issue number, or the URL of the runtime form. */
	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type == JS_NUMBER) {
		/* Digits only: no sign, fraction or exponent. */
		v->issue = t.p;
		v->issue_len = t.len;
		if (!all_digits(v->issue, v->issue_len, ISSUE_MAX_DIGITS))
			goto skip_rest_bad_issue;
	} else if (t.type == JS_STRING) {
		s = take(scr, &t, &n);
		if (is_http(s, n)) {
			v->runtime = 1;
			v->url = s;
			v->url_len = n;
			issue_from_url(v);
			goto platforms;
		}
		v->issue = s;
		v->issue_len = n;
		if (!all_digits(s, n, ISSUE_MAX_DIGITS))
			goto skip_rest_bad_first;
	} else {
		goto skip_rest_bad;
	}
	/* issue URL */
	if (js_next(sc, &t) == JS_ERROR)
		return "";
	if (t.type != JS_STRING)
		goto skip_rest_bad;
	v->url = take(scr, &t, &v->url_len);
	/* The rest of the URL is checked once the entry is kept (it is only
	 * ever printed then), which spares the entries of other tests. */
	if (!is_http(v->url, v->url_len))
		goto skip_rest_bad_url;
platforms:
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
		why = "value is not [issue, url, [platforms]] or [url, [platforms]]";
		goto skip;
skip_rest_bad_first:
		if (n > 0 && s[0] >= '0' && s[0] <= '9')
			goto skip_rest_bad_issue;
		why = "first item is neither an issue number nor an http(s) URL";
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
		why = v->runtime ? "value has more than two items ([url, [platforms]])" :
		    "value has more than three items";
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
		int mark;

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
		if (keep && (mark = keep(arg, &v, &plat)) != 0) {
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
			e->mark = mark;
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

static void
entry_clear(struct entry *e)
{
	free(e->key);
	free(e->issue);
	free(e->url);
	free(e->platforms);
}

size_t
entries_filter(struct entries *l, int (*drop)(void *arg, const struct entry *e), void *arg)
{
	size_t out = 0, dropped = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (drop(arg, &l->v[i])) {
			entry_clear(&l->v[i]);
			dropped++;
		} else {
			l->v[out++] = l->v[i];
		}
	}
	l->n = out;
	return dropped;
}

void
entries_free(struct entries *l)
{
	for (size_t i = 0; i < l->n; i++)
		entry_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}
