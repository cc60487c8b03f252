#include "collect.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

#define SRC "collect"
/* As much as --collected reads from a file. */
#define COLLECT_MAX_BYTES (64u * 1024 * 1024)
/* Under this many ERROR lines, the first is named with the count of the
 * others; pytest prints one a file that failed. */
#define SHOW_LINE 200

struct collect {
	struct child c;
	struct strlist argv;       /* what c.argv points into */
	char **av;
	char *why_not;             /* could not even be queued: why */
	double t0;
};

size_t
collect_parse(const char *p, size_t n, struct strlist *ids)
{
	const char *end = p + n;
	size_t before = ids->n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *sep = NULL;

		while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		for (size_t i = 0; i + 1 < len && !sep; i++)
			if (p[i] == ':' && p[i + 1] == ':')
				sep = p + i;
		/* Node ids hold "::" and no space before it; summary lines
		 * ("3 tests collected in 0.1s") and warnings do not. */
		if (sep && p[0] != ' ' && !memchr(p, ' ', (size_t)(sep - p)))
			strlist_addn(ids, p, len);
		if (!nl)
			break;
		p = nl + 1;
	}
	return ids->n - before;
}

static int
is_dir(const char *root, const char *dir)
{
	struct buf b = { 0 };
	struct stat st;
	int yes;

	buf_printf(&b, "%s/%s", root, dir);
	yes = stat(buf_str(&b), &st) == 0 && S_ISDIR(st.st_mode);
	buf_free(&b);
	return yes;
}

struct collect *
collect_start(struct run *r)
{
	const struct config *c = r->cfg;
	struct collect *cl = xmalloc(sizeof *cl);
	static const char *const head[] = {
		"-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "--rootdir=.",
	};

	memset(cl, 0, sizeof *cl);
	cl->t0 = now_seconds();
	strlist_add(&cl->argv, c->python);
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		strlist_add(&cl->argv, head[i]);
	if (c->tests_dirs.n == 0 && !is_dir(c->root, DEFAULT_TESTS_DIR)) {
		struct buf b = { 0 };

		buf_printf(&b, "no %s under %s to collect (--tests-dir names the test folders)",
		    DEFAULT_TESTS_DIR, c->root);
		cl->why_not = xstrdup(buf_str(&b));
		buf_free(&b);
		return cl;
	}
	for (size_t i = 0; i < (c->tests_dirs.n ? c->tests_dirs.n : 1); i++) {
		const char *d = c->tests_dirs.n ? c->tests_dirs.v[i] : DEFAULT_TESTS_DIR;
		struct buf b = { 0 };

		/* Not to be taken for an option. */
		buf_printf(&b, "%s%s", d[0] == '-' ? "./" : "", d);
		strlist_add(&cl->argv, buf_str(&b));
		buf_free(&b);
	}
	cl->av = xmalloc((cl->argv.n + 1) * sizeof *cl->av);
	memcpy(cl->av, cl->argv.v, cl->argv.n * sizeof *cl->av);
	cl->av[cl->argv.n] = NULL;
	cl->c.argv = cl->av;
	cl->c.dir = c->root;
	cl->c.out_limit = COLLECT_MAX_BYTES;
	childq_add(&r->pool, &cl->c);
	diag_add(&r->diags, LOG_DEBUG, SRC, "in %s: %s -m pytest --collect-only ... (%zu folders)", c->root,
	    c->python, c->tests_dirs.n ? c->tests_dirs.n : 1);
	return cl;
}

/* The line of pytest's output that says best what went wrong: the last
 * "ERROR ..." line, with how many there were; else the last line of
 * stderr, else of stdout, that says something.  Appended to b. */
static void
pytest_words(const struct child *c, struct buf *b)
{
	const struct buf *outs[] = { &c->err, &c->out };
	const char *last[2] = { NULL, NULL }, *err = NULL;
	size_t lastlen[2] = { 0, 0 }, errlen = 0, nerr = 0;

	for (int k = 0; k < 2; k++) {
		const char *p = outs[k]->p, *end = p + outs[k]->len;

		while (p && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl ? nl : end, *s = p;

			/* pytest's rules around its headlines say nothing. */
			while (s < e && strchr("=!_ \t\r", *s))
				s++;
			while (e > s && strchr("=!_ \t\r", e[-1]))
				e--;
			if (e > s) {
				last[k] = s;
				lastlen[k] = (size_t)(e - s);
				/* Its short summary ("ERROR test/x.py", "ERROR:
				 * file or directory not found: ..."), not the
				 * headlines of the tracebacks above it. */
				if ((starts_with_n(s, (size_t)(e - s), "ERROR ") ||
				    starts_with_n(s, (size_t)(e - s), "ERROR:")) &&
				    !starts_with_n(s, (size_t)(e - s), "ERROR collecting ")) {
					err = s;
					errlen = (size_t)(e - s);
					nerr++;
				}
			}
			p = nl ? nl + 1 : end;
		}
	}
	if (err) {
		buf_printf(b, ": %s", shown(err, errlen < SHOW_LINE ? errlen : SHOW_LINE, 3));
		if (nerr > 1)
			buf_printf(b, " (and %zu more ERROR lines)", nerr - 1);
	} else {
		for (int k = 0; k < 2; k++)
			if (last[k]) {
				buf_printf(b, ": %s", shown(last[k], lastlen[k] < SHOW_LINE ? lastlen[k] : SHOW_LINE, 3));
				break;
			}
	}
}

int
collect_finish(struct run *r, struct collect *cl)
{
	const struct config *c = r->cfg;
	struct child *ch = &cl->c;
	struct buf why = { 0 };
	size_t got = 0;
	int rc = -1;

	if (cl->why_not) {
		buf_adds(&why, cl->why_not);
	} else if (ch->never_started || ch->exec_errno || ch->timed_out || ch->stopped || ch->signal) {
		child_describe(ch, &why);
	} else if (ch->exit_code != 0) {
		buf_printf(&why, "exit status %d", ch->exit_code);
		pytest_words(ch, &why);
	} else if ((got = collect_parse(ch->out.p, ch->out.len, &r->collected)) == 0) {
		buf_printf(&why, "no node ids in its output");
		pytest_words(ch, &why);
	} else {
		rc = 0;
	}
	if (rc == 0)
		diag_add(&r->diags, LOG_INFO, SRC, "%zu node ids from pytest --collect-only in %.1f s", got,
		    now_seconds() - cl->t0);
	else
		diag_add(&r->diags, LOG_WARN, SRC, "%s -m pytest --collect-only in %s: %s; using the test tree instead",
		    shown(c->python, strlen(c->python), 0), shown(c->root, strlen(c->root), 1), buf_str(&why));
	buf_free(&why);
	child_free(ch);
	strlist_free(&cl->argv);
	free(cl->av);
	free(cl->why_not);
	free(cl);
	return rc;
}
