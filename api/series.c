// SPDX-License-Identifier: MIT
// /api/v1/departments/{id}/series: one figure of a department over the years (#14), a
// headline total, 三公 or one of its parts, 机关运行经费, or a table row by code, per year,
// kind and level, with the change from the previous year, in one unit converted exactly.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char json_utf8[] = "application/json; charset=utf-8";

/* Disclosures of one department, kind and level: at most 111 years x 2 kinds. */
#define MAX_POINTS 256

enum what {
	W_TOTAL, /* a headline total, always in 万元 as in the disclosure */
	W_SANGONG,
	W_OPERATING,
	W_ROW
};

struct spec {
	enum what what;
	const char *measure, *item; /* item: the 三公 part (abroad, ...), else NULL */
	const char *code, *table, *column, *kind, *level;
};

/* One disclosure's figure. */
struct point {
	int year;
	char kind[8], level[12];
	bool found;
	int64_t v; /* in unit, or 万元 for a total */
	char text[DB_DEC_BUFSZ]; /* as published ("" for a total: computed) */
	char unit[16]; /* the unit it was published in */
	char column[64]; /* the column read (rows), else "" */
	int64_t conv; /* v in the series' unit */
};

struct series {
	struct spec s;
	char name[512];
	struct point p[MAX_POINTS];
	size_t n;
};

static bool one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static const char *const totals[] = { "revenue", "expenditure", "basic", "project", NULL };
static const char *const sangong_items[] = { "abroad",           "vehicle",
	                                     "vehicle_purchase", "vehicle_operation",
	                                     "reception",        "meeting",
	                                     "training",         NULL };

#define MEASURES                                                                               \
	"revenue, expenditure, basic, project, sangong, sangong.{abroad, vehicle, "            \
	"vehicle_purchase, vehicle_operation, reception, meeting, training}, operating_costs " \
	"or row"

/* 3, 5 or 7 digits: a 类, 款 or 项 code. */
static bool is_code(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return s[n] == '\0' && (n == 3 || n == 5 || n == 7);
}

static int bad(struct api_ctx *c, const char *detail)
{
	return api_fail(c->resp, 400, "%s", detail) ? -1 : 400;
}

/* Reads and checks the parameters; 0, or 400 with the answer written (-1: memory). */
static int parse_spec(struct api_ctx *c, struct spec *s)
{
	const char *m = api_arg(c, "measure");

	*s = (struct spec){ .measure = m,
		            .code = api_arg(c, "code"),
		            .table = api_arg(c, "table"),
		            .column = api_arg(c, "column"),
		            .kind = api_arg(c, "kind"),
		            .level = c->level };
	if (m == NULL)
		return bad(c, "measure is required: " MEASURES);
	if (one_of(m, totals))
		s->what = W_TOTAL;
	else if (strcmp(m, "sangong") == 0)
		s->what = W_SANGONG;
	else if (strncmp(m, "sangong.", 8) == 0 && one_of(m + 8, sangong_items))
		s->what = W_SANGONG, s->item = m + 8;
	else if (strcmp(m, "operating_costs") == 0)
		s->what = W_OPERATING;
	else if (strcmp(m, "row") == 0)
		s->what = W_ROW;
	else
		return bad(c, "measure must be one of " MEASURES);
	if (s->kind != NULL && strcmp(s->kind, "budget") != 0 && strcmp(s->kind, "final") != 0)
		return bad(c, "kind must be budget or final");
	if (s->what != W_ROW && (s->code || s->table || s->column))
		return bad(c, "code, table and column go with measure=row");
	if (s->what == W_ROW && s->code == NULL)
		return bad(c, "measure=row needs code: a 类, 款 or 项 code (201, 20103, 2010301)");
	if (s->what == W_ROW && !is_code(s->code))
		return bad(c, "code must be a 类, 款 or 项 code of 3, 5 or 7 digits (201, 20103, "
		              "2010301)");
	if (s->table != NULL && db_table_type_find(s->table) == NULL)
		return bad(c, "table must be a table type of the registry (db/table_types.tsv), "
		              "such as budget_expenditure or final_expenditure");
	return 0;
}

