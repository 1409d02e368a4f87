// SPDX-License-Identifier: MIT
// Runs saved inputs through a fuzz target without libFuzzer, so that the seed corpus and every
// crash input ever found are replayed by a plain `meson test` (gcc or clang, any sanitizers).
//
// usage: fuzz_<target>_replay DIR|FILE...
// Directories are read one level deep, in name order; names starting with '.' and *.md
// files (the README of a regressions folder) are skipped. A broken invariant aborts.
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Weak: a target need not define it, and then the address is NULL. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Reads a whole file into a malloc'd buffer, exactly its size, so that ASan catches a
 * target reading one byte past the input as libFuzzer would. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto done;
	/* malloc(0) may return NULL: keep one byte, but report the real length. */
	buf = malloc(size > 0 ? (size_t)size : 1);
	if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)size;
done:
	fclose(f);
	return buf;
}

static int run_file(const char *path)
{
	size_t len = 0;
	uint8_t *data = slurp(path, &len);

	if (data == NULL) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		return -1;
	}
	/* Named before the run: if the target aborts, the last line says which input. */
	fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

static int skipped(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || (n >= 3 && strcmp(name + n - 3, ".md") == 0);
}

/* Runs every regular file of dir; returns the count, or -1 if the folder cannot be read. */
static int run_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), count = 0;

	if (n < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!skipped(names[i]->d_name) && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) != 0)
				count = -1;
			else if (count >= 0)
				count++;
		}
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	int total = 0, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 64;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			failed = 1;
			continue;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : (run_file(argv[i]) == 0 ? 1 : -1);
		if (n < 0)
			failed = 1;
		else
			total += n;
	}
	fprintf(stderr, "%d inputs replayed%s\n", total, failed ? "; some could not be read" : "");
	return failed;
}
