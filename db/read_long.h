// SPDX-License-Identifier: MIT
// A disclosure's tables as the store's long CSV needs them (#17), read straight from the
// rows in one statement run per kind of record (its department, tables, columns, rows,
// figures, unplaced figures), where db_read_table() runs five per table and db_export_part()
// built a jansson tree of the whole disclosure.
#ifndef BUDGETD_DB_READ_LONG_H
#define BUDGETD_DB_READ_LONG_H

#include "db.h"
#include "read_table.h"

#include <stddef.h>

struct db_long_room;

/* A figure of a row: in its table's column col (an index into the table's cols), or
 * unplaced (col -1), with its text as db_read_table() spells it (len bytes), and where it
 * was printed (#18; page 0 when not known, always for an unplaced one). */
struct db_lfig {
	long col;
	size_t len;
	char text[DB_DEC_BUFSZ];
	struct db_box box;
};

/* A disclosure's tables by number (表几). Each table's cols and rows point into the arrays
 * below (its figs are NULL): cols in their order, rows in theirs. A row's amounts index
 * figs: its figures in its table's column order (figures in no column of it left out), then
 * its unplaced ones (row.unplaced) in their order. */
struct db_long {
	const char *name, *region; /* department_record's; NULL when not stored */
	const char *unit; /* the disclosure's */
	struct db_table *tables;
	size_t n_tables;
	struct db_tcol *cols;
	size_t n_cols;
	struct db_trow *rows;
	size_t n_rows;
	struct db_lfig *figs;
	size_t n_figs;
	struct db_tpool *pool; /* the strings */
	struct db_long_room *room; /* what is read before it is placed, and the arrays' room */
};

/* Reads the disclosure (department slug, year, kind, level) into *d: zeroed before the
 * first call, then given again for the next disclosure, whose arrays reuse its room (a
 * store's CSV reads thousands); free it with db_long_free() whatever the result. Returns
 * 0; or -1 with *err filled (err->code DB_NOT_FOUND when there is no such disclosure). Call
 * it within a read transaction (db_read_begin) so that its statements read one snapshot. */
int db_read_long(struct db *db, const char *department, int year, const char *kind,
                 const char *level, struct db_long *d, struct db_error *err);
void db_long_free(struct db_long *d);

#endif
