// SPDX-License-Identifier: MIT
// .../projects and .../projects/{id} as JSON written straight from the projects' rows
// (db/read_projects.h), for #17: a cold answer costs its rows and no jansson tree. The bytes
// are those of projects.c's projects_json() and api_project() on db_export_part()'s tree,
// rule for rule (an empty allocation or target is null, figures that do not parse are left
// out or null); tests/check_api.c compares the two on every project of the bundled store.
#include "api.h"
#include "internal_api.h"
#include "read_projects.h"

#include <stdio.h>
#include <string.h>

/* A figure as api_kdec() writes it: its text when it parses, else null. */
static void put_dec(struct api_jw *w, const char *key, const struct db_pdec *d)
{
	int64_t v;

	api_jw_key(w, key);
	if (d->set && db_dec_parse(d->text, true, &v) == 0)
		api_jw_dec_text(w, d->text);
	else
		api_jw_null(w);
}

static void put_codes(struct api_jw *w, const struct db_proj *j)
{
	char joined[16] = "";

	api_jw_key(w, "codes");
	if (j->n_codes == 0) {
		api_jw_null(w);
		api_jw_key(w, "code");
		api_jw_null(w);
		return;
	}
	api_jw_arr(w);
	for (int i = 0; i < j->n_codes; i++) {
		api_jw_str(w, j->codes[i]);
		strncat(joined, j->codes[i], sizeof(joined) - strlen(joined) - 1);
	}
	api_jw_end(w, ']');
	api_jw_kstr(w, "code", joined);
}

/* api_put_dec_map(): the figures that parse, in published order. */
static void put_economic(struct api_jw *w, const struct db_projects *p, const struct db_proj *j)
{
	int64_t v;

	api_jw_key(w, "economic");
	api_jw_obj(w);
	for (size_t k = 0; k < j->n_economic; k++) {
		const struct db_pfig *f = &p->economic[j->economic + k];
		if (f->amount.set && db_dec_parse(f->amount.text, true, &v) == 0) {
			api_jw_key(w, f->key);
			api_jw_dec_text(w, f->amount.text);
		}
	}
	api_jw_end(w, '}');
}

/* export.c leaves out a child that is an empty object: a row with nothing in it is null. */
static void put_allocation(struct api_jw *w, const struct db_projects *p, const struct db_proj *j)
{
	api_jw_key(w, "allocation");
	if (!j->has_allocation || (j->allocation_text == NULL && j->n_items == 0)) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	api_jw_kstr(w, "text", j->allocation_text);
	api_jw_key(w, "items");
	api_jw_arr(w);
	for (size_t k = 0; k < j->n_items; k++) {
		const struct db_pfig *f = &p->items[j->items + k];
		api_jw_obj(w);
		api_jw_kstr(w, "item", f->key);
		put_dec(w, "amount", &f->amount);
		api_jw_end(w, '}');
	}
	api_jw_end(w, ']');
	api_jw_end(w, '}');
}

static void put_indicator(struct api_jw *w, const struct db_pind *d)
{
	api_jw_obj(w);
	api_jw_kstr(w, "level1", d->level1);
	api_jw_kstr(w, "level2", d->level2);
	api_jw_kstr(w, "name", d->name);
	api_jw_kstr(w, "value", d->value);
	api_jw_kstr(w, "op", d->op);
	put_dec(w, "number", &d->number);
	api_jw_kstr(w, "unit", d->unit);
	api_jw_end(w, '}');
}

static void put_performance(struct api_jw *w, const struct db_projects *p, const struct db_proj *j)
{
	api_jw_key(w, "performance");
	if (!j->has_performance ||
	    (!j->funding_total.set && !j->funding_fiscal.set && !j->funding_other.set &&
	     j->objective == NULL && j->n_indicators == 0)) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	put_dec(w, "funding_total", &j->funding_total);
	put_dec(w, "funding_fiscal", &j->funding_fiscal);
	put_dec(w, "funding_other", &j->funding_other);
	api_jw_kstr(w, "objective", j->objective);
	api_jw_key(w, "indicators");
	api_jw_arr(w);
	for (size_t k = 0; k < j->n_indicators; k++)
		put_indicator(w, &p->indicators[j->indicators + k]);
	api_jw_end(w, ']');
	api_jw_end(w, '}');
}

