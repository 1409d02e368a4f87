// SPDX-License-Identifier: MIT
// The directory's read (#15): every disclosure of the store with its department's id, name
// and region, in one statement, so that `/` draws the whole directory from one query
// instead of one per department.
#include "internal.h"

#include <string.h>

/* The department's name and region are those of its latest disclosure (the last of year,
 * kind, level ascending), as db_department() gives them. */
static const char sql[] =
    "WITH latest AS (SELECT d.department_id AS dep, r.name AS name, r.region AS region, "
    "row_number() OVER (PARTITION BY d.department_id ORDER BY d.year DESC, d.kind DESC, "
    "d.level DESC) AS n FROM disclosure d JOIN department_record r ON r.disclosure_id = d.id) "
    "SELECT p.slug, l.name, l.region, d.year, d.kind, d.level FROM department p "
    "JOIN latest l ON l.dep = p.id AND l.n = 1 JOIN disclosure d ON d.department_id = p.id "
    "ORDER BY p.slug, d.year, d.kind, d.level";

int db_directory(struct db *db, db_directory_fn fn, void *ctx, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, sql, err);
	int rc = 0, step;

	if (st == NULL)
		return -1;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 4);
		const char *level = (const char *)sqlite3_column_text(st, 5);
		struct db_directory_row row = {
			.id = (const char *)sqlite3_column_text(st, 0),
			.name = (const char *)sqlite3_column_text(st, 1),
			.region = (const char *)sqlite3_column_text(st, 2),
			.year = sqlite3_column_int(st, 3),
			.kind = strcmp(kind, "final") == 0 ? "final" : "budget",
			.level = strcmp(level, "unit") == 0 ? "unit" : "department",
		};
		rc = fn(ctx, &row);
	}
	if (rc == 0 && step != SQLITE_DONE) {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
		rc = -1;
	}
	sqlite3_reset(st);
	return rc;
}
