// SPDX-License-Identifier: MIT
// The page's 项目支出 with their 绩效目标表, “三公”经费 and 其他事项 (#15), ported from
// static/app.js's renderProjects, renderSangong and renderOther: the same ids, classes and
// texts, the figures as published (the computed 三公 ones from disclosure.c, as the API's).
#include "page.h"

#include <stdio.h>
#include <string.h>

/* ---- small helpers ---- */

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A stored figure's published digits, or NULL (app.js's has() of an API number). */
static const char *dec(const json_t *obj, const char *key)
{
	return api_dec_text(json_object_get(obj, key));
}

/* app.js's has() of a text: present and not empty. */
static bool has_text(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Equal, or both absent: two indicators without a 一级指标 share one (unlike
 * api_page_same(), which needs both present). */
static bool same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* A count (api_kcount's integer), into buf as digits; false when not published. */
static bool count(const json_t *obj, const char *key, char *buf, size_t size)
{
	const json_t *j = json_object_get(obj, key);

	if (!json_is_integer(j))
		return false;
	snprintf(buf, size, "%lld", (long long)json_integer_value(j));
	return true;
}

/* The disclosure's unit (the projects' and other matters' figures are in it). */
static const char *doc_unit(const struct api_page *p)
{
	const char *u = str(p->doc, "unit");

	return u != NULL ? u : "";
}

/* <div class="table-scroll" tabindex="0" role="region" aria-label="label">: a table that may
 * scroll sideways in its own box, reachable by keyboard. */
static void open_scroll(struct api_jw *w, const char *label)
{
	api_html_open(w, "div", "class", "table-scroll", "tabindex", "0", "role", "region",
	              "aria-label", label, NULL);
}

static void close_table(struct api_jw *w)
{
	api_html_raw(w, "</tbody></table>");
}

/* <td class="cls" data-col="col">text</td> (col NULL: none). */
static void td(struct api_jw *w, const char *cls, const char *col, const char *text)
{
	api_html_elem(w, "td", text, "class", cls, "data-col", col, NULL);
}

static void row_head(struct api_jw *w, const char *label)
{
	api_html_elem(w, "th", label, "scope", "row", NULL);
}

/* ---- 项目支出 ---- */

/* The project table's total: the first total row with a figure in its figure column. */
static const char *project_total(const json_t *tp)
{
	const json_t *col = api_page_figure_column(tp), *r;
	const char *key = str(col, "key");
	size_t i;

	if (tp == NULL || key == NULL)
		return NULL;
	json_array_foreach (json_object_get(tp, "rows"), i, r) {
		const char *v = dec(json_object_get(r, "amounts"), key);
		if (same(str(r, "kind"), "total") && v != NULL)
			return v;
	}
	return NULL;
}

/* An amount with its unit (nothing when not published, so that no lone unit is shown). */
static void put_amount(struct api_jw *w, const char *v, const char *unit)
{
	if (v == NULL)
		return;
	api_html_elem(w, "b", v, NULL);
	api_html_textf(w, " %s", unit);
}

/* The joined codes (2010399), or "" without codes. */
static void codes_of(const json_t *x, char *out, size_t size)
{
	const json_t *c;
	size_t i;

	out[0] = '\0';
	json_array_foreach (json_object_get(x, "codes"), i, c)
		if (json_is_string(c))
			strncat(out, json_string_value(c), size - strlen(out) - 1);
}

static void withheld_item(struct api_page *p, const json_t *x)
{
	struct api_jw *w = p->w;
	const char *legal = str(json_object_get(p->doc, "withheld"), "legal_source");
	char id[200], code[16];

	snprintf(id, sizeof(id), "project-%s", str(x, "id") ? str(x, "id") : "");
	codes_of(x, code, sizeof(code));
	api_html_open(w, "li", "class", "project withheld", "id", id, NULL);
	api_html_raw(w, "<span class=\"p-name\"><span class=\"tag\">不予公开</span>");
	api_html_text(w, "项目名称及明细未公开");
	api_html_raw(w, "</span><span class=\"p-amt\">");
	put_amount(w, dec(x, "amount"), doc_unit(p));
	api_html_raw(w, "</span>");
	api_html_open(w, "p", "class", "basis", NULL);
	api_html_textf(w, "依据：%s", has_text(legal) ? legal : "未说明");
	if (code[0] != '\0')
		api_html_textf(w, "；科目编码 %s", code);
	api_html_close(w, "p");
	api_html_close(w, "li");
}

/* <dl class="facts">: the project's facts that are published. */
static void project_facts(struct api_jw *w, const json_t *x)
{
	const char *name = str(x, "name"), *table_name = str(x, "table_name");
	char code[16];
	const char *facts[][2] = {
		{ "科目编码", code },
		{ "项目表所列名称", table_name && !same(table_name, name) ? table_name : NULL },
		{ "项目承担单位", str(x, "executing_unit") },
		{ "资金执行时间", str(x, "period") },
		{ "设立的政策依据", str(x, "policy_basis") },
	};

	codes_of(x, code, sizeof(code));
	api_html_open(w, "dl", "class", "facts", NULL);
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		if (!has_text(facts[i][1]))
			continue;
		api_html_elem(w, "dt", facts[i][0], NULL);
		api_html_elem(w, "dd", facts[i][1], NULL);
	}
	api_html_close(w, "dl");
}

/* 经济分类：301 12万元；302 3万元, and 绩效自评得分, when published. */
static void project_economic(struct api_jw *w, const json_t *x, const char *unit)
{
	const json_t *v;
	const char *k, *self = dec(x, "self_evaluation");
	bool first = true;

	json_object_foreach ((json_t *)json_object_get(x, "economic"), k, v) {
		if (api_dec_text(v) == NULL)
			continue;
		api_html_raw(w, first ? "<p>经济分类：" : "；");
		api_html_textf(w, "%s %s%s", k, api_dec_text(v), unit);
		first = false;
	}
	if (!first)
		api_html_close(w, "p");
	if (self != NULL) {
		api_html_open(w, "p", NULL);
		api_html_textf(w, "绩效自评得分：%s", self);
		api_html_close(w, "p");
	}
}

static void project_allocation(struct api_jw *w, const json_t *x, const char *unit)
{
	static const char *const heads[] = { "明细", "#金额", NULL };
	const json_t *alloc = json_object_get(x, "allocation"), *items, *it;
	const char *name = str(x, "name") ? str(x, "name") : "";
	char label[600];
	size_t i;

	if (!json_is_object(alloc))
		return;
	api_html_elem(w, "h3", "资金分配情况", NULL);
	if (has_text(str(alloc, "text")))
		api_html_elem(w, "p", str(alloc, "text"), NULL);
	if (json_array_size(items = json_object_get(alloc, "items")) == 0)
		return;
	snprintf(label, sizeof(label), "%s 资金分配", name);
	open_scroll(w, label);
	snprintf(label, sizeof(label), "%s 资金分配（单位：%s）", name, unit);
	api_page_table_open(w, "data", label, heads);
	json_array_foreach (items, i, it) {
		api_html_raw(w, "<tr>");
		row_head(w, str(it, "item"));
		td(w, "num", "amount", dec(it, "amount"));
		api_html_raw(w, "</tr>");
	}
	close_table(w);
	api_html_close(w, "div");
}

/* 资金总额 77 万元 其中：财政拨款 77 万元 其他资金 —. */
static void perf_funding(struct api_jw *w, const json_t *perf, const char *unit)
{
	static const char *const f[][2] = { { "资金总额", "funding_total" },
		                            { "其中：财政拨款", "funding_fiscal" },
		                            { "其他资金", "funding_other" } };

	api_html_open(w, "p", "class", "funding", NULL);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		const char *v = dec(perf, f[i][1]);
		api_html_raw(w, "<span>");
		api_html_textf(w, "%s ", f[i][0]);
		api_html_elem(w, "b", v != NULL ? v : "—", NULL);
		if (v != NULL)
			api_html_textf(w, " %s", unit);
		api_html_raw(w, "</span>");
	}
	api_html_close(w, "p");
}

