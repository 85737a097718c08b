/*
 * local.c: sessions the gateway answers itself, when no workspace can be
 * reached (conn.c: the route failed while the user logged in).  The reason
 * goes to the session's stderr, which every client shows whatever its
 * LogLevel (a banner or a disconnect message may be hidden), and the exit
 * status is 255, as ssh's own when it cannot connect.  A client that opens
 * no session (ssh -N) is told with a disconnect after LOCAL_WAIT_MS.
 *
 * The same place will hold meduse's built-in commands and its restricted
 * prompt.  Requests are a const table; anything else is refused.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "meduse-sshd.h"

#define LOCAL_WAIT_MS	10000	/* for a session channel, after the login */
#define LOCAL_MAX_CHANS	4

static ssh_channel local_chans[LOCAL_MAX_CHANS];
static int64_t local_deadline_ms;

typedef int (*local_fn)(struct conn *, ssh_message);

struct local_entry {
	int		 type;
	int		 subtype;
	local_fn	 fn;
};

static int
local_ok(struct conn *c, ssh_message msg)
{
	(void)c;
	ssh_message_channel_request_reply_success(msg);
	return 0;
}

static int
local_open(struct conn *c, ssh_message msg)
{
	ssh_channel ch;
	int i;

	for (i = 0; i < LOCAL_MAX_CHANS && local_chans[i] != NULL; i++)
		;
	if (i == LOCAL_MAX_CHANS ||
	    (ch = ssh_message_channel_request_open_reply_accept(msg)) == NULL) {
		ssh_message_reply_default(msg);
		return 0;
	}
	local_chans[i] = ch;
	(void)c;
	return 0;
}

/* shell, exec, subsystem: the reason, exit status 255, and the end. */
static int
local_run(struct conn *c, ssh_message msg)
{
	ssh_channel ch = ssh_message_channel_request_channel(msg);
	char line[700];
	int i;

	ssh_message_channel_request_reply_success(msg);
	snprintf(line, sizeof(line), "meduse: cannot reach your workspace: "
	    "%s\r\n", c->route_err);
	ssh_channel_write_stderr(ch, line, (uint32_t)strlen(line));
	ssh_channel_request_send_exit_status(ch, 255);
	ssh_channel_send_eof(ch);
	ssh_channel_close(ch);
	for (i = 0; i < LOCAL_MAX_CHANS; i++)
		if (local_chans[i] == ch)
			local_chans[i] = NULL;
	c->local_told++;
	log_info("user %s from %s: told why the workspace is out of reach",
	    c->login, c->peer);
	return 0;
}

static const struct local_entry local_table[] = {
	{ SSH_REQUEST_CHANNEL_OPEN, SSH_CHANNEL_SESSION, local_open },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_PTY, local_ok },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_ENV, local_ok },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_WINDOW_CHANGE, local_ok },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_SHELL, local_run },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_EXEC, local_run },
	{ SSH_REQUEST_CHANNEL, SSH_CHANNEL_REQUEST_SUBSYSTEM, local_run },
};

int
local_message(struct conn *c, ssh_message msg)
{
	int type = ssh_message_type(msg), subtype = ssh_message_subtype(msg);
	size_t i;

	for (i = 0; i < sizeof(local_table) / sizeof(local_table[0]); i++)
		if (local_table[i].type == type &&
		    local_table[i].subtype == subtype)
			return local_table[i].fn(c, msg);
	return 1;	/* libssh's default: refused */
}

/*
 * Runs the connection of a user whose workspace is out of reach until the
 * client has been told on each session it opened, or LOCAL_WAIT_MS passed
 * without one.
 */
void
local_run_conn(struct conn *c)
{
	bool told = false;
	int i, open;

	local_deadline_ms = conn_now_ms() + LOCAL_WAIT_MS;
	while (!c->closing && ssh_is_connected(c->client)) {
		if (ssh_event_dopoll(c->event, 200) == SSH_ERROR &&
		    !ssh_is_connected(c->client))
			return;
		for (i = open = 0; i < LOCAL_MAX_CHANS; i++)
			open += local_chans[i] != NULL;
		/* A session told and closed, none left open: the client ends
		 * the connection itself once it has read everything; closing
		 * first could drop the reason still in libssh's buffer. */
		if (c->local_told > 0 && open == 0) {
			told = true;
			(void)ssh_blocking_flush(c->client, 2000);
			local_deadline_ms = conn_now_ms() + 2000;
			while (ssh_is_connected(c->client) &&
			    conn_now_ms() < local_deadline_ms &&
			    ssh_event_dopoll(c->event, 100) != SSH_ERROR)
				;
			break;
		}
		if (open == 0 && conn_now_ms() >= local_deadline_ms)
			break;
	}
	if (!told && ssh_is_connected(c->client)) {
		char reason[640];

		snprintf(reason, sizeof(reason), "meduse: cannot reach your "
		    "workspace: %s", c->route_err);
		conn_disconnect(c, reason);
	}
}
