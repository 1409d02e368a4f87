// SPDX-License-Identifier: MIT
// Turning an api_response into HTTP: strong ETags per representation, conditional requests
// (304), gzip, caching and CORS headers. Every API answer, error or not, goes through here.
#include "reply.h"
#include "deflate.h"
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define GZIP_MIN 256 /* smaller bodies gain nothing from compression */

/* libdeflate's fastest level, for every gzip'd answer above SRV_GZIP_SMALL_USE (#17, round 3:
 * the bundled answers on one core, one kept compressor): the disclosure 35 KB 60 us and
 * 9,185 B, against 93 us and 9,472 B with zlib's level 1 and 207 us, 8,288 B at libdeflate's
 * level 6; level 2 already costs twice level 1 for 2-5 % fewer bytes. A kept answer is
 * compressed by the same coder: its strong ETag then names one byte sequence whether it was
 * answered as a miss or from the cache (BENCHMARKS.md, issue #17 round 3, the table of
 * libdeflate levels). */
#define GZIP_LEVEL 1
/* The ETag of a gzip representation hashes this as well: when the level (or the coder)
 * changes, so do the gzip bytes, and so must their ETag. */
#define GZIP_STR_(x) #x
#define GZIP_STR(x) GZIP_STR_(x)
#define GZIP_CODER "libdeflate-" GZIP_STR(GZIP_LEVEL)

static const struct {
	const char *name;
	size_t len;
} hdr_names[SRV_H_COUNT] = {
	[SRV_H_ACCEPT] = { MHD_HTTP_HEADER_ACCEPT, sizeof(MHD_HTTP_HEADER_ACCEPT) - 1 },
	[SRV_H_ACCEPT_ENCODING] = { MHD_HTTP_HEADER_ACCEPT_ENCODING,
	                            sizeof(MHD_HTTP_HEADER_ACCEPT_ENCODING) - 1 },
	[SRV_H_IF_NONE_MATCH] = { MHD_HTTP_HEADER_IF_NONE_MATCH,
	                          sizeof(MHD_HTTP_HEADER_IF_NONE_MATCH) - 1 },
	[SRV_H_IF_MODIFIED_SINCE] = { MHD_HTTP_HEADER_IF_MODIFIED_SINCE,
	                              sizeof(MHD_HTTP_HEADER_IF_MODIFIED_SINCE) - 1 },
};

/* One request at a time per worker thread: libmicrohttpd runs a connection's calls on the
 * thread that owns it, and every request's first call notes its headers before anything
 * reads them. A lookup for any other connection goes to libmicrohttpd. */
static _Thread_local struct {
	const struct MHD_Connection *conn;
	const char *value[SRV_H_COUNT];
} noted;

void srv_req_headers_begin(struct MHD_Connection *conn)
{
	memset(&noted, 0, sizeof(noted));
	noted.conn = conn;
}

bool srv_req_headers_note(const char *name, size_t name_size, const char *value)
{
	for (int h = 0; h < SRV_H_COUNT; h++)
		if (name_size == hdr_names[h].len && strcasecmp(name, hdr_names[h].name) == 0) {
			if (noted.value[h] == NULL)
				noted.value[h] = value;
			return true;
		}
	return false;
}

void srv_req_headers_end(struct MHD_Connection *conn)
{
	if (noted.conn == conn)
		noted.conn = NULL;
}

const char *srv_req_header(struct MHD_Connection *conn, enum srv_hdr h)
{
	if (noted.conn == conn)
		return noted.value[h];
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, hdr_names[h].name);
}

/* The first "gzip" in s, in any case: strcasestr() cost 290 instructions a request, most of
 * them setting up its search (issue #17 round 13). */
static const char *find_gzip(const char *s)
{
	for (; *s != '\0'; s++)
		if ((*s | 0x20) == 'g' && strncasecmp(s, "gzip", 4) == 0)
			return s;
	return NULL;
}

