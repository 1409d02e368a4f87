// SPDX-License-Identifier: MIT
// The page's opening (#15: api/page_intro.c, api/page_overview.c) as api_page() writes it,
// on small stores made from fixtures: 与上年比较 against figures worked out by hand, and the
// source note in the page's words, every store text escaped.
#include "api.h"
#include "util.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A template of the doc marker only: the answer is the opening and the other parts. */
static const char tmpl[] = "<!--budgetd:doc-->";

struct query {
	const char *dept, *year, *kind;
};

static const char *arg(void *ctx, const char *name)
{
	const struct query *q = ctx;

	if (strcmp(name, "dept") == 0)
		return q->dept;
	if (strcmp(name, "year") == 0)
		return q->year;
	if (strcmp(name, "kind") == 0)
		return q->kind;
	return NULL;
}

/* The page of dept's year's budget from the store at path; the caller frees it. */
static char *page(const char *path, const char *dept, const char *year)
{
	struct query q = { dept, year, "budget" };
	struct api_request req = { .path = "/", .arg = arg, .ctx = &q };
	struct api_response r;
	struct db_error err = { 0 };
	struct db *db = db_open(path, false, &err);
	char *body;

	ck_assert_msg(db != NULL, "%s", err.text);
	ck_assert_int_eq(api_page(db, &req, tmpl, strlen(tmpl), &r), 0);
	ck_assert_int_eq(r.status, 200);
	body = strndup(r.body, r.len);
	api_response_free(&r);
	db_close(db);
	return body;
}

static void has(const char *html, const char *text)
{
	ck_assert_msg(strstr(html, text) != NULL, "%s not in %s", text, html);
}

/* A new store of the given import files (paths); its path, which the caller unlinks. */
static char *store_of(char *const *files, int n)
{
	struct db_doc *docs[8];
	struct db_error err = { 0 };
	char *path = tu_temp_path(".sqlite");
	struct db *db = db_open(path, true, &err);

	ck_assert_msg(db != NULL, "%s", err.text);
	for (int i = 0; i < n; i++)
		ck_assert_msg((docs[i] = db_doc_load(files[i], NULL, NULL)) != NULL, "%s",
		              files[i]);
	ck_assert_msg(db_import(db, docs, (size_t)n, &err) == 0, "%s", err.text);
	for (int i = 0; i < n; i++)
		db_doc_free(docs[i]);
	db_close(db);
	return path;
}

/* A row of 与上年比较: label, the year before, this year, change, percent. */
#define ROW(label, before, now, change, pct)                            \
	"<tr><th scope=\"row\">" label "</th><td class=\"num\">" before \
	"</td><td class=\"num\">" now "</td><td class=\"num\">" change  \
	"</td><td class=\"num\">" pct "</td></tr>"

/* tests/http/fixtures/series-office-{2021..2025}-budget.json, 万元 except 2023 and 2025,
 * whose tables are in 元. */
