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
enum tok_kind { T_END, T_NAME, T_STRING, T_OP, T_NUM };

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
	int prefixed;       /* STRING: r"", b"", f"" ... */
	int triple;         /* STRING: triple-quoted */
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
	t->prefixed = 0;
	t->triple = triple;
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
			t->prefixed = 1;
			return;
		}
		t->kind = T_NAME;
		t->p = p;
		t->len = (size_t)(q - p);
		lx->p = q;
		return;
	}
	if ((*p >= '0' && *p <= '9') || (*p == '.' && p + 1 < lx->end && p[1] >= '0' && p[1] <= '9')) {
		/* A number: 10, 1.5, 1e-3, 0x1f, 1_000, 2j. */
		const char *q = p;

		while (q < lx->end && (name_char((unsigned char)*q) || *q == '.' ||
		    ((*q == '+' || *q == '-') && (q[-1] == 'e' || q[-1] == 'E') &&
		    !(p[0] == '0' && q - p > 1 && (p[1] == 'x' || p[1] == 'X')))))
			q++;
		t->kind = T_NUM;
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

/* ---- literal arguments of decorators -------------------------------- */

/* A call's argument tokens, each with its bracket depth below the call's
 * own parentheses (0: an argument's top level). */
struct atok {
	struct tok t;
	int rel;
};

struct args {
	struct atok *v;
	size_t n, cap;
};

#define MAX_ARG_TOKENS 100000
/* More tests than this from one method's @parametrize: not named. */
#define MAX_PARAM_CASES 4096

/* After a decorator's name: "(" ... ")" into a.  Returns 0, or -1 (no call,
 * or too long: what was read is left read). */
static int
read_call(struct lexer *lx, struct args *a)
{
	struct lexer save = *lx;
	struct tok t;
	int base;

	a->n = 0;
	lex_next(lx, &t);
	if (!tok_is(&t, T_OP, "(")) {
		*lx = save;
		return -1;
	}
	base = lx->depth;
	for (;;) {
		int before = lx->depth;

		lex_next(lx, &t);
		if (t.kind == T_END)
			return -1;
		if (lx->depth < base)
			return 0;
		if (a->n == MAX_ARG_TOKENS)
			return -1;
		if (a->n == a->cap) {
			a->cap = a->cap ? 2 * a->cap : 64;
			a->v = xrealloc(a->v, a->cap * sizeof *a->v);
		}
		a->v[a->n].t = t;
		a->v[a->n].rel = (before < lx->depth ? before : lx->depth) - base;
		a->n++;
	}
}

/* The next comma-separated part at depth rel of tokens [*at, end): its
 * range [*b, *e).  Returns 0, or -1 at the end. */
static int
next_part(const struct args *a, size_t *at, size_t end, int rel, size_t *b, size_t *e)
{
	size_t i = *at;

	if (i >= end)
		return -1;
	*b = i;
	while (i < end && !(a->v[i].rel == rel && tok_is(&a->v[i].t, T_OP, ",")))
		i++;
	*e = i;
	*at = i < end ? i + 1 : i;
	return *b == *e ? -1 : 0;   /* a trailing comma ends it too */
}

/* Is [b, e) one bracketed group "(...)" or "[...]"?  Its inside then. */
static int
bracketed(const struct args *a, size_t b, size_t e, size_t *ib, size_t *ie)
{
	const struct tok *o, *c;

	if (e - b < 2)
		return 0;
	o = &a->v[b].t;
	c = &a->v[e - 1].t;
	if (!((tok_is(o, T_OP, "(") && tok_is(c, T_OP, ")")) || (tok_is(o, T_OP, "[") && tok_is(c, T_OP, "]"))))
		return 0;
	for (size_t i = b + 1; i + 1 < e; i++)
		if (a->v[i].rel <= a->v[b].rel)
			return 0;   /* "(a) + (b)" */
	*ib = b + 1;
	*ie = e - 1;
	return 1;
}

/* A number as Python's str() writes it, when the source writes it so:
 * 10, 0, 1.5, 0.25 (not 1e3, 0x10, 1_000, 1.50, 2j). */
static int
canonical_number(const char *p, size_t n)
{
	size_t i = 0, dot = n;

	for (; i < n; i++) {
		if (p[i] == '.' && dot == n)
			dot = i;
		else if (p[i] < '0' || p[i] > '9')
			return 0;
	}
	if (dot == 0 || dot == n - 1)
		return dot == n && n > 0 && (n == 1 || p[0] != '0');
	if (dot > 1 && p[0] == '0')
		return 0;
	if (dot == n)
		return n == 1 || p[0] != '0';
	/* the fraction: no trailing zero unless it is "0"; few digits */
	return (p[n - 1] != '0' || n - dot - 1 == 1) && n <= 16;
}

/* A literal scalar in [b, e): its str() into out (*none set for None).
 * Returns 0, or -1 when it is not one we can name. */
static int
literal_scalar(const struct args *a, size_t b, size_t e, struct buf *out, int *none)
{
	const struct tok *t = &a->v[b].t;

	*none = 0;
	if (e - b == 2 && tok_is(t, T_OP, "-") && a->v[b + 1].t.kind == T_NUM &&
	    canonical_number(a->v[b + 1].t.p, a->v[b + 1].t.len)) {
		buf_addc(out, '-');
		buf_add(out, a->v[b + 1].t.p, a->v[b + 1].t.len);
		return 0;
	}
	if (e - b != 1)
		return -1;
	if (tok_is(t, T_NAME, "True") || tok_is(t, T_NAME, "False")) {
		buf_add(out, t->p, t->len);
		return 0;
	}
	/* None: PyTorch 1.13 names it <name>_None, later ones <name><index>;
	 * which one runs is not in the source. */
	if (t->kind == T_NUM && canonical_number(t->p, t->len)) {
		buf_add(out, t->p, t->len);
		return 0;
	}
	if (t->kind == T_STRING && !t->prefixed && !t->triple && !memchr(t->p, '\\', t->len) &&
	    !has_space_or_ctrl(t->p, t->len)) {
		buf_add(out, t->p, t->len);
		return 0;
	}
	return -1;
}

/* One case's part for one name, as PyTorch's parametrize names it:
 * <name>_<str(value) with '.' as '_'>, or <name><index> for None. */
static void
case_part(struct buf *out, const char *name, const char *val, int none, size_t idx)
{
	if (out->len)
		buf_addc(out, '_');
	if (none) {
		buf_printf(out, "%s%zu", name, idx);
		return;
	}
	buf_printf(out, "%s_", name);
	for (; *val; val++)
		buf_addc(out, *val == '.' ? '_' : *val);
}

/* Is part [b, e) "name = ..."?  Then the value starts at *v. */
static int
keyword_arg(const struct args *a, size_t b, size_t e, const char *name, size_t *v)
{
	if (e - b < 3 || a->v[b].t.kind != T_NAME || !tok_is(&a->v[b + 1].t, T_OP, "=") ||
	    tok_is(&a->v[b + 2].t, T_OP, "="))
		return 0;
	if (name && !tok_is(&a->v[b].t, T_NAME, name))
		return 0;
	*v = b + 2;
	return 1;
}

/*
 * @parametrize("a", [1, 2]) / @parametrize("a,b", [(1, "x"), (2, "y")]):
 * the cases' suffixes into cases ("a_1", "a_2"; "a_1_b_x", ...).  Returns
 * 0, or -1 with *why when they cannot be named from the source.
 */
static int
read_parametrize(const struct args *a, struct strlist *cases, const char **why)
{
	size_t at = 0, b, e, vb = 0, ve = 0, ib, ie, v;
	struct strlist names = { 0 };
	struct buf val = { 0 }, cs = { 0 };
	int npos = 0, rc = -1, have_vals = 0;
	const struct tok *ns = NULL;

	*why = "its @parametrize values are not literal";
	while (next_part(a, &at, a->n, 0, &b, &e) == 0) {
		if (keyword_arg(a, b, e, NULL, &v)) {
			if (tok_is(&a->v[b].t, T_NAME, "name_fn")) {
				if (!(e - v == 1 && tok_is(&a->v[v].t, T_NAME, "None"))) {
					*why = "its @parametrize names its cases with name_fn";
					goto out;
				}
			} else if (tok_is(&a->v[b].t, T_NAME, "arg_str") && e - v == 1) {
				ns = &a->v[v].t;
			} else if (tok_is(&a->v[b].t, T_NAME, "arg_values")) {
				vb = v;
				ve = e;
				have_vals = 1;
			}
			continue;
		}
		if (npos == 0 && e - b == 1)
			ns = &a->v[b].t;
		else if (npos == 1) {
			vb = b;
			ve = e;
			have_vals = 1;
		} else if (npos >= 2) {
			*why = "its @parametrize names its cases with name_fn";
			goto out;
		}
		npos++;
	}
	if (!ns || ns->kind != T_STRING || ns->prefixed || !have_vals)
		goto out;
	{
		char *list = xstrndup(ns->p, ns->len);

		split_commas(&names, list);
		free(list);
	}
	for (size_t i = 0; i < names.n; i++)
		if (!is_identifier(names.v[i], strlen(names.v[i])))
			goto out;
	if (names.n == 0 || !bracketed(a, vb, ve, &ib, &ie))
		goto out;
	/* The parameter PyTorch places after the device. */
	for (size_t i = 0; i < names.n; i++)
		if (strcmp(names.v[i], "dtype") == 0 || strcmp(names.v[i], "dtypes") == 0 ||
		    strcmp(names.v[i], "device") == 0) {
			*why = "its @parametrize sets the dtype or device";
			goto out;
		}
	at = ib;
	for (size_t idx = 0; next_part(a, &at, ie, a->v[vb].rel + 1, &b, &e) == 0; idx++) {
		int none;

		cs.len = 0;
		if (names.n == 1) {
			val.len = 0;
			if (literal_scalar(a, b, e, &val, &none) < 0) {
				if (e - b == 1 && tok_is(&a->v[b].t, T_NAME, "None"))
					*why = "its @parametrize has a None case, which PyTorch versions name differently";
				goto out;
			}
			case_part(&cs, names.v[0], buf_str(&val), none, idx);
		} else {
			size_t tb, te, at2, k = 0;

			if (!bracketed(a, b, e, &tb, &te))
				goto out;
			at2 = tb;
			while (next_part(a, &at2, te, a->v[b].rel + 1, &b, &e) == 0) {
				val.len = 0;
				if (k >= names.n || literal_scalar(a, b, e, &val, &none) < 0) {
					if (e - b == 1 && tok_is(&a->v[b].t, T_NAME, "None"))
						*why = "its @parametrize has a None case, which PyTorch versions name differently";
					goto out;
				}
				case_part(&cs, names.v[k++], buf_str(&val), none, idx);
			}
			if (k != names.n)
				goto out;
		}
		strlist_add(cases, buf_str(&cs));
	}
	rc = 0;
out:
	strlist_free(&names);
	buf_free(&val);
	buf_free(&cs);
	return rc;
}

/* torch's dtype names and their aliases, as dtype_name() writes them. */
static const char *
dtype_canonical(const char *p, size_t n)
{
	static const char *const alias[][2] = {
		{ "float", "float32" }, { "double", "float64" }, { "half", "float16" },
		{ "long", "int64" }, { "int", "int32" }, { "short", "int16" },
		{ "cfloat", "complex64" }, { "cdouble", "complex128" }, { "chalf", "complex32" },
	};
	static const char *const names[] = {
		"bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
		"float16", "bfloat16", "float32", "float64", "complex32", "complex64", "complex128",
		"qint8", "quint8", "qint32", "quint4x2", "quint2x4", "float8_e4m3fn", "float8_e5m2",
		"float8_e4m3fnuz", "float8_e5m2fnuz",
	};

	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (strlen(alias[i][0]) == n && memcmp(alias[i][0], p, n) == 0)
			return alias[i][1];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && memcmp(names[i], p, n) == 0)
			return names[i];
	return NULL;
}

