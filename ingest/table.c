// SPDX-License-Identifier: MIT
// Tables: a title the registry knows, the unit printed under it, the header (-> layout.c),
// then body lines cut into code, name and figure cells by position; names wrapped over
// several lines are joined, tables running on over the next pages are followed, panels
// printed side by side become rows one panel after the other.
#include "db.h"
#include "keys.h"
#include "layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct title {
	int page; /* 0-based */
	size_t line;
	const struct db_table_type *type;
	char text[256];
	double x0, y0, x1, y1;
};

/* One line's words in one panel, then one row once wrapped names are joined. */
struct prow {
	int panel, page;
	double yc, h;
	char codes[32];
	char printed[40]; /* the code's words as printed, joined by a space ("301 2") */
	bool odd_code; /* a part was printed short of its digits ("2" for 02) */
	char name[512];
	double nx0, ny0, nx1, ny1; /* the name's box */
	bool has_name, anchor, merged;
	const struct ing_word *amt[ING_MAX_COLS];
	json_t *unplaced;
};

struct rows {
	struct prow *v;
	size_t n, cap;
};

struct tctx {
	const struct ingest_text *text;
	const struct ingest_options *opt;
	bool **used;
	const struct title *titles;
	size_t n_titles;
};

static void report(const struct tctx *c, int page, const char *what, const char *text)
{
	if (c->opt != NULL && c->opt->report != NULL)
		c->opt->report(c->opt->ctx, page, what, text);
}

bool ing_is_amount(const char *s)
{
	const char *p = s;
	size_t digits = 0, group = 0;
	bool commas = false;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	for (; (*p >= '0' && *p <= '9') || *p == ','; p++) {
		if (*p == ',') {
			if (digits == 0 || (commas && group != 3) || (!commas && group > 3))
				return false;
			commas = true;
			group = 0;
			continue;
		}
		digits++;
		group++;
	}
	if (commas && group != 3)
		return false;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

json_t *ing_box(int page, double x0, double y0, double x1, double y1)
{
	json_t *a = json_array();
	double v[4] = { x0, y0, x1, y1 };

	json_array_append_new(a, json_integer(page));
	for (int i = 0; i < 4; i++)
		json_array_append_new(a, json_real(round(v[i] * 100) / 100));
	return a;
}

/* Page numbers and similar furniture: a lone short number near the top or bottom edge. */
static bool furniture(const struct ing_page *pg, const struct ing_line *l)
{
	char t[64];

	if (l->n != 1 || strlen(l->words[0].text) > 12)
		return false;
	ing_squeeze(l->words[0].text, t, sizeof(t));
	if (!all_digits(t) && !(t[0] == '-' && all_digits(t + 1)) &&
	    !(starts_with(t, "-") && ends_with(t, "-")))
		return false;
	return l->y0 > pg->height * 0.9 || l->y1 < pg->height * 0.06;
}

static bool is_note(const struct ing_line *l)
{
	const char *t = l->words[0].text;

	return starts_with(t, "注：") || starts_with(t, "注:") || starts_with(t, "说明：") ||
	       starts_with(t, "说明:") || starts_with(t, "备注") || strcmp(t, "注") == 0;
}

static bool is_total_word(const char *s)
{
	char t[128];

	ing_squeeze(s, t, sizeof(t));
	return strlen(t) <= 18 && (ends_with(t, "合计") || ends_with(t, "总计"));
}

/* A row name with a list number: 一、 十二、 1. 2、 (an empty summary table's rows). */
static bool list_numbered(const char *s)
{
	static const char numerals[] = "一二三四五六七八九十";
	const char *p = s;

	while (strlen(p) >= 3 && p[0] != '\0') {
		char ch[4] = { p[0], p[1], p[2], 0 };

		if (strstr(numerals, ch) == NULL)
			break;
		p += 3;
	}
	if (p > s)
		return starts_with(p, "、") && p[3] != '\0';
	while (*p >= '0' && *p <= '9')
		p++;
	return p > s && p - s <= 2 && (starts_with(p, "、") || starts_with(p, "．") || *p == '.') &&
	       !(p[1] >= '0' && p[1] <= '9');
}

/* Does the line hold a table row (a figure, a classification code, a total)? */
static bool is_body(const struct ing_page *pg, const struct ing_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *t = l->words[i].text;

		if (ing_is_amount(t) && (strchr(t, '.') != NULL || strchr(t, ',') != NULL))
			return true;
		if (all_digits(t) && strlen(t) >= 3 && strlen(t) <= 7 &&
		    l->words[i].x1 < pg->width * 0.6)
			return true;
	}
	if (list_numbered(l->words[0].text))
		return true;
	/* 合计 alone, with figures, or beside the headings right of it (合计 合计 基本支出...) */
	if (!is_total_word(l->words[0].text))
		return false;
	if (l->n == 1 || is_total_word(l->words[1].text))
		return true;
	for (size_t i = 1; i < l->n; i++)
		if (!ing_is_amount(l->words[i].text))
			return false;
	return true;
}

