// SPDX-License-Identifier: MIT
// The figures an explanation's text states: each amount (万元), change (增加/减少 N万元,
// 增长/下降 N%) and share (占 N%) with its label, the codes of a named 科目, and where it was
// printed (ing_para_box: the union of the parts of poppler's words that print it).
#include "layout.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool ends_with(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && memcmp(s + n - k, p, k) == 0;
}

static size_t utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* ---- Where bytes of a paragraph were printed ---- */

static bool squeezed_away(const char *s)
{
	return *s == ' ' || *s == '\t' || starts_with(s, "\xe3\x80\x80");
}

/* Adds to box the part of word w printing the bytes of [a, b) that fall in it; *pos is the
 * paragraph offset of the word's first printed byte, moved past the word. */
static void word_part(const struct ing_word *w, size_t *pos, size_t a, size_t b, double box[4],
                      bool *any)
{
	double em = 0, x = 0, scale;

	for (const char *c = w->text; *c != '\0'; c += utf8_len((unsigned char)*c))
		em += squeezed_away(c) ? 0 : (unsigned char)*c < 0x80 ? 0.5 : 1;
	scale = em > 0 ? (w->x1 - w->x0) / em : 0;
	for (const char *c = w->text; *c != '\0'; c += utf8_len((unsigned char)*c)) {
		double cw;

		if (squeezed_away(c))
			continue;
		cw = (unsigned char)*c < 0x80 ? 0.5 : 1;
		if (*pos >= a && *pos < b) {
			box[0] = fmin(box[0], w->x0 + x * scale);
			box[2] = fmax(box[2], w->x0 + (x + cw) * scale);
			box[1] = fmin(box[1], w->y0);
			box[3] = fmax(box[3], w->y1);
			*any = true;
		}
		x += cw;
		*pos += utf8_len((unsigned char)*c);
	}
}

json_t *ing_para_box(const struct ing_para *p, size_t a, size_t b)
{
	double box[4] = { INFINITY, INFINITY, -INFINITY, -INFINITY };
	bool any = false;
	int page = -1;

	for (size_t i = 0; i < p->n_spans; i++) {
		const struct ing_span *sp = &p->spans[i];
		size_t end = i + 1 < p->n_spans ? p->spans[i + 1].at : strlen(p->text),
		       pos = sp->at;

		if (end <= a || sp->at >= b)
			continue;
		page = sp->page;
		for (size_t k = 0; k < sp->l->n; k++)
			word_part(&sp->l->words[k], &pos, a, b, box, &any);
		if (any)
			break; /* a figure broken over two lines: the part on its first line */
	}
	return any ? ing_box(page + 1, box[0], box[1], box[2], box[3]) : NULL;
}

/* ---- Numbers in text ---- */

size_t ing_number_len(const char *s)
{
	size_t n = 0;

	if (*s < '0' || *s > '9')
		return 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	while (s[n] == ',' && strspn(s + n + 1, "0123456789") == 3 &&
	       !(s[n + 4] >= '0' && s[n + 4] <= '9'))
		n += 4;
	if (s[n] == '.' && s[n + 1] >= '0' && s[n + 1] <= '9') {
		n++;
		while (s[n] >= '0' && s[n] <= '9')
			n++;
	}
	return n;
}

const char *ing_money_unit(const char *s)
{
	if (starts_with(s, "万元"))
		return "万元";
	if (starts_with(s, "万") && !starts_with(s, "万人") && !starts_with(s, "万平"))
		return "万";
	if (starts_with(s, "元"))
		return "元";
	if (starts_with(s, "%") || starts_with(s, "％"))
		return starts_with(s, "%") ? "%" : "％";
	return NULL;
}

void ing_signed(const char *num, size_t n, bool negative, char *out, size_t size)
{
	bool zero = strspn(num, "0.,") >= n;

	snprintf(out, size, "%s%.*s", negative && !zero ? "-" : "", (int)n, num);
}

/* ---- Labels ---- */

static const char *const delims[] = { "，", "；", "。", "：", "、", ",", ";", ":", NULL };

