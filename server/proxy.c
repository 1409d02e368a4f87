// SPDX-License-Identifier: MIT
// Trusted proxies and the client address they forward. Only a peer inside a trusted network
// is believed; its header is read from the right, where the hops nearest to us wrote, and the
// first hop that is not a trusted proxy is the client (left of it, anything may be forged).
#include "proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HOPS 64
#define NODE_MAX 100

/* An address, IPv4-mapped IPv6 ones folded to IPv4 (family 4). family 0: not an address. */
struct addr {
	unsigned char family;
	unsigned char bytes[16];
};

static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static void fold(struct addr *a)
{
	if (a->family == 6 && memcmp(a->bytes, mapped, sizeof(mapped)) == 0) {
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
		a->family = 4;
	}
}

/* A bare address, v4 or v6, the whole of s. */
static bool parse_bare(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		a->family = 6;
	fold(a);
	return a->family != 0;
}

/* RFC 7239 node port: digits, or an obfuscated "_name". */
static bool port_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return false;
	if (s[0] == '_')
		return strspn(s + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                     "0123456789._-") == n - 1;
	return n <= 5 && strspn(s, "0123456789") == n;
}

/* A node: "1.2.3.4", "1.2.3.4:80", "[2001:db8::1]", "[2001:db8::1]:4711", or a bare IPv6
 * address (as X-Forwarded-For carries it). "unknown" and "_obfuscated" are not addresses. */
static bool parse_node(const char *s, struct addr *a)
{
	char tmp[NODE_MAX];
	const char *colon;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(tmp))
		return false;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && (close[1] != ':' || !port_ok(close + 2))))
			return false;
		memcpy(tmp, s + 1, (size_t)(close - s - 1));
		tmp[close - s - 1] = '\0';
		return inet_pton(AF_INET6, tmp, a->bytes) == 1 && (a->family = 6, fold(a), true);
	}
	if (parse_bare(s, a))
		return true;
	colon = strchr(s, ':');
	if (colon == NULL || strchr(colon + 1, ':') != NULL || !port_ok(colon + 1))
		return false;
	memcpy(tmp, s, (size_t)(colon - s));
	tmp[colon - s] = '\0';
	return inet_pton(AF_INET, tmp, a->bytes) == 1 && (a->family = 4, true);
}

int srv_proxies_add(struct srv_proxies *p, const char *spec, char *err, size_t err_size)
{
	char host[NODE_MAX];
	const char *slash = strchr(spec, '/');
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
	struct addr a;
	unsigned long bits;
	char *end;

	if (p->n == SRV_PROXIES_MAX) {
		snprintf(err, err_size, "%s: more than %d trusted proxies", spec, SRV_PROXIES_MAX);
		return -1;
	}
	if (len >= sizeof(host)) {
		snprintf(err, err_size, "%.40s...: not an IPv4 or IPv6 address", spec);
		return -1;
	}
	memcpy(host, spec, len);
	host[len] = '\0';
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, host, a.bytes) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, host, a.bytes) == 1)
		a.family = 6;
	if (a.family == 0) {
		snprintf(err, err_size, "%s: not an IPv4 or IPv6 address", spec);
		return -1;
	}
	bits = a.family == 4 ? 32 : 128;
	if (slash != NULL) {
		unsigned long max = bits;

		if (slash[1] < '0' || slash[1] > '9' ||
		    (bits = strtoul(slash + 1, &end, 10), *end != '\0') || bits > max) {
			snprintf(err, err_size,
			         "%s: the prefix length must be a number from 0 to %lu", spec, max);
			return -1;
		}
	}
	/* Peers' IPv4-mapped addresses are matched as IPv4: so is ::ffff:10.0.0.0/104. */
	if (a.family == 6 && bits >= 96 && memcmp(a.bytes, mapped, sizeof(mapped)) == 0) {
		fold(&a);
		bits -= 96;
	}
	p->net[p->n].family = a.family;
	memcpy(p->net[p->n].addr, a.bytes, sizeof(a.bytes));
	p->net[p->n].bits = (unsigned)bits;
	p->n++;
	return 0;
}

int srv_proxies_add_list(struct srv_proxies *p, const char *list, char *err, size_t err_size)
{
	char item[NODE_MAX + 8];

	while (*list != '\0') {
		size_t len = strcspn(list, ",");

		while (len > 0 && (*list == ' ' || *list == '\t'))
			list++, len--;
		if (len >= sizeof(item)) {
			snprintf(err, err_size, "%.40s...: not an IPv4 or IPv6 address", list);
			return -1;
		}
		memcpy(item, list, len);
		item[len] = '\0';
		while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
			item[--len] = '\0';
		if (len > 0 && srv_proxies_add(p, item, err, err_size) != 0)
			return -1;
		list += strcspn(list, ",");
		if (*list == ',')
			list++;
	}
	return 0;
}

