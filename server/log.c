// SPDX-License-Identifier: MIT
// Access and operator logs. Lines are built in a buffer and written with a single write(2):
// on an O_APPEND file or a pipe that keeps concurrent workers' lines whole, without a lock.
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4000 /* below PIPE_BUF, so a line to a pipe is never split */

static int log_fd = STDERR_FILENO; /* -1: off */
static char log_path[4096];

int srv_log_open(const char *where)
{
	int fd;

	if (where == NULL || strcmp(where, "-") == 0) {
		log_fd = STDERR_FILENO;
		return 0;
	}
	if (strcmp(where, "off") == 0) {
		log_fd = -1;
		return 0;
	}
	fd = open(where, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	snprintf(log_path, sizeof(log_path), "%s", where);
	log_fd = fd;
	return 0;
}

int srv_log_reopen(void)
{
	int fd;

	if (log_fd < 0 || log_fd == STDERR_FILENO || log_path[0] == '\0')
		return 0;
	fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	/* dup3 swaps the file behind the same descriptor number in one step: a worker writing
	 * at that moment lands in the old file or the new one, never in a closed or reused fd. */
	if (dup3(fd, log_fd, O_CLOEXEC) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

bool srv_log_enabled(void)
{
	return log_fd >= 0;
}

void srv_log_escape(char *dst, size_t size, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (; *src != '\0'; src++) {
		unsigned char ch = (unsigned char)*src;
		bool plain = ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';
		if (n + (plain ? 1 : 4) + 4 > size) {
			memcpy(dst + n, "...", 4);
			return;
		}
		if (plain) {
			dst[n++] = (char)ch;
			continue;
		}
		dst[n++] = '\\';
		dst[n++] = 'x';
		dst[n++] = hex[ch >> 4];
		dst[n++] = hex[ch & 15];
	}
	dst[n] = '\0';
}

/* "2026-11-27T19:45:01.123Z" */
static void timestamp(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

static void write_line(int fd, char *line, int len)
{
	if (len < 0)
		return;
	if (len > LINE_MAX_BYTES - 1)
		len = LINE_MAX_BYTES - 1;
	line[len++] = '\n';
	while (write(fd, line, (size_t)len) < 0 && errno == EINTR)
		; /* a log that cannot be written is not a reason to stop serving */
}

void srv_log_access(const char *client, const char *method, const char *target, unsigned status,
                    size_t bytes, double ms)
{
	char line[LINE_MAX_BYTES + 1], when[40], m[40], t[2100];

	if (log_fd < 0)
		return;
	timestamp(when, sizeof(when));
	srv_log_escape(m, sizeof(m), method ? method : "-");
	srv_log_escape(t, sizeof(t), target ? target : "-");
	write_line(log_fd, line,
	           snprintf(line, LINE_MAX_BYTES, "%s %s \"%s %s\" %03u %zu %.3fms", when,
	                    client[0] ? client : "-", m, t, status, bytes, ms));
}

void srv_log_msg(const char *fmt, ...)
{
	char line[LINE_MAX_BYTES + 1], when[40];
	va_list ap;
	int n;

	timestamp(when, sizeof(when));
	n = snprintf(line, LINE_MAX_BYTES, "%s budgetd: ", when);
	va_start(ap, fmt);
	n += vsnprintf(line + n, (size_t)(LINE_MAX_BYTES - n), fmt, ap);
	va_end(ap);
	write_line(STDERR_FILENO, line, n);
}
