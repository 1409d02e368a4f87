// SPDX-License-Identifier: MIT
// Monitoring (#16): GET /healthz (is the store readable, and what it holds) and GET /metrics
// (Prometheus text format 0.0.4). Counters are lock-free atomics the completion hook bumps.
// Internal to server/.
#ifndef BUDGETD_SRV_METRICS_H
#define BUDGETD_SRV_METRICS_H

#include "data.h"

#include <microhttpd.h>

#include <stdbool.h>

/* What a request asked for, the route label of budgetd_requests_total. */
enum srv_route {
	SRV_ROUTE_API,
	SRV_ROUTE_PAGE,
	SRV_ROUTE_STATIC,
	SRV_ROUTE_EMBED,
	SRV_ROUTE_FILE,
	SRV_ROUTE_OTHER,
	SRV_ROUTE_COUNT
};

/* The route of url (in origin form). */
enum srv_route srv_metrics_route(const char *url);

/* Names the store in /healthz by the last part of path (never the folder it is in). */
void srv_metrics_init(const char *store_path);

/* One finished request: its route, status and duration in seconds. Lock-free. */
void srv_metrics_request(enum srv_route route, unsigned status, double seconds);

/* A connection opened (+1) or closed (-1). */
void srv_metrics_connection(int delta);

/* Queue GET /healthz and GET /metrics (HEAD too: libmicrohttpd drops the body). Never
 * cached; Cache-Control: no-store. */
enum MHD_Result srv_metrics_healthz(struct MHD_Connection *conn, struct srv_data *data);
enum MHD_Result srv_metrics_metrics(struct MHD_Connection *conn, struct srv_data *data);

#endif
