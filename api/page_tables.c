// SPDX-License-Identifier: MIT
// The page's tables (#15), laid out as published, each with its own headers and unit: the
// 公开表 section, the contents' links to it, and the tables of the /embed/ views. A port of
// static/app.js's renderTable(): same ids, classes and texts, so style.css and the browser
// tests hold. Figures are written as stored, never through a number.
#include "page_tables.h"

#include <stdlib.h>
#include <string.h>

/* Header levels a column may stack (its group split at "/", then its title). */
#define LEVELS_MAX 8

static bool is_total(const json_t *row)
{
	return api_page_same(api_page_str(row, "kind"), "total");
}

/* A non-empty string member (app.js's truthiness of a string). */
static bool has_text(const json_t *obj, const char *key)
{
	const char *s = api_page_str(obj, key);

	return s != NULL && *s != '\0';
}

/* One side of a table (income or expenditure), or the whole of a one-sided one. */
struct grid {
	struct api_page *p;
	const json_t *t;
	const char *side; /* NULL: every row and column */
	enum api_table_view view;
	int n; /* the table's position */
	const char *label; /* 表N title */
	bool project, unplaced; /* the table has a project column, an unplaced one */
	int depth; /* code columns shown */
};

static bool on_side(const struct grid *g, const json_t *obj)
{
	return g->side == NULL || api_page_same(api_page_str(obj, "side"), g->side);
}

/* The stored figures of a row that are well formed: what the API gives. */
static size_t unplaced_count(const json_t *row)
{
	size_t i, n = 0;
	json_t *v;

	json_array_foreach (json_object_get(row, "unplaced"), i, v)
		n += api_dec_text(v) != NULL;
	return n;
}

static bool has_amounts(const json_t *row)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)json_object_get(row, "amounts"), k, v)
		if (api_dec_text(v) != NULL)
			return true;
	return false;
}

/* ---- the header rows ---- */

/* A column's header levels: its group split at "/", then its title. */
struct path {
	char *text; /* the group, copied, cut at each "/" */
	const char *part[LEVELS_MAX];
	int n;
};

static int path_of(const json_t *col, struct path *p)
{
	const char *group = api_page_str(col, "group"), *title = api_page_str(col, "title");

	p->n = 0;
	p->text = NULL;
	if (group != NULL && *group != '\0') {
		if ((p->text = strdup(group)) == NULL)
			return -1;
		for (char *s = p->text, *slash; p->n < LEVELS_MAX - 1; s = slash + 1) {
			p->part[p->n++] = s;
			if ((slash = strchr(s, '/')) == NULL)
				break;
			*slash = '\0';
		}
	}
	p->part[p->n++] = title != NULL ? title : "";
	return 0;
}

/* Do a and b share their header levels 0..r? */
static bool same_prefix(const struct path *a, const struct path *b, int r)
{
	for (int k = 0; k <= r; k++)
		if (strcmp(a->part[k], b->part[k]) != 0)
			return false;
	return true;
}

static void span_attr(char *buf, size_t size, int n)
{
	if (n > 1)
		snprintf(buf, size, "%d", n);
	else
		buf[0] = '\0';
}

#define SPAN(buf) ((buf)[0] ? (buf) : NULL)

/* The first header row's cells before the figure columns: 科目编码, the name, 项目名称. */
static void head_lead(const struct grid *g, int levels, const char *name_head)
{
	struct api_jw *w = g->p->w;
	char rows[16], cols[16], cls[32];

	if (g->depth > 1) {
		span_attr(rows, sizeof(rows), levels - 1);
		snprintf(cols, sizeof(cols), "%d", g->depth);
		api_html_elem(w, "th", "科目编码", "scope", "col", "class", "pin pin-0", "colspan",
		              cols, "rowspan", SPAN(rows), NULL);
	} else if (g->depth == 1) {
		span_attr(rows, sizeof(rows), levels);
		api_html_elem(w, "th", "科目编码", "scope", "col", "class", "pin pin-0", "rowspan",
		              SPAN(rows), NULL);
	}
	span_attr(rows, sizeof(rows), levels);
	snprintf(cls, sizeof(cls), "pin pin-%d pin-last", g->depth);
	api_html_elem(w, "th", name_head, "scope", "col", "class", cls, "rowspan", SPAN(rows),
	              NULL);
	if (g->project)
		api_html_elem(w, "th", "项目名称", "scope", "col", "rowspan", SPAN(rows), NULL);
}

