// SPDX-License-Identifier: MIT
// The directory at `/` without a department (#15), rendered by the server in one request:
// every department by region and level (部门公开/单位公开), the year and kind filters as a GET
// form, and the comparison strip (支出总计 and “三公”经费 per disclosure, from the store's facts,
// as /api/v1/aggregate sums them). static/directory.js only adds behaviour (search, filters
// without a reload). The markup is the one directory.js drew before, same ids and classes.
#include "page.h"

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* With more departments than this shown, the regions are listed with their counts and one
 * region's departments are shown at a time (?region=), so a store of thousands of
 * departments stays a page of tens of kilobytes. */
#define OPEN_MAX 100
/* The comparison strip lists at most this many disclosures, the largest 支出总计 first. */
#define STRIP_MAX 50

#define NO_REGION "未注明地区"

struct ref {
	int year;
	bool final, unit;
};

struct entry {
	char *id, *name, *region; /* region NULL: none published */
	char *name_key, *region_key; /* collation keys (see coll_key) */
	size_t first, n; /* its disclosures: refs[first .. first + n) */
	size_t shown; /* how many match the filters */
};

struct dir {
	struct entry *e;
	size_t n, cap;
	struct ref *refs;
	size_t n_refs, cap_refs;
	iconv_t cd; /* UTF-8 to GB18030, or (iconv_t)-1 */
	bool oom;
};

struct filter {
	int year; /* 0: any */
	const char *kind; /* NULL: any */
	const char *region; /* the region heading asked for (?region=), or NULL */
};

static bool grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t c;
	void *a;

	if (need <= *cap)
		return true;
	c = *cap ? *cap * 2 : 64;
	if ((a = realloc(*arr, c * size)) == NULL)
		return false;
	*arr = a;
	*cap = c;
	return true;
}

/* A key that sorts Chinese names as directory.js's localeCompare(…, 'zh-CN') did, near
 * enough: GB18030 orders the common characters (GB2312 level 1) by pinyin. Without the
 * converter, the UTF-8 text itself (code point order). Returns a malloc'd string. */
static char *coll_key(iconv_t cd, const char *s)
{
	size_t in_left = strlen(s), out_left = in_left * 2 + 1;
	char *out = malloc(out_left), *in = (char *)s, *o = out;

	if (out == NULL || cd == (iconv_t)-1) {
		free(out);
		return strdup(s);
	}
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &in_left, &o, &out_left) == (size_t)-1) {
		free(out);
		return strdup(s);
	}
	*o = '\0';
	return out;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int collect(void *ctx, const struct db_directory_row *row)
{
	struct dir *d = ctx;
	struct entry *e = d->n ? &d->e[d->n - 1] : NULL;

	if (e == NULL || strcmp(e->id, row->id) != 0) {
		if (!grow((void **)&d->e, &d->cap, d->n + 1, sizeof(*d->e)))
			goto oom;
		e = &d->e[d->n++];
		*e = (struct entry){ .first = d->n_refs };
		e->id = strdup(row->id);
		e->name = strdup(row->name);
		e->region = dup_or_null(row->region);
		e->name_key = coll_key(d->cd, row->name);
		e->region_key = row->region ? coll_key(d->cd, row->region) : NULL;
		if (!e->id || !e->name || !e->name_key || (row->region && !e->region_key))
			goto oom;
	}
	if (!grow((void **)&d->refs, &d->cap_refs, d->n_refs + 1, sizeof(*d->refs)))
		goto oom;
	d->refs[d->n_refs++] = (struct ref){ row->year, strcmp(row->kind, "final") == 0,
		                             strcmp(row->level, "unit") == 0 };
	e->n++;
	return 0;
oom:
	d->oom = true;
	return -1;
}

static void dir_free(struct dir *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->e[i].id);
		free(d->e[i].name);
		free(d->e[i].region);
		free(d->e[i].name_key);
		free(d->e[i].region_key);
	}
	free(d->e);
	free(d->refs);
	if (d->cd != (iconv_t)-1)
		iconv_close(d->cd);
}

/* Regions by name, the departments without one last; in a region, by name (then id). */
static int by_place(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int c;

	if ((a->region == NULL) != (b->region == NULL))
		return a->region == NULL ? 1 : -1;
	if (a->region && (c = strcmp(a->region_key, b->region_key)) != 0)
		return c;
	if ((c = strcmp(a->name_key, b->name_key)) != 0)
		return c;
	return strcmp(a->id, b->id);
}

static const char *region_of(const struct entry *e)
{
	return e->region ? e->region : NO_REGION;
}

