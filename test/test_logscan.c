/*
 * Unit tests for logscan.  rec() shows what one line is recognised as:
 *
 *   "P:path::test"     a pytest node id
 *   "U:test_x (m.C)"   a unittest id
 *   "-"                nothing
 *
 * and scan() renders everything a stream reports, one "P:" / "U:" item per
 * line, so one CHECK_STR shows a whole log's result.  Lines are copied into
 * malloc'd buffers of exactly their length, so that under ASan a read past
 * the end is caught.
 */
#include "logscan.h"
#include "test/unit.h"

#include <stdlib.h>

#define TS "2026-08-21T19:26:39.1234567Z "

static char rec_buf[LOGSCAN_MAX_LINE * 2 + 16];

static const char *rec_n(const char *line, size_t n)
{
	char *copy = malloc(n ? n : 1);
	char *scratch = malloc(n ? n : 1);
	const char *id = NULL;
	size_t idn = 0;
	enum logscan_kind k;

	if (!copy || !scratch)
		abort();
	if (n)
		memcpy(copy, line, n);
	k = logscan_line(copy, n, scratch, &id, &idn);
	if (k == LOGSCAN_NONE) {
		strcpy(rec_buf, "-");
	} else {
		/* The id must lie inside the line or the scratch buffer. */
		if (!((id >= copy && id + idn <= copy + n) || (id >= scratch && id + idn <= scratch + n)))
			strcpy(rec_buf, "ID-OUT-OF-BOUNDS");
		else if (idn + 3 > sizeof rec_buf)
			strcpy(rec_buf, "ID-TOO-LONG");
		else {
			rec_buf[0] = k == LOGSCAN_PYTEST ? 'P' : k == LOGSCAN_UNITTEST ? 'U' : '?';
			rec_buf[1] = ':';
			memcpy(rec_buf + 2, id, idn);
			rec_buf[idn + 2] = '\0';
		}
	}
	free(copy);
	free(scratch);
	return rec_buf;
}

static const char *rec(const char *line)
{
	return rec_n(line, strlen(line));
}

/* ---- streaming ---- */

struct sink {
	char *out;
	size_t len, cap;
	unsigned long calls;
};

static void sink_add(struct sink *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		s->cap = (s->len + n + 1) * 2;
		s->out = realloc(s->out, s->cap);
		if (!s->out)
			abort();
	}
	memcpy(s->out + s->len, p, n);
	s->len += n;
	s->out[s->len] = '\0';
}

static void collect(void *arg, enum logscan_kind kind, const char *id, size_t n)
{
	struct sink *s = arg;

	s->calls++;
	sink_add(s, kind == LOGSCAN_PYTEST ? "P:" : kind == LOGSCAN_UNITTEST ? "U:" : "?:", 2);
	sink_add(s, id, n);
	sink_add(s, "\n", 1);
}

static struct logscan ls;   /* 16 KB: kept off the stack */
static struct sink result;

static unsigned long rng_state = 1;

static unsigned long rng(void)
{
	rng_state = rng_state * 6364136223846793005ul + 1442695040888963407ul;
	return (rng_state >> 33) & 0x7fffffff;
}

enum { WHOLE, BYTES, RANDOM };

/* Feeds data in the given way (RANDOM: chunk sizes from the seed) and
 * returns the rendered results; the counters are left in ls. */
static const char *scan_n(const char *data, size_t n, int how, unsigned long seed, int finish)
{
	char *copy = malloc(n ? n : 1);
	size_t off = 0, k;

	if (!copy)
		abort();
	if (n)
		memcpy(copy, data, n);
	free(result.out);
	memset(&result, 0, sizeof result);
	sink_add(&result, "", 0);
	logscan_init(&ls, collect, &result);
	rng_state = seed;
	while (off < n) {
		if (how == WHOLE)
			k = n;
		else if (how == BYTES)
			k = 1;
		else if (rng() % 8 == 0)
			k = 1 + rng() % (3 * LOGSCAN_MAX_LINE);
		else
			k = 1 + rng() % 64;
		if (k > n - off)
			k = n - off;
		/* Each chunk in a buffer of its own exact size. */
		{
			char *c = malloc(k);

			if (!c)
				abort();
			memcpy(c, copy + off, k);
			logscan_feed(&ls, c, k);
			free(c);
		}
		off += k;
	}
	if (finish)
		logscan_finish(&ls);
	free(copy);
	return result.out;
}

static const char *scan(const char *data)
{
	return scan_n(data, strlen(data), WHOLE, 1, 1);
}

/* ---- recognition: pytest ---- */

