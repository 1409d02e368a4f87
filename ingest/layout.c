// SPDX-License-Identifier: MIT
// A table's header -> its figure columns: stacked header words become cells, cells with
// cells below them are groups, the rest are leaves (one per column, left to right). Repeated
// name columns (项目, 科目名称) split the table into panels printed side by side.
#include "layout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Header words that head the code and name columns, not a figure column. */
static const char *const name_words[] = { "项目",
	                                  "科目名称",
	                                  "功能分类科目名称",
	                                  "经济分类科目名称",
	                                  "功能分类科目编码",
	                                  "经济分类科目编码",
	                                  "部门预算经济分类科目",
	                                  "功能分类",
	                                  "经济分类",
	                                  "科目编码",
	                                  "编码",
	                                  "类",
	                                  "款",
	                                  "项",
	                                  "序号",
	                                  "单位名称",
	                                  "科目",
	                                  "支出功能分类科目",
	                                  NULL };

/* s without spaces (ASCII and U+3000) into out. */
void ing_squeeze(const char *s, char *out, size_t size)
{
	size_t n = 0;

	while (*s != '\0' && n + 4 < size) {
		if (*s == ' ' || *s == '\t') {
			s++;
			continue;
		}
		if (strncmp(s, "\xe3\x80\x80", 3) == 0) {
			s += 3;
			continue;
		}
		out[n++] = *s++;
	}
	out[n] = '\0';
}

bool ing_is_name_word(const char *text)
{
	char t[128];

	ing_squeeze(text, t, sizeof(t));
	if (strstr(t, "科目名称") != NULL || strstr(t, "科目编码") != NULL ||
	    (strstr(t, "分类科目") != NULL && strlen(t) <= 36))
		return true;
	for (size_t i = 0; name_words[i] != NULL; i++)
		if (strcmp(t, name_words[i]) == 0)
			return true;
	return false;
}

static bool overlaps(double a0, double a1, double b0, double b1)
{
	return a0 < b1 && b0 < a1;
}

static void cell_add(struct ing_cell *c, const struct ing_word *w)
{
	size_t n = strlen(c->text);

	if (n + strlen(w->text) + 1 < sizeof(c->text))
		strcat(c->text, w->text);
	c->x0 = fmin(c->x0, w->x0);
	c->x1 = fmax(c->x1, w->x1);
	c->y0 = fmin(c->y0, w->y0);
	c->y1 = fmax(c->y1, w->y1);
	c->last = *w;
	(void)n;
}

/* Does w continue cell c on the next printed line (a header wrapped inside its cell)? */
static bool continues(const struct ing_cell *c, const struct ing_word *w)
{
	const struct ing_word *l = &c->last;
	double h = l->y1 - l->y0, ov, wl = l->x1 - l->x0, ww = w->x1 - w->x0;
	double cl = (l->x0 + l->x1) / 2, cw = (w->x0 + w->x1) / 2;

	if (w->y0 < l->y1 - 1 || w->y0 - l->y1 > 0.6 * h)
		return false;
	ov = fmin(l->x1, w->x1) - fmax(l->x0, w->x0);
	if (ov < 0.5 * fmin(wl, ww))
		return false;
	return fabs(cl - cw) < 8 || fabs(l->x0 - w->x0) < 3;
}

static int cmp_y(const void *a, const void *b)
{
	const struct ing_word *p = a, *q = b;

	if (p->y0 != q->y0)
		return p->y0 < q->y0 ? -1 : 1;
	return p->x0 < q->x0 ? -1 : p->x0 > q->x0;
}

static int cmp_cell_x(const void *a, const void *b)
{
	const struct ing_cell *p = a, *q = b;
	double d = (p->x0 + p->x1) - (q->x0 + q->x1);

	return d < 0 ? -1 : d > 0;
}

/* Builds cells and anchors from the header words. */
static void make_cells(struct ing_layout *lo, struct ing_word *w, size_t n)
{
	qsort(w, n, sizeof(*w), cmp_y);
	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (ing_is_name_word(w[i].text)) {
			if (lo->n_names < ING_MAX_COLS)
				lo->names[lo->n_names++] = w[i];
			continue;
		}
		for (k = 0; k < lo->n_cells; k++)
			if (continues(&lo->cells[k], &w[i]))
				break;
		if (k == lo->n_cells) {
			if (lo->n_cells == ING_MAX_COLS)
				continue;
			memset(&lo->cells[k], 0, sizeof(lo->cells[k]));
			lo->cells[k].x0 = lo->cells[k].y0 = INFINITY;
			lo->cells[k].x1 = lo->cells[k].y1 = -INFINITY;
			lo->n_cells++;
		}
		cell_add(&lo->cells[k], &w[i]);
	}
}

