// SPDX-License-Identifier: MIT
// The api module without sockets: the JSON writer, CSV cells, the router's parameter checks
// and content negotiation, called directly on the bundled store.
#include "api.h"
#include "internal_api.h"
#include "read_audit.h"
#include "util.h"

#include <check.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the JSON writer ---- */

/* #17, round 4: a string with nothing to escape is written in one piece (api/jw.c), also
 * when it does not fit the buffer, and one escaped after a plain start keeps that start. */
START_TEST(test_writer_plain_strings)
{
	struct api_jw w;
	char long_s[3001], want[3200], *out;

	memset(long_s, 'x', 3000);
	long_s[3000] = '\0';
	snprintf(want, sizeof(want), "[\"\",\"%s\",\"ab\\\"c\",\"ab三公\",\"k\\u001f\"]", long_s);
	api_jw_init(&w);
	api_jw_arr(&w);
	api_jw_str(&w, "");
	api_jw_str(&w, long_s); /* past the first 1,024 bytes of buffer */
	api_jw_str(&w, "ab\"c");
	api_jw_str(&w, "ab三公");
	api_jw_str(&w, "k\x1f");
	api_jw_end(&w, ']');
	out = api_jw_finish(&w, NULL);
	ck_assert_msg(out != NULL && strcmp(out, want) == 0,
	              "written otherwise (%zu bytes, not %zu)", out != NULL ? strlen(out) : 0,
	              strlen(want));
	free(out);
}
END_TEST

START_TEST(test_writer_nests_and_escapes)
{
	struct api_jw w;
	char *out;

	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_kstr(&w, "q", "say \"hi\"\\\n\t\x01");
	api_jw_key(&w, "a");
	api_jw_arr(&w);
	api_jw_dec(&w, 700940000);
	api_jw_dec(&w, -1690000);
	api_jw_dec(&w, 6536278);
	api_jw_null(&w);
	api_jw_bool(&w, true);
	api_jw_obj(&w);
	api_jw_end(&w, '}');
	api_jw_end(&w, ']');
	api_jw_kstr(&w, "zh", "三公");
	api_jw_end(&w, '}');
	out = api_jw_finish(&w, NULL);
	ck_assert_str_eq(out, "{\"q\":\"say \\\"hi\\\"\\\\\\u000a\\u0009\\u0001\","
	                      "\"a\":[700.94,-1.69,6.536278,null,true,{}],\"zh\":\"三公\"}");
	free(out);
}
END_TEST

/* Integers are written without printf (#17): the edges as "%lld" spells them. */
START_TEST(test_writer_integers)
{
	struct api_jw w;
	char *out;

	api_jw_init(&w);
	api_jw_arr(&w);
	api_jw_int(&w, 0);
	api_jw_int(&w, 7);
	api_jw_int(&w, -7);
	api_jw_int(&w, 1234567890);
	api_jw_int(&w, 9223372036854775807LL);
	api_jw_int(&w, -9223372036854775807LL - 1);
	api_jw_end(&w, ']');
	out = api_jw_finish(&w, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, "[0,7,-7,1234567890,9223372036854775807,-9223372036854775808]");
	free(out);
}
END_TEST

/* Strings can carry what a client sent: bytes that are not UTF-8 (a lone continuation byte,
 * an overlong '/', a surrogate, a cut sequence) become U+FFFD; good sequences pass. */
START_TEST(test_writer_replaces_bad_utf8)
{
	struct api_jw w;
	char *out;

#define FFFD "\xef\xbf\xbd"
	api_jw_init(&w);
	api_jw_arr(&w);
	api_jw_str(&w, "a\xff"
	               "b\x80"
	               "c\xc0\xaf"
	               "d\xed\xa0\x80"
	               "e\xe4\xb8");
	api_jw_str(&w, "三公 \xf0\x9f\x98\x80 \xc3\xa9");
	api_jw_end(&w, ']');
	out = api_jw_finish(&w, NULL);
	ck_assert_str_eq(out, "[\"a" FFFD "b" FFFD "c" FFFD FFFD "d" FFFD FFFD FFFD "e" FFFD FFFD
	                      "\",\"三公 \xf0\x9f\x98\x80 \xc3\xa9\"]");
#undef FFFD
	free(out);
}
END_TEST

START_TEST(test_writer_refuses_unbalanced)
{
	struct api_jw w;

	api_jw_init(&w);
	api_jw_obj(&w);
	ck_assert_ptr_null(api_jw_finish(&w, NULL)); /* never closed */
	api_jw_init(&w);
	api_jw_end(&w, ']');
	ck_assert_ptr_null(api_jw_finish(&w, NULL)); /* closed what was never opened */
	api_jw_init(&w);
	for (int i = 0; i < API_JW_DEPTH + 2; i++)
		api_jw_arr(&w);
	for (int i = 0; i < API_JW_DEPTH + 2; i++)
		api_jw_end(&w, ']');
	ck_assert_ptr_null(api_jw_finish(&w, NULL)); /* too deep */
}
END_TEST

/* ---- CSV cells ---- */

static char *row(const char *const *cells, const bool *text, size_t n)
{
	struct api_jw w;

	api_jw_init(&w);
	for (size_t i = 0; i < n; i++) {
		if (text[i])
			api_csv_text(&w, cells[i], i == 0);
		else
			api_csv_number(&w, cells[i], i == 0);
	}
	api_csv_end_row(&w);
	return api_jw_finish(&w, NULL);
}

START_TEST(test_csv_quotes_and_neutralises)
{
	const char *cells[] = { "a,b", "say \"x\"", "=1+1", "-5", "-1.69", "@SUM", " pad", "合计" };
	const bool text[] = { true, true, true, true, false, true, true, true };
	char *out = row(cells, text, 8);

	ck_assert_str_eq(out, "\"a,b\",\"say \"\"x\"\"\",'=1+1,'-5,-1.69,'@SUM,\" pad\",合计\r\n");
	free(out);
}
END_TEST

START_TEST(test_pct_encode)
{
	char buf[64];

	api_pct_encode(buf, sizeof(buf), "表六 a-b_c.csv");
	ck_assert_str_eq(buf, "%E8%A1%A8%E5%85%AD%20a-b_c.csv");
	api_pct_encode(buf, 8, "表六表六");
	ck_assert_uint_lt(strlen(buf), 8); /* cut, never overrun */
}
END_TEST

/* ---- the router on the bundled store ---- */

static struct db *store;

static void open_store(void)
{
	struct db_error err = { 0 };

	store = db_open(tu_env("BUDGETD_STORE"), false, &err);
	ck_assert_msg(store != NULL, "%s", err.text);
}

static void close_store(void)
{
	db_close(store);
}

struct args {
	const char *query; /* "name=value&..." without escapes */
};

static const char *get_arg(void *ctx, const char *name)
{
	static char value[256];
	const struct args *a = ctx;
	size_t n = strlen(name);

	for (const char *p = a->query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			size_t len = strcspn(p + n + 1, "&");
			snprintf(value, sizeof(value), "%.*s", (int)len, p + n + 1);
			return value;
		}
	}
	return NULL;
}

/* The names and values of query, as libmicrohttpd lists them (a value is NULL for a name
 * without '='), in bufs that must hold 16 of each. */
static size_t split_query(const char *query, char names[][64], char values[][64], const char *np[],
                          const char *vp[])
{
	size_t n = 0;

	for (const char *p = query; p != NULL && *p != '\0' && n < 16; n++) {
		size_t len = strcspn(p, "&"), k = strcspn(p, "=&");
		snprintf(names[n], 64, "%.*s", (int)k, p);
		snprintf(values[n], 64, "%.*s", k < len ? (int)(len - k - 1) : 0, p + k + 1);
		np[n] = names[n];
		vp[n] = k < len ? values[n] : NULL;
		p = p[len] == '&' ? p + len + 1 : NULL;
	}
	return n;
}

static int call(const char *path, const char *query, const char *accept, struct api_response *r)
{
	struct args a = { query };
	char names[16][64], values[16][64];
	const char *np[16], *vp[16];
	struct api_request req = { .path = path, .arg = get_arg, .ctx = &a, .accept = accept };

	req.n_args = split_query(query, names, values, np, vp);
	req.names = np;
	req.values = vp;
	ck_assert_int_eq(api_handle(store, &req, r), 0);
	return r->status;
}

#define BASE "/api/v1/departments/kashi-urumqi-office/budgets/2021"

