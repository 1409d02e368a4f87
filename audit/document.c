// SPDX-License-Identifier: MIT
// Document rules: years in headings, template residue, empty tables and their notes,
// doubled punctuation, the 目录 against the tables, the department's name where printed.
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* A string of the document and where it is. */
struct where {
	const json_t *table;
	int section;
};

static void quote_finding(struct audit_ctx *c, const char *rule, const struct where *w,
                          const char *text, const char *zh, const char *en)
{
	struct audit_place p = AUDIT_PLACE_INIT;
	char quote[600];
	size_t len = strlen(text);

	/* at most ~600 bytes, cut on a UTF-8 character boundary */
	if (len >= sizeof(quote)) {
		len = sizeof(quote) - 1;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	snprintf(quote, sizeof(quote), "%.*s", (int)len, text);
	p.table = w->table;
	p.section = w->section;
	p.quote = quote;
	audit_add(c, rule, &p, zh, en, false, 0, 0, NULL);
}

/* ---- D01: years in headings ----------------------------------------------------------------- */

static void heading_years(struct audit_ctx *c, const struct where *w, const char *s)
{
	int depth = 0; /* inside 《…》 */

	if (s == NULL || c->year == 0)
		return;
	for (const char *p = s; *p; p++) {
		if (strncmp(p, "《", 3) == 0)
			depth++;
		else if (strncmp(p, "》", 3) == 0 && depth > 0)
			depth--;
		if (depth > 0 || !(p[0] == '2' && p[1] == '0' && p[2] >= '0' && p[2] <= '9' &&
		                   p[3] >= '0' && p[3] <= '9' && strncmp(p + 4, "年", 3) == 0))
			continue;
		if ((p > s && p[-1] >= '0' && p[-1] <= '9'))
			continue;
		int y = (p[2] - '0') * 10 + (p[3] - '0') + 2000;
		bool cutoff = (p - s >= 6 &&
		               (strncmp(p - 6, "截至", 6) == 0 || strncmp(p - 6, "截止", 6) == 0));
		if (y == c->year || cutoff)
			continue;
		char zh[256], en[256];
		snprintf(zh, sizeof(zh), "标题中的年份 %d 与公开年度 %d 不一致", y, c->year);
		snprintf(en, sizeof(en), "A heading names the year %d; the disclosure is for %d", y,
		         c->year);
		quote_finding(c, "D01", w, s, zh, en);
		return;
	}
}

/* ---- D02, D05: template residue, doubled punctuation ------------------------------------- */

static void scan_text(struct audit_ctx *c, const struct where *w, const char *s)
{
	static const char *const residue[] = { "XX", "ＸＸ", "××", "xx" };
	static const char *const doubled[] = { "。。", "，，", "、、", "；；", "：：" };

	/* the template's instructions to the preparer, printed above its sample note */
	static const char *const instruction[] = { "仍保留该表格式", "在本表下方作下述说明" };

	if (s == NULL)
		return;
	for (size_t i = 0; i < sizeof(instruction) / sizeof(instruction[0]); i++)
		if (strstr(s, instruction[i]) != NULL) {
			char zh[256], en[256];
			snprintf(zh, sizeof(zh), "模板残留：编制说明性文字“%s”留在公开文本中",
			         instruction[i]);
			snprintf(en, sizeof(en),
			         "Template residue: the template's instruction to the preparer "
			         "(\"%s\") is printed",
			         instruction[i]);
			quote_finding(c, "D02", w, s, zh, en);
			return;
		}
	for (size_t i = 0; i < sizeof(residue) / sizeof(residue[0]); i++)
		if (strstr(s, residue[i]) != NULL) {
			char zh[128], en[128];
			snprintf(zh, sizeof(zh), "模板残留“%s”", residue[i]);
			snprintf(en, sizeof(en), "Template residue \"%s\"", residue[i]);
			quote_finding(c, "D02", w, s, zh, en);
			break;
		}
	for (size_t i = 0; i < sizeof(doubled) / sizeof(doubled[0]); i++)
		if (strstr(s, doubled[i]) != NULL) {
			char zh[128], en[128];
			snprintf(zh, sizeof(zh), "重复标点“%s”", doubled[i]);
			snprintf(en, sizeof(en), "Doubled punctuation \"%s\"", doubled[i]);
			quote_finding(c, "D05", w, s, zh, en);
			break;
		}
}

/* ---- D03, D04: empty tables and their notes ------------------------------------------------- */

static bool has_figures(const json_t *t)
{
	size_t i;
	json_t *row, *v;
	const char *key;

	const json_t *rows = json_object_get(t, "rows");
	json_array_foreach (rows, i, row) {
		json_object_foreach (json_object_get(row, "amounts"), key, v) {
			int64_t x;
			if (audit_dec(v, &x) == 0 && x != 0)
				return true;
		}
		if (json_array_size(json_object_get(row, "unplaced")) > 0)
			return true;
	}
	return false;
}

static void empty_table(struct audit_ctx *c, const json_t *t)
{
	const char *note = audit_str(t, "note");
	struct where w = { t, -1 };
	char tl[32], zh[256], en[256];
	bool says_empty = note != NULL && strstr(note, "空表") != NULL;

	audit_table_label(t, tl, sizeof(tl));
	if (has_figures(t)) {
		if (!says_empty)
			return;
		snprintf(zh, sizeof(zh), "%s的注称本表为空表，但表中列有数字", tl);
		snprintf(en, sizeof(en),
		         "Table %d's note says the table is empty, but it prints figures",
		         audit_table_position(t));
		quote_finding(c, "D04", &w, note, zh, en);
		return;
	}
	if (note != NULL &&
	    (says_empty || strstr(note, "无") != NULL || strstr(note, "没有") != NULL))
		return;
	snprintf(zh, sizeof(zh), "%s没有数字，也没有说明为空表的注", tl);
	snprintf(en, sizeof(en), "Table %d has no figures and no note saying why",
	         audit_table_position(t));
	quote_finding(c, "D03", &w, audit_str(t, "title") ? audit_str(t, "title") : "", zh, en);
}

static bool has_year(const char *s)
{
	for (const char *p = s; p != NULL && *p; p++)
		if (p[0] == '2' && p[1] == '0' && p[2] >= '0' && p[2] <= '9' && p[3] >= '0' &&
		    p[3] <= '9' && strncmp(p + 4, "年", 3) == 0)
			return true;
	return false;
}

/* D06: when most table titles print the year, one that does not. */
static void title_years(struct audit_ctx *c)
{
	const json_t *tables = json_object_get(c->doc, "tables");
	size_t i, with = 0, n = json_array_size(tables);
	json_t *t;

	json_array_foreach (tables, i, t)
		with += has_year(audit_str(t, "title"));
	if (n < 3 || with * 2 <= n || with == n)
		return;
	json_array_foreach (tables, i, t) {
		struct where w = { t, -1 };
		char tl[32], zh[256], en[256];
		if (has_year(audit_str(t, "title")) || audit_str(t, "title") == NULL)
			continue;
		audit_table_label(t, tl, sizeof(tl));
		snprintf(zh, sizeof(zh), "%s的表名没有年度，其他 %zu 张表的表名都有", tl, with);
		snprintf(en, sizeof(en),
		         "Table %d's title has no year; %zu other tables' titles do",
		         audit_table_position(t), with);
		quote_finding(c, "D06", &w, audit_str(t, "title"), zh, en);
	}
}

/* D07: a district (区级) disclosure whose 名词解释 speak of the city's or province's level
 * (市级预算主管部门, 市级财政): the template of another level of government left in. The
 * level is the disclosure's own: its title says 区级, or its region is a district (…区). */
static void glossary_level(struct audit_ctx *c)
{
	static const char *const other[] = { "市级", "省级" };
	const char *title = audit_str(c->doc, "title");
	const char *region = audit_str(json_object_get(c->doc, "department"), "region");
	size_t rl = region != NULL ? strlen(region) : 0, i, n = 0;
	const char *first = NULL, *word = NULL;
	json_t *g;

	if (!((title != NULL && strstr(title, "区级") != NULL) ||
	      (rl >= 3 && strcmp(region + rl - 3, "区") == 0)))
		return;
	const json_t *gloss = json_object_get(c->doc, "glossary");
	json_array_foreach (gloss, i, g) {
		const char *d = audit_str(g, "definition");
		for (size_t k = 0; d != NULL && k < sizeof(other) / sizeof(other[0]); k++)
			if (strstr(d, other[k]) != NULL) {
				if (first == NULL) {
					first = d;
					word = other[k];
				}
				n++;
				break;
			}
	}
	if (first == NULL)
		return;
	struct audit_place p = AUDIT_PLACE_INIT;
	char zh[256], en[256], quote[600];
	size_t len = strlen(first);
	if (len >= sizeof(quote)) {
		len = sizeof(quote) - 1;
		while (len > 0 && ((unsigned char)first[len] & 0xc0) == 0x80)
			len--;
	}
	snprintf(quote, sizeof(quote), "%.*s", (int)len, first);
	p.section_title = "名词解释";
	p.quote = quote;
	snprintf(zh, sizeof(zh), "区级公开的名词解释中有 %zu 条使用“%s”的表述（模板残留）", n,
	         word);
	snprintf(en, sizeof(en),
	         "A district-level disclosure's glossary says \"%s\" in %zu entries (another "
	         "level's template)",
	         word, n);
	audit_add(c, "D07", &p, zh, en, false, 0, 0, NULL);
}

/* ---- D08: the 目录 against the tables printed ---------------------------------------------- */

/* s without spaces and quotes, for comparing titles. */
static void plain(const char *s, char *out, size_t size)
{
	static const char *const drop[] = { " ", "\xe3\x80\x80", "\"", "“", "”", "'", "‘", "’" };
	size_t n = 0;

	while (s != NULL && *s != '\0') {
		size_t skip = 0;
		/* Only these bytes begin one of drop's: any other is copied without comparing
		 * (issue #17: eight strncmp a byte were 1.7 % of an import's write stage). */
		bool may = *s == ' ' || *s == '"' || *s == '\'' || *s == '\xe3' || *s == '\xe2';
		for (size_t i = 0; may && i < sizeof(drop) / sizeof(drop[0]) && skip == 0; i++)
			if (strncmp(s, drop[i], strlen(drop[i])) == 0)
				skip = strlen(drop[i]);
		if (skip > 0) {
			s += skip;
			continue;
		}
		if (n + 1 >= size)
			break;
		out[n++] = *s++;
	}
	out[n] = '\0';
}

static bool same_title(const char *a, const char *b)
{
	char x[512], y[512];

	plain(a, x, sizeof(x));
	plain(b, y, sizeof(y));
	return x[0] != '\0' && y[0] != '\0' && strcmp(x, y) == 0;
}

static bool typed(const json_t *o)
{
	const char *t = audit_str(o, "type");
	return t != NULL && strcmp(t, "other") != 0;
}

/* An untyped entry names a table when its title ends in 表 and it heads no tables: the entry
 * after it is not a typed one (五、部门预算表 is followed by its tables 1..9). */
static bool untyped_table_entry(const json_t *contents, size_t i)
{
	const json_t *e = json_array_get(contents, i);
	const char *t = audit_str(e, "title");
	size_t n = t != NULL ? strlen(t) : 0;

	if (typed(e) || n < 3 || strcmp(t + n - 3, "表") != 0)
		return false;
	return !typed(json_array_get(contents, i + 1));
}

static void contents_entry_quote(const json_t *e, char *buf, size_t size)
{
	const char *num = audit_str(e, "number");
	snprintf(buf, size, "%s%s%s", num != NULL ? num : "",
	         num != NULL && num[0] >= '0' && num[0] <= '9' ? "." : (num != NULL ? "、" : ""),
	         audit_str(e, "title") ? audit_str(e, "title") : "");
}

static void contents_tables(struct audit_ctx *c)
{
	const json_t *contents = json_object_get(c->doc, "contents");
	const json_t *tables = json_object_get(c->doc, "tables");
	size_t i, k, listed = 0;
	json_t *e, *t;

	if (json_array_size(contents) == 0)
		return;
	json_array_foreach (contents, i, e) {
		bool table = typed(e), found = false;
		if (!table && !untyped_table_entry(contents, i))
			continue;
		listed++;
		json_array_foreach (tables, k, t)
			if (table ? (audit_str(t, "type") != NULL &&
			             strcmp(audit_str(t, "type"), audit_str(e, "type")) == 0)
			          : same_title(audit_str(t, "title"), audit_str(e, "title")))
				found = true;
		if (found)
			continue;
		struct audit_place p = AUDIT_PLACE_INIT;
		char q[600], zh[700], en[700];
		contents_entry_quote(e, q, sizeof(q));
		p.section_title = "目录";
		p.quote = q;
		snprintf(zh, sizeof(zh), "目录列出“%s”，正文中没有这张表", q);
		snprintf(en, sizeof(en),
		         "The table of contents lists \"%s\"; the document prints no such table",
		         q);
		audit_add(c, "D08", &p, zh, en, false, 0, 0, NULL);
	}
	/* a 目录 that lists no table (only 五、部门预算表) omits none */
	if (listed == 0)
		return;
	json_array_foreach (tables, k, t) {
		bool found = false;
		json_array_foreach (contents, i, e)
			if (typed(t) ? (typed(e) &&
			                strcmp(audit_str(t, "type"), audit_str(e, "type")) == 0)
			             : same_title(audit_str(t, "title"), audit_str(e, "title")))
				found = true;
		if (found)
			continue;
		struct where w = { t, -1 };
		char tl[32], zh[256], en[256];
		audit_table_label(t, tl, sizeof(tl));
		snprintf(zh, sizeof(zh), "%s印在正文中，目录没有列出", tl);
		snprintf(en, sizeof(en),
		         "Table %d is printed but the table of contents does not list it",
		         audit_table_position(t));
		quote_finding(c, "D08", &w, audit_str(t, "title") ? audit_str(t, "title") : "", zh,
		              en);
	}
}

/* ---- D09: the department's name where it is printed ------------------------------------ */

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && strncmp(s + n - k, suffix, k) == 0;
}

