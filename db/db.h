// SPDX-License-Identifier: MIT
// db: the SQLite store of budget disclosures, the import format's validator and importer,
// and the read queries the API needs. The only module that talks to SQLite.
#ifndef BUDGETD_DB_H
#define BUDGETD_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Exact decimals ---------------------------------------------------------------------
 * Every amount and percentage is an int64 in millionths of its unit (for 万元 that is one
 * fen, 0.01 元), fine enough for every published figure (6.536278 万元).
 */
#define DB_DEC_DIGITS 6
#define DB_DEC_SCALE 1000000
#define DB_DEC_MAX_INT_DIGITS 12 /* 999999999999.999999 fits int64 with room to sum */
#define DB_DEC_BUFSZ 32

/* Parses "700.94", "0.01", "6.536278" (and "-1.69" when allow_negative) into *out.
 * Rejects anything else: exponents, leading zeros, "+", ".5", "5.", more than 6 decimals,
 * more than 12 integer digits, "-0". Returns 0 or -1. */
int db_dec_parse(const char *s, bool allow_negative, int64_t *out);

/* The same, also accepting thousands separators as printed: "189,767,551.00". A comma must
 * separate groups of exactly three digits before the point ("1,89" and "1,8900" are refused).
 * Returns 0 or -1. */
int db_dec_parse_printed(const char *s, bool allow_negative, int64_t *out);

/* Writes v into buf in canonical form, no trailing zeros ("700.94", "307.1", "0"): for
 * figures computed from published ones (sums, conversions); returns the length. */
size_t db_dec_format(int64_t v, char buf[static DB_DEC_BUFSZ]);

/* The same with at least dp decimals (0..6), as published: 867.5 with dp 2 is "867.50",
 * 46140000 with dp 2 "46140000.00", 0 with dp 2 "0.00". A value with more decimals than dp
 * keeps them all (never rounded). Returns the length. */
size_t db_dec_format_dp(int64_t v, int dp, char buf[static DB_DEC_BUFSZ]);

/* Writes the decimal digits of u at p, at most 20 bytes and no terminator; returns the end.
 * The one integer writer of hot paths (figures, JSON integers, the validator's indexes):
 * snprintf was 5 % of a table's CPU. */
char *db_dec_put_uint(char *p, uint64_t u);

/* The number of decimals a figure is printed with: 2 for "91,016,775.35" and "0.00", 0 for
 * "156,211,123", 6 for "6.536278" (at most 6). */
int db_dec_places(const char *s);

/* *sum = a + b; returns -1 (and leaves *sum unspecified) on overflow. */
int db_dec_add(int64_t a, int64_t b, int64_t *sum);

/* ---- Units and changes (series.c, #14) ----------------------------------------------------
 * Units are 元, 千元, 万元 and 亿元; figures are millionths of their unit, as above.
 */

/* Is unit one of 元, 千元, 万元, 亿元? */
bool db_unit_known(const char *unit);

/* *out = v (millionths of from) in millionths of to, by moving the decimal point: 1.5 万元
 * is 15000 元, 189767551.00 元 is 18976.7551 万元. Returns -1 for an unknown unit, or when
 * the result would not be exact (a 元 figure finer than 0.01 going to 万元) or would
 * overflow. */
int db_unit_convert(int64_t v, const char *from, const char *to, int64_t *out);

/* The change from prev to cur: *change = cur - prev, and *percent = change / prev in
 * percent, in millionths, rounded half away from zero to 0.01 (12.345% is 12.35, -12.345%
 * is -12.35); *has_percent is false (and *percent untouched) when prev is 0. Returns -1 on
 * overflow. */
int db_change(int64_t prev, int64_t cur, int64_t *change, int64_t *percent, bool *has_percent);

/* ---- Table types ---------------------------------------------------------------------
 * What a table is (收入支出决算总表, 一般公共预算基本支出经济分类...), whatever its position in
 * one document: db/table_types.tsv, compiled in. Pointers are static; never freed.
 */
