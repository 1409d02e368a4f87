// SPDX-License-Identifier: MIT
// The import format as data: which JSON keys exist, their types, and the SQL table and
// column each lands in. The validator, the importer and the exporter all walk this one
// description, so the three cannot drift apart. Internal to db/.
#ifndef BUDGETD_DB_MODEL_H
#define BUDGETD_DB_MODEL_H

#include <stdbool.h>
#include <stddef.h>

enum db_ftype {
	DB_FT_TEXT, /* non-empty string */
	DB_FT_INT, /* integer in [min, max] */
	DB_FT_DEC, /* non-negative decimal string -> INTEGER millionths */
	DB_FT_SDEC, /* signed decimal string (a change, a 决算 figure) */
	DB_FT_BOOL,
	DB_FT_DATE, /* YYYY-MM-DD */
	DB_FT_SLUG, /* URL-safe id */
	DB_FT_KEY, /* snake_case key */
	DB_FT_ENUM, /* one of choices */
	DB_FT_CODES, /* ["201", "03", "50"] or "2010350" -> code1, code2, code3 */
	DB_FT_TTYPE, /* a table type id (db/table_types.tsv) or "other" */
	DB_FT_HEX64, /* 64 lower-case hex digits (a SHA-256) */
	DB_FT_BOX, /* [page, x0, y0, x1, y1] -> <col>_page, <col>_x0 ... (hundredths of a point) */
	DB_FT_URL, /* an http:// or https:// address (a link the page shows) */
};

/* Format versions, as a bit set: where a field exists, where it is required. */
#define DB_V1 1u
#define DB_V2 2u
#define DB_VALL (DB_V1 | DB_V2)
#define DB_FORMAT_V1 "budgetd-disclosure/1"
#define DB_FORMAT_V2 "budgetd-disclosure/2" /* what export writes */

struct db_field {
	const char *key; /* JSON key, and SQL column unless col is set */
	const char *col;
	enum db_ftype type;
	unsigned req; /* the versions (DB_V1, DB_V2) in which it is required; 0: optional */
	unsigned only; /* the versions in which it exists; 0: every version */
	bool nostore; /* validated, but kept elsewhere (handled by hand in import.c) */
	long long min, max;
	const char *const *choices; /* NULL-terminated, for DB_FT_ENUM */
	const char *def; /* stored when the field is absent (DB_FT_ENUM) */
	bool prose; /* DB_FT_TEXT: running text, where tabs and line breaks belong */
};

enum db_shape {
	DB_SH_ROWS, /* array of objects: one SQL row each, with position */
	DB_SH_ONE, /* object: one SQL row */
	DB_SH_INLINE, /* object with no table of its own: its children hang off the parent */
	DB_SH_TEXTS, /* array of strings: (position, value) rows */
	DB_SH_DECS, /* array of decimal strings: (position, value) rows */
	DB_SH_DEC_MAP, /* object key -> decimal string: (position, key, value) rows */
	DB_SH_BOX_MAP, /* object key -> [page, x0, y0, x1, y1]: (position, key, page, x0..) rows */
};

struct db_entity {
	const char *key; /* key in the parent object; NULL for the document itself */
	enum db_shape shape;
	const char *table;
	const char *parent_col;
	bool required;
	const struct db_field *fields; /* terminated by a NULL key; may be NULL */
	const struct db_entity *const *children; /* NULL-terminated; may be NULL */
	unsigned only; /* the versions in which it exists; 0: every version */
	bool sign; /* DB_SH_DECS, DB_SH_DEC_MAP: values may be negative */
	bool prose; /* DB_SH_TEXTS: paragraphs (tabs and line breaks allowed), not names */
};

extern const struct db_entity db_model_document;
/* The document's tables and projects: a partial export picks among their rows. */
extern const struct db_entity *const db_model_tables;
extern const struct db_entity *const db_model_projects;

static inline const char *db_field_col(const struct db_field *f)
{
	return f->col != NULL ? f->col : f->key;
}
extern const char *const db_sides[];

/* The SQL column of part i (0..4: page, x0, y0, x1, y1) of a DB_FT_BOX field. */
const char *db_box_col(const struct db_field *f, int i, char *buf, size_t size);

/* Every stored decimal (a DB_FT_DEC or DB_FT_SDEC field, the value of a DB_SH_DECS or
 * DB_SH_DEC_MAP row) has beside its INTEGER column col the column col_dp: the number of
 * decimals it was published with (0..6), NULL for canonical (rows upgraded from version 1). */
const char *db_dp_col(const char *col, char *buf, size_t size);

static inline bool db_field_is_dec(const struct db_field *f)
{
	return f->type == DB_FT_DEC || f->type == DB_FT_SDEC;
}

static inline bool db_shape_is_dec(enum db_shape s)
{
	return s == DB_SH_DECS || s == DB_SH_DEC_MAP;
}

/* The parts of a DB_SH_BOX_MAP row, after (position, key). */
extern const char *const db_box_parts[];

#endif
