// SPDX-License-Identifier: MIT
// Per-thread connections (SQLite connections are cheap to keep and slow to share) and the
// watcher: PRAGMA data_version on its own connection, every 20 ms, tells it when
// another process (budgetctl import) has committed, so the cache never serves old data for
// long, and no request ever pays for the check.
#include "data.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WATCH_INTERVAL_MS 20

struct srv_data {
	char *path;
	struct db *watch_db;
	struct srv_cache *cache;
	pthread_key_t key;
	pthread_t watcher;
	pthread_mutex_t lock; /* with wake: lets close() stop the watcher without waiting */
	pthread_cond_t wake;
	bool stopping;
};

static void close_thread_db(void *db)
{
	db_close(db);
}

/* Sleeps one interval, or less when told to stop; returns true when it is time to stop. */
static bool pause_or_stop(struct srv_data *d)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += WATCH_INTERVAL_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&d->lock);
	if (!d->stopping)
		pthread_cond_timedwait(&d->wake, &d->lock, &until);
	stop = d->stopping;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

static void *watch(void *arg)
{
	struct srv_data *d = arg;
	int64_t seen = 0, now;

	db_data_version(d->watch_db, &seen);
	while (!pause_or_stop(d)) {
		if (db_data_version(d->watch_db, &now) == 0 && now != seen) {
			seen = now;
			srv_cache_invalidate(d->cache);
		}
	}
	return NULL;
}

static void data_free(struct srv_data *d)
{
	srv_cache_free(d->cache);
	db_close(d->watch_db);
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	free(d);
}

struct srv_data *srv_data_open(const char *path, size_t cache_bytes, struct db_error *err)
{
	struct srv_data *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->path = strdup(path)) == NULL) {
		free(d);
		snprintf(err->text, sizeof(err->text), "out of memory");
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->wake, NULL);
	d->watch_db = db_open(path, false, err);
	d->cache = srv_cache_new(cache_bytes);
	if (d->watch_db == NULL || d->cache == NULL || pthread_key_create(&d->key, close_thread_db))
		goto fail;
	if (pthread_create(&d->watcher, NULL, watch, d) != 0) {
		pthread_key_delete(d->key);
		goto fail;
	}
	return d;
fail:
	if (d->watch_db != NULL && err->text[0] == '\0')
		snprintf(err->text, sizeof(err->text), "out of memory");
	data_free(d);
	return NULL;
}

void srv_data_close(struct srv_data *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_signal(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->watcher, NULL);
	pthread_key_delete(d->key); /* worker threads have ended and closed their connections */
	data_free(d);
}

struct db *srv_data_db(struct srv_data *d)
{
	struct db_error err = { 0 };
	struct db *db = pthread_getspecific(d->key);

	if (db != NULL)
		return db;
	db = db_open(d->path, false, &err);
	if (db != NULL && pthread_setspecific(d->key, db) != 0) {
		db_close(db);
		db = NULL;
	}
	return db;
}

struct srv_cache *srv_data_cache(struct srv_data *d)
{
	return d->cache;
}
