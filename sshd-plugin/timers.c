/*
 * timers.c: the clocks of one connection after login (conn.c runs them
 * between poll rounds): keepalives to find a client that vanished without
 * a word, and gateway.idle_timeout.  libssh keeps no such timers for a
 * server, and does not say when it last heard from the peer, so the
 * kernel's byte count of the client socket is the proof of life.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* glibc's <netinet/tcp.h> lacks tcpi_bytes_received; the kernel's has it. */
#include <linux/tcp.h>

#include "client.h"
#include "log.h"
#include "meduse-sshd.h"

int64_t
conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "90 s" or "1500 ms", for messages about a configured duration. */
static const char *
conn_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llu s", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llu ms", (unsigned long long)ms);
	return buf;
}

/*
 * Payload bytes the kernel received from the client so far: any packet at
 * all (a keepalive reply included) proves it alive.  libssh reads the
 * socket itself and does not say when it last did.  Returns -1 when unknown.
 */
int
conn_rx_bytes(struct conn *c, uint64_t *bytes)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(ssh_get_fd(c->client), IPPROTO_TCP, TCP_INFO, &ti,
	    &len) == -1 || len < offsetof(struct tcp_info, tcpi_bytes_received) +
	    sizeof(ti.tcpi_bytes_received))
		return -1;
	*bytes = ti.tcpi_bytes_received;
	return 0;
}

/*
 * gateway.keepalive, as OpenSSH's ClientAliveInterval and CountMax: after an
 * interval in which the client sent nothing, a keepalive@openssh.com request
 * (want reply) goes to it; when keepalive_count_max of them in a row got
 * nothing back, the client is gone and the connection is closed.  The
 * upstream leg gets an SSH_MSG_IGNORE at each check: enough for NAT and
 * firewalls, and unlike a global request it cannot be confused with the
 * reply to a tcpip-forward that channel.c is waiting for.
 */
static int
conn_keepalive(struct conn *c, int64_t now)
{
	const struct config *cfg = c->cfg;
	uint64_t rx;
	char d[32];

	c->ka_next_ms = now + (int64_t)cfg->gateway.keepalive_ms;
	if (c->upstream != NULL)
		ssh_send_ignore(c->upstream, "");
	if (conn_rx_bytes(c, &rx) == -1)
		rx = c->ka_rx_bytes + 1;	/* unknown: never judge it dead */
	if (rx != c->ka_rx_bytes) {
		c->ka_rx_bytes = rx;
		c->ka_missed = 0;
		return 0;
	}
	if (c->ka_missed >= cfg->gateway.keepalive_count_max) {
		log_info("user %s from %s: no answer to %d keepalives %s apart: "
		    "closing the connection (gateway.keepalive)", c->login,
		    c->peer, c->ka_missed,
		    conn_duration(cfg->gateway.keepalive_ms, d, sizeof(d)));
		conn_disconnect(c, "meduse: no answer to keepalives: connection "
		    "closed");
		return -1;
	}
	/* libssh keeps one request outstanding: a call while the previous
	 * reply is unread only collects it, so the second call sends. */
	ssh_send_keepalive(c->client);
	ssh_send_keepalive(c->client);
	c->ka_missed++;
	return 0;
}

/*
 * route.resolver coder: while channels are open, accountd tells Coder the
 * workspace is in use (coder.activity_interval), so that its auto-stop does
 * not stop it under a working user; with no channel, nothing is sent, and
 * Coder's own timers take over (users of comparable gateways lost work to
 * auto-stop: gateways.md, Coder #3191).
 */
static void
conn_activity(struct conn *c, int64_t now)
{
	const struct config *cfg = c->cfg;
	struct client_error cerr;
	json_t *params, *res = NULL;

	if (strcmp(cfg->route.resolver, "coder") != 0 ||
	    cfg->coder.activity_interval_ms == 0 || c->nchans == 0 ||
	    now < c->activity_next_ms)
		return;
	c->activity_next_ms = now + (int64_t)cfg->coder.activity_interval_ms;
	params = json_pack("{s:s, s:s}", "name", c->account, "workspace",
	    c->workspace);
	if (params == NULL || client_call_once(cfg->accountd.socket,
	    "route.activity", params, &res, &cerr) == -1)
		log_info("user %s from %s: cannot report activity: %s", c->login,
		    c->peer, params ? cerr.message : "out of memory");
	json_decref(params);
	json_decref(res);
}

/* The keepalive and idle timers; -1 once the connection was closed. */
int
conn_timers(struct conn *c)
{
	const struct config *cfg = c->cfg;
	int64_t now = conn_now_ms();
	char d[32], reason[128];

	if (c->data_seen) {
		c->data_seen = false;
		c->idle_since_ms = now;
	}
	if (cfg->gateway.idle_timeout_ms > 0 &&
	    now - c->idle_since_ms >= (int64_t)cfg->gateway.idle_timeout_ms) {
		conn_duration(cfg->gateway.idle_timeout_ms, d, sizeof(d));
		log_info("user %s from %s: no channel data for %s: closing the "
		    "connection (gateway.idle_timeout)", c->login, c->peer, d);
		snprintf(reason, sizeof(reason), "meduse: idle for %s: connection "
		    "closed", d);
		conn_disconnect(c, reason);
		return -1;
	}
	conn_activity(c, now);
	if (cfg->gateway.keepalive_ms > 0 && now >= c->ka_next_ms)
		return conn_keepalive(c, now);
	return 0;
}

/* Until the next timer is due, at most a second (SIGTERM is seen then). */
int
conn_poll_ms(const struct conn *c)
{
	const struct config *cfg = c->cfg;
	int64_t now = conn_now_ms(), wait = 1000, t;

	if (cfg->gateway.idle_timeout_ms > 0) {
		t = c->idle_since_ms + (int64_t)cfg->gateway.idle_timeout_ms - now;
		if (t < wait)
			wait = t;
	}
	if (cfg->gateway.keepalive_ms > 0 && c->ka_next_ms - now < wait)
		wait = c->ka_next_ms - now;
	return wait < 10 ? 10 : (int)wait;
}
