// SPDX-License-Identifier: MIT
// api: turns requests into JSON (and later CSV) bodies. Knows the store (db/) and nothing
// of sockets or HTTP libraries: every handler is a plain function a unit test can call.
#ifndef BUDGETD_API_H
#define BUDGETD_API_H

#include "db.h"

#include <stddef.h>

struct api_response {
	int status; /* HTTP status code */
	const char *content_type; /* static string */
	char *body; /* owned by the response; free with api_response_free() */
	size_t len;
};

/* GET /api/v1/departments: {"items":[{"id","name","years":[...]}],"total":N}.
 * Fills resp (200, or 500 as problem+json); returns 0, or -1 if out of memory. */
int api_departments(struct db *db, struct api_response *resp);

/* An RFC 9457 problem+json response with the given status, title and detail. detail is
 * shown to clients: never put SQL or file paths in it. Returns 0 or -1 (out of memory). */
int api_problem(struct api_response *resp, int status, const char *title, const char *detail);

/* Releases resp->body; resp may be reused afterwards. */
void api_response_free(struct api_response *resp);

#endif
