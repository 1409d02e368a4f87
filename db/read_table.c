// SPDX-License-Identifier: MIT
// One table straight from its rows (read_table.h). Five statement runs (the disclosure, the
// table, its columns, its rows, their figures), each row's figures in one run of a join
// ordered like the rows, where db_export_part() runs three statements per row and builds a
// jansson value per field.
#include "read_table.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- the strings: copied into blocks that never move, freed at once ---- */

struct db_tpool {
	struct db_tpool *next;
	size_t used, size;
	char text[];
};

char *db_tpool_dup(struct db_tpool **pool, const char *s)
{
	size_t n;
	struct db_tpool *p = *pool;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	if (p == NULL || p->size - p->used < n) {
		size_t size = n > 8192 ? n : 8192;
		if ((p = malloc(sizeof(*p) + size)) == NULL)
			return NULL;
		p->next = *pool;
		p->used = 0;
		p->size = size;
		*pool = p;
	}
	memcpy(p->text + p->used, s, n);
	p->used += n;
	return p->text + p->used - n;
}

/* Column col of st as a pooled string, NULL when NULL. *oom set when a copy failed. */
static const char *col_text(struct db_table *t, sqlite3_stmt *st, int col, bool *oom)
{
	const char *s = (const char *)sqlite3_column_text(st, col), *copy;

	if (s == NULL)
		return NULL;
	if ((copy = db_tpool_dup(&t->pool, s)) == NULL)
		*oom = true;
	return copy;
}

void db_tpool_free(struct db_tpool **pool)
{
	while (*pool != NULL) {
		struct db_tpool *next = (*pool)->next;
		free(*pool);
		*pool = next;
	}
}

void db_table_free(struct db_table *t)
{
	db_tpool_free(&t->pool);
	free(t->cols);
	free(t->rows);
	free(t->figs);
	free(t->boxes);
	memset(t, 0, sizeof(*t));
}

int db_rgrow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap == 0 ? 16 : *cap * 2;
	if ((p = realloc(*v, c * size)) == NULL)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

int db_rdone(struct db *db, sqlite3_stmt *st, int rc, bool oom, struct db_error *err)
{
	sqlite3_reset(st);
	if (oom) {
		db_err_set(err, "out of memory");
		return -1;
	}
	if (rc != SQLITE_DONE) {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
		db_err_store(err, db->sql);
		return -1;
	}
	return 0;
}

void db_rbox(sqlite3_stmt *st, int col, struct db_box *b)
{
	memset(b, 0, sizeof(*b));
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return;
	b->page = sqlite3_column_int(st, col);
	b->has_box = true;
	for (int k = 0; k < 4; k++)
		b->x[k] = sqlite3_column_int64(st, col + 1 + k);
}

/* ---- the statements ---- */

/* The disclosure's id, unit and import time (dmap.c: kept while the store is unchanged). */
static int find(struct db *db, const char *dep, int year, const char *kind, const char *level,
                int64_t *id, struct db_table *t, struct db_error *err)
{
	struct db_dref r;

	if (db_rdisclosure(db, dep, year, kind, level, &r, err) != 0)
		return -1;
	*id = r.id;
	t->imported_at = r.imported_at;
	if ((t->doc_unit = db_tpool_dup(&t->pool, r.unit)) == NULL) {
		db_err_set(err, "out of memory");
		return -1;
	}
	return 0;
}

static int read_head(struct db *db, int64_t doc, int number, int64_t *id, struct db_table *t,
                     bool *missing, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT id, number, type, title, unit, classification, note, "
	                           "unplaced_note, box_page, box_x0, box_y0, box_x1, box_y1 FROM "
	                           "budget_table WHERE disclosure_id = ? AND number = ?",
	                           err);
	bool oom = false;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, doc);
	sqlite3_bind_int(st, 2, number);
	if ((rc = sqlite3_step(st)) == SQLITE_DONE) {
		sqlite3_reset(st);
		*missing = true;
		err->code = DB_NOT_FOUND;
		db_err_set(err, "no table %d", number);
		return -1;
	}
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		t->position = sqlite3_column_int(st, 1);
		t->type = col_text(t, st, 2, &oom);
		t->title = col_text(t, st, 3, &oom);
		t->unit = col_text(t, st, 4, &oom);
		t->classification = col_text(t, st, 5, &oom);
		t->note = col_text(t, st, 6, &oom);
		t->unplaced_note = col_text(t, st, 7, &oom);
		db_rbox(st, 8, &t->box);
		rc = SQLITE_DONE;
	}
	return db_rdone(db, st, rc, oom, err);
}

