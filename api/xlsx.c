// SPDX-License-Identifier: MIT
// XLSX (libxlsxwriter) for one table (.../tables/{n}?format=xlsx) or every table of a
// disclosure, a sheet each (表一, 表二...): title and unit above the header, codes as text,
// figures as numbers shown with their published decimals.
#include "api.h"
#include "internal_api.h"
#include "read_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* A double holds 15 significant decimal digits exactly (DBL_DIG): a figure with at most 15
 * reads back in a spreadsheet as published. One with more (the store allows 12 integer and 6
 * decimal digits) is written as text, so that no digit is silently changed. */
#define XLSX_EXACT_DIGITS 15

struct book {
	lxw_workbook *wb;
	lxw_format *bold, *text, *num[DB_DEC_DIGITS + 1]; /* num[dp]: #,##0.00 for dp 2 */
};

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int significant_digits(const char *s)
{
	int n = 0;
	bool lead = true;

	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			continue;
		if (lead && *p == '0')
			continue;
		lead = false;
		n++;
	}
	return n;
}

static void formats(struct book *b)
{
	char spec[16];

	b->bold = workbook_add_format(b->wb);
	format_set_bold(b->bold);
	b->text = workbook_add_format(b->wb);
	format_set_num_format(b->text, "@");
	for (int dp = 0; dp <= DB_DEC_DIGITS; dp++) {
		snprintf(spec, sizeof(spec), "#,##0%s%.*s", dp > 0 ? "." : "", dp, "000000");
		b->num[dp] = workbook_add_format(b->wb);
		format_set_num_format(b->num[dp], spec);
	}
}

/* A stored figure: a number shown with its published decimals, or text beyond 15 digits. */
static void put_figure(struct book *b, lxw_worksheet *ws, lxw_row_t r, lxw_col_t col, const char *s)
{
	int dp = db_dec_places(s);

	if (significant_digits(s) > XLSX_EXACT_DIGITS) {
		worksheet_write_string(ws, r, col, s, b->text);
		return;
	}
	worksheet_write_number(ws, r, col, strtod(s, NULL), b->num[dp < 0 ? 0 : dp]);
}

/* The table's layout: which optional columns it has, and where the figures start. */
struct layout {
	bool sided, projects;
	bool printed; /* 页码, x0, y0, x1, y1: where each row was printed (#18), as in the CSV */
	lxw_col_t first; /* the first figure column */
};

/* The unit a figure column's header gets, as in the table CSV: （%） for a percentage whose
 * title does not say % already, nothing when it does, else （unit）. */
static void unit_suffix(const json_t *col, const char *unit, char *out, size_t size)
{
	const char *m = str(col, "measure"), *title = str(col, "title");

	if (title != NULL && (strstr(title, "%") != NULL || strstr(title, "％") != NULL))
		out[0] = '\0';
	else if (m != NULL && (strcmp(m, "rate") == 0 || strcmp(m, "change_percent") == 0))
		snprintf(out, size, "（%%）");
	else
		snprintf(out, size, "（%s）", unit != NULL ? unit : "");
}

/* Rows 0-2: 表几 and title, 单位：unit, then the header, every figure column with its unit
 * (合计（万元）) as the table CSV has it. */
