// SPDX-License-Identifier: MIT
// The import format, versions 1 and 2, described once. Mirrors db/disclosure.schema.json and
// db/schema.sql; tests import the bundled data through it, so a mismatch fails loudly.
// Version 1 documents are rewritten into version 2 after validation (normalize.c): the
// importer and the exporter only ever see version 2.
#include "model.h"

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

/* The tables below are laid out by hand, one entity per block. An entity names only the
 * trailing members it sets (.only, .sign): the others are 0. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
// clang-format off
#define F(k, t, ...) { .key = (k), .type = (t), __VA_ARGS__ }
#define TEXT(k, ...) F(k, DB_FT_TEXT, __VA_ARGS__) /* a name, title or label: one line */
#define PROSE(k, ...) F(k, DB_FT_TEXT, .prose = true, __VA_ARGS__) /* running text */
#define DEC(k, ...) F(k, DB_FT_DEC, __VA_ARGS__)
#define SDEC(k) F(k, DB_FT_SDEC)
#define COUNT(k, ...) F(k, DB_FT_INT, .min = 0, .max = INT32_MAX, __VA_ARGS__)
#define DELTA(k) F(k, DB_FT_INT, .min = -INT32_MAX, .max = INT32_MAX)
#define ENUM(k, ch, ...) F(k, DB_FT_ENUM, .choices = (ch), __VA_ARGS__)
#define REQ .req = DB_VALL
#define REQ1 .req = DB_V1 /* required in version 1 only */
#define REQ2 .req = DB_V2 /* required in version 2 only */
#define V1 .only = DB_V1 /* version 1 only */
#define V2 .only = DB_V2 /* new in version 2 */
#define BOX(k) F(k, DB_FT_BOX, V2)
#define END { .key = NULL }
#define KIDS(...) ((const struct db_entity *const[]){ __VA_ARGS__, NULL })

const char *const db_sides[] = { "income", "expenditure", NULL };
static const char *const formats[] = { DB_FORMAT_V1, DB_FORMAT_V2, NULL };
static const char *const kinds[] = { "budget", "final", NULL };
static const char *const levels[] = { "department", "unit", NULL };
static const char *const units[] = { "元", "万元", "千元", "亿元", NULL };
static const char *const measures[] = { "budget", "budget_initial", "budget_adjusted", "final",
					"rate", "change", "change_percent", "prior", NULL };
static const char *const row_kinds[] = { "item", "total", NULL };
static const char *const classifications[] = { "function", "economic", NULL };
static const char *const staff_categories[] = { "established", "actual", "serving", "retired",
						"lixiu", NULL };
static const char *const ops[] = { "≥", "≤", "=", ">", "<", NULL };
static const char *const sangong_keys[] = { "abroad", "vehicle_purchase", "vehicle_operation",
					    "reception", "meeting", "training", "vehicle", NULL };
const char *const db_box_parts[] = { "page", "x0", "y0", "x1", "y1", NULL };
/* The eight kinds of 公务用车 a Shanghai disclosure counts (v2) besides the total. */
static const char *const vehicle_kinds[] = { "total",     "general",      "enforcement",
					     "other",     "ministerial",  "leader",
					     "confidential", "emergency", "special",
					     "retiree",   NULL };

/* ---- department, source, overview ---- */
static const struct db_entity department = {
	"department", DB_SH_ONE, "department_record", "disclosure_id", true,
	(const struct db_field[]){ F("id", DB_FT_SLUG, REQ, .nostore = true), TEXT("name", REQ),
				   TEXT("short_name"), TEXT("region"), TEXT("parent"), END },
	NULL,
};

static const struct db_entity source = {
	"source", DB_SH_ONE, "source", "disclosure_id", false,
	(const struct db_field[]){ TEXT("document", REQ), TEXT("file"), F("url", DB_FT_URL),
				   PROSE("notes"),
				   F("sha256", DB_FT_HEX64, V2),
				   F("pages", DB_FT_INT, V2, .min = 1, .max = 100000), END },
	NULL,
};

