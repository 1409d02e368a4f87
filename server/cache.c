// SPDX-License-Identifier: MIT
// A hash table of finished responses under a byte budget. Hits take a shared lock and only
// set a flag, so worker threads serve hits side by side; eviction (CLOCK: the oldest entry
// goes unless it was used since the hand last passed, then it gets another round) takes the
// exclusive lock. libmicrohttpd responses are reference counted, so a cached response can be
// queued on many connections at once and evicted while some are still sending it.
//
// Admission (#17): while there is room every answer is kept; once the budget is spent, an
// answer only gets in on its second computation within a while (a "seen once" table of
// hashes, overwritten as other answers miss). Random one-off requests over a large store
// then never pay for an entry, the eviction it forces and the frees after it, and never
// push out an answer that is asked for again. "A while" is about as many refused answers
// as the cache holds entries (the table's window, a power of two): an answer asked for
// twice within that is asked for more often than what it pushes out, roughly. With a window
// of 16,384 whatever the cache held, random traffic over a region's store pushed out an
// entry for one request in ten, for newcomers no better than what they replaced (#17
// round 15).
#include "cache.h"
#include "hash.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 4096 /* a power of two */
/* What an entry costs beyond its body and key: the libmicrohttpd response and its dozen
 * header lines, each a malloc'd name and value (1.8 KB measured with mallinfo2), so that
 * the budget bounds memory, not only bodies. */
#define RESPONSE_COST 2048
/* Bounds of the "seen once" table's window (powers of two, slots of 8 bytes): how many
 * distinct refused answers it remembers, roughly, before a repeat is forgotten. */
#define SEEN_MIN 64
#define SEEN_MAX (1 << 20)

struct entry {
	struct entry *next; /* in its bucket */
	struct entry *newer, *older; /* in the CLOCK list, oldest first to go */
	atomic_bool used; /* served since the hand last passed */
	uint64_t hash;
	char *key;
	struct MHD_Response *response; /* a 200 */
	enum srv_kind kind; /* its headers, also those of a 304 for it */
	char etag[SRV_ETAG_SIZE];
	int64_t modified;
	size_t body; /* bytes on the wire, for the access log */
	size_t bytes; /* what the entry costs the budget */
	bool in_file; /* its body is a file's (an open file descriptor) */
};

struct srv_cache {
	pthread_rwlock_t lock;
	struct entry *buckets[BUCKETS];
	struct entry *newest, *oldest;
	size_t entries, bytes, max_bytes;
	atomic_size_t files, max_files; /* entries in_file, and how many may be */
	atomic_bool churns; /* it has evicted since it was last emptied (srv_cache_body()) */
	uint64_t generation;
	atomic_uint_fast64_t hits, misses, refused, evicted;
	/* hashes of answers refused once; lock-free: a lost race only delays or hastens one
	 * admission. The window is seen[0 .. seen_mask]: it follows the entries (set_window()),
	 * up to the n_seen slots that the most entries the budget can hold need. */
	atomic_uint_fast64_t *seen;
	size_t n_seen;
	atomic_size_t seen_mask;
};

/* The largest power of two at most n, within [lo, hi] (both powers of two). */
static size_t pow2_within(size_t n, size_t lo, size_t hi)
{
	size_t p = lo;

	while (p < hi && 2 * p <= n)
		p *= 2;
	return p;
}

/* XXH64, eight bytes a step: a hit hashes its whole key, and FNV-1a a byte a step was 500
 * of a hit's 18,000 instructions (issue #17 round 13). */
static uint64_t hash_key(const char *s)
{
	return srv_hash64(s, strlen(s), 0);
}

struct srv_cache *srv_cache_new(size_t max_bytes)
{
	struct srv_cache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	/* every entry costs RESPONSE_COST at least: no more can be held */
	c->n_seen = pow2_within(max_bytes / RESPONSE_COST, SEEN_MIN, SEEN_MAX);
	if ((c->seen = calloc(c->n_seen, sizeof(*c->seen))) == NULL) {
		free(c);
		return NULL;
	}
	pthread_rwlock_init(&c->lock, NULL);
	c->max_bytes = max_bytes;
	atomic_init(&c->seen_mask, SEEN_MIN - 1);
	return c;
}

/* The "seen once" window after the entries changed (under the write lock): the largest power
 * of two at most the entries, so between half and all of them. Simulated (tests/bench/
 * admission.py: 200,000 answers, Zipf 0.7 and 0.9, 1,000 to 20,000 entries), half to all of
 * the entries gave the best hit rates or within 0.2 points of them, with a third (5,000
 * entries) to a fourteenth (1,000) of the churn of a fixed 16,384 slots; four times the
 * entries lost up to 1.3 points of hits, a quarter up to 1.9. */
