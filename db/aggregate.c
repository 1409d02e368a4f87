// SPDX-License-Identifier: MIT
// Sums over the facts of the store (db/facts.c): one statement built from the query, with
// only the filters given in its WHERE so that SQLite reads the covering index fact_sum.
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* The SQL text of a statement being built. */
struct text {
	char s[2048];
	size_t len;
};

static void add(struct text *t, const char *s)
{
	int n = snprintf(t->s + t->len, sizeof(t->s) - t->len, "%s", s);

	if (n > 0)
		t->len += (size_t)n < sizeof(t->s) - t->len ? (size_t)n : 0;
}

/* The year, kind and level of a fact, as disclosure holds them, from its edition. */
#define YEAR "(f.edition >> 2)"
#define KIND "(CASE WHEN f.edition & 2 THEN 'final' ELSE 'budget' END)"
#define LEVEL "(CASE WHEN f.edition & 1 THEN 'department' ELSE 'unit' END)"

/* The key expression of a group dimension (depth: 1 类, 2 款, 3 项; a shorter 末级 code is
 * its own key). A region is grouped by its number and answered by its name (named: the
 * expression that answers, once per group, not once per fact). */
static void add_key(struct text *t, enum db_agg_dim d, int depth, bool named)
{
	static const char *const col[] = { "f.department_id", YEAR, KIND, LEVEL, "f.region_id" };
	char buf[64];

	if (d == DB_AGG_FUNCTION || d == DB_AGG_ECONOMIC) {
		snprintf(buf, sizeof(buf), "substr(f.code, 1, %d)", 1 + 2 * depth);
		add(t, buf);
	} else if (d == DB_AGG_REGION && named) {
		add(t, "(SELECT name FROM fact_region WHERE id = f.region_id)");
	} else {
		add(t, col[d]);
	}
}

/* WHERE with the filters given, bound by name (:measure...). */
static void add_where(struct text *t, const struct db_agg_query *q)
{
	add(t, " FROM fact f WHERE f.measure = :measure AND f.depth = :depth");
	if (q->code != NULL)
		add(t, " AND f.code >= :code AND f.code < :code || ':'");
	if (q->year != 0)
		add(t, " AND " YEAR " = :year");
	if (q->kind != NULL)
		add(t, " AND " KIND " = :kind");
	if (q->level != NULL)
		add(t, " AND " LEVEL " = :level");
	if (q->region != NULL)
		add(t, " AND f.region_id = (SELECT id FROM fact_region WHERE name = :region)");
	if (q->department != NULL)
		add(t,
		    " AND f.department_id = (SELECT id FROM department WHERE slug = :department)");
	for (size_t i = 0; i < q->n_group; i++) {
		if (q->group[i] == DB_AGG_FUNCTION)
			add(t, " AND f.class = 'function'");
		else if (q->group[i] == DB_AGG_ECONOMIC)
			add(t, " AND f.class = 'economic'");
	}
}

static void bind(sqlite3_stmt *st, const char *name, const char *value)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
}

/* The facts a query reads: its disclosures' sums (depth 0) unless it filters or groups by
 * code; then the sums per 类 (1) when a 类 is enough, else the 末级 rows (3). */
static int depth_of(const struct db_agg_query *q)
{
	int d = q->code == NULL ? 0 : strlen(q->code) == 3 ? 1 : 3;

	for (size_t i = 0; i < q->n_group; i++)
		if (q->group[i] == DB_AGG_FUNCTION || q->group[i] == DB_AGG_ECONOMIC)
			d = d > (q->depth <= 1 ? 1 : 3) ? d : (q->depth <= 1 ? 1 : 3);
	return d;
}

static void bind_query(sqlite3_stmt *st, const struct db_agg_query *q)
{
	int i = sqlite3_bind_parameter_index(st, ":year");

	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":depth"), depth_of(q));
	bind(st, ":measure", q->measure);
	bind(st, ":code", q->code);
	bind(st, ":kind", q->kind);
	bind(st, ":level", q->level);
	bind(st, ":region", q->region);
	bind(st, ":department", q->department);
	if (i > 0)
		sqlite3_bind_int(st, i, q->year);
}

/* Columns 0..n-1 the keys, then sum, disclosures, figures, inexact, the latest
 * disclosure (for a department's name), the number of groups. */