START_TEST(test_year_over_year)
{
	char *files[5], *path, *html;

	for (int i = 0; i < 5; i++) {
		files[i] = malloc(4096);
		snprintf(files[i], 4096, "%s/tests/http/fixtures/series-office-%d-budget.json",
		         tu_env("BUDGETD_SOURCE"), 2021 + i);
	}
	path = store_of(files, 5);
	/* 2022 against 2021: 收入 1000.00 → 1100.50 (+100.5, 10.05%); 基本 600.00 → 650.25
	 * (+50.25, 8.375% rounded half away from zero: 8.38); 项目 400.00 → 450.25 (12.5625%:
	 * 12.56); 三公 10.00 → 8.00 (-2, -20%) */
	html = page(path, "series-office", "2022");
	has(html, "<div id=\"yoy\" class=\"yoy\"><h3 id=\"yoy-h\">与上年比较</h3>");
	has(html, "<a href=\"/?dept=series-office&amp;year=2021&amp;kind=budget\">2021年</a>");
	has(html, ROW("收入总计", "1000", "1100.5", "+100.5", "+10.05%"));
	has(html, ROW("支出总计", "1000", "1100.5", "+100.5", "+10.05%"));
	has(html, ROW("基本支出", "600", "650.25", "+50.25", "+8.38%"));
	has(html, ROW("项目支出", "400", "450.25", "+50.25", "+12.56%"));
	has(html, ROW("“三公”经费", "10", "8", "-2", "-20%"));
	free(html);
	/* 2025 (元) against 2024 (万元), in 万元: 11,111,111.11 元 = 1111.111111; 1234.567890 →
	 * 1111.111111 is -123.456779, -9.99999919%: -10; 基本 634.567890 → 555.555555 (5,555,555.55
	 * 元) is -79.012335, -12.45136…%: -12.45; 项目 600.00 → 555.555556 is -44.444444,
	 * -7.4074073%: -7.41; 三公 12.00 both years */
	html = page(path, "series-office", "2025");
	has(html, ROW("收入总计", "1234.56789", "1111.111111", "-123.456779", "-10%"));
	has(html, ROW("基本支出", "634.56789", "555.555555", "-79.012335", "-12.45%"));
	has(html, ROW("项目支出", "600", "555.555556", "-44.444444", "-7.41%"));
	has(html, ROW("“三公”经费", "12", "12", "0", "0%"));
	free(html);
	/* the first year has none */
	html = page(path, "series-office", "2021");
	ck_assert_ptr_null(strstr(html, "id=\"yoy\""));
	ck_assert_ptr_null(strstr(html, "<h3 id=\"yoy-h\">与上年比较</h3>"));
	free(html);
	tu_unlink_store(path);
	free(path);
	for (int i = 0; i < 5; i++)
		free(files[i]);
}
END_TEST

/* The seed with a source written to test the note: markup in the document's name, a query
 * in the URL, and each of the transcriber's words the page replaces. */
static char *seed_with_source(void)
{
	json_error_t e;
	json_t *doc = json_load_file(tu_env("BUDGETD_SEED"), 0, &e), *src;
	char *text, *file;

	ck_assert_msg(doc != NULL, "%s", e.text);
	src = json_object_get(doc, "source");
	json_object_set_new(src, "document", json_string("<b>办事处</b> & 公开"));
	json_object_set_new(src, "url", json_string("https://www.example.gov.cn/a.pdf?x=1&y=2"));
	json_object_set_new(
	    src, "notes",
	    json_string("表七的unplaced_note有算式。其余列入unplaced。记为withheld-1至"
	                "withheld-4。见projects说明。以staffing数据记录。"
	                "依据PDF转录。去掉field一句。。末句无句号"));
	text = json_dumps(doc, 0);
	file = tu_write_temp(text, strlen(text), ".json");
	free(text);
	json_decref(doc);
	return file;
}

START_TEST(test_source_note)
{
	char *file = seed_with_source(), *path = store_of(&file, 1);
	char *html = page(path, "kashi-urumqi-office", "2021");

	has(html,
	    "<details class=\"source\"><summary>数据从哪里来</summary><p>来源：《&lt;b&gt;"
	    "办事处&lt;/b&gt; &amp; 公开》（<a href=\"https://www.example.gov.cn/a.pdf?x=1&amp;"
	    "y=2\" rel=\"noopener\">原文</a>）。</p>");
	has(html,
	    "<p>整理时的处理：表七下方“未定栏目”的说明有算式。其余列入“未定栏目”。依次列为第1至"
	    "第4个不予公开的项目。见“项目支出”部分说明。以“人员情况”表列出。依据PDF转录。"
	    "末句无句号</p>");
	/* the meta line links the original document too */
	has(html, "<span><a href=\"https://www.example.gov.cn/a.pdf?x=1&amp;y=2\" "
	          "rel=\"noopener\">查看原文（PDF）</a></span>");
	ck_assert_ptr_null(strstr(html, "field"));
	ck_assert_ptr_null(strstr(html, "<b>办事处"));
	free(html);
	tu_unlink_store(path);
	unlink(file);
	free(path);
	free(file);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("page_intro");
	TCase *tc = tcase_create("page_intro");

	tcase_add_test(tc, test_year_over_year);
	tcase_add_test(tc, test_source_note);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
