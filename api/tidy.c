// SPDX-License-Identifier: MIT
// The long (tidy) CSV: every amount a disclosure's tables publish, one line each with all its
// dimensions (department, year, kind, level, table, row, codes, column, unit), for one
// disclosure (.../amounts.csv) and for the whole store (written beside it at import).
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns, in order. docs/api.md "The long CSV" and datapackage.c's Table Schema name
 * the same fields in the same order. */
static const char *const header[] = { "department_id",
	                              "department_name",
	                              "region",
	                              "year",
	                              "kind",
	                              "level",
	                              "table_position",
	                              "table_type",
	                              "table_title",
	                              "row_index",
	                              "side",
	                              "row_kind",
	                              "row_level",
	                              "code",
	                              "code_lei",
	                              "code_kuan",
	                              "code_xiang",
	                              "row_name",
	                              "leaf",
	                              "column_key",
	                              "column_group",
	                              "column_title",
	                              "measure",
	                              "unit",
	                              "value",
	                              "value_yuan",
	                              NULL };

/* One disclosure's constant fields and the table a line belongs to. */
struct line_ctx {
	const char *dept, *name, *region, *kind, *level;
	char year[8], position[8];
	const char *type, *title, *unit;
};

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* How far the point moves from unit to 元; -1 for a unit that is no amount of yuan. */
static int yuan_shift(const char *unit)
{
	static const struct {
		const char *unit;
		int shift;
	} units[] = { { "元", 0 }, { "千元", 3 }, { "万元", 4 }, { "亿元", 8 } };

	for (size_t i = 0; unit != NULL && i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].unit) == 0)
			return units[i].shift;
	return -1;
}

/* s (a stored decimal, "867.50" or "-1.69") in unit, written in 元 by moving its decimal
 * point: exact, whatever the size, as no int64 or double is involved ("867.50" 万元 is
 * "8675000", "6.536278" 万元 "65362.78"). "" when the unit is not one of yuan. */
static void to_yuan(const char *s, const char *unit, char *out, size_t size)
{
	int k = yuan_shift(unit);
	bool neg = s[0] == '-';
	const char *p = s + neg, *dot = strchr(p, '.');
	size_t ni = dot != NULL ? (size_t)(dot - p) : strlen(p), nd, start = 0, point;
	char digits[64];

	out[0] = '\0';
	if (k < 0 || strlen(p) + (size_t)k + 2 >= sizeof(digits))
		return;
	snprintf(digits, sizeof(digits), "%.*s%s", (int)ni, p, dot != NULL ? dot + 1 : "");
	nd = strlen(digits);
	point = ni + (size_t)k;
	while (nd < point)
		digits[nd++] = '0';
	digits[nd] = '\0';
	while (start + 1 < point && digits[start] == '0')
		start++;
	if (strspn(digits, "0") == nd)
		neg = false; /* no "-0" */
	snprintf(out, size, "%s%.*s%s%s", neg ? "-" : "", (int)(point - start), digits + start,
	         nd > point ? "." : "", digits + point);
}

static bool is_percent(const json_t *col)
{
	const char *m = str(col, "measure"), *title = str(col, "title");

	if (m != NULL && (strcmp(m, "rate") == 0 || strcmp(m, "change_percent") == 0))
		return true;
	return title != NULL && (strstr(title, "%") != NULL || strstr(title, "％") != NULL);
}

static void put_header(struct api_jw *w)
{
	for (size_t i = 0; header[i] != NULL; i++)
		api_csv_text(w, header[i], i == 0);
	api_csv_end_row(w);
}

/* The fields up to leaf, which every line of one row shares. */
static void put_row_fields(struct api_jw *w, const struct line_ctx *l, const json_t *row,
                           size_t index, bool parent)
{
	const json_t *codes = json_object_get(row, "codes");
	bool total = str(row, "kind") != NULL && strcmp(str(row, "kind"), "total") == 0;
	char num[24], code[16] = "";
	size_t k;
	json_t *v;

	api_csv_text(w, l->dept, true);
	api_csv_text(w, l->name, false);
	api_csv_text(w, l->region, false);
	api_csv_number(w, l->year, false);
	api_csv_text(w, l->kind, false);
	api_csv_text(w, l->level, false);
	api_csv_number(w, l->position, false);
	api_csv_text(w, l->type, false);
	api_csv_text(w, l->title, false);
	snprintf(num, sizeof(num), "%zu", index);
	api_csv_number(w, num, false);
	api_csv_text(w, str(row, "side"), false);
	api_csv_text(w, total ? "total" : "item", false);
	snprintf(num, sizeof(num), "%lld", api_row_level(row));
	api_csv_number(w, num, false);
	json_array_foreach (codes, k, v)
		strncat(code, json_string_value(v), sizeof(code) - strlen(code) - 1);
	api_csv_text(w, code, false);
	for (k = 0; k < 3; k++)
		api_csv_text(w, json_string_value(json_array_get(codes, k)), false);
	api_csv_text(w, str(row, "name"), false);
	api_csv_text(w, !total && !parent ? "true" : "false", false);
}

