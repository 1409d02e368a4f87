// SPDX-License-Identifier: MIT
// The tables: .../tables (the list) and .../tables/{n} (n its position, 表几) as JSON or
// CSV. Each says its type, position and unit; rows keep the published order, and each knows
// its parent row, so clients can rebuild the hierarchy.
#include "api.h"
#include "internal_api.h"
#include "read_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static bool same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool is_total(const json_t *row)
{
	return same(str(row, "kind"), "total");
}

static long long level_of(const json_t *row)
{
	json_t *l = json_object_get(row, "level");

	if (json_is_integer(l))
		return json_integer_value(l);
	if (json_array_size(json_object_get(row, "codes")) > 0)
		return (long long)json_array_size(json_object_get(row, "codes"));
	return is_total(row) ? 0 : 1;
}

/* Is a's code list a proper prefix of b's? Rows without codes are no prefix. */
static bool code_prefix(const json_t *a, const json_t *b)
{
	json_t *ca = json_object_get(a, "codes"), *cb = json_object_get(b, "codes");
	size_t n = json_array_size(ca);

	if (n == 0 || n >= json_array_size(cb))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!json_equal(json_array_get(ca, i), json_array_get(cb, i)))
			return false;
	return true;
}

/* The nearest row above on the same side that is shallower and, when both carry codes,
 * whose codes lead to this row's; -1 for none. Total rows have no parent. */
static long parent_of(const json_t *rows, size_t i)
{
	const json_t *row = json_array_get(rows, i);
	long long level = level_of(row);
	bool coded = json_array_size(json_object_get(row, "codes")) > 0;

	if (is_total(row))
		return -1;
	for (size_t j = i; j-- > 0;) {
		const json_t *up = json_array_get(rows, j);
		if (!same(str(up, "side"), str(row, "side")) || level_of(up) >= level)
			continue;
		if (!coded || json_array_size(json_object_get(up, "codes")) == 0 ||
		    code_prefix(up, row))
			return (long)j;
	}
	return -1;
}

long long api_row_level(const json_t *row)
{
	return level_of(row);
}

bool *api_row_parents(const json_t *rows)
{
	size_t n = json_array_size(rows);
	bool *parent = calloc(n > 0 ? n : 1, sizeof(*parent));
	long up;

	for (size_t i = 0; i < n && parent != NULL; i++)
		if ((up = parent_of(rows, i)) >= 0)
			parent[up] = true;
	return parent;
}

static void put_row(struct api_jw *w, const json_t *rows, size_t i)
{
	const json_t *row = json_array_get(rows, i);
	long parent = parent_of(rows, i);
	struct db_box box;
	const char *key;
	size_t k;
	json_t *v;

	api_jw_obj(w);
	api_jw_kint(w, "index", (long long)i);
	api_ktext(w, row, "side");
	api_jw_kstr(w, "kind", is_total(row) ? "total" : "item");
	api_jw_kint(w, "level", level_of(row));
	api_kcodes(w, row);
	api_ktext(w, row, "name");
	api_jw_key(w, "parent");
	if (parent >= 0)
		api_jw_int(w, parent);
	else
		api_jw_null(w);
	api_ktext(w, row, "project");
	api_ktext(w, row, "project_name");
	api_put_dec_map(w, "amounts", json_object_get(row, "amounts"));
	api_jw_key(w, "unplaced");
	api_jw_arr(w);
	json_array_foreach (json_object_get(row, "unplaced"), k, v)
		if (api_dec_text(v) != NULL)
			api_jw_dec_text(w, json_string_value(v));
	api_jw_end(w, ']');
	api_jw_key(w, "printed");
	api_jw_obj(w);
	json_object_foreach ((json_t *)json_object_get(row, "boxes"), key, v) {
		api_box_of(v, &box);
		api_jw_key(w, key);
		api_put_printed(w, &box);
	}
	api_jw_end(w, '}');
	api_jw_end(w, '}');
}

static void put_totals(struct api_jw *w, const json_t *rows)
{
	size_t i;
	json_t *row;

	api_jw_key(w, "totals");
	api_jw_arr(w);
	json_array_foreach (rows, i, row) {
		if (!is_total(row))
			continue;
		api_jw_obj(w);
		api_jw_kint(w, "index", (long long)i);
		api_ktext(w, row, "side");
		api_ktext(w, row, "name");
		api_put_dec_map(w, "amounts", json_object_get(row, "amounts"));
		api_jw_end(w, '}');
	}
	api_jw_end(w, ']');
}

void api_table_links(struct api_jw *w, const struct api_ctx *c, int position)
{
	char path[32], url[420];

	snprintf(path, sizeof(path), "/tables/%d", position);
	api_jw_key(w, "links");
	api_jw_obj(w);
	api_url(c, url, sizeof(url), path, false);
	api_jw_kstr(w, "self", url);
	api_url(c, url, sizeof(url), path, true);
	api_jw_kstr(w, "csv", url);
	api_jw_end(w, '}');
}

