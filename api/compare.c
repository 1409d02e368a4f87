// SPDX-License-Identifier: MIT
// /api/v1/compare?a=...&b=...: two disclosures side by side (#14), table by table (paired by
// type, or by title for a table of no known type), rows matched by side and code (or name
// where there is no code), each column's two figures and their difference, exact; a side's
// rows and tables that the other lacks are kept and say so.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char json_utf8[] = "application/json; charset=utf-8";

/* One side: which disclosure, and its tables once read. */
struct side {
	const char *param; /* "a" or "b" */
	char dept[80], kind[8], level[12], url[240];
	int year;
	json_t *doc;
};

/* "/departments/{id}/{budgets|finals}/{year}" with "?level=unit" or not. 0, or 400. */
static int parse_side(struct api_ctx *c, struct side *s)
{
	const char *v = api_arg(c, s->param);
	char kinds[16];
	int n = 0;

	if (v == NULL)
		return api_fail(c->resp, 400,
		                "%s is required: a disclosure, written "
		                "/departments/{id}/{budgets|finals}/{year}",
		                s->param)
		           ? -1
		           : 400;
	if (sscanf(v, "/departments/%79[a-z0-9-]/%15[a-z]/%4d%n", s->dept, kinds, &s->year, &n) !=
	        3 ||
	    (strcmp(kinds, "budgets") != 0 && strcmp(kinds, "finals") != 0) || s->year < 1990 ||
	    s->year > 2100 || (v[n] != '\0' && strcmp(v + n, "?level=unit") != 0) ||
	    v[n - 5] != '/' || v[n - 4] == '0')
		return api_fail(
		           c->resp, 400,
		           "%s must be a disclosure written /departments/{id}/{budgets|finals}/"
		           "{year}, with ?level=unit for a 单位 disclosure",
		           s->param)
		           ? -1
		           : 400;
	snprintf(s->kind, sizeof(s->kind), "%s", kinds[0] == 'b' ? "budget" : "final");
	snprintf(s->level, sizeof(s->level), "%s", v[n] != '\0' ? "unit" : "department");
	snprintf(s->url, sizeof(s->url), "/api/v1%s", v);
	return 0;
}

static int load_side(struct api_ctx *c, struct side *s)
{
	struct db_export_sel sel = { .parts = DB_PART_DEPARTMENT | DB_PART_TABLES };
	struct db_error err = { 0 };

	s->doc = db_export_part(c->db, s->dept, s->year, s->kind, s->level, &sel, &err);
	if (s->doc != NULL)
		return 0;
	if (err.code == DB_NOT_FOUND)
		return api_fail(c->resp, 404, "%s: no %s%s %d of department \"%s\"", s->param,
		                strcmp(s->level, "unit") == 0 ? "unit-level " : "", s->kind,
		                s->year, s->dept)
		           ? -1
		           : 404;
	return api_store_error(c->resp, &err) ? -1 : 503;
}

/* ---- pairing ---- */

/* Is tb the counterpart of ta: the same type, or for a table of no known type the same
 * title? */
static bool same_table(const json_t *ta, const json_t *tb)
{
	const char *ya = api_table_type(ta), *yb = api_table_type(tb);

	if (strcmp(ya, yb) != 0)
		return false;
	return strcmp(ya, "other") != 0 ||
	       strcmp(json_string_value(json_object_get(ta, "title")),
	              json_string_value(json_object_get(tb, "title"))) == 0;
}

/* A row's identity within its table: side, then codes joined, else kind and name. */
static void row_key(const json_t *row, char *buf, size_t size)
{
	const char *side = json_string_value(json_object_get(row, "side"));
	const json_t *codes = json_object_get(row, "codes");
	size_t i;
	json_t *part;

	snprintf(buf, size, "%s|", side ? side : "");
	if (json_array_size(codes) > 0) {
		json_array_foreach (codes, i, part)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s",
			         json_string_value(part));
		return;
	}
	snprintf(buf + strlen(buf), size - strlen(buf), "%s|%s",
	         json_string_value(json_object_get(row, "kind")) ?: "item",
	         json_string_value(json_object_get(row, "name")) ?: "");
}

/* The first row of t not yet taken whose key is key; its index, or -1. */
static long find_row(const json_t *t, const char *key, const unsigned char *taken)
{
	char k[600];
	size_t i;
	json_t *row;

	json_array_foreach (json_object_get(t, "rows"), i, row) {
		row_key(row, k, sizeof(k));
		if (!taken[i] && strcmp(k, key) == 0)
			return (long)i;
	}
	return -1;
}