/* One line: the row's fields, then the column's (col NULL: a figure printed in the row
 * whose column could not be told, 未定栏目), unit and value. */
static void put_line(struct api_jw *w, const struct line_ctx *l, const json_t *row, size_t index,
                     bool parent, const json_t *col, const char *value)
{
	bool percent = col != NULL && is_percent(col);
	char yuan[64];

	put_row_fields(w, l, row, index, parent);
	api_csv_text(w, col != NULL ? str(col, "key") : "", false);
	api_csv_text(w, col != NULL ? str(col, "group") : "", false);
	api_csv_text(w, col != NULL ? str(col, "title") : "未定栏目", false);
	api_csv_text(w, col != NULL ? str(col, "measure") : "", false);
	api_csv_text(w, percent ? "%" : l->unit, false);
	api_csv_number(w, value, false);
	to_yuan(value, percent ? NULL : l->unit, yuan, sizeof(yuan));
	api_csv_number(w, yuan, false);
	api_csv_end_row(w);
}

/* Every figure of one row, in the order of the table's columns, then its unplaced ones. */
static uint64_t put_row(struct api_jw *w, const struct line_ctx *l, const json_t *t,
                        const json_t *row, size_t index, bool parent)
{
	const json_t *amounts = json_object_get(row, "amounts");
	uint64_t n = 0;
	size_t k;
	json_t *col, *v;

	json_array_foreach (json_object_get(t, "columns"), k, col) {
		const char *s = api_dec_text(json_object_get(amounts, str(col, "key")));
		if (s != NULL && ++n)
			put_line(w, l, row, index, parent, col, s);
	}
	json_array_foreach (json_object_get(row, "unplaced"), k, v) {
		const char *s = api_dec_text(v);
		if (s != NULL && ++n)
			put_line(w, l, row, index, parent, NULL, s);
	}
	return n;
}

/* Every line of one disclosure (db_export with its department and tables) into w. Returns
 * the number of lines, or -1 when out of memory. */
static long long put_disclosure(struct api_jw *w, const json_t *doc, const char *level)
{
	const json_t *dep = json_object_get(doc, "department");
	struct line_ctx l = { .dept = str(dep, "id"),
		              .name = str(dep, "name"),
		              .region = str(dep, "region"),
		              .kind = str(doc, "kind"),
		              .level = level };
	long long n = 0;

	snprintf(l.year, sizeof(l.year), "%lld", json_integer_value(json_object_get(doc, "year")));
	for (int p = 1; p <= API_TABLES_MAX; p++) {
		const json_t *t = api_find_table(doc, p), *rows = json_object_get(t, "rows");
		bool *parent;
		if (t == NULL)
			continue;
		if ((parent = api_row_parents(rows)) == NULL)
			return -1;
		snprintf(l.position, sizeof(l.position), "%d", p);
		l.type = api_table_type(t);
		l.title = str(t, "title");
		l.unit = api_table_unit(doc, t);
		for (size_t i = 0; i < json_array_size(rows); i++)
			n += (long long)put_row(w, &l, t, json_array_get(rows, i), i, parent[i]);
		free(parent);
	}
	return w->failed ? -1 : n;
}