struct db_table_type {
	const char *id; /* "budget_summary", ... "final_capital" */
	const char *family; /* "budget" or "final" */
	const char *name; /* the canonical Chinese title */
};

/* The type a printed title names ("1. 2025年部门财务收支预算总表", "收入支出决算表"), or NULL
 * when it names none of them (type "other"). */
const struct db_table_type *db_table_type_match(const char *title);

/* The type with this id, or NULL. */
const struct db_table_type *db_table_type_find(const char *id);

/* The i-th type of the registry (0-based), or NULL past the last. */
const struct db_table_type *db_table_type_at(size_t i);

/* ---- Headline totals ------------------------------------------------------------------
 * Does a table column (its key, its measure or NULL) hold slice (basic, project; NULL for
 * any) in measure (budget, final; NULL for any)? Keys are slice or slice_measure
 * (total_final). The one rule by which the disclosure's totals (api/) and the facts
 * aggregates sum (facts.c) find a headline figure in a total row. */
bool db_column_is(const char *key, const char *m, const char *slice, const char *measure);

/* ---- Errors ------------------------------------------------------------------------------
 * What went wrong and where, in the spirit of jansson's json_error_t. Any field may be
 * empty or 0 when unknown.
 */
struct db_error {
	char file[256];
	char path[256]; /* JSON path into the import file, e.g. $.tables[5].rows[3].amounts.total */
	int line; /* 1-based position in the file, 0 if unknown */
	int column;
	char text[512];
	int code; /* 0, DB_NOT_FOUND, DB_DUPLICATE, DB_BAD_STORE or DB_LOCKED */
};

#define DB_NOT_FOUND 404 /* what was asked for is not in the store */
#define DB_DUPLICATE 409 /* two documents of one import are the same disclosure */
#define DB_BAD_STORE 500 /* the store file is not a budgetd store of this version, or damaged */
#define DB_LOCKED 503 /* the write lock was not had: a writer kept it, or the file is read-only */

/* Receives each problem found while loading a file; ctx is the caller's. */
typedef void (*db_report_fn)(void *ctx, const struct db_error *err);

/* ---- Import documents ------------------------------------------------------------------ */
struct db_doc;

#define DB_DOC_MAX_BYTES (8u << 20) /* an import file larger than this is refused */
#define DB_DOC_MAX_ERRORS 50 /* reporting stops after this many problems per file */

/* Reads and fully validates one import file (see docs/import-format.md). Returns the
 * document, owned by the caller and freed with db_doc_free(); or NULL after reporting every
 * problem found (at most DB_DOC_MAX_ERRORS) through report. */
struct db_doc *db_doc_load(const char *file, db_report_fn report, void *ctx);

/* The same for text already in memory; name is used in error messages. */
struct db_doc *db_doc_parse(const char *text, size_t len, const char *name, db_report_fn report,
                            void *ctx);

void db_doc_free(struct db_doc *doc);

/* The validated document in import format 2 (a format 1 file as read: positions, types, units,
 * codes split), borrowed from doc: what audit_run() takes. Its nodes go all at once with
 * db_doc_free (db/arena.c), whatever their reference counts: json_deep_copy a part to keep. */
const json_t *db_doc_json(const struct db_doc *doc);

/* The disclosure a document describes. Pointers borrow from doc. */
const char *db_doc_department(const struct db_doc *doc);
int db_doc_year(const struct db_doc *doc);
const char *db_doc_kind(const struct db_doc *doc);
const char *db_doc_level(const struct db_doc *doc); /* "department" (the default) or "unit" */

/* Counts for a summary line, summed over the document. */
struct db_doc_stats {
	size_t tables, rows, amounts, projects, indicators, figures;
};
void db_doc_stats(const struct db_doc *doc, struct db_doc_stats *stats);

