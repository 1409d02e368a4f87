// SPDX-License-Identifier: MIT
// Text rules: what the explanations state, against the tables or recomputed.
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCT_SCALE ((audit_amt)100 * DB_DEC_SCALE) /* a ratio in millionths of a percent */

/* A figure of an explanation with the members the rules read, found by one walk over its
 * object: each rule asked jansson for them again (issue #17). NULL where it has none. */
struct figure {
	const json_t *o; /* the figure object */
	const json_t *amount, *change, *pct, *share, *codes, *box, *label;
};

static void figure_of(const json_t *o, struct figure *f)
{
	const char *key;
	json_t *v;

	*f = (struct figure){ .o = o };
	json_object_foreach ((json_t *)o, key, v) {
		if (strcmp(key, "amount") == 0)
			f->amount = v;
		else if (strcmp(key, "change") == 0)
			f->change = v;
		else if (strcmp(key, "change_percent") == 0)
			f->pct = v;
		else if (strcmp(key, "share") == 0)
			f->share = v;
		else if (strcmp(key, "codes") == 0)
			f->codes = v;
		else if (strcmp(key, "box") == 0)
			f->box = v;
		else if (strcmp(key, "label") == 0)
			f->label = v;
	}
}

/* ---- E01: an amount stated for a code equals that row of the function table -------------- */

/* t is one of the document's tables: its rows' codes are in the index. */
static int find_row(const struct audit_ctx *c, const json_t *t, const char *codes)
{
	const struct audit_table *x = audit_tab(c, t);

	for (size_t i = 0; x != NULL && i < x->nrows; i++)
		if (x->codes[i][0] && strcmp(x->codes[i], codes) == 0)
			return (int)i;
	return -1;
}

/* Whether the figure's amount agrees with its code's row in t, within its rounding: 1 yes,
 * 0 no, -1 not comparable (no such row). */
static int agrees(const struct audit_ctx *c, const json_t *t, const char *codes,
                  const struct figure *fig)
{
	const char *key = audit_first_key(t, "total");
	const char *tunit = audit_str(t, "unit") ? audit_str(t, "unit") : c->unit;
	int64_t amount, cellv, ft = audit_unit_factor(c->unit), ftab = audit_unit_factor(tunit);
	int r;

	if (t == NULL || key == NULL || ft == 0 || ftab == 0 ||
	    audit_dec(fig->amount, &amount) != 0 || (r = find_row(c, t, codes)) < 0)
		return -1;
	if (audit_dec(json_object_get(
	                  json_object_get(json_array_get(json_object_get(t, "rows"), (size_t)r),
	                                  "amounts"),
	                  key),
	              &cellv) != 0)
		cellv = 0;
	int64_t f = ft < ftab ? ft : ftab;
	return audit_within((audit_amt)amount * (ft / f), (audit_amt)cellv * (ftab / f),
	                    audit_half_digit(json_string_value(fig->amount)) * (ft / f));
}

/* The function table first; a figure that matches the expenditure table's row instead (all
 * funds, not only the general budget) is not a finding. */
static void figure_codes(struct audit_ctx *c, const json_t *gen, size_t si,
                         const struct figure *fig, const json_t *fcodes)
{
	const char *key, *tunit;
	int64_t amount, cellv, ft, ftab;
	char codes[16], e[64], a[64], d[64], tl[32], zh[1024], en[1024];
	const json_t *row;
	int r;

	/* most figures name no code: the table's key and unit only for those that do */
	audit_codes(fcodes, codes);
	if (!codes[0])
		return;
	key = audit_first_key(gen, "total");
	tunit = audit_str(gen, "unit") ? audit_str(gen, "unit") : c->unit;
	ft = audit_unit_factor(c->unit);
	ftab = audit_unit_factor(tunit);
	if (key == NULL || ft == 0 || ftab == 0 || audit_dec(fig->amount, &amount) != 0 ||
	    (r = find_row(c, gen, codes)) < 0)
		return;
	row = json_array_get(json_object_get(gen, "rows"), (size_t)r);
	if (audit_dec(json_object_get(json_object_get(row, "amounts"), key), &cellv) != 0)
		cellv = 0;
	/* both in the finer unit; the text figure is rounded to its last printed digit */
	int64_t f = ft < ftab ? ft : ftab;
	audit_amt vt = (audit_amt)amount * (ft / f), vr = (audit_amt)cellv * (ftab / f);
	audit_amt tol = audit_half_digit(json_string_value(fig->amount)) * (ft / f);
	const char *unit = ft < ftab ? c->unit : tunit;
	if (audit_within(vt, vr, tol) ||
	    agrees(c, audit_table_of_type(c, "budget_expenditure", "final_expenditure"), codes,
	           fig) == 1)
		return;
	struct audit_place p = AUDIT_PLACE_INIT;
	p.section = (int)si;
	p.quote = json_string_value(fig->label);
	p.box = fig->box;
	audit_table_label(gen, tl, sizeof(tl));
	audit_fmt(vr, e, sizeof(e));
	audit_fmt(vt, a, sizeof(a));
	audit_fmt(vt > vr ? vt - vr : vr - vt, d, sizeof(d));
	snprintf(zh, sizeof(zh), "说明中 %s（%s）为 %s%s，%s 该科目 %s%s，相差 %s%s",
	         p.quote ? p.quote : codes, codes, a, unit, tl, e, unit, d, unit);
	snprintf(en, sizeof(en),
	         "The explanations give %s %s for code %s; table %d prints %s %s (%s apart)", a,
	         unit, codes, audit_table_position(gen), e, unit, d);
	audit_add(c, "E01", &p, zh, en, true, vr, vt, unit);
}

/* ---- E02, E03: percentages recomputed ------------------------------------------------------- */

/* The range of n / d * 100 (millionths of a percent) when n and d are each off by up to hn
 * and hd. False when d can reach 0. */
static bool ratio_range(audit_amt n, audit_amt hn, audit_amt d, audit_amt hd, audit_amt *lo,
                        audit_amt *hi)
{
	bool first = true;

	if (d - hd <= 0)
		return false;
	for (int i = 0; i < 4; i++) {
		audit_amt nn = n + (i & 1 ? hn : -hn), dd = d + (i & 2 ? hd : -hd);
		audit_amt r = nn * PCT_SCALE / dd;
		if (first || r < *lo)
			*lo = r;
		if (first || r > *hi)
			*hi = r;
		first = false;
	}
	return true;
}

static void pct_finding(struct audit_ctx *c, const char *rule, size_t si, const struct figure *fig,
                        audit_amt expected, int64_t printed, const char *what_zh,
                        const char *what_en)
{
	struct audit_place p = AUDIT_PLACE_INIT;
	char e[64], a[64], zh[1024], en[1024];

	p.section = (int)si;
	p.quote = json_string_value(fig->label);
	p.box = fig->box;
	expected = (expected + (expected < 0 ? -5000 : 5000)) / 10000 * 10000; /* 2 decimals */
	audit_fmt(expected, e, sizeof(e));
	audit_fmt(printed, a, sizeof(a));
	snprintf(zh, sizeof(zh), "说明中“%s”的%s为 %s%%，按金额计算为 %s%%", p.quote ? p.quote : "",
	         what_zh, a, e);
	snprintf(en, sizeof(en),
	         "The explanations state a %s of %s%% for \"%s\"; the amounts give %s%%", what_en,
	         a, p.quote ? p.quote : "", e);
	audit_add(c, rule, &p, zh, en, true, expected, printed, "%");
}

