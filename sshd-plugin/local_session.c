/*
 * local_session.c: the work of the sessions the gateway answers itself
 * (see local.c).  Each is advanced by local_step() after a poll round:
 * its input is read out of libssh's buffer here (no data callback), so
 * bytes that came before we knew what the session is stay buffered and
 * reach the workspace if the session turns out to be for it.
 *
 * Output under a pty gets "\r\n" line ends: there is no terminal driver on
 * the gateway to add them.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "text.h"
#include "meduse-sshd.h"
#include "local.h"
#include "xmalloc.h"

static void
lsess_write(struct lsess *ls, const char *buf, size_t len, bool is_err)
{
	const char *nl;
	size_t n;

	if (ls->ch == NULL || ssh_channel_is_closed(ls->ch))
		return;
	while (len > 0) {
		nl = ls->pty ? memchr(buf, '\n', len) : NULL;
		n = nl != NULL ? (size_t)(nl - buf) : len;
		if (n > 0)
			(void)(is_err ? ssh_channel_write_stderr(ls->ch, buf,
			    (uint32_t)n) : ssh_channel_write(ls->ch, buf,
			    (uint32_t)n));
		if (nl != NULL) {
			(void)(is_err ? ssh_channel_write_stderr(ls->ch, "\r\n", 2) :
			    ssh_channel_write(ls->ch, "\r\n", 2));
			n++;
		}
		buf += n;
		len -= n;
	}
	/* Progress must show while a built-in waits on accountd. */
	(void)ssh_blocking_flush(ls->conn->client, 5000);
}

static void
lsess_out(void *arg, const char *buf, size_t len)
{
	lsess_write(arg, buf, len, false);
}

static void
lsess_err(void *arg, const char *buf, size_t len)
{
	lsess_write(arg, buf, len, true);
}

static void
lsess_agent_req(ssh_session s, ssh_channel ch, void *ud)
{
	(void)s;
	(void)ch;
	((struct lsess *)ud)->agent = true;
}

struct lsess *
lsess_new(struct conn *c, ssh_channel ch, bool pty)
{
	struct lsess *ls = xcalloc(1, sizeof(*ls));

	ls->conn = c;
	ls->ch = ch;
	ls->pty = pty;
	ls->cb.userdata = ls;
	ls->cb.channel_auth_agent_req_function = lsess_agent_req;
	ssh_callbacks_init(&ls->cb);
	ssh_set_channel_callbacks(ch, &ls->cb);
	ls->ctx.cfg = c->cfg;
	snprintf(ls->ctx.account, sizeof(ls->ctx.account), "%s", c->account);
	snprintf(ls->ctx.workspace, sizeof(ls->ctx.workspace), "%s",
	    c->workspace);
	snprintf(ls->ctx.fingerprint, sizeof(ls->ctx.fingerprint), "%s",
	    c->fingerprint);
	ls->ctx.io.arg = ls;
	ls->ctx.io.out = lsess_out;
	ls->ctx.io.err = lsess_err;
	ls->next = c->lsess;
	c->lsess = ls;
	return ls;
}

struct lsess *
lsess_find(struct conn *c, ssh_channel ch)
{
	struct lsess *ls;

	for (ls = c->lsess; ls != NULL; ls = ls->next)
		if (ls->ch == ch)
			return ls;
	return NULL;
}

int
lsess_count(const struct conn *c)
{
	const struct lsess *ls;
	int n = 0;

	for (ls = c->lsess; ls != NULL; ls = ls->next)
		n++;
	return n;
}

int
lsess_env_add(struct lsess *ls, const char *name, const char *value)
{
	if (ls->nenv == LSESS_MAX_ENV)
		return -1;
	ls->env[ls->nenv][0] = xstrdup(name);
	ls->env[ls->nenv][1] = xstrdup(value);
	ls->nenv++;
	return 0;
}

int
lsess_set_arg(struct lsess *ls, const char *arg)
{
	free(ls->arg);
	ls->arg = xstrdup(arg);
	return 0;
}

/* Unlinks and frees; the channel too unless keep (it moved to the relay). */
static void
lsess_free(struct lsess *ls, bool keep)
{
	struct lsess **pp;
	int i;

	for (pp = &ls->conn->lsess; *pp != NULL; pp = &(*pp)->next)
		if (*pp == ls) {
			*pp = ls->next;
			break;
		}
	if (ls->ch != NULL) {
		ssh_remove_channel_callbacks(ls->ch, &ls->cb);
		if (!keep)
			ssh_channel_free(ls->ch);
	}
	for (i = 0; i < ls->nenv; i++) {
		free(ls->env[i][0]);
		free(ls->env[i][1]);
	}
	shell_prompt_free(ls->prompt);
	free(ls->arg);
	free(ls->in);
	free(ls);
}

