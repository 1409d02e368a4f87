// SPDX-License-Identifier: MIT
// The document: who published it, year, kind and level from the cover, every table, the
// 三公 figures from the 三公 table, the source; and ingest_pdf(), which runs the poppler tools.
#include "layout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INGEST_FORMAT "budgetd-disclosure/2"

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* ---- The cover ---- */

static const char *const labels[] = { "预算主管部门：", "预算主管部门:", "预算单位：",
	                              "预算单位:",      "编制部门：",    "编制部门:",
	                              "单位名称：",     "部门名称：",    NULL };

struct cover {
	char title[256];
	char name[256];
	char region[128];
	int year;
	bool unit_label; /* named by 预算单位： */
};

static void squeeze_line(const struct ing_line *l, char *out, size_t size)
{
	char *s = ing_line_text(l->words, l->n);

	out[0] = '\0';
	if (s != NULL)
		ing_squeeze(s, out, size);
	free(s);
}

/* The name after a label such as 预算主管部门： on the first pages. */
static bool find_label(const struct ingest_text *t, struct cover *cv)
{
	for (size_t p = 0; p < t->n_pages && p < 3; p++)
		for (size_t i = 0; i < t->pages[p].n_lines; i++) {
			char s[512];

			squeeze_line(&t->pages[p].lines[i], s, sizeof(s));
			for (size_t k = 0; labels[k] != NULL; k++)
				if (starts_with(s, labels[k]) && s[strlen(labels[k])] != '\0') {
					snprintf(cv->name, sizeof(cv->name), "%s",
					         s + strlen(labels[k]));
					cv->unit_label = starts_with(labels[k], "预算单位");
					return true;
				}
		}
	return false;
}

/* The first "YYYY年" in s: the year, and where it starts. */
static int year_in(const char *s, const char **at)
{
	for (const char *p = s; *p != '\0'; p++) {
		if (p[0] == '2' && p[1] == '0' && p[2] >= '0' && p[2] <= '9' && p[3] >= '0' &&
		    p[3] <= '9' && starts_with(p + 4, "年") &&
		    (p == s || p[-1] < '0' || p[-1] > '9')) {
			*at = p;
			return (p[2] - '0') * 10 + (p[3] - '0') + 2000;
		}
	}
	return 0;
}

/* The first YYYY年 printed on the first three pages (a cover without a year), or 0. */
static int year_on_pages(const struct ingest_text *t)
{
	for (size_t p = 0; p < t->n_pages && p < 3; p++)
		for (size_t i = 0; i < t->pages[p].n_lines; i++) {
			char s[512];
			const char *at;
			int y;

			squeeze_line(&t->pages[p].lines[i], s, sizeof(s));
			if ((y = year_in(s, &at)) > 0)
				return y;
		}
	return 0;
}

/* The cover title: page 1's lines before 目录 or a label, at most four. */
static void read_cover(const struct ingest_text *t, struct cover *cv)
{
	const struct ing_page *pg = t->n_pages > 0 ? &t->pages[0] : NULL;
	const char *at = NULL;

	memset(cv, 0, sizeof(*cv));
	for (size_t i = 0; pg != NULL && i < pg->n_lines && i < 4; i++) {
		char s[512];
		bool label = false;

		squeeze_line(&pg->lines[i], s, sizeof(s));
		for (size_t k = 0; labels[k] != NULL; k++)
			label = label || starts_with(s, labels[k]);
		if (label || strcmp(s, "目录") == 0)
			break;
		if (strlen(cv->title) + strlen(s) < sizeof(cv->title))
			strcat(cv->title, s);
	}
	cv->year = year_in(cv->title, &at);
	if (!find_label(t, cv) && at != NULL)
		snprintf(cv->name, sizeof(cv->name), "%.*s", (int)(at - cv->title), cv->title);
	else if (at != NULL && at > cv->title &&
	         strncmp(cv->name, cv->title, (size_t)(at - cv->title)) == 0)
		snprintf(cv->region, sizeof(cv->region), "%.*s", (int)(at - cv->title), cv->title);
	if (cv->year == 0)
		cv->year = year_on_pages(t);
	if (cv->name[0] == '\0')
		snprintf(cv->name, sizeof(cv->name), "%s", cv->title);
}

