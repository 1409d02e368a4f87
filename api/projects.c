// SPDX-License-Identifier: MIT
// Projects: .../projects (every project in full, or a CSV summary) and .../projects/{id}.
// Withheld projects (不予公开) are listed as published: no name, their amount, and the
// legal basis for withholding.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <string.h>

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static void put_allocation(struct api_jw *w, const json_t *a)
{
	api_jw_key(w, "allocation");
	if (a == NULL) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	api_ktext(w, a, "text");
	api_put_objects(w, "items", json_object_get(a, "items"),
	                API_FIELDS(T("item"), D("amount")));
	api_jw_end(w, '}');
}

static void put_performance(struct api_jw *w, const json_t *p)
{
	api_jw_key(w, "performance");
	if (p == NULL) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	api_kdec(w, p, "funding_total");
	api_kdec(w, p, "funding_fiscal");
	api_kdec(w, p, "funding_other");
	api_ktext(w, p, "objective");
	api_put_objects(w, "indicators", json_object_get(p, "indicators"),
	                API_FIELDS(T("level1"), T("level2"), T("name"), T("value"), T("op"),
	                           D("number"), T("unit")));
	api_jw_end(w, '}');
}

static void put_project(struct api_ctx *c, struct api_jw *w, const json_t *doc, const json_t *p)
{
	bool withheld = json_is_true(json_object_get(p, "withheld"));
	const json_t *wh = json_object_get(doc, "withheld");
	char self[400], path[120];

	api_jw_obj(w);
	api_ktext(w, p, "id");
	api_ktext(w, p, "name");
	api_ktext(w, p, "table_name");
	api_jw_key(w, "withheld");
	api_jw_bool(w, withheld);
	api_jw_kstr(w, "legal_basis", withheld ? str(wh, "legal_source") : NULL);
	api_kcodes(w, p);
	api_kdec(w, p, "amount");
	api_ktext(w, doc, "unit");
	api_put_dec_map(w, "economic", json_object_get(p, "economic"));
	api_ktext(w, p, "policy_basis");
	api_ktext(w, p, "executing_unit");
	api_ktext(w, p, "period");
	put_allocation(w, json_object_get(p, "allocation"));
	put_performance(w, json_object_get(p, "performance"));
	api_kdec(w, p, "self_evaluation");
	snprintf(path, sizeof(path), "/projects/%.100s", str(p, "id"));
	api_url(c, self, sizeof(self), path, false);
	api_jw_key(w, "links");
	api_jw_obj(w);
	api_jw_kstr(w, "self", self);
	api_jw_end(w, '}');
	api_jw_end(w, '}');
}

static int projects_json(struct api_ctx *c, const json_t *doc)
{
	struct api_jw w;
	char url[420];
	size_t i;
	json_t *p;

	api_jw_init(&w);
	api_jw_obj(&w);
	api_ktext(&w, doc, "unit");
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	json_array_foreach (json_object_get(doc, "projects"), i, p)
		put_project(c, &w, doc, p);
	api_jw_end(&w, ']');
	api_put_object(
	    &w, "withheld", json_object_get(doc, "withheld"),
	    API_FIELDS(C("count"), D("amount"), T("legal_source"), T("basis"), T("text")));
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	api_url(c, url, sizeof(url), "/projects", false);
	api_jw_kstr(&w, "self", url);
	api_url(c, url, sizeof(url), "/projects", true);
	api_jw_kstr(&w, "csv", url);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	return api_ok(c, &w, "application/json; charset=utf-8");
}

