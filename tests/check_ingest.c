// SPDX-License-Identifier: MIT
// ingest: the text layer parser on saved pdftotext -bbox-layout pages (tests/ingest/*.xhtml),
// tables typed by the registry, wrapped names, two-sided and two-panel tables, and
// `budgetctl extract` end to end on a corpus PDF and on each kind of bad input. Expected
// figures were read from the printed PDF pages, not from the extractor's output.
#include "db.h"
#include "ingest.h"
#include "util.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- Helpers ---- */

static char *source_path(const char *rel)
{
	char *p;

	ck_assert_int_gt(asprintf(&p, "%s/%s", tu_env("BUDGETD_SOURCE"), rel), 0);
	return p;
}

struct seen {
	int reports;
};

static void count_report(void *ctx, int page, const char *what, const char *text)
{
	(void)page;
	(void)what;
	(void)text;
	((struct seen *)ctx)->reports++;
}

/* The document extracted from a saved page (tests/ingest/NAME). */
static json_t *doc_of_fixture(const char *name, struct seen *seen)
{
	char *path = source_path(name);
	size_t len;
	char *xhtml = tu_read_file(path, &len);
	struct ingest_error err = { 0 };
	struct ingest_options opt = { .report = count_report, .ctx = seen };
	struct ingest_source src = { .file = name, .pages = 1 };
	struct ingest_text *text;
	json_t *doc;

	ck_assert_msg(xhtml != NULL, "cannot read %s", path);
	text = ingest_text_parse(xhtml, len, &err);
	ck_assert_msg(text != NULL, "%s: %s", name, err.text);
	doc = ingest_document(text, &src, &opt, &err);
	ck_assert_msg(doc != NULL, "%s: %s", name, err.text);
	ingest_text_free(text);
	free(xhtml);
	free(path);
	return doc;
}

/* The first row of table t whose codes (or, with codes NULL, name) match; skips `nth`. */
static json_t *row_of(json_t *t, const char *codes, const char *name, int nth)
{
	size_t i;
	json_t *r;

	json_array_foreach (json_object_get(t, "rows"), i, r) {
		const char *c = json_string_value(json_object_get(r, "codes"));
		const char *n = json_string_value(json_object_get(r, "name"));

		if (codes != NULL && (c == NULL || strcmp(c, codes) != 0))
			continue;
		if (name != NULL && (n == NULL || strcmp(n, name) != 0))
			continue;
		if (nth-- == 0)
			return r;
	}
	ck_abort_msg("no row %s %s", codes ? codes : "", name ? name : "");
	return NULL;
}

static const char *amount(json_t *row, const char *key)
{
	return json_string_value(json_object_get(json_object_get(row, "amounts"), key));
}

static size_t row_index(json_t *t, json_t *row)
{
	size_t i;
	json_t *r;

	json_array_foreach (json_object_get(t, "rows"), i, r)
		if (r == row)
			return i;
	return (size_t)-1;
}

static json_t *table_at(json_t *doc, size_t i)
{
	return json_array_get(json_object_get(doc, "tables"), i);
}

/* ---- The parser ---- */

/* More words than a disclosure holds: refused before any table is looked for. */
static void too_many_words(void)
{
	static const char w[] = "<word xMin=\"1\" yMin=\"1\" xMax=\"2\" yMax=\"2\">x</word>";
	size_t n = INGEST_MAX_WORDS + 1, len = 0;
	char *x = malloc(128 + n * (sizeof(w) - 1));
	struct ingest_error err = { 0 };

	ck_assert_ptr_nonnull(x);
	len += (size_t)sprintf(x, "<html><body><doc><page width=\"9\" height=\"9\">");
	for (size_t i = 0; i < n; i++, len += sizeof(w) - 1)
		memcpy(x + len, w, sizeof(w) - 1);
	memcpy(x + len, "</page></doc></body></html>", 27);
	len += 27;
	ck_assert_ptr_null(ingest_text_parse(x, len, &err));
	ck_assert_int_eq(err.failure, INGEST_BAD_INPUT);
	ck_assert_ptr_nonnull(strstr(err.text, "too much for a disclosure"));
	free(x);
}

START_TEST(parses_words_with_boxes)
{
	char *path = source_path("tests/ingest/govt-office-2025-dept-p13.xhtml");
	size_t len;
	char *xhtml = tu_read_file(path, &len);
	struct ingest_error err = { 0 };
	struct ingest_text *t = ingest_text_parse(xhtml, len, &err);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(ingest_text_pages(t), 1);
	ck_assert_uint_gt(ingest_text_words(t), 30);
	ingest_text_free(t);
	t = ingest_text_parse("<html><body><doc><page", 22, &err);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(err.failure, INGEST_BAD_INPUT);
	too_many_words();
	free(xhtml);
	free(path);
}
END_TEST

/* Is there a <word> in xhtml printing text whose box, to 2 decimals, is box? */
static bool word_at(const char *xhtml, const char *text, json_t *box)
{
	char pat[128];
	const char *p = xhtml;

	snprintf(pat, sizeof(pat), ">%s</word>", text);
	while ((p = strstr(p, pat)) != NULL) {
		const char *w = p;
		double v[4];

		while (w > xhtml && strncmp(w, "<word ", 6) != 0)
			w--;
		if (sscanf(w, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &v[0],
		           &v[1], &v[2], &v[3]) == 4) {
			bool same = true;

			for (int i = 0; i < 4; i++)
				same = same &&
				       fabs(json_real_value(json_array_get(box, (size_t)i + 1)) -
				            v[i]) <= 0.006;
			if (same)
				return true;
		}
		p++;
	}
	return false;
}

/* Provenance (issue 18): every figure's box is the box pdftotext gives the word printing it. */
START_TEST(boxes_hold_the_printed_figure)
{
	char *path = source_path("tests/ingest/cpc-social-work-2024-final-p12.xhtml");
	char *xhtml = tu_read_file(path, NULL);
	struct seen seen = { 0 };
	json_t *doc = doc_of_fixture("tests/ingest/cpc-social-work-2024-final-p12.xhtml", &seen);
	json_t *t = table_at(doc, 0), *r, *v;
	size_t i, figures = 0;
	const char *key;

	ck_assert_ptr_nonnull(xhtml);
	json_array_foreach (json_object_get(t, "rows"), i, r) {
		json_object_foreach (json_object_get(r, "amounts"), key, v) {
			json_t *box = json_object_get(json_object_get(r, "boxes"), key);

			ck_assert_ptr_nonnull(box);
			ck_assert_msg(word_at(xhtml, json_string_value(v), box), "row %zu %s: %s",
			              i, key, json_string_value(v));
			figures++;
		}
	}
	/* p12: 201, 20139 and 合计 print 3 figures, the 15 other rows 2: 39 */
	ck_assert_uint_eq(figures, 39);
	json_decref(doc);
	free(xhtml);
	free(path);
}
END_TEST

