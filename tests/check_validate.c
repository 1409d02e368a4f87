// SPDX-License-Identifier: MIT
// db/validate.c against its version before #17 round 13 (tests/validate_old.c): over every
// JSON file of the repository and many mutations of their trees (fields removed, nulled,
// retyped, added, renamed; elements repeated; invisible characters in texts; the format
// flipped), the same problems, in the same order, with the same paths, lines and columns.
#include "internal.h"
#include "util.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int old_validate(json_t *root, const char *name, const char *text, size_t len, db_report_fn report,
                 void *ctx);

struct tally {
	long valid, refused, messages;
};

static void collect(void *ctx, const struct db_error *e)
{
	fprintf(ctx, "%s|%s|%d|%d|%s\n", e->file, e->path, e->line, e->column, e->text);
}

/* Every message of one validator, one a line; the caller frees it. */
static char *messages(int (*validate)(json_t *, const char *, const char *, size_t, db_report_fn,
                                      void *),
                      json_t *root, const char *text, size_t len, int *n)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	ck_assert_ptr_nonnull(f);
	*n = validate(root, "doc.json", text, len, collect, f);
	fclose(f);
	return buf;
}

/* The one rule: both report the same problems, byte for byte, and count them alike. */
static void differ(json_t *root, const char *text, size_t len, const char *what, struct tally *t)
{
	int n_old, n_new;
	char *a = messages(old_validate, root, text, len, &n_old);
	char *b = messages(db_validate, root, text, len, &n_new);

	ck_assert_msg(strcmp(a, b) == 0, "%s: the messages differ:\nbefore:\n%s\nnow:\n%s", what, a,
	              b);
	ck_assert_msg(n_old == n_new, "%s: %d problems before, %d now", what, n_old, n_new);
	if (n_new == 0)
		t->valid++;
	else
		t->refused++;
	t->messages += n_new;
	free(a);
	free(b);
}

/* The file's tree when it is a JSON object (what db_doc_parse() validates), else NULL. */
static json_t *load(const char *path, char **text, size_t *len)
{
	json_t *root;

	*text = tu_read_file(path, len);
	ck_assert_ptr_nonnull(*text);
	root = db_jparse(*text, *len);
	if (root != NULL && !json_is_object(root)) {
		json_decref(root);
		root = NULL;
	}
	return root;
}

START_TEST(test_repository_files)
{
	struct tu_files f = tu_repository_json();
	struct tally t = { 0 };

	for (size_t i = 0; i < f.n; i++) {
		size_t len;
		char *text;
		json_t *root = load(f.path[i], &text, &len);
		if (root != NULL)
			differ(root, text, len, f.path[i], &t);
		json_decref(root);
		free(text);
	}
	/* The bundled disclosures import; the fixtures and the corpus hold bad ones. */
	ck_assert_msg(t.valid >= 7 && t.refused >= 20, "%ld valid, %ld refused", t.valid,
	              t.refused);
	tu_files_free(&f);
}
END_TEST

/* ---- mutations of the trees ---- */

#define PICK(list, s) (list[tu_rng_next(s) % (sizeof(list) / sizeof(list[0]))])

/* Keys the model knows somewhere (so often in the wrong place or format), and some it does
 * not. */
static const char *const keys[] = {
	"format",   "year",     "kind",     "level",    "title",       "unit",         "number",
	"position", "type",     "side",     "key",      "group",       "measure",      "codes",
	"name",     "project",  "amounts",  "unplaced", "boxes",       "box",          "columns",
	"rows",     "id",       "withheld", "economic", "performance", "indicators",   "op",
	"value",    "category", "count",    "url",      "sha256",      "published",    "headings",
	"zz",       "Name",     "",         "items",    "vehicles",    "code_printed", "note",
};

