/*
 * listen.c: the parent process.  Opens the sockets of gateway.listen,
 * accepts, and forks one child per connection so that a crash or a
 * misbehaving client affects that connection only.  It applies max_startups
 * (OpenSSH's random early drop of unauthenticated connections: each child
 * holds a pipe open until it has authenticated), drains on SIGTERM and
 * reloads the configuration for new connections on SIGHUP.
 *
 * Trust boundary: the parent never reads a byte from a client; it only
 * accepts and forks.  Children report nothing but "authenticated" (by
 * closing their end of the startup pipe).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "meduse-sshd.h"
#include "xmalloc.h"

#define LISTEN_MAX_FDS	32
#define LISTEN_END_MS	5000	/* after the drain: SIGTERM, then SIGKILL */

struct listen_child {
	pid_t	pid;
	int	startup_fd;	/* read end; -1 once the child authenticated */
};

static volatile sig_atomic_t	listen_sig_term;
static volatile sig_atomic_t	listen_sig_hup;

static struct listen_child	*listen_children;
static size_t			 listen_nchildren;

static void
listen_on_signal(int sig)
{
	if (sig == SIGHUP)
		listen_sig_hup = 1;
	else
		listen_sig_term++;
}

static void
listen_on_child(int sig)
{
	(void)sig;	/* only interrupts poll(); reaping happens in the loop */
}

/* A bind with the algorithms of meduse-sshd(8) and the host keys. */
static int
listen_bind_new(const struct config *cfg, ssh_bind *out)
{
	ssh_bind bind;
	static const struct { enum ssh_bind_options_e opt; const char *val; } algs[] = {
		{ SSH_BIND_OPTIONS_KEY_EXCHANGE, GW_KEX },
		{ SSH_BIND_OPTIONS_CIPHERS_C_S, GW_CIPHERS },
		{ SSH_BIND_OPTIONS_CIPHERS_S_C, GW_CIPHERS },
		{ SSH_BIND_OPTIONS_HMAC_C_S, GW_MACS },
		{ SSH_BIND_OPTIONS_HMAC_S_C, GW_MACS },
		{ SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, GW_HOSTKEY_ALGS },
		{ SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, GW_PUBKEY_ALGS },
	};
	size_t i;

	*out = NULL;
	if ((bind = ssh_bind_new()) == NULL) {
		log_error("cannot allocate the SSH server");
		return -1;
	}
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (ssh_bind_options_set(bind, algs[i].opt, algs[i].val) != SSH_OK) {
			log_error("libssh refuses algorithm list %s: %s",
			    algs[i].val, ssh_get_error(bind));
			ssh_bind_free(bind);
			return -1;
		}
	}
	if (hostkey_setup(cfg, bind) == -1) {
		ssh_bind_free(bind);
		return -1;
	}
	*out = bind;
	return 0;
}

/* Splits "host:port" or "[v6]:port" and opens every address it names. */
static int
listen_open_one(const char *spec, int *fds, size_t *nfds)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], *port;
	int fd, on = 1, gai, rc = -1;
	size_t before = *nfds;

	if (spec[0] == '[') {
		snprintf(host, sizeof(host), "%s", spec + 1);
		if ((port = strstr(host, "]:")) == NULL)
			goto bad;
		*port = '\0';
		port += 2;
	} else {
		snprintf(host, sizeof(host), "%s", spec);
		if ((port = strrchr(host, ':')) == NULL)
			goto bad;
		*port++ = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		log_error("gateway.listen %s: %s", spec, gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL && *nfds < LISTEN_MAX_FDS; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, 128) == -1) {
			log_error("cannot listen on %s: %s%s", spec, strerror(errno),
			    errno == EACCES ? " (ports below 1024 need "
			    "CAP_NET_BIND_SERVICE; see meduse-sshd(8))" : "");
			close(fd);
			goto out;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fds[(*nfds)++] = fd;
		log_info("listening on %s", spec);
	}
	rc = *nfds > before ? 0 : -1;
	if (rc == -1)
		log_error("gateway.listen %s: no usable address", spec);
out:
	freeaddrinfo(res);
	return rc;
