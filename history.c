#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "pipeline.h"

/* ---- reading ------------------------------------------------------------ */

/* A string token decoded into a new string; NULL when it is not clean
 * text or longer than max. */
static char *
tok_string(const struct js_token *t, size_t max)
{
	char *s;
	size_t n;

	if (t->type != JS_STRING || t->len > max)
		return NULL;
	s = xmalloc(t->len + 1);
	n = js_decode(t, s);
	s[n] = '\0';
	if (strlen(s) != n || !text_is_clean(s)) {
		free(s);
		return NULL;
	}
	return s;
}

/* A whole number 0 .. 10^15. */
static int
tok_count(const struct js_token *t, long long *v)
{
	if (t->type != JS_NUMBER || !all_digits(t->p, t->len, 15))
		return -1;
	*v = 0;
	for (size_t i = 0; i < t->len; i++)
		*v = *v * 10 + (t->p[i] - '0');
	return 0;
}

static int
kind_of(const char *name, size_t n)
{
	for (int k = 0; k < RK_KINDS; k++) {
		const char *kn = reason_kind_name((enum reason_kind)k);

		if (strlen(kn) == n && memcmp(kn, name, n) == 0)
			return k;
	}
	return -1;
}

static struct hist_run *
add_run(struct history *h)
{
	struct hist_run *r;

	if (h->nruns == h->capruns) {
		h->capruns = h->capruns ? 2 * h->capruns : 64;
		h->runs = xrealloc(h->runs, h->capruns * sizeof *h->runs);
	}
	r = &h->runs[h->nruns++];
	memset(r, 0, sizeof *r);
	return r;
}

static struct hist_period *
add_period(struct history *h)
{
	struct hist_period *p;

	if (h->np == h->capp) {
		h->capp = h->capp ? 2 * h->capp : 64;
		h->p = xrealloc(h->p, h->capp * sizeof *h->p);
	}
	p = &h->p[h->np++];
	memset(p, 0, sizeof *p);
	return p;
}

/* Is the key token k the name s?  (Cheap when unescaped, the usual case.) */
static int
key_is(const struct js_token *k, const char *s)
{
	size_t n = strlen(s);

	if (!k->escaped)
		return k->len == n && memcmp(k->p, s, n) == 0;
	return js_equals(k, s);
}

#define BAD(...) do { buf_printf(why, __VA_ARGS__); return -1; } while (0)

/* The value of key k of a run line. */
static int
run_field(struct js_scanner *s, const struct js_token *k, struct hist_run *r, struct buf *why)
{
	struct js_token v;

	if (js_next(s, &v) == JS_ERROR)
		return -1;
	if (key_is(k, "run")) {
		if (tok_count(&v, &r->n) < 0 || r->n == 0)
			BAD("\"run\" is not a run number");
	} else if (key_is(k, "t")) {
		if (tok_count(&v, &r->t) < 0)
			BAD("\"t\" is not a time");
	} else if (key_is(k, "excluded")) {
		if (tok_count(&v, &r->excluded) < 0)
			BAD("\"excluded\" is not a count");
	} else if (key_is(k, "platforms")) {
		free(r->platforms);
		if (!(r->platforms = tok_string(&v, 1000)))
			BAD("\"platforms\" is not a short string");
	} else if (key_is(k, "sources")) {
		if (v.type != JS_OBJECT)
			BAD("\"sources\" is not an object");
		for (;;) {
			struct js_token n, c;
			int kind;

			if (js_next(s, &n) == JS_ERROR)
				return -1;
			if (n.type == JS_OBJECT_END)
				break;
			if (n.escaped || (kind = kind_of(n.p, n.len)) < 0)
				BAD("unknown source \"%s\"", shown(n.p, n.len, 0));
			if (js_next(s, &c) == JS_ERROR)
				return -1;
			if (tok_count(&c, &r->counts[kind]) < 0)
				BAD("a source's count is not a count");
		}
	} else if (js_skip(s, &v) < 0) {
		return -1;
	}
	return 0;
}

