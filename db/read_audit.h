// SPDX-License-Identifier: MIT
// The findings of one disclosure, read through its own index (#17); in finding.c, beside
// db_findings(), whose rows and order it shares.
#ifndef BUDGETD_DB_READ_AUDIT_H
#define BUDGETD_DB_READ_AUDIT_H

#include "db.h"

/* db_findings() for a query naming one disclosure (department, year, kind and level all
 * set; severity, rule and family may filter): the same calls, in the same order, and the
 * same counts. db_findings()'s one statement serves every query shape, so SQLite plans it as
 * a scan of every finding of the store (0.3-0.5 s a disclosure on the 2,000 x 5 store);
 * these look the disclosure up by its keys and its findings by (disclosure_id, position).
 * Any other query goes to db_findings(). Returns as db_findings() does. */
int db_findings_of(struct db *db, const struct db_finding_query *q, db_finding_fn fn, void *ctx,
                   struct db_finding_counts *counts, struct db_error *err);

#endif
