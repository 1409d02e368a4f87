// SPDX-License-Identifier: MIT
// Where a figure was printed (#18), as the API writes it: "printed": {"page", "box"} in
// JSON (box [page, x0, y0, x1, y1], as everywhere in budgetd) and page, x0, y0, x1, y1
// cells in CSV. Coordinates are kept in hundredths of a
// point and written back as the decimals they were imported as (56.7, 120.25, 300), from
// the rows (struct db_box) and from db_export()'s tree alike.
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

void api_put_printed(struct api_jw *w, const struct db_box *b)
{
	if (b->page < 1) {
		api_jw_null(w);
		return;
	}
	api_jw_obj(w);
	api_jw_kint(w, "page", b->page);
	api_jw_key(w, "box");
	if (b->has_box) { /* [page, x0, y0, x1, y1]: a box as the import format and the
	                     findings' place give it */
		api_jw_arr(w);
		api_jw_int(w, b->page);
		for (int k = 0; k < 4; k++)
			api_jw_dec(w, b->x[k] * 10000); /* hundredths to millionths */
		api_jw_end(w, ']');
	} else {
		api_jw_null(w);
	}
	api_jw_end(w, '}');
}

void api_csv_box(struct api_jw *w, const struct db_box *b)
{
	bool page = b != NULL && b->page >= 1, box = page && b->has_box;
	char num[DB_DEC_BUFSZ];

	snprintf(num, sizeof(num), "%d", page ? b->page : 0);
	api_csv_number(w, page ? num : "", false);
	for (int k = 0; k < 4; k++) {
		if (box)
			db_dec_format(b->x[k] * 10000, num); /* hundredths to millionths */
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
