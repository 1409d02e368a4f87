// SPDX-License-Identifier: MIT
// The long CSV of the whole store, rewritten after every import (issue #17: 539 MB at 10,000
// disclosures, most of an import of one file). The disclosures follow one another in a fixed
// order, each its own run of lines, so the lines of a disclosure the import did not touch are
// copied from the previous CSV; PATH.amounts.idx says where each run lies:
//   budgetd-amounts-idx 2 SIZE MTIME_SEC MTIME_NSEC INODE      (of the CSV it describes)
//   OFFSET LENGTH IMPORTED_AT YEAR KIND LEVEL DEPARTMENT        (one per disclosure)
#include "amounts.h"

#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDX_MAGIC "budgetd-amounts-idx 2" /* 2: the box columns (#18) */

struct run {
	char *department;
	int year;
	char kind[8], level[12];
	int64_t imported_at;
	uint64_t offset, length;
	bool touched;
};

struct amounts_old {
	int fd; /* the old CSV, kept open: its lines stay readable after the rename */
	struct run *runs; /* sorted by key */
	size_t n, cap;
	char idx_text_path[4200];
	char *idx_text; /* the index as read, to put back */
	size_t idx_len;
};

static int key_cmp(const struct run *a, const struct run *b)
{
	int c = strcmp(a->department, b->department);

	if (c == 0)
		c = a->year - b->year;
	if (c == 0)
		c = strcmp(a->kind, b->kind);
	return c != 0 ? c : strcmp(a->level, b->level);
}

static int run_cmp(const void *a, const void *b)
{
	return key_cmp(a, b);
}

static struct run *find(struct amounts_old *old, const char *department, int year, const char *kind,
                        const char *level)
{
	struct run key = { .department = (char *)department, .year = year };

	snprintf(key.kind, sizeof(key.kind), "%s", kind);
	snprintf(key.level, sizeof(key.level), "%s", level);
	return old == NULL ? NULL : bsearch(&key, old->runs, old->n, sizeof(key), run_cmp);
}

static void old_free(struct amounts_old *old)
{
	if (old == NULL)
		return;
	for (size_t i = 0; i < old->n; i++)
		free(old->runs[i].department);
	free(old->runs);
	free(old->idx_text);
	if (old->fd >= 0)
		close(old->fd);
	free(old);
}

static int add_run(struct amounts_old *old, const char *line)
{
	struct run r = { 0 };
	char dept[300];

	if (sscanf(line, "%" SCNu64 " %" SCNu64 " %" SCNd64 " %d %7s %11s %299s", &r.offset,
	           &r.length, &r.imported_at, &r.year, r.kind, r.level, dept) != 7)
		return -1;
	if (old->n == old->cap) {
		size_t cap = old->cap ? old->cap * 2 : 1024;
		struct run *more = realloc(old->runs, cap * sizeof(*more));
		if (more == NULL)
			return -1;
		old->runs = more;
		old->cap = cap;
	}
	if ((r.department = strdup(dept)) == NULL)
		return -1;
	old->runs[old->n++] = r;
	return 0;
}

