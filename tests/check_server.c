// SPDX-License-Identifier: MIT
// The HTTP suite: runs a real budgetd on an ephemeral loopback port and talks to it over plain
// sockets, so that requests reach the daemon exactly as written (no client normalises paths).
#include "util.h"
#include "../server/deflate.h"
#include "../server/hash.h"

#include <check.h>
#include <jansson.h>
#include <libdeflate.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

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
	char raw[1 << 19]; /* the largest answer read whole: a corpus PDF (.../source.pdf) */
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
static json_t *body_json(const struct reply *r)
{
	json_error_t err;
	json_t *j = json_loadb(r->body, r->body_len, 0, &err);

	ck_assert_msg(json_is_object(j), "body is not a JSON object (%s): %s", err.text, r->body);
	return j;
}

/* An RFC 9457 body: clients rely on status, title and detail being there. */
static void expect_problem(const struct reply *r, int status)
{
	json_t *j;

	ck_assert_int_eq(r->status, status);
	expect_header(r, "Content-Type", "application/problem+json", true);
	j = body_json(r);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), status);
	ck_assert(json_is_string(json_object_get(j, "title")));
	ck_assert(json_is_string(json_object_get(j, "detail")));
	json_decref(j);
}

START_TEST(test_departments)
{
	struct reply r;
	json_t *j, *items, *item, *years;

	call("GET", DEPARTMENTS, "", &r);
	ck_assert_int_eq(r.status, 200);
	expect_header(&r, "Content-Type", "application/json; charset=utf-8", false);
	j = body_json(&r);
	/* The getters return 0 or NULL for a missing member or one of the wrong type. The
	 * bundled store: Kashgar and four Putuo departments (db/data/meson.build), by id. */
	ck_assert_int_eq(json_integer_value(json_object_get(j, "total")), 5);
	items = json_object_get(j, "items");
	ck_assert_uint_eq(json_array_size(items), 5);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 4), "id")),
	                 "putuo-wanli-subdistrict");
	item = json_array_get(items, 0);
	ck_assert_str_eq(json_string_value(json_object_get(item, "id")), "kashi-urumqi-office");
	ck_assert_str_eq(json_string_value(json_object_get(item, "name")),
	                 "新疆维吾尔自治区喀什地区行政公署驻乌鲁木齐办事处");
	years = json_object_get(item, "years");
	ck_assert_uint_eq(json_array_size(years), 1);
	ck_assert_int_eq(json_integer_value(json_array_get(years, 0)), 2021);
	json_decref(j);
}
END_TEST

START_TEST(test_head_matches_get)
{
	struct reply get, head;
	char length[32];

	call("GET", DEPARTMENTS, "", &get);
	call("HEAD", DEPARTMENTS, "", &head);
	ck_assert_int_eq(head.status, 200);
	ck_assert_uint_eq(head.body_len, 0);
	snprintf(length, sizeof(length), "%zu", get.body_len);
	expect_header(&get, "Content-Length", length, false);
	expect_header(&head, "Content-Length", length, false);
}
END_TEST

#define COMMERCE "/api/v1/departments/putuo-commerce/budgets/2025"
/* `sha256sum tests/extract/pdf/putuo-commerce-2025-budget-dept.pdf`, the file the bundled
 * disclosure was extracted from (db/data's source.sha256 says the same). */
#define COMMERCE_SHA256 "b067184912969b733d53e86c4cf658ba91b4cecf93c25b9198ea3086515e7a6a"

/* The body must be the file at tests/extract/pdf/name, byte for byte. */
static void expect_pdf(const struct reply *r, const char *name)
{
	char path[4200];
	size_t len;
	char *want;

	snprintf(path, sizeof(path), "%s/tests/extract/pdf/%s", tu_env("BUDGETD_SOURCE"), name);
	want = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(want);
	ck_assert_uint_eq(r->body_len, len);
	ck_assert_msg(memcmp(r->body, want, len) == 0, "%s: not the published bytes", name);
	free(want);
}

/* Issue #18: the PDF a disclosure was extracted from, as published, named by its content. */
START_TEST(test_source_pdf)
{
	struct reply r;
	char etag[128], cond[200];
	json_t *j;

	call("GET", COMMERCE "/source.pdf", "", &r);
	ck_assert_int_eq(r.status, 200);
	expect_header(&r, "Content-Type", "application/pdf", false);
	expect_header(&r, "Content-Disposition",
	              "inline; filename=\"putuo-commerce-2025-budget-dept.pdf\"", true);
	expect_pdf(&r, "putuo-commerce-2025-budget-dept.pdf");
	/* the ETag is the content's: the same file in any store, after any restore */
	ck_assert(header(&r, "ETag", etag, sizeof(etag)));
	snprintf(cond, sizeof(cond), "\"p%.40s\"", COMMERCE_SHA256);
	ck_assert_str_eq(etag, cond);
	snprintf(cond, sizeof(cond), "If-None-Match: %s\r\n", etag);
	call("GET", COMMERCE "/source.pdf", cond, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_uint_eq(r.body_len, 0);
	call("HEAD", COMMERCE "/source.pdf", "", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	expect_header(&r, "Content-Length", "168404", false); /* ls -l of the file */
	/* the unit-level disclosure was published as its own PDF */
	call("GET", COMMERCE "/source.pdf?level=unit", "", &r);
	ck_assert_int_eq(r.status, 200);
	expect_pdf(&r, "putuo-commerce-2025-budget-unit.pdf");
	/* typed in by hand: no published file */
	call("GET", "/api/v1/departments/kashi-urumqi-office/budgets/2021/source.pdf", "", &r);
	expect_problem(&r, 404);
	call("GET", COMMERCE "/source.pdf?format=csv", "", &r);
	expect_problem(&r, 400);
	call("GET", COMMERCE "/source.pdf", "Accept: application/json\r\n", &r);
	expect_problem(&r, 406);
	call("GET", "/api/v1/departments/putuo-commerce/budgets/2024/source.pdf", "", &r);
	expect_problem(&r, 404);
	/* the disclosure links it, and only then */
	call("GET", COMMERCE, "", &r);
	j = body_json(&r);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_object_get(j, "links"), "source_pdf")),
	    COMMERCE "/source.pdf");
	json_decref(j);
	call("GET", "/api/v1/departments/kashi-urumqi-office/budgets/2021", "", &r);
	j = body_json(&r);
	ck_assert_ptr_null(json_object_get(json_object_get(j, "links"), "source_pdf"));
	json_decref(j);
}
END_TEST

/* The bytes [from, from + n) of the published file name, as a reply's body. */
static void expect_part(const struct reply *r, const char *name, size_t from, size_t n)
{
	char path[4200];
	size_t len;
	char *want;

	snprintf(path, sizeof(path), "%s/tests/extract/pdf/%s", tu_env("BUDGETD_SOURCE"), name);
	ck_assert_ptr_nonnull(want = tu_read_file(path, &len));
	ck_assert_uint_le(from + n, len);
	ck_assert_uint_eq(r->body_len, n);
	ck_assert_msg(memcmp(r->body, want + from, n) == 0, "%s: not bytes %zu.. of the file", name,
	              from);
	free(want);
}

/* A file is sent in parts on request (RFC 9110 Range): a PDF viewer reads the pages it
 * shows, a download of the store's CSV or snapshot resumes where it broke. The PDF has
 * 168,404 bytes (ls -l). */
