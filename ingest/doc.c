// SPDX-License-Identifier: MIT
// The document: who published it, year, kind and level from the cover, every table, the
// 三公 figures from the 三公 table, the source; and ingest_pdf(), which runs the poppler tools.
#include "db.h"
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

/* ---- The table of contents (目录) ---- */

/* Leader characters between an entry's title and its page number. */
static size_t leader_before(const char *s, size_t end)
{
	static const char *const leaders[] = { "…", "⋯", "·", "•", "．", ".", "-", "—", NULL };

	for (size_t i = 0; leaders[i] != NULL; i++) {
		size_t n = strlen(leaders[i]);

		if (end >= n && strncmp(s + end - n, leaders[i], n) == 0)
			return n;
	}
	return 0;
}

static const char *skip_any(const char *s, const char *const *v)
{
	for (size_t i = 0; v[i] != NULL; i++)
		if (starts_with(s, v[i]))
			return s + strlen(v[i]);
	return s;
}

/* The number printed before an entry's title: "五、" -> 五, "1." "4．" -> 1, 4; "第一部分" and
 * "（一）" kept whole. Returns where the title starts (s when no number is printed). */
static const char *entry_number(const char *s, char *num, size_t size)
{
	static const char *const numerals[] = { "十", "一", "二", "三", "四", "五", "六",
		                                "七", "八", "九", "〇", "零", NULL };
	static const char *const marks[] = { "、", "．", ".", NULL };
	const char *p = s, *q;

	num[0] = '\0';
	if (starts_with(s, "第")) {
		p = s + strlen("第");
		while ((q = skip_any(p, numerals)) != p)
			p = q;
		if (p > s + strlen("第") && starts_with(p, "部分")) {
			p += strlen("部分");
			snprintf(num, size, "%.*s", (int)(p - s), s);
			return p;
		}
		return s;
	}
	if (starts_with(s, "（") || starts_with(s, "(")) {
		p = s + (starts_with(s, "（") ? strlen("（") : 1);
		q = p;
		while ((*p >= '0' && *p <= '9') || skip_any(p, numerals) != p)
			p = *p >= '0' && *p <= '9' ? p + 1 : skip_any(p, numerals);
		if (p > q && (starts_with(p, "）") || *p == ')')) {
			p += starts_with(p, "）") ? strlen("）") : 1;
			snprintf(num, size, "%.*s", (int)(p - s), s);
			return p;
		}
		return s;
	}
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s)
		while ((q = skip_any(p, numerals)) != p)
			p = q;
	if (p == s || (q = skip_any(p, marks)) == p)
		return s;
	snprintf(num, size, "%.*s", (int)(p - s), s);
	return q;
}

/* One 目录 line: number, title, page. False when no title is left. */
static bool read_entry(const struct ing_line *l, json_t *entry)
{
	char s[1024], num[64];
	size_t end, d, lead = 0, k;
	const char *title;
	bool page_word;
	const struct db_table_type *type;

	squeeze_line(l, s, sizeof(s));
	end = strlen(s);
	/* a page number: digits after leader dots, or a word of its own at the end */
	for (d = end; d > 0 && s[d - 1] >= '0' && s[d - 1] <= '9'; d--)
		;
	page_word = l->n > 1 && d < end;
	for (k = 0; l->n > 0 && l->words[l->n - 1].text[k] != '\0'; k++)
		if (l->words[l->n - 1].text[k] < '0' || l->words[l->n - 1].text[k] > '9')
			page_word = false;
	for (size_t n; (n = leader_before(s, d - lead)) > 0;)
		lead += n;
	if (d < end && (lead > 0 || page_word) && end - d <= 5) {
		json_object_set_new(entry, "page", json_integer(atoi(s + d)));
		s[d - lead] = '\0';
	} else {
		lead = 0;
		for (size_t n; (n = leader_before(s, end - lead)) > 0;)
			lead += n;
		s[end - lead] = '\0';
	}
	title = entry_number(s, num, sizeof(num));
	for (k = 0; title[k] != '\0' && (unsigned char)title[k] < 0x80; k++)
		;
	if (title[k] == '\0') /* no Chinese: not a title */
		return false;
	if (num[0] != '\0')
		json_object_set_new(entry, "number", json_string(num));
	json_object_set_new(entry, "title", json_string(title));
	if ((type = db_table_type_match(title)) != NULL)
		json_object_set_new(entry, "type", json_string(type->id));
	return true;
}

/* A line of the 目录 page that only numbers the page ("1", "- 1 -", "I"). */
static bool folio(const char *s)
{
	for (; *s != '\0'; s++)
		if (!(*s >= '0' && *s <= '9') && *s != '-' && *s != 'I' && *s != 'V')
			return false;
	return true;
}

/* Does the page hold a sentence (a long line or one with 。)? The 目录 does not. */
static bool has_prose(const struct ing_page *pg)
{
	for (size_t i = 0; i < pg->n_lines; i++) {
		char s[1024];

		squeeze_line(&pg->lines[i], s, sizeof(s));
		if (strlen(s) > 120 || strstr(s, "。") != NULL)
			return true;
	}
	return false;
}

/* The 目录 lines of page p from line `from` into v; a line it cannot read as an entry is
 * reported and left out. */
static void contents_page(const struct ing_page *pg, size_t p, size_t from, json_t *v,
                          const struct ingest_options *opt)
{
	for (size_t k = from; k < pg->n_lines; k++) {
		char line[1024];
		json_t *e;

		squeeze_line(&pg->lines[k], line, sizeof(line));
		if (line[0] == '\0' || folio(line))
			continue;
		e = json_object();
		if (read_entry(&pg->lines[k], e))
			json_array_append_new(v, e);
		else {
			json_decref(e);
			if (opt != NULL && opt->report != NULL)
				opt->report(opt->ctx, (int)p + 1,
				            "目录 line not read as an entry; left out", line);
		}
	}
}

/* Does every line of the page (folios aside) begin with an entry number (五、 1. 第一部分)? A
 * page that continues the 目录 does; a table's page does not. */
static bool all_numbered(const struct ing_page *pg)
{
	for (size_t i = 0; i < pg->n_lines; i++) {
		char s[1024], num[64];

		squeeze_line(&pg->lines[i], s, sizeof(s));
		if (s[0] != '\0' && !folio(s) && entry_number(s, num, sizeof(num)) == s)
			return false;
	}
	return true;
}

/* The entries of the 目录 printed on one of the first three pages, in order, continued on
 * the following pages (at most two) that hold no sentence and whose every line is numbered;
 * NULL when there is no 目录. */
static json_t *contents_json(const struct ingest_text *t, const struct ingest_options *opt)
{
	for (size_t p = 0; p < t->n_pages && p < 3; p++) {
		const struct ing_page *pg = &t->pages[p];

		for (size_t i = 0; i < pg->n_lines; i++) {
			char s[64];
			json_t *v;

			squeeze_line(&pg->lines[i], s, sizeof(s));
			if (strcmp(s, "目录") != 0)
				continue;
			v = json_array();
			contents_page(pg, p, i + 1, v, opt);
			for (size_t q = p + 1;
			     q < t->n_pages && q <= p + 2 && !has_prose(&t->pages[q]) &&
			     all_numbered(&t->pages[q]);
			     q++)
				contents_page(&t->pages[q], q, 0, v, opt);
			if (json_array_size(v) == 0) {
				json_decref(v);
				return NULL;
			}
			return v;
		}
	}
	return NULL;
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
	json_t *doc = json_object(), *contents;
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
	if ((contents = contents_json(text, opt)) != NULL)
		json_object_set_new(doc, "contents", contents);
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
