// SPDX-License-Identifier: MIT
// Writing validated documents into the store. The walk follows the model (model.c): each
// entity becomes INSERTs into its table, built once per import and reused for every row.
// Everything happens in one transaction, so a failure anywhere leaves the store as it was.
#include "internal.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_STMTS 128
#define STMT_SLOTS 256 /* a power of two, at least twice MAX_STMTS */
#define BATCH 16 /* rows of a leaf list written by one INSERT: see queue_row() */
#define MAX_BATCHES 32
#define WITH_ID 64 /* added to the rows of a statement's key: its INSERT sets the id */
#define MAX_FIELDS 64
#define FIELD_SLOTS 128 /* a power of two, at least twice MAX_FIELDS */
#define MAPS 128 /* slots for field maps, one per entity: a power of two */

/* An entity's fields by key: a row's values are found with one walk over its object. */
struct field_map {
	const struct db_entity *e; /* NULL while unused */
	bool none; /* e's rows are looked up field by field: see map_of() */
	unsigned char slots[FIELD_SLOTS]; /* hash of field keys: index + 1, 0 for free */
};

/* A row of a leaf list waiting for its INSERT: what insert_one() was given. */
struct pending {
	const json_t *val;
	const char *key;
	int64_t parent;
	int64_t id; /* chosen by queue_parent(), 0 for SQLite's */
	int position;
};

/* The rows of one leaf list queued since its last INSERT. */
struct batch {
	const struct db_entity *e;
	int64_t last_id; /* a list with lists below it: the id given last (queue_parent()) */
	size_t n;
	struct pending rows[BATCH];
};

struct ictx {
	sqlite3 *sql;
	bool bulk; /* the store's db_set_bulk_build() */
	bool no_fk; /* foreign keys off for this import: see fk_off() */
	struct db_error *err;
	const struct db_entity *keys[MAX_STMTS];
	unsigned char key_rows[MAX_STMTS]; /* rows its INSERT writes (+ WITH_ID), with keys[] */
	sqlite3_stmt *stmts[MAX_STMTS];
	size_t n;
	unsigned char slots[STMT_SLOTS]; /* hash of keys: index + 1, 0 for free */
	struct batch batches[MAX_BATCHES];
	size_t n_batches;
	struct field_map maps[MAPS]; /* hash of entities (by address) */
	size_t n_maps;
};

static int sql_fail(struct ictx *c, const char *what)
{
	db_err_set(c->err, "%s: %s", what, sqlite3_errmsg(c->sql));
	return -1;
}

/* Appends the entity's column list and placeholders to cols and vals. */
static void add_col(char *cols, char *vals, size_t size, const char *name)
{
	snprintf(cols + strlen(cols), size - strlen(cols), "%s\"%s\"", cols[0] ? ", " : "", name);
	snprintf(vals + strlen(vals), size - strlen(vals), "%s?", vals[0] ? ", " : "");
}

/* The slot of key in c->slots: where it is, or the free one where it would go. A walk over
 * the kept statements for every row cost 0.65 k instructions a row, 3 % of the rows'
 * INSERTs (issue #17). */
static size_t slot_of(const struct ictx *c, const struct db_entity *key, size_t rows)
{
	size_t k = (((uintptr_t)key >> 4) + rows) * 2654435761u % STMT_SLOTS;

	while (c->slots[k] != 0 &&
	       (c->keys[c->slots[k] - 1] != key || c->key_rows[c->slots[k] - 1] != rows))
		k = (k + 1) % STMT_SLOTS;
	return k;
}

/* The statement kept under key for rows rows, or NULL. */
static sqlite3_stmt *kept_rows(const struct ictx *c, const struct db_entity *key, size_t rows)
{
	size_t k = slot_of(c, key, rows);

	return c->slots[k] != 0 ? c->stmts[c->slots[k] - 1] : NULL;
}

static sqlite3_stmt *kept(const struct ictx *c, const struct db_entity *key)
{
	return kept_rows(c, key, 1);
}

/* text prepared and kept under key and rows for the rest of the import, or NULL
 * (sqlite3_errmsg). */