static bool pct_ok(audit_amt lo, audit_amt hi, int64_t printed, audit_amt tol)
{
	return printed + tol >= lo && printed - tol <= hi;
}

static void figure_change(struct audit_ctx *c, size_t si, const struct figure *fig)
{
	int64_t amount, change, pct;
	audit_amt h, lo, hi, hp;

	if (audit_dec(fig->amount, &amount) != 0 || audit_dec(fig->change, &change) != 0 ||
	    audit_dec(fig->pct, &pct) != 0)
		return;
	if ((change > 0 && pct < 0) || (change < 0 && pct > 0)) {
		struct audit_place p = AUDIT_PLACE_INIT;
		char zh[512], en[512];
		p.section = (int)si;
		p.quote = json_string_value(fig->label);
		p.box = fig->box;
		snprintf(zh, sizeof(zh), "说明中“%s”的增减额 %s 与增减幅度 %s%% 方向相反",
		         p.quote ? p.quote : "", json_string_value(fig->change),
		         json_string_value(fig->pct));
		snprintf(en, sizeof(en),
		         "\"%s\": the change %s and the percentage %s%% point opposite ways",
		         p.quote ? p.quote : "", json_string_value(fig->change),
		         json_string_value(fig->pct));
		audit_add(c, "E04", &p, zh, en, false, 0, 0, NULL);
		return;
	}
	h = audit_half_digit(json_string_value(fig->amount));
	if (audit_half_digit(json_string_value(fig->change)) > h)
		h = audit_half_digit(json_string_value(fig->change));
	/* prior = amount - change; each of amount and change is off by up to h */
	if (!ratio_range(change, h, (audit_amt)amount - change, 2 * h, &lo, &hi))
		return;
	hp = audit_half_digit(json_string_value(fig->pct));
	if (!pct_ok(lo, hi, pct, hp))
		pct_finding(c, "E02", si, fig,
		            (audit_amt)change * PCT_SCALE / ((audit_amt)amount - change), pct,
		            "增减幅度", "percentage change");
}

/* Denominators a share can be of: the section's figures without a share, and the totals of
 * the summary, expenditure and function tables, each in millionths of 元 with its rounding. */
struct denom {
	audit_amt v, h;
};

static size_t table_denoms(struct audit_ctx *c, struct denom *d, size_t n, size_t max)
{
	static const char *const types[] = { "budget_summary",          "final_summary",
		                             "budget_expenditure",      "final_expenditure",
		                             "budget_general_function", "final_general_function",
		                             "budget_income",           "final_income",
		                             "budget_fiscal_summary",   "final_fiscal_summary" };
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		const json_t *t = audit_table_of_type(c, types[k], NULL);
		int64_t f =
		    audit_unit_factor(audit_str(t, "unit") ? audit_str(t, "unit") : c->unit);
		size_t i;
		json_t *row, *v;
		const char *key;
		const json_t *rows = json_object_get(t, "rows");
		json_array_foreach (rows, i, row) {
			const char *kind = audit_str(row, "kind");
			int64_t x;
			if (kind == NULL || strcmp(kind, "total") != 0 || f == 0)
				continue;
			json_object_foreach (json_object_get(row, "amounts"), key, v)
				if (n < max && audit_dec(v, &x) == 0 && x > 0)
					d[n++] = (struct denom){ (audit_amt)x * f, 0 };
		}
	}
	return n;
}

/* The tables' totals of table_denoms(), gathered for the first section that prints a share
 * and kept for the others (issue #17: each gathered them again). */
struct table_totals {
	struct denom d[256];
	size_t n;
	bool have;
};

static void section_shares(struct audit_ctx *c, size_t si, const struct figure *figs, size_t nf,
                           struct table_totals *tt)
{
	struct denom d[256];
	size_t n = 0, i;
	int64_t f = audit_unit_factor(c->unit);
	bool shares = false;

	if (f == 0)
		return;
	for (i = 0; i < nf; i++) {
		const struct figure *fig = &figs[i];
		int64_t v;
		if (fig->share != NULL)
			shares = true;
		else if (n < 64 && audit_dec(fig->amount, &v) == 0 && v > 0)
			d[n++] =
			    (struct denom){ (audit_amt)v * f,
				            audit_half_digit(json_string_value(fig->amount)) * f };
	}
	/* Most sections print no share: the tables' totals are not gathered for them (issue
	 * #17: 2.4 % of an import's instructions, every section walking five tables' rows). */
	if (!shares)
		return;
	if (!tt->have)
		tt->n = table_denoms(c, tt->d, 0, sizeof(tt->d) / sizeof(tt->d[0]));
	tt->have = true;
	for (size_t k = 0; k < tt->n && n < sizeof(d) / sizeof(d[0]); k++)
		d[n++] = tt->d[k];
	for (i = 0; i < nf; i++) {
		const struct figure *fig = &figs[i];
		int64_t a, s;
		audit_amt lo, hi, best = -1;
		bool ok = false;
		if (audit_dec(fig->amount, &a) != 0 || audit_dec(fig->share, &s) != 0)
			continue;
		/* rounded half up to its printed decimals: half a unit of the last digit. A share
		 * pushed one unit off so that the parts print 100.00 is still misprinted (cpc p18
		 * 29.42 / 307.82 = 9.5575% printed 9.55, to make 86.05 + 3.52 + 0.88 + 9.55) */
		audit_amt tol = audit_half_digit(json_string_value(fig->share));
		audit_amt h = audit_half_digit(json_string_value(fig->amount)) * f;
		for (size_t k = 0; k < n && !ok; k++) {
			if (!ratio_range((audit_amt)a * f, h, d[k].v, d[k].h, &lo, &hi))
				continue;
			ok = pct_ok(lo, hi, s, tol);
			if (best < 0)
				best = (audit_amt)a * f * PCT_SCALE / d[k].v;
		}
		if (!ok && best >= 0 && a != 0)
			pct_finding(c, "E03", si, fig, best, s, "占比", "share");
	}
}

/* ---- Sentences: direction words, completion rates, 大于/小于 ------------------------------- */

/* Parses a number printed right after p (spaces allowed before it). */
static bool number_at(const char *p, int64_t *v, const char **end)
{
	char buf[48];
	size_t n = 0;

	while (*p == ' ' || strncmp(p, "\xe3\x80\x80", 3) == 0)
		p += *p == ' ' ? 1 : 3;
	if (*p == '-' && n + 1 < sizeof(buf))
		buf[n++] = *p++;
	while (((*p >= '0' && *p <= '9') || *p == '.' || *p == ',') && n + 1 < sizeof(buf)) {
		if (*p != ',')
			buf[n++] = *p;
		p++;
	}
	buf[n] = '\0';
	if (end != NULL)
		*end = p;
	return n > 0 && db_dec_parse(buf, true, v) == 0;
}

