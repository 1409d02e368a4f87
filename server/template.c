// SPDX-License-Identifier: MIT
// The citizen page's template with its style inlined (#15): on Slow 3G every request is a
// 2 s round trip, so the page's CSS travels in the HTML. The CSP then names that one
// <style> by its hash (no 'unsafe-inline').
#include "template.h"

#include "ingest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINK "<link rel=\"stylesheet\" href=\"/style.css\">"

/* The last merge, shared by the request threads; the lock guards it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct srv_template kept;

static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
		             (i + 2 < n ? in[i + 2] : 0);
		*out++ = abc[v >> 18 & 63];
		*out++ = abc[v >> 12 & 63];
		*out++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*out++ = i + 2 < n ? abc[v & 63] : '=';
	}
	*out = '\0';
}

/* Whether css could close the element it is inlined in (then it stays a file). */
static bool ends_style(const char *css, size_t len)
{
	for (size_t i = 0; i + 2 <= len; i++)
		if (css[i] == '<' && css[i + 1] == '/')
			return true;
	return false;
}

/* The template with css in place of LINK into t (html, len, style_src); css NULL: as it is. */
static int merge(const struct api_response *page, const struct api_response *css,
                 struct srv_template *t)
{
	const char *at = memmem(page->body, page->len, LINK, strlen(LINK));
	size_t head, tail, n;
	unsigned char digest[32];
	char b64[48];

	if (at == NULL || css == NULL || ends_style(css->body, css->len)) {
		if ((t->html = malloc(page->len + 1)) == NULL)
			return -1;
		memcpy(t->html, page->body, page->len);
		t->len = page->len;
		t->style_src[0] = '\0';
		return 0;
	}
	head = (size_t)(at - page->body);
	tail = page->len - head - strlen(LINK);
	n = head + strlen("<style>") + css->len + strlen("</style>") + tail;
	if ((t->html = malloc(n + 1)) == NULL)
		return -1;
	memcpy(t->html, page->body, head);
	memcpy(t->html + head, "<style>", 7);
	memcpy(t->html + head + 7, css->body, css->len);
	memcpy(t->html + head + 7 + css->len, "</style>", 8);
	memcpy(t->html + head + 15 + css->len, at + strlen(LINK), tail);
	t->len = n;
	ingest_sha256(css->body, css->len, digest);
	base64(digest, sizeof(digest), b64);
	snprintf(t->style_src, sizeof(t->style_src), "'sha256-%s'", b64);
	return 0;
}

/* Reads both files (fds from srv_static_open, closed here; css_fd -1: a folder without
 * style.css, whose page is served as it is) and merges them into kept. */
static int reload(int page_fd, const struct stat *page_sb, int css_fd, const struct stat *css_sb,
                  const char *version)
{
	struct api_response page = { 0 }, css = { 0 };
	struct srv_template t = { 0 };
	int rc = -1;

	if (srv_static_read(page_fd, page_sb, "text/html", &page) != 0) {
		if (css_fd >= 0)
			close(css_fd);
		return -1;
	}
	if (css_fd >= 0 && srv_static_read(css_fd, css_sb, "text/css", &css) != 0)
		goto done;
	if (merge(&page, css_fd >= 0 ? &css : NULL, &t) != 0)
		goto done;
	snprintf(t.version, sizeof(t.version), "%s", version);
	free(kept.html);
	kept = t;
	rc = 0;
done:
	api_response_free(&css);
	api_response_free(&page);
	return rc;
}

static void version_of(const struct stat *a, const struct stat *b, char *out, size_t size)
{
	snprintf(out, size, "%ju-%jd-%jd.%09ld %ju-%jd-%jd.%09ld", (uintmax_t)a->st_ino,
	         (intmax_t)a->st_size, (intmax_t)a->st_mtim.tv_sec, a->st_mtim.tv_nsec,
	         (uintmax_t)b->st_ino, (intmax_t)b->st_size, (intmax_t)b->st_mtim.tv_sec,
	         b->st_mtim.tv_nsec);
}

/* Copies kept into t (its text only when want_html). */
static int copy_kept(bool want_html, struct srv_template *t)
{
	*t = kept;
	t->html = NULL;
	if (!want_html)
		return 0;
	if ((t->html = malloc(kept.len + 1)) == NULL)
		return -1;
	memcpy(t->html, kept.html, kept.len);
	return 0;
}

int srv_template_get(const struct srv_static *files, bool want_html, struct srv_template *t)
{
	struct stat page_sb, css_sb;
	const char *type;
	char version[sizeof(t->version)];
	int page_fd = srv_static_open(files, "/index.html", &page_sb, &type), css_fd, rc = 0;

	memset(t, 0, sizeof(*t));
	if (page_fd < 0)
		return -1;
	/* Without a style.css (a folder of the operator's own), the page goes as it is. */
	if ((css_fd = srv_static_open(files, "/style.css", &css_sb, &type)) < 0)
		memset(&css_sb, 0, sizeof(css_sb));
	version_of(&page_sb, &css_sb, version, sizeof(version));
	pthread_mutex_lock(&lock);
	if (kept.html != NULL && strcmp(kept.version, version) == 0) {
		close(page_fd);
		if (css_fd >= 0)
			close(css_fd);
	} else {
		rc = reload(page_fd, &page_sb, css_fd, &css_sb, version);
	}
	if (rc == 0)
		rc = copy_kept(want_html, t);
	pthread_mutex_unlock(&lock);
	return rc;
}
