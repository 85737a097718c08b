/*
 * channel.c: what the client may ask for, as one const table.  Each entry
 * names a libssh message type and subtype (a channel type, a channel request
 * or a global request) and its handler; anything not in the table is
 * refused at once, with a log line naming it.  Handlers forward the request
 * to the upstream twin and give the client the upstream's answer, so a
 * refusal by the workspace's sshd looks exactly like a refusal by sshd.
 *
 * Trust boundary: requests come from an authenticated but untrusted client;
 * their strings reach only libssh (the upstream), never a shell or a file
 * here.  Environment variables pass an allowlist first.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "meduse-sshd.h"

typedef int (*channel_fn)(struct conn *, ssh_message);

struct channel_entry {
	int		 type;		/* SSH_REQUEST_CHANNEL_OPEN, _CHANNEL, _GLOBAL */
	int		 subtype;	/* SSH_CHANNEL_*, SSH_CHANNEL_REQUEST_*, ... */
	const char	*name;		/* the protocol's name, for logs */
	channel_fn	 fn;		/* replies to the message itself */
};

/* Variables a client may set upstream (OpenSSH's AcceptEnv is applied there too). */
static const char *const channel_env_allow[] = {
	"LANG", "LC_*", "LANGUAGE", "TERM", "COLORTERM", "TZ", "GIT_PROTOCOL",
	"TERM_PROGRAM", "TERM_PROGRAM_VERSION", "VSCODE_*", NULL
};

/* libssh 0.10 marks the pty accessors deprecated; they are the only way to
 * read a message's pty-req and window-change fields. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void
channel_pty_fields(ssh_message msg, const char **term, int *w, int *h)
{
	if (term != NULL)
		*term = ssh_message_channel_request_pty_term(msg);
	*w = ssh_message_channel_request_pty_width(msg);
	*h = ssh_message_channel_request_pty_height(msg);
}
#pragma GCC diagnostic pop

static struct relay_chan *
channel_find(struct conn *c, ssh_message msg)
{
	ssh_channel down = ssh_message_channel_request_channel(msg);
	struct relay_chan *rc;

	for (rc = c->chans; rc != NULL; rc = rc->next)
		if (rc->down == down)
			return rc;
	return NULL;
}

/* The upstream's answer to a request we forward, as 0 / -1. */
static int
channel_up_result(struct conn *c, int r)
{
	(void)c;
	return r == SSH_OK ? 0 : -1;
}

static void
channel_up_blocking(struct conn *c, int on)
{
	ssh_set_blocking(c->upstream, on);
}

static int
channel_reply(ssh_message msg, int ok)
{
	if (ok == 0)
		ssh_message_channel_request_reply_success(msg);
	else
		ssh_message_reply_default(msg);
	return 0;
}

static int
channel_open_check(struct conn *c, ssh_message msg, const char *what)
{
	if (c->nchans >= c->cfg->gateway.max_sessions) {
		log_info("user %s from %s: %s refused (max_sessions %d reached)",
		    c->login, c->peer, what, c->cfg->gateway.max_sessions);
		ssh_message_reply_default(msg);
		return -1;
	}
	if (conn_upstream_ensure(c) == -1) {
		ssh_message_reply_default(msg);
		return -1;
	}
	return 0;
}

static int
chan_open_session(struct conn *c, ssh_message msg)
{
	ssh_channel up, down;
	int r;

	if (channel_open_check(c, msg, "session") == -1)
		return 0;
	if ((up = ssh_channel_new(c->upstream)) == NULL) {
		ssh_message_reply_default(msg);
		return 0;
	}
	channel_up_blocking(c, 1);
	r = ssh_channel_open_session(up);
	channel_up_blocking(c, 0);
	if (r != SSH_OK) {
		log_info("user %s from %s: session refused by the workspace: %s",
		    c->login, c->peer, ssh_get_error(c->upstream));
		ssh_channel_free(up);
		ssh_message_reply_default(msg);
		return 0;
	}
	if ((down = ssh_message_channel_request_open_reply_accept(msg)) == NULL) {
		ssh_channel_close(up);
		ssh_channel_free(up);
		return 0;
	}
	relay_chan_new(c, "session", down, up);
	return 0;
}

