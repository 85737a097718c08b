/*
 * ctl_audit.c: `accountctl audit`, the audit log as a table or JSON.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accountctl.h"
#include "units.h"

struct ctl_audit_opts {
	json_t	*params;
};

/* --since takes a day (2026-11-01), a UTC time (2026-11-01T08:00:00Z) or an age (24h). */
static int
ctl_audit_since(const char *val, json_t *params)
{
	struct tm tm;
	uint64_t ms;
	const char *end;
	char err[128];

	memset(&tm, 0, sizeof(tm));
	if (units_parse_duration(val, &ms, err, sizeof(err)) == 0) {
		json_object_set_new(params, "since", json_integer((json_int_t)
		    (time(NULL) - (time_t)(ms / 1000))));
		return 0;
	}
	if (((end = strptime(val, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL && *end == '\0') ||
	    ((end = strptime(val, "%Y-%m-%d", &tm)) != NULL && *end == '\0')) {
		json_object_set_new(params, "since", json_integer((json_int_t)timegm(&tm)));
		return 0;
	}
	return -1;
}

static int
ctl_audit_opt(struct ctl *ctl, int ch, const char *val, void *arg)
{
	struct ctl_audit_opts *o = arg;
	char *end;
	long n;

	switch (ch) {
	case 's':
		if (ctl_audit_since(val, o->params) == -1) {
			ctl_usage_error(ctl, "--since '%s': use a date (2026-11-01), "
			    "a UTC time (2026-11-01T08:00:00Z) or an age (24h, 7d)",
			    val);
			return -1;
		}
		return 0;
	case 'a':
		json_object_set_new(o->params, "name", json_string(val));
		return 0;
	case 'n':
		n = strtol(val, &end, 10);
		if (*val == '\0' || *end != '\0' || n < 1 || n > 100000) {
			ctl_usage_error(ctl, "--limit '%s': use a number from 1 to "
			    "100000", val);
			return -1;
		}
		json_object_set_new(o->params, "limit", json_integer(n));
		return 0;
	}
	ctl_usage_error(ctl, "unexpected option");
	return -1;
}

int
ctl_audit(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_COMMON_OPTS,
		{ "since", required_argument, NULL, 's' },
		{ "account", required_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_audit_opts o = { json_object() };
	json_t *res = NULL, *rows, *r;
	size_t k;
	int i, rc = CTL_FAIL;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "[--since DATE|TIME|AGE] "
	    "[--account NAME] [--limit N] [--json]\n\n"
	    "Shows the newest entries (100 by default), oldest first.", 0, 0,
	    ctl_audit_opt, &o)) < 0) {
		rc = ctl_getopt_status(i);
		goto out;
	}
	if (ctl_call(ctl, "audit.list", json_incref(o.params), &res) == -1)
		goto out;
	rows = json_object_get(res, "entries");
	if (ctl->json)
		ctl_print_json(rows);
	else {
		printf("%-20s %-12s %-15s %-12s %-10s %s\n", "TIME", "WHO", "ACTION",
		    "TARGET", "OUTCOME", "DETAIL");
		json_array_foreach(rows, k, r)
			printf("%-20s %-12s %-15s %-12s %-10s %s\n", ctl_str(r, "time"),
			    ctl_str(r, "peer"), ctl_str(r, "action"),
			    ctl_str(r, "target"), ctl_str(r, "outcome"),
			    ctl_str(r, "detail"));
	}
	rc = CTL_OK;
out:
	json_decref(res);
	json_decref(o.params);
	return rc;
}
