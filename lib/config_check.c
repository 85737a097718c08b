/*
 * config_check.c: the rules a value of meduse.yaml must follow beyond its
 * type, one function per kind of value (an absolute path, a group name, a
 * host:port, a name prefix...).  The key table of config_keys.c names them.
 * Trust boundary: the values come from the configuration file; each rule
 * says what is wrong and what to write instead, and quotes the value
 * sanitised.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config_keys.h"
#include "minio.h"
#include "names.h"

#define QUOTE(s)	config_keys_quote((s), qbuf, sizeof(qbuf))

/* Placeholders route.command may hold; the gateway substitutes them. */
static const char *const config_check_placeholders[] = { "user", "workspace" };

int
config_check_abs_path(const char *s, char *err, size_t errlen)
{
	if (s[0] == '\0') {
		snprintf(err, errlen, "is empty: give an absolute path");
		return -1;
	}
	return config_check_opt_abs_path(s, err, errlen);
}

/* Relative paths would depend on the daemon's working directory. */
int
config_check_opt_abs_path(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (s[0] != '\0' && s[0] != '/') {
		snprintf(err, errlen, "\"%s\" is not an absolute path: start it "
		    "with /", QUOTE(s));
		return -1;
	}
	return 0;
}

int
config_check_nonempty(const char *s, char *err, size_t errlen)
{
	if (s[0] == '\0') {
		snprintf(err, errlen, "an empty string is not allowed here");
		return -1;
	}
	return 0;
}

/* True when every character of s is in set (a-z, A-Z, 0-9 and extra). */
static bool
config_check_chars(const char *s, bool upper, const char *extra)
{
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    (upper && *s >= 'A' && *s <= 'Z') || strchr(extra, *s) != NULL)
			continue;
		return false;
	}
	return true;
}

int
config_check_group(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (s[0] == '\0' || s[0] == '-' || strlen(s) > 32 ||
	    !config_check_chars(s, true, "._-")) {
		snprintf(err, errlen, "\"%s\" is not a Unix group name (use "
		    "letters, digits, '.', '_' and '-')", QUOTE(s));
		return -1;
	}
	return 0;
}

/* The name of a file in /etc/pam.d: no path. */
int
config_check_pam_service(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    !config_check_chars(s, true, "._-")) {
		snprintf(err, errlen, "\"%s\" is not a PAM service name (a file "
		    "name in /etc/pam.d, or \"\" for no PAM stage)", QUOTE(s));
		return -1;
	}
	return 0;
}

int
config_check_resolver(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (strcmp(s, "static") == 0 || strcmp(s, "kubernetes") == 0 ||
	    strcmp(s, "coder") == 0)
		return 0;
	snprintf(err, errlen, "\"%s\" is not a resolver: use static, "
	    "kubernetes or coder", QUOTE(s));
	return -1;
}

/* Coder's LoginType: how the users meduse creates sign in to its web UI. */
int
config_check_login_type(const char *s, char *err, size_t errlen)
{
	static const char *const types[] = { "none", "password", "github",
	    "oidc" };
	char qbuf[64];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(s, types[i]) == 0)
			return 0;
	snprintf(err, errlen, "\"%s\" is not a Coder login type: use none, "
	    "password, github or oidc", QUOTE(s));
	return -1;
}

int
config_check_transport(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (strcmp(s, "tcp") == 0 || strcmp(s, "command") == 0)
		return 0;
	snprintf(err, errlen, "\"%s\" is not a transport: use tcp or command",
	    QUOTE(s));
	return -1;
}

/* "host:port", "[v6addr]:port"; the gateway resolves the host. */
int
config_check_listen(const char *s, char *err, size_t errlen)
{
	char qbuf[64];
	const char *colon = strrchr(s, ':');
	int64_t port;
	size_t hostlen;

	if (colon == NULL || colon == s)
		goto bad;
	hostlen = (size_t)(colon - s);
	if (s[0] == '[' ? (hostlen < 3 || s[hostlen - 1] != ']') :
	    memchr(s, ':', hostlen) != NULL)
		goto bad;	/* a bare IPv6 address needs brackets */
	if (config_keys_int(colon + 1, &port) == -1 || port < 1 || port > 65535)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "\"%s\" is not host:port (use e.g. "
	    "\"0.0.0.0:22\" or \"[::]:22\")", QUOTE(s));
	return -1;
}