static void build_groups(struct text *t, const struct db_agg_query *q)
{
	struct text k = { .len = 0 }, g = { .len = 0 };

	for (size_t i = 0; i < q->n_group; i++) {
		add(&k, i > 0 ? ", " : "");
		add_key(&k, q->group[i], q->depth, true);
		add(&g, i > 0 ? ", " : "");
		add_key(&g, q->group[i], q->depth, false);
	}
	add(t, "SELECT ");
	add(t, k.s);
	add(t, ", sum(f.fen), count(DISTINCT f.disclosure_id), sum(f.figures), sum(f.inexact), "
	       "max((f.edition << 32) + f.disclosure_id) & 4294967295, count(*) OVER ()");
	add_where(t, q);
	add(t, " GROUP BY ");
	add(t, g.s);
	add(t, " ORDER BY ");
	if (q->order == DB_AGG_BY_SUM_DESC)
		add(t, "sum(f.fen) IS NULL, sum(f.fen) DESC, ");
	else if (q->order == DB_AGG_BY_SUM_ASC)
		add(t, "sum(f.fen) IS NULL, sum(f.fen), ");
	for (size_t i = 0; i < q->n_group; i++) {
		static const char *const column[] = { "1", "2", "3" }; /* DB_AGG_MAX_GROUP */
		add(t, i > 0 ? ", " : "");
		if (q->group[i] == DB_AGG_DEPARTMENT) { /* by id, not by import order */
			add(t, "(SELECT slug FROM department WHERE id = ");
			add_key(t, q->group[i], q->depth, false);
			add(t, ")");
		} else {
			add(t, column[i]);
		}
	}
	add(t, " LIMIT :limit OFFSET :offset");
}

static int fail(sqlite3 *sql, struct db_error *err)
{
	db_err_set(err, "aggregating: %s", sqlite3_errmsg(sql));
	if (strstr(sqlite3_errmsg(sql), "integer overflow") != NULL)
		err->code = DB_AGG_OVERFLOW;
	else
		db_err_store(err, sql);
	return -1;
}

/* The labels of group g's keys: a department's id and name, a code's row name. */
struct labels {
	sqlite3_stmt *dept, *code;
	char slug[80], name[4][512];
};

static const char *copy(char *buf, size_t size, const unsigned char *s)
{
	if (s == NULL)
		return NULL;
	snprintf(buf, size, "%s", (const char *)s);
	return buf;
}

static void label(struct labels *l, const struct db_agg_query *q, sqlite3_stmt *st, size_t i,
                  size_t n, struct db_agg_group *g)
{
	const char *key = (const char *)sqlite3_column_text(st, (int)i);

	g->key[i] = key;
	g->label[i] = key;
	switch (q->group[i]) {
	case DB_AGG_DEPARTMENT:
		sqlite3_bind_int64(l->dept, 1, sqlite3_column_int64(st, (int)n + 4));
		if (sqlite3_step(l->dept) == SQLITE_ROW) {
			g->key[i] = copy(l->slug, sizeof(l->slug), sqlite3_column_text(l->dept, 0));
			g->label[i] =
			    copy(l->name[i], sizeof(l->name[i]), sqlite3_column_text(l->dept, 1));
		}
		sqlite3_reset(l->dept);
		break;
	case DB_AGG_KIND:
		g->label[i] = key != NULL && strcmp(key, "final") == 0 ? "决算" : "预算";
		break;
	case DB_AGG_LEVEL:
		g->label[i] = key != NULL && strcmp(key, "unit") == 0 ? "单位" : "部门";
		break;
	case DB_AGG_FUNCTION:
	case DB_AGG_ECONOMIC:
		sqlite3_bind_text(l->code, 1, key, -1, SQLITE_STATIC);
		g->label[i] =
		    sqlite3_step(l->code) == SQLITE_ROW
		        ? copy(l->name[i], sizeof(l->name[i]), sqlite3_column_text(l->code, 0))
		        : NULL;
		sqlite3_reset(l->code);
		break;
	default:
		break;
	}
}

