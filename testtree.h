/*
 * testtree: what the test files define, read from the source without
 * running Python: top-level classes, their test methods, and which classes
 * are device-generic (instantiate_device_type_tests) or parametrized.
 */
#ifndef TESTTREE_H
#define TESTTREE_H

#include <stddef.h>

#include "diag.h"
#include "util.h"

struct tclass {
	char *name;
	const char *file;          /* relative to the root; owned by the tree */
	int line;
	struct strlist methods;    /* def test...( at the class body's indent */
	/* One per method: "" when it has no @dtypes/@ops decorator, "*" when
	 * its dtypes cannot be read from the source, else "float32,int64". */
	struct strlist method_dtypes;
	int device_generic;        /* instantiate_device_type_tests(name, ...) */
	struct strlist only_for;   /* devices named in only_for= */
	struct strlist except_for; /* devices named in except_for= */
	int parametrized;          /* @instantiate_parametrized_tests */
};

struct testtree {
	struct tclass *v;
	size_t n, cap;
	struct strlist files;      /* every test file scanned, relative to root */
};

/* Scan the test files (test_*.py, *_test.py) below root/dir, recursively.
 * Returns the number of files read, or -1 when root/dir is not a
 * directory.  Unreadable files are warned about and passed over. */
int tree_scan_dir(struct testtree *t, const char *root, const char *dir, struct diags *d);

/* Scan one file's source text; path is what node ids will start with. */
void tree_scan_source(struct testtree *t, const char *path, const char *src, size_t len);

/* Is the device instantiated for class c, given the devices of the run? */
int tclass_has_device(const struct tclass *c, const char *dev);

const struct tclass *tree_find(const struct testtree *t, const char *file, const char *name);

void tree_free(struct testtree *t);

#endif
