// SPDX-License-Identifier: MIT
// A disclosure's department record and table numbers for the long CSV (read_long.h).
#include "read_long.h"

#include "internal.h"

#include <string.h>

static const char *pooled(struct db_long_head *h, sqlite3_stmt *st, int col, bool *oom)
{
	const char *s = (const char *)sqlite3_column_text(st, col), *copy;

	if (s == NULL)
		return NULL;
	if ((copy = db_tpool_dup(&h->pool, s)) == NULL)
		*oom = true;
	return copy;
}

/* The disclosure's id and its department as published (LEFT JOIN: export's department
 * object without a record still names the slug, and so does the CSV). */
static int read_record(struct db *db, const char *dep, int year, const char *kind,
                       const char *level, struct db_long_head *h, int64_t *id, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT d.id, r.name, r.region FROM disclosure d JOIN "
	                           "department p ON p.id = d.department_id LEFT JOIN "
	                           "department_record r ON r.disclosure_id = d.id WHERE p.slug = ? "
	                           "AND d.year = ? AND d.kind = ? AND d.level = ?",
	                           err);
	bool oom = false;
	int rc;

	if (st == NULL || (rc = db_rfind(st, dep, year, kind, level, err)) < 0)
		return -1;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		h->name = pooled(h, st, 1, &oom);
		h->region = pooled(h, st, 2, &oom);
		rc = SQLITE_DONE;
	}
	return db_rdone(db, st, rc, oom, err);
}

/* The numbers in order: the tree's tables are looked up by number 1 to 99 (tidy.c). */
static int read_numbers(struct db *db, int64_t id, struct db_long_head *h, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(
	    db, "SELECT number FROM budget_table WHERE disclosure_id = ? ORDER BY number", err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = sqlite3_column_int(st, 0);
		/* the schema's CHECK keeps number in 1..99 and UNIQUE per disclosure */
		if (h->n_numbers < sizeof(h->numbers) / sizeof(h->numbers[0]) && n >= 1 && n <= 99)
			h->numbers[h->n_numbers++] = n;
	}
	return db_rdone(db, st, rc, false, err);
}

int db_read_long_head(struct db *db, const char *department, int year, const char *kind,
                      const char *level, struct db_long_head *h, struct db_error *err)
{
	int64_t id = 0;

	memset(h, 0, sizeof(*h));
	if (read_record(db, department, year, kind, level, h, &id, err) != 0)
		return -1;
	return read_numbers(db, id, h, err);
}

void db_long_head_free(struct db_long_head *h)
{
	db_tpool_free(&h->pool);
	memset(h, 0, sizeof(*h));
}
