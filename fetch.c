#include "fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* curl's exit codes for --max-filesize refusing a download and for
 * --max-time running out. */
#define CURL_FILESIZE_EXCEEDED 63
#define CURL_TIMED_OUT 28

static int
http_url(const char *u, struct buf *why)
{
	if (!u || (!starts_with(u, "https://") && !starts_with(u, "http://"))) {
		buf_printf(why, "not an http(s) URL: %s", u ? shown(u, strlen(u), 0) : "(none)");
		return -1;
	}
	return 0;
}

/* s as a quoted string of curl's config syntax (its escapes: \\ \" \n
 * \r \t \v); other bytes as they are. */
static void
cfg_quote(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		switch (*s) {
		case '\\': buf_adds(b, "\\\\"); break;
		case '"': buf_adds(b, "\\\""); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		case '\v': buf_adds(b, "\\v"); break;
		default: buf_addc(b, *s); break;
		}
	}
	buf_adds(b, "\"\n");
}

/* A validator fit for a header: 1 to 512 printable ASCII bytes. */
static int
validator_ok(const char *v)
{
	size_t n = 0;

	if (!v)
		return 0;
	for (; v[n]; n++)
		if ((unsigned char)v[n] < 0x20 || (unsigned char)v[n] > 0x7e || n >= 512)
			return 0;
	return n > 0;
}

static char *
own(struct fetch *f, char *s)
{
	f->owned[f->nowned++] = s;
	return s;
}

