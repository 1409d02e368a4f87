// SPDX-License-Identifier: MIT
// 检索 (issue 14): /api/v1/search, full-text search over every disclosure in the store, ranked,
// filtered and paged, as JSON (a snippet with the offsets of what matched) or CSV (the
// matches marked «...»), each hit with a link to the resource and the place in it.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_LIMIT_MAX 100
#define Q_MAX_CHARS 200

static const char *arg(struct api_ctx *c, const char *name)
{
	return c->req->arg ? c->req->arg(c->req->ctx, name) : NULL;
}

/* The characters of valid UTF-8 s without control characters, or -1. */
static long text_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p != '\0') {
		size_t len = *p < 0x80         ? 1
		             : (*p >> 5) == 6  ? 2
		             : (*p >> 4) == 14 ? 3
		             : (*p >> 3) == 30 ? 4
		                               : 0;
		if (len == 0 || *p < 0x20 || *p == 0x7f)
			return -1;
		for (size_t k = 1; k < len; k++)
			if ((p[k] & 0xc0) != 0x80)
				return -1;
		p += len;
		n++;
	}
	return n;
}

static bool blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && strncmp(s, "\xe3\x80\x80", 3) != 0)
			return false;
		else if (*s != ' ')
			s += 2;
	return true;
}

static bool dept_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static const char *check_q(const char *q)
{
	long n;

	if (q == NULL)
		return "q is required: the text to search for (q=视联网)";
	n = text_chars(q);
	if (n < 0)
		return "q must be UTF-8 text without control characters";
	if (n > Q_MAX_CHARS)
		return "q must be at most 200 characters";
	if (blank(q))
		return "q must contain more than spaces";
	return NULL;
}

/* Absent, or one of set. */
static bool in_set(const char *v, const char *const *set)
{
	for (; v != NULL && *set != NULL; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return v == NULL;
}

/* Checks the parameters into q: 0, or the status of the 400 written (-1 out of memory). */
static int params(struct api_ctx *c, struct db_search_query *q)
{
	static const char *const kinds[] = { "budget", "final", NULL };
	long long limit = api_num_arg(c, "limit", 1, SEARCH_LIMIT_MAX, API_SEARCH_LIMIT_DEFAULT);
	long long offset = api_num_arg(c, "offset", 0, 1000000000, 0);
	long long year = api_num_arg(c, "year", 1990, 2100, 0);
	const char *why;

	*q = (struct db_search_query){ .q = arg(c, "q"),
		                       .hit = arg(c, "in"),
		                       .kind = arg(c, "kind"),
		                       .department = arg(c, "department") };
	if ((why = check_q(q->q)) != NULL)
		;
	else if (!in_set(q->hit, db_search_hits))
		why = "in must be one of department, disclosure, table, row, project, indicator, "
		      "explanation, glossary, overview, sangong";
	else if (!in_set(q->kind, kinds))
		why = "kind must be budget or final";
	else if (q->department != NULL && !dept_ok(q->department))
		why = "department must be a department id: 1 to 64 of a-z 0-9 -";
	else if (year < 0)
		why = "year must be a number from 1990 to 2100";
	else if (limit < 0)
		why = "limit must be a number from 1 to 100";
	else if (offset < 0)
		why = "offset must be a number from 0 to 1000000000";
	if (why != NULL)
		return api_fail(c->resp, 400, "%s", why) ? -1 : 400;
	q->year = (int)year;
	q->limit = (size_t)limit;
	q->offset = (size_t)offset;
	return 0;
}

/* /api/v1/search?q=...&in=...&kind=...&year=...&department=...&limit=...&offset=... */
static void page_url(char *buf, size_t size, const struct db_search_query *q, bool csv)
{
	char enc[Q_MAX_CHARS * 12 + 1];
	int n;

	api_pct_encode(enc, sizeof(enc), q->q);
	n = snprintf(buf, size, "/api/v1/search?q=%s", enc);
	if (q->hit != NULL && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "&in=%s", q->hit);
	if (q->kind != NULL && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "&kind=%s", q->kind);
	if (q->year != 0 && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "&year=%d", q->year);
	if (q->department != NULL && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "&department=%s", q->department);
	if (n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "&limit=%zu&offset=%zu", q->limit,
		              q->offset);
	if (csv && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "&format=csv");
}

/* The resource the hit is in: the department, or the disclosure's part (level kept). */
static void hit_link(char *buf, size_t size, const struct db_search_hit *h)
{
	if (strcmp(h->hit, "department") == 0)
		snprintf(buf, size, "/api/v1/departments/%s", h->department);
	else
		snprintf(buf, size, "/api/v1/departments/%s/%ss/%d%s%s", h->department, h->kind,
		         h->year, h->path ? h->path : "",
		         strcmp(h->level, "unit") == 0 ? "?level=unit" : "");
}

/* The snippet without its \x01 \x02 marks into out (as long as s at most), and [start, end)
 * of each marked part in characters (Unicode code points). */
static void put_snippet(struct api_jw *w, const char *s)
{
	char *out = malloc(strlen(s) + 1);
	long at = 0, start = 0;
	size_t k = 0;

	if (out == NULL) {
		w->failed = true;
		return;
	}
	for (const char *p = s; *p != '\0'; p++)
		if (*p != '\x01' && *p != '\x02')
			out[k++] = *p;
	out[k] = '\0';
	api_jw_kstr(w, "snippet", out);
	free(out);
	api_jw_key(w, "highlights");
	api_jw_arr(w);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\x01') {
			start = at;
		} else if (*p == '\x02') {
			api_jw_arr(w);
			api_jw_int(w, start);
			api_jw_int(w, at);
			api_jw_end(w, ']');
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			at++;
		}
	}
	api_jw_end(w, ']');
}

