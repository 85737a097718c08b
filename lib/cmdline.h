/*
 * cmdline.h: splitting a command a user typed (an SSH exec request, a line
 * at meduse's restricted prompt) into words, the way a user expects from a
 * shell's quoting, without ever running a shell.  Untrusted input: parsed
 * here only, bounded, and fuzzed (tests/fuzz/fuzz_cmdline.c).
 */
#ifndef MEDUSE_CMDLINE_H
#define MEDUSE_CMDLINE_H

#include <stddef.h>

#define CMDLINE_MAX_WORDS	32
#define CMDLINE_MAX_LEN		4096	/* bytes of a line */

struct cmdline {
	int	 argc;
	char	*argv[CMDLINE_MAX_WORDS + 1];	/* into buf; argv[argc] NULL */
	char	 buf[CMDLINE_MAX_LEN + 1];
};

/*
 * Splits len bytes of line: blanks (space, tab) separate words; '...'
 * keeps everything literally; "..." keeps everything but \" and \\, which
 * stand for " and \; a backslash outside quotes keeps the next character.
 * No expansion of any kind ($, *, ~, ;, |, ` are plain characters).  A
 * trailing newline is allowed.  Refused, with err: a control character or
 * NUL, an unterminated quote or escape, more than CMDLINE_MAX_WORDS words,
 * more than CMDLINE_MAX_LEN bytes.  An empty or blank line gives argc 0.
 */
int	cmdline_split(const char *line, size_t len, struct cmdline *out,
	    char *err, size_t errlen);

#endif
