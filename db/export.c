// SPDX-License-Identifier: MIT
// Reading a disclosure back out of the store in the import format. It walks the same model
// as the importer, so a round trip (import, export, compare) proves that every figure the
// format can hold is stored and read back exactly.
#include "internal.h"
#include "model.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xctx {
	struct db *db;
	struct db_error *err;
	const struct db_export_sel *sel; /* NULL: everything */
};

/* The document's children in the order of db_model_document's, as DB_PART_* bits. */
static const struct {
	const char *key;
	unsigned part;
} parts[] = {
	{ "department", DB_PART_DEPARTMENT },   { "source", DB_PART_SOURCE },
	{ "contents", DB_PART_CONTENTS },       { "overview", DB_PART_OVERVIEW },
	{ "tables", DB_PART_TABLES },           { "explanations", DB_PART_EXPLANATIONS },
	{ "projects", DB_PART_PROJECTS },       { "withheld", DB_PART_WITHHELD },
	{ "sangong", DB_PART_SANGONG },         { "operating_costs", DB_PART_OPERATING_COSTS },
	{ "procurement", DB_PART_PROCUREMENT }, { "assets", DB_PART_ASSETS },
	{ "performance", DB_PART_PERFORMANCE }, { "glossary", DB_PART_GLOSSARY },
};

/* Is the document's child ch among the parts asked for? A key missing from parts[] (a
 * part added to the model but not here) is always read: too much, never too little. */
static bool part_wanted(const struct xctx *c, const struct db_entity *ch)
{
	if (c->sel == NULL)
		return true;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strcmp(parts[i].key, ch->key) == 0)
			return (c->sel->parts & parts[i].part) != 0;
	return true;
}

enum pick {
	PICK_SKIP, /* leave the row out */
	PICK_HEAD, /* its own fields only */
	PICK_ALL,
};

/* A table or project row, from its own fields: is it asked for, and with its children?
 * (select_stmt reads only the one asked for already; this keeps the rule in one place.) */
static enum pick pick_row(const struct xctx *c, const struct db_entity *e, const json_t *item)
{
	const struct db_export_sel *sel = c->sel;

	if (sel == NULL)
		return PICK_ALL;
	if (e == db_model_tables) {
		if (sel->table != 0 &&
		    json_integer_value(json_object_get(item, "position")) != sel->table)
			return PICK_SKIP;
		return sel->table_rows == NULL || sel->table_rows(item, sel->arg) ? PICK_ALL
		                                                                  : PICK_HEAD;
	}
	if (e == db_model_projects && sel->project != NULL) {
		const char *id = json_string_value(json_object_get(item, "id"));
		return id != NULL && strcmp(id, sel->project) == 0 ? PICK_ALL : PICK_SKIP;
	}
	return PICK_ALL;
}

static void add_sel(char *buf, size_t size, const char *name)
{
	snprintf(buf + strlen(buf), size - strlen(buf), ", \"%s\"", name);
}

static bool is_leaf(const struct db_entity *e);

/* id, [key,] [value,] fields...: the columns of e's rows, in the order add_row reads them.
 * A leaf's rows have no children to find by id, and most leaves have no id (schema.sql's
 * WITHOUT ROWID tables): NULL in its place. Returns 0, or -1 if they do not fit. */
static int select_cols(const struct db_entity *e, char *cols, size_t size)
{
	char box[80];

	if (snprintf(cols, size, "%s", is_leaf(e) && e != &db_model_document ? "NULL" : "id") >=
	    (int)size)
		return -1;
	if (e->shape == DB_SH_DEC_MAP || e->shape == DB_SH_BOX_MAP)
		add_sel(cols, size, "key");
	if (e->shape == DB_SH_TEXTS || db_shape_is_dec(e->shape))
		add_sel(cols, size, "value");
	if (db_shape_is_dec(e->shape))
		add_sel(cols, size, "value_dp");
	for (int k = 0; e->shape == DB_SH_BOX_MAP && k < 5; k++)
		add_sel(cols, size, db_box_parts[k]);
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
		if (f->nostore)
			continue;
		if (f->type == DB_FT_CODES) {
			add_sel(cols, size, "code1");
			add_sel(cols, size, "code2");
			add_sel(cols, size, "code3");
		} else if (f->type == DB_FT_BOX) {
			for (int k = 0; k < 5; k++)
				add_sel(cols, size, db_box_col(f, k, box, sizeof(box)));
		} else {
			add_sel(cols, size, db_field_col(f));
			if (db_field_is_dec(f))
				add_sel(cols, size, db_dp_col(db_field_col(f), box, sizeof(box)));
		}
	}
	return strlen(cols) + 1 < size ? 0 : -1;
}