static const struct {
	const char *path, *query, *accept;
	int status;
	const char *type; /* expected Content-Type prefix */
} cases[] = {
	{ "/api/v1/departments", NULL, NULL, 200, "application/json" },
	{ "/api/v1/departments", "limit=0", NULL, 400, "application/problem+json" },
	{ "/api/v1/departments", "limit=501", NULL, 400, "application/problem+json" },
	{ "/api/v1/departments", "limit=-1", NULL, 400, "application/problem+json" },
	{ "/api/v1/departments", "year=abc", NULL, 400, "application/problem+json" },
	{ "/api/v1/departments", NULL, "text/csv", 200, "text/csv" },
	{ "/api/v1/departments", "format=csv", NULL, 200, "text/csv" },
	{ "/api/v1/departments/kashi-urumqi-office", NULL, "text/csv", 406,
	  "application/problem+json" },
	{ "/api/v1/audit", "format=csv", NULL, 200, "text/csv" },
	{ "/api/v1/departments/nope", NULL, NULL, 404, "application/problem+json" },
	{ BASE, NULL, NULL, 200, "application/json" },
	{ BASE, NULL, "*/*", 200, "application/json" },
	{ BASE, NULL, "application/*", 200, "application/json" },
	{ BASE, NULL, "image/png", 406, "application/problem+json" },
	{ BASE, "format=xml", NULL, 400, "application/problem+json" },
	{ BASE, "format=csv", NULL, 400, "application/problem+json" },
	{ "/api/v1/departments/kashi-urumqi-office/budgets/abc", NULL, NULL, 400,
	  "application/problem+json" },
	{ "/api/v1/departments/kashi-urumqi-office/budgets/1800", NULL, NULL, 400,
	  "application/problem+json" },
	{ "/api/v1/departments/kashi-urumqi-office/budgets/2020", NULL, NULL, 404,
	  "application/problem+json" },
	{ "/api/v1/departments/kashi-urumqi-office/finals/2021", NULL, NULL, 404,
	  "application/problem+json" },
	{ "/api/v1/departments/kashi-urumqi-office/drafts/2021", NULL, NULL, 404,
	  "application/problem+json" },
	{ BASE "/tables", NULL, NULL, 200, "application/json" },
	{ BASE "/tables/6", NULL, NULL, 200, "application/json" },
	{ BASE "/tables/6", "format=csv", NULL, 200, "text/csv" },
	{ BASE "/tables/6", NULL, "text/csv", 200, "text/csv" },
	{ BASE "/tables/6", NULL, "text/*", 200, "text/csv" },
	{ BASE "/tables/6", NULL, "application/json;q=0, text/csv", 200, "text/csv" },
	{ BASE "/tables/6", NULL, "text/csv, application/json", 200, "application/json" },
	{ BASE "/tables/0", NULL, NULL, 400, "application/problem+json" },
	{ BASE "/tables/10", NULL, NULL, 404, "application/problem+json" },
	{ BASE "/tables/99", NULL, NULL, 404, "application/problem+json" },
	{ BASE "/tables/100", NULL, NULL, 400, "application/problem+json" },
	{ BASE "/tables/6", "level=unit", NULL, 404, "application/problem+json" },
	{ BASE "/tables/6", "level=department", NULL, 200, "application/json" },
	{ BASE, "level=units", NULL, 400, "application/problem+json" },
	{ BASE "/tables/06x", NULL, NULL, 400, "application/problem+json" },
	{ BASE "/tables/6/rows", NULL, NULL, 404, "application/problem+json" },
	{ BASE "/projects", "format=csv", NULL, 200, "text/csv" },
	{ BASE "/projects/business-operations", NULL, NULL, 200, "application/json" },
	{ BASE "/projects/business-operations", "format=csv", NULL, 200, "text/csv" },
	{ BASE "/projects/business-operations", "format=xml", NULL, 400,
	  "application/problem+json" },
	{ BASE "/projects/nope", NULL, NULL, 404, "application/problem+json" },
	{ BASE "/sangong", NULL, NULL, 200, "application/json" },
	{ BASE "/sangong", "format=csv", NULL, 200, "text/csv" },
	{ BASE, "level=department", NULL, 200, "application/json" },
	{ BASE "/tables/6", "level=department", NULL, 200, "application/json" },
	{ BASE, "level=unit", NULL, 404, "application/problem+json" },
	{ BASE "/sangong", "level=unit", NULL, 404, "application/problem+json" },
	{ BASE, "level=county", NULL, 400, "application/problem+json" },
	{ BASE "/tables/6", "level=", NULL, 400, "application/problem+json" },
	{ BASE "/sangong/x", NULL, NULL, 404, "application/problem+json" },
	{ BASE "/", NULL, NULL, 404, "application/problem+json" },
	{ "/api/v1//departments", NULL, NULL, 404, "application/problem+json" },
	{ "/api/v2/departments", NULL, NULL, 404, "application/problem+json" },
	{ "/api/v1/openapi.json", NULL, NULL, 200, "application/json" },
	{ "/api/v1/departments/kashi-urumqi-office/series", "measure=revenue", NULL, 200,
	  "application/json" },
	{ "/api/v1/departments/kashi-urumqi-office/series", "measure=revenue", "text/csv", 200,
	  "text/csv" },
	{ "/api/v1/departments/kashi-urumqi-office/series", NULL, NULL, 400,
	  "application/problem+json" },
	{ "/api/v1/departments/kashi-urumqi-office/series", "measure=basic&level=x", NULL, 400,
	  "application/problem+json" },
	{ "/api/v1/departments/kashi-urumqi-office/serie", NULL, NULL, 404,
	  "application/problem+json" },
	{ "/api/v1/departments/nope/series", "measure=revenue", NULL, 404,
	  "application/problem+json" },
	{ "/api/v1/compare",
	  "a=/departments/kashi-urumqi-office/budgets/2021&b=/departments/"
	  "kashi-urumqi-office/budgets/2021",
	  "text/csv", 200, "text/csv" },
	{ "/api/v1/compare", "a=x&b=y", NULL, 400, "application/problem+json" },
	{ "/api/v1/compare",
	  "a=/departments/kashi-urumqi-office/budgets/2021&b=/departments/"
	  "kashi-urumqi-office/finals/2021",
	  NULL, 404, "application/problem+json" },
};

START_TEST(test_routes)
{
	struct api_response r;

	call(cases[_i].path, cases[_i].query, cases[_i].accept, &r);
	ck_assert_msg(r.status == cases[_i].status, "%s?%s: %d, expected %d", cases[_i].path,
	              cases[_i].query ? cases[_i].query : "", r.status, cases[_i].status);
	ck_assert_msg(strncmp(r.content_type, cases[_i].type, strlen(cases[_i].type)) == 0,
	              "%s: %s", cases[_i].path, r.content_type);
	ck_assert_ptr_nonnull(r.body);
	if (r.status >= 400)
		ck_assert_ptr_null(strstr(r.body, "sqlite"));
	api_response_free(&r);
}
END_TEST

/* Exact conversion to 万元: the decimal point moves, nothing is rounded. */
START_TEST(test_to_wan)
{
	static const struct {
		const char *in, *unit, *out; /* out NULL: not convertible exactly */
	} conv[] = {
		{ "91016775.35", "元", "9101.677535" },
		{ "189767551", "元", "18976.7551" },
		{ "-1.69", "元", "-0.000169" },
		{ "12.3", "千元", "1.23" },
		{ "1.5", "亿元", "15000" },
		{ "700.94", "万元", "700.94" },
		{ "0.001", "元", NULL },
		{ "1", "美元", NULL },
		{ "999999999999", "亿元", NULL },
	};

	for (size_t i = 0; i < sizeof(conv) / sizeof(conv[0]); i++) {
		int64_t v, wan;
		char buf[DB_DEC_BUFSZ];
		ck_assert_int_eq(db_dec_parse(conv[i].in, true, &v), 0);
		bool ok = api_to_wan(v, conv[i].unit, &wan);
		ck_assert_msg(ok == (conv[i].out != NULL), "%s %s", conv[i].in, conv[i].unit);
		if (!ok)
			continue;
		db_dec_format(wan, buf);
		ck_assert_str_eq(buf, conv[i].out);
	}
}
END_TEST

START_TEST(test_overlong_path)
{
	char path[3000];
	struct api_response r;

	memset(path, 'a', sizeof(path) - 1);
	memcpy(path, "/api/v1/", 8);
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(call(path, NULL, NULL, &r), 414);
	api_response_free(&r);
}
END_TEST

START_TEST(test_table_is_the_data)
{
	struct api_response r;
	json_error_t err;
	json_t *body, *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, &err);

	ck_assert_int_eq(call(BASE "/tables/6", NULL, NULL, &r), 200);
	body = json_loads(r.body, 0, &err);
	ck_assert_ptr_nonnull(body);
	/* 表六 in the data file is the sixth table; every row arrives, in order. */
	json_t *rows = json_object_get(json_array_get(json_object_get(seed, "tables"), 5), "rows");
	ck_assert_uint_eq(json_array_size(json_object_get(body, "rows")), json_array_size(rows));
	ck_assert_ptr_nonnull(
	    strstr(r.body, "\"total\":345.08,\"personnel\":309.32,\"public\":35.76"));
	ck_assert_ptr_nonnull(r.modified > 0 ? r.body : NULL);
	json_decref(body);
	json_decref(seed);
	api_response_free(&r);
}
END_TEST

/* ---- a table straight from its rows (#17) against the tree path ---- */

/* The tree a resource was written from before #17, read as router.c's load() reads it:
 * c set up for the disclosure (JSON, or CSV when csv), r zeroed and its Last-Modified set.
 * Within a read transaction; tree_end() frees the tree, ends it and gives the status. */
static json_t *tree_begin(struct api_ctx *c, struct api_response *r, const char *dept, int year,
                          const char *kind, const char *level, bool csv,
                          const struct db_export_sel *sel)
{
	struct db_error err = { 0 };
	json_t *doc;

	*c = (struct api_ctx){ .db = store,
		               .resp = r,
		               .format = csv ? API_CSV : API_JSON,
		               .dept = dept,
		               .year = year,
		               .kind = kind,
		               .kind_path = kind[0] == 'b' ? "budgets" : "finals",
		               .level = level };
	memset(r, 0, sizeof(*r));
	snprintf(c->base, sizeof(c->base), "/api/v1/departments/%s/%s/%d", dept, c->kind_path,
	         year);
	ck_assert_int_eq(db_read_begin(store), 0);
	doc = db_export_part(store, dept, year, kind, level, sel, &err);
	ck_assert_msg(doc != NULL, "%s", err.text);
	if (db_modified(store, dept, year, kind, level, &r->modified, &err) != 0)
		r->modified = 0;
	return doc;
}

static int tree_end(json_t *doc, const struct api_response *r)
{
	json_decref(doc);
	db_read_end(store);
	return r->status;
}

/* tables.c's api_table() on db_export_part()'s tree of the one table, as router.c's load()
 * calls it: the reference the rows' writer (table_rows.c) must match byte for byte. */
static int tree_table(const char *dept, int year, const char *kind, const char *level, int n,
                      bool csv, struct api_response *r)
{
	struct api_ctx c;
	struct db_export_sel sel = { .parts = DB_PART_TABLES, .table = n };
	json_t *doc = tree_begin(&c, r, dept, year, kind, level, csv, &sel);

	ck_assert_int_eq(api_table(&c, doc, n), 0);
	return tree_end(doc, r);
}

