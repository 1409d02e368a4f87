// SPDX-License-Identifier: MIT
// GET /api/v1/aggregate: one measure summed across the store's disclosures (db_aggregate),
// filtered and grouped, in 万元 or 元 converted exactly; JSON or CSV.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_MAX 1000

static const char json_utf8[] = "application/json; charset=utf-8";
static const char csv_utf8[] = "text/csv; charset=utf-8";

/* The measures that are not a table column, with their names as published. */
static const struct {
	const char *id, *name;
} measures[] = {
	{ "revenue", "收入总计" },
	{ "expenditure", "支出总计" },
	{ "basic", "基本支出" },
	{ "project", "项目支出" },
	{ "sangong", "“三公”经费" },
	{ "sangong.abroad", "因公出国（境）费" },
	{ "sangong.vehicle", "公务用车购置及运行费" },
	{ "sangong.vehicle_purchase", "公务用车购置费" },
	{ "sangong.vehicle_operation", "公务用车运行费" },
	{ "sangong.reception", "公务接待费" },
	{ "sangong.meeting", "会议费" },
	{ "sangong.training", "培训费" },
	{ "operating_costs", "机关运行经费" },
};

static const char *const dim_names[] = { "department", "year",     "kind",    "level",
	                                 "region",     "function", "economic" };

struct agg {
	struct api_ctx *c;
	struct db_agg_query q;
	bool yuan; /* unit=元 */
	char measure_name[160];
	char group_arg[80];
	struct api_jw w;
};

static bool all_of(const char *s, const char *set, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max && s[strspn(s, set)] == '\0';
}

/* measure: a named one, or table:<type>:<column key>. Fills a->measure_name. */
static bool parse_measure(struct agg *a, const char *m)
{
	const struct db_table_type *type;
	char id[64];
	const char *col;

	for (size_t i = 0; i < sizeof(measures) / sizeof(measures[0]); i++)
		if (strcmp(m, measures[i].id) == 0) {
			snprintf(a->measure_name, sizeof(a->measure_name), "%s", measures[i].name);
			return true;
		}
	if (strncmp(m, "table:", 6) != 0 || (col = strchr(m + 6, ':')) == NULL ||
	    (size_t)(col - m - 6) >= sizeof(id))
		return false;
	snprintf(id, sizeof(id), "%.*s", (int)(col - m - 6), m + 6);
	if ((type = db_table_type_find(id)) == NULL ||
	    !all_of(col + 1, "abcdefghijklmnopqrstuvwxyz0123456789_", 1, 40))
		return false;
	snprintf(a->measure_name, sizeof(a->measure_name), "%s/%s", type->name, col + 1);
	return true;
}

/* group: up to three distinct dimensions, comma-separated; function and economic exclude
 * each other (a figure is classified one way). */
static bool parse_group(struct agg *a, const char *g)
{
	bool code = false;

	snprintf(a->group_arg, sizeof(a->group_arg), "%s", g);
	for (char *tok = strtok(a->group_arg, ","); tok != NULL; tok = strtok(NULL, ",")) {
		size_t d = 0;
		while (d < sizeof(dim_names) / sizeof(dim_names[0]) &&
		       strcmp(tok, dim_names[d]) != 0)
			d++;
		if (d == sizeof(dim_names) / sizeof(dim_names[0]) ||
		    a->q.n_group == DB_AGG_MAX_GROUP)
			return false;
		for (size_t i = 0; i < a->q.n_group; i++)
			if (a->q.group[i] == (enum db_agg_dim)d)
				return false;
		if (d == DB_AGG_FUNCTION || d == DB_AGG_ECONOMIC) {
			if (code)
				return false;
			code = true;
		}
		a->q.group[a->q.n_group++] = (enum db_agg_dim)d;
	}
	snprintf(a->group_arg, sizeof(a->group_arg), "%s", g);
	return a->q.n_group > 0 && g[strlen(g) - 1] != ',' && g[0] != ',' && !strstr(g, ",,");
}

static bool groups_code(const struct db_agg_query *q)
{
	for (size_t i = 0; i < q->n_group; i++)
		if (q->group[i] == DB_AGG_FUNCTION || q->group[i] == DB_AGG_ECONOMIC)
			return true;
	return false;
}

