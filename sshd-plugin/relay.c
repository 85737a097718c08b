/*
 * relay.c: the relay engine.  Every client channel ("down") has an upstream
 * twin ("up"); bytes, extended data (stderr), EOF, CLOSE, signals,
 * exit-status and exit-signal cross between them 1:1.
 *
 * Flow control: a data callback consumes only as much as the other side's
 * window allows; the rest stays in libssh's channel buffer, and libssh does
 * not grow our receive window while that buffer is large, so the sender is
 * held back by SSH's own window and memory stays bounded (about 2 MiB per
 * channel and direction).  After each poll round relay_flush() moves what
 * was held as far as the windows have grown since: a window adjust is a
 * packet, so it always ends a poll round.  (libssh's write_wontblock
 * callback would say the same thing, but from inside libssh's dispatch of
 * one session, where reading the other session's buffers is not safe.)
 * EOF and CLOSE are relayed only once everything before them has been
 * delivered.
 *
 * Packet sizes: an OpenSSH peer allows 32 KiB packets, and its sshd sends
 * 32 KiB of data in each; libssh keeps 10 bytes of the peer's maximum for
 * headers, so relaying each 32 KiB as it comes would cost a full packet and
 * a 10-byte one, each with its own encryption, send and poll.  While more
 * is coming, only whole packets leave and the tail waits in libssh's buffer
 * for the next ones; it goes out as soon as a poll round of GW_RELAY_HOLD_MS
 * brings nothing, after RELAY_HOLD_ROUNDS busy rounds (another channel is
 * streaming), or with the sender's EOF.  Writes smaller than a packet
 * (interactive use) are never held.
 *
 * Trust boundary: bytes are opaque here; both sides are peers whose windows
 * we respect but whose data we never interpret.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "meduse-sshd.h"
#include "xmalloc.h"

#define RELAY_PACKET		(32768 - 10)	/* data in one packet, see above */
#define RELAY_HOLD_ROUNDS	32
#define RELAY_STATUS_WAIT_MS	2000	/* see relay_status_wait() */

/* One stream (stdout or stderr) in one direction. */
struct relay_dir {
	/* Bytes read out of a libssh buffer that the other side did not take
	 * yet (a write returns short while a key re-exchange is running):
	 * GW_RELAY_CHUNK bytes, allocated on first use. */
	char		*carry;
	size_t		 off, len;
	bool		 held;		/* a tail is kept back on purpose */
	unsigned long	 held_round;	/* relay_round when it was */
};

struct relay_chan_priv {
	struct relay_chan	pub;
	struct relay_dir	down[2];	/* upstream -> client, [stdout, stderr] */
	struct relay_dir	up[2];		/* client -> upstream */
};

static char		relay_scratch[GW_RELAY_CHUNK];
static unsigned long	relay_round;	/* relay_flush() calls: poll rounds */

#define PRIV(rc)	((struct relay_chan_priv *)(void *)(rc))

static int
relay_write(ssh_channel to, const void *data, uint32_t len, int is_stderr)
{
	return is_stderr ? ssh_channel_write_stderr(to, data, len) :
	    ssh_channel_write(to, data, len);
}

/* Of n bytes that fit the window, those to send while more is coming. */
static uint32_t
relay_whole(uint32_t n)
{
	return n >= RELAY_PACKET ? n - n % RELAY_PACKET : n;
}

static void
relay_hold(struct relay_dir *d)
{
	d->held = true;
	d->held_round = relay_round;
}

/* Moves len bytes of data to `to`, within its window; returns bytes taken.
 * Called from libssh's dispatch of the other session. */