/* Stable insertion sort of the columns by position: a table has a handful, and SQLite's
 * ORDER BY position here (the index is on table_id, key) would build a sorter per run. */
static void sort_cols(struct db_tcol *c, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct db_tcol x = c[i];
		size_t j = i;
		for (; j > 0 && c[j - 1].position > x.position; j--)
			c[j] = c[j - 1];
		c[j] = x;
	}
}

static int read_cols(struct db *db, int64_t id, struct db_table *t, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT key, title, \"group\", side, measure, position FROM "
	                           "table_column WHERE table_id = ?",
	                           err);
	size_t cap = 0;
	bool oom = false;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (db_rgrow((void **)&t->cols, &cap, t->n_cols, sizeof(*t->cols)) != 0) {
			oom = true;
			break;
		}
		struct db_tcol *c = &t->cols[t->n_cols++];
		c->key = col_text(t, st, 0, &oom);
		c->title = col_text(t, st, 1, &oom);
		c->group = col_text(t, st, 2, &oom);
		c->side = col_text(t, st, 3, &oom);
		c->measure = col_text(t, st, 4, &oom);
		c->position = sqlite3_column_int64(st, 5);
	}
	sort_cols(t->cols, t->n_cols);
	return db_rdone(db, st, rc, oom, err);
}

/* The rows in published order; ids[i] is row i's id (a malloc'd array). */
static int read_rows(struct db *db, int64_t id, struct db_table *t, int64_t **ids,
                     struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT id, side, kind, level, code1, code2, code3, name, "
	                           "project, project_name FROM table_row WHERE table_id = ? "
	                           "ORDER BY position",
	                           err);
	size_t cap = 0, icap = 0;
	bool oom = false;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (db_rgrow((void **)&t->rows, &cap, t->n_rows, sizeof(*t->rows)) != 0 ||
		    db_rgrow((void **)ids, &icap, t->n_rows, sizeof(**ids)) != 0) {
			oom = true;
			break;
		}
		(*ids)[t->n_rows] = sqlite3_column_int64(st, 0);
		struct db_trow *r = &t->rows[t->n_rows++];
		memset(r, 0, sizeof(*r));
		r->side = col_text(t, st, 1, &oom);
		r->kind = col_text(t, st, 2, &oom);
		if ((r->has_level = sqlite3_column_type(st, 3) != SQLITE_NULL))
			r->level = sqlite3_column_int(st, 3);
		/* export.c: the codes are there when code1 is, the non-NULL ones */
		for (int k = 0; k < 3 && sqlite3_column_type(st, 4) != SQLITE_NULL; k++)
			if (sqlite3_column_type(st, 4 + k) != SQLITE_NULL)
				r->codes[r->n_codes++] = col_text(t, st, 4 + k, &oom);
		r->name = col_text(t, st, 7, &oom);
		r->project = col_text(t, st, 8, &oom);
		r->project_name = col_text(t, st, 9, &oom);
	}
	return db_rdone(db, st, rc, oom, err);
}

/* The figure in columns col (millionths) and col + 1 (published decimals, NULL unknown),
 * as export.c's dec_json spells it. */
static void fig_text(sqlite3_stmt *st, int col, char *buf)
{
	int64_t v = sqlite3_column_int64(st, col);

	if (sqlite3_column_type(st, col + 1) == SQLITE_NULL)
		db_dec_format(v, buf);
	else
		db_dec_format_dp(v, sqlite3_column_int(st, col + 1), buf);
}

/* Row ids to row indexes: the ids in ascending order with each one's row. */
struct rowmap {
	const int64_t *ids; /* the rows' ids when ascending in row order, else NULL */
	struct idrow {
		int64_t id;
		size_t row;
	} * sorted; /* else (malloc'd) */
	size_t n;
};

