// SPDX-License-Identifier: MIT
// From api_response to an HTTP response (internal to server/).
#ifndef BUDGETD_SRV_REPLY_H
#define BUDGETD_SRV_REPLY_H

#include "srv.h"

#include <microhttpd.h>

/* Queues a: ETag, conditional 304, gzip, caching and CORS headers. Takes a's body in every
 * case. */
enum MHD_Result srv_reply(struct MHD_Connection *conn, struct api_response *a);

/* Adds the CORS headers every API answer carries. */
void srv_cors(struct MHD_Response *r);

/* Formats unix time t as an HTTP date (RFC 9110, IMF-fixdate). */
void srv_http_date(int64_t t, char buf[64]);

#endif
