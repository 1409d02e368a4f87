// SPDX-License-Identifier: MIT
// Per-thread connections (SQLite connections are cheap to keep and slow to share) and the
// watcher, which every 20 ms asks its own connection for PRAGMA data_version (another
// process committed: empty the cache) and stats the file (gone, replaced, made unreadable
// or rewritten behind SQLite's back: check it, and reopen or answer 503 until it is
// readable). No request ever pays for these checks.
// A worker's read transaction outlives its request (db_read_keep): the requests of one
// 20 ms tick read one snapshot, and only the first pays SQLite's locking system calls
// (eight on a rollback-journal store, #17). At each tick a thread of its own ends every kept
// transaction (db_read_end_soon), so an import's commit waits at most about a tick for the
// readers. A commit that did not wait (an import in place writes through WAL) shows once the
// watcher has seen it: the worker ends a snapshot older than the cache's generation before
// it reads, so nothing older than the cache holds is ever answered or kept.
#include "data.h"
#include "log.h"
#include "wait.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_INTERVAL_MS 20

enum health {
	HEALTH_OK,
	HEALTH_GONE,
	HEALTH_BROKEN
};

struct srv_data {
	char *paths[2]; /* the store, and the one to serve instead while it exists (or NULL) */
	atomic_uint at; /* which of paths is served */
	struct stat refused; /* paths[1] as it last failed to open (st_ino 0: none did) */
	struct db *watch_db; /* the watcher's; NULL while the store is unreadable */
	struct srv_cache *cache;
	pthread_key_t key;
	pthread_t watcher, keeper;
	pthread_mutex_t lock; /* with wake: lets close() stop both threads without waiting */
	pthread_cond_t wake;
	bool stopping;
	atomic_int health;
	atomic_uint generation; /* bumped when every thread must reopen its connection */
	atomic_bool reopen; /* asked for by srv_data_reopen() (SIGHUP) */
	atomic_ullong reloads; /* for /metrics: new data taken up (a commit, a reopen) */
	pthread_mutex_t threads_lock; /* the list below, and each entry's db pointer */
	struct thread_db *threads; /* every worker's connection, for end_kept() */
	struct stat seen; /* the file as last checked */
	int64_t version;
};

static const char *path_of(struct srv_data *d)
{
	return d->paths[atomic_load(&d->at)];
}

struct thread_db {
	struct db *db;
	unsigned generation;
	uint64_t data; /* the cache's generation when the kept snapshot may have begun */
	struct srv_data *d;
	struct thread_db *next, *prev;
};

static void close_thread_db(void *p)
{
	struct thread_db *t = p;
	struct srv_data *d = t->d;

	pthread_mutex_lock(&d->threads_lock);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		d->threads = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&d->threads_lock);
	db_close(t->db);
	free(t);
}

/* Ends the read transaction every worker kept since the last tick (a worker reading just
 * now ends its own before its next request). */
static void end_kept(struct srv_data *d)
{
	pthread_mutex_lock(&d->threads_lock);
	for (struct thread_db *t = d->threads; t != NULL; t = t->next)
		if (t->db != NULL)
			db_read_end_soon(t->db);
	pthread_mutex_unlock(&d->threads_lock);
}

