// SPDX-License-Identifier: MIT
// The daemon's two logs: the access log (one line per request, to stderr, a file or nowhere)
// and operator messages (always stderr). Internal to server/.
#ifndef BUDGETD_SRV_LOG_H
#define BUDGETD_SRV_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Where access lines go: NULL or "-" for stderr, "off" for nowhere, else a file opened for
 * appending (created 0640). Returns 0, or -1 with errno when the file cannot be opened. */
int srv_log_open(const char *where);

/* Opens the access log file again under the same name (after logrotate moved it away);
 * writers never see a closed descriptor. Returns 0, or -1 with errno (the old file stays). */
int srv_log_reopen(void);

bool srv_log_enabled(void);

/* One access line: time, client address, method, target (bytes outside printable ASCII,
 * quotes and backslashes written as \xHH, so a request cannot forge lines), status, body
 * bytes, duration in milliseconds. Written with one write(2), so lines never interleave. */
void srv_log_access(const char *client, const char *method, const char *target, unsigned status,
                    size_t bytes, double ms);

/* An operator message on stderr, after a timestamp and "budgetd: ". */
void srv_log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Escapes src as srv_log_access does into dst (always terminated; "..." marks a cut). */
void srv_log_escape(char *dst, size_t size, const char *src);

#endif
