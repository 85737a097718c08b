/*
 * channel.c: what the client may ask for, as one const table.  Each entry
 * names a libssh message type and subtype (a channel type, a channel request
 * or a global request) and its handler; anything not in the table is
 * refused at once, with a log line naming it.  Handlers forward the request
 * to the upstream twin and give the client the upstream's answer, so a
 * refusal by the workspace's sshd looks exactly like a refusal by sshd.
 * A second table lists the channels the workspace may open towards the
 * client (forwarded-tcpip, auth-agent, x11), each only once the client
 * asked for that kind.
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
#include "shell.h"

typedef int (*channel_fn)(struct conn *, ssh_message);

struct channel_entry {
	int		 type;		/* SSH_REQUEST_CHANNEL_OPEN, _CHANNEL, _GLOBAL */
	int		 subtype;	/* SSH_CHANNEL_*, SSH_CHANNEL_REQUEST_*, ... */
	const char	*name;		/* the protocol's name, for logs */
	channel_fn	 fn;		/* replies to the message itself */
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

static void
channel_x11_fields(ssh_message msg, int *single, const char **proto,
    const char **cookie, int *screen)
{
	*single = ssh_message_channel_request_x11_single_connection(msg);
	*proto = ssh_message_channel_request_x11_auth_protocol(msg);
	*cookie = ssh_message_channel_request_x11_auth_cookie(msg);
	*screen = ssh_message_channel_request_x11_screen_number(msg);
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
	if (r == SSH_OK)
		rc->pty = true;
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
	const struct config_strings *allow = &c->cfg->gateway.env_allow;
	size_t i;
	int r;

	if (rc == NULL || name == NULL || value == NULL)
		return channel_reply(msg, -1);
	/* gateway.env_allow; OpenSSH's AcceptEnv is applied upstream too. */
	for (i = 0; i < allow->n; i++)
		if (fnmatch(allow->v[i], name, 0) == 0)
			break;
	if (i == allow->n) {
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
	/* meduse's built-ins are the gateway's: the workspace's twin of
	 * this session is closed unused, the session is answered here. */
	if (shell_is_builtin(cmd, strlen(cmd))) {
		relay_chan_builtin(rc, cmd);
		return channel_reply(msg, 0);
	}
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

static int
chan_req_x11(struct conn *c, ssh_message msg)
{
	struct relay_chan *rc = channel_find(c, msg);
	const char *proto, *cookie;
	int single, screen, r;

	if (rc == NULL)
		return channel_reply(msg, -1);
	channel_x11_fields(msg, &single, &proto, &cookie, &screen);
	if (proto == NULL || cookie == NULL)
		return channel_reply(msg, -1);
	channel_up_blocking(c, 1);
	r = ssh_channel_request_x11(rc->up, single, proto, cookie, screen);
	channel_up_blocking(c, 0);
	if (r == SSH_OK)
		c->x11_forwarding = true;
	log_info("user %s from %s: x11 forwarding%s", c->login, c->peer,
	    r == SSH_OK ? "" : " refused by the workspace");
	return channel_reply(msg, channel_up_result(c, r));
}

/* ssh -R: the listening socket is opened inside the workspace. */
static int
chan_global_tcpip_forward(struct conn *c, ssh_message msg)
{
	const char *addr = ssh_message_global_request_address(msg);
	int port = ssh_message_global_request_port(msg), bound = 0, r;

	if (addr == NULL || conn_upstream_ensure(c) == -1) {
		ssh_message_reply_default(msg);
		return 0;
	}
	channel_up_blocking(c, 1);
	r = ssh_channel_listen_forward(c->upstream, addr, port, &bound);
	channel_up_blocking(c, 0);
	log_info("user %s from %s: tcpip-forward %s:%d%s", c->login, c->peer,
	    addr, port, r == SSH_OK ? "" : " refused by the workspace");
	if (r != SSH_OK) {
		ssh_message_reply_default(msg);
		return 0;
	}
	c->nforwards++;
	ssh_message_global_request_reply_success(msg, (uint16_t)(port == 0 ? bound : 0));
	return 0;
}

static int
chan_global_cancel_forward(struct conn *c, ssh_message msg)
{
	const char *addr = ssh_message_global_request_address(msg);
	int port = ssh_message_global_request_port(msg), r;

	if (addr == NULL || c->upstream == NULL) {
		ssh_message_reply_default(msg);
		return 0;
	}
	channel_up_blocking(c, 1);
	r = ssh_channel_cancel_forward(c->upstream, addr, port);
	channel_up_blocking(c, 0);
	if (r != SSH_OK) {
		ssh_message_reply_default(msg);
		return 0;
	}
	if (c->nforwards > 0)
		c->nforwards--;
	ssh_message_global_request_reply_success(msg, 0);
	return 0;
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
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_X11, "x11-req", chan_req_x11 },
	{ SSH_REQUEST_GLOBAL, SSH_GLOBAL_REQUEST_TCPIP_FORWARD, "tcpip-forward",
	    chan_global_tcpip_forward },
	{ SSH_REQUEST_GLOBAL, SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD,
	    "cancel-tcpip-forward", chan_global_cancel_forward },
};

/*
 * Channels the workspace opens towards the client open a twin on the client
 * side first; the workspace's open is accepted only once the client has.
 * Each kind is allowed only after the client asked for it: the openers
 * return SSH_OK, SSH_ERROR (the client refused) or 1 (never requested).
 */
static int
up_open_forwarded_tcpip(struct conn *c, ssh_message msg, ssh_channel down)
{
	const char *dst = ssh_message_channel_request_open_destination(msg);
	const char *org = ssh_message_channel_request_open_originator(msg);

	if (c->nforwards == 0 || dst == NULL || org == NULL)
		return 1;
	return ssh_channel_open_reverse_forward(down, dst,
	    ssh_message_channel_request_open_destination_port(msg), org,
	    ssh_message_channel_request_open_originator_port(msg));
}

static int
up_open_auth_agent(struct conn *c, ssh_message msg, ssh_channel down)
{
	(void)msg;
	if (!c->agent_forwarding)
		return 1;
	return ssh_channel_open_auth_agent(down);
}

static int
up_open_x11(struct conn *c, ssh_message msg, ssh_channel down)
{
	const char *org = ssh_message_channel_request_open_originator(msg);

	if (!c->x11_forwarding || org == NULL)
		return 1;
	return ssh_channel_open_x11(down, org,
	    ssh_message_channel_request_open_originator_port(msg));
}

struct channel_up_entry {
	int		 subtype;	/* SSH_CHANNEL_* */
	const char	*name;
	int		(*open)(struct conn *, ssh_message, ssh_channel);
};

static const struct channel_up_entry channel_up_table[] = {
	{ SSH_CHANNEL_FORWARDED_TCPIP, "forwarded-tcpip", up_open_forwarded_tcpip },
	{ SSH_CHANNEL_AUTH_AGENT, "auth-agent@openssh.com", up_open_auth_agent },
	{ SSH_CHANNEL_X11, "x11", up_open_x11 },
};

/* libssh's message callback on the upstream session (we are its client). */
int
channel_upstream_message(ssh_session session, ssh_message msg, void *userdata)
{
	struct conn *c = userdata;
	const struct channel_up_entry *e = NULL;
	ssh_channel down = NULL, up;
	size_t i;
	int r;

	(void)session;
	if (ssh_message_type(msg) != SSH_REQUEST_CHANNEL_OPEN || c->closing)
		return 1;
	for (i = 0; i < sizeof(channel_up_table) / sizeof(channel_up_table[0]); i++)
		if (channel_up_table[i].subtype == ssh_message_subtype(msg))
			e = &channel_up_table[i];
	if (e == NULL) {
		log_info("user %s from %s: workspace opened an unsupported channel: "
		    "refused", c->login, c->peer);
		return 1;
	}
	if (c->nchans >= c->cfg->gateway.max_sessions) {
		log_info("user %s from %s: %s refused (max_sessions %d reached)",
		    c->login, c->peer, e->name, c->cfg->gateway.max_sessions);
		return 1;
	}
	if ((down = ssh_channel_new(c->client)) == NULL)
		return 1;
	ssh_set_blocking(c->client, 1);
	r = e->open(c, msg, down);
	ssh_set_blocking(c->client, 0);
	if (r != SSH_OK) {
		log_info("user %s from %s: %s from the workspace refused%s",
		    c->login, c->peer, e->name, r == 1 ? " (not requested)" :
		    " by the client");
		ssh_channel_free(down);
		return 1;
	}
	if ((up = ssh_message_channel_request_open_reply_accept(msg)) == NULL) {
		ssh_channel_close(down);
		ssh_channel_free(down);
		return 0;
	}
	log_debug("user %s from %s: %s channel", c->login, c->peer, e->name);
	relay_chan_new(c, e->name, down, up);
	return 0;
}

/* One process per connection: this is per connection. */
static bool	channel_unknown_logged;

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
		/* libssh 0.10 gives neither the name nor the fields of these,
		 * so "break" cannot be told from, say, PuTTY's winadj: all are
		 * refused, with a failure reply when the client wants one. */
		switch (subtype) {
		default: return "unknown channel request (break is one: "
		    "libssh 0.10 cannot relay it)";
		}
	case SSH_REQUEST_GLOBAL:
		switch (subtype) {
		default: return "unknown global request (streamlocal-forward@openssh.com "
		    "is one: libssh 0.10 cannot relay it)";
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
	if (!c->authenticated)
		return 1;
	/* The connection is ending with a reason (conn.c): a refusal now
	 * would reach the client first and hide the reason. */
	if (c->closing)
		return 0;
	/* No workspace yet, or a session the gateway answers (a built-in,
	 * or one opened before a deferred start that it now waits for). */
	if (c->local || local_owns(c, msg))
		return local_message(c, msg);
	for (i = 0; i < sizeof(channel_table) / sizeof(channel_table[0]); i++) {
		if (channel_table[i].type == type &&
		    channel_table[i].subtype == subtype) {
			log_debug("user %s from %s: %s", c->login, c->peer,
			    channel_table[i].name);
			return channel_table[i].fn(c, msg);
		}
	}
	/* Some clients send unknown channel requests often (PuTTY's winadj
	 * with each window adjust): after the first, they go to debug. */
	if (type == SSH_REQUEST_CHANNEL && channel_unknown_logged)
		log_debug("user %s from %s: %s refused", c->login, c->peer,
		    channel_type_name(type, subtype));
	else
		log_info("user %s from %s: %s refused (not supported by the "
		    "gateway)", c->login, c->peer, channel_type_name(type, subtype));
	if (type == SSH_REQUEST_CHANNEL)
		channel_unknown_logged = true;
	return 1;
}
