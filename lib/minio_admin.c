/*
 * minio_admin.c: the calls of MinIO's admin API (/minio/admin/v3) that
 * provisioning needs, as madmin-go makes them (user-commands.go,
 * policy-commands.go, idp-commands.go, quota-commands.go).  Bodies that
 * carry a secret or that MinIO expects encrypted are sealed with madmin's
 * EncryptData; list-users answers sealed.  Trust boundary: names are ours
 * (checked here before they reach a query string), answers are MinIO's and
 * parsed strictly (a policy's document and a bucket's quota, which a pass
 * reads to find changes made by hand, in minio_read.c).  A user's secret
 * key is put in a body on the stack and wiped once sealed; it is never
 * logged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minio.h"
#include "text.h"

#define MINIO_NAME_MAX		128	/* user and policy names we send */
#define MINIO_SECRET_MIN	8	/* MinIO's bounds on a secret key */
#define MINIO_SECRET_MAX	40
#define MINIO_SEALED		"application/octet-stream"

/*
 * A user (access key) or policy name: printable, no blanks, none of the
 * characters MinIO reserves ('=' and ',') or that would read as a path.
 */
static int
minio_admin_name(const char *what, const char *s, char *err, size_t errlen)
{
	char q[64];
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    strchr("._@+-", s[i]) != NULL))
			break;
	if (n == 0 || n > MINIO_NAME_MAX || i < n) {
		snprintf(err, errlen, "\"%s\" is not a MinIO %s name (use 1 to "
		    "%d of letters, digits and ._@+-)",
		    text_quote(s, 40, q, sizeof(q)), what, MINIO_NAME_MAX);
		return -1;
	}
	return 0;
}

static int
minio_admin_call(struct minio *m, const char *method, const char *path,
    const struct sigv4_pair *q, size_t nq, const void *body, size_t len,
    const char *ctype, struct minio_status *st, char **resp,
    size_t *resplen, char *err, size_t errlen)
{
	struct minio_req r = {
		.method = method, .admin = true, .path = path, .query = q,
		.nquery = nq, .body = body, .len = len, .content_type = ctype,
	};

	return minio_request(m, &r, st, resp, resplen, err, errlen);
}

/* A refusal that means the state asked for is already there. */
static bool
minio_admin_already(const struct minio_status *st, const char *const *codes)
{
	for (; *codes != NULL; codes++)
		if (strcmp(st->code, *codes) == 0)
			return true;
	return false;
}

/*
 * METHOD op?key=value without a body, about a thing MinIO may not have
 * (key: accessKey, name of a policy, or bucket; value checked as such): 1
 * when it answered (*text, unless NULL: the answer, the caller's), 0 when
 * it said there is no such thing (404 with the Code gone), -1 otherwise.
 */
static int
minio_admin_maybe(struct minio *m, const char *method, const char *op,
    const char *key, const char *value, const char *gone,
    struct minio_status *st, char **text, size_t *len, char *err,
    size_t errlen)
{
	const char *const codes[] = { gone, NULL };
	const struct sigv4_pair q[] = { { key, value } };
	struct minio_status mine;

	if (st == NULL)
		st = &mine;
	memset(st, 0, sizeof(*st));
	if ((strcmp(key, "bucket") == 0 ? minio_bucket_check(value, err,
	    errlen) : minio_admin_name(strcmp(key, "accessKey") == 0 ? "user" :
	    "policy", value, err, errlen)) == -1)
		return -1;
	if (minio_admin_call(m, method, op, q, 1, NULL, 0, NULL, st, text, len,
	    err, errlen) == 0)
		return 1;
	if (st->status == 404 && minio_admin_already(st, codes)) {
		err[0] = '\0';
		return 0;
	}
	return -1;
}

/* Parses a plain JSON answer; NULL with err when it is not an object. */
static json_t *
minio_admin_json(const char *what, const char *text, size_t len, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *doc;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "%s: MinIO answered with something that "
		    "is not a JSON object", what);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int