/* How many indicators from i on share its 一级指标 (level 1) or its 一级 and 二级 (2). */
static size_t span(const json_t *list, size_t i, int level)
{
	const json_t *x = json_array_get(list, i);
	size_t j = i;

	for (; j < json_array_size(list); j++) {
		const json_t *y = json_array_get(list, j);
		if (!same(str(y, "level1"), str(x, "level1")) ||
		    (level == 2 && !same(str(y, "level2"), str(x, "level2"))))
			break;
	}
	return j - i;
}

/* A 一级 or 二级 cell, spanning the rows that share it; nothing on the rows it spans. */
static void indicator_group(struct api_jw *w, const json_t *list, size_t i, int level)
{
	const char *key = level == 1 ? "level1" : "level2";
	const json_t *x = json_array_get(list, i);
	char rows[24];

	if (i > 0 && span(list, i - 1, level) > 1)
		return;
	snprintf(rows, sizeof(rows), "%zu", span(list, i, level));
	api_html_elem(w, "th", str(x, key) ? str(x, key) : "", "scope", "row", "rowspan", rows,
	              NULL);
}

/* The full 绩效目标表: 一级指标 and 二级指标 spanning their rows, then 三级指标 and 指标值. */
static void indicator_table(struct api_jw *w, const char *name, const json_t *list)
{
	static const char *const heads[] = { "一级指标", "二级指标", "三级指标", "指标值", NULL };
	const json_t *x;
	char label[600];
	size_t i;

	snprintf(label, sizeof(label), "%s 绩效目标表", name);
	open_scroll(w, label);
	api_page_table_open(w, "data indicators", label, heads);
	json_array_foreach (list, i, x) {
		api_html_raw(w, "<tr>");
		indicator_group(w, list, i, 1);
		indicator_group(w, list, i, 2);
		api_html_elem(w, "th", str(x, "name") ? str(x, "name") : "", "scope", "row",
		              "class", "ind", NULL);
		td(w, "val", NULL, str(x, "value") ? str(x, "value") : "");
		api_html_raw(w, "</tr>");
	}
	close_table(w);
	api_html_close(w, "div");
}

