/*
 * main.c: meduse-shell, meduse's restricted shell for stock OpenSSH.
 *
 *   ForceCommand /usr/local/bin/meduse-shell
 *   ExposeAuthInfo yes		(meduse keys add|rm: the login's key)
 *
 * sshd runs it as the user who logged in, with what the client asked for
 * in SSH_ORIGINAL_COMMAND.  "meduse ..." is a built-in, run here; anything
 * else (a shell, a command, sftp) is carried into the user's workspace
 * over SSH, started first if needed, the way the gateway does it
 * (sshd-plugin/route.c and upstream.c are linked in).  When an interactive
 * login cannot reach the workspace, the restricted prompt takes over.
 *
 * Trust boundary: it is installed setgid to accountd.gateway_group, so it
 * may speak for an account to accountd and read the account's gateway
 * key.  Hence the account is the real uid's user name, never an argument
 * or the environment, and the configuration (which names accountd's
 * socket) is the system's: -c and MEDUSE_CONFIG are refused while setgid.
 * Nothing the user sends is run here.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "file.h"
#include "log.h"
#include "text.h"
#include "../sshd-plugin/meduse-sshd.h"
#include "session.h"
#include "shell.h"

#define MSH_NAME	"meduse-shell"

#ifdef __SANITIZE_ADDRESS__
/* Sanitizer builds (make check): LeakSanitizer cannot inspect a setgid
 * process, which the kernel makes non-dumpable, and would fail the run. */
int	__lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return getegid() != getgid();
}
#endif

static void
msh_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: " MSH_NAME " [-c CONFIG]\n"
	    "       " MSH_NAME " -h | -V\n"
	    "\n"
	    "meduse's restricted shell for stock OpenSSH.  In sshd_config:\n"
	    "  ForceCommand /usr/local/bin/" MSH_NAME "\n"
	    "  ExposeAuthInfo yes\n"
	    "Install it setgid to accountd.gateway_group (chgrp meduse; chmod "
	    "2755).\n"
	    "\n"
	    "It reads SSH_ORIGINAL_COMMAND: \"meduse COMMAND\" runs a built-in\n"
	    "(meduse help lists them); anything else, and a login shell, runs\n"
	    "in the user's workspace, which is started first if needed.\n"
	    "\n"
	    "  -c CONFIG  configuration file (not while setgid)\n"
	    "  -h         this help\n"
	    "  -V         version\n");
}

static void
msh_out(void *arg, const char *buf, size_t len)
{
	(void)arg;
	if (fwrite(buf, 1, len, stdout) != len)
		return;
	fflush(stdout);
}

static void
msh_err(void *arg, const char *buf, size_t len)
{
	(void)arg;
	if (fwrite(buf, 1, len, stderr) != len)
		return;
	fflush(stderr);
}

/*
 * The login's key, from sshd's ExposeAuthInfo file: its first "publickey
 * TYPE BLOB" line.  Left empty without it (keys add and rm then say so).
 */
static void
msh_login_key(struct shell_ctx *ctx)
{
	const char *path = getenv("SSH_USER_AUTH");
	char *text = NULL, *line, *save = NULL, *save2 = NULL, *type, *blob;
	struct pubkey k;
	char err[256];
	size_t len;

	if (path == NULL || file_read(path, 65536, &text, &len, NULL, err,
	    sizeof(err)) == -1)
		return;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "publickey ", 10) != 0)
			continue;
		type = strtok_r(line + 10, " ", &save2);
		blob = strtok_r(NULL, " ", &save2);
		if (type != NULL && blob != NULL &&
		    keys_parse_parts(type, blob, &k, err, sizeof(err)) == 0) {
			snprintf(ctx->fingerprint, sizeof(ctx->fingerprint), "%s",
			    k.fingerprint);
			keys_free(&k);
		}
		break;
	}
	free(text);
}

/* A built-in: its status.  stdin is read whole first when it needs it. */
static int
msh_builtin(struct shell_ctx *ctx, const char *line)
{
	struct shell_cmd cmd;
	char err[256], *in = NULL;
	size_t len = 0;
	ssize_t n;
	int status;

	if (shell_parse(line, strlen(line), true, &cmd, err, sizeof(err)) == -1) {
		shell_eprintf(ctx, "meduse: %s\n", err);
		return SHELL_EXIT_USAGE;
	}
	if (shell_needs_input(&cmd)) {
		in = malloc(SHELL_MAX_INPUT + 1);
		while (in != NULL && len <= SHELL_MAX_INPUT &&
		    (n = read(STDIN_FILENO, in + len, SHELL_MAX_INPUT + 1 -
		    len)) != 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				break;
			len += (size_t)n;
			if (len > SHELL_MAX_INPUT) {
				free(in);
				shell_eprintf(ctx, "meduse: the input is over %d "
				    "bytes: send one public key\n",
				    SHELL_MAX_INPUT);
				return SHELL_EXIT_USAGE;
			}
		}
		if (in == NULL)
			return SHELL_EXIT_FAIL;
		in[len] = '\0';
	}
	status = shell_run(ctx, &cmd, in);
	free(in);
	return status;
}

