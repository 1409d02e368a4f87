// SPDX-License-Identifier: MIT
// The disclosures a connection has looked up (slug, year, kind, level -> id, unit, import
// time), kept until PRAGMA data_version moves (#17, round 4): a random table or project list
// then skips the department's slug index, the disclosure's index and its row, three leaf
// pages of a 3 GB store that are rarely in SQLite's page cache.
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* At most DMAP_MAX disclosures are kept (a 2,000 x 5 store's 10,000 take ~1 MB); past that
 * the map starts afresh. Slots are twice that, a power of two. */
#define DMAP_MAX 16384
#define DMAP_SLOTS (2 * DMAP_MAX)

struct dmap_entry {
	uint64_t hash;
	int year;
	int64_t id, imported_at;
	const char *unit; /* in text, after the key */
	char text[]; /* "slug\0kind\0level\0unit\0" */
};

struct db_dmap {
	int64_t version; /* -1 before the first */
	size_t n, misses; /* misses: since the version was read */
	char *unit; /* the last unit read from the store */
	struct dmap_entry *slots[DMAP_SLOTS];
};

static uint64_t mix(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (h ^ 0xff) * 1099511628211u; /* the terminator: "ab","c" is not "a","bc" */
}

static uint64_t key_hash(const char *dep, int year, const char *kind, const char *level)
{
	uint64_t h = mix(mix(mix(14695981039346656037u, dep), kind), level);

	return (h ^ (uint64_t)(unsigned)year) * 1099511628211u;
}

static bool same(const struct dmap_entry *e, uint64_t hash, const char *dep, int year,
                 const char *kind, const char *level)
{
	const char *k = e->text;

	if (e->hash != hash || e->year != year || strcmp(k, dep) != 0)
		return false;
	k += strlen(k) + 1;
	if (strcmp(k, kind) != 0)
		return false;
	k += strlen(k) + 1;
	return strcmp(k, level) == 0;
}

static void clear(struct db_dmap *m)
{
	for (size_t i = 0; i < DMAP_SLOTS && m->n > 0; i++) {
		if (m->slots[i] != NULL) {
			free(m->slots[i]);
			m->slots[i] = NULL;
			m->n--;
		}
	}
	m->n = 0;
}

void db_dmap_free(struct db_dmap *m)
{
	if (m == NULL)
		return;
	clear(m);
	free(m->unit);
	free(m);
}

/* The slot of the key: its entry's, or the empty one where it would go. */
static struct dmap_entry **slot(struct db_dmap *m, uint64_t hash, const char *dep, int year,
                                const char *kind, const char *level)
{
	size_t i = (size_t)hash & (DMAP_SLOTS - 1);

	while (m->slots[i] != NULL && !same(m->slots[i], hash, dep, year, kind, level))
		i = (i + 1) & (DMAP_SLOTS - 1);
	return &m->slots[i];
}

/* Keeps a found disclosure; a failed allocation only means it is not kept. */
static void put(struct db_dmap *m, uint64_t hash, const char *dep, int year, const char *kind,
                const char *level, const struct db_dref *r)
{
	size_t nd = strlen(dep) + 1, nk = strlen(kind) + 1, nl = strlen(level) + 1;
	size_t nu = strlen(r->unit) + 1;
	struct dmap_entry *e, **s;

	if (m->n >= DMAP_MAX)
		clear(m);
	if ((e = malloc(sizeof(*e) + nd + nk + nl + nu)) == NULL)
		return;
	e->hash = hash;
	e->year = year;
	e->id = r->id;
	e->imported_at = r->imported_at;
	memcpy(e->text, dep, nd);
	memcpy(e->text + nd, kind, nk);
	memcpy(e->text + nd + nk, level, nl);
	memcpy(e->text + nd + nk + nl, r->unit, nu);
	e->unit = e->text + nd + nk + nl;
	s = slot(m, hash, dep, year, kind, level);
	free(*s); /* NULL: put() follows a miss */
	*s = e;
	m->n++;
}

/* The disclosure from the store. The text is the one read_table.c and read_projects.c ran
 * before the map: one cached statement. The unit is copied to *unit (malloc'd, the old one
 * freed). */
static int lookup(struct db *db, const char *dep, int year, const char *kind, const char *level,
                  struct db_dref *r, char **unit, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT d.id, d.unit, d.imported_at FROM disclosure d JOIN "
	                           "department p ON p.id = d.department_id WHERE p.slug = ? AND "
	                           "d.year = ? AND d.kind = ? AND d.level = ?",
	                           err);
	bool oom = false;
	int rc;

	if (st == NULL)
		return -1;
	if ((rc = db_rfind(st, dep, year, kind, level, err)) < 0)
		return -1;
	if (rc == SQLITE_ROW) {
		r->id = sqlite3_column_int64(st, 0);
		r->imported_at = sqlite3_column_int64(st, 2);
		free(*unit);
		oom = (*unit = strdup((const char *)sqlite3_column_text(st, 1))) == NULL;
		r->unit = *unit;
		rc = SQLITE_DONE;
	}
	return db_rdone(db, st, rc, oom, err);
}