/* Does Accept-Encoding admit gzip (and not with q=0)? */
bool srv_wants_gzip(struct MHD_Connection *conn)
{
	const char *ae = srv_req_header(conn, SRV_H_ACCEPT_ENCODING), *p;

	for (p = ae; p != NULL && (p = find_gzip(p)) != NULL; p += 4) {
		const char *end = p + 4 + strspn(p + 4, " ");
		if (*end == ',' || *end == '\0')
			return true;
		if (*end == ';') {
			const char *q = strstr(end, "q=");
			const char *comma = strchr(end, ',');
			return q == NULL || (comma != NULL && q > comma) || strtod(q + 2, NULL) > 0;
		}
	}
	return false;
}

/* Each thread keeps one compressor: libdeflate_alloc_compressor maps 200 KB at level 1
 * (above glibc's mmap threshold) and the first answer pays its page faults; a fresh one per
 * answer took 90-100 us (alloc, first compress, free) against 12 us for a kept one on a
 * 6.8 KB table. A compressor keeps no state between calls: a kept one writes byte for byte
 * what a fresh one writes. */
static pthread_key_t zkey;
static pthread_once_t zonce = PTHREAD_ONCE_INIT;
static bool zkey_ok;

static void compressor_free(void *p)
{
	libdeflate_free_compressor(p);
}

static void zkey_create(void)
{
	zkey_ok = pthread_key_create(&zkey, compressor_free) == 0;
}

/* This thread's compressor; NULL when out of memory. */
static struct libdeflate_compressor *compressor(void)
{
	struct libdeflate_compressor *c;

	pthread_once(&zonce, zkey_create);
	if (!zkey_ok)
		return NULL;
	if ((c = pthread_getspecific(zkey)) != NULL)
		return c;
	if ((c = libdeflate_alloc_compressor(GZIP_LEVEL)) == NULL)
		return NULL;
	if (pthread_setspecific(zkey, c) != 0) {
		libdeflate_free_compressor(c);
		return NULL;
	}
	return c;
}

/* Compresses body into a new malloc'd gzip stream and names the coder that wrote it (for
 * the ETag); NULL when it fails. A small body goes to srv_gzip_small(): libdeflate spends
 * about 50,000 instructions per stream before its first byte, 3x the whole cost of a 914-byte
 * list in budgetd's coder (deflate.c; BENCHMARKS.md, issue #17). */
static char *gzip(const char *body, size_t len, size_t *out_len, const char **coder)
{
	struct libdeflate_compressor *c;
	char *out;
	size_t bound;

	if (len <= SRV_GZIP_SMALL_USE) {
		if ((out = malloc(SRV_GZIP_SMALL_BOUND(len))) == NULL)
			return NULL;
		/* 0 only for a room below the bound: never, but no broken stream either. */
		if ((*out_len = srv_gzip_small(body, len, out, SRV_GZIP_SMALL_BOUND(len))) == 0) {
			free(out);
			return NULL;
		}
		*coder = SRV_GZIP_SMALL_CODER;
		return out;
	}
	if ((c = compressor()) == NULL)
		return NULL;
	bound = libdeflate_gzip_compress_bound(c, len);
	if ((out = malloc(bound)) == NULL)
		return NULL;
	/* 0: did not fit, which the bound rules out; fail rather than send a broken stream. */
	if ((*out_len = libdeflate_gzip_compress(c, body, len, out, bound)) == 0) {
		free(out);
		return NULL;
	}
	*coder = GZIP_CODER;
	return out;
}

/* The body gives back its unused room (it grew by doubling, or was sized for deflate's worst
 * case): a response may be kept in the cache for long, and with the slack a 32 MB cache took
 * 53 MB (#17). glibc splits the chunk in place; jemalloc too for 16 KiB or more, and copies a
 * smaller body into its smaller size class (once per answer built). The byte after the body
 * stays: identity bodies end in a NUL for whoever reads them as text. */
static void shrink(struct api_response *a)
{
	char *b;

	if (a->body == NULL || malloc_usable_size(a->body) - a->len < 256)
		return;
	if ((b = realloc(a->body, a->len + 1)) != NULL)
		a->body = b;
}

/* Most answers carry the same Last-Modified (the store's latest import, or one
 * disclosure's) time after time: each thread keeps the last one it wrote. */
static _Thread_local int64_t date_of = INT64_MIN;
static _Thread_local char date_text[64];

