/*
 * api_minio.c: minio.rotate, a new secret key for an account's MinIO user,
 * and minio.secrets, the keys an account's workspaces get.  The key is made
 * and handed over by the reconciler (minio_sync.c), which writes it to the
 * account's Secret meduse-minio before setting it on the user, and read
 * back from that Secret by the reconciler too (kworker.c: only its thread
 * talks to Kubernetes); these calls only queue the job.  The key never
 * passes through here, so it cannot reach the audit log.
 */
#include <stdio.h>
#include <string.h>

#include "accountd.h"

static int
api_minio_enabled(struct call *c)
{
	const struct config *cfg = c->ad->cfg;

	if (cfg->minio.endpoint == NULL || cfg->minio.endpoint[0] == '\0' ||
	    !kworker_enabled(cfg))
		return api_fail(c, API_ERR_CONFLICT, "MinIO provisioning is off: "
		    "it needs minio.endpoint and Kubernetes provisioning (the "
		    "keys live in Secrets) in %s", cfg->path ? cfg->path :
		    "meduse.yaml");
	return 0;
}

int
api_minio_rotate(struct call *c)
{
	struct account a;
	unsigned long id;
	int rc = -1;

	if (api_minio_enabled(c) == -1 || api_get_account(c, &a) == -1)
		return -1;
	if (a.deleted) {
		api_fail(c, API_ERR_CONFLICT, "account %s was deleted: its MinIO "
		    "user is disabled", a.name);
		goto out;
	}
	if ((id = kworker_submit(KJOB_ROTATE, a.name)) == 0) {
		api_fail(c, API_ERR_CONFLICT, "the reconciler has too many jobs "
		    "waiting: try again in a minute");
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "minio secret key rotation");
	c->result = json_pack("{s:s, s:I}", "name", a.name, "kubernetes_job",
	    (json_int_t)id);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

/*
 * Queues the reading of the account's keys; the caller polls kube.job,
 * which hands them over once.  Audited: who was shown whose keys.
 */
int
api_minio_secrets(struct call *c)
{
	struct account a;
	unsigned long id;
	int rc = -1;

	if (api_minio_enabled(c) == -1 || api_get_account(c, &a) == -1)
		return -1;
	if ((id = kworker_submit(KJOB_SECRETS, a.name)) == 0) {
		api_fail(c, API_ERR_CONFLICT, "the reconciler has too many jobs "
		    "waiting: try again in a minute");
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "minio access key and secret "
	    "key shown");
	c->result = json_pack("{s:s, s:I}", "name", a.name, "job",
	    (json_int_t)id);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}
