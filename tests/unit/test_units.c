/*
 * test_units.c: durations and Kubernetes quantities, including the edges a
 * sloppy parser gets wrong (whitespace, signs, fractions, overflow).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "units.h"

static void
ok_duration(const char *s, uint64_t want)
{
	char err[256] = "";
	uint64_t ms = 12345;

	if (units_parse_duration(s, &ms, err, sizeof(err)) != 0)
		fail_msg("duration \"%s\" refused: %s", s, err);
	if (ms != want)
		fail_msg("duration \"%s\": got %llu ms, want %llu", s,
		    (unsigned long long)ms, (unsigned long long)want);
}

static void
bad_duration(const char *s, const char *want_in_err)
{
	char err[256] = "";
	uint64_t ms = 12345;

	if (units_parse_duration(s, &ms, err, sizeof(err)) != -1)
		fail_msg("duration \"%s\" accepted as %llu ms", s,
		    (unsigned long long)ms);
	assert_int_equal(ms, 0);
	if (strstr(err, want_in_err) == NULL)
		fail_msg("duration \"%s\": error \"%s\" lacks \"%s\"", s, err,
		    want_in_err);
}

static void
test_duration_ok(void **state)
{
	(void)state;
	ok_duration("0", 0);
	ok_duration("0s", 0);
	ok_duration("500ms", 500);
	ok_duration("30s", 30000);
	ok_duration("5m", 300000);
	ok_duration("2h", 7200000);
	ok_duration("1d", 86400000);
	ok_duration("007s", 7000);
	/* The largest: UINT64_MAX ms, and the largest whole number of days. */
	ok_duration("18446744073709551615ms", UINT64_MAX);
	ok_duration("213503982334d", 213503982334ULL * 86400000ULL);
}

static void
test_duration_bad(void **state)
{
	(void)state;
	bad_duration("", "is not a duration (use e.g.");
	bad_duration("s", "is not a duration");
	bad_duration("-1s", "is not a duration");
	bad_duration("+1s", "is not a duration");
	bad_duration("1.5s", "is not a duration");
	bad_duration(" 1s", "is not a duration");
	bad_duration("1s ", "is not a duration");
	bad_duration("1 s", "is not a duration");
	bad_duration("30x", "\"30x\" is not a duration (use e.g. 500ms, 30s");
	bad_duration("1S", "is not a duration");
	bad_duration("1sec", "is not a duration");
	bad_duration("1e3s", "is not a duration");
	bad_duration("0x10s", "is not a duration");
	bad_duration("30", "\"30\" has no unit");
	bad_duration("18446744073709551616ms", "too large");
	bad_duration("99999999999999999999999s", "too large");
	bad_duration("213503982335d", "too large");
	bad_duration("18446744073709552s", "too large");
	bad_duration("11111111111111111111111111111111111111111111111111111111111111111s",
	    "too long");
}

/* Hostile bytes do not reach the message as they are. */
static void
test_duration_error_sanitised(void **state)
{
	char err[256];
	uint64_t ms;

	(void)state;
	assert_int_equal(units_parse_duration("1\x1b[2Js", &ms, err,
	    sizeof(err)), -1);
	assert_null(strchr(err, '\x1b'));
	assert_non_null(strstr(err, "\"1?[2Js\""));
}

static void
ok_quantity(const char *s, int64_t want)
{
	char err[256] = "";
	int64_t v = 12345;

	if (units_parse_quantity(s, &v, err, sizeof(err)) != 0)
		fail_msg("quantity \"%s\" refused: %s", s, err);
	if (v != want)
		fail_msg("quantity \"%s\": got %lld, want %lld", s,
		    (long long)v, (long long)want);
}

static void
bad_quantity(const char *s, const char *want_in_err)
{
	char err[256] = "";
	int64_t v = 12345;

	if (units_parse_quantity(s, &v, err, sizeof(err)) != -1)
		fail_msg("quantity \"%s\" accepted as %lld", s, (long long)v);
	assert_int_equal(v, 0);
	if (strstr(err, want_in_err) == NULL)
		fail_msg("quantity \"%s\": error \"%s\" lacks \"%s\"", s, err,
		    want_in_err);
}

static void
test_quantity_ok(void **state)
{
	(void)state;
	ok_quantity("0", 0);
	ok_quantity("0Ei", 0);
	ok_quantity("500m", 500);
	ok_quantity("1m", 1);
	ok_quantity("2", 2000);
	ok_quantity("8", 8000);
	ok_quantity("1.5", 1500);
	ok_quantity("0.001", 1);
	ok_quantity("1.", 1000);
	ok_quantity(".5", 500);
	ok_quantity("1.500000000000000000000000", 1500);
	ok_quantity("000000000000000000000000001", 1000);
	ok_quantity("1Ki", 1024000);
	ok_quantity("1k", 1000000);
	ok_quantity("1.5Ki", 1536000);
	ok_quantity("32Gi", 32LL * 1024 * 1024 * 1024 * 1000);
	ok_quantity("200G", 200LL * 1000 * 1000 * 1000 * 1000);
	ok_quantity("1P", 1000000000000000000LL);
	ok_quantity("8Pi", 8LL * 1125899906842624LL * 1000);
	ok_quantity("0.001E", 1000000000000000000LL);
	ok_quantity("0.5Mi", 524288000);
	/* The largest value: INT64_MAX thousandths. */
	ok_quantity("9223372036854775.807", INT64_MAX);
	ok_quantity("9223372036854775807m", INT64_MAX);
}

