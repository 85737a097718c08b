/*
 * authorized_keys.c: meduse-authorized-keys, the AuthorizedKeysCommand that
 * lets stock OpenSSH sshd accept the keys registered in accountd.
 *
 *   AuthorizedKeysCommand /usr/local/sbin/meduse-authorized-keys %u %t %k
 *
 * sshd runs it on every key a client offers, as AuthorizedKeysCommandUser (a
 * member of the gateway group), and accepts the key when a line of the
 * output names it.  The key is fingerprinted here, looked up with
 * auth.lookup, and printed as one "restrict" line only when the key belongs
 * to USER and the account is active.  With %f instead of %t %k, sshd has
 * done the fingerprinting and the helper touches no cryptography at all.
 *
 * Trust boundary: USER is a Unix account sshd resolved, but TYPE and KEY are
 * whatever the SSH client offered: they go through lib/keys.c before use.
 * accountd's answer is trusted, but what is printed is checked to be one
 * well-formed line, because sshd grants a login on what we print.
 * Every failure prints nothing on stdout: the helper fails closed.  It runs
 * once per offered key, so it does no work a lookup does not need.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "names.h"
#include "text.h"

#define AKEYS_NAME	"meduse-authorized-keys"

/* Exit statuses; sshd treats anything but a printed key line as "no key". */
enum akeys_exit {
	AKEYS_EXIT_NOKEY = 0,	/* a key line was printed, or the key is refused */
	AKEYS_EXIT_ERROR = 1,	/* could not decide: config, accountd, output */
	AKEYS_EXIT_USAGE = 2,	/* bad command line */
};

#define SHA256_PREFIX	"SHA256:"
#define SHA256_B64_LEN	43	/* unpadded base64 of 32 bytes */

static void
akeys_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: " AKEYS_NAME " [-c CONFIG] [-s SHELL] USER TYPE KEY\n"
	    "       " AKEYS_NAME " [-c CONFIG] [-s SHELL] [-f] USER FINGERPRINT\n"
	    "       " AKEYS_NAME " [-c CONFIG] -t\n"
	    "\n"
	    "In sshd_config:\n"
	    "  AuthorizedKeysCommand /usr/local/sbin/" AKEYS_NAME " %%u %%t %%k\n"
	    "  AuthorizedKeysCommandUser <a member of the gateway group>\n"
	    "\n"
	    "Prints \"restrict TYPE KEY COMMENT\" when the key is registered to\n"
	    "USER in accountd and the account is active, otherwise nothing.\n"
	    "  -s SHELL   print \"restrict,pty,command=\\\"SHELL\\\"\" instead: every\n"
	    "             session runs meduse-shell (an absolute path), with a pty\n"
	    "             when the client asks for one\n"
	    "  -c CONFIG  configuration file (default $" CONFIG_ENV ", then "
	    CONFIG_DEFAULT_PATH ")\n"
	    "  -f         the second argument is a SHA256 fingerprint (sshd's %%f)\n"
	    "  -t         check the configuration and exit\n"
	    "Exit status: 0 key printed or key refused, 1 error (nothing printed),\n"
	    "2 usage.  See meduse-authorized-keys(8).\n");
}

