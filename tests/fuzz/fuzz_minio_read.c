/*
 * fuzz_minio_read.c: arbitrary bytes as MinIO's answer to a read through
 * lib/minio_read.c: a canned policy (info-canned-policy) and a bucket quota
 * (get-bucket-quota).  What each accepts must keep its promises: a policy
 * is an object whose Statement, when there, is a list of objects; the
 * comparison is symmetric and blind to the order of statements and of the
 * values in their sets; a quota fits in an int64.  What each refuses leaves
 * nothing behind and a reason that names the read and quotes nothing.
 *
 * Seeds (tests/fuzz/corpus/minio_read/) are MinIO's own shapes: a policy as
 * it writes one back (indented, sets in its own order, a Sid and a
 * Condition), a v=2 PolicyInfo, a nil statement list, quotas of madmin v3
 * and v4, none ("null"), and broken ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "minio.h"

/* No control characters from the answer in a reason. */
static void
check_err(const char *err, const char *what)
{
	const char *p;

	if (strncmp(err, what, strlen(what)) != 0)
		abort();
	for (p = err; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20)
			abort();
}

/* Reverses an array in place. */
static void
reverse(json_t *a)
{
	size_t i, n = json_array_size(a);
	json_t *x;

	for (i = 0; i < n / 2; i++) {
		x = json_incref(json_array_get(a, i));
		json_array_set(a, i, json_array_get(a, n - 1 - i));
		json_array_set_new(a, n - 1 - i, x);
	}
}

/* The same policy written otherwise: statements and set values reversed. */
static json_t *
shuffled(const json_t *doc)
{
	static const char *const sets[] = {
		"Action", "NotAction", "Resource", "NotResource",
	};
	json_t *copy = json_deep_copy(doc), *st;
	size_t i, k;

	reverse(json_object_get(copy, "Statement"));
	json_array_foreach(json_object_get(copy, "Statement"), i, st)
		for (k = 0; k < sizeof(sets) / sizeof(sets[0]); k++)
			reverse(json_object_get(st, sets[k]));
	return copy;
}

static void
check_policy(const char *data, size_t size)
{
	json_t *doc = (json_t *)1, *ours, *other, *st, *s;
	char err[256];
	size_t i;

	err[0] = '\0';
	if (minio_policy_parse(data, size, "meduse-alice", &doc, err,
	    sizeof(err)) == -1) {
		if (doc != NULL)
			abort();
		check_err(err, "info-canned-policy: ");
		return;
	}
	st = json_object_get(doc, "Statement");
	if (!json_is_object(doc) || (st != NULL && !json_is_null(st) &&
	    !json_is_array(st)))
		abort();
	json_array_foreach(st, i, s)
		if (!json_is_object(s))
			abort();
	ours = json_pack("{s:s, s:[{s:s, s:[ss], s:s}]}", "Version",
	    "2012-10-17", "Statement", "Effect", "Allow", "Action",
	    "s3:GetObject", "s3:PutObject", "Resource",
	    "arn:aws:s3:::lab-alice/*");
	if (minio_policy_same(doc, ours) != minio_policy_same(ours, doc))
		abort();
	if (minio_policy_same(doc, doc)) {
		other = shuffled(doc);
		if (!minio_policy_same(doc, other) ||
		    minio_policy_same(other, ours) != minio_policy_same(doc, ours))
			abort();
		json_decref(other);
	}
	json_decref(ours);
	json_decref(doc);
}

static void
check_quota(const char *data, size_t size)
{
	uint64_t bytes = 1;
	char err[256];

	err[0] = '\0';
	if (minio_quota_parse(data, size, &bytes, err, sizeof(err)) == 0) {
		if (bytes > INT64_MAX)
			abort();
	} else {
		if (bytes != 0)
			abort();
		check_err(err, "get-bucket-quota: ");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_policy((const char *)data, size);
	check_quota((const char *)data, size);
	return 0;
}
