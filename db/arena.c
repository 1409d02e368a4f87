// SPDX-License-Identifier: MIT
// A document's jansson nodes in one arena (issue #17): db_doc_parse builds and normalizes the
// tree with the arena current on its thread, and db_doc_free drops the arena whole instead of
// walking and freeing every node (json_delete was a tenth of an import's instructions).
#include "internal.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Jansson takes one allocator for the whole process, and a value may be freed on any thread
 * by any code (the writer drops what the reader's arena made). So a block says by its address
 * whose it is: malloc gives 16-byte aligned blocks, an arena blocks 8 bytes past that. A
 * malloc block goes back to free(); an arena block waits for its arena to be dropped, which
 * is why freeing one needs no lock and no look-up. json_dumps' text, freed with free() by its
 * callers, is never made with an arena current (only db_doc_parse's tree is). */
#define ARENA_MARK 8
#define MALLOC_ALIGN 16

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_LISTED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_LISTED 1
#endif
#endif

#ifdef ARENA_LISTED
/* Under ASan every node is its own malloc block, listed in its arena: a node freed early is
 * freed at once, so a use after it, a second free, a node still used after db_doc_free, or a
 * malloc'd value left hanging in a dropped tree (leak) is reported as it would be without
 * the arena. Dropping the arena frees what is left in the list, without walking the tree,
 * as in the normal build. */
struct block {
	struct block *prev, *next;
	struct db_arena *arena;
};

struct db_arena {
	struct block head; /* of a circular list */
	size_t bytes;
};
#else
/* Chunks of CHUNK bytes, carved from the front; a large block gets a chunk of its own. */
#define CHUNK (64 * 1024)
#define LARGE (CHUNK / 4)

struct chunk {
	struct chunk *next;
	size_t pad; /* keeps what follows 16-byte aligned */
};

struct db_arena {
	char *cur, *end; /* free space of the current chunk; cur is always 8 past 16-aligned */
	struct chunk *chunks;
	size_t bytes;
};
#endif

static _Thread_local struct db_arena *current;

/* Arenas not yet dropped, for the tests: a document leaked or freed twice shows here. */
static atomic_long live;

#ifdef ARENA_LISTED
static void *arena_alloc(struct db_arena *a, size_t n)
{
	void *mem;
	struct block *b;

	/* The header is 24 bytes, so the node is 8 past the 16-aligned block: ARENA_MARK. */
	if (posix_memalign(&mem, MALLOC_ALIGN, sizeof(*b) + n) != 0)
		return NULL;
	b = mem;
	b->arena = a;
	b->prev = &a->head;
	b->next = a->head.next;
	b->next->prev = b;
	a->head.next = b;
	a->bytes += n;
	return b + 1;
}

static void arena_release(void *p)
{
	struct block *b = (struct block *)p - 1;

	b->prev->next = b->next;
	b->next->prev = b->prev;
	free(b);
}

struct db_arena *db_arena_new(void)
{
	struct db_arena *a = calloc(1, sizeof(*a));

	if (a != NULL) {
		a->head.prev = a->head.next = &a->head;
		atomic_fetch_add(&live, 1);
	}
	return a;
}

void db_arena_free(struct db_arena *a)
{
	if (a == NULL)
		return;
	while (a->head.next != &a->head)
		arena_release(a->head.next + 1);
	atomic_fetch_sub(&live, 1);
	free(a);
}
#else
/* A chunk for n bytes (16-rounded); the current one keeps its room if n is large. */
static void *arena_grow(struct db_arena *a, size_t n)
{
	size_t size = n + sizeof(struct chunk) + ARENA_MARK;
	struct chunk *c;

	if (size < CHUNK && n <= LARGE)
		size = CHUNK;
	if ((c = malloc(size)) == NULL)
		return NULL;
	if (n > LARGE && a->chunks != NULL) {
		c->next = a->chunks->next;
		a->chunks->next = c;
		return (char *)(c + 1) + ARENA_MARK;
	}
	c->next = a->chunks;
	a->chunks = c;
	a->cur = (char *)(c + 1) + ARENA_MARK + n;
	a->end = (char *)c + size;
	return a->cur - n;
}

static void *arena_alloc(struct db_arena *a, size_t n)
{
	char *p = a->cur;

	n = (n + MALLOC_ALIGN - 1) & ~(size_t)(MALLOC_ALIGN - 1);
	a->bytes += n;
	if (n > (size_t)(a->end - p))
		return arena_grow(a, n);
	a->cur = p + n;
	return p;
}

/* Nothing to do: the node's memory comes back when the arena is dropped. */
static void arena_release(void *p)
{
	(void)p;
}

struct db_arena *db_arena_new(void)
{
	struct db_arena *a = calloc(1, sizeof(*a));

	if (a != NULL)
		atomic_fetch_add(&live, 1);
	return a;
}

void db_arena_free(struct db_arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	atomic_fetch_sub(&live, 1);
	free(a);
}
#endif

size_t db_arena_bytes(const struct db_arena *a)
{
	return a->bytes;
}

long db_arena_live(void)
{
	return atomic_load(&live);
}

struct db_arena *db_arena_use(struct db_arena *a)
{
	struct db_arena *prev = current;

	current = a;
	return prev;
}

/* By address only (GCC would take a const pointer for a read of a fresh malloc block). */
static bool marked(uintptr_t p)
{
	return (p & (MALLOC_ALIGN - 1)) == ARENA_MARK;
}

bool db_arena_owns(const void *p)
{
	return marked((uintptr_t)p);
}

static void *json_alloc(size_t n)
{
	void *p;

	if (current != NULL)
		return arena_alloc(current, n);
	p = malloc(n);
	/* Never with glibc (16-byte alignment is its promise on 64-bit): a block that would
	 * pass for an arena's is asked for again, aligned. */
	if (p != NULL && marked((uintptr_t)p)) {
		free(p);
		if (posix_memalign(&p, MALLOC_ALIGN, n) != 0)
			return NULL;
	}
	return p;
}

static void json_release(void *p)
{
	if (marked((uintptr_t)p))
		arena_release(p);
	else
		free(p);
}

/* Before main, so that no value jansson made by another allocator is alive yet (one made
 * by plain malloc would still be freed right: it is 16-byte aligned). */
__attribute__((constructor)) static void install(void)
{
	json_set_alloc_funcs(json_alloc, json_release);
}
