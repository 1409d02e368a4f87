// SPDX-License-Identifier: MIT
// libFuzzer target for the request router and its parameter parsing (api_handle): any path,
// query and Accept header must get a well-formed answer from the bundled store.
//
// Input format, split at the first two '\n' bytes:
//
//   PATH '\n' QUERY '\n' ACCEPT
//
// PATH is percent-decoded (as libmicrohttpd hands it to the server) and is the whole input
// when there is no '\n'. QUERY is the query string without '?': '&'-separated name=value
// pairs with '+' and %XX decoded; a name without '=' has no value; for a repeated name the
// first wins. ACCEPT is everything after the second '\n' (it may be empty); without a
// second '\n' the request has no Accept header. A NUL byte ends a part early, as it would
// a C string in the server.
#include "fuzz.h"
#include "api.h"

#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BUDGETD_FUZZ_STORE
#error "the build passes -DBUDGETD_FUZZ_STORE=\"path of the bundled store\""
#endif

/* libFuzzer's entry points; declared here because no header of ours carries them. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct query_arg {
	const char *name, *value; /* value NULL: the name came without '=' */
};

struct query {
	struct query_arg *args;
	size_t n;
};

static struct db *store;

#define die(...) fuzz_die("fuzz_router", __VA_ARGS__)

/* The store is opened once: opening it per input would dominate the run time. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("BUDGETD_STORE");
	struct db_error err = { 0 };

	(void)argc;
	(void)argv;
	if (path == NULL || *path == '\0')
		path = BUDGETD_FUZZ_STORE;
	store = db_open(path, false, &err);
	if (store == NULL) {
		fprintf(stderr, "fuzz_router: cannot open the store %s: %s\n", path, err.text);
		exit(1);
	}
	return 0;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes %XX (and '+' as a space when plus is set) in place. A '%' not followed by two hex
 * digits stays as it is, which is what libmicrohttpd does with it. */
static void decode(char *s, bool plus)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		if (*s == '%' && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
			*out++ = (char)(hex(s[1]) * 16 + hex(s[2]));
			s += 2;
		} else {
			*out++ = plus && *s == '+' ? ' ' : *s;
		}
	}
	*out = '\0';
}

/* Splits the query text (modified in place) into decoded arguments, in order. */
static int parse_query(char *text, struct query *q)
{
	size_t cap = 1;

	for (const char *p = text; *p != '\0'; p++)
		cap += *p == '&';
	q->n = 0;
	q->args = calloc(cap, sizeof(*q->args));
	if (q->args == NULL)
		return -1;
	for (char *p = text, *next; p != NULL; p = next) {
		char *eq;

		next = strchr(p, '&');
		if (next != NULL)
			*next++ = '\0';
		if (*p == '\0')
			continue; /* "a&&b": an empty pair names nothing */
		eq = strchr(p, '=');
		if (eq != NULL) {
			*eq++ = '\0';
			decode(eq, true);
		}
		decode(p, true);
		q->args[q->n].name = p;
		q->args[q->n++].value = eq;
	}
	return 0;
}

static const char *query_arg(void *ctx, const char *name)
{
	const struct query *q = ctx;

	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->args[i].name, name) == 0)
			return q->args[i].value;
	return NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool number_char(char c)
{
	return c != '\0' && strchr("0123456789.eE+-", c) != NULL; /* strchr finds the NUL too */
}

/* Amounts are exact decimals: a number written as 7.0094e2 would mean a float slipped in.
 * Scans the body text, skipping strings, for a number token with an exponent. */
static void check_no_exponent(const char *body, size_t len)
{
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = body[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t start = i;

			while (i + 1 < len && number_char(body[i + 1]))
				i++;
			if (memchr(body + start, 'e', i - start + 1) != NULL ||
			    memchr(body + start, 'E', i - start + 1) != NULL)
				die("a number with an exponent: %.*s", (int)(i - start + 1),
				    body + start);
		}
	}
}

static void check_json(const struct api_response *r, bool problem)
{
	json_error_t jerr;
	json_t *root = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);

	if (root == NULL)
		die("status %d: the JSON body does not parse (%s at %d:%d): %.*s", r->status,
		    jerr.text, jerr.line, jerr.column, (int)(r->len < 300 ? r->len : 300), r->body);
	if (problem) {
		json_t *status = json_object_get(root, "status");

		if (!json_is_integer(status) || json_integer_value(status) != r->status)
			die("problem+json of a %d answer has no \"status\": %d", r->status,
			    r->status);
		if (!json_is_string(json_object_get(root, "title")))
			die("problem+json with status %d lacks a \"title\"", r->status);
	}
	json_decref(root);
	check_no_exponent(r->body, r->len);
}

static void check_response(const struct api_response *r)
{
	static const int statuses[] = { 200, 400, 404, 406, 414, 500, 503 };
	bool known = false, problem, json, csv;

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		known = known || r->status == statuses[i];
	if (!known)
		die("status %d is none the router produces", r->status);
	if (r->body == NULL || r->len == 0 || r->content_type == NULL)
		die("status %d without a body or a content type", r->status);
	problem = starts_with(r->content_type, "application/problem+json");
	json = problem || starts_with(r->content_type, "application/json");
	csv = starts_with(r->content_type, "text/csv");
	if (!json && !csv)
		die("status %d with content type %s", r->status, r->content_type);
	if ((r->status >= 400) != problem)
		die("status %d with content type %s: errors, and only errors, are problem+json",
		    r->status, r->content_type);
	/* Excel reads UTF-8 only after a byte order mark (api_csv_begin). */
	if (csv && (r->len < 3 || memcmp(r->body, "\xEF\xBB\xBF", 3) != 0))
		die("a CSV body without the UTF-8 byte order mark");
	if (json)
		check_json(r, problem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One NUL-terminated copy holds all three parts, split in place. */
	char *text = malloc(size + 1), *query_text = NULL, *accept = NULL, *nl;
	struct query q = { NULL, 0 };
	struct api_response resp;
	struct api_request req = { .arg = query_arg, .ctx = &q };

	if (text == NULL)
		return 0;
	if (store == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	if ((nl = memchr(text, '\n', size)) != NULL) {
		*nl = '\0';
		query_text = nl + 1;
		if ((nl = memchr(query_text, '\n', size - (size_t)(query_text - text))) != NULL) {
			*nl = '\0';
			accept = nl + 1;
		}
	}
	decode(text, false);
	req.path = text;
	req.accept = accept;
	if (query_text != NULL && parse_query(query_text, &q) != 0)
		goto done;
	if (api_handle(store, &req, &resp) != 0)
		die("api_handle failed (out of memory?) for %.200s", text);
	check_response(&resp);
	api_response_free(&resp);
done:
	free(q.args);
	free(text);
	return 0;
}
