// SPDX-License-Identifier: MIT
// From a path to a resource, in two steps. api_parse() needs no store: it splits
// /api/v1/departments/{id}/{kind}/{year}/..., checks every parameter (400 for a malformed
// one or one the resource does not take, 404 for a path that names nothing), picks JSON or
// CSV from ?format= and Accept, and writes the answer's canonical cache key. api_execute()
// then reads only the part of the store the resource serves.
#include "api.h"
#include "internal_api.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PREFIX "/api/v1/"
#define MAX_SEGMENTS API_MAX_SEGMENTS

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

enum resource {
	R_OPENAPI,
	R_AUDIT_LIST,
	R_DEPARTMENTS,
	R_DEPARTMENT,
	R_DISCLOSURE,
	R_SANGONG,
	R_TABLES,
	R_TABLE,
	R_PROJECTS,
	R_PROJECT,
	R_AUDIT,
	R_SERIES, /* a department's figure over the years (#14) */
	R_COMPARE, /* two disclosures side by side (#14) */
	R_AMOUNTS, /* .../{kind}/{year}/amounts.csv, the long CSV (tidy.c) */
	R_DATAPACKAGE, /* .../{kind}/{year}/datapackage.json */
	R_DATAPACKAGE_STORE, /* /api/v1/datapackage.json */
	R_AGGREGATE,
	R_SEARCH,
	R_SOURCE, /* .../{kind}/{year}/source.pdf, the published PDF (#18) */
	R_PAGE_IMAGE, /* /api/v1/sources/{sha256}/pages/{n}.png, a page of it (#18) */
};

/* The query parameters each resource takes, in the order of its cache key; format last. */
static const char *const takes_format[] = { "format", NULL };
static const char *const takes_level[] = { "level", "format", NULL };
static const char *const takes_level_only[] = { "level", NULL };
static const char *const takes_nothing[] = { NULL };
static const char *const takes_departments[] = { "q", "year", "limit", "offset", "format", NULL };
static const char *const takes_search[] = { "q",     "in",     "kind",   "year", "department",
	                                    "limit", "offset", "format", NULL };
static const char *const takes_audit[] = { "severity", "rule",   "family", "kind", "year",
	                                   "limit",    "offset", "format", NULL };
static const char *const takes_series[] = { "measure", "code",  "table",  "column",
	                                    "kind",    "level", "format", NULL };
static const char *const takes_compare[] = { "a", "b", "format", NULL };

static const char *const takes_aggregate[] = { "measure", "code",  "group",  "depth",      "year",
	                                       "kind",    "level", "region", "department", "unit",
	                                       "order",   "limit", "offset", "format",     NULL };

static const char *const *takes(int resource)
{
	switch (resource) {
	case R_AGGREGATE:
		return takes_aggregate;
	case R_OPENAPI:
	case R_DEPARTMENT:
		return takes_format;
	case R_DEPARTMENTS:
		return takes_departments;
	case R_AUDIT_LIST:
		return takes_audit;
	case R_SERIES:
		return takes_series;
	case R_COMPARE:
		return takes_compare;
	case R_AMOUNTS:
	case R_DATAPACKAGE:
	case R_SOURCE:
		return takes_level_only;
	case R_DATAPACKAGE_STORE:
	case R_PAGE_IMAGE:
		return takes_nothing;
	case R_SEARCH:
		return takes_search;
	default:
		return takes_level;
	}
}

static bool is_number_param(const char *name)
{
	return strcmp(name, "year") == 0 || strcmp(name, "limit") == 0 ||
	       strcmp(name, "offset") == 0 || strcmp(name, "depth") == 0;
}

/* "a, b or c" */
static void list_names(char *out, size_t size, const char *const *names)
{
	size_t n = 0;

	out[0] = '\0';
	while (names[n] != NULL)
		n++;
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), size - strlen(out), "%s%s",
		         i == 0       ? ""
		         : i + 1 == n ? " and "
		                      : ", ",
		         names[i]);
}

static bool listed(const char *const *names, const char *name)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/* Every argument as sent: a name, a value, and a name the resource takes. Returns 0, or 1
 * with the 400 in resp (-1 when out of memory). */
