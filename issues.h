/*
 * issues: GitHub issues as the tracking of disabled tests (FORMATS.md §6).
 * Parsing only: the API's JSON (a page of GET /repos/O/N/issues, one
 * issue of GET /repos/O/N/issues/N), an issue's title and its body.
 * The calls themselves are made by their callers through github.h.
 *
 * Titles:
 *   DISABLED test_x (module.Class)          a PyTorch key (match.h's rules)
 *   DISABLED path/test_x.py::Class::test_x  a pytest node id
 *   DISABLED Suite.Test                     a gtest name (gtest_name_ok)
 *   DISABLED MULTIPLE ...                   the tests are in the body: after
 *       a line holding "disable the following tests:", inside a ``` block
 *       (or, without one, the lines up to the next blank line), one
 *       "name (suite): platform, platform" line each (no ":" part: every
 *       platform).
 * Any other title starting "DISABLED " is malformed; a title not starting
 * with it is no disabling issue at all.
 *
 * Body: a line "Platforms: a, b" (any case, blanks around; PyTorch's rule:
 * the line lower-cased and trimmed, split on commas and the blanks around
 * them) limits the issue's tests to those platforms; no such line means
 * every platform.  The first such line counts.
 */
#ifndef ISSUES_H
#define ISSUES_H

#include <stddef.h>

#include "util.h"

#define ISSUE_TITLE_MAX 1024

enum issue_title_kind {
	IT_NONE = 0,               /* not "DISABLED ...": not ours */
	IT_KEY,                    /* "test_x (module.Class)" */
	IT_NODEID,                 /* "path::Class::test" */
	IT_GTEST,                  /* "Suite.Test" */
	IT_MULTIPLE,               /* "DISABLED MULTIPLE ...": see the body */
	IT_MALFORMED = -1          /* "DISABLED " and nothing we can read */
};

/* What the title names: its kind and, for IT_KEY, IT_NODEID and IT_GTEST,
 * the test (trimmed, into test).  IT_MALFORMED sets why. */
enum issue_title_kind issue_title_parse(const char *title, size_t n, struct buf *test,
    struct buf *why);

/* The body's "Platforms:" line, its names lower-cased and comma-separated
 * into out ("" when the line is absent or lists nothing).  Returns 1 when
 * the body has such a line, else 0. */
int issue_body_platforms(const char *body, size_t n, struct buf *out);

/* The tests of a DISABLED MULTIPLE body: test(arg, key, platforms) for
 * each well-formed line (key "name (module.Class)", platforms lower-cased,
 * comma-separated, "" = every platform); bad(arg, line, why) for each line
 * in the block that is not one (blank lines are passed over).  Returns how
 * many tests it found, or -1 when the body has no "disable the following
 * tests:" line. */
typedef void (*issue_test_fn)(void *arg, const char *key, const char *platforms);
typedef void (*issue_bad_fn)(void *arg, const char *line, size_t n, const char *why);
long issue_body_tests(const char *body, size_t n, issue_test_fn test, issue_bad_fn bad, void *arg);

/* One issue as the API gives it; strings decoded, owned (NULL when the
 * field is absent or not a string). */
struct issue {
	char number[16];           /* decimal digits, "" when absent or not a number */
	char *title, *body, *html_url, *state, *created_at;
	int is_pull;               /* a "pull_request" field: a pull request */
};
void issue_free(struct issue *is);

/* A page of issues: a JSON array of issue objects (several arrays back to
 * back are accepted, as gh --paginate prints them); each(arg, issue) for
 * each object (is valid only during the call).  Returns how many objects
 * there were, or -1 with why set when the document is not such a list (the
 * objects before the fault have been seen). */
long issue_list_parse(const char *doc, size_t n, void (*each)(void *arg, const struct issue *is),
    void *arg, struct buf *why);

/* The fields of the issue object whose '{' sc has just read, into is (the
 * object read to its '}'); the one reader of GitHub's issue objects, for
 * the alerts' lists and searches too (alerts.h).  A field given twice:
 * the last one.  Returns 0, or -1 on a scan error (is freed). */
struct js_scanner;
int issue_read_object(struct js_scanner *sc, struct issue *is);

/* One issue object (GET /repos/O/N/issues/N) into is.  Returns 0, or -1
 * with why set. */
int issue_parse_one(const char *doc, size_t n, struct issue *is, struct buf *why);

/* "2026-08-21T19:26:39Z" (GitHub's form; fractions and an offset are
 * accepted) as unix seconds, or -1. */
long long issue_time_parse(const char *s);

#endif