/* ---- The store -------------------------------------------------------------------------- */
struct db;

#define DB_SCHEMA_VERSION 6

/* Opens the store at path. Read-only opens fail if the file is missing or is not a budgetd
 * store of this version (a version 1 to 5 store: the message names `budgetctl upgrade`);
 * writable opens create it, or upgrade a version 1 to 5 store in place in one transaction;
 * before one, a store whose file has another name moves apart (db_snapshot_unshare).
 * Returns the store, freed with db_close(), or NULL with *err filled: the message names
 * path, and err->code is DB_BAD_STORE when the file is there but is not a store this build
 * reads (not SQLite, damaged, another schema) rather than one it cannot open or write. */
struct db *db_open(const char *path, bool writable, struct db_error *err);

/* Upgrades the store at path to DB_SCHEMA_VERSION in place, in one transaction (a failure
 * or a kill leaves it as it was). *from receives the version it had (DB_SCHEMA_VERSION if
 * there was nothing to do). Returns 0, or -1 with *err filled. */
int db_upgrade(const char *path, int *from, struct db_error *err);
void db_close(struct db *db);

/* Between these two calls every read sees the store as it was at the first one, even while
 * an import commits: an answer is built from old data or new, never a mix. */
int db_read_begin(struct db *db);
void db_read_end(struct db *db);

/* Makes db_read_end() leave the read transaction open, so that the next db_read_begin()
 * reads on in the same snapshot instead of taking SQLite's file locks again: on a
 * rollback-journal store, eight system calls a transaction (#17). A kept transaction holds
 * the store's shared lock, which an import's commit waits for (through WAL, an import
 * commits anyway and the snapshot stays old): whoever keeps one calls db_read_end_soon()
 * every few milliseconds, and when it learns of new data. Every read of a kept connection
 * then goes between db_read_begin() and db_read_end(). Only for a read-only connection,
 * right after db_open(); returns 0, or -1 (writable, or no mutex). */
int db_read_keep(struct db *db);

/* Ends the kept read transaction of db: at once when no reading is under way, else at that
 * thread's next db_read_begin(). From any thread; never waits. */
void db_read_end_soon(struct db *db);

/* A number that changes whenever another connection (an import) commits to the store: a
 * cheap way to notice new data. Returns 0 or -1. */
int db_data_version(struct db *db, int64_t *version);

/* How many disclosures the store holds (one COUNT; for budgetd's /healthz). Returns 0 or -1. */
int db_disclosure_count(struct db *db, int64_t *count);

/* Writes a consistent copy of the whole store to path (budgetctl backup, restore, and the
 * download PATH.snapshot): every page copied by the backup API in one step into a file beside
 * it, which reads the store in one read transaction (an import committing meanwhile is in
 * the copy entirely or not at all; no index is rebuilt, free pages are copied too),
 * switched to a rollback journal (so that the file alone is the store and opens read-only
 * from a folder nobody may write), opened as budgetd opens a store and checked
 * (db_check), fsynced, given the mode (and owner, where allowed) of the file at path, then
 * renamed over path after removing any path-wal, -shm and
 * -journal (SQLite would replay them onto the new file), and the folder fsynced. A reader
 * of path sees the old file or the new, never part of one. Works on a read-only
 * connection. Returns 0, or -1 with *err filled, path untouched and nothing left behind. */
int db_snapshot(struct db *db, const char *path, struct db_error *err);

/* The store-wide download beside a store: PATH.snapshot. */
#define DB_SNAPSHOT_SUFFIX ".snapshot"

/* For a store built afresh at built (closed, rollback journal, not yet in place; budgetctl
 * import --fresh): opens it as budgetd opens a store (no quick_check: SQLite wrote every page
 * of it in this process), fsyncs it, and makes snap_tmp a second name of it (a hard link: the
 * snapshot of the store built is that store, so no copy). snap is the
 * snapshot snap_tmp will replace (db_snapshot_place): where it has another mode or owner
 * than built, or where the file system has no hard links, snap_tmp is a copy of built's
 * bytes instead, fsynced. Returns 0, or -1 with *err filled (the store damaged: err->code
 * DB_BAD_STORE) and nothing left at snap_tmp. */
