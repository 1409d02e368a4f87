// SPDX-License-Identifier: MIT
// Response bodies shared by every resource: success, problem+json errors, and the helpers
// that copy store values into JSON.
#include "api.h"
#include "internal_api.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_ok(struct api_ctx *c, struct api_jw *w, const char *type)
{
	size_t len = 0;
	char *body = api_jw_finish(w, &len);

	if (body == NULL)
		return -1;
	c->resp->status = 200;
	c->resp->content_type = type;
	c->resp->body = body;
	c->resp->len = len;
	return 0;
}

void api_link_next(struct api_response *resp, const char *url, const char *suffix)
{
	static const char tail[] = ">; rel=\"next\"";
	size_t u = strlen(url), x = strlen(suffix);
	char *p = resp->link;

	resp->link[0] = '\0';
	/* memcpy rather than snprintf: the length is checked here, and gcc at -O0 cannot see
	 * that a checked "%s" fits (-Wformat-truncation under -Werror) */
	if (1 + u + x + sizeof(tail) > sizeof(resp->link))
		return;
	*p++ = '<';
	memcpy(p, url, u);
	memcpy(p + u, suffix, x);
	memcpy(p + u + x, tail, sizeof(tail));
}

void api_disposition(struct api_response *resp, const char *base, const char *label,
                     const char *ext)
{
	char enc[512];

	/* A label longer than enc holds is cut (its first 56 or more characters name it); a
	 * header cut would end mid-name: then the ASCII name alone (bases are ASCII slugs and
	 * numbers, well under 200 bytes) */
	api_pct_encode(enc, sizeof(enc), label);
	if (snprintf(resp->disposition, sizeof(resp->disposition),
	             "attachment; filename=\"%s.%s\"; filename*=UTF-8''%s.%s", base, ext, enc,
	             ext) >= (int)sizeof(resp->disposition))
		snprintf(resp->disposition, sizeof(resp->disposition),
		         "attachment; filename=\"%.200s.%.8s\"", base, ext);
}

