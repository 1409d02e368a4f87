// SPDX-License-Identifier: MIT
// The files a store keeps beside it (srv.h: SRV_FILES_DIR): the published PDFs, by SHA-256.
#include "srv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* PATH.files/ (or a file in it), into buf; false when it does not fit. */
static bool kept_path(char *buf, size_t size, const char *store, const char *name)
{
	int n = snprintf(buf, size, "%s" SRV_FILES_DIR "%s", store, name);

	return n > 0 && (size_t)n < size;
}

/* Copies the open file in to the new file out; 0 or -1 (errno set). */
static int copy_fd(int in, int out)
{
	char buf[1 << 16];
	ssize_t got;

	while ((got = read(in, buf, sizeof(buf))) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (ssize_t done = 0; done < got;) {
			ssize_t put = write(out, buf + done, (size_t)(got - done));
			if (put < 0 && errno != EINTR)
				return -1;
			done += put > 0 ? put : 0;
		}
	}
	return fsync(out);
}

/* Puts a copy of src at dst: a temporary name beside dst, then rename(). */
static int copy_into_place(const char *src, const char *dst, char *why, size_t size)
{
	char tmp[4400];
	int in = -1, out = -1, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dst, (long)getpid());
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, size, "%s: %s", src, strerror(errno));
		return -1;
	}
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    copy_fd(in, out) != 0 || close(out) != 0 || rename(tmp, dst) != 0) {
		snprintf(why, size, "%s: %s", dst, strerror(errno));
		if (out >= 0)
			close(out);
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	close(in);
	return rc;
}

/* Makes PATH.files/; 0, or -1 with why filled. */
static int make_dir(const char *store, char *why, size_t size)
{
	char dir[4300];

	if (!kept_path(dir, sizeof(dir), store, "")) {
		snprintf(why, size, "%s: the path is too long", store);
		return -1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(why, size, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int srv_keep_file(const char *store, const char *src, const char *sha256, const char *ext,
                  char *why, size_t size)
{
	char name[128], dst[4400];
	struct stat sb;

	snprintf(name, sizeof(name), "%.64s%.16s", sha256, ext);
	if (make_dir(store, why, size) != 0)
		return -1;
	if (!kept_path(dst, sizeof(dst), store, name)) {
		snprintf(why, size, "%s: the path is too long", store);
		return -1;
	}
	/* named by its content: one that is there is this one */
	if (lstat(dst, &sb) == 0 && S_ISREG(sb.st_mode))
		return 0;
	return copy_into_place(src, dst, why, size);
}

/* Whether name is one a store keeps: 64 hex digits and an extension, no temporary. */
static bool kept_name(const char *name)
{
	size_t n = strspn(name, "0123456789abcdef");

	return n == 64 && name[64] == '.' && strchr(name + 65, '.') == NULL &&
	       strchr(name + 65, '-') == NULL;
}

int srv_keep_all(const char *from, const char *to, char *why, size_t size)
{
	char dir[4300], src[4400], dst[4400];
	struct dirent *e;
	struct stat sb;
	DIR *d;
	int rc = 0;

	if (!kept_path(dir, sizeof(dir), from, "") || (d = opendir(dir)) == NULL)
		return 0; /* it keeps none */
	if (make_dir(to, why, size) != 0) {
		closedir(d);
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (!kept_name(e->d_name) || !kept_path(src, sizeof(src), from, e->d_name) ||
		    !kept_path(dst, sizeof(dst), to, e->d_name) || lstat(dst, &sb) == 0)
			continue;
		if (link(src, dst) != 0 && errno != EEXIST)
			rc = copy_into_place(src, dst, why, size);
	}
	closedir(d);
	return rc;
}

void srv_kept_remove(const char *store)
{
	char dir[4300], file[4400];
	struct dirent *e;
	DIR *d;

	if (!kept_path(dir, sizeof(dir), store, "") || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (kept_name(e->d_name) && kept_path(file, sizeof(file), store, e->d_name))
			unlink(file);
	closedir(d);
	rmdir(dir);
}
