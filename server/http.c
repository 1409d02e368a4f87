// SPDX-License-Identifier: MIT
// The HTTP daemon: listening socket, libmicrohttpd and its limits, routing, the access log,
// signals. Handlers in api/ build bodies; this file turns them into responses.
#include "conns.h"
#include "data.h"
#include "log.h"
#include "metrics.h"
#include "proxy.h"
#include "template.h"
#include "wait.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct srv {
	struct srv_data *data;
	const char *_Atomic stage; /* of the stop, for the watchdog's line */
	struct srv_static *files;
	struct srv_conns *conns;
	atomic_int active; /* requests being answered; SIGTERM waits for them */
	atomic_bool stopping; /* SIGTERM came: no new requests, even on open connections */
	atomic_llong quiet_until; /* no store-error log line before this (one a second) */
	const struct srv_proxies *proxies; /* --trusted-proxy */
};

/* One per connection: libmicrohttpd hands it to every request on that connection, and those
 * come one after another, so one record serves them all without an allocation per request. */
struct conn {
	struct srv_conn_slot slot; /* in s->conns from accept to close */
	struct timespec start;
	char client[INET6_ADDRSTRLEN];
	char from[INET6_ADDRSTRLEN]; /* the request's client: client, or as a trusted proxy says */
	bool trusted; /* the peer is a --trusted-proxy */
	char target[1024]; /* as sent, cut to fit (for the log) */
	size_t target_len; /* of the target as sent */
	char method[16];
	size_t bytes;
	int nul; /* 0, or the status refusing a %00 in the target (see nul_in) */
	bool seen; /* the handler has been called for the current request */
	enum srv_route route; /* for /metrics */
};

#define MAX_URL 2048 /* bytes of the target as sent: 414 beyond */
/* Bytes of the request line and headers, less the target: 431 beyond. libmicrohttpd's own
 * limit, past which it answers by itself (414 while the request line is coming in, 431
 * after), is the memory limit. */
#define MAX_HEADERS 8192
#define MEMORY_LIMIT (32 * 1024)
/* Kept answers in files of their own at most (server/cache.h), whatever the file limit. */
#define FILES_MAX 4096
#define DRAIN_MS 4000 /* SIGTERM: time left to requests in flight */
#define STOP_MS 5000 /* SIGTERM: the whole stop, whatever a worker is doing; then exit 70 */

static const char *query_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result send_problem(struct MHD_Connection *conn, int status, const char *detail,
                                    enum srv_kind kind)
{
	struct api_response resp = { 0 };

	if (api_fail(&resp, status, "%s", detail) != 0)
		return MHD_NO;
	return srv_reply(conn, &resp, kind);
}

#define MAX_ARGS 16

/* The query as libmicrohttpd decoded it, for api_parse() to check name by name. */
struct query {
	const char *names[MAX_ARGS], *values[MAX_ARGS];
	size_t n;
};

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
	struct query *q = cls;

	(void)kind;
	if (q->n == MAX_ARGS)
		return MHD_NO; /* not reached: bad_target refuses more */
	q->names[q->n] = key;
	q->values[q->n++] = value;
	return MHD_YES;
}

/* A store error behind a 5xx: worth a line for the operator, but not one per request when
 * a broken store fails them all. */
static void log_cause(struct srv *s, const char *url, const char *cause)
{
	struct timespec now;
	char path[256];

	clock_gettime(CLOCK_MONOTONIC, &now);
	long long at = atomic_load(&s->quiet_until);
	if (now.tv_sec < at ||
	    !atomic_compare_exchange_strong(&s->quiet_until, &at, (long long)now.tv_sec + 1))
		return;
	srv_log_escape(path, sizeof(path), url);
	srv_log_msg("%s: %s (answered 503)", path, cause);
}

/* Answers a 200 (or 304) from resp, then keeps the response in the cache under key. */
static enum MHD_Result reply_and_keep(struct MHD_Connection *conn, struct api_response *resp,
                                      enum srv_kind kind, bool gz, struct srv_cache *cache,
                                      const char *key, uint64_t generation)
{
	char etag[SRV_ETAG_SIZE];
	int64_t modified = resp->modified;
	/* Only a large answer asks the cache (a lock and a lookup); gzip can only shrink it. */
	enum srv_body body =
	    resp->len >= SRV_FILE_MIN ? srv_cache_body(cache, key, resp->len) : SRV_BODY_BUFFER;
	struct MHD_Response *r = srv_build(resp, kind, gz, &body, etag);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	if (!srv_not_modified(conn, etag, modified, kind, &ret))
		ret = srv_queue(conn, MHD_HTTP_OK, r, resp->len);
	srv_cache_put(cache, key, r, kind, etag, modified, resp->len, body != SRV_BODY_BUFFER,
	              generation);
	return ret;
}

/* The answer's cache key: whether it may be gzip'd, then what api_parse() says decides
 * it (resource, canonical parameters, negotiated format). Returns false when that does not
 * fit (such a request is answered, just not cached). */
static bool cache_key(const struct api_route *route, bool gz, char *buf, size_t size)
{
	size_t n = strlen(route->key);

	/* "gz KEY" or "id KEY": a copy, not snprintf (every API request builds it) */
	if (route->key[0] == '\0' || n + 4 > size)
		return false;
	memcpy(buf, gz ? "gz " : "id ", 3);
	memcpy(buf + 3, route->key, n + 1);
	return true;
}

/* An answer that is a file the store keeps beside it (api_response.file: the published PDF,
 * #18), sent from that file and never cached in memory. Its name is its content's SHA-256,
 * which is therefore its ETag. */
