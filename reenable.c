#include "reenable.h"

#include <stdlib.h>
#include <string.h>

#include "disabled.h"
#include "file.h"
#include "match.h"
#include "pipeline.h"

#define SRC REENABLE_DIAG_SOURCE
/* Keys named in one line, at most; the rest are counted. */
#define SHOW_KEYS 5

static const char issue_url[] = "https://github.com/pytorch/pytorch/issues/";

/* How many bytes at p match want (a lower-case ASCII letter or another
 * ASCII character) as Python's case-insensitive match has it: the letter
 * in either case, and for 'i' also U+0130 and U+0131, for 's' also U+017F
 * (in UTF-8).  0 when they do not. */
static size_t
ci_char(const char *p, const char *end, char want)
{
	unsigned char c, c2;

	if (p >= end)
		return 0;
	c = (unsigned char)*p;
	if (c == (unsigned char)want || (want >= 'a' && want <= 'z' && c == (unsigned char)(want - 'a' + 'A')))
		return 1;
	if (end - p < 2)
		return 0;
	c2 = (unsigned char)p[1];
	if (want == 'i' && c == 0xc4 && (c2 == 0xb0 || c2 == 0xb1))
		return 2;
	if (want == 's' && c == 0xc5 && c2 == 0xbf)
		return 2;
	return 0;
}

/* The bytes at p that spell word (lower case) in any case; 0: none. */
static size_t
ci_word(const char *p, const char *end, const char *word)
{
	const char *q = p;

	for (; *word; word++) {
		size_t n = ci_char(q, end, *word);

		if (n == 0)
			return 0;
		q += n;
	}
	return (size_t)(q - p);
}

/* A match at p: its length, with the issue's place; 0 when none. */
static size_t
match_at(const char *p, const char *end, const char **issue, size_t *issue_len)
{
	/* At most one of them is followed by a space: "close" is followed by
	 * the 's' of "closes". */
	static const char *const words[] = {
		"close", "closes", "closed", "fix", "fixes", "fixed",
		"resolve", "resolves", "resolved",
	};
	const char *q = NULL, *d;
	size_t n;

	for (size_t i = 0; i < sizeof words / sizeof words[0] && !q; i++) {
		n = ci_word(p, end, words[i]);
		if (n && p + n < end && p[n] == ' ')
			q = p + n + 1;
	}
	if (!q)
		return 0;
	if (q < end && *q == '#')
		q++;
	else if ((n = ci_word(q, end, issue_url)) != 0)
		q += n;
	else
		return 0;
	for (d = q; d < end && *d >= '0' && *d <= '9'; d++)
		;
	if (d == q)
		return 0;
	*issue = q;
	*issue_len = (size_t)(d - q);
	return (size_t)(d - p);
}

size_t
reenable_scan(const char *text, size_t len, reenable_found_fn found, void *arg)
{
	const char *p = text, *end = text + len;
	size_t count = 0;

	while (p < end) {
		const char *issue;
		size_t n, issue_len;
		char c = (char)(*p | 0x20);

		/* Every keyword starts with an ASCII c, f or r. */
		if ((c != 'c' && c != 'f' && c != 'r') ||
		    (n = match_at(p, end, &issue, &issue_len)) == 0) {
			p++;
			continue;
		}
		if (found)
			found(arg, issue, issue_len, p, n);
		count++;
		p += n;
	}
	return count;
}

/* ------------------------------------------------------------------ */

/* A re-enabled issue: what named it, and what it re-enabled. */
struct issue_use {
	char *issue;
	struct buf by;             /* "PR_BODY \"Fixes #1\", REENABLED_ISSUES" */
	struct strlist seen_by;    /* each of those once */
	struct strlist keys;       /* entries dropped */
	size_t ids;                /* exclusions of the set no longer excluded */
	size_t runtime;            /* entries of the runtime list dropped */
	const struct excl *last;   /* the last exclusion counted */
};

/* A key of a re-enabled entry: other sources' reasons about the tests
 * it names are dropped as well. */
struct rkey {
	char *key;
	struct testkey k;
	struct issue_use *use;
};

struct step {
	struct run *r;
	struct issue_use *uses;
	size_t nuses, capuses;
	struct rkey *keys;
	size_t nkeys, capkeys;
	const char *where;         /* of the text being scanned */
};

static struct issue_use *
find_use(const struct step *st, const char *issue, size_t n)
{
	for (size_t i = 0; i < st->nuses; i++)
		if (strlen(st->uses[i].issue) == n && memcmp(st->uses[i].issue, issue, n) == 0)
			return &st->uses[i];
	return NULL;
}

