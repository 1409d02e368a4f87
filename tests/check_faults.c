// SPDX-License-Identifier: MIT
// Crash safety of budgetctl import: killed with SIGKILL in the middle of a large import (into
// a store in place, or building a --fresh one), it leaves the store exactly as it was; and of
// budgetctl upgrade: killed half way, it leaves the schema version 1 store as it was.
#include "db.h"
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Copies of the seed under distinct department ids (42 MB of JSON): an import of them runs
 * for seconds (measured on a 2-core VM: 3.5-4.5 s in place, 3.7 s --fresh). The kill is
 * timed by the import's progress, not by the clock, so a faster machine changes nothing. */
#define N_FILES 600
/* The in-place import is killed once its uncommitted pages in the -wal pass this: proof that
 * it is inside its one write transaction, far from the commit (the -wal ends at ~47 MB). */
#define WAL_KILL_BYTES (4L << 20)
#define DEADLINE_MS 60000L

/* Made once, in Check's parent process, by the unchecked fixture, which also removes it all:
 * a failing test's process ends at once, so it could not clean up after itself. */
static char work[4096]; /* the temporary folder of this run */
static char *files[N_FILES + 1]; /* the import files, NULL-terminated like an argv */
static long batch_bytes; /* their total size */
static char seed_id[256], seed_kind[16];
static int seed_year;

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void remember_seed(json_t *seed)
{
	json_t *dep = json_object_get(seed, "department");

	snprintf(seed_id, sizeof(seed_id), "%s", json_string_value(json_object_get(dep, "id")));
	snprintf(seed_kind, sizeof(seed_kind), "%s",
	         json_string_value(json_object_get(seed, "kind")));
	seed_year = (int)json_integer_value(json_object_get(seed, "year"));
	ck_assert(seed_id[0] != '\0' && seed_kind[0] != '\0' && seed_year > 0);
}

/* Writes the batch with Jansson: the seed, each time under another department. */
static void write_batch(void)
{
	json_error_t jerr;
	json_t *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, &jerr);
	json_t *dep = json_object_get(seed, "department");
	char dir[4200], path[4300];

	ck_assert_msg(seed != NULL, "%s: %s", tu_env("BUDGETD_SEED"), jerr.text);
	remember_seed(seed);
	snprintf(dir, sizeof(dir), "%s/in", work);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	for (int i = 0; i < N_FILES; i++) {
		json_object_set_new(dep, "id", json_sprintf("fault-%04d", i));
		json_object_set_new(dep, "name", json_sprintf("故障测试第%04d单位", i));
		snprintf(path, sizeof(path), "%s/fault-%04d.json", dir, i);
		ck_assert_int_eq(json_dump_file(seed, path, JSON_COMPACT), 0);
		files[i] = strdup(path);
		batch_bytes += file_size(path);
	}
	json_decref(seed);
}