START_TEST(test_file_ranges)
{
	static const char *const pdf = "putuo-commerce-2025-budget-dept.pdf";
	char etag[128], cond[300];
	struct reply r;

	call("GET", COMMERCE "/source.pdf", "", &r);
	expect_header(&r, "Accept-Ranges", "bytes", false);
	ck_assert(header(&r, "ETag", etag, sizeof(etag)));
	call("GET", COMMERCE "/source.pdf", "Range: bytes=0-99\r\n", &r);
	ck_assert_int_eq(r.status, 206);
	expect_header(&r, "Content-Range", "bytes 0-99/168404", false);
	expect_header(&r, "ETag", etag, false);
	expect_part(&r, pdf, 0, 100);
	call("GET", COMMERCE "/source.pdf", "Range: bytes=168000-\r\n", &r);
	ck_assert_int_eq(r.status, 206);
	expect_header(&r, "Content-Range", "bytes 168000-168403/168404", false);
	expect_part(&r, pdf, 168000, 404);
	call("GET", COMMERCE "/source.pdf", "Range: bytes=-10\r\n", &r); /* the last 10 */
	ck_assert_int_eq(r.status, 206);
	expect_header(&r, "Content-Range", "bytes 168394-168403/168404", false);
	expect_part(&r, pdf, 168394, 10);
	call("GET", COMMERCE "/source.pdf", "Range: bytes=100-999999\r\n", &r); /* cut at the end */
	ck_assert_int_eq(r.status, 206);
	expect_part(&r, pdf, 100, 168304);
	/* If-Range: the part when it names this file, the whole file when another */
	snprintf(cond, sizeof(cond), "Range: bytes=10-19\r\nIf-Range: %s\r\n", etag);
	call("GET", COMMERCE "/source.pdf", cond, &r);
	ck_assert_int_eq(r.status, 206);
	expect_part(&r, pdf, 10, 10);
	call("GET", COMMERCE "/source.pdf", "Range: bytes=10-19\r\nIf-Range: \"pother\"\r\n", &r);
	ck_assert_int_eq(r.status, 200);
	expect_pdf(&r, pdf);
	/* past the end: 416 with the file's length; several ranges or a malformed one: the whole
	 * file (RFC 9110 lets a server ignore them) */
	call("GET", COMMERCE "/source.pdf", "Range: bytes=168404-\r\n", &r);
	expect_problem(&r, 416);
	expect_header(&r, "Content-Range", "bytes */168404", false);
	call("GET", COMMERCE "/source.pdf", "Range: bytes=-0\r\n", &r);
	expect_problem(&r, 416);
	for (size_t i = 0; i < 5; i++) {
		static const char *const ignored[] = { "bytes=0-9,20-29", "bytes=9-0", "lines=0-9",
			                               "bytes=+1-2", "bytes=0x1-2" };
		snprintf(cond, sizeof(cond), "Range: %s\r\n", ignored[i]);
		call("GET", COMMERCE "/source.pdf", cond, &r);
		ck_assert_msg(r.status == 200, "%s: %d", ignored[i], r.status);
		expect_pdf(&r, pdf);
	}
	/* a page image and the store's long CSV too */
	call("GET", "/api/v1/sources/" COMMERCE_SHA256 "/pages/9.png", "Range: bytes=0-7\r\n", &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_uint_eq(r.body_len, 8);
	ck_assert(memcmp(r.body, "\x89PNG\r\n\x1a\n", 8) == 0);
	call("GET", "/api/v1/amounts.csv", "Range: bytes=0-12\r\n", &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert_uint_eq(r.body_len, 13);
	ck_assert(memcmp(r.body, "department_id", 13) == 0);
}
END_TEST

/* Issue #18: each page of a kept PDF, rendered at import, named by the PDF's content and the
 * page: cached for a year, never changed. */
START_TEST(test_page_images)
{
	char path[4400], etag[128], cond[200];
	size_t len;
	struct reply r;
	char *want;

	call("GET", "/api/v1/sources/" COMMERCE_SHA256 "/pages/9.png", "", &r);
	ck_assert_int_eq(r.status, 200);
	expect_header(&r, "Content-Type", "image/png", false);
	expect_header(&r, "Cache-Control", "public, max-age=31536000, immutable", false);
	/* the bytes budgetctl kept beside the bundled store: a PNG of 1287 x 910 (842 x 595 pt
	 * at 110 dpi), 8-bit gray */
	snprintf(path, sizeof(path),
	         "%s"
	         ".files/" COMMERCE_SHA256 "-9.png",
	         tu_env("BUDGETD_STORE"));
	want = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(want);
	ck_assert_uint_eq(r.body_len, len);
	ck_assert(memcmp(r.body, want, len) == 0);
	free(want);
	ck_assert(memcmp(r.body, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) == 0);
	ck_assert(memcmp(r.body + 16, "\0\0\x05\x07\0\0\x03\x8e\x08\0", 10) == 0);
	ck_assert(header(&r, "ETag", etag, sizeof(etag)));
	snprintf(cond, sizeof(cond), "If-None-Match: %s\r\n", etag);
	call("GET", "/api/v1/sources/" COMMERCE_SHA256 "/pages/9.png", cond, &r);
	ck_assert_int_eq(r.status, 304);
	/* the PDF has 26 pages; one spelling of a page; no parameters */
	call("GET", "/api/v1/sources/" COMMERCE_SHA256 "/pages/27.png", "", &r);
	expect_problem(&r, 404);
	call("GET", "/api/v1/sources/" COMMERCE_SHA256 "/pages/09.png", "", &r);
	expect_problem(&r, 404);
	call("GET", "/api/v1/sources/" COMMERCE_SHA256 "/pages/0.png", "", &r);
	expect_problem(&r, 404);
	call("GET", "/api/v1/sources/B067/pages/1.png", "", &r);
	expect_problem(&r, 404);
	call("GET", "/api/v1/sources/" COMMERCE_SHA256 "/pages/9.png?x=1", "", &r);
	expect_problem(&r, 400);
}
END_TEST

/* A disclosure imported without its PDF: no link, and the PDF is a 404 that says why. */
START_TEST(test_source_pdf_not_kept)
{
	char *store = tu_temp_path(".sqlite"), json[4200];
	struct tu_ctl c;
	struct reply r;
	json_t *j;

	snprintf(json, sizeof(json), "%s/db/data/putuo-commerce-2025-budget-dept.json",
	         tu_env("BUDGETD_SOURCE"));
	c = tu_ctl("import", "--fresh", "--db", store, json, NULL);
	ck_assert_msg(c.status == 0, "%s", c.err);
	tu_ctl_done(&c);
	daemon_spawn(command("0", store));
	call("GET", COMMERCE, "", &r);
	ck_assert_int_eq(r.status, 200);
	j = body_json(&r);
	ck_assert_ptr_null(json_object_get(json_object_get(j, "links"), "source_pdf"));
	json_decref(j);
	call("GET", COMMERCE "/source.pdf", "", &r);
	expect_problem(&r, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "imported without it"));
	ck_assert_int_eq(daemon_stop(), 0);
	tu_unlink_store(store);
	free(store);
}
END_TEST

START_TEST(test_front_page)
{
	char path[4096], *file;
	struct reply r;
	size_t len = 0;

	char etag[128], cond[200], csp[400];

	call("GET", "/", "", &r);
	ck_assert_int_eq(r.status, 200);
	expect_header(&r, "Content-Type", "text/html", true);
	ck_assert_ptr_nonnull(strstr(r.body, "lang=\"zh-CN\""));
	/* The page's browser security headers, and no server banner. Its style is inline (#15),
	 * allowed by its hash (tests/browser/speed.test.mjs checks the hash), never by
	 * 'unsafe-inline'. */
	expect_header(&r, "Content-Security-Policy",
	              "default-src 'self'; script-src 'self'; "
	              "style-src 'self' 'sha256-",
	              true);
	ck_assert(header(&r, "Content-Security-Policy", csp, sizeof(csp)));
	ck_assert_ptr_null(strstr(csp, "unsafe-inline"));
	expect_header(&r, "X-Content-Type-Options", "nosniff", false);
	expect_header(&r, "Referrer-Policy", "strict-origin-when-cross-origin", false);
	ck_assert(!header(&r, "Server", etag, sizeof(etag)));
	/* Revalidation: the same bytes give 304. */
	ck_assert(header(&r, "ETag", etag, sizeof(etag)));
	snprintf(cond, sizeof(cond), "If-None-Match: %s\r\n", etag);
	call("GET", "/", cond, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_uint_eq(r.body_len, 0);
	/* answered from the cache, still with the page's headers, not the API's */
	expect_header(&r, "Cache-Control", "public, max-age=0, s-maxage=1, stale-if-error=86400",
	              false);
	expect_header(&r, "Referrer-Policy", "strict-origin-when-cross-origin", false);

	call("GET", "/app.js", "", &r);
	ck_assert_int_eq(r.status, 200);
	expect_header(&r, "Content-Type", "text/javascript", true);
	snprintf(path, sizeof(path), "%s/app.js", tu_env("BUDGETD_STATIC"));
	file = tu_read_file(path, &len);
	ck_assert_ptr_nonnull(file);
	ck_assert_uint_eq(r.body_len, len);
	ck_assert_mem_eq(r.body, file, len);
	free(file);
}
END_TEST

/* Each aims outside the static folder: at the source tree's meson.build just above it, or at
 * /etc/passwd. */
static const char *const escapes[] = {
	"/../meson.build", "/%2e%2e/meson.build",   "/static/../../etc/passwd",
	"//etc/passwd",    "/%2e%2e%2fmeson.build", "/..%2f..%2f..%2fetc%2fpasswd",
};

START_TEST(test_traversal_refused)
{
	struct reply r;

	call("GET", escapes[_i], "", &r);
	ck_assert_msg(r.status == 404, "%s answered %d", escapes[_i], r.status);
	ck_assert_ptr_null(strstr(r.body, "project("));
	ck_assert_ptr_null(strstr(r.body, "root:"));
}
END_TEST

START_TEST(test_unknown_api_path)
{
	struct reply r;

	call("GET", "/api/v1/nope", "", &r);
	expect_problem(&r, 404);
}
END_TEST

/* Escapes in the path and the query decode as RFC 3986 says (and libmicrohttpd's strict
 * decoder did before budgetd had its own): %2D is '-', %31%30 is 10, '+' in a query a space;
 * a broken escape is left as it came, and half a character is no text. */
START_TEST(test_percent_escapes)
{
	struct reply plain, r;
	json_t *j;

	call("GET", "/api/v1/departments/kashi-urumqi-office", "", &plain);
	ck_assert_int_eq(plain.status, 200);
	call("GET", "/api/v1/departments/kashi%2Durumqi-office", "", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, plain.body_len);
	ck_assert(memcmp(r.body, plain.body, r.body_len) == 0);
	call("GET", "/api/v1/departments?limit=%31%30", "", &r);
	ck_assert_int_eq(r.status, 200);
	j = body_json(&r);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "limit")), 10);
	json_decref(j);
	call("GET", "/api/v1/search?q=a%2Bb+c", "", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"self\":\"/api/v1/search?q=a%2Bb%20c&"));
	call("GET", "/api/v1/departments/kashi-urumqi-office%zz", "", &r);
	expect_problem(&r, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "no department \\\"kashi-urumqi-office%zz\\\""));
	call("GET", "/api/v1/departments/kashi%zz%2Durumqi", "", &r); /* no decoding after it */
	expect_problem(&r, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "no department \\\"kashi%zz%2Durumqi\\\""));
	call("GET", "/api/v1/departments/kashi-urumqi-office%4", "", &r);
	expect_problem(&r, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "no department \\\"kashi-urumqi-office%4\\\""));
	call("GET", "/api/v1/search?q=%E9%A2%84%E7%AE%9", "", &r);
	expect_problem(&r, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "q must be UTF-8 text"));
}
END_TEST

