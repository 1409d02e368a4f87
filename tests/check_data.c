// SPDX-License-Identifier: MIT
// The workers' connections (server/data.c, #17): a worker's read transaction outlives its
// request, and must neither stop an import's commit for long nor serve data older than the
// cache's generation. Each case runs in a thread of its own that ends before
// srv_data_close(), as budgetd's workers do (a worker's connection closes with its thread).
#include "data.h"
#include "db.h"
#include "util.h"

#include <check.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* A copy of the bundled store in a temporary file; the caller frees the path. */
static char *store_copy(void)
{
	size_t n;
	char *data = tu_read_file(tu_env("BUDGETD_STORE"), &n), *path;

	ck_assert_msg(data != NULL, "cannot read the bundled store");
	path = tu_write_temp(data, n, ".sqlite");
	free(data);
	return path;
}

static void exec_ok(sqlite3 *w, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(w, sql, NULL, NULL, &msg);

	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
}

/* The disclosures as this thread's connection reads them, as a request would. */
static int64_t disclosures(struct srv_data *d)
{
	struct db *db = srv_data_db(d);
	int64_t n = -1;

	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(db_read_begin(db), 0);
	ck_assert_int_eq(db_disclosure_count(db, &n), 0);
	db_read_end(db);
	return n;
}

static const char drop_one[] = "DELETE FROM disclosure WHERE id = (SELECT max(id) FROM disclosure)";

struct scene {
	const char *path;
	struct srv_data *d;
};

/* A store in WAL mode (an import in place writes it so): the commit does not wait for the
 * reader's kept snapshot. The watcher has seen it once the cache's generation moved on
 * (srv_cache_invalidate() is what it calls then); from then on a worker reads the commit,
 * though its kept snapshot is older and the watcher's next tick has not ended it yet. */
static void *after_the_watcher_saw_it(void *arg)
{
	struct scene *s = arg;
	int64_t before;
	sqlite3 *w;

	ck_assert_int_eq(sqlite3_open(s->path, &w), SQLITE_OK);
	exec_ok(w, "PRAGMA synchronous = OFF"); /* a quick commit: the watcher's tick stays away */
	before = disclosures(s->d); /* the snapshot is kept from here on */
	exec_ok(w, drop_one);
	srv_cache_invalidate(srv_data_cache(s->d));
	ck_assert_int_eq(disclosures(s->d), before - 1);
	ck_assert_int_eq(sqlite3_close(w), SQLITE_OK);
	return NULL;
}

/* A rollback journal, as budgetctl leaves the store: a commit needs every reader's shared
 * lock gone, and a kept snapshot holds one. The worker reads once and then idles; the
 * keeper thread ends its snapshot at its next tick (20 ms), well within the writer's second. */
static void *idle_worker(void *arg)
{
	struct scene *s = arg;
	sqlite3 *w;

	ck_assert_int_ge(disclosures(s->d), 1);
	ck_assert_int_eq(sqlite3_open(s->path, &w), SQLITE_OK);
	sqlite3_busy_timeout(w, 1000);
	exec_ok(w, drop_one);
	ck_assert_int_eq(sqlite3_close(w), SQLITE_OK);
	return NULL;
}

/* Serves a copy of the bundled store, switched to journal mode `mode`, to worker, which runs
 * in a thread of its own as budgetd's workers do. */
static void run_scene(const char *mode, void *(*worker)(void *))
{
	struct db_error err = { 0 };
	char *path = store_copy(), pragma[64];
	struct scene s = { .path = path };
	sqlite3 *w;
	pthread_t t;

	snprintf(pragma, sizeof(pragma), "PRAGMA journal_mode = %s", mode);
	ck_assert_int_eq(sqlite3_open(path, &w), SQLITE_OK);
	exec_ok(w, pragma);
	ck_assert_int_eq(sqlite3_close(w), SQLITE_OK);
	s.d = srv_data_open(path, NULL, 1 << 20, &err);
	ck_assert_msg(s.d != NULL, "%s", err.text);
	ck_assert_int_eq(pthread_create(&t, NULL, worker, &s), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	srv_data_close(s.d);
	tu_unlink_store(path);
	free(path);
}

START_TEST(test_a_worker_reads_what_the_watcher_has_seen)
{
	run_scene("WAL", after_the_watcher_saw_it);
}
END_TEST

START_TEST(test_an_idle_worker_lets_an_import_commit)
{
	run_scene("DELETE", idle_worker);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("data");
	TCase *tc = tcase_create("kept read transactions");

	tcase_add_test(tc, test_a_worker_reads_what_the_watcher_has_seen);
	tcase_add_test(tc, test_an_idle_worker_lets_an_import_commit);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
