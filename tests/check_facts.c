// SPDX-License-Identifier: MIT
// Facts (db/facts.c) and sums over them (db/aggregate.c): written at import, replaced with
// their disclosure, built by an upgrade, converted to fen exactly, and an overflowing sum is
// an error. Every expected figure is read off the import files (db/data, the seed) by hand.
#include "db.h"
#include "util.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *data_path(const char *name)
{
	char *p = malloc(4200);

	ck_assert_ptr_nonnull(p);
	snprintf(p, 4200, "%s/db/data/%s", tu_env("BUDGETD_SOURCE"), name);
	return p;
}

static struct db *store_with(char **path, const char *const *files, size_t n)
{
	struct db_error err = { 0 };
	struct db_doc *docs[8];
	struct db *db;

	*path = tu_temp_path(".sqlite");
	db = db_open(*path, true, &err);
	ck_assert_msg(db != NULL, "open: %s", err.text);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg((docs[i] = db_doc_load(files[i], NULL, NULL)) != NULL, "%s",
		              files[i]);
	ck_assert_msg(db_import(db, docs, n, &err) == 0, "import: %s", err.text);
	for (size_t i = 0; i < n; i++)
		db_doc_free(docs[i]);
	return db;
}

static void drop(struct db *db, char *path)
{
	db_close(db);
	tu_unlink_store(path);
	free(path);
}

/* The sum of q over the store (no groups). */
static struct db_agg_totals total(struct db *db, const struct db_agg_query *q)
{
	struct db_error err = { 0 };
	struct db_agg_totals t;

	ck_assert_msg(db_aggregate(db, q, NULL, NULL, &t, &err) == 0, "aggregate: %s", err.text);
	return t;
}

/* The seed (kashi, 万元): 三公 96.80, 公务接待费 0, 机关运行经费 35.76, and its 201 rows. */
START_TEST(test_facts_written_at_import)
{
	const char *seed = tu_env("BUDGETD_SEED");
	char *path;
	struct db *db = store_with(&path, &seed, 1);
	struct db_agg_totals t = total(db, &(struct db_agg_query){ .measure = "sangong" });

	ck_assert(t.has_sum);
	ck_assert_int_eq(t.fen, 96800000); /* 96.80 万元 = 968,000 元 = 96,800,000 fen */
	ck_assert_uint_eq(t.disclosures, 1);
	t = total(db, &(struct db_agg_query){ .measure = "operating_costs" });
	ck_assert_int_eq(t.fen, 35760000); /* 35.76 万元 */
	t = total(db, &(struct db_agg_query){ .measure = "sangong.vehicle_purchase" });
	ck_assert_int_eq(t.fen, 80000000); /* 80.00 万元 */
	/* 表三 201: 末级 2010350 307.1 + 2010399 355.86 = the 类 row's 662.96; never the 类,
	 * the 款 and the 项 together (which would be three times as much) */
	t = total(db, &(struct db_agg_query){ .measure = "table:budget_expenditure:total",
	                                      .code = "201" });
	ck_assert_int_eq(t.fen, 662960000);
	ck_assert_uint_eq(t.figures, 2);
	drop(db, path);
}
END_TEST

/* A re-import replaces the disclosure's facts (the cascade), never adds to them. */
START_TEST(test_facts_replaced_on_reimport)
{
	const char *seed = tu_env("BUDGETD_SEED");
	char *path, *text, *changed, *at;
	size_t n;
	struct db *db = store_with(&path, &seed, 1);
	int64_t rows = tu_sql_int(path, "SELECT count(*) FROM fact");
	struct db_agg_totals t;

	text = tu_read_file(seed, &n);
	ck_assert_ptr_nonnull(text);
	/* the 三公 total of the seed, "amount": "96.80", becomes 50.00 */
	at = strstr(text, "\"sangong\": {");
	ck_assert_ptr_nonnull(at);
	at = strstr(at, "\"amount\": \"96.80\"");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "\"amount\": \"50.00\"", strlen("\"amount\": \"50.00\""));
	changed = tu_write_temp(text, n, ".json");
	{
		struct db_error err = { 0 };
		struct db_doc *doc = db_doc_load(changed, NULL, NULL);
		ck_assert_ptr_nonnull(doc);
		ck_assert_msg(db_import(db, &doc, 1, &err) == 0, "re-import: %s", err.text);
		db_doc_free(doc);
	}
	t = total(db, &(struct db_agg_query){ .measure = "sangong" });
	ck_assert_int_eq(t.fen, 50000000);
	ck_assert_uint_eq(t.figures, 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM fact"), rows);
	unlink(changed);
	free(changed);
	free(text);
	drop(db, path);
}
END_TEST