static enum MHD_Result send_kept(struct srv *s, struct MHD_Connection *conn,
                                 const struct api_response *resp)
{
	char path[4300], tag[48];
	struct stat sb;
	int fd;

	if (!srv_kept_path(path, sizeof(path), srv_data_path(s->data), resp->file) ||
	    (fd = srv_open_regular(path, &sb)) < 0)
		return send_problem(conn, 404,
		                    resp->immutable
		                        ? "this store keeps no such page image"
		                        : "this store does not keep the published PDF of this "
		                          "disclosure (it was imported without it)",
		                    SRV_API);
	/* the PDF's SHA-256 begins the name; a page image's "-N.png" follows it */
	if (resp->immutable)
		snprintf(tag, sizeof(tag), "i%.32s%.10s", resp->file, resp->file + 64);
	else
		snprintf(tag, sizeof(tag), "p%.40s", resp->file);
	return srv_reply_file(conn, fd, &sb, resp->content_type,
	                      resp->disposition[0] != '\0' ? resp->disposition : NULL, tag,
	                      resp->immutable ? SRV_IMMUTABLE : SRV_API);
}

/* A cache miss: the answer from the store, kept under key when it is a 200 (key NULL: not
 * cacheable). */
static enum MHD_Result answer(struct srv *s, struct MHD_Connection *conn, const char *url,
                              const struct api_request *req, const struct api_route *route, bool gz,
                              const char *key, uint64_t generation)
{
	struct srv_cache *cache = srv_data_cache(s->data);
	struct api_response resp;
	struct db *db = srv_data_db(s->data);

	if (db == NULL)
		return send_problem(conn, 503, "the store cannot be read just now", SRV_API);
	if (api_execute(db, req, route, &resp) != 0)
		return MHD_NO; /* out of memory: drop the connection */
	if (resp.cause[0] != '\0')
		log_cause(s, url, resp.cause);
	if (resp.status == 200 && resp.file[0] != '\0')
		return send_kept(s, conn, &resp);
	if (resp.status != 200 || key == NULL)
		return srv_reply(conn, &resp, SRV_API);
	return reply_and_keep(conn, &resp, SRV_API, gz, cache, key, generation);
}

/* Parsing needs no store, so a malformed request is refused, and a cached answer served,
 * before the store is touched; a miss then reads only what the resource serves. */
static enum MHD_Result route_api(struct srv *s, struct MHD_Connection *conn, const char *url)
{
	struct query q = { .n = 0 };
	struct api_request req = {
		.path = url,
		.arg = query_arg,
		.ctx = conn,
		.accept = srv_req_header(conn, SRV_H_ACCEPT),
		.names = q.names,
		.values = q.values,
	};
	struct srv_cache *cache = srv_data_cache(s->data);
	bool gz = srv_wants_gzip(conn), cacheable;
	char key[API_KEY_SIZE + 8];
	uint64_t generation = srv_cache_generation(cache);
	struct api_route route; /* 6 KiB: worker threads have the default stack (8 MiB) */
	struct api_response resp;
	enum MHD_Result ret;
	int rc;

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_query_arg, &q);
	req.n_args = q.n;
	if ((rc = api_parse(&req, &route, &resp)) != 0)
		return rc < 0 ? MHD_NO : srv_reply(conn, &resp, SRV_API);
	cacheable = cache_key(&route, gz, key, sizeof(key));
	if (!srv_data_ready(s->data))
		return send_problem(conn, 503, "the store cannot be read just now", SRV_API);
	if (cacheable && srv_cache_serve(cache, key, conn, &ret))
		return ret;
	return answer(s, conn, url, &req, &route, gz, cacheable ? key : NULL, generation);
}

/* A page file is cached under its version (inode, size, modification time): an edited or
 * replaced file is another key, and its old entry ages out. name: what the key calls it
 * (the URL, or one name for every URL that serves the same file). */
static bool static_key(const struct stat *sb, const char *name, bool gz, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s %s %ju-%jd-%jd.%09ld", gz ? "pg" : "pi", name,
	                 (uintmax_t)sb->st_ino, (intmax_t)sb->st_size, (intmax_t)sb->st_mtim.tv_sec,
	                 sb->st_mtim.tv_nsec);

	return n > 0 && (size_t)n < size;
}

/* Without the cache, every visit would read and gzip the page's script again (about 1 ms
 * of CPU for its 39 KB), even to answer 304. file: the page file to send; name: its cache
 * name; kind: SRV_PAGE, or SRV_EMBED for a page other sites may frame. */
static enum MHD_Result send_static(struct srv *s, struct MHD_Connection *conn, const char *file,
                                   const char *name, enum srv_kind kind)
{
	struct srv_cache *cache = srv_data_cache(s->data);
	uint64_t generation = srv_cache_generation(cache);
	bool gz = srv_wants_gzip(conn);
	char key[4096];
	const char *type;
	struct stat sb;
	struct api_response resp;
	enum MHD_Result ret;
	int fd = srv_static_open(s->files, file, &sb, &type);
	bool cacheable;

	if (fd < 0)
		return send_problem(conn, 404, "no such file", kind);
	cacheable = static_key(&sb, name, gz, key, sizeof(key));
	if (cacheable && srv_cache_serve(cache, key, conn, &ret)) {
		close(fd);
		return ret;
	}
	if (srv_static_read(fd, &sb, type, &resp) != 0)
		return send_problem(conn, 404, "no such file", kind);
	if (!cacheable)
		return srv_reply(conn, &resp, kind);
	return reply_and_keep(conn, &resp, kind, gz, cache, key, generation);
}

static enum MHD_Result route_static(struct srv *s, struct MHD_Connection *conn, const char *url)
{
	return send_static(s, conn, url, url, SRV_PAGE);
}

/* The citizen page (#15), `/` and `/index.html`: static/index.html filled by api_page() with
 * the disclosure the query names, so the HTML already holds every figure. Cached like an API
 * answer, under the page's parameters and the template's version (an edited template or
 * style is another key). A miss: the page from the store, kept under key when cacheable. */