/* Issue issue (n digits) is re-enabled by where (and words, or NULL). */
static void
add_use(struct step *st, const char *issue, size_t n, const char *where, const char *words, size_t wn)
{
	struct issue_use *u = find_use(st, issue, n);
	struct buf one = { 0 };

	if (!u) {
		if (st->nuses == st->capuses) {
			st->capuses = st->capuses ? st->capuses * 2 : 8;
			st->uses = xrealloc(st->uses, st->capuses * sizeof *st->uses);
		}
		u = &st->uses[st->nuses++];
		memset(u, 0, sizeof *u);
		u->issue = xstrndup(issue, n);
	}
	buf_adds(&one, where);
	if (words)
		buf_printf(&one, " \"%s\"", shown(words, wn, 0));
	if (!strlist_has(&u->seen_by, buf_str(&one))) {
		strlist_add(&u->seen_by, one.p);
		buf_printf(&u->by, "%s%s", u->by.len ? ", " : "", one.p);
	}
	buf_free(&one);
}

static void
found_in_text(void *arg, const char *issue, size_t issue_len, const char *words, size_t words_len)
{
	struct step *st = arg;

	add_use(st, issue, issue_len, st->where, words, words_len);
}

/* REENABLED_ISSUES: numbers separated by commas, white space around
 * each allowed; anything else is said and skipped. */
static void
read_list(struct step *st, const char *s)
{
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *a = s, *b = s + n;

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (all_digits(a, (size_t)(b - a), ISSUE_MAX_DIGITS))
			add_use(st, a, (size_t)(b - a), "REENABLED_ISSUES", NULL, 0);
		else if (b > a)
			diag_add(&st->r->diags, LOG_WARN, SRC, "REENABLED_ISSUES: \"%s\" is not an issue number; ignored",
			    shown(a, (size_t)(b - a), 0));
		s += n;
		if (*s)
			s++;
	}
}

static void
collect(struct step *st)
{
	const struct config *c = st->r->cfg;
	const struct {
		const char *where, *text;
	} texts[] = {
		{ "PR_BODY", c->pr_body }, { "COMMIT_MESSAGES", c->commit_messages },
	};

	if (c->reenabled_issues)
		read_list(st, c->reenabled_issues);
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		if (!texts[i].text)
			continue;
		st->where = texts[i].where;
		reenable_scan(texts[i].text, strlen(texts[i].text), found_in_text, st);
	}
	if (c->pr_body_file) {
		struct buf body = { 0 }, why = { 0 };

		if (read_file_limited(c->pr_body_file, c->max_bytes, &body, &why) < 0) {
			diag_add_at(&st->r->diags, LOG_WARN, SRC, shown(c->pr_body_file, strlen(c->pr_body_file), 0),
			    "%s", buf_str(&why));
		} else {
			st->where = c->pr_body_file;
			reenable_scan(body.p, body.len, found_in_text, st);
		}
		buf_free(&body);
		buf_free(&why);
	}
}

static void
add_rkey(struct step *st, const char *key, struct issue_use *u)
{
	struct rkey *k;
	const char *why;

	for (size_t i = 0; i < st->nkeys; i++)
		if (strcmp(st->keys[i].key, key) == 0)
			return;
	if (st->nkeys == st->capkeys) {
		st->capkeys = st->capkeys ? st->capkeys * 2 : 8;
		st->keys = xrealloc(st->keys, st->capkeys * sizeof *st->keys);
	}
	k = &st->keys[st->nkeys];
	k->key = xstrdup(key);
	if (key_parse(k->key, strlen(k->key), &k->k, &why) < 0) {
		free(k->key);
		return;
	}
	k->use = u;
	st->nkeys++;
}

static struct issue_use *
use_of(const struct step *st, const char *issue)
{
	return issue && *issue ? find_use(st, issue, strlen(issue)) : NULL;
}

/* Count x once for u. */
static void
note(struct issue_use *u, const struct excl *x, const char *key)
{
	if (key && !strlist_has(&u->keys, key))
		strlist_add(&u->keys, key);
	if (u->last != x) {
		u->last = x;
		u->ids++;
	}
}

static int
drop_reenabled(void *arg, const struct excl *x, const struct reason *r)
{
	struct step *st = arg;
	struct issue_use *u = use_of(st, r->issue);

	if (u) {
		note(u, x, r->key);
		return 1;
	}
	/* A list reason of another issue still disables the test, as it
	 * does in PyTorch; another source's reason about a test that a
	 * re-enabled entry names goes with the entry. */
	if (r->kind == RK_LIST || r->kind == RK_ISSUE || x->is_gtest)
		return 0;       /* a C++ test: only its own issue re-enables it */
	for (size_t i = 0; i < st->nkeys; i++) {
		const struct testkey *k = &st->keys[i].k;

		if (class_matches(k->cls, k->cls_len, x->cls, strlen(x->cls)) &&
		    name_matches(k->name, k->name_len, x->name, strlen(x->name))) {
			note(st->keys[i].use, x, NULL);
			return 1;
		}
	}
	return 0;
}