/* The department id: the file name's stem without -budget/-final/-dept/-unit and the year. */
static void derive_id(const char *file, char *id, size_t size)
{
	const char *base = strrchr(file, '/');
	static const char *const tails[] = { "-dept", "-unit", "-budget", "-final", NULL };
	size_t n = 0;
	bool again = true;

	base = base != NULL ? base + 1 : file;
	for (const char *p = base; *p != '\0' && n + 1 < size; p++) {
		char ch = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;

		if (strcmp(p, ".pdf") == 0 || strcmp(p, ".PDF") == 0)
			break;
		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			id[n++] = ch;
		else if (n > 0 && id[n - 1] != '-')
			id[n++] = '-';
	}
	id[n] = '\0';
	while (again) {
		again = false;
		for (size_t k = 0; tails[k] != NULL; k++) {
			size_t len = strlen(id), tl = strlen(tails[k]);

			if (len > tl && strcmp(id + len - tl, tails[k]) == 0) {
				id[len - tl] = '\0';
				again = true;
			}
		}
		n = strlen(id);
		if (n > 5 && id[n - 5] == '-' && id[n - 4] >= '0' && id[n - 4] <= '9' &&
		    strspn(id + n - 4, "0123456789") == 4) {
			id[n - 5] = '\0';
			again = true;
		}
	}
	while ((n = strlen(id)) > 0 && id[n - 1] == '-')
		id[n - 1] = '\0';
	if (id[0] == '\0')
		snprintf(id, size, "department");
}

/* ---- 三公 from the 三公 table ---- */

static const struct {
	const char *key;
} sangong_items[] = { { "abroad" },           { "vehicle" },
	              { "vehicle_purchase" }, { "vehicle_operation" },
	              { "reception" },        { "meeting" },
	              { "training" },         { NULL } };

static const char *column_title(json_t *cols, const char *key)
{
	size_t i;
	json_t *c;

	json_array_foreach (cols, i, c)
		if (strcmp(json_string_value(json_object_get(c, "key")), key) == 0)
			return json_string_value(json_object_get(c, "title"));
	return NULL;
}

/* Copies the figure at key (if printed) to o[field]. */
static bool copy_amount(json_t *amounts, const char *key, json_t *o, const char *field)
{
	json_t *v = json_object_get(amounts, key);

	if (v == NULL)
		return false;
	json_object_set(o, field, v);
	return true;
}

static void sangong_from(json_t *doc, json_t *table)
{
	json_t *cols = json_object_get(table, "columns"),
	       *row = json_array_get(json_object_get(table, "rows"), 0);
	json_t *amounts = row != NULL ? json_object_get(row, "amounts") : NULL;
	json_t *sg = json_object(), *items = json_array(), *oc = json_object();
	char k[64];

	if (amounts == NULL || json_object_size(amounts) == 0) {
		json_decref(sg);
		json_decref(items);
		json_decref(oc);
		return;
	}
	copy_amount(amounts, "total", sg, "amount");
	copy_amount(amounts, "total_budget", sg, "budget");
	copy_amount(amounts, "total_final", sg, "final");
	for (size_t i = 0; sangong_items[i].key != NULL; i++) {
		const char *key = sangong_items[i].key, *label;
		json_t *it = json_object();
		bool any;

		any = copy_amount(amounts, key, it, "amount");
		snprintf(k, sizeof(k), "%s_budget", key);
		any = copy_amount(amounts, k, it, "budget") || any;
		label = column_title(cols, key) != NULL ? column_title(cols, key)
		                                        : column_title(cols, k);
		snprintf(k, sizeof(k), "%s_final", key);
		any = copy_amount(amounts, k, it, "final") || any;
		if (label == NULL)
			label = column_title(cols, k);
		if (!any || label == NULL) {
			json_decref(it);
			continue;
		}
		json_object_set_new(it, "key", json_string(key));
		json_object_set_new(it, "label", json_string(label));
		json_array_append_new(items, it);
	}
	json_object_set_new(sg, "items", items);
	json_object_set_new(sg, "unit", json_incref(json_object_get(table, "unit")));
	json_object_set_new(doc, "sangong", sg);
	if (copy_amount(amounts, "operating_costs", oc, "amount")) {
		json_object_set_new(oc, "unit", json_incref(json_object_get(table, "unit")));
		json_object_set_new(doc, "operating_costs", oc);
	} else {
		json_decref(oc);
	}
}

/* ---- The document ---- */

