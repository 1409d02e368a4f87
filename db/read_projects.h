// SPDX-License-Identifier: MIT
// A disclosure's projects read straight into C arrays (#17): what .../projects and
// .../projects/{id} write as JSON, in eight statement runs for all the projects (each child
// list read for every project at once, ordered like the projects), without the jansson tree
// of db_export_part(). The strings and figures are the ones db_export() gives for the same
// projects (api/projects.c keeps the tree path; tests/check_api.c compares the two).
#ifndef BUDGETD_DB_READ_PROJECTS_H
#define BUDGETD_DB_READ_PROJECTS_H

#include "db.h"
#include "read_table.h"

#include <stdbool.h>
#include <stddef.h>

/* A decimal as db_export() spells it ("867.50"); set false when not stored. */
struct db_pdec {
	bool set;
	char text[DB_DEC_BUFSZ];
};

/* An economic figure (project_economic) or an allocation item: a key or item and its amount. */
struct db_pfig {
	const char *key;
	struct db_pdec amount;
};

struct db_pind { /* a performance indicator (绩效指标) */
	const char *level1, *level2, *name, *value, *op, *unit;
	struct db_pdec number;
};

/* A project; NULL for what is not stored. economic, items and indicators index the
 * db_projects arrays (first, count), in published order. */
struct db_proj {
	const char *id, *name, *table_name, *policy_basis, *executing_unit, *period;
	bool withheld;
	const char *codes[3];
	int n_codes;
	struct db_pdec amount, self_evaluation;
	size_t economic, n_economic;
	bool has_allocation; /* an allocation row (its text or items may still be empty) */
	const char *allocation_text;
	size_t items, n_items;
	bool has_performance; /* a performance_target row */
	struct db_pdec funding_total, funding_fiscal, funding_other;
	const char *objective;
	size_t indicators, n_indicators;
};

struct db_projects {
	const char *unit; /* the disclosure's */
	int64_t imported_at; /* the disclosure's import time (db_modified()'s) */
	bool has_withheld; /* a withheld (不予公开) row */
	const char *withheld_legal_source, *withheld_basis, *withheld_text;
	long long withheld_count;
	struct db_pdec withheld_amount;
	struct db_proj *projects;
	size_t n_projects;
	struct db_pfig *economic, *items;
	size_t n_economic, n_items;
	struct db_pind *indicators;
	size_t n_indicators;
	struct db_tpool *pool;
};

/* Reads the projects of a disclosure into *p (zeroed first; free it with db_projects_free()
 * whatever the result): all of them, or only the one whose id is project when that is not
 * NULL (none when there is no such project). Returns 0; or -1 with err->code DB_NOT_FOUND
 * when there is no such disclosure, or with err->text for a store error. Call it within a
 * read transaction (db_read_begin) so that its statements read one snapshot. */
int db_read_projects(struct db *db, const char *department, int year, const char *kind,
                     const char *level, const char *project, struct db_projects *p,
                     struct db_error *err);
void db_projects_free(struct db_projects *p);

#endif