/* Start of the clause that ends at byte `at`: after the last delimiter. */
static size_t clause_start(const char *t, size_t at)
{
	size_t start = 0;

	for (size_t i = 0; i < at; i += utf8_len((unsigned char)t[i]))
		for (size_t k = 0; delims[k] != NULL; k++)
			if (starts_with(t + i, delims[k]) && i + strlen(delims[k]) <= at)
				start = i + strlen(delims[k]);
	return start;
}

/* "1." "1、" "（一）" "（1）" at s, in bytes. */
static size_t numbering(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n > 0 && (s[n] == '.' || starts_with(s + n, "、") || starts_with(s + n, "．")))
		return n + (s[n] == '.' ? 1 : 3);
	if (starts_with(s, "（")) {
		const char *e = strstr(s, "）");

		if (e != NULL && e - s <= 3 + 9)
			return (size_t)(e - s) + 3;
	}
	return 0;
}

static const char *const verbs[] = { "增加", "增长", "减少", "下降", "上升", "降低", NULL };
static const char *const tails[] = { "为", "是", "共计", "科目", "的", "合计", NULL };

/* The label of a figure printed after [s, s+n): the quoted 科目, else the clause without its
 * numbering, year, the department's name, a verb and filler words. */
static void label_of(const char *s, size_t n, const char *dept, char *out, size_t size)
{
	const char *q0 = memmem(s, n, "“", 3), *q1;
	char buf[1024];
	bool again = true;

	/* “科目”1.00万元 or “科目”科目1.00万元: the 科目 */
	if (q0 != NULL && (q1 = memmem(q0 + 3, n - (size_t)(q0 + 3 - s), "”", 3)) != NULL &&
	    (q1 + 3 == s + n ||
	     (q1 + 3 + strlen("科目") == s + n && starts_with(q1 + 3, "科目")))) {
		snprintf(out, size, "%.*s", (int)(q1 - q0 - 3), q0 + 3);
		return;
	}
	if (n > 0 && numbering(s) > 0 && numbering(s) <= n) {
		size_t k = numbering(s);
		s += k, n -= k;
	}
	if (dept != NULL && dept[0] != '\0') {
		/* 上海市…委员会收入预算, 2025年上海市…委员会财政拨款的…: without the name */
		size_t y = strspn(s, "0123456789") == 4 && starts_with(s + 4, "年")
		               ? 7 + (starts_with(s + 7, "度") ? 3 : 0)
		               : 0;
		const char *d = s + y;

		if (n > y + strlen(dept) && n < sizeof(buf) &&
		    strncmp(d, dept, strlen(dept)) == 0) {
			snprintf(buf, sizeof(buf), "%.*s%.*s", (int)y, s,
			         (int)(n - y - strlen(dept)), d + strlen(dept));
			n = strlen(buf);
			s = buf;
		}
	}
	while (again) {
		again = false;
		for (size_t k = 0; verbs[k] != NULL; k++)
			if (ends_with(s, n, verbs[k]))
				n -= strlen(verbs[k]), again = true;
		for (size_t k = 0; tails[k] != NULL; k++)
			if (ends_with(s, n, tails[k]) && n > strlen(tails[k]))
				n -= strlen(tails[k]), again = true;
	}
	snprintf(out, size, "%.*s", (int)n, s);
}

/* ---- Codes of a named 科目 ---- */

/* "一般公共服务支出（类）商贸事务（款）行政运行（项）" or "A-B-C" into up to three names. */
static size_t split_names(const char *label, char names[3][256])
{
	static const char *const marks[] = { "（类）", "（类)", "（款）", "（款)", "（项）",
		                             "（项)",  "(类)",  "(款)",   "(项)",  NULL };
	size_t n = 0;
	const char *p = label;

	while (*p != '\0' && n < 3) {
		const char *best = NULL, *m = NULL;

		for (size_t k = 0; marks[k] != NULL; k++) {
			const char *f = strstr(p, marks[k]);
			if (f != NULL && (best == NULL || f < best))
				best = f, m = marks[k];
		}
		if (best == NULL) {
			const char *dash = strchr(p, '-');
			if (dash == NULL && n == 0)
				return 0;
			best = dash != NULL ? dash : p + strlen(p);
			m = dash != NULL ? "-" : "";
		}
		snprintf(names[n++], 256, "%.*s", (int)(best - p), p);
		p = best + strlen(m);
	}
	return *p == '\0' ? n : 0;
}

