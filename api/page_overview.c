// SPDX-License-Identifier: MIT
// 概况 and 图解 of the page (#15), as app.js's renderOverview() and renderCharts() drew them:
// the headline totals the API computes (api_headline_total, exactly in 万元), the 三公 total,
// the department's functions, organization and staff; 与上年比较 when the store has the year
// before; the bar charts in hand-written SVG.
#include "page_intro.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const summary_types[] = { "budget_summary", "final_summary", NULL };
static const char *const expenditure_types[] = { "budget_expenditure", "final_expenditure", NULL };
static const char *const basic_types[] = { "budget_general_basic_economic", "final_general_basic",
	                                   NULL };
static const char *const sangong_types[] = { "budget_sangong", "final_sangong", NULL };

/* The 三公 total shown as a headline: a 决算's final figure, else the amount; NULL without. */
static const char *sangong_total(const json_t *sg)
{
	const char *final = api_dec_text(json_object_get(sg, "final"));

	return final != NULL ? final : api_dec_text(json_object_get(sg, "amount"));
}

/* The 三公 figures' unit: their own, else the disclosure's. */
static const char *sangong_unit(const json_t *doc)
{
	const char *u = api_page_str(json_object_get(doc, "sangong"), "unit");

	return u != NULL ? u : api_page_str(doc, "unit");
}

/* ---- the headline cards ---- */

struct card {
	const char *label, *key, *unit;
	char value[DB_DEC_BUFSZ];
	char note[160];
};

/* A headline total in 万元, or false (with the unit it would come from in *from). */
static bool total(const json_t *doc, const char *key, char out[static DB_DEC_BUFSZ],
                  const char **from)
{
	int64_t wan;

	if (!api_headline_total(doc, key, &wan, from))
		return false;
	db_dec_format(wan, out);
	return true;
}

static void add_card(struct card *cards, size_t *n, const char *label, const char *key,
                     const char *value, const char *note)
{
	struct card *k = &cards[(*n)++];

	k->label = label;
	k->key = key;
	k->unit = "万元";
	snprintf(k->value, sizeof(k->value), "%s", value);
	snprintf(k->note, sizeof(k->note), "%s", note);
}

/* The units headline figures were converted from, each once (app.js's converted_from). */
static void converted(const char *unit, const char **from, size_t *n)
{
	if (unit == NULL || strcmp(unit, "万元") == 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(from[i], unit) == 0)
			return;
	from[(*n)++] = unit;
}

/* The four totals' cards (those published) and the 三公 one; the units converted from. */
static size_t cards_of(const struct api_page *p, struct card cards[5], const char **from,
                       size_t *n_from)
{
	char sum[32], exp[32], note[160], v[4][DB_DEC_BUFSZ];
	const char *keys[] = { "revenue", "expenditure", "basic", "project" }, *u;
	bool has[4];
	size_t n = 0;
	const json_t *sg = json_object_get(p->doc, "sangong");

	api_page_table_name(api_find_table_type(p->doc, summary_types), sum, sizeof(sum));
	api_page_table_name(api_find_table_type(p->doc, expenditure_types), exp, sizeof(exp));
	for (int i = 0; i < 4; i++)
		if ((has[i] = total(p->doc, keys[i], v[i], &u)))
			converted(u, from, n_from);
	if (has[0] && has[1] && strcmp(v[0], v[1]) == 0) {
		const char *both = api_page_final(p) ? "收入与支出决算总额" : "收入与支出预算总额";
		snprintf(note, sizeof(note), *sum ? "%s（%s）" : "%s", both, sum);
		add_card(cards, &n, "收支总计", "revenue", v[0], note);
	} else {
		if (has[0])
			add_card(cards, &n, "收入总计", "revenue", v[0], sum);
		if (has[1])
			add_card(cards, &n, "支出总计", "expenditure", v[1], sum);
	}
	snprintf(note, sizeof(note),
	         *exp ? "保障机构运转的人员经费和公用经费（%s）"
	              : "保障机构运转的人员经费和公用经费%s",
	         exp);
	if (has[2])
		add_card(cards, &n, "基本支出", "basic", v[2], note);
	snprintf(note, sizeof(note),
	         *exp ? "为完成特定任务安排的支出（%s）" : "为完成特定任务安排的支出%s", exp);
	if (has[3])
		add_card(cards, &n, "项目支出", "project", v[3], note);
	if (sangong_total(sg) != NULL) {
		bool final = api_dec_text(json_object_get(sg, "final")) != NULL;
		add_card(cards, &n, "“三公”经费", "sangong", sangong_total(sg),
		         final ? "决算数" : "因公出国（境）、公务用车、公务接待");
		cards[n - 1].unit = sangong_unit(p->doc);
	}
	return n;
}

