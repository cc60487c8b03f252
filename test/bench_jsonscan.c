/*
 * Throughput of the JSON scanner: a benchmark, not a test.
 *
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I. -o /tmp/bj test/bench_jsonscan.c jsonscan.c
 *   /tmp/bj [FILE]
 *
 * Without FILE it builds ~50 MB shaped like the pretty-printed
 * disabled-tests list, the largest input the tool reads.  It reports the best
 * of several passes, because the first pass also pays for page faults.
 */
#include "jsonscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *generate(size_t target, size_t *len)
{
	static const char *const plat[] = { "rocm", "linux", "mac", "windows", "inductor", "asan" };
	static const char *const words[] = { "foo", "bar", "cuda", "float32", "grad", "conv2d",
	    "dynamic", "toggle", "sparse", "fsdp" };
	size_t cap = target + 4096, n = 0;
	char *buf = malloc(cap);
	unsigned long i;

	if (!buf)
		return NULL;
	n += (size_t)sprintf(buf + n, "{\n");
	for (i = 0; n < target; i++) {
		int np = (int)(i % 3) + 1, k;

		n += (size_t)sprintf(buf + n,
		    "  \"test_%s_%s_%s_%lu (__main__.Test%sCUDA)\": [\n"
		    "    \"%lu\",\n"
		    "    \"https://github.com/pytorch/pytorch/issues/%lu\",\n"
		    "    [\n",
		    words[i % 10], words[(i / 10) % 10], words[(i / 7) % 10], i,
		    words[(i / 3) % 10], 100000 + i % 900000, 100000 + i % 900000);
		for (k = 0; k < np; k++)
			n += (size_t)sprintf(buf + n, "      \"%s\"%s\n", plat[(i + (unsigned long)k) % 6],
			    k + 1 < np ? "," : "");
		n += (size_t)sprintf(buf + n, "    ]\n  ],\n");
	}
	n -= 2;  /* the last entry takes no comma */
	n += (size_t)sprintf(buf + n, "\n}\n");
	*len = n;
	return buf;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long sz;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
	    && (buf = malloc((size_t)sz + 1)) != NULL)
		*len = fread(buf, 1, (size_t)sz, f);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	size_t len = 0, tokens = 0, keys = 0, hits = 0;
	char *buf = argc > 1 ? slurp(argv[1], &len) : generate((size_t)50 << 20, &len);
	double best = 1e9, t0, dt;
	int pass;

	if (!buf) {
		perror(argc > 1 ? argv[1] : "malloc");
		return 1;
	}
	for (pass = 0; pass < 7; pass++) {
		struct js_scanner s;
		struct js_token t;
		enum js_type r;

		tokens = keys = hits = 0;
		js_init(&s, buf, len, 0);
		t0 = now();
		while ((r = js_next(&s, &t)) > JS_EOF) {
			tokens++;
			/* Touch the tokens the way a consumer does, so nothing is optimised out. */
			if (t.is_key) {
				keys++;
				hits += t.len > 40;
			}
		}
		dt = now() - t0;
		if (r == JS_ERROR) {
			fprintf(stderr, "error: %s at %zu\n", js_strerror(s.err), s.err_offset);
			return 1;
		}
		if (dt < best)
			best = dt;
	}
	printf("%zu bytes, %zu tokens, %zu keys (%zu long): best %.2f ms, %.0f MB/s\n",
	    len, tokens, keys, hits, best * 1e3, (double)len / best / 1e6);
	free(buf);
	return 0;
}
