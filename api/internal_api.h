// SPDX-License-Identifier: MIT
// What the files of api/ share: the parsed request, the resource functions the router
// calls, and helpers for writing store values into JSON and CSV.
#ifndef BUDGETD_API_INTERNAL_H
#define BUDGETD_API_INTERNAL_H

#include "api.h"
#include "jw.h"

#include <stdbool.h>

/* Positions a table may have (表一..表九十九). */
#define API_TABLES_MAX 99
#define API_PAGES_MAX 200 /* pages of a published file (ingest.h: INGEST_MAX_PAGES) */

/* The default page of the lists (departments, findings). */
#define API_LIMIT_DEFAULT 100
/* The default page of /api/v1/search, whose items carry snippets. */
#define API_SEARCH_LIMIT_DEFAULT 20

/* A routed request: which disclosure (if any) and how to answer. */
struct api_ctx {
	struct db *db;
	const struct api_request *req;
	struct api_response *resp;
	enum api_format format;
	const char *dept; /* department id, or NULL */
	int year; /* of the disclosure, 0 if none */
	const char *kind; /* "budget" or "final" */
	const char *kind_path; /* "budgets" or "finals" */
	const char *level; /* "department" (部门, the default) or "unit" (单位), or NULL */
	char base[256]; /* the disclosure's URL, e.g. /api/v1/departments/x/budgets/2021 */
};

/* ---- resources (return 0, or -1 when out of memory) ---- */
int api_departments_list(struct api_ctx *c);
int api_department(struct api_ctx *c);
int api_disclosure(struct api_ctx *c, json_t *doc);
int api_source(struct api_ctx *c);
int api_sangong(struct api_ctx *c, json_t *doc);
int api_tables(struct api_ctx *c, json_t *doc);
int api_table(struct api_ctx *c, json_t *doc, int number);
int api_projects(struct api_ctx *c, json_t *doc);
int api_project(struct api_ctx *c, json_t *doc, const char *id);
int api_openapi(struct api_ctx *c);
/* 核对: .../{kind}/{year}/audit (checks that the disclosure exists itself), /api/v1/audit */
int api_audit(struct api_ctx *c);
int api_audit_list(struct api_ctx *c);
/* 检索: /api/v1/search (search.c) */
int api_search(struct api_ctx *c);
/* Writes "audit": {total, by_severity, link} for c's disclosure into w. Returns 0, or the
 * status of the error written into c->resp (-1 when out of memory). */
int api_audit_summary(struct api_ctx *c, struct api_jw *w);
/* #14: a department's figure over the years (series.c), two disclosures side by side
 * (compare.c); each reads and checks its own query parameters */
int api_series(struct api_ctx *c);
int api_compare(struct api_ctx *c);
/* Is col (a table column) one of percentages (measure rate or change_percent, or a title
 * with %)? Its figures are in percent whatever the table's unit: never converted. */
bool api_percent_column(const json_t *col);
/* A headline total of doc (key revenue, expenditure, basic or project) in 万元, as in the
 * disclosure's totals; *unit is the table's unit it was converted from. false when not
 * published or not exactly convertible. */
bool api_headline_total(const json_t *doc, const char *key, int64_t *wan, const char **unit);
/* #17: what a headline total reads of its table, from the tree or from the rows: the
 * table's unit (else the disclosure's), its columns in published order, and its last total
 * row (on the total's side) as its side and its figures by column key. Borrowed strings. */
struct api_hcol {
	const char *key, *side, *measure;
};
struct api_hfig {
	const char *key, *text;
};
struct api_htable {
	const char *unit;
	const struct api_hcol *cols;
	size_t n_cols;
	const char *side;
	const struct api_hfig *figs;
	size_t n_figs;
};
/* The table types a headline total (revenue, expenditure, basic, project) is read from, in
 * order of preference for a budget or a final (static lists), and its row's side (NULL for
 * any). */
const char *const *api_htable_types(const char *key, bool final);
const char *api_htable_side(const char *key);
/* The headline total key of h in 万元 (api_headline_total's rule); false when h has no
 * such figure or it does not convert exactly. */
bool api_htable_total(const struct api_htable *h, const char *key, bool final, int64_t *wan);
/* "totals": {revenue, expenditure, basic, project, unit, converted_from}, each figure from
 * total(src, key, &wan, &unit) (false: null). */
