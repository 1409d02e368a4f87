// SPDX-License-Identifier: MIT
// A disclosure's JSON answer straight from its rows (read_disclosure.h): the disclosure and
// its one-row parts in one run of a join, then each list in one run, a child list for all
// its parents at once, ordered like them; db_export_part() runs a statement per entity and
// row and builds a jansson value per field. The statements are built once from the column
// lists below, so a list's columns are named in one place.
#include "read_disclosure.h"

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define TX(k)                 \
	{                     \
		(k), DB_DTEXT \
	}
#define DE(k)                \
	{                    \
		(k), DB_DDEC \
	}
#define IN(k)                \
	{                    \
		(k), DB_DINT \
	}

static const struct db_dcol doc_cols[] = { IN("year"), TX("kind"), TX("title"), TX("published"),
	                                   TX("unit") };
static const struct db_dcol department_cols[] = { TX("name"), TX("short_name"), TX("region"),
	                                          TX("parent") };
static const struct db_dcol source_cols[] = { TX("document"), TX("file"),   TX("url"),
	                                      TX("notes"),    TX("sha256"), IN("pages") };
static const struct db_dcol organization_cols[] = { TX("text"), IN("subordinate_units"),
	                                            IN("administrative_units"),
	                                            IN("institutional_units") };
static const struct db_dcol operating_cols[] = { DE("amount"),
	                                         DE("budget"),
	                                         DE("final"),
	                                         DE("change"),
	                                         DE("change_percent"),
	                                         TX("reason"),
	                                         IN("administrative_units"),
	                                         IN("institutional_units"),
	                                         TX("unit") };
static const struct db_dcol procurement_cols[] = { DE("amount"),       DE("goods"),
	                                           DE("works"),        DE("services"),
	                                           DE("sme_reserved"), DE("small_micro_reserved") };
static const struct db_dcol assets_cols[] = { TX("as_of"),
	                                      DE("building_area"),
	                                      DE("building_value"),
	                                      DE("furniture_value"),
	                                      DE("other_value"),
	                                      IN("equipment_over_50"),
	                                      IN("equipment_over_100"),
	                                      DE("planned_vehicle_purchase"),
	                                      IN("planned_equipment_over_50"),
	                                      IN("planned_equipment_over_100"),
	                                      IN("planned_vehicles") };
static const struct db_dcol performance_cols[] = { IN("project_count"), DE("amount"), TX("text") };
static const struct db_dcol withheld_cols[] = { IN("count"), DE("amount"), TX("legal_source"),
	                                        TX("basis"), TX("text") };
static const struct db_dcol texts_cols[] = { TX("value") };
static const struct db_dcol units_cols[] = { TX("name"), TX("type"), TX("note") };
static const struct db_dcol staffing_cols[] = { TX("category"), TX("label"), IN("count"),
	                                        IN("change") };
/* Where it was printed (#18): the box's page and coordinates, in hundredths of a point. */
#define BOX_COLS IN("box_page"), IN("box_x0"), IN("box_y0"), IN("box_x1"), IN("box_y1")
static const struct db_dcol explanation_cols[] = { TX("key"), TX("number"), TX("title"), IN("page"),
	                                           BOX_COLS };
static const struct db_dcol figure_cols[] = {
	TX("label"),  TX("code1"),          TX("code2"),  TX("code3"),  DE("amount"), DE("share"),
	DE("change"), DE("change_percent"), TX("reason"), TX("detail"), BOX_COLS
};
static const struct db_dcol vehicle_cols[] = { TX("kind"), TX("label"), IN("count"), DE("value") };
static const struct db_dcol glossary_cols[] = { TX("number"), TX("term"), TX("definition") };
static const struct db_dcol table_cols[] = { TX("type"), TX("unit") };
static const struct db_dcol tcol_cols[] = { TX("key"), TX("side"), TX("measure") };
static const struct db_dcol trow_cols[] = { TX("side") };
static const struct db_dcol tfig_cols[] = { TX("key"), DE("value") };

#define L(m) offsetof(struct db_disclosure, m)
#define COLS(a) (a), N(a)

