// SPDX-License-Identifier: MIT
// ingest's internals: the child process runner, the word and line model, tables.
#ifndef BUDGETD_INGEST_INTERNAL_H
#define BUDGETD_INGEST_INTERNAL_H

#include "ingest.h"

#include <stdbool.h>
#include <stdio.h>

/* printf into err (failure and page set by the caller's arguments). */
void ing_fail(struct ingest_error *err, enum ingest_failure failure, int page, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- Child processes (run.c) ---- */
struct ing_output {
	char *data; /* NUL-terminated; the caller frees */
	size_t len;
	int status; /* the exit status, or -1 when killed by a signal */
};

/* Runs argv[0] (searched in PATH) with stdin from /dev/null and stdout (plus stderr when
 * merge_stderr) into out; kills it after INGEST_TIMEOUT_S or INGEST_MAX_OUTPUT bytes.
 * Returns 0 (whatever the exit status), or -1 with *err filled (INGEST_NO_TOOL when it cannot
 * be started, INGEST_BAD_INPUT on timeout or too much output). */
int ing_run(char *const argv[], bool merge_stderr, struct ing_output *out,
            struct ingest_error *err);

/* ---- Words and lines (text.c) ---- */
struct ing_word {
	double x0, y0, x1, y1;
	char *text;
};

struct ing_line {
	double x0, y0, x1, y1, yc;
	struct ing_word *words; /* points into the page's words, sorted by x */
	size_t n;
};

struct ing_page {
	double width, height;
	struct ing_word *words; /* sorted into lines: by line, then x */
	size_t n_words;
	struct ing_line *lines; /* top to bottom */
	size_t n_lines;
};

struct ingest_text {
	struct ing_page *pages;
	size_t n_pages;
};

/* A line's words joined: no space between CJK text, one where ASCII meets ASCII across a
 * gap. Returns a string the caller frees, or NULL. */
char *ing_line_text(const struct ing_word *w, size_t n);

/* ---- Tables (table.c) ---- */
/* Finds and extracts every table whose title the registry knows. Appends them to tables
 * (a JSON array) and reports what it cannot place. Sets used[page][line] for the lines it
 * consumed (used is n_pages arrays of n_lines bools). Returns 0 or -1 (out of memory). */
int ing_tables(const struct ingest_text *text, const struct ingest_options *opt, json_t *tables,
               bool **used);

/* ---- Sections (sections.c) and what their text states (objects.c, figures.c) ---- */

/* A printed line that continues a paragraph: its squeezed text starts at byte `at`. */
struct ing_span {
	int page; /* 0-based */
	const struct ing_line *l;
	size_t at;
};

struct ing_para {
	char *text; /* the lines' squeezed texts, joined */
	struct ing_span *spans;
	size_t n_spans;
};

/* A heading and the paragraphs under it. */
struct ing_section {
	char number[32];
	char title[256];
	int page; /* 0-based */
	const struct ing_line *head; /* NULL for text before any heading */
	struct ing_para *p;
	size_t n, cap;
	bool taken; /* its text went into an object (a project): not an explanation */
};

/* Where bytes [a, b) of a paragraph were printed: the union of the parts of the words that
 * print them, a part found by character widths (CJK one em, ASCII half) when poppler reports
 * a whole line as one word; of a range broken over two lines, the part on the first line.
 * NULL when the range is not printed. */
json_t *ing_para_box(const struct ing_para *p, size_t a, size_t b);

/* Projects (from 项目经费情况说明 sections, marked taken), 政府采购, 机关运行经费, 三公
 * changes, 绩效, 国有资产 from the sections' text, into doc. Reports what it cannot place. */
void ing_objects(struct ing_section *secs, size_t n, const struct ingest_options *opt, json_t *doc);

/* The figures a section's paragraphs state (amounts, changes, shares with their boxes), the
 * codes of a named 科目 from the doc's function tables. A new array (maybe empty). */
json_t *ing_figures(const struct ing_section *sec, json_t *doc, const struct ingest_options *opt);

/* Length in bytes of the number printed at s (1,234.56 or 1234.56), 0 if none. */
size_t ing_number_len(const char *s);

/* The money or percent unit printed at s: "万元", "万", "元", "%", "％"; NULL if none. */
const char *ing_money_unit(const char *s);

/* The n bytes at num, with "-" when negative and not zero, into out. */
void ing_signed(const char *num, size_t n, bool negative, char *out, size_t size);

/* Sections (sections.c): explanations, glossary, functions from the lines no table used.
 * Adds what it finds to doc; reports what it cannot place. */
void ing_sections(const struct ingest_text *text, const struct ingest_options *opt, json_t *doc,
                  bool **used);

/* True when s is a printed amount: 1,234.56 or 1234.56 or 0 or -1.69. */
bool ing_is_amount(const char *s);

/* A box [page, x0, y0, x1, y1] with 2 decimals. */
json_t *ing_box(int page, double x0, double y0, double x1, double y1);

#endif
