/*
 * pam_opts.c: the module arguments written after pam_meduse.so in a PAM
 * service file.  Trust boundary: the service file is written by root, so the
 * arguments are trusted, but a typo must be visible: an unknown option is
 * logged and ignored (the PAM convention, as pam_unix does), a known option
 * with a bad value makes the stage fail with PAM_SERVICE_ERR.  Ignoring an
 * unknown option can never make the module more permissive: whatever it
 * meant, the account stage still fails closed when accountd gives no answer.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "client.h"
#include "units.h"
#include "pam_meduse.h"

/* Returns the value of "key=value" when arg starts with key and '=', else NULL. */
static const char *
pam_opts_value(const char *arg, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(arg, key, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	return NULL;
}

/*
 * timeout=MS takes milliseconds ("2500") or a duration as meduse.yaml writes
 * it ("2500ms", "3s").
 */
static int
pam_opts_timeout(pam_handle_t *pamh, const char *v, int *timeout_ms)
{
	char err[128];
	uint64_t ms;
	char *end;
	unsigned long long n;

	if (v[0] >= '0' && v[0] <= '9') {
		n = strtoull(v, &end, 10);
		if (*end == '\0') {
			ms = n;
			goto range;
		}
	}
	if (units_parse_duration(v, &ms, err, sizeof(err)) == -1) {
		pam_syslog(pamh, LOG_ERR, "timeout=%s: %s: write milliseconds, "
		    "e.g. timeout=3000", v, err);
		return -1;
	}
range:
	if (ms == 0 || ms > PAM_MEDUSE_TIMEOUT_MAX_MS) {
		pam_syslog(pamh, LOG_ERR, "timeout=%s: must be between 1 and %d "
		    "milliseconds", v, PAM_MEDUSE_TIMEOUT_MAX_MS);
		return -1;
	}
	*timeout_ms = (int)ms;
	return 0;
}

/* Returns 0, or -1 (already logged) when a known option has a bad value. */
int
pam_opts_parse(pam_handle_t *pamh, int argc, const char **argv,
    struct pam_opts *opts)
{
	const char *v;
	int i;

	memset(opts, 0, sizeof(*opts));
	opts->timeout_ms = CLIENT_TIMEOUT_MS;
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			continue;
		if (strcmp(argv[i], "debug") == 0)
			opts->debug = true;
		else if ((v = pam_opts_value(argv[i], "socket")) != NULL) {
			if (v[0] != '/') {
				pam_syslog(pamh, LOG_ERR, "socket=%s: the socket "
				    "path must be absolute", v);
				return -1;
			}
			opts->socket = v;
		} else if ((v = pam_opts_value(argv[i], "config")) != NULL) {
			if (v[0] != '/') {
				pam_syslog(pamh, LOG_ERR, "config=%s: the "
				    "configuration path must be absolute", v);
				return -1;
			}
			opts->config = v;
		} else if ((v = pam_opts_value(argv[i], "timeout")) != NULL) {
			if (pam_opts_timeout(pamh, v, &opts->timeout_ms) == -1)
				return -1;
		} else
			pam_syslog(pamh, LOG_ERR, "unknown option '%s' ignored: "
			    "see pam_meduse(8)", argv[i]);
	}
	return 0;
}
