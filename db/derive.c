// SPDX-License-Identifier: MIT
// Derived data: import writes a disclosure as published, then computes from its stored rows
// what questions across the store need (the search index, the facts aggregates sum), in the
// same transaction, so that a store never holds a disclosure without them.
#include "internal.h"

int db_derive(sqlite3 *sql, int64_t disclosure, bool bulk, struct db_error *err)
{
	if (db_search_derive(sql, disclosure, bulk, err) != 0)
		return -1;
	return db_facts_derive(sql, disclosure, bulk, err);
}

int db_derive_finish(sqlite3 *sql, bool bulk, struct db_error *err)
{
	if (db_search_finish(sql, bulk, err) != 0)
		return -1;
	return db_facts_finish(sql, bulk, err);
}

int db_derive_forget(sqlite3 *sql, int64_t disclosure, struct db_error *err)
{
	return db_search_forget(sql, disclosure, err);
}

int db_derive_all(sqlite3 *sql, struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(sql, "SELECT id FROM disclosure ORDER BY id", -1, &st, NULL) !=
	    SQLITE_OK) {
		db_err_set(err, "deriving: %s", sqlite3_errmsg(sql));
		return -1;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (db_derive(sql, sqlite3_column_int64(st, 0), false, err) != 0)
			goto done;
	if (step != SQLITE_DONE) {
		db_err_set(err, "deriving: %s", sqlite3_errmsg(sql));
		goto done;
	}
	rc = db_derive_finish(sql, false, err);
done:
	sqlite3_finalize(st);
	return rc;
}