static int
relay_move(ssh_channel to, bool gone, struct relay_dir *d, void *data,
    uint32_t len, int is_stderr, bool *pending)
{
	uint32_t win, m, n;
	int w;

	if (gone)
		return (int)len;	/* the other side is closed: discard */
	if (d->len > 0) {
		*pending = true;	/* keep the order: the carry goes first */
		return 0;
	}
	win = ssh_channel_window_size(to);
	m = len < win ? len : win;
	if ((n = relay_whole(m)) == 0) {
		*pending = true;
		return 0;
	}
	if ((w = relay_write(to, data, n, is_stderr)) < 0)
		return (int)len;	/* the session is failing; conn.c ends it */
	*pending = (uint32_t)w < len;
	if ((uint32_t)w == n && n < m)
		relay_hold(d);		/* a tail that would fit: wait for more */
	else
		d->held = false;
	return w;
}

static int
relay_down_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *ud)
{
	struct relay_chan *rc = ud;

	(void)s;
	(void)ch;
	if (rc->builtin != NULL)
		return 0;		/* the built-in's input: left to it */
	rc->conn->data_seen = true;	/* gateway.idle_timeout (conn.c) */
	is_stderr = is_stderr != 0;
	return relay_move(rc->up, rc->up_closed || rc->up_close_sent,
	    &PRIV(rc)->up[is_stderr], data, len, is_stderr,
	    &rc->down_pending[is_stderr]);
}

static int
relay_up_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
    int is_stderr, void *ud)
{
	struct relay_chan *rc = ud;

	(void)s;
	(void)ch;
	rc->conn->data_seen = true;	/* gateway.idle_timeout (conn.c) */
	is_stderr = is_stderr != 0;
	return relay_move(rc->down, rc->down_closed || rc->down_close_sent,
	    &PRIV(rc)->down[is_stderr], data, len, is_stderr,
	    &rc->up_pending[is_stderr]);
}

static void
relay_down_eof(ssh_session s, ssh_channel ch, void *ud)
{
	(void)s;
	(void)ch;
	((struct relay_chan *)ud)->down_eof = true;
}

static void
relay_up_eof(ssh_session s, ssh_channel ch, void *ud)
{
	(void)s;
	(void)ch;
	((struct relay_chan *)ud)->up_eof = true;
}

static void
relay_down_close(ssh_session s, ssh_channel ch, void *ud)
{
	(void)s;
	(void)ch;
	((struct relay_chan *)ud)->down_closed = true;
}

static void
relay_up_close(ssh_session s, ssh_channel ch, void *ud)
{
	(void)s;
	(void)ch;
	((struct relay_chan *)ud)->up_closed = true;
}

static void
relay_down_signal(ssh_session s, ssh_channel ch, const char *sig, void *ud)
{
	struct relay_chan *rc = ud;

	(void)s;
	(void)ch;
	if (!rc->up_close_sent && !rc->up_closed)
		ssh_channel_request_send_signal(rc->up, sig);
	log_debug("user %s from %s: signal %s relayed", rc->conn->login,
	    rc->conn->peer, sig);
}

/* ssh -A: ask the workspace for agent forwarding; libssh answers the
 * client "success" whenever this callback exists. */
static void
relay_down_agent_req(ssh_session s, ssh_channel ch, void *ud)
{
	struct relay_chan *rc = ud;
	struct conn *c = rc->conn;
	int r;

	(void)s;
	(void)ch;
	ssh_set_blocking(c->upstream, 1);
	r = ssh_channel_request_auth_agent(rc->up);
	ssh_set_blocking(c->upstream, 0);
	if (r == SSH_OK)
		c->agent_forwarding = true;
	log_info("user %s from %s: agent forwarding%s", c->login, c->peer,
	    r == SSH_OK ? "" : " refused by the workspace");
}

static void
relay_up_exit_status(ssh_session s, ssh_channel ch, int status, void *ud)
{
	struct relay_chan *rc = ud;

	(void)s;
	(void)ch;
	rc->up_status_seen = true;
	/* Even after the client's CLOSE: ours is held back for it. */
	if (!rc->down_close_sent)
		ssh_channel_request_send_exit_status(rc->down, status);
	log_debug("user %s from %s: exit status %d", rc->conn->login,
	    rc->conn->peer, status);
}