static int
period_field(struct js_scanner *s, const struct js_token *k, struct hist_period *p, struct buf *why)
{
	struct js_token v;

	if (js_next(s, &v) == JS_ERROR)
		return -1;
	if (key_is(k, "test")) {
		free(p->test);
		if (!(p->test = tok_string(&v, 4096)) || !p->test[0])
			BAD("\"test\" is not a test's name");
	} else if (key_is(k, "first")) {
		if (tok_count(&v, &p->first) < 0)
			BAD("\"first\" is not a time");
	} else if (key_is(k, "last")) {
		if (tok_count(&v, &p->last) < 0)
			BAD("\"last\" is not a time");
	} else if (key_is(k, "since")) {
		if (tok_count(&v, &p->since) < 0)
			BAD("\"since\" is not a time");
	} else if (key_is(k, "runs")) {
		if (tok_count(&v, &p->runs) < 0)
			BAD("\"runs\" is not a count");
	} else if (key_is(k, "ended")) {
		if (tok_count(&v, &p->ended) < 0)
			BAD("\"ended\" is not a run number");
	} else if (key_is(k, "url")) {
		free(p->url);
		if (!(p->url = tok_string(&v, 2000)))
			BAD("\"url\" is not a short string");
	} else if (key_is(k, "sources") || key_is(k, "issues")) {
		int sources = key_is(k, "sources");

		if (v.type != JS_ARRAY)
			BAD("\"%s\" is not an array", sources ? "sources" : "issues");
		for (;;) {
			struct js_token e;

			if (js_next(s, &e) == JS_ERROR)
				return -1;
			if (e.type == JS_ARRAY_END)
				break;
			if (e.type != JS_STRING || e.escaped)
				BAD("\"%s\" holds a value that is not a name", sources ? "sources" : "issues");
			if (sources) {
				int kind = kind_of(e.p, e.len);

				if (kind < 0)
					BAD("unknown source \"%s\"", shown(e.p, e.len, 0));
				p->kinds |= 1u << kind;
			} else {
				if (!all_digits(e.p, e.len, 20))
					BAD("an issue is not a number");
				if (p->issues.n < HISTORY_MAX_ISSUES)
					strlist_addn(&p->issues, e.p, e.len);
			}
		}
	} else if (js_skip(s, &v) < 0) {
		return -1;
	}
	return 0;
}

/* One line (not the header) into h. */
static int
parse_line(struct history *h, const char *line, size_t n, struct buf *why)
{
	struct js_scanner s;
	struct js_token t, k;
	struct hist_run *r = NULL;
	struct hist_period *p = NULL;
	int first = 1;

	js_init(&s, line, n, 0);
	if (js_next(&s, &t) != JS_OBJECT)
		goto scan;
	for (;;) {
		if (js_next(&s, &k) == JS_ERROR)
			goto scan;
		if (k.type == JS_OBJECT_END)
			break;
		/* The first key says what the line is. */
		if (first) {
			first = 0;
			if (key_is(&k, "run"))
				r = add_run(h);
			else if (key_is(&k, "test"))
				p = add_period(h);
			else
				BAD("a line that is neither a run nor a test");
		}
		if (r ? run_field(&s, &k, r, why) : period_field(&s, &k, p, why))
			goto fail;
	}
	if (js_next(&s, &t) != JS_EOF)
		goto scan;
	if (first)
		BAD("an empty object");
	if (r && r->n == 0)
		BAD("a run without its number");
	if (r && !r->platforms)
		r->platforms = xstrdup("");
	if (p && (!p->test || p->runs == 0 || p->first == 0 || p->last < p->first))
		BAD("a test's line without its test, times or runs");
	return 0;
scan:
	if (s.err != JS_OK) {
		char msg[200];

		BAD("%s", js_error_text(&s, msg, sizeof msg));
	}
	BAD("not one JSON object");
fail:
	if (!why->len)
		BAD("invalid JSON");
	return -1;
}

/* ---- the fast path: lines as history_write() writes them ---------------- */

/* A whole number as the writer writes it (no leading zero, at most 15
 * digits) at *pp; -1 when there is none. */
