// SPDX-License-Identifier: MIT
// budgetd's connection account (server/conns.c): whom a connection counts against (IPv4
// address, IPv6 /64), the per-client limit, and which connection is cut to make room at the
// limit: the oldest quiet one, never one being answered. Sockets are socketpair ends, so
// that shutting them down is real and harmless.
#include "conns.h"
#include "util.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		ck_assert_int_eq(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		ck_assert_int_eq(inet_pton(AF_INET, text, &a->sin_addr), 1);
	}
	return ss;
}

static bool same(const char *a, const char *b)
{
	struct sockaddr_storage x = addr(a), y = addr(b);
	struct srv_conn_group g, h;

	srv_conns_group((struct sockaddr *)&x, &g);
	srv_conns_group((struct sockaddr *)&y, &h);
	return memcmp(&g, &h, sizeof(g)) == 0;
}

START_TEST(test_groups)
{
	/* IPv6: one /64 is one client, whatever its low 64 bits */
	ck_assert(same("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
	ck_assert(same("2001:db8:1:2:aaaa::", "2001:db8:1:2:bbbb::5"));
	ck_assert(!same("2001:db8:1:2::1", "2001:db8:1:3::1"));
	ck_assert(!same("2001:db8:1:2::1", "2001:db9:1:2::1"));
	/* IPv4: the exact address; mapped into IPv6, the same client as plain IPv4 */
	ck_assert(!same("192.0.2.1", "192.0.2.2"));
	ck_assert(same("192.0.2.1", "::ffff:192.0.2.1"));
	ck_assert(!same("::ffff:192.0.2.1", "::ffff:192.0.2.2"));
	/* an IPv4 address is not the IPv6 /64 that happens to begin with the same bytes */
	ck_assert(!same("192.0.2.1", "c000:201::"));
	/* no address: family 0 */
	struct srv_conn_group g;
	srv_conns_group(NULL, &g);
	ck_assert_int_eq(g.family, 0);
}
END_TEST

/* A connection for the account: one end of a socketpair (the other end is kept in peer). */
struct end {
	struct srv_conn_slot slot;
	int fd, peer;
};

static bool open_end(struct srv_conns *c, struct end *e, const char *from)
{
	int sv[2];
	struct sockaddr_storage ss = addr(from);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	e->fd = sv[0];
	e->peer = sv[1];
	return srv_conns_add(c, &e->slot, e->fd, (struct sockaddr *)&ss);
}

/* Whether the peer sees the end of the stream (its connection was shut down). */
static bool was_cut(const struct end *e)
{
	char b;

	return recv(e->peer, &b, 1, MSG_DONTWAIT) == 0;
}

static void close_end(struct srv_conns *c, struct end *e)
{
	srv_conns_remove(c, &e->slot);
	close(e->fd);
	close(e->peer);
}

START_TEST(test_per_client_limit_by_64)
{
	struct srv_conns *c = srv_conns_new(100, 2, 60);
	struct end e[5];

	ck_assert_ptr_nonnull(c);
	ck_assert(open_end(c, &e[0], "2001:db8:0:1::1"));
	ck_assert(open_end(c, &e[1], "2001:db8:0:1::2"));
	ck_assert(!open_end(c, &e[2], "2001:db8:0:1:8000::9")); /* a third from that /64 */
	ck_assert(was_cut(&e[2]));
	ck_assert(open_end(c, &e[3], "2001:db8:0:2::1")); /* the next /64 is someone else */
	close_end(c, &e[2]); /* a refused one counts until it is closed, as any other */
	ck_assert(!open_end(c, &e[2], "2001:db8:0:1::4"));
	close_end(c, &e[2]);
	close_end(c, &e[0]);
	ck_assert(open_end(c, &e[4], "2001:db8:0:1::3")); /* room again once one closed */
	ck_assert(!was_cut(&e[1]) && !was_cut(&e[3]) && !was_cut(&e[4]));
	close_end(c, &e[1]);
	close_end(c, &e[3]);
	close_end(c, &e[4]);
	srv_conns_free(c);
}
END_TEST

START_TEST(test_room_from_the_oldest_quiet)
{
	struct srv_conns *c = srv_conns_new(4, 0, 60);
	struct end e[7];

	ck_assert_ptr_nonnull(c);
	for (int i = 0; i < 4; i++)
		ck_assert(open_end(c, &e[i], "192.0.2.1"));
	srv_conns_begun(c, &e[0].slot); /* the oldest: being answered */
	srv_conns_busy(c, &e[0].slot, "GET /big");
	srv_conns_begun(c, &e[2].slot); /* its request line is in, the head not yet */
	/* e[1] and e[3] are quiet: e[1] is the older */
	ck_assert(open_end(c, &e[4], "192.0.2.2"));
	ck_assert(was_cut(&e[1]));
	ck_assert(!was_cut(&e[0]) && !was_cut(&e[2]) && !was_cut(&e[3]));
	/* an answered connection is quiet again, and newer than e[3] */
	srv_conns_begun(c, &e[3].slot);
	srv_conns_busy(c, &e[3].slot, "GET /a");
	srv_conns_idle(c, &e[3].slot);
	ck_assert(open_end(c, &e[5], "192.0.2.3"));
	ck_assert(was_cut(&e[4]));
	ck_assert(!was_cut(&e[3]));
	/* now e[3] is the oldest quiet one */
	ck_assert(open_end(c, &e[6], "192.0.2.4"));
	ck_assert(was_cut(&e[3]));
	/* only a request being answered and heads begun just now: the newcomer is refused */
	srv_conns_begun(c, &e[5].slot);
	srv_conns_begun(c, &e[6].slot);
	struct end late;
	ck_assert(!open_end(c, &late, "192.0.2.5"));
	ck_assert(was_cut(&late));
	ck_assert(!was_cut(&e[0]) && !was_cut(&e[2]) && !was_cut(&e[5]) && !was_cut(&e[6]));
	close_end(c, &late);
	/* a head still coming in after a second is a slow client's: the oldest such goes */
	struct timespec second = { 1, 100 * 1000000L };
	nanosleep(&second, NULL);
	ck_assert(open_end(c, &late, "192.0.2.5"));
	ck_assert(was_cut(&e[2]));
	ck_assert(!was_cut(&e[0]) && !was_cut(&e[5]) && !was_cut(&e[6]));
	/* the stop's line names the request being answered */
	char what[64];
	ck_assert_uint_eq(srv_conns_stuck(c, what, sizeof(what)), 1);
	ck_assert_str_eq(what, "GET /big");
	for (int i = 0; i < 7; i++)
		close_end(c, &e[i]);
	close_end(c, &late);
	srv_conns_free(c);
}
END_TEST

START_TEST(test_request_unread_is_not_quiet)
{
	struct srv_conns *c = srv_conns_new(2, 0, 60);
	struct end e[3];

	ck_assert_ptr_nonnull(c);
	ck_assert(open_end(c, &e[0], "192.0.2.1"));
	ck_assert(open_end(c, &e[1], "192.0.2.2"));
	/* the oldest has sent its request, which libmicrohttpd has not read yet */
	ck_assert_int_eq(write(e[0].peer, "GET / HTTP/1.1\r\n", 16), 16);
	ck_assert(open_end(c, &e[2], "192.0.2.3"));
	ck_assert(was_cut(&e[1]));
	ck_assert(!was_cut(&e[0]) && !was_cut(&e[2]));
	for (int i = 0; i < 3; i++)
		close_end(c, &e[i]);
	srv_conns_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conns");
	TCase *tc = tcase_create("conns");

	tcase_add_test(tc, test_groups);
	tcase_add_test(tc, test_per_client_limit_by_64);
	tcase_add_test(tc, test_room_from_the_oldest_quiet);
	tcase_add_test(tc, test_request_unread_is_not_quiet);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
