// SPDX-License-Identifier: MIT
// The page's 情况说明 (glossary terms linked), 核对 (the audit's findings, each linking to its
// place: a table's row, a section, or the very sentence it quotes, marked <mark>) and 名词解释
// (#15). Ported from static/app.js's renderExplanations, renderAudit, markQuotes and
// renderGlossary, so the marks and links work without JavaScript.
#include "page.h"
#include "read_audit.h"

#include <stdlib.h>
#include <string.h>

/* A finding's quote marked in a paragraph of an explanation: bytes [start, end). */
struct mark {
	size_t exp, para, start, end;
	char id[32]; /* quote-N */
};

/* Where a finding points on the page and how its link names it. */
struct target {
	char href[96]; /* "" when it points nowhere on the page */
	char where[1024];
	const char *col; /* a row's column the page marks (data-col), or NULL */
};

/* One rendering's findings and quote marks. */
struct texts {
	struct api_page *p;
	const json_t *exps; /* the disclosure's explanations */
	json_t *findings; /* [{position, rule, severity, finding}], owned */
	struct target *targets; /* one per finding */
	struct mark *marks;
	size_t n_marks;
};

/* ---- text ---- */

/* n bytes of s as text content. */
static void put_span(struct api_jw *w, const char *s, size_t n)
{
	char *t = strndup(s, n);

	if (t == NULL) {
		w->failed = true;
		return;
	}
	api_html_text(w, t);
	free(t);
}

/* The length of the white-space character at s (one of JavaScript's \s), else 0. */
static size_t space_len(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xc2 && s[1] == 0xa0) /* U+00A0 */
		return 2;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) /* U+1680 */
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 && /* U+2000-200A, 2028, 2029, 202F */
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) /* U+205F */
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
		return 3;
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) /* U+FEFF */
		return 3;
	return 0;
}

/* s without white space (malloc'd, the caller frees), and, when at is not NULL, for each of
 * its bytes the offset of that byte in s (*at malloc'd too). NULL when memory ran out. */
static char *squeeze(const char *s, size_t **at)
{
	size_t n = strlen(s), k = 0, *map = NULL;
	char *out = malloc(n + 1);

	if (at != NULL && (map = malloc((n + 1) * sizeof(*map))) == NULL) {
		free(out);
		return NULL;
	}
	if (out == NULL) {
		free(map);
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		size_t sp = space_len((const unsigned char *)s + i);
		if (sp != 0) {
			i += sp;
			continue;
		}
		if (map != NULL)
			map[k] = i;
		out[k++] = s[i++];
	}
	out[k] = '\0';
	if (at != NULL)
		*at = map;
	return out;
}

/* Where want (squeezed, not empty) is in text, white space aside, as wrapQuote found it:
 * from its first to its last character. 1 found, 0 not, -1 out of memory. Byte matching is
 * character matching: UTF-8 never matches inside a character. */
static int find_quote(const char *text, const char *want, size_t *start, size_t *end)
{
	size_t *at = NULL;
	char *flat = squeeze(text, &at);
	const char *hit;
	int rc = 0;

	if (flat == NULL)
		return -1;
	if ((hit = strstr(flat, want)) != NULL) {
		size_t i = (size_t)(hit - flat), n = strlen(want);
		*start = at[i];
		*end = at[i + n - 1] + 1;
		rc = 1;
	}
	free(flat);
	free(at);
	return rc;
}

/* ---- 情况说明 ---- */

/* A glossary term found in a paragraph: bytes [p, e) link to #term-(term + 1). */
struct hit {
	size_t p, e, term;
};

static int by_place(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	if (x->e != y->e)
		return x->e > y->e ? -1 : 1;
	/* JavaScript's sort is stable: of two equal terms, the earlier in the glossary */
	return x->term < y->term ? -1 : x->term > y->term ? 1 : 0;
}

/* The terms linked in text, as linkTerms did: each term once, at its first place not inside
 * an earlier link (the longer term first where two start together). A malloc'd array (the
 * caller frees) of *n hits in text order; NULL with *n 0 when there are none or memory ran
 * out (then w->failed). */
