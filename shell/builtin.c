/*
 * builtin.c: meduse's built-in commands, one const table.  Each acts for
 * the login's account only, through accountd (api.c); none runs anything on
 * the host.  Output is for people first (aligned columns, one line of
 * reason on failure) but stays one record per line for scripts.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"

#define SHELL_LINE	1024

void
shell_printf(struct shell_ctx *ctx, const char *fmt, ...)
{
	char buf[SHELL_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		ctx->io.out(ctx->io.arg, buf, (size_t)n < sizeof(buf) ?
		    (size_t)n : sizeof(buf) - 1);
}

void
shell_eprintf(struct shell_ctx *ctx, const char *fmt, ...)
{
	char buf[SHELL_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		ctx->io.err(ctx->io.arg, buf, (size_t)n < sizeof(buf) ?
		    (size_t)n : sizeof(buf) - 1);
}

/* The name users connect to (gateway.public_host, else this host's),
 * for the ssh commands shown to them. */
static const char *
shell_host(const struct shell_ctx *ctx)
{
	static char host[256];

	if (ctx->cfg != NULL && ctx->cfg->gateway.public_host != NULL &&
	    ctx->cfg->gateway.public_host[0] != '\0')
		return ctx->cfg->gateway.public_host;
	if (host[0] == '\0' && (gethostname(host, sizeof(host) - 1) == -1 ||
	    host[0] == '\0'))
		snprintf(host, sizeof(host), "meduse");
	return host;
}

static const char *
str(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL && *s != '\0' ? s : dflt;
}

/* err may quote a peer (Coder, Kubernetes): shown quoted. */
static int
shell_fail(struct shell_ctx *ctx, const char *err)
{
	shell_event(ctx, err);
	return SHELL_EXIT_FAIL;
}

/* The workspace a command is about: its argument, else the login's. */
static const char *
shell_target(struct shell_ctx *ctx, int argc, char **argv)
{
	return argc > 1 ? argv[1] : ctx->workspace;
}

static int
b_status(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	char err[512];
	json_t *r, *w;
	size_t i;
	int wn = 9;

	(void)argc; (void)argv; (void)in;
	if (shell_job(ctx, "status", "", &r, err, sizeof(err)) == -1)
		return shell_fail(ctx, err);
	shell_printf(ctx, "account %s: %s%s%s\n", ctx->account,
	    str(r, "state", "?"), str(r, "expires", NULL) ? ", expires " : "",
	    str(r, "expires", ""));
	json_array_foreach(json_object_get(r, "workspaces"), i, w)
		if ((int)strlen(str(w, "name", "?")) + 2 > wn)
			wn = (int)strlen(str(w, "name", "?")) + 2;
	shell_printf(ctx, "%-*s %-10s %-14s %s\n", wn, "WORKSPACE", "STATE",
	    "AGENT", "TEMPLATE");
	json_array_foreach(json_object_get(r, "workspaces"), i, w) {
		char name[NAME_MAX_LEN + 3];

		snprintf(name, sizeof(name), "%s%s", str(w, "name", "?"),
		    json_is_true(json_object_get(w, "default")) ? " *" : "");
		shell_printf(ctx, "%-*s %-10s %-14s %s\n", wn, name,
		    str(w, "state", "unknown"), str(w, "agent", "-"),
		    str(w, "template", "-"));
	}
	shell_printf(ctx, "(* the default workspace: ssh %s@%s; another: "
	    "ssh %s+WORKSPACE@%s)\n", ctx->account, shell_host(ctx), ctx->account,
	    shell_host(ctx));
	json_decref(r);
	return SHELL_EXIT_OK;
}

/* One name per line, for scripts and completion. */
static int
b_workspaces(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	char err[512];
	json_t *r, *w;
	size_t i;

	(void)argc; (void)argv; (void)in;
	if (shell_job(ctx, "status", "", &r, err, sizeof(err)) == -1)
		return shell_fail(ctx, err);
	json_array_foreach(json_object_get(r, "workspaces"), i, w)
		shell_printf(ctx, "%s\t%s\n", str(w, "name", "?"),
		    str(w, "state", "unknown"));
	json_decref(r);
	return SHELL_EXIT_OK;
}

