// SPDX-License-Identifier: MIT
// 核对 (issue 12): what the audit rules found, as stored with each disclosure.
// .../{kind}/{year}/audit (JSON or CSV), /api/v1/audit across the store (filtered, paged),
// and the summary the disclosure answer carries. Every finding is written in one closed
// shape, whatever else the engine put in it.
#include "api.h"
#include "internal_api.h"
#include "read_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_MAX 500

static const char json_utf8[] = "application/json; charset=utf-8";

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* "301" for codes given as a string, "30101" for codes given split; NULL without. */
static const char *codes_of(const json_t *row, char *buf, size_t size)
{
	const json_t *codes = json_object_get(row, "codes");
	size_t i;
	json_t *c;

	if (json_is_string(codes))
		return json_string_value(codes);
	if (!json_is_array(codes) || json_array_size(codes) == 0)
		return NULL;
	buf[0] = '\0';
	json_array_foreach (codes, i, c)
		if (json_is_string(c))
			strncat(buf, json_string_value(c), size - strlen(buf) - 1);
	return buf;
}

/* A box coordinate: a whole number, or a number of at most 2 decimals (hundredths). */
static void put_coord(struct api_jw *w, const json_t *n)
{
	if (json_is_integer(n))
		api_jw_int(w, json_integer_value(n));
	else if (json_is_real(n))
		api_jw_dec(
		    w, (int64_t)(json_real_value(n) * 100 + (json_real_value(n) < 0 ? -0.5 : 0.5)) *
		           10000);
	else
		api_jw_null(w);
}

static void put_place(struct api_jw *w, const json_t *p)
{
	const json_t *t = json_object_get(p, "table"), *r = json_object_get(p, "row"),
	             *col = json_object_get(p, "column"), *s = json_object_get(p, "section"),
	             *box = json_object_get(p, "box");
	char codes[64];
	size_t i;
	json_t *n;

	api_jw_key(w, "place");
	api_jw_obj(w);
	api_put_object(w, "table", json_is_object(t) ? t : NULL,
	               API_FIELDS(C("position"), T("type"), T("title")));
	api_jw_key(w, "row");
	if (json_is_object(r)) {
		api_jw_obj(w);
		api_kcount(w, r, "index");
		api_jw_kstr(w, "codes", codes_of(r, codes, sizeof(codes)));
		api_ktext(w, r, "name");
		api_jw_end(w, '}');
	} else {
		api_jw_null(w);
	}
	api_put_object(w, "column", json_is_object(col) ? col : NULL,
	               API_FIELDS(T("key"), T("title")));
	api_put_object(w, "section", json_is_object(s) ? s : NULL,
	               API_FIELDS(C("index"), T("key"), T("title")));
	api_ktext(w, p, "quote");
	api_kcount(w, p, "page");
	api_jw_key(w, "box");
	if (json_is_array(box) && json_array_size(box) == 5) {
		api_jw_arr(w);
		json_array_foreach (box, i, n)
			put_coord(w, n);
		api_jw_end(w, ']');
	} else {
		api_jw_null(w);
	}
	api_jw_end(w, '}');
}

/* The members every finding has, in the contract's order (the caller opens the object). */
static void put_finding_body(struct api_jw *w, const struct db_finding *f)
{
	const json_t *j = f->finding;

	api_jw_kint(w, "position", (long long)f->position);
	api_jw_kstr(w, "rule", f->rule);
	api_jw_kstr(w, "family", f->family);
	api_jw_kstr(w, "severity", f->severity);
	api_ktext(w, j, "message_zh");
	api_ktext(w, j, "message_en");
	put_place(w, json_object_get(j, "place"));
	api_ktext(w, j, "expected");
	api_ktext(w, j, "actual");
	api_ktext(w, j, "difference");
	api_ktext(w, j, "unit");
}

static void put_counts(struct api_jw *w, const struct db_finding_counts *n)
{
	api_jw_kint(w, "total", (long long)n->total);
	api_jw_key(w, "by_severity");
	api_jw_obj(w);
	api_jw_kint(w, "error", (long long)n->error);
	api_jw_kint(w, "warning", (long long)n->warning);
	api_jw_kint(w, "info", (long long)n->info);
	api_jw_end(w, '}');
}

/* ---- one disclosure ---- */