static int each_group(struct db *db, sqlite3_stmt *st, const struct db_agg_query *q, db_agg_fn fn,
                      void *ctx, size_t *groups, struct db_error *err)
{
	struct labels l = { 0 };
	size_t n = q->n_group;
	int step, rc = 0;

	l.dept = db_stmt(db,
	                 "SELECT p.slug, r.name FROM disclosure d JOIN department p ON p.id = "
	                 "d.department_id LEFT JOIN department_record r ON r.disclosure_id = d.id "
	                 "WHERE d.id = ?1",
	                 err);
	l.code = db_stmt(db,
	                 "SELECT name FROM table_row WHERE code1 = substr(?1, 1, 3) AND code2 IS "
	                 "nullif(substr(?1, 4, 2), '') AND code3 IS nullif(substr(?1, 6, 2), '') "
	                 "AND name IS NOT NULL ORDER BY id DESC LIMIT 1",
	                 err);
	if (l.dept == NULL || l.code == NULL)
		return -1;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_agg_group g = { 0 };
		for (size_t i = 0; i < n; i++)
			label(&l, q, st, i, n, &g);
		g.has_sum = sqlite3_column_type(st, (int)n) != SQLITE_NULL;
		g.fen = sqlite3_column_int64(st, (int)n);
		g.disclosures = (size_t)sqlite3_column_int64(st, (int)n + 1);
		g.figures = (size_t)sqlite3_column_int64(st, (int)n + 2);
		g.inexact = (size_t)sqlite3_column_int64(st, (int)n + 3);
		*groups = (size_t)sqlite3_column_int64(st, (int)n + 5);
		rc = fn != NULL ? fn(ctx, &g) : 0;
	}
	if (rc == 0 && step != SQLITE_DONE)
		return fail(sqlite3_db_handle(st), err);
	return rc;
}

static int sum_all(struct db *db, const struct db_agg_query *q, struct db_agg_totals *totals,
                   struct db_error *err)
{
	struct text t = { .len = 0 };
	sqlite3_stmt *st;
	int rc = -1;

	add(&t, "SELECT sum(f.fen), count(DISTINCT f.disclosure_id), sum(f.figures), "
	        "sum(f.inexact)");
	add_where(&t, q);
	if (sqlite3_prepare_v2(db->sql, t.s, -1, &st, NULL) != SQLITE_OK)
		return fail(db->sql, err);
	bind_query(st, q);
	if (sqlite3_step(st) == SQLITE_ROW) {
		totals->has_sum = sqlite3_column_type(st, 0) != SQLITE_NULL;
		totals->fen = sqlite3_column_int64(st, 0);
		totals->disclosures = (size_t)sqlite3_column_int64(st, 1);
		totals->figures = (size_t)sqlite3_column_int64(st, 2);
		totals->inexact = (size_t)sqlite3_column_int64(st, 3);
		rc = 0;
	} else {
		fail(db->sql, err);
	}
	sqlite3_finalize(st);
	return rc;
}

static int count_groups(struct db *db, const struct db_agg_query *q, size_t *groups,
                        struct db_error *err)
{
	struct text t = { .len = 0 };
	sqlite3_stmt *st;
	int rc = -1;

	add(&t, "SELECT count(*) FROM (SELECT 1");
	add_where(&t, q);
	add(&t, " GROUP BY ");
	for (size_t i = 0; i < q->n_group; i++) {
		add(&t, i > 0 ? ", " : "");
		add_key(&t, q->group[i], q->depth, false);
	}
	add(&t, ")");
	if (sqlite3_prepare_v2(db->sql, t.s, -1, &st, NULL) != SQLITE_OK)
		return fail(db->sql, err);
	bind_query(st, q);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*groups = (size_t)sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		fail(db->sql, err);
	}
	sqlite3_finalize(st);
	return rc;
}

int db_aggregate(struct db *db, const struct db_agg_query *q, db_agg_fn fn, void *ctx,
                 struct db_agg_totals *totals, struct db_error *err)
{
	struct db_agg_totals tt = { 0 };
	struct text t = { .len = 0 };
	sqlite3_stmt *st;
	int rc = 0;

	if (sum_all(db, q, &tt, err) != 0)
		return -1;
	if (q->n_group > 0) {
		build_groups(&t, q);
		/* built at run time: prepared each time, never in the connection's cache */
		if (sqlite3_prepare_v2(db->sql, t.s, -1, &st, NULL) != SQLITE_OK)
			return fail(db->sql, err);
		bind_query(st, q);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"),
		                   q->limit > 0 ? (int64_t)q->limit : -1);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":offset"),
		                   (int64_t)q->offset);
		rc = each_group(db, st, q, fn, ctx, &tt.groups, err);
		sqlite3_finalize(st);
		if (rc == 0 && tt.groups == 0 && q->offset > 0 && tt.figures > 0)
			rc = count_groups(db, q, &tt.groups, err); /* a page past the last */
	}
	if (totals != NULL)
		*totals = tt;
	return rc;
}
