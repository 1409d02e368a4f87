// SPDX-License-Identifier: MIT
// SHA-256 (FIPS 180-4) of a file, for source.sha256, and of a buffer, for budgetd's page (the
// CSP hash of its inlined style): small enough not to need a crypto library.
#include "internal.h"

#include <stdint.h>
#include <string.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a[8];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(a, h, sizeof(a));
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = a[7] + (ROR(a[4], 6) ^ ROR(a[4], 11) ^ ROR(a[4], 25)) +
		              ((a[4] & a[5]) ^ (~a[4] & a[6])) + K[i] + w[i];
		uint32_t t2 = (ROR(a[0], 2) ^ ROR(a[0], 13) ^ ROR(a[0], 22)) +
		              ((a[0] & a[1]) ^ (a[0] & a[2]) ^ (a[1] & a[2]));
		memmove(a + 1, a, 7 * sizeof(a[0]));
		a[4] += t1;
		a[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += a[i];
}

static const uint32_t H0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

/* The last block(s): the have bytes left in buf (which has room for 128 more), the padding
 * and the message's length in bits. */
static void finish(uint32_t h[8], unsigned char *buf, size_t have, uint64_t total)
{
	buf[have++] = 0x80;
	while (have % 64 != 56)
		buf[have++] = 0;
	for (int i = 7; i >= 0; i--)
		buf[have++] = (unsigned char)((total * 8) >> (8 * i));
	for (size_t i = 0; i < have; i += 64)
		block(h, buf + i);
}

int ingest_sha256_file(const char *path, char hex[65])
{
	uint32_t h[8];
	unsigned char buf[65536 + 128];
	uint64_t total = 0;
	size_t n, have = 0;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -1;
	memcpy(h, H0, sizeof(h));
	while ((n = fread(buf + have, 1, 65536, f)) > 0) {
		size_t i;

		have += n;
		total += n;
		for (i = 0; i + 64 <= have; i += 64)
			block(h, buf + i);
		memmove(buf, buf + i, have - i);
		have -= i;
	}
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	finish(h, buf, have, total);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", h[i]);
	return 0;
}

void ingest_sha256(const void *data, size_t len, unsigned char digest[32])
{
	const unsigned char *p = data;
	unsigned char tail[128];
	uint32_t h[8];
	size_t i;

	memcpy(h, H0, sizeof(h));
	for (i = 0; i + 64 <= len; i += 64)
		block(h, p + i);
	memcpy(tail, p + i, len - i);
	finish(h, tail, len - i, len);
	for (int k = 0; k < 32; k++)
		digest[k] = (unsigned char)(h[k / 4] >> (24 - 8 * (k % 4)));
}