int db_snapshot_fresh(const char *built, const char *snap_tmp, const char *snap,
                      struct db_error *err);

/* If the file at store has another name (its snapshot, store + DB_SNAPSHOT_SUFFIX, after
 * db_snapshot_fresh linked it; or any hard link), moves the store to a file of its own: its
 * bytes copied beside it (store.new-<pid>), fsynced, given its mode and owner, renamed over
 * store, the folder fsynced. The old file stays the other name's alone, and nothing writes it
 * again: a download of the snapshot already under way reads the bytes it started with, and
 * budgetd takes up the store's new file as after import --fresh. db_open() does this before
 * every writable open, so that no write to a store ever reaches its snapshot; two writers at
 * once copy it once (flock). Returns 0 (also when there is nothing to do), or -1 with *err
 * filled and nothing changed. */
int db_snapshot_unshare(const char *store, struct db_error *err);

/* Moves snap_tmp (from db_snapshot_fresh) over path as db_snapshot() moves its copy: the
 * mode and owner of the file at path, path's -wal, -shm and -journal removed, then the
 * rename and the folder fsynced. Returns 0, or -1 with *err filled and snap_tmp removed. */
int db_snapshot_place(const char *snap_tmp, const char *path, struct db_error *err);

/* Removes the store at path and what SQLite keeps beside it (-wal, -shm, -journal), as far
 * as they exist. */
void db_remove(const char *path);

/* Checks that the store reads: PRAGMA quick_check says ok and the disclosures can be
 * counted (db_open() has checked the schema version). Returns 0, or -1 with *err saying
 * what is damaged (without the path) and err->code DB_BAD_STORE. */
int db_check(struct db *db, struct db_error *err);

/* Switches the store from WAL to a rollback journal, so that the file alone is the whole
 * store and opens read-only even from a folder the reader cannot write (the bundled store).
 * The next writable db_open() turns WAL on again. Returns 0 or -1 with *err filled. */
int db_set_rollback_journal(struct db *db, struct db_error *err);

/* Imports docs in one transaction: all land or none does. A disclosure already in the
 * store (same department, year, kind and level) is replaced; department and project ids stay.
 * Returns 0, or -1 with *err (not NULL) filled and the store unchanged; err->code is
 * DB_DUPLICATE when two of docs are the same disclosure (err->file names the second),
 * DB_BAD_STORE when the store turned out damaged; any other failure is the store's too
 * (it cannot be written: disk full, read-only), and err->file is then empty. */
int db_import(struct db *db, struct db_doc *const *docs, size_t n, struct db_error *err);

/* The same, one document at a time, so that a large import need not hold every file in
 * memory: db_import_begin() opens the transaction (NULL with *err filled on failure),
 * db_import_add() writes one validated document (0, or -1 with *err filled: the caller then
 * aborts), db_import_commit() makes it all visible at once (0, or -1 with nothing written),
 * db_import_abort() drops it all. Commit and abort free the import. */
struct db_import;
struct db_import *db_import_begin(struct db *db, struct db_error *err);
int db_import_add(struct db_import *im, const struct db_doc *doc, struct db_error *err);
int db_import_commit(struct db_import *im, struct db_error *err);
void db_import_abort(struct db_import *im);

/* ---- Findings (核对, issue 12) ------------------------------------------------------------
 * What the audit rules found in a disclosure: a JSON array of findings, each an object
 * {rule, family, severity, message_zh, message_en?, place?, expected?, actual?, difference?,
 * unit?} (docs/api.md). The store keeps each finding as given and interprets no rule.
 */
