// SPDX-License-Identifier: MIT
// From a path to a resource: splits /api/v1/departments/{id}/{kind}/{year}/..., checks every
// parameter (400 for a malformed one, 404 for one that names nothing), and picks JSON or
// CSV from ?format= and Accept.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PREFIX "/api/v1/"
#define MAX_SEGMENTS 8

/* Splits path into segments (in place, in buf); returns the count, or -1 when there are too
 * many or one is empty ("a//b", a trailing slash). */
static int split(char *buf, char *seg[MAX_SEGMENTS])
{
	int n = 0;

	for (char *p = buf; n < MAX_SEGMENTS; n++) {
		seg[n] = p;
		p = strchr(p, '/');
		if (p != NULL)
			*p++ = '\0';
		if (*seg[n] == '\0')
			return -1;
		if (p == NULL)
			return n + 1;
	}
	return -1;
}

/* A whole number in [min, max] written with digits only; -1 otherwise. */
static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9' || strlen(s) > 9)
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= min && v <= max ? v : -1;
}

/* Does one media range of an Accept header admit type ("application/json")? q=0 refuses. */
static bool admits(const char *range, size_t len, const char *type)
{
	const char *semi = memchr(range, ';', len), *q;
	size_t tl = semi ? (size_t)(semi - range) : len, slash = strcspn(type, "/");

	while (tl > 0 && range[tl - 1] == ' ')
		tl--;
	if (semi != NULL && (q = strstr(semi, "q=")) != NULL && q < range + len &&
	    strtod(q + 2, NULL) <= 0)
		return false;
	if (tl == 3 && strncmp(range, "*/*", 3) == 0)
		return true;
	if (tl == slash + 2 && strncasecmp(range, type, slash + 1) == 0 && range[slash + 1] == '*')
		return true;
	return tl == strlen(type) && strncasecmp(range, type, tl) == 0;
}

