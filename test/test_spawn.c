/* Running children: argv arrays, pipes, deadlines, kills, reaping, pools. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

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
runs_in_its_folder(void)
{
	/* The child runs in dir; we stay where we were. */
	char *argv[] = { "pwd", NULL };
	char *nowhere[] = { "true", NULL };
	struct child c = { .argv = argv, .dir = "/" };
	struct child d = { .argv = nowhere, .dir = "/exclusions-no-such-folder" };
	char here[4096], after[4096];

	CHECK(getcwd(here, sizeof here) != NULL);
	CHECK(child_run(&c, now_seconds() + 10) == 0);
	CHECK_STR(buf_str(&c.out), "/\n");
	CHECK(getcwd(after, sizeof after) != NULL && strcmp(here, after) == 0);
	/* A folder it cannot enter: it does not run. */
	CHECK(child_run(&d, now_seconds() + 10) == -1);
	CHECK(d.exec_errno == ENOENT);
	CHECK(no_children_left());
	child_free(&c);
	child_free(&d);
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

/* Orphans (a killed child's own children) come to this process while on,
 * where Linux allows it, so that gone_within() can reap them: PID 1 of a
 * container does not always reap, and kill(pid, 0) succeeds on a zombie. */
static void
adopt_orphans(int on)
{
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
	prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0);
#else
	(void)on;
#endif
}

/* Has pid (not a child of ours, or an adopted orphan) gone within secs? */
static int
gone_within(pid_t pid, double secs)
{
	double until = now_seconds() + secs;

	for (;;) {
		waitpid(pid, NULL, WNOHANG);
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return 1;
		if (now_seconds() >= until)
			return 0;
		poll(NULL, 0, 10);
	}
}

/* Leave nothing behind when a check has failed. */
static void
make_sure_gone(pid_t pid)
{
	if (pid > 0 && kill(pid, 0) == 0) {
		kill(pid, SIGKILL);
		gone_within(pid, 2.0);
	}
}

struct limited {
	struct child cs[8];
	size_t i, running, most, finished, failed;
};

static struct child *
limited_next(void *arg)
{
	struct limited *l = arg;

	if (l->i == 8)
		return NULL;
	if (++l->running > l->most)
		l->most = l->running;
	return &l->cs[l->i++];
}

static void
limited_finished(void *arg, struct child *c)
{
	struct limited *l = arg;

	l->running--;
	l->finished++;
	if (c->exit_code != 0 || c->timed_out)
		l->failed++;
}

static void
pool_respects_its_limit(void)
{
	char *argv[] = { "sh", "-c", "sleep 0.2", NULL };
	struct limited l;
	struct pool p = { .limit = 3, .next = limited_next,
	    .finished = limited_finished, .arg = &l };
	double t0 = now_seconds(), took;

	memset(&l, 0, sizeof l);
	for (int i = 0; i < 8; i++)
		l.cs[i].argv = argv;
	p.deadline = t0 + 10;
	pool_run(&p);
	took = now_seconds() - t0;
	CHECK(l.most == 3);
	CHECK(l.finished == 8 && l.failed == 0 && l.running == 0);
	CHECK(p.started == 8 && p.failed_to_start == 0 && p.killed_at_deadline == 0);
	/* Three rounds of 0.2 s: not all at once, not one by one. */
	CHECK(took >= 0.55 && took < 1.4);
	for (int i = 0; i < 8; i++) {
		CHECK(l.cs[i].reaped && l.cs[i].exit_code == 0);
		child_free(&l.cs[i]);
	}
	CHECK(no_children_left());
}

struct ordered {
	struct child cs[5];
	size_t i;
	int times[5];
	int late;
	char order[8];
	size_t n;
};

static struct child *
ordered_next(void *arg)
{
	struct ordered *o = arg;

	return o->i < 5 ? &o->cs[o->i++] : NULL;
}

static void
ordered_finished(void *arg, struct child *c)
{
	struct ordered *o = arg;
	size_t k = (size_t)(c - o->cs);

	o->times[k]++;
	/* Told as it ends, not when some other child ends too. */
	if (now_seconds() - (c->started + c->seconds) > 0.1)
		o->late++;
	if (o->n < sizeof o->order - 1)
		o->order[o->n++] = (char)('0' + k);
}