static void put_project(struct api_ctx *c, struct api_jw *w, const struct db_projects *p,
                        const struct db_proj *j)
{
	char self[400], path[120];

	api_jw_obj(w);
	api_jw_kstr(w, "id", j->id);
	api_jw_kstr(w, "name", j->name);
	api_jw_kstr(w, "table_name", j->table_name);
	api_jw_key(w, "withheld");
	api_jw_bool(w, j->withheld);
	api_jw_kstr(w, "legal_basis", j->withheld ? p->withheld_legal_source : NULL);
	put_codes(w, j);
	put_dec(w, "amount", &j->amount);
	api_jw_kstr(w, "unit", p->unit);
	put_economic(w, p, j);
	api_jw_kstr(w, "policy_basis", j->policy_basis);
	api_jw_kstr(w, "executing_unit", j->executing_unit);
	api_jw_kstr(w, "period", j->period);
	put_allocation(w, p, j);
	put_performance(w, p, j);
	put_dec(w, "self_evaluation", &j->self_evaluation);
	snprintf(path, sizeof(path), "/projects/%.100s", j->id);
	api_url(c, self, sizeof(self), path, false);
	api_jw_key(w, "links");
	api_jw_obj(w);
	api_jw_kstr(w, "self", self);
	api_jw_end(w, '}');
	api_jw_end(w, '}');
}

/* api_put_object() of the withheld row: count, amount, legal_source, basis, text. */
static void put_withheld(struct api_jw *w, const struct db_projects *p)
{
	api_jw_key(w, "withheld");
	if (!p->has_withheld) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	api_jw_kint(w, "count", p->withheld_count);
	put_dec(w, "amount", &p->withheld_amount);
	api_jw_kstr(w, "legal_source", p->withheld_legal_source);
	api_jw_kstr(w, "basis", p->withheld_basis);
	api_jw_kstr(w, "text", p->withheld_text);
	api_jw_end(w, '}');
}

static int projects_json(struct api_ctx *c, const struct db_projects *p)
{
	struct api_jw w;
	char url[420];

	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_kstr(&w, "unit", p->unit);
	api_jw_key(&w, "items");
	api_jw_arr(&w);
	for (size_t i = 0; i < p->n_projects; i++)
		put_project(c, &w, p, &p->projects[i]);
	api_jw_end(&w, ']');
	put_withheld(&w, p);
	api_jw_key(&w, "links");
	api_jw_obj(&w);
	api_url(c, url, sizeof(url), "/projects", false);
	api_jw_kstr(&w, "self", url);
	api_url(c, url, sizeof(url), "/projects", true);
	api_jw_kstr(&w, "csv", url);
	api_jw_end(&w, '}');
	api_jw_end(&w, '}');
	return api_ok(c, &w, "application/json; charset=utf-8");
}

int api_projects_rows(struct api_ctx *c, const char *project)
{
	struct db_error err = { 0 };
	struct db_projects p;
	struct api_jw w;
	int rc;

	api_rows_base(c);
	if (db_read_projects(c->db, c->dept, c->year, c->kind, c->level, project, &p, &err) != 0) {
		db_projects_free(&p);
		return api_rows_failed(c, &err);
	}
	c->resp->modified = p.imported_at; /* read with the disclosure */
	if (project == NULL) {
		rc = projects_json(c, &p);
	} else if (p.n_projects == 0) { /* projects.c's api_project() */
		rc = api_fail(c->resp, 404, "no project \"%.100s\" in this disclosure", project);
	} else {
		api_jw_init(&w);
		put_project(c, &w, &p, &p.projects[0]);
		rc = api_ok(c, &w, "application/json; charset=utf-8");
	}
	db_projects_free(&p);
	return rc;
}
