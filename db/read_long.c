// SPDX-License-Identifier: MIT
// A disclosure's tables for the long CSV (read_long.h). Six statement runs a disclosure:
// its record, its tables, then the columns, rows, figures and unplaced figures of all its
// tables, each a run over a range of an index (table ids, then row ids), where
// db_read_table() runs five statements per table (#17: 9 tables a disclosure, a seek each).
// One import writes all of a disclosure's tables and rows together, so their ids are
// consecutive and a range holds the disclosure's records only; a record of any other
// disclosure in a range is skipped. A run starts at the range's lowest id and is left at
// the first record past its highest ("id >= ?", not BETWEEN: SQLite then compares no upper
// bound at every step, a sixth of a figure's step). The figures' boxes (#18) are a seventh
// run, over row_box, merged with the figures read in the same (row id, key) order.
#include "read_long.h"

#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* What is read before it is placed: the tables' ids and slices, the rows' ids and tables,
 * the figures in the order read. */
struct db_long_room {
	int64_t *table_ids; /* d->tables' ids, in number order */
	size_t *col0, *row0; /* each table's first column and row in d->cols and d->rows */
	size_t *key_len; /* the columns' keys' lengths */
	int64_t *row_ids; /* d->rows' ids */
	size_t *row_table; /* the table of each row (an index into d->tables) */
	struct idrow {
		int64_t id;
		size_t row;
	} * sorted; /* the rows by id, when their ids do not ascend in row order */
	size_t cursor; /* rows_find()'s place when they do */
	struct pend {
		size_t row;
		long col; /* -1: unplaced */
		size_t len;
		char text[DB_DEC_BUFSZ];
		struct db_box box;
	} * figs;
	size_t n_figs;
	/* the room of each array (d's, then these), kept from one disclosure to the next */
	size_t cap_tables, cap_cols, cap_rows, cap_figs;
	size_t cap_table_ids, cap_starts, cap_key_len, cap_row_ids, cap_row_table, cap_pend;
};

/* db_rgrow() when n has reached *cap: a call per row read was a tenth of this file's own
 * instructions. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	return n < *cap ? 0 : db_rgrow(v, cap, n, size);
}

/* s when it is a or b, the schema's values (kept as a constant, not copied); else a copy of
 * it (NULL for NULL). */
static const char *known(struct db_long *d, const char *s, const char *a, const char *b, bool *oom)
{
	const char *copy;

	if (s == NULL)
		return NULL;
	if (strcmp(s, a) == 0)
		return a;
	if (strcmp(s, b) == 0)
		return b;
	if ((copy = db_tpool_dup(&d->pool, s)) == NULL)
		*oom = true;
	return copy;
}

static const char *pooled(struct db_long *d, sqlite3_stmt *st, int col, bool *oom)
{
	const char *s = (const char *)sqlite3_column_text(st, col), *copy;

	if (s == NULL)
		return NULL;
	if ((copy = db_tpool_dup(&d->pool, s)) == NULL)
		*oom = true;
	return copy;
}

/* The disclosure's id, unit and department as published (LEFT JOIN: without a record the
 * CSV still names the slug). */
static int read_record(struct db *db, const char *dep, int year, const char *kind,
                       const char *level, struct db_long *d, int64_t *id, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT d.id, d.unit, r.name, r.region FROM disclosure d JOIN "
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
		d->unit = pooled(d, st, 1, &oom);
		d->name = pooled(d, st, 2, &oom);
		d->region = pooled(d, st, 3, &oom);
		rc = SQLITE_DONE;
	}
	return db_rdone(db, st, rc, oom, err);
}

/* The tables by number (the schema's CHECK keeps number in 1..99, UNIQUE per disclosure). */
static int read_tables(struct db *db, int64_t id, struct db_long *d, struct db_long_room *s,
                       struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT id, number, type, title, unit FROM budget_table WHERE "
	                           "disclosure_id = ? ORDER BY number",
	                           err);
	bool oom = false;
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&d->tables, &s->cap_tables, d->n_tables, sizeof(*d->tables)) !=
		        0 ||
		    grow((void **)&s->table_ids, &s->cap_table_ids, d->n_tables,
		         sizeof(*s->table_ids)) != 0) {
			oom = true;
			break;
		}
		s->table_ids[d->n_tables] = sqlite3_column_int64(st, 0);
		struct db_table *t = &d->tables[d->n_tables++];
		memset(t, 0, sizeof(*t));
		t->position = sqlite3_column_int(st, 1);
		t->type = pooled(d, st, 2, &oom);
		t->title = pooled(d, st, 3, &oom);
		t->unit = pooled(d, st, 4, &oom);
	}
	return db_rdone(db, st, rc, oom, err);
}

