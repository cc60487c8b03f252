/* history.h: recording runs into periods, the file format (read, write,
 * damage), replaying published lists, the Markdown report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "history.h"
#include "pipeline.h"
#include "test/unit.h"

#define DAY 86400LL
#define T0 1764547200LL         /* 2025-12-01 00:00 UTC */

/* Both real snapshots have A; only the older one has B; C is made up. */
#define KEY_A "test_backward_ddp_outside (__main__.TensorPipeDdpUnderDistAutogradTest)"
#define KEY_B "test_Conv2d_dilated_cuda_tf32 (__main__.TestNN)"
#define KEY_C "test_made_up (__main__.TestSynthetic)"

#define ENT(k, n) "\"" k "\": [\"" n "\", \"https://github.com/pytorch/pytorch/issues/" n "\", [\"linux\"]]"

static void
load(struct buf *b, const char *path)
{
	struct buf why = { 0 };

	b->len = 0;
	if (read_file_limited(path, 64u << 20, b, &why) < 0)
		printf("cannot read %s: %s\n", path, buf_str(&why));
	buf_free(&why);
}

/* Periods of test, in order. */
static size_t
periods(const struct history *h, const char *test, const struct hist_period **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < h->np; i++)
		if (strcmp(h->p[i].test, test) == 0 && n < max)
			out[n++] = &h->p[i];
	return n;
}

static int
record_text(struct history *h, long long t, const char *doc)
{
	struct buf why = { 0 };
	int rc = history_record_list(h, t, doc, strlen(doc), &why);

	buf_free(&why);
	return rc;
}

static void
test_replay_real_and_synthetic(void)
{
	struct history h = { 0 };
	struct buf b = { 0 }, why = { 0 };
	const struct hist_period *p[4];
	size_t n;

	load(&b, "test/data/disabled-tests-condensed.2024-04-11.json");
	CHECK(history_record_list(&h, T0, b.p, b.len, &why) == 1);
	CHECK(h.nruns == 1 && h.runs[0].excluded == 267 && h.runs[0].counts[RK_LIST] == 267);
	CHECK(record_text(&h, T0 + 1 * DAY, "{" ENT(KEY_A, "1") "," ENT(KEY_B, "2") "," ENT(KEY_C, "3") "}") == 1);
	/* Gaps: nothing recorded, nothing ended. */
	CHECK(record_text(&h, T0 + 2 * DAY, "") == 0);
	CHECK(record_text(&h, T0 + 3 * DAY, "{\"truncated\": [\"1\", ") == 0);
	CHECK(record_text(&h, T0 + 3 * DAY + 1, "{}") == 0);
	CHECK(record_text(&h, T0 + 3 * DAY + 2, "{\"bad\": 7}") == 0);
	CHECK(h.nruns == 2);
	CHECK(record_text(&h, T0 + 4 * DAY, "{" ENT(KEY_A, "1") "," ENT(KEY_C, "3") "}") == 1);
	CHECK(record_text(&h, T0 + 5 * DAY, "{" ENT(KEY_A, "1") "," ENT(KEY_B, "2") "," ENT(KEY_C, "3") "}") == 1);
	load(&b, "test/data/disabled-tests-condensed.2026-08-21.json");
	CHECK(history_record_list(&h, T0 + 6 * DAY, b.p, b.len, &why) == 1);
	CHECK(h.nruns == 5);
	CHECK(h.runs[4].n == 5 && h.runs[4].t == T0 + 6 * DAY && h.runs[4].excluded == 164);

	/* A: in every run, one period. */
	n = periods(&h, KEY_A, p, 4);
	CHECK(n == 1);
	CHECK(n >= 1 && p[0]->first == T0 && p[0]->last == T0 + 6 * DAY && p[0]->runs == 5 && p[0]->ended == 0);
	CHECK(n >= 1 && history_days(period_start(p[0]), T0 + 6 * DAY) == 6);
	CHECK(n >= 1 && p[0]->issues.n == 2 && strcmp(p[0]->issues.v[0], "103625") == 0 &&
	    strcmp(p[0]->issues.v[1], "1") == 0);
	/* B: runs 1-2, gone at run 3, back at run 4, gone at run 5. */
	n = periods(&h, KEY_B, p, 4);
	CHECK(n == 2);
	if (n == 2) {
		CHECK(p[0]->first == T0 && p[0]->last == T0 + DAY && p[0]->runs == 2 && p[0]->ended == 3);
		CHECK(p[1]->first == T0 + 5 * DAY && p[1]->last == T0 + 5 * DAY && p[1]->runs == 1 &&
		    p[1]->ended == 5);
	}
	/* C: runs 2-4, ended by the real snapshot that lacks it. */
	n = periods(&h, KEY_C, p, 4);
	CHECK(n == 1);
	CHECK(n >= 1 && p[0]->first == T0 + DAY && p[0]->last == T0 + 5 * DAY && p[0]->runs == 3 &&
	    p[0]->ended == 5);
	CHECK(history_open(&h, KEY_A) != NULL && history_open(&h, KEY_B) == NULL);
	history_free(&h);
	buf_free(&b);
	buf_free(&why);
}