/* torch.float32 or float32 in [b, e): its name. */
static const char *
dtype_expr(const struct args *a, size_t b, size_t e)
{
	/* A name, or (in stand-ins of PyTorch's decorators) a string. */
	if (e - b == 1 && (a->v[b].t.kind == T_NAME || (a->v[b].t.kind == T_STRING && !a->v[b].t.prefixed)))
		return dtype_canonical(a->v[b].t.p, a->v[b].t.len);
	if (e - b == 3 && tok_is(&a->v[b].t, T_NAME, "torch") && tok_is(&a->v[b + 1].t, T_OP, ".") &&
	    a->v[b + 2].t.kind == T_NAME)
		return dtype_canonical(a->v[b + 2].t.p, a->v[b + 2].t.len);
	return NULL;
}

/*
 * @dtypes(torch.float32, torch.int64) / @dtypes((torch.float, torch.int), ...):
 * "float32,int64" / "float32_int32,..." into out, "*" when not literal;
 * a device_type="cuda" argument into *dev.
 */
static void
read_dtypes(const struct args *a, struct buf *out, struct buf *dev)
{
	size_t at = 0, b, e, ib, ie, v;
	size_t start = out->len;

	while (next_part(a, &at, a->n, 0, &b, &e) == 0) {
		const char *d;

		if (keyword_arg(a, b, e, "device_type", &v) && e - v == 1 && a->v[v].t.kind == T_STRING) {
			dev->len = 0;
			buf_add(dev, a->v[v].t.p, a->v[v].t.len);
			continue;
		}
		if (out->len > start)
			buf_addc(out, ',');
		if ((d = dtype_expr(a, b, e)) != NULL) {
			buf_adds(out, d);
		} else if (bracketed(a, b, e, &ib, &ie)) {
			size_t at2 = ib, n = 0;

			while (next_part(a, &at2, ie, 1, &b, &e) == 0) {
				if ((d = dtype_expr(a, b, e)) == NULL)
					goto unknown;
				buf_printf(out, "%s%s", n++ ? "_" : "", d);
			}
			if (n == 0)
				goto unknown;
		} else {
			goto unknown;
		}
	}
	if (out->len > start)
		return;
unknown:
	out->len = start;
	buf_adds(out, "*");
}