static int add_disclosures(void *ctx, const struct db_department_detail *d)
{
	struct series *se = ctx;

	snprintf(se->name, sizeof(se->name), "%s", d->name);
	for (size_t i = 0; i < d->n_disclosures; i++) {
		const struct db_disclosure_ref *r = &d->disclosures[i];
		if ((se->s.kind && strcmp(r->kind, se->s.kind) != 0) ||
		    strcmp(r->level, se->s.level) != 0)
			continue;
		if (se->n == MAX_POINTS)
			break;
		struct point *p = &se->p[se->n++];
		p->year = r->year;
		snprintf(p->kind, sizeof(p->kind), "%s", r->kind);
		snprintf(p->level, sizeof(p->level), "%s", r->level);
	}
	return 0;
}

/* What a disclosure's export must hold for the figure. */
static bool only_table(const json_t *t, void *arg)
{
	return strcmp(api_table_type(t), (const char *)arg) == 0;
}

static const char *const totals_types[] = { "budget_summary", "final_summary", "budget_expenditure",
	                                    "final_expenditure", NULL };

static bool totals_table(const json_t *t, void *arg)
{
	(void)arg;
	return one_of(api_table_type(t), totals_types);
}

/* The table a row is read from: the one asked for, else the kind's expenditure table. */
static const char *row_table(const struct spec *s, const char *kind)
{
	if (s->table != NULL)
		return s->table;
	return strcmp(kind, "final") == 0 ? "final_expenditure" : "budget_expenditure";
}

static struct db_export_sel selection(const struct spec *s, const char *kind)
{
	switch (s->what) {
	case W_TOTAL:
		return (struct db_export_sel){ .parts = DB_PART_TABLES,
			                       .table_rows = totals_table };
	case W_SANGONG:
		return (struct db_export_sel){ .parts = DB_PART_SANGONG };
	case W_OPERATING:
		return (struct db_export_sel){ .parts = DB_PART_OPERATING_COSTS };
	default:
		return (struct db_export_sel){ .parts = DB_PART_TABLES,
			                       .table_rows = only_table,
			                       .arg = (void *)row_table(s, kind) };
	}
}

/* Keeps a stored figure (a decimal string) and its unit in p. */
static void keep(struct point *p, const json_t *fig, const char *unit)
{
	const char *text = api_dec_text(fig);

	if (text == NULL || unit == NULL || (!db_unit_known(unit) && strcmp(unit, "%") != 0) ||
	    !api_dec(fig, &p->v))
		return;
	snprintf(p->text, sizeof(p->text), "%s", text);
	snprintf(p->unit, sizeof(p->unit), "%s", unit);
	p->found = true;
}

/* 三公 or 机关运行经费: the figure of the kind (预算数 amount, 决算数 final). */
static void figure_of(struct point *p, const json_t *doc, const json_t *obj)
{
	const char *unit = json_string_value(json_object_get(obj, "unit"));
	const json_t *fig =
	    json_object_get(obj, strcmp(p->kind, "final") == 0 ? "final" : "amount");

	keep(p, fig, unit != NULL ? unit : json_string_value(json_object_get(doc, "unit")));
}

static void sangong_point(struct point *p, const json_t *doc, const char *item)
{
	const json_t *sg = json_object_get(doc, "sangong"), *it;
	size_t i;

	if (sg == NULL)
		return;
	if (item == NULL) {
		figure_of(p, doc, sg);
		return;
	}
	json_array_foreach (json_object_get(sg, "items"), i, it) {
		if (strcmp(json_string_value(json_object_get(it, "key")), item) != 0)
			continue;
		const json_t *fig =
		    json_object_get(it, strcmp(p->kind, "final") == 0 ? "final" : "amount");
		const char *unit = json_string_value(json_object_get(sg, "unit"));
		keep(p, fig, unit != NULL ? unit : json_string_value(json_object_get(doc, "unit")));
		return;
	}
}

/* The row's codes joined ("2010301"), or "" without codes. */
static void joined(const json_t *row, char *buf, size_t size)
{
	size_t i;
	json_t *part;

	buf[0] = '\0';
	json_array_foreach (json_object_get(row, "codes"), i, part)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s", json_string_value(part));
}

