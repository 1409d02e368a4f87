// SPDX-License-Identifier: MIT
// Column keys and measures from printed headings (keys.c).
#ifndef BUDGETD_INGEST_KEYS_H
#define BUDGETD_INGEST_KEYS_H

#include <stdbool.h>
#include <stddef.h>

/* The measure a heading names (预算数 -> "budget", 决算数 -> "final"...), or NULL. */
const char *ing_measure_of(const char *heading);

/* The key of a column with this (squeezed) title under group (outermost first, "/"), on
 * side (NULL, "income", "expenditure") of a table of family ("budget"/"final"); in a 三公
 * table (sangong) a 小计 is the 公务用车 subtotal. Writes "" when the heading is not
 * recognised (the caller then writes c<N>); *measure is always set. */
void ing_column_key(const char *title, const char *group, const char *side, const char *family,
                    bool sangong, char *key, size_t key_size, const char **measure);

#endif
