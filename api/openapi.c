// SPDX-License-Identifier: MIT
// /api/v1/openapi.json: the contract, embedded at build time from api/openapi.json.
#include "api.h"
#include "internal_api.h"

#include <string.h>

extern const char api_openapi_json[];

int api_openapi(struct api_ctx *c)
{
	struct api_jw w;

	api_jw_init(&w);
	api_jw_raw(&w, api_openapi_json, strlen(api_openapi_json));
	return api_ok(c, &w, "application/json; charset=utf-8");
}
