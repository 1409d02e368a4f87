// SPDX-License-Identifier: MIT
// Shared by the fuzz targets: see fuzz.h.
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void fuzz_die(const char *target, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
