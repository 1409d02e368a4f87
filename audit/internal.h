// SPDX-License-Identifier: MIT
// Definitions shared by the files of audit/ and nobody else.
#ifndef BUDGETD_AUDIT_INTERNAL_H
#define BUDGETD_AUDIT_INTERNAL_H

#include "audit.h"
#include "db.h"

#include <stdbool.h>
#include <stdint.h>

/* Amounts compared across units: millionths of 元 (a 万元 figure scaled up by 10^4, never
 * divided), wide enough for 12 integer digits of 亿元. */
typedef __int128 audit_amt;

/* A row identity of a table type: total = the sum of parts (blank cells are 0). Keys are
 * base keys; a table whose columns carry a measure suffix (_budget, _final...) is checked once
 * per suffix. The entry applies when its total column and `requires` exist and `unless`
 * does not. */
struct audit_identity {
	const char *rule;
	const char *types; /* space-separated table type ids */
	const char *total;
	const char *parts; /* space-separated */
	const char *requires; /* NULL: none */
	const char *unless; /* NULL: none */
};
extern const struct audit_identity audit_identities[];

/* One table of the document as the rules read it (audit/index.c), built once per run. Cells
 * are by column: the cell of row r under column i is [r * ncols + canon[i]], its value 0 when
 * not printed; only keys of columns have cells. */
struct audit_table {
	const json_t *t;
	const char *type; /* its type id, matched from the title when it has none; "other" */
	size_t nrows, ncols;
	const char **keys; /* each column's key, NULL when it has none */
	size_t *canon; /* the first column with the same key */
	const json_t **amounts; /* each row's amounts object, or NULL */
	int64_t *v;
	bool *printed; /* the cell printed a decimal */
	bool *total; /* the row's kind is "total" */
	bool *unplaced; /* the row has unplaced cells */
	char (*codes)[16]; /* each row's codes as audit_codes() joins them */
	void *block; /* the arrays above; freed by audit_index_free() */
};

/* The run's state: the document and the findings so far. */
struct audit_ctx {
	const json_t *doc;
	json_t *out;
	const char *unit; /* the document's unit of text amounts */
	int year;
	bool final; /* a 决算 */
	bool oom;
	struct audit_tokens *tokens; /* text.c: the amounts printed in the current section */
	struct audit_table *tabs; /* the document's tables, in order */
	size_t ntabs;
};

/* Where a finding is; every member optional (NULL or -1). */
struct audit_place {
	const json_t *table; /* the table object */
	int row; /* 0-based index in the table's rows */
	const char *column; /* column key */
	int section; /* explanations[section] */
	const char *quote;
	const json_t *box; /* [page, x0, y0, x1, y1] */
	const char *section_title; /* a part that is not an explanation (名词解释) */
	bool no_page; /* the page is not known (a sentence across two pages' figures) */
};
#define AUDIT_PLACE_INIT                                    \
	{                                                   \
		NULL, -1, NULL, -1, NULL, NULL, NULL, false \
	}

/* Adds a finding of rule id. With numbers, expected and actual are in millionths of unit. */
void audit_add(struct audit_ctx *c, const char *id, const struct audit_place *p, const char *msg_zh,
               const char *msg_en, bool numbers, audit_amt expected, audit_amt actual,
               const char *unit);

/* Helpers. */
int audit_dec(const json_t *v, int64_t *out); /* a decimal string; 0 or -1 */
int audit_decimals(const char *s); /* digits after the point (0 if none) */
int64_t audit_unit_factor(const char *unit); /* 元 per unit (元 1, 万元 10000), 0 unknown */
size_t audit_fmt(audit_amt v, char *buf, size_t size); /* "299.48", "-0.01" */
void audit_codes(const json_t *codes, char buf[16]); /* "301", "2010399"; "" if none */
void audit_table_label(const json_t *t, char *buf, size_t size); /* 表六 */
int audit_table_position(const json_t *t);
const char *audit_str(const json_t *obj, const char *key); /* NULL if not a string */
const json_t *audit_table_of_type(const struct audit_ctx *c, const char *type_prefix,
                                  const char *type2);
bool audit_within(audit_amt a, audit_amt b, audit_amt tol);
const char *audit_first_key(const json_t *t, const char *prefix); /* first unsided column */
/* Half a unit of the last digit of printed s, in millionths (2 decimals: 5000). */
audit_amt audit_half_digit(const char *s);

/* Builds c->tabs; 0 or -1 when out of memory. audit_index_free() releases them. */
int audit_index(struct audit_ctx *c);
void audit_index_free(struct audit_ctx *c);
/* t's entry in c->tabs, or NULL when t is not one of the document's tables. */
const struct audit_table *audit_tab(const struct audit_ctx *c, const json_t *t);
/* The column of x with this key (the first of equal keys), x->ncols when none. */
size_t audit_column(const struct audit_table *x, const char *key);

void audit_tables(struct audit_ctx *c);
void audit_cross(struct audit_ctx *c);
void audit_text(struct audit_ctx *c);
void audit_document(struct audit_ctx *c);

#endif
