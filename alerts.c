#include "alerts.h"

#include <stdlib.h>
#include <string.h>

#include "github.h"
#include "issues.h"
#include "jsonscan.h"
#include "pipeline.h"

long long
days_between(long long since, long long now)
{
	return now > since ? (now - since) / 86400 : 0;
}

/* ---- GitHub's answers --------------------------------------------- */

static void
js_why(struct buf *why, const struct js_scanner *s)
{
	char t[160];

	buf_adds(why, js_error_text(s, t, sizeof t));
}

int
issue_created_at(const char *p, size_t n, long long *t, struct buf *why)
{
	struct issue is;
	int rc = -1;

	if (issue_parse_one(p, n, &is, why) < 0)
		return -1;
	if (!is.created_at)
		buf_adds(why, "no created_at in the issue");
	else if (iso8601_parse(is.created_at, strlen(is.created_at), t) < 0)
		buf_printf(why, "created_at is not an ISO 8601 time: \"%s\"",
		    shown(is.created_at, strlen(is.created_at), 0));
	else
		rc = 0;
	issue_free(&is);
	return rc;
}

void
gh_issue_free(struct gh_issue *i)
{
	free(i->body);
	i->body = NULL;
}

/* One issue object (its '{' just read) into *i, by issues.h's reader;
 * pr set for a pull request.  Returns 0, or -1 on a scan error. */
static int
read_issue(struct js_scanner *s, struct gh_issue *i, int *pr)
{
	struct issue is;

	memset(i, 0, sizeof *i);
	*pr = 0;
	if (issue_read_object(s, &is) < 0)
		return -1;
	*pr = is.is_pull;
	/* number: at most 15 digits, or "" */
	for (const char *d = is.number; *d; d++)
		i->number = i->number * 10 + (*d - '0');
	i->open = is.state && strcmp(is.state, "open") == 0;
	i->body = is.body;
	is.body = NULL;
	issue_free(&is);
	return 0;
}

/* The array of issues (its '[' just read): the best marked one into out. */
static int
read_issues(struct js_scanner *s, const char *marker, struct gh_issue *out, int *have)
{
	struct js_token t;

	for (;;) {
		enum js_type ty = js_next(s, &t);
		struct gh_issue i;
		int pr;

		if (ty == JS_ARRAY_END)
			return 0;
		if (ty != JS_OBJECT) {
			if (ty == JS_ERROR || js_skip(s, &t) < 0)
				return -1;
			continue;
		}
		if (read_issue(s, &i, &pr) < 0)
			return -1;
		if (pr || i.number <= 0 || !i.body || !strstr(i.body, marker) ||
		    (*have && (out->open > i.open ||
		    (out->open == i.open && out->number < i.number)))) {
			gh_issue_free(&i);
			continue;
		}
		if (*have)
			gh_issue_free(out);
		*out = i;
		*have = 1;
	}
}

int
issue_find_marked(const char *p, size_t n, const char *marker, struct gh_issue *out,
    struct buf *why)
{
	struct js_scanner s;
	struct js_token t, v;
	int have = 0, items = 0;
	enum js_type ty;

	memset(out, 0, sizeof *out);
	js_init(&s, p, n, 0);
	ty = js_next(&s, &t);
	if (ty == JS_ARRAY) {
		if (read_issues(&s, marker, out, &have) < 0)
			goto bad;
	} else if (ty == JS_OBJECT) {
		for (;;) {
			ty = js_next(&s, &t);
			if (ty == JS_OBJECT_END)
				break;
			if (ty != JS_STRING || js_next(&s, &v) == JS_ERROR)
				goto bad;
			if (js_equals(&t, "items") && v.type == JS_ARRAY && !items) {
				items = 1;
				if (read_issues(&s, marker, out, &have) < 0)
					goto bad;
			} else if (js_skip(&s, &v) < 0) {
				goto bad;
			}
		}
		if (!items) {
			buf_adds(why, "a JSON object without \"items\"");
			return -1;
		}
	} else {
		if (s.err)
			js_why(why, &s);
		else
			buf_adds(why, "neither a list of issues nor a search result");
		return -1;
	}
	if (js_next(&s, &t) != JS_EOF)
		goto bad;
	return have;
bad:
	if (have)
		gh_issue_free(out);
	memset(out, 0, sizeof *out);
	if (s.err)
		js_why(why, &s);
	else
		buf_adds(why, "an issue that is not a JSON object");
	return -1;
}

/* ---- escaping ----------------------------------------------------- */

static void
gha_escape(struct buf *out, const char *s, int prop)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': buf_adds(out, "%25"); break;
		case '\r': buf_adds(out, "%0D"); break;
		case '\n': buf_adds(out, "%0A"); break;
		case ':': buf_adds(out, prop ? "%3A" : ":"); break;
		case ',': buf_adds(out, prop ? "%2C" : ","); break;
		default: buf_addc(out, *s); break;
		}
	}
}

