// SPDX-License-Identifier: MIT
// Building response bodies: JSON serialisation and problem+json errors, shared by all
// resources.
#include "api.h"
#include "internal_api.h"

#include <stdlib.h>
#include <string.h>

int api_json(struct api_response *resp, int status, json_t *body)
{
	/* Compact output: the API is read by programs; ensure_ascii off keeps 中文 readable. */
	char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(body);
	if (text == NULL)
		return -1;
	resp->status = status;
	resp->content_type = "application/json; charset=utf-8";
	resp->body = text;
	resp->len = strlen(text);
	return 0;
}

int api_problem(struct api_response *resp, int status, const char *title, const char *detail)
{
	json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", title,
	                      "status", status, "detail", detail);

	if (p == NULL || api_json(resp, status, p) != 0)
		return -1;
	resp->content_type = "application/problem+json; charset=utf-8";
	return 0;
}

void api_response_free(struct api_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}
