/*
 * conn.c: one client connection, in its own child process.  Runs the key
 * exchange, waits for publickey authentication (auth.c) within
 * login_grace_time, connects upstream (route.c, upstream.c) and then polls
 * both sessions until the client leaves, relaying channels (channel.c,
 * relay.c).  Between poll rounds it runs the connection's timers
 * (timers.c) and says goodbye when the gateway stops.
 *
 * Trust boundary: the client is untrusted until authenticated, and even
 * then only gets what the upstream allows; a failure here ends this one
 * connection only.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "text.h"
#include "meduse-sshd.h"
#include "local.h"

static struct conn	conn_state;
static volatile sig_atomic_t	conn_sig_term;	/* the gateway is stopping */

/* After authentication, SIGTERM (listen.c's end of a drain) lets the loop
 * tell the client why before the connection ends. */
static void
conn_on_term(int sig)
{
	(void)sig;
	conn_sig_term = 1;
}

/*
 * login_grace_time: during the key exchange the child ends at once, saying
 * why; once in the authentication loop, the loop ends it, so that refused
 * attempts are still audited (auth_record_refusal()).
 */
static volatile sig_atomic_t	conn_in_auth, conn_grace_over;

static void
conn_on_alarm(int sig)
{
	static const char msg[] = GW_NAME ": info: login grace time over: "
	    "closing the unauthenticated connection\n";
	ssize_t r;

	(void)sig;
	if (conn_in_auth) {
		conn_grace_over = 1;
		return;
	}
	r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)r;
	_exit(1);
}

static void
conn_finish(struct conn *c, int status) __attribute__((noreturn));

static void
conn_finish(struct conn *c, int status)
{
	relay_close_all(c);
	local_close_all(c);
	if (c->upstream != NULL) {
		if (c->event != NULL)
			ssh_event_remove_session(c->event, c->upstream);
		ssh_disconnect(c->upstream);
		ssh_free(c->upstream);
	}
	if (c->upstream_pid > 0) {
		kill(c->upstream_pid, SIGTERM);
		waitpid(c->upstream_pid, NULL, 0);
	}
	if (c->event != NULL) {
		ssh_event_remove_session(c->event, c->client);
		ssh_event_free(c->event);
	}
	ssh_disconnect(c->client);
	ssh_free(c->client);
	/* After the client is gone: recording costs it no time. */
	auth_record_refusal(c);
	if (c->startup_fd != -1)
		close(c->startup_fd);
	exit(status);
}

/*
 * Disconnects the client with a reason it prints.  libssh closes the socket
 * at once, and closing with the client's unread packets (its channel open)
 * still queued would send a TCP reset that can destroy the reason before the
 * client reads it: a duplicate of the socket keeps it open while we half-close
 * and wait briefly for the client to hang up.
 */
void
conn_disconnect(struct conn *c, const char *reason)
{
	struct relay_chan *rc;
	struct lsess *ls;
	struct pollfd pfd;
	char buf[4096];
	int fd, i;

	/* libssh writes only after a poll round saw the socket writable; one
	 * round lets the DISCONNECT leave at once.  closing makes channel.c
	 * refuse whatever that round reads. */
	c->closing = true;
	if (c->event != NULL)
		ssh_event_dopoll(c->event, 100);
	fd = dup(ssh_get_fd(c->client));
	ssh_session_set_disconnect_message(c->client, reason);
	ssh_disconnect(c->client);
	/* ssh_disconnect() freed the client's channels: the relay must not
	 * touch them again (relay_close_all() skips NULL ones). */
	for (rc = c->chans; rc != NULL; rc = rc->next)
		rc->down = NULL;
	for (ls = c->lsess; ls != NULL; ls = ls->next)
		ls->ch = NULL;
	if (fd == -1)
		return;
	shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; i < 20; i++) {
		if (poll(&pfd, 1, 100) > 0 && read(fd, buf, sizeof(buf)) <= 0)
			break;
	}
	close(fd);
}

/* Shows one progress line: an SSH_MSG_USERAUTH_BANNER, which OpenSSH's
 * client prints on stderr, leaving stdout to the session. */