static int check_names(const struct api_request *req, int resource, struct api_response *resp)
{
	const char *const *known = takes(resource);
	char names[200];

	for (size_t i = 0; i < req->n_args && req->names != NULL; i++) {
		const char *name = req->names[i];
		if (name == NULL || *name == '\0')
			return api_fail(resp, 400,
			                "a query parameter has no name: write name=value, joined "
			                "by single &")
			           ? -1
			           : 1;
		if (!listed(known, name)) {
			list_names(names, sizeof(names), known);
			if (known[0] == NULL)
				snprintf(names, sizeof(names), "no query parameters");
			return api_fail(resp, 400,
			                "unknown parameter \"%.40s\": this resource takes %s", name,
			                names)
			           ? -1
			           : 1;
		}
		if (req->values == NULL || req->values[i] == NULL)
			return api_fail(resp, 400, "the parameter \"%s\" needs a value: %s=...",
			                name, name)
			           ? -1
			           : 1;
	}
	return 0;
}

/* A number in the path or the query has one spelling: digits, no leading zero ("0"
 * itself aside), so that 06 and 6 are not two answers to cache. true for that spelling
 * and for what is no number at all (refused later, with the range it must be in). */
static bool canonical(const char *s)
{
	return !(s[0] == '0' && s[1] >= '0' && s[1] <= '9');
}

static int not_canonical(struct api_response *resp, const char *what, const char *s, bool query)
{
	const char *d = s + strspn(s, "0");

	if (*d == '\0' || d[strspn(d, "0123456789")] != '\0')
		d = "0";
	return api_fail(resp, 400, "%s is written without leading zeros: %s%s%.12s", what,
	                query ? what : "", query ? "=" : "", d)
	           ? -1
	           : 1;
}

/* The value of query argument name, or NULL. From the list when the caller gave one (every
 * request asks for a few names, usually of an empty query), else through arg(). */
static const char *arg_of(const struct api_request *req, const char *name)
{
	if (req->names != NULL) {
		for (size_t i = 0; i < req->n_args; i++)
			if (req->names[i] != NULL && strcmp(req->names[i], name) == 0)
				return req->values != NULL ? req->values[i] : NULL;
		return NULL;
	}
	return req->arg != NULL ? req->arg(req->ctx, name) : NULL;
}

/* Chooses the format: ?format= wins, then Accept (JSON preferred when both fit). Returns 0,
 * or 1 with the 400 or 406 in resp (-1 when out of memory). */
static int negotiate(const struct api_request *req, bool csv_offered, bool xlsx_offered,
                     struct api_route *rt, struct api_response *resp)
{
	const char *f = arg_of(req, "format");
	const char *accept = req->accept;

	rt->format = API_JSON;
	if (f != NULL) {
		if (strcmp(f, "json") == 0)
			return 0;
		if (strcmp(f, "csv") == 0 && csv_offered) {
			rt->format = API_CSV;
			return 0;
		}
		if (strcmp(f, "xlsx") == 0 && xlsx_offered) {
			rt->format = API_XLSX;
			return 0;
		}
		return api_fail(resp, 400, "format must be json%s%s%s",
		                csv_offered && xlsx_offered ? ", csv" : "",
		                csv_offered && !xlsx_offered ? " or csv" : "",
		                xlsx_offered ? " or xlsx" : "")
		           ? -1
		           : 1;
	}
	if (accept == NULL || *accept == '\0' || accepts(accept, "application/json"))
		return 0;
	if (csv_offered && accepts(accept, "text/csv")) {
		rt->format = API_CSV;
		return 0;
	}
	if (xlsx_offered && accepts(accept, API_XLSX_TYPE)) {
		rt->format = API_XLSX;
		return 0;
	}
	return api_fail(resp, 406, "this resource is offered as application/json%s%s%s",
	                csv_offered && xlsx_offered ? ", text/csv" : "",
	                csv_offered && !xlsx_offered ? " and text/csv" : "",
	                xlsx_offered ? " and " API_XLSX_TYPE : "")
	           ? -1
	           : 1;
}

