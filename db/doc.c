// SPDX-License-Identifier: MIT
// Loading an import file: size limit, strict JSON parse (duplicate keys rejected), then
// validation. A document that comes back is known good.
#include "internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void db_err_set(struct db_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
}

static void report_at(db_report_fn report, void *ctx, const char *name, int line, int column,
                      const char *text)
{
	struct db_error e = { .line = line, .column = column };

	snprintf(e.file, sizeof(e.file), "%s", name);
	snprintf(e.text, sizeof(e.text), "%s", text);
	report(ctx, &e);
}

/* The tree of text, made in arena: jansson's own parse only when the fast one gives up, as it
 * alone words the error (in jerr). NULL if either refuses it. */
static json_t *parse_in(struct db_arena *arena, const char *text, size_t len, json_error_t *jerr)
{
	struct db_arena *prev = db_arena_use(arena);
	json_t *root = db_jparse(text, len);

	if (root == NULL)
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, jerr);
	db_arena_use(prev);
	return root;
}

/* db_normalize with the nodes it adds in arena too: one made by malloc would be left in the
 * tree when the arena is dropped. */
static int normalize_in(struct db_arena *arena, json_t *root)
{
	struct db_arena *prev = db_arena_use(arena);
	int rc = db_normalize(root);

	db_arena_use(prev);
	return rc;
}

/* The checks before parsing: size and byte order mark. Returns 0, or -1 when reported. */
static int check_bytes(const char *text, size_t len, const char *name, db_report_fn report,
                       void *ctx)
{
	if (len > DB_DOC_MAX_BYTES) {
		char msg[128];
		snprintf(msg, sizeof(msg), "file is larger than the %u MiB limit",
		         DB_DOC_MAX_BYTES >> 20);
		report_at(report, ctx, name, 0, 0, msg);
		return -1;
	}
	/* RFC 8259 forbids a byte order mark; jansson's own message would quote it invisibly. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		report_at(report, ctx, name, 1, 1,
		          "starts with a UTF-8 byte order mark (EF BB BF): save it without one");
		return -1;
	}
	return 0;
}

/* The tree is made in the document's own arena (arena.c), which db_doc_free drops whole; a
 * document refused on the way drops it too, without a walk over what was built. */
struct db_doc *db_doc_parse(const char *text, size_t len, const char *name, db_report_fn report,
                            void *ctx)
{
	json_error_t jerr;
	struct db_doc *doc = NULL;
	struct db_arena *arena;
	json_t *root;

	if (check_bytes(text, len, name, report, ctx) != 0)
		return NULL;
	if ((arena = db_arena_new()) == NULL) {
		report_at(report, ctx, name, 0, 0, "out of memory");
		return NULL;
	}
	if ((root = parse_in(arena, text, len, &jerr)) == NULL) {
		/* jansson names its own flag for \u0000: say what is wrong in the file instead. */
		if (strstr(jerr.text, "JSON_ALLOW_NUL") != NULL)
			snprintf(jerr.text, sizeof(jerr.text),
			         "a text holds a NUL character (\\u0000), which is not allowed");
		report_at(report, ctx, name, jerr.line, jerr.column, jerr.text);
		goto fail;
	}
	if (db_validate(root, name, text, len, report, ctx) != 0)
		goto fail;
	doc = calloc(1, sizeof(*doc));
	if (doc == NULL || (doc->name = strdup(name)) == NULL || normalize_in(arena, root) != 0) {
		if (doc != NULL)
			free(doc->name);
		report_at(report, ctx, name, 0, 0, "out of memory");
		goto fail;
	}
	doc->root = root;
	doc->arena = arena;
	return doc;
fail:
	free(doc);
	db_arena_free(arena);
	return NULL;
}

/* Reads at most limit + 1 bytes, so an oversize file is noticed without reading it all. The
 * buffer is the file's size (fstat) when that is known and smaller: a buffer of limit + 1
 * (8 MiB) was mapped, faulted in and unmapped again for every 76 KB file (issue #17). A file
 * that grows meanwhile, or has no size (a pipe), is read on up to limit + 1. */
static char *read_file(const char *file, size_t limit, size_t *len, char *msg, size_t msgsz)
{
	FILE *f = fopen(file, "rb");
	struct stat st;
	size_t cap = limit + 1;
	char *buf = NULL, *more;

	if (f == NULL) {
		snprintf(msg, msgsz, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size < limit)
		cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL)
		goto oom;
	*len = fread(buf, 1, cap, f);
	if (*len == cap && cap < limit + 1 && !ferror(f)) {
		if ((more = realloc(buf, limit + 1)) == NULL)
			goto oom;
		buf = more;
		*len += fread(buf + cap, 1, limit + 1 - cap, f);
	}
	if (ferror(f)) {
		snprintf(msg, msgsz, "cannot read: %s", strerror(errno));
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
oom:
	snprintf(msg, msgsz, "out of memory");
	free(buf);
	fclose(f);
	return NULL;
}

struct db_doc *db_doc_load(const char *file, db_report_fn report, void *ctx)
{
	char msg[256];
	size_t len = 0;
	struct db_doc *doc;
	char *text = read_file(file, DB_DOC_MAX_BYTES, &len, msg, sizeof(msg));

	if (text == NULL) {
		report_at(report, ctx, file, 0, 0, msg);
		return NULL;
	}
	doc = db_doc_parse(text, len, file, report, ctx);
	free(text);
	return doc;
}

void db_doc_free(struct db_doc *doc)
{
	if (doc == NULL)
		return;
	/* No json_decref: the tree's nodes are all in the arena (see parse_in, normalize_in). */
	db_arena_free(doc->arena);
	free(doc->name);
	free(doc);
}

const json_t *db_doc_json(const struct db_doc *doc)
{
	return doc->root;
}

const char *db_doc_department(const struct db_doc *doc)
{
	return json_string_value(json_object_get(json_object_get(doc->root, "department"), "id"));
}

int db_doc_year(const struct db_doc *doc)
{
	return (int)json_integer_value(json_object_get(doc->root, "year"));
}

const char *db_doc_kind(const struct db_doc *doc)
{
	return json_string_value(json_object_get(doc->root, "kind"));
}

const char *db_doc_level(const struct db_doc *doc)
{
	const char *level = json_string_value(json_object_get(doc->root, "level"));

	return level != NULL ? level : "department";
}

static size_t count_in(json_t *arr, const char *key)
{
	size_t i, n = 0;
	json_t *item;

	json_array_foreach (arr, i, item) {
		json_t *sub = json_object_get(item, key);
		n += json_is_object(sub) ? json_object_size(sub) : json_array_size(sub);
	}
	return n;
}

void db_doc_stats(const struct db_doc *doc, struct db_doc_stats *st)
{
	json_t *tables = json_object_get(doc->root, "tables");
	json_t *projects = json_object_get(doc->root, "projects");
	size_t i;
	json_t *t, *p;

	memset(st, 0, sizeof(*st));
	st->tables = json_array_size(tables);
	st->projects = json_array_size(projects);
	st->figures = count_in(json_object_get(doc->root, "explanations"), "figures");
	json_array_foreach (tables, i, t) {
		st->rows += json_array_size(json_object_get(t, "rows"));
		st->amounts += count_in(json_object_get(t, "rows"), "amounts");
	}
	json_array_foreach (projects, i, p)
		st->indicators += json_array_size(
		    json_object_get(json_object_get(p, "performance"), "indicators"));
}