/* number (= position, the v1 name), position, type, type_name, title, unit. */
static void put_identity(struct api_jw *w, const json_t *doc, const json_t *t)
{
	const char *type = api_table_type(t);
	const struct db_table_type *known = db_table_type_find(type);

	api_jw_kint(w, "number", api_table_position(t));
	api_jw_kint(w, "position", api_table_position(t));
	api_jw_kstr(w, "type", type);
	api_jw_kstr(w, "type_name", known != NULL ? known->name : NULL);
	api_ktext(w, t, "title");
	api_jw_kstr(w, "unit", api_table_unit(doc, t));
}

int api_tables(struct api_ctx *c, json_t *doc)
{
	struct api_jw w;
	char self[400];

	api_jw_init(&w);
	api_jw_obj(&w);
	api_ktext(&w, doc, "unit");
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	for (int n = 1; n <= API_TABLES_MAX; n++) {
		const json_t *t = api_find_table(doc, n);
		if (t == NULL)
			continue;
		api_jw_obj(&w);
		put_identity(&w, doc, t);
		api_table_links(&w, c, n);
		api_jw_end(&w, '}');
	}
	api_jw_end(&w, ']');
	api_url(c, self, sizeof(self), "/tables", false);
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	api_jw_kstr(&w, "self", self);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	return api_ok(c, &w, "application/json; charset=utf-8");
}

static int table_json(struct api_ctx *c, const json_t *doc, const json_t *t, int number)
{
	const json_t *rows = json_object_get(t, "rows");
	struct db_box box;
	struct api_jw w;

	api_jw_init(&w);
	api_jw_obj(&w);
	put_identity(&w, doc, t);
	api_ktext(&w, t, "classification");
	api_ktext(&w, t, "note");
	api_ktext(&w, t, "unplaced_note");
	api_box_of(json_object_get(t, "box"), &box);
	api_jw_key(&w, "printed");
	api_put_printed(&w, &box);
	api_put_objects(&w, "columns", json_object_get(t, "columns"),
	                API_FIELDS(T("key"), T("title"), T("group"), T("side"), T("measure")));
	api_jw_key(&w, "rows");
	api_jw_arr(&w);
	for (size_t i = 0; i < json_array_size(rows); i++)
		put_row(&w, rows, i);
	api_jw_end(&w, ']');
	put_totals(&w, rows);
	api_table_links(&w, c, number);
	api_jw_end(&w, '}');
	return api_ok(c, &w, "application/json; charset=utf-8");
}

/* ---- CSV: the published table, one line per row ---- */

bool api_has_key(const json_t *arr, const char *key)
{
	size_t i;
	json_t *item;

	json_array_foreach (arr, i, item)
		if (json_object_get(item, key) != NULL)
			return true;
	return false;
}

static bool says_percent(const char *title)
{
	return title != NULL && (strstr(title, "%") != NULL || strstr(title, "％") != NULL);
}

/* The unit a column's header gets in CSV: （%） for a percentage (完成率, 增减率) whose
 * printed title does not say % already, nothing when it does, else （unit）. */
void api_csv_unit_suffix(const char *m, const char *title, const char *unit, char *out, size_t size)
{
	if (says_percent(title))
		out[0] = '\0';
	else if (m != NULL && (strcmp(m, "rate") == 0 || strcmp(m, "change_percent") == 0))
		snprintf(out, size, "（%%）");
	else
		snprintf(out, size, "（%s）", unit != NULL ? unit : "");
}

/* Every amount column's header carries the unit, 合计（元）, so that a table in 元 can never
 * pass for one in 万元 once it is out of budgetd. */
static void csv_header(struct api_jw *w, const json_t *t, const char *unit, bool sided,
                       bool projects, bool unplaced, bool printed)
{
	size_t i;
	json_t *col;
	char title[512], suffix[64];
	static const char *const tail[] = { "单位", "层级", "类", "款", "项", "末级" };
	static const char *const place[] = { "页码", "x0", "y0", "x1", "y1" };

	if (sided)
		api_csv_text(w, "收支", true);
	api_csv_text(w, "科目编码", !sided);
	api_csv_text(w, "科目名称", false);
	if (projects)
		api_csv_text(w, "项目名称", false);
	json_array_foreach (json_object_get(t, "columns"), i, col) {
		const char *group = str(col, "group");
		api_csv_unit_suffix(str(col, "measure"), str(col, "title"), unit, suffix,
		                    sizeof(suffix));
		snprintf(title, sizeof(title), "%s%s%s%s", group ? group : "", group ? "/" : "",
		         str(col, "title"), suffix);
		api_csv_text(w, title, false);
	}
	if (unplaced) {
		snprintf(title, sizeof(title), "未定栏目数字（%s）", unit != NULL ? unit : "");
		api_csv_text(w, title, false);
	}
	for (i = 0; i < sizeof(tail) / sizeof(tail[0]); i++)
		api_csv_text(w, tail[i], false);
	for (i = 0; printed && i < sizeof(place) / sizeof(place[0]); i++)
		api_csv_text(w, place[i], false);
	api_csv_end_row(w);
}

