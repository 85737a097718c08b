/*
 * reconcile.c: one reconcile pass, bringing the cluster in line with the
 * database for one account or for all of them.
 *
 * A pass lists each kind once, by label selector, and applies only what
 * differs: an object whose desired body hashes as last applied and whose
 * resourceVersion is still the one recorded is left alone, so a pass over N
 * unchanged accounts costs one request per kind, whatever N.  Everything
 * else is sent with server-side apply, and each object's outcome (applied,
 * pending when the API did not answer, failed with the API's message) is
 * recorded in kobjects.  Objects meduse made and no longer wants are
 * deleted, except namespaces and PVCs: data is only ever deleted by a purge
 * (kpurge, carried out in reconcile_purge.c), after the admin named the
 * PVCs it destroys.
 *
 * In plan mode the same decisions are made with server-side dry runs, and
 * nothing is written anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "accountd.h"
#include "coder.h"
#include "kube.h"
#include "log.h"
#include "minio.h"
#include "reconcile.h"

#define MANAGED_SEL	"app.kubernetes.io/managed-by=meduse"
#define ACCOUNT_LABEL	"meduse.io/account"

struct rc_kind {
	const char	*kind;
	const char	*prefix;	/* API group path */
	const char	*plural;
	bool		 namespaced;
	bool		 keep;		/* holds data: deleted by a purge only */
	bool		 volcano;	/* listed only when kubernetes.volcano */
};

static const struct rc_kind rc_kinds[] = {
	{ "Namespace", "/api/v1", "namespaces", false, true, false },
	{ "Queue", "/apis/scheduling.volcano.sh/v1beta1", "queues", false,
	  false, true },
	{ "ResourceQuota", "/api/v1", "resourcequotas", true, false, false },
	{ "LimitRange", "/api/v1", "limitranges", true, false, false },
	{ "PersistentVolumeClaim", "/api/v1", "persistentvolumeclaims", true,
	  true, false },
	{ "RoleBinding", "/apis/rbac.authorization.k8s.io/v1", "rolebindings",
	  true, false, false },
	{ "NetworkPolicy", "/apis/networking.k8s.io/v1", "networkpolicies",
	  true, false, false },
	{ "Secret", "/api/v1", "secrets", true, false, false },
};
#define RC_NKINDS	(sizeof(rc_kinds) / sizeof(rc_kinds[0]))

/* Fields the server owns: never part of a plan's difference. */
static const char *const rc_noise[] = {
	"metadata.resourceVersion", "metadata.managedFields",
	"metadata.generation", "metadata.creationTimestamp", "metadata.uid",
	"status",
};

static const struct rc_kind *
rc_kind(const char *kind)
{
	size_t i;

	for (i = 0; i < RC_NKINDS; i++)
		if (strcmp(rc_kinds[i].kind, kind) == 0)
			return &rc_kinds[i];
	return NULL;
}

void
rc_event(struct reconcile *r, const char *account, const char *kind,
    const char *path, const char *outcome, const char *message)
{
	struct rc_event ev = { account, kind, path, outcome, message };

	if (r->event != NULL)
		r->event(r->arg, &ev);
}

