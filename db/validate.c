// SPDX-License-Identifier: MIT
// Validation of an import document: first its shape against the model (types, required and
// unknown fields, per format version), then the rules that span fields (unique positions and
// keys, amounts that name real columns, withheld projects). Nothing is refused for not adding
// up. Every problem is reported with its JSON path and, where the text allows, its line and
// column.
#include "internal.h"
#include "model.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* Whether the character starting at s is one bad_char() refuses, by its bytes: one below
 * 0x20 or 0x7F, or the start of U+0080..U+009F (C2 80..9F), U+2028..U+202E (E2 80 A8..AE) or
 * U+2066..U+2069 (E2 81 A6..A9). s[1] and s[2] are read only while they continue it. */
static bool bad_bytes(const unsigned char *s, bool prose)
{
	unsigned c = s[0];

	if (c < 0x20)
		return !(prose && (c == '\t' || c == '\n'));
	if (c == 0x7F || (c == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F))
		return true;
	return c == 0xE2 && ((s[1] == 0x80 && s[2] >= 0xA8 && s[2] <= 0xAE) ||
	                     (s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9));
}

#define BYTES(b) (0x0101010101010101u * (b))

/* Whether one of the 8 bytes in w is below 0x20, or 0x7F, 0xC2 or 0xE2: the bytes that start
 * every character bad_bytes() looks at ("has less" and "has zero" of Bit Twiddling Hacks). */
static bool suspect_word(uint64_t w)
{
	uint64_t x7f = w ^ BYTES(0x7F), xc2 = w ^ BYTES(0xC2), xe2 = w ^ BYTES(0xE2);
	uint64_t hit = ((w - BYTES(0x20)) & ~w) | ((x7f - BYTES(1)) & ~x7f) |
	               ((xc2 - BYTES(1)) & ~xc2) | ((xe2 - BYTES(1)) & ~xe2);

	return (hit & BYTES(0x80)) != 0;
}

/* Whether text (len bytes, NUL-terminated) may hold a character bad_char() refuses. Decoding
 * every character of every text was a third of validating (#17): this reads 8 bytes at a
 * time, and only a text it finds suspect is decoded, by check_chars(), which names the
 * character and its place as before. */
static bool may_have_bad_char(const char *text, size_t len, bool prose)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len;
	uint64_t w;

	for (; end - s >= 8; s += 8) {
		memcpy(&w, s, sizeof(w));
		for (int k = 0; suspect_word(w) && k < 8; k++)
			if (bad_bytes(s + k, prose))
				return true;
	}
	for (; s < end; s++)
		if (bad_bytes(s, prose))
			return true;
	return false;
}

