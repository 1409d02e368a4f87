// SPDX-License-Identifier: MIT
// Trusted reverse proxies (--trusted-proxy): which peers may tell the client's address, and
// reading it from their Forwarded (RFC 7239) or X-Forwarded-For header. Internal to server/.
#ifndef BUDGETD_SRV_PROXY_H
#define BUDGETD_SRV_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define SRV_PROXIES_MAX 64

/* One network: an IPv4 (family 4) or IPv6 (family 6) address and a prefix length. */
struct srv_proxy_net {
	unsigned char family;
	unsigned char addr[16];
	unsigned bits;
};

/* The networks of the trusted proxies; zero-initialised it trusts none. */
struct srv_proxies {
	size_t n;
	struct srv_proxy_net net[SRV_PROXIES_MAX];
};

/* Adds "ADDR" or "ADDR/BITS" (IPv4 or IPv6). Returns 0, or -1 with a message in err (what is
 * wrong with spec) when it is not an address, BITS is not a number up to 32 (IPv4) or 128
 * (IPv6), or the list is full. */
int srv_proxies_add(struct srv_proxies *p, const char *spec, char *err, size_t err_size);

/* Adds each item of a comma-separated list (empty items skipped), as srv_proxies_add. */
int srv_proxies_add_list(struct srv_proxies *p, const char *list, char *err, size_t err_size);

/* Whether sa (an IPv4-mapped IPv6 address counts as IPv4) is inside a trusted network. */
bool srv_proxies_trusted_peer(const struct srv_proxies *p, const struct sockaddr *sa);

/* The client's address as a trusted proxy tells it: from forwarded (all Forwarded header
 * values, joined by commas), else from xff (all X-Forwarded-For values, joined by commas);
 * either may be NULL. Walking the hops from the right, the first address that is not a
 * trusted proxy is the client's; when every hop is trusted, the left-most. Writes the
 * address in canonical text to buf and returns true; false (buf untouched) when the header
 * is missing or malformed, or the walk meets a hop that is not an address (Forwarded's
 * "unknown" or an obfuscated "_name"): the caller then keeps the peer's address. */
bool srv_proxies_client(const struct srv_proxies *p, const char *forwarded, const char *xff,
                        char *buf, size_t size);

#endif
