// SPDX-License-Identifier: MIT
// Definitions shared by the files of db/ and nobody else.
#ifndef BUDGETD_DB_INTERNAL_H
#define BUDGETD_DB_INTERNAL_H

#include "db.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#define DB_STMT_CACHE 96 /* #17: export.c adds a batch statement per leaf list (7) */

struct db {
	sqlite3 *sql;
	bool writable;
	bool bulk; /* db_set_bulk_build(): a store being built from nothing */
	/* Prepared read statements, kept for the connection's life (see db_stmt). */
	struct {
		uint64_t hash;
		const void *tag; /* see db_stmt_tagged */
		char *text;
		const char
		    *src; /* #17: the caller's text as last seen, for a lookup without hashing */
		sqlite3_stmt *st;
	} stmts[DB_STMT_CACHE];
	size_t n_stmts;
	/* Store-wide figures a read-only connection keeps until data_version moves (query.c):
	 * the latest import, and the number of departments of the unfiltered list. */
	struct db_kept {
		bool known;
		int64_t version, key, value;
	} latest_import, department_count;
	struct db_dmap *dmap; /* #17: the disclosures looked up (dmap.c); owned */
	/* db_read_keep() (store.c): the read transaction outlives db_read_end(). keep_lock is
	 * held from db_read_begin() to db_read_end(); db_read_end_soon() takes it from another
	 * thread only when no request holds it. */
	bool keep;
	bool reading; /* between db_read_begin() and db_read_end() */
	bool held; /* a kept read transaction is open */
	atomic_bool end_asked; /* by db_read_end_soon(): the next db_read_begin() ends it */
	pthread_mutex_t keep_lock;
};

/* A prepared statement for sql from the connection's cache: prepared on first use, reused
 * after. The store owns it: callers sqlite3_reset() it when done and never finalize it.
 * Returns NULL with *err filled on failure. */
sqlite3_stmt *db_stmt(struct db *db, const char *sql, struct db_error *err);

/* For statements whose text is built at run time (export.c builds one per model entity):
 * the statement remembered under tag, found by a pointer comparison instead of printing the
 * text again, or, when there is none yet, db_stmt(db, sql(tag)) remembered under tag. */
sqlite3_stmt *db_stmt_tagged(struct db *db, const void *tag,
                             int (*sql)(const void *tag, char *buf, size_t size),
                             struct db_error *err);

struct db_doc {
	json_t *root; /* validated; its nodes are in arena */
	struct db_arena *arena; /* owned: dropping it frees the tree */
	char *name; /* file name for messages; owned */
};

/* db/arena.c: jansson's allocator for the process. While an arena is a thread's current one,
 * every jansson value that thread makes takes its memory from the arena; freeing such a
 * value (on any thread) gives nothing back, dropping the arena gives back all at once. So a
 * tree made in an arena lives until the arena is dropped, and no reference into it may be
 * kept past that (json_deep_copy what must stay), nor a value made outside it be left in it
 * (it would leak). Under ASan every node is its own block, freed when freed (see arena.c). */
struct db_arena;

/* A new, empty arena, freed with db_arena_free(); NULL when out of memory. */
struct db_arena *db_arena_new(void);

/* Frees every block a made, without looking at the values in them; a may be NULL. */
void db_arena_free(struct db_arena *a);

/* Makes a (NULL: none, plain malloc) the calling thread's current arena; returns the one
 * that was, to be put back. */
struct db_arena *db_arena_use(struct db_arena *a);

/* The bytes a has handed out, for tests and measurements. */
size_t db_arena_bytes(const struct db_arena *a);

/* How many arenas are not dropped yet, for tests. */
long db_arena_live(void);

/* Whether p, a block jansson was given, is an arena's. */
bool db_arena_owns(const void *p);

/* db/table_types.tsv, compiled by table_types.py; both lists end with a NULL entry. */
struct db_table_pattern {
	const char *text;
	int type; /* index into db_table_type_list */
};
extern const struct db_table_type db_table_type_list[];
extern const struct db_table_pattern db_table_pattern_list[];

/* db/schema.sql, embedded by the build. */
extern const char db_schema_sql[];

