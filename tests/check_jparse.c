// SPDX-License-Identifier: MIT
// db/jparse.c against jansson: over every JSON file of the repository, many mutations of
// them and hand-written edge cases, the fast parser accepts exactly what json_loadb
// (JSON_REJECT_DUPLICATES) accepts and builds the same tree, types and key order included.
#include "internal.h"
#include "json_same.h"
#include "util.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEAK_CHECK 1
#endif
#endif
#ifdef LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

struct tally {
	long accepted, refused, fallback;
};

/* The one rule: jparse's tree is jansson's, jparse refuses what jansson refuses, and gives
 * up on valid input only for its named case: a NUL byte, which jansson skips after a number
 * or a true/false/null (its lexer loses the NUL it puts back). */
static void differ(const char *text, size_t len, const char *what, struct tally *t)
{
	json_t *ja = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *jp = db_jparse(text, len);

	ck_assert_msg(jp == NULL || ja != NULL, "%s: jparse accepts what jansson refuses", what);
	ck_assert_msg(jp == NULL || json_same(ja, jp), "%s: jparse built another tree", what);
	ck_assert_msg(ja == NULL || jp != NULL || memchr(text, '\0', len) != NULL,
	              "%s: jparse gave up on valid input", what);
	if (jp != NULL)
		t->accepted++;
	else if (ja == NULL)
		t->refused++;
	else
		t->fallback++;
	json_decref(ja);
	json_decref(jp);
}

START_TEST(test_repository_files)
{
	struct tu_files f = tu_repository_json();
	struct tally t = { 0 };

	for (size_t i = 0; i < f.n; i++) {
		size_t len;
		char *text = tu_read_file(f.path[i], &len);
		ck_assert_ptr_nonnull(text);
		differ(text, len, f.path[i], &t);
		free(text);
	}
	/* The bundled disclosures, the schema, the fixtures: most are valid JSON. */
	ck_assert_msg(t.accepted >= 50, "%ld accepted", t.accepted);
	tu_files_free(&f);
}
END_TEST

/* ---- mutations ---- */

static const char *const fragments[] = {
	"\\n",
	"\\\"",
	"\\\\",
	"\\/",
	"\\b\\f\\r\\t",
	"\\u00e9",
	"\\u4E2D",
	"\\uD83D\\uDE00",
	"\\uDBFF\\uDFFF",
	"\\u0000",
	"\\uD800",
	"\\uDC00",
	"\\uD800\\u0041",
	"\\uD800x",
	"\\x",
	"\\u12",
	"\\uZZZZ",
	"\\'",
	"\\\n",
	"\\U0041",
	"\\u007f",
	"\\u0080",
	"\\u07FF",
	"\\u0800",
	"\\uFFFF",
	"é",
	"中",
	"\xC0\x80",
	"\xC2\x80",
	"\xE0\x9F\xBF",
	"\xED\xA0\x80",
	"\xED\x9F\xBF",
	"\xEF\xBF\xBF",
	"\xF0\x8F\xBF\xBF",
	"\xF0\x9F\x98\x80",
	"\xF4\x8F\xBF\xBF",
	"\xF4\x90\x80\x80",
	"\xF5\x80\x80\x80",
	"\xE4\xB8",
	"\x80",
	"\x7F",
	"\x1F",
	"\t",
};

static const char *const numbers[] = {
	"0",
	"-0",
	"-0.0",
	"0.0",
	"1e5",
	"1E+5",
	"1e-5",
	"-1.5e-300",
	"9223372036854775807",
	"9223372036854775808",
	"-9223372036854775808",
	"-9223372036854775809",
	"99999999999999999999",
	"1e308",
	"1e309",
	"-1e309",
	"1e-400",
	"2.2250738585072014e-308",
	"4.9e-324",
	"0.1",
	"123.456e7",
	"01",
	"1.",
	".5",
	"1e",
	"1e+",
	"-",
	"+1",
	"00",
	"1.5.5",
	"0x10",
	"1ee5",
	"17976931348623157e292",
	"-00",
	"0e0",
	"0E-0",
	"0.00000000000000000000000000000000000000000000000000000000000000000000000000000000001",
	"123456789012345678901234567890123456789012345678901234567890123456789012345.5",
};

static const char *const tokens[] = {
	"{",    "}",  "[",  "]",       ",",     ":",      "\"",  " ",
	"\n",   "\r", "\t", "true",    "false", "null",   "nul", "tru",
	"True", "[]", "{}", "\"\":1,", "1,",    "\"a\":", "/",   "\xEF\xBB\xBF",
	"\v",   "\f",
};

