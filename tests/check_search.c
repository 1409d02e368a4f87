// SPDX-License-Identifier: MIT
// The search index (db/search.c): written with each disclosure in its import, replaced with
// it (no stale entry of a replaced disclosure is ever found, each distinct text indexed once
// and kept while an entry says it), built by the upgrade of a version 2 or 3 store or at the
// end of a bulk import, and queried with q taken literally.
// Expected hits are read off the seed (db/data/kashi-urumqi-office-2021-budget.json) by hand.
#include "db.h"
#include "internal.h"
#include "util.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct db_doc *doc_of(const char *text)
{
	struct db_doc *d = db_doc_parse(text, strlen(text), "seed.json", NULL, NULL);

	ck_assert_msg(d != NULL, "the document should be valid");
	return d;
}

/* The seed's text with every from replaced by to (same length or not); caller frees. */
static char *seed_with(const char *from, const char *to)
{
	size_t n, fl = strlen(from), tl = strlen(to), k = 0;
	char *text = tu_read_file(tu_env("BUDGETD_SEED"), &n), *out = malloc(n * 4 + 1);

	ck_assert_ptr_nonnull(text);
	for (const char *p = text; *p != '\0';) {
		if (fl > 0 && strncmp(p, from, fl) == 0) {
			memcpy(out + k, to, tl);
			k += tl;
			p += fl;
		} else {
			out[k++] = *p++;
		}
	}
	out[k] = '\0';
	free(text);
	return out;
}

static void import_text(struct db *db, const char *text)
{
	struct db_doc *d = doc_of(text);
	struct db_error err = { 0 };

	ck_assert_msg(db_import(db, &d, 1, &err) == 0, "import: %s", err.text);
	db_doc_free(d);
}

/* What a query found: the count, and the page as "hit department place snippet" lines. */
struct found {
	size_t total;
	bool names_only;
	char lines[8192];
};

static int collect(void *ctx, const struct db_search_hit *h)
{
	struct found *f = ctx;
	size_t len = strlen(f->lines);
	char *place = h->place ? json_dumps(h->place, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	snprintf(f->lines + len, sizeof(f->lines) - len, "%s %s %s %s\n", h->hit, h->department,
	         place ? place : "-", h->snippet);
	free(place);
	return 0;
}

static struct found find(struct db *db, const char *q, const char *hit)
{
	struct db_search_query query = { .q = q, .hit = hit, .limit = 100 };
	struct db_search_info info;
	struct db_error err = { 0 };
	struct found f = { 0 };

	ck_assert_msg(db_search(db, &query, collect, &f, &info, &err) == 0, "%s: %s", q, err.text);
	f.total = info.total;
	f.names_only = info.names_only;
	return f;
}

/* db/search.c's SHARED_FROM: a text is indexed by each entry that says it until this many
 * do, then once. Stated again here, so that a change of it is a change of this test too. */
#define SHARED_FROM 32
#define SHARED_FROM_S "32"

/* text (a disclosure's JSON, freed) with times more glossary terms term defined as def
 * (entries that say one text); caller frees. */
static char *with_terms(char *text, const char *term, const char *def, int times)
{
	json_t *doc = json_loads(text, 0, NULL), *glossary = json_object_get(doc, "glossary");
	char *out;

	ck_assert_ptr_nonnull(glossary);
	for (int i = 0; i < times; i++)
		json_array_append_new(glossary,
		                      json_pack("{s:s, s:s}", "term", term, "definition", def));
	out = json_dumps(doc, 0);
	json_decref(doc);
	free(text);
	return out;
}

/* The rows FTS5 table fts counts itself (the first varint of its averages record, id 1 of
 * its _data table): each 'delete' of a row takes one off, one never inserted too. */
static int64_t fts_rows(const char *path, const char *fts)
{
	char query[128];
	sqlite3 *sql = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t v = 0;

	snprintf(query, sizeof(query), "SELECT block FROM %s_data WHERE id = 1", fts);
	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(sql, query, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *p = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);
		for (int i = 0; i < n && i < 9; i++) {
			v = i == 8 ? v << 8 | p[i] : v << 7 | (p[i] & 0x7f);
			if (i < 8 && (p[i] & 0x80) == 0)
				break;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(sql);
	return (int64_t)v;
}

/* The statistics ranks read (search_stat) are sums over the entries, and every text is said
 * by as many entries as it counts, at least one. */
static void check_stat(const char *path)
{
	/* each index was told of a row's going only when it had it (a text moving to
	 * search_shared leaves search with its old entries, never with the new ones) */
	ck_assert_int_eq(fts_rows(path, "search"),
	                 tu_sql_int(path, "SELECT count(*) FROM search_docsize"));
	ck_assert_int_eq(fts_rows(path, "search_shared"),
	                 tu_sql_int(path, "SELECT count(*) FROM search_shared_docsize"));
	ck_assert_int_eq(tu_sql_int(path, "SELECT entries FROM search_stat"),
	                 tu_sql_int(path, "SELECT count(*) FROM search_entry"));
	ck_assert_int_eq(tu_sql_int(path, "SELECT name_size FROM search_stat"),
	                 tu_sql_int(path, "SELECT sum(t.name_size) FROM search_entry e JOIN "
	                                  "search_text t ON t.id = e.text"));
	ck_assert_int_eq(tu_sql_int(path, "SELECT body_size FROM search_stat"),
	                 tu_sql_int(path, "SELECT sum(t.body_size) FROM search_entry e JOIN "
	                                  "search_text t ON t.id = e.text"));
	ck_assert_int_gt(tu_sql_int(path, "SELECT body_size FROM search_stat"), 1000);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_text t WHERE refs < 1 OR "
	                                  "refs != (SELECT count(*) FROM search_entry e WHERE "
	                                  "e.text = t.id)"),
	                 0);
	/* a text said by fewer than SHARED_FROM entries is indexed as each of them, one said
	 * by more as itself, once (and stays so when fewer say it again) */
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_shared_docsize"),
	                 tu_sql_int(path, "SELECT count(*) FROM search_text WHERE shared = 1"));
	ck_assert_int_eq(
	    tu_sql_int(path, "SELECT count(*) FROM search_docsize"),
	    tu_sql_int(path, "SELECT ifnull(sum(refs), 0) FROM search_text WHERE shared = 0"));
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_entry e JOIN search_text t "
	                                  "ON t.id = e.text WHERE t.shared = 0 AND NOT EXISTS "
	                                  "(SELECT 1 FROM search_docsize d WHERE d.id = e.entry)"),
	                 0);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_text WHERE shared = 0 AND "
	                                  "refs >= " SHARED_FROM_S),
	                 0);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_text t WHERE shared = 1 "
	                                  "AND NOT EXISTS (SELECT 1 FROM search_shared_docsize d "
	                                  "WHERE d.id = t.id)"),
	                 0);
}