/* What the decorators of the next def say about its tests. */
struct mstate {
	struct buf dtypes;         /* @dtypes: "", "*" or "float32,int64" */
	struct buf dtypes_by;      /* @dtypesIf<DEV>: "cuda=...;cpu=..." */
	struct strlist cases;      /* @parametrize's product so far */
	int pstate;                /* 0 none, 1 cases, 2 cannot be named */
	const char *pwhy;
	int kind_p;
	struct args a;
};

static void
mstate_reset(struct mstate *m)
{
	m->dtypes.len = 0;
	m->dtypes_by.len = 0;
	strlist_free(&m->cases);
	m->pstate = 0;
	m->pwhy = NULL;
	m->kind_p = 0;
}

/* Stack one @parametrize's cases under the ones above it: PyTorch names
 * a test <method>_<top decorator's part>_<next one's part>... */
static void
stack_cases(struct mstate *m, const struct strlist *add)
{
	struct strlist out = { 0 };
	struct buf b = { 0 };

	if (m->pstate == 2)
		return;
	if (m->pstate == 0) {
		for (size_t i = 0; i < add->n; i++)
			strlist_add(&m->cases, add->v[i]);
		m->pstate = 1;
		return;
	}
	if (m->cases.n * add->n > MAX_PARAM_CASES) {
		m->pstate = 2;
		m->pwhy = "its @parametrize makes too many cases";
		return;
	}
	for (size_t i = 0; i < m->cases.n; i++)
		for (size_t j = 0; j < add->n; j++) {
			b.len = 0;
			buf_printf(&b, "%s_%s", m->cases.v[i], add->v[j]);
			strlist_add(&out, b.p);
		}
	strlist_free(&m->cases);
	m->cases = out;
	buf_free(&b);
}