/* The locator: its members are whole numbers or strings. */
static void put_place(struct api_jw *w, const json_t *place)
{
	const char *key;
	json_t *v;

	api_jw_key(w, "place");
	if (place == NULL) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	json_object_foreach ((json_t *)place, key, v) {
		if (json_is_integer(v))
			api_jw_kint(w, key, (long long)json_integer_value(v));
		else
			api_jw_kstr(w, key, json_string_value(v));
	}
	api_jw_end(w, '}');
}

static int put_hit(void *ctx, const struct db_search_hit *h)
{
	struct api_jw *w = ctx;
	char url[600];

	api_jw_obj(w);
	api_jw_kstr(w, "hit", h->hit);
	api_jw_kstr(w, "name", h->name);
	put_snippet(w, h->snippet);
	api_jw_key(w, "department");
	api_jw_obj(w);
	api_jw_kstr(w, "id", h->department);
	api_jw_kstr(w, "name", h->department_name);
	api_jw_end(w, '}');
	api_jw_kint(w, "year", h->year);
	api_jw_kstr(w, "kind", h->kind);
	api_jw_kstr(w, "level", h->level);
	hit_link(url, sizeof(url), h);
	api_jw_kstr(w, "link", url);
	put_place(w, h->place);
	api_jw_end(w, '}');
	return 0;
}

/* ---- CSV ---- */

static const char *const csv_head[] = { "命中", "部门编号", "部门名称", "年度", "公开类型",
	                                "层级", "名称",     "摘要",     "链接", "位置" };

/* The snippet with each match between « and » (2 bytes each, for 1 of \x01 or \x02). */
static int csv_snippet(struct api_jw *w, const char *s)
{
	char *out = malloc(2 * strlen(s) + 1);
	size_t k = 0;

	if (out == NULL)
		return -1;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\x01' || *p == '\x02') {
			out[k++] = '\xc2';
			out[k++] = *p == '\x01' ? '\xab' : '\xbb';
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
	api_csv_text(w, out, false);
	free(out);
	return 0;
}

static int csv_hit(void *ctx, const struct db_search_hit *h)
{
	struct api_jw *w = ctx;
	char year[16], url[600], *place = h->place ? json_dumps(h->place, JSON_COMPACT) : NULL;

	snprintf(year, sizeof(year), "%d", h->year);
	api_csv_text(w, h->hit, true);
	api_csv_text(w, h->department, false);
	api_csv_text(w, h->department_name, false);
	api_csv_number(w, year, false);
	api_csv_text(w, h->kind, false);
	api_csv_text(w, h->level, false);
	api_csv_text(w, h->name, false);
	if (csv_snippet(w, h->snippet) != 0)
		w->failed = true;
	hit_link(url, sizeof(url), h);
	api_csv_text(w, url, false);
	api_csv_text(w, place, false);
	api_csv_end_row(w);
	free(place);
	return 0;
}

static int search_csv(struct api_ctx *c, struct db_search_query *q)
{
	struct db_search_info info;
	struct db_error err = { 0 };
	struct api_jw w;
	char next[4000];

	api_jw_init(&w);
	api_csv_begin(&w);
	for (size_t k = 0; k < sizeof(csv_head) / sizeof(csv_head[0]); k++)
		api_csv_text(&w, csv_head[k], k == 0);
	api_csv_end_row(&w);
	if (db_search(c->db, q, csv_hit, &w, &info, &err) != 0) {
		free(api_jw_finish(&w, NULL));
		return api_store_error(c->resp, &err);
	}
	q->offset += q->limit;
	page_url(next, sizeof(next), q, true);
	if (q->offset < info.total)
		api_link_next(c->resp, next, "");
	db_modified(c->db, NULL, 0, NULL, NULL, &c->resp->modified, &err);
	api_csv_disposition(c->resp, "search", "检索");
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

int api_search(struct api_ctx *c)
{
	struct db_search_query q;
	struct db_search_info info;
	struct db_error err = { 0 };
	struct api_jw w;
	char url[4000];
	int rc = params(c, &q);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (c->format == API_CSV)
		return search_csv(c, &q);
	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	if (db_search(c->db, &q, put_hit, &w, &info, &err) != 0) {
		free(api_jw_finish(&w, NULL));
		return api_store_error(c->resp, &err);
	}
	api_jw_end(&w, ']');
	api_jw_kint(&w, "total", (long long)info.total);
	api_jw_key(&w, "capped");
	api_jw_bool(&w, info.capped);
	api_jw_kstr(&w, "match", info.names_only ? "names" : "text");
	api_jw_kint(&w, "limit", (long long)q.limit);
	api_jw_kint(&w, "offset", (long long)q.offset);
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	page_url(url, sizeof(url), &q, false);
	api_jw_kstr(&w, "self", url);
	page_url(url, sizeof(url), &q, true);
	api_jw_kstr(&w, "csv", url);
	q.offset += q.limit;
	page_url(url, sizeof(url), &q, false);
	api_jw_kstr(&w, "next", q.offset < info.total ? url : NULL);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	if (q.offset < info.total)
		api_link_next(c->resp, url, "");
	db_modified(c->db, NULL, 0, NULL, NULL, &c->resp->modified, &err);
	return api_ok(c, &w, "application/json; charset=utf-8");
}