static int by_id(const void *a, const void *b)
{
	const struct idrow *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int rowmap_init(struct rowmap *m, const int64_t *ids, size_t n)
{
	size_t i = 1;

	memset(m, 0, sizeof(*m));
	m->n = n;
	while (i < n && ids[i - 1] < ids[i])
		i++;
	if (i >= n) {
		m->ids = ids;
		return 0;
	}
	if ((m->sorted = malloc(n * sizeof(*m->sorted))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		m->sorted[i] = (struct idrow){ ids[i], i };
	qsort(m->sorted, n, sizeof(*m->sorted), by_id);
	return 0;
}

static int64_t rowmap_id(const struct rowmap *m, size_t k)
{
	return m->ids != NULL ? m->ids[k] : m->sorted[k].id;
}

/* The index of the row whose id is id, or -1 when it is no row of the table. */
static long rowmap_find(const struct rowmap *m, int64_t id)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t v = rowmap_id(m, mid);
		if (v == id)
			return (long)(m->ids != NULL ? mid : m->sorted[mid].row);
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* sql (its first column a row id) run over the range of m's row ids (?1 and ?2), or NULL
 * with err set. */
static sqlite3_stmt *range_run(struct db *db, const char *sql, const struct rowmap *m,
                               struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, sql, err);

	if (st != NULL) {
		sqlite3_bind_int64(st, 1, rowmap_id(m, 0));
		sqlite3_bind_int64(st, 2, rowmap_id(m, m->n - 1));
	}
	return st;
}

/* Steps st to its next record of a row of m (the range holds only the table's rows when
 * one import wrote them; any other is skipped), that row's index in *row: SQLITE_ROW, or
 * SQLite's code at the end. */
static int range_next(sqlite3_stmt *st, const struct rowmap *m, long *row)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((*row = rowmap_find(m, sqlite3_column_int64(st, 0))) >= 0)
			break;
	return rc;
}

/* Published order: by row, then by position within the row (ties, which an import never
 * makes, by key). */
static int by_place(const void *a, const void *b)
{
	const struct db_tfig *x = a, *y = b;

	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	if (x->position != y->position)
		return x->position < y->position ? -1 : 1;
	return x->key != NULL && y->key != NULL ? strcmp(x->key, y->key) : 0;
}

/* Each row's first figure and count, once the figures from first on are in place. */
static void place_figs(struct db_table *t, size_t first, bool keyed)
{
	if (t->n_figs - first > 1) /* qsort takes no NULL, even for no element */
		qsort(t->figs + first, t->n_figs - first, sizeof(*t->figs), by_place);
	for (size_t k = first; k < t->n_figs; k++) {
		struct db_trow *r = &t->rows[t->figs[k].row];
		if (keyed && r->n_amounts++ == 0)
			r->amounts = k;
		if (!keyed && r->n_unplaced++ == 0)
			r->unplaced = k;
	}
}

/* The rows' figures (amounts when keyed, else the unplaced ones), a row's consecutive in
 * t->figs and in published order. One run over the index on row_id from the table's lowest
 * row id to its highest: one descent, where a join from table_row descends once per row,
 * and no SQLite sorter (the order is made in C). One import inserts a table's rows together,
 * so their ids are consecutive and the range holds their figures only; the figures of any
 * other row in it are skipped. */
static int read_figs(struct db *db, const struct rowmap *m, bool keyed, struct db_table *t,
                     struct db_error *err)
{
	sqlite3_stmt *st;
	size_t cap = t->n_figs, first = t->n_figs;
	bool oom = false;
	int rc = SQLITE_DONE;
	long row;

	if (m->n == 0)
		return 0;
	if ((st = range_run(db,
	                    keyed ? "SELECT row_id, value, value_dp, position, key FROM row_amount "
	                            "WHERE row_id BETWEEN ? AND ?"
	                          : "SELECT row_id, value, value_dp, position FROM row_unplaced "
	                            "WHERE row_id BETWEEN ? AND ?",
	                    m, err)) == NULL)
		return -1;
	while (!oom && (rc = range_next(st, m, &row)) == SQLITE_ROW) {
		if (db_rgrow((void **)&t->figs, &cap, t->n_figs, sizeof(*t->figs)) != 0) {
			oom = true;
			break;
		}
		struct db_tfig *f = &t->figs[t->n_figs++];
		f->row = (size_t)row;
		f->position = sqlite3_column_int64(st, 3);
		f->key = keyed ? col_text(t, st, 4, &oom) : NULL;
		fig_text(st, 1, f->text);
	}
	if (rc == SQLITE_DONE && !oom)
		place_figs(t, first, keyed);
	return db_rdone(db, st, rc, oom, err);
}

/* Each row's boxes together, in the rows' order, and in published order (position) within
 * a row: a counting placement by row, then an insertion sort of each row's handful (a
 * qsort of a table's boxes cost more than reading them, #18). They come by (row id, key). */
static int place_boxes(struct db_table *t)
{
	struct db_tbox *sorted = malloc(t->n_boxes * sizeof(*sorted));
	size_t at = 0;

	if (sorted == NULL)
		return -1;
	for (size_t k = 0; k < t->n_boxes; k++)
		t->rows[t->boxes[k].row].n_boxes++;
	for (size_t i = 0; i < t->n_rows; i++) {
		t->rows[i].boxes = at;
		at += t->rows[i].n_boxes;
		t->rows[i].n_boxes = 0;
	}
	for (size_t k = 0; k < t->n_boxes; k++) {
		struct db_trow *r = &t->rows[t->boxes[k].row];
		sorted[r->boxes + r->n_boxes++] = t->boxes[k];
	}
	for (size_t i = 0; i < t->n_rows; i++) {
		struct db_tbox *b = sorted + t->rows[i].boxes;
		for (size_t k = 1; k < t->rows[i].n_boxes; k++) {
			struct db_tbox x = b[k];
			size_t j = k;
			for (; j > 0 && b[j - 1].position > x.position; j--)
				b[j] = b[j - 1];
			b[j] = x;
		}
	}
	free(t->boxes);
	t->boxes = sorted;
	return 0;
}

/* Where the rows' names and figures were printed (#18): read_figs()'s one run over the row
 * ids' range, each row's boxes then together in published order (place_boxes()). */
static int read_boxes(struct db *db, const struct rowmap *m, struct db_table *t,
                      struct db_error *err)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	bool oom = false;
	int rc = SQLITE_DONE;
	long row;

	if (m->n == 0)
		return 0;
	if ((st = range_run(db,
	                    "SELECT row_id, position, key, page, x0, y0, x1, y1 FROM row_box WHERE "
	                    "row_id BETWEEN ? AND ?",
	                    m, err)) == NULL)
		return -1;
	while (!oom && (rc = range_next(st, m, &row)) == SQLITE_ROW) {
		if (db_rgrow((void **)&t->boxes, &cap, t->n_boxes, sizeof(*t->boxes)) != 0) {
			oom = true;
			break;
		}
		struct db_tbox *b = &t->boxes[t->n_boxes++];
		b->row = (size_t)row;
		b->position = sqlite3_column_int64(st, 1);
		b->key = col_text(t, st, 2, &oom);
		db_rbox(st, 3, &b->box);
	}
	if (rc == SQLITE_DONE && !oom && t->n_boxes > 0 && place_boxes(t) != 0)
		oom = true;
	return db_rdone(db, st, rc, oom, err);
}

int db_read_table(struct db *db, const char *department, int year, const char *kind,
                  const char *level, int number, struct db_table *t, struct db_error *err,
                  bool *table_missing)
{
	int64_t doc = 0, id = 0, *ids = NULL;
	struct rowmap m = { 0 };
	int rc = -1;

	memset(t, 0, sizeof(*t));
	memset(err, 0, sizeof(*err));
	*table_missing = false;
	if (find(db, department, year, kind, level, &doc, t, err) != 0 ||
	    read_head(db, doc, number, &id, t, table_missing, err) != 0 ||
	    read_cols(db, id, t, err) != 0 || read_rows(db, id, t, &ids, err) != 0)
		goto out;
	if (rowmap_init(&m, ids, t->n_rows) != 0) {
		db_err_set(err, "out of memory");
		goto out;
	}
	if (read_figs(db, &m, true, t, err) != 0 || read_figs(db, &m, false, t, err) != 0 ||
	    read_boxes(db, &m, t, err) != 0)
		goto out;
	rc = 0;
out:
	free(m.sorted);
	free(ids);
	return rc;
}
