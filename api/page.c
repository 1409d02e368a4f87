// SPDX-License-Identifier: MIT
// The citizen page rendered by the server (#15). `/?dept=…&year=…&kind=…[&level=unit]` is one
// disclosure: budgetd sends the page with every figure and table already in it, so it reads
// without JavaScript, a crawler sees it, and the first figures paint with the first bytes
// (static/app.js only adds behaviour). The template is static/index.html; its markers
// <!--budgetd:NAME--> are filled here.
#include "page.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define MARK "<!--budgetd:"

const char *api_page_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

void api_page_section(struct api_jw *w, const char *id, const char *title)
{
	char hid[80];

	snprintf(hid, sizeof(hid), "%s-h", id);
	api_html_open(w, "section", "id", id, "class", "doc-section", "aria-labelledby", hid, NULL);
	api_html_elem(w, "h2", title, "id", hid, NULL);
}

void api_page_table_name(const json_t *t, char *out, size_t size)
{
	char n[16];

	if (t == NULL) {
		snprintf(out, size, "%s", "");
		return;
	}
	api_numeral(api_table_position(t), n, sizeof(n));
	snprintf(out, size, "表%s", n);
}

void api_page_url(char *out, size_t size, const char *dept, int year, const char *kind,
                  const char *level)
{
	char id[256];
	bool unit = level != NULL && strcmp(level, "unit") == 0;

	api_pct_encode(id, sizeof(id), dept);
	snprintf(out, size, "/?dept=%s&year=%d&kind=%s%s", id, year, kind,
	         unit ? "&level=unit" : "");
}

/* ---- plain words (helper "tables"; used by the tables' footnotes and intro's source note) ---- */

/* The transcriber's field names and the page's words for them, as static/app.js had them
 * (NOTE_WORDS), applied in this order: \1, \2 stand for the pattern's groups. */
static const struct {
	const char *re, *to;
} note_words[] = {
	{ "(表(一|二|三|四|五|六|七|八|九))的unplaced_note", "\\1下方“未定栏目”的说明" },
	{ "列入unplaced", "列入“未定栏目”" },
	{ "unplaced", "“未定栏目”" },
	{ "记为withheld-([0-9]+)至withheld-([0-9]+)", "依次列为第\\1至第\\2个不予公开的项目" },
	{ "见projects", "见“项目支出”部分" },
	{ "以staffing数据记录", "以“人员情况”表列出" },
};