static const char *reason(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

int api_problem(struct api_response *resp, int status, const char *title, const char *detail)
{
	struct api_jw w;
	char *body;

	api_jw_init(&w);
	api_jw_obj(&w);
	api_jw_kstr(&w, "type", "about:blank");
	api_jw_kstr(&w, "title", title);
	api_jw_kint(&w, "status", status);
	api_jw_kstr(&w, "detail", detail);
	api_jw_end(&w, '}');
	body = api_jw_finish(&w, &resp->len);
	if (body == NULL)
		return -1;
	resp->status = status;
	resp->content_type = "application/problem+json; charset=utf-8";
	resp->body = body;
	resp->modified = 0;
	resp->link[0] = resp->disposition[0] = '\0';
	return 0;
}

int api_fail(struct api_response *resp, int status, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return api_problem(resp, status, reason(status), detail);
}

void api_response_free(struct api_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

/* A-Z a-z 0-9 - . _ ~, a bit a byte: one test a byte, where a search of the list (or four
 * range tests) took several; the cache key encodes every request's path (issue #17). */
static const uint64_t unreserved_bits[4] = { 0x03ff600000000000u, 0x47fffffe87fffffeu, 0, 0 };

static bool unreserved(unsigned char ch)
{
	return (unreserved_bits[ch >> 6] >> (ch & 63) & 1) != 0;
}

bool api_pct_encode(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	/* a byte is written while 4 bytes of room are left: runs of unreserved ones at once */
	while (*p != '\0' && n + 4 <= size) {
		size_t run = 0, room = size - 3 - n;
		while (run < room && unreserved(p[run]))
			run++;
		if (run > 0) {
			memcpy(out + n, p, run);
			n += run;
			p += run;
			continue;
		}
		out[n++] = '%';
		out[n++] = hex[*p >> 4];
		out[n++] = hex[*p & 15];
		p++;
	}
	if (size > 0)
		out[n < size ? n : size - 1] = '\0';
	return *p == '\0';
}

static void put_fields(struct api_jw *w, const json_t *obj, const struct api_field *f)
{
	api_jw_obj(w);
	for (; f->key != NULL; f++) {
		if (f->type == API_DEC)
			api_kdec(w, obj, f->key);
		else if (f->type == API_COUNT)
			api_kcount(w, obj, f->key);
		else
			api_ktext(w, obj, f->key);
	}
	api_jw_end(w, '}');
}

void api_put_object(struct api_jw *w, const char *key, const json_t *obj,
                    const struct api_field *fields)
{
	api_jw_key(w, key);
	if (obj == NULL)
		api_jw_null(w);
	else
		put_fields(w, obj, fields);
}

void api_put_objects(struct api_jw *w, const char *key, const json_t *arr,
                     const struct api_field *fields)
{
	size_t i;
	json_t *item;

	api_jw_key(w, key);
	api_jw_arr(w);
	json_array_foreach (arr, i, item)
		put_fields(w, item, fields);
	api_jw_end(w, ']');
}

void api_put_dec_map(struct api_jw *w, const char *key, const json_t *map)
{
	const char *k;
	json_t *v;
	int64_t x;

	api_jw_key(w, key);
	api_jw_obj(w);
	json_object_foreach ((json_t *)map, k, v) {
		if (api_dec(v, &x)) {
			api_jw_key(w, k);
			api_jw_dec_text(w, json_string_value(v));
		}
	}
	api_jw_end(w, '}');
}

bool api_dec(const json_t *j, int64_t *out)
{
	return json_is_string(j) && db_dec_parse(json_string_value(j), true, out) == 0;
}

const char *api_dec_text(const json_t *j)
{
	int64_t v;

	return api_dec(j, &v) ? json_string_value(j) : NULL;
}

void api_put_dec_text(struct api_jw *w, const json_t *j)
{
	const char *s = api_dec_text(j);

	if (s != NULL)
		api_jw_dec_text(w, s);
	else
		api_jw_null(w);
}

void api_put_dec(struct api_jw *w, const json_t *obj, const char *key)
{
	api_put_dec_text(w, json_object_get(obj, key));
}

void api_kdec(struct api_jw *w, const json_t *obj, const char *key)
{
	api_jw_key(w, key);
	api_put_dec(w, obj, key);
}

void api_ktext(struct api_jw *w, const json_t *obj, const char *key)
{
	api_jw_kstr(w, key, json_string_value(json_object_get(obj, key)));
}

void api_kcount(struct api_jw *w, const json_t *obj, const char *key)
{
	json_t *j = json_object_get(obj, key);

	api_jw_key(w, key);
	if (json_is_integer(j))
		api_jw_int(w, json_integer_value(j));
	else
		api_jw_null(w);
}

void api_kcodes(struct api_jw *w, const json_t *obj)
{
	json_t *codes = json_object_get(obj, "codes"), *c;
	char joined[16] = "";
	size_t i;

	api_jw_key(w, "codes");
	if (json_array_size(codes) == 0) {
		api_jw_null(w);
		api_jw_key(w, "code");
		api_jw_null(w);
		return;
	}
	api_jw_arr(w);
	json_array_foreach (codes, i, c) {
		api_jw_str(w, json_string_value(c));
		strncat(joined, json_string_value(c), sizeof(joined) - strlen(joined) - 1);
	}
	api_jw_end(w, ']');
	api_jw_kstr(w, "code", joined);
}

void api_put_texts(struct api_jw *w, const json_t *arr)
{
	size_t i;
	json_t *s;

	api_jw_arr(w);
	json_array_foreach (arr, i, s)
		api_jw_str(w, json_string_value(s));
	api_jw_end(w, ']');
}

int api_store_error(struct api_response *resp, const struct db_error *err)
{
	if (api_fail(resp, 503, "the store cannot be read just now") != 0)
		return -1;
	snprintf(resp->cause, sizeof(resp->cause), "%.199s",
	         err->text[0] ? err->text : "store error");
	return 0;
}
