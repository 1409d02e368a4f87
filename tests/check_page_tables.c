// SPDX-License-Identifier: MIT
// The page's table renderer (api/page_tables.c) and its plain words (api/page.c), without a
// store or a browser: a table written by hand, whose expected HTML was worked out by hand
// from static/app.js's renderTable() (the browser suite checks the bundled disclosures).
#include "page_tables.h"

#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- plain words ---- */

static void expect_plain(const char *in, const char *want)
{
	char *got = api_page_plain_words(in);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_plain_words)
{
	expect_plain("说明见表七的unplaced_note。", "说明见表七下方“未定栏目”的说明。");
	expect_plain("其余数字列入unplaced，unplaced中的数字",
	             "其余数字列入“未定栏目”，“未定栏目”中的数字");
	expect_plain("四个项目记为withheld-1至withheld-4。",
	             "四个项目依次列为第1至第4个不予公开的项目。");
	expect_plain("明细见projects；人员以staffing数据记录。",
	             "明细见“项目支出”部分；人员以“人员情况”表列出。");
	expect_plain("没有字段名的句子。", "没有字段名的句子。");
	expect_plain(NULL, "");
}
END_TEST

/* ---- one table ---- */

static const char table_json[] =
    "{\"unit\": \"万元\", \"tables\": [{\"position\": 6, \"title\": \"测试表\","
    " \"classification\": \"function\", \"unplaced_note\": \"见表六的unplaced_note。\","
    " \"columns\": [{\"key\": \"total\", \"title\": \"合计\"},"
    "  {\"key\": \"staff\", \"title\": \"人员经费\", \"group\": \"基本支出\"},"
    "  {\"key\": \"public\", \"title\": \"公用经费\", \"group\": \"基本支出\"},"
    "  {\"key\": \"project\", \"title\": \"项目支出\"}],"
    " \"rows\": ["
    "  {\"kind\": \"total\", \"level\": 0, \"amounts\": {\"total\": \"10.50\"}},"
    "  {\"kind\": \"item\", \"level\": 1, \"codes\": [\"201\"], \"name\": \"<b>一般</b>\","
    "   \"amounts\": {\"total\": \"10.50\", \"staff\": \"3\"}, \"project\": \"p1\","
    "   \"project_name\": \"甲项目\"},"
    "  {\"kind\": \"item\", \"level\": 2, \"codes\": [\"201\", \"03\"], \"name\": \"乙\","
    "   \"amounts\": {}, \"unplaced\": [\"1.20\", \"2\"]},"
    "  {\"kind\": \"item\", \"level\": 3, \"codes\": [\"201\", \"03\", \"01\"], \"name\": \"丙\","
    "   \"amounts\": {}, \"project\": \"withheld-1\"}]}]}";

/* The HTML of the hand-written table in view; the caller frees it. */
static char *render(enum api_table_view view)
{
	json_error_t jerr;
	json_t *doc = json_loads(table_json, 0, &jerr);
	struct api_ctx c = { .level = "department", .kind = "budget", .year = 2021 };
	struct api_jw w;
	struct api_page p = { .w = &w, .c = &c };
	char *out;

	ck_assert_msg(doc != NULL, "%s", jerr.text);
	snprintf(c.base, sizeof(c.base), "/api/v1/departments/x/budgets/2021");
	p.doc = doc;
	api_jw_init(&w);
	api_page_table(&p, api_find_table(doc, 6), view, "/?dept=x&year=2021&kind=budget");
	out = api_jw_finish(&w, NULL);
	json_decref(doc);
	ck_assert_ptr_nonnull(out);
	return out;
}

#define HAS(out, s) ck_assert_msg(strstr((out), (s)) != NULL, "missing %s in %s", (s), (out))