START_TEST(test_post_not_allowed)
{
	struct reply r;

	/* The API also answers CORS preflight; the front page does not. */
	call("POST", DEPARTMENTS, "Content-Length: 0\r\n", &r);
	expect_problem(&r, 405);
	expect_header(&r, "Allow", "GET, HEAD, OPTIONS", false);
	/* 405 is cacheable by default (RFC 9110 15.5.6): say no, as for every other 4xx but 404 */
	expect_header(&r, "Cache-Control", "no-cache", false);
	call("DELETE", "/index.html", "", &r);
	expect_problem(&r, 405);
	expect_header(&r, "Allow", "GET, HEAD", false);
	expect_header(&r, "Cache-Control", "no-cache", false);
}
END_TEST

START_TEST(test_keep_alive)
{
	static const char req[] = "GET " DEPARTMENTS " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	struct reply first, second;
	int fd = dial();

	send_request(fd, req);
	read_reply(fd, false, &first);
	ck_assert_int_eq(first.status, 200);
	/* The same socket: a daemon that closed after the first answer fails in read_reply. */
	send_request(fd, req);
	read_reply(fd, false, &second);
	ck_assert_int_eq(second.status, 200);
	ck_assert_uint_eq(second.body_len, first.body_len);
	ck_assert_mem_eq(second.body, first.body, first.body_len);
	close(fd);
}
END_TEST

/* An idle keep-alive client must not hold up shutdown, and the port must be released. */
START_TEST(test_sigterm_stops_cleanly)
{
	struct sockaddr_in sa = loopback(daemon_port);
	struct reply r;
	char byte;
	int idle = dial(), fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	send_request(idle, "GET " DEPARTMENTS " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	read_reply(idle, false, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(daemon_stop(), 0);
	ck_assert_int_eq(recv(idle, &byte, 1, 0), 0);
	close(idle);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno == ECONNREFUSED,
	              "the port still accepts connections after the stop");
	close(fd);
}
END_TEST

/* SIGTERM while a worker thread takes the listening socket out of its epoll set at the same
 * moment (LD_PRELOAD: the worker always wins): budgetd still stops cleanly and releases the
 * port. libmicrohttpd 1.0.1 aborted here ("Failed to remove listen FD from epoll set") until
 * subprojects/packagefiles/libmicrohttpd/quiesce-race.patch. */
START_TEST(test_sigterm_when_a_worker_removed_the_socket_first)
{
	struct sockaddr_in sa;
	struct reply r;
	int fd, status;

	tu_preload(tu_env("BUDGETD_LISTEN_REMOVED_FIRST"));
	daemon_start();
	tu_preload_end();
	fd = dial();
	send_request(fd, "GET " DEPARTMENTS
	                 " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	read_reply(fd, false, &r);
	close(fd);
	ck_assert_int_eq(r.status, 200);
	sa = loopback(daemon_port);
	status = daemon_stop();
	ck_assert_msg(status == 0, "budgetd's stop: exit status %d (-1: killed by a signal)",
	              status);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno == ECONNREFUSED,
	              "the port still accepts connections after the stop");
	close(fd);
}
END_TEST

/* Runs budgetd to completion: each of these runs must refuse to start. */
/* A copy of the bundled store, for tests that change it under a running daemon. */
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

static void import_into(const char *store, const char *from, const char *to)
{
	char *seed = tu_read_file(tu_env("BUDGETD_SEED"), NULL), *p, *file, *err = NULL;
	char *argv[] = {
		(char *)tu_env("BUDGETCTL_BIN"), "import", "--db", (char *)store, NULL, NULL
	};
	size_t n;

	ck_assert_ptr_nonnull(seed);
	ck_assert_ptr_nonnull(p = strstr(seed, from));
	n = strlen(seed) + strlen(to) + 1;
	file = malloc(n);
	snprintf(file, n, "%.*s%s%s", (int)(p - seed), seed, to, p + strlen(from));
	argv[4] = tu_write_temp(file, strlen(file), ".json");
	ck_assert_msg(tu_run(argv, NULL, &err) == 0, "budgetctl import: %s", err);
	unlink(argv[4]);
	free(argv[4]);
	free(err);
	free(file);
	free(seed);
}

/* An import while budgetd serves: answers come from the cache until the data changes, then
 * the new figures are served without a restart. */
START_TEST(test_serves_new_data_after_import)
{
	static const char sangong[] =
	    "/api/v1/departments/kashi-urumqi-office/budgets/2021/sangong";
	static const struct timespec tick = { .tv_nsec = 50 * 1000 * 1000 };
	char *store = copy_store(), before[64], again[64], after[64];
	struct reply r;
	int tries = 0;

	daemon_spawn(command("0", store));
	call("GET", sangong, "", &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\"amount\":96.80,")); /* as the seed prints it */
	ck_assert(header(&r, "ETag", before, sizeof(before)));
	call("GET", sangong, "", &r); /* a cache hit: the same representation */
	ck_assert(header(&r, "ETag", again, sizeof(again)));
	ck_assert_str_eq(before, again);
	import_into(store, "\"sangong\": {\n    \"amount\": \"96.80\"",
	            "\"sangong\": {\n    \"amount\": \"96.81\"");
	do {
		nanosleep(&tick, NULL);
		call("GET", sangong, "", &r);
	} while (strstr(r.body, "\"amount\":96.81,") == NULL && ++tries < 100);
	ck_assert_msg(tries < 100, "still the old figures 5 s after the import");
	ck_assert(header(&r, "ETag", after, sizeof(after)));
	ck_assert_str_ne(before, after);
	ck_assert_int_eq(daemon_stop(), 0);
	tu_unlink_store(store);
	free(store);
}
END_TEST

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Page files are cached, but an edited file is served at once, with a new ETag. */
START_TEST(test_edited_page_file_is_served)
{
	char *dir = tu_temp_path(".static"), *store = copy_store(), before[64], after[64];
	char cond[128], path[4096];
	char *const *argv = command("0", store);
	struct reply r;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	write_file(dir, "app.js", "let v = 1;\n");
	((char **)argv)[8] = dir;
	daemon_spawn(argv);
	call("GET", "/app.js", "", &r);
	ck_assert_str_eq(r.body, "let v = 1;\n");
	ck_assert(header(&r, "ETag", before, sizeof(before)));
	call("GET", "/app.js", "", &r); /* a cache hit */
	ck_assert_str_eq(r.body, "let v = 1;\n");
	write_file(dir, "app.js", "let v = 22;\n");
	call("GET", "/app.js", "", &r);
	ck_assert_str_eq(r.body, "let v = 22;\n");
	ck_assert(header(&r, "ETag", after, sizeof(after)));
	ck_assert_str_ne(before, after);
	snprintf(cond, sizeof(cond), "If-None-Match: %s\r\n", before);
	call("GET", "/app.js", cond, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(daemon_stop(), 0);
	snprintf(path, sizeof(path), "%s/app.js", dir);
	unlink(path);
	rmdir(dir);
	tu_unlink_store(store);
	free(store);
	free(dir);
}
END_TEST

/* With no --db and no --static, budgetd finds the bundled store and page wherever it is
 * started from. */
START_TEST(test_defaults_from_any_directory)
{
	char *argv[] = { (char *)tu_env("BUDGETD_BIN"), "--port", "0", NULL };
	struct reply r;
	json_t *j;

	ck_assert_int_eq(chdir("/"), 0);
	daemon_spawn(argv);
	call("GET", DEPARTMENTS, "", &r);
	ck_assert_int_eq(r.status, 200);
	j = body_json(&r);
	ck_assert_str_eq(json_string_value(
	                     json_object_get(json_array_get(json_object_get(j, "items"), 0), "id")),
	                 "kashi-urumqi-office");
	json_decref(j);
	call("GET", "/", "", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "lang=\"zh-CN\""));
	ck_assert_int_eq(daemon_stop(), 0);
}
END_TEST

