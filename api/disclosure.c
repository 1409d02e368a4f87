// SPDX-License-Identifier: MIT
// /api/v1/departments/{id}/{kind}/{year}: the disclosure without its tables and projects
// (overview, headline totals, explanations, other matters, glossary), and .../sangong.
// Every object keeps all its keys; what the disclosure does not publish is null.
#include "api.h"
#include "internal_api.h"
#include "read_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char json_utf8[] = "application/json; charset=utf-8";

static void put_department(struct api_jw *w, const json_t *doc)
{
	api_put_object(w, "department", json_object_get(doc, "department"),
	               API_FIELDS(T("id"), T("name"), T("short_name"), T("region"), T("parent")));
}

static void put_overview(struct api_jw *w, const json_t *doc)
{
	const json_t *ov = json_object_get(doc, "overview"),
	             *org = json_object_get(ov, "organization");

	api_jw_key(w, "overview");
	api_jw_obj(w);
	api_jw_key(w, "functions");
	api_put_texts(w, json_object_get(ov, "functions"));
	api_jw_key(w, "organization");
	if (org == NULL) {
		api_jw_null(w);
	} else {
		api_jw_obj(w);
		api_ktext(w, org, "text");
		api_kcount(w, org, "subordinate_units");
		api_kcount(w, org, "administrative_units");
		api_kcount(w, org, "institutional_units");
		api_jw_key(w, "internal_units");
		api_put_texts(w, json_object_get(org, "internal_units"));
		api_put_objects(w, "units", json_object_get(org, "units"),
		                API_FIELDS(T("name"), T("type"), T("note")));
		api_jw_end(w, '}');
	}
	api_put_objects(w, "staffing", json_object_get(ov, "staffing"),
	                API_FIELDS(T("category"), T("label"), C("count"), C("change")));
	api_jw_end(w, '}');
}

/* ---- headline totals: found by table type, converted exactly to 万元 ----
 * The rule reads a table's columns and one total row, given by either path (this file's
 * tree, disclosure_rows.c's rows) as an api_htable. */

static const char *const summary_types[] = { "budget_summary", "final_summary", NULL };
static const char *const summary_types_final[] = { "final_summary", "budget_summary", NULL };
static const char *const expenditure_types[] = { "budget_expenditure", "final_expenditure", NULL };
static const char *const expenditure_types_final[] = { "final_expenditure", "budget_expenditure",
	                                               NULL };

static bool is_summary(const char *key)
{
	return strcmp(key, "revenue") == 0 || strcmp(key, "expenditure") == 0;
}

const char *const *api_htable_types(const char *key, bool final)
{
	return is_summary(key) ? (final ? summary_types_final : summary_types)
	                       : (final ? expenditure_types_final : expenditure_types);
}

const char *api_htable_side(const char *key)
{
	return !is_summary(key) ? NULL : strcmp(key, "revenue") == 0 ? "income" : "expenditure";
}

/* The figure of column key in the row, if it parses. */
static bool row_figure(const struct api_htable *h, const char *key, int64_t *out)
{
	for (size_t i = 0; key != NULL && i < h->n_figs; i++)
		if (h->figs[i].key != NULL && strcmp(h->figs[i].key, key) == 0)
			return h->figs[i].text != NULL &&
			       db_dec_parse(h->figs[i].text, true, out) == 0;
	return false;
}

/* A figure of a total row: the first column (on the row's side) that holds slice (basic,
 * project; NULL for any) in the kind's measure (预算数 of a budget, 决算数 of a final),
 * else the first of slice in any measure. Columns are taken in published order, so the
 * total column comes first. Keys are slice or slice_measure (contract: total_final). */
static bool total_figure(const struct api_htable *h, const char *slice, const char *measure,
                         int64_t *out)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < h->n_cols; i++) {
			const struct api_hcol *col = &h->cols[i];
			if (h->side != NULL &&
			    (col->side == NULL || strcmp(col->side, h->side) != 0))
				continue;
			if (!db_column_is(col->key, col->measure, slice,
			                  pass == 0 ? measure : NULL))
				continue;
			if (row_figure(h, col->key, out))
				return true;
		}
	}
	return false;
}