static const struct db_entity functions = {
	"functions", DB_SH_TEXTS, "department_function", "disclosure_id", false, NULL, NULL,
	.prose = true,
};

/* The headings of the 主要职能 and 机构设置 parts as printed (v2): they name the department. */
static const struct db_entity overview_headings = {
	"headings", DB_SH_TEXTS, "overview_heading", "disclosure_id", false, NULL, NULL,
	.only = DB_V2,
};

static const struct db_entity internal_units = {
	"internal_units", DB_SH_TEXTS, "internal_unit", "organization_id", false, NULL, NULL,
};

/* 单位构成: the budget units the department consists of. */
static const struct db_entity organization_units = {
	"units", DB_SH_ROWS, "organization_unit", "organization_id", false,
	(const struct db_field[]){ TEXT("name", REQ), TEXT("type"), PROSE("note"), END },
	NULL, .only = DB_V2,
};

static const struct db_entity organization = {
	"organization", DB_SH_ONE, "organization", "disclosure_id", false,
	(const struct db_field[]){ PROSE("text"), COUNT("subordinate_units"),
				   COUNT("administrative_units", V2),
				   COUNT("institutional_units", V2), END },
	KIDS(&internal_units, &organization_units),
};

static const struct db_entity staffing = {
	"staffing", DB_SH_ROWS, "staffing", "disclosure_id", false,
	(const struct db_field[]){ ENUM("category", staff_categories, REQ), TEXT("label", REQ),
				   COUNT("count", REQ), DELTA("change"), END },
	NULL,
};

static const struct db_entity overview = {
	"overview", DB_SH_INLINE, NULL, NULL, false, NULL,
	KIDS(&overview_headings, &functions, &organization, &staffing),
};

/* ---- the tables ---- */
static const struct db_entity columns = {
	"columns", DB_SH_ROWS, "table_column", "table_id", true,
	(const struct db_field[]){ F("key", DB_FT_KEY, REQ), TEXT("title", REQ), TEXT("group"),
				   ENUM("side", db_sides), ENUM("measure", measures, V2), END },
	NULL,
};

/* Table figures are signed: a 决算 prints negative balances and changes. */
static const struct db_entity row_amounts = {
	"amounts", DB_SH_DEC_MAP, "row_amount", "row_id", false, NULL, NULL, .sign = true,
};

static const struct db_entity row_unplaced = {
	"unplaced", DB_SH_DECS, "row_unplaced", "row_id", false, NULL, NULL, .sign = true,
};

static const struct db_entity row_boxes = {
	"boxes", DB_SH_BOX_MAP, "row_box", "row_id", false, NULL, NULL, .only = DB_V2,
};

static const struct db_entity rows = {
	"rows", DB_SH_ROWS, "table_row", "table_id", true,
	(const struct db_field[]){ ENUM("side", db_sides), ENUM("kind", row_kinds),
				   F("level", DB_FT_INT, .min = 0, .max = 3),
				   F("codes", DB_FT_CODES), TEXT("name"),
				   F("project", DB_FT_SLUG), TEXT("project_name"),
				   TEXT("code_printed", V2), END },
	KIDS(&row_amounts, &row_unplaced, &row_boxes),
};

/* 表几 is column "number" (version 1's key); "position" is the order in the document.
 * A version 1 table's number becomes its position, its type comes from its title. */
static const struct db_entity tables = {
	"tables", DB_SH_ROWS, "budget_table", "disclosure_id", true,
	(const struct db_field[]){ F("number", DB_FT_INT, REQ1, V1, .nostore = true, .min = 1,
				     .max = 99),
				   F("position", DB_FT_INT, REQ2, V2, .col = "number", .min = 1,
				     .max = 99),
				   F("type", DB_FT_TTYPE, REQ2, V2), TEXT("title", REQ),
				   TEXT("unit", REQ2), ENUM("classification", classifications),
				   PROSE("note"), PROSE("unplaced_note"), BOX("box"),
				   TEXT("preparer", V2), END },
	KIDS(&columns, &rows),
};

