// SPDX-License-Identifier: MIT
// Exact decimals: amounts and percentages as integers in millionths, so no figure ever
// passes through binary floating point. One parser and one formatter serve every output.
#include "db.h"

#include <string.h>

int db_dec_parse(const char *s, bool allow_negative, int64_t *out)
{
	bool neg = false;
	int64_t whole = 0, frac = 0;
	int int_digits = 0, frac_digits = 0;

	if (s == NULL || out == NULL)
		return -1;
	if (*s == '-') {
		if (!allow_negative)
			return -1;
		neg = true;
		s++;
	}
	/* No leading zeros ("007"), no bare "." and no exponent: one spelling per value. */
	if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++int_digits > DB_DEC_MAX_INT_DIGITS)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (int_digits == 0)
		return -1;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (++frac_digits > DB_DEC_DIGITS)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (frac_digits == 0)
			return -1;
	}
	if (*s != '\0')
		return -1;
	for (int i = frac_digits; i < DB_DEC_DIGITS; i++)
		frac *= 10;
	/* 12 integer digits times 10^6 stays far below INT64_MAX: no overflow possible. */
	*out = whole * DB_DEC_SCALE + frac;
	if (neg)
		*out = -*out;
	if (*out == 0 && neg)
		return -1; /* "-0" is not a published figure */
	return 0;
}

/* Copies s into out without its separators; false if one is misplaced or s is too long. */
static bool drop_separators(const char *s, char *out, size_t size)
{
	size_t n = 0, run = 0; /* digits since the start or the last comma */
	bool grouped = false, in_int = true;

	for (; *s != '\0'; s++) {
		if (n + 1 >= size)
			return false;
		if (*s == ',') {
			/* A first group of 1-3 digits, then groups of exactly 3. */
			if (!in_int || run == 0 || run > 3 || (grouped && run != 3))
				return false;
			grouped = true;
			run = 0;
			continue;
		}
		if (*s == '.')
			in_int = false;
		else if (in_int && *s >= '0' && *s <= '9')
			run++;
		out[n++] = *s;
	}
	out[n] = '\0';
	return !grouped || run == 3;
}

int db_dec_parse_printed(const char *s, bool allow_negative, int64_t *out)
{
	char buf[DB_DEC_BUFSZ * 2];

	if (s == NULL || !drop_separators(s, buf, sizeof(buf)))
		return -1;
	return db_dec_parse(buf, allow_negative, out);
}

char *db_dec_put_uint(char *p, uint64_t u)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

size_t db_dec_format(int64_t v, char buf[static DB_DEC_BUFSZ])
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t frac = mag % DB_DEC_SCALE;
	char *p = buf;

	if (v < 0)
		*p++ = '-';
	p = db_dec_put_uint(p, mag / DB_DEC_SCALE);
	if (frac != 0) {
		/* The six decimals, leading zeros kept, trailing ones dropped. */
		int digits = DB_DEC_DIGITS;
		*p++ = '.';
		while (frac % 10 == 0) {
			frac /= 10;
			digits--;
		}
		for (int i = digits - 1; i >= 0; i--, frac /= 10)
			p[i] = (char)('0' + frac % 10);
		p += digits;
	}
	*p = '\0';
	return (size_t)(p - buf);
}

size_t db_dec_format_dp(int64_t v, int dp, char buf[static DB_DEC_BUFSZ])
{
	size_t n = db_dec_format(v, buf);
	const char *point = strchr(buf, '.');
	int have = point != NULL ? (int)(n - (size_t)(point - buf) - 1) : 0;

	if (dp > DB_DEC_DIGITS)
		dp = DB_DEC_DIGITS;
	if (have >= dp)
		return n;
	if (point == NULL)
		buf[n++] = '.';
	for (; have < dp; have++)
		buf[n++] = '0';
	buf[n] = '\0';
	return n;
}

int db_dec_places(const char *s)
{
	const char *point = s != NULL ? strchr(s, '.') : NULL;
	size_t n;

	if (point == NULL)
		return 0;
	n = strspn(point + 1, "0123456789");
	return n > DB_DEC_DIGITS ? DB_DEC_DIGITS : (int)n;
}

int db_dec_add(int64_t a, int64_t b, int64_t *sum)
{
	return __builtin_add_overflow(a, b, sum) ? -1 : 0;
}