void
gha_escape_data(struct buf *out, const char *s)
{
	gha_escape(out, s, 0);
}

void
gha_escape_prop(struct buf *out, const char *s)
{
	gha_escape(out, s, 1);
}

/* The length of the UTF-8 sequence at s (1 to 4), or 0 when it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

void
json_quote(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_addc(out, '"');
	while (*p) {
		size_t l;

		if (*p == '"' || *p == '\\') {
			buf_addc(out, '\\');
			buf_addc(out, (char)*p++);
		} else if (*p == '\n') {
			buf_adds(out, "\\n"), p++;
		} else if (*p == '\r') {
			buf_adds(out, "\\r"), p++;
		} else if (*p == '\t') {
			buf_adds(out, "\\t"), p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_printf(out, "\\u%04x", *p++);
		} else if ((l = utf8_len(p)) == 0) {
			buf_adds(out, "\\ufffd");
			p++;
		} else {
			buf_add(out, p, l);
			p += l;
		}
	}
	buf_addc(out, '"');
}

/* ---- what is sent ------------------------------------------------- */

static int
alert_cmp(const void *a, const void *b)
{
	const struct alert *x = a, *y = b;

	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return strcmp(x->test, y->test);
}

/* An issue URL a reason may link to. */
static const char *
reason_issue_url(const struct reason *r)
{
	if (r->kind == RK_TRUNK || !r->url)
		return NULL;
	if (!starts_with(r->url, "https://") && !starts_with(r->url, "http://"))
		return NULL;
	return r->url;
}

size_t
alerts_collect(const struct exclset *s, long long now, long long days, struct alert **out)
{
	struct alert *v = xmalloc((s->n ? s->n : 1) * sizeof *v);
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];
		struct alert a = { 0 };

		if (x->since <= 0 || x->nr == 0 || days_between(x->since, now) < days)
			continue;
		a.test = x->id;
		if (!a.test && x->is_gtest)
			a.test = x->r[0].key;
		for (size_t k = 0; k < x->nr && !a.test; k++)
			a.test = x->r[k].key;
		if (!a.test)
			a.test = x->name;
		if (!a.test)
			continue;
		for (size_t k = 0; k < x->nr && !a.url; k++)
			a.url = reason_issue_url(&x->r[k]);
		a.since = x->since;
		a.days = days_between(x->since, now);
		a.source = reason_kind_name(x->r[0].kind);
		v[n++] = a;
	}
	qsort(v, n, sizeof *v, alert_cmp);
	*out = v;
	return n;
}

static const char *
plural(long long n)
{
	return n == 1 ? "" : "s";
}

void
alerts_annotations(const struct alert *a, size_t n, long long after, struct buf *out)
{
	for (size_t i = 0; i < n && i < ALERTS_MAX_ANNOTATIONS; i++) {
		struct buf t = { 0 }, m = { 0 };
		char day[11];

		iso8601_day(a[i].since, day);
		buf_printf(&t, "Excluded for %lld day%s: %s", a[i].days, plural(a[i].days), a[i].test);
		buf_printf(&m, "%s has been excluded since %s (%s)%s%s", a[i].test, day, a[i].source,
		    a[i].url ? ": " : "", a[i].url ? a[i].url : "");
		buf_adds(out, "::warning title=");
		gha_escape_prop(out, buf_str(&t));
		buf_adds(out, "::");
		gha_escape_data(out, buf_str(&m));
		buf_addc(out, '\n');
		buf_free(&t);
		buf_free(&m);
	}
	if (n > ALERTS_MAX_ANNOTATIONS) {
		size_t rest = n - ALERTS_MAX_ANNOTATIONS;

		buf_printf(out, "::notice title=%zu more excluded tests::%zu more test%s excluded for %lld day%s or more; see the job summary or the log for all %zu\n",
		    rest, rest, rest == 1 ? "" : "s", after, plural(after), n);
	}
}

/* The platforms as the marker and the title write them. */
static void
platforms_word(const char *platforms, struct buf *out)
{
	size_t start = out->len;

	for (const char *p = platforms ? platforms : ""; *p && out->len - start < 200; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == ',')
			buf_addc(out, *p);
	if (out->len == start)
		buf_adds(out, "linux");
	buf_str(out);
}

void
alerts_marker(const char *platforms, struct buf *out)
{
	buf_adds(out, "<!-- " ALERTS_MARKER_WORD " platforms=");
	platforms_word(platforms, out);
	buf_adds(out, " -->");
}

