/*
 * ctl_account.c: the account subcommands of accountctl.  Names and keys are
 * checked here first for a precise message naming the file and line; accountd
 * checks everything again, since it cannot trust its callers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accountctl.h"
#include "keys.h"
#include "names.h"

struct ctl_add_opts {
	json_t		*params;
	json_t		*keys;
	json_t		*quota;
	char		 first_key_type[64];	/* for the ssh config snippet */
	int		 failed;		/* a key file was refused */
};

enum { A_KEY = 0x300, A_NAME, A_EMAIL, A_EXPIRES };

static int
ctl_add_opt(struct ctl *ctl, int ch, const char *val, void *arg)
{
	struct ctl_add_opts *o = arg;
	const char *type;

	if (ctl_quota_option(ch, val, o->quota))
		return 0;
	switch (ch) {
	case A_KEY:
		if (ctl_read_keys(val, o->keys, &type) == -1)
			o->failed = 1;
		else if (o->first_key_type[0] == '\0')
			snprintf(o->first_key_type, sizeof(o->first_key_type),
			    "%s", type);
		return 0;
	case A_NAME:
		json_object_set_new(o->params, "display_name", json_string(val));
		return 0;
	case A_EMAIL:
		json_object_set_new(o->params, "email", json_string(val));
		return 0;
	case A_EXPIRES:
		json_object_set_new(o->params, "expires", json_string(val));
		return 0;
	}
	ctl_usage_error(ctl, "unexpected option");
	return -1;
}

/*
 * The private key to name in IdentityFile.  The admin's copy of the public
 * key is often renamed (alice.pub), so the user's own default file for the
 * key's type is the better guess.
 */
static const char *
ctl_identity_file(const char *type)
{
	if (type && strncmp(type, "ssh-rsa", 7) == 0)
		return "~/.ssh/id_rsa";
	if (type && strncmp(type, "ecdsa-", 6) == 0)
		return "~/.ssh/id_ecdsa";
	if (type && strncmp(type, "sk-ssh-ed25519", 14) == 0)
		return "~/.ssh/id_ed25519_sk";
	if (type && strncmp(type, "sk-ecdsa", 8) == 0)
		return "~/.ssh/id_ecdsa_sk";
	return "~/.ssh/id_ed25519";
}

/* The ~/.ssh/config block an admin sends to the new user. */
static char *
ctl_ssh_config(struct ctl *ctl, const char *name, const struct ctl_add_opts *o)
{
	char host[256], port[16] = "22", *s = NULL;
	const char *listen, *colon;
	struct config *cfg = ctl_config(ctl);

	if (cfg && cfg->gateway.public_host && *cfg->gateway.public_host)
		snprintf(host, sizeof(host), "%s", cfg->gateway.public_host);
	else if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "meduse");
	host[sizeof(host) - 1] = '\0';
	if (cfg && cfg->gateway.listen.n > 0) {
		listen = cfg->gateway.listen.v[0];
		if ((colon = strrchr(listen, ':')) != NULL)
			snprintf(port, sizeof(port), "%s", colon + 1);
	}
	if (asprintf(&s, "Host meduse\n"
	    "    HostName %s\n"
	    "%s%s%s"
	    "    User %s\n"
	    "    IdentityFile %s\n"
	    "    IdentitiesOnly yes\n", host,
	    strcmp(port, "22") ? "    Port " : "", strcmp(port, "22") ? port : "",
	    strcmp(port, "22") ? "\n" : "", name,
	    ctl_identity_file(o->first_key_type)) == -1)
		return NULL;
	return s;
}

