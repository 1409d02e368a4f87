// SPDX-License-Identifier: MIT
// The connection account: every open connection under one lock, in a list of all, in the
// list of its state (oldest first, so the one to cut is at the head), and in a hash bucket
// of its client group. Shutting a socket down (not closing it) makes libmicrohttpd see the
// end of the stream on its own thread and clean up as for any client that went away.
#include "conns.h"
#include "wait.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#define SWEEP_MS 250
#define PRESSED_MS 3000 /* the deadline while the slots run short */
#define SLOW_HEAD_MS 1000 /* a request head still coming in after this is a slow client's */
#define BUCKETS 1024
#define QUIET_LOOK 16

enum {
	QUIET,
	BEGUN,
	BUSY,
	STATES
};

struct srv_conns {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t sweeper;
	struct srv_conn_slot *head;
	struct srv_conn_slot *first[STATES], *last[STATES]; /* by state, oldest first */
	struct srv_conn_slot *bucket[BUCKETS];
	unsigned live; /* open and not shut down */
	unsigned max, per_group;
	long long timeout_ms;
	bool stopping;
};

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void srv_conns_group(const struct sockaddr *sa, struct srv_conn_group *g)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(g, 0, sizeof(*g));
	if (sa != NULL && sa->sa_family == AF_INET) {
		g->family = 4;
		memcpy(g->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const unsigned char *a =
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		bool v4 = memcmp(a, mapped, sizeof(mapped)) == 0;

		g->family = v4 ? 4 : 6;
		memcpy(g->bytes, v4 ? a + 12 : a, v4 ? 4 : 8);
	}
}

static unsigned group_hash(const struct srv_conn_group *g)
{
	unsigned h = 2166136261u ^ g->family;

	for (size_t i = 0; i < sizeof(g->bytes); i++)
		h = (h ^ g->bytes[i]) * 16777619u;
	return h % BUCKETS;
}