/* A printed name agrees with the department's when it is the full name, the short name, or a
 * short form of it: a suffix (万里街道办事处 of 上海市普陀区人民政府万里街道办事处, the
 * name without its region) or a prefix of the full name, at least two characters long. */
static bool name_agrees(const json_t *dept, const char *name)
{
	const char *full = audit_str(dept, "name"), *sh = audit_str(dept, "short_name");
	size_t n = strlen(name), f = full != NULL ? strlen(full) : 0;

	if (full == NULL || n == 0)
		return true;
	if ((sh != NULL && strcmp(sh, name) == 0) || strcmp(full, name) == 0)
		return true;
	if (n < 6 || n > f)
		return false;
	return strncmp(full, name, n) == 0 || strcmp(full + f - n, name) == 0;
}

/* The name a heading gives before 主要职能, 机构设置, 概况 (and a （部门）/（单位） mark);
 * "" when the heading names none. 概况 only in a part heading (第一部分 …概况): a project's
 * 项目概况 names no department. */
static void heading_name(const char *heading, bool part, char *out, size_t size)
{
	static const char *const tails[] = { "主要职能", "机构设置", "概况", "部门决算单位构成",
		                             "单位构成" };
	static const char *const marks[] = { "（部门）", "（单位）", "(部门)", "(单位)" };
	char h[512];
	size_t n;

	out[0] = '\0';
	plain(heading, h, sizeof(h));
	n = strlen(h);
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++)
		if (ends_with(h, n, tails[i]) && (part || strcmp(tails[i], "概况") != 0)) {
			n -= strlen(tails[i]);
			for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
				if (ends_with(h, n, marks[k]))
					n -= strlen(marks[k]);
			/* 部门主要职能, 单位机构设置: the generic words, no name */
			if (n == 0 ||
			    (n == 6 && (strncmp(h, "部门", 6) == 0 || strncmp(h, "单位", 6) == 0)))
				return;
			snprintf(out, size, "%.*s", (int)n, h);
			return;
		}
}

