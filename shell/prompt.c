/*
 * prompt.c: the restricted prompt an interactive login gets when its
 * workspace cannot be reached.  It offers the built-ins only.  It is fed
 * the bytes the user types, so it works inside the gateway's event loop as
 * well as on a file descriptor.  Under the gateway's pty there is no
 * terminal driver, so it echoes and edits the line itself (erase, ^U, ^C,
 * ^D); escape sequences (arrow keys) are swallowed, not inserted.
 */
#include <stdlib.h>
#include <string.h>

#include "shell.h"
#include "text.h"

#define PROMPT		"meduse> "
#define PROMPT_KEY	"key> "

struct shell_prompt {
	struct shell_ctx	*ctx;
	bool			 echo;		/* no terminal driver: we echo */
	bool			 want_key;	/* the next line is for keys add */
	bool			 after_cr;	/* a "\r\n" counts once */
	bool			 done;		/* the user left */
	int			 esc;		/* 0, 1 after ESC, 2 inside ESC [ */
	int			 status;	/* of the last command */
	size_t			 len;
	char			 line[CMDLINE_MAX_LEN];
};

static void
prompt_show(struct shell_prompt *p)
{
	shell_printf(p->ctx, "%s", p->want_key ? PROMPT_KEY : PROMPT);
}

struct shell_prompt *
shell_prompt_new(struct shell_ctx *ctx, bool echo, const char *why)
{
	struct shell_prompt *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ctx = ctx;
	p->echo = echo;
	ctx->prompt = true;
	if (why != NULL && *why != '\0') {
		char q[400];

		shell_eprintf(ctx, "meduse: cannot reach your workspace: %s\n",
		    text_quote(why, 300, q, sizeof(q)));
	}
	shell_printf(ctx, "This is meduse's restricted prompt: \"help\" lists "
	    "the commands, \"start\" starts your workspace, \"exit\" leaves.\n");
	prompt_show(p);
	return p;
}

/* A whole line: 0 when the user left, 1 to go on. */
static int
prompt_line(struct shell_prompt *p)
{
	struct shell_ctx *ctx = p->ctx;
	struct shell_cmd cmd;
	char err[256];

	if (p->want_key) {
		p->want_key = false;
		if (shell_parse("keys add", 8, false, &cmd, err,
		    sizeof(err)) == 0) {
			p->line[p->len] = '\0';
			p->status = shell_run(ctx, &cmd, p->line);
		}
		return 1;
	}
	if (shell_parse(p->line, p->len, false, &cmd, err, sizeof(err)) == -1) {
		shell_eprintf(ctx, "meduse: %s\n", err);
		p->status = SHELL_EXIT_USAGE;
		return 1;
	}
	if (cmd.b == NULL)
		return 1;		/* empty line */
	if (strcmp(cmd.b->word, "exit") == 0)
		return 0;
	if (shell_needs_input(&cmd)) {
		shell_printf(ctx, "Paste your new public key (one line, e.g. the "
		    "contents of ~/.ssh/id_ed25519.pub), then Enter:\n");
		p->want_key = true;
		return 1;
	}
	p->status = shell_run(ctx, &cmd, NULL);
	/* Started: the caller takes the user into the workspace. */
	return ctx->ready ? 0 : 1;
}

static void
prompt_erase(struct shell_prompt *p, size_t n)
{
	for (; n > 0 && p->len > 0; n--) {
		p->len--;
		if (p->echo)
			shell_printf(p->ctx, "\b \b");
	}
}

int
shell_prompt_feed(struct shell_prompt *p, const char *buf, size_t len)
{
	unsigned char ch;
	size_t i;

	if (p->done)
		return 0;
	for (i = 0; i < len; i++) {
		ch = (unsigned char)buf[i];
		if (p->esc == 1) {
			p->esc = ch == '[' || ch == 'O' ? 2 : 0;
			continue;
		}
		if (p->esc == 2) {
			if (ch >= 0x40 && ch <= 0x7e)
				p->esc = 0;
			continue;
		}
		if (ch == '\n' && p->after_cr) {
			p->after_cr = false;
			continue;
		}
		p->after_cr = ch == '\r';
		switch (ch) {
		case '\r':
		case '\n':
			if (p->echo)
				shell_printf(p->ctx, "\n");
			if (prompt_line(p) == 0) {
				p->done = !p->ctx->ready;
				return 0;
			}
			p->len = 0;
			prompt_show(p);
			break;
		case 0x7f:
		case '\b':
			prompt_erase(p, 1);
			break;
		case 0x15:		/* ^U */
			prompt_erase(p, p->len);
			break;
		case 0x03:		/* ^C */
			shell_printf(p->ctx, p->echo ? "^C\n" : "\n");
			p->len = 0;
			p->want_key = false;
			prompt_show(p);
			break;
		case 0x04:		/* ^D on an empty line */
			if (p->len == 0) {
				if (p->echo)
					shell_printf(p->ctx, "\n");
				p->done = true;
				return 0;
			}
			break;
		case 0x1b:
			p->esc = 1;
			break;
		default:
			if (ch < 0x20 || p->len + 1 >= sizeof(p->line))
				break;
			p->line[p->len++] = (char)ch;
			if (p->echo)
				p->ctx->io.out(p->ctx->io.arg, (const char *)&buf[i],
				    1);
			break;
		}
	}
	return 1;
}

bool
shell_prompt_done(const struct shell_prompt *p)
{
	return p->done;
}

int
shell_prompt_status(const struct shell_prompt *p)
{
	return p->status;
}

void
shell_prompt_free(struct shell_prompt *p)
{
	free(p);
}