/* 2025年部门财政拨款收支预算总表 (govt-office p13): income on the left, expenditure on the
 * right of each printed line; rows come out income first, then expenditure. */
START_TEST(two_sided_table)
{
	struct seen seen = { 0 };
	json_t *doc = doc_of_fixture("tests/ingest/govt-office-2025-dept-p13.xhtml", &seen);
	json_t *t = json_array_get(json_object_get(doc, "tables"), 0), *r, *box;
	json_t *cols = json_object_get(t, "columns");

	ck_assert_str_eq(json_string_value(json_object_get(t, "type")), "budget_fiscal_summary");
	ck_assert_str_eq(json_string_value(json_object_get(t, "unit")), "元");
	ck_assert_uint_eq(json_array_size(cols), 5);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cols, 0), "side")),
	                 "income");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cols, 2), "key")),
	                 "general_budget");
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 9);

	r = row_of(t, NULL, "一、一般公共预算资金", 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "side")), "income");
	ck_assert_str_eq(amount(r, "income"), "91,016,775.35");
	ck_assert_uint_eq(row_index(t, r), 0);
	box = json_object_get(json_object_get(r, "boxes"), "income");
	ck_assert_int_eq(json_integer_value(json_array_get(box, 0)), 1);
	ck_assert(json_real_value(json_array_get(box, 1)) > 186 &&
	          json_real_value(json_array_get(box, 3)) < 258);

	/* the same printed line's right half */
	r = row_of(t, NULL, "一、一般公共服务支出", 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "side")), "expenditure");
	ck_assert_str_eq(amount(r, "total"), "82,096,797.42");
	ck_assert_str_eq(amount(r, "general_budget"), "82,096,797.42");
	ck_assert_ptr_null(amount(r, "fund_budget"));
	ck_assert_uint_gt(row_index(t, r), row_index(t, row_of(t, NULL, "收入总计", 0)));

	/* a name printed with no figure is a row with no amounts */
	r = row_of(t, NULL, "二、政府性基金", 0);
	ck_assert_uint_eq(json_object_size(json_object_get(r, "amounts")), 0);
	r = row_of(t, NULL, "支出总计", 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "kind")), "total");
	json_decref(doc);
}
END_TEST

/* 一般公共预算财政拨款支出决算表 (cpc-social-work 2024 final p12): names wrapped over two or
 * three lines, the code printed on the middle line. */
START_TEST(wrapped_names)
{
	struct seen seen = { 0 };
	json_t *doc = doc_of_fixture("tests/ingest/cpc-social-work-2024-final-p12.xhtml", &seen);
	json_t *t = json_array_get(json_object_get(doc, "tables"), 0), *r;

	ck_assert_str_eq(json_string_value(json_object_get(t, "type")), "final_general_function");
	ck_assert_str_eq(json_string_value(json_object_get(t, "unit")), "万元");
	r = row_of(t, "2080505", NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")),
	                 "机关事业单位基本养老保险缴费支出");
	ck_assert_str_eq(amount(r, "total"), "6.18");
	ck_assert_str_eq(amount(r, "basic"), "6.18");
	ck_assert_ptr_null(amount(r, "project"));
	r = row_of(t, "201", NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "一般公共服务支出");
	ck_assert_str_eq(amount(r, "total"), "264.87");
	ck_assert_str_eq(amount(r, "basic"), "62.63");
	ck_assert_str_eq(amount(r, "project"), "202.24");
	r = row_of(t, "2013999", NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "其他社会工作事务支出");
	ck_assert_ptr_null(amount(r, "basic"));
	ck_assert_str_eq(amount(r, "project"), "202.24");
	r = row_of(t, NULL, "合计", 0);
	ck_assert_str_eq(amount(r, "total"), "307.82");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "level")), 0);
	/* 18 printed rows: 17 codes and 合计 */
	ck_assert_uint_eq(json_array_size(json_object_get(t, "rows")), 18);
	ck_assert_str_eq(json_string_value(json_object_get(t, "note")),
	                 "注：本表反映部门本年度一般公共预算财政拨款支出情况。");
	json_decref(doc);
}
END_TEST

/* 一般公共预算财政拨款基本支出决算表 (cpc p13): two code/name/figure panels side by side;
 * rows in print order, the left panel first. */
START_TEST(two_panels)
{
	struct seen seen = { 0 };
	json_t *doc = doc_of_fixture("tests/ingest/cpc-social-work-2024-final-p13.xhtml", &seen);
	json_t *t = json_array_get(json_object_get(doc, "tables"), 0), *r, *first, *right;

	ck_assert_str_eq(json_string_value(json_object_get(t, "type")), "final_general_basic");
	ck_assert_uint_eq(json_array_size(json_object_get(t, "columns")), 1);
	first = row_of(t, "301", NULL, 0);
	ck_assert_uint_eq(row_index(t, first), 0);
	ck_assert_str_eq(amount(first, "final"), "95.36");
	right = row_of(t, "302", NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(right, "name")), "商品和服务支出");
	ck_assert_str_eq(amount(right, "final"), "10.23");
	r = row_of(t, NULL, "人员经费合计", 0);
	ck_assert_str_eq(amount(r, "final"), "95.36");
	ck_assert_uint_lt(row_index(t, r), row_index(t, right));
	r = row_of(t, "30399", NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "其他对个人和家庭的补助");
	ck_assert_uint_lt(row_index(t, r), row_index(t, right));
	r = row_of(t, "31007", NULL, 0);
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "信息网络及软件购置更新");
	ck_assert_str_eq(amount(r, "final"), "0.00");
	r = row_of(t, NULL, "公用经费合计", 0);
	ck_assert_str_eq(amount(r, "final"), "10.23");
	ck_assert_uint_eq(row_index(t, r), json_array_size(json_object_get(t, "rows")) - 1);
	json_decref(doc);
}
END_TEST

/* A table whose title the registry does not know is kept as type other, with its title
 * and figures (the govt-office p13 page with its title changed). */