static void name_finding(struct audit_ctx *c, const struct where *w, const char *printed,
                         const char *quote, const char *what_zh, const char *what_en)
{
	const char *full = audit_str(json_object_get(c->doc, "department"), "name");
	char zh[700], en[700];

	snprintf(zh, sizeof(zh), "%s印的部门名称“%s”与部门名称“%s”不一致", what_zh, printed, full);
	snprintf(en, sizeof(en), "%s prints the name \"%s\"; the department is \"%s\"", what_en,
	         printed, full);
	quote_finding(c, "D09", w, quote, zh, en);
}

static void department_names(struct audit_ctx *c)
{
	const json_t *dept = json_object_get(c->doc, "department");
	const json_t *overview = json_object_get(c->doc, "overview");
	size_t i;
	json_t *t, *h, *sec;
	char name[512];

	if (audit_str(dept, "name") == NULL)
		return;
	const json_t *tables = json_object_get(c->doc, "tables");
	json_array_foreach (tables, i, t) {
		struct where w = { t, -1 };
		char tl[64], en[64];
		if (audit_str(t, "preparer") == NULL)
			continue;
		plain(audit_str(t, "preparer"), name, sizeof(name));
		if (name_agrees(dept, name))
			continue;
		audit_table_label(t, tl, sizeof(tl));
		snprintf(en, sizeof(en), "Table %d's 编制部门", audit_table_position(t));
		strncat(tl, "的编制部门", sizeof(tl) - strlen(tl) - 1);
		name_finding(c, &w, name, audit_str(t, "preparer"), tl, en);
	}
	const json_t *heads = json_object_get(overview, "headings");
	json_array_foreach (heads, i, h) {
		struct where w = { NULL, -1 };
		heading_name(json_string_value(h), false, name, sizeof(name));
		if (name[0] == '\0' || name_agrees(dept, name))
			continue;
		name_finding(c, &w, name, json_string_value(h), "标题", "A heading");
	}
	const json_t *secs = json_object_get(c->doc, "explanations");
	json_array_foreach (secs, i, sec) {
		struct where w = { NULL, (int)i };
		const char *num = audit_str(sec, "number");
		heading_name(audit_str(sec, "title"), num != NULL && strncmp(num, "第", 3) == 0,
		             name, sizeof(name));
		if (name[0] == '\0' || name_agrees(dept, name))
			continue;
		name_finding(c, &w, name, audit_str(sec, "title"), "标题", "A heading");
	}
}

