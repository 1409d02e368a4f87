// SPDX-License-Identifier: MIT
// Which columns a group heading spans. The text layer has no ruling lines, only where each
// heading's text is; a heading is printed centred over the columns it spans. So, from the
// lowest group up: a group spans every column below it when they are centred on it, else the
// narrowest run of columns below it that is centred on it, at least as wide as its text, and
// that does not cut through a lower group's run.
#include "layout.h"

#include <math.h>
#include <string.h>

struct run {
	int a, b; /* leaf indices, inclusive; a > b when the group spans none */
};

/* Is the column's heading printed below g, in g's panel? Half a line apart at least: a
 * heading centred in a cell two rows high, beside g, starts just where g ends. */
static bool below(const struct ing_layout *lo, const struct ing_leaf *l, const struct ing_cell *g)
{
	return l->cell.y0 >= g->y1 + 0.5 * (g->last.y1 - g->last.y0) &&
	       l->panel == ing_layout_panel_at(lo, (g->x0 + g->x1) / 2);
}

/* The average distance between neighbouring columns (a column's width, roughly). */
static double spacing(const struct ing_layout *lo)
{
	if (lo->n_leaves < 2)
		return 60;
	return (lo->leaves[lo->n_leaves - 1].xc - lo->leaves[0].xc) / (double)(lo->n_leaves - 1);
}

/* Does run r cut through one of the runs already given to lower groups, or repeat one (two
 * headings stacked over the same columns are one heading above another's columns)? */
static bool cuts(const struct run *r, const struct run *done, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct run *d = &done[i];

		if (d->a > d->b || d->b < r->a || d->a > r->b)
			continue; /* disjoint */
		if (d->a < r->a || d->b > r->b || (d->a == r->a && d->b == r->b))
			return true;
	}
	return false;
}

/* Is run [a, b] centred on g and at least as wide as its text? */
static bool fits(const struct ing_layout *lo, const struct ing_cell *g, int a, int b, double sp)
{
	double mid = (lo->leaves[a].xc + lo->leaves[b].xc) / 2, gc = (g->x0 + g->x1) / 2;
	double width = lo->leaves[b].xc - lo->leaves[a].xc + sp;

	return fabs(mid - gc) <= fmax(6, 0.3 * sp) && width >= (g->x1 - g->x0) - 1;
}

/* The run of group g: see the file's comment. */
static struct run span_of(const struct ing_layout *lo, const struct ing_cell *g,
                          const struct run *done, size_t n_done)
{
	double sp = spacing(lo), gc = (g->x0 + g->x1) / 2;
	int near = -1, lo_i, hi_i, n = (int)lo->n_leaves;
	struct run best = { 1, 0 };

	for (int i = 0; i < n; i++)
		if (below(lo, &lo->leaves[i], g) &&
		    (near < 0 || fabs(lo->leaves[i].xc - gc) < fabs(lo->leaves[near].xc - gc)))
			near = i;
	if (near < 0)
		return best;
	/* the block of columns below g around the nearest one */
	for (lo_i = near; lo_i > 0 && below(lo, &lo->leaves[lo_i - 1], g); lo_i--)
		;
	for (hi_i = near; hi_i + 1 < n && below(lo, &lo->leaves[hi_i + 1], g); hi_i++)
		;
	best = (struct run){ lo_i, hi_i };
	if (fits(lo, g, lo_i, hi_i, sp) && !cuts(&best, done, n_done))
		return best;
	best = (struct run){ 1, 0 };
	for (int a = lo_i; a <= hi_i; a++)
		for (int b = a; b <= hi_i; b++) {
			struct run r = { a, b };

			if ((best.a > best.b || b - a < best.b - best.a) && fits(lo, g, a, b, sp) &&
			    !cuts(&r, done, n_done))
				best = r;
		}
	return best;
}

void ing_append(char *dst, size_t size, const char *s)
{
	size_t n = strlen(dst), k = strlen(s);

	if (n + k < size) {
		memcpy(dst + n, s, k + 1);
	}
}

void ing_layout_groups(struct ing_layout *lo)
{
	const struct ing_cell *order[ING_MAX_COLS];
	struct run runs[ING_MAX_COLS];
	size_t n = 0;

	for (size_t i = 0; i < lo->n_cells; i++)
		if (lo->cells[i].group && !lo->cells[i].side_heading)
			order[n++] = &lo->cells[i];
	/* lowest first */
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && order[k]->y1 > order[k - 1]->y1; k--) {
			const struct ing_cell *t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		runs[i] = span_of(lo, order[i], runs, i);
	/* each leaf's path: its groups from the top (the last found is the highest) */
	for (size_t l = 0; l < lo->n_leaves; l++) {
		struct ing_leaf *leaf = &lo->leaves[l];
		/* after the side heading (收入/支出) of a panelled table, if any */
		for (size_t i = n; i-- > 0;) {
			if ((int)l < runs[i].a || (int)l > runs[i].b)
				continue;
			if (leaf->group[0] != '\0')
				ing_append(leaf->group, sizeof(leaf->group), "/");
			ing_append(leaf->group, sizeof(leaf->group), order[i]->text);
		}
	}
}