static void
conn_banner(void *arg, const char *line)
{
	struct conn *c = arg;
	char q[400], text[420];
	ssh_string s;

	text_quote(line, 300, q, sizeof(q));
	snprintf(text, sizeof(text), "meduse: %s\r\n", q);
	log_info("user %s from %s: %s", c->login, c->peer, q);
	if ((s = ssh_string_from_char(text)) == NULL)
		return;
	if (ssh_send_issue_banner(c->client, s) == SSH_OK)
		(void)ssh_blocking_flush(c->client, 2000);
	ssh_string_free(s);
}

void
conn_route(struct conn *c)
{
	bool not_running;

	/* The user is known: starting a workspace may take longer than the
	 * login grace time, and is bounded by coder.start_timeout instead. */
	alarm(0);
	route_clear(&c->route);
	/* Only a look: a workspace that is not running is started by the
	 * first session that needs it (local.c), not for `meduse stop`.  A
	 * failure is told on the session's stderr (local.c), which every
	 * client shows; a banner could be hidden by the client's LogLevel. */
	c->routed = route_resolve(c->cfg, c->account, c->workspace, false,
	    conn_banner, c, &c->route, &not_running, c->route_err,
	    sizeof(c->route_err)) == 0;
	c->deferred = !c->routed && not_running;
}

/* Connects to the routed workspace: 0, or -1 with err. */
static int
conn_upstream_open(struct conn *c, char *err, size_t errlen)
{
	struct route r;
	int rc = -1;

	if (c->upstream != NULL)
		return 0;
	memset(&r, 0, sizeof(r));
	if (!c->routed) {
		snprintf(err, errlen, "%s", c->route_err);
		goto out;
	}
	/* The route is used once: it moves here. */
	r = c->route;
	memset(&c->route, 0, sizeof(c->route));
	c->routed = false;
	if (upstream_connect(c->cfg, &r, &c->upstream, &c->upstream_pid, err,
	    errlen) == -1)
		goto out;
	if (r.command)
		log_info("user %s from %s: connected to workspace %s (command %s, "
		    "as %s)", c->login, c->peer, r.workspace, r.argv[0], r.user);
	else
		log_info("user %s from %s: connected to workspace %s (%s:%d as %s)",
		    c->login, c->peer, r.workspace, r.host, r.port, r.user);
	ssh_set_blocking(c->upstream, 0);
	/* Channels the workspace opens towards the client: -R, -A, -X. */
	ssh_set_message_callback(c->upstream, channel_upstream_message, c);
	if (ssh_event_add_session(c->event, c->upstream) != SSH_OK) {
		snprintf(err, errlen, "internal error (event)");
		ssh_free(c->upstream);
		c->upstream = NULL;
		goto out;
	}
	rc = 0;
out:
	if (rc == -1)
		log_warn("user %s from %s: workspace unreachable: %s", c->login,
		    c->peer, err);
	route_clear(&r);
	return rc;
}

/*
 * Connects to the workspace once the user is known.  On failure the client
 * is disconnected with a one-line reason, which OpenSSH's client prints.
 */
int
conn_upstream_ensure(struct conn *c)
{
	char err[512], reason[640];

	if (conn_upstream_open(c, err, sizeof(err)) == 0)
		return 0;
	snprintf(reason, sizeof(reason), "meduse: cannot reach your workspace: %s",
	    err);
	conn_disconnect(c, reason);
	return -1;
}

/*
 * A deferred login's workspace, now that a session needs it: started
 * (progress to progress, when there is a session to show it on) and
 * connected.  -1 with err when it cannot be.
 */
int
conn_connect(struct conn *c, route_progress_fn progress, void *arg, char *err,
    size_t errlen)
{
	if (c->upstream != NULL)
		return 0;
	if (!c->routed) {
		route_clear(&c->route);
		log_info("user %s from %s: starting the workspace for a session",
		    c->login, c->peer);
		if (route_resolve(c->cfg, c->account, c->workspace, true,
		    progress, arg, &c->route, NULL, err, errlen) == -1) {
			log_warn("user %s from %s: workspace unreachable: %s",
			    c->login, c->peer, err);
			snprintf(c->route_err, sizeof(c->route_err), "%s", err);
			return -1;
		}
		c->routed = true;
	}
	return conn_upstream_open(c, err, errlen);
}

