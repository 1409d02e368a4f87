// SPDX-License-Identifier: MIT
// A fast parse of import files into the jansson tree json_loadb(JSON_REJECT_DUPLICATES) builds
// (issue #17: jansson's lexer spends ~200 instructions a byte). Valid input only: on anything
// else it gives up and db_doc_parse asks jansson, whose message, line and column are reported.
#include "internal.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* jansson counts every value it enters, scalars too, and refuses the 2049th level. */
#define MAX_DEPTH 2048

struct jp {
	const unsigned char *p, *end;
	char *buf; /* strings with escapes are decoded here; owned */
	size_t cap;
};

static json_t *parse_value(struct jp *jp, int depth);

static void skip_ws(struct jp *jp)
{
	const unsigned char *p = jp->p;

	while (p < jp->end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	jp->p = p;
}

/* Whether the next character is c; consumes it and the white space before it if so. */
static bool eat(struct jp *jp, unsigned char c)
{
	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == c) {
		jp->p++;
		return true;
	}
	return false;
}

static int reserve(struct jp *jp, size_t n)
{
	char *more;

	if (n <= jp->cap)
		return 0;
	if ((more = realloc(jp->buf, n)) == NULL)
		return -1;
	jp->buf = more;
	jp->cap = n;
	return 0;
}

/* Eight bytes none of which is '"', '\\', a control character or part of a multi-byte
 * character. May say no for a plain word (the byte loop then takes it), never yes wrongly. */
static bool plain8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t w, q, b;

	memcpy(&w, p, 8);
	q = w ^ (ones * '"');
	b = w ^ (ones * '\\');
	return ((((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w) & high) == 0;
}

static bool cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* The length of the well-formed UTF-8 character at p (no overlong forms, surrogates or code
 * points past U+10FFFF, as jansson's utf8_check_full), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0], lo = 0x80, hi = 0xBF;

	if (c < 0xC2 || c > 0xF4)
		return 0;
	if (c < 0xE0)
		return end - p >= 2 && cont(p[1]) ? 2 : 0;
	if (c == 0xE0 || c == 0xF0)
		lo = c == 0xE0 ? 0xA0 : 0x90;
	if (c == 0xED || c == 0xF4)
		hi = c == 0xED ? 0x9F : 0x8F;
	if (c < 0xF0)
		return end - p >= 3 && p[1] >= lo && p[1] <= hi && cont(p[2]) ? 3 : 0;
	return end - p >= 4 && p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3]) ? 4 : 0;
}

/* A run of well-formed three-byte characters (U+0800..U+FFFF but for the surrogates: most of
 * the text of a disclosure, Chinese) from p, one test each; whatever else stops it. */
static const unsigned char *skip_cjk(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 3) {
		uint32_t w = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
		/* 1110xxxx 10xxxxxx 10xxxxxx, and not E0 (overlong below A0) or ED (surrogates
		 * from A0): those two take utf8_len's exact test. */
		if ((w & 0xC0C0F0) != 0x8080E0 || (w & 0x0F) == 0 || (w & 0x0F) == 0x0D)
			break;
		p += 3;
	}
	return p;
}

/* Bytes a string holds as they are: printable ASCII and DEL, but '"' and '\\'. */
#define P16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
#define QUOTE16 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 /* 0x20..0x2F, 0 for '"' */
#define BACKSLASH16 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1 /* 0x50..0x5F */
static const unsigned char ascii_plain[256] = { [0x20] = QUOTE16, P16, P16, BACKSLASH16, P16, P16 };

/* Finds the closing quote of the string whose text starts at jp->p, checking its UTF-8 and
 * control characters; the escapes are checked when decoded. Returns the quote, or NULL. */
static const unsigned char *string_end(struct jp *jp, bool *escaped)
{
	const unsigned char *p = jp->p, *end = jp->end;
	size_t n;

	for (;;) {
		while (end - p >= 8 && plain8(p))
			p += 8;
		while (p < end && ascii_plain[*p])
			p++;
		p = skip_cjk(p, end);
		if (p >= end)
			return NULL;
		if (*p == '"')
			return p;
		if (*p == '\\') {
			*escaped = true;
			if (end - p < 2)
				return NULL;
			p += 2;
		} else if (*p >= 0x80) {
			if ((n = utf8_len(p, end)) == 0)
				return NULL;
			p += n;
		} else if (*p < 0x20) {
			return NULL;
		} /* else plain ASCII after three-byte characters: round again */
	}
}

/* The value of four hex digits at p (at least four bytes before the quote), or -1. */
static long hex4(const unsigned char *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned c = p[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + c;
	}
	return v;
}