START_TEST(other_table)
{
	char *path = source_path("tests/ingest/govt-office-2025-dept-p13.xhtml"), *p;
	size_t len;
	char *xhtml = tu_read_file(path, &len);
	const char *from = "2025年部门财政拨款收支预算总表", *to = "2025年部门外事交流活动情况总表";
	struct ingest_error err = { 0 };
	struct ingest_source src = { .file = "other.pdf", .pages = 1 };
	struct ingest_text *text;
	json_t *doc, *t;

	ck_assert_ptr_nonnull(xhtml);
	p = strstr(xhtml, from);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
	text = ingest_text_parse(xhtml, len, &err);
	ck_assert_ptr_nonnull(text);
	doc = ingest_document(text, &src, NULL, &err);
	ck_assert_ptr_nonnull(doc);
	t = table_at(doc, 0);
	ck_assert_str_eq(json_string_value(json_object_get(t, "type")), "other");
	ck_assert_str_eq(json_string_value(json_object_get(t, "title")), to);
	ck_assert_str_eq(amount(row_of(t, NULL, "收入总计", 0),
	                        json_string_value(json_object_get(
	                            json_array_get(json_object_get(t, "columns"), 0), "key"))),
	                 "91,016,775.35");
	json_decref(doc);
	ingest_text_free(text);
	free(xhtml);
	free(path);
}
END_TEST

/* s with the first `from` replaced by `to`; the caller frees. */
static char *replaced(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	char *out;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_gt(asprintf(&out, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from)), 0);
	return out;
}

/* Issue 13, point 7: a PDF whose text carries invisible characters (an RTL override, a C1
 * control, a line separator) in a row name gives the name without them, so that extract
 * never writes a file the import refuses. (govt-office p13, edited.) */
START_TEST(invisible_characters_dropped)
{
	char *path = source_path("tests/ingest/govt-office-2025-dept-p13.xhtml");
	char *xhtml = tu_read_file(path, NULL), *edited, *dump;
	struct ingest_error err = { 0 };
	struct ingest_source src = { .file = "invisible.pdf", .pages = 1 };
	struct ingest_text *text;
	json_t *doc, *t;

	ck_assert_ptr_nonnull(xhtml);
	edited = replaced(xhtml, ">一、一般公共服务支出</word>",
	                  ">一、一般&#x202E;公共&#x85;服务&#x2028;支出&#x2066;</word>");
	text = ingest_text_parse(edited, strlen(edited), &err);
	ck_assert_msg(text != NULL, "%s", err.text);
	doc = ingest_document(text, &src, NULL, &err);
	ck_assert_msg(doc != NULL, "%s", err.text);
	t = table_at(doc, 0);
	ck_assert_ptr_nonnull(row_of(t, NULL, "一、一般公共服务支出", 0));
	dump = json_dumps(doc, 0);
	ck_assert_ptr_null(strstr(dump, "\xE2\x80\xAE"));
	ck_assert_ptr_null(strstr(dump, "\xC2\x85"));
	ck_assert_ptr_null(strstr(dump, "\xE2\x80\xA8"));
	ck_assert_ptr_null(strstr(dump, "\xE2\x81\xA6"));
	free(dump);
	json_decref(doc);
	ingest_text_free(text);
	free(edited);
	free(xhtml);
	free(path);
}
END_TEST

/* A known title with no unit printed under it still heads its table (万元 assumed, said on
 * stderr); a rate printed with % is written without it. (govt-office p13, edited.) */
START_TEST(no_unit_and_percent)
{
	char *path = source_path("tests/ingest/govt-office-2025-dept-p13.xhtml");
	char *xhtml = tu_read_file(path, NULL), *a, *b;
	struct seen seen = { 0 };
	struct ingest_options opt = { .report = count_report, .ctx = &seen };
	struct ingest_source src = { .file = "edited.pdf", .pages = 1 };
	struct ingest_error err = { 0 };
	struct ingest_text *text;
	json_t *doc, *t;

	ck_assert_ptr_nonnull(xhtml);
	a = replaced(xhtml, ">单位：元<", ">编号：一<");
	b = replaced(a, ">4,213,779.28</word>", ">95.89%</word>");
	text = ingest_text_parse(b, strlen(b), &err);
	ck_assert_ptr_nonnull(text);
	doc = ingest_document(text, &src, &opt, &err);
	ck_assert_ptr_nonnull(doc);
	t = table_at(doc, 0);
	ck_assert_str_eq(json_string_value(json_object_get(t, "type")), "budget_fiscal_summary");
	ck_assert_str_eq(json_string_value(json_object_get(t, "unit")), "万元");
	ck_assert_int_ge(seen.reports, 1);
	ck_assert_str_eq(amount(row_of(t, NULL, "二、社会保障和就业支出", 0), "total"), "95.89");
	json_decref(doc);
	ingest_text_free(text);
	free(a);
	free(b);
	free(xhtml);
	free(path);
}
END_TEST

/* Titles are typed through the registry, in either family; no match is no table. */
START_TEST(table_typing)
{
	ck_assert_str_eq(db_table_type_match("2025年部门财政拨款收支预算总表")->id,
	                 "budget_fiscal_summary");
	ck_assert_str_eq(db_table_type_match("收入支出决算总表")->id, "final_summary");
	ck_assert_str_eq(db_table_type_match("支出决算表")->id, "final_expenditure");
	ck_assert_ptr_null(db_table_type_match("项目经费情况说明"));
}
END_TEST

/* ---- budgetctl extract ---- */

/* The text parts of govt-office 2025 (pp. 2-7, 21-22), as printed. */
static void sections_of_corpus_pdf(json_t *doc)
{
	json_t *ov = json_object_get(doc, "overview"), *f = json_object_get(ov, "functions");
	json_t *org = json_object_get(ov, "organization"), *g = json_object_get(doc, "glossary");
	json_t *ex = json_object_get(doc, "explanations"), *e;
	size_t i;
	bool sangong = false;

	/* 主要职能: a paragraph, 主要职能包括：, then 14 numbered items without their numbers */
	ck_assert_uint_eq(json_array_size(f), 16);
	ck_assert_str_eq(
	    json_string_value(json_array_get(f, 2)),
	    "根据区政府领导的要求，组织起草或审核以区政府、区政府办公室名义发布的文件。");
	ck_assert_str_eq(json_string_value(json_array_get(f, 15)),
	                 "完成区委、区政府交办的其他任务。");
	/* 机构设置: 行政单位1家，事业单位1家 */
	ck_assert_int_eq(json_integer_value(json_object_get(org, "administrative_units")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(org, "institutional_units")), 1);
	/* 名词解释: （一）..（八） */
	ck_assert_uint_eq(json_array_size(g), 8);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 0), "number")), "一");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 0), "term")),
	                 "财政拨款收入");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 7), "term")),
	                 "机关运行经费");
	/* 其他相关情况说明 一、 on p21 */
	json_array_foreach (ex, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "title")),
		           "2025年“三公”经费预算情况说明") != 0)
			continue;
		sangong = true;
		ck_assert_str_eq(json_string_value(json_object_get(e, "number")), "一");
		ck_assert_int_eq(json_integer_value(json_object_get(e, "page")), 21);
		ck_assert_str_eq(
		    json_string_value(json_array_get(json_object_get(e, "paragraphs"), 1)),
		    "（一）因公出国（境）费839万元，与2024年预算持平。");
	}
	ck_assert(sangong);
}

