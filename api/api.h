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
};

struct api_response {
	int status; /* HTTP status code */
	const char *content_type; /* static string */
	char *body; /* owned by the response; free with api_response_free() */
	size_t len;
	int64_t modified; /* unix time the data behind the body was imported; 0 if none */
	char link[640]; /* a Link header value, or "" */
	char disposition[640]; /* a Content-Disposition header value, or "" */
	char cause[200]; /* for the operator's log, never sent: why a 5xx happened, or "" */
};

/* Answers a GET (or HEAD) of any path under /api/. Fills resp, errors included
 * (problem+json); returns 0, or -1 when out of memory (resp then holds nothing). */
int api_handle(struct db *db, const struct api_request *req, struct api_response *resp);

/* An RFC 9457 problem+json response with the given status, title and detail. detail is
 * shown to clients: never put SQL or file paths in it. Returns 0 or -1 (out of memory). */
int api_problem(struct api_response *resp, int status, const char *title, const char *detail);

/* The same with the standard title for status and a printf-style detail. 0 or -1. */
int api_fail(struct api_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Releases resp->body; resp may be reused afterwards. */
void api_response_free(struct api_response *resp);

#endif