/* Header row r's cells of the figure columns: a title reaching down to the last row, a
 * group merged over its neighbours. */
static void head_level(const struct grid *g, const struct path *paths, size_t n, int r, int levels)
{
	struct api_jw *w = g->p->w;
	char span[16];

	for (size_t i = 0; i < n;) {
		const struct path *p = &paths[i];
		size_t j = i + 1;
		if (r >= p->n) {
			i++;
			continue;
		}
		if (r == p->n - 1) {
			span_attr(span, sizeof(span), levels - r);
			api_html_elem(w, "th", p->part[r], "scope", "col", "class", "num",
			              "rowspan", SPAN(span), NULL);
			i++;
			continue;
		}
		while (j < n && paths[j].n - 1 > r && same_prefix(&paths[j], p, r))
			j++;
		span_attr(span, sizeof(span), (int)(j - i));
		api_html_elem(w, "th", p->part[r], "scope", "col", "colspan", SPAN(span), NULL);
		i = j;
	}
}

static void head_rows(const struct grid *g, const struct path *paths, size_t n,
                      const char *name_head)
{
	static const char *const code_heads[] = { "类", "款", "项" };
	struct api_jw *w = g->p->w;
	int levels = g->depth > 1 ? 2 : 1;
	char cls[32], span[16];

	for (size_t i = 0; i < n; i++)
		if (paths[i].n > levels)
			levels = paths[i].n;
	api_html_open(w, "thead", NULL);
	for (int r = 0; r < levels; r++) {
		api_html_open(w, "tr", NULL);
		if (r == 0)
			head_lead(g, levels, name_head);
		for (int i = 0; r == levels - 1 && g->depth > 1 && i < g->depth; i++) {
			snprintf(cls, sizeof(cls), "pin pin-%d", i);
			api_html_elem(w, "th", i < 3 ? code_heads[i] : "", "scope", "col", "class",
			              cls, NULL);
		}
		head_level(g, paths, n, r, levels);
		if (r == 0 && g->unplaced) {
			span_attr(span, sizeof(span), levels);
			api_html_elem(w, "th", "未定栏目＊", "scope", "col", "rowspan", SPAN(span),
			              NULL);
		}
		api_html_close(w, "tr");
	}
	api_html_close(w, "thead");
}

/* The columns of g's side, in order, and their header paths: malloc'd arrays the caller
 * frees (with each path's text), or -1 (memory). */
static int side_columns(const struct grid *g, const json_t ***cols, struct path **paths, size_t *n)
{
	const json_t *all = json_object_get(g->t, "columns"), *c;
	size_t i, size = json_array_size(all) > 0 ? json_array_size(all) : 1;

	*n = 0;
	*cols = calloc(size, sizeof(**cols));
	*paths = calloc(size, sizeof(**paths));
	if (*cols == NULL || *paths == NULL)
		return -1;
	json_array_foreach (all, i, c) {
		if (!on_side(g, c))
			continue;
		if (path_of(c, &(*paths)[*n]) != 0)
			return -1;
		(*cols)[(*n)++] = c;
	}
	return 0;
}

/* ---- the body ---- */