/* The seed's project that says 视联网 (its name, 政策依据, 资金分配, 绩效目标): the only one. */
#define SLW_PROJECT "project kashi-urumqi-office {\"project\":\"service-upgrade-retention\"} "

START_TEST(test_reimport_replaces_entries)
{
	char *path = tu_temp_path(".sqlite"), *seed = seed_with("", ""),
	     *renamed = seed_with("视联网", "远程会商"),
	     *other = seed_with("\"kashi-urumqi-office\"", "\"kashi-copy\"");
	struct db_error err = { 0 };
	struct db *db = db_open(path, true, &err);
	struct found f;
	int64_t entries;

	ck_assert_msg(db != NULL, "open: %s", err.text);
	import_text(db, seed);
	import_text(db, other);
	entries = tu_sql_int(path, "SELECT count(*) FROM search_entry");
	ck_assert_int_gt(entries, 500); /* two disclosures of 9 tables, 18 explanations... */
	f = find(db, "视联网", "project");
	ck_assert_uint_eq(f.total, 2); /* the seed's project, in each department */
	ck_assert_msg(strstr(f.lines, SLW_PROJECT) != NULL, "%s", f.lines);
	ck_assert_msg(strstr(f.lines, "\x01视联网\x02") != NULL, "marked: %s", f.lines);

	/* The seed again without 视联网: the replaced disclosure's entries are gone, the copy's
	 * stay, and the index holds as many entries as before. */
	check_stat(path);
	import_text(db, renamed);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_entry"), entries);
	check_stat(path);
	f = find(db, "视联网", NULL);
	ck_assert_msg(strstr(f.lines, " kashi-urumqi-office ") == NULL, "stale: %s", f.lines);
	ck_assert_uint_gt(f.total, 0);
	f = find(db, "远程会商", "project");
	ck_assert_uint_eq(f.total, 1);
	ck_assert_msg(strstr(f.lines, SLW_PROJECT) != NULL, "%s", f.lines);
	/* names for 1-2 character queries are replaced too, and their characters */
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_gram WHERE entry NOT IN "
	                                  "(SELECT entry FROM search_name)"),
	                 0);
	ck_assert_int_gt(tu_sql_int(path, "SELECT count(*) FROM search_gram"), 100);
	ck_assert_int_eq(
	    tu_sql_int(path, "SELECT count(*) FROM search_name"),
	    tu_sql_int(path,
	               "SELECT count(*) FROM search_entry WHERE (entry >> 20) & 15 IN (0, 4)"));
	db_close(db);
	tu_unlink_store(path);
	free(path);
	free(seed);
	free(renamed);
	free(other);
}
END_TEST

START_TEST(test_upgraded_v2_store_is_searchable)
{
	char *path;
	struct db_error err = { 0 };
	struct db *db;
	struct found f;
	int from;

	path = tu_fixture_copy("kashi-v2.sqlite");
	ck_assert_msg(db_upgrade(path, &from, &err) == 0, "upgrade: %s", err.text);
	ck_assert_int_eq(from, 2);
	db = db_open(path, false, &err);
	ck_assert_msg(db != NULL, "open: %s", err.text);
	/* The seed prints 201 03 99 in 表二 row 4, 表三 row 4, 表五 row 3, 表七 rows 3..11. */
	f = find(db, "2010399", NULL);
	ck_assert_uint_eq(f.total, 12);
	ck_assert_msg(strstr(f.lines, "row kashi-urumqi-office {\"row\":4,\"table\":2} ") != NULL,
	              "%s", f.lines);
	ck_assert_msg(strstr(f.lines, "row kashi-urumqi-office {\"row\":11,\"table\":7} ") != NULL,
	              "%s", f.lines);
	f = find(db, "视联网", "project");
	ck_assert_uint_eq(f.total, 1);
	db_close(db);
	tu_unlink_store(path);
	free(path);
}
END_TEST

