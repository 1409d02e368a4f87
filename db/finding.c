// SPDX-License-Identifier: MIT
// Findings (核对): checking their shape, storing them with their disclosure, and reading
// them back by disclosure or across the store. The store interprets no rule.
#include "internal.h"
#include "read_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const families[] = { "table", "cross", "text", "document", NULL };
static const char *const severities[] = { "error", "warning", "info", NULL };

static bool one_of(const char *s, const char *const *set)
{
	for (; s != NULL && *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static bool rule_id(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 32 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* Sets err for finding i's member and returns -1. */
static int bad(struct db_error *err, size_t i, const char *member, const char *what)
{
	err->code = DB_BAD_FINDINGS;
	snprintf(err->path, sizeof(err->path), "$[%zu]%s%s", i, member[0] ? "." : "", member);
	db_err_set(err, "finding %zu: %s%s%s", i, member, member[0] ? " " : "", what);
	return -1;
}

/* Absent, or a string. */
static bool opt_text(const json_t *obj, const char *key)
{
	const json_t *j = json_object_get(obj, key);

	return j == NULL || json_is_string(j);
}

/* Absent, or a whole number >= min (and <= max when max > 0). */
static bool opt_int(const json_t *obj, const char *key, json_int_t min, json_int_t max)
{
	const json_t *j = json_object_get(obj, key);

	return j == NULL || (json_is_integer(j) && json_integer_value(j) >= min &&
	                     (max <= 0 || json_integer_value(j) <= max));
}

static int check_place(const json_t *p, size_t i, struct db_error *err)
{
	static const char *const parts[] = { "table", "row", "column", "section", NULL };

	if (p == NULL)
		return 0;
	if (!json_is_object(p))
		return bad(err, i, "place", "must be an object");
	for (const char *const *k = parts; *k != NULL; k++) {
		const json_t *o = json_object_get(p, *k);
		if (o != NULL && !json_is_object(o))
			return bad(err, i, "place",
			           "members table, row, column and section must be objects");
	}
	if (!opt_int(json_object_get(p, "table"), "position", 1, 99))
		return bad(err, i, "place.table.position", "must be a whole number from 1 to 99");
	if (!opt_int(json_object_get(p, "row"), "index", 0, 0))
		return bad(err, i, "place.row.index", "must be a whole number >= 0");
	if (!opt_int(json_object_get(p, "section"), "index", 0, 0))
		return bad(err, i, "place.section.index", "must be a whole number >= 0");
	if (!opt_int(p, "page", 1, 0))
		return bad(err, i, "place.page", "must be a whole number >= 1");
	if (!opt_text(p, "quote"))
		return bad(err, i, "place.quote", "must be a string");
	if (json_object_get(p, "box") != NULL && !json_is_array(json_object_get(p, "box")))
		return bad(err, i, "place.box", "must be an array [page, x0, y0, x1, y1]");
	return 0;
}

static int check_one(const json_t *f, size_t i, struct db_error *err)
{
	static const char *const figures[] = { "expected", "actual", "difference", NULL };
	const char *msg = json_string_value(json_object_get(f, "message_zh"));
	int64_t v;

	if (!json_is_object(f))
		return bad(err, i, "", "must be an object");
	if (!rule_id(json_string_value(json_object_get(f, "rule"))))
		return bad(err, i, "rule", "must be 1 to 32 of A-Z a-z 0-9 . _ -");
	if (!one_of(json_string_value(json_object_get(f, "family")), families))
		return bad(err, i, "family", "must be one of table, cross, text, document");
	if (!one_of(json_string_value(json_object_get(f, "severity")), severities))
		return bad(err, i, "severity", "must be one of error, warning, info");
	if (msg == NULL || msg[0] == '\0')
		return bad(err, i, "message_zh", "must be a non-empty string");
	if (!opt_text(f, "message_en") || !opt_text(f, "unit"))
		return bad(err, i, !opt_text(f, "unit") ? "unit" : "message_en",
		           "must be a string");
	for (const char *const *k = figures; *k != NULL; k++) {
		const json_t *j = json_object_get(f, *k);
		if (j != NULL &&
		    (!json_is_string(j) || db_dec_parse(json_string_value(j), true, &v) != 0))
			return bad(err, i, *k,
			           "must be a decimal string such as \"299.49\" or \"-0.01\"");
	}
	return check_place(json_object_get(f, "place"), i, err);
}

int db_findings_check(const json_t *findings, struct db_error *err)
{
	size_t i;
	json_t *f;

	if (!json_is_array(findings)) {
		err->code = DB_BAD_FINDINGS;
		snprintf(err->path, sizeof(err->path), "$");
		db_err_set(err, "findings must be an array");
		return -1;
	}
	json_array_foreach (findings, i, f)
		if (check_one(f, i, err) != 0)
			return -1;
	return 0;
}

/* ---- a finding's body: json_dumps(f, JSON_COMPACT) byte for byte, without its cost ----
 * jansson's dump keeps a table of the containers it is in (a printf of each one's address
 * into a hash) and walks strings a code point at a time: 47 k instructions a finding, more
 * than its INSERT (issue #17). A body holding a real (a box's coordinates) is left to
 * jansson, whose printing of doubles this does not repeat. */

struct body {
	char *s;
	size_t len, cap;
	bool failed; /* out of memory, or a real met */
};

static void put(struct body *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *more;
		while (b->len + n + 1 > cap)
			cap *= 2;
		if ((more = realloc(b->s, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->s = more;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* As jansson escapes: '"', '\\' and control characters; UTF-8 as it is. */
static void put_string(struct body *b, const char *s, size_t n)
{
	static const char named[] = "btn\0fr"; /* \b \t \n, \f \r: 8, 9, 10, 12, 13 */
	size_t from = 0;

	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char esc[8];
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		put(b, s + from, i - from);
		if (ch == '"' || ch == '\\')
			snprintf(esc, sizeof(esc), "\\%c", ch);
		else if (ch >= 8 && ch <= 13 && named[ch - 8] != '\0')
			snprintf(esc, sizeof(esc), "\\%c", named[ch - 8]);
		else
			snprintf(esc, sizeof(esc), "\\u%04X", ch);
		put(b, esc, strlen(esc));
		from = i + 1;
	}
	put(b, s + from, n - from);
	put(b, "\"", 1);
}

static void put_json(struct body *b, const json_t *j)
{
	char num[32];
	const char *key;
	json_t *v;
	size_t i, n = 0;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		put(b, "{", 1);
		json_object_foreach ((json_t *)j, key, v) {
			put(b, ",", n++ > 0);
			put_string(b, key, strlen(key));
			put(b, ":", 1);
			put_json(b, v);
		}
		put(b, "}", 1);
		break;
	case JSON_ARRAY:
		put(b, "[", 1);
		json_array_foreach (j, i, v) {
			put(b, ",", i > 0);
			put_json(b, v);
		}
		put(b, "]", 1);
		break;
	case JSON_STRING:
		put_string(b, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		put(b, num,
		    (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		                     json_integer_value(j)));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		put(b,
		    json_is_true(j)    ? "true"
		    : json_is_false(j) ? "false"
		                       : "null",
		    json_is_false(j) ? 5 : 4);
		break;
	default: /* JSON_REAL */
		b->failed = true;
	}
}

/* f as json_dumps(f, JSON_COMPACT) writes it, in b->s (b->len bytes); false when not done
 * (then b->s is not to be used). */
static bool finding_body(struct body *b, const json_t *f)
{
	b->len = 0;
	b->failed = false;
	put_json(b, f);
	return !b->failed;
}

const char db_finding_insert_sql[] = "INSERT INTO finding (disclosure_id, position, rule, family, "
                                     "severity, body) VALUES (?, ?, ?, ?, ?, ?)";

int db_findings_insert(sqlite3 *sql, sqlite3_stmt *st, int64_t disclosure, const json_t *findings,
                       size_t first, struct db_error *err)
{
	struct body b = { .s = NULL };
	int rc = 0;
	size_t i;
	json_t *f;

	json_array_foreach (findings, i, f) {
		bool mine = finding_body(&b, f);
		char *body = mine ? b.s : json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, disclosure);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)(first + i));
		sqlite3_bind_text(st, 3, json_string_value(json_object_get(f, "rule")), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 4, json_string_value(json_object_get(f, "family")), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 5, json_string_value(json_object_get(f, "severity")), -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, 6, body, mine ? (int)b.len : -1,
		                  mine ? SQLITE_TRANSIENT : free);
		if (body == NULL || sqlite3_step(st) != SQLITE_DONE) {
			db_err_set(err, "finding: %s",
			           body == NULL ? "out of memory" : sqlite3_errmsg(sql));
			rc = -1;
			break;
		}
	}
	/* Reset at once, bindings cleared: a pending statement would block a bulk import's DROP
	 * INDEX, and the caller keeps it for the next disclosure. */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(b.s);
	return rc;
}

/* ---- reading ---- */

#define FROM                                                                     \
	" FROM finding f JOIN disclosure d ON d.id = f.disclosure_id "           \
	"JOIN department p ON p.id = d.department_id "                           \
	"LEFT JOIN department_record r ON r.disclosure_id = d.id "               \
	"WHERE (?1 IS NULL OR p.slug = ?1) AND (?2 IS NULL OR d.year = ?2) AND " \
	"(?3 IS NULL OR d.kind = ?3) AND (?4 IS NULL OR d.level = ?4) AND "      \
	"(?5 IS NULL OR f.severity = ?5) AND (?6 IS NULL OR f.rule = ?6) AND "   \
	"(?7 IS NULL OR f.family = ?7)"

/* The same rows for a query naming one disclosure (db_findings_of): every condition on the
 * disclosure is an equality the planner can look up, where FROM's (?1 IS NULL OR ...) forms
 * make it scan every finding of the store. */
#define FROM_ONE                                                                  \
	" FROM disclosure d JOIN department p ON p.id = d.department_id "         \
	"JOIN finding f ON f.disclosure_id = d.id "                               \
	"LEFT JOIN department_record r ON r.disclosure_id = d.id "                \
	"WHERE p.slug = ?1 AND d.year = ?2 AND d.kind = ?3 AND d.level = ?4 AND " \
	"(?5 IS NULL OR f.severity = ?5) AND (?6 IS NULL OR f.rule = ?6) AND "    \
	"(?7 IS NULL OR f.family = ?7)"

#define COUNTS                                           \
	"SELECT count(*), total(f.severity = 'error'), " \
	"total(f.severity = 'warning'), total(f.severity = 'info')"
#define COLUMNS                                                                  \
	"SELECT p.slug, d.year, d.kind, d.level, f.position, f.rule, f.family, " \
	"f.severity, f.id, f.body, r.name"

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void bind_query(sqlite3_stmt *st, const struct db_finding_query *q)
{
	bind_text(st, 1, q->department);
	if (q->year != 0)
		sqlite3_bind_int(st, 2, q->year);
	bind_text(st, 3, q->kind);
	bind_text(st, 4, q->level);
	bind_text(st, 5, q->severity);
	bind_text(st, 6, q->rule);
	bind_text(st, 7, q->family);
}

static void done_with(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* sql is COUNTS with a FROM: one of the two literals below (db_stmt keeps them). */
static int count(struct db *db, const char *sql, const struct db_finding_query *q,
                 struct db_finding_counts *c, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, sql, err);
	int rc = -1;

	if (st == NULL)
		return -1;
	bind_query(st, q);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->total = (size_t)sqlite3_column_int64(st, 0);
		c->error = (size_t)sqlite3_column_int64(st, 1);
		c->warning = (size_t)sqlite3_column_int64(st, 2);
		c->info = (size_t)sqlite3_column_int64(st, 3);
		rc = 0;
	} else {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
	}
	done_with(st);
	return rc;
}

/* Calls fn with the current row; a body that does not parse (cannot happen: the schema
 * checks json_valid) is an error. */
static int call(sqlite3_stmt *st, db_finding_fn fn, void *ctx, struct db_error *err)
{
	const char *kind = (const char *)sqlite3_column_text(st, 2);
	const char *level = (const char *)sqlite3_column_text(st, 3);
	json_t *body = json_loads((const char *)sqlite3_column_text(st, 9), 0, NULL);
	struct db_finding f = {
		.department = (const char *)sqlite3_column_text(st, 0),
		.department_name = (const char *)sqlite3_column_text(st, 10),
		.year = sqlite3_column_int(st, 1),
		.kind = strcmp(kind, "final") == 0 ? "final" : "budget",
		.level = strcmp(level, "unit") == 0 ? "unit" : "department",
		.position = (size_t)sqlite3_column_int64(st, 4),
		.rule = (const char *)sqlite3_column_text(st, 5),
		.family = (const char *)sqlite3_column_text(st, 6),
		.severity = (const char *)sqlite3_column_text(st, 7),
		.finding = body,
	};
	int rc;

	if (body == NULL) {
		db_err_set(err, "finding %s: stored text is not JSON", f.rule);
		return -1;
	}
	rc = fn(ctx, &f);
	json_decref(body);
	return rc;
}

/* Calls fn for each row of sql (COLUMNS with a FROM, ordered, then LIMIT ?8 OFFSET ?9). */
static int each(struct db *db, const char *sql, const struct db_finding_query *q, db_finding_fn fn,
                void *ctx, struct db_error *err)
{
	sqlite3_stmt *st = db_stmt(db, sql, err);
	int rc = 0, step;

	if (st == NULL)
		return -1;
	bind_query(st, q);
	sqlite3_bind_int64(st, 8, q->limit ? (int64_t)q->limit : -1);
	sqlite3_bind_int64(st, 9, (int64_t)q->offset);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = call(st, fn, ctx, err)) != 0)
			break;
	if (rc == 0 && step != SQLITE_DONE) {
		db_err_set(err, "%s", sqlite3_errmsg(db->sql));
		rc = -1;
	}
	done_with(st);
	return rc;
}

int db_findings(struct db *db, const struct db_finding_query *q, db_finding_fn fn, void *ctx,
                struct db_finding_counts *counts, struct db_error *err)
{
	if (counts != NULL && count(db, COUNTS FROM, q, counts, err) != 0)
		return -1;
	if (fn == NULL)
		return 0;
	return each(db,
	            COLUMNS FROM
	            " ORDER BY p.slug, d.year, d.kind, d.level, f.position LIMIT ?8 OFFSET ?9",
	            q, fn, ctx, err);
}

int db_findings_of(struct db *db, const struct db_finding_query *q, db_finding_fn fn, void *ctx,
                   struct db_finding_counts *counts, struct db_error *err)
{
	if (q->department == NULL || q->year == 0 || q->kind == NULL || q->level == NULL)
		return db_findings(db, q, fn, ctx, counts, err);
	if (counts != NULL && count(db, COUNTS FROM_ONE, q, counts, err) != 0)
		return -1;
	if (fn == NULL)
		return 0;
	return each(db, COLUMNS FROM_ONE " ORDER BY f.position LIMIT ?8 OFFSET ?9", q, fn, ctx,
	            err);
}
