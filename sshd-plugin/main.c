/*
 * main.c: meduse-sshd's command line.  Reads the configuration, sets up
 * logging, and hands over to listen.c.  With -t it only checks the
 * configuration and the host keys it names, and says what is wrong.
 *
 * Trust boundary: the command line and the configuration come from the admin.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "meduse-sshd.h"

volatile sig_atomic_t	main_debug;

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: " GW_NAME " [-dfstV] [-c CONFIG]\n"
	    "\n"
	    "The meduse SSH gateway: authenticates users through accountd and\n"
	    "relays their sessions into their workspaces.\n"
	    "  -c CONFIG  configuration file (default $" CONFIG_ENV ", then "
	    CONFIG_DEFAULT_PATH ")\n"
	    "  -t         check the configuration and host keys, then exit\n"
	    "  -d         debug logging\n"
	    "  -f         stay in the foreground (always; accepted for habit)\n"
	    "  -s         log to syslog (authpriv) instead of stderr\n"
	    "  -V         print the version\n"
	    "Signals: SIGTERM drains (no new connections, open ones get\n"
	    "gateway.drain_grace, 25 s by default), SIGHUP reloads the\n"
	    "configuration for new connections.\n"
	    "See meduse-sshd(8).\n");
}

/* -t: every configured host key must load; a generated one may not exist yet. */
static int
main_check_keys(const struct config *cfg)
{
	ssh_key key;
	size_t i;
	int rc = 0;

	for (i = 0; i < cfg->gateway.host_keys.n; i++) {
		key = NULL;
		if (ssh_pki_import_privkey_file(cfg->gateway.host_keys.v[i], NULL,
		    NULL, NULL, &key) != SSH_OK) {
			fprintf(stderr, GW_NAME ": gateway.host_keys: cannot read "
			    "private key %s: check the path, its mode (0600) and "
			    "that it is an OpenSSH private key without passphrase\n",
			    cfg->gateway.host_keys.v[i]);
			rc = -1;
		}
		ssh_key_free(key);
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "syslog", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config *cfg;
	const char *cli_path = NULL;
	int ch, check = 0, use_syslog = 0, rc;

	while ((ch = getopt_long(argc, argv, "c:tdfsVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli_path = optarg; break;
		case 't': check = 1; break;
		case 'd': main_debug = 1; break;
		case 'f': break;
		case 's': use_syslog = 1; break;
		case 'V': printf(GW_NAME " %s (libssh %s)\n", MEDUSE_VERSION,
		    ssh_version(0)); return 0;
		case 'h': main_usage(stdout); return 0;
		default: main_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, GW_NAME ": unexpected argument '%s'\n", argv[optind]);
		main_usage(stderr);
		return 2;
	}
	log_init(GW_NAME, use_syslog, main_debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	/* Generated host keys and known_hosts are private. */
	umask(077);
	if ((cfg = config_load_report(cli_path, stderr)) == NULL)
		return 1;
	if (check) {
		rc = main_check_keys(cfg);
		if (rc == 0)
			printf("%s: configuration OK\n", cfg->path ? cfg->path :
			    "built-in defaults");
		config_free(cfg);
		return rc == 0 ? 0 : 1;
	}
	if (ssh_init() != SSH_OK)
		fatal("cannot initialise libssh");
	rc = listen_run(cli_path, cfg);
	ssh_finalize();
	return rc == 0 ? 0 : 1;
}