/* Texts a field may hold or must not: invisible characters first, then ordinary ones. */
static const char *const texts[] = {
	"a\x01z",
	"a\x7fz",
	"a\xc2\x85z",
	"a\xe2\x80\xaez",
	"a\xe2\x81\xa6z",
	"a\xe2\x80\xa8z",
	"a\tz",
	"a\nz",
	"a\rz",
	"\x1b[2J",
	("\xe2\x80\x9c" /* the escape ends here */ "引号\xe2\x80\x9d"),
	"\xe2\x80\xa6",
	"\xc2\xa0",
	"\xe2\x81\xa5",
	"\xe2\x80\xa7",
	"",
	"x",
	"201",
	"03",
	"2080505",
	"20805",
	"1234",
	"700.94",
	"-1.69",
	"189,767,551.00",
	"1,2",
	"1e5",
	"general_budget",
	"Bad-Key",
	"kashi-urumqi-office",
	"a--b",
	"2021-04-15",
	"2021-02-29",
	"2020-02-29",
	"https://www.example.gov.cn/a.pdf",
	"javascript:alert(1)",
	"http://a b",
	"budget",
	"final",
	"unit",
	"department",
	"income",
	"expenditure",
	"total",
	"item",
	"万元",
	"元",
	"budgetd-disclosure/1",
	"budgetd-disclosure/2",
	"budget_project",
	"other",
	"rate",
	"≥",
	"90%",
	"中文名称",
};

/* A value: a text, a number, a literal, a container, or a copy of a node of the tree. */
static json_t *any_value(uint64_t *s, json_t **nodes, size_t n)
{
	static const double reals[] = { 1.5, 0.1, 1e20, -3.25, 100.01, 100.005 };
	static const json_int_t ints[] = { 0, 1, -1, 3, 7, 99, 100, 1990, 2021, 100001, 1LL << 40 };

	switch (tu_rng_next(s) % 9) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(tu_rng_next(s) % 2);
	case 2:
		return json_integer(PICK(ints, s));
	case 3:
		return json_real(PICK(reals, s));
	case 4:
		return tu_rng_next(s) % 2 ? json_array() : json_object();
	case 5:
		return json_pack("[ssi]", PICK(texts, s), PICK(texts, s),
		                 (int)(tu_rng_next(s) % 5));
	case 6:
		return json_deep_copy(nodes[tu_rng_next(s) % n]);
	default:
		return json_string(PICK(texts, s));
	}
}

/* Every node of the tree, depth first. */
static void walk(json_t *j, json_t ***nodes, size_t *n, size_t *cap)
{
	const char *key;
	json_t *v;
	size_t i;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		*nodes = realloc(*nodes, *cap * sizeof(**nodes));
		ck_assert_ptr_nonnull(*nodes);
	}
	(*nodes)[(*n)++] = j;
	if (json_is_object(j))
		json_object_foreach (j, key, v)
			walk(v, nodes, n, cap);
	else if (json_is_array(j))
		json_array_foreach (j, i, v)
			walk(v, nodes, n, cap);
}

/* A new value for an old one: a string mostly keeps its text with a character added. */
static json_t *new_value(uint64_t *s, json_t *old, json_t **nodes, size_t n)
{
	char buf[4096];

	if (json_is_string(old) && tu_rng_next(s) % 2 == 0) {
		snprintf(buf, sizeof(buf), "%.2000s%s", json_string_value(old), PICK(texts, s));
		return json_string(buf);
	}
	return any_value(s, nodes, n);
}

static void mutate_object(uint64_t *s, json_t *obj, json_t **nodes, size_t n)
{
	size_t size = json_object_size(obj), at = size ? tu_rng_next(s) % size : 0, i = 0;
	const char *key = NULL;
	json_t *v = NULL, *moved;

	json_object_foreach (obj, key, v)
		if (i++ == at)
			break;
	switch (size == 0 ? 0 : tu_rng_next(s) % 5) {
	case 0: /* a key added (or replaced) */
		json_object_set_new(obj, PICK(keys, s), any_value(s, nodes, n));
		break;
	case 1: /* a key removed */
		json_object_del(obj, key);
		break;
	case 2: /* a key renamed: the value moves to the end under another name */
		moved = json_incref(v);
		json_object_del(obj, key);
		json_object_set_new(obj, PICK(keys, s), moved);
		break;
	case 3:
		json_object_set_new(obj, key, json_null());
		break;
	default:
		json_object_set_new(obj, key, new_value(s, v, nodes, n));
		break;
	}
}