/* Fills err (which may be NULL) with a printf-style message; keeps err->file as is. */
void db_err_set(struct db_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* err->code = DB_BAD_STORE when sql's last error says the file is damaged or not a
 * database (as opposed to full, read-only or locked). */
void db_err_store(struct db_error *err, sqlite3 *sql);

/* Finds the value at a path like "$.tables[5].rows[3]" in JSON text and stores its 1-based
 * line and column. Returns 0, or -1 if the path cannot be followed. */
int db_json_locate(const char *text, size_t len, const char *path, int *line, int *column);

/* db/jparse.c: the tree json_loadb(text, len, JSON_REJECT_DUPLICATES) gives, built several
 * times faster, for text jansson accepts. NULL for anything else (and for a few rare valid
 * inputs: a NUL byte after a number or true/false/null, a locale whose decimal point is not
 * '.', out of memory): then ask json_loadb, which says what is wrong and where. The caller
 * owns the tree (json_decref). */
json_t *db_jparse(const char *text, size_t len);

/* Checks root against the import format, reporting each problem. Returns the count. */
int db_validate(json_t *root, const char *name, const char *text, size_t len, db_report_fn report,
                void *ctx);

/* Rewrites a validated document into the form import.c reads: format 2, codes split.
 * Returns 0, or -1 when out of memory. */
int db_normalize(json_t *root);

/* Checks findings (see db_import_add_findings): 0, or -1 with err's text, path and code
 * (DB_BAD_FINDINGS) filled. */
int db_findings_check(const json_t *findings, struct db_error *err);

/* Inserts checked findings for disclosure id, numbered from first, with st, a statement
 * prepared from db_finding_insert_sql that the caller keeps and finalizes (left reset).
 * 0, or -1 with err. */
extern const char db_finding_insert_sql[];
int db_findings_insert(sqlite3 *sql, sqlite3_stmt *st, int64_t disclosure, const json_t *findings,
                       size_t first, struct db_error *err);

/* Upgrades a schema version 1 store to the current version in one transaction: all or
 * nothing. Returns 0, or -1 with *err filled and the store unchanged. */
int db_migrate_v1(sqlite3 *sql, struct db_error *err);

/* Upgrades a schema version 2 store: adds the derived tables (derived.sql) and fills them from
 * every disclosure, and makes the lists version 5's WITHOUT ROWID tables, in one
 * transaction. Returns 0, or -1 with *err and the store unchanged. */
int db_migrate_v2(sqlite3 *sql, struct db_error *err);

/* Upgrades a schema version 3 or 4 store in one transaction. Version 3: its derived tables
 * are dropped and made again as version 4's (the search index over distinct texts). Both:
 * the lists nothing refers to become version 5's WITHOUT ROWID tables (schema.sql), their
 * rows copied without their ids. Returns 0, or -1 with *err and the store unchanged. */
int db_migrate_v3(sqlite3 *sql, struct db_error *err);

/* db/derived.sql, embedded by the build: the tables import derives from a disclosure's rows. */
extern const char db_derived_sql[];

/* ---- Derived data (derive.c) --------------------------------------------------------------
 * What import computes from a disclosure's stored rows, inside its transaction, so that a
 * question across the store is an indexed read: the search index (search.c) and the facts
 * that aggregates sum (facts.c). Each returns 0, or -1 with *err filled. */

/* Derives everything for the disclosure just written. bulk: the store is being built from
 * nothing (budgetctl import --fresh, db_set_bulk_build()), so work that is cheaper done once
 * over everything (an index built after its rows, a merge) may wait for db_derive_finish(). */
int db_derive(sqlite3 *sql, int64_t disclosure, bool bulk, struct db_error *err);

/* Called once per import, after its last disclosure and before its COMMIT (and after
 * db_derive_all()): completes what db_derive() left for later. */
int db_derive_finish(sqlite3 *sql, bool bulk, struct db_error *err);

/* Removes what was derived from a disclosure that import has just deleted (rows that hang off
 * it by a foreign key go with it; the search index does not). */
int db_derive_forget(sqlite3 *sql, int64_t disclosure, struct db_error *err);

/* Derives everything for every disclosure in the store (an upgrade from version 1, 2 or 3). */
int db_derive_all(sqlite3 *sql, struct db_error *err);

/* The parts, one per file. */
int db_search_derive(sqlite3 *sql, int64_t disclosure, bool bulk, struct db_error *err);
int db_search_finish(sqlite3 *sql, bool bulk, struct db_error *err);
int db_search_forget(sqlite3 *sql, int64_t disclosure, struct db_error *err);
/* Adds the search's ranking function to a connection (search.c), which db_search() needs. */
int db_search_register(sqlite3 *sql, struct db_error *err);
int db_facts_derive(sqlite3 *sql, int64_t disclosure, bool bulk, struct db_error *err);
int db_facts_finish(sqlite3 *sql, bool bulk, struct db_error *err);
/* Finalizes the statements db_facts_derive() keeps prepared on sql between disclosures
 * (db_facts_finish() does; db_close() too, for an import that was aborted). */
void db_facts_forget(sqlite3 *sql);

/* ---- Per-resource reads (read_table.c, read_projects.c) ---- */

/* Grows *v (of *cap items of size each) to hold n + 1. 0 or -1. */
int db_rgrow(void **v, size_t *cap, size_t n, size_t size);

/* #17's per-resource reads: binds a disclosure (department slug, year, kind, level) to ?1-?4
 * of st and steps it. Returns sqlite3_step()'s code; or -1, st reset, with err->code
 * DB_NOT_FOUND and its text when there is no such disclosure. (read_disclosure.c) */
int db_rfind(sqlite3_stmt *st, const char *dep, int year, const char *kind, const char *level,
             struct db_error *err);

/* #17, round 4 (dmap.c): a disclosure by department slug, year, kind and level, kept by a
 * read-only connection until PRAGMA data_version moves, so an import or a store rewritten
 * by another connection is seen by the next call. Returns 0 with *r, or -1 with err
 * (err->code DB_NOT_FOUND and db_rfind()'s text when there is no such disclosure).
 * r->unit belongs to db: valid until the next call on db. */
struct db_dref {
	int64_t id, imported_at;
	const char *unit;
};
int db_rdisclosure(struct db *db, const char *dep, int year, const char *kind, const char *level,
                   struct db_dref *r, struct db_error *err);
/* Frees the map (db_close()); m may be NULL. */
void db_dmap_free(struct db_dmap *m);

/* The box in columns col (page) to col + 4 (x0, y0, x1, y1) of st's row: page 0 when the
 * page is NULL. (read_table.c) */
struct db_box;
void db_rbox(sqlite3_stmt *st, int col, struct db_box *b);

/* Ends a statement's run (resets st): 0 when rc is SQLITE_DONE and oom false, else -1 with
 * err set. */
int db_rdone(struct db *db, sqlite3_stmt *st, int rc, bool oom, struct db_error *err);

#endif