/* The <word> box pdftotext -bbox gives the word of page `page` of pdf that prints `text`
 * (a whole printed line, in this PDF), into v (x0, y0, x1, y1). */
static bool word_box(const char *pdf, int page, const char *text, double v[4])
{
	char pg[16], *out = NULL;
	char *argv[] = { "/usr/bin/env", "pdftotext", "-q",        "-bbox", "-f", pg,
		         "-l",           pg,          (char *)pdf, "-",     NULL };
	const char *p, *w;
	bool found = false;

	snprintf(pg, sizeof(pg), "%d", page);
	ck_assert_int_eq(tu_run(argv, &out, NULL), 0);
	if ((p = strstr(out, text)) != NULL) {
		for (w = p; w > out && strncmp(w, "<word ", 6) != 0; w--)
			;
		found = sscanf(w, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"",
		               &v[0], &v[1], &v[2], &v[3]) == 4;
	}
	free(out);
	return found;
}

/* The figure of section `key` with this label, or NULL. */
static json_t *figure_of(json_t *doc, const char *key, const char *label)
{
	size_t i, k;
	json_t *e, *f;

	json_array_foreach (json_object_get(doc, "explanations"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "key")), key) != 0)
			continue;
		json_array_foreach (json_object_get(e, "figures"), k, f)
			if (strcmp(json_string_value(json_object_get(f, "label")), label) == 0)
				return f;
	}
	return NULL;
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A figure's box is on its page, on the printed line's word, from x0 to x1 (PDF points,
 * within tol). */
static void box_is(json_t *f, int page, const double word[4], double x0, double x1, double tol)
{
	json_t *b = json_object_get(f, "box");

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(json_integer_value(json_array_get(b, 0)), page);
	ck_assert_double_eq_tol(json_number_value(json_array_get(b, 1)), x0, tol);
	ck_assert_double_eq_tol(json_number_value(json_array_get(b, 2)), word[1], 0.006);
	ck_assert_double_eq_tol(json_number_value(json_array_get(b, 3)), x1, tol);
	ck_assert_double_eq_tol(json_number_value(json_array_get(b, 4)), word[3], 0.006);
}

/* The figures of govt-office 2025's text (pp. 6, 21, 22), as printed. The text is set in a
 * 12-point font whose CJK characters are 12 points wide and digits 6, and pdftotext reports
 * each printed line as one word: a figure's box is the part of that word that prints it. */
static void figures_of_corpus_pdf(json_t *doc, const char *pdf)
{
	double w[4];
	json_t *f;

	/* p6: 2025年，上海市普陀区人民政府办公室收入预算9,101.68万元，其中：财政拨款收入
	 * 9,101.68万元，比2024年预算减少2,389.52万元 */
	ck_assert(word_box(pdf, 6, "收入预算9,101.68万元", w));
	f = figure_of(doc, "overall", "收入预算");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(str(f, "amount"), "9,101.68");
	/* after 2025年，…收入预算: 4 digits and 19 characters = 21 em; 9,101.68万元 = 6 em */
	box_is(f, 6, w, w[0] + 21 * 12, w[0] + 27 * 12, 0.006);
	f = figure_of(doc, "overall", "财政拨款收入");
	ck_assert_str_eq(str(f, "amount"), "9,101.68");
	ck_assert_str_eq(str(f, "change"), "-2,389.52");
	/* 1.“一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行”科目1,202.95万元 */
	f = figure_of(doc, "overall", "一般公共服务支出-政府办公厅（室）及相关机构事务-行政运行");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(str(f, "amount"), "1,202.95");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f, "codes"), 2)), "01");
	ck_assert_str_eq(str(f, "detail"), "行政单位的基本支出");
	/* p21: 2025年本部门政府采购预算34万元: 2 + 10 em before, 3 em */
	ck_assert(word_box(pdf, 21, "2025年本部门政府采购预算34万元", w));
	f = figure_of(doc, "procurement", "2025年本部门政府采购预算");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(str(f, "amount"), "34");
	box_is(f, 21, w, w[0] + 12 * 12, w[0] + 15 * 12, 0.006);
	/* （三）公务接待费28.50万元，与2024年预算持平。 */
	f = figure_of(doc, "sangong", "公务接待费");
	ck_assert_str_eq(str(f, "amount"), "28.50");
	ck_assert_str_eq(str(f, "change"), "0");
	/* 公务用车运行费0万 | 元: broken over two lines, the box is the part on the first, the
	 * last 1.5 em of that line (a justified line: 694 points for 56.5 em, so within half a
	 * point of 18 points) */
	ck_assert(word_box(pdf, 21, "（二）公务用车购置及运行费0万元", w));
	box_is(figure_of(doc, "sangong", "公务用车运行费"), 21, w, w[2] - 1.5 * 12, w[2], 0.5);
}

