// SPDX-License-Identifier: MIT
// The store and the importer: the bundled disclosure survives a round trip figure by
// figure, re-imports replace, and every kind of bad input is refused with its message and
// location while the store stays exactly as it was.
#include "db.h"
#include "model.h"
#include "read_table.h"
#include "util.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- fixtures and helpers ---- */

static json_t *load_seed(void)
{
	json_error_t err;
	json_t *j = json_load_file(tu_env("BUDGETD_SEED"), 0, &err);

	ck_assert_msg(j != NULL, "seed: %s", err.text);
	return j;
}

/* Walks a path like "tables[2].rows[0].amounts" from root; NULL if it is not there. */
static json_t *at(json_t *root, const char *path)
{
	char buf[256], *tok, *save = NULL;
	json_t *j = root;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL && j != NULL;
	     tok = strtok_r(NULL, ".", &save)) {
		char *br = strchr(tok, '[');
		if (br != NULL)
			*br = '\0';
		if (*tok != '\0')
			j = json_object_get(j, tok);
		for (; br != NULL && j != NULL; br = strchr(br + 1, '['))
			j = json_array_get(j, strtoul(br + 1, NULL, 10));
	}
	return j;
}

struct errs {
	int n;
	struct db_error first;
	char all[8192];
};

static void collect(void *ctx, const struct db_error *e)
{
	struct errs *x = ctx;
	size_t len = strlen(x->all);

	if (x->n++ == 0)
		x->first = *e;
	snprintf(x->all + len, sizeof(x->all) - len, "%s:%d:%d: %s: %s\n", e->file, e->line,
	         e->column, e->path, e->text);
}

static struct db_doc *parse_text(const char *text, struct errs *e)
{
	memset(e, 0, sizeof(*e));
	return db_doc_parse(text, strlen(text), "test.json", collect, e);
}

static struct db_doc *parse_json(json_t *doc, struct errs *e)
{
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	struct db_doc *d = parse_text(text, e);

	free(text);
	return d;
}

static struct db_doc *good_doc(json_t *doc)
{
	struct errs e;
	struct db_doc *d = parse_json(doc, &e);

	ck_assert_msg(d != NULL, "document should be valid, got:\n%s", e.all);
	return d;
}

static struct db *fresh_store(char **path)
{
	struct db_error err = { 0 };
	struct db *db;

	*path = tu_temp_path(".sqlite");
	db = db_open(*path, true, &err);
	ck_assert_msg(db != NULL, "open: %s", err.text);
	return db;
}

static void import_ok(struct db *db, struct db_doc **docs, size_t n)
{
	struct db_error err = { 0 };

	ck_assert_msg(db_import(db, docs, n, &err) == 0, "import: %s: %s", err.file, err.text);
}

static void drop_store(struct db *db, char *path)
{
	db_close(db);
	tu_unlink_store(path);
	free(path);
}

/* The store's schema objects (name and SQL, in name order), as text. */
static char *schema_text(const char *path)
{
	sqlite3 *sql;
	sqlite3_stmt *st;
	size_t cap = 1 << 16, len = 0;
	char *out = calloc(1, cap);

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql,
	                                    "SELECT type, name, coalesce(sql, '') FROM "
	                                    "sqlite_schema ORDER BY name",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *row[3] = { (const char *)sqlite3_column_text(st, 0),
			               (const char *)sqlite3_column_text(st, 1),
			               (const char *)sqlite3_column_text(st, 2) };
		size_t n = strlen(row[0]) + strlen(row[1]) + strlen(row[2]) + 4;
		while (len + n + 1 > cap)
			out = realloc(out, cap *= 2);
		len += (size_t)snprintf(out + len, cap - len, "%s %s %s\n", row[0], row[1], row[2]);
	}
	sqlite3_finalize(st);
	sqlite3_close(sql);
	return out;
}

/* Every row of every table, as text: equal digests mean an unchanged store. */
static char *digest(const char *path)
{
	sqlite3 *sql;
	sqlite3_stmt *tables, *rows;
	size_t cap = 1 << 20, len = 0;
	char *out = calloc(1, cap), q[256];

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql,
	                                    "SELECT name FROM sqlite_schema WHERE type = 'table' "
	                                    "ORDER BY name",
	                                    -1, &tables, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		snprintf(q, sizeof(q), "SELECT * FROM \"%s\" ORDER BY rowid",
		         sqlite3_column_text(tables, 0));
		/* A WITHOUT ROWID table (the search index's) is read in its key's order. */
		if (sqlite3_prepare_v2(sql, q, -1, &rows, NULL) != SQLITE_OK) {
			*strstr(q, " ORDER BY") = '\0';
			ck_assert_int_eq(sqlite3_prepare_v2(sql, q, -1, &rows, NULL), SQLITE_OK);
		}
		while (sqlite3_step(rows) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(rows); c++) {
				const char *v = (const char *)sqlite3_column_text(rows, c);
				size_t n = strlen(v ? v : "NULL") + 2;
				if (len + n + 1 > cap)
					out = realloc(out, cap *= 2);
				len +=
				    (size_t)snprintf(out + len, cap - len, "%s|", v ? v : "NULL");
			}
			out[len++] = '\n';
			out[len] = '\0';
		}
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tables);
	sqlite3_close(sql);
	return out;
}

/* ---- round trip ---- */

static bool is_blank(const json_t *j)
{
	return j == NULL || json_is_null(j) || json_is_false(j) ||
	       (json_is_array(j) && json_array_size(j) == 0) ||
	       (json_is_object(j) && json_object_size(j) == 0);
}

/* How assert_same compares decimals: as published (false: the store keeps the decimals,
 * "96.80" must come back "96.80") or by value (true: a store upgraded from version 1, which
 * reads back canonical, "96.8"). */
static bool by_value;

static bool same_decimal(const char *a, const char *b)
{
	int64_t x, y;
	char printed[64];
	size_t n = 0;

	if (db_dec_parse_printed(a, true, &x) != 0 || db_dec_parse_printed(b, true, &y) != 0 ||
	    x != y)
		return false;
	if (by_value)
		return true;
	for (; *a != '\0' && n + 1 < sizeof(printed); a++) /* separators are not kept */
		if (*a != ',')
			printed[n++] = *a;
	printed[n] = '\0';
	return strcmp(printed, b) == 0;
}

/* Asserts that out says exactly what in says (decimals as published, without thousands
 * separators, or by value when by_value; absent, null, false and empty are the same).
 * Returns the leaves compared. */
static size_t assert_same(json_t *in, json_t *out, const char *path)
{
	char sub[512];
	const char *key;
	json_t *v;
	size_t i, n = 0;

	if (json_is_object(in)) {
		ck_assert_msg(json_is_object(out), "%s: object expected", path);
		json_object_foreach (in, key, v) {
			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			if (json_object_get(out, key) == NULL)
				ck_assert_msg(is_blank(v), "%s: lost in the store", sub);
			else
				n += assert_same(v, json_object_get(out, key), sub);
		}
		json_object_foreach (out, key, v)
			ck_assert_msg(json_object_get(in, key) != NULL || is_blank(v),
			              "%s.%s: appeared from nowhere", path, key);
		return n;
	}
	if (json_is_array(in)) {
		ck_assert_msg(json_is_array(out) && json_array_size(in) == json_array_size(out),
		              "%s: array length differs", path);
		json_array_foreach (in, i, v) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			n += assert_same(v, json_array_get(out, i), sub);
		}
		return n;
	}
	if (json_is_string(in) && json_is_string(out) &&
	    same_decimal(json_string_value(in), json_string_value(out)))
		return 1;
	ck_assert_msg(json_equal(in, out), "%s: %s became %s", path,
	              json_dumps(in, JSON_ENCODE_ANY), json_dumps(out, JSON_ENCODE_ANY));
	return 1;
}

/* What the exporter must write for the (format 1) seed: format 2, each table's number as its
 * position, its type (from the contract's table of Kashgar's 表一..表九) and the document's
 * unit, level department. Written out here, not derived by the code under test. */
static json_t *seed_as_v2(json_t *seed)
{
	static const char *const types[] = {
		"budget_summary",        "budget_income",           "budget_expenditure",
		"budget_fiscal_summary", "budget_general_function", "budget_general_basic_economic",
		"budget_project",        "budget_sangong",          "budget_fund_function"
	};
	json_t *v2 = json_deep_copy(seed), *t;
	size_t i;

	json_object_set_new(v2, "format", json_string("budgetd-disclosure/2"));
	json_object_set_new(v2, "level", json_string("department"));
	json_array_foreach (json_object_get(v2, "tables"), i, t) {
		json_int_t n = json_integer_value(json_object_get(t, "number"));
		ck_assert_int_eq(n, (json_int_t)i + 1);
		json_object_set_new(t, "position", json_integer(n));
		json_object_del(t, "number");
		json_object_set_new(t, "type", json_string(types[i]));
		ck_assert_ptr_null(json_object_get(t, "unit"));
		json_object_set_new(t, "unit", json_string("万元"));
	}
	return v2;
}

/* Whether running sql (one INSERT) builds a temporary b-tree: SQLite does so for every row
 * whose CHECK has an IN list of three or more values. */
static bool insert_builds_btree(sqlite3 *sql, const char *insert)
{
	char explain[8300];
	sqlite3_stmt *st;
	bool found = false;

	snprintf(explain, sizeof(explain), "EXPLAIN %s", insert);
	ck_assert_msg(sqlite3_prepare_v2(sql, explain, -1, &st, NULL) == SQLITE_OK, "%s: %s",
	              insert, sqlite3_errmsg(sql));
	while (sqlite3_step(st) == SQLITE_ROW)
		found |= strcmp((const char *)sqlite3_column_text(st, 1), "OpenEphemeral") == 0;
	sqlite3_finalize(st);
	return found;
}

/* No row an import writes pays for a temporary b-tree: the store's CHECKs spell their
 * allowed values out with OR (issue #17: 8 % of an import's instructions went to building
 * one for each row of nine tables), and still refuse a value outside them. Red with any
 * CHECK (x IN (a, b, c)) in schema.sql or derived.sql. */
START_TEST(test_inserts_build_no_temporary_btree)
{
	char *path, insert[8192];
	struct db *db = fresh_store(&path);
	sqlite3 *sql, *names;
	sqlite3_stmt *t, *c;
	int tables = 0;

	db_close(db);
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_open(path, &names), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(names,
	                                    "SELECT name FROM sqlite_schema WHERE type = 'table' "
	                                    "AND sql LIKE 'CREATE TABLE %' ORDER BY name",
	                                    -1, &t, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(names,
	                                    "SELECT name FROM pragma_table_info(?) WHERE name <> "
	                                    "'id'",
	                                    -1, &c, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(t) == SQLITE_ROW) {
		const char *table = (const char *)sqlite3_column_text(t, 0);
		size_t n = (size_t)snprintf(insert, sizeof(insert), "INSERT INTO \"%s\" (", table);
		int cols = 0;
		sqlite3_bind_text(c, 1, table, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(c) == SQLITE_ROW && n < sizeof(insert) - 300)
			n += (size_t)snprintf(insert + n, sizeof(insert) - n, "%s\"%s\"",
			                      cols++ ? ", " : "", sqlite3_column_text(c, 0));
		sqlite3_reset(c);
		n += (size_t)snprintf(insert + n, sizeof(insert) - n, ") VALUES (");
		for (int k = 0; k < cols && n < sizeof(insert) - 8; k++)
			n += (size_t)snprintf(insert + n, sizeof(insert) - n, "%s?", k ? ", " : "");
		snprintf(insert + n, sizeof(insert) - n, ")");
		ck_assert_msg(!insert_builds_btree(sql, insert), "%s builds a temporary b-tree",
		              insert);
		tables++;
	}
	ck_assert_int_ge(tables, 40);
	sqlite3_finalize(t);
	sqlite3_finalize(c);
	/* the rewritten CHECK still holds */
	ck_assert_int_ne(sqlite3_exec(sql,
	                              "INSERT INTO staffing (disclosure_id, position, category, "
	                              "label, count) VALUES (1, 0, 'volunteers', 'x', 1)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	ck_assert_int_eq(sqlite3_extended_errcode(sql), SQLITE_CONSTRAINT_CHECK);
	sqlite3_close(names);
	sqlite3_close(sql);
	tu_unlink_store(path);
	free(path);
}
END_TEST

START_TEST(test_round_trip_every_figure)
{
	json_t *seed = load_seed(), *want = seed_as_v2(seed);
	struct db_doc *doc = good_doc(seed);
	struct db_error err = { 0 };
	char *path;
	struct db *db = fresh_store(&path);
	json_t *out;
	size_t leaves;

	import_ok(db, &doc, 1);
	out = db_export(db, "kashi-urumqi-office", 2021, "budget", "department", &err);
	ck_assert_msg(out != NULL, "export: %s", err.text);
	leaves = assert_same(want, out, "$");
	ck_assert_msg(leaves > 2000, "only %zu values compared", leaves);
	json_decref(out);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
	json_decref(want);
}
END_TEST

/* A published total, read straight from SQLite as an integer of millionths. */
static int64_t table_total(const char *path, int table, const char *row, const char *col)
{
	char q[512];

	snprintf(q, sizeof(q),
	         "SELECT a.value FROM row_amount a JOIN table_row r ON r.id = a.row_id "
	         "JOIN budget_table t ON t.id = r.table_id WHERE t.number = %d AND %s AND "
	         "a.key = '%s'",
	         table, row, col);
	return tu_sql_int(path, q);
}

START_TEST(test_published_totals_stored_exactly)
{
	json_t *seed = load_seed();
	struct db_doc *doc = good_doc(seed);
	char *path;
	struct db *db = fresh_store(&path);

	import_ok(db, &doc, 1);
	ck_assert_int_eq(table_total(path, 3, "r.name = '合计'", "total"), 700940000);
	ck_assert_int_eq(table_total(path, 3, "r.name = '合计'", "basic"), 345080000);
	ck_assert_int_eq(table_total(path, 3, "r.name = '合计'", "project"), 355860000);
	ck_assert_int_eq(table_total(path, 8, "r.kind = 'total'", "total"), 96800000);
	ck_assert_int_eq(table_total(path, 6, "r.name = '合计'", "personnel"), 309320000);
	ck_assert_int_eq(table_total(path, 2, "r.code3 = '50'", "total"), 307100000);
	ck_assert_int_eq(tu_sql_int(path, "SELECT sum(amount) FROM project WHERE withheld = 1"),
	                 233560000);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM project WHERE withheld = 1"), 4);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM budget_table"), 9);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM glossary_term"), 8);
	ck_assert_int_eq(
	    tu_sql_int(path, "SELECT number FROM indicator WHERE value = '≥2375.48平方米'"),
	    2375480000);
	/* 表九 is empty but keeps its title and note. */
	ck_assert_int_eq(tu_sql_int(path,
	                            "SELECT count(*) FROM budget_table WHERE number = 9 AND "
	                            "note LIKE '备注：%' AND title = '政府性基金预算支出情况表'"),
	                 1);
	/* No figure anywhere is stored as a floating-point value. */
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM row_amount WHERE typeof(value) <> "
	                                  "'integer'"),
	                 0);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