static bool matches(const struct ref *r, const struct filter *f)
{
	return (f->year == 0 || r->year == f->year) &&
	       (f->kind == NULL || r->final == (strcmp(f->kind, "final") == 0));
}

/* ---- the query ---- */

static bool has_year(const struct dir *d, int year)
{
	for (size_t i = 0; i < d->n_refs; i++)
		if (d->refs[i].year == year)
			return true;
	return false;
}

static bool has_region(const struct dir *d, const char *region)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(region_of(&d->e[i]), region) == 0)
			return true;
	return false;
}

/* The filters of the query (page.c has refused a malformed year or kind); a year or
 * region the store does not have is no filter, as directory.js did. */
static void read_filter(const struct api_request *req, const struct dir *d, struct filter *f)
{
	const char *year = req->arg(req->ctx, "year"), *kind = req->arg(req->ctx, "kind");
	const char *region = req->arg(req->ctx, "region");

	f->year = year && *year ? atoi(year) : 0;
	if (f->year != 0 && !has_year(d, f->year))
		f->year = 0;
	f->kind = kind && (strcmp(kind, "budget") == 0 || strcmp(kind, "final") == 0) ? kind : NULL;
	f->region = region && *region && has_region(d, region) ? region : NULL;
}

/* /?year=…&kind=…&region=…, each only when set (region: with_region). */
static void dir_url(char *out, size_t size, const struct filter *f, const char *with_region,
                    const char *hash)
{
	char enc[600];
	size_t n = (size_t)snprintf(out, size, "/");
	const char *sep = "?";

	if (f->year && n < size) {
		n += (size_t)snprintf(out + n, size - n, "%syear=%d", sep, f->year);
		sep = "&";
	}
	if (f->kind && n < size) {
		n += (size_t)snprintf(out + n, size - n, "%skind=%s", sep, f->kind);
		sep = "&";
	}
	if (with_region && n < size) {
		api_pct_encode(enc, sizeof(enc), with_region);
		n += (size_t)snprintf(out + n, size - n, "%sregion=%s", sep, enc);
	}
	if (hash && n < size)
		snprintf(out + n, size - n, "%s", hash);
}

/* ---- the filters ---- */

static int by_year_desc(const void *a, const void *b)
{
	return *(const int *)b - *(const int *)a;
}

static void put_option(struct api_jw *w, const char *value, bool selected, const char *text)
{
	api_html_open(w, "option", "value", value, "selected", selected ? "" : NULL, NULL);
	api_html_text(w, text);
	api_html_close(w, "option");
}

static void put_year_select(struct api_jw *w, const struct dir *d, const struct filter *f)
{
	int *years = malloc((d->n_refs + 1) * sizeof(*years));
	size_t n = 0;

	if (years == NULL) {
		w->failed = true;
		return;
	}
	for (size_t i = 0; i < d->n_refs; i++) {
		size_t k = 0;
		while (k < n && years[k] != d->refs[i].year)
			k++;
		if (k == n)
			years[n++] = d->refs[i].year;
	}
	if (n > 0)
		qsort(years, n, sizeof(*years), by_year_desc);
	api_html_open(w, "label", "class", "dir-field", "for", "dir-year", NULL);
	api_html_text(w, "年度");
	api_html_open(w, "select", "id", "dir-year", "name", "year", NULL);
	put_option(w, "", f->year == 0, "全部年度");
	for (size_t i = 0; i < n; i++) {
		char v[16], t[24];
		snprintf(v, sizeof(v), "%d", years[i]);
		snprintf(t, sizeof(t), "%d年", years[i]);
		put_option(w, v, years[i] == f->year, t);
	}
	api_html_close(w, "select");
	api_html_close(w, "label");
	free(years);
}

/* A GET form: without JavaScript, 筛选 reloads / with ?year=&kind= (and the open region). */
static void put_filters(struct api_jw *w, const struct dir *d, const struct filter *f)
{
	const char *k = f->kind ? f->kind : "";

	api_html_open(w, "form", "class", "dir-filters", "aria-label", "按年度和类型筛选", "method",
	              "get", "action", "/", NULL);
	put_year_select(w, d, f);
	api_html_open(w, "label", "class", "dir-field", "for", "dir-kind", NULL);
	api_html_text(w, "类型");
	api_html_open(w, "select", "id", "dir-kind", "name", "kind", NULL);
	put_option(w, "", *k == '\0', "预算和决算");
	put_option(w, "budget", strcmp(k, "budget") == 0, "预算");
	put_option(w, "final", strcmp(k, "final") == 0, "决算");
	api_html_close(w, "select");
	api_html_close(w, "label");
	if (f->region)
		api_html_open(w, "input", "type", "hidden", "name", "region", "value", f->region,
		              NULL);
	api_html_elem(w, "button", "筛选", "type", "submit", "class", "dir-apply", NULL);
	api_html_close(w, "form");
}

