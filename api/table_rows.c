// SPDX-License-Identifier: MIT
// .../tables/{n} as JSON or CSV written straight from the table's rows (db/read_table.h),
// for #17: a cold table costs its own rows and no jansson tree. The bytes are those of
// tables.c's table_json() and table_csv() on db_export_part()'s tree, rule for rule (the
// hierarchy, 末级, the units in the CSV headers); tests/check_api.c compares the two on
// every table of the bundled store, so a rule changed in one place only turns the suite red.
#include "api.h"
#include "internal_api.h"
#include "read_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool api_trow_total(const struct db_trow *r)
{
	return same(r->kind, "total");
}

long long api_trow_level(const struct db_trow *r)
{
	if (r->has_level)
		return r->level;
	if (r->n_codes > 0)
		return r->n_codes;
	return api_trow_total(r) ? 0 : 1;
}

bool api_trow_codes_lead(const struct db_trow *a, const struct db_trow *b)
{
	if (a->n_codes == 0 || a->n_codes >= b->n_codes)
		return false;
	for (int i = 0; i < a->n_codes; i++)
		if (strcmp(a->codes[i], b->codes[i]) != 0)
			return false;
	return true;
}

/* tables.c's parent_of: the nearest row above on the same side that is shallower and,
 * when both carry codes, whose codes lead to this row's; -1 for none. */
long api_trow_parent(const struct db_table *t, size_t i)
{
	const struct db_trow *row = &t->rows[i];
	long long level = api_trow_level(row);

	if (api_trow_total(row))
		return -1;
	for (size_t j = i; j-- > 0;) {
		const struct db_trow *up = &t->rows[j];
		if (!same(up->side, row->side) || api_trow_level(up) >= level)
			continue;
		if (row->n_codes == 0 || up->n_codes == 0 || api_trow_codes_lead(up, row))
			return (long)j;
	}
	return -1;
}

/* A figure's text when it parses (api_dec_text's rule), else NULL. */
const char *api_tfig_text(const struct db_tfig *f)
{
	int64_t v;

	return db_dec_parse(f->text, true, &v) == 0 ? f->text : NULL;
}

static const char *unit_of(const struct db_table *t)
{
	return t->unit != NULL ? t->unit : t->doc_unit;
}

/* ---- JSON ---- */

static void put_amounts(struct api_jw *w, const struct db_table *t, const struct db_trow *r)
{
	api_jw_key(w, "amounts");
	api_jw_obj(w);
	for (size_t k = 0; k < r->n_amounts; k++) {
		const struct db_tfig *f = &t->figs[r->amounts + k];
		if (api_tfig_text(f) != NULL) {
			api_jw_key(w, f->key);
			api_jw_dec_text(w, f->text);
		}
	}
	api_jw_end(w, '}');
}

static void put_codes(struct api_jw *w, const struct db_trow *r)
{
	char joined[16] = "";

	api_jw_key(w, "codes");
	if (r->n_codes == 0) {
		api_jw_null(w);
		api_jw_key(w, "code");
		api_jw_null(w);
		return;
	}
	api_jw_arr(w);
	for (int i = 0; i < r->n_codes; i++) {
		api_jw_str(w, r->codes[i]);
		strncat(joined, r->codes[i], sizeof(joined) - strlen(joined) - 1);
	}
	api_jw_end(w, ']');
	api_jw_kstr(w, "code", joined);
}

static void put_row(struct api_jw *w, const struct db_table *t, size_t i)
{
	const struct db_trow *r = &t->rows[i];
	long parent = api_trow_parent(t, i);

	api_jw_obj(w);
	api_jw_kint(w, "index", (long long)i);
	api_jw_kstr(w, "side", r->side);
	api_jw_kstr(w, "kind", api_trow_total(r) ? "total" : "item");
	api_jw_kint(w, "level", api_trow_level(r));
	put_codes(w, r);
	api_jw_kstr(w, "name", r->name);
	api_jw_key(w, "parent");
	if (parent >= 0)
		api_jw_int(w, parent);
	else
		api_jw_null(w);
	api_jw_kstr(w, "project", r->project);
	api_jw_kstr(w, "project_name", r->project_name);
	put_amounts(w, t, r);
	api_jw_key(w, "unplaced");
	api_jw_arr(w);
	for (size_t k = 0; k < r->n_unplaced; k++)
		if (api_tfig_text(&t->figs[r->unplaced + k]) != NULL)
			api_jw_dec_text(w, t->figs[r->unplaced + k].text);
	api_jw_end(w, ']');
	api_jw_key(w, "printed");
	api_jw_obj(w);
	for (size_t k = 0; k < r->n_boxes; k++) {
		api_jw_key(w, t->boxes[r->boxes + k].key);
		api_put_printed(w, &t->boxes[r->boxes + k].box);
	}
	api_jw_end(w, '}');
	api_jw_end(w, '}');
}

