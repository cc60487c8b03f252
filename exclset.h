/*
 * exclset: the exclusion set, whatever its sources.  Each exclusion is a
 * test identity (a pytest node id; NULL when an entry is in scope but has
 * none, which only the keyword form can still name) plus the reasons it is
 * excluded, each naming its source and what that source knows: the key of
 * a disabled entry, its issue and platforms, the trunk run that failed it.
 *
 * Sources add; exclset_finish() sorts by test and merges duplicates (their
 * reasons joined, each reason once); sinks read.
 */
#ifndef EXCLSET_H
#define EXCLSET_H

#include <stddef.h>

enum reason_kind {
	RK_LIST,                   /* PyTorch's disabled-tests list */
	RK_TRUNK,                  /* failed in a recent trunk run */
	RK_FALLBACK,               /* the fallback list */
	RK_EXTRA,                  /* a hand-kept list (--extra) */
	RK_ISSUE,                  /* an open DISABLED issue (--issues-repo) */
	RK_KINDS
};

struct reason {
	enum reason_kind kind;
	char *key;                 /* "test_x (module.Class)", or the test as a log named it */
	char *issue;               /* issue number (decimal), or NULL */
	char *url;                 /* issue URL, or NULL */
	char *platforms;           /* comma-separated, "" = every platform; NULL when unknown */
	char *run_id;              /* trunk run, or NULL */
	char *where;               /* a hand-kept line: "file:line", or NULL */
};

struct excl {
	char *id;                  /* node id; NULL: in scope, no node id */
	char *cls, *name;          /* class and test name (the keyword form) */
	struct reason *r;
	size_t nr;
	/* When this test's exclusion began, as far as the run knows: unix
	 * seconds (wall clock, wall_now()), 0 when unknown.  Set by whoever
	 * learns it (an issue's opening date, the history's first-seen); merging
	 * keeps the earliest known. */
	long long since;
	/* A C++ test (gtest): id NULL, cls the suite, name the test, as
	 * "Suite.Test" names it.  Only the gtest form prints these; the pytest
	 * forms leave them out. */
	int is_gtest;
};

struct exclset {
	struct excl *v;
	size_t n, cap;
};

/* Add one exclusion with one reason; every string is copied (NULLs stay
 * NULL).  cls and name are required; id may be NULL. */
void exclset_add(struct exclset *s, const char *id, const char *cls, const char *name,
    const struct reason *r);

/* Add one gtest exclusion (is_gtest) for "Suite.Test"; returns 0, or -1
 * (nothing added) when the name is not one gtest_name_ok() accepts. */
int exclset_add_gtest(struct exclset *s, const char *suite_dot_test, const struct reason *r);

/* Is the n bytes at s a gtest name "Suite.Test": two non-empty parts of
 * letters, digits, '_' and '/' (parametrized "Prefix/Suite.Test/0"), one
 * '.' between them, each '/' between two of the others (not first or last
 * in a part, never two together), at most 512 bytes? */
int gtest_name_ok(const char *s, size_t n);

/* Sort (node ids in byte order, then the id-less ones by class and name,
 * then the gtest ones by suite and test)
 * and merge the same test's exclusions into one, its reasons in order:
 * by kind (list, trunk, fallback, extra, issue), then key, then run. */
void exclset_finish(struct exclset *s);

/* Drop each reason r of each exclusion x for which drop(arg, x, r) says
 * yes (asked of every reason of x before any is dropped), then every
 * exclusion left without a reason; the order stays.  Returns how many
 * exclusions were dropped. */
size_t exclset_filter(struct exclset *s,
    int (*drop)(void *arg, const struct excl *x, const struct reason *r), void *arg);

/* How many exclusions have a reason of this kind. */
size_t exclset_count(const struct exclset *s, enum reason_kind k);

/* The first reason of kind k of x, or NULL. */
const struct reason *excl_reason(const struct excl *x, enum reason_kind k);

/* "disabled-list", "trunk-run", "fallback", "extra", "issue". */
const char *reason_kind_name(enum reason_kind k);

void exclset_free(struct exclset *s);

#endif
