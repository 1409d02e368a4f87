// SPDX-License-Identifier: MIT
// A small HTML writer for the server-rendered pages (#15), on the JSON writer's buffer
// (api_jw_raw): every text and attribute value goes through one escaper, so no store text
// can become markup. Internal to api/.
#ifndef BUDGETD_API_HTML_H
#define BUDGETD_API_HTML_H

#include "jw.h"

#include <stdarg.h>

/* Text content, escaped (& < > " '). NULL writes nothing. */
void api_html_text(struct api_jw *w, const char *s);
/* printf into text content, escaped. */
void api_html_textf(struct api_jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Markup as it is: only for literals of this program, never for store text. */
void api_html_raw(struct api_jw *w, const char *s);

/* <tag name="value" ...>: attributes as name, value pairs ended by NULL; a pair whose value
 * is NULL is left out, a value of "" writes the bare name (hidden, download). */
void api_html_open(struct api_jw *w, const char *tag, ...) __attribute__((sentinel));
void api_html_vopen(struct api_jw *w, const char *tag, va_list ap);
/* </tag> */
void api_html_close(struct api_jw *w, const char *tag);
/* <tag attrs...>text</tag> in one call; text is escaped (NULL: an empty element). */
void api_html_elem(struct api_jw *w, const char *tag, const char *text, ...)
    __attribute__((sentinel));

/* A stored figure as the page shows it: its published digits ("867.50"), as static/dom.js
 * num() does; nothing for NULL. */
void api_html_num(struct api_jw *w, const char *figure);

#endif