static int
drop_listed_reenabled(void *arg, const struct entry *e)
{
	struct step *st = arg;
	struct issue_use *u = use_of(st, e->issue);

	if (!u)
		return 0;
	u->runtime++;
	if (!strlist_has(&u->keys, e->key))
		strlist_add(&u->keys, e->key);
	return 1;
}

/* "a, b, c and 4 more" of l into b. */
static void
some_of(struct buf *b, const struct strlist *l)
{
	for (size_t i = 0; i < l->n && i < SHOW_KEYS; i++)
		buf_printf(b, "%s%s", i ? ", " : "", shown(l->v[i], strlen(l->v[i]), 0));
	if (l->n > SHOW_KEYS)
		buf_printf(b, " and %zu more", l->n - SHOW_KEYS);
}

static int
cmp_use(const void *a, const void *b)
{
	const struct issue_use *x = a, *y = b;
	size_t xl = strlen(x->issue), yl = strlen(y->issue);

	return xl != yl ? (xl < yl ? -1 : 1) : strcmp(x->issue, y->issue);
}

static void
reenable_issues(struct step *st)
{
	struct run *r = st->r;
	struct buf line = { 0 };

	/* The keys of the re-enabled entries, wherever they are. */
	for (size_t i = 0; i < r->listed.n; i++) {
		struct issue_use *u = use_of(st, r->listed.v[i].issue);

		if (u)
			add_rkey(st, r->listed.v[i].key, u);
	}
	for (size_t i = 0; i < r->set.n; i++)
		for (size_t j = 0; j < r->set.v[i].nr; j++) {
			const struct reason *rs = &r->set.v[i].r[j];
			struct issue_use *u = use_of(st, rs->issue);

			if (u && (rs->kind == RK_LIST || rs->kind == RK_ISSUE) && rs->key && strchr(rs->key, ' '))
				add_rkey(st, rs->key, u);
		}
	exclset_filter(&r->set, drop_reenabled, st);
	entries_filter(&r->listed, drop_listed_reenabled, st);
	if (st->nuses > 1)
		qsort(st->uses, st->nuses, sizeof *st->uses, cmp_use);
	for (size_t i = 0; i < st->nuses; i++) {
		struct issue_use *u = &st->uses[i];

		line.len = 0;
		strlist_sort_uniq(&u->keys);
		if (u->ids == 0 && u->runtime == 0) {
			diag_add(&r->diags, LOG_INFO, SRC, "issue %s (%s): no exclusion of this run is about it",
			    u->issue, buf_str(&u->by));
			continue;
		}
		some_of(&line, &u->keys);
		if (u->ids)
			buf_printf(&line, "%s%zu %s no longer excluded", line.len ? "; " : "", u->ids,
			    u->ids == 1 ? "test" : "tests");
		if (u->runtime)
			buf_printf(&line, "%s%zu %s of the runtime list dropped", line.len ? "; " : "",
			    u->runtime, u->runtime == 1 ? "entry" : "entries");
		diag_add(&r->diags, LOG_INFO, SRC, "issue %s re-enabled by %s: %s", u->issue,
		    buf_str(&u->by), line.p);
	}
	buf_free(&line);
}

/* ------------------------------------------------------------------ */

/* One --keep: a key, or a node id split into its parts. */
struct keep {
	const char *arg;
	int is_key;
	struct testkey k;          /* the key's */
	struct buf path, cls, meth;        /* the node id's; cls or meth may be empty */
	size_t ids, runtime;
	const struct excl *last;
};

/* Could an entry a and an entry b name one same test, by PyTorch's rule?
 * A test of a class that both classes begin, with a name each of them
 * names (itself, or with its dtype suffix removed). */
static int
overlap(const char *acls, size_t acn, const char *aname, size_t an,
    const char *bcls, size_t bcn, const char *bname, size_t bn)
{
	return (class_matches(acls, acn, bcls, bcn) || class_matches(bcls, bcn, acls, acn)) &&
	    (name_matches(aname, an, bname, bn) || name_matches(bname, bn, aname, an));
}

/* Is x a kept test?  A key keeps the tests it names by PyTorch's rule; a
 * node id the test, or the tests of the class or file, it names. */