int
ctl_add(struct ctl *ctl, int argc, char **argv)
{
	struct option longopts[16] = {
		CTL_COMMON_OPTS,
		{ "key", required_argument, NULL, A_KEY },
		{ "name", required_argument, NULL, A_NAME },
		{ "email", required_argument, NULL, A_EMAIL },
		{ "expires", required_argument, NULL, A_EXPIRES },
	};
	struct ctl_add_opts o = { json_object(), json_array(), json_object(),
	    "", 0 };
	json_t *res = NULL;
	char err[256], *snippet = NULL;
	int i, rc = CTL_FAIL;

	memcpy(&longopts[6], ctl_quota_longopts, 7 * sizeof(struct option));
	i = ctl_getopt(ctl, argc, argv, longopts, "NAME --key FILE|- [--key FILE ...]\n"
	    "       [--name TEXT] [--email ADDR] [--expires YYYY-MM-DD]\n"
	    "       [--cpu N] [--memory Q] [--gpu N] [--storage Q] [--home Q] "
	    "[--pvcs N] [--json]\n\n"
	    "Creates the account NAME (lowercase letters, digits and '-', at most\n"
	    "32) with the public keys of each --key file ('-' reads stdin), the\n"
	    "default quota overridden by the quota options, and the default\n"
	    "workspace, then prints the ~/.ssh/config block to send to the user.",
	    1, 1, ctl_add_opt, &o);
	if (i < 0) {
		rc = ctl_getopt_status(i);
		goto out;
	}
	if (names_check_account(argv[i], err, sizeof(err)) == -1) {
		rc = ctl_error("add: %s", err);
		goto out;
	}
	if (o.failed)
		goto out;
	if (json_array_size(o.keys) == 0) {
		rc = ctl_usage_error(ctl, "an account needs a public key: add --key "
		    "FILE.pub (the user's ~/.ssh/id_ed25519.pub, say)");
		goto out;
	}
	json_object_set_new(o.params, "name", json_string(argv[i]));
	json_object_set(o.params, "keys", o.keys);
	if (json_object_size(o.quota))
		json_object_set(o.params, "quota", o.quota);
	if (ctl_call(ctl, "account.add", json_incref(o.params), &res) == -1)
		goto out;
	if ((snippet = ctl_ssh_config(ctl, argv[i], &o)) == NULL)
		goto out;
	if (ctl->json)
		json_object_set_new(res, "ssh_config", json_string(snippet));
	else {
		printf("%s %s (%zu key%s, workspace %s, state %s).\n",
		    json_is_true(json_object_get(res, "new")) ?
		    "Created account" : "Account exists, now in line with this "
		    "command:",
		    argv[i], json_array_size(json_object_get(res, "keys")),
		    json_array_size(json_object_get(res, "keys")) == 1 ? "" : "s",
		    ctl_str(json_array_get(json_object_get(res, "workspaces"), 0),
		    "name"), ctl_str(res, "state"));
		if (strcmp(ctl_str(res, "state"), "expired") == 0)
			printf("Note: its expiry date %s has passed: it cannot log "
			    "in until 'accountctl expire %s DATE|never'.\n",
			    ctl_str(res, "expires"), argv[i]);
		printf("\nSend this to %s for ~/.ssh/config:\n\n%s", argv[i], snippet);
		fflush(stdout);
	}
	/* The account is saved whatever the cluster says: warnings only. */
	rc = ctl_kube_follow(ctl, res, argv[i]) == -1 ? CTL_FAIL : CTL_OK;
	if (ctl->json)
		ctl_print_json(res);
out:
	free(snippet);
	json_decref(res);
	json_decref(o.params);
	json_decref(o.keys);
	json_decref(o.quota);
	return rc;
}

struct ctl_del_opts {
	int		 purge;
	int		 yes;
	int		 keep_namespace;
	const char	*confirm_pvcs;	/* --confirm-pvcs a,b */
	const char	*delete_bucket;	/* --delete-bucket BUCKET */
};

static int
ctl_del_opt(struct ctl *ctl, int ch, const char *val, void *arg)
{
	struct ctl_del_opts *o = arg;

	switch (ch) {
	case 'p': o->purge = 1; break;
	case 'y': o->yes = 1; break;
	case 'k': o->keep_namespace = 1; break;
	case 'C': o->confirm_pvcs = val; break;
	case 'B': o->delete_bucket = val; break;
	default:
		ctl_usage_error(ctl, "unexpected option");
		return -1;
	}
	return 0;
}