static enum MHD_Result page_miss(struct srv *s, struct MHD_Connection *conn, const char *url,
                                 const struct api_request *req, const char *version,
                                 const char *key)
{
	struct srv_cache *cache = srv_data_cache(s->data);
	uint64_t generation = srv_cache_generation(cache);
	struct srv_template tmpl;
	struct api_response resp;
	struct db *db;
	int rc;

	if (srv_template_get(s->files, true, &tmpl) != 0)
		return send_problem(conn, 404, "no such file", SRV_PAGE);
	if (!srv_data_ready(s->data) || (db = srv_data_db(s->data)) == NULL) {
		free(tmpl.html);
		return send_problem(conn, 503, "the store cannot be read just now", SRV_PAGE);
	}
	srv_page_style_src = tmpl.style_src; /* the CSP names what this template inlined */
	rc = api_page(db, req, tmpl.html, tmpl.len, &resp);
	free(tmpl.html);
	if (rc != 0)
		return MHD_NO; /* out of memory: drop the connection */
	if (resp.cause[0] != '\0')
		log_cause(s, url, resp.cause);
	/* A template edited between the key and now: this answer is not the key's. */
	if (resp.status != 200 || key == NULL || strcmp(version, tmpl.version) != 0)
		return srv_reply(conn, &resp, SRV_PAGE);
	return reply_and_keep(conn, &resp, SRV_PAGE, srv_wants_gzip(conn), cache, key, generation);
}

static enum MHD_Result route_page(struct srv *s, struct MHD_Connection *conn, const char *url)
{
	struct api_request req = { .path = url, .arg = query_arg, .ctx = conn };
	char page[API_KEY_SIZE], key[API_KEY_SIZE + 200];
	struct srv_template tmpl;
	enum MHD_Result ret;
	bool cacheable;
	int n;

	if (srv_template_get(s->files, false, &tmpl) != 0)
		return send_problem(conn, 404, "no such file", SRV_PAGE);
	api_page_key(&req, page, sizeof(page));
	n = snprintf(key, sizeof(key), "%s %s %s", srv_wants_gzip(conn) ? "pg" : "pi", page,
	             tmpl.version);
	cacheable = page[0] != '\0' && n > 0 && (size_t)n < sizeof(key);
	srv_page_style_src = tmpl.style_src; /* for a 304 from the cache too */
	if (!cacheable || !srv_cache_serve(srv_data_cache(s->data), key, conn, &ret))
		ret = page_miss(s, conn, url, &req, tmpl.version, cacheable ? key : NULL);
	srv_page_style_src = NULL;
	return ret;
}

/* The page an /embed/ path that names nothing gets: in Chinese, framable like the rest. */
static const char embed_missing[] =
    "<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>未找到 · 部门预决算公开</title>\n<link rel=\"stylesheet\" href=\"/embed.css\">\n"
    "</head>\n<body>\n<main class=\"embed\">\n<h1>未找到这一页</h1>\n"
    "<p>请检查嵌入地址中的部门、年度、预算或决算以及表号。</p>\n"
    "<p><a href=\"/\" target=\"_blank\" rel=\"noopener\">打开部门预决算公开首页</a></p>\n"
    "</main>\n</body>\n</html>\n";

static enum MHD_Result embed_not_found(struct MHD_Connection *conn)
{
	struct api_response resp = { .status = 404, .content_type = "text/html; charset=utf-8" };

	if ((resp.body = strdup(embed_missing)) == NULL)
		return MHD_NO;
	resp.len = sizeof(embed_missing) - 1;
	return srv_reply(conn, &resp, SRV_EMBED);
}

/* Takes from min_len to max_len ASCII digits from *p, without a leading zero. */
static bool digits(const char **p, size_t min_len, size_t max_len)
{
	size_t n = strspn(*p, "0123456789");

	if (n < min_len || n > max_len || **p == '0')
		return false;
	*p += n;
	return true;
}

/* /embed/{id}/{budgets|finals}/{year}[/tables/{n}], ids spelt as the store spells them
 * (lower-case letters, digits, '-'), with ?level absent, department or unit. */
static bool embed_path(struct MHD_Connection *conn, const char *url)
{
	const char *p = url + strlen("/embed/");
	const char *level = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "level");
	size_t id = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");

	if (level != NULL && strcmp(level, "department") != 0 && strcmp(level, "unit") != 0)
		return false;
	if (id == 0 || id > 64 || p[id] != '/')
		return false;
	p += id + 1;
	if (strncmp(p, "budgets/", 8) == 0 || strncmp(p, "finals/", 7) == 0)
		p = strchr(p, '/') + 1;
	else
		return false;
	if (!digits(&p, 4, 4))
		return false;
	if (strncmp(p, "/tables/", 8) == 0) {
		p += 8;
		if (!digits(&p, 1, 2))
			return false;
	}
	return *p == '\0';
}

/* One disclosure or one of its tables, for other sites to frame: static/embed.html filled
 * by api_embed() with the figures (helper "tables"), cached like the page under its path,
 * level and the template's version. The path's shape is checked here (a 404 page
 * otherwise); a disclosure the store does not hold is a 404 page from api_embed(). */
static enum MHD_Result route_embed(struct srv *s, struct MHD_Connection *conn, const char *url)
{
	struct srv_cache *cache = srv_data_cache(s->data);
	uint64_t generation = srv_cache_generation(cache);
	struct api_request req = { .path = url, .arg = query_arg, .ctx = conn };
	bool gz = srv_wants_gzip(conn), cacheable;
	char view[API_KEY_SIZE], key[API_KEY_SIZE + 200];
	const char *type;
	struct stat sb;
	struct api_response tmpl, resp;
	struct db *db;
	enum MHD_Result ret;
	int fd;

	if (!embed_path(conn, url))
		return embed_not_found(conn);
	if ((fd = srv_static_open(s->files, "/embed.html", &sb, &type)) < 0)
		return send_problem(conn, 404, "no such file", SRV_EMBED);
	api_embed_key(&req, view, sizeof(view));
	cacheable = view[0] != '\0' && static_key(&sb, view, gz, key, sizeof(key));
	if (cacheable && srv_cache_serve(cache, key, conn, &ret)) {
		close(fd);
		return ret;
	}
	if (srv_static_read(fd, &sb, type, &tmpl) != 0)
		return send_problem(conn, 404, "no such file", SRV_EMBED);
	if (!srv_data_ready(s->data) || (db = srv_data_db(s->data)) == NULL) {
		api_response_free(&tmpl);
		return send_problem(conn, 503, "the store cannot be read just now", SRV_EMBED);
	}
	int rc = api_embed(db, &req, tmpl.body, tmpl.len, &resp);
	api_response_free(&tmpl);
	if (rc != 0)
		return MHD_NO; /* out of memory: drop the connection */
	if (resp.cause[0] != '\0')
		log_cause(s, url, resp.cause);
	if (resp.status != 200 || !cacheable)
		return srv_reply(conn, &resp, SRV_EMBED);
	return reply_and_keep(conn, &resp, SRV_EMBED, gz, cache, key, generation);
}

