// SPDX-License-Identifier: MIT
// Derived data: import writes a disclosure as published, then computes from its stored rows
// what questions across the store need (the search index, the facts aggregates sum), in the
// same transaction, so that a store never holds a disclosure without them.
#include "internal.h"

#include <stdlib.h>

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

/* The ids of every disclosure, read before any is derived: deriving drops temp tables, which
 * SQLite refuses while a statement reads. Returns an array the caller frees, or NULL. */
static int64_t *all_ids(sqlite3 *sql, size_t *n, struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t *ids = NULL, *more;
	size_t cap = 0;
	int step;

	*n = 0;
	if (sqlite3_prepare_v2(sql, "SELECT id FROM disclosure ORDER BY id", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			if ((more = realloc(ids, (cap = cap ? 2 * cap : 64) * sizeof(*ids))) ==
			    NULL)
				goto fail;
			ids = more;
		}
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	return ids != NULL ? ids : malloc(sizeof(*ids));
fail:
	db_err_set(err, "deriving: %s", sqlite3_errmsg(sql));
	sqlite3_finalize(st);
	free(ids);
	return NULL;
}

int db_derive_all(sqlite3 *sql, struct db_error *err)
{
	int64_t *ids;
	size_t n;
	int rc = -1;

	if ((ids = all_ids(sql, &n, err)) == NULL)
		return -1;
	/* The derived tables are new and empty: filled as an import fills a store it builds from
	 * nothing (the search index in one pass at the end; one disclosure at a time, a text's
	 * entries would enter the index and leave it again when it is shared). */
	for (size_t i = 0; i < n; i++)
		if (db_derive(sql, ids[i], true, err) != 0)
			goto done;
	rc = db_derive_finish(sql, true, err);
done:
	free(ids);
	return rc;
}
