/*
 * meduse-sshd.h: the private header of meduse-sshd, the libssh gateway.
 *
 * One parent process listens and forks one child per connection (listen.c).
 * The child speaks SSH to the client (conn.c), authenticates the offered
 * public key through accountd (auth.c, pam.c), asks accountd where the
 * user's workspace is (route.c), logs in there with the account's gateway key
 * (upstream.c) and relays every channel 1:1 (channel.c for opens and
 * requests, relay.c for data and flow control), with keepalives and the
 * idle timeout kept by timers.c.
 *
 * Trust boundary: everything that arrives from the client side is untrusted
 * until auth.c accepted it; the upstream is trusted only as far as its host
 * key matches known_hosts; accountd and the configuration are trusted.
 */
#ifndef MEDUSE_SSHD_H
#define MEDUSE_SSHD_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include <libssh/libssh.h>
#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "config.h"
#include "keys.h"
#include "names.h"

#define GW_NAME		"meduse-sshd"

/* Server-side algorithms: modern only (see meduse-sshd(8)). */
#define GW_KEX		"curve25519-sha256,curve25519-sha256@libssh.org"
#define GW_CIPHERS	"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com," \
			"aes128-gcm@openssh.com,aes256-ctr,aes128-ctr"
#define GW_MACS		"hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"
#define GW_HOSTKEY_ALGS	"ssh-ed25519,rsa-sha2-512,rsa-sha2-256"
/* Client keys accepted: the same families as lib/keys.c's policy. */
#define GW_PUBKEY_ALGS	"ssh-ed25519,sk-ssh-ed25519@openssh.com,rsa-sha2-512," \
			"rsa-sha2-256,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384," \
			"ecdsa-sha2-nistp521,sk-ecdsa-sha2-nistp256@openssh.com"
/* Upstream leg: AES-GCM first, it costs half of ChaCha20 on AES-NI CPUs. */
#define GW_UP_CIPHERS	"aes128-gcm@openssh.com,aes256-gcm@openssh.com," \
			"chacha20-poly1305@openssh.com,aes256-ctr,aes128-ctr"

#define GW_MAX_AUTH_TRIES	6	/* refusals before the connection is closed */
#define GW_UPSTREAM_TIMEOUT_S	10	/* connect and key exchange upstream */
#define GW_RELAY_CHUNK		65536	/* bytes moved per read when draining */
#define GW_RELAY_HOLD_MS	1	/* a packet's tail waits this long for more (relay.c) */

struct route {
	char	 account[NAME_MAX_LEN + 1];
	char	 workspace[NAME_MAX_LEN + 1];
	bool	 command;		/* transport command, else tcp */
	char	*host;			/* tcp: address or name (owned) */
	int	 port;
	char	*user;			/* upstream login (owned) */
	char	*key_file;		/* gateway private key (owned) */
	char	**argv;			/* command: NULL-terminated (owned) */
	bool	 by_name;		/* known_hosts entry named after the
					   workspace: pod IPs move and are reused */
};

struct relay_chan;
struct lsess;

/* One client connection, in its own child process. */
struct conn {
	const struct config	*cfg;
	ssh_session		 client;	/* the user's side; we are the server */
	ssh_session		 upstream;	/* the workspace's side; NULL until connected */
	ssh_event		 event;		/* polls both sessions */
	struct ssh_server_callbacks_struct server_cb;
	char			 peer[64];	/* client address, for logs */
	char			 login[NAME_MAX_LEN * 2 + 2];	/* as the client sent it */
	char			 account[NAME_MAX_LEN + 1];	/* set once authenticated */
	char			 workspace[NAME_MAX_LEN + 1];	/* "" = default */
	char			 fingerprint[KEY_FP_LEN];	/* key that authenticated */
	bool			 authenticated;
	int			 auth_failures;
	/* The refusal audited if the connection ends without a login (auth.c) */
	char			 refused_login[NAME_MAX_LEN * 2 + 2];	/* printable copy */
	char			 refused_fp[KEY_FP_LEN];	/* "" when unknown */
	const char		*refused_reason;	/* NULL: nothing refused */
	int			 startup_fd;	/* to the parent; closed once authenticated */
	pid_t			 upstream_pid;	/* transport command child, or 0 */
	struct relay_chan	*chans;		/* open channel pairs */
	int			 nchans;
	bool			 closing;	/* the client is going away */
	bool			 agent_forwarding;	/* client sent auth-agent-req */
	bool			 x11_forwarding;	/* client sent x11-req */
	int			 nforwards;	/* tcpip-forward requests granted */
	bool			 data_seen;	/* channel data since conn.c last looked (relay.c sets) */
	int64_t			 idle_since_ms;	/* monotonic: last channel data */
	int64_t			 ka_next_ms;	/* monotonic: next keepalive check */
	uint64_t		 ka_rx_bytes;	/* TCP bytes received from the client at the last check */
	int			 ka_missed;	/* keepalives sent with no byte back since */
	int64_t			 activity_next_ms;	/* monotonic: next Coder usage report */
	/* Resolved while the login completes (conn.c), used once connected. */
	struct route		 route;
	bool			 routed;	/* route is set */
	bool			 local;		/* no upstream: local.c answers */
	bool			 deferred;	/* the workspace is not running:
						   started by the first session
						   that needs it (local.c) */
	struct lsess		*lsess;		/* sessions answered here */
	int			 local_told;	/* sessions told the reason */
	char			 route_err[512];	/* else why not */
};

