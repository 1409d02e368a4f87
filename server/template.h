// SPDX-License-Identifier: MIT
// The citizen page's template (#15): static/index.html with static/style.css inlined in place
// of its <link rel="stylesheet" href="/style.css">, so that one request paints the page.
// Internal to server/.
#ifndef BUDGETD_SRV_TEMPLATE_H
#define BUDGETD_SRV_TEMPLATE_H

#include "srv.h"

#include <stdbool.h>
#include <stddef.h>

#define SRV_STYLE_SRC_SIZE 64

struct srv_template {
	char *html; /* NULL unless asked for; the caller frees it with free() */
	size_t len;
	char version[160]; /* both files' versions (inode, size, modification time) */
	/* 'sha256-…' of the inlined style, for the CSP's style-src; "" when nothing was inlined
	 * (the template has no such <link>, or the style could end the <style> element). */
	char style_src[SRV_STYLE_SRC_SIZE];
};

/* Fills t for the template in files: its version and style_src always, its text when
 * want_html. The merged text is kept, and read again only when either file changes, so a
 * page served from the cache costs two stat()s here. A folder without style.css has its page
 * as it is. Returns 0, or -1 when index.html (or a style.css there) cannot be read or memory
 * runs out. */
int srv_template_get(const struct srv_static *files, bool want_html, struct srv_template *t);

#endif