static int
kept_test(const struct keep *kp, const struct excl *x)
{
	size_t cn = strlen(x->cls), nn = strlen(x->name);

	/* A C++ test is kept by its gtest name "Suite.Test" only. */
	if (x->is_gtest)
		return !kp->is_key && strlen(kp->arg) == cn + 1 + nn && strncmp(kp->arg, x->cls, cn) == 0 &&
		    kp->arg[cn] == '.' && strcmp(kp->arg + cn + 1, x->name) == 0;
	if (kp->is_key && x->id)
		return class_matches(kp->k.cls, kp->k.cls_len, x->cls, cn) &&
		    name_matches(kp->k.name, kp->k.name_len, x->name, nn);
	/* An exclusion without a node id (no test tree) is an entry. */
	if (kp->is_key)
		return overlap(kp->k.cls, kp->k.cls_len, kp->k.name, kp->k.name_len, x->cls, cn, x->name, nn);
	if (x->id) {
		size_t n = strlen(kp->arg);

		return strncmp(x->id, kp->arg, n) == 0 &&
		    (x->id[n] == '\0' || x->id[n] == '[' || (x->id[n] == ':' && x->id[n + 1] == ':'));
	}
	return kp->meth.len && class_matches(x->cls, cn, kp->cls.p, kp->cls.len) &&
	    name_matches(x->name, nn, kp->meth.p, kp->meth.len);
}

static int
drop_kept(void *arg, const struct excl *x, const struct reason *r)
{
	struct keep *kp = arg;

	(void)r;
	if (!kept_test(kp, x))
		return 0;
	if (kp->last != x) {
		kp->last = x;
		kp->ids++;
	}
	return 1;
}

/* Would PyTorch skip a kept test for entry e? */
static int
drop_listed_kept(void *arg, const struct entry *e)
{
	struct keep *kp = arg;
	int hit;

	if (kp->is_key)
		hit = overlap(e->k.cls, e->k.cls_len, e->k.name, e->k.name_len,
		    kp->k.cls, kp->k.cls_len, kp->k.name, kp->k.name_len);
	else if (kp->meth.len)
		hit = class_matches(e->k.cls, e->k.cls_len, kp->cls.p, kp->cls.len) &&
		    name_matches(e->k.name, e->k.name_len, kp->meth.p, kp->meth.len);
	else
		hit = kp->cls.len && class_matches(e->k.cls, e->k.cls_len, kp->cls.p, kp->cls.len);
	kp->runtime += hit != 0;
	return hit;
}

static void
keep_one(struct run *r, const char *arg)
{
	struct keep kp;
	const char *why;
	struct buf line = { 0 };

	memset(&kp, 0, sizeof kp);
	kp.arg = arg;
	kp.is_key = key_parse(arg, strlen(arg), &kp.k, &why) == 0;
	if (!kp.is_key && split_nodeid(arg, &kp.path, &kp.cls, &kp.meth) < 0)
		buf_adds(&kp.path, arg);
	buf_str(&kp.cls);
	buf_str(&kp.meth);
	exclset_filter(&r->set, drop_kept, &kp);
	entries_filter(&r->listed, drop_listed_kept, &kp);
	if (kp.ids)
		buf_printf(&line, "%zu %s no longer excluded", kp.ids, kp.ids == 1 ? "test" : "tests");
	if (kp.runtime)
		buf_printf(&line, "%s%zu %s of the runtime list dropped", line.len ? "; " : "",
		    kp.runtime, kp.runtime == 1 ? "entry" : "entries");
	if (line.len)
		diag_add(&r->diags, LOG_INFO, KEEP_DIAG_SOURCE, "%s: %s", shown(arg, strlen(arg), 0), line.p);
	else
		diag_add(&r->diags, LOG_INFO, KEEP_DIAG_SOURCE, "%s: no source excludes it", shown(arg, strlen(arg), 0));
	buf_free(&line);
	buf_free(&kp.path);
	buf_free(&kp.cls);
	buf_free(&kp.meth);
}

void
reenable_apply(struct run *r)
{
	struct step st;

	memset(&st, 0, sizeof st);
	st.r = r;
	collect(&st);
	if (st.nuses)
		reenable_issues(&st);
	for (size_t i = 0; i < r->cfg->keep.n; i++)
		keep_one(r, r->cfg->keep.v[i]);
	for (size_t i = 0; i < st.nuses; i++) {
		free(st.uses[i].issue);
		buf_free(&st.uses[i].by);
		strlist_free(&st.uses[i].seen_by);
		strlist_free(&st.uses[i].keys);
	}
	free(st.uses);
	for (size_t i = 0; i < st.nkeys; i++)
		free(st.keys[i].key);
	free(st.keys);
}
