#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "disabled.h"
#include "file.h"
#include "match.h"
#include "pipeline.h"
#include "reenable.h"

/* How an exclusion's node id covers the test, from none to exactly. */
enum cover {
	COV_NONE,
	COV_PREFIX,                /* only as pytest's --deselect does: a prefix */
	COV_PART,                  /* its class or file, or it without [parameters] */
	COV_SAME                   /* the same node id (or class and name) */
};

/* One entry of one source, shown. */
struct item {
	enum reason_kind kind;
	char *key;                 /* list: the key; trunk: the test as the log named
	                            * it; fallback: the line */
	char *issue, *url, *run_id;
	struct strlist plats;      /* as listed; none: every platform */
	char *cls, *name;          /* what the rules compare with the test */
	char *module;              /* list: the key's module */
	char *id;                  /* a node id this run made of it, or NULL */
	enum cover before, after;  /* the test, before and after re-enabling */
};

/* The test explained. */
struct target {
	char *cls, *meth;          /* the runtime class and method ([params] cut) */
	struct strlist ids;        /* its node ids; none when not found */
	int checked;               /* 1: a test of this run, 0: not, -1: nothing to check against */
	int gtest;                 /* a C++ test "Suite.Test": cls the suite, meth the test */
	struct buf why;
	struct strlist fixed;
};

/* A re-enabled issue and what named it. */
struct use {
	char *issue;
	struct buf by;
};

struct explain {
	const char *arg;
	struct target t;
	struct item *v;
	size_t n, cap;
	struct use *uses;
	size_t nuses, capuses;
	const char *where;         /* of the text being scanned */
	struct buf list_note;      /* why the list's near misses are missing */
};

/* ---- names ---------------------------------------------------------- */

/* The name with a trailing dtype (and device) removed, then a trailing
 * device alone: what two instances of one test have in common. */
static size_t
base_len(const char *s, size_t n)
{
	n = name_sanitized_len(s, n);
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == '_')
			return is_device(s + i, n - i) ? i - 1 : n;
	return n;
}

/* Does the entry's name come near the method's: the same by PyTorch's
 * rule, a start of it (a base name), or another instance of one test? */
static int
name_related(const char *en, size_t enl, const char *m)
{
	size_t ml = strlen(m), bl = base_len(m, ml);

	if (name_matches(en, enl, m, ml))
		return 1;
	if (enl < ml && memcmp(en, m, enl) == 0 && m[enl] == '_')
		return 1;
	return base_len(en, enl) == bl && memcmp(en, m, bl) == 0;
}

/* The device of a device-generic test's name "<base>_<device>[_<dtype>]"
 * when its class ends with that device in capitals: 1 with the parts. */
static int
instance_of(const char *cls, const char *m, size_t *base, const char **dev, size_t *devlen,
    const char **dtype)
{
	size_t ml = strlen(m), cl = strlen(cls);

	for (size_t i = ml; i > 0; i--) {
		size_t s, e = i;

		if (i < ml && m[i] != '_')
			continue;
		/* m[s, e) is a chunk; what follows it is nothing or a dtype. */
		for (s = e; s > 0 && m[s - 1] != '_'; s--)
			;
		if (s == 0 || !is_device(m + s, e - s))
			continue;
		if (e < ml && !is_dtype_suffix(m + e + 1, ml - e - 1))
			continue;
		if (cl <= e - s)
			return 0;
		for (size_t k = 0; k < e - s; k++)
			if (cls[cl - (e - s) + k] != (char)(m[s + k] - 'a' + 'A'))
				return 0;
		*base = s - 1;
		*dev = m + s;
		*devlen = e - s;
		*dtype = e < ml ? m + e + 1 : NULL;
		return 1;
	}
	return 0;
}

/* ---- the test ------------------------------------------------------- */

static void
set_method(struct target *t, const char *m, size_t n)
{
	const char *br = memchr(m, '[', n);

	t->meth = xstrndup(m, br ? (size_t)(br - m) : n);
}

/* Is id a collected test, or one with [parameters]? */
static int
collected_has(const struct strlist *l, const char *id)
{
	size_t n = strlen(id);

	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i], id, n) == 0 && (l->v[i][n] == '\0' || l->v[i][n] == '['))
			return 1;
	return 0;
}

