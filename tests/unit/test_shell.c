/*
 * test_shell.c: the restricted shell's parsing and prompt, without
 * accountd.  Which exec requests are the gateway's ("meduse" as the first
 * word only), how a line maps to the const table and its argument counts,
 * and the prompt's line editing as a user types at a terminal with no
 * driver: echo, erase, ^U, ^C, ^D, arrow keys swallowed, "\r\n" once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shell.h"

static struct shell_cmd cmd;
static char err[256];
static char out[65536], errout[65536];
static size_t outlen, errlen_;

static int
parse(const char *s, bool need_word)
{
	return shell_parse(s, strlen(s), need_word, &cmd, err, sizeof(err));
}

static void
test_is_builtin(void **state)
{
	(void)state;
	assert_true(shell_is_builtin("meduse", 6));
	assert_true(shell_is_builtin("meduse status", 13));
	assert_true(shell_is_builtin("  meduse\tkeys", 13));
	assert_false(shell_is_builtin("meduse-train", 12));
	assert_false(shell_is_builtin("./meduse status", 15));
	assert_false(shell_is_builtin("medus", 5));
	assert_false(shell_is_builtin("bash -c 'meduse status'", 23));
	assert_false(shell_is_builtin("", 0));
}

static void
test_parse(void **state)
{
	(void)state;
	assert_int_equal(parse("meduse status", true), 0);
	assert_string_equal(cmd.b->word, "status");
	assert_int_equal(cmd.argc, 1);
	/* "meduse" alone is help. */
	assert_int_equal(parse("meduse", true), 0);
	assert_string_equal(cmd.b->word, "help");
	/* Two-word built-ins, their arguments, quoting. */
	assert_int_equal(parse("meduse keys rm 'SHA256:a b'", true), 0);
	assert_string_equal(cmd.b->sub, "rm");
	assert_int_equal(cmd.argc, 2);
	assert_string_equal(cmd.argv[0], "rm");
	assert_string_equal(cmd.argv[1], "SHA256:a b");
	assert_null(cmd.argv[2]);
	assert_int_equal(parse("meduse keys", true), 0);
	assert_null(cmd.b->sub);
	assert_int_equal(parse("meduse start gpu", true), 0);
	assert_string_equal(cmd.argv[1], "gpu");
	assert_true(!shell_needs_input(&cmd));
	assert_int_equal(parse("meduse keys add", true), 0);
	assert_true(shell_needs_input(&cmd));
	/* At the prompt the word is optional, an empty line is nothing. */
	assert_int_equal(parse("quota", false), 0);
	assert_string_equal(cmd.b->word, "quota");
	assert_int_equal(parse("   ", false), 0);
	assert_null(cmd.b);
}

static void
test_parse_refused(void **state)
{
	(void)state;
	assert_int_equal(parse("status", true), -1);
	assert_int_equal(parse("meduse frob", true), -1);
	assert_non_null(strstr(err, "unknown command \"frob\""));
	assert_int_equal(parse("meduse keys rm", true), -1);
	assert_string_equal(err, "usage: meduse keys rm FINGERPRINT");
	assert_int_equal(parse("meduse keys rm a b", true), -1);
	assert_int_equal(parse("meduse status now", true), -1);
	assert_string_equal(err, "usage: meduse status");
	assert_int_equal(parse("meduse keys delete x", true), -1);
	assert_int_equal(parse("meduse start a b", true), -1);
	assert_int_equal(parse("meduse status 'open", true), -1);
	assert_non_null(strstr(err, "cannot read that command"));
	assert_int_equal(parse("meduse status\x01", true), -1);
}

static void
cap_out(void *arg, const char *buf, size_t len)
{
	(void)arg;
	assert_true(outlen + len < sizeof(out));
	memcpy(out + outlen, buf, len);
	out[outlen += len] = '\0';
}