START_TEST(test_q_is_literal_and_short_q_searches_names)
{
	static const char *const odd[] = {
		"\"",      "\"\"",     "*",      "视联网*",     "NEAR(视联网 会议室)",
		"(视联网", "视联网\"", "a OR b", "name:视联网", "^x"
	};
	char *path = tu_temp_path(".sqlite"), *seed = seed_with("", "");
	struct db_error err = { 0 };
	struct db *db = db_open(path, true, &err);
	struct found f;

	ck_assert_msg(db != NULL, "open: %s", err.text);
	import_text(db, seed);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		(void)find(db, odd[i], NULL); /* find() asserts success */
	ck_assert_uint_eq(find(db, "视联网*", NULL).total, 0);
	ck_assert_uint_eq(find(db, "   ", NULL).total, 0);
	/* Two terms: both must be there (the project and its texts say 视联网 and 会议室). */
	f = find(db, "视联网 会议室", "project");
	ck_assert_uint_eq(f.total, 1);
	/* 喀什 is in the department's name and in one project's name
	 * (驻乌鲁木齐市、昌吉州喀什籍人员服务管理工作站工作项目): the department first. */
	f = find(db, "喀什", NULL);
	ck_assert(f.names_only);
	ck_assert_uint_eq(f.total, 2);
	ck_assert_msg(
	    strncmp(f.lines, "department kashi-urumqi-office - 新疆维吾尔自治区\x01喀什\x02",
	            strlen("department kashi-urumqi-office - 新疆维吾尔自治区\x01喀什\x02")) == 0,
	    "%s", f.lines);
	ck_assert_msg(strstr(f.lines, "project kashi-urumqi-office "
	                              "{\"project\":\"kashgar-workers-station\"} ") != NULL,
	              "%s", f.lines);
	db_close(db);
	tu_unlink_store(path);
	free(path);
	free(seed);
}
END_TEST

/* More than 1000 places match: the latest 1000 are ranked and served, and the answer says so.
 * The seed's glossary (8 terms) is given 1100 more, each defined as 同一释义. */
START_TEST(test_more_than_1000_hits_are_capped)
{
	json_t *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, NULL);
	json_t *glossary = json_object_get(seed, "glossary");
	char *path = tu_temp_path(".sqlite"), *text, term[32];
	struct db_search_query q = { .q = "同一释义", .limit = 100, .offset = 950 };
	struct db_search_info info;
	struct db_error err = { 0 };
	struct db *db = db_open(path, true, &err);
	struct found f = { 0 };

	ck_assert_ptr_nonnull(glossary);
	for (int i = 0; i < 1100; i++) {
		snprintf(term, sizeof(term), "名词%d", i);
		json_array_append_new(
		    glossary, json_pack("{s:s, s:s}", "term", term, "definition", "同一释义"));
	}
	text = json_dumps(seed, 0);
	import_text(db, text);
	ck_assert_msg(db_search(db, &q, collect, &f, &info, &err) == 0, "%s", err.text);
	ck_assert(info.capped);
	ck_assert_uint_eq(info.total, 1000);
	/* equal ranks: the latest first, so the page past 950 ends at the 1000th latest, term
	 * 100 (glossary index 108), and term 99 (the 1001st) is not served */
	ck_assert_msg(strstr(f.lines, "{\"glossary\":108}") != NULL, "%s", f.lines);
	ck_assert_msg(strstr(f.lines, "{\"glossary\":107}") == NULL, "%s", f.lines);
	f = find(db, "同一释义", "project");
	ck_assert_uint_eq(f.total, 0);
	db_close(db);
	tu_unlink_store(path);
	free(path);
	free(text);
	json_decref(seed);
}
END_TEST

/* Counts each glossary place a search serves (ctx: int[GLOSSARY + 8], by glossary index). */
#define GLOSSARY 3000

static int count_glossary(void *ctx, const struct db_search_hit *h)
{
	json_int_t k = json_integer_value(json_object_get(h->place, "glossary"));

	ck_assert(k >= 0 && k < GLOSSARY + 8);
	((int *)ctx)[k]++;
	return 0;
}

/* The window mixes texts indexed per entry and shared ones: the latest 1000 places either
 * says, each once. The seed's glossary (8 terms) is given 3000 more, term i at glossary index
 * 8 + i: every third (i % 3 == 0) its own name and definition 同一释义第i条, said once; the
 * others one name and 同一释义 (a text, name and body, said 1200 times from the 1200th on),
 * 同一释义甲 or 同一释义乙 before (400 times each, shared too). The shared texts' latest entries are
 * read a few at a time (the first reads stop short of a window), and a window of them
 * leaves the texts said once below its last unread: red when either is cut short. */
START_TEST(test_window_merges_once_and_shared_texts)
{
	json_t *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, NULL);
	json_t *glossary = json_object_get(seed, "glossary");
	char *path = tu_temp_path(".sqlite"), *text, term[32], def[64];
	struct db_search_query q = { .q = "同一释义", .limit = 1100 };
	struct db_search_info info;
	struct db_error err = { 0 };
	struct db *db = db_open(path, true, &err);
	int seen[GLOSSARY + 8] = { 0 };

	ck_assert_ptr_nonnull(glossary);
	for (int i = 0; i < GLOSSARY; i++) {
		snprintf(term, sizeof(term), "名词%d", i % 3 == 0 ? i : -1);
		if (i % 3 == 0)
			snprintf(def, sizeof(def), "同一释义第%d条", i);
		else
			snprintf(def, sizeof(def), "同一释义%s",
			         i >= 1200    ? ""
			         : i % 2 == 0 ? "甲"
			                      : "乙");
		json_array_append_new(glossary,
		                      json_pack("{s:s, s:s}", "term", term, "definition", def));
	}
	text = json_dumps(seed, 0);
	import_text(db, text);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_text WHERE shared = 1 AND "
	                                  "body LIKE '同一释义%'"),
	                 3);
	ck_assert_msg(db_search(db, &q, count_glossary, seen, &info, &err) == 0, "%s", err.text);
	ck_assert(info.capped);
	ck_assert_uint_eq(info.total, 1000);
	/* the latest 1000 are terms 2000..2999, each once */
	for (int k = 0; k < GLOSSARY + 8; k++)
		ck_assert_msg(seen[k] == (k >= 2008), "glossary %d served %d times", k, seen[k]);
	/* the shared texts' name alone: a window of their entries only, the latest 1000 of the
	 * terms not a multiple of 3 (1500..2999), each once: red when the shared texts' reads
	 * stop short of a whole window */
	memset(seen, 0, sizeof(seen));
	q.q = "名词-1";
	ck_assert_msg(db_search(db, &q, count_glossary, seen, &info, &err) == 0, "%s", err.text);
	ck_assert(info.capped);
	ck_assert_uint_eq(info.total, 1000);
	for (int k = 0; k < GLOSSARY + 8; k++)
		ck_assert_msg(seen[k] == (k >= 1508 && (k - 8) % 3 != 0),
		              "名词-1: glossary %d served %d times", k, seen[k]);
	db_close(db);
	tu_unlink_store(path);
	free(path);
	free(text);
	json_decref(seed);
}
END_TEST

