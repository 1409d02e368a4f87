// SPDX-License-Identifier: MIT
// Exact decimals: the one parser and formatter behind every published figure.
#include "db.h"
#include "util.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *fmt(int64_t v)
{
	static char buf[DB_DEC_BUFSZ];

	db_dec_format(v, buf);
	return buf;
}

static int64_t parse(const char *s, bool sign)
{
	int64_t v = 0;

	ck_assert_msg(db_dec_parse(s, sign, &v) == 0, "\"%s\" should parse", s);
	return v;
}

START_TEST(test_published_figures_round_trip)
{
	static const char *const figures[] = {
		"700.94", "0.01",    "307.1",  "6.536278", "0",
		"96.8",   "2375.48", "0.0042", "100",      "233.56"
	};

	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		ck_assert_str_eq(fmt(parse(figures[i], false)), figures[i]);
}
END_TEST

START_TEST(test_units_are_millionths)
{
	ck_assert_int_eq(parse("700.94", false), 700940000);
	ck_assert_int_eq(parse("0.01", false), 10000);
	ck_assert_int_eq(parse("6.536278", false), 6536278);
	ck_assert_int_eq(parse("-1.69", true), -1690000);
}
END_TEST

START_TEST(test_trailing_zeros_are_canonicalised)
{
	ck_assert_str_eq(fmt(parse("96.80", false)), "96.8");
	ck_assert_str_eq(fmt(parse("80.00", false)), "80");
	ck_assert_str_eq(fmt(parse("14.700000", false)), "14.7");
}
END_TEST

/* A stored figure is printed with the decimals it was published with (its _dp): the
 * spelling comes back, separators aside. The cases are spellings in the bundled PDFs. */
static const char *fmt_dp(int64_t v, int dp)
{
	static char buf[DB_DEC_BUFSZ];
	size_t n = db_dec_format_dp(v, dp, buf);

	ck_assert_uint_eq(n, strlen(buf));
	return buf;
}

START_TEST(test_published_decimals_kept)
{
	static const char *const printed[][2] = {
		{ "867.50", "867.50" },
		{ "38.20", "38.20" },
		{ "0.00", "0.00" },
		{ "0", "0" },
		{ "839.00", "839.00" },
		{ "91,016,775.35", "91016775.35" },
		{ "46,140,000.00", "46140000.00" },
		{ "156,211,123", "156211123" },
		{ "6.536278", "6.536278" },
		{ "14.700000", "14.700000" },
		{ "-1.690", "-1.690" },
		{ "-80.00", "-80.00" },
		{ "999,999,999,999.000000", "999999999999.000000" },
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(printed) / sizeof(printed[0]); i++) {
		ck_assert_int_eq(db_dec_parse_printed(printed[i][0], true, &v), 0);
		ck_assert_str_eq(fmt_dp(v, db_dec_places(printed[i][0])), printed[i][1]);
	}
	ck_assert_int_eq(db_dec_places("91,016,775.35"), 2);
	ck_assert_int_eq(db_dec_places("156,211,123"), 0);
	ck_assert_int_eq(db_dec_places("0.00"), 2);
	ck_assert_int_eq(db_dec_places("6.536278"), 6);
	/* Fewer places than the value has never rounds: the digits all stay. */
	ck_assert_str_eq(fmt_dp(parse("700.94", false), 0), "700.94");
	ck_assert_str_eq(fmt_dp(parse("700.94", false), 1), "700.94");
	ck_assert_str_eq(fmt_dp(parse("700.94", false), 4), "700.9400");
	ck_assert_str_eq(fmt_dp(INT64_MIN, 6), "-9223372036854.775808");
	ck_assert_str_eq(fmt_dp(parse("5", false), 9), "5.000000"); /* at most 6 */
	/* The canonical formatter is unchanged: for figures computed from published ones. */
	ck_assert_str_eq(fmt(parse("867.50", false)), "867.5");
}
END_TEST

START_TEST(test_negative_changes)
{
	ck_assert_str_eq(fmt(parse("-1.69", true)), "-1.69");
	ck_assert_str_eq(fmt(parse("-100", true)), "-100");
	ck_assert_str_eq(fmt(parse("-0.000001", true)), "-0.000001");
}
END_TEST