static void
pool_reports_in_order_of_ending(void)
{
	char *a0[] = { "sh", "-c", "sleep 0.6", NULL };
	char *a1[] = { "sh", "-c", "sleep 0.15", NULL };
	char *a2[] = { "sh", "-c", "sleep 0.45", NULL };
	char *a3[] = { "sh", "-c", "sleep 0.3", NULL };
	char *a4[] = { "exclusions-no-such-program", NULL };
	struct ordered o;
	struct pool p = { .limit = 5, .next = ordered_next,
	    .finished = ordered_finished, .arg = &o };

	memset(&o, 0, sizeof o);
	o.cs[0].argv = a0;
	o.cs[1].argv = a1;
	o.cs[2].argv = a2;
	o.cs[3].argv = a3;
	o.cs[4].argv = a4;
	p.deadline = now_seconds() + 10;
	pool_run(&p);
	/* The one that cannot start is reported at once. */
	CHECK_STR(o.order, "41320");
	CHECK(o.late == 0);
	for (int i = 0; i < 5; i++) {
		CHECK(o.times[i] == 1);
		child_free(&o.cs[i]);
	}
	CHECK(o.cs[4].exec_errno == ENOENT);
	CHECK(p.started == 4 && p.failed_to_start == 1);
	CHECK(no_children_left());
}

struct chain {
	struct childq q;
	struct child cs[3];
	char order[8];
	size_t n;
};

static void
chain_done(void *arg, struct child *c)
{
	struct chain *ch = arg;
	size_t k = (size_t)(c - ch->cs);

	if (ch->n < sizeof ch->order - 1)
		ch->order[ch->n++] = (char)('a' + k);
	if (k + 1 < 3 && c->exit_code == 0)
		childq_add(&ch->q, &ch->cs[k + 1]);
}

static void
finished_queues_more(void)
{
	char *a[] = { "sh", "-c", "echo a", NULL };
	char *b[] = { "sh", "-c", "echo b", NULL };
	char *c[] = { "sh", "-c", "echo c", NULL };
	char **argvs[] = { a, b, c };
	struct chain ch;

	memset(&ch, 0, sizeof ch);
	for (int i = 0; i < 3; i++) {
		ch.cs[i].argv = argvs[i];
		ch.cs[i].on_done = chain_done;
		ch.cs[i].on_done_arg = &ch;
	}
	childq_add(&ch.q, &ch.cs[0]);
	CHECK(ch.q.queued == 1);
	childq_run(&ch.q, 4, now_seconds() + 10);
	CHECK_STR(ch.order, "abc");
	CHECK_STR(buf_str(&ch.cs[0].out), "a\n");
	CHECK_STR(buf_str(&ch.cs[1].out), "b\n");
	CHECK_STR(buf_str(&ch.cs[2].out), "c\n");
	/* Each started only once the one before it had ended. */
	CHECK(ch.cs[1].started >= ch.cs[0].started + ch.cs[0].seconds);
	CHECK(ch.cs[2].started >= ch.cs[1].started + ch.cs[1].seconds);
	CHECK(ch.q.queued == 0 && ch.q.head == NULL && ch.q.tail == NULL);
	for (int i = 0; i < 3; i++) {
		CHECK(!ch.cs[i].never_started);
		child_free(&ch.cs[i]);
	}
	CHECK(no_children_left());
}

struct outputs {
	struct child cs[3];
	size_t i;
	size_t bytes[3], lines[3];
	size_t finished;
};

static struct child *
outputs_next(void *arg)
{
	struct outputs *o = arg;

	return o->i < 3 ? &o->cs[o->i++] : NULL;
}

static int
outputs_chunk(void *arg, struct child *c, const char *p, size_t n)
{
	struct outputs *o = arg;
	size_t k = (size_t)(c - o->cs);

	o->bytes[k] += n;
	for (size_t i = 0; i < n; i++)
		o->lines[k] += p[i] == '\n';
	/* cs[1] is `yes`: enough of it. */
	return k == 1 && o->bytes[k] > 50000;
}

