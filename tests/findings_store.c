// SPDX-License-Identifier: MIT
// Test helper: builds a store whose disclosures carry findings written by hand, without the
// audit rules. `findings_store STORE DOC.json FINDINGS.json [DOC.json FINDINGS.json]...`
// imports every pair in one transaction ("-" for no findings). Exit 0, or 1 with a message.
#include "db.h"

#include <stdio.h>

static void report(void *ctx, const struct db_error *e)
{
	(void)ctx;
	fprintf(stderr, "%s:%d:%d: %s: %s\n", e->file, e->line, e->column, e->path, e->text);
}

static int add(struct db_import *im, const char *doc_file, const char *findings_file)
{
	struct db_error err = { 0 };
	struct db_doc *doc = db_doc_load(doc_file, report, NULL);
	json_t *findings = NULL;
	json_error_t jerr;
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (findings_file[0] != '-' && (findings = json_load_file(findings_file, 0, &jerr)) == NULL)
		fprintf(stderr, "%s:%d: %s\n", findings_file, jerr.line, jerr.text);
	else if (db_import_add(im, doc, &err) != 0 ||
	         (findings != NULL && db_import_add_findings(im, findings, &err) != 0))
		fprintf(stderr, "%s: %s %s\n", findings_file, err.path, err.text);
	else
		rc = 0;
	json_decref(findings);
	db_doc_free(doc);
	return rc;
}

int main(int argc, char **argv)
{
	struct db_error err = { 0 };
	struct db *db;
	struct db_import *im;

	if (argc < 4 || argc % 2 != 0) {
		fputs("usage: findings_store STORE DOC.json FINDINGS.json...\n", stderr);
		return 1;
	}
	if ((db = db_open(argv[1], true, &err)) == NULL ||
	    (im = db_import_begin(db, &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], err.text);
		return 1;
	}
	for (int i = 2; i < argc; i += 2) {
		if (add(im, argv[i], argv[i + 1]) != 0) {
			db_import_abort(im);
			db_close(db);
			return 1;
		}
	}
	if (db_import_commit(im, &err) != 0 || db_set_rollback_journal(db, &err) != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err.text);
		db_close(db);
		return 1;
	}
	db_close(db);
	return 0;
}
