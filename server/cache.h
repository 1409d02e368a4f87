// SPDX-License-Identifier: MIT
// The response cache: finished HTTP responses (headers and body, identity or gzip) kept by
// request, so that a repeated request touches neither SQLite nor Jansson. Internal to
// server/.
#ifndef BUDGETD_SRV_CACHE_H
#define BUDGETD_SRV_CACHE_H

#include "reply.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srv_cache;

/* A cache holding at most max_bytes of bodies (least recently used go first). Once full, an
 * answer is kept only when it is offered a second time within a while (one-off answers
 * never evict anything). NULL when out of memory. Free with srv_cache_free(). */
struct srv_cache *srv_cache_new(size_t max_bytes);
void srv_cache_free(struct srv_cache *c);

/* The data generation: it moves on with every srv_cache_invalidate(). */
uint64_t srv_cache_generation(struct srv_cache *c);

/* Drops everything: the store's data changed. */
void srv_cache_invalidate(struct srv_cache *c);

/* When key is cached, queues its response on conn (or 304 when the request's conditions
 * match), stores the result in *ret and returns true. */
bool srv_cache_serve(struct srv_cache *c, const char *key, struct MHD_Connection *conn,
                     enum MHD_Result *ret);

/* Keeps r, a 200 answer of kind (srv_build's), for key (taking one reference: the cache
 * destroys it when evicted), unless the generation moved on since the answer was computed,
 * or the cache is full and key was not offered before (then r is destroyed at once). */
void srv_cache_put(struct srv_cache *c, const char *key, struct MHD_Response *r, enum srv_kind kind,
                   const char *etag, int64_t modified, size_t bytes, uint64_t generation);

/* Entries, bytes held, hits and misses so far (for logs and tests). */
void srv_cache_stats(struct srv_cache *c, size_t *entries, size_t *bytes, uint64_t *hits,
                     uint64_t *misses);

/* Answers not kept because the cache was full and they were new (refused), and entries
 * pushed out to make room (evicted), so far. */
void srv_cache_admission(struct srv_cache *c, uint64_t *refused, uint64_t *evicted);

#endif