static void
outputs_finished(void *arg, struct child *c)
{
	(void)c;
	((struct outputs *)arg)->finished++;
}

static void
output_callback_sees_all_and_stops(void)
{
	char *lots[] = { "awk", "BEGIN { for (i = 0; i < 30000; i++) print \"123456789\" }", NULL };
	char *yes[] = { "yes", NULL };
	char *hello[] = { "sh", "-c", "echo hello", NULL };
	struct outputs o;
	struct pool p = { .limit = 3, .next = outputs_next, .output = outputs_chunk,
	    .finished = outputs_finished, .arg = &o };
	size_t own = 0;
	struct child mine = { .argv = hello, .on_out = count_bytes, .on_out_arg = &own };
	struct child plain = { .argv = hello };
	struct childq cq = { 0 };

	memset(&o, 0, sizeof o);
	o.cs[0].argv = lots;
	o.cs[1].argv = yes;
	/* Its own on_out: the pool's callback takes its place. */
	o.cs[2].argv = hello;
	o.cs[2].on_out = count_bytes;
	o.cs[2].on_out_arg = &own;
	p.deadline = now_seconds() + 10;
	pool_run(&p);
	CHECK(o.finished == 3);
	CHECK(o.bytes[0] == 300000 && o.lines[0] == 30000);
	CHECK(o.cs[0].exit_code == 0 && !o.cs[0].stopped && o.cs[0].out.len == 0);
	CHECK(o.cs[1].stopped && !o.cs[1].timed_out && o.bytes[1] > 50000);
	CHECK(o.bytes[2] == 6 && own == 0 && o.cs[2].out.len == 0);
	CHECK(o.cs[2].on_out == count_bytes && o.cs[2].on_out_arg == &own);
	for (int i = 0; i < 3; i++) {
		CHECK(o.cs[i].pool_out == NULL);
		child_free(&o.cs[i]);
	}
	CHECK(no_children_left());

	/* Without the pool's callback, a child's own on_out and out serve. */
	childq_add(&cq, &mine);
	childq_add(&cq, &plain);
	childq_run(&cq, 2, now_seconds() + 10);
	CHECK(own == 6 && mine.out.len == 0 && mine.exit_code == 0);
	CHECK_STR(buf_str(&plain.out), "hello\n");
	child_free(&mine);
	child_free(&plain);
	CHECK(no_children_left());
}

struct stubborn {
	struct child cs[7];
	size_t i, finished, timed_out, asked_late;
	double deadline;
};

static struct child *
stubborn_next(void *arg)
{
	struct stubborn *s = arg;

	if (now_seconds() >= s->deadline)
		s->asked_late++;
	return s->i < 7 ? &s->cs[s->i++] : NULL;
}

static void
stubborn_finished(void *arg, struct child *c)
{
	struct stubborn *s = arg;

	s->finished++;
	s->timed_out += c->timed_out && c->signal == SIGKILL;
}

static void
deadline_kills_all_in_one_grace(void)
{
	/* Each ignores TERM: only the KILL after the grace period ends it. */
	char *argv[] = { "sh", "-c", "trap '' TERM; sleep 30", NULL };
	struct stubborn s;
	struct pool p = { .limit = 6, .next = stubborn_next,
	    .finished = stubborn_finished, .arg = &s };
	double t0 = now_seconds(), took;

	memset(&s, 0, sizeof s);
	for (int i = 0; i < 7; i++)
		s.cs[i].argv = argv;
	s.deadline = p.deadline = t0 + 0.3;
	pool_run(&p);
	took = now_seconds() - t0;
	/* One grace period for the six, not six in a row (2.1 s). */
	CHECK(took >= 0.3 && took < 0.3 + TERM_GRACE + 0.5);
	CHECK(s.finished == 6 && s.timed_out == 6);
	CHECK(p.started == 6 && p.killed_at_deadline == 6);
	/* The seventh was never asked for: the deadline came first. */
	CHECK(s.i == 6 && s.asked_late == 0);
	for (int i = 0; i < 7; i++)
		child_free(&s.cs[i]);
	CHECK(no_children_left());
}

