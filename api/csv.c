// SPDX-License-Identifier: MIT
// CSV for spreadsheets (RFC 4180): a byte order mark so Excel in Chinese reads UTF-8, CRLF,
// quoting where needed, and text cells that could run as a formula made inert.
#include "api.h"
#include "internal_api.h"

#include <stdio.h>
#include <string.h>

void api_csv_begin(struct api_jw *w)
{
	api_jw_raw(w, "\xEF\xBB\xBF", 3);
}

static void cell(struct api_jw *w, const char *s, bool first, bool text)
{
	bool quote = s[0] == ' ' || (s[0] != '\0' && s[strlen(s) - 1] == ' ') ||
	             strpbrk(s, ",\"\r\n") != NULL;

	if (!first)
		api_jw_raw(w, ",", 1);
	if (quote)
		api_jw_raw(w, "\"", 1);
	/* =, +, -, @ (and tab, CR) start a formula in Excel and LibreOffice: a leading ' keeps
	 * the text as text. Numbers are ours and never need it. */
	if (text && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		api_jw_raw(w, "'", 1);
	for (const char *p = s; *p != '\0'; p++) {
		const char *q = quote ? strchr(p, '"') : NULL;
		size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
		api_jw_raw(w, p, n);
		if (q != NULL)
			api_jw_raw(w, "\"", 1); /* "" inside a quoted cell */
		p += n - 1;
	}
	if (quote)
		api_jw_raw(w, "\"", 1);
}

void api_csv_text(struct api_jw *w, const char *s, bool first)
{
	cell(w, s ? s : "", first, true);
}

void api_csv_number(struct api_jw *w, const char *s, bool first)
{
	cell(w, s ? s : "", first, false);
}

void api_csv_end_row(struct api_jw *w)
{
	api_jw_raw(w, "\r\n", 2);
}

void api_csv_disposition(struct api_response *resp, const char *base, const char *label)
{
	api_disposition(resp, base, label, "csv");
}
