// SPDX-License-Identifier: MIT
// audit_run and what every rule shares: exact amounts, places, findings.
#include "internal.h"

#include <stdio.h>
#include <string.h>

const char *audit_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

int audit_dec(const json_t *v, int64_t *out)
{
	const char *s = json_string_value(v);

	return s != NULL ? db_dec_parse_printed(s, true, out) : -1;
}

int audit_decimals(const char *s)
{
	const char *dot = s != NULL ? strchr(s, '.') : NULL;

	return dot != NULL ? (int)strlen(dot + 1) : 0;
}

int64_t audit_unit_factor(const char *unit)
{
	static const struct {
		const char *name;
		int64_t factor;
	} units[] = { { "元", 1 }, { "千元", 1000 }, { "万元", 10000 }, { "亿元", 100000000 } };

	for (size_t i = 0; unit != NULL && i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].name) == 0)
			return units[i].factor;
	return 0;
}

size_t audit_fmt(audit_amt v, char *buf, size_t size)
{
	char digits[64];
	unsigned __int128 u = v < 0 ? (unsigned __int128)(-v) : (unsigned __int128)v;
	int n = 0, frac = DB_DEC_DIGITS;
	size_t len = 0;

	do {
		digits[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u != 0 || n <= DB_DEC_DIGITS);
	while (frac > 0 && digits[DB_DEC_DIGITS - frac] == '0')
		frac--; /* trailing zeros of the fraction */
	if (v < 0 && len + 1 < size)
		buf[len++] = '-';
	for (int i = n - 1; i >= DB_DEC_DIGITS && len + 1 < size; i--)
		buf[len++] = digits[i];
	if (frac > 0 && len + 1 < size)
		buf[len++] = '.';
	for (int i = DB_DEC_DIGITS - 1; i >= DB_DEC_DIGITS - frac && len + 1 < size; i--)
		buf[len++] = digits[i];
	buf[len] = '\0';
	return len;
}

void audit_codes(const json_t *codes, char buf[16])
{
	size_t i, len = 0;
	json_t *c;

	buf[0] = '\0';
	if (json_is_string(codes)) {
		snprintf(buf, 16, "%s", json_string_value(codes));
		return;
	}
	json_array_foreach (codes, i, c) {
		const char *s = json_string_value(c);
		if (s == NULL || len + strlen(s) >= 16)
			break;
		memcpy(buf + len, s, strlen(s) + 1);
		len += strlen(s);
	}
}

int audit_table_position(const json_t *t)
{
	json_t *p = json_object_get(t, "position");

	if (p == NULL)
		p = json_object_get(t, "number");
	return json_is_integer(p) ? (int)json_integer_value(p) : 0;
}

void audit_table_label(const json_t *t, char *buf, size_t size)
{
	static const char *const digit[] = { "",   "一", "二", "三", "四",
		                             "五", "六", "七", "八", "九" };
	int n = audit_table_position(t);

	if (n <= 0 || n > 99)
		snprintf(buf, size, "表");
	else if (n < 10)
		snprintf(buf, size, "表%s", digit[n]);
	else
		snprintf(buf, size, "表%s十%s", n / 10 == 1 ? "" : digit[n / 10], digit[n % 10]);
}

const json_t *audit_table_of_type(const struct audit_ctx *c, const char *type, const char *type2)
{
	for (size_t i = 0; i < c->ntabs; i++) {
		const char *ty = c->tabs[i].type;
		if (strcmp(ty, type) == 0 || (type2 != NULL && strcmp(ty, type2) == 0))
			return c->tabs[i].t;
	}
	return NULL;
}

bool audit_within(audit_amt a, audit_amt b, audit_amt tol)
{
	audit_amt d = a - b;

	return (d < 0 ? -d : d) <= tol;
}

static const json_t *column_of(const struct audit_ctx *c, const json_t *t, const char *key)
{
	const struct audit_table *x = audit_tab(c, t);
	const json_t *cols = json_object_get(t, "columns");
	size_t i;
	json_t *col;

	if (x != NULL && key != NULL && key[0] != '\0') { /* by the index's keys */
		i = audit_column(x, key);
		return i < x->ncols ? json_array_get(cols, i) : NULL;
	}
	json_array_foreach (cols, i, col)
		if (key != NULL &&
		    strcmp(audit_str(col, "key") ? audit_str(col, "key") : "", key) == 0)
			return col;
	return NULL;
}

/* Whether s[0..n) is UTF-8 as jansson's json_string() accepts it: no overlong form, no
 * surrogate, nothing past U+10FFFF. Its own check called a function per character and was a
 * third of a finding's cost (issue #17); ASCII here is one comparison a byte. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], len, v;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xe0 && c <= 0xef && n - i >= 3 && (s[i + 1] & 0xc0) == 0x80 &&
		    (s[i + 2] & 0xc0) == 0x80) {
			/* 汉字, the common case: no overlong form (e0 below a0), no surrogate
			 * (ed from a0) */
			if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] >= 0xa0))
				return false;
			i += 3;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, v = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, v = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, v = c & 0x07;
		else
			return false;
		if (n - i < len)
			return false;
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			v = (v << 6) | (s[i + k] & 0x3f);
		}
		if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) || (len == 3 && v < 0x800) ||
		    (len == 4 && v < 0x10000))
			return false;
		i += len;
	}
	return true;
}

