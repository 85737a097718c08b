/*
 * parse.c: a command line to a built-in.  Untrusted input: what a user
 * sent as an exec request or typed at the prompt.  Words come from
 * lib/cmdline.c (shell-like quoting, no expansion, no shell); the first one
 * or two name an entry of the const table, anything else is refused with
 * the list of what exists.  Fuzzed by tests/fuzz/fuzz_shell.c.
 */
#include <stdio.h>
#include <string.h>

#include "shell.h"

bool
shell_is_builtin(const char *cmd, size_t len)
{
	size_t n = strlen(SHELL_WORD);

	/* "meduse" alone or followed by a blank, after optional blanks: a
	 * command such as "meduse-train" or "./meduse" is the user's own. */
	while (len > 0 && (*cmd == ' ' || *cmd == '\t')) {
		cmd++;
		len--;
	}
	if (len < n || memcmp(cmd, SHELL_WORD, n) != 0)
		return false;
	return len == n || cmd[n] == ' ' || cmd[n] == '\t' || cmd[n] == '\n';
}

static const struct shell_builtin *
shell_find(int argc, char **argv, int *used)
{
	const struct shell_builtin *b, *word = NULL;
	size_t i;

	for (i = 0; i < shell_nbuiltins; i++) {
		b = &shell_builtins[i];
		if (strcmp(b->word, argv[0]) != 0)
			continue;
		if (b->sub == NULL && word == NULL)
			word = b;
		else if (b->sub != NULL && argc > 1 &&
		    strcmp(b->sub, argv[1]) == 0) {
			*used = 2;
			return b;
		}
	}
	*used = 1;
	return word;
}

int
shell_parse(const char *line, size_t len, bool need_word,
    struct shell_cmd *cmd, char *err, size_t errlen)
{
	char cerr[128];
	char **argv;
	int argc, used;

	memset(cmd, 0, sizeof(*cmd));
	if (cmdline_split(line, len, &cmd->words, cerr, sizeof(cerr)) == -1) {
		snprintf(err, errlen, "cannot read that command: %s", cerr);
		return -1;
	}
	argv = cmd->words.argv;
	argc = cmd->words.argc;
	if (argc > 0 && strcmp(argv[0], SHELL_WORD) == 0) {
		argv++;
		argc--;
	} else if (need_word) {
		snprintf(err, errlen, "not a meduse command");
		return -1;
	} else if (argc == 0)
		return 0;		/* an empty line at the prompt */
	/* "meduse" alone is a request for help. */
	if (argc == 0) {
		cmd->words.argv[0] = (char *)"help";
		argv = cmd->words.argv;
		argc = 1;
	}
	if ((cmd->b = shell_find(argc, argv, &used)) == NULL) {
		snprintf(err, errlen, "unknown command \"%.40s\": type \"meduse "
		    "help\" for the list", argv[0]);
		return -1;
	}
	/* "keys" alone lists: its entry takes no sub-word, so a wrong one
	 * ("keys delete") is an error, not a listing. */
	if (argc - used < cmd->b->min_args || argc - used > cmd->b->max_args) {
		snprintf(err, errlen, "usage: meduse %s%s%s%s%s", cmd->b->word,
		    cmd->b->sub ? " " : "", cmd->b->sub ? cmd->b->sub : "",
		    *cmd->b->args ? " " : "", cmd->b->args);
		cmd->b = NULL;
		return -1;
	}
	cmd->argc = argc - used + 1;
	cmd->argv = argv + used - 1;
	return 0;
}

bool
shell_needs_input(const struct shell_cmd *cmd)
{
	return cmd->b != NULL && cmd->b->input;
}
