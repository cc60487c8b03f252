/*
 * trunk: tests that just failed in the latest upstream trunk CI runs.
 *
 * runs of the workflow on the branch -> every job of each run (all pages)
 * -> logs of the failed jobs whose name matches -> failed tests (logscan).
 * Calls run in parallel up to a limit, multiplexed with poll(); whatever is
 * still running at the deadline is killed and its partial output dropped.
 */
#ifndef TRUNK_H
#define TRUNK_H

#include "logscan.h"
#include "spawn.h"
#include "util.h"

struct trunk_opts {
	const char *repo;          /* owner/name */
	const char *workflow;      /* file name, e.g. pull.yml */
	const char *branch;
	const char *job_filter;    /* jobs whose name contains it */
	const char *api_url;       /* curl transport */
	int runs;                  /* how many recent runs */
	int max_jobs;              /* matching jobs per run; 0 = all */
	int parallel;              /* children at once */
	double deadline;
	/* Another source's child (the disabled-list fetch), served in the
	 * same poll() loop so that both wait on the network at once. */
	struct child *beside;
};

struct trunk_hit {
	enum logscan_kind kind;
	char *id;                  /* node id or "test (module.Class)" */
	char run_id[24];
};

struct trunk_result {
	struct trunk_hit *v;
	size_t n, cap;
	unsigned calls, failed_calls, runs, jobs, logs;
	double seconds;
};

/* Returns 0 when the source could be asked (even if some calls failed and
 * nothing was found), -1 when it failed as a whole (one line said why). */
int trunk_collect(const struct trunk_opts *o, struct trunk_result *res);

/* Is s safe inside an API path / query (letters, digits, . _ - and, when
 * slash is set, /)? Used to validate --repo, --workflow and --branch. */
int trunk_name_ok(const char *s, int slash);

void trunk_result_free(struct trunk_result *res);

#endif