void srv_http_date(int64_t t, char buf[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t != date_of) {
		gmtime_r(&tt, &tm);
		strftime(date_text, sizeof(date_text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		date_of = t;
	}
	memcpy(buf, date_text, sizeof(date_text));
}

static bool parse_http_date(const char *s, int64_t *t)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;

	if (end == NULL || *end != '\0')
		return false;
	*t = (int64_t)timegm(&tm);
	return true;
}

/* If-None-Match: a list of entity tags or *; a weak W/ prefix still matches. */
static bool etag_matches(const char *inm, const char *etag)
{
	size_t n = strlen(etag);

	for (const char *p = inm; *p != '\0';) {
		p += strspn(p, " ,");
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static bool not_modified(struct MHD_Connection *conn, const char *etag, int64_t modified)
{
	const char *inm = srv_req_header(conn, SRV_H_IF_NONE_MATCH);
	int64_t since = 0; /* set when parse_http_date() is true; gcc -O1 cannot see it */

	if (inm != NULL)
		return etag_matches(inm, etag); /* when present, it alone decides (RFC 9110) */
	return modified > 0 &&
	       parse_http_date(srv_req_header(conn, SRV_H_IF_MODIFIED_SINCE), &since) &&
	       modified <= since;
}

void srv_cors(struct MHD_Response *r)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
	MHD_add_response_header(r, "Access-Control-Expose-Headers",
	                        "ETag, Link, Content-Disposition, Content-Range");
}

/* Only same-origin scripts and styles; the page needs nothing else. */
#define PAGE_CSP                                                                          \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

#define API_CSP "default-src 'none'; frame-ancestors 'none'"

/* The embed pages: the same policy, but any portal may frame them (issue #15). */
#define EMBED_CSP                                                                         \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors *"

/* #15: the citizen page inlines its style; the CSP allows that one <style> by its hash. */
_Thread_local const char *srv_page_style_src;

#define PAGE_CSP_STYLE                                                                       \
	"default-src 'self'; script-src 'self'; style-src 'self' %s; img-src 'self' data:; " \
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

static void page_csp(struct MHD_Response *r, enum srv_kind kind)
{
	char csp[sizeof(PAGE_CSP_STYLE) + 80];
	const char *style = srv_page_style_src;

	if (kind == SRV_EMBED || style == NULL || *style == '\0' || strlen(style) > 70) {
		MHD_add_response_header(r, "Content-Security-Policy",
		                        kind == SRV_EMBED ? EMBED_CSP : PAGE_CSP);
		return;
	}
	snprintf(csp, sizeof(csp), PAGE_CSP_STYLE, style);
	MHD_add_response_header(r, "Content-Security-Policy", csp);
}

/* Cache-Control by answer: see srv_cache_policy_set() in reply.h. Written once before the
 * threads start, read only afterwards. */
static char cc_api[160] = "public, max-age=60, s-maxage=1, stale-if-error=86400";
static char cc_page[96] = "public, max-age=0, s-maxage=1, stale-if-error=86400";
static char cc_not_found[64] = "public, max-age=0, s-maxage=1";

void srv_cache_policy_set(unsigned max_age, unsigned s_maxage, unsigned swr, unsigned stale)
{
	char with_swr[48] = "", sie[40] = "";

	if (swr > 0)
		snprintf(with_swr, sizeof(with_swr), ", stale-while-revalidate=%u", swr);
	if (stale > 0)
		snprintf(sie, sizeof(sie), ", stale-if-error=%u", stale);
	snprintf(cc_api, sizeof(cc_api), "public, max-age=%u, s-maxage=%u%s%s", max_age, s_maxage,
	         with_swr, sie);
	snprintf(cc_page, sizeof(cc_page), "public, max-age=0, s-maxage=%u%s", s_maxage, sie);
	snprintf(cc_not_found, sizeof(cc_not_found), "public, max-age=0, s-maxage=%u", s_maxage);
}

static const char *cache_control(unsigned status, enum srv_kind kind)
{
	bool ok = status == 200 || status == 206 || status == 304; /* 206: part of a 200 */

	if (ok && kind == SRV_IMMUTABLE)
		return "public, max-age=31536000, immutable";
	if (ok)
		return kind == SRV_API ? cc_api : cc_page;
	if (status == 404)
		return cc_not_found; /* the store may gain it: as short-lived as a shared copy */
	return status >= 500 ? "no-store" : "no-cache";
}

static void common_headers(struct MHD_Response *r, int64_t modified, const char *etag,
                           unsigned status, enum srv_kind kind)
{
	char date[64];

	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
	                        kind == SRV_API ? "Accept, Accept-Encoding" : "Accept-Encoding");
	if (kind == SRV_API || kind == SRV_IMMUTABLE) {
		srv_cors(r);
		/* JSON and CSV are never a document to show, let alone in another site's frame. */
		MHD_add_response_header(r, "Content-Security-Policy", API_CSP);
	} else {
		page_csp(r, kind);
		MHD_add_response_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, cache_control(status, kind));
	if (status != 200 && status != 206 && status != 304)
		return;
	MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (modified > 0) {
		srv_http_date(modified, date);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	}
}

_Thread_local size_t srv_queued_bytes;

enum MHD_Result srv_queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r,
                          size_t bytes)
{
	srv_queued_bytes = bytes;
	return MHD_queue_response(conn, status, r);
}