/* The long CSV is CSV only: an Accept that admits no text/csv is 406. */
static int csv_only(const struct api_request *req, struct api_route *rt, struct api_response *resp)
{
	rt->format = API_CSV;
	if (req->accept == NULL || *req->accept == '\0' || accepts(req->accept, "text/csv"))
		return 0;
	return api_fail(resp, 406, "this resource is offered as text/csv") ? -1 : 1;
}

/* The published PDF is one representation; a client that takes no PDF gets 406. */
static int pdf_only(const struct api_request *req, struct api_route *rt, struct api_response *resp)
{
	rt->format = API_JSON; /* the format of its errors */
	if (req->accept == NULL || *req->accept == '\0' || accepts(req->accept, "application/pdf"))
		return 0;
	return api_fail(resp, 406, "this resource is offered as application/pdf") ? -1 : 1;
}

/* ?level=department (部门, the default) or unit (单位). 0, or 1 with the 400 in resp. */
static int level(const struct api_request *req, struct api_route *rt, struct api_response *resp)
{
	const char *l = arg_of(req, "level");

	if (l == NULL || strcmp(l, "department") == 0) {
		rt->level = "department";
		return 0;
	}
	if (strcmp(l, "unit") == 0) {
		rt->level = "unit";
		return 0;
	}
	return api_fail(resp, 400, "level must be department or unit") ? -1 : 1;
}

static int fail(struct api_response *resp, int status, const char *detail)
{
	return api_fail(resp, status, "%s", detail) ? -1 : 1;
}

/* seg: {kind} {year} [tables [n] | projects [id] | sangong | audit] */
static int parse_disclosure(struct api_route *rt, char **seg, int n, struct api_response *resp)
{
	long year = number(seg[1], 1990, 2100), table = 0;
	const char *part = n >= 3 ? seg[2] : "";

	if (strcmp(seg[0], "budgets") != 0 && strcmp(seg[0], "finals") != 0)
		return fail(resp, 404, "no such resource: use budgets or finals");
	rt->kind_path = seg[0];
	rt->kind = seg[0][0] == 'b' ? "budget" : "final";
	if (year < 0)
		return fail(resp, 400, "year must be a number from 1990 to 2100");
	if (!canonical(seg[1]))
		return not_canonical(resp, "year", seg[1], false);
	rt->year = (int)year;
	if (n == 2)
		rt->resource = R_DISCLOSURE;
	else if (n == 3 && strcmp(part, "sangong") == 0)
		rt->resource = R_SANGONG;
	else if (n == 3 && strcmp(part, "audit") == 0)
		rt->resource = R_AUDIT;
	else if (n == 3 && strcmp(part, "amounts.csv") == 0)
		rt->resource = R_AMOUNTS;
	else if (n == 3 && strcmp(part, "datapackage.json") == 0)
		rt->resource = R_DATAPACKAGE;
	else if (n == 3 && strcmp(part, "source.pdf") == 0)
		rt->resource = R_SOURCE;
	else if (strcmp(part, "tables") == 0 && n <= 4)
		rt->resource = n == 3 ? R_TABLES : R_TABLE;
	else if (strcmp(part, "projects") == 0 && n <= 4)
		rt->resource = n == 3 ? R_PROJECTS : R_PROJECT;
	else
		return fail(resp, 404, "no such resource");
	if (rt->resource == R_TABLE) {
		if ((table = number(seg[3], 1, API_TABLES_MAX)) < 0)
			return api_fail(resp, 400,
			                "table must be a number from 1 to %d (its position, 表几)",
			                API_TABLES_MAX)
			           ? -1
			           : 1;
		if (!canonical(seg[3]))
			return not_canonical(resp, "table", seg[3], false);
		rt->table = (int)table;
	}
	if (rt->resource == R_PROJECT)
		rt->project = seg[3];
	return 0;
}

/* seg: sources {sha256} pages {n}.png: a page image, named by the file's content and the
 * page (from 1), so that its URL names one image forever. */