static int run_once(const char *port, const char *db, char **err)
{
	return tu_run(command(port, db), NULL, err);
}

START_TEST(test_port_in_use)
{
	struct sockaddr_in sa = loopback(0);
	socklen_t sl = sizeof(sa);
	char port[8], *err = NULL;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(port, sizeof(port), "%u", ntohs(sa.sin_port));
	ck_assert_int_eq(run_once(port, tu_env("BUDGETD_STORE"), &err), 69);
	ck_assert_msg(err != NULL && strcasestr(err, "in use") != NULL, "stderr: %s", err);
	free(err);
	close(fd);
}
END_TEST

START_TEST(test_missing_store)
{
	char *err = NULL;

	ck_assert_int_eq(run_once("0", "/nonexistent/store.sqlite", &err), 66);
	ck_assert_msg(err != NULL && strstr(err, "cannot open store") != NULL, "stderr: %s", err);
	free(err);
}
END_TEST

/* A file that is not SQLite: 66, and the message names it (issue 13, point 8). */
START_TEST(test_garbage_store_named)
{
	static const char junk[] = "not a database, just text\n";
	char *path = tu_write_temp(junk, sizeof(junk) - 1, ".sqlite"), expect[4200], *err = NULL;

	ck_assert_int_eq(run_once("0", path, &err), 66);
	snprintf(expect, sizeof(expect),
	         "budgetd: %s: not a budgetd store (file is not a database)", path);
	ck_assert_msg(err != NULL && strstr(err, expect) != NULL, "stderr: %s", err);
	free(err);
	tu_unlink_store(path);
	free(path);
}
END_TEST

/* A store of schema version 1 is not served: the operator is told to upgrade it. */
START_TEST(test_v1_store_refused)
{
	char *err = NULL, *path = tu_fixture_copy("kashi-v1.sqlite");

	ck_assert_int_eq(run_once("0", path, &err), 66);
	ck_assert_msg(err != NULL && strstr(err, "budgetctl upgrade") != NULL, "stderr: %s", err);
	free(err);
	tu_unlink_store(path);
	free(path);
}
END_TEST

static const char *const bad_ports[] = { "abc", "65536", "-1", "", "80x", "99999999999999999999" };

START_TEST(test_bad_arguments)
{
	ck_assert_msg(run_once(bad_ports[_i], tu_env("BUDGETD_STORE"), NULL) == 64,
	              "--port '%s' was not refused as bad usage", bad_ports[_i]);
}
END_TEST

/* ---- Embedding (issue #15): /embed/ pages may be framed by any origin; nothing else may. */

/* The Content-Security-Policy's frame-ancestors directive: the text after it, to the end. */
static void expect_frame_ancestors(const char *path, int status, const char *want)
{
	struct reply r;
	char csp[256], xfo[64];
	const char *fa;

	call("GET", path, "", &r);
	ck_assert_msg(r.status == status, "%s: status %d, want %d", path, r.status, status);
	ck_assert_msg(header(&r, "Content-Security-Policy", csp, sizeof(csp)), "%s: no CSP", path);
	fa = strstr(csp, "frame-ancestors ");
	ck_assert_msg(fa != NULL, "%s: no frame-ancestors in %s", path, csp);
	ck_assert_msg(strcmp(fa + strlen("frame-ancestors "), want) == 0,
	              "%s: %s, want frame-ancestors %s", path, fa, want);
	ck_assert_msg(!header(&r, "X-Frame-Options", xfo, sizeof(xfo)) ||
	                  strcmp(want, "'none'") == 0,
	              "%s: X-Frame-Options %s on a page meant to be framed", path, xfo);
}

static const struct {
	const char *path;
	int status;
	const char *frame_ancestors;
} embed_cases[] = {
	{ "/embed/kashi-urumqi-office/budgets/2021/tables/2", 200, "*" },
	{ "/embed/kashi-urumqi-office/budgets/2021", 200, "*" },
	{ "/embed/putuo-commerce/budgets/2025?level=unit", 200, "*" },
	{ "/embed/putuo-cpc-social-work/finals/2024/tables/9", 200, "*" },
	/* malformed: a 404 page, framable (so that a portal's frame says what is wrong) */
	{ "/embed/kashi-urumqi-office/budgets/2021/tables/02", 404, "*" },
	{ "/embed/kashi-urumqi-office/budget/2021", 404, "*" },
	{ "/embed/kashi-urumqi-office/budgets/21", 404, "*" },
	{ "/embed/kashi-urumqi-office/budgets/2021/tables", 404, "*" },
	{ "/embed/kashi-urumqi-office/budgets/2021/", 404, "*" },
	{ "/embed/Kashi/budgets/2021", 404, "*" },
	{ "/embed/kashi-urumqi-office/budgets/2021?level=all", 404, "*" },
	/* the rest of the site, the embed page's own file included, stays unframable */
	{ "/", 200, "'none'" },
	{ "/index.html", 200, "'none'" },
	{ "/embed.html", 200, "'none'" },
	{ "/embed.js", 404, "'none'" }, /* gone: the server renders the views */
	{ "/no-such-page", 404, "'none'" },
	{ "/api/v1/departments/kashi-urumqi-office/budgets/2021/tables/2", 200, "'none'" },
	{ "/api/v1/embed/kashi-urumqi-office/budgets/2021", 404, "'none'" },
};

START_TEST(test_embed_frame_ancestors)
{
	expect_frame_ancestors(embed_cases[_i].path, embed_cases[_i].status,
	                       embed_cases[_i].frame_ancestors);
}
END_TEST

START_TEST(test_embed_pages)
{
	struct reply r;

	call("GET", "/embed/kashi-urumqi-office/budgets/2021/tables/2", "", &r);
	expect_header(&r, "Content-Type", "text/html", true);
	/* rendered by the server: 表二's figures (db/data/kashi-urumqi-office-2021-budget.json:
	 * the total row 700.94, 一般公共服务支出 662.96), and no script to fetch them */
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "<h2 id=\"table-2-h\">表二 部门收入总体情况表</h2>"));
	ck_assert_ptr_nonnull(strstr(r.body, "data-col=\"total\">700.94</td>"));
	ck_assert_ptr_nonnull(strstr(r.body, "data-col=\"total\">662.96</td>"));
	ck_assert_ptr_null(strstr(r.body, "<script"));
	call("GET", "/embed/kashi-urumqi-office/budgets/2021/tables/10", "", &r);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_nonnull(strstr(r.body, "未找到这份公开内容"));
	call("GET", "/embed/kashi-urumqi-office/loans/2021", "", &r);
	ck_assert_int_eq(r.status, 404);
	expect_header(&r, "Content-Type", "text/html", true);
	ck_assert_ptr_nonnull(strstr(r.body, "未找到"));
}
END_TEST

/* ---- end of embedding */

/* ---- /healthz and /metrics (#16): the health answer, the exposition format, and counters
 * that move by exactly what was asked */

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

/* Asks /healthz until it answers status (the watcher looks every 20 ms): at most 10 s.
 * Then asks again once the watcher has looked for certain: until it has, a worker whose
 * connection was opened before the move still reads the old file through its descriptor
 * (200) while one opening afresh finds nothing (503), so the first answer is not settled. */