static sqlite3_stmt *keep_rows(struct ictx *c, const struct db_entity *key, size_t rows,
                               const char *text)
{
	sqlite3_stmt *st;

	if (c->n == MAX_STMTS ||
	    sqlite3_prepare_v3(c->sql, text, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	c->slots[slot_of(c, key, rows)] = (unsigned char)(c->n + 1);
	c->keys[c->n] = key;
	c->key_rows[c->n] = (unsigned char)rows;
	c->stmts[c->n++] = st;
	return st;
}

static sqlite3_stmt *keep(struct ictx *c, const struct db_entity *key, const char *text)
{
	return keep_rows(c, key, 1, text);
}

/* Keys of the statements kept that insert no entity. The department and the replacing DELETE
 * were prepared for every file: the DELETE's program holds every ON DELETE CASCADE below a
 * disclosure, and preparing it cost about 0.3 ms a file (issue #17). */
static const struct db_entity department_key, replace_key, finding_key;

/* The entity's INSERT of rows rows (+ WITH_ID: each with its id), built and prepared the
 * first time it is asked for. */
static sqlite3_stmt *build_insert(struct ictx *c, const struct db_entity *e, size_t rows)
{
	char cols[2048] = "", vals[2048] = "", sql[16384];
	size_t len;

	if (rows & WITH_ID)
		add_col(cols, vals, sizeof(vals), "id");
	add_col(cols, vals, sizeof(vals), e->parent_col);
	if (e->shape != DB_SH_ONE)
		add_col(cols, vals, sizeof(vals), "position");
	if (e->shape == DB_SH_DEC_MAP || e->shape == DB_SH_BOX_MAP)
		add_col(cols, vals, sizeof(vals), "key");
	if (e->shape == DB_SH_TEXTS || db_shape_is_dec(e->shape))
		add_col(cols, vals, sizeof(vals), "value");
	if (db_shape_is_dec(e->shape))
		add_col(cols, vals, sizeof(vals), "value_dp");
	for (int k = 0; e->shape == DB_SH_BOX_MAP && k < 5; k++)
		add_col(cols, vals, sizeof(vals), db_box_parts[k]);
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
		char box[80];

		if (f->nostore)
			continue;
		if (f->type == DB_FT_CODES) {
			add_col(cols, vals, sizeof(vals), "code1");
			add_col(cols, vals, sizeof(vals), "code2");
			add_col(cols, vals, sizeof(vals), "code3");
		} else if (f->type == DB_FT_BOX) {
			for (int k = 0; k < 5; k++)
				add_col(cols, vals, sizeof(vals),
				        db_box_col(f, k, box, sizeof(box)));
		} else {
			add_col(cols, vals, sizeof(vals), db_field_col(f));
			if (db_field_is_dec(f))
				add_col(cols, vals, sizeof(vals),
				        db_dp_col(db_field_col(f), box, sizeof(box)));
		}
	}
	len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" (%s) VALUES (%s)", e->table,
	                       cols, vals);
	for (size_t r = 1; r < (rows & ~(size_t)WITH_ID) && len < sizeof(sql); r++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, ", (%s)", vals);
	return len < sizeof(sql) ? keep_rows(c, e, rows, sql) : NULL;
}

/* Apart from build_insert(): its buffers' initializers zero 4 KiB, and did so for every row
 * while they were declared here (5 % of the rows' INSERTs, issue #17). */
static sqlite3_stmt *insert_stmt(struct ictx *c, const struct db_entity *e, size_t rows)
{
	sqlite3_stmt *st = kept_rows(c, e, rows);

	return st != NULL ? st : build_insert(c, e, rows);
}

/* The value in millionths at *i and the number of decimals it was printed with at *i + 1:
 * "867.50" is 867500000 and 2, "46,140,000.00" 46140000000000 and 2, "156,211,123" 0. */
static int bind_dec(sqlite3_stmt *st, int *i, const json_t *j)
{
	const char *s = json_string_value(j);
	int64_t v;
	int rc;

	if (db_dec_parse_printed(s, true, &v) != 0)
		return SQLITE_MISMATCH; /* cannot happen after validation */
	rc = sqlite3_bind_int64(st, (*i)++, v);
	return rc ? rc : sqlite3_bind_int(st, (*i)++, db_dec_places(s));
}

/* [page, x0, y0, x1, y1] as five integers, coordinates in hundredths of a point (validated:
 * at most 2 decimals, so rounding only removes binary noise); five NULLs for no box. */
static int bind_box(sqlite3_stmt *st, int *i, const json_t *box)
{
	int rc = SQLITE_OK;

	for (size_t k = 0; k < 5 && rc == SQLITE_OK; k++) {
		const json_t *n = json_array_get(box, k);
		double x = json_number_value(n) * 100;

		if (n == NULL)
			rc = sqlite3_bind_null(st, (*i)++);
		else if (k == 0)
			rc = sqlite3_bind_int64(st, (*i)++, json_integer_value(n));
		else if (json_is_integer(n))
			rc = sqlite3_bind_int64(st, (*i)++, json_integer_value(n) * 100);
		else
			rc = sqlite3_bind_int64(st, (*i)++, (sqlite3_int64)(x + 0.5));
	}
	return rc;
}

