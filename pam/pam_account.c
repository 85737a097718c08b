/*
 * pam_account.c: asks accountd for the state of one account (method
 * account.state) and reduces the answer to a verdict.  Trust boundary: the
 * account name comes from PAM_USER (validated by the caller with lib/names.c);
 * the answer comes from accountd over its socket and is checked before it is
 * believed: anything but a well-formed answer about the very account asked
 * for is PAM_VERDICT_UNAVAILABLE, so the account stage fails closed.
 *
 * Nothing here logs the decision: the caller logs it once, with the reason
 * written here.  Every call opens and closes its own connection.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>
#include <security/pam_ext.h>

#include "client.h"
#include "config.h"
#include "pam_meduse.h"

/*
 * Returns the socket to ask in *out (malloc'd, the caller frees it):
 * socket= when given, else accountd.socket of config= or of the default
 * configuration.  In a setuid or setgid program (su, sudo) $MEDUSE_CONFIG is
 * the invoking user's to choose: config_path reads it with secure_getenv, so
 * only config= or /etc/meduse/meduse.yaml are believed there.  Returns 0, or
 * -1 with *fail set to PAM_VERDICT_CONFIG (reason written) or
 * PAM_VERDICT_NOMEM.
 */
static int
pam_account_socket(pam_handle_t *pamh, const struct pam_opts *opts, char **out,
    enum pam_verdict *fail, char *reason, size_t reasonlen)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	const char *path;
	bool explicit_path;
	size_t i;
	int rc = -1;

	*out = NULL;
	*fail = PAM_VERDICT_CONFIG;
	if (opts->socket != NULL) {
		if ((*out = strdup(opts->socket)) == NULL) {
			*fail = PAM_VERDICT_NOMEM;
			return -1;
		}
		return 0;
	}
	if (opts->config != NULL) {
		path = opts->config;
		explicit_path = true;
	} else
		path = config_path(NULL, &explicit_path);

	if (config_load(path, explicit_path, &cfg, &errs) == -1) {
		if (errs.n > 0)
			snprintf(reason, reasonlen, "cannot use the configuration "
			    "(%zu problem%s): %s", errs.n, errs.n == 1 ? "" : "s",
			    errs.msg[0]);
		else
			snprintf(reason, reasonlen, "cannot load the configuration "
			    "%s", path);
		if (opts->debug)
			for (i = 1; i < errs.n; i++)
				pam_syslog(pamh, LOG_DEBUG, "%s", errs.msg[i]);
		goto out;
	}
	if (cfg->accountd.socket == NULL || cfg->accountd.socket[0] != '/') {
		snprintf(reason, reasonlen, "%s: accountd.socket must be an "
		    "absolute path", path);
		goto out;
	}
	if ((*out = strdup(cfg->accountd.socket)) == NULL) {
		*fail = PAM_VERDICT_NOMEM;
		goto out;
	}
	if (opts->debug)
		pam_syslog(pamh, LOG_DEBUG, "configuration %s%s: accountd socket %s",
		    path, cfg->path == NULL ? " (absent: built-in defaults)" : "",
		    *out);
	rc = 0;
out:
	config_free(cfg);
	config_errors_free(&errs);
	return rc;
}

/* Reduces a well-formed result {"name","state","expires"} to a verdict. */
static enum pam_verdict
pam_account_result(json_t *result, const char *account, char *reason,
    size_t reasonlen)
{
	const char *name, *state;
	json_t *expires;

	if (!json_is_object(result) ||
	    !json_is_string(json_object_get(result, "name")) ||
	    !json_is_string(json_object_get(result, "state"))) {
		snprintf(reason, reasonlen, "accountd answered garbage: the "
		    "result lacks a name or a state; fail closed");
		return PAM_VERDICT_UNAVAILABLE;
	}
	name = json_string_value(json_object_get(result, "name"));
	state = json_string_value(json_object_get(result, "state"));
	expires = json_object_get(result, "expires");
	if (strcmp(name, account) != 0) {
		snprintf(reason, reasonlen, "accountd answered about another "
		    "account; fail closed");
		return PAM_VERDICT_UNAVAILABLE;
	}
	if (strcmp(state, "active") == 0) {
		snprintf(reason, reasonlen, "account is active");
		return PAM_VERDICT_ACTIVE;
	}
	if (strcmp(state, "locked") == 0) {
		snprintf(reason, reasonlen, "account is locked: an admin can "
		    "run 'accountctl unlock %s'", account);
		return PAM_VERDICT_LOCKED;
	}
	if (strcmp(state, "expired") == 0) {
		if (json_is_string(expires))
			snprintf(reason, reasonlen, "account expired on %.10s",
			    json_string_value(expires));
		else
			snprintf(reason, reasonlen, "account has expired");
		return PAM_VERDICT_EXPIRED;
	}
	snprintf(reason, reasonlen, "accountd answered an unknown state; "
	    "fail closed");
	return PAM_VERDICT_UNAVAILABLE;
}

/* Reduces an error of client_open or client_call to a verdict. */
static enum pam_verdict
pam_account_error(const struct client_error *err, const char *socket,
    char *reason, size_t reasonlen)
{
	switch (err->code) {
	case API_ERR_NOT_FOUND:
		snprintf(reason, reasonlen, "no such account in accountd");
		return PAM_VERDICT_UNKNOWN;
	case API_ERR_UNAVAILABLE:
		snprintf(reason, reasonlen, "accountd unavailable at %s: %s; "
		    "fail closed", socket, err->message);
		return PAM_VERDICT_UNAVAILABLE;
	case API_ERR_DENIED:
		snprintf(reason, reasonlen, "accountd denied the request: this "
		    "program (uid %ld) must run as root or in the group named "
		    "by accountd.gateway_group (%s); fail closed",
		    (long)geteuid(), err->message);
		return PAM_VERDICT_UNAVAILABLE;
	default:
		snprintf(reason, reasonlen, "accountd failed (%s: %s); fail closed",
		    proto_err_name(err->code), err->message);
		return PAM_VERDICT_UNAVAILABLE;
	}
}

/*
 * Asks accountd for account's state.  Returns the verdict with a one-line
 * reason for the log.  account must already be a valid account name.
 */
enum pam_verdict
pam_account_state(pam_handle_t *pamh, const struct pam_opts *opts,
    const char *account, char *reason, size_t reasonlen)
{
	struct client_error err;
	struct client *c = NULL;
	json_t *params = NULL, *result = NULL;
	char *socket = NULL;
	enum pam_verdict v;

	reason[0] = '\0';
	memset(&err, 0, sizeof(err));
	if (pam_account_socket(pamh, opts, &socket, &v, reason, reasonlen) == -1)
		goto out;
	if ((params = json_pack("{s:s}", "name", account)) == NULL) {
		v = PAM_VERDICT_NOMEM;
		goto out;
	}
	if (opts->debug)
		pam_syslog(pamh, LOG_DEBUG, "asking accountd at %s (timeout %d ms) "
		    "for the state of %s", socket, opts->timeout_ms, account);
	if (client_open(socket, opts->timeout_ms, &c, &err) == -1 ||
	    client_call(c, "account.state", params, &result, &err) == -1) {
		v = pam_account_error(&err, socket, reason, reasonlen);
		goto out;
	}
	v = pam_account_result(result, account, reason, reasonlen);
out:
	if (v == PAM_VERDICT_NOMEM)
		snprintf(reason, reasonlen, "out of memory");
	client_close(c);
	json_decref(result);
	json_decref(params);
	free(socket);
	return v;
}