static void test_pytest_forms(void)
{
	CHECK_STR(rec("FAILED test_nn.py::TestNN::test_conv - AssertionError: 1 != 2"),
	    "P:test_nn.py::TestNN::test_conv");
	CHECK_STR(rec("FAILED test_nn.py::TestNN::test_conv"), "P:test_nn.py::TestNN::test_conv");
	CHECK_STR(rec("ERROR test_nn.py::TestNN::test_conv - RuntimeError: boom"),
	    "P:test_nn.py::TestNN::test_conv");
	CHECK_STR(rec("ERROR test_nn.py::TestNN::test_conv"), "P:test_nn.py::TestNN::test_conv");
	CHECK_STR(rec("FAILED [3.2100s] test_ops.py::TestCommonCUDA::test_out_add_cuda_float32 - msg"),
	    "P:test_ops.py::TestCommonCUDA::test_out_add_cuda_float32");
	CHECK_STR(rec("FAILED [0.0010s] test_ops.py::T::t"), "P:test_ops.py::T::t");
	CHECK_STR(rec("ERROR [12.5s] test_ops.py::T::t - x"), "P:test_ops.py::T::t");
	CHECK_STR(rec("FAILED test/test_x.py::test_f[cuda-float32] - x"), "P:test/test_x.py::test_f[cuda-float32]");
	CHECK_STR(rec("FAILED t.py::test_plain"), "P:t.py::test_plain");
	/* The first " - " ends the id; later ones are in the message. */
	CHECK_STR(rec("FAILED t.py::T::t - a - b - c"), "P:t.py::T::t");
	/* A '-' not between spaces is part of the id. */
	CHECK_STR(rec("FAILED t.py::T::t[a-b] - m"), "P:t.py::T::t[a-b]");
	CHECK_STR(rec("FAILED t.py::T::t -m"), "P:t.py::T::t -m");
	/* Trailing spaces and CR trimmed. */
	CHECK_STR(rec("FAILED t.py::T::t   "), "P:t.py::T::t");
	CHECK_STR(rec("FAILED t.py::T::t\r"), "P:t.py::T::t");
	CHECK_STR(rec("FAILED t.py::T::t \r"), "P:t.py::T::t");
	CHECK_STR(rec("FAILED t.py::T::t - msg\r"), "P:t.py::T::t");
	CHECK_STR(rec("FAILED t.py::T::t  - msg"), "P:t.py::T::t");
	/* Something that is not a duration tag is part of the id. */
	CHECK_STR(rec("FAILED [3s] t.py::T::t"), "P:[3s] t.py::T::t");
	CHECK_STR(rec("FAILED [.5s] t.py::T::t"), "P:[.5s] t.py::T::t");
	/* The shortest id. */
	CHECK_STR(rec("FAILED ::"), "P:::");
}

static void test_pytest_timestamped(void)
{
	CHECK_STR(rec(TS "FAILED t.py::T::t - AssertionError"), "P:t.py::T::t");
	CHECK_STR(rec(TS "FAILED t.py::T::t"), "P:t.py::T::t");
	CHECK_STR(rec(TS "ERROR t.py::T::t - x"), "P:t.py::T::t");
	CHECK_STR(rec(TS "ERROR t.py::T::t"), "P:t.py::T::t");
	CHECK_STR(rec(TS "FAILED [3.2100s] t.py::T::t - x"), "P:t.py::T::t");
	CHECK_STR(rec(TS "ERROR [3.2100s] t.py::T::t\r"), "P:t.py::T::t");
	CHECK_STR(rec(TS "FAILED t.py::T::t - x\r"), "P:t.py::T::t");
	/* 0 to 9 fraction digits. */
	CHECK_STR(rec("2026-08-21T19:26:39Z FAILED t.py::T::t"), "P:t.py::T::t");
	CHECK_STR(rec("2026-08-21T19:26:39.1Z FAILED t.py::T::t"), "P:t.py::T::t");
	CHECK_STR(rec("2026-08-21T19:26:39.123Z FAILED t.py::T::t"), "P:t.py::T::t");
	CHECK_STR(rec("2026-08-21T19:26:39.123456789Z FAILED t.py::T::t"), "P:t.py::T::t");
	CHECK_STR(rec("2026-08-21T19:26:39.1234567890Z FAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026-08-21T19:26:39.12345Z FAILED t.py::T::t"), "P:t.py::T::t");
	CHECK_STR(rec("2026-08-21T19:26:39.123456Z FAIL: t (m.C)"), "U:t (m.C)");
	CHECK_STR(rec("2026-08-21T19:26:39.1Z ERROR: t (m.C)"), "U:t (m.C)");
	CHECK_STR(rec("2026-08-21T19:26:39.1Z xxxxZ FAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026-08-21T19:26:39.12x4567Z FAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026-08-21T19:26:39.123456xZ FAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026-08-21T19:26:39x1234567Z FAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026-08-21T19:26:39.Z FAILED t.py::T::t"), "-");
	/* A broken timestamp is not skipped. */
	CHECK_STR(rec("2026-08-21T19:26:3x.1234567Z FAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026-08-21 19:26:39.1234567Z FAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026-08-21T19:26:39.1234567 FAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026-08-21T19:26:39.1234567ZFAILED t.py::T::t"), "-");
	CHECK_STR(rec("2026/08/21T19:26:39.1234567Z FAILED t.py::T::t"), "-");
	CHECK_STR(rec(TS " FAILED t.py::T::t"), "-");
	/* Only one timestamp is skipped. */
	CHECK_STR(rec(TS TS "FAILED t.py::T::t"), "-");
	/* A line that merely looks stamp-shaped where the word should be. */
	CHECK_STR(rec("FAILED abcTdefghZ ERROR t.py::T::t"), "P:abcTdefghZ ERROR t.py::T::t");
	CHECK_STR(rec("2026-08-21T19:26:39Z"), "-");
	CHECK_STR(rec("2026-08-21T19:26:39Z "), "-");
	CHECK_STR(rec(TS), "-");
	CHECK_STR(rec(TS "F"), "-");
	CHECK_STR(rec(TS "FAILED"), "-");
	CHECK_STR(rec(TS "FAILED "), "-");
}

