/*
 * fuzz_cmdline.c: cmdline_split on arbitrary bytes.  Besides not crashing,
 * a success must keep its promises: at most CMDLINE_MAX_WORDS words, each
 * NUL-terminated inside buf, free of control characters, and together no
 * longer than the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cmdline c;
	char err[128];
	size_t total = 0, n;
	int i;

	if (cmdline_split((const char *)data, size, &c, err, sizeof(err)) == -1)
		return 0;
	if (c.argc < 0 || c.argc > CMDLINE_MAX_WORDS || c.argv[c.argc] != NULL)
		abort();
	for (i = 0; i < c.argc; i++) {
		if (c.argv[i] < c.buf || c.argv[i] >= c.buf + sizeof(c.buf))
			abort();
		n = strlen(c.argv[i]);
		if (c.argv[i] + n >= c.buf + sizeof(c.buf))
			abort();
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)c.argv[i][k] < 0x20 &&
			    c.argv[i][k] != '\t')
				abort();
		total += n;
	}
	if (total > size)
		abort();
	return 0;
}