/* The unit printed as 单位：元 in the lines under a title; *line gets its index. */
static bool find_unit(const struct ing_page *pg, size_t from, size_t to, char *unit, size_t size,
                      size_t *line)
{
	for (size_t i = from; i < to && i < from + 4; i++) {
		const struct ing_line *l = &pg->lines[i];

		for (size_t k = 0; k < l->n; k++) {
			const char *t = l->words[k].text, *p = NULL;
			char u[64];

			if (starts_with(t, "单位："))
				p = t + strlen("单位：");
			else if (starts_with(t, "单位:"))
				p = t + 1 + strlen("单位");
			if (p == NULL)
				continue;
			if (*p == '\0' && k + 1 < l->n)
				p = l->words[k + 1].text;
			ing_squeeze(p, u, sizeof(u));
			snprintf(unit, size, "%s", u);
			*line = i;
			return true;
		}
	}
	return false;
}

/* The name printed after 编制部门： (or 编制单位：, 单位名称：, 部门名称：) in lines from..to-1,
 * the same word or the next one; "" when none is printed. */
static void find_preparer(const struct ing_page *pg, size_t from, size_t to, char *name,
                          size_t size)
{
	static const char *const labels[] = { "编制部门：", "编制部门:",  "编制单位：",
		                              "编制单位:",  "单位名称：", "单位名称:",
		                              "部门名称：", "部门名称:",  NULL };

	name[0] = '\0';
	for (size_t i = from; i < to && i < from + 4 && i < pg->n_lines; i++) {
		const struct ing_line *l = &pg->lines[i];

		for (size_t k = 0; k < l->n; k++)
			for (size_t j = 0; labels[j] != NULL; j++) {
				const char *p;

				if (!starts_with(l->words[k].text, labels[j]))
					continue;
				p = l->words[k].text + strlen(labels[j]);
				if (*p == '\0' && k + 1 < l->n &&
				    !starts_with(l->words[k + 1].text, "单位"))
					p = l->words[k + 1].text;
				ing_squeeze(p, name, size);
				if (name[0] != '\0')
					return;
			}
	}
}

static bool valid_unit(const char *u)
{
	return strcmp(u, "元") == 0 || strcmp(u, "万元") == 0 || strcmp(u, "千元") == 0 ||
	       strcmp(u, "亿元") == 0;
}

/* ---- Finding titles ---- */

static int add_title(struct title **v, size_t *n, int page, size_t line, const char *text,
                     const struct db_table_type *type, const struct ing_word *w0, size_t nw)
{
	struct title *p = realloc(*v, (*n + 1) * sizeof(*p)), *t;

	if (p == NULL)
		return -1;
	*v = p;
	t = &p[(*n)++];
	t->page = page;
	t->line = line;
	t->type = type;
	snprintf(t->text, sizeof(t->text), "%s", text);
	t->x0 = w0[0].x0;
	t->x1 = w0[nw - 1].x1;
	t->y0 = INFINITY;
	t->y1 = -INFINITY;
	for (size_t i = 0; i < nw; i++) {
		t->y0 = fmin(t->y0, w0[i].y0);
		t->y1 = fmax(t->y1, w0[i].y1);
	}
	return 0;
}

/* Tables whose title the registry does not know: type "other", kept with their title. */
static const struct db_table_type other_budget = { "other", "budget", NULL };
static const struct db_table_type other_final = { "other", "final", NULL };

/* The registry's type of line i of pg, or of one of its words; *w and *nw get the words of
 * the title. */
static const struct db_table_type *registry_type(const struct ing_page *pg, size_t i,
                                                 const char *text, const struct ing_word **w,
                                                 size_t *nw)
{
	const struct ing_line *l = &pg->lines[i];
	const struct db_table_type *type = NULL;

	*w = l->words;
	*nw = l->n;
	if (strlen(text) > 240) /* running text, not a title */
		return NULL;
	type = db_table_type_match(text);
	for (size_t k = 0; type == NULL && l->n > 1 && k < l->n; k++)
		if (strlen(l->words[k].text) >= 12 &&
		    (type = db_table_type_match(l->words[k].text)) != NULL) {
			*w = &l->words[k];
			*nw = 1;
		}
	return type;
}

/* A title the registry does not know: a short line ending in 表 (no leader dots, no
 * sentence) with no title the registry knows in the next lines (the document's own heading
 * printed above a table's, 部门决算表, is not a table). */
