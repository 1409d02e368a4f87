// SPDX-License-Identifier: MIT
// Sections: the text no table used, read in page order into headings and paragraphs, then
// placed: 主要职能 -> overview.functions, 机构设置/单位构成 -> overview.organization, 名词解释 ->
// glossary, every other heading -> an explanation section. A paragraph starts where a line is
// indented; a heading is a short line centred on the page, a 第N部分 line, or a numbered line
// (一、 （一）) without sentence punctuation.
#include "layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tline {
	int page; /* 0-based */
	const struct ing_line *l;
	char *text; /* squeezed */
	bool indent;
};

struct sections {
	struct ing_section *v;
	size_t n, cap;
};

static const char numerals[] = "一二三四五六七八九十";

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Length of a Chinese numeral (一..九十九) at s, in bytes. */
static size_t numeral_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && strlen(s + n) >= 3) {
		char ch[4] = { s[n], s[n + 1], s[n + 2], 0 };

		if (strstr(numerals, ch) == NULL)
			break;
		n += 3;
	}
	return n;
}

/* The number of a numbered heading: "一、" -> "一", "（三）" -> "（三）"; its length in *len. */
static bool numbered(const char *s, char *number, size_t size, size_t *len)
{
	size_t k;

	if ((k = numeral_len(s)) > 0 && starts_with(s + k, "、")) {
		snprintf(number, size, "%.*s", (int)k, s);
		*len = k + strlen("、");
		return true;
	}
	if (starts_with(s, "（") && (k = numeral_len(s + 3)) > 0 && starts_with(s + 3 + k, "）")) {
		snprintf(number, size, "%.*s", (int)(k + 6), s);
		*len = k + 6;
		return true;
	}
	return false;
}

static bool part_heading(const char *s)
{
	return starts_with(s, "第") && strstr(s, "部分") != NULL && strlen(s) < 150;
}

/* A sentence: has 。 or ， or a ： before its end. */
static bool sentence(const char *s)
{
	const char *colon = strstr(s, "：");

	return strstr(s, "。") != NULL || strstr(s, "，") != NULL || strstr(s, "；") != NULL ||
	       (colon != NULL && colon[3] != '\0');
}

/* The text block of pages as wide as one page: leftmost start and rightmost end of lines. */
struct margins {
	double left, right;
};

/* A heading line: centred in the text block, well inside it on both sides (the first line of
 * a paragraph is indented but runs to the right margin). */
static bool centred(const struct ing_line *l, const struct margins *m)
{
	double c = (l->x0 + l->x1) / 2, h = l->y1 - l->y0, w = m->right - m->left;

	return fabs(c - (m->left + m->right) / 2) < w * 0.12 && l->x0 > m->left + 2 * h &&
	       l->x1 < m->right - 2 * h;
}

static bool is_heading(const struct tline *tl, const struct margins *m)
{
	char num[32];
	size_t k;

	if (part_heading(tl->text))
		return true;
	if (sentence(tl->text) || strlen(tl->text) > 120)
		return false;
	if (numbered(tl->text, num, sizeof(num), &k))
		return true;
	return centred(tl->l, m);
}

/* ---- Gathering the lines ---- */

static bool long_line(const char *s)
{
	return strlen(s) > 120 || strstr(s, "。") != NULL;
}

/* Pages of the cover and the table of contents (目录): up to the 目录 page and the pages
 * after it that hold no sentence. Without a 目录 in the first three pages, the cover page. */
static size_t first_text_page(const struct ingest_text *t)
{
	size_t toc = 0, p;
	bool found = false;

	for (p = 0; p < t->n_pages && p < 3 && !found; p++)
		for (size_t i = 0; i < t->pages[p].n_lines && !found; i++) {
			char *s = ing_line_text(t->pages[p].lines[i].words, t->pages[p].lines[i].n);
			char q[64];

			if (s != NULL) {
				ing_squeeze(s, q, sizeof(q));
				if (strcmp(q, "目录") == 0) {
					found = true;
					toc = p;
				}
			}
			free(s);
		}
	if (!found)
		return 1;
	for (p = toc + 1; p < t->n_pages; p++) {
		bool prose = false;

		for (size_t i = 0; i < t->pages[p].n_lines && !prose; i++) {
			char *s = ing_line_text(t->pages[p].lines[i].words, t->pages[p].lines[i].n);

			prose = s != NULL && long_line(s);
			free(s);
		}
		if (prose)
			break;
	}
	return p;
}

