// SPDX-License-Identifier: MIT
// Validation of an import document: first its shape against the model (types, required and
// unknown fields), then the rules that span fields (unique numbers and keys, amounts that
// name real columns, withheld projects, indicator values). Every problem is reported with
// its JSON path and, where the text allows, its line and column.
#include "internal.h"
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct vctx {
	const char *name;
	const char *text;
	size_t len;
	db_report_fn report;
	void *rctx;
	int errors;
	char path[256];
	size_t plen;
};

static void verr(struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void verr(struct vctx *v, const char *fmt, ...)
{
	struct db_error e = { 0 };
	va_list ap;

	if (++v->errors > DB_DOC_MAX_ERRORS)
		return;
	snprintf(e.file, sizeof(e.file), "%s", v->name);
	snprintf(e.path, sizeof(e.path), "%s", v->path);
	if (v->text != NULL)
		db_json_locate(v->text, v->len, v->path, &e.line, &e.column);
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	va_end(ap);
	if (v->errors == DB_DOC_MAX_ERRORS)
		snprintf(e.text + strlen(e.text), sizeof(e.text) - strlen(e.text),
		         " (stopping after %d problems)", DB_DOC_MAX_ERRORS);
	v->report(v->rctx, &e);
}

/* Path building: push returns the old length for pop. Overlong paths are cut, not fatal. */
static size_t push_key(struct vctx *v, const char *key)
{
	size_t old = v->plen;
	int n = snprintf(v->path + old, sizeof(v->path) - old, ".%s", key);

	if (n > 0)
		v->plen = strnlen(v->path, sizeof(v->path) - 1);
	return old;
}

static size_t push_index(struct vctx *v, size_t i)
{
	size_t old = v->plen;
	int n = snprintf(v->path + old, sizeof(v->path) - old, "[%zu]", i);

	if (n > 0)
		v->plen = strnlen(v->path, sizeof(v->path) - 1);
	return old;
}

static void pop(struct vctx *v, size_t old)
{
	v->plen = old;
	v->path[old] = '\0';
}

static bool is_present(const json_t *j)
{
	return j != NULL && !json_is_null(j);
}

/* ---- field types ---- */

static bool match_chars(const char *s, const char *first, const char *rest, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || strchr(first, s[0]) == NULL)
		return false;
	return strspn(s, rest) == n;
}

#define LOWER_DIGIT "abcdefghijklmnopqrstuvwxyz0123456789"

static bool is_slug(const char *s)
{
	size_t n = strlen(s);

	if (!match_chars(s, LOWER_DIGIT, LOWER_DIGIT "-", 64))
		return false;
	return s[n - 1] != '-' && strstr(s, "--") == NULL;
}

static bool is_key(const char *s)
{
	return match_chars(s, "abcdefghijklmnopqrstuvwxyz", LOWER_DIGIT "_", 64);
}

static bool is_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, n = 0;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return false;
	if (s[4] != '-' || s[7] != '-' || strspn(s, "0123456789-") != 10)
		return false;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