static const struct db_table_type *other_type(const struct ing_page *pg, size_t i, const char *text)
{
	char t[512];
	size_t n;

	ing_squeeze(text, t, sizeof(t));
	n = strlen(t);
	if (n < 6 || n > 120 || !ends_with(t, "表") || strstr(t, "…") != NULL ||
	    strstr(t, "。") != NULL || strstr(t, "详见") != NULL)
		return NULL;
	for (size_t k = i + 1; k < pg->n_lines && k <= i + 3; k++) {
		char *s = ing_line_text(pg->lines[k].words, pg->lines[k].n);
		bool known = s != NULL && db_table_type_match(s) != NULL;

		free(s);
		if (known)
			return NULL;
	}
	return strstr(t, "决算") != NULL ? &other_final : &other_budget;
}

/* Are figures printed in the dozen lines after line i (a table, not a contents entry)? */
static bool figures_follow(const struct ing_page *pg, size_t i)
{
	for (size_t k = i + 1; k < pg->n_lines && k <= i + 12; k++)
		for (size_t j = 0; j < pg->lines[k].n; j++) {
			const char *t = pg->lines[k].words[j].text;

			if (ing_is_amount(t) && (strchr(t, '.') != NULL || strchr(t, ',') != NULL))
				return true;
		}
	return false;
}

/* Every line that names a table (the registry's or another) with a unit printed under it
 * (or, for the registry's, figures). */
static int find_titles(const struct ingest_text *text, struct title **v, size_t *n)
{
	for (size_t p = 0; p < text->n_pages; p++) {
		const struct ing_page *pg = &text->pages[p];

		for (size_t i = 0; i < pg->n_lines; i++) {
			char *s = ing_line_text(pg->lines[i].words, pg->lines[i].n), unit[64];
			const struct db_table_type *type;
			const struct ing_word *w;
			size_t nw, u;
			int rc = 0;

			if (s == NULL)
				return -1;
			type = registry_type(pg, i, s, &w, &nw);
			if (type == NULL && (type = other_type(pg, i, s)) != NULL) {
				w = pg->lines[i].words;
				nw = pg->lines[i].n;
			}
			/* a known title without a unit under it still heads the figures after it */
			if (type != NULL &&
			    (find_unit(pg, i + 1, pg->n_lines, unit, sizeof(unit), &u) ||
			     (type != &other_budget && type != &other_final &&
			      figures_follow(pg, i)))) {
				char *t = nw == 1 ? strdup(w->text) : strdup(s);

				rc = t != NULL ? add_title(v, n, (int)p, i, t, type, w, nw) : -1;
				free(t);
			}
			free(s);
			if (rc != 0)
				return -1;
		}
	}
	return 0;
}

/* ---- Body lines -> rows ---- */

static struct prow *rows_add(struct rows *r)
{
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		struct prow *p = realloc(r->v, ncap * sizeof(*p));

		if (p == NULL)
			return NULL;
		r->v = p;
		r->cap = ncap;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[0]));
	return &r->v[r->n++];
}

static void name_add(struct prow *r, const struct ing_word *w)
{
	size_t n = strlen(r->name);

	if (n + strlen(w->text) + 2 >= sizeof(r->name))
		return;
	if (n > 0 && r->name[n - 1] >= '0' && r->name[n - 1] <= '9' &&
	    (unsigned char)w->text[0] < 0x80)
		strcat(r->name, " ");
	strcat(r->name, w->text);
	if (!r->has_name) {
		r->nx0 = w->x0;
		r->ny0 = w->y0;
		r->nx1 = w->x1;
		r->ny1 = w->y1;
	}
	r->nx0 = fmin(r->nx0, w->x0);
	r->ny0 = fmin(r->ny0, w->y0);
	r->nx1 = fmax(r->nx1, w->x1);
	r->ny1 = fmax(r->ny1, w->y1);
	r->has_name = true;
}

static void stray(const struct tctx *c, struct prow *r, int page, const char *what,
                  const char *text)
{
	if (r->unplaced == NULL)
		r->unplaced = json_array();
	if (ing_is_amount(text))
		json_array_append_new(r->unplaced, json_string(text));
	report(c, page, what, text);
}

/* A figure: an amount, or a rate printed with its percent sign (95.89%). */
static bool is_figure(const char *t)
{
	size_t n = strlen(t);
	char a[64];

	if (ing_is_amount(t))
		return true;
	if (n < 2 || n >= sizeof(a) || t[n - 1] != '%')
		return false;
	memcpy(a, t, n - 1);
	a[n - 1] = '\0';
	return ing_is_amount(a);
}

/* Column of leaf i in the table's columns (panels of the same headings share columns). */
static int column_of(const struct ing_layout *lo, bool shared, int leaf)
{
	int k = 0;

	if (!shared)
		return leaf;
	for (int i = 0; i < leaf; i++)
		if (lo->leaves[i].panel == lo->leaves[leaf].panel)
			k++;
	return k;
}