static void project_performance(struct api_jw *w, const json_t *x, const char *unit)
{
	const json_t *perf = json_object_get(x, "performance");
	const char *objective = str(perf, "objective");

	if (!json_is_object(perf))
		return;
	api_html_elem(w, "h3", "绩效目标表", NULL);
	perf_funding(w, perf, unit);
	if (has_text(objective)) {
		api_html_open(w, "dl", "class", "facts", NULL);
		api_html_elem(w, "dt", "年度绩效目标", NULL);
		api_html_elem(w, "dd", objective, NULL);
		api_html_close(w, "dl");
	}
	indicator_table(w, str(x, "name") ? str(x, "name") : "",
	                json_object_get(perf, "indicators"));
}

/* A named project: a closed <details>, its name and amount the summary. */
static void project_details(struct api_page *p, const json_t *x)
{
	struct api_jw *w = p->w;
	const char *unit = doc_unit(p);
	char id[200];

	snprintf(id, sizeof(id), "project-%s", str(x, "id") ? str(x, "id") : "");
	api_html_raw(w, "<li>");
	api_html_open(w, "details", "id", id, "class", "project", NULL);
	api_html_raw(w, "<summary>");
	api_html_elem(w, "span", str(x, "name") ? str(x, "name") : "", "class", "p-name", NULL);
	api_html_open(w, "span", "class", "p-amt", NULL);
	put_amount(w, dec(x, "amount"), unit);
	api_html_raw(w, "</span></summary><div class=\"p-body\">");
	project_facts(w, x);
	project_economic(w, x, unit);
	project_allocation(w, x, unit);
	project_performance(w, x, unit);
	api_html_raw(w, "</div></details></li>");
}

/* 本年度共安排项目 N 个，项目支出合计 X 万元（见表七）。其中 … */
static void projects_lede(struct api_page *p, size_t n, size_t named)
{
	static const char *const types[] = { "budget_project", NULL };
	const json_t *tp = api_find_table_type(p->doc, types);
	const char *total = project_total(tp);
	char name[32];

	api_html_open(p->w, "p", NULL);
	api_html_textf(p->w,
	               api_page_final(p) ? "本公开列出项目 %zu 个" : "本年度共安排项目 %zu 个", n);
	if (total != NULL) {
		api_page_table_name(tp, name, sizeof(name));
		api_html_textf(p->w, "，项目支出合计 %s %s（见%s）", total,
		               api_table_unit(p->doc, tp), name);
	}
	api_html_textf(p->w,
	               "。其中 %zu 个项目公开了政策依据、资金分配和绩效目标，点击项目名称可展开。",
	               named);
	api_html_close(p->w, "p");
}