static void await_healthz(int status)
{
	static const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	static const struct timespec settle = { .tv_nsec = 100 * 1000 * 1000 };
	struct reply r;

	for (int i = 0; i < 1000; i++) {
		call("GET", "/healthz", "", &r);
		if (r.status == status)
			break;
		nanosleep(&tick, NULL);
	}
	nanosleep(&settle, NULL);
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
	"budgetd_cache_entries",
	"budgetd_cache_refused_total",
	"budgetd_cache_evictions_total",
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

/* ---- Cache-Control (#16): --max-age, --s-maxage, --stale, and what each answer gets */

#define CC_API "public, max-age=60, s-maxage=1, stale-if-error=86400"
#define CC_PAGE "public, max-age=0, s-maxage=1, stale-if-error=86400"
#define CC_404 "public, max-age=0, s-maxage=1"
#define PAGE_URL "/?dept=kashi-urumqi-office"

/* budgetd's command line with up to 6 more arguments, the list ended by NULL. */
static char *const *command_with(const char *port, const char *db, ...)
{
	static char *argv[24];
	char *const *base = command(port, db);
	size_t n = 0;
	va_list ap;

	while (base[n] != NULL) {
		argv[n] = base[n];
		n++;
	}
	va_start(ap, db);
	while ((argv[n] = va_arg(ap, char *)) != NULL && n < 20)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return argv;
}

/* Each answer's Cache-Control: a 200 and its 304 alike (gzip: a page is over 128 KiB). */
static void expect_cache_control(const char *path, int status, const char *want)
{
	char etag[64], cond[160];
	struct reply r;

	call("GET", path, "Accept-Encoding: gzip\r\n", &r);
	ck_assert_msg(r.status == status, "%s: status %d, want %d", path, r.status, status);
	expect_header(&r, "Cache-Control", want, false);
	if (status != 200)
		return;
	ck_assert(header(&r, "ETag", etag, sizeof(etag)));
	snprintf(cond, sizeof(cond), "Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", etag);
	call("GET", path, cond, &r);
	ck_assert_int_eq(r.status, 304);
	expect_header(&r, "Cache-Control", want, false);
}

/* The defaults: a correction reaches shared caches within 1 s; browsers keep API answers a
 * minute and revalidate pages every time; a 404 is shared for 1 s; a 400 is not kept. */
START_TEST(test_cache_control_defaults)
{
	expect_cache_control(DEPARTMENTS, 200, CC_API);
	expect_cache_control("/api/v1/departments/kashi-urumqi-office/budgets/2021/tables/1", 200,
	                     CC_API);
	expect_cache_control("/", 200, CC_PAGE);
	expect_cache_control(PAGE_URL, 200, CC_PAGE);
	expect_cache_control("/app.js", 200, CC_PAGE);
	expect_cache_control(NOWHERE, 404, CC_404);
	expect_cache_control("/api/v1/departments/nope", 404, CC_404);
	expect_cache_control("/no-such-file.js", 404, CC_404);
	expect_cache_control("/api/v1/departments?limit=007", 400, "no-cache");
}
END_TEST

START_TEST(test_cache_control_options)
{
	daemon_spawn(command_with("0", tu_env("BUDGETD_STORE"), "--max-age", "7", "--s-maxage",
	                          "11", "--stale-while-revalidate", "13", "--stale", "17", NULL));
	expect_cache_control(DEPARTMENTS, 200,
	                     "public, max-age=7, s-maxage=11, stale-while-revalidate=13, "
	                     "stale-if-error=17");
	/* never stale-while-revalidate on a page: a browser must not run old script on it */
	expect_cache_control(PAGE_URL, 200, "public, max-age=0, s-maxage=11, stale-if-error=17");
	expect_cache_control("/app.js", 200, "public, max-age=0, s-maxage=11, stale-if-error=17");
	expect_cache_control(NOWHERE, 404, "public, max-age=0, s-maxage=11");
	ck_assert_int_eq(daemon_stop(), 0);

	/* each alone, the others at their defaults; --stale 0 leaves stale-if-error out */
	daemon_spawn(command_with("0", tu_env("BUDGETD_STORE"), "--max-age", "0", NULL));
	expect_cache_control(DEPARTMENTS, 200,
	                     "public, max-age=0, s-maxage=1, stale-if-error=86400");
	ck_assert_int_eq(daemon_stop(), 0);
	daemon_spawn(command_with("0", tu_env("BUDGETD_STORE"), "--s-maxage", "300", NULL));
	expect_cache_control(DEPARTMENTS, 200,
	                     "public, max-age=60, s-maxage=300, stale-if-error=86400");
	expect_cache_control("/", 200, "public, max-age=0, s-maxage=300, stale-if-error=86400");
	ck_assert_int_eq(daemon_stop(), 0);
	daemon_spawn(
	    command_with("0", tu_env("BUDGETD_STORE"), "--stale-while-revalidate", "30", NULL));
	expect_cache_control(DEPARTMENTS, 200,
	                     "public, max-age=60, s-maxage=1, stale-while-revalidate=30, "
	                     "stale-if-error=86400");
	expect_cache_control("/", 200, CC_PAGE);
	ck_assert_int_eq(daemon_stop(), 0);
	daemon_spawn(command_with("0", tu_env("BUDGETD_STORE"), "--stale", "0", NULL));
	expect_cache_control(DEPARTMENTS, 200, "public, max-age=60, s-maxage=1");
	expect_cache_control("/", 200, "public, max-age=0, s-maxage=1");
	ck_assert_int_eq(daemon_stop(), 0);
}
END_TEST

/* ---- The answer cache under random traffic (#17): while it has room every answer is kept
 * (a second request is a hit); once full, an answer asked for once is not kept, so that a
 * stream of one-off requests pushes out nothing; asked for again, it gets in. */

#define HOT DEPARTMENTS /* not among the resources below */

static double counter(const char *name)
{
	static struct scrape sc;

	scrape(&sc);
	return value_of(&sc, name, "", NULL);
}

/* GETs path (gzip'd or not) into *r and says whether the cache served it. */
static bool cached_into(const char *path, bool gz, struct reply *r)
{
	double hits = counter("budgetd_cache_hits_total");

	call("GET", path, gz ? "Accept-Encoding: gzip\r\n" : "", r);
	ck_assert_msg(r->status == 200 || r->status == 404, "%s: %d", path, r->status);
	return counter("budgetd_cache_hits_total") > hits;
}

static bool cached(const char *path, bool gz)
{
	struct reply r;

	return cached_into(path, gz, &r);
}

/* The bundled store's disclosures, and their resources: about 0.9 MB identity, more gzip'd. */
static const char *const disclosures[] = {
	"kashi-urumqi-office/budgets/2021",     "putuo-commerce/budgets/2025",
	"putuo-cpc-social-work/finals/2024",    "putuo-govt-office/budgets/2025",
	"putuo-wanli-subdistrict/budgets/2024",
};
#define PER_DISCLOSURE 30 /* the disclosure, its projects, its workbook, 9 tables x 3 formats */

static void resource_url(size_t i, char *buf, size_t size)
{
	static const char *const formats[] = { "", "?format=csv", "?format=xlsx" };
	const char *d = disclosures[i / PER_DISCLOSURE];
	size_t k = i % PER_DISCLOSURE;

	if (k < 3)
		snprintf(buf, size, "/api/v1/departments/%s%s", d,
		         k == 0   ? ""
		         : k == 1 ? "/projects"
		                  : "/tables?format=xlsx");
	else
		snprintf(buf, size, "/api/v1/departments/%s/tables/%zu%s", d, (k - 3) / 3 + 1,
		         formats[(k - 3) % 3]);
}

START_TEST(test_cache_admission)
{
	size_t n = sizeof(disclosures) / sizeof(disclosures[0]) * PER_DISCLOSURE, i;
	char url[160], first_refused[160] = "";
	double evicted, held;

	daemon_spawn(command_with("0", tu_env("BUDGETD_STORE"), "--cache-mb", "1", NULL));
	ck_assert(!cached(HOT, false));
	ck_assert_msg(cached(HOT, false), "a second request was not served from the cache");
	/* Fill the 1 MB: every resource, identity then gzip'd, until one is not kept. */
	for (i = 0; i < 2 * n && first_refused[0] == '\0'; i++) {
		resource_url(i % n, url, sizeof(url));
		ck_assert(!cached(url, i >= n));
		if (counter("budgetd_cache_refused_total") > 0)
			snprintf(first_refused, sizeof(first_refused), "%s", url);
	}
	ck_assert_msg(first_refused[0] != '\0', "1 MB held every answer: no test");
	ck_assert_double_eq(counter("budgetd_cache_evictions_total"), 0);
	/* asked for again right away: kept now (room made), then served from the cache */
	ck_assert(!cached(first_refused, i > n));
	evicted = counter("budgetd_cache_evictions_total");
	ck_assert_double_ge(evicted, 1);
	ck_assert(cached(first_refused, i > n));
	held = counter("budgetd_cache_entries");
	ck_assert_double_ge(held, 2);
	/* the rest, once each: nothing pushed out (some fill the room the eviction left), the
	 * hot answer still a hit */
	for (; i < 2 * n; i++) {
		resource_url(i % n, url, sizeof(url));
		ck_assert(!cached(url, i >= n));
	}
	ck_assert_double_eq(counter("budgetd_cache_evictions_total"), evicted);
	ck_assert_double_ge(counter("budgetd_cache_entries"), held);
	ck_assert_double_ge(counter("budgetd_cache_refused_total"), 2);
	ck_assert(cached(HOT, false));
}
END_TEST

/* budgetd_heap_*{allocator=...}: name the allocator the build links (meson's jemalloc option,
 * BUDGETD_ALLOCATOR), and count what budgetd holds. Every gzip'd answer below SRV_FILE_MIN
 * (4 KiB) that the cache keeps stays in the heap, body and headers: the heap grows by at least
 * their bodies. Read from an allocator other than the one that serves the requests, the
 * counts would not move. */
START_TEST(test_heap_counts)
{
	size_t n = sizeof(disclosures) / sizeof(disclosures[0]) * PER_DISCLOSURE;
	size_t kept = 0, kept_bytes = 0; /* the answers below 4 KiB, all kept */
	static struct scrape sc;
	static struct reply r;
	char url[160], labels[64];
	double before, allocated, held;
	bool present;

	snprintf(labels, sizeof(labels), "{allocator=\"%s\"}", tu_env("BUDGETD_ALLOCATOR"));
	daemon_spawn(command_with("0", tu_env("BUDGETD_STORE"), "--cache-mb", "16", NULL));
	scrape(&sc);
	before = value_of(&sc, "budgetd_heap_allocated_bytes", labels, &present);
	ck_assert_msg(present, "no budgetd_heap_allocated_bytes%s", labels);
	for (size_t i = 0; i < n; i++) {
		resource_url(i, url, sizeof(url));
		call("GET", url, "Accept-Encoding: gzip\r\n", &r);
		ck_assert_int_eq(r.status, 200);
		if (r.body_len < 4096) {
			kept_bytes += r.body_len;
			kept++;
		}
	}
	scrape(&sc);
	ck_assert_double_eq(value_of(&sc, "budgetd_cache_refused_total", "", NULL), 0);
	ck_assert_uint_ge(kept, 50);
	allocated = value_of(&sc, "budgetd_heap_allocated_bytes", labels, NULL);
	held = value_of(&sc, "budgetd_heap_held_bytes", labels, &present);
	ck_assert(present);
	ck_assert_msg(allocated - before >= (double)kept_bytes,
	              "%zu small answers kept (%zu bytes), the heap grew by %.0f", kept, kept_bytes,
	              allocated - before);
	ck_assert_double_ge(held, allocated);
}
END_TEST

struct answer_files {
	const char *dir;
	int in_dir, memfds;
};

/* A tu_open_files() visitor: counts an answer file in ctx (struct answer_files). */
static bool count_answer_file(const char *target, void *ctx)
{
	struct answer_files *a = ctx;
	size_t n = strlen(a->dir);

	if (strcmp(target, "/memfd:budgetd-answer (deleted)") == 0)
		a->memfds++;
	else if (strncmp(target, a->dir, n) == 0 && strncmp(target + n, "/#", 2) == 0)
		a->in_dir++;
	return false;
}

/* The daemon's open answer files: unnamed ones in dir (O_TMPFILE: "DIR/#INODE (deleted)")
 * and memfds ("/memfd:budgetd-answer (deleted)"). */
static void answer_files(const char *dir, int *in_dir, int *memfds)
{
	struct answer_files a = { .dir = dir };

	tu_open_files(daemon_pid, count_answer_file, &a);
	*in_dir = a.in_dir;
	*memfds = a.memfds;
}

/* GETs path (gzip'd or not); true when the cache did not serve it and its body has at least
 * min bytes. */
static bool missed_with(const char *path, bool gz, size_t min)
{
	struct reply r;
	bool hit = cached_into(path, gz, &r);

	ck_assert_msg(r.status == 200, "%s: %d", path, r.status);
	return !hit && r.body_len >= min;
}

/* A kept answer of 4 KB or more is sent from a file of its own. While the cache has room,
 * that is an unnamed file in the answers' directory (TMPDIR, else /var/tmp), when its file
 * system takes one; once the cache is full, an answer that gets in pushes others out, and
 * its file is a memfd: under that churn an ext4 inode per answer cost more than the cache
 * saved (#17 round 14). */
START_TEST(test_cache_answer_files)
{
	const char *tmp = getenv("TMPDIR"),
	           *big = "/api/v1/departments/kashi-urumqi-office/budgets/2021"; /* 35 KB */
	int probe, in_dir, memfds, before;
	size_t n = sizeof(disclosures) / sizeof(disclosures[0]) * PER_DISCLOSURE, i;
	char url[160], churned[160] = "", dir[PATH_MAX];
	bool gz = false;

	/* as /proc shows it: no trailing slash, no link */
	ck_assert(realpath(tmp != NULL && *tmp != '\0' ? tmp : "/var/tmp", dir) != NULL);
	probe = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (probe >= 0)
		close(probe);
	daemon_spawn(command_with("0", tu_env("BUDGETD_STORE"), "--cache-mb", "1", NULL));
	ck_assert(missed_with(big, false, 4096));
	ck_assert(cached(big, false));
	answer_files(dir, &in_dir, &memfds);
	ck_assert_msg(probe >= 0 ? in_dir == 1 && memfds == 0 : in_dir == 0 && memfds == 1,
	              "%s %s O_TMPFILE; %d files there, %d memfds", dir,
	              probe >= 0 ? "takes" : "refuses", in_dir, memfds);
	/* Fill the 1 MB until a large answer is refused. */
	for (i = 0; i < 2 * n && churned[0] == '\0'; i++) {
		double refused = counter("budgetd_cache_refused_total");

		resource_url(i % n, url, sizeof(url));
		gz = i >= n;
		if (missed_with(url, gz, 4096) && counter("budgetd_cache_refused_total") > refused)
			snprintf(churned, sizeof(churned), "%s", url);
	}
	ck_assert_msg(churned[0] != '\0', "1 MB held every answer: no test");
	answer_files(dir, &in_dir, &before);
	/* asked for again: kept now, pushing older answers out, in a memfd */
	ck_assert(missed_with(churned, gz, 4096));
	ck_assert_double_ge(counter("budgetd_cache_evictions_total"), 1);
	ck_assert(cached(churned, gz));
	answer_files(dir, &in_dir, &memfds);
	ck_assert_int_eq(memfds, before + 1);
}
END_TEST

/* A 503 (the store unreadable just now) must never be kept by any cache: once the store is
 * back, the next request has to reach budgetd. */
START_TEST(test_cache_control_503)
{
	static const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	char *store = copy_store(), away[4200];
	bool root = geteuid() == 0;
	struct reply r;

	snprintf(away, sizeof(away), "%s.away", store);
	daemon_spawn(command("0", store));
	expect_cache_control(DEPARTMENTS, 200, CC_API);
	ck_assert_int_eq(root ? rename(store, away) : chmod(store, 0), 0);
	for (int i = 0; i < 1000; i++) {
		call("GET", "/api/v1/departments/kashi-urumqi-office", "", &r);
		if (r.status == 503)
			break;
		nanosleep(&tick, NULL);
	}
	/* Settled once the watcher has looked (see await_healthz()). */
	nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
	call("GET", "/api/v1/departments/kashi-urumqi-office", "", &r);
	expect_problem(&r, 503);
	expect_header(&r, "Cache-Control", "no-store", false);
	expect_cache_control(PAGE_URL, 503, "no-store");
	ck_assert_int_eq(root ? rename(away, store) : chmod(store, 0644), 0);
	ck_assert_int_eq(daemon_stop(), 0);
	tu_unlink_store(store);
	free(store);
}
END_TEST

static const char *const bad_ages[][2] = {
	{ "--max-age", "-1" },
	{ "--max-age", "abc" },
	{ "--max-age", "" },
	{ "--s-maxage", "31536001" },
	{ "--s-maxage", "1e3" },
	{ "--stale", "5s" },
	{ "--stale", "99999999999999999999" },
	{ "--stale-while-revalidate", "-5" },
	{ "--stale-while-revalidate", "31536001" },
};

START_TEST(test_cache_options_refused)
{
	char *err = NULL;

	ck_assert_msg(tu_run(command_with("0", tu_env("BUDGETD_STORE"), bad_ages[_i][0],
	                                  bad_ages[_i][1], NULL),
	                     NULL, &err) == 64,
	              "%s '%s' was not refused as bad usage", bad_ages[_i][0], bad_ages[_i][1]);
	ck_assert_msg(err != NULL && strstr(err, "bad arguments") != NULL, "stderr: %s", err);
	free(err);
}
END_TEST

/* ---- budgetctl restore under a serving budgetd (#16) */

/* The store at path as import files say, and a backup of it, then another import: the
 * sangong figure of the seed is 96.80 (db/data/kashi-urumqi-office-2021-budget.json, 表七
 * “三公”经费 合计); the second import makes it 96.81. Restoring the backup while budgetd
 * serves brings 96.80 back without one answer other than 200. */
START_TEST(test_restore_while_serving)
{
	static const char sangong[] =
	    "/api/v1/departments/kashi-urumqi-office/budgets/2021/sangong";
	static const struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };
	char *store = copy_store(), *backup = tu_temp_path(".sqlite");
	char *argv[] = { (char *)tu_env("BUDGETCTL_BIN"), "restore", "--db", store, backup, NULL };
	bool done = false, restored = false;
	pid_t pid;
	int status = -1, answers = 0, tries = 0;
	struct reply r;

	struct tu_ctl b = tu_ctl("backup", "--db", store, backup, NULL);
	ck_assert_msg(b.status == 0, "backup: %s", b.err);
	tu_ctl_done(&b);
	import_into(store, "\"sangong\": {\n    \"amount\": \"96.80\"",
	            "\"sangong\": {\n    \"amount\": \"96.81\"");
	daemon_spawn(command("0", store));
	call("GET", sangong, "", &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\"amount\":96.81,"));
	ck_assert_int_eq(posix_spawn(&pid, argv[0], NULL, NULL, argv, environ), 0);
	/* requests all through the restore, and until the figure changes */
	do {
		call("GET", sangong, "", &r);
		ck_assert_msg(r.status == 200, "answer %d during the restore: %d", answers,
		              r.status);
		answers++;
		if (!done)
			done = waitpid(pid, &status, WNOHANG) == pid;
		restored = strstr(r.body, "\"amount\":96.80,") != NULL;
		if (done && !restored) {
			nanosleep(&tick, NULL);
			tries++;
		}
	} while (!(done && restored) && tries < 1000);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "restore failed");
	ck_assert_msg(restored, "still the newer figure 5 s after the restore");
	ck_assert_int_eq(daemon_stop(), 0);
	tu_unlink_store(store);
	tu_unlink_store(backup);
	free(store);
	free(backup);
}
END_TEST

