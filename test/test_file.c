/* Files in and out: the limited read, blobs and their SIGBUS guard, and
 * the atomic write. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <dirent.h>

#include "file.h"
#include "spawn.h"
#include "unit.h"

/* A scratch directory per test; cleaned (one level deep) by done(). */
static char dir[64];

static void
scratch(void)
{
	snprintf(dir, sizeof dir, "%s", "/tmp/exclusions-file.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
}

static const char *
at(const char *name)
{
	static char path[4][512];
	static int slot;

	slot = (slot + 1) % 4;
	snprintf(path[slot], sizeof path[slot], "%s/%s", dir, name);
	return path[slot];
}

static void
done(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			if (unlink(at(de->d_name)) < 0)
				rmdir(at(de->d_name));
	if (d)
		closedir(d);
	rmdir(dir);
}

static int
count_files(const char *path)
{
	DIR *d = opendir(path);
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
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(s, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* The contents of path (at most 255 bytes), or "(unreadable)". */
static const char *
slurp(const char *path)
{
	static char got[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, got, sizeof got - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return "(unreadable)";
	got[n] = '\0';
	return got;
}

static void
atomic_write(void)
{
	struct buf why = { 0 };

	scratch();
	CHECK(file_write_atomic(at("exclusions.txt"), "old\n", 4, &why) == 0);
	CHECK(file_write_atomic(at("exclusions.txt"), "new\n", 4, &why) == 0);
	CHECK(why.len == 0);
	CHECK_STR(slurp(at("exclusions.txt")), "new\n");
	/* No temporary file is left behind. */
	CHECK(count_files(dir) == 1);
	/* Nothing to write: an empty file. */
	CHECK(file_write_atomic(at("empty.txt"), NULL, 0, &why) == 0);
	CHECK_STR(slurp(at("empty.txt")), "");
	done();
	buf_free(&why);
}

static void
failed_write_leaves_no_trace(void)
{
	struct buf why = { 0 };
	struct stat st;

	scratch();
	/* A folder that does not exist: an error, and nothing written. */
	CHECK(file_write_atomic(at("missing/x.txt"), "new\n", 4, &why) == -1 && why.len > 0);
	CHECK(count_files(dir) == 0);
	/* A directory in the way: an error, the directory as it was. */
	why.len = 0;
	CHECK(mkdir(at("sub"), 0755) == 0);
	put(at("sub/keep"), "kept\n");
	CHECK(file_write_atomic(at("sub"), "new\n", 4, &why) == -1 && why.len > 0);
	CHECK(stat(at("sub"), &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_STR(slurp(at("sub/keep")), "kept\n");
	CHECK(count_files(dir) == 1);
	unlink(at("sub/keep"));
	done();
	buf_free(&why);
}

static void
mode_from_umask(void)
{
	struct buf why = { 0 };
	struct stat st;
	mode_t old = umask(027);

	scratch();
	CHECK(file_write_atomic(at("out.txt"), "x\n", 2, &why) == 0);
	CHECK(stat(at("out.txt"), &st) == 0 && (st.st_mode & 0777) == 0640);
	umask(old);
	/* The umask itself is left as it was. */
	CHECK(umask(old) == old);
	done();
	buf_free(&why);
}

/* Not a regular file: written into, never replaced. */
static void
non_regular_written_into(void)
{
	struct buf why = { 0 };
	struct stat st;
	char got[16] = { 0 };
	int rd;

	CHECK(file_write_atomic("/dev/null", "gone\n", 5, &why) == 0);
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
	scratch();
	CHECK(mkfifo(at("fifo"), 0600) == 0);
	/* A reader first, or opening the FIFO to write would wait. */
	rd = open(at("fifo"), O_RDONLY | O_NONBLOCK);
	CHECK(rd >= 0);
	if (rd < 0) {
		done();
		return;
	}
	CHECK(file_write_atomic(at("fifo"), "piped\n", 6, &why) == 0);
	CHECK(read(rd, got, sizeof got - 1) == 6);
	CHECK_STR(got, "piped\n");
	CHECK(stat(at("fifo"), &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK(count_files(dir) == 1);
	close(rd);
	done();
	buf_free(&why);
}

/* NULL and "-" are standard output. */
static void
dash_is_stdout(void)
{
	struct buf why = { 0 };
	int saved, fd;
	int r1, r2;

	scratch();
	fflush(stdout);
	saved = dup(1);
	fd = open(at("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(saved >= 0 && fd >= 0);
	if (saved < 0 || fd < 0) {
		done();
		return;
	}
	dup2(fd, 1);
	close(fd);
	r1 = file_write_atomic(NULL, "one ", 4, &why);
	r2 = file_write_atomic("-", "two\n", 4, &why);
	dup2(saved, 1);
	close(saved);
	CHECK(r1 == 0 && r2 == 0);
	CHECK_STR(slurp(at("stdout")), "one two\n");
	CHECK(count_files(dir) == 1);
	done();
	buf_free(&why);
}

static void
read_limited(void)
{
	struct buf body = { 0 }, why = { 0 };

	scratch();
	put(at("f"), "0123456789");
	CHECK(read_file_limited(at("f"), 100, &body, &why) == 0);
	CHECK(body.len == 10);
	CHECK_STR(buf_str(&body), "0123456789");
	buf_free(&body);
	/* Exactly the limit is allowed, a byte more is not. */
	CHECK(read_file_limited(at("f"), 10, &body, &why) == 0 && body.len == 10);
	buf_free(&body);
	CHECK(why.len == 0);
	CHECK(read_file_limited(at("f"), 9, &body, &why) == -1);
	CHECK(strstr(buf_str(&why), "larger than") != NULL);
	/* The body is freed on failure. */
	CHECK(body.p == NULL && body.len == 0);
	/* An empty file: an empty (allocated) body. */
	put(at("empty"), "");
	CHECK(read_file_limited(at("empty"), 100, &body, &why) == 0);
	CHECK(body.p != NULL && body.len == 0);
	CHECK_STR(buf_str(&body), "");
	buf_free(&body);
	done();
	buf_free(&why);
}

static void
read_limited_errors(void)
{
	struct buf body = { 0 }, why = { 0 };

	scratch();
	CHECK(read_file_limited(at("missing"), 100, &body, &why) == -1);
	CHECK(strstr(buf_str(&why), strerror(ENOENT)) != NULL);
	CHECK(body.p == NULL);
	why.len = 0;
	CHECK(read_file_limited(dir, 100, &body, &why) == -1);
	CHECK(strstr(buf_str(&why), "directory") != NULL);
	CHECK(body.p == NULL);
	done();
	buf_free(&why);
}

/* Read "-" with fd 0 the read end of a pipe that a child fills with n
 * bytes (a stream: its size is not known in advance). */
static int
read_stdin_pipe(size_t n, size_t max, struct buf *body, struct buf *why)
{
	int p[2], saved, r;
	pid_t pid;

	if (pipe(p) < 0)
		return -2;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -2;
	}
	if (pid == 0) {
		char chunk[4096];

		close(p[0]);
		for (size_t i = 0; i < sizeof chunk; i++)
			chunk[i] = (char)('a' + i % 26);
		while (n > 0) {
			size_t k = n < sizeof chunk ? n : sizeof chunk;
			ssize_t w = write(p[1], chunk, k);

			if (w <= 0)
				_exit(1);
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(p[1]);
	saved = dup(0);
	dup2(p[0], 0);
	close(p[0]);
	r = read_file_limited("-", max, body, why);
	dup2(saved, 0);
	close(saved);
	/* Refused early: the child may be blocked on a full pipe (closing
	 * our end gives it EPIPE). */
	waitpid(pid, NULL, 0);
	return r;
}

static void
read_limited_stream(void)
{
	struct buf body = { 0 }, why = { 0 };
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int ok = 1;

	CHECK(read_stdin_pipe(200000, 200000, &body, &why) == 0);
	CHECK(body.len == 200000);
	for (size_t i = 0; i < body.len && ok; i++)
		ok = body.p[i] == (char)('a' + (i % 4096) % 26);
	CHECK(ok);
	buf_free(&body);
	CHECK(read_stdin_pipe(200000, 199999, &body, &why) == -1);
	CHECK(strstr(buf_str(&why), "larger than") != NULL);
	CHECK(body.p == NULL);
	signal(SIGPIPE, old);
	buf_free(&why);
}

#define BIG ((size_t)(1u << 20) + 4096 * 3 + 10)   /* past the map threshold */

static void
make_big(const char *path)
{
	char *p = xmalloc(BIG);
	FILE *f = fopen(path, "w");

	for (size_t i = 0; i < BIG; i++)
		p[i] = (char)('0' + i % 10);
	if (!f || fwrite(p, 1, BIG, f) != BIG || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(p);
}

static void
blobs(void)
{
	struct blob bl;
	struct buf why = { 0 }, b = { 0 };

	scratch();
	put(at("small"), "{}");
	CHECK(blob_load_file(&bl, at("small"), 100, &why) == 0);
	CHECK(bl.map == NULL && bl.len == 2 && memcmp(bl.p, "{}", 2) == 0);
	blob_free(&bl);
	CHECK(bl.p == NULL && bl.len == 0);
	make_big(at("big"));
	CHECK(blob_load_file(&bl, at("big"), BIG, &why) == 0);
	CHECK(bl.map != NULL && bl.len == BIG);
	CHECK(bl.len == BIG && bl.p[0] == '0' && bl.p[BIG - 1] == (char)('0' + (BIG - 1) % 10));
	blob_free(&bl);
	/* Over the limit: refused, mapped or not. */
	CHECK(why.len == 0);
	CHECK(blob_load_file(&bl, at("big"), BIG - 1, &why) == -1 && why.len > 0);
	CHECK(bl.p == NULL && bl.map == NULL);
	why.len = 0;
	CHECK(blob_load_file(&bl, at("small"), 1, &why) == -1 && why.len > 0);
	/* A buffer taken over. */
	buf_adds(&b, "fetched");
	blob_from_buf(&bl, &b);
	CHECK(b.p == NULL && b.len == 0);
	CHECK(bl.map == NULL && bl.len == 7 && memcmp(bl.p, "fetched", 7) == 0);
	blob_free(&bl);
	done();
	buf_free(&why);
}

struct sum {
	const struct blob *bl;
	unsigned long sum;
};

static long
sum_bytes(void *arg)
{
	struct sum *s = arg;

	for (size_t i = 0; i < s->bl->len; i += 512)
		s->sum += (unsigned char)s->bl->p[i];
	return 7;
}

static void
guarded_read(void)
{
	struct blob bl;
	struct buf why = { 0 }, b = { 0 };
	struct sum s = { 0 };
	struct sigaction before, now;

	scratch();
	CHECK(sigaction(SIGBUS, NULL, &before) == 0);
	/* Not mapped: fn's value. */
	buf_adds(&b, "abc");
	blob_from_buf(&bl, &b);
	s.bl = &bl;
	CHECK(file_guarded(&bl, sum_bytes, &s) == 7 && s.sum == 'a');
	blob_free(&bl);
	/* Mapped and whole: fn's value. */
	make_big(at("big"));
	CHECK(blob_load_file(&bl, at("big"), BIG, &why) == 0 && bl.map != NULL);
	s.sum = 0;
	CHECK(file_guarded(&bl, sum_bytes, &s) == 7 && s.sum > 0);
	/* The file shrinks under the map: SIGBUS ends fn, -2, every time. */
	CHECK(truncate(at("big"), 0) == 0);
	CHECK(file_guarded(&bl, sum_bytes, &s) == -2);
	CHECK(file_guarded(&bl, sum_bytes, &s) == -2);
	/* The handler from before the guard (none, or a sanitizer's) is back. */
	CHECK(sigaction(SIGBUS, NULL, &now) == 0);
	CHECK((now.sa_flags & SA_SIGINFO) == (before.sa_flags & SA_SIGINFO));
	CHECK((now.sa_flags & SA_SIGINFO) ? now.sa_sigaction == before.sa_sigaction :
	    now.sa_handler == before.sa_handler);
	blob_free(&bl);
	done();
	buf_free(&why);
}

/* Standard input closed at the start: no file opened later is read as
 * "-"; standard output closed: the result is not written into a file that
 * took its place. */
static void
closed_stdio_stays_closed(void)
{
	pid_t pid;
	int st = 0;

	scratch();
	put(at("list.json"), "{}");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct buf body = { 0 }, why = { 0 }, wwhy = { 0 };
		int fd, bad = 0;

		close(0);
		close(1);
		file_stdio_guard();
		fd = open(at("list.json"), O_RDONLY);
		bad |= fd <= 2;
		bad |= (read_file_limited("-", 100, &body, &why) != -1) << 1;
		bad |= (strstr(buf_str(&why), "standard input is closed") == NULL) << 2;
		/* /dev/null holds their places. */
		bad |= (fcntl(0, F_GETFD) < 0 || fcntl(1, F_GETFD) < 0) << 3;
		bad |= (file_write_atomic("-", "x\n", 2, &wwhy) != -1) << 4;
		bad |= (strstr(buf_str(&wwhy), "standard output is closed") == NULL) << 5;
		_exit(bad);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	done();
}

/* A FIFO with no writer: bounded by the deadline, as the read of a
 * stream that never ends is; one with a writer is read to its end. */
static void
fifo_read_ends_at_deadline(void)
{
	struct buf body = { 0 }, why = { 0 };
	struct blob bl;
	double t0;
	pid_t pid;
	int st = 0;

	scratch();
	CHECK(mkfifo(at("fifo"), 0600) == 0);
	t0 = now_seconds();
	CHECK(read_file_until(at("fifo"), 100, t0 + 0.3, &body, &why) == -1);
	CHECK(now_seconds() - t0 >= 0.25 && now_seconds() - t0 < 1.0);
	CHECK(strstr(buf_str(&why), "time limit") != NULL);
	CHECK(body.p == NULL);
	why.len = 0;
	t0 = now_seconds();
	CHECK(blob_load_until(&bl, at("fifo"), 100, t0 + 0.3, &why) == -1);
	CHECK(now_seconds() - t0 < 1.0 && strstr(buf_str(&why), "time limit") != NULL);
	/* The run's deadline, for the callers that do not name one. */
	why.len = 0;
	t0 = now_seconds();
	file_set_deadline(t0 + 0.3);
	CHECK(read_file_limited(at("fifo"), 100, &body, &why) == -1);
	CHECK(blob_load_file(&bl, at("fifo"), 100, &why) == -1);
	file_set_deadline(0);
	CHECK(now_seconds() - t0 < 1.5);
	/* A writer that comes, writes and goes. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int fd = open(at("fifo"), O_WRONLY);

		_exit(fd >= 0 && write(fd, "{}\n", 3) == 3 ? 0 : 1);
	}
	why.len = 0;
	CHECK(read_file_until(at("fifo"), 100, now_seconds() + 5, &body, &why) == 0);
	CHECK_STR(buf_str(&body), "{}\n");
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	buf_free(&body);
	buf_free(&why);
	done();
}

/* "-" as a pipe whose writer never ends it, writing a byte now and then:
 * each read waits until the deadline at most. */
static void
stdin_stream_ends_at_deadline(void)
{
	struct buf body = { 0 }, why = { 0 };
	int p[2], saved, r;
	double t0, took;
	pid_t pid;

	CHECK(pipe(p) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (int i = 0; i < 600; i++) {
			if (write(p[1], " ", 1) != 1)
				_exit(0);
			poll(NULL, 0, 50);
		}
		_exit(0);
	}
	close(p[1]);
	saved = dup(0);
	dup2(p[0], 0);
	close(p[0]);
	t0 = now_seconds();
	r = read_file_until("-", 1000, t0 + 0.5, &body, &why);
	took = now_seconds() - t0;
	dup2(saved, 0);
	close(saved);
	CHECK(r == -1 && body.p == NULL);
	CHECK(took >= 0.45 && took < 1.2);
	CHECK(strstr(buf_str(&why), "time limit") != NULL);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	buf_free(&why);
}

static void
xfsz_to_term(int sig)
{
	(void)sig;
	kill(getpid(), SIGTERM);
}

/*
 * A TERM that comes while the temporary file of -o is being written: the
 * handler the run installs (spawn_catch_signals with file_remove_temp)
 * removes it, and the process dies of TERM.  The signal comes from inside
 * the write: a file size limit makes write() raise SIGXFSZ once part of
 * the data is in the temporary file, and that handler sends TERM.
 */
static void
signal_mid_write_leaves_no_temp(void)
{
	pid_t pid;
	int st = 0;

	scratch();
	put(at("out.txt"), "old\n");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		size_t n = 4u << 20;
		char *big = xmalloc(n);
		struct rlimit rl = { 1u << 20, 1u << 20 };
		struct sigaction sa;
		struct buf why = { 0 };

		memset(big, 'x', n);
		signal(SIGTERM, SIG_DFL);
		spawn_catch_signals(file_remove_temp);
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = xfsz_to_term;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGXFSZ, &sa, NULL);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(2);
		file_write_atomic(at("out.txt"), big, n, &why);
		_exit(3);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	/* No out.txt.XXXXXX, and the old file as it was. */
	CHECK(count_files(dir) == 1);
	CHECK_STR(slurp(at("out.txt")), "old\n");
	/* Nothing in progress: nothing to remove. */
	file_remove_temp();
	CHECK(count_files(dir) == 1);
	done();
}

int
main(void)
{
	RUN(atomic_write);
	RUN(failed_write_leaves_no_trace);
	RUN(mode_from_umask);
	RUN(non_regular_written_into);
	RUN(dash_is_stdout);
	RUN(read_limited);
	RUN(read_limited_errors);
	RUN(read_limited_stream);
	RUN(blobs);
	RUN(guarded_read);
	RUN(closed_stdio_stays_closed);
	RUN(fifo_read_ends_at_deadline);
	RUN(stdin_stream_ends_at_deadline);
	RUN(signal_mid_write_leaves_no_temp);
	return 0;
}
