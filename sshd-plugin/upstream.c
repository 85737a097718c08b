/*
 * upstream.c: the gateway as an SSH client of the user's workspace.  The
 * stream is a TCP connection, or the stdin/stdout of a command run without
 * a shell (like OpenSSH's ProxyCommand).  The workspace's host key is
 * checked against state_dir/sshd/known_hosts (trusted on first use; a
 * changed key refuses the connection and says so in the log), and the
 * gateway logs in with the account's gateway key.  With
 * gateway.upstream_host_keys pinned, only keys already in the file (or in
 * gateway.upstream_known_hosts) are accepted.  This leg prefers AES-GCM:
 * the relay decrypts and encrypts every byte twice, and AES-GCM costs half
 * of ChaCha20 on CPUs with AES instructions.
 *
 * Trust boundary: the workspace is the user's own and only as trusted as
 * its host key; nothing it sends is interpreted here beyond SSH itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "meduse-sshd.h"

/* Runs argv with its stdin and stdout on one end of a socketpair. */
static int
upstream_spawn(char **argv, int *fd, pid_t *pid, char *err, size_t errlen)
{
	int sv[2];
	pid_t p;

	*fd = -1;
	*pid = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	if ((p = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (p == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(sv[1], STDIN_FILENO) == -1 || dup2(sv[1], STDOUT_FILENO) == -1)
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, GW_NAME ": cannot run %s: %s\n", argv[0],
		    strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	*fd = sv[0];
	*pid = p;
	return 0;
}

/* "SHA256:..." of the workspace's host key, for log lines. */
static void
upstream_fingerprint(ssh_session s, char *buf, size_t len)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL;

	snprintf(buf, len, "(unknown)");
	if (ssh_get_server_publickey(s, &key) != SSH_OK)
		return;
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) == 0 && (fp = ssh_get_fingerprint_hash(
	    SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) != NULL)
		snprintf(buf, len, "%s", fp);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
}

/*
 * gateway.upstream_host_keys pinned: an unknown key is refused, and the log
 * gives the line an admin adds once the fingerprint is confirmed.
 */
static int
upstream_refuse_unknown(ssh_session s, const char *where, const char *known,
    bool missing, const char *fp, char *err, size_t errlen)
{
	char *entry = NULL;

	if (ssh_session_export_known_hosts_entry(s, &entry) == SSH_OK) {
		/* The line ends in a newline of its own. */
		entry[strcspn(entry, "\n")] = '\0';
		log_error("upstream %s: host key %s is not in %s%s and "
		    "gateway.upstream_host_keys is pinned: refusing to connect.  "
		    "If that is the workspace's key, add this line to the file: "
		    "%s", where, fp, known, missing ? " (no such file)" : "",
		    entry);
	} else
		log_error("upstream %s: host key %s is not in %s%s and "
		    "gateway.upstream_host_keys is pinned: refusing to connect",
		    where, fp, known, missing ? " (no such file)" : "");
	ssh_string_free_char(entry);
	snprintf(err, errlen, "its host key is not pinned on the gateway; ask "
	    "an admin");
	return -1;
}

/* Trust on first use or pinned; a changed key is refused, loudly. */
static int
upstream_check_hostkey(const struct config *cfg, ssh_session s, const char *where,
    const char *known, char *err, size_t errlen)
{
	enum ssh_known_hosts_e st;
	bool pinned = strcmp(cfg->gateway.upstream_host_keys, "pinned") == 0;
	char fp[128];

	st = ssh_session_is_known_server(s);
	if (st != SSH_KNOWN_HOSTS_OK)
		upstream_fingerprint(s, fp, sizeof(fp));
	switch (st) {
	case SSH_KNOWN_HOSTS_OK:
		return 0;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		/* libssh says UNKNOWN for a missing file too. */
		if (pinned)
			return upstream_refuse_unknown(s, where, known,
			    access(known, F_OK) == -1 && errno == ENOENT, fp,
			    err, errlen);
		if (ssh_session_update_known_hosts(s) != SSH_OK) {
			snprintf(err, errlen, "cannot record its host key");
			log_error("upstream %s: cannot write %s: %s", where, known,
			    ssh_get_error(s));
			return -1;
		}
		log_info("upstream %s: host key trusted on first use (%s) and "
		    "recorded in %s", where, fp, known);
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		log_error("upstream %s: HOST KEY CHANGED: refusing to connect "
		    "(it now offers %s).  If the workspace was rebuilt, remove "
		    "its line from %s", where, fp, known);
		snprintf(err, errlen, "its host key changed; ask an admin");
		return -1;
	default:
		snprintf(err, errlen, "cannot check its host key");
		log_error("upstream %s: cannot check the host key: %s", where,
		    ssh_get_error(s));
		return -1;
	}
}