static void check_text(struct vctx *v, const json_t *j, bool prose)
{
	/* A text has at most as many characters as bytes: counted only when it may be long. */
	if (!json_is_string(j))
		verr(v, "expected a string");
	else if (json_string_length(j) == 0)
		verr(v, "must not be empty (leave the field out instead)");
	else if (json_string_length(j) > 65536 && utf8_chars(json_string_value(j)) > 65536)
		verr(v, "text longer than 65536 characters");
	else if (may_have_bad_char(json_string_value(j), json_string_length(j), prose))
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

/* The model's keys, found once per process. check_object() walks an object's own keys once,
 * finding each in its entity's table, instead of looking every field and child of the model
 * up in the object and every key of the object up in the model: a row knows 11 keys and
 * holds about 3, and those lookups were most of validating the shape (#17). One node per
 * entity, mirroring the model's tree; built once for every thread. */
#define VKEYS_MAX 32 /* keys of one entity: the document has 21 */
#define VHASH 64 /* hash slots of one entity: a power of two, at least twice VKEYS_MAX */
#define VNODES_MAX 64 /* entities: the model has 35 */

struct vnode {
	const struct db_entity *e;
	size_t n_keys, n_fields, n_kids;
	const char *key[VKEYS_MAX]; /* each known key once, the fields' first (as known_in()) */
	unsigned in[VKEYS_MAX]; /* known_in() of each key */
	unsigned char field_key[VKEYS_MAX], kid_key[VKEYS_MAX]; /* field i's, child i's key */
	const struct vnode *kid[VKEYS_MAX];
	unsigned char slot[VHASH]; /* 1 + the index in key[] of the key hashed there, 0: none */
};

static struct vnode vnodes[VNODES_MAX];
static size_t n_vnodes;
static const struct vnode *vroot; /* NULL: the model outgrew the limits above */
static pthread_once_t vnodes_once = PTHREAD_ONCE_INIT;

static unsigned vhash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The index in n->key[] of key, or -1 when the entity does not know it. */
static int vfind(const struct vnode *n, const char *key)
{
	for (unsigned i = vhash(key);; i++) {
		unsigned s = n->slot[i & (VHASH - 1)];
		if (s == 0)
			return -1;
		if (strcmp(n->key[s - 1], key) == 0)
			return (int)s - 1;
	}
}

/* Adds key, known in the versions `in`, unless it is there; its index, -1 when full. */
static int vadd(struct vnode *n, const char *key, unsigned in)
{
	int k = vfind(n, key);
	unsigned i;

	if (k >= 0)
		return k;
	if (n->n_keys == VKEYS_MAX)
		return -1;
	for (i = vhash(key); n->slot[i & (VHASH - 1)] != 0; i++)
		;
	n->key[n->n_keys] = key;
	n->in[n->n_keys] = in;
	n->slot[i & (VHASH - 1)] = (unsigned char)++n->n_keys;
	return (int)n->n_keys - 1;
}

static const struct vnode *vbuild(const struct db_entity *e)
{
	struct vnode *n = n_vnodes < VNODES_MAX ? &vnodes[n_vnodes++] : NULL;
	int k;

	if (n == NULL)
		return NULL;
	n->e = e;
	for (const struct db_field *f = e->fields; f != NULL && f->key != NULL; f++) {
		if (n->n_fields == VKEYS_MAX ||
		    (k = vadd(n, f->key, f->only ? f->only : DB_VALL)) < 0)
			return NULL;
		n->field_key[n->n_fields++] = (unsigned char)k;
	}
	for (const struct db_entity *const *c = e->children; c != NULL && *c != NULL; c++) {
		if (n->n_kids == VKEYS_MAX ||
		    (k = vadd(n, (*c)->key, (*c)->only ? (*c)->only : DB_VALL)) < 0 ||
		    (n->kid[n->n_kids] = vbuild(*c)) == NULL)
			return NULL;
		n->kid_key[n->n_kids++] = (unsigned char)k;
	}
	return n;
}

/* Where check_row() finds a row's fields among the values row_values() gives. */
static struct {
	const struct vnode *n;
	int side, kind, level, codes, name, project, amounts, boxes;
} vrow;

static const struct vnode *vkid(const struct vnode *n, const char *key)
{
	for (size_t i = 0; n != NULL && i < n->n_kids; i++)
		if (strcmp(n->kid[i]->e->key, key) == 0)
			return n->kid[i];
	return NULL;
}

static void vbuild_model(void)
{
	const struct vnode *root = vbuild(&db_model_document), *n;

	if ((n = vrow.n = vkid(vkid(root, "tables"), "rows")) == NULL)
		return;
	vrow.side = vfind(n, "side");
	vrow.kind = vfind(n, "kind");
	vrow.level = vfind(n, "level");
	vrow.codes = vfind(n, "codes");
	vrow.name = vfind(n, "name");
	vrow.project = vfind(n, "project");
	vrow.amounts = vfind(n, "amounts");
	vrow.boxes = vfind(n, "boxes");
	if (vrow.side >= 0 && vrow.kind >= 0 && vrow.level >= 0 && vrow.codes >= 0 &&
	    vrow.name >= 0 && vrow.project >= 0 && vrow.amounts >= 0 && vrow.boxes >= 0)
		vroot = root;
}

static void check_object(struct vctx *v, const struct vnode *n, json_t *obj);

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

static void check_list(struct vctx *v, const struct vnode *n, json_t *arr)
{
	const struct db_entity *e = n->e;
	size_t i;
	json_t *item;

	if (!json_is_array(arr)) {
		verr(v, "expected an array");
		return;
	}
	json_array_foreach (arr, i, item) {
		size_t old = push_index(v, i);

		if (e->shape == DB_SH_ROWS)
			check_object(v, n, item);
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

static void check_child(struct vctx *v, const struct vnode *c, json_t *j)
{
	switch (c->e->shape) {
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
		check_map(v, c->e, j);
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

/* Reports obj's keys unknown here (in obj's order) and sets val[k] to the value of n's key
 * k, NULL when obj does not have it: what json_object_get() would give for each. */
static void gather(struct vctx *v, const struct vnode *n, json_t *obj, json_t **val)
{
	const char *key;
	json_t *j;

	for (size_t k = 0; k < n->n_keys; k++)
		val[k] = NULL;
	json_object_foreach (obj, key, j) {
		int k = vfind(n, key);
		if (k < 0 || (n->in[k] & v->version) == 0)
			unknown_field(v, n->e, key);
		if (k >= 0)
			val[k] = j;
	}
}

static void check_fields(struct vctx *v, const struct vnode *n, json_t *const *val)
{
	for (size_t i = 0; i < n->n_fields; i++) {
		const struct db_field *f = &n->e->fields[i];
		json_t *j = val[n->field_key[i]];
		if (!in_version(v, f->only))
			continue;
		if (json_is_null(j)) {
			null_field(v, f->key);
			continue;
		}
		if (j == NULL) {
			if ((f->req & v->version) != 0)
				verr(v, "missing required field \"%s\"", f->key);
			continue;
		}
		size_t old = push_key(v, f->key);
		check_field(v, f, j);
		pop(v, old);
	}
}

static void check_kids(struct vctx *v, const struct vnode *n, json_t *const *val)
{
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct vnode *c = n->kid[i];
		json_t *j = val[n->kid_key[i]];
		if (!in_version(v, c->e->only))
			continue;
		if (json_is_null(j)) {
			null_field(v, c->e->key);
			continue;
		}
		if (j == NULL) {
			if (c->e->required)
				verr(v, "missing required field \"%s\"", c->e->key);
			continue;
		}
		size_t old = push_key(v, c->e->key);
		check_child(v, c, j);
		pop(v, old);
	}
}

static void check_object(struct vctx *v, const struct vnode *n, json_t *obj)
{
	json_t *val[VKEYS_MAX];

	if (!json_is_object(obj)) {
		verr(v, "expected an object");
		return;
	}
	gather(v, n, obj, val);
	check_fields(v, n, val);
	check_kids(v, n, val);
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

/* Reports a duplicate of field `key` among the objects of arr, naming `what`. Each object's
 * field is looked up once, not once per pair. */
static void check_unique(struct vctx *v, json_t *arr, const char *key, const char *what)
{
	size_t i, k, n = json_array_size(arr);
	json_t **ks = n > 0 ? malloc(n * sizeof(*ks)) : NULL, *a, *ka;

	if (n > 0 && ks == NULL) {
		verr(v, "out of memory");
		return;
	}
	json_array_foreach (arr, i, a)
		ks[i] = json_object_get(a, key);
	for (i = 0; i < n; i++) {
		ka = ks[i];
		for (k = 0; k < i; k++) {
			if (ka != NULL && json_equal(ka, ks[k])) {
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
	free(ks);
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

/* A table's columns as the rules read them, their keys and sides found once per table, not
 * once per amount of every row (#17). */
struct tcols {
	size_t n;
	const char **key, **side;
};

static int tcols_init(struct vctx *v, struct tcols *tc, json_t *cols)
{
	size_t i;
	json_t *col;

	tc->n = json_array_size(cols);
	tc->key = tc->n > 0 ? malloc(tc->n * sizeof(*tc->key)) : NULL;
	tc->side = tc->n > 0 ? malloc(tc->n * sizeof(*tc->side)) : NULL;
	if (tc->n > 0 && (tc->key == NULL || tc->side == NULL)) {
		verr(v, "out of memory");
		return -1;
	}
	json_array_foreach (cols, i, col) {
		tc->key[i] = str(col, "key");
		tc->side[i] = str(col, "side");
	}
	return 0;
}

static void tcols_free(struct tcols *tc)
{
	free(tc->key);
	free(tc->side);
}

/* The first column whose key is key (find_by()'s), or -1. */
static long tcol(const struct tcols *tc, const char *key)
{
	for (size_t i = 0; i < tc->n; i++)
		if (tc->key[i] != NULL && strcmp(tc->key[i], key) == 0)
			return (long)i;
	return -1;
}

/* Each box names a column of the table, or the row's name. */
static void check_boxes(struct vctx *v, const struct tcols *tc, json_t *boxes)
{
	const char *key;
	json_t *val;

	json_object_foreach (boxes, key, val) {
		size_t old = push_key(v, "boxes");

		push_key(v, key);
		if (strcmp(key, "name") != 0 && tcol(tc, key) < 0)
			verr(v, "a box names a column of this table or \"name\"; no column \"%s\"",
			     key);
		pop(v, old);
	}
}

/* A row's values, one walk of its keys: what json_object_get() gives for each key of rows. */
static void row_values(json_t *row, json_t **val)
{
	const char *key;
	json_t *j;
	int k;

	for (size_t i = 0; i < vrow.n->n_keys; i++)
		val[i] = NULL;
	json_object_foreach (row, key, j)
		if ((k = vfind(vrow.n, key)) >= 0)
			val[k] = j;
}

static void check_amounts(struct vctx *v, const struct tcols *tc, json_t *amounts, bool sided,
                          const char *side)
{
	const char *key;
	json_t *val;

	json_object_foreach (amounts, key, val) {
		long c = tcol(tc, key);
		size_t old = push_key(v, "amounts");

		push_key(v, key);
		if (c < 0)
			verr(v, "no column \"%s\" in this table", key);
		else if (sided && !same_str(tc->side[c], side))
			verr(v, "column \"%s\" is on the other side of the table", key);
		pop(v, old);
	}
}

static void check_row(struct vctx *v, const struct tcols *tc, json_t *row, json_t *projects,
                      bool sided)
{
	json_t *val[VKEYS_MAX];
	json_t *codes, *level;
	const char *side, *project;

	row_values(row, val);
	codes = val[vrow.codes];
	level = val[vrow.level];
	side = json_string_value(val[vrow.side]);
	project = json_string_value(val[vrow.project]);
	if (sided && side == NULL)
		verr(v, "this table has income and expenditure sides: the row needs \"side\"");
	if (!sided && side != NULL)
		verr(v, "\"side\" is only for tables whose columns have sides");
	/* Format 1 only: format 2 keeps a row's printed level even where it disagrees. */
	if (v->version == DB_V1 && is_present(codes) && is_present(level) &&
	    json_integer_value(level) != (json_int_t)code_parts(codes))
		verr(v, "level %lld does not match %zu codes", (long long)json_integer_value(level),
		     code_parts(codes));
	if (json_string_value(val[vrow.name]) == NULL && project == NULL && !is_present(codes) &&
	    !same_str(json_string_value(val[vrow.kind]), "total"))
		verr(v, "a row needs a name, codes or a project (only a total row may have none)");
	if (project != NULL && find_by(projects, "id", project) == NULL)
		verr(v, "project \"%s\" is not in \"projects\"", project);
	check_amounts(v, tc, val[vrow.amounts], sided, side);
	check_boxes(v, tc, val[vrow.boxes]);
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
	json_t *row;
	size_t i, sided = 0;
	size_t old = push_key(v, "columns");
	struct tcols tc = { 0 };

	check_unique(v, cols, "key", "column key");
	if (json_array_size(cols) == 0)
		verr(v, "a table needs at least one column");
	pop(v, old);
	if (tcols_init(v, &tc, cols) != 0) {
		tcols_free(&tc);
		return;
	}
	for (i = 0; i < tc.n; i++)
		sided += tc.side[i] != NULL;
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
		check_row(v, &tc, row, projects, sided != 0);
		pop(v, old);
	}
	tcols_free(&tc);
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

/* Whether value is op, number and unit joined (checked without joining them: snprintf() was
 * most of checking an indicator). Only under 512 bytes, where the join is not cut. */
static bool spells(const char *value, const char *op, const char *number, const char *unit)
{
	size_t lo = strlen(op), ln = strlen(number), lu = unit != NULL ? strlen(unit) : 0;

	return value != NULL && lo + ln + lu < 512 && strlen(value) == lo + ln + lu &&
	       memcmp(value, op, lo) == 0 && memcmp(value + lo, number, ln) == 0 &&
	       (lu == 0 || memcmp(value + lo + ln, unit, lu) == 0);
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
	if (op == NULL || spells(value, op, number, unit))
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

int db_validate(json_t *root, const char *name, const char *text, size_t len, db_report_fn report,
                void *ctx)
{
	struct vctx v = { .name = name, .text = text, .len = len, .report = report, .rctx = ctx };

	strcpy(v.path, "$");
	v.plen = 1;
	v.version = same_str(str(root, "format"), DB_FORMAT_V1) ? DB_V1 : DB_V2;
	v.doc_unit = str(root, "unit");
	pthread_once(&vnodes_once, vbuild_model);
	if (vroot == NULL) {
		verr(&v, "the model does not fit the validator's tables (db/validate.c "
		         "vbuild_model())");
		return v.errors;
	}
	check_object(&v, vroot, root);
	if (v.errors == 0)
		check_rules(&v, root);
	return v.errors;
}
