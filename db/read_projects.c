// SPDX-License-Identifier: MIT
// A disclosure's projects straight from their rows (read_projects.h). The projects in one
// run, then each child (economic figures, allocation, its items, performance target, its
// indicators) in one run for all the projects, joined to project and ordered like the
// projects, where db_export_part() runs a statement per project and child and builds a
// jansson value per field. With one project asked for, every run keeps only its rows.
#include "read_projects.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Column col of st as a pooled string, NULL when NULL. *oom set when a copy failed. */
static const char *col_text(struct db_projects *p, sqlite3_stmt *st, int col, bool *oom)
{
	const char *s = (const char *)sqlite3_column_text(st, col), *copy;

	if (s == NULL)
		return NULL;
	if ((copy = db_tpool_dup(&p->pool, s)) == NULL)
		*oom = true;
	return copy;
}

/* The figure in columns col (millionths) and col + 1 (published decimals, NULL unknown), as
 * export.c's dec_json spells it; not set when col is NULL (export.c leaves the key out). */
static void col_dec(sqlite3_stmt *st, int col, struct db_pdec *d)
{
	int64_t v = sqlite3_column_int64(st, col);

	if (!(d->set = sqlite3_column_type(st, col) != SQLITE_NULL))
		return;
	if (sqlite3_column_type(st, col + 1) == SQLITE_NULL)
		db_dec_format(v, d->text);
	else
		db_dec_format_dp(v, sqlite3_column_int(st, col + 1), d->text);
}

void db_projects_free(struct db_projects *p)
{
	db_tpool_free(&p->pool);
	free(p->projects);
	free(p->economic);
	free(p->items);
	free(p->indicators);
	memset(p, 0, sizeof(*p));
}

/* Binds the disclosure (1) and the project asked for (2, NULL for all). */
static sqlite3_stmt *bound(struct db *db, const char *sql, int64_t doc, const char *project,
                           struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, sql, err);

	if (st == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, doc);
	if (project != NULL)
		sqlite3_bind_text(st, 2, project, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	return st;
}

/* ---- the disclosure and its withheld projects ---- */

static int find(struct db *db, const char *dep, int year, const char *kind, const char *level,
                int64_t *id, struct db_projects *p, struct db_error *err)
{
	/* the text of read_table.c's: one cached statement for both */
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT d.id, d.unit, d.imported_at FROM disclosure d JOIN "
	                           "department p ON p.id = d.department_id WHERE p.slug = ? AND "
	                           "d.year = ? AND d.kind = ? AND d.level = ?",
	                           err);
	bool oom = false;
	int rc;

	if (st == NULL)
		return -1;
	if ((rc = db_rfind(st, dep, year, kind, level, err)) < 0)
		return -1;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		p->unit = col_text(p, st, 1, &oom);
		p->imported_at = sqlite3_column_int64(st, 2);
		rc = SQLITE_DONE;
	}
	return db_rdone(db, st, rc, oom, err);
}

static int read_withheld(struct db *db, int64_t doc, struct db_projects *p, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT count, amount, amount_dp, legal_source, basis, text "
	                           "FROM withheld WHERE disclosure_id = ?",
	                           err);
	bool oom = false;
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, doc);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p->has_withheld = true;
		p->withheld_count = sqlite3_column_int64(st, 0);
		col_dec(st, 1, &p->withheld_amount);
		p->withheld_legal_source = col_text(p, st, 3, &oom);
		p->withheld_basis = col_text(p, st, 4, &oom);
		p->withheld_text = col_text(p, st, 5, &oom);
		rc = SQLITE_DONE;
	}
	return db_rdone(db, st, rc, oom, err);
}

/* ---- the projects, then each child for all of them ---- */

