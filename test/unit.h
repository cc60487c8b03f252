/* A minimal unit-test harness: each TEST is a function; CHECK records a
 * failure with its line and keeps going; the runner prints one result line
 * per test in the format test/run counts (PASS: / FAIL:). */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed_checks;
static const char *unit_current;

#define CHECK(cond) do { \
	if (!(cond)) { \
		if (unit_failed_checks++ == 0) \
			printf("FAIL: %s: %s:%d: %s\n", unit_current, __FILE__, __LINE__, #cond); \
		else \
			fprintf(stderr, "  also %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *unit_a = (a), *unit_b = (b); \
	if (!unit_a || !unit_b || strcmp(unit_a, unit_b) != 0) { \
		if (unit_failed_checks++ == 0) \
			printf("FAIL: %s: %s:%d: [%s] != [%s]\n", unit_current, __FILE__, __LINE__, \
			    unit_a ? unit_a : "(null)", unit_b ? unit_b : "(null)"); \
	} \
} while (0)

#define RUN(fn) do { \
	unit_current = #fn; unit_failed_checks = 0; \
	fn(); \
	if (unit_failed_checks == 0) printf("PASS: %s\n", #fn); \
	fflush(stdout); \
} while (0)

#endif