static void set_window(struct srv_cache *c)
{
	atomic_store_explicit(&c->seen_mask, pow2_within(c->entries, SEEN_MIN, c->n_seen) - 1,
	                      memory_order_relaxed);
}

static void unlink_lru(struct srv_cache *c, struct entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void push_newest(struct srv_cache *c, struct entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

static void drop(struct srv_cache *c, struct entry *e)
{
	struct entry **p = &c->buckets[e->hash & (BUCKETS - 1)];

	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	unlink_lru(c, e);
	c->entries--;
	c->bytes -= e->bytes;
	if (e->in_file)
		atomic_fetch_sub(&c->files, 1);
	MHD_destroy_response(e->response); /* freed once no connection still sends it */
	free(e->key);
	free(e);
}

static void drop_all(struct srv_cache *c)
{
	while (c->oldest != NULL)
		drop(c, c->oldest);
}

void srv_cache_free(struct srv_cache *c)
{
	if (c == NULL)
		return;
	drop_all(c);
	pthread_rwlock_destroy(&c->lock);
	free(c->seen);
	free(c);
}

void srv_cache_files_set(struct srv_cache *c, size_t n)
{
	atomic_store(&c->max_files, n);
}

uint64_t srv_cache_generation(struct srv_cache *c)
{
	uint64_t g;

	pthread_rwlock_rdlock(&c->lock);
	g = c->generation;
	pthread_rwlock_unlock(&c->lock);
	return g;
}

void srv_cache_invalidate(struct srv_cache *c)
{
	pthread_rwlock_wrlock(&c->lock);
	c->generation++;
	drop_all(c);
	set_window(c);
	atomic_store_explicit(&c->churns, false, memory_order_relaxed);
	pthread_rwlock_unlock(&c->lock);
}

static struct entry *find(struct srv_cache *c, const char *key, uint64_t h)
{
	for (struct entry *e = c->buckets[h & (BUCKETS - 1)]; e != NULL; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

bool srv_cache_serve(struct srv_cache *c, const char *key, struct MHD_Connection *conn,
                     enum MHD_Result *ret)
{
	uint64_t h = hash_key(key);
	struct entry *e;

	pthread_rwlock_rdlock(&c->lock);
	e = find(c, key, h);
	if (e == NULL) {
		pthread_rwlock_unlock(&c->lock);
		atomic_fetch_add(&c->misses, 1);
		return false;
	}
	atomic_store(&e->used, true);
	/* Queued under the lock: queueing takes libmicrohttpd's own reference, so an eviction
	 * right after cannot free what this connection is about to send. */
	if (!srv_not_modified(conn, e->etag, e->modified, e->kind, ret))
		*ret = srv_queue(conn, MHD_HTTP_OK, e->response, e->body);
	pthread_rwlock_unlock(&c->lock);
	atomic_fetch_add(&c->hits, 1);
	return true;
}

/* Frees room for the newest entry: the oldest unused entry goes; a used one is marked
 * unused and moved to the newest end (bounded: each entry is passed at most twice). */
static void evict(struct srv_cache *c, const struct entry *keep)
{
	for (size_t passes = 2 * c->entries; c->bytes > c->max_bytes && passes > 0; passes--) {
		struct entry *e = c->oldest;
		if (e == NULL || e == keep)
			return;
		if (atomic_exchange(&e->used, false)) {
			unlink_lru(c, e);
			push_newest(c, e);
			continue;
		}
		drop(c, e);
		atomic_fetch_add_explicit(&c->evicted, 1, memory_order_relaxed);
		atomic_store_explicit(&c->churns, true, memory_order_relaxed);
	}
}

/* Hash h's slot of the "seen once" table. */
static atomic_uint_fast64_t *seen_slot(struct srv_cache *c, uint64_t h)
{
	return &c->seen[(h >> 12) & atomic_load_explicit(&c->seen_mask, memory_order_relaxed)];
}

/* The second time hash h is offered within the table's memory: true (and it is forgotten,
 * being kept now). The first time: remembered, false. */
static bool seen_before(struct srv_cache *c, uint64_t h)
{
	atomic_uint_fast64_t *slot = seen_slot(c, h);

	if (h != 0 && atomic_load_explicit(slot, memory_order_relaxed) == h) {
		atomic_store_explicit(slot, 0, memory_order_relaxed);
		return true;
	}
	atomic_store_explicit(slot, h, memory_order_relaxed);
	return false;
}

/* What an entry of key with a body of bytes costs the budget. */
static size_t cost_of(const char *key, size_t bytes)
{
	return bytes + strlen(key) + sizeof(struct entry) + RESPONSE_COST;
}

/* 1 when an answer of cost bytes for key (hash h) fits without evicting anything, 0 when it
 * does not, -1 when it never gets in: too big, or kept already (another thread computed it
 * too). */
static int fits(struct srv_cache *c, const char *key, uint64_t h, size_t cost)
{
	bool room, held;

	if (cost > c->max_bytes / 4)
		return -1; /* too big: it would push out too much */
	pthread_rwlock_rdlock(&c->lock);
	room = c->bytes + cost <= c->max_bytes;
	held = find(c, key, h) != NULL;
	pthread_rwlock_unlock(&c->lock);
	return held ? -1 : room;
}

/* Whether an answer of cost bytes for key (hash h) gets in: always while it fits without
 * evicting anything, else only when seen before. */
static bool admits(struct srv_cache *c, const char *key, uint64_t h, size_t cost)
{
	int f = fits(c, key, h, cost);

	if (f < 0)
		return false;
	if (f || seen_before(c, h))
		return true;
	atomic_fetch_add_explicit(&c->refused, 1, memory_order_relaxed);
	return false;
}

enum srv_body srv_cache_body(struct srv_cache *c, const char *key, size_t bytes)
{
	uint64_t h = hash_key(key);
	int f;

	if (atomic_load(&c->files) >= atomic_load(&c->max_files))
		return SRV_BODY_BUFFER;
	f = fits(c, key, h, cost_of(key, bytes));
	/* seen_before()'s answer, without remembering or forgetting anything */
	if (f < 0 || (f == 0 &&
	              (h == 0 || atomic_load_explicit(seen_slot(c, h), memory_order_relaxed) != h)))
		return SRV_BODY_BUFFER;
	/* the room an eviction leaves is churn too: what fills it is pushed out soon */
	return f == 0 || atomic_load_explicit(&c->churns, memory_order_relaxed) ? SRV_BODY_MEMFD
	                                                                        : SRV_BODY_FILE;
}

void srv_cache_put(struct srv_cache *c, const char *key, struct MHD_Response *r, enum srv_kind kind,
                   const char *etag, int64_t modified, size_t bytes, bool in_file,
                   uint64_t generation)
{
	uint64_t h = hash_key(key);
	size_t cost = cost_of(key, bytes);
	struct entry *e = NULL;

	if (!admits(c, key, h, cost) || (e = calloc(1, sizeof(*e))) == NULL ||
	    (e->key = strdup(key)) == NULL) {
		free(e);
		MHD_destroy_response(r); /* not kept: too big, seen once only, or no memory */
		return;
	}
	e->hash = h;
	e->response = r;
	e->kind = kind;
	e->modified = modified;
	e->body = bytes;
	e->bytes = cost;
	e->in_file = in_file;
	strncpy(e->etag, etag, sizeof(e->etag) - 1);
	pthread_rwlock_wrlock(&c->lock);
	if (generation != c->generation || find(c, key, h) != NULL) {
		/* computed from data that has since changed, or another thread was first */
		pthread_rwlock_unlock(&c->lock);
		MHD_destroy_response(r);
		free(e->key);
		free(e);
		return;
	}
	e->next = c->buckets[h & (BUCKETS - 1)];
	c->buckets[h & (BUCKETS - 1)] = e;
	push_newest(c, e);
	c->entries++;
	c->bytes += e->bytes;
	if (in_file)
		atomic_fetch_add(&c->files, 1);
	evict(c, e);
	set_window(c);
	pthread_rwlock_unlock(&c->lock);
}

void srv_cache_stats(struct srv_cache *c, size_t *entries, size_t *bytes, uint64_t *hits,
                     uint64_t *misses)
{
	pthread_rwlock_rdlock(&c->lock);
	*entries = c->entries;
	*bytes = c->bytes;
	pthread_rwlock_unlock(&c->lock);
	*hits = atomic_load(&c->hits);
	*misses = atomic_load(&c->misses);
}

void srv_cache_admission(struct srv_cache *c, uint64_t *refused, uint64_t *evicted)
{
	*refused = atomic_load(&c->refused);
	*evicted = atomic_load(&c->evicted);
}