static void assert_same_answer(const struct api_response *a, const struct api_response *b,
                               const char *what)
{
	ck_assert_msg(a->status == b->status, "%s: status %d, tree %d", what, a->status, b->status);
	ck_assert_msg(a->len == b->len && memcmp(a->body, b->body, a->len) == 0,
	              "%s: body differs from the tree's:\n%.300s\n%.300s", what, a->body, b->body);
	ck_assert_str_eq(a->content_type, b->content_type);
	ck_assert_str_eq(a->disposition, b->disposition);
	ck_assert_msg(a->modified == b->modified, "%s: Last-Modified differs", what);
}

/* One disclosure's tables (and the one after its last, a 404), JSON and CSV. Returns the
 * tables compared. */
static int compare_tables(const char *dept, const json_t *disc)
{
	const char *kind = json_string_value(json_object_get(disc, "kind"));
	const char *level = json_string_value(json_object_get(disc, "level"));
	int year = (int)json_integer_value(json_object_get(disc, "year")), last = 0, n = 0;
	char base[256], path[300], what[400];
	struct api_response a, b;
	json_t *list, *t;
	size_t i;

	snprintf(base, sizeof(base), "/api/v1/departments/%s/%ss/%d", dept, kind, year);
	snprintf(path, sizeof(path), "%s/tables", base);
	ck_assert_int_eq(call(path, strcmp(level, "unit") == 0 ? "level=unit" : NULL, NULL, &a),
	                 200);
	list = json_loads(a.body, 0, NULL);
	api_response_free(&a);
	json_array_foreach (json_object_get(list, "items"), i, t) {
		int p = (int)json_integer_value(json_object_get(t, "position"));
		last = p > last ? p : last;
	}
	for (int pos = 1; pos <= last + 1; pos++) {
		for (int csv = 0; csv < 2; csv++) {
			snprintf(path, sizeof(path), "%s/tables/%d", base, pos);
			snprintf(what, sizeof(what), "%s (%s, %s)", path, level,
			         csv ? "csv" : "json");
			call(path,
			     strcmp(level, "unit") == 0
			         ? (csv ? "level=unit&format=csv" : "level=unit")
			     : csv ? "format=csv"
			           : NULL,
			     NULL, &a);
			tree_table(dept, year, kind, level, pos, csv, &b);
			assert_same_answer(&a, &b, what);
			n += a.status == 200;
			api_response_free(&a);
			api_response_free(&b);
		}
	}
	json_decref(list);
	return n;
}

/* fn on every disclosure of the store (each department's list); returns how many. */
static int each_disclosure(void (*fn)(const char *dept, const json_t *disc, void *arg), void *arg)
{
	struct api_response r;
	json_t *deps, *dep, *d, *disc;
	size_t i, k;
	int n = 0;
	char path[300];

	ck_assert_int_eq(call("/api/v1/departments", NULL, NULL, &r), 200);
	deps = json_loads(r.body, 0, NULL);
	api_response_free(&r);
	json_array_foreach (json_object_get(deps, "items"), i, dep) {
		const char *id = json_string_value(json_object_get(dep, "id"));
		snprintf(path, sizeof(path), "/api/v1/departments/%s", id);
		ck_assert_int_eq(call(path, NULL, NULL, &r), 200);
		d = json_loads(r.body, 0, NULL);
		api_response_free(&r);
		json_array_foreach (json_object_get(d, "disclosures"), k, disc) {
			fn(id, disc, arg);
			n++;
		}
		json_decref(d);
	}
	json_decref(deps);
	return n;
}

static void sum_tables(const char *dept, const json_t *disc, void *arg)
{
	*(int *)arg += compare_tables(dept, disc);
}

START_TEST(test_table_rows_match_tree)
{
	int n = 0;

	/* the bundled store: 7 disclosures, 63 tables, each as JSON and CSV */
	ck_assert_int_eq(each_disclosure(sum_tables, &n), 7);
	ck_assert_int_eq(n, 2 * 63);
}
END_TEST

/* ---- a disclosure's projects straight from their rows (#17) against the tree path ---- */

/* projects.c's api_projects() (project NULL) or api_project() on db_export_part()'s tree, as
 * router.c's load() calls them: the reference project_rows.c must match byte for byte. */
static int tree_projects(const char *dept, int year, const char *kind, const char *level,
                         const char *project, struct api_response *r)
{
	struct api_ctx c;
	struct db_export_sel sel = { .parts = DB_PART_PROJECTS | DB_PART_WITHHELD,
		                     .project = project };
	json_t *doc = tree_begin(&c, r, dept, year, kind, level, false, &sel);

	ck_assert_int_eq(project == NULL ? api_projects(&c, doc) : api_project(&c, doc, project),
	                 0);
	return tree_end(doc, r);
}

/* One disclosure's projects list, each of its projects and an unknown one. Returns the
 * projects compared. */
static int compare_projects(const char *dept, const json_t *disc)
{
	const char *kind = json_string_value(json_object_get(disc, "kind"));
	const char *level = json_string_value(json_object_get(disc, "level"));
	const char *q = strcmp(level, "unit") == 0 ? "level=unit" : NULL;
	int year = (int)json_integer_value(json_object_get(disc, "year")), n = 0;
	char base[256], path[400], what[500];
	struct api_response a, b;
	json_t *list, *p;
	size_t i;

	snprintf(base, sizeof(base), "/api/v1/departments/%s/%ss/%d/projects", dept, kind, year);
	snprintf(what, sizeof(what), "%s (%s)", base, level);
	ck_assert_int_eq(call(base, q, NULL, &a), 200);
	tree_projects(dept, year, kind, level, NULL, &b);
	assert_same_answer(&a, &b, what);
	list = json_loads(a.body, 0, NULL);
	api_response_free(&a);
	api_response_free(&b);
	json_array_foreach (json_object_get(list, "items"), i, p) {
		const char *id = json_string_value(json_object_get(p, "id"));
		snprintf(path, sizeof(path), "%s/%s", base, id);
		snprintf(what, sizeof(what), "%s (%s)", path, level);
		ck_assert_int_eq(call(path, q, NULL, &a), 200);
		tree_projects(dept, year, kind, level, id, &b);
		assert_same_answer(&a, &b, what);
		n++;
		api_response_free(&a);
		api_response_free(&b);
	}
	snprintf(path, sizeof(path), "%s/no-such-project", base);
	ck_assert_int_eq(call(path, q, NULL, &a), 404);
	tree_projects(dept, year, kind, level, "no-such-project", &b);
	assert_same_answer(&a, &b, path);
	api_response_free(&a);
	api_response_free(&b);
	json_decref(list);
	return n;
}

static void sum_projects(const char *dept, const json_t *disc, void *arg)
{
	*(int *)arg += compare_projects(dept, disc);
}

START_TEST(test_projects_rows_match_tree)
{
	struct api_response r;
	int n = 0;

	ck_assert_int_eq(each_disclosure(sum_projects, &n), 7);
	/* db/data: kashi 9 projects (4 withheld), putuo-commerce 4, putuo-govt-office 1 */
	ck_assert_int_eq(n, 9 + 4 + 1);
	/* no such disclosure: the same 404 as load()'s */
	ck_assert_int_eq(
	    call("/api/v1/departments/kashi-urumqi-office/budgets/1999/projects", NULL, NULL, &r),
	    404);
	ck_assert_ptr_nonnull(strstr(r.body, "no budget 1999 of department"));
	api_response_free(&r);
}
END_TEST

static void report_nothing(void *ctx, const struct db_error *err)
{
	(void)ctx;
	ck_abort_msg("seed: %s", err->text);
}

/* A store of its own holding the seed as a test changed it, made the current store while
 * the test compares; seeded_end() puts the bundled store back and removes it. */
struct seeded {
	struct db *saved;
	struct db_doc *doc;
	char *text, *path;
};

static void seeded_begin(struct seeded *sd, const json_t *seed)
{
	struct db_error err = { 0 };

	sd->saved = store;
	sd->path = tu_temp_path(".sqlite");
	sd->text = json_dumps(seed, 0);
	sd->doc = db_doc_parse(sd->text, strlen(sd->text), "seed.json", report_nothing, NULL);
	ck_assert_ptr_nonnull(sd->doc);
	store = db_open(sd->path, true, &err);
	ck_assert_msg(store != NULL, "%s", err.text);
	ck_assert_msg(db_import(store, &sd->doc, 1, &err) == 0, "import: %s", err.text);
}

static void seeded_end(struct seeded *sd)
{
	db_close(store);
	store = sd->saved;
	db_doc_free(sd->doc);
	tu_unlink_store(sd->path);
	free(sd->path);
	free(sd->text);
}

/* ---- the store's long CSV straight from the rows (#17) against the tree path ---- */

struct long_csv {
	char *text; /* api_amounts_store()'s, whole */
	size_t len, header, found; /* found: the bytes of the disclosures' lines seen in it */
};

static int long_append(void *ctx, const char *buf, size_t len)
{
	struct long_csv *l = ctx;
	char *p = realloc(l->text, l->len + len + 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p + l->len, buf, len);
	l->len += len;
	p[l->len] = '\0';
	l->text = p;
	return 0;
}

/* One disclosure's .../amounts.csv, which tidy.c's put_disclosure() writes from
 * db_export_part()'s tree: its header is the store CSV's, its lines are in it in one piece. */
