/*
 * fuzz_units.c: arbitrary bytes as a duration, a quantity and a count.  The
 * parsers must not crash, must leave 0 in the out-param when they refuse,
 * and whatever they accept must survive a format-and-parse round trip.
 * Seeds: tests/fuzz/corpus/units/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], buf[64], err[256];
	uint64_t ms;
	int64_t v, back;

	/* The parsers take C strings: an embedded NUL ends the input. */
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (units_parse_duration(s, &ms, err, sizeof(err)) == -1 && ms != 0)
		abort();

	if (units_parse_quantity(s, &v, err, sizeof(err)) == 0) {
		if (v < 0)
			abort();
		units_format_cpu(v, buf, sizeof(buf));
		if (units_parse_quantity(buf, &back, err, sizeof(err)) != 0 ||
		    back != v)
			abort();
	} else if (v != 0)
		abort();

	if (units_parse_count(s, &v, err, sizeof(err)) == 0) {
		if (v < 0)
			abort();
		units_format_bytes(v, buf, sizeof(buf));
		if (units_parse_count(buf, &back, err, sizeof(err)) != 0 ||
		    back != v)
			abort();
	} else if (v != 0)
		abort();
	return 0;
}