static int
fast_num(const char **pp, const char *e, long long *v)
{
	const unsigned char *p = (const unsigned char *)*pp;
	size_t room = (size_t)(e - *pp), i = 1;
	unsigned long long x;

	if (room == 0 || (unsigned)(p[0] - '0') > 9)
		return -1;
	x = p[0] - '0';
	if (x == 0) {
		if (room > 1 && (unsigned)(p[1] - '0') <= 9)
			return -1;
	} else {
		for (; i < room && (unsigned)(p[i] - '0') <= 9; i++) {
			if (i == 15)
				return -1;
			x = x * 10 + (p[i] - '0');
		}
	}
	*v = (long long)x;
	*pp += i;
	return 0;
}

static int
fast_lit(const char **pp, const char *e, const char *s, size_t n)
{
	if ((size_t)(e - *pp) < n || memcmp(*pp, s, n) != 0)
		return -1;
	*pp += n;
	return 0;
}

#define LIT(s) fast_lit(&p, e, s, sizeof s - 1)

/* A run line byte for byte as history_write() writes it (printable ASCII
 * platforms, nonzero counts in the order of the kinds), read without the
 * JSON scanner: 1 with r filled (its platforms shared with prev's when the
 * same), else 0 (r then holds nothing to free) and the scanner reads the
 * line.  r comes zeroed.  What this accepts the scanner reads the same. */
static int
fast_run(const char *line, size_t n, struct hist_run *r, const struct hist_run *prev)
{
	const char *p = line, *e = line + n, *ps;
	size_t pl;
	int last = -1;

	if (LIT("{\"run\":") || fast_num(&p, e, &r->n) < 0 || r->n == 0 || LIT(",\"t\":") ||
	    fast_num(&p, e, &r->t) < 0 || LIT(",\"platforms\":\""))
		return 0;
	for (ps = p; p < e && *p != '"'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f || *p == '\\')
			return 0;
	pl = (size_t)(p - ps);
	if (pl > 1000 || LIT("\",\"excluded\":") || fast_num(&p, e, &r->excluded) < 0 || LIT(",\"sources\":{"))
		return 0;
	while (p < e && *p != '}') {
		const char *ks;
		int k;

		if ((last >= 0 && LIT(",")) || LIT("\""))
			return 0;
		for (ks = p; p < e && *p != '"'; p++)
			;
		k = kind_of(ks, (size_t)(p - ks));
		if (k <= last || LIT("\":") || fast_num(&p, e, &r->counts[k]) < 0 || r->counts[k] == 0)
			return 0;
		last = k;
	}
	if (LIT("}}") || p != e)
		return 0;
	if (prev && strlen(prev->platforms) == pl && memcmp(prev->platforms, ps, pl) == 0) {
		r->platforms = prev->platforms;
	} else {
		r->platforms = xmalloc(pl + 1);
		memcpy(r->platforms, ps, pl);
		r->platforms[pl] = '\0';
	}
	return 1;
}

/* A string of printable ASCII without escapes, at most max bytes, at *pp
 * (its quotes included): its text in *sp, *sn; -1 when there is none. */
static int
fast_str(const char **pp, const char *e, size_t max, const char **sp, size_t *sn)
{
	const char *p = *pp;

	if (p == e || *p != '"')
		return -1;
	for (*sp = ++p; p < e && *p != '"'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f || *p == '\\')
			return -1;
	if (p == e || (size_t)(p - *sp) > max)
		return -1;
	*sn = (size_t)(p - *sp);
	*pp = p + 1;
	return 0;
}

/* A test's line as history_write() writes it (printable ASCII names),
 * read without the JSON scanner into h: 1, else 0 (nothing added) and the
 * scanner reads the line.  What this accepts the scanner reads the same. */
