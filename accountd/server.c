/*
 * server.c: the unix socket of accountd and its event loop.
 *
 * Trust boundary: every byte read here comes from a local peer that may be
 * anyone on the host.  Frames are bounded, a silent peer is dropped after
 * ACCOUNTD_IDLE_MS, a peer that does not read its answers cannot block the
 * others (non-blocking writes), and a misbehaving peer only loses its own
 * connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "accountd.h"
#include "log.h"
#include "xmalloc.h"

struct conn {
	int		 fd;
	struct peer	 peer;
	char		*in;		/* bytes read, not yet a whole frame */
	size_t		 inlen;
	char		*out;		/* answer not yet written */
	size_t		 outlen, outoff;
	int64_t		 last_ms;	/* last activity, for the idle timeout */
	int		 closing;	/* close once out is written */
	int		 unpriv;	/* peer in neither group: one answer, then close */
};

/*
 * Takes an exclusive lock on state_dir/accountd.lock for the life of the
 * process, so that two daemons never write one database.  Returns the lock's
 * fd, or -1 with the reason logged.
 */
int
server_lock_state(const char *state_dir)
{
	char path[4096], pid[32], other[32];
	ssize_t n;
	int fd;

	if (mkdir(state_dir, 0750) == -1 && errno != EEXIST) {
		log_error("cannot create state_dir %s: %s", state_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/accountd.lock", state_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = read(fd, other, sizeof(other) - 1);
		other[n > 0 ? n : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		log_error("another accountd (pid %s) already uses %s: stop it first, "
		    "or give this one another state_dir", *other ? other : "?",
		    state_dir);
		close(fd);
		return -1;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, pid, strlen(pid)) == -1)
		log_warn("cannot write pid to %s: %s", path, strerror(errno));
	return fd;
}

/* Is something answering on path?  Tells a live daemon from a stale socket. */
static int
server_socket_alive(const char *path)
{
	struct sockaddr_un sun;
	int fd, alive;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return alive;
}

int
server_listen(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	char dir[sizeof(sun.sun_path)], *slash;
	mode_t old;
	int fd = -1;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_error("accountd.socket %s is too long (at most %zu bytes)", path,
		    sizeof(sun.sun_path) - 1);
		return -1;
	}
	strcpy(sun.sun_path, path);
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		/* chmod: the umask must not make it owner-only, since
		 * non-root peers (gateway, PAM callers) must reach the socket. */
		if (mkdir(dir, 0755) == 0)
			(void)chmod(dir, 0755);
		else if (errno != EEXIST) {
			log_error("cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("%s exists and is not a socket: remove it or change "
			    "accountd.socket", path);
			return -1;
		}
		if (server_socket_alive(path)) {
			log_error("another accountd is already listening on %s", path);
			return -1;
		}
		/* A crashed daemon's socket: nobody answers, so it is ours to remove. */
		log_info("removing stale socket %s", path);
		if (unlink(path) == -1) {
			log_error("cannot remove stale socket %s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1) {
		log_error("socket: %s", strerror(errno));
		return -1;
	}
	/*
	 * Anyone may connect: the decision is made per request from the
	 * kernel's peer credentials (peer.c), which a file mode cannot express
	 * for two groups.  The umask closes the window between bind and chmod.
	 */
	old = umask(0111);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_error("bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0666) == -1 || listen(fd, 64) == -1) {
		log_error("listen %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

static void
server_conn_close(struct conn *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void
server_accept(struct accountd *ad, int lfd, struct conn *conns)
{
	struct conn *c = NULL;
	struct peer p;
	int fd, i, nunpriv = 0;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("accept: %s", strerror(errno));
		return;
	}
	if (peer_from_socket(fd, &p) == -1) {
		close(fd);
		return;
	}
	for (i = 0; i < ACCOUNTD_MAX_CONN; i++) {
		if (conns[i].fd == -1 && c == NULL)
			c = &conns[i];
		else if (conns[i].fd != -1 && conns[i].unpriv)
			nunpriv++;
	}
	if (c == NULL) {
		log_warn("too many connections (%d): refusing one", ACCOUNTD_MAX_CONN);
		close(fd);
		return;
	}
	/*
	 * Anyone may connect, so peers that may call nothing get few slots
	 * and one answer each: they cannot crowd out PAM and the gateway.
	 */
	c->unpriv = peer_priv(ad, &p) == PRIV_NONE;
	if (c->unpriv && nunpriv >= ACCOUNTD_MAX_UNPRIV) {
		log_info("peer=%s uid=%u pid=%d refused: too many connections of "
		    "peers outside the accountd groups", p.name, (unsigned)p.uid,
		    (int)p.pid);
		close(fd);
		c->unpriv = 0;
		return;
	}
	c->peer = p;
	c->fd = fd;
	c->last_ms = dates_mono_ms();
}

/* Handles whole frames while no answer is pending (strict turns). */
static void
server_conn_process(struct accountd *ad, struct conn *c)
{
	char *nl, *resp;
	size_t flen;

	while (c->outlen == 0 && (nl = memchr(c->in, '\n', c->inlen)) != NULL) {
		flen = (size_t)(nl - c->in);
		resp = api_handle(ad, &c->peer, c->in, flen);
		memmove(c->in, nl + 1, c->inlen - flen - 1);
		c->inlen -= flen + 1;
		c->out = resp;
		c->outlen = strlen(resp);
		c->outoff = 0;
		if (c->unpriv)
			c->closing = 1;
	}
}

static void
server_conn_read(struct accountd *ad, struct conn *c)
{
	ssize_t n;

	if (c->in == NULL)
		c->in = xmalloc(PROTO_MAX_LINE);
	if (c->inlen == PROTO_MAX_LINE) {
		/* No newline within the limit: answer once, then hang up. */
		if (c->outlen == 0) {
			c->out = proto_encode_error(API_ERR_BAD_REQUEST,
			    "request longer than the protocol allows");
			c->outlen = c->out ? strlen(c->out) : 0;
			c->outoff = 0;
		}
		log_warn("peer %s (uid %u, pid %d) sent an over-long frame: "
		    "dropping it", c->peer.name, (unsigned)c->peer.uid, (int)c->peer.pid);
		c->closing = 1;
		c->inlen = 0;
		return;
	}
	n = read(c->fd, c->in + c->inlen, PROTO_MAX_LINE - c->inlen);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			c->closing = 1;
		return;
	}
	if (n == 0) {
		c->closing = 1;
		return;
	}
	c->inlen += (size_t)n;
	server_conn_process(ad, c);
}

static void
server_conn_write(struct accountd *ad, struct conn *c)
{
	ssize_t n;

	n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR) {
			c->closing = 1;
			free(c->out);
			c->out = NULL;
			c->outlen = c->outoff = 0;
		}
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen) {
		free(c->out);
		c->out = NULL;
		c->outlen = c->outoff = 0;
		server_conn_process(ad, c);
	}
}

static int
server_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int
server_run(struct accountd *ad, int lfd)
{
	struct conn conns[ACCOUNTD_MAX_CONN];
	struct pollfd pfd[ACCOUNTD_MAX_CONN + 2];
	struct signalfd_siginfo si;
	int map[ACCOUNTD_MAX_CONN + 2];
	int i, n, sfd, running = 1;
	int64_t now;

	if ((sfd = server_signalfd()) == -1) {
		log_error("signalfd: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < ACCOUNTD_MAX_CONN; i++) {
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].fd = -1;
	}
	while (running) {
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		n = 2;
		for (i = 0; i < ACCOUNTD_MAX_CONN; i++) {
			if (conns[i].fd == -1)
				continue;
			pfd[n].fd = conns[i].fd;
			pfd[n].events = conns[i].outlen ? POLLOUT : POLLIN;
			pfd[n].revents = 0;
			map[n++] = i;
		}
		if (poll(pfd, (nfds_t)n, 1000) == -1) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents & POLLIN) {
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					log_info("SIGHUP: accountd reads its config only "
					    "at start; restart it to apply changes");
					continue;
				}
				log_info("signal %u: shutting down", si.ssi_signo);
				running = 0;
			}
		}
		if (pfd[1].revents & POLLIN)
			server_accept(ad, lfd, conns);
		now = dates_mono_ms();
		for (i = 2; i < n; i++) {
			struct conn *c = &conns[map[i]];

			if (pfd[i].revents & (POLLERR | POLLNVAL))
				c->closing = 1, c->outlen = 0;
			else if (pfd[i].revents & POLLOUT)
				server_conn_write(ad, c);
			else if (pfd[i].revents & (POLLIN | POLLHUP))
				server_conn_read(ad, c);
			if (pfd[i].revents)
				c->last_ms = now;
			if (now - c->last_ms > ACCOUNTD_IDLE_MS)
				c->closing = 1, c->outlen = 0;
			if (c->closing && c->outlen == 0)
				server_conn_close(c);
		}
	}
	for (i = 0; i < ACCOUNTD_MAX_CONN; i++)
		if (conns[i].fd != -1)
			server_conn_close(&conns[i]);
	close(sfd);
	return 0;
}