/* The filters and the shape of the answer; 0, or the status of the 400 written. */
static int parse_filters(struct agg *a)
{
	struct api_ctx *c = a->c;
	const char *s;

	if ((s = api_arg(c, "code")) != NULL &&
	    !(all_of(s, "0123456789", 3, 7) && strlen(s) % 2 == 1))
		return api_fail(
		           c->resp, 400,
		           "code must be a 类 (201), 款 (20103) or 项 (2010399): 3, 5 or 7 digits")
		           ? -1
		           : 400;
	a->q.code = s;
	if ((s = api_arg(c, "kind")) != NULL && strcmp(s, "budget") != 0 && strcmp(s, "final") != 0)
		return api_fail(c->resp, 400, "kind must be budget or final") ? -1 : 400;
	a->q.kind = s;
	s = api_arg(c, "level");
	if (s != NULL && strcmp(s, "department") != 0 && strcmp(s, "unit") != 0 &&
	    strcmp(s, "all") != 0)
		return api_fail(c->resp, 400, "level must be department, unit or all") ? -1 : 400;
	a->q.level = s == NULL ? "department" : strcmp(s, "all") == 0 ? NULL : s;
	if ((s = api_arg(c, "region")) != NULL && (*s == '\0' || strlen(s) > 200))
		return api_fail(c->resp, 400, "region must be 1 to 200 bytes") ? -1 : 400;
	a->q.region = s;
	if ((s = api_arg(c, "department")) != NULL &&
	    !all_of(s, "abcdefghijklmnopqrstuvwxyz0123456789-", 1, 64))
		return api_fail(c->resp, 400, "department must be a department id (a-z, 0-9, -)")
		           ? -1
		           : 400;
	a->q.department = s;
	if ((s = api_arg(c, "unit")) != NULL && strcmp(s, "万元") != 0 && strcmp(s, "元") != 0)
		return api_fail(c->resp, 400, "unit must be 万元 or 元") ? -1 : 400;
	a->yuan = s != NULL && strcmp(s, "元") == 0;
	s = api_arg(c, "order");
	if (s == NULL || strcmp(s, "key") == 0)
		a->q.order = DB_AGG_BY_KEY;
	else if (strcmp(s, "-sum") == 0)
		a->q.order = DB_AGG_BY_SUM_DESC;
	else if (strcmp(s, "sum") == 0)
		a->q.order = DB_AGG_BY_SUM_ASC;
	else
		return api_fail(c->resp, 400, "order must be key, sum or -sum (largest first)")
		           ? -1
		           : 400;
	return 0;
}

static int parse_numbers(struct agg *a)
{
	struct api_ctx *c = a->c;
	long long year = api_num_arg(c, "year", 1990, 2100, 0);
	long long limit = api_num_arg(c, "limit", 1, LIMIT_MAX, API_LIMIT_DEFAULT);
	long long offset = api_num_arg(c, "offset", 0, 1000000000, 0);
	long long depth = api_num_arg(c, "depth", 1, 3, 1);

	if (year < 0)
		return api_fail(c->resp, 400, "year must be a number from 1990 to 2100") ? -1 : 400;
	if (limit < 0)
		return api_fail(c->resp, 400, "limit must be a number from 1 to %d", LIMIT_MAX)
		           ? -1
		           : 400;
	if (offset < 0)
		return api_fail(c->resp, 400, "offset must be a number from 0 to 1000000000") ? -1
		                                                                              : 400;
	if (depth < 0 || (api_arg(c, "depth") != NULL && !groups_code(&a->q)))
		return api_fail(c->resp, 400,
		                "depth must be 1 (类), 2 (款) or 3 (项), with group=function or "
		                "economic")
		           ? -1
		           : 400;
	a->q.year = (int)year;
	a->q.limit = (size_t)limit;
	a->q.offset = (size_t)offset;
	a->q.depth = (int)depth;
	return 0;
}

static int parse(struct agg *a)
{
	struct api_ctx *c = a->c;
	const char *m = api_arg(c, "measure"), *g = api_arg(c, "group");
	int rc;

	if (m == NULL || !parse_measure(a, m))
		return api_fail(
		           c->resp, 400,
		           "measure must be revenue, expenditure, basic, project, sangong, "
		           "sangong.<item> (abroad, vehicle, vehicle_purchase, vehicle_operation, "
		           "reception, meeting, training), operating_costs or "
		           "table:<table type>:<column key>")
		           ? -1
		           : 400;
	a->q.measure = m;
	if (g != NULL && !parse_group(a, g))
		return api_fail(
		           c->resp, 400,
		           "group must be one to three of department, year, kind, level, region "
		           "and function or economic, joined by commas")
		           ? -1
		           : 400;
	if ((rc = parse_filters(a)) != 0)
		return rc;
	if (strncmp(m, "table:", 6) != 0 && (a->q.code != NULL || groups_code(&a->q)))
		return api_fail(c->resp, 400,
		                "code and group=function or economic need a table measure "
		                "(table:<table type>:<column key>): %s has no rows",
		                m)
		           ? -1
		           : 400;
	return parse_numbers(a);
}

/* A sum in fen as the answer's unit, canonical: fen are millionths of 万元; in 元 the
 * point moves two places, written digit by digit so that no int64 sum can overflow. */