START_TEST(test_rejects_malformed)
{
	static const char *const bad[] = {
		"",   "-",  ".5",   "5.",  "01",    "1e5", "+1",   "1,000",         "1.2345678",
		" 1", "1 ", "0x10", "NaN", "1.2.3", "-0",  "-0.0", "1234567890123", "七"
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(db_dec_parse(bad[i], true, &v) == -1, "\"%s\" should be refused",
		              bad[i]);
	ck_assert_int_eq(db_dec_parse("-5", false, &v), -1);
	ck_assert_int_eq(db_dec_parse(NULL, false, &v), -1);
}
END_TEST

/* Thousands separators as printed in 决算 tables: only between groups of three digits. */
START_TEST(test_thousands_separators)
{
	static const char *const bad[] = { "1,89",     "1,8900",   ",189",    "189,",  "1,,234",
		                           "1234,567", "1,234,56", "0.123,4", "-,123", "1,234,",
		                           "1.2,345",  "12,34.5",  "1 234",   "1，234" };
	int64_t v;

	ck_assert_int_eq(db_dec_parse_printed("189,767,551.00", false, &v), 0);
	ck_assert_int_eq(v, 189767551000000);
	ck_assert_int_eq(db_dec_parse_printed("-1,234.5", true, &v), 0);
	ck_assert_int_eq(v, -1234500000);
	ck_assert_int_eq(db_dec_parse_printed("999,999,999,999.999999", false, &v), 0);
	ck_assert_int_eq(v, 999999999999999999);
	ck_assert_int_eq(db_dec_parse_printed("700.94", false, &v), 0);
	ck_assert_int_eq(v, 700940000);
	ck_assert_int_eq(db_dec_parse_printed("-1,234.5", false, &v), -1);
	ck_assert_int_eq(db_dec_parse_printed("1,000,000,000,000", false, &v), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(db_dec_parse_printed(bad[i], true, &v) == -1, "\"%s\" accepted",
		              bad[i]);
	ck_assert_int_eq(db_dec_parse("1,234", false, &v), -1); /* the strict parser stays */
}
END_TEST

START_TEST(test_large_values_do_not_overflow)
{
	int64_t max = parse("999999999999.999999", false), sum;

	ck_assert_str_eq(fmt(max), "999999999999.999999");
	ck_assert_str_eq(fmt(INT64_MAX), "9223372036854.775807");
	ck_assert_str_eq(fmt(INT64_MIN), "-9223372036854.775808");
	/* Nine of the largest figures still sum exactly; a tenth overflows, and that is
	 * reported, not wrapped. */
	sum = 0;
	for (int i = 0; i < 9; i++)
		ck_assert_int_eq(db_dec_add(sum, max, &sum), 0);
	ck_assert_str_eq(fmt(sum), "8999999999999.999991");
	ck_assert_int_eq(db_dec_add(sum, max, &sum), -1);
	ck_assert_int_eq(db_dec_add(INT64_MAX, 1, &sum), -1);
	ck_assert_int_eq(db_dec_add(INT64_MIN, -1, &sum), -1);
}
END_TEST

START_TEST(test_sums_are_exact)
{
	/* 表三: 基本支出 345.08 + 项目支出 355.86 = 700.94; in binary floating point
	 * 0.1 + 0.2 style sums drift, these must not. */
	int64_t sum;

	ck_assert_int_eq(db_dec_add(parse("345.08", false), parse("355.86", false), &sum), 0);
	ck_assert_str_eq(fmt(sum), "700.94");
	sum = 0;
	for (int i = 0; i < 10; i++)
		db_dec_add(sum, parse("0.1", false), &sum);
	ck_assert_str_eq(fmt(sum), "1");
}
END_TEST

/* #14: a series and a comparison move figures between units by the decimal point and take
 * changes in integers. The figures are those of tests/http/fixtures/series-office-*.json
 * and fixture-office-2025-budget.json, converted by hand. */
static int64_t conv(const char *s, const char *from, const char *to)
{
	int64_t v = 0;

	ck_assert_msg(db_unit_convert(parse(s, true), from, to, &v) == 0, "%s %s -> %s", s, from,
	              to);
	return v;
}

START_TEST(test_units_convert_exactly)
{
	int64_t v;

	/* 189,767,551.00 元 is 18976.7551 万元; 12,345,678.90 元 is 1234.56789 万元 */
	ck_assert_str_eq(fmt(conv("189767551.00", "元", "万元")), "18976.7551");
	ck_assert_str_eq(fmt(conv("12345678.90", "元", "万元")), "1234.56789");
	/* 6.536278 万元 is 65362.78 元; 1.5 亿元 is 15000 万元; 2 千元 is 0.2 万元 */
	ck_assert_str_eq(fmt(conv("6.536278", "万元", "元")), "65362.78");
	ck_assert_str_eq(fmt(conv("1.5", "亿元", "万元")), "15000");
	ck_assert_str_eq(fmt(conv("2", "千元", "万元")), "0.2");
	ck_assert_str_eq(fmt(conv("-1.69", "万元", "万元")), "-1.69");
	/* 0.001 元 is 0.0000001 万元: finer than a millionth, refused rather than rounded */
	ck_assert_int_eq(db_unit_convert(parse("0.001", false), "元", "万元", &v), -1);
	ck_assert_int_eq(db_unit_convert(1, "元", "美元", &v), -1);
	ck_assert_int_eq(db_unit_convert(INT64_MAX / 2, "亿元", "元", &v), -1);
	ck_assert(db_unit_known("千元") && !db_unit_known("万") && !db_unit_known(NULL));
}
END_TEST

static const char *change(const char *prev, const char *cur, const char **pct)
{
	static char buf[DB_DEC_BUFSZ];
	static char pbuf[DB_DEC_BUFSZ];
	int64_t c, p = 0;
	bool has;

	ck_assert_int_eq(db_change(parse(prev, true), parse(cur, true), &c, &p, &has), 0);
	db_dec_format(c, buf);
	if (has)
		db_dec_format(p, pbuf);
	*pct = has ? pbuf : NULL;
	return buf;
}

START_TEST(test_changes_and_percent)
{
	const char *pct;
	int64_t c, p;
	bool has;

	/* 1000.00 -> 1100.50: +100.5, 10.05% */
	ck_assert_str_eq(change("1000.00", "1100.50", &pct), "100.5");
	ck_assert_str_eq(pct, "10.05");
	/* 1100.5 -> 1234.56789: 134.06789 / 1100.5 = 12.1824..% -> 12.18 */
	ck_assert_str_eq(change("1100.5", "1234.56789", &pct), "134.06789");
	ck_assert_str_eq(pct, "12.18");
	/* 80 -> 79.5: -0.625% rounds half away from zero to -0.63; 80 -> 80.5: 0.63 */
	ck_assert_str_eq(change("80", "79.5", &pct), "-0.5");
	ck_assert_str_eq(pct, "-0.63");
	change("80", "80.5", &pct);
	ck_assert_str_eq(pct, "0.63");
	/* 1234.56789 -> 1111.111111: -9.99999..% -> -10 */
	ck_assert_str_eq(change("1234.56789", "1111.111111", &pct), "-123.456779");
	ck_assert_str_eq(pct, "-10");
	/* from a negative balance: -2 -> 1 is +3, -150% (the change over |prev| keeps the sign of
	 * change / prev) */
	change("-2", "1", &pct);
	ck_assert_str_eq(pct, "-150");
	/* from 0: no percent, never a division by zero */
	ck_assert_str_eq(change("0", "300", &pct), "300");
	ck_assert_ptr_null(pct);
	ck_assert_int_eq(db_change(INT64_MIN + 1, INT64_MAX, &c, &p, &has), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dec");
	TCase *tc = tcase_create("dec");

	tcase_add_test(tc, test_published_figures_round_trip);
	tcase_add_test(tc, test_units_are_millionths);
	tcase_add_test(tc, test_trailing_zeros_are_canonicalised);
	tcase_add_test(tc, test_published_decimals_kept);
	tcase_add_test(tc, test_negative_changes);
	tcase_add_test(tc, test_rejects_malformed);
	tcase_add_test(tc, test_large_values_do_not_overflow);
	tcase_add_test(tc, test_thousands_separators);
	tcase_add_test(tc, test_sums_are_exact);
	tcase_add_test(tc, test_units_convert_exactly);
	tcase_add_test(tc, test_changes_and_percent);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