static void put_totals(struct api_jw *w, const struct db_table *t)
{
	api_jw_key(w, "totals");
	api_jw_arr(w);
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct db_trow *r = &t->rows[i];
		if (!api_trow_total(r))
			continue;
		api_jw_obj(w);
		api_jw_kint(w, "index", (long long)i);
		api_jw_kstr(w, "side", r->side);
		api_jw_kstr(w, "name", r->name);
		put_amounts(w, t, r);
		api_jw_end(w, '}');
	}
	api_jw_end(w, ']');
}

/* api_table_type(): the stored type, else the registry's match of the title. */
const char *api_rtable_type(const struct db_table *t)
{
	const struct db_table_type *type;

	if (t->type != NULL)
		return t->type;
	type = db_table_type_match(t->title);
	return type != NULL ? type->id : "other";
}

static int table_json(struct api_ctx *c, const struct db_table *t, int number)
{
	const char *type = api_rtable_type(t);
	const struct db_table_type *known = db_table_type_find(type);
	struct api_jw w;

	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_kint(&w, "number", t->position);
	api_jw_kint(&w, "position", t->position);
	api_jw_kstr(&w, "type", type);
	api_jw_kstr(&w, "type_name", known != NULL ? known->name : NULL);
	api_jw_kstr(&w, "title", t->title);
	api_jw_kstr(&w, "unit", unit_of(t));
	api_jw_kstr(&w, "classification", t->classification);
	api_jw_kstr(&w, "note", t->note);
	api_jw_kstr(&w, "unplaced_note", t->unplaced_note);
	api_jw_key(&w, "printed");
	api_put_printed(&w, &t->box);
	api_jw_key(&w, "columns");
	api_jw_arr(&w);
	for (size_t i = 0; i < t->n_cols; i++) {
		api_jw_obj(&w);
		api_jw_kstr(&w, "key", t->cols[i].key);
		api_jw_kstr(&w, "title", t->cols[i].title);
		api_jw_kstr(&w, "group", t->cols[i].group);
		api_jw_kstr(&w, "side", t->cols[i].side);
		api_jw_kstr(&w, "measure", t->cols[i].measure);
		api_jw_end(&w, '}');
	}
	api_jw_end(&w, ']');
	api_jw_key(&w, "rows");
	api_jw_arr(&w);
	for (size_t i = 0; i < t->n_rows; i++)
		put_row(&w, t, i);
	api_jw_end(&w, ']');
	put_totals(&w, t);
	api_table_links(&w, c, number);
	api_jw_end(&w, '}');
	return api_ok(c, &w, "application/json; charset=utf-8");
}

/* ---- CSV ---- */

struct shape {
	bool sided, projects, unplaced; /* a 收支 column, a 项目名称 column, 未定栏目数字 */
	bool printed; /* 页码, x0, y0, x1, y1: where each row was printed (#18) */
	const char *unit;
};

