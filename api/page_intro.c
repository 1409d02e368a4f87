// SPDX-License-Identifier: MIT
// The page's opening (#15): the meta line (with the original document and the department's
// other disclosures as plain links, which work without JavaScript), the source note, the audit
// summary, then 概况 (with 与上年比较) and 图解 (page_overview.c).
#include "page_intro.h"
#include "read_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* '2021-04-15' → '2021年4月15日'; anything else as it is. */
static void put_date(struct api_jw *w, const char *d)
{
	int y, m, day;
	char rest;

	if (strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &rest) == 3 &&
	    d[4] == '-' && d[7] == '-')
		api_html_textf(w, "%d年%d月%d日", y, m, day);
	else
		api_html_text(w, d);
}

/* Whether url may be a link: http(s) only, as app.js's webLink() (the import refuses other
 * schemes; this is for a store made elsewhere). */
static bool web_link(const char *url)
{
	size_t n;

	if (url == NULL)
		return false;
	if (strncasecmp(url, "http://", 7) == 0)
		n = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		n = 8;
	else
		return false;
	return url[n] != '\0' && strchr(" \t\r\n\f\v/?#", url[n]) == NULL;
}

/* Does url's path end in .pdf (before its query or fragment)? */
static bool is_pdf(const char *url)
{
	size_t n = strcspn(url, "?#");

	return n >= 4 && strncasecmp(url + n - 4, ".pdf", 4) == 0;
}

/* ---- the meta line ---- */

/* 金额单位: the tables' units (each once, in table order) and the text's. */
static void put_units(struct api_page *p)
{
	const json_t *tables = json_object_get(p->doc, "tables"), *t;
	const char *unit = api_page_str(p->doc, "unit"), *units[API_TABLES_MAX + 1];
	size_t i, n = 0;
	bool other = false;

	json_array_foreach (tables, i, t) {
		const char *u = api_table_unit(p->doc, t);
		bool seen = u == NULL || *u == '\0';
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(units[k], u) == 0;
		if (!seen && n < API_TABLES_MAX + 1)
			units[n++] = u;
	}
	for (size_t k = 0; k < n; k++)
		other = other || !api_page_same(units[k], unit);
	api_html_open(p->w, "span", NULL);
	api_html_text(p->w, other ? "金额单位：表格为" : "金额单位：");
	for (size_t k = 0; other && k < n; k++) {
		api_html_text(p->w, k > 0 ? "、" : "");
		api_html_text(p->w, units[k]);
	}
	if (other)
		api_html_textf(p->w, "，文字部分为%s", unit ? unit : "");
	else
		api_html_text(p->w, unit && *unit ? unit : n > 0 ? units[0] : "");
	api_html_close(p->w, "span");
}

static bool is_shown(const struct api_ctx *c, const json_t *d)
{
	return json_integer_value(json_object_get(d, "year")) == c->year &&
	       api_page_same(api_page_str(d, "kind"), c->kind) &&
	       api_page_same(api_page_str(d, "level"), c->level ? c->level : "department");
}

static void put_year_link(struct api_page *p, const json_t *d, bool first)
{
	const char *kind = api_page_str(d, "kind"), *level = api_page_str(d, "level");
	int year = (int)json_integer_value(json_object_get(d, "year"));
	char url[600], label[64];

	api_page_url(url, sizeof(url), p->c->dept, year, kind ? kind : "budget", level);
	snprintf(label, sizeof(label), "%d年 %s", year, api_page_doc_kind(kind, level));
	api_html_text(p->w, first ? "" : "、");
	api_html_elem(p->w, "a", label, "href", url, NULL);
}

/* 其他年度: the department's other disclosures, newest first, as links (the header's select
 * does nothing without JavaScript). Nothing when it has no other. */
static void put_other_years(struct api_page *p)
{
	const json_t *d;
	size_t i, n = 0;

	json_array_foreach (json_object_get(p->dept, "disclosures"), i, d) { /* newest first */
		if (is_shown(p->c, d))
			continue;
		if (n++ == 0)
			api_html_raw(p->w, "<span class=\"other-years\">其他年度与类型：");
		put_year_link(p, d, n == 1);
	}
	if (n > 0)
		api_html_close(p->w, "span");
}

/* Where the reader finds the published file: the copy this store keeps (#18: exactly the
 * file the figures come from, and it does not move), else the publisher's address when it
 * is a web link; NULL for neither. buf holds the first. */
static const char *original(struct api_page *p, char *buf, size_t size)
{
	const json_t *src = json_object_get(p->doc, "source");
	const char *url = api_page_str(src, "url");

	if (api_keeps_pdf(p->c, api_page_str(src, "sha256"))) {
		api_url(p->c, buf, size, "/source.pdf", false);
		return buf;
	}
	return web_link(url) ? url : NULL;
}

static void put_meta(struct api_page *p)
{
	const char *published = api_page_str(p->doc, "published");
	char self[400], csv[400], kept[400];
	const char *url = original(p, kept, sizeof(kept));

	api_url(p->c, self, sizeof(self), "", false);
	api_url(p->c, csv, sizeof(csv), "/projects", true);
	api_html_open(p->w, "p", "class", "meta", NULL);
	if (published != NULL) {
		api_html_open(p->w, "span", NULL);
		api_html_text(p->w, "发布日期：");
		put_date(p->w, published);
		api_html_close(p->w, "span");
	}
	put_units(p);
	api_html_raw(p->w, "<span>数据：");
	api_html_elem(p->w, "a", "JSON", "href", self, NULL);
	api_html_text(p->w, "，项目清单 ");
	api_html_elem(p->w, "a", "CSV", "href", csv, NULL);
	api_html_close(p->w, "span");
	if (url != NULL) {
		api_html_open(p->w, "span", NULL);
		api_html_elem(p->w, "a",
		              url == kept || is_pdf(url) ? "查看原文（PDF）" : "查看原文", "href",
		              url, "rel", "noopener", NULL);
		api_html_close(p->w, "span");
	}
	put_other_years(p);
	api_html_close(p->w, "p");
}

