// SPDX-License-Identifier: MIT
// The long (tidy) CSV: every amount a disclosure's tables publish, one line each with all its
// dimensions (department, year, kind, level, table, row, codes, column, unit), for one
// disclosure (.../amounts.csv) and for the whole store (written beside it at import).
#include "api.h"
#include "internal_api.h"
#include "read_long.h"
#include "read_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns, in order. docs/api.md "The long CSV" and datapackage.c's Table Schema name
 * the same fields in the same order. */
static const char *const header[] = { "department_id",
	                              "department_name",
	                              "region",
	                              "year",
	                              "kind",
	                              "level",
	                              "table_position",
	                              "table_type",
	                              "table_title",
	                              "row_index",
	                              "side",
	                              "row_kind",
	                              "row_level",
	                              "code",
	                              "code_lei",
	                              "code_kuan",
	                              "code_xiang",
	                              "row_name",
	                              "leaf",
	                              "column_key",
	                              "column_group",
	                              "column_title",
	                              "measure",
	                              "unit",
	                              "value",
	                              "value_yuan",
	                              "page",
	                              "x0",
	                              "y0",
	                              "x1",
	                              "y1",
	                              NULL };

/* One disclosure's constant fields and the table a line belongs to. */
struct line_ctx {
	const char *dept, *name, *region, *kind, *level;
	char year[8], position[8];
	const char *type, *title, *unit;
};

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* How far the point moves from unit to 元; -1 for a unit that is no amount of yuan. */
static int yuan_shift(const char *unit)
{
	static const struct {
		const char *unit;
		int shift;
	} units[] = { { "元", 0 }, { "千元", 3 }, { "万元", 4 }, { "亿元", 8 } };

	for (size_t i = 0; unit != NULL && i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].unit) == 0)
			return units[i].shift;
	return -1;
}

/* s (a stored decimal, "867.50" or "-1.69") in unit, written in 元 by moving its decimal
 * point: exact, whatever the size, as no int64 or double is involved ("867.50" 万元 is
 * "8675000", "6.536278" 万元 "65362.78"), k places (yuan_shift()'s); "" when the unit is
 * not one of yuan (k -1). out has room for 64 bytes; returns the end of what it wrote.
 * Copied by hand in one pass, not by two snprintf() calls: those were a sixth of writing the
 * long CSV (#17, 1.8 million lines at 10,000 disclosures). */
static char *to_yuan_by(const char *s, int k, char *out)
{
	bool neg = s[0] == '-', nonzero = false;
	const char *p = s + neg, *q;
	size_t ni = (size_t)-1, nd = 0, start = 0, point;
	char digits[64];

	*out = '\0';
	if (k < 0)
		return out;
	for (q = p; *q != '\0'; q++) /* the digits without the point: one pass */
		if (*q == '.') {
			ni = nd;
		} else if (nd < sizeof(digits) - 1) {
			nonzero = nonzero || *q != '0';
			digits[nd++] = *q;
		}
	if ((size_t)(q - p) + (size_t)k + 2 >= sizeof(digits))
		return out;
	if (ni == (size_t)-1)
		ni = nd;
	point = ni + (size_t)k;
	while (nd < point)
		digits[nd++] = '0';
	while (start + 1 < point && digits[start] == '0')
		start++;
	if (neg && nonzero) /* no "-0" */
		*out++ = '-';
	memcpy(out, digits + start, point - start);
	out += point - start;
	if (nd > point) {
		*out++ = '.';
		memcpy(out, digits + point, nd - point);
		out += nd - point;
	}
	*out = '\0';
	return out;
}

static void to_yuan(const char *s, const char *unit, char *out)
{
	(void)to_yuan_by(s, yuan_shift(unit), out);
}

static bool is_percent(const json_t *col)
{
	const char *m = str(col, "measure"), *title = str(col, "title");

	if (m != NULL && (strcmp(m, "rate") == 0 || strcmp(m, "change_percent") == 0))
		return true;
	return title != NULL && (strstr(title, "%") != NULL || strstr(title, "％") != NULL);
}