/* The projects in published order; ids[i] is project i's row id (a malloc'd array). */
static int read_list(struct db *db, int64_t doc, const char *project, struct db_projects *p,
                     int64_t **ids, struct db_error *err)
{
	sqlite3_stmt *st =
	    bound(db,
	          "SELECT id, slug, withheld, name, table_name, code1, code2, code3, "
	          "amount, amount_dp, policy_basis, executing_unit, period, "
	          "self_evaluation, self_evaluation_dp FROM project WHERE "
	          "disclosure_id = ?1 AND (?2 IS NULL OR slug = ?2) ORDER BY position",
	          doc, project, err);
	size_t cap = 0, icap = 0;
	bool oom = false;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (db_rgrow((void **)&p->projects, &cap, p->n_projects, sizeof(*p->projects)) !=
		        0 ||
		    db_rgrow((void **)ids, &icap, p->n_projects, sizeof(**ids)) != 0) {
			oom = true;
			break;
		}
		(*ids)[p->n_projects] = sqlite3_column_int64(st, 0);
		struct db_proj *j = &p->projects[p->n_projects++];
		memset(j, 0, sizeof(*j));
		j->id = col_text(p, st, 1, &oom);
		j->withheld = sqlite3_column_int(st, 2) != 0;
		j->name = col_text(p, st, 3, &oom);
		j->table_name = col_text(p, st, 4, &oom);
		/* export.c: the codes are there when code1 is, the non-NULL ones */
		for (int k = 0; k < 3 && sqlite3_column_type(st, 5) != SQLITE_NULL; k++)
			if (sqlite3_column_type(st, 5 + k) != SQLITE_NULL)
				j->codes[j->n_codes++] = col_text(p, st, 5 + k, &oom);
		col_dec(st, 8, &j->amount);
		j->policy_basis = col_text(p, st, 10, &oom);
		j->executing_unit = col_text(p, st, 11, &oom);
		j->period = col_text(p, st, 12, &oom);
		col_dec(st, 13, &j->self_evaluation);
	}
	return db_rdone(db, st, rc, oom, err);
}

/* The arrays' capacities while the children are read. */
struct caps {
	size_t economic, items, indicators;
};

/* A child run: column 0 of every row is its project's row id, rows ordered like the
 * projects; fn takes each row with the project it belongs to (0, or -1 out of memory). */
typedef int (*row_fn)(struct db_projects *p, struct caps *caps, struct db_proj *j, sqlite3_stmt *st,
                      bool *oom);

static int read_child(struct db *db, const char *sql, int64_t doc, const char *project,
                      struct db_projects *p, struct caps *caps, const int64_t *ids, row_fn fn,
                      struct db_error *err)
{
	sqlite3_stmt *st;
	size_t i = 0;
	bool oom = false;
	int rc = SQLITE_DONE;

	if (p->n_projects == 0)
		return 0;
	if ((st = bound(db, sql, doc, project, err)) == NULL)
		return -1;
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		while (i < p->n_projects && ids[i] != id)
			i++;
		if (i == p->n_projects) /* rows in the projects' order: cannot happen */
			break;
		if (fn(p, caps, &p->projects[i], st, &oom) != 0)
			oom = true;
	}
	if (rc == SQLITE_ROW && !oom) {
		sqlite3_reset(st);
		db_err_set(err, "rows out of the projects' order");
		return -1;
	}
	return db_rdone(db, st, rc, oom, err);
}

/* Appends a figure (column 1: key or item, 2-3: amount) to *v, counted in *first, *count. */
static int add_fig(struct db_projects *p, struct db_pfig **v, size_t *n, size_t *cap, size_t *first,
                   size_t *count, sqlite3_stmt *st, bool *oom)
{
	if (db_rgrow((void **)v, cap, *n, sizeof(**v)) != 0)
		return -1;
	struct db_pfig *f = &(*v)[*n];
	f->key = col_text(p, st, 1, oom);
	col_dec(st, 2, &f->amount);
	if ((*count)++ == 0)
		*first = *n;
	(*n)++;
	return 0;
}

static int economic_row(struct db_projects *p, struct caps *caps, struct db_proj *j,
                        sqlite3_stmt *st, bool *oom)
{
	return add_fig(p, &p->economic, &p->n_economic, &caps->economic, &j->economic,
	               &j->n_economic, st, oom);
}

static int item_row(struct db_projects *p, struct caps *caps, struct db_proj *j, sqlite3_stmt *st,
                    bool *oom)
{
	return add_fig(p, &p->items, &p->n_items, &caps->items, &j->items, &j->n_items, st, oom);
}

