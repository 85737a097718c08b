/*
 * minio_sync.c: the MinIO part of a reconcile pass, when minio.endpoint is
 * set.  Each account gets a MinIO user (access key: its name), a bucket
 * (minio.bucket_prefix + name) with the account's storage quota as a hard
 * quota, a canned policy meduse-NAME (read-write on its bucket, read-only
 * on the minio.shared_read ones) attached to the user, and the Secret
 * meduse-minio in its namespace with the credentials and endpoints that
 * S3 clients, MLflow and DVC read.  Outcomes go into kobjects under
 * "minio:/users/NAME", "minio:/buckets/B" and "minio:/policies/P".
 *
 * The user's secret key lives in the Secret only: when the Secret exists
 * its key is kept, otherwise a new one is made and set on the user.  It is
 * never logged, recorded or reported.  A locked or deleted account's user
 * is disabled; nothing is deleted here (purges do that).
 *
 * Each pass compares what MinIO has with what meduse wants, so that what
 * an admin changed by hand is put back: the user's status (from the pass's
 * listing), the bucket and its hard quota (get-bucket-quota, which also
 * says whether the bucket exists: no HEAD), the policy's document, by
 * meaning (info-canned-policy; minio_policy_same), and its attachment
 * (the listing's policyName).  Only what differs is sent.  An unchanged
 * account costs three requests (it cost two when the policy and the quota
 * were only compared with a hash of what was last sent): its entry in the
 * listing (one list-users a pass, or one user-info for a pass of one
 * account), get-bucket-quota and info-canned-policy.
 *
 * A row's hash is what meduse last applied (kept while the row is pending
 * or failed).  When MinIO differs from what meduse wants and the hash says
 * meduse had applied exactly that, someone changed it outside meduse: the
 * outcome is "restored", with a message that says what differed, and it is
 * logged.  Otherwise the difference is meduse's own (a new account, a new
 * quota, a lock): "created", "updated", "disabled"...  A read that gets no
 * answer leaves the part pending, as any call does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "accountd.h"
#include "log.h"
#include "kube.h"
#include "minio.h"
#include "reconcile.h"
#include "units.h"

#define MINIO_PATH	"minio:"
#define MINIO_NO_QUOTA	"no quota: this MinIO does not support bucket quotas " \
			"(NotImplemented)"

/* Lists the users once a pass (or the one account's): r->musers. */
int
minio_observe(struct reconcile *r, const char *account)
{
	struct minio_status st = { 0, "" };
	json_t *resp = NULL;
	char err[512];
	int rc;

	r->minio_down[0] = '\0';
	r->minio_failed = false;
	if ((r->musers = json_object()) == NULL)
		return -1;
	if (account != NULL) {
		rc = minio_user_info(r->minio, account, &resp, &st, err,
		    sizeof(err));
		if (rc == 0)
			json_object_set(r->musers, account, resp);
		else if (st.status == 404 || strcmp(st.code,
		    "XMinioAdminNoSuchUser") == 0)
			rc = 0;
	} else {
		rc = minio_user_list(r->minio, &resp, &st, err, sizeof(err));
		if (rc == 0)
			json_object_update(r->musers, resp);
	}
	json_decref(resp);
	if (rc == -1) {
		snprintf(r->minio_down, sizeof(r->minio_down), "%s", err);
		r->minio_failed = st.status != 0 && st.status < 500;
	}
	return rc;
}

/*
 * Records an outcome (not in plan mode), counts it and reports it.  A
 * change made outside meduse and undone is also logged, here only.
 */
static void
minio_outcome(struct reconcile *r, const struct account *a, const char *kind,
    const char *path, const char *outcome, const char *message, long status,
    const char *hash)
{
	const char *state = strcmp(outcome, "pending") == 0 ? "pending" :
	    strcmp(outcome, "failed") == 0 ? "failed" : "applied";

	/* No answer, or the server's own trouble: try again later. */
	if ((status == 0 || status >= 500) && strcmp(outcome, "failed") == 0)
		state = outcome = "pending";
	if (strcmp(outcome, "restored") == 0)
		log_warn("minio: %s: %s", a->name, message);
	rc_service_outcome(r, a, kind, path, outcome, state, message, hash);
}