bad:
	log_error("gateway.listen %s: expected host:port or [v6addr]:port", spec);
	return -1;
}

static void
listen_reap(void)
{
	pid_t pid;
	int status;
	size_t i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < listen_nchildren; i++) {
			if (listen_children[i].pid != pid)
				continue;
			if (listen_children[i].startup_fd != -1)
				close(listen_children[i].startup_fd);
			listen_children[i] = listen_children[--listen_nchildren];
			break;
		}
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM &&
		    WTERMSIG(status) != SIGALRM)
			log_error("connection process %d died of signal %d",
			    (int)pid, WTERMSIG(status));
	}
}

static size_t
listen_pending(void)
{
	size_t i, n = 0;

	for (i = 0; i < listen_nchildren; i++)
		if (listen_children[i].startup_fd != -1)
			n++;
	return n;
}

/* OpenSSH's MaxStartups: refuse rate% at start, rising linearly to all at full. */
static int
listen_should_drop(const struct config *cfg)
{
	int pending = (int)listen_pending(), start = cfg->gateway.max_startups_start;
	int rate = cfg->gateway.max_startups_rate, full = cfg->gateway.max_startups_full;
	int p;

	if (pending >= full)
		return 1;
	if (pending < start || full <= start)
		return 0;
	p = rate + (100 - rate) * (pending - start) / (full - start);
	return (random() % 100) < p;
}

static void
listen_accept(const struct config *cfg, ssh_bind bind, int lfd, const int *fds,
    size_t nfds)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char peer[64], port[16];
	int fd, pfd[2];
	size_t i;
	pid_t pid;

	if ((fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC)) == -1)
		return;
	if (getnameinfo((struct sockaddr *)&ss, sl, peer, sizeof(peer), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(peer, sizeof(peer), "unknown");
	if (listen_should_drop(cfg)) {
		log_warn("connection from %s port %s: dropped (max_startups: %zu "
		    "connections not yet authenticated)", peer, port,
		    listen_pending());
		close(fd);
		return;
	}
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		log_error("pipe: %s", strerror(errno));
		close(fd);
		return;
	}
	if ((pid = fork()) == -1) {
		log_error("fork: %s", strerror(errno));
		close(fd);
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	if (pid == 0) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		for (i = 0; i < listen_nchildren; i++)
			if (listen_children[i].startup_fd != -1)
				close(listen_children[i].startup_fd);
		close(pfd[0]);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		conn_run(cfg, bind, fd, peer, pfd[1]);
	}
	close(fd);
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
	listen_children = xreallocarray(listen_children, listen_nchildren + 1,
	    sizeof(*listen_children));
	listen_children[listen_nchildren].pid = pid;
	listen_children[listen_nchildren].startup_fd = pfd[0];
	listen_nchildren++;
	log_debug("connection from %s port %s: process %d", peer, port, (int)pid);
}

static int
listen_same_list(const struct config_strings *a, const struct config_strings *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return 0;
	return 1;
}

/* SIGHUP: new connections get the new configuration; on error keep the old. */
static void
listen_reload(const char *cfg_path, struct config **cfg, ssh_bind *bind)
{
	struct config *ncfg;
	ssh_bind nbind;

	log_info("SIGHUP: reloading the configuration");
	if ((ncfg = config_load_report(cfg_path, stderr)) == NULL) {
		log_error("reload failed: keeping the running configuration");
		return;
	}
	if (listen_bind_new(ncfg, &nbind) == -1) {
		log_error("reload failed: keeping the running configuration");
		config_free(ncfg);
		return;
	}
	if (!listen_same_list(&ncfg->gateway.listen, &(*cfg)->gateway.listen))
		log_warn("gateway.listen changed: restart meduse-sshd to apply it");
	ssh_bind_free(*bind);
	config_free(*cfg);
	*bind = nbind;
	*cfg = ncfg;
	log_info("configuration reloaded");
}

/*
 * SIGTERM: no new connections; open ones get gateway.drain_grace, then are
 * sent SIGTERM (conn.c tells their clients why).  A second SIGTERM ends the
 * wait at once.
 */
