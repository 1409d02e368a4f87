// SPDX-License-Identifier: MIT
// The /embed/ views (#15): one disclosure (its headline figures and tables) or one table,
// compact, for other sites to frame. Rendered here into static/embed.html's markers with the
// page's own table renderer (page_tables.c), so a frame holds every figure without
// JavaScript and shows the same cells as the page.
#include "page_tables.h"

#include <stdlib.h>
#include <string.h>

/* What the path asks for (server/http.c has checked its shape). */
struct embed {
	struct api_ctx c;
	char dept[80];
	int table; /* 0: the whole disclosure */
	char page[300]; /* the full page of the disclosure */
	const json_t *doc; /* NULL: not found, or the store failed */
	int status;
};

/* /embed/{id}/{budgets|finals}/{year}[/tables/{n}]: false when it is not that. */
static bool read_path(const char *path, struct embed *e)
{
	const char *p = path + strlen("/embed/"), *slash = strchr(p, '/');
	char kinds[8];
	int year = 0, n = 0, end = 0;

	if (strncmp(path, "/embed/", 7) != 0 || slash == NULL ||
	    (size_t)(slash - p) >= sizeof(e->dept))
		return false;
	memcpy(e->dept, p, (size_t)(slash - p));
	e->dept[slash - p] = '\0';
	if (sscanf(slash, "/%7[a-z]/%4d%n", kinds, &year, &end) != 2)
		return false;
	if (slash[end] != '\0' && sscanf(slash + end, "/tables/%2d%n", &n, &end) != 1)
		return false;
	e->c.year = year;
	e->table = n;
	e->c.kind = strcmp(kinds, "finals") == 0 ? "final" : "budget";
	e->c.kind_path = strcmp(kinds, "finals") == 0 ? "finals" : "budgets";
	return true;
}

static void put_title(struct api_jw *w, const struct embed *e)
{
	const char *name = api_page_str(json_object_get(e->doc, "department"), "name");
	const json_t *t;
	char num[16];

	if (e->doc == NULL) {
		api_html_text(w, "未找到 · 部门预决算公开");
		return;
	}
	if (e->table != 0 && (t = api_find_table(e->doc, e->table)) != NULL) {
		api_numeral(e->table, num, sizeof(num));
		api_html_textf(w, "表%s %s · %s", num, api_page_str(t, "title") ?: "", name ?: "");
		return;
	}
	api_html_textf(w, "%s · %s", api_page_str(e->doc, "title") ?: "", name ?: "");
}

static void put_header(struct api_jw *w, const struct embed *e)
{
	const char *title = api_page_str(e->doc, "title");
	bool unit = strcmp(e->c.level, "unit") == 0, final = strcmp(e->c.kind, "final") == 0;

	api_html_elem(w, "h1", api_page_str(json_object_get(e->doc, "department"), "name") ?: "",
	              NULL);
	api_html_open(w, "p", "class", "sub", NULL);
	if (title != NULL)
		api_html_text(w, title);
	else
		api_html_textf(w, "%d年%s%s公开", e->c.year, unit ? "单位" : "部门",
		               final ? "决算" : "预算");
	api_html_close(w, "p");
}

/* The headline figures in 万元, converted exactly as the API's totals are. */
static void put_headline(struct api_jw *w, const struct embed *e)
{
	static const char *const keys[] = { "revenue", "expenditure", "basic", "project" };
	static const char *const labels[] = { "收入总计", "支出总计", "基本支出", "项目支出" };
	char text[4][DB_DEC_BUFSZ];
	bool has[4];
	const char *unit;
	int64_t wan;

	for (int i = 0; i < 4; i++)
		if ((has[i] = api_headline_total(e->doc, keys[i], &wan, &unit)))
			db_dec_format(wan, text[i]);
	if (!has[0] && !has[1] && !has[2] && !has[3])
		return;
	api_html_elem(w, "p", "单位：万元", "class", "unit", NULL);
	api_html_open(w, "dl", "class", "kpis", NULL);
	for (int i = 0; i < 4; i++) {
		bool both = i == 0 && has[0] && has[1] && strcmp(text[0], text[1]) == 0;
		if (!has[i] || (i == 1 && has[0] && has[1] && strcmp(text[0], text[1]) == 0))
			continue;
		api_html_open(w, "div", "class", "kpi", NULL);
		api_html_elem(w, "dt", both ? "收支总计" : labels[i], NULL);
		api_html_elem(w, "dd", text[i], NULL);
		api_html_close(w, "div");
	}
	api_html_close(w, "dl");
}