/* The objects of govt-office 2025's 其他相关情况说明 (p21) and its project (p22). */
static void objects_of_corpus_pdf(json_t *doc)
{
	json_t *pr = json_object_get(doc, "procurement"),
	       *o = json_object_get(doc, "operating_costs");
	json_t *perf = json_object_get(doc, "performance"), *as = json_object_get(doc, "assets");
	json_t *sg = json_object_get(doc, "sangong"), *p, *e;
	size_t i;

	/* 政府采购预算34万元 = 货物0 + 工程0 + 服务34; 中小企业预留34, 其中小型和微型34 */
	ck_assert_str_eq(str(pr, "amount"), "34");
	ck_assert_str_eq(str(pr, "goods"), "0");
	ck_assert_str_eq(str(pr, "works"), "0");
	ck_assert_str_eq(str(pr, "services"), "34");
	ck_assert_str_eq(str(pr, "sme_reserved"), "34");
	ck_assert_str_eq(str(pr, "small_micro_reserved"), "34");
	/* 下属1家机关和1家事业单位…机关运行经费预算为213.28万元 (the table's 213.28 too) */
	ck_assert_str_eq(str(o, "amount"), "213.28");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "administrative_units")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "institutional_units")), 1);
	/* 三公 867.50, 与2024年预算持平 */
	ck_assert_str_eq(str(sg, "change"), "0");
	/* 编报绩效目标的项目11个，涉及项目预算资金6626万元 */
	ck_assert_int_eq(json_integer_value(json_object_get(perf, "project_count")), 11);
	ck_assert_str_eq(str(perf, "amount"), "6626");
	/* 截至2024年8月31日…共有车辆0辆…单价100万元（含）以上设备（不含车辆）0台（套） */
	ck_assert_str_eq(str(as, "as_of"), "2024-08-31");
	ck_assert_str_eq(str(json_array_get(json_object_get(as, "vehicles"), 0), "kind"), "total");
	ck_assert_int_eq(json_integer_value(json_object_get(
	                     json_array_get(json_object_get(as, "vehicles"), 0), "count")),
	                 0);
	ck_assert_int_eq(json_integer_value(json_object_get(as, "equipment_over_100")), 0);
	/* p22: one project, its seven parts; no printed total */
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "projects")), 1);
	p = json_array_get(json_object_get(doc, "projects"), 0);
	ck_assert_str_eq(str(p, "id"), "p1");
	ck_assert_str_eq(str(p, "name"), "区政府督查及建议提案工作业务经费");
	ck_assert_str_eq(str(p, "period"), "2025全年度。");
	ck_assert_str_eq(str(p, "policy_basis"),
	                 "《区委、区政府2024年重点工作任务书》和《区政府2024年重点工作任务书》。");
	ck_assert_str_eq(str(p, "plan"), "结合区政府重点工作推进情况，定期开展。");
	ck_assert_str_eq(str(json_object_get(p, "allocation"), "text"),
	                 "结合区政府重点工作推进情况，根据合同条款，按时拨付资金。");
	ck_assert_str_eq(str(json_object_get(p, "performance"), "objective"),
	                 "详见单位的项目绩效目标表");
	ck_assert_ptr_null(json_object_get(p, "amount"));
	/* and its text is not kept twice */
	json_array_foreach (json_object_get(doc, "explanations"), i, e)
		ck_assert_msg(strstr(str(e, "title"), "项目概述") == NULL &&
		                  strstr(str(e, "title"), "经费情况说明") == NULL,
		              "project text left in explanations: %s", str(e, "title"));
}

/* The first figure of section `key`, or NULL. */
static json_t *first_figure(json_t *doc, const char *key)
{
	size_t i;
	json_t *e;

	json_array_foreach (json_object_get(doc, "explanations"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "key")), key) == 0)
			return json_array_get(json_object_get(e, "figures"), 0);
	return NULL;
}

struct said {
	const char *what; /* the report looked for */
	int count;
};

static void look_for(void *ctx, int page, const char *what, const char *text)
{
	struct said *s = ctx;

	(void)page;
	(void)text;
	if (strcmp(what, s->what) == 0)
		s->count++;
}

/* 机关运行经费 is printed twice in govt-office 2025: in 表九 (p20, 213.28) and in the text
 * (p21, 机关运行经费预算为213.28万元). Both agree here; where the text says otherwise (edited
 * to 213.29), the table's figure is kept and the text's reported. */
START_TEST(text_figure_beside_table_figure)
{
	char *path = source_path("tests/ingest/govt-office-2025-dept-p20-22.xhtml");
	char *xhtml = tu_read_file(path, NULL), *edited;
	struct said said = { .what = "text and table differ" };
	struct ingest_options opt = { .report = look_for, .ctx = &said };
	struct ingest_source src = { .file = "p20-22.pdf", .pages = 3 };
	struct ingest_error err = { 0 };
	const char *texts[2];

	ck_assert_ptr_nonnull(xhtml);
	edited = replaced(xhtml, "预算为213.28万元", "预算为213.29万元");
	texts[0] = xhtml;
	texts[1] = edited;
	for (int i = 0; i < 2; i++) {
		struct ingest_text *text = ingest_text_parse(texts[i], strlen(texts[i]), &err);
		json_t *doc, *oc;

		ck_assert_ptr_nonnull(text);
		said.count = 0;
		doc = ingest_document(text, &src, &opt, &err);
		ck_assert_ptr_nonnull(doc);
		oc = json_object_get(doc, "operating_costs");
		ck_assert_str_eq(json_string_value(json_object_get(oc, "amount")), "213.28");
		ck_assert_int_eq(said.count, i);
		/* the text figure itself stays among the section's figures, as printed */
		ck_assert_str_eq(str(first_figure(doc, "operating_costs"), "amount"),
		                 i == 0 ? "213.28" : "213.29");
		json_decref(doc);
		ingest_text_free(text);
	}
	free(edited);
	free(xhtml);
	free(path);
}
END_TEST

/* govt-office 2025's 目录 (p2) as printed: seven parts, 五 with its nine tables numbered 1..9;
 * leader dots but no page numbers. The 主要职能 and 机构设置 headings (p3, p4), and 表一's
 * 编制部门 (p8: 编制部门：上海市普陀区人民政府办公室, above 单位：元). */
static void contents_of_corpus_pdf(json_t *doc, const char *err)
{
	static const char *const e[][3] = {
		{ "一", "部门主要职能", NULL },
		{ "二", "部门机构设置", NULL },
		{ "三", "名词解释", NULL },
		{ "四", "部门预算编制说明", NULL },
		{ "五", "部门预算表", NULL },
		{ "1", "2025年部门财务收支预算总表", "budget_summary" },
		{ "2", "2025年部门收入预算总表", "budget_income" },
		{ "3", "2025年部门支出预算总表", "budget_expenditure" },
		{ "4", "2025年部门财政拨款收支预算总表", "budget_fiscal_summary" },
		{ "5", "2025年部门一般公共预算支出功能分类预算表", "budget_general_function" },
		{ "6", "2025年部门政府性基金预算支出功能分类预算表", "budget_fund_function" },
		{ "7", "2025年部门国有资本经营预算支出功能分类预算表", "budget_capital_function" },
		{ "8", "2025年部门一般公共预算基本支出部门预算经济分类预算表",
		  "budget_general_basic_economic" },
		{ "9", "2025年部门“三公”经费和机关运行经费预算表", "budget_sangong" },
		{ "六", "其他相关情况说明", NULL },
		{ "七", "项目经费情况说明", NULL },
	};
	const json_t *c = json_object_get(doc, "contents"), *h;

	ck_assert_uint_eq(json_array_size(c), sizeof(e) / sizeof(e[0]));
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		const json_t *x = json_array_get(c, i);
		ck_assert_str_eq(json_string_value(json_object_get(x, "number")), e[i][0]);
		ck_assert_str_eq(json_string_value(json_object_get(x, "title")), e[i][1]);
		if (e[i][2] != NULL)
			ck_assert_str_eq(json_string_value(json_object_get(x, "type")), e[i][2]);
		else
			ck_assert_ptr_null(json_object_get(x, "type"));
		ck_assert_ptr_null(json_object_get(x, "page")); /* none printed */
	}
	ck_assert_ptr_null(strstr(err, "目录"));
	ck_assert_str_eq(json_string_value(json_object_get(table_at(doc, 0), "preparer")),
	                 "上海市普陀区人民政府办公室");
	h = json_object_get(json_object_get(doc, "overview"), "headings");
	ck_assert_uint_eq(json_array_size(h), 2);
	ck_assert_str_eq(json_string_value(json_array_get(h, 0)),
	                 "上海市普陀区人民政府办公室主要职能");
	ck_assert_str_eq(json_string_value(json_array_get(h, 1)),
	                 "上海市普陀区人民政府办公室机构设置");
}