/* Decodes \uXXXX (and the low half of a surrogate pair) at *pp, which points past "\u", into
 * t. Returns the bytes written, or 0 for what jansson refuses: \u0000, a lone surrogate. */
static size_t unicode_escape(const unsigned char **pp, const unsigned char *q, char *t)
{
	const unsigned char *p = *pp;
	long v = q - p >= 4 ? hex4(p) : -1, lo;

	if (v <= 0 || (v >= 0xDC00 && v <= 0xDFFF))
		return 0;
	p += 4;
	if (v >= 0xD800 && v <= 0xDBFF) {
		if (q - p < 6 || p[0] != '\\' || p[1] != 'u' || (lo = hex4(p + 2)) < 0xDC00 ||
		    lo > 0xDFFF)
			return 0;
		p += 6;
		v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
	}
	*pp = p;
	if (v < 0x80) {
		t[0] = (char)v;
		return 1;
	}
	if (v < 0x800) {
		t[0] = (char)(0xC0 | v >> 6);
		t[1] = (char)(0x80 | (v & 0x3F));
		return 2;
	}
	if (v < 0x10000) {
		t[0] = (char)(0xE0 | v >> 12);
		t[1] = (char)(0x80 | (v >> 6 & 0x3F));
		t[2] = (char)(0x80 | (v & 0x3F));
		return 3;
	}
	t[0] = (char)(0xF0 | v >> 18);
	t[1] = (char)(0x80 | (v >> 12 & 0x3F));
	t[2] = (char)(0x80 | (v >> 6 & 0x3F));
	t[3] = (char)(0x80 | (v & 0x3F));
	return 4;
}

/* One escape at *pp (just past the backslash) into t: the bytes written, or 0 if invalid. */
static size_t escape(const unsigned char **pp, const unsigned char *q, char *t)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	unsigned c = *(*pp)++;

	if (c == 'u')
		return unicode_escape(pp, q, t);
	if (c == '\0' || (hit = strchr(from, (int)c)) == NULL)
		return 0;
	*t = to[hit - from];
	return 1;
}

/* Decodes the text from jp->p to the quote q into jp->buf: it never grows (an escape of two
 * bytes or more gives at most as many). Returns the length, or -1. */
static long decode(struct jp *jp, const unsigned char *q)
{
	const unsigned char *p = jp->p, *bs;
	char *t;
	size_t n;

	if (reserve(jp, (size_t)(q - p)) != 0)
		return -1;
	t = jp->buf;
	while ((bs = memchr(p, '\\', (size_t)(q - p))) != NULL) {
		memcpy(t, p, (size_t)(bs - p));
		t += bs - p;
		p = bs + 1;
		if ((n = escape(&p, q, t)) == 0)
			return -1;
		t += n;
	}
	memcpy(t, p, (size_t)(q - p));
	t += q - p;
	return t - jp->buf;
}

/* The string whose text starts at jp->p (past the opening quote): *s points into the input
 * or, when it had escapes, into jp->buf until the next string. Returns 0, or -1. */
static int scan_string(struct jp *jp, const char **s, size_t *n)
{
	bool escaped = false;
	const unsigned char *q = string_end(jp, &escaped);
	long len;

	if (q == NULL)
		return -1;
	if (!escaped) {
		*s = (const char *)jp->p;
		*n = (size_t)(q - jp->p);
	} else {
		if ((len = decode(jp, q)) < 0)
			return -1;
		*s = jp->buf;
		*n = (size_t)len;
	}
	jp->p = q + 1;
	return 0;
}

static json_t *parse_string(struct jp *jp)
{
	const char *s;
	size_t n;

	return scan_string(jp, &s, &n) == 0 ? json_stringn_nocheck(s, n) : NULL;
}

static const unsigned char *digits(const unsigned char *p, const unsigned char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* A real from s to e as jansson reads it: strtod, overflow refused, underflow kept. jansson
 * swaps '.' for the locale's decimal point first; under another locale, let it. */
static json_t *make_real(struct jp *jp, const unsigned char *s, const unsigned char *e)
{
	size_t n = (size_t)(e - s);
	const char *point = localeconv()->decimal_point;
	double v;

	if (strcmp(point, ".") != 0 || reserve(jp, n + 1) != 0)
		return NULL;
	memcpy(jp->buf, s, n);
	jp->buf[n] = '\0';
	errno = 0;
	v = strtod(jp->buf, NULL);
	if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL))
		return NULL;
	return json_real(v);
}

