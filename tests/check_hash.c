// SPDX-License-Identifier: MIT
// The ETag's fingerprint (server/hash.c, #17): XXH64 as its specification defines it, checked
// against the vectors xxHash's users publish (not computed here), so an ETag stays the same
// across builds and restarts; and every byte of a body counts, in every lane and tail.
#include "hash.h"
#include "util.h"

#include <check.h>
#include <string.h>

static uint64_t of(const char *s, uint64_t seed)
{
	return srv_hash64(s, strlen(s), seed);
}

/* Lengths 0, 1, 3 (bytes only), 39 and 43 (one stripe, then 4 + 3 or 8 + 3 bytes), a seed. */
START_TEST(test_published_vectors)
{
	ck_assert_uint_eq(of("", 0), 0xEF46DB3751D8E999ULL);
	ck_assert_uint_eq(of("a", 0), 0xD24EC4F1A98C6E5BULL);
	ck_assert_uint_eq(of("abc", 0), 0x44BC2CF5AD770999ULL);
	ck_assert_uint_eq(of("Nobody inspects the spammish repetition", 0), 0xFBCEA83C8A378BF1ULL);
	ck_assert_uint_eq(of("The quick brown fox jumps over the lazy dog", 0),
	                  0x0B242D361FDA71BCULL);
	ck_assert_uint_eq(of("abc", 12345), 0x01700E64F6F23509ULL);
}
END_TEST

/* A body one bit away from another, at any place of any length up to three stripes and a
 * tail, has another fingerprint; the fingerprint does not depend on the bytes' alignment. */
START_TEST(test_every_byte_counts)
{
	unsigned char buf[112], moved[113];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 1; len <= sizeof(buf); len++) {
		uint64_t h = srv_hash64(buf, len, 0);

		memcpy(moved + 1, buf, len);
		ck_assert_uint_eq(srv_hash64(moved + 1, len, 0), h);
		ck_assert_uint_ne(srv_hash64(buf, len - 1, 0), h);
		for (size_t at = 0; at < len; at++) {
			for (int bit = 0; bit < 8; bit++) {
				buf[at] ^= (unsigned char)(1u << bit);
				ck_assert_uint_ne(srv_hash64(buf, len, 0), h);
				buf[at] ^= (unsigned char)(1u << bit);
			}
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("hash");

	tcase_add_test(tc, test_published_vectors);
	tcase_add_test(tc, test_every_byte_counts);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