/* A 目录 (tests/ingest/contents-pages.xhtml: a made-up 目录 page before govt-office p13) with
 * printed page numbers, one in a word of its own, one after the leader; an entry without a
 * page; a line of leader dots and a number only, which is reported and left out; the folio 1
 * skipped. */
START_TEST(contents_with_pages)
{
	struct seen plain = { 0 }, seen = { 0 };
	json_t *base = doc_of_fixture("tests/ingest/govt-office-2025-dept-p13.xhtml", &plain);
	json_t *doc = doc_of_fixture("tests/ingest/contents-pages.xhtml", &seen);
	json_t *c = json_object_get(doc, "contents"), *e;

	ck_assert_ptr_null(json_object_get(base, "contents"));
	ck_assert_uint_eq(json_array_size(c), 3);
	e = json_array_get(c, 0);
	ck_assert_str_eq(json_string_value(json_object_get(e, "number")), "一");
	ck_assert_str_eq(json_string_value(json_object_get(e, "title")), "部门主要职能");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "page")), 3);
	ck_assert_ptr_null(json_object_get(e, "type"));
	e = json_array_get(c, 1);
	ck_assert_str_eq(json_string_value(json_object_get(e, "number")), "1");
	ck_assert_str_eq(json_string_value(json_object_get(e, "title")),
	                 "2025年部门财务收支预算总表");
	ck_assert_int_eq(json_integer_value(json_object_get(e, "page")), 12);
	ck_assert_str_eq(json_string_value(json_object_get(e, "type")), "budget_summary");
	e = json_array_get(c, 2);
	ck_assert_str_eq(json_string_value(json_object_get(e, "title")), "2025年部门收入预算总表");
	ck_assert_ptr_null(json_object_get(e, "page"));
	ck_assert_str_eq(json_string_value(json_object_get(e, "type")), "budget_income");
	ck_assert_int_eq(seen.reports, plain.reports + 1);
	json_decref(doc);
	json_decref(base);
}
END_TEST

START_TEST(extracts_corpus_pdf)
{
	char *pdf = source_path("tests/ingest/putuo-govt-office-2025-budget-dept.pdf");
	char *out = tu_temp_path(".json");
	static const char *const types[] = {
		"budget_summary",          "budget_income",
		"budget_expenditure",      "budget_fiscal_summary",
		"budget_general_function", "budget_fund_function",
		"budget_capital_function", "budget_general_basic_economic",
		"budget_sangong",
	};
	struct tu_ctl r = tu_ctl("extract", pdf, "-o", out, NULL);
	json_error_t jerr;
	json_t *doc, *t, *row, *sg;

	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	doc = json_load_file(out, 0, &jerr);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "format")), "budgetd-disclosure/2");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "department"), "id")),
	    "putuo-govt-office");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "department"), "name")),
	    "上海市普陀区人民政府办公室");
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "year")), 2025);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "kind")), "budget");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "level")), "department");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(doc, "source"), "pages")), 22);
	ck_assert_uint_eq(
	    strlen(json_string_value(json_object_get(json_object_get(doc, "source"), "sha256"))),
	    64);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "tables")), 9);
	for (size_t i = 0; i < 9; i++) {
		t = table_at(doc, i);
		ck_assert_str_eq(json_string_value(json_object_get(t, "type")), types[i]);
		ck_assert_int_eq(json_integer_value(json_object_get(t, "position")),
		                 (json_int_t)i + 1);
		ck_assert_str_eq(json_string_value(json_object_get(t, "unit")),
		                 i < 8 ? "元" : "万元");
	}
	/* 表三 p11: 201 03 01 行政运行 */
	row = row_of(table_at(doc, 2), "2010301", "行政运行", 0);
	ck_assert_str_eq(amount(row, "total"), "12,029,501.84");
	ck_assert_str_eq(amount(row, "basic"), "11,919,501.84");
	ck_assert_str_eq(amount(row, "project"), "110,000.00");
	/* 表二 runs on over p10: its 合计 */
	row = row_of(table_at(doc, 1), NULL, "合计", 0);
	ck_assert_str_eq(amount(row, "total"), "91,016,775.35");
	ck_assert_int_eq(json_integer_value(json_array_get(
	                     json_object_get(json_object_get(row, "boxes"), "total"), 0)),
	                 10);
	/* 表六 is printed empty, with its note */
	ck_assert_str_eq(json_string_value(json_object_get(table_at(doc, 5), "note")),
	                 "注:本部门2025年无政府性基金预算财政拨款安排的预算，故本表为空表。");
	/* headings: 表二's 收入预算 over its five columns, 表九's 小计 under 公务用车购置及运行费 */
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(table_at(doc, 1), "columns"), 4), "group")),
	    "收入预算");
	ck_assert_str_eq(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(table_at(doc, 8), "columns"), 3), "group")),
	    "“三公”经费预算数/公务用车购置及运行费");
	ck_assert_ptr_null(json_object_get(
	    json_array_get(json_object_get(table_at(doc, 8), "columns"), 6), "group"));
	/* 表九 p20, and the 三公 figures taken from it */
	row = json_array_get(json_object_get(table_at(doc, 8), "rows"), 0);
	ck_assert_str_eq(amount(row, "total"), "867.50");
	ck_assert_str_eq(amount(row, "abroad"), "839.00");
	ck_assert_str_eq(amount(row, "reception"), "28.50");
	ck_assert_str_eq(amount(row, "operating_costs"), "213.28");
	ck_assert_ptr_null(amount(row, "vehicle"));
	sg = json_object_get(doc, "sangong");
	ck_assert_str_eq(json_string_value(json_object_get(sg, "amount")), "867.50");
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "operating_costs"), "amount")),
	    "213.28");
	sections_of_corpus_pdf(doc);
	objects_of_corpus_pdf(doc);
	figures_of_corpus_pdf(doc, pdf);
	contents_of_corpus_pdf(doc, r.err != NULL ? r.err : "");
	json_decref(doc);
	unlink(out);
	free(out);
	free(pdf);
	tu_ctl_done(&r);
}
END_TEST