static struct hit *term_hits(struct api_jw *w, const char *text, const json_t *glossary, size_t *n)
{
	size_t all = 0, cap = 0, kept = 0, pos = 0, i;
	struct hit *h = NULL;
	bool *used = calloc(json_array_size(glossary) + 1, sizeof(*used));
	const json_t *g;

	*n = 0;
	json_array_foreach (glossary, i, g) {
		const char *t = api_page_str(g, "term"), *at;
		for (at = t && *t ? strstr(text, t) : NULL; used && at; at = strstr(at + 1, t)) {
			if (all == cap) {
				struct hit *more = realloc(h, (cap = cap * 2 + 8) * sizeof(*h));
				if (more == NULL)
					goto fail;
				h = more;
			}
			h[all++] =
			    (struct hit){ (size_t)(at - text), (size_t)(at - text) + strlen(t), i };
		}
	}
	if (used == NULL)
		goto fail;
	if (all > 0)
		qsort(h, all, sizeof(*h), by_place);
	for (size_t k = 0; k < all; k++) {
		if (h[k].p < pos || used[h[k].term])
			continue;
		used[h[k].term] = true;
		h[kept++] = h[k];
		pos = h[k].e;
	}
	free(used);
	*n = kept;
	return h;
fail:
	w->failed = true;
	free(used);
	free(h);
	return NULL;
}

/* The span of list that covers pos, or NULL; *next is lowered to the next edge after pos. */
static const struct hit *covering(const struct hit *list, size_t n, size_t pos, size_t *next)
{
	const struct hit *in = NULL;

	for (size_t k = 0; k < n; k++) {
		if (list[k].p > pos && list[k].p < *next)
			*next = list[k].p;
		if (list[k].e > pos && list[k].e < *next)
			*next = list[k].e;
		if (list[k].p <= pos && pos < list[k].e)
			in = &list[k];
	}
	return in;
}

/* <p> with its term links (h) and marks (m: [p, e) and, in term, their index in ids), no
 * two of a list overlapping; a link that crosses a mark's edge is split in two there, as the
 * Range that wrapQuote moved into its <mark> split it. */
static void put_para(struct api_jw *w, const char *text, const struct hit *h, size_t nh,
                     const struct hit *m, size_t nm, char ids[][32])
{
	size_t len = strlen(text), pos = 0;
	const struct hit *link = NULL, *mark = NULL;
	char href[32];

	api_html_open(w, "p", NULL);
	while (pos < len) {
		size_t next = len;
		const struct hit *l = covering(h, nh, pos, &next), *k = covering(m, nm, pos, &next);
		if (link != NULL && (l != link || k != mark))
			api_html_close(w, "a");
		if (mark != NULL && k != mark)
			api_html_close(w, "mark");
		if (k != NULL && k != mark)
			api_html_open(w, "mark", "id", ids[k->term], "class", "quote", NULL);
		if (l != NULL && (l != link || k != mark)) {
			snprintf(href, sizeof(href), "#term-%zu", l->term + 1);
			api_html_open(w, "a", "class", "term", "href", href, NULL);
		}
		link = l;
		mark = k;
		put_span(w, text + pos, next - pos);
		pos = next;
	}
	if (link != NULL)
		api_html_close(w, "a");
	if (mark != NULL)
		api_html_close(w, "mark");
	api_html_close(w, "p");
}

/* Paragraph para of explanation exp, with its terms linked and its quotes marked. */
static void put_paragraph(struct texts *x, size_t exp, size_t para, const char *text)
{
	struct hit m[16], *h;
	char ids[16][32];
	size_t nh, nm = 0;

	for (size_t k = 0; k < x->n_marks && nm < 16; k++) {
		const struct mark *q = &x->marks[k];
		if (q->exp != exp || q->para != para)
			continue;
		snprintf(ids[nm], sizeof(ids[nm]), "%s", q->id);
		m[nm] = (struct hit){ q->start, q->end, nm };
		nm++;
	}
	h = term_hits(x->p->w, text, json_object_get(x->p->doc, "glossary"), &nh);
	put_para(x->p->w, text, h, nh, m, nm, ids);
	free(h);
}