/* start, stop, restart: one job each, its progress on stderr. */
static int
b_transition(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	const char *ws = shell_target(ctx, argc, argv);
	char err[512];
	json_t *r;

	(void)in;
	if (*ws != '\0' && names_check_workspace(ws, err, sizeof(err)) == -1)
		return shell_fail(ctx, err);
	if (shell_job(ctx, argv[0], ws, &r, err, sizeof(err)) == -1)
		return shell_fail(ctx, err);
	shell_printf(ctx, "workspace %s: %s\n", str(r, "workspace", ws),
	    str(r, "state", "done"));
	/* The prompt may now take the user where the login meant to go:
	 * the login's own workspace, named or not (another one is only
	 * started: reaching it is another login, NAME+WS). */
	if (strcmp(argv[0], "stop") != 0 && (argc == 1 ||
	    strcmp(argv[1], ctx->workspace) == 0))
		ctx->ready = true;
	else if (ctx->prompt && strcmp(argv[0], "stop") != 0)
		shell_printf(ctx, "(to work there: ssh %s+%s@%s)\n",
		    ctx->account, argv[1], shell_host(ctx));
	json_decref(r);
	return SHELL_EXIT_OK;
}

static int
b_keys_list(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	char err[512];
	json_t *r, *k;
	size_t i;

	(void)argc; (void)argv; (void)in;
	if (shell_call(ctx, "self.keys", json_object(), &r, err,
	    sizeof(err)) == -1)
		return shell_fail(ctx, err);
	json_array_foreach(json_object_get(r, "keys"), i, k)
		shell_printf(ctx, "%s %s %s%s (added %s, last used %s)\n",
		    str(k, "fingerprint", "?"), str(k, "type", "?"),
		    str(k, "comment", "-"), strcmp(str(k, "fingerprint", ""),
		    ctx->fingerprint) == 0 ? " [this login]" : "",
		    str(k, "added", "?"), str(k, "last_used", "never"));
	json_decref(r);
	return SHELL_EXIT_OK;
}

/* keys add and rm are authorised by the key this login used. */
static int
shell_login_key(struct shell_ctx *ctx)
{
	if (ctx->fingerprint[0] != '\0')
		return 0;
	shell_fail(ctx, "the key of this login is unknown (under OpenSSH, "
	    "sshd needs ExposeAuthInfo yes): ask an admin");
	return -1;
}

static int
b_keys_add(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	char err[512];
	json_t *r;
	size_t n;

	(void)argc; (void)argv;
	if (shell_login_key(ctx) == -1)
		return SHELL_EXIT_FAIL;
	/* One key: the line as the user pasted it, a newline or two around
	 * it allowed; keys.c judges the rest. */
	while (in != NULL && (*in == '\n' || *in == '\r' || *in == ' '))
		in++;
	n = in != NULL ? strcspn(in, "\r\n") : 0;
	if (n == 0) {
		snprintf(err, sizeof(err), "no key given: send one public key on "
		    "stdin, e.g. ssh %s@%s meduse keys add < ~/.ssh/id_ed25519.pub",
		    ctx->account, shell_host(ctx));
		return shell_fail(ctx, err);
	}
	if (in[n] != '\0' && in[n + strspn(in + n, "\r\n \t")] != '\0')
		return shell_fail(ctx, "one key at a time: the input has more "
		    "than one line");
	if (shell_call(ctx, "self.key_add", json_pack("{s:s%, s:s}", "key", in,
	    n, "by", ctx->fingerprint), &r, err, sizeof(err)) == -1)
		return shell_fail(ctx, err);
	shell_printf(ctx, "added %s %s%s%s\n", str(r, "added", "?"),
	    str(r, "type", ""), *str(r, "comment", "") ? " " : "",
	    str(r, "comment", ""));
	json_decref(r);
	return SHELL_EXIT_OK;
}

static int
b_keys_rm(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	char err[512];
	json_t *r;

	(void)argc; (void)in;
	if (shell_login_key(ctx) == -1)
		return SHELL_EXIT_FAIL;
	if (shell_call(ctx, "self.key_rm", json_pack("{s:s, s:s}",
	    "fingerprint", argv[1], "by", ctx->fingerprint), &r, err,
	    sizeof(err)) == -1)
		return shell_fail(ctx, err);
	shell_printf(ctx, "removed %s (%lld key%s left)\n", str(r, "removed",
	    argv[1]), (long long)json_integer_value(json_object_get(r,
	    "keys_left")), json_integer_value(json_object_get(r,
	    "keys_left")) == 1 ? "" : "s");
	json_decref(r);
	return SHELL_EXIT_OK;
}

