/*
 * reenable: the tests that run whatever the sources say.  One step of the
 * pipeline, between the sources and the sinks.
 *
 * PyTorch's own re-enabling (FORMATS.md §2, §6): an issue is re-enabled
 * when REENABLED_ISSUES names it (comma-separated numbers, what PyTorch's
 * CI hands its test jobs), or when a pull request says it fixes it, in
 * PR_BODY, COMMIT_MESSAGES or --pr-body-file, by PyTorch's keyword rule
 * (reenable_scan).  So that the fix gets tested, the step drops from the
 * set every reason with a re-enabled issue, and every other source's
 * reason about a test that a re-enabled entry names by PyTorch's rule;
 * and from the runtime list (--format pytorch) the entries of those
 * issues.  Then each --keep TEST (a node id or a key): every reason about
 * that test, and the runtime entries that would make PyTorch skip it.
 * One info line each on stderr: what was re-enabled or kept, and why.
 */
#ifndef REENABLE_H
#define REENABLE_H

#include <stddef.h>

struct run;

/* The sources of its diagnostics: one info record for each issue
 * re-enabled ("issue N re-enabled by WORDS: ...") and each --keep; the
 * job summary (sink_summary.c) lists them. */
#define REENABLE_DIAG_SOURCE "re-enable"
#define KEEP_DIAG_SOURCE "keep"

/* One mention of an issue: its number (digits) and the words that named
 * it ("Fixes #12"), both inside the scanned text. */
typedef void (*reenable_found_fn)(void *arg, const char *issue, size_t issue_len,
    const char *words, size_t words_len);

/* PyTorch's keyword rule over the len bytes of text (NULs included),
 * left to right, matches not overlapping: one of Close, Closes, Closed,
 * Fix, Fixes, Fixed, Resolve, Resolves, Resolved, in any case and with no
 * word boundary needed before it ("prefix #1" says "fix #1"), then exactly
 * one space (0x20), then "#" or "https://github.com/pytorch/pytorch/issues/"
 * (in any case), then one or more digits, all of them.  So "fixing #1",
 * "closes  #1" (two spaces) and "fix 1" name nothing.  Calls found (when
 * not NULL) for each match; returns how many there were. */
size_t reenable_scan(const char *text, size_t len, reenable_found_fn found, void *arg);

/* The step: reads the configuration's REENABLED_ISSUES, PR_BODY,
 * COMMIT_MESSAGES, --pr-body-file and --keep, and filters r->set (once
 * finished) and r->listed. */
void reenable_apply(struct run *r);

#endif
