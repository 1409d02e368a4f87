// SPDX-License-Identifier: MIT
// budgetctl backup and restore (#16): a consistent, checked, one-file copy of a store being
// written; a restore that leaves the store untouched unless the backup is good.
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The 表七 “三公”经费 合计 of the seed (db/data/kashi-urumqi-office-2021-budget.json, line
 * 3555: "amount": "96.80"), as `budgetctl export` writes it back, and the figure a second
 * import puts in its place. */
#define SANGONG_X "\"sangong\": {\n    \"amount\": \"96.80\""
#define SANGONG_Y "\"sangong\": {\n    \"amount\": \"96.81\""

/* The seed with one text replacement, as a temp import file (caller frees and unlinks). */
static char *seed_with(const char *from, const char *to)
{
	char *seed = tu_read_file(tu_env("BUDGETD_SEED"), NULL), *p, *text, *path;
	size_t n;

	ck_assert_ptr_nonnull(seed);
	ck_assert_ptr_nonnull(p = strstr(seed, from));
	n = strlen(seed) - strlen(from) + strlen(to) + 1;
	text = malloc(n);
	snprintf(text, n, "%.*s%s%s", (int)(p - seed), seed, to, p + strlen(from));
	path = tu_write_temp(text, strlen(text), ".json");
	free(text);
	free(seed);
	return path;
}

static void ctl_ok(const char *a1, const char *a2, const char *a3, const char *a4)
{
	struct tu_ctl r = tu_ctl(a1, a2, a3, a4, NULL);

	ck_assert_msg(r.status == 0, "budgetctl %s: exit %d: %s", a1, r.status, r.err);
	tu_ctl_done(&r);
}

/* A store holding the seed with its sangong total as SANGONG_X or SANGONG_Y says. */
static void import_seed(const char *store, const char *sangong)
{
	char *file = seed_with(SANGONG_X, sangong);

	ctl_ok("import", "--db", store, file);
	unlink(file);
	free(file);
}

static char *new_store(const char *sangong)
{
	char *store = tu_temp_path(".sqlite");

	import_seed(store, sangong);
	return store;
}

/* The sangong total the store holds for the seed's disclosure, through `budgetctl export`. */
static bool holds(const char *store, const char *sangong)
{
	struct tu_ctl r = tu_ctl("export", "--db", store, "kashi-urumqi-office", "2021", NULL);
	bool found;

	ck_assert_msg(r.status == 0, "export: %s", r.err);
	found = strstr(r.out, sangong) != NULL;
	tu_ctl_done(&r);
	return found;
}

/* Nothing but path in its folder starts with path's name (no temp copy left behind). */
static void expect_nothing_beside(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash + 1;
	char dir[4096], extra[300] = "";
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, base, strlen(base)) == 0 &&
		    strlen(e->d_name) > strlen(base) && strstr(e->d_name, ".tmp-") != NULL)
			snprintf(extra, sizeof(extra), "%s", e->d_name);
	closedir(d);
	ck_assert_msg(extra[0] == '\0', "left behind: %s", extra);
}

/* A backup is one file a reader opens read-only: rollback journal (header bytes 18 and 19
 * are 1; 2 means WAL), schema version 6, every disclosure; DEST is replaced whole. */