/* Every row of query in the store at path, columns separated by \x1f, with search_v and
 * search_sv the indexes' every term instance (fts5vocab: search, search_shared); caller
 * frees. */
static char *dump(const char *path, const char *query)
{
	sqlite3 *sql = NULL;
	sqlite3_stmt *st = NULL;
	size_t len = 0, cap = 1 << 16;
	char *out = malloc(cap);

	ck_assert_int_eq(sqlite3_open_v2(path, &sql, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql,
	                              "CREATE VIRTUAL TABLE temp.search_v USING "
	                              "fts5vocab(main, search, instance); "
	                              "CREATE VIRTUAL TABLE temp.search_sv USING "
	                              "fts5vocab(main, search_shared, instance)",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(sql, query, -1, &st, NULL) == SQLITE_OK, "%s: %s", query,
	              sqlite3_errmsg(sql));
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW)
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			size_t n = v ? strlen(v) : 4;
			while (len + n + 2 > cap)
				out = realloc(out, cap *= 2);
			len += (size_t)snprintf(out + len, cap - len, "%s%c", v ? v : "NULL",
			                        c + 1 < sqlite3_column_count(st) ? '\x1f' : '\n');
		}
	sqlite3_finalize(st);
	sqlite3_close(sql);
	return out;
}

/* Imports texts (n of them) in one import. */
static void import_all(struct db *db, char *const *texts, int n)
{
	struct db_doc *docs[4] = { NULL };
	struct db_error err = { 0 };

	ck_assert_int_le(n, 4);
	for (int i = 0; i < n; i++)
		docs[i] = doc_of(texts[i]);
	ck_assert_msg(db_import(db, docs, (size_t)n, &err) == 0, "import: %s", err.text);
	for (int i = 0; i < n; i++)
		db_doc_free(docs[i]);
}

/* Each distinct text is indexed once and counted by the entries that say it: a replaced
 * disclosure's text that nothing else says leaves the index itself (not only its entries),
 * and a text two disclosures say stays, and is found, when one of them is replaced. 视联网
 * is said by the seed's project alone (SLW_PROJECT). */
START_TEST(test_texts_leave_with_their_last_entry)
{
	/* the texts indexed that say it: per entry and shared */
	static const char match[] =
	    "SELECT (SELECT count(*) FROM search WHERE search MATCH '视联网') + (SELECT count(*) "
	    "FROM search_shared WHERE search_shared MATCH '视联网')";
	char *path = tu_temp_path(".sqlite"), *seed = seed_with("", ""),
	     *renamed = seed_with("视联网", "远程会商"),
	     *other = seed_with("\"kashi-urumqi-office\"", "\"kashi-copy\"");
	struct db_error err = { 0 };
	struct db *db = db_open(path, true, &err);
	int64_t texts, seen;
	struct found f;
	size_t once;

	ck_assert_msg(db != NULL, "open: %s", err.text);
	import_text(db, seed);
	texts = tu_sql_int(path, "SELECT count(*) FROM search_text");
	seen = tu_sql_int(path, match);
	ck_assert_int_gt(seen, 0);
	once = find(db, "视联网", NULL).total;
	ck_assert_uint_gt(once, 1);
	/* replaced: its texts with 视联网 are gone from the index, the others are kept */
	import_text(db, renamed);
	ck_assert_int_eq(tu_sql_int(path, match), 0);
	ck_assert_uint_eq(find(db, "视联网", NULL).total, 0);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_text"), texts);
	check_stat(path);
	/* the seed and its copy in another department say the same texts; the seed replaced,
	 * the copy's are still found, every one */
	import_text(db, seed);
	import_text(db, other);
	/* (each said twice: indexed by each entry) */
	ck_assert_int_eq(tu_sql_int(path, match), 2 * seen);
	ck_assert_uint_eq(find(db, "视联网", NULL).total, 2 * once);
	import_text(db, renamed);
	ck_assert_int_eq(tu_sql_int(path, match), seen);
	f = find(db, "视联网", NULL);
	ck_assert_uint_eq(f.total, once);
	ck_assert_msg(strstr(f.lines, " kashi-urumqi-office ") == NULL, "stale: %s", f.lines);
	ck_assert_msg(strstr(f.lines, " kashi-copy ") != NULL, "lost: %s", f.lines);
	check_stat(path);
	db_close(db);
	tu_unlink_store(path);
	free(path);
	free(seed);
	free(renamed);
	free(other);
}
END_TEST

/* A text said once is indexed as its entry; said again by a later import, it is indexed as
 * that entry too (fewer than SHARED_FROM say it), and every hit is found once, in the same
 * order as in a store whose import said it twice at once. Then the first replaced: the texts
 * are found by the one entry left. 视联网 is said by the seed's project alone
 * (SLW_PROJECT). */