static int
fast_period(struct history *h, const char *line, size_t n)
{
	const char *p = line, *e = line + n, *ts, *us = NULL, *v;
	size_t tn, un = 0, vn;
	struct hist_period q;
	const char *is[HISTORY_MAX_ISSUES];
	size_t in[HISTORY_MAX_ISSUES], ni = 0;

	memset(&q, 0, sizeof q);
	if (LIT("{\"test\":") || fast_str(&p, e, 4096, &ts, &tn) < 0 || tn == 0 ||
	    LIT(",\"first\":") || fast_num(&p, e, &q.first) < 0 || q.first == 0 ||
	    LIT(",\"last\":") || fast_num(&p, e, &q.last) < 0 || q.last < q.first ||
	    LIT(",\"runs\":") || fast_num(&p, e, &q.runs) < 0 || q.runs == 0 ||
	    LIT(",\"sources\":["))
		return 0;
	while (p < e && *p != ']') {
		int k;

		if ((q.kinds && LIT(",")) || fast_str(&p, e, 64, &v, &vn) < 0 || (k = kind_of(v, vn)) < 0)
			return 0;
		q.kinds |= 1u << k;
	}
	if (LIT("]"))
		return 0;
	if (!LIT(",\"issues\":[")) {
		do {
			if (fast_str(&p, e, 20, &v, &vn) < 0 || !all_digits(v, vn, 20))
				return 0;
			if (ni < HISTORY_MAX_ISSUES) {
				is[ni] = v;
				in[ni++] = vn;
			}
		} while (!LIT(","));
		if (LIT("]"))
			return 0;
	}
	if (!LIT(",\"url\":") && fast_str(&p, e, 2000, &us, &un) < 0)
		return 0;
	if (!LIT(",\"since\":") && fast_num(&p, e, &q.since) < 0)
		return 0;
	if (!LIT(",\"ended\":") && fast_num(&p, e, &q.ended) < 0)
		return 0;
	if (LIT("}") || p != e)
		return 0;
	q.test = xstrndup(ts, tn);
	if (us)
		q.url = xstrndup(us, un);
	for (size_t i = 0; i < ni; i++)
		strlist_addn(&q.issues, is[i], in[i]);
	*add_period(h) = q;
	return 1;
}

#undef LIT

/* history_parse; raw then lies in doc. */
static int
parse_doc(struct history *h, const char *doc, size_t len, struct buf *why)
{
	size_t pos = 0, lineno = 0;
	const char *raw = NULL, *raw_end = NULL;

	memset(h, 0, sizeof *h);
	while (pos < len) {
		const char *nl = memchr(doc + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (doc + pos)) : len - pos;
		const char *line = doc + pos;

		lineno++;
		pos += n + (nl != NULL);
		if (!nl) {
			buf_printf(why, "line %zu: cut short (no line end)", lineno);
			goto bad;
		}
		if (n > HISTORY_MAX_LINE) {
			buf_printf(why, "line %zu: longer than %d bytes", lineno, HISTORY_MAX_LINE);
			goto bad;
		}
		if (lineno == 1) {
			static const char header[] = "{\"exclusions_history\":";

			size_t hl = sizeof header - 1;

			if (n < hl + 2 || memcmp(line, header, hl) != 0 || line[n - 1] != '}') {
				buf_printf(why, "line 1: not the header {\"exclusions_history\":%d}", HISTORY_VERSION);
				goto bad;
			}
			if (n != hl + 2 || line[hl] != '0' + HISTORY_VERSION) {
				buf_printf(why, "line 1: a version other than %d", HISTORY_VERSION);
				goto bad;
			}
			continue;
		}
		/* Runs as the writer writes them, one after the other from the
		 * first on: read fast, and kept as text to write back. */
		if (n > 7 && line[2] == 'r') {
			struct hist_run *r = add_run(h);

			if (fast_run(line, n, r, h->nruns > 1 ? r - 1 : NULL)) {
				if (h->nraw == h->nruns - 1 && (!raw || raw_end == line)) {
					raw = raw ? raw : line;
					raw_end = line + n + 1;
					h->nraw++;
				}
				continue;
			}
			h->nruns--;
		}
		if (n > 8 && line[2] == 't' && fast_period(h, line, n))
			continue;
		if (parse_line(h, line, n, why) < 0) {
			struct buf w = { 0 };

			buf_printf(&w, "line %zu: %s", lineno, buf_str(why));
			why->len = 0;
			buf_add(why, w.p, w.len);
			buf_free(&w);
			goto bad;
		}
	}
	for (size_t i = 1; i < h->nruns; i++)
		if (h->runs[i].n <= h->runs[i - 1].n) {
			buf_printf(why, "run %lld after run %lld", h->runs[i].n, h->runs[i - 1].n);
			goto bad;
		}
	if (h->nraw) {
		h->raw = raw;
		h->rawlen = (size_t)(raw_end - raw);
	}
	return 0;
bad:
	history_free(h);
	return -1;
}