/* ---- the disclosure and its one-row parts: one join ---- */

static const struct one {
	size_t list;
	const char *table; /* NULL: the disclosure itself (alias d) */
	const struct db_dcol *cols;
	size_t width;
	bool required; /* given even when empty (db_model's required) */
} ones[] = {
	{ L(doc), NULL, COLS(doc_cols), true },
	{ L(department), "department_record", COLS(department_cols), true },
	{ L(source), "source", COLS(source_cols), false },
	{ L(organization), "organization", COLS(organization_cols), false },
	{ L(operating_costs), "operating_costs", COLS(operating_cols), false },
	{ L(procurement), "procurement", COLS(procurement_cols), false },
	{ L(assets), "assets", COLS(assets_cols), false },
	{ L(performance), "performance_summary", COLS(performance_cols), false },
	{ L(withheld), "withheld", COLS(withheld_cols), false },
};

/* Appends alias.col (and alias.col_dp for a figure) for each column. Unquoted: no column
 * read here is named by a keyword, and the join of the one-row parts must stay within
 * db_stmt_tagged()'s 2,048 bytes (about 1,800 now). */
static void add_cols(char *sql, size_t size, const char *alias, const struct db_dcol *cols,
                     size_t width)
{
	for (size_t k = 0; k < width; k++) {
		size_t n = strlen(sql);
		snprintf(sql + n, size - n, ", %s.%s", alias, cols[k].key);
		if (cols[k].type == DB_DDEC) {
			n = strlen(sql);
			snprintf(sql + n, size - n, ", %s.%s_dp", alias, cols[k].key);
		}
	}
}

/* SELECT d.id, (d's columns), t1.id, (t1's columns) ..., sg.id, d.imported_at FROM disclosure d JOIN
 * department p ... LEFT JOIN <part> t1 ON t1.disclosure_id = d.id ... WHERE the disclosure. */
static int ones_sql(const void *tag, char *sql, size_t size)
{
	char alias[8];
	size_t n;

	(void)tag;
	snprintf(sql, size, "SELECT d.id");
	for (size_t i = 0; i < N(ones); i++) {
		snprintf(alias, sizeof(alias), i == 0 ? "d" : "t%zu", i);
		if (i > 0) {
			n = strlen(sql);
			snprintf(sql + n, size - n, ", %s.id", alias);
		}
		add_cols(sql, size, alias, ones[i].cols, ones[i].width);
	}
	n = strlen(sql);
	snprintf(sql + n, size - n,
	         ", sg.id, d.imported_at FROM disclosure d JOIN department p ON p.id = "
	         "d.department_id");
	for (size_t i = 1; i < N(ones); i++) {
		n = strlen(sql);
		snprintf(sql + n, size - n, " LEFT JOIN %s t%zu ON t%zu.disclosure_id = d.id",
		         ones[i].table, i, i);
	}
	n = strlen(sql);
	n += (size_t)snprintf(sql + n, size - n,
	                      " LEFT JOIN sangong sg ON sg.disclosure_id = d.id WHERE p.slug = "
	                      "?1 AND d.year = ?2 AND d.kind = ?3 AND d.level = ?4");
	return n + 1 < size ? 0 : -1;
}

/* The columns a list's values take in a statement: a figure's decimals are the second. */
static int n_sql_cols(const struct db_dcol *cols, size_t width)
{
	int n = 0;

	for (size_t k = 0; k < width; k++)
		n += cols[k].type == DB_DDEC ? 2 : 1;
	return n;
}

static struct db_dlist *list_of(struct db_disclosure *d, size_t off)
{
	return (struct db_dlist *)((char *)d + off);
}

/* Room for one more row in l (its values, its id, and its owner for a child list). */
static int grow(struct db_dlist *l, bool child)
{
	size_t cap = l->cap == 0 ? 16 : l->cap * 2;
	void *p;

	if (l->n < l->cap)
		return 0;
	if ((p = realloc(l->v, cap * l->width * sizeof(*l->v))) == NULL)
		return -1;
	l->v = p;
	if ((p = realloc(l->ids, cap * sizeof(*l->ids))) == NULL)
		return -1;
	l->ids = p;
	if (child && (p = realloc(l->owner, cap * sizeof(*l->owner))) == NULL)
		return -1;
	if (child)
		l->owner = p;
	l->cap = cap;
	return 0;
}

