/*
 * units.c: durations and Kubernetes quantities, parsed once into integers.
 * Trust boundary: the text comes from meduse.yaml or an admin's command line;
 * every string is checked completely (no strtol leniency: no whitespace, no
 * sign, no trailing garbage) and every multiplication is overflow-checked.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "text.h"
#include "units.h"

/* Longer strings are never a sensible duration or quantity. */
#define UNITS_MAX_LEN	64

#define DURATION_HINT	"use e.g. 500ms, 30s, 5m, 1h, 1d"
#define QUANTITY_HINT	"use e.g. 500m, 8, 1.5, 32Gi, 200G"

struct units_suffix {
	const char	*name;
	int		 pow2;		/* value = mantissa * 2^pow2 * 10^pow10 */
	int		 pow10;
};

/* Kubernetes' suffixes; "m" is milli, "M" mega. */
static const struct units_suffix units_suffixes[] = {
	{ "",   0,  0 },
	{ "m",  0, -3 },
	{ "k",  0,  3 }, { "M",  0,  6 }, { "G",  0,  9 },
	{ "T",  0, 12 }, { "P",  0, 15 }, { "E",  0, 18 },
	{ "Ki", 10, 0 }, { "Mi", 20, 0 }, { "Gi", 30, 0 },
	{ "Ti", 40, 0 }, { "Pi", 50, 0 }, { "Ei", 60, 0 },
};

static const struct {
	const char	*name;
	uint64_t	 ms;
} units_durations[] = {
	{ "ms", 1 },
	{ "s",  1000 },
	{ "m",  60 * 1000 },
	{ "h",  60 * 60 * 1000 },
	{ "d",  24 * 60 * 60 * 1000 },
};

/* Untrusted values quoted in messages: 32 characters at most. */
static const char *
units_quote(const char *s, char *buf, size_t len)
{
	return text_quote(s, 32, buf, len);
}

static bool
units_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* *n = *n * 10 + digit c, or -1 when that overflows. */
static int
units_add_digit(uint64_t *n, char c)
{
	uint64_t d = (uint64_t)(c - '0');

	if (*n > UINT64_MAX / 10 || *n * 10 > UINT64_MAX - d)
		return -1;
	*n = *n * 10 + d;
	return 0;
}

int
units_parse_duration(const char *s, uint64_t *ms, char *err, size_t errlen)
{
	char q[48];
	uint64_t n = 0;
	size_t i, u;

	*ms = 0;
	if (strnlen(s, UNITS_MAX_LEN + 1) > UNITS_MAX_LEN) {
		snprintf(err, errlen, "\"%s\" is too long for a duration",
		    units_quote(s, q, sizeof(q)));
		return -1;
	}
	for (i = 0; units_is_digit(s[i]); i++)
		if (units_add_digit(&n, s[i]) == -1)
			goto toolarge;
	if (i == 0)
		goto syntax;
	if (s[i] == '\0') {
		/* A bare number has no unit; only zero means the same in all. */
		if (n == 0)
			return 0;
		snprintf(err, errlen, "\"%s\" has no unit (%s)",
		    units_quote(s, q, sizeof(q)), DURATION_HINT);
		return -1;
	}
	for (u = 0; u < sizeof(units_durations) / sizeof(units_durations[0]); u++) {
		if (strcmp(s + i, units_durations[u].name) != 0)
			continue;
		if (n > UINT64_MAX / units_durations[u].ms)
			goto toolarge;
		*ms = n * units_durations[u].ms;
		return 0;
	}
syntax:
	snprintf(err, errlen, "\"%s\" is not a duration (%s)",
	    units_quote(s, q, sizeof(q)), DURATION_HINT);
	return -1;
toolarge:
	snprintf(err, errlen, "\"%s\" is too large for a duration",
	    units_quote(s, q, sizeof(q)));
	return -1;
}

/*
 * The common parser: the value of s times 10^scale10, which must come out a
 * whole number.  scale10 is 3 for milli-units and 0 for whole units.  The
 * digits are kept as one integer mantissa and the suffix and the decimal
 * point as powers of 2 and 10, so the result is exact: no floating point.
 */
