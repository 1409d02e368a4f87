// SPDX-License-Identifier: MIT
// The directory's comparison strip (#15): 支出总计 and “三公”经费 of each 部门 disclosure, summed
// from the store's facts by db_aggregate() exactly as /api/v1/aggregate gives them (fen,
// printed as 万元 digits), one row per disclosure, the largest 支出总计 first.
#include "page.h"

#include <stdlib.h>
#include <string.h>

struct sum {
	char *dept, *label; /* id, and the name its disclosure printed */
	int year;
	bool final, has;
	int64_t fen;
};

struct sums {
	struct sum *s;
	size_t n, cap;
	bool oom;
};

static int keep(void *ctx, const struct db_agg_group *g)
{
	struct sums *a = ctx;
	struct sum *s;

	if (a->n == a->cap) {
		size_t c = a->cap ? a->cap * 2 : 64;
		struct sum *p = realloc(a->s, c * sizeof(*p));
		if (p == NULL)
			goto oom;
		a->s = p;
		a->cap = c;
	}
	s = &a->s[a->n];
	*s = (struct sum){ .dept = strdup(g->key[0]),
		           .label = strdup(g->label[0] ? g->label[0] : g->key[0]),
		           .year = atoi(g->key[1]),
		           .final = strcmp(g->key[2], "final") == 0,
		           .has = g->has_sum,
		           .fen = g->fen };
	a->n++;
	if (s->dept == NULL || s->label == NULL)
		goto oom;
	return 0;
oom:
	a->oom = true;
	return -1;
}

static void sums_free(struct sums *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->s[i].dept);
		free(a->s[i].label);
	}
	free(a->s);
}

static int by_key(const void *pa, const void *pb)
{
	const struct sum *a = pa, *b = pb;
	int c = strcmp(a->dept, b->dept);

	if (c != 0)
		return c;
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	return (int)a->final - (int)b->final;
}

static int by_key_ptr(const void *pa, const void *pb)
{
	return by_key(*(const struct sum *const *)pa, *(const struct sum *const *)pb);
}

/* Every group of measure for the filters, in order (largest first). */
static int load(struct db *db, const char *measure, int year, const char *kind, const char *region,
                struct sums *out, struct db_error *err)
{
	struct db_agg_query q = { .measure = measure,
		                  .year = year,
		                  .kind = kind,
		                  .level = "department",
		                  .region = region,
		                  .group = { DB_AGG_DEPARTMENT, DB_AGG_YEAR, DB_AGG_KIND },
		                  .n_group = 3,
		                  .order = DB_AGG_BY_SUM_DESC };

	if (db_aggregate(db, &q, keep, out, NULL, err) == 0)
		return 0;
	if (out->oom)
		snprintf(err->text, sizeof(err->text), "out of memory");
	return -1;
}

/* A 万元 sum with at least two decimals (867.5 → 867.50), as directory.js's wan() did: the
 * digits of the exact sum, padded, no arithmetic. */
static void put_wan(struct api_jw *w, const struct sum *s)
{
	char buf[DB_DEC_BUFSZ + 4];
	size_t n;
	const char *dot;

	if (s == NULL || !s->has) {
		api_html_elem(w, "td", "未公开", "class", "num dir-none", NULL);
		return;
	}
	n = db_dec_format(s->fen, buf);
	dot = strchr(buf, '.');
	if (dot == NULL)
		snprintf(buf + n, sizeof(buf) - n, ".00");
	else if (strlen(dot) == 2)
		snprintf(buf + n, sizeof(buf) - n, "0");
	api_html_elem(w, "td", buf, "class", "num", NULL);
}

static void put_row(struct api_jw *w, const struct sum *row, const struct sum *exp,
                    const struct sum *sg)
{
	const char *kind = row->final ? "final" : "budget";
	char url[600], year[16];

	snprintf(year, sizeof(year), "%d", row->year);
	api_page_url(url, sizeof(url), row->dept, row->year, kind, NULL);
	api_html_open(w, "tr", "data-dept", row->dept, "data-year", year, "data-kind", kind, NULL);
	api_html_open(w, "th", "scope", "row", NULL);
	api_html_elem(w, "a", row->label, "href", url, NULL);
	api_html_open(w, "span", "class", "dir-sub", NULL);
	api_html_textf(w, "%d年%s", row->year, row->final ? "决算" : "预算");
	api_html_close(w, "span");
	api_html_close(w, "th");
	put_wan(w, exp);
	put_wan(w, sg);
	api_html_close(w, "tr");
}