static const char *kind_of(const char *title, json_t *tables)
{
	size_t i, fin = 0, bud = 0;
	json_t *t;

	if (strstr(title, "决算") != NULL)
		return "final";
	if (strstr(title, "预算") != NULL)
		return "budget";
	json_array_foreach (tables, i, t) {
		const char *id = json_string_value(json_object_get(t, "type"));
		if (starts_with(id, "final_"))
			fin++;
		else
			bud++;
	}
	return fin > bud ? "final" : "budget";
}

/* One flag per line of each page: used by a table. NULL when out of memory. */
static bool **used_new(const struct ingest_text *t)
{
	bool **u = calloc(t->n_pages + 1, sizeof(*u));

	for (size_t p = 0; u != NULL && p < t->n_pages; p++)
		if ((u[p] = calloc(t->pages[p].n_lines + 1, sizeof(**u))) == NULL) {
			for (size_t q = 0; q < p; q++)
				free(u[q]);
			free(u);
			return NULL;
		}
	return u;
}

static void used_free(bool **u, size_t n)
{
	for (size_t p = 0; u != NULL && p < n; p++)
		free(u[p]);
	free(u);
}

static json_t *department_json(const struct cover *cv, const char *id)
{
	json_t *d = json_object();

	json_object_set_new(d, "id", json_string(id));
	json_object_set_new(d, "name", json_string(cv->name));
	if (cv->region[0] != '\0')
		json_object_set_new(d, "region", json_string(cv->region));
	return d;
}

static json_t *source_json(const struct cover *cv, const struct ingest_source *src,
                           const struct ingest_text *text)
{
	json_t *source = json_object();
	const char *base = strrchr(src->file, '/');

	json_object_set_new(source, "document", json_string(cv->title));
	json_object_set_new(source, "file", json_string(base != NULL ? base + 1 : src->file));
	if (src->sha256 != NULL)
		json_object_set_new(source, "sha256", json_string(src->sha256));
	json_object_set_new(source, "pages",
	                    json_integer(src->pages > 0 ? src->pages : (json_int_t)text->n_pages));
	return source;
}

/* The document's head: format, department, year, kind, level, title, unit, source. */
static json_t *head_json(const struct cover *cv, const struct ingest_source *src,
                         const struct ingest_text *text, const struct ingest_options *opt,
                         json_t *tables)
{
	json_t *doc = json_object();
	bool unit = cv->unit_label || strstr(cv->title, "单位预算") != NULL ||
	            strstr(cv->title, "单位决算") != NULL;
	char id[128];

	derive_id(src->file, id, sizeof(id));
	json_object_set_new(doc, "format", json_string(INGEST_FORMAT));
	json_object_set_new(doc, "department",
	                    department_json(cv, opt != NULL && opt->id != NULL ? opt->id : id));
	json_object_set_new(doc, "year", json_integer(cv->year));
	json_object_set_new(doc, "kind", json_string(kind_of(cv->title, tables)));
	json_object_set_new(doc, "level", json_string(unit ? "unit" : "department"));
	json_object_set_new(doc, "title", json_string(cv->title));
	json_object_set_new(doc, "unit", json_string("万元"));
	json_object_set_new(doc, "source", source_json(cv, src, text));
	return doc;
}

static void report_cover(const struct cover *cv, const struct ingest_options *opt)
{
	if (opt == NULL || opt->report == NULL)
		return;
	if (cv->year == 0)
		opt->report(opt->ctx, 1, "no year found (YYYY年) on the first pages", cv->title);
	if (cv->name[0] == '\0' || strcmp(cv->name, cv->title) == 0)
		opt->report(opt->ctx, 1, "no department name found; the title stands for it",
		            cv->title);
}