/* Appends a row of l from st's columns from col on (id in column id_col; a child list's
 * owner is set by the caller); returns the column after them, or -1 when out of memory. */
static int add_row(struct db_disclosure *d, struct db_dlist *l, sqlite3_stmt *st, int id_col,
                   int col, bool child)
{
	char buf[DB_DEC_BUFSZ];
	bool oom = false;

	if (grow(l, child) != 0)
		return -1;
	l->ids[l->n] = sqlite3_column_int64(st, id_col);
	struct db_dval *v = l->v + l->n * l->width;
	for (size_t k = 0; k < l->width; k++, v++) {
		v->set = sqlite3_column_type(st, col) != SQLITE_NULL;
		v->n = l->cols[k].type == DB_DTEXT ? 0 : sqlite3_column_int64(st, col);
		v->s = NULL;
		if (l->cols[k].type == DB_DDEC && v->set) {
			if (sqlite3_column_type(st, col + 1) == SQLITE_NULL)
				db_dec_format(v->n, buf);
			else
				db_dec_format_dp(v->n, sqlite3_column_int(st, col + 1), buf);
			oom |= (v->s = db_tpool_dup(&d->pool, buf)) == NULL;
		} else if (l->cols[k].type == DB_DTEXT && v->set) {
			v->s = db_tpool_dup(&d->pool, (const char *)sqlite3_column_text(st, col));
			oom |= v->s == NULL;
		}
		col += l->cols[k].type == DB_DDEC ? 2 : 1;
	}
	l->n++;
	return oom ? -1 : col;
}

int db_rfind(sqlite3_stmt *st, const char *dep, int year, const char *kind, const char *level,
             struct db_error *err)
{
	int rc;

	sqlite3_bind_text(st, 1, dep, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, year);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, level, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		return rc;
	sqlite3_reset(st);
	err->code = DB_NOT_FOUND;
	db_err_set(err, "no %s %d disclosure (level %s) of department \"%s\"", kind, year, level,
	           dep);
	return -1;
}

static int read_ones(struct db *db, const char *dep, int year, const char *kind, const char *level,
                     struct db_disclosure *d, struct db_error *err)
{
	static const char tag = 0;
	sqlite3_stmt *st = db_stmt_tagged(db, &tag, ones_sql, err);
	int rc, col = 1;

	if (st == NULL)
		return -1;
	for (size_t i = 0; i < N(ones); i++) {
		list_of(d, ones[i].list)->cols = ones[i].cols;
		list_of(d, ones[i].list)->width = ones[i].width;
	}
	if ((rc = db_rfind(st, dep, year, kind, level, err)) < 0)
		return -1;
	for (size_t i = 0; rc == SQLITE_ROW && i < N(ones) && col >= 0; i++) {
		int id = i == 0 ? 0 : col++; /* the disclosure's id is column 0 */
		if (sqlite3_column_type(st, id) == SQLITE_NULL) /* no such row */
			col += n_sql_cols(ones[i].cols, ones[i].width);
		else
			col = add_row(d, list_of(d, ones[i].list), st, id, col, false);
	}
	if (rc == SQLITE_ROW && col >= 0) {
		d->has_sangong = sqlite3_column_type(st, col) != SQLITE_NULL;
		d->imported_at = sqlite3_column_int64(st, col + 1);
		rc = SQLITE_DONE;
	}
	return db_rdone(db, st, rc, col < 0, err);
}

/* ---- the lists: one run each ---- */

/* The tables the headline totals read (api/disclosure.c's summary and expenditure types). */
#define TOTALS_TYPES \
	"IN ('budget_summary', 'final_summary', 'budget_expenditure', 'final_expenditure') "

/* A child list of one explanation (read_per_parent), in the order of its unique index on
 * (explanation_id, position); or of the organization. */
