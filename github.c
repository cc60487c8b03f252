#include "github.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_API "https://api.github.com"
#define ACCEPT "Accept: application/vnd.github+json"
/* Redirects followed for one call: GitHub uses one (a log's storage). */
#define MAX_HOPS 5
/* A `gh auth token` that takes longer than this is not answering. */
#define TOKEN_SECONDS 15.0

int
github_name_ok(const char *s, int slash)
{
	if (!*s || *s == '.' || *s == '-' || strlen(s) > 200)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-' ||
		    (slash && *s == '/')))
			return 0;
	return 1;
}

static int
token_ok(const char *t, size_t n)
{
	/* GitHub tokens are letters, digits and "_"; anything else could
	 * break out of curl's config syntax. */
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

static int
host_ok(const char *h)
{
	if (!*h || strlen(h) > 200)
		return 0;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		    (*h >= '0' && *h <= '9') || *h == '.' || *h == '-' || *h == ':'))
			return 0;
	return 1;
}

int
url_origin(const char *url, char *out, size_t cap)
{
	const char *scheme, *p, *end, *colon;
	const char *port;
	size_t hl, pl;
	char lower[264];            /* a host of 253 bytes, ":", a port */

	if (starts_with(url, "https://")) {
		scheme = "https";
		port = "443";
		p = url + 8;
	} else if (starts_with(url, "http://")) {
		scheme = "http";
		port = "80";
		p = url + 7;
	} else {
		return -1;
	}
	end = p + strcspn(p, "/?#");
	if (end == p || (size_t)(end - p) >= sizeof lower)
		return -1;
	/* A host name or address (IPv6 in brackets), nothing else: user
	 * info, odd bytes and the like make it no origin of ours. */
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			return -1;
		colon = rb + 1 < end ? rb + 1 : NULL;
		if (colon && *colon != ':')
			return -1;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
	}
	hl = (size_t)((colon ? colon : end) - p);
	if (hl == 0 || hl > 253)
		return -1;
	for (size_t i = 0; i < hl; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || (*p == '[' && (c == '[' || c == ']' || c == ':'))))
			return -1;
		lower[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	lower[hl] = '\0';
	if (colon) {
		port = colon + 1;
		pl = (size_t)(end - port);
		if (pl == 0 || pl > 5 || strspn(port, "0123456789") < pl)
			return -1;
		/* "08080" and "8080" are the same port */
		while (pl > 1 && *port == '0')
			port++, pl--;
	} else {
		pl = strlen(port);
	}
	if ((size_t)snprintf(out, cap, "%s://%s:%.*s", scheme, lower, (int)pl, port) >= cap)
		return -1;
	return 0;
}

static int
set_token(struct github *g, const char *t, size_t n, const char *from)
{
	if (!token_ok(t, n))
		return -1;
	snprintf(g->auth, sizeof g->auth, "header = \"Authorization: Bearer %.*s\"\n", (int)n, t);
	g->token_from = from;
	return 0;
}

/* The first of vars that is set: 0 with the token taken, -1 when it holds
 * what a token cannot (why says so), 1 when none is set. */
static int
token_from_env(struct github *g, const char *const *vars, struct buf *why)
{
	for (; *vars; vars++) {
		const char *t = getenv(*vars);

		if (!t || !*t)
			continue;
		if (set_token(g, t, strlen(t), *vars) == 0)
			return 0;
		buf_printf(why, "%s holds characters a token cannot have", *vars);
		return -1;
	}
	return 1;
}

