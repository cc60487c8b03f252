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
};

struct scope {
	const struct testtree *tree;     /* NULL: no tree */
	struct rclass *rc;
	size_t nrc;
	const struct strlist *collected; /* NULL: no --collected */
	const struct strlist *devices;
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

/* Append to ids the node ids of the tests the entry disables.  Returns how
 * many were added; when none, why says why. */
size_t scope_map(const struct scope *s, const struct testkey *k, struct strlist *ids, struct buf *why);

/* Check a hand-written node id (the fallback list).  Returns 0 when it names
 * tests of this run (or cannot be checked), else 1 with why set and, where
 * one exists, the corrected node ids appended to fixed. */
int scope_check(const struct scope *s, const char *id, struct strlist *fixed, struct buf *why);

/* With --collected: tell on stderr which collected tests the printed
 * --deselect prefixes remove although they are not themselves printed. */
void scope_collateral(const struct scope *s, const struct strlist *printed, struct diags *d);

/* Split "path::Class::method" into its parts (method may be absent, or
 * hold "::" itself).  Returns -1 when there is no "::" at all. */
int split_nodeid(const char *id, struct buf *path, struct buf *cls, struct buf *meth);

/* Load `pytest --collect-only -q` output: the lines holding "::". */
int collected_load(const char *path, struct strlist *ids, struct buf *why);

void scope_free(struct scope *s);

#endif