START_TEST(test_text_said_again_stays_per_entry)
{
	static const char *const queries[] = { "视联网", "2010399", "经费", "会议室 视联网",
		                               "机关运行" };
	static const char once[] = "SELECT count(*) FROM search WHERE search MATCH '视联网'";
	static const char shared[] =
	    "SELECT count(*) FROM search_shared WHERE search_shared MATCH '视联网'";
	char *texts[2] = { seed_with("", ""),
		           seed_with("\"kashi-urumqi-office\"", "\"kashi-copy\"") },
	     *renamed = seed_with("视联网", "远程会商"), *path[2];
	struct db_error err = { 0 };
	struct db *db[2];
	struct found f;
	int64_t seen;
	size_t alone;

	for (int k = 0; k < 2; k++) {
		path[k] = tu_temp_path(".sqlite");
		db[k] = db_open(path[k], true, &err);
		ck_assert_msg(db[k] != NULL, "open: %s", err.text);
	}
	import_text(db[0], texts[0]);
	ck_assert_int_gt(tu_sql_int(path[0], once), 0);
	ck_assert_int_eq(tu_sql_int(path[0], shared), 0);
	alone = find(db[0], "视联网", NULL).total;
	ck_assert_uint_gt(alone, 1);
	seen = tu_sql_int(path[0], once);
	import_text(db[0], texts[1]); /* the copy: every text said again */
	ck_assert_int_eq(tu_sql_int(path[0], once), 2 * seen);
	ck_assert_int_eq(tu_sql_int(path[0], shared), 0);
	check_stat(path[0]);
	import_all(db[1], texts, 2);
	ck_assert_int_eq(tu_sql_int(path[1], once), 2 * seen);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct found x = find(db[0], queries[i], NULL), y = find(db[1], queries[i], NULL);
		ck_assert_msg(x.total > 0, "%s: nothing", queries[i]);
		ck_assert_msg(x.total == y.total && strcmp(x.lines, y.lines) == 0,
		              "%s: %zu hits\n%s\nagainst %zu\n%s", queries[i], x.total, x.lines,
		              y.total, y.lines);
	}
	ck_assert_uint_eq(find(db[0], "视联网", NULL).total, 2 * alone);
	/* the seed replaced by one without 视联网: its texts are found by the copy's entries,
	 * every one */
	import_text(db[0], renamed);
	f = find(db[0], "视联网", NULL);
	ck_assert_uint_eq(f.total, alone);
	ck_assert_msg(strstr(f.lines, " kashi-urumqi-office ") == NULL, "stale: %s", f.lines);
	ck_assert_msg(strstr(f.lines, " kashi-copy ") != NULL, "lost: %s", f.lines);
	check_stat(path[0]);
	for (int k = 0; k < 2; k++) {
		db_close(db[k]);
		tu_unlink_store(path[k]);
		free(path[k]);
		free(texts[k]);
	}
	free(renamed);
}
END_TEST

/* Two texts of one key (db/search.c's text_key(), FNV-1a): (碰撞, CLASH_A) and (碰撞,
 * CLASH_B), found by a search for a collision of the hash after "\1碰撞\1". */
#define CLASH_TERM "碰撞"
#define CLASH_A "42b18fbed12f8446"
#define CLASH_B "8e716b1d70c8c286"

/* How many entries say (碰撞, body): its search_text row's refs, -1 when it has none. */
static int64_t clash_refs(const char *path, const char *body)
{
	char query[256];

	snprintf(query, sizeof(query),
	         "SELECT ifnull((SELECT refs FROM search_text WHERE name = '" CLASH_TERM
	         "' AND body = '%s'), -1)",
	         body);
	return tu_sql_int(path, query);
}

/* The two texts of CLASH_TERM stay two rows of one key, said by a and b entries, each found
 * as many times. */
static void assert_clash(struct db *db, const char *path, int a, int b)
{
	ck_assert_int_eq(tu_sql_int(path,
	                            "SELECT count(*) FROM search_text WHERE name = '" CLASH_TERM
	                            "' GROUP BY key"),
	                 2);
	ck_assert_int_eq(clash_refs(path, CLASH_A), a);
	ck_assert_int_eq(clash_refs(path, CLASH_B), b);
	ck_assert_uint_eq(find(db, CLASH_A, NULL).total, (size_t)a);
	ck_assert_uint_eq(find(db, CLASH_B, NULL).total, (size_t)b);
}

/* Two texts of one key stay two texts, each said by its own entries and found by its own
 * words: within one import (which looks a text up once, then remembers it by its key and
 * words) and in a later one (which finds them in search_text). */
START_TEST(test_texts_of_one_key_stay_apart)
{
	char *path = tu_temp_path(".sqlite"),
	     *seed = with_terms(with_terms(seed_with("", ""), CLASH_TERM, CLASH_A, 1), CLASH_TERM,
	                        CLASH_B, 2),
	     *other = with_terms(with_terms(seed_with("\"kashi-urumqi-office\"", "\"kashi-copy\""),
	                                    CLASH_TERM, CLASH_B, 1),
	                         CLASH_TERM, CLASH_A, 1);
	struct db_error err = { 0 };
	struct db *db = db_open(path, true, &err);

	ck_assert_msg(db != NULL, "open: %s", err.text);
	import_text(db, seed);
	assert_clash(db, path, 1, 2);
	import_text(db, other);
	assert_clash(db, path, 2, 3);
	check_stat(path);
	db_close(db);
	tu_unlink_store(path);
	free(path);
	free(seed);
	free(other);
}
END_TEST

/* How many in the store say the text (阈值名词, 阈值释义), whether it is shared, and its rows
 * in each index: "refs shared per-entry shared-rows", or "-" when no entry says it. */