size_t api_amounts_header(char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; header[i] != NULL; i++)
		n += (size_t)snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "%s%s",
		                      i > 0 ? "," : "", header[i]);
	n += (size_t)snprintf(buf + (n < size ? n : size), n < size ? size - n : 0, "\r\n");
	return n;
}

static void put_header(struct api_jw *w)
{
	for (size_t i = 0; header[i] != NULL; i++)
		api_csv_text(w, header[i], i == 0);
	api_csv_end_row(w);
}

/* A line's first fields, department_id to level: its disclosure's. */
static void put_disclosure_fields(struct api_jw *w, const struct line_ctx *l)
{
	api_csv_text(w, l->dept, true);
	api_csv_text(w, l->name, false);
	api_csv_text(w, l->region, false);
	api_csv_number(w, l->year, false);
	api_csv_text(w, l->kind, false);
	api_csv_text(w, l->level, false);
}

/* The fields up to leaf, which every line of one row shares. */
static void put_row_fields(struct api_jw *w, const struct line_ctx *l, const json_t *row,
                           size_t index, bool parent)
{
	const json_t *codes = json_object_get(row, "codes");
	bool total = str(row, "kind") != NULL && strcmp(str(row, "kind"), "total") == 0;
	char num[24], code[16] = "";
	size_t k;
	json_t *v;

	put_disclosure_fields(w, l);
	api_csv_number(w, l->position, false);
	api_csv_text(w, l->type, false);
	api_csv_text(w, l->title, false);
	snprintf(num, sizeof(num), "%zu", index);
	api_csv_number(w, num, false);
	api_csv_text(w, str(row, "side"), false);
	api_csv_text(w, total ? "total" : "item", false);
	snprintf(num, sizeof(num), "%lld", api_row_level(row));
	api_csv_number(w, num, false);
	json_array_foreach (codes, k, v)
		strncat(code, json_string_value(v), sizeof(code) - strlen(code) - 1);
	api_csv_text(w, code, false);
	for (k = 0; k < 3; k++)
		api_csv_text(w, json_string_value(json_array_get(codes, k)), false);
	api_csv_text(w, str(row, "name"), false);
	api_csv_text(w, !total && !parent ? "true" : "false", false);
}

/* One line: the row's fields, then the column's (col NULL: a figure printed in the row
 * whose column could not be told, 未定栏目), unit, value and where it was printed. */
static void put_line(struct api_jw *w, const struct line_ctx *l, const json_t *row, size_t index,
                     bool parent, const json_t *col, const char *value)
{
	bool percent = col != NULL && is_percent(col);
	struct db_box box = { 0 };
	char yuan[64];

	if (col != NULL)
		api_box_of(json_object_get(json_object_get(row, "boxes"), str(col, "key")), &box);
	put_row_fields(w, l, row, index, parent);
	api_csv_text(w, col != NULL ? str(col, "key") : "", false);
	api_csv_text(w, col != NULL ? str(col, "group") : "", false);
	api_csv_text(w, col != NULL ? str(col, "title") : "未定栏目", false);
	api_csv_text(w, col != NULL ? str(col, "measure") : "", false);
	api_csv_text(w, percent ? "%" : l->unit, false);
	api_csv_number(w, value, false);
	to_yuan(value, percent ? NULL : l->unit, yuan);
	api_csv_number(w, yuan, false);
	api_csv_box(w, &box);
	api_csv_end_row(w);
}

/* Every figure of one row, in the order of the table's columns, then its unplaced ones. */
static uint64_t put_row(struct api_jw *w, const struct line_ctx *l, const json_t *t,
                        const json_t *row, size_t index, bool parent)
{
	const json_t *amounts = json_object_get(row, "amounts");
	uint64_t n = 0;
	size_t k;
	json_t *col, *v;

	json_array_foreach (json_object_get(t, "columns"), k, col) {
		const char *s = api_dec_text(json_object_get(amounts, str(col, "key")));
		if (s != NULL && ++n)
			put_line(w, l, row, index, parent, col, s);
	}
	json_array_foreach (json_object_get(row, "unplaced"), k, v) {
		const char *s = api_dec_text(v);
		if (s != NULL && ++n)
			put_line(w, l, row, index, parent, NULL, s);
	}
	return n;
}