/* 单位, 层级 (level: 0 for a total, else the depth, 1 类, 2 款, 3 项), 类, 款, 项 (the code's
 * segments, as text), 末级 (an item row that is no row's parent: summing the 末级 rows never
 * counts a 类 and its 款 twice). */
static void csv_tail(struct api_jw *w, const char *unit, const json_t *row, bool parent)
{
	const json_t *codes = json_object_get(row, "codes");
	char level[24];

	snprintf(level, sizeof(level), "%lld", level_of(row));
	api_csv_text(w, unit, false);
	api_csv_number(w, level, false);
	for (size_t k = 0; k < 3; k++)
		api_csv_text(w, json_string_value(json_array_get(codes, k)), false);
	api_csv_text(w, !is_total(row) && !parent ? "是" : "否", false);
}

/* Where the row was printed: the extent of its name's and figures' boxes on one page. */
static void csv_place(struct api_jw *w, const json_t *row)
{
	struct db_box u;

	api_row_extent(row, &u);
	api_csv_box(w, &u);
}

static void csv_row(struct api_jw *w, const json_t *t, const json_t *row, bool sided, bool projects,
                    bool unplaced, bool printed, const char *unit, bool parent)
{
	char code[16] = "", list[512] = "";
	size_t i;
	json_t *v;

	if (sided)
		api_csv_text(w, same(str(row, "side"), "income") ? "收入" : "支出", true);
	json_array_foreach (json_object_get(row, "codes"), i, v)
		strncat(code, json_string_value(v), sizeof(code) - strlen(code) - 1);
	api_csv_text(w, code, !sided);
	api_csv_text(w, str(row, "name"), false);
	if (projects)
		api_csv_text(w, str(row, "project_name"), false);
	json_array_foreach (json_object_get(t, "columns"), i, v) {
		const char *s =
		    api_dec_text(json_object_get(json_object_get(row, "amounts"), str(v, "key")));
		api_csv_number(w, s != NULL ? s : "", false);
	}
	if (unplaced) {
		json_array_foreach (json_object_get(row, "unplaced"), i, v) {
			const char *s = api_dec_text(v);
			if (s == NULL)
				continue;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			         list[0] ? ";" : "", s);
		}
		api_csv_number(w, list, false);
	}
	csv_tail(w, unit, row, parent);
	if (printed)
		csv_place(w, row);
	api_csv_end_row(w);
}

/* 表几 for 1..99: 一, 十, 十二, 二十, 九十九. */
void api_numeral(int n, char *out, size_t size)
{
	static const char *const digit[] = { "",   "一", "二", "三", "四",
		                             "五", "六", "七", "八", "九" };

	if (n < 10)
		snprintf(out, size, "%s", digit[n % 10]);
	else
		snprintf(out, size, "%s十%s", n >= 20 ? digit[n / 10 % 10] : "", digit[n % 10]);
}

static int table_csv(struct api_ctx *c, const json_t *doc, const json_t *t, int number)
{
	const json_t *rows = json_object_get(t, "rows");
	bool sided = api_has_key(json_object_get(t, "columns"), "side");
	bool projects = api_has_key(rows, "project"), unplaced = api_has_key(rows, "unplaced");
	bool printed = api_has_key(rows, "boxes");
	struct api_jw w;
	bool unit_level = c->level != NULL && strcmp(c->level, "unit") == 0;
	char base[200], label[400], num[16];
	const char *unit = api_table_unit(doc, t);
	size_t n = json_array_size(rows);
	bool *parent = api_row_parents(rows);

	if (parent == NULL)
		return -1;
	api_jw_init(&w);
	api_csv_begin(&w);
	csv_header(&w, t, unit, sided, projects, unplaced, printed);
	for (size_t i = 0; i < n; i++)
		csv_row(&w, t, json_array_get(rows, i), sided, projects, unplaced, printed, unit,
		        parent[i]);
	free(parent);
	api_numeral(number, num, sizeof(num));
	snprintf(base, sizeof(base), "%s-%d-%s%s-table-%d", c->dept, c->year, c->kind,
	         unit_level ? "-unit" : "", number);
	snprintf(label, sizeof(label), "%s-%d-%s%s-表%s-%s", c->dept, c->year, c->kind,
	         unit_level ? "-unit" : "", num, str(t, "title"));
	api_csv_disposition(c->resp, base, label);
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

int api_table(struct api_ctx *c, json_t *doc, int number)
{
	const json_t *t = api_find_table(doc, number);

	if (t == NULL)
		return api_fail(c->resp, 404, "this disclosure has no table %d", number);
	if (c->format == API_CSV)
		return table_csv(c, doc, t, number);
	return table_json(c, doc, t, number);
}