/* The replacement to, its \N taken from the match m of s. */
static void put_replacement(struct api_jw *out, const char *to, const char *s, const regmatch_t *m)
{
	for (; *to; to++) {
		int g = to[0] == '\\' && to[1] >= '1' && to[1] <= '9' ? to[1] - '0' : 0;
		if (g == 0) {
			api_jw_raw(out, to, 1);
			continue;
		}
		if (m[g].rm_so >= 0)
			api_jw_raw(out, s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
		to++;
	}
}

/* s with every match of re replaced by to: malloc'd, or NULL (memory). */
static char *replace_all(const char *s, const regex_t *re, const char *to)
{
	struct api_jw out;
	regmatch_t m[4];
	size_t len;
	int flags = 0;

	api_jw_init(&out);
	while (regexec(re, s, 4, m, flags) == 0 && m[0].rm_eo > m[0].rm_so) {
		api_jw_raw(&out, s, (size_t)m[0].rm_so);
		put_replacement(&out, to, s, m);
		s += m[0].rm_eo;
		flags = REG_NOTBOL;
	}
	api_jw_raw(&out, s, strlen(s));
	return api_jw_finish(&out, &len);
}

char *api_page_plain_words(const char *notes)
{
	char *text = strdup(notes != NULL ? notes : "");

	for (size_t i = 0; text != NULL && i < sizeof(note_words) / sizeof(note_words[0]); i++) {
		regex_t re;
		char *next;
		/* the patterns are literals of this program: they compile */
		if (regcomp(&re, note_words[i].re, REG_EXTENDED) != 0)
			continue;
		next = replace_all(text, &re, note_words[i].to);
		regfree(&re);
		free(text);
		text = next;
	}
	return text;
}

/* ---- end of plain words ---- */

bool api_page_same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

bool api_page_final(const struct api_page *p)
{
	return api_page_same(p->c->kind, "final");
}

const char *api_page_doc_kind(const char *kind, const char *level)
{
	bool final = api_page_same(kind, "final"), unit = api_page_same(level, "unit");

	if (unit)
		return final ? "单位决算" : "单位预算";
	return final ? "部门决算" : "部门预算";
}

/* 0, 0., 0.0, 0.00 (app.js's /^0(\.0*)?$/). */
static bool is_zero(const char *v)
{
	if (v[0] != '0' || (v[1] != '\0' && v[1] != '.'))
		return false;
	for (v += v[1] == '.' ? 2 : 1; *v == '0'; v++)
		;
	return *v == '\0';
}

void api_page_signed(struct api_jw *w, const char *v)
{
	if (v == NULL)
		return;
	if (*v != '-' && !is_zero(v))
		api_html_raw(w, "+");
	api_html_num(w, v);
}

const json_t *api_page_figure_column(const json_t *t)
{
	const json_t *cols = json_object_get(t, "columns"), *c;
	size_t i;

	for (int pass = 0; pass < 3; pass++) {
		json_array_foreach (cols, i, c) {
			const char *key = api_page_str(c, "key");
			bool final = api_page_same(api_page_str(c, "measure"), "final");
			if ((pass == 0 && api_page_same(key, "total")) ||
			    (pass == 1 && final && key != NULL && strncmp(key, "total", 5) == 0) ||
			    (pass == 2 && final))
				return c;
		}
	}
	return json_array_get(cols, 0);
}

void api_page_table_open(struct api_jw *w, const char *cls, const char *caption,
                         const char *const *heads)
{
	api_html_open(w, "table", "class", cls, NULL);
	api_html_elem(w, "caption", caption, NULL);
	api_html_raw(w, "<thead><tr>");
	for (; *heads != NULL; heads++) {
		bool num = **heads == '#';
		api_html_elem(w, "th", *heads + num, "scope", "col", "class", num ? "num" : NULL,
		              NULL);
	}
	api_html_raw(w, "</tr></thead><tbody>");
}

/* ---- which disclosure the query names ---- */

struct want {
	const char *dept, *kind, *level; /* level "department" or "unit" */
	int year; /* 0: the latest */
};

/* Newest first; in a year the budget before the final, the 部门 before the 单位 one (the
 * order of the header's select and of the other disclosures' links). */
static long rank(const json_t *d)
{
	return json_integer_value(json_object_get(d, "year")) * 4 +
	       (api_page_same(api_page_str(d, "kind"), "budget") ? 2 : 0) +
	       (api_page_same(api_page_str(d, "level"), "unit") ? 0 : 1);
}

static int newest_first(const void *a, const void *b)
{
	long ra = rank(*(json_t *const *)a), rb = rank(*(json_t *const *)b);

	return ra < rb ? 1 : ra > rb ? -1 : 0;
}

/* The department, with its disclosures newest first, as api_page's dept tree. */
static int detail_tree(void *ctx, const struct db_department_detail *d)
{
	json_t **refs = calloc(d->n_disclosures + 1, sizeof(*refs)), *list = json_array();
	json_t **out = ctx;
	size_t n = 0;

	for (; refs != NULL && n < d->n_disclosures; n++) {
		const struct db_disclosure_ref *r = &d->disclosures[n];
		refs[n] =
		    json_pack("{s:i, s:s, s:s, s:s?, s:s?}", "year", r->year, "kind", r->kind,
		              "level", r->level, "title", r->title, "published", r->published);
		if (refs[n] == NULL)
			break;
	}
	if (refs != NULL && n == d->n_disclosures)
		qsort(refs, n, sizeof(*refs), newest_first);
	for (size_t i = 0; i < n; i++)
		if (list == NULL || json_array_append_new(list, refs[i]) != 0)
			json_decref(refs[i]); /* not reached unless memory ran out */
	free(refs);
	if (list == NULL || json_array_size(list) != d->n_disclosures) {
		json_decref(list);
		return -1;
	}
	*out = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:o}", "id", d->id, "name", d->name,
	                 "short_name", d->short_name, "region", d->region, "parent", d->parent,
	                 "disclosures", list);
	return *out == NULL ? -1 : 0;
}