/* N 个项目共 X 万元不予公开。依据…：“…”。 */
static void withheld_summary(struct api_page *p)
{
	const json_t *wh = json_object_get(p->doc, "withheld"), *n = json_object_get(wh, "count");
	const char *amount = dec(wh, "amount"), *legal = str(wh, "legal_source"),
	           *basis = str(wh, "basis");

	if (!json_is_integer(n) || json_integer_value(n) <= 0)
		return;
	api_html_open(p->w, "p", "class", "withheld-summary", NULL);
	api_html_open(p->w, "strong", NULL);
	api_html_textf(p->w, "%lld 个项目共 %s %s不予公开", (long long)json_integer_value(n),
	               amount ? amount : "", doc_unit(p));
	api_html_close(p->w, "strong");
	api_html_textf(p->w, "。依据%s", has_text(legal) ? legal : "相关规定");
	if (has_text(basis))
		api_html_textf(p->w, "：“%s”", basis);
	api_html_text(p->w, "。");
	api_html_close(p->w, "p");
}

static void put_projects(struct api_page *p)
{
	const json_t *items = json_object_get(p->doc, "projects"), *x;
	size_t i, named = 0;

	api_page_section(p->w, "projects", "项目支出");
	if (json_array_size(items) == 0) {
		api_html_elem(p->w, "p", "本公开未包含项目明细。", NULL);
		api_html_close(p->w, "section");
		return;
	}
	json_array_foreach (items, i, x)
		named += !json_is_true(json_object_get(x, "withheld"));
	projects_lede(p, json_array_size(items), named);
	withheld_summary(p);
	api_html_open(p->w, "ol", "class", "projects", NULL);
	json_array_foreach (items, i, x) {
		if (json_is_true(json_object_get(x, "withheld")))
			withheld_item(p, x);
		else
			project_details(p, x);
	}
	api_html_close(p->w, "ol");
	api_html_close(p->w, "section");
}

/* ---- “三公”经费 ---- */

static const char *const sangong_types[] = { "budget_sangong", "final_sangong", NULL };

/* Is s at a whitespace character of JavaScript's \s that a note may hold (ASCII, U+3000,
 * U+00A0)? Its length in bytes, else 0. */
static size_t space_at(const char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
		return 2;
	if ((unsigned char)s[0] == 0xe3 && (unsigned char)s[1] == 0x80 &&
	    (unsigned char)s[2] == 0x80)
		return 3;
	return 0;
}

/* A note on one line, as app.js wrote it: each run of white space holding a line break as
 * one space, then a final 。 or . (and the white space after it) dropped. */
static void one_line(const char *note, char *out, size_t size)
{
	size_t n = 0, run, k;

	for (const char *s = note; *s && n + 4 < size; s += run) {
		bool brk = false;
		for (run = 0; (k = space_at(s + run)) > 0; run += k)
			brk = brk || s[run] == '\n';
		if (run > 0 && brk) {
			out[n++] = ' ';
			continue;
		}
		run = run > 0 ? space_at(s) : 1; /* copied one character at a time */
		memcpy(out + n, s, run);
		n += run;
	}
	out[n] = '\0';
	/* trailing white space, if a final 。 or . is before it */
	for (k = n; k > 0 && space_at(out + k - 1) == 1; k--)
		;
	if (k >= 3 && memcmp(out + k - 3, "。", 3) == 0)
		out[k - 3] = '\0';
	else if (k >= 1 && out[k - 1] == '.')
		out[k - 1] = '\0';
}

/* Without 三公 figures: a disclosure without the table says so; one whose table prints no
 * figures (a 决算 with none spent) says that, with the table's own note on one line. */
