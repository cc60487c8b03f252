/* The exclusion set: adding, merging, reasons, ordering. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exclset.h"
#include "util.h"
#include "unit.h"

static const struct reason list42 = {
	.kind = RK_LIST, .key = "test_b (__main__.TestB)", .issue = "42",
	.url = "https://github.com/pytorch/pytorch/issues/42", .platforms = "linux,rocm",
};
static const struct reason trunk1001 = { .kind = RK_TRUNK, .key = "profiler/t.py::TestB::test_b", .run_id = "1001" };
static const struct reason trunk1002 = { .kind = RK_TRUNK, .key = "profiler/t.py::TestB::test_b", .run_id = "1002" };
static const struct reason fallback = { .kind = RK_FALLBACK };

static void
sorted_by_node_id_then_idless_last(void)
{
	struct exclset s = { 0 };

	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &fallback);
	exclset_add(&s, NULL, "TestZ", "test_z", &list42);
	exclset_add(&s, "t.py::TestA::test_a", "TestA", "test_a", &fallback);
	exclset_add(&s, NULL, "TestY", "test_y", &list42);
	exclset_finish(&s);
	CHECK(s.n == 4);
	CHECK_STR(s.v[0].id, "t.py::TestA::test_a");
	CHECK_STR(s.v[1].id, "t.py::TestB::test_b");
	CHECK(s.v[2].id == NULL && strcmp(s.v[2].cls, "TestY") == 0);
	CHECK(s.v[3].id == NULL && strcmp(s.v[3].cls, "TestZ") == 0);
	exclset_free(&s);
	CHECK(s.v == NULL && s.n == 0);
}

static void
same_test_merges_its_reasons_in_kind_order(void)
{
	struct exclset s = { 0 };
	const struct excl *x;

	/* Added fallback first, trunk, then the list: reasons come out list,
	 * trunk (by run), fallback. */
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &fallback);
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &trunk1002);
	exclset_add(&s, "t.py::TestA::test_a", "TestA", "test_a", &trunk1001);
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &trunk1001);
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &list42);
	exclset_finish(&s);
	CHECK(s.n == 2);
	x = &s.v[1];
	CHECK_STR(x->id, "t.py::TestB::test_b");
	CHECK(x->nr == 4);
	CHECK(x->r[0].kind == RK_LIST && strcmp(x->r[0].issue, "42") == 0);
	CHECK(x->r[1].kind == RK_TRUNK && strcmp(x->r[1].run_id, "1001") == 0);
	CHECK(x->r[2].kind == RK_TRUNK && strcmp(x->r[2].run_id, "1002") == 0);
	CHECK(x->r[3].kind == RK_FALLBACK && x->r[3].key == NULL);
	CHECK(excl_reason(x, RK_LIST) == &x->r[0]);
	CHECK(excl_reason(&s.v[0], RK_LIST) == NULL);
	CHECK(exclset_count(&s, RK_TRUNK) == 2);
	CHECK(exclset_count(&s, RK_LIST) == 1);
	CHECK(exclset_count(&s, RK_FALLBACK) == 1);
	exclset_free(&s);
}

static void
a_reason_given_twice_is_kept_once(void)
{
	struct exclset s = { 0 };

	/* The same entry mapped twice, and the same run seen twice. */
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &list42);
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &list42);
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &trunk1001);
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &trunk1001);
	exclset_finish(&s);
	CHECK(s.n == 1);
	CHECK(s.v[0].nr == 2);
	exclset_free(&s);
}

static void
strings_are_copied(void)
{
	struct exclset s = { 0 };
	char id[] = "t.py::C::t", key[] = "t (m.C)";
	struct reason r = { .kind = RK_LIST, .key = key, .issue = "1" };

	exclset_add(&s, id, "C", "t", &r);
	id[0] = key[0] = 'X';
	exclset_finish(&s);
	CHECK_STR(s.v[0].id, "t.py::C::t");
	CHECK_STR(s.v[0].r[0].key, "t (m.C)");
	CHECK(s.v[0].r[0].url == NULL && s.v[0].r[0].run_id == NULL);
	exclset_free(&s);
}

static void
idless_merge_by_class_and_name(void)
{
	struct exclset s = { 0 };

	exclset_add(&s, NULL, "TestFoo", "test_x", &list42);
	exclset_add(&s, NULL, "TestFoo", "test_x", &trunk1001);
	exclset_add(&s, NULL, "TestFoo", "test_y", &list42);
	exclset_finish(&s);
	CHECK(s.n == 2);
	CHECK(s.v[0].nr == 2 && strcmp(s.v[0].name, "test_x") == 0);
	CHECK(s.v[1].nr == 1 && strcmp(s.v[1].name, "test_y") == 0);
	exclset_free(&s);
}

static void
many_exclusions(void)
{
	struct exclset s = { 0 };
	char id[64];
	int ok = 1;

	/* Added in reverse, each twice: sorted and halved. */
	for (int k = 0; k < 2; k++)
		for (int i = 999; i >= 0; i--) {
			snprintf(id, sizeof id, "t.py::C::test_%04d", i);
			exclset_add(&s, id, "C", id + 9, k ? &trunk1001 : &list42);
		}
	exclset_finish(&s);
	CHECK(s.n == 1000);
	for (size_t i = 0; i < s.n; i++) {
		snprintf(id, sizeof id, "t.py::C::test_%04zu", i);
		if (strcmp(s.v[i].id, id) != 0 || s.v[i].nr != 2)
			ok = 0;
	}
	CHECK(ok);
	exclset_free(&s);
}