static bool in_net(const struct srv_proxy_net *n, const struct addr *a)
{
	unsigned full = n->bits / 8, rest = n->bits % 8;

	if (n->family != a->family || memcmp(n->addr, a->bytes, full) != 0)
		return false;
	return rest == 0 || ((n->addr[full] ^ a->bytes[full]) & (0xff00 >> rest) & 0xff) == 0;
}

static bool trusted(const struct srv_proxies *p, const struct addr *a)
{
	for (size_t i = 0; i < p->n; i++)
		if (in_net(&p->net[i], a))
			return true;
	return false;
}

bool srv_proxies_trusted_peer(const struct srv_proxies *p, const struct sockaddr *sa)
{
	struct addr a = { 0 };

	if (p == NULL || p->n == 0 || sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		a.family = 4;
		memcpy(a.bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		a.family = 6;
		memcpy(a.bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		fold(&a);
	} else {
		return false;
	}
	return trusted(p, &a);
}

static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *ows(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A token or quoted-string value into out (unquoted). Returns the text after it, or NULL. */
static const char *value(const char *s, char *out, size_t size)
{
	size_t n = 0;

	if (*s != '"') {
		while (tchar(*s) && n + 1 < size)
			out[n++] = *s++;
		out[n] = '\0';
		return n > 0 && !tchar(*s) ? s : NULL;
	}
	for (s++; *s != '"'; s++) {
		if (*s == '\\')
			s++;
		if (*s == '\0' || (unsigned char)*s < 0x20 || n + 1 >= size)
			return NULL;
		out[n++] = *s;
	}
	out[n] = '\0';
	return s + 1;
}

/* One forwarded-element's pairs, up to the ',' or the end; its for= node into hop (family 0
 * when it has none or it is not an address). Returns the text after it, or NULL. */
static const char *element(const char *s, struct addr *hop, bool *any)
{
	char name[32], val[NODE_MAX];
	bool seen_for = false;

	memset(hop, 0, sizeof(*hop));
	*any = false;
	for (;;) {
		size_t n = 0;

		s = ows(s);
		if (*s == ',' || *s == '\0')
			return s;
		if (*s == ';') {
			s++;
			continue;
		}
		while (tchar(*s) && n + 1 < sizeof(name))
			name[n++] = *s++;
		name[n] = '\0';
		if (n == 0 || *s++ != '=' || (s = value(s, val, sizeof(val))) == NULL)
			return NULL;
		*any = true;
		if (strcasecmp(name, "for") == 0) {
			if (seen_for)
				return NULL;
			seen_for = true;
			parse_node(val, hop);
		}
		s = ows(s);
		if (*s != ';' && *s != ',' && *s != '\0')
			return NULL;
	}
}

static int parse_forwarded(const char *s, struct addr *hops)
{
	int n = 0;
	bool any;

	while (*s != '\0') {
		if ((s = element(s, &hops[n], &any)) == NULL)
			return -1;
		if (any && ++n == MAX_HOPS && *s != '\0')
			return -1;
		if (*s == ',')
			s++;
	}
	return n;
}

static int parse_xff(const char *s, struct addr *hops)
{
	char node[NODE_MAX];
	int n = 0;

	while (*s != '\0') {
		size_t len;

		s = ows(s);
		len = strcspn(s, ",");
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len >= sizeof(node))
			return -1;
		memcpy(node, s, len);
		node[len] = '\0';
		if (len > 0) {
			if (n == MAX_HOPS || !parse_node(node, &hops[n++]))
				return -1;
		}
		s += strcspn(s, ",");
		if (*s == ',')
			s++;
	}
	return n;
}

bool srv_proxies_client(const struct srv_proxies *p, const char *forwarded, const char *xff,
                        char *buf, size_t size)
{
	struct addr hops[MAX_HOPS];
	char text[INET6_ADDRSTRLEN];
	int n = -1;

	if (forwarded != NULL)
		n = parse_forwarded(forwarded, hops);
	else if (xff != NULL)
		n = parse_xff(xff, hops);
	for (int i = n - 1; i >= 0; i--) {
		if (hops[i].family == 0)
			return false; /* the hop there did not know: left of it is anyone's word */
		if (i > 0 && trusted(p, &hops[i]))
			continue;
		if (inet_ntop(hops[i].family == 4 ? AF_INET : AF_INET6, hops[i].bytes, text,
		              sizeof(text)) == NULL ||
		    strlen(text) >= size)
			return false;
		memcpy(buf, text, strlen(text) + 1);
		return true;
	}
	return false;
}