static int bind_field(sqlite3_stmt *st, int *i, const struct db_field *f, const json_t *j)
{
	if (f->type == DB_FT_CODES) {
		int rc = SQLITE_OK;
		for (size_t k = 0; k < 3 && rc == SQLITE_OK; k++) {
			const char *code = json_string_value(json_array_get(j, k));
			rc = code ? sqlite3_bind_text(st, (*i)++, code, -1, SQLITE_STATIC)
			          : sqlite3_bind_null(st, (*i)++);
		}
		return rc;
	}
	if (f->type == DB_FT_BOOL)
		return sqlite3_bind_int(st, (*i)++, json_is_true(j));
	if (f->type == DB_FT_BOX)
		return bind_box(st, i, j);
	if ((j == NULL || json_is_null(j)) && f->def != NULL)
		return sqlite3_bind_text(st, (*i)++, f->def, -1, SQLITE_STATIC);
	if ((j == NULL || json_is_null(j)) && db_field_is_dec(f)) {
		int rc = sqlite3_bind_null(st, (*i)++);
		return rc ? rc : sqlite3_bind_null(st, (*i)++); /* and its _dp */
	}
	if (j == NULL || json_is_null(j))
		return sqlite3_bind_null(st, (*i)++);
	switch (f->type) {
	case DB_FT_INT:
		return sqlite3_bind_int64(st, (*i)++, json_integer_value(j));
	case DB_FT_DEC:
	case DB_FT_SDEC:
		return bind_dec(st, i, j);
	default:
		return sqlite3_bind_text(st, (*i)++, json_string_value(j), -1, SQLITE_STATIC);
	}
}

static size_t key_hash(const char *key)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h & (FIELD_SLOTS - 1);
}

/* The index in e->fields of the field named key, or -1. */
static int field_of(const struct field_map *m, const char *key)
{
	for (size_t k = key_hash(key); m->slots[k] != 0; k = (k + 1) & (FIELD_SLOTS - 1))
		if (strcmp(m->e->fields[m->slots[k] - 1].key, key) == 0)
			return m->slots[k] - 1;
	return -1;
}

/* e's field map, built the first time; NULL when e has too many fields or two of one name
 * (its rows are then looked up field by field). */
static const struct field_map *map_of(struct ictx *c, const struct db_entity *e)
{
	size_t h = ((uintptr_t)e >> 4) * 2654435761u % MAPS, n = 0;
	struct field_map *m;

	while (c->maps[h].e != NULL && c->maps[h].e != e)
		h = (h + 1) % MAPS;
	m = &c->maps[h];
	if (m->e != NULL)
		return m->none ? NULL : m;
	if ((c->n_maps + 1) * 2 > MAPS)
		return NULL; /* the model has fewer than 40 entities */
	c->n_maps++;
	m->e = e;
	while (e->fields[n].key != NULL && n <= MAX_FIELDS)
		n++;
	m->none = n > MAX_FIELDS;
	for (size_t f = 0; f < n && !m->none; f++) {
		size_t k = key_hash(e->fields[f].key);
		m->none = field_of(m, e->fields[f].key) >= 0;
		while (m->slots[k] != 0)
			k = (k + 1) & (FIELD_SLOTS - 1);
		m->slots[k] = (unsigned char)(f + 1);
	}
	return m->none ? NULL : m;
}

/* Binds the entity's fields of the object val, in field order. Their values are found with
 * one walk over the object's members where there is a map: a json_object_get() per field
 * hashed the key and compared it again for each (48 M instructions at 100 files, issue #17). */
static int bind_fields(struct ictx *c, sqlite3_stmt *st, int *i, const struct db_entity *e,
                       const json_t *val)
{
	const struct field_map *m = e->fields != NULL ? map_of(c, e) : NULL;
	const json_t *vals[MAX_FIELDS];
	const char *key;
	json_t *v;
	int rc = SQLITE_OK, k;

	if (m != NULL) {
		for (k = 0; e->fields[k].key != NULL; k++)
			vals[k] = NULL;
		json_object_foreach ((json_t *)val, key, v)
			if ((k = field_of(m, key)) >= 0)
				vals[k] = v;
	}
	for (k = 0; e->fields != NULL && e->fields[k].key != NULL && !rc; k++)
		if (!e->fields[k].nostore)
			rc = bind_field(st, i, &e->fields[k],
			                m != NULL ? vals[k]
			                          : json_object_get(val, e->fields[k].key));
	return rc;
}

/* Binds one element's values from parameter *i on; position < 0 for single objects. */
static int bind_row(struct ictx *c, sqlite3_stmt *st, int *i, const struct db_entity *e,
                    const struct pending *p)
{
	int rc = p->id != 0 ? sqlite3_bind_int64(st, (*i)++, p->id) : SQLITE_OK;

	rc = rc ? rc : sqlite3_bind_int64(st, (*i)++, p->parent);

	if (p->position >= 0)
		rc = rc ? rc : sqlite3_bind_int(st, (*i)++, p->position);
	if (p->key != NULL)
		rc = rc ? rc : sqlite3_bind_text(st, (*i)++, p->key, -1, SQLITE_STATIC);
	if (e->shape == DB_SH_TEXTS)
		rc = rc ? rc
		        : sqlite3_bind_text(st, (*i)++, json_string_value(p->val), -1,
		                            SQLITE_STATIC);
	else if (db_shape_is_dec(e->shape))
		rc = rc ? rc : bind_dec(st, i, p->val);
	else if (e->shape == DB_SH_BOX_MAP)
		rc = rc ? rc : bind_box(st, i, p->val);
	return rc ? rc : bind_fields(c, st, i, e, p->val);
}

