// SPDX-License-Identifier: MIT
// --trusted-proxy (#16): parsing the networks and the forwarded headers (server/proxy.c), and
// a real budgetd over loopback, whose access log names the client a trusted proxy forwards.
#include "proxy.h"
#include "util.h"

#include <check.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static struct srv_proxies trusting(const char *a, const char *b)
{
	struct srv_proxies p = { 0 };
	char err[200];

	ck_assert_int_eq(srv_proxies_add(&p, a, err, sizeof(err)), 0);
	if (b != NULL)
		ck_assert_int_eq(srv_proxies_add(&p, b, err, sizeof(err)), 0);
	return p;
}

/* Forwarded, X-Forwarded-For, and the client expected ("" : the peer's address is kept). */
static const struct {
	const char *fwd, *xff, *want;
} headers[] = {
	{ NULL, "203.0.113.7", "203.0.113.7" },
	{ NULL, "203.0.113.7, 198.51.100.2, 10.1.2.3", "198.51.100.2" }, /* 10/8 trusted */
	{ NULL, "10.9.9.9,10.1.2.3", "10.9.9.9" }, /* all trusted: the left-most */
	{ NULL, "2001:db8::5", "2001:db8::5" },
	{ NULL, "203.0.113.7:8080,  ", "203.0.113.7" },
	{ NULL, "not-an-ip", "" },
	{ NULL, "203.0.113.7, junk, 10.1.2.3", "" },
	{ NULL, "", "" },
	{ "for=192.0.2.60;proto=http;by=203.0.113.43", NULL, "192.0.2.60" },
	{ "for=\"[2001:db8:cafe::17]:4711\"", NULL, "2001:db8:cafe::17" },
	{ "For=\"[2001:db8::1]\", for=10.0.0.2", NULL, "2001:db8::1" },
	{ "for=192.0.2.43, for=198.51.100.17;by=10.0.0.1", NULL, "198.51.100.17" },
	{ "for=192.0.2.43,for=10.0.0.9", "203.0.113.7", "192.0.2.43" }, /* Forwarded first */
	{ "for=192.0.2.43, for=unknown", NULL, "" },
	{ "for=192.0.2.43, for=_hidden", NULL, "" },
	{ "for=\"_gazonk\"", NULL, "" },
	{ "for=", "203.0.113.7", "" }, /* malformed Forwarded: not XFF, the peer */
	{ "for=192.0.2.1;for=192.0.2.2", NULL, "" },
	{ "for=\"[2001:db8::1\"", NULL, "" },
	{ "for=\"192.0.2.1", NULL, "" },
	{ "for=1.2.3.4 garbage", NULL, "" },
	{ "for=\"[::ffff:192.0.2.9]\"", NULL, "192.0.2.9" },
	{ "proto=https", NULL, "" },
	{ NULL, NULL, "" },
};

START_TEST(test_client_from_headers)
{
	struct srv_proxies p = trusting("10.0.0.0/8", "2001:db8:ffff::/48");
	char buf[64] = "";
	bool got = srv_proxies_client(&p, headers[_i].fwd, headers[_i].xff, buf, sizeof(buf));

	ck_assert_msg(got == (headers[_i].want[0] != '\0') && strcmp(buf, headers[_i].want) == 0,
	              "Forwarded %s, X-Forwarded-For %s: got %s (%d), want %s", headers[_i].fwd,
	              headers[_i].xff, buf, got, headers[_i].want);
}
END_TEST

