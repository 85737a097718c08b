/*
 * names.h: the one place where account and workspace names are validated.
 * Names reach Kubernetes (namespace, labels), MinIO (user, bucket), Coder and
 * Unix, so they are RFC 1123 labels: [a-z0-9]([-a-z0-9]*[a-z0-9])?, 1 to 32
 * characters, and not a reserved name.
 */
#ifndef MEDUSE_NAMES_H
#define MEDUSE_NAMES_H

#include <stddef.h>

#define NAME_MAX_LEN	32

/* Returns 0 when s is a valid account name, else -1 with a reason in err. */
int	names_check_account(const char *s, char *err, size_t errlen);
/* Returns 0 when s is a valid workspace name, else -1 with a reason in err. */
int	names_check_workspace(const char *s, char *err, size_t errlen);

/*
 * Splits a login name "NAME" or "NAME+WORKSPACE" into its parts, both
 * validated.  account must hold NAME_MAX_LEN + 1 bytes, workspace too; an
 * absent workspace is returned as "".  Returns 0 or -1 with a reason in err.
 */
int	names_split_login(const char *login, char *account, char *workspace,
	    char *err, size_t errlen);

#endif
