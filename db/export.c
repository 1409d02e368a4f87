// SPDX-License-Identifier: MIT
// Reading a disclosure back out of the store in the import format. It walks the same model
// as the importer, so a round trip (import, export, compare) proves that every figure the
// format can hold is stored and read back exactly.
#include "internal.h"
#include "model.h"

#include <stdio.h>
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

/* SELECT id, [key,] [value,] fields... FROM table WHERE parent = ? [AND where] ORDER BY
 * position; the document itself is selected by its id. Returns 0, or -1 if it does not
 * fit. */
static int select_where(const struct db_entity *e, const char *where, char *sql, size_t size)
{
	char cols[2048] = "id", box[80];

	if (e->shape == DB_SH_DEC_MAP || e->shape == DB_SH_BOX_MAP)
		add_sel(cols, sizeof(cols), "key");
	if (e->shape == DB_SH_TEXTS || db_shape_is_dec(e->shape))
		add_sel(cols, sizeof(cols), "value");
	if (db_shape_is_dec(e->shape))
		add_sel(cols, sizeof(cols), "value_dp");
	for (int k = 0; e->shape == DB_SH_BOX_MAP && k < 5; k++)
		add_sel(cols, sizeof(cols), db_box_parts[k]);
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
		if (f->nostore)
			continue;
		if (f->type == DB_FT_CODES) {
			add_sel(cols, sizeof(cols), "code1");
			add_sel(cols, sizeof(cols), "code2");
			add_sel(cols, sizeof(cols), "code3");
		} else if (f->type == DB_FT_BOX) {
			for (int k = 0; k < 5; k++)
				add_sel(cols, sizeof(cols), db_box_col(f, k, box, sizeof(box)));
		} else {
			add_sel(cols, sizeof(cols), db_field_col(f));
			if (db_field_is_dec(f))
				add_sel(cols, sizeof(cols),
				        db_dp_col(db_field_col(f), box, sizeof(box)));
		}
	}
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
	return db_stmt_tagged(c->db, e, select_sql, c->err);
}

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
	return json_string(buf);
}

static json_t *codes_json(sqlite3_stmt *st, int col)
{
	json_t *arr = json_array();

	for (int k = 0; k < 3; k++)
		if (sqlite3_column_type(st, col + k) != SQLITE_NULL)
			json_array_append_new(
			    arr, json_string((const char *)sqlite3_column_text(st, col + k)));
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
		return json_string((const char *)sqlite3_column_text(st, col));
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
			json_object_set_new(obj, f->key, field_json(f, st, col));
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
		return json_array_append_new(*out,
		                             json_string((const char *)sqlite3_column_text(st, 1)));
	case DB_SH_DECS:
		return json_array_append_new(*out, dec_json(st, 1));
	case DB_SH_DEC_MAP:
		return json_object_set_new(*out, (const char *)sqlite3_column_text(st, 1),
		                           dec_json(st, 2));
	case DB_SH_BOX_MAP:
		return json_object_set_new(*out, (const char *)sqlite3_column_text(st, 1),
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

/* The entity's value below parent id, or NULL with nothing stored (err->text stays empty). */
static json_t *export_entity(struct xctx *c, const struct db_entity *e, int64_t id)
{
	sqlite3_stmt *st;
	json_t *out = NULL;
	int rc;

	if (e->shape == DB_SH_INLINE)
		return export_inline(c, e, id);
	if ((st = select_stmt(c, e)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (e->shape != DB_SH_ONE)
		out = e->shape == DB_SH_DEC_MAP || e->shape == DB_SH_BOX_MAP ? json_object()
		                                                             : json_array();
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
		if (!is_empty(val) || (val != NULL && ch->required))
			json_object_set_new(obj, ch->key, val);
		else
			json_decref(val);
	}
	return 0;
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
