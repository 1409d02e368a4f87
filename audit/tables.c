// SPDX-License-Identifier: MIT
// Table rules (code levels, totals, column identities, 收=支, 三公) and cross-table rules
// (the same quantity printed in two tables, or in a table and the text).
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Cells ---------------------------------------------------------------------------- */

static const json_t *rows_of(const json_t *t)
{
	return json_object_get(t, "rows");
}

static bool is_total(const json_t *row)
{
	const char *k = audit_str(row, "kind");

	return k != NULL && strcmp(k, "total") == 0;
}

/* The value under key in a row's amounts (0 when blank); true when printed. */
static bool amount(const json_t *amounts, const char *key, int64_t *v)
{
	*v = 0;
	if (audit_dec(json_object_get(amounts, key), v) == 0)
		return true;
	*v = 0;
	return false;
}

/* The cell's value (0 when blank); true when printed. */
static bool cell(const json_t *row, const char *key, int64_t *v)
{
	return amount(json_object_get(row, "amounts"), key, v);
}

static bool has_column(const json_t *t, const char *key)
{
	size_t i;
	json_t *col;

	const json_t *cols = json_object_get(t, "columns");
	json_array_foreach (cols, i, col) {
		const char *k = audit_str(col, "key"); /* looked up once: issue #17 */
		if (k != NULL && strcmp(k, key) == 0)
			return true;
	}
	return false;
}

/* The column's printed title ("基本支出"), else its key. */
static const char *column_title(const json_t *t, const char *key)
{
	size_t i;
	json_t *col;

	const json_t *cols = json_object_get(t, "columns");
	json_array_foreach (cols, i, col) {
		const char *k = audit_str(col, "key"), *title;
		if (k != NULL && strcmp(k, key) == 0)
			return (title = audit_str(col, "title")) != NULL ? title : key;
	}
	return key;
}

static bool sided(const json_t *t)
{
	size_t i;
	json_t *col;

	const json_t *cols = json_object_get(t, "columns");
	json_array_foreach (cols, i, col)
		if (audit_str(col, "side") != NULL)
			return true;
	return false;
}

static const char *unit_of(const struct audit_ctx *c, const json_t *t)
{
	return audit_str(t, "unit") != NULL ? audit_str(t, "unit") : c->unit;
}

/* "表六 301 工资福利支出" */
static void row_label(const json_t *t, const json_t *row, char *buf, size_t size)
{
	char tl[32], codes[16];
	const char *name = audit_str(row, "name");

	audit_table_label(t, tl, sizeof(tl));
	audit_codes(json_object_get(row, "codes"), codes);
	snprintf(buf, size, "%s%s%s%s%s", tl, codes[0] ? " " : "", codes, name ? " " : "",
	         name ? name : "");
}

static void row_label_en(const json_t *t, const json_t *row, size_t r, char *buf, size_t size)
{
	char codes[16];
	const char *name = audit_str(row, "name");

	audit_codes(json_object_get(row, "codes"), codes);
	if (codes[0])
		snprintf(buf, size, "Table %d row %s", audit_table_position(t), codes);
	else
		snprintf(buf, size, "Table %d row %zu%s%s%s", audit_table_position(t), r + 1,
		         name ? " (" : "", name ? name : "", name ? ")" : "");
}

/* A finding about one cell of a table in the table's own unit. */
static void cell_finding(struct audit_ctx *c, const char *rule, const json_t *t, size_t r,
                         const char *col, const char *what_zh, const char *what_en,
                         audit_amt expected, audit_amt actual)
{
	const json_t *row = json_array_get(rows_of(t), r);
	struct audit_place p = AUDIT_PLACE_INIT;
	char lz[512], le[128], e[64], a[64], d[64], zh[1024], en[512];
	audit_amt diff = (audit_amt)actual - expected;

	p.table = t;
	p.row = (int)r;
	p.column = col;
	row_label(t, row, lz, sizeof(lz));
	row_label_en(t, row, r, le, sizeof(le));
	audit_fmt(expected, e, sizeof(e));
	audit_fmt(actual, a, sizeof(a));
	audit_fmt(diff < 0 ? -diff : diff, d, sizeof(d));
	snprintf(zh, sizeof(zh), "%s：%s %s，原表 %s，相差 %s", lz, what_zh, e, a, d);
	snprintf(en, sizeof(en), "%s: %s %s, the row prints %s (%s apart)", le, what_en, e, a, d);
	audit_add(c, rule, &p, zh, en, true, expected, actual, unit_of(c, t));
}

