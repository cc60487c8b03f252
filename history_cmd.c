/*
 * The history's subcommands (history.h):
 *
 *   exclusions history --replay-git DIR --history FILE
 *     Every version of stats/disabled-tests-condensed.json in DIR, a clone
 *     of pytorch/test-infra's generated-stats branch, oldest first, recorded
 *     into FILE as if a run at the version's commit time had excluded
 *     every well-formed entry of it (by its key, on every platform: the
 *     list as upstream published it, not one job's view of it).  git runs
 *     as a child (spawn.h, argv, no shell): `git -C DIR log --format=%H %ct
 *     -- PATH`, then `git -C DIR show H:PATH` for each.  A version that is
 *     empty, not a valid list, or has no well-formed entry is a gap: not
 *     recorded (nothing ends at a gap).  Versions no later than FILE's last
 *     run are skipped, so replaying again adds only what is new.
 *
 *   exclusions report --history FILE
 *     The Markdown report of FILE (history_report) on stdout.
 *
 * The command line of the main program is exclusions.c's; these two take
 * only their own options, each checked before anything runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "disabled.h"
#include "file.h"
#include "history.h"
#include "spawn.h"

#define LIST_PATH "stats/disabled-tests-condensed.json"
#define SRC "history"

static const char sub_usage[] =
"usage: exclusions history --replay-git DIR --history FILE [--timeout SECONDS] [-q]\n"
"       exclusions report --history FILE\n";

static int
sub_error(const char *fmt, const char *arg)
{
	fputs("exclusions: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'exclusions --help'.\n", stderr);
	return 2;
}

struct version {
	char hash[65];
	long long t;
};

/* `git log --format=%H %ct` lines into v, oldest first.  Returns how many,
 * or -1 with why set. */
static long
parse_log(const char *p, size_t len, struct version **v, struct buf *why)
{
	size_t n = 0, cap = 0, pos = 0;

	*v = NULL;
	while (pos < len) {
		const char *nl = memchr(p + pos, '\n', len - pos);
		size_t ln = nl ? (size_t)(nl - (p + pos)) : len - pos;
		const char *line = p + pos, *sp = memchr(line, ' ', ln);
		size_t hl = sp ? (size_t)(sp - line) : 0;

		pos += ln + (nl != NULL);
		if (ln == 0)
			continue;
		if (!sp || (hl != 40 && hl != 64) || !all_digits(sp + 1, ln - hl - 1, 12)) {
			buf_printf(why, "git log printed an unexpected line \"%s\"", shown(line, ln, 0));
			free(*v);
			*v = NULL;
			return -1;
		}
		for (size_t i = 0; i < hl; i++)
			if (!strchr("0123456789abcdef", line[i])) {
				buf_printf(why, "git log printed a bad hash \"%s\"", shown(line, hl, 0));
				free(*v);
				*v = NULL;
				return -1;
			}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*v = xrealloc(*v, cap * sizeof **v);
		}
		memcpy((*v)[n].hash, line, hl);
		(*v)[n].hash[hl] = '\0';
		(*v)[n].t = strtoll(sp + 1, NULL, 10);
		n++;
	}
	/* git log is newest first: reverse, then order by time (stable for
	 * equal times: insertion sort, the list is nearly sorted). */
	for (size_t i = 0; i < n / 2; i++) {
		struct version t = (*v)[i];

		(*v)[i] = (*v)[n - 1 - i];
		(*v)[n - 1 - i] = t;
	}
	for (size_t i = 1; i < n; i++) {
		struct version t = (*v)[i];
		size_t j = i;

		while (j > 0 && (*v)[j - 1].t > t.t) {
			(*v)[j] = (*v)[j - 1];
			j--;
		}
		(*v)[j] = t;
	}
	return (long)n;
}

static int
keep_all(void *arg, const struct entry_view *e, struct buf *platforms_kept)
{
	(void)arg;
	for (size_t i = 0; i < e->nplatforms; i++)
		buf_printf(platforms_kept, "%s%.*s", i ? "," : "", (int)e->platform_lens[i], e->platforms[i]);
	return 1;
}

