// SPDX-License-Identifier: MIT
// Default locations, so that `budgetd` with no options serves the bundled data from any
// working directory: a build tree keeps the store beside the binary, an install keeps it in
// the data directory.
#include "srv.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
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

const char *srv_default_store(char *buf, size_t size)
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