/* Whether s is an OpenSSH SHA256 fingerprint, as sshd's %f gives it. */
static bool
akeys_is_sha256_fp(const char *s)
{
	size_t i, pl = strlen(SHA256_PREFIX);

	if (strncmp(s, SHA256_PREFIX, pl) != 0 ||
	    strlen(s) != pl + SHA256_B64_LEN)
		return false;
	for (i = pl; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
			return false;
	return true;
}

/* Anything but printable ASCII replaced by '?': the comment ends up in
 * sshd's parser, and an untrusted word in a log line. */
static void
akeys_clean(char *dst, size_t dstlen, const char *s)
{
	text_quote(s, dstlen - 4, dst, dstlen);
}

static struct config *
akeys_config(const char *cli_path)
{
	struct config_errors errs = { NULL, 0 };
	struct config *cfg = NULL;
	const char *path;
	bool explicit_path;
	size_t i;

	path = config_path(cli_path, &explicit_path);
	if (config_load(path, explicit_path, &cfg, &errs) == -1) {
		/* One line when sshd runs us; -t lists every problem. */
		for (i = 1; i < errs.n; i++)
			log_debug("%s", errs.msg[i]);
		log_error("cannot use the configuration %s: %s%s: refusing every "
		    "key until it is fixed (check it with " AKEYS_NAME " -t)",
		    path, errs.n ? errs.msg[0] : "cannot read it",
		    errs.n > 1 ? " (and more)" : "");
	}
	config_errors_free(&errs);
	return cfg;
}

static int
akeys_check_config(const char *cli_path)
{
	struct config *cfg;
	bool explicit_path;
	const char *path = config_path(cli_path, &explicit_path);

	if ((cfg = config_load_report(cli_path, stderr)) == NULL) {
		fprintf(stderr, AKEYS_NAME ": %s has errors\n", path);
		return AKEYS_EXIT_ERROR;
	}
	printf("%s: OK (accountd socket %s)\n", path, cfg->accountd.socket);
	config_free(cfg);
	return AKEYS_EXIT_NOKEY;
}

/* Whether s is 1..maxlen bytes, all from the set allowed. */
static bool
akeys_is_word(const char *s, size_t maxlen, const char *allowed)
{
	size_t n = strnlen(s, maxlen + 1);

	return n > 0 && n <= maxlen && strspn(s, allowed) == n;
}

#define AKEYS_TYPE_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789@.-"
#define AKEYS_B64_CHARS		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
#define AKEYS_TYPE_MAX		64

/*
 * Asks accountd about the key offered and, when it is USER's and the account
 * is active, prints the authorized_keys line.  In the %t %k form, fp is NULL
 * and otype/oblob are the key offered: accountd decodes and fingerprints it
 * (this helper runs on every login and stays free of libssh and libcrypto,
 * whose loading alone costs more than the lookup).  In the %f form, fp is
 * the fingerprint and the line printed is accountd's copy of the key.
 * Returns an exit status.
 */
/* -s: the forced command, quoted for sshd: absolute, printable, no '"'
 * or '\\' (sshd's quoting has no way to carry them). */
static bool
akeys_shell_ok(const char *s)
{
	size_t i;

	if (s[0] != '/' || strlen(s) > 255)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			return false;
	return true;
}

static const char	*akeys_shell;	/* -s */

static int
akeys_lookup(const struct config *cfg, const char *user, const char *fp,
    const char *otype, const char *oblob)
{
	struct client_error cerr;
	json_t *params = NULL, *res = NULL, *key;
	const char *account, *state, *type, *blob, *comment;
	char clean[256], label[96];
	int rc = AKEYS_EXIT_ERROR;

	if (fp == NULL) {
		params = json_pack("{s:s, s:s, s:s, s:b}", "type", otype, "blob",
		    oblob, "user", user, "touch", 1);
		/* Named in log lines by its type and tail until accountd has
		 * fingerprinted it (sshd's own log line has the fingerprint). */
		snprintf(label, sizeof(label), "%s ...%s", otype,
		    strlen(oblob) > 12 ? oblob + strlen(oblob) - 12 : oblob);
		fp = label;
	} else
		params = json_pack("{s:s, s:s, s:b}", "fingerprint", fp, "user",
		    user, "touch", 1);
	if (params == NULL) {
		log_error("user %s key %s: out of memory: refused", user, fp);
		goto out;
	}
	if (client_call_once(cfg->accountd.socket, "auth.lookup", params, &res,
	    &cerr) == -1) {
		if (cerr.code == API_ERR_NOT_FOUND) {
			akeys_clean(clean, sizeof(clean), cerr.message);
			log_info("user %s key %s: refused: %s", user, fp, clean);
			rc = AKEYS_EXIT_NOKEY;
		} else
			log_error("user %s key %s: refused: cannot ask accountd "
			    "(%s): %s", user, fp, proto_err_name(cerr.code),
			    cerr.message);
		goto out;
	}
	key = json_object_get(res, "key");
	account = json_string_value(json_object_get(res, "account"));
	state = json_string_value(json_object_get(res, "state"));
	type = json_string_value(json_object_get(key, "type"));
	blob = json_string_value(json_object_get(key, "blob"));
	comment = json_string_value(json_object_get(key, "comment"));
	if (json_is_string(json_object_get(key, "fingerprint")))
		fp = json_string_value(json_object_get(key, "fingerprint"));
	if (account == NULL || state == NULL || type == NULL || blob == NULL) {
		log_error("user %s key %s: refused: accountd's answer lacks "
		    "account, state or key (is %s really accountd?)", user, fp,
		    cfg->accountd.socket);
		goto out;
	}
	if (strcmp(account, user) != 0) {
		akeys_clean(clean, sizeof(clean), account);
		log_error("user %s key %s: refused: accountd answered for "
		    "account %s", user, fp, clean);
		goto out;
	}
	if (strcmp(state, "active") != 0) {
		akeys_clean(clean, sizeof(clean), state);
		log_info("user %s key %s: refused: account %s is %s", user, fp,
		    user, clean);
		rc = AKEYS_EXIT_NOKEY;
		goto out;
	}
	if (oblob != NULL && (strcmp(type, otype) != 0 || strcmp(blob, oblob) != 0)) {
		log_error("user %s key %s: refused: accountd returned a "
		    "different key", user, fp);
		goto out;
	}
	if (!akeys_is_word(type, AKEYS_TYPE_MAX, AKEYS_TYPE_CHARS) ||
	    !akeys_is_word(blob, KEY_MAX_LINE, AKEYS_B64_CHARS)) {
		/*
		 * sshd itself compares the key printed with the key offered,
		 * so accountd's copy need not be decoded here (that would
		 * cost a libcrypto initialisation on every login); it only
		 * must not break the line.
		 */
		log_error("user %s key %s: refused: accountd returned a "
		    "malformed key", user, fp);
		goto out;
	}
	akeys_clean(clean, sizeof(clean), comment ? comment : "");
	if ((akeys_shell != NULL ? printf("restrict,pty,command=\"%s\" ",
	    akeys_shell) : printf("restrict ")) < 0 ||
	    printf("%s %s%s%s\n", type, blob, clean[0] ? " " : "",
	    clean) < 0 || fflush(stdout) == EOF) {
		log_error("user %s key %s: cannot write to sshd", user, fp);
		goto out;
	}
	log_info("user %s key %s: accepted", user, fp);
	rc = AKEYS_EXIT_NOKEY;
out:
	json_decref(params);
	json_decref(res);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "fingerprint", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 't' },
		{ "shell", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config *cfg = NULL;
	const char *cli_path = NULL, *user, *fp;
	char why[512], clean[64];
	bool fp_mode = false, check = false;
	int ch, rc = AKEYS_EXIT_ERROR;

	log_init(AKEYS_NAME, 0, LOG_LVL_INFO);
	/* '+': stop at the first operand, which is sshd's user name. */
	while ((ch = getopt_long(argc, argv, "+c:fs:thV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cli_path = optarg;
			break;
		case 'f':
			fp_mode = true;
			break;
		case 't':
			check = true;
			break;
		case 's':
			if (!akeys_shell_ok(optarg)) {
				log_error("-s %s: the shell must be an absolute "
				    "path of printable characters without '\"' "
				    "or '\\': refusing every key", optarg);
				return AKEYS_EXIT_USAGE;
			}
			akeys_shell = optarg;
			break;
		case 'h':
			akeys_usage(stdout);
			return AKEYS_EXIT_NOKEY;
		case 'V':
			printf(AKEYS_NAME " " MEDUSE_VERSION "\n");
			return AKEYS_EXIT_NOKEY;
		default:
			akeys_usage(stderr);
			return AKEYS_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (check) {
		if (argc != 0) {
			akeys_usage(stderr);
			return AKEYS_EXIT_USAGE;
		}
		return akeys_check_config(cli_path);
	}
	if (argc == 2 && strncmp(argv[1], SHA256_PREFIX,
	    strlen(SHA256_PREFIX)) == 0)
		fp_mode = true;
	if (argc != (fp_mode ? 2 : 3)) {
		log_error("expected %s arguments, got %d: refusing every key",
		    fp_mode ? "2 (USER FINGERPRINT)" : "3 (USER TYPE KEY)", argc);
		akeys_usage(stderr);
		return AKEYS_EXIT_USAGE;
	}
	if (names_check_account(argv[0], why, sizeof(why)) == -1) {
		/* Not a meduse account (root, a local admin): not ours to allow. */
		akeys_clean(clean, sizeof(clean), argv[0]);
		log_info("user %s: refused: not a meduse account (%s)", clean, why);
		return AKEYS_EXIT_NOKEY;
	}
	user = argv[0];
	if (fp_mode) {
		if (!akeys_is_sha256_fp(argv[1])) {
			akeys_clean(clean, sizeof(clean), argv[1]);
			log_error("user %s: '%s' is not a SHA256 fingerprint: "
			    "pass sshd's %%f with FingerprintHash sha256 (the "
			    "default), or use %%t %%k", user, clean);
			return AKEYS_EXIT_ERROR;
		}
		fp = argv[1];
	} else {
		/* Shape only; accountd decodes the key (see akeys_lookup). */
		if (!akeys_is_word(argv[1], AKEYS_TYPE_MAX, AKEYS_TYPE_CHARS) ||
		    !akeys_is_word(argv[2], KEY_MAX_LINE, AKEYS_B64_CHARS)) {
			log_info("user %s: refused the key offered: not a key "
			    "type and base64 key data", user);
			return AKEYS_EXIT_NOKEY;
		}
		fp = NULL;
	}
	if ((cfg = akeys_config(cli_path)) == NULL)
		goto out;
	rc = fp_mode ? akeys_lookup(cfg, user, fp, NULL, NULL) :
	    akeys_lookup(cfg, user, NULL, argv[1], argv[2]);
out:
	config_free(cfg);
	return rc;
}
