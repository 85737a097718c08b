/*
 * test_cmdline.c: word splitting of what users type, as a user of a shell
 * expects it, and the refusals: control characters, unterminated quotes,
 * a lone backslash, too many words, too long.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmdline.h"

static struct cmdline c;
static char err[256];

static int
split(const char *s)
{
	return cmdline_split(s, strlen(s), &c, err, sizeof(err));
}

static void
test_words(void **state)
{
	(void)state;
	assert_int_equal(split("meduse keys add\n"), 0);
	assert_int_equal(c.argc, 3);
	assert_string_equal(c.argv[0], "meduse");
	assert_string_equal(c.argv[2], "add");
	assert_null(c.argv[3]);
	assert_int_equal(split("  \t "), 0);
	assert_int_equal(c.argc, 0);
	assert_null(c.argv[0]);
	assert_int_equal(split(""), 0);
	assert_int_equal(c.argc, 0);
}

static void
test_quotes(void **state)
{
	(void)state;
	assert_int_equal(split("a 'b c' \"d \\\"e\\\" \\\\ \\n\" f\\ g 'h'\"i\""), 0);
	assert_int_equal(c.argc, 5);
	assert_string_equal(c.argv[1], "b c");
	assert_string_equal(c.argv[2], "d \"e\" \\ \\n");
	assert_string_equal(c.argv[3], "f g");
	assert_string_equal(c.argv[4], "hi");
	/* Nothing is expanded. */
	assert_int_equal(split("echo $HOME *; `id` | ~"), 0);
	assert_int_equal(c.argc, 6);
	assert_string_equal(c.argv[1], "$HOME");
	assert_string_equal(c.argv[3], "`id`");
	assert_int_equal(split("''"), 0);
	assert_int_equal(c.argc, 1);
	assert_string_equal(c.argv[0], "");
}

static void
test_refusals(void **state)
{
	char big[CMDLINE_MAX_LEN + 2], many[CMDLINE_MAX_WORDS * 2 + 4];
	int i;

	(void)state;
	assert_int_equal(split("a 'b"), -1);
	assert_non_null(strstr(err, "unterminated single quote"));
	assert_int_equal(split("a \"b"), -1);
	assert_non_null(strstr(err, "unterminated double quote"));
	assert_int_equal(split("a \\"), -1);
	assert_non_null(strstr(err, "lone backslash"));
	assert_int_equal(split("a\x1b[2Jb"), -1);
	assert_non_null(strstr(err, "control character (byte 2)"));
	assert_int_equal(split("a\nb"), -1);
	assert_int_equal(cmdline_split("a\0b", 3, &c, err, sizeof(err)), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(split(big), -1);
	assert_non_null(strstr(err, "longer than"));
	for (i = 0; i < CMDLINE_MAX_WORDS + 1; i++) {
		many[2 * i] = 'w';
		many[2 * i + 1] = ' ';
	}
	many[2 * i] = '\0';
	assert_int_equal(split(many), -1);
	assert_non_null(strstr(err, "more than"));
	many[2 * CMDLINE_MAX_WORDS] = '\0';
	assert_int_equal(split(many), 0);
	assert_int_equal(c.argc, CMDLINE_MAX_WORDS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