/* The column asked for, else the first in the kind's measure (or saying none). */
static const char *column_of(const json_t *t, const struct spec *s, const char *kind)
{
	size_t i;
	json_t *col;

	if (s->column != NULL)
		return s->column;
	json_array_foreach (json_object_get(t, "columns"), i, col) {
		const char *m = json_string_value(json_object_get(col, "measure"));
		if (m == NULL || strcmp(m, strcmp(kind, "final") == 0 ? "final" : "budget") == 0)
			return json_string_value(json_object_get(col, "key"));
	}
	return NULL;
}

static void row_point(struct point *p, const json_t *doc, const struct spec *s)
{
	const json_t *t =
	    api_find_table_type(doc, (const char *const[]){ row_table(s, p->kind), NULL });
	const char *key = t != NULL ? column_of(t, s, p->kind) : NULL;
	char code[16];
	size_t i;
	json_t *row;

	const char *unit = api_table_unit(doc, t);

	if (key == NULL)
		return;
	snprintf(p->column, sizeof(p->column), "%s", key);
	json_array_foreach (json_object_get(t, "columns"), i, row)
		if (strcmp(json_string_value(json_object_get(row, "key")), key) == 0 &&
		    api_percent_column(row))
			unit = "%"; /* a rate column: percent, whatever the table's unit */
	json_array_foreach (json_object_get(t, "rows"), i, row) {
		joined(row, code, sizeof(code));
		if (strcmp(code, s->code) != 0)
			continue;
		keep(p, json_object_get(json_object_get(row, "amounts"), key), unit);
		return;
	}
}

/* Reads one disclosure's figure into p; 0, or -1 with err filled. */
static int read_point(struct api_ctx *c, const struct spec *s, struct point *p,
                      struct db_error *err)
{
	struct db_export_sel sel = selection(s, p->kind);
	json_t *doc = db_export_part(c->db, c->dept, p->year, p->kind, p->level, &sel, err);
	const char *unit;

	if (doc == NULL)
		return -1;
	if (s->what == W_TOTAL && api_headline_total(doc, s->measure, &p->v, &unit)) {
		p->found = true;
		snprintf(p->unit, sizeof(p->unit), "%s", unit);
	} else if (s->what == W_SANGONG) {
		sangong_point(p, doc, s->item);
	} else if (s->what == W_OPERATING) {
		figure_of(p, doc, json_object_get(doc, "operating_costs"));
	} else if (s->what == W_ROW) {
		row_point(p, doc, s);
	}
	json_decref(doc);
	return 0;
}

/* The series' unit: 万元 for the headline totals (as the disclosure gives them); else the
 * figures' one unit; when they differ, 万元 if every figure converts to it exactly, else 元
 * (to which every figure converts exactly). Fills each point's conv. */
static bool convert_all(struct series *se, const char *unit)
{
	for (size_t i = 0; i < se->n; i++)
		if (se->p[i].found &&
		    db_unit_convert(se->p[i].v, se->p[i].unit, unit, &se->p[i].conv) != 0)
			return false;
	return true;
}

static const char *choose_unit(struct series *se)
{
	const char *unit = NULL;

	for (size_t i = 0; i < se->n; i++) {
		se->p[i].conv = se->p[i].v;
		if (se->p[i].found && unit == NULL)
			unit = se->p[i].unit;
		else if (se->p[i].found && strcmp(unit, se->p[i].unit) != 0)
			unit = "";
	}
	if (se->s.what == W_TOTAL || unit == NULL)
		return "万元";
	if (unit[0] != '\0' || convert_all(se, "万元"))
		return unit[0] != '\0' ? unit : "万元";
	if (convert_all(se, "元"))
		return "元";
	for (size_t i = 0; i < se->n; i++) /* overflow in 元: beyond any published figure */
		se->p[i].found = false;
	return "元";
}

/* The previous point of the same kind and level (an earlier year), or NULL. */
static const struct point *previous(const struct series *se, size_t i)
{
	for (size_t j = i; j-- > 0;)
		if (strcmp(se->p[j].kind, se->p[i].kind) == 0 &&
		    strcmp(se->p[j].level, se->p[i].level) == 0 && se->p[j].year < se->p[i].year)
			return &se->p[j];
	return NULL;
}