static bool accepts(const char *accept, const char *type)
{
	for (const char *p = accept; *p != '\0';) {
		size_t len = strcspn(p, ",");
		while (*p == ' ' && len > 0) {
			p++;
			len--;
		}
		if (admits(p, len, type))
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* Chooses the format: ?format= wins, then Accept (JSON preferred when both fit). Returns 0,
 * or the error status (400 or 406) with resp filled. */
static int negotiate(struct api_ctx *c, bool csv_offered)
{
	const char *f = c->req->arg ? c->req->arg(c->req->ctx, "format") : NULL;
	const char *accept = c->req->accept;

	c->format = API_JSON;
	if (f != NULL) {
		if (strcmp(f, "json") == 0)
			return 0;
		if (strcmp(f, "csv") == 0 && csv_offered) {
			c->format = API_CSV;
			return 0;
		}
		return api_fail(c->resp, 400, "format must be json%s", csv_offered ? " or csv" : "")
		           ? -1
		           : 400;
	}
	if (accept == NULL || *accept == '\0' || accepts(accept, "application/json"))
		return 0;
	if (csv_offered && accepts(accept, "text/csv")) {
		c->format = API_CSV;
		return 0;
	}
	return api_fail(c->resp, 406, "this resource is offered as application/json%s",
	                csv_offered ? " and text/csv" : "")
	           ? -1
	           : 406;
}

/* ?level=department (部门, the default) or unit (单位). Returns 0, or 400 with resp filled
 * (-1 when out of memory). */
static int level(struct api_ctx *c)
{
	const char *l = c->req->arg ? c->req->arg(c->req->ctx, "level") : NULL;

	if (l == NULL || strcmp(l, "department") == 0) {
		c->level = "department";
		return 0;
	}
	if (strcmp(l, "unit") == 0) {
		c->level = "unit";
		return 0;
	}
	return api_fail(c->resp, 400, "level must be department or unit") ? -1 : 400;
}

/* Loads the disclosure and sets c->base; 0, -1 (memory), or a status with resp filled. */
static int load(struct api_ctx *c, json_t **doc)
{
	struct db_error err = { 0 };

	snprintf(c->base, sizeof(c->base), PREFIX "departments/%s/%s/%d", c->dept, c->kind_path,
	         c->year);
	*doc = db_export(c->db, c->dept, c->year, c->kind, c->level, &err);
	if (*doc == NULL) {
		if (err.code == DB_NOT_FOUND)
			return api_fail(c->resp, 404, "no %s%s %d of department \"%s\"",
			                strcmp(c->level, "unit") == 0 ? "unit-level " : "", c->kind,
			                c->year, c->dept)
			           ? -1
			           : 404;
		return api_store_error(c->resp, &err) ? -1 : 503;
	}
	if (db_modified(c->db, c->dept, c->year, c->kind, c->level, &c->resp->modified, &err) != 0)
		c->resp->modified = 0;
	return 0;
}

/* seg: {kind} {year} [tables [n] | projects [id] | sangong | audit] */
static int route_disclosure(struct api_ctx *c, char **seg, int n)
{
	bool audit = n == 3 && strcmp(seg[2], "audit") == 0;
	bool csv = n >= 3 && ((n == 4 && strcmp(seg[2], "tables") == 0) ||
	                      (n == 3 && strcmp(seg[2], "projects") == 0) || audit);
	long year = number(seg[1], 1990, 2100), table = 0;
	json_t *doc;
	int rc;

	if (strcmp(seg[0], "budgets") != 0 && strcmp(seg[0], "finals") != 0)
		return api_fail(c->resp, 404, "no such resource: use budgets or finals");
	c->kind_path = seg[0];
	c->kind = seg[0][0] == 'b' ? "budget" : "final";
	if (year < 0)
		return api_fail(c->resp, 400, "year must be a number from 1990 to 2100");
	c->year = (int)year;
	if (n > 4 || (n >= 3 && strcmp(seg[2], "tables") != 0 && strcmp(seg[2], "projects") != 0 &&
	              ((strcmp(seg[2], "sangong") != 0 && !audit) || n > 3)))
		return api_fail(c->resp, 404, "no such resource");
	if (n == 4 && strcmp(seg[2], "tables") == 0 &&
	    (table = number(seg[3], 1, API_TABLES_MAX)) < 0)
		return api_fail(c->resp, 400,
		                "table must be a number from 1 to %d (its position, 表几)",
		                API_TABLES_MAX);
	if (audit)
		return (rc = level(c)) != 0 || (rc = negotiate(c, csv)) != 0 ? (rc < 0 ? -1 : 0)
		                                                             : api_audit(c);
	if ((rc = level(c)) != 0 || (rc = negotiate(c, csv)) != 0 || (rc = load(c, &doc)) != 0)
		return rc < 0 ? -1 : 0;
	if (n == 2)
		rc = api_disclosure(c, doc);
	else if (strcmp(seg[2], "sangong") == 0)
		rc = api_sangong(c, doc);
	else if (strcmp(seg[2], "tables") == 0)
		rc = n == 3 ? api_tables(c, doc) : api_table(c, doc, (int)table);
	else
		rc = n == 3 ? api_projects(c, doc) : api_project(c, doc, seg[3]);
	json_decref(doc);
	return rc;
}

static int route(struct api_ctx *c, char **seg, int n)
{
	int rc;

	if (n == 1 && strcmp(seg[0], "openapi.json") == 0)
		return (rc = negotiate(c, false)) != 0 ? (rc < 0 ? -1 : 0) : api_openapi(c);
	if (n == 1 && strcmp(seg[0], "audit") == 0)
		return (rc = negotiate(c, false)) != 0 ? (rc < 0 ? -1 : 0) : api_audit_list(c);
	if (strcmp(seg[0], "departments") != 0)
		return api_fail(c->resp, 404, "no such resource");
	if (n == 1)
		return (rc = negotiate(c, false)) != 0 ? (rc < 0 ? -1 : 0)
		                                       : api_departments_list(c);
	c->dept = seg[1];
	if (n == 2)
		return (rc = negotiate(c, false)) != 0 ? (rc < 0 ? -1 : 0) : api_department(c);
	if (n < 4)
		return api_fail(c->resp, 404, "no such resource");
	return route_disclosure(c, seg + 2, n - 2);
}

int api_handle(struct db *db, const struct api_request *req, struct api_response *resp)
{
	struct api_ctx c = { .db = db, .req = req, .resp = resp };
	char buf[2049], *seg[MAX_SEGMENTS];
	int n;

	memset(resp, 0, sizeof(*resp));
	if (strlen(req->path) >= sizeof(buf))
		return api_fail(resp, 414, "the URL is longer than %zu bytes", sizeof(buf) - 1);
	if (strncmp(req->path, PREFIX, strlen(PREFIX)) != 0)
		return api_fail(resp, 404, "no such resource: the API is under " PREFIX);
	snprintf(buf, sizeof(buf), "%s", req->path + strlen(PREFIX));
	if ((n = split(buf, seg)) < 0)
		return api_fail(resp, 404, "no such resource");
	if (db_read_begin(db) != 0) {
		struct db_error err = { .text = "could not begin a read transaction" };
		return api_store_error(resp, &err);
	}
	n = route(&c, seg, n);
	db_read_end(db);
	return n;
}