static void check_dec(struct vctx *v, const json_t *j, bool sign)
{
	int64_t out;

	if (json_is_number(j)) {
		verr(v, "amounts are written as strings to stay exact: use \"%.15g\", not %.15g",
		     json_number_value(j), json_number_value(j));
		return;
	}
	if (!json_is_string(j)) {
		verr(v, "expected a decimal string like \"700.94\"");
		return;
	}
	if (db_dec_parse(json_string_value(j), sign, &out) != 0)
		verr(v,
		     "\"%s\" is not a %sdecimal like \"700.94\" (at most 12 digits before "
		     "the point and 6 after)",
		     json_string_value(j), sign ? "" : "non-negative ");
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void check_text(struct vctx *v, const json_t *j)
{
	if (!json_is_string(j))
		verr(v, "expected a string");
	else if (json_string_length(j) == 0)
		verr(v, "must not be empty (leave the field out instead)");
	else if (utf8_chars(json_string_value(j)) > 65536)
		verr(v, "text longer than 65536 characters");
}

static void check_enum(struct vctx *v, const json_t *j, const char *const *choices)
{
	char list[256] = "";

	if (json_is_string(j))
		for (const char *const *c = choices; *c != NULL; c++)
			if (strcmp(*c, json_string_value(j)) == 0)
				return;
	for (const char *const *c = choices; *c != NULL; c++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
		         c == choices ? "" : ", ", *c);
	verr(v, "expected one of %s", list);
}

static void check_codes(struct vctx *v, const json_t *j)
{
	size_t i;
	json_t *c;

	if (!json_is_array(j) || json_array_size(j) < 1 || json_array_size(j) > 3) {
		verr(v, "codes are an array of 1 to 3 strings: [类], [类, 款] or [类, 款, 项]");
		return;
	}
	json_array_foreach (j, i, c) {
		const char *s = json_string_value(c);
		size_t old = push_index(v, i);

		if (s == NULL || strlen(s) < 2 || strlen(s) > 3 ||
		    strspn(s, "0123456789") != strlen(s))
			verr(v, "a code is a string of 2 or 3 digits, like \"201\" or \"03\"");
		pop(v, old);
	}
}

static void check_int(struct vctx *v, const struct db_field *f, const json_t *j)
{
	json_int_t n;

	if (!json_is_integer(j)) {
		verr(v, "expected a whole number");
		return;
	}
	n = json_integer_value(j);
	if (n < f->min || n > f->max) {
		if (strcmp(f->key, "number") == 0)
			verr(v,
			     "unknown table number %lld: tables are numbered 1 to 9 (表一..表九)",
			     (long long)n);
		else
			verr(v, "%lld is out of range (%lld to %lld)", (long long)n, f->min,
			     f->max);
	}
}

static void check_field(struct vctx *v, const struct db_field *f, const json_t *j)
{
	switch (f->type) {
	case DB_FT_TEXT:
		check_text(v, j);
		break;
	case DB_FT_INT:
		check_int(v, f, j);
		break;
	case DB_FT_DEC:
	case DB_FT_SDEC:
		check_dec(v, j, f->type == DB_FT_SDEC);
		break;
	case DB_FT_BOOL:
		if (!json_is_boolean(j))
			verr(v, "expected true or false");
		break;
	case DB_FT_DATE:
		if (!json_is_string(j) || !is_date(json_string_value(j)))
			verr(v, "expected a date like \"2021-04-15\"");
		break;
	case DB_FT_SLUG:
		if (!json_is_string(j) || !is_slug(json_string_value(j)))
			verr(v, "expected an id of lower-case letters, digits and single hyphens, "
			        "at most 64 characters, like \"kashi-urumqi-office\"");
		break;
	case DB_FT_KEY:
		if (!json_is_string(j) || !is_key(json_string_value(j)))
			verr(v, "expected a key of lower-case letters, digits and underscores, "
			        "like \"general_budget\"");
		break;
	case DB_FT_ENUM:
		check_enum(v, j, f->choices);
		break;
	case DB_FT_CODES:
		check_codes(v, j);
		break;
	}
}

/* ---- shape ---- */

static void check_object(struct vctx *v, const struct db_entity *e, json_t *obj);

static bool is_known(const struct db_entity *e, const char *key)
{
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++)
		if (strcmp(f->key, key) == 0)
			return true;
	for (const struct db_entity *const *c = e->children; c != NULL && *c != NULL; c++)
		if (strcmp((*c)->key, key) == 0)
			return true;
	return false;
}