static void no_sangong(struct api_page *p, const json_t *t)
{
	const char *note = str(t, "note");
	char name[32], one[4096];

	api_html_open(p->w, "p", NULL);
	if (t == NULL) {
		api_html_text(p->w, "本公开未包含“三公”经费数据。");
		api_html_close(p->w, "p");
		return;
	}
	api_page_table_name(t, name, sizeof(name));
	api_html_textf(p->w, "%s%s未列出数字", name, str(t, "title") ? str(t, "title") : "");
	if (has_text(note)) {
		one_line(note, one, sizeof(one));
		api_html_textf(p->w, "；原表说明：%s", one);
	}
	api_html_text(p->w, "。");
	api_html_close(p->w, "p");
}

/* One row of the 三公 table: a 决算's 预算数, 决算数, 完成率, or a budget's 本年, 上年, 增减;
 * then the reason. */
static void sangong_row(struct api_jw *w, const char *label, const json_t *x, const char *cls,
                        bool final)
{
	char buf[DB_DEC_BUFSZ];
	const char *reason = str(x, "reason");

	api_html_open(w, "tr", "class", cls, NULL);
	row_head(w, label);
	if (final) {
		td(w, "num", "budget", dec(x, "budget"));
		td(w, "num", "final", dec(x, "final"));
		api_html_raw(w, "<td class=\"num\" data-col=\"completion\">");
		if (api_sangong_completion(x, buf))
			api_html_textf(w, "%s%%", buf);
	} else {
		td(w, "num", "amount", dec(x, "amount"));
		td(w, "num", "prior_year", api_sangong_prior(x, buf) ? buf : NULL);
		api_html_raw(w, "<td class=\"num\" data-col=\"change\">");
		api_page_signed(w, dec(x, "change"));
	}
	api_html_raw(w, "</td>");
	td(w, "reason", NULL, reason ? reason : "");
	api_html_close(w, "tr");
}

/* A 决算 prints budget and final side by side: 预算数, 决算数 and the completion rate. */
static bool sangong_final(const json_t *sg)
{
	const json_t *it;
	size_t i;

	if (dec(sg, "final") != NULL)
		return true;
	json_array_foreach (json_object_get(sg, "items"), i, it)
		if (dec(it, "final") != NULL || dec(it, "budget") != NULL)
			return true;
	return false;
}

static void sangong_table(struct api_jw *w, const json_t *sg, const char *unit, bool final)
{
	static const char *const heads_final[] = { "项目",    "#预算数", "#决算数",
		                                   "#完成率", "说明",    NULL };
	static const char *const heads_budget[] = { "项目",        "#本年预算", "#上年预算",
		                                    "#比上年增减", "增减原因",  NULL };
	const json_t *it;
	char caption[200];
	size_t i;

	snprintf(caption, sizeof(caption), "“三公”经费%s（单位：%s）",
	         final ? "预算数与决算数" : "预算与上年比较", unit);
	open_scroll(w, "“三公”经费");
	api_page_table_open(w, "data sangong", caption, final ? heads_final : heads_budget);
	json_array_foreach (json_object_get(sg, "items"), i, it) {
		const char *key = str(it, "key");
		bool sub = same(key, "vehicle_purchase") || same(key, "vehicle_operation");
		sangong_row(w, str(it, "label") ? str(it, "label") : "", it,
		            final && sub ? "item sub" : "item", final);
	}
	sangong_row(w, "合计", sg, "total", final);
	close_table(w);
	api_html_close(w, "div");
}

static void put_sangong(struct api_page *p)
{
	const json_t *sg = json_object_get(p->doc, "sangong");
	const json_t *t = api_find_table_type(p->doc, sangong_types);
	const char *unit = str(sg, "unit") ? str(sg, "unit") : doc_unit(p);
	bool final = sangong_final(sg);
	char name[32], href[32];

	api_page_section(p->w, "sangong", "“三公”经费");
	if (!json_is_object(sg)) {
		no_sangong(p, t);
		api_html_close(p->w, "section");
		return;
	}
	api_html_elem(
	    p->w, "p",
	    "“三公”经费指用一般公共预算财政拨款安排的因公出国（境）费、公务用车购置及运行费"
	    "和公务接待费。",
	    NULL);
	sangong_table(p->w, sg, unit, final);
	api_html_open(p->w, "p", "class", "table-footnote", NULL);
	api_html_text(p->w,
	              final ? "完成率为决算数占预算数的百分比，由本站按原文数字计算并四舍五入到"
	                      "0.01%（预算数为零时不计算）。"
	                    : "上年预算数由本站按原文的本年预算数与增减额计算得出（原文未直接列出"
	                      "上年数）。");
	if (t != NULL) {
		api_page_table_name(t, name, sizeof(name));
		snprintf(href, sizeof(href), "#table-%d", api_table_position(t));
		api_html_text(p->w, "分项数字另见");
		api_html_elem(p->w, "a", name, "href", href, NULL);
		api_html_text(p->w, "。");
	}
	api_html_close(p->w, "p");
	api_html_close(p->w, "section");
}

