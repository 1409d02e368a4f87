// SPDX-License-Identifier: MIT
// Facts: the figures aggregates sum across the store, one row each (derived.sql), written
// from a disclosure's stored rows in its import transaction, and the sums over them.
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A figure v (millionths of unit u) in fen, by exact integer arithmetic, or NULL when that
 * cannot be exact: 1 万元 is 10^6 fen, so millionths of 万元 are fen as they are. The one
 * definition of the conversion, used by every statement below. */
#define FEN(v, u)                                                                                   \
	"CASE " u " WHEN '万元' THEN " v " WHEN '元' THEN CASE WHEN " v " % 10000 = 0 THEN " v      \
	" / 10000 END WHEN '千元' THEN CASE WHEN " v " % 10 = 0 THEN " v " / 10 END WHEN '亿元' " \
	"THEN CASE WHEN abs(" v ") <= 922337203685477 THEN " v " * 10000 END END"

/* fen, unit and inexact of a figure v in unit u: what cannot be converted is counted as it
 * is written (an UPDATE of the disclosure's facts afterwards cost 3 % of the derive). */
#define FIGURE_COLUMNS(v, u) FEN(v, u) ", " u ", (" FEN(v, u) ") IS NULL "

/* Begins the text of every statement this file keeps prepared (see kept()). */
#define KEPT "/* facts.c */ "

#define FACT_INSERT                                                                            \
	"INSERT INTO fact (disclosure_id, department_id, edition, region_id, measure, class, " \
	"depth, code, fen, unit, inexact) "
#define FACT_COLUMNS KEPT FACT_INSERT
/* The dimensions every fact copies from its disclosure, found once per disclosure (dims_read)
 * and bound as ?2-?4 (department_id, edition, region_id): a join of the disclosure, its record
 * and its region computed them again for every fact (issue #17). */
#define DISCLOSURE_DIMS "?1, ?2, ?3, ?4, "

/* Every 末级 amount of every table: coded item rows no other coded row of the table (on the
 * same side) extends; percentages (rate, change_percent) are no amounts. A row is extended
 * when its (table, side, 类) has a row with a 款, or its (table, side, 类, 款) one with a 项:
 * two sets of the disclosure's rows, each built once per run, not a scan of the table for
 * every row (issue #17: 0.87 -> ~0.56 s of thread CPU per 1,000 files, a probe; the same
 * rows in the same order).
 * side is NULL or a word (schema.sql's CHECK), so coalesce(side, '') keeps "p.side IS
 * r.side"; neither tuple has a NULL where it is compared, so an IN is never NULL and "(...) IS
 * NOT TRUE" is "NOT (...)": written so because for NOT (tuple IN ...) SQLite tells a NULL from
 * a false by scanning the whole set each time the tuple is not in it (16 % of the facts). */
#define PARENTS                                                                                    \
	"FROM budget_table pt JOIN table_row p ON p.table_id = pt.id WHERE pt.disclosure_id = ?1 " \
	"AND "
#define NOT_EXTENDED                                                                               \
	"(r.code2 IS NULL AND (r.table_id, coalesce(r.side, ''), r.code1) IN (SELECT "             \
	"p.table_id, coalesce(p.side, ''), p.code1 " PARENTS "p.code2 IS NOT NULL)) IS NOT TRUE "  \
	"AND (r.code2 IS NOT NULL AND r.code3 IS NULL AND (r.table_id, coalesce(r.side, ''), "     \
	"r.code1, r.code2) IN (SELECT p.table_id, coalesce(p.side, ''), p.code1, p.code2 " PARENTS \
	"p.code3 IS NOT NULL)) IS NOT TRUE"
/* The (table, key) of the disclosure's percentage columns: one small set, not a look-up of
 * every amount's column. */
#define NOT_PERCENT                                                                          \
	"(t.id, a.key) IN (SELECT pt.id, c.key FROM budget_table pt JOIN table_column c ON " \
	"c.table_id = pt.id WHERE pt.disclosure_id = ?1 AND c.measure IN ('rate', "          \
	"'change_percent')) IS NOT TRUE"
/* A fact's measure and code are texts joined for every fact: the tables' prefixes are joined
 * once each (t, 9 rows a disclosure), and a code of one or two parts is not joined with ''. */