/* ---- T01: a coded row equals the sum of its sub-items ------------------------------------ */

#define MAX_KIDS 512

/* Reported (expected, actual) pairs of one row, so that the same gap printed in two columns
 * (合计 and 人员经费) is one finding. */
struct seen {
	audit_amt e[16], a[16];
	size_t n;
};

static bool seen_add(struct seen *s, audit_amt e, audit_amt a)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->e[i] == e && s->a[i] == a)
			return false;
	if (s->n < 16) {
		s->e[s->n] = e;
		s->a[s->n++] = a;
	}
	return true;
}

/* Compares row r's columns with the sums of rows idx[0..n) for every column: the cells as
 * audit_index() parsed them (issue #17: two lookups and a parse per cell and column). */
static void check_sum(struct audit_ctx *c, const char *rule, const struct audit_table *x, size_t r,
                      const size_t *idx, size_t n, const char *zh, const char *en)
{
	bool unplaced = x->unplaced[r];
	struct seen seen = { .n = 0 };

	for (size_t k = 0; k < n; k++)
		unplaced |= x->unplaced[idx[k]];
	for (size_t i = 0; i < x->ncols; i++) {
		const char *key = x->keys[i];
		size_t ci = x->canon[i];
		audit_amt sum = 0;
		if (key == NULL || (unplaced && strncmp(key, "total", 5) != 0))
			continue;
		int64_t total = x->v[r * x->ncols + ci];
		bool printed = x->printed[r * x->ncols + ci];
		for (size_t k = 0; k < n; k++) {
			printed |= x->printed[idx[k] * x->ncols + ci];
			sum += x->v[idx[k] * x->ncols + ci];
		}
		if (printed && sum != total && seen_add(&seen, sum, total))
			cell_finding(c, rule, x->t, r, key, zh, en, sum, total);
	}
}

/* A row's codes as audit_codes() joins them, their length, and whether it is a total: looked
 * up once per table, where check_levels() and check_totals() asked for each row again and
 * again (issue #17). */
struct code_row {
	char codes[16];
	size_t len;
	bool total;
};

/* The table's rows as code_rows (caller frees), x->nrows of them; NULL when out of memory. */
static struct code_row *code_rows(const struct audit_table *x)
{
	struct code_row *cr;

	if ((cr = malloc((x->nrows > 0 ? x->nrows : 1) * sizeof(*cr))) == NULL)
		return NULL;
	for (size_t k = 0; k < x->nrows; k++) {
		memcpy(cr[k].codes, x->codes[k], sizeof(cr[k].codes));
		cr[k].len = strlen(cr[k].codes);
		cr[k].total = x->total[k];
	}
	return cr;
}

static void check_levels(struct audit_ctx *c, const struct audit_table *x,
                         const struct code_row *cr)
{
	size_t n = x->nrows;
	size_t kids[MAX_KIDS];

	for (size_t r = 0; r < n; r++) {
		size_t len = cr[r].len, child = 0, nk = 0, j;
		if (len == 0 || cr[r].total)
			continue;
		for (j = r + 1; j < n; j++) { /* the shortest code below this one */
			size_t l = cr[j].len;
			if (cr[j].total || l <= len || strncmp(cr[j].codes, cr[r].codes, len) != 0)
				break;
			if (child == 0 || l < child)
				child = l;
		}
		for (size_t k = r + 1; k < j && nk < MAX_KIDS; k++)
			if (cr[k].len == child)
				kids[nk++] = k;
		if (nk > 0)
			check_sum(c, "T01", x, r, kids, nk, "下级科目合计", "its items sum to");
	}
}

/* ---- T02, T03: a total row equals its top-level rows and its lowest-level items ----------- */

