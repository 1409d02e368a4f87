// SPDX-License-Identifier: MIT
// The text layer: pdftotext -bbox-layout XHTML -> pages of words with boxes -> lines.
// pdftotext's own blocks and lines follow its reading-order guesses, which cut table rows
// apart; lines here are rebuilt from the boxes alone (words whose vertical centres agree).
#include "internal.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>

static int cmp_yc(const void *a, const void *b)
{
	const struct ing_word *p = a, *q = b;
	double d = (p->y0 + p->y1) - (q->y0 + q->y1);

	if (d != 0)
		return d < 0 ? -1 : 1;
	return p->x0 < q->x0 ? -1 : p->x0 > q->x0;
}

static int cmp_x(const void *a, const void *b)
{
	const struct ing_word *p = a, *q = b;

	return p->x0 < q->x0 ? -1 : p->x0 > q->x0;
}

/* Groups the page's words into lines: a word whose vertical centre is within 30% of the
 * smaller height of the line's first word joins it. */
static int build_lines(struct ing_page *pg)
{
	size_t i = 0;

	if (pg->n_words > 0)
		qsort(pg->words, pg->n_words, sizeof(*pg->words), cmp_yc);
	pg->lines = calloc(pg->n_words + 1, sizeof(*pg->lines));
	if (pg->lines == NULL)
		return -1;
	while (i < pg->n_words) {
		struct ing_line *l = &pg->lines[pg->n_lines++];
		struct ing_word *f = &pg->words[i];
		double yc = (f->y0 + f->y1) / 2, h = f->y1 - f->y0;
		size_t j = i + 1;

		while (j < pg->n_words) {
			struct ing_word *w = &pg->words[j];
			double wh = w->y1 - w->y0, tol = 0.3 * (wh < h ? wh : h);

			if ((w->y0 + w->y1) / 2 - yc > tol)
				break;
			j++;
		}
		qsort(f, j - i, sizeof(*f), cmp_x);
		l->words = f;
		l->n = j - i;
		l->x0 = f->x0;
		l->x1 = f[j - i - 1].x1;
		l->y0 = f->y0;
		l->y1 = f->y1;
		for (size_t k = i; k < j; k++) {
			if (pg->words[k].y0 < l->y0)
				l->y0 = pg->words[k].y0;
			if (pg->words[k].y1 > l->y1)
				l->y1 = pg->words[k].y1;
		}
		l->yc = yc;
		i = j;
	}
	return 0;
}

/* A number attribute of the reader's current element (0 when absent). */
static double attr_num(xmlTextReaderPtr r, const char *name)
{
	xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)name);
	double d = v != NULL ? strtod((const char *)v, NULL) : 0;

	xmlFree(v);
	return d;
}

static int add_page(struct ingest_text *t, xmlTextReaderPtr r, size_t *cap)
{
	struct ing_page *p = realloc(t->pages, (t->n_pages + 1) * sizeof(*p)), *pg;

	if (p == NULL)
		return -1;
	t->pages = p;
	pg = &t->pages[t->n_pages++];
	memset(pg, 0, sizeof(*pg));
	pg->width = attr_num(r, "width");
	pg->height = attr_num(r, "height");
	*cap = 0;
	return 0;
}

/* Removes in place the characters a PDF's text may carry that print as nothing: C0 and
 * C1 controls, DEL, line and paragraph separators, bidirectional controls (U+202A-202E,
 * U+2066-2069). The import refuses them in names (they would reach terminals and pages),
 * and a word never needs them. */
static void drop_invisible(unsigned char *s)
{
	unsigned char *out = s;

	while (*s != '\0') {
		size_t n = *s < 0x20 || *s == 0x7F                                        ? 1
		           : s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F                 ? 2
		           : s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0xA8 && s[2] <= 0xAE ? 3
		           : s[0] == 0xE2 && s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9 ? 3
		                                                                          : 0;
		if (n > 0) {
			s += n;
			continue;
		}
		*out++ = *s++;
	}
	*out = '\0';
}