/* A node id: its class and method; is it a test of this run? */
static void
resolve_nodeid(struct target *t, const char *a, const struct run *r)
{
	struct buf p = { 0 }, c = { 0 }, m = { 0 };

	split_nodeid(a, &p, &c, &m);
	t->cls = xstrdup(buf_str(&c));
	set_method(t, buf_str(&m), m.len);
	strlist_add(&t->ids, a);
	if (t->checked >= 0)
		t->checked = scope_check(&r->scope, a, &t->fixed, &t->why) == 0;
	/* The collected list answers for prefixes: this is one test. */
	if (t->checked > 0 && r->scope.collected && !collected_has(r->scope.collected, a)) {
		t->checked = 0;
		buf_printf(&t->why, "only the start of collected tests' node ids");
	}
	buf_free(&p);
	buf_free(&c);
	buf_free(&m);
}

/* A key: the tests of exactly its class and name, among those the key
 * stands for as an entry. */
static void
resolve_key(struct target *t, const char *a, const struct run *r)
{
	struct testkey k;
	const char *why;
	struct strlist ids = { 0 };
	struct buf w = { 0 }, p = { 0 }, c = { 0 }, m = { 0 };

	if (key_parse(a, strlen(a), &k, &why) < 0)
		return;    /* exclusions.c has checked it */
	t->cls = xstrndup(k.cls, k.cls_len);
	t->meth = xstrndup(k.name, k.name_len);
	if (t->checked < 0)
		return;
	if (scope_has(&r->scope, &k))
		scope_map(&r->scope, &k, &ids, &w);
	for (size_t i = 0; i < ids.n; i++) {
		size_t mn;

		if (split_nodeid(ids.v[i], &p, &c, &m) < 0 || strcmp(c.p, t->cls) != 0)
			continue;
		mn = strcspn(buf_str(&m), "[");
		if (mn == strlen(t->meth) && memcmp(m.p, t->meth, mn) == 0)
			strlist_add(&t->ids, ids.v[i]);
	}
	t->checked = t->ids.n > 0;
	if (!t->checked) {
		buf_printf(&t->why, "no test of class %s is named %s", t->cls, t->meth);
		for (size_t i = 0; i < ids.n; i++)
			buf_printf(&t->why, "%s%s", i ? " " : "; as an entry, the key stands for ", ids.v[i]);
	}
	strlist_free(&ids);
	buf_free(&w);
	buf_free(&p);
	buf_free(&c);
	buf_free(&m);
}

static void
resolve(struct explain *e, const struct run *r)
{
	/* Without a tree or a collected list, nothing to check against. */
	e->t.checked = r->scope.tree || r->scope.collected ? 0 : -1;
	if (!strstr(e->arg, "::") && !strchr(e->arg, '(') && !ends_with(e->arg, ".py") &&
	    gtest_name_ok(e->arg, strlen(e->arg))) {
		const char *dot = strchr(e->arg, '.');

		/* A C++ test: only gtest exclusions name it; no Python tree. */
		e->t.gtest = 1;
		e->t.checked = -1;
		e->t.cls = xstrndup(e->arg, (size_t)(dot - e->arg));
		e->t.meth = xstrdup(dot + 1);
	} else if (strstr(e->arg, "::"))
		resolve_nodeid(&e->t, e->arg, r);
	else
		resolve_key(&e->t, e->arg, r);
}

static enum cover
covers(const struct target *t, const struct excl *x, const char **by)
{
	enum cover best = COV_NONE;

	if (t->gtest || x->is_gtest)
		return t->gtest && x->is_gtest && strcmp(x->cls, t->cls) == 0 &&
		    strcmp(x->name, t->meth) == 0 ? COV_SAME : COV_NONE;
	if (!x->id || t->ids.n == 0)
		return strcmp(x->cls, t->cls) == 0 && strcmp(x->name, t->meth) == 0 ? COV_SAME : COV_NONE;
	for (size_t i = 0; i < t->ids.n; i++) {
		const char *id = t->ids.v[i];
		size_t n = strlen(x->id);
		enum cover c;

		if (strncmp(id, x->id, n) != 0)
			continue;
		c = id[n] == '\0' ? COV_SAME :
		    id[n] == '[' || (id[n] == ':' && id[n + 1] == ':') ? COV_PART : COV_PREFIX;
		if (c > best) {
			best = c;
			*by = x->id;
		}
	}
	return best;
}