/*
 * After "@" in a class body.  @parametrize (and @parametrize_test) adds
 * parameters to the test's name, read when literal; @ops and @modules add
 * parameters that cannot be named from the source; @dtypes and
 * @dtypesIf<DEVICE> make one test per dtype.  A dotted name
 * (@common_utils.parametrize) counts by its last part.
 */
static void
read_method_decorator(struct lexer *lx, struct mstate *m)
{
	struct lexer save;
	struct tok nm;

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
	if (tok_is(&nm, T_NAME, "parametrize") || tok_is(&nm, T_NAME, "parametrize_test")) {
		struct strlist cases = { 0 };
		const char *why = "its @parametrize values are not literal";

		m->kind_p = 1;
		if (read_call(lx, &m->a) == 0 && read_parametrize(&m->a, &cases, &why) == 0) {
			stack_cases(m, &cases);
		} else if (m->pstate != 2) {
			m->pstate = 2;
			m->pwhy = why;
		}
		strlist_free(&cases);
		return;
	}
	if (tok_is(&nm, T_NAME, "ops") || tok_is(&nm, T_NAME, "modules")) {
		m->kind_p = 1;
		m->pstate = 2;
		m->pwhy = nm.p[0] == 'o' ? "@ops names its tests after an op list" :
		    "@modules names its tests after a module list";
		return;
	}
	if (tok_is(&nm, T_NAME, "dtypes") || (starts_with_n(nm.p, nm.len, "dtypesIf") && nm.len > 8)) {
		struct buf dev = { 0 }, list = { 0 };

		if (nm.len > 8)
			for (size_t i = 8; i < nm.len; i++)
				buf_addc(&dev, (char)(nm.p[i] >= 'A' && nm.p[i] <= 'Z' ? nm.p[i] - 'A' + 'a' : nm.p[i]));
		if (read_call(lx, &m->a) == 0)
			read_dtypes(&m->a, &list, &dev);
		else
			buf_adds(&list, "*");
		if (dev.len == 0) {
			m->dtypes.len = 0;
			buf_add(&m->dtypes, list.p, list.len);
		} else if (!memchr(dev.p, ';', dev.len) && !memchr(dev.p, '=', dev.len) &&
		    !memchr(list.p, ';', list.len)) {
			buf_printf(&m->dtypes_by, "%s%s=%s", m->dtypes_by.len ? ";" : "", buf_str(&dev), buf_str(&list));
		}
		buf_free(&dev);
		buf_free(&list);
	}
}

