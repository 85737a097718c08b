/*
 * accountctl.c: main of the admin CLI.  It parses the command line, finds
 * the subcommand in a const table (anything else is a usage error) and talks
 * to accountd over its socket; it never opens the database itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accountctl.h"
#include "log.h"

static const struct ctl_cmd ctl_cmds[] = {
	{ "add", "NAME --key FILE|- [--key ...] [--name TEXT] [--email ADDR]\n"
	  "              [--cpu N --memory Q --gpu N --storage Q --home Q --pvcs N]\n"
	  "              [--expires YYYY-MM-DD]",
	  "create an account with its keys, quota and default workspace", ctl_add },
	{ "del", "NAME [--purge [--yes]]",
	  "lock an account and remove its keys (--purge: remove the record)", ctl_del },
	{ "list", "", "list accounts", ctl_list },
	{ "show", "NAME [--secrets]", "show an account, its keys, quota and "
	  "workspaces (--secrets: its MinIO keys)", ctl_show },
	{ "key", "add NAME --key FILE|- | list NAME | rm NAME FINGERPRINT",
	  "manage an account's public keys", ctl_key },
	{ "workspace", "add NAME WS [--template T] | list NAME | rm NAME WS",
	  "manage an account's extra Coder workspaces", ctl_workspace },
	{ "minio", "rotate NAME", "give an account's MinIO user a new secret key",
	  ctl_minio },
	{ "lock", "NAME", "refuse every login of an account, keeping everything", ctl_lock },
	{ "unlock", "NAME", "allow logins again", ctl_unlock },
	{ "quota", "NAME [--cpu N --memory Q --gpu N --storage Q --home Q --pvcs N]",
	  "show or change an account's quota", ctl_quota },
	{ "expire", "NAME YYYY-MM-DD|never", "set or clear an account's expiry date",
	  ctl_expire },
	{ "audit", "[--since DATE|DURATION] [--account NAME] [--limit N]",
	  "show the audit log", ctl_audit },
	{ "status", "[NAME]", "show the state of each Kubernetes object",
	  ctl_status },
	{ "plan", "[NAME]", "show what a sync would change (dry run)", ctl_plan },
	{ "sync", "[NAME]", "reconcile the Kubernetes objects now", ctl_sync },
};

#define NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: accountctl [-c FILE] COMMAND [ARGS] [--json]\n\n"
	    "Manages meduse accounts through accountd.\n\nCommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-9s %s\n", ctl_cmds[i].name, ctl_cmds[i].summary);
	fprintf(f, "\nOptions:\n"
	    "  -c, --config FILE  configuration file (default: $MEDUSE_CONFIG,\n"
	    "                     else " CONFIG_DEFAULT_PATH ")\n"
	    "  --json             machine-readable output (read commands)\n"
	    "  -h, --help         this help; 'accountctl COMMAND --help' for one\n"
	    "  -V, --version      print the version\n\n"
	    "Exit status: 0 success, 1 failure, 2 usage error.  See accountctl(8).\n");
}

int
ctl_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "accountctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CTL_FAIL;
}

int
ctl_usage_error(struct ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "accountctl %s: ", ctl->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'accountctl %s --help')\n", ctl->cmd);
	return CTL_USAGE;
}

/*
 * Loads the configuration on first use, so that --help works even when the
 * configuration is broken.  Returns NULL after printing every problem.
 */
struct config *
ctl_config(struct ctl *ctl)
{
	if (ctl->cfg == NULL && (ctl->cfg = config_load_report(ctl->cli_path,
	    stderr)) == NULL)
		fprintf(stderr, "accountctl: cannot use the configuration: fix it "
		    "(accountd -t checks it) or pass another with -c\n");
	return ctl->cfg;
}

int
ctl_call(struct ctl *ctl, const char *method, json_t *params, json_t **result)
{
	struct client_error err;

	*result = NULL;
	if (ctl_config(ctl) == NULL) {
		json_decref(params);
		return -1;
	}
	if (ctl->client == NULL && client_open(ctl->cfg->accountd.socket,
	    CLIENT_TIMEOUT_MS, &ctl->client, &err) == -1) {
		json_decref(params);
		return ctl_error("%s", err.message), -1;
	}
	if (client_call(ctl->client, method, params, result, &err) == -1) {
		json_decref(params);
		ctl_error("%s: %s", ctl->cmd, err.message);
		return -1;
	}
	json_decref(params);
	return 0;
}