/* The seed imported again with its region replaced (NULL: without one). */
static void reimport_seed_in(struct db *db, const char *region)
{
	static const char was[] = ",\n    \"region\": \"新疆维吾尔自治区喀什地区\"";
	const char *seed = tu_env("BUDGETD_SEED");
	struct db_error err = { 0 };
	size_t n;
	char *text = tu_read_file(seed, &n), *at, *changed, *out;
	struct db_doc *doc;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(at = strstr(text, was));
	ck_assert_ptr_nonnull(out = malloc(n + 200));
	snprintf(out, n + 200, "%.*s%s%s%s%s", (int)(at - text), text,
	         region ? ",\n    \"region\": \"" : "", region ? region : "", region ? "\"" : "",
	         at + strlen(was));
	changed = tu_write_temp(out, strlen(out), ".json");
	ck_assert_ptr_nonnull(doc = db_doc_load(changed, NULL, NULL));
	ck_assert_msg(db_import(db, &doc, 1, &err) == 0, "re-import: %s", err.text);
	db_doc_free(doc);
	unlink(changed);
	free(changed);
	free(out);
	free(text);
}

struct region_groups {
	size_t n;
	char key[4][128]; /* "(null)" for none */
	int64_t fen[4];
};

static int region_group(void *ctx, const struct db_agg_group *g)
{
	struct region_groups *r = ctx;

	ck_assert_uint_lt(r->n, 4);
	snprintf(r->key[r->n], sizeof(r->key[0]), "%s", g->key[0] ? g->key[0] : "(null)");
	r->fen[r->n++] = g->fen;
	return 0;
}

/* The 三公 total of the store grouped by region: the one group there must be, its key. */
static const char *sangong_region(struct db *db, struct region_groups *r)
{
	struct db_agg_query q = { .measure = "sangong", .n_group = 1, .group = { DB_AGG_REGION } };
	struct db_error err = { 0 };

	r->n = 0;
	ck_assert_msg(db_aggregate(db, &q, region_group, r, NULL, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(r->n, 1);
	ck_assert_int_eq(r->fen[0], 96800000);
	return r->key[0];
}

/* A fact holds its region as a number of fact_region (schema version 6): a disclosure
 * replaced with another region, or none, is summed under that one alone, and a filter on the
 * region it had finds nothing, though the old name keeps its number. */
START_TEST(test_region_follows_the_disclosure)
{
	const char *seed = tu_env("BUDGETD_SEED");
	char *path;
	struct db *db = store_with(&path, &seed, 1);
	struct region_groups r;
	struct db_agg_totals t;

	ck_assert_str_eq(sangong_region(db, &r), "新疆维吾尔自治区喀什地区");
	reimport_seed_in(db, "上海市普陀区");
	ck_assert_str_eq(sangong_region(db, &r), "上海市普陀区");
	t = total(db, &(struct db_agg_query){ .measure = "sangong",
	                                      .region = "新疆维吾尔自治区喀什地区" });
	ck_assert_uint_eq(t.figures, 0);
	t = total(db, &(struct db_agg_query){ .measure = "sangong", .region = "上海市普陀区" });
	ck_assert_int_eq(t.fen, 96800000);
	reimport_seed_in(db, NULL);
	ck_assert_str_eq(sangong_region(db, &r), "(null)");
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM fact_region"), 2);
	drop(db, path);
}
END_TEST

/* A disclosure's facts go with it (derived.sql's fact_span: no index on fact.disclosure_id),
 * whoever deletes it, and nothing else's. */
START_TEST(test_facts_go_with_their_disclosure)
{
	const char *files[2] = { tu_env("BUDGETD_SEED"), NULL };
	char *other = data_path("putuo-commerce-2025-budget-unit.json"), *path;
	struct db *db;
	int64_t all, kashi;
	sqlite3 *sql;

	files[1] = other;
	db = store_with(&path, files, 2);
	db_close(db);
	all = tu_sql_int(path, "SELECT count(*) FROM fact");
	kashi = tu_sql_int(path, "SELECT count(*) FROM fact f JOIN disclosure d ON d.id = "
	                         "f.disclosure_id WHERE d.year = 2021");
	ck_assert_int_gt(kashi, 100);
	ck_assert_int_gt(all, kashi);
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql,
	                              "PRAGMA foreign_keys = ON; DELETE FROM disclosure WHERE "
	                              "year = 2021",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(sql);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM fact"), all - kashi);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM fact WHERE disclosure_id NOT IN "
	                                  "(SELECT id FROM disclosure)"),
	                 0);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM fact_span"), 1);
	tu_unlink_store(path);
	free(path);
	free(other);
}
END_TEST