/* ---- entries -------------------------------------------------------- */

static struct item *
item_of(struct explain *e, enum reason_kind kind, const char *key, size_t keylen, const char *run_id,
    int *fresh)
{
	struct item *it;

	for (size_t i = 0; i < e->n; i++) {
		it = &e->v[i];
		if (it->kind == kind && strlen(it->key) == keylen && memcmp(it->key, key, keylen) == 0 &&
		    (!run_id || (it->run_id && strcmp(it->run_id, run_id) == 0))) {
			*fresh = 0;
			return it;
		}
	}
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->v = xrealloc(e->v, e->cap * sizeof *e->v);
	}
	it = &e->v[e->n++];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	it->key = xstrndup(key, keylen);
	it->run_id = run_id ? xstrdup(run_id) : NULL;
	*fresh = 1;
	return it;
}

/* The class, name and module an entry's key names. */
static void
item_key(struct item *it)
{
	struct testkey k;
	const char *why;

	if (key_parse(it->key, strlen(it->key), &k, &why) < 0)
		return;
	it->cls = xstrndup(k.cls, k.cls_len);
	it->name = xstrndup(k.name, k.name_len);
	it->module = xstrndup(k.module, k.module_len);
}

/* The reasons of the exclusions of s that cover the test, each with its
 * item, as they stand before re-enabling (!after: also those about a test
 * whose name comes near) or after it (the verdict).  Returns how many
 * reasons cover the test; by_kind, when not NULL, counts them by kind. */
static size_t
from_set(struct explain *e, const struct exclset *s, int after, size_t *by_kind)
{
	size_t total = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];
		const char *by = NULL;
		enum cover c = covers(&e->t, x, &by);

		if (c == COV_NONE && (after || !name_related(x->name, strlen(x->name), e->t.meth)))
			continue;
		for (size_t j = 0; j < x->nr; j++) {
			const struct reason *rs = &x->r[j];
			const char *key = rs->key ? rs->key : x->id ? x->id : x->name;
			int fresh;
			struct item *it = item_of(e, rs->kind, key, strlen(key), rs->run_id, &fresh);

			if (c != COV_NONE) {
				total++;
				if (by_kind)
					by_kind[rs->kind]++;
			}
			if (fresh) {
				it->issue = rs->issue ? xstrdup(rs->issue) : NULL;
				it->url = rs->url ? xstrdup(rs->url) : NULL;
				if (rs->platforms)
					split_commas(&it->plats, rs->platforms);
				if (rs->kind == RK_LIST)
					item_key(it);
				if (!it->cls) {
					it->cls = xstrdup(x->cls);
					it->name = xstrdup(x->name);
				}
			}
			if (after) {
				if (c > it->after)
					it->after = c;
				continue;
			}
			if (c > it->before || (!it->id && x->id)) {
				free(it->id);
				it->id = xstrdup(c > COV_NONE && by ? by : x->id ? x->id : "");
			}
			if (c > it->before)
				it->before = c;
		}
	}
	return total;
}

/* The published list again, for the entries the set does not hold: those
 * for other platforms, and those that name no test of this run. */
static int
doc_wanted(void *arg, const struct testkey *k)
{
	struct explain *e = arg;

	return name_related(k->name, k->name_len, e->t.meth);
}

static int
doc_keep(void *arg, const struct entry_view *v, struct buf *plat)
{
	struct explain *e = arg;
	int fresh;
	struct item *it = item_of(e, RK_LIST, v->key, v->key_len, NULL, &fresh);

	(void)plat;
	/* The platforms as listed, unknown names included. */
	strlist_free(&it->plats);
	for (size_t i = 0; i < v->nplatforms; i++)
		strlist_addn(&it->plats, v->platforms[i], v->platform_lens[i]);
	if (fresh) {
		it->issue = v->issue_len ? xstrndup(v->issue, v->issue_len) : NULL;
		it->url = xstrndup(v->url, v->url_len);
		item_key(it);
	}
	return 0;
}