/* Every line of one disclosure (db_export with its department and tables) into w. Returns
 * the number of lines, or -1 when out of memory. */
static long long put_disclosure(struct api_jw *w, const json_t *doc, const char *level)
{
	const json_t *dep = json_object_get(doc, "department");
	struct line_ctx l = { .dept = str(dep, "id"),
		              .name = str(dep, "name"),
		              .region = str(dep, "region"),
		              .kind = str(doc, "kind"),
		              .level = level };
	long long n = 0;

	snprintf(l.year, sizeof(l.year), "%lld", json_integer_value(json_object_get(doc, "year")));
	for (int p = 1; p <= API_TABLES_MAX; p++) {
		const json_t *t = api_find_table(doc, p), *rows = json_object_get(t, "rows");
		bool *parent;
		if (t == NULL)
			continue;
		if ((parent = api_row_parents(rows)) == NULL)
			return -1;
		snprintf(l.position, sizeof(l.position), "%d", p);
		l.type = api_table_type(t);
		l.title = str(t, "title");
		l.unit = api_table_unit(doc, t);
		for (size_t i = 0; i < json_array_size(rows); i++)
			n += (long long)put_row(w, &l, t, json_array_get(rows, i), i, parent[i]);
		free(parent);
	}
	return w->failed ? -1 : n;
}

int api_amounts(struct api_ctx *c, json_t *doc)
{
	bool unit = strcmp(c->level, "unit") == 0;
	struct api_jw w;
	char base[200];

	api_jw_init(&w);
	put_header(&w);
	if (put_disclosure(&w, doc, c->level) < 0) {
		free(api_jw_finish(&w, NULL));
		return -1;
	}
	snprintf(base, sizeof(base), "%s-%d-%s%s-amounts", c->dept, c->year, c->kind,
	         unit ? "-unit" : "");
	api_csv_disposition(c->resp, base, base);
	return api_ok(c, &w, "text/csv; charset=utf-8");
}

/* ---- the whole store ---- */

/* ---- a disclosure's lines straight from its rows (#17) ----
 * The bytes put_disclosure() writes from db_export_part()'s tree, rule for rule, from
 * db_read_long()'s arrays: no tree of the disclosure is built, and all its tables are read
 * in six statement runs. api_trow_level(), api_trow_parent() and api_rtable_type() are
 * table_rows.c's copies of tables.c's rules (tables.c's api_row_level(), api_row_parents()
 * and api_table_type() on the tree). The fields a row's lines share (its table's and its
 * own) and a column's are each written once as CSV text (a part) and copied into every
 * line: 1.8 million lines at 10,000 disclosures. check_cli test_long_csv_is_the_disclosures_csv
 * and check_api test_long_csv_matches_tree compare the store's CSV with every disclosure's
 * own .../amounts.csv, which put_disclosure() writes from the tree. */

/* n bytes of s onto w: api_jw_raw()'s bytes, with the room checked here (a line's cells
 * are tens of calls: #17, 1.8 million lines). */