static void body_code_cells(const struct grid *g, const json_t *row)
{
	const json_t *codes = json_object_get(row, "codes");
	size_t n = json_array_size(codes);
	char cls[32], joined[64] = "";

	if (g->view == API_TABLE_EMBED && g->depth == 1) {
		/* one column: the whole code, 2010350 */
		for (size_t k = 0; k < n; k++)
			strncat(joined, json_string_value(json_array_get(codes, k)) ?: "",
			        sizeof(joined) - strlen(joined) - 1);
		api_html_elem(g->p->w, "td", joined, "class", "code pin pin-0", NULL);
		return;
	}
	for (int i = 0; i < g->depth; i++) {
		snprintf(cls, sizeof(cls), "code pin pin-%d", i);
		api_html_elem(
		    g->p->w, "td",
		    n > 0 && n - 1 == (size_t)i ? json_string_value(json_array_get(codes, i)) : "",
		    "class", cls, NULL);
	}
}

static void body_project_cell(const struct grid *g, const json_t *row)
{
	struct api_jw *w = g->p->w;
	char href[300];

	api_html_open(w, "td", "class", "pname", NULL);
	if (has_text(row, "project")) {
		snprintf(href, sizeof(href), "#project-%s", api_page_str(row, "project"));
		api_html_elem(w, "a",
		              has_text(row, "project_name") ? api_page_str(row, "project_name")
		                                            : "不予公开",
		              "href", href, NULL);
	}
	api_html_close(w, "td");
}

static void body_figures(const struct grid *g, const json_t *row, const json_t *const *cols,
                         size_t n)
{
	struct api_jw *w = g->p->w;
	const json_t *amounts = json_object_get(row, "amounts"), *v;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		const char *key = api_page_str(cols[i], "key");
		const char *text = api_dec_text(json_object_get(amounts, key));
		bool src;
		api_html_open(w, "td", "class", "num", "data-col", key, NULL);
		/* where it was printed, one click away (#18) */
		src = text != NULL &&
		      api_page_src_open(g->p, json_object_get(json_object_get(row, "boxes"), key));
		api_html_num(w, text);
		if (src)
			api_html_close(w, "a");
		api_html_close(w, "td");
	}
	if (!g->unplaced)
		return;
	api_html_open(w, "td", "class", "num unplaced", "data-col", "unplaced", NULL);
	json_array_foreach (json_object_get(row, "unplaced"), i, v) {
		if (api_dec_text(v) == NULL)
			continue;
		if (k++ > 0)
			api_html_text(w, "；");
		api_html_num(w, api_dec_text(v));
	}
	api_html_close(w, "td");
}

static void body_row(const struct grid *g, const json_t *row, size_t index, bool deep,
                     const json_t *const *cols, size_t n)
{
	struct api_jw *w = g->p->w;
	bool total = is_total(row);
	bool blank = !total && !has_amounts(row) && unplaced_count(row) == 0;
	char cls[64], id[48], idx[24];
	const char *name = api_page_str(row, "name");

	snprintf(cls, sizeof(cls), "%s lvl-%lld%s", total ? "total" : "item",
	         deep ? api_row_level(row) : 0LL, blank ? " blank" : "");
	snprintf(id, sizeof(id), "table-%d-row-%zu", g->n, index);
	snprintf(idx, sizeof(idx), "%zu", index);
	api_html_open(w, "tr", "class", cls, "id", id, "data-row-index", idx, NULL);
	body_code_cells(g, row);
	snprintf(cls, sizeof(cls), "pin pin-%d pin-last", g->depth);
	api_html_elem(w, "th",
	              name != NULL ? name
	              : total      ? "合计"
	                           : "",
	              "scope", "row", "class", cls, NULL);
	if (g->project)
		body_project_cell(g, row);
	body_figures(g, row, cols, n);
	api_html_close(w, "tr");
}

static void body_rows(const struct grid *g, const json_t *const *cols, size_t n)
{
	const json_t *rows = json_object_get(g->t, "rows"), *row;
	bool deep = false;
	size_t i;

	json_array_foreach (rows, i, row)
		deep = deep || (on_side(g, row) && api_row_level(row) > 1);
	api_html_open(g->p->w, "tbody", NULL);
	/* each row keeps its index in the whole table, whichever side it is on */
	json_array_foreach (rows, i, row)
		if (on_side(g, row))
			body_row(g, row, i, deep, cols, n);
	api_html_close(g->p->w, "tbody");
}