/* The end of a session: its exit status, EOF and CLOSE. */
static void
lsess_finish(struct lsess *ls, int status)
{
	if (ls->ch != NULL && !ssh_channel_is_closed(ls->ch)) {
		ssh_channel_request_send_exit_status(ls->ch, status);
		ssh_channel_send_eof(ls->ch);
		ssh_channel_close(ls->ch);
		(void)ssh_blocking_flush(ls->conn->client, 2000);
	}
	ls->conn->local_told++;
	lsess_free(ls, false);
}

/* Why the workspace is out of reach, exit status 255 (ssh's own). */
static void
lsess_tell(struct lsess *ls, const char *why)
{
	struct conn *c = ls->conn;

	char q[400];

	shell_eprintf(&ls->ctx, "meduse: cannot reach your workspace: %s\n",
	    text_quote(why, 300, q, sizeof(q)));
	log_info("user %s from %s: told why the workspace is out of reach",
	    c->login, c->peer);
	lsess_finish(ls, 255);
}

static void
lsess_progress(void *arg, const char *line)
{
	shell_event(&((struct lsess *)arg)->ctx, line);
}

/*
 * Takes the session into the workspace: starts it if needed (progress on
 * the session's stderr), opens the twin channel, replays what the client
 * asked for before (pty, env, agent) and its shell, exec or subsystem.
 * On success the session is a relayed channel and ls is gone.
 */
static int
lsess_connect(struct lsess *ls, char *err, size_t errlen)
{
	struct conn *c = ls->conn;
	struct relay_chan *rc;
	ssh_channel up = NULL;
	int i, r = SSH_ERROR;

	if (conn_connect(c, lsess_progress, ls, err, errlen) == -1)
		return -1;
	if ((up = ssh_channel_new(c->upstream)) == NULL)
		goto fail;
	ssh_set_blocking(c->upstream, 1);
	if (ssh_channel_open_session(up) != SSH_OK)
		goto fail_blocking;
	if (ls->pty && ssh_channel_request_pty_size(up, ls->term, ls->width,
	    ls->height) != SSH_OK)
		goto fail_blocking;
	for (i = 0; i < ls->nenv; i++)
		(void)ssh_channel_request_env(up, ls->env[i][0], ls->env[i][1]);
	if (ls->agent && ssh_channel_request_auth_agent(up) == SSH_OK)
		c->agent_forwarding = true;
	switch (ls->req) {
	case LREQ_EXEC:
		r = ssh_channel_request_exec(up, ls->arg);
		break;
	case LREQ_SUBSYSTEM:
		r = ssh_channel_request_subsystem(up, ls->arg);
		break;
	default:
		r = ssh_channel_request_shell(up);
		break;
	}
fail_blocking:
	ssh_set_blocking(c->upstream, 0);
	if (r != SSH_OK)
		goto fail;
	log_info("user %s from %s: session in the workspace, once started",
	    c->login, c->peer);
	c->local = false;
	c->deferred = false;
	rc = relay_chan_new(c, "session", ls->ch, up);
	rc->pty = ls->pty;
	relay_chan_late_status(rc);
	lsess_free(ls, true);
	return 0;
fail:
	if (up != NULL)
		ssh_channel_free(up);
	snprintf(err, errlen, "the workspace refused the session (%s)",
	    ssh_get_error(c->upstream));
	return -1;
}

static void
lsess_prompt(struct lsess *ls, const char *why)
{
	ls->st = LS_PROMPT;
	ls->ctx.ready = false;
	shell_prompt_free(ls->prompt);
	ls->prompt = shell_prompt_new(&ls->ctx, true, why);
	log_info("user %s from %s: restricted prompt", ls->conn->login,
	    ls->conn->peer);
}

