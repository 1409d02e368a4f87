// SPDX-License-Identifier: MIT
// The store-wide long CSV (PATH.amounts.csv, served as /api/v1/amounts.csv) that budgetctl
// writes after every change to the store, kept cheap for a small import into a big store.
#ifndef BUDGETD_AMOUNTS_H
#define BUDGETD_AMOUNTS_H

#include "db.h"

#include <stdbool.h>
#include <stddef.h>

/* The long CSV an import starts from: PATH.amounts.csv as it was, with PATH.amounts.idx,
 * which says where each disclosure's lines lie in it. */
struct amounts_old;

/* Reads PATH.amounts.idx and opens the CSV it describes, then removes the index: from now
 * on the store may change, and a CSV that is not rewritten (the import fails half way, the
 * process dies) must not be trusted piecemeal by the next import. NULL when there is no
 * index, or it does not describe the CSV beside it (an older budgetctl wrote that): the next
 * write is then a whole one. */
struct amounts_old *amounts_begin(const char *path);

/* Puts the index back (the store did not change after all) and frees old (NULL is fine). */
void amounts_keep(struct amounts_old *old, const char *path);

/* Frees old, leaving no index: the next write is a whole one (NULL is fine). */
void amounts_drop(struct amounts_old *old);

/* The disclosures an import wrote (their old lines are never reused). */
void amounts_touch(struct amounts_old *old, const char *department, int year, const char *kind,
                   const char *level);

/* Writes PATH.amounts.csv and PATH.amounts.idx from the store at path: the lines of a
 * disclosure the import did not touch and whose import time is unchanged are copied from
 * old's CSV, the rest written afresh; old NULL writes all afresh. The result is byte for
 * byte what a whole rewrite gives. The CSV is renamed into place, so a reader sees the old
 * file or the new. Frees old. Returns 0, or -1 with *err filled (the old CSV stays). */
int amounts_write(const char *path, struct amounts_old *old, struct db_error *err);

/* Whether PATH.amounts.csv is missing or begins with the columns this budgetd writes: an
 * older budgetd's (fewer columns) is rewritten by `budgetctl upgrade`. */
bool amounts_current(const char *path);

#endif