/* The amount printed after the last `marker` in [s, e) qualified by `qual` right before it
 * (年初, 全年; "" for any). */
static bool amount_after(const char *s, const char *e, const char *qual, const char *marker,
                         int64_t *v)
{
	bool found = false;
	size_t ql = strlen(qual);

	for (const char *p = s; (p = strstr(p, marker)) != NULL && p < e; p += strlen(marker)) {
		int64_t x;
		if (ql > 0 && (p - s < (long)ql || strncmp(p - ql, qual, ql) != 0))
			continue;
		if (number_at(p + strlen(marker), &x, NULL)) {
			*v = x;
			found = true;
		}
	}
	return found;
}

/* The amounts printed (followed by 万元) in one section's paragraphs, in text order. */
struct audit_token {
	const char *p;
	size_t n, para;
	const json_t *box; /* of the figure printing it, or NULL */
};
struct audit_tokens {
	size_t section, n, cap, np;
	struct audit_token *t;
	size_t *plen; /* each paragraph's length (0 for a non-string) */
	struct figure *f; /* the section's figures, nf of them (fcap allocated) */
	size_t nf, fcap;
};

/* Compares two printed amounts ignoring thousands separators. */
static int cmp_amount(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < an && a[i] == ',')
			i++;
		while (j < bn && b[j] == ',')
			j++;
		if (i == an || j == bn)
			return (i < an) - (j < bn);
		if (a[i] != b[j])
			return (unsigned char)a[i] - (unsigned char)b[j];
		i++;
		j++;
	}
}

struct ref {
	const char *p;
	size_t n, index;
};

static int cmp_ref(const void *x, const void *y)
{
	const struct ref *a = x, *b = y;
	int r = cmp_amount(a->p, a->n, b->p, b->n);

	return r != 0 ? r : (a->index > b->index) - (a->index < b->index);
}

/* The n-th printing of an amount in a section is the n-th figure with that amount (figures are
 * in the order of the text): both sorted by (amount, order) and walked together. */
static void tokens_boxes(struct audit_ctx *c)
{
	struct audit_tokens *k = c->tokens;
	size_t nf = k->nf, i, f = 0;
	struct ref *tr = malloc((k->n + 1) * sizeof(*tr)), *fr = malloc((nf + 1) * sizeof(*fr));

	if (tr == NULL || fr == NULL) {
		c->oom = true;
		free(tr);
		free(fr);
		return;
	}
	for (i = 0; i < k->n; i++)
		tr[i] = (struct ref){ k->t[i].p, k->t[i].n, i };
	size_t m = 0;
	for (i = 0; i < nf; i++) {
		const char *a = json_string_value(k->f[i].amount);
		if (a != NULL)
			fr[m++] = (struct ref){ a, strlen(a), i };
	}
	qsort(tr, k->n, sizeof(*tr), cmp_ref);
	qsort(fr, m, sizeof(*fr), cmp_ref);
	for (i = 0; i < k->n;) {
		size_t e = i;
		while (e < k->n && cmp_amount(tr[e].p, tr[e].n, tr[i].p, tr[i].n) == 0)
			e++;
		while (f < m && cmp_amount(fr[f].p, fr[f].n, tr[i].p, tr[i].n) < 0)
			f++;
		for (size_t x = i, y = f;
		     x < e && y < m && cmp_amount(fr[y].p, fr[y].n, tr[i].p, tr[i].n) == 0;
		     x++, y++)
			k->t[tr[x].index].box = k->f[fr[y].index].box;
		i = e;
	}
	free(tr);
	free(fr);
}

/* The section's figures as struct figures, in c->tokens; 0 or -1 (out of memory). */
static int section_figures(struct audit_ctx *c, const json_t *sec)
{
	struct audit_tokens *k = c->tokens;
	const json_t *figs = json_object_get(sec, "figures");
	size_t n = json_array_size(figs);

	if (n > k->fcap) {
		struct figure *nf = realloc(k->f, n * sizeof(*nf));
		if (nf == NULL)
			return -1;
		k->f = nf;
		k->fcap = n;
	}
	for (size_t i = 0; i < n; i++)
		figure_of(json_array_get(figs, i), &k->f[i]);
	k->nf = n;
	return 0;
}

static void tokens_build(struct audit_ctx *c, size_t si, const json_t *sec)
{
	struct audit_tokens *k = c->tokens;
	size_t j;
	json_t *para;

	k->section = si;
	k->n = 0;
	k->np = json_array_size(json_object_get(sec, "paragraphs"));
	free(k->plen);
	k->plen = calloc(k->np + 1, sizeof(*k->plen));
	if (k->plen == NULL) {
		k->np = 0;
		c->oom = true;
		return;
	}
	const json_t *paras = json_object_get(sec, "paragraphs");
	json_array_foreach (paras, j, para) {
		const char *t = json_string_value(para);
		k->plen[j] = t != NULL ? strlen(t) : 0;
		for (const char *p = t; p != NULL && *p;) {
			if (!(*p >= '0' && *p <= '9')) {
				p += strcspn(p, "0123456789"); /* not a byte at a time */
				continue;
			}
			const char *q = p;
			while ((*q >= '0' && *q <= '9') || *q == '.' || *q == ',')
				q++;
			if (strncmp(q, "万元", 6) == 0) {
				if (k->n == k->cap) {
					size_t cap = k->cap ? 2 * k->cap : 64;
					struct audit_token *nt = realloc(k->t, cap * sizeof(*nt));
					if (nt == NULL) {
						c->oom = true;
						return;
					}
					k->t = nt;
					k->cap = cap;
				}
				k->t[k->n++] = (struct audit_token){ p, (size_t)(q - p), j, NULL };
			}
			p = q;
		}
	}
	tokens_boxes(c);
}

/* Where a sentence of section si's paragraphs was printed: paragraphs carry no boxes, so the
 * box of the figure printing the amount nearest the sentence (the first at or after it in its
 * paragraph, else the last before it). */
static const json_t *box_near(const struct audit_ctx *c, size_t si, const char *s)
{
	const json_t *sec = json_array_get(json_object_get(c->doc, "explanations"), si);
	const struct audit_tokens *k = c->tokens;
	size_t j, lo, hi;
	json_t *para;
	bool found = false;

	if (k == NULL || k->section != si)
		return NULL;
	const json_t *paras = json_object_get(sec, "paragraphs");
	json_array_foreach (paras, j, para) {
		const char *x = json_string_value(para);
		if (x != NULL && j < k->np && s >= x && s <= x + k->plen[j]) {
			found = true;
			break;
		}
	}
	if (!found)
		return NULL;
	/* the paragraph's tokens: [lo, hi), by binary search on (para, pointer) */
	lo = 0;
	hi = k->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->t[mid].para < j || (k->t[mid].para == j && k->t[mid].p < s))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < k->n && k->t[lo].para == j)
		return k->t[lo].box;
	if (lo > 0 && k->t[lo - 1].para == j)
		return k->t[lo - 1].box;
	return NULL;
}

