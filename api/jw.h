// SPDX-License-Identifier: MIT
// A small streaming JSON writer for API bodies. Unlike jansson it can print an amount as a
// number token with exactly its published digits (700.94), which a double cannot promise.
// Internal to api/.
#ifndef BUDGETD_API_JW_H
#define BUDGETD_API_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_JW_DEPTH 32

struct api_jw {
	char *buf; /* malloc'd; take it with api_jw_finish() */
	size_t len, cap;
	int depth;
	bool comma[API_JW_DEPTH]; /* a value was written at this depth: the next needs a comma */
	bool after_key;
	bool failed; /* out of memory or nesting too deep: every later call is a no-op */
};

void api_jw_init(struct api_jw *w);
/* Returns the text (NUL-terminated, caller frees) and its length, or NULL if anything
 * failed; w is reset either way. */
char *api_jw_finish(struct api_jw *w, size_t *len);

void api_jw_obj(struct api_jw *w);
void api_jw_arr(struct api_jw *w);
void api_jw_end(struct api_jw *w, char close); /* '}' or ']' */
void api_jw_key(struct api_jw *w, const char *key);
void api_jw_str(struct api_jw *w, const char *s); /* NULL writes null */
void api_jw_int(struct api_jw *w, long long v);
void api_jw_bool(struct api_jw *w, bool v);
void api_jw_null(struct api_jw *w);
/* A figure computed by the API (a sum, a conversion, a rate): canonical, 9101.677535. */
void api_jw_dec(struct api_jw *w, int64_t millionths);
/* A stored figure as the store spells it, with its published decimals ("867.50"): s must be
 * a decimal db_dec_parse() accepts (the caller has checked); it becomes the number token. */
void api_jw_dec_text(struct api_jw *w, const char *s);

/* A whole value the caller wrote itself, n bytes of well-formed JSON (a box's printed
 * place, #18: one put where a dozen calls would write it piece by piece). */
void api_jw_value(struct api_jw *w, const char *s, size_t n);

/* Appends bytes as they are, outside any JSON structure (the buffer serves CSV too). */
void api_jw_raw(struct api_jw *w, const char *s, size_t n);

/* key: value shorthands */
void api_jw_kstr(struct api_jw *w, const char *key, const char *s);
void api_jw_kint(struct api_jw *w, const char *key, long long v);

#endif
