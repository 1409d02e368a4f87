// SPDX-License-Identifier: MIT
// api: turns a request (path, query, Accept) into a status and a JSON or CSV body. Knows
// the store (db/) and nothing of sockets or HTTP libraries, so every resource can be called
// from a unit test. The contract is docs/api.md and api/openapi.json.
#ifndef BUDGETD_API_H
#define BUDGETD_API_H

#include "db.h"

#include <stddef.h>
#include <stdint.h>

struct api_request {
	const char *path; /* the URL path, percent-decoded, without the query string */
	/* Returns query argument name, or NULL when it is absent; ctx is passed back. */
	const char *(*arg)(void *ctx, const char *name);
	void *ctx;
	const char *accept; /* the Accept header, or NULL */
	/* Every query argument as sent, in order: names[i], and values[i] (NULL for a name
	 * without '=', as in ?q). Lets api_parse() refuse the ones no resource takes; values
	 * are read through arg(). NULL and 0 when the caller has no such list. */
	const char *const *names;
	const char *const *values;
	size_t n_args;
};

enum api_format {
	API_JSON,
	API_CSV,
	API_XLSX /* a workbook (Office Open XML), for tables */
};

/* The media type of a workbook (.xlsx). */
#define API_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#define API_MAX_SEGMENTS 8
#define API_KEY_SIZE 4096

/* A request parsed without the store: which resource, with which parameters, in which
 * format. Holds pointers into itself: do not copy it. */
struct api_route {
	int resource; /* internal to api/ */
	enum api_format format;
	const char *dept; /* department id (decoded), or NULL */
	int year; /* of the disclosure, 0 if none */
	int table; /* position (表几) for one table, else 0 */
	const char *project; /* project id for one project, else NULL */
	const char *kind; /* "budget" or "final" */
	const char *kind_path; /* "budgets" or "finals" */
	const char *level; /* "department" or "unit" for a disclosure's resources, else NULL */
	const char *sha256; /* a published file's SHA-256 (64 hex digits), for its pages, or NULL */
	int page; /* a page of it, from 1, else 0 */
	/* The answer's identity: the resource, its parameters in canonical form and a fixed
	 * order (defaults written out), and the format. Two requests with one key get the same
	 * answer, whatever the spelling of their URL or Accept. "" when it does not fit. */
	char key[API_KEY_SIZE];
	char buf[2049]; /* the path's segments */
	char *seg[API_MAX_SEGMENTS];
	int n;
};

struct api_response {
	int status; /* HTTP status code */
	const char *content_type; /* static string */
	char *body; /* owned by the response; free with api_response_free() */
	size_t len;
	int64_t modified; /* unix time the data behind the body was imported; 0 if none */
	bool immutable; /* what the URL names never changes (a file named by its content) */
	/* the texts last: api_parse() empties them, it does not zero them (1.5 KB) */
	char link[640]; /* a Link header value, or "" */
	char disposition[640]; /* a Content-Disposition header value, or "" */
	char cause[200]; /* for the operator's log, never sent: why a 5xx happened, or "" */
	/* A 200 whose body is a file the store keeps beside it (issue #18), named here
	 * ("<sha256>.pdf"; body is then NULL): the server sends that file. "" otherwise. */
	char file[72];
};

/* The first half of api_handle(), which needs no store: checks the path and every query
 * parameter (a parameter the resource does not take, a number not in canonical form, a
 * parameter without a name or a value: 400), negotiates the format, and writes the route
 * with its canonical key. Returns 0 (routed; resp untouched), 1 when resp holds the answer
 * (an error), -1 when out of memory. */
int api_parse(const struct api_request *req, struct api_route *route, struct api_response *resp);

/* The second half: answers a route from api_parse() (same req) out of the store. Fills
 * resp, errors included; returns 0, or -1 when out of memory (resp then holds nothing). */
int api_execute(struct db *db, const struct api_request *req, const struct api_route *route,
                struct api_response *resp);