START_TEST(test_reimport_replaces_and_keeps_ids)
{
	json_t *seed = load_seed();
	struct db_doc *first = good_doc(seed), *second;
	struct db_error err = { 0 };
	char *path;
	struct db *db = fresh_store(&path);
	int64_t dep, rows;
	json_t *out;

	import_ok(db, &first, 1);
	dep = tu_sql_int(path, "SELECT id FROM department WHERE slug = 'kashi-urumqi-office'");
	rows = tu_sql_int(path, "SELECT count(*) FROM table_row");
	json_object_set_new(at(seed, "tables[2].rows[11].amounts"), "total", json_string("701"));
	json_array_remove(at(seed, "glossary"), 7);
	second = good_doc(seed);
	import_ok(db, &second, 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure"), 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT id FROM department"), dep);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM table_row"), rows);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM glossary_term"), 7);
	out = db_export(db, "kashi-urumqi-office", 2021, "budget", "department", &err);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(json_string_value(at(out, "tables[2].rows[11].amounts.total")), "701");
	ck_assert_str_eq(json_string_value(at(out, "projects[0].id")), "business-operations");
	json_decref(out);
	db_doc_free(first);
	db_doc_free(second);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

/* A list with nothing below it is written in batches (db/import.c queue_row(): 16 rows to an
 * INSERT, the rest 4 and 1 at a time). Every length keeps its rows, in order, with ids in
 * that order, in a new disclosure and in one that replaces it. */
START_TEST(test_leaf_list_batches_keep_rows_in_order)
{
	static const size_t lengths[] = { 1, 3, 4, 5, 15, 16, 17, 20, 21, 36, 37, 2 };
	json_t *seed = load_seed(), *sec;
	struct db_error err = { 0 };
	char *path;
	struct db *db = fresh_store(&path);
	size_t i;

	/* The first section's paragraphs are then the only ones: the list's whole batch. */
	json_array_foreach (at(seed, "explanations"), i, sec)
		json_object_del(sec, "paragraphs");
	for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++) {
		json_t *paras = json_array(), *out;
		struct db_doc *doc;
		char text[64];

		for (i = 0; i < lengths[k]; i++) {
			snprintf(text, sizeof(text), "第%zu段。", i);
			json_array_append_new(paras, json_string(text));
		}
		json_object_set(at(seed, "explanations[0]"), "paragraphs", paras);
		doc = good_doc(seed);
		import_ok(db, &doc, 1);
		out = db_export(db, "kashi-urumqi-office", 2021, "budget", "department", &err);
		ck_assert_msg(out != NULL, "export: %s", err.text);
		ck_assert_msg(json_equal(at(out, "explanations[0].paragraphs"), paras),
		              "%zu paragraphs", lengths[k]);
		ck_assert_int_eq(tu_sql_int(path,
		                            "SELECT count(*) FROM explanation_paragraph a "
		                            "JOIN explanation_paragraph b ON a.explanation_id "
		                            "= b.explanation_id AND a.position < b.position "
		                            "WHERE a.id > b.id"),
		                 0);
		ck_assert_int_eq(tu_sql_int(path, "SELECT max(id) - min(id) + 1 FROM "
		                                  "explanation_paragraph"),
		                 (int64_t)lengths[k]);
		json_decref(out);
		json_decref(paras);
		db_doc_free(doc);
	}
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

static bool no_rows(const json_t *t, void *arg)
{
	(void)t;
	(void)arg;
	return false;
}

static json_t *part_of(struct db *db, const struct db_export_sel *sel)
{
	struct db_error err = { 0 };
	json_t *out =
	    db_export_part(db, "kashi-urumqi-office", 2021, "budget", "department", sel, &err);

	ck_assert_msg(out != NULL, "export: %s", err.text);
	return out;
}

static bool total_row(const json_t *row)
{
	const char *kind = json_string_value(json_object_get(row, "kind"));

	return kind != NULL && strcmp(kind, "total") == 0;
}

/* An answer about the 三公 figures, one table or one project reads that part of the
 * disclosure, exactly as the whole export has it, and nothing else: no projects behind
 * /sangong, no other table behind /tables/6. */
