// SPDX-License-Identifier: MIT
// The page's 项目支出, “三公”经费 and 其他重要事项 as the server renders them (api/page_projects.c),
// without a browser: the HTML holds the figures with JavaScript off. Expected values are the
// seed's and the fixtures' (db/data/*.json, tests/http/fixtures/*.json), read by hand.
#include "api.h"
#include "util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A query argument; each answer in its own buffer (api_page holds several at once). */
static const char *get_arg(void *ctx, const char *name)
{
	static char values[8][256];
	static int next;
	char *value = values[next++ % 8];
	const char *query = ctx;
	size_t n = strlen(name);

	for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			snprintf(value, sizeof(values[0]), "%.*s", (int)strcspn(p + n + 1, "&"),
			         p + n + 1);
			return value;
		}
	}
	return NULL;
}

/* The three sections of the page of query on the store at path: from <section
 * id="projects" to the end of <section id="other-matters">. malloc'd; the caller frees. */
static char *sections(const char *path, const char *query)
{
	static const char tmpl[] = "<!--budgetd:doc-->";
	struct db_error err = { 0 };
	struct db *db = db_open(path, false, &err);
	struct api_request req = { .path = "/", .arg = get_arg, .ctx = (void *)query };
	struct api_response r;
	char *from, *other, *to, *out;

	ck_assert_msg(db != NULL, "%s", err.text);
	ck_assert_int_eq(api_page(db, &req, tmpl, sizeof(tmpl) - 1, &r), 0);
	ck_assert_int_eq(r.status, 200);
	from = strstr(r.body, "<section id=\"projects\"");
	other = strstr(r.body, "<section id=\"other-matters\"");
	ck_assert_msg(from != NULL && other != NULL && other > from, "%s", r.body);
	to = strstr(other, "</section>");
	ck_assert_ptr_nonnull(to);
	out = strndup(from, (size_t)(to - from) + strlen("</section>"));
	api_response_free(&r);
	db_close(db);
	return out;
}

static void has(const char *html, const char *text)
{
	ck_assert_msg(strstr(html, text) != NULL, "not in the page: %s\npage: %s", text, html);
}

static void lacks(const char *html, const char *text)
{
	ck_assert_msg(strstr(html, text) == NULL, "in the page: %s", text);
}

/* The seed: 9 projects, 4 of them withheld (233.56 万元), 表七's 合计 355.86. */
START_TEST(test_seed_projects)
{
	char *h =
	    sections(tu_env("BUDGETD_STORE"), "dept=kashi-urumqi-office&year=2021&kind=budget");

	has(h, "<p>本年度共安排项目 9 个，项目支出合计 355.86 万元（见表七）。其中 5 "
	       "个项目公开了政策依据、资金分配和绩效目标，点击项目名称可展开。</p>");
	has(h, "<p class=\"withheld-summary\"><strong>4 个项目共 233.56 万元不予公开</strong>。"
	       "依据《中华人民共和国政府信息公开条例》第十四条：“依法确定为国家的政府信息");
	/* withheld-1: 5 万元 under 201 03 99 */
	has(h, "<li class=\"project withheld\" id=\"project-withheld-1\"><span class=\"p-name\">"
	       "<span class=\"tag\">不予公开</span>项目名称及明细未公开</span><span "
	       "class=\"p-amt\"><b>5</b> 万元</span><p "
	       "class=\"basis\">依据：《中华人民共和国政府信息公开条例》第十四条；科目编码 "
	       "2010399</p></li>");
	has(h, "<details id=\"project-business-operations\" class=\"project\"><summary><span "
	       "class=\"p-name\">业务运转经费项目</span><span class=\"p-amt\"><b>77</b> "
	       "万元</span></summary>");
	has(h, "<dt>项目表所列名称</dt><dd>业务运转经费</dd>");
	/* 资金分配: 办公费 6 */
	has(h, "<caption>业务运转经费项目 资金分配（单位：万元）</caption>");
	has(h,
	    "<tr><th scope=\"row\">办公费</th><td class=\"num\" data-col=\"amount\">6</td></tr>");
	/* 绩效目标表: 产出指标 over 22 indicators, 数量指标 over 8, the first 办公用房取暖面积 */
	has(h, "<p class=\"funding\"><span>资金总额 <b>77</b> 万元</span><span>其中：财政拨款 "
	       "<b>77</b> 万元</span><span>其他资金 <b>—</b></span></p>");
	has(h,
	    "<tr><th scope=\"row\" rowspan=\"22\">产出指标</th><th scope=\"row\" "
	    "rowspan=\"8\">数量指标</th><th scope=\"row\" class=\"ind\">办公用房取暖面积</th><td "
	    "class=\"val\">≥2375.48平方米</td></tr>");
	/* the next 数量指标 row has no group cells: the first row's span them */
	has(h, "</td></tr><tr><th scope=\"row\" class=\"ind\">公务保障用车数量</th>");
	/* 效益指标's four 二级 rows each span one; 满意度指标 one */
	has(h, "<th scope=\"row\" rowspan=\"4\">效益指标</th><th scope=\"row\" "
	       "rowspan=\"1\">经济效益指标</th>");
	free(h);
}
END_TEST