/* A 元 table and a 万元 table summed exactly; a 元 figure finer than 0.01 is counted as
 * inexact and left out, never rounded. putuo-govt-office 2025 表三 (元): 201's 末级 rows
 * 12,029,501.84 + 46,140,000.00 + 3,807,295.58 + 20,120,000.00 = 82,096,797.42 (its 类 row);
 * the seed's 表三 (万元) 201: 662.96. */
START_TEST(test_units_converted_exactly)
{
	const char *seed = tu_env("BUDGETD_SEED");
	char *office = data_path("putuo-govt-office-2025-budget-dept.json"), *path, *text, *finer;
	struct db *db = store_with(&path, (const char *const[]){ seed, office }, 2);
	struct db_agg_query q = { .measure = "table:budget_expenditure:total", .code = "201" };
	struct db_agg_totals t = total(db, &q);
	struct db_error err = { 0 };
	struct db_doc *doc;
	size_t n;

	ck_assert_int_eq(t.fen, 8209679742 + 662960000); /* 82,096,797.42 元 + 662.96 万元 */
	ck_assert_uint_eq(t.inexact, 0);
	text = tu_read_file(office, &n);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"20,120,000.00\""));
	finer = strstr(text, "\"type\": \"budget_expenditure\",");
	ck_assert_ptr_nonnull(finer);
	finer = strstr(finer, "\"total\": \"20,120,000.00\"");
	ck_assert_ptr_nonnull(finer);
	{
		/* "20,120,000.00" -> "20,120,000.005": 3 decimals of 元 */
		size_t off = (size_t)(finer - text) + strlen("\"total\": \"20,120,000.00");
		char *copy = malloc(n + 2);
		memcpy(copy, text, off);
		copy[off] = '5';
		memcpy(copy + off + 1, text + off, n - off + 1);
		free(text);
		text = copy;
		finer = tu_write_temp(text, n + 1, ".json");
	}
	ck_assert_ptr_nonnull(doc = db_doc_load(finer, NULL, NULL));
	ck_assert_msg(db_import(db, &doc, 1, &err) == 0, "import: %s", err.text);
	db_doc_free(doc);
	t = total(db, &q);
	ck_assert_int_eq(t.fen, 8209679742 - 2012000000 + 662960000);
	ck_assert_uint_eq(t.inexact, 1);
	ck_assert_uint_eq(t.figures, 4 + 2);
	unlink(finer);
	free(finer);
	free(text);
	free(office);
	drop(db, path);
}
END_TEST

/* A row is 末级 on its own side: in the seed's 表一 (收支总表, sides income and expenditure)
 * the income row 财政拨款（补助） is given the codes 201 01 (an extension of 201 if sides
 * were ignored). The expenditure row 201 一般公共服务支出 662.96 万元 stays a 末级 figure, and
 * the coded income row, 700.94 万元, is one too; table 3's 201 (rows with no side: 类, 款,
 * 项) still sums its two 项 only, 307.1 + 355.86 = 662.96. */
