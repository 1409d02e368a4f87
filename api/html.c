// SPDX-License-Identifier: MIT
// The HTML writer: one escaper for text and attribute values alike.
#include "html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_html_raw(struct api_jw *w, const char *s)
{
	if (s != NULL)
		api_jw_raw(w, s, strlen(s));
}

/* Quotes in text too: the same escaper then serves attribute values, which are always
 * written in double quotes. */
void api_html_text(struct api_jw *w, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return;
	for (; *s; s++) {
		const char *rep;
		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		api_jw_raw(w, run, (size_t)(s - run));
		api_html_raw(w, rep);
		run = s + 1;
	}
	api_jw_raw(w, run, (size_t)(s - run));
}

void api_html_textf(struct api_jw *w, const char *fmt, ...)
{
	char small[256], *buf = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small)) {
		if ((buf = malloc((size_t)n + 1)) == NULL) {
			w->failed = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	api_html_text(w, buf);
	if (buf != small)
		free(buf);
}

void api_html_vopen(struct api_jw *w, const char *tag, va_list ap)
{
	const char *name, *value;

	api_html_raw(w, "<");
	api_html_raw(w, tag);
	while ((name = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		if (value == NULL)
			continue;
		api_html_raw(w, " ");
		api_html_raw(w, name);
		if (*value == '\0')
			continue;
		api_html_raw(w, "=\"");
		api_html_text(w, value);
		api_html_raw(w, "\"");
	}
	api_html_raw(w, ">");
}

void api_html_open(struct api_jw *w, const char *tag, ...)
{
	va_list ap;

	va_start(ap, tag);
	api_html_vopen(w, tag, ap);
	va_end(ap);
}

void api_html_close(struct api_jw *w, const char *tag)
{
	api_html_raw(w, "</");
	api_html_raw(w, tag);
	api_html_raw(w, ">");
}

void api_html_elem(struct api_jw *w, const char *tag, const char *text, ...)
{
	va_list ap;

	va_start(ap, text);
	api_html_vopen(w, tag, ap);
	va_end(ap);
	api_html_text(w, text);
	api_html_close(w, tag);
}

void api_html_num(struct api_jw *w, const char *figure)
{
	api_html_text(w, figure);
}