/* The gzip that budgetd sends for body: libdeflate's gzip at level 1, from a fresh
 * compressor (reply.c keeps one per thread; a kept one writes the same bytes). Returns its
 * length in out. */
static size_t libdeflate_level1(const char *body, size_t len, unsigned char *out, size_t size)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);

	ck_assert_ptr_nonnull(c);
	len = libdeflate_gzip_compress(c, body, len, out, size);
	libdeflate_free_compressor(c);
	ck_assert_uint_gt(len, 0);
	return len;
}

/* Inflates the gzip stream gz (n bytes) with zlib (not the coder that wrote it) and checks
 * that it is one whole member that gives back want[0..len), byte for byte. */
static void expect_gunzips(const char *what, const void *gz, size_t n, const void *want, size_t len)
{
	static unsigned char out[1 << 17];
	z_stream zs = { 0 };
	int ret;

	ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)gz;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = sizeof(out);
	ret = inflate(&zs, Z_FINISH);
	ck_assert_msg(ret == Z_STREAM_END, "%s: not one gzip member (%d, %s)", what, ret,
	              zs.msg ? zs.msg : "");
	ck_assert_msg(zs.avail_in == 0 && zs.total_out == len && memcmp(out, want, len) == 0,
	              "%s: inflates to %lu bytes, the plain body is %zu", what, zs.total_out, len);
	inflateEnd(&zs);
}