/* Parses the index text against the CSV open at old->fd. */
static int parse_idx(struct amounts_old *old, char *text)
{
	struct stat sb;
	unsigned long long size, sec, nsec, ino;
	char *line = text, *next;

	if (fstat(old->fd, &sb) != 0 ||
	    sscanf(text, IDX_MAGIC " %llu %llu %llu %llu", &size, &sec, &nsec, &ino) != 4 ||
	    size != (unsigned long long)sb.st_size ||
	    sec != (unsigned long long)sb.st_mtim.tv_sec ||
	    nsec != (unsigned long long)sb.st_mtim.tv_nsec || ino != (unsigned long long)sb.st_ino)
		return -1;
	for (line = strchr(text, '\n'); line != NULL && line[1] != '\0'; line = next) {
		next = strchr(++line, '\n');
		if (next == NULL || add_run(old, line) != 0)
			return -1;
		if (old->runs[old->n - 1].offset + old->runs[old->n - 1].length > size)
			return -1;
	}
	qsort(old->runs, old->n, sizeof(*old->runs), run_cmp);
	return 0;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)n + 1)) != NULL) {
		if (fread(text, 1, (size_t)n, f) != (size_t)n) {
			free(text);
			text = NULL;
		} else {
			text[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return text;
}

struct amounts_old *amounts_begin(const char *path)
{
	struct amounts_old *old = calloc(1, sizeof(*old));
	char csv[4200];
	char *copy = NULL;

	if (old == NULL)
		return NULL;
	old->fd = -1;
	snprintf(csv, sizeof(csv), "%s.amounts.csv", path);
	snprintf(old->idx_text_path, sizeof(old->idx_text_path), "%s.amounts.idx", path);
	old->idx_text = read_all(old->idx_text_path, &old->idx_len);
	if (old->idx_text != NULL && (copy = strdup(old->idx_text)) != NULL &&
	    (old->fd = open(csv, O_RDONLY | O_CLOEXEC)) >= 0 && parse_idx(old, copy) == 0) {
		free(copy);
		unlink(old->idx_text_path);
		return old;
	}
	free(copy);
	unlink(old->idx_text_path); /* of no use: it does not describe the CSV */
	old_free(old);
	return NULL;
}

void amounts_drop(struct amounts_old *old)
{
	old_free(old);
}

void amounts_keep(struct amounts_old *old, const char *path)
{
	char tmp[4300];
	FILE *f;

	(void)path;
	if (old == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", old->idx_text_path, (long)getpid());
	if ((f = fopen(tmp, "wb")) != NULL) {
		size_t n = fwrite(old->idx_text, 1, old->idx_len, f);
		if (fclose(f) != 0 || n != old->idx_len || rename(tmp, old->idx_text_path) != 0)
			unlink(tmp); /* best effort: the next import then writes the CSV whole */
	}
	old_free(old);
}

void amounts_touch(struct amounts_old *old, const char *department, int year, const char *kind,
                   const char *level)
{
	struct run *r = find(old, department, year, kind, level);

	if (r != NULL)
		r->touched = true;
}

/* ---- writing ---- */

struct writer {
	FILE *f;
	uint64_t offset; /* bytes written so far */
	uint64_t run_start;
	struct amounts_old *old;
	FILE *idx;
	char buf[1 << 16];
};

static int write_chunk(void *ctx, const char *buf, size_t len)
{
	struct writer *w = ctx;

	if (fwrite(buf, 1, len, w->f) != len)
		return -1;
	w->offset += len;
	return 0;
}

/* Copies run r's bytes from the old CSV. */
static int copy_run(struct writer *w, const struct run *r)
{
	uint64_t done = 0;

	while (done < r->length) {
		size_t want =
		    r->length - done < sizeof(w->buf) ? (size_t)(r->length - done) : sizeof(w->buf);
		ssize_t got = pread(w->old->fd, w->buf, want, (off_t)(r->offset + done));
		if (got <= 0 || write_chunk(w, w->buf, (size_t)got) != 0)
			return -1;
		done += (uint64_t)got;
	}
	return 0;
}

static int reuse(void *ctx, const char *department, const struct db_disclosure_ref *ref)
{
	struct writer *w = ctx;
	const struct run *r = find(w->old, department, ref->year, ref->kind, ref->level);

	w->run_start = w->offset;
	if (r == NULL || r->touched || r->imported_at != ref->imported_at)
		return 0;
	return copy_run(w, r) == 0 ? 1 : -1;
}

static int written(void *ctx, const char *department, const struct db_disclosure_ref *ref)
{
	struct writer *w = ctx;

	return fprintf(w->idx, "%" PRIu64 " %" PRIu64 " %" PRId64 " %d %s %s %s\n", w->run_start,
	               w->offset - w->run_start, ref->imported_at, ref->year, ref->kind, ref->level,
	               department) > 0
	           ? 0
	           : -1;
}

/* The index's first line, describing the CSV whose status is sb. */
static int idx_header(FILE *idx, const struct stat *sb)
{
	return fprintf(idx, IDX_MAGIC " %llu %llu %llu %llu\n", (unsigned long long)sb->st_size,
	               (unsigned long long)sb->st_mtim.tv_sec,
	               (unsigned long long)sb->st_mtim.tv_nsec, (unsigned long long)sb->st_ino) > 0
	           ? 0
	           : -1;
}

/* Writes the index: its header (of the CSV whose status is sb) and the runs kept in body. */
static int write_idx(const char *path, const struct stat *sb, FILE *body)
{
	char idx[4200], tmp[4300];
	FILE *f;
	int rc = -1;
	size_t n;
	char buf[1 << 14];

	snprintf(idx, sizeof(idx), "%s.amounts.idx", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", idx, (long)getpid());
	if ((f = fopen(tmp, "wb")) == NULL)
		return -1;
	rc = idx_header(f, sb);
	rewind(body);
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), body)) > 0)
		rc = fwrite(buf, 1, n, f) == n ? 0 : -1;
	if (fclose(f) != 0 || rc != 0 || rename(tmp, idx) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

int amounts_write(const char *path, struct amounts_old *old, struct db_error *err)
{
	struct writer *w = calloc(1, sizeof(*w));
	struct api_amounts_reuse hooks = { reuse, written, w };
	char csv[4200], tmp[4300];
	struct db *db = db_open(path, false, err);
	struct stat sb;
	int rc = -1;

	snprintf(csv, sizeof(csv), "%s.amounts.csv", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", csv, (long)getpid());
	if (w == NULL || db == NULL)
		goto done;
	w->old = old;
	if ((w->idx = tmpfile()) == NULL || (w->f = fopen(tmp, "wb")) == NULL) {
		snprintf(err->text, sizeof(err->text), "%s", strerror(errno));
		goto done;
	}
	rc = api_amounts_store_reusing(db, write_chunk, w, &hooks, NULL, err);
	/* The index names the file by inode, size and mtime, which the rename keeps. */
	if (fclose(w->f) != 0 || (rc == 0 && (stat(tmp, &sb) != 0 || rename(tmp, csv) != 0))) {
		snprintf(err->text, sizeof(err->text), "%s", strerror(errno));
		rc = -1;
	}
	w->f = NULL;
	/* Without its index the CSV is still right: the next import rewrites it whole. */
	if (rc == 0)
		(void)write_idx(path, &sb, w->idx);
done:
	if (rc != 0)
		unlink(tmp);
	if (w != NULL && w->idx != NULL)
		fclose(w->idx);
	free(w);
	db_close(db);
	old_free(old);
	return rc;
}

bool amounts_current(const char *path)
{
	char csv[4200], want[1024], got[1024];
	size_t n = api_amounts_header(want, sizeof(want));
	ssize_t r;
	int fd;

	snprintf(csv, sizeof(csv), "%s.amounts.csv", path);
	if ((fd = open(csv, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT;
	r = read(fd, got, n);
	close(fd);
	return r == (ssize_t)n && memcmp(got, want, n) == 0;
}
