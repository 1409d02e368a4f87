// SPDX-License-Identifier: MIT
// Deadlines for connections that hold a slot without completing a request: libmicrohttpd's
// timeout is an idle timeout, which a client sending one byte every few seconds resets
// forever (slowloris). Internal to server/.
#ifndef BUDGETD_SRV_CONNS_H
#define BUDGETD_SRV_CONNS_H

#include <stdatomic.h>
#include <stdbool.h>

/* Embedded in each connection's record; owned by whoever owns the record. */
struct srv_conn_slot {
	struct srv_conn_slot *prev, *next;
	int fd;
	atomic_bool busy; /* a request is being answered: no deadline runs */
	atomic_llong since_ms; /* accepted, or last answer done (CLOCK_MONOTONIC) */
	bool cut; /* shut down already */
};

struct srv_conns;

/* Starts the sweeper: every 250 ms it shuts down the socket of each connection that has
 * been without a request being answered for timeout_s seconds, or for 3 s while more than
 * three quarters of max_connections are open, so that slow clients cannot keep the slots
 * from everyone else. NULL when out of memory or threads. Free with srv_conns_free(). */
struct srv_conns *srv_conns_new(unsigned max_connections, unsigned timeout_s);
void srv_conns_free(struct srv_conns *c);

/* A connection accepted on socket fd / closed. srv_conns_remove must be called before the
 * socket is closed: libmicrohttpd's close notification comes before it closes the socket,
 * so the sweeper never shuts down a descriptor that was reused for another connection. */
void srv_conns_add(struct srv_conns *c, struct srv_conn_slot *slot, int fd);
void srv_conns_remove(struct srv_conns *c, struct srv_conn_slot *slot);

/* A request's head is complete (busy) / its answer is done (idle again, deadline restarts). */
void srv_conns_busy(struct srv_conn_slot *slot, bool busy);

#endif
