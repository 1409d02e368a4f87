// SPDX-License-Identifier: MIT
// Static files for the front page. Only regular files inside the folder are served: the
// resolved path must stay below the folder's resolved path, which also stops symlinks that
// lead out, and what it names must be a regular file once opened. Opening never waits: a
// FIFO opened for reading without O_NONBLOCK blocks until some writer comes, and that would
// hold a worker thread (and the stop, which joins the workers) indefinitely.
#include "srv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct srv_static {
	char root[PATH_MAX];
	size_t len;
};

struct srv_static *srv_static_new(const char *dir)
{
	struct srv_static *st = calloc(1, sizeof(*st));
	struct stat sb;

	if (st == NULL)
		return NULL;
	if (realpath(dir, st->root) == NULL || stat(st->root, &sb) != 0) {
		free(st);
		return NULL;
	}
	if (!S_ISDIR(sb.st_mode)) {
		free(st);
		errno = ENOTDIR;
		return NULL;
	}
	st->len = strlen(st->root);
	return st;
}

void srv_static_free(struct srv_static *st)
{
	free(st);
}

static const char *mime_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".json", "application/json; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* Refuses what no page of ours is called: dot segments, backslashes, empty segments. */
static bool plausible(const char *path)
{
	if (path[0] != '/' || strstr(path, "/.") != NULL || strchr(path, '\\') != NULL ||
	    strstr(path, "//") != NULL)
		return false;
	return strlen(path) < 1024;
}

int srv_open_regular(const char *path, struct stat *sb)
{
	/* O_NONBLOCK: a socket fails here (ENXIO); a FIFO or a device opens at once and fstat
	 * refuses it. O_NOFOLLOW: a link is never what is served. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

int srv_static_open(const struct srv_static *st, const char *path, struct stat *sb,
                    const char **type)
{
	char want[PATH_MAX + 1100], real[PATH_MAX];
	int fd;

	if (!plausible(path))
		return -1;
	snprintf(want, sizeof(want), "%s%s%s", st->root, path,
	         path[strlen(path) - 1] == '/' ? "index.html" : "");
	if (realpath(want, real) == NULL)
		return -1;
	if (strncmp(real, st->root, st->len) != 0 || real[st->len] != '/')
		return -1;
	/* realpath() resolved every link: O_NOFOLLOW only refuses one swapped in since. */
	if ((fd = srv_open_regular(real, sb)) < 0)
		return -1;
	*type = mime_type(real);
	return fd;
}

int srv_static_read(int fd, const struct stat *sb, const char *type, struct api_response *resp)
{
	size_t size = (size_t)sb->st_size, got = 0;
	char *buf = NULL;

	if (sb->st_size > (8 << 20) || (buf = malloc(size + 1)) == NULL)
		goto fail;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0'; /* for whoever reads it as text; every reader here is bounded by len */
	memset(resp, 0, sizeof(*resp));
	resp->status = 200;
	resp->content_type = type;
	resp->body = buf;
	resp->len = got;
	resp->modified = (int64_t)sb->st_mtime;
	return 0;
fail:
	free(buf);
	close(fd);
	return -1;
}