START_TEST(test_export_part_reads_only_its_part)
{
	json_t *seed = load_seed();
	struct db_doc *doc = good_doc(seed);
	struct db_error err = { 0 };
	char *path;
	struct db *db = fresh_store(&path);
	json_t *full, *part, *t;
	size_t i;

	import_ok(db, &doc, 1);
	full = db_export(db, "kashi-urumqi-office", 2021, "budget", "department", &err);
	ck_assert_msg(full != NULL, "export: %s", err.text);

	/* every part: the whole export */
	part = part_of(db, &(struct db_export_sel){ .parts = ~0u });
	ck_assert(json_equal(part, full));
	json_decref(part);

	/* /sangong: the 三公 object, and each table's own fields without its rows */
	part = part_of(db, &(struct db_export_sel){ .parts = DB_PART_SANGONG | DB_PART_TABLES,
	                                            .table_rows = no_rows });
	ck_assert(json_equal(json_object_get(part, "sangong"), json_object_get(full, "sangong")));
	ck_assert(json_equal(json_object_get(part, "title"), json_object_get(full, "title")));
	ck_assert_int_eq(json_array_size(json_object_get(part, "tables")), 9);
	json_array_foreach (json_object_get(part, "tables"), i, t) {
		json_t *whole = json_array_get(json_object_get(full, "tables"), i);
		ck_assert_ptr_null(json_object_get(t, "rows"));
		ck_assert_ptr_null(json_object_get(t, "columns"));
		ck_assert(json_equal(json_object_get(t, "title"), json_object_get(whole, "title")));
		ck_assert(
		    json_equal(json_object_get(t, "position"), json_object_get(whole, "position")));
	}
	ck_assert_ptr_null(json_object_get(part, "projects"));
	ck_assert_ptr_null(json_object_get(part, "explanations"));
	ck_assert_ptr_null(json_object_get(part, "glossary"));
	json_decref(part);

	/* /tables/6: that table whole, no other */
	part = part_of(db, &(struct db_export_sel){ .parts = DB_PART_TABLES, .table = 6 });
	ck_assert_int_eq(json_array_size(json_object_get(part, "tables")), 1);
	ck_assert(json_equal(json_array_get(json_object_get(part, "tables"), 0),
	                     json_array_get(json_object_get(full, "tables"), 5)));
	ck_assert_ptr_null(json_object_get(part, "projects"));
	ck_assert_ptr_null(json_object_get(part, "sangong"));
	json_decref(part);

	/* /projects/{id}: that project whole, with the withheld figures */
	t = json_array_get(json_object_get(full, "projects"), 1);
	part = part_of(
	    db, &(struct db_export_sel){ .parts = DB_PART_PROJECTS | DB_PART_WITHHELD,
	                                 .project = json_string_value(json_object_get(t, "id")) });
	ck_assert_int_eq(json_array_size(json_object_get(part, "projects")), 1);
	ck_assert(json_equal(json_array_get(json_object_get(part, "projects"), 0), t));
	ck_assert(json_equal(json_object_get(part, "withheld"), json_object_get(full, "withheld")));
	ck_assert_ptr_null(json_object_get(part, "tables"));
	json_decref(part);

	/* the disclosure's headline totals (#17): every table, its rows only the total rows,
	 * as the whole export has them, in order; counted from the data file itself */
	part = part_of(db,
	               &(struct db_export_sel){ .parts = DB_PART_TABLES, .total_rows_only = true });
	size_t totals = 0, k;
	json_t *r, *seed_t;
	json_array_foreach (json_object_get(seed, "tables"), i, seed_t)
		json_array_foreach (json_object_get(seed_t, "rows"), k, r)
			totals +=
			    json_is_string(json_object_get(r, "kind")) &&
			    strcmp(json_string_value(json_object_get(r, "kind")), "total") == 0;
	ck_assert_uint_gt(totals, 3);
	ck_assert_int_eq(json_array_size(json_object_get(part, "tables")), 9);
	json_array_foreach (json_object_get(part, "tables"), i, t) {
		json_t *whole = json_array_get(json_object_get(full, "tables"), i), *want;
		want = json_deep_copy(whole);
		json_t *rows = json_array(), *wr;
		json_array_foreach (json_object_get(whole, "rows"), k, wr)
			if (total_row(wr))
				json_array_append(rows, wr);
		json_object_set_new(want, "rows", rows);
		ck_assert_msg(json_equal(t, want), "table %zu: not its total rows", i);
		totals -= json_array_size(json_object_get(t, "rows"));
		json_decref(want);
	}
	ck_assert_uint_eq(totals, 0);
	json_decref(part);

	json_decref(full);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

static char *total_of(struct db *db)
{
	struct db_error err = { 0 };
	json_t *out = db_export(db, "kashi-urumqi-office", 2021, "budget", "department", &err);
	char *total;

	ck_assert_msg(out != NULL, "export: %s", err.text);
	total = strdup(json_string_value(at(out, "tables[2].rows[11].amounts.total")));
	json_decref(out);
	return total;
}

/* The daemon builds each answer inside db_read_begin/db_read_end: an import committed by
 * another connection in the middle must not show, so no answer mixes old and new figures
 * (the live HTTP test can only hope to hit that moment; this makes it happen). */
START_TEST(test_read_snapshot_hides_a_concurrent_import)
{
	json_t *seed = load_seed();
	struct db_doc *first = good_doc(seed), *second;
	struct db_error err = { 0 };
	char *path, *t;
	struct db *db = fresh_store(&path), *reader;

	import_ok(db, &first, 1);
	reader = db_open(path, false, &err);
	ck_assert_msg(reader != NULL, "open: %s", err.text);
	ck_assert_int_eq(db_read_begin(reader), 0);
	ck_assert_str_eq(t = total_of(reader), "700.94");
	free(t);
	json_object_set_new(at(seed, "tables[2].rows[11].amounts"), "total", json_string("701"));
	second = good_doc(seed);
	import_ok(db, &second, 1); /* WAL: the writer commits while the reader is inside */
	ck_assert_str_eq(t = total_of(reader), "700.94");
	free(t);
	db_read_end(reader);
	ck_assert_str_eq(t = total_of(reader), "701");
	free(t);
	db_close(reader);
	db_doc_free(first);
	db_doc_free(second);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

/* The latest import's time as a kept connection reads it (db_modified). */
static int64_t latest_import(struct db *ro)
{
	struct db_error err = { 0 };
	int64_t t = -1;

	ck_assert_int_eq(db_modified(ro, NULL, 0, NULL, NULL, &t, &err), 0);
	return t;
}

/* #17: a kept read transaction (db_read_keep) outlives db_read_end() and keeps the store's
 * shared lock: that is the point (the next request takes no lock) and the risk (an import's
 * commit waits for it). db_read_end_soon() ends it at once when nobody is reading, else at
 * the reader's next db_read_begin(), which then reads what was committed meanwhile. */
START_TEST(test_kept_read_transaction_ends_when_asked)
{
	static const char update[] = "UPDATE disclosure SET imported_at = imported_at + 1";
	json_t *seed = load_seed();
	struct db_doc *doc = good_doc(seed);
	struct db_error err = { 0 };
	char *path;
	struct db *db = fresh_store(&path), *ro;
	int64_t t0;
	sqlite3 *w;

	import_ok(db, &doc, 1);
	/* as budgetctl leaves a store: a rollback journal, where a reader's lock stops a commit */
	ck_assert_int_eq(db_set_rollback_journal(db, &err), 0);
	ro = db_open(path, false, &err);
	ck_assert_msg(ro != NULL, "open: %s", err.text);
	ck_assert_int_eq(db_read_keep(ro), 0);
	ck_assert_int_eq(db_read_keep(db), -1); /* a writer's transactions are its own */
	ck_assert_int_eq(sqlite3_open(path, &w), SQLITE_OK);
	sqlite3_busy_timeout(w, 50);

	ck_assert_int_eq(db_read_begin(ro), 0);
	t0 = latest_import(ro);
	db_read_end(ro);
	ck_assert_int_eq(sqlite3_exec(w, update, NULL, NULL, NULL), SQLITE_BUSY);
	db_read_end_soon(ro); /* nobody reads: ended now */
	ck_assert_int_eq(sqlite3_exec(w, update, NULL, NULL, NULL), SQLITE_OK);

	ck_assert_int_eq(db_read_begin(ro), 0);
	ck_assert_int_eq(latest_import(ro), t0 + 1);
	db_read_end_soon(ro); /* a request reads (this thread holds the lock): not now */
	db_read_end(ro);
	ck_assert_int_eq(sqlite3_exec(w, update, NULL, NULL, NULL), SQLITE_BUSY);
	ck_assert_int_eq(db_read_begin(ro), 0); /* ends the asked one, begins anew */
	ck_assert_int_eq(sqlite3_exec(w, update, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(latest_import(ro), t0 + 2);
	db_read_end(ro);

	/* not asked: the next request reads the same snapshot, and a commit still waits */
	ck_assert_int_eq(db_read_begin(ro), 0);
	ck_assert_int_eq(latest_import(ro), t0 + 2);
	db_read_end(ro);
	ck_assert_int_eq(sqlite3_exec(w, update, NULL, NULL, NULL), SQLITE_BUSY);
	db_read_end_soon(ro);
	ck_assert_int_eq(sqlite3_exec(w, update, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(w), SQLITE_OK);
	db_close(ro);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

static int collect_department(void *ctx, const struct db_department *d)
{
	char *buf = ctx;
	size_t len = strlen(buf);

	len += (size_t)snprintf(buf + len, 1024 - len, "%s:", d->id);
	for (size_t i = 0; i < d->n_years; i++)
		len += (size_t)snprintf(buf + len, 1024 - len, "%d,", d->years[i]);
	snprintf(buf + len, 1024 - len, "%s;", d->name);
	return 0;
}

START_TEST(test_many_departments_years_and_kinds)
{
	json_t *seed = load_seed(), *other = json_deep_copy(seed), *final = json_deep_copy(seed);
	struct db_doc *docs[3];
	struct db_error err = { 0 };
	char *path, listing[1024] = "";
	struct db *db = fresh_store(&path);
	json_t *out;

	json_object_set_new(at(other, "department"), "id", json_string("another-office"));
	json_object_set_new(at(other, "department"), "name", json_string("另一个部门"));
	json_object_set_new(other, "year", json_integer(2022));
	json_object_set_new(final, "kind", json_string("final"));
	docs[0] = good_doc(seed);
	docs[1] = good_doc(other);
	docs[2] = good_doc(final);
	import_ok(db, docs, 3);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure"), 3);
	ck_assert_int_eq(db_departments(db, NULL, collect_department, listing, NULL, &err), 0);
	ck_assert_str_eq(
	    listing, "another-office:2022,另一个部门;"
	             "kashi-urumqi-office:2021,新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处;");
	out = db_export(db, "kashi-urumqi-office", 2021, "final", "department", &err);
	ck_assert_ptr_nonnull(out);
	json_decref(out);
	ck_assert_ptr_null(
	    db_export(db, "kashi-urumqi-office", 2020, "budget", "department", &err));
	ck_assert_int_eq(err.code, DB_NOT_FOUND);
	for (int i = 0; i < 3; i++)
		db_doc_free(docs[i]);
	drop_store(db, path);
	json_decref(seed);
	json_decref(other);
	json_decref(final);
}
END_TEST

/* One import of many files still refuses a second file for a disclosure it has seen, early or
 * late: 135 departments (more than the 128 the import's table of seen disclosures holds before
 * it grows), then the first one's file again, then the last one's. */
/* 表三's 合计 (row 11's total) of office's 2021 budget, read by db_read_table(), which finds
 * the disclosure through the connection's map (db/dmap.c). A malloc'd string. */
static char *table3_total(struct db *db, const char *office)
{
	struct db_table t;
	struct db_error err;
	bool missing;
	char *total = NULL;

	ck_assert_int_eq(db_read_begin(db), 0);
	ck_assert_msg(
	    db_read_table(db, office, 2021, "budget", "department", 3, &t, &err, &missing) == 0,
	    "%s: %s", office, err.text);
	db_read_end(db);
	ck_assert_uint_gt(t.n_rows, 11);
	for (size_t k = 0; k < t.rows[11].n_amounts; k++) {
		const struct db_tfig *f = &t.figs[t.rows[11].amounts + k];
		if (strcmp(f->key, "total") == 0)
			total = strdup(f->text);
	}
	db_table_free(&t);
	ck_assert_ptr_nonnull(total);
	return total;
}

static struct db_doc *office_doc(json_t *seed, int i, const char *total)
{
	char id[32];

	snprintf(id, sizeof(id), "office-%d", i);
	json_object_set_new(at(seed, "department"), "id", json_string(id));
	json_object_set_new(at(seed, "tables[2].rows[11].amounts"), "total", json_string(total));
	return good_doc(seed);
}

/* #17, round 4: a read-only connection keeps the disclosures it looked up, and all of them
 * after 64 misses (db/dmap.c), until PRAGMA data_version moves. Each of 70 offices has its
 * own 合计, so each read must get its own disclosure, before the map is filled and after;
 * and a disclosure another connection imports again (a new id) or anew must show at the
 * next read. */
START_TEST(test_disclosure_map_follows_imports)
{
	json_t *seed = load_seed();
	struct db_doc *docs[71];
	char *path, office[32], want[32], *t;
	struct db *db = fresh_store(&path), *reader;
	struct db_error err = { 0 };
	int64_t at1, at2;

	for (int i = 0; i < 70; i++) {
		snprintf(want, sizeof(want), "%d.94", 1000 + i);
		docs[i] = office_doc(seed, i, want);
	}
	import_ok(db, docs, 70);
	reader = db_open(path, false, &err);
	ck_assert_msg(reader != NULL, "open: %s", err.text);
	for (int pass = 0; pass < 2; pass++) { /* the 64th read fills the map */
		for (int i = 0; i < 70; i++) {
			snprintf(office, sizeof(office), "office-%d", i);
			snprintf(want, sizeof(want), "%d.94", 1000 + i);
			ck_assert_str_eq(t = table3_total(reader, office), want);
			free(t);
		}
	}
	ck_assert_int_eq(db_modified(reader, "office-5", 2021, "budget", "department", &at1, &err),
	                 0);
	db_doc_free(docs[5]);
	docs[5] = office_doc(seed, 5, "2000.94");
	docs[70] = office_doc(seed, 70, "3000.94");
	import_ok(db, &docs[5], 1);
	import_ok(db, &docs[70], 1);
	ck_assert_str_eq(t = table3_total(reader, "office-5"), "2000.94");
	free(t);
	ck_assert_str_eq(t = table3_total(reader, "office-70"), "3000.94");
	free(t);
	ck_assert_int_eq(db_modified(reader, "office-5", 2021, "budget", "department", &at2, &err),
	                 0);
	ck_assert_int_eq(at2, tu_sql_int(path, "SELECT d.imported_at FROM disclosure d JOIN "
	                                       "department p ON p.id = d.department_id WHERE "
	                                       "p.slug = 'office-5'"));
	ck_assert_int_eq(db_modified(reader, "office-71", 2021, "budget", "department", &at2, &err),
	                 -1);
	ck_assert_int_eq(err.code, DB_NOT_FOUND);
	ck_assert_str_eq(err.text, "no such disclosure");
	db_close(reader);
	for (int i = 0; i < 71; i++)
		db_doc_free(docs[i]);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

START_TEST(test_many_files_still_refuse_a_second_for_one_disclosure)
{
	json_t *seed = load_seed();
	struct db_doc *docs[135], *again;
	struct db_error err = { 0 };
	struct db_import *im;
	char *path, id[64];
	struct db *db = fresh_store(&path);

	for (size_t i = 0; i < 135; i++) {
		snprintf(id, sizeof(id), "office-%zu", i);
		json_object_set_new(at(seed, "department"), "id", json_string(id));
		docs[i] = good_doc(seed);
	}
	im = db_import_begin(db, &err);
	ck_assert_ptr_nonnull(im);
	for (size_t i = 0; i < 135; i++)
		ck_assert_msg(db_import_add(im, docs[i], &err) == 0, "%zu: %s", i, err.text);
	for (size_t k = 0; k < 2; k++) {
		snprintf(id, sizeof(id), "office-%d", k == 0 ? 0 : 134);
		json_object_set_new(at(seed, "department"), "id", json_string(id));
		again = good_doc(seed);
		ck_assert_int_eq(db_import_add(im, again, &err), -1);
		ck_assert_int_eq(err.code, DB_DUPLICATE);
		ck_assert_msg(strstr(err.text, id) != NULL, "%s", err.text);
		db_doc_free(again);
		err.code = 0;
	}
	db_import_abort(im);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure"), 0);
	for (size_t i = 0; i < 135; i++)
		db_doc_free(docs[i]);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

/* ---- all or nothing ---- */

START_TEST(test_failed_import_leaves_store_unchanged)
{
	json_t *seed = load_seed(), *other = json_deep_copy(seed);
	struct db_doc *docs[2];
	struct db_error err = { 0 };
	char *path, *before, *after;
	struct db *db = fresh_store(&path);
	sqlite3 *sql;

	docs[0] = good_doc(seed);
	import_ok(db, docs, 1);
	/* Sabotage: the store refuses one glossary term, which only the second file has. The
	 * first file (a new department) must not land either. */
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql,
	                              "CREATE TRIGGER boom BEFORE INSERT ON glossary_term WHEN "
	                              "NEW.term = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(sql);
	before = digest(path);
	json_object_set_new(at(other, "department"), "id", json_string("another-office"));
	db_doc_free(docs[0]);
	docs[0] = good_doc(other);
	json_object_set_new(at(seed, "glossary[0]"), "term", json_string("boom"));
	docs[1] = good_doc(seed);
	ck_assert_int_eq(db_import(db, docs, 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "boom"));
	after = digest(path);
	ck_assert_str_eq(before, after);
	/* Two files for one disclosure are refused before anything is written. */
	db_doc_free(docs[1]);
	docs[1] = good_doc(other);
	ck_assert_int_eq(db_import(db, docs, 2, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.text, "same disclosure"));
	free(after);
	after = digest(path);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	db_doc_free(docs[0]);
	db_doc_free(docs[1]);
	drop_store(db, path);
	json_decref(seed);
	json_decref(other);
}
END_TEST

/* ---- bad input, one case per kind ---- */

struct bad_case {
	const char *name;
	void (*mutate)(json_t *root);
	const char *path; /* expected JSON path of the first error */
	const char *message; /* expected part of its text */
};

#define SET(fn, where, key, value)                             \
	static void fn(json_t *r)                              \
	{                                                      \
		ck_assert_ptr_nonnull(at(r, where));           \
		json_object_set_new(at(r, where), key, value); \
	}

static void del_title(json_t *r)
{
	json_object_del(r, "title");
}
SET(year_as_string, "", "year", json_string("2021"))
SET(table_hundred, "tables[0]", "number", json_integer(100))
SET(negative_amount, "projects[0]", "amount", json_string("-700.94"))
SET(text_amount, "tables[2].rows[0].amounts", "total", json_string("七百"))
SET(number_amount, "tables[2].rows[0].amounts", "total", json_real(700.94))
SET(long_decimal, "tables[2].rows[0].amounts", "total", json_string("1.1234567"))
SET(unknown_column, "tables[2].rows[0].amounts", "bogus", json_string("1"))
SET(duplicate_number, "tables[1]", "number", json_integer(1))
SET(named_withheld, "projects[5]", "name", json_string("某项目"))
SET(unknown_field, "", "titel", json_string("x"))
SET(bad_indicator, "projects[0].performance.indicators[0]", "number", json_string("2375.49"))
SET(missing_project, "tables[6].rows[3]", "project", json_string("no-such-project"))
SET(bad_code, "tables[1].rows[1]", "codes", json_pack("[s]", "2O1"))
SET(bad_date, "", "published", json_string("2021-02-30"))
SET(bad_slug, "department", "id", json_string("Kashi Office"))
SET(level_mismatch, "tables[1].rows[3]", "level", json_integer(1))
SET(null_field, "department", "region", json_null())
SET(no_columns, "tables[8]", "columns", json_array())

SET(odd_table_unit, "tables[3]", "unit", json_string("元/人"))
SET(odd_doc_unit, "", "unit", json_string("万元（人民币）"))

/* Issue 13, point 7: invisible characters in names reach terminals and pages. */
SET(name_bel, "department", "name", json_string("喀什\a办事处"))
SET(title_esc, "tables[0]", "title", json_string("\x1b[2J部门收支总体情况表"))
SET(row_crlf, "tables[1].rows[1]", "name", json_string("一般公共\r\n服务支出"))
SET(name_tab, "department", "short_name", json_string("驻乌\t办"))
SET(name_rlo, "department", "region", json_string("\u202e喀什"))
SET(title_isolate, "explanations[0]", "title", json_string("说明\u2066一\u2069"))
SET(project_c1, "projects[0]", "name", json_string("业务\xC2\x85运转经费"))
SET(term_del, "glossary[0]", "term", json_string("财政拨款\x7f"))
SET(label_ls, "tables[1].columns[0]", "title", json_string("科目\u2028名称"))
SET(url_script, "source", "url", json_string("javascript:alert(1)"))
SET(url_data, "source", "url", json_string("data:text/html,<script>alert(1)</script>"))
SET(url_no_host, "source", "url", json_string("https:///budget.pdf"))
SET(url_space, "source", "url", json_string("https://www.example.gov.cn/a b.pdf"))
SET(url_newline, "source", "url", json_string("https://www.example.gov.cn/\nx.pdf"))

/* Running text keeps its tabs and line feeds, but no other control character. */
static void paragraph_bel(json_t *r)
{
	json_array_set_new(at(r, "explanations[0].paragraphs"), 0, json_string("一\n二\a三"));
}

static void paragraph_crlf(json_t *r)
{
	json_array_set_new(at(r, "explanations[0].paragraphs"), 0, json_string("一\r\n二"));
}

static void unnamed_project(json_t *r)
{
	json_object_del(at(r, "projects[0]"), "name");
}

static void sideless_row(json_t *r)
{
	json_object_del(at(r, "tables[0].rows[0]"), "side");
}

static const struct bad_case bad_cases[] = {
	{ "missing field", del_title, "$", "missing required field \"title\"" },
	{ "wrong type", year_as_string, "$.year", "expected a whole number" },
	{ "unknown table", table_hundred, "$.tables[0].number",
	  "table number 100: tables are numbered 1 to 99" },
	{ "negative amount", negative_amount, "$.projects[0].amount",
	  "not a non-negative decimal" },
	{ "non-numeric amount", text_amount, "$.tables[2].rows[0].amounts.total",
	  "\"七百\" is not a decimal" },
	{ "number amount", number_amount, "$.tables[2].rows[0].amounts.total",
	  "amounts are written as strings" },
	{ "7 decimals", long_decimal, "$.tables[2].rows[0].amounts.total", "6 after" },
	{ "unknown column", unknown_column, "$.tables[2].rows[0].amounts.bogus",
	  "no column \"bogus\"" },
	{ "duplicate table", duplicate_number, "$.tables[1]", "duplicate table number 1" },
	{ "unnamed project", unnamed_project, "$.projects[0]", "needs a \"name\"" },
	{ "named withheld", named_withheld, "$.projects[5]", "has no published name" },
	{ "unknown field", unknown_field, "$.titel", "unknown field \"titel\"" },
	{ "indicator", bad_indicator, "$.projects[0].performance.indicators[0]",
	  "the value is \"≥2375.48平方米\"" },
	{ "missing project", missing_project, "$.tables[6].rows[3]",
	  "project \"no-such-project\" is not in \"projects\"" },
	{ "bad code", bad_code, "$.tables[1].rows[1].codes[0]", "2 or 3 digits" },
	{ "bad date", bad_date, "$.published", "expected a date" },
	{ "bad id", bad_slug, "$.department.id", "expected an id" },
	{ "level", level_mismatch, "$.tables[1].rows[3]", "level 1 does not match 3 codes" },
	{ "side", sideless_row, "$.tables[0].rows[0]", "needs \"side\"" },
	{ "null", null_field, "$.department.region", "null is not allowed" },
	{ "table unit", odd_table_unit, "$.tables[3].unit", "a table's unit is one of" },
	{ "document unit for tables", odd_doc_unit, "$.tables[0]",
	  "the document's, \"万元（人民币）\", is not one of" },
	{ "no columns", no_columns, "$.tables[8].columns", "at least one column" },
	{ "BEL in a name", name_bel, "$.department.name",
	  "control character U+0007 at character 3" },
	{ "ESC in a title", title_esc, "$.tables[0].title",
	  "control character U+001B at character 1" },
	{ "CR LF in a row name", row_crlf, "$.tables[1].rows[1].name",
	  "carriage return U+000D at character 5" },
	{ "tab in a name", name_tab, "$.department.short_name",
	  "line break or tab U+0009 at character 3" },
	{ "RTL override", name_rlo, "$.department.region",
	  "bidirectional control U+202E at character 1" },
	{ "isolate", title_isolate, "$.explanations[0].title",
	  "bidirectional control U+2066 at character 3" },
	{ "C1 control", project_c1, "$.projects[0].name",
	  "control character U+0085 at character 3" },
	{ "DEL", term_del, "$.glossary[0].term", "control character U+007F at character 5" },
	{ "line separator", label_ls, "$.tables[1].columns[0].title",
	  "line or paragraph separator U+2028 at character 3" },
	{ "BEL in a paragraph", paragraph_bel, "$.explanations[0].paragraphs[0]",
	  "control character U+0007 at character 4" },
	{ "CR LF in a paragraph", paragraph_crlf, "$.explanations[0].paragraphs[0]",
	  "carriage return U+000D at character 2 (a line ends with \\n alone)" },
	{ "javascript: URL", url_script, "$.source.url", "starting with http:// or https://" },
	{ "data: URL", url_data, "$.source.url", "starting with http:// or https://" },
	{ "URL without host", url_no_host, "$.source.url", "starting with http:// or https://" },
	{ "URL with a space", url_space, "$.source.url", "no spaces" },
	{ "URL with a line feed", url_newline, "$.source.url", "no spaces" },
};

/* What point 7 must not refuse: line breaks and tabs in running text, an upper-case
 * scheme, a URL with a query, names with ordinary punctuation and spaces. */
START_TEST(test_text_that_stays_allowed)
{
	json_t *seed = load_seed();
	struct db_doc *d;

	json_array_set_new(at(seed, "explanations[0].paragraphs"), 0,
	                   json_string("一、收入\n\t（一）财政拨款"));
	json_object_set_new(at(seed, "projects[0]"), "policy_basis", json_string("第一\n第二"));
	json_object_set_new(at(seed, "source"), "url",
	                    json_string("HTTPS://www.example.gov.cn/2021/预算.pdf?id=1&x=%20"));
	json_object_set_new(at(seed, "department"), "short_name", json_string("驻乌办 (Urumqi)"));
	d = good_doc(seed);
	db_doc_free(d);
	json_object_set_new(at(seed, "source"), "url", json_string("http://example.gov.cn"));
	d = good_doc(seed);
	db_doc_free(d);
	json_decref(seed);
}
END_TEST

START_TEST(test_bad_input_rejected)
{
	const struct bad_case *c = &bad_cases[_i];
	json_t *seed = load_seed();
	struct errs e;

	c->mutate(seed);
	ck_assert_msg(parse_json(seed, &e) == NULL, "%s: accepted", c->name);
	ck_assert_msg(e.n >= 1, "%s: no error reported", c->name);
	ck_assert_msg(strcmp(e.first.path, c->path) == 0, "%s: path %s, expected %s", c->name,
	              e.first.path, c->path);
	ck_assert_msg(strstr(e.first.text, c->message) != NULL, "%s: message \"%s\" lacks \"%s\"",
	              c->name, e.first.text, c->message);
	ck_assert_str_eq(e.first.file, "test.json");
	ck_assert_msg(e.first.line > 0, "%s: no line number", c->name);
	json_decref(seed);
}
END_TEST

/* Replaces the first occurrence of from in text by to; returns a malloc'd string. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	ck_assert_ptr_nonnull(p);
	snprintf(out, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	return out;
}

START_TEST(test_error_line_and_column)
{
	char *seed = tu_read_file(tu_env("BUDGETD_SEED"), NULL);
	char *text = replace(seed, "\"year\": 2021", "\"year\": \"2021\"");
	const char *value = strstr(text, "\"2021\"");
	int line = 1, col = 1;
	struct errs e;

	for (const char *p = text; p < value; p++) {
		line += *p == '\n';
		col = *p == '\n' ? 1 : col + (((unsigned char)*p & 0xC0) != 0x80);
	}
	ck_assert_ptr_null(parse_text(text, &e));
	ck_assert_str_eq(e.first.path, "$.year");
	ck_assert_int_eq(e.first.line, line);
	ck_assert_int_eq(e.first.column, col);
	free(text);
	free(seed);
}
END_TEST

START_TEST(test_malformed_json)
{
	char *seed = tu_read_file(tu_env("BUDGETD_SEED"), NULL);
	struct errs e;

	seed[strlen(seed) / 2] = '\0'; /* cut mid-document */
	ck_assert_ptr_null(parse_text(seed, &e));
	ck_assert_int_eq(e.n, 1);
	ck_assert_int_gt(e.first.line, 100);
	free(seed);
}
END_TEST

START_TEST(test_duplicate_key)
{
	char *seed = tu_read_file(tu_env("BUDGETD_SEED"), NULL);
	char *text = replace(seed, "\"year\": 2021,", "\"year\": 2021, \"year\": 2022,");
	struct errs e;

	ck_assert_ptr_null(parse_text(text, &e));
	ck_assert_ptr_nonnull(strstr(e.first.text, "duplicate"));
	ck_assert_int_gt(e.first.line, 1);
	free(text);
	free(seed);
}
END_TEST

/* Issue 13, point 8: a BOM and a \u0000 are named in the user's terms. */
START_TEST(test_bom_and_nul_named)
{
	char *seed = tu_read_file(tu_env("BUDGETD_SEED"), NULL);
	size_t n = strlen(seed) + 4;
	char *bom = malloc(n), *nul;
	struct errs e;

	snprintf(bom, n, "\xEF\xBB\xBF%s", seed);
	ck_assert_ptr_null(parse_text(bom, &e));
	ck_assert_int_eq(e.n, 1);
	ck_assert_msg(strstr(e.first.text, "starts with a UTF-8 byte order mark (EF BB BF)") !=
	                  NULL,
	              "%s", e.first.text);
	ck_assert_int_eq(e.first.line, 1);
	ck_assert_int_eq(e.first.column, 1);
	nul = replace(seed, "\"year\": 2021", "\"year\": 2021, \"note\": \"a\\u0000b\"");
	ck_assert_ptr_null(parse_text(nul, &e));
	ck_assert_int_eq(e.n, 1);
	ck_assert_msg(strstr(e.first.text, "NUL character (\\u0000)") != NULL, "%s", e.first.text);
	ck_assert_ptr_null(strstr(e.first.text, "JSON_ALLOW_NUL"));
	ck_assert_int_gt(e.first.line, 1);
	free(nul);
	free(bom);
	free(seed);
}
END_TEST

START_TEST(test_oversize_file)
{
	size_t n = DB_DOC_MAX_BYTES + 10;
	char *text = malloc(n + 1);
	struct errs e = { 0 };

	memset(text, ' ', n);
	text[0] = '{';
	text[n - 1] = '}';
	text[n] = '\0';
	ck_assert_ptr_null(db_doc_parse(text, n, "big.json", collect, &e));
	ck_assert_ptr_nonnull(strstr(e.first.text, "larger than"));
	free(text);
}
END_TEST

START_TEST(test_all_problems_reported)
{
	json_t *seed = load_seed();
	struct errs e;

	table_hundred(seed);
	negative_amount(seed);
	unknown_field(seed);
	ck_assert_ptr_null(parse_json(seed, &e));
	ck_assert_int_eq(e.n, 3);
	json_decref(seed);
}
END_TEST

START_TEST(test_store_refuses_foreign_files)
{
	struct db_error err = { 0 };
	char *path = tu_write_temp("not a database at all, just some text\n", 38, ".sqlite");

	ck_assert_ptr_null(db_open(path, false, &err));
	ck_assert_ptr_nonnull(strstr(err.text, "not a budgetd store"));
	ck_assert_int_eq(err.code, DB_BAD_STORE);
	/* Writable, as budgetctl import opens it: the same, naming the file (issue 13, 8). */
	memset(&err, 0, sizeof(err));
	ck_assert_ptr_null(db_open(path, true, &err));
	ck_assert_int_eq(err.code, DB_BAD_STORE);
	ck_assert_msg(strncmp(err.text, path, strlen(path)) == 0 &&
	                  strstr(err.text, ": not a budgetd store (file is not a database)") !=
	                      NULL,
	              "%s", err.text);
	memset(&err, 0, sizeof(err));
	ck_assert_ptr_null(db_open("/nonexistent/budgetd.sqlite", false, &err));
	ck_assert_int_ne(err.code, DB_BAD_STORE);
	ck_assert_ptr_nonnull(strstr(err.text, "/nonexistent/budgetd.sqlite"));
	tu_unlink_store(path);
	free(path);
}
END_TEST

/* A new store is built with 8 KiB pages (issue #17: the import's pages halved); a store of
 * 4 KiB pages, as every store made before, keeps its size and takes imports as before. */
START_TEST(test_new_store_pages_of_8k_old_store_kept)
{
	json_t *seed = load_seed();
	struct db_doc *doc = good_doc(seed);
	char *path;
	struct db *db = fresh_store(&path);
	sqlite3 *sql;

	import_ok(db, &doc, 1);
	db_close(db);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA page_size"), 8192);
	/* rebuilt at 4 KiB (VACUUM sets a page size outside WAL only) */
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql,
	                              "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; "
	                              "VACUUM; PRAGMA journal_mode = WAL",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(sql);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA page_size"), 4096);
	db = db_open(path, true, &(struct db_error){ 0 });
	ck_assert_ptr_nonnull(db);
	json_object_set_new(json_object_get(seed, "department"), "id",
	                    json_string("another-office"));
	db_doc_free(doc);
	doc = good_doc(seed);
	import_ok(db, &doc, 1);
	db_close(db);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA page_size"), 4096);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure"), 2);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM pragma_quick_check WHERE "
	                                  "quick_check != 'ok'"),
	                 0);
	db_doc_free(doc);
	json_decref(seed);
	tu_unlink_store(path);
	free(path);
}
END_TEST

/* ---- format 2 ---- */

/* tests/data/putuo-test-2023-final.json: a hand-written 决算 in format 2 with what format 1
 * refused (a negative, separators, a joined code, a repeated row name, ten tables, 三公 budget
 * and final with 会议费 and 培训费, a project without a total, boxes). */
static json_t *load_v2(void)
{
	char path[4200];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof(path), "%s/tests/data/putuo-test-2023-final.json",
	         tu_env("BUDGETD_SOURCE"));
	j = json_load_file(path, 0, &err);
	ck_assert_msg(j != NULL, "%s: %s", path, err.text);
	return j;
}

static const char *str_at(json_t *root, const char *path)
{
	const char *s = json_string_value(at(root, path));

	ck_assert_msg(s != NULL, "%s: no string", path);
	return s;
}

static json_t *export_ok(struct db *db, const char *dep, int year, const char *kind,
                         const char *level)
{
	struct db_error err = { 0 };
	json_t *out = db_export(db, dep, year, kind, level, &err);

	ck_assert_msg(out != NULL, "export: %s", err.text);
	return out;
}

START_TEST(test_v2_document_round_trip)
{
	json_t *doc = load_v2(), *want = json_deep_copy(doc), *out, *split;
	struct db_doc *d = good_doc(doc);
	char *path;
	struct db *db = fresh_store(&path);

	import_ok(db, &d, 1);
	out = export_ok(db, "putuo-test-bureau", 2023, "final", "department");
	ck_assert_str_eq(str_at(out, "format"), "budgetd-disclosure/2");
	ck_assert_uint_eq(json_array_size(at(out, "tables")), 10);
	ck_assert_int_eq(json_integer_value(at(out, "tables[9].position")), 10);
	ck_assert_str_eq(str_at(out, "tables[6].type"), "final_sangong");
	ck_assert_str_eq(str_at(out, "tables[1].unit"), "千元");
	ck_assert_str_eq(str_at(out, "tables[0].rows[0].amounts.income_final"), "189767551.00");
	ck_assert_str_eq(str_at(out, "tables[0].rows[1].amounts.income_final"), "-1.69");
	ck_assert_str_eq(str_at(out, "tables[0].rows[3].amounts.expenditure_final"), "2345678.9");
	ck_assert_str_eq(str_at(out, "tables[0].rows[2].name"), "一般公共预算财政拨款");
	ck_assert_str_eq(str_at(out, "tables[0].rows[5].name"), "一般公共预算财政拨款");
	ck_assert_str_eq(str_at(out, "tables[0].columns[0].measure"), "final");
	split = json_pack("[sss]", "208", "05", "05");
	ck_assert_msg(json_equal(at(out, "tables[0].rows[3].codes"), split),
	              "joined code not split 3-2-2");
	ck_assert_ptr_null(at(out, "projects[0].amount"));
	ck_assert_str_eq(str_at(out, "projects[0].self_evaluation"), "95.5");
	ck_assert_str_eq(str_at(out, "sangong.items[0].key"), "meeting");
	ck_assert_str_eq(str_at(out, "sangong.items[1].final"), "3.75");
	ck_assert_str_eq(str_at(out, "sangong.budget"), "12.5");
	ck_assert_str_eq(str_at(out, "overview.organization.units[1].note"), "全额拨款");
	/* Stored as integers: millionths for amounts, hundredths of a point for boxes. */
	ck_assert_int_eq(tu_sql_int(path, "SELECT value FROM row_amount WHERE value < 0"),
	                 -1690000);
	ck_assert_int_eq(tu_sql_int(path, "SELECT max(value) FROM row_amount"), 189767551000000);
	ck_assert_int_eq(tu_sql_int(path, "SELECT box_x0 FROM budget_table WHERE number = 1"),
	                 5670);
	ck_assert_int_eq(tu_sql_int(path, "SELECT x1 FROM row_box WHERE key = 'income_final'"),
	                 48075);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM row_box WHERE typeof(x0) <> "
	                                  "'integer' OR typeof(y1) <> 'integer'"),
	                 0);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM table_row WHERE code1 = '208' AND "
	                                  "code2 = '05' AND code3 = '05'"),
	                 1);
	/* Everything else comes back as written, separators dropped ("1,000.50" is "1000.50"). */
	json_object_set_new(at(want, "tables[0].rows[3]"), "codes", split);
	json_object_set_new(at(want, "tables[0].rows[4]"), "codes", json_pack("[s]", "208"));
	ck_assert_uint_gt(assert_same(want, out, "$"), 100);
	json_decref(out);
	db_doc_free(d);
	drop_store(db, path);
	json_decref(doc);
	json_decref(want);
}
END_TEST

