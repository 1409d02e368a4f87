// SPDX-License-Identifier: MIT
// The differential checks of db/jparse.c (check_jparse, fuzz_jparse): whether two jansson
// trees are the same down to what json_equal() does not look at.
#ifndef BUDGETD_TEST_JSON_SAME_H
#define BUDGETD_TEST_JSON_SAME_H

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

static bool json_same(json_t *a, json_t *b);

/* Same keys in the same order (json_equal ignores the order), byte for byte. */
static bool json_same_object(json_t *a, json_t *b)
{
	void *i = json_object_iter(a), *j = json_object_iter(b);

	if (json_object_size(a) != json_object_size(b))
		return false;
	for (; i != NULL && j != NULL;
	     i = json_object_iter_next(a, i), j = json_object_iter_next(b, j)) {
		size_t n = json_object_iter_key_len(i);
		if (n != json_object_iter_key_len(j) ||
		    memcmp(json_object_iter_key(i), json_object_iter_key(j), n) != 0 ||
		    !json_same(json_object_iter_value(i), json_object_iter_value(j)))
			return false;
	}
	return i == NULL && j == NULL;
}

static bool json_same_array(json_t *a, json_t *b)
{
	size_t i;

	if (json_array_size(a) != json_array_size(b))
		return false;
	for (i = 0; i < json_array_size(a); i++)
		if (!json_same(json_array_get(a, i), json_array_get(b, i)))
			return false;
	return true;
}

/* Same types (json_equal takes 1 and 1.0 as equal), strings byte for byte, reals bit for
 * bit (0.0 and -0.0 apart). */
static bool json_same(json_t *a, json_t *b)
{
	double x, y;

	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_OBJECT:
		return json_same_object(a, b);
	case JSON_ARRAY:
		return json_same_array(a, b);
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) ==
		           0;
	case JSON_INTEGER:
		return json_integer_value(a) == json_integer_value(b);
	case JSON_REAL:
		x = json_real_value(a);
		y = json_real_value(b);
		return memcmp(&x, &y, sizeof(x)) == 0;
	default:
		return true;
	}
}

#endif