int
github_init(struct github *g, const char *api_url, double deadline, struct buf *why)
{
	const char *host = getenv("GH_HOST");

	memset(g, 0, sizeof *g);
	g->deadline = deadline;
	if (host && *host && !host_ok(host)) {
		buf_printf(why, "GH_HOST is not a host name: \"%s\"", shown(host, strlen(host), 0));
		return -1;
	}
	if (host && (!*host || strcmp(host, "github.com") == 0))
		host = NULL;
	if (api_url) {
		g->api = xstrdup(api_url);
	} else if (host) {
		struct buf b = { 0 };

		buf_printf(&b, "https://%s/api/v3", host);
		g->api = xstrdup(buf_str(&b));
		buf_free(&b);
	} else {
		g->api = xstrdup(DEFAULT_API);
	}
	while (ends_with(g->api, "/"))
		g->api[strlen(g->api) - 1] = '\0';
	if (url_origin(g->api, g->origin, sizeof g->origin) < 0) {
		buf_printf(why, "the API URL is not a plain http(s) URL: %s", shown(g->api, strlen(g->api), 0));
		return -1;
	}
	if (!program_on_path("curl")) {
		buf_printf(why, "curl is not installed");
		return -1;
	}
	g->version_argv[0] = "curl";
	g->version_argv[1] = "--version";
	g->version_argv[2] = NULL;
	g->version_child.argv = g->version_argv;
	g->version_child.out_limit = 65536;
	/* The variables gh itself would answer with, in gh's order: the
	 * same token as `gh auth token`, without a process. */
	{
		static const char *const dotcom[] = { "GH_TOKEN", "GITHUB_TOKEN", NULL };
		static const char *const enterprise[] = { "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN", NULL };
		int rc = token_from_env(g, host ? enterprise : dotcom, why);

		if (rc != 1)
			return rc;
	}
	if (program_on_path("gh")) {
		int a = 0;

		g->token_argv[a++] = "gh";
		g->token_argv[a++] = "auth";
		g->token_argv[a++] = "token";
		if (host) {
			/* gh 2.23's `auth token` ignores GH_HOST: name it. */
			g->host = xstrdup(host);
			g->token_argv[a++] = "--hostname";
			g->token_argv[a++] = g->host;
		}
		g->token_argv[a] = NULL;
		g->token_child.argv = g->token_argv;
		g->token_child.out_limit = 4096;
		g->token_pending = 1;
		return 0;
	}
	return github_token_done(g, why);
}

int
github_token_done(struct github *g, struct buf *why)
{
	static const char *const env[] = { "GITHUB_TOKEN", "GH_TOKEN", NULL };
	struct child *c = &g->token_child;
	int asked_gh = g->token_pending, rc;

	g->token_pending = 0;
	if (asked_gh && c->exit_code == 0 && !c->timed_out && !c->stopped && !c->exec_errno) {
		size_t n = c->out.len;

		while (n && (c->out.p[n - 1] == '\n' || c->out.p[n - 1] == '\r'))
			n--;
		if (set_token(g, c->out.p, n, "gh") == 0)
			return 0;
	}
	if ((rc = token_from_env(g, env, why)) != 1)
		return rc;
	if (!asked_gh)
		buf_printf(why, "gh is not installed and GITHUB_TOKEN is not set");
	else if (c->timed_out || c->never_started)
		buf_printf(why, "gh auth token did not answer in time, and GITHUB_TOKEN is not set");
	else
		buf_printf(why, "gh is not logged in%s%s (gh auth login, or set GH_TOKEN)",
		    g->host ? " to " : "", g->host ? shown(g->host, strlen(g->host), 0) : "");
	return -1;
}

void
github_version_done(struct github *g)
{
	const struct child *c = &g->version_child;
	unsigned major = 0, minor = 0;
	const char *p = c->out.p;

	/* "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 ..." */
	if (c->exit_code != 0 || !p || c->out.len < 8 || strncmp(p, "curl ", 5) != 0)
		return;
	p += 5;
	while (*p >= '0' && *p <= '9' && major < 1000)
		major = major * 10 + (unsigned)(*p++ - '0');
	if (*p++ != '.')
		return;
	while (*p >= '0' && *p <= '9' && minor < 1000)
		minor = minor * 10 + (unsigned)(*p++ - '0');
	g->curl_follows_safely = major > 7 || (major == 7 && minor >= 83);
}

void
github_free(struct github *g)
{
	child_free(&g->version_child);
	child_free(&g->token_child);
	free(g->api);
	free(g->host);
	memset(g->auth, 0, sizeof g->auth);
	g->api = g->host = NULL;
}