struct parse_job {
	struct explain *e;
	const struct blob *doc;
	struct buf *why;
};

static long
parse_doc(void *arg)
{
	struct parse_job *j = arg;
	struct entries none = { 0 };
	long n = disabled_parse(j->doc->p, j->doc->len, "explain", doc_wanted, doc_keep, j->e, &none,
	    j->why, NULL);

	entries_free(&none);
	return n;
}

/* The list's entries that name the test but exclude nothing (other
 * platforms, no test of this run): from the copy the run read (a file, a
 * pipe, the cache or its one download).  A run that did not read it (turned
 * off, or its source failed and said why) has none to show: reading or
 * fetching it again here would repeat the source's work, and its failure. */
static void
from_list(struct explain *e, struct run *r)
{
	struct buf why = { 0 };
	struct parse_job job = { e, &r->list_doc, &why };

	if (!r->list_doc.p && !r->list_doc.map) {
		buf_adds(&e->list_note, r->cfg->no_disabled_list ? "turned off (--no-disabled-list)" :
		    "not read by this run (see its warning), so none of its entries is shown");
		return;
	}
	if (file_guarded(&r->list_doc, parse_doc, &job) < 0 && why.len == 0)
		buf_printf(&why, "the file shrank while it was being read");
	if (why.len)
		buf_printf(&e->list_note, "could not be read again (%s), so only its entries that exclude a test of this run are shown",
		    buf_str(&why));
	buf_free(&why);
}

/* ---- re-enabling, as reenable.c reads it ---------------------------- */

static struct use *
use_of(const struct explain *e, const char *issue, size_t n)
{
	for (size_t i = 0; i < e->nuses; i++)
		if (strlen(e->uses[i].issue) == n && memcmp(e->uses[i].issue, issue, n) == 0)
			return &e->uses[i];
	return NULL;
}

static void
add_use(struct explain *e, const char *issue, size_t n, const char *where, const char *words, size_t wn)
{
	struct use *u = use_of(e, issue, n);

	if (!u) {
		if (e->nuses == e->capuses) {
			e->capuses = e->capuses ? e->capuses * 2 : 4;
			e->uses = xrealloc(e->uses, e->capuses * sizeof *e->uses);
		}
		u = &e->uses[e->nuses++];
		memset(u, 0, sizeof *u);
		u->issue = xstrndup(issue, n);
	}
	buf_printf(&u->by, "%s%s", u->by.len ? ", " : "", where);
	if (words)
		buf_printf(&u->by, " \"%s\"", shown(words, wn, 0));
}

static void
found_words(void *arg, const char *issue, size_t issue_len, const char *words, size_t words_len)
{
	struct explain *e = arg;

	add_use(e, issue, issue_len, e->where, words, words_len);
}

static void
collect_uses(struct explain *e, const struct config *c)
{
	const char *s = c->reenabled_issues;
	const char *const texts[][2] = {
		{ "PR_BODY", c->pr_body }, { "COMMIT_MESSAGES", c->commit_messages },
	};

	while (s && *s) {
		size_t n = strcspn(s, ",");
		const char *a = s, *b = s + n;

		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (all_digits(a, (size_t)(b - a), ISSUE_MAX_DIGITS))
			add_use(e, a, (size_t)(b - a), "REENABLED_ISSUES", NULL, 0);
		s += n + (s[n] != '\0');
	}
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		if (!texts[i][1])
			continue;
		e->where = texts[i][0];
		reenable_scan(texts[i][1], strlen(texts[i][1]), found_words, e);
	}
	if (c->pr_body_file) {
		struct buf body = { 0 }, why = { 0 };

		if (read_file_limited(c->pr_body_file, c->max_bytes, &body, &why) == 0) {
			e->where = c->pr_body_file;
			reenable_scan(body.p, body.len, found_words, e);
		}
		buf_free(&body);
		buf_free(&why);
	}
}

