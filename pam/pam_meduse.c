/*
 * pam_meduse.c: the PAM entry points of pam_meduse.so.
 *
 *   account   denies unknown, locked and expired meduse accounts by asking
 *             accountd (account.state); fails closed when accountd gives no
 *             trustworthy answer.
 *   session   logs the login and the logout.  Making sure the workspace is
 *             up comes later; today the stage does nothing else.
 *   auth, setcred, chauthtok   PAM_IGNORE: this module authenticates nobody.
 *
 * Trust boundary: PAM_USER and PAM_RHOST come from the host program and, in
 * the end, from the network.  The user name is validated with lib/names.c
 * before it goes anywhere; both are made printable before they are logged.
 * Every account decision is logged exactly once, here, to syslog (authpriv):
 * who, from where, outcome, reason.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "names.h"
#include "pam_meduse.h"

/*
 * Copies s into out with every byte that is not printable ASCII (nor a space,
 * when spaces is set) replaced by '?' and a cut marked by "...", so that a
 * hostile name cannot forge or split a log line.  out may be s.  outlen >= 4.
 */
static void
pam_meduse_printable(const char *s, char *out, size_t outlen, int spaces)
{
	size_t i;
	int cut;

	if (s == NULL) {
		snprintf(out, outlen, "(none)");
		return;
	}
	for (i = 0; s[i] != '\0' && i + 1 < outlen; i++)
		out[i] = ((s[i] > 0x20 || (spaces && s[i] == 0x20)) &&
		    s[i] < 0x7f) ? s[i] : '?';
	cut = s[i] != '\0';
	out[i] = '\0';
	if (cut)
		memcpy(out + outlen - 4, "...", 4);
}

/* PAM_USER and PAM_RHOST made printable, for log lines. */
struct pam_meduse_who {
	char	user[PAM_MEDUSE_LOG_NAME_MAX + 1];
	char	rhost[PAM_MEDUSE_LOG_NAME_MAX + 1];
};

/* Fills who and returns PAM_USER, which may be NULL.  Never converses. */
static const char *
pam_meduse_who(pam_handle_t *pamh, struct pam_meduse_who *who)
{
	const void *user = NULL, *rhost = NULL;

	if (pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS)
		user = NULL;
	if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS ||
	    rhost == NULL || ((const char *)rhost)[0] == '\0')
		rhost = "local";
	pam_meduse_printable(user, who->user, sizeof(who->user), 0);
	pam_meduse_printable(rhost, who->rhost, sizeof(who->rhost), 0);
	return user;
}

/* The account stage's answer for each verdict, and how loudly it is logged. */
static const struct {
	int		 pam_code;
	int		 priority;
	const char	*outcome;
} pam_meduse_verdicts[] = {
	[PAM_VERDICT_ACTIVE] =	{ PAM_SUCCESS, LOG_INFO, "allowed" },
	[PAM_VERDICT_LOCKED] =	{ PAM_PERM_DENIED, LOG_NOTICE, "denied" },
	[PAM_VERDICT_EXPIRED] =	{ PAM_ACCT_EXPIRED, LOG_NOTICE, "denied" },
	[PAM_VERDICT_UNKNOWN] =	{ PAM_USER_UNKNOWN, LOG_NOTICE, "denied" },
	[PAM_VERDICT_UNAVAILABLE] = { PAM_AUTHINFO_UNAVAIL, LOG_ERR, "denied" },
	[PAM_VERDICT_CONFIG] =	{ PAM_SERVICE_ERR, LOG_ERR, "denied" },
	[PAM_VERDICT_NOMEM] =	{ PAM_BUF_ERR, LOG_ERR, "denied" },
};

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_meduse_who who;
	struct pam_opts opts;
	const char *user;
	char account[NAME_MAX_LEN + 1], workspace[NAME_MAX_LEN + 1];
	char err[256], reason[1024];
	enum pam_verdict v;

	(void)flags;
	user = pam_meduse_who(pamh, &who);
	if (pam_opts_parse(pamh, argc, argv, &opts) == -1) {
		v = PAM_VERDICT_CONFIG;
		snprintf(reason, sizeof(reason), "bad module option in the PAM "
		    "service file");
		goto out;
	}
	if (user == NULL || user[0] == '\0') {
		v = PAM_VERDICT_UNKNOWN;
		snprintf(reason, sizeof(reason), "no user name given");
		goto out;
	}
	/* "alice" from stock sshd, "alice+gpu" as typed at meduse-sshd. */
	if (names_split_login(user, account, workspace, err, sizeof(err)) == -1) {
		v = PAM_VERDICT_UNKNOWN;
		snprintf(reason, sizeof(reason), "not a meduse account name: %s",
		    err);
		goto out;
	}
	v = pam_account_state(pamh, &opts, account, reason, sizeof(reason));
out:
	/* The reason may quote the name or accountd's message: one line only. */
	pam_meduse_printable(reason, reason, sizeof(reason), 1);
	pam_syslog(pamh, LOG_AUTHPRIV | pam_meduse_verdicts[v].priority,
	    "account %s from %s: %s: %s", who.user, who.rhost,
	    pam_meduse_verdicts[v].outcome, reason);
	return pam_meduse_verdicts[v].pam_code;
}

/* Logs a session event; the session stage never refuses a valid setup. */
static int
pam_meduse_session(pam_handle_t *pamh, int argc, const char **argv,
    const char *event)
{
	struct pam_meduse_who who;
	struct pam_opts opts;

	pam_meduse_who(pamh, &who);
	if (pam_opts_parse(pamh, argc, argv, &opts) == -1) {
		pam_syslog(pamh, LOG_AUTHPRIV | LOG_ERR, "session %s for %s from "
		    "%s: refused: bad module option in the PAM service file",
		    event, who.user, who.rhost);
		return PAM_SERVICE_ERR;
	}
	pam_syslog(pamh, LOG_AUTHPRIV | LOG_INFO, "session %s for %s from %s",
	    event, who.user, who.rhost);
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	return pam_meduse_session(pamh, argc, argv, "opened");
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)flags;
	return pam_meduse_session(pamh, argc, argv, "closed");
}

/* This module authenticates nobody and holds no credentials or tokens. */
PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_IGNORE;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_IGNORE;
}

PAM_EXTERN int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh; (void)flags; (void)argc; (void)argv;
	return PAM_IGNORE;
}
