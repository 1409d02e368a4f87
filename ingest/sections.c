// SPDX-License-Identifier: MIT
// Sections: the text outside the tables (explanations, glossary, functions).
#include "internal.h"

void ing_sections(const struct ingest_text *text, const struct ingest_options *opt, json_t *doc,
                  bool **used)
{
	(void)text;
	(void)opt;
	(void)doc;
	(void)used;
}