/* ---- figures: in the pair's unit, exact ---- */

struct pair {
	const json_t *ta, *tb; /* either may be NULL */
	const char *ua, *ub, *unit; /* units of a and b, and the one both are written in */
};

bool api_percent_column(const json_t *col)
{
	const char *m = json_string_value(json_object_get(col, "measure"));
	const char *title = json_string_value(json_object_get(col, "title"));

	if (m != NULL && (strcmp(m, "rate") == 0 || strcmp(m, "change_percent") == 0))
		return true;
	return title != NULL && (strchr(title, '%') != NULL || strstr(title, "％") != NULL);
}

static bool percent_in(const json_t *t, const char *key)
{
	size_t i;
	json_t *col;

	json_array_foreach (json_object_get(t, "columns"), i, col)
		if (strcmp(json_string_value(json_object_get(col, "key")), key) == 0)
			return api_percent_column(col);
	return false;
}

static bool percent_key(const struct pair *p, const char *key)
{
	return percent_in(p->ta, key) || percent_in(p->tb, key);
}

/* Can every amount of t (percentages aside) be written in unit? */
static bool all_convert(const struct pair *p, const json_t *t, const char *from, const char *unit)
{
	size_t i;
	json_t *row, *fig;
	const char *key;
	int64_t v, out;

	json_array_foreach (json_object_get(t, "rows"), i, row)
		json_object_foreach ((json_t *)json_object_get(row, "amounts"), key, fig)
			if (!percent_key(p, key) &&
			    (!api_dec(fig, &v) || db_unit_convert(v, from, unit, &out) != 0))
				return false;
	return true;
}

/* The pair's unit: their one unit; when they differ, 万元 if every figure converts to it
 * exactly, else 元 (to which a figure in a larger unit always converts exactly). */
static const char *pair_unit(const struct pair *p)
{
	if (p->ta == NULL || p->tb == NULL || strcmp(p->ua, p->ub) == 0)
		return p->ta != NULL ? p->ua : p->ub;
	if (all_convert(p, p->ta, p->ua, "万元") && all_convert(p, p->tb, p->ub, "万元"))
		return "万元";
	return "元";
}

/* fig (in from) as text in unit: as published when no conversion, else canonical; "" when
 * absent (or beyond conversion). *v receives its value in unit. */
static void figure(const json_t *fig, const char *from, const char *unit, int64_t *v,
                   char text[static DB_DEC_BUFSZ])
{
	int64_t raw;

	text[0] = '\0';
	if (!api_dec(fig, &raw))
		return;
	if (strcmp(from, unit) == 0) {
		*v = raw;
		snprintf(text, DB_DEC_BUFSZ, "%s", api_dec_text(fig));
	} else if (db_unit_convert(raw, from, unit, v) == 0) {
		db_dec_format(*v, text);
	}
}

/* One column of a row: the two figures and b - a. */
struct cell {
	char a[DB_DEC_BUFSZ], b[DB_DEC_BUFSZ], diff[DB_DEC_BUFSZ];
};

static void cell_of(const struct pair *p, const json_t *ra, const json_t *rb, const char *key,
                    struct cell *c)
{
	bool pct = percent_key(p, key);
	int64_t va = 0, vb = 0, d;

	figure(json_object_get(json_object_get(ra, "amounts"), key), pct ? "%" : p->ua,
	       pct ? "%" : p->unit, &va, c->a);
	figure(json_object_get(json_object_get(rb, "amounts"), key), pct ? "%" : p->ub,
	       pct ? "%" : p->unit, &vb, c->b);
	c->diff[0] = '\0';
	if (c->a[0] != '\0' && c->b[0] != '\0' &&
	    db_change(va, vb, &d, &(int64_t){ 0 }, &(bool){ false }) == 0)
		db_dec_format(d, c->diff);
}

/* The columns of the pair: a's in order, then b's that a lacks. Calls fn for each. */
typedef void (*column_fn)(void *ctx, const json_t *col, const char *in);

/* Does the column list cols hold one with this key? */
static bool has_column(const json_t *cols, const char *key)
{
	size_t i;
	json_t *col;

	json_array_foreach (cols, i, col)
		if (strcmp(json_string_value(json_object_get(col, "key")), key) == 0)
			return true;
	return false;
}