/* Writes rows rows of e with one INSERT. */
static int insert_rows(struct ictx *c, const struct db_entity *e, const struct pending *p,
                       size_t rows)
{
	sqlite3_stmt *st = insert_stmt(c, e, rows + (p[0].id != 0 ? WITH_ID : 0));
	int i = 1, rc = SQLITE_OK;

	if (st == NULL)
		return sql_fail(c, e->table);
	/* No sqlite3_clear_bindings(): every parameter is bound again below (checked at the
	 * end: a parameter left out would keep the last row's value). */
	sqlite3_reset(st);
	for (size_t r = 0; r < rows && rc == SQLITE_OK; r++)
		rc = bind_row(c, st, &i, e, &p[r]);
	if (rc == SQLITE_OK && i - 1 != sqlite3_bind_parameter_count(st))
		rc = SQLITE_RANGE;
	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE)
		return sql_fail(c, e->table);
	return 0;
}

/* Writes the rows queued for b: BATCH at a time, the rest 4 and 1 at a time (three
 * statements per list, not one for every count). */
static int flush_batch(struct ictx *c, struct batch *b)
{
	size_t done = 0, n = b->n;

	b->n = 0;
	while (done < n) {
		size_t rows = n - done >= BATCH ? BATCH : n - done >= 4 ? 4 : 1;
		if (insert_rows(c, b->e, &b->rows[done], rows) != 0)
			return -1;
		done += rows;
	}
	return 0;
}

/* Writes every row still queued. */
static int flush_all(struct ictx *c)
{
	for (size_t k = 0; k < c->n_batches; k++)
		if (c->batches[k].n > 0 && flush_batch(c, &c->batches[k]) != 0)
			return -1;
	return 0;
}

/* A list with no lists below it: nothing needs its rows' ids, so they can wait. */
static bool is_leaf(const struct db_entity *e)
{
	return e->shape != DB_SH_ONE && e->shape != DB_SH_INLINE &&
	       (e->children == NULL || e->children[0] == NULL);
}

/* e's batch, a new one if it has none yet; NULL when there is no room for more. */
static struct batch *batch_of(struct ictx *c, const struct db_entity *e)
{
	struct batch *b;

	for (size_t k = 0; k < c->n_batches; k++)
		if (c->batches[k].e == e)
			return &c->batches[k];
	if (c->n_batches == MAX_BATCHES)
		return NULL;
	b = &c->batches[c->n_batches++];
	b->e = e;
	b->n = 0;
	b->last_id = -1;
	return b;
}

/* Queues a leaf list's row; BATCH of them go in with one INSERT. A statement run for every
 * row paid its start (cursors opened on the table and its index, the transaction checked)
 * for each table figure, paragraph and indicator: 2,000 instructions of the 7,500 a row
 * cost (issue #17). The JSON the row binds lives until import_doc() flushes. */
static int queue_row(struct ictx *c, const struct db_entity *e, const struct pending *p)
{
	struct batch *b = batch_of(c, e);

	if (b == NULL)
		return insert_rows(c, e, p, 1);
	b->rows[b->n++] = *p;
	return b->n == BATCH ? flush_batch(c, b) : 0;
}

