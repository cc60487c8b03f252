#include "github.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* gh's exit status when it has no credentials. */
#define GH_EXIT_AUTH 4

/* Is prog an executable file in a PATH folder?  Asked before any call, so
 * that a missing gh costs one line and no failed children. */
static int
on_path(const char *prog)
{
	const char *path = getenv("PATH");
	struct buf b = { 0 };
	int found = 0;

	if (!path || !*path)
		return 0;
	while (!found) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);

		b.len = 0;
		if (n == 0)
			buf_adds(&b, ".");
		else
			buf_add(&b, path, n);
		buf_printf(&b, "/%s", prog);
		found = access(buf_str(&b), X_OK) == 0;
		if (!colon)
			break;
		path = colon + 1;
	}
	buf_free(&b);
	return found;
}

static int
token_ok(const char *t)
{
	/* GitHub tokens are letters, digits and "_"; anything else could
	 * break out of curl's config syntax. */
	if (!*t || strlen(t) > 255)
		return 0;
	for (; *t; t++)
		if (!((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') ||
		    (*t >= '0' && *t <= '9') || *t == '_' || *t == '-' || *t == '.'))
			return 0;
	return 1;
}

int
github_init(struct github *g, const char *api_url, double deadline, struct buf *why)
{
	const char *tok;

	memset(g, 0, sizeof *g);
	g->api_url = api_url;
	g->deadline = deadline;
	if (on_path("gh")) {
		g->use_gh = 1;
		return 0;
	}
	tok = getenv("GITHUB_TOKEN");
	if (!tok || !*tok) {
		buf_printf(why, "gh is not installed and GITHUB_TOKEN is not set");
		return -1;
	}
	if (!token_ok(tok)) {
		buf_printf(why, "gh is not installed and GITHUB_TOKEN holds characters a token cannot have");
		return -1;
	}
	if (!on_path("curl")) {
		buf_printf(why, "neither gh nor curl is installed");
		return -1;
	}
	snprintf(g->auth, sizeof g->auth, "header = \"Authorization: Bearer %s\"\n", tok);
	return 0;
}

void
github_call(const struct github *g, struct gh_call *k, const char *path_or_url,
    int paginate, int headers)
{
	double left = g->deadline - now_seconds();
	int a = 0;

	memset(k, 0, sizeof *k);
	k->paginate = paginate && g->use_gh;
	k->headers = headers && !g->use_gh;
	if (g->use_gh) {
		buf_adds(&k->url, path_or_url);
		k->argv[a++] = "gh";
		k->argv[a++] = "api";
		k->argv[a++] = "-H";
		k->argv[a++] = "Accept: application/vnd.github+json";
		if (k->paginate)
			k->argv[a++] = "--paginate";
		/* "--" ends gh's options: a path can never be taken for one. */
		k->argv[a++] = "--";
		k->argv[a++] = k->url.p;
	} else {
		if (starts_with(path_or_url, "http://") || starts_with(path_or_url, "https://"))
			buf_adds(&k->url, path_or_url);
		else
			buf_printf(&k->url, "%s/%s", g->api_url, path_or_url);
		snprintf(k->maxtime, sizeof k->maxtime, "%.3f", left > 0.2 ? left : 0.2);
		k->argv[a++] = "curl";
		k->argv[a++] = "-q";
		k->argv[a++] = "--silent";
		k->argv[a++] = "--show-error";
		k->argv[a++] = "--fail";
		k->argv[a++] = "--location";
		k->argv[a++] = "--proto";
		k->argv[a++] = "=http,https";
		k->argv[a++] = "--proto-redir";
		k->argv[a++] = "=http,https";
		k->argv[a++] = "--max-time";
		k->argv[a++] = k->maxtime;
		/* The token comes on stdin as a config line, never in argv. */
		k->argv[a++] = "--config";
		k->argv[a++] = "-";
		k->argv[a++] = "-H";
		k->argv[a++] = "Accept: application/vnd.github+json";
		if (k->headers) {
			k->argv[a++] = "--dump-header";
			k->argv[a++] = "-";
		}
		k->argv[a++] = "--url";
		k->argv[a++] = k->url.p;
		k->c.input = g->auth;
		k->c.input_len = strlen(g->auth);
	}
	k->argv[a] = NULL;
	k->c.argv = k->argv;
}

/* Case-insensitive "name:" at the start of a header line. */
static const char *
header_value(const char *line, size_t n, const char *name)
{
	size_t l = strlen(name);

	if (n <= l || line[l] != ':')
		return NULL;
	for (size_t i = 0; i < l; i++) {
		char c = line[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return NULL;
	}
	line += l + 1;
	while (*line == ' ')
		line++;
	return line;
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

const char *
github_body(const char *p, size_t n, size_t *body_len, int *status, struct buf *next,
    int *rate_limited)
{
	const char *end = p + n;

	*status = 0;
	*rate_limited = 0;
	next->len = 0;
	buf_str(next);
	/* curl -L prints one header block per response (a 302, then a 200). */
	while (end - p >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));

		*status = sp && end - sp > 4 ? atoi(sp + 1) : 0;
		next->len = 0;
		buf_str(next);
		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l;
			const char *v;

			if (!nl) {
				p = end;
				break;
			}
			l = (size_t)(nl - p);
			if (l && p[l - 1] == '\r')
				l--;
			if (l == 0) {
				p = nl + 1;
				break;
			}
			if ((v = header_value(p, l, "link")) != NULL)
				link_next(v, (size_t)(p + l - v), next);
			if ((v = header_value(p, l, "x-ratelimit-remaining")) != NULL && *v == '0' &&
			    (v + 1 == p + l || v[1] == '\r'))
				*rate_limited = 1;
			p = nl + 1;
		}
	}
	*body_len = (size_t)(end - p);
	return p;
}

void
github_describe(const struct github *g, const struct gh_call *k, struct buf *out)
{
	out->len = 0;
	if (g->use_gh && k->c.exit_code == GH_EXIT_AUTH && !k->c.timed_out) {
		buf_adds(out, "gh is not logged in (gh auth login, or set GH_TOKEN)");
		return;
	}
	if (k->headers && !k->c.timed_out && !k->c.exec_errno) {
		struct buf next = { 0 };
		size_t bl;
		int status, rl;

		github_body(k->c.out.p ? k->c.out.p : "", k->c.out.len, &bl, &status, &next, &rl);
		buf_free(&next);
		if (rl) {
			buf_printf(out, "rate limited (HTTP %d, x-ratelimit-remaining: 0)", status);
			return;
		}
	}
	child_describe(&k->c, out);
}

void
github_call_free(struct gh_call *k)
{
	child_free(&k->c);
	buf_free(&k->url);
}
