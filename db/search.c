// SPDX-License-Identifier: MIT
// The search index: every text a disclosure publishes, in an FTS5 table (derived.sql).
#include "internal.h"

int db_search_derive(sqlite3 *sql, int64_t disclosure, struct db_error *err)
{
	(void)sql, (void)disclosure, (void)err;
	return 0;
}

int db_search_forget(sqlite3 *sql, int64_t disclosure, struct db_error *err)
{
	(void)sql, (void)disclosure, (void)err;
	return 0;
}
