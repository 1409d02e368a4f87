// SPDX-License-Identifier: MIT
// The response cache on its own: the byte budget holds, entries computed before a data
// change are refused, and invalidation empties it.
#include "cache.h"
#include "util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct MHD_Response *response(size_t len)
{
	char *body = calloc(1, len);

	ck_assert_ptr_nonnull(body);
	return MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
}

static size_t entries(struct srv_cache *c, size_t *bytes)
{
	size_t n, b;
	uint64_t hits, misses;

	srv_cache_stats(c, &n, &b, &hits, &misses);
	if (bytes != NULL)
		*bytes = b;
	return n;
}

START_TEST(test_budget_holds)
{
	struct srv_cache *c = srv_cache_new(64 * 1024);
	char key[32];
	size_t bytes = 0;

	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "id /k%d", i);
		srv_cache_put(c, key, response(4000), SRV_API, "\"e\"", 0, 4000,
		              srv_cache_generation(c));
		entries(c, &bytes);
		ck_assert_uint_le(bytes, 64 * 1024);
	}
	ck_assert_uint_gt(entries(c, NULL), 5);
	ck_assert_uint_lt(entries(c, NULL), 17); /* 64 KiB holds about 15 of 4 KB */
	srv_cache_free(c);
}
END_TEST

START_TEST(test_stale_answers_are_refused)
{
	struct srv_cache *c = srv_cache_new(1 << 20);
	uint64_t before = srv_cache_generation(c);

	srv_cache_put(c, "id /a", response(100), SRV_API, "\"a\"", 0, 100, before);
	ck_assert_uint_eq(entries(c, NULL), 1);
	srv_cache_invalidate(c); /* an import committed */
	ck_assert_uint_eq(entries(c, NULL), 0);
	ck_assert_uint_ne(srv_cache_generation(c), before);
	/* an answer computed before the import arrives late: not kept */
	srv_cache_put(c, "id /b", response(100), SRV_API, "\"b\"", 0, 100, before);
	ck_assert_uint_eq(entries(c, NULL), 0);
	srv_cache_put(c, "id /b", response(100), SRV_API, "\"b\"", 0, 100, srv_cache_generation(c));
	ck_assert_uint_eq(entries(c, NULL), 1);
	/* the same key twice keeps one entry */
	srv_cache_put(c, "id /b", response(100), SRV_API, "\"b\"", 0, 100, srv_cache_generation(c));
	ck_assert_uint_eq(entries(c, NULL), 1);
	srv_cache_free(c);
}
END_TEST

START_TEST(test_zero_budget_keeps_nothing)
{
	struct srv_cache *c = srv_cache_new(0);

	srv_cache_put(c, "id /a", response(10), SRV_API, "\"a\"", 0, 10, srv_cache_generation(c));
	ck_assert_uint_eq(entries(c, NULL), 0);
	srv_cache_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("cache");

	tcase_add_test(tc, test_budget_holds);
	tcase_add_test(tc, test_stale_answers_are_refused);
	tcase_add_test(tc, test_zero_budget_keeps_nothing);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