static void put_head(struct book *b, lxw_worksheet *ws, const json_t *t, int position,
                     const char *unit, const struct layout *l)
{
	static const char *const place[] = { "页码", "x0", "y0", "x1", "y1" };
	char num[16], text[640], suffix[64];
	lxw_col_t c = 0;
	size_t i;
	json_t *col;

	api_numeral(position, num, sizeof(num));
	snprintf(text, sizeof(text), "表%s %s", num, str(t, "title") ? str(t, "title") : "");
	worksheet_write_string(ws, 0, 0, text, b->bold);
	snprintf(text, sizeof(text), "单位：%s", unit != NULL ? unit : "");
	worksheet_write_string(ws, 1, 0, text, NULL);
	if (l->sided)
		worksheet_write_string(ws, 2, c++, "收支", b->bold);
	worksheet_write_string(ws, 2, c++, "科目编码", b->bold);
	worksheet_write_string(ws, 2, c++, "类", b->bold);
	worksheet_write_string(ws, 2, c++, "款", b->bold);
	worksheet_write_string(ws, 2, c++, "项", b->bold);
	worksheet_write_string(ws, 2, c++, "科目名称", b->bold);
	if (l->projects)
		worksheet_write_string(ws, 2, c++, "项目名称", b->bold);
	json_array_foreach (json_object_get(t, "columns"), i, col) {
		const char *group = str(col, "group"), *title = str(col, "title");
		unit_suffix(col, unit, suffix, sizeof(suffix));
		snprintf(text, sizeof(text), "%s%s%s%s", group ? group : "", group ? "/" : "",
		         title ? title : "", suffix);
		worksheet_write_string(ws, 2, c++, text, b->bold);
	}
	worksheet_write_string(ws, 2, c++, "层级", b->bold);
	worksheet_write_string(ws, 2, c++, "末级", b->bold);
	for (size_t k = 0; l->printed && k < sizeof(place) / sizeof(place[0]); k++)
		worksheet_write_string(ws, 2, c++, place[k], b->bold);
}

/* The row's extent as printed (api_row_extent()) from column c: the page, then the box in
 * points as numbers (hundredths: exact as doubles), blank where not known. */
static void put_place(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const json_t *row)
{
	struct db_box u;

	api_row_extent(row, &u);
	if (u.page < 1)
		return;
	worksheet_write_number(ws, r, c, u.page, NULL);
	for (int k = 0; u.has_box && k < 4; k++)
		worksheet_write_number(ws, r, (lxw_col_t)(c + 1 + k), (double)u.x[k] / 100, NULL);
}

static void put_row(struct book *b, lxw_worksheet *ws, lxw_row_t r, const json_t *t,
                    const json_t *row, const struct layout *l, bool parent)
{
	const json_t *codes = json_object_get(row, "codes"),
	             *amounts = json_object_get(row, "amounts");
	bool total = str(row, "kind") != NULL && strcmp(str(row, "kind"), "total") == 0;
	char code[16] = "";
	lxw_col_t c = 0;
	size_t i;
	json_t *v;

	if (l->sided)
		worksheet_write_string(
		    ws, r, c++,
		    str(row, "side") && strcmp(str(row, "side"), "income") == 0 ? "收入" : "支出",
		    NULL);
	json_array_foreach (codes, i, v)
		strncat(code, json_string_value(v), sizeof(code) - strlen(code) - 1);
	worksheet_write_string(ws, r, c++, code, b->text);
	for (i = 0; i < 3; i++, c++)
		if (json_string_value(json_array_get(codes, i)) != NULL)
			worksheet_write_string(
			    ws, r, c, json_string_value(json_array_get(codes, i)), b->text);
	worksheet_write_string(ws, r, c++, str(row, "name") ? str(row, "name") : "", NULL);
	if (l->projects && str(row, "project_name") != NULL)
		worksheet_write_string(ws, r, c, str(row, "project_name"), NULL);
	c += l->projects;
	json_array_foreach (json_object_get(t, "columns"), i, v) {
		const char *s = api_dec_text(json_object_get(amounts, str(v, "key")));
		if (s != NULL)
			put_figure(b, ws, r, c, s);
		c++;
	}
	worksheet_write_number(ws, r, c++, (double)api_row_level(row), NULL);
	worksheet_write_string(ws, r, c++, !total && !parent ? "是" : "否", NULL);
	if (l->printed)
		put_place(ws, r, c, row);
}

/* One table on its own sheet, named 表一... Returns 0, or -1 (out of memory). */
static int put_sheet(struct book *b, const json_t *doc, const json_t *t, int position)
{
	const json_t *rows = json_object_get(t, "rows");
	struct layout l = { .sided = api_has_key(json_object_get(t, "columns"), "side"),
		            .projects = api_has_key(rows, "project"),
		            .printed = api_has_key(rows, "boxes") };
	char name[32], num[16];
	lxw_worksheet *ws;
	bool *parent;

	api_numeral(position, num, sizeof(num));
	snprintf(name, sizeof(name), "表%s", num);
	if ((ws = workbook_add_worksheet(b->wb, name)) == NULL ||
	    (parent = api_row_parents(rows)) == NULL)
		return -1;
	put_head(b, ws, t, position, api_table_unit(doc, t), &l);
	for (size_t i = 0; i < json_array_size(rows); i++)
		put_row(b, ws, (lxw_row_t)(3 + i), t, json_array_get(rows, i), &l, parent[i]);
	free(parent);
	worksheet_freeze_panes(ws, 3, 0);
	worksheet_set_column(ws, 0, 0, 12, NULL);
	worksheet_set_column(ws, l.sided + 4, l.sided + 4, 36, NULL);
	return 0;
}

