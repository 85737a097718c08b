/*
 * ctl_quota.c: the quota options shared by `add` and `quota`, and the quota
 * command.  Values are passed to accountd as typed; accountd parses the
 * units, so the CLI and the daemon can never disagree on what "32Gi" means.
 */
#include <stdio.h>
#include <string.h>

#include "accountctl.h"

enum { Q_CPU = 0x200, Q_MEMORY, Q_GPU, Q_STORAGE, Q_HOME, Q_PVCS };

static const char *const ctl_quota_keys[] = {
	"cpu", "memory", "gpu", "storage", "home", "pvcs",
};

const struct option ctl_quota_longopts[] = {
	{ "cpu", required_argument, NULL, Q_CPU },
	{ "memory", required_argument, NULL, Q_MEMORY },
	{ "gpu", required_argument, NULL, Q_GPU },
	{ "storage", required_argument, NULL, Q_STORAGE },
	{ "home", required_argument, NULL, Q_HOME },
	{ "pvcs", required_argument, NULL, Q_PVCS },
	{ NULL, 0, NULL, 0 },
};

/* Returns 1 when ch was a quota option (stored in quota), else 0. */
int
ctl_quota_option(int ch, const char *val, json_t *quota)
{
	if (ch < Q_CPU || ch > Q_PVCS)
		return 0;
	json_object_set_new(quota, ctl_quota_keys[ch - Q_CPU], json_string(val));
	return 1;
}

void
ctl_quota_print(FILE *f, json_t *q)
{
	json_t *gpu = json_object_get(q, "gpu"), *pvcs = json_object_get(q, "pvcs");

	fprintf(f, "cpu %s, memory %s, gpu %lld, storage %s, home %s, pvcs %lld\n",
	    ctl_str(q, "cpu"), ctl_str(q, "memory"),
	    (long long)json_integer_value(gpu), ctl_str(q, "storage"),
	    ctl_str(q, "home"), (long long)json_integer_value(pvcs));
}

static int
ctl_quota_opt(struct ctl *ctl, int ch, const char *val, void *arg)
{
	if (ctl_quota_option(ch, val, arg))
		return 0;
	ctl_usage_error(ctl, "unexpected option");
	return -1;
}

int
ctl_quota(struct ctl *ctl, int argc, char **argv)
{
	struct option longopts[10] = { CTL_COMMON_OPTS };
	json_t *quota = json_object(), *res = NULL;
	int i, rc = CTL_FAIL;

	memcpy(&longopts[2], ctl_quota_longopts, 7 * sizeof(struct option));
	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME [--cpu N] [--memory Q] "
	    "[--gpu N] [--storage Q] [--home Q] [--pvcs N] [--json]\n\n"
	    "Without options, shows the quota.  Units as in Kubernetes: cpu 8 or\n"
	    "500m, memory/storage/home 32Gi, 200G or bytes.", 1, 1,
	    ctl_quota_opt, quota)) < 0) {
		rc = ctl_getopt_status(i);
		goto out;
	}
	if (json_object_size(quota) == 0) {
		if (ctl_call(ctl, "account.show", json_pack("{s:s}", "name",
		    argv[i]), &res) == -1)
			goto out;
	} else if (ctl_call(ctl, "account.quota", json_pack("{s:s, s:O}", "name",
	    argv[i], "quota", quota), &res) == -1)
		goto out;
	if (!ctl->json) {
		printf("%s: ", argv[i]);
		ctl_quota_print(stdout, json_object_get(res, "quota"));
	}
	rc = ctl_kube_follow(ctl, res, argv[i]) == -1 ? CTL_FAIL : CTL_OK;
	if (ctl->json)
		ctl_print_json(json_object_get(res, "quota"));
out:
	json_decref(res);
	json_decref(quota);
	return rc;
}