/* Sleeps one interval, or less when told to stop; returns true when it is time to stop. */
static bool pause_or_stop(struct srv_data *d)
{
	bool stop;

	pthread_mutex_lock(&d->lock);
	if (!d->stopping)
		srv_cond_wait_ms(&d->wake, &d->lock, WATCH_INTERVAL_MS);
	stop = d->stopping;
	pthread_mutex_unlock(&d->lock);
	return stop;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool same_content(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Answers 503 from now on (the log says why, once) until a reopen succeeds. */
static void set_broken(struct srv_data *d, const char *why)
{
	if (atomic_load(&d->health) == HEALTH_OK)
		srv_log_msg("store %s cannot be read (%s): answering 503 until it can", path_of(d),
		            why);
	db_close(d->watch_db);
	d->watch_db = NULL;
	atomic_store(&d->health, HEALTH_BROKEN);
	srv_cache_invalidate(d->cache);
}

/* Opens the store afresh as the watcher's connection; on success every worker reopens too
 * and the cache empties. Returns true when the store is readable. */
static bool reopen_all(struct srv_data *d, const char *why)
{
	struct db_error err = { 0 };
	struct db *db = db_open(path_of(d), false, &err);
	int was = atomic_load(&d->health);

	if (db == NULL || db_data_version(db, &d->version) != 0) {
		set_broken(d, db ? "no data version" : err.text);
		db_close(db);
		return false;
	}
	db_close(d->watch_db);
	d->watch_db = db;
	atomic_fetch_add(&d->generation, 1);
	srv_cache_invalidate(d->cache);
	atomic_store(&d->health, HEALTH_OK);
	atomic_fetch_add(&d->reloads, 1);
	if (was != HEALTH_OK || why != NULL)
		srv_log_msg("store %s %s", path_of(d), why ? why : "readable again: serving it");
	return true;
}

/* Serves the later store while it exists and opens as a store, else the first: budgetd
 * with no --db follows the user's store as budgetctl creates it (or removes it after a
 * failed first import). A file that does not open as a store is opened again once it
 * has changed (its size or mtime), not every 20 ms.
 * Returns true when it switched. */
static bool follow_later(struct srv_data *d)
{
	struct db_error err = { 0 };
	struct stat st;
	struct db *probe;

	if (atomic_load(&d->at) == 1) {
		if (stat(d->paths[1], &st) == 0 || errno != ENOENT)
			return false;
		atomic_store(&d->at, 0);
		stat(d->paths[0], &d->seen);
		reopen_all(d, "serving it again: the user's store is gone");
		return true;
	}
	if (stat(d->paths[1], &st) != 0)
		return false;
	/* a file there that is no store is opened again only once it has changed */
	if (d->refused.st_ino != 0 && same_file(&st, &d->refused) && same_content(&st, &d->refused))
		return false;
	if ((probe = db_open(d->paths[1], false, &err)) == NULL) {
		d->refused = st;
		return false;
	}
	db_close(probe);
	atomic_store(&d->at, 1);
	d->seen = st;
	reopen_all(d, "now exists: serving it instead of the bundled store");
	return true;
}

/* One look at the file and at the data: what changed since the last look. */
static void check(struct srv_data *d)
{
	struct stat st;
	int64_t version;

	if (d->paths[1] != NULL && follow_later(d))
		return;

	if (stat(path_of(d), &st) != 0) {
		if (atomic_exchange(&d->health, HEALTH_GONE) != HEALTH_GONE) {
			srv_log_msg("store %s is gone (%s): answering 503 until it is back",
			            path_of(d), strerror(errno));
			srv_cache_invalidate(d->cache);
		}
		return;
	}
	bool replaced = !same_file(&st, &d->seen), rewritten = !same_content(&st, &d->seen);
	d->seen = st;
	/* chmod 000 changes no mtime, and the connections already open would go on reading
	 * through their descriptors: ask for the permission itself. (Not open() and close():
	 * closing any descriptor of the file drops the POSIX locks SQLite holds on it.) */
	if (faccessat(AT_FDCWD, path_of(d), R_OK, AT_EACCESS) != 0) {
		if (atomic_load(&d->health) == HEALTH_OK)
			set_broken(d, strerror(errno));
		return;
	}
	if (atomic_exchange(&d->reopen, false)) {
		reopen_all(d, "reopened (SIGHUP)");
		return;
	}
	if (replaced || atomic_load(&d->health) != HEALTH_OK) {
		reopen_all(d, replaced && atomic_load(&d->health) == HEALTH_OK
		                  ? "replaced by another file: reopened"
		                  : NULL);
		return;
	}
	if (db_data_version(d->watch_db, &version) != 0) {
		reopen_all(d, NULL);
		return;
	}
	if (version != d->version) {
		d->version = version;
		srv_cache_invalidate(d->cache);
		atomic_fetch_add(&d->reloads, 1);
	} else if (rewritten) {
		/* The file changed and SQLite saw no commit: a checkpoint, or a write behind its
		 * back. A fresh open tells which (a garbage header makes it fail). */
		struct db_error err = { 0 };
		struct db *probe = db_open(path_of(d), false, &err);
		if (probe == NULL)
			reopen_all(d, NULL);
		db_close(probe);
	}
}

static void *watch(void *arg)
{
	struct srv_data *d = arg;

	while (!pause_or_stop(d))
		check(d);
	return NULL;
}

/* Its own thread, never the watcher's: the watcher reads the store, and waits when an import
 * is about to commit, for readers that include these very snapshots. */
static void *keep(void *arg)
{
	struct srv_data *d = arg;

	while (!pause_or_stop(d))
		end_kept(d);
	return NULL;
}

static void data_free(struct srv_data *d)
{
	srv_cache_free(d->cache);
	db_close(d->watch_db);
	pthread_mutex_destroy(&d->threads_lock);
	pthread_cond_destroy(&d->wake);
	pthread_mutex_destroy(&d->lock);
	free(d->paths[0]);
	free(d->paths[1]);
	free(d);
}

static void stop_threads(struct srv_data *d, bool keeper)
{
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_broadcast(&d->wake);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->watcher, NULL);
	if (keeper)
		pthread_join(d->keeper, NULL);
}

struct srv_data *srv_data_open(const char *path, const char *later, size_t cache_bytes,
                               struct db_error *err)
{
	struct srv_data *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->paths[0] = strdup(path)) == NULL ||
	    (later != NULL && (d->paths[1] = strdup(later)) == NULL)) {
		if (d != NULL)
			free(d->paths[0]);
		free(d);
		snprintf(err->text, sizeof(err->text), "out of memory");
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->threads_lock, NULL);
	srv_cond_init(&d->wake);
	stat(path, &d->seen);
	d->watch_db = db_open(path, false, err);
	d->cache = srv_cache_new(cache_bytes);
	if (d->watch_db == NULL || d->cache == NULL || pthread_key_create(&d->key, close_thread_db))
		goto fail;
	db_data_version(d->watch_db, &d->version);
	if (pthread_create(&d->watcher, NULL, watch, d) != 0) {
		pthread_key_delete(d->key);
		goto fail;
	}
	if (pthread_create(&d->keeper, NULL, keep, d) != 0) {
		stop_threads(d, false);
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
	stop_threads(d, true);
	pthread_key_delete(d->key); /* worker threads have ended and closed their connections */
	data_free(d);
}

