// SPDX-License-Identifier: MIT
// Read queries for the API.
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct dep_acc {
	char *id, *name;
	int *years;
	size_t n, cap;
};

static int acc_year(struct dep_acc *a, int year)
{
	if (a->n > 0 && a->years[a->n - 1] == year)
		return 0; /* budget and final of one year */
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		int *y = realloc(a->years, cap * sizeof(*y));
		if (y == NULL)
			return -1;
		a->years = y;
		a->cap = cap;
	}
	a->years[a->n++] = year;
	return 0;
}

static int acc_flush(struct dep_acc *a, db_department_fn fn, void *ctx)
{
	struct db_department d = { a->id, a->name, a->years, a->n };
	int rc = a->id != NULL ? fn(ctx, &d) : 0;

	free(a->id);
	free(a->name);
	a->id = a->name = NULL;
	a->n = 0;
	return rc;
}

static int set_str(char **dst, const unsigned char *src)
{
	free(*dst);
	*dst = strdup(src ? (const char *)src : "");
	return *dst ? 0 : -1;
}

int db_departments(struct db *db, db_department_fn fn, void *ctx, struct db_error *err)
{
	/* Rows come sorted by department then year, so one pass groups them; the name kept is
	 * the one of the latest year. */
	static const char sql[] = "SELECT p.slug, d.year, r.name FROM department p "
	                          "JOIN disclosure d ON d.department_id = p.id "
	                          "JOIN department_record r ON r.disclosure_id = d.id "
	                          "ORDER BY p.slug, d.year, d.kind";
	struct dep_acc a = { 0 };
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *slug = (const char *)sqlite3_column_text(st, 0);
		if (a.id != NULL && strcmp(a.id, slug) != 0 && (rc = acc_flush(&a, fn, ctx)) != 0)
			goto done;
		if ((a.id == NULL && set_str(&a.id, sqlite3_column_text(st, 0)) != 0) ||
		    set_str(&a.name, sqlite3_column_text(st, 2)) != 0 ||
		    acc_year(&a, sqlite3_column_int(st, 1)) != 0) {
			db_err_set(err, "out of memory");
			rc = -1;
			goto done;
		}
	}
	if (rc != SQLITE_DONE) {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
		rc = -1;
		goto done;
	}
	rc = acc_flush(&a, fn, ctx);
done:
	acc_flush(&a, NULL, NULL);
	free(a.years);
	sqlite3_finalize(st);
	return rc;
}