static void find_in_long(const char *dept, const json_t *disc, void *arg)
{
	struct long_csv *l = arg;
	const char *kind = json_string_value(json_object_get(disc, "kind"));
	const char *level = json_string_value(json_object_get(disc, "level"));
	char path[300];
	struct api_response r;
	const char *lines;

	snprintf(path, sizeof(path), "/api/v1/departments/%s/%ss/%lld/amounts.csv", dept, kind,
	         json_integer_value(json_object_get(disc, "year")));
	ck_assert_int_eq(call(path, strcmp(level, "unit") == 0 ? "level=unit" : NULL, NULL, &r),
	                 200);
	lines = strstr(r.body, "\r\n");
	ck_assert_ptr_nonnull(lines);
	lines += 2;
	ck_assert_uint_eq((size_t)(lines - r.body), l->header);
	ck_assert_msg(memcmp(r.body, l->text, l->header) == 0, "%s: another header", path);
	ck_assert_msg(memmem(l->text, l->len, lines, r.len - l->header) != NULL,
	              "%s: its lines are not the store CSV's:\n%.600s", path, lines);
	l->found += r.len - l->header;
	api_response_free(&r);
}

/* The store's CSV (rows) is its header and every disclosure's own CSV (tree), nothing else.
 * Returns the number of lines after the header. */
static uint64_t compare_long_csv(int disclosures)
{
	struct long_csv l = { 0 };
	struct db_error err = { 0 };
	uint64_t lines = 0;

	ck_assert_msg(api_amounts_store(store, long_append, &l, &lines, &err) == 0, "%s", err.text);
	ck_assert_ptr_nonnull(l.text);
	l.header = (size_t)(strstr(l.text, "\r\n") + 2 - l.text);
	ck_assert_int_eq(each_disclosure(find_in_long, &l), disclosures);
	ck_assert_uint_eq(l.header + l.found, l.len);
	free(l.text);
	return lines;
}

START_TEST(test_long_csv_matches_tree)
{
	/* the bundled store: 7 disclosures, 2,309 lines (its .amounts.csv, wc -l) */
	ck_assert_uint_eq(compare_long_csv(7), 2309);
}
END_TEST

/* What the bundled store's tables lack: a percent column (by its title), a table in 元 and
 * one in 千元, negative and long figures, no region, cells to quote or guard (a comma,
 * a leading =), a row without codes under coded ones, a row of three codes. */
START_TEST(test_long_csv_matches_tree_rare)
{
	json_t *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, NULL);
	json_t *tables = json_object_get(seed, "tables"), *t0, *t4, *rows, *row;
	struct seeded sd;

	ck_assert_ptr_nonnull(seed);
	json_object_del(json_object_get(seed, "department"), "region");
	json_object_set_new(json_object_get(seed, "department"), "name",
	                    json_string("喀什, 驻乌办"));
	t0 = json_array_get(tables, 0);
	json_object_set_new(json_array_get(json_object_get(t0, "columns"), 0), "title",
	                    json_string("增长率（%）"));
	json_object_set_new(json_array_get(tables, 1), "unit", json_string("元"));
	t4 = json_array_get(tables, 4);
	json_object_set_new(t4, "unit", json_string("千元"));
	rows = json_object_get(t4, "rows");
	row = json_array_get(rows, json_array_size(rows) - 1);
	json_object_set_new(row, "name", json_string("=其他, \"支出\""));
	json_object_del(row, "codes");
	json_object_del(row, "level");
	row = json_array_get(rows, 1);
	json_object_set_new(row, "codes", json_pack("[sss]", "201", "01", "99"));
	json_object_set_new(row, "level", json_integer(3));
	json_object_set_new(json_object_get(row, "amounts"),
	                    json_string_value(json_object_get(
	                        json_array_get(json_object_get(t4, "columns"), 0), "key")),
	                    json_string("-123456789012.345678"));
	seeded_begin(&sd, seed);
	ck_assert_uint_gt(compare_long_csv(1), 100);
	seeded_end(&sd);
	json_decref(seed);
}
END_TEST

/* What the bundled store lacks: economic figures (in an order that is not the keys'), an
 * allocation of items without a text, a target of indicators only. The seed so changed, in
 * a store of its own, rows against tree again. */
START_TEST(test_projects_rows_match_tree_rare)
{
	json_t *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, NULL), *p0, *p1, *p2, *econ;
	struct seeded sd;
	json_t *disc =
	    json_pack("{s:s, s:s, s:i}", "kind", "budget", "level", "department", "year", 2021);

	ck_assert_ptr_nonnull(seed);
	p0 = json_array_get(json_object_get(seed, "projects"), 0);
	p1 = json_array_get(json_object_get(seed, "projects"), 1);
	p2 = json_array_get(json_object_get(seed, "projects"), 2);
	econ =
	    json_pack("{s:s, s:s, s:s}", "wages", "1.5", "capital", "2", "goods_services", "0.25");
	json_object_set_new(p1, "economic", econ);
	json_object_del(json_object_get(p0, "allocation"), "text");
	ck_assert_uint_gt(
	    json_array_size(json_object_get(json_object_get(p0, "allocation"), "items")), 0);
	json_object_del(json_object_get(p2, "performance"), "funding_total");
	json_object_del(json_object_get(p2, "performance"), "funding_fiscal");
	json_object_del(json_object_get(p2, "performance"), "funding_other");
	json_object_del(json_object_get(p2, "performance"), "objective");
	seeded_begin(&sd, seed);
	ck_assert_uint_gt(
	    json_array_size(json_object_get(json_object_get(p2, "performance"), "indicators")), 0);
	ck_assert_int_eq(compare_projects("kashi-urumqi-office", disc), 9);
	seeded_end(&sd);
	json_decref(disc);
	json_decref(seed);
}
END_TEST

/* New row ids that interleave every table's rows, in their order for even tables and reversed
 * for odd ones, the rows' figures and boxes following (a statement begun, not committed). */
#define SHUFFLE_ROW_IDS                                                                    \
	"BEGIN; CREATE TEMP TABLE m AS SELECT id AS old, 1000000 + 1000 * (CASE WHEN "     \
	"table_id % 2 = 1 THEN 1000 - position ELSE position END) + table_id AS new FROM " \
	"table_row; UPDATE table_row SET id = (SELECT new FROM m WHERE old = id); "        \
	"UPDATE row_amount SET row_id = (SELECT new FROM m WHERE old = row_id); "          \
	"UPDATE row_unplaced SET row_id = (SELECT new FROM m WHERE old = row_id); "        \
	"UPDATE row_box SET row_id = (SELECT new FROM m WHERE old = row_id); "

/* A corpus disclosure's import file (db/data/NAME), made by budgetctl extract from its PDF:
 * its rows have boxes (#18), which the seed's do not. */
static json_t *corpus_file(const char *name)
{
	char *path;
	json_t *doc;

	ck_assert_int_gt(asprintf(&path, "%s/db/data/%s", tu_env("BUDGETD_SOURCE"), name), 0);
	doc = json_load_file(path, 0, NULL);
	ck_assert_msg(doc != NULL, "%s", path);
	free(path);
	return doc;
}

/* Seeds doc, gives its rows shuffled ids with shuffle (SQL), and returns the rows changed. */
static int seed_shuffled(struct seeded *sd, const json_t *doc, const char *shuffle)
{
	sqlite3 *sql;
	int changed;

	seeded_begin(sd, doc);
	ck_assert_int_eq(sqlite3_open(sd->path, &sql), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(sql, shuffle, NULL, NULL, NULL) == SQLITE_OK, "%s",
	              sqlite3_errmsg(sql));
	changed = sqlite3_total_changes(sql);
	sqlite3_close(sql);
	return changed;
}

/* read_table.c reads a table's figures over its rows' lowest to highest id, skipping what
 * belongs to other rows and ordering them in C. An import gives a table's rows consecutive
 * ids in their order; here the seed's rows get ids that interleave every table's rows, in
 * their order for even tables and reversed for odd ones (row_box, row_amount and
 * row_unplaced follow), and each row's amounts are put in the reverse of their order (by
 * position, which read_table.c reads by key). Rows against tree again: every table, with its
 * unplaced figures. */
START_TEST(test_table_rows_match_tree_ids_shuffled)
{
	static const char shuffle[] =
	    SHUFFLE_ROW_IDS "UPDATE row_amount SET position = 1000 - position; COMMIT;";
	json_t *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, NULL);
	json_t *disc =
	    json_pack("{s:s, s:s, s:i}", "kind", "budget", "level", "department", "year", 2021);
	struct seeded sd;
	sqlite3 *sql;
	int n = 0;

	ck_assert_ptr_nonnull(seed);
	seeded_begin(&sd, seed);
	ck_assert_int_eq(sqlite3_open(sd.path, &sql), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(sql, shuffle, NULL, NULL, NULL) == SQLITE_OK, "%s",
	              sqlite3_errmsg(sql));
	ck_assert_int_gt(sqlite3_total_changes(sql), 40); /* the seed's 9 tables: 40 rows at most */
	sqlite3_close(sql);
	n = compare_tables("kashi-urumqi-office", disc);
	ck_assert_int_eq(n, 2 * 9);
	seeded_end(&sd);
	json_decref(seed);
	/* the same with a table's boxes (#18), read over the same range: a corpus disclosure */
	seed = corpus_file("putuo-commerce-2025-budget-dept.json");
	ck_assert_int_gt(seed_shuffled(&sd, seed, shuffle), 1000); /* rows, figures, boxes */
	json_object_set_new(disc, "year", json_integer(2025));
	ck_assert_int_eq(compare_tables("putuo-commerce", disc), 2 * 9);
	seeded_end(&sd);
	json_decref(disc);
	json_decref(seed);
}
END_TEST

/* read_long.c reads all of a disclosure's rows in one run and their figures over the
 * disclosure's lowest to highest row id, finding each figure's row by a cursor while the
 * rows' ids ascend in their order and by a search when they do not. Ids shuffled as above
 * (every table's rows interleaved, odd tables' reversed): the store's long CSV against the
 * tree again. */
