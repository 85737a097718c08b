/*
 * minio_purge.c: the MinIO side of a purge.  The account's MinIO user and
 * its canned policy meduse-NAME are removed; its bucket and the data in it
 * are kept, unless the admin named the bucket (accountctl del --purge
 * --delete-bucket, recorded with the purge).  Then the bucket is emptied,
 * by listings of MINIO_PURGE_STEP objects, for at most
 * MINIO_PURGE_BUDGET_MS a pass, so that one huge bucket cannot hold the
 * other accounts' work for hours; while objects remain the account gets
 * another pass of its own at once (r->again, kworker.c), behind what is
 * queued.  The bucket is deleted once empty.  Every call counts what is
 * already gone as done, so a purge cut short by a crash or an outage is
 * simply carried out again at the next pass: the kpurge row stays until
 * this returns 0.
 */
#include <stdio.h>
#include <string.h>

#include "accountd.h"
#include "minio.h"
#include "reconcile.h"

#define MINIO_PURGE_STEP	100	/* objects listed, then deleted, a step */
#define MINIO_PURGE_BUDGET_MS	10000	/* emptying, in one pass */

/* An answer that means "try again later": none, or a 5xx. */
static long
minio_purge_status(const struct minio_status *st)
{
	return st->status >= 500 ? 0 : st->status;
}

/*
 * Empties bucket for up to MINIO_PURGE_BUDGET_MS, then deletes it once
 * empty.  A bucket that is gone already counts as deleted.  -1 with
 * *status 0 and a progress message in err while objects remain.
 */
static int
minio_purge_bucket(struct reconcile *r, const char *account,
    const char *bucket, long *status, char *err, size_t errlen)
{
	struct minio_status st = { 0, "" };
	int64_t end = dates_mono_ms() + MINIO_PURGE_BUDGET_MS;
	unsigned long long total = 0;
	char path[128];
	size_t deleted;
	bool more;

	do {
		if (minio_bucket_empty(r->minio, bucket, MINIO_PURGE_STEP,
		    &deleted, &more, &st, err, errlen) == -1) {
			if (st.status == 404 || strcmp(st.code,
			    "NoSuchBucket") == 0)
				break;
			*status = minio_purge_status(&st);
			return -1;
		}
		total += deleted;
	} while (more && dates_mono_ms() < end &&
	    (r->stop == NULL || !r->stop(r->arg)));
	if (more) {
		*status = 0;
		snprintf(err, errlen, "bucket %s: %llu objects deleted in this "
		    "pass, more to go (the next pass follows at once)", bucket,
		    total);
		if (r->again != NULL)
			json_array_append_new(r->again, json_string(account));
		return -1;
	}
	if (minio_bucket_delete(r->minio, bucket, &st, err, errlen) == -1) {
		*status = minio_purge_status(&st);
		return -1;
	}
	snprintf(path, sizeof(path), "minio:/buckets/%s", bucket);
	rc_event(r, account, "MinioBucket", path, "deleted", "");
	return 0;
}

int
minio_purge(struct reconcile *r, const char *account, const char *bucket,
    long *status, char *err, size_t errlen)
{
	struct minio_status st = { 0, "" };
	char user[NAME_MAX_LEN + 1], policy[NAME_MAX_LEN + 16], path[128];

	*status = 0;
	/* A bucket the admin asked to delete is not forgotten silently. */
	if (r->minio == NULL && bucket != NULL && *bucket != '\0') {
		*status = 400;
		snprintf(err, errlen, "bucket %s not deleted: no MinIO client "
		    "(minio.endpoint unset, or see the accountd log)", bucket);
		return -1;
	}
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
		*status = minio_purge_status(&st);
		return -1;
	}
	snprintf(path, sizeof(path), "minio:/users/%s", user);
	rc_event(r, account, "MinioUser", path, "deleted", "");
	snprintf(path, sizeof(path), "minio:/policies/%s", policy);
	rc_event(r, account, "MinioPolicy", path, "deleted", "");
	if (bucket != NULL && *bucket != '\0')
		return minio_purge_bucket(r, account, bucket, status, err,
		    errlen);
	return 0;
}

static void
minio_purge_plan_one(struct reconcile *r, const char *account,
    const char *kind, const char *path)
{
	json_array_append_new(r->changes, json_pack("{s:s, s:s, s:s, s:s, s:[]}",
	    "account", account, "kind", kind, "path", path, "action",
	    "delete", "changes"));
	rc_event(r, account, kind, path, "delete", "");
}

void
minio_purge_plan(struct reconcile *r, const char *account, const char *bucket)
{
	char path[128];

	if (r->minio == NULL)
		return;
	if (r->musers != NULL && json_object_get(r->musers, account) != NULL) {
		snprintf(path, sizeof(path), "minio:/users/%s", account);
		minio_purge_plan_one(r, account, "MinioUser", path);
	}
	/* Not looked for: a plan sends no request beyond the pass's lists. */
	if (bucket != NULL && *bucket != '\0') {
		snprintf(path, sizeof(path), "minio:/buckets/%s", bucket);
		minio_purge_plan_one(r, account, "MinioBucket", path);
	}
}