/* The index in d->tables of the table whose id is id, or -1; *last is the answer before
 * (the records come grouped by table). */
static long table_of(const struct db_long *d, const struct db_long_room *s, int64_t id, long *last)
{
	if (*last >= 0 && s->table_ids[*last] == id)
		return *last;
	for (size_t i = 0; i < d->n_tables; i++)
		if (s->table_ids[i] == id)
			return *last = (long)i;
	return -1;
}

static void table_range(const struct db_long *d, const struct db_long_room *s, int64_t *lo,
                        int64_t *hi)
{
	*lo = s->table_ids[0];
	*hi = s->table_ids[0];
	for (size_t i = 1; i < d->n_tables; i++) {
		*lo = s->table_ids[i] < *lo ? s->table_ids[i] : *lo;
		*hi = s->table_ids[i] > *hi ? s->table_ids[i] : *hi;
	}
}

/* A run of st over the records of d's tables, from the lowest table id (st's ?1) to the
 * first record past the highest (st's first column is a table id). */
struct table_run {
	sqlite3_stmt *st;
	int64_t hi;
	long last;
};

static void run_begin(struct table_run *r, sqlite3_stmt *st, const struct db_long *d,
                      const struct db_long_room *s)
{
	int64_t lo;

	r->st = st;
	r->last = -1;
	table_range(d, s, &lo, &r->hi);
	sqlite3_bind_int64(st, 1, lo);
}

/* The next record's table in *t (other tables' records skipped): SQLITE_ROW, SQLITE_DONE
 * past the highest id, or SQLite's error. */
static int run_next(struct table_run *r, const struct db_long *d, const struct db_long_room *s,
                    long *t)
{
	int rc;

	while ((rc = sqlite3_step(r->st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(r->st, 0);
		if (id > r->hi)
			return SQLITE_DONE;
		if ((*t = table_of(d, s, id, &r->last)) >= 0)
			return SQLITE_ROW;
	}
	return rc;
}

/* Stable insertion sort of a table's columns by position (read_table.c's sort_cols: they
 * come in key order), their keys' lengths alongside. */
static void sort_cols(struct db_tcol *c, size_t *len, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct db_tcol x = c[i];
		size_t xl = len[i], j = i;
		for (; j > 0 && c[j - 1].position > x.position; j--) {
			c[j] = c[j - 1];
			len[j] = len[j - 1];
		}
		c[j] = x;
		len[j] = xl;
	}
}

/* Every table's columns, each table's together (the primary key's order). */
static int read_cols(struct db *db, struct db_long *d, struct db_long_room *s, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT table_id, key, title, \"group\", measure, position FROM "
	                           "table_column WHERE table_id >= ? ORDER BY "
	                           "table_id, key",
	                           err);
	struct table_run run;
	bool oom = false;
	int rc = SQLITE_DONE;
	long t;

	if (st == NULL)
		return -1;
	run_begin(&run, st, d, s);
	while (!oom && (rc = run_next(&run, d, s, &t)) == SQLITE_ROW) {
		if (grow((void **)&d->cols, &s->cap_cols, d->n_cols, sizeof(*d->cols)) != 0 ||
		    grow((void **)&s->key_len, &s->cap_key_len, d->n_cols, sizeof(*s->key_len)) !=
		        0) {
			oom = true;
			break;
		}
		if (d->tables[t].n_cols++ == 0)
			s->col0[t] = d->n_cols;
		s->key_len[d->n_cols] = (size_t)sqlite3_column_bytes(st, 1);
		struct db_tcol *c = &d->cols[d->n_cols++];
		memset(c, 0, sizeof(*c));
		c->key = pooled(d, st, 1, &oom);
		c->title = pooled(d, st, 2, &oom);
		c->group = pooled(d, st, 3, &oom);
		c->measure = pooled(d, st, 4, &oom);
		c->position = sqlite3_column_int64(st, 5);
	}
	for (size_t i = 0; i < d->n_tables && !oom; i++)
		sort_cols(d->cols + s->col0[i], s->key_len + s->col0[i], d->tables[i].n_cols);
	return db_rdone(db, st, rc, oom, err);
}