/* 一、标题 for a numbered section, （一）标题 for a sub-section, the title alone without a
 * number. */
static void exp_head(const json_t *e, char *out, size_t size)
{
	const char *num = api_page_str(e, "number"), *title = api_page_str(e, "title");

	if (title == NULL)
		title = "";
	if (num == NULL || *num == '\0')
		snprintf(out, size, "%s", title);
	else if (strncmp(num, "（", strlen("（")) == 0)
		snprintf(out, size, "%s%s", num, title);
	else
		snprintf(out, size, "%s、%s", num, title);
}

/* A change with its sign: +80, -1.69, 0 (app.js's signed()); "" for NULL. */
static void signed_text(const char *v, char *out, size_t size)
{
	bool zero = v != NULL && v[0] == '0' &&
	            (v[1] == '\0' || (v[1] == '.' && v[strspn(v + 2, "0") + 2] == '\0'));

	if (v == NULL)
		snprintf(out, size, "%s", "");
	else
		snprintf(out, size, "%s%s", v[0] == '-' || zero ? "" : "+", v);
}

/* The figures' columns, as figuresTable had them. */
enum fig_col {
	F_AMOUNT,
	F_SHARE,
	F_CHANGE,
	F_PERCENT,
	F_REASON,
	F_DETAIL,
	F_N
};

/* Column col of figure x as the page shows it ("" when not published). */
static void fig_cell(const json_t *x, enum fig_col col, char *out, size_t size)
{
	static const char *const keys[F_N] = { "amount",         "share",  "change",
		                               "change_percent", "reason", "detail" };
	const json_t *v = json_object_get(x, keys[col]);
	const char *d = api_dec_text(v);

	out[0] = '\0';
	if (col == F_REASON || col == F_DETAIL)
		snprintf(out, size, "%s", json_is_string(v) ? json_string_value(v) : "");
	else if (d == NULL)
		return;
	else if (col == F_AMOUNT)
		snprintf(out, size, "%s", d);
	else if (col == F_SHARE)
		snprintf(out, size, "%s%%", d);
	else {
		signed_text(d, out, size);
		if (col == F_PERCENT)
			strncat(out, "%", size - strlen(out) - 1);
	}
}

/* The figures' header row: 项目 and each column some figure fills; which in *shown. */
static void fig_head(struct api_jw *w, const json_t *figs, const char *unit, bool shown[F_N])
{
	static const char *const titles[F_N] = { NULL,       "占比", "比上年增减",
		                                 "增减幅度", "原因", "说明" };
	char cell[1024], amount[64];
	size_t i;
	const json_t *x;

	snprintf(amount, sizeof(amount), "金额（%s）", unit ? unit : "");
	api_html_raw(w, "<thead><tr><th scope=\"col\">项目</th>");
	for (int c = 0; c < F_N; c++) {
		shown[c] = false;
		json_array_foreach (figs, i, x) {
			fig_cell(x, (enum fig_col)c, cell, sizeof(cell));
			shown[c] = shown[c] || cell[0] != '\0';
		}
		if (shown[c])
			api_html_elem(w, "th", c == F_AMOUNT ? amount : titles[c], "scope", "col",
			              "class", c < F_REASON ? "num" : NULL, NULL);
	}
	api_html_raw(w, "</tr></thead>");
}

