// SPDX-License-Identifier: MIT
// budgetctl end to end: messages with file, line and JSON path, exit codes, and a store that
// is untouched whenever a run fails.
#include "db.h"
#include "util.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The file with one text replacement, written to a temp file (caller frees and unlinks). */
static char *file_with(const char *file, const char *from, const char *to)
{
	char *seed = tu_read_file(file, NULL), *p, *text, *path;
	size_t n;

	ck_assert_ptr_nonnull(seed);
	p = strstr(seed, from);
	ck_assert_ptr_nonnull(p);
	n = strlen(seed) - strlen(from) + strlen(to) + 1;
	text = malloc(n);
	snprintf(text, n, "%.*s%s%s", (int)(p - seed), seed, to, p + strlen(from));
	path = tu_write_temp(text, strlen(text), ".json");
	free(text);
	free(seed);
	return path;
}

static char *seed_with(const char *from, const char *to)
{
	return file_with(tu_env("BUDGETD_SEED"), from, to);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

START_TEST(test_validate_good_file)
{
	struct tu_ctl r = tu_ctl("validate", tu_env("BUDGETD_SEED"), NULL);

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "valid: 1 disclosure: 9 tables"));
	tu_ctl_done(&r);
}
END_TEST

START_TEST(test_validate_names_file_line_and_path)
{
	char *bad = seed_with("\"number\": 7,", "\"number\": 100,");
	char expect[4200];
	struct tu_ctl r = tu_ctl("validate", bad, NULL);

	ck_assert_int_eq(r.status, 65);
	snprintf(expect, sizeof(expect), "%s:", bad);
	ck_assert_msg(strncmp(r.err, expect, strlen(expect)) == 0, "stderr: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, ": $.tables[6].number: table number 100"));
	/* FILE:LINE:COLUMN, with a real line number */
	ck_assert_int_gt(atoi(r.err + strlen(expect)), 1);
	tu_ctl_done(&r);
	unlink(bad);
	free(bad);
}
END_TEST

/* Format 2: a good file, and a bad one named with file, line and path. */
START_TEST(test_validate_format_2)
{
	char src[4200], expect[4200], *bad;
	struct tu_ctl r;

	snprintf(src, sizeof(src), "%s/tests/data/putuo-test-2023-final.json",
	         tu_env("BUDGETD_SOURCE"));
	r = tu_ctl("validate", src, NULL);
	ck_assert_msg(r.status == 0, "validate: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "valid: 1 disclosure: 10 tables"));
	tu_ctl_done(&r);
	bad = file_with(src, "\"2080505\"", "\"208050\"");
	r = tu_ctl("validate", bad, NULL);
	ck_assert_int_eq(r.status, 65);
	snprintf(expect, sizeof(expect), "%s:", bad);
	ck_assert_msg(strncmp(r.err, expect, strlen(expect)) == 0, "stderr: %s", r.err);
	ck_assert_ptr_nonnull(
	    strstr(r.err, ": $.tables[0].rows[3].codes: a joined code is 3, 5 or 7"));
	ck_assert_int_gt(atoi(r.err + strlen(expect)), 1);
	tu_ctl_done(&r);
	unlink(bad);
	free(bad);
}
END_TEST

START_TEST(test_import_then_list_and_export)
{
	char *store = tu_temp_path(".sqlite");
	struct tu_ctl r = tu_ctl("import", "--db", store, tu_env("BUDGETD_SEED"), NULL);

	ck_assert_msg(r.status == 0, "import: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "imported 1 disclosure into"));
	ck_assert_ptr_nonnull(strstr(r.out, "9 projects"));
	tu_ctl_done(&r);
	r = tu_ctl("list", "--db", store, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "kashi-urumqi-office\t2021\t"
	                        "新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处\n");
	tu_ctl_done(&r);
	r = tu_ctl("export", "--db", store, "kashi-urumqi-office", "2021", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"total\": \"700.94\""));
	tu_ctl_done(&r);
	r = tu_ctl("export", "--db", store, "kashi-urumqi-office", "2020", NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "no budget 2020 disclosure"));
	tu_ctl_done(&r);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* The store's downloads and the long CSV's index, one after the other (caller frees);
 * *len receives their length. */
static char *downloads(const char *store, size_t *len)
{
	static const char *const ext[] = { ".snapshot", ".amounts.csv", ".amounts.idx" };
	char path[4200], *all = NULL;

	*len = 0;
	for (size_t i = 0; i < 3; i++) {
		size_t n;
		char *text;
		snprintf(path, sizeof(path), "%s%s", store, ext[i]);
		text = tu_read_file(path, &n);
		ck_assert_msg(text != NULL, "%s", path);
		all = realloc(all, *len + n + 1);
		ck_assert_ptr_nonnull(all);
		memcpy(all + *len, text, n + 1);
		*len += n;
		free(text);
	}
	return all;
}

START_TEST(test_bad_file_changes_nothing)
{
	char *store = tu_temp_path(".sqlite"), *before, *after, *dl_before, *dl_after;
	char *other = seed_with("\"id\": \"kashi-urumqi-office\"", "\"id\": \"another-office\"");
	char *bad = seed_with("\"amount\": \"233.56\"", "\"amount\": \"-233.56\"");
	size_t n1, n2, n3, n4;
	struct tu_ctl r = tu_ctl("import", "--db", store, tu_env("BUDGETD_SEED"), NULL);

	ck_assert_int_eq(r.status, 0);
	tu_ctl_done(&r);
	before = tu_read_file(store, &n1);
	dl_before = downloads(store, &n3);
	/* A good new file together with a bad one: neither lands. */
	r = tu_ctl("import", "--db", store, other, bad, NULL);
	ck_assert_int_eq(r.status, 65);
	ck_assert_ptr_nonnull(strstr(r.err, "not a non-negative decimal"));
	ck_assert_ptr_nonnull(strstr(r.err, "nothing imported"));
	tu_ctl_done(&r);
	/* Two files for one disclosure: refused as bad input, before writing. */
	r = tu_ctl("import", "--db", store, other, other, NULL);
	ck_assert_int_eq(r.status, 65);
	ck_assert_ptr_nonnull(
	    strstr(r.err, "same disclosure (another-office 2021 budget, level department)"));
	tu_ctl_done(&r);
	after = tu_read_file(store, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_int_eq(memcmp(before, after, n1), 0);
	/* and so are its downloads, and the CSV's index that the next import copies by */
	dl_after = downloads(store, &n4);
	ck_assert_uint_eq(n3, n4);
	ck_assert_int_eq(memcmp(dl_before, dl_after, n3), 0);
	free(dl_before);
	free(dl_after);
	r = tu_ctl("list", "--db", store, NULL);
	ck_assert_ptr_null(strstr(r.out, "another-office"));
	tu_ctl_done(&r);
	free(before);
	free(after);
	tu_unlink_store(store);
	unlink(other);
	unlink(bad);
	free(store);
	free(other);
	free(bad);
}
END_TEST

/* Overwrites the first byte of the line starting with line in file at path, keeping the
 * file's size, inode and mtime: what the CSV's index (PATH.amounts.idx) knows it by. */
static void mark_line(const char *path, const char *line, char to)
{
	size_t n;
	char *text = tu_read_file(path, &n), *at;
	struct stat sb;
	FILE *f;

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(stat(path, &sb), 0);
	at = strstr(text, line);
	ck_assert_ptr_nonnull(at);
	f = fopen(path, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, at - text + 1, SEEK_SET), 0);
	ck_assert_int_eq(fputc(to, f), to);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(
	    utimensat(AT_FDCWD, path, (struct timespec[]){ sb.st_atim, sb.st_mtim }, 0), 0);
	free(text);
}

/* #17: an import into a store writes only its own disclosures' lines of the long CSV and
 * copies the others' from the CSV before (the line marked in it shows it), and the CSV is
 * byte for byte what a whole rewrite (restore) gives. */
START_TEST(test_import_rewrites_only_its_csv_lines)
{
	char *store = tu_temp_path(".sqlite"), *backup = tu_temp_path(".sqlite");
	char *other = seed_with("\"id\": \"kashi-urumqi-office\"", "\"id\": \"another-office\"");
	char *changed =
	    seed_with("\"name\": \"一般公共服务支出\"", "\"name\": \"一般公共服务支出改\"");
	char csv[4200], idx[4200], *part, *whole, *at;
	struct tu_ctl r = tu_ctl("import", "--db", store, tu_env("BUDGETD_SEED"), other, NULL);
	size_t n1, n2;

	ck_assert_int_eq(r.status, 0);
	tu_ctl_done(&r);
	snprintf(csv, sizeof(csv), "%s.amounts.csv", store);
	snprintf(idx, sizeof(idx), "%s.amounts.idx", store);
	ck_assert(exists(idx));
	mark_line(csv, "\nanother-office,", 'A');
	r = tu_ctl("import", "--db", store, changed, NULL);
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	part = tu_read_file(csv, &n1);
	ck_assert_ptr_nonnull(part);
	ck_assert_ptr_nonnull(strstr(part, "一般公共服务支出改"));
	at = strstr(part, "\nAnother-office,"); /* copied, not written afresh */
	ck_assert_ptr_nonnull(at);
	at[1] = 'a';
	r = tu_ctl("backup", "--db", store, backup, NULL);
	ck_assert_int_eq(r.status, 0);
	tu_ctl_done(&r);
	r = tu_ctl("restore", "--db", store, backup, NULL);
	ck_assert_int_eq(r.status, 0);
	tu_ctl_done(&r);
	whole = tu_read_file(csv, &n2);
	ck_assert_ptr_nonnull(whole);
	ck_assert_uint_eq(n1, n2);
	ck_assert_msg(memcmp(part, whole, n1) == 0, "the CSV differs from a whole rewrite");
	ck_assert_int_eq(tu_sql_int(store, "SELECT count(*) FROM disclosure"), 2);
	free(part);
	free(whole);
	unlink(csv);
	unlink(idx);
	snprintf(csv, sizeof(csv), "%s.snapshot", store);
	unlink(csv);
	tu_unlink_store(store);
	tu_unlink_store(backup);
	unlink(other);
	unlink(changed);
	free(store);
	free(backup);
	free(other);
	free(changed);
}
END_TEST

/* budgetctl upgrade: a store made by the version 1 budgetctl (tests/data/kashi-v1.sqlite)
 * becomes version 6 in place and serves the same figures. */
START_TEST(test_upgrade_v1_store)
{
	char *store;
	struct tu_ctl r;

	store = tu_fixture_copy("kashi-v1.sqlite");
	r = tu_ctl("export", "--db", store, "kashi-urumqi-office", "2021", NULL);
	ck_assert_int_eq(r.status, 66);
	ck_assert_msg(strstr(r.err, "run `budgetctl upgrade") != NULL, "stderr: %s", r.err);
	tu_ctl_done(&r);
	r = tu_ctl("upgrade", "--db", store, NULL);
	ck_assert_msg(r.status == 0, "upgrade: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "upgraded from schema version 1 to 6"));
	tu_ctl_done(&r);
	r = tu_ctl("export", "--db", store, "kashi-urumqi-office", "2021", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"format\": \"budgetd-disclosure/2\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"total\": \"700.94\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"type\": \"budget_sangong\""));
	tu_ctl_done(&r);
	r = tu_ctl("upgrade", "--db", store, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "already at schema version 6"));
	tu_ctl_done(&r);
	r = tu_ctl("upgrade", "--db", "/nonexistent/store.sqlite", NULL);
	ck_assert_int_eq(r.status, 66);
	tu_ctl_done(&r);
	r = tu_ctl("upgrade", "--db", store, "extra", NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* budgetctl upgrade of a current store rewrites a long CSV whose columns an older budgetd
 * wrote (before #18: no page, x0, y0, x1, y1), and leaves a current one alone. */
START_TEST(test_upgrade_rewrites_an_older_long_csv)
{
	char *store = tu_temp_path(".sqlite"), csv[4200], *now, *old, *again, *p, *q;
	struct tu_ctl r = tu_ctl("import", "--fresh", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	size_t n, m;
	FILE *f;

	ck_assert_int_eq(r.status, 0);
	tu_ctl_done(&r);
	snprintf(csv, sizeof(csv), "%s.amounts.csv", store);
	ck_assert_ptr_nonnull(now = tu_read_file(csv, &n));
	p = strstr(now, ",value_yuan");
	ck_assert_msg(p != NULL && strncmp(p, ",value_yuan,page,x0,y0,x1,y1\r\n", 29) == 0,
	              "%.300s", now);
	/* the same lines as budgetd 1.9 wrote them: without the five last columns */
	ck_assert_ptr_nonnull(old = calloc(n + 1, 1));
	for (p = now, q = old; *p != '\0'; p = strstr(p, "\r\n") + 2) {
		size_t len = (size_t)(strstr(p, "\r\n") - p);
		ck_assert_uint_gt(len, 25);
		ck_assert(strncmp(p + len - 5, ",,,,,", 5) == 0 || p == now);
		len -= p == now ? strlen(",page,x0,y0,x1,y1") : 5;
		memcpy(q, p, len);
		memcpy(q + len, "\r\n", 2);
		q += len + 2;
	}
	ck_assert_ptr_nonnull(f = fopen(csv, "wb"));
	ck_assert_uint_eq(fwrite(old, 1, strlen(old), f), strlen(old));
	ck_assert_int_eq(fclose(f), 0);
	r = tu_ctl("upgrade", "--db", store, NULL);
	ck_assert_msg(r.status == 0, "upgrade: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "already at schema version 6"));
	ck_assert_msg(strstr(r.out, "amounts.csv: rewritten") != NULL, "%s", r.out);
	tu_ctl_done(&r);
	ck_assert_ptr_nonnull(again = tu_read_file(csv, &m));
	ck_assert_msg(m == n && memcmp(again, now, n) == 0, "the CSV as an import writes it");
	free(again);
	/* a current one is left as it is */
	r = tu_ctl("upgrade", "--db", store, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_null(strstr(r.out, "rewritten"));
	tu_ctl_done(&r);
	free(old);
	free(now);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* A 部门 and a 单位 disclosure of one department and year: both land, export picks one. */
/* A store made by the version 2 budgetctl (main at f2b4d04, the seed imported: tests/data/
 * kashi-v2.sqlite) is refused by export until upgraded, then gains the derived tables. */
START_TEST(test_upgrade_v2_store)
{
	char src[4200], *store;
	struct tu_ctl r;

	store = tu_fixture_copy("kashi-v2.sqlite");
	r = tu_ctl("export", "--db", store, "kashi-urumqi-office", "2021", NULL);
	ck_assert_int_eq(r.status, 66);
	ck_assert_msg(strstr(r.err, "schema version 2") != NULL, "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, "run `budgetctl upgrade") != NULL, "stderr: %s", r.err);
	tu_ctl_done(&r);
	r = tu_ctl("upgrade", "--db", store, NULL);
	ck_assert_msg(r.status == 0, "upgrade: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "upgraded from schema version 2 to 6"));
	tu_ctl_done(&r);
	r = tu_ctl("export", "--db", store, "kashi-urumqi-office", "2021", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"total\": \"700.94\""));
	tu_ctl_done(&r);
	/* The downloads budgetd serves are of the upgraded store, not of version 2. */
	snprintf(src, sizeof(src), "%s.snapshot", store);
	ck_assert_int_eq(tu_sql_int(src, "PRAGMA user_version"), 6);
	unlink(src);
	snprintf(src, sizeof(src), "%s.amounts.csv", store);
	ck_assert_int_eq(access(src, R_OK), 0);
	unlink(src);
	tu_unlink_store(store);
	free(store);
}
END_TEST

START_TEST(test_export_level)
{
	char src[4200], *store = tu_temp_path(".sqlite"), *unit;
	struct tu_ctl r;

	snprintf(src, sizeof(src), "%s/tests/data/putuo-test-2023-final.json",
	         tu_env("BUDGETD_SOURCE"));
	unit = file_with(src, "\"level\": \"department\"", "\"level\": \"unit\"");
	r = tu_ctl("import", "--db", store, src, unit, NULL);
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	r = tu_ctl("export", "--db", store, "--level", "unit", "putuo-test-bureau", "2023", "final",
	           NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"level\": \"unit\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"income_final\": \"-1.69\""));
	ck_assert_ptr_nonnull(strstr(r.out, "56.7,"));
	tu_ctl_done(&r);
	r = tu_ctl("export", "--db", store, "putuo-test-bureau", "2023", "final", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"level\": \"department\""));
	tu_ctl_done(&r);
	r = tu_ctl("export", "--db", store, "--level", "county", "putuo-test-bureau", "2023", NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
	unlink(unit);
	free(unit);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* query's one text answer on the store at path (read-only) is want. */
static void assert_sql_text(const char *path, const char *query, const char *want)
{
	sqlite3 *sql = NULL;
	sqlite3_stmt *st = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql, query, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), want);
	sqlite3_finalize(st);
	sqlite3_close(sql);
}

/* --fresh replaces the store; its snapshot is the new store's bytes (#17: the built store is
 * checked once and linked, no copy: the same file), and it opens and reads. */
START_TEST(test_fresh_builds_a_new_store)
{
	char *store = tu_temp_path(".sqlite"), snap[4200], *a, *b;
	char *other = seed_with("\"id\": \"kashi-urumqi-office\"", "\"id\": \"another-office\"");
	struct tu_ctl r = tu_ctl("import", "--db", store, other, NULL);
	struct stat st_store, st_snap;
	size_t na, nb;

	ck_assert_int_eq(r.status, 0);
	tu_ctl_done(&r);
	r = tu_ctl("import", "--fresh", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	ck_assert_int_eq(r.status, 0);
	tu_ctl_done(&r);
	r = tu_ctl("list", "--db", store, NULL);
	ck_assert_ptr_null(strstr(r.out, "another-office"));
	ck_assert_ptr_nonnull(strstr(r.out, "kashi-urumqi-office"));
	tu_ctl_done(&r);

	snprintf(snap, sizeof(snap), "%s.snapshot", store);
	ck_assert_ptr_nonnull(a = tu_read_file(store, &na));
	ck_assert_ptr_nonnull(b = tu_read_file(snap, &nb));
	ck_assert_msg(na == nb && memcmp(a, b, na) == 0, "the snapshot is not the store built");
	ck_assert_int_eq(stat(store, &st_store), 0);
	ck_assert_int_eq(stat(snap, &st_snap), 0);
	ck_assert_msg(st_store.st_ino == st_snap.st_ino, "the snapshot is a copy of the store");
	ck_assert_int_eq(tu_sql_int(snap, "SELECT count(*) FROM disclosure"), 1);
	assert_sql_text(snap, "PRAGMA journal_mode", "delete");
	assert_sql_text(snap, "PRAGMA quick_check", "ok");
	free(a);
	free(b);
	unlink(snap);
	tu_unlink_store(store);
	unlink(other);
	free(store);
	free(other);
}
END_TEST

/* The MiB an import said it advised as huge pages (BUDGETCTL_STAGES=1), -1 if it did not say. */
static long heap_said(const char *err)
{
	const char *at = strstr(err, "stage (heap: ");

	return at != NULL ? strtol(at + strlen("stage (heap: "), NULL, 10) : -1;
}

/* Whether this machine lets budgetctl have its heap in huge pages: its own glibc malloc (not
 * a sanitizer's), a kernel with THP, no strict overcommit, and no data limit. */
static bool huge_heap_possible(void)
{
	struct rlimit rl;
	char *mode = tu_read_file("/proc/sys/vm/overcommit_memory", NULL);
	bool strict = mode != NULL && mode[0] == '2';

	free(mode);
	return strcmp(tu_env("BUDGETD_ALLOCATOR"), "asan") != 0 && !strict &&
	       exists("/sys/kernel/mm/transparent_hugepage/enabled") &&
	       getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur == RLIM_INFINITY;
}

/* Issue #17 round 24: an import first grows its heap by 1 GiB of address space, advised as
 * transparent huge pages. Under a data limit, which counts that space untouched, it does not,
 * and imports all the same. */
START_TEST(test_import_heap_in_huge_pages)
{
	char *store = tu_temp_path(".sqlite");
	struct rlimit was, limited;
	struct tu_ctl r;

	setenv("BUDGETCTL_STAGES", "1", 1);
	r = tu_ctl("import", "--fresh", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	ck_assert_int_eq(r.status, 0);
	if (huge_heap_possible())
		ck_assert_msg(heap_said(r.err) >= 1000, "no huge pages: %s", r.err);
	tu_ctl_done(&r);
	tu_unlink_store(store);
	/* AddressSanitizer's own mappings do not fit under the limit (neither this process's nor
	 * budgetctl's): that half runs in the plain build. */
	if (strcmp(tu_env("BUDGETD_ALLOCATOR"), "asan") == 0) {
		unsetenv("BUDGETCTL_STAGES");
		free(store);
		return;
	}

	ck_assert_int_eq(getrlimit(RLIMIT_DATA, &was), 0);
	limited = was;
	limited.rlim_cur = (rlim_t)768 << 20;
	if (was.rlim_cur != RLIM_INFINITY && was.rlim_cur < limited.rlim_cur)
		limited.rlim_cur = was.rlim_cur;
	ck_assert_int_eq(setrlimit(RLIMIT_DATA, &limited), 0);
	r = tu_ctl("import", "--fresh", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	ck_assert_int_eq(setrlimit(RLIMIT_DATA, &was), 0);
	unsetenv("BUDGETCTL_STAGES");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(heap_said(r.err), 0);
	ck_assert_int_eq(tu_sql_int(store, "SELECT count(*) FROM disclosure"), 1);
	tu_ctl_done(&r);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* The bytes of the file open at fd, from its start (caller frees). */
static char *read_fd(int fd, size_t len)
{
	char *buf = malloc(len + 1);

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, len, 0), (ssize_t)len);
	return buf;
}

/* The snapshot --fresh links to the store keeps its bytes when the store is written next,
 * also for a reader that opened it before (a download under way): an import in place first
 * moves the store to a file of its own. Here that import fails (its second file is bad), so
 * the snapshot is not rewritten after it, yet it has already switched the store to WAL in
 * its header: red when the write reaches the snapshot's file. */
START_TEST(test_fresh_snapshot_kept_from_the_next_write)
{
	char *store = tu_temp_path(".sqlite"), snap[4200], *before, *after, *now, *held;
	char *bad = seed_with("\"number\": 7,", "\"number\": 100,");
	char *other = seed_with("\"id\": \"kashi-urumqi-office\"", "\"id\": \"another-office\"");
	struct tu_ctl r = tu_ctl("import", "--fresh", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	struct stat st_store, st_snap, st_was;
	size_t nb, na, nn;
	int fd;

	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	snprintf(snap, sizeof(snap), "%s.snapshot", store);
	ck_assert_ptr_nonnull(before = tu_read_file(snap, &nb));
	ck_assert_int_ge(fd = open(snap, O_RDONLY), 0);
	ck_assert_int_eq(stat(snap, &st_was), 0);
	r = tu_ctl("import", "--db", store, other, bad, NULL);
	ck_assert_int_eq(r.status, 65);
	tu_ctl_done(&r);
	ck_assert_ptr_nonnull(now = tu_read_file(store, &nn));
	ck_assert_msg(nn != nb || memcmp(now, before, nb) != 0, "the import wrote nothing");
	ck_assert_ptr_nonnull(after = tu_read_file(snap, &na));
	ck_assert_msg(na == nb && memcmp(after, before, nb) == 0,
	              "the write to the store reached its snapshot");
	held = read_fd(fd, nb);
	close(fd);
	ck_assert_msg(memcmp(held, before, nb) == 0,
	              "the write to the store reached a snapshot already open");
	ck_assert_int_eq(stat(store, &st_store), 0);
	ck_assert_int_eq(stat(snap, &st_snap), 0);
	ck_assert_msg(st_store.st_ino != st_snap.st_ino, "the snapshot is still the store's file");
	ck_assert_int_eq(st_snap.st_ino, st_was.st_ino);
	ck_assert_int_eq(st_store.st_mode & 07777, st_snap.st_mode & 07777);
	assert_sql_text(snap, "PRAGMA journal_mode", "delete");
	free(held);
	/* then a good import writes the new snapshot as ever */
	r = tu_ctl("import", "--db", store, other, NULL);
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	ck_assert_int_eq(tu_sql_int(snap, "SELECT count(*) FROM disclosure"), 2);
	free(before);
	free(after);
	free(now);
	unlink(snap);
	tu_unlink_store(store);
	unlink(bad);
	unlink(other);
	free(bad);
	free(other);
	free(store);
}
END_TEST

/* budgetctl upgrade writes a store in place too: another name of the store's file (the
 * snapshot import --fresh links; the new store's snapshot.tmp-<pid> before its rename; here
 * a link by hand) keeps the old version's bytes, also for a reader that had it open. Red
 * when the upgrade writes the linked file. */
START_TEST(test_upgrade_leaves_a_linked_snapshot_alone)
{
	char *store = tu_fixture_copy("kashi-putuo-v4.sqlite"), snap[4200], *before, *held;
	struct tu_ctl r;
	size_t nb;
	int fd;

	snprintf(snap, sizeof(snap), "%s.kept", store);
	ck_assert_int_eq(link(store, snap), 0);
	ck_assert_ptr_nonnull(before = tu_read_file(snap, &nb));
	ck_assert_int_ge(fd = open(snap, O_RDONLY), 0);
	r = tu_ctl("upgrade", "--db", store, NULL);
	ck_assert_msg(r.status == 0, "upgrade: %s", r.err);
	tu_ctl_done(&r);
	held = read_fd(fd, nb);
	close(fd);
	ck_assert_msg(memcmp(held, before, nb) == 0, "the upgrade wrote the snapshot's file");
	ck_assert_int_eq(tu_sql_int(store, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	free(held);
	free(before);
	unlink(snap);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* A snapshot whose mode is not the new store's (chmod'ed by its operator) keeps its mode,
 * and the store keeps its own: the snapshot is then a copy, not a link, since giving a link
 * the old snapshot's mode would give it to the store too. */
START_TEST(test_fresh_snapshot_keeps_its_mode)
{
	char *store = tu_temp_path(".sqlite"), snap[4200];
	struct tu_ctl r = tu_ctl("import", "--fresh", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	struct stat st_store, st_snap, st_was;

	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	snprintf(snap, sizeof(snap), "%s.snapshot", store);
	ck_assert_int_eq(stat(store, &st_was), 0);
	/* a mode the store does not have: group-writable, or not readable by others */
	ck_assert_int_eq(chmod(snap, (st_was.st_mode & 0777) == 0600 ? 0640 : 0600), 0);
	ck_assert_int_eq(stat(snap, &st_was), 0);
	r = tu_ctl("import", "--fresh", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	ck_assert_int_eq(stat(store, &st_store), 0);
	ck_assert_int_eq(stat(snap, &st_snap), 0);
	ck_assert_int_eq(st_snap.st_mode & 07777, st_was.st_mode & 07777);
	ck_assert_int_ne(st_store.st_mode & 07777, st_was.st_mode & 07777);
	ck_assert_msg(st_store.st_ino != st_snap.st_ino, "the snapshot is the store's file");
	unlink(snap);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* Where the kernel or the file system has no copy_file_range() (preloaded to fail as such a
 * system's does), a snapshot that cannot be a link of the --fresh store (its mode differs) is
 * copied by hand, as the same bytes. Red without the fallback: the import fails. */
START_TEST(test_fresh_snapshot_without_copy_file_range)
{
	char *store = tu_temp_path(".sqlite"), snap[4200], *a, *b;
	struct stat st_store, st_snap;
	struct tu_ctl r;
	size_t na, nb;
	int fd;

	mode_t mask = umask(0);

	umask(mask);
	snprintf(snap, sizeof(snap), "%s.snapshot", store);
	fd = open(snap, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* not the mode SQLite creates the store with (0644 less the umask) */
	ck_assert_int_eq(chmod(snap, (0644 & ~mask) == 0600 ? 0640 : 0600), 0);

	tu_preload(tu_env("BUDGETD_NO_COPY_FILE_RANGE"));
	r = tu_ctl("import", "--fresh", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	tu_preload_end();
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	ck_assert_ptr_nonnull(a = tu_read_file(store, &na));
	ck_assert_ptr_nonnull(b = tu_read_file(snap, &nb));
	ck_assert_msg(na > 0 && na == nb && memcmp(a, b, na) == 0,
	              "the snapshot is not the store built");
	ck_assert_int_eq(stat(store, &st_store), 0);
	ck_assert_int_eq(stat(snap, &st_snap), 0);
	ck_assert_msg(st_store.st_ino != st_snap.st_ino, "a link, not a copy");
	assert_sql_text(snap, "PRAGMA quick_check", "ok");
	free(a);
	free(b);
	unlink(snap);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* --files-from: names one per line (CR LF or LF, empty lines skipped) join the command
 * line's in one import, for more files than a command line holds (#16's 100,000). A list
 * naming a missing file, or a missing list, changes nothing. Red when the list is ignored,
 * when its CR stays on a name, or when an empty line is taken for a file. */
START_TEST(test_import_files_from)
{
	char src[4200], *store = tu_temp_path(".sqlite"), *list = tu_temp_path(".txt");
	char *other = seed_with("\"id\": \"kashi-urumqi-office\"", "\"id\": \"another-office\"");
	FILE *f = fopen(list, "w");
	struct tu_ctl r;

	snprintf(src, sizeof(src), "%s/tests/data/putuo-test-2023-final.json",
	         tu_env("BUDGETD_SOURCE"));
	ck_assert_ptr_nonnull(f);
	fprintf(f, "\n%s\r\n\n%s\n", tu_env("BUDGETD_SEED"), other);
	ck_assert_int_eq(fclose(f), 0);
	r = tu_ctl("import", "--db", store, "--files-from", list, src, NULL);
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "imported 3 disclosures into"));
	tu_ctl_done(&r);
	r = tu_ctl("list", "--db", store, NULL);
	ck_assert_ptr_nonnull(strstr(r.out, "another-office\t2021\t"));
	ck_assert_ptr_nonnull(strstr(r.out, "kashi-urumqi-office\t2021\t"));
	ck_assert_ptr_nonnull(strstr(r.out, "putuo-test-bureau\t2023\t"));
	tu_ctl_done(&r);

	f = fopen(list, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n/nonexistent/file.json\n", other);
	ck_assert_int_eq(fclose(f), 0);
	r = tu_ctl("import", "--db", store, "--fresh", "--files-from", list, NULL);
	ck_assert_int_ne(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/file.json: cannot open"));
	tu_ctl_done(&r);
	r = tu_ctl("import", "--db", store, "--files-from", "/nonexistent/list.txt", NULL);
	ck_assert_int_eq(r.status, 66);
	ck_assert_ptr_nonnull(strstr(r.err, "--files-from /nonexistent/list.txt: No such file"));
	tu_ctl_done(&r);
	r = tu_ctl("list", "--db", store, NULL);
	ck_assert_ptr_nonnull(strstr(r.out, "putuo-test-bureau\t2023\t"));
	tu_ctl_done(&r);
	r = tu_ctl("validate", "--files-from", list, NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
	tu_unlink_store(store);
	unlink(list);
	unlink(other);
	free(store);
	free(list);
	free(other);
}
END_TEST

START_TEST(test_missing_and_unreadable_inputs)
{
	struct tu_ctl r = tu_ctl("validate", "/nonexistent/file.json", NULL);

	ck_assert_int_eq(r.status, 65);
	ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/file.json: cannot open"));
	tu_ctl_done(&r);
	r = tu_ctl("list", "--db", "/nonexistent/store.sqlite", NULL);
	ck_assert_int_eq(r.status, 66);
	tu_ctl_done(&r);
	ck_assert(!exists("/nonexistent/store.sqlite"));
}
END_TEST

START_TEST(test_help_and_usage)
{
	struct tu_ctl r = tu_ctl("--help", NULL);

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "import [--db PATH]"));
	ck_assert_ptr_nonnull(strstr(r.out, "Exit codes"));
	tu_ctl_done(&r);
	r = tu_ctl("import", "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "--fresh"));
	tu_ctl_done(&r);
	r = tu_ctl("help", "validate", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "writes nothing"));
	tu_ctl_done(&r);
	r = tu_ctl("frobnicate", NULL);
	ck_assert_int_eq(r.status, 64);
	ck_assert_ptr_nonnull(strstr(r.err, "unknown command"));
	tu_ctl_done(&r);
	r = tu_ctl("import", NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
	r = tu_ctl("export", "x", "notayear", NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
}
END_TEST

/* Findings of the store's disclosure whose message_zh is msg. */
static int count_message(void *ctx, const struct db_finding *f)
{
	const char **msg = ctx;
	const char *m = json_string_value(json_object_get(f->finding, "message_zh"));

	if (m != NULL && strcmp(m, msg[0]) == 0)
		msg[1] = "found";
	return 0;
}

/* `import` replaces a disclosure's findings with what the audit rules say of the new copy:
 * the hand-written ones (tests/findings_store) are gone whatever the rules find. */
START_TEST(test_import_replaces_findings)
{
	static const char fixture_msg[] = "项目支出情况说明中有“XX”字样，疑为模板未替换";
	char *store = tu_temp_path(".sqlite"), findings[4096];
	char *argv[] = { (char *)tu_env("BUDGETD_FINDINGS_STORE"), store,
		         (char *)tu_env("BUDGETD_SEED"), findings, NULL };
	struct db_finding_query q = { .department = "kashi-urumqi-office",
		                      .year = 2021,
		                      .kind = "budget",
		                      .level = "department" };
	struct db_finding_counts c;
	struct db_error err = { 0 };
	const char *msg[2] = { fixture_msg, NULL };
	struct db *db;
	struct tu_ctl r;
	char *out, *errs;

	snprintf(findings, sizeof(findings), "%s/tests/http/fixtures/%s", tu_env("BUDGETD_SOURCE"),
	         "kashi-urumqi-office-2021-findings.json");
	ck_assert_int_eq(tu_run(argv, &out, &errs), 0);
	free(out);
	free(errs);
	db = db_open(store, false, &err);
	ck_assert_msg(db != NULL, "%s", err.text);
	ck_assert_int_eq(db_findings(db, &q, count_message, msg, &c, &err), 0);
	ck_assert_uint_eq(c.total, 5);
	ck_assert_str_eq(msg[1], "found");
	db_close(db);
	r = tu_ctl("import", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	db = db_open(store, false, &err);
	ck_assert_msg(db != NULL, "%s", err.text);
	msg[1] = NULL;
	ck_assert_int_eq(db_findings(db, &q, count_message, msg, &c, &err), 0);
	ck_assert_ptr_null(msg[1]);
	db_close(db);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* Runs one statement on a store behind budgetctl's back, as a store made elsewhere would be. */
static void store_exec(const char *store, const char *stmt)
{
	sqlite3 *sql = NULL;

	ck_assert_int_eq(sqlite3_open(store, &sql), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(sql, stmt, NULL, NULL, NULL) == SQLITE_OK, "%s",
	              sqlite3_errmsg(sql));
	sqlite3_close(sql);
}

/* Issue 13, point 7: a stored name with ESC, CR LF, RTL override and a backslash prints as
 * one line of visible escapes. */
/* Copies src to dst (both whole paths). */
static void copy_file(const char *src, const char *dst)
{
	size_t n;
	char *text = tu_read_file(src, &n);
	FILE *f = fopen(dst, "wb");

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
	free(text);
}

/* Whether the file at a equals the file at b, byte for byte. */
static bool same_file(const char *a, const char *b)
{
	size_t na, nb;
	char *ta = tu_read_file(a, &na), *tb = tu_read_file(b, &nb);
	bool same = ta != NULL && tb != NULL && na == nb && memcmp(ta, tb, na) == 0;

	free(ta);
	free(tb);
	return same;
}

/* Issue #18: the PDF a file made by `budgetctl extract` names (source.file, source.sha256)
 * is kept beside the store under its SHA-256 when it is found and is that file; a missing or
 * different one is reported, and the disclosure imported without it. */
START_TEST(test_import_keeps_the_published_pdf)
{
	/* `sha256sum tests/extract/pdf/putuo-commerce-2025-budget-dept.pdf` */
	static const char sha[] =
	    "b067184912969b733d53e86c4cf658ba91b4cecf93c25b9198ea3086515e7a6a";
	char dir[] = "/tmp/budgetd-pdf-XXXXXX", json[200], pdf[200], pdfs[4200], want[4400];
	char kept[4400], *store = tu_temp_path(".sqlite");
	const char *src = tu_env("BUDGETD_SOURCE");
	struct tu_ctl r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(json, sizeof(json), "%s/commerce.json", dir);
	snprintf(pdf, sizeof(pdf), "%s/putuo-commerce-2025-budget-dept.pdf", dir);
	snprintf(want, sizeof(want), "%s/db/data/putuo-commerce-2025-budget-dept.json", src);
	copy_file(want, json);
	snprintf(pdfs, sizeof(pdfs), "%s/tests/extract/pdf", src);
	snprintf(want, sizeof(want), "%s/putuo-commerce-2025-budget-dept.pdf", pdfs);
	snprintf(kept, sizeof(kept), "%s.files/%s.pdf", store, sha);

	/* not beside the file: imported, said, nothing kept */
	r = tu_ctl("import", "--fresh", "--db", store, json, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "note: its PDF putuo-commerce-2025-budget-dept.pdf is "
	                                    "not beside it: imported without it"));
	tu_ctl_done(&r);
	ck_assert(!exists(kept));
	/* another PDF under its name: not the file the SHA-256 names */
	snprintf(want, sizeof(want), "%s/putuo-commerce-2025-budget-unit.pdf", pdfs);
	copy_file(want, pdf);
	r = tu_ctl("import", "--db", store, json, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_ptr_nonnull(strstr(r.err, "is not the file its source.sha256 names"));
	tu_ctl_done(&r);
	ck_assert(!exists(kept));
	/* --pdfs: found there when not beside the file */
	unlink(pdf);
	r = tu_ctl("import", "--db", store, "--pdfs", pdfs, json, NULL);
	ck_assert_msg(r.status == 0 && r.err[0] == '\0', "%s", r.err);
	tu_ctl_done(&r);
	snprintf(want, sizeof(want), "%s/putuo-commerce-2025-budget-dept.pdf", pdfs);
	ck_assert_msg(same_file(kept, want), "%s is not the published PDF", kept);
	/* beside the file, into a new store */
	tu_unlink_store(store);
	copy_file(want, pdf);
	r = tu_ctl("import", "--fresh", "--db", store, json, NULL);
	ck_assert_msg(r.status == 0 && r.err[0] == '\0', "%s", r.err);
	tu_ctl_done(&r);
	ck_assert(same_file(kept, want));
	unlink(pdf);
	unlink(json);
	rmdir(dir);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* Writes bytes as dir/putuo-commerce-2025-budget-dept.pdf and, beside it, commerce.json:
 * the extracted file of db/data naming that PDF by its SHA-256 (into sha, 65 bytes). */
static void fake_pdf(const char *dir, const char *bytes, char *sha)
{
	char pdf[200], json[200], *argv[] = { "/usr/bin/sha256sum", pdf, NULL }, *out = NULL,
	                          *err = NULL, *made;
	FILE *f;

	snprintf(pdf, sizeof(pdf), "%s/putuo-commerce-2025-budget-dept.pdf", dir);
	ck_assert_ptr_nonnull(f = fopen(pdf, "wb"));
	fputs(bytes, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(tu_run(argv, &out, &err), 0);
	ck_assert_int_eq(sscanf(out, "%64s", sha), 1);
	snprintf(json, sizeof(json), "%s/db/data/putuo-commerce-2025-budget-dept.json",
	         tu_env("BUDGETD_SOURCE"));
	made = file_with(json, "b067184912969b733d53e86c4cf658ba91b4cecf93c25b9198ea3086515e7a6a",
	                 sha);
	snprintf(json, sizeof(json), "%s/commerce.json", dir);
	ck_assert_int_eq(rename(made, json), 0);
	free(made);
	free(out);
	free(err);
}

/* Issue #18: a PDF whose pages cannot be rendered still imports, with the PDF kept and no
 * page images, and says so once; the import is never refused for it. */
START_TEST(test_unrenderable_pdf_imports_without_pages)
{
	char dir[] = "/tmp/budgetd-pdf-XXXXXX", json[200], pdf[200], kept[4400], *store, sha[65];
	struct tu_ctl r;
	int said;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	fake_pdf(dir, "%PDF-1.4\nnot a page in it\n", sha);
	snprintf(pdf, sizeof(pdf), "%s/putuo-commerce-2025-budget-dept.pdf", dir);
	snprintf(json, sizeof(json), "%s/commerce.json", dir);
	store = tu_temp_path(".sqlite");
	r = tu_ctl("import", "--fresh", "--db", store, json, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(strstr(r.err, "page 1 of its PDF could not be rendered") != NULL, "%s",
	              r.err);
	said = 0;
	for (const char *p = r.err; (p = strstr(p, "could not be rendered")) != NULL; p++)
		said++;
	ck_assert_msg(said == 1, "said %d times: %s", said, r.err);
	tu_ctl_done(&r);
	ck_assert_int_eq(tu_sql_int(store, "SELECT count(*) FROM disclosure"), 1);
	snprintf(kept, sizeof(kept), "%s.files/%s.pdf", store, sha);
	ck_assert(exists(kept));
	snprintf(kept, sizeof(kept), "%s.files/%s-1.png", store, sha);
	ck_assert(!exists(kept));
	unlink(pdf);
	unlink(json);
	rmdir(dir);
	tu_unlink_store(store);
	free(store);
}
END_TEST

static struct timespec ctime_of(const char *path)
{
	struct stat sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_ctim;
}

/* prune removes the kept PDFs and page images no disclosure names (here: the PDF of a
 * disclosure re-imported with another one) once they are older than --min-age, and a
 * killed writer's temporary; never a file a disclosure names, one kept recently, a live
 * writer's temporary or a file that is not budgetd's. An import that finds a kept file there
 * marks it kept anew. */
START_TEST(test_prune_removes_what_no_disclosure_names)
{
	char dir[] = "/tmp/budgetd-prune-XXXXXX", json[200], first[65], second[65];
	char old_pdf[4400], new_pdf[4400], dead_tmp[4500], live_tmp[4500], other[4400];
	char *store = tu_temp_path(".sqlite");
	struct timespec before, after;
	struct tu_ctl r;
	pid_t dead;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(json, sizeof(json), "%s/commerce.json", dir);
	/* a PDF with no page to render: kept without page images, at once */
	fake_pdf(dir, "%PDF-1.4\nthe first version\n", first);
	r = tu_ctl("import", "--fresh", "--db", store, json, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_ctl_done(&r);
	fake_pdf(dir, "%PDF-1.4\nthe second version\n", second);
	r = tu_ctl("import", "--db", store, json, NULL); /* the same disclosure, replaced */
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_ctl_done(&r);
	snprintf(old_pdf, sizeof(old_pdf), "%s.files/%s.pdf", store, first);
	snprintf(new_pdf, sizeof(new_pdf), "%s.files/%s.pdf", store, second);
	ck_assert(exists(old_pdf) && exists(new_pdf));
	/* a writer killed mid-copy (a process that is gone), one still writing (this one) */
	if ((dead = fork()) == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
	snprintf(dead_tmp, sizeof(dead_tmp), "%s.tmp-%ld", old_pdf, (long)dead);
	snprintf(live_tmp, sizeof(live_tmp), "%s.tmp-%ld", new_pdf, (long)getpid());
	snprintf(other, sizeof(other), "%s.files/README", store);
	fclose(fopen(dead_tmp, "w"));
	fclose(fopen(live_tmp, "w"));
	fclose(fopen(other, "w"));

	/* the default --min-age (a day): the old PDF and the temporary were made a moment ago */
	r = tu_ctl("prune", "--db", store, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "removed 0 files ") != NULL &&
	                  strstr(r.out, "kept 1 a disclosure names and 2 younger than 86400 s") !=
	                      NULL,
	              "%s", r.out);
	tu_ctl_done(&r);
	ck_assert(exists(old_pdf) && exists(dead_tmp) && exists(live_tmp));
	/* --dry-run names them and removes nothing */
	r = tu_ctl("prune", "--db", store, "--min-age", "0", "--dry-run", NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, old_pdf) != NULL && strstr(r.out, dead_tmp) != NULL &&
	                  strstr(r.out, "would remove 2 files ") != NULL,
	              "%s", r.out);
	ck_assert_ptr_null(strstr(r.out, new_pdf));
	tu_ctl_done(&r);
	ck_assert(exists(old_pdf) && exists(dead_tmp));
	r = tu_ctl("prune", "--db", store, "--min-age", "0", NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_ctl_done(&r);
	ck_assert(!exists(old_pdf) && !exists(dead_tmp));
	ck_assert(exists(new_pdf) && exists(live_tmp) && exists(other));
	{
		char q[200];
		snprintf(q, sizeof(q), "SELECT count(*) FROM source WHERE sha256 = '%s'", second);
		ck_assert_int_eq(tu_sql_int(store, q), 1); /* the PDF kept is the one it names */
	}

	/* found there again by an import, the PDF counts as kept now */
	before = ctime_of(new_pdf);
	usleep(20 * 1000);
	r = tu_ctl("import", "--db", store, json, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_ctl_done(&r);
	after = ctime_of(new_pdf);
	ck_assert_msg(after.tv_sec > before.tv_sec ||
	                  (after.tv_sec == before.tv_sec && after.tv_nsec > before.tv_nsec),
	              "the PDF found again is not marked kept");

	/* a backup (one file, rollback journal) pruned stays one: prune writes nothing */
	{
		char *backup = tu_temp_path(".sqlite"), head[20];
		FILE *f;
		r = tu_ctl("backup", "--db", store, backup, NULL);
		ck_assert_msg(r.status == 0, "%s", r.err);
		tu_ctl_done(&r);
		r = tu_ctl("prune", "--db", backup, "--min-age", "0", NULL);
		ck_assert_msg(r.status == 0 && strstr(r.out, "removed 0 files") != NULL, "%s%s",
		              r.out, r.err);
		tu_ctl_done(&r);
		ck_assert_ptr_nonnull(f = fopen(backup, "rb"));
		ck_assert_uint_eq(fread(head, 1, sizeof(head), f), sizeof(head));
		fclose(f);
		ck_assert_int_eq(head[18], 1); /* SQLite's file format: 1 rollback, 2 WAL */
		tu_unlink_store(backup);
		free(backup);
	}

	/* what it is given: a store that is not there, an age that is not one */
	r = tu_ctl("prune", "--db", "/nonexistent/budgetd.sqlite", NULL);
	ck_assert_int_eq(r.status, 66);
	tu_ctl_done(&r);
	r = tu_ctl("prune", "--db", store, "--min-age", "-1", NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);

	unlink(live_tmp);
	unlink(other);
	snprintf(old_pdf, sizeof(old_pdf), "%s/putuo-commerce-2025-budget-dept.pdf", dir);
	unlink(old_pdf);
	unlink(json);
	rmdir(dir);
	tu_unlink_store(store);
	free(store);
}
END_TEST

START_TEST(test_list_escapes_stored_text)
{
	char *store = tu_temp_path(".sqlite");
	struct tu_ctl r = tu_ctl("import", "--db", store, tu_env("BUDGETD_SEED"), NULL);

	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	store_exec(store, "UPDATE department_record SET name = '喀什' || char(27) || '[2J' || "
	                  "char(13) || char(10) || 'x' || char(8238) || 'y' || char(133) || "
	                  "char(9) || '\\'");
	r = tu_ctl("list", "--db", store, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "kashi-urumqi-office\t2021\t喀什\\u001b[2J\\u000d\\u000ax"
	                        "\\u202ey\\u0085\\u0009\\\\\n");
	tu_ctl_done(&r);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* Issue 13, point 8: a file that is not SQLite at all, given as the store to import into,
 * is named as the store (66: it cannot be read), and left as it was. */
START_TEST(test_garbage_store_named)
{
	static const char junk[] = "this is not a database, only some text\n";
	char *store = tu_write_temp(junk, sizeof(junk) - 1, ".sqlite"), expect[4200], *after;
	struct tu_ctl r = tu_ctl("import", "--db", store, tu_env("BUDGETD_SEED"), NULL);

	ck_assert_int_eq(r.status, 66);
	snprintf(expect, sizeof(expect),
	         "budgetctl: %s: not a budgetd store (file is not a database)\n", store);
	ck_assert_msg(strncmp(r.err, expect, strlen(expect)) == 0, "stderr: %s", r.err);
	tu_ctl_done(&r);
	after = tu_read_file(store, NULL);
	ck_assert_str_eq(after, junk);
	r = tu_ctl("list", "--db", store, NULL);
	ck_assert_int_eq(r.status, 66);
	ck_assert_msg(strncmp(r.err, expect, strlen(expect)) == 0, "stderr: %s", r.err);
	tu_ctl_done(&r);
	free(after);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* Issue 13, point 8: a store damaged in the middle (the disclosure table's root page
 * overwritten) is blamed on the store, not on the valid import file. */
START_TEST(test_damaged_store_blamed)
{
	char *store = tu_temp_path(".sqlite"), expect[4200], blamed[4200];
	struct tu_ctl r = tu_ctl("import", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	sqlite3 *sql = NULL;
	sqlite3_stmt *st = NULL;
	int page = 0, size = 0;
	FILE *f;

	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	ck_assert_int_eq(sqlite3_open(store, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql,
	                                    "SELECT rootpage, (SELECT page_size FROM "
	                                    "pragma_page_size) FROM sqlite_schema WHERE "
	                                    "name = 'disclosure'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	page = sqlite3_column_int(st, 0);
	size = sqlite3_column_int(st, 1);
	sqlite3_finalize(st);
	sqlite3_close(sql);
	ck_assert_int_gt(page, 1);
	ck_assert_ptr_nonnull(f = fopen(store, "r+b"));
	ck_assert_int_eq(fseek(f, (long)(page - 1) * size, SEEK_SET), 0);
	for (int i = 0; i < size; i++)
		fputc(0xA5, f);
	fclose(f);
	r = tu_ctl("import", "--db", store, tu_env("BUDGETD_SEED"), NULL);
	ck_assert_int_eq(r.status, 66);
	snprintf(expect, sizeof(expect), "budgetctl: %s: ", store);
	ck_assert_msg(strncmp(r.err, expect, strlen(expect)) == 0, "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, "malformed") != NULL, "stderr: %s", r.err);
	snprintf(blamed, sizeof(blamed), "%s: ", tu_env("BUDGETD_SEED"));
	ck_assert_msg(strstr(r.err, blamed) == NULL, "the import file is blamed: %s", r.err);
	tu_ctl_done(&r);
	tu_unlink_store(store);
	free(store);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("budgetctl");

	tcase_add_test(tc, test_validate_good_file);
	tcase_add_test(tc, test_validate_names_file_line_and_path);
	tcase_add_test(tc, test_validate_format_2);
	tcase_add_test(tc, test_import_then_list_and_export);
	tcase_add_test(tc, test_upgrade_v1_store);
	tcase_add_test(tc, test_upgrade_v2_store);
	tcase_add_test(tc, test_upgrade_rewrites_an_older_long_csv);
	tcase_add_test(tc, test_export_level);
	tcase_add_test(tc, test_bad_file_changes_nothing);
	tcase_add_test(tc, test_import_rewrites_only_its_csv_lines);
	tcase_add_test(tc, test_fresh_builds_a_new_store);
	tcase_add_test(tc, test_import_heap_in_huge_pages);
	tcase_add_test(tc, test_fresh_snapshot_kept_from_the_next_write);
	tcase_add_test(tc, test_upgrade_leaves_a_linked_snapshot_alone);
	tcase_add_test(tc, test_fresh_snapshot_keeps_its_mode);
	tcase_add_test(tc, test_fresh_snapshot_without_copy_file_range);
	tcase_add_test(tc, test_missing_and_unreadable_inputs);
	tcase_add_test(tc, test_import_files_from);
	tcase_add_test(tc, test_help_and_usage);
	tcase_add_test(tc, test_import_replaces_findings);
	tcase_add_test(tc, test_list_escapes_stored_text);
	tcase_add_test(tc, test_import_keeps_the_published_pdf);
	tcase_add_test(tc, test_prune_removes_what_no_disclosure_names);
	tcase_add_test(tc, test_unrenderable_pdf_imports_without_pages);
	tcase_add_test(tc, test_garbage_store_named);
	tcase_add_test(tc, test_damaged_store_blamed);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
