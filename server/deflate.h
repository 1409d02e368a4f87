// SPDX-License-Identifier: MIT
// budgetd's own gzip coder for small answers: one deflate block of fixed Huffman codes (#17).
#ifndef BUDGETD_DEFLATE_H
#define BUDGETD_DEFLATE_H

#include <stddef.h>

/* The longest input srv_gzip_small() takes: positions are kept in 16 bits. */
#define SRV_GZIP_SMALL_MAX 65535

/* reply.c gzips a body of up to this many bytes with srv_gzip_small(), a longer one with
 * libdeflate's level 1. This coder costs less at every size it takes (callgrind: 0.3x
 * libdeflate's instructions on the 914-byte department list, 0.6-0.7x from 4 to 64 KB) but
 * its fixed codes write 10-25 % more bytes. Up to 16 KB it takes the department list and
 * the tables (18 of 20 picks of #17's random access), where libdeflate's cost per stream
 * weighs most; the disclosure and long project lists keep libdeflate's smaller bytes. */
#define SRV_GZIP_SMALL_USE 16384

/* Names the bytes srv_gzip_small() writes, hashed into the gzip ETag (reply.c): whoever
 * changes what it writes for some input changes this name as well. */
#define SRV_GZIP_SMALL_CODER "budgetd-deflate-1"

/* Room srv_gzip_small() may need for len input bytes (len <= SRV_GZIP_SMALL_MAX). */
#define SRV_GZIP_SMALL_BOUND(len) ((len) + (len) / 8 + 32)

/*
 * Writes one gzip member (RFC 1952: no name, no time) holding len bytes at in into out,
 * size bytes, and returns its length; 0 when len > SRV_GZIP_SMALL_MAX or size is below
 * SRV_GZIP_SMALL_BOUND(len). The same input always gives the same bytes. Greedy matches of
 * 4 to 258 bytes found through a hash table sized to the input, coded with deflate's fixed
 * Huffman codes: none of libdeflate's per-stream cost (a 128 KB table to clear, codes to
 * build), for somewhat larger output. Input that does not shrink is sent as a stored block.
 * Thread-safe; keeps no state between calls.
 */
size_t srv_gzip_small(const void *in, size_t len, void *out, size_t size);

#endif