bool api_htable_total(const struct api_htable *h, const char *key, bool final, int64_t *wan)
{
	int64_t v;

	return total_figure(h, is_summary(key) ? NULL : key, final ? "final" : "budget", &v) &&
	       api_to_wan(v, h->unit, wan);
}

/* The last total row of a table (on a side, if given), or NULL. */
static const json_t *last_total(const json_t *t, const char *side)
{
	const json_t *found = NULL;
	size_t i;
	json_t *r;

	json_array_foreach (json_object_get(t, "rows"), i, r) {
		const char *s = json_string_value(json_object_get(r, "side"));
		const char *kind = json_string_value(json_object_get(r, "kind"));
		if (kind != NULL && strcmp(kind, "total") == 0 &&
		    (side == NULL || (s != NULL && strcmp(s, side) == 0)))
			found = r;
	}
	return found;
}

/* The api_htable of table t's total row: its columns and figures borrowed from the tree
 * into two malloc'd arrays (h->cols, h->figs) the caller frees. false when out of memory. */
static bool tree_htable(const json_t *t, const json_t *row, struct api_htable *h)
{
	struct api_hcol *cols =
	    calloc(json_array_size(json_object_get(t, "columns")) + 1, sizeof(*cols));
	struct api_hfig *figs =
	    calloc(json_object_size(json_object_get(row, "amounts")) + 1, sizeof(*figs));
	const char *key;
	size_t i;
	json_t *col, *v;

	h->cols = cols;
	h->figs = figs;
	h->n_cols = h->n_figs = 0;
	h->side = json_string_value(json_object_get(row, "side"));
	if (cols == NULL || figs == NULL)
		return false;
	json_array_foreach (json_object_get(t, "columns"), i, col)
		cols[h->n_cols++] = (struct api_hcol){
			json_string_value(json_object_get(col, "key")),
			json_string_value(json_object_get(col, "side")),
			json_string_value(json_object_get(col, "measure")),
		};
	json_object_foreach ((json_t *)json_object_get(row, "amounts"), key, v)
		figs[h->n_figs++] = (struct api_hfig){ key, json_string_value(v) };
	return true;
}

bool api_headline_total(const json_t *doc, const char *key, int64_t *wan, const char **unit)
{
	bool final = strcmp(json_string_value(json_object_get(doc, "kind")), "final") == 0;
	const json_t *t = api_find_table_type(doc, api_htable_types(key, final));
	const json_t *row = t != NULL ? last_total(t, api_htable_side(key)) : NULL;
	struct api_htable h = { .unit = api_table_unit(doc, t) };
	bool found;

	*unit = h.unit;
	if (row == NULL)
		return false;
	found = tree_htable(t, row, &h) && api_htable_total(&h, key, final, wan);
	free((void *)h.cols);
	free((void *)h.figs);
	return found;
}

/* The units that figures were converted from, each once. */
struct totals {
	const char *from[4];
	size_t n;
};

/* key: the figure in 万元, or null when the table, row or figure is not published. */
static void put_total(struct api_jw *w, struct totals *tt, const char *key,
                      bool (*total)(const void *, const char *, int64_t *, const char **),
                      const void *src)
{
	const char *unit;
	int64_t wan;

	api_jw_key(w, key);
	if (!total(src, key, &wan, &unit)) {
		api_jw_null(w);
		return;
	}
	api_jw_dec(w, wan);
	if (strcmp(unit, "万元") == 0)
		return;
	for (size_t i = 0; i < tt->n; i++)
		if (strcmp(tt->from[i], unit) == 0)
			return;
	tt->from[tt->n++] = unit; /* at most one per figure: 4 */
}

void api_put_totals(struct api_jw *w,
                    bool (*total)(const void *, const char *, int64_t *, const char **),
                    const void *src)
{
	struct totals tt = { { NULL }, 0 };

	api_jw_key(w, "totals");
	api_jw_obj(w);
	put_total(w, &tt, "revenue", total, src);
	put_total(w, &tt, "expenditure", total, src);
	put_total(w, &tt, "basic", total, src);
	put_total(w, &tt, "project", total, src);
	api_jw_kstr(w, "unit", "万元");
	api_jw_key(w, "converted_from");
	api_jw_arr(w);
	for (size_t i = 0; i < tt.n; i++)
		api_jw_str(w, tt.from[i]);
	api_jw_end(w, ']');
	api_jw_end(w, '}');
}