static void
cap_err(void *arg, const char *buf, size_t len)
{
	(void)arg;
	assert_true(errlen_ + len < sizeof(errout));
	memcpy(errout + errlen_, buf, len);
	errout[errlen_ += len] = '\0';
}

static struct shell_ctx ctx;

static struct shell_prompt *
prompt(bool echo)
{
	memset(&ctx, 0, sizeof(ctx));
	strcpy(ctx.account, "alice");
	ctx.io.out = cap_out;
	ctx.io.err = cap_err;
	outlen = errlen_ = 0;
	out[0] = errout[0] = '\0';
	return shell_prompt_new(&ctx, echo, "workspace dev failed to start");
}

static int
feed(struct shell_prompt *p, const char *s)
{
	return shell_prompt_feed(p, s, strlen(s));
}

static void
test_prompt_editing(void **state)
{
	struct shell_prompt *p = prompt(true);

	(void)state;
	assert_non_null(strstr(errout, "cannot reach your workspace: workspace "
	    "dev failed to start"));
	assert_non_null(strstr(out, "meduse> "));
	/* "heX", X erased, an up arrow swallowed, "lp": "help". */
	outlen = 0;
	out[0] = '\0';
	assert_int_equal(feed(p, "heX\177\x1b[Alp\r\n"), 1);
	assert_non_null(strstr(out, "heX\b \blp\n"));
	assert_non_null(strstr(out, "meduse commands"));
	assert_null(strstr(out, "[A"));
	/* One prompt for "\r\n", not two. */
	assert_null(strstr(out, "meduse> meduse> "));
	/* ^U kills the line, ^C starts a new one. */
	outlen = 0;
	out[0] = '\0';
	errlen_ = 0;
	errout[0] = '\0';
	assert_int_equal(feed(p, "frob\x15" "frob\x03"), 1);
	assert_non_null(strstr(out, "^C\nmeduse> "));
	assert_string_equal(errout, "");
	/* An unknown command: its message, status 2. */
	assert_int_equal(feed(p, "frob\r"), 1);
	assert_non_null(strstr(errout, "unknown command \"frob\""));
	assert_int_equal(shell_prompt_status(p), SHELL_EXIT_USAGE);
	/* ^D on a non-empty line does nothing; on an empty one, leaves. */
	assert_int_equal(feed(p, "x\x04"), 1);
	assert_false(shell_prompt_done(p));
	assert_int_equal(feed(p, "\177\x04"), 0);
	assert_true(shell_prompt_done(p));
	assert_false(ctx.ready);
	shell_prompt_free(p);
}

static void
test_prompt_exit_noecho(void **state)
{
	struct shell_prompt *p = prompt(false);

	(void)state;
	/* A terminal driver echoes: nothing typed comes back. */
	outlen = 0;
	out[0] = '\0';
	assert_int_equal(feed(p, "meduse exit\n"), 0);
	assert_null(strstr(out, "exit"));
	assert_true(shell_prompt_done(p));
	/* Nothing more is taken once it is over. */
	assert_int_equal(feed(p, "help\n"), 0);
	shell_prompt_free(p);
	/* exit is the prompt's: not a command for ssh. */
	assert_int_equal(parse("meduse exit", true), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.io.out = cap_out;
	ctx.io.err = cap_err;
	errlen_ = 0;
	assert_int_equal(shell_run(&ctx, &cmd, NULL), SHELL_EXIT_USAGE);
	assert_non_null(strstr(errout, "for the prompt only"));
}

static void
test_prompt_long_line(void **state)
{
	struct shell_prompt *p = prompt(true);
	char line[CMDLINE_MAX_LEN + 100];

	(void)state;
	/* Past the line's room, keys are dropped, not overflowed. */
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(feed(p, line), 1);
	errlen_ = 0;
	assert_int_equal(feed(p, "\r"), 1);
	assert_non_null(strstr(errout, "unknown command"));
	shell_prompt_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_builtin),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_prompt_editing),
		cmocka_unit_test(test_prompt_exit_noecho),
		cmocka_unit_test(test_prompt_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