static void
children_wait_one_grace(void)
{
	char *argv[] = { "sh", "-c", "trap '' TERM; sleep 30", NULL };
	struct child cs[4];
	struct child *ps[4];
	double t0 = now_seconds(), took;

	memset(cs, 0, sizeof cs);
	for (int i = 0; i < 4; i++) {
		cs[i].argv = argv;
		ps[i] = &cs[i];
		CHECK(child_start(&cs[i]) == 0);
	}
	children_wait(ps, 4, t0 + 0.3);
	took = now_seconds() - t0;
	/* Killed one by one it would take 0.3 + 4 x TERM_GRACE. */
	CHECK(took < 0.3 + TERM_GRACE + 0.5);
	for (int i = 0; i < 4; i++) {
		CHECK(cs[i].timed_out && cs[i].signal == SIGKILL);
		child_free(&cs[i]);
	}
	CHECK(no_children_left());
}

struct forks {
	struct child cs[2];
	size_t i;
	struct buf said[2];
};

static struct child *
forks_next(void *arg)
{
	struct forks *f = arg;

	return f->i < 2 ? &f->cs[f->i++] : NULL;
}

static int
forks_chunk(void *arg, struct child *c, const char *p, size_t n)
{
	struct forks *f = arg;
	size_t k = (size_t)(c - f->cs);

	buf_add(&f->said[k], p, n);
	/* cs[1] is stopped as soon as it has told its child's pid. */
	return k == 1 && memchr(f->said[k].p, '\n', f->said[k].len) != NULL;
}

static void
grandchild_dies_with_its_group(void)
{
	/* The shell forks a sleep (its pid said first) and waits for it. */
	char *argv[] = { "sh", "-c", "sleep 30 & echo $!; wait", NULL };
	struct forks f;
	struct pool p = { .limit = 2, .next = forks_next, .output = forks_chunk, .arg = &f };
	pid_t g[2];

	memset(&f, 0, sizeof f);
	f.cs[0].argv = f.cs[1].argv = argv;
	adopt_orphans(1);
	p.deadline = now_seconds() + 0.5;
	pool_run(&p);
	CHECK(f.cs[0].timed_out);
	CHECK(f.cs[1].stopped && !f.cs[1].timed_out);
	for (int i = 0; i < 2; i++) {
		g[i] = (pid_t)atol(buf_str(&f.said[i]));
		CHECK(g[i] > 0);
		/* Killed with the shell: at the deadline (0), when stopped (1). */
		CHECK(g[i] > 0 && gone_within(g[i], 2.0));
		CHECK(g[i] > 0 && kill(g[i], 0) == -1 && errno == ESRCH);
		make_sure_gone(g[i]);
		buf_free(&f.said[i]);
		child_free(&f.cs[i]);
	}
	adopt_orphans(0);
	CHECK(no_children_left());
}

static void
on_done_count(void *arg, struct child *c)
{
	(void)c;
	(*(int *)arg)++;
}

struct late {
	struct childq *q;
	struct child *more;
	int done;
};

static void
late_done(void *arg, struct child *c)
{
	struct late *l = arg;

	(void)c;
	l->done++;
	/* Queued after the deadline: never started either. */
	childq_add(l->q, l->more);
}

