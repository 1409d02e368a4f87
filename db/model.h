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
	DB_FT_SDEC, /* signed decimal string (a change) */
	DB_FT_BOOL,
	DB_FT_DATE, /* YYYY-MM-DD */
	DB_FT_SLUG, /* URL-safe id */
	DB_FT_KEY, /* snake_case key */
	DB_FT_ENUM, /* one of choices */
	DB_FT_CODES, /* ["201", "03", "50"] -> code1, code2, code3 */
};

struct db_field {
	const char *key; /* JSON key, and SQL column unless col is set */
	const char *col;
	enum db_ftype type;
	bool required;
	bool nostore; /* validated, but kept elsewhere (handled by hand in import.c) */
	long long min, max;
	const char *const *choices; /* NULL-terminated, for DB_FT_ENUM */
};

enum db_shape {
	DB_SH_ROWS, /* array of objects: one SQL row each, with position */
	DB_SH_ONE, /* object: one SQL row */
	DB_SH_INLINE, /* object with no table of its own: its children hang off the parent */
	DB_SH_TEXTS, /* array of strings: (position, value) rows */
	DB_SH_DECS, /* array of decimal strings: (position, value) rows */
	DB_SH_DEC_MAP, /* object key -> decimal string: (position, key, value) rows */
};

struct db_entity {
	const char *key; /* key in the parent object; NULL for the document itself */
	enum db_shape shape;
	const char *table;
	const char *parent_col;
	bool required;
	const struct db_field *fields; /* terminated by a NULL key; may be NULL */
	const struct db_entity *const *children; /* NULL-terminated; may be NULL */
};

extern const struct db_entity db_model_document;

static inline const char *db_field_col(const struct db_field *f)
{
	return f->col != NULL ? f->col : f->key;
}
extern const char *const db_sides[];

#endif