/* --id names the department; without -o the document goes to standard output. */
START_TEST(extracts_to_stdout_with_id)
{
	char *pdf = source_path("tests/ingest/putuo-govt-office-2025-budget-dept.pdf");
	struct tu_ctl r = tu_ctl("extract", "--id", "pt-govt-office", pdf, NULL);
	json_error_t jerr;
	json_t *doc;

	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	doc = json_loads(r.out, 0, &jerr);
	ck_assert_msg(doc != NULL, "stdout is not JSON: %s", jerr.text);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(doc, "department"), "id")),
	    "pt-govt-office");
	/* boxes have at most 2 decimals as written, not 303.51999999999998 */
	for (const char *p = r.out; (p = strchr(p, '.')) != NULL; p++)
		ck_assert_msg(!(p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
		                p[3] >= '0' && p[3] <= '9'),
		              "a number with 3 decimals or more: %.20s", p - 5);
	json_decref(doc);
	free(pdf);
	tu_ctl_done(&r);
}
END_TEST

/* ---- Bad input: a one-line error, the exit code, nothing written ---- */

/* Writes a minimal PDF: pages pages, the first showing text (NULL for none); encrypted adds
 * a standard security handler whose user password is not empty. */
static char *make_pdf(int pages, const char *text, bool encrypted)
{
	char *path = tu_temp_path(".pdf");
	FILE *f = fopen(path, "wb");
	long *off = calloc((size_t)(2 * pages + 8), sizeof(*off));
	int n = 4 + 2 * pages, obj;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "%%PDF-1.4\n");
	off[1] = ftell(f);
	fprintf(f, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
	off[2] = ftell(f);
	fprintf(f, "2 0 obj << /Type /Pages /Count %d /Kids [", pages);
	for (int i = 0; i < pages; i++)
		fprintf(f, " %d 0 R", 4 + 2 * i);
	fprintf(f, " ] >> endobj\n");
	off[3] = ftell(f);
	fprintf(f, "3 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n");
	for (int i = 0; i < pages; i++) {
		char content[256] = "";

		if (i == 0 && text != NULL)
			snprintf(content, sizeof(content), "BT /F1 12 Tf 72 720 Td (%s) Tj ET",
			         text);
		obj = 4 + 2 * i;
		off[obj] = ftell(f);
		fprintf(
		    f,
		    "%d 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << "
		    "/Font << /F1 3 0 R >> >> /Contents %d 0 R >> endobj\n",
		    obj, obj + 1);
		off[obj + 1] = ftell(f);
		fprintf(f, "%d 0 obj << /Length %zu >> stream\n%s\nendstream endobj\n", obj + 1,
		        strlen(content) + 1, content);
	}
	if (encrypted) {
		off[n] = ftell(f);
		fprintf(f,
		        "%d 0 obj << /Filter /Standard /V 1 /R 2 /P -4 /O <%064d> /U <%064d> >> "
		        "endobj\n",
		        n, 7, 9);
		n++;
	}
	long xref = ftell(f);
	fprintf(f, "xref\n0 %d\n0000000000 65535 f \n", n);
	for (int i = 1; i < n; i++)
		fprintf(f, "%010ld 00000 n \n", off[i]);
	fprintf(f, "trailer << /Size %d /Root 1 0 R", n);
	if (encrypted)
		fprintf(f, " /Encrypt %d 0 R /ID [<%032d> <%032d>]", n - 1, 1, 1);
	fprintf(f, " >>\nstartxref\n%ld\n%%%%EOF\n", xref);
	fclose(f);
	free(off);
	return path;
}

/* Files in out's folder whose names start with out's name (OUT or OUT.tmp-PID). */
static int leftovers(const char *out)
{
	char *dir = strdup(out), *slash = strrchr(dir, '/');
	const char *base = strrchr(out, '/') + 1;
	DIR *d;
	struct dirent *e;
	int n = 0;

	*slash = '\0';
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, base, strlen(base)) == 0)
			n++;
	closedir(d);
	free(dir);
	return n;
}

static void refused(const char *pdf, int status, const char *words)
{
	char *out = tu_temp_path(".json");
	struct tu_ctl r = tu_ctl("extract", pdf, "-o", out, NULL);

	ck_assert_msg(r.status == status, "%s: exit %d, not %d: %s", pdf, r.status, status, r.err);
	ck_assert_msg(strstr(r.err, words) != NULL, "%s: \"%s\" not in: %s", pdf, words, r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "one line: %s", r.err);
	ck_assert_str_eq(r.out, "");
	ck_assert_int_eq(leftovers(out), 0);
	free(out);
	tu_ctl_done(&r);
}

START_TEST(refuses_text_file)
{
	char *p = tu_write_temp("Hello, this is not a PDF.\n", 26, ".pdf");
	char *old = tu_write_temp("{\"old\": true}\n", 15, ".json"), *kept;
	struct tu_ctl r;

	refused(p, 65, "not a PDF");
	/* an OUT that exists stays as it was */
	r = tu_ctl("extract", p, "-o", old, NULL);
	ck_assert_int_eq(r.status, 65);
	kept = tu_read_file(old, NULL);
	ck_assert_str_eq(kept, "{\"old\": true}\n");
	ck_assert_int_eq(leftovers(old), 1);
	free(kept);
	tu_ctl_done(&r);
	unlink(old);
	free(old);
	unlink(p);
	free(p);
}
END_TEST

START_TEST(refuses_truncated)
{
	char *src = source_path("tests/ingest/putuo-govt-office-2025-budget-dept.pdf");
	size_t len;
	char *pdf = tu_read_file(src, &len), *p;

	ck_assert_ptr_nonnull(pdf);
	p = tu_write_temp(pdf, len / 2, ".pdf");
	refused(p, 65, "damaged or truncated");
	unlink(p);
	free(p);
	free(pdf);
	free(src);
}
END_TEST

START_TEST(refuses_no_text_layer)
{
	char *p = make_pdf(1, NULL, false);

	refused(p, 65, "no text layer");
	unlink(p);
	free(p);
}
END_TEST

START_TEST(refuses_too_many_pages)
{
	char *p = make_pdf(201, NULL, false);

	refused(p, 65, "a disclosure has at most 200 pages");
	unlink(p);
	free(p);
}
END_TEST

START_TEST(refuses_not_a_disclosure)
{
	char *p = make_pdf(2, "Quarterly newsletter of the chess club", false);

	refused(p, 65, "not a budget disclosure");
	unlink(p);
	free(p);
}
END_TEST

START_TEST(refuses_encrypted)
{
	char *p = make_pdf(1, "Secret", true);

	refused(p, 65, "encrypted");
	unlink(p);
	free(p);
}
END_TEST

