// SPDX-License-Identifier: MIT
// Read queries for the API: the department list (filtered, paged), one department with its
// disclosures, and import times for Last-Modified. Disclosures themselves are read by
// export.c.
#include "internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Statements come from the connection's cache: reset, never finalize them. */
static int prepare(struct db *db, const char *sql, sqlite3_stmt **st, struct db_error *err)
{
	*st = db_stmt(db, sql, err);
	return *st != NULL ? 0 : -1;
}

static void done_with(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

static const char *text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* ---- figures kept between requests ---- */

/* Store-wide figures that take a scan (every disclosure, every department) but change only
 * with an import are kept by a read-only connection until PRAGMA data_version says another
 * connection committed. The version is read before the figure: a commit in between makes
 * the next call read it again. A writable connection always reads: its own commits do not
 * move its data_version. Returns true with *value when k holds key at the store's version;
 * else false, with *version to give kept_put() (-1: do not keep). */
static bool kept_get(struct db *db, const struct db_kept *k, int64_t key, int64_t *version,
                     int64_t *value)
{
	if (db->writable || db_data_version(db, version) != 0) {
		*version = -1;
		return false;
	}
	if (!k->known || k->version != *version || k->key != key)
		return false;
	*value = k->value;
	return true;
}

static void kept_put(struct db_kept *k, int64_t version, int64_t key, int64_t value)
{
	if (version < 0)
		return;
	*k = (struct db_kept){ true, version, key, value };
}

/* ---- the list ---- */

/* Matching departments with the name of their latest disclosure. ?1 year or NULL, ?2 the
 * substring or NULL. The latest is the greatest year, then kind ('final' after 'budget'),
 * then level ('department' before 'unit'), among disclosures with a record. It is found in
 * two steps, each in the order of the (department_id, year, kind, level) index: the latest
 * (year, kind) by a backward walk, then its first level. One ORDER BY mixing DESC and ASC
 * had SQLite build and sort a temporary b-tree per department (#17: the bundled store's
 * page 8.5 -> 5.5 us; 100 departments of the 2,000 x 5 store 389 -> 338 us). */
#define LATEST_NAME                                                                            \
	"(SELECT r.name FROM disclosure d JOIN department_record r ON r.disclosure_id = d.id " \
	"WHERE d.department_id = p.id AND (d.year, d.kind) = (SELECT d2.year, d2.kind FROM "   \
	"disclosure d2 JOIN department_record r2 ON r2.disclosure_id = d2.id WHERE "           \
	"d2.department_id = p.id ORDER BY d2.year DESC, d2.kind DESC LIMIT 1) "                \
	"ORDER BY d.level LIMIT 1)"
#define MATCHES                                                                         \
	"SELECT p.id AS id, p.slug AS slug, " LATEST_NAME " AS name FROM department p " \
	"WHERE EXISTS (SELECT 1 FROM disclosure d WHERE d.department_id = p.id AND "    \
	"(?1 IS NULL OR d.year = ?1))"
#define FILTER "WHERE ?2 IS NULL OR instr(name, ?2) > 0 OR instr(slug, ?2) > 0"

static void bind_query(sqlite3_stmt *st, const struct db_department_query *q)
{
	if (q != NULL && q->year != 0)
		sqlite3_bind_int(st, 1, q->year);
	if (q != NULL && q->q != NULL)
		sqlite3_bind_text(st, 2, q->q, -1, SQLITE_STATIC);
}

/* The count of a list without a substring is kept (by year): it reads every department
 * (367 us at 2,000 departments), and a full page asks for it. */
static int count_matches(struct db *db, const struct db_department_query *q, size_t *total,
                         struct db_error *err)
{
	bool keep = q == NULL || q->q == NULL;
	int64_t year = q != NULL ? q->year : 0, version = -1, n;
	sqlite3_stmt *st;
	int rc = -1;

	if (keep && kept_get(db, &db->department_count, year, &version, &n)) {
		*total = (size_t)n;
		return 0;
	}
	if (prepare(db, "SELECT count(*) FROM (" MATCHES ") " FILTER, &st, err) != 0)
		return -1;
	bind_query(st, q);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*total = (size_t)sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
	}
	done_with(st);
	if (rc == 0 && keep)
		kept_put(&db->department_count, version, year, (int64_t)*total);
	return rc;
}