static void expect_inflates_to(const char *path, const struct reply *gz, const struct reply *plain)
{
	expect_gunzips(path, gz->body, gz->body_len, plain->body, plain->body_len);
}

/* An ETag's 16 hex digits as a number. */
static uint64_t etag_value(const char *etag)
{
	ck_assert_msg(etag[0] == '"' && strlen(etag) >= 18, "ETag %s", etag);
	return strtoull(etag + 1, NULL, 16);
}

/* #17: a gzip'd answer of up to SRV_GZIP_SMALL_USE bytes is budgetd's own coder's
 * (server/deflate.c; libdeflate's level 1 for all of them before), a longer one libdeflate's
 * gzip at level 1 (round 3; zlib's level 1 before it), by a miss and for the cache alike: the
 * strong ETag names one byte sequence. The gzip ETag hashes the coder's name after the
 * identity body (reply.c srv_build), so it changes with the coder: XXH64 of its name seeded
 * with the identity ETag's value, then "-gz". */
START_TEST(test_gzip_level)
{
	static const char *const paths[] = {
		"/api/v1/departments/kashi-urumqi-office/budgets/2021/tables/6",
		"/api/v1/departments/kashi-urumqi-office/budgets/2021/tables/7?format=csv",
		"/api/v1/departments/kashi-urumqi-office/budgets/2021/projects",
		"/api/v1/departments/kashi-urumqi-office/budgets/2021",
		"/api/v1/departments",
	};
	static struct reply plain, miss, hit;
	static unsigned char want[1 << 17];
	unsigned own_seen = 0;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char etag[64], miss_etag[64], hit_etag[64], want_etag[64];
		const char *coder;
		size_t n;

		call("GET", paths[i], "", &plain);
		ck_assert_int_eq(plain.status, 200);
		double hits = counter("budgetd_cache_hits_total");
		call("GET", paths[i], "Accept-Encoding: gzip\r\n", &miss);
		ck_assert(counter("budgetd_cache_hits_total") == hits);
		call("GET", paths[i], "Accept-Encoding: gzip\r\n", &hit);
		ck_assert(counter("budgetd_cache_hits_total") > hits);
		expect_header(&miss, "Content-Encoding", "gzip", false);
		expect_inflates_to(paths[i], &miss, &plain);
		if (plain.body_len <= SRV_GZIP_SMALL_USE) {
			n = srv_gzip_small(plain.body, plain.body_len, want, sizeof(want));
			coder = SRV_GZIP_SMALL_CODER;
			own_seen++;
		} else {
			n = libdeflate_level1(plain.body, plain.body_len, want, sizeof(want));
			coder = "libdeflate-1";
		}
		ck_assert_msg(miss.body_len == n && memcmp(miss.body, want, n) == 0,
		              "%s: %zu gzip bytes, %s makes %zu", paths[i], miss.body_len, coder,
		              n);
		ck_assert(hit.body_len == n && memcmp(hit.body, want, n) == 0);
		ck_assert(header(&plain, "ETag", etag, sizeof(etag)));
		ck_assert(header(&hit, "ETag", hit_etag, sizeof(hit_etag)));
		ck_assert(header(&miss, "ETag", miss_etag, sizeof(miss_etag)));
		ck_assert_str_eq(hit_etag, miss_etag);
		snprintf(want_etag, sizeof(want_etag), "\"%016llx-gz\"",
		         (unsigned long long)srv_hash64(coder, strlen(coder), etag_value(etag)));
		ck_assert_msg(
		    strcmp(hit_etag, want_etag) == 0,
		    "%s: gzip ETag %s, want %s (the identity one %s, the coder hashed in)",
		    paths[i], hit_etag, want_etag, etag);
	}
	/* Both coders answered: the list and two tables are small, the disclosure is not. */
	ck_assert_uint_eq(own_seen, 3);
}
END_TEST

/* srv_gzip_small() of in[0..len), inflated by zlib; returns the gzip stream's length. */
static size_t small_round_trip(const char *what, const void *in, size_t len)
{
	static unsigned char gz[SRV_GZIP_SMALL_BOUND(SRV_GZIP_SMALL_MAX)];
	size_t n = srv_gzip_small(in, len, gz, SRV_GZIP_SMALL_BOUND(len));

	ck_assert_msg(n > 0, "%s: %zu bytes refused", what, len);
	ck_assert_msg(n <= SRV_GZIP_SMALL_BOUND(len) - 8, "%s: %zu bytes, out of bound", what, n);
	expect_gunzips(what, gz, n, in, len);
	return n;
}

/* 64 KB of each kind of input the coder sees: random bytes (incompressible), a text of
 * four letters (short matches everywhere), runs of one byte (long matches at distance 1),
 * and the repository's JSON files one after another (real answers' matches). */
enum {
	RANDOM,
	LETTERS,
	RUNS,
	JSON,
	KINDS
};
static unsigned char kinds[KINDS][SRV_GZIP_SMALL_MAX];

