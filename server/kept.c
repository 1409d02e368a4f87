// SPDX-License-Identifier: MIT
// The files a store keeps beside it (srv.h: SRV_FILES_DIR): the published PDFs, by SHA-256,
// and their pages as images.
#include "srv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool srv_kept_path(char *buf, size_t size, const char *store, const char *name)
{
	int n = snprintf(buf, size, "%s" SRV_FILES_DIR "%s", store, name);

	return n > 0 && (size_t)n < size;
}

bool srv_keep_again(const char *store, const char *name)
{
	char path[4400];
	struct stat sb;

	if (!srv_kept_path(path, sizeof(path), store, name) || lstat(path, &sb) != 0 ||
	    !S_ISREG(sb.st_mode))
		return false;
	/* now as its times (and so its ctime): best effort, a file another user owns keeps its
	 * own, and prune's age is then the age of its last write */
	utimensat(AT_FDCWD, path, NULL, 0);
	return true;
}

/* Writes len bytes of buf to fd; 0 or -1 (errno set). */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t put = write(fd, buf, len);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return -1;
		buf += put;
		len -= (size_t)put;
	}
	return 0;
}

/* What a kept file is written from: a file's path, or bytes in memory. */
struct source {
	const char *path; /* NULL: data */
	const void *data;
	size_t len;
};

