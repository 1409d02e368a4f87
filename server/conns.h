// SPDX-License-Identifier: MIT
// budgetd's own account of the open connections: which client group each comes from, and
// whether it is quiet (no request begun), sending a request, or being answered. From that:
// the per-client limit, room for a new connection at the limit by cutting the oldest quiet
// one, and deadlines for connections that hold a slot without completing a request
// (libmicrohttpd's timeout is an idle timeout, which a client sending one byte every few
// seconds resets forever: slowloris). Internal to server/.
#ifndef BUDGETD_SRV_CONNS_H
#define BUDGETD_SRV_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Whom a connection is counted against: an IPv4 address (an IPv4-mapped IPv6 one too), or
 * an IPv6 /64, the block one subscriber usually gets. family 0: no address known. */
struct srv_conn_group {
	unsigned char family; /* 0, 4 or 6 */
	unsigned char bytes[8]; /* the first 4 (IPv4) or 8 (IPv6) are used, the rest are 0 */
};

/* The group of sa (NULL or not IP: family 0). */
void srv_conns_group(const struct sockaddr *sa, struct srv_conn_group *g);

/* Embedded in each connection's record; owned by whoever owns the record. Fields are
 * conns.c's, under its lock. */
struct srv_conn_slot {
	struct srv_conn_slot *prev, *next; /* every open connection */
	struct srv_conn_slot *lprev, *lnext; /* the list of its state, oldest first */
	struct srv_conn_slot *gprev, *gnext; /* its group's hash bucket */
	struct srv_conn_group group;
	int fd;
	int state;
	long long since_ms; /* accepted, or last answer done (CLOCK_MONOTONIC): the deadline */
	long long begun_ms; /* its request line came in */
	bool cut; /* shut down already */
	char what[120]; /* the request being answered, for the stop's log line */
};

struct srv_conns;

/* Starts the accounting and its sweeper thread. max_connections: connections kept open at
 * most; per_group: connections from one group at most (0: no limit). Every 250 ms the
 * sweeper shuts down the socket of each connection that has been without a request being
 * answered for timeout_s seconds, or for 3 s while more than three quarters of
 * max_connections are open. NULL when out of memory or threads. Free with srv_conns_free(). */
struct srv_conns *srv_conns_new(unsigned max_connections, unsigned per_group, unsigned timeout_s);
void srv_conns_free(struct srv_conns *c);

/* A connection accepted on socket fd, from sa (may be NULL). When its group already has
 * per_group connections it is refused: its socket is shut down at once. When it is one too
 * many, room is made by shutting down the oldest quiet connection (accepted or done with its
 * last answer, and no request line since), else the one whose request has been coming in for
 * more than a second the longest; when every other connection is being answered or has just
 * begun its request, the new one is refused. Returns false when refused. A shut-down
 * connection stays counted until srv_conns_remove: libmicrohttpd sees the end of the stream
 * on its own thread and closes it as for any client that went away. */
bool srv_conns_add(struct srv_conns *c, struct srv_conn_slot *slot, int fd,
                   const struct sockaddr *sa);

/* The connection is closed. Must be called before the socket is: libmicrohttpd's close
 * notification comes before it closes the socket, so a descriptor reused for another
 * connection is never shut down. */
void srv_conns_remove(struct srv_conns *c, struct srv_conn_slot *slot);

/* A request line has come in / its head is complete and it is being answered (what: a few
 * words naming it, for srv_conns_stuck) / its answer is done, or it ended without one (the
 * connection is quiet again, and its deadline restarts). */
void srv_conns_begun(struct srv_conns *c, struct srv_conn_slot *slot);
void srv_conns_busy(struct srv_conns *c, struct srv_conn_slot *slot, const char *what);
void srv_conns_idle(struct srv_conns *c, struct srv_conn_slot *slot);

/* How many requests are being answered; the oldest is described in buf ("" when none). */
unsigned srv_conns_stuck(struct srv_conns *c, char *buf, size_t size);

#endif