static void place_word(const struct tctx *c, const struct ing_layout *lo, bool shared,
                       struct prow *pr[], const struct ing_word *w, int page)
{
	int p = ing_layout_panel(lo, w->x0);
	struct prow *r = pr[p];
	char t[64];

	ing_squeeze(w->text, t, sizeof(t));
	if (all_digits(t) && strlen(t) <= 7 && (strlen(t) >= 2 || r->codes[0] != '\0') &&
	    w->x1 < lo->first_leaf[p] - 1 && !r->has_name &&
	    strlen(r->codes) + strlen(t) + 1 < sizeof(r->codes)) {
		/* a 款 or 项 printed as "2" in its two-digit column is 02 */
		if (strlen(t) == 1) {
			/* t is one digit here: said as a char, so that the compiler sees what fits */
			char msg[2 * sizeof(r->codes) + sizeof(" read as 0") + 2];
			snprintf(msg, sizeof(msg), "%s%c read as %s0%c", r->codes, t[0], r->codes,
			         t[0]);
			report(c, page + 1, "one-digit code part", msg);
			strcat(r->codes, "0");
			r->odd_code = true;
		}
		strcat(r->codes, t);
		if (strlen(r->printed) + strlen(t) + 2 <= sizeof(r->printed)) {
			if (r->printed[0] != '\0')
				strcat(r->printed, " ");
			strcat(r->printed, t); /* checked above: it fits */
		}
		r->anchor = true;
		return;
	}
	if (is_figure(t) && w->x1 > lo->first_leaf[p] - 1) {
		int leaf = ing_layout_leaf(lo, w->x1), col;

		if (leaf < 0) {
			stray(c, r, page + 1, "figure outside every column", w->text);
			return;
		}
		p = lo->leaves[leaf].panel;
		r = pr[p];
		col = column_of(lo, shared, leaf);
		r->anchor = true;
		if (r->amt[col] != NULL) {
			stray(c, r, page + 1, "second figure in one cell", w->text);
			return;
		}
		r->amt[col] = w;
		return;
	}
	if (w->x0 < lo->first_leaf[p] || lo->n_leaves == 0) {
		name_add(r, w);
		return;
	}
	stray(c, r, page + 1, "text in a figure column", w->text);
}

/* Cuts one body line into per-panel rows (skipping words used as headings). */
static int body_line(const struct tctx *c, const struct ing_layout *lo, bool shared,
                     struct rows *rows, int page, const struct ing_line *l, size_t skip_from)
{
	struct prow *pr[ING_MAX_PANELS];
	size_t base = rows->n;

	for (size_t p = 0; p < lo->n_panels; p++) {
		struct prow *r = rows_add(rows);

		if (r == NULL)
			return -1;
		r->panel = (int)p;
		r->page = page;
		r->yc = l->yc;
		r->h = l->words[0].y1 - l->words[0].y0;
	}
	for (size_t p = 0; p < lo->n_panels; p++)
		pr[p] = &rows->v[base + p];
	for (size_t i = 0; i < l->n && i < skip_from; i++)
		place_word(c, lo, shared, pr, &l->words[i], page);
	/* drop the panels this line left empty */
	size_t k = base;
	for (size_t p = 0; p < lo->n_panels; p++) {
		struct prow *r = &rows->v[base + p];
		bool empty =
		    !r->has_name && r->codes[0] == '\0' && !r->anchor && r->unplaced == NULL;

		if (!empty)
			rows->v[k++] = *r;
	}
	rows->n = k;
	return 0;
}

/* The row of r's panel with a code or figures nearest to row i, within 1.6 lines, or NULL.
 * Rows are in print order, so only the rows printed within that distance are looked at. */
static struct prow *nearest_anchor(struct rows *rows, size_t from, size_t i)
{
	const struct prow *r = &rows->v[i];
	struct prow *best = NULL;
	double reach = 1.6 * r->h, bd = INFINITY;

	for (size_t k = i; k-- > from && r->yc - rows->v[k].yc <= reach;)
		if (rows->v[k].anchor && rows->v[k].panel == r->panel &&
		    r->yc - rows->v[k].yc < bd) {
			bd = r->yc - rows->v[k].yc;
			best = &rows->v[k];
		}
	for (size_t k = i + 1; k < rows->n && rows->v[k].yc - r->yc <= reach; k++)
		if (rows->v[k].anchor && rows->v[k].panel == r->panel &&
		    rows->v[k].yc - r->yc < bd) {
			bd = rows->v[k].yc - r->yc;
			best = &rows->v[k];
		}
	return best;
}

/* In a table with codes, a line with only a name is part of a wrapped name: it joins the
 * nearest row of its panel that has a code or figures, if one is within 1.6 lines. */
