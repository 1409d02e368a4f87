// SPDX-License-Identifier: MIT
// Table types: which of the standard tables a printed title names (db/table_types.tsv).
#include "db.h"
#include "internal.h"

#include <pthread.h>
#include <string.h>

/* Characters a title may carry or not without changing what it names. */
static const char *const ignored[] = { " ",  "\t", "\n", "\r", "\xe3\x80\x80" /* U+3000 */,
	                               "\"", "'",  "“",  "”",  "‘",
	                               "’",  "＂", NULL };

static size_t ignored_len(const char *s)
{
	/* Every ignored character starts with one of these bytes; titles are mostly other
	 * characters, and this is called for each byte of every title (issue #17). */
	if (strchr(" \t\n\r\"'\xe2\xe3\xef", *s) == NULL)
		return 0;
	for (size_t i = 0; ignored[i] != NULL; i++)
		if (strncmp(s, ignored[i], strlen(ignored[i])) == 0)
			return strlen(ignored[i]);
	return 0;
}

/* Copies s into out without the ignored characters; false if it does not fit. */
static bool squeeze(const char *s, char *out, size_t size)
{
	size_t n = 0, skip;

	while (*s != '\0') {
		if ((skip = ignored_len(s)) > 0) {
			s += skip;
			continue;
		}
		if (n + 1 >= size)
			return false;
		out[n++] = *s++;
	}
	out[n] = '\0';
	return true;
}

static const char *skip_prefix(const char *s, const char *const *prefixes)
{
	for (size_t i = 0; prefixes[i] != NULL; i++)
		if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return s + strlen(prefixes[i]);
	return s;
}

/* Drops a list number ("1." "1．" "一、" "（一）") from the start of s. */
static const char *skip_number(const char *s)
{
	static const char *const numerals[] = { "十", "一", "二", "三", "四", "五",
		                                "六", "七", "八", "九", NULL };
	static const char *const marks[] = { ".", "．", "、", NULL };
	const char *p = s, *q;

	while (*p >= '0' && *p <= '9')
		p++;
	while ((q = skip_prefix(p, numerals)) != p)
		p = q;
	if (p == s)
		return s;
	q = skip_prefix(p, marks);
	return q != p ? q : s;
}

/* Drops "2025年" or "2025年度". */
static const char *skip_year(const char *s)
{
	const char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p - s != 4 || strncmp(p, "年", strlen("年")) != 0)
		return s;
	return skip_prefix(p + strlen("年"), (const char *const[]){ "度", NULL });
}

/* The patterns squeezed once (they never change), for every thread: squeezing each of them
 * on every call was most of matching a title. A pattern too long to squeeze stays "" and,
 * as before, matches nothing ("" is never what is left of a title that names a table). */
#define MAX_PATTERNS 256 /* db/table_types.tsv has 28 */
static char squeezed[MAX_PATTERNS][512];
static size_t n_squeezed;
static pthread_once_t squeezed_once = PTHREAD_ONCE_INIT;

static void squeeze_patterns(void)
{
	size_t i;

	for (i = 0; db_table_pattern_list[i].text != NULL && i < MAX_PATTERNS; i++)
		if (!squeeze(db_table_pattern_list[i].text, squeezed[i], sizeof(squeezed[i])))
			squeezed[i][0] = '\0';
	n_squeezed = i;
}

const struct db_table_type *db_table_type_match(const char *title)
{
	static const char *const owners[] = { "预算单位", "本部门", "部门", "单位", NULL };
	char t[512];
	const char *s;

	if (title == NULL || !squeeze(title, t, sizeof(t)))
		return NULL;
	pthread_once(&squeezed_once, squeeze_patterns);
	s = skip_prefix(skip_year(skip_number(t)), owners);
	for (size_t i = 0; i < n_squeezed; i++) {
		if (squeezed[i][0] != '\0' && strcmp(s, squeezed[i]) == 0)
			return &db_table_type_list[db_table_pattern_list[i].type];
	}
	return NULL;
}

const struct db_table_type *db_table_type_find(const char *id)
{
	for (size_t i = 0; id != NULL && db_table_type_list[i].id != NULL; i++)
		if (strcmp(db_table_type_list[i].id, id) == 0)
			return &db_table_type_list[i];
	return NULL;
}

const struct db_table_type *db_table_type_at(size_t i)
{
	for (size_t k = 0; db_table_type_list[k].id != NULL; k++)
		if (k == i)
			return &db_table_type_list[k];
	return NULL;
}
