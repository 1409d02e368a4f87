// SPDX-License-Identifier: MIT
// /healthz and /metrics (#16) over loopback, with a real budgetd (helpers as in check_server.c):
// the health answer, the exposition format, and counters that move by exactly what was asked.
#include "util.h"

#include <check.h>
#include <jansson.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEPARTMENTS "/api/v1/departments"
#define NOWHERE "/api/v1/no-such-resource"

extern char **environ;

/* The daemon of the running test. Check forks every test, so each test owns its own. */
static pid_t daemon_pid;
static uint16_t daemon_port;

struct reply {
	int status;
	char head[8192]; /* status line and header lines, each ending in CRLF */
	const char *body; /* into raw, NUL-terminated */
	size_t body_len;
	char raw[1 << 17];
};

/* budgetd's command line for a port and a store; the array is reused by the next call. */
static char *const *command(const char *port, const char *db)
{
	static char *argv[] = { "budgetd", "--port",   "", "--bind",    "127.0.0.1", "--db",
		                "",        "--static", "", "--threads", "2",         NULL };

	argv[0] = (char *)tu_env("BUDGETD_BIN");
	argv[2] = (char *)port;
	argv[6] = (char *)db;
	argv[8] = (char *)tu_env("BUDGETD_STATIC");
	return argv;
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/* The daemon prints this line, in one write, only once it accepts connections. */
static void read_banner(int fd, char *line, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	do {
		ck_assert_msg(poll(&p, 1, 10000) == 1, "budgetd did not report listening in 10 s");
		n = read(fd, line + len, size - 1 - len);
		ck_assert_msg(n > 0, "budgetd closed stdout before listening");
		len += (size_t)n;
		line[len] = '\0';
	} while (strchr(line, '\n') == NULL && len + 1 < size);
	*strchrnul(line, '\n') = '\0';
}

static void daemon_spawn(char *const *argv)
{
	posix_spawn_file_actions_t fa;
	char line[256];
	unsigned port = 0;
	int end = 0, fds[2];

	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	ck_assert_int_eq(posix_spawn(&daemon_pid, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	read_banner(fds[0], line, sizeof(line));
	close(fds[0]);
	/* The whole line is a contract: scripts wait for it and parse it. */
	ck_assert_msg(sscanf(line, "listening on http://127.0.0.1:%u/%n", &port, &end) == 1 &&
	                  line[end] == '\0' && port > 0 && port < 65536,
	              "unexpected first line: %s", line);
	daemon_port = (uint16_t)port;
}

static void daemon_start(void)
{
	daemon_spawn(command("0", tu_env("BUDGETD_STORE")));
}

/* Sends SIGTERM and waits up to 5 s. Returns the exit status, or -1 if the daemon died of a
 * signal or had to be killed. */
static int daemon_stop(void)
{
	static const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	pid_t pid = daemon_pid, got = 0;
	int status = 0;

	daemon_pid = 0;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500 && (got = waitpid(pid, &status, WNOHANG)) == 0; i++)
		nanosleep(&tick, NULL);
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		got = -1;
	}
	return got == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Every test ends with a clean stop, so that a request that wedges shutdown fails it. */
static void teardown(void)
{
	if (daemon_pid > 0)
		ck_assert_int_eq(daemon_stop(), 0);
}

static int dial(void)
{
	struct sockaddr_in sa = loopback(daemon_port);
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	/* A daemon that stops answering fails the test rather than hanging it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect to %u: %s",
	              daemon_port, strerror(errno));
	return fd;
}

/* Requests are small enough for one send on a blocking socket. */
static void send_request(int fd, const char *req)
{
	ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
}

/* Copies the value of header name (any case) into out; false if the header is absent. */
static bool header(const struct reply *r, const char *name, char *out, size_t size)
{
	char key[64];
	const char *p;
	size_t n;

	snprintf(key, sizeof(key), "\r\n%s:", name);
	p = strcasestr(r->head, key);
	if (p == NULL)
		return false;
	p += strlen(key);
	p += strspn(p, " \t");
	n = strcspn(p, "\r");
	ck_assert_uint_lt(n, size);
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* Reads one response: the headers, then Content-Length bytes of body (none after HEAD; up to
 * the end of the stream if there is no length). Reads no further, so the connection can
 * carry another request. */
static void read_reply(int fd, bool head_only, struct reply *r)
{
	size_t len = 0, head_len = 0, need = SIZE_MAX;
	char value[32];

	while (len < need) {
		ssize_t n = recv(fd, r->raw + len, sizeof(r->raw) - 1 - len, 0);

		ck_assert_msg(n >= 0, "recv: %s", strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		r->raw[len] = '\0';
		ck_assert_msg(len < sizeof(r->raw) - 1, "response larger than the test buffer");
		if (head_len == 0 && strstr(r->raw, "\r\n\r\n") != NULL) {
			/* head keeps the last CRLF: every header line then follows a CRLF. */
			head_len = (size_t)(strstr(r->raw, "\r\n\r\n") - r->raw) + 4;
			ck_assert_uint_lt(head_len - 2, sizeof(r->head));
			memcpy(r->head, r->raw, head_len - 2);
			r->head[head_len - 2] = '\0';
			ck_assert(sscanf(r->head, "HTTP/1.1 %d ", &r->status) == 1);
			if (head_only)
				need = head_len;
			else if (header(r, "Content-Length", value, sizeof(value)))
				need = head_len + strtoul(value, NULL, 10);
		}
	}
	ck_assert_msg(head_len > 0, "connection closed before a complete response");
	ck_assert_msg(need == SIZE_MAX || len == need, "got %zu bytes, framing says %zu", len,
	              need);
	r->body = r->raw + head_len;
	r->body_len = len - head_len;
}

/* One request on a fresh connection that asks to be closed afterwards: the daemon must then
 * close it right after the framed response, which catches stray bytes (a body after HEAD). */
static void call(const char *method, const char *path, const char *extra, struct reply *r)
{
	char req[1024], byte;
	int fd = dial();

	snprintf(req, sizeof(req),
	         "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n", method, path,
	         extra);
	send_request(fd, req);
	read_reply(fd, strcmp(method, "HEAD") == 0, r);
	ck_assert_msg(recv(fd, &byte, 1, 0) == 0,
	              "%s %s: the connection did not end after the response", method, path);
	close(fd);
}

/* Header name must equal want, or only start with it when prefix is set. */
static void expect_header(const struct reply *r, const char *name, const char *want, bool prefix)
{
	char value[256];
	size_t n = prefix ? strlen(want) : sizeof(value);

	ck_assert_msg(header(r, name, value, sizeof(value)), "no %s header", name);
	ck_assert_msg(strncmp(value, want, n) == 0, "%s: %s, want %s", name, value, want);
}

/* Parses the body as a JSON object; the caller json_decref()s it. */
static char *copy_store(void)
{
	size_t len = 0;
	char *bytes = tu_read_file(tu_env("BUDGETD_STORE"), &len);
	char *path;

	ck_assert_ptr_nonnull(bytes);
	path = tu_write_temp(bytes, len, ".sqlite");
	free(bytes);
	return path;
}

/* ---- /healthz */

static json_t *body_json(const struct reply *r)
{
	json_error_t err;
	json_t *j = json_loadb(r->body, r->body_len, 0, &err);

	ck_assert_msg(json_is_object(j), "body is not a JSON object (%s): %s", err.text, r->body);
	return j;
}

static void expect_healthz(int status)
{
	struct reply r;
	json_t *j;

	call("GET", "/healthz", "", &r);
	ck_assert_int_eq(r.status, status);
	expect_header(&r, "Content-Type", "application/json", false);
	expect_header(&r, "Cache-Control", "no-store", false);
	j = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")),
	                 status == 200 ? "ok" : "unavailable");
	ck_assert(json_is_integer(json_object_get(j, "data_version")));
	/* The store's file name, never the folder it is in. */
	ck_assert_ptr_null(strchr(json_string_value(json_object_get(j, "store")), '/'));
	if (status == 200) /* the seven files of db/data, each one disclosure */
		ck_assert_int_eq(json_integer_value(json_object_get(j, "disclosures")), 7);
	json_decref(j);
}

START_TEST(test_healthz)
{
	struct reply r;

	expect_healthz(200);
	call("HEAD", "/healthz", "", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	/* Never answered from the cache: each answer is the state of now. */
	call("GET", "/healthz", "If-None-Match: *\r\n", &r);
	ck_assert_int_eq(r.status, 200);
}
END_TEST

/* Asks /healthz until it answers status (the watcher looks every 20 ms): at most 10 s. */
static void await_healthz(int status)
{
	static const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	struct reply r;

	for (int i = 0; i < 1000; i++) {
		call("GET", "/healthz", "", &r);
		if (r.status == status)
			break;
		nanosleep(&tick, NULL);
	}
	expect_healthz(status);
}

/* chmod 000 makes the store unreadable for anyone but root, who reads anyway: as root,
 * moving it away stands in for it. */
START_TEST(test_healthz_unavailable)
{
	char *store = copy_store(), away[4200];
	bool root = geteuid() == 0;

	snprintf(away, sizeof(away), "%s.away", store);
	daemon_spawn(command("0", store));
	expect_healthz(200);
	ck_assert_int_eq(root ? rename(store, away) : chmod(store, 0), 0);
	await_healthz(503);
	ck_assert_int_eq(root ? rename(away, store) : chmod(store, 0644), 0);
	await_healthz(200);
	ck_assert_int_eq(daemon_stop(), 0);
	tu_unlink_store(store);
	free(store);
}
END_TEST

/* ---- /metrics: the text format, 0.0.4 */

#define MAX_SAMPLES 400

struct sample {
	char name[128], labels[256];
	double value;
};

struct scrape {
	struct sample s[MAX_SAMPLES];
	size_t n;
	char typed[64][128]; /* families with a # TYPE line, in order */
	size_t n_typed;
};

static bool metric_name(const char *p, size_t len)
{
	if (len == 0 || !(isalpha((unsigned char)p[0]) || p[0] == '_' || p[0] == ':'))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || p[i] == ':'))
			return false;
	return true;
}

/* {name="value",...}: label names as metric names (no colon), values quoted. */
static void check_labels(const char *l)
{
	ck_assert_msg(*l++ == '{', "labels: %s", l);
	while (*l != '}') {
		size_t n = strcspn(l, "=");
		ck_assert_msg(metric_name(l, n) && memchr(l, ':', n) == NULL, "label name: %s", l);
		l += n + 1;
		ck_assert_msg(*l++ == '"', "label value unquoted: %s", l);
		l += strcspn(l, "\"\\\n");
		ck_assert_msg(*l++ == '"', "label value: %s", l);
		if (*l == ',')
			l++;
	}
	ck_assert_msg(l[1] == '\0', "after the labels: %s", l);
}

/* The family a sample belongs to: its name, less a histogram's suffix. */
static bool typed(const struct scrape *sc, const char *name)
{
	for (size_t i = 0; i < sc->n_typed; i++) {
		size_t n = strlen(sc->typed[i]);
		if (strncmp(name, sc->typed[i], n) == 0 &&
		    (name[n] == '\0' || strcmp(name + n, "_bucket") == 0 ||
		     strcmp(name + n, "_sum") == 0 || strcmp(name + n, "_count") == 0))
			return true;
	}
	return false;
}

static void parse_line(struct scrape *sc, char *line)
{
	char name[128], type[32], *end;
	struct sample *s = &sc->s[sc->n];
	size_t n;

	if (strncmp(line, "# HELP ", 7) == 0) {
		n = strcspn(line + 7, " ");
		ck_assert_msg(metric_name(line + 7, n) && line[7 + n] == ' ', "HELP: %s", line);
		return;
	}
	if (strncmp(line, "# TYPE ", 7) == 0) {
		ck_assert_msg(sscanf(line + 7, "%127s %31s", name, type) == 2, "TYPE: %s", line);
		ck_assert_msg(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
		                  strcmp(type, "histogram") == 0,
		              "TYPE: %s", line);
		ck_assert_uint_lt(sc->n_typed, 64);
		snprintf(sc->typed[sc->n_typed++], 128, "%s", name);
		return;
	}
	ck_assert_msg(line[0] != '#', "a comment other than HELP or TYPE: %s", line);
	ck_assert_uint_lt(sc->n, MAX_SAMPLES);
	n = strcspn(line, "{ ");
	ck_assert_msg(metric_name(line, n) && n < sizeof(s->name), "sample name: %s", line);
	memcpy(s->name, line, n);
	s->name[n] = '\0';
	ck_assert_msg(typed(sc, s->name), "%s comes before its # TYPE", s->name);
	line += n;
	if (*line == '{') {
		n = strcspn(line, "}") + 1;
		ck_assert_uint_lt(n, sizeof(s->labels));
		memcpy(s->labels, line, n);
		s->labels[n] = '\0';
		check_labels(s->labels);
		line += n;
	}
	ck_assert_msg(*line++ == ' ', "no space before the value: %s", s->name);
	s->value = strtod(line, &end);
	ck_assert_msg(end != line && *end == '\0', "value of %s: %s", s->name, line);
	sc->n++;
}

/* GET /metrics, checked line by line as the format demands. */
static void scrape(struct scrape *sc)
{
	static struct reply r;
	char *line, *save = NULL;

	call("GET", "/metrics", "", &r);
	ck_assert_int_eq(r.status, 200);
	expect_header(&r, "Content-Type", "text/plain; version=0.0.4", true);
	expect_header(&r, "Cache-Control", "no-store", false);
	ck_assert_msg(r.body_len > 0 && r.body[r.body_len - 1] == '\n', "last line unterminated");
	memset(sc, 0, sizeof(*sc));
	for (line = strtok_r((char *)r.body, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		parse_line(sc, line);
}

/* The value of name{labels} (labels "" for none); 0 when the sample is absent (a counter
 * not yet moved). present: whether it was there. */
static double value_of(const struct scrape *sc, const char *name, const char *labels, bool *present)
{
	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->s[i].name, name) == 0 && strcmp(sc->s[i].labels, labels) == 0) {
			if (present)
				*present = true;
			return sc->s[i].value;
		}
	if (present)
		*present = false;
	return 0;
}

static const char *const families[] = {
	"budgetd_cache_hits_total",
	"budgetd_cache_misses_total",
	"budgetd_cache_bytes",
	"budgetd_store_data_version",
	"budgetd_store_reloads_total",
	"budgetd_connections_open",
	"budgetd_request_duration_seconds_sum",
	"budgetd_request_duration_seconds_count",
};

START_TEST(test_metrics_format)
{
	static struct scrape sc;
	double last = -1, le_last = -1;
	bool present, inf = false;
	struct reply r;

	call("GET", DEPARTMENTS, "", &r);
	scrape(&sc);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		value_of(&sc, families[i], "", &present);
		ck_assert_msg(present, "no %s", families[i]);
	}
	/* Buckets: le ascending, counts cumulative, ending in +Inf == _count. */
	for (size_t i = 0; i < sc.n; i++) {
		const char *l = sc.s[i].labels;
		double le;
		if (strcmp(sc.s[i].name, "budgetd_request_duration_seconds_bucket") != 0)
			continue;
		ck_assert_msg(!inf, "a bucket after +Inf");
		ck_assert_msg(strncmp(l, "{le=\"", 5) == 0, "bucket labels %s", l);
		inf = strcmp(l, "{le=\"+Inf\"}") == 0;
		le = inf ? HUGE_VAL : strtod(l + 5, NULL);
		ck_assert_msg(le > le_last, "le not ascending at %s", l);
		ck_assert_msg(sc.s[i].value >= last, "bucket %s not cumulative", l);
		le_last = le;
		last = sc.s[i].value;
	}
	ck_assert_msg(inf, "no +Inf bucket");
	ck_assert_double_eq(last,
	                    value_of(&sc, "budgetd_request_duration_seconds_count", "", NULL));
	ck_assert_double_ge(last, 1); /* the request above */
	ck_assert_double_ge(value_of(&sc, "budgetd_connections_open", "", NULL), 1);
	call("HEAD", "/metrics", "", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
}
END_TEST

START_TEST(test_metrics_count_requests)
{
	static struct scrape before, after;
	const char *ok = "{status=\"200\",route=\"api\"}",
	           *missing = "{status=\"404\",route=\"api\"}";
	double count;
	struct reply r;

	scrape(&before);
	for (int i = 0; i < 3; i++) {
		call("GET", NOWHERE, "", &r);
		ck_assert_int_eq(r.status, 404);
	}
	for (int i = 0; i < 2; i++) {
		call("GET", DEPARTMENTS, "", &r);
		ck_assert_int_eq(r.status, 200);
	}
	scrape(&after);
	ck_assert_double_eq(value_of(&after, "budgetd_requests_total", missing, NULL) -
	                        value_of(&before, "budgetd_requests_total", missing, NULL),
	                    3);
	ck_assert_double_eq(value_of(&after, "budgetd_requests_total", ok, NULL) -
	                        value_of(&before, "budgetd_requests_total", ok, NULL),
	                    2);
	/* The second departments answer came from the cache. */
	ck_assert_double_ge(value_of(&after, "budgetd_cache_hits_total", "", NULL) -
	                        value_of(&before, "budgetd_cache_hits_total", "", NULL),
	                    1);
	/* Every request counted in the histogram too: the five, and at least the first scrape. */
	count = value_of(&after, "budgetd_request_duration_seconds_count", "", NULL) -
	        value_of(&before, "budgetd_request_duration_seconds_count", "", NULL);
	ck_assert_double_ge(count, 5);
	ck_assert_double_le(count, 6);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metrics");
	TCase *live = tcase_create("live"), *once = tcase_create("once");

	tcase_add_checked_fixture(live, daemon_start, teardown);
	tcase_add_test(live, test_healthz);
	tcase_add_test(live, test_metrics_format);
	tcase_add_test(live, test_metrics_count_requests);
	tcase_add_test(once, test_healthz_unavailable);
	suite_add_tcase(s, live);
	suite_add_tcase(s, once);
	return tu_run_suite(s);
}