START_TEST(test_backup_is_one_checked_file)
{
	char *store = new_store(SANGONG_X), *dest = tu_temp_path(".sqlite"), side[4200];
	unsigned char *head;
	struct tu_ctl r;
	size_t len;

	FILE *f = fopen(dest, "w");

	ck_assert_ptr_nonnull(f); /* an old DEST, replaced */
	fputs("an older backup\n", f);
	fclose(f);
	snprintf(side, sizeof(side), "%s-wal", store);
	ck_assert_int_eq(access(side, F_OK), 0); /* the store is in WAL mode */
	r = tu_ctl("backup", "--db", store, dest, NULL);
	ck_assert_msg(r.status == 0, "backup: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "1 disclosures"));
	tu_ctl_done(&r);
	ck_assert_ptr_nonnull(head = (unsigned char *)tu_read_file(dest, &len));
	ck_assert_uint_gt(len, 100);
	ck_assert_int_eq(memcmp(head, "SQLite format 3", 16), 0);
	ck_assert_int_eq(head[18], 1);
	ck_assert_int_eq(head[19], 1);
	free(head);
	snprintf(side, sizeof(side), "%s-wal", dest);
	ck_assert_int_ne(access(side, F_OK), 0);
	ck_assert_int_eq(tu_sql_int(dest, "PRAGMA user_version"), 6);
	ck_assert_int_eq(tu_sql_int(dest, "SELECT count(*) FROM disclosure"), 1);
	ck_assert(holds(dest, SANGONG_X));
	/* again over the first: the new copy replaces it */
	import_seed(store, SANGONG_Y);
	ctl_ok("backup", "--db", store, dest);
	ck_assert(holds(dest, SANGONG_Y));
	expect_nothing_beside(dest);
	tu_unlink_store(store);
	tu_unlink_store(dest);
	free(store);
	free(dest);
}
END_TEST

/* Where DEST cannot be written: 73, one line, nothing written. */
START_TEST(test_backup_unwritable)
{
	char *store = new_store(SANGONG_X);
	struct tu_ctl r = tu_ctl("backup", "--db", store, "/nonexistent/dir/b.sqlite", NULL);

	ck_assert_int_eq(r.status, 73);
	ck_assert_msg(strncmp(r.err, "budgetctl: /nonexistent/dir/b.sqlite: ", 38) == 0 &&
	                  strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
	              "stderr: %s", r.err);
	tu_ctl_done(&r);
	r = tu_ctl("backup", "--db", "/nonexistent/store.sqlite", "/tmp/x.sqlite", NULL);
	ck_assert_int_eq(r.status, 66);
	tu_ctl_done(&r);
	r = tu_ctl("backup", "--db", store, NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
	r = tu_ctl("backup", "--db", store, store, NULL); /* would cut the store from its -wal */
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
	r = tu_ctl("restore", "--db", store, store, NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* The round trip: import X, back up, import Y, restore: X's figures are back, and the
 * store's downloads (PATH.snapshot) are rewritten with them. */
START_TEST(test_restore_round_trip)
{
	char *store = new_store(SANGONG_X), *backup = tu_temp_path(".sqlite"), snap[4200];
	struct tu_ctl r;
	struct stat sb;

	ctl_ok("backup", "--db", store, backup);
	import_seed(store, SANGONG_Y);
	ck_assert(holds(store, SANGONG_Y));
	ck_assert_int_eq(chmod(store, 0640), 0); /* e.g. readable by budgetd's group only */
	r = tu_ctl("restore", "--db", store, backup, NULL);
	ck_assert_msg(r.status == 0, "restore: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "restored from"));
	tu_ctl_done(&r);
	ck_assert(holds(store, SANGONG_X));
	ck_assert_int_eq(stat(store, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0640); /* the restored file keeps the mode */
	snprintf(snap, sizeof(snap), "%s.snapshot", store);
	ck_assert(holds(snap, SANGONG_X));
	ck_assert_int_eq(tu_sql_int(store, "PRAGMA user_version"), 6);
	expect_nothing_beside(store);
	/* the restored store takes the next import as any other */
	import_seed(store, SANGONG_Y);
	ck_assert(holds(store, SANGONG_Y));
	tu_unlink_store(store);
	tu_unlink_store(backup);
	free(store);
	free(backup);
}
END_TEST

/* Issue #18: the published PDFs a store keeps beside it go with its backup, and come back
 * with a restore (into a store that never kept them). */
START_TEST(test_backup_and_restore_keep_the_pdfs)
{
	/* `sha256sum tests/extract/pdf/putuo-govt-office-2025-budget-dept.pdf` */
	static const char sha[] =
	    "ef2db536657de0a0e0ef27c4487f04034c430ffa3d83e522904c7a71b477c299";
	char *store = tu_temp_path(".sqlite"), *backup = tu_temp_path(".sqlite");
	char *other = new_store(SANGONG_X), json[4200], pdfs[4200], pdf[4300], kept[4400];
	const char *src = tu_env("BUDGETD_SOURCE");
	size_t want_len, got_len;
	char *want, *got;
	struct tu_ctl r;

	snprintf(json, sizeof(json), "%s/db/data/putuo-govt-office-2025-budget-dept.json", src);
	snprintf(pdfs, sizeof(pdfs), "%s/tests/extract/pdf", src);
	snprintf(pdf, sizeof(pdf), "%s/putuo-govt-office-2025-budget-dept.pdf", pdfs);
	r = tu_ctl("import", "--db", store, "--pdfs", pdfs, json, NULL);
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	ctl_ok("backup", "--db", store, backup);
	snprintf(kept, sizeof(kept), "%s.files/%s.pdf", backup, sha);
	want = tu_read_file(pdf, &want_len);
	got = tu_read_file(kept, &got_len);
	ck_assert_msg(got != NULL, "the backup has no %s", kept);
	ck_assert(got_len == want_len && memcmp(got, want, want_len) == 0);
	free(got);
	/* restored over a store that never kept it */
	ctl_ok("restore", "--db", other, backup);
	snprintf(kept, sizeof(kept), "%s.files/%s.pdf", other, sha);
	got = tu_read_file(kept, &got_len);
	ck_assert_msg(got != NULL, "the restored store has no %s", kept);
	ck_assert(got_len == want_len && memcmp(got, want, want_len) == 0);
	free(got);
	free(want);
	tu_unlink_store(store);
	tu_unlink_store(backup);
	tu_unlink_store(other);
	free(store);
	free(backup);
	free(other);
}
END_TEST

/* A store in WAL mode whose -wal holds a committed transaction not yet written back (a
 * writer killed, or a reader still open): SQLite opens a -wal it finds beside a file
 * whatever that file's header says, so a restore that left it there would have the old
 * transaction replayed onto the restored store. */
START_TEST(test_restore_never_replays_old_wal)
{
	char *store = new_store(SANGONG_Y), *backup = new_store(SANGONG_X), wal[4200];
	sqlite3 *sql;
	pid_t pid;
	int status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) { /* dies holding a committed, unchecked-pointed transaction */
		if (sqlite3_open(store, &sql) != SQLITE_OK ||
		    sqlite3_exec(sql,
		                 "PRAGMA journal_mode = wal; PRAGMA wal_autocheckpoint = 0; "
		                 "CREATE TABLE stale_wal(x); INSERT INTO stale_wal VALUES (1)",
		                 NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	snprintf(wal, sizeof(wal), "%s-wal", store);
	ck_assert_msg(access(wal, F_OK) == 0, "no -wal left: the test proves nothing");
	ck_assert_int_eq(tu_sql_int(store, "SELECT count(*) FROM stale_wal"), 1);

	ctl_ok("restore", "--db", store, backup);
	ck_assert_int_eq(tu_sql_int(store, "SELECT count(*) FROM sqlite_schema WHERE name = "
	                                   "'stale_wal'"),
	                 0);
	ck_assert_int_eq(tu_sql_int(store, "SELECT count(*) FROM disclosure"), 1);
	ck_assert(holds(store, SANGONG_X));
	tu_unlink_store(store);
	tu_unlink_store(backup);
	free(store);
	free(backup);
}
END_TEST

/* What a bad BACKUP is made of: a good backup's bytes, changed. */
enum bad {
	NOT_SQLITE,
	OTHER_SQLITE,
	EMPTY,
	TRUNCATED,
	DAMAGED,
	NEWER_VERSION,
	VERSION_1
};

static const struct {
	enum bad how;
	const char *says; /* in the one line on stderr */
} bad_backups[] = {
	{ NOT_SQLITE, "not a budgetd store (file is not a database)" },
	{ OTHER_SQLITE, "not a budgetd store (schema version 0)" },
	{ EMPTY, "store is empty" },
	{ TRUNCATED, "not a budgetd store (database disk image is malformed)" },
	{ DAMAGED, "damaged (quick_check: " },
	{ NEWER_VERSION, "store has schema version 99; this build reads up to 6" },
	{ VERSION_1, "store has schema version 1; this build reads version 6" },
};

static char *bad_backup(enum bad how)
{
	char *good = new_store(SANGONG_X), *copy = tu_temp_path(".sqlite"), *bytes, *path,
	     src[4200];
	sqlite3 *sql = NULL;
	size_t len;

	int64_t page = 0, size;

	ctl_ok("backup", "--db", good, copy);
	size = tu_sql_int(copy, "PRAGMA page_size");
	/* DAMAGED: the page of the explanations' paragraphs zeroed. The schema and the disclosures
	 * still read, so that only quick_check finds it (a page picked by its place in the file
	 * moved onto the schema when the schema grew). */
	if (how == DAMAGED)
		page = tu_sql_int(copy, "SELECT rootpage FROM sqlite_schema WHERE name = "
		                        "'explanation_paragraph'");
	ck_assert_ptr_nonnull(bytes = tu_read_file(copy, &len));
	if (how == NOT_SQLITE)
		snprintf(bytes, len, "department,year\nkashi-urumqi-office,2021\n");
	if (how == EMPTY)
		len = 0;
	if (how == TRUNCATED)
		len /= 2;
	if (how == DAMAGED) {
		ck_assert(page > 1 && (size_t)(page * size) <= len);
		memset(bytes + (page - 1) * size, 0, (size_t)size);
	}
	if (how == VERSION_1) {
		free(bytes);
		snprintf(src, sizeof(src), "%s/tests/data/kashi-v1.sqlite",
		         tu_env("BUDGETD_SOURCE"));
		ck_assert_ptr_nonnull(bytes = tu_read_file(src, &len));
	}
	path = tu_write_temp(bytes, how == NOT_SQLITE ? strlen(bytes) : len, ".sqlite");
	if (how == OTHER_SQLITE) /* some other program's SQLite file */
		ck_assert_int_eq(truncate(path, 0), 0);
	if (how == OTHER_SQLITE || how == NEWER_VERSION) {
		ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
		ck_assert_int_eq(sqlite3_exec(sql,
		                              how == NEWER_VERSION
		                                  ? "PRAGMA user_version = 99"
		                                  : "CREATE TABLE invoice(id INTEGER PRIMARY KEY)",
		                              NULL, NULL, NULL),
		                 SQLITE_OK);
		sqlite3_close(sql);
	}
	free(bytes);
	tu_unlink_store(good);
	tu_unlink_store(copy);
	free(good);
	free(copy);
	return path;
}

/* A bad BACKUP: 66, one line naming it and saying what is wrong, the store byte for byte
 * as it was, nothing left beside it. */
START_TEST(test_restore_refuses_bad_backup)
{
	char *store = new_store(SANGONG_Y), *backup = bad_backup(bad_backups[_i].how);
	char *before, *after, want[4400];
	size_t n_before, n_after;
	struct tu_ctl r;

	ck_assert_ptr_nonnull(before = tu_read_file(store, &n_before));
	r = tu_ctl("restore", "--db", store, backup, NULL);
	ck_assert_msg(r.status == 66, "exit %d: %s", r.status, r.err);
	snprintf(want, sizeof(want), "budgetctl: %s: %s", backup, bad_backups[_i].says);
	ck_assert_msg(strncmp(r.err, want, strlen(want)) == 0, "stderr: %s\nwant: %s", r.err, want);
	ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	tu_ctl_done(&r);
	ck_assert_ptr_nonnull(after = tu_read_file(store, &n_after));
	ck_assert(n_before == n_after && memcmp(before, after, n_before) == 0);
	ck_assert(holds(store, SANGONG_Y));
	expect_nothing_beside(store);
	free(before);
	free(after);
	tu_unlink_store(store);
	tu_unlink_store(backup);
	free(store);
	free(backup);
}
END_TEST

/* Backups taken while a second process imports six more disclosures into the same store
 * (one transaction): each opens, passes quick_check, and holds the store as it was before
 * the import (the seed alone: 1 disclosure) or after it (7, the files of db/data), never
 * part of the import. */
START_TEST(test_backup_during_import)
{
	static const char *const more[] = {
		"putuo-commerce-2025-budget-dept.json",
		"putuo-commerce-2025-budget-unit.json",
		"putuo-cpc-social-work-2024-final-dept.json",
		"putuo-govt-office-2025-budget-dept.json",
		"putuo-govt-office-2025-budget-unit.json",
		"putuo-wanli-subdistrict-2024-budget-dept.json",
	};
	char *store = new_store(SANGONG_X), *dest = tu_temp_path(".sqlite"), files[6][4200];
	char *argv[11] = { (char *)tu_env("BUDGETCTL_BIN"), "import", "--db", store };
	int status, during = 0, seen[2] = { 0, 0 };
	bool done = false;
	pid_t pid;

	for (int i = 0; i < 6; i++) {
		snprintf(files[i], sizeof(files[i]), "%s/db/data/%s", tu_env("BUDGETD_SOURCE"),
		         more[i]);
		argv[4 + i] = files[i];
	}
	ck_assert_int_eq(posix_spawn(&pid, argv[0], NULL, NULL, argv, environ), 0);
	for (int i = 0; i < 400 && !done; i++) {
		int64_t n;

		done = waitpid(pid, &status, WNOHANG) == pid;
		during += !done;
		ctl_ok("backup", "--db", store, dest);
		ck_assert_int_eq(tu_sql_int(dest, "SELECT quick_check = 'ok' FROM "
		                                  "pragma_quick_check"),
		                 1);
		n = tu_sql_int(dest, "SELECT count(*) FROM disclosure");
		ck_assert_msg(n == 1 || n == 7, "a backup holds %lld disclosures", (long long)n);
		seen[n == 7]++;
		/* the seed's figures in either state: the import did not touch that disclosure */
		ck_assert(holds(dest, SANGONG_X));
	}
	ck_assert_msg(done && WIFEXITED(status) && WEXITSTATUS(status) == 0, "import failed");
	ck_assert_msg(during > 0, "no backup ran while the import did: the test proves nothing");
	ctl_ok("backup", "--db", store, dest);
	ck_assert_int_eq(tu_sql_int(dest, "SELECT count(*) FROM disclosure"), 7);
	fprintf(stderr, "backups during the import: %d (%d before it, %d after)\n", during, seen[0],
	        seen[1]);
	tu_unlink_store(store);
	tu_unlink_store(dest);
	free(store);
	free(dest);
}
END_TEST

static bool is_path(const char *target, void *path)
{
	return strcmp(target, path) == 0;
}

/* Whether process pid has path open. */
static bool has_open(pid_t pid, const char *path)
{
	return tu_open_files(pid, is_path, (void *)path);
}

/* A restore while an import waits for the store's write lock: the restore renames the
 * backup's copy over the path without waiting, and the import, once it has the lock, holds
 * a file nothing reads again. It must fail and say so, not report a disclosure that is in
 * no store. (Before: "imported 1 disclosure", exit 0, and the store without it.) */
START_TEST(test_import_into_a_restored_store_fails)
{
	char *store = new_store(SANGONG_X), *backup = tu_temp_path(".sqlite"), *log, *said;
	char file[4200],
	    *argv[] = { (char *)tu_env("BUDGETCTL_BIN"), "import", "--db", store, file, NULL };
	posix_spawn_file_actions_t fa;
	int status, fd;
	sqlite3 *sql;
	pid_t pid;

	ctl_ok("backup", "--db", store, backup);
	snprintf(file, sizeof(file), "%s/db/data/putuo-commerce-2025-budget-dept.json",
	         tu_env("BUDGETD_SOURCE"));
	/* a writer in the middle of a transaction: the import waits for it */
	ck_assert_int_eq(sqlite3_open(store, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	log = tu_temp_path(".log");
	ck_assert_int_ge(fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDERR_FILENO);
	ck_assert_int_eq(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(fd);
	for (int i = 0; i < 1000 && !has_open(pid, store); i++)
		usleep(10000);
	ck_assert_msg(has_open(pid, store), "the import never opened the store");
	ctl_ok("restore", "--db", store, backup);
	sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(sql);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	              "the import into the replaced store said it landed");
	said = tu_read_file(log, NULL);
	ck_assert_msg(said != NULL && strstr(said, "the store was replaced meanwhile") != NULL,
	              "the import's message: %s", said ? said : "(none)");
	free(said);
	ck_assert_int_eq(tu_sql_int(store, "SELECT count(*) FROM disclosure"), 1);
	/* the restored store takes the same import again */
	ctl_ok("import", "--db", store, file);
	ck_assert_int_eq(tu_sql_int(store, "SELECT count(*) FROM disclosure"), 2);
	unlink(log);
	tu_unlink_store(store);
	tu_unlink_store(backup);
	free(log);
	free(store);
	free(backup);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("backup");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_backup_is_one_checked_file);
	tcase_add_test(tc, test_backup_unwritable);
	tcase_add_test(tc, test_restore_round_trip);
	tcase_add_test(tc, test_backup_and_restore_keep_the_pdfs);
	tcase_add_test(tc, test_restore_never_replays_old_wal);
	tcase_add_loop_test(tc, test_restore_refuses_bad_backup, 0,
	                    (int)(sizeof(bad_backups) / sizeof(bad_backups[0])));
	tcase_add_test(tc, test_backup_during_import);
	tcase_add_test(tc, test_import_into_a_restored_store_fails);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
