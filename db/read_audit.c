// SPDX-License-Identifier: MIT
// One disclosure's findings (read_audit.h). The rows and their meaning are finding.c's; only
// the way to them differs: every condition on the disclosure is an equality the planner can
// look up, where finding.c's (?1 IS NULL OR p.slug = ?1) forms make it scan the table.
#include "read_audit.h"

#include "internal.h"

#include <string.h>

#define FROM_ONE                                                                  \
	" FROM disclosure d JOIN department p ON p.id = d.department_id "         \
	"JOIN finding f ON f.disclosure_id = d.id "                               \
	"LEFT JOIN department_record r ON r.disclosure_id = d.id "                \
	"WHERE p.slug = ?1 AND d.year = ?2 AND d.kind = ?3 AND d.level = ?4 AND " \
	"(?5 IS NULL OR f.severity = ?5) AND (?6 IS NULL OR f.rule = ?6) AND "    \
	"(?7 IS NULL OR f.family = ?7)"

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void bind_query(sqlite3_stmt *st, const struct db_finding_query *q)
{
	bind_text(st, 1, q->department);
	sqlite3_bind_int(st, 2, q->year);
	bind_text(st, 3, q->kind);
	bind_text(st, 4, q->level);
	bind_text(st, 5, q->severity);
	bind_text(st, 6, q->rule);
	bind_text(st, 7, q->family);
}

static void done_with(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int count_one(struct db *db, const struct db_finding_query *q, struct db_finding_counts *c,
                     struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT count(*), total(f.severity = 'error'), "
	                           "total(f.severity = 'warning'), "
	                           "total(f.severity = 'info')" FROM_ONE,
	                           err);
	int rc = -1;

	if (st == NULL)
		return -1;
	bind_query(st, q);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->total = (size_t)sqlite3_column_int64(st, 0);
		c->error = (size_t)sqlite3_column_int64(st, 1);
		c->warning = (size_t)sqlite3_column_int64(st, 2);
		c->info = (size_t)sqlite3_column_int64(st, 3);
		rc = 0;
	} else {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
	}
	done_with(st);
	return rc;
}

/* finding.c's call(): fn with the current row (the columns in the same order). */
static int call(sqlite3_stmt *st, db_finding_fn fn, void *ctx, struct db_error *err)
{
	const char *kind = (const char *)sqlite3_column_text(st, 2);
	const char *level = (const char *)sqlite3_column_text(st, 3);
	json_t *body = json_loads((const char *)sqlite3_column_text(st, 9), 0, NULL);
	struct db_finding f = {
		.department = (const char *)sqlite3_column_text(st, 0),
		.department_name = (const char *)sqlite3_column_text(st, 10),
		.year = sqlite3_column_int(st, 1),
		.kind = strcmp(kind, "final") == 0 ? "final" : "budget",
		.level = strcmp(level, "unit") == 0 ? "unit" : "department",
		.position = (size_t)sqlite3_column_int64(st, 4),
		.rule = (const char *)sqlite3_column_text(st, 5),
		.family = (const char *)sqlite3_column_text(st, 6),
		.severity = (const char *)sqlite3_column_text(st, 7),
		.finding = body,
	};
	int rc;

	if (body == NULL) {
		db_err_set(err, "finding %s: stored text is not JSON", f.rule);
		return -1;
	}
	rc = fn(ctx, &f);
	json_decref(body);
	return rc;
}

int db_findings_of(struct db *db, const struct db_finding_query *q, db_finding_fn fn, void *ctx,
                   struct db_finding_counts *counts, struct db_error *err)
{
	sqlite3_stmt *st;
	int rc = 0, step;

	if (q->department == NULL || q->year == 0 || q->kind == NULL || q->level == NULL)
		return db_findings(db, q, fn, ctx, counts, err);
	if (counts != NULL && count_one(db, q, counts, err) != 0)
		return -1;
	if (fn == NULL)
		return 0;
	st = db_stmt(db,
	             "SELECT p.slug, d.year, d.kind, d.level, f.position, f.rule, f.family, "
	             "f.severity, f.id, f.body, r.name" FROM_ONE
	             " ORDER BY f.position LIMIT ?8 OFFSET ?9",
	             err);
	if (st == NULL)
		return -1;
	bind_query(st, q);
	sqlite3_bind_int64(st, 8, q->limit ? (int64_t)q->limit : -1);
	sqlite3_bind_int64(st, 9, (int64_t)q->offset);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = call(st, fn, ctx, err)) != 0)
			break;
	if (rc == 0 && step != SQLITE_DONE) {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
		rc = -1;
	}
	done_with(st);
	return rc;
}