/* The full-text search needs the script (it asks /api/v1/search): hidden until
 * directory.js shows it, so a reader without JavaScript meets no dead form. */
static void put_search(struct api_jw *w)
{
	api_html_open(w, "section", "id", "dir-search", "class", "doc-section", "aria-labelledby",
	              "dir-search-h", "hidden", "", NULL);
	api_html_elem(w, "h2", "检索公开内容", "id", "dir-search-h", NULL);
	api_html_open(w, "form", "role", "search", "class", "dir-form", NULL);
	api_html_elem(w, "label", "关键词", "for", "dir-q", NULL);
	api_html_open(w, "input", "id", "dir-q", "type", "search", "autocomplete", "off",
	              "placeholder", "如：视联网、公务接待", "aria-describedby", "dir-q-hint",
	              NULL);
	api_html_elem(w, "button", "检索", "type", "submit", NULL);
	api_html_close(w, "form");
	api_html_elem(w, "p", "检索各部门公开文件的全部文字；输入一两个字时只检索部门和项目名称。",
	              "id", "dir-q-hint", "class", "dir-hint", NULL);
	api_html_elem(w, "div", NULL, "id", "dir-results", NULL);
	api_html_close(w, "section");
}

/* ---- the list ---- */

static void put_dept(struct api_jw *w, const struct dir *d, const struct entry *e,
                     const struct filter *f, bool unit)
{
	api_html_open(w, "li", "data-dept", e->id, NULL);
	api_html_elem(w, "span", e->name, "class", "dir-name", NULL);
	api_html_open(w, "span", "class", "dir-links", NULL);
	for (size_t i = e->first; i < e->first + e->n; i++) {
		const struct ref *r = &d->refs[i];
		const char *kind = r->final ? "final" : "budget";
		char url[600], label[700], text[32];
		if (r->unit != unit || !matches(r, f))
			continue;
		api_page_url(url, sizeof(url), e->id, r->year, kind, unit ? "unit" : NULL);
		snprintf(text, sizeof(text), "%d年%s", r->year, r->final ? "决算" : "预算");
		snprintf(label, sizeof(label), "%s %s%s", e->name, text, unit ? "（单位）" : "");
		api_html_open(w, "a", "href", url, "aria-label", label, NULL);
		api_html_text(w, text);
		api_html_close(w, "a");
	}
	api_html_close(w, "span");
	api_html_close(w, "li");
}

/* Whether e has a shown disclosure of the level. */
static bool has_level(const struct dir *d, const struct entry *e, const struct filter *f, bool unit)
{
	for (size_t i = e->first; i < e->first + e->n; i++)
		if (d->refs[i].unit == unit && matches(&d->refs[i], f))
			return true;
	return false;
}

/* The region's departments (e[0..n)), 部门公开 then 单位公开. */
static void put_levels(struct api_jw *w, const struct dir *d, const struct entry *e, size_t n,
                       const struct filter *f)
{
	for (int unit = 0; unit < 2; unit++) {
		bool any = false;
		for (size_t i = 0; i < n && !any; i++)
			any = e[i].shown && has_level(d, &e[i], f, unit);
		if (!any)
			continue;
		api_html_open(w, "div", "class", "dir-level", "data-level",
		              unit ? "unit" : "department", NULL);
		api_html_elem(w, "h4", unit ? "单位公开" : "部门公开", NULL);
		api_html_open(w, "ul", "class", "dir-depts", NULL);
		for (size_t i = 0; i < n; i++)
			if (e[i].shown && has_level(d, &e[i], f, unit))
				put_dept(w, d, &e[i], f, unit);
		api_html_close(w, "ul");
		api_html_close(w, "div");
	}
}

/* One region: its heading with the count, then its departments, or (closed) a link that
 * opens it. */
static void put_region(struct api_jw *w, const struct dir *d, const struct entry *e, size_t n,
                       size_t index, const struct filter *f, bool open)
{
	char hid[32], hash[40], url[1200];
	size_t shown = 0;

	for (size_t i = 0; i < n; i++)
		shown += e[i].shown ? 1 : 0;
	snprintf(hid, sizeof(hid), "dir-region-%zu", index);
	api_html_open(w, "section", "class", "dir-region", "aria-labelledby", hid, "data-region",
	              region_of(e), NULL);
	api_html_open(w, "h3", "id", hid, NULL);
	api_html_text(w, region_of(e));
	api_html_open(w, "span", "class", "dir-count", NULL);
	api_html_textf(w, "%zu 个部门", shown);
	api_html_close(w, "span");
	api_html_close(w, "h3");
	if (open) {
		put_levels(w, d, e, n, f);
	} else {
		snprintf(hash, sizeof(hash), "#%s", hid);
		dir_url(url, sizeof(url), f, region_of(e), hash);
		api_html_open(w, "p", "class", "dir-more", NULL);
		api_html_open(w, "a", "href", url, NULL);
		api_html_textf(w, "查看%s的 %zu 个部门", region_of(e), shown);
		api_html_close(w, "a");
		api_html_close(w, "p");
	}
	api_html_close(w, "section");
}