static void append(struct api_jw *w, const char *s, size_t n)
{
	if (n == 0) /* s may be NULL (an empty cell's text) */
		return;
	if (w->len + n + 1 > w->cap) {
		api_jw_raw(w, s, n);
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* An integer cell after the first (a row's index and level) without snprintf: a number
 * of ours, which api_csv_number() writes as it is. */
static void put_int(struct api_jw *w, long long v)
{
	char num[24], *p = num;

	*p++ = ',';
	if (v < 0)
		*p++ = '-';
	p = db_dec_put_uint(p, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
	append(w, num, (size_t)(p - num));
}

/* A text cell after the first, as api_csv_text() writes it: most are plain (no quote, no
 * formula guard), copied after their comma in one go; the rest go to api_csv_text(). */
static void put_text(struct api_jw *w, const char *s)
{
	size_t n = s != NULL ? strcspn(s, ",\"\r\n") : 0;

	if (n > 0 &&
	    (s[n] != '\0' || s[0] == ' ' || s[n - 1] == ' ' || strchr("=+-@\t", s[0]) != NULL)) {
		api_csv_text(w, s, false);
		return;
	}
	append(w, ",", 1);
	append(w, s, n);
}

/* What parents() finds of a row: its side (side_id()'s), total or not, its level, and
 * whether it is a leaf (no total, no row's parent). */
struct row_fact {
	int side;
	bool total, leaf;
	long long level;
};

/* The table's cells: department_id to table_title. */
static void table_part(struct api_jw *p, const struct line_ctx *l, const struct db_table *t)
{
	p->len = 0;
	put_disclosure_fields(p, l);
	put_int(p, t->position);
	put_text(p, api_rtable_type(t));
	put_text(p, t->title);
}

/* Row i's cells, row_index to leaf (put_row_fields()'s), after its table's (table_len
 * bytes of p, kept). */
static void row_part(struct api_jw *p, size_t table_len, const struct db_table *t, size_t i,
                     const struct row_fact *f)
{
	static const char *const sides[] = { ",", ",income", ",expenditure" };
	const struct db_trow *r = &t->rows[i];
	char code[16] = ",", *c = code + 1;

	p->len = table_len;
	put_int(p, (long long)i);
	if (f->side >= 0)
		append(p, sides[f->side], strlen(sides[f->side]));
	else
		put_text(p, r->side);
	append(p, f->total ? ",total" : ",item", f->total ? 6 : 5);
	put_int(p, f->level);
	/* The codes are digits (the schema's CHECK): cells as they are. Joined, at most 15
	 * bytes (put_row_fields()'s strncat into 16). */
	for (int k = 0; k < r->n_codes; k++)
		for (const char *s = r->codes[k]; *s != '\0' && c < code + sizeof(code); s++)
			*c++ = *s;
	append(p, code, (size_t)(c - code));
	for (int k = 0; k < 3; k++) {
		append(p, ",", 1);
		if (k < r->n_codes)
			append(p, r->codes[k], strlen(r->codes[k]));
	}
	put_text(p, r->name);
	append(p, f->leaf ? ",true" : ",false", f->leaf ? 5 : 6);
}

static bool col_percent(const struct db_tcol *c)
{
	if (c->measure != NULL &&
	    (strcmp(c->measure, "rate") == 0 || strcmp(c->measure, "change_percent") == 0))
		return true;
	return c->title != NULL &&
	       (strstr(c->title, "%") != NULL || strstr(c->title, "％") != NULL);
}

/* A column's cells: column_key to unit (c NULL: 未定栏目). */
static void col_part(struct api_jw *p, const struct db_tcol *c, bool percent, const char *unit)
{
	p->len = 0;
	put_text(p, c != NULL ? c->key : "");
	put_text(p, c != NULL ? c->group : "");
	put_text(p, c != NULL ? c->title : "未定栏目");
	put_text(p, c != NULL ? c->measure : "");
	put_text(p, percent ? "%" : unit);
}

/* The parts of one disclosure, kept across its tables and lines. */
struct parts {
	struct api_jw head; /* the table's cells, then the row's */
	size_t table_len; /* of head: the table's */
	struct api_jw *cols; /* one per column, then the unplaced one */
	int *shift; /* of each column's figures to 元 (to_yuan_by()'s; -1: none, a percent) */
	size_t n_cols; /* room in cols and shift, less the unplaced one's */
	struct row_fact *facts; /* the table's rows' */
	size_t n_facts; /* room in facts */
};

/* page, x0, y0, x1, y1 at e, each after a comma (api_csv_box()'s cells): numbers of ours. */
static char *put_box(char *e, const struct db_box *b)
{
	if (b->page < 1) {
		memcpy(e, ",,,,,", 5);
		return e + 5;
	}
	*e++ = ',';
	e = db_dec_put_uint(e, (uint64_t)b->page);
	for (int k = 0; k < 4; k++) {
		*e++ = ',';
		if (b->has_box)
			e = api_put_hundredths(e, b->x[k]);
	}
	return e;
}

/* One line: the row's cells, the column's, then value, value_yuan and where the figure was
 * printed, numbers of ours that need no quoting (api_csv_number() would write them as they
 * are). */
static void line(struct api_jw *w, const struct parts *p, size_t col, const struct db_lfig *value)
{
	char tail[DB_DEC_BUFSZ + 64 + 5 * 24 + 2], *e = tail;

	*e++ = ',';
	memcpy(e, value->text, value->len);
	e += value->len;
	*e++ = ',';
	e = to_yuan_by(value->text, p->shift[col], e);
	e = put_box(e, &value->box);
	*e++ = '\r';
	*e++ = '\n';
	append(w, p->head.buf, p->head.len);
	append(w, p->cols[col].buf, p->cols[col].len);
	append(w, tail, (size_t)(e - tail));
}

/* A figure's text when it parses (api_tfig_text()'s rule), else NULL. */
static const char *fig_text(const struct db_lfig *f)
{
	int64_t v;

	return db_dec_parse(f->text, true, &v) == 0 ? f->text : NULL;
}

/* Every line of row i: its figures in the columns' order, then its unplaced ones. */
static long long table_row(struct api_jw *w, struct parts *p, const struct db_long *d,
                           const struct db_table *t, size_t i, const struct row_fact *fact)
{
	const struct db_trow *r = &t->rows[i];
	long long n = 0;

	/* Written only for a row with figures: 4 rows in 10 of the bench files have none. */
	if (r->n_amounts + r->n_unplaced > 0)
		row_part(&p->head, p->table_len, t, i, fact);
	for (size_t k = 0; k < r->n_amounts; k++) {
		const struct db_lfig *f = &d->figs[r->amounts + k];
		if (fig_text(f) != NULL && ++n)
			line(w, p, (size_t)f->col, f);
	}
	for (size_t k = 0; k < r->n_unplaced; k++) {
		const struct db_lfig *f = &d->figs[r->unplaced + k];
		if (fig_text(f) != NULL && ++n)
			line(w, p, t->n_cols, f);
	}
	return n;
}

/* Room in p for n columns and the unplaced one, and for rows rows' facts. */
static int parts_room(struct parts *p, size_t n, size_t rows)
{
	size_t from = p->cols == NULL ? 0 : p->n_cols + 1;
	struct api_jw *cols;
	struct row_fact *facts;
	int *shift;

	if (rows > p->n_facts) {
		if ((facts = realloc(p->facts, rows * sizeof(*facts))) == NULL)
			return -1;
		p->facts = facts;
		p->n_facts = rows;
	}
	if (p->cols != NULL && n <= p->n_cols)
		return 0;
	if ((cols = realloc(p->cols, (n + 1) * sizeof(*cols))) == NULL)
		return -1;
	p->cols = cols;
	for (size_t c = from; c <= n; c++)
		api_jw_init(&cols[c]);
	if ((shift = realloc(p->shift, (n + 1) * sizeof(*shift))) == NULL)
		return -1;
	p->shift = shift;
	p->n_cols = n;
	return 0;
}

static void parts_free(struct parts *p)
{
	for (size_t c = 0; p->cols != NULL && c <= p->n_cols; c++)
		free(api_jw_finish(&p->cols[c], NULL));
	free(api_jw_finish(&p->head, NULL));
	free(p->cols);
	free(p->shift);
	free(p->facts);
}

/* A row's side as a number, for parents(): the schema's CHECK allows these; -1 for any
 * other. */
static int side_id(const char *side)
{
	if (side == NULL)
		return 0;
	return strcmp(side, "income") == 0 ? 1 : strcmp(side, "expenditure") == 0 ? 2 : -1;
}

/* The parent of row i (api_trow_parent()'s rule with each row's side and level taken once:
 * a row's search upwards compares them with every row above it, mostly in vain, as a
 * first-level row has no parent), or -1. */
static long parent_of(const struct db_table *t, const struct row_fact *f, size_t i)
{
	const struct db_trow *r = &t->rows[i];

	if (f[i].total)
		return -1;
	for (size_t j = i; j-- > 0;) {
		const struct db_trow *up = &t->rows[j];
		if (f[j].side != f[i].side || f[j].level >= f[i].level)
			continue;
		if (r->n_codes == 0 || up->n_codes == 0 || api_trow_codes_lead(up, r))
			return (long)j;
	}
	return -1;
}

/* Each row's facts (f has room for t->n_rows); api_trow_parent() itself for a table with a
 * side the schema does not know. */
static void parents(const struct db_table *t, struct row_fact *f)
{
	bool known = true;
	long up;

	for (size_t i = 0; i < t->n_rows; i++) {
		f[i].side = side_id(t->rows[i].side);
		f[i].total = api_trow_total(&t->rows[i]);
		f[i].leaf = !f[i].total;
		f[i].level = api_trow_level(&t->rows[i]);
		known = known && f[i].side >= 0;
	}
	for (size_t i = 0; i < t->n_rows; i++)
		if ((up = known ? parent_of(t, f, i) : api_trow_parent(t, i)) >= 0)
			f[up].leaf = false;
}

/* Every line of one table into w; the number of lines, or -1 when out of memory. */
static long long table_lines(struct api_jw *w, struct parts *p, const struct line_ctx *l,
                             const struct db_long *d, const struct db_table *t)
{
	const char *unit = t->unit != NULL ? t->unit : t->doc_unit;
	struct row_fact *f;
	long long n = 0;

	if (parts_room(p, t->n_cols, t->n_rows) != 0)
		return -1;
	f = p->facts;
	parents(t, f);
	table_part(&p->head, l, t);
	p->table_len = p->head.len;
	for (size_t c = 0; c <= t->n_cols; c++) {
		const struct db_tcol *col = c < t->n_cols ? &t->cols[c] : NULL;
		bool percent = col != NULL && col_percent(col);
		p->shift[c] = percent ? -1 : yuan_shift(unit);
		col_part(&p->cols[c], col, percent, unit);
	}
	for (size_t i = 0; i < t->n_rows; i++)
		n += table_row(w, p, d, t, i, &f[i]);
	return n;
}

struct store_walk {
	struct db *db;
	api_write_fn write;
	void *ctx;
	uint64_t lines;
	struct db_error *err;
	const struct api_amounts_reuse *reuse; /* NULL: every disclosure is written afresh */
	struct api_jw out; /* the lines not yet handed over; its buffer kept across disclosures */
	struct db_long d; /* the disclosure read, its arrays' room kept likewise */
	struct parts p;
};

/* Hands the text in s->out to the writer; s->out's buffer stays for the next. */
static int flush(struct store_walk *s)
{
	int rc = s->out.failed ? -1 : s->out.len > 0 ? s->write(s->ctx, s->out.buf, s->out.len) : 0;

	if (rc != 0 && s->err->text[0] == '\0')
		snprintf(s->err->text, sizeof(s->err->text), "%s",
		         s->out.failed ? "out of memory" : "could not write the long CSV");
	s->out.len = 0;
	return rc;
}

/* Every line of one disclosure into w, its tables by number as put_disclosure() takes them;
 * the number of lines, or -1 with *err filled. */
static long long disclosure_lines(struct store_walk *s, const char *dept,
                                  const struct db_disclosure_ref *ref)
{
	struct db_long *d = &s->d;
	struct parts *p = &s->p;
	struct line_ctx l = { .dept = dept, .kind = ref->kind, .level = ref->level };
	long long n = 0, m;

	if (db_read_long(s->db, dept, ref->year, ref->kind, ref->level, d, s->err) != 0)
		return -1;
	l.name = d->name;
	l.region = d->region;
	*db_dec_put_uint(l.year, (uint64_t)ref->year) = '\0';
	for (size_t i = 0; i < d->n_tables && n >= 0; i++) {
		if ((m = table_lines(&s->out, p, &l, d, &d->tables[i])) < 0 || s->out.failed ||
		    p->head.failed) {
			snprintf(s->err->text, sizeof(s->err->text), "out of memory");
			n = -1;
		} else {
			n += m;
		}
	}
	for (size_t c = 0; p->cols != NULL && c <= p->n_cols && n >= 0; c++)
		if (p->cols[c].failed) {
			snprintf(s->err->text, sizeof(s->err->text), "out of memory");
			n = -1;
		}
	return n;
}

static int one_disclosure(struct store_walk *s, const char *dept,
                          const struct db_disclosure_ref *ref)
{
	long long n = disclosure_lines(s, dept, ref);

	if (n < 0) {
		s->out.len = 0;
		return -1;
	}
	s->lines += (uint64_t)n;
	return flush(s);
}

/* A disclosure's lines: those the caller kept from an earlier run, or written afresh. */
static int reused_or_one(struct store_walk *s, const char *dept,
                         const struct db_disclosure_ref *ref)
{
	int kept = s->reuse != NULL ? s->reuse->reuse(s->reuse->ctx, dept, ref) : 0;

	if (kept < 0 || (kept == 0 && one_disclosure(s, dept, ref) != 0)) {
		if (s->err->text[0] == '\0')
			snprintf(s->err->text, sizeof(s->err->text),
			         "could not write the long CSV");
		return -1;
	}
	return s->reuse != NULL ? s->reuse->written(s->reuse->ctx, dept, ref) : 0;
}

static int each_disclosure(void *ctx, const struct db_department_detail *dep)
{
	struct store_walk *s = ctx;

	for (size_t i = 0; i < dep->n_disclosures; i++)
		if (reused_or_one(s, dep->id, &dep->disclosures[i]) != 0)
			return -1;
	return 0;
}

/* Collects the department ids first: their disclosures are read after the list's statement
 * is done. */
static int collect(void *ctx, const struct db_department *dep)
{
	json_t *ids = ctx;

	return json_array_append_new(ids, json_string(dep->id));
}

int api_amounts_store(struct db *db, api_write_fn write, void *ctx, uint64_t *lines,
                      struct db_error *err)
{
	return api_amounts_store_reusing(db, write, ctx, NULL, lines, err);
}

int api_amounts_store_reusing(struct db *db, api_write_fn write, void *ctx,
                              const struct api_amounts_reuse *reuse, uint64_t *lines,
                              struct db_error *err)
{
	struct store_walk s = { .db = db, .write = write, .ctx = ctx, .err = err, .reuse = reuse };
	json_t *ids = json_array(), *id;
	size_t i;
	int rc = -1;

	if (ids == NULL || db_read_begin(db) != 0)
		goto fail;
	if (db_departments(db, NULL, collect, ids, NULL, err) != 0)
		goto end;
	put_header(&s.out);
	if (flush(&s) != 0)
		goto end;
	json_array_foreach (ids, i, id)
		if (db_department(db, json_string_value(id), each_disclosure, &s, err) != 0)
			goto end;
	rc = 0;
end:
	db_read_end(db);
fail:
	json_decref(ids);
	free(api_jw_finish(&s.out, NULL));
	db_long_free(&s.d);
	parts_free(&s.p);
	if (lines != NULL)
		*lines = s.lines;
	if (rc != 0 && err->text[0] == '\0')
		snprintf(err->text, sizeof(err->text), "could not read the store");
	return rc;
}
