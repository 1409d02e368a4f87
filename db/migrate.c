// SPDX-License-Identifier: MIT
// Upgrading an older store in place. Version 1: every version 1 table is renamed
// away, the version 2 schema is created, each row is copied with its id (so references and
// Last-Modified stay), and the old tables are dropped: one transaction, all or nothing.
// Versions 2 and 3: the derived tables (derived.sql) are made and filled anew. Version 4: the
// lists nothing refers to become WITHOUT ROWID tables (rebuild_keyed()). Version 5: the facts
// lose the columns they copied from their disclosure (migrate_v6_facts()).
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TABLES 64

/* Version 2 columns that are not a copy of the version 1 column of the same name. */
static const struct {
	const char *table, *col, *expr;
} computed[] = {
	{ "budget_table", "type", "budgetd_table_type(title)" },
	{ "budget_table", "unit",
	  "coalesce(unit, (SELECT d.unit FROM v1_disclosure d WHERE d.id = disclosure_id))" },
};

struct mig {
	sqlite3 *sql;
	struct db_error *err;
	char tables[MAX_TABLES][64];
	size_t n;
};

static int mig_exec(struct mig *m, const char *stmt)
{
	char *msg = NULL;

	if (sqlite3_exec(m->sql, stmt, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	db_err_set(m->err, "upgrading the store: %s", msg ? msg : sqlite3_errmsg(m->sql));
	sqlite3_free(msg);
	return -1;
}

/* SQL: budgetd_table_type(title) is the registry's type id, or 'other'. */
static void table_type_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct db_table_type *t =
	    db_table_type_match((const char *)sqlite3_value_text(argv[0]));

	(void)argc;
	sqlite3_result_text(ctx, t != NULL ? t->id : "other", -1, SQLITE_STATIC);
}

/* The names the query returns, into names (at most MAX_TABLES). Collected before anything
 * changes: SQLite refuses to drop a table or index while a statement reads the schema. */
static int collect_names(struct mig *m, const char *query, char (*names)[64], size_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	*n = 0;
	if (sqlite3_prepare_v2(m->sql, query, -1, &st, NULL) != SQLITE_OK)
		return mig_exec(m, query); /* reports the error */
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (*n == MAX_TABLES || strlen(name) >= sizeof(names[0])) {
			db_err_set(m->err, "upgrading the store: unexpected object %s", name);
			rc = -1;
		} else {
			snprintf(names[(*n)++], sizeof(names[0]), "%s", name);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* Runs fmt (with each name in place of both %s) for every name. */
static int each_name(struct mig *m, const char *fmt, char (*names)[64], size_t n)
{
	char stmt[400];

	for (size_t i = 0; i < n; i++) {
		snprintf(stmt, sizeof(stmt), fmt, names[i], names[i]);
		if (mig_exec(m, stmt) != 0)
			return -1;
	}
	return 0;
}

static const char *computed_expr(const char *table, const char *col)
{
	for (size_t i = 0; i < sizeof(computed) / sizeof(computed[0]); i++)
		if (strcmp(computed[i].table, table) == 0 && strcmp(computed[i].col, col) == 0)
			return computed[i].expr;
	return NULL;
}

/* The INSERT ... SELECT copying old into table: the new table's columns that the old one
 * has or that are computed; the others take their defaults (and those the new one lacks, an
 * id in version 5's WITHOUT ROWID tables, are left behind). */
static int copy_sql(struct mig *m, const char *table, const char *old, char *out, size_t size)
{
	static const char q[] = "SELECT n.name, o.name FROM pragma_table_info(?1) n LEFT JOIN "
	                        "pragma_table_info(?2) o ON o.name = n.name ORDER BY n.cid";
	char cols[2048] = "", sel[4096] = "";
	sqlite3_stmt *st = NULL;
	int n;

	if (sqlite3_prepare_v2(m->sql, q, -1, &st, NULL) != SQLITE_OK)
		return mig_exec(m, q);
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, old, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(st, 0);
		const char *expr = computed_expr(table, col);
		if (expr == NULL && sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		snprintf(cols + strlen(cols), sizeof(cols) - strlen(cols), "%s\"%s\"",
		         cols[0] ? ", " : "", col);
		snprintf(sel + strlen(sel), sizeof(sel) - strlen(sel), "%s%s%s%s",
		         sel[0] ? ", " : "", expr ? expr : "\"", expr ? "" : col, expr ? "" : "\"");
	}
	sqlite3_finalize(st);
	if (cols[0] == '\0') {
		db_err_set(m->err, "upgrading the store: version 2 has no table %s", table);
		return -1;
	}
	n = snprintf(out, size, "INSERT INTO \"%s\" (%s) SELECT %s FROM \"%s\"", table, cols, sel,
	             old);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The version inside the transaction: another process may have upgraded the store first. */
/* The integer the pragma (or query) text answers. */
static int read_int(struct mig *m, const char *text, int *value)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(m->sql, text, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*value = sqlite3_column_int(st, 0);
		rc = 0;
	} else {
		db_err_set(m->err, "upgrading the store: %s", sqlite3_errmsg(m->sql));
	}
	sqlite3_finalize(st);
	return rc;
}

static int version_now(struct mig *m, int *version)
{
	return read_int(m, "PRAGMA user_version", version);
}

static int migrate(struct mig *m)
{
	char stmt[8192], indexes[MAX_TABLES][64];
	size_t n_indexes;
	int version;

	if (version_now(m, &version) != 0)
		return -1;
	if (version != 1)
		return 0;
	if (collect_names(m,
	                  "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE "
	                  "'sqlite\\_%' ESCAPE '\\'",
	                  m->tables, &m->n) != 0 ||
	    collect_names(m, "SELECT name FROM sqlite_schema WHERE type = 'index' AND sql NOT NULL",
	                  indexes, &n_indexes) != 0)
		return -1;
	/* Version 2 reuses the index names; the old tables move aside under v1_<name>. */
	if (each_name(m, "DROP INDEX \"%s\"", indexes, n_indexes) != 0 ||
	    each_name(m, "ALTER TABLE \"%s\" RENAME TO \"v1_%s\"", m->tables, m->n) != 0 ||
	    mig_exec(m, db_schema_sql) != 0 || mig_exec(m, db_derived_sql) != 0)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		char old[80];
		snprintf(old, sizeof(old), "v1_%s", m->tables[i]);
		if (copy_sql(m, m->tables[i], old, stmt, sizeof(stmt)) != 0 ||
		    mig_exec(m, stmt) != 0)
			return -1;
	}
	if (each_name(m, "DROP TABLE \"v1_%s\"", m->tables, m->n) != 0)
		return -1;
	return db_derive_all(m->sql, m->err);
}

/* ---- version 5: the lists nothing refers to lose their rowid ----
 * schema.sql's WITHOUT ROWID tables (a list keyed by its parent and its unique key, one
 * b-tree where version 4 had a rowid table, its UNIQUE index and for three of them
 * derived.sql's covering index). Which they are is read off schema.sql itself, made in a
 * scratch database: the list is never written twice. */

/* The text of sqlite_schema's sql for the table name in sql, malloc'd; NULL when there is
 * no such table (*err untouched) or on error (-1 in *rc). */
static char *table_sql(struct mig *m, sqlite3 *sql, const char *name, int *rc)
{
	sqlite3_stmt *st = NULL;
	char *text = NULL;

	*rc = 0;
	if (sqlite3_prepare_v2(sql,
	                       "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?",
	                       -1, &st, NULL) != SQLITE_OK) {
		db_err_set(m->err, "upgrading the store: %s", sqlite3_errmsg(sql));
		*rc = -1;
		return NULL;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (text = strdup((const char *)sqlite3_column_text(st, 0))) == NULL) {
		db_err_set(m->err, "out of memory");
		*rc = -1;
	}
	sqlite3_finalize(st);
	return text;
}

/* Makes the store's table name the one schema.sql defines (def): the old one is renamed
 * away, the new one created and filled from it by column name, the old one dropped with its
 * indexes. Nothing refers to a WITHOUT ROWID table's rows, so no reference follows the
 * rename. A store without the table gets it empty. */
static int rebuild_table(struct mig *m, const char *name, const char *def)
{
	char stmt[8192], old[80];
	int rc = -1;
	char *now = table_sql(m, m->sql, name, &rc);

	if (rc != 0)
		return -1;
	if (now == NULL) /* a store from before the table */
		return mig_exec(m, def);
	if (strcmp(now, def) == 0)
		goto done; /* already version 5's */
	snprintf(old, sizeof(old), "v4_%s", name);
	snprintf(stmt, sizeof(stmt), "ALTER TABLE \"%s\" RENAME TO \"%s\"", name, old);
	if (mig_exec(m, stmt) != 0 || mig_exec(m, def) != 0 ||
	    copy_sql(m, name, old, stmt, sizeof(stmt)) != 0 || mig_exec(m, stmt) != 0)
		goto fail;
	snprintf(stmt, sizeof(stmt), "DROP TABLE \"%s\"", old);
	if (mig_exec(m, stmt) != 0)
		goto fail;
done:
	rc = 0;
fail:
	free(now);
	return rc;
}

/* Rebuilds each of schema.sql's WITHOUT ROWID tables that the store has otherwise. */
static int rebuild_keyed(struct mig *m)
{
	static const char q[] = "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql "
	                        "LIKE '%WITHOUT ROWID' ORDER BY name";
	sqlite3 *fresh = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_open_v2(":memory:", &fresh, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(fresh, db_schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(fresh, q, -1, &st, NULL) != SQLITE_OK) {
		db_err_set(m->err, "upgrading the store: %s",
		           fresh ? sqlite3_errmsg(fresh) : "out of memory");
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rebuild_table(m, (const char *)sqlite3_column_text(st, 0),
		                  (const char *)sqlite3_column_text(st, 1)) != 0)
			break;
	rc = rc == SQLITE_DONE ? 0 : -1;
done:
	sqlite3_finalize(st);
	sqlite3_close(fresh);
	return rc;
}

/* Any row foreign_key_check reports is a reference the copy broke. */
static int check_references(struct mig *m)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(m->sql, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return mig_exec(m, "PRAGMA foreign_key_check");
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else
		db_err_set(m->err, "upgrading the store: a reference in %s is broken",
		           sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc;
}

int db_migrate_v1(sqlite3 *sql, struct db_error *err)
{
	struct mig m = { .sql = sql, .err = err };
	int rc = -1;

	if (sqlite3_create_function(sql, "budgetd_table_type", 1,
	                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, table_type_fn, NULL,
	                            NULL) != SQLITE_OK)
		return mig_exec(&m, "SELECT budgetd_table_type('')");
	/* Tables are replaced under the rows that point at them: references are checked once,
	 * at the end, instead of on every step. The pragma is a no-op inside a transaction. */
	if (mig_exec(&m, "PRAGMA foreign_keys = OFF") != 0)
		return -1;
	if (mig_exec(&m, "BEGIN IMMEDIATE") != 0)
		goto done;
	if (migrate(&m) != 0 || check_references(&m) != 0 || mig_exec(&m, "COMMIT") != 0) {
		sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
		goto done;
	}
	rc = 0;
done:
	sqlite3_exec(sql, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return rc;
}

int db_migrate_v2(sqlite3 *sql, struct db_error *err)
{
	struct mig m = { .sql = sql, .err = err };
	int version;

	if (mig_exec(&m, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (version_now(&m, &version) != 0)
		goto fail;
	if (version == 2 && (mig_exec(&m, db_derived_sql) != 0 || rebuild_keyed(&m) != 0 ||
	                     db_derive_all(sql, err) != 0))
		goto fail;
	return mig_exec(&m, "COMMIT");
fail:
	sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Version 3's derived tables: version 4 stores the search index otherwise, and the facts are
 * made again with it rather than kept by a second copy of their schema. */
static const char drop_v3_sql[] = "DROP TABLE search; DROP TABLE search_name; "
                                  "DROP TABLE search_gram; DROP TABLE fact";

/* The upgrade rewrites most of the store in one transaction, the search index in one pass
 * at the end (db_derive_all()): with SQLite's default page cache (2 MB) that pass spills its
 * pages to the WAL and reads them back, again and again. A bulk import's cache
 * (db_set_bulk_build()) while it runs: a 1,000-file store upgraded from version 3 in 8 s of
 * CPU rather than 64 (57 one disclosure at a time). */
static const char upgrade_cache_sql[] = "PRAGMA cache_size = -131072";

/* ---- version 6: a fact's year, kind and level are its edition, its region a number ----
 * The facts are copied, ids and all, into derived.sql's tables, their text taken from
 * derived.sql itself (the definitions are never written twice); fact_sum is built once at
 * the end, as a bulk import builds it (db_facts_finish()). The regions are numbered in the
 * order an import of the disclosures, one after the other, numbers them (facts.c); each
 * disclosure's facts are a run of ids, as version 5 wrote them too (fact_span). */
static const char v6_facts_copy[] =
    "INSERT OR IGNORE INTO fact_region (name) SELECT region FROM department_record WHERE "
    "region IS NOT NULL AND disclosure_id IN (SELECT disclosure_id FROM v5_fact) ORDER BY "
    "disclosure_id; "
    "INSERT INTO fact (id, disclosure_id, department_id, edition, region_id, measure, class, "
    "depth, code, fen, figures, inexact, unit) SELECT f.id, f.disclosure_id, f.department_id, "
    "f.year * 4 + 2 * (f.kind = 'final') + (f.level = 'department'), r.id, f.measure, f.class, "
    "f.depth, f.code, f.fen, f.figures, f.inexact, f.unit FROM v5_fact f LEFT JOIN "
    "fact_region r ON r.name = f.region ORDER BY f.id; "
    "INSERT INTO fact_span (disclosure_id, first_id, last_id) SELECT disclosure_id, min(id), "
    "max(id) FROM v5_fact GROUP BY disclosure_id; "
    "DROP TABLE v5_fact";

static int migrate_v6_facts(struct mig *m)
{
	const char *from = strstr(db_derived_sql, "CREATE TABLE fact_region (");
	const char *sum = from != NULL ? strstr(from, "CREATE INDEX fact_sum") : NULL;
	const char *end = sum != NULL ? strchr(sum, ';') : NULL;
	char *def;
	int rc = -1;

	if (end == NULL || (def = strndup(from, (size_t)(end + 1 - from))) == NULL) {
		db_err_set(m->err, "upgrading the store: no fact table in derived.sql");
		return -1;
	}
	if (mig_exec(m, "DROP INDEX IF EXISTS fact_sum; DROP INDEX IF EXISTS fact_disclosure; "
	                "ALTER TABLE fact RENAME TO v5_fact") == 0 &&
	    mig_exec(m, def) == 0 && mig_exec(m, "DROP INDEX fact_sum") == 0 &&
	    mig_exec(m, v6_facts_copy) == 0)
		rc = db_facts_finish(m->sql, true, m->err);
	free(def);
	return rc;
}

/* Version 3's derived tables go and are made again (with version 6's tables); version 4
 * rebuilds its tables, then goes on as version 5 does. */
static int upgrade_step(struct mig *m, int version)
{
	bool failed = false;

	if (version == 3)
		failed = mig_exec(m, drop_v3_sql) != 0 || mig_exec(m, db_derived_sql) != 0 ||
		         rebuild_keyed(m) != 0 || db_derive_all(m->sql, m->err) != 0;
	else if (version == 4)
		failed = rebuild_keyed(m) != 0 || mig_exec(m, "PRAGMA user_version = 5") != 0;
	if (!failed && (version == 4 || version == 5))
		failed = migrate_v6_facts(m) != 0 || mig_exec(m, "PRAGMA user_version = 6") != 0;
	return failed ? -1 : 0; /* another version: upgraded meanwhile by another process */
}

/* Versions 3 to 5, with a bulk import's page cache (upgrade_cache_sql). */
int db_migrate_v3(sqlite3 *sql, struct db_error *err)
{
	struct mig m = { .sql = sql, .err = err };
	int version, cache, rc = -1;
	char restore[64];

	if (read_int(&m, "PRAGMA cache_size", &cache) != 0)
		return -1;
	snprintf(restore, sizeof(restore), "PRAGMA cache_size = %d", cache);
	if (mig_exec(&m, upgrade_cache_sql) != 0 || mig_exec(&m, "BEGIN IMMEDIATE") != 0)
		goto done;
	if (version_now(&m, &version) != 0 || upgrade_step(&m, version) != 0)
		goto fail;
	rc = mig_exec(&m, "COMMIT");
	goto done;
fail:
	sqlite3_exec(sql, "ROLLBACK", NULL, NULL, NULL);
done:
	sqlite3_exec(sql, restore, NULL, NULL, NULL);
	return rc;
}