/* The seed's 三公 (a 预算): 96.80 = 80.00 + 16.80, up 80.00 on a prior 16.80. */
START_TEST(test_seed_sangong_and_other)
{
	char *h =
	    sections(tu_env("BUDGETD_STORE"), "dept=kashi-urumqi-office&year=2021&kind=budget");

	has(h, "<caption>“三公”经费预算与上年比较（单位：万元）</caption>");
	has(h,
	    "<tr class=\"total\"><th scope=\"row\">合计</th><td class=\"num\" "
	    "data-col=\"amount\">96.80</td><td class=\"num\" data-col=\"prior_year\">16.80</td><td "
	    "class=\"num\" data-col=\"change\">+80.00</td><td class=\"reason\"></td></tr>");
	/* a change of 0 has no sign */
	has(h, "<tr class=\"item\"><th scope=\"row\">因公出国（境）费</th><td class=\"num\" "
	       "data-col=\"amount\">0</td><td class=\"num\" data-col=\"prior_year\">0</td><td "
	       "class=\"num\" data-col=\"change\">0</td><td class=\"reason\">未安排预算</td></tr>");
	has(h, "分项数字另见<a href=\"#table-8\">表八</a>。</p>");
	/* 机关运行经费 35.76, +1.71, +5.02%; counts of 0 units are published */
	has(h, "<td class=\"num\">35.76</td><td class=\"num\">+1.71</td><td "
	       "class=\"num\">+5.02%</td>");
	has(h, "<p class=\"table-footnote\">范围：本级及下属 0 家行政单位、0 家事业单位。</p>");
	has(h, "<caption>政府采购预算（单位：万元）</caption>");
	has(h, "<caption>国有资产占用情况（截至2020年12月31日）</caption>");
	has(h, "<tr><th scope=\"row\">房屋</th><td class=\"num\">3191.94 平方米</td><td "
	       "class=\"num\">68.20</td></tr>");
	has(h,
	    "<tr class=\"sub\"><th scope=\"row\">一般公务用车</th><td class=\"num\">8 辆</td><td "
	    "class=\"num\">34.95</td></tr>");
	has(h, "<p>2021年预算安排：购置车辆经费 80.00 万元；购置单位价值50万元以上大型设备 0 "
	       "台（套）；100万元以上大型设备 0 台（套）。</p>");
	has(h, "<td class=\"num\">5 个</td>");
	has(h, "<th scope=\"row\">涉及预算金额</th><td class=\"num\">122.30 万元</td>");
	lacks(h, "本公开未包含此项");
	free(h);
}
END_TEST

/* The bundled Putuo 2025: 867.50 printed, and as 上年 (867.50 - 0) with its decimals. */
START_TEST(test_printed_decimals)
{
	char *h = sections(tu_env("BUDGETD_STORE"), "dept=putuo-govt-office&year=2025&kind=budget");

	has(h, "<td class=\"num\" data-col=\"amount\">867.50</td><td class=\"num\" "
	       "data-col=\"prior_year\">867.50</td><td class=\"num\" data-col=\"change\">0</td>");
	lacks(h, ">867.5<");
	free(h);
}
END_TEST