/* Each amount comes back with the decimals it was printed with; its value, compared and
 * summed, is still the integer of millionths. */
START_TEST(test_published_decimals_round_trip)
{
	json_t *seed = load_seed(), *doc = load_v2(), *out;
	struct db_doc *d[2];
	char *path;
	struct db *db = fresh_store(&path);

	json_object_set_new(at(doc, "tables[0].rows[0].amounts"), "income_final",
	                    json_string("46,140,000.00"));
	json_object_set_new(at(doc, "tables[0].rows[1].amounts"), "income_final",
	                    json_string("0.00"));
	json_object_set_new(at(doc, "tables[0].rows[3].amounts"), "expenditure_final",
	                    json_string("156,211,123"));
	json_object_set_new(at(doc, "sangong"), "final", json_string("6.536278"));
	d[0] = good_doc(seed);
	d[1] = good_doc(doc);
	import_ok(db, d, 2);
	out = export_ok(db, "kashi-urumqi-office", 2021, "budget", "department");
	ck_assert_str_eq(str_at(out, "sangong.amount"), "96.80"); /* the seed's spelling */
	ck_assert_str_eq(str_at(out, "sangong.items[1].amount"), "80.00");
	ck_assert_str_eq(str_at(out, "tables[7].rows[0].amounts.total"), "96.8"); /* as printed */
	ck_assert_str_eq(str_at(out, "procurement.services"), "14.70");
	json_decref(out);
	out = export_ok(db, "putuo-test-bureau", 2023, "final", "department");
	ck_assert_str_eq(str_at(out, "tables[0].rows[0].amounts.income_final"), "46140000.00");
	ck_assert_str_eq(str_at(out, "tables[0].rows[1].amounts.income_final"), "0.00");
	ck_assert_str_eq(str_at(out, "tables[0].rows[3].amounts.expenditure_final"), "156211123");
	ck_assert_str_eq(str_at(out, "sangong.final"), "6.536278");
	/* The value is the integer; the decimals are beside it. */
	ck_assert_int_eq(tu_sql_int(path, "SELECT value FROM row_amount WHERE value_dp = 2 AND "
	                                  "value = 46140000000000"),
	                 46140000000000);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM row_amount WHERE value = 0 AND "
	                                  "value_dp = 2"),
	                 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT amount FROM sangong WHERE amount_dp = 2"),
	                 96800000);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM row_amount WHERE value_dp IS NULL"),
	                 0);
	json_decref(out);
	db_doc_free(d[0]);
	db_doc_free(d[1]);
	drop_store(db, path);
	json_decref(seed);
	json_decref(doc);
}
END_TEST

