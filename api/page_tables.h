// SPDX-License-Identifier: MIT
// One table as the page shows it (page_tables.c): the page's 公开表 section and the /embed/
// views (page_embed.c) write their tables with the same renderer. Internal to api/.
#ifndef BUDGETD_API_PAGE_TABLES_H
#define BUDGETD_API_PAGE_TABLES_H

#include "page.h"

/* Where a table is shown. */
enum api_table_view {
	/* the page: headed by an <h3>, code columns 类/款/项 pinned, CSV and JSON links, the
	 * transcriber's account of its unplaced figures */
	API_TABLE_PAGE,
	/* an /embed/ view: headed by an <h2>, one 科目编码 column (narrow frames), links to its
	 * CSV and to the table on the full page, a short note on unplaced figures */
	API_TABLE_EMBED,
};

/* Writes table t of p->doc into p->w: <section id="table-N" class="dtable">, its heading,
 * the table(s) as published and its notes. page: the full page's URL of the disclosure
 * (the embed's link back; unused on the page). */
void api_page_table(struct api_page *p, const json_t *t, enum api_table_view view,
                    const char *page);

#endif
