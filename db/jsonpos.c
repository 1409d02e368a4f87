// SPDX-License-Identifier: MIT
// Finds where a JSON path points in the original text, so an error about a value can give a
// line and column like a compiler does. jansson keeps no positions after parsing, so this
// re-scans the text; it runs only when something is already wrong.
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Skips a string starting at its opening quote; leaves p after the closing quote. */
static int skip_string(struct scan *s)
{
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\')
			s->p++;
		else if (*s->p == '"') {
			s->p++;
			return 0;
		}
	}
	return -1;
}

static int skip_value(struct scan *s, int depth)
{
	skip_ws(s);
	if (s->p >= s->end || depth > 4096)
		return -1;
	if (*s->p == '"')
		return skip_string(s);
	if (*s->p != '{' && *s->p != '[') {
		while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
			s->p++;
		return 0;
	}
	char close = *s->p == '{' ? '}' : ']';
	for (s->p++;;) {
		skip_ws(s);
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return 0;
		}
		if (close == '}') {
			if (s->p >= s->end || *s->p != '"' || skip_string(s) != 0)
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p++ != ':')
				return -1;
		}
		if (skip_value(s, depth + 1) != 0)
			return -1;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else if (s->p >= s->end || *s->p != close)
			return -1;
	}
}

/* Moves into the member `key` (len bytes) of the object at p; p ends at its value. */
static int enter_key(struct scan *s, const char *key, size_t len)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != '{')
		return -1;
	for (s->p++;;) {
		skip_ws(s);
		if (s->p >= s->end || *s->p != '"')
			return -1;
		const char *k = s->p + 1;
		if (skip_string(s) != 0)
			return -1;
		bool match = (size_t)(s->p - 1 - k) == len && memcmp(k, key, len) == 0;
		skip_ws(s);
		if (s->p >= s->end || *s->p++ != ':')
			return -1;
		skip_ws(s);
		if (match)
			return 0;
		if (skip_value(s, 0) != 0)
			return -1;
		skip_ws(s);
		if (s->p >= s->end || *s->p++ != ',')
			return -1;
	}
}

static int enter_index(struct scan *s, size_t index)
{
	skip_ws(s);
	if (s->p >= s->end || *s->p != '[')
		return -1;
	s->p++;
	for (size_t i = 0; i < index; i++) {
		if (skip_value(s, 0) != 0)
			return -1;
		skip_ws(s);
		if (s->p >= s->end || *s->p++ != ',')
			return -1;
	}
	skip_ws(s);
	return s->p < s->end && *s->p != ']' ? 0 : -1;
}

int db_json_locate(const char *text, size_t len, const char *path, int *line, int *column)
{
	struct scan s = { text, text + len };

	if (path[0] != '$')
		return -1;
	for (const char *p = path + 1; *p != '\0';) {
		int rc;
		if (*p == '.') {
			size_t n = strcspn(p + 1, ".[");
			rc = enter_key(&s, p + 1, n);
			p += 1 + n;
		} else if (*p == '[') {
			char *e;
			rc = enter_index(&s, strtoul(p + 1, &e, 10));
			p = *e == ']' ? e + 1 : e;
		} else {
			return -1;
		}
		if (rc != 0)
			return -1;
	}
	skip_ws(&s);
	*line = 1;
	*column = 1;
	for (const char *c = text; c < s.p; c++) {
		if (*c == '\n') {
			++*line;
			*column = 1;
		} else if (((unsigned char)*c & 0xC0) != 0x80) {
			++*column; /* count characters, not UTF-8 bytes */
		}
	}
	return 0;
}