/* Writes src's bytes to out; 0 or -1 (errno set). */
static int fill(int out, const struct source *src)
{
	char buf[1 << 16];
	ssize_t got;
	int in, rc = 0;

	if (src->path == NULL)
		return write_all(out, src->data, src->len);
	if ((in = open(src->path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (rc == 0 && (got = read(in, buf, sizeof(buf))) != 0)
		rc = got < 0 ? (errno == EINTR ? 0 : -1) : write_all(out, buf, (size_t)got);
	close(in);
	return rc;
}

/* Puts src's bytes at dst: a temporary name beside dst, synced, then rename(), so that no
 * reader sees half a file. */
static int write_into_place(const char *dst, const struct source *src, char *why, size_t size)
{
	char tmp[4500];
	int out;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dst, (long)getpid());
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		snprintf(why, size, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fill(out, src) != 0 || fsync(out) != 0) {
		snprintf(why, size, "%s: %s", src->path ? src->path : dst, strerror(errno));
		close(out);
		unlink(tmp);
		return -1;
	}
	if (close(out) != 0 || rename(tmp, dst) != 0) {
		snprintf(why, size, "%s: %s", dst, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Makes PATH.files/; 0, or -1 with why filled. */
static int make_dir(const char *store, char *why, size_t size)
{
	char dir[4300];

	if (!srv_kept_path(dir, sizeof(dir), store, "")) {
		snprintf(why, size, "%s: the path is too long", store);
		return -1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(why, size, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Keeps src beside store as name unless a file of that name is there: named by its content,
 * one that is there is this one. 0, or -1 with why filled. */
static int keep(const char *store, const char *name, const struct source *src, char *why,
                size_t size)
{
	char dst[4400];

	if (make_dir(store, why, size) != 0)
		return -1;
	if (!srv_kept_path(dst, sizeof(dst), store, name)) {
		snprintf(why, size, "%s: the path is too long", store);
		return -1;
	}
	return srv_keep_again(store, name) ? 0 : write_into_place(dst, src, why, size);
}

int srv_keep_bytes(const char *store, const char *name, const void *data, size_t len, char *why,
                   size_t size)
{
	struct source src = { .data = data, .len = len };

	return keep(store, name, &src, why, size);
}

int srv_keep_file(const char *store, const char *src, const char *sha256, const char *ext,
                  char *why, size_t size)
{
	struct source from = { .path = src };
	char name[128];

	snprintf(name, sizeof(name), "%.64s%.16s", sha256, ext);
	return keep(store, name, &from, why, size);
}

/* Whether name is one a store keeps, not a temporary: 64 hex digits (a PDF's SHA-256), then
 * "-" and a page number for a page image, then an extension. */
static bool kept_name(const char *name)
{
	const char *p = name + strspn(name, "0123456789abcdef");
	size_t digits;

	if (p - name != 64)
		return false;
	if (*p == '-') {
		if ((digits = strspn(p + 1, "0123456789")) == 0)
			return false;
		p += 1 + digits;
	}
	return *p == '.' && p[1] != '\0' && strpbrk(p + 1, ".-") == NULL;
}

int srv_keep_all(const char *from, const char *to, char *why, size_t size)
{
	char dir[4300], src[4400], dst[4400];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (!srv_kept_path(dir, sizeof(dir), from, "") || (d = opendir(dir)) == NULL)
		return 0; /* it keeps none */
	if (make_dir(to, why, size) != 0) {
		closedir(d);
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (!kept_name(e->d_name) || !srv_kept_path(src, sizeof(src), from, e->d_name) ||
		    !srv_kept_path(dst, sizeof(dst), to, e->d_name) ||
		    srv_keep_again(to, e->d_name)) /* a link made now has a new ctime too */
			continue;
		if (link(src, dst) != 0 && errno != EEXIST)
			rc = write_into_place(dst, &(struct source){ .path = src }, why, size);
	}
	closedir(d);
	return rc;
}

void srv_kept_remove(const char *store)
{
	char dir[4300], file[4400];
	struct dirent *e;
	DIR *d;

	if (!srv_kept_path(dir, sizeof(dir), store, "") || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (kept_name(e->d_name) && srv_kept_path(file, sizeof(file), store, e->d_name))
			unlink(file);
	closedir(d);
	rmdir(dir);
}

/* The process id of a temporary a writer left, name "<kept name>.tmp-<pid>" (written by
 * write_into_place()), or 0 when name is not one. */
static long temporary_of(const char *name)
{
	const char *tmp = strstr(name, ".tmp-");
	char kept[256], *end;
	long pid;

	if (tmp == NULL || (size_t)(tmp - name) >= sizeof(kept))
		return 0;
	memcpy(kept, name, (size_t)(tmp - name));
	kept[tmp - name] = '\0';
	pid = strtol(tmp + 5, &end, 10);
	return kept_name(kept) && *end == '\0' && pid > 0 ? pid : 0;
}

static int by_name(const void *key, const void *elem)
{
	return strncmp(key, *(const char *const *)elem, 64);
}

/* Whether name (a kept file's) is of one of the n files named, ascending. */
static bool named(const char *name, const char *const *sha256, size_t n)
{
	return n > 0 && bsearch(name, sha256, n, sizeof(*sha256), by_name) != NULL;
}

/* What prune does with the file name in dir (sb its lstat): true to remove it. */
static bool to_prune(const struct srv_prune *p, const char *name, const struct stat *sb,
                     struct srv_pruned *out)
{
	long pid = temporary_of(name);

	if (kept_name(name) && named(name, p->sha256, p->n)) {
		out->kept++;
		return false;
	}
	/* a writer's temporary whose process is gone (kill -9, power loss) */
	if (!kept_name(name) && (pid == 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH))
		return false;
	if (p->now - sb->st_ctim.tv_sec < p->min_age) {
		out->recent++;
		return false;
	}
	return true;
}

int srv_kept_prune(const char *store, const struct srv_prune *p, struct srv_pruned *out, char *why,
                   size_t size)
{
	char dir[4300], file[4400];
	struct dirent *e;
	struct stat sb;
	DIR *d;

	*out = (struct srv_pruned){ 0 };
	if (!srv_kept_path(dir, sizeof(dir), store, "") || (d = opendir(dir)) == NULL)
		return 0; /* it keeps none */
	while ((e = readdir(d)) != NULL) {
		if (!srv_kept_path(file, sizeof(file), store, e->d_name) || lstat(file, &sb) != 0 ||
		    !S_ISREG(sb.st_mode) || !to_prune(p, e->d_name, &sb, out))
			continue;
		if (!p->dry_run && unlink(file) != 0 && errno != ENOENT) {
			snprintf(why, size, "%s: %s", file, strerror(errno));
			closedir(d);
			return -1;
		}
		out->removed++;
		out->bytes += (uint64_t)sb.st_size;
		if (p->each != NULL)
			p->each(p->ctx, e->d_name, (uint64_t)sb.st_size);
	}
	closedir(d);
	return 0;
}