static void
relay_up_exit_signal(ssh_session s, ssh_channel ch, const char *sig, int core,
    const char *errmsg, const char *lang, void *ud)
{
	struct relay_chan *rc = ud;

	(void)s;
	(void)ch;
	rc->up_status_seen = true;
	if (!rc->down_close_sent)
		ssh_channel_request_send_exit_signal(rc->down, sig, core,
		    errmsg != NULL ? errmsg : "", lang != NULL ? lang : "");
}

struct relay_chan *
relay_chan_new(struct conn *c, const char *kind, ssh_channel down, ssh_channel up)
{
	struct relay_chan_priv *p = xcalloc(1, sizeof(*p));
	struct relay_chan *rc = &p->pub;

	rc->conn = c;
	rc->kind = kind;
	rc->down = down;
	rc->up = up;

	rc->down_cb.userdata = rc;
	rc->down_cb.channel_data_function = relay_down_data;
	rc->down_cb.channel_eof_function = relay_down_eof;
	rc->down_cb.channel_close_function = relay_down_close;
	rc->down_cb.channel_signal_function = relay_down_signal;
	if (strcmp(kind, "session") == 0)
		rc->down_cb.channel_auth_agent_req_function = relay_down_agent_req;
	ssh_callbacks_init(&rc->down_cb);
	ssh_set_channel_callbacks(down, &rc->down_cb);

	rc->up_cb.userdata = rc;
	rc->up_cb.channel_data_function = relay_up_data;
	rc->up_cb.channel_eof_function = relay_up_eof;
	rc->up_cb.channel_close_function = relay_up_close;
	rc->up_cb.channel_exit_status_function = relay_up_exit_status;
	rc->up_cb.channel_exit_signal_function = relay_up_exit_signal;
	ssh_callbacks_init(&rc->up_cb);
	ssh_set_channel_callbacks(up, &rc->up_cb);

	/* Either side may have sent data right behind its open confirmation,
	 * before these callbacks existed: the first flush picks it up. */
	rc->up_pending[0] = rc->up_pending[1] = true;
	rc->down_pending[0] = rc->down_pending[1] = true;

	rc->next = c->chans;
	c->chans = rc;
	c->nchans++;
	return rc;
}

static void
relay_chan_free(struct relay_chan *rc)
{
	struct relay_chan_priv *p = PRIV(rc);
	int i;

	if (rc->down != NULL) {
		ssh_remove_channel_callbacks(rc->down, &rc->down_cb);
		ssh_channel_free(rc->down);
	}
	ssh_remove_channel_callbacks(rc->up, &rc->up_cb);
	ssh_channel_free(rc->up);
	free(rc->builtin);
	for (i = 0; i < 2; i++) {
		free(p->down[i].carry);
		free(p->up[i].carry);
	}
	free(p);
}

/*
 * A session whose requests went upstream before the pair existed (local.c's
 * deferred start): a quick command's exit status may have come already,
 * when no callback was there to pass it on.  libssh kept it.
 */
void
relay_chan_late_status(struct relay_chan *rc)
{
	int status = ssh_channel_get_exit_status(rc->up);

	/* The call may run the callback itself: then it is passed on. */
	if (status >= 0 && !rc->up_status_seen) {
		rc->up_status_seen = true;
		ssh_channel_request_send_exit_status(rc->down, status);
	}
}

/*
 * Takes a session out of the relay, its exec being a built-in (local.c).
 * The request arrives inside libssh's dispatch, possibly from under
 * relay_flush() itself: the session is only marked here, held still (its
 * input stays in libssh's buffer for the built-in), and handed over by
 * relay_flush() at its next pass; the workspace's twin is then closed
 * unused.
 */
void
relay_chan_builtin(struct relay_chan *rc, const char *cmd)
{
	free(rc->builtin);
	rc->builtin = xstrdup(cmd);
}

