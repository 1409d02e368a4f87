// SPDX-License-Identifier: MIT
// Where a figure was printed (#18), as the API writes it: "printed": {"page", "box"} in
// JSON (box [page, x0, y0, x1, y1], as everywhere in budgetd) and page, x0, y0, x1, y1
// cells in CSV. Coordinates are kept in hundredths of a point and written back as the
// decimals they were imported as (56.7, 120.25, 300), from the rows (struct db_box) and
// from db_export()'s tree alike.
#include "internal_api.h"
#include "read_table.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void api_box_of(const json_t *box, struct db_box *b)
{
	const json_t *page = json_array_get(box, 0);

	memset(b, 0, sizeof(*b));
	if (json_array_size(box) != 5 || !json_is_integer(page) || json_integer_value(page) < 1)
		return;
	for (int k = 0; k < 4; k++) {
		const json_t *v = json_array_get(box, (size_t)k + 1);
		if (!json_is_number(v))
			return;
		/* export.c's box_json(): a whole number, or hundredths / 100 as a double */
		b->x[k] = json_is_integer(v) ? json_integer_value(v) * 100
		                             : llround(json_real_value(v) * 100);
	}
	b->page = (int)json_integer_value(page);
	b->has_box = true;
}

char *api_put_hundredths(char *p, int64_t h)
{
	uint64_t v = h < 0 ? 0 : (uint64_t)h, cents = v % 100;

	p = db_dec_put_uint(p, v / 100);
	if (cents != 0) {
		*p++ = '.';
		*p++ = (char)('0' + cents / 10);
		if (cents % 10 != 0)
			*p++ = (char)('0' + cents % 10);
	}
	return p;
}

void api_put_printed(struct api_jw *w, const struct db_box *b)
{
	char buf[160], *p = buf;

	if (b->page < 1) {
		api_jw_null(w);
		return;
	}
	/* {"page":N,"box":[N,x0,y0,x1,y1]}, written here and put once: a table has a few a
	 * row, and a dozen writer calls each cost more than the bytes */
	memcpy(p, "{\"page\":", 8);
	p = db_dec_put_uint(p + 8, (uint64_t)b->page);
	if (!b->has_box) {
		memcpy(p, ",\"box\":null}", 12);
		api_jw_value(w, buf, (size_t)(p + 12 - buf));
		return;
	}
	/* [page, x0, y0, x1, y1]: a box as the import format and the findings' place give it */
	memcpy(p, ",\"box\":[", 8);
	p = db_dec_put_uint(p + 8, (uint64_t)b->page);
	for (int k = 0; k < 4; k++) {
		*p++ = ',';
		p = api_put_hundredths(p, b->x[k]);
	}
	memcpy(p, "]}", 2);
	api_jw_value(w, buf, (size_t)(p + 2 - buf));
}

void api_csv_box(struct api_jw *w, const struct db_box *b)
{
	bool page = b != NULL && b->page >= 1, box = page && b->has_box;
	char num[DB_DEC_BUFSZ];

	snprintf(num, sizeof(num), "%d", page ? b->page : 0);
	api_csv_number(w, page ? num : "", false);
	for (int k = 0; k < 4; k++) {
		if (box)
			*api_put_hundredths(num, b->x[k]) = '\0';
		api_csv_number(w, box ? num : "", false);
	}
}

bool api_box_widen(struct db_box *u, const struct db_box *b)
{
	if (!b->has_box || (u->page >= 1 && u->page != b->page))
		return false;
	if (!u->has_box) {
		*u = *b;
		return true;
	}
	for (int k = 0; k < 2; k++) {
		u->x[k] = b->x[k] < u->x[k] ? b->x[k] : u->x[k];
		u->x[k + 2] = b->x[k + 2] > u->x[k + 2] ? b->x[k + 2] : u->x[k + 2];
	}
	return true;
}

void api_row_extent(const json_t *row, struct db_box *u)
{
	struct db_box b;
	const char *key;
	json_t *v;

	memset(u, 0, sizeof(*u));
	json_object_foreach ((json_t *)json_object_get(row, "boxes"), key, v) {
		api_box_of(v, &b);
		api_box_widen(u, &b);
	}
}