static void join_wrapped(struct rows *rows, size_t from)
{
	bool codes = false;

	for (size_t i = from; i < rows->n; i++)
		codes = codes || rows->v[i].codes[0] != '\0';
	if (!codes)
		return;
	for (size_t i = from; i < rows->n; i++) {
		struct prow *r = &rows->v[i], *best;

		if (r->anchor || !r->has_name || (best = nearest_anchor(rows, from, i)) == NULL)
			continue;
		r->merged = true;
		/* a fragment above the row goes before its name, one below after it */
		char name[sizeof(best->name)];
		const char *a = r->yc < best->yc ? r->name : best->name;
		const char *b = r->yc < best->yc ? best->name : r->name;

		if (strlen(a) + strlen(b) < sizeof(name)) {
			memcpy(name, a, strlen(a));
			memcpy(name + strlen(a), b, strlen(b) + 1);
			memcpy(best->name, name, strlen(name) + 1);
		}
		if (!best->has_name) {
			best->nx0 = r->nx0;
			best->ny0 = r->ny0;
			best->nx1 = r->nx1;
			best->ny1 = r->ny1;
		}
		best->nx0 = fmin(best->nx0, r->nx0);
		best->ny0 = fmin(best->ny0, r->ny0);
		best->nx1 = fmax(best->nx1, r->nx1);
		best->ny1 = fmax(best->ny1, r->ny1);
		best->has_name = true;
	}
}

/* ---- One table ---- */

struct table {
	const struct title *title;
	struct ing_layout lo; /* of the title page: the table's columns */
	bool shared, sided;
	struct rows rows;
	char note[2048];
	char unit[64];
	char preparer[256]; /* after 编制部门：/单位名称： above the table, as printed */
};

/* Heading-like text that ends a note: 第N部分, 一、 */
static bool is_heading(const struct ing_line *l)
{
	const char *t = l->words[0].text;

	return (starts_with(t, "第") && strstr(t, "部分") != NULL) ||
	       (strstr(t, "、") != NULL && strstr(t, "、") - t <= 6 && !starts_with(t, "注"));
}

/* Reads the note lines from i to end; returns the line after them. */
static size_t read_note(struct table *t, const struct ing_page *pg, size_t i, size_t end,
                        bool *used)
{
	for (; i < end; i++) {
		const struct ing_line *l = &pg->lines[i];
		char *s;

		if (furniture(pg, l))
			continue;
		if (!is_note(l) && is_heading(l))
			break;
		if ((s = ing_line_text(l->words, l->n)) == NULL)
			break;
		if (t->note[0] != '\0')
			strncat(t->note, "\n", sizeof(t->note) - strlen(t->note) - 1);
		strncat(t->note, s, sizeof(t->note) - strlen(t->note) - 1);
		free(s);
		used[i] = true;
	}
	return i;
}

/* The first body line in [from, end), or end. */
static size_t first_body(const struct ing_page *pg, size_t from, size_t end)
{
	for (size_t i = from; i < end; i++)
		if (!furniture(pg, &pg->lines[i]) &&
		    (is_body(pg, &pg->lines[i]) || is_note(&pg->lines[i])))
			return i;
	return end;
}

/* Collects the header words of lines [from, to) (plus, for a total printed on the lowest
 * heading line, the headings right of it) and builds the layout. *skip gets the index of the
 * first heading word on line `to`, or SIZE_MAX. */
static int read_header(struct ing_layout *lo, const struct ing_page *pg, size_t from, size_t to,
                       size_t end, size_t *skip, bool *used)
{
	size_t n = 0, cap = 0;
	struct ing_word *w = NULL;
	int rc;

	*skip = SIZE_MAX;
	for (size_t i = from; i <= to && i < end; i++) {
		const struct ing_line *l = &pg->lines[i];
		size_t k0 = 0;

		if (i == to) {
			bool words = l->n > 1 && is_total_word(l->words[0].text);
			for (size_t k = 1; k < l->n; k++)
				words = words && !ing_is_amount(l->words[k].text);
			if (!words)
				break;
			k0 = 1;
			*skip = 1;
		} else {
			used[i] = true;
		}
		for (size_t k = k0; k < l->n; k++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				struct ing_word *p = realloc(w, cap * sizeof(*w));
				if (p == NULL) {
					free(w);
					return -1;
				}
				w = p;
			}
			w[n++] = l->words[k];
		}
	}
	rc = ing_layout_build(lo, w, n);
	free(w);
	return rc;
}

/* Is line `at` a line of headings that starts with 合计 (a table with no name column, such
 * as 三公), rather than a 合计 row printed beside the lowest headings? */
