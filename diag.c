#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Would a record of this level be kept? */
static int
diag_wants(const struct diags *d, int level)
{
	return d && level <= d->keep_level;
}

static void
diag_addv(struct diags *d, int level, const char *source, const char *where, const char *fmt,
    va_list ap)
{
	struct diag *r;
	char line[2048];

	if (!diag_wants(d, level))
		return;
	vsnprintf(line, sizeof line, fmt, ap);
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		d->v = xrealloc(d->v, d->cap * sizeof *d->v);
	}
	r = &d->v[d->n++];
	r->level = level;
	r->source = xstrdup(source ? source : "");
	r->where = where ? xstrdup(where) : NULL;
	r->text = xstrdup(line);
	if (d->on_add)
		d->on_add(d->on_add_arg, r);
}

void
diag_add(struct diags *d, int level, const char *source, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, level, source, NULL, fmt, ap);
	va_end(ap);
}

void
diag_add_at(struct diags *d, int level, const char *source, const char *where,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, level, source, where, fmt, ap);
	va_end(ap);
}

void
diag_limited(struct diags *d, unsigned *count, unsigned limit, int level,
    const char *source, const char *fmt, ...)
{
	va_list ap;

	if (++*count > limit)
		return;
	va_start(ap, fmt);
	diag_addv(d, level, source, NULL, fmt, ap);
	va_end(ap);
}

void
diag_print_stderr(void *arg, const struct diag *d)
{
	const int *show = arg;

	if (show && d->level > *show)
		return;
	/* One write per line, so lines from concurrent runs never interleave. */
	if (d->source[0] && d->where)
		fprintf(stderr, "exclusions: %s %s: %s\n", d->source, d->where, d->text);
	else if (d->source[0])
		fprintf(stderr, "exclusions: %s: %s\n", d->source, d->text);
	else
		fprintf(stderr, "exclusions: %s\n", d->text);
}

size_t
diag_count(const struct diags *d, int level)
{
	size_t n = 0;

	for (size_t i = 0; d && i < d->n; i++)
		n += d->v[i].level <= level;
	return n;
}

void
diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].source);
		free(d->v[i].where);
		free(d->v[i].text);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}