/* CORS preflight: other portals may call the API from their pages. */
static enum MHD_Result preflight(struct MHD_Connection *conn)
{
	const char *asked =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Access-Control-Request-Headers");
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	srv_cors(r);
	MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
	MHD_add_response_header(r, "Access-Control-Allow-Headers",
	                        asked ? asked : "Accept, If-None-Match, If-Modified-Since");
	MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, OPTIONS");
	ret = srv_queue(conn, MHD_HTTP_NO_CONTENT, r, 0);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result not_allowed(struct MHD_Connection *conn, bool api)
{
	struct api_response resp = { 0 };
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (api_fail(&resp, 405, "use GET or HEAD") != 0)
		return MHD_NO;
	r = MHD_create_response_from_buffer(resp.len, resp.body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		api_response_free(&resp);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp.content_type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, api ? "GET, HEAD, OPTIONS" : "GET, HEAD");
	/* heuristically cacheable unless told (RFC 9111 4.2.2): as the other 4xx but 404 */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	if (api)
		srv_cors(r);
	ret = srv_queue(conn, 405, r, resp.len);
	MHD_destroy_response(r);
	return ret;
}

/* A refusal of the request's framing or its Host: the connection cannot be trusted to be
 * where the client thinks it is (the rest of what it sent may be a smuggled request), so the
 * answer closes it. */
static enum MHD_Result send_problem_close(struct MHD_Connection *conn, int status,
                                          const char *detail, enum srv_kind kind)
{
	struct api_response resp = { 0 };
	char etag[SRV_ETAG_SIZE];
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (api_fail(&resp, status, "%s", detail) != 0)
		return MHD_NO;
	if ((r = srv_build(&resp, kind, false, NULL, etag)) == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = srv_queue(conn, (unsigned)status, r, resp.len);
	MHD_destroy_response(r);
	return ret;
}

/* How often the headers that decide framing and routing were sent. libmicrohttpd (strict
 * level 1) refuses malformed names, folded lines and bad values itself, but takes the first
 * of repeated ones. */
struct framing {
	int host, length, encoding;
	const char *content_length; /* its value, when given */
};

/* Also the one pass that notes the headers answers read (srv_req_headers_note). */
static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *name,
                                     size_t name_size, const char *value, size_t value_size)
{
	struct framing *f = cls;

	(void)kind;
	(void)value_size;
	if (srv_req_headers_note(name, name_size, value))
		return MHD_YES;
	if (strcasecmp(name, MHD_HTTP_HEADER_HOST) == 0) {
		f->host++;
	} else if (strcasecmp(name, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		f->length++;
		f->content_length = value;
	} else if (strcasecmp(name, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		f->encoding++;
	}
	return MHD_YES;
}

/* RFC 9112: a repeated Content-Length (6.3), any Transfer-Encoding on a request that may not
 * carry a body, and a missing (3.2: HTTP/1.1) or repeated Host are answered 400 and the
 * connection is closed. Returns the detail, or NULL when the framing is sound; *f is what
 * the one pass over the headers saw. */
static const char *bad_framing(struct MHD_Connection *conn, const char *version, struct framing *f)
{
	srv_req_headers_begin(conn);
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, count_framing, f);
	if (f->length > 1)
		return "Content-Length is given more than once";
	if (f->encoding > 0)
		return "requests to this server carry no body (Transfer-Encoding)";
	if (f->host > 1)
		return "Host is given more than once";
	if (f->host == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		return "an HTTP/1.1 request needs a Host header";
	return NULL;
}

/* A body is announced by a Content-Length other than 0 (Transfer-Encoding is refused by
 * bad_framing() already); read off its pass, not looked up again (issue #17). */
static bool has_body(const struct framing *f)
{
	const char *len = f->content_length;

	return len != NULL && strspn(len, "0") != strlen(len);
}

static size_t header_size(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);

	return info != NULL ? info->header_size : 0;
}

/* Requests refused before routing. Answering at once, without reading a body, makes
 * libmicrohttpd close the connection afterwards, which is what a refused body needs. */
static bool refuse(struct MHD_Connection *conn, const struct conn *c, const char *method,
                   const char *version, bool api, enum MHD_Result *ret)
{
	enum srv_kind kind = api ? SRV_API : SRV_PAGE;
	bool safe = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	            strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ||
	            (api && strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0);
	struct framing f = { 0 };
	const char *framing = bad_framing(conn, version, &f);

	if (framing != NULL)
		*ret = send_problem_close(conn, 400, framing, kind);
	else if (c->target_len > MAX_URL) /* before 431: the target is what is too long */
		*ret = send_problem(conn, 414, "the URL is longer than 2048 bytes", kind);
	else if (header_size(conn) > MAX_HEADERS + c->target_len)
		*ret = send_problem(conn, 431, "the headers exceed 8192 bytes", kind);
	else if (!safe)
		*ret = not_allowed(conn, api);
	else if (has_body(&f))
		*ret = send_problem(conn, 400, "requests to this server carry no body", kind);
	else
		return false;
	return true;
}

/* The query as one pass over libmicrohttpd's decoded arguments sees it. */
struct args {
	const char *names[MAX_ARGS];
	int n;
	const char *twice; /* a name given more than once, or NULL */
	bool unnamed; /* an argument without a name (?&& or ?=x) */
	size_t len; /* of the whole target: the path, then key=value& per argument */
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
	struct args *a = cls;

	(void)kind;
	a->len += strlen(key) + (value ? strlen(value) + 1 : 0) + 1;
	if (*key == '\0') /* would otherwise pass for "" given twice */
		a->unnamed = true;
	for (int i = 0; i < a->n && !a->unnamed && i < MAX_ARGS && a->twice == NULL; i++)
		if (strcmp(a->names[i], key) == 0)
			a->twice = key;
	if (a->n < MAX_ARGS)
		a->names[a->n] = key;
	a->n++;
	return MHD_YES;
}

/* libmicrohttpd decodes %00 into a NUL that ends the C string it hands over, so
 * "/index.html%00.png" would arrive as "/index.html": the raw target is checked instead.
 * Returns 0, or the status that refuses it (404 in the path, 400 in the query). */
static int nul_in(const char *target)
{
	const char *nul = strstr(target, "%00"), *query = strchr(target, '?');

	if (nul == NULL)
		return 0;
	return query != NULL && nul > query ? 400 : 404;
}

/* The checks on the target as a whole, in one pass over its arguments: its length (414;
 * decoded, so never more than was sent), a NUL in it (nul, see nul_in), and its
 * parameters. No resource takes a parameter twice, or more than a few: a repeated one
 * would be read as its first value by one layer and perhaps its last by a cache or proxy
 * in front, so it is refused rather than guessed at. Returns true with the answer queued
 * in *ret. */
static bool bad_target(struct MHD_Connection *conn, const char *url, int nul, enum srv_kind kind,
                       enum MHD_Result *ret)
{
	struct args a = { .len = strlen(url) };
	char detail[120];

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &a);
	if (a.len > MAX_URL) {
		*ret = send_problem(conn, 414, "the URL is longer than 2048 bytes", kind);
		return true;
	}
	if (nul != 0)
		snprintf(detail, sizeof(detail), "%s",
		         nul == 404 ? "no such resource" : "a parameter holds a NUL byte");
	else if (a.unnamed)
		snprintf(detail, sizeof(detail),
		         "a query parameter has no name: write name=value, joined by single &");
	else if (a.twice != NULL)
		snprintf(detail, sizeof(detail), "the parameter \"%.40s\" is given more than once",
		         a.twice);
	else if (a.n > MAX_ARGS)
		snprintf(detail, sizeof(detail), "more than %d query parameters", MAX_ARGS);
	else
		return false;
	*ret = send_problem(conn, nul != 0 ? nul : 400, detail, kind);
	return true;
}

#define SNAPSHOT_URL "/api/v1/snapshot.sqlite"

/* The whole store as one SQLite file, for those who would rather query it themselves. It
 * is the copy budgetctl import writes beside the store (never the live file, which may be
 * mid-import); sent from the file (sendfile), never cached in memory. */
static enum MHD_Result first_name(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
	(void)kind;
	(void)value;
	*(const char **)cls = key;
	return MHD_NO; /* the first is enough */
}

#define AMOUNTS_URL "/api/v1/amounts.csv"

/* A store-wide download budgetctl import writes beside the store (the snapshot; the long CSV
 * of every amount: hundreds of MB for thousands of disclosures, never built per request nor
 * cached in memory), sent from its file. missing: the 404's detail. */
static enum MHD_Result route_file(struct srv *s, struct MHD_Connection *conn, const char *suffix,
                                  const char *missing, const char *type, const char *disposition)
{
	const char *arg = NULL;
	char detail[120], path[4200];
	struct stat sb;
	int fd;

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, first_name, &arg);
	if (arg != NULL) {
		snprintf(detail, sizeof(detail),
		         "unknown parameter \"%.40s\": this resource takes no query parameters",
		         arg);
		return send_problem(conn, 400, detail, SRV_API);
	}
	/* beside the store served now (budgetd with no --db may switch to the user's store) */
	snprintf(path, sizeof(path), "%s%s", srv_data_path(s->data), suffix);
	if ((fd = srv_open_regular(path, &sb)) < 0)
		return send_problem(conn, 404, missing, SRV_API);
	return srv_reply_file(conn, fd, &sb, type, disposition, NULL, SRV_API);
}