minio_user_set(struct minio *m, const char *user, const char *secret,
    bool enabled, struct minio_status *st, char *err, size_t errlen)
{
	const struct sigv4_pair q[] = { { "accessKey", user } };
	char plain[MINIO_SECRET_MAX + 64];
	uint8_t *sealed = NULL;
	size_t slen = strlen(secret), i, n = 0;
	int rc = -1;

	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (minio_admin_name("user", user, err, errlen) == -1)
		return -1;
	/* Printable and JSON-safe as it is: no escaping, no copy left over. */
	for (i = 0; i < slen; i++)
		if (secret[i] <= 0x20 || secret[i] >= 0x7f || secret[i] == '"' ||
		    secret[i] == '\\')
			break;
	if (slen < MINIO_SECRET_MIN || slen > MINIO_SECRET_MAX || i < slen) {
		snprintf(err, errlen, "user %s: a MinIO secret key has %d to %d "
		    "printable characters, without '\"' or '\\'", user,
		    MINIO_SECRET_MIN, MINIO_SECRET_MAX);
		return -1;
	}
	snprintf(plain, sizeof(plain), "{\"secretKey\":\"%s\",\"status\":\"%s\"}",
	    secret, enabled ? "enabled" : "disabled");
	if (minio_encrypt(m, plain, strlen(plain), &sealed, &n, err,
	    errlen) == -1)
		goto out;
	rc = minio_admin_call(m, "PUT", "/add-user", q, 1, sealed, n,
	    MINIO_SEALED, st, NULL, NULL, err, errlen);
out:
	explicit_bzero(plain, sizeof(plain));
	free(sealed);
	return rc;
}

int
minio_user_enable(struct minio *m, const char *user, bool enabled,
    struct minio_status *st, char *err, size_t errlen)
{
	const struct sigv4_pair q[] = {
		{ "accessKey", user },
		{ "status", enabled ? "enabled" : "disabled" },
	};

	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (minio_admin_name("user", user, err, errlen) == -1)
		return -1;
	return minio_admin_call(m, "PUT", "/set-user-status", q, 2, "", 0,
	    NULL, st, NULL, NULL, err, errlen);
}

int
minio_user_remove(struct minio *m, const char *user,
    struct minio_status *st, char *err, size_t errlen)
{
	return minio_admin_maybe(m, "DELETE", "/remove-user", "accessKey", user,
	    "XMinioAdminNoSuchUser", st, NULL, NULL, err, errlen) == -1 ? -1 : 0;
}

int
minio_user_info(struct minio *m, const char *user, json_t **out,
    struct minio_status *st, char *err, size_t errlen)
{
	const struct sigv4_pair q[] = { { "accessKey", user } };
	char *text = NULL;
	size_t len = 0;

	*out = NULL;
	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (minio_admin_name("user", user, err, errlen) == -1)
		return -1;
	if (minio_admin_call(m, "GET", "/user-info", q, 1, NULL, 0, NULL, st,
	    &text, &len, err, errlen) == -1)
		return -1;
	*out = minio_admin_json("user-info", text, len, err, errlen);
	free(text);
	return *out != NULL ? 0 : -1;
}

int
minio_user_list(struct minio *m, json_t **out, struct minio_status *st,
    char *err, size_t errlen)
{
	char *sealed = NULL, why[256];
	uint8_t *plain = NULL;
	size_t len = 0, plen = 0;
	int rc = -1;

	*out = NULL;
	if (minio_admin_call(m, "GET", "/list-users", NULL, 0, NULL, 0, NULL,
	    st, &sealed, &len, err, errlen) == -1)
		return -1;
	/* The map holds no secrets, but it is sealed as if it did. */
	if (minio_decrypt(m, sealed, len, &plain, &plen, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "list-users: cannot decrypt MinIO's answer: "
		    "%s", why);
		goto out;
	}
	if ((*out = minio_admin_json("list-users", (char *)plain, plen, err,
	    errlen)) != NULL)
		rc = 0;
out:
	free(sealed);
	if (plain != NULL)
		explicit_bzero(plain, plen);
	free(plain);
	return rc;
}

