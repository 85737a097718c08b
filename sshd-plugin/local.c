/*
 * local.c: what the gateway answers itself, with no workspace behind it.
 *
 * - meduse's built-ins (`ssh alice@meduse meduse status`), on a session
 *   channel of their own, whether or not a workspace is connected: the
 *   exec request never reaches the workspace (channel.c hands it here).
 * - Logins without a route (conn.c).  Either the workspace is not running
 *   ("deferred": the login only looked, so that `meduse stop` does not
 *   first start it): the first session that needs the workspace starts it,
 *   with the progress on that session's stderr, and the connection becomes
 *   a relay.  Or it cannot be reached at all: an interactive shell (with a
 *   pty) gets the restricted prompt, anything else the reason on stderr
 *   and exit status 255, as ssh's own when it cannot connect.  A client
 *   that opens no session (ssh -N) is told with a disconnect after
 *   LOCAL_WAIT_MS, or, deferred, gets its workspace started then.
 *
 * Requests are a const table; anything else is refused.  Work is done in
 * local_step() from the connection's loop, never inside libssh's
 * callbacks: a built-in may wait on accountd and flush output.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "meduse-sshd.h"
#include "local.h"

#define LOCAL_WAIT_MS	10000	/* for a session channel, after the login */

static int64_t local_deadline_ms;

typedef int (*local_fn)(struct conn *, ssh_message, struct lsess *);

struct local_entry {
	int		 type;
	int		 subtype;
	bool		 needs_sess;	/* a request on one of our channels */
	local_fn	 fn;
};

/* The deprecated accessors are libssh 0.10's only way to the pty fields. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void
local_pty_fields(ssh_message msg, struct lsess *ls)
{
	const char *term = ssh_message_channel_request_pty_term(msg);

	snprintf(ls->term, sizeof(ls->term), "%s", term ? term : "xterm");
	ls->width = ssh_message_channel_request_pty_width(msg);
	ls->height = ssh_message_channel_request_pty_height(msg);
}
#pragma GCC diagnostic pop

static int
local_open(struct conn *c, ssh_message msg, struct lsess *ls)
{
	ssh_channel ch;

	(void)ls;
	if (lsess_count(c) >= c->cfg->gateway.max_sessions ||
	    (ch = ssh_message_channel_request_open_reply_accept(msg)) == NULL) {
		ssh_message_reply_default(msg);
		return 0;
	}
	lsess_new(c, ch, false);
	return 0;
}

static int
local_pty(struct conn *c, ssh_message msg, struct lsess *ls)
{
	(void)c;
	ls->pty = true;
	local_pty_fields(msg, ls);
	ssh_message_channel_request_reply_success(msg);
	return 0;
}

static int
local_window(struct conn *c, ssh_message msg, struct lsess *ls)
{
	char term[sizeof(ls->term)];

	(void)c;
	memcpy(term, ls->term, sizeof(term));
	local_pty_fields(msg, ls);
	memcpy(ls->term, term, sizeof(term));
	ssh_message_channel_request_reply_success(msg);
	return 0;
}

/* Kept for the workspace, through the same allowlist as channel.c's. */
static int
local_env(struct conn *c, ssh_message msg, struct lsess *ls)
{
	const char *name = ssh_message_channel_request_env_name(msg);
	const char *value = ssh_message_channel_request_env_value(msg);
	const struct config_strings *allow = &c->cfg->gateway.env_allow;
	size_t i;

	for (i = 0; name != NULL && value != NULL && i < allow->n; i++)
		if (fnmatch(allow->v[i], name, 0) == 0)
			break;
	if (name == NULL || value == NULL || i == allow->n ||
	    lsess_env_add(ls, name, value) == -1) {
		ssh_message_reply_default(msg);
		return 0;
	}
	ssh_message_channel_request_reply_success(msg);
	return 0;
}

/* shell, exec, subsystem: answered at once, worked on in local_step(). */
static int
local_request(struct conn *c, ssh_message msg, struct lsess *ls)
{
	const char *arg = NULL;
	int subtype = ssh_message_subtype(msg);

	(void)c;
	if (ls->req != LREQ_NONE) {
		ssh_message_reply_default(msg);
		return 0;
	}
	if (subtype == SSH_CHANNEL_REQUEST_EXEC) {
		ls->req = LREQ_EXEC;
		arg = ssh_message_channel_request_command(msg);
	} else if (subtype == SSH_CHANNEL_REQUEST_SUBSYSTEM) {
		ls->req = LREQ_SUBSYSTEM;
		arg = ssh_message_channel_request_subsystem(msg);
	} else
		ls->req = LREQ_SHELL;
	if (ls->req != LREQ_SHELL && (arg == NULL ||
	    lsess_set_arg(ls, arg) == -1)) {
		ls->req = LREQ_NONE;
		ssh_message_reply_default(msg);
		return 0;
	}
	ssh_message_channel_request_reply_success(msg);
	return 0;
}

