/*
 * Throughput of the log scanner: a benchmark, not a test.
 *
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I. -o /tmp/bl test/bench_logscan.c logscan.c
 *   /tmp/bl [FILE]
 *
 * Without FILE it builds 64 MB shaped like a GitHub Actions job log of a
 * PyTorch test shard (timestamped lines of 50-200 bytes: build output, test
 * progress, tracebacks, and one failure line in a few thousand) and feeds it
 * 16 times over, 1 MB at a time, so ~1 GB goes through the scanner; with
 * FILE it feeds that file's bytes the same way until ~1 GB has passed.  The
 * 1 MB chunks cut lines anywhere, as reads from a pipe would.
 */
#include "logscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define GEN_SIZE  (64u << 20)
#define CHUNK     (1u << 20)
#define TARGET    (1024ul << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long rng_state = 12345;

static unsigned long rng(void)
{
	rng_state = rng_state * 6364136223846793005ul + 1442695040888963407ul;
	return (rng_state >> 33) & 0x7fffffff;
}

static const char *const words[] = { "conv2d", "linear", "cuda", "float32", "grad", "sparse",
    "fsdp", "inductor", "dynamo", "bfloat16", "complex64", "batch_norm", "autograd", "jit" };
#define WORD(i) words[(i) % (sizeof words / sizeof words[0])]

/* One log line without its timestamp; *failures counts the reportable ones. */
static int body(char *out, size_t cap, unsigned long *failures)
{
	unsigned long r = rng(), a = rng(), b = rng();

	switch (r % 4096 == 0 ? 99 : r % 10) {
	case 0:
	case 1:
	case 2:
		return snprintf(out, cap, "test_%s.py::Test%s::test_%s_%s_%lu PASSED [%lu.%04lus] [ %lu%%]",
		    WORD(a), WORD(b), WORD(a >> 4), WORD(b >> 4), a % 1000, a % 5, b % 10000, b % 100);
	case 3:
		return snprintf(out, cap, "[%lu/%lu] Building CXX object caffe2/CMakeFiles/torch_cpu.dir/"
		    "__/aten/src/ATen/native/%s/%s_%s.cpp.o", a % 9000, 9000ul, WORD(a), WORD(b), WORD(a >> 5));
	case 4:
		return snprintf(out, cap, "E   AssertionError: Tensor-likes are not close! Mismatched "
		    "elements: %lu / %lu (%lu.%lu%%)", a % 100, 100 + b % 1000, a % 100, b % 10);
	case 5:
		return snprintf(out, cap, "  File \"/opt/conda/lib/python3.10/site-packages/torch/%s/%s.py\", "
		    "line %lu, in %s", WORD(a), WORD(b), a % 3000, WORD(b >> 3));
	case 6:
		return snprintf(out, cap, "Running test_%s ... [%lu.%lus]", WORD(a), a % 100, b % 10);
	case 7:
		return snprintf(out, cap, "##[group]Run python test/run_test.py --shard %lu 5 --verbose "
		    "--include test_%s test_%s", a % 5 + 1, WORD(a), WORD(b));
	case 8:
		return snprintf(out, cap, "Downloading https://download.pytorch.org/whl/nightly/%s-%lu.whl "
		    "(%lu.%lu MB)", WORD(a), a, b % 900, a % 10);
	case 9:
		return snprintf(out, cap, "ok (%lu.%03lus)", a % 10, b % 1000);
	default:
		(*failures)++;
		if (a % 2)
			return snprintf(out, cap, "FAILED [%lu.%04lus] test_%s.py::Test%sCUDA::test_%s_cuda_%s - "
			    "AssertionError: Tensor-likes are not close!", a % 9, b % 10000, WORD(a), WORD(b),
			    WORD(a >> 3), WORD(b >> 3));
		return snprintf(out, cap, "FAIL: test_%s_%lu (__main__.Test%s.test_%s_%lu)",
		    WORD(a), a % 100, WORD(b), WORD(a), a % 100);
	}
}

static char *generate(size_t target, size_t *len, unsigned long *failures)
{
	char *buf = malloc(target + 1024);
	size_t n = 0;
	unsigned long t = 0;

	if (!buf)
		return NULL;
	*failures = 0;
	while (n < target) {
		t += 1 + rng() % 30000;
		n += (size_t)sprintf(buf + n, "2026-08-21T19:%02lu:%02lu.%07luZ ",
		    (t / 600000000ul) % 60, (t / 10000000ul) % 60, t % 10000000ul);
		n += (size_t)body(buf + n, 400, failures);
		buf[n++] = '\n';
	}
	*len = n;
	return buf;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap) {
			cap = (n + 65536) * 2;
			buf = realloc(buf, cap);
			if (!buf) {
				fclose(f);
				return NULL;
			}
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k > 0);
	fclose(f);
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	struct logscan *ls = malloc(sizeof *ls);
	struct rusage ru;
	unsigned long failures = 0, passes, p;
	size_t len = 0, off, k;
	double t0, t1, mb;
	char *log;

	if (!ls)
		return 1;
	log = argc > 1 ? slurp(argv[1], &len) : generate(GEN_SIZE, &len, &failures);
	if (!log || len == 0) {
		fprintf(stderr, "bench_logscan: no input\n");
		return 1;
	}
	passes = (TARGET + len - 1) / len;
	logscan_init(ls, NULL, NULL);
	t0 = now();
	for (p = 0; p < passes; p++) {
		for (off = 0; off < len; off += k) {
			k = len - off < CHUNK ? len - off : CHUNK;
			logscan_feed(ls, log + off, k);
		}
	}
	logscan_finish(ls);
	t1 = now();
	mb = (double)len * (double)passes / (1024.0 * 1024.0);
	getrusage(RUSAGE_SELF, &ru);
	printf("logscan: %.0f MB in %.3f s = %.0f MB/s, peak RSS %.1f MB\n",
	    mb, t1 - t0, mb / (t1 - t0), (double)ru.ru_maxrss / 1024.0);
	printf("  %lu lines, %lu found, %lu over-long\n", ls->lines, ls->found, ls->long_lines);
	if (argc <= 1 && ls->found != failures * passes) {
		fprintf(stderr, "bench_logscan: found %lu, generated %lu\n", ls->found, failures * passes);
		return 1;
	}
	free(log);
	free(ls);
	return 0;
}
