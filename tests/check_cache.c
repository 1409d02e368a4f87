// SPDX-License-Identifier: MIT
// The response cache on its own: the byte budget holds, entries computed before a data
// change are refused, invalidation empties it, and a full cache admits an answer only on
// its second offer (#17).
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
		srv_cache_put(c, key, response(4000), SRV_API, "\"e\"", 0, 4000, false,
		              srv_cache_generation(c));
		entries(c, &bytes);
		ck_assert_uint_le(bytes, 64 * 1024);
	}
	ck_assert_uint_gt(entries(c, NULL), 5);
	ck_assert_uint_lt(entries(c, NULL), 17); /* 64 KiB holds about 10 of 4 KB and headers */
	srv_cache_free(c);
}
END_TEST

START_TEST(test_stale_answers_are_refused)
{
	struct srv_cache *c = srv_cache_new(1 << 20);
	uint64_t before = srv_cache_generation(c);

	srv_cache_put(c, "id /a", response(100), SRV_API, "\"a\"", 0, 100, false, before);
	ck_assert_uint_eq(entries(c, NULL), 1);
	srv_cache_invalidate(c); /* an import committed */
	ck_assert_uint_eq(entries(c, NULL), 0);
	ck_assert_uint_ne(srv_cache_generation(c), before);
	/* an answer computed before the import arrives late: not kept */
	srv_cache_put(c, "id /b", response(100), SRV_API, "\"b\"", 0, 100, false, before);
	ck_assert_uint_eq(entries(c, NULL), 0);
	srv_cache_put(c, "id /b", response(100), SRV_API, "\"b\"", 0, 100, false,
	              srv_cache_generation(c));
	ck_assert_uint_eq(entries(c, NULL), 1);
	/* the same key twice keeps one entry */
	srv_cache_put(c, "id /b", response(100), SRV_API, "\"b\"", 0, 100, false,
	              srv_cache_generation(c));
	ck_assert_uint_eq(entries(c, NULL), 1);
	srv_cache_free(c);
}
END_TEST

START_TEST(test_zero_budget_keeps_nothing)
{
	struct srv_cache *c = srv_cache_new(0);

	srv_cache_put(c, "id /a", response(10), SRV_API, "\"a\"", 0, 10, false,
	              srv_cache_generation(c));
	ck_assert_uint_eq(entries(c, NULL), 0);
	srv_cache_free(c);
}
END_TEST

static uint64_t refused(struct srv_cache *c, uint64_t *evicted)
{
	uint64_t r, e;

	srv_cache_admission(c, &r, &e);
	if (evicted != NULL)
		*evicted = e;
	return r;
}

static void offer(struct srv_cache *c, const char *fmt, int i)
{
	char key[32];

	snprintf(key, sizeof(key), fmt, i);
	srv_cache_put(c, key, response(4000), SRV_API, "\"e\"", 0, 4000, false,
	              srv_cache_generation(c));
}

/* Fills a cache with 4 KB answers until the first is refused; returns the entries. */
static size_t fill(struct srv_cache *c)
{
	int i;

	for (i = 0; i < 1000 && refused(c, NULL) == 0; i++)
		offer(c, "id /hot%d", i);
	ck_assert_uint_eq(refused(c, NULL), 1);
	return entries(c, NULL);
}

/* Kept answers in files are each an open file descriptor: no more than the server allows
 * are, and the room comes back as they leave (evicted, refused, or dropped by an import).
 * An answer the cache would refuse gets no file. */
START_TEST(test_files_are_counted)
{
	struct srv_cache *c = srv_cache_new(1 << 20);
	uint64_t g = srv_cache_generation(c);

	/* none until the server says */
	ck_assert_int_eq(srv_cache_body(c, "id /a", 100), SRV_BODY_BUFFER);
	srv_cache_files_set(c, 2);
	ck_assert_int_eq(srv_cache_body(c, "id /a", 100), SRV_BODY_FILE);
	/* over a quarter: never kept */
	ck_assert_int_eq(srv_cache_body(c, "id /big", 1 << 19), SRV_BODY_BUFFER);
	srv_cache_put(c, "id /a", response(100), SRV_API, "\"a\"", 0, 100, true, g);
	ck_assert_int_eq(srv_cache_body(c, "id /a", 100), SRV_BODY_BUFFER); /* kept already */
	srv_cache_put(c, "id /a", response(100), SRV_API, "\"a\"", 0, 100, true, g);
	srv_cache_put(c, "id /x", response(100), SRV_API, "\"x\"", 0, 100, true, g + 1); /* stale */
	ck_assert_int_eq(srv_cache_body(c, "id /b", 100), SRV_BODY_FILE);
	srv_cache_put(c, "id /b", response(100), SRV_API, "\"b\"", 0, 100, false, g);
	ck_assert_int_eq(srv_cache_body(c, "id /c", 100), SRV_BODY_FILE);
	srv_cache_put(c, "id /c", response(100), SRV_API, "\"c\"", 0, 100, true, g);
	ck_assert_int_eq(srv_cache_body(c, "id /d", 100), SRV_BODY_BUFFER); /* two in files */
	srv_cache_invalidate(c);
	ck_assert_int_eq(srv_cache_body(c, "id /d", 100), SRV_BODY_FILE);
	srv_cache_free(c);
}
END_TEST

/* Once the cache is full, an answer offered for the first time will be refused: no file for
 * it. Offered once (and refused), the second offer would be kept by pushing others out: a
 * memfd then (an ext4 inode made and dropped under churn costs more than it saves). */
