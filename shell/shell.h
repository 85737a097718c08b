/*
 * shell.h: meduse's restricted shell, shared by the gateway (meduse-sshd
 * links it) and the standalone meduse-shell for stock OpenSSH.
 *
 * A user reaches the built-ins as `ssh alice@meduse meduse <command>`, or at
 * the restricted prompt an interactive login gets when no workspace can be
 * reached.  Built-ins are a const table (builtin.c); a command line is split
 * without any shell (parse.c, over lib/cmdline.c) and nothing a user types
 * is ever run on the gateway host.  Every built-in acts for the account the
 * login authenticated, through accountd (api.c): the caller is the gateway
 * or a setgid meduse-shell, both trusted by accountd to name that account.
 *
 * Output goes through struct shell_io so the same code writes to an SSH
 * channel (the gateway) or to file descriptors (standalone).
 */
#ifndef MEDUSE_SHELL_H
#define MEDUSE_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cmdline.h"
#include "config.h"
#include "keys.h"
#include "names.h"

#define SHELL_WORD	"meduse"	/* first word of a built-in command */
#define SHELL_MAX_INPUT	16384		/* stdin of `meduse keys add` */

/* Exit statuses of a built-in, as a shell's. */
enum shell_exit {
	SHELL_EXIT_OK = 0,
	SHELL_EXIT_FAIL = 1,		/* the command ran and failed */
	SHELL_EXIT_USAGE = 2,		/* unknown built-in or bad arguments */
};

struct shell_io {
	void	*arg;
	/* stdout and stderr of the command; lines end with "\n" (the
	 * gateway turns them into "\r\n" under a pty). */
	void	(*out)(void *arg, const char *buf, size_t len);
	void	(*err)(void *arg, const char *buf, size_t len);
};

/* Who is asking, as the login established it. */
struct shell_ctx {
	const struct config	*cfg;
	char			 account[NAME_MAX_LEN + 1];
	char			 workspace[NAME_MAX_LEN + 1];	/* "" = default */
	char			 fingerprint[KEY_FP_LEN];	/* of the login's key */
	struct shell_io		 io;
	bool			 prompt;	/* at the restricted prompt */
	/* Set by `start`/`restart` of the login's own workspace at the
	 * prompt: the caller may take the user into it now. */
	bool			 ready;
};

/* One entry of the const table of built-ins (builtin.c). */
struct shell_builtin {
	const char	*word;		/* "keys" */
	const char	*sub;		/* "add", or NULL */
	const char	*args;		/* for usage: "[WORKSPACE]" */
	int		 min_args, max_args;	/* words after the name */
	bool		 input;		/* reads a line of input (stdin) */
	bool		 prompt_only;	/* exit: only at the prompt */
	int		(*fn)(struct shell_ctx *, int, char **, const char *);
	const char	*help;		/* one line */
};
extern const struct shell_builtin	shell_builtins[];
extern const size_t			shell_nbuiltins;

/* One parsed command: a built-in and its words (argv[0] is its name). */
struct shell_cmd {
	const struct shell_builtin *b;
	int			 argc;
	char			**argv;		/* into words */
	struct cmdline		 words;
};

/* parse.c */
/* Whether an exec request is for the gateway: its first word is "meduse".
 * Cheap and conservative: anything else goes to the workspace unchanged. */
bool	shell_is_builtin(const char *cmd, size_t len);
/*
 * Parses a command line (with or without the leading "meduse"): 0 with cmd
 * filled, or -1 with err (a quoting error, an unknown built-in, wrong
 * arguments; the message says what to type instead).
 */
int	shell_parse(const char *line, size_t len, bool need_word,
	    struct shell_cmd *cmd, char *err, size_t errlen);
/* Whether the parsed built-in reads its input (stdin, or a prompt line). */
bool	shell_needs_input(const struct shell_cmd *cmd);

/* builtin.c */
/* Runs a parsed command; input is its stdin (NUL-terminated) or NULL. */
int	shell_run(struct shell_ctx *ctx, const struct shell_cmd *cmd,
	    const char *input);
/* Formatted output, for the built-ins and the prompt. */
void	shell_printf(struct shell_ctx *ctx, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	shell_eprintf(struct shell_ctx *ctx, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* api.c: accountd, acting for ctx->account. */
/* One call; params is stolen.  err says what went wrong, for the user. */
int	shell_call(struct shell_ctx *ctx, const char *method, json_t *params,
	    json_t **res, char *err, size_t errlen);
/* Polls route.job until done: *done is accountd's last answer (with
 * "result", "route" or "error"); each event goes to progress.  The gateway's
 * login (route.c) follows its route job with it too. */
struct client;
int	shell_job_follow(struct client *cl, json_int_t job, uint64_t timeout_ms,
	    void (*progress)(void *, const char *), void *arg, json_t **done,
	    char *err, size_t errlen);
/* One event line on stderr, "meduse: " and the line quoted (a progress
 * function for shell_job_follow and route_resolve; arg is the ctx). */
void	shell_event(void *arg, const char *line);
/* A self.job (status, quota, start, stop, restart) followed to its end,
 * each event shown on stderr as it comes; *result is its outcome. */
int	shell_job(struct shell_ctx *ctx, const char *action, const char *ws,
	    json_t **result, char *err, size_t errlen);

/* prompt.c: the restricted prompt, fed with the bytes the user types. */
struct shell_prompt;
struct shell_prompt *shell_prompt_new(struct shell_ctx *ctx, bool echo,
	    const char *why);
/* Returns 1 while the prompt goes on, 0 when the user left (exit, ^D). */
int	shell_prompt_feed(struct shell_prompt *p, const char *buf, size_t len);
bool	shell_prompt_done(const struct shell_prompt *p);
int	shell_prompt_status(const struct shell_prompt *p);
void	shell_prompt_free(struct shell_prompt *p);

#endif
