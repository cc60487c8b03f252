/*
 * explain: --explain TEST.  For that one test (a node id
 * "path::Class::test" or a key "test_x (module.Class)"), every entry of
 * every source that names it or nearly does, the rule that matched or did
 * not (class prefix, suffix removal, device-generic instantiation,
 * parametrization, platform, re-enabling, --keep), and the verdict, as
 * plain text on stdout instead of the normal output.
 *
 * The verdict is the run's own: what the sources put in the set and what
 * re-enabling left of it (scope_map/scope_check decide which tests an
 * entry stands for).  The wording of each rule comes from match.h's
 * primitives.  Two steps of the pipeline:
 *
 *   sources ─► fallback ─► explain_start ─► reenable_apply ─► explain_finish
 */
#ifndef EXPLAIN_H
#define EXPLAIN_H

struct run;
struct explain;

/* Without --explain: NULL, and nothing done.  Else what the sources said
 * about the test, before re-enabling: the exclusions that cover it, the
 * near misses (from the copy of the published list the run read, which
 * src_list.c keeps in r->list_doc under --explain; none when it read none). */
struct explain *explain_start(struct run *r);

/* After re-enabling: print the explanation on stdout and free e.  Returns
 * the exit status: 0 when the test is excluded, 1 when it is not (or the
 * explanation could not be written). */
int explain_finish(struct explain *e, struct run *r);

#endif