/* ---- 其他重要事项 ---- */

/* A row of label and figures, each a <td class="num"> (NULL: blank); then, if reason is
 * not NULL, a <td class="reason">. */
static void figures_row(struct api_jw *w, const char *cls, const char *label,
                        const char *const *figs, size_t n, const char *reason)
{
	api_html_open(w, "tr", "class", cls, NULL);
	row_head(w, label);
	for (size_t i = 0; i < n; i++)
		td(w, "num", NULL, figs[i]);
	if (reason != NULL)
		td(w, "reason", NULL, reason);
	api_html_close(w, "tr");
}

/* 机关运行经费: a budget's amount and change, or a 决算's budget and final side by side. */
static void oc_table(struct api_jw *w, const json_t *oc, const char *caption)
{
	static const char *const heads_final[] = { "项目", "#预算数", "#决算数", "主要原因", NULL };
	static const char *const heads_budget[] = { "项目",      "#金额",    "#比上年增减",
		                                    "#增减幅度", "主要原因", NULL };
	const char *reason = str(oc, "reason") ? str(oc, "reason") : "";
	const char *change = dec(oc, "change"), *pct = dec(oc, "change_percent");

	if (dec(oc, "final") != NULL || dec(oc, "budget") != NULL) {
		const char *figs[] = { dec(oc, "budget"), dec(oc, "final") };
		api_page_table_open(w, "data", caption, heads_final);
		figures_row(w, NULL, "机关运行经费", figs, 2, reason);
		close_table(w);
		return;
	}
	api_page_table_open(w, "data", caption, heads_budget);
	api_html_raw(w, "<tr>");
	row_head(w, "机关运行经费");
	td(w, "num", NULL, dec(oc, "amount"));
	api_html_raw(w, "<td class=\"num\">");
	api_page_signed(w, change);
	api_html_raw(w, "</td><td class=\"num\">");
	if (pct != NULL) {
		api_page_signed(w, pct);
		api_html_raw(w, "%");
	}
	api_html_raw(w, "</td>");
	td(w, "reason", NULL, reason);
	api_html_raw(w, "</tr>");
	close_table(w);
}

/* 机关运行经费's scope, from the counts that are published (nothing when none is). */
static void oc_scope(struct api_jw *w, const json_t *oc)
{
	char adm[24], inst[24];
	bool a = count(oc, "administrative_units", adm, sizeof(adm)),
	     i = count(oc, "institutional_units", inst, sizeof(inst));

	if (!a && !i)
		return;
	api_html_open(w, "p", "class", "table-footnote", NULL);
	api_html_text(w, "范围：本级及下属 ");
	if (a)
		api_html_textf(w, "%s 家行政单位", adm);
	if (i)
		api_html_textf(w, "%s%s 家事业单位", a ? "、" : "", inst);
	api_html_text(w, "。");
	api_html_close(w, "p");
}

/* <div class="block" id="id"><h3>title</h3>; closed by the caller. */
static void open_block(struct api_jw *w, const char *id, const char *title)
{
	api_html_open(w, "div", "class", "block", "id", id, NULL);
	api_html_elem(w, "h3", title, NULL);
}

static void none_block(struct api_jw *w)
{
	api_html_elem(w, "p", "本公开未包含此项。", NULL);
}