START_TEST(test_leaf_rows_by_side)
{
	const char *seed = tu_env("BUDGETD_SEED");
	/* the first row of 表一, as the seed prints it */
	static const char from[] = "\"level\": 1,\n          \"name\": \"财政拨款（补助）\"";
	static const char to[] = "\"level\": 2, \"codes\": [\"201\", \"01\"],\n"
	                         "          \"name\": \"财政拨款（补助）\"";
	char *path, *text, *changed, *at, *copy;
	size_t n, off;
	struct db *db;
	struct db_agg_totals t;

	text = tu_read_file(seed, &n);
	ck_assert_ptr_nonnull(text);
	at = strstr(text, from);
	ck_assert_msg(at != NULL, "the seed's 表一 row is not where this test expects it");
	off = (size_t)(at - text);
	copy = malloc(n - strlen(from) + strlen(to) + 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, off);
	memcpy(copy + off, to, strlen(to));
	memcpy(copy + off + strlen(to), at + strlen(from), n - off - strlen(from) + 1);
	changed = tu_write_temp(copy, strlen(copy), ".json");
	db = store_with(&path, (const char *const[]){ changed }, 1);
	t = total(db, &(struct db_agg_query){ .measure = "table:budget_summary:expenditure",
	                                      .code = "201" });
	ck_assert_int_eq(t.fen, 662960000);
	ck_assert_uint_eq(t.figures, 1);
	t = total(
	    db, &(struct db_agg_query){ .measure = "table:budget_summary:income", .code = "201" });
	ck_assert_int_eq(t.fen, 700940000);
	ck_assert_uint_eq(t.figures, 1);
	t = total(db, &(struct db_agg_query){ .measure = "table:budget_expenditure:total",
	                                      .code = "201" });
	ck_assert_int_eq(t.fen, 662960000);
	ck_assert_uint_eq(t.figures, 2);
	unlink(changed);
	free(changed);
	free(copy);
	free(text);
	drop(db, path);
}
END_TEST

/* Sums are int64 fen: one that does not fit is an error, never a wrapped or rounded one
 * (two disclosures' sums of 9e18 fen each). */
START_TEST(test_overflow_is_an_error)
{
	const char *seed = tu_env("BUDGETD_SEED");
	char *office = data_path("putuo-govt-office-2025-budget-dept.json"), *path;
	struct db *db = store_with(&path, (const char *const[]){ seed, office }, 2);
	struct db_error err = { 0 };
	struct db_agg_totals t;
	sqlite3 *sql;

	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql,
	                              "UPDATE fact SET fen = 9000000000000000000 WHERE measure = "
	                              "'table:budget_expenditure:total' AND depth = 0",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(sql);
	ck_assert_int_eq(
	    db_aggregate(db, &(struct db_agg_query){ .measure = "table:budget_expenditure:total" },
	                 NULL, NULL, &t, &err),
	    -1);
	ck_assert_int_eq(err.code, DB_AGG_OVERFLOW);
	free(office);
	drop(db, path);
}
END_TEST

/* A version 2 store (made by main at f2b4d04) gains its facts when upgraded. */
START_TEST(test_upgraded_v2_store_has_facts)
{
	char *path;
	struct db_error err = { 0 };
	struct db_agg_totals t;
	struct db *db;
	int from;

	path = tu_fixture_copy("kashi-v2.sqlite");
	ck_assert_msg(db_upgrade(path, &from, &err) == 0, "upgrade: %s", err.text);
	ck_assert_int_eq(from, 2);
	db = db_open(path, false, &err);
	ck_assert_msg(db != NULL, "open: %s", err.text);
	t = total(db, &(struct db_agg_query){ .measure = "sangong" });
	ck_assert_int_eq(t.fen, 96800000); /* the seed's 96.80 万元 */
	t = total(db, &(struct db_agg_query){ .measure = "expenditure" });
	ck_assert_int_eq(t.fen, 700940000); /* 表一 支出总计 700.94 万元 */
	drop(db, path);
}
END_TEST