static void sentence_finding(struct audit_ctx *c, const char *rule, size_t si, const char *s,
                             size_t len, const char *zh, const char *en, bool numbers, audit_amt e,
                             audit_amt a, const char *unit)
{
	struct audit_place p = AUDIT_PLACE_INIT;
	char quote[1024];

	snprintf(quote, sizeof(quote), "%.*s", (int)(len < 1000 ? len : 1000), s);
	p.section = (int)si;
	p.quote = quote;
	p.box = box_near(c, si, s);
	audit_add(c, rule, &p, zh, en, numbers, e, a, unit);
}

/* strstr(p, w) when it is before e, else NULL: an occurrence may run past e, as strstr's
 * would. A sentence's or clause's rules searched the whole rest of the paragraph with strstr
 * for every sentence and clause (issue #17); here only the bytes where such an occurrence can
 * lie are searched, copied to be NUL-terminated (memmem was slower for these short spans). */
static const char *find_before(const char *p, const char *e, const char *w)
{
	char buf[256];
	size_t n = strlen(w), len;
	const char *q;

	if (p >= e)
		return NULL;
	len = (size_t)(e - p) + n - 1;
	if (len >= sizeof(buf)) {
		q = strstr(p, w);
		return q != NULL && q < e ? q : NULL;
	}
	len = strnlen(p, len);
	memcpy(buf, p, len);
	buf[len] = '\0';
	q = strstr(buf, w);
	return q != NULL && q - buf < e - p ? p + (q - buf) : NULL;
}

/* E05, E06: 完成X预算的N% against X's budget in the same sentence. */
static void completion(struct audit_ctx *c, size_t si, const char *s, const char *e)
{
	static const char done[] = "完成";
	int64_t fin;

	for (const char *p = s; (p = find_before(p, e, done)) != NULL; p += strlen(done)) {
		const char *q = p + strlen(done), *qual = "", *pct_end;
		int64_t budget, rate;
		char zh[512], en[512], r[64];
		if (strncmp(q, "年初", 6) == 0)
			qual = "年初";
		else if (strncmp(q, "全年", 6) == 0)
			qual = "全年";
		else if (strncmp(q, "调整", 6) == 0)
			qual = "调整";
		const char *de = strstr(q, "的");
		if (de == NULL || de > q + 24 || strstr(q, "预算") == NULL ||
		    strstr(q, "预算") > de)
			continue;
		if (!number_at(de + 3, &rate, &pct_end) ||
		    (strncmp(pct_end, "%", 1) != 0 && strncmp(pct_end, "％", 3) != 0))
			continue;
		if (!amount_after(s, p, qual, "预算为", &budget) &&
		    !amount_after(s, p, qual, "预算数为", &budget))
			continue;
		audit_fmt(rate, r, sizeof(r));
		if (budget == 0) {
			snprintf(zh, sizeof(zh), "%s预算为 0，却陈述完成%s预算的 %s%%", qual, qual,
			         r);
			snprintf(en, sizeof(en),
			         "A completion rate of %s%% is stated against a %sbudget of 0", r,
			         qual[0] ? (strcmp(qual, "年初") == 0 ? "initial " : "full-year ")
			                 : "");
			sentence_finding(c, "E05", si, s, (size_t)(e - s), zh, en, false, 0, 0,
			                 NULL);
			continue;
		}
		if (!amount_after(s, p, "", "决算为", &fin) &&
		    !amount_after(s, p, "", "决算数为", &fin))
			continue;
		audit_amt lo, hi, hb = 5000; /* 2 decimals of the text unit */
		if (!ratio_range(fin, hb, budget, hb, &lo, &hi) ||
		    pct_ok(lo, hi, rate, audit_half_digit(r)))
			continue;
		audit_amt exp = (audit_amt)fin * PCT_SCALE / budget;
		exp = (exp + 5000) / 10000 * 10000;
		char ex[64];
		audit_fmt(exp, ex, sizeof(ex));
		snprintf(zh, sizeof(zh), "完成率 %s%%，按决算数/预算数计算为 %s%%", r, ex);
		snprintf(en, sizeof(en), "A completion rate of %s%%; final over budget gives %s%%",
		         r, ex);
		sentence_finding(c, "E06", si, s, (size_t)(e - s), zh, en, true, exp, rate, "%");
	}
}

/* E07: 决算数大于/小于/等于(全年|年初)预算数 against the paragraph's figures. */
static void comparison(struct audit_ctx *c, size_t si, const char *para)
{
	static const char *const words[] = { "决算数大于", "决算数小于", "决算数等于" };
	int64_t fin, budget;

	for (int w = 0; w < 3; w++) {
		const char *p = strstr(para, words[w]), *q, *qual;
		if (p == NULL)
			continue;
		q = p + strlen(words[w]);
		qual = strncmp(q, "年初", 6) == 0   ? "年初"
		       : strncmp(q, "全年", 6) == 0 ? "全年"
		                                    : NULL;
		if (!amount_after(para, p, "", "决算为", &fin))
			continue;
		if (qual != NULL ? !amount_after(para, p, qual, "预算为", &budget)
		                 : !amount_after(para, p, "全年", "预算为", &budget) &&
		                       !amount_after(para, p, "", "预算为", &budget))
			continue;
		bool ok = w == 0 ? fin > budget : w == 1 ? fin < budget : fin == budget;
		if (ok)
			continue;
		char zh[512], en[512], fs[64], bs[64];
		audit_fmt(fin, fs, sizeof(fs));
		audit_fmt(budget, bs, sizeof(bs));
		snprintf(zh, sizeof(zh), "说明称“%s预算数”，但决算 %s、预算 %s", words[w], fs, bs);
		snprintf(en, sizeof(en),
		         "The text says the final is %s the budget, but final %s, budget %s",
		         w == 0   ? "above"
		         : w == 1 ? "below"
		                  : "equal to",
		         fs, bs);
		const char *end = strstr(p, "。");
		sentence_finding(c, "E07", si, p, end ? (size_t)(end - p) : strlen(p), zh, en, true,
		                 budget, fin, c->unit);
	}
}

/* The words a clause stating a change names. */
static const char *const change_words[] = { "增加", "增长", "减少", "下降", "持平" };
#define N_CHANGE_WORDS (sizeof(change_words) / sizeof(change_words[0]))

/* Whether any of change_words starts in [s, e) (and may run past e). next[w] holds the first
 * occurrence of word w at or after an earlier clause's start (NULL: none is left), and moves
 * only when it falls behind s: each word is searched for about once per paragraph, where
 * five find_before() copied and searched every clause (issue #17); most clauses name none. */
