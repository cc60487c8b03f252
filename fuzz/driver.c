/*
 * A plain main() for the libFuzzer targets, without libFuzzer: each file
 * named on the command line (a directory: each file in it, sorted) is read
 * and given once to LLVMFuzzerTestOneInput.  So the seed corpora and the
 * crashers kept in fuzz/regress/ run as ordinary regression tests, with any
 * compiler:
 *
 *   cc -I. fuzz/driver.c fuzz/fuzz_key.c <library objects> -o key-driver
 *   ./key-driver fuzz/corpus/key fuzz/regress/key
 *
 * A target reports a failure by crashing (abort, or a sanitizer); the
 * driver prints the name of each input before running it (with -v), so
 * the last name printed is the culprit.  Exit status: 0 when every input
 * ran, 2 when one could not be read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int verbose;

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (cap - len < 65536) {
			unsigned char *p;

			cap = cap ? cap * 2 : 65536;
			p = realloc(data, cap);
			if (!p) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(data);
				fclose(f);
				return -1;
			}
			data = p;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		perror(path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (verbose) {
		fprintf(stderr, "running %s (%zu bytes)\n", path, len);
		fflush(stderr);
	}
	/* Exactly len bytes, so that a read past the end is a read past the
	 * allocation for the sanitizers and valgrind. */
	{
		unsigned char *exact = malloc(len ? len : 1);

		if (!exact) {
			free(data);
			return -1;
		}
		if (len)
			memcpy(exact, data, len);
		free(data);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char **p;
		size_t l;

		if (de->d_name[0] == '.')
			continue;
		p = realloc(names, (n + 1) * sizeof *names);
		if (!p)
			break;
		names = p;
		l = strlen(path) + strlen(de->d_name) + 2;
		names[n] = malloc(l);
		if (!names[n])
			break;
		snprintf(names[n], l, "%s/%s", path, de->d_name);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp);
	for (size_t i = 0; i < n; i++) {
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && run_file(names[i]) < 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc = 0, i = 1;

	if (i < argc && strcmp(argv[i], "-v") == 0) {
		verbose = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [-v] FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (; i < argc; i++)
		if (run_path(argv[i]) < 0)
			rc = 2;
	return rc;
}
