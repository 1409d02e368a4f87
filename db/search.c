// SPDX-License-Identifier: MIT
// The search index: every text a disclosure publishes, each distinct text stored once and
// each place that says it an entry (derived.sql); a text said by fewer than SHARED_FROM
// entries indexed as each of them, one said by more as itself, once (two FTS5 tables);
// written in the import transaction, and the query that reads it (the latest matching
// entries of the texts indexed per entry, merged with the
// entries of the shared texts that match: ranked, filtered, paged).
#include "internal.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* The years a disclosure may have (schema.sql). */
#define YEAR_MIN 1990
#define YEAR_MAX 2100

/* What an entry is: the order of db_search_hits[], bits 20..23 of its rowid. */
enum {
	H_DEPARTMENT,
	H_DISCLOSURE,
	H_TABLE,
	H_ROW,
	H_PROJECT,
	H_INDICATOR,
	H_EXPLANATION,
	H_GLOSSARY,
	H_OVERVIEW,
	H_SANGONG
};

const char *const db_search_hits[] = { "department", "disclosure", "table",       "row",
	                               "project",    "indicator",  "explanation", "glossary",
	                               "overview",   "sangong",    NULL };

/* Texts joined by one space, the absent ones left out (NULL when all are). */
#define J2(a, b) "nullif(trim(ifnull(" a " || ' ', '') || ifnull(" b ", '')), '')"

/* Every entry of disclosure ?1 (hit, o1, o2, name, body, path, and the parts of its place:
 * k1, v1, k2, v2, place_of()) but its tables' rows
 * (table_rows_sql), in no order: numbered within its hit by published order (o1, o2) in C
 * (write_entries()), which costs less than SQL's window over a sort of every row with its
 * texts. */
// clang-format off
static const char derive_sql[] =
	/* department: the names it published in this disclosure */
	"SELECT 0 AS hit, 0 AS o1, 0 AS o2, name, "
	J2(J2("short_name", "region"), "parent") " AS body, '' AS path, "
	"NULL AS k1, NULL AS v1, NULL AS k2, NULL AS v2 "
	"FROM department_record WHERE disclosure_id = ?1 "
	/* disclosure: its title, and the texts of its parts that are not lists */
	"UNION ALL SELECT 1, 0, 0, title, (SELECT document FROM source WHERE disclosure_id = ?1), "
	"'', NULL, NULL, NULL, NULL FROM disclosure WHERE id = ?1 "
	"UNION ALL SELECT 1, 1, 0, NULL, reason, '', '{\"part\":', 'operating_costs', NULL, NULL "
	"FROM operating_costs WHERE disclosure_id = ?1 AND reason IS NOT NULL "
	"UNION ALL SELECT 1, 2, 0, NULL, text, '', '{\"part\":', 'performance', NULL, NULL "
	"FROM performance_summary WHERE disclosure_id = ?1 AND text IS NOT NULL "
	"UNION ALL SELECT 1, 3, 0, NULL, " J2(J2("legal_source", "basis"), "text") ", '', "
	"'{\"part\":', 'withheld', NULL, NULL FROM withheld WHERE disclosure_id = ?1 "
	/* tables (their rows: table_rows_sql) */
	"UNION ALL SELECT 2, position, 0, title, " J2("note", "unplaced_note") ", "
	"'/tables/' || number, '{\"table\":', number, NULL, NULL "
	"FROM budget_table WHERE disclosure_id = ?1 "
	/* projects: every text in one entry (one hit per project), then each indicator */
	"UNION ALL SELECT 4, p.position, 0, p.name, "
	J2(J2(J2(J2(J2(J2("p.summary", "p.plan"), "p.policy_basis"), "p.executing_unit"),
	         "a.text"),
	      "(SELECT group_concat(item, ' ') FROM (SELECT item FROM allocation_item "
	      "WHERE allocation_id = a.id ORDER BY position))"),
	   "g.objective") ", "
	"'/projects/' || p.slug, '{\"project\":', p.slug, NULL, NULL FROM project p "
	"LEFT JOIN allocation a ON a.project_id = p.id "
	"LEFT JOIN performance_target g ON g.project_id = p.id "
	"WHERE p.disclosure_id = ?1 AND p.name IS NOT NULL "
	"UNION ALL SELECT 5, p.position, i.position, i.name, i.value, '/projects/' || p.slug, "
	"'{\"project\":', p.slug, ',\"indicator\":', i.position FROM indicator i "
	"JOIN performance_target g ON g.id = i.target_id JOIN project p ON p.id = g.project_id "
	"WHERE p.disclosure_id = ?1 AND i.name IS NOT NULL "
	/* 说明: the title, each paragraph, each figure's label and reason */
	"UNION ALL SELECT 6, position, -1, title, NULL, '', '{\"explanation\":', key, NULL, NULL "
	"FROM explanation WHERE disclosure_id = ?1 "
	"UNION ALL SELECT 6, e.position, x.position, NULL, x.value, '', "
	"'{\"explanation\":', e.key, ',\"paragraph\":', x.position FROM explanation_paragraph x "
	"JOIN explanation e ON e.id = x.explanation_id WHERE e.disclosure_id = ?1 "
	"UNION ALL SELECT 6, e.position, 100000 + f.position, f.label, "
	J2("f.reason", "f.detail") ", '', "
	"'{\"explanation\":', e.key, ',\"figure\":', f.position FROM explanation_figure f "
	"JOIN explanation e ON e.id = f.explanation_id WHERE e.disclosure_id = ?1 "
	"UNION ALL SELECT 7, position, 0, term, definition, '', '{\"glossary\":', position, NULL, "
	"NULL FROM glossary_term WHERE disclosure_id = ?1 "
	/* 概况: functions, the organization's text, its internal units and units */
	"UNION ALL SELECT 8, 0, position, NULL, value, '', '{\"overview\":', 'functions', "
	"',\"index\":', position FROM department_function WHERE disclosure_id = ?1 "
	"UNION ALL SELECT 8, 1, 0, NULL, text, '', '{\"overview\":', 'organization', NULL, NULL "
	"FROM organization WHERE disclosure_id = ?1 AND text IS NOT NULL "
	"UNION ALL SELECT 8, 2, u.position, NULL, u.value, '', '{\"overview\":', 'internal_units', "
	"',\"index\":', u.position FROM internal_unit u "
	"JOIN organization o ON o.id = u.organization_id WHERE o.disclosure_id = ?1 "
	"UNION ALL SELECT 8, 3, u.position, u.name, " J2("u.type", "u.note") ", '', "
	"'{\"overview\":', 'units', ',\"index\":', u.position FROM organization_unit u "
	"JOIN organization o ON o.id = u.organization_id WHERE o.disclosure_id = ?1 "
	/* 三公: each item's label and the reason given for its change */
	"UNION ALL SELECT 9, i.position, 0, i.label, i.reason, '/sangong', '{\"sangong\":', i.key, "
	"NULL, NULL FROM sangong_item i JOIN sangong s ON s.id = i.sangong_id "
	"WHERE s.disclosure_id = ?1";
// clang-format on

/* The rows of disclosure ?1's tables (hit H_ROW): their entries' texts are put together in C
 * (keep_table_row()), as SQL's string functions would, at half their cost (a third of
 * the entries are rows). */
static const char table_rows_sql[] =
    "SELECT t.position, r.position, r.code1, r.code2, r.code3, r.code_printed, r.name, "
    "r.project_name, t.number FROM table_row r JOIN budget_table t ON t.id = r.table_id "
    "WHERE t.disclosure_id = ?1";

/* Runs text with ?1 the disclosure and ?2 a rowid base (when text has a ?2). */
static int run(sqlite3 *sql, const char *text, int64_t disclosure, int64_t base,
               struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(sql, text, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, disclosure);
	sqlite3_bind_int64(st, 2, base);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	rc = 0;
	goto done;
fail:
	db_err_set(err, "search index: %s", sqlite3_errmsg(sql));
done:
	sqlite3_finalize(st);
	return rc;
}

/* The first rowid of a disclosure's entries (derived.sql: year, disclosure, hit, n). */
static int64_t base_of(int year, int64_t disclosure)
{
	return (int64_t)(year - YEAR_MIN) << 56 | disclosure << 24;
}