static void kinds_fill(void)
{
	struct tu_files files = tu_repository_json();
	uint64_t rng = 17;
	size_t at = 0, run = 0;
	unsigned char c = 0;

	for (size_t i = 0; i < SRV_GZIP_SMALL_MAX; i++) {
		uint64_t r = tu_rng_next(&rng);
		kinds[RANDOM][i] = (unsigned char)r;
		kinds[LETTERS][i] = "{a\":"[(r >> 8) % 4];
		if (run-- == 0) {
			run = (r >> 16) % 600;
			c = (unsigned char)(r >> 32);
		}
		kinds[RUNS][i] = c;
	}
	for (size_t i = 0; i < files.n && at < SRV_GZIP_SMALL_MAX; i++) {
		size_t len;
		char *text = tu_read_file(files.path[i], &len);

		ck_assert_ptr_nonnull(text);
		len = len < SRV_GZIP_SMALL_MAX - at ? len : SRV_GZIP_SMALL_MAX - at;
		memcpy(kinds[JSON] + at, text, len);
		at += len;
		free(text);
	}
	tu_files_free(&files);
	ck_assert_uint_eq(at, SRV_GZIP_SMALL_MAX);
}

/* Every length from 0 to the largest that budgetd gives the coder, from a different place
 * each time: of every kind up to 1 KB, one kind in turn above; and one byte of every value. */
START_TEST(test_gzip_small_every_size)
{
	unsigned char one;

	kinds_fill();
	for (size_t len = 0; len <= SRV_GZIP_SMALL_USE; len++) {
		for (int k = len <= 1024 ? 0 : (int)(len % KINDS); k < KINDS;
		     k += len <= 1024 ? 1 : KINDS) {
			size_t from =
			    (len * 7919 + (size_t)k * 104729) % (SRV_GZIP_SMALL_MAX - len + 1);
			char what[64];

			snprintf(what, sizeof(what), "kind %d, %zu bytes at %zu", k, len, from);
			small_round_trip(what, kinds[k] + from, len);
		}
	}
	for (unsigned v = 0; v < 256; v++) {
		one = (unsigned char)v;
		small_round_trip("one byte", &one, 1);
	}
	/* Random bytes do not shrink: one stored block, 5 bytes over the input. */
	ck_assert_uint_eq(small_round_trip("random", kinds[RANDOM], SRV_GZIP_SMALL_MAX),
	                  SRV_GZIP_SMALL_MAX + 10 + 5 + 8);
}
END_TEST

/* Bytes below 144, which fixed codes write in 8 bits each: random ones do not shrink, but
 * do not grow either (a stored block would be longer as soon as anything repeats). */
static void random_text(unsigned char *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(tu_rng_next(&seed) % 144);
}

/* head random bytes, a run of 'x' up to d (its positions all hash alike: the head stays in
 * the coder's table however small), then the first d bytes again and again up to len. */
static void distance_case(unsigned char *in, size_t d, size_t head, size_t len)
{
	random_text(in, head, d);
	memset(in + head, 'x', d - head);
	for (size_t j = d; j < len; j++)
		in[j] = in[j - d];
}

/* Every distance class at both of its ends up to the farthest, 32,768, each with matches of
 * the longest length, 258; every length from 4 to 258; a repeat farther than the window; a
 * run as long as the coder takes; and the inputs and rooms it refuses. */
START_TEST(test_gzip_small_extremes)
{
	static const unsigned dists[] = {
		1,    2,    3,    4,     5,     6,     7,     8,     9,     12,    13,   16,
		17,   24,   25,   32,    33,    48,    49,    64,    65,    96,    97,   128,
		129,  192,  193,  255,   256,   257,   258,   384,   385,   512,   513,  768,
		769,  1024, 1025, 1536,  1537,  2048,  2049,  3072,  3073,  4096,  4097, 6144,
		6145, 8192, 8193, 12288, 12289, 16384, 16385, 24576, 24577, 32767, 32768
	};
	static unsigned char in[SRV_GZIP_SMALL_MAX + 1],
	    gz[SRV_GZIP_SMALL_BOUND(SRV_GZIP_SMALL_MAX + 1)];
	char what[64];
	size_t n;

	for (size_t i = 0; i < sizeof(dists) / sizeof(dists[0]); i++) {
		size_t d = dists[i], head = d < 300 ? d : 300, len = d + 3 * 258 + 1, fresh;

		distance_case(in, d, head, len);
		random_text(in + d, head, d + 1); /* the same with nothing to find at d */
		snprintf(what, sizeof(what), "distance %zu, nothing to find", d);
		fresh = small_round_trip(what, in, len);
		distance_case(in, d, head, len);
		snprintf(what, sizeof(what), "distance %zu", d);
		n = small_round_trip(what, in, len);
		/* The repeat was coded as matches at distance d, not as literals. */
		ck_assert_msg(head < 16 || n + head / 2 < fresh, "%s: %zu bytes, %zu with nothing",
		              what, n, fresh);
	}
	for (size_t l = 4; l <= 258; l++) {
		random_text(in, 300, l);
		memcpy(in + 300, in, l);
		in[300 + l] = 200; /* ends the match: no byte before is above 143 */
		snprintf(what, sizeof(what), "length %zu", l);
		small_round_trip(what, in, 300 + l + 1);
	}
	/* 33,000 bytes, then the same again: too far back to be a match. */
	random_text(in, 33000, 3);
	memcpy(in + 33000, in, SRV_GZIP_SMALL_MAX - 33000);
	small_round_trip("beyond the window", in, SRV_GZIP_SMALL_MAX);
	memset(in, 'x', SRV_GZIP_SMALL_MAX);
	/* 255 matches of 258 bytes, none above 3 bytes long. */
	ck_assert_uint_lt(small_round_trip("one run", in, SRV_GZIP_SMALL_MAX), 255 * 3 + 20);
	ck_assert_uint_eq(srv_gzip_small(in, SRV_GZIP_SMALL_MAX + 1, gz, sizeof(gz)), 0);
	ck_assert_uint_eq(srv_gzip_small(in, 100, gz, SRV_GZIP_SMALL_BOUND(100) - 1), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("server");
	TCase *live = tcase_create("live"), *once = tcase_create("once");
	TCase *coder = tcase_create("coder");

	tcase_set_timeout(coder, 240); /* sanitizer builds: 130 MB through the coder and zlib */

	tcase_add_checked_fixture(live, daemon_start, teardown);
	tcase_add_test(live, test_departments);
	tcase_add_test(live, test_head_matches_get);
	tcase_add_test(live, test_source_pdf);
	tcase_add_test(live, test_file_ranges);
	tcase_add_test(live, test_page_images);
	tcase_add_test(live, test_front_page);
	tcase_add_loop_test(live, test_embed_frame_ancestors, 0,
	                    (int)(sizeof(embed_cases) / sizeof(embed_cases[0])));
	tcase_add_test(live, test_embed_pages);
	tcase_add_loop_test(live, test_traversal_refused, 0, sizeof(escapes) / sizeof(escapes[0]));
	tcase_add_test(live, test_unknown_api_path);
	tcase_add_test(live, test_percent_escapes);
	tcase_add_test(live, test_post_not_allowed);
	tcase_add_test(live, test_keep_alive);
	tcase_add_test(live, test_sigterm_stops_cleanly);
	tcase_add_test(live, test_healthz);
	tcase_add_test(live, test_metrics_format);
	tcase_add_test(live, test_metrics_count_requests);
	tcase_add_test(live, test_cache_control_defaults);
	tcase_add_test(live, test_gzip_level);
	tcase_add_test(coder, test_gzip_small_every_size);
	tcase_add_test(coder, test_gzip_small_extremes);
	tcase_add_test(once, test_healthz_unavailable);
	tcase_add_test(once, test_port_in_use);
	tcase_add_test(once, test_sigterm_when_a_worker_removed_the_socket_first);
	tcase_add_test(once, test_defaults_from_any_directory);
	tcase_add_test(once, test_serves_new_data_after_import);
	tcase_add_test(once, test_source_pdf_not_kept);
	tcase_add_test(once, test_edited_page_file_is_served);
	tcase_add_test(once, test_missing_store);
	tcase_add_test(once, test_garbage_store_named);
	tcase_add_test(once, test_v1_store_refused);
	tcase_add_loop_test(once, test_bad_arguments, 0, sizeof(bad_ports) / sizeof(bad_ports[0]));
	tcase_add_test(once, test_cache_control_options);
	tcase_add_test(once, test_cache_control_503);
	tcase_add_test(once, test_cache_admission);
	tcase_add_test(once, test_cache_answer_files);
	tcase_add_test(once, test_heap_counts);
	tcase_add_loop_test(once, test_cache_options_refused, 0,
	                    sizeof(bad_ages) / sizeof(bad_ages[0]));
	tcase_add_test(once, test_restore_while_serving);
	suite_add_tcase(s, live);
	suite_add_tcase(s, once);
	suite_add_tcase(s, coder);
	return tu_run_suite(s);
}