static const unsigned char bytes[] = { '"',  '\\', '{',  '}',  '[',  ']',  ',',  ':',
	                               ' ',  '\n', '0',  '-',  '.',  'e',  'x',  'u',
	                               '/',  0x00, 0x01, 0x1F, 0x7F, 0x80, 0xBF, 0xC0,
	                               0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF };

#define PICK(list, s) (list[tu_rng_next(s) % (sizeof(list) / sizeof(list[0]))])

/* out = in with [at, at + cut) replaced by ins. out has room for len + strlen(ins). */
static size_t splice(char *out, const char *in, size_t len, size_t at, size_t cut, const char *ins,
                     size_t n)
{
	memcpy(out, in, at);
	memcpy(out + at, ins, n);
	memcpy(out + at + n, in + at + cut, len - at - cut);
	return len - cut + n;
}

/* The first key of the object opening at or after at, '"' to '"' (escapes skipped). */
static size_t first_key(const char *in, size_t len, size_t *at)
{
	const char *o = memchr(in + *at, '{', len - *at), *q;

	if (o == NULL || o + 1 >= in + len || o[1] != '"')
		return 0;
	for (q = o + 2; q < in + len && *q != '"'; q++)
		q += *q == '\\';
	*at = (size_t)(o - in) + 1;
	return q < in + len ? (size_t)(q - o) : 0;
}

/* The number at or after at: *at moves to its start; returns its length (0 for none). */
static size_t number_at(const char *in, size_t len, size_t *at)
{
	size_t i = *at, n = 0;

	while (i < len && !(in[i] >= '0' && in[i] <= '9'))
		i++;
	while (i > 0 && in[i - 1] == '-')
		i--;
	while (i + n < len && strchr("-+.eE0123456789", in[i + n]) != NULL && in[i + n] != '\0')
		n++;
	*at = i;
	return i < len ? n : 0;
}

static size_t mutate(uint64_t *s, const char *in, size_t len, char *out)
{
	size_t at = len ? tu_rng_next(s) % len : 0, n;
	const char *ins;
	char key[512];

	switch (tu_rng_next(s) % 7) {
	case 0: /* truncated */
		memcpy(out, in, at);
		return at;
	case 1: /* one byte changed */
		memcpy(out, in, len);
		if (len > 0)
			out[at] = (char)PICK(bytes, s);
		return len;
	case 2: /* a token inserted */
		ins = PICK(tokens, s);
		return splice(out, in, len, at, 0, ins, strlen(ins));
	case 3: /* an escape or a character inserted after a quote, so most land in strings */
		ins = memchr(in + at, '"', len - at);
		at = ins != NULL ? (size_t)(ins - in) + 1 : at;
		ins = PICK(fragments, s);
		return splice(out, in, len, at, 0, ins, strlen(ins));
	case 4: /* a number replaced */
		n = number_at(in, len, &at);
		ins = PICK(numbers, s);
		return splice(out, in, len, at, n, ins, strlen(ins));
	case 5: /* the object's first key again, or a new key with escapes */
		n = first_key(in, len, &at);
		if (n == 0 || n + 3 > sizeof(key) || tu_rng_next(s) % 4 == 0)
			n = (size_t)snprintf(key, sizeof(key), "\"k\\u00e9\\n%u\":0,",
			                     (unsigned)(tu_rng_next(s) % 4));
		else
			n = (size_t)snprintf(key, sizeof(key), "%.*s:0,", (int)n, in + at);
		return splice(out, in, len, at, 0, key, n);
	default: /* a few bytes cut */
		n = tu_rng_next(s) % 8;
		n = at + n > len ? len - at : n;
		return splice(out, in, len, at, n, "", 0);
	}
}

START_TEST(test_mutations)
{
	struct tu_files f = tu_repository_json();
	struct tally t = { 0 };
	uint64_t s = 0x9E3779B97F4A7C15u;
	char what[4200];

	for (size_t i = 0; i < f.n; i++) {
		size_t len, runs, r;
		char *text = tu_read_file(f.path[i], &len), *out = malloc(len + 256);
		ck_assert(text != NULL && out != NULL);
		/* About as many bytes parsed for each file: many runs on small ones. */
		runs = 3000000 / (len + 1);
		runs = runs < 30 ? 30 : runs > 600 ? 600 : runs;
		for (r = 0; r < runs; r++) {
			uint64_t before = s;
			size_t n = mutate(&s, text, len, out);
			snprintf(what, sizeof(what), "%s, mutation %zu (state %llu)", f.path[i], r,
			         (unsigned long long)before);
			differ(out, n, what, &t);
		}
		free(out);
		free(text);
	}
	fprintf(stderr, "mutations: %ld accepted, %ld refused, %ld jansson only\n", t.accepted,
	        t.refused, t.fallback);
	/* Both outcomes, in numbers, or the mutations test nothing. */
	ck_assert_msg(t.accepted > 2000 && t.refused > 2000, "%ld accepted, %ld refused",
	              t.accepted, t.refused);
	tu_files_free(&f);
}
END_TEST

