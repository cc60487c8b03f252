/* Re-enabling: PyTorch's keyword rule, REENABLED_ISSUES, --keep, and the
 * pipeline step over a set and a runtime list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "reenable.h"
#include "unit.h"

static void
found(void *arg, const char *issue, size_t issue_len, const char *words, size_t words_len)
{
	struct buf *b = arg;

	buf_printf(b, "%s%.*s=%.*s", b->len ? "|" : "", (int)issue_len, issue, (int)words_len, words);
}

/* "issue=words|issue=words..." of what the scan found in s. */
static const char *
scan(const char *s)
{
	static struct buf b;

	b.len = 0;
	reenable_scan(s, strlen(s), found, &b);
	return buf_str(&b);
}

static void
keywords_in_any_case(void)
{
	static const char *const words[] = {
		"close", "closes", "closed", "fix", "fixes", "fixed", "resolve", "resolves", "resolved",
	};
	char text[128], want[256];

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		char upper[16], title[16], mixed[16];
		const char *forms[4];
		size_t n = strlen(words[i]);

		for (size_t j = 0; j <= n; j++) {
			upper[j] = (char)(words[i][j] >= 'a' ? words[i][j] - 'a' + 'A' : words[i][j]);
			title[j] = j == 0 ? upper[j] : words[i][j];
			mixed[j] = j % 2 ? upper[j] : words[i][j];
		}
		forms[0] = words[i];
		forms[1] = upper;
		forms[2] = title;
		forms[3] = mixed;
		for (size_t f = 0; f < 4; f++) {
			snprintf(text, sizeof text, "%s #%zu", forms[f], 100 + i);
			snprintf(want, sizeof want, "%zu=%s", 100 + i, text);
			CHECK_STR(scan(text), want);
			snprintf(text, sizeof text, "x %s https://github.com/pytorch/pytorch/issues/%zu.", forms[f], i);
			snprintf(want, sizeof want, "%zu=%s https://github.com/pytorch/pytorch/issues/%zu", i, forms[f], i);
			CHECK_STR(scan(text), want);
		}
	}
	/* The URL in any case too, as PyTorch's (?i) has it. */
	CHECK_STR(scan("Fixes HTTPS://GitHub.com/PyTorch/PyTorch/Issues/8"),
	    "8=Fixes HTTPS://GitHub.com/PyTorch/PyTorch/Issues/8");
}

static void
near_misses(void)
{
	CHECK_STR(scan("fixing #1"), "");           /* "fix" then "ing": no space */
	CHECK_STR(scan("closes  #1"), "");          /* two spaces */
	CHECK_STR(scan("fix 1"), "");               /* no '#' */
	CHECK_STR(scan("fix\t#1"), "");             /* a tab is not the space */
	CHECK_STR(scan("fix\xc2\xa0#1"), "");       /* nor a no-break space */
	CHECK_STR(scan("fix #"), "");
	CHECK_STR(scan("fix #x1"), "");
	CHECK_STR(scan("fixes#1"), "");
	CHECK_STR(scan("fix: #1"), "");
	CHECK_STR(scan("fix http://github.com/pytorch/pytorch/issues/1"), "");
	CHECK_STR(scan("fix https://github.com/pytorch/vision/issues/1"), "");
	CHECK_STR(scan("fix https://github.com/pytorch/pytorch/issues/"), "");
	CHECK_STR(scan("fix https://github.com/pytorch/pytorch/pull/1"), "");
	CHECK_STR(scan("fix #\xef\xbc\x95"), "");   /* a full-width digit */
	CHECK_STR(scan("\xef\xac\x81x #9"), "");    /* the "fi" ligature */
	CHECK_STR(scan("clos #1 fi #2 resolv #3"), "");
	CHECK_STR(scan(""), "");
}

static void
no_word_boundary(void)
{
	/* "prefix #1" says "fix #1"; "unresolved #2" says "resolved #2". */
	CHECK_STR(scan("prefix #1"), "1=fix #1");
	CHECK_STR(scan("unresolved #2"), "2=resolved #2");
	CHECK_STR(scan("xclose #3"), "3=close #3");
	/* The digits end where they end; the next match may follow at once. */
	CHECK_STR(scan("fix #12abc"), "12=fix #12");
	CHECK_STR(scan("Fixes #1fixes #2"), "1=Fixes #1|2=fixes #2");
	CHECK_STR(scan("fix fix #3"), "3=fix #3");
	CHECK_STR(scan("Fixes #0042"), "0042=Fixes #0042");
	/* Many in one body, one a line or not. */
	CHECK_STR(scan("Summary\n\nFixes #10\nCloses #11, resolved #12.\n"),
	    "10=Fixes #10|11=Closes #11|12=resolved #12");
	/* Python's case folding: U+017F is an 's', U+0130 and U+0131 an 'i'. */
	CHECK_STR(scan("clo\xc5\xbf" "e #4"), "4=clo\xc5\xbf" "e #4");
	CHECK_STR(scan("f\xc4\xb1x #5"), "5=f\xc4\xb1x #5");
	CHECK_STR(scan("F\xc4\xb0X #6"), "6=F\xc4\xb0X #6");
	/* NULs are text like any other. */
	{
		const char t[] = "a\0fix #7\0";
		struct buf b = { 0 };

		CHECK(reenable_scan(t, sizeof t - 1, found, &b) == 1);
		CHECK_STR(buf_str(&b), "7=fix #7");
		CHECK(reenable_scan(t, sizeof t - 1, NULL, NULL) == 1);
		buf_free(&b);
	}
}

