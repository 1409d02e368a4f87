// SPDX-License-Identifier: MIT
// /api/v1/departments (filtered, paged) and /api/v1/departments/{id}.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT_MAX 500

/* A query parameter: from the request's list when it has one (pointers that stay valid
 * through the request, several held at once), else through
 * the request's arg(). */
const char *api_arg(struct api_ctx *c, const char *name)
{
	const struct api_request *req = c->req;

	for (size_t i = 0; req->names != NULL && i < req->n_args; i++)
		if (req->names[i] != NULL && strcmp(req->names[i], name) == 0)
			return req->values != NULL ? req->values[i] : NULL;
	if (req->names != NULL)
		return NULL;
	return req->arg ? req->arg(req->ctx, name) : NULL;
}

long long api_num_arg(struct api_ctx *c, const char *name, long long min, long long max,
                      long long def)
{
	const char *s = api_arg(c, name);
	char *end;
	long long v;

	if (s == NULL)
		return def;
	if (*s < '0' || *s > '9' || strlen(s) > 12)
		return -1;
	v = strtoll(s, &end, 10);
	return *end == '\0' && v >= min && v <= max ? v : -1;
}

#define DEPARTMENTS_PATH "/api/v1/departments/"

static int add_item(void *ctx, const struct db_department *d)
{
	struct api_jw *w = ctx;
	char self[160];
	size_t n = strnlen(d->id, sizeof(self) - sizeof(DEPARTMENTS_PATH));

	api_jw_obj(w);
	api_jw_kstr(w, "id", d->id);
	api_jw_kstr(w, "name", d->name);
	api_jw_key(w, "years");
	api_jw_arr(w);
	for (size_t i = 0; i < d->n_years; i++)
		api_jw_int(w, d->years[i]);
	api_jw_end(w, ']');
	/* one per department of the page: without snprintf (ids are at most 64 bytes) */
	memcpy(self, DEPARTMENTS_PATH, sizeof(DEPARTMENTS_PATH) - 1);
	memcpy(self + sizeof(DEPARTMENTS_PATH) - 1, d->id, n);
	self[sizeof(DEPARTMENTS_PATH) - 1 + n] = '\0';
	api_jw_key(w, "links");
	api_jw_obj(w);
	api_jw_kstr(w, "self", self);
	api_jw_end(w, '}');
	api_jw_end(w, '}');
	return 0;
}

#define PAGE_PATH "/api/v1/departments?limit="

/* The list URL for a page, keeping the filters (q is percent-encoded, cut to fit). Written
 * without snprintf: every list answer writes two. buf: PAGE_URL_SIZE bytes, of which the
 * path, limit, offset and year take at most 26 + 20 + 8 + 20 + 6 + 4. */
#define PAGE_URL_SIZE 400
static void page_url(char *buf, size_t size, struct db_department_query *q)
{
	char *p = buf;
	size_t n;

	memcpy(p, PAGE_PATH, sizeof(PAGE_PATH) - 1);
	p = db_dec_put_uint(p + sizeof(PAGE_PATH) - 1, q->limit);
	memcpy(p, "&offset=", 8);
	p = db_dec_put_uint(p + 8, q->offset);
	if (q->year > 0) { /* 1990 to 2100 (api_departments_list) */
		memcpy(p, "&year=", 6);
		p = db_dec_put_uint(p + 6, (unsigned)q->year);
	}
	*p = '\0';
	n = (size_t)(p - buf);
	if (q->q != NULL && n + 3 < size) {
		memcpy(p, "&q=", 4);
		api_pct_encode(p + 3, size - n - 3, q->q);
	}
}

/* 部门编号, 部门名称, 年度 (the years with a disclosure, "2021;2022"). */
static int csv_item(void *ctx, const struct db_department *d)
{
	struct api_jw *w = ctx;
	char years[256] = "";
	size_t n = 0;

	for (size_t i = 0; i < d->n_years && n + 8 < sizeof(years); i++)
		n += (size_t)snprintf(years + n, sizeof(years) - n, "%s%d", i ? ";" : "",
		                      d->years[i]);
	api_csv_text(w, d->id, true);
	api_csv_text(w, d->name, false);
	api_csv_text(w, years, false);
	api_csv_end_row(w);
	return 0;
}