/* The --keep that runs the test, or NULL. */
static const char *
kept_by(const struct explain *e, const struct config *c)
{
	for (size_t i = 0; i < c->keep.n; i++) {
		const char *a = c->keep.v[i];
		size_t n = strlen(a);
		struct testkey k;
		const char *why;

		if (e->t.gtest) {
			/* A C++ test: only its own name keeps it. */
			if (strlen(e->arg) == n && memcmp(a, e->arg, n) == 0)
				return a;
			continue;
		}
		if (!strstr(a, "::") && key_parse(a, n, &k, &why) == 0) {
			if (class_matches(k.cls, k.cls_len, e->t.cls, strlen(e->t.cls)) &&
			    name_matches(k.name, k.name_len, e->t.meth, strlen(e->t.meth)))
				return a;
			continue;
		}
		for (size_t j = 0; j < e->t.ids.n; j++) {
			const char *id = e->t.ids.v[j];

			if (strncmp(id, a, n) == 0 &&
			    (id[n] == '\0' || id[n] == '[' || (id[n] == ':' && id[n + 1] == ':')))
				return a;
		}
	}
	return NULL;
}

/* ---- the rules, in words -------------------------------------------- */

static int
class_rule(struct buf *o, const struct item *it, const char *cls)
{
	size_t el = strlen(it->cls), cl = strlen(cls);

	if (el == cl && memcmp(it->cls, cls, cl) == 0) {
		buf_printf(o, "  class: %s is the test's class: matches\n", cls);
		return 1;
	}
	if (!class_matches(it->cls, el, cls, cl)) {
		buf_printf(o, "  class prefix: %s is not a prefix of %s: no match\n", it->cls, cls);
		return 0;
	}
	buf_printf(o, "  class prefix: %s is a prefix of %s", it->cls, cls);
	{
		char dev[16];
		size_t n = cl - el;

		if (n < sizeof dev) {
			for (size_t i = 0; i < n; i++)
				dev[i] = cls[el + i] >= 'A' && cls[el + i] <= 'Z' ? (char)(cls[el + i] - 'A' + 'a') : cls[el + i];
			dev[n] = '\0';
			if (is_device(dev, n))
				buf_printf(o, " (device-generic instantiation: %s for %s)", it->cls, dev);
		}
	}
	buf_adds(o, ": matches\n");
	return 1;
}

static int
name_rule(struct buf *o, const char *en, const char *m)
{
	size_t enl = strlen(en), ml = strlen(m), san = name_sanitized_len(m, ml);

	if (enl == ml && memcmp(en, m, ml) == 0) {
		buf_printf(o, "  name: %s is the test's name: matches\n", m);
		return 1;
	}
	if (san < ml && enl == san && memcmp(en, m, san) == 0) {
		buf_printf(o, "  suffix removal: %s without its dtype suffix%s (_%s) is %s: matches\n", m,
		    is_device(m + san + 1, strcspn(m + san + 1, "_")) ?
		    " and the device before it" : "", m + san + 1, en);
		return 1;
	}
	if (enl < ml && memcmp(en, m, enl) == 0 && m[enl] == '_') {
		if (is_device(m + enl + 1, ml - enl - 1))
			buf_printf(o, "  suffix removal: %s ends in a device without a dtype (_%s), and PyTorch removes a device only before a dtype: no match\n",
			    m, m + enl + 1);
		else
			buf_printf(o, "  parametrization: %s is only the start of %s (a parametrized variant, <name>_<parameters>, or another test), and PyTorch compares whole names: no match\n",
			    en, m);
		return 0;
	}
	if (base_len(en, enl) == base_len(m, ml))
		buf_printf(o, "  name: %s names another instance of the test (another device or dtype), not %s: no match\n", en, m);
	else
		buf_printf(o, "  name: %s is neither %s nor, without a dtype suffix, %.*s: no match\n", en, m,
		    (int)san, m);
	return 0;
}