#define TABLE_FIGURE FIGURE_COLUMNS("a.value", "t.unit")
#define TABLE_CODE                                                                             \
	"CASE WHEN r.code2 IS NULL THEN r.code1 WHEN r.code3 IS NULL THEN r.code1 || r.code2 " \
	"ELSE r.code1 || r.code2 || r.code3 END"
static const char table_facts[] =
    KEPT "WITH t AS MATERIALIZED (SELECT id, 'table:' || type || ':' AS prefix, unit, "
         "classification FROM budget_table WHERE disclosure_id = ?1) " FACT_INSERT
         "SELECT " DISCLOSURE_DIMS "t.prefix || a.key, t.classification, 3, " TABLE_CODE
         ", " TABLE_FIGURE "FROM t JOIN table_row r ON r.table_id = t.id "
         "JOIN row_amount a ON a.row_id = r.id "
         "WHERE r.code1 IS NOT NULL AND coalesce(r.kind, 'item') = 'item' "
         "AND " NOT_EXTENDED " AND " NOT_PERCENT;
/* 三公 and 机关运行经费: the figure of the disclosure's kind (a 预算's amount, a 决算's 决算数). */
#define FIGURE(x) \
	"CASE d.kind WHEN 'final' THEN " x ".final ELSE coalesce(" x ".amount, " x ".budget) END"
static const char sangong_facts[] =
    FACT_COLUMNS "SELECT " DISCLOSURE_DIMS "'sangong', NULL, 0, '', " FIGURE_COLUMNS(
        "(" FIGURE("s") ")", "coalesce(s.unit, d.unit)") "FROM disclosure d JOIN sangong s ON "
                                                         "s.disclosure_id = d.id WHERE d.id = ?1 "
                                                         "AND " FIGURE("s") " IS NOT NULL";
static const char sangong_item_facts[] =
    FACT_COLUMNS "SELECT " DISCLOSURE_DIMS "'sangong.' || i.key, NULL, 0, '', " FIGURE_COLUMNS(
        "(" FIGURE("i") ")",
        "coalesce(s.unit, d.unit)") "FROM disclosure d "
                                    "JOIN sangong s ON s.disclosure_id = d.id JOIN sangong_item i "
                                    "ON i.sangong_id = s.id "
                                    "WHERE d.id = ?1 AND " FIGURE("i") " IS NOT NULL";
static const char operating_facts[] =
    FACT_COLUMNS "SELECT " DISCLOSURE_DIMS "'operating_costs', NULL, 0, '', " FIGURE_COLUMNS(
        "(" FIGURE("o") ")",
        "coalesce(o.unit, d.unit)") "FROM disclosure d "
                                    "JOIN operating_costs o ON o.disclosure_id = d.id WHERE d.id = "
                                    "?1 AND " FIGURE("o") " IS NOT NULL";
/* The disclosure's region, numbered once in the store (derived.sql's fact_region). */
static const char region_name[] =
    KEPT "INSERT OR IGNORE INTO fact_region (name) SELECT region FROM department_record "
         "WHERE disclosure_id = ?1 AND region IS NOT NULL";
/* One headline figure, found in C (below): ?5 measure, ?6 value, ?7 unit. */
static const char headline_fact[] =
    FACT_COLUMNS "VALUES (" DISCLOSURE_DIMS "?5, NULL, 0, '', " FIGURE_COLUMNS("?6", "?7") ")";
/* The dimensions (DISCLOSURE_DIMS) of disclosure ?1: derived.sql's fact.edition is its year,
 * kind and level in one integer; its region's number is the one region_name has written. */
static const char dims_select[] =
    KEPT "SELECT d.department_id, d.year * 4 + 2 * (d.kind = 'final') + (d.level = "
         "'department'), fr.id, d.kind = 'final' FROM disclosure d LEFT JOIN department_record "
         "dr ON dr.disclosure_id = d.id LEFT JOIN fact_region fr ON fr.name = dr.region "
         "WHERE d.id = ?1";

/* Then a table's 末级 rows are summed per 类 (depth 1) and per disclosure (depth 0), so that
 * most sums read one row per disclosure: rollup(). */
/* The fact index that sums read (derived.sql's fact_sum, word for word): an import that
 * builds a store from nothing (bulk) drops it and builds it once in db_facts_finish(), which
 * is far cheaper than keeping 11 columns in order row by row. */
