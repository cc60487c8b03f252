/*
 * match: PyTorch's rules for deciding that a disabled entry applies to a
 * test, each in one place (FORMATS.md §2): the key's shape, platforms,
 * dtype/device suffixes, the class-prefix rule, dotted modules.
 */
#ifndef MATCH_H
#define MATCH_H

#include <stddef.h>

/* A parsed key "<name> (<module>.<Class>)"; pointers into the key. */
struct testkey {
	const char *name;   size_t name_len;
	const char *module; size_t module_len;  /* "" when the suite has no dot */
	const char *cls;    size_t cls_len;
};

/* Parse a key.  Returns 0, or -1 with *why set to a static reason.  The key
 * is split on white space as PyTorch splits it (Python's str.split()): runs
 * of spaces or tabs between the two words, and at either end, are fine;
 * a third word is not. */
int key_parse(const char *key, size_t len, struct testkey *k, const char **why);

/* Only the shape "<name> (<suite>)", split as key_parse would split a valid
 * key, without checking the characters: enough to decide whether an entry
 * is about this run's tests at all, at a fraction of the cost.  Entries that
 * are go through key_parse before they are used. */
int key_split(const char *key, size_t len, struct testkey *k);

int is_dtype(const char *s, size_t n);
int is_device(const char *s, size_t n);

/* Is s one or more of torch's dtype names joined by '_', as PyTorch ends a
 * device-generic test's name ("float32", "float8_e4m3fn", "int64_float32")?
 * Wider than is_dtype, which is only the list the disabling rule drops. */
int is_dtype_suffix(const char *s, size_t n);

/* The method name with a trailing dtype chunk removed, and the device chunk
 * before it too: returns the length of what is left (n when no dtype). */
size_t name_sanitized_len(const char *m, size_t n);

/* PyTorch's name rule: the entry names the method exactly, or the method
 * with its dtype (and device) suffix removed. */
int name_matches(const char *entry, size_t en, const char *method, size_t mn);

/* PyTorch's class rule: the entry's class is a prefix of the running one. */
int class_matches(const char *entry_cls, size_t en, const char *runtime_cls, size_t rn);

/* Does a test file (path relative to the root) hold the module of the key?
 * "__main__" and "" match any file; "profiler.test_profiler" matches
 * ".../profiler/test_profiler.py". */
int module_matches_path(const char *module, size_t n, const char *path);

/* Platforms.  Names are canonicalised: mac = macos, win = windows. */
enum {
	PLAT_MAC = 1u << 0, PLAT_WINDOWS = 1u << 1, PLAT_LINUX = 1u << 2,
	PLAT_ROCM = 1u << 3, PLAT_XPU = 1u << 4, PLAT_ASAN = 1u << 5,
	PLAT_DYNAMO = 1u << 6, PLAT_DYNAMO_WRAPPED = 1u << 7,
	PLAT_INDUCTOR = 1u << 8, PLAT_SLOW = 1u << 9
};
/* The bit of a platform name, or 0 when the name is unknown. */
unsigned platform_bit(const char *s, size_t n);
extern const char *const platform_names;   /* for messages: "mac macos ..." */

/* Does any of the n bytes fall at or below 0x20 (space, controls) or
 * equal 0x7f?  Fast: names and URLs of every entry go through it. */
int has_space_or_ctrl(const char *s, size_t n);

/* Is s a plain Python identifier (ASCII)? */
int is_identifier(const char *s, size_t n);

#endif