/* relay_flush(): the hand-over of a session marked above. */
static void
relay_chan_detach(struct conn *c, struct relay_chan *rc)
{
	ssh_channel down = rc->down;
	char *cmd = rc->builtin;

	ssh_remove_channel_callbacks(rc->down, &rc->down_cb);
	rc->down = NULL;
	rc->builtin = NULL;
	local_builtin(c, down, cmd, rc->pty);
	free(cmd);
	relay_chan_free(rc);
}

/*
 * Writes the carry first, then drains libssh's buffer of `from` into `to`:
 * everything that fits the window when `all`, else whole packets only.
 */
static void
relay_drain(ssh_channel from, ssh_channel to, bool gone, struct relay_dir *d,
    int is_stderr, bool *pending, bool all, char *const *halt)
{
	uint32_t win, n;
	int avail, r, w;

	while (!gone && *halt == NULL && (d->len > 0 || *pending)) {
		if ((win = ssh_channel_window_size(to)) == 0)
			return;
		if (d->len > 0) {
			n = d->len < win ? (uint32_t)d->len : win;
			if ((w = relay_write(to, d->carry + d->off, n, is_stderr)) <= 0)
				return;
			d->off += (size_t)w;
			d->len -= (size_t)w;
			continue;
		}
		if ((avail = ssh_channel_poll(from, is_stderr)) <= 0)
			break;		/* nothing (more), or EOF */
		n = (uint32_t)avail < win ? (uint32_t)avail : win;
		if (n > sizeof(relay_scratch))
			n = sizeof(relay_scratch);
		if (!all) {
			if (n == (uint32_t)avail && n < RELAY_PACKET) {
				if (!d->held)
					relay_hold(d);
				return;
			}
			n = relay_whole(n);
		}
		if ((r = ssh_channel_read_nonblocking(from, relay_scratch, n,
		    is_stderr)) <= 0)
			break;
		if ((w = relay_write(to, relay_scratch, (uint32_t)r, is_stderr)) < 0)
			w = 0;
		if (w < r) {
			if (d->carry == NULL)
				d->carry = xmalloc(GW_RELAY_CHUNK);
			memcpy(d->carry, relay_scratch + w, (size_t)(r - w));
			d->off = 0;
			d->len = (size_t)(r - w);
			return;
		}
	}
	*pending = false;
	d->held = false;
	if (gone)
		d->len = 0;
}

/* Whether a drain may send everything now, tail included. */
static bool
relay_release(const struct relay_dir *d, bool idle, bool sender_done)
{
	return idle || sender_done ||
	    (d->held && relay_round - d->held_round >= RELAY_HOLD_ROUNDS);
}

static bool
relay_drained(const bool pending[2], const struct relay_dir d[2])
{
	return !pending[0] && !pending[1] && d[0].len == 0 && d[1].len == 0;
}

/*
 * Whether the client's CLOSE of a session waits for the workspace's exit
 * status: ssh closes as soon as both sides sent EOF, and sshd may send its
 * EOF before the status, which would then come too late (ssh exits 255).
 * Only once the workspace sent EOF (its command is ending: the status is
 * near), and RELAY_STATUS_WAIT_MS at most.
 */
static bool
relay_status_wait(struct relay_chan *rc)
{
	if (strcmp(rc->kind, "session") != 0 || rc->up_status_seen ||
	    rc->up_closed || !rc->up_eof)
		return false;
	if (rc->down_closed_ms == 0)
		rc->down_closed_ms = conn_now_ms();
	return conn_now_ms() - rc->down_closed_ms < RELAY_STATUS_WAIT_MS;
}

/* Advances one pair: data held back, then EOF and CLOSE in order.
 * Returns whether a tail is still held. */