/* ---- the source note, for readers: collapsed until asked for ---- */

/* Does a sentence still name a field (a Latin letter, PDF aside)? */
static bool has_latin(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (n - i >= 3 && strncmp(s + i, "PDF", 3) == 0) {
			i += 2;
			continue;
		}
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))
			return true;
	}
	return false;
}

/* The notes in the page's words (api_page_plain_words), each sentence (up to its 。) that
 * still names a field left out. A malloc'd string (maybe "") the caller frees, or NULL when memory ran out. */
static char *reader_notes(const char *notes)
{
	static const char stop[] = "。";
	char *plain = api_page_plain_words(notes), *s;
	struct api_jw w;

	if (plain == NULL)
		return NULL;
	api_jw_init(&w);
	api_jw_raw(&w, "", 0);
	for (s = plain; *s != '\0';) {
		char *end = strstr(s, stop);
		size_t n = end ? (size_t)(end - s) + strlen(stop) : strlen(s);
		/* app.js's /[^。]+。?/: a 。 with nothing before it is no sentence */
		if (end != s && !has_latin(s, n))
			api_jw_raw(&w, s, n);
		s += end == s ? strlen(stop) : n;
	}
	free(plain);
	return api_jw_finish(&w, NULL);
}

static void put_source_line(struct api_page *p, const json_t *src)
{
	char kept[400];
	const char *doc = api_page_str(src, "document"), *url = original(p, kept, sizeof(kept));
	const json_t *pages = json_object_get(src, "pages");
	bool link = url != NULL, has_pages = json_is_integer(pages);

	api_html_open(p->w, "p", NULL);
	if (doc != NULL)
		api_html_textf(p->w, "来源：《%s》", doc);
	else
		api_html_text(p->w, "来源：部门公开的文件");
	if (has_pages || link) {
		api_html_text(p->w, "（");
		if (has_pages)
			api_html_textf(p->w, "共 %lld 页", (long long)json_integer_value(pages));
		api_html_text(p->w, has_pages && link ? "，" : "");
		if (link)
			api_html_elem(p->w, "a", "原文", "href", url, "rel", "noopener", NULL);
		api_html_text(p->w, "）");
	}
	api_html_text(p->w, "。");
	api_html_close(p->w, "p");
}

static int put_source_note(struct api_page *p)
{
	const json_t *src = json_object_get(p->doc, "source");
	const char *notes = api_page_str(src, "notes");
	char *plain = NULL;

	if (api_page_str(src, "document") == NULL && (notes == NULL || *notes == '\0'))
		return 0;
	if (notes != NULL && (plain = reader_notes(notes)) == NULL) {
		p->w->failed = true;
		return -1;
	}
	api_html_raw(p->w, "<details class=\"source\"><summary>数据从哪里来</summary>");
	put_source_line(p, src);
	api_html_elem(p->w, "p",
	              "本页的数字和文字都取自这份公开文件：表格逐格、文字逐句照录，原文的笔误和合计"
	              "不符之处也原样保留，没有改正或推算；原表空白的格子在本页也留空。",
	              NULL);
	if (plain != NULL && *plain != '\0') {
		api_html_open(p->w, "p", NULL);
		api_html_textf(p->w, "整理时的处理：%s", plain);
		api_html_close(p->w, "p");
	}
	api_html_close(p->w, "details");
	free(plain);
	return 0;
}

/* ---- 核对: the findings counted by severity ---- */

static int put_audit_summary(struct api_page *p)
{
	const struct api_ctx *c = p->c;
	struct db_finding_query q = {
		.department = c->dept, .year = c->year, .kind = c->kind, .level = c->level
	};
	struct db_finding_counts n = { 0 };
	const char *labels[] = { "差错", "疑点", "提示" };
	size_t counts[3];
	bool any = false;

	if (db_findings_of(c->db, &q, NULL, NULL, &n, &p->err) != 0)
		return -1;
	if (n.total == 0) {
		api_html_elem(p->w, "p", "核对：未发现不一致", "id", "audit-summary", "class",
		              "audit-summary audit-clean", NULL);
		return 0;
	}
	api_html_raw(p->w, "<p id=\"audit-summary\" class=\"audit-summary\"><strong>");
	api_html_textf(p->w, "核对：发现 %zu 处不一致", n.total);
	api_html_close(p->w, "strong");
	counts[0] = n.error;
	counts[1] = n.warning;
	counts[2] = n.info;
	for (size_t k = 0; k < 3; k++) {
		if (counts[k] == 0)
			continue;
		api_html_textf(p->w, "%s%s %zu 处", any ? "，" : "（", labels[k], counts[k]);
		any = true;
	}
	api_html_text(p->w, any ? "） " : " ");
	api_html_raw(p->w, "<a href=\"#audit\">查看核对结果</a></p>");
	return 0;
}

int api_page_intro(struct api_page *p)
{
	api_html_open(p->w, "div", NULL);
	put_meta(p);
	if (put_source_note(p) != 0)
		return -1;
	api_html_close(p->w, "div");
	if (put_audit_summary(p) != 0)
		return -1;
	if (api_page_overview(p) != 0)
		return -1;
	api_page_charts(p);
	return 0;
}