/* SELECT id, [key,] [value,] fields... FROM table WHERE parent = ? [AND where] ORDER BY
 * position; the document itself is selected by its id. Returns 0, or -1 if it does not
 * fit. */
static int select_where(const struct db_entity *e, const char *where, char *sql, size_t size)
{
	char cols[2048];

	if (select_cols(e, cols, sizeof(cols)) != 0)
		return -1;
	int n =
	    snprintf(sql, size, "SELECT %s FROM \"%s\" WHERE \"%s\" = ?%s%s%s", cols, e->table,
	             e == &db_model_document ? "id" : e->parent_col, where != NULL ? " AND " : "",
	             where != NULL ? where : "", e->shape == DB_SH_ONE ? "" : " ORDER BY position");
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static int select_sql(const void *tag, char *sql, size_t size)
{
	return select_where(tag, NULL, sql, size);
}

/* One table by its position, one project by its id: the statements' tags (their own, so
 * that they are cached beside the entity's). */
static const char one_table_tag, one_project_tag;

static int select_one_table(const void *tag, char *sql, size_t size)
{
	(void)tag;
	return select_where(db_model_tables, "number = ?", sql, size);
}

static int select_one_project(const void *tag, char *sql, size_t size)
{
	(void)tag;
	return select_where(db_model_projects, "slug = ?", sql, size);
}

/* The entity whose children include ch, below root; NULL if none. */
static const struct db_entity *parent_in(const struct db_entity *root, const struct db_entity *ch)
{
	for (const struct db_entity *const *k = root->children; k != NULL && *k != NULL; k++) {
		const struct db_entity *p = *k == ch ? root : parent_in(*k, ch);
		if (p != NULL)
			return p;
	}
	return NULL;
}

/* An entity's other statements are cached under addresses a few bytes into the entity: no
 * other tag (an entity, a static char of this file) can have them. */
enum variant {
	V_BATCH = 1, /* a leaf below every row of its parent list */
	V_BATCH_TOTALS, /* the same below a table's total rows only */
	V_TOTALS, /* a table's total rows */
};

static const void *tag_of(const struct db_entity *e, enum variant v)
{
	return (const char *)e + v;
}

static const struct db_entity *entity_of(const void *tag, enum variant v)
{
	return (const void *)((const char *)tag - v);
}

static bool is_table_rows(const struct db_entity *e)
{
	return e->table != NULL && strcmp(e->table, "table_row") == 0;
}

static bool totals_only(const struct xctx *c, const struct db_entity *e)
{
	return c->sel != NULL && c->sel->total_rows_only && is_table_rows(e);
}

static int select_total_rows(const void *tag, char *sql, size_t size)
{
	return select_where(entity_of(tag, V_TOTALS), "kind = 'total'", sql, size);
}

/* SELECT <ch's columns>, parent FROM ch WHERE parent IN (SELECT id FROM e WHERE e's parent
 * = ? [AND kind = 'total']) ORDER BY parent, position: ch's rows below every row of a list
 * of e, grouped by row. The parent's id is the last column, so that add_row reads the
 * others where it always does. */
static int batch_sql(const struct db_entity *ch, bool totals, char *sql, size_t size)
{
	const struct db_entity *e = parent_in(&db_model_document, ch);
	char cols[2048];

	if (e == NULL || e->table == NULL || select_cols(ch, cols, sizeof(cols)) != 0)
		return -1;
	int n = snprintf(sql, size,
	                 "SELECT %s, \"%s\" FROM \"%s\" WHERE \"%s\" IN (SELECT id FROM \"%s\" "
	                 "WHERE \"%s\" = ?%s) ORDER BY \"%s\"%s",
	                 cols, ch->parent_col, ch->table, ch->parent_col, e->table, e->parent_col,
	                 totals ? " AND kind = 'total'" : "", ch->parent_col,
	                 ch->shape == DB_SH_ONE ? "" : ", position");
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static int select_batch(const void *tag, char *sql, size_t size)
{
	return batch_sql(entity_of(tag, V_BATCH), false, sql, size);
}

static int select_batch_totals(const void *tag, char *sql, size_t size)
{
	return batch_sql(entity_of(tag, V_BATCH_TOTALS), true, sql, size);
}

/* The statement reading e's rows below a parent: the narrow one when the selection asks
 * for one table or one project (bound as ?2). */
static sqlite3_stmt *select_stmt(struct xctx *c, const struct db_entity *e)
{
	const struct db_export_sel *sel = c->sel;
	sqlite3_stmt *st;

	if (sel != NULL && e == db_model_tables && sel->table != 0) {
		if ((st = db_stmt_tagged(c->db, &one_table_tag, select_one_table, c->err)) != NULL)
			sqlite3_bind_int(st, 2, sel->table);
		return st;
	}
	if (sel != NULL && e == db_model_projects && sel->project != NULL) {
		if ((st = db_stmt_tagged(c->db, &one_project_tag, select_one_project, c->err)) !=
		    NULL)
			sqlite3_bind_text(st, 2, sel->project, -1, SQLITE_STATIC);
		return st;
	}
	if (totals_only(c, e))
		return db_stmt_tagged(c->db, tag_of(e, V_TOTALS), select_total_rows, c->err);
	return db_stmt_tagged(c->db, e, select_sql, c->err);
}

/* Strings and keys go in unchecked (json_string_nocheck): the store's text came through
 * jansson's parser at import, which takes valid UTF-8 without NULs only, and checking it
 * again costs a pass over every string of a cold answer. */

/* The figure at col with the decimals it was published with (column col + 1), or in
 * canonical form when those are unknown (NULL: a row upgraded from schema version 1). */
static json_t *dec_json(sqlite3_stmt *st, int col)
{
	char buf[DB_DEC_BUFSZ];
	int64_t v = sqlite3_column_int64(st, col);

	if (sqlite3_column_type(st, col + 1) == SQLITE_NULL)
		db_dec_format(v, buf);
	else
		db_dec_format_dp(v, sqlite3_column_int(st, col + 1), buf);
	return json_string_nocheck(buf);
}

static json_t *codes_json(sqlite3_stmt *st, int col)
{
	json_t *arr = json_array();

	for (int k = 0; k < 3; k++)
		if (sqlite3_column_type(st, col + k) != SQLITE_NULL)
			json_array_append_new(
			    arr,
			    json_string_nocheck((const char *)sqlite3_column_text(st, col + k)));
	return arr;
}

/* [page, x0, y0, x1, y1] from five integer columns, coordinates back from hundredths. */
static json_t *box_json(sqlite3_stmt *st, int col)
{
	json_t *arr = json_array();

	json_array_append_new(arr, json_integer(sqlite3_column_int64(st, col)));
	for (int k = 1; k < 5; k++) {
		int64_t h = sqlite3_column_int64(st, col + k);
		json_array_append_new(arr, h % 100 == 0 ? json_integer(h / 100)
		                                        : json_real((double)h / 100));
	}
	return arr;
}

static json_t *field_json(const struct db_field *f, sqlite3_stmt *st, int col)
{
	switch (f->type) {
	case DB_FT_CODES:
		return codes_json(st, col);
	case DB_FT_BOX:
		return box_json(st, col);
	case DB_FT_BOOL:
		return json_boolean(sqlite3_column_int(st, col));
	case DB_FT_INT:
		return json_integer(sqlite3_column_int64(st, col));
	case DB_FT_DEC:
	case DB_FT_SDEC:
		return dec_json(st, col);
	default:
		return json_string_nocheck((const char *)sqlite3_column_text(st, col));
	}
}

/* The fields of the current row, starting at column col. */
static json_t *row_json(const struct db_entity *e, sqlite3_stmt *st, int col)
{
	json_t *obj = json_object();

	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
		if (f->nostore)
			continue;
		bool empty = sqlite3_column_type(st, col) == SQLITE_NULL;
		if (!empty || f->type == DB_FT_BOOL)
			json_object_set_new_nocheck(obj, f->key, field_json(f, st, col));
		col += f->type == DB_FT_CODES ? 3
		       : f->type == DB_FT_BOX ? 5
		       : db_field_is_dec(f)   ? 2
		                              : 1;
	}
	return obj;
}

static int export_children(struct xctx *c, const struct db_entity *e, int64_t id, json_t *obj);

/* Adds the current row of st to out (which for DB_SH_ONE is set to the row). 0 or -1. */
static int add_row(struct xctx *c, const struct db_entity *e, sqlite3_stmt *st, json_t **out)
{
	enum pick pick;
	json_t *item;

	switch (e->shape) {
	case DB_SH_TEXTS:
		return json_array_append_new(
		    *out, json_string_nocheck((const char *)sqlite3_column_text(st, 1)));
	case DB_SH_DECS:
		return json_array_append_new(*out, dec_json(st, 1));
	case DB_SH_DEC_MAP:
		return json_object_set_new_nocheck(*out, (const char *)sqlite3_column_text(st, 1),
		                                   dec_json(st, 2));
	case DB_SH_BOX_MAP:
		return json_object_set_new_nocheck(*out, (const char *)sqlite3_column_text(st, 1),
		                                   box_json(st, 2));
	default:
		item = row_json(e, st, 1);
		pick = pick_row(c, e, item);
		if (pick == PICK_SKIP) {
			json_decref(item);
			return 0;
		}
		if (pick == PICK_ALL &&
		    export_children(c, e, sqlite3_column_int64(st, 0), item) != 0) {
			json_decref(item);
			return -1;
		}
		if (e->shape != DB_SH_ONE)
			return json_array_append_new(*out, item);
		*out = item;
		return 0;
	}
}

/* An inline object is the union of its children; NULL when they are all empty. */
static json_t *export_inline(struct xctx *c, const struct db_entity *e, int64_t id)
{
	json_t *out = json_object();

	if (export_children(c, e, id, out) != 0 || json_object_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* What a child holds before its rows are read: an empty list or map, or nothing (NULL) for
 * DB_SH_ONE, which is the row itself. */
static json_t *empty_value(const struct db_entity *e)
{
	if (e->shape == DB_SH_ONE)
		return NULL;
	return e->shape == DB_SH_DEC_MAP || e->shape == DB_SH_BOX_MAP ? json_object()
	                                                              : json_array();
}

static json_t *export_rows(struct xctx *c, const struct db_entity *e, int64_t id);

/* The entity's value below parent id, or NULL with nothing stored (err->text stays empty). */
static json_t *export_entity(struct xctx *c, const struct db_entity *e, int64_t id)
{
	sqlite3_stmt *st;
	json_t *out;
	int rc;

	if (e->shape == DB_SH_INLINE)
		return export_inline(c, e, id);
	if (e->shape == DB_SH_ROWS)
		return export_rows(c, e, id);
	if ((st = select_stmt(c, e)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	out = empty_value(e);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (add_row(c, e, st, &out) != 0)
			break;
	if (rc != SQLITE_DONE) {
		if (c->err->text[0] == '\0')
			db_err_set(c->err, "%s: %s", e->table, sqlite3_errmsg(c->db->sql));
		json_decref(out);
		out = NULL;
	}
	sqlite3_reset(st);
	return out;
}

static bool is_empty(const json_t *j)
{
	return j == NULL || (json_is_array(j) && json_array_size(j) == 0 && true) ||
	       (json_is_object(j) && json_object_size(j) == 0);
}

/* Sets obj's key for child ch to val (taking it), unless val is empty and ch not required. */
static void set_child(json_t *obj, const struct db_entity *ch, json_t *val)
{
	if (!is_empty(val) || (val != NULL && ch->required))
		json_object_set_new_nocheck(obj, ch->key, val);
	else
		json_decref(val);
}

static int export_children(struct xctx *c, const struct db_entity *e, int64_t id, json_t *obj)
{
	for (const struct db_entity *const *k = e->children; k != NULL && *k != NULL; k++) {
		const struct db_entity *ch = *k;
		json_t *val;

		if (e == &db_model_document && !part_wanted(c, ch))
			continue;
		/* An inline object's children hang off the same parent as the object. */
		val = export_entity(c, ch, id);

		if (val == NULL && c->err->text[0] != '\0')
			return -1;
		set_child(obj, ch, val);
	}
	return 0;
}

/* ---- a list's rows, and each leaf child of all of them in one statement run ----
 * Read row by row, a list costs a statement run per row and child: a table of 30 rows is 90
 * runs for its figures, unplaced figures and boxes, each opening its cursors anew (most of a
 * cold answer's time, #17). A leaf child (no children of its own) of every row at once is
 * one run, whatever the number of rows; the tree built is the same, key for key in the
 * same order. */

struct xrow {
	int64_t id;
	json_t *item; /* owned until appended to the list */
	bool all; /* PICK_ALL: with its children */
};

struct xrows {
	struct xrow *v;
	size_t n, size;
	size_t *by_id; /* indexes into v in the order of their ids: a child row's parent */
};

static void free_rows(struct xrows *rows)
{
	for (size_t i = 0; i < rows->n; i++)
		json_decref(rows->v[i].item);
	free(rows->v);
	free(rows->by_id);
}

static int push_row(struct xrows *rows, int64_t id, json_t *item, bool all)
{
	if (rows->n == rows->size) {
		size_t size = rows->size == 0 ? 16 : rows->size * 2;
		struct xrow *v = realloc(rows->v, size * sizeof(*v));
		if (v == NULL)
			return -1;
		rows->v = v;
		rows->size = size;
	}
	rows->v[rows->n++] = (struct xrow){ id, item, all };
	return 0;
}

/* e's rows below parent id, picked, without their children. 0, or -1 with c->err set. */
static int read_rows(struct xctx *c, const struct db_entity *e, int64_t id, struct xrows *rows)
{
	sqlite3_stmt *st = select_stmt(c, e);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *item = row_json(e, st, 1);
		enum pick pick = pick_row(c, e, item);
		if (pick == PICK_SKIP) {
			json_decref(item);
			continue;
		}
		if (push_row(rows, sqlite3_column_int64(st, 0), item, pick == PICK_ALL) != 0) {
			json_decref(item);
			db_err_set(c->err, "out of memory");
			break;
		}
	}
	if (rc != SQLITE_DONE && c->err->text[0] == '\0')
		db_err_set(c->err, "%s: %s", e->table, sqlite3_errmsg(c->db->sql));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static bool is_leaf(const struct db_entity *e)
{
	return e->shape != DB_SH_INLINE && (e->children == NULL || e->children[0] == NULL);
}

static int by_id_cmp(const void *a, const void *b, void *arg)
{
	const struct xrow *v = arg;
	int64_t x = v[*(const size_t *)a].id, y = v[*(const size_t *)b].id;

	return (x > y) - (x < y);
}

static int index_rows(struct xrows *rows)
{
	if ((rows->by_id = malloc(rows->n * sizeof(*rows->by_id))) == NULL)
		return -1;
	for (size_t i = 0; i < rows->n; i++)
		rows->by_id[i] = i;
	qsort_r(rows->by_id, rows->n, sizeof(*rows->by_id), by_id_cmp, rows->v);
	return 0;
}

/* The index in rows->v of the row with this id, or -1. */
static ptrdiff_t find_row(const struct xrows *rows, int64_t id)
{
	size_t lo = 0, hi = rows->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int64_t m = rows->v[rows->by_id[mid]].id;
		if (m == id)
			return (ptrdiff_t)rows->by_id[mid];
		if (m < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* vals[i]: leaf ch's value below rows->v[i] (NULL for a row without children), all read in
 * one statement run. 0, or -1 with c->err set (vals[] then holds what was read so far). */
static int read_batch(struct xctx *c, const struct db_entity *e, const struct db_entity *ch,
                      int64_t parent, const struct xrows *rows, json_t **vals)
{
	bool totals = totals_only(c, e);
	sqlite3_stmt *st = db_stmt_tagged(c->db, tag_of(ch, totals ? V_BATCH_TOTALS : V_BATCH),
	                                  totals ? select_batch_totals : select_batch, c->err);
	int rc, last;

	if (st == NULL)
		return -1;
	for (size_t i = 0; i < rows->n; i++)
		vals[i] = rows->v[i].all ? empty_value(ch) : NULL;
	sqlite3_bind_int64(st, 1, parent);
	last = sqlite3_column_count(st) - 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ptrdiff_t i = find_row(rows, sqlite3_column_int64(st, last));
		if (i < 0 || !rows->v[i].all)
			continue; /* a row left out, or read without its children */
		if (add_row(c, ch, st, &vals[i]) != 0)
			break;
	}
	if (rc != SQLITE_DONE && c->err->text[0] == '\0')
		db_err_set(c->err, "%s: %s", ch->table, sqlite3_errmsg(c->db->sql));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The children of the rows picked with them, in the model's order for each row: a leaf's
 * from its batch when two rows or more have children (one row: its own statement run, the
 * same count without reading the other rows' children), the others row by row. */
static int rows_children(struct xctx *c, const struct db_entity *e, int64_t parent,
                         struct xrows *rows)
{
	size_t nk = 0, n_all = 0, n = rows->n;
	json_t **vals = NULL;
	int rc = -1;

	for (const struct db_entity *const *k = e->children; k != NULL && *k != NULL; k++)
		nk++;
	for (size_t i = 0; i < n; i++)
		n_all += rows->v[i].all;
	if (nk == 0 || n_all == 0)
		return 0;
	if (n_all >= 2) {
		if ((vals = calloc(nk * n, sizeof(*vals))) == NULL || index_rows(rows) != 0) {
			db_err_set(c->err, "out of memory");
			goto fail;
		}
		for (size_t k = 0; k < nk; k++)
			if (is_leaf(e->children[k]) &&
			    read_batch(c, e, e->children[k], parent, rows, vals + k * n) != 0)
				goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < nk && rows->v[i].all; k++) {
			const struct db_entity *ch = e->children[k];
			json_t *val;
			if (vals != NULL && is_leaf(ch)) {
				val = vals[k * n + i];
				vals[k * n + i] = NULL;
			} else if ((val = export_entity(c, ch, rows->v[i].id)) == NULL &&
			           c->err->text[0] != '\0')
				goto fail;
			set_child(rows->v[i].item, ch, val);
		}
	}
	rc = 0;
fail:
	for (size_t i = 0; vals != NULL && i < nk * n; i++)
		json_decref(vals[i]);
	free(vals);
	return rc;
}

/* A DB_SH_ROWS entity's list below parent id, or NULL with c->err set. */
static json_t *export_rows(struct xctx *c, const struct db_entity *e, int64_t id)
{
	struct xrows rows = { 0 };
	json_t *out = NULL;

	if (read_rows(c, e, id, &rows) != 0 || rows_children(c, e, id, &rows) != 0)
		goto done;
	out = json_array();
	for (size_t i = 0; i < rows.n; i++) {
		json_array_append_new(out, rows.v[i].item);
		rows.v[i].item = NULL;
	}
done:
	free_rows(&rows);
	return out;
}

static int find_disclosure(struct xctx *c, const char *dep, int year, const char *kind,
                           const char *level, int64_t *id)
{
	sqlite3_stmt *st = db_stmt(c->db,
	                           "SELECT d.id FROM disclosure d JOIN department p ON p.id = "
	                           "d.department_id WHERE p.slug = ? AND d.year = ? AND d.kind = ? "
	                           "AND d.level = ?",
	                           c->err);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, dep, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, year);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, level, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE) {
		c->err->code = DB_NOT_FOUND;
		db_err_set(c->err, "no %s %d disclosure (level %s) of department \"%s\"", kind,
		           year, level, dep);
	} else
		db_err_set(c->err, "%s", sqlite3_errmsg(c->db->sql));
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

json_t *db_export(struct db *db, const char *department, int year, const char *kind,
                  const char *level, struct db_error *err)
{
	return db_export_part(db, department, year, kind, level, NULL, err);
}

json_t *db_export_part(struct db *db, const char *department, int year, const char *kind,
                       const char *level, const struct db_export_sel *sel, struct db_error *err)
{
	struct xctx c = { db, err, sel };
	int64_t id;
	json_t *doc, *dep;

	memset(err, 0, sizeof(*err));
	if (find_disclosure(&c, department, year, kind, level, &id) != 0)
		return NULL;
	doc = export_entity(&c, &db_model_document, id);
	if (doc == NULL)
		return NULL;
	json_object_set_new(doc, "format", json_string(DB_FORMAT_V2));
	dep = json_object_get(doc, "department");
	if (dep != NULL)
		json_object_set_new(dep, "id", json_string(department));
	return doc;
}