START_TEST(test_long_csv_matches_tree_ids_shuffled)
{
	static const char shuffle[] = SHUFFLE_ROW_IDS "COMMIT;";
	json_t *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, NULL);
	struct seeded sd;
	sqlite3 *sql;

	ck_assert_ptr_nonnull(seed);
	seeded_begin(&sd, seed);
	ck_assert_int_eq(sqlite3_open(sd.path, &sql), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(sql, shuffle, NULL, NULL, NULL) == SQLITE_OK, "%s",
	              sqlite3_errmsg(sql));
	sqlite3_close(sql);
	ck_assert_uint_gt(compare_long_csv(1), 100);
	seeded_end(&sd);
	json_decref(seed);
	/* with each figure's box (#18), merged with the figures read: a corpus disclosure */
	seed = corpus_file("putuo-commerce-2025-budget-dept.json");
	ck_assert_int_gt(seed_shuffled(&sd, seed, shuffle), 800); /* rows, figures, boxes */
	ck_assert_uint_eq(compare_long_csv(1), 287); /* its lines in the bundled .amounts.csv */
	seeded_end(&sd);
	json_decref(seed);
}
END_TEST

/* ---- one disclosure's findings by its index (#17) against db_findings() ---- */

#define MAX_SEEN 64

struct seen {
	char text[MAX_SEEN][4096]; /* each finding as fn saw it */
	char disc[MAX_SEEN][160]; /* department, year, kind, level of each */
	size_t n;
};

static int seen_one(void *ctx, const struct db_finding *f)
{
	struct seen *s = ctx;
	char *body = json_dumps(f->finding, JSON_COMPACT | JSON_SORT_KEYS);

	ck_assert_uint_lt(s->n, MAX_SEEN);
	snprintf(s->text[s->n], sizeof(s->text[0]), "%s|%s|%d|%s|%s|%zu|%s|%s|%s|%s", f->department,
	         f->department_name ? f->department_name : "-", f->year, f->kind, f->level,
	         f->position, f->rule, f->family, f->severity, body);
	snprintf(s->disc[s->n++], sizeof(s->disc[0]), "%s\t%d\t%s\t%s", f->department, f->year,
	         f->kind, f->level);
	free(body);
	return 0;
}

