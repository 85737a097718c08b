/*
 * pam.c: the PAM account stage (service gateway.pam_service, normally with
 * pam_meduse.so), run after the key was accepted.  There is no PAM
 * authentication stage: the key already proved who the user is, and no
 * conversation happens, so a module that wants to prompt fails the login.
 *
 * Trust boundary: the PAM stack is configured by the admin and trusted; its
 * verdict is final.
 */
#include <stdio.h>
#include <string.h>

#include <security/pam_appl.h>

#include "meduse-sshd.h"

/* Nobody answers: the gateway has no terminal to ask on at this stage. */
static int
pam_conv_none(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	(void)n;
	(void)msg;
	(void)data;
	*resp = NULL;
	return PAM_CONV_ERR;
}

int
pam_account_check(const struct config *cfg, const char *account, const char *peer,
    char *why, size_t whylen)
{
	struct pam_conv conv = { pam_conv_none, NULL };
	pam_handle_t *pamh = NULL;
	int r;

	if (cfg->gateway.pam_service == NULL || cfg->gateway.pam_service[0] == '\0')
		return 0;
	if ((r = pam_start(cfg->gateway.pam_service, account, &conv, &pamh)) !=
	    PAM_SUCCESS) {
		snprintf(why, whylen, "pam_start(%s): %s",
		    cfg->gateway.pam_service, pam_strerror(NULL, r));
		return -1;
	}
	pam_set_item(pamh, PAM_RHOST, peer);
	pam_set_item(pamh, PAM_TTY, "ssh");
	r = pam_acct_mgmt(pamh, PAM_SILENT);
	if (r != PAM_SUCCESS)
		snprintf(why, whylen, "PAM account stage (service %s): %s",
		    cfg->gateway.pam_service, pam_strerror(pamh, r));
	pam_end(pamh, r);
	return r == PAM_SUCCESS ? 0 : -1;
}