/* The text block of pages as wide as page p, from the lines no table used on any of them
 * (a page with one stray centred line has no margins of its own). */
static struct margins page_margins(const struct ingest_text *t, bool **used, size_t p)
{
	struct margins m = { INFINITY, -INFINITY };

	for (size_t q = 0; q < t->n_pages; q++) {
		if (fabs(t->pages[q].width - t->pages[p].width) > 1)
			continue;
		for (size_t i = 0; i < t->pages[q].n_lines; i++)
			if (!used[q][i]) {
				m.left = fmin(m.left, t->pages[q].lines[i].x0);
				m.right = fmax(m.right, t->pages[q].lines[i].x1);
			}
	}
	return m;
}

/* ---- Building sections ---- */

static struct ing_section *section_add(struct sections *s)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		struct ing_section *p = realloc(s->v, ncap * sizeof(*p));

		if (p == NULL)
			return NULL;
		s->v = p;
		s->cap = ncap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

static int span_add(struct ing_para *p, const struct tline *tl, size_t at)
{
	struct ing_span *v = realloc(p->spans, (p->n_spans + 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	p->spans = v;
	v[p->n_spans++] = (struct ing_span){ .page = tl->page, .l = tl->l, .at = at };
	return 0;
}

static int para_add(struct ing_section *sec, const struct tline *tl, bool join)
{
	const char *text = tl->text;

	if (join && sec->n > 0) {
		struct ing_para *p = &sec->p[sec->n - 1];
		size_t at = strlen(p->text);
		char *m = malloc(at + strlen(text) + 1);

		if (m == NULL)
			return -1;
		strcpy(m, p->text);
		strcat(m, text);
		free(p->text);
		p->text = m;
		return span_add(p, tl, at);
	}
	if (sec->n == sec->cap) {
		size_t ncap = sec->cap ? sec->cap * 2 : 8;
		struct ing_para *p = realloc(sec->p, ncap * sizeof(*p));

		if (p == NULL)
			return -1;
		sec->p = p;
		sec->cap = ncap;
	}
	memset(&sec->p[sec->n], 0, sizeof(sec->p[0]));
	if ((sec->p[sec->n].text = strdup(text)) == NULL)
		return -1;
	sec->n++;
	return span_add(&sec->p[sec->n - 1], tl, 0);
}

/* The first n bytes of s into out (size bytes), cut at a character if they do not fit: a
 * heading longer than its field keeps whole characters (snprintf would cut UTF-8 anywhere). */
static void copy_text(char *out, size_t size, const char *s, size_t n)
{
	if (n > size - 1) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* s[n], the first byte left out, continues a character */
	}
	memcpy(out, s, n);
	out[n] = '\0';
}

static void heading_of(struct ing_section *sec, const struct tline *tl)
{
	size_t k = 0;

	sec->page = tl->page;
	sec->head = tl->l;
	if (!part_heading(tl->text) && numbered(tl->text, sec->number, sizeof(sec->number), &k)) {
		copy_text(sec->title, sizeof(sec->title), tl->text + k, strlen(tl->text + k));
		return;
	}
	if (part_heading(tl->text)) {
		const char *p = strstr(tl->text, "部分") + strlen("部分");

		copy_text(sec->number, sizeof(sec->number), tl->text, (size_t)(p - tl->text));
		copy_text(sec->title, sizeof(sec->title), p, strlen(p));
		return;
	}
	copy_text(sec->title, sizeof(sec->title), tl->text, strlen(tl->text));
}

/* A page number: a lone number (or - 3 -) in the top or bottom band of the page. */
static bool page_number(const struct ing_page *pg, const struct ing_line *l, const char *sq)
{
	return l->n <= 3 && strspn(sq, "0123456789-—") == strlen(sq) &&
	       (l->y0 > pg->height * 0.9 || l->y1 < pg->height * 0.08);
}

static int read_sections(const struct ingest_text *t, bool **used, struct sections *out)
{
	struct ing_section *cur = NULL;
	bool last_heading = false;

	for (size_t p = first_text_page(t); p < t->n_pages; p++) {
		const struct ing_page *pg = &t->pages[p];
		struct margins m = page_margins(t, used, p);

		for (size_t i = 0; i < pg->n_lines; i++) {
			const struct ing_line *l = &pg->lines[i];
			char *s, sq[2048];
			struct tline tl = { .page = (int)p, .l = l, .text = sq };

			if (used[p][i])
				continue;
			if ((s = ing_line_text(l->words, l->n)) == NULL)
				return -1;
			ing_squeeze(s, sq, sizeof(sq));
			free(s);
			if (sq[0] == '\0' || page_number(pg, l, sq))
				continue;
			tl.indent = l->x0 > m.left + 0.8 * (l->y1 - l->y0);
			if (is_heading(&tl, &m)) {
				/* a heading wrapped over two centred lines continues the last one */
				if (last_heading && cur != NULL && cur->n == 0 &&
				    !part_heading(sq) && centred(l, &m) && cur->head != NULL &&
				    cur->page == (int)p &&
				    l->y0 - cur->head->y1 < 2 * (l->y1 - l->y0) &&
				    (cur->number[0] == '\0' || starts_with(cur->number, "第"))) {
					size_t n = strlen(cur->title);
					snprintf(cur->title + n, sizeof(cur->title) - n, "%s", sq);
					continue;
				}
				if ((cur = section_add(out)) == NULL)
					return -1;
				heading_of(cur, &tl);
				last_heading = true;
				continue;
			}
			if (cur == NULL) {
				if ((cur = section_add(out)) == NULL)
					return -1;
				cur->page = (int)p;
			}
			if (para_add(cur, &tl, !tl.indent && !last_heading) != 0)
				return -1;
			last_heading = false;
		}
	}
	return 0;
}

/* ---- Placing them ---- */

static const struct {
	const char *word, *key;
} section_keys[] = {
	{ "项目经费情况说明", "project" },
	{ "三公", "sangong" },
	{ "机关运行经费", "operating_costs" },
	{ "政府采购", "procurement" },
	{ "国有资产", "assets" },
	{ "绩效", "performance" },
	{ "收入支出决算总体", "overall" },
	{ "编制说明", "overall" },
	{ "财政拨款收入支出决算总体", "fiscal_overall" },
	{ "一般公共预算财政拨款基本支出", "general_basic" },
	{ "一般公共预算财政拨款支出", "general_budget" },
	{ "政府性基金", "fund_budget" },
	{ "国有资本经营", "state_capital" },
	{ "收入决算", "income" },
	{ "支出决算", "expenditure" },
	{ "其他重要事项", "other" },
	{ "其他相关情况", "other" },
	{ NULL, NULL },
};

/* A key for the section, unique among keys (json object of used keys). */
static void section_key(const struct ing_section *sec, size_t index, json_t *seen, char *key,
                        size_t size)
{
	const char *base = NULL;

	for (size_t i = 0; section_keys[i].word != NULL && base == NULL; i++)
		if (strstr(sec->title, section_keys[i].word) != NULL)
			base = section_keys[i].key;
	if (base == NULL)
		snprintf(key, size, "section_%zu", index + 1);
	else
		snprintf(key, size, "%s", base);
	for (int k = 2; json_object_get(seen, key) != NULL; k++) {
		if (base == NULL)
			snprintf(key, size, "section_%zu_%d", index + 1, k);
		else
			snprintf(key, size, "%s_%d", base, k);
	}
	json_object_set_new(seen, key, json_true());
}

/* "1." "1、" "（1）" at the start of a function item, in bytes. */
static size_t item_number(const char *s)
{
	size_t n = strspn(s, "0123456789"), k;
	char num[32];

	if (n > 0 && (s[n] == '.' || starts_with(s + n, "．") || starts_with(s + n, "、")))
		return n + (s[n] == '.' ? 1 : 3);
	if (starts_with(s, "（") && (n = strspn(s + 3, "0123456789")) > 0 &&
	    starts_with(s + 3 + n, "）"))
		return n + 6;
	if (numbered(s, num, sizeof(num), &k))
		return k;
	return 0;
}

/* The heading of a 主要职能 or 机构设置 part as printed: it names the department. */
static void heading_to(json_t *overview, const char *title)
{
	json_t *h = json_object_get(overview, "headings");

	if (h == NULL) {
		h = json_array();
		json_object_set_new(overview, "headings", h);
	}
	json_array_append_new(h, json_string(title));
}

static void functions_from(const struct ing_section *sec, json_t *overview)
{
	json_t *f = json_object_get(overview, "functions");

	if (f == NULL) {
		f = json_array();
		json_object_set_new(overview, "functions", f);
	}
	for (size_t i = 0; i < sec->n; i++)
		json_array_append_new(f, json_string(sec->p[i].text + item_number(sec->p[i].text)));
}

/* "行政单位1家" -> 1 (the first place the words are followed by a count); -1 if none. */
static long count_of(const char *text, const char *what)
{
	for (const char *p = strstr(text, what); p != NULL; p = strstr(p + 1, what)) {
		const char *q = p + strlen(what);

		if (*q >= '0' && *q <= '9' && starts_with(q + strspn(q, "0123456789"), "家"))
			return strtol(q, NULL, 10);
	}
	return -1;
}

/* 单位构成 listed one unit a line ("1.上海市…中心。" or, under 序号 单位名称, "2上海市…中心"):
 * organization.units, only when every item is a plain name. */
static void units_from(const struct ing_section *sec, json_t *o)
{
	json_t *units = json_array();
	bool clean = true;

	for (size_t i = 0; i < sec->n && clean; i++) {
		const char *s = sec->p[i].text;
		size_t k = strspn(s, "0123456789"), end = strlen(s);
		json_t *u;

		if (k == 0 || k > 3)
			continue; /* not an item */
		if (s[k] == '.')
			k++;
		else if (starts_with(s + k, "．") || starts_with(s + k, "、"))
			k += 3;
		if (end >= k + 3 && strcmp(s + end - 3, "。") == 0)
			end -= 3;
		if (end <= k || memmem(s + k, end - k, "，", 3) != NULL ||
		    memmem(s + k, end - k, "。", 3) != NULL) {
			clean = false; /* a sentence, not a name */
			break;
		}
		u = json_object();
		json_object_set_new(u, "name", json_stringn(s + k, end - k));
		json_array_append_new(units, u);
	}
	if (clean && json_array_size(units) > 0)
		json_object_set(o, "units", units);
	json_decref(units);
}

static void organization_from(const struct ing_section *sec, json_t *overview)
{
	json_t *o = json_object_get(overview, "organization");
	size_t len = 1;
	char *text;
	long n;

	if (o == NULL) {
		o = json_object();
		json_object_set_new(overview, "organization", o);
	}
	if (json_object_get(o, "text") != NULL)
		len += strlen(json_string_value(json_object_get(o, "text"))) + 1;
	for (size_t i = 0; i < sec->n; i++)
		len += strlen(sec->p[i].text) + 1;
	if ((text = calloc(1, len)) == NULL)
		return;
	if (json_object_get(o, "text") != NULL)
		strcat(text, json_string_value(json_object_get(o, "text")));
	for (size_t i = 0; i < sec->n; i++) {
		if (text[0] != '\0')
			strcat(text, "\n");
		strcat(text, sec->p[i].text);
	}
	json_object_set_new(o, "text", json_string(text));
	if ((n = count_of(text, "行政单位")) >= 0)
		json_object_set_new(o, "administrative_units", json_integer(n));
	if ((n = count_of(text, "事业单位")) >= 0)
		json_object_set_new(o, "institutional_units", json_integer(n));
	free(text);
	units_from(sec, o);
}

/* 名词解释 items: "（一）财政拨款收入：是…" -> number 一, term, definition. */
static void glossary_from(const struct ingest_options *opt, const struct ing_section *sec,
                          json_t *glossary)
{
	for (size_t i = 0; i < sec->n; i++) {
		const char *s = sec->p[i].text, *colon;
		char num[32], term[256];
		size_t k;
		json_t *g;

		if (!numbered(s, num, sizeof(num), &k) || (colon = strstr(s + k, "：")) == NULL ||
		    colon - (s + k) > 120) {
			if (opt != NULL && opt->report != NULL)
				opt->report(opt->ctx, sec->page + 1, "glossary text without a term",
				            s);
			continue;
		}
		if (starts_with(num, "（"))
			snprintf(num, sizeof(num), "%.*s", (int)(strlen(num) - 6), s + 3);
		snprintf(term, sizeof(term), "%.*s", (int)(colon - (s + k)), s + k);
		g = json_object();
		json_object_set_new(g, "number", json_string(num));
		json_object_set_new(g, "term", json_string(term));
		json_object_set_new(g, "definition", json_string(colon + strlen("：")));
		json_array_append_new(glossary, g);
	}
}

static json_t *explanation(const struct ing_section *sec, size_t index, json_t *seen, json_t *doc,
                           const struct ingest_options *opt)
{
	json_t *e = json_object(), *paras = json_array(), *figs;
	char key[64];

	section_key(sec, index, seen, key, sizeof(key));
	json_object_set_new(e, "key", json_string(key));
	if (sec->number[0] != '\0')
		json_object_set_new(e, "number", json_string(sec->number));
	json_object_set_new(e, "title", json_string(sec->title));
	for (size_t i = 0; i < sec->n; i++)
		json_array_append_new(paras, json_string(sec->p[i].text));
	if (sec->n > 0)
		json_object_set_new(e, "paragraphs", paras);
	else
		json_decref(paras);
	if ((figs = ing_figures(sec, doc, opt)) != NULL && json_array_size(figs) > 0)
		json_object_set(e, "figures", figs);
	json_decref(figs);
	json_object_set_new(e, "page", json_integer(sec->page + 1));
	if (sec->head != NULL)
		json_object_set_new(e, "box",
		                    ing_box(sec->page + 1, sec->head->x0, sec->head->y0,
		                            sec->head->x1, sec->head->y1));
	return e;
}

/* Which part of the document a section belongs to, from its title or its part's. */
enum place {
	EXPLAIN,
	FUNCTIONS,
	ORGANIZATION,
	GLOSSARY
};

static enum place place_of(const struct ing_section *sec, enum place part)
{
	if (strstr(sec->title, "名词解释") != NULL)
		return GLOSSARY;
	if (strstr(sec->title, "职能") != NULL)
		return FUNCTIONS;
	if (strstr(sec->title, "机构设置") != NULL || strstr(sec->title, "单位构成") != NULL)
		return ORGANIZATION;
	return part == GLOSSARY ? GLOSSARY : EXPLAIN;
}

static void place_all(const struct sections *s, const struct ingest_options *opt, json_t *doc)
{
	json_t *overview = json_object(), *glossary = json_array(), *expl = json_array();
	json_t *seen = json_object();
	enum place part = EXPLAIN;

	for (size_t i = 0; i < s->n; i++) {
		const struct ing_section *sec = &s->v[i];
		enum place pl = place_of(sec, part);

		if (starts_with(sec->number, "第"))
			part = pl;
		if (sec->head == NULL && opt != NULL && opt->report != NULL)
			for (size_t k = 0; k < sec->n; k++)
				opt->report(opt->ctx, sec->page + 1,
				            "text before any heading, kept as a section",
				            sec->p[k].text);
		if ((pl == FUNCTIONS || pl == ORGANIZATION) && sec->n > 0 && sec->title[0] != '\0')
			heading_to(overview, sec->title);
		if (pl == FUNCTIONS && sec->n > 0)
			functions_from(sec, overview);
		else if (pl == ORGANIZATION && sec->n > 0)
			organization_from(sec, overview);
		else if (pl == GLOSSARY && sec->n > 0)
			glossary_from(opt, sec, glossary);
		else if (pl == EXPLAIN && !sec->taken && (sec->n > 0 || sec->head != NULL))
			json_array_append_new(
			    expl, explanation(sec, json_array_size(expl), seen, doc, opt));
	}
	json_decref(seen);
	if (json_object_size(overview) > 0)
		json_object_set(doc, "overview", overview);
	if (json_array_size(glossary) > 0)
		json_object_set(doc, "glossary", glossary);
	if (json_array_size(expl) > 0)
		json_object_set(doc, "explanations", expl);
	json_decref(overview);
	json_decref(glossary);
	json_decref(expl);
}

void ing_sections(const struct ingest_text *text, const struct ingest_options *opt, json_t *doc,
                  bool **used)
{
	struct sections s = { 0 };

	if (read_sections(text, used, &s) == 0) {
		ing_objects(s.v, s.n, opt, doc);
		place_all(&s, opt, doc);
	}
	for (size_t i = 0; i < s.n; i++) {
		for (size_t k = 0; k < s.v[i].n; k++) {
			free(s.v[i].p[k].text);
			free(s.v[i].p[k].spans);
		}
		free(s.v[i].p);
	}
	free(s.v);
}