static void format_sum(bool yuan, int64_t fen, char buf[static 32])
{
	unsigned long long u = fen < 0 ? 0ULL - (unsigned long long)fen : (unsigned long long)fen;
	int n;

	if (!yuan) {
		db_dec_format(fen, buf);
		return;
	}
	n = snprintf(buf, 32, "%s%llu.%02llu", fen < 0 ? "-" : "", u / 100, u % 100);
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
}

static void put_sum(struct agg *a, bool has, int64_t fen)
{
	char buf[32];

	api_jw_key(&a->w, "sum");
	if (!has) {
		api_jw_null(&a->w);
		return;
	}
	format_sum(a->yuan, fen, buf);
	api_jw_dec_text(&a->w, buf);
}

static int json_group(void *ctx, const struct db_agg_group *g)
{
	struct agg *a = ctx;
	struct api_jw *w = &a->w;

	api_jw_obj(w);
	api_jw_key(w, "key");
	api_jw_obj(w);
	for (size_t i = 0; i < a->q.n_group; i++) {
		api_jw_key(w, dim_names[a->q.group[i]]);
		if (a->q.group[i] == DB_AGG_YEAR && g->key[i] != NULL)
			api_jw_int(w, atoi(g->key[i]));
		else
			api_jw_str(w, g->key[i]);
	}
	api_jw_end(w, '}');
	api_jw_key(w, "label");
	api_jw_obj(w);
	for (size_t i = 0; i < a->q.n_group; i++)
		api_jw_kstr(w, dim_names[a->q.group[i]], g->label[i]);
	api_jw_end(w, '}');
	put_sum(a, g->has_sum, g->fen);
	api_jw_kint(w, "disclosures", (long long)g->disclosures);
	api_jw_kint(w, "figures", (long long)g->figures);
	api_jw_kint(w, "inexact", (long long)g->inexact);
	api_jw_end(w, '}');
	return 0;
}

/* The URL of this answer (parameters in the key's order, defaults written out) at offset. */
static void self_url(struct agg *a, char *buf, size_t size, size_t offset)
{
	static const char *const names[] = { "measure",    "code", "group", "depth",
		                             "year",       "kind", "level", "region",
		                             "department", "unit", "order", NULL };
	char enc[400];
	size_t len;

	len = (size_t)snprintf(buf, size, "/api/v1/aggregate?");
	for (const char *const *n = names; *n != NULL && len < size; n++) {
		const char *v = api_aggregate_default(*n);
		char depth[4];
		if (api_arg(a->c, *n) != NULL)
			v = api_arg(a->c, *n);
		if (strcmp(*n, "depth") == 0) {
			snprintf(depth, sizeof(depth), "%d", a->q.depth);
			v = groups_code(&a->q) ? depth : NULL;
		}
		if (v == NULL)
			continue;
		api_pct_encode(enc, sizeof(enc), v);
		len += (size_t)snprintf(buf + len, size - len, "%s=%s&", *n, enc);
	}
	if (len < size)
		snprintf(buf + len, size - len, "limit=%zu&offset=%zu%s", a->q.limit, offset,
		         a->c->format == API_CSV ? "&format=csv" : "");
}

static int store_error(struct agg *a, const struct db_error *err)
{
	free(api_jw_finish(&a->w, NULL));
	if (err->code == DB_AGG_OVERFLOW)
		return api_problem(
		    a->c->resp, 422, "Unprocessable Content",
		    "the sum does not fit in 64-bit fen: narrow the filters or group it");
	return api_store_error(a->c->resp, err);
}

static void links(struct agg *a, const struct db_agg_totals *tt)
{
	char self[600], next[600];
	bool more = a->q.offset + a->q.limit < tt->groups && a->q.n_group > 0;

	self_url(a, self, sizeof(self), a->q.offset);
	self_url(a, next, sizeof(next), a->q.offset + a->q.limit);
	if (a->c->format == API_JSON) {
		api_jw_key(&a->w, "links");
		api_jw_obj(&a->w);
		api_jw_kstr(&a->w, "self", self);
		api_jw_kstr(&a->w, "next", more ? next : NULL);
		api_jw_end(&a->w, '}');
	}
	if (more)
		api_link_next(a->c->resp, next, "");
}