/* Answers a GET (or HEAD) of any path under /api/: api_parse(), then api_execute(). Fills
 * resp, errors included (problem+json); returns 0, or -1 when out of memory (resp then holds
 * nothing). */
int api_handle(struct db *db, const struct api_request *req, struct api_response *resp);

/* An RFC 9457 problem+json response with the given status, title and detail. detail is
 * shown to clients: never put SQL or file paths in it. Returns 0 or -1 (out of memory). */
int api_problem(struct api_response *resp, int status, const char *title, const char *detail);

/* The same with the standard title for status and a printf-style detail. 0 or -1. */
int api_fail(struct api_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Receives the store-wide long CSV piece by piece; returns 0, or -1 to stop. */
typedef int (*api_write_fn)(void *ctx, const char *buf, size_t len);

/* The long CSV's first line, its column names ("department_id,...,y1\r\n"), into buf
 * (cut at size, NUL-terminated); returns its length. */
size_t api_amounts_header(char *buf, size_t size);

/* The long (tidy) CSV of the whole store, as .../{kind}/{year}/amounts.csv gives it for one
 * disclosure, every disclosure in turn (department id, year, kind, level), with one header:
 * written a disclosure at a time through write, never held whole in memory. *lines (if not
 * NULL) receives the number of lines after the header. Reads in one read transaction.
 * Returns 0, or -1 with *err filled (the store failed, memory ran out, or write refused). */
int api_amounts_store(struct db *db, api_write_fn write, void *ctx, uint64_t *lines,
                      struct db_error *err);

/* The same, letting the caller supply a disclosure's lines itself (budgetctl copies those of
 * the disclosures an import did not touch from the long CSV it wrote before, issue #17):
 * reuse() is asked before each disclosure and returns 1 when it has written the
 * disclosure's lines (header excluded) through the same write and ctx, 0 to have them
 * written here, -1 to stop; written() is told after each one (0, or -1 to stop). Both run
 * inside the read transaction, in the file's order. *lines counts only the lines written
 * here. */
struct api_amounts_reuse {
	int (*reuse)(void *ctx, const char *department, const struct db_disclosure_ref *ref);
	int (*written)(void *ctx, const char *department, const struct db_disclosure_ref *ref);
	void *ctx;
};
int api_amounts_store_reusing(struct db *db, api_write_fn write, void *ctx,
                              const struct api_amounts_reuse *reuse, uint64_t *lines,
                              struct db_error *err);

/* #15: the citizen page, rendered on the server. tmpl is the page's template
 * (static/index.html), whose markers <!--budgetd:NAME--> are filled for the disclosure the
 * query names (dept, year, kind, level=unit: the page's own links), or for the directory
 * without dept. resp: 200 text/html; 404 (a page in Chinese) for an unknown department or
 * disclosure or a malformed link; 503 when the store fails (resp->cause says why). Returns
 * 0, or -1 when out of memory. */
int api_page(struct db *db, const struct api_request *req, const char *tmpl, size_t len,
             struct api_response *resp);
/* The page's cache key: its four parameters as sent, in a fixed order ("" when too long).
 * Other parameters do not change the page. */
void api_page_key(const struct api_request *req, char *key, size_t size);

/* ---- #15 embed views (helper "tables") ---- */
/* The /embed/{id}/{budgets|finals}/{year}[/tables/{n}][?level=unit] view, rendered into its
 * template (static/embed.html, markers <!--budgetd:title--> and <!--budgetd:embed-->) with
 * the page's table renderer. req->path is the path, its shape checked by the caller.
 * resp: 200 text/html; 404 (a page in Chinese) when the store has no such disclosure or
 * table; 503 when the store fails (resp->cause says why). Returns 0, or -1 (memory). */
int api_embed(struct db *db, const struct api_request *req, const char *tmpl, size_t len,
              struct api_response *resp);
/* The view's cache key: its path and level ("" when too long). */
void api_embed_key(const struct api_request *req, char *key, size_t size);
/* ---- end of embed views ---- */

/* Releases resp->body; resp may be reused afterwards. */
void api_response_free(struct api_response *resp);

#endif
