/*
 * minio_s3.c: the S3 calls provisioning needs, path-style and signed for
 * minio.region: make a bucket, look for one, empty one in bounded steps
 * (ListObjectsV2 and DeleteObject) and delete it.  Trust boundary: bucket
 * names are ours and checked; object keys come from MinIO's listing and go
 * back into a path only when they cannot name anything outside the bucket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minio.h"
#include "text.h"

static int
minio_s3_call(struct minio *m, const char *method, const char *path,
    const struct sigv4_pair *q, size_t nq, const void *body, size_t len,
    const char *ctype, struct minio_status *st, char **resp,
    size_t *resplen, char *err, size_t errlen)
{
	struct minio_req r = {
		.method = method, .admin = false, .path = path, .query = q,
		.nquery = nq, .body = body, .len = len, .content_type = ctype,
	};

	return minio_request(m, &r, st, resp, resplen, err, errlen);
}

/*
 * PUT /bucket.  us-east-1 is S3's default and takes no body; any other
 * region is named in a CreateBucketConfiguration, as minio-go does.
 */
int
minio_bucket_create(struct minio *m, const char *bucket, bool *created,
    struct minio_status *st, char *err, size_t errlen)
{
	struct minio_status mine;
	char path[MINIO_BUCKET_MAX + 2], body[256];
	const char *region = minio_region(m);

	*created = false;
	if (st == NULL)
		st = &mine;
	memset(st, 0, sizeof(*st));
	if (minio_bucket_check(bucket, err, errlen) == -1)
		return -1;
	snprintf(path, sizeof(path), "/%s", bucket);
	body[0] = '\0';
	if (strcmp(region, MINIO_DEFAULT_REGION) != 0 &&
	    (size_t)snprintf(body, sizeof(body), "<CreateBucketConfiguration "
	    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	    "<LocationConstraint>%s</LocationConstraint>"
	    "</CreateBucketConfiguration>", region) >= sizeof(body)) {
		snprintf(err, errlen, "minio.region is too long");
		return -1;
	}
	if (minio_s3_call(m, "PUT", path, NULL, 0, body, strlen(body),
	    body[0] != '\0' ? "application/xml" : NULL, st, NULL, NULL, err,
	    errlen) == 0) {
		*created = true;
		return 0;
	}
	/* Made by an earlier pass (ours: we hold the root credentials). */
	if (st->status == 409 && strcmp(st->code, "BucketAlreadyOwnedByYou") == 0) {
		err[0] = '\0';
		return 0;
	}
	return -1;
}

/* HEAD /bucket: an answer without a body, so 404 is all MinIO says. */
int
minio_bucket_exists(struct minio *m, const char *bucket, bool *exists,
    struct minio_status *st, char *err, size_t errlen)
{
	struct minio_status mine;
	char path[MINIO_BUCKET_MAX + 2];

	*exists = false;
	if (st == NULL)
		st = &mine;
	memset(st, 0, sizeof(*st));
	if (minio_bucket_check(bucket, err, errlen) == -1)
		return -1;
	snprintf(path, sizeof(path), "/%s", bucket);
	if (minio_s3_call(m, "HEAD", path, NULL, 0, NULL, 0, NULL, st, NULL,
	    NULL, err, errlen) == 0) {
		*exists = true;
		return 0;
	}
	if (st->status == 404) {
		err[0] = '\0';
		return 0;
	}
	return -1;
}

int
minio_bucket_delete(struct minio *m, const char *bucket,
    struct minio_status *st, char *err, size_t errlen)
{
	struct minio_status mine;
	char path[MINIO_BUCKET_MAX + 2];

	if (st == NULL)
		st = &mine;
	memset(st, 0, sizeof(*st));
	if (minio_bucket_check(bucket, err, errlen) == -1)
		return -1;
	snprintf(path, sizeof(path), "/%s", bucket);
	if (minio_s3_call(m, "DELETE", path, NULL, 0, NULL, 0, NULL, st, NULL,
	    NULL, err, errlen) == 0)
		return 0;
	if (st->status == 404 && strcmp(st->code, "NoSuchBucket") == 0) {
		err[0] = '\0';
		return 0;
	}
	return -1;
}