/* Panels: one per printed 项目 (or 科目名称) heading, left to right. */
static void find_panels(struct ing_layout *lo)
{
	double xs[2][ING_MAX_PANELS];
	size_t n[2] = { 0, 0 };

	for (size_t i = 0; i < lo->n_names; i++) {
		char t[128];
		int kind;

		ing_squeeze(lo->names[i].text, t, sizeof(t));
		kind = strcmp(t, "项目") == 0 ? 0 : strstr(t, "科目名称") != NULL ? 1 : -1;
		if (kind >= 0 && n[kind] < ING_MAX_PANELS)
			xs[kind][n[kind]++] = (lo->names[i].x0 + lo->names[i].x1) / 2;
	}
	int k = n[1] >= n[0] ? 1 : 0;
	lo->n_panels = n[k] > 0 ? n[k] : 1;
	for (size_t i = 0; i < n[k]; i++)
		lo->anchor[i] = xs[k][i];
	if (n[k] == 0)
		lo->anchor[0] = -INFINITY;
	/* sort the anchors (few) */
	for (size_t i = 1; i < n[k]; i++)
		for (size_t j = i; j > 0 && lo->anchor[j] < lo->anchor[j - 1]; j--) {
			double t = lo->anchor[j];
			lo->anchor[j] = lo->anchor[j - 1];
			lo->anchor[j - 1] = t;
		}
}

static double top_of_names(const struct ing_layout *lo)
{
	double y = INFINITY;

	for (size_t i = 0; i < lo->n_names; i++)
		y = fmin(y, lo->names[i].y0);
	return y;
}

/* A cell with another cell printed below it (within about a character either side) heads a
 * group; in a table of several panels, cells above the name headings are side headings. */
static void find_groups(struct ing_layout *lo)
{
	double top = top_of_names(lo), band = INFINITY;

	/* the side headings are the highest band of cells above the name headings */
	for (size_t i = 0; i < lo->n_cells; i++)
		if (lo->cells[i].y1 <= top + 1 && lo->cells[i].y0 < band)
			band = lo->cells[i].y1;
	for (size_t i = 0; i < lo->n_cells; i++) {
		struct ing_cell *a = &lo->cells[i];
		double pad = a->last.y1 - a->last.y0;

		if (lo->n_panels > 1 && a->y1 <= top + 1) {
			a->group = true;
			a->side_heading = a->y0 < band;
			continue;
		}
		for (size_t k = 0; k < lo->n_cells && !a->group; k++) {
			const struct ing_cell *b = &lo->cells[k];

			if (k != i && b->y0 >= a->y1 - 1 &&
			    overlaps(a->x0 - pad, a->x1 + pad, b->x0, b->x1))
				a->group = true;
		}
	}
}

int ing_layout_panel_at(const struct ing_layout *lo, double xc)
{
	int p = 0;

	for (size_t i = 1; i < lo->n_panels; i++)
		if (xc > lo->anchor[i])
			p = (int)i;
	return p;
}

/* The side heading (收入, 支出...) above a leaf's panel in a table of several panels, or "". */
static const char *side_heading(const struct ing_layout *lo, const struct ing_cell *leaf)
{
	int p = ing_layout_panel_at(lo, (leaf->x0 + leaf->x1) / 2), seen = 0;

	if (lo->n_panels < 2)
		return "";
	for (size_t i = 0; i < lo->n_cells; i++)
		if (lo->cells[i].side_heading && seen++ == p)
			return lo->cells[i].text;
	return "";
}

int ing_layout_build(struct ing_layout *lo, const struct ing_word *words, size_t n)
{
	struct ing_word *w = malloc((n + 1) * sizeof(*w));

	if (w == NULL)
		return -1;
	if (n > 0)
		memcpy(w, words, n * sizeof(*w));
	memset(lo, 0, sizeof(*lo));
	make_cells(lo, w, n);
	free(w);
	find_panels(lo);
	find_groups(lo);
	qsort(lo->cells, lo->n_cells, sizeof(lo->cells[0]), cmp_cell_x);
	for (size_t i = 0; i < lo->n_cells; i++) {
		const struct ing_cell *c = &lo->cells[i];
		struct ing_leaf *l;
		double xc = (c->x0 + c->x1) / 2;

		if (c->group || xc < lo->anchor[0])
			continue;
		l = &lo->leaves[lo->n_leaves++];
		l->xc = xc;
		l->cell = *c;
		l->panel = ing_layout_panel_at(lo, xc);
		ing_squeeze(c->text, l->title, sizeof(l->title));
		ing_append(l->group, sizeof(l->group), side_heading(lo, c));
	}
	ing_layout_groups(lo);
	/* where each panel's words start: right of the previous panel's last column centre */
	lo->start[0] = -INFINITY;
	for (size_t p = 1; p < lo->n_panels; p++) {
		lo->start[p] = lo->anchor[p] - 60;
		for (size_t i = 0; i < lo->n_leaves; i++)
			if (lo->leaves[i].panel == (int)p - 1)
				lo->start[p] = lo->leaves[i].xc + 2;
	}
	for (size_t p = 0; p < lo->n_panels; p++) {
		lo->first_leaf[p] = INFINITY;
		for (size_t i = 0; i < lo->n_leaves; i++)
			if (lo->leaves[i].panel == (int)p) {
				lo->first_leaf[p] = lo->leaves[i].xc;
				break;
			}
	}
	return 0;
}

int ing_layout_panel(const struct ing_layout *lo, double x0)
{
	int p = 0;

	for (size_t i = 1; i < lo->n_panels; i++)
		if (x0 >= lo->start[i] - 1)
			p = (int)i;
	return p;
}

int ing_layout_leaf(const struct ing_layout *lo, double x1)
{
	int best = -1;

	for (size_t i = 0; i < lo->n_leaves; i++)
		if (lo->leaves[i].xc < x1 + 1)
			best = (int)i;
	return best;
}