START_TEST(test_no_file_for_a_one_off)
{
	struct srv_cache *c = srv_cache_new(64 * 1024);

	srv_cache_files_set(c, 100);
	fill(c);
	ck_assert_int_eq(srv_cache_body(c, "id /new", 4000), SRV_BODY_BUFFER);
	offer(c, "id /new%d", 0);
	ck_assert_int_eq(srv_cache_body(c, "id /new", 4000), SRV_BODY_BUFFER);
	ck_assert_int_eq(srv_cache_body(c, "id /new0", 4000), SRV_BODY_MEMFD);
	srv_cache_free(c);
}
END_TEST

/* The room an eviction leaves is churn too: an answer that fits there gets a memfd, not a
 * file of the disk's. Emptied by an import, the cache makes files again. */
START_TEST(test_memfds_once_evicting)
{
	struct srv_cache *c = srv_cache_new(64 * 1024);
	size_t fit = 4000;
	uint64_t evicted;

	srv_cache_files_set(c, 100);
	fill(c);
	ck_assert_int_eq(srv_cache_body(c, "id /new", 4000), SRV_BODY_BUFFER); /* not seen */
	srv_cache_put(c, "id /big", response(10000), SRV_API, "\"b\"", 0, 10000, false,
	              srv_cache_generation(c)); /* refused, seen */
	ck_assert_int_eq(srv_cache_body(c, "id /big", 10000), SRV_BODY_MEMFD);
	srv_cache_put(c, "id /big", response(10000), SRV_API, "\"b\"", 0, 10000, true,
	              srv_cache_generation(c)); /* kept, evicting older ones */
	refused(c, &evicted);
	ck_assert_uint_ge(evicted, 2);
	/* the largest answer that fits in what the evictions left */
	while (fit > 0 && srv_cache_body(c, "id /new", fit) == SRV_BODY_BUFFER)
		fit--;
	ck_assert_msg(fit > 0, "the evictions left no room: no test");
	ck_assert_int_eq(srv_cache_body(c, "id /new", fit), SRV_BODY_MEMFD);
	srv_cache_invalidate(c);
	ck_assert_int_eq(srv_cache_body(c, "id /new", 4000), SRV_BODY_FILE);
	srv_cache_free(c);
}
END_TEST

/* Random traffic over a large store: each answer asked for once. Once the cache is full none
 * of them gets in, so none pushes out an answer that is asked for again. */
START_TEST(test_one_offs_evict_nothing)
{
	struct srv_cache *c = srv_cache_new(64 * 1024);
	size_t n = fill(c), bytes, before;
	uint64_t evicted;

	ck_assert_uint_ge(n, 9); /* while there was room, every answer got in (6 KB each) */
	entries(c, &before);
	for (int i = 0; i < 1000; i++)
		offer(c, "id /once%d", i);
	ck_assert_uint_eq(entries(c, &bytes), n);
	ck_assert_uint_eq(bytes, before);
	ck_assert_uint_eq(refused(c, &evicted), 1001);
	ck_assert_uint_eq(evicted, 0);
	srv_cache_free(c);
}
END_TEST

/* An answer offered twice in a row is worth keeping: the second offer gets in, pushing out
 * the oldest entry (none was served, so CLOCK spares none). */
START_TEST(test_second_offer_is_kept)
{
	struct srv_cache *c = srv_cache_new(64 * 1024);
	size_t n = fill(c), bytes;
	uint64_t evicted;

	offer(c, "id /twice%d", 0);
	ck_assert_uint_eq(refused(c, &evicted), 2);
	ck_assert_uint_eq(evicted, 0);
	offer(c, "id /twice%d", 0);
	ck_assert_uint_eq(refused(c, &evicted), 2);
	ck_assert_uint_eq(evicted, 1);
	ck_assert_uint_eq(entries(c, &bytes), n); /* one out, one in */
	ck_assert_uint_le(bytes, 64 * 1024);
	/* offered again while kept: still one entry for it, nothing refused or pushed out */
	offer(c, "id /twice%d", 0);
	ck_assert_uint_eq(refused(c, &evicted), 2);
	ck_assert_uint_eq(evicted, 1);
	ck_assert_uint_eq(entries(c, NULL), n);
	srv_cache_free(c);
}
END_TEST

/* The "seen once" table remembers about as many refused answers as the cache holds entries:
 * an answer asked for again after a few others gets in, one asked for again only after
 * several times the entries' worth of others is as cold as what it would push out, and is
 * refused again. (A fixed 16,384 remembered it: under random traffic over a large store one
 * request in ten then pushed out an entry, #17 round 15.) */
START_TEST(test_seen_window_follows_the_entries)
{
	struct srv_cache *c = srv_cache_new(1 << 20);
	size_t n = fill(c);
	uint64_t evicted;

	ck_assert_uint_ge(n, 128); /* 1 MiB holds about 170 of 4 KB and headers */
	offer(c, "id /soon%d", 0);
	for (int i = 0; i < 4; i++)
		offer(c, "id /between%d", i);
	offer(c, "id /soon%d", 0);
	ck_assert_uint_eq(refused(c, &evicted), 6);
	ck_assert_uint_eq(evicted, 1);
	offer(c, "id /late%d", 0);
	for (int i = 0; i < (int)(4 * n); i++)
		offer(c, "id /once%d", i);
	offer(c, "id /late%d", 0);
	ck_assert_uint_eq(refused(c, &evicted), 6 + 1 + 4 * n + 1);
	ck_assert_uint_eq(evicted, 1);
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
	tcase_add_test(tc, test_one_offs_evict_nothing);
	tcase_add_test(tc, test_second_offer_is_kept);
	tcase_add_test(tc, test_seen_window_follows_the_entries);
	tcase_add_test(tc, test_files_are_counted);
	tcase_add_test(tc, test_no_file_for_a_one_off);
	tcase_add_test(tc, test_memfds_once_evicting);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
