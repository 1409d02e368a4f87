// SPDX-License-Identifier: MIT
// From api_response to an HTTP response (internal to server/).
#ifndef BUDGETD_SRV_REPLY_H
#define BUDGETD_SRV_REPLY_H

#include "srv.h"

#include <microhttpd.h>

#include <sys/stat.h>

/* What an answer is: API answers are kept by browsers for a while (--max-age) and open to
 * other origins; the front page's files are revalidated by browsers on every use (ETag) and
 * carry the browser security headers (srv_cache_policy_set() says what each gets). An embed page (/embed/...) is a page that any origin may put in a frame: the
 * same headers, but frame-ancestors * instead of 'none'. */
enum srv_kind {
	SRV_API,
	SRV_PAGE,
	SRV_EMBED,
	SRV_IMMUTABLE /* an API file whose URL names its content (a page image): cached a year */
};

/* Sets the Cache-Control of what follows (call before serving; defaults 60, 1, 0, 86400):
 * - API answers (200, 304, the store's downloads): "public, max-age=MAX_AGE,
 *   s-maxage=S_MAXAGE, stale-while-revalidate=SWR, stale-if-error=STALE";
 * - pages, embeds and static files: "public, max-age=0, s-maxage=S_MAXAGE,
 *   stale-if-error=STALE" (browsers revalidate every use; shared caches hold them as
 *   briefly as API answers; no stale-while-revalidate, so that a browser never runs an old
 *   script against a new page);
 * - 404: "public, max-age=0, s-maxage=S_MAXAGE"; other 4xx "no-cache"; 5xx "no-store".
 * SWR or STALE 0 leaves out its directive. stale-while-revalidate is off by default: a
 * shared cache holding it hands out its old copy once more after S_MAXAGE, which nginx
 * (counting whole seconds) turns into more than 2 s for a correction. */
void srv_cache_policy_set(unsigned max_age, unsigned s_maxage, unsigned swr, unsigned stale);

/* Queues a: ETag, conditional 304, gzip, caching, and CORS or page security headers.
 * Takes a's body in every case. */
enum MHD_Result srv_reply(struct MHD_Connection *conn, struct api_response *a, enum srv_kind kind);

#define SRV_ETAG_SIZE 48
/* Bytes from which a kept answer is sent from a file of its own (srv_build's body). With
 * libmicrohttpd's pool no longer zeroed (#17 round 10), a 6.8 KB answer from a memfd costs
 * 10 % less CPU per hit than copied, a 1.6 KB one 3 % more. */
#define SRV_FILE_MIN (4 * 1024)

/* Kept answers' files are made unnamed (O_TMPFILE) in dir from now on, when its file system
 * takes such a file (tried here: true), else as memfds (false; dir NULL: memfds). Call
 * before serving; dir must outlive the server. */
bool srv_answer_files_in(const char *dir);

/* Where a kept answer's body goes: its buffer, copied into each answer; or a file of its own,
 * sent with sendfile(): unnamed in the answers' directory (srv_answer_files_in()), or a
 * memfd. */
enum srv_body {
	SRV_BODY_BUFFER,
	SRV_BODY_FILE,
	SRV_BODY_MEMFD
};

/* Builds the response for a 200 (or error) answer, gzip'd when gz and worth it, with every
 * header; writes its strong ETag into etag. Takes a's body. NULL when out of memory. The
 * response can be queued any number of times (the cache keeps it). body: NULL (the buffer),
 * or on entry where the body may go (for answers the cache keeps: srv_cache_body()), on
 * return where it went (a file only for SRV_FILE_MIN bytes or more; a memfd when the
 * directory takes no file). */
struct MHD_Response *srv_build(struct api_response *a, enum srv_kind kind, bool gz,
                               enum srv_body *body, char etag[SRV_ETAG_SIZE]);

/* When the request's If-None-Match / If-Modified-Since match etag and modified, queues
 * 304 Not Modified, stores the result in *ret and returns true; false when the full
 * answer is due. */
bool srv_not_modified(struct MHD_Connection *conn, const char *etag, int64_t modified,
                      enum srv_kind kind, enum MHD_Result *ret);

/* Body bytes of the last response queued on this thread through srv_reply, srv_queue or
 * the cache: the handler copies it for the access log right after queueing. */
extern _Thread_local size_t srv_queued_bytes;

/* The citizen page's inlined style as a CSP source ('sha256-…'), or NULL: while set, the
 * SRV_PAGE answers this thread builds or revalidates (304) allow it in style-src. */
extern _Thread_local const char *srv_page_style_src;

/* MHD_queue_response, noting bytes for the access log. */
enum MHD_Result srv_queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r,
                          size_t bytes);

/* Queues a whole file from fd (open, regular; sb its fstat) as a 200 with the headers of
 * kind (SRV_API or SRV_IMMUTABLE), type and disposition (NULL: none); or 304 when the
 * request's validators match its ETag: tag (at most 44 characters, no quotes) for a file
 * named by its content, else from inode, size and modification time (the file is replaced
 * by rename, never rewritten). A Range of one span gets a 206 of that span (none of the
 * file: 416), unless If-Range names another ETag (the whole file, then). Takes fd in every
 * case. */
enum MHD_Result srv_reply_file(struct MHD_Connection *conn, int fd, const struct stat *sb,
                               const char *type, const char *disposition, const char *tag,
                               enum srv_kind kind);

/* The request headers that answers read, found in http.c's one pass over a request's headers
 * (the framing check) instead of a lookup each: a lookup walks every header with a caseless
 * compare, and a gzip'd hit made four of them (issue #17). */
enum srv_hdr {
	SRV_H_ACCEPT,
	SRV_H_ACCEPT_ENCODING,
	SRV_H_IF_NONE_MATCH,
	SRV_H_IF_MODIFIED_SINCE,
	SRV_H_COUNT
};

/* Starts noting the headers of conn's current request on this thread. */
void srv_req_headers_begin(struct MHD_Connection *conn);

/* Notes one header of that request (name is name_size bytes): the first of a name is kept, as
 * libmicrohttpd's lookup would find it. Returns whether it is one of srv_hdr's. */
bool srv_req_headers_note(const char *name, size_t name_size, const char *value);

/* The request is done: its values are no longer libmicrohttpd's to give. */
void srv_req_headers_end(struct MHD_Connection *conn);

/* The value of h in conn's current request, or NULL: the noted one when this thread noted
 * conn's request, else libmicrohttpd's lookup. The string is libmicrohttpd's, valid until the
 * request is done. */
const char *srv_req_header(struct MHD_Connection *conn, enum srv_hdr h);

/* Does the request's Accept-Encoding admit gzip? */
bool srv_wants_gzip(struct MHD_Connection *conn);

/* Adds the CORS headers every API answer carries. */
void srv_cors(struct MHD_Response *r);

/* Formats unix time t as an HTTP date (RFC 9110, IMF-fixdate). */
void srv_http_date(int64_t t, char buf[64]);

#endif