#define DB_BAD_FINDINGS 422 /* a finding does not have the shape above */

/* Stores findings with the disclosure that im's last db_import_add() wrote, in the same
 * transaction (a re-import replaces them with the disclosure); a second call appends.
 * Every finding is checked first: an object whose rule (1 to 32 of A-Z a-z 0-9 . _ -),
 * family ("table", "cross", "text", "document"), severity ("error", "warning", "info") and
 * message_zh are strings; message_en, unit and place.quote strings when present; expected,
 * actual and difference decimal strings ("299.49", "-0.01"); place an object whose
 * table.position (1..99), row.index, section.index (>= 0) and page (>= 1) are whole numbers.
 * Returns 0; or -1 with *err filled and nothing stored: err->code is DB_BAD_FINDINGS (and
 * err->path names the member, "$[2].severity") when a finding is malformed, in which case
 * the import may go on without them; any other failure is the store's: abort the import. */
int db_import_add_findings(struct db_import *im, const json_t *findings, struct db_error *err);

/* Which findings to read: of one disclosure (department, year, kind and level all given)
 * or across the store (each NULL or 0 for any), filtered by severity, rule and family (NULL
 * for any); limit 0 means no limit. */
struct db_finding_query {
	const char *department;
	int year;
	const char *kind, *level;
	const char *severity, *rule, *family;
	size_t limit, offset;
};

/* One stored finding and the disclosure it belongs to. Valid only during the callback. */
struct db_finding {
	const char *department, *department_name; /* id, and the name that disclosure printed */
	int year;
	const char *kind, *level;
	size_t position; /* 0-based, in the order the engine gave them */
	const char *rule, *family, *severity;
	const json_t *finding; /* the whole finding as stored */
};
typedef int (*db_finding_fn)(void *ctx, const struct db_finding *f);

/* How many findings match a query, before limit and offset, by severity. */
struct db_finding_counts {
	size_t total, error, warning, info;
};

/* Calls fn (which may be NULL: counts only) for each matching finding, ordered by
 * department id, year, kind, level and position; stops early (returning that value) if fn
 * returns non-zero. *counts (if not NULL) receives the counts. Returns 0, or -1 with *err
 * filled. */
int db_findings(struct db *db, const struct db_finding_query *q, db_finding_fn fn, void *ctx,
                struct db_finding_counts *counts, struct db_error *err);

/* Makes a store being built from nothing fast to write: no journal, no syncs, its file
 * mapped for reading (no other process may shorten it). Only for a file that is thrown away
 * if the build fails (budgetctl import --fresh). 0 or -1. */
int db_set_bulk_build(struct db *db, struct db_error *err);

/* The store's copy of one disclosure (level "department" or "unit"), in import format 2.
 * Returns a new reference the caller releases with json_decref(), or NULL with *err filled
 * (err->code is DB_NOT_FOUND when the store has no such disclosure). Amounts come back with
 * the decimals they were imported with, separators dropped ("96.80" as "96.80",
 * "189,767,551.00" as "189767551.00"; canonical for rows upgraded from schema version 1),
 * codes split. */
json_t *db_export(struct db *db, const char *department, int year, const char *kind,
                  const char *level, struct db_error *err);

/* The top-level parts of a disclosure (its keys in import format 2) that db_export_part()
 * reads; the document's own fields (year, kind, title, unit, ...) always come. */
enum {
	DB_PART_DEPARTMENT = 1u << 0,
	DB_PART_SOURCE = 1u << 1,
	DB_PART_CONTENTS = 1u << 2,
	DB_PART_OVERVIEW = 1u << 3,
	DB_PART_TABLES = 1u << 4,
	DB_PART_EXPLANATIONS = 1u << 5,
	DB_PART_PROJECTS = 1u << 6,
	DB_PART_WITHHELD = 1u << 7,
	DB_PART_SANGONG = 1u << 8,
	DB_PART_OPERATING_COSTS = 1u << 9,
	DB_PART_PROCUREMENT = 1u << 10,
	DB_PART_ASSETS = 1u << 11,
	DB_PART_PERFORMANCE = 1u << 12,
	DB_PART_GLOSSARY = 1u << 13,
};

