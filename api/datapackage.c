// SPDX-License-Identifier: MIT
// Fiscal Data Package descriptors (datapackage.json) for a disclosure and for the store: one
// resource, the long CSV (tidy.c), with its Table Schema and the FDP model that says which
// field is the amount (value_yuan, in CNY) and which fields are its dimensions.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <string.h>

/* The long CSV's fields, in its order (tidy.c's header), with their Table Schema types. */
static const struct field {
	const char *name, *type, *description;
} fields[] = {
	{ "department_id", "string", "budgetd's id of the department" },
	{ "department_name", "string", "the department's name as this disclosure printed it" },
	{ "region", "string", "the region the department belongs to, when known" },
	{ "year", "integer", "the year the disclosure is for" },
	{ "kind", "string", "budget (预算) or final (决算)" },
	{ "level", "string", "department (部门, consolidated) or unit (单位)" },
	{ "table_position", "integer", "the table's position in the document (表几)" },
	{ "table_type", "string", "what the table is (db/table_types.tsv id), or other" },
	{ "table_title", "string", "the table's title as printed" },
	{ "row_index", "integer", "the row's index in its table, from 0, in published order" },
	{ "side", "string", "income or expenditure for a table with two sides, else empty" },
	{ "row_kind", "string", "item, or total for a total row" },
	{ "row_level", "integer", "0 for a total, else 1 类, 2 款, 3 项" },
	{ "code", "string", "the row's code as one string (2010350): text, never a number" },
	{ "code_lei", "string", "类: the code's first segment (201)" },
	{ "code_kuan", "string", "款: its second segment (03)" },
	{ "code_xiang", "string", "项: its third segment (50)" },
	{ "row_name", "string", "the row's name as printed" },
	{ "leaf", "boolean",
	  "true for an item row that is no other row's parent (末级): summing the leaf rows never "
	  "counts a 类 and its 款 twice" },
	{ "column_key", "string",
	  "the column's key; empty for a figure whose column could not be "
	  "told (未定栏目)" },
	{ "column_group", "string", "the heading above the column, when it has one" },
	{ "column_title", "string", "the column's title as printed" },
	{ "measure", "string", "what the column measures (budget, final, rate...), when known" },
	{ "unit", "string", "the unit of value: 元, 千元, 万元, 亿元, or % for a percentage" },
	{ "value", "number", "the figure exactly as published, its decimals kept (867.50)" },
	{ "value_yuan", "number",
	  "the same amount in 元, its decimal point moved (exact); empty for a percentage" },
	{ "page", "integer",
	  "the page of the published PDF the figure is printed on, from 1; empty when not "
	  "known (a disclosure typed in by hand)" },
	{ "x0", "number",
	  "the left edge of the figure's box on that page, in PDF points (1/72 inch) from the "
	  "page's left edge, as pdftotext -bbox-layout reports it" },
	{ "y0", "number", "the box's top edge, in points from the page's top edge" },
	{ "x1", "number", "the box's right edge, in points from the page's left edge" },
	{ "y1", "number", "the box's bottom edge, in points from the page's top edge" },
};

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static bool required(const char *name)
{
	static const char *const names[] = { "department_id", "year",     "kind",
		                             "level",         "row_kind", "value" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void put_enum(struct api_jw *w, const char *name)
{
	static const char *const kinds[] = { "budget", "final", NULL },
	                         *const levels[] = { "department", "unit", NULL },
	                         *const sides[] = { "income", "expenditure", NULL },
	                         *const row_kinds[] = { "item", "total", NULL };
	const char *const *values = strcmp(name, "kind") == 0       ? kinds
	                            : strcmp(name, "level") == 0    ? levels
	                            : strcmp(name, "side") == 0     ? sides
	                            : strcmp(name, "row_kind") == 0 ? row_kinds
	                                                            : NULL;

	if (values == NULL)
		return;
	api_jw_key(w, "enum");
	api_jw_arr(w);
	for (; *values != NULL; values++)
		api_jw_str(w, *values);
	api_jw_end(w, ']');
}

/* Codes are digits kept as text: 0 leads many a 款 (03). */
static void put_field(struct api_jw *w, const struct field *f)
{
	api_jw_obj(w);
	api_jw_kstr(w, "name", f->name);
	api_jw_kstr(w, "type", f->type);
	api_jw_kstr(w, "description", f->description);
	api_jw_key(w, "constraints");
	api_jw_obj(w);
	api_jw_key(w, "required");
	api_jw_bool(w, required(f->name));
	put_enum(w, f->name);
	if (strncmp(f->name, "code", 4) == 0)
		api_jw_kstr(w, "pattern", "[0-9]+");
	api_jw_end(w, '}');
	api_jw_end(w, '}');
}

static void put_schema(struct api_jw *w)
{
	api_jw_key(w, "schema");
	api_jw_obj(w);
	api_jw_key(w, "fields");
	api_jw_arr(w);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		put_field(w, &fields[i]);
	api_jw_end(w, ']');
	api_jw_key(w, "missingValues");
	api_jw_arr(w);
	api_jw_str(w, "");
	api_jw_end(w, ']');
	api_jw_end(w, '}');
}

static void put_resource(struct api_jw *w, const char *path)
{
	api_jw_key(w, "resources");
	api_jw_arr(w);
	api_jw_obj(w);
	api_jw_kstr(w, "profile", "tabular-data-resource");
	api_jw_kstr(w, "name", "amounts");
	api_jw_kstr(w, "path", path);
	api_jw_kstr(w, "format", "csv");
	api_jw_kstr(w, "mediatype", "text/csv");
	api_jw_kstr(w, "encoding", "utf-8");
	api_jw_key(w, "dialect");
	api_jw_obj(w);
	api_jw_kstr(w, "delimiter", ",");
	api_jw_kstr(w, "lineTerminator", "\r\n");
	api_jw_kstr(w, "quoteChar", "\"");
	api_jw_key(w, "doubleQuote");
	api_jw_bool(w, true);
	api_jw_key(w, "header");
	api_jw_bool(w, true);
	api_jw_end(w, '}');
	put_schema(w);
	api_jw_end(w, '}');
	api_jw_end(w, ']');
}

/* A dimension of the model: name, type, attributes (source = the field of that name), the
 * first of them its primary key; label (may be NULL) is labelfor the first. */
static void put_dimension(struct api_jw *w, const char *name, const char *type,
                          const char *classification, const char *const *attrs, const char *label)
{
	api_jw_key(w, name);
	api_jw_obj(w);
	api_jw_kstr(w, "dimensionType", type);
	if (classification != NULL)
		api_jw_kstr(w, "classificationType", classification);
	api_jw_key(w, "attributes");
	api_jw_obj(w);
	for (const char *const *a = attrs; *a != NULL; a++) {
		api_jw_key(w, *a);
		api_jw_obj(w);
		api_jw_kstr(w, "source", *a);
		if (label != NULL && strcmp(*a, label) == 0)
			api_jw_kstr(w, "labelfor", attrs[0]);
		api_jw_end(w, '}');
	}
	api_jw_end(w, '}');
	api_jw_kstr(w, "primaryKey", attrs[0]);
	api_jw_end(w, '}');
}

#define ATTRS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void put_model(struct api_jw *w)
{
	api_jw_key(w, "model");
	api_jw_obj(w);
	api_jw_key(w, "measures");
	api_jw_obj(w);
	api_jw_key(w, "value_yuan");
	api_jw_obj(w);
	api_jw_kstr(w, "source", "value_yuan");
	api_jw_kstr(w, "currency", "CNY");
	api_jw_key(w, "factor");
	api_jw_int(w, 1);
	api_jw_end(w, '}');
	api_jw_end(w, '}');
	api_jw_key(w, "dimensions");
	api_jw_obj(w);
	put_dimension(w, "administrative", "classification", "administrative",
	              ATTRS("department_id", "department_name"), "department_name");
	put_dimension(w, "location", "location", NULL, ATTRS("region"), NULL);
	put_dimension(w, "date", "datetime", NULL, ATTRS("year"), NULL);
	put_dimension(w, "disclosure", "other", NULL, ATTRS("kind", "level"), NULL);
	put_dimension(w, "table", "other", NULL,
	              ATTRS("table_position", "table_type", "table_title"), "table_title");
	put_dimension(w, "classification", "classification", NULL,
	              ATTRS("code", "code_lei", "code_kuan", "code_xiang", "row_name"), "row_name");
	put_dimension(w, "row", "other", NULL,
	              ATTRS("row_index", "side", "row_kind", "row_level", "leaf"), NULL);
	put_dimension(w, "column", "other", NULL,
	              ATTRS("column_key", "column_group", "column_title", "measure"),
	              "column_title");
	put_dimension(w, "published", "fact", NULL, ATTRS("value", "unit"), NULL);
	put_dimension(w, "printed", "other", NULL, ATTRS("page", "x0", "y0", "x1", "y1"), NULL);
	api_jw_end(w, '}');
	api_jw_end(w, '}');
}

int api_datapackage(struct api_ctx *c, const json_t *doc)
{
	bool unit = c->level != NULL && strcmp(c->level, "unit") == 0;
	const json_t *dep = json_object_get(doc, "department");
	char name[200], title[600];
	struct api_jw w;

	if (doc != NULL) {
		snprintf(name, sizeof(name), "%s-%d-%s%s", c->dept, c->year, c->kind,
		         unit ? "-unit" : "");
		snprintf(title, sizeof(title), "%s %s", str(dep, "name") ? str(dep, "name") : "",
		         str(doc, "title") ? str(doc, "title") : "");
	}
	api_jw_init(&w);
	api_jw_obj(&w);
	/* The Fiscal Data Package profile is the tabular one plus the model; Frictionless's JSON
	 * Schema of it admits no other profile value than this one. */
	api_jw_kstr(&w, "profile", "tabular-data-package");
	api_jw_kstr(&w, "name", doc != NULL ? name : "budgetd");
	api_jw_kstr(&w, "title", doc != NULL ? title : "budgetd: every amount of every disclosure");
	api_jw_kstr(&w, "description",
	            "Every amount the disclosure tables publish, one line each with its "
	            "dimensions; value as published in unit, value_yuan the same amount in 元.");
	/* Relative to this descriptor's URL: .../amounts.csv beside it. */
	put_resource(&w, doc == NULL ? "amounts.csv"
	                 : unit      ? "amounts.csv?level=unit"
	                             : "amounts.csv");
	put_model(&w);
	api_jw_end(&w, '}');
	return api_ok(c, &w, "application/json; charset=utf-8");
}