static enum MHD_Result dispatch(struct srv *s, struct MHD_Connection *conn, const char *url,
                                const char *method, bool api, int nul)
{
	enum MHD_Result ret;

	if (bad_target(conn, url, nul, api ? SRV_API : SRV_PAGE, &ret))
		return ret;
	if (api && strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0)
		return preflight(conn);
	if (strcmp(url, SNAPSHOT_URL) == 0)
		return route_file(s, conn, ".snapshot",
		                  "no snapshot of the store yet: budgetctl import writes one",
		                  "application/vnd.sqlite3",
		                  "attachment; filename=\"budgetd.sqlite\"");
	if (strcmp(url, AMOUNTS_URL) == 0)
		return route_file(s, conn, ".amounts.csv",
		                  "no long CSV of the store yet: budgetctl import writes one",
		                  "text/csv; charset=utf-8",
		                  "attachment; filename=\"budgetd-amounts.csv\"");
	if (!api && strncmp(url, "/embed/", 7) == 0)
		return route_embed(s, conn, url);
	/* #16 monitoring: never cached, not part of the API */
	if (!api && strcmp(url, "/healthz") == 0)
		return srv_metrics_healthz(conn, s->data);
	if (!api && strcmp(url, "/metrics") == 0)
		return srv_metrics_metrics(conn, s->data);
	if (!api && (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0))
		return route_page(s, conn, url);
	return api ? route_api(s, conn, url) : route_static(s, conn, url);
}

/* RFC 9112 3.2.2: a server accepts the absolute form of a target ("GET http://host/path"),
 * which a client sends to a proxy; its path is what matters here. */
static const char *origin_form(const char *url)
{
	const char *p;

	if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return url;
	p += strcspn(p, "/");
	return *p == '/' ? p : "/";
}

/* Copies at most max bytes of s to p; returns the end. */
static char *put_cut(char *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	memcpy(p, s, n);
	return p + n;
}

/* Marks the connection's request as being answered (never cut to make room), named for the
 * stop's log line should it never finish. The line is "%.15s %.80s from %s" (method, URL,
 * client), put together without snprintf: it is written for every request and read only by
 * a stop that hangs. */