static const char fact_sum_create[] =
    "CREATE INDEX fact_sum ON fact (measure, depth, code, edition, department_id, region_id, "
    "class,\n                               disclosure_id, fen, figures, inexact)";

/* Every statement this file runs per disclosure, prepared on first use and kept with the
 * connection (sqlite3_next_stmt finds it again): preparing ten joins for every disclosure
 * cost more than running them. db_facts_finish() finalizes them; what a failed import
 * leaves, db_close() does. */
static sqlite3_stmt *kept(sqlite3 *sql, const char *text)
{
	sqlite3_stmt *st = NULL;

	while ((st = sqlite3_next_stmt(sql, st)) != NULL) {
		const char *have = sqlite3_sql(st);
		if (have != NULL && strcmp(have, text) == 0) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (sqlite3_prepare_v3(sql, text, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

/* The disclosure and its dimensions (dims_select), as DISCLOSURE_DIMS binds them. */
struct dims {
	int64_t disclosure, department, edition, region;
	bool has_region, final;
};

static void bind_dims(sqlite3_stmt *st, const struct dims *d)
{
	sqlite3_bind_int64(st, 1, d->disclosure);
	sqlite3_bind_int64(st, 2, d->department);
	sqlite3_bind_int64(st, 3, d->edition);
	if (d->has_region)
		sqlite3_bind_int64(st, 4, d->region);
	else
		sqlite3_bind_null(st, 4);
}

/* Reads the disclosure's dimensions into d (after region_name has run); 0, or -1. */
static int dims_read(sqlite3 *sql, int64_t disclosure, struct dims *d)
{
	sqlite3_stmt *st = kept(sql, dims_select);
	int rc = -1;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, disclosure);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*d = (struct dims){ .disclosure = disclosure,
			            .department = sqlite3_column_int64(st, 0),
			            .edition = sqlite3_column_int64(st, 1),
			            .region = sqlite3_column_int64(st, 2),
			            .has_region = sqlite3_column_type(st, 2) != SQLITE_NULL,
			            .final = sqlite3_column_int(st, 3) != 0 };
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

/* Runs the statement text for disclosure ?1, with its dimensions d (NULL: text has none). */
static int run(sqlite3 *sql, const char *text, int64_t disclosure, const struct dims *d,
               struct db_error *err)
{
	sqlite3_stmt *st = kept(sql, text);
	int rc;

	if (st == NULL)
		goto fail;
	if (d != NULL)
		bind_dims(st, d);
	else
		sqlite3_bind_int64(st, 1, disclosure);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
fail:
	db_err_set(err, "deriving facts: %s", sqlite3_errmsg(sql));
	db_err_store(err, sql);
	return -1;
}

/* ---- headline totals, found as GET .../{kind}/{year} finds them (api/disclosure.c) ---- */

struct headline {
	const char *measure;
	const char *types[2]; /* of a budget; a final tries them the other way round */
	const char *side; /* of the total row, or NULL */
	const char *slice; /* the column key's prefix (basic, basic_final), or NULL */
};

static const struct headline headlines[] = {
	{ "revenue", { "budget_summary", "final_summary" }, "income", NULL },
	{ "expenditure", { "budget_summary", "final_summary" }, "expenditure", NULL },
	{ "basic", { "budget_expenditure", "final_expenditure" }, NULL, "basic" },
	{ "project", { "budget_expenditure", "final_expenditure" }, NULL, "project" },
};

bool db_column_is(const char *key, const char *m, const char *slice, const char *measure)
{
	size_t n = slice != NULL ? strlen(slice) : 0;

	if (key == NULL)
		return false;
	if (slice != NULL && (strncmp(key, slice, n) != 0 || (key[n] != '\0' && key[n] != '_')))
		return false;
	return measure == NULL || m == NULL || strcmp(m, measure) == 0;
}

/* The statements that find and write the headline figures (kept: see kept()). */
struct finder {
	sqlite3_stmt *table, *row, *cols, *ins;
};

static int finder_open(sqlite3 *sql, struct finder *f)
{
	static const char *const text[] = {
		/* +type: not the index on type, which holds every table of the store of that
		 * type (a scan growing with the store, 116 ms a disclosure at 10,000). The first
		 * table by position through min()'s bare columns (SQLite takes them from the row
		 * of the minimum; positions are places in the file, never two the same), not an
		 * ORDER BY ... LIMIT 1, whose sort cost 38,000 instructions a run (issue #17). */
		KEPT "SELECT id, unit, min(position) FROM budget_table WHERE disclosure_id = ?1 "
		     "AND +type = ?2",
		KEPT "SELECT id, side FROM table_row WHERE table_id = ?1 AND kind = 'total' "
		     "AND (?2 IS NULL OR side = ?2) ORDER BY position DESC LIMIT 1",
		KEPT
		"SELECT c.key, c.measure, a.value, c.position FROM table_column c LEFT JOIN "
		"row_amount a ON a.row_id = ?2 AND a.key = c.key WHERE c.table_id = ?1 AND (?3 IS "
		"NULL OR c.side = ?3)",
		headline_fact,
	};
	sqlite3_stmt **st[] = { &f->table, &f->row, &f->cols, &f->ins };

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		if ((*st[i] = kept(sql, text[i])) == NULL)
			return -1;
	return 0;
}

static void finder_close(struct finder *f)
{
	sqlite3_reset(f->table);
	sqlite3_reset(f->row);
	sqlite3_reset(f->cols);
	sqlite3_reset(f->ins);
}

/* The figure of the last total row (on side) of table t: the first column (in position
 * order) on the row's side holding slice in the kind's measure, else in any measure. true when
 * found. One pass over the columns in key order, keeping the lowest position of each kind of
 * match: an ORDER BY position sorted them, and a miss read them twice (issue #17); a table's
 * column positions are its columns' places in the file, never two the same. */
static bool headline_value(struct finder *f, int64_t t, const struct headline *h,
                           const char *measure, int64_t *value)
{
	bool found[2] = { false, false }; /* in the kind's measure, in any */
	int64_t at[2] = { 0, 0 }, v[2] = { 0, 0 };

	sqlite3_bind_int64(f->row, 1, t);
	sqlite3_bind_text(f->row, 2, h->side, -1, SQLITE_STATIC);
	if (sqlite3_step(f->row) == SQLITE_ROW) {
		sqlite3_bind_int64(f->cols, 1, t);
		sqlite3_bind_int64(f->cols, 2, sqlite3_column_int64(f->row, 0));
		sqlite3_bind_value(f->cols, 3, sqlite3_column_value(f->row, 1));
		while (sqlite3_step(f->cols) == SQLITE_ROW) {
			const char *key = (const char *)sqlite3_column_text(f->cols, 0);
			const char *m = (const char *)sqlite3_column_text(f->cols, 1);
			int64_t pos = sqlite3_column_int64(f->cols, 3);
			if (sqlite3_column_type(f->cols, 2) != SQLITE_INTEGER)
				continue;
			for (int pass = 0; pass < 2; pass++) {
				if ((found[pass] && at[pass] <= pos) ||
				    !db_column_is(key, m, h->slice, pass == 0 ? measure : NULL))
					continue;
				found[pass] = true;
				at[pass] = pos;
				v[pass] = sqlite3_column_int64(f->cols, 2);
			}
		}
		sqlite3_reset(f->cols);
	}
	sqlite3_reset(f->row);
	if (found[0] || found[1])
		*value = found[0] ? v[0] : v[1];
	return found[0] || found[1];
}

/* Writes the headline fact h, when the disclosure publishes it; 0, or -1 (a store failure). */
static int headline(struct finder *f, const struct dims *d, const struct headline *h)
{
	bool final = d->final, found = false;
	int64_t value;
	int rc = 0;

	sqlite3_bind_int64(f->table, 1, d->disclosure);
	for (int i = 0; i < 2 && !found; i++) { /* no such table: one row of NULLs */
		sqlite3_reset(f->table);
		sqlite3_bind_text(f->table, 2, h->types[final ? 1 - i : i], -1, SQLITE_STATIC);
		found = sqlite3_step(f->table) == SQLITE_ROW &&
		        sqlite3_column_type(f->table, 0) != SQLITE_NULL;
	}
	if (found && headline_value(f, sqlite3_column_int64(f->table, 0), h,
	                            final ? "final" : "budget", &value)) {
		bind_dims(f->ins, d);
		sqlite3_bind_text(f->ins, 5, h->measure, -1, SQLITE_STATIC);
		sqlite3_bind_int64(f->ins, 6, value);
		sqlite3_bind_value(f->ins, 7, sqlite3_column_value(f->table, 1));
		rc = sqlite3_step(f->ins) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(f->ins);
	}
	sqlite3_reset(f->table);
	return rc;
}

static int headlines_derive(sqlite3 *sql, const struct dims *d, struct db_error *err)
{
	struct finder f = { NULL, NULL, NULL, NULL };
	int rc = finder_open(sql, &f);

	for (size_t i = 0; rc == 0 && i < sizeof(headlines) / sizeof(headlines[0]); i++)
		rc = headline(&f, d, &headlines[i]);
	if (rc != 0) {
		db_err_set(err, "deriving facts: %s", sqlite3_errmsg(sql));
		db_err_store(err, sql);
	}
	finder_close(&f);
	return rc;
}

/* ---- the sums of a table's 末级 rows: per 类 (depth 1) and per disclosure (depth 0) ---- */

/* These were two INSERT ... SELECT ... GROUP BY measure, class[, 类] over the depth 3 rows,
 * each a sort in a temporary b-tree: half of the facts' time (issue #17). Done here they give
 * the same rows in the same order: groups ascending in BINARY order with a NULL class first,
 * as SQLite's GROUP BY wrote them; fen the sum of the figures converted, NULL for none; an
 * integer overflow fails as sum() did. */
struct leaf {
	const char *measure, *class, *unit; /* in the leaves' text; class may be NULL */
	char code[4]; /* the 类: the code's first three bytes (digits) */
	sqlite3_int64 fen, figures, inexact;
	bool has_fen;
};

/* The leaves' texts, copied one after the other into blocks that never move: a strdup() and
 * a free() for each of three texts of every leaf cost more than adding them up. */
struct text_block {
	struct text_block *next;
	size_t used, size;
	char bytes[];
};

struct leaves {
	struct leaf *v;
	size_t n, cap;
	struct text_block *text; /* the newest block first */
};

static int cmp_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL); /* NULL first */
	return strcmp(a, b);
}

/* The group order: measure, class, then (depth 1) the 类. */
static int cmp_leaf(const void *pa, const void *pb)
{
	const struct leaf *a = pa, *b = pb;
	int c = strcmp(a->measure, b->measure);

	if (c == 0)
		c = cmp_text(a->class, b->class);
	return c != 0 ? c : strcmp(a->code, b->code);
}

static bool same_group(const struct leaf *a, const struct leaf *b, int depth)
{
	return strcmp(a->measure, b->measure) == 0 && cmp_text(a->class, b->class) == 0 &&
	       (depth == 0 || strcmp(a->code, b->code) == 0);
}

static void leaves_free(struct leaves *l)
{
	while (l->text != NULL) {
		struct text_block *next = l->text->next;
		free(l->text);
		l->text = next;
	}
	free(l->v);
}

/* A copy of column col's text in l's blocks; NULL for a NULL, or when out of memory (*oom). */
static const char *copy_text(struct leaves *l, sqlite3_stmt *st, int col, bool *oom)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col) + 1;
	struct text_block *b = l->text;
	char *copy;

	if (t == NULL) {
		*oom |= sqlite3_column_type(st, col) != SQLITE_NULL;
		return NULL;
	}
	if (b == NULL || b->size - b->used < n) {
		size_t size = n > 4096 ? n : 4096;
		if ((b = malloc(sizeof(*b) + size)) == NULL) {
			*oom = true;
			return NULL;
		}
		*b = (struct text_block){ .next = l->text, .used = 0, .size = size };
		l->text = b;
	}
	copy = memcpy(b->bytes + b->used, t, n);
	b->used += n;
	return copy;
}

