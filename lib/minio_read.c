/*
 * minio_read.c: what MinIO answers about its own configuration, for a
 * reconcile pass to compare with what meduse wants there: a canned
 * policy's document (info-canned-policy) and a bucket's quota
 * (get-bucket-quota).
 *
 * Trust boundary: both are MinIO's answers.  They are parsed with jansson,
 * bounded (MINIO_ANSWER_MAX), refused with a NUL byte, and must be one
 * JSON value and nothing else.  Error texts never quote the answer.  A
 * policy is compared by meaning, not bytes: MinIO keeps a policy parsed
 * (minio/pkg policy.Policy) and writes its action and resource sets back in
 * no fixed order (they are Go maps), without empty fields, and without
 * repeated statements; labels (Sid, ID) grant nothing and are left out.
 * Pure: no I/O, nothing exits; fuzzed (tests/fuzz/fuzz_minio_read.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minio.h"

/* Statement fields that hold a set of strings (minio/pkg ActionSet and
 * ResourceSet): a string is a set of one, the order means nothing. */
static const char *const minio_set_keys[] = {
	"Action", "NotAction", "Resource", "NotResource", NULL,
};

/* Labels, which MinIO's own comparison of statements ignores too
 * (minio/pkg Statement.Equals): they grant nothing. */
static bool
minio_is_label(const char *k)
{
	return strcmp(k, "Sid") == 0 || strcmp(k, "ID") == 0;
}

/* One JSON value of a bounded answer; NULL with err otherwise. */
static json_t *
minio_read_json(const char *what, const char *body, size_t len, char *err,
    size_t errlen)
{
	json_error_t je;
	json_t *v;

	if (body == NULL)
		body = "";
	if (len > MINIO_ANSWER_MAX) {
		snprintf(err, errlen, "%s: MinIO's answer is too long (%zu bytes, "
		    "at most %d)", what, len, MINIO_ANSWER_MAX);
		return NULL;
	}
	if (memchr(body, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: MinIO's answer has a NUL byte", what);
		return NULL;
	}
	if ((v = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &je)) == NULL)
		snprintf(err, errlen, "%s: MinIO's answer is not JSON (line %d, "
		    "column %d)", what, je.line, je.column);
	return v;
}

int
minio_policy_parse(const char *body, size_t len, const char *name,
    json_t **doc, char *err, size_t errlen)
{
	json_t *v, *p, *stmts, *s;
	const char *pn;
	size_t i;

	*doc = NULL;
	if ((v = minio_read_json("info-canned-policy", body, len, err,
	    errlen)) == NULL)
		return -1;
	/* madmin's PolicyInfo (the v=2 answer): the document is its Policy. */
	if (json_is_object(v) && json_object_get(v, "Statement") == NULL &&
	    (pn = json_string_value(json_object_get(v, "PolicyName"))) != NULL) {
		if (name != NULL && strcmp(pn, name) != 0) {
			snprintf(err, errlen, "info-canned-policy: MinIO answered "
			    "with another policy than %s", name);
			json_decref(v);
			return -1;
		}
		p = json_incref(json_object_get(v, "Policy"));
		json_decref(v);
		v = p;
	}
	/* A policy without statements is Go's nil slice: null, or left out. */
	stmts = json_object_get(v, "Statement");
	if (!json_is_object(v) || (stmts != NULL && !json_is_null(stmts) &&
	    !json_is_array(stmts)))
		goto bad;
	json_array_foreach(stmts, i, s)
		if (!json_is_object(s))
			goto bad;
	*doc = v;
	return 0;
bad:
	snprintf(err, errlen, "info-canned-policy: MinIO's answer is not an IAM "
	    "policy (an object with a Statement list of objects)");
	json_decref(v);
	return -1;
}

/* Go's omitempty, and what MinIO leaves out: null, "", [] and {}. */
static bool
minio_empty(const json_t *v)
{
	return v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0) || (json_is_array(v) &&
	    json_array_size(v) == 0) || (json_is_object(v) &&
	    json_object_size(v) == 0);
}

static int
minio_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A set of strings as a sorted array without repeats; NULL if it is not
 * a string or an array of strings. */