static void
test_roundtrip(void)
{
	struct history h = { 0 }, g;
	struct buf a = { 0 }, b = { 0 }, why = { 0 };
	struct hist_item it[2] = {
		{ .test = "t/a.py::A::x", .kinds = 1u << RK_LIST, .issue = "12", .url = "https://e.x/i/12" },
		{ .test = "quote\" back\\slash", .kinds = (1u << RK_TRUNK) | (1u << RK_EXTRA), .since = T0 - DAY },
	};

	history_record(&h, T0, "linux,rocm", it, 2);
	history_record(&h, T0 + DAY, "linux", it, 1);
	history_write(&h, &a);
	CHECK(history_parse(&g, a.p, a.len, &why) == 0);
	history_write(&g, &b);
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	CHECK(g.nruns == 2 && g.np == 2 && strcmp(g.runs[0].platforms, "linux,rocm") == 0);
	/* Periods of one run in the order of their tests. */
	CHECK(strcmp(g.p[0].test, "quote\" back\\slash") == 0 && g.p[0].since == T0 - DAY && g.p[0].ended == 2);
	CHECK(strcmp(g.p[1].test, "t/a.py::A::x") == 0 && g.p[1].runs == 2 && !g.p[1].ended);
	CHECK(strstr(buf_str(&a), "{\"exclusions_history\":1}\n{\"run\":1,\"t\":1764547200,") == a.p);
	/* A later version's extra keys are skipped. */
	history_free(&g);
	{
		const char *later = "{\"exclusions_history\":1}\n{\"run\":1,\"t\":5,\"new\":[1,{}]}\n";

		CHECK(history_parse(&g, later, strlen(later), &why) == 0 && g.nruns == 1 && g.runs[0].t == 5);
	}
	history_free(&g);
	history_free(&h);
	buf_free(&a);
	buf_free(&b);
	buf_free(&why);
}

static int
damaged(const char *doc, const char *why_has)
{
	struct history h;
	struct buf why = { 0 };
	int rc = history_parse(&h, doc, strlen(doc), &why);
	int ok = rc == -1 && h.np == 0 && h.nruns == 0 && strstr(buf_str(&why), why_has) != NULL;

	if (!ok)
		printf("  [%s]: rc %d, why [%s]\n", doc, rc, buf_str(&why));
	buf_free(&why);
	return ok;
}

static void
test_damage(void)
{
	struct history h;
	struct buf why = { 0 };
	const char *good = "{\"exclusions_history\":1}\n"
	    "{\"run\":1,\"t\":100,\"platforms\":\"\",\"excluded\":1,\"sources\":{\"extra\":1},\"later\":[1,{\"x\":2}]}\n"
	    "{\"test\":\"a\",\"first\":100,\"last\":100,\"runs\":1,\"sources\":[\"extra\"]}\n";

	CHECK(history_parse(&h, good, strlen(good), &why) == 0 && h.nruns == 1 && h.np == 1);
	history_free(&h);
	CHECK(history_parse(&h, "", 0, &why) == 0 && h.nruns == 0);
	CHECK(damaged("{\"exclusions_history\":1}\n{\"run\":1,\"t\":1", "line 2: cut short"));
	CHECK(damaged("{\"exclusions_history\":1}\n{\"run\":1,\"t\":1\n", "line 2"));
	CHECK(damaged("\x7f" "ELF garbage\n", "line 1: not the header"));
	CHECK(damaged("{\"exclusions_history\":2}\n", "version"));
	CHECK(damaged("{\"exclusions_history\":1}\n[1,2]\n", "line 2"));
	CHECK(damaged("{\"exclusions_history\":1}\n{\"what\":1}\n", "neither a run nor a test"));
	CHECK(damaged("{\"exclusions_history\":1}\n{\"test\":\"a\",\"first\":5,\"last\":4,\"runs\":1}\n", "line 2"));
	CHECK(damaged("{\"exclusions_history\":1}\n{\"test\":\"a\",\"first\":5,\"last\":5,\"runs\":1,\"sources\":[\"nope\"]}\n",
	    "unknown source"));
	CHECK(damaged("{\"exclusions_history\":1}\n{\"run\":2,\"t\":1}\n{\"run\":1,\"t\":1}\n", "run 1 after run 2"));
	CHECK(damaged("{\"exclusions_history\":1}\n{\"run\":-1,\"t\":1}\n", "line 2"));
	CHECK(damaged("{\"exclusions_history\":1}\n{\"test\":\"a\\u0000b\",\"first\":5,\"last\":5,\"runs\":1}\n", "line 2"));
	buf_free(&why);
}