static bool tree_total(const void *doc, const char *key, int64_t *wan, const char **unit)
{
	return api_headline_total(doc, key, wan, unit);
}

/* "printed": where obj was printed (#18): its box, else its page alone (a section's). */
static void put_printed(struct api_jw *w, const json_t *obj)
{
	const json_t *page = json_object_get(obj, "page");
	struct db_box b;

	api_box_of(json_object_get(obj, "box"), &b);
	if (b.page < 1 && json_is_integer(page))
		b.page = (int)json_integer_value(page);
	api_jw_key(w, "printed");
	api_put_printed(w, &b);
}

static void put_figure(struct api_jw *w, const json_t *f)
{
	api_jw_obj(w);
	api_ktext(w, f, "label");
	api_kcodes(w, f);
	api_kdec(w, f, "amount");
	api_kdec(w, f, "share");
	api_kdec(w, f, "change");
	api_kdec(w, f, "change_percent");
	api_ktext(w, f, "reason");
	api_ktext(w, f, "detail");
	put_printed(w, f);
	api_jw_end(w, '}');
}

static void put_explanations(struct api_jw *w, const json_t *doc)
{
	size_t i, k;
	json_t *s, *f;

	api_jw_key(w, "explanations");
	api_jw_arr(w);
	json_array_foreach (json_object_get(doc, "explanations"), i, s) {
		api_jw_obj(w);
		api_ktext(w, s, "key");
		api_ktext(w, s, "number");
		api_ktext(w, s, "title");
		put_printed(w, s);
		api_jw_key(w, "paragraphs");
		api_put_texts(w, json_object_get(s, "paragraphs"));
		api_jw_key(w, "figures");
		api_jw_arr(w);
		json_array_foreach (json_object_get(s, "figures"), k, f)
			put_figure(w, f);
		api_jw_end(w, ']');
		api_jw_end(w, '}');
	}
	api_jw_end(w, ']');
}

static void put_assets(struct api_jw *w, const json_t *doc)
{
	const json_t *a = json_object_get(doc, "assets");

	api_jw_key(w, "assets");
	if (a == NULL) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	api_ktext(w, a, "as_of");
	api_kdec(w, a, "building_area");
	api_kdec(w, a, "building_value");
	api_put_objects(w, "vehicles", json_object_get(a, "vehicles"),
	                API_FIELDS(T("kind"), T("label"), C("count"), D("value")));
	api_kdec(w, a, "furniture_value");
	api_kdec(w, a, "other_value");
	api_kcount(w, a, "equipment_over_50");
	api_kcount(w, a, "equipment_over_100");
	api_kdec(w, a, "planned_vehicle_purchase");
	api_kcount(w, a, "planned_equipment_over_50");
	api_kcount(w, a, "planned_equipment_over_100");
	api_kcount(w, a, "planned_vehicles");
	api_jw_end(w, '}');
}

bool api_keeps_pdf(const struct api_ctx *c, const char *sha256)
{
	char name[80];

	if (sha256 == NULL || strlen(sha256) != 64)
		return false;
	snprintf(name, sizeof(name), "%s.pdf", sha256);
	return db_keeps_file(c->db, name);
}

void api_disclosure_links(struct api_jw *w, const struct api_ctx *c, bool has_sangong,
                          const char *sha256)
{
	char url[400];

	api_jw_key(w, "links");
	api_jw_obj(w);
	api_url(c, url, sizeof(url), "", false);
	api_jw_kstr(w, "self", url);
	snprintf(url, sizeof(url), "/api/v1/departments/%s", c->dept);
	api_jw_kstr(w, "department", url);
	api_url(c, url, sizeof(url), "/tables", false);
	api_jw_kstr(w, "tables", url);
	api_url(c, url, sizeof(url), "/projects", false);
	api_jw_kstr(w, "projects", url);
	api_url(c, url, sizeof(url), "/sangong", false);
	api_jw_kstr(w, "sangong", has_sangong ? url : NULL);
	/* only when kept: a link is never a 404 (a key added in 1.9.0) */
	if (api_keeps_pdf(c, sha256)) {
		api_url(c, url, sizeof(url), "/source.pdf", false);
		api_jw_kstr(w, "source_pdf", url);
	}
	api_jw_end(w, '}');
}