/* The page as CSV: the same rows as the JSON page; the next page is in the Link header. */
static int write_csv(struct api_ctx *c, struct db_department_query *q)
{
	struct db_error err = { 0 };
	struct api_jw w;
	size_t total = 0;
	char next[PAGE_URL_SIZE];

	api_jw_init(&w);
	api_csv_begin(&w);
	api_csv_text(&w, "部门编号", true);
	api_csv_text(&w, "部门名称", false);
	api_csv_text(&w, "年度", false);
	api_csv_end_row(&w);
	if (db_departments(c->db, q, csv_item, &w, &total, &err) != 0) {
		free(api_jw_finish(&w, NULL));
		return api_store_error(c->resp, &err);
	}
	q->offset += q->limit;
	page_url(next, sizeof(next), q);
	if (q->offset < total)
		api_link_next(c->resp, next, "&format=csv");
	db_modified(c->db, NULL, 0, NULL, NULL, &c->resp->modified, &err);
	api_csv_disposition(c->resp, "departments", "部门");
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

static int write_list(struct api_ctx *c, struct db_department_query *q)
{
	struct db_error err = { 0 };
	struct api_jw w;
	size_t total = 0;
	char self[PAGE_URL_SIZE], next[PAGE_URL_SIZE];

	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	if (db_departments(c->db, q, add_item, &w, &total, &err) != 0) {
		free(api_jw_finish(&w, NULL));
		return api_store_error(c->resp, &err);
	}
	api_jw_end(&w, ']');
	api_jw_kint(&w, "total", (long long)total);
	api_jw_kint(&w, "limit", (long long)q->limit);
	api_jw_kint(&w, "offset", (long long)q->offset);
	page_url(self, sizeof(self), q);
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	api_jw_kstr(&w, "self", self);
	q->offset += q->limit;
	page_url(next, sizeof(next), q);
	api_jw_kstr(&w, "next", q->offset < total ? next : NULL);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	if (q->offset < total)
		api_link_next(c->resp, next, "");
	db_modified(c->db, NULL, 0, NULL, NULL, &c->resp->modified, &err);
	return api_ok(c, &w, "application/json; charset=utf-8");
}

int api_departments_list(struct api_ctx *c)
{
	struct db_department_query q = { .q = api_arg(c, "q") };
	long long limit = api_num_arg(c, "limit", 1, LIMIT_MAX, API_LIMIT_DEFAULT);
	long long offset = api_num_arg(c, "offset", 0, 1000000000, 0);
	long long year = api_num_arg(c, "year", 1990, 2100, 0);

	if (limit < 0)
		return api_fail(c->resp, 400, "limit must be a number from 1 to %d", LIMIT_MAX);
	if (offset < 0)
		return api_fail(c->resp, 400, "offset must be a number from 0 to 1000000000");
	if (year < 0)
		return api_fail(c->resp, 400, "year must be a number from 1990 to 2100");
	if (q.q != NULL && (*q.q == '\0' || strlen(q.q) > 200))
		return api_fail(c->resp, 400, "q must be 1 to 200 bytes");
	q.limit = (size_t)limit;
	q.offset = (size_t)offset;
	q.year = (int)year;
	return c->format == API_CSV ? write_csv(c, &q) : write_list(c, &q);
}

static int write_department(void *ctx, const struct db_department_detail *d)
{
	struct api_ctx *c = ctx;
	struct api_jw w;
	char url[400];

	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_kstr(&w, "id", d->id);
	api_jw_kstr(&w, "name", d->name);
	api_jw_kstr(&w, "short_name", d->short_name);
	api_jw_kstr(&w, "region", d->region);
	api_jw_kstr(&w, "parent", d->parent);
	api_jw_key(&w, "disclosures");
	api_jw_arr(&w);
	for (size_t i = 0; i < d->n_disclosures; i++) {
		const struct db_disclosure_ref *r = &d->disclosures[i];
		api_jw_obj(&w);
		api_jw_kint(&w, "year", r->year);
		api_jw_kstr(&w, "kind", r->kind);
		api_jw_kstr(&w, "level", r->level);
		api_jw_kstr(&w, "title", r->title);
		api_jw_kstr(&w, "published", r->published);
		snprintf(url, sizeof(url), "/api/v1/departments/%s/%ss/%d%s", d->id, r->kind,
		         r->year, strcmp(r->level, "unit") == 0 ? "?level=unit" : "");
		api_jw_key(&w, "links");
		api_jw_obj(&w);
		api_jw_kstr(&w, "self", url);
		api_jw_end(&w, '}');
		api_jw_end(&w, '}');
		if (r->imported_at > c->resp->modified)
			c->resp->modified = r->imported_at;
	}
	api_jw_end(&w, ']');
	snprintf(url, sizeof(url), "/api/v1/departments/%s", d->id);
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	api_jw_kstr(&w, "self", url);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	return api_ok(c, &w, "application/json; charset=utf-8");
}

int api_department(struct api_ctx *c)
{
	struct db_error err = { 0 };

	if (db_department(c->db, c->dept, write_department, c, &err) == 0)
		return 0;
	if (err.code == DB_NOT_FOUND)
		return api_fail(c->resp, 404, "no department \"%.100s\"", c->dept);
	return c->resp->body != NULL ? 0 : api_store_error(c->resp, &err);
}