static void
test_report(void)
{
	struct history h = { 0 };
	struct buf out = { 0 };
	struct hist_item old = { .test = "t/a.py::A::old|pipe", .kinds = 1u << RK_LIST, .issue = "7",
		.url = "https://github.com/pytorch/pytorch/issues/7" };
	struct hist_item mid = { .test = "t/a.py::A::mid`tick`<b>", .kinds = 1u << RK_TRUNK,
		.url = "javascript:alert(1)" };
	struct hist_item new = { .test = "t/a.py::A::new", .kinds = 1u << RK_EXTRA, .since = T0 - 30 * DAY };
	struct hist_item gone = { .test = "t/a.py::A::gone", .kinds = 1u << RK_LIST, .issue = "9",
		.url = "https://github.com/pytorch/pytorch/issues/9" };
	struct hist_item r1[] = { old, gone }, r2[] = { old, mid, gone }, r3[] = { old, mid, new };
	const char *s, *a, *b, *c, *chart;

	history_report(&h, T0, &out);
	CHECK(strstr(buf_str(&out), "No run recorded yet.") != NULL);
	out.len = 0;
	history_record(&h, T0, "linux", r1, 2);
	history_record(&h, T0 + DAY, "linux", r2, 3);
	history_record(&h, T0 + 3 * DAY, "linux", r3, 3);
	history_report(&h, T0 + 10 * DAY, &out);
	s = buf_str(&out);
	/* Longest first: new (since 30 days before T0), old, mid. */
	a = strstr(s, "| <code>t/a.py::A::new</code> | 40 | 1 | extra |  |\n");
	b = strstr(s, "| <code>t/a.py::A::old\\|pipe</code> | 10 | 3 | disabled-list | [\\#7](https://github.com/pytorch/pytorch/issues/7) |\n");
	c = strstr(s, "| <code>t/a.py::A::mid\\`tick\\`\\<b\\></code> | 9 | 2 | trunk-run |  |\n");
	CHECK(a && b && c && a < b && b < c);
	if (!(a && b && c))
		printf("%s\n", s);
	CHECK(strstr(s, "javascript") == NULL);
	/* gone: in runs 1 and 2, not in 3. */
	CHECK(strstr(s, "#### No longer excluded since the previous run\n\n- <code>t/a.py::A::gone</code>: excluded 2025-12-01 to 2025-12-02, 2 runs ([\\#9](https://github.com/pytorch/pytorch/issues/9))\n") != NULL);
	chart = strstr(s, "```mermaid\nxychart-beta\n");
	CHECK(chart != NULL);
	CHECK(chart && strstr(chart, "    x-axis \"run\" [1, 2, 3]\n    y-axis \"tests excluded\"\n    line [2, 3, 3]\n```\n") != NULL);
	CHECK(chart && b && chart > b);
	history_free(&h);
	buf_free(&out);
}

static void
test_key_gives_since(void)
{
	struct history h = { 0 };
	const char *keys[] = { KEY_C };
	struct hist_item node = { .test = "test/x.py::TestSynthetic::test_made_up", .kinds = 1u << RK_LIST,
		.keys = keys, .nkeys = 1 };
	const struct hist_period *p;

	CHECK(record_text(&h, T0, "{" ENT(KEY_C, "3") "}") == 1);
	history_record(&h, T0 + 5 * DAY, "linux", &node, 1);
	p = history_open(&h, node.test);
	CHECK(p && p->first == T0 + 5 * DAY && p->since == T0 && period_start(p) == T0);
	CHECK(history_open(&h, KEY_C) == NULL);
	history_free(&h);
}