static void csv_header(struct api_jw *w, const struct db_table *t, const struct shape *s)
{
	char title[512], suffix[64];
	static const char *const tail[] = { "单位", "层级", "类", "款", "项", "末级" };
	static const char *const printed[] = { "页码", "x0", "y0", "x1", "y1" };

	if (s->sided)
		api_csv_text(w, "收支", true);
	api_csv_text(w, "科目编码", !s->sided);
	api_csv_text(w, "科目名称", false);
	if (s->projects)
		api_csv_text(w, "项目名称", false);
	for (size_t i = 0; i < t->n_cols; i++) {
		const struct db_tcol *col = &t->cols[i];
		api_csv_unit_suffix(col->measure, col->title, s->unit, suffix, sizeof(suffix));
		snprintf(title, sizeof(title), "%s%s%s%s", col->group ? col->group : "",
		         col->group ? "/" : "", col->title, suffix);
		api_csv_text(w, title, false);
	}
	if (s->unplaced) {
		snprintf(title, sizeof(title), "未定栏目数字（%s）",
		         s->unit != NULL ? s->unit : "");
		api_csv_text(w, title, false);
	}
	for (size_t i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		api_csv_text(w, tail[i], false);
	for (size_t i = 0; s->printed && i < sizeof(printed) / sizeof(printed[0]); i++)
		api_csv_text(w, printed[i], false);
	api_csv_end_row(w);
}

/* The row's figure in column key, when it parses; "" otherwise. */
static const char *amount_in(const struct db_table *t, const struct db_trow *r, const char *key)
{
	for (size_t k = 0; k < r->n_amounts; k++) {
		const struct db_tfig *f = &t->figs[r->amounts + k];
		if (strcmp(f->key, key) == 0)
			return api_tfig_text(f) != NULL ? f->text : "";
	}
	return "";
}

static void csv_row(struct api_jw *w, const struct db_table *t, const struct db_trow *r,
                    const struct shape *s, bool parent)
{
	char code[16] = "", list[512] = "", level[24];

	if (s->sided)
		api_csv_text(w, same(r->side, "income") ? "收入" : "支出", true);
	for (int i = 0; i < r->n_codes; i++)
		strncat(code, r->codes[i], sizeof(code) - strlen(code) - 1);
	api_csv_text(w, code, !s->sided);
	api_csv_text(w, r->name, false);
	if (s->projects)
		api_csv_text(w, r->project_name, false);
	for (size_t i = 0; i < t->n_cols; i++)
		api_csv_number(w, amount_in(t, r, t->cols[i].key), false);
	if (s->unplaced) {
		for (size_t k = 0; k < r->n_unplaced; k++) {
			const char *f = api_tfig_text(&t->figs[r->unplaced + k]);
			if (f != NULL)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				         list[0] ? ";" : "", f);
		}
		api_csv_number(w, list, false);
	}
	snprintf(level, sizeof(level), "%lld", api_trow_level(r));
	api_csv_text(w, s->unit, false);
	api_csv_number(w, level, false);
	for (int k = 0; k < 3; k++)
		api_csv_text(w, k < r->n_codes ? r->codes[k] : NULL, false);
	api_csv_text(w, !api_trow_total(r) && !parent ? "是" : "否", false);
	if (s->printed) {
		struct db_box row = { 0 };
		for (size_t k = 0; k < r->n_boxes; k++)
			api_box_widen(&row, &t->boxes[r->boxes + k].box);
		api_csv_box(w, &row);
	}
	api_csv_end_row(w);
}

static struct shape shape_of(const struct db_table *t)
{
	struct shape s = { .unit = unit_of(t) };

	for (size_t i = 0; i < t->n_cols; i++)
		s.sided |= t->cols[i].side != NULL;
	for (size_t i = 0; i < t->n_rows; i++) {
		s.projects |= t->rows[i].project != NULL;
		s.unplaced |= t->rows[i].n_unplaced > 0;
	}
	s.printed = t->n_boxes > 0;
	return s;
}

static int table_csv(struct api_ctx *c, const struct db_table *t, int number)
{
	struct shape s = shape_of(t);
	bool unit_level = c->level != NULL && strcmp(c->level, "unit") == 0;
	bool *parent = calloc(t->n_rows > 0 ? t->n_rows : 1, sizeof(*parent));
	char base[200], label[400], num[16];
	struct api_jw w;
	long up;

	if (parent == NULL)
		return -1;
	for (size_t i = 0; i < t->n_rows; i++)
		if ((up = api_trow_parent(t, i)) >= 0)
			parent[up] = true;
	api_jw_init(&w);
	api_csv_begin(&w);
	csv_header(&w, t, &s);
	for (size_t i = 0; i < t->n_rows; i++)
		csv_row(&w, t, &t->rows[i], &s, parent[i]);
	free(parent);
	api_numeral(number, num, sizeof(num));
	snprintf(base, sizeof(base), "%s-%d-%s%s-table-%d", c->dept, c->year, c->kind,
	         unit_level ? "-unit" : "", number);
	snprintf(label, sizeof(label), "%s-%d-%s%s-表%s-%s", c->dept, c->year, c->kind,
	         unit_level ? "-unit" : "", num, t->title);
	api_csv_disposition(c->resp, base, label);
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

/* The answers router.c's load() and api_table() give when the read fails. */
static int read_failed(struct api_ctx *c, const struct db_error *err, bool table_missing,
                       int number)
{
	if (err->code == DB_NOT_FOUND && table_missing)
		return api_fail(c->resp, 404, "this disclosure has no table %d", number);
	return api_rows_failed(c, err);
}

int api_table_rows(struct api_ctx *c, int number)
{
	struct db_error err = { 0 };
	struct db_table t;
	bool missing;
	int rc;

	api_rows_base(c);
	if (db_read_table(c->db, c->dept, c->year, c->kind, c->level, number, &t, &err, &missing) !=
	    0) {
		db_table_free(&t);
		return read_failed(c, &err, missing, number);
	}
	c->resp->modified = t.imported_at; /* read with the disclosure */
	rc = c->format == API_CSV ? table_csv(c, &t, number) : table_json(c, &t, number);
	db_table_free(&t);
	return rc;
}