static int
units_parse_scaled(const char *s, int scale10, int64_t *out, const char *finer,
    char *err, size_t errlen)
{
	const struct units_suffix *suf = NULL;
	char q[48];
	uint64_t mant = 0;
	size_t i, j, numend, dotpos = SIZE_MAX, ndigits = 0, nfrac = 0;
	int64_t p2, p5;

	*out = 0;
	if (strnlen(s, UNITS_MAX_LEN + 1) > UNITS_MAX_LEN) {
		snprintf(err, errlen, "\"%s\" is too long for a quantity",
		    units_quote(s, q, sizeof(q)));
		return -1;
	}
	if (s[0] == '-') {
		snprintf(err, errlen, "\"%s\" is negative",
		    units_quote(s, q, sizeof(q)));
		return -1;
	}

	/* The number: digits with at most one '.', as Kubernetes writes it. */
	for (i = 0; units_is_digit(s[i]) || (s[i] == '.' && dotpos == SIZE_MAX); i++) {
		if (s[i] == '.')
			dotpos = i;
		else
			ndigits++;
	}
	if (ndigits == 0)
		goto syntax;		/* "", ".", "Gi", "+1", "-" */
	for (j = 0; j < sizeof(units_suffixes) / sizeof(units_suffixes[0]); j++)
		if (strcmp(s + i, units_suffixes[j].name) == 0)
			suf = &units_suffixes[j];
	if (suf == NULL)
		goto syntax;		/* "32GB", "1e3", "1 Gi" */

	/* Trailing zeros of a fraction change nothing; drop them so that
	 * "1.50000000000000000000" does not overflow the mantissa. */
	numend = i;
	if (dotpos != SIZE_MAX)
		while (numend > dotpos + 1 && s[numend - 1] == '0')
			numend--;
	for (j = 0; j < numend; j++) {
		if (j == dotpos)
			continue;
		if (units_add_digit(&mant, s[j]) == -1) {
			snprintf(err, errlen, "\"%s\" has too many digits",
			    units_quote(s, q, sizeof(q)));
			return -1;
		}
		if (dotpos != SIZE_MAX && j > dotpos)
			nfrac++;
	}

	if (mant == 0)
		return 0;
	p2 = (int64_t)suf->pow2 + suf->pow10 + scale10 - (int64_t)nfrac;
	p5 = (int64_t)suf->pow10 + scale10 - (int64_t)nfrac;
	for (; p2 < 0; p2++) {
		if (mant % 2 != 0)
			goto tooprecise;
		mant /= 2;
	}
	for (; p5 < 0; p5++) {
		if (mant % 5 != 0)
			goto tooprecise;
		mant /= 5;
	}
	for (; p2 > 0; p2--) {
		if (mant > (uint64_t)INT64_MAX / 2)
			goto toolarge;
		mant *= 2;
	}
	for (; p5 > 0; p5--) {
		if (mant > (uint64_t)INT64_MAX / 5)
			goto toolarge;
		mant *= 5;
	}
	if (mant > (uint64_t)INT64_MAX)
		goto toolarge;
	*out = (int64_t)mant;
	return 0;
syntax:
	snprintf(err, errlen, "\"%s\" is not a quantity (%s)",
	    units_quote(s, q, sizeof(q)), QUANTITY_HINT);
	return -1;
tooprecise:
	snprintf(err, errlen, "\"%s\" %s", units_quote(s, q, sizeof(q)), finer);
	return -1;
toolarge:
	snprintf(err, errlen, "\"%s\" is too large",
	    units_quote(s, q, sizeof(q)));
	return -1;
}

int
units_parse_quantity(const char *s, int64_t *milli, char *err, size_t errlen)
{
	return units_parse_scaled(s, 3, milli,
	    "is finer than a thousandth (1m is the smallest step)", err, errlen);
}

int
units_parse_count(const char *s, int64_t *count, char *err, size_t errlen)
{
	return units_parse_scaled(s, 0, count,
	    "is not a whole number (this is counted in whole units)",
	    err, errlen);
}

char *
units_format_cpu(int64_t milli, char *buf, size_t len)
{
	if (milli % 1000 == 0)
		snprintf(buf, len, "%lld", (long long)(milli / 1000));
	else
		snprintf(buf, len, "%lldm", (long long)milli);
	return buf;
}

char *
units_format_bytes(int64_t bytes, char *buf, size_t len)
{
	static const char *const suffix[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
	int k = 0;

	while (bytes != 0 && k < 6 && bytes % 1024 == 0) {
		bytes /= 1024;
		k++;
	}
	snprintf(buf, len, "%lld%s", (long long)bytes, suffix[k]);
	return buf;
}