static void put_head(struct api_jw *w)
{
	api_html_open(w, "div", "class", "dir-table", "role", "region", "tabindex", "0",
	              "aria-label", "各部门对比表（可左右滚动）", NULL);
	api_html_open(w, "table", "id", "dir-compare-table", NULL);
	api_html_elem(w, "caption", "各部门支出总计与“三公”经费（万元）", "class", "sr-only", NULL);
	api_html_raw(w, "<thead><tr><th scope=\"col\">部门及公开</th>"
	                "<th scope=\"col\" class=\"num\">支出总计</th>"
	                "<th scope=\"col\" class=\"num\">“三公”经费</th></tr></thead>");
	api_html_open(w, "tbody", NULL);
}

/* The rows: each 支出总计 (largest first) with its 三公, then the disclosures with a 三公 but
 * no 支出总计; at most max. sorted_exp and sg are sorted by key for the look-ups. */
static void put_rows(struct api_jw *w, const struct sums *exp, struct sum **sorted_exp,
                     const struct sums *sg, size_t max)
{
	size_t shown = 0, total = exp->n;

	put_head(w);
	for (size_t i = 0; i < exp->n && shown < max; i++, shown++)
		put_row(w, &exp->s[i], &exp->s[i],
		        sg->n == 0 ? NULL /* sg->s is NULL: not for bsearch() */
		                   : bsearch(&exp->s[i], sg->s, sg->n, sizeof(*sg->s), by_key));
	for (size_t i = 0; i < sg->n; i++) {
		const struct sum *key = &sg->s[i];
		if (bsearch(&key, sorted_exp, exp->n, sizeof(*sorted_exp), by_key_ptr))
			continue;
		total++;
		if (shown < max) {
			put_row(w, &sg->s[i], NULL, &sg->s[i]);
			shown++;
		}
	}
	api_html_close(w, "tbody");
	api_html_close(w, "table");
	api_html_close(w, "div");
	if (shown == total)
		return;
	api_html_open(w, "p", "class", "dir-hint", NULL);
	api_html_textf(w,
	               "共 %zu 项，这里列出支出总计最高的 %zu 项；选择年度、类型或地区可缩小范围。",
	               total, shown);
	api_html_close(w, "p");
}

int api_page_directory_strip(struct api_jw *w, struct db *db, int year, const char *kind,
                             const char *region, size_t max, struct db_error *err)
{
	struct sums exp = { 0 }, sg = { 0 };
	struct sum **sorted = NULL;
	int rc = -1;

	if (load(db, "expenditure", year, kind, region, &exp, err) != 0 ||
	    load(db, "sangong", year, kind, region, &sg, err) != 0)
		goto done;
	if (exp.n == 0 && sg.n == 0) {
		api_html_elem(w, "p", "所选年度和类型没有可对比的数字。", NULL);
		rc = 0;
		goto done;
	}
	/* The 支出总计 in key order too, to tell which 三公 have none. */
	if ((sorted = malloc((exp.n + 1) * sizeof(*sorted))) == NULL) {
		w->failed = true;
		goto done;
	}
	for (size_t i = 0; i < exp.n; i++)
		sorted[i] = &exp.s[i];
	/* qsort() of none is still a NULL pointer it must not be given. */
	if (exp.n > 0)
		qsort(sorted, exp.n, sizeof(*sorted), by_key_ptr);
	if (sg.n > 0)
		qsort(sg.s, sg.n, sizeof(*sg.s), by_key);
	put_rows(w, &exp, sorted, &sg, max);
	rc = 0;
done:
	free(sorted);
	sums_free(&exp);
	sums_free(&sg);
	return rc;
}