static void each_column(const struct pair *p, column_fn fn, void *ctx)
{
	const json_t *ca = json_object_get(p->ta, "columns"),
	             *cb = json_object_get(p->tb, "columns");
	size_t i;
	json_t *col;

	json_array_foreach (ca, i, col) {
		const char *key = json_string_value(json_object_get(col, "key"));
		fn(ctx, col, has_column(cb, key) ? "both" : "a");
	}
	json_array_foreach (cb, i, col)
		if (!has_column(ca, json_string_value(json_object_get(col, "key"))))
			fn(ctx, col, "b");
}

/* The rows of the pair: a's in order with their match in b, then b's unmatched. */
typedef void (*row_fn)(void *ctx, const struct pair *p, const json_t *ra, long ia, const json_t *rb,
                       long ib);

static int each_row(const struct pair *p, row_fn fn, void *ctx)
{
	size_t nb = json_array_size(json_object_get(p->tb, "rows")), i;
	unsigned char *taken = calloc(nb + 1, 1);
	char key[600];
	json_t *row;

	if (taken == NULL)
		return -1;
	json_array_foreach (json_object_get(p->ta, "rows"), i, row) {
		row_key(row, key, sizeof(key));
		long j = p->tb != NULL ? find_row(p->tb, key, taken) : -1;
		if (j >= 0)
			taken[j] = 1;
		fn(ctx, p, row, (long)i,
		   j >= 0 ? json_array_get(json_object_get(p->tb, "rows"), (size_t)j) : NULL, j);
	}
	for (i = 0; i < nb; i++)
		if (!taken[i])
			fn(ctx, p, NULL, -1, json_array_get(json_object_get(p->tb, "rows"), i),
			   (long)i);
	free(taken);
	return 0;
}

/* The pairs of tables: a's in order with their counterpart in b, then b's unpaired. */
typedef int (*pair_fn)(void *ctx, struct pair *p);

static int each_pair(const struct side *a, const struct side *b, pair_fn fn, void *ctx)
{
	const json_t *tas = json_object_get(a->doc, "tables"),
	             *tbs = json_object_get(b->doc, "tables");
	unsigned char taken[256] = { 0 };
	size_t i, j;
	json_t *ta, *tb;
	int rc = 0;

	json_array_foreach (tas, i, ta) {
		struct pair p = { .ta = ta, .ua = api_table_unit(a->doc, ta) };
		json_array_foreach (tbs, j, tb) {
			if (j < sizeof(taken) && !taken[j] && same_table(ta, tb)) {
				taken[j] = 1;
				p.tb = tb;
				p.ub = api_table_unit(b->doc, tb);
				break;
			}
		}
		p.unit = pair_unit(&p);
		if ((rc = fn(ctx, &p)) != 0)
			return rc;
	}
	json_array_foreach (tbs, j, tb) {
		if (j < sizeof(taken) && taken[j])
			continue;
		struct pair p = { .tb = tb, .ub = api_table_unit(b->doc, tb) };
		p.unit = pair_unit(&p);
		if ((rc = fn(ctx, &p)) != 0)
			return rc;
	}
	return 0;
}

/* ---- writing ---- */

struct out {
	struct api_jw w;
	bool csv;
	const struct pair *p;
	const json_t *ra, *rb; /* the row being written */
	const char *row_in;
};

static void put_dec_or_null(struct api_jw *w, const char *key, const char *text)
{
	api_jw_key(w, key);
	if (text[0] == '\0')
		api_jw_null(w);
	else
		api_jw_dec_text(w, text);
}

static void json_column(void *ctx, const json_t *col, const char *in)
{
	struct out *o = ctx;

	api_jw_obj(&o->w);
	api_ktext(&o->w, col, "key");
	api_ktext(&o->w, col, "title");
	api_ktext(&o->w, col, "side");
	api_ktext(&o->w, col, "measure");
	api_jw_kstr(&o->w, "in", in);
	api_jw_end(&o->w, '}');
}

static const char *type_name(const json_t *t)
{
	const struct db_table_type *ty = db_table_type_find(api_table_type(t));

	return ty != NULL ? ty->name : NULL;
}