static void busy(struct srv *s, struct conn *c, const char *method, const char *url)
{
	char what[16 + 81 + 6 + INET6_ADDRSTRLEN], *p = what;

	p = put_cut(p, method, 15);
	*p++ = ' ';
	p = put_cut(p, url, 80);
	p = put_cut(p, " from ", 6);
	p = put_cut(p, c->from[0] ? c->from : "?", INET6_ADDRSTRLEN - 1);
	*p = '\0';
	srv_conns_busy(s->conns, &c->slot, what);
}

/* --trusted-proxy: every Forwarded and X-Forwarded-For header line, each kind joined by
 * commas (RFC 9110: the same as one line with the values as a list). */
struct fwd_headers {
	char fwd[2048], xff[2048];
	bool has_fwd, has_xff, too_long;
};

static void fwd_append(char *buf, size_t size, bool *has, bool *too_long, const char *value)
{
	size_t len = strlen(buf);
	int n = snprintf(buf + len, size - len, "%s%s", *has ? "," : "", value);

	*has = true;
	if (n < 0 || (size_t)n >= size - len)
		*too_long = true;
}

static enum MHD_Result collect_fwd(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	struct fwd_headers *h = cls;

	(void)kind;
	if (key != NULL && value != NULL && strcasecmp(key, "Forwarded") == 0)
		fwd_append(h->fwd, sizeof(h->fwd), &h->has_fwd, &h->too_long, value);
	else if (key != NULL && value != NULL && strcasecmp(key, "X-Forwarded-For") == 0)
		fwd_append(h->xff, sizeof(h->xff), &h->has_xff, &h->too_long, value);
	return MHD_YES;
}

/* The request came through a trusted proxy: its client is whom the proxy names, when the
 * headers are whole and well-formed; else the proxy's own address stays (never an error). */
static void forwarded_client(struct srv *s, struct MHD_Connection *conn, struct conn *c)
{
	struct fwd_headers h = { .has_fwd = false };

	MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_fwd, &h);
	if (!h.too_long)
		srv_proxies_client(s->proxies, h.has_fwd ? h.fwd : NULL, h.has_xff ? h.xff : NULL,
		                   c->from, sizeof(c->from));
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
	struct srv *s = cls;
	struct conn *c = *req;
	bool api;
	enum MHD_Result ret;

	(void)upload;
	url = origin_form(url);
	api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
	if (c == NULL)
		return MHD_NO; /* no connection record: out of memory when it was accepted */
	srv_queued_bytes = 0;
	/* Answering on the first call makes libmicrohttpd close the connection; waiting for
	 * the second keeps keep-alive. Refusals answer at once, on purpose. */
	if (!c->seen) {
		/* A request that arrives on a keep-alive connection after SIGTERM is not in
		 * flight: closing the connection lets the client retry elsewhere, and lets the
		 * drain end as soon as the requests that were in flight are done. */
		if (atomic_load(&s->stopping))
			return MHD_NO;
		c->seen = true;
		*put_cut(c->method, method, sizeof(c->method) - 1) = '\0';
		if (c->trusted)
			forwarded_client(s, conn, c);
		c->route = srv_metrics_route(url);
		busy(s, c, method, url);
		atomic_fetch_add(&s->active, 1);
		if (!refuse(conn, c, method, version, api, &ret))
			return MHD_YES;
	} else if (*upload_size != 0) {
		*upload_size = 0; /* not reached: a body is refused on the first call */
		return MHD_YES;
	} else {
		ret = dispatch(s, conn, url, method, api, c->nul);
	}
	c->bytes = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 ? 0 : srv_queued_bytes;
	return ret;
}

/* Connection records and the access log, through libmicrohttpd's notification hooks. A
 * connection refused by the account (its client has too many, or no slot can be freed) is
 * shut down already: libmicrohttpd closes it without reading a request. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *info;
	struct srv *s = cls;
	struct conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (c != NULL) {
			srv_conns_remove(s->conns, &c->slot);
			srv_metrics_connection(-1);
		}
		free(c);
		*socket_context = NULL;
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return;
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;
	if (sa != NULL) {
		const void *addr = sa->sa_family == AF_INET6
		                       ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
		                       : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
		inet_ntop(sa->sa_family, addr, c->client, sizeof(c->client));
	}
	/* A trusted proxy carries many clients' requests: it is not held to --per-ip-limit (an
	 * address of no group is never limited). */
	c->trusted = srv_proxies_trusted_peer(s->proxies, sa);
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	srv_conns_add(s->conns, &c->slot, info != NULL ? info->connect_fd : -1,
	              c->trusted ? NULL : sa);
	srv_metrics_connection(1);
	*socket_context = c;
}

static struct conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info != NULL ? info->socket_context : NULL;
}

/* Called once the request line is in: the start of the request's clock. Its result is the
 * request's context (*req in handle). */
static void *on_request(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct srv *s = cls;
	struct conn *c = conn_of(conn);

	if (c == NULL)
		return NULL;
	srv_conns_begun(s->conns, &c->slot);
	clock_gettime(CLOCK_MONOTONIC, &c->start); /* the log and /metrics */
	if (srv_log_enabled()) /* only the log needs it: spare the hot path otherwise */
		snprintf(c->target, sizeof(c->target), "%s", uri ? uri : "");
	memcpy(c->from, c->client, sizeof(c->from));
	c->nul = uri ? nul_in(uri) : 0;
	c->target_len = uri ? strlen(uri) : 0;
	c->method[0] = '\0';
	c->bytes = 0;
	c->seen = false;
	return c;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req,
                         enum MHD_RequestTerminationCode toe)
{
	struct srv *s = cls;
	struct conn *c = *req;
	const union MHD_ConnectionInfo *info;
	struct timespec now;
	double ms;

	(void)toe;
	srv_req_headers_end(conn);
	if (c == NULL)
		return;
	srv_conns_idle(s->conns, &c->slot); /* also after an answer libmicrohttpd gave itself */
	if (!c->seen)
		return;
	c->seen = false;
	atomic_fetch_sub(&s->active, 1);
	clock_gettime(CLOCK_MONOTONIC, &now);
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
	ms = (double)(now.tv_sec - c->start.tv_sec) * 1e3 +
	     (double)(now.tv_nsec - c->start.tv_nsec) / 1e6;
	srv_metrics_request(c->route, info ? info->http_status : 0, ms / 1e3);
	if (srv_log_enabled())
		srv_log_access(c->from, c->method, c->target, info ? info->http_status : 0,
		               c->bytes, ms);
}