static int parse_page_image(struct api_route *rt, char **seg, struct api_response *resp)
{
	const char *num = seg[3], *dot = strchr(num, '.');
	char digits[8];
	long page;

	if (strlen(seg[1]) != 64 || strspn(seg[1], "0123456789abcdef") != 64)
		return fail(resp, 404,
		            "no such file: a source is named by its SHA-256, 64 "
		            "lower-case hex digits");
	if (dot == NULL || strcmp(dot, ".png") != 0 || dot == num ||
	    (size_t)(dot - num) >= sizeof(digits))
		return fail(resp, 404, "no such page: pages are {n}.png");
	memcpy(digits, num, (size_t)(dot - num));
	digits[dot - num] = '\0';
	if ((page = number(digits, 1, API_PAGES_MAX)) < 0 || !canonical(digits))
		return api_fail(resp, 404,
		                "no such page: a page is a number from 1 to %d, without leading "
		                "zeros",
		                API_PAGES_MAX)
		           ? -1
		           : 1;
	rt->resource = R_PAGE_IMAGE;
	rt->sha256 = seg[1];
	rt->page = (int)page;
	rt->format = API_JSON; /* the format of its errors */
	return 0;
}

static int parse_path(struct api_route *rt, struct api_response *resp)
{
	char **seg = rt->seg;
	int n = rt->n;

	if (n == 1 && strcmp(seg[0], "openapi.json") == 0)
		rt->resource = R_OPENAPI;
	else if (n == 1 && strcmp(seg[0], "audit") == 0)
		rt->resource = R_AUDIT_LIST;
	else if (n == 1 && strcmp(seg[0], "compare") == 0)
		rt->resource = R_COMPARE;
	else if (n == 3 && strcmp(seg[0], "departments") == 0 && strcmp(seg[2], "series") == 0)
		rt->resource = R_SERIES;
	else if (n == 1 && strcmp(seg[0], "datapackage.json") == 0)
		rt->resource = R_DATAPACKAGE_STORE;
	else if (n == 1 && strcmp(seg[0], "aggregate") == 0)
		rt->resource = R_AGGREGATE;
	else if (n == 1 && strcmp(seg[0], "search") == 0)
		rt->resource = R_SEARCH;
	else if (n == 4 && strcmp(seg[0], "sources") == 0 && strcmp(seg[2], "pages") == 0)
		return parse_page_image(rt, seg, resp);
	else if (strcmp(seg[0], "departments") != 0 || n == 3)
		return fail(resp, 404, "no such resource");
	else if (n == 1)
		rt->resource = R_DEPARTMENTS;
	else if (n == 2)
		rt->resource = R_DEPARTMENT;
	if (rt->resource == R_COMPARE)
		return 0;
	if (n >= 2)
		rt->dept = seg[1];
	return n >= 4 ? parse_disclosure(rt, seg + 2, n - 2, resp) : 0;
}

/* ---- the canonical key ---- */

struct key {
	char *p;
	size_t len, size;
	bool full;
};

static void key_raw(struct key *k, const char *s)
{
	size_t n = strlen(s);

	if (k->full || k->len + n >= k->size) {
		k->full = true;
		return;
	}
	memcpy(k->p + k->len, s, n + 1);
	k->len += n;
}

/* s percent-encoded (api_pct_encode()), so that no value can pass for a separator. A value
 * that does not fit leaves the key out whole: a cut key could name two answers. */