/* A TCP connection to host:port (numeric or a name), within the timeout. */
static int
upstream_tcp(const char *host, int port, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = { GW_UPSTREAM_TIMEOUT_S, 0 };
	char serv[16];
	int fd = -1, one = 1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(serv, sizeof(serv), "%d", port);
	if ((r = getaddrinfo(host, serv, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot connect to %s:%d: %s", host, port,
		    gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		/* SO_SNDTIMEO bounds connect() too (Linux). */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd == -1)
		snprintf(err, errlen, "cannot connect to %s:%d: %s", host, port,
		    strerror(errno));
	else
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	freeaddrinfo(res);
	return fd;
}

int
upstream_connect(const struct config *cfg, const struct route *r, ssh_session *out,
    pid_t *pid, char *err, size_t errlen)
{
	static const struct { enum ssh_options_e opt; const char *val; } algs[] = {
		{ SSH_OPTIONS_KEY_EXCHANGE, GW_KEX },
		{ SSH_OPTIONS_CIPHERS_C_S, GW_UP_CIPHERS },
		{ SSH_OPTIONS_CIPHERS_S_C, GW_UP_CIPHERS },
		{ SSH_OPTIONS_HMAC_C_S, GW_MACS },
		{ SSH_OPTIONS_HMAC_S_C, GW_MACS },
		{ SSH_OPTIONS_HOSTKEYS, GW_HOSTKEY_ALGS },
		{ SSH_OPTIONS_COMPRESSION, "no" },
	};
	ssh_session s = NULL;
	ssh_key key = NULL;
	char where[300], known[4200], dir[4100];
	long timeout = GW_UPSTREAM_TIMEOUT_S;
	bool no = false;
	int one = 1, fd = -1, rc = -1;
	size_t i;

	*out = NULL;
	*pid = 0;
	if (r->command)
		snprintf(where, sizeof(where), "command %s (workspace %s/%s)",
		    r->argv[0], r->account, r->workspace);
	else
		snprintf(where, sizeof(where), "%s:%d", r->host, r->port);
	snprintf(dir, sizeof(dir), "%s/sshd", cfg->state_dir);
	if (cfg->gateway.upstream_known_hosts[0] != '\0')
		snprintf(known, sizeof(known), "%s",
		    cfg->gateway.upstream_known_hosts);
	else
		snprintf(known, sizeof(known), "%s/known_hosts", dir);
	/* The default file lives in state_dir; a configured one is the admin's. */
	if (cfg->gateway.upstream_known_hosts[0] == '\0' &&
	    mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "internal error (state directory)");
		log_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if ((s = ssh_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (ssh_options_set(s, algs[i].opt, algs[i].val) != SSH_OK) {
			snprintf(err, errlen, "internal error (algorithms)");
			log_error("libssh refuses %s: %s", algs[i].val, ssh_get_error(s));
			goto out;
		}
	}
	/* The known_hosts entry of a command transport is named after the
	 * workspace, since there is no address; so is a pod's, whose address
	 * is not its own for long.  The socket is then ours to connect. */
	if (r->command || r->by_name) {
		char name[NAME_MAX_LEN * 2 + 16];

		snprintf(name, sizeof(name), "%s.%s.meduse", r->workspace, r->account);
		ssh_options_set(s, SSH_OPTIONS_HOST, name);
	} else {
		ssh_options_set(s, SSH_OPTIONS_HOST, r->host);
		ssh_options_set(s, SSH_OPTIONS_PORT, &r->port);
	}
	ssh_options_set(s, SSH_OPTIONS_USER, r->user);
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set(s, SSH_OPTIONS_NODELAY, &one);
	ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, known);
	ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	if (r->command) {
		if (upstream_spawn(r->argv, &fd, pid, err, errlen) == -1)
			goto out;
		ssh_options_set(s, SSH_OPTIONS_FD, &fd);
	} else if (r->by_name) {
		if ((fd = upstream_tcp(r->host, r->port, err, errlen)) == -1)
			goto out;
		ssh_options_set(s, SSH_OPTIONS_FD, &fd);
	}
	if (ssh_connect(s) != SSH_OK) {
		snprintf(err, errlen, "cannot connect to %s: %s", where,
		    ssh_get_error(s));
		goto out;
	}
	if (upstream_check_hostkey(cfg, s, where, known, err, errlen) == -1)
		goto out;
	if (ssh_pki_import_privkey_file(r->key_file, NULL, NULL, NULL, &key) !=
	    SSH_OK) {
		snprintf(err, errlen, "the gateway cannot read your gateway key; "
		    "ask an admin");
		log_error("cannot read gateway key %s: check that it exists and "
		    "that the gateway's user is in accountd.gateway_group",
		    r->key_file);
		goto out;
	}
	if (ssh_userauth_publickey(s, NULL, key) != SSH_AUTH_SUCCESS) {
		snprintf(err, errlen, "%s refused the gateway key for user %s; "
		    "the workspace must trust the key shown by 'accountctl show %s'",
		    where, r->user, r->account);
		goto out;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	ssh_key_free(key);
	if (s != NULL) {
		ssh_disconnect(s);
		ssh_free(s);
	}
	if (rc == -1 && *pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
	return rc;
}