/* Both readers on q: the same findings in the same order, and the same counts. */
static size_t assert_same_findings(struct db *db, const struct db_finding_query *q)
{
	static struct seen a, b;
	struct db_finding_counts ca = { 0 }, cb = { 0 };
	struct db_error err = { 0 };

	a.n = b.n = 0;
	ck_assert_int_eq(db_findings(db, q, seen_one, &a, &ca, &err), 0);
	ck_assert_int_eq(db_findings_of(db, q, seen_one, &b, &cb, &err), 0);
	ck_assert_uint_eq(a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		ck_assert_str_eq(a.text[i], b.text[i]);
	ck_assert_uint_eq(ca.total, cb.total);
	ck_assert_uint_eq(ca.error, cb.error);
	ck_assert_uint_eq(ca.warning, cb.warning);
	ck_assert_uint_eq(ca.info, cb.info);
	return a.n;
}

START_TEST(test_findings_of_one_disclosure)
{
	static struct seen all;
	struct db_error err = { 0 };
	struct db_finding_query every = { 0 };
	struct db *db = store; /* the bundled store: the audit rules' findings of its import */
	size_t compared = 0, discs = 0;

	ck_assert_int_eq(db_findings(db, &every, seen_one, &all, NULL, &err), 0);
	ck_assert_uint_gt(all.n, 20);
	for (size_t i = 0; i < all.n; i++) {
		char dept[64], kind[16], level[16];
		int year;
		if (i > 0 && strcmp(all.disc[i], all.disc[i - 1]) == 0)
			continue; /* db_findings orders by disclosure: each comes once */
		ck_assert_int_eq(
		    sscanf(all.disc[i], "%63[^\t]\t%d\t%15[^\t]\t%15s", dept, &year, kind, level),
		    4);
		struct db_finding_query q = {
			.department = dept, .year = year, .kind = kind, .level = level
		};
		compared += assert_same_findings(db, &q);
		discs++;
		q.limit = 1;
		q.offset = 1;
		assert_same_findings(db, &q);
		q.limit = 0;
		q.offset = 0;
		q.severity = "warning";
		assert_same_findings(db, &q);
	}
	/* every finding of the store, through its own disclosure; and one that is none */
	ck_assert_uint_eq(compared, all.n);
	ck_assert_uint_gt(discs, 3);
	struct db_finding_query none = {
		.department = "nobody", .year = 2021, .kind = "budget", .level = "department"
	};
	ck_assert_uint_eq(assert_same_findings(db, &none), 0);
}
END_TEST

START_TEST(test_csv_download)
{
	struct api_response r;

	ck_assert_int_eq(call(BASE "/tables/6", "format=csv", NULL, &r), 200);
	ck_assert_int_eq(memcmp(r.body, "\xEF\xBB\xBF", 3), 0);
	ck_assert_ptr_nonnull(
	    strstr(r.body, "\r\n30101,基本工资,71.7,71.7,,万元,2,301,01,,是\r\n"));
	/* the unit in every amount column's header: a 元 table can never pass for 万元 */
	ck_assert_ptr_nonnull(strstr(r.body, ",一般公共预算基本支出/合计（万元）,"));
	ck_assert_ptr_nonnull(strstr(
	    r.disposition, "attachment; filename=\"kashi-urumqi-office-2021-budget-table-6.csv\""));
	ck_assert_ptr_nonnull(
	    strstr(r.disposition, "filename*=UTF-8''kashi-urumqi-office-2021-budget-%E8%A1%A8"));
	api_response_free(&r);
}
END_TEST

/* ---- the canonical cache key (api_parse, no store) ---- */

/* Parses path?query with Accept accept: the route's key into key (size API_KEY_SIZE), or
 * the refusal's status with its detail into detail. Returns 0 when routed. */
static int parse(const char *path, const char *query, const char *accept, char *key, char *detail,
                 size_t detail_size)
{
	struct args a = { query };
	char names[16][64], values[16][64];
	const char *np[16], *vp[16];
	struct api_request req = { .path = path, .arg = get_arg, .ctx = &a, .accept = accept };
	struct api_route *rt = malloc(sizeof(*rt));
	struct api_response r;
	int rc;

	ck_assert_ptr_nonnull(rt);
	req.n_args = split_query(query, names, values, np, vp);
	req.names = np;
	req.values = vp;
	rc = api_parse(&req, rt, &r);
	ck_assert_int_ge(rc, 0);
	key[0] = detail[0] = '\0';
	if (rc == 0) {
		snprintf(key, API_KEY_SIZE, "%s", rt->key);
	} else {
		json_t *j = json_loadb(r.body, r.len, 0, NULL);
		snprintf(detail, detail_size, "%s",
		         json_string_value(json_object_get(j, "detail")));
		json_decref(j);
		rc = r.status;
		api_response_free(&r);
	}
	free(rt);
	return rc;
}

static const struct {
	const char *path, *query, *accept;
} same_json[] = {
	/* one answer, spelled seven ways: Accept variants that negotiate JSON, ?format=json,
	 * the default level written out */
	{ BASE "/tables/6", NULL, NULL },
	{ BASE "/tables/6", NULL, "application/json" },
	{ BASE "/tables/6", NULL, "*/*" },
	{ BASE "/tables/6", NULL, "application/json, text/csv;q=0.5" },
	{ BASE "/tables/6", "format=json", "text/csv" },
	{ BASE "/tables/6", "level=department", "" },
	{ BASE "/tables/6", "format=json&level=department", "application/*" },
};

/* A cache entry per answer, not per spelling: every spelling of one answer gets one key. */
START_TEST(test_key_one_per_answer)
{
	char first[API_KEY_SIZE], key[API_KEY_SIZE], detail[512];

	ck_assert_int_eq(parse(same_json[0].path, same_json[0].query, same_json[0].accept, first,
	                       detail, sizeof(detail)),
	                 0);
	ck_assert_str_eq(first, BASE "/tables/6?level=department&format=json");
	for (size_t i = 1; i < sizeof(same_json) / sizeof(same_json[0]); i++) {
		ck_assert_int_eq(parse(same_json[i].path, same_json[i].query, same_json[i].accept,
		                       key, detail, sizeof(detail)),
		                 0);
		ck_assert_msg(strcmp(key, first) == 0, "case %zu: %s != %s", i, key, first);
	}
	/* the list's defaults written out, and its parameters in any order */
	ck_assert_int_eq(parse("/api/v1/departments", NULL, NULL, first, detail, sizeof(detail)),
	                 0);
	ck_assert_int_eq(
	    parse("/api/v1/departments", "offset=0&limit=100", "*/*", key, detail, sizeof(detail)),
	    0);
	ck_assert_str_eq(key, first);
	ck_assert_int_eq(
	    parse("/api/v1/departments", "year=2021&q=a", NULL, first, detail, sizeof(detail)), 0);
	ck_assert_int_eq(
	    parse("/api/v1/departments", "q=a&year=2021", NULL, key, detail, sizeof(detail)), 0);
	ck_assert_str_eq(key, first);
}
END_TEST

/* Different answers, different keys: format, level, position, filters, department. */
START_TEST(test_key_tells_answers_apart)
{
	static const struct {
		const char *path, *query, *accept;
	} differ[] = {
		{ BASE "/tables/6", NULL, NULL },
		{ BASE "/tables/6", "format=csv", NULL },
		{ BASE "/tables/6", NULL, "text/csv" }, /* = the one before: csv */
		{ BASE "/tables/6", "level=unit", NULL },
		{ BASE "/tables/7", NULL, NULL },
		{ BASE, NULL, NULL },
		{ "/api/v1/departments/kashi-urumqi-office/finals/2021", NULL, NULL },
		{ "/api/v1/departments/a&b/budgets/2021", NULL, NULL },
		{ "/api/v1/departments/a/budgets/2021", "level=unit", NULL },
		{ "/api/v1/departments", "q=a", NULL },
		{ "/api/v1/departments", "q=a&limit=10", NULL },
		{ "/api/v1/audit", "rule=T01", NULL },
		{ "/api/v1/audit", "rule=T01&kind=final", NULL },
	};
	char keys[sizeof(differ) / sizeof(differ[0])][API_KEY_SIZE], detail[512];
	size_t n = sizeof(differ) / sizeof(differ[0]);

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(parse(differ[i].path, differ[i].query, differ[i].accept, keys[i],
		                       detail, sizeof(detail)),
		                 0);
	ck_assert_str_eq(keys[1], keys[2]);
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			ck_assert_msg((i == 1 && k == 2) || strcmp(keys[i], keys[k]) != 0,
			              "%zu and %zu share %s", i, k, keys[i]);
	/* a value cannot pass for a separator: "a&b" stays one department */
	ck_assert_str_eq(keys[7],
	                 "/api/v1/departments/a%26b/budgets/2021?level=department&format=json");
}
END_TEST

/* The key spells every byte of a segment or value the same way (A-Z a-z 0-9 - . _ ~ as they
 * are, the rest as %XX), and a key that does not fit is left out whole, never cut short: a
 * cut key could name two answers. */
START_TEST(test_key_encodes_and_never_cuts)
{
	static const char tail[] = "/budgets/2021?level=department&format=json";
	char *path = malloc(8192), *want = malloc(8192), key[API_KEY_SIZE], detail[512];
	bool left_out = false;

	ck_assert_ptr_nonnull(path);
	ck_assert_ptr_nonnull(want);
	ck_assert_int_eq(parse("/api/v1/departments/预算~a.b_c-d+e/budgets/2021", NULL, NULL, key,
	                       detail, sizeof(detail)),
	                 0);
	ck_assert_str_eq(key, "/api/v1/departments/%E9%A2%84%E7%AE%97~a.b_c-d%2Be/budgets/2021"
	                      "?level=department&format=json");
	/* a segment of n '+' is 3n bytes of key: about 1,345 of them fill it */
	for (size_t n = 1300; n < 1400; n++) {
		int at = snprintf(path, 8192, "/api/v1/departments/");
		int wat = snprintf(want, 8192, "%s", path);
		for (size_t i = 0; i < n; i++) {
			path[at + (int)i] = '+';
			memcpy(want + wat + 3 * i, "%2B", 3);
		}
		snprintf(path + at + n, 8192 - (size_t)at - n, "/budgets/2021");
		snprintf(want + wat + 3 * n, 8192 - (size_t)wat - 3 * n, "%s", tail);
		ck_assert_int_eq(parse(path, NULL, NULL, key, detail, sizeof(detail)), 0);
		if (key[0] == '\0') {
			left_out = true;
			continue;
		}
		ck_assert_msg(!left_out, "a key of %zu bytes after a longer one was left out", n);
		ck_assert_str_eq(key, want);
	}
	ck_assert(left_out);
	free(path);
	free(want);
}
END_TEST

static const struct {
	const char *path, *query;
	int status;
	const char *detail;
} refused[] = {
	{ BASE "/sangong", "zz=1", 400,
	  "unknown parameter \"zz\": this resource takes level and format" },
	{ BASE, "callback=x", 400,
	  "unknown parameter \"callback\": this resource takes level and format" },
	{ "/api/v1/departments", "zz=1", 400,
	  "unknown parameter \"zz\": this resource takes q, year, limit, offset and format" },
	{ "/api/v1/departments/kashi-urumqi-office", "level=unit", 400,
	  "unknown parameter \"level\": this resource takes format" },
	{ "/api/v1/audit", "page=2", 400,
	  "unknown parameter \"page\": this resource takes severity, rule, family, kind, year, "
	  "limit, offset and format" },
	{ BASE "/tables/06", NULL, 400, "table is written without leading zeros: 6" },
	{ "/api/v1/departments/kashi-urumqi-office/budgets/02021", NULL, 400,
	  "year is written without leading zeros: 2021" },
	{ "/api/v1/departments", "limit=007", 400,
	  "limit is written without leading zeros: limit=7" },
	{ "/api/v1/departments", "offset=00", 400,
	  "offset is written without leading zeros: offset=0" },
	{ "/api/v1/audit", "year=02021", 400, "year is written without leading zeros: year=2021" },
	{ "/api/v1/departments", "offset=+1", 400, "offset must be a number from 0 to 1000000000" },
	{ "/api/v1/departments", "q", 400, "the parameter \"q\" needs a value: q=..." },
	{ BASE, "level", 400, "the parameter \"level\" needs a value: level=..." },
	{ BASE, "=x", 400, "a query parameter has no name: write name=value, joined by single &" },
	{ BASE, "&", 400, "a query parameter has no name: write name=value, joined by single &" },
};

START_TEST(test_key_refusals)
{
	char key[API_KEY_SIZE], detail[512];
	int status = parse(refused[_i].path, refused[_i].query, NULL, key, detail, sizeof(detail));

	if (status == 0) { /* offset=+1: refused by the resource, with the store */
		struct api_response r;
		json_t *j;
		status = call(refused[_i].path, refused[_i].query, NULL, &r);
		j = json_loadb(r.body, r.len, 0, NULL);
		snprintf(detail, sizeof(detail), "%s",
		         json_string_value(json_object_get(j, "detail")));
		json_decref(j);
		api_response_free(&r);
	}
	ck_assert_int_eq(status, refused[_i].status);
	ck_assert_str_eq(detail, refused[_i].detail);
}
END_TEST

/* #14 on a store of the five series fixtures (tests/http/fixtures/series-office-*.json): the
 * answers' figures, worked out by hand in the comments. */
static char *series_store(void)
{
	struct db_doc *docs[5];
	struct db_error err = { 0 };
	char file[4096], *path = tu_temp_path(".sqlite");
	struct db *db = db_open(path, true, &err);

	ck_assert_msg(db != NULL, "%s", err.text);
	for (int i = 0; i < 5; i++) {
		snprintf(file, sizeof(file), "%s/tests/http/fixtures/series-office-%d-budget.json",
		         tu_env("BUDGETD_SOURCE"), 2021 + i);
		docs[i] = db_doc_load(file, NULL, NULL);
		ck_assert_msg(docs[i] != NULL, "%s", file);
	}
	ck_assert_msg(db_import(db, docs, 5, &err) == 0, "%s", err.text);
	for (int i = 0; i < 5; i++)
		db_doc_free(docs[i]);
	db_close(db);
	return path;
}

/* Puts the store at path in place of the bundled one for call(); returns the bundled one. */
static struct db *store_swap_in(const char *path)
{
	struct db *bundled = store;
	struct db_error err = { 0 };

	store = db_open(path, false, &err);
	ck_assert_msg(store != NULL, "%s", err.text);
	return bundled;
}

/* Closes the store swapped in, deletes it (and frees path), and puts bundled back. */
static void store_swap_out(struct db *bundled, char *path)
{
	db_close(store);
	store = bundled;
	tu_unlink_store(path);
	free(path);
}

static void body_has(const struct api_response *r, const char *text)
{
	ck_assert_msg(r->body != NULL && strstr(r->body, text) != NULL, "%s not in %.*s", text,
	              (int)r->len, r->body ? r->body : "");
}

START_TEST(test_series_and_compare)
{
	struct api_response r;
	char *path = series_store();
	struct db *bundled = store_swap_in(path);

	/* 表三 2010301 total: 500.00 万元 (2021, as published), none in 2022, 5,200,000.00 元 =
	 * 520 万元 (2023), 0 (2024, -520: -100%), 3,000,000.00 元 = 300 万元 (2025: from 0, no
	 * percent) */
	ck_assert_int_eq(
	    call("/api/v1/departments/series-office/series", "measure=row&code=2010301", NULL, &r),
	    200);
	body_has(&r, "\"unit\":\"万元\",\"converted_from\":[\"元\"]");
	body_has(&r,
	         "\"year\":2021,\"kind\":\"budget\",\"level\":\"department\",\"value\":500.00,");
	body_has(&r, "\"year\":2022,\"kind\":\"budget\",\"level\":\"department\",\"value\":null,");
	body_has(&r, "\"value\":520,\"published_unit\":\"元\"");
	body_has(&r, "\"previous_year\":2023,\"change\":-520,\"change_percent\":-100,");
	body_has(&r, "\"value\":300,\"published_unit\":\"元\",\"column\":\"total\",\"previous_"
	             "year\":2024,\"change\":300,\"change_percent\":null");
	api_response_free(&r);
	/* 2024 against 2025, 合计 basic: 634.567890 万元 and 5,555,555.55 元 = 555.555555 万元 */
	ck_assert_int_eq(call("/api/v1/compare",
	                      "a=/departments/series-office/budgets/2024&b=/departments/"
	                      "series-office/budgets/2025",
	                      NULL, &r),
	                 200);
	body_has(&r, "\"basic\":{\"a\":634.567890,\"b\":555.555555,\"difference\":-79.012335}");
	api_response_free(&r);
	ck_assert_int_eq(
	    call("/api/v1/compare", "a=/departments/series-office/budgets/2024", NULL, &r), 400);
	api_response_free(&r);
	store_swap_out(bundled, path);
}
END_TEST

/* tests/http/fixtures/NAME.json with from[i] replaced by to[i] (each must occur), loaded. */
static struct db_doc *edited_fixture(const char *name, const char *const from[],
                                     const char *const to[], size_t n)
{
	char file[4096], *text, *tmp;
	struct db_doc *doc;
	size_t len;

	snprintf(file, sizeof(file), "%s/tests/http/fixtures/%s.json", tu_env("BUDGETD_SOURCE"),
	         name);
	text = tu_read_file(file, &len);
	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++) {
		char *at = strstr(text, from[i]), *out;
		ck_assert_msg(at != NULL, "%s: no %s", name, from[i]);
		ck_assert_int_ge(
		    asprintf(&out, "%.*s%s%s", (int)(at - text), text, to[i], at + strlen(from[i])),
		    0);
		free(text);
		text = out;
	}
	tmp = tu_write_temp(text, strlen(text), ".json");
	doc = db_doc_load(tmp, NULL, NULL);
	ck_assert_msg(doc != NULL, "%s does not load once edited", name);
	unlink(tmp);
	free(tmp);
	free(text);
	return doc;
}