static int
platform_rule(struct buf *o, const struct item *it, const struct config *c)
{
	struct buf known = { 0 }, unknown = { 0 };
	unsigned mask = 0;
	int applies;

	for (size_t i = 0; i < it->plats.n; i++) {
		const char *p = it->plats.v[i];
		unsigned bit = platform_bit(p, strlen(p));

		if (!bit)
			buf_printf(&unknown, "%s\"%s\"", unknown.len ? ", " : "", shown(p, strlen(p), 0));
		else if (!(mask & bit))
			buf_printf(&known, "%s%s", known.len ? ", " : "", p);
		mask |= bit;
	}
	applies = !mask || (mask & c->platforms);
	if (it->plats.n == 0)
		buf_adds(o, "  platform: every platform (an empty list)");
	else if (!mask)
		buf_adds(o, "  platform: every platform (no name PyTorch knows)");
	else
		buf_printf(o, "  platform: %s (this run: %s)", buf_str(&known), c->platform_text);
	if (unknown.len)
		buf_printf(o, "; %s ignored, as PyTorch does", unknown.p);
	buf_printf(o, ": %s\n", applies ? "applies" : "does not apply");
	buf_free(&known);
	buf_free(&unknown);
	return applies;
}

static void
covered_how(struct buf *o, enum cover c, const char *id)
{
	if (c == COV_PART)
		buf_printf(o, " (--deselect=%s covers it)", id);
	else if (c == COV_PREFIX)
		buf_printf(o, " (pytest's --deselect=%s is a prefix of its node id)", id);
}

/* A re-enabled list item that names the test by PyTorch's rule. */
static const struct item *
reenabled_namer(const struct explain *e)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct item *it = &e->v[i];

		if (it->kind == RK_LIST && it->issue && use_of(e, it->issue, strlen(it->issue)) && it->cls &&
		    class_matches(it->cls, strlen(it->cls), e->t.cls, strlen(e->t.cls)) &&
		    name_matches(it->name, strlen(it->name), e->t.meth, strlen(e->t.meth)))
			return it;
	}
	return NULL;
}

static void
show_list_item(struct buf *o, const struct explain *e, const struct item *it, struct run *r,
    const char *kept)
{
	const struct use *u = it->issue ? use_of(e, it->issue, strlen(it->issue)) : NULL;
	int cm = 0, nm = 0, pm;

	buf_printf(o, "%s: %s\n", reason_kind_name(it->kind), it->key);
	buf_printf(o, "  issue: %s %s\n", it->issue ? it->issue : "none", it->url && *it->url ? it->url : "(no URL)");
	if (it->cls) {
		if (it->module && *it->module && strcmp(it->module, "__main__") != 0)
			buf_printf(o, "  module: %s is ignored, as PyTorch ignores it\n", it->module);
		cm = class_rule(o, it, e->t.cls);
		nm = name_rule(o, it->name, e->t.meth);
	}
	pm = platform_rule(o, it, r->cfg);
	if (u)
		buf_printf(o, "  re-enabling: issue %s is re-enabled by %s\n", u->issue, u->by.p);
	else if (it->issue)
		buf_printf(o, "  re-enabling: issue %s is not re-enabled\n", it->issue);
	if (it->after) {
		buf_adds(o, "  result: excludes this test");
		covered_how(o, it->after, it->id);
	} else if (it->before) {
		if (u || !kept)
			buf_adds(o, "  result: would exclude this test, but its issue is re-enabled");
		else
			buf_printf(o, "  result: would exclude this test, but --keep %s runs it", kept);
	} else if (cm && nm && pm) {
		struct strlist ids = { 0 };
		struct buf why = { 0 };
		struct testkey k;
		const char *w;

		buf_adds(o, "  result: names this test by PyTorch's rule, but this run maps it to ");
		if (key_parse(it->key, strlen(it->key), &k, &w) == 0 && scope_has(&r->scope, &k))
			scope_map(&r->scope, &k, &ids, &why);
		if (ids.n)
			for (size_t i = 0; i < ids.n; i++)
				buf_printf(o, "%s%s", i ? " " : "", ids.v[i]);
		else
			buf_printf(o, "no node id%s%s", why.len ? ": " : "", buf_str(&why));
		strlist_free(&ids);
		buf_free(&why);
	} else if (cm && nm) {
		buf_adds(o, "  result: does not apply on this run's platforms");
	} else {
		buf_adds(o, "  result: does not name this test");
		if (it->id && *it->id)
			buf_printf(o, " (this run excludes %s for it)", it->id);
	}
	buf_addc(o, '\n');
}