int api_disclosure(struct api_ctx *c, json_t *doc)
{
	struct api_jw w;
	int rc;

	api_jw_init(&w);
	api_jw_obj(&w);
	put_department(&w, doc);
	api_jw_kint(&w, "year", json_integer_value(json_object_get(doc, "year")));
	api_ktext(&w, doc, "kind");
	api_ktext(&w, doc, "title");
	api_jw_kstr(&w, "level", c->level);
	api_ktext(&w, doc, "published");
	api_ktext(&w, doc, "unit");
	api_put_object(
	    &w, "source", json_object_get(doc, "source"),
	    API_FIELDS(T("document"), T("file"), T("url"), T("notes"), T("sha256"), C("pages")));
	put_overview(&w, doc);
	api_put_totals(&w, tree_total, doc);
	put_explanations(&w, doc);
	api_put_object(&w, "operating_costs", json_object_get(doc, "operating_costs"),
	               API_FIELDS(D("amount"), D("budget"), D("final"), D("change"),
	                          D("change_percent"), T("reason"), C("administrative_units"),
	                          C("institutional_units"), T("unit")));
	api_put_object(&w, "procurement", json_object_get(doc, "procurement"),
	               API_FIELDS(D("amount"), D("goods"), D("works"), D("services"),
	                          D("sme_reserved"), D("small_micro_reserved")));
	put_assets(&w, doc);
	api_put_object(&w, "performance", json_object_get(doc, "performance"),
	               API_FIELDS(C("project_count"), D("amount"), T("text")));
	api_put_object(
	    &w, "withheld", json_object_get(doc, "withheld"),
	    API_FIELDS(C("count"), D("amount"), T("legal_source"), T("basis"), T("text")));
	api_put_objects(&w, "glossary", json_object_get(doc, "glossary"),
	                API_FIELDS(T("number"), T("term"), T("definition")));
	if ((rc = api_audit_summary(c, &w)) != 0) {
		free(api_jw_finish(&w, NULL));
		return rc < 0 ? -1 : 0;
	}
	api_disclosure_links(
	    &w, c, json_object_get(doc, "sangong") != NULL,
	    json_string_value(json_object_get(json_object_get(doc, "source"), "sha256")));
	api_jw_end(&w, '}');
	return api_ok(c, &w, json_utf8);
}

/* amount - change, exactly; null when either is missing. The difference of two printed
 * figures is printed with as many decimals as the finer of them (867.50 - 0 is 867.50,
 * beside the published 867.50), never rounded. */
bool api_sangong_prior(const json_t *obj, char buf[static DB_DEC_BUFSZ])
{
	const json_t *a = json_object_get(obj, "amount"), *c = json_object_get(obj, "change");
	int64_t amount, change;
	int dp;

	if (!api_dec(a, &amount) || !api_dec(c, &change))
		return false;
	dp = db_dec_places(json_string_value(a));
	if (db_dec_places(json_string_value(c)) > dp)
		dp = db_dec_places(json_string_value(c));
	db_dec_format_dp(amount - change, dp, buf);
	return true;
}

/* A computed figure under key: text(obj) when it has one, else null. */
static void put_computed(struct api_jw *w, const char *key, const json_t *obj,
                         bool (*text)(const json_t *, char[static DB_DEC_BUFSZ]))
{
	char buf[DB_DEC_BUFSZ];

	api_jw_key(w, key);
	if (text(obj, buf))
		api_jw_dec_text(w, buf);
	else
		api_jw_null(w);
}

/* 完成率: final / budget in percent, rounded half away from zero to 0.01, in integers;
 * false without both figures or with a zero budget. */
bool api_sangong_completion(const json_t *obj, char buf[static DB_DEC_BUFSZ])
{
	int64_t budget, final;
	__int128 num, den;

	if (!api_dec(json_object_get(obj, "budget"), &budget) ||
	    !api_dec(json_object_get(obj, "final"), &final) || budget == 0)
		return false;
	/* hundredths of a percent = final * 10000 / budget, rounded */
	num = (__int128) final * 10000 * 2;
	den = (__int128)budget * 2;
	if (den < 0) {
		num = -num;
		den = -den;
	}
	num += num < 0 ? -den / 2 : den / 2;
	db_dec_format((int64_t)(num / den) * 10000, buf);
	return true;
}