/* Two departments whose disclosures each name them differently (edited copies of the
 * fixtures): fixture-office has a 2025 budget of the department and one of a unit,
 * series-office a 2023 and a 2024 budget and a 2024 final (the fixture's final, moved). */
static char *names_store(void)
{
	static const char *const fo[] = { "\"name\": \"测试区示例办公室\"" };
	static const char *const so[] = { "\"name\": \"测试区序列示例局\"" };
	static const char *const dept[] = { "甲二〇二五部门" }, *const unit[] = {
		"甲二〇二五单位"
	};
	static const char *const b23[] = { "乙二〇二三预算" }, *const b24[] = { "乙二〇二四预算" };
	static const char *const fin_from[] = {
		"\"id\": \"fixture-office\", \"name\": \"测试区示例办公室\""
	};
	static const char *const fin_to[] = {
		"\"id\": \"series-office\", \"name\": \"乙二〇二四决算\""
	};
	char names[4][64];
	const char *to[4];
	struct db_doc *docs[5];
	struct db_error err = { 0 };
	char *path = tu_temp_path(".sqlite");
	struct db *db = db_open(path, true, &err);

	ck_assert_msg(db != NULL, "%s", err.text);
	for (int i = 0; i < 4; i++) {
		const char *name = i == 0 ? dept[0] : i == 1 ? unit[0] : i == 2 ? b23[0] : b24[0];
		snprintf(names[i], sizeof(names[i]), "\"name\": \"%s\"", name);
		to[i] = names[i];
	}
	docs[0] = edited_fixture("fixture-office-2025-budget", fo, &to[0], 1);
	docs[1] = edited_fixture("fixture-office-2025-budget-unit", fo, &to[1], 1);
	docs[2] = edited_fixture("series-office-2023-budget", so, &to[2], 1);
	docs[3] = edited_fixture("series-office-2024-budget", so, &to[3], 1);
	docs[4] = edited_fixture("fixture-office-2024-final", fin_from, fin_to, 1);
	ck_assert_msg(db_import(db, docs, 5, &err) == 0, "%s", err.text);
	for (int i = 0; i < 5; i++)
		db_doc_free(docs[i]);
	db_close(db);
	return path;
}

/* The list names each department as its latest disclosure does: the greatest year, in a
 * year with both the final accounts, and the department's own disclosure before a unit's
 * (docs/api.md, api/openapi.json); ordered by id; total counted alike whether the page
 * ends short, is full or lies past the end (#17: the count is skipped when the page tells). */
START_TEST(test_department_list_names)
{
	static const char fo[] = "{\"id\":\"fixture-office\",\"name\":\"甲二〇二五部门\","
	                         "\"years\":[2025],\"links\":{\"self\":\"/api/v1/departments/"
	                         "fixture-office\"}}";
	static const char so[] = "{\"id\":\"series-office\",\"name\":\"乙二〇二四决算\","
	                         "\"years\":[2023,2024],\"links\":{\"self\":\"/api/v1/"
	                         "departments/series-office\"}}";
	static const struct {
		const char *query, *items; /* F fixture-office, S series-office */
		int total;
	} pages[] = {
		{ NULL, "FS", 2 },
		{ "limit=1", "F", 2 },
		{ "limit=1&offset=1", "S", 2 },
		{ "limit=5&offset=1", "S", 2 },
		{ "offset=5", "", 2 },
		{ "year=2023", "S", 1 },
		{ "year=2025", "F", 1 },
		{ "q=决算", "S", 1 },
		{ "q=单位", "", 0 },
		{ "q=预算", "", 0 },
		{ "q=fixture", "F", 1 },
	};
	char *path = names_store();
	struct db *bundled = store_swap_in(path);

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		struct api_response r;
		char want[1024], total[64];

		size_t n = 0;

		want[n++] = '[';
		for (const char *c = pages[i].items; *c != '\0'; c++)
			n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%s",
			                      c > pages[i].items ? "," : "", *c == 'F' ? fo : so);
		snprintf(want + n, sizeof(want) - n, "]");
		ck_assert_int_eq(call("/api/v1/departments", pages[i].query, NULL, &r), 200);
		ck_assert_msg(r.len > 9 && strncmp(r.body, "{\"items\":", 9) == 0 &&
		                  strncmp(r.body + 9, want, strlen(want)) == 0 &&
		                  r.body[9 + strlen(want)] == ',',
		              "?%s: %s, want items %s", pages[i].query ? pages[i].query : "",
		              r.body, want);
		snprintf(total, sizeof(total), "],\"total\":%d,", pages[i].total);
		body_has(&r, total);
		api_response_free(&r);
	}
	store_swap_out(bundled, path);
}
END_TEST

/* The list's own links and its Link header (docs/api.md: links.self, links.next, "also sent
 * as Link: <...>; rel=\"next\"", CSV with format=csv): limit, offset, year and q
 * (percent-encoded) in that order, written by hand since #17 round 4, so each part is
 * checked here. The store holds fixture-office (2025) and series-office (2023, 2024). */
START_TEST(test_department_list_links)
{
#define L "/api/v1/departments?"
	static const struct {
		const char *query, *self, *next; /* next NULL: the last page */
	} pages[] = {
		{ NULL, L "limit=100&offset=0", NULL },
		{ "limit=1", L "limit=1&offset=0", L "limit=1&offset=1" },
		{ "offset=1&limit=1", L "limit=1&offset=1", NULL },
		{ "limit=500&offset=1000000000", L "limit=500&offset=1000000000", NULL },
		{ "year=2023&limit=7", L "limit=7&offset=0&year=2023", NULL },
		{ "q=office&limit=1", L "limit=1&offset=0&q=office",
		  L "limit=1&offset=1&q=office" },
		{ "q=决算", L "limit=100&offset=0&q=%E5%86%B3%E7%AE%97", NULL },
		{ "q=fixture&year=2025&offset=0&limit=2", L "limit=2&offset=0&year=2025&q=fixture",
		  NULL },
	};
	char *path = names_store();
	struct db *bundled = store_swap_in(path);
	struct api_response r;
	char want[512], query[128];

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		ck_assert_int_eq(call("/api/v1/departments", pages[i].query, NULL, &r), 200);
		if (pages[i].next != NULL)
			snprintf(want, sizeof(want), "\"links\":{\"self\":\"%s\",\"next\":\"%s\"}}",
			         pages[i].self, pages[i].next);
		else
			snprintf(want, sizeof(want), "\"links\":{\"self\":\"%s\",\"next\":null}}",
			         pages[i].self);
		body_has(&r, want);
		snprintf(want, sizeof(want), "<%s>; rel=\"next\"",
		         pages[i].next ? pages[i].next : "");
		ck_assert_str_eq(r.link, pages[i].next ? want : "");
		api_response_free(&r);
		/* the CSV page: the same next page, with format=csv */
		snprintf(query, sizeof(query), "%s%sformat=csv",
		         pages[i].query ? pages[i].query : "", pages[i].query ? "&" : "");
		ck_assert_int_eq(call("/api/v1/departments", query, NULL, &r), 200);
		snprintf(want, sizeof(want), "<%s&format=csv>; rel=\"next\"",
		         pages[i].next ? pages[i].next : "");
		ck_assert_str_eq(r.link, pages[i].next ? want : "");
		api_response_free(&r);
	}
#undef L
	store_swap_out(bundled, path);
}
END_TEST

/* A next page's Link header is whole or absent: a URL that does not fit is never cut, as
 * snprintf would have cut it (aggregate's did, at 600 bytes). */
START_TEST(test_link_next_whole_or_none)
{
	struct api_response r = { 0 };
	char url[sizeof(r.link)];
	/* '<' + url + ">; rel=\"next\"" + NUL */
	size_t most = sizeof(r.link) - 1 - strlen(">; rel=\"next\"") - 1;

	memset(url, 'a', most);
	url[most] = '\0';
	api_link_next(&r, url, "");
	ck_assert_uint_eq(strlen(r.link), sizeof(r.link) - 1);
	ck_assert_int_eq(r.link[0], '<');
	ck_assert_str_eq(r.link + 1 + most, ">; rel=\"next\"");

	api_link_next(&r, url, "x"); /* one byte more */
	ck_assert_str_eq(r.link, "");

	url[most - 11] = '\0';
	api_link_next(&r, url, "&format=csv");
	ck_assert_uint_eq(strlen(r.link), sizeof(r.link) - 1);
	ck_assert_str_eq(r.link + 1 + most - 11, "&format=csv>; rel=\"next\"");
}
END_TEST

/* ---- the disclosure from its rows (#17) against the tree ---- */

static const char *const totals_types[] = { "budget_summary", "final_summary", "budget_expenditure",
	                                    "final_expenditure", NULL };

/* router.c's selection for the disclosure: the tables its headline totals read, with
 * their total rows. */
static bool totals_table(const json_t *t, void *arg)
{
	(void)arg;
	for (const char *const *k = totals_types; *k != NULL; k++)
		if (strcmp(api_table_type(t), *k) == 0)
			return true;
	return false;
}

/* The disclosure's JSON the way router.c answered it before #17: api_disclosure() on the
 * tree of db_export_part(). */