/* 目录 (v2): the entries of the table of contents as printed, in order; type when the
 * registry knows the title. */
static const struct db_entity contents = {
	"contents", DB_SH_ROWS, "contents_entry", "disclosure_id", false,
	(const struct db_field[]){ TEXT("title", REQ), TEXT("number"),
				   F("page", DB_FT_INT, .min = 1, .max = 100000),
				   F("type", DB_FT_TTYPE), END },
	NULL, .only = DB_V2,
};

/* ---- explanations ---- */
static const struct db_entity paragraphs = {
	"paragraphs", DB_SH_TEXTS, "explanation_paragraph", "explanation_id", false, NULL, NULL,
	.prose = true,
};

static const struct db_entity figures = {
	"figures", DB_SH_ROWS, "explanation_figure", "explanation_id", false,
	(const struct db_field[]){ TEXT("label", REQ), F("codes", DB_FT_CODES), DEC("amount"),
				   DEC("share"), SDEC("change"), SDEC("change_percent"),
				   PROSE("reason"), PROSE("detail"), BOX("box"), END },
	NULL,
};

static const struct db_entity explanations = {
	"explanations", DB_SH_ROWS, "explanation", "disclosure_id", false,
	(const struct db_field[]){ F("key", DB_FT_KEY, REQ), TEXT("number"), TEXT("title", REQ),
				   F("page", DB_FT_INT, V2, .min = 1, .max = 100000), BOX("box"),
				   END },
	KIDS(&paragraphs, &figures),
};

/* ---- projects ---- */
static const struct db_entity economic = {
	"economic", DB_SH_DEC_MAP, "project_economic", "project_id", false, NULL, NULL,
};

static const struct db_entity allocation_items = {
	"items", DB_SH_ROWS, "allocation_item", "allocation_id", false,
	(const struct db_field[]){ TEXT("item", REQ), DEC("amount", REQ), END },
	NULL,
};

static const struct db_entity allocation = {
	"allocation", DB_SH_ONE, "allocation", "project_id", false,
	(const struct db_field[]){ PROSE("text"), END },
	KIDS(&allocation_items),
};

static const struct db_entity indicators = {
	"indicators", DB_SH_ROWS, "indicator", "target_id", false,
	(const struct db_field[]){ TEXT("level1", REQ), TEXT("level2", REQ), TEXT("name"),
				   TEXT("value"), ENUM("op", ops), DEC("number"), TEXT("unit"),
				   END },
	NULL,
};

static const struct db_entity target = {
	"performance", DB_SH_ONE, "performance_target", "project_id", false,
	(const struct db_field[]){ DEC("funding_total"), DEC("funding_fiscal"),
				   DEC("funding_other"), PROSE("objective"), END },
	KIDS(&indicators),
};

static const struct db_entity projects = {
	"projects", DB_SH_ROWS, "project", "disclosure_id", false,
	(const struct db_field[]){ F("id", DB_FT_SLUG, REQ, .col = "slug"),
				   F("withheld", DB_FT_BOOL), TEXT("name"), TEXT("table_name"),
				   F("codes", DB_FT_CODES), DEC("amount", REQ1),
				   PROSE("policy_basis"), TEXT("executing_unit"), TEXT("period"),
				   DEC("self_evaluation", V2), PROSE("summary", V2), PROSE("plan", V2),
				   END },
	KIDS(&economic, &allocation, &target),
};

/* ---- other matters ---- */
static const struct db_entity withheld = {
	"withheld", DB_SH_ONE, "withheld", "disclosure_id", false,
	(const struct db_field[]){ COUNT("count", REQ), DEC("amount", REQ), PROSE("legal_source"),
				   PROSE("basis"), PROSE("text"), END },
	NULL,
};

static const struct db_entity sangong_items = {
	"items", DB_SH_ROWS, "sangong_item", "sangong_id", true,
	(const struct db_field[]){ ENUM("key", sangong_keys, REQ), TEXT("label", REQ),
				   DEC("amount", REQ1), DEC("budget", V2), DEC("final", V2),
				   SDEC("change"), PROSE("reason"), END },
	NULL,
};

