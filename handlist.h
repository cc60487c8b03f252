/*
 * handlist: hand-kept lists of tests (--extra, --fallback-file and the
 * built-in fallback list).  One syntax for all of them, and one check of
 * each line against the tests of this run.
 *
 * A line names one test, then, optionally, its issue URL and platforms:
 *
 *   test/profiler/test_x.py::TestX::test_y
 *   "test/profiler/test_x.py::TestX::test_y"  # https://github.com/pytorch/pytorch/issues/123
 *   test_y (__main__.TestX)   https://github.com/pytorch/pytorch/issues/123   platforms: linux, rocm
 *
 * The test is a node id ("path::Class::test", a class, a file or a
 * folder), a key "test_name (module.Class)", or a C++ test's gtest name
 * "Suite.Test" (parametrized "Prefix/Suite.Test/0": gtest_name_ok(), and
 * not ending in ".py", which is a pytest file), bare or in double or single
 * quotes (a line of a bash array pastes as it is).  Unquoted, it ends at
 * the blanks before "#", a URL or "platforms:".  "#" at the start of a
 * line, or after blanks, starts a comment.  After the test, in a comment
 * or not, the first http(s) URL is the line's issue (its number when it
 * ends in /issues/N), and "platforms:" starts a comma-separated list of
 * platform names (--platform's); other words are allowed only in a
 * comment.
 */
#ifndef HANDLIST_H
#define HANDLIST_H

#include "exclset.h"
#include "util.h"

struct run;
struct diags;

struct hand_line {
	char *test;                /* node id or key, quotes removed */
	int is_key;                /* test is a key "name (module.Class)" */
	char *url;                 /* the issue URL, or NULL */
	char *issue;               /* its number, or NULL */
	char *platforms;           /* as written, comma-separated; "" = every platform */
	unsigned platform_bits;    /* 0 = every platform */
	char *where;               /* "file:line", or NULL (a built-in line) */
	int is_gtest;              /* test is a gtest name "Suite.Test" */
};

struct hand_list {
	struct hand_line *v;
	size_t n, cap;
};

/* Parse the n bytes at p (one line, without its newline).  Returns 1 with
 * *h filled (free with hand_line_free), 0 for a blank or comment line, or
 * -1 with why set. */
int hand_line_parse(const char *p, size_t n, struct hand_line *h, struct buf *why);
void hand_line_free(struct hand_line *h);

/* Read a hand-kept file (at most max bytes) into l: each line parsed, a
 * line that cannot be is reported (LOG_WARN, source src, "FILE:LINE:
 * why") and skipped.  Returns 0, or -1 with why set when the file cannot
 * be read. */
int hand_file_read(const char *path, size_t max, const char *src, struct hand_list *l,
    struct diags *d, struct buf *why);

/* Add one line to l, parsed from the string s (the built-in list). */
void hand_list_add_text(struct hand_list *l, const char *s);

void hand_list_free(struct hand_list *l);

/* Add the tests of line h to r->set, each with a reason of this kind
 * (source src in messages): a line for other platforms adds nothing; a
 * node id is checked against the tests of this run (a stale one is
 * reported, and replaced by its corrections when there are some, else
 * kept); a key is mapped by PyTorch's rule (one that names no test of
 * this run is reported); a gtest name becomes a gtest exclusion as it is
 * (the Python tests say nothing about it).  Returns how many exclusions
 * it added. */
size_t hand_line_apply(struct run *r, const char *src, enum reason_kind kind,
    const struct hand_line *h);

#endif