static void disclosure_url(const struct api_ctx *c, const struct point *p, char *buf, size_t size)
{
	snprintf(buf, size, "/api/v1/departments/%s/%ss/%d%s", c->dept, p->kind, p->year,
	         strcmp(p->level, "unit") == 0 ? "?level=unit" : "");
}

/* The figures of point i as text (value, change, percent; "" when none), in the series'
 * unit: a figure kept in its published unit keeps its published decimals. */
struct cells {
	char value[DB_DEC_BUFSZ], change[DB_DEC_BUFSZ], percent[DB_DEC_BUFSZ];
	int prev_year;
};

static void cells_of(const struct series *se, size_t i, const char *unit, struct cells *out)
{
	const struct point *p = &se->p[i], *q = previous(se, i);
	int64_t change, pct;
	bool has_pct;

	*out = (struct cells){ .prev_year = q != NULL ? q->year : 0 };
	if (!p->found)
		return;
	if (p->text[0] != '\0' && strcmp(p->unit, unit) == 0)
		snprintf(out->value, sizeof(out->value), "%s", p->text);
	else
		db_dec_format(p->conv, out->value);
	if (q == NULL || !q->found || db_change(q->conv, p->conv, &change, &pct, &has_pct) != 0)
		return;
	db_dec_format(change, out->change);
	if (has_pct)
		db_dec_format(pct, out->percent);
}

static void put_cell(struct api_jw *w, const char *key, const char *dec)
{
	api_jw_key(w, key);
	if (dec[0] == '\0')
		api_jw_null(w);
	else
		api_jw_dec_text(w, dec);
}

static void put_point(struct api_ctx *c, struct api_jw *w, const struct series *se, size_t i,
                      const char *unit)
{
	const struct point *p = &se->p[i];
	struct cells cl;
	char url[400];

	cells_of(se, i, unit, &cl);
	disclosure_url(c, p, url, sizeof(url));
	api_jw_obj(w);
	api_jw_kint(w, "year", p->year);
	api_jw_kstr(w, "kind", p->kind);
	api_jw_kstr(w, "level", p->level);
	put_cell(w, "value", cl.value);
	api_jw_kstr(w, "published_unit", p->found ? p->unit : NULL);
	api_jw_kstr(w, "column", p->column[0] != '\0' ? p->column : NULL);
	api_jw_key(w, "previous_year");
	if (cl.prev_year != 0)
		api_jw_int(w, cl.prev_year);
	else
		api_jw_null(w);
	put_cell(w, "change", cl.change);
	put_cell(w, "change_percent", cl.percent);
	api_jw_key(w, "links");
	api_jw_obj(w);
	api_jw_kstr(w, "disclosure", url);
	api_jw_end(w, '}');
	api_jw_end(w, '}');
}

/* self: the series' canonical URL (parameters in a fixed order, the default level left
 * out); with csv, format=csv added. */
static void self_url(const struct api_ctx *c, const struct spec *s, bool csv, char *buf,
                     size_t size)
{
	const char *names[] = { "measure", "code", "table", "column", "kind" };
	const char *values[] = { s->measure, s->code, s->table, s->column, s->kind };
	char enc[200];

	snprintf(buf, size, "/api/v1/departments/%s/series", c->dept);
	for (size_t i = 0; i < 5; i++) {
		if (values[i] == NULL)
			continue;
		api_pct_encode(enc, sizeof(enc), values[i]);
		snprintf(buf + strlen(buf), size - strlen(buf), "%c%s=%s",
		         strchr(buf, '?') ? '&' : '?', names[i], enc);
	}
	if (strcmp(s->level, "unit") == 0)
		snprintf(buf + strlen(buf), size - strlen(buf), "&level=unit");
	if (csv)
		snprintf(buf + strlen(buf), size - strlen(buf), "&format=csv");
}