/* Catches a misspelt {workspace} before it reaches a command line. */
int
config_check_command_item(const char *s, char *err, size_t errlen)
{
	char qbuf[64], name[40];
	const char *open, *close;
	size_t i, len;

	for (open = strchr(s, '{'); open != NULL; open = strchr(open + 1, '{')) {
		if ((close = strchr(open, '}')) == NULL)
			break;
		len = (size_t)(close - open - 1);
		if (len == 0 || strspn(open + 1, "abcdefghijklmnopqrstuvwxyz_") != len)
			continue;	/* literal braces, e.g. a JSON argument */
		for (i = 0; i < sizeof(config_check_placeholders) /
		    sizeof(config_check_placeholders[0]); i++)
			if (strlen(config_check_placeholders[i]) == len &&
			    strncmp(open + 1, config_check_placeholders[i], len) == 0)
				break;
		if (i == sizeof(config_check_placeholders) /
		    sizeof(config_check_placeholders[0])) {
			snprintf(name, sizeof(name), "%.*s",
			    len > 32 ? 32 : (int)len, open + 1);
			snprintf(err, errlen, "unknown placeholder \"{%s}\" "
			    "(use {user} or {workspace})", QUOTE(name));
			return -1;
		}
	}
	return 0;
}

/*
 * A prefix put before an account name to make a Kubernetes namespace or a
 * bucket name: it must keep the result an RFC 1123 label of at most 63
 * characters, and account names take up to NAME_MAX_LEN of them.
 */
int
config_check_prefix(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (s[0] == '-' || strlen(s) > 63 - NAME_MAX_LEN ||
	    !config_check_chars(s, false, "-")) {
		snprintf(err, errlen, "\"%s\" is not a name prefix (use at most "
		    "%d of a-z, 0-9 and '-', not starting with '-')", QUOTE(s),
		    63 - NAME_MAX_LEN);
		return -1;
	}
	return 0;
}

/* A Kubernetes object name (RFC 1123 subdomain), or empty. */
int
config_check_dns_name(const char *s, char *err, size_t errlen)
{
	char qbuf[64];
	size_t len = strlen(s);

	if (len == 0)
		return 0;
	if (len > 253 || !config_check_chars(s, false, ".-") || s[0] == '-' ||
	    s[0] == '.' || s[len - 1] == '-' || s[len - 1] == '.') {
		snprintf(err, errlen, "\"%s\" is not a Kubernetes name (use a-z, "
		    "0-9, '-' and '.')", QUOTE(s));
		return -1;
	}
	return 0;
}

int
config_check_url(const char *s, char *err, size_t errlen)
{
	char qbuf[64];
	const char *p;

	if (s[0] == '\0')
		return 0;
	if (strncmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		p = s + 8;
	else
		goto bad;
	if (*p == '\0' || *p == '/')
		goto bad;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			goto bad;
	return 0;
bad:
	snprintf(err, errlen, "\"%s\" is not an http:// or https:// URL",
	    QUOTE(s));
	return -1;
}

int
config_check_workspace(const char *s, char *err, size_t errlen)
{
	return names_check_workspace(s, err, errlen);
}

/*
 * An environment variable name, or an fnmatch pattern of names with * and ?
 * ("LC_*").  Brackets and backslashes are refused: a class like [!A] would
 * let through more than an admin reading the list expects.
 */
int
config_check_env_pattern(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (s[0] == '\0' || !config_check_chars(s, true, "_*?")) {
		snprintf(err, errlen, "\"%s\" is not a variable name pattern (use "
		    "letters, digits, '_' and the wildcards * and ?, e.g. "
		    "\"LC_*\")", QUOTE(s));
		return -1;
	}
	return 0;
}

/* How the workspace's host key is trusted: on first use, or only if listed. */
int
config_check_host_key_policy(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (strcmp(s, "tofu") == 0 || strcmp(s, "pinned") == 0)
		return 0;
	snprintf(err, errlen, "\"%s\" is not a host key policy: use tofu (trust "
	    "on first use) or pinned (only keys already in the known_hosts "
	    "file)", QUOTE(s));
	return -1;
}

/* minio.bucket_prefix: the rules live with the MinIO client. */
int
config_check_bucket_prefix(const char *s, char *err, size_t errlen)
{
	return minio_bucket_prefix_check(s, err, errlen);
}

/* An item of minio.shared_read: an existing bucket's name. */
int
config_check_bucket(const char *s, char *err, size_t errlen)
{
	return minio_bucket_check(s, err, errlen);
}

/*
 * An S3 region as MinIO's MINIO_REGION holds it ("us-east-1",
 * "eu-lab-1"...): it goes into the signature's scope, where '/' would
 * shift the parts, and into a CreateBucketConfiguration.
 */
int
config_check_region(const char *s, char *err, size_t errlen)
{
	char qbuf[64];

	if (s[0] == '\0' || strlen(s) > 64 || !config_check_chars(s, true, "_-")) {
		snprintf(err, errlen, "\"%s\" is not a region (use 1 to 64 "
		    "letters, digits, '-' and '_', e.g. \"us-east-1\", MinIO's "
		    "MINIO_REGION)", QUOTE(s));
		return -1;
	}
	return 0;
}