static void
test_days(void)
{
	CHECK(history_days(0, T0) == -1);
	CHECK(history_days(T0, T0) == 0);
	CHECK(history_days(T0, T0 - 5) == 0);
	CHECK(history_days(T0, T0 + DAY - 1) == 0);
	CHECK(history_days(T0, T0 + 37 * DAY) == 37);
	setenv("EXCLUSIONS_NOW", "1764547200", 1);
	CHECK(days_excluded(T0 - 3 * DAY) == 3);
	CHECK(days_excluded(0) == -1);
	unsetenv("EXCLUSIONS_NOW");
}

static void
test_duplicates_in_one_run(void)
{
	struct history h = { 0 };
	struct hist_item it[] = {
		{ .test = "k", .kinds = 1u << RK_LIST, .issue = "1" },
		{ .test = "k", .kinds = 1u << RK_TRUNK, .issue = "2" },
	};

	history_record(&h, T0, "", it, 2);
	history_record(&h, T0 + DAY, "", it, 2);
	CHECK(h.np == 1 && h.p[0].runs == 2 && h.p[0].issues.n == 2);
	CHECK(h.p[0].kinds == ((1u << RK_LIST) | (1u << RK_TRUNK)));
	CHECK(h.runs[1].excluded == 1 && h.runs[1].counts[RK_LIST] == 1 && h.runs[1].counts[RK_TRUNK] == 1);
	history_free(&h);
}

/* The sink sets each exclusion's since before the sinks after it: the
 * start of its period, or the earlier one it had. */
static void
test_sink_sets_since(void)
{
	char dir[] = "/tmp/test_history.XXXXXX";
	struct buf path = { 0 }, lockp = { 0 }, body = { 0 }, why = { 0 };
	struct config c;
	struct run r;
	struct reason rs = { .kind = RK_EXTRA };

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	buf_printf(&path, "%s/h.jsonl", dir);
	buf_printf(&lockp, "%s/h.jsonl.lock", dir);
	memset(&c, 0, sizeof c);
	c.history = path.p;
	c.platform_text = "linux";
	for (int day = 0; day < 3; day++) {
		char now[32];

		snprintf(now, sizeof now, "%lld", T0 + day * DAY);
		setenv("EXCLUSIONS_NOW", now, 1);
		memset(&r, 0, sizeof r);
		r.cfg = &c;
		exclset_add(&r.set, "t/a.py::A::x", "A", "x", &rs);
		exclset_add(&r.set, "t/a.py::A::y", "A", "y", &rs);
		exclset_finish(&r.set);
		/* y: an issue opened long before (as --issue-ages would say). */
		r.set.v[1].since = T0 - 100 * DAY;
		CHECK(sink_history.wanted(&r) && sink_history.emit(&r) == 0);
		CHECK(r.set.v[0].since == T0);
		CHECK(r.set.v[1].since == T0 - 100 * DAY);
		CHECK(r.history && r.history->nruns == (size_t)day + 1);
		history_run_free(&r);
		exclset_free(&r.set);
		diags_free(&r.diags);
	}
	unsetenv("EXCLUSIONS_NOW");
	CHECK(read_file_limited(path.p, 1 << 20, &body, &why) == 0);
	CHECK(strstr(buf_str(&body), "{\"test\":\"t/a.py::A::y\",\"first\":1764547200,\"last\":1764720000,\"runs\":3,\"sources\":[\"extra\"],\"since\":1755907200}\n") != NULL);
	remove(path.p);
	remove(lockp.p);
	rmdir(dir);
	buf_free(&path);
	buf_free(&lockp);
	buf_free(&body);
	buf_free(&why);
}

/* Run lines as the writer writes them are kept as read and written back
 * as they are; any other form (valid all the same) is read by the JSON
 * scanner and written in the writer's form, and the runs after it too. */