int
github_under_api(const struct github *g, const char *url)
{
	char o[300];
	size_t n = strlen(g->api);

	if (url_origin(url, o, sizeof o) < 0 || strcmp(o, g->origin) != 0)
		return 0;
	/* The same text up to the path: what url_origin accepted of both. */
	return strncmp(url, g->api, n) == 0 && (url[n] == '/' || url[n] == '?');
}

void
github_api_url(const struct github *g, const char *path, struct buf *out)
{
	out->len = 0;
	if (starts_with(path, "http://") || starts_with(path, "https://"))
		buf_adds(out, path);
	else
		buf_printf(out, "%s/%s", g->api ? g->api : DEFAULT_API, path);
	buf_str(out);
}

int
github_call(const struct github *g, struct gh_call *k, const char *path_or_url,
    int headers, size_t max_bytes, struct buf *why)
{
	struct buf u = { 0 };
	struct fetch_req req = { 0 };
	char o[300];
	int hops = k->hops;

	memset(k, 0, sizeof *k);
	k->hops = hops;
	if (starts_with(path_or_url, "http://") || starts_with(path_or_url, "https://"))
		buf_adds(&u, path_or_url);
	else
		buf_printf(&u, "%s/%s", g->api, path_or_url);
	k->url = xstrdup(buf_str(&u));
	buf_free(&u);
	if (strpbrk(k->url, " \"'\\\n\r\t")) {
		buf_printf(why, "URL with white space or quotes refused: %s", shown(k->url, strlen(k->url), 0));
		return -1;
	}
	k->with_token = url_origin(k->url, o, sizeof o) == 0 && strcmp(o, g->origin) == 0 &&
	    g->auth[0];
	req.url = k->url;
	req.deadline = g->deadline;
	req.max_bytes = max_bytes;
	req.headers = headers;
	req.fail_on_http_error = 1;
	req.accept = k->with_token ? ACCEPT : NULL;
	req.config = k->with_token ? g->auth : NULL;
	/* A call with the token follows redirects only when curl is known to
	 * drop it on the way to another origin; else it stops at a 3xx and
	 * the caller goes on (github_next_hop). */
	req.follow = !k->with_token || g->curl_follows_safely;
	if (!req.follow)
		req.headers = 1;
	return fetch_prepare(&k->f, &req, why);
}

int
github_batch(const struct github *g, struct gh_call *k, const char *const *paths, size_t n,
    struct buf *why)
{
	struct fetch_req req = { 0 };
	char **urls;
	int rc;

	memset(k, 0, sizeof *k);
	if (!g->curl_follows_safely || n == 0 || n > FETCH_MAX_BATCH) {
		buf_printf(why, "no batch of %zu with this curl", n);
		return -1;
	}
	urls = xmalloc(n * sizeof *urls);
	for (size_t i = 0; i < n; i++) {
		struct buf u = { 0 };

		buf_printf(&u, "%s/%s", g->api, paths[i]);
		urls[i] = xstrdup(buf_str(&u));
		buf_free(&u);
	}
	k->url = xstrdup(urls[0]);
	k->with_token = g->auth[0] != 0;
	req.urls = (const char *const *)urls;
	req.nurls = n;
	req.deadline = g->deadline;
	req.fail_on_http_error = 1;
	req.follow = 1;
	req.accept = k->with_token ? ACCEPT : NULL;
	req.config = k->with_token ? g->auth : NULL;
	rc = fetch_prepare(&k->f, &req, why);
	for (size_t i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
	return rc;
}

void
github_call_free(struct gh_call *k)
{
	fetch_free(&k->f);
	free(k->url);
	k->url = NULL;
}

/* Link: <https://...?page=2>; rel="next", <...>; rel="last" */
static void
link_next(const char *v, size_t n, struct buf *next)
{
	const char *end = v + n;

	while (v < end) {
		const char *lt = memchr(v, '<', (size_t)(end - v));
		const char *gt = lt ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
		const char *comma;

		if (!gt)
			return;
		comma = memchr(gt, ',', (size_t)(end - gt));
		if (!comma)
			comma = end;
		for (const char *p = gt; p + 10 <= comma; p++)
			if (memcmp(p, "rel=\"next\"", 10) == 0) {
				next->len = 0;
				buf_add(next, lt + 1, (size_t)(gt - lt - 1));
				return;
			}
		v = comma + 1;
	}
}

void
github_parse(const char *p, size_t n, struct gh_response *r)
{
	const char *end = p + n, *line, *v;
	size_t l, vn;

	r->status = 0;
	r->rate_limited = 0;
	r->next.len = 0;
	r->location.len = 0;
	buf_str(&r->next);
	buf_str(&r->location);
	/* One header block per response curl saw (a 302, then a 200). */
	while (http_block(&p, end, &r->status)) {
		r->next.len = 0;
		r->location.len = 0;
		while (http_header_line(&p, end, &line, &l)) {
			if (http_header_is(line, l, "link", &v, &vn))
				link_next(v, vn, &r->next);
			if (http_header_is(line, l, "location", &v, &vn)) {
				r->location.len = 0;
				buf_add(&r->location, v, vn);
			}
			if (http_header_is(line, l, "x-ratelimit-remaining", &v, &vn) && vn == 1 && *v == '0')
				r->rate_limited = 1;
		}
		buf_str(&r->next);
		buf_str(&r->location);
	}
	r->body = p;
	r->body_len = (size_t)(end - p);
}

void
gh_response_free(struct gh_response *r)
{
	buf_free(&r->next);
	buf_free(&r->location);
}

int
github_next_hop(const struct gh_call *k, const struct gh_response *r, struct buf *out,
    struct buf *why)
{
	const char *loc = r->location.p ? r->location.p : "";

