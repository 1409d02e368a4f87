// SPDX-License-Identifier: MIT
// db/validate.c as it was before #17 round 13 (main fda3dc2), kept only as check_validate's
// reference: the same messages, in the same order, with the same places. Not built into budgetd.
#include "internal.h"
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int old_validate(json_t *root, const char *name, const char *text, size_t len, db_report_fn report,
                 void *ctx);

struct vctx {
	const char *name;
	const char *text;
	size_t len;
	db_report_fn report;
	void *rctx;
	int errors;
	char path[256];
	size_t plen;
	unsigned version; /* DB_V1 or DB_V2 */
	const char *doc_unit; /* the document's "unit" */
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

/* Path building: push returns the old length for pop. Overlong paths are cut, not fatal.
 * Runs for every key and element of every file: appended by hand, not by snprintf (which
 * was a sixth of validating, issue #17); the same text as "%s" / "[%zu]" would give. */
static size_t append(struct vctx *v, const char *s, size_t n)
{
	size_t old = v->plen, room = sizeof(v->path) - 1 - old;

	if (n > room)
		n = room;
	memcpy(v->path + old, s, n);
	v->plen = old + n;
	v->path[v->plen] = '\0';
	return old;
}

static size_t push_key(struct vctx *v, const char *key)
{
	size_t old = append(v, ".", 1);

	append(v, key, strlen(key));
	return old;
}

static size_t push_index(struct vctx *v, size_t i)
{
	char digits[24], *d = digits;

	*d++ = '[';
	d = db_dec_put_uint(d, i);
	*d++ = ']';
	return append(v, digits, (size_t)(d - digits));
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

/* The number of parts of valid codes: an array's size, or 1, 2, 3 for 3, 5, 7 digits. */
static size_t code_parts(const json_t *codes)
{
	if (json_is_string(codes))
		return (json_string_length(codes) + 1) / 2 - 1;
	return json_array_size(codes);
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
	if (db_dec_parse_printed(json_string_value(j), sign, &out) != 0)
		verr(v,
		     "\"%s\" is not a %sdecimal like \"700.94\" or \"189,767,551.00\" (at most "
		     "12 digits before the point and 6 after; a comma only between groups of "
		     "three digits)",
		     json_string_value(j), sign ? "" : "non-negative ");
}

/* The number of characters in the first n bytes of s. */
static size_t utf8_chars_n(const char *s, size_t n)
{
	size_t chars = 0;

	for (size_t i = 0; i < n && s[i] != '\0'; i++)
		chars += ((unsigned char)s[i] & 0xC0) != 0x80;
	return chars;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Decodes the code point at *s (valid UTF-8: jansson checked it) and moves past it. */
static unsigned next_char(const unsigned char **s)
{
	const unsigned char *p = *s;
	unsigned c = *p++;
	int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;

	if (more)
		c &= 0x3F >> more;
	for (; more > 0 && (*p & 0xC0) == 0x80; more--)
		c = (c << 6) | (*p++ & 0x3F);
	*s = p;
	return c;
}

/* What kind of invisible character c is, or NULL for an ordinary one. Such characters
 * reach terminals (budgetctl list) and pages: a CR rewrites a line, an ESC starts a
 * terminal command, U+202E reverses the text after it. Running text keeps tabs and line
 * feeds. */
static const char *bad_char(unsigned c, bool prose)
{
	if (prose && (c == '\t' || c == '\n'))
		return NULL;
	if (c == '\r')
		return "carriage return";
	if (c == '\t' || c == '\n')
		return "line break or tab";
	if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
		return "control character";
	if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))
		return "bidirectional control";
	if (c == 0x2028 || c == 0x2029)
		return "line or paragraph separator";
	return NULL;
}

/* Refuses invisible characters, naming the first and its place (1-based, in characters). */
static void check_chars(struct vctx *v, const char *text, bool prose)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t at = 1; *s != '\0'; at++) {
		unsigned c = next_char(&s);
		const char *what = bad_char(c, prose);

		if (what == NULL)
			continue;
		verr(v, "%s U+%04X at character %zu%s", what, c, at,
		     !prose      ? " (a name, title or label is one line: remove it)"
		     : c == '\r' ? " (a line ends with \\n alone)"
		                 : "");
		return;
	}
}