static json_t *
minio_set(const json_t *v)
{
	const char **s = NULL;
	json_t *out = NULL, *e;
	size_t i, n = 0;

	if (json_is_string(v))
		return json_pack("[O]", v);
	if (!json_is_array(v) || (s = calloc(json_array_size(v),
	    sizeof(*s))) == NULL)
		return NULL;
	json_array_foreach(v, i, e)
		if ((s[n++] = json_string_value(e)) == NULL)
			goto out;
	qsort(s, n, sizeof(*s), minio_strcmp);
	if ((out = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if ((i == 0 || strcmp(s[i], s[i - 1]) != 0) &&
		    json_array_append_new(out, json_string(s[i])) == -1) {
			json_decref(out);
			out = NULL;
			goto out;
		}
out:
	free(s);
	return out;
}

static bool
minio_is_set_key(const char *k)
{
	const char *const *p;

	for (p = minio_set_keys; *p != NULL; p++)
		if (strcmp(k, *p) == 0)
			return true;
	return false;
}

/* A statement with its empty fields left out and its sets sorted. */
static json_t *
minio_statement_canon(const json_t *s)
{
	json_t *out = json_object(), *v, *set;
	const char *k;

	if (out == NULL)
		return NULL;
	json_object_foreach((json_t *)s, k, v) {
		if (minio_empty(v) || minio_is_label(k))
			continue;
		if (!minio_is_set_key(k)) {
			if (json_object_set(out, k, v) == -1)
				goto bad;
			continue;
		}
		if ((set = minio_set(v)) == NULL ||
		    json_object_set_new(out, k, set) == -1)
			goto bad;
	}
	return out;
bad:
	json_decref(out);
	return NULL;
}

/* One statement's canonical text, for sorting them. */
struct minio_stmt {
	char	*text;		/* owned */
	json_t	*canon;		/* owned */
};

static int
minio_stmt_cmp(const void *a, const void *b)
{
	return strcmp(((const struct minio_stmt *)a)->text,
	    ((const struct minio_stmt *)b)->text);
}

/*
 * The document as one text: keys sorted, empty fields left out, each
 * statement canonical, the statements sorted without repeats.  Two
 * documents mean the same when their texts are equal.  NULL if malformed.
 */
static char *
minio_policy_canon(const json_t *doc)
{
	struct minio_stmt *st = NULL;
	json_t *top = NULL, *stmts, *list, *v;
	const char *k;
	char *text = NULL;
	size_t i, n = 0;

	stmts = json_object_get(doc, "Statement");
	if (!json_is_object(doc) || (!minio_empty(stmts) &&
	    !json_is_array(stmts)) || (top = json_object()) == NULL ||
	    (list = json_array()) == NULL ||
	    json_object_set_new(top, "Statement", list) == -1)
		goto out;
	json_object_foreach((json_t *)doc, k, v)
		if (strcmp(k, "Statement") != 0 && !minio_empty(v) &&
		    !minio_is_label(k) && json_object_set(top, k, v) == -1)
			goto out;
	if (json_array_size(stmts) > 0 && (st = calloc(json_array_size(stmts),
	    sizeof(*st))) == NULL)
		goto out;
	for (n = 0; n < json_array_size(stmts); n++) {
		if (!json_is_object(json_array_get(stmts, n)) ||
		    (st[n].canon = minio_statement_canon(json_array_get(stmts,
		    n))) == NULL || (st[n].text = json_dumps(st[n].canon,
		    JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
			n++;
			goto out;
		}
	}
	if (n > 0)
		qsort(st, n, sizeof(*st), minio_stmt_cmp);
	for (i = 0; i < n; i++)
		if ((i == 0 || strcmp(st[i].text, st[i - 1].text) != 0) &&
		    json_array_append(list, st[i].canon) == -1)
			goto out;
	text = json_dumps(top, JSON_COMPACT | JSON_SORT_KEYS);
out:
	for (i = 0; i < n; i++) {
		free(st[i].text);
		json_decref(st[i].canon);
	}
	free(st);
	json_decref(top);
	return text;
}

bool
minio_policy_same(const json_t *a, const json_t *b)
{
	char *ca = minio_policy_canon(a), *cb = minio_policy_canon(b);
	bool same = ca != NULL && cb != NULL && strcmp(ca, cb) == 0;

	free(ca);
	free(cb);
	return same;
}

/* A uint64 of madmin's: absent and null are 0 (Go leaves it unset). */
static int
minio_count(const json_t *v, uint64_t *out)
{
	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int
minio_quota_parse(const char *body, size_t len, uint64_t *bytes, char *err,
    size_t errlen)
{
	json_t *v, *type;
	uint64_t size, quota;
	int rc = -1;

	*bytes = 0;
	if ((v = minio_read_json("get-bucket-quota", body, len, err,
	    errlen)) == NULL)
		return -1;
	/* No quota was ever set: MinIO marshals its nil config. */
	if (json_is_null(v)) {
		rc = 0;
		goto out;
	}
	type = json_object_get(v, "quotatype");
	if (!json_is_object(v) || minio_count(json_object_get(v, "size"),
	    &size) == -1 || minio_count(json_object_get(v, "quota"),
	    &quota) == -1 || (type != NULL && !json_is_null(type) &&
	    !json_is_string(type))) {
		snprintf(err, errlen, "get-bucket-quota: MinIO's answer is not a "
		    "bucket quota");
		goto out;
	}
	/* What MinIO enforces (bucket-quota.go enforceQuotaHard): a hard
	 * quota of "size", else of the older "quota". */
	if (json_is_string(type) && strcmp(json_string_value(type), "hard") == 0)
		*bytes = size > 0 ? size : quota;
	rc = 0;
out:
	json_decref(v);
	return rc;
}
