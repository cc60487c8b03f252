/*
 * alerts: the pure parts of issue ages (--issue-ages, sink_ages.c) and of
 * the alerts (--alert-after, --notify-issue, --notify-webhook,
 * sink_alerts.c): dates, what GitHub answers about issues, escaping for
 * workflow commands and JSON, and the texts sent.  Nothing here runs a
 * child or prints; the sinks do.
 */
#ifndef ALERTS_H
#define ALERTS_H

#include <stddef.h>

#include "exclset.h"
#include "util.h"

/* A word of the tracking issue's marker that GitHub's search finds. */
#define ALERTS_MARKER_WORD "exclusions:tracking-issue"

/* The hidden marker by which the tracking issue of a run on these
 * platforms (the --platform text; only [a-z0-9_,] kept, "linux" when
 * nothing is left) is found again, "<!-- exclusions:tracking-issue
 * platforms=linux -->": one tracking issue per set of platforms, so that
 * the jobs of a CI matrix on different platforms do not overwrite (or
 * close) each other's. */
void alerts_marker(const char *platforms, struct buf *out);
/* Annotations of one kind GitHub shows per step. */
#define ALERTS_MAX_ANNOTATIONS 10
/* Rows of the tracking issue's table, lines of the webhook's text. */
#define ALERTS_MAX_ROWS 100
#define ALERTS_MAX_LINES 20

/* Whole days from since to now (0 when since is in the future). */
long long days_between(long long since, long long now);

/* A GitHub issue as a list, a search or a single GET returns it. */
struct gh_issue {
	long long number;
	int open;
	char *body;                /* decoded, or NULL */
};

/* From a single issue's JSON (GET repos/O/N/issues/N): created_at into
 * *t.  Returns 0, or -1 with why (invalid JSON, no created_at, not a
 * date). */
int issue_created_at(const char *p, size_t n, long long *t, struct buf *why);

/* From a list of issues (a JSON array) or a search ({"items": [...]}):
 * the issue whose body holds marker, pull requests left out; an open one
 * before a closed one, else the lowest number.  Returns 1 with *out
 * filled (free with gh_issue_free), 0 when none holds it, -1 with why
 * when the JSON is not such a list. */
int issue_find_marked(const char *p, size_t n, const char *marker, struct gh_issue *out,
    struct buf *why);
void gh_issue_free(struct gh_issue *i);

/* Escaping for GitHub's workflow commands: the message (% CR LF) and a
 * property's value (those, and : and ,). */
void gha_escape_data(struct buf *out, const char *s);
void gha_escape_prop(struct buf *out, const char *s);

/* s as a JSON string, quotes included; control characters escaped, bytes
 * that are not UTF-8 become U+FFFD. */
void json_quote(struct buf *out, const char *s);

/* One test excluded long enough to alert about. */
struct alert {
	const char *test;          /* node id, key, or Suite.Test */
	long long since, days;
	const char *url;           /* its issue, or NULL */
	const char *source;        /* "disabled-list", ... (the first reason's) */
};

/* The exclusions of s whose since is known and at least days old at now,
 * longest first (then by name), into *out (an array, free() it); returns
 * how many. */
size_t alerts_collect(const struct exclset *s, long long now, long long days, struct alert **out);

/* The annotation lines (GITHUB_ACTIONS): at most ALERTS_MAX_ANNOTATIONS
 * ::warning lines, then one ::notice line counting the rest. */
void alerts_annotations(const struct alert *a, size_t n, long long after, struct buf *out);

/* The tracking issue: its title and its Markdown body (the marker first);
 * with n == 0, the body of a closed one. */
void alerts_issue_title(size_t n, long long after, const char *platforms, struct buf *out);
void alerts_issue_body(const char *marker, const struct alert *a, size_t n, long long after,
    long long now, struct buf *out);

/* The webhook's text (Slack's mrkdwn, & < > escaped) and its JSON
 * {"text": ...}. */
void alerts_webhook_json(const struct alert *a, size_t n, long long after, struct buf *out);

/* The published list's issues are pytorch/pytorch's. */
#define ALERTS_LIST_REPO "pytorch/pytorch"

/* The API path of the issue behind reason rs, into out: its URL when it
 * names an issue on g's site (github_issue_of_url), else, for the
 * published list, its number in ALERTS_LIST_REPO.  Trunk runs and
 * --issues-repo's issues (whose source knows their dates) have none.
 * Returns 0, or -1. */
struct github;
int alerts_issue_path(const struct github *g, const struct reason *rs, struct buf *out);

/* For the sinks: g ready for calls (github_init, then `gh auth token`
 * and `curl --version` on the run's pool).  Returns 0, or -1 with why. */
struct run;
int alerts_github(struct run *r, struct github *g, struct buf *why);

#endif
