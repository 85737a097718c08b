/*
 * ctl_key.c: `accountctl key add|list|rm`, and reading key files for `add`.
 * Key files are parsed here with lib/keys.c so that a mistake is reported
 * with its file and line before anything is sent to accountd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accountctl.h"
#include "keys.h"

/* Appends every key of path to keys as "TYPE BLOB COMMENT" lines. */
int
ctl_read_keys(const char *path, json_t *keys, const char **first_type)
{
	static char type[64];
	struct pubkey *k = NULL;
	char err[512], *line;
	int i, n;

	*first_type = NULL;
	if ((n = keys_read_file(path, &k, err, sizeof(err))) == -1) {
		ctl_error("%s", err);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&line, "%s %s%s%s", k[i].type, k[i].blob,
		    *k[i].comment ? " " : "", k[i].comment) == -1) {
			keys_free_array(k, (size_t)n);
			return ctl_error("out of memory"), -1;
		}
		json_array_append_new(keys, json_string(line));
		free(line);
	}
	snprintf(type, sizeof(type), "%s", k[0].type);
	*first_type = type;
	keys_free_array(k, (size_t)n);
	return 0;
}

struct ctl_key_opts {
	json_t	*keys;
	int	 failed;	/* a key file was refused (reported) */
};

static int
ctl_key_opt(struct ctl *ctl, int ch, const char *val, void *arg)
{
	struct ctl_key_opts *o = arg;
	const char *type;

	if (ch == 'k') {
		if (ctl_read_keys(val, o->keys, &type) == -1)
			o->failed = 1;
		return 0;
	}
	ctl_usage_error(ctl, "unexpected option");
	return -1;
}

static int
ctl_key_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_COMMON_OPTS,
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_key_opts o = { json_array(), 0 };
	json_t *keys = o.keys, *res = NULL;
	int i, rc = CTL_FAIL;

	i = ctl_getopt(ctl, argc, argv, longopts, "NAME --key FILE|- [--key ...] "
	    "[--json]", 1, 1, ctl_key_opt, &o);
	if (i < 0) {
		rc = ctl_getopt_status(i);
		goto out;
	}
	if (o.failed)
		goto out;
	if (json_array_size(keys) == 0) {
		rc = ctl_usage_error(ctl, "no key given: add --key FILE.pub");
		goto out;
	}
	if (ctl_call(ctl, "key.add", json_pack("{s:s, s:O}", "name", argv[i],
	    "keys", keys), &res) == -1)
		goto out;
	if (ctl->json)
		ctl_print_json(res);
	else {
		printf("Keys of %s now:\n", argv[i]);
		ctl_print_keys(json_object_get(res, "keys"));
	}
	rc = CTL_OK;
out:
	json_decref(keys);
	json_decref(res);
	return rc;
}

static int
ctl_key_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	json_t *res;
	int i;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME [--json]", 1, 1, NULL,
	    NULL)) < 0)
		return ctl_getopt_status(i);
	if (ctl_call(ctl, "key.list", json_pack("{s:s}", "name", argv[i]),
	    &res) == -1)
		return CTL_FAIL;
	if (ctl->json)
		ctl_print_json(json_object_get(res, "keys"));
	else
		ctl_print_keys(json_object_get(res, "keys"));
	json_decref(res);
	return CTL_OK;
}

static int
ctl_key_rm(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	json_t *res;
	int i;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME FINGERPRINT [--json]\n\n"
	    "FINGERPRINT is the SHA256:... form shown by 'accountctl key list'\n"
	    "and 'ssh-keygen -lf KEY.pub'.", 2, 2, NULL, NULL)) < 0)
		return ctl_getopt_status(i);
	if (strncmp(argv[i + 1], "SHA256:", 7) != 0)
		return ctl_error("key rm: '%s' is not a fingerprint: use the "
		    "SHA256:... form from 'accountctl key list %s'", argv[i + 1],
		    argv[i]);
	if (ctl_call(ctl, "key.rm", json_pack("{s:s, s:s}", "name", argv[i],
	    "fingerprint", argv[i + 1]), &res) == -1)
		return CTL_FAIL;
	if (ctl->json)
		ctl_print_json(res);
	else {
		printf("Removed key %s from %s.\n", argv[i + 1], argv[i]);
		if (json_integer_value(json_object_get(res, "keys_left")) == 0)
			printf("Warning: %s has no key left and cannot log in until "
			    "one is added (accountctl key add %s --key FILE).\n",
			    argv[i], argv[i]);
	}
	json_decref(res);
	return CTL_OK;
}

static const struct ctl_cmd ctl_key_cmds[] = {
	{ "add", "NAME --key FILE|-", "add keys to an account", ctl_key_add },
	{ "list", "NAME", "list an account's keys", ctl_key_list },
	{ "rm", "NAME FINGERPRINT", "remove a key", ctl_key_rm },
};

int
ctl_key(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "key", ctl_key_cmds,
	    sizeof(ctl_key_cmds) / sizeof(ctl_key_cmds[0]), argc, argv);
}
