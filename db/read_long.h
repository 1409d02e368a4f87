// SPDX-License-Identifier: MIT
// What the store's long CSV needs of a disclosure besides its tables (#17): the department
// as the disclosure published it and the numbers of its tables, read straight from the rows
// (the tables themselves with db_read_table()), where db_export_part() built a jansson tree
// of the whole disclosure for every disclosure of the store at every import.
#ifndef BUDGETD_DB_READ_LONG_H
#define BUDGETD_DB_READ_LONG_H

#include "db.h"
#include "read_table.h"

#include <stddef.h>

struct db_long_head {
	const char *name, *region; /* department_record's; NULL when not stored */
	int numbers[99]; /* the tables' numbers (表几, 1..99, one each), ascending */
	size_t n_numbers;
	struct db_tpool *pool; /* name and region */
};

/* Reads the disclosure (department slug, year, kind, level) into *h (zeroed first; free it
 * with db_long_head_free() whatever the result). Returns 0; or -1 with *err filled
 * (err->code DB_NOT_FOUND when there is no such disclosure). Call it within a read
 * transaction (db_read_begin), as db_read_table(). */
int db_read_long_head(struct db *db, const char *department, int year, const char *kind,
                      const char *level, struct db_long_head *h, struct db_error *err);
void db_long_head_free(struct db_long_head *h);

#endif
