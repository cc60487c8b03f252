/*
 * libFuzzer target for what github.c reads from servers: header blocks
 * (status, Link, Location, rate limit), redirect targets and origins.
 *
 *   make fuzz-bins && fuzz/bin/fuzz_github -max_total_time=60 fuzz/corpus/github
 *
 * The input is a response as curl prints it with --dump-header (header
 * blocks, then a body).  Besides memory safety it checks, and aborts when
 * one fails:
 *   - the body github_parse returns lies inside the input and ends it;
 *   - a next hop is an http(s) URL whose origin parses;
 *   - the token's rule: a URL that github_under_api accepts has the API's
 *     origin, so a Location or Link elsewhere can never carry the token;
 *   - url_origin is stable: the origin of an origin is itself.
 */
#include "github.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static void
check_url(const struct github *g, const char *url)
{
	char o[300], o2[300];

	if (url_origin(url, o, sizeof o) == 0) {
		REQUIRE(starts_with(o, "https://") || starts_with(o, "http://"));
		REQUIRE(url_origin(o, o2, sizeof o2) == 0 && strcmp(o, o2) == 0);
	}
	if (github_under_api(g, url)) {
		REQUIRE(url_origin(url, o, sizeof o) == 0);
		REQUIRE(strcmp(o, g->origin) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct github g;
	struct gh_call k;
	struct gh_response r = { 0 };
	struct buf hop = { 0 }, why = { 0 };
	char *p = malloc(size + 1);

	if (!p)
		return 0;
	memcpy(p, data, size);
	p[size] = '\0';
	memset(&g, 0, sizeof g);
	g.api = "https://api.example.com:8443/api/v3";
	strcpy(g.origin, "https://api.example.com:8443");
	memset(&k, 0, sizeof k);
	k.url = "https://api.example.com:8443/api/v3/repos/o/r/actions/jobs/1/logs";

	github_parse(p, size, &r);
	REQUIRE(r.body >= p && r.body <= p + size && r.body + r.body_len == p + size);
	if (r.next.len)
		check_url(&g, r.next.p);
	if (github_next_hop(&k, &r, &hop, &why) == 0) {
		REQUIRE(starts_with(hop.p, "https://") || starts_with(hop.p, "http://"));
		check_url(&g, hop.p);
	}
	/* The whole input as a URL too. */
	if (memchr(p, '\0', size) == NULL)
		check_url(&g, p);
	gh_response_free(&r);
	buf_free(&hop);
	buf_free(&why);
	free(p);
	return 0;
}