/* ---- edge cases ---- */

enum verdict {
	BOTH_REFUSE,
	BOTH_ACCEPT,
	JANSSON_ONLY
};

static const struct edge {
	const char *text;
	size_t len; /* 0: strlen */
	enum verdict v;
} edges[] = {
	{ "", 0, BOTH_REFUSE },
	{ " \n\t\r", 0, BOTH_REFUSE },
	{ "{}", 0, BOTH_ACCEPT },
	{ " [ ] \n", 0, BOTH_ACCEPT },
	{ "1", 0, BOTH_REFUSE }, /* no JSON_DECODE_ANY: only an object or an array */
	{ "\"a\"", 0, BOTH_REFUSE },
	{ "true", 0, BOTH_REFUSE },
	{ "{} {}", 0, BOTH_REFUSE },
	{ "{}x", 0, BOTH_REFUSE },
	{ "[1]\0", 4, BOTH_REFUSE },
	{ "[1\0]", 4, JANSSON_ONLY },
	{ "[true\0]", 7, JANSSON_ONLY },
	{ "[\"a\0\"]", 6, BOTH_REFUSE },
	{ "\xEF\xBB\xBF{}", 0, BOTH_REFUSE },
	{ "[\"\\u0000\"]", 0, BOTH_REFUSE },
	{ "{\"\\u0000\":1}", 0, BOTH_REFUSE },
	{ "{\"a\":1,\"a\":1}", 0, BOTH_REFUSE },
	{ "{\"a\":1,\"\\u0061\":1}", 0, BOTH_REFUSE },
	{ "{\"\\n\":{\"\\t\":[\"\\u00e9\"]},\"\\r\":1}", 0, BOTH_ACCEPT },
	{ "{\"b\":1,\"a\":2,\"c\":{\"z\":1,\"y\":2}}", 0, BOTH_ACCEPT },
	{ "[-0, 0, -0.0, 1E2, 1e-2, 1.5, 9223372036854775807, -9223372036854775808]", 0,
	  BOTH_ACCEPT },
	{ "[9223372036854775808]", 0, BOTH_REFUSE },
	{ "[-9223372036854775809]", 0, BOTH_REFUSE },
	{ "[1e309]", 0, BOTH_REFUSE },
	{ "[1e-400, 4.9e-324]", 0, BOTH_ACCEPT },
	{ "[01]", 0, BOTH_REFUSE },
	{ "[1.]", 0, BOTH_REFUSE },
	{ "[.1]", 0, BOTH_REFUSE },
	{ "[1e+]", 0, BOTH_REFUSE },
	{ "[-]", 0, BOTH_REFUSE },
	{ "[1,]", 0, BOTH_REFUSE },
	{ "{\"a\":1,}", 0, BOTH_REFUSE },
	{ "[truex]", 0, BOTH_REFUSE },
	{ "[\"\\uD83D\\uDE00\", \"\\uDBFF\\uDFFF\", \"\xF0\x9F\x98\x80\"]", 0, BOTH_ACCEPT },
	{ "[\"\\uD800\"]", 0, BOTH_REFUSE },
	{ "[\"\\uDC00\\uD800\"]", 0, BOTH_REFUSE },
	{ "[\"\\uD800\\u0041\"]", 0, BOTH_REFUSE },
	{ "[\"\xED\xA0\x80\"]", 0, BOTH_REFUSE },
	{ "[\"\xC0\xAF\"]", 0, BOTH_REFUSE },
	{ "[\"\xF4\x90\x80\x80\"]", 0, BOTH_REFUSE },
	{ "[\"\xE4\xB8\"]", 0, BOTH_REFUSE },
	{ "[\"a\tb\"]", 0, BOTH_REFUSE },
	{ "[\"\x7F\"]", 0, BOTH_ACCEPT },
	{ "[\"abcdefgh\\\"ijklmnop\\\\\"]", 0, BOTH_ACCEPT },
	{ "[\"\\/\\b\\f\\n\\r\\t\"]", 0, BOTH_ACCEPT },
	{ "[\"\\a\"]", 0, BOTH_REFUSE },
	{ "[\"\\\0\"]", 6, BOTH_REFUSE },
	{ "[\"\\u12\"]", 0, BOTH_REFUSE },
	{ "[\"unterminated]", 0, BOTH_REFUSE },
	{ "[\"\\", 0, BOTH_REFUSE },
	{ "[\xC3\xA9]", 0, BOTH_REFUSE },
};