/* The largest id in e's table, into *id. */
static int max_id(struct ictx *c, const struct db_entity *e, int64_t *id)
{
	char q[128];
	sqlite3_stmt *st;
	int rc = -1;

	snprintf(q, sizeof(q), "SELECT coalesce(max(id), 0) FROM \"%s\"", e->table);
	if (sqlite3_prepare_v2(c->sql, q, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(c, e->table);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		sql_fail(c, e->table);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Queues a row of a list with lists below it (table rows), giving it the id SQLite would:
 * one more than the table's largest, read once per import. Its lists' rows name it before
 * it is written. Only without foreign keys (fk_off(): a bulk import into an empty store),
 * where nothing is deleted during the import, so the largest id is the last one given, and
 * a list's rows may go in before the row they hang off. */
static int queue_parent(struct ictx *c, const struct db_entity *e, struct pending *p,
                        int64_t *rowid)
{
	struct batch *b = batch_of(c, e);

	if (b == NULL)
		return -2;
	if (b->last_id < 0 && max_id(c, e, &b->last_id) != 0)
		return -1;
	p->id = *rowid = ++b->last_id;
	b->rows[b->n++] = *p;
	return b->n == BATCH ? flush_batch(c, b) : 0;
}

/* Writes the entity's row for one element (a leaf list's may wait: queue_row()); *rowid
 * receives its id, 0 for a queued row. position < 0 for single objects. */
static int insert_one(struct ictx *c, const struct db_entity *e, int64_t parent, int position,
                      const char *key, const json_t *val, int64_t *rowid)
{
	struct pending p = { .val = val, .key = key, .parent = parent, .position = position };
	int rc;

	*rowid = 0;
	if (is_leaf(e))
		return queue_row(c, e, &p);
	if (c->no_fk && e->shape == DB_SH_ROWS && (rc = queue_parent(c, e, &p, rowid)) != -2)
		return rc;
	if (insert_rows(c, e, &p, 1) != 0)
		return -1;
	*rowid = sqlite3_last_insert_rowid(c->sql);
	return 0;
}

static int import_children(struct ictx *c, const struct db_entity *e, const json_t *obj,
                           int64_t id);

static int import_entity(struct ictx *c, const struct db_entity *e, const json_t *val,
                         int64_t parent)
{
	int64_t rowid;
	size_t i;
	json_t *item;
	const char *key;

	switch (e->shape) {
	case DB_SH_INLINE:
		return import_children(c, e, val, parent);
	case DB_SH_ONE:
		if (insert_one(c, e, parent, -1, NULL, val, &rowid) != 0)
			return -1;
		return import_children(c, e, val, rowid);
	case DB_SH_DEC_MAP:
	case DB_SH_BOX_MAP:
		i = 0;
		json_object_foreach ((json_t *)val, key, item)
			if (insert_one(c, e, parent, (int)i++, key, item, &rowid) != 0)
				return -1;
		return 0;
	default:
		json_array_foreach (val, i, item) {
			if (insert_one(c, e, parent, (int)i, NULL, item, &rowid) != 0 ||
			    import_children(c, e, item, rowid) != 0)
				return -1;
		}
		return 0;
	}
}

static int import_children(struct ictx *c, const struct db_entity *e, const json_t *obj, int64_t id)
{
	for (const struct db_entity *const *k = e->children; k != NULL && *k != NULL; k++) {
		json_t *val = json_object_get(obj, (*k)->key);
		if (val != NULL && !json_is_null(val) && import_entity(c, *k, val, id) != 0)
			return -1;
	}
	return 0;
}

/* The department row is shared by all of its disclosures: find it or add it. */
static int department_id(struct ictx *c, const char *slug, int64_t *id)
{
	sqlite3_stmt *st = kept(c, &department_key);
	int rc = -1;

	if (st == NULL && (st = keep(c, &department_key,
	                             "INSERT INTO department (slug) VALUES (?1) ON CONFLICT (slug) "
	                             "DO UPDATE SET slug = excluded.slug RETURNING id")) == NULL)
		return sql_fail(c, "department");
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		sql_fail(c, "department");
	}
	/* Reset at once: a pending statement would block a bulk import's DROP INDEX. */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* Writes doc; *rowid receives its disclosure's id. */
static int import_doc(struct ictx *c, const struct db_doc *doc, int64_t *rowid)
{
	sqlite3_stmt *del = kept(c, &replace_key);
	int64_t dep = 0, old = 0; /* dep: gcc -O1 cannot see department_id() set it */
	int rc = -1, step;

	if (department_id(c, db_doc_department(doc), &dep) != 0)
		return -1;
	/* Replacing is delete + insert; ON DELETE CASCADE clears everything below. */
	if (del == NULL &&
	    (del = keep(c, &replace_key,
	                "DELETE FROM disclosure WHERE department_id = ? AND year = ? "
	                "AND kind = ? AND level = ? RETURNING id")) == NULL)
		return sql_fail(c, "disclosure");
	sqlite3_bind_int64(del, 1, dep);
	sqlite3_bind_int(del, 2, db_doc_year(doc));
	sqlite3_bind_text(del, 3, db_doc_kind(doc), -1, SQLITE_STATIC);
	sqlite3_bind_text(del, 4, db_doc_level(doc), -1, SQLITE_STATIC);
	/* With RETURNING the row is gone after the first step. The statement is stepped to
	 * its end (the key is UNIQUE: one row at most) and finalized before anything else runs:
	 * while it is pending the connection cannot drop an index, and a bulk import's
	 * derive does (fact_sum: replacing a disclosure in a bulk import failed with "database
	 * table is locked"). */
	step = sqlite3_step(del);
	if (step == SQLITE_ROW) {
		old = sqlite3_column_int64(del, 0);
		step = sqlite3_step(del);
	}
	if (step != SQLITE_DONE)
		goto fail;
	/* Without foreign keys (no_fk) the cascade would not run. It cannot happen: the store
	 * was empty, and remember() refuses the same disclosure twice. */
	if (old != 0 && c->no_fk) {
		db_err_set(c->err, "disclosure: replaced without foreign keys");
		goto done;
	}
	/* Done with it before deriving: a statement left pending would make a bulk import's
	 * DROP INDEX (facts.c) fail with "database table is locked". */
	if (sqlite3_reset(del) != SQLITE_OK)
		goto fail;
	/* What was derived from the old disclosure goes too (the search index has no cascade). */
	if (old != 0 && db_derive_forget(c->sql, old, c->err) != 0)
		goto done;
	for (size_t k = 0; k < c->n_batches; k++)
		c->batches[k].n = 0; /* what a failed document left */
	if (insert_one(c, &db_model_document, dep, -1, NULL, doc->root, rowid) != 0 ||
	    import_children(c, &db_model_document, doc->root, *rowid) != 0 || flush_all(c) != 0)
		goto done;
	rc = db_derive(c->sql, *rowid, c->bulk, c->err);
	goto done;
fail:
	sql_fail(c, "disclosure");
done:
	sqlite3_reset(del);
	sqlite3_clear_bindings(del);
	return rc;
}

/* An import under way: one write transaction, the statements it has prepared, and the
 * disclosures it has written (two files for one disclosure would silently keep the last). */
struct seen {
	char *department, *kind, *name;
	const char *level; /* static */
	int year;
};

struct db_import {
	struct db *db;
	struct ictx c;
	struct db_error scratch;
	struct seen *seen;
	size_t n_seen, cap_seen;
	size_t *slots; /* hash of seen: index + 1, 0 for free; n_slots a power of two */
	size_t n_slots;
	int64_t disclosure; /* written by the last db_import_add(), 0 before the first */
	size_t n_findings; /* stored for it so far */
	off_t wal_size; /* the -wal file's size when the import began, -1 if there was none */
	char *deferred[16]; /* bulk: CREATE INDEX statements dropped at begin, run at commit */
	size_t n_deferred;
};

/* With bulk, the store's secondary indexes on the rows (schema.sql's CREATE INDEX and
 * derived.sql's read index, not the UNIQUE constraints or a WITHOUT ROWID table's primary key,
 * which are part of their tables) are
 * dropped while the rows go in and created again, from their own text in sqlite_master,
 * before db_derive_finish(): one sort
 * of the whole column instead of an insert into a large B-tree for every row (issue #17).
 * The store ends with the same definitions (check_facts: a bulk store equals one built
 * row by row, schema text included). What derive runs per disclosure finds its rows by
 * disclosure and the UNIQUE keys: without these indexes its time stayed the same. */
static const char *const deferrable[] = { "disclosure_year", "budget_table_type", "table_row_code",
	                                  "table_row_read", NULL };

static int defer_indexes(struct db_import *im, struct db_error *err)
{
	sqlite3 *sql = im->db->sql;
	sqlite3_stmt *st = NULL;
	char drop[128];
	int rc = -1;

	if (sqlite3_prepare_v2(sql,
	                       "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
	                       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; deferrable[i] != NULL; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, deferrable[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue; /* not in this store: nothing to put back */
		im->deferred[im->n_deferred] = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st); /* a table read by a pending statement cannot lose an index */
		if (im->deferred[im->n_deferred] == NULL) {
			db_err_set(err, "out of memory");
			goto done;
		}
		im->n_deferred++;
		snprintf(drop, sizeof(drop), "DROP INDEX \"%s\"", deferrable[i]);
		if (sqlite3_exec(sql, drop, NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	}
	rc = 0;
	goto done;
fail:
	db_err_set(err, "cannot start the import: %s", sqlite3_errmsg(sql));
	db_err_store(err, sql);
done:
	sqlite3_finalize(st);
	return rc;
}

/* Creates what defer_indexes() dropped. */
static int restore_indexes(struct db_import *im, struct db_error *err)
{
	for (size_t i = 0; i < im->n_deferred; i++) {
		if (sqlite3_exec(im->db->sql, im->deferred[i], NULL, NULL, NULL) != SQLITE_OK) {
			db_err_set(err, "index: %s", sqlite3_errmsg(im->db->sql));
			return -1;
		}
	}
	return 0;
}

/* Whether the file sql has open is no longer the one its path names: `budgetctl restore` and
 * another `import --fresh` rename a new store over the path without waiting for this
 * import. false where the VFS cannot tell. */
static bool has_moved(sqlite3 *sql)
{
	int moved = 0;

	return sqlite3_file_control(sql, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK &&
	       moved != 0;
}

/* Fails an import whose file was replaced meanwhile: what it committed there nothing would
 * read again, and an import that says it landed must have landed. Checked once the write
 * lock is held, and again right before the COMMIT. 0, or -1 with *err filled. */
static int still_in_place(struct db *db, struct db_error *err)
{
	if (!has_moved(db->sql))
		return 0;
	db_err_set(err, "the store was replaced meanwhile (budgetctl restore, or another "
	                "import --fresh): nothing was imported; run the import again");
	return -1;
}

/* The size of the store's -wal file, or -1 when there is none. */
static off_t wal_size(sqlite3 *sql)
{
	const char *wal = sqlite3_filename_wal(sqlite3_db_filename(sql, "main"));
	struct stat st;

	return wal != NULL && stat(wal, &st) == 0 ? st.st_size : -1;
}

/* After a rollback: the -wal file back to its size before the import. The frames a failed
 * import appended (up to the point where the disk filled) are dead, but SQLite keeps the
 * file's length, and while budgetd holds the store open no close ever removes it: the disk
 * would stay full and every later import fail. Done under the write lock, so no other
 * import is appending; readers never read past the last commit, which lies before that
 * size (frames are only written over from the start once every reader is past them). */
static int wal_restore(struct db_import *im)
{
	sqlite3 *sql = im->db->sql;
	const char *wal = sqlite3_filename_wal(sqlite3_db_filename(sql, "main"));
	int rc;

	/* the -wal its path names is then the new store's, not this one's */
	if (wal == NULL || im->wal_size < 0 || has_moved(sql) || wal_size(sql) <= im->wal_size ||
	    sqlite3_exec(sql, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	rc = truncate(wal, im->wal_size);
	sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A bulk import into a store with no disclosure turns foreign key checks off until it ends:
 * every parent id it writes is then the rowid of a row it has just inserted, so the checks
 * cannot fail, and they were 11 % of the rows' INSERTs (issue #17). The one statement that
 * needs them, the replacing DELETE's cascade, has nothing to delete. Outside a transaction:
 * SQLite ignores the pragma inside one. */
static bool fk_off(struct db *db)
{
	sqlite3_stmt *st = NULL;
	bool empty = false;

	if (!db->bulk || sqlite3_prepare_v2(db->sql, "SELECT 1 FROM disclosure LIMIT 1", -1, &st,
	                                    NULL) != SQLITE_OK)
		return false;
	empty = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return empty &&
	       sqlite3_exec(db->sql, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) == SQLITE_OK;
}

/* After the import's COMMIT or ROLLBACK: the connection's checks back on. */
static void fk_on(struct db_import *im)
{
	if (im->c.no_fk)
		sqlite3_exec(im->db->sql, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	im->c.no_fk = false;
}

struct db_import *db_import_begin(struct db *db, struct db_error *err)
{
	struct db_import *im;

	if (!db->writable) {
		db_err_set(err, "store is open read-only");
		return NULL;
	}
	im = calloc(1, sizeof(*im));
	if (im == NULL) {
		db_err_set(err, "out of memory");
		return NULL;
	}
	im->db = db;
	im->c.sql = db->sql;
	im->c.bulk = db->bulk;
	im->c.err = &im->scratch;
	im->c.no_fk = fk_off(db);
	if (sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		db_err_set(err, "cannot start the import: %s", sqlite3_errmsg(db->sql));
		db_err_store(err, db->sql);
		fk_on(im);
		free(im);
		return NULL;
	}
	im->wal_size = wal_size(db->sql);
	if (still_in_place(db, err) != 0 || (db->bulk && defer_indexes(im, err) != 0)) {
		db_import_abort(im);
		return NULL;
	}
	return im;
}

static size_t seen_hash(const char *department, int year, const char *kind, const char *level)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	const char *parts[] = { department, kind, level };

	for (size_t i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211u;
	return (size_t)((h ^ (uint64_t)year) * 1099511628211u);
}

/* The level as remembered: "unit" or "department" (static). */
static const char *level_of(const struct db_doc *doc)
{
	return strcmp(db_doc_level(doc), "unit") == 0 ? "unit" : "department";
}

static bool seen_same(const struct seen *s, const struct db_doc *doc)
{
	return s->year == db_doc_year(doc) && strcmp(s->kind, db_doc_kind(doc)) == 0 &&
	       strcmp(s->level, level_of(doc)) == 0 &&
	       strcmp(s->department, db_doc_department(doc)) == 0;
}

/* The slot where the disclosure doc names is, or would go. */
static size_t seen_slot(const struct db_import *im, const struct db_doc *doc)
{
	size_t mask = im->n_slots - 1;
	size_t k =
	    seen_hash(db_doc_department(doc), db_doc_year(doc), db_doc_kind(doc), level_of(doc)) &
	    mask;

	while (im->slots[k] != 0 && !seen_same(&im->seen[im->slots[k] - 1], doc))
		k = (k + 1) & mask;
	return k;
}

/* Rehashes seen into twice as many slots: a lookup stays one probe or two, where a walk
 * over every disclosure seen made an import of n files cost n * n / 2 comparisons. */
static int seen_grow(struct db_import *im)
{
	size_t n = im->n_slots ? im->n_slots * 2 : 256, mask = n - 1;
	size_t *slots = calloc(n, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < im->n_seen; i++) {
		const struct seen *s = &im->seen[i];
		size_t k = seen_hash(s->department, s->year, s->kind, s->level) & mask;
		while (slots[k] != 0)
			k = (k + 1) & mask;
		slots[k] = i + 1;
	}
	free(im->slots);
	im->slots = slots;
	im->n_slots = n;
	return 0;
}

static int remember(struct db_import *im, const struct db_doc *doc, struct db_error *err)
{
	struct seen *s;
	size_t k;

	if ((im->n_seen + 1) * 2 > im->n_slots && seen_grow(im) != 0)
		goto oom;
	k = seen_slot(im, doc);
	if (im->slots[k] != 0) {
		s = &im->seen[im->slots[k] - 1];
		err->code = DB_DUPLICATE;
		db_err_set(err, "same disclosure (%s %d %s, level %s) as %s", s->department,
		           s->year, s->kind, s->level, s->name);
		return -1;
	}
	if (im->n_seen == im->cap_seen) {
		size_t cap = im->cap_seen ? im->cap_seen * 2 : 64;
		struct seen *more = realloc(im->seen, cap * sizeof(*more));
		if (more == NULL)
			goto oom;
		im->seen = more;
		im->cap_seen = cap;
	}
	s = &im->seen[im->n_seen];
	s->year = db_doc_year(doc);
	s->department = strdup(db_doc_department(doc));
	s->kind = strdup(db_doc_kind(doc));
	s->level = level_of(doc);
	s->name = strdup(doc->name);
	im->n_seen++;
	if (s->department != NULL && s->kind != NULL && s->name != NULL) {
		im->slots[k] = im->n_seen;
		return 0;
	}
oom:
	db_err_set(err, "out of memory");
	return -1;
}

int db_import_add(struct db_import *im, const struct db_doc *doc, struct db_error *err)
{
	snprintf(err->file, sizeof(err->file), "%s", doc->name);
	if (remember(im, doc, err) != 0)
		return -1;
	err->file[0] = '\0';
	memset(&im->scratch, 0, sizeof(im->scratch));
	im->disclosure = 0;
	im->n_findings = 0;
	/* The document was validated: what fails now is the store (damaged, full, read-only),
	 * and the message must say so rather than blame the file. */
	if (import_doc(&im->c, doc, &im->disclosure) != 0) {
		db_err_set(err, "%s (while writing %s)", im->scratch.text, doc->name);
		db_err_store(err, im->db->sql);
		return -1;
	}
	return 0;
}

int db_import_add_findings(struct db_import *im, const json_t *findings, struct db_error *err)
{
	sqlite3_stmt *st;

	if (im->disclosure == 0) {
		db_err_set(err, "findings before any document");
		return -1;
	}
	if (db_findings_check(findings, err) != 0)
		return -1;
	/* Kept for the import: prepared per disclosure it was 0.5 % of an import (issue #17). */
	if ((st = kept(&im->c, &finding_key)) == NULL &&
	    (st = keep(&im->c, &finding_key, db_finding_insert_sql)) == NULL) {
		db_err_set(err, "finding: %s", sqlite3_errmsg(im->db->sql));
		db_err_store(err, im->db->sql);
		return -1;
	}
	if (db_findings_insert(im->db->sql, st, im->disclosure, findings, im->n_findings, err) !=
	    0) {
		db_err_store(err, im->db->sql);
		return -1;
	}
	im->n_findings += json_array_size(findings);
	return 0;
}

/* After the import's COMMIT or ROLLBACK. */
static void import_free(struct db_import *im)
{
	fk_on(im);
	for (size_t i = 0; i < im->c.n; i++)
		sqlite3_finalize(im->c.stmts[i]);
	for (size_t i = 0; i < im->n_seen; i++) {
		free(im->seen[i].department);
		free(im->seen[i].kind);
		free(im->seen[i].name);
	}
	free(im->seen);
	free(im->slots);
	for (size_t i = 0; i < im->n_deferred; i++)
		free(im->deferred[i]);
	free(im);
}

int db_import_commit(struct db_import *im, struct db_error *err)
{
	int rc = 0;

	/* Statements are finalized first: a COMMIT with statements still pending can fail. */
	for (size_t i = 0; i < im->c.n; i++)
		sqlite3_finalize(im->c.stmts[i]);
	im->c.n = 0;
	memset(im->c.slots, 0, sizeof(im->c.slots));
	/* The indexes first: db_derive_finish() may read through them. */
	if (restore_indexes(im, err) != 0 || db_derive_finish(im->db->sql, im->c.bulk, err) != 0 ||
	    still_in_place(im->db, err) != 0) {
		db_err_store(err, im->db->sql);
		sqlite3_exec(im->db->sql, "ROLLBACK", NULL, NULL, NULL);
		(void)wal_restore(im);
		rc = -1;
	} else if (sqlite3_exec(im->db->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_err_set(err, "commit: %s", sqlite3_errmsg(im->db->sql));
		db_err_store(err, im->db->sql);
		sqlite3_exec(im->db->sql, "ROLLBACK", NULL, NULL, NULL);
		(void)wal_restore(im); /* best effort: the import has failed already */
		rc = -1;
	}
	import_free(im);
	return rc;
}

void db_import_abort(struct db_import *im)
{
	if (im == NULL)
		return;
	sqlite3_exec(im->db->sql, "ROLLBACK", NULL, NULL, NULL);
	(void)wal_restore(im); /* best effort: the import has failed already */
	import_free(im);
}

int db_import(struct db *db, struct db_doc *const *docs, size_t n, struct db_error *err)
{
	struct db_import *im = db_import_begin(db, err);

	if (im == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (db_import_add(im, docs[i], err) != 0) {
			db_import_abort(im);
			return -1;
		}
	}
	return db_import_commit(im, err);
}
