// SPDX-License-Identifier: MIT
// The column layout of a table, read from its printed header (layout.c).
#ifndef BUDGETD_INGEST_LAYOUT_H
#define BUDGETD_INGEST_LAYOUT_H

#include "internal.h"

#define ING_MAX_COLS 48
#define ING_MAX_PANELS 4

struct ing_cell {
	double x0, y0, x1, y1;
	char text[192];
	struct ing_word last; /* its lowest word, to join the next line of a wrapped heading */
	bool group, side_heading;
};

struct ing_leaf {
	double xc; /* centre of the printed heading: figures end right of it */
	struct ing_cell cell;
	int panel;
	char title[192]; /* squeezed */
	char group[384]; /* group headings above it, outermost first, joined by "/" */
};

struct ing_layout {
	struct ing_cell cells[ING_MAX_COLS];
	size_t n_cells;
	struct ing_word names[ING_MAX_COLS]; /* headings of the code and name columns */
	size_t n_names;
	size_t n_panels;
	double anchor[ING_MAX_PANELS]; /* centre of each panel's name heading */
	double start[ING_MAX_PANELS]; /* a word at or right of start[p] is in panel p */
	double first_leaf[ING_MAX_PANELS]; /* centre of the panel's first column */
	struct ing_leaf leaves[ING_MAX_COLS];
	size_t n_leaves;
};

/* Reads the layout from the header's words (copied; the texts are borrowed). 0 or -1. */
int ing_layout_build(struct ing_layout *lo, const struct ing_word *words, size_t n);

/* Appends s to the string in dst (size bytes) if it fits whole. */
void ing_append(char *dst, size_t size, const char *s);

/* Gives each leaf the group headings above it, after its side heading (groups.c). */
void ing_layout_groups(struct ing_layout *lo);

/* The panel of a heading centred at xc (by the name headings of each panel). */
int ing_layout_panel_at(const struct ing_layout *lo, double xc);

/* The panel a word starting at x0 belongs to. */
int ing_layout_panel(const struct ing_layout *lo, double x0);

/* The column of a figure ending at x1: the rightmost whose heading centre is left of x1
 * (figures are right-aligned or centred under their heading); -1 if none. */
int ing_layout_leaf(const struct ing_layout *lo, double x1);

/* Does this header word head the code or name columns (项目, 科目名称, 类...)? */
bool ing_is_name_word(const char *text);

/* s without spaces into out. */
void ing_squeeze(const char *s, char *out, size_t size);

#endif
