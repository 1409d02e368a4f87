// SPDX-License-Identifier: MIT
// .../{kind}/{year}/source.pdf (issue #18): the PDF a disclosure was extracted from, as it was
// published. The store keeps it beside itself under its SHA-256; this answer names that file
// and the server sends it.
#include "internal_api.h"

#include <stdio.h>
#include <string.h>

/* Content-Disposition for the published file name: inline (a browser shows the PDF), the
 * name as printed in filename*, and an ASCII stand-in in filename for older clients. */
static void disposition(struct api_response *resp, const char *name)
{
	char ascii[200], enc[400];
	size_t i = 0;

	for (const unsigned char *p = (const unsigned char *)name;
	     *p != '\0' && i + 1 < sizeof(ascii); p++)
		ascii[i++] = *p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\' ? '_' : (char)*p;
	ascii[i] = '\0';
	if (!api_pct_encode(enc, sizeof(enc), name)) /* a name too long to encode: ASCII only */
		snprintf(resp->disposition, sizeof(resp->disposition), "inline; filename=\"%s\"",
		         ascii);
	else
		snprintf(resp->disposition, sizeof(resp->disposition),
		         "inline; filename=\"%s\"; filename*=UTF-8''%s", ascii, enc);
}

int api_source(struct api_ctx *c)
{
	struct api_response *resp = c->resp;
	struct db_error err = { 0 };
	char sha256[65], file[120], name[160];

	if (db_source_file(c->db, c->dept, c->year, c->kind, c->level, sha256, file, sizeof(file),
	                   &resp->modified, &err) != 0)
		return api_rows_failed(c, &err);
	if (sha256[0] == '\0')
		return api_fail(resp, 404,
		                "this disclosure names no published file (it was typed in, not "
		                "extracted from a PDF)");
	if (file[0] == '\0' || strchr(file, '/') != NULL)
		snprintf(name, sizeof(name), "%s-%d-%s.pdf", c->dept, c->year, c->kind);
	else
		snprintf(name, sizeof(name), "%s", file);
	resp->status = 200;
	resp->content_type = "application/pdf";
	snprintf(resp->file, sizeof(resp->file), "%s.pdf", sha256);
	disposition(resp, name);
	return 0;
}
