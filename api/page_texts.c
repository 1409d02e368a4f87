// SPDX-License-Identifier: MIT
// The page's 情况说明, 核对 (the audit's findings) and 名词解释 (#15).
#include "page.h"

int api_page_texts(struct api_page *p)
{
	(void)p;
	return 0;
}