int
fetch_prepare(struct fetch *f, const struct fetch_req *req, struct buf *why)
{
	double left = req->deadline - now_seconds();
	size_t a = 0;

	memset(f, 0, sizeof *f);
	f->req = *req;
	if (req->nurls > FETCH_MAX_BATCH) {
		buf_printf(why, "a batch of %zu transfers (at most %d)", req->nurls, FETCH_MAX_BATCH);
		return -1;
	}
	for (size_t i = 0; i < req->nurls; i++)
		if (http_url(req->urls[i], why) < 0)
			return -1;
	if (!req->nurls && req->url_secret) {
		if (!req->url || (!starts_with(req->url, "https://") && !starts_with(req->url, "http://"))) {
			buf_printf(why, "not an http(s) URL (not shown: it is secret)");
			return -1;
		}
	} else if (!req->nurls && http_url(req->url, why) < 0) {
		return -1;
	}
	if (left <= 0.1) {
		buf_printf(why, "no time left before the time limit");
		return -1;
	}
	f->argv = xmalloc((48 + 4 * req->nurls) * sizeof *f->argv);
	f->owned = xmalloc((2 + 2 * req->nurls) * sizeof *f->owned);
	f->url = xstrdup(req->nurls ? req->urls[0] : req->url);
	/* Nothing of the caller's is kept: argv owns its copies. */
	f->req.url = f->url;
	f->req.urls = NULL;
	f->req.body = NULL;
	f->req.if_none_match = NULL;
	f->req.if_modified_since = NULL;
	/* curl gets slightly less time than we do, so that it usually reports
	 * the timeout itself; the kill at our deadline is the backstop. */
	snprintf(f->maxtime, sizeof f->maxtime, "%.3f", left > 0.5 ? left - 0.2 : left);
	snprintf(f->conn, sizeof f->conn, "%.3f", left < 15 ? left : 15.0);
	f->argv[a++] = "curl";
	f->argv[a++] = "-q";            /* first: ignore ~/.curlrc */
	f->argv[a++] = "--silent";
	f->argv[a++] = "--show-error";
	if (req->fail_on_http_error)
		f->argv[a++] = "--fail";
	if (req->follow)
		f->argv[a++] = "--location";
	f->argv[a++] = "--proto";
	f->argv[a++] = "=http,https";
	f->argv[a++] = "--proto-redir";
	f->argv[a++] = "=http,https";
	if (req->max_bytes) {
		snprintf(f->maxsize, sizeof f->maxsize, "%zu", req->max_bytes);
		f->argv[a++] = "--max-filesize";
		f->argv[a++] = f->maxsize;
		/* One byte over the limit is enough to know it is too large. */
		f->c.out_limit = req->max_bytes + (req->headers ? 65536 : 0);
	}
	f->argv[a++] = "--connect-timeout";
	f->argv[a++] = f->conn;
	f->argv[a++] = "--max-time";
	f->argv[a++] = f->maxtime;
	if (req->retries > 0) {
		snprintf(f->retries, sizeof f->retries, "%d", req->retries);
		/* --retry-max-time takes whole seconds only. */
		snprintf(f->retrytime, sizeof f->retrytime, "%d", left > 1.5 ? (int)(left - 0.5) : 1);
		f->argv[a++] = "--retry";
		f->argv[a++] = f->retries;
		f->argv[a++] = "--retry-delay";
		f->argv[a++] = "1";
		f->argv[a++] = "--retry-max-time";
		f->argv[a++] = f->retrytime;
	}
	/* gh and other Go and OpenSSL programs take their CA bundle from
	 * SSL_CERT_FILE; curl reads only CURL_CA_BUNDLE.  One setting for
	 * both, so that a host gh trusts is one curl trusts. */
	if (!getenv("CURL_CA_BUNDLE") && getenv("SSL_CERT_FILE") && *getenv("SSL_CERT_FILE")) {
		f->argv[a++] = "--cacert";
		f->argv[a++] = getenv("SSL_CERT_FILE");
	}
	/* What goes on stdin as config text: the token's header, and for a
	 * request with a body or a secret URL, those. */
	if (req->config)
		buf_adds(&f->stdin_cfg, req->config);
	if (!req->nurls && req->url_secret) {
		buf_adds(&f->stdin_cfg, "url = ");
		cfg_quote(&f->stdin_cfg, f->url);
	}
	if (!req->nurls && req->body) {
		buf_adds(&f->stdin_cfg, "header = \"Content-Type: application/json\"\n");
		/* data-raw: a leading @ is not a file name. */
		buf_adds(&f->stdin_cfg, "data-raw = ");
		cfg_quote(&f->stdin_cfg, req->body);
		f->argv[a++] = "--request";
		f->argv[a++] = req->method && strcmp(req->method, "PATCH") == 0 ? "PATCH" : "POST";
	}
	if (f->stdin_cfg.len) {
		f->argv[a++] = "--config";
		f->argv[a++] = "-";
		f->c.input = buf_str(&f->stdin_cfg);
		f->c.input_len = f->stdin_cfg.len;
	}
	if (req->accept) {
		f->argv[a++] = "-H";
		f->argv[a++] = (char *)req->accept;
	}
	if (!req->nurls && validator_ok(req->if_none_match)) {
		struct buf h = { 0 };

		buf_printf(&h, "If-None-Match: %s", req->if_none_match);
		f->argv[a++] = "-H";
		f->argv[a++] = f->cond[0] = xstrdup(buf_str(&h));
		buf_free(&h);
	}
	if (!req->nurls && validator_ok(req->if_modified_since)) {
		struct buf h = { 0 };

		buf_printf(&h, "If-Modified-Since: %s", req->if_modified_since);
		f->argv[a++] = "-H";
		f->argv[a++] = f->cond[1] = xstrdup(buf_str(&h));
		buf_free(&h);
	}
	if (req->headers) {
		f->argv[a++] = "--dump-header";
		f->argv[a++] = "-";
	}
	if (!req->nurls) {
		/* a secret URL is in the config text on stdin */
		if (!req->url_secret) {
			f->argv[a++] = "--url";
			f->argv[a++] = f->url;
		}
	} else {
		char n[32];

		snprintf(n, sizeof n, "%zu", req->nurls);
		f->argv[a++] = "--parallel";
		f->argv[a++] = "--parallel-max";
		f->argv[a++] = own(f, xstrdup(n));
		f->argv[a++] = "--write-out";
		f->argv[a++] = "%{urlnum} %{exitcode} %{http_code}\n";
		for (size_t i = 0; i < req->nurls; i++) {
			snprintf(n, sizeof n, "/dev/fd/%zu", 3 + i);
			f->argv[a++] = "--url";
			f->argv[a++] = own(f, xstrdup(req->urls[i]));
			f->argv[a++] = "--output";
			f->argv[a++] = own(f, xstrdup(n));
		}
	}
	f->argv[a] = NULL;
	f->c.argv = f->argv;
	return 0;
}

int
fetch_result(struct fetch *f, struct buf *body, struct buf *why)
{
	struct child *c = &f->c;

	if (c->exit_code == 0 && !c->timed_out && !c->stopped && !c->exec_errno) {
		/* Hand the body over without copying it. */
		buf_free(body);
		*body = c->out;
		c->out = (struct buf){ 0 };
		return 0;
	}
	if (c->stopped || c->exit_code == CURL_FILESIZE_EXCEEDED)
		buf_printf(why, "response larger than the limit of %zu bytes", f->req.max_bytes);
	else if (c->timed_out)
		buf_printf(why, "no complete response within the time limit (curl killed)");
	else if (c->never_started)
		buf_printf(why, "not started before the time limit");
	else
		child_describe(c, why);
	return -1;
}

int
fetch_timed_out(const struct fetch *f)
{
	return f->c.timed_out || f->c.exit_code == CURL_TIMED_OUT;
}

