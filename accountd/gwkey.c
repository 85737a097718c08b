/*
 * gwkey.c: each account's gateway key, the ed25519 key with which
 * meduse-sshd logs in to the account's workspace on the user's behalf.
 *
 * accountd generates it; its private half lives in state_dir/gateway-keys/
 * NAME, mode 0640, group accountd.gateway_group, so that the gateway (and
 * nobody else unprivileged) can read it; its public half is in the database
 * and shown by `accountctl show`.  A key is written as NAME.new while its
 * transaction is open, and renamed into place only once the database has
 * committed, so a refused change leaves no key behind and a crash leaves at
 * worst a stray .new file that the next start removes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "accountd.h"
#include "log.h"
#include "xmalloc.h"

#define GWKEY_DIR	"gateway-keys"

static int
gwkey_dir(struct accountd *ad, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/" GWKEY_DIR, ad->cfg->state_dir) >= len)
		return -1;
	return 0;
}

int
gwkey_path(struct accountd *ad, const char *name, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/" GWKEY_DIR "/%s", ad->cfg->state_dir,
	    name) >= len)
		return -1;
	return 0;
}

/* Gives a file or folder to root:gateway_group, so the gateway can read it. */
static int
gwkey_own(struct accountd *ad, const char *path, int fd, mode_t mode)
{
	gid_t gid = ad->gateway_gid == (gid_t)-1 ? getegid() : ad->gateway_gid;
	int r;

	r = fd != -1 ? fchown(fd, geteuid(), gid) : chown(path, geteuid(), gid);
	if (r == -1 && errno != EPERM) {
		log_error("chown %s: %s", path, strerror(errno));
		return -1;
	}
	r = fd != -1 ? fchmod(fd, mode) : chmod(path, mode);
	if (r == -1) {
		log_error("chmod %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Creates the key folder and removes .new files a crash may have left. */
int
gwkey_dir_init(struct accountd *ad)
{
	char dir[4096], path[4600];
	struct dirent *de;
	struct stat st;
	DIR *d;
	size_t n;

	if (gwkey_dir(ad, dir, sizeof(dir)) == -1)
		return -1;
	/*
	 * The gateway must pass through state_dir to reach its keys (and its
	 * own state_dir/sshd): group gateway_group may enter, not list, not
	 * write; the database inside stays 0600.  Only a state_dir we own is
	 * adjusted: an admin's own choice is left alone.
	 */
	if (stat(ad->cfg->state_dir, &st) == 0 && st.st_uid == geteuid() &&
	    gwkey_own(ad, ad->cfg->state_dir, -1, 0710) == -1)
		return -1;
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (gwkey_own(ad, dir, -1, 0750) == -1)
		return -1;
	if ((d = opendir(dir)) == NULL) {
		log_error("cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n > 4 && strcmp(de->d_name + n - 4, ".new") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			log_info("removing unfinished gateway key %s", path);
			(void)unlink(path);
		}
	}
	closedir(d);
	return 0;
}

/*
 * Generates a key for account name into NAME.new and returns its public line
 * in *pubkey (malloc'd).  The call's hooks put the file in place once the
 * transaction is settled.
 */
int
gwkey_prepare(struct call *c, const char *name, char **pubkey)
{
	ssh_key key = NULL;
	char path[4096], tmp[4200], *priv = NULL, *pub = NULL;
	size_t off, len;
	ssize_t w;
	int fd = -1, rc = -1;

	*pubkey = NULL;
	if (gwkey_path(c->ad, name, path, sizeof(path)) == -1)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &priv) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(key, &pub) != SSH_OK) {
		log_error("cannot generate a gateway key for %s", name);
		goto out;
	}
	/* O_EXCL: a .new file is only ever written by its own transaction. */
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		log_error("cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	len = strlen(priv);
	for (off = 0; off < len; off += (size_t)w) {
		if ((w = write(fd, priv + off, len - off)) == -1) {
			log_error("writing %s: %s", tmp, strerror(errno));
			goto out;
		}
	}
	if (gwkey_own(c->ad, tmp, fd, 0640) == -1 || fsync(fd) == -1)
		goto out;
	xasprintf(pubkey, "ssh-ed25519 %s meduse-gateway@%s", pub, name);
	c->on_commit = gwkey_commit;
	c->on_rollback = gwkey_discard;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1 && fd != -1)
		(void)unlink(tmp);
	ssh_string_free_char(priv);
	ssh_string_free_char(pub);
	ssh_key_free(key);
	return rc;
}

void
gwkey_commit(struct call *c)
{
	char path[4096], tmp[4200];

	if (gwkey_path(c->ad, c->target, path, sizeof(path)) == -1)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (rename(tmp, path) == -1)
		log_error("cannot move gateway key %s into place: %s (the next "
		    "start of accountd makes a new one)", tmp, strerror(errno));
}

void
gwkey_discard(struct call *c)
{
	char path[4096], tmp[4200];

	if (gwkey_path(c->ad, c->target, path, sizeof(path)) == -1)
		return;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	(void)unlink(tmp);
}

/* After a purge: the account is gone, so is its key. */
void
gwkey_remove(struct call *c)
{
	char path[4096];

	if (gwkey_path(c->ad, c->target, path, sizeof(path)) == 0 &&
	    unlink(path) == -1 && errno != ENOENT)
		log_warn("cannot remove gateway key %s: %s", path, strerror(errno));
}

/* Does the key file exist and hold the private half of pubkey? */
static int
gwkey_matches(struct accountd *ad, const struct account *a)
{
	char path[4096], *pub = NULL;
	ssh_key key = NULL;
	int ok = 0;

	if (a->gateway_pubkey == NULL || a->gateway_pubkey[0] == '\0' ||
	    gwkey_path(ad, a->name, path, sizeof(path)) == -1 ||
	    ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(key, &pub) != SSH_OK)
		goto out;
	ok = strncmp(a->gateway_pubkey, "ssh-ed25519 ", 12) == 0 &&
	    strncmp(a->gateway_pubkey + 12, pub, strlen(pub)) == 0;
out:
	ssh_string_free_char(pub);
	ssh_key_free(key);
	return ok;
}

/*
 * At start: every account gets a usable gateway key, whether it predates
 * gateway keys (schema 1), lost its file, or a crash came between commit
 * and rename.  Each fix is one transaction, like any change.
 */
int
gwkey_reconcile(struct accountd *ad)
{
	static const struct peer self = { .name = "accountd" };
	struct account *v = NULL;
	struct call c;
	char *pub;
	size_t i, n = 0;
	int rc = -1;

	if (gwkey_dir_init(ad) == -1 || db_account_list(ad->db, &v, &n) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if (gwkey_matches(ad, &v[i]))
			continue;
		memset(&c, 0, sizeof(c));
		c.ad = ad;
		snprintf(c.target, sizeof(c.target), "%s", v[i].name);
		if (db_begin(ad->db) == -1)
			goto out;
		if (gwkey_prepare(&c, v[i].name, &pub) == -1 ||
		    db_account_set_gateway_key(ad->db, v[i].id, pub) != 0 ||
		    db_audit_add(ad->db, &self, "gwkey.generate", v[i].name, "ok",
		    "") != 0 || db_commit(ad->db) == -1) {
			db_rollback(ad->db);
			gwkey_discard(&c);
			free(pub);
			goto out;
		}
		gwkey_commit(&c);
		log_info("account %s: new gateway key (%s)", v[i].name,
		    v[i].gateway_pubkey[0] ? "the old one did not match its file" :
		    "it had none");
		free(pub);
	}
	rc = 0;
out:
	account_free_array(v, n);
	return rc;
}