static bool same_name(const char *a, const char *b)
{
	char x[512], y[512];
	size_t i = 0, j = 0;

	/* brackets are printed half or full width at random: compare without them */
	for (const char *p = a; *p != '\0' && i + 4 < sizeof(x); p += utf8_len((unsigned char)*p))
		if (!starts_with(p, "（") && !starts_with(p, "）") && *p != '(' && *p != ')')
			for (size_t k = 0; k < utf8_len((unsigned char)*p); k++)
				x[i++] = p[k];
	for (const char *p = b; *p != '\0' && j + 4 < sizeof(y); p += utf8_len((unsigned char)*p))
		if (!starts_with(p, "（") && !starts_with(p, "）") && *p != '(' && *p != ')')
			for (size_t k = 0; k < utf8_len((unsigned char)*p); k++)
				y[j++] = p[k];
	x[i] = y[j] = '\0';
	return strcmp(x, y) == 0;
}

/* A row's codes as parts: ["201", "03"] or "20103" (3-2-2). Returns how many. */
static size_t code_parts(json_t *c, char parts[3][8])
{
	const char *s = json_string_value(c);
	size_t n = 0;

	if (json_is_array(c)) {
		for (; n < 3 && n < json_array_size(c); n++)
			snprintf(parts[n], 8, "%s", json_string_value(json_array_get(c, n)));
		return n;
	}
	if (s == NULL || (strlen(s) != 3 && strlen(s) != 5 && strlen(s) != 7))
		return 0;
	for (size_t at = 0; at < strlen(s); at += n == 1 ? 3 : 2)
		snprintf(parts[n++], 8, "%.*s", at == 0 ? 3 : 2, s + at);
	return n;
}

/* The codes of the row path names[0..n) in a function table of doc, or NULL. */
static json_t *codes_of(json_t *doc, const char *label)
{
	char names[3][256];
	size_t n = split_names(label, names), ti;
	json_t *t;

	if (n == 0)
		return NULL;
	json_array_foreach (json_object_get(doc, "tables"), ti, t) {
		const char *cl = json_string_value(json_object_get(t, "classification"));
		char code[3][8] = { "", "", "" };
		size_t depth = 0, ri;
		json_t *r;

		if (cl == NULL || strcmp(cl, "function") != 0)
			continue;
		json_array_foreach (json_object_get(t, "rows"), ri, r) {
			const char *name = json_string_value(json_object_get(r, "name"));
			char parts[3][8];
			size_t k = code_parts(json_object_get(r, "codes"), parts);
			bool under = true;

			if (depth >= n || k != depth + 1 || name == NULL ||
			    !same_name(name, names[depth]))
				continue;
			for (size_t d = 0; d < depth; d++)
				under = under && strcmp(parts[d], code[d]) == 0;
			if (!under)
				continue;
			snprintf(code[depth], sizeof(code[0]), "%s", parts[depth]);
			if (++depth == n) {
				json_t *c = json_array();
				for (size_t d = 0; d < n; d++)
					json_array_append_new(c, json_string(code[d]));
				return c;
			}
		}
	}
	return NULL;
}

/* ---- The figures ---- */

struct scan {
	const struct ing_section *sec;
	const struct ing_para *p;
	json_t *doc, *figs;
	const struct ingest_options *opt;
	const char *dept;
	json_t *cur; /* the figure of the current sentence, borrowed */
	json_t *last; /* the last figure of the paragraph, borrowed */
	size_t sentence; /* where the current sentence starts */
};

