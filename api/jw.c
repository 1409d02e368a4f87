// SPDX-License-Identifier: MIT
// The streaming JSON writer: commas and nesting tracked per depth, strings escaped per
// RFC 8259, decimals printed by the one money formatter.
#include "jw.h"

#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_jw_init(struct api_jw *w)
{
	memset(w, 0, sizeof(*w));
}

char *api_jw_finish(struct api_jw *w, size_t *len)
{
	char *buf = w->buf;

	if (w->failed || w->depth != 0 || buf == NULL) {
		free(buf);
		buf = NULL;
	} else if (len != NULL) {
		*len = w->len;
	}
	api_jw_init(w);
	return buf;
}

static void put(struct api_jw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (w->len + n + 1 > cap)
			cap *= 2;
		char *b = realloc(w->buf, cap);
		if (b == NULL) {
			w->failed = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* "s" (n bytes that need no escaping) with one room check. */
static void put_quoted(struct api_jw *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 3 > w->cap) {
		put(w, "\"", 1);
		put(w, s, n);
		put(w, "\"", 1);
		return;
	}
	w->buf[w->len] = '"';
	memcpy(w->buf + w->len + 1, s, n);
	w->buf[w->len + n + 1] = '"';
	w->len += n + 2;
	w->buf[w->len] = '\0';
}

/* Called before every value and key: writes the separating comma. */
static void sep(struct api_jw *w)
{
	if (w->failed)
		return;
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->comma[w->depth])
		put(w, ",", 1);
	w->comma[w->depth] = true;
}

static void begin(struct api_jw *w, char c)
{
	if (w->depth + 1 >= API_JW_DEPTH)
		w->failed = true; /* from here on every call is a no-op */
	sep(w);
	put(w, &c, 1);
	if (w->failed)
		return;
	w->comma[++w->depth] = false;
}

void api_jw_obj(struct api_jw *w)
{
	begin(w, '{');
}

void api_jw_arr(struct api_jw *w)
{
	begin(w, '[');
}

void api_jw_end(struct api_jw *w, char close)
{
	if (w->failed || w->depth == 0) {
		w->failed = true;
		return;
	}
	w->depth--;
	put(w, &close, 1);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Printable ASCII other than the quote and the backslash: written as it is. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Strings may hold what a client sent (an unknown id echoed in an error): bytes that are not
 * UTF-8 become U+FFFD, so the document stays valid JSON. */
static void put_escaped(struct api_jw *w, const char *s)
{
	const char *run = s;
	size_t plain_len = 0;

	while (plain((unsigned char)s[plain_len]))
		plain_len++;
	if (s[plain_len] == '\0') { /* #17, round 4: keys, codes, figures in one put, not three */
		put_quoted(w, s, plain_len);
		return;
	}
	s += plain_len; /* run still starts at the first byte */
	put(w, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		size_t n;

		if (plain(c))
			continue; /* plain ASCII first */
		if (c >= 0xe1 && c <= 0xef && c != 0xed && ((unsigned char)s[1] & 0xc0) == 0x80 &&
		    ((unsigned char)s[2] & 0xc0) == 0x80) {
			/* the common case (Chinese text): three bytes whose lead is neither E0
			 * (overlong forms) nor ED (surrogates) are well-formed without decoding */
			s += 2;
			continue;
		}
		if (c >= 0x80 && (n = utf8_len((const unsigned char *)s)) != 0) {
			s += n - 1;
			continue;
		}
		put(w, run, (size_t)(s - run));
		run = s + 1;
		if (c >= 0x80) {
			put(w, "\xef\xbf\xbd", 3);
		} else if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(w, esc, 2);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(w, esc, 6);
		}
	}
	put(w, run, (size_t)(s - run));
	put(w, "\"", 1);
}

void api_jw_key(struct api_jw *w, const char *key)
{
	sep(w);
	put_escaped(w, key);
	put(w, ":", 1);
	w->after_key = true;
}

void api_jw_str(struct api_jw *w, const char *s)
{
	if (s == NULL) {
		api_jw_null(w);
		return;
	}
	sep(w);
	put_escaped(w, s);
}

/* v in decimal as "%lld" writes it, without printf's machinery: a table's answer writes
 * some fifty integers (indexes, levels, parents). */
void api_jw_int(struct api_jw *w, long long v)
{
	char buf[24], *p = buf;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

	if (v < 0)
		*p++ = '-';
	p = db_dec_put_uint(p, u);
	sep(w);
	put(w, buf, (size_t)(p - buf));
}

void api_jw_bool(struct api_jw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void api_jw_null(struct api_jw *w)
{
	sep(w);
	put(w, "null", 4);
}

void api_jw_dec(struct api_jw *w, int64_t millionths)
{
	char buf[DB_DEC_BUFSZ];
	size_t n = db_dec_format(millionths, buf);

	sep(w);
	put(w, buf, n);
}

void api_jw_dec_text(struct api_jw *w, const char *s)
{
	sep(w);
	put(w, s, strlen(s));
}

void api_jw_value(struct api_jw *w, const char *s, size_t n)
{
	sep(w);
	put(w, s, n);
}

void api_jw_raw(struct api_jw *w, const char *s, size_t n)
{
	put(w, s, n);
}

void api_jw_kstr(struct api_jw *w, const char *key, const char *s)
{
	api_jw_key(w, key);
	api_jw_str(w, s);
}

void api_jw_kint(struct api_jw *w, const char *key, long long v)
{
	api_jw_key(w, key);
	api_jw_int(w, v);
}