static void
queued_at_deadline_never_started(void)
{
	char *slow[] = { "sh", "-c", "sleep 30", NULL };
	char *quick[] = { "sh", "-c", "echo ran", NULL };
	struct childq q = { 0 };
	struct child cs[4];
	int done[4] = { 0 };
	struct late l = { .q = &q, .more = &cs[3] };
	struct buf d = { 0 };
	double t0 = now_seconds(), took;

	memset(cs, 0, sizeof cs);
	cs[0].argv = slow;
	cs[0].on_done = late_done;
	cs[0].on_done_arg = &l;
	for (int i = 1; i < 4; i++) {
		cs[i].argv = quick;
		cs[i].on_done = on_done_count;
		cs[i].on_done_arg = &done[i];
	}
	childq_add(&q, &cs[0]);
	childq_add(&q, &cs[1]);
	childq_add(&q, &cs[2]);
	childq_run(&q, 1, t0 + 0.3);
	took = now_seconds() - t0;
	CHECK(took < 0.3 + TERM_GRACE + 0.5);
	CHECK(l.done == 1 && cs[0].timed_out && !cs[0].never_started);
	for (int i = 1; i < 4; i++) {
		CHECK(done[i] == 1);
		CHECK(cs[i].never_started && !cs[i].timed_out && !cs[i].exec_errno);
		CHECK(cs[i].exit_code == -1 && cs[i].out.len == 0 && cs[i].reaped);
	}
	CHECK(q.queued == 0 && q.head == NULL && q.tail == NULL);
	child_describe(&cs[1], &d);
	CHECK(strstr(buf_str(&d), "not started") != NULL);
	buf_free(&d);
	for (int i = 0; i < 4; i++)
		child_free(&cs[i]);
	CHECK(no_children_left());
}

static void
signal_reaches_children(void)
{
	/* A process running a child dies of TERM: the child, in a group of
	 * its own where a terminal's ^C would not reach it, goes too. */
	int p[2];
	pid_t h, cpid = 0;
	int st = 0;
	ssize_t r;

	adopt_orphans(1);
	CHECK(pipe(p) == 0);
	h = fork();
	if (h == 0) {
		char *argv[] = { "sleep", "30", NULL };
		struct child c = { .argv = argv };
		struct child *cp = &c;

		close(p[0]);
		if (child_start(&c) == 0) {
			(void)!write(p[1], &c.pid, sizeof c.pid);
			children_wait(&cp, 1, now_seconds() + 20);
		}
		_exit(0);
	}
	close(p[1]);
	do
		r = read(p[0], &cpid, sizeof cpid);
	while (r < 0 && errno == EINTR);
	close(p[0]);
	CHECK(h > 0 && r == (ssize_t)sizeof cpid && cpid > 0);
	if (h > 0) {
		kill(h, SIGTERM);
		while (waitpid(h, &st, 0) < 0 && errno == EINTR)
			;
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	}
	if (r == (ssize_t)sizeof cpid && cpid > 0) {
		CHECK(gone_within(cpid, 2.0));
		make_sure_gone(cpid);
	}
	adopt_orphans(0);
	CHECK(no_children_left());
}

/* A child is finished when it exits, even while a grandchild holds its
 * stdout open: no waiting for the deadline, its output kept, the
 * grandchild (in its group) killed. */
static void
exited_child_is_finished(void)
{
	char *argv[] = { "sh", "-c", "sleep 30 & echo $! >&2; echo hi", NULL };
	struct child c = { .argv = argv };
	double t0 = now_seconds(), took;
	pid_t g;

	adopt_orphans(1);
	CHECK(child_run(&c, t0 + 10) == 0);
	took = now_seconds() - t0;
	CHECK(took < 0.8);
	CHECK(c.exit_code == 0 && !c.timed_out && !c.stopped);
	CHECK_STR(buf_str(&c.out), "hi\n");
	g = (pid_t)atol(buf_str(&c.err));
	CHECK(g > 0 && gone_within(g, 2.0));
	make_sure_gone(g);
	adopt_orphans(0);
	child_free(&c);
	CHECK(no_children_left());
}

struct held {
	struct child cs[3];
	size_t i, finished;
	double last_end;
};

static struct child *
held_next(void *arg)
{
	struct held *h = arg;

	return h->i < 3 ? &h->cs[h->i++] : NULL;
}

static void
held_finished(void *arg, struct child *c)
{
	struct held *h = arg;

	(void)c;
	h->finished++;
	h->last_end = now_seconds();
}