/* ------------------------------------------------------------------ */

/* A run as the pipeline hands it over: a finished set and a runtime list. */
struct fake {
	struct config cfg;
	struct run r;
};

static void
listed_add(struct entries *l, const char *key, const char *issue)
{
	struct entry *e;
	const char *why;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
	e = &l->v[l->n++];
	memset(e, 0, sizeof *e);
	e->key = xstrdup(key);
	key_parse(e->key, strlen(e->key), &e->k, &why);
	e->issue = xstrdup(issue);
	e->url = xstrdup("https://github.com/pytorch/pytorch/issues/x");
	e->platforms = xstrdup("");
}

static void
set_add(struct run *r, const char *id, const char *key, const char *issue, enum reason_kind kind)
{
	struct reason rs = { .kind = kind, .key = (char *)key, .issue = (char *)issue, .run_id = NULL };

	if (kind == RK_TRUNK)
		rs.run_id = "1001";
	run_add_nodeid(r, id, &rs);
}

/*
 * t.py::TestFooCPU::test_x_cpu           list: "test_x_cpu (__main__.TestFoo)" issue 1
 * t.py::TestFooCUDA::test_x_cuda_float32 list: "test_x (__main__.TestFooCUDA)" issue 2,
 *                                        trunk
 * t.py::TestFooCUDA::test_y_cuda         list: "test_y_cuda (__main__.TestFooCUDA)" issue 2
 *                                        (another key of the same issue), and
 *                                        "test_y_cuda (__main__.TestFoo)" issue 3
 * t.py::TestBar::test_z                  trunk, fallback
 * t.py::TestBar::test_w                  fallback
 * and the whole list besides: issue 1, 2, 3, 4 (another test).
 */
static void
make(struct fake *f)
{
	memset(f, 0, sizeof *f);
	f->cfg.max_bytes = 1 << 20;
	f->r.cfg = &f->cfg;
	f->r.diags.keep_level = LOG_DEBUG;
	set_add(&f->r, "t.py::TestFooCPU::test_x_cpu", "test_x_cpu (__main__.TestFoo)", "1", RK_LIST);
	set_add(&f->r, "t.py::TestFooCUDA::test_x_cuda_float32", "test_x (__main__.TestFooCUDA)", "2",
	    RK_LIST);
	set_add(&f->r, "t.py::TestFooCUDA::test_x_cuda_float32", "t.py::TestFooCUDA::test_x_cuda_float32",
	    NULL, RK_TRUNK);
	set_add(&f->r, "t.py::TestFooCUDA::test_y_cuda", "test_y_cuda (__main__.TestFooCUDA)", "2", RK_LIST);
	set_add(&f->r, "t.py::TestFooCUDA::test_y_cuda", "test_y_cuda (__main__.TestFoo)", "3", RK_LIST);
	set_add(&f->r, "t.py::TestBar::test_z", "t.py::TestBar::test_z", NULL, RK_TRUNK);
	set_add(&f->r, "t.py::TestBar::test_z", NULL, NULL, RK_FALLBACK);
	set_add(&f->r, "t.py::TestBar::test_w", NULL, NULL, RK_FALLBACK);
	exclset_finish(&f->r.set);
	listed_add(&f->r.listed, "test_x_cpu (__main__.TestFoo)", "1");
	listed_add(&f->r.listed, "test_x (__main__.TestFooCUDA)", "2");
	listed_add(&f->r.listed, "test_y_cuda (__main__.TestFooCUDA)", "2");
	listed_add(&f->r.listed, "test_y_cuda (__main__.TestFoo)", "3");
	listed_add(&f->r.listed, "test_q (__main__.TestOther)", "4");
	listed_add(&f->r.listed, "test_z (__main__.TestBar)", "");
}

static void
done(struct fake *f)
{
	exclset_free(&f->r.set);
	entries_free(&f->r.listed);
	diags_free(&f->r.diags);
	strlist_free(&f->cfg.keep);
}

