/*
 * ctl_minio.c: `accountctl minio rotate NAME`.  accountd's reconciler makes
 * the new key, writes it to the account's Secret meduse-minio and sets it on
 * the MinIO user; the progress is shown as after add.  The key is never
 * printed (accountctl show NAME --secrets reads it).
 */
#include <stdio.h>
#include <string.h>

#include "accountctl.h"

static int
ctl_minio_rotate(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	json_t *res;
	int i, rc;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME [--json]\n\n"
	    "Gives the MinIO user of account NAME a new secret key, written to\n"
	    "the Secret meduse-minio of its namespace first.  The old key stops\n"
	    "working at once; running workspaces keep the old environment until\n"
	    "they restart.", 1, 1, NULL, NULL)) < 0)
		return ctl_getopt_status(i);
	if (ctl_call(ctl, "minio.rotate", json_pack("{s:s}", "name", argv[i]),
	    &res) == -1)
		return CTL_FAIL;
	rc = ctl_kube_follow(ctl, res, argv[i]) == -1 ? CTL_FAIL : CTL_OK;
	if (ctl->json)
		ctl_print_json(res);
	json_decref(res);
	return rc;
}

static const struct ctl_cmd ctl_minio_cmds[] = {
	{ "rotate", "NAME", "give an account's MinIO user a new secret key",
	  ctl_minio_rotate },
};

int
ctl_minio(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "minio", ctl_minio_cmds,
	    sizeof(ctl_minio_cmds) / sizeof(ctl_minio_cmds[0]), argc, argv);
}