	out->len = 0;
	if (!*loc) {
		buf_printf(why, "HTTP %d without a Location", r->status);
		return -1;
	}
	if (k->hops + 1 > MAX_HOPS) {
		buf_printf(why, "more than %d redirects", MAX_HOPS);
		return -1;
	}
	if (starts_with(loc, "https://") || starts_with(loc, "http://")) {
		buf_adds(out, loc);
	} else if (loc[0] == '/' && loc[1] != '/') {
		/* absolute path: the call's own scheme and authority */
		const char *a = strstr(k->url, "://");
		const char *p = a ? a + 3 + strcspn(a + 3, "/?#") : NULL;

		if (!p) {
			buf_printf(why, "cannot resolve Location \"%s\"", shown(loc, strlen(loc), 0));
			return -1;
		}
		buf_add(out, k->url, (size_t)(p - k->url));
		buf_adds(out, loc);
	} else {
		buf_printf(why, "redirect to \"%s\" refused: not an http(s) URL", shown(loc, strlen(loc), 0));
		return -1;
	}
	buf_str(out);
	return 0;
}

void
github_run_url(const struct github *g, const char *repo, const char *run_id, struct buf *out)
{
	size_t n = strlen(g->api);

	out->len = 0;
	if (strcmp(g->api, DEFAULT_API) == 0)
		buf_printf(out, "https://github.com/%s/actions/runs/%s", repo, run_id);
	else if (n > 7 && strcmp(g->api + n - 7, "/api/v3") == 0)
		buf_printf(out, "%.*s/%s/actions/runs/%s", (int)(n - 7), g->api, repo, run_id);
	else
		buf_printf(out, "%s/repos/%s/actions/runs/%s", g->api, repo, run_id);
	buf_str(out);
}

void
github_describe(const struct gh_call *k, const struct gh_response *r, struct buf *out)
{
	out->len = 0;
	if (r && r->rate_limited && !k->f.c.timed_out && !k->f.c.exec_errno) {
		buf_printf(out, "rate limited (HTTP %d, x-ratelimit-remaining: 0)", r->status);
		return;
	}
	if (k->f.c.timed_out) {
		buf_printf(out, "curl killed at the time limit");
		return;
	}
	if (k->f.c.never_started) {
		buf_printf(out, "not started before the time limit");
		return;
	}
	child_describe(&k->f.c, out);
}

void
github_issues_path(const char *repo, int per_page, struct buf *out)
{
	out->len = 0;
	buf_printf(out, "repos/%s/issues?state=open&per_page=%d", repo, per_page);
}

void
github_issue_path(const char *repo, const char *number, struct buf *out)
{
	out->len = 0;
	buf_printf(out, "repos/%s/issues/%s", repo, number);
}

/* The site whose pages name this API's issues: github.com's for
 * api.github.com, https://HOST for https://HOST/api/v3, else the API's
 * base itself.  Into out. */
static void
web_base(const struct github *g, struct buf *out)
{
	size_t n = strlen(g->api);

	out->len = 0;
	if (strcmp(g->api, DEFAULT_API) == 0)
		buf_adds(out, "https://github.com");
	else if (n > 7 && strcmp(g->api + n - 7, "/api/v3") == 0)
		buf_add(out, g->api, n - 7);
	else
		buf_adds(out, g->api);
	buf_str(out);
}

int
github_issue_of_url(const struct github *g, const char *url, struct buf *repo, char *number,
    size_t cap)
{
	struct buf base = { 0 };
	const char *p = NULL, *o, *n, *is;
	int rc = -1;

	web_base(g, &base);
	if (starts_with(url, "https://github.com/"))
		p = url + strlen("https://github.com/");
	else if (starts_with(url, base.p) && url[base.len] == '/')
		p = url + base.len + 1;
	buf_free(&base);
	if (!p)
		return -1;
	/* owner/name/issues/N, nothing after but a fragment or a query */
	o = p;
	n = strchr(o, '/');
	if (!n || n == o)
		return -1;
	is = strchr(n + 1, '/');
	if (!is || is == n + 1 || !starts_with(is, "/issues/"))
		return -1;
	is += strlen("/issues/");
	{
		size_t d = strcspn(is, "?#");

		if (!all_digits(is, d, 12) || d >= cap)
			return -1;
		repo->len = 0;
		buf_add(repo, o, (size_t)(is - strlen("/issues/") - o));
		buf_str(repo);
		if (!github_name_ok(repo->p, 1) || strchr(strchr(repo->p, '/') + 1, '/'))
			return -1;
		memcpy(number, is, d);
		number[d] = '\0';
		rc = 0;
	}
	return rc;
}

void
github_issue_url(const struct github *g, const char *repo, const char *number, struct buf *out)
{
	struct buf base = { 0 };

	web_base(g, &base);
	out->len = 0;
	buf_printf(out, "%s/%s/issues/%s", base.p, repo, number);
	buf_str(out);
	buf_free(&base);
}

void
github_issues_recent_path(const char *repo, struct buf *out)
{
	out->len = 0;
	buf_printf(out, "repos/%s/issues?state=all&sort=updated&direction=desc&per_page=100", repo);
}

void
github_issues_search_path(const char *repo, const char *word, struct buf *out)
{
	out->len = 0;
	buf_printf(out, "search/issues?q=repo:%s+is:issue+in:body+%%22", repo);
	/* the word quoted, as a URL query wants it */
	for (const char *p = word; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.')
			buf_addc(out, (char)c);
		else
			buf_printf(out, "%%%02X", c);
	}
	buf_adds(out, "%22&per_page=100");
}

void
github_issues_new_path(const char *repo, struct buf *out)
{
	out->len = 0;
	buf_printf(out, "repos/%s/issues", repo);
}

int
github_send(const struct github *g, struct gh_call *k, const char *method, const char *path,
    const char *json, struct buf *why)
{
	struct fetch_req req = { 0 };
	struct buf u = { 0 };

	memset(k, 0, sizeof *k);
	buf_printf(&u, "%s/%s", g->api, path);
	k->url = xstrdup(buf_str(&u));
	buf_free(&u);
	if (strpbrk(k->url, " \"'\\\n\r\t")) {
		buf_printf(why, "URL with white space or quotes refused: %s", shown(k->url, strlen(k->url), 0));
		return -1;
	}
	k->with_token = g->auth[0] != 0;
	req.url = k->url;
	req.deadline = g->deadline;
	req.max_bytes = 4u << 20;
	req.headers = 1;
	req.accept = ACCEPT;
	req.config = k->with_token ? g->auth : NULL;
	req.method = method;
	req.body = json;
	return fetch_prepare(&k->f, &req, why);
}
