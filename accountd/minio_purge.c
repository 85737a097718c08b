/*
 * minio_purge.c: the MinIO side of a purge.  The account's MinIO user and
 * its canned policy meduse-NAME are removed; its bucket and the data in it
 * are kept (an admin deletes them by hand).  Both calls count what is
 * already gone as done, so a purge cut short by a crash or an outage is
 * simply carried out again at the next pass: the kpurge row stays until
 * this returns 0.
 */
#include <stdio.h>
#include <string.h>

#include "accountd.h"
#include "minio.h"
#include "reconcile.h"

int
minio_purge(struct reconcile *r, const char *account, long *status,
    char *err, size_t errlen)
{
	struct minio_status st = { 0, "" };
	char user[NAME_MAX_LEN + 1], policy[NAME_MAX_LEN + 16], path[128];

	*status = 0;
	if (r->minio == NULL)
		return 0;
	if (minio_access_key(account, user, sizeof(user), err, errlen) == -1) {
		*status = 400;
		return -1;
	}
	snprintf(policy, sizeof(policy), "meduse-%s", account);
	/* The user first: its access ends even if the policy lingers. */
	if (minio_user_remove(r->minio, user, &st, err, errlen) == -1 ||
	    minio_policy_remove(r->minio, policy, &st, err, errlen) == -1) {
		*status = st.status >= 500 ? 0 : st.status;
		return -1;
	}
	snprintf(path, sizeof(path), "minio:/users/%s", user);
	rc_event(r, account, "MinioUser", path, "deleted", "");
	snprintf(path, sizeof(path), "minio:/policies/%s", policy);
	rc_event(r, account, "MinioPolicy", path, "deleted", "");
	return 0;
}

void
minio_purge_plan(struct reconcile *r, const char *account)
{
	char path[128];

	if (r->minio == NULL || r->musers == NULL ||
	    json_object_get(r->musers, account) == NULL)
		return;
	snprintf(path, sizeof(path), "minio:/users/%s", account);
	json_array_append_new(r->changes, json_pack("{s:s, s:s, s:s, s:s, s:[]}",
	    "account", account, "kind", "MinioUser", "path", path, "action",
	    "delete", "changes"));
	rc_event(r, account, "MinioUser", path, "delete", "");
}