static void put_cards(struct api_page *p)
{
	struct card cards[5];
	const char *from[4];
	size_t n_from = 0, n = cards_of(p, cards, from, &n_from);
	char cls[32];

	if (n > 0) {
		api_html_raw(p->w, "<p class=\"kpi-head\">单位：万元");
		for (size_t i = 0; i < n_from; i++) {
			api_html_text(p->w, i == 0 ? "（公开表以" : "、");
			api_html_text(p->w, from[i]);
		}
		if (n_from > 0)
			api_html_text(p->w,
			              "为单位，此处按原数移动小数点换算为万元，未作四舍五入）");
		api_html_close(p->w, "p");
	}
	api_html_raw(p->w, "<dl class=\"kpis\">");
	for (size_t i = 0; i < n; i++) {
		snprintf(cls, sizeof(cls), "kpi kpi-%s", cards[i].key);
		api_html_open(p->w, "div", "class", cls, NULL);
		api_html_elem(p->w, "dt", cards[i].label, NULL);
		/* elementtiming: the browser suite times when the first figure is painted
		 * (Chromium reports the text of a block, not of an inline span). */
		api_html_open(p->w, "dd", "elementtiming", "headline", NULL);
		api_html_open(p->w, "span", "class", "kpi-num", "data-total", cards[i].key, NULL);
		api_html_num(p->w, cards[i].value);
		api_html_close(p->w, "span");
		api_html_elem(p->w, "span", cards[i].unit, "class", "kpi-unit", NULL);
		if (cards[i].note[0] != '\0')
			api_html_elem(p->w, "span", cards[i].note, "class", "kpi-note", NULL);
		api_html_raw(p->w, "</dd></div>");
	}
	api_html_close(p->w, "dl");
}

/* ---- 主要职能, 机构设置, 单位构成, 人员情况 ---- */

/* <div class="table-scroll" ...><table class="data…"><caption>…</caption><thead>…</thead>
 * <tbody>: the caller writes the rows and closes with close_table(). A head starting with #
 * is a column of figures. */
static void open_table(struct api_jw *w, const char *region, const char *cls, const char *caption,
                       const char *const *head)
{
	api_html_open(w, "div", "class", "table-scroll", "tabindex", "0", "role", "region",
	              "aria-label", region, NULL);
	api_page_table_open(w, cls, caption, head);
}

static void close_table(struct api_jw *w)
{
	api_html_raw(w, "</tbody></table></div>");
}

static void put_texts(struct api_jw *w, const json_t *arr, const char *tag)
{
	size_t i;
	json_t *s;

	json_array_foreach (arr, i, s)
		api_html_elem(w, tag, json_string_value(s), NULL);
}