static char *threshold_state(const char *path, char *buf, size_t size)
{
	int64_t refs = tu_sql_int(path, "SELECT ifnull(sum(refs), -1) FROM search_text WHERE "
	                                "name = '阈值名词'");

	if (refs < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%lld %lld %lld %lld", (long long)refs,
		         (long long)tu_sql_int(path, "SELECT shared FROM search_text WHERE name = "
		                                     "'阈值名词'"),
		         (long long)tu_sql_int(path,
		                               "SELECT count(*) FROM search WHERE search MATCH "
		                               "'阈值释义'"),
		         (long long)tu_sql_int(path, "SELECT count(*) FROM search_shared WHERE "
		                                     "search_shared MATCH '阈值释义'"));
	return buf;
}

/* A text is indexed per entry while fewer than SHARED_FROM entries say it; the SHARED_FROM-th
 * moves it to search_shared (its entries leave search), where it stays when a forget leaves
 * fewer; found once at every place throughout, in the order of a store whose one (bulk)
 * import said it SHARED_FROM times at once, which writes it straight into search_shared.
 * The seed says it SHARED_FROM - 1 times (its glossary), a copy in another department once.
 * Red when the threshold is off by one either way. */
START_TEST(test_text_shared_from_its_32nd_entry)
{
	char *seed = with_terms(seed_with("", ""), "阈值名词", "阈值释义", SHARED_FROM - 1),
	     *texts[2] = { seed, with_terms(seed_with("\"kashi-urumqi-office\"", "\"kashi-copy\""),
		                            "阈值名词", "阈值释义", 1) },
	     *without = seed_with("\"kashi-urumqi-office\"", "\"kashi-copy\""),
	     *plain = seed_with("", ""), *path[2], state[64], expect[64];
	struct db_error err = { 0 };
	struct db *db[2];
	struct found f, g;

	for (int k = 0; k < 2; k++) {
		path[k] = tu_temp_path(".sqlite");
		db[k] = db_open(path[k], true, &err);
		ck_assert_msg(db[k] != NULL, "open: %s", err.text);
	}
	import_text(db[0], seed);
	snprintf(expect, sizeof(expect), "%d 0 %d 0", SHARED_FROM - 1, SHARED_FROM - 1);
	ck_assert_str_eq(threshold_state(path[0], state, sizeof(state)), expect);
	ck_assert_uint_eq(find(db[0], "阈值释义", NULL).total, SHARED_FROM - 1);
	check_stat(path[0]);
	/* the SHARED_FROM-th entry */
	import_text(db[0], texts[1]);
	snprintf(expect, sizeof(expect), "%d 1 0 1", SHARED_FROM);
	ck_assert_str_eq(threshold_state(path[0], state, sizeof(state)), expect);
	check_stat(path[0]);
	ck_assert(db_set_bulk_build(db[1], &err) == 0);
	import_all(db[1], texts, 2);
	ck_assert_str_eq(threshold_state(path[1], state, sizeof(state)), expect);
	f = find(db[0], "阈值释义", NULL);
	g = find(db[1], "阈值释义", NULL);
	ck_assert_uint_eq(f.total, SHARED_FROM);
	ck_assert_msg(f.total == g.total && strcmp(f.lines, g.lines) == 0, "%s\nagainst\n%s",
	              f.lines, g.lines);
	ck_assert_msg(strstr(f.lines, " kashi-copy ") != NULL, "lost: %s", f.lines);
	/* forgotten below SHARED_FROM: still shared, found at the places left, each once */
	import_text(db[0], without);
	snprintf(expect, sizeof(expect), "%d 1 0 1", SHARED_FROM - 1);
	ck_assert_str_eq(threshold_state(path[0], state, sizeof(state)), expect);
	f = find(db[0], "阈值释义", NULL);
	ck_assert_uint_eq(f.total, SHARED_FROM - 1);
	ck_assert_msg(strstr(f.lines, " kashi-copy ") == NULL, "stale: %s", f.lines);
	check_stat(path[0]);
	/* and by none: gone from both */
	import_text(db[0], plain);
	ck_assert_str_eq(threshold_state(path[0], state, sizeof(state)), "-");
	ck_assert_int_eq(tu_sql_int(path[0], "SELECT count(*) FROM search_shared WHERE "
	                                     "search_shared MATCH '阈值释义'"),
	                 0);
	ck_assert_uint_eq(find(db[0], "阈值释义", NULL).total, 0);
	check_stat(path[0]);
	for (int k = 0; k < 2; k++) {
		db_close(db[k]);
		tu_unlink_store(path[k]);
		free(path[k]);
		free(texts[k]);
	}
	free(without);
	free(plain);
}
END_TEST

/* The import files of tests/data/kashi-putuo-v3.sqlite, made by the version 3 budgetctl (main
 * at 8e0bc5f: budgetctl import --db kashi-putuo-v3.sqlite FILES, then VACUUM). */
static const char *const v3_files[] = { "db/data/kashi-urumqi-office-2021-budget.json",
	                                "db/data/putuo-commerce-2025-budget-unit.json" };

/* A version 3 store upgraded answers every search as a store this build imported the same
 * files into: the same hits in the same order (the ranks read the same statistics). */