/* Appends the row st is on; 0, or -1 when out of memory. */
static int leaf_add(struct leaves *l, sqlite3_stmt *st)
{
	const char *code = (const char *)sqlite3_column_text(st, 2); /* NOT NULL */
	size_t code_len = code != NULL ? strnlen(code, 3) : 0;
	bool oom = false;
	struct leaf *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct leaf *more = realloc(l->v, cap * sizeof(*more));
		if (more == NULL)
			return -1;
		l->v = more;
		l->cap = cap;
	}
	f = &l->v[l->n++];
	*f = (struct leaf){ .measure = copy_text(l, st, 0, &oom),
		            .class = copy_text(l, st, 1, &oom),
		            .unit = copy_text(l, st, 3, &oom),
		            .has_fen = sqlite3_column_type(st, 4) != SQLITE_NULL,
		            .fen = sqlite3_column_int64(st, 4),
		            .figures = sqlite3_column_int64(st, 5),
		            .inexact = sqlite3_column_int64(st, 6) };
	memcpy(f->code, code != NULL ? code : "", code_len);
	f->code[code_len] = '\0';
	return oom || f->measure == NULL || f->unit == NULL ? -1 : 0;
}

/* The disclosure's depth 3 facts (its facts are the ids from first on) into l, sorted in
 * group order. SQLITE_OK, or an error code. */
