// SPDX-License-Identifier: MIT
// Table types are data: the row identities each table type's columns obey, by column key.
#include "internal.h"

#define FUNCTION                                                           \
	"budget_expenditure budget_general_function budget_fund_function " \
	"budget_capital_function final_general_function final_fund final_capital"
#define INCOME "budget_income final_income"
#define OTHER_INCOME                                                                     \
	"special_account business_income operating_income other_income superior_income " \
	"affiliate_income carryover"

const struct audit_identity audit_identities[] = {
	{ "T04", FUNCTION, "total", "basic project", NULL, NULL },
	{ "T04", "final_expenditure", "total",
	  "basic project paid_to_superior operating_expenditure affiliate_subsidy", NULL, NULL },
	{ "T04", "budget_general_basic_economic", "total", "personnel public", NULL, NULL },
	{ "T04", "budget_summary", "total", "personnel public project", "personnel", NULL },
	{ "T04", "budget_fiscal_summary final_fiscal_summary", "total",
	  "general_budget fund_budget state_capital", "general_budget", NULL },
	{ "T04", INCOME, "total", "fiscal " OTHER_INCOME, "fiscal", NULL },
	{ "T04", INCOME, "total", "general_budget fund_budget state_capital " OTHER_INCOME,
	  "general_budget", "fiscal" },
	{ "T04", INCOME, "fiscal", "general_budget fund_budget state_capital", "general_budget",
	  NULL },
	{ "T06", "budget_sangong final_sangong", "total", "abroad vehicle reception", "vehicle",
	  NULL },
	{ "T06", "budget_sangong final_sangong", "total", "abroad vehicle_total reception",
	  "vehicle_total", NULL },
	{ "T06", "budget_sangong final_sangong", "vehicle", "vehicle_purchase vehicle_operation",
	  NULL, NULL },
	{ "T06", "budget_sangong final_sangong", "vehicle_total",
	  "vehicle_purchase vehicle_operation", NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL },
};
