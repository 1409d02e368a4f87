// SPDX-License-Identifier: MIT
// /api/v1/departments/{id}/{kind}/{year} as JSON written straight from the disclosure's rows
// (db/read_disclosure.h), for #17: a cold answer costs its rows and no jansson tree. The
// bytes are those of disclosure.c's api_disclosure() on db_export_part()'s tree, rule for
// rule (what is not stored is null, figures that do not parse are null); tests/check_api.c
// compares the two on every bundled disclosure. XLSX and the page keep the tree.
#include "api.h"
#include "internal_api.h"
#include "read_disclosure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A value as api_ktext(), api_kdec() and api_kcount() write it from the tree. */
static void put_val(struct api_jw *w, const struct db_dval *v, enum db_dtype type)
{
	int64_t x;

	if (!v->set)
		api_jw_null(w);
	else if (type == DB_DINT)
		api_jw_int(w, v->n);
	else if (type == DB_DTEXT)
		api_jw_str(w, v->s);
	else if (db_dec_parse(v->s, true, &x) == 0)
		api_jw_dec_text(w, v->s);
	else
		api_jw_null(w);
}

/* Columns [from, to) of row i of l, each as key: value. */
static void put_cols(struct api_jw *w, const struct db_dlist *l, size_t i, size_t from, size_t to)
{
	const struct db_dval *v = db_drow(l, i);

	for (size_t k = from; k < to && k < l->width; k++) {
		api_jw_key(w, l->cols[k].key);
		put_val(w, &v[k], l->cols[k].type);
	}
}

/* api_put_object(): key: {every column}, or null when the part is left out. */
static void put_one(struct api_jw *w, const char *key, const struct db_dlist *l)
{
	api_jw_key(w, key);
	if (l->n == 0) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	put_cols(w, l, 0, 0, l->width);
	api_jw_end(w, '}');
}

/* The rows of l that belong to row owner of its parent list (all when l has no parent):
 * [*first, *end), found from *first on (children are ordered like their parents). */
static void rows_of(const struct db_dlist *l, size_t owner, size_t *first, size_t *end)
{
	if (l->owner == NULL) {
		*first = 0;
		*end = l->n;
		return;
	}
	while (*first < l->n && l->owner[*first] < owner)
		(*first)++;
	for (*end = *first; *end < l->n && l->owner[*end] == owner; (*end)++)
		;
}

/* api_put_objects(): key: [{every column}, ...] of rows [from, to). */
static void put_many(struct api_jw *w, const char *key, const struct db_dlist *l, size_t from,
                     size_t to)
{
	api_jw_key(w, key);
	api_jw_arr(w);
	for (size_t i = from; i < to; i++) {
		api_jw_obj(w);
		put_cols(w, l, i, 0, l->width);
		api_jw_end(w, '}');
	}
	api_jw_end(w, ']');
}

/* api_put_texts() of rows [from, to) of a list of texts. */
static void put_texts(struct api_jw *w, const struct db_dlist *l, size_t from, size_t to)
{
	api_jw_arr(w);
	for (size_t i = from; i < to; i++)
		api_jw_str(w, db_drow(l, i)->s);
	api_jw_end(w, ']');
}

static void put_overview(struct api_jw *w, const struct db_disclosure *d)
{
	api_jw_key(w, "overview");
	api_jw_obj(w);
	api_jw_key(w, "functions");
	put_texts(w, &d->functions, 0, d->functions.n);
	api_jw_key(w, "organization");
	if (d->organization.n == 0) {
		api_jw_null(w);
	} else {
		api_jw_obj(w);
		put_cols(w, &d->organization, 0, 0, d->organization.width);
		api_jw_key(w, "internal_units");
		put_texts(w, &d->internal_units, 0, d->internal_units.n);
		put_many(w, "units", &d->units, 0, d->units.n);
		api_jw_end(w, '}');
	}
	put_many(w, "staffing", &d->staffing, 0, d->staffing.n);
	api_jw_end(w, '}');
}

/* "printed": where it was printed (#18), from five values box_page, box_x0..box_y1 (ints,
 * hundredths of a point), else from page (NULL: none) alone. */
static void put_printed(struct api_jw *w, const struct db_dval *page, const struct db_dval *box)
{
	struct db_box b = { 0 };

	if (box[0].set) {
		b.page = (int)box[0].n;
		b.has_box = true;
		for (int k = 0; k < 4; k++)
			b.x[k] = box[1 + k].n;
	} else if (page != NULL && page->set) {
		b.page = (int)page->n;
	}
	api_jw_key(w, "printed");
	api_put_printed(w, &b);
}