/* 单位构成: the units the disclosure covers, as listed (nothing when not published). */
static void put_org_units(struct api_jw *w, const json_t *org)
{
	static const char *const head[] = { "单位名称", "单位性质", "备注", NULL };
	const json_t *list = json_object_get(org, "units"), *u;
	size_t i;

	if (json_array_size(list) == 0)
		return;
	api_html_elem(w, "h3", "单位构成", NULL);
	open_table(w, "单位构成", "data units-table", "单位构成", head);
	json_array_foreach (list, i, u) {
		api_html_raw(w, "<tr>");
		api_html_elem(w, "th", api_page_str(u, "name"), "scope", "row", NULL);
		api_html_elem(w, "td", api_page_str(u, "type"), NULL);
		api_html_elem(w, "td", api_page_str(u, "note"), NULL);
		api_html_raw(w, "</tr>");
	}
	close_table(w);
}

static void put_organization(struct api_jw *w, const json_t *org)
{
	const json_t *internal = json_object_get(org, "internal_units");

	if (!json_is_object(org))
		return;
	api_html_elem(w, "h3", "机构设置", NULL);
	if (api_page_str(org, "text") != NULL)
		api_html_elem(w, "p", api_page_str(org, "text"), NULL);
	if (json_array_size(internal) > 0) {
		api_html_open(w, "ul", "class", "units", "aria-label", "内设机构", NULL);
		put_texts(w, internal, "li");
		api_html_close(w, "ul");
	}
	put_org_units(w, org);
}

/* A whole number of the store (a head count), or nothing. */
static void put_count(struct api_jw *w, const json_t *n, bool sign)
{
	char buf[32];

	if (!json_is_integer(n))
		return;
	snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(n));
	if (sign)
		api_page_signed(w, buf);
	else
		api_html_text(w, buf);
}

static void put_staffing(struct api_jw *w, const json_t *rows)
{
	static const char *const head[] = { "类别", "#人数", "#比上年增减", NULL };
	const json_t *r;
	size_t i;

	if (json_array_size(rows) == 0)
		return;
	api_html_elem(w, "h3", "人员情况", NULL);
	open_table(w, "人员情况", "data", "人员情况（单位：人）", head);
	json_array_foreach (rows, i, r) {
		const char *cat = api_page_str(r, "category");
		bool sub = api_page_same(cat, "serving") || api_page_same(cat, "retired") ||
		           api_page_same(cat, "lixiu");
		api_html_open(w, "tr", "class", sub ? "sub" : NULL, NULL);
		api_html_elem(w, "th", api_page_str(r, "label"), "scope", "row", NULL);
		api_html_raw(w, "<td class=\"num\">");
		put_count(w, json_object_get(r, "count"), false);
		api_html_raw(w, "</td><td class=\"num\">");
		put_count(w, json_object_get(r, "change"), true);
		api_html_raw(w, "</td></tr>");
	}
	close_table(w);
}

static void put_about(struct api_page *p)
{
	const json_t *ov = json_object_get(p->doc, "overview");
	const json_t *functions = json_object_get(ov, "functions");

	api_html_raw(p->w, "<div class=\"grid2\"><div>");
	if (json_array_size(functions) > 0) {
		api_html_elem(p->w, "h3", "主要职能", NULL);
		api_html_open(p->w, "ol", "class", "functions", NULL);
		put_texts(p->w, functions, "li");
		api_html_close(p->w, "ol");
	}
	api_html_raw(p->w, "</div><div>");
	put_organization(p->w, json_object_get(ov, "organization"));
	put_staffing(p->w, json_object_get(ov, "staffing"));
	api_html_raw(p->w, "</div></div>");
}

/* ---- 与上年比较 (#15): this year's headline figures beside the year before's ---- */

/* A headline figure of a disclosure in millionths of 万元: the four totals as the API
 * computes them, the 三公 total converted exactly; false when not published (or not
 * exactly convertible). */
static bool yoy_figure(const json_t *doc, const char *key, int64_t *wan)
{
	const char *unit, *text;
	int64_t v;

	if (strcmp(key, "sangong") != 0)
		return api_headline_total(doc, key, wan, &unit);
	text = sangong_total(json_object_get(doc, "sangong"));
	return text != NULL && db_dec_parse(text, true, &v) == 0 &&
	       api_to_wan(v, sangong_unit(doc), wan);
}

