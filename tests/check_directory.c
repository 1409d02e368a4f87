// SPDX-License-Identifier: MIT
// The directory at `/` (#15): db_directory() on the bundled store, and api_page() without a
// department (the directory's HTML, its filters, its cache key, a store that fails). The
// expected names, regions and figures are those of db/data/*.json, read by hand.
#include "api.h"
#include "db.h"
#include "util.h"

#include <check.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static struct db *store;

static void open_store(void)
{
	struct db_error err = { 0 };

	store = db_open(tu_env("BUDGETD_STORE"), false, &err);
	ck_assert_msg(store != NULL, "%s", err.text);
}

static void close_store(void)
{
	db_close(store);
}

/* ---- db_directory ---- */

struct rows {
	char text[16][200];
	size_t n;
};

static int keep_row(void *ctx, const struct db_directory_row *r)
{
	struct rows *rows = ctx;

	ck_assert_uint_lt(rows->n, 16);
	snprintf(rows->text[rows->n++], sizeof(rows->text[0]), "%s %s %s %d %s %s", r->id, r->name,
	         r->region ? r->region : "-", r->year, r->kind, r->level);
	return 0;
}

/* db/data: five departments, seven disclosures (two 单位 ones), by id then year, kind,
 * level; putuo-cpc-social-work publishes no region. */
START_TEST(test_every_disclosure_in_one_query)
{
	static const char *const want[] = {
		"kashi-urumqi-office 新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处 "
		"新疆维吾尔自治区喀什地区 2021 budget department",
		"putuo-commerce 上海市普陀区商务委员会 上海市普陀区 2025 budget department",
		"putuo-commerce 上海市普陀区商务委员会 上海市普陀区 2025 budget unit",
		"putuo-cpc-social-work 中共上海市普陀区委社会工作部 - 2024 final department",
		"putuo-govt-office 上海市普陀区人民政府办公室 上海市普陀区 2025 budget department",
		"putuo-govt-office 上海市普陀区人民政府办公室 上海市普陀区 2025 budget unit",
		"putuo-wanli-subdistrict 上海市普陀区人民政府万里街道办事处 上海市普陀区 2024 "
		"budget "
		"department",
	};
	struct rows rows = { 0 };
	struct db_error err = { 0 };

	ck_assert_msg(db_directory(store, keep_row, &rows, &err) == 0, "%s", err.text);
	ck_assert_uint_eq(rows.n, 7);
	for (size_t i = 0; i < 7; i++)
		ck_assert_str_eq(rows.text[i], want[i]);
}
END_TEST

/* ---- api_page without a department ---- */

struct args {
	const char *query; /* "name=value&..." without escapes */
};

/* The value of name in the query; the page reads several at once, so each has a buffer of
 * its own (eight in turn). */
static const char *get_arg(void *ctx, const char *name)
{
	static char values[8][256];
	static size_t next;
	const struct args *a = ctx;
	size_t n = strlen(name);

	for (const char *p = a->query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			char *value = values[next++ % 8];
			size_t len = strcspn(p + n + 1, "&");
			snprintf(value, 256, "%.*s", (int)len, p + n + 1);
			return value;
		}
	}
	return NULL;
}

static const char tmpl[] = "<div id=\"doc\"><!--budgetd:doc--></div>";

static int page(struct db *db, const char *query, struct api_response *r)
{
	struct args a = { query };
	struct api_request req = { .path = "/", .arg = get_arg, .ctx = &a };

	ck_assert_int_eq(api_page(db, &req, tmpl, strlen(tmpl), r), 0);
	return r->status;
}

static void has(const struct api_response *r, const char *text)
{
	ck_assert_msg(r->body != NULL && strstr(r->body, text) != NULL, "%s not in %.*s", text,
	              (int)r->len, r->body ? r->body : "");
}

static void lacks(const struct api_response *r, const char *text)
{
	ck_assert_msg(r->body != NULL && strstr(r->body, text) == NULL, "%s in %.*s", text,
	              (int)r->len, r->body ? r->body : "");
}