/* ---- one <table> ---- */

/* The code columns (the page: as many as the longest code has parts; an embed: one) and
 * whether a code part is over 3 digits (style.css pins wider columns then). */
static int code_depth(const struct grid *g, bool *long_codes)
{
	const json_t *row, *code;
	size_t i, k;
	int depth = 0;

	*long_codes = false;
	json_array_foreach (json_object_get(g->t, "rows"), i, row) {
		const json_t *codes = json_object_get(row, "codes");
		if (!on_side(g, row))
			continue;
		if ((int)json_array_size(codes) > depth)
			depth = (int)json_array_size(codes);
		json_array_foreach (codes, k, code)
			*long_codes = *long_codes || strlen(json_string_value(code) ?: "") > 3;
	}
	return g->view == API_TABLE_EMBED && depth > 1 ? 1 : depth;
}

static void caption(const struct grid *g)
{
	struct api_jw *w = g->p->w;
	const char *side = api_page_same(g->side, "income")        ? "收入"
	                   : api_page_same(g->side, "expenditure") ? "支出"
	                                                           : NULL;
	const char *unit = api_table_unit(g->p->doc, g->t);

	api_html_open(w, "caption", NULL);
	if (side != NULL)
		api_html_elem(w, "span", side, "class", "cap-side", NULL);
	api_html_open(w, "span", "class", "sr-only", NULL);
	api_html_text(w, g->label);
	if (side != NULL)
		api_html_textf(w, "（%s）", side);
	api_html_close(w, "span");
	api_html_textf(w, "（单位：%s）", unit != NULL && *unit ? unit : "万元");
	api_html_close(w, "caption");
}

static int one_table(struct grid *g)
{
	const json_t **cols = NULL;
	struct path *paths = NULL;
	size_t n = 0;
	bool long_codes;
	char cls[64];
	int rc = 0;

	g->depth = code_depth(g, &long_codes);
	if (side_columns(g, &cols, &paths, &n) != 0) {
		rc = -1;
		goto done;
	}
	snprintf(cls, sizeof(cls), "official depth-%d%s", g->depth,
	         long_codes ? " codes-long" : "");
	api_html_open(g->p->w, "table", "class", cls, NULL);
	caption(g);
	head_rows(g, paths, n,
	          g->side != NULL || !has_text(g->t, "classification") ? "项目" : "科目名称");
	body_rows(g, cols, n);
	api_html_close(g->p->w, "table");
done:
	for (size_t i = 0; paths != NULL && i < n; i++)
		free(paths[i].text);
	free(paths);
	free(cols);
	return rc;
}

/* ---- one table's section ---- */

static void head_links(const struct grid *g)
{
	struct api_jw *w = g->p->w;
	char path[32], url[420];

	snprintf(path, sizeof(path), "/tables/%d", g->n);
	api_html_open(w, "p", "class", "downloads", NULL);
	api_url(g->p->c, url, sizeof(url), path, true);
	api_html_elem(w, "a", "下载 CSV", "class", "download-csv", "href", url, "download", "",
	              NULL);
	api_url(g->p->c, url, sizeof(url), path, false);
	api_html_elem(w, "a", "JSON", "class", "download-json", "href", url, "type",
	              "application/json", NULL);
	api_html_close(w, "p");
}

/* The embed's links: the table's CSV and the table on the full page, in a new window (the
 * frame is another site's). */
