// SPDX-License-Identifier: MIT
// What the heap holds, for /metrics: jemalloc's own counts when budgetd is linked with it
// (meson's jemalloc option), AddressSanitizer's in a sanitizer build, glibc's otherwise.
// Internal to server/.
#ifndef BUDGETD_SRV_HEAP_H
#define BUDGETD_SRV_HEAP_H

#include <stdbool.h>
#include <stddef.h>

/* The allocator's name ("jemalloc", "asan" or "glibc"): a static string. */
const char *srv_heap_allocator(void);

/* Bytes the program has allocated and not freed (*allocated), and bytes of memory the
 * allocator holds for them, free room between them included (*held: jemalloc's resident
 * pages; AddressSanitizer's heap; glibc's arenas and mapped chunks). False when the
 * allocator cannot say. */
bool srv_heap_stats(size_t *allocated, size_t *held);

#endif
