// SPDX-License-Identifier: MIT
// One table of a disclosure read straight into C arrays (#17): what .../tables/{n} writes as
// JSON or CSV, in a handful of statement runs and a few allocations, without the jansson
// tree of db_export_part(). The strings and figures are the ones db_export() gives for the
// same table (api/tables.c keeps the tree path; tests/check_api.c compares the two).
#ifndef BUDGETD_DB_READ_TABLE_H
#define BUDGETD_DB_READ_TABLE_H

#include "db.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where something was printed (#18): page (1-based; 0 when not known) and, when has_box,
 * the box x0, y0, x1, y1 in hundredths of a PDF point (origin top left, as pdftotext
 * -bbox-layout reports them). */
struct db_box {
	int page;
	bool has_box;
	int64_t x[4];
};

/* Where a row's name (key "name") or its figure in a column (the column's key) was
 * printed. */
struct db_tbox {
	const char *key;
	size_t row; /* the index of its row in db_table.rows */
	int64_t position; /* its place among its row's boxes (they are given in its order) */
	struct db_box box;
};

/* A column of the table; NULL for what is not stored. */
struct db_tcol {
	const char *key, *title, *group, *side, *measure;
	int64_t position; /* its place among the columns (they are given in its order) */
};

/* A figure: its column key (NULL for an unplaced figure) and its text as db_export()
 * spells it ("867.50", or canonical when the published decimals are unknown). */
struct db_tfig {
	const char *key;
	char text[DB_DEC_BUFSZ];
	size_t row; /* the index of its row in db_table.rows */
	int64_t position; /* its place among its row's figures (they are given in its order) */
};

/* A row; NULL for what is not stored. codes are the non-NULL code1..code3 (n_codes of
 * them). amounts and unplaced index db_table.figs, in published order; boxes indexes
 * db_table.boxes (db_read_table() only; none in db_read_long()'s rows). */
struct db_trow {
	const char *side, *kind, *name, *project, *project_name;
	const char *codes[3];
	int n_codes;
	bool has_level;
	int level;
	size_t amounts, n_amounts, unplaced, n_unplaced, boxes, n_boxes;
};

struct db_tpool; /* the strings' storage */

/* A copy of s (NULL for NULL) in *pool's blocks, which never move and are freed at once by
 * db_tpool_free(); NULL also when out of memory (s not NULL). For the per-resource reads. */
char *db_tpool_dup(struct db_tpool **pool, const char *s);
void db_tpool_free(struct db_tpool **pool);

struct db_table {
	const char *doc_unit; /* the disclosure's unit */
	int64_t imported_at; /* the disclosure's import time (db_modified()'s) */
	int position; /* 表几 (column number) */
	const char *type, *title, *unit, *classification, *note, *unplaced_note;
	struct db_box box; /* where the title was printed (db_read_table() only) */
	struct db_tcol *cols;
	size_t n_cols;
	struct db_trow *rows;
	size_t n_rows;
	struct db_tfig *figs;
	size_t n_figs;
	struct db_tbox *boxes;
	size_t n_boxes;
	struct db_tpool *pool;
};

/* Reads table number (its position, 表几) of a disclosure into *t (zeroed first; free it
 * with db_table_free() whatever the result). Returns 0; or -1 with err->code DB_NOT_FOUND,
 * *table_missing false when there is no such disclosure and true when the disclosure has no
 * such table; or -1 with err->text for a store error. Call it within a read transaction
 * (db_read_begin) so that its statements read one snapshot. */
int db_read_table(struct db *db, const char *department, int year, const char *kind,
                  const char *level, int number, struct db_table *t, struct db_error *err,
                  bool *table_missing);
void db_table_free(struct db_table *t);

#endif