/* ---- a store built with db_set_bulk_build() (budgetctl import --fresh) ---- */

struct text {
	char *s;
	size_t len, cap;
};

static void append(struct text *t, const char *s, char end)
{
	size_t n = strlen(s);

	while (t->len + n + 2 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1 << 20;
		t->s = realloc(t->s, t->cap);
		ck_assert_ptr_nonnull(t->s);
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len++] = end;
	t->s[t->len] = '\0';
}

/* The rows q reads, appended to out (imported_at left out). */
static void dump_query(sqlite3 *sql, const char *q, struct text *out)
{
	sqlite3_stmt *st = NULL;

	ck_assert_msg(sqlite3_prepare_v2(sql, q, -1, &st, NULL) == SQLITE_OK, "%s: %s", q,
	              sqlite3_errmsg(sql));
	while (sqlite3_step(st) == SQLITE_ROW) {
		int n = sqlite3_column_count(st);
		for (int c = 0; c < n; c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			/* the one column that depends on the clock, not on the files */
			if (strcmp(sqlite3_column_name(st, c), "imported_at") == 0)
				v = "";
			append(out, v != NULL ? v : "NULL", c + 1 < n ? '|' : '\n');
		}
	}
	sqlite3_finalize(st);
}

/* The rows of table name in rowid order (a WITHOUT ROWID table's in primary key order),
 * appended to out (imported_at left out). */
