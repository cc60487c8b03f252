/* Running children: argv arrays, pipes, deadlines, kills, reaping. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "unit.h"

static int
no_children_left(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void
captures_stdout_and_stderr(void)
{
	char *argv[] = { "sh", "-c", "printf out; printf err >&2; exit 3", NULL };
	struct child c = { .argv = argv };

	CHECK(child_run(&c, now_seconds() + 10) == -1);
	CHECK(c.exit_code == 3 && !c.timed_out && !c.exec_errno);
	CHECK_STR(buf_str(&c.out), "out");
	CHECK_STR(buf_str(&c.err), "err");
	CHECK(no_children_left());
	child_free(&c);
}

static void
argv_is_not_a_shell_line(void)
{
	/* Each word reaches the program as it is: nothing is expanded. */
	char *argv[] = { "printf", "%s|", "$(echo no)", "a b", "*", ";", NULL };
	struct child c = { .argv = argv };

	CHECK(child_run(&c, now_seconds() + 10) == 0);
	CHECK_STR(buf_str(&c.out), "$(echo no)|a b|*|;|");
	child_free(&c);
}

static void
missing_program(void)
{
	char *argv[] = { "exclusions-no-such-program", NULL };
	struct child c = { .argv = argv };
	struct buf d = { 0 };

	CHECK(child_run(&c, now_seconds() + 10) == -1);
	CHECK(c.exec_errno == ENOENT);
	child_describe(&c, &d);
	CHECK(strstr(buf_str(&d), "not installed") != NULL);
	CHECK(no_children_left());
	buf_free(&d);
	child_free(&c);
}

static void
killed_at_deadline(void)
{
	/* The shell ignores TERM: the KILL that follows must still end it. */
	char *argv[] = { "sh", "-c", "trap '' TERM; printf partial; sleep 30", NULL };
	struct child c = { .argv = argv };
	double t0 = now_seconds();

	CHECK(child_run(&c, t0 + 0.3) == -1);
	CHECK(c.timed_out);
	CHECK(now_seconds() - t0 < 2.0);
	CHECK(c.signal == SIGKILL);
	CHECK(no_children_left());
	child_free(&c);
}

static void
output_limit_stops_child(void)
{
	char *argv[] = { "yes", NULL };
	struct child c = { .argv = argv, .out_limit = 100000 };

	CHECK(child_run(&c, now_seconds() + 10) == -1);
	CHECK(c.stopped && !c.timed_out);
	CHECK(c.out.len <= 100000);
	CHECK(no_children_left());
	child_free(&c);
}

static void
input_is_fed(void)
{
	char *argv[] = { "cat", NULL };
	static char big[300000];
	struct child c = { .argv = argv, .input = big, .input_len = sizeof big };

	/* More than a pipe holds: stdin and stdout must be served together. */
	memset(big, 'x', sizeof big);
	CHECK(child_run(&c, now_seconds() + 10) == 0);
	CHECK(c.out.len == sizeof big);
	child_free(&c);
}

static void
many_at_once(void)
{
	char *argv[] = { "sh", "-c", "sleep 0.3; echo done", NULL };
	struct child cs[6];
	struct child *ps[6];
	double t0 = now_seconds();

	memset(cs, 0, sizeof cs);
	for (int i = 0; i < 6; i++) {
		cs[i].argv = argv;
		ps[i] = &cs[i];
		CHECK(child_start(&cs[i]) == 0);
	}
	children_wait(ps, 6, t0 + 10);
	/* Six 0.3 s children one after another would take 1.8 s. */
	CHECK(now_seconds() - t0 < 1.5);
	for (int i = 0; i < 6; i++) {
		CHECK(cs[i].exit_code == 0);
		CHECK_STR(buf_str(&cs[i].out), "done\n");
		child_free(&cs[i]);
	}
	CHECK(no_children_left());
}

static int
count_bytes(void *arg, const char *p, size_t n)
{
	(void)p;
	*(size_t *)arg += n;
	return *(size_t *)arg > 50000;
}

static void
streaming_callback(void)
{
	char *argv[] = { "yes", NULL };
	size_t seen = 0;
	struct child c = { .argv = argv, .on_out = count_bytes, .on_out_arg = &seen };

	CHECK(child_run(&c, now_seconds() + 10) == -1);
	CHECK(c.stopped && seen > 50000 && c.out.len == 0);
	child_free(&c);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(captures_stdout_and_stderr);
	RUN(argv_is_not_a_shell_line);
	RUN(missing_program);
	RUN(killed_at_deadline);
	RUN(output_limit_stops_child);
	RUN(input_is_fed);
	RUN(many_at_once);
	RUN(streaming_callback);
	return 0;
}