void api_put_totals(struct api_jw *w,
                    bool (*total)(const void *, const char *, int64_t *, const char **),
                    const void *src);
/* The disclosure's "links": self, department, tables, projects, sangong (null without). */
/* Whether the store keeps the published PDF whose SHA-256 is sha256 (NULL, or not 64
 * digits: none), served as the disclosure's .../source.pdf (#18). */
bool api_keeps_pdf(const struct api_ctx *c, const char *sha256);

/* The disclosure's links; source_pdf when the store keeps its published PDF, whose SHA-256
 * is sha256 (NULL: it names none). */
void api_disclosure_links(struct api_jw *w, const struct api_ctx *c, bool has_sangong,
                          const char *sha256);
/* The answers from rows (#17), shared by table_rows.c, project_rows.c and
 * disclosure_rows.c: c->base for c's disclosure; and the answer when reading it failed (err
 * from db_read_*: 404 in router.c's load() words for no such disclosure, else 503). The
 * last returns 0, or -1 when out of memory. Each sets its Last-Modified from the
 * imported_at its read gives (one lookup of the disclosure, not two). */
void api_rows_base(struct api_ctx *c);
int api_rows_failed(struct api_ctx *c, const struct db_error *err);
/* The disclosure as JSON straight from its rows (disclosure_rows.c, #17): the bytes of
 * api_disclosure() on db_export_part()'s tree. Sets c->base itself. 0 or -1. */
int api_disclosure_rows(struct api_ctx *c);
/* 汇总: /api/v1/aggregate (checks its parameters' values itself: 400s name the parameter) */
int api_aggregate(struct api_ctx *c);
/* The value an absent aggregate parameter stands for ("万元" for unit), or NULL: the cache
 * key writes defaults out. Static. */
const char *api_aggregate_default(const char *name);

/* Does any object of arr have key (a table's columns a side, its rows a project)? */
bool api_has_key(const json_t *arr, const char *key);

/* A query parameter's value as sent, or NULL when absent; borrowed from the request. */
const char *api_arg(struct api_ctx *c, const char *name);

/* A query number in [min, max] written with digits only; def when absent; -1 otherwise. */
long long api_num_arg(struct api_ctx *c, const char *name, long long min, long long max,
                      long long def);

/* ---- responses ---- */

/* Moves the writer's text into resp as a 200 JSON (or CSV) body. 0 or -1. */
int api_ok(struct api_ctx *c, struct api_jw *w, const char *type);
/* Sets resp's Link header to the next page, <url then suffix>; rel="next" (suffix may be
 * ""); when that would not fit, leaves it empty: a cut URL would name another page. */
void api_link_next(struct api_response *resp, const char *url, const char *suffix);
/* Sets resp->disposition for an attachment named base.ext (ASCII) and label.ext (UTF-8,
 * percent-encoded; left out when the header would not hold it). */
void api_disposition(struct api_response *resp, const char *base, const char *label,
                     const char *ext);

/* ---- store values (jansson trees from db_export) into JSON ---- */

/* Writes obj's decimal string field key as a number token with its published decimals
 * (db_export's spelling: "867.50" is written 867.50), or null. */
void api_put_dec(struct api_jw *w, const json_t *obj, const char *key);
/* key: decimal, key: string, key: integer, each null when absent in obj. */
void api_kdec(struct api_jw *w, const json_t *obj, const char *key);
void api_ktext(struct api_jw *w, const json_t *obj, const char *key);
void api_kcount(struct api_jw *w, const json_t *obj, const char *key);
/* "codes": [...] and "code": "2010350" (both null without codes). */
void api_kcodes(struct api_jw *w, const json_t *obj);
/* Writes an array of strings, or [] when arr is absent. */
void api_put_texts(struct api_jw *w, const json_t *arr);
/* How a store field is written: text, exact decimal, or whole number; null when absent. */
enum api_ftype {
	API_TEXT,
	API_DEC,
	API_COUNT
};
struct api_field {
	const char *key;
	enum api_ftype type;
};
#define API_FIELDS(...) ((const struct api_field[]){ __VA_ARGS__, { NULL, API_TEXT } })
#define T(k)                  \
	{                     \
		(k), API_TEXT \
	}
#define D(k)                 \
	{                    \
		(k), API_DEC \
	}