/* One row (read_table.c's read_rows(), which the CSV's fields need). */
static void put_row(struct db_long *d, sqlite3_stmt *st, struct db_trow *r, bool *oom)
{
	memset(r, 0, sizeof(*r));
	r->side = known(d, (const char *)sqlite3_column_text(st, 2), "income", "expenditure", oom);
	r->kind = known(d, (const char *)sqlite3_column_text(st, 3), "item", "total", oom);
	r->level = sqlite3_column_int(st, 4); /* -1 for NULL: the schema's CHECK keeps 0..3 */
	if (!(r->has_level = r->level >= 0))
		r->level = 0;
	/* export.c: the codes are there when code1 is, the non-NULL ones (a code is TEXT, of
	 * digits: its text is NULL only for NULL) */
	for (int k = 0; k < 3; k++) {
		const char *code = (const char *)sqlite3_column_text(st, 5 + k);
		if (code == NULL && k == 0)
			break;
		if (code != NULL && (r->codes[r->n_codes++] = db_tpool_dup(&d->pool, code)) == NULL)
			*oom = true;
	}
	r->name = pooled(d, st, 8, oom);
}

/* Every table's rows in order, each table's together (table_row_read's order). */
static int read_rows(struct db *db, struct db_long *d, struct db_long_room *s, struct db_error *err)
{
	sqlite3_stmt *st =
	    db_stmt(db,
	            "SELECT table_id, id, side, kind, ifnull(level, -1), code1, code2, code3, "
	            "name FROM table_row WHERE table_id >= ? ORDER BY "
	            "table_id, position",
	            err);
	struct table_run run;
	bool oom = false;
	int rc = SQLITE_DONE;
	long t;

	if (st == NULL)
		return -1;
	run_begin(&run, st, d, s);
	while (!oom && (rc = run_next(&run, d, s, &t)) == SQLITE_ROW) {
		if (grow((void **)&d->rows, &s->cap_rows, d->n_rows, sizeof(*d->rows)) != 0 ||
		    grow((void **)&s->row_ids, &s->cap_row_ids, d->n_rows, sizeof(*s->row_ids)) !=
		        0 ||
		    grow((void **)&s->row_table, &s->cap_row_table, d->n_rows,
		         sizeof(*s->row_table)) != 0) {
			oom = true;
			break;
		}
		if (d->tables[t].n_rows++ == 0)
			s->row0[t] = d->n_rows;
		s->row_ids[d->n_rows] = sqlite3_column_int64(st, 1);
		s->row_table[d->n_rows] = (size_t)t;
		put_row(d, st, &d->rows[d->n_rows++], &oom);
	}
	return db_rdone(db, st, rc, oom, err);
}

