// SPDX-License-Identifier: MIT
// Default locations, so that `budgetd` with no options serves the bundled data from any
// working directory (a build tree keeps the store beside the binary, an install keeps it in
// the data directory), and the user's own store, which `budgetctl` writes when no --db names
// one, so that nothing is ever written into a build tree or an install.
#include "srv.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	return true;
}

static bool in_build_tree(char *store, size_t size)
{
	char dir[4096];

	int n;

	if (!exe_dir(dir, sizeof(dir)))
		return false;
	n = snprintf(store, size, "%s/budgetd.sqlite", dir);
	return n > 0 && (size_t)n < size && access(store, F_OK) == 0;
}

const char *srv_bundled_store(char *buf, size_t size)
{
	if (!in_build_tree(buf, size))
		snprintf(buf, size, "%s/budgetd.sqlite", BUDGETD_DATADIR);
	return buf;
}

const char *srv_default_static(char *buf, size_t size)
{
	char store[4096];

	if (in_build_tree(store, sizeof(store)))
		snprintf(buf, size, "%s", BUDGETD_SOURCE_STATIC);
	else
		snprintf(buf, size, "%s/static", BUDGETD_DATADIR);
	return buf;
}

const char *srv_user_store(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	/* The XDG base directory spec: an empty or relative $XDG_DATA_HOME is ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, size, "%s/budgetd/budgetd.sqlite", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, size, "%s/.local/share/budgetd/budgetd.sqlite", home);
	else
		return NULL;
	return n > 0 && (size_t)n < size ? buf : NULL;
}

const char *srv_default_store(char *buf, size_t size)
{
	if (srv_user_store(buf, size) != NULL && access(buf, F_OK) == 0)
		return buf;
	return srv_bundled_store(buf, size);
}

int srv_user_store_dir(const char *store)
{
	char dir[4096];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", store) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	/* Each missing folder from the top down, 0700 as the XDG spec asks for its folders. */
	for (char *p = strchr(dir + 1, '/');; p = strchr(p + 1, '/')) {
		if (p != NULL)
			*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		if (p == NULL)
			break;
		*p = '/';
	}
	return 0;
}

int srv_user_store_seed(const char *store, const char *bundled, struct db_error *err)
{
	char tmp[4200];
	struct db *db;
	int rc = -1;

	if (access(store, F_OK) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.seed-%ld", store, (long)getpid());
	db = db_open(bundled, false, err);
	if (db == NULL)
		return -1;
	if (db_snapshot(db, tmp, err) == 0) {
		/* link(), not rename(): a store another import created meanwhile is kept. */
		if (link(tmp, store) == 0 || errno == EEXIST)
			rc = 0;
		else
			snprintf(err->text, sizeof(err->text), "%s: %s", store, strerror(errno));
		unlink(tmp);
	}
	db_close(db);
	return rc;
}