static void
test_quantity_bad(void **state)
{
	(void)state;
	bad_quantity("", "is not a quantity (use e.g. 500m, 8");
	bad_quantity(".", "is not a quantity");
	bad_quantity("Gi", "is not a quantity");
	bad_quantity("32GB", "\"32GB\" is not a quantity");
	bad_quantity("32gi", "is not a quantity");
	bad_quantity("1e3", "is not a quantity");
	bad_quantity("1E3", "is not a quantity");
	bad_quantity("1.2.3", "is not a quantity");
	bad_quantity(" 1", "is not a quantity");
	bad_quantity("1 ", "is not a quantity");
	bad_quantity("1 Gi", "is not a quantity");
	bad_quantity("+1", "is not a quantity");
	bad_quantity("0x10", "is not a quantity");
	bad_quantity("-1", "is negative");
	bad_quantity("-0.5", "is negative");
	bad_quantity("0.5m", "finer than a thousandth");
	bad_quantity("0.0001", "finer than a thousandth");
	bad_quantity("1.0001", "finer than a thousandth");
	bad_quantity("1Ei", "too large");
	bad_quantity("10P", "too large");
	bad_quantity("9223372036854775.808", "too large");
	bad_quantity("9223372036854775808m", "too large");
	bad_quantity("99999999999999999999", "too many digits");
	bad_quantity("11111111111111111111111111111111111111111111111111111111111111111",
	    "too long");
}

static void
ok_count(const char *s, int64_t want)
{
	char err[256] = "";
	int64_t v = 12345;

	if (units_parse_count(s, &v, err, sizeof(err)) != 0)
		fail_msg("count \"%s\" refused: %s", s, err);
	if (v != want)
		fail_msg("count \"%s\": got %lld, want %lld", s, (long long)v,
		    (long long)want);
}

static void
bad_count(const char *s, const char *want_in_err)
{
	char err[256] = "";
	int64_t v = 12345;

	if (units_parse_count(s, &v, err, sizeof(err)) != -1)
		fail_msg("count \"%s\" accepted as %lld", s, (long long)v);
	assert_int_equal(v, 0);
	if (strstr(err, want_in_err) == NULL)
		fail_msg("count \"%s\": error \"%s\" lacks \"%s\"", s, err,
		    want_in_err);
}

static void
test_count(void **state)
{
	(void)state;
	ok_count("0", 0);
	ok_count("1", 1);
	ok_count("5", 5);
	ok_count("32Gi", 32LL << 30);
	ok_count("1.5Gi", 3LL << 29);
	ok_count("200G", 200000000000LL);
	ok_count("1000m", 1);
	ok_count("1.5k", 1500);
	ok_count("7Ei", 7LL << 60);	/* beyond what milli-units could hold */
	ok_count("9223372036854775807", INT64_MAX);
	bad_count("1.5", "is not a whole number");
	bad_count("500m", "is not a whole number");
	bad_count("0.1Ki", "is not a whole number");
	bad_count("8Ei", "too large");
	bad_count("9223372036854775808", "too large");
	bad_count("32GB", "is not a quantity");
	bad_count("-1", "is negative");
}

static void
test_format_cpu(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(units_format_cpu(0, buf, sizeof(buf)), "0");
	assert_string_equal(units_format_cpu(8000, buf, sizeof(buf)), "8");
	assert_string_equal(units_format_cpu(500, buf, sizeof(buf)), "500m");
	assert_string_equal(units_format_cpu(1500, buf, sizeof(buf)), "1500m");
	assert_string_equal(units_format_cpu(1, buf, sizeof(buf)), "1m");
	/* Truncated but terminated in a short buffer. */
	assert_string_equal(units_format_cpu(123456, buf, 4), "123");
}

static void
test_format_bytes(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(units_format_bytes(0, buf, sizeof(buf)), "0");
	assert_string_equal(units_format_bytes(1000, buf, sizeof(buf)), "1000");
	assert_string_equal(units_format_bytes(1024, buf, sizeof(buf)), "1Ki");
	assert_string_equal(units_format_bytes(32LL << 30, buf, sizeof(buf)),
	    "32Gi");
	assert_string_equal(units_format_bytes(1536LL << 20, buf, sizeof(buf)),
	    "1536Mi");
	assert_string_equal(units_format_bytes(200000000000LL, buf,
	    sizeof(buf)), "195312500Ki");
	assert_string_equal(units_format_bytes(1LL << 60, buf, sizeof(buf)),
	    "1Ei");
	assert_string_equal(units_format_bytes(1LL << 62, buf, sizeof(buf)),
	    "4Ei");
	assert_string_equal(units_format_bytes(INT64_MAX, buf, sizeof(buf)),
	    "9223372036854775807");
}

/* What a formatter writes, the parser reads back to the same number. */
static void
test_round_trip(void **state)
{
	static const int64_t cpus[] = {
		0, 1, 250, 999, 1000, 1500, 8000, 96000, INT64_MAX,
	};
	static const int64_t bytes[] = {
		0, 1, 1000, 1023, 1024, 1536LL << 20, 32LL << 30, 200000000000LL,
		5LL << 40, 1LL << 60, (1LL << 62) + 1024, INT64_MAX,
	};
	char buf[32], err[256];
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		units_format_cpu(cpus[i], buf, sizeof(buf));
		assert_int_equal(units_parse_quantity(buf, &v, err, sizeof(err)), 0);
		assert_int_equal(v, cpus[i]);
	}
	for (i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		units_format_bytes(bytes[i], buf, sizeof(buf));
		assert_int_equal(units_parse_count(buf, &v, err, sizeof(err)), 0);
		assert_int_equal(v, bytes[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_ok),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_duration_error_sanitised),
		cmocka_unit_test(test_quantity_ok),
		cmocka_unit_test(test_quantity_bad),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_format_cpu),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
