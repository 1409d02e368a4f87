// SPDX-License-Identifier: MIT
// The server-rendered page's driver (api/page.c) and HTML writer (api/html.c), without
// sockets: which disclosure a query names, the pages for links that name none, the cache
// key, and store text that can never become markup. The parts' HTML is tested by the
// browser suite.
#include "api.h"
#include "html.h"
#include "util.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the writer ---- */

START_TEST(test_html_escapes_text_and_attributes)
{
	struct api_jw w;
	char *out;

	api_jw_init(&w);
	api_html_open(&w, "a", "href", "/?a=1&b=\"2\"", "title", NULL, "download", "", NULL);
	api_html_text(&w, "<script>alert('x')</script> & 三公");
	api_html_close(&w, "a");
	api_html_elem(&w, "td", NULL, "class", "num", NULL);
	api_html_textf(&w, "%s%d", "<", 7);
	out = api_jw_finish(&w, NULL);
	ck_assert_str_eq(out, "<a href=\"/?a=1&amp;b=&quot;2&quot;\" download>"
	                      "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; 三公</a>"
	                      "<td class=\"num\"></td>&lt;7");
	free(out);
}
END_TEST

/* ---- the driver on the bundled store ---- */

static struct db *store;
static char *tmpl;
static size_t tmpl_len;

static void open_store(void)
{
	struct db_error err = { 0 };
	char path[4096];

	store = db_open(tu_env("BUDGETD_STORE"), false, &err);
	ck_assert_msg(store != NULL, "%s", err.text);
	snprintf(path, sizeof(path), "%s/index.html", tu_env("BUDGETD_STATIC"));
	tmpl = tu_read_file(path, &tmpl_len);
	ck_assert_ptr_nonnull(tmpl);
}

static void close_store(void)
{
	db_close(store);
	free(tmpl);
}

/* A query as "name=value&..." without escapes. Each value has its own buffer, as each of
 * libmicrohttpd's does: the page reads all four before it uses one. */
static const char *get_arg(void *ctx, const char *name)
{
	static char values[8][256];
	static unsigned next;
	char *value = values[next++ % 8];
	const char *q = ctx, *p = q;
	size_t n = strlen(name);

	while (p != NULL && *p) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			size_t len = strcspn(p + n + 1, "&");
			snprintf(value, sizeof(values[0]), "%.*s", (int)len, p + n + 1);
			return value;
		}
		p = strchr(p, '&');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

static struct api_response page_of(struct db *db, const char *query)
{
	struct api_request req = { .path = "/", .arg = get_arg, .ctx = (void *)query };
	struct api_response resp;

	ck_assert_int_eq(api_page(db, &req, tmpl, tmpl_len, &resp), 0);
	ck_assert_str_eq(resp.content_type, "text/html; charset=utf-8");
	ck_assert_ptr_null(strstr(resp.body, "<!--budgetd:")); /* every marker filled */
	return resp;
}

static void key_of(const char *query, char *key, size_t size)
{
	struct api_request req = { .path = "/", .arg = get_arg, .ctx = (void *)query };

	api_page_key(&req, key, size);
}

static bool has(const struct api_response *r, const char *s)
{
	return strstr(r->body, s) != NULL;
}

/* The seed: 新疆维吾尔自治区喀什地区行政公署驻乌办事处 (short name), 2021年部门预算公开. */
START_TEST(test_page_of_a_department_is_its_latest_budget)
{
	struct api_response r = page_of(store, "dept=kashi-urumqi-office");

	ck_assert_int_eq(r.status, 200);
	ck_assert(has(&r, "<title>新疆维吾尔自治区喀什地区行政公署驻乌办事处 2021年部门预算公开 · "
	                  "部门预算公开</title>"));
	ck_assert(
	    has(&r, "<h1 id=\"dept-name\">新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处</h1>"));
	ck_assert(has(&r, "<link rel=\"canonical\" "
	                  "href=\"/?dept=kashi-urumqi-office&amp;year=2021&amp;kind=budget\">"));
	ck_assert(has(&r, "<option value=\"2021-budget\" selected>2021年 部门预算</option>"));
	ck_assert_int_gt(r.modified, 0);
	api_response_free(&r);
}
END_TEST

/* 普陀区商务委员会 published a 部门 and a 单位 budget for 2025 (db/data/putuo-commerce-*). */
START_TEST(test_page_keeps_the_level)
{
	struct api_response r = page_of(store, "dept=putuo-commerce");

	ck_assert_int_eq(r.status, 200);
	ck_assert(has(&r, "content=\"putuo-commerce 2025 budget department\""));
	ck_assert(has(&r, "<option value=\"2025-budget\" selected>2025年 部门预算</option>"));
	ck_assert(has(&r, "<option value=\"2025-budget-unit\">2025年 单位预算</option>"));
	api_response_free(&r);
	r = page_of(store, "dept=putuo-commerce&year=2025&kind=budget&level=unit");
	ck_assert_int_eq(r.status, 200);
	ck_assert(has(&r, "content=\"putuo-commerce 2025 budget unit\""));
	ck_assert(has(&r, "&amp;level=unit\">"));
	ck_assert(has(&r, "<option value=\"2025-budget-unit\" selected>"));
	api_response_free(&r);
}
END_TEST