static void
kind_names(void)
{
	CHECK_STR(reason_kind_name(RK_LIST), "disabled-list");
	CHECK_STR(reason_kind_name(RK_TRUNK), "trunk-run");
	CHECK_STR(reason_kind_name(RK_FALLBACK), "fallback");
}

/* Each drop() question is asked of the whole exclusion. */
static int
drop_trunk_or_alone(void *arg, const struct excl *x, const struct reason *r)
{
	int *asked = arg;

	(*asked)++;
	return r->kind == RK_TRUNK || (x->nr == 1 && r->kind == RK_FALLBACK);
}

static void
filter_drops_reasons_then_exclusions(void)
{
	struct exclset s = { 0 };
	int asked = 0;

	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &trunk1001);
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &list42);
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &trunk1002);
	exclset_add(&s, "t.py::TestA::test_a", "TestA", "test_a", &trunk1001);
	exclset_add(&s, "t.py::TestC::test_c", "TestC", "test_c", &fallback);
	exclset_add(&s, "t.py::TestD::test_d", "TestD", "test_d", &fallback);
	exclset_add(&s, "t.py::TestD::test_d", "TestD", "test_d", &list42);
	exclset_finish(&s);
	CHECK(exclset_filter(&s, drop_trunk_or_alone, &asked) == 2);
	CHECK(asked == 7);
	CHECK(s.n == 2);
	if (s.n == 2) {
		CHECK_STR(s.v[0].id, "t.py::TestB::test_b");
		CHECK(s.v[0].nr == 1 && s.v[0].r[0].kind == RK_LIST);
		CHECK_STR(s.v[1].id, "t.py::TestD::test_d");
		CHECK(s.v[1].nr == 2);
	}
	exclset_free(&s);
}

static void
merge_keeps_the_earliest_known_since(void)
{
	struct exclset s = { 0 };

	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &trunk1001);
	s.v[s.n - 1].since = 0;
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &list42);
	s.v[s.n - 1].since = 2000;
	exclset_add(&s, "t.py::TestB::test_b", "TestB", "test_b", &fallback);
	s.v[s.n - 1].since = 1000;
	exclset_add(&s, "t.py::TestA::test_a", "TestA", "test_a", &fallback);
	CHECK(s.v[s.n - 1].since == 0);
	exclset_finish(&s);
	CHECK(s.n == 2);
	if (s.n == 2) {
		CHECK(s.v[0].since == 0);
		CHECK(s.v[1].since == 1000);
	}
	exclset_free(&s);
}

static void
wall_now_reads_exclusions_now(void)
{
	setenv("EXCLUSIONS_NOW", "1767225600", 1);
	CHECK(wall_now() == 1767225600LL);
	setenv("EXCLUSIONS_NOW", "12x", 1);
	CHECK(wall_now() > 1700000000LL);
	setenv("EXCLUSIONS_NOW", "", 1);
	CHECK(wall_now() > 1700000000LL);
	unsetenv("EXCLUSIONS_NOW");
	CHECK(wall_now() > 1700000000LL);
}

static void
gtest_names_and_their_place(void)
{
	struct exclset s = { 0 };

	CHECK(gtest_name_ok("Suite.Test", 10));
	CHECK(gtest_name_ok("Inst/Suite.Test/0", 17));
	CHECK(!gtest_name_ok("Suite", 5));
	CHECK(!gtest_name_ok(".Test", 5));
	CHECK(!gtest_name_ok("Suite.", 6));
	CHECK(!gtest_name_ok("A.B.C", 5));
	CHECK(!gtest_name_ok("Suite.Te st", 11));
	CHECK(!gtest_name_ok("Suite.Test:Other.Test", 21));
	CHECK(!gtest_name_ok("", 0));
	CHECK(gtest_name_ok("P/Suite/1.Test/name_2", 21));
	CHECK(!gtest_name_ok("test/x.d/", 9));
	CHECK(!gtest_name_ok("/Suite.Test", 11));
	CHECK(!gtest_name_ok("Suite/.Test", 11));
	CHECK(!gtest_name_ok("Suite./Test", 11));
	CHECK(!gtest_name_ok("a//Suite.Test", 13));
	CHECK(exclset_add_gtest(&s, "Suite.Te-st", &fallback) == -1);
	CHECK(s.n == 0);
	CHECK(exclset_add_gtest(&s, "Suite.Test", &fallback) == 0);
	exclset_add(&s, NULL, "Suite", "Test", &fallback);
	exclset_add(&s, "t.py::TestA::test_a", "TestA", "test_a", &fallback);
	CHECK(exclset_add_gtest(&s, "Suite.Test", &list42) == 0);
	exclset_finish(&s);
	CHECK(s.n == 3);
	if (s.n == 3) {
		CHECK(!s.v[0].is_gtest && s.v[0].id != NULL);
		CHECK(!s.v[1].is_gtest && s.v[1].id == NULL);
		CHECK(s.v[2].is_gtest && s.v[2].id == NULL && s.v[2].nr == 2);
		CHECK_STR(s.v[2].cls, "Suite");
		CHECK_STR(s.v[2].name, "Test");
	}
	exclset_free(&s);
}

int
main(void)
{
	RUN(sorted_by_node_id_then_idless_last);
	RUN(same_test_merges_its_reasons_in_kind_order);
	RUN(a_reason_given_twice_is_kept_once);
	RUN(strings_are_copied);
	RUN(idless_merge_by_class_and_name);
	RUN(many_exclusions);
	RUN(kind_names);
	RUN(filter_drops_reasons_then_exclusions);
	RUN(merge_keeps_the_earliest_known_since);
	RUN(wall_now_reads_exclusions_now);
	RUN(gtest_names_and_their_place);
	return 0;
}
