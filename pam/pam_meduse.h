/*
 * pam_meduse.h: private header of pam_meduse.so, the PAM module that asks
 * accountd whether a meduse account may log in.
 *
 * The module is loaded into programs we do not own (sshd, meduse-sshd, su,
 * pamtester): it never exits, never uses xmalloc, installs no signal handler,
 * keeps no mutable static state and frees everything before returning.
 */
#ifndef PAM_MEDUSE_H
#define PAM_MEDUSE_H

#include <stdbool.h>
#include <stddef.h>

#include <security/pam_modules.h>

#define PAM_MEDUSE_TIMEOUT_MAX_MS	120000	/* bound for timeout= */
#define PAM_MEDUSE_LOG_NAME_MAX		64	/* bytes of a user name in a log line */

/* The module arguments of one call.  Strings point into argv (owned by libpam). */
struct pam_opts {
	const char	*socket;	/* socket=PATH, or NULL: from the config */
	const char	*config;	/* config=FILE, or NULL: the default config */
	int		 timeout_ms;	/* timeout=MS, default CLIENT_TIMEOUT_MS */
	bool		 debug;		/* debug: log each step */
};

/* What accountd said about an account, reduced to what PAM needs. */
enum pam_verdict {
	PAM_VERDICT_ACTIVE,		/* may log in */
	PAM_VERDICT_LOCKED,		/* locked by an admin */
	PAM_VERDICT_EXPIRED,		/* past its expiry date */
	PAM_VERDICT_UNKNOWN,		/* no such account */
	PAM_VERDICT_UNAVAILABLE,	/* no trustworthy answer: fail closed */
	PAM_VERDICT_CONFIG,		/* the module's own configuration is broken */
	PAM_VERDICT_NOMEM,		/* out of memory */
};

/* Only the pam_sm_* entry points are the module's interface. */
#pragma GCC visibility push(hidden)

/* pam_opts.c */
int	pam_opts_parse(pam_handle_t *pamh, int argc, const char **argv,
	    struct pam_opts *opts);

/* pam_account.c */
enum pam_verdict pam_account_state(pam_handle_t *pamh, const struct pam_opts *opts,
	    const char *account, char *reason, size_t reasonlen);

#pragma GCC visibility pop

#endif