static void check_text(struct vctx *v, const json_t *j, bool prose)
{
	if (!json_is_string(j))
		verr(v, "expected a string");
	else if (json_string_length(j) == 0)
		verr(v, "must not be empty (leave the field out instead)");
	else if (utf8_chars(json_string_value(j)) > 65536)
		verr(v, "text longer than 65536 characters");
	else
		check_chars(v, json_string_value(j), prose);
}

/* A link the page shows (原文): http or https only, so never javascript: or data:. */
static void check_url(struct vctx *v, const json_t *j)
{
	const char *s = json_string_value(j), *host;
	size_t n;

	if (s == NULL) {
		verr(v, "expected a string");
		return;
	}
	n = strncasecmp(s, "https://", 8) == 0 ? 8 : strncasecmp(s, "http://", 7) == 0 ? 7 : 0;
	host = s + n;
	if (n == 0 || *host == '\0' || strchr("/?#", *host) != NULL) {
		verr(v, "expected an address starting with http:// or https://, like "
		        "\"https://www.example.gov.cn/budget.pdf\"");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7F || strchr("\"<>\\`", *p) != NULL) {
			verr(v,
			     "an address has no spaces, control characters, quotes, <, >, \\ "
			     "or `: write them %%-encoded (character %zu)",
			     utf8_chars_n(s, (size_t)(p - (const unsigned char *)s)) + 1);
			return;
		}
	check_chars(v, s, false);
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

/* A code printed joined, "2080505": 类 3 digits, 款 2, 项 2. */
static void check_joined_code(struct vctx *v, const char *s)
{
	size_t n = strlen(s);

	if (strspn(s, "0123456789") != n || (n != 3 && n != 5 && n != 7))
		verr(v,
		     "a joined code is 3, 5 or 7 digits (类 3, 款 2, 项 2), like \"2080505\"; "
		     "\"%s\" is not",
		     s);
}

static void check_codes(struct vctx *v, const json_t *j)
{
	size_t i;
	json_t *c;

	if (json_is_string(j)) {
		check_joined_code(v, json_string_value(j));
		return;
	}
	if (!json_is_array(j) || json_array_size(j) < 1 || json_array_size(j) > 3) {
		verr(v, "codes are an array of 1 to 3 strings: [类], [类, 款] or [类, 款, 项], "
		        "or one joined string like \"2080505\"");
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
		if (strcmp(f->key, "number") == 0 || strcmp(f->key, "position") == 0)
			verr(v, "table %s %lld: tables are numbered 1 to 99 (表一, 表二 ...)",
			     f->key, (long long)n);
		else
			verr(v, "%lld is out of range (%lld to %lld)", (long long)n, f->min,
			     f->max);
	}
}

static void check_table_type(struct vctx *v, const json_t *j)
{
	char list[400] = "";
	const struct db_table_type *t;

	if (json_is_string(j) && (strcmp(json_string_value(j), "other") == 0 ||
	                          db_table_type_find(json_string_value(j)) != NULL))
		return;
	for (size_t i = 0; (t = db_table_type_at(i)) != NULL; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
		         t->id);
	verr(v, "unknown table type %s%s%s: expected \"other\" or one of %s",
	     json_is_string(j) ? "\"" : "",
	     json_is_string(j) ? json_string_value(j) : "(not a string)",
	     json_is_string(j) ? "\"" : "", list);
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* A coordinate in points with at most 2 decimals, as pdftotext -bbox prints them. */
static bool is_coordinate(const json_t *j)
{
	double x = json_number_value(j), h;

	if (!json_is_number(j) || x < 0 || x > 100000)
		return false;
	h = x * 100 - (double)(long long)(x * 100 + 0.5);
	return json_is_integer(j) || (h > -1e-6 && h < 1e-6);
}

static void check_box(struct vctx *v, const json_t *j)
{
	json_t *page = json_array_get(j, 0);
	bool ok = json_is_array(j) && json_array_size(j) == 5 && json_is_integer(page) &&
	          json_integer_value(page) >= 1 && json_integer_value(page) <= 100000;

	for (size_t i = 1; ok && i < 5; i++)
		ok = is_coordinate(json_array_get(j, i));
	if (!ok)
		verr(v, "a box is [page, x0, y0, x1, y1]: page from 1, coordinates in points "
		        "(0 to 100000, at most 2 decimals)");
}

static void check_field(struct vctx *v, const struct db_field *f, const json_t *j)
{
	switch (f->type) {
	case DB_FT_TEXT:
		check_text(v, j, f->prose);
		break;
	case DB_FT_URL:
		check_url(v, j);
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
	case DB_FT_TTYPE:
		check_table_type(v, j);
		break;
	case DB_FT_HEX64:
		if (!json_is_string(j) || !is_hex64(json_string_value(j)))
			verr(v, "expected a SHA-256 as 64 lower-case hex digits");
		break;
	case DB_FT_BOX:
		check_box(v, j);
		break;
	}
}

/* ---- shape ---- */

static void check_object(struct vctx *v, const struct db_entity *e, json_t *obj);

static bool in_version(const struct vctx *v, unsigned only)
{
	return only == 0 || (only & v->version) != 0;
}

/* Which versions know key here: 0 for none. */
static unsigned known_in(const struct db_entity *e, const char *key)
{
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++)
		if (strcmp(f->key, key) == 0)
			return f->only ? f->only : DB_VALL;
	for (const struct db_entity *const *c = e->children; c != NULL && *c != NULL; c++)
		if (strcmp((*c)->key, key) == 0)
			return (*c)->only ? (*c)->only : DB_VALL;
	return 0;
}

static void unknown_field(struct vctx *v, const struct db_entity *e, const char *key)
{
	unsigned in = known_in(e, key);
	size_t old = push_key(v, key);

	if (in == 0)
		verr(v, "unknown field \"%s\"", key);
	else if (strcmp(key, "number") == 0 && e->key != NULL && strcmp(e->key, "tables") == 0)
		verr(v, "unknown field \"number\": format 2 calls a table's number \"position\"");
	else if (in == DB_V2)
		verr(v, "unknown field \"%s\" in format 1: it is new in \"%s\"", key, DB_FORMAT_V2);
	else
		verr(v, "unknown field \"%s\" (only in format 1)", key);
	pop(v, old);
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
			check_text(v, item, e->prose);
		else
			check_dec(v, item, e->sign);
		pop(v, old);
	}
}