static void check_list(struct vctx *v, const struct db_entity *e, json_t *arr)
{
	size_t i;
	json_t *item;

	if (!json_is_array(arr)) {
		verr(v, "expected an array");
		return;
	}
	json_array_foreach (arr, i, item) {
		size_t old = push_index(v, i);

		if (e->shape == DB_SH_ROWS)
			check_object(v, e, item);
		else if (e->shape == DB_SH_TEXTS)
			check_text(v, item);
		else
			check_dec(v, item, false);
		pop(v, old);
	}
}

static void check_map(struct vctx *v, json_t *obj)
{
	const char *key;
	json_t *val;

	if (!json_is_object(obj)) {
		verr(v, "expected an object of column key -> decimal string");
		return;
	}
	json_object_foreach (obj, key, val) {
		size_t old = push_key(v, key);

		if (!is_key(key))
			verr(v, "\"%s\" is not a column key (lower-case letters, digits, _)", key);
		check_dec(v, val, false);
		pop(v, old);
	}
}

static void check_child(struct vctx *v, const struct db_entity *c, json_t *j)
{
	switch (c->shape) {
	case DB_SH_ROWS:
	case DB_SH_TEXTS:
	case DB_SH_DECS:
		check_list(v, c, j);
		break;
	case DB_SH_ONE:
	case DB_SH_INLINE:
		check_object(v, c, j);
		break;
	case DB_SH_DEC_MAP:
		check_map(v, j);
		break;
	}
}

/* null is refused rather than read as "absent": one spelling for a missing field. */
static void null_field(struct vctx *v, const char *key)
{
	size_t old = push_key(v, key);

	verr(v, "null is not allowed: leave the field out instead");
	pop(v, old);
}

static void check_object(struct vctx *v, const struct db_entity *e, json_t *obj)
{
	const char *key;
	json_t *val;

	if (!json_is_object(obj)) {
		verr(v, "expected an object");
		return;
	}
	json_object_foreach (obj, key, val) {
		if (!is_known(e, key)) {
			size_t old = push_key(v, key);
			verr(v, "unknown field \"%s\"", key);
			pop(v, old);
		}
	}
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
		val = json_object_get(obj, f->key);
		if (json_is_null(val)) {
			null_field(v, f->key);
			continue;
		}
		if (val == NULL) {
			if (f->required)
				verr(v, "missing required field \"%s\"", f->key);
			continue;
		}
		size_t old = push_key(v, f->key);
		check_field(v, f, val);
		pop(v, old);
	}
	for (const struct db_entity *const *c = e->children; c != NULL && *c != NULL; c++) {
		val = json_object_get(obj, (*c)->key);
		if (json_is_null(val)) {
			null_field(v, (*c)->key);
			continue;
		}
		if (val == NULL) {
			if ((*c)->required)
				verr(v, "missing required field \"%s\"", (*c)->key);
			continue;
		}
		size_t old = push_key(v, (*c)->key);
		check_child(v, *c, val);
		pop(v, old);
	}
}

/* ---- rules across fields (run only on a document of the right shape) ---- */

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static bool same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Reports a duplicate of field `key` among the objects of arr, naming `what`. */
static void check_unique(struct vctx *v, json_t *arr, const char *key, const char *what)
{
	size_t i, k;
	json_t *a, *b;

	json_array_foreach (arr, i, a) {
		json_t *ka = json_object_get(a, key);

		for (k = 0; k < i; k++) {
			b = json_array_get(arr, k);
			if (ka != NULL && json_equal(ka, json_object_get(b, key))) {
				size_t old = push_index(v, i);
				char *s = json_dumps(ka, JSON_ENCODE_ANY);
				verr(v, "duplicate %s %s (first at index %zu)", what, s ? s : "?",
				     k);
				free(s);
				pop(v, old);
				break;
			}
		}
	}
}

static json_t *find_by(json_t *arr, const char *key, const char *value)
{
	size_t i;
	json_t *item;

	json_array_foreach (arr, i, item)
		if (same_str(str(item, key), value))
			return item;
	return NULL;
}