static void
exited_child_is_finished_in_a_pool(void)
{
	char *holds[] = { "sh", "-c", "sleep 30 & echo $! >&2; echo hi", NULL };
	char *plain[] = { "sh", "-c", "echo plain", NULL };
	struct held h;
	struct pool p = { .limit = 2, .next = held_next, .finished = held_finished, .arg = &h };
	double t0 = now_seconds();

	memset(&h, 0, sizeof h);
	h.cs[0].argv = holds;
	h.cs[1].argv = holds;
	h.cs[2].argv = plain;
	adopt_orphans(1);
	p.deadline = t0 + 10;
	pool_run(&p);
	CHECK(h.finished == 3 && p.killed_at_deadline == 0);
	CHECK(h.last_end - t0 < 0.8);
	for (int i = 0; i < 3; i++) {
		pid_t g;

		CHECK(h.cs[i].exit_code == 0 && !h.cs[i].timed_out);
		CHECK_STR(buf_str(&h.cs[i].out), i < 2 ? "hi\n" : "plain\n");
		if (i < 2) {
			g = (pid_t)atol(buf_str(&h.cs[i].err));
			CHECK(g > 0 && gone_within(g, 2.0));
			make_sure_gone(g);
		}
		child_free(&h.cs[i]);
	}
	adopt_orphans(0);
	CHECK(no_children_left());
}

/* curl's own error line names the cause; for exit 60 its last lines are
 * advice. */
static void
describe_prefers_own_error_line(void)
{
	char *curl60[] = { "sh", "-c",
	    "printf 'curl: (60) SSL certificate problem: self-signed certificate\\n"
	    "More details here: https://curl.se/docs/sslcerts.html\\n\\n"
	    "curl failed to verify the legitimacy of the server and therefore could not\\n"
	    "establish a secure connection to it. To learn more about this situation and\\n"
	    "how to fix it, please visit the web page mentioned above.\\n' >&2; exit 60", NULL };
	char *plain[] = { "sh", "-c", "printf 'first\\nlast words\\n' >&2; exit 1", NULL };
	struct child c = { .argv = curl60 };
	struct child d = { .argv = plain };
	struct buf b = { 0 };

	CHECK(child_run(&c, now_seconds() + 10) == -1);
	CHECK(c.exit_code == 60);
	child_describe(&c, &b);
	CHECK_STR(buf_str(&b), "sh exit status 60: curl: (60) SSL certificate problem: self-signed certificate");
	/* Without such a line: the last one. */
	CHECK(child_run(&d, now_seconds() + 10) == -1);
	child_describe(&d, &b);
	CHECK_STR(buf_str(&b), "sh exit status 1: last words");
	buf_free(&b);
	child_free(&c);
	child_free(&d);
	CHECK(no_children_left());
}

static int cleanup_fd = -1;

static void
note_cleanup(void)
{
	(void)!write(cleanup_fd, "c", 1);
}

