// SPDX-License-Identifier: MIT
// The connection sweeper: a list of open connections under one lock, walked four times a
// second. Shutting a socket down (not closing it) makes libmicrohttpd see the end of the
// stream on its own thread and clean up as for any client that went away.
#include "conns.h"
#include "wait.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define SWEEP_MS 250
#define PRESSED_MS 3000 /* the deadline while the slots run short */

struct srv_conns {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t sweeper;
	struct srv_conn_slot *head;
	unsigned open, max;
	long long timeout_ms;
	bool stopping;
};

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sweep(struct srv_conns *c)
{
	long long now = now_ms();
	long long limit = c->open > c->max / 4 * 3 ? PRESSED_MS : c->timeout_ms;

	for (struct srv_conn_slot *s = c->head; s != NULL; s = s->next) {
		if (s->cut || atomic_load(&s->busy) || now - atomic_load(&s->since_ms) < limit)
			continue;
		shutdown(s->fd, SHUT_RDWR);
		s->cut = true;
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

struct srv_conns *srv_conns_new(unsigned max_connections, unsigned timeout_s)
{
	struct srv_conns *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	srv_cond_init(&c->wake);
	c->max = max_connections;
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

void srv_conns_add(struct srv_conns *c, struct srv_conn_slot *slot, int fd)
{
	slot->fd = fd;
	atomic_store(&slot->busy, false);
	atomic_store(&slot->since_ms, now_ms());
	pthread_mutex_lock(&c->lock);
	slot->prev = NULL;
	slot->next = c->head;
	if (c->head != NULL)
		c->head->prev = slot;
	c->head = slot;
	c->open++;
	pthread_mutex_unlock(&c->lock);
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
	c->open--;
	pthread_mutex_unlock(&c->lock);
}

void srv_conns_busy(struct srv_conn_slot *slot, bool busy)
{
	if (!busy)
		atomic_store(&slot->since_ms, now_ms());
	atomic_store(&slot->busy, busy);
}
