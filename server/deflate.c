// SPDX-License-Identifier: MIT
// A gzip coder for small answers (#17): libdeflate's level 1 pays about 5 us per stream
// whatever its size; this one pays for the bytes it reads, at the price of fixed codes.
#include "deflate.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MIN_MATCH 4 /* the hash reads 4 bytes: shorter matches are not looked for */
#define MAX_MATCH 258
#define WINDOW 32768
#define HASH_BITS_MAX 13 /* 16 KB of table at most, cleared on each call */
#define HASH_BITS_MIN 6

/* A Huffman code (with any extra bits) as it goes on the wire: deflate writes a code's
 * bits from its most significant first, into bytes filled from the least significant bit,
 * so the tables keep each code bit-reversed, ready to be or'ed in. */
struct code {
	uint16_t bits;
	uint8_t len;
};

static struct code lit_code[256];
/* Match length 3..258: the length symbol's code followed by its extra bits. */
static struct code len_code[MAX_MATCH + 1];
/* Distance symbol of distance d: dist_sym[d - 1] up to 256, dist_sym[256 + ((d - 1) >> 7)]
 * above (symbols 16 and up cover whole multiples of 128). */
static uint8_t dist_sym[512];
static uint8_t dist_rev[30]; /* each symbol's 5-bit code, reversed */
static const uint16_t dist_base[30] = { 1,    2,    3,    4,     5,     7,    9,    13,
	                                17,   25,   33,   49,    65,    97,   129,  193,
	                                257,  385,  513,  769,   1025,  1537, 2049, 3073,
	                                4097, 6145, 8193, 12289, 16385, 24577 };
static const uint16_t len_base[29] = { 3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
	                               15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
	                               67, 83, 99, 115, 131, 163, 195, 227, 258 };
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static unsigned reverse(unsigned v, unsigned n)
{
	unsigned r = 0;

	for (unsigned i = 0; i < n; i++, v >>= 1)
		r = (r << 1) | (v & 1);
	return r;
}

/* The fixed literal/length code of symbol s (RFC 1951, 3.2.6). */
static struct code fixed(unsigned s)
{
	if (s < 144)
		return (struct code){ (uint16_t)reverse(0x30 + s, 8), 8 };
	if (s < 256)
		return (struct code){ (uint16_t)reverse(0x190 + s - 144, 9), 9 };
	if (s < 280)
		return (struct code){ (uint16_t)reverse(s - 256, 7), 7 };
	return (struct code){ (uint16_t)reverse(0xc0 + s - 280, 8), 8 };
}

static void tables_build(void)
{
	for (unsigned c = 0; c < 256; c++)
		lit_code[c] = fixed(c);
	for (unsigned s = 0; s < 29; s++) {
		struct code h = fixed(257 + s);
		unsigned extra = s < 8 || s == 28 ? 0 : (s - 8) / 4 + 1;
		unsigned end = s == 28 ? 259 : len_base[s] + (1u << extra);

		for (unsigned l = len_base[s]; l < end && l <= MAX_MATCH; l++)
			len_code[l] =
			    (struct code){ (uint16_t)(h.bits | (l - len_base[s]) << h.len),
				           (uint8_t)(h.len + extra) };
	}
	for (unsigned s = 0; s < 30; s++) {
		dist_rev[s] = (uint8_t)reverse(s, 5);
		for (unsigned d = dist_base[s]; d < (s == 29 ? WINDOW + 1u : dist_base[s + 1]); d++)
			dist_sym[d <= 256 ? d - 1 : 256 + ((d - 1) >> 7)] = (uint8_t)s;
	}
}

static unsigned dist_extra(unsigned s)
{
	return s < 4 ? 0 : s / 2 - 1;
}

static uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v; /* only compared and hashed: the byte order does not matter */
}