static int allocation_row(struct db_projects *p, struct caps *caps, struct db_proj *j,
                          sqlite3_stmt *st, bool *oom)
{
	(void)caps;
	j->has_allocation = true;
	j->allocation_text = col_text(p, st, 1, oom);
	return 0;
}

static int target_row(struct db_projects *p, struct caps *caps, struct db_proj *j, sqlite3_stmt *st,
                      bool *oom)
{
	(void)caps;
	j->has_performance = true;
	col_dec(st, 1, &j->funding_total);
	col_dec(st, 3, &j->funding_fiscal);
	col_dec(st, 5, &j->funding_other);
	j->objective = col_text(p, st, 7, oom);
	return 0;
}

static int indicator_row(struct db_projects *p, struct caps *caps, struct db_proj *j,
                         sqlite3_stmt *st, bool *oom)
{
	if (db_rgrow((void **)&p->indicators, &caps->indicators, p->n_indicators,
	             sizeof(*p->indicators)) != 0)
		return -1;
	struct db_pind *d = &p->indicators[p->n_indicators];
	d->level1 = col_text(p, st, 1, oom);
	d->level2 = col_text(p, st, 2, oom);
	d->name = col_text(p, st, 3, oom);
	d->value = col_text(p, st, 4, oom);
	d->op = col_text(p, st, 5, oom);
	col_dec(st, 6, &d->number);
	d->unit = col_text(p, st, 8, oom);
	if (j->n_indicators++ == 0)
		j->indicators = p->n_indicators;
	p->n_indicators++;
	return 0;
}

/* The children's runs, in the order read_children() takes them. ?1 the disclosure, ?2 the
 * project asked for (NULL: all). */
#define THE_PROJECTS " WHERE p.disclosure_id = ?1 AND (?2 IS NULL OR p.slug = ?2) "
static const struct {
	const char *sql;
	row_fn fn;
} children[] = {
	{ "SELECT e.project_id, e.key, e.value, e.value_dp FROM project p JOIN project_economic e "
	  "ON e.project_id = p.id" THE_PROJECTS "ORDER BY p.position, e.position",
	  economic_row },
	{ "SELECT a.project_id, a.text FROM project p JOIN allocation a ON a.project_id = "
	  "p.id" THE_PROJECTS "ORDER BY p.position",
	  allocation_row },
	{ "SELECT a.project_id, i.item, i.amount, i.amount_dp FROM project p JOIN allocation a ON "
	  "a.project_id = p.id JOIN allocation_item i ON i.allocation_id = a.id" THE_PROJECTS
	  "ORDER BY p.position, i.position",
	  item_row },
	{ "SELECT t.project_id, t.funding_total, t.funding_total_dp, t.funding_fiscal, "
	  "t.funding_fiscal_dp, t.funding_other, t.funding_other_dp, t.objective FROM project p "
	  "JOIN performance_target t ON t.project_id = p.id" THE_PROJECTS "ORDER BY p.position",
	  target_row },
	{ "SELECT t.project_id, i.level1, i.level2, i.name, i.value, i.op, i.number, i.number_dp, "
	  "i.unit FROM project p JOIN performance_target t ON t.project_id = p.id JOIN indicator "
	  "i ON i.target_id = t.id" THE_PROJECTS "ORDER BY p.position, i.position",
	  indicator_row },
};

int db_read_projects(struct db *db, const char *department, int year, const char *kind,
                     const char *level, const char *project, struct db_projects *p,
                     struct db_error *err)
{
	struct caps caps = { 0 };
	int64_t doc = 0, *ids = NULL;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	memset(err, 0, sizeof(*err));
	if (find(db, department, year, kind, level, &doc, p, err) != 0 ||
	    read_withheld(db, doc, p, err) != 0 || read_list(db, doc, project, p, &ids, err) != 0)
		goto out;
	for (size_t k = 0; k < sizeof(children) / sizeof(children[0]); k++)
		if (read_child(db, children[k].sql, doc, project, p, &caps, ids, children[k].fn,
		               err) != 0)
			goto out;
	rc = 0;
out:
	free(ids);
	return rc;
}
