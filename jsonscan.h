/*
 * jsonscan: a strict, zero-copy, pull-style JSON scanner (RFC 8259).
 *
 * The caller owns the buffer; the scanner never allocates.  Each call to
 * js_next() returns the next token; strings and numbers point into the
 * caller's buffer.  A string holding escapes has `escaped` set and must be
 * decoded with js_decode() before use; one without can be used in place.
 *
 * Grammar, UTF-8, escapes, numbers and nesting are all checked as the
 * scanner goes, so a caller that stops at the first JS_ERROR never acts on
 * an invalid document.  With JS_MULTI, a stream of documents written back
 * to back ("{...}{...}", as `gh api --paginate` prints) is accepted.
 */
#ifndef JSONSCAN_H
#define JSONSCAN_H

#include <stddef.h>

#define JS_MAX_DEPTH 128

enum js_type {
	JS_ERROR = -1,
	JS_EOF = 0,          /* end of input after one or more whole documents */
	JS_OBJECT,           /* '{' */
	JS_OBJECT_END,       /* '}' */
	JS_ARRAY,            /* '[' */
	JS_ARRAY_END,        /* ']' */
	JS_STRING,           /* a string value or an object key (see is_key) */
	JS_NUMBER,
	JS_TRUE,
	JS_FALSE,
	JS_NULL
};

enum js_error {
	JS_OK = 0,
	JS_E_EMPTY,          /* no document at all */
	JS_E_TRUNCATED,      /* input ends inside a document */
	JS_E_UNEXPECTED,     /* a byte that the grammar does not allow here */
	JS_E_TRAILING,       /* something after the document (without JS_MULTI) */
	JS_E_STRING_CTRL,    /* raw control character inside a string */
	JS_E_ESCAPE,         /* unknown escape or bad \u sequence */
	JS_E_SURROGATE,      /* unpaired UTF-16 surrogate in \u escapes */
	JS_E_UTF8,           /* invalid UTF-8 */
	JS_E_NUMBER,         /* malformed number */
	JS_E_LITERAL,        /* malformed true/false/null */
	JS_E_DEPTH           /* nesting deeper than JS_MAX_DEPTH */
};

/* Flags for js_init. */
#define JS_MULTI 1u          /* accept concatenated documents */

struct js_token {
	enum js_type type;
	const char *p;       /* STRING: first byte after the opening quote; NUMBER: first byte */
	size_t len;          /* raw length (for STRING, without quotes, escapes undecoded) */
	int escaped;         /* STRING holds at least one backslash escape */
	int is_key;          /* STRING is an object key */
	int depth;           /* nesting depth of the token: 0 for a top-level value */
	size_t offset;       /* byte offset of the token in the buffer */
};

struct js_scanner {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned flags;
	int depth;
	int state;
	int docs;            /* documents completed so far */
	enum js_error err;
	size_t err_offset;
	unsigned char stack[JS_MAX_DEPTH]; /* 1 = object, 0 = array */
};

void js_init(struct js_scanner *s, const char *buf, size_t len, unsigned flags);

/* The next token, JS_EOF at the end, or JS_ERROR (then s->err and
 * s->err_offset say what and where; every later call returns JS_ERROR). */
enum js_type js_next(struct js_scanner *s, struct js_token *t);

/* Having just received `t` (any value token, or a key's value start), skip
 * the rest of that value: after an OBJECT or ARRAY token, up to and including
 * its matching end.  For a scalar it does nothing.  Returns 0, or -1 on a
 * scan error. */
int js_skip(struct js_scanner *s, const struct js_token *t);

/* Decode a STRING token into out (which must hold t->len bytes; decoding never
 * grows a string).  Returns the decoded length.  The token was validated by
 * js_next, so this cannot fail.  No NUL is appended. */
size_t js_decode(const struct js_token *t, char *out);

/* Does the (possibly escaped) string token equal the NUL-terminated s? */
int js_equals(const struct js_token *t, const char *s);

const char *js_strerror(enum js_error e);

/* One line for a scanner that failed: "invalid JSON at byte N: <reason>",
 * into out (cap bytes, always NUL-terminated).  Returns out. */
char *js_error_text(const struct js_scanner *s, char *out, size_t cap);

#endif
