/*
 * Alerts for tests excluded longer than --alert-after DAYS (default 14),
 * as far as the run knows when each exclusion began (struct excl's
 * since: --issue-ages, the history).  Three ways to tell, each optional:
 *
 *   - GITHUB_ACTIONS=true: ::warning annotations on stderr, at most
 *     ALERTS_MAX_ANNOTATIONS (GitHub shows 10 of a kind per step), then one
 *     ::notice line that counts the rest;
 *   - --notify-issue OWNER/NAME: ONE tracking issue, found again by the
 *     hidden marker in its body (the latest updated issues, then a
 *     search), edited (PATCH) rather than opened again (POST), reopened
 *     when it was closed, closed when nothing is overdue;
 *   - --notify-webhook URL (or EXCLUSIONS_WEBHOOK): {"text": ...} POSTed,
 *     Slack's form, when something is overdue.  The URL is a secret: it
 *     reaches curl on stdin and no message names it.
 *
 * --dry-run shows on stderr what would be sent, and sends nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "github.h"
#include "pipeline.h"

#define SRC "alerts"
#define ANSWER_BYTES (16u << 20)  /* 100 issues, bodies of up to 64 KB each */

static int
gha(void)
{
	const char *v = getenv("GITHUB_ACTIONS");

	return v && strcmp(v, "true") == 0;
}

static int
alerts_wanted(const struct run *r)
{
	return r->cfg->notify_issue || r->cfg->notify_webhook || gha();
}

static void
say(const char *text, size_t n)
{
	fflush(stderr);
	fwrite(text, 1, n, stderr);
	fflush(stderr);
}

/* Run one call on the pool; its response into resp (from c->out), or -1
 * with why. */
static int
run_call(struct run *r, struct gh_call *k, struct gh_response *resp, struct buf *why)
{
	struct child *c = &k->f.c;

	childq_add(&r->pool, c);
	childq_run(&r->pool, 1, r->deadline);
	github_parse(c->out.p ? c->out.p : "", c->out.len, resp);
	if (c->exit_code != 0 || c->timed_out || c->stopped || c->exec_errno || c->never_started) {
		github_describe(k, resp, why);
		return -1;
	}
	if (resp->status < 200 || resp->status > 299) {
		buf_printf(why, "HTTP %d", resp->status);
		if (resp->rate_limited)
			buf_adds(why, " (rate limited)");
		return -1;
	}
	return 0;
}

/* The tracking issue, by its marker: the latest updated issues first,
 * then a search.  1 found, 0 none, -1 failed (why). */
static int
find_issue(struct run *r, struct github *g, const char *marker, struct gh_issue *found,
    struct buf *why)
{
	const char *repo = r->cfg->notify_issue;