int
fetch_batch_result(const struct fetch *f, size_t i, struct buf *why)
{
	const char *p = f->c.out.p, *end = p ? p + f->c.out.len : NULL;

	/* "I EXIT HTTP" lines, in the order the transfers ended. */
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[64];
		size_t n = (size_t)((nl ? nl : end) - p);
		unsigned long idx, ex, http;

		if (n < sizeof line) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (sscanf(line, "%lu %lu %lu", &idx, &ex, &http) == 3 && idx == i) {
				if (ex == 0 && http >= 200 && http < 300)
					return 0;
				if (ex == CURL_TIMED_OUT)
					buf_printf(why, "no complete response within the time limit, its partial output dropped");
				else if (ex == CURL_FILESIZE_EXCEEDED)
					buf_printf(why, "response larger than the limit of %zu bytes", f->req.max_bytes);
				else if (http >= 400)
					buf_printf(why, "HTTP %lu", http);
				else
					buf_printf(why, "curl exit status %lu (HTTP %lu)", ex, http);
				return -1;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (f->c.timed_out || f->c.never_started)
		buf_printf(why, "no complete response within the time limit, its partial output dropped");
	else
		child_describe(&f->c, why);
	return -1;
}

void
fetch_free(struct fetch *f)
{
	child_free(&f->c);
	if (f->url && f->req.url_secret)
		memset(f->url, 0, strlen(f->url));
	free(f->url);
	if (f->stdin_cfg.p)
		memset(f->stdin_cfg.p, 0, f->stdin_cfg.cap);
	buf_free(&f->stdin_cfg);
	for (size_t i = 0; i < f->nowned; i++)
		free(f->owned[i]);
	free(f->owned);
	free(f->argv);
	free(f->cond[0]);
	free(f->cond[1]);
	f->cond[0] = f->cond[1] = NULL;
	f->url = NULL;
	f->owned = NULL;
	f->argv = NULL;
	f->nowned = 0;
}

int
http_header_is(const char *line, size_t n, const char *name, const char **v, size_t *vn)
{
	size_t l = strlen(name);

	if (n <= l || line[l] != ':')
		return 0;
	for (size_t i = 0; i < l; i++) {
		char c = line[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return 0;
	}
	line += l + 1;
	n -= l + 1;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	*v = line;
	*vn = n;
	return 1;
}

int
http_block(const char **pp, const char *end, int *status)
{
	const char *p = *pp, *sp, *nl;

	if (end - p < 5 || memcmp(p, "HTTP/", 5) != 0)
		return 0;
	sp = memchr(p, ' ', (size_t)(end - p));
	nl = memchr(p, '\n', (size_t)(end - p));
	*status = 0;
	if (sp && nl && sp < nl && nl - sp >= 4 && sp[1] >= '1' && sp[1] <= '5' &&
	    sp[2] >= '0' && sp[2] <= '9' && sp[3] >= '0' && sp[3] <= '9')
		*status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	*pp = nl ? nl + 1 : end;
	return 1;
}

int
http_header_line(const char **pp, const char *end, const char **line, size_t *n)
{
	const char *p = *pp, *nl = memchr(p, '\n', (size_t)(end - p));
	size_t l;

	if (!nl) {
		*pp = end;
		return 0;
	}
	l = (size_t)(nl - p);
	if (l && p[l - 1] == '\r')
		l--;
	*pp = nl + 1;
	if (l == 0)
		return 0;
	*line = p;
	*n = l;
	return 1;
}

static char *
meta_value(char *old, const char *v, size_t n)
{
	char *s = xstrndup(v, n);

	free(old);
	if (!validator_ok(s)) {
		free(s);
		return NULL;
	}
	return s;
}

int
fetch_meta_parse(const char *p, size_t n, struct fetch_meta *m)
{
	const char *start = p, *end = p + n, *line, *v;
	size_t l, vn;
	int blocks = 0;

	memset(m, 0, sizeof *m);
	/* The last block is the response whose body follows. */
	while (http_block(&p, end, &m->status)) {
		blocks++;
		free(m->etag);
		free(m->last_modified);
		m->etag = m->last_modified = NULL;
		while (http_header_line(&p, end, &line, &l)) {
			if (http_header_is(line, l, "etag", &v, &vn))
				m->etag = meta_value(m->etag, v, vn);
			else if (http_header_is(line, l, "last-modified", &v, &vn))
				m->last_modified = meta_value(m->last_modified, v, vn);
		}
	}
	m->body_off = (size_t)(p - start);
	return blocks ? 0 : -1;
}

void
fetch_meta_free(struct fetch_meta *m)
{
	free(m->etag);
	free(m->last_modified);
	m->etag = m->last_modified = NULL;
}