/* The node ids left, and the keys of the runtime list left. */
static const char *
ids(const struct run *r)
{
	static struct buf b;

	b.len = 0;
	for (size_t i = 0; i < r->set.n; i++)
		buf_printf(&b, "%s%s", i ? " " : "", r->set.v[i].id);
	return buf_str(&b);
}

static const char *
keys(const struct run *r)
{
	static struct buf b;

	b.len = 0;
	for (size_t i = 0; i < r->listed.n; i++)
		buf_printf(&b, "%s%s", i ? "|" : "", r->listed.v[i].key);
	return buf_str(&b);
}

/* How many records of the run hold text (at the level given). */
static size_t
said(const struct run *r, int level, const char *text)
{
	size_t n = 0;

	for (size_t i = 0; i < r->diags.n; i++)
		if (r->diags.v[i].level == level && strstr(r->diags.v[i].text, text))
			n++;
	return n;
}

static void
nothing_to_do(void)
{
	struct fake f;

	make(&f);
	reenable_apply(&f.r);
	CHECK(f.r.set.n == 5 && f.r.listed.n == 6 && f.r.diags.n == 0);
	done(&f);
}

static void
reenabled_issues_list(void)
{
	struct fake f;

	make(&f);
	f.cfg.reenabled_issues = " 2 ,x,, 99";
	reenable_apply(&f.r);
	/* Issue 2: its reasons go, and the trunk failure of a test its entry
	 * names (test_x names test_x_cuda_float32); test_y_cuda stays
	 * excluded by issue 3, as PyTorch would skip it. */
	CHECK_STR(ids(&f.r), "t.py::TestBar::test_w t.py::TestBar::test_z t.py::TestFooCPU::test_x_cpu "
	    "t.py::TestFooCUDA::test_y_cuda");
	CHECK(f.r.set.n == 4 && f.r.set.v[3].nr == 1 && strcmp(f.r.set.v[3].r[0].issue, "3") == 0);
	CHECK_STR(keys(&f.r), "test_x_cpu (__main__.TestFoo)|test_y_cuda (__main__.TestFoo)|"
	    "test_q (__main__.TestOther)|test_z (__main__.TestBar)");
	CHECK(said(&f.r, LOG_WARN, "REENABLED_ISSUES: \"x\" is not an issue number") == 1);
	CHECK(said(&f.r, LOG_INFO, "issue 2 re-enabled by REENABLED_ISSUES: test_x (__main__.TestFooCUDA), "
	    "test_y_cuda (__main__.TestFooCUDA); 2 tests no longer excluded; 2 entries of the runtime list dropped") == 1);
	CHECK(said(&f.r, LOG_INFO, "issue 99 (REENABLED_ISSUES): no exclusion of this run is about it") == 1);
	CHECK(f.r.diags.n == 3);
	done(&f);
}

static void
pull_request_words(void)
{
	struct fake f;

	make(&f);
	f.cfg.pr_body = "This PR fixes #1.\r\nAlso see #3 (not fixed here: Fixes  #3).";
	f.cfg.commit_messages = "abc Closes #1\ndef Resolves https://github.com/pytorch/pytorch/issues/3";
	reenable_apply(&f.r);
	/* Issue 3's entry names test_y_cuda, but issue 2's still disables it. */
	CHECK_STR(ids(&f.r), "t.py::TestBar::test_w t.py::TestBar::test_z t.py::TestFooCUDA::test_x_cuda_float32 "
	    "t.py::TestFooCUDA::test_y_cuda");
	CHECK_STR(keys(&f.r), "test_x (__main__.TestFooCUDA)|test_y_cuda (__main__.TestFooCUDA)|"
	    "test_q (__main__.TestOther)|test_z (__main__.TestBar)");
	CHECK(said(&f.r, LOG_INFO, "issue 1 re-enabled by PR_BODY \"fixes #1\", COMMIT_MESSAGES \"Closes #1\": "
	    "test_x_cpu (__main__.TestFoo); 1 test no longer excluded; 1 entry of the runtime list dropped") == 1);
	CHECK(said(&f.r, LOG_INFO, "issue 3 re-enabled by COMMIT_MESSAGES \"Resolves "
	    "https://github.com/pytorch/pytorch/issues/3\": test_y_cuda (__main__.TestFoo); 1 test no longer excluded") == 1);
	CHECK(f.r.diags.n == 2);
	done(&f);
}