static void fig_rows(const struct api_page *p, const json_t *figs, const bool shown[F_N])
{
	struct api_jw *w = p->w;
	char cell[4096];
	size_t i;
	const json_t *x, *codes;

	api_html_open(w, "tbody", NULL);
	json_array_foreach (figs, i, x) {
		const char *label = api_page_str(x, "label");
		size_t k;
		const json_t *c;
		api_html_raw(w, "<tr><th scope=\"row\">");
		api_html_text(w, label ? label : "");
		if (json_array_size(codes = json_object_get(x, "codes")) > 0) {
			api_html_text(w, "（");
			json_array_foreach (codes, k, c)
				api_html_text(w, json_string_value(c));
			api_html_text(w, "）");
		}
		api_html_close(w, "th");
		for (int col = 0; col < F_N; col++) {
			if (!shown[col])
				continue;
			fig_cell(x, (enum fig_col)col, cell, sizeof(cell));
			api_html_open(w, "td", "class", col < F_REASON ? "num" : "reason", NULL);
			/* the amount links where the text printed it (#18) */
			bool src = col == F_AMOUNT && cell[0] != '\0' &&
			           api_page_src_open(p, json_object_get(x, "box"));
			api_html_text(w, cell);
			if (src)
				api_html_close(w, "a");
			api_html_close(w, "td");
		}
		api_html_close(w, "tr");
	}
	api_html_close(w, "tbody");
}

/* 本节数字: the section's figures, folded. */
static void put_figures(const struct api_page *p, const json_t *e, const char *head,
                        const char *unit)
{
	struct api_jw *w = p->w;
	const json_t *figs = json_object_get(e, "figures");
	bool shown[F_N];
	char label[1200];

	if (json_array_size(figs) == 0)
		return;
	api_html_open(w, "details", "class", "figs", NULL);
	api_html_open(w, "summary", NULL);
	api_html_textf(w, "本节数字（%zu 项）", json_array_size(figs));
	api_html_close(w, "summary");
	snprintf(label, sizeof(label), "%s 本节数字", head);
	api_html_open(w, "div", "class", "table-scroll", "tabindex", "0", "role", "region",
	              "aria-label", label, NULL);
	api_html_open(w, "table", "class", "data", NULL);
	api_html_open(w, "caption", NULL);
	api_html_textf(w, "%s 中的数字", head);
	api_html_close(w, "caption");
	fig_head(w, figs, unit, shown);
	fig_rows(p, figs, shown);
	api_html_raw(w, "</table></div></details>");
}

static void put_explanations(struct texts *x)
{
	struct api_jw *w = x->p->w;
	const char *unit = api_page_str(x->p->doc, "unit");
	size_t i, k;
	const json_t *e, *para;
	char head[1024], id[300];

	api_page_section(w, "explanations", "情况说明");
	api_html_open(w, "div", "class", "exp", NULL);
	json_array_foreach (x->exps, i, e) {
		const char *num = api_page_str(e, "number"), *key = api_page_str(e, "key");
		const char *tag = num && strncmp(num, "（", strlen("（")) == 0 ? "h4" : "h3";
		exp_head(e, head, sizeof(head));
		snprintf(id, sizeof(id), "exp-%s", key ? key : "");
		api_html_elem(w, tag, head, "id", id, NULL);
		json_array_foreach (json_object_get(e, "paragraphs"), k, para)
			put_paragraph(x, i, k, json_is_string(para) ? json_string_value(para) : "");
		put_figures(x->p, e, head, unit);
	}
	api_html_raw(w, "</div>");
	api_html_close(w, "section");
}

/* ---- 核对 ---- */

/* The findings of the disclosure, in the engine's order, as
 * [{position, rule, severity, finding}]. */
static int collect(void *ctx, const struct db_finding *f)
{
	struct texts *x = ctx;
	json_t *one = json_pack("{s:I, s:s?, s:s?, s:O}", "position", (json_int_t)f->position,
	                        "rule", f->rule, "severity", f->severity, "finding", f->finding);

	if (one == NULL || json_array_append_new(x->findings, one) != 0) {
		x->p->w->failed = true;
		return -1;
	}
	return 0;
}

/* "301" for codes given as a string, "30101" for codes given split (as the API writes a
 * finding's row); "" without. */
static void row_codes(const json_t *row, char *out, size_t size)
{
	const json_t *codes = json_object_get(row, "codes"), *c;
	size_t i;

	snprintf(out, size, "%s", json_is_string(codes) ? json_string_value(codes) : "");
	json_array_foreach (codes, i, c)
		if (json_is_string(c))
			strncat(out, json_string_value(c), size - strlen(out) - 1);
}