/*
 * A key from the listing may go into a path when no segment is "." or "..":
 * MinIO stores no such names, and a server or proxy that folded them would
 * make the request name another object, or another bucket.
 */
static bool
minio_key_ok(const char *key)
{
	const char *s = key, *e;
	size_t n;

	for (;;) {
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' &&
		    s[1] == '.'))
			return false;
		if (e == NULL)
			return key[0] != '\0';
		s = e + 1;
	}
}

static int
minio_object_delete(struct minio *m, const char *bucket, const char *key,
    struct minio_status *st, char *err, size_t errlen)
{
	char *path, q[80];
	int rc;

	if (!minio_key_ok(key)) {
		snprintf(err, errlen, "bucket %s: object key \"%s\" has a \".\" "
		    "or \"..\" segment: not deleted", bucket,
		    text_quote(key, 60, q, sizeof(q)));
		return -1;
	}
	if (asprintf(&path, "/%s/%s", bucket, key) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = minio_s3_call(m, "DELETE", path, NULL, 0, NULL, 0, NULL, st, NULL,
	    NULL, err, errlen);
	free(path);
	return rc;
}

/*
 * ListObjectsV2 pages, each key deleted in turn.  The continuation token
 * moves the listing on past what was deleted, so each key is seen once and
 * a key that will not go cannot hold the loop.
 */
int
minio_bucket_empty(struct minio *m, const char *bucket, size_t max,
    size_t *deleted, bool *more, struct minio_status *st, char *err,
    size_t errlen)
{
	struct minio_status mine;
	struct minio_list page;
	struct sigv4_pair q[3];
	char path[MINIO_BUCKET_MAX + 2], nkeys[16], *text = NULL, why[256];
	char *token = NULL;
	size_t len, i, nq, want;
	int rc = -1;

	*deleted = 0;
	*more = false;
	memset(&page, 0, sizeof(page));
	if (st == NULL)
		st = &mine;
	memset(st, 0, sizeof(*st));
	if (minio_bucket_check(bucket, err, errlen) == -1)
		return -1;
	if (max == 0) {
		snprintf(err, errlen, "bucket %s: empty at most 0 objects?",
		    bucket);
		return -1;
	}
	snprintf(path, sizeof(path), "/%s", bucket);
	for (;;) {
		want = max - *deleted < MINIO_LIST_MAX ? max - *deleted :
		    MINIO_LIST_MAX;
		snprintf(nkeys, sizeof(nkeys), "%zu", want);
		nq = 0;
		q[nq++] = (struct sigv4_pair){ "list-type", "2" };
		q[nq++] = (struct sigv4_pair){ "max-keys", nkeys };
		if (token != NULL)
			q[nq++] = (struct sigv4_pair){ "continuation-token",
			    token };
		if (minio_s3_call(m, "GET", path, q, nq, NULL, 0, NULL, st,
		    &text, &len, err, errlen) == -1)
			goto out;
		if (minio_list_parse(text, len, &page, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "GET %s?list-type=2: MinIO's listing "
			    "cannot be read: %s", path, why);
			goto out;
		}
		free(text);
		text = NULL;
		if (page.nkeys > want) {
			snprintf(err, errlen, "GET %s?list-type=2: %zu keys for "
			    "max-keys=%zu", path, page.nkeys, want);
			goto out;
		}
		for (i = 0; i < page.nkeys; i++) {
			if (minio_object_delete(m, bucket, page.keys[i], st, err,
			    errlen) == -1)
				goto out;
			(*deleted)++;
		}
		if (!page.truncated)
			break;
		/* Else a server could keep this loop going for ever. */
		if (page.nkeys == 0) {
			snprintf(err, errlen, "GET %s?list-type=2: an empty page "
			    "that says more follow", path);
			goto out;
		}
		if (*deleted >= max) {
			*more = true;
			break;
		}
		free(token);
		token = page.next_token;
		page.next_token = NULL;
		minio_list_free(&page);
	}
	rc = 0;
out:
	minio_list_free(&page);
	free(token);
	free(text);
	return rc;
}
