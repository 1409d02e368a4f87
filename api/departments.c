// SPDX-License-Identifier: MIT
// /api/v1/departments: every department with the years it has disclosures for.
#include "api.h"
#include "internal_api.h"

static int add_department(void *ctx, const struct db_department *dep)
{
	json_t *items = ctx, *years = json_array();

	if (years == NULL)
		return -1;
	for (size_t i = 0; i < dep->n_years; i++)
		if (json_array_append_new(years, json_integer(dep->years[i])) != 0)
			goto fail;
	json_t *item =
	    json_pack("{s:s, s:s, s:o}", "id", dep->id, "name", dep->name, "years", years);
	return item != NULL && json_array_append_new(items, item) == 0 ? 0 : -1;
fail:
	json_decref(years);
	return -1;
}

int api_departments(struct db *db, struct api_response *resp)
{
	struct db_error err = { 0 };
	json_t *items = json_array();

	if (items == NULL)
		return -1;
	if (db_departments(db, add_department, items, &err) != 0) {
		json_decref(items);
		/* err.text may name SQLite internals: clients get a plain message. */
		return api_problem(resp, 500, "Internal Server Error",
		                   "the store could not be read");
	}
	return api_json(
	    resp, 200,
	    json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)json_array_size(items)));
}
