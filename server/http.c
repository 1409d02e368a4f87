// SPDX-License-Identifier: MIT
// The HTTP daemon: listening socket, libmicrohttpd, routing, signals. Handlers in api/
// build bodies; this file turns them into responses.
#include "data.h"

#include <microhttpd.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct srv {
	struct srv_data *data;
	struct srv_static *files;
};

#define MAX_URL 2048

static enum MHD_Result add_arg_length(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
	size_t *len = cls;

	(void)kind;
	*len += strlen(key) + (value ? strlen(value) + 1 : 0) + 1; /* key=value& */
	return MHD_YES;
}

/* The request target's length: libmicrohttpd hands over the path and the decoded query
 * arguments separately, so they are added up (decoded, so never more than was sent). */
static size_t target_length(struct MHD_Connection *conn, const char *url)
{
	size_t len = strlen(url);

	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg_length, &len);
	return len;
}

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

struct key_buf {
	char *p;
	size_t len, size;
	bool full;
};

static void key_add(struct key_buf *k, const char *s)
{
	size_t n = strlen(s);

	if (k->len + n + 1 > k->size) {
		k->full = true;
		return;
	}
	memcpy(k->p + k->len, s, n + 1);
	k->len += n;
}

static enum MHD_Result add_arg_to_key(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
	(void)kind;
	key_add(cls, key);
	key_add(cls, "=");
	key_add(cls, value ? value : "");
	key_add(cls, "&");
	return MHD_YES;
}

/* What decides an answer: the path, the query, Accept, and whether it may be gzip'd. Returns
 * false when that does not fit (such a request is answered, just not cached). */
static bool cache_key(struct MHD_Connection *conn, const char *url, bool gz, char *buf, size_t size)
{
	struct key_buf k = { buf, 0, size, false };
	const char *accept =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);

	buf[0] = '\0';
	key_add(&k, gz ? "gz " : "id ");
	key_add(&k, url);
	key_add(&k, "?");
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg_to_key, &k);
	key_add(&k, " ");
	key_add(&k, accept ? accept : "");
	return !k.full;
}

static enum MHD_Result route_api(struct srv *s, struct MHD_Connection *conn, const char *url)
{
	struct api_request req = {
		.path = url,
		.arg = query_arg,
		.ctx = conn,
		.accept =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
	};
	struct srv_cache *cache = srv_data_cache(s->data);
	bool gz = srv_wants_gzip(conn);
	char key[4096], etag[SRV_ETAG_SIZE];
	bool cacheable = cache_key(conn, url, gz, key, sizeof(key));
	uint64_t generation = srv_cache_generation(cache);
	struct db *db = srv_data_db(s->data);
	struct api_response resp;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (cacheable && srv_cache_serve(cache, key, conn, &ret))
		return ret;
	if (db == NULL)
		return send_problem(conn, 503, "the store cannot be opened just now", SRV_API);
	if (api_handle(db, &req, &resp) != 0)
		return MHD_NO; /* out of memory: drop the connection */
	if (resp.status != 200 || !cacheable)
		return srv_reply(conn, &resp, SRV_API);
	int64_t modified = resp.modified;
	if ((r = srv_build(&resp, SRV_API, gz, etag)) == NULL)
		return MHD_NO;
	if (!srv_not_modified(conn, etag, modified, SRV_API, &ret))
		ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	srv_cache_put(cache, key, r, MHD_HTTP_OK, etag, modified, resp.len, generation);
	return ret;
}

static enum MHD_Result route_static(struct srv *s, struct MHD_Connection *conn, const char *url)
{
	struct api_response resp;

	if (srv_static_load(s->files, url, &resp) != 0)
		return send_problem(conn, 404, "no such file", SRV_PAGE);
	return srv_reply(conn, &resp, SRV_PAGE);
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
	ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, r);
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
	if (api)
		srv_cors(r);
	ret = MHD_queue_response(conn, 405, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req)
{
	static int seen;
	struct srv *s = cls;
	bool api = strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;

	(void)version;
	(void)upload;
	/* Answering on the first call makes libmicrohttpd close the connection; waiting for
	 * the second keeps keep-alive. */
	if (*req == NULL) {
		*req = &seen;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0; /* a request body means nothing to any resource here */
		return MHD_YES;
	}
	if (target_length(conn, url) > MAX_URL)
		return send_problem(conn, 414, "the URL is longer than 2048 bytes",
		                    api ? SRV_API : SRV_PAGE);
	if (api && strcmp(method, MHD_HTTP_METHOD_OPTIONS) == 0)
		return preflight(conn);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return not_allowed(conn, api);
	return api ? route_api(s, conn, url) : route_static(s, conn, url);
}

/* Binding here rather than in libmicrohttpd gives a precise error (port in use) and lets
 * --port 0 pick a free port that we can then print. */
static int listen_on(const char *host, uint16_t port, uint16_t *actual)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char service[8];
	int fd = -1, one = 1, rc;

	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host, service, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "budgetd: cannot use address %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	/* A name like "localhost" may resolve to several addresses: take the first that works. */
	for (struct addrinfo *a = ai; a != NULL && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		                bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 511) != 0 ||
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

static struct MHD_Daemon *start(struct srv *s, int fd, unsigned threads)
{
	/* epoll with a thread per core; turbo skips syscalls a plain request/response does not need */
	return MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1000, MHD_OPTION_END);
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
	return sig;
}

int srv_run(const struct srv_config *cfg)
{
	struct db_error err = { 0 };
	struct srv s = { 0 };
	struct MHD_Daemon *mhd = NULL;
	sigset_t set;
	uint16_t port = 0;
	int fd = -1, code = SRV_EXIT_OK;

	/* Block the stop signals before any thread starts, so that only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	s.data = srv_data_open(cfg->store, cfg->cache_bytes, &err);
	if (s.data == NULL) {
		fprintf(stderr, "budgetd: %s\n", err.text);
		return SRV_EXIT_NOINPUT;
	}
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
	mhd = start(&s, fd, cfg->threads);
	if (mhd == NULL) {
		fprintf(stderr, "budgetd: cannot start the HTTP server\n");
		close(fd);
		code = SRV_EXIT_SOFTWARE;
		goto done;
	}
	fprintf(stderr, "budgetd: serving %s\n", cfg->store);
	printf("listening on http://%s%s%s:%u/\n", strchr(cfg->bind, ':') ? "[" : "", cfg->bind,
	       strchr(cfg->bind, ':') ? "]" : "", port);
	fflush(stdout);
	fprintf(stderr, "budgetd: stopping on signal %d\n", wait_for_signal());
	MHD_stop_daemon(mhd); /* finishes the requests in flight; closes the listening socket */
done:
	srv_static_free(s.files);
	srv_data_close(s.data);
	return code;
}