static void report(const struct scan *sc, const char *what, size_t a, size_t b)
{
	char text[512];

	if (sc->opt == NULL || sc->opt->report == NULL)
		return;
	snprintf(text, sizeof(text), "%.*s", (int)(b - a), sc->p->text + a);
	sc->opt->report(sc->opt->ctx, sc->sec->page + 1, what, text);
}

static json_t *figure_new(struct scan *sc, size_t cs, size_t a, size_t b, size_t verb_end)
{
	json_t *f = json_object(), *box, *codes;
	char label[512];

	/* 编报绩效目标的项目1个，涉及预算金额175.52万元: 涉及… says what with the clause before */
	if (starts_with(sc->p->text + cs, "涉及") && cs >= 3 &&
	    starts_with(sc->p->text + cs - 3, "，"))
		cs = clause_start(sc->p->text, cs - 3);
	label_of(sc->p->text + cs, verb_end - cs, sc->dept, label, sizeof(label));
	if (label[0] == '\0' || starts_with(label, "比") || starts_with(label, "与"))
		snprintf(label, sizeof(label), "%s", sc->sec->title);
	json_object_set_new(f, "label", json_string(label));
	if ((codes = codes_of(sc->doc, label)) != NULL)
		json_object_set_new(f, "codes", codes);
	if ((box = ing_para_box(sc->p, a, b)) != NULL)
		json_object_set_new(f, "box", box);
	json_array_append_new(sc->figs, f);
	sc->cur = sc->last = f;
	return f;
}

/* A sentence that compares the last one's figure: 与2023年度相比… 比2023年预算持平… */
static bool compares(const char *s)
{
	return starts_with(s, "与") || starts_with(s, "比");
}

/* A figure to hold a change or share: the sentence's, or (a sentence that starts 与…相比) the
 * paragraph's last, when that field is free; else a new one. */
static json_t *holder(struct scan *sc, const char *field, size_t cs, size_t a, size_t b, size_t pre)
{
	if (sc->cur != NULL && json_object_get(sc->cur, field) == NULL)
		return sc->cur;
	if (sc->cur == NULL && sc->last != NULL && json_object_get(sc->last, field) == NULL &&
	    compares(sc->p->text + sc->sentence))
		return sc->cur = sc->last;
	return figure_new(sc, cs, a, b, pre);
}

static int verb_sign(const char *t, size_t cs, size_t a, size_t *verb_at)
{
	for (size_t k = 0; verbs[k] != NULL; k++)
		if (ends_with(t + cs, a - cs, verbs[k])) {
			*verb_at = a - strlen(verbs[k]);
			return k >= 2 ? -1 : 1;
		}
	return 0;
}

/* One number at [a, a+n) followed by unit u. */
static void token(struct scan *sc, size_t a, size_t n, const char *u)
{
	const char *t = sc->p->text;
	size_t cs = clause_start(t, a), b = a + n + strlen(u), verb_at = a;
	int sign = verb_sign(t, cs, a, &verb_at);
	bool pct = strstr(u, "%") != NULL || strstr(u, "％") != NULL;
	char v[48];
	json_t *f;

	ing_signed(t + a, n, sign < 0, v, sizeof(v));
	if (!pct && strcmp(u, "元") == 0) {
		report(sc, "figure in 元 in a text in 万元, kept as text", cs, b);
	} else if (sign != 0) {
		const char *field = pct ? "change_percent" : "change";
		f = holder(sc, field, cs, a, b, verb_at);
		json_object_set_new(f, field, json_string(v));
	} else if (pct && (ends_with(t + cs, a - cs, "占") || memmem(t + cs, a - cs, "占", 3))) {
		f = holder(sc, "share", cs, a, b, a);
		json_object_set_new(f, "share", json_string(v));
	} else if (pct) {
		report(sc, "percentage not placed (not a share or a change), kept as text", cs, b);
	} else {
		f = figure_new(sc, cs, a, b, a);
		json_object_set_new(f, "amount", json_string(v));
	}
}