/* The explanation a finding's section names: by key, else by index; NULL. */
static const json_t *find_exp(const json_t *exps, const json_t *s, size_t *at)
{
	const char *key = api_page_str(s, "key");
	const json_t *e, *idx = json_object_get(s, "index");
	size_t i;

	if (!json_is_object(s))
		return NULL;
	json_array_foreach (exps, i, e) {
		const char *k = api_page_str(e, "key");
		if (key != NULL && *key != '\0' && k != NULL && strcmp(k, key) == 0) {
			*at = i;
			return e;
		}
	}
	if (!json_is_integer(idx) || json_integer_value(idx) < 0)
		return NULL;
	*at = (size_t)json_integer_value(idx);
	return json_array_get(exps, *at);
}

/* 表六 301 工资福利支出 · 合计: a row of a table the page shows, with the column to mark. */
static bool row_target(const struct texts *x, const json_t *place, struct target *t)
{
	const json_t *pl = json_object_get(json_object_get(place, "table"), "position");
	const json_t *r = json_object_get(place, "row"), *col = json_object_get(place, "column");
	const json_t *tab, *row, *idx = json_object_get(r, "index");
	const char *name = api_page_str(r, "name"), *ctitle = api_page_str(col, "title");
	char table[32], codes[64];
	int pos = json_is_integer(pl) ? (int)json_integer_value(pl) : 0;

	if (pos <= 0 || (tab = api_find_table(x->p->doc, pos)) == NULL)
		return false;
	api_page_table_name(tab, table, sizeof(table));
	row = json_is_integer(idx) && json_integer_value(idx) >= 0
	          ? json_array_get(json_object_get(tab, "rows"), (size_t)json_integer_value(idx))
	          : NULL;
	if (row == NULL) {
		snprintf(t->href, sizeof(t->href), "#table-%d", pos);
		snprintf(t->where, sizeof(t->where), "%s", table);
		return true;
	}
	if (name == NULL)
		name = api_page_str(row, "name");
	row_codes(r, codes, sizeof(codes));
	snprintf(t->href, sizeof(t->href), "#table-%d-row-%lld", pos, json_integer_value(idx));
	snprintf(t->where, sizeof(t->where), "%s%s%s%s%s%s%s", table, *codes ? " " : "", codes,
	         name && *name ? " " : "", name ? name : "", ctitle && *ctitle ? " · " : "",
	         ctitle && *ctitle ? ctitle : "");
	t->col = api_page_str(col, "key");
	return true;
}

/* Marks the quote of finding n in its explanation e (index ei), as markQuotes did: in the
 * first paragraph that holds it; the link then leads to the mark (an earlier finding's, when
 * it quoted the same place). Not found: the link stays on the section's heading. */
static int mark_quote(struct texts *x, size_t n, const json_t *e, size_t ei, const char *quote)
{
	char *want = squeeze(quote, NULL);
	const json_t *para;
	size_t k, start = 0, end = 0;
	int rc = 0;

	if (want == NULL)
		return -1;
	json_array_foreach (json_object_get(e, "paragraphs"), k, para) {
		if (*want == '\0' || !json_is_string(para))
			break;
		if ((rc = find_quote(json_string_value(para), want, &start, &end)) != 0)
			break;
	}
	free(want);
	if (rc <= 0)
		return rc;
	for (size_t m = 0, in = 0; m < x->n_marks; m++) {
		struct mark *q = &x->marks[m];
		if (q->exp != ei || q->para != k)
			continue;
		if (q->start < end && start < q->end) {
			snprintf(x->targets[n].href, sizeof(x->targets[n].href), "#%s", q->id);
			return 0;
		}
		if (++in >= 16) /* put_paragraph's room: the link stays on the heading */
			return 0;
	}
	struct mark *q = &x->marks[x->n_marks++];
	*q = (struct mark){ .exp = ei, .para = k, .start = start, .end = end };
	snprintf(q->id, sizeof(q->id), "quote-%zu", n + 1);
	snprintf(x->targets[n].href, sizeof(x->targets[n].href), "#%s", q->id);
	return 0;
}