/* ---- recognition: unittest ---- */

static void test_unittest_forms(void)
{
	CHECK_STR(rec("FAIL: test_add (__main__.TestOps)"), "U:test_add (__main__.TestOps)");
	CHECK_STR(rec("ERROR: test_add (__main__.TestOps)"), "U:test_add (__main__.TestOps)");
	CHECK_STR(rec("FAIL: test_add_cuda_float32 (test_ops.TestCommonCUDA)"),
	    "U:test_add_cuda_float32 (test_ops.TestCommonCUDA)");
	CHECK_STR(rec("FAIL: test_x (a.b.c.Class)"), "U:test_x (a.b.c.Class)");
	/* Python 3.11+: the method name repeated at the end of the suite. */
	CHECK_STR(rec("FAIL: test_add (__main__.TestOps.test_add)"), "U:test_add (__main__.TestOps)");
	CHECK_STR(rec("ERROR: test_add (__main__.TestOps.test_add)"), "U:test_add (__main__.TestOps)");
	CHECK_STR(rec("FAIL: test_x (a.b.Class.test_x)"), "U:test_x (a.b.Class)");
	/* Only an exact repeat is dropped, and a module and class stay. */
	CHECK_STR(rec("FAIL: test_x (a.Class.test_xy)"), "U:test_x (a.Class.test_xy)");
	CHECK_STR(rec("FAIL: test_x (a.Class.est_x)"), "U:test_x (a.Class.est_x)");
	CHECK_STR(rec("FAIL: test_x (Class.test_x)"), "U:test_x (Class.test_x)");
	/* Timestamps, CR, trailing spaces. */
	CHECK_STR(rec(TS "FAIL: test_add (__main__.TestOps)"), "U:test_add (__main__.TestOps)");
	CHECK_STR(rec(TS "ERROR: test_add (__main__.TestOps)\r"), "U:test_add (__main__.TestOps)");
	CHECK_STR(rec(TS "FAIL: test_add (__main__.TestOps.test_add)\r"), "U:test_add (__main__.TestOps)");
	CHECK_STR(rec("2026-08-21T19:26:39Z ERROR: test_add (m.T.test_add)  \r"), "U:test_add (m.T)");
	CHECK_STR(rec("FAIL: test_add (__main__.TestOps) \r"), "U:test_add (__main__.TestOps)");
	/* The name is anything without whitespace; non-ASCII is fine. */
	CHECK_STR(rec("FAIL: test_\xc3\xa9t\xc3\xa9 (m.T)"), "U:test_\xc3\xa9t\xc3\xa9 (m.T)");
	CHECK_STR(rec("FAIL: x (m.T)"), "U:x (m.T)");
}

