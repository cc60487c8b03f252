#include "testtree.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"
#include "match.h"

/* Test files larger than this are passed over: no real test file is. */
#define MAX_SOURCE (16u * 1024 * 1024)
#define MAX_DIR_DEPTH 32

/*
 * A small Python lexer: just enough to know, for every token, whether it
 * starts a logical line and at which column, while stepping over strings
 * (triple-quoted ones hold whole scripts with "class X:" at column 0),
 * comments, line continuations and bracketed expressions.
 */
enum tok_kind { T_END, T_NAME, T_STRING, T_OP, T_OTHER };

struct lexer {
	const char *s, *end, *p;
	int depth;          /* open ( [ { */
	int line;
	int at_start;       /* the next token begins a logical line */
	int col;            /* its column */
};

struct tok {
	enum tok_kind kind;
	const char *p;      /* NAME/OP: the text; STRING: its contents */
	size_t len;
	int first;          /* first token of a logical line */
	int col;
	int line;
};

static int
name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int
name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

/* Step over a string whose opening quote is at lx->p. */
static void
lex_string(struct lexer *lx, struct tok *t)
{
	char q = *lx->p;
	int triple = lx->end - lx->p >= 3 && lx->p[1] == q && lx->p[2] == q;
	const char *p = lx->p + (triple ? 3 : 1);

	t->kind = T_STRING;
	t->p = p;
	while (p < lx->end) {
		if (*p == '\\') {
			if (p + 1 < lx->end && p[1] == '\n')
				lx->line++;
			p += 2;
			continue;
		}
		if (*p == '\n') {
			lx->line++;
			if (!triple)
				break;  /* unterminated: the line ends it */
		}
		if (*p == q && (!triple || (lx->end - p >= 3 && p[1] == q && p[2] == q))) {
			t->len = (size_t)(p - t->p);
			lx->p = p + (triple ? 3 : 1);
			return;
		}
		p++;
	}
	if (p > lx->end)
		p = lx->end;
	t->len = (size_t)(p - t->p);
	lx->p = p;
}