static int leaves_read(sqlite3 *sql, int64_t first, struct leaves *l)
{
	sqlite3_stmt *st = kept(sql, KEPT "SELECT measure, class, code, unit, fen, figures, "
	                                  "inexact FROM fact WHERE id >= ?1 AND depth = 3");
	int rc = SQLITE_ROW;

	if (st == NULL)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, first);
	while (rc == SQLITE_ROW && (rc = sqlite3_step(st)) == SQLITE_ROW)
		if (leaf_add(l, st) != 0)
			rc = SQLITE_NOMEM;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rc;
	if (l->n > 0) /* no leaves: l->v is NULL, which qsort() may not be given (UBSan) */
		qsort(l->v, l->n, sizeof(*l->v), cmp_leaf);
	return SQLITE_OK;
}

/* Writes the sum of leaves [from, to) at depth (the code: its 类 at depth 1, else ''). */
static int rollup_row(sqlite3_stmt *ins, const struct leaves *l, size_t from, size_t to, int depth)
{
	const struct leaf *f = &l->v[from];
	sqlite3_int64 fen = 0, figures = 0, inexact = 0;
	bool has_fen = false, over = false;
	const char *unit = f->unit;
	int rc;

	for (size_t i = from; i < to; i++) {
		const struct leaf *g = &l->v[i];
		if (g->has_fen) {
			over |= __builtin_add_overflow(fen, g->fen, &fen);
			has_fen = true;
		}
		over |= __builtin_add_overflow(figures, g->figures, &figures);
		over |= __builtin_add_overflow(inexact, g->inexact, &inexact);
		if (strcmp(g->unit, unit) < 0)
			unit = g->unit;
	}
	if (over)
		return SQLITE_TOOBIG;
	sqlite3_bind_text(ins, 5, f->measure, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, f->class, -1, SQLITE_STATIC); /* NULL binds NULL */
	sqlite3_bind_int(ins, 7, depth);
	sqlite3_bind_text(ins, 8, depth == 1 ? f->code : "", -1, SQLITE_STATIC);
	if (has_fen)
		sqlite3_bind_int64(ins, 9, fen);
	else
		sqlite3_bind_null(ins, 9);
	sqlite3_bind_int64(ins, 10, figures);
	sqlite3_bind_int64(ins, 11, inexact);
	sqlite3_bind_text(ins, 12, unit, -1, SQLITE_STATIC);
	rc = sqlite3_step(ins);
	sqlite3_reset(ins);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int rollup(sqlite3 *sql, const struct dims *d, int64_t first, struct db_error *err)
{
	struct leaves l = { .n = 0 };
	sqlite3_stmt *ins =
	    kept(sql, KEPT
	         "INSERT INTO fact (disclosure_id, department_id, edition, region_id, measure, "
	         "class, depth, code, fen, figures, inexact, unit) VALUES (?1, ?2, ?3, ?4, "
	         "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
	int rc = ins != NULL ? leaves_read(sql, first, &l) : SQLITE_ERROR;

	if (rc == SQLITE_OK)
		bind_dims(ins, d); /* once: a reset keeps the bindings */

	for (int depth = 1; depth >= 0; depth--) { /* the 类 first, as before */
		for (size_t i = 0, j; rc == SQLITE_OK && i < l.n; i = j) {
			for (j = i + 1; j < l.n && same_group(&l.v[i], &l.v[j], depth); j++)
				;
			rc = rollup_row(ins, &l, i, j, depth);
		}
	}
	leaves_free(&l);
	if (rc == SQLITE_OK)
		return 0;
	db_err_set(err, "deriving facts: %s",
	           rc == SQLITE_TOOBIG  ? "integer overflow"
	           : rc == SQLITE_NOMEM ? "out of memory"
	                                : sqlite3_errmsg(sql));
	db_err_store(err, sql);
	return -1;
}

/* The id the next fact gets: a disclosure's facts are written one after the other, from it
 * on (derived.sql's fact_span). 0, or -1 with err filled. */
static int next_fact_id(sqlite3 *sql, int64_t *id, struct db_error *err)
{
	sqlite3_stmt *st = kept(sql, KEPT "SELECT coalesce(max(id), 0) FROM fact");
	int rc = -1;

	if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0) + 1;
		rc = 0;
	}
	if (st != NULL)
		sqlite3_reset(st);
	if (rc != 0) {
		db_err_set(err, "deriving facts: %s", sqlite3_errmsg(sql));
		db_err_store(err, sql);
	}
	return rc;
}

