// SPDX-License-Identifier: MIT
// Opening the store: schema creation, version check, and the pragmas every connection needs
// (foreign keys for the cascades, WAL so an import never blocks readers).
#include "internal.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int exec(sqlite3 *sql, const char *stmt, struct db_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(sql, stmt, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	db_err_set(err, "%s", msg ? msg : sqlite3_errmsg(sql));
	sqlite3_free(msg);
	return -1;
}

void db_err_store(struct db_error *err, sqlite3 *sql)
{
	int rc = sqlite3_errcode(sql) & 0xFF;

	if (err != NULL && (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB))
		err->code = DB_BAD_STORE;
}

static int user_version(sqlite3 *sql, int *version, int *objects)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(sql, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto done;
	*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(sql, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto done;
	*objects = sqlite3_column_int(st, 0);
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/* Creates the schema in an empty file, or checks that the file holds a store we can read.
 * A version 1 store opened for writing is upgraded here (migrate.c). */
static int prepare_schema(struct db *db, struct db_error *err)
{
	int version = 0, objects = 0;

	if (user_version(db->sql, &version, &objects) != 0) {
		db_err_set(err, "not a budgetd store (%s)", sqlite3_errmsg(db->sql));
		err->code = DB_BAD_STORE;
		return -1;
	}
	if (version == DB_SCHEMA_VERSION)
		return 0;
	err->code = DB_BAD_STORE; /* until it turns out to be one we can make ours */
	if (version >= 1 && version < DB_SCHEMA_VERSION && !db->writable) {
		db_err_set(err,
		           "store has schema version %d; this build reads version %d: run "
		           "`budgetctl upgrade --db PATH` to upgrade it in place",
		           version, DB_SCHEMA_VERSION);
		return -1;
	}
	if (version == 1) {
		err->code = 0;
		return db_migrate_v1(db->sql, err);
	}
	if (version == 2) {
		err->code = 0;
		return db_migrate_v2(db->sql, err);
	}
	if (version >= 3 && version <= 5) {
		err->code = 0;
		return db_migrate_v3(db->sql, err);
	}
	if (version > DB_SCHEMA_VERSION) {
		db_err_set(err, "store has schema version %d; this build reads up to %d", version,
		           DB_SCHEMA_VERSION);
		return -1;
	}
	if (version != 0 || objects != 0) {
		db_err_set(err, "not a budgetd store (schema version %d)", version);
		return -1;
	}
	if (!db->writable) {
		db_err_set(err, "store is empty");
		return -1;
	}
	err->code = 0;
	if (exec(db->sql, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (exec(db->sql, db_schema_sql, err) != 0 || exec(db->sql, db_derived_sql, err) != 0) {
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec(db->sql, "COMMIT", err);
}

/* SQLite's memory statistics (sqlite3_status, sqlite3_memory_used; nothing here reads them)
 * take one process-wide mutex on every allocation and every free, from every worker thread.
 * Off, as SQLite's recommended options have it and as better-sqlite3, issue #17's Node
 * peer, is built: about 3 % of the CPU of a department list or 三公 answer (issue #17).
 * sqlite3_config() works only before the library's first use, hence at load time. */
__attribute__((constructor)) static void no_memory_statistics(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Opens path and makes sure it holds a store of this version; messages without the path. */
static struct db *open_store(const char *path, bool writable, struct db_error *err)
{
	int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	struct db *db = calloc(1, sizeof(*db));

	if (db == NULL) {
		db_err_set(err, "out of memory");
		return NULL;
	}
	db->writable = writable;
	/* NOMUTEX: a connection is used by one thread at a time (the daemon opens one per
	 * worker), so SQLite's own locking would only cost time on every call. */
	if (sqlite3_open_v2(path, &db->sql, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		db_err_set(err, "cannot open store (%s)",
		           db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->sql, 1);
	sqlite3_busy_timeout(db->sql, 10000);
	if (exec(db->sql, "PRAGMA foreign_keys = ON", err) != 0)
		goto fail;
	/* 8 KiB pages for a new store, set before WAL (an existing store keeps the size it was
	 * built with: SQLite fixes it with the first table). Half the pages of 4 KiB: an import
	 * writes, balances and finds half as many (10,000 files: 0.89 of the CPU), a sum or a
	 * search scans fewer (0.87-0.95, 0.95-0.99); an answer read from a cold region store
	 * copies larger pages (1.03). 16 KiB took 0.86 of the import for 1.09-1.13 of every
	 * such answer (BENCHMARKS, #17 rounds 22 and 25). */
	if (writable && exec(db->sql, "PRAGMA page_size = 8192", err) != 0)
		goto fail;
	/* WAL: readers go on while an import writes; NORMAL syncs stay safe under WAL. A file
	 * that is not SQLite at all fails here first. */
	if (writable &&
	    exec(db->sql, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", err) != 0) {
		db_err_store(err, db->sql);
		if (err->code == DB_BAD_STORE)
			db_err_set(err, "not a budgetd store (%s)", sqlite3_errmsg(db->sql));
		goto fail;
	}
	/* The search's functions and tokenizer first: the schema's FTS5 tables take the
	 * tokenizer registered when they are first opened (db/search.c). */
	if (db_search_register(db->sql, err) != 0 || prepare_schema(db, err) != 0)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

struct db *db_open(const char *path, bool writable, struct db_error *err)
{
	struct db_error local = { 0 };
	struct db *db = NULL;

	/* Before anything could write the file: a snapshot that is its hard link (import
	 * --fresh) must keep the bytes it was made with, also for a download under way. */
	if (!writable || db_snapshot_unshare(path, &local) == 0)
		db = open_store(path, writable, &local);

	if (db == NULL && err != NULL) {
		err->code = local.code;
		db_err_set(err, "%s: %s", path, local.text);
	}
	return db;
}

int db_upgrade(const char *path, int *from, struct db_error *err)
{
	sqlite3 *sql = NULL;
	int objects = 0;
	struct db *db;

	/* A read-only look first: only an existing budgetd store of a known version changes. */
	if (sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    user_version(sql, from, &objects) != 0) {
		db_err_set(err, "cannot open store %s: %s", path,
		           sql ? sqlite3_errmsg(sql) : "out of memory");
		sqlite3_close(sql);
		return -1;
	}
	sqlite3_close(sql);
	if (*from == DB_SCHEMA_VERSION)
		return 0;
	if (*from < 1 || *from > DB_SCHEMA_VERSION) {
		db_err_set(err, "%s is not a budgetd store of version 1 to 5 (schema version %d)",
		           path, *from);
		return -1;
	}
	db = db_open(path, true, err);
	db_close(db);
	return db != NULL ? 0 : -1;
}

static uint64_t hash_text(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

sqlite3_stmt *db_stmt(struct db *db, const char *sql, struct db_error *err)
{
	uint64_t h;
	sqlite3_stmt *st;
	char *text;

	/* A kept connection is read only between db_read_begin() and db_read_end(), where
	 * db_read_end_soon() cannot use it from another thread. */
	assert(!db->keep || db->reading);
	/* Nearly every caller passes a string literal: the same pointer finds its statement
	 * without hashing the text (a buffer reused for other text fails the strcmp). */
	for (size_t i = 0; i < db->n_stmts; i++)
		if (db->stmts[i].src == sql && strcmp(db->stmts[i].text, sql) == 0)
			return db->stmts[i].st;
	h = hash_text(sql);
	for (size_t i = 0; i < db->n_stmts; i++)
		if (db->stmts[i].hash == h && strcmp(db->stmts[i].text, sql) == 0) {
			db->stmts[i].src = sql;
			return db->stmts[i].st;
		}
	/* The code has a fixed set of read statements (about 40), so the cache never fills;
	 * if it ever did, failing is better than leaking an unowned statement. */
	if (db->n_stmts == DB_STMT_CACHE) {
		db_err_set(err, "statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
	    SQLITE_OK) {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
		return NULL;
	}
	if ((text = strdup(sql)) == NULL) {
		sqlite3_finalize(st);
		db_err_set(err, "out of memory");
		return NULL;
	}
	db->stmts[db->n_stmts].hash = h;
	db->stmts[db->n_stmts].text = text;
	db->stmts[db->n_stmts].src = sql;
	db->stmts[db->n_stmts++].st = st;
	return st;
}

sqlite3_stmt *db_stmt_tagged(struct db *db, const void *tag,
                             int (*sql)(const void *tag, char *buf, size_t size),
                             struct db_error *err)
{
	char text[2048];
	sqlite3_stmt *st;

	for (size_t i = 0; i < db->n_stmts; i++)
		if (db->stmts[i].tag == tag)
			return db->stmts[i].st;
	if (sql(tag, text, sizeof(text)) != 0) {
		db_err_set(err, "statement too long");
		return NULL;
	}
	if ((st = db_stmt(db, text, err)) == NULL)
		return NULL;
	for (size_t i = 0; i < db->n_stmts; i++)
		if (db->stmts[i].st == st)
			db->stmts[i].tag = tag;
	return st;
}

static int step_once(struct db *db, const char *sql)
{
	sqlite3_stmt *st = db_stmt(db, sql, NULL);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Ends the read transaction; SQLite's file locks go with it. */
static void end_read(struct db *db)
{
	if (step_once(db, "COMMIT") != 0)
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	db->held = false;
}

int db_read_begin(struct db *db)
{
	if (!db->keep)
		return step_once(db, "BEGIN");
	pthread_mutex_lock(&db->keep_lock);
	db->reading = true;
	/* After an error SQLite may have ended the transaction itself (autocommit again). */
	bool asked = atomic_exchange(&db->end_asked, false);
	if (db->held && !asked && !sqlite3_get_autocommit(db->sql))
		return 0;
	if (db->held)
		end_read(db);
	if (step_once(db, "BEGIN") != 0) {
		db->reading = false;
		pthread_mutex_unlock(&db->keep_lock);
		return -1;
	}
	return 0;
}

void db_read_end(struct db *db)
{
	if (!db->keep) {
		end_read(db);
		return;
	}
	db->held = !sqlite3_get_autocommit(db->sql);
	db->reading = false;
	pthread_mutex_unlock(&db->keep_lock);
}

int db_read_keep(struct db *db)
{
	if (db->writable || db->keep || pthread_mutex_init(&db->keep_lock, NULL) != 0)
		return -1;
	db->keep = true;
	return 0;
}

void db_read_end_soon(struct db *db)
{
	atomic_store(&db->end_asked, true);
	if (pthread_mutex_trylock(&db->keep_lock) != 0)
		return; /* a request is reading: its thread's next db_read_begin() ends it */
	if (db->held) {
		db->reading = true;
		end_read(db);
		db->reading = false;
	}
	atomic_store(&db->end_asked, false);
	pthread_mutex_unlock(&db->keep_lock);
}

/* The integer the first row of sql gives; 0, or -1 when there is none. */
static int int_query(struct db *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = db_stmt(db, sql, NULL);
	int rc = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	if (st != NULL)
		sqlite3_reset(st);
	return rc;
}

int db_data_version(struct db *db, int64_t *version)
{
	return int_query(db, "PRAGMA data_version", version);
}

int db_disclosure_count(struct db *db, int64_t *count)
{
	return int_query(db, "SELECT count(*) FROM disclosure", count);
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n_stmts; i++) {
		sqlite3_finalize(db->stmts[i].st);
		free(db->stmts[i].text);
	}
	db_facts_forget(db->sql); /* what an aborted import left prepared */
	db_dmap_free(db->dmap);
	sqlite3_close_v2(db->sql);
	if (db->keep)
		pthread_mutex_destroy(&db->keep_lock);
	free(db);
}

int db_set_bulk_build(struct db *db, struct db_error *err)
{
	/* mmap: the commit reads the whole new file back (the search index's gather, the
	 * deferred indexes' sorts); mapped, its pages are not copied out of the kernel's cache
	 * one read at a time (sys time 11 -> 6 s at 10,000 disclosures). SQLite caps the size at
	 * its build's limit (1 TiB in the subproject's build, 2 GB in Debian's); a file of nobody
	 * else's, so never truncated under the mapping.
	 * A 16 MB page cache, not 128: a bulk import appends to its b-trees (the indexes that
	 * would not be appended to are built at commit by a sort), so a page it leaves is seldom
	 * wanted again, and what the commit reads back comes through the mapping. A larger cache
	 * cost more than it saved: every page fetched is looked up in a larger hash that misses
	 * the CPU's caches, and more memory is touched for the first time. 10,000 files, six
	 * alternating pairs in two periods: 9.7-9.8 % less CPU (BENCHMARKS, #17 round 11). */
	static const char bulk_sql[] = "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; "
	                               "PRAGMA cache_size = -16384; "
	                               "PRAGMA mmap_size = 1099511627776";

	if (exec(db->sql, bulk_sql, err) != 0)
		return -1;
	db->bulk = true;
	return 0;
}

/* The copy's own header still says WAL: a downloaded file must open without a -wal. */
static int to_rollback_journal(const char *path, struct db_error *err)
{
	sqlite3 *sql = NULL;
	int rc = sqlite3_open_v2(path, &sql, SQLITE_OPEN_READWRITE, NULL);

	if (rc == SQLITE_OK)
		rc = exec(sql, "PRAGMA journal_mode = DELETE", err);
	else
		db_err_store(err, sql);
	sqlite3_close_v2(sql);
	return rc == SQLITE_OK ? 0 : -1;
}

int db_check(struct db *db, struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	const char *row;
	int rc = -1;

	/* quick_check: every page and index entry readable, in O(N); integrity_check would also
	 * compare every index with its table, minutes on a national store for little more. */
	if (sqlite3_prepare_v2(db->sql, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		db_err_set(err, "damaged (%s)", sqlite3_errmsg(db->sql));
		goto done;
	}
	row = (const char *)sqlite3_column_text(st, 0);
	if (row == NULL || strcmp(row, "ok") != 0) {
		db_err_set(err, "damaged (quick_check: %.150s)", row ? row : "no answer");
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_exec(db->sql, "SELECT count(*) FROM disclosure", NULL, NULL, NULL) !=
	                   SQLITE_OK) {
		db_err_set(err, "damaged (%s)", sqlite3_errmsg(db->sql));
		rc = -1;
	}
	if (rc != 0 && err != NULL)
		err->code = DB_BAD_STORE;
	return rc;
}

/* Opens the copy at path as budgetd will (read-only: schema version, then db_check). */
static int check_copy(const char *path, struct db_error *err)
{
	struct db *copy = open_store(path, false, err);
	int rc = copy != NULL ? db_check(copy, err) : -1;

	db_close(copy);
	return rc;
}

/* fsync of a file or, opened O_RDONLY, of a folder (so that a rename in it is durable). */
static int sync_path(const char *path, struct db_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fsync(fd) == 0)
		return close(fd);
	db_err_set(err, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int sync_dir_of(const char *path, struct db_error *err)
{
	char dir[4200];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return sync_path(".", err);
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return sync_path(dir, err);
}

/* What SQLite keeps beside path. A -wal or -journal left there by the file being replaced
 * (a crash, a WAL reader still open) would be replayed onto the new one, whose header alone
 * does not stop SQLite from opening a -wal it finds: gone before the rename. */
static void unlink_sidecars(const char *path)
{
	static const char *const ext[] = { "-wal", "-shm", "-journal" };
	char side[4300];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, ext[i]);
		unlink(side);
	}
}

/* The copy takes the mode and, where allowed, the owner of the file it replaces: a store
 * readable by budgetd's user stays so whoever restores it (the copy is created 0644 less
 * the umask, owned by the caller). */
static void keep_mode(const char *tmp, const char *path)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return;
	if (chown(tmp, sb.st_uid, sb.st_gid) != 0 && chown(tmp, (uid_t)-1, sb.st_gid) != 0) {
		/* not root, not in that group: the copy stays the caller's */
	}
	chmod(tmp, sb.st_mode & 07777);
}

bool db_keeps_file(struct db *db, const char *name)
{
	const char *store = sqlite3_db_filename(db->sql, "main");
	char path[4400];
	struct stat sb;
	int n;

	if (store == NULL || store[0] == '\0' || strchr(name, '/') != NULL)
		return false;
	n = snprintf(path, sizeof(path), "%s" DB_FILES_DIR "%s", store, name);
	return n > 0 && (size_t)n < sizeof(path) && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The rows of st (one text column) as an array of copies: SQLITE_OK, SQLITE_NOMEM, or the
 * step's error. */
static int texts_of(sqlite3_stmt *st, char ***out, size_t *n)
{
	size_t cap = 0;
	int step;

	*out = NULL;
	*n = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (*n == cap) {
			char **more = realloc(*out, (cap = cap ? cap * 2 : 16) * sizeof(*more));
			if (more == NULL)
				return SQLITE_NOMEM;
			*out = more;
		}
		if (((*out)[*n] = strdup(t != NULL ? t : "")) == NULL)
			return SQLITE_NOMEM;
		(*n)++;
	}
	return step == SQLITE_DONE ? SQLITE_OK : step;
}

/* The named files of the store sql is open on, given to fn (db_with_named_files()). */
static int named_files(sqlite3 *sql, db_named_fn fn, void *ctx, struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	char **names = NULL;
	size_t n = 0;
	int rc = -1, got;

	got = sqlite3_prepare_v2(sql,
	                         "SELECT DISTINCT sha256 FROM source WHERE sha256 IS NOT NULL "
	                         "ORDER BY sha256",
	                         -1, &st, NULL);
	if (got == SQLITE_OK)
		got = texts_of(st, &names, &n);
	if (got == SQLITE_OK) {
		rc = fn(ctx, (const char *const *)names, n);
	} else {
		db_err_set(err, "%s", got == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(sql));
		db_err_store(err, sql);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int db_with_named_files(const char *path, db_named_fn fn, void *ctx, struct db_error *err)
{
	sqlite3 *sql = NULL;
	int version = 0, objects = 0, rc = -1;

	/* Not db_open(): it would make a backup's file a WAL one and copy a snapshot linked to
	 * the store, and this writes nothing. */
	if (sqlite3_open_v2(path, &sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		db_err_set(err, "cannot open store (%s)",
		           sql ? sqlite3_errmsg(sql) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(sql, 10000);
	if (exec(sql, "BEGIN IMMEDIATE", err) != 0) {
		int why = sqlite3_errcode(sql) & 0xFF;
		db_err_store(err, sql);
		if (why == SQLITE_BUSY || why == SQLITE_READONLY)
			err->code = DB_LOCKED;
		goto done;
	}
	if (user_version(sql, &version, &objects) != 0 || version != DB_SCHEMA_VERSION) {
		err->code = DB_BAD_STORE;
		db_err_set(err, "not a budgetd store of schema version %d (version %d%s)",
		           DB_SCHEMA_VERSION, version,
		           version >= 1 && version < DB_SCHEMA_VERSION ? ": run budgetctl upgrade"
		                                                       : "");
	} else {
		rc = named_files(sql, fn, ctx, err);
	}
	sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL); /* it wrote nothing */
done:
	sqlite3_close(sql);
	return rc;
}

void db_remove(const char *path)
{
	unlink(path);
	unlink_sidecars(path);
}

/* Moves the finished file tmp over path with path's mode and makes the rename durable;
 * sidecars: path's -wal and -shm go first (a new file must not meet the old one's journal).
 * tmp is removed when the move fails. */
static int move_into_place(const char *tmp, const char *path, bool sidecars, struct db_error *err)
{
	keep_mode(tmp, path);
	if (sidecars)
		unlink_sidecars(path);
	if (rename(tmp, path) != 0) {
		db_err_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return sync_dir_of(path, err);
}

/* Copies the store's pages into a new file at tmp with the backup API, in one step, so in
 * one read transaction of db's: an import committing meanwhile is in the copy entirely or
 * not at all. A page copy, unlike VACUUM INTO, rebuilds no index (33 s of a one-file import
 * into the 10,000-disclosure store, issue #17); the copy keeps the store's free pages. */
static int copy_pages(struct db *db, const char *tmp, struct db_error *err)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	/* No journal while the copy is written: a failed copy is removed, never rolled back. */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", NULL,
		                  NULL, NULL);
	if (rc != SQLITE_OK) {
		db_err_set(err, "%s", dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close_v2(dst);
		return -1;
	}
	b = sqlite3_backup_init(dst, "main", db->sql, "main");
	rc = b != NULL ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dst);
	if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_DONE)
		rc = sqlite3_errcode(dst);
	if (rc != SQLITE_DONE) {
		/* the source's failure (a damaged store) shows in its errcode */
		db_err_set(err, "%s",
		           sqlite3_errcode(db->sql) != SQLITE_OK ? sqlite3_errmsg(db->sql)
		                                                 : sqlite3_errstr(rc));
		db_err_store(err, db->sql);
		if ((rc & 0xFF) == SQLITE_CORRUPT || (rc & 0xFF) == SQLITE_NOTADB)
			err->code = DB_BAD_STORE;
	}
	sqlite3_close_v2(dst);
	return rc == SQLITE_DONE ? 0 : -1;
}

int db_snapshot(struct db *db, const char *path, struct db_error *err)
{
	char tmp[4200];

	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
	unlink(tmp); /* a copy left by a process of the same id, long gone */
	/* The copy is not fsynced by SQLite (synchronous off): it is, before it replaces path. */
	if (copy_pages(db, tmp, err) != 0 || to_rollback_journal(tmp, err) != 0 ||
	    check_copy(tmp, err) != 0 || sync_path(tmp, err) != 0)
		goto fail;
	return move_into_place(tmp, path, true, err);
fail:
	unlink(tmp);
	return -1;
}

/* Copies what is left of in to out through a buffer: for a kernel or file system that has
 * no copy_file_range() for these files. 0, or -1 with errno set. */
static int copy_by_hand(int in, int out, off_t left)
{
	char buf[1 << 15]; /* on the stack: budgetd links this file, and a thread-local buffer
	                    * would grow every one of its threads */

	while (left > 0) {
		ssize_t n = read(in, buf, sizeof(buf) < (size_t)left ? sizeof(buf) : (size_t)left);
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the file shrank under us */
			if (n == 0 || errno != EINTR)
				return -1;
			continue;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno != EINTR)
				return -1;
			done += w > 0 ? w : 0;
		}
		left -= n;
	}
	return 0;
}

/* Copies what is left of the file open at in into a new file at to, byte for byte, in the
 * kernel (copy_file_range: the bytes do not pass through this process) where it can, and
 * fsyncs it. */
static int copy_fd(int in, const char *to, struct db_error *err)
{
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	struct stat sb;
	off_t left;

	if (out < 0 || fstat(in, &sb) != 0)
		goto fail;
	for (left = sb.st_size; left > 0;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && left == sb.st_size &&
		    (errno == ENOSYS || errno == EXDEV || errno == EOPNOTSUPP || errno == EINVAL)) {
			if (copy_by_hand(in, out, left) != 0)
				goto fail;
			break;
		}
		if (n <= 0) {
			if (n == 0)
				errno = EIO; /* the file shrank under us */
			goto fail;
		}
		left -= n;
	}
	if (fsync(out) != 0)
		goto fail;
	return close(out);
fail:
	db_err_set(err, "%s: %s", to, strerror(errno));
	if (out >= 0)
		close(out);
	return -1;
}

/* copy_fd() from the file at from. */
static int copy_file(const char *from, const char *to, struct db_error *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), rc;

	if (in < 0) {
		db_err_set(err, "%s: %s", from, strerror(errno));
		return -1;
	}
	rc = copy_fd(in, to, err);
	close(in);
	return rc;
}

/* May the snapshot at snap become a hard link of the store built? db_snapshot_place() gives
 * it the old snapshot's mode and owner, and on a link that would change the store's too:
 * only where they are the same already (or there is no old snapshot). */
static bool may_link(const char *built, const char *snap)
{
	struct stat b, s;

	if (stat(built, &b) != 0)
		return false;
	if (stat(snap, &s) != 0)
		return errno == ENOENT;
	return (b.st_mode & 07777) == (s.st_mode & 07777) && b.st_uid == s.st_uid &&
	       b.st_gid == s.st_gid;
}

int db_snapshot_fresh(const char *built, const char *snap_tmp, const char *snap,
                      struct db_error *err)
{
	struct db *opened;

	unlink(snap_tmp); /* a copy left by a process of the same id, long gone */
	/* Opened as budgetd opens a store (its version, its statements), but not quick_check'd
	 * as a copy is: SQLite wrote and committed every page of it in this process, and reading
	 * them all back (2 GB, 3 s at 10,000 disclosures) could find only a disk's failure. */
	if ((opened = open_store(built, false, err)) == NULL)
		goto fail;
	db_close(opened);
	if (sync_path(built, err) != 0)
		goto fail;
	/* A second name for the same bytes: no copy of the store through the page cache (2 GB
	 * at 10,000 disclosures). The first writer of the store moves it apart
	 * (db_snapshot_unshare). Where the file system has no hard links, a copy. */
	if (may_link(built, snap) && link(built, snap_tmp) == 0)
		return 0;
	if (copy_file(built, snap_tmp, err) == 0)
		return 0;
fail:
	unlink(snap_tmp);
	return -1;
}

/* Has the file at store another name (*st: its status)? */
static bool linked(const char *store, struct stat *st)
{
	return stat(store, st) == 0 && S_ISREG(st->st_mode) && st->st_nlink > 1;
}

/* Copies the store open at fd beside it and renames the copy over it: the old file is left
 * to the snapshot alone. */
static int store_apart(int fd, const char *store, struct db_error *err)
{
	char tmp[4300];

	/* PATH.new-<pid>, as import --fresh names its build: the next import removes one left
	 * by a killed process */
	snprintf(tmp, sizeof(tmp), "%s.new-%ld", store, (long)getpid());
	unlink(tmp);
	if (copy_fd(fd, tmp, err) != 0) {
		unlink(tmp);
		return -1;
	}
	/* the store's -wal and -shm stay: they belong to the store, whoever has it open */
	return move_into_place(tmp, store, false, err);
}

int db_snapshot_unshare(const char *store, struct db_error *err)
{
	char why[sizeof(err->text)];
	struct stat was, now;
	int fd, rc = 0;

	/* Any other name, not only PATH.snapshot: during import --fresh the new store is also
	 * PATH.snapshot.tmp-<pid> until that is renamed, and a hard link an operator made
	 * (cp -l) would take the writes as well. */
	if (!linked(store, &was))
		return 0; /* no descriptor opened: closing one drops this process's SQLite locks */
	if ((fd = open(store, O_RDONLY | O_CLOEXEC)) < 0) {
		db_err_set(err, "%s: %s", store, strerror(errno));
		rc = -1;
		goto done;
	}
	/* Two writers at once: the first copies, the second then finds the store apart. Where
	 * the file system has no flock (or an NFS one that needs a writable descriptor), one
	 * writer alone is the case anyway. */
	while (flock(fd, LOCK_EX) != 0 && errno == EINTR)
		;
	if (fstat(fd, &was) == 0 && linked(store, &now) && now.st_dev == was.st_dev &&
	    now.st_ino == was.st_ino)
		rc = store_apart(fd, store, err);
	close(fd); /* and the lock with it */
done:
	if (rc != 0) {
		snprintf(why, sizeof(why), "%s", err->text);
		db_err_set(err, "its file has another name, and it cannot have one apart (%s)",
		           why);
	}
	return rc;
}

int db_snapshot_place(const char *snap_tmp, const char *path, struct db_error *err)
{
	return move_into_place(snap_tmp, path, true, err);
}

int db_set_rollback_journal(struct db *db, struct db_error *err)
{
	return exec(db->sql, "PRAGMA journal_mode = DELETE", err);
}