START_TEST(test_edge_cases)
{
	static const char *const names[] = { "both refuse", "both accept", "jansson only" };
	struct tally t = { 0 };
	char what[160];

	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		const struct edge *e = &edges[i];
		size_t len = e->len ? e->len : strlen(e->text);
		struct tally before = t;
		snprintf(what, sizeof(what), "edge case %zu (%.40s)", i, e->text);
		differ(e->text, len, what, &t);
		ck_assert_msg(e->v != BOTH_ACCEPT || t.accepted > before.accepted, "%s: not %s",
		              what, names[e->v]);
		ck_assert_msg(e->v != BOTH_REFUSE || t.refused > before.refused, "%s: not %s", what,
		              names[e->v]);
		ck_assert_msg(e->v != JANSSON_ONLY || t.fallback > before.fallback, "%s: not %s",
		              what, names[e->v]);
	}
}
END_TEST

/* depth containers, arrays or objects, around an optional scalar. */
static char *nested(int depth, bool objects, const char *inner)
{
	size_t n = strlen(inner), k = objects ? 5 : 1;
	char *s = malloc((size_t)depth * (k + 1) + n + 1), *p = s;

	ck_assert_ptr_nonnull(s);
	for (int i = 0; i < depth; i++) {
		memcpy(p, objects ? (i + 1 < depth || n ? "{\"a\":" : "{") : "[",
		       objects && (i + 1 < depth || n) ? k : 1);
		p += objects && (i + 1 < depth || n) ? k : 1;
	}
	memcpy(p, inner, n);
	p += n;
	memset(p, objects ? '}' : ']', (size_t)depth);
	p[depth] = '\0';
	return s;
}

/* jansson counts every value it enters and refuses the 2049th level, a scalar's too. */
START_TEST(test_depth)
{
	static const struct {
		int depth;
		const char *inner;
		bool ok;
	} cases[] = { { 2048, "", true },   { 2049, "", false },     { 2047, "1", true },
		      { 2048, "1", false }, { 2047, "\"s\"", true }, { 2048, "null", false },
		      { 100000, "", false } };
	struct tally t = { 0 };
	char what[64];

	for (size_t i = 0; i < 2 * sizeof(cases) / sizeof(cases[0]); i++) {
		size_t c = i / 2;
		char *s = nested(cases[c].depth, i % 2, cases[c].inner);
		long accepted = t.accepted;
		snprintf(what, sizeof(what), "depth %d %s %s", cases[c].depth,
		         i % 2 ? "objects" : "arrays", cases[c].inner);
		differ(s, strlen(s), what, &t);
		ck_assert_msg((t.accepted > accepted) == cases[c].ok, "%s", what);
		free(s);
	}
}
END_TEST

/* ---- the arena (db/arena.c): db_doc_parse builds its tree there ---- */

/* Whether every value of j came from an arena (true, false and null are jansson's statics). */
static bool all_in_arena(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_true(j) || json_is_false(j) || json_is_null(j))
		return true;
	if (!db_arena_owns(j))
		return false;
	json_object_foreach (j, key, v)
		if (!all_in_arena(v))
			return false;
	json_array_foreach (j, i, v)
		if (!all_in_arena(v))
			return false;
	return true;
}

/* Both parses in an arena give jansson's own tree, all of it the arena's; a tree freed in
 * the arena (jansson's) and one left to the drop (jparse's) both come back with it. */
