// SPDX-License-Identifier: MIT
// Child processes: poppler's tools are GPL, so they run as their own processes, never linked.
// Output is read through a pipe with a deadline and a size cap.
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void ing_fail(struct ingest_error *err, enum ingest_failure failure, int page, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->failure = failure;
	err->page = page;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts argv in a process group of its own, so that a timeout kills whatever it started. */
static int spawn(char *const argv[], bool merge_stderr, int fd_out, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int rc;

	if (posix_spawnattr_init(&attr) != 0)
		return ENOMEM;
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		posix_spawnattr_destroy(&attr);
		return ENOMEM;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd_out, 1);
	if (merge_stderr)
		posix_spawn_file_actions_adddup2(&fa, fd_out, 2);
	else
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclose(&fa, fd_out);
	rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

/* Appends what fd has to *out; 1 at end of file, 0 for more, -1 on error or over the cap. */
static int drain(int fd, struct ing_output *out, size_t *cap)
{
	ssize_t n;

	if (*cap - out->len < 65536) {
		size_t ncap = *cap * 2;
		char *p = realloc(out->data, ncap + 1);

		if (p == NULL)
			return -1;
		out->data = p;
		*cap = ncap;
	}
	n = read(fd, out->data + out->len, *cap - out->len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return 1;
	out->len += (size_t)n;
	return out->len > INGEST_MAX_OUTPUT ? -1 : 0;
}

/* Reads the child's output until end of file, the deadline or the cap. */
static int collect(int fd, struct ing_output *out, const char *tool, long long deadline,
                   struct ingest_error *err)
{
	size_t cap = 1 << 16;
	int rc = 0;

	if ((out->data = malloc(cap + 1)) == NULL) {
		ing_fail(err, INGEST_INTERNAL, 0, "out of memory");
		return -1;
	}
	while (rc == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		int n;

		if (left <= 0) {
			ing_fail(err, INGEST_BAD_INPUT, 0, "%s took more than %d s: PDF refused",
			         tool, INGEST_TIMEOUT_S);
			return -1;
		}
		if ((n = poll(&p, 1, (int)left)) < 0 && errno != EINTR) {
			ing_fail(err, INGEST_INTERNAL, 0, "cannot read %s's output: %s", tool,
			         strerror(errno));
			return -1;
		}
		if (n > 0)
			rc = drain(fd, out, &cap); /* only when there is something: never blocks */
	}
	if (rc < 0) {
		if (out->len > INGEST_MAX_OUTPUT)
			ing_fail(err, INGEST_BAD_INPUT, 0, "%s wrote more than %u MiB: PDF refused",
			         tool, INGEST_MAX_OUTPUT >> 20);
		else
			ing_fail(err, INGEST_INTERNAL, 0, "cannot read %s's output", tool);
		return -1;
	}
	out->data[out->len] = '\0';
	return 0;
}

/* Waits for pid until the deadline; 0 with *status, or -1 when it is still running. */
static int reap(pid_t pid, long long deadline, int *status)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid || (r < 0 && errno != EINTR))
			return 0;
		if (now_ms() >= deadline)
			return -1;
		usleep(2000);
	}
}

int ing_run(char *const argv[], bool merge_stderr, struct ing_output *out, struct ingest_error *err)
{
	long long deadline = now_ms() + INGEST_TIMEOUT_S * 1000LL;
	int fds[2], rc, status = 0;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (pipe2(fds, O_CLOEXEC) != 0) {
		ing_fail(err, INGEST_INTERNAL, 0, "cannot make a pipe: %s", strerror(errno));
		return -1;
	}
	if ((rc = spawn(argv, merge_stderr, fds[1], &pid)) != 0) {
		close(fds[0]);
		close(fds[1]);
		ing_fail(err, INGEST_NO_TOOL, 0, "cannot run %s: %s (install poppler-utils)",
		         argv[0], strerror(rc));
		return -1;
	}
	close(fds[1]);
	rc = collect(fds[0], out, argv[0], deadline, err);
	close(fds[0]);
	if (rc == 0 && reap(pid, deadline, &status) != 0) {
		ing_fail(err, INGEST_BAD_INPUT, 0, "%s took more than %d s: PDF refused", argv[0],
		         INGEST_TIMEOUT_S);
		rc = -1;
	}
	if (rc != 0) {
		kill(-pid, SIGKILL); /* the child and anything it started */
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		free(out->data);
		out->data = NULL;
		return -1;
	}
	out->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return 0;
}
