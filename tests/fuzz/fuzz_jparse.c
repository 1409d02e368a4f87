// SPDX-License-Identifier: MIT
// libFuzzer target for the import files' fast parse (db/jparse.c) against jansson's: the input
// is any bytes. jparse must refuse what json_loadb refuses, build exactly jansson's tree (types
// and key order too) for what it accepts, and give up on valid input only for its named case.
#include "fuzz.h"
#include "internal.h"
#include "../json_same.h"

#include <stdint.h>
#include <string.h>

/* libFuzzer's entry point; declared here because no header of ours carries it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define die(...) fuzz_die("fuzz_jparse", __VA_ARGS__)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	json_t *ja = json_loadb(text, size, JSON_REJECT_DUPLICATES, NULL);
	json_t *jp = db_jparse(text, size);

	if (jp != NULL && ja == NULL)
		die("jparse accepts what jansson refuses");
	if (jp != NULL && !json_same(ja, jp))
		die("jparse built another tree than jansson");
	/* jansson skips a NUL byte after a number or a literal (db/internal.h): jparse leaves
	 * such input to it. */
	if (ja != NULL && jp == NULL && memchr(text, '\0', size) == NULL)
		die("jparse gave up on input jansson accepts");
	json_decref(jp);
	json_decref(ja);
	return 0;
}