int
minio_policy_add(struct minio *m, const char *name, const json_t *doc,
    struct minio_status *st, char *err, size_t errlen)
{
	const struct sigv4_pair q[] = { { "name", name } };
	char *text;
	int rc;

	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (minio_admin_name("policy", name, err, errlen) == -1)
		return -1;
	if (!json_is_object(doc) ||
	    (text = json_dumps(doc, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "policy %s: not a JSON object", name);
		return -1;
	}
	rc = minio_admin_call(m, "PUT", "/add-canned-policy", q, 1, text,
	    strlen(text), "application/json", st, NULL, NULL, err, errlen);
	free(text);
	return rc;
}

int
minio_policy_remove(struct minio *m, const char *name,
    struct minio_status *st, char *err, size_t errlen)
{
	return minio_admin_maybe(m, "DELETE", "/remove-canned-policy", "name",
	    name, "XMinioAdminNoSuchPolicy", st, NULL, NULL, err, errlen) == -1 ?
	    -1 : 0;
}

/*
 * POST idp/builtin/policy/{attach,detach}, the API of MinIO since 2023 (the
 * older set-user-or-group-policy replaced every policy of the user).  MinIO
 * wants the sealed body as application/octet-stream, and answers 400
 * XMinioAdminPolicyChangeAlreadyApplied to a change with no effect.
 */
static int
minio_policy_change(struct minio *m, const char *op, const char *user,
    const char *policy, const char *const *already, struct minio_status *st,
    char *err, size_t errlen)
{
	struct minio_status mine;
	char plain[2 * MINIO_NAME_MAX + 64], path[64];
	uint8_t *sealed = NULL;
	size_t n = 0;
	int rc = -1;

	if (st == NULL)
		st = &mine;
	memset(st, 0, sizeof(*st));
	if (minio_admin_name("user", user, err, errlen) == -1 ||
	    minio_admin_name("policy", policy, err, errlen) == -1)
		return -1;
	/* Both names are JSON-safe as checked. */
	snprintf(plain, sizeof(plain), "{\"policies\":[\"%s\"],\"user\":\"%s\"}",
	    policy, user);
	snprintf(path, sizeof(path), "/idp/builtin/policy/%s", op);
	if (minio_encrypt(m, plain, strlen(plain), &sealed, &n, err,
	    errlen) == -1)
		return -1;
	/* The answer (what changed, sealed) is not needed: not decrypted. */
	rc = minio_admin_call(m, "POST", path, NULL, 0, sealed, n, MINIO_SEALED,
	    st, NULL, NULL, err, errlen);
	if (rc == -1 && (st->status == 400 || st->status == 404 ||
	    st->status == 409) && minio_admin_already(st, already)) {
		err[0] = '\0';
		rc = 0;
	}
	free(sealed);
	return rc;
}

int
minio_policy_attach(struct minio *m, const char *user, const char *policy,
    struct minio_status *st, char *err, size_t errlen)
{
	static const char *const already[] = {
		"XMinioAdminPolicyChangeAlreadyApplied",
		"XMinioPolicyAlreadyAttached", NULL,
	};

	return minio_policy_change(m, "attach", user, policy, already, st, err,
	    errlen);
}

int
minio_policy_detach(struct minio *m, const char *user, const char *policy,
    struct minio_status *st, char *err, size_t errlen)
{
	static const char *const already[] = {
		"XMinioAdminPolicyChangeAlreadyApplied",
		"XMinioPolicyNotAttached", NULL,
	};

	return minio_policy_change(m, "detach", user, policy, already, st, err,
	    errlen);
}

/*
 * PUT set-bucket-quota?bucket=B with plain JSON.  "size" is the field of
 * madmin since 2023; servers before read "quota", which later ones still
 * honour when "size" is 0.  Both are sent so that either kind enforces it.
 */
int
minio_bucket_quota(struct minio *m, const char *bucket, uint64_t bytes,
    struct minio_status *st, char *err, size_t errlen)
{
	const struct sigv4_pair q[] = { { "bucket", bucket } };
	char body[128];

	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (minio_bucket_check(bucket, err, errlen) == -1)
		return -1;
	snprintf(body, sizeof(body), "{\"size\":%" PRIu64 ",\"quota\":%" PRIu64
	    ",\"quotatype\":\"hard\"}", bytes, bytes);
	return minio_admin_call(m, "PUT", "/set-bucket-quota", q, 1, body,
	    strlen(body), "application/json", st, NULL, NULL, err, errlen);
}

/*
 * GET info-canned-policy?name=N without v: the policy JSON itself, which
 * every MinIO answers (v=2, since 2022, wraps it in a PolicyInfo; the
 * parser takes that too, should it become the default as MinIO announces).
 */
int
minio_policy_info(struct minio *m, const char *name, json_t **doc,
    struct minio_status *st, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*doc = NULL;
	if ((rc = minio_admin_maybe(m, "GET", "/info-canned-policy", "name",
	    name, "XMinioAdminNoSuchPolicy", st, &text, &len, err,
	    errlen)) == 1)
		rc = minio_policy_parse(text, len, name, doc, err, errlen);
	free(text);
	return rc;
}

/* GET get-bucket-quota?bucket=B: MinIO looks for the bucket first and
 * answers NoSuchBucket, in JSON, when it is not there. */
int
minio_bucket_quota_get(struct minio *m, const char *bucket, bool *exists,
    uint64_t *bytes, struct minio_status *st, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*exists = false;
	*bytes = 0;
	if ((rc = minio_admin_maybe(m, "GET", "/get-bucket-quota", "bucket",
	    bucket, "NoSuchBucket", st, &text, &len, err, errlen)) == 1) {
		*exists = true;
		rc = minio_quota_parse(text, len, bytes, err, errlen);
	}
	free(text);
	return rc;
}