static int
b_quota(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	json_t *r, *hard, *used, *v;
	const char *key, *u;
	char err[512];

	(void)argc; (void)argv; (void)in;
	if (shell_job(ctx, "quota", "", &r, err, sizeof(err)) == -1)
		return shell_fail(ctx, err);
	hard = json_object_get(r, "hard");
	used = json_object_get(r, "used");
	shell_printf(ctx, "namespace %s\n", str(r, "namespace", "?"));
	shell_printf(ctx, "%-28s %12s %12s\n", "RESOURCE", "USED", "HARD");
	json_object_foreach(hard, key, v) {
		u = json_string_value(json_object_get(used, key));
		shell_printf(ctx, "%-28s %12s %12s\n", key, u ? u : "0",
		    json_string_value(v) ? json_string_value(v) : "?");
	}
	json_decref(r);
	return SHELL_EXIT_OK;
}

static int
b_help(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	const struct shell_builtin *b;
	char name[64];
	size_t i;

	(void)argc; (void)argv; (void)in;
	shell_printf(ctx, "meduse commands (%s: ssh %s@%s meduse COMMAND):\n",
	    ctx->prompt ? "here, type them with or without \"meduse\"; "
	    "from your computer" : "from your computer", ctx->account,
	    shell_host(ctx));
	for (i = 0; i < shell_nbuiltins; i++) {
		b = &shell_builtins[i];
		if (b->prompt_only && !ctx->prompt)
			continue;
		snprintf(name, sizeof(name), "%s%s%s%s%s", b->word,
		    b->sub ? " " : "", b->sub ? b->sub : "", *b->args ? " " : "",
		    b->args);
		shell_printf(ctx, "  %-26s %s\n", name, b->help);
	}
	shell_printf(ctx, "Any other command runs in your workspace: ssh %s@%s "
	    "COMMAND.\n", ctx->account, shell_host(ctx));
	return SHELL_EXIT_OK;
}

/* At the prompt: the prompt itself sees the status and ends. */
static int
b_exit(struct shell_ctx *ctx, int argc, char **argv, const char *in)
{
	(void)ctx; (void)argc; (void)argv; (void)in;
	return SHELL_EXIT_OK;
}

const struct shell_builtin shell_builtins[] = {
	{ "status", NULL, "", 0, 0, false, false, b_status,
	  "your account and your workspaces with their state" },
	{ "workspaces", NULL, "", 0, 0, false, false, b_workspaces,
	  "your workspaces, one per line: NAME<tab>STATE" },
	{ "start", NULL, "[WORKSPACE]", 0, 1, false, false, b_transition,
	  "start a workspace (default: this login's) and wait for it" },
	{ "stop", NULL, "[WORKSPACE]", 0, 1, false, false, b_transition,
	  "stop a workspace; your files in ~ stay" },
	{ "restart", NULL, "[WORKSPACE]", 0, 1, false, false, b_transition,
	  "stop, then start a workspace" },
	{ "keys", NULL, "", 0, 0, false, false, b_keys_list,
	  "same as keys list" },
	{ "keys", "list", "", 0, 0, false, false, b_keys_list,
	  "your SSH keys" },
	{ "keys", "add", "", 0, 0, true, false, b_keys_add,
	  "add the public key given on stdin (one line)" },
	{ "keys", "rm", "FINGERPRINT", 1, 1, false, false, b_keys_rm,
	  "remove a key (never your last one)" },
	{ "quota", NULL, "", 0, 0, false, false, b_quota,
	  "your namespace's quota and what is in use" },
	{ "help", NULL, "", 0, 1, false, false, b_help,
	  "this list" },
	{ "exit", NULL, "", 0, 0, false, true, b_exit,
	  "leave (also: Ctrl-D)" },
};
const size_t shell_nbuiltins = sizeof(shell_builtins) / sizeof(shell_builtins[0]);

int
shell_run(struct shell_ctx *ctx, const struct shell_cmd *cmd,
    const char *input)
{
	if (cmd->b == NULL)
		return SHELL_EXIT_OK;
	if (cmd->b->prompt_only && !ctx->prompt) {
		shell_eprintf(ctx, "meduse: \"%s\" is for the prompt only\n",
		    cmd->b->word);
		return SHELL_EXIT_USAGE;
	}
	return cmd->b->fn(ctx, cmd->argc, cmd->argv, input);
}
