// SPDX-License-Identifier: MIT
// Reading a disclosure as db_export() gives it: tables by position (表几) or by type (what
// the table is), each table's unit, and amounts converted exactly between units of yuan.
#include "api.h"
#include "internal_api.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int api_table_position(const json_t *t)
{
	json_t *p = json_object_get(t, "position");

	if (!json_is_integer(p))
		p = json_object_get(t, "number"); /* format v1 */
	return json_is_integer(p) ? (int)json_integer_value(p) : 0;
}

const char *api_table_type(const json_t *t)
{
	const char *id = json_string_value(json_object_get(t, "type"));
	const struct db_table_type *type;

	if (id != NULL)
		return id;
	/* Format v1 has no type: the registry recognises the printed title. */
	type = db_table_type_match(json_string_value(json_object_get(t, "title")));
	return type != NULL ? type->id : "other";
}

const char *api_table_unit(const json_t *doc, const json_t *t)
{
	const char *unit = json_string_value(json_object_get(t, "unit"));

	return unit != NULL ? unit : json_string_value(json_object_get(doc, "unit"));
}

const json_t *api_find_table(const json_t *doc, int position)
{
	size_t i;
	json_t *t;

	json_array_foreach (json_object_get(doc, "tables"), i, t)
		if (position > 0 && api_table_position(t) == position)
			return t;
	return NULL;
}

const json_t *api_find_table_type(const json_t *doc, const char *const *types)
{
	size_t i;
	json_t *t;

	for (; *types != NULL; types++)
		json_array_foreach (json_object_get(doc, "tables"), i, t)
			if (strcmp(api_table_type(t), *types) == 0)
				return t;
	return NULL;
}

/* Powers of ten between a unit of yuan and 万元: 元 is 10^-4 万元, 亿元 10^4 万元. */
static bool wan_exponent(const char *unit, int *exp)
{
	static const struct {
		const char *unit;
		int exp;
	} units[] = { { "元", -4 }, { "千元", -1 }, { "万元", 0 }, { "亿元", 4 } };

	for (size_t i = 0; unit != NULL && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit) == 0) {
			*exp = units[i].exp;
			return true;
		}
	}
	return false;
}

bool api_to_wan(int64_t v, const char *unit, int64_t *out)
{
	int exp;

	if (!wan_exponent(unit, &exp))
		return false;
	for (; exp < 0; exp++) {
		if (v % 10 != 0) /* finer than a millionth of 万元: not exact */
			return false;
		v /= 10;
	}
	for (; exp > 0; exp--) {
		if (v > INT64_MAX / 10 || v < INT64_MIN / 10)
			return false;
		v *= 10;
	}
	*out = v;
	return true;
}

void api_url(const struct api_ctx *c, char *buf, size_t size, const char *path, bool csv)
{
	bool unit = c->level != NULL && strcmp(c->level, "unit") == 0;

	snprintf(buf, size, "%s%s%s%s", c->base, path, unit ? "?level=unit" : "",
	         csv ? (unit ? "&format=csv" : "?format=csv") : "");
}