/* Reads the finished workbook back into resp's body. */
static int slurp(const char *path, struct api_response *resp)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *body = NULL;

	if (f == NULL || fstat(fileno(f), &sb) != 0 ||
	    (body = malloc((size_t)sb.st_size + 1)) == NULL ||
	    fread(body, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
		free(body);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	fclose(f);
	resp->body = body;
	resp->len = (size_t)sb.st_size;
	return 0;
}

/* libxlsxwriter 1.1.4 writes to a file only: a private temporary file, read back and
 * removed at once. The workbook's date is the import's, so one store gives one file. */
static int build(struct api_ctx *c, const json_t *doc, int number, const char *path)
{
	lxw_workbook_options opt = { .constant_memory = LXW_FALSE };
	lxw_doc_properties props = { .created = (time_t)c->resp->modified };
	struct book b = { .wb = workbook_new_opt(path, &opt) };
	size_t i;
	json_t *t;
	int rc = 0;

	if (b.wb == NULL)
		return -1;
	formats(&b);
	workbook_set_properties(b.wb, &props);
	json_array_foreach (json_object_get(doc, "tables"), i, t) {
		int p = api_table_position(t);
		if (p > 0 && (number == 0 || p == number) && put_sheet(&b, doc, t, p) != 0)
			rc = -1;
	}
	if (workbook_close(b.wb) != LXW_NO_ERROR)
		rc = -1;
	return rc;
}

/* 503 (a full or unwritable temporary folder passes), with the cause for the log. */
static int failed(struct api_ctx *c, const char *what, const char *path)
{
	if (api_fail(c->resp, 503, "the workbook could not be written; try again") != 0)
		return -1;
	snprintf(c->resp->cause, sizeof(c->resp->cause), "xlsx: %s %.120s", what, path);
	return 0;
}

int api_xlsx(struct api_ctx *c, const json_t *doc, int number)
{
	const char *tmp = getenv("TMPDIR");
	bool unit = strcmp(c->level, "unit") == 0;
	char path[512], name[200], num[16], label[600];
	const json_t *t = number > 0 ? api_find_table(doc, number) : NULL;
	int fd, rc;

	if (number > 0 && t == NULL)
		return api_fail(c->resp, 404, "this disclosure has no table %d", number);
	if (json_array_size(json_object_get(doc, "tables")) == 0)
		return api_fail(c->resp, 404, "this disclosure has no tables");
	snprintf(path, sizeof(path), "%s/budgetd-xlsx-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return failed(c, "no temporary file", path);
	close(fd);
	rc = build(c, doc, number, path);
	if (rc == 0)
		rc = slurp(path, c->resp);
	unlink(path);
	if (rc != 0)
		return failed(c, "could not write", path);
	snprintf(name, sizeof(name), "%s-%d-%s%s%s", c->dept, c->year, c->kind, unit ? "-unit" : "",
	         number > 0 ? "-table-" : "-tables");
	if (number > 0)
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "%d", number);
	api_numeral(number, num, sizeof(num));
	snprintf(label, sizeof(label), "%s-%d-%s%s-%s%s%s%s", c->dept, c->year, c->kind,
	         unit ? "-unit" : "", number > 0 ? "表" : "全部表格", num, number > 0 ? "-" : "",
	         number > 0 ? str(t, "title") : "");
	api_disposition(c->resp, name, label, "xlsx"); /* as the CSVs: 表几 and the title */
	c->resp->status = 200;
	c->resp->content_type = API_XLSX_TYPE;
	return 0;
}