static void check_map(struct vctx *v, const struct db_entity *e, json_t *obj)
{
	const char *key;
	json_t *val;

	if (!json_is_object(obj)) {
		verr(v, "expected an object of column key -> %s",
		     e->shape == DB_SH_BOX_MAP ? "[page, x0, y0, x1, y1]" : "decimal string");
		return;
	}
	json_object_foreach (obj, key, val) {
		size_t old = push_key(v, key);

		if (!is_key(key))
			verr(v, "\"%s\" is not a column key (lower-case letters, digits, _)", key);
		else if (e->shape == DB_SH_BOX_MAP)
			check_box(v, val);
		else
			check_dec(v, val, e->sign);
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
	case DB_SH_BOX_MAP:
		check_map(v, c, j);
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
	json_object_foreach (obj, key, val)
		if ((known_in(e, key) & v->version) == 0)
			unknown_field(v, e, key);
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
		if (!in_version(v, f->only))
			continue;
		val = json_object_get(obj, f->key);
		if (json_is_null(val)) {
			null_field(v, f->key);
			continue;
		}
		if (val == NULL) {
			if ((f->req & v->version) != 0)
				verr(v, "missing required field \"%s\"", f->key);
			continue;
		}
		size_t old = push_key(v, f->key);
		check_field(v, f, val);
		pop(v, old);
	}
	for (const struct db_entity *const *c = e->children; c != NULL && *c != NULL; c++) {
		if (!in_version(v, (*c)->only))
			continue;
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

/* Each box names a column of the table, or the row's name. */
static void check_boxes(struct vctx *v, json_t *cols, json_t *boxes)
{
	const char *key;
	json_t *val;

	json_object_foreach (boxes, key, val) {
		size_t old = push_key(v, "boxes");

		push_key(v, key);
		if (strcmp(key, "name") != 0 && find_by(cols, "key", key) == NULL)
			verr(v, "a box names a column of this table or \"name\"; no column \"%s\"",
			     key);
		pop(v, old);
	}
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
	/* Format 1 only: format 2 keeps a row's printed level even where it disagrees. */
	if (v->version == DB_V1 && is_present(codes) && is_present(level) &&
	    json_integer_value(level) != (json_int_t)code_parts(codes))
		verr(v, "level %lld does not match %zu codes", (long long)json_integer_value(level),
		     code_parts(codes));
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
	check_boxes(v, cols, json_object_get(row, "boxes"));
}

static bool is_unit(const char *s)
{
	static const char *const units[] = { "元", "万元", "千元", "亿元" };

	for (size_t i = 0; s != NULL && i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s, units[i]) == 0)
			return true;
	return false;
}

static void check_table(struct vctx *v, json_t *table, json_t *projects)
{
	json_t *cols = json_object_get(table, "columns"), *rows = json_object_get(table, "rows");
	json_t *col, *row;
	size_t i, sided = 0;
	size_t old = push_key(v, "columns");

	check_unique(v, cols, "key", "column key");
	if (json_array_size(cols) == 0)
		verr(v, "a table needs at least one column");
	pop(v, old);
	json_array_foreach (cols, i, col)
		sided += str(col, "side") != NULL;
	if (sided != 0 && sided != json_array_size(cols))
		verr(v, "either every column has a \"side\" or none does");
	/* A format 1 table without a unit takes the document's, which must then be one too. */
	if (v->version == DB_V2 || str(table, "unit") != NULL) {
		if (!is_unit(str(table, "unit"))) {
			old = push_key(v, "unit");
			verr(v, "a table's unit is one of \"元\", \"万元\", \"千元\", \"亿元\"");
			pop(v, old);
		}
	} else if (!is_unit(v->doc_unit)) {
		verr(v,
		     "this table has no \"unit\" and the document's, \"%s\", is not one of "
		     "\"元\", \"万元\", \"千元\", \"亿元\": give the table its own",
		     v->doc_unit ? v->doc_unit : "");
	}
	/* Rows are positional: a name may repeat (under another heading), nothing to check. */
	json_array_foreach (rows, i, row) {
		old = push_key(v, "rows");
		push_index(v, i);
		check_row(v, table, row, projects, sided != 0);
		pop(v, old);
	}
}

/* The table a project's economic breakdown refers to: 一般公共预算项目支出情况表 by type (or
 * title), else 表七 in a format 1 file. */
static json_t *project_table(json_t *tables)
{
	const struct db_table_type *tt;
	json_t *t;
	size_t i;

	json_array_foreach (tables, i, t) {
		const char *type = str(t, "type");
		if (type == NULL && (tt = db_table_type_match(str(t, "title"))) != NULL)
			type = tt->id;
		if (same_str(type, "budget_project"))
			return t;
	}
	json_array_foreach (tables, i, t)
		if (json_integer_value(json_object_get(t, "number")) == 7)
			return t;
	return NULL;
}

/* t7: the project table (project_table()), NULL when there is none. */
static void check_project(struct vctx *v, json_t *p, json_t *t7)
{
	bool withheld = json_is_true(json_object_get(p, "withheld"));
	const char *name = str(p, "name");
	const char *key;
	json_t *val;

	if (!withheld && name == NULL)
		verr(v,
		     "a project needs a \"name\", or \"withheld\": true when it is not published");
	if (withheld && name != NULL)
		verr(v,
		     "a withheld project has no published name: remove \"name\" or \"withheld\"");
	json_object_foreach (json_object_get(p, "economic"), key, val) {
		if (t7 == NULL || find_by(json_object_get(t7, "columns"), "key", key) == NULL) {
			size_t old = push_key(v, "economic");
			push_key(v, key);
			verr(v,
			     "\"%s\" is not a column of the project table (表七, budget_project)",
			     key);
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

/* Format 1 only: format 2 keeps an indicator as printed even if its parts disagree. */
static void indicator_cb(struct vctx *v, json_t *ind, void *unused)
{
	(void)unused;
	if (v->version == DB_V1)
		check_indicator(v, ind);
}

static void table_cb(struct vctx *v, json_t *t, void *projects)
{
	check_table(v, t, projects);
}

static void project_cb(struct vctx *v, json_t *p, void *t7)
{
	check_project(v, p, t7);
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

	if (v->version == DB_V1)
		check_unique_in(v, root, "tables", "number", "table number");
	else
		check_unique_in(v, root, "tables", "position", "table position");
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
	/* Found once, not per project: matching titles to types was half of validating. */
	each(v, root, "projects", project_cb, project_table(tables));
}

int old_validate(json_t *root, const char *name, const char *text, size_t len, db_report_fn report,
                 void *ctx)
{
	struct vctx v = { .name = name, .text = text, .len = len, .report = report, .rctx = ctx };

	strcpy(v.path, "$");
	v.plen = 1;
	v.version = same_str(str(root, "format"), DB_FORMAT_V1) ? DB_V1 : DB_V2;
	v.doc_unit = str(root, "unit");
	check_object(&v, &db_model_document, root);
	if (v.errors == 0)
		check_rules(&v, root);
	return v.errors;
}