static bool same_group(const struct srv_conn_group *a, const struct srv_conn_group *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

static unsigned group_count(const struct srv_conns *c, const struct srv_conn_group *g)
{
	unsigned n = 0;

	for (const struct srv_conn_slot *s = c->bucket[group_hash(g)]; s != NULL; s = s->gnext)
		n += same_group(&s->group, g);
	return n;
}

static void state_unlink(struct srv_conns *c, struct srv_conn_slot *s)
{
	if (s->lprev != NULL)
		s->lprev->lnext = s->lnext;
	else
		c->first[s->state] = s->lnext;
	if (s->lnext != NULL)
		s->lnext->lprev = s->lprev;
	else
		c->last[s->state] = s->lprev;
	s->lprev = s->lnext = NULL;
}

static void state_append(struct srv_conns *c, struct srv_conn_slot *s, int state)
{
	s->state = state;
	s->lnext = NULL;
	s->lprev = c->last[state];
	if (c->last[state] != NULL)
		c->last[state]->lnext = s;
	else
		c->first[state] = s;
	c->last[state] = s;
}

/* Shuts the connection down and takes it out of the state lists: it is never chosen again. */
static void cut(struct srv_conns *c, struct srv_conn_slot *s)
{
	shutdown(s->fd, SHUT_RDWR);
	state_unlink(c, s);
	s->cut = true;
	c->live--;
}

static void sweep(struct srv_conns *c)
{
	long long now = now_ms();
	long long limit = c->live > c->max / 4 * 3 ? PRESSED_MS : c->timeout_ms;

	for (struct srv_conn_slot *s = c->head; s != NULL; s = s->next) {
		if (s->cut || s->state == BUSY || now - s->since_ms < limit)
			continue;
		cut(c, s);
	}
}

static void *run(void *arg)
{
	struct srv_conns *c = arg;

	pthread_mutex_lock(&c->lock);
	while (!c->stopping) {
		srv_cond_wait_ms(&c->wake, &c->lock, SWEEP_MS);
		if (!c->stopping)
			sweep(c);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

struct srv_conns *srv_conns_new(unsigned max_connections, unsigned per_group, unsigned timeout_s)
{
	struct srv_conns *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	srv_cond_init(&c->wake);
	c->max = max_connections;
	c->per_group = per_group;
	c->timeout_ms = (long long)timeout_s * 1000;
	if (pthread_create(&c->sweeper, NULL, run, c) != 0) {
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	return c;
}

void srv_conns_free(struct srv_conns *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->sweeper, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Whether bytes wait on the socket that libmicrohttpd has not read yet: a request that has
 * come in, though no request line was seen. */
static bool unread(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

/* The connection to cut so that a new one fits, or NULL: the oldest quiet one, else the
 * slowest request head. A request being answered is never cut. Under a flood of connections
 * that send nothing, each cut one reconnecting at once, the oldest quiet connection may be
 * only a few tens of milliseconds old: one whose request has arrived but is still unread is
 * counted as begun instead (QUIET_LOOK of them at most, so that this stays short). */
static struct srv_conn_slot *victim(struct srv_conns *c, long long now)
{
	struct srv_conn_slot *s, *slow;

	for (int i = 0; i < QUIET_LOOK && (s = c->first[QUIET]) != NULL; i++) {
		if (!unread(s->fd))
			return s;
		s->begun_ms = now;
		state_unlink(c, s);
		state_append(c, s, BEGUN);
	}
	slow = c->first[BEGUN];
	if (slow != NULL && now - slow->begun_ms > SLOW_HEAD_MS)
		return slow;
	return NULL;
}

bool srv_conns_add(struct srv_conns *c, struct srv_conn_slot *slot, int fd,
                   const struct sockaddr *sa)
{
	long long now = now_ms();
	unsigned b;
	bool ok = true;

	memset(slot, 0, sizeof(*slot));
	slot->fd = fd;
	slot->since_ms = now;
	srv_conns_group(sa, &slot->group);
	b = group_hash(&slot->group);
	pthread_mutex_lock(&c->lock);
	if (slot->group.family != 0 && c->per_group != 0 &&
	    group_count(c, &slot->group) >= c->per_group) {
		ok = false;
	} else if (c->live >= c->max) {
		struct srv_conn_slot *v = victim(c, now);

		if (v != NULL)
			cut(c, v);
		ok = v != NULL;
	}
	slot->next = c->head;
	if (c->head != NULL)
		c->head->prev = slot;
	c->head = slot;
	slot->gnext = c->bucket[b];
	if (c->bucket[b] != NULL)
		c->bucket[b]->gprev = slot;
	c->bucket[b] = slot;
	state_append(c, slot, QUIET);
	c->live++;
	if (!ok)
		cut(c, slot);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void srv_conns_remove(struct srv_conns *c, struct srv_conn_slot *slot)
{
	pthread_mutex_lock(&c->lock);
	if (slot->prev != NULL)
		slot->prev->next = slot->next;
	else
		c->head = slot->next;
	if (slot->next != NULL)
		slot->next->prev = slot->prev;
	if (slot->gprev != NULL)
		slot->gprev->gnext = slot->gnext;
	else
		c->bucket[group_hash(&slot->group)] = slot->gnext;
	if (slot->gnext != NULL)
		slot->gnext->gprev = slot->gprev;
	if (!slot->cut) {
		state_unlink(c, slot);
		c->live--;
	}
	pthread_mutex_unlock(&c->lock);
}

/* Moves a connection that is still open to the end of another state's list. */
static void move(struct srv_conns *c, struct srv_conn_slot *slot, int state)
{
	if (slot->cut)
		return;
	state_unlink(c, slot);
	state_append(c, slot, state);
}

void srv_conns_begun(struct srv_conns *c, struct srv_conn_slot *slot)
{
	pthread_mutex_lock(&c->lock);
	slot->begun_ms = now_ms();
	move(c, slot, BEGUN);
	pthread_mutex_unlock(&c->lock);
}

void srv_conns_busy(struct srv_conns *c, struct srv_conn_slot *slot, const char *what)
{
	size_t n = strnlen(what, sizeof(slot->what) - 1);

	pthread_mutex_lock(&c->lock);
	memcpy(slot->what, what, n);
	slot->what[n] = '\0';
	move(c, slot, BUSY);
	slot->state = BUSY; /* a cut connection's answer is still under way: not a deadline's */
	pthread_mutex_unlock(&c->lock);
}

void srv_conns_idle(struct srv_conns *c, struct srv_conn_slot *slot)
{
	pthread_mutex_lock(&c->lock);
	slot->since_ms = now_ms();
	move(c, slot, QUIET);
	slot->state = QUIET;
	pthread_mutex_unlock(&c->lock);
}

unsigned srv_conns_stuck(struct srv_conns *c, char *buf, size_t size)
{
	const struct srv_conn_slot *oldest = NULL;
	unsigned n = 0;

	pthread_mutex_lock(&c->lock);
	for (const struct srv_conn_slot *s = c->head; s != NULL; s = s->next) {
		if (s->state != BUSY)
			continue;
		n++;
		if (oldest == NULL || s->begun_ms < oldest->begun_ms)
			oldest = s;
	}
	snprintf(buf, size, "%s", oldest != NULL ? oldest->what : "");
	pthread_mutex_unlock(&c->lock);
	return n;
}