static void put_operating_costs(struct api_page *p)
{
	const json_t *oc = json_object_get(p->doc, "operating_costs");
	const char *unit = str(oc, "unit") ? str(oc, "unit") : doc_unit(p);
	char caption[200];

	open_block(p->w, "operating-costs", "机关运行经费");
	if (!json_is_object(oc)) {
		none_block(p->w);
		api_html_close(p->w, "div");
		return;
	}
	snprintf(caption, sizeof(caption), "%s（单位：%s）",
	         api_page_final(p) ? "机关运行经费支出" : "机关运行经费财政拨款预算", unit);
	open_scroll(p->w, "机关运行经费");
	oc_table(p->w, oc, caption);
	api_html_close(p->w, "div");
	oc_scope(p->w, oc);
	api_html_close(p->w, "div");
}

static void put_procurement(struct api_page *p)
{
	static const char *const heads[] = { "项目", "#金额", NULL };
	const json_t *pr = json_object_get(p->doc, "procurement");
	bool final = api_page_final(p);
	const struct {
		const char *label, *key, *cls;
	} rows[] = {
		{ final ? "政府采购支出总额" : "政府采购预算", "amount", "total" },
		{ "货物", "goods", "sub" },
		{ "工程", "works", "sub" },
		{ "服务", "services", "sub" },
		{ "面向中小企业预留", "sme_reserved", NULL },
		{ "其中：面向小微企业预留", "small_micro_reserved", "sub" },
	};
	char caption[200];

	open_block(p->w, "procurement", "政府采购");
	if (!json_is_object(pr)) {
		none_block(p->w);
		api_html_close(p->w, "div");
		return;
	}
	snprintf(caption, sizeof(caption), "%s（单位：%s）",
	         final ? "政府采购支出" : "政府采购预算", doc_unit(p));
	open_scroll(p->w, "政府采购");
	api_page_table_open(p->w, "data", caption, heads);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *v = dec(pr, rows[i].key);
		figures_row(p->w, rows[i].cls, rows[i].label, &v, 1, NULL);
	}
	close_table(p->w);
	api_html_close(p->w, "div");
	api_html_close(p->w, "div");
}

/* A count with its measure word ("8 辆"), or blank when not published. */
static void count_cell(struct api_jw *w, const json_t *obj, const char *key, const char *word)
{
	char n[24];

	api_html_raw(w, "<td class=\"num\">");
	if (count(obj, key, n, sizeof(n)))
		api_html_textf(w, "%s %s", n, word);
	api_html_raw(w, "</td>");
}

/* '2020-12-31' as 2020年12月31日 (any other text as it is) into out. */
static void date_text(const char *d, char *out, size_t size)
{
	int y, m, day, end = 0;

	if (d != NULL && strlen(d) == 10 && strspn(d, "0123456789-") == 10 && d[4] == '-' &&
	    d[7] == '-' && sscanf(d, "%4d-%2d-%2d%n", &y, &m, &day, &end) == 3 && end == 10)
		snprintf(out, size, "%d年%d月%d日", y, m, day);
	else
		snprintf(out, size, "%s", d != NULL ? d : "");
}

static void assets_rows(struct api_jw *w, const json_t *as)
{
	const json_t *v;
	const char *building = dec(as, "building_area");
	size_t i;

	api_html_raw(w, "<tr>");
	row_head(w, "房屋");
	api_html_raw(w, "<td class=\"num\">");
	if (building != NULL)
		api_html_textf(w, "%s 平方米", building);
	api_html_raw(w, "</td>");
	td(w, "num", NULL, dec(as, "building_value"));
	api_html_raw(w, "</tr>");
	json_array_foreach (json_object_get(as, "vehicles"), i, v) {
		api_html_open(w, "tr", "class", same(str(v, "kind"), "total") ? NULL : "sub", NULL);
		row_head(w, str(v, "label"));
		count_cell(w, v, "count", "辆");
		td(w, "num", NULL, dec(v, "value"));
		api_html_raw(w, "</tr>");
	}
	figures_row(w, NULL, "办公家具", (const char *[]){ NULL, dec(as, "furniture_value") }, 2,
	            NULL);
	figures_row(w, NULL, "其他资产", (const char *[]){ NULL, dec(as, "other_value") }, 2, NULL);
	api_html_raw(w, "<tr>");
	row_head(w, "单位价值50万元以上大型设备");
	count_cell(w, as, "equipment_over_50", "台（套）");
	api_html_raw(w, "<td class=\"num\"></td></tr><tr>");
	row_head(w, "单位价值100万元以上大型设备");
	count_cell(w, as, "equipment_over_100", "台（套）");
	api_html_raw(w, "<td class=\"num\"></td></tr>");
}