/* What the list shows of one department besides its id: its years and its latest name. */
struct shown {
	int *years;
	size_t n_years, cap_years;
	char *name; /* NULL: no disclosure with a record */
	size_t cap_name;
	int year, final; /* of the disclosure named */
};

static int show_name(struct shown *s, const char *name, int year, int final)
{
	size_t len = strlen(name);

	if (len + 1 > s->cap_name) {
		char *grown = realloc(s->name, len + 1);
		if (grown == NULL)
			return -1;
		s->name = grown;
		s->cap_name = len + 1;
	}
	memcpy(s->name, name, len + 1);
	s->year = year;
	s->final = final;
	return 0;
}

static int show_year(struct shown *s, int year)
{
	if (s->n_years > 0 && s->years[s->n_years - 1] == year)
		return 0;
	if (s->n_years == s->cap_years) {
		size_t c = s->cap_years ? s->cap_years * 2 : 8;
		int *grown = realloc(s->years, c * sizeof(*grown));
		if (grown == NULL)
			return -1;
		s->years = grown;
		s->cap_years = c;
	}
	s->years[s->n_years++] = year;
	return 0;
}

/* The disclosures of one department in the order of the (department_id, year, kind, level)
 * index, each with its record's name (NULL without one). */
#define DISCLOSURES                                                                              \
	"SELECT d.year, d.kind = 'final', r.name FROM disclosure d LEFT JOIN department_record " \
	"r ON r.disclosure_id = d.id WHERE d.department_id = ? ORDER BY d.year, d.kind, d.level"

/* One department's years and name from one pass over its disclosures. The name is
 * LATEST_NAME's: in ascending order, a disclosure with a record in a later (year, kind)
 * than the one named so far takes over, and within one (year, kind) the first level stays.
 * Two correlated subqueries per department for the name, and a statement for its years,
 * were half of the list's SQLite time (#17, round 3). */
static int load_shown(sqlite3_stmt *st, int64_t id, struct shown *s)
{
	int step;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	s->n_years = 0;
	s->year = -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int year = sqlite3_column_int(st, 0), final = sqlite3_column_int(st, 1);
		const char *name = text(st, 2);

		if (show_year(s, year) != 0)
			return -1;
		if (name != NULL && (year != s->year || final != s->final) &&
		    show_name(s, name, year, final) != 0)
			return -1;
	}
	return step == SQLITE_DONE ? 0 : -1;
}

/* The page's departments in slug order. Without a substring no name is needed to choose
 * them, so LATEST_NAME is left out; with one, MATCHES filters by it. */
#define PAGE_IDS                                                                                \
	"SELECT p.id, p.slug FROM department p WHERE EXISTS (SELECT 1 FROM disclosure d WHERE " \
	"d.department_id = p.id AND (?1 IS NULL OR d.year = ?1)) ORDER BY p.slug LIMIT ?3 "     \
	"OFFSET ?4"
#define PAGE_MATCHES \
	"SELECT id, slug FROM (" MATCHES ") " FILTER " ORDER BY slug LIMIT ?3 OFFSET ?4"

/* Calls fn for each department of the page; *seen counts them, *done says whether the page
 * ran to its end (fn did not stop it). Returns 0, fn's non-zero value, or -1. */