/* A failed call: MinIO not answering stops the account's MinIO part. */
static void
minio_fail(struct reconcile *r, const struct account *a, const char *kind,
    const char *path, const struct minio_status *st, const char *err)
{
	if (st->status == 0)
		snprintf(r->minio_down, sizeof(r->minio_down), "%s", err);
	minio_outcome(r, a, kind, path, "failed", err, st->status, NULL);
}

static int
hash_text(const char *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/*
 * meduse last applied exactly what it wants now (the row's hash, which a
 * pending or failed outcome keeps): a difference in MinIO is then someone
 * else's doing.
 */
static bool
applied_before(json_t *rows, const char *path, const char *hash)
{
	const char *h = json_string_value(json_object_get(json_object_get(rows,
	    path), "hash"));

	return h != NULL && strcmp(h, hash) == 0;
}

/* The message of a change made outside meduse: what differed, then (but
 * in plan mode) what the pass did about it. */
static const char *
drift_message(const struct reconcile *r, char *buf, size_t len,
    const char *what, const char *done)
{
	snprintf(buf, len, "%s (changed outside meduse)%s%s", what,
	    r->plan ? "" : ": ", r->plan ? "" : done);
	return buf;
}

/* The user's row hash: the status meduse gives it. */
static int
user_hash(bool enabled, char out[65])
{
	return hash_text(enabled ? "status=enabled" : "status=disabled", out);
}

/* The canned policy of the account's bucket. */
static json_t *
minio_policy_doc(const struct reconcile *r, const char *bucket)
{
	const struct config_strings *sh = &r->cfg->minio.shared_read;
	json_t *doc, *list, *objs;
	char arn[128];
	size_t i;

	snprintf(arn, sizeof(arn), "arn:aws:s3:::%s", bucket);
	doc = json_pack("{s:s, s:[{s:s, s:[sss], s:[s]}, {s:s, s:[sssss], "
	    "s:[s+]}]}", "Version", "2012-10-17", "Statement",
	    "Effect", "Allow", "Action", "s3:ListBucket", "s3:GetBucketLocation",
	    "s3:ListBucketMultipartUploads", "Resource", arn,
	    "Effect", "Allow", "Action", "s3:GetObject", "s3:PutObject",
	    "s3:DeleteObject", "s3:AbortMultipartUpload",
	    "s3:ListMultipartUploadParts", "Resource", arn, "/*");
	if (doc == NULL || sh->n == 0)
		return doc;
	list = json_array();
	objs = json_array();
	for (i = 0; i < sh->n; i++) {
		snprintf(arn, sizeof(arn), "arn:aws:s3:::%s", sh->v[i]);
		json_array_append_new(list, json_string(arn));
		snprintf(arn, sizeof(arn), "arn:aws:s3:::%s/*", sh->v[i]);
		json_array_append_new(objs, json_string(arn));
	}
	if (json_array_append_new(json_object_get(doc, "Statement"),
	    json_pack("{s:s, s:[ss], s:o}", "Effect", "Allow", "Action",
	    "s3:ListBucket", "s3:GetBucketLocation", "Resource", list)) == -1 ||
	    json_array_append_new(json_object_get(doc, "Statement"),
	    json_pack("{s:s, s:[s], s:o}", "Effect", "Allow", "Action",
	    "s3:GetObject", "Resource", objs)) == -1) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The secret key in the account's Secret, as the pass observed it. */
static int
observed_secret(json_t *observed, const char *ns, char *out, size_t len)
{
	char path[192];
	const char *enc;
	unsigned char buf[256];
	int n;
	size_t elen;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/"
	    "meduse-minio", ns);
	enc = json_string_value(json_object_get(json_object_get(
	    json_object_get(observed, path), "data"), "AWS_SECRET_ACCESS_KEY"));
	if (enc == NULL || (elen = strlen(enc)) == 0 || elen % 4 != 0 ||
	    elen / 4 * 3 >= sizeof(buf))
		return -1;
	if ((n = EVP_DecodeBlock(buf, (const unsigned char *)enc,
	    (int)elen)) < 0)
		return -1;
	while (n > 0 && enc[elen - 1] == '=') {
		n--;
		elen--;
	}
	if ((size_t)n >= len || n == 0 || memchr(buf, '\0', (size_t)n)) {
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	memcpy(out, buf, (size_t)n);
	out[n] = '\0';
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* The user's row says its key was set from the Secret and not touched
 * since; otherwise (an outage, a crash in a rotation) it is set again. */
static bool
user_settled(json_t *rows, const char *path)
{
	const char *state = json_string_value(json_object_get(json_object_get(
	    rows, path), "state"));

	return state != NULL && strcmp(state, "applied") == 0;
}

/*
 * The user: created with secret, or given it again when its row is not
 * settled (have_secret: the Secret holds it; else it is new and goes into
 * the Secret), its status following the lock.  -1 when the rest must wait
 * (MinIO down, or the user could not be made).
 */
static int
minio_user(struct reconcile *r, const struct account *a, json_t *rows,
    const char *user, const char *path, const char *secret, bool have_secret)
{
	struct minio_status st = { 0, "" };
	json_t *u = json_object_get(r->musers, user);
	const char *status = json_string_value(json_object_get(u, "status"));
	const char *outcome = NULL;
	bool enabled = !a->locked && a->deleted == 0, flipped;
	char err[512], hash[65], what[128], msg[256];

	if (a->deleted != 0 && u == NULL)
		return -1;
	if (user_hash(enabled, hash) == -1) {
		minio_outcome(r, a, "MinioUser", path, "failed", "cannot hash "
		    "the user's status", 1, NULL);
		return -1;
	}
	flipped = status != NULL && (strcmp(status, "enabled") == 0) != enabled;
	msg[0] = '\0';
	/* Made and settled before, gone now: deleted by hand. */
	if (u == NULL && have_secret && user_settled(rows, path)) {
		snprintf(what, sizeof(what), "user %s was deleted", user);
		drift_message(r, msg, sizeof(msg), what, "made again with the "
		    "key of its Secret");
		outcome = "restored";
	} else if (flipped && applied_before(rows, path, hash)) {
		snprintf(what, sizeof(what), "user %s was %s", user, enabled ?
		    "disabled" : "enabled");
		drift_message(r, msg, sizeof(msg), what, enabled ?
		    "enabled again" : "disabled again");
		outcome = "restored";
	}
	if (a->deleted == 0 && (u == NULL || !have_secret ||
	    !user_settled(rows, path))) {
		/* Without the cluster a new key could not be handed over. */
		if (!have_secret && r->down[0] != '\0') {
			minio_outcome(r, a, "MinioUser", path, "pending",
			    "Kubernetes is not answering: the user's secret key "
			    "would have nowhere to go", 0, NULL);
			return -1;
		}
		if (outcome == NULL && u != NULL && !have_secret)
			snprintf(msg, sizeof(msg), "a new secret key: the Secret "
			    "had none");
		if (r->plan) {
			minio_outcome(r, a, "MinioUser", path, u ? "update" :
			    "create", msg, 200, NULL);
			return 0;
		}
		if (minio_user_set(r->minio, user, secret, enabled, &st, err,
		    sizeof(err)) == -1) {
			minio_fail(r, a, "MinioUser", path, &st, err);
			return -1;
		}
		minio_outcome(r, a, "MinioUser", path, outcome ? outcome : u ?
		    "updated" : "created", msg, 200, hash);
		return 0;
	}
	if (flipped) {
		if (r->plan) {
			minio_outcome(r, a, "MinioUser", path, "update", msg, 200,
			    NULL);
			return 0;
		}
		if (minio_user_enable(r->minio, user, enabled, &st, err,
		    sizeof(err)) == -1) {
			minio_fail(r, a, "MinioUser", path, &st, err);
			return -1;
		}
		minio_outcome(r, a, "MinioUser", path, outcome ? outcome :
		    enabled ? "enabled" : "disabled", msg, 200, hash);
		return 0;
	}
	minio_outcome(r, a, "MinioUser", path, "unchanged", "", 200, hash);
	return 0;
}

/*
 * accountctl minio rotate: a new key, written to the Secret first and then
 * set on the user.  The row is pending meanwhile, so that a crash or a
 * failure between the two has the next pass set the user's key from the
 * Secret again: both always end up holding the same key.  1 when
 * rotated (secret is the new key), 0 when there is nothing to rotate.
 */
static int
minio_rotate(struct reconcile *r, const struct account *a, const char *user,
    const char *path, const char *bucket, char *secret, size_t secretlen)
{
	struct minio_status st = { 0, "" };
	char err[512], fresh[MINIO_SECRET_LEN + 1], hash[65];
	json_t *arr = NULL, *resp = NULL, *d;
	long status = 0;
	int rc = -1;

	if (r->plan || a->deleted != 0 || json_object_get(r->musers, user) ==
	    NULL)
		return 0;	/* nothing to rotate: the pass goes on as usual */
	if (r->down[0] != '\0') {
		minio_outcome(r, a, "MinioUser", path, "failed", "Kubernetes is "
		    "not answering: the key was not rotated", 400, NULL);
		return -1;
	}
	if (minio_secret_generate(fresh, err, sizeof(err)) == -1 ||
	    (arr = json_array()) == NULL || kdesired_minio_secret(r->cfg, a,
	    user, fresh, bucket, arr, err, sizeof(err)) == -1) {
		minio_outcome(r, a, "MinioUser", path, "failed", err, 400, NULL);
		goto out;
	}
	if (db_kobj_record(r->db, a->id, path, "MinioUser", "pending",
	    "secret key rotation under way", NULL, NULL) == -1) {
		r->n.dberrors++;
		goto out;
	}
	d = json_array_get(arr, 0);
	if (kube_apply(r->kube, json_string_value(json_object_get(d, "path")),
	    json_object_get(d, "object"), false, &status, &resp, err,
	    sizeof(err)) == -1) {
		if (status == 0)
			snprintf(r->down, sizeof(r->down), "%s", err);
		minio_outcome(r, a, "MinioUser", path, "failed", err, 400, NULL);
		goto out;
	}
	if (minio_user_set(r->minio, user, fresh, !a->locked, &st, err,
	    sizeof(err)) == -1) {
		minio_fail(r, a, "MinioUser", path, &st, err);
		goto out;
	}
	minio_outcome(r, a, "MinioUser", path, "rotated", "", 200,
	    user_hash(!a->locked, hash) == 0 ? hash : NULL);
	snprintf(secret, secretlen, "%s", fresh);
	rc = 1;
out:
	explicit_bzero(fresh, sizeof(fresh));
	json_decref(arr);
	json_decref(resp);
	return rc;
}

/* A server without bucket quotas (a MinIO gateway said NotImplemented). */
static bool
minio_no_quota(const struct minio_status *st)
{
	return strcmp(st->code, "NotImplemented") == 0;
}

/*
 * The bucket and its hard quota, read back each pass (get-bucket-quota
 * also tells whether the bucket exists).  A server that has no bucket
 * quotas still gets its bucket, without one, and says so in the outcome.
 * -1 when the policy must wait.
 */
static int
minio_bucket(struct reconcile *r, const struct account *a, json_t *rows,
    const char *bucket)
{
	struct minio_status st = { 0, "" };
	char path[128], err[512], hash[65], q[32], what[192], msg[256];
	char hb[32], wb[32];
	uint64_t want, have = 0;
	const char *outcome;
	bool exists = false, created = false;

	snprintf(path, sizeof(path), MINIO_PATH "/buckets/%s", bucket);
	want = a->quota.storage_bytes > 0 ? (uint64_t)a->quota.storage_bytes : 0;
	snprintf(q, sizeof(q), "quota=%lld",
	    (long long)a->quota.storage_bytes);
	if (hash_text(q, hash) == -1)
		return -1;
	if (minio_bucket_quota_get(r->minio, bucket, &exists, &have, &st, err,
	    sizeof(err)) == -1) {
		if (!minio_no_quota(&st)) {
			minio_fail(r, a, "MinioBucket", path, &st, err);
			return -1;
		}
		/* It answered after its bucket check: the bucket is there. */
		minio_outcome(r, a, "MinioBucket", path, "unchanged",
		    MINIO_NO_QUOTA, 200, hash);
		return 0;
	}
	if (exists && have == want) {
		minio_outcome(r, a, "MinioBucket", path, "unchanged", "", 200,
		    hash);
		return 0;
	}
	msg[0] = '\0';
	outcome = exists ? "updated" : "created";
	if (applied_before(rows, path, hash)) {
		if (!exists)
			snprintf(what, sizeof(what), "bucket %s was deleted",
			    bucket);
		else
			snprintf(what, sizeof(what), "the hard quota of bucket %s "
			    "was %s, meduse's is %s", bucket, have > 0 ?
			    units_format_bytes((int64_t)have, hb, sizeof(hb)) :
			    "none", want > 0 ? units_format_bytes((int64_t)want,
			    wb, sizeof(wb)) : "none");
		drift_message(r, msg, sizeof(msg), what, exists ? "restored" :
		    "made again, empty");
		outcome = "restored";
	}
	if (r->plan) {
		minio_outcome(r, a, "MinioBucket", path, exists ? "update" :
		    "create", msg, 200, NULL);
		return 0;
	}
	if (!exists && minio_bucket_create(r->minio, bucket, &created, &st,
	    err, sizeof(err)) == -1) {
		minio_fail(r, a, "MinioBucket", path, &st, err);
		return -1;
	}
	if (minio_bucket_quota(r->minio, bucket, want, &st, err,
	    sizeof(err)) == -1) {
		if (!minio_no_quota(&st)) {
			minio_fail(r, a, "MinioBucket", path, &st, err);
			return -1;
		}
		snprintf(msg, sizeof(msg), "%s", MINIO_NO_QUOTA);
	}
	minio_outcome(r, a, "MinioBucket", path, outcome, msg, 200, hash);
	return 0;
}

/* Is policy among the user's (policyName: comma-separated)? */
static bool
attached(json_t *u, const char *policy)
{
	const char *p = json_string_value(json_object_get(u, "policyName"));
	size_t n = strlen(policy);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, policy, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		if ((p = strchr(p, ',')) != NULL)
			p++;
	}
	return false;
}

/*
 * The policy, read back each pass and compared by meaning with meduse's
 * (MinIO gives its sets back in any order), and its attachment to the
 * user, from the pass's listing.
 */
static void
minio_policy(struct reconcile *r, const struct account *a, json_t *rows,
    const char *user, const char *bucket)
{
	struct minio_status st = { 0, "" };
	char path[128], policy[NAME_MAX_LEN + 16], err[512], hash[65], *s = NULL;
	char what[256], msg[384];
	json_t *doc, *have = NULL;
	const char *outcome;
	bool same, isattached;

	snprintf(policy, sizeof(policy), "meduse-%s", a->name);
	snprintf(path, sizeof(path), MINIO_PATH "/policies/%s", policy);
	if ((doc = minio_policy_doc(r, bucket)) == NULL ||
	    (s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
	    hash_text(s, hash) == -1) {
		minio_outcome(r, a, "MinioPolicy", path, "failed", "out of memory",
		    1, NULL);
		goto out;
	}
	if (minio_policy_info(r->minio, policy, &have, &st, err,
	    sizeof(err)) == -1) {
		minio_fail(r, a, "MinioPolicy", path, &st, err);
		goto out;
	}
	same = have != NULL && minio_policy_same(have, doc);
	isattached = attached(json_object_get(r->musers, user), policy);
	if (same && isattached) {
		minio_outcome(r, a, "MinioPolicy", path, "unchanged", "", 200,
		    hash);
		goto out;
	}
	msg[0] = '\0';
	outcome = have != NULL ? "updated" : "created";
	if (applied_before(rows, path, hash)) {
		if (have == NULL)
			snprintf(what, sizeof(what), "policy %s was deleted",
			    policy);
		else
			snprintf(what, sizeof(what), "policy %s %s%s%s%s", policy,
			    same ? "" : "differed from meduse's", !same &&
			    !isattached ? " and " : "", isattached ? "" :
			    "was detached from user ", isattached ? "" : user);
		drift_message(r, msg, sizeof(msg), what, "restored");
		outcome = "restored";
	}
	if (r->plan) {
		minio_outcome(r, a, "MinioPolicy", path, have != NULL ? "update" :
		    "create", msg, 200, NULL);
		goto out;
	}
	if (!same && minio_policy_add(r->minio, policy, doc, &st, err,
	    sizeof(err)) == -1) {
		minio_fail(r, a, "MinioPolicy", path, &st, err);
		goto out;
	}
	if (!isattached && minio_policy_attach(r->minio, user, policy, &st, err,
	    sizeof(err)) == -1) {
		minio_fail(r, a, "MinioPolicy", path, &st, err);
		goto out;
	}
	minio_outcome(r, a, "MinioPolicy", path, outcome, msg, 200, hash);
out:
	free(s);
	json_decref(doc);
	json_decref(have);
}

void
minio_sync_account(struct reconcile *r, const struct account *a,
    json_t *observed, json_t *desired)
{
	char user[NAME_MAX_LEN + 1], bucket[MINIO_BUCKET_MAX + 1];
	char upath[128], ns[128], err[512];
	char secret[MINIO_SECRET_LEN * 4 + 1];
	json_t *rows = NULL;
	bool have_secret;
	int rot = 0;

	if (minio_access_key(a->name, user, sizeof(user), err,
	    sizeof(err)) == -1 || minio_bucket_name(r->cfg->minio.bucket_prefix,
	    a->name, bucket, sizeof(bucket), err, sizeof(err)) == -1 ||
	    kdesired_namespace(r->cfg, a->name, ns, sizeof(ns)) == -1) {
		snprintf(upath, sizeof(upath), MINIO_PATH "/users/%s", a->name);
		minio_outcome(r, a, "MinioUser", upath, "failed", err, 400, NULL);
		return;
	}
	snprintf(upath, sizeof(upath), MINIO_PATH "/users/%s", user);
	have_secret = observed_secret(observed, ns, secret,
	    sizeof(secret)) == 0;
	/* The Secret stays while MinIO cannot be asked (or the account is
	 * deleted): a later pass finds its key again. */
	if (r->minio_down[0] != '\0') {
		minio_outcome(r, a, "MinioUser", upath, r->minio_failed ?
		    "failed" : "pending", r->minio_down, r->minio_failed ? 400 :
		    0, NULL);
		goto secret;
	}
	if ((rows = db_kobj_map(r->db, a->id)) == NULL) {
		r->n.dberrors++;
		goto secret;
	}
	if (r->minio_rotate && have_secret && user_settled(rows, upath)) {
		if ((rot = minio_rotate(r, a, user, upath, bucket, secret,
		    sizeof(secret))) == -1)
			goto secret;
		json_decref(rows);
		if ((rows = db_kobj_map(r->db, a->id)) == NULL) {
			r->n.dberrors++;
			goto secret;
		}
	} else if (!have_secret && minio_secret_generate(secret, err,
	    sizeof(err)) == -1) {
		minio_outcome(r, a, "MinioUser", upath, "failed", err, 400, NULL);
		goto out;
	}
	if (rot == 0 && minio_user(r, a, rows, user,
	    upath, secret, have_secret) == -1) {
		if (!have_secret)
			goto out;
		goto secret;
	}
	if (a->deleted != 0)
		goto secret;
	have_secret = true;
	if (minio_bucket(r, a, rows, bucket) == 0 && r->minio_down[0] == '\0')
		minio_policy(r, a, rows, user, bucket);
secret:
	if (have_secret && kdesired_minio_secret(r->cfg, a, user, secret,
	    bucket, desired, err, sizeof(err)) == -1)
		minio_outcome(r, a, "MinioUser", upath, "failed", err, 400, NULL);
out:
	explicit_bzero(secret, sizeof(secret));
	json_decref(rows);
}