static int by_id(const void *a, const void *b)
{
	const struct idrow *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Makes rows_find() ready: when the rows' ids do not ascend in row order, a sorted copy. */
static int rows_index(const struct db_long *d, struct db_long_room *s)
{
	size_t i = 1;

	while (i < d->n_rows && s->row_ids[i - 1] < s->row_ids[i])
		i++;
	if (i >= d->n_rows)
		return 0;
	if ((s->sorted = malloc(d->n_rows * sizeof(*s->sorted))) == NULL)
		return -1;
	for (i = 0; i < d->n_rows; i++)
		s->sorted[i] = (struct idrow){ s->row_ids[i], i };
	qsort(s->sorted, d->n_rows, sizeof(*s->sorted), by_id);
	return 0;
}

static int64_t row_id_at(const struct db_long_room *s, size_t k)
{
	return s->sorted != NULL ? s->sorted[k].id : s->row_ids[k];
}

/* The index of the row whose id is id, or -1. The figures come by ascending row id, so with
 * ascending ids a cursor moves forward (restarted per statement run); else a search. */
static long rows_find(const struct db_long *d, struct db_long_room *s, int64_t id)
{
	size_t lo = 0, hi = d->n_rows;

	if (s->sorted == NULL) {
		while (s->cursor < d->n_rows && s->row_ids[s->cursor] < id)
			s->cursor++;
		return s->cursor < d->n_rows && s->row_ids[s->cursor] == id ? (long)s->cursor : -1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->sorted[mid].id == id)
			return (long)s->sorted[mid].row;
		if (s->sorted[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The column of row's table whose key is the text of st's column col, or -1. */
static long col_of(const struct db_long *d, const struct db_long_room *s, size_t row,
                   sqlite3_stmt *st, int col)
{
	size_t t = s->row_table[row], c0 = s->col0[t];
	const char *key = (const char *)sqlite3_column_text(st, col);
	size_t len = (size_t)sqlite3_column_bytes(st, col);

	for (size_t c = 0; key != NULL && c < d->tables[t].n_cols; c++)
		if (s->key_len[c0 + c] == len && memcmp(d->cols[c0 + c].key, key, len) == 0)
			return (long)c;
	return -1;
}

/* The figures (keyed: the amounts in a column, else the unplaced ones) of the rows, in
 * s->figs as read: one run over the primary key from the lowest row id to the highest. */
static int read_figs(struct db *db, bool keyed, struct db_long *d, struct db_long_room *s,
                     struct db_error *err)
{
	sqlite3_stmt *st =
	    db_stmt(db,
	            keyed ? "SELECT row_id, value, ifnull(value_dp, -1), key FROM row_amount "
	                    "WHERE row_id >= ? ORDER BY row_id, key"
	                  : "SELECT row_id, value, ifnull(value_dp, -1) FROM row_unplaced "
	                    "WHERE row_id >= ? ORDER BY row_id, position",
	            err);
	bool oom = false;
	long row, col = -1;
	int64_t hi = d->n_rows > 0 ? row_id_at(s, d->n_rows - 1) : 0;
	int rc = SQLITE_DONE;

	if (d->n_rows == 0)
		return 0;
	if (st == NULL)
		return -1;
	s->cursor = 0;
	sqlite3_bind_int64(st, 1, row_id_at(s, 0));
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id > hi) {
			rc = SQLITE_DONE;
			break;
		}
		if ((row = rows_find(d, s, id)) < 0 ||
		    (keyed && (col = col_of(d, s, (size_t)row, st, 3)) < 0))
			continue;
		if (grow((void **)&s->figs, &s->cap_pend, s->n_figs, sizeof(*s->figs)) != 0) {
			oom = true;
			break;
		}
		struct pend *f = &s->figs[s->n_figs++];
		f->row = (size_t)row;
		f->col = col;
		f->box.page = 0;
		f->box.has_box = false;
		/* read_table.c's fig_text(): export.c's dec_json spelling (dp -1: NULL, which the
		 * schema's CHECK, 0..6, tells from any value) */
		int dp = sqlite3_column_int(st, 2);
		if (dp < 0)
			f->len = db_dec_format(sqlite3_column_int64(st, 1), f->text);
		else
			f->len = db_dec_format_dp(sqlite3_column_int64(st, 1), dp, f->text);
	}
	return db_rdone(db, st, rc, oom, err);
}

/* The boxes of the figures read so far (the amounts, s->figs in (row id, key) order), from
 * one run over row_box's primary key in the same order: a merge, where a join would seek
 * row_box once per figure. Boxes of a row's name, or of no figure read, are passed over. */
static int read_boxes(struct db *db, struct db_long *d, struct db_long_room *s,
                      struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT row_id, key, page, x0, y0, x1, y1 FROM row_box WHERE "
	                           "row_id >= ? ORDER BY row_id, key",
	                           err);
	int64_t hi = d->n_rows > 0 ? row_id_at(s, d->n_rows - 1) : 0;
	size_t k = 0, n = s->n_figs;
	int rc = SQLITE_DONE;
	long row, col;

	if (n == 0)
		return 0;
	if (st == NULL)
		return -1;
	s->cursor = 0;
	sqlite3_bind_int64(st, 1, row_id_at(s, 0));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (id > hi) {
			rc = SQLITE_DONE;
			break;
		}
		if ((row = rows_find(d, s, id)) < 0 || (col = col_of(d, s, (size_t)row, st, 1)) < 0)
			continue;
		while (k < n && s->row_ids[s->figs[k].row] < id)
			k++;
		for (size_t j = k; j < n && s->figs[j].row == (size_t)row; j++)
			if (s->figs[j].col == col) {
				db_rbox(st, 2, &s->figs[j].box);
				break;
			}
	}
	return db_rdone(db, st, rc, false, err);
}

/* Places the figures read: each row's together (a counting sort by row, which keeps the
 * order read), its amounts by column, then its unplaced ones. */