static int put_json(struct api_ctx *c, const struct series *se, const char *unit)
{
	struct api_jw w;
	char url[600];
	bool from_seen;

	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_key(&w, "department");
	api_jw_obj(&w);
	api_jw_kstr(&w, "id", c->dept);
	api_jw_kstr(&w, "name", se->name);
	api_jw_end(&w, '}');
	api_jw_kstr(&w, "measure", se->s.measure);
	api_jw_kstr(&w, "code", se->s.code);
	api_jw_kstr(&w, "table", se->s.table);
	api_jw_kstr(&w, "column", se->s.column);
	api_jw_kstr(&w, "kind", se->s.kind);
	api_jw_kstr(&w, "level", se->s.level);
	api_jw_kstr(&w, "unit", unit);
	api_jw_key(&w, "converted_from");
	api_jw_arr(&w);
	for (size_t i = 0; i < se->n; i++) {
		from_seen = !se->p[i].found || strcmp(se->p[i].unit, unit) == 0;
		for (size_t j = 0; j < i && !from_seen; j++)
			from_seen = se->p[j].found && strcmp(se->p[j].unit, se->p[i].unit) == 0;
		if (!from_seen)
			api_jw_str(&w, se->p[i].unit);
	}
	api_jw_end(&w, ']');
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	for (size_t i = 0; i < se->n; i++)
		put_point(c, &w, se, i, unit);
	api_jw_end(&w, ']');
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	self_url(c, &se->s, false, url, sizeof(url));
	api_jw_kstr(&w, "self", url);
	self_url(c, &se->s, true, url, sizeof(url));
	api_jw_kstr(&w, "csv", url);
	snprintf(url, sizeof(url), "/api/v1/departments/%s", c->dept);
	api_jw_kstr(&w, "department", url);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	return api_ok(c, &w, json_utf8);
}

static int put_csv(struct api_ctx *c, const struct series *se, const char *unit)
{
	struct api_jw w;
	char head[3][64], year[16];
	struct cells cl;

	snprintf(head[0], sizeof(head[0]), "金额（%s）", unit);
	snprintf(head[1], sizeof(head[1]), "增减（%s）", unit);
	const char *cols[] = { "年度", "公开类型", "层级",  head[0],      "原单位",
		               "栏目", "上一年度", head[1], "增减率（%）" };
	api_jw_init(&w);
	api_csv_begin(&w);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		api_csv_text(&w, cols[i], i == 0);
	api_csv_end_row(&w);
	for (size_t i = 0; i < se->n; i++) {
		const struct point *p = &se->p[i];
		cells_of(se, i, unit, &cl);
		snprintf(year, sizeof(year), "%d", p->year);
		api_csv_number(&w, year, true);
		api_csv_text(&w, p->kind, false);
		api_csv_text(&w, p->level, false);
		api_csv_number(&w, cl.value, false);
		api_csv_text(&w, p->found ? p->unit : "", false);
		api_csv_text(&w, p->column, false);
		snprintf(head[2], sizeof(head[2]), "%d", cl.prev_year);
		api_csv_number(&w, cl.prev_year ? head[2] : "", false);
		api_csv_number(&w, cl.change, false);
		api_csv_number(&w, cl.percent, false);
		api_csv_end_row(&w);
	}
	snprintf(head[2], sizeof(head[2]), "series-%.40s", se->s.measure);
	api_csv_disposition(c->resp, head[2], "序列");
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

int api_series(struct api_ctx *c)
{
	struct series *se = calloc(1, sizeof(*se));
	struct db_error err = { 0 };
	const char *unit;
	int rc;

	if (se == NULL)
		return -1;
	if ((rc = parse_spec(c, &se->s)) != 0)
		goto done;
	if (db_department(c->db, c->dept, add_disclosures, se, &err) != 0) {
		rc = err.code == DB_NOT_FOUND
		         ? api_fail(c->resp, 404, "no department \"%s\"", c->dept)
		         : api_store_error(c->resp, &err);
		goto done;
	}
	if (se->n == 0) {
		rc = api_fail(c->resp, 404, "department \"%s\" has no %s disclosure at level %s",
		              c->dept, se->s.kind ? se->s.kind : "budget or final", se->s.level);
		goto done;
	}
	for (size_t i = 0; i < se->n; i++) {
		if (read_point(c, &se->s, &se->p[i], &err) != 0) {
			rc = api_store_error(c->resp, &err);
			goto done;
		}
	}
	unit = choose_unit(se);
	rc = c->format == API_CSV ? put_csv(c, se, unit) : put_json(c, se, unit);
	if (db_modified(c->db, NULL, 0, NULL, NULL, &c->resp->modified, &err) != 0)
		c->resp->modified = 0;
done:
	free(se);
	return rc < 0 ? -1 : 0;
}
