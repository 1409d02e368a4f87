// SPDX-License-Identifier: MIT
// The heap's counts. Under random load over a region's store, glibc's heap came to hold 64 MB
// for 40 MB allocated (holes between the cache's long-lived answers and each request's
// short-lived objects), jemalloc's 46 MB (#17 round 16): /metrics shows both numbers so that
// an operator sees which one grows.
#include "heap.h"

#include <stdint.h>

/* AddressSanitizer serves malloc itself (meson leaves jemalloc out then): glibc's counts
 * would not move. */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_ASAN 1
#endif
#endif

#if defined(HEAP_ASAN)
#define HEAP_ALLOCATOR "asan"

/* sanitizer/allocator_interface.h, which gcc 12 does not install */
size_t __sanitizer_get_current_allocated_bytes(void);
size_t __sanitizer_get_heap_size(void);

bool srv_heap_stats(size_t *allocated, size_t *held)
{
	*allocated = __sanitizer_get_current_allocated_bytes();
	*held = __sanitizer_get_heap_size();
	return true;
}
#elif defined(BUDGETD_JEMALLOC)
#include <jemalloc/jemalloc.h>

#define HEAP_ALLOCATOR "jemalloc"

bool srv_heap_stats(size_t *allocated, size_t *held)
{
	uint64_t epoch = 1;
	size_t n = sizeof(*allocated);

	/* the statistics are a snapshot taken when the epoch moves on */
	if (mallctl("epoch", &epoch, &(size_t){ sizeof(epoch) }, &epoch, sizeof(epoch)) != 0)
		return false;
	return mallctl("stats.allocated", allocated, &n, NULL, 0) == 0 &&
	       mallctl("stats.resident", held, &n, NULL, 0) == 0;
}
#else
#include <malloc.h>

#define HEAP_ALLOCATOR "glibc"

/* mallinfo2() walks every arena's free lists under the arena's lock: a scrape's cost, and a
 * short wait for a request allocating meanwhile (a -Djemalloc=disabled build only). */
bool srv_heap_stats(size_t *allocated, size_t *held)
{
	struct mallinfo2 mi = mallinfo2();

	*allocated = mi.uordblks + mi.hblkhd;
	*held = mi.arena + mi.hblkhd;
	return true;
}
#endif

const char *srv_heap_allocator(void)
{
	return HEAP_ALLOCATOR;
}