static void csv_cell(void *ctx, const json_t *col, const char *in)
{
	struct out *o = ctx;
	const json_t *t = o->p->ta != NULL ? o->p->ta : o->p->tb, *r = o->ra ? o->ra : o->rb;
	const char *key = json_string_value(json_object_get(col, "key"));
	char code[32] = "";
	struct cell c;
	size_t i;
	json_t *part;

	(void)in;
	cell_of(o->p, o->ra, o->rb, key, &c);
	if (c.a[0] == '\0' && c.b[0] == '\0')
		return;
	json_array_foreach (json_object_get(r, "codes"), i, part)
		snprintf(code + strlen(code), sizeof(code) - strlen(code), "%s",
		         json_string_value(part));
	api_csv_text(&o->w, api_table_type(t), true);
	api_csv_text(&o->w, json_string_value(json_object_get(t, "title")), false);
	api_csv_text(&o->w, o->p->ta && o->p->tb ? "both" : o->p->ta ? "a" : "b", false);
	api_csv_text(&o->w, json_string_value(json_object_get(r, "side")), false);
	api_csv_text(&o->w, code, false);
	api_csv_text(&o->w, json_string_value(json_object_get(r, "name")), false);
	api_csv_text(&o->w, o->row_in, false);
	api_csv_text(&o->w, key, false);
	api_csv_text(&o->w, json_string_value(json_object_get(col, "title")), false);
	api_csv_number(&o->w, c.a, false);
	api_csv_number(&o->w, c.b, false);
	api_csv_number(&o->w, c.diff, false);
	api_csv_text(&o->w, percent_key(o->p, key) ? "%" : o->p->unit, false);
	api_csv_end_row(&o->w);
}

static void json_amount(void *ctx, const json_t *col, const char *in)
{
	struct out *o = ctx;
	const char *key = json_string_value(json_object_get(col, "key"));
	struct cell c;

	(void)in;
	cell_of(o->p, o->ra, o->rb, key, &c);
	if (c.a[0] == '\0' && c.b[0] == '\0')
		return;
	api_jw_key(&o->w, key);
	api_jw_obj(&o->w);
	put_dec_or_null(&o->w, "a", c.a);
	put_dec_or_null(&o->w, "b", c.b);
	put_dec_or_null(&o->w, "difference", c.diff);
	api_jw_end(&o->w, '}');
}

static void put_index(struct api_jw *w, const char *key, long i)
{
	api_jw_key(w, key);
	if (i < 0)
		api_jw_null(w);
	else
		api_jw_int(w, i);
}

static void put_row(void *ctx, const struct pair *p, const json_t *ra, long ia, const json_t *rb,
                    long ib)
{
	struct out *o = ctx;
	const json_t *r = ra != NULL ? ra : rb;

	o->ra = ra;
	o->rb = rb;
	o->row_in = ra && rb ? "both" : ra ? "a" : "b";
	if (o->csv) {
		each_column(p, csv_cell, o);
		return;
	}
	api_jw_obj(&o->w);
	api_jw_kstr(&o->w, "in", o->row_in);
	api_ktext(&o->w, r, "side");
	api_ktext(&o->w, r, "kind");
	api_kcodes(&o->w, r);
	api_ktext(&o->w, r, "name");
	put_index(&o->w, "index_a", ia);
	put_index(&o->w, "index_b", ib);
	api_jw_key(&o->w, "amounts");
	api_jw_obj(&o->w);
	each_column(p, json_amount, o);
	api_jw_end(&o->w, '}');
	api_jw_end(&o->w, '}');
}

static void put_side_table(struct api_jw *w, const char *key, const json_t *t, const char *unit)
{
	api_jw_key(w, key);
	if (t == NULL) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	api_jw_kint(w, "position", api_table_position(t));
	api_ktext(w, t, "title");
	api_jw_kstr(w, "unit", unit);
	api_jw_end(w, '}');
}

static int put_pair(void *ctx, struct pair *p)
{
	struct out *o = ctx;
	const json_t *t = p->ta != NULL ? p->ta : p->tb;

	o->p = p;
	if (o->csv)
		return each_row(p, put_row, o);
	api_jw_obj(&o->w);
	api_jw_kstr(&o->w, "in", p->ta && p->tb ? "both" : p->ta ? "a" : "b");
	api_jw_kstr(&o->w, "type", api_table_type(t));
	api_jw_kstr(&o->w, "type_name", type_name(t));
	put_side_table(&o->w, "a", p->ta, p->ua);
	put_side_table(&o->w, "b", p->tb, p->ub);
	api_jw_kstr(&o->w, "unit", p->unit);
	api_jw_key(&o->w, "columns");
	api_jw_arr(&o->w);
	each_column(p, json_column, o);
	api_jw_end(&o->w, ']');
	api_jw_key(&o->w, "rows");
	api_jw_arr(&o->w);
	if (each_row(p, put_row, o) != 0)
		return -1;
	api_jw_end(&o->w, ']');
	api_jw_end(&o->w, '}');
	return 0;
}