int
history_parse(struct history *h, const char *doc, size_t len, struct buf *why)
{
	if (parse_doc(h, doc, len, why) < 0)
		return -1;
	if (h->nraw) {
		h->own = xmalloc(h->rawlen);
		memcpy(h->own, h->raw, h->rawlen);
		h->raw = h->own;
	}
	return 0;
}

int
history_parse_in(struct history *h, const char *doc, size_t len, struct buf *why)
{
	return parse_doc(h, doc, len, why);
}

/* ---- writing ------------------------------------------------------------ */

/* Appending into room reserved beforehand (buf_reserve): each returns
 * where the next byte goes. */
static char *
put(char *w, const char *s, size_t n)
{
	memcpy(w, s, n);
	return w + n;
}

#define PUT(w, lit) put(w, lit, sizeof lit - 1)

/* s as a JSON string: at most 6 bytes a byte of s, and 2. */
static char *
put_str(char *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	*w++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*w++ = '\\';
			*w++ = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			w = PUT(w, "\\u00");
			*w++ = hex[c >> 4];
			*w++ = hex[c & 15];
		} else {
			*w++ = (char)c;
		}
	}
	*w++ = '"';
	return w;
}

/* A whole number, without printf (at most 20 bytes): 10,000 run lines
 * may be written each run. */