static void put_dec_cell(struct api_jw *w, const int64_t *v, bool sign, const char *suffix)
{
	char buf[DB_DEC_BUFSZ];

	api_html_raw(w, "<td class=\"num\">");
	if (v != NULL) {
		db_dec_format(*v, buf);
		if (sign)
			api_page_signed(w, buf);
		else
			api_html_num(w, buf);
		api_html_text(w, suffix);
	}
	api_html_raw(w, "</td>");
}

/* One line: last year, this year, the change and its percent (rounded to 0.01 as the
 * API's /series does); false when neither year publishes the figure. */
static bool put_yoy_row(struct api_page *p, const char *label, const char *key)
{
	int64_t before, now, change, pct;
	bool has_before = yoy_figure(p->prior, key, &before),
	     has_now = yoy_figure(p->doc, key, &now);
	bool has_change = false, has_pct = false;

	if (!has_before && !has_now)
		return false;
	if (has_before && has_now)
		has_change = db_change(before, now, &change, &pct, &has_pct) == 0;
	api_html_raw(p->w, "<tr>");
	api_html_elem(p->w, "th", label, "scope", "row", NULL);
	put_dec_cell(p->w, has_before ? &before : NULL, false, "");
	put_dec_cell(p->w, has_now ? &now : NULL, false, "");
	put_dec_cell(p->w, has_change ? &change : NULL, true, "");
	put_dec_cell(p->w, has_change && has_pct ? &pct : NULL, true, "%");
	api_html_raw(p->w, "</tr>");
	return true;
}

static void put_year_head(struct api_page *p, int year)
{
	char url[600], label[16];

	api_page_url(url, sizeof(url), p->c->dept, year, p->c->kind, p->c->level);
	snprintf(label, sizeof(label), "%d年", year);
	api_html_open(p->w, "th", "scope", "col", "class", "num", NULL);
	api_html_elem(p->w, "a", label, "href", url, NULL);
	api_html_close(p->w, "th");
}

static void put_yoy(struct api_page *p)
{
	static const char *const rows[][2] = { { "收入总计", "revenue" },
		                               { "支出总计", "expenditure" },
		                               { "基本支出", "basic" },
		                               { "项目支出", "project" },
		                               { "“三公”经费", "sangong" } };

	bool any = false;
	int64_t v;

	for (size_t i = 0; p->prior != NULL && i < sizeof(rows) / sizeof(rows[0]); i++)
		any = any || yoy_figure(p->prior, rows[i][1], &v);
	if (!any)
		return;
	api_html_raw(p->w, "<div id=\"yoy\" class=\"yoy\"><h3 id=\"yoy-h\">与上年比较</h3>"
	                   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" "
	                   "aria-labelledby=\"yoy-h\"><table class=\"data\">");
	api_html_elem(p->w, "caption", "与上年比较（单位：万元）", NULL);
	api_html_raw(p->w, "<thead><tr><th scope=\"col\">项目</th>");
	put_year_head(p, p->c->year - 1);
	put_year_head(p, p->c->year);
	api_html_raw(p->w, "<th scope=\"col\" class=\"num\">增减</th>"
	                   "<th scope=\"col\" class=\"num\">增减率</th></tr></thead><tbody>");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		put_yoy_row(p, rows[i][0], rows[i][1]);
	api_html_raw(p->w, "</tbody></table></div></div>");
}

int api_page_overview(struct api_page *p)
{
	api_page_section(p->w, "overview", "概况");
	put_cards(p);
	put_yoy(p);
	put_about(p);
	api_html_close(p->w, "section");
	return p->w->failed ? -1 : 0;
}

/* ---- 图解: horizontal bars in hand-written SVG, sized in % so they fit any width ---- */