/* Keeps every disclosure of the store (up to DMAP_MAX), in one scan of the disclosures: some
 * 2 ms of CPU at 10,000, the cost of a dozen lookups. Not done before FILL_AFTER misses at
 * one data_version: an import that commits every few milliseconds would have every
 * connection scan the store again after each commit. A failure only leaves the map as it is. */
#define FILL_AFTER 64
static void fill(struct db *db, struct db_dmap *m)
{
	sqlite3_stmt *st = db_stmt(db,
	                           "SELECT p.slug, d.year, d.kind, d.level, d.id, d.imported_at, "
	                           "d.unit FROM disclosure d JOIN department p ON p.id = "
	                           "d.department_id",
	                           NULL);

	if (st == NULL)
		return;
	while (m->n < DMAP_MAX && sqlite3_step(st) == SQLITE_ROW) {
		const char *dep = (const char *)sqlite3_column_text(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 2);
		const char *level = (const char *)sqlite3_column_text(st, 3);
		int year = sqlite3_column_int(st, 1);
		uint64_t hash = dep && kind && level ? key_hash(dep, year, kind, level) : 0;
		struct db_dref r = { sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
			             (const char *)sqlite3_column_text(st, 6) };
		if (dep != NULL && kind != NULL && level != NULL && r.unit != NULL &&
		    *slot(m, hash, dep, year, kind, level) == NULL)
			put(m, hash, dep, year, kind, level, &r);
	}
	sqlite3_reset(st);
}

/* Whether m may serve and keep disclosures: it is emptied when another connection committed
 * since it was filled. Not on a writable connection (its own commits do not move
 * data_version) nor when the version cannot be read. */
static bool fresh(struct db *db, struct db_dmap *m)
{
	int64_t version;

	if (db->writable || db_data_version(db, &version) != 0)
		return false;
	if (m->version != version) {
		clear(m);
		m->version = version;
		m->misses = 0;
	}
	return true;
}

int db_rdisclosure(struct db *db, const char *dep, int year, const char *kind, const char *level,
                   struct db_dref *r, struct db_error *err)
{
	uint64_t hash = key_hash(dep, year, kind, level);
	struct dmap_entry *e;
	bool keep;

	if (db->dmap == NULL) {
		if ((db->dmap = calloc(1, sizeof(*db->dmap))) == NULL) {
			db_err_set(err, "out of memory");
			return -1;
		}
		db->dmap->version = -1;
	}
	if ((keep = fresh(db, db->dmap)) && (e = *slot(db->dmap, hash, dep, year, kind, level))) {
		*r = (struct db_dref){ e->id, e->imported_at, e->unit };
		return 0;
	}
	if (lookup(db, dep, year, kind, level, r, &db->dmap->unit, err) != 0)
		return -1;
	if (keep && ++db->dmap->misses == FILL_AFTER)
		fill(db, db->dmap);
	else if (keep)
		put(db->dmap, hash, dep, year, kind, level, r);
	return 0;
}