/* The length of the UTF-8 character at s (1 for a stray byte). */
static size_t char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	for (size_t k = 1; k < n; k++)
		if (((unsigned char)s[k] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* Called with each gram of an entry's name (1 or 2 characters, at most 8 bytes). */
typedef int (*gram_fn)(void *ctx, int64_t entry, const char *gram, size_t len);

/* Calls fn for each character and pair of characters of name, ASCII letters lowercased (as
 * the query's short terms are). Returns 0, or fn's first error. */
static int each_gram(int64_t entry, const char *name, gram_fn fn, void *ctx)
{
	char low[4096];
	size_t len = 0;

	for (; name[len] != '\0' && len < sizeof(low) - 1; len++)
		low[len] = name[len] >= 'A' && name[len] <= 'Z' ? (char)(name[len] - 'A' + 'a')
		                                                : name[len];
	low[len] = '\0';
	for (size_t i = 0; i < len;) {
		size_t a = char_len(low + i), b = i + a < len ? char_len(low + i + a) : 0;
		for (size_t g = a; g <= a + b; g += b > 0 ? b : 1)
			if (fn(ctx, entry, low + i, g) != 0)
				return -1;
		i += a;
	}
	return 0;
}

/* A gram_fn: runs the statement ctx with ?1 the gram and ?2 the entry. */
static int run_gram(void *ctx, int64_t entry, const char *gram, size_t len)
{
	sqlite3_stmt *st = ctx;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, gram, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, entry);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* Runs gram_sql for every gram of every name in the disclosure's range at base. */
static int grams(sqlite3 *sql, const char *gram_sql, int64_t base, struct db_error *err)
{
	sqlite3_stmt *names = NULL, *st = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(sql,
	                       "SELECT entry, name FROM search_name WHERE entry BETWEEN ?1 AND "
	                       "?1 + (1 << 24) - 1",
	                       -1, &names, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, gram_sql, -1, &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(names, 1, base);
	while ((step = sqlite3_step(names)) == SQLITE_ROW)
		if (each_gram(sqlite3_column_int64(names, 0),
		              (const char *)sqlite3_column_text(names, 1), run_gram, st) != 0)
			goto done;
	rc = step == SQLITE_DONE ? 0 : -1;
done:
	if (rc != 0)
		db_err_set(err, "search index: %s", sqlite3_errmsg(sql));
	sqlite3_finalize(names);
	sqlite3_finalize(st);
	return rc;
}

/* A text column's bytes: s NULL when the value is NULL. */
struct span {
	const char *s;
	int n;
};

static struct span span_of(sqlite3_stmt *st, int col)
{
	struct span v = { (const char *)sqlite3_column_text(st, col), 0 };

	v.n = sqlite3_column_bytes(st, col);
	return v;
}

static bool span_eq(struct span a, struct span b)
{
	/* memcmp() of a NULL (an absent text) is undefined even for 0 bytes (UBSan). */
	return (a.s == NULL) == (b.s == NULL) && a.n == b.n &&
	       (a.n == 0 || memcmp(a.s, b.s, (size_t)a.n) == 0);
}

/* Binds v as text, not copied (SQLITE_STATIC): st is stepped before v's bytes go. */
static void bind_span(sqlite3_stmt *st, int param, struct span v)
{
	if (v.s == NULL)
		sqlite3_bind_null(st, param);
	else
		sqlite3_bind_text(st, param, v.s, v.n, SQLITE_STATIC);
}

/* A text's key in search_text (derived.sql): FNV-1a over name and body, each marked absent
 * or present, so that (NULL, "x") and ("", "x") differ. Stored: it may never change. */
#define FNV_PRIME 0x100000001b3ULL

static int64_t text_key(struct span name, struct span body)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const struct span col[2] = { name, body };

	for (int c = 0; c < 2; c++) {
		const unsigned char *s = (const unsigned char *)col[c].s;
		int i = 0;
		h = (h ^ (s != NULL ? 1u : 2u)) * FNV_PRIME;
		if (s == NULL)
			continue;
		/* four bytes a turn: the same steps, with a quarter of the loop's tests */
		for (; i + 4 <= col[c].n; i += 4) {
			h = (h ^ s[i]) * FNV_PRIME;
			h = (h ^ s[i + 1]) * FNV_PRIME;
			h = (h ^ s[i + 2]) * FNV_PRIME;
			h = (h ^ s[i + 3]) * FNV_PRIME;
		}
		for (; i < col[c].n; i++)
			h = (h ^ s[i]) * FNV_PRIME;
	}
	return (int64_t)h;
}

/* The texts a flush has seen, so that search_text is asked once per distinct text rather
 * than once per entry (at 10,000 files 4,110,000 entries say 23,000 texts): each with its
 * id (0 until it is added to search_text) and a copy of its name and body, as two texts may
 * have one key. list keeps them in the order seen; slots is an open-addressed table of
 * list indexes + 1 (0: empty), by key. Emptied between disclosures past TEXTS_MAX bytes,
 * as a store of texts that seldom repeat would otherwise be copied whole into memory. */
#define TEXTS_MAX (64u << 20)

struct text {
	int64_t key, id;
	int64_t refs; /* its entries before this flush, and whether search_shared indexes it */
	bool shared;
	struct span name, body; /* in one allocation, at name.s or else body.s */
};

struct texts {
	struct text *list;
	size_t n, cap, bytes;
	uint32_t *slots;
	size_t mask;
};

static void texts_free(struct texts *t)
{
	for (size_t i = 0; i < t->n; i++)
		free((void *)(t->list[i].name.s != NULL ? t->list[i].name.s : t->list[i].body.s));
	free(t->list);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* The slot of the text (key, name, body), or the empty slot where it would go. */
static size_t texts_slot(const struct texts *t, int64_t key, struct span name, struct span body)
{
	size_t at = (size_t)((uint64_t)key ^ (uint64_t)key >> 32) & t->mask;

	for (; t->slots[at] != 0; at = (at + 1) & t->mask) {
		const struct text *x = &t->list[t->slots[at] - 1];
		if (x->key == key && span_eq(x->name, name) && span_eq(x->body, body))
			break;
	}
	return at;
}

/* Doubles the slots (at least 1024), placing the texts again. */
static int texts_grow(struct texts *t)
{
	size_t size = t->slots != NULL ? (t->mask + 1) * 2 : 1024;
	uint32_t *old = t->slots;

	if ((t->slots = calloc(size, sizeof(*t->slots))) == NULL) {
		t->slots = old;
		return -1;
	}
	t->mask = size - 1;
	for (size_t i = 0; i < t->n; i++)
		t->slots[texts_slot(t, t->list[i].key, t->list[i].name, t->list[i].body)] =
		    (uint32_t)(i + 1);
	free(old);
	return 0;
}

/* Adds a copy of (key, name, body), not in t, with id. Returns its index in list, or -1 (out
 * of memory). */
static int64_t texts_add(struct texts *t, int64_t key, struct span name, struct span body,
                         int64_t id)
{
	size_t len = (name.s ? (size_t)name.n + 1 : 0) + (body.s ? (size_t)body.n + 1 : 0);
	struct text x = { .key = key, .id = id, .name = name, .body = body };
	char *copy = NULL;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct text *list = realloc(t->list, cap * sizeof(*list));
		if (list == NULL)
			return -1;
		t->list = list;
		t->cap = cap;
	}
	if (((t->n + 1) * 2 > t->mask + 1 || t->slots == NULL) && texts_grow(t) != 0)
		return -1;
	if (len > 0 && (copy = malloc(len)) == NULL)
		return -1;
	if (name.s != NULL) {
		x.name.s = memcpy(copy, name.s, (size_t)name.n);
		copy += name.n + 1;
	}
	if (body.s != NULL)
		x.body.s = memcpy(copy, body.s, (size_t)body.n);
	t->list[t->n] = x;
	t->slots[texts_slot(t, key, name, body)] = (uint32_t)(t->n + 1);
	t->bytes += len;
	return (int64_t)t->n++;
}

/* A text kept in rows.bytes: at its offset (SIZE_MAX for NULL), n bytes. */
struct kept {
	size_t at;
	int n;
};

/* One entry of the disclosure being gathered, as derive_sql gives it: its hit and published
 * order (o1, o2; seq, the order given, for ties), its text (index in texts.list), its path
 * and place. */
struct row {
	int64_t o1, o2;
	int hit;
	size_t seq, text;
	struct kept path, place;
};

struct rows {
	struct row *at, *spare; /* spare: room for sort_rows(), spare_cap rows */
	size_t n, cap, spare_cap;
	char *bytes;
	size_t used, size;
};

static void rows_free(struct rows *r)
{
	free(r->at);
	free(r->spare);
	free(r->bytes);
	memset(r, 0, sizeof(*r));
}

/* A copy of v in r->bytes (on failure *ok turns false). */
static struct kept rows_keep(struct rows *r, struct span v, bool *ok)
{
	struct kept k = { SIZE_MAX, v.n };

	if (v.s == NULL)
		return k;
	if (r->used + (size_t)v.n >= r->size) { /* never NULL, even for "" */
		size_t size = (r->used + (size_t)v.n) * 2 + 256;
		char *bytes = realloc(r->bytes, size);
		if (bytes == NULL) {
			*ok = false;
			return k;
		}
		r->bytes = bytes;
		r->size = size;
	}
	if (v.n > 0) /* an empty text with nothing kept yet: r->bytes is NULL */
		memcpy(r->bytes + r->used, v.s, (size_t)v.n);
	k.at = r->used;
	r->used += (size_t)v.n;
	return k;
}

/* What rows_keep() kept, valid until r->bytes grows. */
static struct span rows_span(const struct rows *r, struct kept k)
{
	struct span v = { k.at != SIZE_MAX ? r->bytes + k.at : NULL, k.n };

	return v;
}

/* By hit, then published order: the order entries are numbered in (derive_sql). */
static int by_order(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->hit != y->hit)
		return x->hit < y->hit ? -1 : 1;
	if (x->o1 != y->o1)
		return x->o1 < y->o1 ? -1 : 1;
	if (x->o2 != y->o2)
		return x->o2 < y->o2 ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts r->at by_order(): by hit first in one pass (a stable counting sort, into r->spare,
 * which then swaps with r->at), then each hit's rows only if they are out of order. The rows
 * come in derive_sql's order, each hit's mostly in published order already (but for the
 * explanations' titles, paragraphs and figures), and qsort() of them all cost more than
 * the pass. */
static int sort_rows(struct rows *r)
{
	size_t next[H_SANGONG + 2] = { 0 }, cap;
	struct row *swap;

	for (size_t i = 0; i < r->n; i++) {
		if (r->at[i].hit < 0 || r->at[i].hit > H_SANGONG) {
			qsort(r->at, r->n, sizeof(*r->at), by_order);
			return 0;
		}
		next[r->at[i].hit + 1]++;
	}
	if (r->spare_cap < r->cap) {
		free(r->spare);
		if ((r->spare = malloc(r->cap * sizeof(*r->spare))) == NULL) {
			r->spare_cap = 0;
			return -1;
		}
		r->spare_cap = r->cap;
	}
	for (int h = 1; h <= H_SANGONG + 1; h++)
		next[h] += next[h - 1];
	for (size_t i = 0; i < r->n; i++)
		r->spare[next[r->at[i].hit]++] = r->at[i];
	swap = r->at;
	r->at = r->spare;
	r->spare = swap;
	cap = r->cap;
	r->cap = r->spare_cap;
	r->spare_cap = cap;
	/* next[h] is now where hit h + 1 starts */
	for (int h = 0; h <= H_SANGONG; h++) {
		size_t from = h > 0 ? next[h - 1] : 0, to = next[h];
		for (size_t i = from + 1; i < to; i++)
			if (by_order(&r->at[i - 1], &r->at[i]) > 0) {
				qsort(r->at + from, to - from, sizeof(*r->at), by_order);
				break;
			}
	}
	return 0;
}

/* A text is indexed by each entry that says it (search) until SHARED_FROM entries say it;
 * from then on once (search_shared). A text said by a few entries costs a few FTS5 rows,
 * and a query reads its matches latest first and stops after the window; a text said by
 * many would cost as many rows, and is read as its entries' list instead. At 10,000 files,
 * 32 leaves 347 texts shared (3,900,000 of 4,110,000 entries); 2 left 20,347, and a query
 * matching 2,003 of them (业务运转经费项目, 20 entries each) read 32,000 rows of their lists. */
#define SHARED_FROM 32
#define STR_(x) #x
#define STR(x) STR_(x)
#define SHARED_FROM_S STR(SHARED_FROM)

/* The pending entries counted by text (n: how many, entry: the latest) as they are written,
 * in a hash of their texts, for temp.search_count: GROUP BY text sorted the 4,110,000 entries
 * of 10,000 files (3.0 s of CPU), and reading them back from a temporary table cost a pass
 * more. With the text's refs and shared as they were before the flush. Keyed by text id, 0 a
 * free slot (ids start at 1). */
struct text_count {
	int64_t text, n, entry, refs;
	bool shared;
};

struct text_counts {
	struct text_count *v;
	size_t n, cap; /* cap a power of two, kept at most half full */
};

/* Where text's search starts in a table of cap slots (Fibonacci hashing). */
static size_t slot_of(int64_t text, size_t cap)
{
	return (size_t)(((uint64_t)text * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

static int counts_grow(struct text_counts *c)
{
	size_t cap = c->cap ? 2 * c->cap : 1024, at;
	struct text_count *v = calloc(cap, sizeof(*v));

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < c->cap; i++) {
		if (c->v[i].text == 0)
			continue;
		for (at = slot_of(c->v[i].text, cap); v[at].text != 0; at = (at + 1) & (cap - 1))
			;
		v[at] = c->v[i];
	}
	free(c->v);
	c->v = v;
	c->cap = cap;
	return 0;
}

/* The count of text in c, or the free slot where it would go. */
static struct text_count *count_of(const struct text_counts *c, int64_t text)
{
	size_t at;

	for (at = slot_of(text, c->cap); c->v[at].text != 0 && c->v[at].text != text;
	     at = (at + 1) & (c->cap - 1))
		;
	return &c->v[at];
}

/* Counts an entry of text t; entries come in ascending order, so the last is the latest.
 * Returns its count, or NULL (out of memory). */
static struct text_count *count_entry(struct text_counts *c, const struct text *t, int64_t entry)
{
	struct text_count *x;

	if (2 * (c->n + 1) > c->cap && counts_grow(c) != 0)
		return NULL;
	if ((x = count_of(c, t->id))->text == 0) {
		x->text = t->id;
		x->refs = t->refs;
		x->shared = t->shared;
		c->n++;
	}
	x->n++;
	x->entry = entry;
	return x;
}

/* Whether search indexes the text counted by x as each of its entries, once they are all
 * written. */
static bool per_entry(const struct text_count *x)
{
	return !x->shared && x->refs + x->n < SHARED_FROM;
}

/* The pending entries search may index (of texts per_entry() when each was written: at most
 * SHARED_FROM a text), in ascending order. */
struct single {
	int64_t entry, text;
};

struct singles {
	struct single *v;
	size_t n, cap;
};

static int single_add(struct singles *l, int64_t entry, int64_t text)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		struct single *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].entry = entry;
	l->v[l->n++].text = text;
	return 0;
}

/* The statements that write the pending disclosures' entries: derive_sql's and
 * table_rows_sql's rows; a text not seen in this flush looked up in search_text, or added to
 * it; the entry, into temp.search_new, or into search_entry where it stays (a bulk flush into
 * an empty index: direct_begin()); the names that queries of 1 or 2 characters look in
 * (departments' and projects'). With the texts seen, the current disclosure's rows, room to
 * put a table row's name together, the entries counted by text and those search may index.
 * Freed by writer_free(). */
struct writer {
	sqlite3_stmt *rows, *table_rows, *find, *text, *entry, *entries, *name, *quote;
	struct texts texts;
	struct rows pending;
	char *scratch;
	size_t scratch_size;
	struct text_counts counts;
	struct singles singles;
	bool fresh; /* search_text was empty, and every text since is in texts */
};

/* An entry, and ENTRIES_AT_ONCE of them in one statement (entries): 16 were a quarter cheaper
 * than one at a time, 64 another 0.15 % of a 100-file import's instructions. Into
 * temp.search_new, or straight into search_entry (direct_begin()). */
#define ENTRY_SQL(into) "INSERT INTO " into " (entry, text, path, place) VALUES (?,?,?,?)"
#define ENTRIES_AT_ONCE 64

static void writer_free(struct writer *w)
{
	sqlite3_finalize(w->rows);
	sqlite3_finalize(w->table_rows);
	sqlite3_finalize(w->find);
	sqlite3_finalize(w->text);
	sqlite3_finalize(w->entry);
	sqlite3_finalize(w->entries);
	sqlite3_finalize(w->name);
	sqlite3_finalize(w->quote);
	texts_free(&w->texts);
	rows_free(&w->pending);
	free(w->scratch);
	free(w->counts.v);
	free(w->singles.v);
	memset(w, 0, sizeof(*w));
}

static int writer_init(sqlite3 *sql, struct writer *w, bool direct, bool fresh)
{
	const char *one = direct ? ENTRY_SQL("search_entry") : ENTRY_SQL("temp.search_new");
	char entries[sizeof(ENTRY_SQL("temp.search_new")) + ENTRIES_AT_ONCE * sizeof(",(?,?,?,?)")];

	strcpy(entries, one);
	for (int i = 1; i < ENTRIES_AT_ONCE; i++)
		strcat(entries, ",(?,?,?,?)");
	memset(w, 0, sizeof(*w));
	w->fresh = fresh;
	if (sqlite3_prepare_v2(sql, derive_sql, -1, &w->rows, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, table_rows_sql, -1, &w->table_rows, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql,
	                       "SELECT id, refs, shared FROM search_text WHERE key = ?1 AND "
	                       "name IS ?2 AND body IS ?3",
	                       -1, &w->find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, "INSERT INTO search_text (key, name, body) VALUES (?1, ?2, ?3)",
	                       -1, &w->text, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, one, -1, &w->entry, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, entries, -1, &w->entries, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, "INSERT INTO search_name (entry, name) VALUES (?1, ?2)", -1,
	                       &w->name, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, "SELECT json_quote(?1)", -1, &w->quote, NULL) != SQLITE_OK) {
		writer_free(w);
		return -1;
	}
	return 0;
}

/* Looks the text (key, name, body) up in search_text: into t its id, refs and shared, or
 * nothing when it is not there. 0, or -1 on error. */
static int find_text(struct writer *w, struct text *t)
{
	int rc = 0;

	sqlite3_reset(w->find);
	sqlite3_bind_int64(w->find, 1, t->key);
	bind_span(w->find, 2, t->name);
	bind_span(w->find, 3, t->body);
	switch (sqlite3_step(w->find)) {
	case SQLITE_ROW:
		t->id = sqlite3_column_int64(w->find, 0);
		t->refs = sqlite3_column_int64(w->find, 1);
		t->shared = sqlite3_column_int(w->find, 2) != 0;
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = -1;
	}
	sqlite3_reset(w->find);
	return rc;
}

/* The index in w->texts of (name, body): its id found in search_text when this flush has not
 * seen it, 0 when it is not there either (not looked for while w->fresh: every text this
 * flush added is in w->texts, and there were none before). -1 on error. */
static int64_t text_of(struct writer *w, struct span name, struct span body)
{
	struct text t = { .key = text_key(name, body), .name = name, .body = body };
	int64_t i;
	size_t at;

	if (w->texts.slots != NULL &&
	    w->texts.slots[at = texts_slot(&w->texts, t.key, name, body)] != 0)
		return (int64_t)w->texts.slots[at] - 1;
	if (!w->fresh && find_text(w, &t) != 0)
		return -1;
	if ((i = texts_add(&w->texts, t.key, name, body, t.id)) >= 0) {
		w->texts.list[i].refs = t.refs;
		w->texts.list[i].shared = t.shared;
	}
	return i;
}

/* An entry as derive_sql or table_rows_sql says it. */
struct said {
	int hit;
	int64_t o1, o2;
	struct span name, body, path, place;
};

/* Keeps entry e in w->pending. */
static int keep(struct writer *w, const struct said *e)
{
	struct rows *r = &w->pending;
	struct row x = { .o1 = e->o1, .o2 = e->o2, .hit = e->hit, .seq = r->n };
	int64_t text;
	bool ok = true;

	if ((text = text_of(w, e->name, e->body)) < 0)
		return -1;
	x.text = (size_t)text;
	x.path = rows_keep(r, e->path, &ok);
	x.place = rows_keep(r, e->place, &ok);
	if (!ok)
		return -1;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 512;
		struct row *at = realloc(r->at, cap * sizeof(*at));
		if (at == NULL)
			return -1;
		r->at = at;
		r->cap = cap;
	}
	r->at[r->n++] = x;
	return 0;
}

/* Whether st's columns (a list ending at -1) are integers. Positions and table numbers are
 * (schema.sql: INTEGER NOT NULL, a list's index; a number 1-99): anything else is refused
 * rather than ordered or written otherwise than SQL would. */
static bool integers(sqlite3_stmt *st, const int *cols)
{
	for (; *cols >= 0; cols++)
		if (sqlite3_column_type(st, *cols) != SQLITE_INTEGER)
			return false;
	return true;
}

/* Makes w->scratch at least size + 1 bytes. */
static int scratch_room(struct writer *w, size_t size)
{
	char *scratch;

	if (size + 1 <= w->scratch_size)
		return 0;
	if ((scratch = realloc(w->scratch, (size + 1) * 2)) == NULL)
		return -1;
	w->scratch = scratch;
	w->scratch_size = (size + 1) * 2;
	return 0;
}

/* Appends v to w->scratch at *len. */
static int scratch_add(struct writer *w, size_t *len, struct span v)
{
	if (scratch_room(w, *len + (size_t)v.n) != 0)
		return -1;
	if (v.n > 0) /* v.s is NULL for an absent text */
		memcpy(w->scratch + *len, v.s, (size_t)v.n);
	*len += (size_t)v.n;
	return 0;
}

/* A table row's name, in w->scratch, as derive_sql said it: ltrim(ifnull(code1, '') ||
 * ifnull(code2, '') || ifnull(code3, '') || ifnull(' ' || code_printed, '') || ifnull(' ' ||
 * name, '')), the code as 2010399 and as printed, then the name (never NULL). */
static int table_row_name(struct writer *w, sqlite3_stmt *st, struct span *name)
{
	static const struct span space = { " ", 1 };
	size_t len = 0, skip = 0;

	for (int col = 2; col <= 6; col++) {
		struct span v = span_of(st, col);
		if (v.s != NULL && ((col >= 5 && scratch_add(w, &len, space) != 0) ||
		                    scratch_add(w, &len, v) != 0))
			return -1;
	}
	while (skip < len && w->scratch[skip] == ' ')
		skip++;
	name->s = len > 0 ? w->scratch + skip : "";
	name->n = (int)(len - skip);
	return 0;
}

/* Appends the characters of s and the decimal digits of v (as SQLite writes an integer) at
 * out, which has room (20 digits and a sign): the end. */
static char *put(char *out, const char *s, long long v)
{
	char digits[24], *d = digits + sizeof(digits);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;

	do
		*--d = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--d = '-';
	out = stpcpy(out, s);
	memcpy(out, d, (size_t)(digits + sizeof(digits) - d));
	return out + (digits + sizeof(digits) - d);
}

/* Writes at out the JSON string of v's bytes, escaped as SQLite's json_object() escapes
 * them (json.c, jsonAppendString()): '"' and '\\' after a backslash, \b \t \n \f \r, the
 * other control characters as \u00xx, every other byte as it is. At most 6 * v.n + 2 bytes:
 * the end. */
static char *put_json_string(char *out, struct span v)
{
	static const char special[32] = {
		['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r'
	};

	*out++ = '"';
	for (int i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.s[i];
		if (c == '"' || c == '\\') {
			*out++ = '\\';
		} else if (c < 0x20 && special[c] != 0) {
			*out++ = '\\';
			c = (unsigned char)special[c];
		} else if (c < 0x20) {
			out = stpcpy(out, c < 0x10 ? "\\u000" : "\\u001");
			c = (unsigned char)"0123456789abcdef"[c & 0xf];
		}
		*out++ = (char)c;
	}
	*out++ = '"';
	return out;
}

/* Appends k (as it is) and column col of st as json_object() writes a value: an integer's
 * digits, a text as a JSON string, null; anything else (a real, a blob) as json_quote()
 * itself writes it. */
static int json_add(struct writer *w, size_t *len, struct span k, sqlite3_stmt *st, int col)
{
	int type = sqlite3_column_type(st, col);
	struct span v = type == SQLITE_TEXT ? span_of(st, col) : (struct span){ NULL, 0 };
	char *out;

	if (type != SQLITE_INTEGER && type != SQLITE_TEXT && type != SQLITE_NULL) {
		sqlite3_reset(w->quote);
		sqlite3_bind_value(w->quote, 1, sqlite3_column_value(st, col));
		if (sqlite3_step(w->quote) != SQLITE_ROW)
			return -1;
		return scratch_add(w, len, k) != 0 ? -1 : scratch_add(w, len, span_of(w->quote, 0));
	}
	/* k, and an integer (20 digits and a sign), "null" or the string escaped, and '}' */
	if (scratch_room(w, *len + (size_t)k.n + 24 + (size_t)v.n * 6) != 0)
		return -1;
	out = w->scratch + *len;
	if (k.n > 0)
		out = (char *)memcpy(out, k.s, (size_t)k.n) + k.n;
	if (type == SQLITE_INTEGER)
		out = put(out, "", sqlite3_column_int64(st, col));
	else if (type == SQLITE_TEXT)
		out = put_json_string(out, v);
	else
		out = stpcpy(out, "null");
	*len = (size_t)(out - w->scratch);
	return 0;
}

/* An entry's place, in w->scratch, as json_object() said it, from derive_sql's columns 6-9:
 * the JSON up to its first value (NULL: the entry has none), that value, then the JSON
 * between the first and the second value and that value when there is a second (the texts
 * before a value are derive_sql's literals, '{"project":' and ',"indicator":', written as
 * they are). Built here: a call of json_object() for each entry cost more. */
static int place_of(struct writer *w, struct span *place)
{
	sqlite3_stmt *st = w->rows;
	struct span k1 = span_of(st, 6), k2;
	size_t len = 0;

	place->s = NULL;
	place->n = 0;
	if (k1.s == NULL)
		return 0;
	if (json_add(w, &len, k1, st, 7) != 0)
		return -1;
	k2 = span_of(st, 8);
	if (k2.s != NULL && json_add(w, &len, k2, st, 9) != 0)
		return -1;
	w->scratch[len++] = '}'; /* json_add() left room */
	place->s = w->scratch;
	place->n = (int)len;
	return 0;
}

/* Keeps derive_sql's current row. */
static int keep_derived(struct writer *w)
{
	static const int positions[] = { 1, 2, -1 };
	struct said e = { .hit = sqlite3_column_int(w->rows, 0) };

	if (!integers(w->rows, positions) || place_of(w, &e.place) != 0)
		return -1;
	e.o1 = sqlite3_column_int64(w->rows, 1);
	e.o2 = sqlite3_column_int64(w->rows, 2);
	e.name = span_of(w->rows, 3);
	e.body = span_of(w->rows, 4);
	e.path = span_of(w->rows, 5);
	return keep(w, &e);
}

/* Keeps table_rows_sql's current row: path '/tables/' || number, place json_object('table',
 * number, 'row', position), all integers (snprintf() cost three times as much). */
static int keep_table_row(struct writer *w)
{
	static const int integer_cols[] = { 0, 1, 8, -1 };
	sqlite3_stmt *st = w->table_rows;
	struct said e = { .hit = H_ROW };
	char path[48], place[96];
	long long number;

	if (!integers(st, integer_cols) || table_row_name(w, st, &e.name) != 0)
		return -1;
	e.o1 = sqlite3_column_int64(st, 0);
	e.o2 = sqlite3_column_int64(st, 1);
	number = sqlite3_column_int64(st, 8);
	e.body = span_of(st, 7);
	e.path.s = path;
	e.path.n = (int)(put(path, "/tables/", number) - path);
	e.place.s = place;
	e.place.n =
	    (int)(stpcpy(put(put(place, "{\"table\":", number), ",\"row\":", e.o2), "}") - place);
	return keep(w, &e);
}

/* Keeps every row of st (bound to a disclosure) with keep_one(). */
static int keep_all(struct writer *w, sqlite3_stmt *st, int64_t disclosure,
                    int (*keep_one)(struct writer *))
{
	int step;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, disclosure);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (keep_one(w) != 0)
			return -1;
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : -1;
}

/* The id of text t, added to search_text when it is not there yet: -1 on error. */
static int64_t text_id(sqlite3 *sql, struct writer *w, struct text *t)
{
	if (t->id != 0)
		return t->id;
	sqlite3_reset(w->text);
	sqlite3_bind_int64(w->text, 1, t->key);
	bind_span(w->text, 2, t->name);
	bind_span(w->text, 3, t->body);
	if (sqlite3_step(w->text) != SQLITE_DONE)
		return -1;
	return t->id = sqlite3_last_insert_rowid(sql);
}

/* Binds the entry of row x, numbered entry, to st's parameters from + 1..4 (its text added
 * to search_text first if new), and writes its name if it is a department's or a
 * project's. */
static int bind_entry(sqlite3 *sql, struct writer *w, sqlite3_stmt *st, int from,
                      const struct row *x, int64_t entry)
{
	struct text *t = &w->texts.list[x->text];
	struct text_count *c;
	int64_t id;

	if ((id = text_id(sql, w, t)) < 0 || (c = count_entry(&w->counts, t, entry)) == NULL ||
	    (per_entry(c) && single_add(&w->singles, entry, id) != 0))
		return -1;
	sqlite3_bind_int64(st, from + 1, entry);
	sqlite3_bind_int64(st, from + 2, id);
	bind_span(st, from + 3, rows_span(&w->pending, x->path));
	bind_span(st, from + 4, rows_span(&w->pending, x->place));
	if ((x->hit != H_DEPARTMENT && x->hit != H_PROJECT) || t->name.s == NULL)
		return 0;
	sqlite3_reset(w->name);
	sqlite3_bind_int64(w->name, 1, entry);
	bind_span(w->name, 2, t->name);
	return sqlite3_step(w->name) == SQLITE_DONE ? 0 : -1;
}

/* Writes the entries and names of disclosure at base, numbered within their hit in
 * published order from base, their new texts added in that order. Returns 0, or -1
 * (sqlite3_errmsg()). */
static int write_entries(sqlite3 *sql, struct writer *w, int64_t disclosure, int64_t base)
{
	struct rows *r = &w->pending;
	int64_t n = 0;

	if (w->texts.bytes > TEXTS_MAX) {
		texts_free(&w->texts);
		w->fresh = false;
	}
	r->n = r->used = 0;
	if (keep_all(w, w->rows, disclosure, keep_derived) != 0 ||
	    keep_all(w, w->table_rows, disclosure, keep_table_row) != 0)
		return -1;
	if (r->n > 1 && sort_rows(r) != 0) /* none: r->at may be NULL */
		return -1;
	for (size_t i = 0, k; i < r->n; i += k) {
		sqlite3_stmt *st = r->n - i >= ENTRIES_AT_ONCE ? w->entries : w->entry;
		k = st == w->entries ? ENTRIES_AT_ONCE : 1;
		sqlite3_reset(st);
		for (size_t j = i; j < i + k; j++) {
			n = j > 0 && r->at[j].hit == r->at[j - 1].hit ? n + 1 : 0;
			if (bind_entry(sql, w, st, (int)(j - i) * 4, &r->at[j],
			               base | (int64_t)r->at[j].hit << 20 | n) != 0)
				return -1;
		}
		if (sqlite3_step(st) != SQLITE_DONE)
			return -1;
	}
	return 0;
}

/* The disclosures whose entries flush() writes, by rowid base: one with each import of a
 * disclosure, all of a bulk import's at its end (db_search_finish()). */
static const char pending_sql[] = "CREATE TEMP TABLE IF NOT EXISTS search_pending ("
                                  "base INTEGER PRIMARY KEY, disclosure INTEGER NOT NULL)";

static bool pending_exists(sqlite3 *sql)
{
	return sqlite3_table_column_metadata(sql, "temp", "search_pending", NULL, NULL, NULL, NULL,
	                                     NULL, NULL) == SQLITE_OK;
}

/* Writes the pending disclosures' entries into search_entry, adding their new texts to
 * search_text (ids above the largest there was) and their names to search_name; w counts
 * them by text. */
static int gather(sqlite3 *sql, struct writer *w)
{
	sqlite3_stmt *list = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(sql,
	                       "SELECT base, disclosure FROM temp.search_pending ORDER BY base", -1,
	                       &list, NULL) != SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(list)) == SQLITE_ROW)
		if (write_entries(sql, w, sqlite3_column_int64(list, 1),
		                  sqlite3_column_int64(list, 0)) != 0)
			goto done;
	rc = step == SQLITE_DONE ? 0 : -1;
done:
	sqlite3_finalize(list);
	return rc;
}