/* Where finding n points (findingTarget), marking the sentence it quotes. */
static int find_target(struct texts *x, size_t n)
{
	const json_t *f = json_object_get(json_array_get(x->findings, n), "finding");
	const json_t *place = json_object_get(f, "place"), *e;
	const char *quote = api_page_str(place, "quote"), *key;
	struct target *t = &x->targets[n];
	char head[900];
	size_t ei = 0;

	if (row_target(x, place, t))
		return 0;
	if ((e = find_exp(x->exps, json_object_get(place, "section"), &ei)) == NULL)
		return 0;
	key = api_page_str(e, "key");
	exp_head(e, head, sizeof(head));
	snprintf(t->href, sizeof(t->href), "#exp-%s", key ? key : "");
	snprintf(t->where, sizeof(t->where), "情况说明：%s", head);
	return quote != NULL ? mark_quote(x, n, e, ei, quote) : 0;
}

/* 应为 299.49 万元，原表 299.48 万元，相差 -0.01 万元 (findingFigures). */
static void finding_figures(const json_t *f, char *out, size_t size)
{
	static const char *const keys[] = { "expected", "actual", "difference" };
	static const char *const says[] = { "应为", "原表", "相差" };
	const char *unit = api_page_str(f, "unit");
	char u[64] = "", v[128];

	if (unit != NULL && *unit != '\0')
		snprintf(u, sizeof(u), "%s%s", strcmp(unit, "%") == 0 ? "" : " ", unit);
	out[0] = '\0';
	for (size_t k = 0; k < 3; k++) {
		const char *s = api_page_str(f, keys[k]);
		size_t n = strlen(out);
		if (s == NULL || *s == '\0')
			continue;
		if (k == 2)
			signed_text(s, v, sizeof(v));
		snprintf(out + n, size - n, "%s%s %s%s", n ? "，" : "", says[k], k == 2 ? v : s, u);
	}
}

static const char *severity_word(const char *sev)
{
	if (sev == NULL)
		return "";
	return strcmp(sev, "error") == 0     ? "差错"
	       : strcmp(sev, "warning") == 0 ? "疑点"
	       : strcmp(sev, "info") == 0    ? "提示"
	                                     : "";
}

/* <p class="finding-where">: the link to the finding's place, and its rule. */
static void put_where(struct api_jw *w, const struct target *t, const char *rule)
{
	api_html_open(w, "p", "class", "finding-where", NULL);
	if (t->href[0] != '\0') {
		api_html_open(w, "a", "href", t->href, "class", "finding-link", "data-col", t->col,
		              NULL);
		api_html_textf(w, "查看%s", t->where);
		api_html_raw(w, "</a> ");
	}
	api_html_open(w, "small", "class", "rule", "title", "核对规则编号", NULL);
	api_html_textf(w, "规则 %s", rule ? rule : "");
	api_html_raw(w, "</small></p>");
}

/* One finding: id finding-N where N is its position + 1, as /api/v1/audit's links.page
 * names it. */
static void put_finding(const struct api_page *p, const json_t *item, const struct target *t)
{
	struct api_jw *w = p->w;
	const json_t *f = json_object_get(item, "finding"), *place = json_object_get(f, "place");
	const json_t *page = json_object_get(place, "page");
	const char *sev = api_page_str(item, "severity"), *quote = api_page_str(place, "quote");
	char id[32], cls[64], figs[512];
	long long pg = json_is_integer(page) ? json_integer_value(page) : 0;

	snprintf(id, sizeof(id), "finding-%lld",
	         json_integer_value(json_object_get(item, "position")) + 1);
	snprintf(cls, sizeof(cls), "finding sev-%s", sev ? sev : "");
	api_html_open(w, "li", "id", id, "class", cls, NULL);
	api_html_raw(w, "<p class=\"finding-msg\">");
	api_html_elem(w, "span", severity_word(sev), "class", "sev", NULL);
	api_html_raw(w, " ");
	api_html_text(w, api_page_str(f, "message_zh"));
	api_html_raw(w, "</p>");
	finding_figures(f, figs, sizeof(figs));
	if (figs[0] != '\0' || pg > 0) {
		api_html_open(w, "p", "class", "finding-figs", NULL);
		api_html_text(w, figs);
		api_html_text(w, figs[0] && pg > 0 ? "；" : "");
		/* the page, outlined where the finding was printed, when the store keeps it (#18) */
		bool src = pg > 0 && api_page_src_open(p, json_object_get(place, "box"));
		if (pg > 0)
			api_html_textf(w, "见原文第 %lld 页", pg);
		if (src)
			api_html_close(w, "a");
		api_html_close(w, "p");
	}
	if (quote != NULL && *quote != '\0')
		api_html_elem(w, "blockquote", quote, "class", "finding-quote", NULL);
	put_where(w, t, api_page_str(item, "rule"));
	api_html_close(w, "li");
}