START_TEST(test_trusted_networks)
{
	struct srv_proxies p = trusting("192.168.4.0/23", "2001:db8::/32");
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 v6 = { .sin6_family = AF_INET6 };
	static const struct {
		const char *addr;
		bool in;
	} cases[] = {
		{ "192.168.4.1", true },        { "192.168.5.255", true },
		{ "192.168.6.0", false },       { "192.168.3.255", false },
		{ "2001:db8:1::1", true },      { "2001:db9::1", false },
		{ "::ffff:192.168.5.1", true }, { "::ffff:192.168.7.1", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&v4;

		if (inet_pton(AF_INET, cases[i].addr, &v4.sin_addr) != 1) {
			ck_assert_int_eq(inet_pton(AF_INET6, cases[i].addr, &v6.sin6_addr), 1);
			sa = (const struct sockaddr *)&v6;
		}
		ck_assert_msg(srv_proxies_trusted_peer(&p, sa) == cases[i].in, "%s", cases[i].addr);
	}
	p = (struct srv_proxies){ 0 };
	ck_assert(!srv_proxies_trusted_peer(&p, (const struct sockaddr *)&v4));
	p = trusting("::ffff:192.168.5.0/120", NULL);
	inet_pton(AF_INET, "192.168.5.77", &v4.sin_addr);
	ck_assert(srv_proxies_trusted_peer(&p, (const struct sockaddr *)&v4));
	p = trusting("0.0.0.0/0", NULL);
	ck_assert(srv_proxies_trusted_peer(&p, (const struct sockaddr *)&v4));
}
END_TEST

static const char *const bad_specs[] = { "300.1.1.1",   "10.0.0.0/33", "::1/129", "10.0.0.0/",
	                                 "10.0.0.0/x",  "10.0.0.0/-1", "",        "[::1]",
	                                 "example.org", "10.0.0.1/8/8" };

START_TEST(test_bad_spec_refused)
{
	struct srv_proxies p = { 0 };
	char err[200] = "";

	ck_assert_int_eq(srv_proxies_add(&p, bad_specs[_i], err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_specs[_i]) != NULL, "message %s", err);
	ck_assert_uint_eq(p.n, 0);
}
END_TEST

/* ---- budgetd over loopback */

static pid_t daemon_pid;
static uint16_t daemon_port;

/* Starts budgetd logging to log, with extra options (NULL-terminated, up to 6). */
static void daemon_spawn(const char *log, const char *const *extra)
{
	char *argv[24] = { (char *)tu_env("BUDGETD_BIN"),
		           "--port",
		           "0",
		           "--bind",
		           "127.0.0.1",
		           "--db",
		           (char *)tu_env("BUDGETD_STORE"),
		           "--static",
		           (char *)tu_env("BUDGETD_STATIC"),
		           "--threads",
		           "2",
		           "--access-log",
		           (char *)log };
	posix_spawn_file_actions_t fa;
	struct pollfd pf;
	char line[256];
	size_t len = 0, n = 13;
	unsigned port = 0;
	int fds[2];

	for (; *extra != NULL; extra++)
		argv[n++] = (char *)*extra;
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	ck_assert_int_eq(posix_spawn(&daemon_pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	pf = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	while (strchr(line, '\n') == NULL || len == 0) {
		ssize_t r;

		ck_assert_msg(poll(&pf, 1, 10000) == 1, "budgetd did not report listening");
		r = read(fds[0], line + len, sizeof(line) - 1 - len);
		ck_assert_int_gt(r, 0);
		len += (size_t)r;
		line[len] = '\0';
	}
	close(fds[0]);
	ck_assert_int_eq(sscanf(line, "listening on http://127.0.0.1:%u/", &port), 1);
	daemon_port = (uint16_t)port;
}

/* SIGTERM; budgetd has written every access line once it exits 0. */
static void daemon_stop(void)
{
	int status = 0;

	kill(daemon_pid, SIGTERM);
	ck_assert_int_eq(waitpid(daemon_pid, &status, 0), daemon_pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	daemon_pid = 0;
}

static int dial(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(daemon_port) };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Sends a request with extra header lines; the status of the answer, 0 if the connection
 * closed without one. */
static int request(int fd, const char *extra)
{
	char req[2048], buf[4096];
	ssize_t n;
	int status = 0;

	snprintf(req, sizeof(req), "GET /api/v1/departments HTTP/1.1\r\nHost: x\r\n%s\r\n", extra);
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return 0;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	ck_assert_int_eq(sscanf(buf, "HTTP/1.1 %d", &status), 1);
	return status;
}

/* The trusted networks, the header lines sent from 127.0.0.1, the client the log names. */
static const struct {
	const char *trust, *head, *want;
} live[] = {
	{ "127.0.0.1/32", "X-Forwarded-For: 203.0.113.7\r\n", "203.0.113.7" },
	{ "10.0.0.0/8", "X-Forwarded-For: 203.0.113.7\r\n", "127.0.0.1" }, /* spoofed */
	{ "::1", "Forwarded: for=192.0.2.60\r\n", "127.0.0.1" },
	{ "127.0.0.0/8", "X-Forwarded-For: 203.0.113.7, 198.51.100.2, 127.0.0.5\r\n",
	  "198.51.100.2" },
	{ "127.0.0.1", "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 198.51.100.2\r\n",
	  "198.51.100.2" },
	{ "127.0.0.1", "Forwarded: for=\"[2001:db8:cafe::17]:4711\";proto=https\r\n",
	  "2001:db8:cafe::17" },
	{ "127.0.0.1", "Forwarded: for=192.0.2.43\r\nX-Forwarded-For: 203.0.113.7\r\n",
	  "192.0.2.43" },
	{ "127.0.0.1", "Forwarded: for=\"[2001:db8::1\r\n", "127.0.0.1" },
	{ "127.0.0.1", "X-Forwarded-For: <script>\r\n", "127.0.0.1" },
	{ "127.0.0.1", "", "127.0.0.1" },
};

START_TEST(test_access_log_client)
{
	char *log = tu_temp_path(".log"), *text, want[200];
	const char *extra[] = { "--trusted-proxy", live[_i].trust, NULL };
	size_t n;
	int fd;

	daemon_spawn(log, extra);
	fd = dial();
	ck_assert_int_eq(request(fd, live[_i].head), 200);
	close(fd);
	daemon_stop();
	text = tu_read_file(log, &n);
	ck_assert_ptr_nonnull(text);
	snprintf(want, sizeof(want), "Z %s \"GET /api/v1/departments\" 200 ", live[_i].want);
	ck_assert_msg(strstr(text, want) != NULL, "trusting %s, sent %s: log %s", live[_i].trust,
	              live[_i].head, text);
	free(text);
	unlink(log);
	free(log);
}
END_TEST

/* --per-ip-limit 1 refuses a second connection from 127.0.0.1, unless it is a trusted
 * proxy: its connections carry many clients. */
START_TEST(test_trusted_proxy_not_per_ip_limited)
{
	const char *plain[] = { "--per-ip-limit", "1", NULL };
	const char *proxy[] = { "--per-ip-limit", "1", "--trusted-proxy", "127.0.0.1", NULL };
	int first, second;

	daemon_spawn("off", plain);
	first = dial();
	ck_assert_int_eq(request(first, ""), 200);
	second = dial();
	ck_assert_int_eq(request(second, ""), 0);
	close(second);
	close(first);
	daemon_stop();

	daemon_spawn("off", proxy);
	first = dial();
	ck_assert_int_eq(request(first, ""), 200);
	second = dial();
	ck_assert_int_eq(request(second, "X-Forwarded-For: 203.0.113.7\r\n"), 200);
	close(second);
	close(first);
	daemon_stop();
}
END_TEST

static char *const *command(const char *flag, const char *value)
{
	static char *argv[] = { "budgetd", "--port", "0", "--db", "", "", "", NULL };

	argv[0] = (char *)tu_env("BUDGETD_BIN");
	argv[4] = (char *)tu_env("BUDGETD_STORE");
	argv[5] = (char *)flag;
	argv[6] = (char *)value;
	return argv;
}

START_TEST(test_bad_option_exits_64)
{
	char *err = NULL;

	ck_assert_int_eq(tu_run(command("--trusted-proxy", bad_specs[_i]), NULL, &err), 64);
	ck_assert_msg(err != NULL && strstr(err, "budgetd: --trusted-proxy ") != NULL &&
	                  strstr(err, bad_specs[_i]) != NULL,
	              "stderr: %s", err);
	free(err);
}
END_TEST

START_TEST(test_bad_env_exits_64)
{
	char *err = NULL;

	setenv("BUDGETD_TRUSTED_PROXY", "10.0.0.1, 10.0.0.0/40", 1);
	ck_assert_int_eq(tu_run(command("--threads", "1"), NULL, &err), 64);
	ck_assert_msg(err != NULL && strstr(err, "BUDGETD_TRUSTED_PROXY 10.0.0.0/40") != NULL,
	              "stderr: %s", err);
	free(err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proxy");
	TCase *unit = tcase_create("parse"), *serve = tcase_create("serve");

	tcase_add_loop_test(unit, test_client_from_headers, 0,
	                    sizeof(headers) / sizeof(headers[0]));
	tcase_add_test(unit, test_trusted_networks);
	tcase_add_loop_test(unit, test_bad_spec_refused, 0,
	                    sizeof(bad_specs) / sizeof(bad_specs[0]));
	tcase_add_loop_test(serve, test_access_log_client, 0, sizeof(live) / sizeof(live[0]));
	tcase_add_test(serve, test_trusted_proxy_not_per_ip_limited);
	tcase_add_loop_test(serve, test_bad_option_exits_64, 0,
	                    sizeof(bad_specs) / sizeof(bad_specs[0]));
	tcase_add_test(serve, test_bad_env_exits_64);
	suite_add_tcase(s, unit);
	suite_add_tcase(s, serve);
	return tu_run_suite(s);
}
