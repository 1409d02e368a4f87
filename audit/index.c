// SPDX-License-Identifier: MIT
// The document's tables looked up once per audit: each table's type, its rows' totals and
// amounts, and its cells parsed. The rules asked jansson for the same members again and again
// (issue #17: 1.75 million lookups for 100 disclosures, a third of the audit).
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char *type_of(const json_t *t)
{
	const char *ty = audit_str(t, "type");
	const struct db_table_type *m;

	if (ty != NULL)
		return ty;
	m = db_table_type_match(audit_str(t, "title"));
	return m != NULL ? m->id : "other";
}

/* Column keys, each column pointing to the first with its key (a cell is found by key). */
static void index_columns(struct audit_table *x)
{
	size_t i;
	json_t *col;

	const json_t *cols = json_object_get(x->t, "columns");
	json_array_foreach (cols, i, col) {
		x->keys[i] = audit_str(col, "key");
		x->canon[i] = i;
		for (size_t k = 0; x->keys[i] != NULL && k < i; k++)
			if (x->keys[k] != NULL && strcmp(x->keys[k], x->keys[i]) == 0) {
				x->canon[i] = k;
				break;
			}
	}
}

/* The column whose key is key (the first of equal keys), from hint on; ncols if none. */
static size_t column_from(const struct audit_table *x, const char *key, size_t hint)
{
	for (size_t n = 0; n < x->ncols; n++) {
		size_t i = (hint + n) % x->ncols;
		if (x->keys[i] != NULL && x->canon[i] == i && strcmp(x->keys[i], key) == 0)
			return i;
	}
	return x->ncols;
}

size_t audit_column(const struct audit_table *x, const char *key)
{
	return key != NULL ? column_from(x, key, 0) : x->ncols;
}

/* Row r's cells: one walk over its amounts, most in the columns' order. */
static void index_cells(struct audit_table *x, size_t r)
{
	const char *key;
	json_t *v;
	size_t next = 0;

	json_object_foreach ((json_t *)x->amounts[r], key, v) {
		size_t i = column_from(x, key, next);
		if (i == x->ncols)
			continue;
		next = i + 1 < x->ncols ? i + 1 : 0;
		x->printed[r * x->ncols + i] = audit_dec(v, &x->v[r * x->ncols + i]) == 0;
		if (!x->printed[r * x->ncols + i])
			x->v[r * x->ncols + i] = 0;
	}
}

/* Row r's members the rules read: one walk over its few members, not a lookup for each. */
static void index_row(struct audit_table *x, size_t r, const json_t *row)
{
	const char *key;
	json_t *v, *codes = NULL;

	json_object_foreach ((json_t *)row, key, v) {
		if (key[0] != 'k' && key[0] != 'u' && key[0] != 'a' && key[0] != 'c')
			continue; /* name, level, side, boxes...: strcmp for none of them */
		if (strcmp(key, "kind") == 0) {
			const char *kind = json_string_value(v);
			x->total[r] = kind != NULL && strcmp(kind, "total") == 0;
		} else if (strcmp(key, "unplaced") == 0) {
			x->unplaced[r] = json_array_size(v) > 0;
		} else if (strcmp(key, "amounts") == 0) {
			x->amounts[r] = v;
		} else if (strcmp(key, "codes") == 0) {
			codes = v;
		}
	}
	audit_codes(codes, x->codes[r]);
	if (x->ncols > 0 && json_is_object(x->amounts[r]))
		index_cells(x, r);
}

static void index_rows(struct audit_table *x)
{
	size_t r;
	json_t *row;

	const json_t *rows = json_object_get(x->t, "rows");
	json_array_foreach (rows, r, row)
		if (json_is_object(row))
			index_row(x, r, row);
}

/* One block for all of a table's arrays; 0 or -1 (out of memory). */
static int index_table(struct audit_table *x, const json_t *t)
{
	size_t nr = json_array_size(json_object_get(t, "rows"));
	size_t nc = json_array_size(json_object_get(t, "columns")), cells = nr * nc;
	char *m = calloc(1, nc * (sizeof(char *) + sizeof(size_t)) + nr * sizeof(json_t *) +
	                        cells * sizeof(int64_t) + nr * 16 + cells + 2 * nr + 1);

	*x = (struct audit_table){ .t = t, .type = type_of(t), .nrows = nr, .ncols = nc };
	if (m == NULL)
		return -1;
	x->block = m;
	x->keys = (const char **)(void *)m;
	x->canon = (size_t *)(void *)(m += nc * sizeof(char *));
	x->amounts = (const json_t **)(void *)(m += nc * sizeof(size_t));
	x->v = (int64_t *)(void *)(m += nr * sizeof(json_t *));
	x->codes = (char(*)[16])(m += cells * sizeof(int64_t));
	x->printed = (bool *)(m += nr * 16);
	x->total = (bool *)(m += cells);
	x->unplaced = (bool *)(m += nr);
	index_columns(x);
	index_rows(x);
	return 0;
}

int audit_index(struct audit_ctx *c)
{
	const json_t *tables = json_object_get(c->doc, "tables");
	size_t i;
	json_t *t;

	c->ntabs = 0;
	c->tabs = calloc(json_array_size(tables) + 1, sizeof(*c->tabs));
	if (c->tabs == NULL)
		return -1;
	json_array_foreach (tables, i, t) {
		if (index_table(&c->tabs[i], t) != 0)
			return -1;
		c->ntabs = i + 1;
	}
	return 0;
}

void audit_index_free(struct audit_ctx *c)
{
	for (size_t i = 0; c->tabs != NULL && i < c->ntabs; i++)
		free(c->tabs[i].block);
	free(c->tabs);
	c->tabs = NULL;
	c->ntabs = 0;
}

const struct audit_table *audit_tab(const struct audit_ctx *c, const json_t *t)
{
	for (size_t i = 0; t != NULL && i < c->ntabs; i++)
		if (c->tabs[i].t == t)
			return &c->tabs[i];
	return NULL;
}
