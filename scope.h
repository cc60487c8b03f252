/*
 * scope: which tests this run has, and the node ids an entry stands for.
 * The tests come from the test tree (testtree.h), or exactly from pytest's
 * own --collect-only list; with neither, a text filter on the suite decides
 * what is in scope and only dotted modules give node ids.
 */
#ifndef SCOPE_H
#define SCOPE_H

#include "diag.h"
#include "match.h"
#include "testtree.h"
#include "util.h"

/* A class as pytest will see it: a tree class, or one per device of a
 * device-generic class ("TestFoo" -> "TestFooCUDA"). */
struct rclass {
	char *name;
	size_t len;
	const char *file;          /* the test file it is in */
	const struct tclass *tc;   /* NULL when it comes from --collected */
	const char *device;        /* NULL for a plain class */
	int in_run;                /* device is one of --devices */
	size_t first, count;       /* --collected: its tests, in scope.items */
	/* From the tree: the names of its tests, as PyTorch makes them
	 * (parametrized, per device and dtype), and the methods whose tests
	 * cannot be named from the source, each with why. */
	struct strlist tests;
	size_t *mstart;            /* method i's tests: tests[mstart[i], mstart[i + 1]) */
	struct strlist unnamed, unnamed_why;
};

/* A collected node id "path::Class::test" with its parts' places. */
struct citem {
	const char *id;
	size_t path_len;           /* id[0, path_len) is the path */
	size_t test_at;            /* id + test_at is the test ("test_x[p]") */
};

struct scope {
	const struct testtree *tree;     /* NULL: no tree */
	struct rclass *rc;
	size_t nrc, caprc;
	/* The tree's classes sorted by name, for exact look-ups. */
	const struct tclass **byname;
	size_t nbyname;
	const struct strlist *collected; /* NULL: no --collected */
	/* With --collected: the node ids of classes' tests, grouped by class
	 * and file (each runtime class has its run of them), and every
	 * collected id sorted, for the prefix questions. */
	struct citem *items;
	size_t nitems;
	const char **sorted;
	size_t nsorted;
	const struct strlist *devices;
	/* One per tree class: does it derive from a test case (directly, or
	 * through classes of the tree)?  Only those are test classes. */
	unsigned char *is_test;
	const char *filter;
	/* A quick no for most entries of a large list: what every runtime
	 * class name starts with, and which bytes may follow that. */
	size_t common_len;
	unsigned char next_byte[256];
};

void scope_init(struct scope *s, const struct testtree *tree,
    const struct strlist *collected, const struct strlist *devices, const char *filter);

/* Is the entry about a test of this run at all? */
int scope_has(const struct scope *s, const struct testkey *k);

/* Append to ids the node ids of the tests the entry disables, by PyTorch's
 * rule (the class a prefix of the test's class, the name the test's or the
 * test's without its dtype suffix; the module never restricts it).
 * Returns how many were added; when none, why says why. */
size_t scope_map(const struct scope *s, const struct testkey *k, struct strlist *ids, struct buf *why);

/* What scope_map found besides the ids. */
enum map_status {
	MAP_OK,                    /* ids added, or none and PyTorch skips none */
	MAP_UNNAMED                /* tests it may disable cannot be named from the tree */
};

/* scope_map, and: *status; in note (when not NULL), a word on a dotted
 * module that names another file than the tests found (PyTorch ignores
 * the module). */
size_t scope_map_ex(const struct scope *s, const struct testkey *k, struct strlist *ids, struct buf *why,
    enum map_status *status, struct buf *note);

/* Check a hand-written node id (the fallback list).  Returns 0 when it names
 * tests of this run (or cannot be checked), else 1 with why set and, where
 * one exists, the corrected node ids appended to fixed. */
int scope_check(const struct scope *s, const char *id, struct strlist *fixed, struct buf *why);

/* With --collected: tell which collected tests the printed --deselect
 * prefixes remove although they are not themselves printed: one warning
 * with their count and a few of them, and each one as a LOG_DEBUG record
 * (shown under -v). */
void scope_collateral(const struct scope *s, const struct strlist *printed, struct diags *d);

/* With --collected: append to ids the collected node ids of the test a log
 * names "path::rest" (rest starts with "::"), where the collected id's path
 * is path or ends with "/" path (PyTorch runs pytest from inside test/). */
void scope_collected_match(const struct scope *s, const char *path, size_t path_len,
    const char *rest, struct strlist *ids);

/* Split "path::Class::method" into its parts (method may be absent, or
 * hold "::" itself).  Returns -1 when there is no "::" at all. */
int split_nodeid(const char *id, struct buf *path, struct buf *cls, struct buf *meth);

/* Load `pytest --collect-only -q` output: the lines holding "::".
 * Returns 0; -1 with why set (unreadable, no node ids); or -2 with why set
 * when the deadline (now_seconds() clock; 0 = none) passed first, and then
 * nothing is added to ids. */
int collected_load(const char *path, struct strlist *ids, struct buf *why, double deadline);

void scope_free(struct scope *s);

#endif