static void test_unittest_non_matches(void)
{
	CHECK_STR(rec("FAIL: something else"), "-");
	CHECK_STR(rec("ERROR: something went wrong (see above)"), "-");
	CHECK_STR(rec("FAIL: test_x (Class)"), "-");          /* not dotted */
	CHECK_STR(rec("FAIL: test_x (m.Class) extra"), "-");
	CHECK_STR(rec("FAIL: test_x (m.Class) [subtest]"), "-");
	CHECK_STR(rec("FAIL: test x (m.Class)"), "-");
	CHECK_STR(rec("FAIL: test_x  (m.Class)"), "-");
	CHECK_STR(rec("FAIL:  test_x (m.Class)"), "-");
	CHECK_STR(rec("FAIL: (m.Class)"), "-");
	CHECK_STR(rec("FAIL: test_x (m..Class)"), "-");
	CHECK_STR(rec("FAIL: test_x (.m.Class)"), "-");
	CHECK_STR(rec("FAIL: test_x (m.Class.)"), "-");
	CHECK_STR(rec("FAIL: test_x (m.1Class)"), "-");
	CHECK_STR(rec("FAIL: test_x (m.Cl-ass)"), "-");
	CHECK_STR(rec("FAIL: test_x (m.Cl ass)"), "-");
	CHECK_STR(rec("FAIL: test_x ()"), "-");
	CHECK_STR(rec("FAIL: test_x (m.Class"), "-");
	CHECK_STR(rec("FAIL: test_x m.Class)"), "-");
	CHECK_STR(rec("FAIL: test_x"), "-");
	CHECK_STR(rec("FAIL:test_x (m.Class)"), "-");
	CHECK_STR(rec("FAIL test_x (m.Class)"), "-");         /* no colon: pytest form, no "::" */
	CHECK_STR(rec("fail: test_x (m.Class)"), "-");
	CHECK_STR(rec(" FAIL: test_x (m.Class)"), "-");
	CHECK_STR(rec("FAIL: test\tx (m.Class)"), "-");
	CHECK_STR(rec("FAIL: test_\x1b[31mx (m.Class)"), "-");
	CHECK_STR(rec_n("FAIL: te\0st (m.Class)", 21), "-");
	CHECK_STR(rec("FAIL: test_\xff (m.Class)"), "-");
	/* pytest ids do not take the unittest word. */
	CHECK_STR(rec("ERROR: t.py::T::t"), "-");
	CHECK_STR(rec("FAIL: t.py::T::t"), "-");
}

/* ---- lines that must not be reported ---- */

static void test_non_matches(void)
{
	CHECK_STR(rec("FAILED (failures=3)"), "-");
	CHECK_STR(rec("FAILED (failures=3, errors=1)"), "-");
	CHECK_STR(rec(TS "FAILED (failures=3)"), "-");
	CHECK_STR(rec("= 3 failed, 10 passed in 2.1s ="), "-");
	CHECK_STR(rec("=========================== short test summary info ============================"), "-");
	CHECK_STR(rec("The test FAILED t.py::T::t - oh no"), "-");
	CHECK_STR(rec(TS "The test FAILED t.py::T::t - oh no"), "-");
	CHECK_STR(rec(TS "##[error]FAILED t.py::T::t"), "-");
	CHECK_STR(rec(" FAILED t.py::T::t"), "-");
	CHECK_STR(rec("\tFAILED t.py::T::t"), "-");
	CHECK_STR(rec("failed t.py::T::t"), "-");
	CHECK_STR(rec("FAILEDt.py::T::t"), "-");
	CHECK_STR(rec("FAILED: t.py::T::t"), "-");
	CHECK_STR(rec("ERRORS t.py::T::t"), "-");
	CHECK_STR(rec("FAILED t.py - ImportError"), "-");      /* no "::" */
	CHECK_STR(rec("ERROR test/test_foo.py - ImportError: x::y"), "-");
	CHECK_STR(rec("FAILED t.py:T:t"), "-");
	CHECK_STR(rec("FAILED t.py:T - ::"), "-");
	CHECK_STR(rec("FAILED"), "-");
	CHECK_STR(rec("FAILED "), "-");
	CHECK_STR(rec("FAILED    "), "-");
	CHECK_STR(rec("FAILED \r"), "-");
	CHECK_STR(rec("FAILED - t.py::T::t"), "-");
	CHECK_STR(rec("FAILED  - t.py::T::t"), "-");
	CHECK_STR(rec("FAILED  t.py::T::t"), "-");             /* id starts with a space */
	CHECK_STR(rec("FAILED -k::x"), "-");                   /* id starts with '-' */
	CHECK_STR(rec("FAILED --deselect=a::b"), "-");
	CHECK_STR(rec("FAILED [3.2100s] "), "-");
	CHECK_STR(rec("FAILED [3.2100s]"), "-");
	CHECK_STR(rec("FAILED [3.2100s] - t.py::T::t"), "-");
	CHECK_STR(rec("FAILED [3.2100s]  t.py::T::t"), "-");
	CHECK_STR(rec("FAILED [3.2100s] -x::y"), "-");
	CHECK_STR(rec("E   AssertionError: Tensor-likes are not close!"), "-");
	CHECK_STR(rec("E"), "-");
	CHECK_STR(rec("F"), "-");
	CHECK_STR(rec("ERROR"), "-");
	CHECK_STR(rec("ERROR "), "-");
	CHECK_STR(rec(""), "-");
	CHECK_STR(rec_n("", 0), "-");
	CHECK_STR(rec("test_nn.py::TestNN::test_conv PASSED [0.0123s] [ 12%]"), "-");
	CHECK_STR(rec("test_nn.py::TestNN::test_conv FAILED [0.0123s] [ 12%]"), "-");
}