static void make_work(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(work, sizeof(work), "%s/budgetd-faults-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(work));
	write_batch();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_work(void)
{
	if (work[0] != '\0')
		nftw(work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	for (int i = 0; i < N_FILES; i++)
		free(files[i]);
}

/* A store in a folder of its own, so that anything left beside it shows. */
struct store {
	char dir[4200];
	char path[4300];
};

static void new_store(struct store *s, const char *name, bool bundled)
{
	size_t len = 0;
	char *bytes = bundled ? tu_read_file(tu_env("BUDGETD_STORE"), &len) : NULL;
	FILE *f;

	snprintf(s->dir, sizeof(s->dir), "%s/%s", work, name);
	snprintf(s->path, sizeof(s->path), "%s/budgetd.sqlite", s->dir);
	ck_assert_int_eq(mkdir(s->dir, 0700), 0);
	if (!bundled)
		return;
	ck_assert_ptr_nonnull(bytes);
	ck_assert_ptr_nonnull(f = fopen(s->path, "wb"));
	ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(bytes);
}

/* What a reader of the store sees: the department list and the seed's disclosure. */
struct snapshot {
	json_t *departments;
	json_t *seed; /* NULL when the store does not hold it */
};

static int add_department(void *ctx, const struct db_department *d)
{
	json_t *years = json_array();

	for (size_t i = 0; i < d->n_years; i++)
		json_array_append_new(years, json_integer(d->years[i]));
	return json_array_append_new(
	    ctx, json_pack("{s:s, s:s, s:o}", "id", d->id, "name", d->name, "years", years));
}

static void take_snapshot(const char *path, struct snapshot *s)
{
	struct db_error err = { 0 };
	struct db *db = db_open(path, false, &err);

	ck_assert_msg(db != NULL, "%s", err.text);
	s->departments = json_array();
	ck_assert_int_eq(db_departments(db, NULL, add_department, s->departments, NULL, &err), 0);
	s->seed = db_export(db, seed_id, seed_year, seed_kind, "department", &err);
	ck_assert_msg(s->seed != NULL || err.code == DB_NOT_FOUND, "%s", err.text);
	db_close(db);
}

static void drop_snapshot(struct snapshot *s)
{
	json_decref(s->departments);
	json_decref(s->seed);
}

static void assert_same_json(json_t *want, json_t *got, const char *what)
{
	ck_assert_msg(json_equal(want, got), "%s differs: was\n%.2000s\nnow\n%.2000s", what,
	              json_dumps(want, JSON_COMPACT), json_dumps(got, JSON_COMPACT));
}

static void assert_unchanged(const struct snapshot *before, const char *path)
{
	struct snapshot after;

	take_snapshot(path, &after);
	ck_assert_uint_eq(json_array_size(after.departments), json_array_size(before->departments));
	assert_same_json(before->departments, after.departments, "the department list");
	ck_assert_ptr_nonnull(after.seed);
	assert_same_json(before->seed, after.seed, "the seed disclosure (db_export)");
	drop_snapshot(&after);
}

static void assert_pragma(sqlite3 *sql, const char *pragma, const char *want)
{
	sqlite3_stmt *st = NULL;
	const char *got;
	int rc;

	ck_assert_int_eq(sqlite3_prepare_v2(sql, pragma, -1, &st, NULL), SQLITE_OK);
	rc = sqlite3_step(st);
	got = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : sqlite3_errmsg(sql);
	if (want == NULL) /* no rows */
		ck_assert_msg(rc == SQLITE_DONE, "%s: %s", pragma, got);
	else
		ck_assert_msg(rc == SQLITE_ROW && strcmp(got, want) == 0, "%s: %s", pragma, got);
	sqlite3_finalize(st);
}

/* On a connection of its own, which after a kill is the first to open the store: it is the
 * one that finds the dead writer's -wal and must leave its uncommitted pages out. */
static void assert_intact(const char *path)
{
	sqlite3 *sql = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_pragma(sql, "PRAGMA integrity_check", "ok");
	assert_pragma(sql, "PRAGMA foreign_key_check", NULL);
	sqlite3_close(sql);
}

/* Every entry of dir is named in allowed (NULL-terminated) or is skip (may be NULL). */
static void assert_only(const char *dir, const char *const *allowed, const char *skip)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL) {
		bool ok = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		          (skip != NULL && strcmp(e->d_name, skip) == 0);
		for (const char *const *a = allowed; !ok && *a != NULL; a++)
			ok = strcmp(e->d_name, *a) == 0;
		ck_assert_msg(ok, "%s left behind in %s", e->d_name, dir);
	}
	closedir(d);
}

/* One run of budgetctl import, to be killed once progress() reaches kill_at. */
struct import {
	pid_t pid;
	char log[4300];
	char wal[4400];
	struct timespec start;
	long (*progress)(const struct import *im);
	long kill_at, progress_at_kill, killed_at_ms;
	bool timed_out;
};

/* In place: the size of the -wal, which only this import's transaction writes to. */
static long wal_bytes(const struct import *im)
{
	return file_size(im->wal);
}

/* --fresh shows nothing on disk until its commit (no journal, a large cache); but its
 * reader thread reads the files in turn, and nothing is committed before the last one is
 * read: the bytes it has read (/proc/PID/io rchar) tell how far it is. */
static long bytes_read(const struct import *im)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/io", (long)im->pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (n < 0 && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "rchar: %ld", &n) != 1)
			n = -1;
	fclose(f);
	return n;
}