static bool names_change(const char **next, const char *s, const char *e)
{
	bool any = false;

	for (size_t w = 0; w < N_CHANGE_WORDS; w++) {
		if (next[w] != NULL && next[w] < s)
			next[w] = strstr(s, change_words[w]);
		any |= next[w] != NULL && next[w] < e;
	}
	return any;
}

/* E04: 增加/减少 followed by a negative number; 持平 in a clause that states a change. */
static void directions(struct audit_ctx *c, size_t si, const char *s, const char *e,
                       const char **next)
{
	static const char *const words[] = { "增加", "增长", "减少", "下降" };

	if (!names_change(next, s, e))
		return;
	for (int w = 0; w < 4; w++)
		for (const char *p = s; (p = find_before(p, e, words[w])) != NULL; p += 6) {
			int64_t v;
			if (p[6] == '-' && number_at(p + 6, &v, NULL) && v != 0) {
				char zh[256], en[256];
				snprintf(zh, sizeof(zh), "“%s”后为负数", words[w]);
				snprintf(en, sizeof(en), "A negative number follows \"%s\"",
				         words[w]);
				sentence_finding(c, "E04", si, s, (size_t)(e - s), zh, en, false, 0,
				                 0, NULL);
				return;
			}
		}
	if (find_before(s, e, "持平") == NULL)
		return;
	for (int w = 0; w < 4; w++) {
		const char *p = find_before(s, e, words[w]);
		int64_t v;
		if (p != NULL && number_at(p + 6, &v, NULL) && v != 0) {
			sentence_finding(
			    c, "E04", si, s, (size_t)(e - s), "同一分句既称“持平”又陈述增减额",
			    "One clause says both 持平 (unchanged) and a non-zero change", false, 0,
			    0, NULL);
			return;
		}
	}
}

/* Where the first of the n stops (n <= 8) begins at or after p, or p's end. One pass: a
 * strstr for each stop read the rest of the paragraph n times for every clause (issue #17). */
static const char *next_stop(const char *p, const char *const *stops, size_t n)
{
	char first[9];

	for (size_t i = 0; i < n; i++)
		first[i] = stops[i][0];
	first[n] = '\0';
	for (p += strcspn(p, first); *p != '\0'; p += 1 + strcspn(p + 1, first))
		for (size_t i = 0; i < n; i++)
			if (strncmp(p, stops[i], strlen(stops[i])) == 0)
				return p;
	return p;
}

/* ---- E01 (items), E08: an item's own-year amount; growth against a zero base ---------------- */

static bool starts_with_year(const char *s, int year)
{
	char y[16];

	snprintf(y, sizeof(y), "%d年", year);
	return s != NULL && strncmp(s, y, strlen(y)) == 0;
}

/* A figure under a coded heading that states the item's amount of the disclosure's own year
 * (2024年预算安排 under “…住房公积金（项）”350.35万元): the same row of the function table. */
static bool this_year_amount(const struct audit_ctx *c, const struct figure *fig)
{
	const char *l = json_string_value(fig->label);

	return c->year != 0 && starts_with_year(l, c->year) && strstr(l, "执行") == NULL &&
	       (strstr(l, "预算安排") != NULL || strstr(l, "预算数") != NULL ||
	        strstr(l, "决算数") != NULL);
}

/* The box of the first figure printed after fig (in its section or a later one). */
static const json_t *next_box(const struct audit_ctx *c, size_t si, const json_t *fig)
{
	const json_t *secs = json_object_get(c->doc, "explanations");
	bool after = false;

	for (size_t i = si; i < json_array_size(secs); i++) {
		size_t k;
		json_t *f;
		const json_t *figs = json_object_get(json_array_get(secs, i), "figures");
		json_array_foreach (figs, k, f) {
			if (f == fig)
				after = true;
			else if (after && json_object_get(f, "box") != NULL)
				return json_object_get(f, "box");
		}
	}
	return NULL;
}

/* E08: a growth rate stated against a prior-year amount of 0 (the change equals the amount,
 * or the figure before it gives last year's amount as 0): undefined, whatever is printed. */
static void zero_base(struct audit_ctx *c, size_t si, const json_t *sec, const struct figure *prev,
                      const struct figure *fig)
{
	int64_t amount, change, pct, before;
	bool zero = false;

	if (audit_dec(fig->pct, &pct) != 0 || pct == 0)
		return;
	if (audit_dec(fig->amount, &amount) == 0 && amount != 0 &&
	    audit_dec(fig->change, &change) == 0 && change == amount)
		zero = true;
	if (prev != NULL && c->year != 0 && fig->codes == NULL &&
	    starts_with_year(json_string_value(prev->label), c->year - 1) &&
	    audit_dec(prev->amount, &before) == 0 && before == 0)
		zero = true;
	if (!zero)
		return;

	struct audit_place p = AUDIT_PLACE_INIT;
	char quote[1024], zh[512], en[512];
	const char *pcts = json_string_value(fig->pct);
	p.section = (int)si;
	p.box = fig->box;
	p.quote = json_string_value(fig->label);
	/* the quote: from the clause stating the change (or the rate) through the rate, in the
	 * sentence that prints both the rate and the amount */
	static const char *const words[] = { "增长", "增加", "下降", "减少" };
	for (size_t w = 0; w < 4 && p.quote == json_string_value(fig->label); w++) {
		char needle[64];
		size_t j;
		json_t *para;
		snprintf(needle, sizeof(needle), "%s%s%%", words[w], pcts);
		const json_t *paras = json_object_get(sec, "paragraphs");
		json_array_foreach (paras, j, para) {
			const char *t = json_string_value(para), *b = t, *r;
			for (r = t ? strstr(t, needle) : NULL; r != NULL;
			     r = strstr(r + 1, needle)) {
				const char *sb = t, *se = r + strlen(needle), *cb;
				for (const char *q = t; (q = strstr(q, "。")) != NULL && q < r;
				     q += 3)
					sb = q + 3;
				const char *a = json_string_value(fig->amount),
				           *ch = json_string_value(fig->change);
				const char *hit = a ? strstr(sb, a) : NULL;
				if (hit == NULL || hit > r)
					continue;
				/* the clause of the change amount, if printed, else of the rate */
				const char *anchor = r;
				if (ch != NULL) {
					char cn[64];
					for (size_t v = 0; v < 4; v++) {
						snprintf(cn, sizeof(cn), "%s%s", words[v], ch);
						const char *x = strstr(sb, cn);
						if (x != NULL && x < anchor)
							anchor = x;
					}
				}
				cb = sb;
				for (const char *q = sb;
				     (q = strstr(q, "，")) != NULL && q < anchor; q += 3)
					cb = q + 3;
				snprintf(quote, sizeof(quote), "%.*s",
				         (int)(se - cb < 1000 ? se - cb : 1000), cb);
				p.quote = quote;
				p.box = box_near(c, si, cb);
				if (p.box == NULL && anchor == r)
					p.box = fig->box;
				else if (p.box == NULL) {
					/* the change is printed after the figure's amount and before
					 * the next figure: its page is known when both are on one */
					const json_t *nb = next_box(c, si, fig->o);
					p.box = fig->box;
					if (nb == NULL ||
					    json_integer_value(json_array_get(nb, 0)) !=
					        json_integer_value(json_array_get(p.box, 0))) {
						p.box = NULL;
						p.no_page = true;
					}
				}
				b = NULL;
				break;
			}
			if (b == NULL)
				break;
		}
	}
	snprintf(zh, sizeof(zh), "上年数为 0，增减幅度 %s%% 无从计算（“%s”）", pcts,
	         json_string_value(fig->label) ? json_string_value(fig->label) : "");
	snprintf(en, sizeof(en),
	         "A change of %s%% is stated against a prior-year amount of 0 (\"%s\"): a rate "
	         "against 0 is undefined",
	         pcts, json_string_value(fig->label) ? json_string_value(fig->label) : "");
	audit_add(c, "E08", &p, zh, en, false, 0, 0, NULL);
}