static void
show_other_item(struct buf *o, const struct explain *e, const struct item *it, const char *kept)
{
	if (it->kind == RK_TRUNK)
		buf_printf(o, "%s %s: %s\n", reason_kind_name(it->kind), it->run_id ? it->run_id : "?", it->key);
	else
		buf_printf(o, "%s: %s\n", reason_kind_name(it->kind), it->key);
	if (it->kind == RK_ISSUE)
		buf_printf(o, "  issue: %s %s\n", it->issue ? it->issue : "none", it->url && *it->url ? it->url : "(no URL)");
	else if (it->url && *it->url)
		buf_printf(o, "  %s: %s\n", it->kind == RK_TRUNK ? "run" : "issue", it->url);
	if (it->id && *it->id && strcmp(it->id, it->key) != 0)
		buf_printf(o, "  node id: %s\n", it->id);
	if (it->plats.n) {
		buf_adds(o, "  platform: only");
		for (size_t i = 0; i < it->plats.n; i++)
			buf_printf(o, "%s%s", i ? ", " : " ", it->plats.v[i]);
		buf_addc(o, '\n');
	} else {
		buf_printf(o, "  platform: every platform (%s)\n", it->kind == RK_TRUNK ? "a trunk failure" :
		    it->kind == RK_ISSUE ? "its issue names none" : it->kind == RK_EXTRA ? "the line names none" :
		    "a fallback line");
	}
	if (it->after) {
		buf_adds(o, "  result: excludes this test");
		covered_how(o, it->after, it->id);
	} else if (it->before && kept) {
		buf_printf(o, "  result: would exclude this test, but --keep %s runs it", kept);
	} else if (it->before) {
		const struct item *n = reenabled_namer(e);

		buf_adds(o, "  re-enabling: ");
		if (n)
			buf_printf(o, "dropped with issue %s's entry %s, which names this test\n", n->issue, n->key);
		else
			buf_adds(o, "dropped with a re-enabled entry that names this test\n");
		buf_adds(o, "  result: would exclude this test, but re-enabling runs it");
	} else {
		buf_printf(o, "  result: another test (%s)", it->id && *it->id ? it->id : it->key);
	}
	buf_addc(o, '\n');
}

static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->run_id && y->run_id && (c = strcmp(x->run_id, y->run_id)) != 0)
		return c;
	return strcmp(x->key, y->key);
}

/* Whether the fallback was used, and by which part of its rule. */
static void
fallback_line(struct buf *o, const struct run *r)
{
	enum fallback_mode m = r->cfg->fallback;
	int failed_all = r->sources_failed == r->sources_asked;

	if (m == FB_ALWAYS || m == FB_NEVER)
		buf_printf(o, "fallback: %s (--fallback %s)\n", r->used_fallback ? "used" : "not used",
		    m == FB_ALWAYS ? "always" : "never");
	else if (r->used_fallback)
		buf_printf(o, "fallback: used (%s)\n", failed_all ? "every source failed" :
		    "the sources found nothing to exclude");
	else
		buf_printf(o, "fallback: not used (%s)\n", r->found > 0 && !failed_all ?
		    "the sources found tests to exclude" : "--fallback on-error, and a source worked");
}

static void
show_test(struct buf *o, const struct explain *e, const struct run *r, const char *kept)
{
	const struct target *t = &e->t;
	size_t base, devlen;
	const char *dev, *dtype;

	buf_printf(o, "explain: %s\n", e->arg);
	if (t->gtest)
		buf_printf(o, "test: C++ (gtest), suite %s, test %s\n", t->cls, t->meth);
	else
		buf_printf(o, "test: class %s, method %s\n", t->cls, t->meth);
	if (strstr(e->arg, "::") == NULL && t->ids.n) {
		buf_adds(o, "node id:");
		for (size_t i = 0; i < t->ids.n; i++)
			buf_printf(o, " %s", t->ids.v[i]);
		buf_addc(o, '\n');
	}
	if (t->gtest) {
		buf_adds(o, "in this run: not checked (C++ tests: --format gtest names them)\n");
	} else if (t->checked < 0) {
		buf_adds(o, "in this run: cannot be checked (no test tree, no collected list)\n");
	} else if (t->checked) {
		buf_printf(o, "in this run: yes (%s)\n", r->scope.collected ? "the collected list" : "the test tree");
	} else {
		buf_printf(o, "in this run: no: %s", t->why.len ? t->why.p : "not found");
		for (size_t i = 0; i < t->fixed.n; i++)
			buf_printf(o, "%s%s", i ? " " : "; did you mean ", t->fixed.v[i]);
		buf_adds(o, " (the entries are still checked against its name)\n");
	}
	if (instance_of(t->cls, t->meth, &base, &dev, &devlen, &dtype))
		buf_printf(o, "device-generic instantiation: %s::%s is %.*s::%.*s instantiated for %.*s%s%s\n",
		    t->cls, t->meth, (int)(strlen(t->cls) - devlen), t->cls, (int)base, t->meth, (int)devlen, dev,
		    dtype ? ", dtype " : "", dtype ? dtype : "");
	buf_printf(o, "platforms of this run: %s\n", r->cfg->platform_text);
	fallback_line(o, r);
	if (kept)
		buf_printf(o, "--keep: %s runs this test\n", kept);
	if (e->list_note.len)
		buf_printf(o, "disabled list: %s\n", e->list_note.p);
}

