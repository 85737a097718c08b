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
 * which key and the outcome.  A key probe (no signature yet) is answered
 * from the key's owner alone, not the account's state: someone who holds
 * only Alice's public key must not learn that her account is locked.
 *
 * The audit log (accountd) gets one row per connection, never one per key:
 * auth.login when it logs in (the same call marks the key used), else
 * auth.refused when it ends without a login (auth_record_refusal(), from
 * conn.c), naming the attempt that got furthest.  A client tries every key
 * of its agent in turn, so per-key rows would show refusals for logins
 * that then succeeded, and would let one connection write six rows.
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
 * How far a refused attempt got, for the one that the audit row names:
 * a key that was the user's beats one that was not, which beats a login
 * name we could not read.  Ties go to the latest attempt.
 */
static int
auth_rank(const char *reason)
{
	if (strcmp(reason, "locked") == 0 || strcmp(reason, "expired") == 0 ||
	    strcmp(reason, "pam") == 0)
		return 3;
	if (strcmp(reason, "bad-signature") == 0)
		return 2;
	if (strcmp(reason, "unregistered") == 0)
		return 1;
	return 0;			/* invalid-name, error */
}

static void
auth_note(struct conn *c, const char *login, const char *fp, const char *reason)
{
	if (c->refused_reason != NULL &&
	    auth_rank(reason) < auth_rank(c->refused_reason))
		return;
	snprintf(c->refused_login, sizeof(c->refused_login), "%s", login);
	auth_printable(c->refused_login);
	snprintf(c->refused_fp, sizeof(c->refused_fp), "%s", fp);
	c->refused_reason = reason;
}

/*
 * Asks accountd whether fp is a key of account; copies the account's state
 * ("active", "locked", "expired") into state.  Returns 0 when it is, -1 with
 * the reason for the log in why and for the audit log in *reason.
 */
