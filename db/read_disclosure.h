// SPDX-License-Identifier: MIT
// What /api/v1/departments/{id}/{kind}/{year} answers, read straight into C arrays (#17):
// the disclosure's own fields and its one-row parts in one statement run, each list (and
// each child list, for all its parents at once) in one run, without the jansson tree of
// db_export_part(). The values are the ones db_export() gives (api/disclosure.c keeps the
// tree path; tests/check_api.c compares the two answers byte for byte).
#ifndef BUDGETD_DB_READ_DISCLOSURE_H
#define BUDGETD_DB_READ_DISCLOSURE_H

#include "db.h"
#include "read_table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a column is read: text, a figure (stored in millionths, with its decimals), or a
 * whole number. */
enum db_dtype {
	DB_DTEXT,
	DB_DDEC,
	DB_DINT
};

/* A column of a list: its name in the store, which is also its key in db_export(). */
struct db_dcol {
	const char *key;
	enum db_dtype type;
};

/* A value; set false when NULL in the store (db_export() leaves the key out). */
struct db_dval {
	bool set;
	long long n; /* DB_DINT */
	const char *s; /* DB_DTEXT: the text; DB_DDEC: the figure as db_export() spells it
	                  ("867.50", canonical when its decimals are unknown) */
};

/* The rows of a list, each of width values in the order of cols: row i is v[i * width]...
 * A child list (see the lists below) also gives each row's parent, as an index into its
 * parent list: owner[i], never decreasing (rows are ordered like their parents). */
struct db_dlist {
	const struct db_dcol *cols;
	size_t width, n;
	struct db_dval *v;
	size_t *owner; /* a child list's; NULL otherwise */
	int64_t *ids; /* the rows' ids in the store */
	size_t cap;
};

/* A disclosure as its JSON answer reads it. The one-row parts have n 1, or n 0 when
 * db_export() leaves them out (no row, or a row with nothing in it and no children; the
 * department only without a row). The lists' columns, in the answer's order:
 *   doc: year (int), kind, title, published, unit
 *   department: name, short_name, region, parent
 *   source: document, file, url, notes, sha256, pages (int)
 *   organization: text, subordinate_units, administrative_units, institutional_units (ints)
 *     internal_units: value; units: name, type, note
 *   functions: value; staffing: category, label, count, change (ints)
 *   explanations: key, number, title, page, box_page, box_x0, box_y0, box_x1, box_y1
 *     (ints: the box in hundredths of a point)
 *     paragraphs: value; figures: label, code1, code2, code3, amount, share, change,
 *     change_percent (figures), reason, detail, box_page..box_y1 (ints) (both children
 *     of explanations)
 *   operating_costs: amount, budget, final, change, change_percent (figures), reason,
 *     administrative_units, institutional_units (ints), unit
 *   procurement: amount, goods, works, services, sme_reserved, small_micro_reserved
 *   assets: as_of, building_area, building_value, furniture_value, other_value (figures),
 *     equipment_over_50, equipment_over_100 (ints), planned_vehicle_purchase (figure),
 *     planned_equipment_over_50, planned_equipment_over_100, planned_vehicles (ints)
 *     vehicles: kind, label, count (int), value (figure)
 *   performance: project_count (int), amount, text
 *   withheld: count (int), amount, legal_source, basis, text
 *   glossary: number, term, definition
 * and what the headline totals read: the summary and expenditure tables (budget_summary,
 * final_summary, budget_expenditure, final_expenditure) in published order,
 *   tables: type, unit
 *     tcols: key, side, measure (child of tables)
 *     trows: side, the total rows only (child of tables)
 *       tfigs: key, value (figure; child of trows) */
struct db_disclosure {
	struct db_dlist doc, department, source, organization, operating_costs, procurement, assets,
	    performance, withheld;
	struct db_dlist functions, internal_units, units, staffing, explanations, paragraphs,
	    figures, vehicles, glossary;
	struct db_dlist tables, tcols, trows, tfigs;
	bool has_sangong; /* a 三公 row (db_export() always gives it, with its items) */
	int64_t imported_at; /* the disclosure's import time (db_modified()'s) */
	struct db_tpool *pool; /* the strings */
};

/* Reads the disclosure into *d (zeroed first; free it with db_disclosure_free() whatever
 * the result). Returns 0; or -1 with err->code DB_NOT_FOUND when there is no such
 * disclosure, or with err->text for a store error. Call it within a read transaction
 * (db_read_begin) so that its statements read one snapshot. Strings and arrays belong to
 * *d until db_disclosure_free(). */
int db_read_disclosure(struct db *db, const char *department, int year, const char *kind,
                       const char *level, struct db_disclosure *d, struct db_error *err);
void db_disclosure_free(struct db_disclosure *d);

/* Row i of list l: its width values. */
static inline const struct db_dval *db_drow(const struct db_dlist *l, size_t i)
{
	return l->v + i * l->width;
}

#endif