const char *
tclass_method_dtypes(const struct tclass *c, size_t i, const char *dev, struct buf *tmp)
{
	const char *by = i < c->method_dtypes_by.n ? c->method_dtypes_by.v[i] : "";
	size_t dl = dev ? strlen(dev) : 0;

	for (const char *p = by; dev && *p;) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > dl && memcmp(p, dev, dl) == 0 && p[dl] == '=') {
			tmp->len = 0;
			buf_add(tmp, p + dl + 1, n - dl - 1);
			return buf_str(tmp);
		}
		p += n + (end ? 1 : 0);
	}
	return i < c->method_dtypes.n ? c->method_dtypes.v[i] : "";
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

/* After "class Name": "(" Base, pkg.Base, metaclass=M ")": the last
 * dotted part of each base into bases. */
static void
read_bases(struct lexer *lx, struct args *a, struct strlist *bases)
{
	size_t at = 0, b, e, v;

	if (read_call(lx, a) < 0)
		return;
	while (next_part(a, &at, a->n, 0, &b, &e) == 0) {
		size_t i = b;

		if (keyword_arg(a, b, e, NULL, &v))
			continue;
		/* Name ("." Name)* */
		while (i < e && a->v[i].t.kind == T_NAME && i + 1 < e && tok_is(&a->v[i + 1].t, T_OP, "."))
			i += 2;
		if (i + 1 == e && a->v[i].t.kind == T_NAME)
			strlist_addn(bases, a->v[i].t.p, a->v[i].t.len);
	}
}

static void
add_method(struct tclass *c, const struct tok *nm, struct mstate *m)
{
	struct buf p = { 0 };

	strlist_addn(&c->methods, nm->p, nm->len);
	strlist_add(&c->method_dtypes, buf_str(&m->dtypes));
	strlist_add(&c->method_dtypes_by, buf_str(&m->dtypes_by));
	buf_addc(&c->method_kinds, m->kind_p ? 'p' : '-');
	if (m->pstate == 2) {
		buf_printf(&p, "!%s", m->pwhy ? m->pwhy : "its parameters are not literal");
	} else if (m->pstate == 1) {
		buf_addc(&p, '=');
		for (size_t i = 0; i < m->cases.n; i++)
			buf_printf(&p, "%s%s", i ? "\n" : "", m->cases.v[i]);
	}
	strlist_add(&c->method_params, buf_str(&p));
	buf_free(&p);
}

void
tree_scan_source(struct testtree *t, const char *path, const char *src, size_t len)
{
	struct lexer lx = { .s = src, .end = src + len, .p = src, .line = 1, .at_start = 1 };
	struct pending *pend = NULL;
	size_t npend = 0, cappend = 0, first_class = t->n;
	const char *file;
	struct tclass *cur = NULL;
	int body_indent = -1, pending_param = 0;
	struct tok tk, prev = { 0 };
	struct mstate ms;

	memset(&ms, 0, sizeof ms);

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
					read_bases(&lx, &ms.a, &cur->bases);
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
					read_method_decorator(&lx, &ms);
					prev = d;
					continue;
				}
				if (tok_is(&d, T_NAME, "async"))
					lex_next(&lx, &d);
				if (tok_is(&d, T_NAME, "def")) {
					lex_next(&lx, &nm);
					if (nm.kind == T_NAME && nm.len >= 4 && memcmp(nm.p, "test", 4) == 0)
						add_method(cur, &nm, &ms);
					mstate_reset(&ms);
					prev = nm;
					continue;
				}
				mstate_reset(&ms);
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
	mstate_reset(&ms);
	buf_free(&ms.dtypes);
	buf_free(&ms.dtypes_by);
	free(ms.a.v);
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
		strlist_free(&t->v[i].method_dtypes_by);
		strlist_free(&t->v[i].method_params);
		strlist_free(&t->v[i].bases);
		buf_free(&t->v[i].method_kinds);
		strlist_free(&t->v[i].only_for);
		strlist_free(&t->v[i].except_for);
	}
	free(t->v);
	free(t->dirs);
	strlist_free(&t->files);
	memset(t, 0, sizeof *t);
}