/* "a, b" from a JSON array of names. */
static void
ctl_join(json_t *names, char *buf, size_t len)
{
	json_t *v;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(names, i, v)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
		    i ? ", " : "", json_string_value(v));
}

/*
 * The admin's --confirm-pvcs as a JSON array, when it names exactly the
 * PVCs in names, each once ("none" alone for none); NULL otherwise.
 */
static json_t *
ctl_pvcs_confirmed(const char *list, json_t *names)
{
	char *copy = strdup(list), *tok, *save = NULL;
	json_t *out = json_array(), *v;
	size_t i;
	bool ok = copy != NULL && out != NULL;

	if (ok && strcmp(list, "none") == 0) {
		free(copy);
		if (json_array_size(names) == 0)
			return out;
		json_decref(out);
		return NULL;
	}
	for (tok = ok ? strtok_r(copy, ",", &save) : NULL; tok != NULL && ok;
	    tok = strtok_r(NULL, ",", &save)) {
		json_array_foreach(out, i, v)
			if (strcmp(json_string_value(v), tok) == 0)
				ok = false;	/* named twice */
		json_array_foreach(names, i, v)
			if (strcmp(json_string_value(v), tok) == 0)
				break;
		ok = ok && i < json_array_size(names);
		if (ok)
			json_array_append_new(out, json_string(tok));
	}
	free(copy);
	if (ok && json_array_size(out) == json_array_size(names))
		return out;
	json_decref(out);
	return NULL;
}

/* Asks on the terminal for the account name; returns 1 when it was typed. */
static int
ctl_confirm(const char *name, const char *ns, json_t *pvcs,
    const char *bucket)
{
	char line[128], list[1024];

	if (!isatty(STDIN_FILENO))
		return 0;
	fprintf(stderr, "This removes account %s, its keys, quota and workspaces "
	    "from the database for good.\n", name);
	if (ns != NULL) {
		ctl_join(pvcs, list, sizeof(list));
		fprintf(stderr, "It also deletes Kubernetes namespace %s and %s%s%s"
		    ", with all their data.\n", ns, json_array_size(pvcs) ?
		    "its PVCs: " : "everything in it (it has no PVC)",
		    list, json_array_size(pvcs) ? "" : "");
	}
	if (bucket != NULL)
		fprintf(stderr, "It also empties and deletes MinIO bucket %s, with "
		    "every object in it.\n", bucket);
	fprintf(stderr, "Type the account name to confirm: ");
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	return strcmp(line, name) == 0;
}