/* The Putuo 决算: 表七 prints no 三公 figures; its note, on one line, says why. */
START_TEST(test_no_sangong_figures)
{
	char *h =
	    sections(tu_env("BUDGETD_STORE"), "dept=putuo-cpc-social-work&year=2024&kind=final");

	has(h,
	    "<p>表七财政拨款“三公”经费支出决算表未列出数字；原表说明：注：本表反映部门本年度“三公”"
	    "经费支出预决算情况。 "
	    "说明：中共上海市普陀区委社会工作部本年度没有财政拨款“三公”经费支出，故本表无数据。</"
	    "p>");
	lacks(h, "未包含“三公”");
	free(h);
}
END_TEST

/* tests/http/fixtures/fixture-office-2024-final.json: a 决算's 三公 budget and final side by
 * side (3.1 / 4.5 = 68.89%; 0 / 0 has no rate), 机关运行经费 50 / 48.26, no assets. */
START_TEST(test_final)
{
	char file[4096], *path = tu_temp_path(".sqlite"), *h;
	struct tu_ctl r;

	snprintf(file, sizeof(file), "%s/tests/http/fixtures/fixture-office-2024-final.json",
	         tu_env("BUDGETD_SOURCE"));
	r = tu_ctl("import", "--fresh", "--db", path, file, NULL);
	ck_assert_msg(r.status == 0, "%s", r.err);
	tu_ctl_done(&r);
	h = sections(path, "dept=fixture-office&year=2024&kind=final");
	has(h, "<caption>“三公”经费预算数与决算数（单位：万元）</caption>");
	has(h, "<tr class=\"item\"><th scope=\"row\">公务接待费</th><td class=\"num\" "
	       "data-col=\"budget\">4.5</td><td class=\"num\" data-col=\"final\">3.1</td><td "
	       "class=\"num\" data-col=\"completion\">68.89%</td>");
	has(h, "<th scope=\"row\">因公出国（境）费</th><td class=\"num\" "
	       "data-col=\"budget\">0</td><td "
	       "class=\"num\" data-col=\"final\">0</td><td class=\"num\" "
	       "data-col=\"completion\"></td>");
	has(h, "<tr class=\"item sub\"><th scope=\"row\">公务用车运行费</th>");
	has(h, "<td class=\"num\" data-col=\"completion\">87.5%</td>"); /* 会议费 5.25 / 6 */
	has(h, "<tr class=\"total\"><th scope=\"row\">合计</th><td class=\"num\" "
	       "data-col=\"budget\">12.5</td><td class=\"num\" data-col=\"final\">10.3</td><td "
	       "class=\"num\" data-col=\"completion\">82.4%</td>");
	has(h, "<caption>机关运行经费支出（单位：万元）</caption>");
	has(h, "<tr><th scope=\"row\">机关运行经费</th><td class=\"num\">50</td><td "
	       "class=\"num\">48.26</td><td class=\"reason\">厉行节约。</td></tr>");
	lacks(h, "范围：");
	has(h, "<caption>政府采购支出（单位：万元）</caption>");
	has(h, "<th scope=\"row\">政府采购支出总额</th>");
	/* every block the disclosure lacks says so (app.js's one shared node showed it once) */
	has(h, "<h3>国有资产占用</h3><p>本公开未包含此项。</p></div>");
	has(h, "<h3>预算绩效</h3><p>本公开未包含此项。</p></div>");
	/* no projects in this fixture */
	has(h, "<h2 id=\"projects-h\">项目支出</h2><p>本公开未包含项目明细。</p></section>");
	lacks(h, "预算安排");
	free(h);
	tu_unlink_store(path);
	free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("page_projects");
	TCase *tc = tcase_create("page");

	tcase_add_test(tc, test_seed_projects);
	tcase_add_test(tc, test_seed_sangong_and_other);
	tcase_add_test(tc, test_printed_decimals);
	tcase_add_test(tc, test_no_sangong_figures);
	tcase_add_test(tc, test_final);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
