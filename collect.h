/*
 * collect: --collect, pytest's own list of this run's tests.  One child,
 *
 *   PYTHON -m pytest --collect-only -q -p no:cacheprovider --rootdir=. DIRS...
 *
 * run in --root (argv only, no shell), queued on the run's pool with the
 * sources' calls and under the run's deadline; its stdout is read as
 * --collected reads a file.  When it cannot be run, fails, runs out of
 * time or prints no node id, one warning says why and the run uses the
 * test tree instead.
 */
#ifndef COLLECT_H
#define COLLECT_H

#include <stddef.h>

#include "util.h"

struct run;
struct collect;

/* Queue the child on r->pool (nothing runs yet). */
struct collect *collect_start(struct run *r);

/* Once the pool has run: 0 with the node ids in r->collected, or -1
 * having said why in one warning.  Frees cl. */
int collect_finish(struct run *r, struct collect *cl);

/* The node ids of `pytest --collect-only -q` output (the n bytes at p),
 * appended to ids: the lines holding "::" with no blank before it, their
 * trailing blanks dropped (the rule of collected_load, scope.h).  Returns
 * how many. */
size_t collect_parse(const char *p, size_t n, struct strlist *ids);

#endif