static int place_figs(struct db_long *d, struct db_long_room *s)
{
	size_t at = 0;

	if (s->n_figs == 0)
		return 0;
	if (s->n_figs > s->cap_figs) {
		struct db_lfig *figs = realloc(d->figs, s->n_figs * sizeof(*figs));
		if (figs == NULL)
			return -1;
		d->figs = figs;
		s->cap_figs = s->n_figs;
	}
	d->n_figs = s->n_figs;
	for (size_t k = 0; k < s->n_figs; k++) {
		struct db_trow *r = &d->rows[s->figs[k].row];
		if (s->figs[k].col >= 0)
			r->n_amounts++;
		else
			r->n_unplaced++;
	}
	for (size_t i = 0; i < d->n_rows; i++) {
		struct db_trow *r = &d->rows[i];
		r->amounts = at;
		r->unplaced = at + r->n_amounts;
		at += r->n_amounts + r->n_unplaced;
		r->n_amounts = r->n_unplaced = 0; /* counted again as placed */
	}
	for (size_t k = 0; k < s->n_figs; k++) {
		const struct pend *p = &s->figs[k];
		struct db_trow *r = &d->rows[p->row];
		struct db_lfig *f = p->col >= 0 ? &d->figs[r->amounts + r->n_amounts++]
		                                : &d->figs[r->unplaced + r->n_unplaced++];
		f->col = p->col;
		f->len = p->len;
		memcpy(f->text, p->text, sizeof(f->text));
		f->box = p->box;
	}
	for (size_t i = 0; i < d->n_rows; i++) { /* a row's handful, by column */
		struct db_lfig *a = d->figs + d->rows[i].amounts;
		for (size_t k = 1; k < d->rows[i].n_amounts; k++) {
			struct db_lfig x = a[k];
			size_t j = k;
			for (; j > 0 && a[j - 1].col > x.col; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
	}
	return 0;
}

/* Points each table at its columns and rows, now that the arrays no longer move. */
static void point_tables(struct db_long *d, const struct db_long_room *s)
{
	for (size_t i = 0; i < d->n_tables; i++) {
		struct db_table *t = &d->tables[i];
		t->doc_unit = d->unit;
		t->cols = t->n_cols > 0 ? d->cols + s->col0[i] : NULL;
		t->rows = t->n_rows > 0 ? d->rows + s->row0[i] : NULL;
	}
}

/* d as for a disclosure not read yet, its arrays' room kept: 0, or -1 when out of memory. */
static int reset(struct db_long *d)
{
	struct db_long_room *s = d->room;

	db_tpool_free(&d->pool);
	d->name = d->region = d->unit = NULL;
	d->n_tables = d->n_cols = d->n_rows = d->n_figs = 0;
	if (s == NULL && (s = d->room = calloc(1, sizeof(*s))) == NULL)
		return -1;
	free(s->sorted);
	s->sorted = NULL;
	s->cursor = s->n_figs = 0;
	return 0;
}

/* Room in the tables' first column and row for d->n_tables. */
static int starts_room(struct db_long *d, struct db_long_room *s)
{
	size_t *col0, *row0;

	if (d->n_tables <= s->cap_starts)
		return 0;
	if ((col0 = realloc(s->col0, d->n_tables * sizeof(*col0))) == NULL)
		return -1;
	s->col0 = col0;
	if ((row0 = realloc(s->row0, d->n_tables * sizeof(*row0))) == NULL)
		return -1;
	s->row0 = row0;
	s->cap_starts = d->n_tables;
	return 0;
}

int db_read_long(struct db *db, const char *department, int year, const char *kind,
                 const char *level, struct db_long *d, struct db_error *err)
{
	struct db_long_room *s;
	int64_t id = 0;

	if (reset(d) != 0)
		goto oom;
	s = d->room;
	if (read_record(db, department, year, kind, level, d, &id, err) != 0 ||
	    read_tables(db, id, d, s, err) != 0)
		return -1;
	if (d->n_tables == 0)
		return 0;
	if (starts_room(d, s) != 0)
		goto oom;
	if (read_cols(db, d, s, err) != 0 || read_rows(db, d, s, err) != 0)
		return -1;
	if (rows_index(d, s) != 0)
		goto oom;
	if (read_figs(db, true, d, s, err) != 0 || read_boxes(db, d, s, err) != 0 ||
	    read_figs(db, false, d, s, err) != 0)
		return -1;
	if (place_figs(d, s) != 0)
		goto oom;
	point_tables(d, s);
	return 0;
oom:
	db_err_set(err, "out of memory");
	return -1;
}

void db_long_free(struct db_long *d)
{
	struct db_long_room *s = d->room;

	if (s != NULL) {
		free(s->table_ids);
		free(s->col0);
		free(s->row0);
		free(s->key_len);
		free(s->row_ids);
		free(s->row_table);
		free(s->sorted);
		free(s->figs);
		free(s);
	}
	db_tpool_free(&d->pool);
	free(d->tables);
	free(d->cols);
	free(d->rows);
	free(d->figs);
	memset(d, 0, sizeof(*d));
}