/* A client channel and its upstream twin. */
struct relay_chan {
	struct conn	*conn;
	const char	*kind;			/* "session", "direct-tcpip", ... */
	bool		 pty;			/* a pty was granted (session) */
	char		*builtin;		/* its exec is meduse's: to hand
						   over to local.c (relay.c) */
	ssh_channel	 down;			/* client side */
	ssh_channel	 up;			/* upstream side */
	struct ssh_channel_callbacks_struct down_cb;
	struct ssh_channel_callbacks_struct up_cb;
	bool		 down_pending[2];	/* client data held by libssh [stdout, stderr] */
	bool		 up_pending[2];		/* upstream data held by libssh */
	bool		 down_eof, up_eof;	/* EOF received from that side */
	bool		 up_status_seen;	/* the workspace's exit status */
	bool		 down_eof_sent, up_eof_sent;	/* EOF relayed to that side */
	bool		 down_closed, up_closed;	/* CLOSE received from that side */
	bool		 down_close_sent, up_close_sent;
	int64_t		 down_closed_ms;	/* when the client's CLOSE came */
	struct relay_chan *next;
};

/* main.c */
extern volatile sig_atomic_t	main_debug;

/* listen.c */
int	listen_run(const char *cfg_path, struct config *cfg);

/* hostkey.c */
int	hostkey_setup(const struct config *cfg, ssh_bind bind);

/* One line of progress while a workspace is found or started. */
typedef void	(*route_progress_fn)(void *arg, const char *line);

/* conn.c */
void	conn_run(const struct config *cfg, ssh_bind bind, int fd,
	    const char *peer, int startup_fd) __attribute__((noreturn));
int	conn_upstream_ensure(struct conn *c);
int	conn_connect(struct conn *c, route_progress_fn progress, void *arg,
	    char *err, size_t errlen);
void	conn_disconnect(struct conn *c, const char *reason);

/* timers.c */
int64_t	conn_now_ms(void);
int	conn_rx_bytes(struct conn *c, uint64_t *bytes);
int	conn_timers(struct conn *c);
int	conn_poll_ms(const struct conn *c);

/* auth.c */
int	auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *key,
	    char signature_state, void *userdata);
void	auth_record_refusal(struct conn *c);

/* pam.c */
int	pam_account_check(const struct config *cfg, const char *account,
	    const char *peer, char *why, size_t whylen);

/* conn.c: finds the workspace before the login completes, showing
 * progress to the client as authentication banners. */
void	conn_route(struct conn *c);

/* local.c, local_session.c: sessions the gateway answers itself */
int	local_message(struct conn *c, ssh_message msg);
bool	local_owns(struct conn *c, ssh_message msg);
int	local_run_conn(struct conn *c);
void	local_step(struct conn *c);
void	local_builtin(struct conn *c, ssh_channel ch, const char *cmd, bool pty);
void	local_close_all(struct conn *c);

/* route.c */
int	route_resolve(const struct config *cfg, const char *account,
	    const char *workspace, bool start, route_progress_fn progress,
	    void *arg, struct route *out, bool *not_running, char *err,
	    size_t errlen);
void	route_clear(struct route *r);

/* upstream.c */
int	upstream_connect(const struct config *cfg, const struct route *r,
	    ssh_session *out, pid_t *pid, char *err, size_t errlen);

/* channel.c */
int	channel_message(ssh_session session, ssh_message msg, void *userdata);
int	channel_upstream_message(ssh_session session, ssh_message msg,
	    void *userdata);

/* relay.c */
struct relay_chan *relay_chan_new(struct conn *c, const char *kind,
	    ssh_channel down, ssh_channel up);
bool	relay_flush(struct conn *c, bool idle);
void	relay_chan_builtin(struct relay_chan *rc, const char *cmd);
void	relay_chan_late_status(struct relay_chan *rc);
void	relay_close_all(struct conn *c);

#endif