void audit_document(struct audit_ctx *c)
{
	struct where w = { NULL, -1 };
	size_t i, j;
	json_t *t, *sec, *para, *proj;

	heading_years(c, &w, audit_str(c->doc, "title"));
	scan_text(c, &w, audit_str(c->doc, "title"));
	scan_text(c, &w, audit_str(json_object_get(c->doc, "department"), "name"));
	const json_t *tables = json_object_get(c->doc, "tables");
	json_array_foreach (tables, i, t) {
		struct where wt = { t, -1 };
		heading_years(c, &wt, audit_str(t, "title"));
		scan_text(c, &wt, audit_str(t, "title"));
		scan_text(c, &wt, audit_str(t, "note"));
		empty_table(c, t);
	}
	const json_t *secs = json_object_get(c->doc, "explanations");
	json_array_foreach (secs, i, sec) {
		struct where ws = { NULL, (int)i };
		heading_years(c, &ws, audit_str(sec, "title"));
		scan_text(c, &ws, audit_str(sec, "title"));
		const json_t *paras = json_object_get(sec, "paragraphs");
		json_array_foreach (paras, j, para)
			scan_text(c, &ws, json_string_value(para));
	}
	title_years(c);
	glossary_level(c);
	contents_tables(c);
	department_names(c);
	const json_t *projs = json_object_get(c->doc, "projects");
	json_array_foreach (projs, i, proj)
		scan_text(c, &w, audit_str(proj, "name"));
}
