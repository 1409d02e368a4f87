// SPDX-License-Identifier: MIT
// A validated document in the one form the importer reads: format 2, codes split. A format 1
// table's number becomes its position, its type is recognised from its title and its unit
// is its own or the document's; a joined code "2080505" becomes ["208", "05", "05"].
#include "internal.h"
#include "model.h"

#include <string.h>

/* "2080505" -> ["208", "05", "05"] (3-2-2); the validator has checked the digits. */
static json_t *split_code(const char *joined)
{
	static const size_t at[] = { 0, 3, 5 }, len[] = { 3, 2, 2 };
	size_t n = strlen(joined);
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < 3 && at[i] < n; i++)
		if (json_array_append_new(arr, json_stringn(joined + at[i], len[i])) != 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static int normalize_object(const struct db_entity *e, json_t *obj);

static int normalize_codes(const struct db_entity *e, json_t *obj)
{
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
		json_t *codes;
		if (f->type != DB_FT_CODES) /* before the lookup: most fields are not codes */
			continue;
		codes = json_object_get(obj, f->key);
		if (!json_is_string(codes))
			continue;
		if (json_object_set_new(obj, f->key, split_code(json_string_value(codes))) != 0)
			return -1;
	}
	return 0;
}

static int normalize_object(const struct db_entity *e, json_t *obj)
{
	if (normalize_codes(e, obj) != 0)
		return -1;
	for (const struct db_entity *const *c = e->children; c != NULL && *c != NULL; c++) {
		json_t *val = json_object_get(obj, (*c)->key), *item;
		size_t i;

		if ((*c)->shape == DB_SH_ONE || (*c)->shape == DB_SH_INLINE) {
			if (json_is_object(val) && normalize_object(*c, val) != 0)
				return -1;
		} else if ((*c)->shape == DB_SH_ROWS) {
			json_array_foreach (val, i, item)
				if (normalize_object(*c, item) != 0)
					return -1;
		}
	}
	return 0;
}

static int upgrade_table(json_t *t, const char *doc_unit)
{
	const struct db_table_type *type =
	    db_table_type_match(json_string_value(json_object_get(t, "title")));
	json_t *number = json_object_get(t, "number");

	if (json_object_set(t, "position", number) != 0 || json_object_del(t, "number") != 0 ||
	    json_object_set_new(t, "type", json_string(type != NULL ? type->id : "other")) != 0)
		return -1;
	if (json_object_get(t, "unit") == NULL &&
	    json_object_set_new(t, "unit", json_string(doc_unit)) != 0)
		return -1;
	return 0;
}

int db_normalize(json_t *root)
{
	const char *format = json_string_value(json_object_get(root, "format"));
	const char *unit = json_string_value(json_object_get(root, "unit"));
	json_t *t;
	size_t i;

	if (format != NULL && strcmp(format, DB_FORMAT_V1) == 0) {
		json_array_foreach (json_object_get(root, "tables"), i, t)
			if (upgrade_table(t, unit) != 0)
				return -1;
		if (json_object_set_new(root, "format", json_string(DB_FORMAT_V2)) != 0)
			return -1;
	}
	return normalize_object(&db_model_document, root);
}