START_TEST(test_table_head)
{
	char *out = render(API_TABLE_PAGE);

	/* two header rows: 科目编码 over 类/款/项, the group 基本支出 over its two columns */
	HAS(out, "<thead><tr><th scope=\"col\" class=\"pin pin-0\" colspan=\"3\">科目编码</th>"
	         "<th scope=\"col\" class=\"pin pin-3 pin-last\" rowspan=\"2\">科目名称</th>"
	         "<th scope=\"col\" rowspan=\"2\">项目名称</th>"
	         "<th scope=\"col\" class=\"num\" rowspan=\"2\">合计</th>"
	         "<th scope=\"col\" colspan=\"2\">基本支出</th>"
	         "<th scope=\"col\" class=\"num\" rowspan=\"2\">项目支出</th>"
	         "<th scope=\"col\" rowspan=\"2\">未定栏目＊</th></tr>"
	         "<tr><th scope=\"col\" class=\"pin pin-0\">类</th>"
	         "<th scope=\"col\" class=\"pin pin-1\">款</th>"
	         "<th scope=\"col\" class=\"pin pin-2\">项</th>"
	         "<th scope=\"col\" class=\"num\">人员经费</th>"
	         "<th scope=\"col\" class=\"num\">公用经费</th></tr></thead>");
	HAS(out, "<section id=\"table-6\" class=\"dtable\" aria-labelledby=\"table-6-h\"");
	HAS(out, "<h3 id=\"table-6-h\">表六 测试表</h3>");
	HAS(out, "（单位：万元）</caption>");
	HAS(out,
	    "href=\"/api/v1/departments/x/budgets/2021/tables/6?format=csv\" download>下载 CSV");
	free(out);
}
END_TEST

START_TEST(test_table_body)
{
	char *out = render(API_TABLE_PAGE);

	/* the total row: no name, so 合计; its codes blank */
	HAS(out, "<tr class=\"total lvl-0\" id=\"table-6-row-0\" data-row-index=\"0\">"
	         "<td class=\"code pin pin-0\"></td><td class=\"code pin pin-1\"></td>"
	         "<td class=\"code pin pin-2\"></td>"
	         "<th scope=\"row\" class=\"pin pin-3 pin-last\">合计</th>");
	/* a 类 row: its code in the 类 column, the name escaped, the project linked, figures
	 * as stored (10.50 stays 10.50) */
	HAS(out, "<td class=\"code pin pin-0\">201</td><td class=\"code pin pin-1\"></td>"
	         "<td class=\"code pin pin-2\"></td><th scope=\"row\" class=\"pin pin-3 pin-last\">"
	         "&lt;b&gt;一般&lt;/b&gt;</th><td class=\"pname\"><a "
	         "href=\"#project-p1\">甲项目</a></td>"
	         "<td class=\"num\" data-col=\"total\">10.50</td>"
	         "<td class=\"num\" data-col=\"staff\">3</td>");
	/* the unplaced figures in their column; a row of none is blank */
	HAS(out, "<td class=\"num unplaced\" data-col=\"unplaced\">1.20；2</td>");
	HAS(out, "<tr class=\"item lvl-3 blank\" id=\"table-6-row-3\" data-row-index=\"3\">"
	         "<td class=\"code pin pin-0\"></td><td class=\"code pin pin-1\"></td>"
	         "<td class=\"code pin pin-2\">01</td>");
	HAS(out, "<a href=\"#project-withheld-1\">不予公开</a>");
	HAS(out, "<p class=\"table-footnote\">＊未定栏目：见表六下方“未定栏目”的说明。</p>");
	free(out);
}
END_TEST

START_TEST(test_table_embed)
{
	char *out = render(API_TABLE_EMBED);

	HAS(out, "<h2 id=\"table-6-h\">表六 测试表</h2>");
	/* one code column, the whole code */
	HAS(out, "<th scope=\"col\" class=\"pin pin-0\" rowspan=\"2\">科目编码</th>");
	HAS(out, "<td class=\"code pin pin-0\">20103</td>");
	HAS(out, "<td class=\"code pin pin-0\">2010301</td>");
	HAS(out, "<a href=\"/api/v1/departments/x/budgets/2021/tables/6?format=csv\" "
	         "target=\"_blank\" rel=\"noopener\">下载表六 CSV</a>");
	HAS(out, "<a href=\"/?dept=x&amp;year=2021&amp;kind=budget#table-6\" target=\"_blank\" "
	         "rel=\"noopener\">在完整页面查看表六</a>");
	/* the transcriber's note stays on the full page */
	HAS(out, "<p class=\"table-footnote\">＊未定栏目：原公开文件中这些数字所属的栏目无法确定");
	ck_assert_ptr_null(strstr(out, "表六下方"));
	ck_assert_ptr_null(strstr(out, "JSON"));
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("page_tables");
	TCase *tc = tcase_create("render");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_plain_words);
	tcase_add_test(tc, test_table_head);
	tcase_add_test(tc, test_table_body);
	tcase_add_test(tc, test_table_embed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