START_TEST(test_upgraded_v3_store_answers_the_same)
{
	static const char *const queries[] = { "视联网", "一般公共服务",  "2010399",  "经费",
		                               "支出",   "会议室 视联网", "商务",     "乌",
		                               "办",     "机关运行",      "基本支出", "普陀" };
	char src[4200], *path[2], *texts[2];
	struct db_error err = { 0 };
	struct db *db[2];
	size_t n;
	int from;

	path[0] = tu_fixture_copy("kashi-putuo-v3.sqlite");
	ck_assert_int_eq(tu_sql_int(path[0], "PRAGMA user_version"), 3);
	/* budgetd, which opens it read-only, refuses it and names the upgrade */
	ck_assert_ptr_null(db_open(path[0], false, &err));
	ck_assert_msg(strstr(err.text, "schema version 3") != NULL &&
	                  strstr(err.text, "budgetctl upgrade") != NULL,
	              "%s", err.text);
	ck_assert_msg(db_upgrade(path[0], &from, &err) == 0, "upgrade: %s", err.text);
	ck_assert_int_eq(from, 3);
	ck_assert_int_eq(tu_sql_int(path[0], "PRAGMA user_version"), 6);
	check_stat(path[0]);
	db[0] = db_open(path[0], false, &err);
	ck_assert_msg(db[0] != NULL, "open: %s", err.text);
	for (int i = 0; i < 2; i++) {
		snprintf(src, sizeof(src), "%s/%s", tu_env("BUDGETD_SOURCE"), v3_files[i]);
		ck_assert_ptr_nonnull(texts[i] = tu_read_file(src, &n));
	}
	path[1] = tu_temp_path(".sqlite");
	db[1] = db_open(path[1], true, &err);
	ck_assert_msg(db[1] != NULL, "open: %s", err.text);
	import_all(db[1], texts, 2);
	/* derived.sql's read index (read_table.c) comes with the upgrade, and every other index
	 * a new store has; the figures' tables are version 5's WITHOUT ROWID ones, their
	 * primary key the index read_table.c reads */
	ck_assert_int_eq(tu_sql_int(path[0], "SELECT count(*) FROM sqlite_master WHERE type = "
	                                     "'index' AND name = 'table_row_read'"),
	                 1);
	ck_assert_int_eq(tu_sql_int(path[0], "SELECT count(*) FROM pragma_table_list WHERE wr = 1 "
	                                     "AND name IN ('table_column', 'row_amount', "
	                                     "'row_unplaced')"),
	                 3);
	ck_assert_int_eq(
	    tu_sql_int(path[0], "SELECT count(*) FROM sqlite_master WHERE type = 'index'"),
	    tu_sql_int(path[1], "SELECT count(*) FROM sqlite_master WHERE type = 'index'"));
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct found x = find(db[0], queries[i], NULL), y = find(db[1], queries[i], NULL);
		ck_assert_msg(x.total == y.total && strcmp(x.lines, y.lines) == 0,
		              "%s: %zu hits\n%s\nagainst %zu\n%s", queries[i], x.total, x.lines,
		              y.total, y.lines);
		ck_assert_msg(i > 2 || x.total > 0, "%s: nothing found", queries[i]);
	}
	for (int k = 0; k < 2; k++) {
		db_close(db[k]);
		tu_unlink_store(path[k]);
		free(path[k]);
		free(texts[k]);
	}
}
END_TEST

/* Built once at the end of the import (db_set_bulk_build(), budgetctl import --fresh), the
 * index holds what it holds when each disclosure's entries are written with it (every term
 * at every place), and answers the same: three disclosures in one import, the later ones of
 * earlier years (their entries below the first's), then the first replaced. */
START_TEST(test_bulk_build_is_the_same_index)
{
	static const char *const tables[] = {
		/* a bulk flush into an empty index drops search_entry_text and builds it again */
		"SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name",
		"SELECT e.entry, t.name, t.body, e.path, e.place FROM search_entry e JOIN "
		"search_text "
		"t ON t.id = e.text ORDER BY e.entry",
		"SELECT entry, name FROM search_name ORDER BY entry",
		"SELECT gram, entry FROM search_gram ORDER BY gram, entry",
		/* the texts are numbered in the order they come: compared by what they say */
		"SELECT t.key, t.name, t.body, t.refs, t.shared, t.name_size, t.body_size, d.sz "
		"FROM search_text t JOIN search_shared_docsize d ON d.id = t.id "
		"ORDER BY t.name, t.body",
		"SELECT v.term, t.name, t.body, v.col, v.offset FROM search_sv v JOIN search_text "
		"t "
		"ON t.id = v.doc ORDER BY v.term, t.name, t.body, v.col, v.offset",
		"SELECT e.entry, t.key, t.refs, t.shared, t.name_size, t.body_size, d.sz FROM "
		"search_entry e JOIN search_text t ON t.id = e.text JOIN search_docsize d ON d.id "
		"= "
		"e.entry ORDER BY e.entry",
		"SELECT term, doc, col, offset FROM search_v ORDER BY term, doc, col, offset",
	};
	static const char *const queries[] = { "视联网",   "喀什",          "2010399",  "经费",
		                               "远程会商", "会议室 视联网", "乌",       "办",
		                               "共有释义", "共有释义甲",    "共有释义3" };
	char *texts[3] = { seed_with("", ""), seed_with("\"year\": 2021", "\"year\": 2019"),
		           seed_with("\"kashi-urumqi-office\"", "\"kashi-b\"") },
	     *renamed = seed_with("视联网", "远程会商"), *path[2], *a, *b, term[32], def[32];
	struct db_error err = { 0 };
	struct db *db[2];

	/* eight texts said 20 times by each of the first two (shared from the second on, the
	 * first's entries leaving search), 5 by the third; 共有释义甲 10 times by each (30: per
	 * entry) */
	for (int j = 0; j < 8; j++) {
		snprintf(term, sizeof(term), "共有名词%d", j);
		snprintf(def, sizeof(def), "共有释义%d", j);
		for (int k = 0; k < 3; k++)
			texts[k] = with_terms(texts[k], term, def, k < 2 ? 20 : 5);
	}
	for (int k = 0; k < 3; k++)
		texts[k] = with_terms(texts[k], "共有名词甲", "共有释义甲", 10);

	for (int k = 0; k < 2; k++) {
		path[k] = tu_temp_path(".sqlite");
		db[k] = db_open(path[k], true, &err);
		ck_assert_msg(db[k] != NULL, "open: %s", err.text);
		ck_assert(k == 0 || db_set_bulk_build(db[k], &err) == 0);
		import_all(db[k], texts, 3);
		import_all(db[k], &renamed, 1);
	}
	ck_assert_int_eq(
	    tu_sql_int(path[1], "SELECT count(DISTINCT entry >> 24) FROM search_entry"), 3);
	ck_assert_int_gt(tu_sql_int(path[1], "SELECT count(*) FROM search_gram"), 100);
	check_stat(path[0]);
	check_stat(path[1]);
	ck_assert_int_eq(tu_sql_int(path[1], "SELECT count(*) FROM search_text WHERE shared = 1 "
	                                     "AND name LIKE '共有名词%'"),
	                 8);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		a = dump(path[0], tables[i]);
		b = dump(path[1], tables[i]);
		ck_assert_msg(strlen(a) > 400, "%s: %zu bytes", tables[i], strlen(a));
		ck_assert_msg(strcmp(a, b) == 0, "%s differs", tables[i]);
		free(a);
		free(b);
	}
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct found x = find(db[0], queries[i], NULL), y = find(db[1], queries[i], NULL);
		ck_assert_msg(x.total > 0, "%s: nothing", queries[i]);
		ck_assert_uint_eq(x.total, y.total);
		ck_assert_str_eq(x.lines, y.lines);
	}
	for (int k = 0; k < 2; k++) {
		db_close(db[k]);
		tu_unlink_store(path[k]);
		free(path[k]);
		free(texts[k]);
	}
	free(texts[2]);
	free(renamed);
}
END_TEST