static int projects_csv(struct api_ctx *c, const json_t *doc)
{
	static const char *const head[] = { "项目编号", "项目名称", "不予公开", "科目编码",
		                            NULL,       "执行单位", "执行期限", "绩效指标数" };
	const char *unit = str(doc, "unit");
	struct api_jw w;
	char base[200], label[200], buf[64];
	size_t i, k;
	json_t *p, *v, *perf;

	api_jw_init(&w);
	api_csv_begin(&w);
	for (k = 0; k < sizeof(head) / sizeof(head[0]); k++) {
		/* the amount's header says its unit, 金额（万元）, as tables' do */
		snprintf(buf, sizeof(buf), "金额（%.40s）", unit != NULL ? unit : "");
		api_csv_text(&w, head[k] != NULL ? head[k] : buf, k == 0);
	}
	api_csv_end_row(&w);
	json_array_foreach (json_object_get(doc, "projects"), i, p) {
		char code[16] = "";
		api_csv_text(&w, str(p, "id"), true);
		api_csv_text(&w, str(p, "name"), false);
		api_csv_text(&w, json_is_true(json_object_get(p, "withheld")) ? "是" : "否", false);
		json_array_foreach (json_object_get(p, "codes"), k, v)
			strncat(code, json_string_value(v), sizeof(code) - strlen(code) - 1);
		api_csv_text(&w, code, false);
		api_csv_number(&w, api_dec_text(json_object_get(p, "amount")), false);
		api_csv_text(&w, str(p, "executing_unit"), false);
		api_csv_text(&w, str(p, "period"), false);
		perf = json_object_get(p, "performance");
		buf[0] = '\0';
		if (perf != NULL) /* blank, not 0, when no target table is published */
			snprintf(buf, sizeof(buf), "%zu",
			         json_array_size(json_object_get(perf, "indicators")));
		api_csv_number(&w, buf, false);
		api_csv_end_row(&w);
	}
	snprintf(base, sizeof(base), "%s-%d-%s-projects", c->dept, c->year, c->kind);
	snprintf(label, sizeof(label), "%s-%d-%s-项目", c->dept, c->year, c->kind);
	api_csv_disposition(c->resp, base, label);
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

int api_projects(struct api_ctx *c, json_t *doc)
{
	return c->format == API_CSV ? projects_csv(c, doc) : projects_json(c, doc);
}

/* One line per performance indicator (绩效指标) of project p: 一级指标, 二级指标, 三级指标,
 * 指标值 as published, then its parts 符号, 数值 and 单位; only the header line when the project
 * publishes no performance table (withheld projects). */
static int project_csv(struct api_ctx *c, const json_t *p)
{
	static const char *const head[] = { "一级指标", "二级指标", "三级指标", "指标值",
		                            "符号",     "数值",     "单位" };
	bool unit_level = c->level != NULL && strcmp(c->level, "unit") == 0;
	struct api_jw w;
	char base[200], label[400];
	size_t i;
	json_t *ind;

	api_jw_init(&w);
	api_csv_begin(&w);
	for (size_t k = 0; k < sizeof(head) / sizeof(head[0]); k++)
		api_csv_text(&w, head[k], k == 0);
	api_csv_end_row(&w);
	json_array_foreach (json_object_get(json_object_get(p, "performance"), "indicators"), i,
	                    ind) {
		api_csv_text(&w, str(ind, "level1"), true);
		api_csv_text(&w, str(ind, "level2"), false);
		api_csv_text(&w, str(ind, "name"), false);
		api_csv_text(&w, str(ind, "value"), false);
		api_csv_text(&w, str(ind, "op"), false);
		api_csv_number(&w, api_dec_text(json_object_get(ind, "number")), false);
		api_csv_text(&w, str(ind, "unit"), false);
		api_csv_end_row(&w);
	}
	snprintf(base, sizeof(base), "%s-%d-%s%s-project-%s-indicators", c->dept, c->year, c->kind,
	         unit_level ? "-unit" : "", str(p, "id"));
	snprintf(label, sizeof(label), "%s-%d-%s%s-%s-绩效指标", c->dept, c->year, c->kind,
	         unit_level ? "-unit" : "", str(p, "name") != NULL ? str(p, "name") : str(p, "id"));
	api_csv_disposition(c->resp, base, label);
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

int api_project(struct api_ctx *c, json_t *doc, const char *id)
{
	struct api_jw w;
	size_t i;
	json_t *p;

	json_array_foreach (json_object_get(doc, "projects"), i, p) {
		if (strcmp(str(p, "id"), id) != 0)
			continue;
		if (c->format == API_CSV)
			return project_csv(c, p);
		api_jw_init(&w);
		put_project(c, &w, doc, p);
		return api_ok(c, &w, "application/json; charset=utf-8");
	}
	return api_fail(c->resp, 404, "no project \"%.100s\" in this disclosure", id);
}