static bool same_row(json_t *a, json_t *b)
{
	static const char *const keys[] = { "side", "kind",    "codes",
		                            "name", "project", "project_name" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *x = json_object_get(a, keys[i]), *y = json_object_get(b, keys[i]);
		if (!is_present(x) && !is_present(y))
			continue;
		if (!is_present(x) || !is_present(y) || !json_equal(x, y))
			return false;
	}
	return true;
}

static void check_row(struct vctx *v, json_t *table, json_t *row, json_t *projects, bool sided)
{
	json_t *cols = json_object_get(table, "columns");
	json_t *codes = json_object_get(row, "codes");
	json_t *level = json_object_get(row, "level");
	const char *side = str(row, "side"), *project = str(row, "project");
	const char *key;
	json_t *val;

	if (sided && side == NULL)
		verr(v, "this table has income and expenditure sides: the row needs \"side\"");
	if (!sided && side != NULL)
		verr(v, "\"side\" is only for tables whose columns have sides");
	if (is_present(codes) && is_present(level) &&
	    json_integer_value(level) != (json_int_t)json_array_size(codes))
		verr(v, "level %lld does not match %zu codes", (long long)json_integer_value(level),
		     json_array_size(codes));
	if (str(row, "name") == NULL && project == NULL && !is_present(codes) &&
	    !same_str(str(row, "kind"), "total"))
		verr(v, "a row needs a name, codes or a project (only a total row may have none)");
	if (project != NULL && find_by(projects, "id", project) == NULL)
		verr(v, "project \"%s\" is not in \"projects\"", project);
	json_object_foreach (json_object_get(row, "amounts"), key, val) {
		json_t *col = find_by(cols, "key", key);
		size_t old = push_key(v, "amounts");

		push_key(v, key);
		if (col == NULL)
			verr(v, "no column \"%s\" in this table", key);
		else if (sided && !same_str(str(col, "side"), side))
			verr(v, "column \"%s\" is on the other side of the table", key);
		pop(v, old);
	}
}

static void check_table(struct vctx *v, json_t *table, json_t *projects)
{
	json_t *cols = json_object_get(table, "columns"), *rows = json_object_get(table, "rows");
	json_t *col, *row;
	size_t i, k, sided = 0;
	size_t old = push_key(v, "columns");

	check_unique(v, cols, "key", "column key");
	if (json_array_size(cols) == 0)
		verr(v, "a table needs at least one column");
	pop(v, old);
	json_array_foreach (cols, i, col)
		sided += str(col, "side") != NULL;
	if (sided != 0 && sided != json_array_size(cols))
		verr(v, "either every column has a \"side\" or none does");
	json_array_foreach (rows, i, row) {
		old = push_key(v, "rows");
		push_index(v, i);
		check_row(v, table, row, projects, sided != 0);
		for (k = 0; k < i; k++) {
			if (same_row(row, json_array_get(rows, k))) {
				verr(v, "duplicate row: same as rows[%zu]", k);
				break;
			}
		}
		pop(v, old);
	}
}

static void check_project(struct vctx *v, json_t *p, json_t *tables)
{
	bool withheld = json_is_true(json_object_get(p, "withheld"));
	const char *name = str(p, "name");
	json_t *t7 = NULL, *t;
	const char *key;
	json_t *val;
	size_t i;

	if (!withheld && name == NULL)
		verr(v,
		     "a project needs a \"name\", or \"withheld\": true when it is not published");
	if (withheld && name != NULL)
		verr(v,
		     "a withheld project has no published name: remove \"name\" or \"withheld\"");
	json_array_foreach (tables, i, t)
		if (json_integer_value(json_object_get(t, "number")) == 7)
			t7 = t;
	json_object_foreach (json_object_get(p, "economic"), key, val) {
		if (t7 == NULL || find_by(json_object_get(t7, "columns"), "key", key) == NULL) {
			size_t old = push_key(v, "economic");
			push_key(v, key);
			verr(v, "\"%s\" is not a column of table 7", key);
			pop(v, old);
		}
	}
}