static void
lex_next(struct lexer *lx, struct tok *t)
{
	for (;;) {
		const char *p = lx->p;

		if (p >= lx->end) {
			t->kind = T_END;
			return;
		}
		if (*p == '\n') {
			lx->line++;
			lx->p++;
			if (lx->depth == 0) {
				lx->at_start = 1;
				lx->col = 0;
			}
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f') {
			if (lx->at_start)
				lx->col += *p == '\t' ? 8 - lx->col % 8 : 1;
			lx->p++;
			continue;
		}
		if (*p == '\\' && p + 1 < lx->end && p[1] == '\n') {
			lx->p += 2;   /* explicit line joining */
			lx->line++;
			continue;
		}
		if (*p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		break;
	}
	t->first = lx->at_start;
	t->col = lx->col;
	t->line = lx->line;
	lx->at_start = 0;
	const char *p = lx->p;
	if (*p == '"' || *p == '\'') {
		lex_string(lx, t);
		return;
	}
	if (name_start((unsigned char)*p)) {
		const char *q = p;

		while (q < lx->end && name_char((unsigned char)*q))
			q++;
		/* String prefixes: r"..", b'..', f"""..""", rb"..". */
		if (q < lx->end && (*q == '"' || *q == '\'') && q - p <= 2) {
			lx->p = q;
			lex_string(lx, t);
			return;
		}
		t->kind = T_NAME;
		t->p = p;
		t->len = (size_t)(q - p);
		lx->p = q;
		return;
	}
	t->kind = T_OP;
	t->p = p;
	t->len = 1;
	lx->p++;
	if (*p == '(' || *p == '[' || *p == '{')
		lx->depth++;
	else if ((*p == ')' || *p == ']' || *p == '}') && lx->depth > 0)
		lx->depth--;
}

static int
tok_is(const struct tok *t, enum tok_kind k, const char *s)
{
	return t->kind == k && t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

static struct tclass *
add_class(struct testtree *t, const char *file, const char *name, size_t n, int line)
{
	struct tclass *c;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	c = &t->v[t->n++];
	memset(c, 0, sizeof *c);
	c->name = xstrndup(name, n);
	c->file = file;
	c->line = line;
	return c;
}

/* Instantiation calls name a class of the same file, perhaps defined later:
 * they are remembered and applied once the file is read. */
struct pending {
	char name[128];
	int device_generic, parametrized;
	struct strlist only_for, except_for;
};

/* After "only_for" "=": a string, or a tuple/list of strings. */
static void
read_device_list(struct lexer *lx, struct strlist *out)
{
	struct lexer save = *lx;
	struct tok t;
	int depth;

	lex_next(lx, &t);
	if (t.kind == T_STRING) {
		strlist_addn(out, t.p, t.len);
		return;
	}
	if (!tok_is(&t, T_OP, "(") && !tok_is(&t, T_OP, "[")) {
		*lx = save;
		return;
	}
	depth = lx->depth;
	for (;;) {
		lex_next(lx, &t);
		if (t.kind == T_END || lx->depth < depth)
			return;
		if (t.kind == T_STRING)
			strlist_addn(out, t.p, t.len);
	}
}

/* After "instantiate_device_type_tests" or "instantiate_parametrized_tests":
 * "(" Name ... ")" */
static void
read_instantiation(struct lexer *lx, struct pending *pd, int device)
{
	struct lexer save = *lx;
	struct tok t;
	int depth;

	/* A bare decorator has no "(": leave the next token to the caller. */
	lex_next(lx, &t);
	if (!tok_is(&t, T_OP, "(")) {
		*lx = save;
		return;
	}
	depth = lx->depth;
	lex_next(lx, &t);
	if (t.kind != T_NAME || t.len >= sizeof pd->name)
		return;
	memcpy(pd->name, t.p, t.len);
	pd->name[t.len] = '\0';
	if (device)
		pd->device_generic = 1;
	else
		pd->parametrized = 1;
	while (device) {
		lex_next(lx, &t);
		if (t.kind == T_END || lx->depth < depth)
			break;
		if (lx->depth == depth && t.kind == T_NAME &&
		    (tok_is(&t, T_NAME, "only_for") || tok_is(&t, T_NAME, "except_for"))) {
			struct strlist *l = t.p[0] == 'o' ? &pd->only_for : &pd->except_for;
			struct tok eq;

			lex_next(lx, &eq);
			if (tok_is(&eq, T_OP, "="))
				read_device_list(lx, l);
		}
	}
}

/*
 * After "@" in a class body: @dtypes(torch.float32, torch.int64) and its
 * kin make one test per dtype.  The dtypes that can be read from the call
 * are added to out ("float32,int64"); when none can, out says "*".
 * @parametrize (and @parametrize_test), @ops and @modules add parameters to
 * the test's name: *param is set.  A dotted name (@common_utils.parametrize)
 * counts by its last part.
 */
static void
read_method_decorator(struct lexer *lx, struct buf *out, int *param)
{
	struct lexer save;
	struct tok nm, t;
	int depth, found = 0;

	lex_next(lx, &nm);
	save = *lx;
	while (nm.kind == T_NAME) {
		struct tok dot, next;

		lex_next(lx, &dot);
		if (!tok_is(&dot, T_OP, "."))
			break;
		lex_next(lx, &next);
		if (next.kind != T_NAME)
			break;
		nm = next;
		save = *lx;
	}
	*lx = save;
	if (nm.kind != T_NAME)
		return;
	if (starts_with_n(nm.p, nm.len, "parametrize") || tok_is(&nm, T_NAME, "ops") ||
	    tok_is(&nm, T_NAME, "modules"))
		*param = 1;
	if (!(starts_with_n(nm.p, nm.len, "dtypes") || tok_is(&nm, T_NAME, "ops") ||
	    tok_is(&nm, T_NAME, "modules")))
		return;
	save = *lx;
	lex_next(lx, &t);
	if (!tok_is(&t, T_OP, "(")) {
		*lx = save;
		return;
	}
	depth = lx->depth;
	for (;;) {
		lex_next(lx, &t);
		if (t.kind == T_END || lx->depth < depth)
			break;
		if ((t.kind == T_NAME || t.kind == T_STRING) && is_dtype(t.p, t.len)) {
			if (out->len && strcmp(buf_str(out), "*") != 0)
				buf_addc(out, ',');
			else
				out->len = 0;
			buf_add(out, t.p, t.len);
			found = 1;
		}
	}
	if (!found && out->len == 0)
		buf_adds(out, "*");
}

static int
cmp_class_names(const void *a, const void *b)
{
	const struct tclass *x = *(const struct tclass *const *)a;
	const struct tclass *y = *(const struct tclass *const *)b;

	return strcmp(x->name, y->name);
}

/* Apply the file's instantiation calls to its classes of those names: the
 * classes are sorted by name once, and each call finds its own by a binary
 * search (a file may define tens of thousands of classes). */
static void
apply_pending(struct testtree *t, size_t first_class, struct pending *pend, size_t npend)
{
	size_t n = t->n - first_class;
	struct tclass **idx;

	if (npend == 0 || n == 0)
		return;
	idx = xmalloc(n * sizeof *idx);
	for (size_t j = 0; j < n; j++)
		idx[j] = &t->v[first_class + j];
	qsort(idx, n, sizeof *idx, cmp_class_names);
	for (size_t i = 0; i < npend; i++) {
		size_t lo = 0, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(idx[mid]->name, pend[i].name) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && strcmp(idx[lo]->name, pend[i].name) == 0; lo++) {
			struct tclass *c = idx[lo];

			c->parametrized |= pend[i].parametrized;
			if (pend[i].device_generic) {
				c->device_generic = 1;
				for (size_t k = 0; k < pend[i].only_for.n; k++)
					strlist_add(&c->only_for, pend[i].only_for.v[k]);
				for (size_t k = 0; k < pend[i].except_for.n; k++)
					strlist_add(&c->except_for, pend[i].except_for.v[k]);
			}
		}
	}
	free(idx);
}

void
tree_scan_source(struct testtree *t, const char *path, const char *src, size_t len)
{
	struct lexer lx = { .s = src, .end = src + len, .p = src, .line = 1, .at_start = 1 };
	struct pending *pend = NULL;
	size_t npend = 0, cappend = 0, first_class = t->n;
	const char *file;
	struct tclass *cur = NULL;
	int body_indent = -1, pending_param = 0, method_param = 0;
	struct tok tk, prev = { 0 };
	struct buf dtypes = { 0 };

	strlist_add(&t->files, path);
	file = t->files.v[t->files.n - 1];
	for (;;) {
		lex_next(&lx, &tk);
		if (tk.kind == T_END)
			break;
		if (tk.first && tk.col == 0) {
			cur = NULL;
			if (tok_is(&tk, T_NAME, "class")) {
				struct tok nm;
				int line = tk.line;

				lex_next(&lx, &nm);
				if (nm.kind == T_NAME) {
					cur = add_class(t, file, nm.p, nm.len, line);
					cur->parametrized = pending_param;
					body_indent = -1;
				}
				pending_param = 0;
				prev = nm;
				continue;
			}
			if (tok_is(&tk, T_OP, "@")) {
				struct tok nm;

				lex_next(&lx, &nm);
				/* "@instantiate_parametrized_tests", dotted or not */
				while (nm.kind == T_NAME) {
					struct lexer save = lx;
					struct tok dot;

					if (tok_is(&nm, T_NAME, "instantiate_parametrized_tests"))
						pending_param = 1;
					lex_next(&lx, &dot);
					if (!tok_is(&dot, T_OP, ".")) {
						lx = save;
						break;
					}
					lex_next(&lx, &nm);
				}
				prev = nm;
				continue;
			}
			pending_param = 0;
		} else if (tk.first && cur) {
			if (body_indent < 0)
				body_indent = tk.col;
			if (tk.col == body_indent) {
				struct tok d = tk, nm;

				if (tok_is(&d, T_OP, "@")) {
					read_method_decorator(&lx, &dtypes, &method_param);
					prev = d;
					continue;
				}
				if (tok_is(&d, T_NAME, "async"))
					lex_next(&lx, &d);
				if (tok_is(&d, T_NAME, "def")) {
					lex_next(&lx, &nm);
					if (nm.kind == T_NAME && nm.len >= 4 && memcmp(nm.p, "test", 4) == 0) {
						strlist_addn(&cur->methods, nm.p, nm.len);
						strlist_add(&cur->method_dtypes, buf_str(&dtypes));
						buf_addc(&cur->method_kinds, method_param ? 'p' : '-');
					}
					dtypes.len = 0;
					method_param = 0;
					prev = nm;
					continue;
				}
				dtypes.len = 0;
				method_param = 0;
			}
		}
		if (tk.kind == T_NAME && !tok_is(&prev, T_NAME, "def") &&
		    (tok_is(&tk, T_NAME, "instantiate_device_type_tests") ||
		     tok_is(&tk, T_NAME, "instantiate_parametrized_tests"))) {
			if (npend == cappend) {
				cappend = cappend ? 2 * cappend : 8;
				pend = xrealloc(pend, cappend * sizeof *pend);
			}
			memset(&pend[npend], 0, sizeof *pend);
			read_instantiation(&lx, &pend[npend], tk.p[12] == 'd');
			npend++;
			prev = tk;
			continue;
		}
		prev = tk;
	}
	apply_pending(t, first_class, pend, npend);
	for (size_t i = 0; i < npend; i++) {
		strlist_free(&pend[i].only_for);
		strlist_free(&pend[i].except_for);
	}
	free(pend);
	buf_free(&dtypes);
}

int
tclass_has_device(const struct tclass *c, const char *dev)
{
	if (c->only_for.n && !strlist_has(&c->only_for, dev))
		return 0;
	return !strlist_has(&c->except_for, dev);
}

static int
is_test_file(const char *name)
{
	return (starts_with(name, "test_") && ends_with(name, ".py")) ||
	    (ends_with(name, "_test.py") && strlen(name) > 8);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One scan: where it reads, and whether the deadline stopped it. */
struct scan {
	struct testtree *t;
	const char *root;
	struct diags *dg;
	double deadline;           /* 0: none */
	int stopped;
};

static int
past_deadline(struct scan *sc)
{
	if (!sc->stopped && sc->deadline > 0 && now_seconds() >= sc->deadline)
		sc->stopped = 1;
	return sc->stopped;
}

/* Has the folder been read already?  If not, it is now taken as read. */
static int
dir_seen(struct testtree *t, const struct stat *st)
{
	for (size_t i = 0; i < t->ndirs; i++)
		if (t->dirs[i].dev == st->st_dev && t->dirs[i].ino == st->st_ino)
			return 1;
	if (t->ndirs == t->capdirs) {
		t->capdirs = t->capdirs ? 2 * t->capdirs : 16;
		t->dirs = xrealloc(t->dirs, t->capdirs * sizeof *t->dirs);
	}
	t->dirs[t->ndirs].dev = st->st_dev;
	t->dirs[t->ndirs].ino = st->st_ino;
	t->ndirs++;
	return 0;
}

static void scan_dir(struct scan *sc, const char *rel, int depth);

/* The path of entry name of folder rel, relative to the root (what node
 * ids start with: no "./" for the root itself), and as a path to open. */
static void
entry_paths(const struct scan *sc, const char *rel, const char *name, struct buf *path,
    struct buf *full)
{
	path->len = 0;
	if (strcmp(rel, ".") == 0)
		buf_adds(path, name);
	else
		buf_printf(path, "%s/%s", rel, name);
	full->len = 0;
	buf_printf(full, "%s/%s", sc->root, buf_str(path));
}

/* A folder found in a listing: read it unless it has been (through a
 * symbolic link, or a loop of them) or is too deep. */
static void
enter_dir(struct scan *sc, const char *rel, const struct stat *st, int is_link, int depth)
{
	if (depth >= MAX_DIR_DEPTH)
		return;
	if (dir_seen(sc->t, st)) {
		if (is_link)
			diag_add(sc->dg, LOG_DEBUG, "test tree", "%s/%s: a link to a folder already read, passed over",
			    sc->root, rel);
		return;
	}
	scan_dir(sc, rel, depth + 1);
}

static void
scan_dir(struct scan *sc, const char *rel, int depth)
{
	struct buf full = { 0 }, path = { 0 };
	struct strlist names = { 0 }, links = { 0 };
	DIR *d;
	struct dirent *de;

	if (past_deadline(sc))
		return;
	buf_printf(&full, "%s/%s", sc->root, rel);
	d = opendir(buf_str(&full));
	if (!d) {
		diag_add(sc->dg, LOG_WARN, "test tree", "cannot read %s: %s", buf_str(&full), strerror(errno));
		buf_free(&full);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && strcmp(de->d_name, "__pycache__") != 0)
			strlist_add(&names, de->d_name);
	closedir(d);
	/* Sorted, so that the output never depends on the directory order. */
	if (names.n > 1)
		qsort(names.v, names.n, sizeof *names.v, cmp_names);
	for (size_t i = 0; i < names.n && !past_deadline(sc); i++) {
		struct stat st, lst;

		entry_paths(sc, rel, names.v[i], &path, &full);
		if (stat(buf_str(&full), &st) < 0)
			continue;
		if (!S_ISDIR(st.st_mode) && !(S_ISREG(st.st_mode) && is_test_file(names.v[i])))
			continue;
		if (!text_is_clean(path.p)) {
			diag_add(sc->dg, LOG_WARN, "test tree", "%s/%s: passed over: its name is not printable UTF-8, so no node id could name it",
			    sc->root, shown(path.p, path.len, 0));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			/* Links to folders after the real folders: a folder is
			 * read under its own path when the tree has it. */
			if (lstat(buf_str(&full), &lst) == 0 && S_ISLNK(lst.st_mode))
				strlist_add(&links, names.v[i]);
			else
				enter_dir(sc, path.p, &st, 0, depth);
		} else {
			struct buf src = { 0 }, why = { 0 };

			if (read_file_limited(buf_str(&full), MAX_SOURCE, &src, &why) == 0)
				tree_scan_source(sc->t, buf_str(&path), src.p, src.len);
			else
				diag_add(sc->dg, LOG_WARN, "test tree", "%s: %s", buf_str(&full), buf_str(&why));
			buf_free(&src);
			buf_free(&why);
		}
	}
	for (size_t i = 0; i < links.n && !past_deadline(sc); i++) {
		struct stat st;

		entry_paths(sc, rel, links.v[i], &path, &full);
		if (stat(buf_str(&full), &st) == 0 && S_ISDIR(st.st_mode))
			enter_dir(sc, path.p, &st, 1, depth);
	}
	strlist_free(&names);
	strlist_free(&links);
	buf_free(&full);
	buf_free(&path);
}

int
tree_scan_dir(struct testtree *t, const char *root, const char *dir, struct diags *d,
    double deadline)
{
	struct buf full = { 0 };
	struct stat st;
	size_t before = t->files.n;
	char *rel = xstrdup(dir);
	size_t n = strlen(rel);
	struct scan sc = { .t = t, .root = root, .dg = d, .deadline = deadline };

	/* "test/profiler/" and "./test/profiler" name the same folder, and
	 * node ids must not carry the difference. */
	while (n > 1 && rel[n - 1] == '/')
		rel[--n] = '\0';
	while (starts_with(rel, "./"))
		memmove(rel, rel + 2, strlen(rel + 2) + 1);
	buf_printf(&full, "%s/%s", root, rel);
	if (stat(buf_str(&full), &st) < 0 || !S_ISDIR(st.st_mode)) {
		buf_free(&full);
		free(rel);
		return -1;
	}
	if (!dir_seen(t, &st))
		scan_dir(&sc, rel, 0);
	buf_free(&full);
	free(rel);
	if (sc.stopped) {
		diag_add(d, LOG_WARN, "test tree", "stopped at the time limit after %zu test files under %s/%s",
		    t->files.n - before, root, dir);
		return -2;
	}
	return (int)(t->files.n - before);
}

const struct tclass *
tree_find(const struct testtree *t, const char *file, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0 && (!file || strcmp(t->v[i].file, file) == 0))
			return &t->v[i];
	return NULL;
}

void
tree_free(struct testtree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		strlist_free(&t->v[i].methods);
		strlist_free(&t->v[i].method_dtypes);
		buf_free(&t->v[i].method_kinds);
		strlist_free(&t->v[i].only_for);
		strlist_free(&t->v[i].except_for);
	}
	free(t->v);
	free(t->dirs);
	strlist_free(&t->files);
	memset(t, 0, sizeof *t);
}