#define OF_EXPLANATION(table) table " x WHERE x.explanation_id = ?1 ORDER BY x.position"
#define OF_ORGANIZATION(table)                                                                    \
	"organization o JOIN " table " x ON x.organization_id = o.id WHERE o.disclosure_id = ?1 " \
	"ORDER BY x.position"

static const struct many {
	size_t list;
	size_t parent; /* the parent list, when parent_col is not NULL */
	const char *parent_col; /* the parent row's id */
	const char *from; /* the rows read are x's */
	const struct db_dcol *cols;
	size_t width;
	bool per_parent; /* from reads one parent's rows, ?1 its id (read_per_parent) */
} manys[] = {
	{ L(functions), 0, NULL,
	  "department_function x WHERE x.disclosure_id = ?1 ORDER BY x.position", COLS(texts_cols),
	  false },
	{ L(internal_units), 0, NULL, OF_ORGANIZATION("internal_unit"), COLS(texts_cols), false },
	{ L(units), 0, NULL, OF_ORGANIZATION("organization_unit"), COLS(units_cols), false },
	{ L(staffing), 0, NULL, "staffing x WHERE x.disclosure_id = ?1 ORDER BY x.position",
	  COLS(staffing_cols), false },
	{ L(explanations), 0, NULL, "explanation x WHERE x.disclosure_id = ?1 ORDER BY x.position",
	  COLS(explanation_cols), false },
	{ L(paragraphs), L(explanations), "x.explanation_id",
	  OF_EXPLANATION("explanation_paragraph"), COLS(texts_cols), true },
	{ L(figures), L(explanations), "x.explanation_id", OF_EXPLANATION("explanation_figure"),
	  COLS(figure_cols), true },
	{ L(vehicles), 0, NULL,
	  "assets a JOIN asset_vehicle x ON x.assets_id = a.id WHERE a.disclosure_id = ?1 ORDER "
	  "BY x.position",
	  COLS(vehicle_cols), false },
	{ L(glossary), 0, NULL, "glossary_term x WHERE x.disclosure_id = ?1 ORDER BY x.position",
	  COLS(glossary_cols), false },
	{ L(tables), 0, NULL,
	  "budget_table x WHERE x.disclosure_id = ?1 AND x.type " TOTALS_TYPES
	  "ORDER BY x.position",
	  COLS(table_cols), false },
	{ L(tcols), L(tables), "t.id",
	  "budget_table t JOIN table_column x ON x.table_id = t.id WHERE t.disclosure_id = ?1 AND "
	  "t.type " TOTALS_TYPES "ORDER BY t.position, x.position",
	  COLS(tcol_cols), false },
	{ L(trows), L(tables), "x.table_id",
	  "table_row x WHERE x.table_id = ?1 AND x.kind = 'total' ORDER BY x.position",
	  COLS(trow_cols), true },
	{ L(tfigs), L(trows), "r.id",
	  "budget_table t JOIN table_row r ON r.table_id = t.id AND r.kind = 'total' JOIN "
	  "row_amount x ON x.row_id = r.id WHERE t.disclosure_id = ?1 AND t.type " TOTALS_TYPES
	  "ORDER BY t.position, r.position, x.position",
	  COLS(tfig_cols), false },
};

/* Whether another list hangs off m's rows, found by their ids. */
static bool is_parent(const struct many *m)
{
	for (size_t i = 0; i < N(manys); i++)
		if (manys[i].parent_col != NULL && manys[i].parent == m->list)
			return true;
	return false;
}

/* SELECT x.id, <parent's id or NULL>, x's columns FROM ...; NULL for the id of a list no
 * other hangs off: most have none (schema.sql's WITHOUT ROWID tables). */
static int many_sql(const void *tag, char *sql, size_t size)
{
	const struct many *m = tag;
	size_t n;

	snprintf(sql, size, "SELECT %s, %s", is_parent(m) ? "x.id" : "NULL",
	         m->parent_col != NULL ? m->parent_col : "NULL");
	add_cols(sql, size, "x", m->cols, m->width);
	n = strlen(sql);
	n += (size_t)snprintf(sql + n, size - n, " FROM %s", m->from);
	return n + 1 < size ? 0 : -1;
}

