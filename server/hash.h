// SPDX-License-Identifier: MIT
// A fast 64-bit fingerprint of bytes (for ETags): not a security device.
#ifndef BUDGETD_HASH_H
#define BUDGETD_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * XXH64 of len bytes at data with the given seed, as xxHash's specification defines it (so its
 * published test vectors hold): the same value on every build and machine, eight bytes at a
 * time in four independent lanes (#17: FNV-1a one byte at a time was 6-7% of a 35 KB answer).
 */
uint64_t srv_hash64(const void *data, size_t len, uint64_t seed);

#endif