static struct db_finding_query of_disclosure(const struct api_ctx *c)
{
	return (struct db_finding_query){
		.department = c->dept, .year = c->year, .kind = c->kind, .level = c->level
	};
}

int api_audit_summary(struct api_ctx *c, struct api_jw *w)
{
	struct db_finding_query q = of_disclosure(c);
	struct db_finding_counts n = { 0 };
	struct db_error err = { 0 };
	char url[400];

	if (db_findings_of(c->db, &q, NULL, NULL, &n, &err) != 0)
		return api_store_error(c->resp, &err) ? -1 : 503;
	api_jw_key(w, "audit");
	api_jw_obj(w);
	put_counts(w, &n);
	api_url(c, url, sizeof(url), "/audit", false);
	api_jw_kstr(w, "link", url);
	api_jw_end(w, '}');
	return 0;
}

static int put_item(void *ctx, const struct db_finding *f)
{
	struct api_jw *w = ctx;

	api_jw_obj(w);
	put_finding_body(w, f);
	api_jw_end(w, '}');
	return 0;
}

static int audit_json(struct api_ctx *c)
{
	struct db_finding_query q = of_disclosure(c);
	struct db_finding_counts n = { 0 };
	struct db_error err = { 0 };
	struct api_jw w;
	char url[420];

	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	if (db_findings_of(c->db, &q, put_item, &w, &n, &err) != 0) {
		free(api_jw_finish(&w, NULL));
		return api_store_error(c->resp, &err);
	}
	api_jw_end(&w, ']');
	put_counts(&w, &n);
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	api_url(c, url, sizeof(url), "/audit", false);
	api_jw_kstr(&w, "self", url);
	api_url(c, url, sizeof(url), "/audit", true);
	api_jw_kstr(&w, "csv", url);
	api_url(c, url, sizeof(url), "", false);
	api_jw_kstr(&w, "disclosure", url);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	return api_ok(c, &w, json_utf8);
}

static void csv_int(struct api_jw *w, const json_t *obj, const char *key)
{
	char buf[32] = "";
	const json_t *j = json_object_get(obj, key);

	if (json_is_integer(j))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(j));
	api_csv_number(w, buf, false);
}

/* 表号, 行, 列, 页码: the place, as far as the finding names it. */
static void csv_place(struct api_jw *w, const json_t *p)
{
	const json_t *r = json_object_get(p, "row"), *col = json_object_get(p, "column");
	const char *codes, *name = str(r, "name"), *ct = str(col, "title");
	char buf[64], row[400] = "";

	csv_int(w, json_object_get(p, "table"), "position");
	codes = codes_of(r, buf, sizeof(buf));
	if (codes != NULL || name != NULL)
		snprintf(row, sizeof(row), "%s%s%s", codes ? codes : "", codes && name ? " " : "",
		         name ? name : "");
	else if (json_is_integer(json_object_get(r, "index")))
		snprintf(row, sizeof(row), "第%lld行",
		         (long long)json_integer_value(json_object_get(r, "index")) + 1);
	api_csv_text(w, row, false);
	api_csv_text(w, ct != NULL ? ct : str(col, "key"), false);
	csv_int(w, p, "page");
}

/* The finding's columns; first: whether the rule opens the line. */
static void csv_finding(struct api_jw *w, const struct db_finding *f, bool first)
{
	const json_t *j = f->finding;

	api_csv_text(w, f->rule, first);
	api_csv_text(w, f->family, false);
	api_csv_text(w, f->severity, false);
	csv_place(w, json_object_get(j, "place"));
	api_csv_number(w, str(j, "expected"), false);
	api_csv_number(w, str(j, "actual"), false);
	api_csv_number(w, str(j, "difference"), false);
	api_csv_text(w, str(j, "unit"), false);
	api_csv_text(w, str(j, "message_zh"), false);
	api_csv_end_row(w);
}

static int csv_item(void *ctx, const struct db_finding *f)
{
	csv_finding(ctx, f, true);
	return 0;
}

static const char *const csv_head[] = { "规则", "类别", "严重程度", "表号", "行",   "列",
	                                "页码", "应为", "实为",     "差额", "单位", "说明" };