/* An integer of digits s to e (no leading zero), as strtoll reads it: at most 19 digits fit. */
static json_t *make_integer(bool negative, const unsigned char *s, const unsigned char *e)
{
	uint64_t u = 0, limit = (uint64_t)INT64_MAX + (negative ? 1 : 0);

	if (e - s > 19)
		return NULL;
	for (; s < e; s++)
		u = u * 10 + (uint64_t)(*s - '0');
	if (u > limit)
		return NULL;
	if (negative)
		return json_integer(u == limit ? INT64_MIN : -(json_int_t)u);
	return json_integer((json_int_t)u);
}

/* jansson's number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, a real with '.' or 'e'. */
static json_t *parse_number(struct jp *jp)
{
	const unsigned char *start = jp->p, *p = start, *end = jp->end, *int_start, *int_end;
	bool negative = p < end && *p == '-', real = false;

	p += negative;
	int_start = p;
	if (p >= end || *p < '0' || *p > '9')
		return NULL;
	/* After a leading 0 a digit is left over, which no container takes after a value. */
	int_end = p = *p == '0' ? p + 1 : digits(p, end);
	if (p < end && *p == '.') {
		if (p + 1 >= end || (p = digits(p + 1, end)) == int_end + 1)
			return NULL;
		real = true;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		const unsigned char *d = ++p;
		if (p < end && (*p == '+' || *p == '-'))
			d = ++p;
		if ((p = digits(p, end)) == d)
			return NULL;
		real = true;
	}
	jp->p = p;
	return real ? make_real(jp, start, p) : make_integer(negative, int_start, int_end);
}

static json_t *parse_word(struct jp *jp, const char *word, json_t *value)
{
	size_t n = strlen(word);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
		return NULL;
	jp->p += n;
	return value;
}

/* One member; a key with escapes lives in jp->buf, which the value may reuse: copy it. */
static int parse_member(struct jp *jp, json_t *object, int depth)
{
	const char *key;
	char *copy = NULL;
	size_t n, members = json_object_size(object);
	json_t *value;

	if (!eat(jp, '"') || scan_string(jp, &key, &n) != 0 || !eat(jp, ':'))
		return -1;
	if (key == jp->buf) {
		if ((copy = malloc(n ? n : 1)) == NULL)
			return -1;
		key = memcpy(copy, key, n);
	}
	skip_ws(jp);
	value = parse_value(jp, depth + 1);
	/* A key seen before replaces its value and leaves the count as it was: a duplicate, found
	 * without a lookup of its own (the set's is enough). */
	if (value == NULL || json_object_setn_new_nocheck(object, key, n, value) != 0 ||
	    json_object_size(object) == members)
		goto fail;
	free(copy);
	return 0;
fail:
	free(copy);
	return -1;
}

static json_t *parse_object(struct jp *jp, int depth)
{
	json_t *object = json_object();

	if (object == NULL)
		return NULL;
	if (eat(jp, '}'))
		return object;
	do {
		if (parse_member(jp, object, depth) != 0)
			goto fail;
	} while (eat(jp, ','));
	if (!eat(jp, '}'))
		goto fail;
	return object;
fail:
	json_decref(object);
	return NULL;
}

static json_t *parse_array(struct jp *jp, int depth)
{
	json_t *array = json_array(), *item;

	if (array == NULL)
		return NULL;
	if (eat(jp, ']'))
		return array;
	do {
		skip_ws(jp);
		item = parse_value(jp, depth + 1);
		if (item == NULL || json_array_append_new(array, item) != 0)
			goto fail;
	} while (eat(jp, ','));
	if (!eat(jp, ']'))
		goto fail;
	return array;
fail:
	json_decref(array);
	return NULL;
}

/* The value at jp->p (white space already skipped), depth levels down (the root is 1). */
static json_t *parse_value(struct jp *jp, int depth)
{
	if (jp->p >= jp->end || depth > MAX_DEPTH)
		return NULL;
	switch (*jp->p++) {
	case '"':
		return parse_string(jp);
	case '{':
		return parse_object(jp, depth);
	case '[':
		return parse_array(jp, depth);
	case 't':
		return parse_word(jp, "rue", json_true());
	case 'f':
		return parse_word(jp, "alse", json_false());
	case 'n':
		return parse_word(jp, "ull", json_null());
	default:
		jp->p--;
		return parse_number(jp);
	}
}

json_t *db_jparse(const char *text, size_t len)
{
	struct jp jp = { (const unsigned char *)text, (const unsigned char *)text + len, NULL, 0 };
	json_t *root = NULL;

	skip_ws(&jp);
	/* Like jansson without JSON_DECODE_ANY: an object or an array, then only white space. */
	if (jp.p < jp.end && (*jp.p == '{' || *jp.p == '['))
		root = parse_value(&jp, 1);
	skip_ws(&jp);
	if (root != NULL && jp.p != jp.end) {
		json_decref(root);
		root = NULL;
	}
	free(jp.buf);
	return root;
}
