// SPDX-License-Identifier: MIT
// Column keys and measures from printed headings (contract: "Column keys the extractor
// writes"). A heading not listed here keeps its title and gets key c<N>.
#include "keys.h"
#include "layout.h"

#include <stdio.h>
#include <string.h>

/* Slices: what a column adds up. Headings are compared squeezed, with （） as (). */
static const struct {
	const char *heading, *key;
} slices[] = {
	{ "合计", "total" },
	{ "总计", "total" },
	{ "本年收入合计", "total" },
	{ "本年支出合计", "total" },
	{ "基本支出", "basic" },
	{ "项目支出", "project" },
	{ "人员经费", "personnel" },
	{ "公用经费", "public" },
	{ "财政拨款收入", "fiscal" },
	{ "财政拨款", "fiscal" },
	{ "一般公共预算", "general_budget" },
	{ "一般公共预算财政拨款", "general_budget" },
	{ "一般公共预算拨款", "general_budget" },
	{ "政府性基金预算", "fund_budget" },
	{ "政府性基金预算财政拨款", "fund_budget" },
	{ "政府性基金预算拨款", "fund_budget" },
	{ "国有资本经营预算", "state_capital" },
	{ "国有资本经营预算财政拨款", "state_capital" },
	{ "国有资本经营预算拨款", "state_capital" },
	{ "事业收入", "business_income" },
	{ "事业单位经营收入", "operating_income" },
	{ "经营收入", "operating_income" },
	{ "其他收入", "other_income" },
	{ "上级补助收入", "superior_income" },
	{ "附属单位上缴收入", "affiliate_income" },
	{ "上缴上级支出", "paid_to_superior" },
	{ "经营支出", "operating_expenditure" },
	{ "对附属单位补助支出", "affiliate_subsidy" },
	{ "上年结转", "carryover" },
	{ "上年结转和结余", "carryover" },
	{ "年初结转和结余", "carryover" },
	{ "年末结转和结余", "carryover_end" },
	{ "本年收入", "income" },
	{ "本年支出", "expenditure" },
	{ "因公出国(境)费", "abroad" },
	{ "因公出国(境)费用", "abroad" },
	{ "公务接待费", "reception" },
	{ "公务用车购置及运行费", "vehicle" },
	{ "公务用车购置及运行维护费", "vehicle" },
	{ "公务用车购置费", "vehicle_purchase" },
	{ "购置费", "vehicle_purchase" },
	{ "公务用车运行费", "vehicle_operation" },
	{ "公务用车运行维护费", "vehicle_operation" },
	{ "运行费", "vehicle_operation" },
	{ "运行维护费", "vehicle_operation" },
	{ "会议费", "meeting" },
	{ "培训费", "training" },
	{ "机关运行经费", "operating_costs" },
	{ "机关运行经费预算", "operating_costs" },
	{ "机关运行经费预算数", "operating_costs" },
	{ NULL, NULL },
};

static const struct {
	const char *heading, *measure;
} measures[] = {
	{ "预算数", "budget" },
	{ "预算", "budget" },
	{ "决算数", "final" },
	{ "决算", "final" },
	{ "年初预算", "budget_initial" },
	{ "年初预算数", "budget_initial" },
	{ "全年预算", "budget_adjusted" },
	{ "全年预算数", "budget_adjusted" },
	{ "调整预算", "budget_adjusted" },
	{ "调整预算数", "budget_adjusted" },
	{ "完成率", "rate" },
	{ "执行率", "rate" },
	{ "增减额", "change" },
	{ "增减率", "change_percent" },
	{ "增长率", "change_percent" },
	{ "上年数", "prior" },
	{ "上年预算数", "prior" },
	{ NULL, NULL },
};

/* heading with full-width brackets and quotes made ASCII/plain, into out */
static void plain(const char *s, char *out, size_t size)
{
	char t[256];
	size_t n = 0;

	const char *p = t;

	ing_squeeze(s, t, sizeof(t));
	/* "2024年机关运行经费预算数" names what 机关运行经费预算数 does */
	if (strspn(p, "0123456789") == 4 && strncmp(p + 4, "年", 3) == 0)
		p += 4 + 3;
	while (*p != '\0' && n + 4 < size) {
		if (strncmp(p, "（", 3) == 0) {
			out[n++] = '(';
			p += 3;
		} else if (strncmp(p, "）", 3) == 0) {
			out[n++] = ')';
			p += 3;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
}

static const char *slice_of(const char *heading)
{
	char t[256];

	plain(heading, t, sizeof(t));
	for (size_t i = 0; slices[i].heading != NULL; i++)
		if (strcmp(t, slices[i].heading) == 0)
			return slices[i].key;
	return NULL;
}

const char *ing_measure_of(const char *heading)
{
	char t[256];

	plain(heading, t, sizeof(t));
	for (size_t i = 0; measures[i].heading != NULL; i++)
		if (strcmp(t, measures[i].heading) == 0)
			return measures[i].measure;
	return NULL;
}

/* The innermost group heading of a path "a/b/c" into out. */
static void last_group(const char *path, char *out, size_t size)
{
	const char *s = strrchr(path, '/');

	snprintf(out, size, "%s", s != NULL ? s + 1 : path);
}

/* 小计: the 公务用车 subtotal in a 三公 table, else a plain subtotal. */
static const char *subtotal(const char *group, bool sangong)
{
	return sangong || strstr(group, "公务用车") != NULL ? "vehicle" : "subtotal";
}

void ing_column_key(const char *title, const char *group, const char *side, const char *family,
                    bool sangong, char *key, size_t key_size, const char **measure)
{
	const char *m = ing_measure_of(title), *s;
	char g[192];

	*measure = m != NULL ? m : strcmp(family, "final") == 0 ? "final" : "budget";
	key[0] = '\0';
	if (m == NULL) {
		s = strcmp(title, "小计") == 0 ? subtotal(group, sangong) : slice_of(title);
		if (s != NULL)
			snprintf(key, key_size, "%s", s);
		return;
	}
	if (side != NULL) {
		snprintf(key, key_size, "%s", side);
		return;
	}
	last_group(group, g, sizeof(g));
	s = g[0] != '\0' ? slice_of(g) : NULL;
	if (s == NULL && strcmp(g, "小计") == 0)
		s = subtotal(group, sangong);
	if (s != NULL)
		snprintf(key, key_size, "%s_%s", s, m);
	else if (g[0] == '\0')
		snprintf(key, key_size, "%s", m);
}