int api_amounts(struct api_ctx *c, json_t *doc)
{
	bool unit = strcmp(c->level, "unit") == 0;
	struct api_jw w;
	char base[200];

	api_jw_init(&w);
	put_header(&w);
	if (put_disclosure(&w, doc, c->level) < 0) {
		free(api_jw_finish(&w, NULL));
		return -1;
	}
	snprintf(base, sizeof(base), "%s-%d-%s%s-amounts", c->dept, c->year, c->kind,
	         unit ? "-unit" : "");
	api_csv_disposition(c->resp, base, base);
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

/* ---- the whole store ---- */

struct store_walk {
	struct db *db;
	api_write_fn write;
	void *ctx;
	uint64_t lines;
	struct db_error *err;
	const struct api_amounts_reuse *reuse; /* NULL: every disclosure is written afresh */
};

/* Hands w's text to the writer and starts w afresh. */
static int flush(struct store_walk *s, struct api_jw *w)
{
	size_t len = 0;
	bool empty = w->len == 0 && !w->failed;
	char *text = empty ? NULL : api_jw_finish(w, &len);
	int rc = empty ? 0 : text != NULL ? s->write(s->ctx, text, len) : -1;

	if (rc != 0 && s->err->text[0] == '\0')
		snprintf(s->err->text, sizeof(s->err->text), "%s",
		         text == NULL ? "out of memory" : "could not write the long CSV");
	free(text);
	api_jw_init(w);
	return rc;
}

static int one_disclosure(struct store_walk *s, const char *dept,
                          const struct db_disclosure_ref *ref)
{
	struct db_export_sel sel = { .parts = DB_PART_DEPARTMENT | DB_PART_TABLES };
	json_t *doc = db_export_part(s->db, dept, ref->year, ref->kind, ref->level, &sel, s->err);
	struct api_jw w;
	long long n;

	if (doc == NULL)
		return -1;
	api_jw_init(&w);
	n = put_disclosure(&w, doc, ref->level);
	json_decref(doc);
	if (n < 0) {
		free(api_jw_finish(&w, NULL));
		snprintf(s->err->text, sizeof(s->err->text), "out of memory");
		return -1;
	}
	s->lines += (uint64_t)n;
	return flush(s, &w);
}

/* A disclosure's lines: those the caller kept from an earlier run, or written afresh. */
static int reused_or_one(struct store_walk *s, const char *dept,
                         const struct db_disclosure_ref *ref)
{
	int kept = s->reuse != NULL ? s->reuse->reuse(s->reuse->ctx, dept, ref) : 0;

	if (kept < 0 || (kept == 0 && one_disclosure(s, dept, ref) != 0)) {
		if (s->err->text[0] == '\0')
			snprintf(s->err->text, sizeof(s->err->text),
			         "could not write the long CSV");
		return -1;
	}
	return s->reuse != NULL ? s->reuse->written(s->reuse->ctx, dept, ref) : 0;
}

static int each_disclosure(void *ctx, const struct db_department_detail *dep)
{
	struct store_walk *s = ctx;

	for (size_t i = 0; i < dep->n_disclosures; i++)
		if (reused_or_one(s, dep->id, &dep->disclosures[i]) != 0)
			return -1;
	return 0;
}

/* Collects the department ids first: their disclosures are read after the list's statement
 * is done. */
static int collect(void *ctx, const struct db_department *dep)
{
	json_t *ids = ctx;

	return json_array_append_new(ids, json_string(dep->id));
}

int api_amounts_store(struct db *db, api_write_fn write, void *ctx, uint64_t *lines,
                      struct db_error *err)
{
	return api_amounts_store_reusing(db, write, ctx, NULL, lines, err);
}

int api_amounts_store_reusing(struct db *db, api_write_fn write, void *ctx,
                              const struct api_amounts_reuse *reuse, uint64_t *lines,
                              struct db_error *err)
{
	struct store_walk s = { db, write, ctx, 0, err, reuse };
	json_t *ids = json_array(), *id;
	struct api_jw w;
	size_t i;
	int rc = -1;

	if (ids == NULL || db_read_begin(db) != 0)
		goto fail;
	if (db_departments(db, NULL, collect, ids, NULL, err) != 0)
		goto end;
	api_jw_init(&w);
	put_header(&w);
	if (flush(&s, &w) != 0)
		goto end;
	json_array_foreach (ids, i, id)
		if (db_department(db, json_string_value(id), each_disclosure, &s, err) != 0)
			goto end;
	rc = 0;
end:
	db_read_end(db);
fail:
	json_decref(ids);
	if (lines != NULL)
		*lines = s.lines;
	if (rc != 0 && err->text[0] == '\0')
		snprintf(err->text, sizeof(err->text), "could not read the store");
	return rc;
}
