/*
 * names.c: validation of account and workspace names, the single gate before
 * a name reaches Kubernetes, MinIO, Coder, Unix or a log line.  Trust
 * boundary: every input here is untrusted (CLI, socket, SSH login name).
 */
#include <stdio.h>
#include <string.h>

#include "names.h"

/*
 * Names a user must not take: system accounts, our own service names, and
 * prefixes Kubernetes reserves for its namespaces.  A trailing '*' matches a
 * prefix.
 */
static const char *const names_reserved[] = {
	"root", "admin", "administrator", "daemon", "bin", "sys", "sync",
	"nobody", "nogroup", "sshd", "operator", "postmaster", "www-data",
	"meduse", "meduse-*", "accountd", "coder", "minio", "default",
	"system-*", "kube-*", "k8s-*", "openshift-*", "volcano-*",
};

static int
names_check_label(const char *what, const char *s, char *err, size_t errlen)
{
	size_t i, len;

	len = strnlen(s, NAME_MAX_LEN + 1);
	if (len == 0) {
		snprintf(err, errlen, "%s name is empty", what);
		return -1;
	}
	if (len > NAME_MAX_LEN) {
		snprintf(err, errlen, "%s name is longer than %d characters", what,
		    NAME_MAX_LEN);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '-' && i != 0 && i != len - 1)
			continue;
		if (c >= 'A' && c <= 'Z')
			snprintf(err, errlen, "%s name '%.*s' has an uppercase "
			    "letter: use lowercase only", what, (int)len, s);
		else if (c == '-')
			snprintf(err, errlen, "%s name '%.*s' starts or ends "
			    "with '-'", what, (int)len, s);
		else
			snprintf(err, errlen, "%s name has an invalid character "
			    "at position %zu: use a-z, 0-9 and '-'", what, i + 1);
		return -1;
	}
	return 0;
}

static int
names_is_reserved(const char *s)
{
	size_t i, n;

	for (i = 0; i < sizeof(names_reserved) / sizeof(names_reserved[0]); i++) {
		n = strlen(names_reserved[i]);
		if (names_reserved[i][n - 1] == '*') {
			if (strncmp(s, names_reserved[i], n - 1) == 0)
				return 1;
		} else if (strcmp(s, names_reserved[i]) == 0)
			return 1;
	}
	return 0;
}

int
names_check_account(const char *s, char *err, size_t errlen)
{
	if (names_check_label("account", s, err, errlen) == -1)
		return -1;
	if (names_is_reserved(s)) {
		snprintf(err, errlen, "account name '%s' is reserved: choose "
		    "another name", s);
		return -1;
	}
	return 0;
}

int
names_check_workspace(const char *s, char *err, size_t errlen)
{
	return names_check_label("workspace", s, err, errlen);
}

int
names_split_login(const char *login, char *account, char *workspace,
    char *err, size_t errlen)
{
	const char *plus;
	size_t alen;

	account[0] = workspace[0] = '\0';
	if (strnlen(login, 2 * NAME_MAX_LEN + 2) > 2 * NAME_MAX_LEN + 1) {
		snprintf(err, errlen, "login name is too long");
		return -1;
	}
	plus = strchr(login, '+');
	alen = plus ? (size_t)(plus - login) : strlen(login);
	if (alen > NAME_MAX_LEN) {
		snprintf(err, errlen, "account name is longer than %d characters",
		    NAME_MAX_LEN);
		return -1;
	}
	memcpy(account, login, alen);
	account[alen] = '\0';
	if (names_check_account(account, err, errlen) == -1)
		goto fail;
	if (plus == NULL)
		return 0;
	if (strlen(plus + 1) > NAME_MAX_LEN) {
		snprintf(err, errlen, "workspace name is longer than %d characters",
		    NAME_MAX_LEN);
		goto fail;
	}
	if (names_check_workspace(plus + 1, err, errlen) == -1)
		goto fail;
	strcpy(workspace, plus + 1);
	return 0;
fail:
	account[0] = workspace[0] = '\0';
	return -1;
}
