/*
 * auth.c: publickey authentication, the only method the gateway offers.
 * The login is "NAME" or "NAME+WORKSPACE"; the offered key's SHA256
 * fingerprint is looked up in accountd (auth.lookup), which must answer that
 * the key belongs to NAME and the account is active; then the PAM account
 * stage runs (pam.c).  libssh has already verified the signature when
 * signature_state is VALID.
 *
 * Trust boundary: the login name and the key come from the unauthenticated
 * client.  Every refusal looks the same from outside (SSH_AUTH_DENIED after
 * one accountd round trip, whatever the reason), so nobody can learn which
 * accounts exist; the reason goes to the log, once, with who, from where,
 * which key and the outcome.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "log.h"
#include "meduse-sshd.h"

/* The reason may quote the client's login name: one printable line only. */
static void
auth_printable(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

/* SHA256 fingerprint as OpenSSH prints it, into fp (KEY_FP_LEN bytes). */
static int
auth_fingerprint(ssh_key key, char *fp, size_t len)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *s = NULL;
	int rc = -1;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
	    &hlen) != SSH_OK)
		goto out;
	if ((s = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash,
	    hlen)) == NULL)
		goto out;
	if ((size_t)snprintf(fp, len, "%s", s) >= len)
		goto out;
	rc = 0;
out:
	ssh_string_free_char(s);
	ssh_clean_pubkey_hash(&hash);
	return rc;
}

/*
 * Asks accountd whether fp is a key of account and the account is active.
 * Returns 0 when it is, -1 with the reason (for the log only) in why.
 */
static int
auth_lookup(const struct config *cfg, const char *account, const char *fp,
    bool touch, char *why, size_t whylen)
{
	struct client_error cerr;
	json_t *params = NULL, *res = NULL;
	const char *owner, *state;
	int rc = -1;

	params = json_pack("{s:s, s:s, s:b}", "fingerprint", fp, "user", account,
	    "touch", touch);
	if (params == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (client_call_once(cfg->accountd.socket, "auth.lookup", params, &res,
	    &cerr) == -1) {
		if (cerr.code == API_ERR_NOT_FOUND)
			snprintf(why, whylen, "key not registered to this account");
		else
			snprintf(why, whylen, "accountd: %s: %s",
			    proto_err_name(cerr.code), cerr.message);
		goto out;
	}
	if (json_unpack(res, "{s:s, s:s}", "account", &owner, "state", &state) != 0) {
		snprintf(why, whylen, "accountd: malformed auth.lookup answer");
		goto out;
	}
	if (strcmp(owner, account) != 0) {
		snprintf(why, whylen, "key belongs to another account");
		goto out;
	}
	if (strcmp(state, "active") != 0) {
		snprintf(why, whylen, "account is %s", state);
		goto out;
	}
	rc = 0;
out:
	json_decref(params);
	json_decref(res);
	return rc;
}

int
auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *key,
    char signature_state, void *userdata)
{
	struct conn *c = userdata;
	char account[NAME_MAX_LEN + 1], ws[NAME_MAX_LEN + 1], fp[KEY_FP_LEN];
	char why[600], junk[600];
	const char *stage;

	(void)session;
	snprintf(c->login, sizeof(c->login), "%.*s", NAME_MAX_LEN * 2 + 1,
	    user != NULL ? user : "");
	/* A login name we would not accept is logged without echoing it raw. */
	if (names_split_login(c->login, account, ws, why, sizeof(why)) == -1) {
		snprintf(c->login, sizeof(c->login), "(invalid)");
		snprintf(fp, sizeof(fp), "-");
		auth_fingerprint(key, fp, sizeof(fp));
		/* One accountd round trip, as for every other refusal, so that
		 * the time taken does not tell names apart; its answer cannot
		 * accept anything (no account is named ""). */
		auth_lookup(c->cfg, "", fp, false, junk, sizeof(junk));
		auth_printable(why);
		log_info("auth: user (invalid login name) from %s key %s: refused (%s)",
		    c->peer, fp, why);
		goto deny;
	}
	if (auth_fingerprint(key, fp, sizeof(fp)) == -1) {
		log_info("auth: user %s from %s: refused (cannot fingerprint the key)",
		    c->login, c->peer);
		goto deny;
	}
	switch (signature_state) {
	case SSH_PUBLICKEY_STATE_NONE:
		stage = "probe";
		break;
	case SSH_PUBLICKEY_STATE_VALID:
		stage = "signature";
		break;
	default:
		log_info("auth: user %s from %s key %s: refused (bad signature)",
		    c->login, c->peer, fp);
		goto deny;
	}
	if (auth_lookup(c->cfg, account, fp, false, why, sizeof(why)) == -1) {
		log_info("auth: user %s from %s key %s: refused (%s)", c->login,
		    c->peer, fp, why);
		goto deny;
	}
	if (signature_state == SSH_PUBLICKEY_STATE_NONE) {
		log_debug("auth: user %s from %s key %s: %s accepted", c->login,
		    c->peer, fp, stage);
		return SSH_AUTH_SUCCESS;
	}
	if (pam_account_check(c->cfg, account, c->peer, why, sizeof(why)) == -1) {
		log_info("auth: user %s from %s key %s: refused (%s)",
		    c->login, c->peer, fp, why);
		goto deny;
	}
	/* Only a completed login marks the key as used. */
	if (auth_lookup(c->cfg, account, fp, true, why, sizeof(why)) == -1) {
		log_info("auth: user %s from %s key %s: refused (%s)", c->login,
		    c->peer, fp, why);
		goto deny;
	}
	snprintf(c->account, sizeof(c->account), "%s", account);
	snprintf(c->workspace, sizeof(c->workspace), "%s", ws);
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", fp);
	c->authenticated = true;
	log_info("auth: user %s from %s key %s: accepted", c->login, c->peer, fp);
	return SSH_AUTH_SUCCESS;
deny:
	c->auth_failures++;
	return SSH_AUTH_DENIED;
}