static uint64_t load64_le(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static void store64_le(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

static void store32_le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Bits on their way out: at most 7 wait in buf between two puts, so that a put of up to 31
 * bits (a length and a distance with all their extra bits) fits in 64. Each put stores all
 * 8 bytes of buf: the output keeps 8 bytes of slack. */
struct bitw {
	uint8_t *p;
	uint64_t buf;
	unsigned n;
};

static void put(struct bitw *w, uint64_t bits, unsigned n)
{
	w->buf |= bits << w->n;
	w->n += n;
	store64_le(w->p, w->buf);
	w->p += w->n >> 3;
	w->buf >>= w->n & ~7u;
	w->n &= 7;
}

static void put_match(struct bitw *w, unsigned len, unsigned dist)
{
	unsigned s = dist_sym[dist <= 256 ? dist - 1 : 256 + ((dist - 1) >> 7)];
	struct code l = len_code[len];
	uint64_t d = dist_rev[s] | (uint64_t)(dist - dist_base[s]) << 5;

	put(w, l.bits | d << l.len, l.len + 5 + dist_extra(s));
}

/* How many bytes from a and b agree, knowing the first MIN_MATCH do, up to max. */
static unsigned match_length(const uint8_t *a, const uint8_t *b, unsigned max)
{
	unsigned n = MIN_MATCH;

	for (; n + 8 <= max; n += 8) {
		uint64_t x = load64_le(a + n) ^ load64_le(b + n);
		if (x != 0)
			return n + (unsigned)__builtin_ctzll(x) / 8;
	}
	while (n < max && a[n] == b[n])
		n++;
	return n;
}

static unsigned hash_bits(size_t len)
{
	unsigned bits = HASH_BITS_MIN;

	while (bits < HASH_BITS_MAX && ((size_t)1 << bits) < len)
		bits++;
	return bits;
}

static unsigned hash(uint32_t v, unsigned bits)
{
	return (v * 0x9e3779b1u) >> (32 - bits);
}

/* One final block of fixed codes for in[0..len) at w. The table holds, for each hash of 4
 * bytes, the last position that had it (0 also stands for empty: a candidate is checked
 * byte for byte, and the bytes decide, so the output depends on the input alone). */
static void deflate_fixed(const uint8_t *in, unsigned len, struct bitw *w)
{
	uint16_t table[1u << HASH_BITS_MAX];
	unsigned bits = hash_bits(len), i = 0;

	memset(table, 0, sizeof(table[0]) << bits);
	put(w, 1 | 1 << 1, 3); /* BFINAL, BTYPE 01: fixed codes */
	while (i + MIN_MATCH <= len) {
		uint32_t v = load32(in + i);
		unsigned h = hash(v, bits), cand = table[h];

		table[h] = (uint16_t)i;
		if (cand < i && i - cand <= WINDOW && load32(in + cand) == v) {
			unsigned max = len - i < MAX_MATCH ? len - i : MAX_MATCH;
			unsigned n = match_length(in + i, in + cand, max);

			put_match(w, n, i - cand);
			/* The first few positions the match covers go in too: on the bundled
			 * answers, all of them cost 20-30 % more time for 1 % fewer bytes, none
			 * 3-4 % more bytes. */
			for (unsigned j = i + 1; j < i + (n < 8 ? n : 8) && j + MIN_MATCH <= len;
			     j++)
				table[hash(load32(in + j), bits)] = (uint16_t)j;
			i += n;
			continue;
		}
		put(w, lit_code[in[i]].bits, lit_code[in[i]].len);
		i++;
	}
	for (; i < len; i++)
		put(w, lit_code[in[i]].bits, lit_code[in[i]].len);
	put(w, 0, 7); /* end of block: symbol 256, seven zero bits */
}

/* A stored block of in[0..len) at out (len <= 65535); returns its length. */
static size_t stored(const uint8_t *in, size_t len, uint8_t *out)
{
	out[0] = 1; /* BFINAL, BTYPE 00, and the rest of the byte unused */
	out[1] = (uint8_t)len;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)~len;
	out[4] = (uint8_t)(~len >> 8);
	memcpy(out + 5, in, len);
	return len + 5;
}

size_t srv_gzip_small(const void *in, size_t len, void *out, size_t size)
{
	/* No name, no time; XFL 4 and OS 255 (unknown), as libdeflate writes at level 1. */
	static const uint8_t head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 255 };
	uint8_t *o = out;
	struct bitw w = { o + sizeof(head), 0, 0 };
	size_t n;

	if (len > SRV_GZIP_SMALL_MAX || size < SRV_GZIP_SMALL_BOUND(len))
		return 0;
	pthread_once(&tables_once, tables_build);
	memcpy(o, head, sizeof(head));
	deflate_fixed(in, (unsigned)len, &w);
	n = (size_t)(w.p - o) + (w.n > 0);
	if (n - sizeof(head) > len + 5) /* did not shrink: 9-bit codes for bytes above 143 */
		n = sizeof(head) + stored(in, len, o + sizeof(head));
	store32_le(o + n, libdeflate_crc32(0, in, len));
	store32_le(o + n + 4, (uint32_t)len);
	return n + 8;
}
