/*
 * accountd.c: main of the account daemon.  It runs in the foreground (as
 * systemd expects), owns the database under state_dir and serves the JSON
 * API on the unix socket named by accountd.socket.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "accountd.h"
#include "kubeconfig.h"
#include "log.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: accountd [-c FILE] [-t] [-d] [-s]\n"
	    "\n"
	    "The meduse account daemon: owns the account database and serves\n"
	    "accountctl, meduse-authorized-keys, pam_meduse and the gateway.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default: $MEDUSE_CONFIG,\n"
	    "                     else " CONFIG_DEFAULT_PATH ")\n"
	    "  -t, --check        check the configuration, print every error as\n"
	    "                     FILE:LINE: message, and exit (0 when valid)\n"
	    "  -d, --debug        log debug messages\n"
	    "  -s, --syslog       log to syslog instead of stderr\n"
	    "  -V, --version      print the version\n"
	    "  -h, --help         this help\n"
	    "\n"
	    "See accountd(8).\n");
}

/* -t: the cluster credentials must at least load (no request is made). */
static int
check_kube(const struct config *cfg)
{
	struct kube_creds *creds = NULL;
	char err[512];
	int r;

	if (!kworker_enabled(cfg))
		return 0;
	r = cfg->kubernetes.in_cluster ? kube_creds_in_cluster(NULL, &creds,
	    err, sizeof(err)) : kubeconfig_load(cfg->kubernetes.kubeconfig,
	    cfg->kubernetes.context[0] ? cfg->kubernetes.context : NULL, &creds,
	    err, sizeof(err));
	kube_creds_free(creds);
	if (r == -1)
		fprintf(stderr, "%s: kubernetes: %s\n", cfg->path ? cfg->path :
		    "built-in defaults", err);
	return r == -1 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "syslog", no_argument, NULL, 's' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct accountd ad;
	const char *cli_path = NULL;
	int ch, check = 0, debug = 0, use_syslog = 0, lockfd = -1, lfd = -1;
	int rc = 1;

	memset(&ad, 0, sizeof(ad));
	while ((ch = getopt_long(argc, argv, "c:tdsVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': cli_path = optarg; break;
		case 't': check = 1; break;
		case 'd': debug = 1; break;
		case 's': use_syslog = 1; break;
		case 'V': printf("accountd %s (protocol %d)\n", MEDUSE_VERSION,
		    PROTO_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "accountd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	log_init("accountd", use_syslog, debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	/* Files accountd makes hold keys: private unless chmod'ed on purpose. */
	umask(077);
	if ((ad.cfg = config_load_report(cli_path, stderr)) == NULL)
		return 1;
	if (check) {
		rc = check_kube(ad.cfg);
		if (rc == 0)
			printf("%s: configuration OK\n", ad.cfg->path ?
			    ad.cfg->path : "built-in defaults");
		config_free(ad.cfg);
		return rc;
	}
	/* Socket before database: a start that cannot serve creates nothing. */
	if ((lockfd = server_lock_state(ad.cfg->state_dir)) == -1)
		goto out;
	if ((lfd = server_listen(ad.cfg->accountd.socket)) == -1)
		goto out;
	if (db_open(ad.cfg->state_dir, &ad.db) == -1) {
		unlink(ad.cfg->accountd.socket);
		goto out;
	}
	peer_resolve_groups(&ad);
	if (gwkey_reconcile(&ad) == -1) {
		unlink(ad.cfg->accountd.socket);
		goto out;
	}
	/* Before any thread: libcurl's global set-up is not thread-safe on
	 * every build, and the worker and route threads all use it. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("cannot initialise libcurl");
		unlink(ad.cfg->accountd.socket);
		goto out;
	}
	if (kworker_start(ad.cfg) == -1) {
		unlink(ad.cfg->accountd.socket);
		goto out;
	}
	log_info("accountd %s listening on %s (database %s/%s)", MEDUSE_VERSION,
	    ad.cfg->accountd.socket, ad.cfg->state_dir, DB_FILE);
	if (server_run(&ad, lfd) == 0)
		rc = 0;
	unlink(ad.cfg->accountd.socket);
	if (kworker_stop() == -1) {
		/*
		 * The thread still uses libcurl and its own database handle:
		 * exit() would run library destructors under it.  Everything
		 * committed is safe (WAL), and the next start repairs the rest.
		 */
		close(lockfd);
		_exit(rc);
	}
out:
	if (lfd != -1)
		close(lfd);
	db_close(ad.db);
	if (lockfd != -1)
		close(lockfd);
	config_free(ad.cfg);
	return rc;
}