static void
pr_body_file(void)
{
	struct fake f;
	char path[] = "/tmp/exclusions-test-pr.XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;

	CHECK(fp != NULL);
	if (!fp)
		return;
	fputs("resolved #4\n", fp);
	fclose(fp);
	make(&f);
	f.cfg.pr_body_file = path;
	reenable_apply(&f.r);
	CHECK(f.r.set.n == 5 && f.r.listed.n == 5);
	CHECK(said(&f.r, LOG_INFO, "re-enabled by /tmp/exclusions-test-pr.") == 1);
	CHECK(said(&f.r, LOG_INFO, "\"resolved #4\": test_q (__main__.TestOther); 1 entry of the runtime list dropped") == 1);
	done(&f);
	/* A file that cannot be read is one warning; the run goes on. */
	unlink(path);
	make(&f);
	f.cfg.pr_body_file = path;
	reenable_apply(&f.r);
	CHECK(f.r.set.n == 5 && f.r.listed.n == 6);
	CHECK(f.r.diags.n == 1 && f.r.diags.v[0].level == LOG_WARN);
	done(&f);
}

static void
keep_tests(void)
{
	struct fake f;

	/* A node id: that test, whatever its reasons; and the runtime entries
	 * that would make PyTorch skip it (by its rule: test_x names
	 * test_x_cuda_float32). */
	make(&f);
	strlist_add(&f.cfg.keep, "t.py::TestFooCUDA::test_x_cuda_float32");
	strlist_add(&f.cfg.keep, "t.py::TestBar");
	strlist_add(&f.cfg.keep, "t.py::TestNone::test_none");
	reenable_apply(&f.r);
	CHECK_STR(ids(&f.r), "t.py::TestFooCPU::test_x_cpu t.py::TestFooCUDA::test_y_cuda");
	CHECK_STR(keys(&f.r), "test_x_cpu (__main__.TestFoo)|test_y_cuda (__main__.TestFooCUDA)|"
	    "test_y_cuda (__main__.TestFoo)|test_q (__main__.TestOther)");
	CHECK(said(&f.r, LOG_INFO, "t.py::TestFooCUDA::test_x_cuda_float32: 1 test no longer excluded; "
	    "1 entry of the runtime list dropped") == 1);
	CHECK(said(&f.r, LOG_INFO, "t.py::TestBar: 2 tests no longer excluded; 1 entry of the runtime list dropped") == 1);
	CHECK(said(&f.r, LOG_INFO, "t.py::TestNone::test_none: no source excludes it") == 1);
	done(&f);

	/* A key: the tests it names by PyTorch's rule, and the runtime
	 * entries that name one of them; a prefix of a node id is not the
	 * test. */
	make(&f);
	strlist_add(&f.cfg.keep, "test_y_cuda (__main__.TestFoo)");
	strlist_add(&f.cfg.keep, "t.py::TestFooCPU::test_x");
	strlist_add(&f.cfg.keep, "test_x (__main__.TestFooCUDA)");
	reenable_apply(&f.r);
	CHECK_STR(ids(&f.r), "t.py::TestBar::test_w t.py::TestBar::test_z t.py::TestFooCPU::test_x_cpu");
	CHECK_STR(keys(&f.r), "test_x_cpu (__main__.TestFoo)|test_q (__main__.TestOther)|test_z (__main__.TestBar)");
	CHECK(said(&f.r, LOG_INFO, "test_y_cuda (__main__.TestFoo): 1 test no longer excluded; "
	    "2 entries of the runtime list dropped") == 1);
	CHECK(said(&f.r, LOG_INFO, "t.py::TestFooCPU::test_x: no source excludes it") == 1);
	CHECK(said(&f.r, LOG_INFO, "test_x (__main__.TestFooCUDA): 1 test no longer excluded; "
	    "1 entry of the runtime list dropped") == 1);
	done(&f);
}

/* Without a test tree, list entries have no node id: --keep of a node id
 * still drops the ones that name its test by PyTorch's rule. */
static void
keep_without_tree(void)
{
	struct fake f;
	struct reason rs = { .kind = RK_LIST, .key = "test_x (__main__.TestFoo)", .issue = "1" };

	memset(&f, 0, sizeof f);
	f.r.cfg = &f.cfg;
	f.r.diags.keep_level = LOG_DEBUG;
	exclset_add(&f.r.set, NULL, "TestFoo", "test_x", &rs);
	exclset_add(&f.r.set, NULL, "TestFoo", "test_y", &rs);
	exclset_finish(&f.r.set);
	strlist_add(&f.cfg.keep, "test/x.py::TestFooCPU::test_x_cpu_float32");
	reenable_apply(&f.r);
	CHECK(f.r.set.n == 1 && strcmp(f.r.set.v[0].name, "test_y") == 0);
	done(&f);
}

int
main(void)
{
	RUN(keywords_in_any_case);
	RUN(near_misses);
	RUN(no_word_boundary);
	RUN(nothing_to_do);
	RUN(reenabled_issues_list);
	RUN(pull_request_words);
	RUN(pr_body_file);
	RUN(keep_tests);
	RUN(keep_without_tree);
	return 0;
}