static void key_enc(struct key *k, const char *s)
{
	if (k->full || !api_pct_encode(k->p + k->len, k->size - k->len, s)) {
		k->full = true;
		return;
	}
	k->len += strlen(k->p + k->len);
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* The value a parameter stands for in the key: as given, else the resource's default
 * (limit 100, offset 0, level department; none for the filters). NULL: leave it out.
 * *word: it is one of this file's words (a format, a level), which need no encoding. */
static const char *key_value(const struct api_request *req, const struct api_route *rt,
                             const char *name, bool *word)
{
	const char *v;

	*word = true;
	if (strcmp(name, "format") == 0)
		return rt->format == API_CSV ? "csv" : rt->format == API_XLSX ? "xlsx" : "json";
	if (rt->resource != R_AGGREGATE && strcmp(name, "level") == 0)
		return rt->level;
	*word = false;
	v = arg_of(req, name);
	if (rt->resource == R_AGGREGATE) /* level is a filter there (all too), as given */
		v = v != NULL ? v : api_aggregate_default(name);
	if (v != NULL)
		return v;
	if (strcmp(name, "limit") == 0)
		return rt->resource == R_SEARCH ? STR(API_SEARCH_LIMIT_DEFAULT)
		                                : STR(API_LIMIT_DEFAULT);
	if (strcmp(name, "offset") == 0)
		return "0";
	return NULL;
}

/* /api/v1/{segments, encoded}?{name=value, in the resource's fixed order}: the spelling of
 * the request (percent-escapes, leading zeros, the order of the parameters, an Accept that
 * negotiates the same format, a default written out) does not show. */
static void write_key(const struct api_request *req, struct api_route *rt)
{
	struct key k = { rt->key, 0, sizeof(rt->key), false };
	char buf[24];
	const char *v, *sep = "?";
	bool word;

	rt->key[0] = '\0';
	key_raw(&k, PREFIX);
	for (int i = 0; i < rt->n; i++) {
		key_raw(&k, i == 0 ? "" : "/");
		if (i == 3 && rt->year != 0)
			*db_dec_put_uint(buf, (unsigned)rt->year) = '\0';
		else if (i == 5 && rt->table != 0)
			*db_dec_put_uint(buf, (unsigned)rt->table) = '\0';
		if ((i == 3 && rt->year != 0) || (i == 5 && rt->table != 0))
			key_raw(&k, buf);
		else if (i % 2 == 0) /* a word parse_path() matched ("departments", "tables") */
			key_raw(&k, rt->seg[i]);
		else
			key_enc(&k, rt->seg[i]);
	}
	for (const char *const *name = takes(rt->resource); *name != NULL; name++) {
		if ((v = key_value(req, rt, *name, &word)) == NULL)
			continue;
		key_raw(&k, sep);
		key_raw(&k, *name);
		key_raw(&k, "=");
		if (word)
			key_raw(&k, v);
		else
			key_enc(&k, v);
		sep = "&";
	}
	if (k.full)
		rt->key[0] = '\0';
}

static bool offers_csv(int resource)
{
	return resource == R_TABLE || resource == R_PROJECTS || resource == R_AUDIT ||
	       resource == R_AUDIT_LIST || resource == R_DEPARTMENTS || resource == R_SANGONG ||
	       resource == R_PROJECT || resource == R_SERIES || resource == R_COMPARE ||
	       resource == R_AGGREGATE || resource == R_SEARCH;
}

/* A table, or all of a disclosure's tables (its list, or the disclosure itself). */
static bool offers_xlsx(int resource)
{
	return resource == R_TABLE || resource == R_TABLES || resource == R_DISCLOSURE;
}

static int parse_query(const struct api_request *req, struct api_route *rt,
                       struct api_response *resp)
{
	const char *const *known = takes(rt->resource);
	int rc;

	if ((rc = check_names(req, rt->resource, resp)) != 0)
		return rc;
	for (; *known != NULL; known++) {
		const char *v = arg_of(req, *known);
		if (v != NULL && is_number_param(*known) && !canonical(v))
			return not_canonical(resp, *known, v, true);
	}
	if (listed(takes(rt->resource), "level") && rt->resource != R_AGGREGATE &&
	    (rc = level(req, rt, resp)) != 0)
		return rc;
	if (rt->resource == R_AMOUNTS)
		return csv_only(req, rt, resp);
	if (rt->resource == R_SOURCE)
		return pdf_only(req, rt, resp);
	if (rt->resource == R_PAGE_IMAGE)
		return 0; /* an image: Accept is not negotiated */
	return negotiate(req, offers_csv(rt->resource), offers_xlsx(rt->resource), rt, resp);
}

int api_parse(const struct api_request *req, struct api_route *rt, struct api_response *resp)
{
	int rc;

	/* Its texts empty, not zeroed whole: 1.5 KB a request (issue #17 round 13). */
	memset(resp, 0, offsetof(struct api_response, link));
	resp->link[0] = resp->disposition[0] = resp->cause[0] = resp->file[0] = '\0';
	memset(rt, 0, offsetof(struct api_route, key));
	rt->key[0] = '\0';
	if (strlen(req->path) >= sizeof(rt->buf))
		return api_fail(resp, 414, "the URL is longer than %zu bytes", sizeof(rt->buf) - 1)
		           ? -1
		           : 1;
	if (strncmp(req->path, PREFIX, strlen(PREFIX)) != 0)
		return fail(resp, 404, "no such resource: the API is under " PREFIX);
	/* fits: the length was checked above */
	memcpy(rt->buf, req->path + strlen(PREFIX), strlen(req->path) - strlen(PREFIX) + 1);
	if ((rt->n = split(rt->buf, rt->seg)) < 0)
		return fail(resp, 404, "no such resource");
	if ((rc = parse_path(rt, resp)) != 0 || (rc = parse_query(req, rt, resp)) != 0)
		return rc;
	write_key(req, rt);
	return 0;
}

/* ---- answering a route ---- */

static const char *const totals_types[] = { "budget_summary", "final_summary", "budget_expenditure",
	                                    "final_expenditure", NULL };

/* The disclosure's headline totals read the rows of its summary and expenditure tables. */
static bool totals_table(const json_t *t, void *arg)
{
	const char *type = api_table_type(t);

	(void)arg;
	return listed(totals_types, type);
}

static bool no_rows(const json_t *t, void *arg)
{
	(void)t;
	(void)arg;
	return false;
}

/* What each resource reads of its disclosure. */
static struct db_export_sel selection(const struct api_route *rt)
{
	if (rt->format == API_XLSX || rt->resource == R_AMOUNTS) /* every table, whole */
		return (struct db_export_sel){ .parts = DB_PART_DEPARTMENT | DB_PART_TABLES,
			                       .table = rt->resource == R_TABLE ? rt->table : 0 };
	switch (rt->resource) {
	case R_DATAPACKAGE:
		return (struct db_export_sel){ .parts = DB_PART_DEPARTMENT, .table_rows = no_rows };
	case R_SANGONG: /* the figures, and which table is the 三公 table */
		return (struct db_export_sel){ .parts = DB_PART_SANGONG | DB_PART_TABLES,
			                       .table_rows = no_rows };
	case R_TABLES:
		return (struct db_export_sel){ .parts = DB_PART_TABLES, .table_rows = no_rows };
	case R_TABLE:
		return (struct db_export_sel){ .parts = DB_PART_TABLES, .table = rt->table };
	case R_PROJECTS:
	case R_PROJECT:
		return (struct db_export_sel){ .parts = DB_PART_PROJECTS | DB_PART_WITHHELD,
			                       .project = rt->project };
	default: /* the disclosure: all but its 目录 and its projects */
		return (struct db_export_sel){ .parts =
			                           ~(unsigned)(DB_PART_CONTENTS | DB_PART_PROJECTS),
			                       .table_rows = totals_table,
			                       .total_rows_only =
			                           true /* all its totals read (#17) */ };
	}
}

/* Loads the disclosure's part and sets c->base; 0, -1 (memory), or a status with resp
 * filled. */
static int load(struct api_ctx *c, const struct api_route *rt, json_t **doc)
{
	struct db_error err = { 0 };
	struct db_export_sel sel = selection(rt);

	snprintf(c->base, sizeof(c->base), PREFIX "departments/%s/%s/%d", c->dept, c->kind_path,
	         c->year);
	*doc = db_export_part(c->db, c->dept, c->year, c->kind, c->level, &sel, &err);
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

/* The new formats of a disclosure's tables: XLSX, the long CSV, its data package. */
static int answer_export(struct api_ctx *c, const struct api_route *rt, json_t *doc)
{
	if (rt->format == API_XLSX)
		return api_xlsx(c, doc, rt->resource == R_TABLE ? rt->table : 0);
	if (rt->resource == R_AMOUNTS)
		return api_amounts(c, doc);
	return api_datapackage(c, doc);
}

static int answer(struct api_ctx *c, const struct api_route *rt, json_t *doc)
{
	if (rt->format == API_XLSX || rt->resource == R_AMOUNTS || rt->resource == R_DATAPACKAGE)
		return answer_export(c, rt, doc);
	switch (rt->resource) {
	case R_SANGONG:
		return api_sangong(c, doc);
	case R_TABLES:
		return api_tables(c, doc);
	case R_TABLE:
		return api_table(c, doc, rt->table);
	case R_PROJECTS:
		return api_projects(c, doc);
	case R_PROJECT:
		return api_project(c, doc, rt->project);
	default:
		return api_disclosure(c, doc);
	}
}

static int execute_disclosure(struct api_ctx *c, const struct api_route *rt)
{
	json_t *doc;
	int rc;

	if (rt->resource == R_AUDIT)
		return api_audit(c);
	if (rt->resource == R_SOURCE)
		return api_source(c);
	/* A table as JSON or CSV is written from its rows, without a tree (#17). */
	if (rt->resource == R_TABLE && (rt->format == API_JSON || rt->format == API_CSV))
		return api_table_rows(c, rt->table);
	if ((rt->resource == R_PROJECTS || rt->resource == R_PROJECT) && rt->format == API_JSON)
		return api_projects_rows(c, rt->resource == R_PROJECT ? rt->project : NULL);
	if (rt->resource == R_DISCLOSURE && rt->format == API_JSON)
		return api_disclosure_rows(c);
	if ((rc = load(c, rt, &doc)) != 0)
		return rc < 0 ? -1 : 0;
	rc = answer(c, rt, doc);
	json_decref(doc);
	return rc;
}

/* A page image is a file the store keeps beside it, named by the PDF's content and the
 * page: the server sends it, or 404 when the store keeps no such page. */
static int page_image(struct api_response *resp, const struct api_route *rt)
{
	resp->status = 200;
	resp->content_type = "image/png";
	resp->immutable = true;
	snprintf(resp->file, sizeof(resp->file), "%.64s-%d.png", rt->sha256, rt->page);
	return 0;
}

static int execute(struct api_ctx *c, const struct api_route *rt)
{
	switch (rt->resource) {
	case R_PAGE_IMAGE:
		return page_image(c->resp, rt);
	case R_OPENAPI:
		return api_openapi(c);
	case R_AUDIT_LIST:
		return api_audit_list(c);
	case R_SEARCH:
		return api_search(c);
	case R_DEPARTMENTS:
		return api_departments_list(c);
	case R_DEPARTMENT:
		return api_department(c);
	case R_SERIES:
		return api_series(c);
	case R_COMPARE:
		return api_compare(c);
	case R_DATAPACKAGE_STORE:
		return api_datapackage(c, NULL);
	case R_AGGREGATE:
		return api_aggregate(c);
	default:
		return execute_disclosure(c, rt);
	}
}

int api_execute(struct db *db, const struct api_request *req, const struct api_route *rt,
                struct api_response *resp)
{
	struct api_ctx c = { .db = db,
		             .req = req,
		             .resp = resp,
		             .format = rt->format,
		             .dept = rt->dept,
		             .year = rt->year,
		             .kind = rt->kind,
		             .kind_path = rt->kind_path,
		             .level = rt->level };
	int rc;

	memset(resp, 0, sizeof(*resp));
	if (db_read_begin(db) != 0) {
		struct db_error err = { .text = "could not begin a read transaction" };
		return api_store_error(resp, &err);
	}
	rc = execute(&c, rt);
	db_read_end(db);
	return rc;
}

int api_handle(struct db *db, const struct api_request *req, struct api_response *resp)
{
	struct api_route *rt = malloc(sizeof(*rt));
	int rc;

	if (rt == NULL)
		return -1;
	rc = api_parse(req, rt, resp);
	if (rc == 0)
		rc = api_execute(db, req, rt, resp);
	free(rt);
	return rc < 0 ? -1 : 0;
}