	for (int pass = 0; pass < 2; pass++) {
		struct gh_call k = { 0 };
		struct gh_response resp = { 0 };
		struct buf path = { 0 };
		int rc;

		if (pass == 0)
			github_issues_recent_path(repo, &path);
		else
			github_issues_search_path(repo, ALERTS_MARKER_WORD, &path);
		rc = github_call(g, &k, buf_str(&path), 1, ANSWER_BYTES, why);
		if (rc == 0)
			rc = run_call(r, &k, &resp, why);
		if (rc == 0) {
			rc = issue_find_marked(resp.body, resp.body_len, marker, found, why);
			if (rc < 0)
				buf_printf(why, " (%s)", pass == 0 ? "the issues" : "the search");
		}
		gh_response_free(&resp);
		github_call_free(&k);
		buf_free(&path);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
notify_issue(struct run *r, struct github *g, const struct alert *a, size_t n, long long now)
{
	const struct config *c = r->cfg;
	struct gh_issue found = { 0 };
	struct buf title = { 0 }, body = { 0 }, json = { 0 }, why = { 0 }, path = { 0 }, marker = { 0 };
	struct gh_call k = { 0 };
	struct gh_response resp = { 0 };
	char num[32];
	int have, rc = 0;
	const char *what;

	alerts_marker(c->platform_text, &marker);
	alerts_issue_title(n, c->alert_after, c->platform_text, &title);
	alerts_issue_body(buf_str(&marker), a, n, c->alert_after, now, &body);
	have = find_issue(r, g, buf_str(&marker), &found, &why);
	if (have < 0) {
		diag_add(&r->diags, LOG_WARN, SRC, "tracking issue in %s: not found or made: %s",
		    c->notify_issue, buf_str(&why));
		rc = -1;
		goto out;
	}
	if (n == 0 && (!have || !found.open)) {
		diag_add(&r->diags, LOG_INFO, SRC, "nothing overdue; no open tracking issue in %s",
		    c->notify_issue);
		goto out;
	}
	if (have && found.open && n > 0 && found.body && strcmp(found.body, buf_str(&body)) == 0) {
		diag_add(&r->diags, LOG_INFO, SRC, "tracking issue %s#%lld is up to date",
		    c->notify_issue, found.number);
		goto out;
	}
	buf_adds(&json, "{\"title\":");
	json_quote(&json, buf_str(&title));
	buf_adds(&json, ",\"body\":");
	json_quote(&json, buf_str(&body));
	if (have)
		buf_printf(&json, ",\"state\":\"%s\"", n ? "open" : "closed");
	buf_adds(&json, "}");
	snprintf(num, sizeof num, "%lld", found.number);
	if (have)
		github_issue_path(c->notify_issue, num, &path);
	else
		github_issues_new_path(c->notify_issue, &path);
	what = !have ? "opened" : n == 0 ? "closed" : found.open ? "edited" : "reopened";
	if (github_send(g, &k, have ? "PATCH" : "POST", buf_str(&path), buf_str(&json), &why) < 0 ||
	    run_call(r, &k, &resp, &why) < 0) {
		diag_add(&r->diags, LOG_WARN, SRC, "tracking issue in %s not %s: %s", c->notify_issue,
		    what, buf_str(&why));
		rc = -1;
	} else if (have) {
		diag_add(&r->diags, LOG_INFO, SRC, "tracking issue %s#%lld %s", c->notify_issue,
		    found.number, what);
	} else {
		diag_add(&r->diags, LOG_INFO, SRC, "tracking issue opened in %s", c->notify_issue);
	}
out:
	gh_response_free(&resp);
	github_call_free(&k);
	gh_issue_free(&found);
	buf_free(&title);
	buf_free(&body);
	buf_free(&json);
	buf_free(&why);
	buf_free(&path);
	buf_free(&marker);
	return rc;
}

static int
notify_webhook(struct run *r, const char *json)
{
	struct fetch f;
	struct fetch_req req = { 0 };
	struct buf why = { 0 };
	int rc = 0;

	req.url = r->cfg->notify_webhook;
	req.url_secret = 1;
	req.deadline = r->deadline;
	req.max_bytes = 65536;
	req.fail_on_http_error = 1;
	req.method = "POST";
	req.body = json;
	if (fetch_prepare(&f, &req, &why) == 0) {
		childq_add(&r->pool, &f.c);
		childq_run(&r->pool, 1, r->deadline);
		if (f.c.exit_code != 0 || f.c.timed_out || f.c.exec_errno || f.c.never_started) {
			/* Not curl's own words: they could name the URL. */
			if (f.c.exit_code == 22)
				buf_printf(&why, "the server answered with an HTTP error");
			else if (f.c.exec_errno)
				buf_printf(&why, "curl could not be run");
			else if (f.c.timed_out || f.c.never_started || fetch_timed_out(&f))
				buf_printf(&why, "no answer within the time limit");
			else
				buf_printf(&why, "curl exit status %d", f.c.exit_code);
			rc = -1;
		}
	} else {
		rc = -1;
	}
	if (rc < 0)
		diag_add(&r->diags, LOG_WARN, SRC, "webhook not notified: %s", buf_str(&why));
	else
		diag_add(&r->diags, LOG_INFO, SRC, "webhook notified");
	fetch_free(&f);
	buf_free(&why);
	return rc;
}

static int
alerts_emit(struct run *r)
{
	const struct config *c = r->cfg;
	long long now = wall_now();
	struct alert *a;
	size_t n = alerts_collect(&r->set, now, c->alert_after, &a);
	struct buf out = { 0 }, why = { 0 };
	int rc = 0;

	size_t known = 0;

	for (size_t i = 0; i < r->set.n; i++)
		known += r->set.v[i].since > 0;
	diag_add(&r->diags, LOG_INFO, SRC, "%zu test%s excluded for %d day%s or more (of %zu whose start is known%s)",
	    n, n == 1 ? "" : "s", c->alert_after, c->alert_after == 1 ? "" : "s", known,
	    known || c->issue_ages || c->history ? "" : ": --issue-ages or --history tells it");
	if (gha() && n) {
		alerts_annotations(a, n, c->alert_after, &out);
		say(out.p, out.len);
		out.len = 0;
	}
	if (c->dry_run) {
		if (c->notify_issue) {
			struct buf t = { 0 }, m = { 0 };

			alerts_marker(c->platform_text, &m);
			alerts_issue_title(n, c->alert_after, c->platform_text, &t);
			alerts_issue_body(buf_str(&m), a, n, c->alert_after, now, &out);
			buf_free(&m);
			buf_printf(&why, "exclusions: alerts: dry run: the tracking issue in %s (found by its marker) would be %s:\ntitle: %s\n%s",
			    c->notify_issue, n ? "opened or edited" : "closed if open", buf_str(&t), buf_str(&out));
			say(why.p, why.len);
			buf_free(&t);
		}
		if (c->notify_webhook && n) {
			out.len = 0;
			why.len = 0;
			alerts_webhook_json(a, n, c->alert_after, &out);
			buf_printf(&why, "exclusions: alerts: dry run: the webhook (URL not shown) would get: %s\n",
			    buf_str(&out));
			say(why.p, why.len);
		}
		goto done;
	}
	if (c->notify_issue) {
		struct github g;

		why.len = 0;
		if (alerts_github(r, &g, &why) < 0) {
			diag_add(&r->diags, LOG_WARN, SRC, "tracking issue in %s not updated: %s",
			    c->notify_issue, buf_str(&why));
			rc = -1;
		} else if (notify_issue(r, &g, a, n, now) < 0) {
			rc = -1;
		}
		github_free(&g);
	}
	if (c->notify_webhook && n) {
		out.len = 0;
		alerts_webhook_json(a, n, c->alert_after, &out);
		if (notify_webhook(r, buf_str(&out)) < 0)
			rc = -1;
	}
done:
	free(a);
	buf_free(&out);
	buf_free(&why);
	/* A notification that failed has said so; the exclusions were
	 * printed all the same, and the exit status is theirs. */
	(void)rc;
	return 0;
}

const struct sink sink_alerts = { "alerts", alerts_wanted, alerts_emit };