/* An entry's place is what json_object() writes (db/search.c builds it): the keys of the
 * explanations (the one text of a place not checked by schema.sql) changed in the store to hold every character JSON
 * escapes (a quote, a backslash, the control characters with a short escape and without),
 * DEL and a Chinese character, and the disclosure's entries written again. */
START_TEST(test_places_are_json_objects)
{
	static const char *const odd[] = {
		"UPDATE explanation SET key = key || '\"\\' || char(0x01, 0x08, 0x09, 0x0a, 0x0c, "
		"0x0d, 0x10, 0x1f, 0x7f) || '中'",
	};
	static const char expected[] =
	    "SELECT json_object('explanation', key) FROM explanation UNION ALL "
	    "SELECT json_object('explanation', e.key, 'paragraph', x.position) FROM "
	    "explanation_paragraph x JOIN explanation e ON e.id = x.explanation_id UNION ALL "
	    "SELECT json_object('explanation', e.key, 'figure', f.position) FROM "
	    "explanation_figure "
	    "f JOIN explanation e ON e.id = f.explanation_id";
	char *path = tu_temp_path(".sqlite"), *seed = seed_with("", ""), query[2048];
	struct db_error err = { 0 };
	struct db *db = db_open(path, true, &err);
	sqlite3 *sql = NULL;
	int64_t id;

	ck_assert_msg(db != NULL, "open: %s", err.text);
	import_text(db, seed);
	db_close(db);
	id = tu_sql_int(path, "SELECT id FROM disclosure");
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_msg(db_search_register(sql, &err) == 0, "%s", err.text);
	ck_assert_int_eq(sqlite3_exec(sql, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	ck_assert_msg(db_search_forget(sql, id, &err) == 0, "%s", err.text);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		ck_assert_int_eq(sqlite3_exec(sql, odd[i], NULL, NULL, NULL), SQLITE_OK);
	ck_assert_msg(db_search_derive(sql, id, false, &err) == 0, "%s", err.text);
	ck_assert_int_eq(sqlite3_exec(sql, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(sql);
	/* every explanation's place, each as json_object() writes it */
	snprintf(
	    query, sizeof(query),
	    "SELECT count(*) FROM search_entry WHERE place IN (%s) AND place LIKE '%%\\u001%%'",
	    expected);
	ck_assert_int_gt(tu_sql_int(path, query), 10);
	snprintf(query, sizeof(query), "SELECT count(*) FROM (%s)", expected);
	ck_assert_int_eq(tu_sql_int(path, "SELECT count(*) FROM search_entry WHERE place LIKE "
	                                  "'{\"explanation\":%'"),
	                 tu_sql_int(path, query));
	snprintf(query, sizeof(query),
	         "SELECT count(*) FROM search_entry WHERE place LIKE '{\"explanation\":%%' AND "
	         "place NOT IN (%s)",
	         expected);
	ck_assert_int_eq(tu_sql_int(path, query), 0);
	tu_unlink_store(path);
	free(path);
	free(seed);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("search");
	TCase *tc = tcase_create("index");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reimport_replaces_entries);
	tcase_add_test(tc, test_upgraded_v2_store_is_searchable);
	tcase_add_test(tc, test_q_is_literal_and_short_q_searches_names);
	tcase_add_test(tc, test_more_than_1000_hits_are_capped);
	tcase_add_test(tc, test_window_merges_once_and_shared_texts);
	tcase_add_test(tc, test_bulk_build_is_the_same_index);
	tcase_add_test(tc, test_places_are_json_objects);
	tcase_add_test(tc, test_texts_leave_with_their_last_entry);
	tcase_add_test(tc, test_text_said_again_stays_per_entry);
	tcase_add_test(tc, test_texts_of_one_key_stay_apart);
	tcase_add_test(tc, test_text_shared_from_its_32nd_entry);
	tcase_add_test(tc, test_upgraded_v3_store_answers_the_same);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