static void
listen_drain(const struct config *cfg)
{
	struct timespec start, now;
	uint64_t grace_ms = cfg->gateway.drain_grace_ms;
	siginfo_t info;
	size_t i;
	long ms;
	int first = listen_sig_term;

	if (grace_ms % 1000 == 0)
		log_info("SIGTERM: draining %zu connections (up to %llu s, "
		    "gateway.drain_grace)", listen_nchildren,
		    (unsigned long long)(grace_ms / 1000));
	else
		log_info("SIGTERM: draining %zu connections (up to %llu ms, "
		    "gateway.drain_grace)", listen_nchildren,
		    (unsigned long long)grace_ms);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		listen_reap();
		if (listen_nchildren == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if ((uint64_t)ms >= grace_ms || listen_sig_term > first)
			break;
		poll(NULL, 0, 100);
	}
	if (listen_nchildren == 0)
		return;
	log_info("ending %zu remaining connections", listen_nchildren);
	for (i = 0; i < listen_nchildren; i++)
		kill(listen_children[i].pid, SIGTERM);
	/* Each says goodbye to its client; one stuck in a blocking upstream
	 * call must not hold the stop for ever. */
	for (i = 0; i < LISTEN_END_MS / 100 && listen_nchildren > 0; i++) {
		poll(NULL, 0, 100);
		listen_reap();
	}
	if (listen_nchildren > 0)
		log_warn("killing %zu connection processes that did not end",
		    listen_nchildren);
	for (i = 0; i < listen_nchildren; i++)
		kill(listen_children[i].pid, SIGKILL);
	/* WNOWAIT: listen_reap() does the reaping and the bookkeeping. */
	while (listen_nchildren > 0) {
		if (waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) == -1 &&
		    errno != EINTR)
			break;
		listen_reap();
	}
}

int
listen_run(const char *cfg_path, struct config *cfg)
{
	struct pollfd pfds[LISTEN_MAX_FDS * 2 + 1024];
	struct sigaction sa;
	ssh_bind bind = NULL;
	int fds[LISTEN_MAX_FDS];
	size_t nfds = 0, i, n, npfd;
	int rc = -1;
	char c;

	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = listen_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = listen_on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (listen_bind_new(cfg, &bind) == -1)
		goto out;
	for (i = 0; i < cfg->gateway.listen.n; i++)
		if (listen_open_one(cfg->gateway.listen.v[i], fds, &nfds) == -1)
			goto out;
	log_info(GW_NAME " %s ready (libssh %s)", MEDUSE_VERSION, ssh_version(0));

	while (!listen_sig_term) {
		if (listen_sig_hup) {
			listen_sig_hup = 0;
			listen_reload(cfg_path, &cfg, &bind);
		}
		listen_reap();
		npfd = 0;
		for (i = 0; i < nfds; i++) {
			pfds[npfd].fd = fds[i];
			pfds[npfd++].events = POLLIN;
		}
		/* Startup pipes beyond the table's room are simply not watched
		 * this round: the child still closes them, the next round sees it. */
		for (i = 0; i < listen_nchildren && npfd < sizeof(pfds) / sizeof(pfds[0]); i++) {
			if (listen_children[i].startup_fd == -1)
				continue;
			pfds[npfd].fd = listen_children[i].startup_fd;
			pfds[npfd++].events = POLLIN;
		}
		if (poll(pfds, npfd, 1000) <= 0)
			continue;
		for (i = nfds; i < npfd; i++) {
			if (pfds[i].revents == 0)
				continue;
			if (read(pfds[i].fd, &c, 1) > 0)
				continue;
			for (n = 0; n < listen_nchildren; n++) {
				if (listen_children[n].startup_fd == pfds[i].fd) {
					close(pfds[i].fd);
					listen_children[n].startup_fd = -1;
				}
			}
		}
		for (i = 0; i < nfds; i++)
			if (pfds[i].revents & POLLIN)
				listen_accept(cfg, bind, pfds[i].fd, fds, nfds);
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	nfds = 0;
	listen_drain(cfg);
	log_info("stopped");
	rc = 0;
out:
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	ssh_bind_free(bind);
	free(listen_children);
	config_free(cfg);
	return rc;
}
