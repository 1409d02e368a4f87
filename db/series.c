// SPDX-License-Identifier: MIT
// The exact arithmetic of a series and of two disclosures side by side (#14): a figure moved
// from one unit to another by its decimal point, and a change with its percentage, both in
// integers so that no published figure ever passes through a double.
#include "db.h"

#include <string.h>

/* Powers of ten of a unit against 元. */
static bool unit_exponent(const char *unit, int *exp)
{
	static const struct {
		const char *name;
		int exp;
	} units[] = { { "元", 0 }, { "千元", 3 }, { "万元", 4 }, { "亿元", 8 } };

	if (unit == NULL)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(units[i].name, unit) == 0) {
			*exp = units[i].exp;
			return true;
		}
	}
	return false;
}

bool db_unit_known(const char *unit)
{
	int exp;

	return unit_exponent(unit, &exp);
}

int db_unit_convert(int64_t v, const char *from, const char *to, int64_t *out)
{
	int ef, et, shift;

	if (!unit_exponent(from, &ef) || !unit_exponent(to, &et))
		return -1;
	/* A figure in 万元 is 10^4 figures in 元: multiply when going to a smaller unit. */
	for (shift = ef - et; shift < 0; shift++) {
		if (v % 10 != 0) /* finer than a millionth of the target unit */
			return -1;
		v /= 10;
	}
	for (; shift > 0; shift--) {
		if (v > INT64_MAX / 10 || v < INT64_MIN / 10)
			return -1;
		v *= 10;
	}
	*out = v;
	return 0;
}

int db_change(int64_t prev, int64_t cur, int64_t *change, int64_t *percent, bool *has_percent)
{
	__int128 num, q, r;

	if ((prev < 0 && cur > INT64_MAX + prev) || (prev > 0 && cur < INT64_MIN + prev))
		return -1;
	*change = cur - prev;
	*has_percent = prev != 0;
	if (prev == 0)
		return 0;
	/* hundredths of a percent: change * 100 * 100 / prev, half away from zero */
	num = (__int128)*change * 10000;
	q = num / prev;
	r = num % prev;
	if (r != 0 && 2 * (r < 0 ? -r : r) >= (prev < 0 ? -(__int128)prev : (__int128)prev))
		q += (num < 0) != (prev < 0) ? -1 : 1;
	q *= DB_DEC_SCALE / 100;
	if (q > INT64_MAX || q < INT64_MIN)
		return -1;
	*percent = (int64_t)q;
	return 0;
}