/* The figures of the 三公 object and of each item. */
static void put_sangong_figures(struct api_jw *w, const json_t *obj)
{
	api_kdec(w, obj, "amount");
	api_kdec(w, obj, "change");
	put_computed(w, "prior_year", obj, api_sangong_prior);
	api_kdec(w, obj, "budget");
	api_kdec(w, obj, "final");
	put_computed(w, "completion", obj, api_sangong_completion);
}

static const char *const sangong_types[] = { "budget_sangong", "final_sangong", NULL };

/* One line per item (the total is not a line, so that a column sums to it): 键, 项目, then
 * the figures with the unit in each header as the table CSVs write it, and 原因. */
static int sangong_csv(struct api_ctx *c, const json_t *sg, const char *unit)
{
	static const char *const figures[] = { "amount", "prior_year", "change",
		                               "budget", "final",      "completion" };
	static const char *const titles[] = { "金额", "上年数", "增减", "预算数", "决算数" };
	struct api_jw w;
	char head[160], buf[DB_DEC_BUFSZ], base[200], label[200];
	size_t i;
	json_t *it;

	api_jw_init(&w);
	api_csv_begin(&w);
	api_csv_text(&w, "键", true);
	api_csv_text(&w, "项目", false);
	for (size_t k = 0; k < sizeof(titles) / sizeof(titles[0]); k++) {
		snprintf(head, sizeof(head), "%s（%s）", titles[k], unit != NULL ? unit : "");
		api_csv_text(&w, head, false);
	}
	api_csv_text(&w, "完成率（%）", false);
	api_csv_text(&w, "原因", false);
	api_csv_end_row(&w);
	json_array_foreach (json_object_get(sg, "items"), i, it) {
		api_csv_text(&w, json_string_value(json_object_get(it, "key")), true);
		api_csv_text(&w, json_string_value(json_object_get(it, "label")), false);
		for (size_t k = 0; k < sizeof(figures) / sizeof(figures[0]); k++) {
			const char *v = api_dec_text(json_object_get(it, figures[k]));
			if (k == 1)
				v = api_sangong_prior(it, buf) ? buf : NULL;
			else if (k == 5)
				v = api_sangong_completion(it, buf) ? buf : NULL;
			api_csv_number(&w, v, false);
		}
		api_csv_text(&w, json_string_value(json_object_get(it, "reason")), false);
		api_csv_end_row(&w);
	}
	snprintf(base, sizeof(base), "%s-%d-%s%s-sangong", c->dept, c->year, c->kind,
	         c->level != NULL && strcmp(c->level, "unit") == 0 ? "-unit" : "");
	snprintf(label, sizeof(label), "%s-%d-%s%s-三公经费", c->dept, c->year, c->kind,
	         c->level != NULL && strcmp(c->level, "unit") == 0 ? "-unit" : "");
	api_csv_disposition(c->resp, base, label);
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

int api_sangong(struct api_ctx *c, json_t *doc)
{
	const json_t *sg = json_object_get(doc, "sangong");
	const json_t *table = api_find_table_type(doc, sangong_types);
	const char *unit = json_string_value(json_object_get(sg, "unit"));
	struct api_jw w;
	char url[400], path[32];
	size_t i;
	json_t *it;

	if (sg == NULL)
		return api_fail(c->resp, 404, "this disclosure publishes no 三公 figures");
	if (unit == NULL)
		unit = json_string_value(json_object_get(doc, "unit"));
	if (c->format == API_CSV)
		return sangong_csv(c, sg, unit);
	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_kstr(&w, "unit", unit);
	put_sangong_figures(&w, sg);
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	json_array_foreach (json_object_get(sg, "items"), i, it) {
		api_jw_obj(&w);
		api_ktext(&w, it, "key");
		api_ktext(&w, it, "label");
		put_sangong_figures(&w, it);
		api_ktext(&w, it, "reason");
		api_jw_end(&w, '}');
	}
	api_jw_end(&w, ']');
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	api_url(c, url, sizeof(url), "/sangong", false);
	api_jw_kstr(&w, "self", url);
	snprintf(path, sizeof(path), "/tables/%d", api_table_position(table));
	api_url(c, url, sizeof(url), path, false);
	api_jw_kstr(&w, "table", table != NULL ? url : NULL);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	return api_ok(c, &w, json_utf8);
}