static void
signal_kills_stubborn_groups(void)
{
	/* The child and its own child ignore TERM: passing TERM on is not
	 * enough, the group is killed after the grace period; the cleanup
	 * runs, and the process dies of TERM. */
	int p[2], q[2];
	pid_t h, g = 0;
	int st = 0;
	char said[64] = { 0 }, ran = 0;
	ssize_t r;
	size_t got = 0;

	adopt_orphans(1);
	CHECK(pipe(p) == 0 && pipe(q) == 0);
	/* Only h holds the write ends: its children must not. */
	for (int i = 0; i < 2; i++) {
		fcntl(p[i], F_SETFD, FD_CLOEXEC);
		fcntl(q[i], F_SETFD, FD_CLOEXEC);
	}
	h = fork();
	if (h == 0) {
		char *argv[] = { "sh", "-c", "trap '' TERM; sleep 30 & echo $!; wait", NULL };
		struct child c = { .argv = argv };
		struct child *cp = &c;

		close(p[0]);
		close(q[0]);
		cleanup_fd = q[1];
		spawn_catch_signals(note_cleanup);
		if (child_start(&c) == 0) {
			/* Its output (the sleep's pid) goes to the test. */
			char chunk[64];
			ssize_t k;

			do
				k = read(c.fd_out, chunk, sizeof chunk);
			while (k < 0 && (errno == EINTR || errno == EAGAIN));
			if (k > 0)
				(void)!write(p[1], chunk, (size_t)k);
			close(p[1]);
			children_wait(&cp, 1, now_seconds() + 20);
		}
		_exit(0);
	}
	close(p[1]);
	close(q[1]);
	while (got < sizeof said - 1 && !memchr(said, '\n', got)) {
		r = read(p[0], said + got, sizeof said - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(p[0]);
	g = (pid_t)atol(said);
	CHECK(h > 0 && g > 0);
	if (h > 0) {
		double t0 = now_seconds();

		kill(h, SIGTERM);
		while (waitpid(h, &st, 0) < 0 && errno == EINTR)
			;
		CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
		CHECK(now_seconds() - t0 < TERM_GRACE + 1.0);
	}
	CHECK(read(q[0], &ran, 1) == 1 && ran == 'c');
	close(q[0]);
	if (g > 0) {
		CHECK(gone_within(g, 2.0));
		make_sure_gone(g);
	}
	/* The shell, once adopted, is reaped here too. */
	for (double until = now_seconds() + 2; !no_children_left() && now_seconds() < until;)
		poll(NULL, 0, 10);
	adopt_orphans(0);
	CHECK(no_children_left());
}

static void
program_on_path_looks(void)
{
	char dir[] = "/tmp/exclusions-spawn-XXXXXX";
	const char *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;
	struct buf b = { 0 };
	int here = open(".", O_RDONLY);
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	buf_printf(&b, "%s/tool", dir);
	fd = open(buf_str(&b), O_WRONLY | O_CREAT, 0755);
	CHECK(fd >= 0 && write(fd, "#!/bin/sh\n", 10) == 10);
	close(fd);
	CHECK(program_on_path(buf_str(&b)));
	b.len = 0;
	buf_printf(&b, "%s/plain", dir);
	fd = open(buf_str(&b), O_WRONLY | O_CREAT, 0644);
	close(fd);
	CHECK(!program_on_path(buf_str(&b)));
	b.len = 0;
	buf_printf(&b, "%s/sub", dir);
	CHECK(mkdir(buf_str(&b), 0755) == 0);
	CHECK(!program_on_path(buf_str(&b)));

	b.len = 0;
	buf_printf(&b, "/nonexistent:%s", dir);
	setenv("PATH", buf_str(&b), 1);
	CHECK(program_on_path("tool"));
	CHECK(!program_on_path("plain"));       /* not executable */
	CHECK(!program_on_path("sub"));         /* a folder */
	CHECK(!program_on_path("sh"));          /* not in these folders */
	CHECK(!program_on_path(""));
	/* An empty element is the current folder. */
	setenv("PATH", "/nonexistent:", 1);
	CHECK(!program_on_path("tool"));
	CHECK(chdir(dir) == 0);
	CHECK(program_on_path("tool"));
	CHECK(program_on_path("./tool"));
	CHECK(!program_on_path("./plain"));
	CHECK(here >= 0 && fchdir(here) == 0);
	CHECK(!program_on_path("tool"));

	if (saved)
		setenv("PATH", saved, 1);
	CHECK(program_on_path("sh"));
	CHECK(program_on_path("/bin/sh"));
	CHECK(!program_on_path("exclusions-no-such-program"));
	/* No PATH: the system's default, as execvp has it. */
	unsetenv("PATH");
	CHECK(program_on_path("sh"));
	if (saved)
		setenv("PATH", saved, 1);

	b.len = 0;
	buf_printf(&b, "%s/tool", dir);
	unlink(buf_str(&b));
	b.len = 0;
	buf_printf(&b, "%s/plain", dir);
	unlink(buf_str(&b));
	b.len = 0;
	buf_printf(&b, "%s/sub", dir);
	rmdir(buf_str(&b));
	rmdir(dir);
	if (here >= 0)
		close(here);
	buf_free(&b);
	free(saved);
}

struct collected {
	struct buf b;
	int calls;
};

static int
collect_stream(void *arg, const char *p, size_t n)
{
	struct collected *k = arg;

	buf_add(&k->b, p, n);
	k->calls++;
	return 0;
}

static void
streams_reach_their_callbacks(void)
{
	/* Stream i is the child's descriptor 3 + i; nothing else is open
	 * above the streams (fd 6 here), and stdout is still stdout. */
	char *argv[] = { "sh", "-c",
		"printf one >&3; printf two2 >&4; printf three33 >/dev/fd/5; "
		"if (: >&6) 2>/dev/null; then echo leak; fi; echo out", NULL };
	struct collected k[3] = { { { 0 }, 0 }, { { 0 }, 0 }, { { 0 }, 0 } };
	struct child_stream s[3];
	struct child c = { .argv = argv, .streams = s, .nstreams = 3 };

	for (int i = 0; i < 3; i++)
		s[i] = (struct child_stream){ .on_out = collect_stream, .arg = &k[i] };
	CHECK(child_run(&c, now_seconds() + 10) == 0);
	CHECK_STR(buf_str(&k[0].b), "one");
	CHECK_STR(buf_str(&k[1].b), "two2");
	CHECK_STR(buf_str(&k[2].b), "three33");
	CHECK_STR(buf_str(&c.out), "out\n");
	CHECK(s[0].fd == -1 && s[1].fd == -1 && s[2].fd == -1);
	CHECK(no_children_left());
	for (int i = 0; i < 3; i++)
		buf_free(&k[i].b);
	child_free(&c);
}

static void
streams_in_a_pool_and_at_the_deadline(void)
{
	/* One child writes its stream and ends; one writes, then hangs: at
	 * the deadline what it wrote has arrived and its stream is closed. */
	char *a1[] = { "sh", "-c", "printf done >&3", NULL };
	char *a2[] = { "sh", "-c", "printf part >&3; exec sleep 30", NULL };
	struct collected k1 = { { 0 }, 0 }, k2 = { { 0 }, 0 };
	struct child_stream s1 = { .on_out = collect_stream, .arg = &k1 };
	struct child_stream s2 = { .on_out = collect_stream, .arg = &k2 };
	struct child c1 = { .argv = a1, .streams = &s1, .nstreams = 1 };
	struct child c2 = { .argv = a2, .streams = &s2, .nstreams = 1 };
	struct childq q = { 0 };
	double t0 = now_seconds();

	childq_add(&q, &c1);
	childq_add(&q, &c2);
	childq_run(&q, 4, t0 + 0.5);
	CHECK(now_seconds() - t0 < 0.5 + TERM_GRACE + 0.5);
	CHECK_STR(buf_str(&k1.b), "done");
	CHECK_STR(buf_str(&k2.b), "part");
	CHECK(c1.exit_code == 0 && !c1.timed_out);
	CHECK(c2.timed_out && s2.fd == -1);
	CHECK(no_children_left());
	buf_free(&k1.b);
	buf_free(&k2.b);
	child_free(&c1);
	child_free(&c2);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	/* signal_reaches_children needs TERM at its default action (spawn
	 * passes on only signals that are) even when started with it ignored. */
	signal(SIGTERM, SIG_DFL);
	RUN(streams_reach_their_callbacks);
	RUN(streams_in_a_pool_and_at_the_deadline);
	RUN(captures_stdout_and_stderr);
	RUN(argv_is_not_a_shell_line);
	RUN(runs_in_its_folder);
	RUN(missing_program);
	RUN(killed_at_deadline);
	RUN(output_limit_stops_child);
	RUN(input_is_fed);
	RUN(many_at_once);
	RUN(streaming_callback);
	RUN(pool_respects_its_limit);
	RUN(pool_reports_in_order_of_ending);
	RUN(finished_queues_more);
	RUN(output_callback_sees_all_and_stops);
	RUN(deadline_kills_all_in_one_grace);
	RUN(children_wait_one_grace);
	RUN(grandchild_dies_with_its_group);
	RUN(queued_at_deadline_never_started);
	RUN(signal_reaches_children);
	RUN(signal_kills_stubborn_groups);
	RUN(exited_child_is_finished);
	RUN(exited_child_is_finished_in_a_pool);
	RUN(describe_prefers_own_error_line);
	RUN(program_on_path_looks);
	return 0;
}