/* A child list read parent by parent, in the parent list's order, each parent's rows in
 * the order of an index: one statement over all of them sorted its rows, the explanations'
 * paragraphs and figures (72 and 53 on the 2,000 x 5 store, long texts), by (e.position,
 * x.position) in a SQLite sorter (#17, round 4). */
static int read_per_parent(struct db *db, const struct many *m, struct db_disclosure *d,
                           struct db_error *err)
{
	sqlite3_stmt *st = db_stmt_tagged(db, m, many_sql, err);
	struct db_dlist *l = list_of(d, m->list);
	const struct db_dlist *up = list_of(d, m->parent);
	bool oom = false;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	l->cols = m->cols;
	l->width = m->width;
	for (size_t i = 0; i < up->n && !oom && rc == SQLITE_DONE; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, up->ids[i]);
		while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (add_row(d, l, st, 0, 2, true) < 0)
				oom = true;
			else
				l->owner[l->n - 1] = i;
		}
	}
	return db_rdone(db, st, rc, oom, err);
}

static int read_many(struct db *db, const struct many *m, int64_t doc, struct db_disclosure *d,
                     struct db_error *err)
{
	sqlite3_stmt *st;
	struct db_dlist *l = list_of(d, m->list);
	const struct db_dlist *up = m->parent_col != NULL ? list_of(d, m->parent) : NULL;
	size_t i = 0;
	bool oom = false;
	int rc = SQLITE_DONE;

	if (m->per_parent)
		return read_per_parent(db, m, d, err);
	if ((st = db_stmt_tagged(db, m, many_sql, err)) == NULL)
		return -1;
	l->cols = m->cols;
	l->width = m->width;
	sqlite3_bind_int64(st, 1, doc);
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t parent = sqlite3_column_int64(st, 1);
		while (up != NULL && i < up->n && up->ids[i] != parent)
			i++;
		if (up != NULL && i == up->n) /* ordered like the parents: cannot happen */
			break;
		if (add_row(d, l, st, 0, 2, up != NULL) < 0)
			oom = true;
		else if (up != NULL)
			l->owner[l->n - 1] = i;
	}
	if (rc == SQLITE_ROW && !oom) {
		sqlite3_reset(st);
		db_err_set(err, "rows out of their parents' order");
		return -1;
	}
	return db_rdone(db, st, rc, oom, err);
}

/* ---- db_export()'s rule: a child object with nothing in it is left out ---- */

static bool row_empty(const struct db_dlist *l)
{
	for (size_t k = 0; k < l->width; k++)
		if (l->v[k].set)
			return false;
	return true;
}

static void drop_empty(struct db_disclosure *d)
{
	for (size_t i = 0; i < N(ones); i++) {
		struct db_dlist *l = list_of(d, ones[i].list);
		if (ones[i].required || l->n == 0 || !row_empty(l))
			continue;
		if (l == &d->organization && (d->internal_units.n > 0 || d->units.n > 0))
			continue;
		if (l == &d->assets && d->vehicles.n > 0)
			continue;
		l->n = 0;
	}
}

static void list_free(struct db_dlist *l)
{
	free(l->v);
	free(l->ids);
	free(l->owner);
}

void db_disclosure_free(struct db_disclosure *d)
{
	for (size_t i = 0; i < N(ones); i++)
		list_free(list_of(d, ones[i].list));
	for (size_t i = 0; i < N(manys); i++)
		list_free(list_of(d, manys[i].list));
	db_tpool_free(&d->pool);
	memset(d, 0, sizeof(*d));
}

int db_read_disclosure(struct db *db, const char *department, int year, const char *kind,
                       const char *level, struct db_disclosure *d, struct db_error *err)
{
	memset(d, 0, sizeof(*d));
	memset(err, 0, sizeof(*err));
	if (read_ones(db, department, year, kind, level, d, err) != 0)
		return -1;
	for (size_t i = 0; i < N(manys); i++)
		if (read_many(db, &manys[i], d->doc.ids[0], d, err) != 0)
			return -1;
	drop_empty(d);
	return 0;
}