/* Binding here rather than in libmicrohttpd gives a precise error (port in use) and lets
 * --port 0 pick a free port that we can then print. The listen queue is as long as the
 * kernel allows (net.core.somaxconn, 4096 by default): when it is full the kernel drops
 * SYNs, and a normal client's, dropped among a flood's, is resent only a second later.
 * TCP_DEFER_ACCEPT: the kernel hands over a connection once its first bytes have come, or
 * DEFER_S seconds after it was opened, so connections that send nothing take no slot and
 * cannot churn through the slots faster than one per DEFER_S each. */
#define LISTEN_BACKLOG 65535
#define DEFER_S 3
static int listen_on(const char *host, uint16_t port, uint16_t *actual)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char service[8];
	int fd = -1, one = 1, defer = DEFER_S, rc;

	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host, service, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "budgetd: cannot use address %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	/* A name like "localhost" may resolve to several addresses: take the first that works. */
	for (struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 &&
		    (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		     bind(fd, a->ai_addr, a->ai_addrlen) != 0 ||
		     setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer)) != 0 ||
		     listen(fd, LISTEN_BACKLOG) != 0 ||
		     getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)) {
			rc = errno;
			close(fd);
			fd = -1;
			errno = rc;
		}
	}
	if (fd < 0) {
		fprintf(stderr, "budgetd: cannot listen on %s port %u: %s\n", host, port,
		        strerror(errno));
	} else {
		*actual = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
		                                         : ((struct sockaddr_in *)&ss)->sin_port);
	}
	freeaddrinfo(ai);
	return fd;
}

/* libmicrohttpd's own connection limit: above --max-connections, which the account keeps
 * (a new connection at the limit makes room by cutting a quiet one, so libmicrohttpd must
 * accept it first; the one cut stays open until its worker sees it). */
static unsigned mhd_limit(const struct srv_config *cfg)
{
	return cfg->max_connections + cfg->max_connections / 64 + 2 * cfg->threads + 16;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The path's and each argument's %XX decoded in place, as libmicrohttpd's own strict decoder
 * (discipline 1) does it: the same bytes and length, and 0 at a broken escape (what came
 * before it decoded, the rest as it was). Its decoder reads and writes back every byte,
 * about 1,100 instructions of a cached request (issue #17); most requests have no '%',
 * which strchrnul() finds a word at a time. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *end = strchrnul(s, '%');
	size_t r = (size_t)(end - s), w = r;

	(void)cls;
	(void)c;
	while (s[r] != '\0') {
		int hi, lo;
		if (s[r] != '%') {
			s[w++] = s[r++];
			continue;
		}
		if (s[r + 1] == '\0' || s[r + 2] == '\0' || (hi = hex_digit(s[r + 1])) < 0 ||
		    (lo = hex_digit(s[r + 2])) < 0)
			return 0;
		s[w++] = (char)(hi << 4 | lo);
		r += 3;
	}
	s[w] = '\0';
	return w;
}

static struct MHD_Daemon *start(struct srv *s, int fd, const struct srv_config *cfg)
{
	/* epoll with a thread per core; turbo skips syscalls a plain request/response does not
	 * need; ITC lets SIGTERM stop the accepting (MHD_quiesce_daemon) before the rest.
	 * Discipline level 1 ("for highly loaded public servers") refuses, within RFC 9112, what
	 * lets a request be framed two ways: whitespace before a colon, folded lines, bare CR
	 * or LF, Content-Length beside Transfer-Encoding. The per-client limit is the account's
	 * (by /64 for IPv6), not libmicrohttpd's (by exact address). */
	return MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
	        MHD_USE_ERROR_LOG,
	    0, NULL, NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)cfg->timeout, MHD_OPTION_CONNECTION_LIMIT, mhd_limit(cfg),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, s, MHD_OPTION_URI_LOG_CALLBACK, on_request, s,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CLIENT_DISCIPLINE_LVL, (int)1,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
}

/* Each connection is a file descriptor: allow as many as the hard limit lets us, so that
 * the connection limit, not EMFILE, is what turns clients away. When even the hard limit
 * cannot hold cfg->max_connections (a container's 1,024 against the default 1,000), cfg's
 * is lowered to what three quarters of the limit hold, the rest left for kept answers'
 * files: at that limit a newcomer is served by cutting a quiet connection, where accept()
 * (or a reopen of the store) would fail with EMFILE. Returns the descriptors left beyond
 * the connections and 64 for the rest of the process. */
static size_t raise_fd_limit(struct srv_config *cfg)
{
	struct rlimit rl;
	unsigned asked = cfg->max_connections;
	long long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur < mhd_limit(cfg) + 64) {
		/* m + m / 64 + 2 threads + 16 (mhd_limit()) + 64 within 3/4 of the limit */
		room = (long long)(rl.rlim_cur / 4 * 3) - 64 - 2LL * cfg->threads - 16;
		cfg->max_connections = room >= 65 ? (unsigned)(room * 64 / 65) : 1;
		srv_log_msg("only %llu file descriptors: at most %u connections, not %u (raise "
		            "the limit, or lower --max-connections)",
		            (unsigned long long)rl.rlim_cur, cfg->max_connections, asked);
	}
	return rl.rlim_cur >= mhd_limit(cfg) + 64 ? (size_t)(rl.rlim_cur - mhd_limit(cfg) - 64) : 0;
}

/* Waits for SIGINT or SIGTERM; SIGHUP on the way reopens the store and the access log. */
static int wait_for_stop(struct srv *s, const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) == 0 && sig == SIGHUP) {
		srv_data_reopen(s->data);
		if (srv_log_reopen() != 0)
			srv_log_msg("SIGHUP: cannot reopen the access log: %s", strerror(errno));
	}
	return sig;
}