/* Records that the disclosure's facts are the ids from first to the last one written (none:
 * no row). */
static int span(sqlite3 *sql, int64_t disclosure, int64_t first, struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	int64_t next;
	int rc = SQLITE_DONE;

	if (next_fact_id(sql, &next, err) != 0)
		return -1;
	if (next > first) {
		st = kept(sql, KEPT "INSERT INTO fact_span (disclosure_id, first_id, last_id) "
		                    "VALUES (?1, ?2, ?3)");
		rc = SQLITE_ERROR;
	}
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, disclosure);
		sqlite3_bind_int64(st, 2, first);
		sqlite3_bind_int64(st, 3, next - 1);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	if (rc == SQLITE_DONE)
		return 0;
	db_err_set(err, "deriving facts: %s", sqlite3_errmsg(sql));
	db_err_store(err, sql);
	return -1;
}

/* Bulk: the first disclosure drops fact_sum (db_facts_finish() builds it). */
static int drop_fact_sum(sqlite3 *sql, struct db_error *err)
{
	if (sqlite3_exec(sql, "DROP INDEX IF EXISTS fact_sum", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	db_err_set(err, "deriving facts: %s", sqlite3_errmsg(sql));
	db_err_store(err, sql);
	return -1;
}

int db_facts_derive(sqlite3 *sql, int64_t disclosure, bool bulk, struct db_error *err)
{
	static const char *const rows[] = { table_facts, sangong_facts, sangong_item_facts,
		                            operating_facts };

	struct dims d;
	int64_t first;

	if (bulk && drop_fact_sum(sql, err) != 0)
		return -1;
	if (next_fact_id(sql, &first, err) != 0)
		return -1;
	if (run(sql, region_name, disclosure, NULL, err) != 0)
		return -1;
	if (dims_read(sql, disclosure, &d) != 0) {
		db_err_set(err, "deriving facts: %s", sqlite3_errmsg(sql));
		return -1;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (run(sql, rows[i], disclosure, &d, err) != 0)
			return -1;
	if (headlines_derive(sql, &d, err) != 0)
		return -1;
	if (rollup(sql, &d, first, err) != 0)
		return -1;
	return span(sql, disclosure, first, err);
}

void db_facts_forget(sqlite3 *sql)
{
	sqlite3_stmt *st = NULL, *next;

	for (st = sqlite3_next_stmt(sql, NULL); st != NULL; st = next) {
		const char *text = sqlite3_sql(st);
		next = sqlite3_next_stmt(sql, st);
		if (text != NULL && strncmp(text, KEPT, strlen(KEPT)) == 0)
			sqlite3_finalize(st);
	}
}

int db_facts_finish(sqlite3 *sql, bool bulk, struct db_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_OK;

	db_facts_forget(sql);
	if (!bulk)
		return 0;
	/* The index exists unless a disclosure dropped it (an import of nothing but findings). */
	rc = sqlite3_prepare_v2(sql, "SELECT 1 FROM sqlite_schema WHERE name = 'fact_sum'", -1, &st,
	                        NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = sqlite3_exec(sql, fact_sum_create, NULL, NULL, NULL);
	else if (rc == SQLITE_ROW)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return 0;
	db_err_set(err, "deriving facts: %s", sqlite3_errmsg(sql));
	db_err_store(err, sql);
	return -1;
}
