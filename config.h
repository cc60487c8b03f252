/* config: what the command line decided, read by the pipeline, its
 * sources and its sinks.  exclusions.c fills it in. */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "output.h"
#include "util.h"

#define DEFAULT_URL \
	"https://raw.githubusercontent.com/pytorch/test-infra/generated-stats/stats/disabled-tests-condensed.json"
#define DEFAULT_TESTS_DIR "test/profiler"
#define DEFAULT_MAX_BYTES (64u * 1024 * 1024)

enum fallback_mode { FB_AUTO, FB_ON_ERROR, FB_NEVER, FB_ALWAYS };

struct config {
	/* the disabled-tests list */
	const char *disabled_url;
	const char *disabled_file;
	int no_disabled_list;       /* --no-disabled-list: neither fetched nor read */
	size_t max_bytes;
	int retries;
	/* the run */
	double timeout;
	int log_level;              /* LOG_WARN (-q), LOG_INFO, LOG_DEBUG (-v) */
	unsigned platforms;
	const char *platform_text;
	/* the tests of this run */
	const char *root;
	struct strlist tests_dirs;
	struct strlist devices;
	const char *filter;
	const char *collected;
	int collect;                /* --collect: run pytest --collect-only (collect.h) */
	const char *python;         /* --python: the interpreter for it */
	/* trunk runs */
	int trunk;
	const char *repo;           /* owner/name */
	const char *workflow;       /* file name, e.g. pull.yml */
	const char *branch;
	const char *job_filter;     /* jobs whose name contains it */
	const char *api_url;        /* NULL: from GH_HOST, else api.github.com */
	int runs;                   /* how many recent runs */
	int max_jobs;               /* matching jobs per run; 0 = all */
	int parallel;               /* children at once */
	int trunk_any_platform;     /* a failed job counts on every platform */
	/* re-enabling: tests that run whatever the sources say (reenable.h) */
	const char *reenabled_issues;   /* REENABLED_ISSUES: "1,2" */
	const char *pr_body;            /* PR_BODY */
	const char *commit_messages;    /* COMMIT_MESSAGES */
	const char *pr_body_file;       /* --pr-body-file */
	struct strlist keep;            /* --keep: node ids and keys */
	/* hand-kept lists, always applied (src_extra.c) */
	struct strlist extra;           /* --extra files */
	/* fallback */
	enum fallback_mode fallback;
	const char *fallback_file;
	/* output */
	enum format format;
	const char *output;
	const char *summary;        /* --summary: Markdown appended (sink_summary.c) */
	const char *explain;            /* --explain TEST: explain.h */
	const char *gtest_base;         /* --format gtest: --gtest-base, else GTEST_FILTER; NULL = none */
	/* issue tracking (src_issues.c) */
	const char *issues_repo;        /* --issues-repo OWNER/NAME: its DISABLED issues */
	int check_issues;               /* --check-issues: hand-kept lines' issues looked up */
	const char *history;            /* --history FILE: sink_history.c */
	const char *step_summary;       /* GITHUB_STEP_SUMMARY: the history report appended */
	/* issue ages and alerts (sink_ages.c, sink_alerts.c) */
	int issue_ages;                 /* --issue-ages: since from when each issue was opened */
	int alert_after;                /* --alert-after DAYS (default 14) */
	const char *notify_issue;       /* --notify-issue OWNER/NAME */
	const char *notify_webhook;     /* --notify-webhook or EXCLUSIONS_WEBHOOK: a secret */
	int dry_run;                    /* --dry-run: show what would be sent, send nothing */
};

#endif