static void put_side(struct api_jw *w, const struct side *s)
{
	const json_t *d = json_object_get(s->doc, "department");

	api_jw_key(w, s->param);
	api_jw_obj(w);
	api_jw_key(w, "department");
	api_jw_obj(w);
	api_jw_kstr(w, "id", s->dept);
	api_ktext(w, d, "name");
	api_jw_end(w, '}');
	api_jw_kint(w, "year", s->year);
	api_jw_kstr(w, "kind", s->kind);
	api_jw_kstr(w, "level", s->level);
	api_jw_kstr(w, "title", json_string_value(json_object_get(s->doc, "title")));
	api_jw_key(w, "links");
	api_jw_obj(w);
	api_jw_kstr(w, "self", s->url);
	api_jw_end(w, '}');
	api_jw_end(w, '}');
}

static const char *const csv_head[] = { "表类型",   "表名",        "所在表", "收支", "科目编码",
	                                "科目名称", "所在行",      "栏目键", "栏目", "A",
	                                "B",        "差额（B-A）", "单位" };

static int write_answer(struct api_ctx *c, const struct side *a, const struct side *b)
{
	struct out o = { .csv = c->format == API_CSV };
	char enc_a[300], enc_b[300], url[700];

	api_jw_init(&o.w);
	if (o.csv) {
		api_csv_begin(&o.w);
		for (size_t i = 0; i < sizeof(csv_head) / sizeof(csv_head[0]); i++)
			api_csv_text(&o.w, csv_head[i], i == 0);
		api_csv_end_row(&o.w);
		if (each_pair(a, b, put_pair, &o) != 0)
			goto fail;
		api_csv_disposition(c->resp, "compare", "对比");
		return api_ok(c, &o.w, "text/csv; charset=utf-8");
	}
	api_jw_obj(&o.w);
	put_side(&o.w, a);
	put_side(&o.w, b);
	api_jw_key(&o.w, "tables");
	api_jw_arr(&o.w);
	if (each_pair(a, b, put_pair, &o) != 0)
		goto fail;
	api_jw_end(&o.w, ']');
	api_pct_encode(enc_a, sizeof(enc_a), api_arg(c, "a"));
	api_pct_encode(enc_b, sizeof(enc_b), api_arg(c, "b"));
	api_jw_key(&o.w, "links");
	api_jw_obj(&o.w);
	snprintf(url, sizeof(url), "/api/v1/compare?a=%s&b=%s", enc_a, enc_b);
	api_jw_kstr(&o.w, "self", url);
	snprintf(url, sizeof(url), "/api/v1/compare?a=%s&b=%s&format=csv", enc_a, enc_b);
	api_jw_kstr(&o.w, "csv", url);
	api_jw_end(&o.w, '}');
	api_jw_end(&o.w, '}');
	return api_ok(c, &o.w, json_utf8);
fail:
	free(api_jw_finish(&o.w, NULL));
	return -1;
}

int api_compare(struct api_ctx *c)
{
	struct side a = { .param = "a" }, b = { .param = "b" };
	int rc;

	if ((rc = parse_side(c, &a)) != 0 || (rc = parse_side(c, &b)) != 0 ||
	    (rc = load_side(c, &a)) != 0 || (rc = load_side(c, &b)) != 0)
		goto done;
	rc = write_answer(c, &a, &b);
	c->resp->modified = 0;
	int64_t ma = 0, mb = 0;
	struct db_error err = { 0 };
	if (db_modified(c->db, a.dept, a.year, a.kind, a.level, &ma, &err) == 0 &&
	    db_modified(c->db, b.dept, b.year, b.kind, b.level, &mb, &err) == 0)
		c->resp->modified = ma > mb ? ma : mb;
done:
	json_decref(a.doc);
	json_decref(b.doc);
	return rc < 0 ? -1 : 0;
}