/* The varint at *p (SQLite's: 7 bits a byte, high bit set when more follow, the ninth byte
 * whole), within end; *p moves past it. 0 past the end. */
static uint64_t varint(const unsigned char **p, const unsigned char *end)
{
	uint64_t v = 0;

	for (int i = 0; *p < end; i++) {
		unsigned char c = *(*p)++;
		if (i == 8)
			return v << 8 | c;
		v = v << 7 | (c & 0x7f);
		if ((c & 0x80) == 0)
			break;
	}
	return v;
}

/* The new texts' column sizes, as FTS5 counted them when it indexed them: its docsize row,
 * a varint per column, read by sizes_sql (text, sz, entries; ?1 the last text there was).
 * (FTS5's xColumnSize reads nothing outside a full-text query.) Their counts of entries are
 * written with them: each write of a text rewrites its row, long texts and all. */
static const char *const sizes_sql[] = {
	"SELECT d.id, d.sz, c.n FROM search_shared_docsize d JOIN temp.search_count c ON "
	"c.text = d.id WHERE d.id > ?1",
	"SELECT c.text, d.sz, c.n FROM temp.search_count c JOIN search_docsize d ON d.id = c.entry "
	"WHERE c.text > ?1 AND c.n < " SHARED_FROM_S,
};