static void dump_table(sqlite3 *sql, const char *name, struct text *out)
{
	char q[300];
	sqlite3_stmt *st = NULL;
	bool wr;

	ck_assert_int_eq(
	    sqlite3_prepare_v2(sql, "SELECT wr FROM pragma_table_list(?)", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	wr = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	if (wr)
		snprintf(q, sizeof(q), "SELECT * FROM \"%s\"", name);
	else
		snprintf(q, sizeof(q), "SELECT rowid, * FROM \"%s\" ORDER BY rowid", name);
	dump_query(sql, q, out);
}

/* The definition of every table and index of the store at path and every row of every table
 * (the search index's aside: search.c owns it), as one string (caller frees). */
static char *dump(const char *path)
{
	sqlite3 *sql = NULL, *names = NULL;
	sqlite3_stmt *t = NULL;
	struct text out = { 0 };

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_open_v2(path, &names, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_prepare_v2(names,
	                       "SELECT type, name, coalesce(sql, '') FROM sqlite_schema "
	                       "WHERE name NOT LIKE 'search%' ORDER BY type, name",
	                       -1, &t, NULL),
	    SQLITE_OK);
	while (sqlite3_step(t) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(t, 0);
		append(&out, (const char *)sqlite3_column_text(t, 2), '\n');
		if (strcmp(type, "table") == 0)
			dump_table(sql, (const char *)sqlite3_column_text(t, 1), &out);
	}
	sqlite3_finalize(t);
	sqlite3_close(sql);
	sqlite3_close(names);
	return out.s;
}

/* Every file of db/data (7 disclosures, 2 of them unit level, a 决算 among them), written in
 * one import, with or without bulk. */
static char *build(bool bulk)
{
	static const char *const names[] = {
		"kashi-urumqi-office-2021-budget.json",
		"putuo-commerce-2025-budget-dept.json",
		"putuo-commerce-2025-budget-unit.json",
		"putuo-cpc-social-work-2024-final-dept.json",
		"putuo-govt-office-2025-budget-dept.json",
		"putuo-govt-office-2025-budget-unit.json",
		"putuo-wanli-subdistrict-2024-budget-dept.json",
	};
	struct db_error err = { 0 };
	struct db_doc *docs[7];
	char *path = tu_temp_path(".sqlite"), *file;
	struct db *db = db_open(path, true, &err);

	ck_assert_msg(db != NULL, "open: %s", err.text);
	if (bulk)
		ck_assert_msg(db_set_bulk_build(db, &err) == 0, "bulk: %s", err.text);
	for (size_t i = 0; i < 7; i++) {
		file = data_path(names[i]);
		ck_assert_msg((docs[i] = db_doc_load(file, NULL, NULL)) != NULL, "%s", file);
		free(file);
	}
	ck_assert_msg(db_import(db, docs, 7, &err) == 0, "import: %s", err.text);
	for (size_t i = 0; i < 7; i++)
		db_doc_free(docs[i]);
	db_close(db);
	return path;
}

/* Bulk defers the fact index to the end of the import: the store it leaves holds the same
 * rows, facts (ids included) and index definitions as one written row by row. */
START_TEST(test_bulk_build_equals_row_by_row)
{
	char *plain = build(false), *bulk = build(true);
	char *a = dump(plain), *b = dump(bulk);

	ck_assert_ptr_nonnull(strstr(a, "CREATE INDEX fact_sum ON fact"));
	ck_assert_int_gt(tu_sql_int(bulk, "SELECT count(*) FROM fact"), 1000);
	ck_assert_int_eq(tu_sql_int(bulk, "SELECT count(*) FROM fact"),
	                 tu_sql_int(plain, "SELECT count(*) FROM fact"));
	ck_assert_msg(strcmp(a, b) == 0, "the bulk store differs");
	free(a);
	free(b);
	tu_unlink_store(plain);
	tu_unlink_store(bulk);
	free(plain);
	free(bulk);
}
END_TEST

/* A version 4 store upgraded is the store this build writes of the same files: every table's
 * and index's definition (version 5's WITHOUT ROWID tables, derived.sql's covering indexes
 * gone with the tables they covered, version 6's facts) and every row, the facts' ids
 * included (copied by the 5 -> 6 step, not derived again), imported_at
 * aside. tests/data/kashi-putuo-v4.sqlite: `budgetctl import --fresh` of these two files by
 * budgetd fda3dc2, the last version 4 build. */
START_TEST(test_upgraded_v4_store_is_a_new_one)
{
	static const char *const files[] = { "kashi-urumqi-office-2021-budget.json",
		                             "putuo-commerce-2025-budget-unit.json" };
	char *old, *fresh = tu_temp_path(".sqlite"), *a, *b, *f[2];
	struct db_error err = { 0 };
	struct tu_ctl r;
	int from;

	old = tu_fixture_copy("kashi-putuo-v4.sqlite");
	ck_assert_int_eq(tu_sql_int(old, "SELECT count(*) FROM row_amount"), 479);
	ck_assert_msg(db_upgrade(old, &from, &err) == 0, "upgrade: %s", err.text);
	ck_assert_int_eq(from, 4);
	ck_assert_int_eq(tu_sql_int(old, "PRAGMA user_version"), 6);
	for (int i = 0; i < 2; i++)
		f[i] = data_path(files[i]);
	r = tu_ctl("import", "--fresh", "--db", fresh, f[0], f[1], NULL);
	ck_assert_msg(r.status == 0, "import: %s", r.err);
	tu_ctl_done(&r);
	a = dump(old);
	b = dump(fresh);
	ck_assert_ptr_nonnull(strstr(a, "PRIMARY KEY (row_id, key)\n) WITHOUT ROWID"));
	ck_assert_ptr_null(strstr(a, "row_amount_read"));
	ck_assert_msg(strcmp(a, b) == 0, "the upgraded store differs");
	for (int i = 0; i < 2; i++)
		free(f[i]);
	free(a);
	free(b);
	tu_unlink_store(old);
	tu_unlink_store(fresh);
	free(old);
	free(fresh);
}
END_TEST

/* The sums per 类 (depth 1) and per disclosure (depth 0) of a table's 末级 rows, which facts.c
 * adds up itself, are what SQL's GROUP BY gives over the depth 3 rows, written in its order:
 * each disclosure's groups in ascending order (rowids), 类 before disclosure sums. */
START_TEST(test_sums_are_the_group_by)
{
	static const char cols[] =
	    "disclosure_id, department_id, edition, region_id, measure, class, code, "
	    "fen, figures, inexact, unit";
	static const char *const keys[] = { "substr(code, 1, 3)", "''" };
	char *path = build(false), q[1200];
	sqlite3 *sql;

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (int depth = 1; depth >= 0; depth--) {
		struct text written = { 0 }, grouped = { 0 };
		const char *key = keys[1 - depth];
		snprintf(q, sizeof(q),
		         "SELECT %s FROM fact WHERE depth = %d AND measure LIKE 'table:%%' "
		         "ORDER BY rowid",
		         cols, depth);
		dump_query(sql, q, &written);
		snprintf(
		    q, sizeof(q),
		    "SELECT disclosure_id, department_id, edition, region_id, measure, class, %s, "
		    "sum(fen), sum(figures), "
		    "sum(inexact), min(unit) FROM fact WHERE "
		    "depth = 3 GROUP BY disclosure_id, measure, class, %s "
		    "ORDER BY disclosure_id, measure, class, %s",
		    key, key, key);
		dump_query(sql, q, &grouped);
		ck_assert_uint_gt(written.len, 2000);
		ck_assert_msg(strcmp(written.s, grouped.s) == 0, "depth %d: the sums differ",
		              depth);
		free(written.s);
		free(grouped.s);
	}
	/* each disclosure's 类 sums come before its disclosure sums */
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM fact a JOIN fact b ON "
	                                  "b.disclosure_id = a.disclosure_id WHERE a.depth = 0 "
	                                  "AND b.depth = 1 AND b.id > a.id AND a.measure LIKE "
	                                  "'table:%'"),
	                 0);
	sqlite3_close(sql);
	tu_unlink_store(path);
	free(path);
}
END_TEST

