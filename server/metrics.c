// SPDX-License-Identifier: MIT
// /healthz and /metrics (#16). A request's count and duration cost a few relaxed atomic adds
// in the completion hook; a scrape reads them, the cache's counters, one lock-free look at
// the store's state and the allocator's counts (server/heap.c), and touches neither SQLite
// nor the answer cache's entries.
#include "metrics.h"
#include "heap.h"
#include "reply.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_STATUS 100
#define MAX_STATUS 599
#define N_STATUS (MAX_STATUS - MIN_STATUS + 1)

static const char *const route_names[SRV_ROUTE_COUNT] = { "api",   "page", "static",
	                                                  "embed", "file", "other" };

/* Upper bounds of the duration histogram's buckets, in seconds (+Inf follows). */
static const double bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	                         0.1,    0.25,  0.5,    1,     2.5,  5,     10 };
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))

static atomic_ullong requests[SRV_ROUTE_COUNT][N_STATUS];
static atomic_ullong buckets[N_BOUNDS + 1]; /* not cumulative: the scrape sums them */
static atomic_ullong duration_ns;
static atomic_llong connections;
static char store_name[256];

enum srv_route srv_metrics_route(const char *url)
{
	if (strcmp(url, "/api/v1/snapshot.sqlite") == 0 || strcmp(url, "/api/v1/amounts.csv") == 0)
		return SRV_ROUTE_FILE;
	if (strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0)
		return SRV_ROUTE_API;
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		return SRV_ROUTE_PAGE;
	if (strncmp(url, "/embed/", 7) == 0)
		return SRV_ROUTE_EMBED;
	if (strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0)
		return SRV_ROUTE_OTHER;
	return SRV_ROUTE_STATIC;
}

void srv_metrics_init(const char *store_path)
{
	const char *slash = strrchr(store_path, '/');

	snprintf(store_name, sizeof(store_name), "%s", slash ? slash + 1 : store_path);
}

void srv_metrics_request(enum srv_route route, unsigned status, double seconds)
{
	size_t b = 0;

	if ((unsigned)route >= SRV_ROUTE_COUNT)
		route = SRV_ROUTE_OTHER;
	if (status >= MIN_STATUS && status <= MAX_STATUS)
		atomic_fetch_add_explicit(&requests[route][status - MIN_STATUS], 1,
		                          memory_order_relaxed);
	if (seconds < 0)
		seconds = 0;
	while (b < N_BOUNDS && seconds > bounds[b])
		b++;
	atomic_fetch_add_explicit(&buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&duration_ns, (unsigned long long)(seconds * 1e9),
	                          memory_order_relaxed);
}

void srv_metrics_connection(int delta)
{
	atomic_fetch_add_explicit(&connections, delta, memory_order_relaxed);
}

/* Queues body (taken in every case) with no-store: a monitor must see the state of now. */
static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned status, char *body,
                                 size_t len, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = srv_queue(conn, status, r, len);
	MHD_destroy_response(r);
	return ret;
}

/* The store's disclosures by one COUNT on this thread's connection; -1 when it cannot be
 * read. */
static long long disclosures(struct srv_data *data)
{
	struct db *db = srv_data_ready(data) ? srv_data_db(data) : NULL;
	int64_t n;
	int rc;

	if (db == NULL || db_read_begin(db) != 0)
		return -1;
	rc = db_disclosure_count(db, &n);
	db_read_end(db);
	return rc == 0 ? (long long)n : -1;
}

enum MHD_Result srv_metrics_healthz(struct MHD_Connection *conn, struct srv_data *data)
{
	long long n = disclosures(data);
	json_t *j = json_pack("{s:s, s:I}", "status", n >= 0 ? "ok" : "unavailable", "data_version",
	                      (json_int_t)srv_cache_generation(srv_data_cache(data)));
	char *body;

	if (j == NULL)
		return MHD_NO;
	if (n >= 0)
		json_object_set_new(j, "disclosures", json_integer(n));
	if (store_name[0] != '\0')
		json_object_set_new(j, "store", json_string(store_name));
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (body == NULL)
		return MHD_NO;
	return send_text(conn, n >= 0 ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, body,
	                 strlen(body), "application/json");
}

/* The exposition being written: grows as needed; on failure len stays put and bad is set. */
struct text {
	char *buf;
	size_t len, cap;
	bool bad;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (int tries = 0; tries < 2 && !t->bad; tries++) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->bad = true;
		} else if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		} else {
			char *p = realloc(t->buf, t->cap * 2 + (size_t)n);
			if (p == NULL)
				t->bad = true;
			else
				t->buf = p, t->cap = t->cap * 2 + (size_t)n;
		}
	}
}