int
ctl_del(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_COMMON_OPTS,
		{ "purge", no_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ "keep-namespace", no_argument, NULL, 'k' },
		{ "confirm-pvcs", required_argument, NULL, 'C' },
		{ "delete-bucket", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_del_opts o = { 0, 0, 0, NULL, NULL };
	json_t *res = NULL, *pvcs = NULL, *params, *confirmed = NULL;
	char *ns = NULL, list[1024];
	int i, rc = CTL_FAIL;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME [--purge [--yes "
	    "[--confirm-pvcs PVC,...|none]] [--keep-namespace]\n"
	    "    [--delete-bucket BUCKET]]\n\n"
	    "Locks NAME and removes its keys; the record, its Kubernetes namespace\n"
	    "and PVCs stay (unlock and key add bring it back).  --purge removes\n"
	    "the record and deletes the namespace with every PVC in it, after you\n"
	    "type the name to confirm; the prompt names the PVCs.  Without a\n"
	    "prompt, --yes needs --confirm-pvcs naming every PVC (or 'none').\n"
	    "--keep-namespace purges the record only.  A purge removes the MinIO\n"
	    "user and keeps its bucket; --delete-bucket, naming the account's\n"
	    "bucket in full (prefix and name), also empties and deletes it.", 1, 1,
	    ctl_del_opt, &o)) < 0)
		return ctl_getopt_status(i);
	if (!o.purge && (o.yes || o.keep_namespace || o.confirm_pvcs ||
	    o.delete_bucket))
		return ctl_usage_error(ctl, "--yes, --keep-namespace, "
		    "--confirm-pvcs and --delete-bucket go with --purge");
	if (o.purge) {
		/* Check the account exists before asking anything. */
		if (ctl_call(ctl, "account.state", json_pack("{s:s}", "name",
		    argv[i]), &res) == -1)
			goto out;
		json_decref(res);
		res = NULL;
		if (!o.keep_namespace && ctl_kube_pvcs(ctl, argv[i], &ns,
		    &pvcs) == -1)
			goto out;
		if (ns != NULL && o.yes && (o.confirm_pvcs == NULL ||
		    (confirmed = ctl_pvcs_confirmed(o.confirm_pvcs,
		    pvcs)) == NULL)) {
			ctl_join(pvcs, list, sizeof(list));
			rc = ctl_error("del: namespace %s holds PVCs: %s.  Purging "
			    "destroys them: name them all with --confirm-pvcs %s "
			    "(or keep the namespace with --keep-namespace).  Nothing "
			    "was changed", ns, *list ? list : "none", *list ?
			    list : "none");
			goto out;
		}
	}
	if (o.purge && !o.yes) {
		/* accountd drops idle connections: don't hold one while asking. */
		client_close(ctl->client);
		ctl->client = NULL;
		if (!ctl_confirm(argv[i], ns, pvcs, o.delete_bucket)) {
			rc = ctl_error("del: not confirmed, nothing changed (to "
			    "purge without a prompt, add --yes)");
			goto out;
		}
	}
	params = json_pack("{s:s, s:b}", "name", argv[i], "purge", o.purge);
	/* What the admin named (or was shown and confirmed), nothing more. */
	if (o.purge && ns != NULL)
		json_object_set(params, "confirm_pvcs", confirmed ? confirmed :
		    pvcs);
	if (o.purge && (o.keep_namespace || ns == NULL))
		json_object_set_new(params, "keep_namespace", json_true());
	if (o.delete_bucket != NULL)
		json_object_set_new(params, "delete_bucket",
		    json_string(o.delete_bucket));
	if (ctl_call(ctl, "account.del", params, &res) == -1)
		goto out;
	if (ctl->json)
		;
	else if (o.purge)
		printf("Purged account %s%s%s%s%s.\n", argv[i], ns ?
		    "; deleting namespace " : "", ns ? ns : "",
		    o.delete_bucket ? "; deleting bucket " : "",
		    o.delete_bucket ? o.delete_bucket : "");
	else
		printf("Deleted account %s: locked, keys removed, record, "
		    "namespace and PVCs kept (accountctl del %s --purge removes "
		    "them).\n", argv[i], argv[i]);
	rc = ctl_kube_follow(ctl, res, argv[i]) == -1 ? CTL_FAIL : CTL_OK;
	if (ctl->json)
		ctl_print_json(res);
out:
	free(ns);
	json_decref(pvcs);
	json_decref(confirmed);
	json_decref(res);
	return rc;
}

int
ctl_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	json_t *res, *accts, *a;
	size_t k;
	int i;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "[--json]", 0, 0, NULL,
	    NULL)) < 0)
		return ctl_getopt_status(i);
	if (ctl_call(ctl, "account.list", NULL, &res) == -1)
		return CTL_FAIL;
	accts = json_object_get(res, "accounts");
	if (ctl->json)
		ctl_print_json(accts);
	else if (json_array_size(accts) == 0)
		printf("No accounts yet: create one with accountctl add NAME "
		    "--key FILE.pub\n");
	else {
		printf("%-32s %-8s %4s  %-10s  %s\n", "NAME", "STATE", "KEYS",
		    "EXPIRES", "DISPLAY NAME");
		json_array_foreach(accts, k, a)
			printf("%-32s %-8s %4lld  %-10s  %s\n", ctl_str(a, "name"),
			    json_is_string(json_object_get(a, "deleted")) ?
			    "deleted" : ctl_str(a, "state"),
			    (long long)json_integer_value(json_object_get(a, "keys")),
			    json_is_null(json_object_get(a, "expires")) ? "never" :
			    ctl_str(a, "expires"), ctl_str(a, "display_name"));
	}
	json_decref(res);
	return CTL_OK;
}

