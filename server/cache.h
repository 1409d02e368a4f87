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
 * answer is kept only when it is offered a second time within a while: before about as many
 * other answers were refused as the cache holds (one-off answers never evict anything).
 * NULL when out of memory. Free with srv_cache_free(). */
struct srv_cache *srv_cache_new(size_t max_bytes);
void srv_cache_free(struct srv_cache *c);

/* Lets at most n kept answers be sent from a file of their own (srv_build's body), each
 * an open file descriptor; 0 (the default) for none. The server sets it from the file
 * descriptors its connections leave. */
void srv_cache_files_set(struct srv_cache *c, size_t n);

/* Where the answer for key, of bytes bytes, about to be offered, should be built (a hint:
 * threads racing may pass the limit on files by a few):
 * - SRV_BODY_BUFFER when the cache would refuse it (a file for one answer costs more than it
 *   saves), or as many kept answers as the limit allows are in files already;
 * - SRV_BODY_FILE when it fits beside what is kept, and the cache has evicted nothing since
 *   it was created or emptied (srv_cache_invalidate());
 * - SRV_BODY_MEMFD when it gets in by pushing older answers out, or into room that
 *   evictions left. Under such churn a file lives briefly, and making an ext4 inode then
 *   cost more than the miss saved: 11 % of the CPU of random load over a region's store
 *   (#17 round 13); a memfd's shmem inode is cheap. */
enum srv_body srv_cache_body(struct srv_cache *c, const char *key, size_t bytes);

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
 * or the cache is full and key was not offered before (then r is destroyed at once).
 * in_file: r's body is a file of its own (counted against srv_cache_files_set()). */
void srv_cache_put(struct srv_cache *c, const char *key, struct MHD_Response *r, enum srv_kind kind,
                   const char *etag, int64_t modified, size_t bytes, bool in_file,
                   uint64_t generation);

/* Entries, bytes held, hits and misses so far (for logs and tests). */
void srv_cache_stats(struct srv_cache *c, size_t *entries, size_t *bytes, uint64_t *hits,
                     uint64_t *misses);

/* Answers not kept because the cache was full and they were new (refused), and entries
 * pushed out to make room (evicted), so far. */
void srv_cache_admission(struct srv_cache *c, uint64_t *refused, uint64_t *evicted);

#endif