static int size_texts(sqlite3 *sql, const char *sizes_text, int64_t after)
{
	sqlite3_stmt *sizes = NULL, *put = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(sql, sizes_text, -1, &sizes, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
	        sql,
	        "UPDATE search_text SET name_size = ?2, body_size = ?3, refs = ?4 WHERE id = ?1",
	        -1, &put, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(sizes, 1, after);
	while ((step = sqlite3_step(sizes)) == SQLITE_ROW) {
		const unsigned char *sz = sqlite3_column_blob(sizes, 1);
		const unsigned char *end = sz + sqlite3_column_bytes(sizes, 1);
		sqlite3_reset(put);
		sqlite3_bind_int64(put, 1, sqlite3_column_int64(sizes, 0));
		for (int col = 0; col < 2; col++)
			sqlite3_bind_int64(put, 2 + col, (int64_t)varint(&sz, end));
		sqlite3_bind_int64(put, 4, sqlite3_column_int64(sizes, 2));
		if (sqlite3_step(put) != SQLITE_DONE)
			goto done;
	}
	rc = step == SQLITE_DONE ? 0 : -1;
done:
	sqlite3_finalize(sizes);
	sqlite3_finalize(put);
	return rc;
}

static int by_text_id(const void *a, const void *b)
{
	int64_t x = ((const struct text_count *)a)->text, y = ((const struct text_count *)b)->text;

	return (x > y) - (x < y);
}

/* Writes the counts in text order (search_count's rowid order: each row appended). */
static int put_counts(sqlite3 *sql, struct text_counts *c)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	int rc = -1;

	for (size_t i = 0; i < c->cap; i++)
		if (c->v[i].text != 0)
			c->v[n++] = c->v[i];
	if (n > 1) /* none: c->v may be NULL */
		qsort(c->v, n, sizeof(*c->v), by_text_id);
	if (sqlite3_prepare_v2(sql,
	                       "INSERT INTO temp.search_count (text, n, entry) VALUES (?1, ?2, ?3)",
	                       -1, &st, NULL) != SQLITE_OK)
		goto done;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c->v[i].text);
		sqlite3_bind_int64(st, 2, c->v[i].n);
		sqlite3_bind_int64(st, 3, c->v[i].entry);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/* Writes into temp.search_new the pending entries that search indexes: of the texts still
 * per_entry() with every entry counted (w->counts is still a hash), in ascending order. */
static int put_singles(sqlite3 *sql, struct writer *w)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(sql, "INSERT INTO temp.search_single (entry, text) VALUES (?1, ?2)",
	                       -1, &st, NULL) != SQLITE_OK)
		goto done;
	for (size_t i = 0; i < w->singles.n; i++) {
		const struct single *x = &w->singles.v[i];
		if (!per_entry(count_of(&w->counts, x->text)))
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, x->entry);
		sqlite3_bind_int64(st, 2, x->text);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

/* The entries gather() counted, into temp.search_count (text, n, entry: the latest) and
 * temp.search_single (entry, text: those search indexes). */
static int put_counted(sqlite3 *sql, struct writer *w)
{
	if (sqlite3_exec(
	        sql,
	        "CREATE TEMP TABLE search_count (text INTEGER PRIMARY KEY, n INTEGER, "
	        "entry INTEGER); "
	        "CREATE TEMP TABLE search_single (entry INTEGER PRIMARY KEY, text INTEGER)",
	        NULL, NULL, NULL) != SQLITE_OK ||
	    (w->counts.n > 0 && put_singles(sql, w) != 0)) /* none: counts.v may be NULL */
		return -1;
	return put_counts(sql, &w->counts);
}

/* After put_counted(), the pending entries written: a text not yet shared that SHARED_FROM
 * entries say with the new ones leaves search (each of its entries but the new ones, told
 * the values it indexed) and goes into search_shared, once; the new entries of the texts
 * left unshared (temp.search_single) go into search. Each in one INSERT ... SELECT in rowid order (FTS5's insert of a row costs
 * about twice as much one statement at a time, and a rowid not above the last one makes it
 * write a segment). Then the counts of entries of the texts there were before (refs > 0:
 * size_texts() gives the new ones theirs), the entries and the statistics, from the same
 * counts (the pending entries grouped once). */
static const char index_new_sql[] =
    "INSERT INTO search (search, rowid, name, body) SELECT 'delete', e.entry, t.name, t.body "
    "FROM temp.search_count c JOIN search_text t ON t.id = c.text JOIN search_entry e ON "
    "e.text = t.id WHERE t.refs > 0 AND t.shared = 0 AND t.refs + c.n >= " SHARED_FROM_S
    " ORDER BY e.entry; "
    "INSERT INTO search_shared (rowid, name, body) SELECT t.id, t.name, t.body FROM "
    "temp.search_count c JOIN search_text t ON t.id = c.text WHERE t.shared = 0 AND "
    "t.refs + c.n >= " SHARED_FROM_S " ORDER BY t.id; "
    "UPDATE search_text SET shared = 1 FROM temp.search_count c WHERE c.text = "
    "search_text.id AND search_text.shared = 0 AND search_text.refs + c.n >= " SHARED_FROM_S "; "
    "INSERT INTO search (rowid, name, body) SELECT n.entry, t.name, t.body FROM "
    "temp.search_single n JOIN search_text t ON t.id = n.text ORDER BY n.entry; "
    "UPDATE search_text SET refs = refs + c.n FROM temp.search_count c WHERE c.text = "
    "search_text.id AND search_text.refs > 0";
static const char entries_new_sql[] =
    "INSERT INTO search_entry (entry, text, path, place) SELECT entry, text, path, place "
    "FROM temp.search_new ORDER BY entry; DROP TABLE temp.search_new";
static const char stat_new_sql[] =
    "UPDATE search_stat SET entries = entries + (SELECT ifnull(sum(n), 0) FROM "
    "temp.search_count), "
    "name_size = name_size + (SELECT ifnull(sum(c.n * t.name_size), 0) FROM "
    "temp.search_count c JOIN search_text t ON t.id = c.text), "
    "body_size = body_size + (SELECT ifnull(sum(c.n * t.body_size), 0) FROM "
    "temp.search_count c JOIN search_text t ON t.id = c.text); "
    "DROP TABLE temp.search_single; DROP TABLE temp.search_count";

/* The pending names' grams, gathered in memory, sorted and written in key order: one at a
 * time, each name's grams land all over search_gram's b-tree. Sorted here rather than
 * through a temporary table and its ORDER BY, which wrote and read each gram twice more
 * (10,000 files: 3.4-3.8 s of CPU, 1.6-1.7 now). */
struct gram {
	int64_t entry;
	size_t len;
	char s[8];
};

struct gram_list {
	struct gram *v;
	size_t n, cap;
};

/* A gram_fn: adds the gram to the gram_list ctx. */
static int add_gram(void *ctx, int64_t entry, const char *gram, size_t len)
{
	struct gram_list *l = ctx;
	struct gram *more;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		if ((more = realloc(l->v, cap * sizeof(*more))) == NULL)
			return -1;
		l->v = more;
		l->cap = cap;
	}
	l->v[l->n].entry = entry;
	l->v[l->n].len = len;
	memcpy(l->v[l->n].s, gram, len);
	l->n++;
	return 0;
}

/* search_gram's order: the gram as SQLite compares TEXT (BINARY: bytes, then length), then
 * the entry. */
static int by_gram(const void *pa, const void *pb)
{
	const struct gram *a = pa, *b = pb;
	int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);

	if (c != 0)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return (a->entry > b->entry) - (a->entry < b->entry);
}

/* Writes l's grams in order, each once (a name may say a gram twice): GRAMS_AT_ONCE to a
 * statement, as a statement's run cost more than its row (10,000 files: 1.6 million grams). */
#define GRAM_SQL "INSERT OR IGNORE INTO search_gram (gram, entry) VALUES (?,?)"
#define GRAMS_AT_ONCE 32