static void
test_runs_kept_as_read(void)
{
	struct history h, g;
	struct buf a = { 0 }, head = { 0 }, tail = { 0 }, all = { 0 }, why = { 0 };
	struct hist_item it = { .test = "t.py::C::x", .kinds = 1u << RK_LIST, .issue = "7" };
	const char *canon =
	    "{\"exclusions_history\":1}\n"
	    "{\"run\":1,\"t\":100,\"platforms\":\"linux\",\"excluded\":1,\"sources\":{\"disabled-list\":1}}\n"
	    "{\"run\":2,\"t\":200,\"platforms\":\"linux\",\"excluded\":0,\"sources\":{}}\n"
	    "{\"run\":3,\"t\":300,\"platforms\":\"linux,rocm\",\"excluded\":2,\"sources\":{\"disabled-list\":1,\"extra\":1}}\n"
	    "{\"test\":\"t.py::C::x\",\"first\":100,\"last\":300,\"runs\":2,\"sources\":[\"disabled-list\"],\"issues\":[\"7\"],\"since\":50}\n";
	/* Runs 2 and 4 in other forms: keys in another order, a zero count,
	 * a space, an escape. */
	const char *other =
	    "{\"exclusions_history\":1}\n"
	    "{\"run\":1,\"t\":100,\"platforms\":\"linux\",\"excluded\":1,\"sources\":{\"disabled-list\":1}}\n"
	    "{\"run\":2,\"platforms\":\"linux\",\"t\":200,\"excluded\":0,\"sources\":{\"extra\":0}}\n"
	    "{\"run\":3,\"t\":300,\"platforms\":\"linux\",\"excluded\":0,\"sources\":{}}\n"
	    "{\"run\":4, \"t\":400,\"platforms\":\"l\\u0069nux\",\"excluded\":0,\"sources\":{}}\n";
	const char *other_written =
	    "{\"exclusions_history\":1}\n"
	    "{\"run\":1,\"t\":100,\"platforms\":\"linux\",\"excluded\":1,\"sources\":{\"disabled-list\":1}}\n"
	    "{\"run\":2,\"t\":200,\"platforms\":\"linux\",\"excluded\":0,\"sources\":{}}\n"
	    "{\"run\":3,\"t\":300,\"platforms\":\"linux\",\"excluded\":0,\"sources\":{}}\n"
	    "{\"run\":4,\"t\":400,\"platforms\":\"linux\",\"excluded\":0,\"sources\":{}}\n";

	CHECK(history_parse(&h, canon, strlen(canon), &why) == 0);
	CHECK(h.nruns == 3 && h.nraw == 3 && h.np == 1);
	CHECK(h.runs[2].counts[RK_EXTRA] == 1 && strcmp(h.runs[2].platforms, "linux,rocm") == 0);
	CHECK(h.p[0].since == 50 && h.p[0].issues.n == 1);
	history_write(&h, &a);
	CHECK(strcmp(buf_str(&a), canon) == 0);
	/* Recorded on: the runs as read, then the new one. */
	history_record(&h, 400, "linux", &it, 1);
	a.len = 0;
	history_write(&h, &a);
	history_write_pieces(&h, &head, &tail);
	buf_add(&all, head.p, head.len);
	buf_add(&all, h.raw, h.rawlen);
	buf_add(&all, tail.p, tail.len);
	CHECK(all.len == a.len && memcmp(all.p, a.p, a.len) == 0);
	CHECK(strncmp(buf_str(&a), canon, strlen(canon) - strlen(strstr(canon, "{\"test\""))) == 0);
	CHECK(strstr(buf_str(&a), "{\"run\":4,\"t\":400,\"platforms\":\"linux\",\"excluded\":1,\"sources\":{\"disabled-list\":1}}\n") != NULL);
	CHECK(strstr(buf_str(&a), "\"runs\":3,") != NULL);
	history_free(&h);

	CHECK(history_parse(&g, other, strlen(other), &why) == 0);
	CHECK(g.nruns == 4 && g.nraw == 1 && g.runs[1].t == 200 && strcmp(g.runs[3].platforms, "linux") == 0);
	a.len = 0;
	history_write(&g, &a);
	CHECK(strcmp(buf_str(&a), other_written) == 0);
	history_free(&g);
	buf_free(&a);
	buf_free(&head);
	buf_free(&tail);
	buf_free(&all);
	buf_free(&why);
}

int
main(void)
{
	RUN(test_replay_real_and_synthetic);
	RUN(test_roundtrip);
	RUN(test_runs_kept_as_read);
	RUN(test_damage);
	RUN(test_report);
	RUN(test_key_gives_since);
	RUN(test_days);
	RUN(test_duplicates_in_one_run);
	RUN(test_sink_sets_since);
	return 0;
}
