// SPDX-License-Identifier: MIT
// The page's opening (#15), in two files: page_intro.c (meta line, source note, audit
// summary) and page_overview.c (概况 with 与上年比较, and 图解). Internal to api/.
#ifndef BUDGETD_API_PAGE_INTRO_H
#define BUDGETD_API_PAGE_INTRO_H

#include "page.h"

/* <section id="overview">: the headline cards, 与上年比较 when p->prior is there, 主要职能,
 * 机构设置, 单位构成, 人员情况. Returns 0, or -1 when memory ran out (p->w->failed). */
int api_page_overview(struct api_page *p);
/* <section id="charts">: the bar charts, as app.js drew them. */
void api_page_charts(struct api_page *p);

#endif