static int
chan_open_direct_tcpip(struct conn *c, ssh_message msg)
{
	const char *dst = ssh_message_channel_request_open_destination(msg);
	const char *org = ssh_message_channel_request_open_originator(msg);
	int dport = ssh_message_channel_request_open_destination_port(msg);
	int oport = ssh_message_channel_request_open_originator_port(msg);
	ssh_channel up, down;
	int r;

	if (channel_open_check(c, msg, "direct-tcpip") == -1)
		return 0;
	if (dst == NULL || org == NULL || (up = ssh_channel_new(c->upstream)) == NULL) {
		ssh_message_reply_default(msg);
		return 0;
	}
	channel_up_blocking(c, 1);
	r = ssh_channel_open_forward(up, dst, dport, org, oport);
	channel_up_blocking(c, 0);
	if (r != SSH_OK) {
		log_info("user %s from %s: direct-tcpip to %s:%d refused by the "
		    "workspace", c->login, c->peer, dst, dport);
		ssh_channel_free(up);
		ssh_message_reply_default(msg);
		return 0;
	}
	if ((down = ssh_message_channel_request_open_reply_accept(msg)) == NULL) {
		ssh_channel_close(up);
		ssh_channel_free(up);
		return 0;
	}
	log_info("user %s from %s: direct-tcpip to %s:%d", c->login, c->peer,
	    dst, dport);
	relay_chan_new(c, "direct-tcpip", down, up);
	return 0;
}

static int
chan_req_pty(struct conn *c, ssh_message msg)
{
	struct relay_chan *rc = channel_find(c, msg);
	const char *term = NULL;
	int w, h, r;

	if (rc == NULL)
		return channel_reply(msg, -1);
	channel_pty_fields(msg, &term, &w, &h);
	/* libssh 0.10's server API does not expose the client's terminal
	 * modes; the workspace's sshd applies its defaults. */
	channel_up_blocking(c, 1);
	r = ssh_channel_request_pty_size(rc->up, term != NULL ? term : "xterm", w, h);
	channel_up_blocking(c, 0);
	return channel_reply(msg, channel_up_result(c, r));
}

static int
chan_req_window_change(struct conn *c, ssh_message msg)
{
	struct relay_chan *rc = channel_find(c, msg);
	int w, h;

	if (rc == NULL)
		return channel_reply(msg, -1);
	channel_pty_fields(msg, NULL, &w, &h);
	return channel_reply(msg, channel_up_result(c,
	    ssh_channel_change_pty_size(rc->up, w, h)));
}

static int
chan_req_env(struct conn *c, ssh_message msg)
{
	struct relay_chan *rc = channel_find(c, msg);
	const char *name = ssh_message_channel_request_env_name(msg);
	const char *value = ssh_message_channel_request_env_value(msg);
	size_t i;
	int r;

	if (rc == NULL || name == NULL || value == NULL)
		return channel_reply(msg, -1);
	for (i = 0; channel_env_allow[i] != NULL; i++)
		if (fnmatch(channel_env_allow[i], name, 0) == 0)
			break;
	if (channel_env_allow[i] == NULL) {
		log_debug("user %s from %s: env %.64s not allowed", c->login,
		    c->peer, name);
		return channel_reply(msg, -1);
	}
	channel_up_blocking(c, 1);
	r = ssh_channel_request_env(rc->up, name, value);
	channel_up_blocking(c, 0);
	return channel_reply(msg, channel_up_result(c, r));
}

static int
chan_req_shell(struct conn *c, ssh_message msg)
{
	struct relay_chan *rc = channel_find(c, msg);
	int r;

	if (rc == NULL)
		return channel_reply(msg, -1);
	channel_up_blocking(c, 1);
	r = ssh_channel_request_shell(rc->up);
	channel_up_blocking(c, 0);
	log_info("user %s from %s: shell%s", c->login, c->peer,
	    r == SSH_OK ? "" : " refused by the workspace");
	return channel_reply(msg, channel_up_result(c, r));
}