/* ---- hostile names: reported verbatim when they have the shape ---- */

static void test_colours_and_params(void)
{
	/* pytest --color=yes */
	CHECK_STR(rec(TS "\x1b[31mFAILED\x1b[0m profiler/test_profiler.py::TestProfiler::test_kineto\x1b[31m - AssertionError\x1b[0m"),
	    "P:profiler/test_profiler.py::TestProfiler::test_kineto");
	CHECK_STR(rec("\x1b[1m\x1b[31mERROR\x1b[0m t.py::C::test_a"), "P:t.py::C::test_a");
	CHECK_STR(rec(TS "\x1b[31mFAIL: test_x (__main__.TestProfiler.test_x)\x1b[0m"),
	    "U:test_x (__main__.TestProfiler)");
	/* An escape that is not a colour stays, and the id is then refused. */
	CHECK_STR(rec("\x1b[2JFAILED t.py::C::test_a"), "-");
	CHECK_STR(rec(TS "\x1b[32mPASSED\x1b[0m t.py::C::test_a"), "-");
	/* " - " inside the parameters is part of the id. */
	CHECK_STR(rec("FAILED t.py::f[a - b] - ValueError: x - y"), "P:t.py::f[a - b]");
	CHECK_STR(rec("FAILED t.py::f[a - b]"), "P:t.py::f[a - b]");
	CHECK_STR(rec("FAILED t.py::f[a] - x [y - z]"), "P:t.py::f[a]");
	CHECK_STR(rec("FAILED t.py::f - [a - b]"), "P:t.py::f");
	CHECK_STR(rec("FAILED t.py::f[a][b - c] - m"), "P:t.py::f[a][b - c]");
	CHECK_STR(rec("FAILED t.py::f[a - b - m"), "P:t.py::f[a - b - m");
}

static void test_hostile_reported(void)
{
	CHECK_STR(rec("FAILED t.py::T::test[$(touch X)] - m"), "P:t.py::T::test[$(touch X)]");
	CHECK_STR(rec("FAILED t.py::T::test_`id` - m"), "P:t.py::T::test_`id`");
	CHECK_STR(rec("FAILED t.py::T::t;rm -rf /"), "P:t.py::T::t;rm -rf /");
	CHECK_STR(rec("FAILED t.py::T::t[a b c] - m"), "P:t.py::T::t[a b c]");
	CHECK_STR(rec("FAILED t.py::T::t[ a ]"), "P:t.py::T::t[ a ]");
	CHECK_STR(rec("FAILED t.py::T::test_* - m"), "P:t.py::T::test_*");
	CHECK_STR(rec("FAILED t.py::T::test_[?] - m"), "P:t.py::T::test_[?]");
	CHECK_STR(rec("FAILED t.py::T::t'\"\\|&><!{}"), "P:t.py::T::t'\"\\|&><!{}");
	CHECK_STR(rec("FAILED t.py::T::$HOME"), "P:t.py::T::$HOME");
	CHECK_STR(rec("FAIL: $(touch_X) (m.T)"), "U:$(touch_X) (m.T)");
	CHECK_STR(rec("FAIL: `id`;ls (m.T)"), "U:`id`;ls (m.T)");
	CHECK_STR(rec("FAIL: $(touch X) (m.T)"), "-");        /* a space in the name */
	/* Valid UTF-8 passes. */
	CHECK_STR(rec("FAILED t.py::T::t[\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80] - m"),
	    "P:t.py::T::t[\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80]");
	CHECK_STR(rec("FAILED t.py::T::t[\xef\xbf\xbf\xf4\x8f\xbf\xbf\xed\x9f\xbf]"),
	    "P:t.py::T::t[\xef\xbf\xbf\xf4\x8f\xbf\xbf\xed\x9f\xbf]");
}