/* The 2024 disclosure of 社会工作部 is a 决算: asking for it without a kind finds it. */
START_TEST(test_page_without_kind_finds_the_final)
{
	struct api_response r = page_of(store, "dept=putuo-cpc-social-work&year=2024");

	ck_assert_int_eq(r.status, 200);
	ck_assert(has(&r, "content=\"putuo-cpc-social-work 2024 final department\""));
	ck_assert(has(&r, "2024年 部门决算"));
	api_response_free(&r);
}
END_TEST

START_TEST(test_links_that_name_nothing_are_404_pages)
{
	static const struct {
		const char *query, *says;
	} cases[] = {
		{ "dept=no-such-department", "没有找到这个部门" },
		{ "dept=kashi-urumqi-office&year=1999", "没有找到这一年度的公开文件" },
		{ "dept=kashi-urumqi-office&year=2021&kind=final", "没有找到这一年度的公开文件" },
		{ "dept=kashi-urumqi-office&year=2021&kind=budget&level=unit",
		  "没有找到这一年度的公开文件" },
		{ "dept=kashi-urumqi-office&year=02021", "链接有误" },
		{ "dept=kashi-urumqi-office&year=abc", "链接有误" },
		{ "dept=kashi-urumqi-office&kind=budgets", "链接有误" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct api_response r = page_of(store, cases[i].query);
		ck_assert_msg(r.status == 404, "%s: %d", cases[i].query, r.status);
		ck_assert_msg(has(&r, cases[i].says), "%s", cases[i].query);
		ck_assert(has(&r, "<title>未找到 · 部门预决算公开</title>"));
		ck_assert(has(&r, "<meta name=\"robots\" content=\"noindex\">"));
		api_response_free(&r);
	}
}
END_TEST

START_TEST(test_key_is_the_four_parameters)
{
	char a[4096], b[4096];

	key_of("dept=kashi-urumqi-office&year=2021", a, sizeof(a));
	key_of("year=2021&utm_source=x&dept=kashi-urumqi-office", b, sizeof(b));
	ck_assert_str_eq(a, b); /* order and other parameters do not make another page */
	key_of("dept=kashi-urumqi-office&year=2021&level=unit", b, sizeof(b));
	ck_assert_str_ne(a, b);
	key_of("dept=kashi-urumqi-office&year=2021&kind=final", b, sizeof(b));
	ck_assert_str_ne(a, b);
	key_of("dept=a b&year=2021", a, sizeof(a));
	key_of("dept=a&year=b 2021", b, sizeof(b));
	ck_assert_str_ne(a, b); /* values are encoded: a space cannot shift one into another */
}
END_TEST

/* ---- store text never becomes markup ---- */

static char *seed_named(const char *name)
{
	size_t len;
	char *text = tu_read_file(tu_env("BUDGETD_SEED"), &len), *out;
	json_t *doc = json_loads(text, 0, NULL);

	free(text);
	ck_assert_ptr_nonnull(doc);
	json_object_set_new(json_object_get(doc, "department"), "name", json_string(name));
	json_object_set_new(json_object_get(doc, "department"), "short_name", json_string(name));
	json_object_set_new(doc, "title", json_string(name));
	out = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return out;
}

START_TEST(test_store_text_is_escaped)
{
	static const char evil[] = "<img src=x onerror=alert(1)>\"'&amp;";
	char *json = seed_named(evil), *file = tu_write_temp(json, strlen(json), ".json");
	char *path = tu_temp_path(".sqlite");
	struct db_error err = { 0 };
	struct tu_ctl c = tu_ctl("import", "--db", path, file, NULL);
	struct db *db;
	struct api_response r;

	ck_assert_msg(c.status == 0, "%s", c.err);
	tu_ctl_done(&c);
	db = db_open(path, false, &err);
	ck_assert_msg(db != NULL, "%s", err.text);
	r = page_of(db, "dept=kashi-urumqi-office");
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "<img"));
	ck_assert(has(&r, "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;amp;"));
	api_response_free(&r);
	db_close(db);
	tu_unlink_store(path);
	unlink(file);
	free(path);
	free(file);
	free(json);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("page");
	TCase *w = tcase_create("writer"), *d = tcase_create("driver");

	tcase_add_test(w, test_html_escapes_text_and_attributes);
	suite_add_tcase(s, w);
	tcase_add_unchecked_fixture(d, open_store, close_store);
	tcase_add_test(d, test_page_of_a_department_is_its_latest_budget);
	tcase_add_test(d, test_page_keeps_the_level);
	tcase_add_test(d, test_page_without_kind_finds_the_final);
	tcase_add_test(d, test_links_that_name_nothing_are_404_pages);
	tcase_add_test(d, test_key_is_the_four_parameters);
	tcase_add_test(d, test_store_text_is_escaped);
	suite_add_tcase(s, d);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