static int
chan_req_exec(struct conn *c, ssh_message msg)
{
	struct relay_chan *rc = channel_find(c, msg);
	const char *cmd = ssh_message_channel_request_command(msg);
	int r;

	if (rc == NULL || cmd == NULL)
		return channel_reply(msg, -1);
	channel_up_blocking(c, 1);
	r = ssh_channel_request_exec(rc->up, cmd);
	channel_up_blocking(c, 0);
	/* The command is the user's business and may hold secrets: its
	 * length is logged, not its text. */
	log_info("user %s from %s: exec (%zu bytes)%s", c->login, c->peer,
	    strlen(cmd), r == SSH_OK ? "" : " refused by the workspace");
	return channel_reply(msg, channel_up_result(c, r));
}

static int
chan_req_subsystem(struct conn *c, ssh_message msg)
{
	struct relay_chan *rc = channel_find(c, msg);
	const char *name = ssh_message_channel_request_subsystem(msg);
	int r;

	if (rc == NULL || name == NULL)
		return channel_reply(msg, -1);
	channel_up_blocking(c, 1);
	r = ssh_channel_request_subsystem(rc->up, name);
	channel_up_blocking(c, 0);
	log_info("user %s from %s: subsystem %.64s%s", c->login, c->peer, name,
	    r == SSH_OK ? "" : " refused by the workspace");
	return channel_reply(msg, channel_up_result(c, r));
}

static const struct channel_entry channel_table[] = {
	{ SSH_REQUEST_CHANNEL_OPEN, SSH_CHANNEL_SESSION, "session",
	    chan_open_session },
	{ SSH_REQUEST_CHANNEL_OPEN, SSH_CHANNEL_DIRECT_TCPIP, "direct-tcpip",
	    chan_open_direct_tcpip },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_PTY, "pty-req", chan_req_pty },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_WINDOW_CHANGE, "window-change",
	    chan_req_window_change },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_ENV, "env", chan_req_env },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_SHELL, "shell", chan_req_shell },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_EXEC, "exec", chan_req_exec },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_SUBSYSTEM, "subsystem",
	    chan_req_subsystem },
};

static const char *
channel_type_name(int type, int subtype)
{
	switch (type) {
	case SSH_REQUEST_CHANNEL_OPEN:
		switch (subtype) {
		case SSH_CHANNEL_FORWARDED_TCPIP: return "channel open forwarded-tcpip";
		case SSH_CHANNEL_X11: return "channel open x11";
		case SSH_CHANNEL_UNKNOWN: return "channel open of an unknown type "
		    "(direct-streamlocal@openssh.com is one: libssh 0.10 cannot relay it)";
		default: return "channel open";
		}
	case SSH_REQUEST_CHANNEL:
		switch (subtype) {
		case SSH_CHANNEL_REQUEST_X11: return "x11-req";
		default: return "unknown channel request";
		}
	case SSH_REQUEST_GLOBAL:
		switch (subtype) {
		case SSH_GLOBAL_REQUEST_TCPIP_FORWARD: return "tcpip-forward";
		case SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD: return "cancel-tcpip-forward";
		default: return "unknown global request";
		}
	default:
		return "unknown request";
	}
}

/*
 * libssh's message callback: returns 0 when the message was answered here,
 * 1 to let libssh send its default refusal.
 */
int
channel_message(ssh_session session, ssh_message msg, void *userdata)
{
	struct conn *c = userdata;
	int type = ssh_message_type(msg), subtype = ssh_message_subtype(msg);
	size_t i;

	(void)session;
	/* Authentication methods other than publickey ("none" first of all)
	 * and service requests get libssh's default answer, silently. */
	if (type == SSH_REQUEST_AUTH || type == SSH_REQUEST_SERVICE)
		return 1;
	if (!c->authenticated || c->closing)
		return 1;
	for (i = 0; i < sizeof(channel_table) / sizeof(channel_table[0]); i++) {
		if (channel_table[i].type == type &&
		    channel_table[i].subtype == subtype) {
			log_debug("user %s from %s: %s", c->login, c->peer,
			    channel_table[i].name);
			return channel_table[i].fn(c, msg);
		}
	}
	log_info("user %s from %s: %s refused (not supported by the gateway)",
	    c->login, c->peer, channel_type_name(type, subtype));
	return 1;
}