/* ---- the two steps -------------------------------------------------- */

struct explain *
explain_start(struct run *r)
{
	struct explain *e;

	if (!r->cfg->explain)
		return NULL;
	e = xmalloc(sizeof *e);
	memset(e, 0, sizeof *e);
	e->arg = r->cfg->explain;
	resolve(e, r);
	if (!e->t.cls) {
		e->t.cls = xstrdup("");
		e->t.meth = xstrdup("");
	}
	from_set(e, &r->set, 0, NULL);
	if (!e->t.gtest)
		from_list(e, r);       /* the published list never names C++ tests */
	collect_uses(e, r->cfg);
	return e;
}

int
explain_finish(struct explain *e, struct run *r)
{
	struct buf o = { 0 }, why = { 0 };
	const char *kept = kept_by(e, r->cfg);
	size_t total = 0, by_kind[RK_KINDS] = { 0 };
	int rc;

	/* What re-enabling left: the verdict. */
	total = from_set(e, &r->set, 1, by_kind);
	if (e->n > 1)
		qsort(e->v, e->n, sizeof *e->v, cmp_item);
	show_test(&o, e, r, kept);
	buf_addc(&o, '\n');
	for (size_t i = 0; i < e->n; i++) {
		if (e->v[i].kind == RK_LIST)
			show_list_item(&o, e, &e->v[i], r, kept);
		else
			show_other_item(&o, e, &e->v[i], kept);
		buf_addc(&o, '\n');
	}
	if (e->n == 0)
		buf_adds(&o, "no source names this test\n\n");
	if (total) {
		buf_printf(&o, "verdict: excluded by %zu %s (", total, total == 1 ? "entry" : "entries");
		for (int k = 0, first = 1; k < RK_KINDS; k++)
			if (by_kind[k]) {
				buf_printf(&o, "%s%s %zu", first ? "" : ", ", reason_kind_name((enum reason_kind)k), by_kind[k]);
				first = 0;
			}
		buf_adds(&o, ")\n");
	} else {
		buf_adds(&o, "verdict: not excluded\n");
	}
	rc = total ? 0 : 1;
	if (file_write_atomic(NULL, o.p, o.len, &why) < 0) {
		diag_add(&r->diags, LOG_WARN, "", "--explain: standard output: %s", buf_str(&why));
		rc = 1;
	}
	buf_free(&o);
	buf_free(&why);
	for (size_t i = 0; i < e->n; i++) {
		struct item *it = &e->v[i];

		free(it->key);
		free(it->issue);
		free(it->url);
		free(it->run_id);
		strlist_free(&it->plats);
		free(it->cls);
		free(it->name);
		free(it->module);
		free(it->id);
	}
	free(e->v);
	for (size_t i = 0; i < e->nuses; i++) {
		free(e->uses[i].issue);
		buf_free(&e->uses[i].by);
	}
	free(e->uses);
	free(e->t.cls);
	free(e->t.meth);
	strlist_free(&e->t.ids);
	strlist_free(&e->t.fixed);
	buf_free(&e->t.why);
	buf_free(&e->list_note);
	free(e);
	return rc;
}