/* json_string(s): NULL for NULL or for what is not UTF-8, as there. */
static json_t *str(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (s == NULL || !utf8_ok((const unsigned char *)s, n))
		return NULL;
	return json_stringn_nocheck(s, n);
}

/* Every key a finding has is an ASCII literal: jansson need not check it. */
static int set(json_t *obj, const char *key, json_t *v)
{
	return v == NULL ? -1 : json_object_set_new_nocheck(obj, key, v);
}

/* {key: v}, stealing v; NULL when v is NULL or memory runs out. json_pack("{s:i}") was a
 * format parsed for every part of every finding's place (issue #17). */
static json_t *one(const char *key, json_t *v)
{
	json_t *o = v != NULL ? json_object() : NULL;

	if (o == NULL) {
		json_decref(v);
		return NULL;
	}
	if (json_object_set_new_nocheck(o, key, v) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *place_json(const struct audit_ctx *c, const struct audit_place *p)
{
	json_t *pl = json_object(), *box = (json_t *)p->box, *t = (json_t *)p->table;
	int rc = pl == NULL ? -1 : 0;

	if (rc == 0 && t != NULL) {
		json_t *tj = one("position", json_integer(audit_table_position(t)));
		const struct audit_table *x = audit_tab(c, t);
		const char *ty = x != NULL ? x->type : audit_str(t, "type");
		if (ty == NULL) {
			const struct db_table_type *m = db_table_type_match(audit_str(t, "title"));
			ty = m != NULL ? m->id : "other";
		}
		rc |= set(tj, "type", str(ty));
		if (audit_str(t, "title") != NULL)
			rc |= set(tj, "title", str(audit_str(t, "title")));
		rc |= set(pl, "table", tj);
		json_t *row =
		    p->row >= 0 ? json_array_get(json_object_get(t, "rows"), (size_t)p->row) : NULL;
		if (row != NULL) {
			char codes[16];
			json_t *rj = one("index", json_integer(p->row));
			audit_codes(json_object_get(row, "codes"), codes);
			if (codes[0])
				rc |= set(rj, "codes", str(codes));
			if (audit_str(row, "name") != NULL)
				rc |= set(rj, "name", str(audit_str(row, "name")));
			rc |= set(pl, "row", rj);
			json_t *boxes = json_object_get(row, "boxes");
			if (box == NULL && p->column != NULL)
				box = json_object_get(boxes, p->column);
			if (box == NULL)
				box = json_object_get(boxes, "name");
		}
		const json_t *col = column_of(c, t, p->column);
		if (col != NULL) {
			json_t *cj = one("key", str(p->column));
			if (audit_str(col, "title") != NULL)
				rc |= set(cj, "title", str(audit_str(col, "title")));
			rc |= set(pl, "column", cj);
		}
		if (box == NULL)
			box = json_object_get(t, "box");
	}
	if (rc == 0 && p->section >= 0) {
		json_t *s =
		    json_array_get(json_object_get(c->doc, "explanations"), (size_t)p->section);
		json_t *sj = one("index", json_integer(p->section));
		if (audit_str(s, "key") != NULL)
			rc |= set(sj, "key", str(audit_str(s, "key")));
		if (audit_str(s, "title") != NULL)
			rc |= set(sj, "title", str(audit_str(s, "title")));
		rc |= set(pl, "section", sj);
		if (box == NULL && !p->no_page)
			box = json_object_get(s, "box");
		if (box == NULL && !p->no_page && json_is_integer(json_object_get(s, "page")))
			rc |= set(pl, "page", json_copy(json_object_get(s, "page")));
	}
	if (rc == 0 && p->section < 0 && p->section_title != NULL)
		rc |= set(pl, "section", one("title", str(p->section_title)));
	if (rc == 0 && p->quote != NULL)
		rc |= set(pl, "quote", str(p->quote));
	if (rc == 0 && json_is_array(box) && json_is_integer(json_array_get(box, 0))) {
		rc |= set(pl, "page", json_copy(json_array_get(box, 0)));
		rc |= set(pl, "box", json_deep_copy(box));
	}
	if (rc != 0) {
		json_decref(pl);
		return NULL;
	}
	return pl;
}

void audit_add(struct audit_ctx *c, const char *id, const struct audit_place *p, const char *msg_zh,
               const char *msg_en, bool numbers, audit_amt expected, audit_amt actual,
               const char *unit)
{
	const struct audit_rule *r = audit_rule_find(id);
	json_t *f, *pl = place_json(c, p);
	char buf[64];
	int rc;

	if (r == NULL || pl == NULL) {
		json_decref(pl);
		c->oom = true;
		return;
	}
	/* members in this order: the finding's body is stored as written (db/finding.c) */
	f = one("rule", str(r->id));
	rc = f == NULL ? -1 : 0;
	rc |= set(f, "family", str(r->family));
	rc |= set(f, "severity", str(r->severity));
	rc |= set(f, "message_zh", str(msg_zh));
	rc |= set(f, "message_en", str(msg_en));
	rc |= json_object_set_new_nocheck(f, "place", pl); /* stolen, even on failure */
	if (rc == 0 && numbers) {
		audit_fmt(expected, buf, sizeof(buf));
		rc |= set(f, "expected", str(buf));
		audit_fmt(actual, buf, sizeof(buf));
		rc |= set(f, "actual", str(buf));
		audit_fmt(actual - expected, buf, sizeof(buf));
		rc |= set(f, "difference", str(buf));
		rc |= set(f, "unit", str(unit));
	}
	if (rc != 0 || json_array_append_new(c->out, f) != 0) {
		if (rc != 0)
			json_decref(f);
		c->oom = true;
	}
}

json_t *audit_run(const json_t *doc, struct audit_error *err)
{
	struct audit_ctx c = { .doc = doc };
	json_t *year = json_object_get(doc, "year");

	c.out = json_array();
	if (c.out == NULL) {
		snprintf(err->text, sizeof(err->text), "out of memory");
		return NULL;
	}
	if (!json_is_object(doc))
		return c.out;
	c.unit = audit_str(doc, "unit") ? audit_str(doc, "unit") : "万元";
	c.year = json_is_integer(year) ? (int)json_integer_value(year) : 0;
	c.final = audit_str(doc, "kind") != NULL && strcmp(audit_str(doc, "kind"), "final") == 0;
	if (audit_index(&c) != 0)
		c.oom = true;
	else {
		audit_tables(&c);
		audit_cross(&c);
		audit_text(&c);
		audit_document(&c);
	}
	audit_index_free(&c);
	if (c.oom) {
		json_decref(c.out);
		snprintf(err->text, sizeof(err->text), "out of memory");
		return NULL;
	}
	return c.out;
}

audit_amt audit_half_digit(const char *s)
{
	int d = audit_decimals(s);
	audit_amt half = 5;

	if (d >= DB_DEC_DIGITS)
		return 0;
	for (int k = d + 1; k < DB_DEC_DIGITS; k++)
		half *= 10;
	return half;
}