/* A figure: label, codes and code (api_kcodes(): there when code1 is), then the rest. */
static void put_figure(struct api_jw *w, const struct db_dlist *l, size_t i)
{
	const struct db_dval *v = db_drow(l, i);
	char joined[16] = "";

	api_jw_obj(w);
	put_cols(w, l, i, 0, 1);
	api_jw_key(w, "codes");
	if (!v[1].set) {
		api_jw_null(w);
		api_jw_key(w, "code");
		api_jw_null(w);
	} else {
		api_jw_arr(w);
		for (int k = 1; k <= 3; k++) {
			if (!v[k].set)
				continue;
			api_jw_str(w, v[k].s);
			strncat(joined, v[k].s, sizeof(joined) - strlen(joined) - 1);
		}
		api_jw_end(w, ']');
		api_jw_kstr(w, "code", joined);
	}
	put_cols(w, l, i, 4, 10); /* amount .. detail (read_disclosure.h), then the box */
	put_printed(w, NULL, &v[10]);
	api_jw_end(w, '}');
}

static void put_explanations(struct api_jw *w, const struct db_disclosure *d)
{
	size_t p = 0, p_end, f = 0, f_end;

	api_jw_key(w, "explanations");
	api_jw_arr(w);
	for (size_t i = 0; i < d->explanations.n; i++) {
		const struct db_dval *v = db_drow(&d->explanations, i);
		api_jw_obj(w);
		put_cols(w, &d->explanations, i, 0, 3); /* key, number, title; page; the box */
		put_printed(w, &v[3], &v[4]);
		api_jw_key(w, "paragraphs");
		rows_of(&d->paragraphs, i, &p, &p_end);
		put_texts(w, &d->paragraphs, p, p_end);
		api_jw_key(w, "figures");
		api_jw_arr(w);
		rows_of(&d->figures, i, &f, &f_end);
		for (; f < f_end; f++)
			put_figure(w, &d->figures, f);
		api_jw_end(w, ']');
		api_jw_end(w, '}');
	}
	api_jw_end(w, ']');
}

/* The assets with their vehicles after building_value, as disclosure.c writes them. */
static void put_assets(struct api_jw *w, const struct db_disclosure *d)
{
	api_jw_key(w, "assets");
	if (d->assets.n == 0) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	put_cols(w, &d->assets, 0, 0, 3);
	put_many(w, "vehicles", &d->vehicles, 0, d->vehicles.n);
	put_cols(w, &d->assets, 0, 3, d->assets.width);
	api_jw_end(w, '}');
}

/* ---- the headline totals: api_headline_total()'s rule on the rows ---- */

/* The first table of the first of types, as api_find_table_type(); -1 if none. */
static ptrdiff_t table_of(const struct db_disclosure *d, const char *const *types)
{
	for (; *types != NULL; types++)
		for (size_t i = 0; i < d->tables.n; i++)
			if (strcmp(db_drow(&d->tables, i)[0].s, *types) == 0)
				return (ptrdiff_t)i;
	return -1;
}

/* The last total row of table t on side (any when NULL); -1 if none. */
static ptrdiff_t last_total(const struct db_disclosure *d, size_t t, const char *side)
{
	ptrdiff_t found = -1;

	for (size_t i = 0; i < d->trows.n; i++) {
		const struct db_dval *s = db_drow(&d->trows, i);
		if (d->trows.owner[i] == t && (side == NULL || (s->set && strcmp(s->s, side) == 0)))
			found = (ptrdiff_t)i;
	}
	return found;
}

/* The api_htable of table t's total row r, in two malloc'd arrays the caller frees. */
static bool rows_htable(const struct db_disclosure *d, size_t t, size_t r, struct api_htable *h)
{
	struct api_hcol *cols = calloc(d->tcols.n + 1, sizeof(*cols));
	struct api_hfig *figs = calloc(d->tfigs.n + 1, sizeof(*figs));
	size_t first = 0, end;

	h->cols = cols;
	h->figs = figs;
	h->side = db_drow(&d->trows, r)->s;
	if (cols == NULL || figs == NULL)
		return false;
	rows_of(&d->tcols, t, &first, &end);
	for (size_t i = first; i < end; i++) {
		const struct db_dval *v = db_drow(&d->tcols, i);
		cols[h->n_cols++] = (struct api_hcol){ v[0].s, v[1].s, v[2].s };
	}
	first = 0;
	rows_of(&d->tfigs, r, &first, &end);
	for (size_t i = first; i < end; i++) {
		const struct db_dval *v = db_drow(&d->tfigs, i);
		figs[h->n_figs++] = (struct api_hfig){ v[0].s, v[1].s };
	}
	return true;
}