void
conn_run(const struct config *cfg, ssh_bind bind, int fd, const char *peer,
    int startup_fd)
{
	struct conn *c = &conn_state;
	struct sigaction sa;
	bool held = false;	/* relay.c keeps a packet's tail back */
	char err[512];
	int rc;

	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->startup_fd = startup_fd;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->login, sizeof(c->login), "(none)");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = conn_on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (cfg->gateway.login_grace_time_ms > 0)
		alarm((unsigned)((cfg->gateway.login_grace_time_ms + 999) / 1000));

	if ((c->client = ssh_new()) == NULL)
		exit(1);
	if (ssh_bind_accept_fd(bind, c->client, fd) != SSH_OK) {
		log_warn("connection from %s: %s", c->peer, ssh_get_error(bind));
		close(fd);
		exit(1);
	}
	c->server_cb.userdata = c;
	c->server_cb.auth_pubkey_function = auth_pubkey;
	ssh_callbacks_init(&c->server_cb);
	ssh_set_server_callbacks(c->client, &c->server_cb);
	if (ssh_handle_key_exchange(c->client) != SSH_OK) {
		log_info("connection from %s: key exchange failed: %s", c->peer,
		    ssh_get_error(c->client));
		conn_finish(c, 1);
	}
	ssh_set_auth_methods(c->client, SSH_AUTH_METHOD_PUBLICKEY);
	ssh_set_message_callback(c->client, channel_message, c);
	ssh_set_blocking(c->client, 0);
	if ((c->event = ssh_event_new()) == NULL ||
	    ssh_event_add_session(c->event, c->client) != SSH_OK)
		conn_finish(c, 1);

	conn_in_auth = 1;
	while (!c->authenticated) {
		rc = ssh_event_dopoll(c->event, 1000);
		if (conn_grace_over) {
			log_info("connection from %s: login grace time over: closing "
			    "the unauthenticated connection", c->peer);
			conn_finish(c, 1);
		}
		if (rc == SSH_ERROR || !ssh_is_connected(c->client))
			conn_finish(c, 0);
		if (c->auth_failures >= GW_MAX_AUTH_TRIES) {
			log_info("connection from %s: %d authentication failures: "
			    "closing", c->peer, c->auth_failures);
			conn_finish(c, 0);
		}
	}
	alarm(0);
	close(c->startup_fd);
	c->startup_fd = -1;
	/* Found but out of reach (its sshd down): the built-ins still
	 * work, sessions are told why (local.c). */
	if (c->routed && conn_upstream_open(c, err, sizeof(err)) == -1)
		snprintf(c->route_err, sizeof(c->route_err), "%s", err);
	/* No workspace yet: local.c answers the sessions, and starts a
	 * deferred one's workspace when a session needs it. */
	if (c->upstream == NULL) {
		if (c->deferred)
			log_info("user %s from %s: %s: started when a session "
			    "needs it", c->login, c->peer, c->route_err);
		else
			log_warn("user %s from %s: workspace unreachable: %s",
			    c->login, c->peer, c->route_err);
		c->local = true;
		if (local_run_conn(c) == 0) {
			log_info("user %s from %s: disconnected", c->login,
			    c->peer);
			conn_finish(c, 0);
		}
	}

	sa.sa_handler = conn_on_term;
	sigaction(SIGTERM, &sa, NULL);		/* no SA_RESTART: poll returns */
	c->idle_since_ms = conn_now_ms();
	c->ka_next_ms = c->idle_since_ms + (int64_t)cfg->gateway.keepalive_ms;
	(void)conn_rx_bytes(c, &c->ka_rx_bytes);
	while (!c->closing) {
		rc = ssh_event_dopoll(c->event, held ? GW_RELAY_HOLD_MS :
		    conn_poll_ms(c));
		held = relay_flush(c, rc == SSH_AGAIN);
		local_step(c);
		if (conn_sig_term) {
			log_info("user %s from %s: the gateway is stopping: closing "
			    "the connection", c->login, c->peer);
			conn_disconnect(c, "meduse: the gateway is shutting down");
			break;
		}
		if (rc == SSH_ERROR && !ssh_is_connected(c->client))
			break;
		if (!ssh_is_connected(c->client))
			break;
		if (c->upstream == NULL || !ssh_is_connected(c->upstream)) {
			/* Deliver what the upstream sent before it went away. */
			relay_flush(c, true);
			log_info("user %s from %s: upstream closed the connection",
			    c->login, c->peer);
			break;
		}
		if (conn_timers(c) == -1)
			break;
	}
	log_info("user %s from %s: disconnected", c->login, c->peer);
	conn_finish(c, 0);
}
