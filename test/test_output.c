/* The output forms and atomic writing. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "jsonscan.h"
#include "output.h"
#include "unit.h"

static struct entry ent = {
	.key = "test_b (__main__.TestB)", .issue = "42",
	.url = "https://github.com/pytorch/pytorch/issues/42", .platforms = "linux,rocm",
	.source = "disabled-list",
};

static struct excl *
make(size_t *n)
{
	static const char *ids[] = {
		"t.py::TestB::test_b", "t.py::TestA::test_a", "t.py::TestB::test_b",
		"t.py::C::test_x[1]", "t.py::C::test it", "t.py::C::it's",
	};
	struct excl *v = calloc(6, sizeof *v);

	for (size_t i = 0; i < 6; i++) {
		const char *a = strstr(ids[i], "::") + 2, *b = strstr(a, "::");

		v[i].node_id = xstrdup(ids[i]);
		v[i].cls = xstrndup(a, (size_t)(b - a));
		v[i].name = xstrdup(b + 2);
		strlist_add(&v[i].sources, i == 2 ? "fallback" : "disabled-list");
		v[i].e = i < 2 ? NULL : &ent;
	}
	v[0].e = &ent;
	*n = 6;
	excl_sort_merge(v, n);
	return v;
}

static void
sorted_and_merged(void)
{
	size_t n;
	struct excl *v = make(&n);

	CHECK(n == 5);
	CHECK_STR(v[0].node_id, "t.py::C::it's");
	CHECK_STR(v[4].node_id, "t.py::TestB::test_b");
	CHECK(v[4].sources.n == 2);
	excl_free(v, n);
}

static void
args_form_leaves_out_unsafe(void)
{
	size_t n;
	struct excl *v = make(&n);
	struct buf out = { 0 };

	output_render(v, n, FMT_ARGS, &out);
	/* "[" is a glob and " " splits a word: both are left out. */
	CHECK_STR(buf_str(&out), "--deselect=t.py::C::it's --deselect=t.py::TestA::test_a --deselect=t.py::TestB::test_b\n");
	buf_free(&out);
	excl_free(v, n);
}

static void
empty_is_one_empty_line(void)
{
	struct buf out = { 0 };

	output_render(NULL, 0, FMT_ARGS, &out);
	CHECK_STR(buf_str(&out), "\n");
	output_render(NULL, 0, FMT_LINES, &out);
	CHECK_STR(buf_str(&out), "");
	output_render(NULL, 0, FMT_JSON, &out);
	CHECK_STR(buf_str(&out), "[]\n");
	buf_free(&out);
}

static void
lines_form(void)
{
	size_t n;
	struct excl *v = make(&n);
	struct buf out = { 0 };

	output_render(v, n, FMT_LINES, &out);
	CHECK_STR(buf_str(&out), "t.py::C::it's\nt.py::C::test it\nt.py::C::test_x[1]\nt.py::TestA::test_a\nt.py::TestB::test_b\n");
	buf_free(&out);
	excl_free(v, n);
}

static void
shell_form_quotes(void)
{
	size_t n;
	struct excl *v = make(&n);
	struct buf out = { 0 };

	output_render(v, n, FMT_SHELL, &out);
	CHECK_STR(buf_str(&out), "'--deselect=t.py::C::it'\\''s' '--deselect=t.py::C::test it' "
	    "'--deselect=t.py::C::test_x[1]' '--deselect=t.py::TestA::test_a' '--deselect=t.py::TestB::test_b'\n");
	buf_free(&out);
	excl_free(v, n);
}

static void
json_form_is_valid_json(void)
{
	size_t n;
	struct excl *v = make(&n);
	struct buf out = { 0 };
	struct js_scanner s;
	struct js_token t;
	int objects = 0;
	enum js_type ty;

	output_render(v, n, FMT_JSON, &out);
	js_init(&s, out.p, out.len, 0);
	while ((ty = js_next(&s, &t)) != JS_EOF && ty != JS_ERROR)
		if (ty == JS_OBJECT)
			objects++;
	CHECK(ty == JS_EOF);
	CHECK(objects == 5);
	CHECK(strstr(out.p, "\"node_id\": \"t.py::TestB::test_b\", \"key\": \"test_b (__main__.TestB)\", "
	    "\"issue\": \"42\", \"url\": \"https://github.com/pytorch/pytorch/issues/42\", "
	    "\"platforms\": [\"linux\", \"rocm\"], \"sources\": [\"disabled-list\", \"fallback\"]") != NULL);
	CHECK(strstr(out.p, "\"node_id\": \"t.py::TestA::test_a\", \"key\": null") != NULL);
	buf_free(&out);
	excl_free(v, n);
}

static void
keyword_form(void)
{
	size_t n;
	struct excl *v = make(&n);
	struct buf out = { 0 };

	output_render(v, n, FMT_KEYWORD, &out);
	/* "test it" and "it's" cannot be written in a -k expression. */
	CHECK_STR(buf_str(&out), "not (C and test_x[1]) and not (TestA and test_a) and not (TestB and test_b)\n");
	buf_free(&out);
	excl_free(v, n);
}

static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

static void
atomic_write(void)
{
	char dir[] = "/tmp/exclusions-out.XXXXXX", path[256], got[64] = { 0 };
	struct buf out = { 0 }, why = { 0 };
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/exclusions.txt", dir);
	buf_adds(&out, "old\n");
	CHECK(output_write(path, &out, &why) == 0);
	out.len = 0;
	buf_adds(&out, "new\n");
	CHECK(output_write(path, &out, &why) == 0);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, got, sizeof got - 1) == 4);
	close(fd);
	CHECK_STR(got, "new\n");
	/* No temporary file is left behind. */
	CHECK(count_files(dir) == 1);
	/* A folder that does not exist: an error, and nothing written. */
	snprintf(path, sizeof path, "%s/missing/x.txt", dir);
	CHECK(output_write(path, &out, &why) == -1 && why.len > 0);
	snprintf(path, sizeof path, "%s/exclusions.txt", dir);
	unlink(path);
	rmdir(dir);
	buf_free(&out);
	buf_free(&why);
}

static void
clean_text(void)
{
	CHECK(text_is_clean("t.py::C::test_é"));
	CHECK(!text_is_clean("a\nb"));
	CHECK(!text_is_clean("a\x7f"));
	CHECK(!text_is_clean("\xc3"));
	CHECK(!text_is_clean("\xed\xa0\x80"));     /* a UTF-16 surrogate */
	CHECK(!text_is_clean("\xc0\xaf"));         /* overlong */
	CHECK(text_is_clean(""));
}

int
main(void)
{
	log_level = -1;   /* the warnings about left-out ids are expected */
	RUN(sorted_and_merged);
	RUN(args_form_leaves_out_unsafe);
	RUN(empty_is_one_empty_line);
	RUN(lines_form);
	RUN(shell_form_quotes);
	RUN(json_form_is_valid_json);
	RUN(keyword_form);
	RUN(atomic_write);
	RUN(clean_text);
	return 0;
}