static bool headings_line(const struct ing_page *pg, size_t from, size_t at, size_t end)
{
	const struct ing_line *l;

	if (at >= end)
		return false;
	l = &pg->lines[at];
	if (l->n < 2 || !is_total_word(l->words[0].text))
		return false;
	for (size_t k = 1; k < l->n; k++)
		if (ing_is_amount(l->words[k].text))
			return false;
	for (size_t i = from; i < at; i++)
		for (size_t k = 0; k < pg->lines[i].n; k++)
			if (ing_is_name_word(pg->lines[i].words[k].text))
				return false;
	return true;
}

/* The first body row's name may be wrapped, its first part printed above it: lines just
 * above (closer than a line height) that hold no column heading belong to the body. */
static size_t wrapped_above(const struct ing_page *pg, size_t from, size_t body, size_t end)
{
	while (body > from && body < end) {
		const struct ing_line *l = &pg->lines[body - 1], *b = &pg->lines[body];
		double h = b->words[0].y1 - b->words[0].y0;

		if (b->yc - l->yc >= h)
			break;
		for (size_t k = 0; k < l->n; k++)
			if (ing_is_name_word(l->words[k].text))
				return body;
		body--;
	}
	return body;
}

/* Parses body lines [from, end) of page p; stops at a note. Returns the line it stopped at. */
static int read_body(const struct tctx *c, struct table *t, const struct ing_layout *lo, int p,
                     size_t from, size_t end, size_t skip, size_t *stop)
{
	const struct ing_page *pg = &c->text->pages[p];
	size_t start = t->rows.n;

	for (size_t i = from; i < end; i++) {
		const struct ing_line *l = &pg->lines[i];

		if (furniture(pg, l)) {
			c->used[p][i] = true;
			continue;
		}
		if (is_note(l)) {
			*stop = i;
			join_wrapped(&t->rows, start);
			return 0;
		}
		c->used[p][i] = true;
		if (body_line(c, lo, t->shared, &t->rows, p, l, i == from ? skip : SIZE_MAX) != 0)
			return -1;
	}
	*stop = end;
	join_wrapped(&t->rows, start);
	return 0;
}

/* The end of the table's region on page p: the next title there, or the page's end. */
static size_t region_end(const struct tctx *c, int p, size_t from)
{
	for (size_t i = 0; i < c->n_titles; i++)
		if (c->titles[i].page == p && c->titles[i].line >= from)
			return c->titles[i].line;
	return c->text->pages[p].n_lines;
}

static bool title_on(const struct tctx *c, int p, size_t before)
{
	for (size_t i = 0; i < c->n_titles; i++)
		if (c->titles[i].page == p && c->titles[i].line < before)
			return true;
	return false;
}

/* Do lines [from, to), up to a note, hold running text (a sentence, a long line)? */
static bool prose(const struct ing_page *pg, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct ing_line *l = &pg->lines[i];

		if (is_note(l))
			return false;
		for (size_t k = 0; k < l->n; k++)
			if (strlen(l->words[k].text) > 90 || strstr(l->words[k].text, "。") != NULL)
				return true;
	}
	return false;
}

/* Lines [from, to) are rows without figures (a summary table's names running on): short
 * words, no heading of a name column, no section heading. */
static bool plain_rows(const struct ing_page *pg, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		const struct ing_line *l = &pg->lines[i];

		if (starts_with(l->words[0].text, "第") && strstr(l->words[0].text, "部分") != NULL)
			return false;
		for (size_t k = 0; k < l->n; k++)
			if (strlen(l->words[k].text) > 60 || ing_is_name_word(l->words[k].text))
				return false;
	}
	return true;
}

/* Does page p go on with the table (figures first, or its headings repeated)? Sets *hdr to
 * the first line and *body to the first body line. */
static bool continues_on(const struct tctx *c, const struct table *t, int p, size_t *hdr,
                         size_t *body)
{
	const struct ing_page *pg;
	size_t f = 0, end;

	if ((size_t)p >= c->text->n_pages)
		return false;
	pg = &c->text->pages[p];
	while (f < pg->n_lines && furniture(pg, &pg->lines[f]))
		f++;
	if (f == pg->n_lines)
		return false;
	end = region_end(c, p, 0);
	if (prose(pg, f, end))
		return false;
	*hdr = f;
	*body = first_body(pg, f, end);
	if (*body >= end || title_on(c, p, *body + 1))
		return false;
	if (*body == f)
		return true;
	if (*body - f > 6)
		return false;
	if (plain_rows(pg, f, *body)) {
		*body = f;
		return true;
	}
	/* a repeated heading: some word of the first lines is one of the table's headings */
	for (size_t i = f; i < *body; i++)
		for (size_t k = 0; k < pg->lines[i].n; k++) {
			char s[192];

			ing_squeeze(pg->lines[i].words[k].text, s, sizeof(s));
			for (size_t j = 0; j < t->lo.n_names; j++) {
				char n[192];
				ing_squeeze(t->lo.names[j].text, n, sizeof(n));
				if (strcmp(s, n) == 0)
					return true;
			}
		}
	return false;
}