/*
 * A deferred login's forward (-L, -D, -R, VS Code's tunnels): the
 * workspace is started now, with no session to show progress on, and the
 * request is then relayed like any other.
 */
static int
local_forward(struct conn *c, ssh_message msg, struct lsess *ls)
{
	char err[512];

	(void)ls;
	if (!c->deferred || conn_connect(c, NULL, NULL, err, sizeof(err)) == -1)
		return 1;
	c->local = false;
	return channel_message(c->client, msg, c);
}

static const struct local_entry local_table[] = {
	{ SSH_REQUEST_CHANNEL_OPEN, SSH_CHANNEL_SESSION, false, local_open },
	{ SSH_REQUEST_CHANNEL_OPEN, SSH_CHANNEL_DIRECT_TCPIP, false,
	  local_forward },
	{ SSH_REQUEST_GLOBAL, SSH_GLOBAL_REQUEST_TCPIP_FORWARD, false,
	  local_forward },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_PTY, true, local_pty },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_ENV, true, local_env },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_WINDOW_CHANGE, true,
	  local_window },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_SHELL, true, local_request },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_EXEC, true, local_request },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_SUBSYSTEM, true,
	  local_request },
};

bool
local_owns(struct conn *c, ssh_message msg)
{
	return c->lsess != NULL && ssh_message_type(msg) == SSH_REQUEST_CHANNEL &&
	    lsess_find(c, ssh_message_channel_request_channel(msg)) != NULL;
}

int
local_message(struct conn *c, ssh_message msg)
{
	int type = ssh_message_type(msg), subtype = ssh_message_subtype(msg);
	struct lsess *ls = NULL;
	size_t i;

	for (i = 0; i < sizeof(local_table) / sizeof(local_table[0]); i++) {
		if (local_table[i].type != type ||
		    local_table[i].subtype != subtype)
			continue;
		if (local_table[i].needs_sess && (ls = lsess_find(c,
		    ssh_message_channel_request_channel(msg))) == NULL)
			return 1;
		return local_table[i].fn(c, msg, ls);
	}
	return 1;	/* libssh's default: refused */
}

/*
 * Runs a connection that has no workspace yet.  Returns 1 once it relays
 * (a deferred workspace was started: conn.c goes on with its relay loop),
 * 0 when it is over.
 */
int
local_run_conn(struct conn *c)
{
	char reason[640], err[512];
	bool told = false;

	c->idle_since_ms = conn_now_ms();
	c->ka_next_ms = c->idle_since_ms + (int64_t)c->cfg->gateway.keepalive_ms;
	local_deadline_ms = conn_now_ms() + LOCAL_WAIT_MS;
	while (!c->closing && ssh_is_connected(c->client)) {
		if (ssh_event_dopoll(c->event, 200) == SSH_ERROR &&
		    !ssh_is_connected(c->client))
			return 0;
		local_step(c);
		if (!c->local)
			return 1;
		if (lsess_count(c) > 0)
			local_deadline_ms = 0;
		/* Sessions told and closed, none left open: the client ends
		 * the connection itself once it has read everything; closing
		 * first could drop what is still in libssh's buffer. */
		if (c->local_told > 0 && lsess_count(c) == 0) {
			told = true;
			(void)ssh_blocking_flush(c->client, 2000);
			local_deadline_ms = conn_now_ms() + 2000;
			while (ssh_is_connected(c->client) &&
			    conn_now_ms() < local_deadline_ms &&
			    ssh_event_dopoll(c->event, 100) != SSH_ERROR)
				;
			break;
		}
		if (local_deadline_ms != 0 && conn_now_ms() >= local_deadline_ms) {
			/* ssh -N: a deferred workspace is started for its
			 * forwards; otherwise the user is told why not. */
			if (c->deferred && conn_connect(c, NULL, NULL, err,
			    sizeof(err)) == 0) {
				c->local = false;
				return 1;
			}
			break;
		}
		if (conn_timers(c) == -1)
			return 0;
	}
	if (!told && ssh_is_connected(c->client) && !c->closing) {
		snprintf(reason, sizeof(reason), "meduse: cannot reach your "
		    "workspace: %s", c->route_err);
		conn_disconnect(c, reason);
	}
	return 0;
}