/* The disclosure the query names; without a year the latest budget of the level, else the
 * latest of the level, else the latest. NULL when the department has none such. */
static const json_t *pick(const json_t *dept, const struct want *q)
{
	const json_t *list = json_object_get(dept, "disclosures"), *d, *level = NULL;
	const char *kind = q->kind ? q->kind : "budget";
	size_t i;

	json_array_foreach (list, i, d) { /* newest first */
		bool lv = api_page_same(api_page_str(d, "level"), q->level);
		bool kd = api_page_same(api_page_str(d, "kind"), kind);
		if (q->year != 0) {
			if (json_integer_value(json_object_get(d, "year")) == q->year && lv &&
			    (q->kind == NULL || kd))
				return d;
			continue;
		}
		if (lv && kd)
			return d;
		if (lv && level == NULL)
			level = d;
	}
	if (q->year != 0)
		return NULL;
	return level != NULL ? level : json_array_get(list, 0);
}

/* ---- the template's markers ---- */

struct fill {
	struct api_page *p; /* NULL: no disclosure (the directory, or a page not found) */
	const json_t *disc; /* the department's entry for it */
	int status;
	const char *message; /* the not-found page's text */
	/* #15 directory: the store and query it is drawn from, and its store error */
	struct db *db;
	const struct api_request *req;
	struct db_error *dir_err;
};

static void put_title(struct api_jw *w, const struct fill *f)
{
	const json_t *doc;
	const char *name, *title;

	if (f->p == NULL) {
		api_html_text(w, f->status == 200   ? "部门预决算公开 · budgetd"
		                 : f->status == 503 ? "暂时无法加载 · 部门预决算公开"
		                                    : "未找到 · 部门预决算公开");
		return;
	}
	doc = f->p->doc;
	name = api_page_str(json_object_get(doc, "department"), "short_name");
	if (name == NULL)
		name = api_page_str(f->p->dept, "name");
	title = api_page_str(doc, "title");
	api_html_textf(w, "%s %s · %s公开", name ? name : "", title ? title : "",
	               api_page_doc_kind(f->p->c->kind, f->p->c->level));
}

static void put_heading(struct api_jw *w, const struct fill *f)
{
	const char *title;

	if (f->p == NULL)
		return;
	title = api_page_str(f->p->doc, "title");
	if (title != NULL)
		api_html_text(w, title);
	else
		api_html_textf(w, "%d年%s公开", f->p->c->year,
		               api_page_doc_kind(f->p->c->kind, f->p->c->level));
}

static void put_name(struct api_jw *w, const struct fill *f)
{
	const char *name = NULL;

	if (f->p != NULL) {
		name = api_page_str(json_object_get(f->p->doc, "department"), "name");
		if (name == NULL)
			name = api_page_str(f->p->dept, "name");
	}
	api_html_text(w, name ? name : "部门预决算公开");
}

/* The select of the department's disclosures, newest first, the shown one selected. */
static void put_options(struct api_jw *w, const struct fill *f)
{
	const json_t *d;
	size_t i;

	if (f->p == NULL) {
		api_html_raw(w, "<option value=\"\">年度与类型</option>");
		return;
	}
	json_array_foreach (json_object_get(f->p->dept, "disclosures"), i, d) {
		const char *kind = api_page_str(d, "kind"), *level = api_page_str(d, "level");
		char value[64];
		int year = (int)json_integer_value(json_object_get(d, "year"));
		snprintf(value, sizeof(value), "%d-%s%s", year, kind ? kind : "",
		         api_page_same(level, "unit") ? "-unit" : "");
		api_html_open(w, "option", "value", value, "selected", d == f->disc ? "" : NULL,
		              NULL);
		api_html_textf(w, "%d年 %s", year, api_page_doc_kind(kind, level));
		api_html_close(w, "option");
	}
}

