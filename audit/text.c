// SPDX-License-Identifier: MIT
// Text rules: what the explanations state, against the tables or recomputed.
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define PCT_SCALE ((audit_amt)100 * DB_DEC_SCALE) /* a ratio in millionths of a percent */

/* ---- E01: an amount stated for a code equals that row of the function table -------------- */

static int find_row(const json_t *t, const char *codes)
{
	size_t i;
	json_t *row;
	char rc[16];

	json_array_foreach (json_object_get(t, "rows"), i, row) {
		audit_codes(json_object_get(row, "codes"), rc);
		if (rc[0] && strcmp(rc, codes) == 0)
			return (int)i;
	}
	return -1;
}

/* Whether the figure's amount agrees with its code's row in t, within its rounding: 1 yes,
 * 0 no, -1 not comparable (no such row). */
static int agrees(const struct audit_ctx *c, const json_t *t, const char *codes, const json_t *fig)
{
	const char *key = audit_first_key(t, "total");
	const char *tunit = audit_str(t, "unit") ? audit_str(t, "unit") : c->unit;
	int64_t amount, cellv, ft = audit_unit_factor(c->unit), ftab = audit_unit_factor(tunit);
	int r;

	if (t == NULL || key == NULL || ft == 0 || ftab == 0 ||
	    audit_dec(json_object_get(fig, "amount"), &amount) != 0 || (r = find_row(t, codes)) < 0)
		return -1;
	if (audit_dec(json_object_get(
	                  json_object_get(json_array_get(json_object_get(t, "rows"), (size_t)r),
	                                  "amounts"),
	                  key),
	              &cellv) != 0)
		cellv = 0;
	int64_t f = ft < ftab ? ft : ftab;
	return audit_within((audit_amt)amount * (ft / f), (audit_amt)cellv * (ftab / f),
	                    audit_half_digit(audit_str(fig, "amount")) * (ft / f));
}

/* The function table first; a figure that matches the expenditure table's row instead (all
 * funds, not only the general budget) is not a finding. */
