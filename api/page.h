// SPDX-License-Identifier: MIT
// The citizen page rendered by the server (#15): what its parts share. page.c loads the
// disclosure and fills the template; each part is written by its own file, from the same
// store trees (db_export) the API answers are written from, so the page shows exactly the
// published figures the API gives. Internal to api/.
#ifndef BUDGETD_API_PAGE_H
#define BUDGETD_API_PAGE_H

#include "html.h"
#include "internal_api.h"

/* One disclosure being rendered. Every pointer is borrowed for the rendering. */
struct api_page {
	struct api_jw *w; /* where the part writes its HTML */
	struct api_ctx *c; /* the disclosure: c->db, c->dept, c->year, c->kind, c->level,
	                    * c->base (its API URL: api_url() makes the download links) */
	const json_t *doc; /* the whole disclosure, as db_export() gives it */
	/* The department: {id, name, short_name, region, parent, disclosures: [{year, kind,
	 * level, title, published}]} (ascending year, then kind, then level). */
	const json_t *dept;
	/* The same kind and level of disclosure for the year before, when the store has it:
	 * its tables (totals rows only) and 三公, as db_export_part() gives them; else NULL. */
	const json_t *prior;
	struct db_error err; /* filled when a part's own read of the store failed */
	/* The published PDF, when the store keeps it (#18): its URL (.../source.pdf) and the
	 * URL its page images are under (/api/v1/sources/SHA256/pages/); "" when it does not.
	 * A figure printed at a known place then links its page (api_page_src_open()). */
	char pdf[400], pages[120];
};

/* Opens a link to where the figure of box ([page, x0, y0, x1, y1], PDF points from the
 * top left) was printed: the PDF at that page, and the box for the page's viewer
 * (app.js). Returns true when it opened one (close it with api_html_close(w, "a")); false
 * when the store keeps no PDF or box is not a box. The page's <meta name="budgetd-pages">
 * says where the page images are. */
bool api_page_src_open(const struct api_page *p, const json_t *box);

/* The parts, in page order. Each writes one or more <section>s into p->w (its HTML in
 * Chinese, for citizens: no field names or code words), and returns 0, or -1 with p->err
 * filled when the store failed (memory: p->w->failed). */
int api_page_intro(struct api_page *p); /* meta line, source note, audit summary, 概况, 图解,
                                           与上年比较 (page_intro.c) */
int api_page_tables(struct api_page *p); /* 公开表 (page_tables.c) */
int api_page_projects(struct api_page *p); /* 项目支出, “三公”经费, 其他事项 (page_projects.c) */
int api_page_texts(struct api_page *p); /* 情况说明, 核对, 名词解释 (page_texts.c) */

/* The contents' links to the tables (<li><a href="#table-N">表N</a></li> each). */
void api_page_toc_tables(struct api_page *p);

/* ---- helpers the parts share (page.c) ---- */

/* Writes a marker's text: name (n bytes, not NUL-terminated) is what follows
 * "<!--budgetd:" up to "-->". Returns 0, or -1 to stop the filling. */
typedef int (*api_page_marker_fn)(void *ctx, struct api_jw *w, const char *name, size_t n);
/* Copies the template (len bytes, need not end in NUL) into w, each <!--budgetd:NAME--> replaced by
 * what put writes for it. Returns 0, or -1 when put did. */
int api_page_fill(struct api_jw *w, const char *tmpl, size_t len, api_page_marker_fn put,
                  void *ctx);

/* <section id="id" class="doc-section" aria-labelledby="id-h"><h2 id="id-h">title</h2>;
 * close it with api_html_close(w, "section"). */
void api_page_section(struct api_jw *w, const char *id, const char *title);
/* 表三 for the table at position 3 (t NULL: ""). */
void api_page_table_name(const json_t *t, char *out, size_t size);
/* ---- plain words (helper "tables") ---- */
/* The transcriber's notes (a table's unplaced_note, the source's notes) in the page's words:
 * the field names they use (unplaced, withheld-N, projects, staffing) said as the page says
 * them. A malloc'd string the caller frees, or NULL when memory ran out. */
char *api_page_plain_words(const char *notes);
/* ---- end of plain words ---- */
/* The page URL of a disclosure of dept: /?dept=…&year=…&kind=…[&level=unit], escaped for
 * an attribute by the writer. */
void api_page_url(char *out, size_t size, const char *dept, int year, const char *kind,
                  const char *level);
/* A string member, or NULL. */
const char *api_page_str(const json_t *obj, const char *key);
/* Both present and equal. */
bool api_page_same(const char *a, const char *b);
/* Is the disclosure a 决算? */
bool api_page_final(const struct api_page *p);
/* 部门预算 / 单位决算: what a disclosure of kind and level is called (static). */
const char *api_page_doc_kind(const char *kind, const char *level);
/* A change with its sign, as app.js's signed(): +80, -1.69, 0 (NULL: nothing). */
void api_page_signed(struct api_jw *w, const char *v);
/* The column a total is read from (app.js's figureColumn): its total, else a 决算's final
 * figure (a total one first), else its first column; NULL without columns. */
const json_t *api_page_figure_column(const json_t *t);
/* app.js's table(): <table class><caption><thead> of heads (NULL-terminated; a head
 * starting with '#' is a figure column, class num, the '#' not shown), and <tbody> opened:
 * the caller writes the rows and closes with "</tbody></table>". */
void api_page_table_open(struct api_jw *w, const char *cls, const char *caption,
                         const char *const *heads);

/* ---- #15: the directory, `/` without a department (page_directory.c) ---- */

/* Writes the directory for req's ?year=&kind=&region= into w: the departments by region and
 * level, the filters, the comparison strip. Returns 0, or -1 with *err filled when the
 * store failed (memory: w->failed). */
int api_page_directory(struct api_jw *w, struct db *db, const struct api_request *req,
                       struct db_error *err);
/* The comparison strip (page_directory_strip.c): 支出总计 and “三公”经费 of each 部门
 * disclosure matching the filters (0 / NULL: any), the largest 支出总计 first, at most max
 * rows. Returns 0, or -1 with *err filled. */
int api_page_directory_strip(struct api_jw *w, struct db *db, int year, const char *kind,
                             const char *region, size_t max, struct db_error *err);

#endif