int
ctl_getopt(struct ctl *ctl, int argc, char **argv, const struct option *longopts,
    const char *usage_text, int nargs_min, int nargs_max,
    int (*opt)(struct ctl *, int, const char *, void *), void *arg)
{
	int ch, n;

	optind = 0;	/* GNU: restart scanning for this subcommand's argv */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case CTL_OPT_JSON:
			ctl->json = true;
			break;
		case 'h':
			printf("usage: accountctl %s %s\n", ctl->cmd, usage_text);
			return CTL_GETOPT_HELP;
		case '?':
			ctl_usage_error(ctl, "unknown option or missing value: '%s'",
			    argv[optind - 1]);
			return CTL_GETOPT_USAGE;
		default:
			if (opt == NULL || opt(ctl, ch, optarg, arg) == -1)
				return CTL_GETOPT_USAGE;
		}
	}
	n = argc - optind;
	if (n < nargs_min || n > nargs_max) {
		ctl_usage_error(ctl, n < nargs_min ? "missing argument" :
		    "too many arguments ('%s')", n > nargs_max ?
		    argv[optind + nargs_max] : "");
		return CTL_GETOPT_USAGE;
	}
	return optind;
}

int
ctl_getopt_status(int r)
{
	return r == CTL_GETOPT_HELP ? CTL_OK : CTL_USAGE;
}

/* A command of the form "CMD NAME" that calls one method and prints a line. */
int
ctl_simple(struct ctl *ctl, int argc, char **argv, const char *method,
    const char *usage_text, const char *done_fmt)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	json_t *res;
	int i, rc;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, usage_text, 1, 1, NULL,
	    NULL)) < 0)
		return ctl_getopt_status(i);
	if (ctl_call(ctl, method, json_pack("{s:s}", "name", argv[i]), &res) == -1)
		return CTL_FAIL;
	if (!ctl->json)
		printf(done_fmt, argv[i], ctl_str(res, "state"));
	rc = ctl_kube_follow(ctl, res, argv[i]) == -1 ? CTL_FAIL : CTL_OK;
	if (ctl->json)
		ctl_print_json(res);
	json_decref(res);
	return rc;
}

int
ctl_dispatch(struct ctl *ctl, const char *group, const struct ctl_cmd *cmds,
    size_t n, int argc, char **argv)
{
	static char cmd[32];
	FILE *f;
	size_t i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		f = argc < 2 ? stderr : stdout;
		fprintf(f, "usage: accountctl %s COMMAND ...\n", group);
		for (i = 0; i < n; i++)
			fprintf(f, "  accountctl %s %-4s %-20s %s\n", group,
			    cmds[i].name, cmds[i].args, cmds[i].summary);
		return argc < 2 ? CTL_USAGE : CTL_OK;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			snprintf(cmd, sizeof(cmd), "%s %s", group, cmds[i].name);
			ctl->cmd = cmd;
			return cmds[i].fn(ctl, argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "accountctl: unknown %s command '%s': use", group,
	    argv[1]);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i == 0 ? "" : i + 1 == n ? " or" : ",",
		    cmds[i].name);
	fputc('\n', stderr);
	return CTL_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, CTL_OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl ctl;
	size_t i;
	int ch, rc;

	memset(&ctl, 0, sizeof(ctl));
	log_init("accountctl", 0, LOG_LVL_WARN);
	/* '+': stop at the subcommand; its own options are parsed later. */
	while ((ch = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': ctl.cli_path = optarg; break;
		case CTL_OPT_JSON: ctl.json = true; break;
		case 'h': usage(stdout); return CTL_OK;
		case 'V': printf("accountctl %s\n", MEDUSE_VERSION); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return CTL_USAGE;
	}
	for (i = 0; i < NCMDS; i++)
		if (strcmp(argv[optind], ctl_cmds[i].name) == 0)
			break;
	if (i == NCMDS) {
		fprintf(stderr, "accountctl: unknown command '%s' (see accountctl "
		    "--help)\n", argv[optind]);
		return CTL_USAGE;
	}
	ctl.cmd = ctl_cmds[i].name;
	rc = ctl_cmds[i].fn(&ctl, argc - optind, argv + optind);
	client_close(ctl.client);
	config_free(ctl.cfg);
	return rc;
}
