// SPDX-License-Identifier: MIT
// The rule registry: what each rule checks, how severe a finding is, and how exact.
#include "internal.h"

#include <string.h>

#define EXACT                                                                                  \
	"exact: printed figures are exact values, so a sum of printed figures must equal its " \
	"printed total"
#define UNITS                                                                                       \
	"exact in one unit; across units (a 万元 figure against a 元 figure) half the last "     \
	"printed digit of the coarser figure (2 decimals of 万元: 50 元), since that figure is " \
	"rounded"
#define PERCENT                                                                                  \
	"the percentage as printed ±0.005 points (2 decimals) against the range the ratio can " \
	"take when each printed amount is off by up to half its last digit"

static const struct audit_rule rules[] = {
	{ "T01", "table", "error", "科目级次合计：上级科目等于下级科目之和",
	  "Code levels: a class or item row equals the sum of its sub-items", EXACT },
	{ "T02", "table", "error", "合计行等于各类（最上级科目）之和",
	  "A total row equals the sum of its top-level (类) rows", EXACT },
	{ "T03", "table", "error", "合计行等于最末级科目之和",
	  "A total row equals the sum of its lowest-level items", EXACT },
	{ "T04", "table", "error", "栏目恒等：合计=基本支出+项目支出、人员经费+公用经费、收入各栏",
	  "Column identities: total = basic + project, personnel + public, income sources",
	  EXACT "; a blank cell is 0" },
	{ "T05", "table", "error", "收支总表：收入总计等于支出总计",
	  "Summary tables: total income equals total expenditure", EXACT },
	{ "T06", "table", "error",
	  "“三公”经费：合计=因公出国（境）+公务用车+公务接待，公务用车=购置+运行",
	  "三公 table: total = abroad + vehicles + reception; vehicles = purchase + operation",
	  EXACT "; a blank cell is 0" },
	{ "T07", "table", "warning", "科目编码按类三位、款两位、项两位印制",
	  "A code is printed in the classification's digits: 3 for 类, 2 for 款 and for 项",
	  "exact: the code as printed (a 款 printed \"2\" for 02 is a finding)" },
	{ "X01", "cross", "error", "收支总表的收入合计与收入表合计一致",
	  "The summary's income total equals the income table's total", UNITS },
	{ "X02", "cross", "error", "收支总表的支出合计与支出表合计一致",
	  "The summary's expenditure total equals the expenditure table's total", UNITS },
	{ "X03", "cross", "error", "财政拨款收支总表的一般公共预算支出与一般公共预算支出表合计一致",
	  "The fiscal summary's general-budget spending equals the general-budget function table's "
	  "total",
	  UNITS },
	{ "X04", "cross", "error", "基本支出经济分类表合计与功能分类表（支出表）基本支出一致",
	  "The basic-expenditure economic table's total equals the basic column of the function "
	  "(and expenditure) table",
	  UNITS },
	{ "X05", "cross", "error", "“三公”经费表与文字中的“三公”经费、机关运行经费一致",
	  "The 三公 table agrees with the 三公 and operating-cost figures of the text", UNITS },
	{ "X06", "cross", "warning", "机关运行经费与基本支出表的公用经费一致",
	  "Operating costs (机关运行经费) equal the basic table's public funds (公用经费)",
	  UNITS "; a warning: 机关运行经费 covers administrative units, 公用经费 all units" },
	{ "X07", "cross", "error", "项目支出表合计与功能分类表的项目支出一致",
	  "The project table's total equals the 项目支出 column of the function table", UNITS },
	{ "X08", "cross", "error", "项目支出表中项目的金额与项目说明一致",
	  "A project's row in the project table equals the project's stated amount", UNITS },
	{ "E01", "text", "error", "说明中科目的金额与功能分类表该科目一致",
	  "An amount the explanations give for a code equals that row of the function table",
	  UNITS },
	{ "E02", "text", "error", "增减幅度与增减额、本年数相符",
	  "A stated percentage change agrees with the change and this year's amount", PERCENT },
	{ "E03", "text", "warning", "占比与金额相符",
	  "A stated share agrees with its amount and a total it can be a share of", PERCENT },
	{ "E04", "text", "error", "增减方向用词（增加/减少/持平）与数字相符",
	  "Direction words (增加/减少/持平) agree with the sign of the change", "exact: a sign" },
	{ "E05", "text", "error", "对为 0 的预算数不应陈述完成率",
	  "A completion rate is stated against a budget of 0", "exact: a budget printed as 0" },
	{ "E06", "text", "error", "完成率等于决算数除以预算数",
	  "A completion rate equals the final amount over the budget", PERCENT },
	{ "E07", "text", "error", "决算数大于/小于/等于预算数的表述与数字相符",
	  "大于/小于/等于 between final and budget agrees with the figures", "exact" },
	{ "E08", "text", "warning", "上年数为 0 时不应陈述增减幅度",
	  "A growth rate is stated against a prior-year amount of 0",
	  "exact: a prior-year amount printed as 0, or a change equal to the amount" },
	{ "E09", "text", "warning", "原因说明的增减方向与所述增减相反",
	  "The reason given for a change names the opposite direction (a fall explained by an "
	  "increase)",
	  "exact: the direction words 增加/增长 vs 减少/下降; a reason naming both is not judged" },
	{ "E10", "text", "warning", "科目的用途或原因照抄了另一科目",
	  "An item's use or reason is another item's text word for word, naming that item and "
	  "not its own",
	  "exact: identical texts; texts naming no item (项目调整) are not compared" },
	{ "E11", "text", "error", "“其中”所列各项之和不大于所述总数",
	  "The parts a sentence lists after 其中 add up to no more than the total it states",
	  EXACT "; a sum short of the total is not a finding, since a 其中 list need not be "
	        "complete" },
	{ "E12", "text", "warning", "同一资金的收入与支出金额相同，增减额也应相同",
	  "Income and expenditure of the same funds, stated with one amount, change by one amount",
	  "exact: printed changes of two figures with the same printed amount; a warning, since "
	  "the two may be compared with different bases (预算执行数 and 预算) on purpose" },
	{ "D01", "document", "warning", "标题中的年度与公开年度一致",
	  "Years in titles and headings match the disclosure year",
	  "exact; quoted titles 《…》 and 截至 dates are not headings' years" },
	{ "D02", "document", "error", "模板残留（XX、上海市XX局、模板的填表说明）",
	  "Template residue (XX, 上海市XX局, the template's instructions to the preparer) in "
	  "names, "
	  "notes and text",
	  "exact" },
	{ "D03", "document", "warning", "空表应有说明", "An empty table carries a note saying why",
	  "exact" },
	{ "D04", "document", "error", "注明为空表的表不应有数字",
	  "A table whose note says it is empty prints no figures", "exact: any non-zero figure" },
	{ "D05", "document", "info", "重复标点（。。，，、、；；）",
	  "Doubled punctuation (。。，，、、；；)", "exact" },
	{ "D06", "document", "info", "表名缺少年度（其他表名都有）",
	  "A table title lacks the year that the other tables' titles print", "exact" },
	{ "D07", "document", "warning", "区级公开的名词解释不应使用市级、省级的表述",
	  "A district-level disclosure's glossary does not speak of the city or province level "
	  "(市级, 省级)",
	  "exact: the words 市级/省级 in a glossary entry of a disclosure whose title says 区级 or "
	  "whose region is a district" },
	{ "D08", "document", "warning", "目录所列的表正文中都有，正文中的表目录都列出",
	  "Every table the table of contents lists is printed, and every printed table is listed",
	  "exact: by table type when the registry knows the title, else by the title as printed "
	  "(spaces and quotes aside); a 目录 that lists no table is not compared" },
	{ "D09", "document", "error", "编制部门和标题中的部门名称与部门名称一致",
	  "The department's name printed as a table's 编制部门 and in headings that name it "
	  "(…主要职能, …机构设置, …概况) is the department's name",
	  "exact: the full name, the short name, or a short form that is a prefix or suffix of the "
	  "full name (at least two characters; 万里街道办事处 of "
	  "上海市普陀区人民政府万里街道办事处) "
	  "agrees; any other name is a finding" },
};

const struct audit_rule *audit_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

const struct audit_rule *audit_rule_find(const char *id)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].id, id) == 0)
			return &rules[i];
	return NULL;
}
