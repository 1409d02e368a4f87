// SPDX-License-Identifier: MIT
// Table types: which of the standard tables a printed title names (db/table_types.tsv).
#include "db.h"
#include "internal.h"

#include <string.h>

/* Characters a title may carry or not without changing what it names. */
static const char *const ignored[] = { " ",  "\t", "\n", "\r", "\xe3\x80\x80" /* U+3000 */,
	                               "\"", "'",  "“",  "”",  "‘",
	                               "’",  "＂", NULL };

static size_t ignored_len(const char *s)
{
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

const struct db_table_type *db_table_type_match(const char *title)
{
	static const char *const owners[] = { "预算单位", "本部门", "部门", "单位", NULL };
	char t[512], p[512];
	const char *s;

	if (title == NULL || !squeeze(title, t, sizeof(t)))
		return NULL;
	s = skip_prefix(skip_year(skip_number(t)), owners);
	for (size_t i = 0; db_table_pattern_list[i].text != NULL; i++) {
		if (squeeze(db_table_pattern_list[i].text, p, sizeof(p)) && strcmp(s, p) == 0)
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