static int
ctl_show_opt(struct ctl *ctl, int ch, const char *val, void *arg)
{
	(void)val;
	if (ch != 'S') {
		ctl_usage_error(ctl, "unexpected option");
		return -1;
	}
	*(int *)arg = 1;
	return 0;
}

/*
 * The account's MinIO keys, read from its Secret by accountd's reconciler:
 * {access_key, secret_key} (caller's), or NULL (printed).
 */
static json_t *
ctl_show_secrets(struct ctl *ctl, const char *name)
{
	json_t *res, *done, *r, *out = NULL;
	bool timed_out;

	if (ctl_call(ctl, "minio.secrets", json_pack("{s:s}", "name", name),
	    &res) == -1)
		return NULL;
	done = ctl_kube_wait(ctl, json_integer_value(json_object_get(res,
	    "job")), 60, NULL, &timed_out);
	json_decref(res);
	if (done == NULL) {
		if (timed_out)
			ctl_error("show: no answer from the reconciler in 60 s");
		return NULL;
	}
	r = json_object_get(done, "result");
	if (json_is_string(json_object_get(r, "error")))
		ctl_error("show: cannot read the MinIO keys of %s: %s", name,
		    ctl_str(r, "error"));
	else if ((out = json_pack("{s:O, s:O}", "access_key",
	    json_object_get(r, "access_key"), "secret_key", json_object_get(r,
	    "secret_key"))) == NULL)
		ctl_error("show: accountd's answer has no MinIO keys");
	json_decref(done);
	return out;
}

int
ctl_show(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_COMMON_OPTS,
		{ "secrets", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *res, *keys = NULL;
	int i, secrets = 0, rc = CTL_FAIL;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME [--secrets] "
	    "[--json]\n\n"
	    "--secrets also shows the MinIO access key and secret key of the\n"
	    "account (from its Secret meduse-minio); this is audited.", 1, 1,
	    ctl_show_opt, &secrets)) < 0)
		return ctl_getopt_status(i);
	if (ctl_call(ctl, "account.show", json_pack("{s:s}", "name", argv[i]),
	    &res) == -1)
		return CTL_FAIL;
	if (secrets && (keys = ctl_show_secrets(ctl, argv[i])) == NULL)
		goto out;
	if (ctl->json) {
		if (keys != NULL)
			json_object_set(res, "minio", keys);
		ctl_print_json(res);
	} else {
		ctl_print_account(res);
		if (keys != NULL)
			printf("MinIO access key: %s\nMinIO secret key: %s\n",
			    ctl_str(keys, "access_key"), ctl_str(keys,
			    "secret_key"));
	}
	rc = CTL_OK;
out:
	json_decref(keys);
	json_decref(res);
	return rc;
}

int
ctl_lock(struct ctl *ctl, int argc, char **argv)
{
	return ctl_simple(ctl, argc, argv, "account.lock", "NAME [--json]",
	    "Locked account %s (state %s): every login is refused.\n");
}

int
ctl_unlock(struct ctl *ctl, int argc, char **argv)
{
	return ctl_simple(ctl, argc, argv, "account.unlock", "NAME [--json]",
	    "Unlocked account %s (state %s).\n");
}

int
ctl_expire(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	json_t *res;
	const char *date;
	int i;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME YYYY-MM-DD|never "
	    "[--json]\n\nThe account stops working at the start of that day (UTC).",
	    2, 2, NULL, NULL)) < 0)
		return ctl_getopt_status(i);
	date = strcmp(argv[i + 1], "never") == 0 ? "" : argv[i + 1];
	if (ctl_call(ctl, "account.expire", json_pack("{s:s, s:s}", "name",
	    argv[i], "expires", date), &res) == -1)
		return CTL_FAIL;
	if (ctl->json)
		ctl_print_json(res);
	else
		printf("Account %s expires %s (state %s).\n", argv[i], *date ? date :
		    "never", ctl_str(res, "state"));
	json_decref(res);
	return CTL_OK;
}
