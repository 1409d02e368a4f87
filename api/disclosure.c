// SPDX-License-Identifier: MIT
// /api/v1/departments/{id}/{kind}/{year}: the disclosure without its tables and projects
// (overview, headline totals, explanations, other matters, glossary), and .../sangong.
// Every object keeps all its keys; what the disclosure does not publish is null.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
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
		api_jw_key(w, "internal_units");
		api_put_texts(w, json_object_get(org, "internal_units"));
		api_jw_end(w, '}');
	}
	api_put_objects(w, "staffing", json_object_get(ov, "staffing"),
	                API_FIELDS(T("category"), T("label"), C("count"), C("change")));
	api_jw_end(w, '}');
}

/* The amounts of the last total row of a table (on a side, if given). */
static const json_t *total_amounts(const json_t *doc, int number, const char *side)
{
	const json_t *found = NULL;
	size_t i;
	json_t *r;

	json_array_foreach (json_object_get(api_find_table(doc, number), "rows"), i, r) {
		const char *s = json_string_value(json_object_get(r, "side"));
		const char *kind = json_string_value(json_object_get(r, "kind"));
		if (kind != NULL && strcmp(kind, "total") == 0 &&
		    (side == NULL || (s != NULL && strcmp(s, side) == 0)))
			found = json_object_get(r, "amounts");
	}
	return found;
}

/* The first figure of a total row: the total column comes first in every standard table. */
static void put_first(struct api_jw *w, const char *key, const json_t *amounts, const char *col)
{
	const char *k;
	json_t *v;
	int64_t x;

	api_jw_key(w, key);
	if (col != NULL) {
		api_put_dec(w, amounts, col);
		return;
	}
	json_object_foreach ((json_t *)amounts, k, v) {
		if (api_dec(v, &x)) {
			api_jw_dec(w, x);
			return;
		}
	}
	api_jw_null(w);
}

static void put_totals(struct api_jw *w, const json_t *doc)
{
	const json_t *t3 = total_amounts(doc, 3, NULL);

	api_jw_key(w, "totals");
	api_jw_obj(w);
	put_first(w, "revenue", total_amounts(doc, 1, "income"), NULL);
	put_first(w, "expenditure", total_amounts(doc, 1, "expenditure"), NULL);
	put_first(w, "basic", t3, "basic");
	put_first(w, "project", t3, "project");
	api_jw_end(w, '}');
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
	api_jw_end(w, '}');
}

static void put_links(struct api_jw *w, struct api_ctx *c, const json_t *doc)
{
	char url[400];

	api_jw_key(w, "links");
	api_jw_obj(w);
	api_jw_kstr(w, "self", c->base);
	snprintf(url, sizeof(url), "/api/v1/departments/%s", c->dept);
	api_jw_kstr(w, "department", url);
	snprintf(url, sizeof(url), "%s/tables", c->base);
	api_jw_kstr(w, "tables", url);
	snprintf(url, sizeof(url), "%s/projects", c->base);
	api_jw_kstr(w, "projects", url);
	snprintf(url, sizeof(url), "%s/sangong", c->base);
	api_jw_kstr(w, "sangong", json_object_get(doc, "sangong") ? url : NULL);
	api_jw_end(w, '}');
}

int api_disclosure(struct api_ctx *c, json_t *doc)
{
	struct api_jw w;

	api_jw_init(&w);
	api_jw_obj(&w);
	put_department(&w, doc);
	api_jw_kint(&w, "year", json_integer_value(json_object_get(doc, "year")));
	api_ktext(&w, doc, "kind");
	api_ktext(&w, doc, "title");
	api_ktext(&w, doc, "published");
	api_ktext(&w, doc, "unit");
	api_put_object(&w, "source", json_object_get(doc, "source"),
	               API_FIELDS(T("document"), T("file"), T("url"), T("notes")));
	put_overview(&w, doc);
	put_totals(&w, doc);
	put_explanations(&w, doc);
	api_put_object(&w, "operating_costs", json_object_get(doc, "operating_costs"),
	               API_FIELDS(D("amount"), D("change"), D("change_percent"), T("reason"),
	                          C("administrative_units"), C("institutional_units")));
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
	put_links(&w, c, doc);
	api_jw_end(&w, '}');
	return api_ok(c, &w, json_utf8);
}

/* amount - change, exactly; null when either is missing. */
static void put_prior(struct api_jw *w, const json_t *obj)
{
	int64_t amount, change;

	api_jw_key(w, "prior_year");
	if (api_dec(json_object_get(obj, "amount"), &amount) &&
	    api_dec(json_object_get(obj, "change"), &change))
		api_jw_dec(w, amount - change);
	else
		api_jw_null(w);
}

int api_sangong(struct api_ctx *c, json_t *doc)
{
	const json_t *sg = json_object_get(doc, "sangong");
	struct api_jw w;
	char url[400];
	size_t i;
	json_t *it;

	if (sg == NULL)
		return api_fail(c->resp, 404, "this disclosure publishes no 三公 figures");
	api_jw_init(&w);
	api_jw_obj(&w);
	api_ktext(&w, doc, "unit");
	api_kdec(&w, sg, "amount");
	api_kdec(&w, sg, "change");
	put_prior(&w, sg);
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	json_array_foreach (json_object_get(sg, "items"), i, it) {
		api_jw_obj(&w);
		api_ktext(&w, it, "key");
		api_ktext(&w, it, "label");
		api_kdec(&w, it, "amount");
		api_kdec(&w, it, "change");
		put_prior(&w, it);
		api_ktext(&w, it, "reason");
		api_jw_end(&w, '}');
	}
	api_jw_end(&w, ']');
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	snprintf(url, sizeof(url), "%s/sangong", c->base);
	api_jw_kstr(&w, "self", url);
	snprintf(url, sizeof(url), "%s/tables/8", c->base);
	api_jw_kstr(&w, "table", api_find_table(doc, 8) ? url : NULL);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	return api_ok(c, &w, json_utf8);
}