static int write_json(struct agg *a)
{
	struct api_jw *w = &a->w;
	struct db_error err = { 0 };
	struct db_agg_totals tt = { 0 };

	api_jw_init(w);
	api_jw_obj(w);
	api_jw_kstr(w, "measure", a->q.measure);
	api_jw_kstr(w, "measure_name", a->measure_name);
	api_jw_kstr(w, "unit", a->yuan ? "元" : "万元");
	api_jw_key(w, "group");
	api_jw_arr(w);
	for (size_t i = 0; i < a->q.n_group; i++)
		api_jw_str(w, dim_names[a->q.group[i]]);
	api_jw_end(w, ']');
	api_jw_key(w, "items");
	api_jw_arr(w);
	if (db_aggregate(a->c->db, &a->q, json_group, a, &tt, &err) != 0)
		return store_error(a, &err);
	api_jw_end(w, ']');
	api_jw_key(w, "total");
	api_jw_obj(w);
	put_sum(a, tt.has_sum, tt.fen);
	api_jw_kint(w, "disclosures", (long long)tt.disclosures);
	api_jw_kint(w, "figures", (long long)tt.figures);
	api_jw_kint(w, "inexact", (long long)tt.inexact);
	api_jw_kint(w, "groups", (long long)tt.groups);
	api_jw_end(w, '}');
	api_jw_kint(w, "limit", (long long)a->q.limit);
	api_jw_kint(w, "offset", (long long)a->q.offset);
	links(a, &tt);
	api_jw_end(w, '}');
	return api_ok(a->c, w, json_utf8);
}

/* ---- CSV: one line per group, no total line (a spreadsheet sums the column itself) ---- */

static const char *const csv_key[] = {
	"部门编号", "年度", "预决算", "层级", "地区", "功能分类科目编码", "经济分类科目编码"
};
static const char *const csv_label[] = { "部门名称",        NULL, "预决算名称",
	                                 "层级名称",        NULL, "功能分类科目名称",
	                                 "经济分类科目名称" };

static int csv_group(void *ctx, const struct db_agg_group *g)
{
	struct agg *a = ctx;
	char buf[32], n[24];

	for (size_t i = 0; i < a->q.n_group; i++) {
		api_csv_text(&a->w, g->key[i], i == 0);
		if (csv_label[a->q.group[i]] != NULL)
			api_csv_text(&a->w, g->label[i], false);
	}
	if (g->has_sum)
		format_sum(a->yuan, g->fen, buf);
	api_csv_number(&a->w, g->has_sum ? buf : "", a->q.n_group == 0);
	snprintf(n, sizeof(n), "%zu", g->disclosures);
	api_csv_number(&a->w, n, false);
	snprintf(n, sizeof(n), "%zu", g->figures);
	api_csv_number(&a->w, n, false);
	snprintf(n, sizeof(n), "%zu", g->inexact);
	api_csv_number(&a->w, n, false);
	api_csv_end_row(&a->w);
	return 0;
}

static int write_csv(struct agg *a)
{
	struct db_error err = { 0 };
	struct db_agg_totals tt = { 0 };
	char title[64];

	api_jw_init(&a->w);
	api_csv_begin(&a->w);
	for (size_t i = 0; i < a->q.n_group; i++) {
		api_csv_text(&a->w, csv_key[a->q.group[i]], i == 0);
		if (csv_label[a->q.group[i]] != NULL)
			api_csv_text(&a->w, csv_label[a->q.group[i]], false);
	}
	snprintf(title, sizeof(title), "合计（%s）", a->yuan ? "元" : "万元");
	api_csv_text(&a->w, title, a->q.n_group == 0);
	api_csv_text(&a->w, "公开数", false);
	api_csv_text(&a->w, "数字个数", false);
	api_csv_text(&a->w, "未能精确换算", false);
	api_csv_end_row(&a->w);
	if (db_aggregate(a->c->db, &a->q, csv_group, a, &tt, &err) != 0)
		return store_error(a, &err);
	if (a->q.n_group == 0) {
		struct db_agg_group g = { .has_sum = tt.has_sum,
			                  .fen = tt.fen,
			                  .disclosures = tt.disclosures,
			                  .figures = tt.figures,
			                  .inexact = tt.inexact };
		csv_group(a, &g);
	}
	links(a, &tt);
	api_csv_disposition(a->c->resp, "aggregate", "汇总");
	return api_ok(a->c, &a->w, csv_utf8);
}

const char *api_aggregate_default(const char *name)
{
	if (strcmp(name, "level") == 0)
		return "department";
	if (strcmp(name, "unit") == 0)
		return "万元";
	if (strcmp(name, "order") == 0)
		return "key";
	if (strcmp(name, "depth") == 0)
		return "1";
	return NULL;
}

int api_aggregate(struct api_ctx *c)
{
	struct agg *a = calloc(1, sizeof(*a));
	struct db_error err = { 0 };
	int rc;

	if (a == NULL)
		return -1;
	a->c = c;
	if ((rc = parse(a)) != 0) {
		free(a);
		return rc < 0 ? -1 : 0;
	}
	rc = c->format == API_CSV ? write_csv(a) : write_json(a);
	if (rc == 0 && c->resp->status == 200)
		db_modified(c->db, NULL, 0, NULL, NULL, &c->resp->modified, &err);
	free(a);
	return rc;
}