static int put_grams(sqlite3 *sql, struct gram_list *l)
{
	char many[sizeof(GRAM_SQL) + GRAMS_AT_ONCE * sizeof(",(?,?)")] = GRAM_SQL;
	sqlite3_stmt *one = NULL, *st = NULL;
	size_t n = 0;
	int rc = -1;

	for (int i = 1; i < GRAMS_AT_ONCE; i++)
		strcat(many, ",(?,?)");
	if (l->n > 1) /* none: l->v may be NULL */
		qsort(l->v, l->n, sizeof(*l->v), by_gram);
	for (size_t i = 0; i < l->n; i++)
		if (i == 0 || by_gram(&l->v[n - 1], &l->v[i]) != 0)
			l->v[n++] = l->v[i];
	if (sqlite3_prepare_v2(sql, GRAM_SQL, -1, &one, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sql, many, -1, &st, NULL) != SQLITE_OK)
		goto done;
	for (size_t i = 0, k; i < n; i += k) {
		sqlite3_stmt *at = n - i >= GRAMS_AT_ONCE ? st : one;
		k = at == st ? GRAMS_AT_ONCE : 1;
		sqlite3_reset(at);
		for (size_t j = 0; j < k; j++) {
			sqlite3_bind_text(at, (int)j * 2 + 1, l->v[i + j].s, (int)l->v[i + j].len,
			                  SQLITE_STATIC);
			sqlite3_bind_int64(at, (int)j * 2 + 2, l->v[i + j].entry);
		}
		if (sqlite3_step(at) != SQLITE_DONE)
			goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(one);
	sqlite3_finalize(st);
	return rc;
}

static int write_pending_grams(sqlite3 *sql, struct db_error *err)
{
	sqlite3_stmt *list = NULL;
	struct gram_list l = { 0 };
	int rc = -1, step;

	if (sqlite3_prepare_v2(
	        sql,
	        "SELECT n.entry, n.name FROM temp.search_pending p JOIN search_name n "
	        "ON n.entry BETWEEN p.base AND p.base + (1 << 24) - 1",
	        -1, &list, NULL) != SQLITE_OK)
		goto fail;
	while ((step = sqlite3_step(list)) == SQLITE_ROW)
		if (each_gram(sqlite3_column_int64(list, 0),
		              (const char *)sqlite3_column_text(list, 1), add_gram, &l) != 0) {
			db_err_set(err, "search index: out of memory");
			goto done;
		}
	sqlite3_finalize(list);
	list = NULL;
	if (step != SQLITE_DONE || put_grams(sql, &l) != 0)
		goto fail;
	rc = 0;
	goto done;
fail:
	db_err_set(err, "search index: %s", sqlite3_errmsg(sql));
done:
	sqlite3_finalize(list);
	free(l.v);
	return rc;
}

/* Drops the index name, with *create its CREATE statement (the caller frees it, and runs it
 * to build the index again: the store ends with the same definition); *create NULL when
 * there is no such index. 0, or -1 on error. */
static int index_drop(sqlite3 *sql, const char *name, char **create)
{
	sqlite3_stmt *st = NULL;
	char drop[64];
	int step = SQLITE_ERROR;

	*create = NULL;
	if (sqlite3_prepare_v2(sql,
	                       "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if ((step = sqlite3_step(st)) == SQLITE_ROW)
			*create = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st); /* a table read by a pending statement cannot lose an index */
	if (step != SQLITE_ROW)
		return step == SQLITE_DONE ? 0 : -1;
	snprintf(drop, sizeof(drop), "DROP INDEX %s", name);
	if (*create == NULL || sqlite3_exec(sql, drop, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* A bulk flush into an empty search_entry (a fresh import; an upgrade deriving again)
 * writes the entries straight into it, not into temp.search_new and then copied (4,170,000
 * at 10,000 files), with search_entry_text dropped and built at the end by one sort: round
 * 6's straight write with the index kept was slower at 10,000 files, each entry's index
 * insert landing all over a b-tree larger than the cache between the gather's reads. No
 * text has entries there yet, so nothing the flush reads through the index is missed.
 * Returns 1 with *index the index's CREATE statement (index_drop(); NULL when there was
 * none), 0 when the flush goes through temp.search_new, -1 on error. */
static int direct_begin(sqlite3 *sql, bool bulk, char **index)
{
	sqlite3_stmt *st = NULL;
	int step = SQLITE_ERROR;

	*index = NULL;
	if (!bulk)
		return 0;
	if (sqlite3_prepare_v2(sql, "SELECT 1 FROM search_entry LIMIT 1", -1, &st, NULL) ==
	    SQLITE_OK)
		step = sqlite3_step(st);
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) /* a row: the flush goes through temp.search_new */
		return step == SQLITE_ROW ? 0 : -1;
	return index_drop(sql, "search_entry_text", index) == 0 ? 1 : -1;
}

/* Writes the pending disclosures' entries, texts and names into search_entry, search_text
 * and search_name, through temp.search_new unless direct, and counts them by text. */
static int write_pending(sqlite3 *sql, bool direct, bool fresh)
{
	struct writer w;
	int rc = -1;

	if ((!direct && sqlite3_exec(sql,
	                             "CREATE TEMP TABLE search_new (entry INTEGER PRIMARY KEY, "
	                             "text INTEGER, path, place)",
	                             NULL, NULL, NULL) != SQLITE_OK) ||
	    writer_init(sql, &w, direct, fresh) != 0)
		return -1;
	rc = gather(sql, &w) == 0 && put_counted(sql, &w) == 0 ? 0 : -1;
	writer_free(&w);
	return rc;
}

/* Writes the pending disclosures' entries, texts and names, and forgets them. A direct flush
 * that starts with search_text empty also drops search_text_unused (the texts no entry says),
 * and builds it once their counts are written: each new text went into it, and out again
 * when its count was written, and at the end none is there. */
static int flush(sqlite3 *sql, bool bulk, struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	char *index = NULL, *unused = NULL;
	int64_t last = -1;
	int direct;

	if (sqlite3_prepare_v2(sql, "SELECT ifnull(max(id), 0) FROM search_text", -1, &st, NULL) ==
	        SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (last < 0 || (direct = direct_begin(sql, bulk, &index)) < 0 ||
	    (direct && last == 0 && index_drop(sql, "search_text_unused", &unused) != 0) ||
	    write_pending(sql, direct, last == 0) != 0 ||
	    (index != NULL && sqlite3_exec(sql, index, NULL, NULL, NULL) != SQLITE_OK))
		goto fail;
	if (sqlite3_exec(sql, index_new_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    size_texts(sql, sizes_sql[0], last) != 0 || size_texts(sql, sizes_sql[1], last) != 0 ||
	    (unused != NULL && sqlite3_exec(sql, unused, NULL, NULL, NULL) != SQLITE_OK) ||
	    (!direct && sqlite3_exec(sql, entries_new_sql, NULL, NULL, NULL) != SQLITE_OK) ||
	    sqlite3_exec(sql, stat_new_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	free(index);
	free(unused);
	index = unused = NULL;
	if (write_pending_grams(sql, err) != 0)
		return -1;
	if (sqlite3_exec(sql, "DROP TABLE temp.search_pending", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	db_err_set(err, "search index: %s", sqlite3_errmsg(sql));
	free(index);
	free(unused);
	return -1;
}

int db_search_derive(sqlite3 *sql, int64_t disclosure, bool bulk, struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t base = -1;

	if (sqlite3_prepare_v2(sql, "SELECT year FROM disclosure WHERE id = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, disclosure);
		if (sqlite3_step(st) == SQLITE_ROW)
			base = base_of(sqlite3_column_int(st, 0), disclosure);
	}
	sqlite3_finalize(st);
	if (base < 0 || disclosure > 0xffffffff) {
		db_err_set(err, "search index: no disclosure %lld", (long long)disclosure);
		return -1;
	}
	if (sqlite3_exec(sql, pending_sql, NULL, NULL, NULL) != SQLITE_OK) {
		db_err_set(err, "search index: %s", sqlite3_errmsg(sql));
		return -1;
	}
	if (run(sql,
	        "INSERT OR REPLACE INTO temp.search_pending (disclosure, base) VALUES (?1, ?2)",
	        disclosure, base, err) != 0)
		return -1;
	return bulk ? 0 : flush(sql, false, err);
}

/* FTS5 keeps new terms in memory up to hashsize bytes (1 MB by default), then writes them as
 * a segment, and merges segments 4 at a time as they pile up: with 64 MB, a store built at
 * once is written as fewer segments, and merged fewer times. The setting is stored
 * (search_config): it is set back and its row removed, as a store built otherwise has none. */
static const char bulk_hash_sql[] =
    "INSERT INTO search (search, rank) VALUES ('hashsize', 67108864); "
    "INSERT INTO search_shared (search_shared, rank) VALUES ('hashsize', 67108864)";
static const char default_hash_sql[] =
    "INSERT INTO search (search, rank) VALUES ('hashsize', 1048576); "
    "DELETE FROM search_config WHERE k = 'hashsize'; "
    "INSERT INTO search_shared (search_shared, rank) VALUES ('hashsize', 1048576); "
    "DELETE FROM search_shared_config WHERE k = 'hashsize'";

static struct token_cache *tokens_remembered(sqlite3 *sql, bool on);

int db_search_finish(sqlite3 *sql, bool bulk, struct db_error *err)
{
	int rc;

	if (!bulk || !pending_exists(sql))
		return 0;
	if (sqlite3_exec(sql, bulk_hash_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	/* the texts not shared are tokenized once each (see the tokenizer's comment) */
	tokens_remembered(sql, true);
	rc = flush(sql, true, err);
	tokens_remembered(sql, false);
	if (rc != 0)
		return -1;
	if (sqlite3_exec(sql, default_hash_sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	db_err_set(err, "search index: %s", sqlite3_errmsg(sql));
	return -1;
}

/* A range of entries going: the statistics and the texts' counts lose them first. */
static const char *const forget_sql[] = {
	"UPDATE search_stat SET entries = entries - (SELECT count(*) FROM search_entry WHERE "
	"entry BETWEEN ?1 AND ?1 + (1 << 24) - 1), "
	"name_size = name_size - (SELECT ifnull(sum(t.name_size), 0) FROM search_entry e JOIN "
	"search_text t ON t.id = e.text WHERE e.entry BETWEEN ?1 AND ?1 + (1 << 24) - 1), "
	"body_size = body_size - (SELECT ifnull(sum(t.body_size), 0) FROM search_entry e JOIN "
	"search_text t ON t.id = e.text WHERE e.entry BETWEEN ?1 AND ?1 + (1 << 24) - 1)",
	/* a text not shared leaves search with its entries (told the values it indexed) */
	"INSERT INTO search (search, rowid, name, body) SELECT 'delete', e.entry, t.name, t.body "
	"FROM search_entry e JOIN search_text t ON t.id = e.text WHERE e.entry BETWEEN ?1 AND "
	"?1 + (1 << 24) - 1 AND t.shared = 0",
	"UPDATE search_text SET refs = refs - c.n FROM (SELECT text, count(*) AS n FROM "
	"search_entry WHERE entry BETWEEN ?1 AND ?1 + (1 << 24) - 1 GROUP BY text) AS c "
	"WHERE c.text = search_text.id",
	"DELETE FROM search_entry WHERE entry BETWEEN ?1 AND ?1 + (1 << 24) - 1",
	"DELETE FROM search_name WHERE entry BETWEEN ?1 AND ?1 + (1 << 24) - 1",
};
#define N_FORGET (sizeof(forget_sql) / sizeof(forget_sql[0]))

/* The texts no entry says any more leave search_shared (an external-content FTS5 table is
 * told the values it indexed; those not shared left search with their entries) and
 * search_text: counted, not swept, so that a forget costs what the forgotten disclosure
 * holds rather than what the store does. A shared text said by fewer than SHARED_FROM
 * entries again stays shared: it is found as well there, and moving it would cost the forget
 * a pass over its entries. */
static const char unused_sql[] =
    "INSERT INTO search_shared (search_shared, rowid, name, body) SELECT 'delete', id, name, "
    "body FROM search_text WHERE refs = 0 AND shared = 1; "
    "DELETE FROM search_text WHERE refs = 0";

/* The disclosure is gone, and its year with it: its entries are in one of the ranges its id
 * has in each year. An empty range costs a seek. */
int db_search_forget(sqlite3 *sql, int64_t disclosure, struct db_error *err)
{
	sqlite3_stmt *st[N_FORGET] = { NULL };
	int rc = -1;

	/* A disclosure written in this bulk import has no entries yet, only its place in line. */
	if (pending_exists(sql) && run(sql, "DELETE FROM temp.search_pending WHERE disclosure = ?1",
	                               disclosure, 0, err) != 0)
		return -1;
	for (size_t k = 0; k < N_FORGET; k++)
		if (sqlite3_prepare_v2(sql, forget_sql[k], -1, &st[k], NULL) != SQLITE_OK)
			goto done;
	for (int year = YEAR_MIN; year <= YEAR_MAX; year++) {
		if (grams(sql, "DELETE FROM search_gram WHERE gram = ?1 AND entry = ?2",
		          base_of(year, disclosure), err) != 0)
			goto done;
		for (size_t k = 0; k < N_FORGET; k++) {
			sqlite3_reset(st[k]);
			sqlite3_bind_int64(st[k], 1, base_of(year, disclosure));
			if (sqlite3_step(st[k]) != SQLITE_DONE)
				goto done;
		}
	}
	for (size_t k = 0; k < N_FORGET; k++)
		sqlite3_reset(st[k]);
	rc = sqlite3_exec(sql, unused_sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
done:
	if (rc != 0)
		db_err_set(err, "search index: %s", sqlite3_errmsg(sql));
	for (size_t k = 0; k < N_FORGET; k++)
		sqlite3_finalize(st[k]);
	return rc;
}

/* ---- the trigram tokenizer, remembered ---- */

/* A bulk import indexes a text that is not shared once per entry that says it (at 10,000
 * files, 210,000 rows of about 23,000 texts), and FTS5's trigram tokenizer was half the cost
 * of each row's insert. While db_search_finish() fills the index, each call the tokenizer
 * makes to FTS5's callback for a text is kept, and made again, call for call, when the same
 * text comes again: the index is byte for byte the one the tokenizer would have built (the
 * stores compare equal, FTS5's shadow tables included). Registered as "trigram" on every
 * connection, in front of SQLite's own, which does everything else: queries, a tokenizer
 * given arguments, texts past TOKENS_MAX. (FTS5 then no longer answers LIKE and GLOB on its
 * columns from the index, which only it knows the trigram tokenizer allows: no query here
 * asks them of it; MATCH is as before.) */
#define TOKENS_MAX (64u << 20)

/* A text's calls: at calls, each a struct token_call and its token's bytes. */
struct token_text {
	uint64_t hash;
	char *text; /* a copy; its calls follow it in the same allocation */
	int n;
	const unsigned char *calls;
	size_t size;
};

struct token_call {
	int flags, start, end, len;
};

/* Per connection (the tokenizer module's data): SQLite's trigram, and the texts kept while
 * on (an open-addressed table, kept at most half full). */
struct token_cache {
	fts5_tokenizer real;
	void *real_data;
	bool on;
	struct token_text *slots;
	size_t mask, n, bytes;
	unsigned char *rec; /* the calls of the text being tokenized */
	size_t rec_len, rec_size;
};

/* An instance: SQLite's, and the cache when it was given no argument (as derived.sql's). */
struct token_tok {
	Fts5Tokenizer *real;
	struct token_cache *cache;
	bool cached;
};

static void cache_clear(struct token_cache *c)
{
	for (size_t i = 0; c->slots != NULL && i <= c->mask; i++)
		free(c->slots[i].text);
	free(c->slots);
	free(c->rec);
	c->slots = NULL;
	c->rec = NULL;
	c->mask = c->n = c->bytes = c->rec_len = c->rec_size = 0;
}

static void cache_destroy(void *data)
{
	cache_clear(data);
	free(data);
}

static uint64_t bytes_hash(const char *s, int n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

/* The slot of text (hash, s, n), or the empty slot where it would go (slots not NULL). */
static struct token_text *cache_slot(const struct token_cache *c, uint64_t hash, const char *s,
                                     int n)
{
	size_t at = (size_t)(hash ^ hash >> 32) & c->mask;

	for (; c->slots[at].text != NULL; at = (at + 1) & c->mask) {
		const struct token_text *x = &c->slots[at];
		if (x->hash == hash && x->n == n && (n == 0 || memcmp(x->text, s, (size_t)n) == 0))
			break;
	}
	return &c->slots[at];
}

static int cache_grow(struct token_cache *c)
{
	size_t size = c->slots != NULL ? (c->mask + 1) * 2 : 4096;
	struct token_cache old = *c;

	if ((c->slots = calloc(size, sizeof(*c->slots))) == NULL) {
		c->slots = old.slots;
		return -1;
	}
	c->mask = size - 1;
	for (size_t i = 0; old.slots != NULL && i <= old.mask; i++)
		if (old.slots[i].text != NULL)
			*cache_slot(c, old.slots[i].hash, old.slots[i].text, old.slots[i].n) =
			    old.slots[i];
	free(old.slots);
	return 0;
}

/* Keeps text (s, n) with the calls in c->rec, unless past TOKENS_MAX or out of memory (it is
 * then tokenized again when it comes again). */
static void cache_keep(struct token_cache *c, uint64_t hash, const char *s, int n)
{
	size_t size = (size_t)n + c->rec_len;
	struct token_text *x;
	char *copy;

	if (c->bytes + size > TOKENS_MAX ||
	    ((c->n + 1) * 2 > (c->slots != NULL ? c->mask + 1 : 0) && cache_grow(c) != 0) ||
	    (copy = malloc(size > 0 ? size : 1)) == NULL)
		return;
	if (n > 0)
		memcpy(copy, s, (size_t)n);
	if (c->rec_len > 0)
		memcpy(copy + n, c->rec, c->rec_len);
	x = cache_slot(c, hash, s, n);
	*x = (struct token_text){ hash, copy, n, (unsigned char *)copy + n, c->rec_len };
	c->n++;
	c->bytes += size;
}

/* What the recording callback forwards to, and where it records. */
struct token_rec {
	struct token_cache *cache;
	void *ctx;
	int (*token)(void *, int, const char *, int, int, int);
	bool ok; /* every call recorded */
};

static int record_token(void *ctx, int flags, const char *token, int len, int start, int end)
{
	struct token_rec *r = ctx;
	struct token_cache *c = r->cache;
	struct token_call call = { flags, start, end, len };
	size_t need = c->rec_len + sizeof(call) + (size_t)(len > 0 ? len : 0);
	int rc = r->token(r->ctx, flags, token, len, start, end);

	if (rc != SQLITE_OK || !r->ok)
		return rc;
	if (len < 0 || need > TOKENS_MAX) {
		r->ok = false;
		return rc;
	}
	if (need > c->rec_size) {
		size_t size = need > 2 * c->rec_size ? need : 2 * c->rec_size;
		unsigned char *rec = realloc(c->rec, size);
		if (rec == NULL) {
			r->ok = false;
			return rc;
		}
		c->rec = rec;
		c->rec_size = size;
	}
	memcpy(c->rec + c->rec_len, &call, sizeof(call));
	if (len > 0)
		memcpy(c->rec + c->rec_len + sizeof(call), token, (size_t)len);
	c->rec_len = need;
	return rc;
}

/* Makes the calls kept for x again, stopping where the callback says to, as the tokenizer
 * does. */
static int replay(const struct token_text *x, void *ctx,
                  int (*token)(void *, int, const char *, int, int, int))
{
	int rc = SQLITE_OK;

	for (size_t at = 0; at < x->size && rc == SQLITE_OK;) {
		struct token_call call;
		memcpy(&call, x->calls + at, sizeof(call));
		at += sizeof(call);
		rc = token(ctx, call.flags, (const char *)x->calls + at, call.len, call.start,
		           call.end);
		at += (size_t)call.len;
	}
	return rc;
}

static int token_create(void *data, const char **args, int n, Fts5Tokenizer **out)
{
	struct token_cache *c = data;
	struct token_tok *t = calloc(1, sizeof(*t));
	int rc;

	if (t == NULL)
		return SQLITE_NOMEM;
	if ((rc = c->real.xCreate(c->real_data, args, n, &t->real)) != SQLITE_OK) {
		free(t);
		return rc;
	}
	t->cache = c;
	t->cached = n == 0;
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void token_delete(Fts5Tokenizer *tok)
{
	struct token_tok *t = (struct token_tok *)tok;

	t->cache->real.xDelete(t->real);
	free(t);
}

static int token_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *s, int n,
                          int (*token)(void *, int, const char *, int, int, int))
{
	struct token_tok *t = (struct token_tok *)tok;
	struct token_cache *c = t->cache;
	struct token_rec r = { c, ctx, token, true };
	uint64_t hash;
	int rc;

	if (!t->cached || !c->on || flags != FTS5_TOKENIZE_DOCUMENT || n < 0)
		return c->real.xTokenize(t->real, ctx, flags, s, n, token);
	hash = bytes_hash(s, n);
	if (c->slots != NULL) {
		const struct token_text *x = cache_slot(c, hash, s, n);
		if (x->text != NULL)
			return replay(x, ctx, token);
	}
	c->rec_len = 0;
	rc = c->real.xTokenize(t->real, &r, flags, s, n, record_token);
	if (rc == SQLITE_OK && r.ok)
		cache_keep(c, hash, s, n);
	return rc;
}

static fts5_api *fts_api(sqlite3 *sql)
{
	fts5_api *fts = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(sql, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&fts, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return fts;
}

/* Puts the remembering tokenizer in front of SQLite's trigram on sql. */
static int register_tokenizer(fts5_api *fts)
{
	static fts5_tokenizer module = { token_create, token_delete, token_tokenize };
	struct token_cache *c = calloc(1, sizeof(*c));

	if (c == NULL ||
	    fts->xFindTokenizer(fts, "trigram", &c->real_data, &c->real) != SQLITE_OK) {
		free(c);
		return -1;
	}
	if (fts->xCreateTokenizer(fts, "trigram", c, &module, cache_destroy) != SQLITE_OK) {
		free(c);
		return -1;
	}
	return 0;
}

/* The cache of sql's tokenizer, turned on or off (and emptied); NULL when there is none. */
static struct token_cache *tokens_remembered(sqlite3 *sql, bool on)
{
	fts5_api *fts = fts_api(sql);
	fts5_tokenizer tok;
	void *data = NULL;

	if (fts == NULL || fts->xFindTokenizer(fts, "trigram", &data, &tok) != SQLITE_OK ||
	    tok.xTokenize != token_tokenize)
		return NULL;
	((struct token_cache *)data)->on = on;
	if (!on)
		cache_clear(data);
	return data;
}

/* ---- ranking ---- */

/* budgetd_rank(search, entries, name total, body total): BM25's term frequency and length
 * normalization (k1 1.2, b 0.75) per column, names weighing ten times texts. Negative like
 * bm25(): lower is better. A text's rank; an entry's is this times its hit's weight
 * (hit_weight()). The index's row count and column totals are given, kept over entries
 * (search_stat): over texts they would be other averages, and every rank would move.
 * FTS5's bm25() also weighs each term by how rare it is (IDF), which takes a pass over every
 * match of every term: a term found in every disclosure costs hundreds of milliseconds in a
 * large store. The order of the hits of one term does not depend on it. */
static void rank_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n,
                    sqlite3_value **args)
{
	static const double weight[2] = { 10.0, 1.0 }, k1 = 1.2, b = 0.75;
	int insts = 0, phrase, col, off;
	double tf[2] = { 0, 0 }, score = 0;
	sqlite3_int64 rows, total;

	if (n != 3 || api->xInstCount(fts, &insts) != SQLITE_OK) {
		sqlite3_result_error(ctx, "budgetd_rank: cannot read the match", -1);
		return;
	}
	rows = sqlite3_value_int64(args[0]);
	for (int i = 0; i < insts; i++)
		if (api->xInst(fts, i, &phrase, &col, &off) == SQLITE_OK && col >= 0 && col < 2)
			tf[col]++;
	for (col = 0; col < 2; col++) {
		int len = 0;
		double avg;
		if (tf[col] == 0 || api->xColumnSize(fts, col, &len) != SQLITE_OK)
			continue;
		total = sqlite3_value_int64(args[1 + col]);
		avg = rows > 0 && total > 0 ? (double)total / (double)rows : 1.0;
		score +=
		    weight[col] * tf[col] * (k1 + 1) / (tf[col] + k1 * (1 - b + b * len / avg));
	}
	sqlite3_result_double(ctx, -score);
}

/* A department or a project weighs four times any other place, as its texts are long and
 * BM25 divides by length: the project called 业务运转经费项目 comes before the figure of the
 * explanation that repeats its name. */
static double hit_weight(int64_t entry)
{
	int hit = (int)((entry >> 20) & 15);

	return hit == H_DEPARTMENT || hit == H_PROJECT ? 4 : 1;
}

int db_search_register(sqlite3 *sql, struct db_error *err)
{
	fts5_api *fts = fts_api(sql);

	if (fts == NULL ||
	    fts->xCreateFunction(fts, "budgetd_rank", NULL, rank_fn, NULL) != SQLITE_OK ||
	    register_tokenizer(fts) != 0) {
		db_err_set(err, "SQLite lacks FTS5, which the search needs");
		return -1;
	}
	return 0;
}

/* ---- the query ---- */

#define MAX_TERMS 16

/* q split at spaces (ASCII and U+3000): the terms of 3 or more characters as an FTS5 query
 * of quoted phrases, each literal ("" for a quote inside), all of which must match; the
 * shorter ones, lowercased like the trigram tokenizer folds ASCII, as a JSON array for
 * instr() (NULL when there are none). Owned: terms_free(). */
struct terms {
	char *match; /* NULL when every term is short: the names-only search */
	char *shorts;
	char *rest; /* the short terms but the first, as JSON, or NULL */
	json_t *list; /* the short terms */
	json_t *all; /* every term, lowercased: what the snippet marks */
	size_t n;
};

static void terms_free(struct terms *t)
{
	free(t->match);
	free(t->shorts);
	free(t->rest);
	json_decref(t->list);
	json_decref(t->all);
}

static size_t space_at(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
		return 1;
	return strncmp(s, "\xe3\x80\x80", 3) == 0 ? 3 : 0; /* U+3000 ideographic space */
}

static size_t chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Appends one term to the match (quoted) or to the short list, and to all (lowercased). */
static int add_term(struct terms *t, json_t *shorts, const char *s, size_t len)
{
	char *buf = malloc(len + 1);
	size_t n = t->match ? strlen(t->match) : 0;

	if (buf == NULL)
		return -1;
	for (size_t i = 0; i < len; i++)
		buf[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	buf[len] = '\0';
	if (json_array_append_new(t->all, json_string(buf)) != 0 ||
	    (chars(s, len) < 3 && json_array_append_new(shorts, json_string(buf)) != 0)) {
		free(buf);
		return -1;
	}
	free(buf);
	if (chars(s, len) < 3)
		return 0;
	buf = realloc(t->match, n + 2 * len + 4);
	if (buf == NULL)
		return -1;
	t->match = buf;
	buf += n;
	if (n > 0)
		*buf++ = ' ';
	*buf++ = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			*buf++ = '"';
		*buf++ = s[i];
	}
	*buf++ = '"';
	*buf = '\0';
	return 0;
}

static int split_terms(const char *q, struct terms *t)
{
	json_t *shorts = json_array();
	int rc = -1;

	memset(t, 0, sizeof(*t));
	t->all = json_array();
	if (shorts == NULL || t->all == NULL) {
		json_decref(shorts);
		return -1;
	}
	for (const char *p = q; *p != '\0' && t->n < MAX_TERMS;) {
		size_t sp = space_at(p), len = 0;
		if (sp > 0) {
			p += sp;
			continue;
		}
		while (p[len] != '\0' && space_at(p + len) == 0)
			len++;
		if (add_term(t, shorts, p, len) != 0)
			goto done;
		t->n++;
		p += len;
	}
	if (json_array_size(shorts) > 0 && (t->shorts = json_dumps(shorts, JSON_COMPACT)) == NULL)
		goto done;
	if (json_array_size(shorts) > 1) {
		json_t *rest = json_deep_copy(shorts);
		if (rest == NULL || json_array_remove(rest, 0) != 0 ||
		    (t->rest = json_dumps(rest, JSON_COMPACT)) == NULL) {
			json_decref(rest);
			goto done;
		}
		json_decref(rest);
	}
	rc = 0;
done:
	t->list = shorts;
	return rc;
}

/* The most entries a query ranks: past it, the latest are ranked and served (see db.h). */
#define WINDOW 1000

/* The filters on an entry (col its number): ?5 hit. Year and department are ranges of
 * entries (?10, ?11). */
#define RANGE_HIT(col) col " BETWEEN ?10 AND ?11 AND (?5 IS NULL OR (" col " >> 20) & 15 = ?5)"
/* And ?2 kind. (The searches of texts test the kind in C, with_kind(): in a statement run
 * once per text, the list of disclosures would be made again on every run.) */
#define ENTRY_FILTERS(col)                                                       \
	RANGE_HIT(col)                                                           \
	" AND (?2 IS NULL OR ((" col " >> 24) & 4294967295) IN (SELECT id FROM " \
	"disclosure WHERE kind = ?2))"
/* And ?6, the short terms, that must all be in text. */
#define SHORTS(text)                                                                     \
	"(?6 IS NULL OR NOT EXISTS (SELECT 1 FROM json_each(?6) WHERE instr(lower(" text \
	"), value) = 0))"

/* The shared texts that match and have the short terms, and their ranks with the statistics
 * of search_stat (?2, ?3, ?4). */
static const char texts_sql[] =
    "SELECT rowid, budgetd_rank(search_shared, ?2, ?3, ?4) FROM search_shared WHERE "
    "search_shared MATCH ?1 AND " SHORTS("ifnull(name, '') || ' ' || ifnull(body, '')");
/* The entries of texts indexed per entry (not shared) that match, filtered, latest first, ranked as above (?7,
 * ?8, ?9: search_stat), at most ?12: FTS5 reads its matches in rowid order and stops when
 * the window is full. The filters are in the statement, as version 3 had them, so that only
 * the entries kept are ranked (budgetd_rank reads each match's positions). */
static const char once_sql[] =
    "SELECT rowid, budgetd_rank(search, ?7, ?8, ?9) FROM search WHERE search MATCH ?1 "
    "AND " ENTRY_FILTERS("rowid") " AND " SHORTS(
        "ifnull(name, '') || ' ' || ifnull(body, '')") " ORDER BY "
                                                       "rowid DESC LIMIT "
                                                       "?12";
/* Entries latest first, the text of each tested against the matches: for common texts.
 * (Filtered in C, so that the rows it reads are the rows scan_entries() counts.) */
static const char scan_sql[] =
    "SELECT entry, text FROM search_entry WHERE entry BETWEEN ?10 AND ?11 ORDER BY entry DESC";
/* The entries of one text (?1): for rare texts. */
static const char text_entries_sql[] =
    "SELECT entry FROM search_entry WHERE text = ?1 AND " RANGE_HIT("entry");
/* The disclosures of a kind (?1), by id. */
static const char kind_sql[] = "SELECT id FROM disclosure WHERE kind = ?1 ORDER BY id";
/* The latest entries of one text (?1) below ?11, at most ?12: a range of the index on
 * (text, entry). */
static const char text_latest_sql[] =
    "SELECT entry FROM search_entry WHERE text = ?1 AND " RANGE_HIT(
        "entry") " ORDER BY entry DESC LIMIT ?12";
static const char stat_sql[] = "SELECT entries, name_size, body_size FROM search_stat";
/* Names only, found by the first short term's gram (?9), the others in the name:
 * departments before projects, the shortest name (the closest) first. ?12 the window. */
static const char names_window_sql[] =
    "SELECT g.entry, ((g.entry >> 20) & 15) * 100000 + length(n.name) FROM search_gram g "
    "JOIN search_name n ON n.entry = g.entry WHERE g.gram = ?9 AND " ENTRY_FILTERS(
        "g.entry") " AND " SHORTS("n.name") " ORDER BY g.entry DESC LIMIT ?12";
/* A department's disclosures, as entry bases, latest first. */
static const char ranges_sql[] =
    "SELECT ((d.year - 1990) << 56) | (d.id << 24) FROM disclosure d JOIN department p ON "
    "p.id = d.department_id WHERE p.slug = ?1 AND (?2 IS NULL OR d.kind = ?2) AND (?3 IS NULL "
    "OR d.year = ?3) ORDER BY 1 DESC";

static const char hit_sql[] =
    "SELECT t.name, e.path, e.place, d.year, d.kind, d.level, p.slug, r.name, t.body "
    "FROM search_entry e JOIN search_text t ON t.id = e.text "
    "JOIN disclosure d ON d.id = (?1 >> 24) & 4294967295 JOIN department p ON p.id = "
    "d.department_id LEFT JOIN department_record r ON r.disclosure_id = d.id WHERE e.entry = ?1";

static void done_with(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int hit_index(const char *hit)
{
	for (int i = 0; db_search_hits[i] != NULL; i++)
		if (strcmp(db_search_hits[i], hit) == 0)
			return i;
	return -1;
}

/* The texts a query matches, by id, with their ranks, and the disclosures of the kind it
 * asks for. Owned: matches_free(). */
struct matches {
	struct match {
		int64_t text;
		double rank;
	} * m;
	size_t n;
	long most; /* entries scan_entries() reads before join_entries() takes over (plan()) */
	int64_t stat[3]; /* search_stat: what the ranks read */
	int64_t *kind; /* NULL: any kind */
	size_t n_kind;
};

static void matches_free(struct matches *m)
{
	free(m->m);
	free(m->kind);
}

/* The entries of the window: number and rank (a text's, before its hit's weight). */
struct window {
	struct entry {
		int64_t id;
		double rank;
	} e[WINDOW + 1];
	size_t n;
};

static void bind_filters(sqlite3_stmt *st, const struct db_search_query *q, int64_t lo, int64_t hi)
{
	if (q->kind != NULL)
		sqlite3_bind_text(st, 2, q->kind, -1, SQLITE_STATIC);
	if (q->hit != NULL)
		sqlite3_bind_int(st, 5, hit_index(q->hit));
	sqlite3_bind_int64(st, 10, lo);
	sqlite3_bind_int64(st, 11, hi);
}

static int by_text(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	return x->text < y->text ? -1 : x->text > y->text;
}

/* The texts that match t, into m (sorted by id). */
static int find_texts(struct db *db, const struct terms *t, const int64_t stat[3],
                      struct matches *m, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, texts_sql, err);
	size_t cap = 0;
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->match, -1, SQLITE_STATIC);
	for (int k = 0; k < 3; k++)
		sqlite3_bind_int64(st, 2 + k, stat[k]);
	if (t->shorts != NULL)
		sqlite3_bind_text(st, 6, t->shorts, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->n == cap) {
			struct match *more =
			    realloc(m->m, (cap = cap ? 2 * cap : 256) * sizeof(*more));
			if (more == NULL) {
				db_err_set(err, "out of memory");
				done_with(st);
				return -1;
			}
			m->m = more;
		}
		m->m[m->n++] = (struct match){ .text = sqlite3_column_int64(st, 0),
			                       .rank = sqlite3_column_double(st, 1) };
	}
	if (step != SQLITE_DONE)
		db_err_set(err, "search: %s", sqlite3_errmsg(db->sql));
	done_with(st);
	if (m->n > 1) /* none: m->m is NULL, which qsort() may not be given */
		qsort(m->m, m->n, sizeof(m->m[0]), by_text);
	return step == SQLITE_DONE ? 0 : -1;
}

static struct match *match_of(const struct matches *m, int64_t text)
{
	struct match key = { .text = text };

	return bsearch(&key, m->m, m->n, sizeof(m->m[0]), by_text);
}

static int by_id(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* The disclosures of the kind q asks for, into m (none asked: left NULL). */
static int find_kind(struct db *db, const struct db_search_query *q, struct matches *m,
                     struct db_error *err)
{
	sqlite3_stmt *st;
	size_t cap = 64;
	int64_t *more;
	int step;

	if (q->kind == NULL)
		return 0;
	if ((st = db_stmt(db, kind_sql, err)) == NULL)
		return -1;
	if ((m->kind = malloc(cap * sizeof(*m->kind))) == NULL)
		goto oom;
	sqlite3_bind_text(st, 1, q->kind, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->n_kind == cap) {
			if ((more = realloc(m->kind, (cap *= 2) * sizeof(*more))) == NULL)
				goto oom;
			m->kind = more;
		}
		m->kind[m->n_kind++] = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_DONE)
		db_err_set(err, "search: %s", sqlite3_errmsg(db->sql));
	done_with(st);
	return step == SQLITE_DONE ? 0 : -1;
oom:
	db_err_set(err, "out of memory");
	done_with(st);
	return -1;
}

/* Whether entry's disclosure is of the kind asked for (any, when none was). */
static bool with_kind(const struct matches *m, int64_t entry)
{
	int64_t disclosure = (entry >> 24) & 0xffffffff;

	return m->kind == NULL ||
	       bsearch(&disclosure, m->kind, m->n_kind, sizeof(*m->kind), by_id) != NULL;
}

/* How a range's matched entries of shared texts are found. With up to COUNTED_TEXTS texts,
 * by reading each text's latest entries a few at a time, until the latest WINDOW + 1 of them
 * all are known (latest_of_texts(): a seek and a few rows a text, however common the texts
 * are; at 10,000 files a query matches at most 62 of the 347 shared texts; with texts shared
 * from 2 entries on, 业务运转经费项目 matched 2,003, and cost 9 to 11 ms of CPU so, 14 by
 * idx's scan and join). With more, a statement a text would cost more than
 * the query: by reading the range's entries latest first, testing each one's text
 * (scan_entries()), up to 8 windows and two rows a text, which stops at WINDOW + 1 matched
 * when the texts are common; the rest of the range by reading every entry of every matched
 * text (join_entries()). */
#define COUNTED_TEXTS 4096

static void plan(struct matches *m)
{
	m->most = 8 * (WINDOW + 1) + 2 * (long)m->n;
}

/* Where latest_of_texts() is in one text's entries: the rows it may still read lie below
 * below, unless done. */
struct cursor {
	int64_t below;
	bool done;
};

/* Reads up to k entries of the matched text i below c->below into *all (n, cap), the ones of
 * the kind asked for. Returns 0, or -1 (out of memory or SQLite: *err). */
static int read_latest(struct db *db, sqlite3_stmt *st, const struct db_search_query *q,
                       const struct matches *m, size_t i, int64_t lo, long k, struct cursor *c,
                       struct entry **all, size_t *n, size_t *cap, struct db_error *err)
{
	long rows = 0;
	int step;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, m->m[i].text);
	bind_filters(st, q, lo, c->below);
	sqlite3_bind_int64(st, 12, k);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t entry = sqlite3_column_int64(st, 0);
		rows++;
		c->below = entry - 1;
		if (!with_kind(m, entry))
			continue;
		if (*n == *cap) {
			struct entry *more =
			    realloc(*all, (*cap = *cap ? 2 * *cap : 1024) * sizeof(**all));
			if (more == NULL) {
				db_err_set(err, "out of memory");
				return -1;
			}
			*all = more;
		}
		(*all)[(*n)++] = (struct entry){ .id = entry, .rank = m->m[i].rank };
	}
	if (step != SQLITE_DONE) {
		db_err_set(err, "search: %s", sqlite3_errmsg(db->sql));
		return -1;
	}
	c->done = rows < k || c->below < lo;
	return 0;
}

static int latest_first(const void *a, const void *b);

/* The texts latest_of_texts() may still read, a heap on where each one is (c[].below, the
 * highest first): the next rows are read off the text whose unread entries may be latest. */
struct pending {
	size_t *i;
	size_t n;
	const struct cursor *c;
};

static bool above(const struct pending *p, size_t a, size_t b)
{
	return p->c[p->i[a]].below > p->c[p->i[b]].below;
}

static void swap_at(struct pending *p, size_t a, size_t b)
{
	size_t t = p->i[a];

	p->i[a] = p->i[b];
	p->i[b] = t;
}

/* The top moved down (it was read): back into place. */
static void sift_down(struct pending *p, size_t at)
{
	for (;;) {
		size_t top = at, l = 2 * at + 1, r = l + 1;
		if (l < p->n && above(p, l, top))
			top = l;
		if (r < p->n && above(p, r, top))
			top = r;
		if (top == at)
			return;
		swap_at(p, at, top);
		at = top;
	}
}

/* How many of the n entries read lie above edge. */
static size_t count_above(const struct entry *all, size_t n, int64_t edge)
{
	size_t known = 0;

	for (size_t i = 0; i < n; i++)
		known += all[i].id > edge;
	return known;
}

/* Adds the latest matched entries of the shared texts in [lo, hi] to w, up to WINDOW + 1 in
 * all: k entries at a time off the text whose unread entries may be latest (a heap), until
 * the entries above the highest unread one number enough (every entry above it is known).
 * 201 at 10,000 files, 62 texts of 448,000 entries: 84 reads of 2,700 rows, where reading
 * every text k more a round, k doubling, read 13,900 in 186 (and sorted them). */
static int latest_of_texts(struct db *db, const struct db_search_query *q, const struct matches *m,
                           int64_t lo, int64_t hi, struct window *w, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, text_latest_sql, err);
	struct cursor *c = malloc(m->n * sizeof(*c));
	struct pending p = { .i = malloc(m->n * sizeof(*p.i)), .n = m->n, .c = c };
	struct entry *all = NULL;
	size_t n = 0, cap = 0, need = WINDOW + 1 - w->n;
	long k = (long)(need / m->n) + 16;
	int64_t edge = lo - 1; /* every entry above it is known */
	int rc = -1;

	if (st == NULL || c == NULL || p.i == NULL) {
		if (st != NULL)
			db_err_set(err, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < m->n; i++) {
		c[i] = (struct cursor){ .below = hi, .done = false };
		p.i[i] = i;
	}
	while (p.n > 0 && (n < need || count_above(all, n, c[p.i[0]].below) < need)) {
		struct cursor *top = &c[p.i[0]];
		if (read_latest(db, st, q, m, p.i[0], lo, k, top, &all, &n, &cap, err) != 0)
			goto done;
		if (top->done)
			swap_at(&p, 0, --p.n);
		sift_down(&p, 0);
	}
	if (p.n > 0)
		edge = c[p.i[0]].below;
	if (n > 1)
		qsort(all, n, sizeof(*all), latest_first);
	for (size_t i = 0; i < n && w->n <= WINDOW && all[i].id > edge; i++)
		w->e[w->n++] = all[i];
	rc = 0;
done:
	done_with(st);
	free(c);
	free(p.i);
	free(all);
	return rc;
}

/* Adds the matched entries in [lo, *hi] to w, latest first, up to WINDOW + 1 in all, reading
 * at most most entries; *hi becomes the entry below the last one read (lo - 1: all). */
static int scan_entries(struct db *db, const struct db_search_query *q, const struct matches *m,
                        long most, int64_t lo, int64_t *hi, struct window *w, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, scan_sql, err);
	struct match *x;
	int64_t entry = lo;
	int step = SQLITE_DONE, hit = q->hit != NULL ? hit_index(q->hit) : -1;
	long rows = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 10, lo);
	sqlite3_bind_int64(st, 11, *hi);
	while (w->n <= WINDOW && rows++ < most && (step = sqlite3_step(st)) == SQLITE_ROW) {
		entry = sqlite3_column_int64(st, 0);
		if ((hit >= 0 && ((entry >> 20) & 15) != hit) || !with_kind(m, entry) ||
		    (x = match_of(m, sqlite3_column_int64(st, 1))) == NULL)
			continue;
		w->e[w->n++] = (struct entry){ .id = entry, .rank = x->rank };
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		db_err_set(err, "search: %s", sqlite3_errmsg(db->sql));
		done_with(st);
		return -1;
	}
	*hi = step == SQLITE_DONE ? lo - 1 : entry - 1;
	done_with(st);
	return 0;
}

static int latest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->id > y->id ? -1 : x->id < y->id;
}

/* The same as scan_entries(), by reading every entry of every matched text in [lo, hi] and
 * keeping the latest: as many rows as the texts' entries (see plan()). */
static int join_entries(struct db *db, const struct db_search_query *q, const struct matches *m,
                        int64_t lo, int64_t hi, struct window *w, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, text_entries_sql, err);
	struct entry *all = NULL, *more = NULL;
	size_t n = 0, cap = 0;
	int step = SQLITE_DONE, rc = -1;

	if (st == NULL)
		return -1;
	for (size_t i = 0; i < m->n && step == SQLITE_DONE; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, m->m[i].text);
		bind_filters(st, q, lo, hi);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			if (!with_kind(m, sqlite3_column_int64(st, 0)))
				continue;
			if (n == cap) {
				more = realloc(all, (cap = cap ? 2 * cap : 1024) * sizeof(*all));
				if (more == NULL)
					goto oom;
				all = more;
			}
			all[n++] = (struct entry){ .id = sqlite3_column_int64(st, 0),
				                   .rank = m->m[i].rank };
		}
	}
	if (step != SQLITE_DONE) {
		db_err_set(err, "search: %s", sqlite3_errmsg(db->sql));
		goto done;
	}
	if (n > 1)
		qsort(all, n, sizeof(*all), latest_first);
	for (size_t i = 0; i < n && w->n <= WINDOW; i++)
		w->e[w->n++] = all[i];
	rc = 0;
	goto done;
oom:
	db_err_set(err, "out of memory");
done:
	done_with(st);
	free(all);
	return rc;
}

/* Adds the matched entries of texts indexed per entry in [lo, hi] to w, latest first, up to
 * WINDOW + 1 in all. */
static int once_entries(struct db *db, const struct db_search_query *q, const struct terms *t,
                        const struct matches *m, int64_t lo, int64_t hi, struct window *w,
                        struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, once_sql, err);
	int step = SQLITE_DONE;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, t->match, -1, SQLITE_STATIC);
	for (int k = 0; k < 3; k++)
		sqlite3_bind_int64(st, 7 + k, m->stat[k]);
	if (t->shorts != NULL)
		sqlite3_bind_text(st, 6, t->shorts, -1, SQLITE_STATIC);
	bind_filters(st, q, lo, hi);
	sqlite3_bind_int64(st, 12, (int64_t)(WINDOW + 1 - w->n));
	while (w->n <= WINDOW && (step = sqlite3_step(st)) == SQLITE_ROW)
		w->e[w->n++] = (struct entry){ .id = sqlite3_column_int64(st, 0),
			                       .rank = sqlite3_column_double(st, 1) };
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		db_err_set(err, "search: %s", sqlite3_errmsg(db->sql));
		done_with(st);
		return -1;
	}
	done_with(st);
	return 0;
}

/* Appends to w the latest of a's and b's entries (each latest first), up to WINDOW + 1. */
static void merge(struct window *w, const struct window *a, const struct window *b)
{
	size_t i = 0, j = 0;

	while (w->n <= WINDOW && (i < a->n || j < b->n))
		w->e[w->n++] =
		    j >= b->n || (i < a->n && a->e[i].id > b->e[j].id) ? a->e[i++] : b->e[j++];
}

/* Adds the matched entries in [lo, hi] to w, up to WINDOW + 1 in all: the latest of the
 * shared texts' (m: see COUNTED_TEXTS) and of the texts indexed per entry. */
static int scan_texts(struct db *db, const struct db_search_query *q, const struct terms *t,
                      const struct matches *m, long most, int64_t lo, int64_t hi, struct window *w,
                      struct db_error *err)
{
	struct window *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	int64_t below = hi; /* where the scan of shared texts stopped */
	int rc = -1;

	if (a == NULL || b == NULL) {
		db_err_set(err, "out of memory");
		goto done;
	}
	a->n = b->n = 0;
	if (m->n > 0 && m->n <= COUNTED_TEXTS && latest_of_texts(db, q, m, lo, hi, a, err) != 0)
		goto done;
	if (m->n > COUNTED_TEXTS && most > 0 &&
	    scan_entries(db, q, m, most, lo, &below, a, err) != 0)
		goto done;
	if (m->n > COUNTED_TEXTS && a->n <= WINDOW && below >= lo &&
	    join_entries(db, q, m, lo, below, a, err) != 0)
		goto done;
	/* a full window of shared texts' entries: the per-entry ones below its last lose */
	if (once_entries(db, q, t, m, a->n > WINDOW ? a->e[WINDOW].id + 1 : lo, hi, b, err) != 0)
		goto done;
	merge(w, a, b);
	rc = 0;
done:
	free(a);
	free(b);
	return rc;
}

/* Adds the window's entries in [lo, hi] to w, up to WINDOW + 1 in all: the matched texts'
 * (m), or with names only the names'. */
static int scan(struct db *db, const struct db_search_query *q, const struct terms *t,
                const struct matches *m, long most, int64_t lo, int64_t hi, struct window *w,
                struct db_error *err)
{
	sqlite3_stmt *st;
	int step;

	if (t->match != NULL)
		return scan_texts(db, q, t, m, most, lo, hi, w, err);
	if ((st = db_stmt(db, names_window_sql, err)) == NULL)
		return -1;
	bind_filters(st, q, lo, hi);
	sqlite3_bind_text(st, 6, t->rest, -1, SQLITE_STATIC); /* NULL: none */
	sqlite3_bind_text(st, 9, json_string_value(json_array_get(t->list, 0)), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, (int64_t)(WINDOW + 1 - w->n));
	while (w->n <= WINDOW && (step = sqlite3_step(st)) == SQLITE_ROW) {
		w->e[w->n].id = sqlite3_column_int64(st, 0);
		w->e[w->n++].rank = sqlite3_column_double(st, 1);
	}
	if (w->n <= WINDOW && step != SQLITE_DONE) {
		db_err_set(err, "search: %s", sqlite3_errmsg(db->sql));
		done_with(st);
		return -1;
	}
	done_with(st);
	return 0;
}

/* The window over the entry ranges the filters leave: a year is one range, a department one
 * per disclosure (each small: scanned whole, where a join would run a statement per text
 * and disclosure); every range otherwise. */
static int fill(struct db *db, const struct db_search_query *q, const struct terms *t,
                const struct matches *m, struct window *w, struct db_error *err)
{
	int64_t lo = 0, hi = INT64_MAX, bases[256];
	sqlite3_stmt *st;
	size_t n = 0;
	int rc = 0;

	if (q->year != 0) {
		lo = (int64_t)(q->year - YEAR_MIN) << 56;
		hi = lo + ((int64_t)1 << 56) - 1;
	}
	if (q->department == NULL)
		return scan(db, q, t, m, m->most, lo, hi, w, err);
	if ((st = db_stmt(db, ranges_sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, q->department, -1, SQLITE_STATIC);
	if (q->kind != NULL)
		sqlite3_bind_text(st, 2, q->kind, -1, SQLITE_STATIC);
	if (q->year != 0)
		sqlite3_bind_int(st, 3, q->year);
	/* The ranges are read first: scan() uses the connection's other statements. */
	while (n < 256 && sqlite3_step(st) == SQLITE_ROW)
		bases[n++] = sqlite3_column_int64(st, 0);
	done_with(st);
	for (size_t i = 0; i < n && rc == 0 && w->n <= WINDOW; i++)
		rc = scan(db, q, t, m, LONG_MAX, bases[i], bases[i] + (1 << 24) - 1, w, err);
	return rc;
}

/* The index's statistics (search_stat) into stat: entries, name and body sizes. */
static int read_stat(struct db *db, int64_t stat[3], struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, stat_sql, err);
	int rc = -1;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < 3; i++)
			stat[i] = sqlite3_column_int64(st, i);
		rc = 0;
	} else {
		db_err_set(err, "search: %s", sqlite3_errmsg(db->sql));
	}
	done_with(st);
	return rc;
}

/* The rank of the first n entries of w: their texts' ranks times their hits' weights. */
static void rank_window(struct window *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w->e[i].rank *= hit_weight(w->e[i].id);
}

static int by_rank(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id; /* then the latest */
}

static bool same_folded(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] - 'A' + 'a') : a[i];
		if (x != b[i])
			return false;
	}
	return true;
}