/* The headline figure (revenue, expenditure, basic, project) of table type ty in disclosure
 * d, found as facts.c found it before issue #17's round 15, by statements that sort: the
 * first table of the type by position, its last total row (on side), then the first column
 * by position holding slice in the kind's measure, else in any. false when none. */
static bool sorted_headline(sqlite3 *sql, int64_t d, const char *ty, const char *side,
                            const char *slice, const char *measure, int64_t *value, char unit[16])
{
	sqlite3_stmt *t = NULL, *r = NULL, *c = NULL;
	bool found = false;

	ck_assert_int_eq(
	    sqlite3_prepare_v2(sql,
	                       "SELECT id, unit FROM budget_table WHERE disclosure_id = ?1 "
	                       "AND type = ?2 ORDER BY position LIMIT 1",
	                       -1, &t, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql,
	                                    "SELECT id, side FROM table_row WHERE table_id = ?1 "
	                                    "AND kind = 'total' AND (?2 IS NULL OR side = ?2) "
	                                    "ORDER BY position DESC LIMIT 1",
	                                    -1, &r, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_prepare_v2(sql,
	                       "SELECT c.key, c.measure, a.value FROM table_column c LEFT JOIN "
	                       "row_amount a ON a.row_id = ?2 AND a.key = c.key WHERE c.table_id "
	                       "= ?1 AND (?3 IS NULL OR c.side = ?3) ORDER BY c.position",
	                       -1, &c, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(t, 1, d);
	sqlite3_bind_text(t, 2, ty, -1, SQLITE_STATIC);
	if (sqlite3_step(t) == SQLITE_ROW) {
		sqlite3_bind_int64(r, 1, sqlite3_column_int64(t, 0));
		sqlite3_bind_text(r, 2, side, -1, SQLITE_STATIC);
	}
	if (sqlite3_data_count(t) > 0 && sqlite3_step(r) == SQLITE_ROW) {
		snprintf(unit, 16, "%s", (const char *)sqlite3_column_text(t, 1));
		sqlite3_bind_int64(c, 1, sqlite3_column_int64(t, 0));
		sqlite3_bind_int64(c, 2, sqlite3_column_int64(r, 0));
		sqlite3_bind_value(c, 3, sqlite3_column_value(r, 1));
		for (int pass = 0; pass < 2 && !found; pass++) {
			while (!found && sqlite3_step(c) == SQLITE_ROW) {
				found = sqlite3_column_type(c, 2) == SQLITE_INTEGER &&
				        db_column_is((const char *)sqlite3_column_text(c, 0),
				                     (const char *)sqlite3_column_text(c, 1), slice,
				                     pass == 0 ? measure : NULL);
				if (found)
					*value = sqlite3_column_int64(c, 2);
			}
			sqlite3_reset(c);
		}
	}
	sqlite3_finalize(t);
	sqlite3_finalize(r);
	sqlite3_finalize(c);
	return found;
}

/* The headline facts are the figures the sorting statements found (sorted_headline): facts.c
 * now takes the first table and column by position without a sort. db/data's 7 files. */
START_TEST(test_headlines_are_the_first_by_position)
{
	static const struct {
		const char *measure, *types[2], *side, *slice;
	} h[] = {
		{ "revenue", { "budget_summary", "final_summary" }, "income", NULL },
		{ "expenditure", { "budget_summary", "final_summary" }, "expenditure", NULL },
		{ "basic", { "budget_expenditure", "final_expenditure" }, NULL, "basic" },
		{ "project", { "budget_expenditure", "final_expenditure" }, NULL, "project" },
	};
	char *path = build(false);
	sqlite3 *sql;
	sqlite3_stmt *d = NULL, *f = NULL;
	int compared = 0;

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_prepare_v2(sql, "SELECT id, kind = 'final' FROM disclosure", -1, &d, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql,
	                                    "SELECT fen, count(*) FROM fact WHERE "
	                                    "disclosure_id = ?1 AND measure = ?2",
	                                    -1, &f, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(d) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(d, 0), value = 0;
		char unit[16] = "";
		bool final = sqlite3_column_int(d, 1) != 0;
		for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
			bool found = false;
			for (int k = 0; k < 2 && !found; k++)
				found = sorted_headline(sql, id, h[i].types[final ? 1 - k : k],
				                        h[i].side, h[i].slice,
				                        final ? "final" : "budget", &value, unit);
			sqlite3_bind_int64(f, 1, id);
			sqlite3_bind_text(f, 2, h[i].measure, -1, SQLITE_STATIC);
			ck_assert_int_eq(sqlite3_step(f), SQLITE_ROW);
			ck_assert_int_eq(sqlite3_column_int64(f, 1), found ? 1 : 0);
			/* db/data's headlines are in 万元 (millionths: fen) or in 元 to the fen */
			if (found) {
				ck_assert_msg(strcmp(unit, "万元") == 0 || strcmp(unit, "元") == 0,
				              "%s", unit);
				if (strcmp(unit, "元") == 0) {
					ck_assert_int_eq(value % 10000, 0);
					value /= 10000;
				}
				ck_assert_int_eq(sqlite3_column_int64(f, 0), value);
				compared++;
			}
			sqlite3_reset(f);
		}
	}
	ck_assert_int_ge(compared, 20);
	sqlite3_finalize(d);
	sqlite3_finalize(f);
	sqlite3_close(sql);
	tu_unlink_store(path);
	free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("facts");
	TCase *tc = tcase_create("facts");

	tcase_add_test(tc, test_facts_written_at_import);
	tcase_add_test(tc, test_facts_replaced_on_reimport);
	tcase_add_test(tc, test_region_follows_the_disclosure);
	tcase_add_test(tc, test_facts_go_with_their_disclosure);
	tcase_add_test(tc, test_units_converted_exactly);
	tcase_add_test(tc, test_leaf_rows_by_side);
	tcase_add_test(tc, test_overflow_is_an_error);
	tcase_add_test(tc, test_upgraded_v2_store_has_facts);
	tcase_add_test(tc, test_bulk_build_equals_row_by_row);
	tcase_add_test(tc, test_upgraded_v4_store_is_a_new_one);
	tcase_add_test(tc, test_sums_are_the_group_by);
	tcase_add_test(tc, test_headlines_are_the_first_by_position);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