void
alerts_issue_title(size_t n, long long after, const char *platforms, struct buf *out)
{
	buf_printf(out, "Tests excluded for %lld day%s or more on ", after, plural(after));
	platforms_word(platforms, out);
	if (n == 0)
		buf_adds(out, ": none");
	else
		buf_printf(out, ": %zu", n);
}

/* [#N](url) for an issue URL that can be a link's target as it is, else
 * the URL as escaped text. */
static void
md_link(struct buf *out, const char *url)
{
	const char *rest = starts_with(url, "https://") ? url + 8 : starts_with(url, "http://") ? url + 7 : NULL;
	const char *slash = strrchr(url, '/');
	int ok = rest && *rest && *rest != '/' && strlen(url) <= 2000;

	for (const char *p = url; ok && *p; p++) {
		unsigned char c = (unsigned char)*p;

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~:/?#@=+,;%", c) != NULL;
	}
	if (!ok) {
		summary_escape(out, url);
		return;
	}
	if (slash && all_digits(slash + 1, strlen(slash + 1), 15) && slash - url >= 7 &&
	    strncmp(slash - 7, "/issues", 7) == 0)
		buf_printf(out, "[#%s](%s)", slash + 1, url);
	else
		buf_printf(out, "[issue](%s)", url);
}

void
alerts_issue_body(const char *marker, const struct alert *a, size_t n, long long after,
    long long now, struct buf *out)
{
	char today[11];

	iso8601_day(now, today);
	buf_printf(out, "%s\n", marker);
	if (n == 0) {
		buf_printf(out, "Nothing has been excluded for %lld day%s or more (as of %s): closed by `exclusions`.\n",
		    after, plural(after), today);
		return;
	}
	buf_printf(out, "%zu test%s of this CI %s been excluded for %lld day%s or more (as of %s).\n\n",
	    n, n == 1 ? "" : "s", n == 1 ? "has" : "have", after, plural(after), today);
	buf_adds(out, "| test | days | since | source | issue |\n|---|---:|---|---|---|\n");
	for (size_t i = 0; i < n && i < ALERTS_MAX_ROWS; i++) {
		char day[11];

		iso8601_day(a[i].since, day);
		buf_adds(out, "| ");
		summary_escape(out, a[i].test);
		buf_printf(out, " | %lld | %s | %s | ", a[i].days, day, a[i].source);
		if (a[i].url)
			md_link(out, a[i].url);
		buf_adds(out, " |\n");
	}
	if (n > ALERTS_MAX_ROWS)
		buf_printf(out, "\nand %zu more.\n", n - ALERTS_MAX_ROWS);
	buf_adds(out, "\nThis issue is kept up to date by `exclusions --notify-issue`: edited on each run, closed when nothing is overdue.\n");
}

/* Slack's three: & < > */
static void
slack_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			buf_adds(out, "&amp;");
		else if (*s == '<')
			buf_adds(out, "&lt;");
		else if (*s == '>')
			buf_adds(out, "&gt;");
		else
			buf_addc(out, *s);
	}
}

void
alerts_webhook_json(const struct alert *a, size_t n, long long after, struct buf *out)
{
	struct buf t = { 0 };

	buf_printf(&t, "%zu test%s excluded for %lld day%s or more:", n, n == 1 ? "" : "s",
	    after, plural(after));
	for (size_t i = 0; i < n && i < ALERTS_MAX_LINES; i++) {
		buf_addc(&t, '\n');
		buf_adds(&t, "- ");
		slack_escape(&t, a[i].test);
		buf_printf(&t, ": %lld day%s", a[i].days, plural(a[i].days));
		if (a[i].url) {
			buf_adds(&t, " (");
			slack_escape(&t, a[i].url);
			buf_addc(&t, ')');
		}
	}
	if (n > ALERTS_MAX_LINES)
		buf_printf(&t, "\nand %zu more", n - ALERTS_MAX_LINES);
	buf_adds(out, "{\"text\":");
	json_quote(out, buf_str(&t));
	buf_adds(out, "}");
	buf_free(&t);
}

int
alerts_issue_path(const struct github *g, const struct reason *rs, struct buf *out)
{
	struct buf repo = { 0 };
	char num[32];
	int rc = -1;

	if (rs->kind == RK_TRUNK || rs->kind == RK_ISSUE)
		return -1;
	if (rs->url && g && g->api && github_issue_of_url(g, rs->url, &repo, num, sizeof num) == 0 &&
	    num[0] != '0') {
		github_issue_path(buf_str(&repo), num, out);
		rc = 0;
	} else if (rs->kind == RK_LIST && rs->issue && all_digits(rs->issue, strlen(rs->issue), 12) &&
	    rs->issue[0] != '0') {
		github_issue_path(ALERTS_LIST_REPO, rs->issue, out);
		rc = 0;
	}
	buf_free(&repo);
	return rc;
}