/* name with every occurrence of the terms between \x01 and \x02. Returns a string the
 * caller frees, or NULL (out of memory). */
static char *mark(const char *name, const json_t *list)
{
	size_t len = strlen(name), i, k = 0;
	bool *on = calloc(len + 1, sizeof(*on));
	char *out = malloc(3 * len + 1);
	json_t *term;

	if (on == NULL || out == NULL)
		goto fail;
	json_array_foreach (list, i, term) {
		const char *s = json_string_value(term);
		size_t n = strlen(s);
		for (size_t at = 0; n > 0 && at + n <= len; at++)
			if (((unsigned char)name[at] & 0xc0) != 0x80 &&
			    same_folded(name + at, s, n))
				memset(on + at, 1, n);
	}
	for (i = 0; i <= len; i++) {
		if (on[i] && (i == 0 || !on[i - 1]))
			out[k++] = '\x01';
		if (!on[i] && i > 0 && on[i - 1])
			out[k++] = '\x02';
		out[k++] = name[i];
	}
	free(on);
	return out;
fail:
	free(on);
	free(out);
	return NULL;
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* Where in text the first of terms is (byte offset), or -1. */
static long first_of(const char *text, const json_t *terms)
{
	size_t len = strlen(text), i;
	json_t *term;

	for (size_t at = 0; at < len; at++) {
		if (((unsigned char)text[at] & 0xc0) == 0x80)
			continue;
		json_array_foreach (terms, i, term) {
			size_t n = strlen(json_string_value(term));
			if (n > 0 && at + n <= len &&
			    same_folded(text + at, json_string_value(term), n))
				return (long)at;
		}
	}
	return -1;
}

/* The byte offset n characters before (n < 0) or after at in s, within s. */
static size_t step_chars(const char *s, size_t at, long n)
{
	size_t len = strlen(s);

	for (; n < 0 && at > 0; n++)
		do
			at--;
		while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80);
	for (; n > 0 && at < len; n--)
		at += char_len(s + at);
	return at;
}