static bool is_sided(const struct table *t)
{
	const char *id = t->title->type->id;

	return t->lo.n_panels == 2 && strstr(id, "summary") != NULL;
}

static bool panels_alike(const struct ing_layout *lo)
{
	size_t per[ING_MAX_PANELS] = { 0 };

	if (lo->n_panels < 2)
		return false;
	for (size_t i = 0; i < lo->n_leaves; i++)
		per[lo->leaves[i].panel]++;
	for (size_t p = 1; p < lo->n_panels; p++)
		if (per[p] != per[0])
			return false;
	for (size_t i = 0; i < lo->n_leaves; i++) {
		size_t k = i + per[0];
		if (lo->leaves[i].panel == 0 && k < lo->n_leaves &&
		    strcmp(lo->leaves[i].title, lo->leaves[k].title) != 0)
			return false;
	}
	return true;
}

/* Reads the table that starts at title ti. */
static int read_table(const struct tctx *c, struct table *t)
{
	const struct title *ti = t->title;
	int p = ti->page;
	const struct ing_page *pg = &c->text->pages[p];
	size_t end = region_end(c, p, ti->line + 1), u = ti->line, body, skip, stop;
	struct ing_layout lo;

	c->used[p][ti->line] = true;
	if (find_unit(pg, ti->line + 1, end, t->unit, sizeof(t->unit), &u)) {
		c->used[p][u] = true;
		find_preparer(pg, ti->line + 1, u + 1, t->preparer, sizeof(t->preparer));
	}
	for (size_t i = ti->line + 1; i < u; i++)
		c->used[p][i] = true;
	body = first_body(pg, u + 1, end);
	if (headings_line(pg, u + 1, body, end))
		body = first_body(pg, body + 1, end);
	body = wrapped_above(pg, u + 1, body, end);
	if (read_header(&t->lo, pg, u + 1, body, end, &skip, c->used[p]) != 0)
		return -1;
	t->sided = is_sided(t);
	t->shared = !t->sided && panels_alike(&t->lo);
	lo = t->lo;
	for (;;) {
		if (read_body(c, t, &lo, p, body, end, skip, &stop) != 0)
			return -1;
		if (stop < end) {
			read_note(t, &c->text->pages[p], stop, end, c->used[p]);
			return 0;
		}
		size_t hdr;
		if (!continues_on(c, t, p + 1, &hdr, &body))
			return 0;
		p++;
		pg = &c->text->pages[p];
		end = region_end(c, p, 0);
		skip = SIZE_MAX;
		if (body > hdr) {
			if (read_header(&lo, pg, hdr, body, end, &skip, c->used[p]) != 0)
				return -1;
			if (lo.n_leaves != t->lo.n_leaves)
				report(c, p + 1, "repeated heading with other columns",
				       t->title->text);
		}
	}
}

/* ---- JSON ---- */

static json_t *columns_json(const struct table *t, const char *family, char keys[][48])
{
	json_t *cols = json_array();
	size_t n = 0;

	for (size_t i = 0; i < t->lo.n_leaves; i++) {
		const struct ing_leaf *l = &t->lo.leaves[i];
		const char *side = NULL, *measure;
		json_t *c;

		if (t->shared && l->panel != 0)
			continue;
		c = json_object();
		if (t->sided)
			side = l->panel == 0 ? "income" : "expenditure";
		ing_column_key(l->title, l->group, side, family,
		               strstr(t->title->type->id, "sangong") != NULL, keys[n], 48,
		               &measure);
		for (size_t k = 0; k < n && keys[n][0] != '\0'; k++)
			if (strcmp(keys[k], keys[n]) == 0)
				keys[n][0] = '\0';
		if (keys[n][0] == '\0')
			snprintf(keys[n], 48, "c%zu", n + 1);
		json_object_set_new(c, "key", json_string(keys[n]));
		json_object_set_new(c, "title", json_string(l->cell.text));
		if (l->group[0] != '\0')
			json_object_set_new(c, "group", json_string(l->group));
		if (side != NULL)
			json_object_set_new(c, "side", json_string(side));
		json_object_set_new(c, "measure", json_string(measure));
		json_array_append_new(cols, c);
		n++;
	}
	return cols;
}

static int code_level(const char *codes)
{
	size_t n = strlen(codes);

	return n == 3 ? 1 : n == 5 ? 2 : n == 7 ? 3 : 0;
}

