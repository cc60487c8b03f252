/* Small shared pieces: growable buffers, string lists,
 * the monotonic clock.  Nothing here knows about tests or PyTorch. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>

/* Allocation failure is not bad input: it ends the run with a message. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

struct buf {
	char *p;
	size_t len, cap;
};
void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
void buf_free(struct buf *b);
/* A NUL-terminated view of the contents (the NUL is not counted in len). */
const char *buf_str(struct buf *b);

struct strlist {
	char **v;
	size_t n, cap;
};
void strlist_add(struct strlist *l, const char *s);       /* copies s */
void strlist_addn(struct strlist *l, const char *s, size_t n);
int strlist_has(const struct strlist *l, const char *s);
void strlist_sort_uniq(struct strlist *l);
void strlist_free(struct strlist *l);

/* Split "a,b,,c" on commas into l (empty items dropped). */
void split_commas(struct strlist *l, const char *s);

/* Seconds on the monotonic clock. */
double now_seconds(void);

/* The wall clock in unix seconds, for what is dated (cache ages, history,
 * exclusion ages): EXCLUSIONS_NOW when it holds 1 to 12 decimal digits (set
 * by tests), else time(). */
long long wall_now(void);

/* Quote s for a one-line message: printable ASCII kept, the rest as \xNN,
 * cut at max bytes.  Returns a static buffer (one at a time per slot 0..3). */
const char *shown(const char *s, size_t n, int slot);

/* Are the n bytes at s 1 to max decimal digits (ASCII), nothing else? */
int all_digits(const char *s, size_t n, size_t max);

/* Does s end with suffix / start with prefix? */
int ends_with(const char *s, const char *suffix);
int starts_with(const char *s, const char *prefix);
/* The same for the n bytes at s (not NUL-terminated). */
int starts_with_n(const char *s, size_t n, const char *prefix);

/* Is s (NUL-terminated) printable UTF-8 without control characters? */
int text_is_clean(const char *s);

/* An ISO 8601 time as GitHub writes it, "2026-08-21T19:26:39Z" (also with
 * fractional seconds and a "+HH:MM" / "-HH:MM" offset), the n bytes at s,
 * into unix seconds.  Years 1970 to 9999, every field in its range
 * (February 29 only in leap years).  Returns 0, or -1 (*t untouched). */
int iso8601_parse(const char *s, size_t n, long long *t);

/* "YYYY-MM-DD" of unix seconds t (UTC) into out (11 bytes). */
void iso8601_day(long long t, char out[11]);

#endif