static int collect_refs(void *ctx, const struct db_department_detail *dep)
{
	char *buf = ctx;

	for (size_t i = 0; i < dep->n_disclosures; i++)
		snprintf(buf + strlen(buf), 256 - strlen(buf), "%d %s %s;",
		         dep->disclosures[i].year, dep->disclosures[i].kind,
		         dep->disclosures[i].level);
	return 0;
}

START_TEST(test_unit_level_beside_department)
{
	json_t *dep = load_v2(), *unit = json_deep_copy(dep), *out;
	struct db_doc *docs[2], *twice[2];
	struct db_error err = { 0 };
	char *path, refs[256] = "";
	struct db *db = fresh_store(&path);

	json_object_set_new(unit, "level", json_string("unit"));
	json_object_set_new(unit, "title",
	                    json_string("上海市普陀区测试局（本级）2023年度单位决算"));
	json_object_set_new(at(unit, "tables[0].rows[0].amounts"), "income_final",
	                    json_string("5"));
	docs[0] = good_doc(dep);
	docs[1] = good_doc(unit);
	import_ok(db, docs, 2);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure"), 2);
	out = export_ok(db, "putuo-test-bureau", 2023, "final", "unit");
	ck_assert_str_eq(str_at(out, "level"), "unit");
	ck_assert_str_eq(str_at(out, "tables[0].rows[0].amounts.income_final"), "5");
	json_decref(out);
	out = export_ok(db, "putuo-test-bureau", 2023, "final", "department");
	ck_assert_str_eq(str_at(out, "level"), "department");
	ck_assert_str_eq(str_at(out, "tables[0].rows[0].amounts.income_final"), "189767551.00");
	json_decref(out);
	ck_assert_int_eq(db_department(db, "putuo-test-bureau", collect_refs, refs, &err), 0);
	ck_assert_str_eq(refs, "2023 final department;2023 final unit;");
	/* Re-importing the 部门 disclosure replaces it alone: the 单位 one stays. */
	import_ok(db, docs, 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure WHERE level = 'unit'"),
	                 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure"), 2);
	/* One level twice in one import is still the same disclosure. */
	twice[0] = twice[1] = docs[1];
	ck_assert_int_eq(db_import(db, twice, 2, &err), -1);
	ck_assert_int_eq(err.code, DB_DUPLICATE);
	db_doc_free(docs[0]);
	db_doc_free(docs[1]);
	drop_store(db, path);
	json_decref(dep);
	json_decref(unit);
}
END_TEST

SET(v2_bad_joined_code, "tables[0].rows[3]", "codes", json_string("20805051"))
SET(v2_bad_grouping, "tables[0].rows[0].amounts", "income_final", json_string("1,89"))
SET(v2_unknown_type, "tables[1]", "type", json_string("budget_foo"))
SET(v2_text_amount, "tables[0].rows[0].amounts", "income_final", json_string("七百"))
SET(v2_number_amount, "tables[0].rows[0].amounts", "income_final", json_integer(700))
SET(v2_odd_unit, "tables[1]", "unit", json_string("美元"))
SET(v2_old_number, "tables[1]", "number", json_integer(2))
SET(v2_same_position, "tables[1]", "position", json_integer(1))
SET(v2_fine_box, "tables[0]", "box", json_pack("[iffff]", 3, 56.705, 1.0, 2.0, 3.0))
SET(v2_box_key, "tables[0].rows[0].boxes", "bogus", json_pack("[iiiii]", 3, 1, 2, 3, 4))
SET(v2_upper_sha, "source", "sha256",
    json_string("0123456789ABCDEF0123456789abcdef"
                "0123456789abcdef0123456789abcdef"))
SET(v2_bad_level, "", "level", json_string("county"))
SET(v2_bad_measure, "tables[0].columns[0]", "measure", json_string("actual"))

static void v2_no_unit(json_t *r)
{
	json_object_del(at(r, "tables[1]"), "unit");
}

static const struct bad_case v2_bad_cases[] = {
	{ "joined code of 8 digits", v2_bad_joined_code, "$.tables[0].rows[3].codes",
	  "a joined code is 3, 5 or 7 digits" },
	{ "separator in the wrong place", v2_bad_grouping,
	  "$.tables[0].rows[0].amounts.income_final", "\"1,89\" is not a decimal" },
	{ "unknown table type", v2_unknown_type, "$.tables[1].type",
	  "unknown table type \"budget_foo\": expected \"other\" or one of budget_summary" },
	{ "text for a figure", v2_text_amount, "$.tables[0].rows[0].amounts.income_final",
	  "\"七百\" is not a decimal" },
	{ "JSON number for a figure", v2_number_amount, "$.tables[0].rows[0].amounts.income_final",
	  "amounts are written as strings" },
	{ "table without unit", v2_no_unit, "$.tables[1]", "missing required field \"unit\"" },
	{ "unknown unit", v2_odd_unit, "$.tables[1].unit", "one of \"元\", \"万元\"" },
	{ "format 1 number", v2_old_number, "$.tables[1].number", "calls a table's number" },
	{ "repeated position", v2_same_position, "$.tables[1]", "duplicate table position 1" },
	{ "box with 3 decimals", v2_fine_box, "$.tables[0].box", "at most 2 decimals" },
	{ "box of no column", v2_box_key, "$.tables[0].rows[0].boxes.bogus",
	  "no column \"bogus\"" },
	{ "upper-case sha256", v2_upper_sha, "$.source.sha256", "64 lower-case hex digits" },
	{ "level", v2_bad_level, "$.level", "expected one of \"department\", \"unit\"" },
	{ "measure", v2_bad_measure, "$.tables[0].columns[0].measure", "expected one of" },
};

START_TEST(test_v2_bad_input_rejected)
{
	const struct bad_case *c = &v2_bad_cases[_i];
	json_t *doc = load_v2();
	struct errs e;

	c->mutate(doc);
	ck_assert_msg(parse_json(doc, &e) == NULL, "%s: accepted", c->name);
	ck_assert_msg(strcmp(e.first.path, c->path) == 0, "%s: path %s, expected %s", c->name,
	              e.first.path, c->path);
	ck_assert_msg(strstr(e.first.text, c->message) != NULL, "%s: message \"%s\" lacks \"%s\"",
	              c->name, e.first.text, c->message);
	ck_assert_msg(e.first.line > 0, "%s: no line number", c->name);
	json_decref(doc);
}
END_TEST

/* Format 1 gains what format 2 relaxes (repeated rows, signed table figures, separators,
 * joined codes), but not format 2's fields. */
START_TEST(test_v1_relaxed_but_without_v2_fields)
{
	json_t *seed = load_seed();
	struct db_doc *d;
	struct errs e;

	json_array_insert_new(at(seed, "tables[1].rows"), 2,
	                      json_deep_copy(at(seed, "tables[1].rows[1]")));
	json_object_set_new(at(seed, "tables[2].rows[0].amounts"), "total",
	                    json_string("-1,700.94"));
	d = good_doc(seed);
	db_doc_free(d);
	json_object_set_new(seed, "level", json_string("unit"));
	ck_assert_ptr_null(parse_json(seed, &e));
	ck_assert_str_eq(e.first.path, "$.level");
	ck_assert_ptr_nonnull(strstr(e.first.text, "new in \"budgetd-disclosure/2\""));
	json_decref(seed);
}
END_TEST

/* ---- upgrading a version 1 store ---- */

/* A private copy of tests/data/kashi-v1.sqlite: the bundled Kashgar file imported by the
 * budgetctl of schema version 1 (main before format 2). */
static char *v1_store_copy(void)
{
	return tu_fixture_copy("kashi-v1.sqlite");
}

/* The fixture also predates issue 12's placing of 表七's proven figures (190.99, 72.95 and 15
 * under 商品和服务支出, 4.05 under 资本性支出): it keeps every economic figure in `unplaced`,
 * in printed order. Printed order is column order, and each placed figure stands left of the
 * row's remaining unplaced ones, so a row's old `unplaced` is its economic `amounts` in column
 * order followed by its `unplaced`. This puts the seed's 表七 back that way (the figures
 * themselves are untouched) and drops its unplaced_note on both sides: prose, rewritten. */
static void unplace_table_7(json_t *want, json_t *out)
{
	json_t *t = at(want, "tables[6]"), *row, *col;
	size_t i, j;

	ck_assert_str_eq(json_string_value(json_object_get(t, "type")), "budget_project");
	json_object_del(t, "unplaced_note");
	json_object_del(at(out, "tables[6]"), "unplaced_note");
	json_array_foreach (json_object_get(t, "rows"), i, row) {
		json_t *amounts = json_object_get(row, "amounts"), *old = json_array();
		json_array_foreach (json_object_get(t, "columns"), j, col) {
			const char *key = json_string_value(json_object_get(col, "key"));
			json_t *v = json_object_get(amounts, key);
			if (strcmp(key, "total") == 0 || v == NULL)
				continue;
			json_array_append(old, v);
			json_object_del(amounts, key);
		}
		json_array_extend(old, json_object_get(row, "unplaced"));
		if (json_array_size(old) > 0)
			json_object_set(row, "unplaced", old);
		json_decref(old);
	}
}

START_TEST(test_v1_store_upgrades_keeping_every_figure)
{
	json_t *seed = load_seed(), *want = seed_as_v2(seed), *out;
	struct db_error err = { 0 };
	char *path = v1_store_copy();
	int64_t imported = tu_sql_int(path, "SELECT imported_at FROM disclosure");
	struct db *db;
	int from = 0;

	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"), 1);
	ck_assert_ptr_null(db_open(path, false, &err));
	ck_assert_msg(strstr(err.text, "budgetctl upgrade") != NULL, "%s", err.text);
	ck_assert_int_eq(db_upgrade(path, &from, &err), 0);
	ck_assert_int_eq(from, 1);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"), 6);
	ck_assert_int_eq(tu_sql_int(path, "SELECT imported_at FROM disclosure"), imported);
	db = db_open(path, false, &err);
	ck_assert_msg(db != NULL, "open: %s", err.text);
	out = export_ok(db, "kashi-urumqi-office", 2021, "budget", "department");
	/* The fixture predates one edit of the seed's notes (issue 12: 178.18 vs 118.18 is no
	 * inconsistency); notes are prose, every figure is compared. */
	ck_assert_ptr_nonnull(strstr(str_at(out, "source.notes"), "与他处118.18不一致"));
	json_object_del(at(want, "source"), "notes");
	json_object_del(at(out, "source"), "notes");
	unplace_table_7(want, out);
	/* Version 1 kept no decimals: its figures read back canonical, "96.80" as "96.8". */
	ck_assert_str_eq(str_at(out, "sangong.amount"), "96.8");
	ck_assert_str_eq(str_at(out, "sangong.items[1].amount"), "80");
	ck_assert_str_eq(str_at(out, "tables[7].rows[0].amounts.total"), "96.8");
	ck_assert_int_eq(
	    tu_sql_int(path, "SELECT count(*) FROM row_amount WHERE value_dp IS NOT NULL"), 0);
	by_value = true;
	ck_assert_uint_gt(assert_same(want, out, "$"), 2000);
	by_value = false;
	json_decref(out);
	db_close(db);
	ck_assert_int_eq(db_upgrade(path, &from, &err), 0);
	ck_assert_int_eq(from, DB_SCHEMA_VERSION);
	drop_store(NULL, path);
	json_decref(seed);
	json_decref(want);
}
END_TEST

/* The schema of an upgraded store is the schema of a new one, object for object. */
START_TEST(test_upgraded_schema_is_the_new_schema)
{
	char *old = v1_store_copy(), *fresh, *a, *b;
	struct db *db = fresh_store(&fresh);
	struct db_error err = { 0 };
	int from;

	ck_assert_int_eq(db_upgrade(old, &from, &err), 0);
	a = schema_text(old);
	b = schema_text(fresh);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	drop_store(db, fresh);
	drop_store(NULL, old);
}
END_TEST

START_TEST(test_failed_upgrade_leaves_v1_store)
{
	char *path = v1_store_copy(), *before, *after;
	struct db_error err = { 0 };
	sqlite3 *sql;
	int from;

	/* A table version 2 does not know: the upgrade stops half way and must roll back. */
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql, "CREATE TABLE stray (x INTEGER)", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(sql);
	before = digest(path);
	ck_assert_int_eq(db_upgrade(path, &from, &err), -1);
	ck_assert_msg(strstr(err.text, "stray") != NULL, "%s", err.text);
	after = digest(path);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(tu_sql_int(path, "PRAGMA user_version"), 1);
	ck_assert_int_eq(
	    tu_sql_int(path, "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'v1_%'"), 0);
	free(before);
	free(after);
	drop_store(NULL, path);
}
END_TEST

/* tests/data/schema-v1.sql is version 1's schema: a table's type comes from its title and
 * its unit, when it has none, from its disclosure. */
START_TEST(test_upgrade_types_and_units_tables)
{
	char schema[4200], *text, *path = tu_temp_path(".sqlite");
	struct db_error err = { 0 };
	sqlite3 *sql;
	int from;

	snprintf(schema, sizeof(schema), "%s/tests/data/schema-v1.sql", tu_env("BUDGETD_SOURCE"));
	text = tu_read_file(schema, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql, text, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_exec(sql,
	                 "INSERT INTO department VALUES (1, 'x');"
	                 "INSERT INTO disclosure (id, department_id, year, kind, title, unit) "
	                 "VALUES (1, 1, 2020, 'budget', 't', '元');"
	                 "INSERT INTO budget_table (disclosure_id, position, number, title, unit) "
	                 "VALUES (1, 0, 8, '一般公共预算“三公”经费支出情况表', NULL),"
	                 "(1, 1, 9, '某某明细表', '千元');"
	                 "INSERT INTO budget_table (disclosure_id, position, number, title) VALUES "
	                 "(1, 2, 3, '2020年部门支出总体情况表');"
	                 "INSERT INTO row_amount (row_id, position, key, value) SELECT 1, 0, "
	                 "'total', 1 WHERE 0;",
	                 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(sql);
	ck_assert_int_eq(db_upgrade(path, &from, &err), 0);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM budget_table WHERE number = 8 AND "
	                                  "type = 'budget_sangong' AND unit = '元'"),
	                 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM budget_table WHERE number = 9 AND "
	                                  "type = 'other' AND unit = '千元'"),
	                 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM budget_table WHERE number = 3 AND "
	                                  "type = 'budget_expenditure'"),
	                 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure WHERE level = "
	                                  "'department'"),
	                 1);
	free(text);
	drop_store(NULL, path);
}
END_TEST