static int walk_page(struct db *db, const struct db_department_query *query, db_department_fn fn,
                     void *ctx, size_t *seen, bool *done, struct db_error *err)
{
	bool named = query != NULL && query->q != NULL;
	sqlite3_stmt *st = NULL, *dst = NULL;
	struct shown s = { 0 };
	int rc = -1, step;

	if (prepare(db, named ? PAGE_MATCHES : PAGE_IDS, &st, err) != 0 ||
	    prepare(db, DISCLOSURES, &dst, err) != 0)
		goto done;
	bind_query(st, query);
	sqlite3_bind_int64(st, 3, query && query->limit ? (int64_t)query->limit : -1);
	sqlite3_bind_int64(st, 4, query ? (int64_t)query->offset : 0);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_department d = { text(st, 1), NULL, NULL, 0 };
		if (load_shown(dst, sqlite3_column_int64(st, 0), &s) != 0) {
			db_err_set(err, "%s",
			           sqlite3_errcode(db->sql) == SQLITE_OK ? "out of memory"
			                                                 : sqlite3_errmsg(db->sql));
			goto done;
		}
		d.name = s.year >= 0 ? s.name : NULL;
		d.years = s.years;
		d.n_years = s.n_years;
		++*seen;
		if ((rc = fn(ctx, &d)) != 0)
			goto done;
	}
	rc = step == SQLITE_DONE ? 0 : -1;
	*done = rc == 0;
	if (rc != 0)
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
done:
	free(s.years);
	free(s.name);
	done_with(st);
	done_with(dst);
	return rc;
}

int db_departments(struct db *db, const struct db_department_query *query, db_department_fn fn,
                   void *ctx, size_t *total, struct db_error *err)
{
	size_t seen = 0, offset = query ? query->offset : 0;
	size_t limit = query && query->limit ? query->limit : SIZE_MAX;
	bool done = false;
	int rc = walk_page(db, query, fn, ctx, &seen, &done, err);

	if (rc == -1 || total == NULL)
		return rc;
	/* A page that ended short, and is not past the end, holds the last match: the count
	 * follows from it without a second pass over every department (#17). */
	if (done && seen < limit && (seen > 0 || offset == 0)) {
		*total = offset + seen;
		return rc;
	}
	return count_matches(db, query, total, err) != 0 ? -1 : rc;
}

/* ---- one department ---- */

struct detail {
	struct db_disclosure_ref *refs;
	size_t n, cap;
	char **strings; /* owned copies of every string handed out, freed together */
	size_t n_strings, cap_strings;
	bool oom;
};

static bool grow(void **arr, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 16;
	void *a = realloc(*arr, c * size);
	if (a == NULL)
		return false;
	*arr = a;
	*cap = c;
	return true;
}

static const char *keep(struct detail *d, const unsigned char *s)
{
	char *copy;

	if (s == NULL)
		return NULL;
	if (!grow((void **)&d->strings, &d->cap_strings, d->n_strings + 1, sizeof(char *)) ||
	    (copy = strdup((const char *)s)) == NULL) {
		d->oom = true;
		return NULL;
	}
	d->strings[d->n_strings++] = copy;
	return copy;
}

static void detail_free(struct detail *d)
{
	for (size_t i = 0; i < d->n_strings; i++)
		free(d->strings[i]);
	free(d->strings);
	free(d->refs);
}

/* Appends the current row; the department's names are overwritten by each later year. */
static void detail_row(struct detail *d, sqlite3_stmt *st, struct db_department_detail *out)
{
	struct db_disclosure_ref *r;

	if (!grow((void **)&d->refs, &d->cap, d->n + 1, sizeof(*d->refs))) {
		d->oom = true;
		return;
	}
	r = &d->refs[d->n++];
	r->year = sqlite3_column_int(st, 0);
	r->kind = strcmp(text(st, 1), "final") == 0 ? "final" : "budget";
	r->level = strcmp(text(st, 9), "unit") == 0 ? "unit" : "department";
	r->title = keep(d, sqlite3_column_text(st, 2));
	r->published = keep(d, sqlite3_column_text(st, 3));
	r->imported_at = sqlite3_column_int64(st, 4);
	out->name = keep(d, sqlite3_column_text(st, 5));
	out->short_name = keep(d, sqlite3_column_text(st, 6));
	out->region = keep(d, sqlite3_column_text(st, 7));
	out->parent = keep(d, sqlite3_column_text(st, 8));
}