/* Starts budgetctl with argv on store, its output going to WORK/name.log. */
static void spawn(struct import *im, char **argv, const char *store, const char *name)
{
	int fd;

	snprintf(im->wal, sizeof(im->wal), "%s-wal", store);
	snprintf(im->log, sizeof(im->log), "%s/%s.log", work, name);
	ck_assert_int_ge(fd = open(im->log, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
	clock_gettime(CLOCK_MONOTONIC, &im->start);
	im->pid = fork();
	ck_assert_int_ge(im->pid, 0);
	if (im->pid == 0) {
		/* Dies with the test even when Check kills it for a timeout. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd);
}

static void start_import(struct import *im, const char *store, bool fresh, const char *name)
{
	char *argv[N_FILES + 6] = { (char *)tu_env("BUDGETCTL_BIN"), "import", "--db",
		                    (char *)store };
	int n = 4;

	if (fresh)
		argv[n++] = "--fresh";
	memcpy(argv + n, files, sizeof(files));
	spawn(im, argv, store, name);
}

/* Polls every 2 ms until progress() reaches kill_at, then sends SIGKILL. Returns the wait
 * status; the child is always reaped here, before any assertion can end the test. */
static int kill_in_the_middle(struct import *im)
{
	const struct timespec tick = { .tv_nsec = 2 * 1000 * 1000 };
	int status = 0;

	while (waitpid(im->pid, &status, WNOHANG) == 0) {
		im->timed_out = elapsed_ms(&im->start) > DEADLINE_MS;
		im->progress_at_kill = im->progress(im);
		if (im->timed_out || im->progress_at_kill >= im->kill_at) {
			im->killed_at_ms = elapsed_ms(&im->start);
			kill(im->pid, SIGKILL);
			waitpid(im->pid, &status, 0);
			break;
		}
		nanosleep(&tick, NULL);
	}
	return status;
}

static void assert_killed(const struct import *im, int status)
{
	char *log = tu_read_file(im->log, NULL);

	ck_assert_msg(!im->timed_out, "budgetctl got no further than %ld of %ld in %ld s",
	              im->progress_at_kill, im->kill_at, DEADLINE_MS / 1000);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	              "budgetctl ended by itself after %ld ms (status 0x%x) before it could be "
	              "killed: the work is too small for this machine\n%s",
	              elapsed_ms(&im->start), (unsigned)status, log ? log : "");
	free(log);
}

/* Runs the whole import to its end: it must succeed. Returns the seconds it took. */
static double import_all(const char *store, bool fresh, const char *name)
{
	struct import im = { 0 };
	int status = 0;
	char *log;

	start_import(&im, store, fresh, name);
	waitpid(im.pid, &status, 0);
	log = tu_read_file(im.log, NULL);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "budgetctl import: %s",
	              log ? log : "");
	free(log);
	return elapsed_ms(&im.start) / 1000.0;
}

START_TEST(test_kill_during_import_in_place)
{
	static const char *const beside[] = { "budgetd.sqlite",
		                              "budgetd.sqlite.snapshot",
		                              "budgetd.sqlite.amounts.csv",
		                              "budgetd.sqlite-wal",
		                              "budgetd.sqlite-shm",
		                              "budgetd.sqlite.amounts.idx",
		                              NULL };
	struct store s;
	struct snapshot before, after;
	struct import im = { .progress = wal_bytes, .kill_at = WAL_KILL_BYTES };
	double whole;

	new_store(&s, "in-place", true);
	take_snapshot(s.path, &before);
	ck_assert_ptr_nonnull(before.seed);
	/* The bundled store is in rollback-journal mode: any -wal is this import's own. */
	start_import(&im, s.path, false, "in-place-killed");
	assert_killed(&im, kill_in_the_middle(&im));
	assert_only(s.dir, beside, NULL);
	assert_intact(s.path);
	assert_unchanged(&before, s.path);

	/* Not left locked, and the killed import was a good one: only the kill undid it. */
	whole = import_all(s.path, false, "in-place-again");
	assert_intact(s.path);
	take_snapshot(s.path, &after);
	ck_assert_uint_eq(json_array_size(after.departments),
	                  json_array_size(before.departments) + N_FILES);
	assert_same_json(before.seed, after.seed, "the seed disclosure (db_export)");
	printf("faults: in place: killed after %.2f s with %.1f MB of -wal; the whole import of "
	       "%d files takes %.2f s\n",
	       im.killed_at_ms / 1000.0, im.progress_at_kill / 1048576.0, N_FILES, whole);
	drop_snapshot(&after);
	drop_snapshot(&before);
}
END_TEST

/* budgetctl import --db store file, its files limited to limit bytes (0: no limit) as a
 * full disk limits them: writes past it fail (EFBIG, as ENOSPC would; SIGXFSZ ignored).
 * Returns the exit status; the output goes to WORK/name.log. */
static int import_limited(const char *store, const char *file, long limit, const char *name)
{
	char *argv[] = {
		(char *)tu_env("BUDGETCTL_BIN"), "import", "--db", (char *)store, (char *)file, NULL
	};
	struct rlimit rl = { (rlim_t)limit, (rlim_t)limit };
	char log[4300];
	int fd, status = 0;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/%s.log", work, name);
	ck_assert_int_ge(fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGXFSZ, SIG_IGN);
		if (limit > 0 && setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Issue 13, point 9: an import that fails because the disk is full, while another
 * connection holds the store open (as budgetd does, so no close removes the -wal), leaves
 * the store as it was and its -wal no larger than before; once there is room, the next
 * import succeeds. */
START_TEST(test_disk_full_leaves_nothing)
{
	struct store s;
	struct snapshot before, after;
	struct db_error err = { 0 };
	struct db *reader;
	int64_t version;
	long wal_before;
	char wal[4400];

	new_store(&s, "disk-full", true);
	snprintf(wal, sizeof(wal), "%s-wal", s.path);
	ck_assert_int_eq(import_limited(s.path, tu_env("BUDGETD_SEED"), 0, "full-first"), 0);
	reader = db_open(s.path, false, &err);
	ck_assert_msg(reader != NULL, "%s", err.text);
	ck_assert_int_eq(db_data_version(reader, &version), 0);
	/* Committed pages the reader keeps from being checkpointed away: a -wal of some size. */
	ck_assert_int_eq(import_limited(s.path, tu_env("BUDGETD_SEED"), 0, "full-second"), 0);
	wal_before = file_size(wal);
	ck_assert_int_gt(wal_before, 0);
	take_snapshot(s.path, &before);

	/* Room for 64 KiB more: the import of another department needs several times that. */
	ck_assert_int_eq(import_limited(s.path, files[0], wal_before + 65536, "full-fails"), 73);
	ck_assert_msg(file_size(wal) <= wal_before, "the -wal grew from %ld to %ld bytes",
	              wal_before, file_size(wal));
	assert_intact(s.path);
	assert_unchanged(&before, s.path);

	ck_assert_int_eq(import_limited(s.path, files[0], 0, "full-room-again"), 0);
	take_snapshot(s.path, &after);
	ck_assert_uint_eq(json_array_size(after.departments),
	                  json_array_size(before.departments) + 1);
	drop_snapshot(&after);
	drop_snapshot(&before);
	db_close(reader);
}
END_TEST

/* budgetctl cannot remove its temporary store when it is killed with SIGKILL: that file
 * stays. It is named after the dead process, so no later run opens or trips on it, and the
 * next --fresh removes it. */
START_TEST(test_kill_during_fresh_build)
{
	static const char *const only_store[] = { "budgetd.sqlite", "budgetd.sqlite.snapshot",
		                                  "budgetd.sqlite.amounts.csv",
		                                  "budgetd.sqlite.amounts.idx", NULL };
	struct store s;
	struct snapshot before, after;
	struct import im = { .progress = bytes_read, .kill_at = batch_bytes / 2 };
	struct stat st0, st1;
	char *bytes0, *bytes1, leftover[64];
	size_t len0, len1;
	double whole;

	new_store(&s, "fresh", true);
	take_snapshot(s.path, &before);
	ck_assert_int_eq(stat(s.path, &st0), 0);
	ck_assert_ptr_nonnull(bytes0 = tu_read_file(s.path, &len0));
	start_import(&im, s.path, true, "fresh-killed");
	assert_killed(&im, kill_in_the_middle(&im));

	/* The old store is untouched, byte for byte, and still the same file. */
	ck_assert_msg(stat(s.path, &st1) == 0, "the store is gone");
	ck_assert_msg(st0.st_ino == st1.st_ino, "the store was replaced");
	ck_assert_ptr_nonnull(bytes1 = tu_read_file(s.path, &len1));
	ck_assert_msg(len0 == len1 && memcmp(bytes0, bytes1, len0) == 0, "the store was written");
	snprintf(leftover, sizeof(leftover), "budgetd.sqlite.new-%ld", (long)im.pid);
	assert_only(s.dir, only_store, leftover);
	assert_intact(s.path);
	assert_unchanged(&before, s.path);

	/* The next build removes the leftover and leaves nothing of its own. */
	whole = import_all(s.path, true, "fresh-again");
	assert_only(s.dir, only_store, NULL);
	assert_intact(s.path);
	take_snapshot(s.path, &after);
	ck_assert_uint_eq(json_array_size(after.departments), N_FILES);
	ck_assert_ptr_null(after.seed);
	printf("faults: --fresh: killed after %.2f s, %.1f of %.1f MB read; a whole build of %d "
	       "files takes %.2f s\n",
	       im.killed_at_ms / 1000.0, im.progress_at_kill / 1048576.0, batch_bytes / 1048576.0,
	       N_FILES, whole);
	free(bytes0);
	free(bytes1);
	drop_snapshot(&after);
	drop_snapshot(&before);
}
END_TEST

/* A schema version 1 store of 2^UPGRADE_DOUBLINGS copies of tests/data/kashi-v1.sqlite (made
 * by main's budgetctl before format 2), made by doubling every table in SQL: ids shifted,
 * department slugs suffixed. An upgrade of it writes tens of MB, for a second or more. */
#define UPGRADE_DOUBLINGS 9

static void exec_ok(sqlite3 *sql, const char *stmt)
{
	char *msg = NULL;

	ck_assert_msg(sqlite3_exec(sql, stmt, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", stmt,
	              msg ? msg : "");
}

/* INSERT INTO t SELECT every row again, ids and references shifted by shift. */
static void double_table(sqlite3 *sql, const char *table, int round, long long shift)
{
	char q[4400], cols[2048] = "", sel[4096] = "", stmt[16384];
	sqlite3_stmt *st;

	snprintf(q, sizeof(q), "SELECT name FROM pragma_table_info('%s')", table);
	ck_assert_int_eq(sqlite3_prepare_v2(sql, q, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(c);
		bool ref = strcmp(c, "id") == 0 || (n > 3 && strcmp(c + n - 3, "_id") == 0);
		bool slug = strcmp(table, "department") == 0 && strcmp(c, "slug") == 0;

		snprintf(cols + strlen(cols), sizeof(cols) - strlen(cols), "%s\"%s\"",
		         cols[0] ? ", " : "", c);
		if (ref)
			snprintf(sel + strlen(sel), sizeof(sel) - strlen(sel), "%s\"%s\" + %lld",
			         sel[0] ? ", " : "", c, shift);
		else if (slug)
			snprintf(sel + strlen(sel), sizeof(sel) - strlen(sel), "%sslug || '-%d'",
			         sel[0] ? ", " : "", round);
		else
			snprintf(sel + strlen(sel), sizeof(sel) - strlen(sel), "%s\"%s\"",
			         sel[0] ? ", " : "", c);
	}
	sqlite3_finalize(st);
	snprintf(stmt, sizeof(stmt), "INSERT INTO \"%s\" (%s) SELECT %s FROM \"%s\"", table, cols,
	         sel, table);
	exec_ok(sql, stmt);
}

static void make_v1_store(const char *path)
{
	char src[4200], *bytes, tables[64][64];
	size_t len, n = 0;
	sqlite3 *sql;
	sqlite3_stmt *st;
	FILE *f;

	snprintf(src, sizeof(src), "%s/tests/data/kashi-v1.sqlite", tu_env("BUDGETD_SOURCE"));
	ck_assert_ptr_nonnull(bytes = tu_read_file(src, &len));
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(bytes);
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql,
	                                    "SELECT name FROM sqlite_schema WHERE type = 'table'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (n < 64 && sqlite3_step(st) == SQLITE_ROW)
		snprintf(tables[n++], sizeof(tables[0]), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	exec_ok(sql, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN");
	/* Kashgar's ids are far below 1e6; round r shifts by 1e6 * 2^r, past every id so far. */
	for (int r = 0; r < UPGRADE_DOUBLINGS; r++)
		for (size_t i = 0; i < n; i++)
			double_table(sql, tables[i], r, 1000000LL << r);
	exec_ok(sql, "COMMIT; PRAGMA journal_mode = DELETE");
	sqlite3_close(sql);
}

/* The schema version and, per table, its row count and id sum: equal means unchanged. */
static char *table_counts(const char *path)
{
	char *out = calloc(1, 8192), q[256];
	sqlite3 *sql;
	sqlite3_stmt *st, *c;

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql,
	                                    "SELECT name FROM sqlite_schema WHERE type = 'table' "
	                                    "UNION ALL SELECT 'user_version ' || user_version "
	                                    "FROM pragma_user_version ORDER BY 1",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		size_t len = strlen(out);
		if (strncmp(t, "user_version", 12) == 0) {
			snprintf(out + len, 8192 - len, "%s\n", t);
			continue;
		}
		snprintf(q, sizeof(q), "SELECT count(*), total(id) FROM \"%s\"", t);
		ck_assert_int_eq(sqlite3_prepare_v2(sql, q, -1, &c, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(c), SQLITE_ROW);
		snprintf(out + len, 8192 - len, "%s %lld %.0f\n", t, sqlite3_column_int64(c, 0),
		         sqlite3_column_double(c, 1));
		sqlite3_finalize(c);
	}
	sqlite3_finalize(st);
	sqlite3_close(sql);
	return out;
}

START_TEST(test_kill_during_upgrade)
{
	static const char *const beside[] = { "budgetd.sqlite",
		                              "budgetd.sqlite.snapshot",
		                              "budgetd.sqlite.amounts.csv",
		                              "budgetd.sqlite-wal",
		                              "budgetd.sqlite-shm",
		                              "budgetd.sqlite.amounts.idx",
		                              NULL };
	struct store s;
	struct snapshot after;
	struct import im = { .progress = wal_bytes, .kill_at = WAL_KILL_BYTES };
	char *argv[] = { (char *)tu_env("BUDGETCTL_BIN"), "upgrade", "--db", s.path, NULL };
	char *before, *now, *log;
	int status = 0;

	new_store(&s, "upgrade", false);
	make_v1_store(s.path);
	before = table_counts(s.path);
	ck_assert_ptr_nonnull(strstr(before, "user_version 1\n"));
	/* The version 1 store is in rollback-journal mode: any -wal is the upgrade's own. */
	spawn(&im, argv, s.path, "upgrade-killed");
	assert_killed(&im, kill_in_the_middle(&im));
	assert_only(s.dir, beside, NULL);
	assert_intact(s.path);
	now = table_counts(s.path);
	ck_assert_str_eq(before, now);
	free(now);

	/* Run to its end, the same upgrade keeps every disclosure. */
	spawn(&im, argv, s.path, "upgrade-again");
	waitpid(im.pid, &status, 0);
	log = tu_read_file(im.log, NULL);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "budgetctl upgrade: %s",
	              log ? log : "");
	assert_intact(s.path);
	take_snapshot(s.path, &after);
	ck_assert_uint_eq(json_array_size(after.departments), 1u << UPGRADE_DOUBLINGS);
	ck_assert_ptr_nonnull(after.seed);
	printf("faults: upgrade: killed after %.2f s with %.1f MB of -wal\n",
	       im.killed_at_ms / 1000.0, im.progress_at_kill / 1048576.0);
	drop_snapshot(&after);
	free(before);
	free(log);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("kill -9");

	tcase_add_unchecked_fixture(tc, make_work, remove_work);
	/* Sanitizer builds run several times slower. */
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_kill_during_import_in_place);
	tcase_add_test(tc, test_kill_during_fresh_build);
	tcase_add_test(tc, test_kill_during_upgrade);
	tcase_add_test(tc, test_disk_full_leaves_nothing);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