/* The stop's bound. MHD_stop_daemon joins the workers, and a worker inside a callback stays
 * there as long as the callback does: waiting on the store while another process holds its
 * lock (SQLite's busy timeout is 10 s), reading a file from a stalled disk. Past STOP_MS the
 * process exits 70 instead, after a line naming what it was waiting for. */
struct watchdog {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct srv *s;
	bool done, running;
};

static void *watch(void *arg)
{
	struct watchdog *w = arg;
	struct timespec t0, t;
	long left = STOP_MS;
	char what[120];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&w->lock);
	while (!w->done && left > 0) {
		srv_cond_wait_ms(&w->cond, &w->lock, left);
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = STOP_MS -
		       (long)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
	}
	if (!w->done) {
		unsigned n = srv_conns_stuck(w->s->conns, what, sizeof(what));

		srv_log_msg("the stop is not done %d ms after the signal (%s; %u request(s) being "
		            "answered%s%s): exiting %d without waiting",
		            STOP_MS, atomic_load(&w->s->stage), n, n ? ", the oldest " : "", what,
		            SRV_EXIT_SOFTWARE);
		_exit(SRV_EXIT_SOFTWARE);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void watchdog_start(struct watchdog *w, struct srv *s)
{
	pthread_mutex_init(&w->lock, NULL);
	srv_cond_init(&w->cond);
	w->s = s;
	w->done = false;
	w->running = pthread_create(&w->thread, NULL, watch, w) == 0;
}

static void watchdog_stop(struct watchdog *w)
{
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (w->running)
		pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

/* Stops accepting at once, lets the requests in flight finish (up to DRAIN_MS), then stops
 * libmicrohttpd, which closes the idle keep-alive connections. The listening socket is shut
 * down, which refuses new connections at once, and closed only after MHD_stop_daemon():
 * a worker thread may still touch it until then (microhttpd.h, MHD_quiesce_daemon), and a
 * descriptor closed under it makes epoll_ctl() fail, which libmicrohttpd aborts on. */
static void drain(struct srv *s, struct MHD_Daemon *mhd)
{
	const struct timespec tick = { 0, 10 * 1000000L };
	MHD_socket fd;

	atomic_store(&s->stopping, true);
	fd = MHD_quiesce_daemon(mhd);

	if (fd != MHD_INVALID_SOCKET)
		shutdown(fd, SHUT_RDWR);
	for (int waited = 0; atomic_load(&s->active) > 0 && waited < DRAIN_MS; waited += 10)
		nanosleep(&tick, NULL);
	if (atomic_load(&s->active) > 0)
		srv_log_msg("%d request(s) still in flight after %d ms: closing them",
		            atomic_load(&s->active), DRAIN_MS);
	atomic_store(&s->stage, "stopping the worker threads");
	MHD_stop_daemon(mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	atomic_store(&s->stage, "closing the store");
}

int srv_run(const struct srv_config *asked)
{
	struct srv_config served = *asked; /* raise_fd_limit() may lower its connections */
	const struct srv_config *cfg = &served;
	struct db_error err = { 0 };
	struct srv s = { 0 };
	struct watchdog w = { 0 };
	struct MHD_Daemon *mhd = NULL;
	sigset_t set;
	uint16_t port = 0;
	size_t spare_fds;
	const char *answer_dir;
	int fd = -1, code = SRV_EXIT_OK;

	/* Block the signals before any thread starts, so that only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	s.proxies = cfg->proxies;
	signal(SIGPIPE, SIG_IGN);

	if (srv_log_open(cfg->access_log) != 0) {
		fprintf(stderr, "budgetd: access log %s: %s\n", cfg->access_log, strerror(errno));
		return SRV_EXIT_CANTCREAT;
	}
	spare_fds = raise_fd_limit(&served);
	s.data = srv_data_open(cfg->store, cfg->later, cfg->cache_bytes, &err);
	srv_metrics_init(cfg->store);
	if (s.data == NULL) {
		fprintf(stderr, "budgetd: %s\n", err.text);
		return SRV_EXIT_NOINPUT;
	}
	/* Half of what the connections leave, for kept answers in files: the rest stays for
	 * the store's files, sendfile'd downloads and what a reopen needs. */
	srv_cache_files_set(srv_data_cache(s.data),
	                    spare_fds / 2 < FILES_MAX ? spare_fds / 2 : FILES_MAX);
	/* Kept answers' files on a disk's file system when one takes them (reply.c: why). */
	answer_dir = getenv("TMPDIR");
	srv_answer_files_in(answer_dir != NULL && *answer_dir != '\0' ? answer_dir : "/var/tmp");
	s.files = srv_static_new(cfg->static_dir);
	if (s.files == NULL) {
		fprintf(stderr, "budgetd: static folder %s: %s\n", cfg->static_dir,
		        strerror(errno));
		code = SRV_EXIT_NOINPUT;
		goto done;
	}
	fd = listen_on(cfg->bind, cfg->port, &port);
	if (fd < 0) {
		code = SRV_EXIT_UNAVAILABLE;
		goto done;
	}
	if ((s.conns = srv_conns_new(cfg->max_connections, cfg->per_ip, cfg->timeout)) == NULL ||
	    (mhd = start(&s, fd, cfg)) == NULL) {
		fprintf(stderr, "budgetd: cannot start the HTTP server\n");
		close(fd);
		code = SRV_EXIT_SOFTWARE;
		goto done;
	}
	fprintf(stderr, "budgetd: serving %s\n", cfg->store);
	printf("listening on http://%s%s%s:%u/\n", strchr(cfg->bind, ':') ? "[" : "", cfg->bind,
	       strchr(cfg->bind, ':') ? "]" : "", port);
	fflush(stdout);
	fprintf(stderr, "budgetd: stopping on signal %d\n", wait_for_stop(&s, &set));
	atomic_store(&s.stage, "waiting for the requests in flight");
	watchdog_start(&w, &s);
	drain(&s, mhd);
done:
	srv_static_free(s.files);
	srv_data_close(s.data);
	if (mhd != NULL)
		watchdog_stop(&w);
	srv_conns_free(s.conns); /* after the watchdog, which may describe the connections */
	return code;
}