static void test_hostile_rejected(void)
{
	/* Control bytes, NUL included, in the id. */
	CHECK_STR(rec_n("FAILED t.py::T::t\0x - m", 23), "-");
	CHECK_STR(rec_n("FAILED t.py::T::t\0", 18), "-");
	CHECK_STR(rec_n("FAILED \0t.py::T::t", 18), "-");
	CHECK_STR(rec("FAILED t.py::T::t\x1b[31m - m"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\x7f"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\tx"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\x01"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\x1f"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\rx"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\r - m"), "P:t.py::T::t");   /* trimmed, as at the end */
	/* Invalid UTF-8. */
	CHECK_STR(rec("FAILED t.py::T::t\xff"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\x80"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\xc0\xaf"), "-");            /* overlong '/' */
	CHECK_STR(rec("FAILED t.py::T::t\xc1\xbf"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\xe0\x80\xaf"), "-");        /* overlong */
	CHECK_STR(rec("FAILED t.py::T::t\xf0\x80\x80\xaf"), "-");    /* overlong */
	CHECK_STR(rec("FAILED t.py::T::t\xed\xa0\x80"), "-");        /* surrogate */
	CHECK_STR(rec("FAILED t.py::T::t\xf4\x90\x80\x80"), "-");    /* > U+10FFFF */
	CHECK_STR(rec("FAILED t.py::T::t\xf5\x80\x80\x80"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\xe2\x82"), "-");            /* truncated */
	CHECK_STR(rec("FAILED t.py::T::t\xe2\x82 - m"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\xc3"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\xf0\x9f\x98"), "-");
	CHECK_STR(rec("FAILED t.py::T::t\xc3(x"), "-");
	/* What follows " - " is not the id and is not checked. */
	CHECK_STR(rec_n("FAILED t.py::T::t - m\0\x1b\xff", 25), "P:t.py::T::t");
}

/* ---- streaming ---- */

static const char sample_log[] =
    TS "##[group]Run python test/run_test.py --shard 1 2\n"
    TS "test_nn.py::TestNN::test_conv PASSED [0.0123s] [ 12%]\n"
    TS "E   AssertionError: Tensor-likes are not close!\n"
    TS "=========================== short test summary info ============================\n"
    TS "FAILED [3.2100s] test_nn.py::TestNN::test_conv2d - AssertionError: x\r\n"
    TS "FAILED test_nn.py::TestNN::test_conv3d\n"
    TS "ERROR test_nn.py::TestNN::test_setup - RuntimeError\n"
    TS "= 2 failed, 10 passed in 2.1s =\n"
    "FAILED t.py::test[$(touch X)] - m\n"
    "FAIL: test_add (__main__.TestOps)\r\n"
    "ERROR: test_mul (__main__.TestOps.test_mul)\n"
    "FAIL: something else\n"
    "FAILED (failures=3)\n"
    "\n"
    "\r\n"
    "2026-08-21T19:26:39Z ERROR [1.0s] a.py::b\n"
    "FAILED last.py::T::t - no newline";

static const char sample_found[] =
    "P:test_nn.py::TestNN::test_conv2d\n"
    "P:test_nn.py::TestNN::test_conv3d\n"
    "P:test_nn.py::TestNN::test_setup\n"
    "P:t.py::test[$(touch X)]\n"
    "U:test_add (__main__.TestOps)\n"
    "U:test_mul (__main__.TestOps)\n"
    "P:a.py::b\n"
    "P:last.py::T::t\n";

static void test_stream_sample(void)
{
	CHECK_STR(scan(sample_log), sample_found);
	CHECK(ls.lines == 17);
	CHECK(ls.found == 8 && result.calls == 8);
	CHECK(ls.long_lines == 0);
}

static void test_finish(void)
{
	/* Without logscan_finish the last line is still pending. */
	scan_n("FAILED a::b\nFAILED c::d", 23, WHOLE, 1, 0);
	CHECK_STR(result.out, "P:a::b\n");
	CHECK(ls.lines == 1 && ls.len == 11);
	logscan_finish(&ls);
	CHECK_STR(result.out, "P:a::b\nP:c::d\n");
	CHECK(ls.lines == 2 && ls.len == 0);
	/* A second finish has nothing left to do. */
	logscan_finish(&ls);
	CHECK_STR(result.out, "P:a::b\nP:c::d\n");
	CHECK(ls.lines == 2);
	/* A log ending in a newline has no extra line. */
	CHECK_STR(scan("FAILED a::b\n"), "P:a::b\n");
	CHECK(ls.lines == 1);
	CHECK_STR(scan("FAILED a::b\r"), "P:a::b\n");
	CHECK_STR(scan(TS "FAIL: test_x (m.C.test_x)"), "U:test_x (m.C)\n");
	CHECK_STR(scan(""), "");
	CHECK(ls.lines == 0);
	CHECK_STR(scan("\n\n\n"), "");
	CHECK(ls.lines == 3);
	/* A NULL callback only counts. */
	logscan_init(&ls, NULL, NULL);
	logscan_feed(&ls, "FAILED a::b\nFAILED c::d", 23);
	logscan_finish(&ls);
	CHECK(ls.found == 2 && ls.lines == 2);
	/* Feeding nothing is harmless. */
	logscan_init(&ls, NULL, NULL);
	logscan_feed(&ls, "", 0);
	logscan_finish(&ls);
	CHECK(ls.lines == 0);
}

static char *long_log(size_t line_len, const char *head, const char *tail, size_t *n)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *b = malloc(line_len + tl + 2);

	if (!b)
		abort();
	memset(b, 'x', line_len);
	memcpy(b, head, hl);
	b[line_len] = '\n';
	memcpy(b + line_len + 1, tail, tl);
	*n = line_len + 1 + tl;
	return b;
}

static void test_long_lines(void)
{
	const char *tail = "FAILED after::it - m\n";
	int how;
	size_t n;
	char *b;

	/* A 1 MB line that starts like a failure is not reported, whatever the
	 * chunking, and what follows it still is. */
	b = long_log(1u << 20, "FAILED huge::test_x - ", tail, &n);
	for (how = WHOLE; how <= RANDOM; how++) {
		CHECK_STR(scan_n(b, n, how, 7, 1), "P:after::it\n");
		CHECK(ls.lines == 2 && ls.long_lines == 1 && ls.found == 1);
		CHECK(ls.len == 0 && ls.skipping == 0);
	}
	free(b);
	b = long_log(1u << 20, TS "FAILED huge::test_x", tail, &n);
	CHECK_STR(scan_n(b, n, RANDOM, 3, 1), "P:after::it\n");
	free(b);
	/* The same line at the end of the log, without a newline. */
	b = long_log(1u << 20, "FAILED huge::test_x - ", "", &n);
	CHECK_STR(scan_n(b, n - 1, RANDOM, 5, 1), "");
	CHECK(ls.lines == 1 && ls.long_lines == 1);
	CHECK_STR(scan_n(b, n - 1, WHOLE, 5, 1), "");
	CHECK(ls.lines == 1 && ls.long_lines == 1);
	free(b);

	/* Exactly LOGSCAN_MAX_LINE bytes is still a line; one more is not. */
	b = long_log(LOGSCAN_MAX_LINE, "FAILED edge::t", tail, &n);
	b[LOGSCAN_MAX_LINE - 1] = 'y';
	for (how = WHOLE; how <= RANDOM; how++) {
		scan_n(b, n, how, 11, 1);
		CHECK(result.calls == 2 && ls.long_lines == 0);
		CHECK(strncmp(result.out, "P:edge::txxx", 12) == 0);
		CHECK(result.len == 2 + (LOGSCAN_MAX_LINE - 7) + 1 + strlen("P:after::it\n"));
	}
	/* ... also as the unterminated last line. */
	scan_n(b, LOGSCAN_MAX_LINE, RANDOM, 13, 1);
	CHECK(result.calls == 1 && ls.long_lines == 0 && ls.lines == 1);
	free(b);
	b = long_log(LOGSCAN_MAX_LINE + 1, "FAILED edge::t", tail, &n);
	for (how = WHOLE; how <= RANDOM; how++) {
		CHECK_STR(scan_n(b, n, how, 17, 1), "P:after::it\n");
		CHECK(ls.long_lines == 1 && ls.lines == 2);
	}
	CHECK_STR(scan_n(b, LOGSCAN_MAX_LINE + 1, BYTES, 1, 1), "");
	CHECK(ls.long_lines == 1 && ls.lines == 1);
	free(b);
	/* The CR of a CRLF line counts toward the limit. */
	b = long_log(LOGSCAN_MAX_LINE + 1, "FAILED edge::t", tail, &n);
	b[LOGSCAN_MAX_LINE] = '\r';
	CHECK_STR(scan_n(b, n, WHOLE, 1, 1), "P:after::it\n");
	CHECK(ls.long_lines == 1);
	free(b);
	/* A partial line held from one chunk that grows too long in the next. */
	logscan_init(&ls, collect, &result);
	free(result.out);
	memset(&result, 0, sizeof result);
	{
		static char big[LOGSCAN_MAX_LINE];

		memset(big, 'z', sizeof big);
		logscan_feed(&ls, "FAILED a::", 10);
		logscan_feed(&ls, big, sizeof big - 10);
		CHECK(ls.len == LOGSCAN_MAX_LINE && ls.skipping == 0);
		logscan_feed(&ls, big, 1);
		CHECK(ls.skipping == 1 && ls.len == 0);
		logscan_feed(&ls, big, sizeof big);
		logscan_feed(&ls, "\nFAILED ok::t\n", 14);
		CHECK(result.out != NULL && strcmp(result.out, "P:ok::t\n") == 0);
		CHECK(ls.long_lines == 1 && ls.lines == 2);
	}
}

static void test_chunking_invariance(void)
{
	char *log = NULL, *whole;
	size_t len = 0, cap = 0, i;
	unsigned long seed;
	static const char *const pieces[] = {
		TS "ordinary build output line, nothing to see here\n",
		TS "FAILED [3.2100s] test_nn.py::TestNN::test_conv - AssertionError\r\n",
		"FAILED test_x.py::test_y[a b] - m\n",
		"ERROR test_x.py::T::t\n",
		"FAIL: test_z (m.C)\n",
		TS "ERROR: test_w (m.C.test_w)\r\n",
		"FAILED (failures=3)\n",
		"\n",
		"E   x\n",
		"FAILED bad::\xff\n",
		TS "FAILED [1.5s] \xe2\x82\xac::x\n",
	};

	/* About 200 KB with a few over-long lines mixed in. */
	for (i = 0; len < 200000; i++) {
		const char *p;
		size_t pl;
		char *big = NULL;

		rng_state = i * 2654435761u + 1;
		if (rng() % 97 == 0) {
			pl = LOGSCAN_MAX_LINE - 2 + rng() % 5;    /* around the limit */
			big = malloc(pl + 1);
			if (!big)
				abort();
			memset(big, 'q', pl);
			memcpy(big, "FAILED long::q", 14);
			big[pl - 1] = '\n';
			p = big;
		} else {
			p = pieces[rng() % (sizeof pieces / sizeof pieces[0])];
			pl = strlen(p);
		}
		if (len + pl > cap) {
			cap = (len + pl) * 2;
			log = realloc(log, cap);
			if (!log)
				abort();
		}
		memcpy(log + len, p, pl);
		len += pl;
		free(big);
	}
	len -= 1;   /* end without a newline */

	whole = strdup(scan_n(log, len, WHOLE, 1, 1));
	{
		unsigned long lines = ls.lines, found = ls.found, longl = ls.long_lines;

		CHECK(whole != NULL && found > 500 && longl > 0);
		scan_n(log, len, BYTES, 1, 1);
		CHECK(whole && strcmp(result.out, whole) == 0);
		CHECK(ls.lines == lines && ls.found == found && ls.long_lines == longl);
		for (seed = 1; seed <= 20; seed++) {
			scan_n(log, len, RANDOM, seed, 1);
			CHECK(whole && strcmp(result.out, whole) == 0);
			CHECK(ls.lines == lines && ls.found == found && ls.long_lines == longl);
		}
		/* Every line on its own through logscan_line gives the same. */
		{
			struct sink ref = { NULL, 0, 0, 0 };
			size_t start = 0, j;
			char *scratch = malloc(LOGSCAN_MAX_LINE);

			sink_add(&ref, "", 0);
			for (j = 0; j <= len; j++) {
				if (j == len || log[j] == '\n') {
					const char *id;
					size_t idn;
					enum logscan_kind k = LOGSCAN_NONE;

					if (j - start <= LOGSCAN_MAX_LINE && (j < len || j > start))
						k = logscan_line(log + start, j - start, scratch, &id, &idn);
					if (k != LOGSCAN_NONE)
						collect(&ref, k, id, idn);
					start = j + 1;
				}
			}
			CHECK(whole && strcmp(ref.out, whole) == 0);
			free(ref.out);
			free(scratch);
		}
	}
	free(whole);
	free(log);
}

int main(void)
{
	RUN(test_pytest_forms);
	RUN(test_pytest_timestamped);
	RUN(test_unittest_forms);
	RUN(test_unittest_non_matches);
	RUN(test_non_matches);
	RUN(test_colours_and_params);
	RUN(test_hostile_reported);
	RUN(test_hostile_rejected);
	RUN(test_stream_sample);
	RUN(test_finish);
	RUN(test_long_lines);
	RUN(test_chunking_invariance);
	free(result.out);
	return 0;
}