int
history_record_list(struct history *h, long long t, const char *doc, size_t len, struct buf *why)
{
	struct entries ents = { 0 };
	struct diags quiet = { 0 };
	long seen, well = 0;
	int rc = 0;

	quiet.keep_level = LOG_WARN;
	seen = disabled_parse_counted(doc, len, "disabled-list", NULL, keep_all, NULL, &ents, &well, why,
	    &quiet);
	if (seen == 0 || (seen > 0 && well == 0)) {
		buf_adds(why, seen == 0 ? "no entry" : "no well-formed entry");
	} else if (seen > 0) {
		struct hist_item *items = xmalloc((ents.n + 1) * sizeof *items);

		for (size_t k = 0; k < ents.n; k++) {
			memset(&items[k], 0, sizeof items[k]);
			items[k].test = ents.v[k].key;
			items[k].kinds = 1u << RK_LIST;
			items[k].issue = ents.v[k].issue[0] ? ents.v[k].issue : NULL;
			items[k].url = ents.v[k].url && ents.v[k].url[0] ? ents.v[k].url : NULL;
		}
		history_record(h, t, "", items, ents.n);
		free(items);
		rc = 1;
	}
	entries_free(&ents);
	diags_free(&quiet);
	return rc;
}

/* Run git with argv; its stdout in c->out.  Returns 0, or -1 with why. */
static int
git(struct child *c, char *const *argv, double deadline, struct buf *why)
{
	memset(c, 0, sizeof *c);
	c->argv = argv;
	c->out_limit = DEFAULT_MAX_BYTES;
	if (child_run(c, deadline) == 0)
		return 0;
	child_describe(c, why);
	return -1;
}

static int
replay(const char *dir, const char *path, double timeout, int quiet)
{
	struct diags d = { 0 };
	int show = quiet ? LOG_WARN : LOG_INFO;
	struct child c;
	struct buf why = { 0 }, lockname = { 0 }, what = { 0 };
	struct version *v = NULL;
	struct history h;
	double deadline = now_seconds() + timeout;
	long nv, recorded = 0, gaps = 0, skipped = 0;
	long long done_until;
	int fd, rc = 0;
	char *log_argv[] = { "git", "-C", (char *)dir, "log", "--format=%H %ct", "--", LIST_PATH, NULL };

	d.keep_level = LOG_INFO;
	d.on_add = diag_print_stderr;
	d.on_add_arg = &show;
	file_set_deadline(deadline);
	if (git(&c, log_argv, deadline, &why) < 0) {
		diag_add_at(&d, LOG_WARN, SRC, dir, "git log failed: %s", buf_str(&why));
		child_free(&c);
		rc = 1;
		goto out;
	}
	nv = parse_log(c.out.p, c.out.len, &v, &why);
	child_free(&c);
	if (nv < 0) {
		diag_add_at(&d, LOG_WARN, SRC, dir, "%s", buf_str(&why));
		rc = 1;
		goto out;
	}
	buf_printf(&lockname, "%s.lock", path);
	if ((fd = file_lock(buf_str(&lockname), deadline, &why)) < 0) {
		diag_add_at(&d, LOG_WARN, SRC, path, "not updated: cannot lock %s", buf_str(&why));
		rc = 1;
		goto out;
	}
	if (history_load(&h, path, deadline, &d) < 0) {
		file_unlock(fd);
		rc = 1;
		goto out;
	}
	/* What the history held before this replay is not replayed again. */
	done_until = h.nruns ? h.runs[h.nruns - 1].t : -1;
	for (long i = 0; i < nv; i++) {
		char spec[128];
		char *show_argv[] = { "git", "-C", (char *)dir, "show", spec, NULL };

		if (v[i].t <= done_until) {
			skipped++;
			continue;
		}
		snprintf(spec, sizeof spec, "%s:%s", v[i].hash, LIST_PATH);
		why.len = 0;
		if (git(&c, show_argv, deadline, &why) < 0) {
			diag_add(&d, LOG_WARN, SRC, "version %.12s: git show failed (%s): a gap", v[i].hash, buf_str(&why));
			child_free(&c);
			gaps++;
			if (now_seconds() >= deadline)
				break;
			continue;
		}
		why.len = 0;
		if (history_record_list(&h, v[i].t, c.out.p ? c.out.p : "", c.out.len, &why) == 1) {
			recorded++;
		} else {
			diag_add(&d, LOG_INFO, SRC, "version %.12s (%lld): %s: a gap", v[i].hash, v[i].t,
			    buf_str(&why));
			gaps++;
		}
		child_free(&c);
	}
	if (history_save(&h, path, &d) < 0)
		rc = 1;
	file_unlock(fd);
	buf_printf(&what, "%ld versions: %ld recorded, %ld gaps, %ld already in the history", nv, recorded,
	    gaps, skipped);
	diag_add_at(&d, LOG_INFO, SRC, path, "%s", buf_str(&what));
	history_free(&h);
out:
	free(v);
	buf_free(&why);
	buf_free(&lockname);
	buf_free(&what);
	diags_free(&d);
	return rc;
}