static void mutate_array(uint64_t *s, json_t *arr, json_t **nodes, size_t n)
{
	size_t size = json_array_size(arr), at = size ? tu_rng_next(s) % size : 0;

	switch (size == 0 ? 0 : tu_rng_next(s) % 4) {
	case 0:
		json_array_append_new(arr, any_value(s, nodes, n));
		break;
	case 1:
		json_array_remove(arr, at);
		break;
	case 2: /* an element repeated: duplicate keys, numbers, ids */
		json_array_append_new(arr, json_deep_copy(json_array_get(arr, at)));
		break;
	default:
		json_array_set_new(arr, at, new_value(s, json_array_get(arr, at), nodes, n));
		break;
	}
}

/* One change somewhere in root's tree. */
static void mutate(uint64_t *s, json_t *root)
{
	json_t **nodes = NULL, *j = root;
	size_t n = 0, cap = 0;

	walk(root, &nodes, &n, &cap);
	if (tu_rng_next(s) % 16 == 0) { /* the other format: fields known in one only */
		const char *format = json_string_value(json_object_get(root, "format"));
		bool v1 = format != NULL && strcmp(format, "budgetd-disclosure/1") == 0;
		json_object_set_new(
		    root, "format",
		    json_string(v1 ? "budgetd-disclosure/2" : "budgetd-disclosure/1"));
	} else {
		/* Mostly a container deep in the tree (rows, columns, amounts) as most nodes are. */
		for (int tries = 0; tries < 8; tries++) {
			j = nodes[tu_rng_next(s) % n];
			if (json_is_object(j) || json_is_array(j))
				break;
		}
		if (json_is_object(j))
			mutate_object(s, j, nodes, n);
		else if (json_is_array(j))
			mutate_array(s, j, nodes, n);
	}
	free(nodes);
}

START_TEST(test_mutations)
{
	struct tu_files f = tu_repository_json();
	struct tally t = { 0 };
	uint64_t s = 0x9E3779B97F4A7C15u;
	char what[4200];

	for (size_t i = 0; i < f.n; i++) {
		size_t len, runs;
		char *text;
		json_t *root = load(f.path[i], &text, &len);
		free(text);
		if (root == NULL)
			continue;
		/* About as many bytes validated for each file: more runs on small ones. */
		runs = 4000000 / (len + 1);
		runs = runs < 20 ? 20 : runs > 300 ? 300 : runs;
		for (size_t r = 0; r < runs; r++) {
			uint64_t before = s;
			json_t *copy = json_deep_copy(root), *again;
			for (uint64_t k = 1 + tu_rng_next(&s) % 3; k > 0; k--)
				mutate(&s, copy);
			/* Validated as read from its text, for the lines and columns. */
			text = json_dumps(copy, JSON_INDENT(1));
			ck_assert_ptr_nonnull(text);
			again = db_jparse(text, strlen(text));
			ck_assert_ptr_nonnull(again);
			snprintf(what, sizeof(what), "%s, mutation %zu (state %llu)", f.path[i], r,
			         (unsigned long long)before);
			differ(again, text, strlen(text), what, &t);
			json_decref(again);
			json_decref(copy);
			free(text);
		}
		json_decref(root);
	}
	fprintf(stderr, "mutations: %ld valid, %ld refused, %ld messages\n", t.valid, t.refused,
	        t.messages);
	ck_assert_msg(t.valid > 200 && t.refused > 2000, "%ld valid, %ld refused", t.valid,
	              t.refused);
	tu_files_free(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("differential");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_repository_files);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
