// SPDX-License-Identifier: MIT
// server: the processes (budgetd, budgetctl), their configuration, and the HTTP layer.
// The only module that includes microhttpd.h, logs, or exits.
#ifndef BUDGETD_SRV_H
#define BUDGETD_SRV_H

#include "api.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

/* Where the bundled store and the front page live when no option names them: next to the
 * binary in a build tree, else under the installed data directory. Writes into buf and
 * returns buf. */
const char *srv_bundled_store(char *buf, size_t size);
const char *srv_default_static(char *buf, size_t size);

/* The user store, which budgetctl writes when no --db (nor $BUDGETD_DB) names a store:
 * $XDG_DATA_HOME/budgetd/budgetd.sqlite, else $HOME/.local/share/budgetd/budgetd.sqlite.
 * Writes into buf and returns buf, or NULL when neither variable holds an absolute path. */
const char *srv_user_store(char *buf, size_t size);

/* The store to read when none is named: the user store if it exists, else the bundled one.
 * Writes into buf and returns buf. */
const char *srv_default_store(char *buf, size_t size);

/* Creates the missing folders above store, each 0700 (as the XDG spec asks). Returns 0, or
 * -1 with errno set. */
int srv_user_store_dir(const char *store);

/* When store does not exist yet, makes it a copy of the bundled store (a consistent one, with
 * a rollback journal), never replacing a store that appears meanwhile. Returns 0, or -1 with
 * err->text filled and nothing left behind. */
int srv_user_store_seed(const char *store, const char *bundled, struct db_error *err);

/* The files a store keeps beside it, named by their content (issue #18): PATH.files/ holds
 * each published PDF as <sha256>.pdf. Content-addressed, so a file is written once and never
 * changed, a store replaced by `import --fresh` or `restore` finds the same files, and two
 * disclosures of one file share it. */
#define SRV_FILES_DIR DB_FILES_DIR

/* Keeps the file src, whose SHA-256 is sha256 (64 hex digits), beside store as
 * PATH.files/<sha256><ext> unless it is there: a copy, written to a temporary name, synced
 * and renamed, so that no reader sees half a file. Returns 0, or -1 with a message (naming
 * the file at fault) in why. */
int srv_keep_file(const char *store, const char *src, const char *sha256, const char *ext,
                  char *why, size_t size);

/* PATH.files/name (name "" for the folder) into buf; false when it does not fit. */
bool srv_kept_path(char *buf, size_t size, const char *store, const char *name);

/* Whether store keeps PATH.files/name, a regular file; if so, marks it kept just now (its
 * times, and so its ctime, are now), so that `budgetctl prune` leaves it for its min_age as
 * it leaves a file just written: an import or restore that finds a file there uses it. */
bool srv_keep_again(const char *store, const char *name);

/* Keeps len bytes at data beside store as PATH.files/name unless a file of that name is
 * there (written as srv_keep_file() writes). Returns 0, or -1 with a message in why. */
int srv_keep_bytes(const char *store, const char *name, const void *data, size_t len, char *why,
                   size_t size);

/* Keeps every file store `from` keeps beside store `to` as well (hard links where they can
 * be, else copies). Returns 0, or -1 with a message in why. */
int srv_keep_all(const char *from, const char *to, char *why, size_t size);

/* Removes the files store keeps beside it, and their folder: for a store that goes with
 * them (a first import that failed). */
void srv_kept_remove(const char *store);

/* What `budgetctl prune` removes from PATH.files/: a PDF or page image none of the n files
 * the store names (sha256, ascending: db_with_named_files()) is, and a writer's temporary
 * whose process is gone; either only when it was kept (written, linked, found again: its
 * ctime) min_age seconds or more before now. Nothing else there is touched. */
struct srv_prune {
	const char *const *sha256;
	size_t n;
	time_t now, min_age;
	bool dry_run; /* count and report, remove nothing */
	void (*each)(void *ctx, const char *name, uint64_t bytes); /* each one removed, or NULL */
	void *ctx;
};

struct srv_pruned {
	size_t removed, kept, recent; /* files removed, named, left for their age */
	uint64_t bytes; /* of those removed */
};

/* Prunes PATH.files/ as p says, counting into out. Returns 0, or -1 with why filled when a
 * file cannot be removed (the ones before it are). */
int srv_kept_prune(const char *store, const struct srv_prune *p, struct srv_pruned *out, char *why,
                   size_t size);

/* Serving static files from one folder. */
struct srv_static;

/* Opens dir for serving; NULL (with errno) if it is not a readable folder. Free with
 * srv_static_free(). */
struct srv_static *srv_static_new(const char *dir);
void srv_static_free(struct srv_static *st);

/* Opens path for reading if it is a regular file, without ever waiting to open (a FIFO, a
 * socket, a device is refused, as is a symbolic link). Returns an fd the caller closes (or
 * hands to the HTTP library) with *sb its fstat, or -1. */
int srv_open_regular(const char *path, struct stat *sb);

/* Opens the file that URL path names, refusing anything outside the folder and anything
 * but a regular file (a FIFO, a socket, a device), without ever waiting to open. Returns an
 * fd the caller closes (or hands to the HTTP library), or -1; *sb and *type are set on
 * success (type is a static string). */
int srv_static_open(const struct srv_static *st, const char *path, struct stat *sb,
                    const char **type);

/* Reads the file fd, as srv_static_open() returned it with sb and type, into resp (status
 * 200, body, type, modified = the file's mtime), so it can be served like any answer (ETag,
 * gzip). Closes fd in every case. Returns 0, or -1 when the file is larger than 8 MiB, it
 * cannot be read, or memory runs out. */
int srv_static_read(int fd, const struct stat *sb, const char *type, struct api_response *resp);

struct srv_proxies; /* proxy.h */

struct srv_config {
	const char *bind;
	uint16_t port;
	const char *store;
	const char *later; /* a store to serve instead once it exists, while it does (or NULL) */
	const char *static_dir;
	unsigned threads;
	size_t cache_bytes; /* for ready responses */
	const char *access_log; /* NULL or "-": stderr; "off"; else a file */
	unsigned max_connections;
	unsigned per_ip; /* connections from one client (IPv4 address, IPv6 /64) */
	unsigned timeout; /* seconds a connection may stay idle (or dribble) between reads */
	const struct srv_proxies *proxies; /* --trusted-proxy; NULL: none */
};

/* Runs the daemon until SIGINT or SIGTERM (SIGHUP reopens the store and the access log).
 * Returns the process exit code. */
int srv_run(const struct srv_config *cfg);

/* The findings of the audit rules on doc (a validated import-format-2 document, as
 * db_doc_json() gives it): a new JSON array the caller releases with json_decref(), [] when
 * there are none, or NULL when the rules failed (the document is then imported without
 * findings). budgetctl import stores them with the document (db_import_add_findings). */
json_t *srv_findings_for(const json_t *doc);

/* sysexits-style exit codes shared by budgetd and budgetctl (README lists them). */
enum {
	SRV_EXIT_OK = 0,
	SRV_EXIT_NOT_FOUND = 1,
	SRV_EXIT_USAGE = 64,
	SRV_EXIT_DATA = 65,
	SRV_EXIT_NOINPUT = 66,
	SRV_EXIT_UNAVAILABLE = 69,
	SRV_EXIT_SOFTWARE = 70,
	SRV_EXIT_CANTCREAT = 73,
};

#endif