static int
report(const char *path)
{
	struct diags d = { 0 };
	int show = LOG_INFO, rc = 0;
	struct history h;
	struct buf out = { 0 }, why = { 0 }, lockname = { 0 };
	int fd;

	d.keep_level = LOG_INFO;
	d.on_add = diag_print_stderr;
	d.on_add_arg = &show;
	/* Under the lock: a damaged file is set aside as by a run. */
	buf_printf(&lockname, "%s.lock", path);
	if ((fd = file_lock(buf_str(&lockname), now_seconds() + 120, &why)) < 0) {
		diag_add_at(&d, LOG_WARN, SRC, path, "cannot lock %s", buf_str(&why));
		rc = 1;
	} else {
		if (history_load(&h, path, 0, &d) < 0)
			rc = 1;
		file_unlock(fd);
	}
	if (rc == 0) {
		history_report(&h, wall_now(), &out);
		why.len = 0;
		if (file_write_atomic(NULL, out.p, out.len, &why) < 0) {
			diag_add(&d, LOG_WARN, "", "cannot write the report: %s", buf_str(&why));
			rc = 1;
		}
		history_free(&h);
	}
	buf_free(&out);
	buf_free(&why);
	buf_free(&lockname);
	diags_free(&d);
	return rc;
}

int
history_main(int argc, char **argv)
{
	const char *git_dir = NULL, *path = NULL;
	double timeout = 600;
	int quiet = 0, is_replay = strcmp(argv[0], "history") == 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const char *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(sub_usage, stdout);
			return 0;
		}
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = 1;
			continue;
		}
		if (strncmp(a, "--history", n) == 0 && n == 9) {
		} else if (is_replay && n == 12 && strncmp(a, "--replay-git", n) == 0) {
		} else if (is_replay && n == 9 && strncmp(a, "--timeout", n) == 0) {
		} else {
			return sub_error("%s: unknown option or argument", shown(a, strlen(a), 0));
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return sub_error("option %s needs a value", shown(a, n, 0));
		if (!*val)
			return sub_error("option %s: empty value", shown(a, n, 0));
		if (a[2] == 'h') {
			path = val;
		} else if (a[2] == 'r') {
			git_dir = val;
		} else {
			char *end;

			timeout = strtod(val, &end);
			if (*end || !(timeout > 0 && timeout <= 86400))
				return sub_error("--timeout: expected seconds, 0 to 86400, not \"%s\"", shown(val, strlen(val), 0));
		}
	}
	if (!path)
		return sub_error("%s needs --history FILE", is_replay ? "history" : "report");
	if (is_replay && !git_dir)
		return sub_error("%s", "history needs --replay-git DIR (a clone of test-infra's generated-stats branch)");
	if (is_replay && access(git_dir, F_OK) < 0)
		return sub_error("--replay-git: no such folder: %s", shown(git_dir, strlen(git_dir), 0));
	file_stdio_guard();
	return is_replay ? replay(git_dir, path, timeout, quiet) : report(path);
}