static int
auth_lookup(const struct config *cfg, const char *account, const char *fp,
    char *state, size_t statelen, char *why, size_t whylen, const char **reason)
{
	struct client_error cerr;
	json_t *params = NULL, *res = NULL;
	const char *owner, *st;
	int rc = -1;

	*reason = "error";
	params = json_pack("{s:s, s:s}", "fingerprint", fp, "user", account);
	if (params == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (client_call_once(cfg->accountd.socket, "auth.lookup", params, &res,
	    &cerr) == -1) {
		if (cerr.code == API_ERR_NOT_FOUND) {
			snprintf(why, whylen, "key not registered to this account");
			*reason = "unregistered";
		} else
			snprintf(why, whylen, "accountd: %s: %s",
			    proto_err_name(cerr.code), cerr.message);
		goto out;
	}
	if (json_unpack(res, "{s:s, s:s}", "account", &owner, "state", &st) != 0) {
		snprintf(why, whylen, "accountd: malformed auth.lookup answer");
		goto out;
	}
	if (strcmp(owner, account) != 0) {
		snprintf(why, whylen, "key belongs to another account");
		*reason = "unregistered";
		goto out;
	}
	snprintf(state, statelen, "%s", st);
	rc = 0;
out:
	json_decref(params);
	json_decref(res);
	return rc;
}

/*
 * The login itself (auth.login): accountd checks the key and the state once
 * more, marks the key used and writes the audit row, in one transaction.
 */
static int
auth_login(struct conn *c, const char *account, const char *ws, const char *fp,
    char *why, size_t whylen, const char **reason)
{
	struct client_error cerr;
	json_t *params = NULL, *res = NULL;
	int rc = -1;

	*reason = "error";
	params = json_pack("{s:s, s:s, s:s, s:s}", "user", account, "fingerprint",
	    fp, "source", c->peer, "workspace", ws);
	if (params == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (client_call_once(c->cfg->accountd.socket, "auth.login", params, &res,
	    &cerr) == -1) {
		snprintf(why, whylen, "accountd: %s: %s", proto_err_name(cerr.code),
		    cerr.message);
		/* A change since the lookup: "account NAME is STATE". */
		if (cerr.code == API_ERR_NOT_FOUND)
			*reason = "unregistered";
		else if (cerr.code == API_ERR_CONFLICT)
			*reason = strstr(cerr.message, " expired") ? "expired" : "locked";
		goto out;
	}
	rc = 0;
out:
	json_decref(params);
	json_decref(res);
	return rc;
}

/*
 * Called by conn.c when the connection ends without a login after at least
 * one refusal: one auth.refused row with the attempt that got furthest.
 * The client is gone or being dropped, so this costs it no time.
 */
void
auth_record_refusal(struct conn *c)
{
	struct client_error cerr;
	json_t *params = NULL, *res = NULL, *rec;
	const char *reason = NULL;

	if (c->authenticated || c->refused_reason == NULL)
		return;
	params = json_pack("{s:s, s:s, s:s, s:s, s:i}", "user", c->refused_login,
	    "fingerprint", c->refused_fp, "source", c->peer, "reason",
	    c->refused_reason, "attempts", c->auth_failures > 0 ?
	    c->auth_failures : 1);
	if (params == NULL ||
	    client_call_once(c->cfg->accountd.socket, "auth.refused", params,
	    &res, &cerr) == -1) {
		log_warn("auth: user %s from %s key %s: the refused login could not "
		    "be written to the audit log: %s", c->refused_login, c->peer,
		    *c->refused_fp ? c->refused_fp : "-", params == NULL ?
		    "out of memory" : cerr.message);
		goto out;
	}
	rec = json_object_get(res, "recorded");
	if (json_unpack(res, "{s:s}", "reason", &reason) != 0)
		reason = c->refused_reason;
	log_info("auth: user %s from %s key %s: login refused after %d "
	    "attempt%s: %s (%s)", c->refused_login, c->peer,
	    *c->refused_fp ? c->refused_fp : "-", c->auth_failures,
	    c->auth_failures == 1 ? "" : "s", reason, json_is_false(rec) ?
	    "not in the audit log: accountd's rate limit" : "audited");
out:
	json_decref(params);
	json_decref(res);
}

int
auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *key,
    char signature_state, void *userdata)
{
	struct conn *c = userdata;
	char account[NAME_MAX_LEN + 1], ws[NAME_MAX_LEN + 1], fp[KEY_FP_LEN];
	char why[600], junk[600], state[32];
	const char *reason;

	(void)session;
	if (user == NULL)
		user = "";
	snprintf(c->login, sizeof(c->login), "%s", user);
	/* A login name we would not accept is logged without echoing it raw;
	 * one cut to fit c->login is not accepted either. */
	if (strlen(user) >= sizeof(c->login) ||
	    names_split_login(c->login, account, ws, why, sizeof(why)) == -1) {
		if (strlen(user) >= sizeof(c->login))
			snprintf(why, sizeof(why), "login name is too long");
		snprintf(fp, sizeof(fp), "%s", "");
		auth_fingerprint(key, fp, sizeof(fp));
		/* One accountd round trip, as for every other refusal, so that
		 * the time taken does not tell names apart; its answer cannot
		 * accept anything (no account is named ""). */
		auth_lookup(c->cfg, "", *fp ? fp : "-", state, sizeof(state), junk,
		    sizeof(junk), &reason);
		auth_note(c, c->login, fp, "invalid-name");
		snprintf(c->login, sizeof(c->login), "(invalid)");
		auth_printable(why);
		log_info("auth: user (invalid login name) from %s key %s: refused (%s)",
		    c->peer, *fp ? fp : "-", why);
		goto deny;
	}
	if (auth_fingerprint(key, fp, sizeof(fp)) == -1) {
		log_info("auth: user %s from %s: refused (cannot fingerprint the key)",
		    c->login, c->peer);
		auth_note(c, c->login, "", "error");
		goto deny;
	}
	if (signature_state != SSH_PUBLICKEY_STATE_NONE &&
	    signature_state != SSH_PUBLICKEY_STATE_VALID) {
		log_info("auth: user %s from %s key %s: refused (bad signature)",
		    c->login, c->peer, fp);
		auth_note(c, c->login, fp, "bad-signature");
		goto deny;
	}
	if (auth_lookup(c->cfg, account, fp, state, sizeof(state), why,
	    sizeof(why), &reason) == -1)
		goto refuse;
	/* A probe only asks whether the key would do: the state waits for the
	 * signature (see the top of this file). */
	if (signature_state == SSH_PUBLICKEY_STATE_NONE) {
		log_debug("auth: user %s from %s key %s: probe accepted", c->login,
		    c->peer, fp);
		return SSH_AUTH_SUCCESS;
	}
	if (strcmp(state, "active") != 0) {
		snprintf(why, sizeof(why), "account is %s", state);
		reason = strcmp(state, "locked") == 0 ? "locked" :
		    strcmp(state, "expired") == 0 ? "expired" : "error";
		goto refuse;
	}
	if (pam_account_check(c->cfg, account, c->peer, why, sizeof(why)) == -1) {
		reason = "pam";
		goto refuse;
	}
	/* Only a completed login marks the key as used, and is audited. */
	if (auth_login(c, account, ws, fp, why, sizeof(why), &reason) == -1)
		goto refuse;
	snprintf(c->account, sizeof(c->account), "%s", account);
	snprintf(c->workspace, sizeof(c->workspace), "%s", ws);
	snprintf(c->fingerprint, sizeof(c->fingerprint), "%s", fp);
	log_info("auth: user %s from %s key %s: accepted", c->login, c->peer, fp);
	/* Before the success: banners can only be shown during authentication. */
	conn_route(c);
	c->authenticated = true;
	return SSH_AUTH_SUCCESS;
refuse:
	log_info("auth: user %s from %s key %s: refused (%s)", c->login, c->peer,
	    fp, why);
	auth_note(c, c->login, fp, reason);
deny:
	c->auth_failures++;
	return SSH_AUTH_DENIED;
}