START_TEST(test_directory_page)
{
	struct api_response r;

	ck_assert_int_eq(page(store, "", &r), 200);
	has(&r, "本站收录 5 个部门的预算、决算公开。");
	has(&r, "<p id=\"dir-status\" class=\"lede\" role=\"status\">共 5 个部门</p>");
	/* 收支总体情况表 支出总计 700.94 万元, 三公 96.80 (sangong.amount) */
	has(&r, "<td class=\"num\">700.94</td><td class=\"num\">96.80</td>");
	/* the cpc 决算 publishes no 三公 */
	has(&r, "<span class=\"dir-sub\">2024年决算</span></th><td class=\"num\">307.82</td>"
	        "<td class=\"num dir-none\">未公开</td>");
	has(&r, "<a href=\"/?dept=putuo-commerce&amp;year=2025&amp;kind=budget&amp;level=unit\" "
	        "aria-label=\"上海市普陀区商务委员会 2025年预算（单位）\">2025年预算</a>");
	has(&r, "<h3 id=\"dir-region-2\">未注明地区<span class=\"dir-count\">1 个部门</span></h3>");
	api_response_free(&r);
}
END_TEST

/* Filters: a year and kind none has, a year the store lacks (no filter then), a region. */
START_TEST(test_directory_filters)
{
	struct api_response r;

	ck_assert_int_eq(page(store, "year=2021&kind=final", &r), 200);
	has(&r, "共 0 个部门有2021年的决算公开");
	has(&r, "没有符合条件的部门，请换一个年度或类型。");
	has(&r, "所选年度和类型没有可对比的数字。");
	has(&r, "<option value=\"2021\" selected>2021年</option>");
	api_response_free(&r);
	ck_assert_int_eq(page(store, "year=1999", &r), 200);
	has(&r, "<p id=\"dir-status\" class=\"lede\" role=\"status\">共 5 个部门</p>");
	api_response_free(&r);
	ck_assert_int_eq(page(store, "region=上海市普陀区&kind=budget", &r), 200);
	has(&r, "<input type=\"hidden\" name=\"region\" value=\"上海市普陀区\">");
	/* the strip keeps to the region's facts: no Kashgar row */
	lacks(&r, "data-dept=\"kashi-urumqi-office\" data-year");
	has(&r, "data-dept=\"putuo-govt-office\" data-year=\"2025\"");
	api_response_free(&r);
	ck_assert_int_eq(page(store, "year=20x1", &r), 404);
	api_response_free(&r);
}
END_TEST

START_TEST(test_region_is_in_the_cache_key)
{
	struct args a = { "year=2024" }, b = { "year=2024&region=上海市普陀区" };
	struct api_request ra = { .path = "/", .arg = get_arg, .ctx = &a };
	struct api_request rb = { .path = "/", .arg = get_arg, .ctx = &b };
	char ka[API_KEY_SIZE], kb[API_KEY_SIZE];

	api_page_key(&ra, ka, sizeof(ka));
	api_page_key(&rb, kb, sizeof(kb));
	ck_assert_str_ne(ka, kb);
	/* a disclosure's page ignores it: no other copy of the same page */
	a.query = "dept=kashi-urumqi-office&year=2021";
	b.query = "dept=kashi-urumqi-office&year=2021&region=x";
	api_page_key(&ra, ka, sizeof(ka));
	api_page_key(&rb, kb, sizeof(kb));
	ck_assert_str_eq(ka, kb);
}
END_TEST

/* A store the directory cannot read is the 503 page, not a directory that looks empty. */
START_TEST(test_store_failure_is_503)
{
	char *path = tu_temp_path(".sqlite");
	size_t len;
	char *data = tu_read_file(tu_env("BUDGETD_STORE"), &len);
	struct db_error err = { 0 };
	struct api_response r;
	sqlite3 *sql;
	struct db *db;
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(data);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
	ck_assert_int_eq(sqlite3_open(path, &sql), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(sql, "DROP TABLE department_record", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(sql);
	db = db_open(path, false, &err);
	ck_assert_msg(db != NULL, "%s", err.text);
	ck_assert_int_eq(page(db, "", &r), 503);
	has(&r, "暂时无法读取数据，请稍后重试。");
	lacks(&r, "dir-list");
	api_response_free(&r);
	db_close(db);
	tu_unlink_store(path);
	free(path);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("directory");
	TCase *tc = tcase_create("bundled");

	tcase_add_checked_fixture(tc, open_store, close_store);
	tcase_add_test(tc, test_every_disclosure_in_one_query);
	tcase_add_test(tc, test_directory_page);
	tcase_add_test(tc, test_directory_filters);
	tcase_add_test(tc, test_region_is_in_the_cache_key);
	tcase_add_test(tc, test_store_failure_is_503);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