/* Queues r and drops this function's reference (libmicrohttpd keeps its own). */
static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r,
                             size_t bytes)
{
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	ret = srv_queue(conn, status, r, bytes);
	MHD_destroy_response(r);
	return ret;
}

/* "\"%016llx\"" or "\"%016llx-gz\"", without snprintf: one per answer. */
static void write_etag(char etag[SRV_ETAG_SIZE], uint64_t h, bool gz)
{
	static const char hex[] = "0123456789abcdef";
	char *p = etag;

	*p++ = '"';
	for (int shift = 60; shift >= 0; shift -= 4)
		*p++ = hex[(h >> shift) & 0xf];
	if (gz) {
		memcpy(p, "-gz", 3);
		p += 3;
	}
	*p++ = '"';
	*p = '\0';
}

/* Where kept answers' files go (srv_answer_files_in()): NULL for memfds. */
static const char *answer_dir;

bool srv_answer_files_in(const char *dir)
{
	int fd = dir != NULL ? open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600) : -1;

	answer_dir = fd >= 0 ? dir : NULL;
	if (fd >= 0)
		close(fd);
	return answer_dir != NULL;
}

/* A file holding len bytes from body, opened for reading; -1 on error. Unnamed in
 * answer_dir when it is set and where is SRV_BODY_FILE: no path names it, and budgetd writes
 * it once, here. A memfd otherwise, sealed: nothing may change the bytes under the ETag the
 * answer carries. *where says which it is.
 * The file system's page cache is why a directory comes first: ext4 (kernel 6.18) keeps a
 * file in large folios, shmem in 4 KiB pages, and sendfile() pays per page: the cached 35 KB
 * disclosure cost 8.7-8.9 us a hit from ext4 against 9.3-10.0 from a memfd (#17 round 10).
 * A memfd is made instead when the cache churns (srv_cache_body()). */
