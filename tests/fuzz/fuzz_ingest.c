// SPDX-License-Identifier: MIT
// libFuzzer target for the PDF extractor's parser and table reader: the input is
// pdftotext -bbox-layout XHTML. Whatever it holds, the extractor must not crash, leak or
// read out of bounds; a refusal must say why, and everything it reports must say something.
#include "fuzz.h"
#include "ingest.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

/* libFuzzer's entry point; declared here because no header of ours carries it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define die(...) fuzz_die("fuzz_ingest", __VA_ARGS__)

static void on_report(void *ctx, int page, const char *what, const char *text)
{
	(void)ctx;
	if (page < 0 || what == NULL || what[0] == '\0' || text == NULL)
		die("a report without a page, a what or a text (page %d)", page);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_error err = { 0 };
	struct ingest_options opt = { .report = on_report };
	struct ingest_source src = { .file = "fuzz.pdf", .pages = 1 };
	struct ingest_text *text = ingest_text_parse((const char *)data, size, &err);
	json_t *doc;

	if (text == NULL) {
		if (err.text[0] == '\0')
			die("the XHTML was refused without a reason");
		return 0;
	}
	doc = ingest_document(text, &src, &opt, &err);
	if (doc == NULL && err.text[0] == '\0')
		die("the document was refused without a reason");
	if (doc != NULL) {
		char *s = json_dumps(doc, 0);

		if (s == NULL)
			die("the document does not serialize");
		free(s);
	}
	json_decref(doc);
	ingest_text_free(text);
	return 0;
}