/* ---- E09, E10: the items of a list (…（款）X（项）…主要用于… 主要原因…) --------------------- */

struct span {
	const char *s;
	size_t n;
};

struct item {
	struct span name, use, reason;
	const char *use_from, *reason_from; /* where the quote starts */
};

/* memmem (GNU), not a memcmp at every byte: issue #17. */
static bool contains(struct span hay, struct span needle)
{
	if (needle.n == 0 || needle.n > hay.n)
		return false;
	return memmem(hay.s, hay.n, needle.s, needle.n) != NULL;
}

static bool same(struct span a, struct span b)
{
	return a.n > 0 && a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

/* needle in [s, e), or NULL. */
static const char *find_in(const char *s, const char *e, const char *needle)
{
	size_t nl = strlen(needle);

	if (e < s || (size_t)(e - s) < nl)
		return NULL;
	return memmem(s, (size_t)(e - s), needle, nl);
}

/* The text after marker (skipping 是 and a colon) up to 。 or limit. */
static struct span text_after(const char *m, size_t ml, const char *limit)
{
	const char *p = m + ml, *e;

	if (strncmp(p, "是", 3) == 0)
		p += 3;
	if (strncmp(p, "：", 3) == 0)
		p += 3;
	else if (*p == ':')
		p++;
	e = find_in(p, limit, "。");
	if (e == NULL)
		e = limit;
	return (struct span){ p, e > p ? (size_t)(e - p) : 0 };
}

static size_t parse_items(const char *t, struct item *it, size_t n, size_t max)
{
	static const char xiang[] = "（项）", kuan[] = "（款）";

	const char *k = NULL, *kq = t;

	for (const char *p = t; n < max && (p = strstr(p, xiang)) != NULL; p += strlen(xiang)) {
		const char *next = strstr(p + strlen(xiang), xiang), *end;
		/* the last 款 before this 项 (k advances with p: linear) */
		for (const char *q; (q = strstr(kq, kuan)) != NULL && q < p; kq = q + strlen(kuan))
			k = q + strlen(kuan);
		if (k == NULL || k > p)
			continue;
		end = next != NULL ? next : t + strlen(t);
		struct item x = { { k, (size_t)(p - k) }, { NULL, 0 }, { NULL, 0 }, NULL, NULL };
		const char *u = find_in(p, end, "主要用于"), *r = find_in(p, end, "主要原因");
		if (u != NULL && u < end) {
			x.use = text_after(u, strlen("主要用于"), end);
			x.use_from = k;
		}
		if (r != NULL && r < end) {
			x.reason = text_after(r, strlen("主要原因"), end);
			x.reason_from = r;
		}
		it[n++] = x;
	}
	return n;
}

static void copied(struct audit_ctx *c, size_t si, const struct item *a, const struct item *b,
                   bool use)
{
	struct span ta = use ? a->use : a->reason;
	const char *from = use ? a->use_from : a->reason_from;
	char quote[1024], name[128], other[128], zh[1024], en[1024];
	struct audit_place p = AUDIT_PLACE_INIT;
	size_t len = (size_t)(ta.s + ta.n - from);

	snprintf(quote, sizeof(quote), "%.*s", (int)(len < 1000 ? len : 1000), from);
	snprintf(name, sizeof(name), "%.*s", (int)(a->name.n < 120 ? a->name.n : 120), a->name.s);
	snprintf(other, sizeof(other), "%.*s", (int)(b->name.n < 120 ? b->name.n : 120), b->name.s);
	p.section = (int)si;
	p.quote = quote;
	p.box = box_near(c, si, from);
	snprintf(zh, sizeof(zh), "%s（项）的%s“%.*s”与%s（项）的完全相同，且说的是后者", name,
	         use ? "用途" : "原因", (int)(ta.n < 600 ? ta.n : 600), ta.s, other);
	snprintf(en, sizeof(en),
	         "Item %s gives the %s of item %s word for word (\"%.*s\"), naming that item, "
	         "not its own",
	         name, use ? "use" : "reason", other, (int)(ta.n < 600 ? ta.n : 600), ta.s);
	audit_add(c, "E10", &p, zh, en, false, 0, 0, NULL);
}

/* E10: an item whose use or reason is, word for word, another item's and names that other
 * item, not its own (copied from the neighbour). Texts naming no item (项目调整) are not
 * compared. */
static void section_items(struct audit_ctx *c, size_t si, const json_t *sec)
{
	struct item it[256];
	size_t n = 0, j;
	json_t *para;

	const json_t *paras = json_object_get(sec, "paragraphs");
	json_array_foreach (paras, j, para)
		if (json_is_string(para))
			n = parse_items(json_string_value(para), it, n, 256);
	for (size_t a = 0; a < n; a++)
		for (int use = 1; use >= 0; use--) {
			struct span ta = use ? it[a].use : it[a].reason;
			bool done = false;
			if (ta.n == 0 || contains(ta, it[a].name))
				continue;
			for (size_t b = 0; b < n && !done; b++) {
				struct span tb = use ? it[b].use : it[b].reason;
				if (b == a || same(it[a].name, it[b].name) || !same(ta, tb) ||
				    !contains(tb, it[b].name))
					continue;
				copied(c, si, &it[a], &it[b], use);
				done = true;
			}
			if (done)
				break;
		}
}

/* E09: the reason given for a change says the opposite direction (减少2.98%。主要原因是：…经费增加). */
static int direction_of(const char *s, const char *e)
{
	static const char *const up[] = { "增加", "增长" }, *const down[] = { "减少", "下降" };
	bool u = false, d = false;

	for (int k = 0; k < 2; k++) {
		u |= find_in(s, e, up[k]) != NULL;
		d |= find_in(s, e, down[k]) != NULL;
	}
	return u == d ? 0 : u ? 1 : -1;
}

static void reason_direction(struct audit_ctx *c, size_t si, const char *para)
{
	static const char *const words[] = { "增加", "增长", "减少", "下降" };
	static const char marker[] = "主要原因";

	/* sentence starts, the previous reason's end and the next 。, all advanced with m: one
	 * pass over the paragraph */
	const char *b = para, *prevb = para, *sq = para, *last = para, *stop = NULL;
	const char *end = para + strlen(para);

	for (const char *m = para; (m = strstr(m, marker)) != NULL; m += strlen(marker)) {
		/* the stated change: the last 增加/减少 + number in the sentence before the reason
		 * (or in the reason's own sentence), after the previous reason */
		const char *stated = NULL;
		int sd = 0;
		for (const char *q; (q = find_in(sq, m, "。")) != NULL; sq = q + 3) {
			prevb = b;
			b = q + 3;
		}
		sq = m;
		const char *from = b == m ? prevb : b; /* 。主要原因: the sentence before */
		if (from < last)
			from = last;
		last = m + strlen(marker);
		if (stop == NULL || stop < m) {
			stop = strstr(m, "。");
			if (stop == NULL)
				stop = end;
		}
		for (int w = 0; w < 4; w++)
			for (const char *q = from; (q = find_in(q, m, words[w])) != NULL; q += 6) {
				int64_t v;
				if (number_at(q + 6, &v, NULL) && (stated == NULL || q > stated)) {
					stated = q;
					sd = w < 2 ? 1 : -1;
				}
			}
		if (stated == NULL)
			continue;
		const char *nm = strstr(m + strlen(marker), marker),
		           *lim = stop < end ? stop + 3 : end;
		if (nm != NULL && nm < lim)
			lim = nm; /* a reason ends at the next reason */
		struct span r = text_after(m, strlen(marker), lim);
		int rd = direction_of(r.s, r.s + r.n);
		if (rd == 0 || rd == sd)
			continue;
		char zh[512], en[512];
		snprintf(zh, sizeof(zh), "陈述为%s，原因却说“%.*s”", sd > 0 ? "增加" : "减少",
		         (int)(r.n < 400 ? r.n : 400), r.s);
		snprintf(en, sizeof(en), "A %s is explained as \"%.*s\" (the opposite direction)",
		         sd > 0 ? "rise" : "fall", (int)(r.n < 400 ? r.n : 400), r.s);
		sentence_finding(c, "E09", si, stated, (size_t)(r.s + r.n - stated), zh, en, false,
		                 0, 0, NULL);
	}
}

/* ---- E11: a total and the parts its 其中 lists --------------------------------------------- */

static const char *const sum_units[] = { "万元", "平方米", "元" };

/* 105.58万元。其中：人员经费95.36万元，…；公用经费10.23万元 — the parts listed (one amount
 * per clause, in the total's unit; clauses stating a change skipped) may not add up to more
 * than the total. A shorter sum is not a finding: a 其中 list need not be complete. */
static void listed_parts(struct audit_ctx *c, size_t si, const char *para)
{
	static const char qz[] = "其中";

	for (const char *p = para; (p = strstr(p, qz)) != NULL; p += strlen(qz)) {
		const char *q = p, *unit = NULL, *ts;
		if (q - para >= 3 && (strncmp(q - 3, "（", 3) == 0 ||
		                      strncmp(q - 3, "，", 3) == 0 || strncmp(q - 3, "。", 3) == 0))
			q -= 3;
		else if (q > para && (q[-1] == '(' || q[-1] == ','))
			q--;
		for (size_t u = 0; u < sizeof(sum_units) / sizeof(sum_units[0]) && !unit; u++) {
			size_t ul = strlen(sum_units[u]);
			if (q - para >= (long)ul && strncmp(q - ul, sum_units[u], ul) == 0)
				unit = sum_units[u];
		}
		if (unit == NULL)
			continue;
		ts = q - strlen(unit);
		while (ts > para &&
		       ((ts[-1] >= '0' && ts[-1] <= '9') || ts[-1] == '.' || ts[-1] == ','))
			ts--;
		int64_t total, sum = 0;
		if (!number_at(ts, &total, NULL))
			continue;
		const char *r = p + strlen(qz);
		if (strncmp(r, "：", 3) == 0)
			r += 3;
		else if (*r == ':')
			r++;
		int depth = 0, parts = 0;
		bool has_num = false, change = false, abort = false;
		while (*r && !abort) {
			/* a UTF-8 continuation byte starts none of the marks below */
			if ((unsigned char)*r >= 0x80 && (unsigned char)*r < 0xc0) {
				r++;
				continue;
			}
			if (strncmp(r, "（", 3) == 0 || *r == '(') {
				depth++;
				r += *r == '(' ? 1 : 3;
				continue;
			}
			if (strncmp(r, "）", 3) == 0 || *r == ')') {
				if (depth == 0)
					break;
				depth--;
				r += *r == ')' ? 1 : 3;
				continue;
			}
			if (depth == 0) {
				if (strncmp(r, "。", 3) == 0)
					break;
				if (strncmp(r, "，", 3) == 0 || strncmp(r, "；", 3) == 0 ||
				    strncmp(r, "、", 3) == 0 || *r == ',' || *r == ';') {
					has_num = change = false;
					r += (*r == ',' || *r == ';') ? 1 : 3;
					continue;
				}
				if (strncmp(r, qz, strlen(qz)) == 0 || strncmp(r, "合计", 6) == 0 ||
				    strncmp(r, "总计", 6) == 0) {
					abort = true;
					break;
				}
				if (strncmp(r, "增加", 6) == 0 || strncmp(r, "减少", 6) == 0 ||
				    strncmp(r, "增长", 6) == 0 || strncmp(r, "下降", 6) == 0 ||
				    strncmp(r, "比", 3) == 0)
					change = true;
				if (*r >= '0' && *r <= '9') {
					int64_t v;
					const char *end;
					if (number_at(r, &v, &end) &&
					    strncmp(end, unit, strlen(unit)) == 0 && !has_num &&
					    !change) {
						sum += v;
						parts++;
						has_num = true;
					}
					r = end > r ? end : r + 1;
					continue;
				}
			}
			r++;
		}
		if (abort || parts < 2 || sum <= total)
			continue;
		char zh[512], en[512], ss[64], tt[64], dd[64];
		audit_fmt(sum, ss, sizeof(ss));
		audit_fmt(total, tt, sizeof(tt));
		audit_fmt(sum - total, dd, sizeof(dd));
		snprintf(zh, sizeof(zh), "“其中”所列 %d 项之和 %s%s，大于所述总数 %s%s，相差 %s%s",
		         parts, ss, unit, tt, unit, dd, unit);
		snprintf(
		    en, sizeof(en),
		    "The %d parts listed after 其中 add up to %s %s, more than the stated total "
		    "%s %s (%s %s apart)",
		    parts, ss, unit, tt, unit, dd, unit);
		sentence_finding(c, "E11", si, ts, (size_t)(r - ts), zh, en, true, sum, total,
		                 unit);
	}
}

static void paragraph(struct audit_ctx *c, size_t si, const char *para)
{
	static const char *const sentence[] = { "。" };
	static const char *const clause[] = { "，", "。", "；", ";", "," };
	const char *next[N_CHANGE_WORDS];

	for (size_t w = 0; w < N_CHANGE_WORDS; w++)
		next[w] = strstr(para, change_words[w]);
	for (const char *s = para; *s;) {
		const char *e = next_stop(s, sentence, 1);
		completion(c, si, s, e);
		s = *e ? e + 3 : e;
	}
	for (const char *s = para; *s;) {
		const char *e = next_stop(s, clause, 5);
		directions(c, si, s, e, next);
		s = *e ? e + (*e == ';' || *e == ',' ? 1 : 3) : e;
	}
	comparison(c, si, para);
	reason_direction(c, si, para);
	listed_parts(c, si, para);
}

/* ---- E12: the same funds' income and expenditure, with one amount, change by one amount ----- */

/* The label with a trailing 预算 dropped and its 收入 or 支出 made 收支; side 1 for 收入, -1
 * for 支出, 0 for neither. */
static int side_label(const char *l, char *buf, size_t size)
{
	size_t n = l != NULL ? strlen(l) : 0;
	char *p;
	int side = 0;

	if (n == 0 || n >= size)
		return 0;
	memcpy(buf, l, n + 1);
	while (n >= 6 && strcmp(buf + n - 6, "预算") == 0)
		buf[n -= 6] = '\0';
	if ((p = strstr(buf, "收入")) != NULL)
		side = 1;
	else if ((p = strstr(buf, "支出")) != NULL)
		side = -1;
	else
		return 0;
	if (strstr(p + 6, "收入") != NULL || strstr(p + 6, "支出") != NULL)
		return 0;
	memcpy(p, "收支", 6);
	return side;
}

/* The clause of the section's paragraphs that states a change of `change` (增加/减少 + it). */
static const char *change_clause(const json_t *sec, const char *change, size_t *len)
{
	static const char *const words[] = { "增加", "减少", "增长", "下降" };
	static const char *const stops[] = { "，", "；", "。" };
	size_t j;
	json_t *para;

	const json_t *paras = json_object_get(sec, "paragraphs");
	json_array_foreach (paras, j, para) {
		const char *t = json_string_value(para);
		for (int w = 0; t != NULL && w < 4; w++) {
			char needle[80];
			snprintf(needle, sizeof(needle), "%s%s", words[w], change);
			const char *r = strstr(t, needle), *b = t, *e;
			if (r == NULL)
				continue;
			for (int k = 0; k < 3; k++)
				for (const char *q = t; (q = strstr(q, stops[k])) != NULL && q < r;
				     q += 3)
					if (q + 3 > b)
						b = q + 3;
			e = next_stop(r, stops, 3);
			*len = (size_t)(e - b);
			return b;
		}
	}
	return NULL;
}

static void income_expenditure(struct audit_ctx *c, size_t si, const json_t *sec)
{
	const struct figure *figs = c->tokens->f;
	size_t nf = c->tokens->nf;

	for (size_t i = 0; i < nf; i++) {
		const struct figure *a = &figs[i];
		char la[256], lb[256];
		int64_t aa, ac, ba, bc;
		if (side_label(json_string_value(a->label), la, sizeof(la)) != 1 ||
		    audit_dec(a->amount, &aa) != 0 || audit_dec(a->change, &ac) != 0 || aa == 0)
			continue;
		for (size_t j = 0; j < nf; j++) {
			const struct figure *b = &figs[j];
			if (side_label(json_string_value(b->label), lb, sizeof(lb)) != -1 ||
			    strcmp(la, lb) != 0 || audit_dec(b->amount, &ba) != 0 ||
			    audit_dec(b->change, &bc) != 0 || ba != aa || bc == ac)
				continue;
			struct audit_place p = AUDIT_PLACE_INIT;
			char quote[1024], zh[1024], en[1024];
			size_t len = 0;
			const char *q = change_clause(sec, json_string_value(a->change), &len);
			p.section = (int)si;
			p.quote = json_string_value(a->label);
			if (q != NULL) {
				snprintf(quote, sizeof(quote), "%.*s",
				         (int)(len < 1000 ? len : 1000), q);
				p.quote = quote;
			}
			p.box = a->box;
			const json_t *nb = next_box(c, si, a->o);
			if (p.box != NULL &&
			    (nb == NULL || json_integer_value(json_array_get(nb, 0)) !=
			                       json_integer_value(json_array_get(p.box, 0)))) {
				p.box = NULL;
				p.no_page = true;
			}
			snprintf(zh, sizeof(zh),
			         "%s与%s同为 %s%s，增减额却一为 %s%s、一为 %s%s（比较的基数不同）",
			         json_string_value(a->label), json_string_value(b->label),
			         json_string_value(a->amount), c->unit,
			         json_string_value(a->change), c->unit,
			         json_string_value(b->change), c->unit);
			snprintf(
			    en, sizeof(en),
			    "%s and %s are both %s %s, but change by %s and by %s (two different "
			    "bases)",
			    json_string_value(a->label), json_string_value(b->label),
			    json_string_value(a->amount), c->unit, json_string_value(a->change),
			    json_string_value(b->change));
			audit_add(c, "E12", &p, zh, en, true, (audit_amt)bc, (audit_amt)ac,
			          c->unit);
			break;
		}
	}
}

void audit_text(struct audit_ctx *c)
{
	const json_t *gen =
	    audit_table_of_type(c, "budget_general_function", "final_general_function");
	size_t i, j;
	json_t *sec, *para;

	struct audit_tokens tokens = { .t = NULL };
	struct table_totals totals = { .n = 0, .have = false };

	c->tokens = &tokens;
	const json_t *secs = json_object_get(c->doc, "explanations");
	json_array_foreach (secs, i, sec) {
		const struct figure *coded = NULL, *prev = NULL;
		if (section_figures(c, sec) != 0) {
			c->oom = true;
			break;
		}
		tokens_build(c, i, sec);
		for (j = 0; j < tokens.nf; j++) {
			const struct figure *fig = &tokens.f[j];
			if (fig->codes != NULL)
				coded = fig;
			if (gen != NULL)
				figure_codes(c, gen, i, fig, fig->codes);
			/* a figure under a coded heading, checked with the heading's codes */
			if (gen != NULL && coded != NULL && coded != fig && fig->codes == NULL &&
			    this_year_amount(c, fig))
				figure_codes(c, gen, i, fig, coded->codes);
			figure_change(c, i, fig);
			zero_base(c, i, sec, prev, fig);
			prev = fig;
		}
		section_shares(c, i, tokens.f, tokens.nf, &totals);
		const json_t *paras = json_object_get(sec, "paragraphs");
		json_array_foreach (paras, j, para)
			if (json_is_string(para))
				paragraph(c, i, json_string_value(para));
		section_items(c, i, sec);
		income_expenditure(c, i, sec);
	}
	free(tokens.t);
	free(tokens.plen);
	free(tokens.f);
	c->tokens = NULL;
}
