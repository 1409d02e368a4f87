// SPDX-License-Identifier: MIT
// The store as the daemon sees it: one read-only SQLite connection per worker thread, the
// response cache, and a watcher that empties the cache when an import changes the data.
// Internal to server/.
#ifndef BUDGETD_SRV_DATA_H
#define BUDGETD_SRV_DATA_H

#include "cache.h"

struct srv_data;

/* Opens path (checking that it is a readable store), starts the watcher and creates a cache
 * of cache_bytes. Returns NULL with *err filled. Free with srv_data_close() after the HTTP
 * threads have stopped. */
struct srv_data *srv_data_open(const char *path, size_t cache_bytes, struct db_error *err);
void srv_data_close(struct srv_data *d);

/* The calling thread's connection, opened on first use and closed when the thread ends;
 * NULL when the store cannot be opened. */
struct db *srv_data_db(struct srv_data *d);

struct srv_cache *srv_data_cache(struct srv_data *d);

#endif
