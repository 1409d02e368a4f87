// SPDX-License-Identifier: MIT
// audit: deterministic rules over ONE disclosure given as its import-format-2 document (as
// `budgetctl extract` writes it, as an import file holds it after db_doc_load, or as
// db_export() returns it). Findings name their place, the expected and the actual value and
// the difference, as exact decimals. No I/O, no printing, no SQLite: depends on db/ only.
#ifndef BUDGETD_AUDIT_H
#define BUDGETD_AUDIT_H

#include <jansson.h>
#include <stddef.h>

/* One rule of the registry (audit/rules.c). Pointers are static. */
struct audit_rule {
	const char *id; /* "T01" ... */
	const char *family; /* "table", "cross", "text" or "document" */
	const char *severity; /* "error", "warning" or "info" */
	const char *title_zh, *title_en; /* one line each */
	const char *tolerance; /* how exact the comparison is, and why */
};

struct audit_error {
	char text[256];
};

/* Runs every rule over doc. Returns a new JSON array of findings (the caller json_decref()s
 * it), [] when nothing is found; NULL with *err filled only on an internal error (out of
 * memory). A document of an unexpected shape is audited as far as it goes, never refused. */
json_t *audit_run(const json_t *doc, struct audit_error *err);

/* The rule registry; *n receives its length. */
const struct audit_rule *audit_rules(size_t *n);

/* The rule with this id, or NULL. */
const struct audit_rule *audit_rule_find(const char *id);

#endif