/* A 预算 writes amount; a 决算 writes budget and final side by side. */
static const struct db_entity sangong = {
	"sangong", DB_SH_ONE, "sangong", "disclosure_id", false,
	(const struct db_field[]){ DEC("amount", REQ1), DEC("budget", V2), DEC("final", V2),
				   SDEC("change"), ENUM("unit", units, V2), END },
	KIDS(&sangong_items),
};

static const struct db_entity operating_costs = {
	"operating_costs", DB_SH_ONE, "operating_costs", "disclosure_id", false,
	(const struct db_field[]){ DEC("amount", REQ1), DEC("budget", V2), DEC("final", V2),
				   SDEC("change"), SDEC("change_percent"), PROSE("reason"),
				   COUNT("administrative_units"), COUNT("institutional_units"),
				   ENUM("unit", units, V2), END },
	NULL,
};

static const struct db_entity procurement = {
	"procurement", DB_SH_ONE, "procurement", "disclosure_id", false,
	(const struct db_field[]){ DEC("amount", REQ), DEC("goods"), DEC("works"),
				   DEC("services"), DEC("sme_reserved"),
				   DEC("small_micro_reserved"), END },
	NULL,
};

static const struct db_entity vehicles = {
	"vehicles", DB_SH_ROWS, "asset_vehicle", "assets_id", false,
	(const struct db_field[]){ ENUM("kind", vehicle_kinds, REQ), TEXT("label", REQ),
				   COUNT("count", REQ), DEC("value"), END },
	NULL,
};

static const struct db_entity assets = {
	"assets", DB_SH_ONE, "assets", "disclosure_id", false,
	(const struct db_field[]){ F("as_of", DB_FT_DATE), DEC("building_area"),
				   DEC("building_value"), DEC("furniture_value"),
				   DEC("other_value"), COUNT("equipment_over_50"),
				   COUNT("equipment_over_100"), DEC("planned_vehicle_purchase"),
				   COUNT("planned_equipment_over_50"),
				   COUNT("planned_equipment_over_100"), COUNT("planned_vehicles", V2),
				   END },
	KIDS(&vehicles),
};

static const struct db_entity performance = {
	"performance", DB_SH_ONE, "performance_summary", "disclosure_id", false,
	(const struct db_field[]){ COUNT("project_count", REQ), DEC("amount", REQ), PROSE("text"),
				   END },
	NULL,
};

static const struct db_entity glossary = {
	"glossary", DB_SH_ROWS, "glossary_term", "disclosure_id", false,
	(const struct db_field[]){ TEXT("number"), TEXT("term", REQ), PROSE("definition", REQ),
				   END },
	NULL,
};

/* The document: its own fields land in `disclosure`; department_id is set by hand. */
const struct db_entity db_model_document = {
	NULL, DB_SH_ONE, "disclosure", "department_id", true,
	(const struct db_field[]){ ENUM("format", formats, REQ, .nostore = true),
				   F("year", DB_FT_INT, REQ, .min = 1990, .max = 2100),
				   ENUM("kind", kinds, REQ),
				   ENUM("level", levels, V2, .def = "department"),
				   TEXT("title", REQ), F("published", DB_FT_DATE), TEXT("unit", REQ),
				   END },
	KIDS(&department, &source, &contents, &overview, &tables, &explanations, &projects, &withheld,
	     &sangong, &operating_costs, &procurement, &assets, &performance, &glossary),
};
// clang-format on

const struct db_entity *const db_model_tables = &tables;
const struct db_entity *const db_model_projects = &projects;

const char *db_box_col(const struct db_field *f, int i, char *buf, size_t size)
{
	snprintf(buf, size, "%s_%s", db_field_col(f), db_box_parts[i]);
	return buf;
}

const char *db_dp_col(const char *col, char *buf, size_t size)
{
	snprintf(buf, size, "%s_dp", col);
	return buf;
}