#define CHART_ROW 46

struct bar {
	char label[512];
	const char *value; /* the figure as shown (published digits), or NULL */
	int colour;
};

/* Markup of this program's literals and numbers only (never store text), printf-style. */
static void rawf(struct api_jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rawf(struct api_jw *w, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	api_html_raw(w, buf);
}

static void put_attr_num(struct api_jw *w, const char *name, double v, const char *suffix)
{
	char buf[48];

	/* Geometry only (where a bar ends): a double is fine here, the figure's text is not
	 * derived from it. */
	snprintf(buf, sizeof(buf), "%.3f", v);
	for (char *e = buf + strlen(buf) - 1; e > buf && (*e == '0' || *e == '.'); e--) {
		bool dot = *e == '.';
		*e = '\0';
		if (dot)
			break;
	}
	rawf(w, " %s=\"%s%s\"", name, buf, suffix);
}

static void put_bar(struct api_jw *w, const struct bar *b, int n, double max, const char *unit)
{
	double v = strtod(b->value, NULL), width = 0;
	int y = n * CHART_ROW;

	if (max > 0) {
		width = v / max * 70;
		if (width < (v > 0 ? 0.5 : 0))
			width = v > 0 ? 0.5 : 0;
	}
	api_html_raw(w, "<g class=\"bar\" tabindex=\"0\"><title>");
	api_html_textf(w, "%s：%s%s", b->label, b->value, unit); /* text: escaped */
	api_html_raw(w, "</title>");
	rawf(w,
	     "<rect class=\"hit\" x=\"0\" y=\"%d\" width=\"100%%\" height=\"%d\" rx=\"3\"></rect>",
	     y + 1, CHART_ROW - 4);
	rawf(w, "<text class=\"lbl\" x=\"4\" y=\"%d\">", y + 16);
	api_html_text(w, b->label);
	rawf(w, "</text><rect class=\"fill-%d\" x=\"4\" y=\"%d\"", b->colour, y + 22);
	put_attr_num(w, "width", width, "%");
	api_html_raw(w, " height=\"15\" rx=\"2\"></rect><text class=\"val\"");
	put_attr_num(w, "x", width, "%");
	rawf(w, " dx=\"10\" y=\"%d\">", y + 34);
	api_html_num(w, b->value);
	api_html_raw(w, "</text></g>");
}

/* A <figure class="chart">: a bar per item with a figure, as app.js's chart(). */
static void put_chart(struct api_jw *w, const char *id, const char *title, const char *note,
                      const struct bar *items, size_t n, const char *unit)
{
	double max = 0;
	size_t rows = 0;
	char ref[80];

	for (size_t i = 0; i < n; i++) {
		if (items[i].value == NULL)
			continue;
		rows++;
		if (strtod(items[i].value, NULL) > max) /* geometry only */
			max = strtod(items[i].value, NULL);
	}
	api_html_open(w, "figure", "class", "chart", "id", id, NULL);
	api_html_open(w, "figcaption", NULL);
	api_html_text(w, title);
	api_html_elem(w, "small", note, NULL);
	api_html_close(w, "figcaption");
	snprintf(ref, sizeof(ref), "%s-title %s-desc", id, id);
	rawf(w,
	     "<svg role=\"img\" aria-labelledby=\"%s\" width=\"100%%\" height=\"%zu\" "
	     "class=\"bars\">",
	     ref, rows * CHART_ROW + 4); /* ids are this file's literals */
	snprintf(ref, sizeof(ref), "%s-title", id);
	api_html_open(w, "title", "id", ref, NULL);
	api_html_textf(w, "%s（单位：%s）", title, unit);
	api_html_close(w, "title");
	snprintf(ref, sizeof(ref), "%s-desc", id);
	api_html_open(w, "desc", "id", ref, NULL);
	for (size_t i = 0, k = 0; i < n; i++)
		if (items[i].value != NULL)
			api_html_textf(w, "%s%s：%s%s", k++ > 0 ? "；" : "", items[i].label,
			               items[i].value, unit);
	if (rows == 0)
		api_html_text(w, "无数据");
	api_html_close(w, "desc");
	for (size_t i = 0, k = 0; i < n; i++)
		if (items[i].value != NULL)
			put_bar(w, &items[i], (int)k++, max, unit);
	rawf(w,
	     "<line class=\"axis\" x1=\"4\" x2=\"4\" y1=\"20\" y2=\"%zu\"></line></svg></figure>",
	     rows * CHART_ROW + 4 - 6);
}

/* A row's figure in col; in a table printed in halves (人员经费 | 公用经费) the row's
 * figure of the same measure. */
static const char *row_figure(const json_t *t, const json_t *row, const json_t *col)
{
	const json_t *a = json_object_get(row, "amounts"), *c;
	const char *measure = api_page_str(col, "measure"), *v;
	size_t i;

	if (col == NULL)
		return NULL;
	if ((v = api_dec_text(json_object_get(a, api_page_str(col, "key")))) != NULL)
		return v;
	json_array_foreach (json_object_get(t, "columns"), i, c)
		if (measure != NULL && api_page_same(api_page_str(c, "measure"), measure) &&
		    (v = api_dec_text(json_object_get(a, api_page_str(c, "key")))) != NULL)
			return v;
	return NULL;
}

/* A chart of a table's 类 rows (level 1, one code). */
static void put_class_chart(struct api_page *p, const char *id, const char *title, const char *what,
                            const json_t *t, int colour)
{
	const json_t *col = api_page_figure_column(t), *rows = json_object_get(t, "rows"), *r;
	const char *unit = t ? api_table_unit(p->doc, t) : "万元";
	struct bar *items = calloc(json_array_size(rows) + 1, sizeof(*items));
	char note[1024], name[32];
	size_t i, n = 0;

	if (items == NULL) {
		p->w->failed = true;
		return;
	}
	json_array_foreach (rows, i, r) {
		const json_t *codes = json_object_get(r, "codes");
		if (api_row_level(r) != 1 || json_array_size(codes) != 1)
			continue;
		const char *code = json_string_value(json_array_get(codes, 0)),
		           *rname = api_page_str(r, "name");
		snprintf(items[n].label, sizeof(items[n].label), "%s%s%s", code ? code : "",
		         code && rname ? " " : "", rname ? rname : "");
		items[n].value = row_figure(t, r, col);
		items[n++].colour = colour;
	}
	api_page_table_name(t, name, sizeof(name));
	if (t != NULL)
		snprintf(note, sizeof(note), "按%s“类”级科目，取自%s“%s”栏；单位：%s", what, name,
		         col ? (api_page_str(col, "title") ? api_page_str(col, "title") : "") : "",
		         unit ? unit : "");
	else
		snprintf(note, sizeof(note), "本公开未包含此表");
	put_chart(p->w, id, title, note, items, n, unit && *unit ? unit : "万元");
	free(items);
}

/* When there are no 三公 figures: a disclosure without the table says so; one whose table
 * prints no figures (a 决算 with none spent) says that, with the table's own note (its
 * line breaks as spaces, without its closing stop). A malloc'd string, or NULL (memory). */
static char *no_sangong(const json_t *t)
{
	const char *note = api_page_str(t, "note"), *title = api_page_str(t, "title"), *s;
	char name[32], *out;
	struct api_jw w;
	size_t n;

	api_jw_init(&w);
	if (t == NULL) {
		api_html_raw(&w, "本公开未包含“三公”经费数据");
		return api_jw_finish(&w, NULL);
	}
	api_page_table_name(t, name, sizeof(name));
	api_html_raw(&w, name);
	api_html_raw(&w, title ? title : "");
	api_html_raw(&w, "未列出数字");
	if (note != NULL)
		api_html_raw(&w, "；原表说明：");
	for (s = note; s != NULL && *s != '\0'; s++) {
		if (*s != '\n') {
			api_jw_raw(&w, s, 1);
			continue;
		}
		while (w.len > 0 && strchr(" \t\r", w.buf[w.len - 1]))
			w.len--;
		api_jw_raw(&w, " ", 1);
		s += strspn(s + 1, " \t\r\n");
	}
	if ((out = api_jw_finish(&w, &n)) == NULL)
		return NULL;
	while (n > 0 && strchr(" \t\r", out[n - 1]))
		n--;
	if (note != NULL && n > 0 && out[n - 1] == '.')
		n--;
	else if (note != NULL && n >= 3 && memcmp(out + n - 3, "。", 3) == 0)
		n -= 3;
	out[n] = '\0';
	return out;
}

static void put_sangong_chart(struct api_page *p)
{
	const json_t *sg = json_object_get(p->doc, "sangong"),
	             *items = json_object_get(sg, "items");
	const json_t *table = api_find_table_type(p->doc, sangong_types), *it;
	const char *unit = sangong_unit(p->doc);
	struct bar *bars = calloc(json_array_size(items) + 1, sizeof(*bars));
	bool final = false;
	char *note, name[32];
	size_t i;

	if (bars == NULL) {
		p->w->failed = true;
		return;
	}
	json_array_foreach (items, i, it)
		final = final || api_dec_text(json_object_get(it, "final")) != NULL;
	json_array_foreach (items, i, it) {
		snprintf(bars[i].label, sizeof(bars[i].label), "%s",
		         api_page_str(it, "label") ? api_page_str(it, "label") : "");
		bars[i].value = api_dec_text(json_object_get(it, final ? "final" : "amount"));
		bars[i].colour = 4;
	}
	api_page_table_name(table, name, sizeof(name));
	if (sg == NULL) {
		note = no_sangong(table);
	} else {
		char buf[400];
		snprintf(buf, sizeof(buf), "%s，取自“三公”经费说明%s%s；单位：%s",
		         final ? "决算数" : "本年预算数", table ? "及" : "", name,
		         unit ? unit : "");
		note = strdup(buf);
	}
	if (note == NULL)
		p->w->failed = true;
	else
		put_chart(p->w, "chart-sangong", "“三公”经费", note, bars,
		          sg ? json_array_size(items) : 0, unit ? unit : "");
	free(note);
	free(bars);
}

static void put_basic_project_chart(struct api_page *p, const json_t *exp)
{
	struct bar bars[2] = { { "基本支出", NULL, 2 }, { "项目支出", NULL, 3 } };
	char v[2][DB_DEC_BUFSZ], note[200], name[32];
	const char *unit;

	if (total(p->doc, "basic", v[0], &unit))
		bars[0].value = v[0];
	if (total(p->doc, "project", v[1], &unit))
		bars[1].value = v[1];
	api_page_table_name(exp, name, sizeof(name));
	snprintf(note, sizeof(note), "取自%s合计行；单位：万元", *name ? name : "支出表");
	put_chart(p->w, "chart-basic-project", "基本支出与项目支出", note, bars, 2, "万元");
}

void api_page_charts(struct api_page *p)
{
	const json_t *exp = api_find_table_type(p->doc, expenditure_types);

	api_page_section(p->w, "charts", "图解");
	api_html_raw(p->w, "<div class=\"charts\">");
	put_class_chart(p, "chart-function", "支出功能分类", "功能分类", exp, 1);
	put_basic_project_chart(p, exp);
	put_class_chart(p, "chart-economic", "基本支出经济分类", "经济分类",
	                api_find_table_type(p->doc, basic_types), 2);
	put_sangong_chart(p);
	api_html_raw(p->w, "</div>");
	api_html_close(p->w, "section");
}