START_TEST(test_arena_trees)
{
	struct tu_files f = tu_repository_json();
	long live = db_arena_live();

	for (size_t i = 0; i < f.n; i++) {
		size_t len;
		char *text = tu_read_file(f.path[i], &len);
		struct db_arena *a = db_arena_new(), *prev;
		json_t *ja = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL), *jp, *jaa;

		ck_assert_ptr_nonnull(a);
		prev = db_arena_use(a);
		jp = db_jparse(text, len);
		jaa = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
		ck_assert_ptr_eq(db_arena_use(prev), a);
		ck_assert_msg(ja == NULL || !db_arena_owns(ja), "%s: malloc'd tree in arena",
		              f.path[i]);
		ck_assert_msg(jp == NULL || (json_same(ja, jp) && all_in_arena(jp)), "%s: jparse",
		              f.path[i]);
		ck_assert_msg((ja == NULL) == (jaa == NULL), "%s", f.path[i]);
		ck_assert_msg(jaa == NULL || (json_same(ja, jaa) && all_in_arena(jaa)),
		              "%s: jansson in an arena", f.path[i]);
		json_decref(jaa);
		json_decref(ja);
		db_arena_free(a);
		free(text);
	}
	ck_assert_int_eq(db_arena_live(), live);
	tu_files_free(&f);
}
END_TEST

struct reader {
	const char *text;
	struct db_doc *doc;
};

static void *read_doc(void *arg)
{
	struct reader *r = arg;

	r->doc = db_doc_parse(r->text, strlen(r->text), "seed.json", NULL, NULL);
	return NULL;
}

/* As in budgetctl import: a document parsed on one thread, used and freed on another, which
 * makes values of its own (malloc'd), puts one in the tree and takes it out again, frees a
 * part of the tree early, and keeps a deep copy past db_doc_free. */
START_TEST(test_arena_threads)
{
	size_t len;
	char *text = tu_read_file(tu_env("BUDGETD_SEED"), &len);
	struct reader r = { text, NULL };
	pthread_t t;
	json_t *root, *dept, *copy, *extra, *again;
	char *dump;

	ck_assert_int_eq(pthread_create(&t, NULL, read_doc, &r), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_ptr_nonnull(r.doc);
	root = (json_t *)db_doc_json(r.doc);
	ck_assert(all_in_arena(root));
	ck_assert_ptr_nonnull(extra = json_string("made outside"));
	ck_assert(!db_arena_owns(extra));
	ck_assert_int_eq(json_object_set_new(root, "extra", extra), 0);
	ck_assert_int_eq(json_object_del(root, "extra"), 0);
	ck_assert_int_eq(json_object_del(root, "tables"), 0);
	dept = json_object_get(root, "department");
	ck_assert_ptr_nonnull(copy = json_deep_copy(dept));
	ck_assert(!db_arena_owns(copy));
	ck_assert_ptr_nonnull(dump = json_dumps(dept, JSON_COMPACT));
	db_doc_free(r.doc);
	/* The copy and the dump are the caller's, untouched by the drop. */
	ck_assert_ptr_nonnull(again = json_loads(dump, 0, NULL));
	ck_assert(json_same(copy, again));
	free(dump); /* as every caller of json_dumps does: the text is malloc's */
	json_decref(again);
	json_decref(copy);
	free(text);
}
END_TEST

static void ignore(void *ctx, const struct db_error *e)
{
	(void)ctx;
	(void)e;
}

/* Every document gives its memory back once: a good one at db_doc_free, one refused by the
 * parse, the validation or the byte checks at once. Under ASan a second free is reported and
 * the leak check below runs. */
START_TEST(test_arena_documents)
{
	static const char *const refused[] = { "{\"format\": 1}", "{\"a\": [1, {\"b\": \"c\"",
		                               "\xEF\xBB\xBF{}", "[1, 2, 3]",
		                               "{\"a\": 1, \"a\": 2}" };
	long live = db_arena_live();
	struct db_doc *d;

	for (int i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(d = db_doc_load(tu_env("BUDGETD_SEED"), NULL, NULL));
		ck_assert_int_eq(db_arena_live(), live + 1);
		db_doc_free(d);
		ck_assert_int_eq(db_arena_live(), live);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		d = db_doc_parse(refused[i], strlen(refused[i]), "bad.json", ignore, NULL);
		ck_assert_msg(d == NULL, "%s accepted", refused[i]);
		ck_assert_int_eq(db_arena_live(), live);
	}
#ifdef LEAK_CHECK
	ck_assert_int_eq(__lsan_do_recoverable_leak_check(), 0);
#endif
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jparse");
	TCase *tc = tcase_create("differential");

	tcase_set_timeout(tc, 600); /* sanitizer builds */
	tcase_add_test(tc, test_edge_cases);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_repository_files);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	tc = tcase_create("arena");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_arena_trees);
	tcase_add_test(tc, test_arena_threads);
	tcase_add_test(tc, test_arena_documents);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
