// SPDX-License-Identifier: MIT
// Helpers shared by the Check suites: paths from the environment, files, child processes.
#ifndef BUDGETD_TEST_UTIL_H
#define BUDGETD_TEST_UTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The value of environment variable name; aborts the test if it is unset. */
const char *tu_env(const char *name);

/* Reads a whole file; returns a malloc'd NUL-terminated buffer (caller frees) or NULL. */
char *tu_read_file(const char *path, size_t *len);

/* Writes len bytes to a new temporary file; returns its malloc'd path (caller frees and
 * unlinks). suffix is appended to the name, e.g. ".json". */
char *tu_write_temp(const char *data, size_t len, const char *suffix);

/* A fresh temporary path that does not exist yet; malloc'd, caller frees. */
char *tu_temp_path(const char *suffix);

/* Removes a store and what SQLite keeps beside it (-wal, -shm, -journal): a read-only
 * connection, the last to close a WAL store, leaves its -wal and -shm behind. */
void tu_unlink_store(const char *path);

/* Runs argv[0] with argv, waits, and returns its exit status (or -1). Captures stdout and
 * stderr into malloc'd strings when out/err are not NULL (caller frees). */
int tu_run(char *const argv[], char **out, char **err);

/* One run of budgetctl: its exit status and what it printed (malloc'd; tu_ctl_done frees). */
struct tu_ctl {
	int status;
	char *out, *err;
};

/* Runs $BUDGETCTL_BIN with up to 10 arguments, the list ended by NULL (a1 may be that NULL),
 * and asserts that both outputs were captured. */
struct tu_ctl tu_ctl(const char *a1, ...);
void tu_ctl_done(struct tu_ctl *r);

/* Sets LD_PRELOAD to lib for the processes started next, and lets an ASan build's process
 * accept a library loaded before its runtime (ASAN_OPTIONS verify_asan_link_order=0);
 * tu_preload_end() puts both back as they were. */
void tu_preload(const char *lib);
void tu_preload_end(void);

/* Calls fn with the target of each descriptor process pid has open (/proc/PID/fd), until
 * fn returns true; whether one did. */
bool tu_open_files(pid_t pid, bool (*fn)(const char *target, void *ctx), void *ctx);

/* Runs every test of s, prints Check's summary and frees s. Returns the process exit code. */
int tu_run_suite(Suite *s);

/* The integer the first row of query gives on the SQLite file at path (opened read-only);
 * fails the test when there is no such row or it is not an integer. */
int64_t tu_sql_int(const char *path, const char *query);

/* A copy of the store tests/data/name in a new temporary file (as tu_write_temp names it);
 * the path is the caller's to free (and the file to unlink). */
char *tu_fixture_copy(const char *name);

/* The next number of a xorshift64 sequence in *s (not 0): the same mutations every run. */
uint64_t tu_rng_next(uint64_t *s);

/* The repository's JSON files, for differential tests (check_jparse, check_validate): every
 * *.json under $BUDGETD_SOURCE outside build, dependency and dot folders, and every input of
 * the import fuzz corpus. path[] and its strings are the caller's: tu_files_free(). */
struct tu_files {
	char **path;
	size_t n, cap;
};
struct tu_files tu_repository_json(void);
void tu_files_free(struct tu_files *f);

#endif