START_TEST(refuses_missing_file)
{
	refused("/nonexistent/disclosure.pdf", 66, "cannot read");
}
END_TEST

START_TEST(refuses_without_poppler)
{
	char *pdf = source_path("tests/ingest/putuo-govt-office-2025-budget-dept.pdf");
	char *path = getenv("PATH") != NULL ? strdup(getenv("PATH")) : NULL;

	setenv("PATH", "/nonexistent", 1);
	refused(pdf, 69, "pdfinfo");
	if (path != NULL)
		setenv("PATH", path, 1);
	free(path);
	free(pdf);
}
END_TEST

/* A folder of stand-in poppler tools: pdfinfo says one page, pdftotext runs body. Returns
 * the folder (caller frees); PATH is set to it and the system's folders. */
static char *fake_poppler(const char *body)
{
	char *dir = tu_temp_path(".bin"), *f, *path;
	FILE *fp;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_gt(asprintf(&f, "%s/pdfinfo", dir), 0);
	fp = fopen(f, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("#!/bin/sh\nprintf 'Pages:          1\\nEncrypted:      no\\n'\n", fp);
	fclose(fp);
	ck_assert_int_eq(chmod(f, 0700), 0);
	free(f);
	ck_assert_int_gt(asprintf(&f, "%s/pdftotext", dir), 0);
	fp = fopen(f, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	fclose(fp);
	ck_assert_int_eq(chmod(f, 0700), 0);
	free(f);
	ck_assert_int_gt(asprintf(&path, "%s:/usr/bin:/bin", dir), 0);
	setenv("PATH", path, 1);
	free(path);
	return dir;
}

static void fake_poppler_done(char *dir, const char *saved_path)
{
	char *f;

	setenv("PATH", saved_path, 1);
	ck_assert_int_gt(asprintf(&f, "%s/pdfinfo", dir), 0);
	unlink(f);
	free(f);
	ck_assert_int_gt(asprintf(&f, "%s/pdftotext", dir), 0);
	unlink(f);
	free(f);
	rmdir(dir);
	free(dir);
}

/* A pdftotext that writes without end is stopped at 64 MiB. */
START_TEST(refuses_endless_output)
{
	char *pdf = source_path("tests/ingest/putuo-govt-office-2025-budget-dept.pdf");
	char *saved = strdup(getenv("PATH")),
	     *dir = fake_poppler("exec head -c 80000000 /dev/zero");

	refused(pdf, 65, "wrote more than 64 MiB");
	fake_poppler_done(dir, saved);
	free(saved);
	free(pdf);
}
END_TEST

/* A pdftotext that hangs is killed after 20 s. */
START_TEST(refuses_hanging_tool)
{
	char *pdf = source_path("tests/ingest/putuo-govt-office-2025-budget-dept.pdf");
	char *saved = strdup(getenv("PATH")), *dir = fake_poppler("sleep 50");

	refused(pdf, 65, "took more than 20 s");
	fake_poppler_done(dir, saved);
	free(saved);
	free(pdf);
}
END_TEST

START_TEST(refuses_unwritable_output)
{
	char *pdf = source_path("tests/ingest/putuo-govt-office-2025-budget-dept.pdf");
	struct tu_ctl r = tu_ctl("extract", pdf, "-o", "/nonexistent/dir/out.json", NULL);

	ck_assert_int_eq(r.status, 73);
	ck_assert_ptr_nonnull(strstr(r.err, "cannot write /nonexistent/dir/out.json"));
	tu_ctl_done(&r);
	r = tu_ctl("extract", NULL);
	ck_assert_int_eq(r.status, 64);
	tu_ctl_done(&r);
	free(pdf);
}
END_TEST

/* #15: budgetd hashes the page's inlined style with ingest_sha256(). The FIPS 180-4
 * examples and the empty message; then every length whose padding may need a second block
 * (55 to 129 bytes) against the file function. */
START_TEST(sha256_of_a_buffer)
{
	static const struct {
		const char *msg, *hex;
	} cases[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	unsigned char d[32];
	char hex[65], file_hex[65], path[64], buf[200];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ingest_sha256(cases[i].msg, strlen(cases[i].msg), d);
		for (int k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", d[k]);
		ck_assert_str_eq(hex, cases[i].hex);
	}
	memset(buf, 'a', sizeof(buf));
	for (size_t n = 55; n <= 129; n++) {
		int fd;
		snprintf(path, sizeof(path), "/tmp/check_sha256_XXXXXX");
		ck_assert_int_ge(fd = mkstemp(path), 0);
		ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
		close(fd);
		ck_assert_int_eq(ingest_sha256_file(path, file_hex), 0);
		unlink(path);
		ingest_sha256(buf, n, d);
		for (int k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", d[k]);
		ck_assert_msg(strcmp(hex, file_hex) == 0, "%zu bytes: %s, the file's %s", n, hex,
		              file_hex);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *parse = tcase_create("parse"), *cli = tcase_create("extract");
	TCase *slow = tcase_create("timeout");

	tcase_add_test(parse, parses_words_with_boxes);
	tcase_add_test(parse, two_sided_table);
	tcase_add_test(parse, wrapped_names);
	tcase_add_test(parse, two_panels);
	tcase_add_test(parse, table_typing);
	tcase_add_test(parse, other_table);
	tcase_add_test(parse, invisible_characters_dropped);
	tcase_add_test(parse, no_unit_and_percent);
	tcase_add_test(parse, contents_with_pages);
	tcase_add_test(parse, boxes_hold_the_printed_figure);
	tcase_add_test(parse, text_figure_beside_table_figure);
	tcase_add_test(parse, sha256_of_a_buffer);
	tcase_add_test(cli, extracts_corpus_pdf);
	tcase_add_test(cli, extracts_to_stdout_with_id);
	tcase_add_test(cli, refuses_text_file);
	tcase_add_test(cli, refuses_truncated);
	tcase_add_test(cli, refuses_no_text_layer);
	tcase_add_test(cli, refuses_too_many_pages);
	tcase_add_test(cli, refuses_not_a_disclosure);
	tcase_add_test(cli, refuses_encrypted);
	tcase_add_test(cli, refuses_missing_file);
	tcase_add_test(cli, refuses_without_poppler);
	tcase_add_test(cli, refuses_unwritable_output);
	tcase_add_test(cli, refuses_endless_output);
	tcase_add_test(slow, refuses_hanging_tool);
	tcase_set_timeout(slow, 60);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, slow);
	suite_add_tcase(s, cli);
	return s;
}

int main(void)
{
	return tu_run_suite(suite());
}