#define SNIPPET_BEFORE 10
#define SNIPPET_CHARS 40

/* The name with its matches marked, when it has one; else about 40 characters of the text
 * around its first match, cut with …. Computed here rather than by FTS5's snippet(), which
 * runs the query again for each hit and tokenizes the whole text: a project's texts are
 * long, and 20 hits took 20 ms. The caller frees; NULL when out of memory. */
static char *make_snippet(const char *name, const char *body, const json_t *terms)
{
	long at;
	size_t from, to;
	char *cut, *out;

	if (body == NULL || (name != NULL && first_of(name, terms) >= 0))
		return mark(name ? name : "", terms);
	at = first_of(body, terms);
	from = step_chars(body, at < 0 ? 0 : (size_t)at, -SNIPPET_BEFORE);
	to = step_chars(body, from, SNIPPET_CHARS);
	if ((cut = malloc(to - from + 7)) == NULL)
		return NULL;
	snprintf(cut, to - from + 7, "%s%.*s%s", from > 0 ? "…" : "", (int)(to - from), body + from,
	         body[to] != '\0' ? "…" : "");
	out = mark(cut, terms);
	free(cut);
	return out;
}

/* Reads entry id and calls fn with it: fn's value, or -1 with *err filled. */
static int emit(struct db *db, const struct terms *t, int64_t id, db_search_fn fn, void *ctx,
                struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, hit_sql, err);
	char *snip = NULL;
	json_t *place = NULL;
	int rc = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_err_set(err, "search: entry %lld: %s", (long long)id, sqlite3_errmsg(db->sql));
		goto done;
	}
	if ((snip = make_snippet(col_text(st, 0), col_text(st, 8), t->all)) == NULL)
		goto oom;
	if (col_text(st, 2) != NULL && (place = json_loads(col_text(st, 2), 0, NULL)) == NULL)
		goto oom;
	rc = fn(ctx, &(struct db_search_hit){
	                 .hit = db_search_hits[(id >> 20) & 15],
	                 .department = col_text(st, 6),
	                 .department_name = col_text(st, 7),
	                 .year = sqlite3_column_int(st, 3),
	                 .kind = strcmp(col_text(st, 4), "final") == 0 ? "final" : "budget",
	                 .level = strcmp(col_text(st, 5), "unit") == 0 ? "unit" : "department",
	                 .name = col_text(st, 0),
	                 .snippet = snip,
	                 .path = col_text(st, 1),
	                 .place = place,
	             });
	goto done;
