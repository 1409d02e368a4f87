// SPDX-License-Identifier: MIT
// Opening the store: schema creation, version check, and the pragmas every connection needs
// (foreign keys for the cascades, WAL so an import never blocks readers).
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int exec(sqlite3 *sql, const char *stmt, struct db_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(sql, stmt, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	db_err_set(err, "%s", msg ? msg : sqlite3_errmsg(sql));
	sqlite3_free(msg);
	return -1;
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
 * Later versions migrate here, one step per version. */
static int prepare_schema(struct db *db, struct db_error *err)
{
	int version = 0, objects = 0;

	if (user_version(db->sql, &version, &objects) != 0) {
		db_err_set(err, "not a budgetd store: %s", sqlite3_errmsg(db->sql));
		return -1;
	}
	if (version == DB_SCHEMA_VERSION)
		return 0;
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
	if (exec(db->sql, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (exec(db->sql, db_schema_sql, err) != 0) {
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return exec(db->sql, "COMMIT", err);
}

struct db *db_open(const char *path, bool writable, struct db_error *err)
{
	int flags = writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	struct db *db = calloc(1, sizeof(*db));

	if (db == NULL) {
		db_err_set(err, "out of memory");
		return NULL;
	}
	db->writable = writable;
	/* FULLMUTEX: the daemon's worker threads may share this connection. */
	if (sqlite3_open_v2(path, &db->sql, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		db_err_set(err, "cannot open store %s: %s", path,
		           db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->sql, 1);
	sqlite3_busy_timeout(db->sql, 10000);
	if (exec(db->sql, "PRAGMA foreign_keys = ON", err) != 0)
		goto fail;
	if (writable && exec(db->sql, "PRAGMA journal_mode = WAL", err) != 0)
		goto fail;
	if (prepare_schema(db, err) != 0)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlite3_close_v2(db->sql);
	free(db);
}

int db_set_rollback_journal(struct db *db, struct db_error *err)
{
	return exec(db->sql, "PRAGMA journal_mode = DELETE", err);
}
