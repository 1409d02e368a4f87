// SPDX-License-Identifier: MIT
// libFuzzer target for the import parser and validator (db_doc_parse): the input is the text
// of an import file. A rejected file must say why; an accepted one must import, and its
// export must validate again and import back to the same export (a fixed point).
#include "fuzz.h"
#include "db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry points; declared here because no header of ours carries them. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.json"

/* One in-memory store for the whole run. Every import is rolled back (db_import_abort), so
 * the store stays empty and each input starts from the same state. */
static struct db *store;

struct reports {
	int n;
	const char *name; /* the name the parser was given, which every report must carry */
	bool echo; /* print each problem (for an export that should have been valid) */
};

#define die(...) fuzz_die("fuzz_import", __VA_ARGS__)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct db_error err = { 0 };

	(void)argc;
	(void)argv;
	store = db_open(":memory:", true, &err);
	if (store == NULL) {
		fprintf(stderr, "fuzz_import: cannot open an in-memory store: %s\n", err.text);
		exit(1);
	}
	return 0;
}

/* budgetctl shows these messages to the person who wrote the file: each must say something
 * and name the file. */
static void on_report(void *ctx, const struct db_error *e)
{
	struct reports *r = ctx;

	r->n++;
	if (r->echo)
		fprintf(stderr, "  %s:%d:%d: %s: %s\n", e->file, e->line, e->column, e->path,
		        e->text);
	if (e->text[0] == '\0')
		die("a problem reported without a message (at %s, %d:%d)", e->path, e->line,
		    e->column);
	if (strcmp(e->file, r->name) != 0)
		die("a problem reported for file \"%s\", not \"%s\": %s", e->file, r->name,
		    e->text);
}

/* Imports doc inside a transaction, exports it, and rolls back. Returns the export. */
static json_t *import_export(const struct db_doc *doc, const char *what)
{
	struct db_error err = { 0 };
	struct db_import *im = db_import_begin(store, &err);
	json_t *out;

	if (im == NULL)
		die("cannot begin an import: %s", err.text);
	if (db_import_add(im, doc, &err) != 0)
		die("%s was accepted but does not import: %s", what, err.text);
	out = db_export(store, db_doc_department(doc), db_doc_year(doc), db_doc_kind(doc),
	                db_doc_level(doc), &err);
	if (out == NULL)
		die("%s imported but does not export: %s", what, err.text);
	db_import_abort(im);
	return out;
}

/* The export of an accepted document is itself an import file: it must validate and import
 * back to exactly the same export, or budgetctl export | budgetctl import loses data. */
static void check_round_trip(const struct db_doc *doc)
{
	json_t *first = import_export(doc, "the input"), *second;
	char *text = json_dumps(first, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	struct reports r = { 0, "export.json", true };
	struct db_doc *again;

	if (text == NULL)
		die("the export does not serialize");
	again = db_doc_parse(text, strlen(text), r.name, on_report, &r);
	if (again == NULL)
		die("the export of an accepted document is invalid (%d problems above):\n%s", r.n,
		    text);
	second = import_export(again, "the export");
	if (!json_equal(first, second)) {
		char *t2 = json_dumps(second, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		die("export, import, export changed the document:\n%s\n---- became ----\n%s", text,
		    t2 ? t2 : "(null)");
	}
	db_doc_free(again);
	free(text);
	json_decref(second);
	json_decref(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reports r = { 0, NAME, false };
	struct db_doc *doc;

	if (store == NULL)
		LLVMFuzzerInitialize(NULL, NULL);
	doc = db_doc_parse((const char *)data, size, NAME, on_report, &r);
	if (doc == NULL) {
		if (r.n == 0)
			die("the document was rejected without a reason");
		return 0;
	}
	if (r.n != 0)
		die("the document was accepted after %d problems were reported", r.n);
	check_round_trip(doc);
	db_doc_free(doc);
	return 0;
}