oom:
	db_err_set(err, "out of memory");
done:
	json_decref(place);
	free(snip);
	done_with(st);
	return rc;
}

int db_search(struct db *db, const struct db_search_query *q, db_search_fn fn, void *ctx,
              struct db_search_info *info, struct db_error *err)
{
	struct matches m = { 0 };
	struct window *w = NULL;
	struct terms t;
	int rc = -1;

	memset(info, 0, sizeof(*info));
	if (split_terms(q->q, &t) != 0 || (w = malloc(sizeof(*w))) == NULL) {
		db_err_set(err, "out of memory");
		goto done;
	}
	w->n = 0;
	info->names_only = t.match == NULL;
	if (t.n == 0 || (q->hit != NULL && hit_index(q->hit) < 0)) {
		rc = 0;
		goto done;
	}
	if (t.match != NULL && (read_stat(db, m.stat, err) != 0 || find_kind(db, q, &m, err) != 0 ||
	                        find_texts(db, &t, m.stat, &m, err) != 0))
		goto done;
	plan(&m);
	if (fill(db, q, &t, &m, w, err) != 0)
		goto done;
	info->capped = w->n > WINDOW;
	info->total = info->capped ? WINDOW : w->n;
	if (t.match != NULL)
		rank_window(w, info->total);
	qsort(w->e, info->total, sizeof(w->e[0]), by_rank);
	rc = 0;
	for (size_t i = q->offset;
	     fn != NULL && i < info->total && i < q->offset + q->limit && rc == 0; i++)
		rc = emit(db, &t, w->e[i].id, fn, ctx, err);
done:
	matches_free(&m);
	free(w);
	terms_free(&t);
	return rc;
}
