/*
 * testtree: what the test files define, read from the source without
 * running Python: top-level classes, their test methods, and which classes
 * are device-generic (instantiate_device_type_tests) or parametrized.
 */
#ifndef TESTTREE_H
#define TESTTREE_H

#include <stddef.h>
#include <sys/types.h>

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
	/* One byte per method: 'p' when a decorator (@parametrize, @ops,
	 * @modules) adds parameters to its name, else '-'.  In a
	 * device-generic class they come before the device:
	 * <method>_<parameters>_<device>[_<dtype>]. */
	struct buf method_kinds;
	int device_generic;        /* instantiate_device_type_tests(name, ...) */
	struct strlist only_for;   /* devices named in only_for= */
	struct strlist except_for; /* devices named in except_for= */
	int parametrized;          /* @instantiate_parametrized_tests */
	/* The last dotted part of each base ("TestCase" for unittest.TestCase):
	 * which classes are test cases is settled over the whole tree
	 * (scope.c), as bases may be classes of other files. */
	struct strlist bases;
	/* One per method, what its @parametrize decorators make:
	 *   ""          no @parametrize
	 *   "=a_1\na_2"  the parameter suffixes, as PyTorch names them (top
	 *               decorator first; "=" alone: an empty list, no test)
	 *   "!why"      they cannot be read from the source (values that are
	 *               not literal, name_fn, @ops, @modules, subtest) */
	struct strlist method_params;
	/* One per method: the dtypes of @dtypesIf<DEVICE>, "cuda=float16,int64"
	 * joined by ';' ("" when none); method_dtypes has those of @dtypes.
	 * A multi-dtype case reads "float32_int64". */
	struct strlist method_dtypes_by;
};

/* A folder read, by identity: each is read once, whatever links lead to
 * it. */
struct dirid {
	dev_t dev;
	ino_t ino;
};

struct testtree {
	struct tclass *v;
	size_t n, cap;
	struct strlist files;      /* every test file scanned, relative to root */
	struct dirid *dirs;        /* the folders read so far */
	size_t ndirs, capdirs;
};

/* Scan the test files (test_*.py, *_test.py) below root/dir, recursively.
 * Returns the number of files read, -1 when root/dir is not a directory,
 * or -2 when the deadline (now_seconds() clock; 0 = none) passed first:
 * what was read by then stays in the tree, and a warning says so.
 * Unreadable files are warned about and passed over; a folder already read
 * (a symbolic link to it, or a loop) is passed over, and so is a path that
 * is not clean text (it could never be printed as a node id). */
int tree_scan_dir(struct testtree *t, const char *root, const char *dir, struct diags *d,
    double deadline);

/* Scan one file's source text; path is what node ids will start with. */
void tree_scan_source(struct testtree *t, const char *path, const char *src, size_t len);

/* The dtypes of method i of c on device dev (NULL: @dtypes alone): "" none,
 * "*" unreadable, else "float32,int64". */
const char *tclass_method_dtypes(const struct tclass *c, size_t i, const char *dev, struct buf *tmp);

/* Is the device instantiated for class c, given the devices of the run? */
int tclass_has_device(const struct tclass *c, const char *dev);

const struct tclass *tree_find(const struct testtree *t, const char *file, const char *name);

void tree_free(struct testtree *t);

#endif