static void figure_codes(struct audit_ctx *c, const json_t *gen, size_t si, const json_t *fig)
{
	const char *key = audit_first_key(gen, "total");
	const char *tunit = audit_str(gen, "unit") ? audit_str(gen, "unit") : c->unit;
	int64_t amount, cellv, ft = audit_unit_factor(c->unit), ftab = audit_unit_factor(tunit);
	char codes[16], e[64], a[64], d[64], tl[32], zh[1024], en[1024];
	const json_t *row;
	int r;

	audit_codes(json_object_get(fig, "codes"), codes);
	if (!codes[0] || key == NULL || ft == 0 || ftab == 0 ||
	    audit_dec(json_object_get(fig, "amount"), &amount) != 0 ||
	    (r = find_row(gen, codes)) < 0)
		return;
	row = json_array_get(json_object_get(gen, "rows"), (size_t)r);
	if (audit_dec(json_object_get(json_object_get(row, "amounts"), key), &cellv) != 0)
		cellv = 0;
	/* both in the finer unit; the text figure is rounded to its last printed digit */
	int64_t f = ft < ftab ? ft : ftab;
	audit_amt vt = (audit_amt)amount * (ft / f), vr = (audit_amt)cellv * (ftab / f);
	audit_amt tol = audit_half_digit(audit_str(fig, "amount")) * (ft / f);
	const char *unit = ft < ftab ? c->unit : tunit;
	if (audit_within(vt, vr, tol) ||
	    agrees(c, audit_table_of_type(c, "budget_expenditure", "final_expenditure"), codes,
	           fig) == 1)
		return;
	struct audit_place p = AUDIT_PLACE_INIT;
	p.section = (int)si;
	p.quote = audit_str(fig, "label");
	p.box = json_object_get(fig, "box");
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

static void pct_finding(struct audit_ctx *c, const char *rule, size_t si, const json_t *fig,
                        audit_amt expected, int64_t printed, const char *what_zh,
                        const char *what_en)
{
	struct audit_place p = AUDIT_PLACE_INIT;
	char e[64], a[64], zh[1024], en[1024];

	p.section = (int)si;
	p.quote = audit_str(fig, "label");
	p.box = json_object_get(fig, "box");
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

static void figure_change(struct audit_ctx *c, size_t si, const json_t *fig)
{
	int64_t amount, change, pct;
	audit_amt h, lo, hi, hp;

	if (audit_dec(json_object_get(fig, "amount"), &amount) != 0 ||
	    audit_dec(json_object_get(fig, "change"), &change) != 0 ||
	    audit_dec(json_object_get(fig, "change_percent"), &pct) != 0)
		return;
	if ((change > 0 && pct < 0) || (change < 0 && pct > 0)) {
		struct audit_place p = AUDIT_PLACE_INIT;
		char zh[512], en[512];
		p.section = (int)si;
		p.quote = audit_str(fig, "label");
		p.box = json_object_get(fig, "box");
		snprintf(zh, sizeof(zh), "说明中“%s”的增减额 %s 与增减幅度 %s%% 方向相反",
		         p.quote ? p.quote : "", audit_str(fig, "change"),
		         audit_str(fig, "change_percent"));
		snprintf(en, sizeof(en),
		         "\"%s\": the change %s and the percentage %s%% point opposite ways",
		         p.quote ? p.quote : "", audit_str(fig, "change"),
		         audit_str(fig, "change_percent"));
		audit_add(c, "E04", &p, zh, en, false, 0, 0, NULL);
		return;
	}
	h = audit_half_digit(audit_str(fig, "amount"));
	if (audit_half_digit(audit_str(fig, "change")) > h)
		h = audit_half_digit(audit_str(fig, "change"));
	/* prior = amount - change; each of amount and change is off by up to h */
	if (!ratio_range(change, h, (audit_amt)amount - change, 2 * h, &lo, &hi))
		return;
	hp = audit_half_digit(audit_str(fig, "change_percent"));
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
		json_array_foreach (json_object_get(t, "rows"), i, row) {
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

static void section_shares(struct audit_ctx *c, size_t si, const json_t *sec)
{
	struct denom d[256];
	size_t n = 0, i;
	json_t *fig;
	int64_t f = audit_unit_factor(c->unit);

	if (f == 0)
		return;
	json_array_foreach (json_object_get(sec, "figures"), i, fig) {
		int64_t v;
		if (json_object_get(fig, "share") == NULL && n < 64 &&
		    audit_dec(json_object_get(fig, "amount"), &v) == 0 && v > 0)
			d[n++] = (struct denom){ (audit_amt)v * f,
				                 audit_half_digit(audit_str(fig, "amount")) * f };
	}
	n = table_denoms(c, d, n, sizeof(d) / sizeof(d[0]));
	json_array_foreach (json_object_get(sec, "figures"), i, fig) {
		int64_t a, s;
		audit_amt lo, hi, best = -1;
		bool ok = false;
		if (audit_dec(json_object_get(fig, "amount"), &a) != 0 ||
		    audit_dec(json_object_get(fig, "share"), &s) != 0)
			continue;
		/* a share rounded so that the parts add up to 100% may be one unit of its last
		 * digit off: the tolerance is one unit, not half */
		audit_amt tol = 2 * audit_half_digit(audit_str(fig, "share"));
		audit_amt h = audit_half_digit(audit_str(fig, "amount")) * f;
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

static void sentence_finding(struct audit_ctx *c, const char *rule, size_t si, const char *s,
                             size_t len, const char *zh, const char *en, bool numbers, audit_amt e,
                             audit_amt a, const char *unit)
{
	struct audit_place p = AUDIT_PLACE_INIT;
	char quote[1024];

	snprintf(quote, sizeof(quote), "%.*s", (int)(len < 1000 ? len : 1000), s);
	p.section = (int)si;
	p.quote = quote;
	audit_add(c, rule, &p, zh, en, numbers, e, a, unit);
}

/* E05, E06: 完成X预算的N% against X's budget in the same sentence. */
static void completion(struct audit_ctx *c, size_t si, const char *s, const char *e)
{
	static const char done[] = "完成";
	int64_t fin;

	for (const char *p = s; (p = strstr(p, done)) != NULL && p < e; p += strlen(done)) {
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

/* E04: 增加/减少 followed by a negative number; 持平 in a clause that states a change. */
static void directions(struct audit_ctx *c, size_t si, const char *s, const char *e)
{
	static const char *const words[] = { "增加", "增长", "减少", "下降" };

	for (int w = 0; w < 4; w++)
		for (const char *p = s; (p = strstr(p, words[w])) != NULL && p < e; p += 6) {
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
	const char *flat = strstr(s, "持平");
	if (flat == NULL || flat >= e)
		return;
	for (int w = 0; w < 4; w++) {
		const char *p = strstr(s, words[w]);
		int64_t v;
		if (p != NULL && p < e && number_at(p + 6, &v, NULL) && v != 0) {
			sentence_finding(
			    c, "E04", si, s, (size_t)(e - s), "同一分句既称“持平”又陈述增减额",
			    "One clause says both 持平 (unchanged) and a non-zero change", false, 0,
			    0, NULL);
			return;
		}
	}
}

static const char *next_stop(const char *p, const char *const *stops, size_t n)
{
	const char *best = p + strlen(p);

	for (size_t i = 0; i < n; i++) {
		const char *q = strstr(p, stops[i]);
		if (q != NULL && q < best)
			best = q;
	}
	return best;
}

static void paragraph(struct audit_ctx *c, size_t si, const char *para)
{
	static const char *const sentence[] = { "。" };
	static const char *const clause[] = { "，", "。", "；", ";", "," };

	for (const char *s = para; *s;) {
		const char *e = next_stop(s, sentence, 1);
		completion(c, si, s, e);
		s = *e ? e + 3 : e;
	}
	for (const char *s = para; *s;) {
		const char *e = next_stop(s, clause, 5);
		directions(c, si, s, e);
		s = *e ? e + (*e == ';' || *e == ',' ? 1 : 3) : e;
	}
	comparison(c, si, para);
}

void audit_text(struct audit_ctx *c)
{
	const json_t *gen =
	    audit_table_of_type(c, "budget_general_function", "final_general_function");
	size_t i, j;
	json_t *sec, *fig, *para;

	json_array_foreach (json_object_get(c->doc, "explanations"), i, sec) {
		json_array_foreach (json_object_get(sec, "figures"), j, fig) {
			if (gen != NULL)
				figure_codes(c, gen, i, fig);
			figure_change(c, i, fig);
		}
		section_shares(c, i, sec);
		json_array_foreach (json_object_get(sec, "paragraphs"), j, para)
			if (json_is_string(para))
				paragraph(c, i, json_string_value(para));
	}
}