static bool rows_total(const void *src, const char *key, int64_t *wan, const char **unit)
{
	const struct db_disclosure *d = src;
	bool final = strcmp(db_drow(&d->doc, 0)[1].s, "final") == 0, found;
	ptrdiff_t t = table_of(d, api_htable_types(key, final));
	ptrdiff_t r = t < 0 ? -1 : last_total(d, (size_t)t, api_htable_side(key));
	struct api_htable h = { .unit = db_drow(&d->doc, 0)[4].s };

	if (t >= 0) /* a table's unit is never NULL in the store */
		h.unit = db_drow(&d->tables, (size_t)t)[1].s;
	*unit = h.unit;
	if (r < 0)
		return false;
	found = rows_htable(d, (size_t)t, (size_t)r, &h) && api_htable_total(&h, key, final, wan);
	free((void *)h.cols);
	free((void *)h.figs);
	return found;
}

/* ---- the answer ---- */

static void put_department(struct api_jw *w, struct api_ctx *c, const struct db_disclosure *d)
{
	api_jw_key(w, "department");
	if (d->department.n == 0) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	api_jw_kstr(w, "id", c->dept);
	put_cols(w, &d->department, 0, 0, d->department.width);
	api_jw_end(w, '}');
}

/* The disclosure's own fields and its parts up to the explanations. */
static void put_head(struct api_jw *w, struct api_ctx *c, const struct db_disclosure *d)
{
	put_department(w, c, d);
	put_cols(w, &d->doc, 0, 0, 3); /* year, kind, title */
	api_jw_kstr(w, "level", c->level);
	put_cols(w, &d->doc, 0, 3, d->doc.width); /* published, unit */
	put_one(w, "source", &d->source);
	put_overview(w, d);
	api_put_totals(w, rows_total, d);
	put_explanations(w, d);
}

/* The SHA-256 of the published file the disclosure names, or NULL. */
static const char *source_sha256(const struct db_dlist *source)
{
	for (size_t k = 0; source->n == 1 && k < source->width; k++)
		if (strcmp(source->cols[k].key, "sha256") == 0)
			return source->v[k].set ? source->v[k].s : NULL;
	return NULL;
}

static int disclosure_json(struct api_ctx *c, const struct db_disclosure *d)
{
	struct api_jw w;
	int rc;

	api_jw_init(&w);
	api_jw_obj(&w);
	put_head(&w, c, d);
	put_one(&w, "operating_costs", &d->operating_costs);
	put_one(&w, "procurement", &d->procurement);
	put_assets(&w, d);
	put_one(&w, "performance", &d->performance);
	put_one(&w, "withheld", &d->withheld);
	put_many(&w, "glossary", &d->glossary, 0, d->glossary.n);
	if ((rc = api_audit_summary(c, &w)) != 0) {
		free(api_jw_finish(&w, NULL));
		return rc < 0 ? -1 : 0;
	}
	api_disclosure_links(&w, c, d->has_sangong, source_sha256(&d->source));
	api_jw_end(&w, '}');
	return api_ok(c, &w, "application/json; charset=utf-8");
}

void api_rows_base(struct api_ctx *c)
{
	snprintf(c->base, sizeof(c->base), "/api/v1/departments/%s/%s/%d", c->dept, c->kind_path,
	         c->year);
}

int api_rows_failed(struct api_ctx *c, const struct db_error *err)
{
	if (err->code == DB_NOT_FOUND) /* router.c's load() */
		return api_fail(c->resp, 404, "no %s%s %d of department \"%s\"",
		                strcmp(c->level, "unit") == 0 ? "unit-level " : "", c->kind,
		                c->year, c->dept);
	return api_store_error(c->resp, err);
}

int api_disclosure_rows(struct api_ctx *c)
{
	struct db_error err = { 0 };
	struct db_disclosure d;
	int rc;

	api_rows_base(c);
	if (db_read_disclosure(c->db, c->dept, c->year, c->kind, c->level, &d, &err) != 0) {
		db_disclosure_free(&d);
		return api_rows_failed(c, &err);
	}
	c->resp->modified = d.imported_at; /* read with the disclosure */
	rc = disclosure_json(c, &d);
	db_disclosure_free(&d);
	return rc;
}