#define C(k)                   \
	{                      \
		(k), API_COUNT \
	}

/* key: {fields of obj, in the order given}, or key: null without obj. */
void api_put_object(struct api_jw *w, const char *key, const json_t *obj,
                    const struct api_field *fields);
/* key: [{fields}, ...] from the objects of arr ([] when absent). */
void api_put_objects(struct api_jw *w, const char *key, const json_t *arr,
                     const struct api_field *fields);
/* key: {k: number, ...} from a map of decimal strings, as published ({} when absent). */
void api_put_dec_map(struct api_jw *w, const char *key, const json_t *map);

/* ---- where a figure was printed (#18, printed.c) ---- */

struct db_box;
/* *b from an import-format box [page, x0, y0, x1, y1] (db_export()'s); page 0 when box is
 * no such array. */
void api_box_of(const json_t *box, struct db_box *b);
/* {"page": N, "box": [N, x0, y0, x1, y1]} (box null when only the page is known), or null
 * when b's page is not known: the value of a "printed" key. */
void api_put_printed(struct api_jw *w, const struct db_box *b);
/* A coordinate kept in hundredths of a point, h, written at p as the decimal it was imported
 * as (56.7, 120.25, 300; never negative: the import's rule, a negative h is written 0), 21
 * bytes at most; returns the end (no NUL). */
char *api_put_hundredths(char *p, int64_t h);
/* Five CSV cells, each after a comma: page, x0, y0, x1, y1 (empty when not known; b may
 * be NULL). */
void api_csv_box(struct api_jw *w, const struct db_box *b);
/* Widens *u (page 0: nothing yet) to take in b when b has a box on u's page (or u has
 * none yet): a table row's extent from its cells. false when b is left out. */
bool api_box_widen(struct db_box *u, const struct db_box *b);

/* Where a row of db_export()'s tree was printed, as a table's CSV and XLSX give it: the
 * extent of its "boxes" (name and figures) on the page of the first (u->page 0: none). */
void api_row_extent(const json_t *row, struct db_box *u);

/* ---- a disclosure's tables (doc.c) ---- */

/* 表几: the table's position in its document (format v1: its number); 0 if neither. */
int api_table_position(const json_t *t);
/* What the table is: its type id, or for format v1 the registry's match of its title;
 * "other" when the title names no type. The string is borrowed (t's or static). */
const char *api_table_type(const json_t *t);
/* The table's unit: its own, else the disclosure's. Borrowed. */
const char *api_table_unit(const json_t *doc, const json_t *t);
/* The table at position n of a disclosure, or NULL. */
const json_t *api_find_table(const json_t *doc, int position);
/* The first table of the first type in types (a NULL-terminated list) that the disclosure
 * has, or NULL. */
const json_t *api_find_table_type(const json_t *doc, const char *const *types);
/* v, in millionths of unit (元, 千元, 万元 or 亿元), as millionths of 万元, moving the
 * decimal point, never through floating point. false for another unit, or when the result
 * would not be exact (元 figures finer than 0.01) or would overflow. */
bool api_to_wan(int64_t v, const char *unit, int64_t *out);
/* The URL of a part of c's disclosure: c->base + path ("" or "/tables/3"), with the query
 * that keeps the level (?level=unit) and, when csv, format=csv. Cut at size. */
void api_url(const struct api_ctx *c, char *buf, size_t size, const char *path, bool csv);

/* The answer when the store fails under a read (a file that vanished, was corrupted, or is
 * locked): 503, so clients retry, with err's text kept in resp->cause for the log. Returns
 * 0, or -1 when out of memory. */
int api_store_error(struct api_response *resp, const struct db_error *err);
/* Parses a decimal string; false when absent or malformed. */
bool api_dec(const json_t *j, int64_t *out);
/* A stored figure's text as published ("867.50"), or NULL when absent or malformed. */
const char *api_dec_text(const json_t *j);
/* Writes j (a stored figure) as a number token as published, or null. */
void api_put_dec_text(struct api_jw *w, const json_t *j);

/* 三公 figures computed from published ones (disclosure.c), shared by .../sangong and the
 * page (page_projects.c) so both print the same digits. Each writes its text into buf and
 * returns true, or false when obj lacks the figures. 上年数: amount - change, exactly, with
 * the finer of their decimals (867.50 - 0 is 867.50). 完成率: final / budget in percent,
 * rounded half away from zero to 0.01 (false for a zero budget too). */
