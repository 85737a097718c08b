/*
 * kube_verbs.c: the requests accountd makes, on top of kube_request():
 * server-side apply (force, strict field validation, optional dry run),
 * get, list by label selector and delete.  The query strings are built
 * here so that every apply carries the same fieldManager.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "kube.h"

int
kube_apply(struct kube *k, const char *path, json_t *obj, bool dry_run,
    long *status, json_t **resp, char *err, size_t errlen)
{
	char *q = NULL;
	int rc = -1;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (kube_query_add(&q, "fieldManager", KUBE_FIELD_MANAGER) == -1 ||
	    kube_query_add(&q, "force", "true") == -1 ||
	    kube_query_add(&q, "fieldValidation", "Strict") == -1 ||
	    (dry_run && kube_query_add(&q, "dryRun", "All") == -1)) {
		snprintf(err, errlen, "PATCH %s: out of memory", path);
		goto out;
	}
	/* JSON is YAML: the apply patch type takes it as it is. */
	rc = kube_request(k, "PATCH", path, q, obj,
	    "application/apply-patch+yaml", status, resp, err, errlen);
out:
	free(q);
	return rc;
}

int
kube_get(struct kube *k, const char *path, long *status, json_t **resp,
    char *err, size_t errlen)
{
	return kube_request(k, "GET", path, NULL, NULL, NULL, status, resp,
	    err, errlen);
}

int
kube_list(struct kube *k, const char *path, const char *label_selector,
    long *status, json_t **resp, char *err, size_t errlen)
{
	char *q = NULL;
	int rc = -1;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (label_selector != NULL &&
	    kube_query_add(&q, "labelSelector", label_selector) == -1) {
		snprintf(err, errlen, "GET %s: out of memory", path);
		goto out;
	}
	rc = kube_request(k, "GET", path, q, NULL, NULL, status, resp, err,
	    errlen);
out:
	free(q);
	return rc;
}

int
kube_delete(struct kube *k, const char *path, bool dry_run, long *status,
    json_t **resp, char *err, size_t errlen)
{
	char *q = NULL;
	int rc = -1;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (dry_run && kube_query_add(&q, "dryRun", "All") == -1) {
		snprintf(err, errlen, "DELETE %s: out of memory", path);
		goto out;
	}
	rc = kube_request(k, "DELETE", path, q, NULL, NULL, status, resp, err,
	    errlen);
out:
	free(q);
	return rc;
}