static void embed_links(const struct grid *g, const char *page)
{
	struct api_jw *w = g->p->w;
	const struct api_ctx *c = g->p->c;
	bool unit = api_page_same(c->level, "unit");
	char num[16], url[700], text[64];

	api_numeral(g->n, num, sizeof(num));
	api_html_open(w, "p", "class", "links", NULL);
	snprintf(url, sizeof(url), "%s/tables/%d?format=csv%s", c->base, g->n,
	         unit ? "&level=unit" : "");
	snprintf(text, sizeof(text), "下载表%s CSV", num);
	api_html_elem(w, "a", text, "href", url, "target", "_blank", "rel", "noopener", NULL);
	snprintf(url, sizeof(url), "%s#table-%d", page, g->n);
	snprintf(text, sizeof(text), "在完整页面查看表%s", num);
	api_html_elem(w, "a", text, "href", url, "target", "_blank", "rel", "noopener", NULL);
	api_html_close(w, "p");
}

/* The note, the empty table's word, the unplaced footnote. */
static int notes(const struct grid *g)
{
	struct api_jw *w = g->p->w;
	const char *note = api_page_str(g->t, "note");
	char *plain;

	if (note != NULL && *note != '\0')
		api_html_elem(w, "p", note, "class", "table-note", NULL);
	if (json_array_size(json_object_get(g->t, "rows")) == 0)
		api_html_elem(w, "p", "本表为空表：没有需要填列的数字。", "class", "table-empty",
		              NULL);
	if (g->view == API_TABLE_EMBED) {
		/* the transcriber's account is long and technical: the full page has it */
		if (g->unplaced)
			api_html_elem(
			    w, "p",
			    "＊未定栏目：原公开文件中这些数字所属的栏目无法确定，按原文顺序列出；"
			    "说明见完整页面。",
			    "class", "table-footnote", NULL);
		return 0;
	}
	if (!has_text(g->t, "unplaced_note"))
		return 0;
	if ((plain = api_page_plain_words(api_page_str(g->t, "unplaced_note"))) == NULL)
		return -1;
	api_html_open(w, "p", "class", "table-footnote", NULL);
	api_html_text(w, "＊未定栏目：");
	api_html_text(w, plain);
	api_html_close(w, "p");
	free(plain);
	return 0;
}

/* Does any row of t carry a project, or an unplaced figure? */
static void extras(const json_t *t, bool *project, bool *unplaced)
{
	const json_t *row;
	size_t i;

	*project = false;
	*unplaced = has_text(t, "unplaced_note");
	json_array_foreach (json_object_get(t, "rows"), i, row) {
		*project = *project || has_text(row, "project");
		*unplaced = *unplaced || unplaced_count(row) > 0;
	}
}

/* The table(s) in their scroll box: a two-sided table as its income and expenditure
 * halves side by side. */
static int scroll_box(struct grid *g)
{
	struct api_jw *w = g->p->w;
	bool sided = false;
	const json_t *c;
	size_t i;
	int rc = 0;

	json_array_foreach (json_object_get(g->t, "columns"), i, c)
		sided = sided || has_text(c, "side");
	api_html_open(w, "div", "class", "table-scroll", "tabindex", "0", "role", "region",
	              "aria-label", g->label, NULL);
	if (sided) {
		api_html_open(w, "div", "class", "sides", NULL);
		g->side = "income";
		rc = one_table(g);
		g->side = "expenditure";
		rc = rc != 0 ? rc : one_table(g);
		g->side = NULL;
		api_html_close(w, "div");
	} else {
		rc = one_table(g);
	}
	api_html_close(w, "div");
	return rc;
}

