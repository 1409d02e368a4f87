// SPDX-License-Identifier: MIT
// The page's 项目支出 with their 绩效目标表, “三公”经费 and 其他事项 (#15).
#include "page.h"

int api_page_projects(struct api_page *p)
{
	(void)p;
	return 0;
}