static void put_links(struct api_jw *w, const struct embed *e)
{
	char url[420];

	api_url(&e->c, url, sizeof(url), "/amounts.csv", false);
	api_html_open(w, "p", "class", "links", NULL);
	api_html_elem(w, "a", "查看完整公开内容", "href", e->page, "target", "_blank", "rel",
	              "noopener", NULL);
	api_html_elem(w, "a", "下载全部数字 CSV", "href", url, "target", "_blank", "rel",
	              "noopener", NULL);
	api_html_close(w, "p");
}

static void put_missing(struct api_jw *w, const struct embed *e)
{
	api_html_elem(w, "p",
	              e->status == 404 ? "未找到这份公开内容：部门、年度或表号有误，或尚未公开。"
	                               : "暂时无法载入，请稍后再试。",
	              "class", "error", "role", "alert", NULL);
	api_html_raw(w, "<p class=\"links\"><a href=\"/\" target=\"_blank\" rel=\"noopener\">"
	                "打开部门预决算公开首页</a></p>");
}

static void put_body(struct api_jw *w, struct embed *e)
{
	struct api_page p = { .w = w, .c = &e->c, .doc = e->doc };

	if (e->doc == NULL) {
		put_missing(w, e);
		return;
	}
	put_header(w, e);
	if (e->table != 0) {
		api_page_table(&p, api_find_table(e->doc, e->table), API_TABLE_EMBED, e->page);
		put_links(w, e);
		return;
	}
	put_headline(w, e);
	put_links(w, e);
	for (int k = 1; k <= API_TABLES_MAX; k++) {
		const json_t *t = api_find_table(e->doc, k);
		if (t != NULL)
			api_page_table(&p, t, API_TABLE_EMBED, e->page);
	}
}

static int put_marker(void *ctx, struct api_jw *w, const char *name, size_t n)
{
	struct embed *e = ctx;

	if (n == 5 && strncmp(name, "title", 5) == 0)
		put_title(w, e);
	else if (n == 5 && strncmp(name, "embed", 5) == 0)
		put_body(w, e);
	return 0;
}

static void fill(struct api_jw *w, const char *tmpl, size_t len, struct embed *e)
{
	api_page_fill(w, tmpl, len, put_marker, e);
}

/* Loads the disclosure into e (e->doc, or NULL with e->status 404 or 503; cause says why
 * the store failed). The caller releases the returned tree. */
static json_t *load(struct db *db, struct embed *e, char *cause, size_t size)
{
	struct db_error err = { 0 };
	json_t *doc = db_export(db, e->dept, e->c.year, e->c.kind, e->c.level, &err);

	e->status = 200;
	if (doc == NULL) {
		e->status = err.code == DB_NOT_FOUND ? 404 : 503;
		if (e->status == 503)
			snprintf(cause, size, "%.150s",
			         err.text[0] ? err.text : "the store failed");
		return NULL;
	}
	if (e->table != 0 && api_find_table(doc, e->table) == NULL)
		e->status = 404;
	e->doc = e->status == 200 ? doc : NULL;
	return doc;
}

int api_embed(struct db *db, const struct api_request *req, const char *tmpl, size_t len,
              struct api_response *resp)
{
	const char *level = req->arg(req->ctx, "level");
	struct embed e = { .c = { .db = db, .req = req } };
	struct api_jw w;
	json_t *doc = NULL;

	memset(resp, 0, sizeof(*resp));
	api_jw_init(&w);
	e.c.level = level != NULL && strcmp(level, "unit") == 0 ? "unit" : "department";
	if (read_path(req->path, &e)) {
		e.c.dept = e.dept;
		snprintf(e.c.base, sizeof(e.c.base), "/api/v1/departments/%s/%s/%d", e.dept,
		         e.c.kind_path, e.c.year);
		api_page_url(e.page, sizeof(e.page), e.dept, e.c.year, e.c.kind, e.c.level);
		if (db_read_begin(db) != 0) {
			e.status = 503;
			snprintf(resp->cause, sizeof(resp->cause),
			         "could not begin a read transaction");
		} else {
			doc = load(db, &e, resp->cause, sizeof(resp->cause));
			/* the store's latest import dates the view, as it does the page */
			if (db_modified(db, NULL, 0, NULL, NULL, &resp->modified,
			                &(struct db_error){ 0 }) != 0)
				resp->modified = 0;
			db_read_end(db);
		}
	} else {
		e.status = 404;
	}
	fill(&w, tmpl, len, &e);
	json_decref(doc);
	if ((resp->body = api_jw_finish(&w, &resp->len)) == NULL)
		return -1;
	resp->status = e.status;
	resp->content_type = "text/html; charset=utf-8";
	return 0;
}

void api_embed_key(const struct api_request *req, char *key, size_t size)
{
	const char *level = req->arg(req->ctx, "level");
	int n = snprintf(key, size, "embed %s %s", req->path,
	                 level != NULL && strcmp(level, "unit") == 0 ? "unit" : "department");

	if (n < 0 || (size_t)n >= size)
		key[0] = '\0';
}