static json_t *row_json(const struct table *t, const struct prow *r, char keys[][48], size_t ncols)
{
	json_t *row = json_object(), *amounts = json_object(), *boxes = json_object();
	/* a row with neither name nor code (三公's one row) is the table's total */
	bool total = r->codes[0] == '\0' && (!r->has_name || is_total_word(r->name));

	if (t->sided)
		json_object_set_new(row, "side",
		                    json_string(r->panel == 0 ? "income" : "expenditure"));
	json_object_set_new(row, "kind", json_string(total ? "total" : "item"));
	if (total)
		json_object_set_new(row, "level", json_integer(0));
	else if (code_level(r->codes) > 0)
		json_object_set_new(row, "level", json_integer(code_level(r->codes)));
	if (r->codes[0] != '\0')
		json_object_set_new(row, "codes", json_string(r->codes));
	if (r->odd_code) /* kept for the audit: the document printed it so */
		json_object_set_new(row, "code_printed", json_string(r->printed));
	if (r->has_name) {
		json_object_set_new(row, "name", json_string(r->name));
		json_object_set_new(boxes, "name",
		                    ing_box(r->page + 1, r->nx0, r->ny0, r->nx1, r->ny1));
	}
	for (size_t i = 0; i < ncols; i++) {
		const struct ing_word *w = r->amt[i];

		if (w == NULL)
			continue;
		/* a rate is written without its percent sign: the column is in percent */
		json_object_set_new(amounts, keys[i], json_stringn(w->text, strcspn(w->text, "%")));
		json_object_set_new(boxes, keys[i],
		                    ing_box(r->page + 1, w->x0, w->y0, w->x1, w->y1));
	}
	json_object_set_new(row, "amounts", amounts);
	json_object_set_new(row, "boxes", boxes);
	if (r->unplaced != NULL && json_array_size(r->unplaced) > 0)
		json_object_set(row, "unplaced", r->unplaced);
	return row;
}

static json_t *table_json(const struct tctx *c, struct table *t, size_t position)
{
	json_t *o = json_object(), *rows = json_array();
	char keys[ING_MAX_COLS][48];
	const char *family = t->title->type->family;
	json_t *cols = columns_json(t, family, keys);
	size_t ncols = json_array_size(cols);

	json_object_set_new(o, "position", json_integer((json_int_t)position));
	json_object_set_new(o, "type", json_string(t->title->type->id));
	json_object_set_new(o, "title", json_string(t->title->text));
	if (!valid_unit(t->unit)) {
		report(c, t->title->page + 1,
		       t->unit[0] ? "unknown unit" : "no unit printed, 万元 assumed",
		       t->title->text);
		snprintf(t->unit, sizeof(t->unit), "万元");
	}
	json_object_set_new(o, "unit", json_string(t->unit));
	if (t->preparer[0] != '\0')
		json_object_set_new(o, "preparer", json_string(t->preparer));
	json_object_set_new(
	    o, "box",
	    ing_box(t->title->page + 1, t->title->x0, t->title->y0, t->title->x1, t->title->y1));
	json_object_set_new(o, "columns", cols);
	for (size_t i = 0; i < t->rows.n; i++)
		if (t->rows.v[i].codes[0] == '2' || t->rows.v[i].codes[0] == '3') {
			/* 功能分类 codes are 2xx, 经济分类 codes 3xx */
			json_object_set_new(
			    o, "classification",
			    json_string(t->rows.v[i].codes[0] == '2' ? "function" : "economic"));
			break;
		}
	for (size_t p = 0; p < (t->lo.n_panels ? t->lo.n_panels : 1); p++)
		for (size_t i = 0; i < t->rows.n; i++) {
			const struct prow *r = &t->rows.v[i];

			if (r->panel != (int)p || r->merged)
				continue;
			json_array_append_new(rows, row_json(t, r, keys, ncols));
		}
	json_object_set_new(o, "rows", rows);
	if (t->note[0] != '\0')
		json_object_set_new(o, "note", json_string(t->note));
	return o;
}

int ing_tables(const struct ingest_text *text, const struct ingest_options *opt, json_t *tables,
               bool **used)
{
	struct tctx c = { .text = text, .opt = opt, .used = used };
	struct title *titles = NULL;
	size_t n = 0;
	int rc = 0;

	if (find_titles(text, &titles, &n) != 0) {
		free(titles);
		return -1;
	}
	c.titles = titles;
	c.n_titles = n;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct table *t = calloc(1, sizeof(*t));

		if (t == NULL) {
			rc = -1;
			break;
		}
		t->title = &titles[i];
		rc = read_table(&c, t);
		if (rc == 0)
			json_array_append_new(tables, table_json(&c, t, i + 1));
		for (size_t k = 0; k < t->rows.n; k++)
			json_decref(t->rows.v[k].unplaced);
		free(t->rows.v);
		free(t);
	}
	free(titles);
	return rc;
}