static void check_indicator(struct vctx *v, json_t *ind)
{
	const char *name = str(ind, "name"), *value = str(ind, "value"), *op = str(ind, "op");
	const char *number = str(ind, "number"), *unit = str(ind, "unit");
	char joined[512];

	if ((name == NULL) != (value == NULL)) {
		verr(v, "an indicator has both \"name\" and \"value\", or neither (an empty "
		        "二级指标)");
		return;
	}
	if ((op == NULL) != (number == NULL)) {
		verr(v, "\"op\" and \"number\" go together");
		return;
	}
	if (op == NULL)
		return;
	snprintf(joined, sizeof(joined), "%s%s%s", op, number, unit ? unit : "");
	if (value == NULL || strcmp(joined, value) != 0)
		verr(v, "op, number and unit spell \"%s\" but the value is \"%s\"", joined,
		     value ? value : "");
}

/* Walks an array under the current path, calling fn on each element. */
static void each(struct vctx *v, json_t *obj, const char *key,
                 void (*fn)(struct vctx *, json_t *, void *), void *arg)
{
	json_t *arr = json_object_get(obj, key), *item;
	size_t i, old = push_key(v, key);

	json_array_foreach (arr, i, item) {
		size_t o2 = push_index(v, i);
		fn(v, item, arg);
		pop(v, o2);
	}
	pop(v, old);
}

static void indicator_cb(struct vctx *v, json_t *ind, void *unused)
{
	(void)unused;
	check_indicator(v, ind);
}

static void table_cb(struct vctx *v, json_t *t, void *projects)
{
	check_table(v, t, projects);
}

static void project_cb(struct vctx *v, json_t *p, void *tables)
{
	check_project(v, p, tables);
	if (is_present(json_object_get(p, "performance"))) {
		size_t old = push_key(v, "performance");
		each(v, json_object_get(p, "performance"), "indicators", indicator_cb, NULL);
		pop(v, old);
	}
}

static void check_unique_in(struct vctx *v, json_t *obj, const char *list, const char *key,
                            const char *what)
{
	size_t old = push_key(v, list);

	check_unique(v, json_object_get(obj, list), key, what);
	pop(v, old);
}

static void check_rules(struct vctx *v, json_t *root)
{
	json_t *tables = json_object_get(root, "tables");
	json_t *projects = json_object_get(root, "projects");
	json_t *overview = json_object_get(root, "overview");
	json_t *sangong = json_object_get(root, "sangong");
	json_t *assets = json_object_get(root, "assets");
	size_t old;

	check_unique_in(v, root, "tables", "number", "table number");
	check_unique_in(v, root, "projects", "id", "project id");
	check_unique_in(v, root, "explanations", "key", "section key");
	if (is_present(overview)) {
		old = push_key(v, "overview");
		check_unique_in(v, overview, "staffing", "category", "staffing category");
		pop(v, old);
	}
	if (is_present(sangong)) {
		old = push_key(v, "sangong");
		check_unique_in(v, sangong, "items", "key", "三公 item");
		pop(v, old);
	}
	if (is_present(assets)) {
		old = push_key(v, "assets");
		check_unique_in(v, assets, "vehicles", "kind", "vehicle kind");
		pop(v, old);
	}
	each(v, root, "tables", table_cb, projects);
	each(v, root, "projects", project_cb, tables);
}

int db_validate(json_t *root, const char *name, const char *text, size_t len, db_report_fn report,
                void *ctx)
{
	struct vctx v = { .name = name, .text = text, .len = len, .report = report, .rctx = ctx };

	strcpy(v.path, "$");
	v.plen = 1;
	check_object(&v, &db_model_document, root);
	if (v.errors == 0)
		check_rules(&v, root);
	return v.errors;
}