/* The session's request came: decide what it is. */
static void
lsess_start(struct lsess *ls)
{
	struct conn *c = ls->conn;
	char err[512];

	if (ls->req == LREQ_EXEC && shell_is_builtin(ls->arg, strlen(ls->arg))) {
		if (shell_parse(ls->arg, strlen(ls->arg), true, &ls->cmd, err,
		    sizeof(err)) == -1) {
			shell_eprintf(&ls->ctx, "meduse: %s\n", err);
			lsess_finish(ls, SHELL_EXIT_USAGE);
			return;
		}
		log_info("user %s from %s: meduse %s%s%s", c->login, c->peer,
		    ls->cmd.b->word, ls->cmd.b->sub ? " " : "",
		    ls->cmd.b->sub ? ls->cmd.b->sub : "");
		if (shell_needs_input(&ls->cmd)) {
			ls->st = LS_INPUT;
			/* Under a pty the client sends no EOF, only keys. */
			if (ls->pty)
				shell_printf(&ls->ctx, "Paste your new public key "
				    "(one line), then Enter:\n");
			return;
		}
		lsess_finish(ls, shell_run(&ls->ctx, &ls->cmd, NULL));
		return;
	}
	/* Deferred, or connected meanwhile by another session of this
	 * connection (ControlMaster, VS Code): into the workspace. */
	if (c->deferred || c->upstream != NULL) {
		if (lsess_connect(ls, err, sizeof(err)) == 0)
			return;
	} else
		snprintf(err, sizeof(err), "%s", c->route_err);
	if (ls->req == LREQ_SHELL && ls->pty)
		lsess_prompt(ls, err);
	else
		lsess_tell(ls, err);
}

/* Input for a built-in or the prompt: what libssh holds, read out. */
static void
lsess_input(struct lsess *ls)
{
	char buf[4096];
	int n;

	while ((n = ssh_channel_read_nonblocking(ls->ch, buf, sizeof(buf),
	    0)) > 0) {
		ls->conn->data_seen = true;
		if (ls->st == LS_PROMPT) {
			if (shell_prompt_feed(ls->prompt, buf, (size_t)n) == 0)
				return;
			continue;
		}
		if (ls->inlen + (size_t)n > SHELL_MAX_INPUT) {
			ls->in_over = true;
			continue;
		}
		ls->in = xreallocarray(ls->in, ls->inlen + (size_t)n + 1, 1);
		memcpy(ls->in + ls->inlen, buf, (size_t)n);
		ls->inlen += (size_t)n;
		ls->in[ls->inlen] = '\0';
	}
}

static void
lsess_step(struct lsess *ls)
{
	char err[512];

	if (ls->ch == NULL || ssh_channel_is_closed(ls->ch)) {
		lsess_free(ls, false);
		return;
	}
	switch (ls->st) {
	case LS_WAIT:
		if (ls->req != LREQ_NONE)
			lsess_start(ls);
		return;
	case LS_INPUT:
		lsess_input(ls);
		/* Under a pty the line is the input (Enter or ^D ends it). */
		if (!ssh_channel_is_eof(ls->ch) && !(ls->pty && ls->in != NULL &&
		    strpbrk(ls->in, "\r\n\x04") != NULL))
			return;
		if (ls->pty && ls->in != NULL)
			ls->in[strcspn(ls->in, "\x04")] = '\0';
		if (ls->in_over) {
			shell_eprintf(&ls->ctx, "meduse: the input is over %d "
			    "bytes: send one public key\n", SHELL_MAX_INPUT);
			lsess_finish(ls, SHELL_EXIT_USAGE);
			return;
		}
		lsess_finish(ls, shell_run(&ls->ctx, &ls->cmd, ls->in ? ls->in :
		    ""));
		return;
	case LS_PROMPT:
		lsess_input(ls);
		if (ls->ctx.ready) {
			/* `start` worked: into the workspace, as the login
			 * meant; on failure, back to the prompt. */
			if (lsess_connect(ls, err, sizeof(err)) == 0)
				return;
			lsess_prompt(ls, err);
			return;
		}
		if (ssh_channel_is_eof(ls->ch) || (ls->prompt != NULL &&
		    shell_prompt_done(ls->prompt)))
			lsess_finish(ls, ls->prompt ? shell_prompt_status(
			    ls->prompt) : 0);
		return;
	}
}

void
local_step(struct conn *c)
{
	struct lsess *ls, *next;

	/* A step may add sessions (libssh dispatches while output is
	 * flushed); they are at the head and wait for the next round. */
	for (ls = c->lsess; ls != NULL; ls = next) {
		next = ls->next;
		lsess_step(ls);
	}
}

/* channel.c: an exec of "meduse ..." on a relayed session. */
void
local_builtin(struct conn *c, ssh_channel ch, const char *cmd, bool pty)
{
	struct lsess *ls = lsess_new(c, ch, pty);

	ls->req = LREQ_EXEC;
	(void)lsess_set_arg(ls, cmd);
}

void
local_close_all(struct conn *c)
{
	while (c->lsess != NULL)
		lsess_free(c->lsess, false);
}
