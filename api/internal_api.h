// SPDX-License-Identifier: MIT
// Helpers shared by the resource files of api/.
#ifndef BUDGETD_API_INTERNAL_H
#define BUDGETD_API_INTERNAL_H

#include "api.h"

/* Serialises body (stealing the reference) into resp with the given status. 0 or -1. */
int api_json(struct api_response *resp, int status, json_t *body);

#endif