static void head(struct text *t, const char *name, const char *type, const char *help)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_requests(struct text *t)
{
	head(t, "budgetd_requests_total", "counter", "Requests answered, by status and route.");
	for (int r = 0; r < SRV_ROUTE_COUNT; r++)
		for (int s = 0; s < N_STATUS; s++) {
			unsigned long long n =
			    atomic_load_explicit(&requests[r][s], memory_order_relaxed);
			if (n != 0)
				put(t, "budgetd_requests_total{status=\"%d\",route=\"%s\"} %llu\n",
				    s + MIN_STATUS, route_names[r], n);
		}
}

static void put_durations(struct text *t)
{
	unsigned long long total = 0;

	head(t, "budgetd_request_duration_seconds", "histogram",
	     "Time from the request line to the end of the answer.");
	for (size_t b = 0; b <= N_BOUNDS; b++) {
		total += atomic_load_explicit(&buckets[b], memory_order_relaxed);
		if (b < N_BOUNDS)
			put(t, "budgetd_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			    bounds[b], total);
		else
			put(t, "budgetd_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
			    total);
	}
	put(t, "budgetd_request_duration_seconds_sum %.9f\n",
	    (double)atomic_load_explicit(&duration_ns, memory_order_relaxed) / 1e9);
	put(t, "budgetd_request_duration_seconds_count %llu\n", total);
}

/* The heap's two counts, labelled with the allocator: what budgetd holds, and what the
 * allocator keeps for it (the gap is free room it has not given back). */
static void put_heap(struct text *t)
{
	const char *a = srv_heap_allocator();
	size_t allocated, held;

	if (!srv_heap_stats(&allocated, &held))
		return;
	head(t, "budgetd_heap_allocated_bytes", "gauge", "Heap bytes allocated and not freed.");
	put(t, "budgetd_heap_allocated_bytes{allocator=\"%s\"} %zu\n", a, allocated);
	head(t, "budgetd_heap_held_bytes", "gauge",
	     "Memory the allocator holds for the heap, free room between allocations included.");
	put(t, "budgetd_heap_held_bytes{allocator=\"%s\"} %zu\n", a, held);
}

enum MHD_Result srv_metrics_metrics(struct MHD_Connection *conn, struct srv_data *data)
{
	struct srv_cache *cache = srv_data_cache(data);
	struct text t = { .buf = malloc(8192), .cap = 8192 };
	size_t entries, bytes;
	uint64_t hits, misses, refused, evicted;

	if (t.buf == NULL)
		return MHD_NO;
	srv_cache_stats(cache, &entries, &bytes, &hits, &misses);
	srv_cache_admission(cache, &refused, &evicted);
	put_requests(&t);
	put_durations(&t);
	head(&t, "budgetd_cache_hits_total", "counter", "Answers served from the answer cache.");
	put(&t, "budgetd_cache_hits_total %llu\n", (unsigned long long)hits);
	head(&t, "budgetd_cache_misses_total", "counter", "Cacheable answers computed afresh.");
	put(&t, "budgetd_cache_misses_total %llu\n", (unsigned long long)misses);
	head(&t, "budgetd_cache_bytes", "gauge", "Bytes of answers the cache holds.");
	put(&t, "budgetd_cache_bytes %zu\n", bytes);
	head(&t, "budgetd_cache_entries", "gauge", "Answers the cache holds.");
	put(&t, "budgetd_cache_entries %zu\n", entries);
	head(&t, "budgetd_cache_refused_total", "counter",
	     "Answers not kept: the cache was full and they were not asked for shortly before.");
	put(&t, "budgetd_cache_refused_total %llu\n", (unsigned long long)refused);
	head(&t, "budgetd_cache_evictions_total", "counter",
	     "Answers pushed out of the full cache to make room for another.");
	put(&t, "budgetd_cache_evictions_total %llu\n", (unsigned long long)evicted);
	head(&t, "budgetd_store_data_version", "gauge",
	     "Moves on whenever the data served changes (as data_version in /healthz).");
	put(&t, "budgetd_store_data_version %llu\n",
	    (unsigned long long)srv_cache_generation(cache));
	head(&t, "budgetd_store_reloads_total", "counter",
	     "New data taken up: an import's commit, a reopen.");
	put(&t, "budgetd_store_reloads_total %llu\n", srv_data_reloads(data));
	head(&t, "budgetd_connections_open", "gauge", "Client connections open now.");
	put(&t, "budgetd_connections_open %lld\n",
	    (long long)atomic_load_explicit(&connections, memory_order_relaxed));
	put_heap(&t);
	if (t.bad) {
		free(t.buf);
		return MHD_NO;
	}
	return send_text(conn, MHD_HTTP_OK, t.buf, t.len,
	                 "text/plain; version=0.0.4; charset=utf-8");
}