/* <meta> for the page's state (app.js reads it) and its canonical URL. */
static void put_head(struct api_jw *w, const struct fill *f)
{
	char url[600], state[400];
	const struct api_ctx *c;

	if (f->p == NULL) {
		if (f->status != 200)
			api_html_raw(w, "<meta name=\"robots\" content=\"noindex\">");
		else /* #15: the directory's script, fetched with app.js */
			api_html_raw(w, "<link rel=\"modulepreload\" href=\"/directory.js\">");
		return;
	}
	c = f->p->c;
	api_page_url(url, sizeof(url), c->dept, c->year, c->kind, c->level);
	snprintf(state, sizeof(state), "%s %d %s %s", c->dept, c->year, c->kind, c->level);
	api_html_open(w, "link", "rel", "canonical", "href", url, NULL);
	api_html_open(w, "meta", "name", "budgetd-page", "content", state, NULL);
	/* where the page images of the published PDF are, for the figures' links (#18) */
	if (f->p->pages[0] != '\0')
		api_html_open(w, "meta", "name", "budgetd-pages", "content", f->p->pages, NULL);
}

static void put_toc(struct api_jw *w, const struct fill *f)
{
	(void)w;
	if (f->p != NULL)
		api_page_toc_tables(f->p);
}

static int put_doc(struct api_jw *w, const struct fill *f)
{
	struct api_page *p = f->p;

	if (p == NULL && f->status == 200) /* #15: the directory (page_directory.c) */
		return api_page_directory(w, f->db, f->req, f->dir_err);
	if (p == NULL) {
		api_html_elem(w, "p", f->message, "id", "error", "role", "alert", NULL);
		api_html_raw(w, "<p><a href=\"/\">返回首页，查看全部部门</a></p>");
		return 0;
	}
	if (api_page_intro(p) != 0 || api_page_tables(p) != 0 || api_page_projects(p) != 0 ||
	    api_page_texts(p) != 0)
		return -1;
	return 0;
}

/* The template is a file's bytes, not a C string: every search is bounded by its end. */
int api_page_fill(struct api_jw *w, const char *tmpl, size_t len, api_page_marker_fn put, void *ctx)
{
	const char *p = tmpl, *end = tmpl + len;

	while (p < end) {
		const char *m = memmem(p, (size_t)(end - p), MARK, strlen(MARK)), *name, *close;
		if (m == NULL) {
			api_jw_raw(w, p, (size_t)(end - p));
			break;
		}
		api_jw_raw(w, p, (size_t)(m - p));
		name = m + strlen(MARK);
		if ((close = memmem(name, (size_t)(end - name), "-->", 3)) == NULL) {
			api_jw_raw(w, m, (size_t)(end - m));
			break;
		}
		if (put(ctx, w, name, (size_t)(close - name)) != 0)
			return -1;
		p = close + 3;
	}
	return 0;
}

static int put_marker(void *ctx, struct api_jw *w, const char *name, size_t n)
{
	const struct fill *f = ctx;

#define IS(s) (n == strlen(s) && strncmp(name, s, n) == 0)
	if (IS("title"))
		put_title(w, f);
	else if (IS("heading"))
		put_heading(w, f);
	else if (IS("name"))
		put_name(w, f);
	else if (IS("options"))
		put_options(w, f);
	else if (IS("head"))
		put_head(w, f);
	else if (IS("toc"))
		put_toc(w, f);
	else if (IS("doc"))
		return put_doc(w, f);
#undef IS
	return 0;
}