/* Which part of a disclosure to read: an answer about one table or the 三公 figures need
 * not read hundreds of projects. */
struct db_export_sel {
	unsigned parts; /* DB_PART_* bits */
	int table; /* with DB_PART_TABLES: only the table at this position (表几); 0: all */
	/* With DB_PART_TABLES: called with each table's own fields (position, type, title,
	 * unit, ...) before its columns and rows are read; false leaves those out. NULL: every
	 * table comes whole. */
	bool (*table_rows)(const json_t *table, void *arg);
	void *arg;
	const char *project; /* with DB_PART_PROJECTS: only the project with this id; NULL: all */
	/* #17: with DB_PART_TABLES, a table's rows are only its total rows (kind "total"), for
	 * an answer that reads only the totals (the disclosure's headline figures). */
	bool total_rows_only;
};

/* db_export() of the parts sel names (sel NULL: the whole disclosure). What is read is
 * exactly what db_export() gives for those parts; the parts left out are absent. */
json_t *db_export_part(struct db *db, const char *department, int year, const char *kind,
                       const char *level, const struct db_export_sel *sel, struct db_error *err);

/* ---- Search (检索, issue 14) -----------------------------------------------------------
 * Every text a disclosure publishes, indexed at import (derived.sql): what each entry is
 * (its hit: a department's names, a disclosure's title and texts, a table's title, a row's
 * code and name, a project with all its texts, an indicator, an explanation's title,
 * paragraph or figure, a glossary term, the overview, a 三公 item) and the exact place.
 */

/* The hits, in the index's order: "department", "disclosure", "table", "row", "project",
 * "indicator", "explanation", "glossary", "overview", "sangong", then NULL. Static. */
extern const char *const db_search_hits[];

/* q is split at spaces into terms, each literal text (quotes, *, NEAR and parentheses are
 * characters like any other); an entry matches when it contains every term, ASCII letters
 * in either case. Terms of 3 or more characters are looked up in the trigram index and the
 * answer is ranked by BM25 (without IDF) with names weighing ten times texts. When every
 * term has 1 or 2 characters, which trigrams cannot index, only the names of departments and
 * projects are searched: departments first, then the shortest names. At most 1000 entries
 * are ranked: when more match, the latest 1000 (latest year first, then the latest
 * imported disclosure) are, and info->capped says so. kind, department (an id) and hit
 * (one of db_search_hits) are NULL for any, year 0 for any. */
struct db_search_query {
	const char *q;
	const char *kind, *department, *hit;
	int year;
	size_t limit, offset;
};

/* One entry found; every pointer is valid only during the callback. */
struct db_search_hit {
	const char *hit; /* one of db_search_hits */
	const char *department, *department_name; /* id, and the name that disclosure printed */
	int year;
	const char *kind, *level;
	const char *name; /* what the place is called (a row: "2010399 其他..."), or NULL */
	/* The text around the match, each matching part between \x01 and \x02. */
	const char *snippet;
	/* Below the disclosure's URL ("", "/tables/3", "/projects/x", "/sangong"), and the place
	 * there as an object ({"table": 3, "row": 5}: 0-based indices), or NULL. */
	const char *path;
	const json_t *place;
};
typedef int (*db_search_fn)(void *ctx, const struct db_search_hit *hit);

struct db_search_info {
	size_t total; /* matches before limit and offset, at most 1000 */
	bool capped; /* more matched: total is 1000, the latest 1000 were ranked */
	bool names_only; /* every term was 1 or 2 characters */
};