static void put_audit(struct texts *x)
{
	struct api_jw *w = x->p->w;
	size_t n = json_array_size(x->findings), i;
	const json_t *item;

	api_page_section(w, "audit", "核对");
	if (n == 0) {
		api_html_elem(w, "p", "按公开数字核对表内合计、表间数字和文字说明，未发现不一致。",
		              NULL);
		api_html_close(w, "section");
		return;
	}
	api_html_open(w, "p", "class", "lede", NULL);
	api_html_textf(
	    w,
	    "按公开数字核对表内合计、表间数字和文字说明，发现 %zu "
	    "处不一致。“相差”为原表数字减应有数字。以下为程序核对的结果，以公开文件原文为准。",
	    n);
	api_html_close(w, "p");
	api_html_open(w, "ol", "class", "findings", NULL);
	json_array_foreach (x->findings, i, item)
		put_finding(x->p, item, &x->targets[i]);
	api_html_close(w, "ol");
	api_html_close(w, "section");
}

/* ---- 名词解释 ---- */

static void put_glossary(struct api_jw *w, const json_t *list)
{
	size_t i;
	const json_t *g;
	char id[32];

	api_page_section(w, "glossary", "名词解释");
	if (json_array_size(list) == 0) {
		api_html_elem(w, "p", "本公开未包含名词解释。", NULL);
		api_html_close(w, "section");
		return;
	}
	api_html_open(w, "dl", "class", "glossary", NULL);
	json_array_foreach (list, i, g) {
		snprintf(id, sizeof(id), "term-%zu", i + 1);
		api_html_elem(w, "dt", api_page_str(g, "term"), "id", id, NULL);
		api_html_elem(w, "dd", api_page_str(g, "definition"), NULL);
	}
	api_html_close(w, "dl");
	api_html_close(w, "section");
}

/* ---- the part ---- */

/* Reads the findings and where each points, marking the quotes, before any HTML is
 * written: the marks go into 情况说明, which comes before 核对. -1 when the store failed
 * (p->err) or memory ran out (p->w->failed). */
static int prepare(struct texts *x)
{
	const struct api_ctx *c = x->p->c;
	struct db_finding_query q = {
		.department = c->dept, .year = c->year, .kind = c->kind, .level = c->level
	};
	size_t n;

	if ((x->findings = json_array()) == NULL)
		goto oom;
	if (db_findings_of(c->db, &q, collect, x, NULL, &x->p->err) != 0)
		return -1;
	n = json_array_size(x->findings);
	x->targets = calloc(n + 1, sizeof(*x->targets));
	x->marks = calloc(n + 1, sizeof(*x->marks));
	if (x->targets == NULL || x->marks == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (find_target(x, i) != 0)
			goto oom;
	return 0;
oom:
	x->p->w->failed = true;
	return -1;
}

int api_page_texts(struct api_page *p)
{
	struct texts x = { .p = p, .exps = json_object_get(p->doc, "explanations") };
	int rc = prepare(&x);

	if (rc == 0) {
		put_explanations(&x);
		put_audit(&x);
		put_glossary(p->w, json_object_get(p->doc, "glossary"));
	}
	json_decref(x.findings);
	free(x.targets);
	free(x.marks);
	return rc;
}