/* The header line: the store-wide list puts the disclosure's columns first. */
static void csv_header(struct api_jw *w, bool store)
{
	static const char *const which[] = { "部门编号", "部门名称", "年度", "公开类型", "层级" };

	api_csv_begin(w);
	for (size_t k = 0; store && k < sizeof(which) / sizeof(which[0]); k++)
		api_csv_text(w, which[k], k == 0);
	for (size_t k = 0; k < sizeof(csv_head) / sizeof(csv_head[0]); k++)
		api_csv_text(w, csv_head[k], k == 0 && !store);
	api_csv_end_row(w);
}

static int audit_csv(struct api_ctx *c)
{
	struct db_finding_query q = of_disclosure(c);
	struct db_error err = { 0 };
	struct api_jw w;
	char base[200], label[200];

	api_jw_init(&w);
	csv_header(&w, false);
	if (db_findings_of(c->db, &q, csv_item, &w, NULL, &err) != 0) {
		free(api_jw_finish(&w, NULL));
		return api_store_error(c->resp, &err);
	}
	snprintf(base, sizeof(base), "%s-%d-%s-audit", c->dept, c->year, c->kind);
	snprintf(label, sizeof(label), "%s-%d-%s-核对", c->dept, c->year, c->kind);
	api_csv_disposition(c->resp, base, label);
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

int api_audit(struct api_ctx *c)
{
	struct db_error err = { 0 };

	snprintf(c->base, sizeof(c->base), "/api/v1/departments/%s/%s/%d", c->dept, c->kind_path,
	         c->year);
	if (db_modified(c->db, c->dept, c->year, c->kind, c->level, &c->resp->modified, &err) !=
	    0) {
		if (err.code == DB_NOT_FOUND)
			return api_fail(c->resp, 404, "no %s%s %d of department \"%.100s\"",
			                strcmp(c->level, "unit") == 0 ? "unit-level " : "", c->kind,
			                c->year, c->dept);
		return api_store_error(c->resp, &err);
	}
	return c->format == API_CSV ? audit_csv(c) : audit_json(c);
}

/* ---- across the store ---- */

/* Absent, or one of set. */
static bool in_set(const char *v, const char *const *set)
{
	for (; v != NULL && *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return v == NULL;
}

static bool rule_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 1;

	return s == NULL ||
	       (n >= 1 && n <= 32 &&
	        strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
	            n);
}

/* Checks the filters into q: 0, or the status of the 400 written (-1 out of memory). */
static int filters(struct api_ctx *c, struct db_finding_query *q)
{
	static const char *const severities[] = { "error", "warning", "info", NULL };
	static const char *const families[] = { "table", "cross", "text", "document", NULL };
	static const char *const kinds[] = { "budget", "final", NULL };
	long long limit = api_num_arg(c, "limit", 1, LIMIT_MAX, API_LIMIT_DEFAULT);
	long long offset = api_num_arg(c, "offset", 0, 1000000000, 0);
	long long year = api_num_arg(c, "year", 1990, 2100, 0);
	const char *why = NULL;

	*q = (struct db_finding_query){ .severity = api_arg(c, "severity"),
		                        .rule = api_arg(c, "rule"),
		                        .family = api_arg(c, "family"),
		                        .kind = api_arg(c, "kind") };
	if (!in_set(q->severity, severities))
		why = "severity must be one of error, warning, info";
	else if (!in_set(q->family, families))
		why = "family must be one of table, cross, text, document";
	else if (!in_set(q->kind, kinds))
		why = "kind must be budget or final";
	else if (!rule_ok(q->rule))
		why = "rule must be a rule id: 1 to 32 of A-Z a-z 0-9 . _ - (e.g. T01)";
	else if (year < 0)
		why = "year must be a number from 1990 to 2100";
	else if (limit < 0)
		why = "limit must be a number from 1 to 500";
	else if (offset < 0)
		why = "offset must be a number from 0 to 1000000000";
	if (why != NULL)
		return api_fail(c->resp, 400, "%s", why) ? -1 : 400;
	q->year = (int)year;
	q->limit = (size_t)limit;
	q->offset = (size_t)offset;
	return 0;
}

static void page_url(char *buf, size_t size, const struct db_finding_query *q)
{
	int n = snprintf(buf, size, "/api/v1/audit?limit=%zu&offset=%zu", q->limit, q->offset);
	const char *keys[] = { "severity", "rule", "family", "kind" };
	const char *vals[] = { q->severity, q->rule, q->family, q->kind };

	if (q->year != 0 && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "&year=%d", q->year);
	for (size_t i = 0; i < 4; i++)
		if (vals[i] != NULL && n > 0 && (size_t)n < size)
			n += snprintf(buf + n, size - (size_t)n, "&%s=%s", keys[i], vals[i]);
}

static int put_store_item(void *ctx, const struct db_finding *f)
{
	struct api_jw *w = ctx;
	bool unit = strcmp(f->level, "unit") == 0;
	char url[400];

	api_jw_obj(w);
	api_jw_key(w, "department");
	api_jw_obj(w);
	api_jw_kstr(w, "id", f->department);
	api_jw_kstr(w, "name", f->department_name);
	api_jw_end(w, '}');
	api_jw_kint(w, "year", f->year);
	api_jw_kstr(w, "kind", f->kind);
	api_jw_kstr(w, "level", f->level);
	put_finding_body(w, f);
	api_jw_key(w, "links");
	api_jw_obj(w);
	snprintf(url, sizeof(url), "/api/v1/departments/%s/%ss/%d%s", f->department, f->kind,
	         f->year, unit ? "?level=unit" : "");
	api_jw_kstr(w, "disclosure", url);
	snprintf(url, sizeof(url), "/api/v1/departments/%s/%ss/%d/audit%s", f->department, f->kind,
	         f->year, unit ? "?level=unit" : "");
	api_jw_kstr(w, "audit", url);
	snprintf(url, sizeof(url), "/?dept=%s&year=%d&kind=%s%s#finding-%zu", f->department,
	         f->year, f->kind, unit ? "&level=unit" : "", f->position + 1);
	api_jw_kstr(w, "page", url);
	api_jw_end(w, '}');
	api_jw_end(w, '}');
	return 0;
}

/* 部门编号, 部门名称, 年度, 公开类型 (budget, final), 层级 (department, unit), then the
 * columns of one disclosure's CSV. */
static int csv_store_item(void *ctx, const struct db_finding *f)
{
	struct api_jw *w = ctx;
	char year[16];

	snprintf(year, sizeof(year), "%d", f->year);
	api_csv_text(w, f->department, true);
	api_csv_text(w, f->department_name, false);
	api_csv_number(w, year, false);
	api_csv_text(w, f->kind, false);
	api_csv_text(w, f->level, false);
	csv_finding(w, f, false);
	return 0;
}

/* The page as CSV: the same findings as the JSON page; the next page is in the Link header. */
static int audit_list_csv(struct api_ctx *c, struct db_finding_query *q)
{
	struct db_finding_counts n = { 0 };
	struct db_error err = { 0 };
	struct api_jw w;
	char next[400];

	api_jw_init(&w);
	csv_header(&w, true);
	if (db_findings(c->db, q, csv_store_item, &w, &n, &err) != 0) {
		free(api_jw_finish(&w, NULL));
		return api_store_error(c->resp, &err);
	}
	q->offset += q->limit;
	page_url(next, sizeof(next), q);
	if (q->offset < n.total)
		api_link_next(c->resp, next, "&format=csv");
	db_modified(c->db, NULL, 0, NULL, NULL, &c->resp->modified, &err);
	api_csv_disposition(c->resp, "audit", "核对");
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

int api_audit_list(struct api_ctx *c)
{
	struct db_finding_query q;
	struct db_finding_counts n = { 0 };
	struct db_error err = { 0 };
	struct api_jw w;
	char self[400], next[400];
	int rc = filters(c, &q);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (c->format == API_CSV)
		return audit_list_csv(c, &q);
	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	if (db_findings(c->db, &q, put_store_item, &w, &n, &err) != 0) {
		free(api_jw_finish(&w, NULL));
		return api_store_error(c->resp, &err);
	}
	api_jw_end(&w, ']');
	put_counts(&w, &n);
	api_jw_kint(&w, "limit", (long long)q.limit);
	api_jw_kint(&w, "offset", (long long)q.offset);
	page_url(self, sizeof(self), &q);
	q.offset += q.limit;
	page_url(next, sizeof(next), &q);
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	api_jw_kstr(&w, "self", self);
	api_jw_kstr(&w, "next", q.offset < n.total ? next : NULL);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	if (q.offset < n.total)
		api_link_next(c->resp, next, "");
	db_modified(c->db, NULL, 0, NULL, NULL, &c->resp->modified, &err);
	return api_ok(c, &w, json_utf8);
}