/* Calls fn (NULL: count only) for each entry of the page, best first; stops early (returning
 * that value) if fn returns non-zero. *info receives the count. Returns 0, or -1 with *err
 * filled. */
int db_search(struct db *db, const struct db_search_query *q, db_search_fn fn, void *ctx,
              struct db_search_info *info, struct db_error *err);

/* One department as listed by db_departments(); every pointer is valid only during the
 * callback. years are ascending and distinct. */
struct db_department {
	const char *id;
	const char *name; /* as published in its latest disclosure */
	const int *years;
	size_t n_years;
};
typedef int (*db_department_fn)(void *ctx, const struct db_department *dep);

/* Which departments to list: q is a substring of the name or id (NULL for any), year one
 * they have a disclosure for (0 for any); limit 0 means no limit. */
struct db_department_query {
	const char *q;
	int year;
	size_t limit, offset;
};

/* Calls fn for each matching department in id order (query may be NULL: all); stops early
 * (returning that value) if fn returns non-zero. *total (if not NULL) receives the number
 * of matches before limit and offset. Returns 0, or -1 with *err filled. */
int db_departments(struct db *db, const struct db_department_query *query, db_department_fn fn,
                   void *ctx, size_t *total, struct db_error *err);

/* A disclosure as listed under its department. */
struct db_disclosure_ref {
	int year;
	const char *kind; /* "budget" or "final" */
	const char *level; /* "department" or "unit" */
	const char *title;
	const char *published; /* NULL if not published */
	int64_t imported_at; /* unix time */
};

/* One department with its disclosures (ascending year, then kind, then level); the names are those of
 * the latest disclosure. Pointers are valid only during the callback. */
struct db_department_detail {
	const char *id, *name, *short_name, *region, *parent; /* the last three may be NULL */
	const struct db_disclosure_ref *disclosures;
	size_t n_disclosures;
};
typedef int (*db_detail_fn)(void *ctx, const struct db_department_detail *dep);

/* Calls fn once with department id. Returns fn's value, or -1 with *err filled
 * (err->code is DB_NOT_FOUND for an unknown id). */
int db_department(struct db *db, const char *id, db_detail_fn fn, void *ctx, struct db_error *err);

/* When the data was imported: of one disclosure, or with department NULL the latest import
 * of all (0 for an empty store). Returns 0, or -1 with *err filled (DB_NOT_FOUND). */
int db_modified(struct db *db, const char *department, int year, const char *kind,
                const char *level, int64_t *imported_at, struct db_error *err);

/* The folder beside a store (PATH.files/) where it keeps files named by their content: each
 * published PDF as <sha256>.pdf (issue #18). budgetctl writes them (server/kept.c). */
#define DB_FILES_DIR ".files/"

/* Whether the store keeps name (e.g. "<sha256>.pdf") beside it, a regular file. */
bool db_keeps_file(struct db *db, const char *name);

/* The SHA-256s (64 hex digits, ascending, each once) of the published files the store's
 * disclosures name (their source.sha256). Given n of them, the strings owned by the call.
 * Returns what fn returns, or -1. */
typedef int (*db_named_fn)(void *ctx, const char *const *sha256, size_t n);

/* Calls fn with the files the store at path names while it holds the store's write lock,
 * so that no import commits, nor keeps a file beside the store (budgetctl keeps them inside
 * its transaction), until fn returns. Writes nothing to the store (not even its journal
 * mode). Waits for a writer as every write does (10 s). Returns fn's value, or -1 with *err
 * filled (the store cannot be read, is not of this version: DB_BAD_STORE, or its lock
 * cannot be had: DB_LOCKED). */
int db_with_named_files(const char *path, db_named_fn fn, void *ctx, struct db_error *err);

/* The published file a disclosure was extracted from (issue #18): its SHA-256 (64 lower-case
 * hex digits) into sha256 and its file name as published into file (size bytes, cut),
 * both "" when the disclosure names none (typed in by hand), and when it was imported into
 * *imported_at (db_modified()'s). Returns 0, or -1 with *err filled (DB_NOT_FOUND for no
 * such disclosure). */