json_t *ingest_document(const struct ingest_text *text, const struct ingest_source *src,
                        const struct ingest_options *opt, struct ingest_error *err)
{
	json_t *doc, *tables = json_array(), *t;
	bool **used = NULL;
	struct cover cv;
	size_t i;

	if (ingest_text_words(text) == 0) {
		ing_fail(err, INGEST_BAD_INPUT, 0,
		         "the PDF has no text layer (scanned pages?); text recognition is not "
		         "supported");
		goto fail;
	}
	read_cover(text, &cv);
	if ((used = used_new(text)) == NULL || ing_tables(text, opt, tables, used) != 0) {
		ing_fail(err, INGEST_INTERNAL, 0, "out of memory");
		goto fail;
	}
	if (json_array_size(tables) == 0 && strstr(cv.title, "预算") == NULL &&
	    strstr(cv.title, "决算") == NULL) {
		ing_fail(
		    err, INGEST_BAD_INPUT, 0,
		    "not a budget disclosure: no 预算/决算 title and no table the registry knows");
		goto fail;
	}
	report_cover(&cv, opt);
	doc = head_json(&cv, src, text, opt, tables);
	json_array_foreach (tables, i, t)
		if (strstr(json_string_value(json_object_get(t, "type")), "sangong") != NULL)
			sangong_from(doc, t);
	json_object_set_new(doc, "tables", tables);
	ing_sections(text, opt, doc, used);
	used_free(used, text->n_pages);
	return doc;
fail:
	used_free(used, text->n_pages);
	json_decref(tables);
	return NULL;
}

/* ---- Running poppler ---- */

static int check_magic(const char *path, struct ingest_error *err)
{
	char head[1024];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		ing_fail(err, INGEST_NO_FILE, 0, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	for (size_t i = 0; i + 5 <= n; i++)
		if (memcmp(head + i, "%PDF-", 5) == 0)
			return 0;
	ing_fail(err, INGEST_BAD_INPUT, 0, "not a PDF (no %%PDF- header)");
	return -1;
}

static const char *field(const char *out, const char *name)
{
	const char *p = out;

	while ((p = strstr(p, name)) != NULL) {
		if (p == out || p[-1] == '\n')
			return p + strlen(name);
		p++;
	}
	return NULL;
}

/* pdfinfo: pages and encryption; a PDF it cannot read is refused. */
static int check_info(const char *path, int *pages, struct ingest_error *err)
{
	char *argv[] = { "pdfinfo", (char *)path, NULL };
	struct ing_output out;
	const char *enc, *pg;

	if (ing_run(argv, true, &out, err) != 0)
		return -1;
	if (out.status != 0 || strstr(out.data, "Syntax Error") != NULL) {
		char first[160];
		bool pw =
		    strstr(out.data, "password") != NULL || strstr(out.data, "ncrypt") != NULL;

		snprintf(first, sizeof(first), "%s", out.data);
		first[strcspn(first, "\n")] = '\0';
		ing_fail(err, INGEST_BAD_INPUT, 0,
		         pw ? "encrypted PDF: it needs a password (%s)"
		            : "damaged or truncated PDF: pdfinfo says \"%s\"",
		         first);
		free(out.data);
		return -1;
	}
	enc = field(out.data, "Encrypted:");
	pg = field(out.data, "Pages:");
	*pages = pg != NULL ? atoi(pg) : 0;
	if (enc != NULL && strncmp(enc + strspn(enc, " "), "yes", 3) == 0) {
		ing_fail(err, INGEST_BAD_INPUT, 0,
		         "encrypted PDF: budgetd reads only unencrypted PDFs");
		free(out.data);
		return -1;
	}
	free(out.data);
	if (*pages > INGEST_MAX_PAGES) {
		ing_fail(err, INGEST_BAD_INPUT, 0, "%d pages: a disclosure has at most %d pages",
		         *pages, INGEST_MAX_PAGES);
		return -1;
	}
	return 0;
}

json_t *ingest_pdf(const char *path, const struct ingest_options *opt, struct ingest_error *err)
{
	char *argv[] = {
		"pdftotext", "-q", "-bbox-layout", "-enc", "UTF-8", (char *)path, "-", NULL
	};
	struct ingest_source src = { .file = path };
	struct ingest_text *text;
	struct ing_output out;
	char sha[65];
	json_t *doc;

	if (check_magic(path, err) != 0)
		return NULL;
	if (ingest_sha256_file(path, sha) != 0) {
		ing_fail(err, INGEST_NO_FILE, 0, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	src.sha256 = sha;
	if (check_info(path, &src.pages, err) != 0)
		return NULL;
	if (ing_run(argv, false, &out, err) != 0)
		return NULL;
	if (out.status != 0) {
		free(out.data);
		ing_fail(err, INGEST_BAD_INPUT, 0, "damaged or truncated PDF: pdftotext failed");
		return NULL;
	}
	text = ingest_text_parse(out.data, out.len, err);
	free(out.data);
	if (text == NULL)
		return NULL;
	doc = ingest_document(text, &src, opt, err);
	ingest_text_free(text);
	return doc;
}