/* ---- the JSON Schema says what the C model says ---- */

static json_t *resolve(json_t *schema, json_t *node)
{
	const char *ref;

	while (node != NULL && (ref = json_string_value(json_object_get(node, "$ref"))) != NULL) {
		ck_assert_msg(strncmp(ref, "#/$defs/", 8) == 0, "unexpected $ref %s", ref);
		node = json_object_get(json_object_get(schema, "$defs"), ref + 8);
	}
	ck_assert_ptr_nonnull(node);
	return node;
}

static bool in_array(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach (arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

static void check_enum(json_t *prop, const struct db_field *f, const char *path)
{
	json_t *e = json_object_get(prop, "enum");
	size_t n = 0;

	if (json_object_get(prop, "const") != NULL) {
		ck_assert_str_eq(json_string_value(json_object_get(prop, "const")), f->choices[0]);
		return;
	}
	for (; f->choices[n] != NULL; n++)
		ck_assert_msg(in_array(e, f->choices[n]), "%s: schema lacks \"%s\"", path,
		              f->choices[n]);
	ck_assert_msg(json_array_size(e) == n, "%s: enum sizes differ", path);
}

static void check_entity(json_t *schema, const struct db_entity *e, json_t *obj, const char *path)
{
	json_t *props = json_object_get(obj, "properties"), *req = json_object_get(obj, "required");
	size_t n = 0;
	char sub[256];

	ck_assert_msg(json_is_false(json_object_get(obj, "additionalProperties")),
	              "%s: schema must refuse unknown fields", path);
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++, n++) {
		json_t *prop = json_object_get(props, f->key);
		snprintf(sub, sizeof(sub), "%s.%s", path, f->key);
		ck_assert_msg(prop != NULL, "%s: not in the schema", sub);
		/* A field required in one format version only is optional to the schema. */
		ck_assert_msg((f->req == DB_VALL) == in_array(req, f->key), "%s: required differs",
		              sub);
		if (f->type == DB_FT_ENUM)
			check_enum(resolve(schema, prop), f, sub);
	}
	for (const struct db_entity *const *c = e->children; c != NULL && *c != NULL; c++, n++) {
		json_t *prop = json_object_get(props, (*c)->key);
		snprintf(sub, sizeof(sub), "%s.%s", path, (*c)->key);
		ck_assert_msg(prop != NULL, "%s: not in the schema", sub);
		ck_assert_msg((*c)->required == in_array(req, (*c)->key), "%s: required differs",
		              sub);
		prop = resolve(schema, prop);
		if ((*c)->shape == DB_SH_ROWS)
			check_entity(schema, *c, resolve(schema, json_object_get(prop, "items")),
			             sub);
		else if ((*c)->shape == DB_SH_ONE || (*c)->shape == DB_SH_INLINE)
			check_entity(schema, *c, prop, sub);
	}
	ck_assert_msg(json_object_size(props) == n, "%s: schema has %zu fields, model %zu", path,
	              json_object_size(props), n);
}

/* ---- db/schema.sql declares every column the model stores ---- */

/* Does table have column col (and, for a _dp column, its check of 0..6)? */
static void assert_column(sqlite3 *sql, const char *table, const char *col, bool dp)
{
	sqlite3_stmt *st;
	char q[300], check[160];

	snprintf(q, sizeof(q), "SELECT type FROM pragma_table_info('%s') WHERE name = '%s'", table,
	         col);
	ck_assert_int_eq(sqlite3_prepare_v2(sql, q, -1, &st, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "schema.sql: table %s has no column %s",
	              table, col);
	if (dp)
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "INTEGER");
	sqlite3_finalize(st);
	if (!dp)
		return;
	snprintf(q, sizeof(q), "SELECT sql FROM sqlite_schema WHERE name = '%s'", table);
	ck_assert_int_eq(sqlite3_prepare_v2(sql, q, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(check, sizeof(check), "CHECK (%s BETWEEN 0 AND 6)", col);
	ck_assert_msg(strstr((const char *)sqlite3_column_text(st, 0), check) != NULL,
	              "schema.sql: %s.%s lacks %s", table, col, check);
	sqlite3_finalize(st);
}

static void assert_entity_columns(sqlite3 *sql, const struct db_entity *e)
{
	char buf[80];

	if (e->table != NULL) {
		if (e->shape == DB_SH_DECS || e->shape == DB_SH_DEC_MAP) {
			assert_column(sql, e->table, "value", false);
			assert_column(sql, e->table, "value_dp", true);
		}
		for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
			if (f->nostore || f->type == DB_FT_CODES)
				continue;
			if (f->type == DB_FT_BOX) {
				for (int k = 0; k < 5; k++)
					assert_column(sql, e->table,
					              db_box_col(f, k, buf, sizeof(buf)), false);
				continue;
			}
			assert_column(sql, e->table, db_field_col(f), false);
			if (f->type == DB_FT_DEC || f->type == DB_FT_SDEC)
				assert_column(sql, e->table,
				              db_dp_col(db_field_col(f), buf, sizeof(buf)), true);
		}
	}
	for (const struct db_entity *const *c = e->children; c != NULL && *c != NULL; c++)
		assert_entity_columns(sql, *c);
}

START_TEST(test_store_schema_matches_model)
{
	char *path;
	struct db *db = fresh_store(&path);
	sqlite3 *sql;

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_entity_columns(sql, &db_model_document);
	sqlite3_close(sql);
	drop_store(db, path);
}
END_TEST

START_TEST(test_schema_matches_model)
{
	json_error_t err;
	json_t *schema = json_load_file(tu_env("BUDGETD_SCHEMA"), 0, &err);

	ck_assert_msg(schema != NULL, "schema: %s", err.text);
	check_entity(schema, &db_model_document, schema, "$");
	json_decref(schema);
}
END_TEST

/* Titles as printed in the corpus and the seed (one per family and variant), and the traps:
 * a title that only contains another type's title must not take that type. */
START_TEST(test_table_types_from_titles)
{
	static const struct {
		const char *title, *type;
	} cases[] = {
		{ "1. 2025年部门财务收支预算总表", "budget_summary" },
		{ "2025年预算单位一般公共预算基本支出部门预算经济分类预算表",
		  "budget_general_basic_economic" },
		{ "9.2025年单位“三公”经费和机关运行经费预算表", "budget_sangong" },
		{ "部门收支总体情况表", "budget_summary" },
		{ "财政拨款收支预算总体情况表", "budget_fiscal_summary" },
		{ "一般公共预算“三公”经费支出情况表", "budget_sangong" },
		{ "一般公共预算项目支出情况表", "budget_project" },
		{ "一、收入支出决算总表", "final_summary" },
		{ "收入决算表", "final_income" },
		{ "支出决算表", "final_expenditure" },
		{ "一般公共预算财政拨款支出决算表", "final_general_function" },
		{ "六、一般公共预算财政拨款基本支出决算表", "final_general_basic" },
		{ "财政拨款\"三公\"经费支出决算表", "final_sangong" },
		/* every ignored character's first byte (table_type.c skips other bytes early) */
		{ "财政拨款＂三公＂经费支出决算表", "final_sangong" },
		{ "一般公共预算\t项目支出\r\n情况表\xe3\x80\x80", "budget_project" },
		{ "‘一般公共预算项目支出情况表’", "budget_project" },
		{ "九、国有资本经营预算财政拨款收入支出决算表", "final_capital" },
		{ "上海市 XX 局 2024 年度部门决算表", NULL },
		{ "项目支出绩效目标表", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct db_table_type *t = db_table_type_match(cases[i].title);

		if (cases[i].type == NULL)
			ck_assert_msg(t == NULL, "%s: want other, got %s", cases[i].title, t->id);
		else
			ck_assert_msg(t != NULL && strcmp(t->id, cases[i].type) == 0,
			              "%s: want %s, got %s", cases[i].title, cases[i].type,
			              t ? t->id : "other");
	}
	ck_assert_str_eq(db_table_type_find("final_sangong")->name, "财政拨款“三公”经费支出决算表");
	ck_assert_ptr_null(db_table_type_find("budget_sangong_x"));
	ck_assert_ptr_nonnull(db_table_type_at(18));
	ck_assert_ptr_null(db_table_type_at(19));
}
END_TEST

/* ---- findings (核对): written by hand in the shape of the audit contract ---- */

static const char findings_three[] =
    "[{\"rule\": \"T01\", \"family\": \"table\", \"severity\": \"error\","
    "  \"message_zh\": \"表六 301 工资福利支出：下级科目合计 299.49，原表 299.48，相差 0.01\","
    "  \"place\": {\"table\": {\"position\": 6}, \"row\": {\"index\": 0, \"codes\": \"301\"},"
    "             \"column\": {\"key\": \"total\", \"title\": \"合计\"}, \"page\": 19},"
    "  \"expected\": \"299.49\", \"actual\": \"299.48\", \"difference\": \"-0.01\","
    "  \"unit\": \"万元\"},"
    " {\"rule\": \"X03\", \"family\": \"text\", \"severity\": \"warning\","
    "  \"message_zh\": \"说明中的增加额与表三不符\", \"place\": {\"section\": {\"index\": 2}}},"
    " {\"rule\": \"T01\", \"family\": \"table\", \"severity\": \"error\","
    "  \"message_zh\": \"表六 302 商品和服务支出：下级科目合计 35.77，原表 35.76\"}]";

static json_t *findings(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	ck_assert_msg(j != NULL, "fixture findings: %s", e.text);
	return j;
}

/* Imports doc with findings (NULL: none given) in one transaction. */
static void import_with(struct db *db, struct db_doc *doc, const char *text)
{
	struct db_error err = { 0 };
	struct db_import *im = db_import_begin(db, &err);
	json_t *f = text != NULL ? findings(text) : NULL;

	ck_assert_msg(im != NULL, "begin: %s", err.text);
	ck_assert_msg(db_import_add(im, doc, &err) == 0, "add: %s", err.text);
	if (f != NULL)
		ck_assert_msg(db_import_add_findings(im, f, &err) == 0, "findings: %s", err.text);
	ck_assert_msg(db_import_commit(im, &err) == 0, "commit: %s", err.text);
	json_decref(f);
}

struct seen_findings {
	int n;
	char list[2048]; /* "dept/year/kind/pos rule severity;" */
	char first_message[256];
	int64_t first_row;
};

static int collect_finding(void *ctx, const struct db_finding *f)
{
	struct seen_findings *s = ctx;
	size_t len = strlen(s->list);

	if (s->n++ == 0) {
		snprintf(s->first_message, sizeof(s->first_message), "%s",
		         json_string_value(json_object_get(f->finding, "message_zh")));
		s->first_row = json_integer_value(at((json_t *)f->finding, "place.row.index"));
	}
	snprintf(s->list + len, sizeof(s->list) - len, "%s/%d/%s/%zu %s %s;", f->department,
	         f->year, f->kind, f->position, f->rule, f->severity);
	return 0;
}

static struct seen_findings query(struct db *db, struct db_finding_query q,
                                  struct db_finding_counts *c)
{
	struct seen_findings s = { 0 };
	struct db_error err = { 0 };

	ck_assert_msg(db_findings(db, &q, collect_finding, &s, c, &err) == 0, "findings: %s",
	              err.text);
	return s;
}

static const struct db_finding_query kashi = {
	.department = "kashi-urumqi-office", .year = 2021, .kind = "budget", .level = "department"
};

START_TEST(test_findings_stored_and_replaced)
{
	json_t *seed = load_seed();
	struct db_doc *doc = good_doc(seed);
	struct db_finding_counts c;
	struct seen_findings s;
	char *path;
	struct db *db = fresh_store(&path);

	import_with(db, doc, findings_three);
	s = query(db, kashi, &c);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.list, "kashi-urumqi-office/2021/budget/0 T01 error;"
	                         "kashi-urumqi-office/2021/budget/1 X03 warning;"
	                         "kashi-urumqi-office/2021/budget/2 T01 error;");
	ck_assert_str_eq(s.first_message,
	                 "表六 301 工资福利支出：下级科目合计 299.49，原表 299.48，相差 0.01");
	ck_assert_int_eq(s.first_row, 0);
	ck_assert_uint_eq(c.total, 3);
	ck_assert_uint_eq(c.error, 2);
	ck_assert_uint_eq(c.warning, 1);
	ck_assert_uint_eq(c.info, 0);
	/* a re-import replaces them with the disclosure */
	import_with(db, doc,
	            "[{\"rule\": \"D02\", \"family\": \"document\", \"severity\": \"info\","
	            "\"message_zh\": \"标题年份为 2020\"}]");
	s = query(db, kashi, &c);
	ck_assert_str_eq(s.list, "kashi-urumqi-office/2021/budget/0 D02 info;");
	ck_assert_uint_eq(c.info, 1);
	import_with(db, doc, NULL);
	s = query(db, kashi, &c);
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(c.total, 0);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

/* The body of the finding at position i in the store at path (caller frees), or NULL. */
static char *body_at(const char *path, size_t i)
{
	sqlite3 *sql = NULL;
	sqlite3_stmt *st = NULL;
	char *body = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_prepare_v2(sql, "SELECT body FROM finding WHERE position = ?", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
	if (sqlite3_step(st) == SQLITE_ROW)
		body = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(sql);
	return body;
}

/* A finding's body is stored as json_dumps(f, JSON_COMPACT) writes it (db/finding.c writes it
 * itself): escapes, code points beyond the BMP, nesting, numbers; a real is left to jansson. */
START_TEST(test_findings_body_as_jansson_writes_it)
{
	static const char text[] =
	    "[{\"rule\": \"T01\", \"family\": \"table\", \"severity\": \"error\","
	    "  \"message_zh\": \"引号\\\"反斜杠\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f\\u007f / 😀 "
	    "表六\","
	    "  \"place\": {\"table\": {\"position\": 6}, \"row\": {\"index\": 0},"
	    "             \"quote\": \"\\u0002 stx\", \"page\": 19},"
	    "  \"extra\": [1, -9007199254740993, true, false, null, {}, [], {\"a\": [[]]}],"
	    "  \"\\u00e9\\n\": \"key\"},"
	    " {\"rule\": \"T01\", \"family\": \"table\", \"severity\": \"error\","
	    "  \"message_zh\": \"框\", \"place\": {\"box\": [3, 56.7, 1e-7, 100.25, 0.1]}}]";
	json_t *seed = load_seed(), *f = findings(text), *one;
	struct db_doc *doc = good_doc(seed);
	char *path;
	struct db *db = fresh_store(&path);
	size_t i;

	import_with(db, doc, text);
	json_array_foreach (f, i, one) {
		char *want = json_dumps(one, JSON_COMPACT | JSON_PRESERVE_ORDER), *have;
		have = body_at(path, i);
		ck_assert_ptr_nonnull(want);
		ck_assert_ptr_nonnull(have);
		ck_assert_str_eq(have, want);
		free(want);
		free(have);
	}
	json_decref(f);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

START_TEST(test_findings_go_with_their_disclosure)
{
	json_t *seed = load_seed();
	struct db_doc *doc = good_doc(seed);
	sqlite3 *sql;
	char *path;
	struct db *db = fresh_store(&path);

	import_with(db, doc, findings_three);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM finding"), 3);
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_exec(sql, "PRAGMA foreign_keys = ON; DELETE FROM disclosure", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(sql);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM finding"), 0);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

START_TEST(test_findings_filtered_across_the_store)
{
	json_t *seed = load_seed();
	struct db_doc *a = good_doc(seed), *b;
	struct db_finding_counts c;
	struct seen_findings s;
	char *path;
	struct db *db = fresh_store(&path);

	json_object_set_new(at(seed, "department"), "id", json_string("aa-office"));
	json_object_set_new(seed, "year", json_integer(2020));
	b = good_doc(seed);
	import_with(db, a, findings_three);
	import_with(db, b,
	            "[{\"rule\": \"X03\", \"family\": \"text\", \"severity\": \"error\","
	            "\"message_zh\": \"占比 50.77% 与表一不符\"}]");
	s = query(db, (struct db_finding_query){ 0 }, &c);
	ck_assert_str_eq(s.list, "aa-office/2020/budget/0 X03 error;"
	                         "kashi-urumqi-office/2021/budget/0 T01 error;"
	                         "kashi-urumqi-office/2021/budget/1 X03 warning;"
	                         "kashi-urumqi-office/2021/budget/2 T01 error;");
	ck_assert_uint_eq(c.total, 4);
	ck_assert_uint_eq(c.error, 3);
	s = query(db, (struct db_finding_query){ .severity = "error" }, &c);
	ck_assert_int_eq(s.n, 3);
	s = query(db, (struct db_finding_query){ .rule = "X03" }, &c);
	ck_assert_str_eq(s.list, "aa-office/2020/budget/0 X03 error;"
	                         "kashi-urumqi-office/2021/budget/1 X03 warning;");
	ck_assert_uint_eq(c.warning, 1);
	s = query(db, (struct db_finding_query){ .family = "table", .year = 2021 }, &c);
	ck_assert_int_eq(s.n, 2);
	s = query(db, (struct db_finding_query){ .year = 2020 }, &c);
	ck_assert_int_eq(s.n, 1);
	s = query(db, (struct db_finding_query){ .kind = "final" }, &c);
	ck_assert_int_eq(s.n, 0);
	ck_assert_uint_eq(c.total, 0);
	s = query(db, (struct db_finding_query){ .limit = 2, .offset = 1 }, &c);
	ck_assert_str_eq(s.list, "kashi-urumqi-office/2021/budget/0 T01 error;"
	                         "kashi-urumqi-office/2021/budget/1 X03 warning;");
	ck_assert_uint_eq(c.total, 4);
	db_doc_free(a);
	db_doc_free(b);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

/* A malformed finding: nothing of the array is stored, the document still is. */
static const struct {
	const char *findings, *path;
} bad_findings[] = {
	{ "{}", "$" },
	{ "[{\"rule\":\"T01\",\"family\":\"table\",\"severity\":\"error\",\"message_zh\":\"x\"},"
	  "{\"rule\":\"T01\",\"family\":\"table\",\"severity\":\"fatal\",\"message_zh\":\"x\"}]",
	  "$[1].severity" },
	{ "[{\"rule\":\"T01\",\"family\":\"tables\",\"severity\":\"error\",\"message_zh\":\"x\"}]",
	  "$[0].family" },
	{ "[{\"rule\":\"T 1\",\"family\":\"table\",\"severity\":\"error\",\"message_zh\":\"x\"}]",
	  "$[0].rule" },
	{ "[{\"rule\":\"T01\",\"family\":\"table\",\"severity\":\"error\"}]", "$[0].message_zh" },
	{ "[{\"rule\":\"T01\",\"family\":\"table\",\"severity\":\"error\",\"message_zh\":\"x\","
	  "\"expected\":299.49}]",
	  "$[0].expected" },
	{ "[{\"rule\":\"T01\",\"family\":\"table\",\"severity\":\"error\",\"message_zh\":\"x\","
	  "\"place\":{\"table\":{\"position\":0}}}]",
	  "$[0].place.table.position" },
	{ "[{\"rule\":\"T01\",\"family\":\"table\",\"severity\":\"error\",\"message_zh\":\"x\","
	  "\"place\":{\"row\":{\"index\":-1}}}]",
	  "$[0].place.row.index" },
};

START_TEST(test_bad_findings_refused)
{
	json_t *seed = load_seed(), *f = findings(bad_findings[_i].findings);
	struct db_doc *doc = good_doc(seed);
	struct db_error err = { 0 };
	struct db_import *im;
	char *path;
	struct db *db = fresh_store(&path);

	im = db_import_begin(db, &err);
	ck_assert_ptr_nonnull(im);
	ck_assert_int_eq(db_import_add(im, doc, &err), 0);
	ck_assert_int_eq(db_import_add_findings(im, f, &err), -1);
	ck_assert_int_eq(err.code, DB_BAD_FINDINGS);
	ck_assert_str_eq(err.path, bad_findings[_i].path);
	ck_assert_int_eq(db_import_commit(im, &err), 0);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM disclosure"), 1);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM finding"), 0);
	json_decref(f);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

/* #17: SQLite counts no memory (its statistics take a process-wide mutex on every
 * allocation). Red when store.c's constructor is gone: the open and the query below would
 * leave memory counted as in use. */
START_TEST(test_sqlite_keeps_no_memory_statistics)
{
	char *path;
	struct db *db = fresh_store(&path);
	int64_t n = -1;

	ck_assert_int_eq(db_disclosure_count(db, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(sqlite3_memory_used(), 0);
	ck_assert_int_eq(sqlite3_memory_highwater(0), 0);
	drop_store(db, path);
}
END_TEST

static int count_department(void *ctx, const struct db_department *d)
{
	(void)d;
	++*(int *)ctx;
	return 0;
}

/* The number of departments of an unfiltered list, read by ro with a page of one (so that it
 * is counted, not inferred from a short page). */
static size_t department_total(struct db *ro, int year)
{
	struct db_department_query q = { .year = year, .limit = 1 };
	struct db_error err = { 0 };
	size_t total = 0;
	int seen = 0;

	ck_assert_int_eq(db_departments(ro, &q, count_department, &seen, &total, &err), 0);
	ck_assert_int_eq(seen, 1);
	return total;
}

/* The store's latest import (db_modified with no department) and the unfiltered department
 * count are kept by a read-only connection between calls, since each reads a whole table,
 * and follow another connection's commit. Red when a kept value is used without asking
 * data_version, or kept under the wrong year. */
START_TEST(test_latest_import_follows_other_connections)
{
	json_t *seed = load_seed();
	struct db_doc *doc = good_doc(seed), *other;
	struct db_error err = { 0 };
	char *path;
	struct db *db = fresh_store(&path), *ro;
	int64_t t = -1;
	sqlite3 *w;

	import_ok(db, &doc, 1);
	ro = db_open(path, false, &err);
	ck_assert_msg(ro != NULL, "open: %s", err.text);
	ck_assert_int_eq(db_modified(ro, NULL, 0, NULL, NULL, &t, &err), 0);
	ck_assert_int_eq(t, tu_sql_int(path, "SELECT imported_at FROM disclosure"));
	ck_assert_int_eq(sqlite3_open(path, &w), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_exec(w, "UPDATE disclosure SET imported_at = 4102444800", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(w);
	for (int i = 0; i < 2; i++) {
		t = -1;
		ck_assert_int_eq(db_modified(ro, NULL, 0, NULL, NULL, &t, &err), 0);
		ck_assert_int_eq(t, 4102444800); /* 2100-01-01 */
	}
	ck_assert_int_eq(department_total(ro, 0), 1);
	json_object_set_new(at(seed, "department"), "id", json_string("another-office"));
	json_object_set_new(seed, "year", json_integer(2020));
	other = good_doc(seed);
	import_ok(db, &other, 1);
	ck_assert_int_eq(department_total(ro, 0), 2);
	ck_assert_int_eq(department_total(ro, 2021), 1);
	ck_assert_int_eq(department_total(ro, 2020), 1);
	ck_assert_int_eq(department_total(ro, 0), 2);
	db_close(ro);
	db_doc_free(other);
	db_doc_free(doc);
	drop_store(db, path);
	json_decref(seed);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("db");
	TCase *store = tcase_create("store"), *bad = tcase_create("bad input");

	tcase_add_test(store, test_round_trip_every_figure);
	tcase_add_test(store, test_published_totals_stored_exactly);
	tcase_add_test(store, test_reimport_replaces_and_keeps_ids);
	tcase_add_test(store, test_leaf_list_batches_keep_rows_in_order);
	tcase_add_test(store, test_export_part_reads_only_its_part);
	tcase_add_test(store, test_read_snapshot_hides_a_concurrent_import);
	tcase_add_test(store, test_kept_read_transaction_ends_when_asked);
	tcase_add_test(store, test_many_departments_years_and_kinds);
	tcase_add_test(store, test_failed_import_leaves_store_unchanged);
	tcase_add_test(store, test_many_files_still_refuse_a_second_for_one_disclosure);
	tcase_add_test(store, test_disclosure_map_follows_imports);
	tcase_add_test(store, test_inserts_build_no_temporary_btree);
	tcase_add_test(store, test_store_refuses_foreign_files);
	tcase_add_test(store, test_new_store_pages_of_8k_old_store_kept);
	tcase_add_test(store, test_sqlite_keeps_no_memory_statistics);
	tcase_add_test(store, test_latest_import_follows_other_connections);
	tcase_add_test(store, test_schema_matches_model);
	tcase_add_test(store, test_store_schema_matches_model);
	tcase_add_test(store, test_published_decimals_round_trip);
	tcase_add_test(store, test_table_types_from_titles);
	tcase_add_test(store, test_v2_document_round_trip);
	tcase_add_test(store, test_unit_level_beside_department);
	tcase_add_test(store, test_v1_relaxed_but_without_v2_fields);
	tcase_add_test(store, test_v1_store_upgrades_keeping_every_figure);
	tcase_add_test(store, test_upgraded_schema_is_the_new_schema);
	tcase_add_test(store, test_failed_upgrade_leaves_v1_store);
	tcase_add_test(store, test_upgrade_types_and_units_tables);
	tcase_add_loop_test(bad, test_v2_bad_input_rejected, 0,
	                    (int)(sizeof(v2_bad_cases) / sizeof(v2_bad_cases[0])));
	tcase_add_loop_test(bad, test_bad_input_rejected, 0,
	                    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(bad, test_error_line_and_column);
	tcase_add_test(bad, test_malformed_json);
	tcase_add_test(bad, test_duplicate_key);
	tcase_add_test(bad, test_oversize_file);
	tcase_add_test(bad, test_all_problems_reported);
	tcase_add_test(bad, test_text_that_stays_allowed);
	tcase_add_test(bad, test_bom_and_nul_named);
	tcase_add_test(store, test_findings_stored_and_replaced);
	tcase_add_test(store, test_findings_body_as_jansson_writes_it);
	tcase_add_test(store, test_findings_go_with_their_disclosure);
	tcase_add_test(store, test_findings_filtered_across_the_store);
	tcase_add_loop_test(bad, test_bad_findings_refused, 0,
	                    (int)(sizeof(bad_findings) / sizeof(bad_findings[0])));
	suite_add_tcase(s, store);
	suite_add_tcase(s, bad);
	return tu_run_suite(s);
}