int db_source_file(struct db *db, const char *department, int year, const char *kind,
                   const char *level, char sha256[65], char *file, size_t size,
                   int64_t *imported_at, struct db_error *err);

/* ---- Aggregates (汇总, issue 14) ----------------------------------------------------------
 * Sums of one measure over the facts of the store (derived.sql): figures converted exactly
 * to fen (0.01 元); sums in int64 fen, an overflow is an error, never a wrong figure.
 */
enum db_agg_dim {
	DB_AGG_DEPARTMENT,
	DB_AGG_YEAR,
	DB_AGG_KIND,
	DB_AGG_LEVEL,
	DB_AGG_REGION,
	DB_AGG_FUNCTION, /* the row code's first depth segments, tables classified function */
	DB_AGG_ECONOMIC, /* the same, tables classified economic */
};
#define DB_AGG_MAX_GROUP 3

enum db_agg_order {
	DB_AGG_BY_KEY, /* ascending keys */
	DB_AGG_BY_SUM_DESC, /* largest sum first (ranking), ties by key */
	DB_AGG_BY_SUM_ASC,
};

/* What to sum: measure ("expenditure", "sangong.reception", "table:budget_expenditure:total"),
 * filters (NULL or 0 for any; code a prefix of the row code, "201" or "2010399"), grouped by
 * group[0..n_group) (depth 1..3 segments for function and economic). limit 0: no limit. */
struct db_agg_query {
	const char *measure, *code;
	int year;
	const char *kind, *level, *region, *department;
	enum db_agg_dim group[DB_AGG_MAX_GROUP];
	size_t n_group;
	int depth;
	enum db_agg_order order;
	size_t limit, offset;
};

/* One group (valid only during the callback): key[i] and label[i] for group[i] (the year
 * as digits; the department's id and the name its latest contributing disclosure printed;
 * a code and the name a row with that code printed). has_sum is false when no figure of the
 * group could be converted exactly (inexact counts those). */
struct db_agg_group {
	const char *key[DB_AGG_MAX_GROUP], *label[DB_AGG_MAX_GROUP];
	bool has_sum;
	int64_t fen;
	size_t disclosures, figures, inexact;
};
typedef int (*db_agg_fn)(void *ctx, const struct db_agg_group *g);

/* Over every matching figure, whatever limit and offset. */
struct db_agg_totals {
	bool has_sum;
	int64_t fen;
	size_t disclosures, figures, inexact, groups;
};

#define DB_AGG_OVERFLOW 507 /* a sum does not fit in int64 fen */

/* Calls fn for each group in order (stopping early, returning that value, when fn returns
 * non-zero) and fills *totals (if not NULL). Returns 0, or -1 with *err filled (err->code
 * DB_AGG_OVERFLOW when a sum overflows). */
int db_aggregate(struct db *db, const struct db_agg_query *q, db_agg_fn fn, void *ctx,
                 struct db_agg_totals *totals, struct db_error *err);

/* ---- The directory (#15, db/directory.c) ---------------------------------------------- */

/* One disclosure as the directory lists it (valid only during the callback): its
 * department's id, and the name and region (NULL: none published) of the department's
 * latest disclosure; year, kind ("budget", "final") and level ("department", "unit"). */
struct db_directory_row {
	const char *id, *name, *region;
	int year;
	const char *kind, *level;
};
typedef int (*db_directory_fn)(void *ctx, const struct db_directory_row *row);

/* Calls fn for every disclosure of the store, by department id, then year, kind and level,
 * in one query; stops early (returning that value) if fn returns non-zero. Returns 0, or -1
 * with *err filled. */
int db_directory(struct db *db, db_directory_fn fn, void *ctx, struct db_error *err);

#endif
