/*
 * libFuzzer target for the history file (history.h):
 *
 *   make fuzz-bins && fuzz/bin/fuzz_history -max_total_time=60 fuzz/corpus/history
 *
 * The input is a history file's text.  Besides memory safety it checks,
 * and aborts when one fails:
 *   - a text read without error writes back as a text that reads again,
 *     and that second text writes back byte for byte the same (the writer
 *     and the reader agree);
 *   - a text refused leaves an empty history and says why with a line;
 *   - recording one more run on what was read keeps the run numbers
 *     increasing and leaves at most one open period a test;
 *   - the report of it is made without trouble and holds its chart.
 */
#include "history.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct history h, g;
	struct buf why = { 0 }, a = { 0 }, b = { 0 }, rep = { 0 };
	struct hist_item it[2] = {
		{ .test = "t.py::C::x", .kinds = 1u << RK_LIST, .issue = "1" },
		{ .test = "k (__main__.C)", .kinds = 1u << RK_EXTRA },
	};

	if (history_parse(&h, (const char *)data, size, &why) < 0) {
		REQUIRE(h.nruns == 0 && h.np == 0 && why.len > 0);
		REQUIRE(strncmp(buf_str(&why), "line ", 5) == 0 || strncmp(buf_str(&why), "run ", 4) == 0);
		REQUIRE(!memchr(why.p, '\n', why.len));
		buf_free(&why);
		return 0;
	}
	history_write(&h, &a);
	REQUIRE(history_parse(&g, a.p, a.len, &why) == 0);
	history_write(&g, &b);
	REQUIRE(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	history_record(&g, 1764547200, "linux", it, 2);
	for (size_t i = 1; i < g.nruns; i++)
		REQUIRE(g.runs[i].n > g.runs[i - 1].n);
	for (size_t i = 0; i < g.np; i++)
		if (!g.p[i].ended)
			REQUIRE(history_open(&g, g.p[i].test) == &g.p[i]);
	history_report(&g, 1764547200, &rep);
	REQUIRE(strstr(buf_str(&rep), "xychart-beta") != NULL);
	history_free(&h);
	history_free(&g);
	buf_free(&why);
	buf_free(&a);
	buf_free(&b);
	buf_free(&rep);
	return 0;
}
