// SPDX-License-Identifier: MIT
// A page of a PDF as a PNG image (issue #18): poppler's pdftoppm (a separate process, GPL)
// renders it in 8-bit gray, and the PNG is encoded here with libdeflate, which takes a tenth
// of the time libpng's default compression took inside pdftoppm (3.4 of 3.7 s for 26 pages).
#include "internal.h"

#include <libdeflate.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest page rendered: 20,000 pixels a side (a page over 4 m long at 110 dpi). */
#define MAX_SIDE 20000

/* A PGM (P5, maxval 255) as pdftoppm -gray writes it: its size and where its pixels are. */
struct gray {
	unsigned long w, h;
	const unsigned char *px;
};

/* Reads the next decimal number of a PGM header at *p (< end); 0 when there is none. */
static unsigned long header_number(const unsigned char **p, const unsigned char *end)
{
	unsigned long n = 0;

	while (*p < end && (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t'))
		(*p)++;
	while (*p < end && **p >= '0' && **p <= '9' && n <= MAX_SIDE)
		n = n * 10 + (unsigned long)(*(*p)++ - '0');
	return n;
}

static bool parse_pgm(const unsigned char *data, size_t len, struct gray *g)
{
	const unsigned char *p = data + 2, *end = data + len;

	if (len < 2 || data[0] != 'P' || data[1] != '5')
		return false;
	g->w = header_number(&p, end);
	g->h = header_number(&p, end);
	if (g->w == 0 || g->h == 0 || g->w > MAX_SIDE || g->h > MAX_SIDE ||
	    header_number(&p, end) != 255 || p >= end)
		return false;
	g->px = p + 1; /* one white-space character ends the header */
	return (size_t)(end - g->px) >= g->w * g->h;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Writes a chunk (length, type, data, CRC) at out; returns the bytes written. */
static size_t chunk(unsigned char *out, const char type[4], const unsigned char *data, size_t n)
{
	put32(out, (uint32_t)n);
	memcpy(out + 4, type, 4);
	if (n > 0)
		memmove(out + 8, data, n);
	put32(out + 8 + n, libdeflate_crc32(0, out + 4, n + 4));
	return n + 12;
}

/* The rows, each after its filter byte: "Up" (2), the difference from the row above, which
 * leaves the long white runs and repeated lines of a printed page as zeros. */
static unsigned char *filtered(const struct gray *g, size_t *n)
{
	size_t row = g->w + 1;
	unsigned char *f = malloc(row * g->h);

	if (f == NULL)
		return NULL;
	for (unsigned long y = 0; y < g->h; y++) {
		const unsigned char *cur = g->px + y * g->w, *up = y > 0 ? cur - g->w : NULL;
		unsigned char *o = f + y * row;
		o[0] = 2;
		for (unsigned long x = 0; x < g->w; x++)
			o[1 + x] = (unsigned char)(cur[x] - (up != NULL ? up[x] : 0));
	}
	*n = row * g->h;
	return f;
}

/* The PNG of g (8-bit gray, not interlaced) into *png (malloc'd), *len bytes. */
static int encode(const struct gray *g, unsigned char **png, size_t *len)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	struct libdeflate_compressor *z = libdeflate_alloc_compressor(6);
	unsigned char ihdr[13] = { 0 }, *raw = NULL, *out = NULL;
	size_t n = 0, bound, idat;
	int rc = -1;

	if (z == NULL || (raw = filtered(g, &n)) == NULL)
		goto done;
	bound = libdeflate_zlib_compress_bound(z, n);
	if ((out = malloc(8 + 25 + 12 + bound + 12)) == NULL)
		goto done;
	put32(ihdr, (uint32_t)g->w);
	put32(ihdr + 4, (uint32_t)g->h);
	ihdr[8] = 8; /* bit depth; colour type 0 (gray), deflate, filters, no interlace: 0 */
	memcpy(out, sig, 8);
	*len = 8 + chunk(out + 8, "IHDR", ihdr, sizeof(ihdr));
	/* compressed straight into the IDAT chunk's place, then framed there */
	idat = libdeflate_zlib_compress(z, raw, n, out + *len + 8, bound);
	if (idat == 0)
		goto done;
	*len += chunk(out + *len, "IDAT", out + *len + 8, idat);
	*len += chunk(out + *len, "IEND", NULL, 0);
	*png = out;
	out = NULL;
	rc = 0;
done:
	free(out);
	free(raw);
	libdeflate_free_compressor(z);
	return rc;
}

int ingest_page_png(const char *pdf, int page, int dpi, unsigned char **png, size_t *len,
                    struct ingest_error *err)
{
	char pg[16], res[16];
	char *argv[] = { "pdftoppm", "-q", "-r", res,           "-gray",     "-f",
		         pg,         "-l", pg,   "-singlefile", (char *)pdf, NULL };
	struct ing_output out;
	struct gray g;
	int rc;

	snprintf(pg, sizeof(pg), "%d", page);
	snprintf(res, sizeof(res), "%d", dpi);
	if (ing_run(argv, false, &out, err) != 0)
		return -1;
	if (out.status != 0 || !parse_pgm((const unsigned char *)out.data, out.len, &g)) {
		ing_fail(err, INGEST_BAD_INPUT, page, "pdftoppm could not render page %d", page);
		free(out.data);
		return -1;
	}
	rc = encode(&g, png, len);
	free(out.data);
	if (rc != 0)
		ing_fail(err, INGEST_INTERNAL, page, "out of memory encoding page %d", page);
	return rc;
}