bool api_sangong_prior(const json_t *obj, char buf[static DB_DEC_BUFSZ]);
bool api_sangong_completion(const json_t *obj, char buf[static DB_DEC_BUFSZ]);

/* Percent-encodes s (all but A-Z a-z 0-9 - . _ ~) into out, cutting at size (a byte is
 * written while 4 bytes of room are left). True when all of s went in. */
bool api_pct_encode(char *out, size_t size, const char *s);

/* ---- a table's rows (tables.c), shared by its CSV, the long CSV and XLSX ---- */

/* A row's depth: 0 for a total, else 1 类, 2 款, 3 项 (its own level, else its codes'). */
long long api_row_level(const json_t *row);
/* For each of rows, whether it is another row's parent (so not 末级). A malloc'd array of
 * json_array_size(rows) flags (at least one) the caller frees, or NULL (out of memory). */
bool *api_row_parents(const json_t *rows);
/* 表几 for 1..99 as Chinese numerals: 一, 十, 十二, 九十九. */
void api_numeral(int n, char *out, size_t size);
/* "links": {self, csv} of table position of c's disclosure. */
void api_table_links(struct api_jw *w, const struct api_ctx *c, int position);
/* The unit a column's CSV header gets from its measure and printed title: （%）, nothing
 * (the title says % already) or （unit）. */
void api_csv_unit_suffix(const char *measure, const char *title, const char *unit, char *out,
                         size_t size);
/* tables.c's rules for a table read by db_read_table() (table_rows.c; the long CSV of tidy.c
 * uses them too): a total row; a row's level (api_row_level()); whether a's codes are a proper
 * prefix of b's (rows without codes are none); its parent, the index of the nearest row above
 * on its side that is shallower and whose codes lead to its own, or -1 (api_row_parents()); a
 * figure's text when it parses, else NULL (api_dec_text()); the table's type
 * (api_table_type()). Strings borrow from t. */
struct db_table;
struct db_trow;
struct db_tfig;
bool api_trow_total(const struct db_trow *r);
long long api_trow_level(const struct db_trow *r);
bool api_trow_codes_lead(const struct db_trow *a, const struct db_trow *b);
long api_trow_parent(const struct db_table *t, size_t i);
const char *api_tfig_text(const struct db_tfig *f);
const char *api_rtable_type(const struct db_table *t);
/* .../tables/{n} as JSON or CSV straight from the table's rows (table_rows.c, #17): the
 * bytes of api_table() on db_export_part()'s tree. Sets c->base itself. 0 or -1. */
int api_table_rows(struct api_ctx *c, int number);
/* .../projects (project NULL) and .../projects/{project} as JSON straight from the rows
 * (project_rows.c, #17): the bytes of api_projects() and api_project() on db_export_part()'s
 * tree. Sets c->base itself. 0 or -1. */
int api_projects_rows(struct api_ctx *c, const char *project);

/* ---- the long CSV (tidy.c), XLSX (xlsx.c) and Fiscal Data Package (datapackage.c) ---- */

/* .../{kind}/{year}/amounts.csv: every published amount of the disclosure's tables, one
 * line each with all its dimensions. */
int api_amounts(struct api_ctx *c, json_t *doc);
/* .../tables/{n}?format=xlsx (number > 0) or the whole disclosure, a sheet per table
 * (number 0). */
int api_xlsx(struct api_ctx *c, const json_t *doc, int number);
/* .../{kind}/{year}/datapackage.json (c->dept set, doc the disclosure's department and
 * tables without rows) or /api/v1/datapackage.json (c->dept NULL, doc NULL). */
int api_datapackage(struct api_ctx *c, const json_t *doc);

/* ---- CSV (RFC 4180, for Excel) ---- */

/* The byte order mark that makes Excel read UTF-8. */
void api_csv_begin(struct api_jw *w);
/* One cell; text cells that a spreadsheet would run as a formula get a leading '. */
void api_csv_text(struct api_jw *w, const char *s, bool first);
void api_csv_number(struct api_jw *w, const char *s, bool first);
void api_csv_end_row(struct api_jw *w);
/* Sets resp->disposition for an attachment named base (ASCII) and label (UTF-8). */
void api_csv_disposition(struct api_response *resp, const char *base, const char *label);

#endif
