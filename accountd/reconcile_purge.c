/*
 * reconcile_purge.c: the purges recorded in kpurge, carried out by a
 * reconcile pass.  A purge deletes the account's namespace, and every PVC
 * in it, only when each PVC there now was named when the admin confirmed:
 * one that appeared since stops it, with a message that names it.  A purge
 * that keeps the namespace removes the user's access and the cluster-scoped
 * Queue, and leaves the data.  Either also deletes the account's Coder
 * workspaces and user (coder_purge.c), first: the workspaces run in the
 * namespace, which is deleted only once Coder has let them go, and its
 * MinIO user, policy and, when the admin named it, bucket (minio_purge.c).
 * The kpurge row goes when every side is done; until then each pass tries
 * again.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "accountd.h"
#include "kube.h"
#include "log.h"
#include "reconcile.h"

/* Whether every PVC in the list was named when the purge was confirmed. */
static int
rc_pvcs_confirmed(json_t *list, const char *confirmed, char *missing,
    size_t len)
{
	const char *name, *p;
	size_t i, n;
	json_t *item;

	missing[0] = '\0';
	json_array_foreach(json_object_get(list, "items"), i, item) {
		name = json_string_value(json_object_get(json_object_get(item,
		    "metadata"), "name"));
		if (name == NULL)
			continue;
		n = strlen(name);
		for (p = confirmed; (p = strstr(p, name)) != NULL; p += n)
			if ((p == confirmed || p[-1] == ' ') &&
			    (p[n] == ' ' || p[n] == '\0'))
				break;
		if (p == NULL)
			snprintf(missing + strlen(missing), len - strlen(missing),
			    "%s%s", *missing ? ", " : "", name);
	}
	return missing[0] == '\0' ? 0 : -1;
}

/* DELETE path; 404 is success.  -1 with err set and r->down when no answer. */
int
rc_delete(struct reconcile *r, const char *path, long *status, char *err,
    size_t errlen)
{
	if (kube_delete(r->kube, path, false, status, NULL, err, errlen) == 0 ||
	    *status == 404)
		return 0;
	if (*status == 0)
		snprintf(r->down, sizeof(r->down), "%s", err);
	return -1;
}

/*
 * A purge that keeps the namespace: the user's access goes (RoleBinding,
 * the gateway key's Secret) and the cluster-scoped Queue, the data stays.
 */
