#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
format_parse(const char *s, enum format *f)
{
	static const char *const names[] = { "args", "lines", "shell", "json", "keyword" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum format)i;
			return 0;
		}
	return -1;
}

static int
args_safe(const char *id)
{
	/* Today's workflows expand $EXCLUSIONS unquoted: white space splits a
	 * word, and * ? [ make it a glob. */
	return strpbrk(id, " \t\n*?[") == NULL;
}

/* pytest's -k grammar takes names of word characters and : + - . [ ] \ / */
static int
keyword_safe(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("_:+-.[]\\/", c)))
			return 0;
	}
	return 1;
}

static void
json_string(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, (char)c);
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

static void
json_nullable(struct buf *b, const char *s)
{
	if (s)
		json_string(b, s);
	else
		buf_adds(b, "null");
}

static void
json_platforms(struct buf *out, const char *platforms)
{
	struct strlist pl = { 0 };

	buf_adds(out, "[");
	if (platforms)
		split_commas(&pl, platforms);
	for (size_t p = 0; p < pl.n; p++) {
		if (p)
			buf_adds(out, ", ");
		json_string(out, pl.v[p]);
	}
	buf_adds(out, "]");
	strlist_free(&pl);
}

/* One object a reason: its source and what that source knows. */
static void
json_reason(struct buf *out, const struct reason *r)
{
	buf_adds(out, "{\"source\": ");
	json_string(out, reason_kind_name(r->kind));
	if (r->key) {
		buf_adds(out, r->kind == RK_TRUNK ? ", \"test\": " : ", \"key\": ");
		json_string(out, r->key);
	}
	if (r->issue) {
		buf_adds(out, ", \"issue\": ");
		json_string(out, r->issue);
	}
	if (r->url) {
		buf_adds(out, ", \"url\": ");
		json_string(out, r->url);
	}
	if (r->platforms) {
		buf_adds(out, ", \"platforms\": ");
		json_platforms(out, r->platforms);
	}
	if (r->run_id) {
		buf_adds(out, ", \"run\": ");
		json_string(out, r->run_id);
	}
	buf_adds(out, "}");
}

/* The fields of the first disabled-list reason at the top (what the JSON
 * form always had), then "sources" (one word each, "trunk-run N" with its
 * run) and "reasons" (everything each source knows). */
static size_t
render_json(const struct exclset *s, struct buf *out)
{
	size_t k = 0;
	struct buf w = { 0 };
	struct strlist names = { 0 };

	buf_adds(out, "[");
	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];
		const struct reason *e = excl_reason(x, RK_LIST);

		buf_adds(out, k++ ? ",\n  {" : "\n  {");
		buf_adds(out, "\"node_id\": ");
		json_nullable(out, x->id);
		buf_adds(out, ", \"key\": ");
		json_nullable(out, e ? e->key : NULL);
		buf_adds(out, ", \"issue\": ");
		json_nullable(out, e ? e->issue : NULL);
		buf_adds(out, ", \"url\": ");
		json_nullable(out, e ? e->url : NULL);
		buf_adds(out, ", \"platforms\": ");
		json_platforms(out, e ? e->platforms : NULL);
		buf_adds(out, ", \"sources\": [");
		/* each source once, however many of its reasons, in reason order */
		for (size_t r = 0; r < x->nr; r++) {
			const struct reason *rr = &x->r[r];

			w.len = 0;
			buf_adds(&w, reason_kind_name(rr->kind));
			if (rr->kind == RK_TRUNK && rr->run_id)
				buf_printf(&w, " %s", rr->run_id);
			if (strlist_has(&names, buf_str(&w)))
				continue;
			if (names.n)
				buf_adds(out, ", ");
			strlist_add(&names, w.p);
			json_string(out, w.p);
		}
		strlist_free(&names);
		buf_adds(out, "], \"reasons\": [");
		for (size_t r = 0; r < x->nr; r++) {
			if (r)
				buf_adds(out, ", ");
			json_reason(out, &x->r[r]);
		}
		buf_adds(out, "]}");
	}
	buf_adds(out, k ? "\n]\n" : "]\n");
	buf_free(&w);
	return k;
}

static size_t
render_keyword(const struct exclset *s, struct buf *out, struct diags *d)
{
	struct strlist terms = { 0 };
	struct buf t = { 0 };
	size_t n;

	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];

		if (!keyword_safe(x->cls) || !keyword_safe(x->name)) {
			diag_add(d, LOG_WARN, "", "left out of --format keyword: \"%s\" / \"%s\" cannot be written in a pytest -k expression",
			    shown(x->cls, strlen(x->cls), 0), shown(x->name, strlen(x->name), 1));
			continue;
		}
		t.len = 0;
		buf_printf(&t, "not (%s and %s)", x->cls, x->name);
		strlist_add(&terms, buf_str(&t));
	}
	/* An entry mapped to several node ids still gives one term. */
	strlist_sort_uniq(&terms);
	for (size_t i = 0; i < terms.n; i++)
		buf_printf(out, "%s%s", i ? " and " : "", terms.v[i]);
	buf_addc(out, '\n');
	n = terms.n;
	strlist_free(&terms);
	buf_free(&t);
	return n;
}

size_t
output_render(const struct exclset *s, enum format f, struct buf *out, struct diags *d)
{
	size_t k = 0;

	out->len = 0;
	if (f == FMT_JSON)
		return render_json(s, out);
	if (f == FMT_KEYWORD)
		return render_keyword(s, out, d);
	for (size_t i = 0; i < s->n; i++) {
		const struct excl *x = &s->v[i];

		if (!x->id)
			continue;
		switch (f) {
		case FMT_ARGS:
			if (!args_safe(x->id)) {
				diag_add(d, LOG_WARN, "", "left out: node id \"%s\" has white space or * ? [ and would break an unquoted $EXCLUSIONS; use --format shell",
				    shown(x->id, strlen(x->id), 0));
				continue;
			}
			buf_printf(out, "%s--deselect=%s", k++ ? " " : "", x->id);
			break;
		case FMT_LINES:
			buf_printf(out, "%s\n", x->id);
			k++;
			break;
		case FMT_SHELL:
			buf_adds(out, k++ ? " '--deselect=" : "'--deselect=");
			for (const char *p = x->id; *p; p++) {
				if (*p == '\'')
					buf_adds(out, "'\\''");
				else
					buf_addc(out, *p);
			}
			buf_addc(out, '\'');
			break;
		default:
			break;
		}
	}
	if (f != FMT_LINES)
		buf_addc(out, '\n');
	return k;
}