static int answer_file(const char *body, size_t len, enum srv_body *where)
{
	int fd = -1;

	if (*where == SRV_BODY_FILE && answer_dir != NULL)
		fd = open(answer_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	*where = fd < 0 ? SRV_BODY_MEMFD : SRV_BODY_FILE;
	if (fd < 0 && (fd = memfd_create("budgetd-answer", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0)
		return -1;
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, body + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	if (*where == SRV_BODY_MEMFD &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* A response whose body, len bytes from body, is a file of its own (answer_file(): *where
 * on entry what kind may be made, on return what was) sent with sendfile(): the socket gets
 * the file's pages from the kernel rather than a copy of the bytes out of budgetd. The copy
 * was 22 % of the CPU of a cache hit on the 34 KB disclosure, where nginx sends its file
 * (issue #17, round 9). NULL when it cannot be made (the caller keeps the buffer). */
static struct MHD_Response *file_response(const char *body, size_t len, enum srv_body *where)
{
	struct MHD_Response *r;
	int fd = answer_file(body, len, where);

	if (fd < 0)
		return NULL;
	if ((r = MHD_create_response_from_fd64(len, fd)) == NULL) /* it closes fd from now on */
		close(fd);
	return r;
}

/* The response carrying a's body (taken). An answer of SRV_FILE_MIN bytes or more that the
 * cache may keep in a file (where not NULL, and not SRV_BODY_BUFFER on entry) is sent from a
 * file: it is sent many times, and copying it each time costs more than the one write into
 * the file and a second system call per answer. Other answers are sent from the buffer, with
 * the headers in one call. *where says which it is. */
static struct MHD_Response *body_response(struct api_response *a, enum srv_body *where)
{
	struct MHD_Response *r = NULL;
	bool file = where != NULL && *where != SRV_BODY_BUFFER && a->len >= SRV_FILE_MIN &&
	            (r = file_response(a->body, a->len, where)) != NULL;

	if (where != NULL && !file)
		*where = SRV_BODY_BUFFER;
	if (file) {
		free(a->body); /* a->len stays: the access log and the cache's budget count it */
		a->body = NULL;
		return r;
	}
	shrink(a);
	r = MHD_create_response_from_buffer(a->len, a->body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		api_response_free(a);
		return NULL;
	}
	a->body = NULL; /* the response owns it now */
	return r;
}

struct MHD_Response *srv_build(struct api_response *a, enum srv_kind kind, bool gz,
                               enum srv_body *body, char etag[SRV_ETAG_SIZE])
{
	bool ok = a->status == 200;
	/* The type seeds the hash: the same bytes as CSV and as JSON are two representations. */
	uint64_t h = srv_hash64(a->content_type, strlen(a->content_type), 0);
	char *zbody = NULL;
	const char *coder = NULL;
	size_t zlen = 0;
	struct MHD_Response *r;

	/* A workbook is a zip already: gzip would cost CPU for a few bytes. */
	gz = gz && ok && a->len >= GZIP_MIN && strcmp(a->content_type, API_XLSX_TYPE) != 0;
	h = srv_hash64(a->body, a->len, h);
	if (gz && (zbody = gzip(a->body, a->len, &zlen, &coder)) != NULL) {
		api_response_free(a);
		a->body = zbody;
		a->len = zlen;
	}
	gz = zbody != NULL; /* could not compress: identity, and an ETag that says so */
	if (gz)
		h = srv_hash64(coder, strlen(coder), h);
	write_etag(etag, h, gz);
	if ((r = body_response(a, body)) == NULL)
		return NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->content_type);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (a->link[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_LINK, a->link);
	if (a->disposition[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, a->disposition);
	common_headers(r, a->modified, etag, (unsigned)a->status, kind);
	if (a->status == 503)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	return r;
}

bool srv_not_modified(struct MHD_Connection *conn, const char *etag, int64_t modified,
                      enum srv_kind kind, enum MHD_Result *ret)
{
	struct MHD_Response *r;

	if (!not_modified(conn, etag, modified))
		return false;
	r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (r != NULL)
		common_headers(r, modified, etag, 304, kind);
	*ret = queue(conn, MHD_HTTP_NOT_MODIFIED, r, 0);
	return true;
}

/* The digits at *p as a number (no sign, no space: RFC 9110's 1*DIGIT), *p moved past them;
 * false without a digit or past 2^63. */
static bool range_digits(const char **p, uint64_t *v)
{
	const char *s = *p;

	for (*v = 0; *s >= '0' && *s <= '9'; s++) {
		if (*v > (UINT64_C(1) << 62) / 5) /* *v * 10 + 9 would pass 2^63 */
			return false;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	if (s == *p)
		return false;
	*p = s;
	return true;
}

/* One byte range of a file of size bytes, as Range asks (RFC 9110, 14.1.2): "bytes=a-b",
 * "bytes=a-" or "bytes=-n". Returns 1 with the first and last byte, 0 to send the whole
 * file (no Range, another unit, several ranges or a malformed one: ignored, as RFC 9110
 * allows), or -1 when it asks for no byte of the file (416). */
static int byte_range(const char *h, uint64_t size, uint64_t *first, uint64_t *last)
{
	uint64_t a, b;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0)
		return 0;
	h += 6;
	if (*h == '-') { /* the last n bytes */
		h++;
		if (!range_digits(&h, &b) || *h != '\0')
			return 0;
		if (b == 0 || size == 0)
			return -1;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return 1;
	}
	if (!range_digits(&h, &a) || *h++ != '-')
		return 0;
	b = UINT64_MAX;
	if (*h != '\0' && !range_digits(&h, &b))
		return 0;
	if (*h != '\0' || b < a)
		return 0;
	if (a >= size)
		return -1;
	*first = a;
	*last = b >= size ? size - 1 : b;
	return 1;
}

/* 416 for a range past the end: the problem, and the file's length in Content-Range. */
static enum MHD_Result reply_unsatisfiable(struct MHD_Connection *conn, uint64_t size,
                                           enum srv_kind kind)
{
	struct api_response a = { 0 };
	struct MHD_Response *r;
	char range[64], etag[SRV_ETAG_SIZE];
	size_t len;

	if (api_fail(&a, 416, "the file has %ju bytes: the range asks for none of them",
	             (uintmax_t)size) != 0)
		return MHD_NO;
	len = a.len;
	if ((r = srv_build(&a, kind, false, NULL, etag)) == NULL) /* takes a's body */
		return MHD_NO;
	snprintf(range, sizeof(range), "bytes */%ju", (uintmax_t)size);
	MHD_add_response_header(r, "Content-Range", range);
	return queue(conn, 416, r, len);
}

enum MHD_Result srv_reply_file(struct MHD_Connection *conn, int fd, const struct stat *sb,
                               const char *type, const char *disposition, const char *tag,
                               enum srv_kind kind)
{
	const char *if_range = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "If-Range");
	uint64_t size = (uint64_t)sb->st_size, first = 0, last = size - 1;
	char etag[SRV_ETAG_SIZE], range[80];
	enum MHD_Result ret;
	struct MHD_Response *r;
	int part = 0;

	if (tag != NULL)
		snprintf(etag, sizeof(etag), "\"%s\"", tag);
	else
		snprintf(etag, sizeof(etag), "\"f%jx-%jx-%jx.%lx\"", (uintmax_t)sb->st_ino,
		         (uintmax_t)sb->st_size, (uintmax_t)sb->st_mtim.tv_sec,
		         (long)sb->st_mtim.tv_nsec);
	if (srv_not_modified(conn, etag, (int64_t)sb->st_mtim.tv_sec, kind, &ret)) {
		close(fd);
		return ret;
	}
	/* A range of the file, unless If-Range names another version of it (then the whole
	 * file, new): a download resumed across an import never splices two files. */
	if (if_range == NULL || strcmp(if_range, etag) == 0)
		part = byte_range(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Range"), size,
		                  &first, &last);
	if (part < 0) {
		close(fd);
		return reply_unsatisfiable(conn, size, kind);
	}
	/* sendfile from the offset; closes fd */
	r = MHD_create_response_from_fd_at_offset64(part ? last - first + 1 : size, fd,
	                                            part ? first : 0);
	if (r == NULL) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "Accept-Ranges", "bytes");
	if (part) {
		snprintf(range, sizeof(range), "bytes %ju-%ju/%ju", (uintmax_t)first,
		         (uintmax_t)last, (uintmax_t)size);
		MHD_add_response_header(r, "Content-Range", range);
	}
	if (disposition != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
	common_headers(r, (int64_t)sb->st_mtim.tv_sec, etag, part ? 206 : 200, kind);
	return queue(conn, part ? 206 : MHD_HTTP_OK, r, (size_t)(part ? last - first + 1 : size));
}

enum MHD_Result srv_reply(struct MHD_Connection *conn, struct api_response *a, enum srv_kind kind)
{
	char etag[SRV_ETAG_SIZE];
	enum MHD_Result ret;
	int64_t modified = a->modified;
	unsigned status = (unsigned)a->status;
	struct MHD_Response *r = srv_build(a, kind, srv_wants_gzip(conn), NULL, etag);

	if (r == NULL)
		return MHD_NO;
	if (status == 200 && srv_not_modified(conn, etag, modified, kind, &ret)) {
		MHD_destroy_response(r);
		return ret;
	}
	return queue(conn, status, r, a->len);
}
