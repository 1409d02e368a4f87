// SPDX-License-Identifier: MIT
// XXH64 (xxHash's 64-bit hash, by its specification): see hash.h.
#include "hash.h"

#include <string.h>

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* The specification reads words little-endian: the same ETag on any machine. */
static uint64_t read64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static uint32_t read32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static uint64_t round64(uint64_t acc, uint64_t input)
{
	return rotl(acc + input * P2, 31) * P1;
}

static uint64_t merge(uint64_t h, uint64_t lane)
{
	return (h ^ round64(0, lane)) * P1 + P4;
}

/* The four lanes over every whole 32-byte stripe, merged; *p moves past them. */
static uint64_t stripes(const unsigned char **p, const unsigned char *end, uint64_t seed)
{
	uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1, h;
	const unsigned char *q = *p;

	for (; end - q >= 32; q += 32) {
		v1 = round64(v1, read64(q));
		v2 = round64(v2, read64(q + 8));
		v3 = round64(v3, read64(q + 16));
		v4 = round64(v4, read64(q + 24));
	}
	*p = q;
	h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
	h = merge(h, v1);
	h = merge(h, v2);
	h = merge(h, v3);
	return merge(h, v4);
}

uint64_t srv_hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t h = len >= 32 ? stripes(&p, end, seed) : seed + P5;

	h += (uint64_t)len;
	for (; end - p >= 8; p += 8)
		h = rotl(h ^ round64(0, read64(p)), 27) * P1 + P4;
	if (end - p >= 4) {
		h = rotl(h ^ ((uint64_t)read32(p) * P1), 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl(h ^ (*p * P5), 11) * P1;
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	return h ^ (h >> 32);
}