static int tree_disclosure(const char *dept, int year, const char *kind, const char *level,
                           struct api_response *r)
{
	struct api_ctx c;
	struct db_export_sel sel = { .parts = ~(unsigned)(DB_PART_CONTENTS | DB_PART_PROJECTS),
		                     .table_rows = totals_table,
		                     .total_rows_only = true };
	json_t *doc = tree_begin(&c, r, dept, year, kind, level, false, &sel);

	ck_assert_int_eq(api_disclosure(&c, doc), 0);
	return tree_end(doc, r);
}

/* One disclosure, rows (through the router) against tree. Returns its audit total. */
static long long compare_disclosure(const char *dept, const json_t *disc)
{
	const char *kind = json_string_value(json_object_get(disc, "kind"));
	const char *level = json_string_value(json_object_get(disc, "level"));
	int year = (int)json_integer_value(json_object_get(disc, "year"));
	struct api_response a, b;
	char path[300];
	json_t *j;
	long long audit;

	snprintf(path, sizeof(path), "/api/v1/departments/%s/%ss/%d", dept, kind, year);
	ck_assert_int_eq(call(path, strcmp(level, "unit") == 0 ? "level=unit" : NULL, NULL, &a),
	                 200);
	tree_disclosure(dept, year, kind, level, &b);
	assert_same_answer(&a, &b, path);
	j = json_loads(a.body, 0, NULL);
	audit = json_integer_value(json_object_get(json_object_get(j, "audit"), "total"));
	json_decref(j);
	api_response_free(&a);
	api_response_free(&b);
	return audit;
}

static void count_findings(const char *dept, const json_t *disc, void *arg)
{
	*(long long *)arg += compare_disclosure(dept, disc) > 0;
}

/* Every bundled disclosure: budgets and a final, department and unit level, format 1
 * (Kashi, with withheld projects) and 2 (Putuo), some without projects (the CPC social
 * work committee's, Wanli's) or without 三公 (the final), findings in some. */
START_TEST(test_disclosure_rows_match_tree)
{
	struct api_response r;
	long long with_findings = 0;

	ck_assert_int_eq(each_disclosure(count_findings, &with_findings), 7);
	ck_assert_int_gt(with_findings, 0);
	/* no such disclosure: the same 404 as load()'s */
	ck_assert_int_eq(
	    call("/api/v1/departments/kashi-urumqi-office/budgets/1999", NULL, NULL, &r), 404);
	ck_assert_ptr_nonnull(strstr(r.body, "no budget 1999 of department"));
	api_response_free(&r);
	ck_assert_int_eq(
	    call("/api/v1/departments/kashi-urumqi-office/budgets/2021", "level=unit", NULL, &r),
	    404);
	ck_assert_ptr_nonnull(strstr(r.body, "no unit-level budget 2021"));
	api_response_free(&r);
}
END_TEST

/* What the bundled store lacks, in the seed changed and imported into a store of its own:
 * an organization with nothing in it, assets of vehicles only, parts left out
 * (procurement, performance), a figure with one code, an explanation without paragraphs,
 * no 三公, no summary table (its totals null) and an expenditure table in 元. */
START_TEST(test_disclosure_rows_match_tree_rare)
{
	json_t *seed = json_load_file(tu_env("BUDGETD_SEED"), 0, NULL), *ov, *org, *assets, *ex,
	       *tables, *t, *vehicles;
	struct api_response r;
	struct seeded sd;
	json_t *disc =
	    json_pack("{s:s, s:s, s:i}", "kind", "budget", "level", "department", "year", 2021);
	size_t i;

	ck_assert_ptr_nonnull(seed);
	ov = json_object_get(seed, "overview");
	org = json_object_get(ov, "organization");
	json_object_clear(org); /* a row with nothing in it: null, as the tree leaves it out */
	assets = json_object_get(seed, "assets");
	json_incref(vehicles = json_object_get(assets, "vehicles"));
	ck_assert_ptr_nonnull(vehicles);
	json_object_clear(assets); /* its vehicles only: an object of nulls and the vehicles */
	json_object_set_new(assets, "vehicles", vehicles);
	json_object_del(seed, "sangong");
	json_object_del(seed, "procurement");
	json_object_del(seed, "performance");
	ex = json_array_get(json_object_get(seed, "explanations"), 1);
	json_object_set_new(ex, "paragraphs", json_array());
	json_array_append_new(
	    json_object_get(ex, "figures"),
	    json_pack("{s:s, s:[s], s:s}", "label", "一项", "codes", "201", "amount", "1.50"));
	tables = json_object_get(seed, "tables");
	json_array_foreach (tables, i, t) {
		const char *title = json_string_value(json_object_get(t, "title"));
		if (strcmp(title, "部门支出总体情况表") == 0)
			json_object_set_new(t, "unit", json_string("元"));
	}
	json_array_remove(tables, 0); /* 部门收支总体情况表 */
	seeded_begin(&sd, seed);
	compare_disclosure("kashi-urumqi-office", disc);
	/* 基本支出 345.08 of the seed's table 3 (部门支出总体情况表), now in 元: 0.034508 万元 */
	ck_assert_int_eq(
	    call("/api/v1/departments/kashi-urumqi-office/budgets/2021", NULL, NULL, &r), 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"basic\":0.034508,"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"revenue\":null,"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"organization\":null,"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"assets\":{\"as_of\":null,"));
	api_response_free(&r);
	seeded_end(&sd);
	json_decref(disc);
	json_decref(seed);
}
END_TEST

/* Where a section and a figure were printed (#18), from the rows and from the tree alike:
 * a section imported with its page alone is {page, box: null}; a figure without a box and
 * a section with neither are null. A corpus file (v2), its first section's box taken out
 * (its page kept), its second's page and box, and its first figure's box. */
START_TEST(test_disclosure_rows_match_tree_printed)
{
	json_t *doc = corpus_file("putuo-commerce-2025-budget-dept.json"), *ex, *fig;
	json_t *disc =
	    json_pack("{s:s, s:s, s:i}", "kind", "budget", "level", "department", "year", 2025);
	struct api_response r;
	struct seeded sd;

	ex = json_object_get(doc, "explanations");
	/* overall: printed at page 7 (its box on p7 and its page both say so) */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(ex, 0), "page")), 7);
	json_object_del(json_array_get(ex, 0), "box");
	json_object_del(json_array_get(ex, 1), "box");
	json_object_del(json_array_get(ex, 1), "page");
	fig = json_array_get(json_object_get(json_array_get(ex, 0), "figures"), 0);
	json_object_del(fig, "box");
	seeded_begin(&sd, doc);
	compare_disclosure("putuo-commerce", disc);
	ck_assert_int_eq(call("/api/v1/departments/putuo-commerce/budgets/2025", NULL, NULL, &r),
	                 200);
	ck_assert_msg(strstr(r.body,
	                     "\"key\":\"overall\",\"number\":null,\"title\":\"2025年部门预算编制"
	                     "说明\",\"printed\":{\"page\":7,\"box\":null},") != NULL,
	              "%.600s", strstr(r.body, "\"explanations\""));
	ck_assert_ptr_nonnull(strstr(r.body, "\"key\":\"other\","));
	ck_assert_ptr_nonnull(strstr(r.body, "\"title\":\"其他相关情况说明\",\"printed\":null,"));
	ck_assert_ptr_nonnull(strstr(r.body, "\"label\":\"收入预算\","));
	ck_assert_msg(strstr(strstr(r.body, "\"label\":\"收入预算\","), "\"printed\":null}") ==
	                  strstr(strstr(r.body, "\"label\":\"收入预算\","), "\"printed\""),
	              "the first figure has no box");
	api_response_free(&r);
	seeded_end(&sd);
	json_decref(disc);
	json_decref(doc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	TCase *unit = tcase_create("writers"), *routes = tcase_create("routes");

	tcase_add_test(unit, test_writer_nests_and_escapes);
	tcase_add_test(unit, test_writer_plain_strings);
	tcase_add_test(unit, test_writer_integers);
	tcase_add_test(unit, test_writer_replaces_bad_utf8);
	tcase_add_test(unit, test_writer_refuses_unbalanced);
	tcase_add_test(unit, test_csv_quotes_and_neutralises);
	tcase_add_test(unit, test_pct_encode);
	tcase_add_test(unit, test_to_wan);
	tcase_add_checked_fixture(routes, open_store, close_store);
	tcase_add_loop_test(routes, test_routes, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(routes, test_overlong_path);
	tcase_add_test(routes, test_series_and_compare);
	tcase_add_test(routes, test_department_list_names);
	tcase_add_test(routes, test_department_list_links);
	tcase_add_test(routes, test_link_next_whole_or_none);
	tcase_add_test(routes, test_table_is_the_data);
	tcase_add_test(routes, test_table_rows_match_tree);
	tcase_add_test(routes, test_table_rows_match_tree_ids_shuffled);
	tcase_add_test(routes, test_projects_rows_match_tree);
	tcase_add_test(routes, test_projects_rows_match_tree_rare);
	tcase_add_test(routes, test_long_csv_matches_tree);
	tcase_add_test(routes, test_long_csv_matches_tree_rare);
	tcase_add_test(routes, test_long_csv_matches_tree_ids_shuffled);
	tcase_add_test(routes, test_findings_of_one_disclosure);
	tcase_add_test(routes, test_disclosure_rows_match_tree);
	tcase_add_test(routes, test_disclosure_rows_match_tree_rare);
	tcase_add_test(routes, test_disclosure_rows_match_tree_printed);
	tcase_add_test(routes, test_csv_download);
	tcase_add_test(routes, test_key_one_per_answer);
	tcase_add_test(routes, test_key_tells_answers_apart);
	tcase_add_test(routes, test_key_encodes_and_never_cuts);
	tcase_add_loop_test(routes, test_key_refusals, 0,
	                    (int)(sizeof(refused) / sizeof(refused[0])));
	suite_add_tcase(s, unit);
	suite_add_tcase(s, routes);
	return tu_run_suite(s);
}