static void check_totals(struct audit_ctx *c, const struct audit_table *x,
                         const struct code_row *cr)
{
	size_t n = x->nrows;
	size_t top[MAX_KIDS], leaf[MAX_KIDS];

	for (size_t r = 0; r < n; r++) {
		size_t from, to, minlen = 99, nt = 0, nl = 0;
		if (!cr[r].total)
			continue;
		/* its rows: the coded rows since the previous total, else those up to the next */
		for (from = r; from > 0 && !cr[from - 1].total; from--)
			;
		to = r;
		bool coded = false;
		for (size_t k = from; k < to; k++)
			coded |= cr[k].len > 0;
		if (!coded) {
			from = r + 1;
			for (to = from; to < n && !cr[to].total; to++)
				;
		}
		for (size_t k = from; k < to; k++) {
			size_t l = cr[k].len;
			if (l > 0 && l < minlen)
				minlen = l;
		}
		if (minlen == 99)
			continue;
		for (size_t k = from; k < to && nt < MAX_KIDS && nl < MAX_KIDS; k++) {
			size_t l = cr[k].len;
			if (l == 0)
				continue;
			if (l == minlen)
				top[nt++] = k;
			size_t nlen = k + 1 < to ? cr[k + 1].len : 0;
			if (!(nlen > l && strncmp(cr[k + 1].codes, cr[k].codes, l) == 0))
				leaf[nl++] = k;
		}
		check_sum(c, "T02", x, r, top, nt, "各类合计", "its top-level rows sum to");
		bool same = nt == nl;
		for (size_t k = 0; same && k < nt; k++)
			same = top[k] == leaf[k];
		if (!same)
			check_sum(c, "T03", x, r, leaf, nl, "最末级科目合计",
			          "its lowest-level items sum to");
	}
}

/* ---- T04, T06: column identities of each table type (audit/identities.c) ----------------- */