static int fill(struct api_jw *w, const char *tmpl, size_t len, const struct fill *f)
{
	return api_page_fill(w, tmpl, len, put_marker, (void *)f);
}

/* ---- the request ---- */

static bool digits(const char *s, int *out)
{
	long v = 0;

	if (s == NULL || *s < '1' || *s > '9' || strlen(s) > 4)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = (int)v;
	return true;
}

/* Reads the query; false (with f's status and message) when it cannot name a disclosure. */
static bool read_query(const struct api_request *req, struct want *q, struct fill *f)
{
	const char *year = req->arg(req->ctx, "year"), *kind = req->arg(req->ctx, "kind"),
	           *level = req->arg(req->ctx, "level");

	q->dept = req->arg(req->ctx, "dept");
	q->level = api_page_same(level, "unit") ? "unit" : "department";
	q->kind = api_page_same(kind, "budget") || api_page_same(kind, "final") ? kind : NULL;
	q->year = 0;
	if ((year != NULL && *year != '\0' && !digits(year, &q->year)) ||
	    (kind != NULL && *kind != '\0' && q->kind == NULL)) {
		f->status = 404;
		f->message = "这个链接有误：年度或类型写得不对。";
		return false;
	}
	return true;
}

void api_page_key(const struct api_request *req, char *key, size_t size)
{
	const char *names[] = { "dept", "year", "kind", "level", "region" };
	size_t n = 0;
	const char *dept = req->arg(req->ctx, "dept");
	/* #15: the directory (no dept) opens ?region=; a disclosure's page has no region */
	size_t count = dept == NULL || *dept == '\0' ? 5 : 4;

	n += (size_t)snprintf(key, size, "page");
	for (size_t i = 0; i < count && n < size; i++) {
		const char *v = req->arg(req->ctx, names[i]);
		char enc[600];
		api_pct_encode(enc, sizeof(enc), v ? v : "");
		n += (size_t)snprintf(key + n, size - n, " %s", v ? enc : "-");
	}
	if (n >= size)
		key[0] = '\0';
}

/* The prior year's tables (totals rows) and 三公 of the same kind and level, or NULL. */
static bool totals_rows(const json_t *t, void *arg)
{
	(void)t;
	(void)arg;
	return true;
}

static json_t *load_prior(struct api_ctx *c)
{
	struct db_export_sel sel = { .parts = DB_PART_TABLES | DB_PART_SANGONG,
		                     .table_rows = totals_rows };
	struct db_error err = { 0 };

	return db_export_part(c->db, c->dept, c->year - 1, c->kind, c->level, &sel, &err);
}

/* The published PDF's URLs (#18), when the store keeps it. */
static void set_source(struct api_page *p, const json_t *doc)
{
	const char *sha = api_page_str(json_object_get(doc, "source"), "sha256");

	if (!api_keeps_pdf(p->c, sha))
		return;
	api_url(p->c, p->pdf, sizeof(p->pdf), "/source.pdf", false);
	snprintf(p->pages, sizeof(p->pages), "/api/v1/sources/%s/pages/", sha);
}

bool api_page_src_open(const struct api_page *p, const json_t *box)
{
	char href[460], data[120];
	const json_t *v;
	size_t i;
	int n = 0;

	if (p->pdf[0] == '\0' || !json_is_array(box) || json_array_size(box) != 5 ||
	    !json_is_integer(json_array_get(box, 0)))
		return false;
	snprintf(href, sizeof(href), "%s#page=%lld", p->pdf,
	         (long long)json_integer_value(json_array_get(box, 0)));
	/* "page,x0,y0,x1,y1": what app.js draws on the page image */
	json_array_foreach (box, i, v) {
		if (!json_is_number(v))
			return false;
		n += snprintf(data + n, sizeof(data) - (size_t)n, i == 0 ? "%.10g" : ",%.10g",
		              json_number_value(v));
		if (n >= (int)sizeof(data))
			return false;
	}
	api_html_open(p->w, "a", "class", "src", "href", href, "data-box", data, NULL);
	return true;
}

