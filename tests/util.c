// SPDX-License-Identifier: MIT
// Helpers shared by the Check suites.
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *tu_env(const char *name)
{
	const char *v = getenv(name);

	ck_assert_msg(v != NULL && *v != '\0', "environment variable %s is not set", name);
	return v;
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		size_t got = fread(buf, 1, (size_t)n, f);
		buf[got] = '\0';
		if (len != NULL)
			*len = got;
	}
	fclose(f);
	return buf;
}

char *tu_temp_path(const char *suffix)
{
	static unsigned counter;
	const char *dir = getenv("TMPDIR");
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s/budgetd-test-%ld-%u%s", dir && *dir ? dir : "/tmp",
	         (long)getpid(), counter++, suffix);
	/* A pid is reused, and a crashed or older test may have left this name's side files
	 * (a --fresh import's snapshot, the long CSV): the name must come fresh, sides and all. */
	tu_unlink_store(buf);
	return strdup(buf);
}

void tu_unlink_store(const char *path)
{
	static const char *const sides[] = { "",          "-wal",         "-shm",  "-journal",
		                             ".snapshot", ".amounts.csv", ".kept", ".amounts.idx" };
	char buf[4200];

	char file[4500];
	struct dirent *e;
	DIR *d;

	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", path, sides[i]);
		unlink(buf);
	}
	/* the files it keeps beside it (#18: the published PDFs) */
	snprintf(buf, sizeof(buf), "%s.files", path);
	if ((d = opendir(buf)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		snprintf(file, sizeof(file), "%s/%s", buf, e->d_name);
		if (e->d_name[0] != '.')
			unlink(file);
	}
	closedir(d);
	rmdir(buf);
}

char *tu_write_temp(const char *data, size_t len, const char *suffix)
{
	char *path = tu_temp_path(suffix);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

/* Reads everything from fd into a malloc'd string. */
static char *slurp(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	while (buf != NULL && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *b = realloc(buf, cap *= 2);
			if (b == NULL)
				free(buf);
			buf = b;
		}
	}
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

int tu_run(char *const argv[], char **out, char **err)
{
	char *outp = tu_temp_path(".out"), *errp = tu_temp_path(".err");
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = -1, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == 0 && waitpid(pid, &status, 0) == pid)
		status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	else
		status = -1;
	if (out != NULL) {
		int fd = open(outp, O_RDONLY);
		*out = fd >= 0 ? slurp(fd) : NULL;
		if (fd >= 0)
			close(fd);
	}
	if (err != NULL) {
		int fd = open(errp, O_RDONLY);
		*err = fd >= 0 ? slurp(fd) : NULL;
		if (fd >= 0)
			close(fd);
	}
	unlink(outp);
	unlink(errp);
	free(outp);
	free(errp);
	return status;
}

static char *asan_was; /* ASAN_OPTIONS before tu_preload(): NULL when unset */

void tu_preload(const char *lib)
{
	const char *was = getenv("ASAN_OPTIONS");
	char options[1024];

	asan_was = was != NULL ? strdup(was) : NULL;
	snprintf(options, sizeof(options), "%s%sverify_asan_link_order=0", was ? was : "",
	         was ? ":" : "");
	setenv("ASAN_OPTIONS", options, 1);
	setenv("LD_PRELOAD", lib, 1);
}

void tu_preload_end(void)
{
	unsetenv("LD_PRELOAD");
	if (asan_was != NULL)
		setenv("ASAN_OPTIONS", asan_was, 1);
	else
		unsetenv("ASAN_OPTIONS");
	free(asan_was);
	asan_was = NULL;
}

bool tu_open_files(pid_t pid, bool (*fn)(const char *target, void *ctx), void *ctx)
{
	char dir[64], fd[320], target[4200];
	bool done = false;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	ck_assert_msg((d = opendir(dir)) != NULL, "%s: %s", dir, strerror(errno));
	while (!done && (e = readdir(d)) != NULL) {
		ssize_t len;

		snprintf(fd, sizeof(fd), "%s/%s", dir, e->d_name);
		if ((len = readlink(fd, target, sizeof(target) - 1)) < 0)
			continue; /* "." and "..", or closed meanwhile */
		target[len] = '\0';
		done = fn(target, ctx);
	}
	closedir(d);
	return done;
}

int tu_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

struct tu_ctl tu_ctl(const char *a1, ...)
{
	char *argv[12] = { (char *)tu_env("BUDGETCTL_BIN"), (char *)a1 };
	struct tu_ctl r;
	va_list ap;
	int i = 2;

	va_start(ap, a1);
	while (a1 != NULL && i < 11 && (argv[i] = va_arg(ap, char *)) != NULL)
		i++;
	va_end(ap);
	r.status = tu_run(argv, &r.out, &r.err);
	ck_assert_ptr_nonnull(r.out);
	ck_assert_ptr_nonnull(r.err);
	return r;
}

void tu_ctl_done(struct tu_ctl *r)
{
	free(r->out);
	free(r->err);
}

int64_t tu_sql_int(const char *path, const char *query)
{
	sqlite3 *sql;
	sqlite3_stmt *st;
	int64_t v;

	ck_assert_msg(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
	              "cannot open %s", path);
	ck_assert_msg(sqlite3_prepare_v2(sql, query, -1, &st, NULL) == SQLITE_OK, "%s: %s", query,
	              sqlite3_errmsg(sql));
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "no row: %s", query);
	ck_assert_msg(sqlite3_column_type(st, 0) == SQLITE_INTEGER, "not an integer: %s", query);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(sql);
	return v;
}

char *tu_fixture_copy(const char *name)
{
	char src[4200], *data, *path;
	size_t n;

	snprintf(src, sizeof(src), "%s/tests/data/%s", tu_env("BUDGETD_SOURCE"), name);
	data = tu_read_file(src, &n);
	ck_assert_msg(data != NULL, "cannot read %s", src);
	path = tu_write_temp(data, n, ".sqlite");
	free(data);
	return path;
}

uint64_t tu_rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- the repository's JSON files ---- */

static void add_file(struct tu_files *f, const char *path)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? 2 * f->cap : 64;
		f->path = realloc(f->path, f->cap * sizeof(*f->path));
		ck_assert_ptr_nonnull(f->path);
	}
	f->path[f->n] = strdup(path);
	ck_assert_ptr_nonnull(f->path[f->n++]);
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

/* Build folders, dependencies and dot folders hold no JSON of the repository's own. */
static bool skipped_dir(const char *name)
{
	return name[0] == '.' || strncmp(name, "build", 5) == 0 ||
	       strcmp(name, "node_modules") == 0 || strcmp(name, "subprojects") == 0;
}

/* Every *.json under dir, and every input of the import fuzz corpus (named as found). */
static void find_json(struct tu_files *f, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;
	bool corpus = ends_with(dir, "/corpus/import") || ends_with(dir, "/regressions/import");

	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && !skipped_dir(e->d_name))
			find_json(f, path);
		else if (S_ISREG(st.st_mode) && (ends_with(e->d_name, ".json") ||
		                                 (corpus && !ends_with(e->d_name, ".md"))))
			add_file(f, path);
	}
	closedir(d);
}

struct tu_files tu_repository_json(void)
{
	struct tu_files f = { 0 };

	find_json(&f, tu_env("BUDGETD_SOURCE"));
	ck_assert_msg(f.n >= 60, "only %zu JSON files found", f.n);
	return f;
}

void tu_files_free(struct tu_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->path[i]);
	free(f->path);
}