/* A budget's planned purchases (预算安排); a 决算 plans nothing, and nothing unpublished is
 * shown. */
static void planned(struct api_page *p, const json_t *as)
{
	const char *vehicles = dec(as, "planned_vehicle_purchase");
	char n50[24], n100[24];
	bool a50 = count(as, "planned_equipment_over_50", n50, sizeof(n50)),
	     a100 = count(as, "planned_equipment_over_100", n100, sizeof(n100));
	const char *sep = "";

	if (api_page_final(p) || (vehicles == NULL && !a50 && !a100))
		return;
	api_html_open(p->w, "p", NULL);
	api_html_textf(p->w, "%d年预算安排：", p->c->year);
	if (vehicles != NULL) {
		api_html_textf(p->w, "购置车辆经费 %s %s", vehicles, doc_unit(p));
		sep = "；";
	}
	if (a50) {
		api_html_textf(p->w, "%s购置单位价值50万元以上大型设备 %s 台（套）", sep, n50);
		sep = "；";
	}
	if (a100)
		api_html_textf(p->w, "%s100万元以上大型设备 %s 台（套）", sep, n100);
	api_html_text(p->w, "。");
	api_html_close(p->w, "p");
}

static void put_assets(struct api_page *p)
{
	const json_t *as = json_object_get(p->doc, "assets");
	char value[120], date[64], caption[200];
	const char *heads[] = { "资产", "#数量", value, NULL };

	open_block(p->w, "assets", "国有资产占用");
	if (!json_is_object(as)) {
		none_block(p->w);
		api_html_close(p->w, "div");
		return;
	}
	snprintf(value, sizeof(value), "#价值（%s）", doc_unit(p));
	date_text(str(as, "as_of"), date, sizeof(date));
	snprintf(caption, sizeof(caption), "国有资产占用情况（截至%s）", date);
	open_scroll(p->w, "国有资产占用");
	api_page_table_open(p->w, "data", caption, heads);
	assets_rows(p->w, as);
	close_table(p->w);
	api_html_close(p->w, "div");
	planned(p, as);
	api_html_close(p->w, "div");
}

static void put_performance(struct api_page *p)
{
	static const char *const heads[] = { "项目", "#数值", NULL };
	const json_t *pf = json_object_get(p->doc, "performance");
	const char *amount = dec(pf, "amount");

	open_block(p->w, "performance", "预算绩效");
	if (!json_is_object(pf)) {
		none_block(p->w);
		api_html_close(p->w, "div");
		return;
	}
	open_scroll(p->w, "预算绩效");
	api_page_table_open(p->w, "data", "实行绩效管理的项目", heads);
	api_html_raw(p->w, "<tr>");
	row_head(p->w, "一般公共预算项目数");
	count_cell(p->w, pf, "project_count", "个");
	api_html_raw(p->w, "</tr><tr>");
	row_head(p->w, api_page_final(p) ? "涉及金额" : "涉及预算金额");
	api_html_raw(p->w, "<td class=\"num\">");
	if (amount != NULL)
		api_html_textf(p->w, "%s %s", amount, doc_unit(p));
	api_html_raw(p->w, "</td></tr>");
	close_table(p->w);
	api_html_close(p->w, "div");
	api_html_raw(p->w, "<p>各项目的绩效目标表见<a href=\"#projects\">项目支出</a>"
	                   "（点击项目名称展开）。</p>");
	api_html_close(p->w, "div");
}

static void put_other(struct api_page *p)
{
	api_page_section(p->w, "other-matters", "其他重要事项");
	put_operating_costs(p);
	put_procurement(p);
	put_assets(p);
	put_performance(p);
	api_html_close(p->w, "section");
}

/* Reads nothing from the store itself: everything is in p->doc. */
int api_page_projects(struct api_page *p)
{
	put_projects(p);
	put_sangong(p);
	put_other(p);
	return 0;
}
