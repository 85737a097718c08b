/*
 * hostkey.c: the gateway's host keys.  Either the files listed in
 * gateway.host_keys, or one ed25519 key generated on first start under
 * state_dir/sshd/host_ed25519_key (0600) and reused afterwards, so that
 * users' known_hosts stay valid across restarts.
 *
 * Trust boundary: the key files are trusted; they must be private (not
 * readable by group or others), since whoever reads them can impersonate
 * the gateway.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "meduse-sshd.h"

#define HOSTKEY_GENERATED	"host_ed25519_key"

/* Refuses a private key file that others may read or write. */
static int
hostkey_check_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		log_error("host key %s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_mode & 077) {
		log_error("host key %s has mode %04o: it must not be readable "
		    "by group or others (chmod 0600 %s)", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

static int
hostkey_load(ssh_bind bind, const char *path)
{
	ssh_key key = NULL;
	int rc = -1;

	if (hostkey_check_mode(path) == -1)
		goto out;
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
		log_error("cannot read host key %s: it must be an OpenSSH private "
		    "key without passphrase", path);
		goto out;
	}
	if (ssh_key_type(key) != SSH_KEYTYPE_ED25519 &&
	    ssh_key_type(key) != SSH_KEYTYPE_RSA) {
		log_error("host key %s is %s: use ed25519 or RSA", path,
		    ssh_key_type_to_char(ssh_key_type(key)));
		goto out;
	}
	/* IMPORT_KEY takes the key: libssh frees it with the bind. */
	if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key) != SSH_OK) {
		log_error("cannot use host key %s: %s", path, ssh_get_error(bind));
		goto out;
	}
	key = NULL;
	log_debug("host key %s loaded", path);
	rc = 0;
out:
	ssh_key_free(key);
	return rc;
}

/* Makes state_dir/sshd/host_ed25519_key on first start; path gets the name. */
static int
hostkey_generate(const struct config *cfg, char *path, size_t len)
{
	ssh_key key = NULL;
	char dir[4096];
	int rc = -1;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/sshd", cfg->state_dir) >=
	    sizeof(dir) || (size_t)snprintf(path, len, "%s/" HOSTKEY_GENERATED,
	    dir) >= len) {
		log_error("state_dir %s: path too long", cfg->state_dir);
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_error("cannot create %s: %s (state_dir must be writable by "
		    "the gateway's user)", dir, strerror(errno));
		return -1;
	}
	if (access(path, F_OK) == 0)
		return 0;
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
		log_error("cannot generate an ed25519 host key");
		goto out;
	}
	/* umask 077 (main.c) makes the file 0600 from its creation on. */
	if (ssh_pki_export_privkey_file(key, NULL, NULL, NULL, path) != SSH_OK) {
		log_error("cannot write host key %s", path);
		unlink(path);
		goto out;
	}
	chmod(path, 0600);
	log_info("generated host key %s", path);
	rc = 0;
out:
	ssh_key_free(key);
	return rc;
}

int
hostkey_setup(const struct config *cfg, ssh_bind bind)
{
	char path[4200];
	size_t i;

	if (cfg->gateway.host_keys.n == 0) {
		if (hostkey_generate(cfg, path, sizeof(path)) == -1)
			return -1;
		return hostkey_load(bind, path);
	}
	for (i = 0; i < cfg->gateway.host_keys.n; i++)
		if (hostkey_load(bind, cfg->gateway.host_keys.v[i]) == -1)
			return -1;
	return 0;
}
