// SPDX-License-Identifier: MIT
// ingest: a disclosure PDF's text layer (poppler's pdftotext run as a child process, its
// -bbox-layout XHTML parsed with libxml2) -> words with boxes -> lines -> tables and
// sections -> an import document (format budgetd-disclosure/2). Never writes the store,
// never prints: problems are returned or handed to the caller's report function.
#ifndef BUDGETD_INGEST_H
#define BUDGETD_INGEST_H

#include <jansson.h>
#include <stddef.h>

#define INGEST_MAX_PAGES 200 /* a disclosure has at most this many pages */
#define INGEST_MAX_WORDS 50000 /* 25 times the words of the largest corpus disclosure */
#define INGEST_TIMEOUT_S 20 /* a child process is killed after this long */
#define INGEST_MAX_OUTPUT (64u << 20) /* and when it writes more than this */

/* What kind of failure an ingest_error is. */
enum ingest_failure {
	INGEST_OK = 0,
	INGEST_BAD_INPUT, /* the PDF is unusable: not a PDF, encrypted, no text, corrupt... */
	INGEST_NO_TOOL, /* pdftotext or pdfinfo cannot be run */
	INGEST_NO_FILE, /* the file cannot be opened or read */
	INGEST_INTERNAL, /* out of memory, a pipe that cannot be made */
};

/* What went wrong and where (page 0 when not about one page). */
struct ingest_error {
	enum ingest_failure failure;
	int page;
	char text[512];
};

/* Receives what the extractor saw but could not place: page (1-based, 0 if none), what it
 * is ("unplaced text", "stray figure", ...) and the printed text. ctx is the caller's. */
typedef void (*ingest_report_fn)(void *ctx, int page, const char *what, const char *text);

struct ingest_options {
	const char *id; /* the department's id (slug); NULL derives it from the file name */
	ingest_report_fn report; /* may be NULL */
	void *ctx;
};

/* Extracts the disclosure in the PDF at path. Returns the import document (a new
 * reference: the caller releases it with json_decref()), or NULL with *err filled. */
json_t *ingest_pdf(const char *path, const struct ingest_options *opt, struct ingest_error *err);

/* ---- The steps, for tests ---------------------------------------------------------------- */

/* The words of a document with their pages and boxes. */
struct ingest_text;

/* Parses pdftotext -bbox-layout output. Returns the text (freed with ingest_text_free()), or
 * NULL with *err filled (INGEST_BAD_INPUT when the XHTML cannot be parsed). */
struct ingest_text *ingest_text_parse(const char *xhtml, size_t len, struct ingest_error *err);
void ingest_text_free(struct ingest_text *text);

size_t ingest_text_pages(const struct ingest_text *text);
size_t ingest_text_words(const struct ingest_text *text);

/* Where a document came from, for the import file's source and department id. */
struct ingest_source {
	const char *file; /* the PDF's path; its base name is written */
	const char *sha256; /* 64 hex digits, or NULL */
	int pages;
};

/* Builds the import document from parsed text. Returns a new reference, or NULL with *err
 * filled (INGEST_BAD_INPUT: no text layer, or not a disclosure). */
json_t *ingest_document(const struct ingest_text *text, const struct ingest_source *src,
                        const struct ingest_options *opt, struct ingest_error *err);

/* Page images (issue #18): the resolution pages are rendered at, which keeps a printed
 * 9-point Chinese character about 14 pixels tall, legible on a phone. */
#define INGEST_PAGE_DPI 110

/* Renders page (from 1) of pdf at dpi in 8-bit gray with pdftoppm (poppler, run as a
 * separate process, killed as ing_run says) and encodes it as a PNG: *png is malloc'd (the
 * caller frees), *len bytes. Returns 0, or -1 with *err filled (INGEST_NO_TOOL: pdftoppm
 * cannot be run; INGEST_BAD_INPUT: the page cannot be rendered). */
int ingest_page_png(const char *pdf, int page, int dpi, unsigned char **png, size_t *len,
                    struct ingest_error *err);

/* The SHA-256 of a file as 64 hex digits and a NUL into hex. Returns 0, or -1 (errno set). */
int ingest_sha256_file(const char *path, char hex[65]);

/* The SHA-256 of len bytes at data into digest (32 bytes). */
void ingest_sha256(const void *data, size_t len, unsigned char digest[32]);

#endif