int db_department(struct db *db, const char *id, db_detail_fn fn, void *ctx, struct db_error *err)
{
	static const char sql[] =
	    "SELECT d.year, d.kind, d.title, d.published, d.imported_at, r.name, "
	    "r.short_name, r.region, r.parent, d.level FROM department p "
	    "JOIN disclosure d ON d.department_id = p.id "
	    "JOIN department_record r ON r.disclosure_id = d.id "
	    "WHERE p.slug = ? ORDER BY d.year, d.kind, d.level";
	struct detail d = { 0 };
	struct db_department_detail out = { .id = id };
	sqlite3_stmt *st;
	int rc = -1, step;

	if (prepare(db, sql, &st, err) != 0)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (!d.oom && (step = sqlite3_step(st)) == SQLITE_ROW)
		detail_row(&d, st, &out);
	if (d.oom) {
		db_err_set(err, "out of memory");
	} else if (step != SQLITE_DONE) {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
	} else if (d.n == 0) {
		err->code = DB_NOT_FOUND;
		db_err_set(err, "no department \"%s\"", id);
	} else {
		out.disclosures = d.refs;
		out.n_disclosures = d.n;
		rc = fn(ctx, &out);
	}
	done_with(st);
	detail_free(&d);
	return rc;
}

/* ---- import times ---- */

/* The store's latest import, kept (see kept_get): max(imported_at) reads every disclosure
 * (557 µs at 10,000, a third of a department list there), and a department list, search,
 * aggregate or page asks for it on every miss. */
static int latest_import(struct db *db, int64_t *imported_at, struct db_error *err)
{
	static const char all[] = "SELECT coalesce(max(imported_at), 0) FROM disclosure";
	int64_t version;
	sqlite3_stmt *st;
	int rc = -1;

	if (kept_get(db, &db->latest_import, 0, &version, imported_at))
		return 0;
	if (prepare(db, all, &st, err) != 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*imported_at = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
	}
	done_with(st);
	if (rc == 0)
		kept_put(&db->latest_import, version, 0, *imported_at);
	return rc;
}

int db_source_file(struct db *db, const char *department, int year, const char *kind,
                   const char *level, char sha256[65], char *file, size_t size,
                   int64_t *imported_at, struct db_error *err)
{
	sqlite3_stmt *st;
	struct db_dref r;
	const unsigned char *hex, *name;
	int rc;

	sha256[0] = file[0] = '\0';
	if (db_rdisclosure(db, department, year, kind, level, &r, err) != 0) {
		err->code = DB_NOT_FOUND;
		db_err_set(err, "no such disclosure");
		return -1;
	}
	*imported_at = r.imported_at;
	st = db_stmt(db, "SELECT sha256, file FROM source WHERE disclosure_id = ?", err);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r.id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		return db_rdone(db, st, rc, false, err);
	/* schema.sql checks the digits; a missing one is a disclosure typed in by hand */
	if ((hex = sqlite3_column_text(st, 0)) != NULL && strlen((const char *)hex) == 64) {
		name = sqlite3_column_text(st, 1);
		snprintf(sha256, 65, "%s", (const char *)hex);
		snprintf(file, size, "%s", name != NULL ? (const char *)name : "");
	}
	return db_rdone(db, st, SQLITE_DONE, false, err);
}

int db_modified(struct db *db, const char *department, int year, const char *kind,
                const char *level, int64_t *imported_at, struct db_error *err)
{
	struct db_dref r;

	if (department == NULL)
		return latest_import(db, imported_at, err);
	/* dmap.c: kept while the store is unchanged; any failure reads as before, not found */
	if (db_rdisclosure(db, department, year, kind, level, &r, err) != 0) {
		err->code = DB_NOT_FOUND;
		db_err_set(err, "no such disclosure");
		return -1;
	}
	*imported_at = r.imported_at;
	return 0;
}