/* Into the workspace: -1 with err when it cannot be reached. */
static int
msh_workspace(struct shell_ctx *ctx, const char *cmd, int *status,
    char *err, size_t errlen)
{
	struct session_req req = { .tty = isatty(STDIN_FILENO) != 0 };
	struct route r;
	ssh_session s = NULL;
	const char *base;
	pid_t pid = 0;
	size_t n;

	/* sshd gives a subsystem's configured command to a forced command:
	 * its first word, options aside, says it is sftp. */
	if (cmd != NULL) {
		n = strcspn(cmd, " \t");
		for (base = cmd + n; base > cmd && base[-1] != '/'; base--)
			;
		if ((size_t)(cmd + n - base) == strlen("sftp-server") &&
		    strncmp(base, "sftp-server", n - (size_t)(base - cmd)) == 0)
			req.subsystem = "sftp";
		else if (n == strlen("internal-sftp") &&
		    strncmp(cmd, "internal-sftp", n) == 0)
			req.subsystem = "sftp";
		else
			req.command = cmd;
	}
	if (route_resolve(ctx->cfg, ctx->account, ctx->workspace, true,
	    shell_event, ctx, &r, NULL, err, errlen) == -1)
		return -1;
	if (upstream_connect(ctx->cfg, &r, &s, &pid, err, errlen) == -1) {
		route_clear(&r);
		return -1;
	}
	route_clear(&r);
	*status = session_run(s, &req, err, errlen);
	if (*status == 255 && err[0] != '\0')
		shell_eprintf(ctx, "meduse: %s\n", err);
	ssh_disconnect(s);
	ssh_free(s);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	return 0;
}

static volatile sig_atomic_t	msh_interrupted;

static void
msh_on_int(int sig)
{
	(void)sig;
	msh_interrupted = 1;
}

/*
 * The restricted prompt on stdin, whose terminal echoes and edits by
 * itself.  ^C drops the line (the terminal sends SIGINT), as at the
 * gateway's prompt, instead of ending the session.
 */
static int
msh_prompt(struct shell_ctx *ctx, const char *why)
{
	struct shell_prompt *p;
	struct sigaction sa;
	char buf[4096], err[512];
	ssize_t n;
	int status = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = msh_on_int;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);	/* no SA_RESTART: read returns */
	/* The terminal's ^C goes to its foreground process group, which may
	 * hold the shell sshd ran us with (dash waits for its command and
	 * would die of it, ending the session): a group of our own, in the
	 * foreground, takes the signal alone. */
	if (setpgid(0, 0) == 0) {
		signal(SIGTTOU, SIG_IGN);
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
		signal(SIGTTOU, SIG_DFL);
	}
	if ((p = shell_prompt_new(ctx, false, why)) == NULL)
		return SHELL_EXIT_FAIL;
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == -1 && errno == EINTR) {
			if (msh_interrupted) {
				msh_interrupted = 0;
				(void)shell_prompt_feed(p, "\x03", 1);
			}
			continue;
		}
		if (n <= 0)
			break;
		if (shell_prompt_feed(p, buf, (size_t)n) == 1)
			continue;
		if (!ctx->ready)
			break;
		err[0] = '\0';
		if (msh_workspace(ctx, NULL, &status, err, sizeof(err)) == 0) {
			shell_prompt_free(p);
			return status;
		}
		shell_prompt_free(p);
		ctx->ready = false;
		if ((p = shell_prompt_new(ctx, false, err)) == NULL)
			return SHELL_EXIT_FAIL;
	}
	status = shell_prompt_status(p);
	shell_prompt_free(p);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct shell_ctx ctx;
	struct config *cfg;
	struct passwd *pw;
	const char *cli_path = NULL, *cmd;
	bool setgid_run = getegid() != getgid();
	char err[512];
	int ch, status;

	log_init(MSH_NAME, 0, LOG_LVL_WARN);
	while ((ch = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cli_path = optarg;
			break;
		case 'h':
			msh_usage(stdout);
			return 0;
		case 'V':
			printf(MSH_NAME " " MEDUSE_VERSION "\n");
			return 0;
		default:
			msh_usage(stderr);
			return SHELL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		msh_usage(stderr);
		return SHELL_EXIT_USAGE;
	}
	if (setgid_run && (cli_path != NULL || getenv("MEDUSE_CONFIG") != NULL)) {
		fprintf(stderr, "meduse: " MSH_NAME " is setgid: it reads only the "
		    "system's configuration (no -c, no MEDUSE_CONFIG)\n");
		return SHELL_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((cfg = config_load_report(cli_path, stderr)) == NULL) {
		fprintf(stderr, "meduse: the configuration cannot be used: ask an "
		    "admin\n");
		return SHELL_EXIT_FAIL;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.io.out = msh_out;
	ctx.io.err = msh_err;
	ctx.io.arg = &ctx;
	if ((pw = getpwuid(getuid())) == NULL ||
	    names_check_account(pw->pw_name, err, sizeof(err)) == -1) {
		fprintf(stderr, "meduse: this Unix user is not a meduse account "
		    "name: ask an admin\n");
		config_free(cfg);
		return SHELL_EXIT_FAIL;
	}
	snprintf(ctx.account, sizeof(ctx.account), "%s", pw->pw_name);
	msh_login_key(&ctx);

	cmd = getenv("SSH_ORIGINAL_COMMAND");
	if (cmd != NULL && shell_is_builtin(cmd, strlen(cmd)))
		status = msh_builtin(&ctx, cmd);
	else if (msh_workspace(&ctx, cmd, &status, err, sizeof(err)) == -1) {
		if (cmd == NULL && isatty(STDIN_FILENO))
			status = msh_prompt(&ctx, err);
		else {
			char q[400];

			shell_eprintf(&ctx, "meduse: cannot reach your workspace: "
			    "%s\n", text_quote(err, 300, q, sizeof(q)));
			status = 255;
		}
	}
	config_free(cfg);
	return status;
}