static bool
relay_chan_step(struct relay_chan *rc, bool idle)
{
	struct relay_chan_priv *p = PRIV(rc);
	bool down_gone, up_gone;
	int i;

	/* EOF or CLOSE that arrived before the callbacks were set. */
	if (!rc->down_eof && ssh_channel_is_eof(rc->down))
		rc->down_eof = true;
	if (!rc->up_eof && ssh_channel_is_eof(rc->up))
		rc->up_eof = true;
	if (!rc->down_closed && !rc->down_close_sent && ssh_channel_is_closed(rc->down))
		rc->down_closed = true;
	if (!rc->up_closed && !rc->up_close_sent && ssh_channel_is_closed(rc->up))
		rc->up_closed = true;
	down_gone = rc->down_closed || rc->down_close_sent;
	up_gone = rc->up_closed || rc->up_close_sent;

	for (i = 0; i < 2; i++) {
		relay_drain(rc->up, rc->down, down_gone, &p->down[i], i,
		    &rc->up_pending[i], relay_release(&p->down[i], idle,
		    rc->up_eof || rc->up_closed), &rc->builtin);
		relay_drain(rc->down, rc->up, up_gone, &p->up[i], i,
		    &rc->down_pending[i], relay_release(&p->up[i], idle,
		    rc->down_eof || rc->down_closed), &rc->builtin);
	}
	if (relay_drained(rc->up_pending, p->down) && !down_gone) {
		if ((rc->up_eof || rc->up_closed) && !rc->down_eof_sent) {
			ssh_channel_send_eof(rc->down);
			rc->down_eof_sent = true;
		}
		if (rc->up_closed) {
			ssh_channel_close(rc->down);
			rc->down_close_sent = true;
		}
	}
	if (relay_drained(rc->down_pending, p->up) && !up_gone) {
		if ((rc->down_eof || rc->down_closed) && !rc->up_eof_sent) {
			ssh_channel_send_eof(rc->up);
			rc->up_eof_sent = true;
		}
		if (rc->down_closed && !relay_status_wait(rc)) {
			ssh_channel_close(rc->up);
			rc->up_close_sent = true;
		}
	}
	/* A CLOSE received is answered with ours (RFC 4254 5.3); libssh does
	 * not do it by itself.  Not before what that side sent is delivered:
	 * closing the channel would drop libssh's buffer of it. */
	if (rc->down_closed && !rc->down_close_sent &&
	    relay_drained(rc->down_pending, p->up) && !relay_status_wait(rc)) {
		ssh_channel_close(rc->down);
		rc->down_close_sent = true;
	}
	if (rc->up_closed && !rc->up_close_sent &&
	    relay_drained(rc->up_pending, p->down)) {
		ssh_channel_close(rc->up);
		rc->up_close_sent = true;
	}
	return p->down[0].held || p->down[1].held || p->up[0].held ||
	    p->up[1].held;
}

/*
 * After each poll round: `idle` when the round timed out.  Returns whether
 * a tail is held, for which the next round should wait GW_RELAY_HOLD_MS at
 * most.
 */
bool
relay_flush(struct conn *c, bool idle)
{
	struct relay_chan **pp = &c->chans, *rc;
	bool held = false;

	relay_round++;
	while ((rc = *pp) != NULL) {
		if (rc->builtin != NULL) {
			*pp = rc->next;
			c->nchans--;
			relay_chan_detach(c, rc);
			continue;
		}
		if (relay_chan_step(rc, idle))
			held = true;
		if (rc->down_closed && rc->down_close_sent && rc->up_closed &&
		    rc->up_close_sent) {
			log_debug("user %s from %s: %s channel closed", c->login,
			    c->peer, rc->kind);
			*pp = rc->next;
			c->nchans--;
			relay_chan_free(rc);
			continue;
		}
		pp = &rc->next;
	}
	return held;
}

void
relay_close_all(struct conn *c)
{
	struct relay_chan *rc, *next;

	for (rc = c->chans; rc != NULL; rc = next) {
		next = rc->next;
		relay_chan_free(rc);
	}
	c->chans = NULL;
	c->nchans = 0;
}