/* SHA-256 of the object's canonical JSON, in hex. */
static int
rc_hash(json_t *obj, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char *s;
	int rc = -1;

	if ((s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return -1;
	if (EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) == 1) {
		for (i = 0; i < mdlen && i < 32; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
		rc = 0;
	}
	free(s);
	return rc;
}

/* The object's API path, as kdesired builds it. */
static int
rc_item_path(const struct rc_kind *k, json_t *item, char *buf, size_t len)
{
	json_t *md = json_object_get(item, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	int n;

	if (name == NULL || (k->namespaced && ns == NULL))
		return -1;
	if (k->namespaced)
		n = snprintf(buf, len, "%s/namespaces/%s/%s/%s", k->prefix, ns,
		    k->plural, name);
	else
		n = snprintf(buf, len, "%s/%s/%s", k->prefix, k->plural, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Lists every kind once: r->observed becomes {account: {path: item}}.
 * A kind the API refuses (Volcano not installed, RBAC) is noted in
 * kind_err and its objects fail; no answer at all sets r->down.
 */
static int
rc_observe(struct reconcile *r, const char *account,
    char kind_err[RC_NKINDS][512])
{
	char sel[160], path[512], err[512];
	const char *owner;
	json_t *resp, *item, *per;
	size_t i, j;
	long status;

	snprintf(sel, sizeof(sel), "%s%s%s", MANAGED_SEL,
	    account ? "," ACCOUNT_LABEL "=" : "", account ? account : "");
	if ((r->observed = json_object()) == NULL)
		return -1;
	for (i = 0; i < RC_NKINDS; i++) {
		kind_err[i][0] = '\0';
		if (rc_kinds[i].volcano && !r->cfg->kubernetes.volcano)
			continue;
		snprintf(path, sizeof(path), "%s/%s", rc_kinds[i].prefix,
		    rc_kinds[i].plural);
		if (kube_list(r->kube, path, sel, &status, &resp, err,
		    sizeof(err)) == -1) {
			json_decref(resp);
			if (status == 0) {
				snprintf(r->down, sizeof(r->down), "%s", err);
				return 0;
			}
			if (status == 404 && rc_kinds[i].volcano)
				snprintf(kind_err[i], sizeof(kind_err[i]), "the "
				    "cluster has no Volcano queues API (is Volcano "
				    "installed?); set kubernetes.volcano to false "
				    "otherwise");
			else
				snprintf(kind_err[i], sizeof(kind_err[i]), "%s",
				    err);
			continue;
		}
		json_array_foreach(json_object_get(resp, "items"), j, item) {
			owner = json_string_value(json_object_get(json_object_get(
			    json_object_get(item, "metadata"), "labels"),
			    ACCOUNT_LABEL));
			if (owner == NULL || rc_item_path(&rc_kinds[i], item, path,
			    sizeof(path)) == -1)
				continue;
			/* Typed lists leave these out of their items. */
			json_object_set_new(item, "kind",
			    json_string(rc_kinds[i].kind));
			json_object_set_new(item, "apiVersion", json_string(
			    rc_kinds[i].prefix + (rc_kinds[i].prefix[2] == 'p' &&
			    rc_kinds[i].prefix[3] == 'i' && rc_kinds[i].prefix[4] ==
			    's' ? 6 : 5)));
			if ((per = json_object_get(r->observed, owner)) == NULL) {
				json_object_set_new(r->observed, owner, json_object());
				per = json_object_get(r->observed, owner);
			}
			json_object_set(per, path, item);
		}
		json_decref(resp);
	}
	return 0;
}

static bool
rc_noisy(const char *path)
{
	size_t i, n;

	for (i = 0; i < sizeof(rc_noise) / sizeof(rc_noise[0]); i++) {
		n = strlen(rc_noise[i]);
		if (strncmp(path, rc_noise[i], n) == 0 &&
		    (path[n] == '\0' || path[n] == '.'))
			return true;
	}
	return false;
}

/* Appends "path: old -> new" for every leaf that differs. */
static void
rc_diff(json_t *old, json_t *new, const char *prefix, json_t *out)
{
	char path[512], *o, *n;
	const char *key;
	json_t *v;

	if (json_is_object(old) && json_is_object(new)) {
		json_object_foreach(new, key, v) {
			snprintf(path, sizeof(path), "%s%s%s", prefix,
			    *prefix ? "." : "", key);
			if (!rc_noisy(path))
				rc_diff(json_object_get(old, key), v, path, out);
		}
		json_object_foreach(old, key, v) {
			snprintf(path, sizeof(path), "%s%s%s", prefix,
			    *prefix ? "." : "", key);
			if (json_object_get(new, key) == NULL && !rc_noisy(path))
				rc_diff(v, NULL, path, out);
		}
		return;
	}
	if (old != NULL && new != NULL && json_equal(old, new))
		return;
	o = old ? json_dumps(old, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	n = new ? json_dumps(new, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_array_append_new(out, json_sprintf("%s: %.120s -> %.120s", prefix,
	    o ? o : "(none)", n ? n : "(none)"));
	free(o);
	free(n);
}

/* Records an outcome (not in plan mode), counts it and reports it. */
static void
rc_outcome(struct reconcile *r, const struct account *a, const char *kind,
    const char *path, const char *outcome, const char *message,
    const char *hash, const char *rv)
{
	const char *state = strcmp(outcome, "pending") == 0 ? "pending" :
	    strcmp(outcome, "failed") == 0 ? "failed" : "applied";

	if (!r->plan && db_kobj_record(r->db, a->id, path, kind, state,
	    message, hash, rv) == -1)
		r->n.dberrors++;
	if (strcmp(state, "pending") == 0)
		r->n.pending++;
	else if (strcmp(state, "failed") == 0)
		r->n.failed++;
	else
		r->n.applied++;
	rc_event(r, a->name, kind, path, outcome, message);
}

static void
rc_plan_object(struct reconcile *r, const struct account *a, const char *kind,
    const char *path, json_t *obj, json_t *seen)
{
	char err[512];
	json_t *resp = NULL, *changes;
	long status;

	if (kube_apply(r->kube, path, obj, true, &status, &resp, err,
	    sizeof(err)) == -1) {
		if (status == 0)
			snprintf(r->down, sizeof(r->down), "%s", err);
		rc_event(r, a->name, kind, path, status == 0 ? "pending" :
		    "failed", err);
		status == 0 ? r->n.pending++ : r->n.failed++;
		goto out;
	}
	if ((changes = json_array()) == NULL)
		goto out;
	if (seen != NULL)
		rc_diff(seen, resp, "", changes);
	if (seen != NULL && json_array_size(changes) == 0) {
		json_decref(changes);
		r->n.unchanged++;
		rc_event(r, a->name, kind, path, "unchanged", "");
		goto out;
	}
	r->n.applied++;
	json_array_append_new(r->changes, json_pack("{s:s, s:s, s:s, s:s, s:o}",
	    "account", a->name, "kind", kind, "path", path, "action",
	    seen ? "update" : "create", "changes", changes));
	rc_event(r, a->name, kind, path, seen ? "update" : "create", "");
out:
	json_decref(resp);
}

static void
rc_object(struct reconcile *r, const struct account *a, json_t *desired,
    json_t *rows, json_t *observed, char kind_err[RC_NKINDS][512])
{
	const char *path = json_string_value(json_object_get(desired, "path"));
	json_t *obj = json_object_get(desired, "object"), *row, *seen, *resp;
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const struct rc_kind *k = rc_kind(kind);
	const char *rv, *seen_rv, *ns;
	char hash[65], err[512], nspath[320];
	long status;

	if (k == NULL || rc_hash(obj, hash) == -1) {
		rc_outcome(r, a, kind, path, "failed", "internal error: unknown "
		    "kind or out of memory", NULL, NULL);
		return;
	}
	if (r->down[0] != '\0') {
		row = json_object_get(rows, path);
		/* Say it once: a long outage must not rewrite every row. */
		if (!r->plan && row != NULL && strcmp(json_string_value(
		    json_object_get(row, "state")), "pending") == 0) {
			r->n.pending++;
			rc_event(r, a->name, kind, path, "pending", r->down);
			return;
		}
		rc_outcome(r, a, kind, path, "pending", r->down, NULL, NULL);
		return;
	}
	if (kind_err[k - rc_kinds][0] != '\0') {
		rc_outcome(r, a, kind, path, "failed", kind_err[k - rc_kinds],
		    NULL, NULL);
		return;
	}
	row = json_object_get(rows, path);
	seen = json_object_get(observed, path);
	seen_rv = json_string_value(json_object_get(json_object_get(seen,
	    "metadata"), "resourceVersion"));
	if (row != NULL && seen_rv != NULL &&
	    strcmp(json_string_value(json_object_get(row, "state")),
	    "applied") == 0 &&
	    strcmp(json_string_value(json_object_get(row, "hash")), hash) == 0 &&
	    strcmp(json_string_value(json_object_get(row, "resource_version")),
	    seen_rv) == 0) {
		r->n.unchanged++;
		rc_event(r, a->name, kind, path, "unchanged", "");
		return;
	}
	if (r->plan) {
		ns = json_string_value(json_object_get(json_object_get(obj,
		    "metadata"), "namespace"));
		snprintf(nspath, sizeof(nspath), "/api/v1/namespaces/%s",
		    ns ? ns : "");
		/* Not even a dry run can put an object in a namespace that
		 * does not exist yet: it is created with the namespace. */
		if (seen == NULL && ns != NULL &&
		    json_object_get(observed, nspath) == NULL) {
			r->n.applied++;
			json_array_append_new(r->changes, json_pack("{s:s, s:s, "
			    "s:s, s:s, s:[]}", "account", a->name, "kind", kind,
			    "path", path, "action", "create", "changes"));
			rc_event(r, a->name, kind, path, "create", "");
			return;
		}
		rc_plan_object(r, a, kind, path, obj, seen);
		return;
	}
	if (kube_apply(r->kube, path, obj, false, &status, &resp, err,
	    sizeof(err)) == -1) {
		if (status == 0)
			snprintf(r->down, sizeof(r->down), "%s", err);
		rc_outcome(r, a, kind, path, status == 0 ? "pending" : "failed",
		    err, NULL, NULL);
		json_decref(resp);
		return;
	}
	rv = json_string_value(json_object_get(json_object_get(resp,
	    "metadata"), "resourceVersion"));
	rc_outcome(r, a, kind, path, seen ? "updated" : "created", "", hash,
	    rv ? rv : "");
	json_decref(resp);
}

/* Deletes what meduse made for the account and no longer wants. */
static void
rc_prune_one(struct reconcile *r, const struct account *a, const char *path,
    const char *kind)
{
	const struct rc_kind *k = rc_kind(kind);
	char err[512];
	long status;

	if (k != NULL && k->keep)
		return;
	if (r->plan) {
		json_array_append_new(r->changes, json_pack("{s:s, s:s, s:s, "
		    "s:s, s:[]}", "account", a->name, "kind", kind, "path", path,
		    "action", "delete", "changes"));
		r->n.deleted++;
		rc_event(r, a->name, kind, path, "delete", "");
		return;
	}
	if (kube_delete(r->kube, path, false, &status, NULL, err,
	    sizeof(err)) == -1 && status != 404) {
		if (status == 0)
			snprintf(r->down, sizeof(r->down), "%s", err);
		r->n.failed++;
		rc_event(r, a->name, kind, path, "failed", err);
		return;
	}
	if (db_kobj_forget(r->db, a->id, path) == -1)
		r->n.dberrors++;
	r->n.deleted++;
	rc_event(r, a->name, kind, path, "deleted", "");
}

static void
rc_prune(struct reconcile *r, const struct account *a, json_t *want,
    json_t *rows, json_t *observed)
{
	const char *path, *kind;
	json_t *v;

	json_object_foreach(rows, path, v) {
		/* coder_sync.c and minio_sync.c keep their own rows. */
		if (strncmp(path, "coder:", 6) == 0 ||
		    strncmp(path, "minio:", 6) == 0)
			continue;
		if (r->down[0] == '\0' && json_object_get(want, path) == NULL)
			rc_prune_one(r, a, path, json_string_value(
			    json_object_get(v, "kind")));
	}
	/* Also what a crash left between the apply and its row. */
	json_object_foreach(observed, path, v) {
		kind = json_string_value(json_object_get(v, "kind"));
		if (r->down[0] == '\0' && json_object_get(want, path) == NULL &&
		    json_object_get(rows, path) == NULL && kind != NULL)
			rc_prune_one(r, a, path, kind);
	}
}

static void
rc_account(struct reconcile *r, const struct account *a,
    char kind_err[RC_NKINDS][512])
{
	json_t *desired = NULL, *rows = NULL, *want = NULL, *observed, *d;
	char err[256];
	size_t i;

	observed = json_object_get(r->observed, a->name);
	if (kdesired_build(r->cfg, a, &desired, err, sizeof(err)) == -1) {
		r->n.failed++;
		rc_event(r, a->name, "", "", "failed", err);
		goto out;
	}
	if ((rows = db_kobj_map(r->db, a->id)) == NULL ||
	    (want = json_object()) == NULL) {
		r->n.dberrors++;
		goto out;
	}
	/* First: its Secret goes with the others. */
	if (r->minio != NULL)
		minio_sync_account(r, a, observed, desired);
	json_array_foreach(desired, i, d) {
		json_object_set_new(want, json_string_value(json_object_get(d,
		    "path")), json_true());
		rc_object(r, a, d, rows, observed, kind_err);
	}
	rc_prune(r, a, want, rows, observed);
	if (r->coder != NULL)
		coder_sync_account(r, a);
out:
	json_decref(desired);
	json_decref(rows);
	json_decref(want);
}

/* Managed objects whose account is neither in the database nor purging. */
static void
rc_orphans(struct reconcile *r, const struct account *v, size_t n)
{
	json_t *purging = db_kpurge_list(r->db, NULL), *per, *p;
	const char *owner, *path;
	size_t i;

	json_object_foreach(r->observed, owner, per) {
		for (i = 0; i < n && strcmp(v[i].name, owner) != 0; i++)
			;
		if (i < n)
			continue;
		json_array_foreach(purging, i, p)
			if (strcmp(json_string_value(json_object_get(p,
			    "account")), owner) == 0)
				break;
		if (i < json_array_size(purging))
			continue;
		json_object_foreach(per, path, p) {
			r->n.orphans++;
			rc_event(r, owner, json_string_value(json_object_get(p,
			    "kind")), path, "orphan", "labelled for an account "
			    "meduse does not know; left alone");
		}
	}
	json_decref(purging);
}

int
reconcile_run(struct reconcile *r, const char *account)
{
	char kind_err[RC_NKINDS][512];
	struct account *v = NULL, one;
	unsigned long calls0 = kube_requests(r->kube) +
	    (r->coder ? coder_requests(r->coder) : 0) +
	    (r->minio ? minio_requests(r->minio) : 0);
	size_t i, n = 0;
	int rc = -1, g;

	memset(&one, 0, sizeof(one));
	memset(&r->n, 0, sizeof(r->n));
	r->down[0] = '\0';
	if (r->plan && r->changes == NULL && (r->changes = json_array()) == NULL)
		goto out;
	if (account == NULL) {
		if (db_account_list(r->db, &v, &n) == -1)
			goto out;
	} else if ((g = db_account_get(r->db, account, &one)) == 0) {
		v = &one;
		n = 1;
	} else if (g != DB_NOTFOUND)
		goto out;
	if (rc_observe(r, account, kind_err) == -1)
		goto out;
	r->coder_down[0] = '\0';
	r->coder_failed = false;
	r->coder_org[0] = '\0';
	r->ctemplates = json_object();
	if (r->coder != NULL)
		(void)coder_observe(r, account);
	r->minio_down[0] = '\0';
	if (r->minio != NULL)
		(void)minio_observe(r, account);
	rc_purge(r, account);
	for (i = 0; i < n; i++) {
		if (r->stop != NULL && r->stop(r->arg)) {
			snprintf(r->down, sizeof(r->down), "interrupted: accountd "
			    "is stopping");
			break;
		}
		rc_account(r, &v[i], kind_err);
	}
	if (account == NULL && r->down[0] == '\0')
		rc_orphans(r, v, n);
	rc = r->n.dberrors ? -1 : 0;
out:
	r->n.calls = kube_requests(r->kube) + (r->coder ?
	    coder_requests(r->coder) : 0) + (r->minio ?
	    minio_requests(r->minio) : 0) - calls0;
	json_decref(r->observed);
	json_decref(r->cusers);
	json_decref(r->cws);
	json_decref(r->ctemplates);
	json_decref(r->musers);
	r->musers = NULL;
	r->observed = r->cusers = r->cws = r->ctemplates = NULL;
	if (v == &one)
		account_clear(&one);
	else
		account_free_array(v, n);
	return rc;
}

/*
 * An outcome of the Coder or MinIO part of a pass (state: applied, pending
 * or failed): recorded (not in plan mode, where a create, update or stop is
 * listed instead), counted and reported.
 */
void
rc_service_outcome(struct reconcile *r, const struct account *a,
    const char *kind, const char *path, const char *outcome, const char *state,
    const char *message, const char *hash)
{
	if (!r->plan && db_kobj_record(r->db, a->id, path, kind, state,
	    message, hash, NULL) == -1)
		r->n.dberrors++;
	if (r->plan && (strcmp(outcome, "create") == 0 ||
	    strcmp(outcome, "update") == 0 || strcmp(outcome, "stop") == 0))
		json_array_append_new(r->changes, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:[]}", "account", a->name, "kind", kind, "path", path,
		    "action", outcome, "changes"));
	if (strcmp(state, "pending") == 0)
		r->n.pending++;
	else if (strcmp(state, "failed") == 0)
		r->n.failed++;
	else if (strcmp(outcome, "unchanged") == 0)
		r->n.unchanged++;
	else
		r->n.applied++;
	rc_event(r, a->name, kind, path, outcome, message);
}
