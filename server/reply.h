// SPDX-License-Identifier: MIT
// From api_response to an HTTP response (internal to server/).
#ifndef BUDGETD_SRV_REPLY_H
#define BUDGETD_SRV_REPLY_H

#include "srv.h"

#include <microhttpd.h>

/* What an answer is: API answers are cached for minutes and open to other origins; the
 * front page's files are revalidated on every use (ETag) and carry the browser security
 * headers. */
enum srv_kind {
	SRV_API,
	SRV_PAGE
};

/* Queues a: ETag, conditional 304, gzip, caching, and CORS or page security headers.
 * Takes a's body in every case. */
enum MHD_Result srv_reply(struct MHD_Connection *conn, struct api_response *a, enum srv_kind kind);

/* Adds the CORS headers every API answer carries. */
void srv_cors(struct MHD_Response *r);

/* Formats unix time t as an HTTP date (RFC 9110, IMF-fixdate). */
void srv_http_date(int64_t t, char buf[64]);

#endif