static int add_word(struct ing_page *pg, xmlTextReaderPtr r, size_t *cap)
{
	xmlChar *text = xmlTextReaderReadString(r);
	struct ing_word *w;

	if (text != NULL)
		drop_invisible(text);
	if (text == NULL || text[0] == '\0') {
		xmlFree(text);
		return 0;
	}
	if (pg->n_words == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ing_word *p = realloc(pg->words, ncap * sizeof(*p));

		if (p == NULL) {
			xmlFree(text);
			return -1;
		}
		pg->words = p;
		*cap = ncap;
	}
	w = &pg->words[pg->n_words++];
	w->x0 = attr_num(r, "xMin");
	w->y0 = attr_num(r, "yMin");
	w->x1 = attr_num(r, "xMax");
	w->y1 = attr_num(r, "yMax");
	w->text = strdup((const char *)text);
	xmlFree(text);
	return w->text != NULL ? 0 : -1;
}

/* Reads <page> and <word> elements as they stream by: memory holds the words, not a tree.
 * Returns 0, -1 when out of memory, 1 when the XHTML is not well-formed, 2 past the cap. */
static int read_words(struct ingest_text *t, xmlTextReaderPtr r)
{
	size_t cap = 0, words = 0;
	int rc;

	while ((rc = xmlTextReaderRead(r)) == 1) {
		const char *name = (const char *)xmlTextReaderConstLocalName(r);

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || name == NULL)
			continue;
		if (strcmp(name, "page") == 0) {
			if (add_page(t, r, &cap) != 0)
				return -1;
		} else if (strcmp(name, "word") == 0 && t->n_pages > 0) {
			if (++words > INGEST_MAX_WORDS)
				return 2;
			if (add_word(&t->pages[t->n_pages - 1], r, &cap) != 0)
				return -1;
		}
	}
	return rc == 0 ? 0 : 1;
}

struct ingest_text *ingest_text_parse(const char *xhtml, size_t len, struct ingest_error *err)
{
	struct ingest_text *t = calloc(1, sizeof(*t));
	xmlTextReaderPtr r = NULL;
	int rc = -1;

	if (t != NULL && len <= INT32_MAX)
		r = xmlReaderForMemory(xhtml, (int)len, "pdftotext.xhtml", "UTF-8",
		                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		                           XML_PARSE_HUGE | XML_PARSE_COMPACT);
	if (r != NULL)
		rc = read_words(t, r);
	xmlFreeTextReader(r);
	for (size_t p = 0; rc == 0 && p < t->n_pages; p++)
		if (build_lines(&t->pages[p]) != 0)
			rc = -1;
	if (rc == 0)
		return t;
	ingest_text_free(t);
	if (rc == 1)
		ing_fail(err, INGEST_BAD_INPUT, 0, "pdftotext's output is not well-formed XHTML");
	else if (rc == 2)
		ing_fail(err, INGEST_BAD_INPUT, 0,
		         "the text layer holds more than %d words: too much for a disclosure",
		         INGEST_MAX_WORDS);
	else
		ing_fail(err, INGEST_INTERNAL, 0, "out of memory reading the text layer");
	return NULL;
}

void ingest_text_free(struct ingest_text *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_pages; i++) {
		for (size_t k = 0; k < t->pages[i].n_words; k++)
			free(t->pages[i].words[k].text);
		free(t->pages[i].words);
		free(t->pages[i].lines);
	}
	free(t->pages);
	free(t);
}

size_t ingest_text_pages(const struct ingest_text *t)
{
	return t->n_pages;
}

size_t ingest_text_words(const struct ingest_text *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_pages; i++)
		n += t->pages[i].n_words;
	return n;
}

static bool is_ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char *ing_line_text(const struct ing_word *w, size_t n)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(w[i].text) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	p = s;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(w[i].text);

		if (i > 0 && p > s && is_ascii_alnum((unsigned char)p[-1]) &&
		    is_ascii_alnum((unsigned char)w[i].text[0]))
			*p++ = ' ';
		memcpy(p, w[i].text, k);
		p += k;
	}
	*p = '\0';
	return s;
}