static bool type_listed(const char *types, const char *type)
{
	size_t len = strlen(type);

	for (const char *p = types; (p = strstr(p, type)) != NULL; p += len)
		if ((p == types || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

/* The keys of a table's columns, gathered once for its identities: has_column() walked the
 * columns' objects for each of about 30 keys a table (issue #17). */
struct col_keys {
	const char *k[128];
	size_t n;
	bool more; /* more columns than k holds: ask has_column() */
};

static void col_keys_of(const json_t *t, struct col_keys *ks)
{
	size_t i;
	json_t *col;

	ks->n = 0;
	ks->more = false;
	const json_t *cols = json_object_get(t, "columns");
	json_array_foreach (cols, i, col) {
		const char *k = audit_str(col, "key");
		if (k != NULL && ks->n < sizeof(ks->k) / sizeof(ks->k[0]))
			ks->k[ks->n++] = k;
		else if (k != NULL)
			ks->more = true;
	}
}

static bool has_key(const struct col_keys *ks, const json_t *t, const char *key)
{
	if (ks->more)
		return has_column(t, key);
	for (size_t i = 0; i < ks->n; i++)
		if (strcmp(ks->k[i], key) == 0)
			return true;
	return false;
}

/* a (its first len bytes) then b in buf, cut to size - 1 bytes as snprintf would. */
static void join(char *buf, size_t size, const char *a, size_t len, const char *b)
{
	size_t lb = strlen(b);

	len = len < size - 1 ? len : size - 1;
	memcpy(buf, a, len);
	lb = lb < size - 1 - len ? lb : size - 1 - len;
	memcpy(buf + len, b, lb);
	buf[len + lb] = '\0';
}

/* The finding's words for an identity: the parts' titles joined. */
static void identity_words(const json_t *t, const struct col_keys *ks, char parts[][80], size_t np,
                           char *zh, char *en, size_t size)
{
	char names[1400] = "", keys[1400] = "";

	for (size_t k = 0; k < np; k++) {
		if (!has_key(ks, t, parts[k]))
			continue;
		size_t ln = strlen(names), lk = strlen(keys);
		snprintf(names + ln, sizeof(names) - ln, "%s%s", ln ? "+" : "",
		         column_title(t, parts[k]));
		snprintf(keys + lk, sizeof(keys) - lk, "%s%s", lk ? " + " : "", parts[k]);
	}
	snprintf(zh, size, "%s之和", names[0] ? names : "各栏");
	snprintf(en, size, "%s sum to", keys[0] ? keys : "its parts");
}

/* The cell of row r under key: from the index when key is a column's (i < ncols). */
static bool index_cell(const struct audit_table *x, size_t r, size_t i, const char *key, int64_t *v)
{
	if (i >= x->ncols)
		return amount(x->amounts[r], key, v);
	*v = x->v[r * x->ncols + x->canon[i]];
	return x->printed[r * x->ncols + x->canon[i]];
}

static void check_identity(struct audit_ctx *c, const struct audit_table *x,
                           const struct col_keys *ks, const struct audit_identity *id,
                           const char *suffix)
{
	char key[80], parts[16][80], zh[2048] = "", en[2048] = "";
	size_t np = 0, n = x->nrows, pi[16], ti;
	const char *p = id->parts, *first = id->requires ? id->requires : id->total;
	const json_t *t = x->t;

	join(key, sizeof(key), first, strlen(first), suffix);
	if (!has_key(ks, t, key))
		return;
	if (id->unless != NULL) {
		join(key, sizeof(key), id->unless, strlen(id->unless), suffix);
		if (has_key(ks, t, key))
			return;
	}
	while (*p && np < 16) {
		size_t len = strcspn(p, " ");
		join(parts[np++], sizeof(parts[0]), p, len, suffix);
		p += len + (p[len] == ' ');
	}
	join(key, sizeof(key), id->total, strlen(id->total), suffix);
	if (!has_key(ks, t, key))
		return;
	ti = audit_column(x, key);
	for (size_t k = 0; k < np; k++)
		pi[k] = audit_column(x, parts[k]);
	for (size_t r = 0; r < n; r++) {
		int64_t total, v;
		audit_amt sum = 0;
		bool printed = index_cell(x, r, ti, key, &total), part = false;
		for (size_t k = 0; k < np; k++) {
			part |= index_cell(x, r, pi[k], parts[k], &v);
			sum += v;
		}
		if (!(printed || part) || sum == total || x->unplaced[r])
			continue;
		/* the words only for a finding (issue #17: every identity's, every table) */
		if (zh[0] == '\0')
			identity_words(t, ks, parts, np, zh, en, sizeof(zh));
		cell_finding(c, id->rule, t, r, key, zh, en, sum, total);
	}
}

static void check_identities(struct audit_ctx *c, const struct audit_table *x)
{
	static const char *const suffixes[] = { "", "_budget", "_final", "_budget_initial",
		                                "_budget_adjusted" };
	struct col_keys ks;

	col_keys_of(x->t, &ks);
	for (const struct audit_identity *id = audit_identities; id->rule != NULL; id++)
		if (type_listed(id->types, x->type))
			for (size_t s = 0; s < sizeof(suffixes) / sizeof(suffixes[0]); s++)
				check_identity(c, x, &ks, id, suffixes[s]);
}

/* ---- T05: 收 = 支 ------------------------------------------------------------------------ */

static const char *side_column(const json_t *t, const char *side)
{
	size_t i;
	json_t *col;

	const json_t *cols = json_object_get(t, "columns");
	json_array_foreach (cols, i, col) {
		const char *s = audit_str(col, "side");
		if (s != NULL && strcmp(s, side) == 0)
			return audit_str(col, "key");
	}
	return NULL;
}

/* The side's total row: the one named like `prefer` if any, else the last. -1 if none. */
static int side_total(const struct audit_table *x, const char *side, const char *prefer)
{
	int last = -1, best = -1;
	size_t i;
	json_t *row;

	const json_t *rows = rows_of(x->t);
	json_array_foreach (rows, i, row) {
		const char *s, *name;
		if (!x->total[i]) /* first: most rows are not, and need no other lookup */
			continue;
		s = audit_str(row, "side");
		if (side != NULL && (s == NULL || strcmp(s, side) != 0))
			continue;
		last = (int)i;
		name = audit_str(row, "name");
		if (prefer != NULL && name != NULL && strstr(name, prefer) != NULL && best < 0)
			best = (int)i;
	}
	return best >= 0 ? best : last;
}

static void check_balance(struct audit_ctx *c, const json_t *t)
{
	const char *ic = side_column(t, "income"), *ec = side_column(t, "expenditure");
	const struct audit_table *x = audit_tab(c, t);
	int ir = side_total(x, "income", NULL), er = side_total(x, "expenditure", NULL);
	int64_t in, ex;

	if (ic == NULL || ec == NULL || ir < 0 || er < 0)
		return;
	if (!cell(json_array_get(rows_of(t), (size_t)ir), ic, &in) ||
	    !cell(json_array_get(rows_of(t), (size_t)er), ec, &ex) || in == ex)
		return;
	cell_finding(c, "T05", t, (size_t)er, ec, "收入总计", "total income is", in, ex);
}

/* T07: a code printed short of its digits ("301 2" for 301 02): the extractor keeps the
 * printed form beside the normalised codes (code_printed), since no other place holds it. */
static void check_code_form(struct audit_ctx *c, const json_t *t)
{
	size_t r;
	json_t *row;

	const json_t *rows = rows_of(t);
	json_array_foreach (rows, r, row) {
		const char *printed = audit_str(row, "code_printed");
		struct audit_place p = AUDIT_PLACE_INIT;
		char lz[512], le[128], codes[16], zh[1024], en[512];

		if (printed == NULL)
			continue;
		audit_codes(json_object_get(row, "codes"), codes);
		row_label(t, row, lz, sizeof(lz));
		row_label_en(t, row, r, le, sizeof(le));
		snprintf(zh, sizeof(zh), "%s：科目编码印为“%s”，款、项应为两位数字（%s）", lz,
		         printed, codes);
		snprintf(en, sizeof(en),
		         "%s: the code is printed \"%s\"; 款 and 项 have two digits (%s)", le,
		         printed, codes);
		p.table = t;
		p.row = (int)r;
		p.quote = printed;
		audit_add(c, "T07", &p, zh, en, false, 0, 0, NULL);
	}
}

void audit_tables(struct audit_ctx *c)
{
	size_t i;
	json_t *t;

	const json_t *tables = json_object_get(c->doc, "tables");
	json_array_foreach (tables, i, t) {
		const struct audit_table *x = &c->tabs[i]; /* the index is of these tables */
		if (!sided(t)) {
			struct code_row *cr = code_rows(x);
			c->oom |= cr == NULL;
			if (cr != NULL) {
				check_levels(c, x, cr);
				check_totals(c, x, cr);
			}
			free(cr);
		} else {
			check_balance(c, t);
		}
		check_identities(c, x);
		check_code_form(c, t);
	}
}

/* ---- Cross-table rules ------------------------------------------------------------------- */

/* One printed quantity: where it is and what it is. */
struct qty {
	const json_t *table; /* NULL for a text figure */
	int row;
	char column[64];
	int64_t value;
	const char *unit;
	const char *printed; /* for the tolerance of a coarser unit */
	char zh[256], en[256];
};

/* a and b in the finer of their units; the tolerance is half the last printed digit of the
 * coarser one when the units differ, 0 otherwise. Returns false when units are unknown. */
static bool to_common(const struct qty *a, const struct qty *b, audit_amt *va, audit_amt *vb,
                      audit_amt *tol, const char **unit)
{
	int64_t fa = audit_unit_factor(a->unit), fb = audit_unit_factor(b->unit), f;
	const struct qty *coarse = fa > fb ? a : b;

	if (fa == 0 || fb == 0)
		return false;
	f = fa < fb ? fa : fb;
	*va = (audit_amt)a->value * (fa / f);
	*vb = (audit_amt)b->value * (fb / f);
	*unit = fa < fb ? a->unit : b->unit;
	*tol = fa != fb ? audit_half_digit(coarse->printed) * ((fa > fb ? fa : fb) / f) : 0;
	return true;
}

/* expected: a, actual: b; the finding is placed at b (or at a when b is text). */
static void compare(struct audit_ctx *c, const char *rule, const struct qty *a, const struct qty *b)
{
	audit_amt va, vb, tol;
	const char *unit;
	const struct qty *at = b->table != NULL ? b : a;
	struct audit_place p = AUDIT_PLACE_INIT;
	char e[64], ac[64], d[64], zh[1024], en[1024];

	if (!to_common(a, b, &va, &vb, &tol, &unit) || audit_within(va, vb, tol))
		return;
	p.table = at->table;
	p.row = at->row;
	p.column = at->column[0] ? at->column : NULL;
	audit_fmt(va, e, sizeof(e));
	audit_fmt(vb, ac, sizeof(ac));
	audit_fmt(vb > va ? vb - va : va - vb, d, sizeof(d));
	snprintf(zh, sizeof(zh), "%s %s%s，%s %s%s，相差 %s%s", a->zh, e, unit, b->zh, ac, unit, d,
	         unit);
	snprintf(en, sizeof(en), "%s: %s %s; %s: %s %s (%s apart)", a->en, e, unit, b->en, ac, unit,
	         d);
	audit_add(c, rule, &p, zh, en, true, va, vb, unit);
}

/* A table's total cell: the total row named like `prefer` on `side` (either NULL: the first
 * total row), column key. */
static bool table_total(const struct audit_ctx *c, const json_t *t, const char *side,
                        const char *prefer, const char *key, struct qty *q)
{
	int r = -1;
	size_t i;
	json_t *row;
	char tl[32];

	if (t == NULL || key == NULL)
		return false;
	if (side != NULL || prefer != NULL) {
		r = side_total(audit_tab(c, t), side, prefer);
	} else {
		const struct audit_table *x = audit_tab(c, t);
		for (i = 0; i < x->nrows && r < 0; i++)
			if (x->total[i])
				r = (int)i;
	}
	if (r < 0)
		return false;
	row = json_array_get(rows_of(t), (size_t)r);
	q->table = t;
	q->row = r;
	snprintf(q->column, sizeof(q->column), "%s", key);
	q->unit = unit_of(c, t);
	q->printed = audit_str(json_object_get(row, "amounts"), key);
	if (!cell(row, key, &q->value))
		return false;
	audit_table_label(t, tl, sizeof(tl));
	const char *rn = audit_str(row, "name") ? audit_str(row, "name") : "合计";
	const char *ct = column_title(t, key);
	snprintf(q->zh, sizeof(q->zh), "%s%s%s", tl, rn, strcmp(rn, ct) == 0 ? "" : ct);
	snprintf(q->en, sizeof(q->en), "table %d, total row, column %s", audit_table_position(t),
	         key);
	return true;
}

const char *audit_first_key(const json_t *t, const char *prefix)
{
	size_t i;
	json_t *col;

	const json_t *cols = json_object_get(t, "columns");
	json_array_foreach (cols, i, col) {
		const char *k = audit_str(col, "key");
		if (k != NULL && strncmp(k, prefix, strlen(prefix)) == 0 &&
		    audit_str(col, "side") == NULL)
			return k;
	}
	return NULL;
}

static void cross_summary(struct audit_ctx *c)
{
	const json_t *sum = audit_table_of_type(c, "budget_summary", "final_summary");
	const json_t *inc = audit_table_of_type(c, "budget_income", "final_income");
	const json_t *exp = audit_table_of_type(c, "budget_expenditure", "final_expenditure");
	const json_t *fis = audit_table_of_type(c, "budget_fiscal_summary", "final_fiscal_summary");
	const json_t *gen =
	    audit_table_of_type(c, "budget_general_function", "final_general_function");
	struct qty a, b;

	if (sum != NULL &&
	    table_total(c, sum, "income", "本年收入合计", side_column(sum, "income"), &a) &&
	    table_total(c, inc, NULL, NULL, audit_first_key(inc, "total"), &b))
		compare(c, "X01", &a, &b);
	if (sum != NULL &&
	    table_total(c, sum, "expenditure", "本年支出合计", side_column(sum, "expenditure"),
	                &a) &&
	    table_total(c, exp, NULL, NULL, audit_first_key(exp, "total"), &b))
		compare(c, "X02", &a, &b);
	if (fis != NULL && has_column(fis, "general_budget") &&
	    table_total(c, fis, "expenditure", "本年支出合计", "general_budget", &a) &&
	    table_total(c, gen, NULL, NULL, audit_first_key(gen, "total"), &b))
		compare(c, "X03", &a, &b);
}

/* The basic-expenditure economic table's total: its 合计 row, or the sum of its total rows
 * (人员经费合计 + 公用经费合计 in a 决算). */
static bool basic_total(const struct audit_ctx *c, const json_t *t, struct qty *q)
{
	const char *key = audit_first_key(t, "total");
	int64_t v, sum = 0;
	int n = 0, last = -1;
	size_t i;
	json_t *row;
	char tl[32];

	if (t == NULL)
		return false;
	if (key != NULL && table_total(c, t, NULL, NULL, key, q))
		return true;
	key = audit_first_key(t, "");
	const json_t *rows = rows_of(t);
	json_array_foreach (rows, i, row)
		if (key != NULL && is_total(row) && cell(row, key, &v)) {
			if (db_dec_add(sum, v, &sum) != 0)
				return false;
			n++;
			last = (int)i;
		}
	if (n == 0)
		return false;
	audit_table_label(t, tl, sizeof(tl));
	*q = (struct qty){ .table = t, .row = last, .value = sum, .unit = unit_of(c, t) };
	snprintf(q->column, sizeof(q->column), "%s", key);
	snprintf(q->zh, sizeof(q->zh), "%s各合计行（人员经费+公用经费）之和", tl);
	snprintf(q->en, sizeof(q->en), "table %d, its total rows (personnel + public) together",
	         audit_table_position(t));
	return true;
}

static void cross_basic(struct audit_ctx *c)
{
	const json_t *eco =
	    audit_table_of_type(c, "budget_general_basic_economic", "final_general_basic");
	const json_t *gen =
	    audit_table_of_type(c, "budget_general_function", "final_general_function");
	const json_t *exp = audit_table_of_type(c, "budget_expenditure", "final_expenditure");
	struct qty q, g, e, gt, et;
	bool has_g, has_e;

	if (!basic_total(c, eco, &q))
		return;
	has_g = table_total(c, gen, NULL, NULL, audit_first_key(gen, "basic"), &g);
	/* the expenditure table's 基本支出 holds every fund's: comparable only when all of the
	 * spending is general-budget spending */
	has_e = table_total(c, exp, NULL, NULL, audit_first_key(exp, "basic"), &e) &&
	        table_total(c, gen, NULL, NULL, audit_first_key(gen, "total"), &gt) &&
	        table_total(c, exp, NULL, NULL, audit_first_key(exp, "total"), &et) &&
	        gt.value == et.value && strcmp(gt.unit, et.unit) == 0;
	if (has_g && has_e && g.value == e.value && strcmp(g.unit, e.unit) == 0) {
		/* one quantity printed in two tables: one finding naming both */
		char tg[32], te[32];
		audit_table_label(gen, tg, sizeof(tg));
		audit_table_label(exp, te, sizeof(te));
		snprintf(g.zh, sizeof(g.zh), "%s、%s基本支出合计", tg, te);
		snprintf(g.en, sizeof(g.en), "tables %d and %d, total basic expenditure",
		         audit_table_position(gen), audit_table_position(exp));
		compare(c, "X04", &g, &q);
		return;
	}
	if (has_g)
		compare(c, "X04", &g, &q);
	if (has_e)
		compare(c, "X04", &e, &q);
}

/* A figure of the text (sangong, operating_costs): key of obj, in obj's unit or the
 * document's. */
static bool text_qty(const struct audit_ctx *c, const json_t *obj, const char *key, const char *zh,
                     const char *en, struct qty *q)
{
	const char *unit = audit_str(obj, "unit");

	if (audit_dec(json_object_get(obj, key), &q->value) != 0)
		return false;
	q->table = NULL;
	q->row = -1;
	q->column[0] = '\0';
	q->unit = unit != NULL ? unit : c->unit;
	q->printed = audit_str(obj, key);
	snprintf(q->zh, sizeof(q->zh), "%s", zh);
	snprintf(q->en, sizeof(q->en), "%s", en);
	return true;
}

/* The one row of a 三公 table, column key (a blank cell is 0). */
static void sangong_cell(const struct audit_ctx *c, const json_t *t, const char *key,
                         const char *zh, struct qty *q)
{
	const json_t *row = json_array_get(rows_of(t), 0);
	char tl[32];

	cell(row, key, &q->value);
	q->table = t;
	q->row = 0;
	snprintf(q->column, sizeof(q->column), "%s", key);
	q->unit = unit_of(c, t);
	q->printed = audit_str(json_object_get(row, "amounts"), key);
	audit_table_label(t, tl, sizeof(tl));
	snprintf(q->zh, sizeof(q->zh), "%s%s", tl, zh);
	snprintf(q->en, sizeof(q->en), "table %d, column %s", audit_table_position(t), key);
}

static void cross_sangong(struct audit_ctx *c)
{
	const json_t *t = audit_table_of_type(c, "budget_sangong", "final_sangong");
	const json_t *sg = json_object_get(c->doc, "sangong");
	const json_t *oc = json_object_get(c->doc, "operating_costs");
	const char *measure = c->final ? "final" : "amount";
	const char *suffix = c->final ? "_final" : "";
	struct qty a, b;
	size_t i;
	json_t *item;
	char key[64];

	if (t == NULL || json_array_size(rows_of(t)) != 1)
		return;
	snprintf(key, sizeof(key), "total%s", suffix);
	if (has_column(t, key) &&
	    text_qty(c, sg, measure, "文字“三公”经费", "the text's 三公 total", &a)) {
		sangong_cell(c, t, key, "合计", &b);
		compare(c, "X05", &a, &b);
	}
	const json_t *items = json_object_get(sg, "items");
	json_array_foreach (items, i, item) {
		const char *k = audit_str(item, "key"), *label = audit_str(item, "label");
		char zh[128], en[128];
		if (k == NULL)
			continue;
		snprintf(key, sizeof(key), "%s%s", k, suffix);
		if (!has_column(t, key) && strcmp(k, "vehicle") == 0)
			snprintf(key, sizeof(key), "vehicle_total%s", suffix);
		if (!has_column(t, key))
			continue;
		snprintf(zh, sizeof(zh), "文字%s", label != NULL ? label : k);
		snprintf(en, sizeof(en), "the text's %s", k);
		if (!text_qty(c, item, measure, zh, en, &a))
			continue;
		sangong_cell(c, t, key, label != NULL ? label : k, &b);
		compare(c, "X05", &a, &b);
	}
	snprintf(key, sizeof(key), "operating_costs%s", suffix);
	if (has_column(t, key) &&
	    text_qty(c, oc, measure, "文字机关运行经费", "the text's operating costs", &a)) {
		sangong_cell(c, t, key, "机关运行经费", &b);
		compare(c, "X05", &a, &b);
	}
}

/* X06: 机关运行经费 (text) against the basic table's 公用经费 total. 机关运行经费 is the
 * 公用经费 of administrative units: never more than all of it, and all of it when the
 * department declares no institutional (事业) units. */
static void cross_operating(struct audit_ctx *c)
{
	const json_t *eco =
	    audit_table_of_type(c, "budget_general_basic_economic", "final_general_basic");
	const json_t *oc = json_object_get(c->doc, "operating_costs");
	const json_t *org = json_object_get(json_object_get(c->doc, "overview"), "organization");
	const json_t *inst = json_object_get(oc, "institutional_units");
	struct qty a, b;
	audit_amt va, vb, tol;
	const char *unit;

	if (eco == NULL || !text_qty(c, oc, c->final ? "final" : "amount", "文字机关运行经费",
	                             "the text's operating costs", &a))
		return;
	if (has_column(eco, "public")
	        ? !table_total(c, eco, NULL, NULL, "public", &b)
	        : !table_total(c, eco, NULL, "公用经费", audit_first_key(eco, ""), &b))
		return;
	if (inst == NULL)
		inst = json_object_get(org, "institutional_units");
	if (!to_common(&b, &a, &vb, &va, &tol, &unit))
		return;
	if (va > vb + tol || (json_is_integer(inst) && json_integer_value(inst) == 0))
		compare(c, "X06", &b, &a);
}

/* X07: the project table against the function table's 项目支出; X08: each project row
 * against its project's amount. */
static void cross_projects(struct audit_ctx *c)
{
	const json_t *pt = audit_table_of_type(c, "budget_project", NULL);
	const json_t *gen =
	    audit_table_of_type(c, "budget_general_function", "final_general_function");
	struct qty a, b;
	size_t i, j;
	json_t *row, *proj;

	if (pt == NULL)
		return;
	if (table_total(c, gen, NULL, NULL, audit_first_key(gen, "project"), &a) &&
	    table_total(c, pt, NULL, "合计", audit_first_key(pt, "total"), &b))
		compare(c, "X07", &a, &b);
	const json_t *rows = rows_of(pt);
	const char *key = audit_first_key(pt, "total"); /* once, not per row */
	const json_t *projs = json_object_get(c->doc, "projects");
	json_array_foreach (rows, i, row) {
		const char *id = audit_str(row, "project");
		char tl[32];
		if (id == NULL || key == NULL)
			continue;
		json_array_foreach (projs, j, proj) {
			const char *pid = audit_str(proj, "id"), *name;
			if (pid == NULL || strcmp(pid, id) != 0 ||
			    !text_qty(c, proj, "amount", "", "", &a))
				continue;
			name = audit_str(proj, "name");
			snprintf(a.zh, sizeof(a.zh), "项目“%s”的金额", name != NULL ? name : pid);
			snprintf(a.en, sizeof(a.en), "project %s's amount", pid);
			b = (struct qty){ .table = pt, .row = (int)i, .unit = unit_of(c, pt) };
			snprintf(b.column, sizeof(b.column), "%s", key);
			b.printed = audit_str(json_object_get(row, "amounts"), key);
			if (!cell(row, key, &b.value))
				break;
			audit_table_label(pt, tl, sizeof(tl));
			snprintf(b.zh, sizeof(b.zh), "%s该项目行", tl);
			snprintf(b.en, sizeof(b.en), "its row in table %d",
			         audit_table_position(pt));
			compare(c, "X08", &a, &b);
			break;
		}
	}
}

void audit_cross(struct audit_ctx *c)
{
	cross_projects(c);
	cross_summary(c);
	cross_basic(c);
	cross_sangong(c);
	cross_operating(c);
}