static int
rc_purge_strip(struct reconcile *r, const char *ns, long *status, char *err,
    size_t errlen)
{
	static const char *const fmt[] = {
		"/apis/rbac.authorization.k8s.io/v1/namespaces/%s/rolebindings/"
		    "meduse-edit",
		"/api/v1/namespaces/%s/secrets/meduse-ssh",
		"/apis/scheduling.volcano.sh/v1beta1/queues/%s",
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		snprintf(path, sizeof(path), fmt[i], ns);
		if (rc_delete(r, path, status, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* The namespace and everything in it, if its PVCs were all confirmed. */
static int
rc_purge_namespace(struct reconcile *r, const char *ns, const char *pvcs,
    long *status, char *err, size_t errlen)
{
	char path[256], missing[256];
	json_t *list = NULL;
	int rc = -1;

	snprintf(path, sizeof(path),
	    "/api/v1/namespaces/%s/persistentvolumeclaims", ns);
	if (kube_list(r->kube, path, NULL, status, &list, err, errlen) == -1) {
		if (*status == 0)
			snprintf(r->down, sizeof(r->down), "%s", err);
		goto out;
	}
	if (rc_pvcs_confirmed(list, pvcs, missing, sizeof(missing)) == -1) {
		snprintf(err, errlen, "not deleted: %s now holds PVCs the purge "
		    "did not confirm (%s); check them, then delete the namespace "
		    "by hand", ns, missing);
		goto out;
	}
	/* The Queue is cluster-scoped: it does not go with the namespace. */
	snprintf(path, sizeof(path),
	    "/apis/scheduling.volcano.sh/v1beta1/queues/%s", ns);
	if (rc_delete(r, path, status, err, errlen) == -1)
		goto out;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
	rc = rc_delete(r, path, status, err, errlen);
out:
	json_decref(list);
	return rc;
}

/*
 * One purge: Coder's side, then the cluster's.  Taking the user's access
 * away does not wait for Coder; deleting the namespace does.
 */
static int
rc_purge_one(struct reconcile *r, const char *name, const char *ns,
    const char *pvcs, const char *bucket, bool keep, long *status, char *err,
    size_t errlen)
{
	char cerr[512], merr[512];
	long cstatus, mstatus;
	int crc, mrc;

	crc = coder_purge(r, name, &cstatus, cerr, sizeof(cerr));
	mrc = minio_purge(r, name, bucket, &mstatus, merr, sizeof(merr));
	if (r->down[0] != '\0') {
		*status = 0;
		snprintf(err, errlen, "%s", r->down);
		return -1;
	}
	if (keep && rc_purge_strip(r, ns, status, err, errlen) == -1)
		return -1;
	if (crc == -1) {
		*status = cstatus;
		snprintf(err, errlen, "%s%.440s", keep ? "Coder: " :
		    "the namespace waits for Coder: ", cerr);
		return -1;
	}
	/* A user left behind would keep its access: the namespace, and the
	 * purge's row with it, wait for MinIO. */
	if (mrc == -1) {
		*status = mstatus;
		snprintf(err, errlen, "%s%.440s", keep ? "MinIO: " :
		    "the namespace waits for MinIO: ", merr);
		return -1;
	}
	if (!keep)
		return rc_purge_namespace(r, ns, pvcs, status, err, errlen);
	return 0;
}

void
rc_purge(struct reconcile *r, const char *account)
{
	json_t *rows, *row;
	const char *ns, *pvcs, *name, *bucket;
	char path[256], err[512];
	struct account a;
	size_t i;
	long status;
	bool keep;
	int rc;

	if ((rows = db_kpurge_list(r->db, account)) == NULL) {
		r->n.dberrors++;
		return;
	}
	json_array_foreach(rows, i, row) {
		ns = json_string_value(json_object_get(row, "namespace"));
		name = json_string_value(json_object_get(row, "account"));
		pvcs = json_string_value(json_object_get(row, "pvcs"));
		bucket = json_string_value(json_object_get(row, "bucket"));
		keep = json_is_true(json_object_get(row, "keep"));
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
		if (r->plan && r->down[0] != '\0') {
			r->n.pending++;
			rc_event(r, name, "Namespace", path, "pending", r->down);
			continue;
		}
		if (r->plan) {
			coder_purge_plan(r, name);
			minio_purge_plan(r, name, bucket);
			json_array_append_new(r->changes, json_pack("{s:s, s:s, "
			    "s:s, s:s, s:[]}", "account", name, "kind",
			    "Namespace", "path", path, "action", keep ? "strip" :
			    "purge", "changes"));
			rc_event(r, name, "Namespace", path, keep ? "strip" :
			    "purge", "");
			continue;
		}
		/* Re-added since: its objects are its own again. */
		if (keep && db_account_get(r->db, name, &a) == 0) {
			account_clear(&a);
			rc = 0;
		} else
			rc = rc_purge_one(r, name, ns, pvcs, bucket, keep,
			    &status, err, sizeof(err));
		if (rc == 0) {
			if (db_kpurge_result(r->db, ns, false, NULL) == -1)
				r->n.dberrors++;
			/* Its objects went with the namespace: not orphans. */
			if (!keep)
				json_object_del(r->observed, name);
			r->n.deleted++;
			log_info("purge: %s of %s %s (PVCs: %s)", ns, name, keep ?
			    "kept, access removed" : "deleted", *pvcs ? pvcs :
			    "none");
			rc_event(r, name, "Namespace", path, keep ? "stripped" :
			    "deleted", "");
			continue;
		}
		/* Pending too, so that status shows why (a bucket being
		 * emptied says how far it got). */
		if (db_kpurge_result(r->db, ns, status != 0, err) == -1)
			r->n.dberrors++;
		status == 0 ? r->n.pending++ : r->n.failed++;
		rc_event(r, name, "Namespace", path, status == 0 ? "pending" :
		    "failed", err);
	}
	json_decref(rows);
}
