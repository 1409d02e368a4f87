// SPDX-License-Identifier: MIT
// The store as the daemon sees it: one read-only SQLite connection per worker thread, the
// response cache, and a watcher that empties the cache when an import changes the data and
// notices a store file that vanished, was replaced or became unreadable.
// Internal to server/.
#ifndef BUDGETD_SRV_DATA_H
#define BUDGETD_SRV_DATA_H

#include "cache.h"

struct srv_data;

/* Opens path (checking that it is a readable store), starts the watcher and creates a cache
 * of cache_bytes. later, when not NULL, is a store to serve instead once it exists: budgetd
 * with no --db serves the bundled store until the user's store is created, then that one.
 * Returns NULL with *err filled. Free with srv_data_close() after the HTTP threads have
 * stopped. */
struct srv_data *srv_data_open(const char *path, const char *later, size_t cache_bytes,
                               struct db_error *err);

/* The store file served now: path, or later once it was taken up. Owned by d, valid until
 * srv_data_close(). */
const char *srv_data_path(struct srv_data *d);
void srv_data_close(struct srv_data *d);

/* The calling thread's connection, opened on first use (and again after the store was
 * reopened) and closed when the thread ends; NULL when the store cannot be read. Its read
 * transaction is kept (db_read_keep), so every read goes between db_read_begin() and
 * db_read_end(). */
struct db *srv_data_db(struct srv_data *d);

/* False while the store file is gone or unreadable: answer 503 without looking anywhere. */
bool srv_data_ready(struct srv_data *d);

/* Asks the watcher to reopen the store (SIGHUP): a file replaced by rename is served at
 * once, and every connection starts afresh. Async-signal-safe. */
void srv_data_reopen(struct srv_data *d);

struct srv_cache *srv_data_cache(struct srv_data *d);

/* Times new data was taken up since the start: an import's commit, a reopen (for /metrics). */
unsigned long long srv_data_reloads(struct srv_data *d);

#endif