/* Fills the template for the query into w; f->status is the answer's status. Returns 0, or
 * -1 when memory ran out. A store that fails is a 503 page, its reason kept in cause. */
static int render(struct db *db, const struct api_request *req, const char *tmpl, size_t len,
                  struct api_jw *w, struct fill *f, char *cause, size_t cause_size)
{
	struct want q;
	struct db_error err = { 0 };
	json_t *dept = NULL, *doc = NULL, *prior = NULL;
	struct api_ctx c = { .db = db, .req = req };
	struct api_page page = { .w = w, .c = &c };
	int rc;

	f->status = 200;
	f->db = db;
	f->req = req;
	f->dir_err = &err;
	if (!read_query(req, &q, f) || q.dept == NULL || *q.dept == '\0') {
		/* #15: the directory; a store that fails is the 503 page */
		if ((rc = fill(w, tmpl, len, f)) == 0 || w->failed)
			return rc;
		goto store; /* err: f->dir_err */
	}
	if (db_department(db, q.dept, detail_tree, &dept, &err) != 0) {
		if (err.code != DB_NOT_FOUND)
			goto store;
		f->status = 404;
		f->message = "没有找到这个部门。它可能尚未发布公开文件，或链接有误。";
		return fill(w, tmpl, len, f);
	}
	if ((f->disc = pick(dept, &q)) == NULL) {
		f->status = 404;
		f->message = "没有找到这一年度的公开文件。";
		rc = fill(w, tmpl, len, f);
		goto done;
	}
	c.dept = api_page_str(dept, "id");
	c.year = (int)json_integer_value(json_object_get(f->disc, "year"));
	c.kind = api_page_str(f->disc, "kind");
	c.kind_path = api_page_same(c.kind, "final") ? "finals" : "budgets";
	c.level = api_page_str(f->disc, "level");
	snprintf(c.base, sizeof(c.base), "/api/v1/departments/%s/%s/%d", c.dept, c.kind_path,
	         c.year);
	if ((doc = db_export(db, c.dept, c.year, c.kind, c.level, &err)) == NULL)
		goto store;
	prior = load_prior(&c);
	set_source(&page, doc);
	page.doc = doc;
	page.dept = dept;
	page.prior = prior;
	f->p = &page;
	rc = fill(w, tmpl, len, f);
	if (rc == 0 || w->failed)
		goto done;
	err = page.err;
store:
	/* What was written so far is thrown away: the page says the store could not be read. */
	free(w->buf);
	api_jw_init(w);
	snprintf(cause, cause_size, "%.150s", err.text[0] ? err.text : "the store failed");
	f->p = NULL;
	f->status = 503;
	f->message = "暂时无法读取数据，请稍后重试。";
	rc = fill(w, tmpl, len, f);
done:
	json_decref(prior);
	json_decref(doc);
	json_decref(dept);
	return rc;
}

int api_page(struct db *db, const struct api_request *req, const char *tmpl, size_t len,
             struct api_response *resp)
{
	struct api_jw w;
	struct fill f = { 0 };

	memset(resp, 0, sizeof(*resp));
	api_jw_init(&w);
	if (db_read_begin(db) != 0) {
		struct db_error err = { .text = "could not begin a read transaction" };
		return api_store_error(resp, &err);
	}
	if (render(db, req, tmpl, len, &w, &f, resp->cause, sizeof(resp->cause)) != 0)
		w.failed = true; /* out of memory: api_jw_finish() frees what there is */
	/* The page shows the prior year and the department's other disclosures too: the
	 * store's latest import dates it. */
	if (db_modified(db, NULL, 0, NULL, NULL, &resp->modified, &(struct db_error){ 0 }) != 0)
		resp->modified = 0;
	db_read_end(db);
	resp->body = api_jw_finish(&w, &resp->len);
	if (resp->body == NULL)
		return -1;
	resp->status = f.status;
	resp->content_type = "text/html; charset=utf-8";
	return 0;
}