void api_page_table(struct api_page *p, const json_t *t, enum api_table_view view, const char *page)
{
	struct grid g = { .p = p, .t = t, .view = view, .n = api_table_position(t) };
	char num[16], label[600], id[32], hid[40];
	const char *title = api_page_str(t, "title");
	bool wide = json_array_size(json_object_get(t, "columns")) > 6;

	api_numeral(g.n, num, sizeof(num));
	snprintf(label, sizeof(label), "表%s %s", num, title != NULL ? title : "");
	g.label = label;
	extras(t, &g.project, &g.unplaced);
	snprintf(id, sizeof(id), "table-%d", g.n);
	snprintf(hid, sizeof(hid), "table-%d-h", g.n);
	/* A table of over six figure columns is too wide for a portrait A4 page: it prints on
	 * a landscape page (style.css, @page wide). */
	api_html_open(p->w, "section", "id", id, "class", wide ? "dtable wide" : "dtable",
	              "aria-labelledby", hid, "data-type", api_table_type(t), "data-unit",
	              api_table_unit(p->doc, t), NULL);
	api_html_open(p->w, "div", "class", "table-head", NULL);
	api_html_elem(p->w, view == API_TABLE_EMBED ? "h2" : "h3", label, "id", hid, NULL);
	if (view == API_TABLE_PAGE)
		head_links(&g);
	api_html_close(p->w, "div");
	if (scroll_box(&g) != 0 || notes(&g) != 0)
		p->w->failed = true;
	if (view == API_TABLE_EMBED)
		embed_links(&g, page);
	api_html_close(p->w, "section");
}

/* ---- the page's 公开表 section ---- */

/* 以下九张表…（万元、元）: the units of the tables, each once, in table order. */
static void lede(struct api_page *p, int count)
{
	struct api_jw *w = p->w;
	const char *seen[API_TABLES_MAX];
	int n = 0;
	char num[16];

	for (int k = 1; k <= API_TABLES_MAX; k++) {
		const json_t *t = api_find_table(p->doc, k);
		const char *u = t != NULL ? api_table_unit(p->doc, t) : NULL;
		bool dup = u == NULL || *u == '\0';
		for (int i = 0; i < n && !dup; i++)
			dup = strcmp(seen[i], u) == 0;
		if (!dup)
			seen[n++] = u;
	}
	api_numeral(count, num, sizeof(num));
	api_html_open(w, "p", "class", "lede", NULL);
	api_html_textf(w, "以下%s张表与公开文件中的表格逐格对应，金额单位以各表标注为准（",
	               count > 0 ? num : "零");
	for (int i = 0; i < n; i++) {
		if (i > 0)
			api_html_text(w, "、");
		api_html_text(w, seen[i]);
	}
	if (n == 0)
		api_html_text(w, api_page_str(p->doc, "unit"));
	api_html_text(
	    w, "）；空白单元格表示原表未填数字。每张表可下载 CSV（可用 Excel 打开）或 JSON。");
	if (p->pdf[0] != '\0') /* the figures link where they were printed (#18) */
		api_html_text(w, "点击表中带下划虚线的数字，可查看它在原文中印在哪里。");
	api_html_close(w, "p");
}

int api_page_tables(struct api_page *p)
{
	bool unit = api_page_same(p->c->level, "unit"), final = api_page_same(p->c->kind, "final");
	int count = 0;
	char title[64];

	snprintf(title, sizeof(title), "%s%s公开表", unit ? "单位" : "部门",
	         final ? "决算" : "预算");
	api_page_section(p->w, "tables", title);
	for (int k = 1; k <= API_TABLES_MAX; k++)
		count += api_find_table(p->doc, k) != NULL;
	lede(p, count);
	for (int k = 1; k <= API_TABLES_MAX; k++) {
		const json_t *t = api_find_table(p->doc, k);
		if (t != NULL)
			api_page_table(p, t, API_TABLE_PAGE, NULL);
	}
	api_html_close(p->w, "section");
	return 0;
}

void api_page_toc_tables(struct api_page *p)
{
	char href[32], name[32];

	for (int k = 1; k <= API_TABLES_MAX; k++) {
		const json_t *t = api_find_table(p->doc, k);
		if (t == NULL)
			continue;
		snprintf(href, sizeof(href), "#table-%d", k);
		api_page_table_name(t, name, sizeof(name));
		api_html_open(p->w, "li", NULL);
		api_html_elem(p->w, "a", name, "href", href, NULL);
		api_html_close(p->w, "li");
	}
}