static void put_status(struct api_jw *w, size_t shown, const struct filter *f, bool closed)
{
	api_html_open(w, "p", "id", "dir-status", "class", "lede", "role", "status", NULL);
	api_html_textf(w, "共 %zu 个部门", shown);
	if (f->year || f->kind) {
		api_html_text(w, "有");
		if (f->year)
			api_html_textf(w, "%d年的", f->year);
		api_html_text(w, !f->kind                        ? "预决算"
		                 : strcmp(f->kind, "final") == 0 ? "决算"
		                                                 : "预算");
		api_html_text(w, "公开");
	}
	if (closed)
		api_html_text(w, "。部门较多，按地区列出，点击地区查看其中的部门");
	api_html_close(w, "p");
}

/* The departments matching f, grouped by region then level. */
static void put_list(struct api_jw *w, struct dir *d, const struct filter *f)
{
	size_t shown = 0, index = 0;
	bool closed;

	for (size_t i = 0; i < d->n; i++) {
		struct entry *e = &d->e[i];
		e->shown = 0;
		for (size_t k = e->first; k < e->first + e->n; k++)
			e->shown += matches(&d->refs[k], f) ? 1 : 0;
		shown += e->shown ? 1 : 0;
	}
	closed = shown > OPEN_MAX;
	put_status(w, shown, f, closed);
	api_html_open(w, "div", "id", "dir-list", NULL);
	if (shown == 0)
		api_html_elem(w, "p", "没有符合条件的部门，请换一个年度或类型。", NULL);
	for (size_t i = 0, end; i < d->n; i = end) {
		size_t any = 0;
		for (end = i; end < d->n && strcmp(region_of(&d->e[end]), region_of(&d->e[i])) == 0;
		     end++)
			any += d->e[end].shown ? 1 : 0;
		if (any == 0)
			continue;
		put_region(w, d, &d->e[i], end - i, index++, f,
		           !closed || (f->region && strcmp(f->region, region_of(&d->e[i])) == 0));
	}
	api_html_close(w, "div");
}

/* ---- the page ---- */

int api_page_directory(struct api_jw *w, struct db *db, const struct api_request *req,
                       struct db_error *err)
{
	struct dir d = { .cd = iconv_open("GB18030", "UTF-8") };
	struct filter f;
	int rc = -1;

	if (db_directory(db, collect, &d, err) != 0) {
		if (d.oom)
			w->failed = true;
		goto done;
	}
	if (d.n > 0) /* an empty store: d.e is NULL, which qsort() must not be given */
		qsort(d.e, d.n, sizeof(*d.e), by_place);
	read_filter(req, &d, &f);
	/* app.js's busy() keeps #doc as it is when it holds a #status: directory.js removes it. */
	api_html_raw(w, "<p id=\"status\" hidden></p>");
	api_html_open(w, "p", "class", "lede", NULL);
	api_html_textf(
	    w,
	    "本站收录 %zu 个部门的预算、决算公开。按地区和层级浏览，或检索公开文件的全文；"
	    "点击即可查看该部门的公开内容。",
	    d.n);
	api_html_close(w, "p");
	put_filters(w, &d, &f);
	put_search(w);
	api_page_section(w, "dir-compare", "各部门对比");
	api_html_elem(w, "p",
	              "各部门公开的支出总计与“三公”经费（单位：万元），按支出总计从高到低排列；"
	              "只计部门公开，单位公开已含在其所属部门之中。",
	              "class", "lede", NULL);
	api_html_open(w, "div", "id", "dir-compare-body", NULL);
	/* A region without a published name cannot be a facts filter: the whole strip then. */
	if (api_page_directory_strip(w, db, f.year, f.kind,
	                             f.region && strcmp(f.region, NO_REGION) ? f.region : NULL,
	                             STRIP_MAX, err) != 0)
		goto done;
	api_html_close(w, "div");
	api_html_close(w, "section");
	api_page_section(w, "dir-depts", "部门目录");
	put_list(w, &d, &f);
	api_html_close(w, "section");
	rc = 0;
done:
	dir_free(&d);
	return rc;
}