static char *
put_num(char *w, long long v)
{
	char t[24];
	size_t n = sizeof t;
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;

	do {
		t[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--n] = '-';
	return put(w, t + n, sizeof t - n);
}

static void write_tail(const struct history *h, struct buf *out);

void
history_write(const struct history *h, struct buf *out)
{
	buf_reserve(out, h->rawlen + 100 * (h->nruns - h->nraw) + 200 * h->np + 64);
	buf_printf(out, "{\"exclusions_history\":%d}\n", HISTORY_VERSION);
	buf_add(out, h->raw, h->rawlen);
	write_tail(h, out);
}

void
history_write_pieces(const struct history *h, struct buf *head, struct buf *tail)
{
	buf_printf(head, "{\"exclusions_history\":%d}\n", HISTORY_VERSION);
	buf_reserve(tail, 100 * (h->nruns - h->nraw) + 200 * h->np + 64);
	write_tail(h, tail);
}

/* The runs after those kept as read, and the periods. */
static void
write_tail(const struct history *h, struct buf *out)
{
	for (size_t i = h->nraw; i < h->nruns; i++) {
		const struct hist_run *r = &h->runs[i];
		char *w;

		buf_reserve(out, 6 * strlen(r->platforms) + 128 + RK_KINDS * 48);
		w = out->p + out->len;
		w = PUT(w, "{\"run\":");
		w = put_num(w, r->n);
		w = PUT(w, ",\"t\":");
		w = put_num(w, r->t);
		w = PUT(w, ",\"platforms\":");
		w = put_str(w, r->platforms);
		w = PUT(w, ",\"excluded\":");
		w = put_num(w, r->excluded);
		w = PUT(w, ",\"sources\":{");
		for (int k = 0, any = 0; k < RK_KINDS; k++)
			if (r->counts[k]) {
				const char *kn = reason_kind_name((enum reason_kind)k);

				w = any ? PUT(w, ",\"") : PUT(w, "\"");
				w = put(w, kn, strlen(kn));
				w = PUT(w, "\":");
				w = put_num(w, r->counts[k]);
				any = 1;
			}
		w = PUT(w, "}}\n");
		out->len = (size_t)(w - out->p);
	}
	for (size_t i = 0; i < h->np; i++) {
		const struct hist_period *p = &h->p[i];
		size_t room = 6 * strlen(p->test) + 256 + RK_KINDS * 24 + (p->url ? 6 * strlen(p->url) + 16 : 0);
		char *w;

		for (size_t j = 0; j < p->issues.n; j++)
			room += strlen(p->issues.v[j]) + 4;
		buf_reserve(out, room);
		w = out->p + out->len;
		w = PUT(w, "{\"test\":");
		w = put_str(w, p->test);
		w = PUT(w, ",\"first\":");
		w = put_num(w, p->first);
		w = PUT(w, ",\"last\":");
		w = put_num(w, p->last);
		w = PUT(w, ",\"runs\":");
		w = put_num(w, p->runs);
		w = PUT(w, ",\"sources\":[");
		for (int k = 0, any = 0; k < RK_KINDS; k++)
			if (p->kinds & (1u << k)) {
				const char *kn = reason_kind_name((enum reason_kind)k);

				w = any ? PUT(w, ",\"") : PUT(w, "\"");
				w = put(w, kn, strlen(kn));
				w = PUT(w, "\"");
				any = 1;
			}
		w = PUT(w, "]");
		if (p->issues.n) {
			w = PUT(w, ",\"issues\":[");
			for (size_t j = 0; j < p->issues.n; j++) {
				w = j ? PUT(w, ",\"") : PUT(w, "\"");
				w = put(w, p->issues.v[j], strlen(p->issues.v[j]));
				w = PUT(w, "\"");
			}
			w = PUT(w, "]");
		}
		if (p->url) {
			w = PUT(w, ",\"url\":");
			w = put_str(w, p->url);
		}
		if (p->since && p->since < p->first) {
			w = PUT(w, ",\"since\":");
			w = put_num(w, p->since);
		}
		if (p->ended) {
			w = PUT(w, ",\"ended\":");
			w = put_num(w, p->ended);
		}
		w = PUT(w, "}\n");
		out->len = (size_t)(w - out->p);
	}
	out->p[out->len] = '\0';
}

/* ---- recording ---------------------------------------------------------- */

/* Sorting by test, for the index of open periods. */
static const struct history *sort_h;

static int
cmp_open(const void *a, const void *b)
{
	return strcmp(sort_h->p[*(const size_t *)a].test, sort_h->p[*(const size_t *)b].test);
}

static int
cmp_items(const void *a, const void *b)
{
	return strcmp((*(const struct hist_item *const *)a)->test, (*(const struct hist_item *const *)b)->test);
}

/* The index into h->p of test's open period, by binary search in idx. */
static const size_t *
find_open(const struct history *h, const size_t *idx, size_t n, const char *test)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(h->p[idx[mid]].test, test);

		if (c == 0)
			return &idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static long long
earliest(long long a, long long b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

static void
merge_item(struct hist_period *p, const struct hist_item *it)
{
	p->kinds |= it->kinds;
	p->since = earliest(p->since, it->since);
	if (it->issue && all_digits(it->issue, strlen(it->issue), 20) &&
	    !strlist_has(&p->issues, it->issue) && p->issues.n < HISTORY_MAX_ISSUES)
		strlist_add(&p->issues, it->issue);
	if (it->url && !p->url && (starts_with(it->url, "https://") || starts_with(it->url, "http://")) &&
	    text_is_clean(it->url) && strlen(it->url) <= 2000)
		p->url = xstrdup(it->url);
}

long long
history_record(struct history *h, long long t, const char *platforms,
    const struct hist_item *items, size_t n)
{
	long long num = h->nruns ? h->runs[h->nruns - 1].n + 1 : 1;
	size_t *idx = xmalloc((h->np + 1) * sizeof *idx), nidx = 0, np0;
	const struct hist_item **sorted = xmalloc((n + 1) * sizeof *sorted);
	struct hist_run *r;
	long long excluded = 0;
	long long counts[RK_KINDS] = { 0 };

	for (size_t i = 0; i < h->np; i++)
		if (!h->p[i].ended)
			idx[nidx++] = i;
	sort_h = h;
	qsort(idx, nidx, sizeof *idx, cmp_open);
	for (size_t i = 0; i < n; i++)
		sorted[i] = &items[i];
	qsort(sorted, n, sizeof *sorted, cmp_items);
	np0 = h->np;
	for (size_t i = 0; i < n; i++) {
		const struct hist_item *it = sorted[i];
		const size_t *at;
		struct hist_period *p;

		if (!it->test || !it->test[0])
			continue;
		for (int k = 0; k < RK_KINDS; k++)
			counts[k] += (it->kinds >> k) & 1;
		/* The same test again in this run: one more reason. */
		if (i > 0 && strcmp(sorted[i - 1]->test, it->test) == 0) {
			at = find_open(h, idx, nidx, it->test);
			p = at ? &h->p[*at] : &h->p[h->np - 1];
			merge_item(p, it);
			continue;
		}
		excluded++;
		at = find_open(h, idx, nidx, it->test);
		if (at) {
			p = &h->p[*at];
			p->runs++;
			p->first = earliest(p->first, t);
			if (t > p->last)
				p->last = t;
		} else {
			long long inherited = 0;

			/* A test first seen under its key (a replay) and now
			 * under its node id: the key's period began it. */
			for (size_t k = 0; k < it->nkeys; k++) {
				const size_t *q = find_open(h, idx, nidx, it->keys[k]);

				if (q && strcmp(it->keys[k], it->test) != 0)
					inherited = earliest(inherited, period_start(&h->p[*q]));
			}
			p = add_period(h);
			p->test = xstrdup(it->test);
			p->first = p->last = t;
			p->runs = 1;
			p->since = inherited < t ? inherited : 0;
		}
		p->mark = num;
		merge_item(p, it);
	}
	/* Every period open before this run that it did not see has ended. */
	for (size_t i = 0; i < nidx; i++)
		if (h->p[idx[i]].mark != num)
			h->p[idx[i]].ended = num;
	(void)np0;
	r = add_run(h);
	r->n = num;
	r->t = t;
	r->platforms = xstrdup(platforms ? platforms : "");
	r->excluded = excluded;
	memcpy(r->counts, counts, sizeof counts);
	free(idx);
	free(sorted);
	return num;
}

const struct hist_period *
history_open(const struct history *h, const char *test)
{
	/* The latest period of test, open. */
	for (size_t i = h->np; i-- > 0;)
		if (!h->p[i].ended && strcmp(h->p[i].test, test) == 0)
			return &h->p[i];
	return NULL;
}

long long
period_start(const struct hist_period *p)
{
	return earliest(p->since, p->first);
}

long
history_days(long long since, long long now)
{
	if (since <= 0)
		return -1;
	if (now <= since)
		return 0;
	return (long)((now - since) / 86400);
}

long
days_excluded(long long since)
{
	return history_days(since, wall_now());
}

/* ---- the report --------------------------------------------------------- */

static int
cmp_longest(const void *a, const void *b)
{
	const struct hist_period *x = *(const struct hist_period *const *)a;
	const struct hist_period *y = *(const struct hist_period *const *)b;
	long long sx = period_start(x), sy = period_start(y);

	if (sx != sy)
		return sx < sy ? -1 : 1;
	if (x->runs != y->runs)
		return x->runs > y->runs ? -1 : 1;
	return strcmp(x->test, y->test);
}

static void
sources_cell(struct buf *out, unsigned kinds)
{
	int any = 0;

	for (int k = 0; k < RK_KINDS; k++)
		if (kinds & (1u << k)) {
			buf_printf(out, "%s%s", any ? ", " : "", reason_kind_name((enum reason_kind)k));
			any = 1;
		}
}

static void
issue_cell(struct buf *out, const struct hist_period *p)
{
	struct buf t = { 0 };

	if (p->issues.n) {
		buf_printf(&t, "#%s", p->issues.v[0]);
		summary_link(out, buf_str(&t), p->url);
		for (size_t i = 1; i < p->issues.n && i < 5; i++)
			buf_printf(out, ", #%s", p->issues.v[i]);
		if (p->issues.n > 5)
			buf_printf(out, " and %zu more", p->issues.n - 5);
	} else if (p->url) {
		summary_link(out, "issue", p->url);
	}
	buf_free(&t);
}

static void
date_of(char out[48], long long t)
{
	/* Days since the epoch to a civil date (Howard Hinnant's algorithm):
	 * no gmtime, no time zone. */
	long long z = t / 86400 + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long d = doy - (153 * mp + 2) / 5 + 1;
	long long m = mp < 10 ? mp + 3 : mp - 9;
	long long y = yoe + era * 400 + (m <= 2);

	if (t < 0 || y > 9999)
		snprintf(out, 48, "?");
	else
		snprintf(out, 48, "%04lld-%02lld-%02lld", y, m, d);
}

void
history_report(const struct history *h, long long now, struct buf *out)
{
	const struct hist_period **open = xmalloc((h->np + 1) * sizeof *open);
	size_t nopen = 0, nended = 0, first;
	long long last = h->nruns ? h->runs[h->nruns - 1].n : 0;
	char d1[48], d2[48];

	for (size_t i = 0; i < h->np; i++)
		if (!h->p[i].ended)
			open[nopen++] = &h->p[i];
	qsort(open, nopen, sizeof *open, cmp_longest);
	buf_printf(out, "### exclusions: history, %zu %s excluded\n\n", nopen, nopen == 1 ? "test" : "tests");
	if (!h->nruns) {
		buf_adds(out, "No run recorded yet.\n\n");
		free(open);
		return;
	}
	date_of(d1, h->runs[0].t);
	date_of(d2, h->runs[h->nruns - 1].t);
	buf_printf(out, "%zu %s recorded, %s to %s.\n\n", h->nruns, h->nruns == 1 ? "run" : "runs", d1, d2);
	if (nopen) {
		buf_adds(out, "| test | days excluded | runs seen | source | issue |\n|---|--:|--:|---|---|\n");
		for (size_t i = 0; i < nopen && i < HISTORY_REPORT_ROWS; i++) {
			const struct hist_period *p = open[i];

			buf_adds(out, "| <code>");
			summary_escape(out, p->test);
			buf_printf(out, "</code> | %ld | %lld | ", history_days(period_start(p), now), p->runs);
			sources_cell(out, p->kinds);
			buf_adds(out, " | ");
			issue_cell(out, p);
			buf_adds(out, " |\n");
		}
		if (nopen > HISTORY_REPORT_ROWS)
			buf_printf(out, "\nand %zu more.\n", nopen - HISTORY_REPORT_ROWS);
		buf_addc(out, '\n');
	}
	buf_adds(out, "#### No longer excluded since the previous run\n\n");
	for (size_t i = 0; i < h->np; i++) {
		const struct hist_period *p = &h->p[i];

		if (!p->ended || p->ended != last)
			continue;
		nended++;
		date_of(d1, period_start(p));
		date_of(d2, p->last);
		buf_adds(out, "- <code>");
		summary_escape(out, p->test);
		buf_printf(out, "</code>: excluded %s to %s, %lld %s", d1, d2, p->runs, p->runs == 1 ? "run" : "runs");
		if (p->issues.n || p->url) {
			buf_adds(out, " (");
			issue_cell(out, p);
			buf_addc(out, ')');
		}
		buf_addc(out, '\n');
	}
	if (!nended)
		buf_adds(out, "None.\n");
	buf_addc(out, '\n');
	first = h->nruns > HISTORY_CHART_POINTS ? h->nruns - HISTORY_CHART_POINTS : 0;
	buf_adds(out, "#### Tests excluded per run\n\n```mermaid\nxychart-beta\n");
	if (first)
		buf_printf(out, "    title \"Tests excluded, the last %d of %zu runs\"\n", HISTORY_CHART_POINTS, h->nruns);
	else
		buf_adds(out, "    title \"Tests excluded per recorded run\"\n");
	buf_adds(out, "    x-axis \"run\" [");
	for (size_t i = first; i < h->nruns; i++)
		buf_printf(out, "%s%lld", i > first ? ", " : "", h->runs[i].n);
	buf_adds(out, "]\n    y-axis \"tests excluded\"\n    line [");
	for (size_t i = first; i < h->nruns; i++)
		buf_printf(out, "%s%lld", i > first ? ", " : "", h->runs[i].excluded);
	buf_adds(out, "]\n```\n\n");
	free(open);
}

void
history_free(struct history *h)
{
	for (size_t i = 0; i < h->nruns; i++)
		if (i == 0 || h->runs[i].platforms != h->runs[i - 1].platforms)
			free(h->runs[i].platforms);
	for (size_t i = 0; i < h->np; i++) {
		free(h->p[i].test);
		free(h->p[i].url);
		strlist_free(&h->p[i].issues);
	}
	free(h->runs);
	free(h->p);
	free(h->own);
	if (h->done)
		h->done(h->text);
	memset(h, 0, sizeof *h);
}