const char *srv_data_path(struct srv_data *d)
{
	return path_of(d);
}

void srv_data_reopen(struct srv_data *d)
{
	atomic_store(&d->reopen, true);
}

bool srv_data_ready(struct srv_data *d)
{
	return atomic_load_explicit(&d->health, memory_order_relaxed) == HEALTH_OK;
}

/* The calling thread's entry, listed for end_kept(); NULL when out of memory. */
static struct thread_db *new_thread_db(struct srv_data *d)
{
	struct thread_db *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->d = d;
	if (pthread_setspecific(d->key, t) != 0) {
		free(t);
		return NULL;
	}
	pthread_mutex_lock(&d->threads_lock);
	t->next = d->threads;
	if (t->next != NULL)
		t->next->prev = t;
	d->threads = t;
	pthread_mutex_unlock(&d->threads_lock);
	return t;
}

struct db *srv_data_db(struct srv_data *d)
{
	struct db_error err = { 0 };
	struct thread_db *t = pthread_getspecific(d->key);
	unsigned generation = atomic_load(&d->generation);

	if (!srv_data_ready(d))
		return NULL;
	if (t == NULL && (t = new_thread_db(d)) == NULL)
		return NULL;
	uint64_t data = srv_cache_generation(d->cache);
	if (t->db != NULL && t->generation == generation) {
		/* The watcher has seen a commit since this thread's snapshot may have begun: the
		 * request (whose answer is kept under this generation or a later one) reads a
		 * fresh one. Not reading now, so it ends at once. */
		if (t->data != data) {
			db_read_end_soon(t->db);
			t->data = data;
		}
		return t->db;
	}
	t->data = data;
	struct db *db = db_open(path_of(d), false, &err), *old;
	if (db != NULL && db_read_keep(db) != 0) {
		db_close(db);
		db = NULL;
	}
	pthread_mutex_lock(&d->threads_lock); /* end_kept() may be reading t->db */
	old = t->db;
	t->db = db;
	pthread_mutex_unlock(&d->threads_lock);
	db_close(old);
	t->generation = generation;
	return t->db;
}

struct srv_cache *srv_data_cache(struct srv_data *d)
{
	return d->cache;
}

unsigned long long srv_data_reloads(struct srv_data *d)
{
	return atomic_load_explicit(&d->reloads, memory_order_relaxed);
}