/* 与2024年预算持平 / 比2023年预算持平: change 0 for the sentence's figure. */
static void level_with(struct scan *sc, size_t at)
{
	const char *t = sc->p->text;
	size_t cs = clause_start(t, at);

	if (sc->cur == NULL && sc->last != NULL && compares(t + sc->sentence))
		sc->cur = sc->last;
	if (sc->cur == NULL || json_object_get(sc->cur, "change") != NULL ||
	    strcspn(t + cs, "0123456789") >= at - cs)
		return;
	json_object_set_new(sc->cur, "change", json_string("0"));
}

/* 主要原因是… / 主要用于… up to the end of the sentence, to the figure before it. */
static void attach_text(json_t *figs, const struct ing_para *p, const char *lead, const char *field,
                        const size_t *ends)
{
	const char *t = p->text;

	for (const char *s = strstr(t, lead); s != NULL; s = strstr(s + 1, lead)) {
		const char *v = s + strlen(lead), *e;
		json_t *f = NULL;

		if (starts_with(v, "是"))
			v += 3;
		if (starts_with(v, "：") || starts_with(v, ":"))
			v += starts_with(v, ":") ? 1 : 3;
		for (e = v; *e != '\0' && !starts_with(e, "。") && !starts_with(e, "；"); e++)
			;
		for (size_t i = json_array_size(figs); i-- > 0;)
			if (ends[i] <= (size_t)(s - t)) {
				f = json_array_get(figs, i);
				break;
			}
		/* 主要用于以下方面：A 1万元，B 2万元 lists figures, it says no detail */
		if (starts_with(v, "以下") || memmem(v, (size_t)(e - v), "：", 3) != NULL)
			continue;
		if (f != NULL && e > v && json_object_get(f, field) == NULL)
			json_object_set_new(f, field, json_stringn(v, (size_t)(e - v)));
	}
}

static void scan_para(struct scan *sc)
{
	const char *t = sc->p->text;
	size_t ends[512], nf = json_array_size(sc->figs), base = nf;

	sc->cur = sc->last = NULL;
	sc->sentence = 0;
	for (size_t i = 0; t[i] != '\0'; i += utf8_len((unsigned char)t[i])) {
		size_t n;
		const char *u;

		if (starts_with(t + i, "。")) {
			sc->cur = NULL;
			sc->sentence = i + 3;
		} else if (starts_with(t + i, "持平")) {
			level_with(sc, i);
		}
		if (i > 0 &&
		    ((t[i - 1] >= '0' && t[i - 1] <= '9') || t[i - 1] == '.' || t[i - 1] == ','))
			continue;
		if ((n = ing_number_len(t + i)) == 0 || (u = ing_money_unit(t + i + n)) == NULL)
			continue;
		if (starts_with(t + i + n + strlen(u), "（含）以上") ||
		    starts_with(t + i + n + strlen(u), "以上") ||
		    starts_with(t + i + n + strlen(u), "以下"))
			continue; /* a threshold (单价100万元以上), not a figure */
		token(sc, i, n, u);
		while (nf < json_array_size(sc->figs) && nf - base < 512)
			ends[nf++ - base] = i + n;
	}
	{
		json_t *mine = json_array();
		size_t k;

		for (k = base; k < json_array_size(sc->figs) && k - base < 512; k++)
			json_array_append(mine, json_array_get(sc->figs, k));
		attach_text(mine, sc->p, "主要原因", "reason", ends);
		attach_text(mine, sc->p, "主要用于", "detail", ends);
		attach_text(mine, sc->p, "主要包括", "detail", ends);
		json_decref(mine);
	}
}

json_t *ing_figures(const struct ing_section *sec, json_t *doc, const struct ingest_options *opt)
{
	struct scan sc = { .sec = sec, .doc = doc, .opt = opt, .figs = json_array() };

	sc.dept = json_string_value(json_object_get(json_object_get(doc, "department"), "name"));
	for (size_t i = 0; i < sec->n && sc.figs != NULL; i++) {
		sc.p = &sec->p[i];
		scan_para(&sc);
	}
	return sc.figs;
}
