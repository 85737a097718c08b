/*
 * api_account.c: the account methods.  Inputs are untrusted parameters from
 * a peer already authorised by api.c; every name and value is validated
 * before it reaches the database, and a handler that fails leaves the
 * transaction to be rolled back by api.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accountd.h"
#include "minio.h"
#include "units.h"

json_t *
api_account_json(struct accountd *ad, const struct account *a, bool full)
{
	json_t *j;

	j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o}",
	    "name", a->name,
	    "display_name", a->display_name ? a->display_name : "",
	    "email", a->email ? a->email : "",
	    "state", account_state_name(account_state(a)),
	    "locked", a->locked,
	    "expires", a->expires[0] ? json_string(a->expires) : json_null(),
	    "created", dates_json(a->created),
	    "updated", dates_json(a->updated),
	    "deleted", dates_json(a->deleted),
	    "quota", api_quota_json(&a->quota));
	if (j != NULL && a->gateway_pubkey && a->gateway_pubkey[0])
		json_object_set_new(j, "gateway_public_key",
		    json_string(a->gateway_pubkey));
	if (j == NULL || !full)
		return j;
	json_object_set_new(j, "keys", db_key_list(ad->db, a->id));
	json_object_set_new(j, "workspaces", db_workspace_list(ad->db, a->id));
	return j;
}

/* Free text shown to admins: bounded, printable, one line. */
static int
api_check_text(struct call *c, const char *what, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return api_fail(c, API_ERR_INVALID, "%s contains a control "
			    "character", what);
	return 0;
}

static int
api_check_email(struct call *c, const char *s)
{
	const char *at = strchr(s, '@');

	if (*s == '\0')
		return 0;
	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') ||
	    strpbrk(s, " \t\"<>,;"))
		return api_fail(c, API_ERR_INVALID, "'%.64s' is not an email "
		    "address (expected user@domain)", s);
	return api_check_text(c, "email", s);
}

static int
api_get_expires(struct call *c, bool required, const char **out)
{
	char err[128];

	if (api_get_string(c, "expires", required, 16, out) == -1)
		return -1;
	if (*out && **out && dates_check_day(*out, err, sizeof(err)) == -1)
		return api_fail(c, API_ERR_INVALID, "expires: %s", err);
	return 0;
}

/*
 * Brings an existing account in line with an `add` that names it again:
 * fields given are set, keys it lacks are added, nothing is removed.  This
 * is what makes `accountctl add` safe to re-run.
 */
static int
api_account_converge(struct call *c, struct account *a, const char *display,
    const char *email, const char *expires, json_t *keys)
{
	struct quota q = a->quota;
	int added;

	if (a->deleted)
		return api_fail(c, API_ERR_CONFLICT, "account %s was deleted: "
		    "unlock it (accountctl unlock %s) to bring it back, or purge "
		    "it (accountctl del %s --purge) to start afresh", a->name,
		    a->name, a->name);
	if (api_quota_parse(c, json_object_get(c->params, "quota"), &q) == -1)
		return -1;
	if ((display || email) && db_account_set_info(c->ad->db, a->id, display,
	    email) != 0)
		return api_db_fail(c);
	if (expires && db_account_set_expires(c->ad->db, a->id, expires) != 0)
		return api_db_fail(c);
	if (api_kube_check_home(c, a, &q) == -1)
		return -1;
	if (memcmp(&q, &a->quota, sizeof(q)) != 0 &&
	    db_quota_set(c->ad->db, a->id, &q) != 0)
		return api_db_fail(c);
	if (api_keys_insert(c, a, keys, &added) == -1)
		return -1;
	if (added && db_account_touch(c->ad->db, a->id) != 0)
		return api_db_fail(c);
	return 0;
}

/*
 * A new account must not take over the namespace of a purged one that is
 * still to be deleted: the deletion would take the newcomer's home with it.
 */
static int
api_account_purging(struct call *c, const char *name)
{
	json_t *rows = db_kpurge_list(c->ad->db, name), *p;
	size_t i;
	int rc = 0;

	if (rows == NULL)
		return api_db_fail(c);
	json_array_foreach(rows, i, p) {
		/* A bucket still to delete is the old account's data. */
		if (json_is_true(json_object_get(p, "keep")) &&
		    *json_string_value(json_object_get(p, "bucket")) == '\0')
			continue;
		rc = api_fail(c, API_ERR_CONFLICT, "the namespace %s of the purged "
		    "account %s is still to be deleted (%s%s%s): wait for it "
		    "(accountctl status); when it failed, deal with the PVCs it names or "
		    "delete the namespace by hand, and the next pass finishes it", json_string_value(
		    json_object_get(p, "namespace")), name, json_string_value(
		    json_object_get(p, "state")), *json_string_value(
		    json_object_get(p, "message")) ? ": " : "",
		    json_string_value(json_object_get(p, "message")));
		break;
	}
	json_decref(rows);
	return rc;
}

int
api_account_add(struct call *c)
{
	struct account a;
	const char *name, *display, *email, *expires;
	char err[256];
	json_t *keys;
	bool created = false;
	int r, added, rc = -1;

	memset(&a, 0, sizeof(a));
	if (api_get_string(c, "name", true, NAME_MAX_LEN * 2, &name) == -1)
		goto out;
	snprintf(c->target, sizeof(c->target), "%s", name);
	if (names_check_account(name, err, sizeof(err)) == -1) {
		api_fail(c, API_ERR_INVALID, "%s", err);
		goto out;
	}
	if (api_get_string(c, "display_name", false, 128, &display) == -1 ||
	    (display && api_check_text(c, "display name", display) == -1) ||
	    api_get_string(c, "email", false, 254, &email) == -1 ||
	    (email && api_check_email(c, email) == -1) ||
	    api_get_expires(c, false, &expires) == -1)
		goto out;
	keys = json_object_get(c->params, "keys");
	if (!json_is_array(keys) || json_array_size(keys) == 0) {
		api_fail(c, API_ERR_INVALID, "an account needs at least one public "
		    "key (\"keys\": [\"ssh-ed25519 AAAA...\"])");
		goto out;
	}
	r = db_account_get(c->ad->db, name, &a);
	if (r == 0) {
		if (api_account_converge(c, &a, display, email, expires, keys) == -1)
			goto out;
	} else if (r == DB_NOTFOUND) {
		if (api_account_purging(c, name) == -1)
			goto out;
		snprintf(a.name, sizeof(a.name), "%s", name);
		snprintf(a.expires, sizeof(a.expires), "%s", expires ? expires : "");
		a.quota = c->ad->cfg->default_quota;
		if (api_quota_parse(c, json_object_get(c->params, "quota"),
		    &a.quota) == -1)
			goto out;
		/* display_name and email are borrowed from params until cleared. */
		a.display_name = (char *)(display ? display : "");
		a.email = (char *)(email ? email : "");
		r = db_account_insert(c->ad->db, &a);
		a.display_name = a.email = NULL;
		if (r != 0 || db_workspace_add(c->ad->db, a.id,
		    c->ad->cfg->coder.default_workspace, true) != 0) {
			api_db_fail(c);
			goto out;
		}
		if (gwkey_prepare(c, name, &a.gateway_pubkey) == -1) {
			api_fail(c, API_ERR_INTERNAL, "cannot write the account's "
			    "gateway key (see the accountd log)");
			goto out;
		}
		if (db_account_set_gateway_key(c->ad->db, a.id,
		    a.gateway_pubkey) != 0) {
			api_db_fail(c);
			goto out;
		}
		if (api_keys_insert(c, &a, keys, &added) == -1)
			goto out;
		created = true;
	} else {
		api_db_fail(c);
		goto out;
	}
	account_clear(&a);
	if (db_account_get(c->ad->db, name, &a) != 0) {
		api_db_fail(c);
		goto out;
	}
	if (!created && c->detail[0] == '\0')
		snprintf(c->detail, sizeof(c->detail), "exists, converged");
	c->result = api_account_json(c->ad, &a, true);
	json_object_set_new(c->result, "new", json_boolean(created));
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

/* A Kubernetes object name (DNS-1123 subdomain): never a space, our separator. */
static bool
api_k8s_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 253 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-.") == n && s[0] != '-' && s[0] != '.' &&
	    s[n - 1] != '-' && s[n - 1] != '.';
}

/*
 * A purge deletes the account's namespace, and every PVC in it, only when
 * the caller names those PVCs (confirm_pvcs, from kube.pvcs): the
 * reconciler deletes it later, and refuses if other PVCs appeared since.
 */
static int
api_account_purge_namespace(struct call *c, const struct account *a,
    const char *bucket, json_t *detail)
{
	json_t *confirm = json_object_get(c->params, "confirm_pvcs");
	json_t *keep = json_object_get(c->params, "keep_namespace"), *v;
	char ns[128], pvcs[1024] = "", word[128] = "", stored[1024];
	size_t i;

	if (!kworker_enabled(c->ad->cfg))
		return 0;
	if (*bucket != '\0')
		snprintf(word, sizeof(word), KPURGE_BUCKET_TAG "%s", bucket);
	if (keep != NULL && !json_is_boolean(keep))
		return api_fail(c, API_ERR_BAD_REQUEST, "\"keep_namespace\" must "
		    "be a boolean");
	if (kdesired_namespace(c->ad->cfg, a->name, ns, sizeof(ns)) == -1)
		return 0;
	/* The data stays; the user's access (RoleBinding, Secret) goes. */
	if (json_is_true(keep)) {
		if (db_kpurge_add(c->ad->db, ns, a->name, word, true) != 0)
			return api_db_fail(c);
		snprintf(c->detail, sizeof(c->detail), "purged; namespace %s "
		    "kept%s%s", ns, *bucket ? "; bucket to delete: " : "", bucket);
		return 0;
	}
	if (!json_is_array(confirm))
		return api_fail(c, API_ERR_INVALID, "purging %s deletes namespace "
		    "%s and every PVC in it: name them in \"confirm_pvcs\" (as "
		    "accountctl del --purge does), or pass \"keep_namespace\"",
		    a->name, ns);
	json_array_foreach(confirm, i, v) {
		if (!json_is_string(v) || !api_k8s_name(json_string_value(v)) ||
		    strlen(pvcs) + json_string_length(v) + 2 > sizeof(pvcs))
			return api_fail(c, API_ERR_INVALID, "confirm_pvcs: "
			    "\"%.64s\" is not a PVC name", json_is_string(v) ?
			    json_string_value(v) : "?");
		snprintf(pvcs + strlen(pvcs), sizeof(pvcs) - strlen(pvcs),
		    "%s%s", i ? " " : "", json_string_value(v));
	}
	/* The bucket rides along as the last word (db_kube.c). */
	if ((size_t)snprintf(stored, sizeof(stored), "%s%s%s", pvcs,
	    *pvcs && *word ? " " : "", word) >= sizeof(stored))
		return api_fail(c, API_ERR_INVALID, "confirm_pvcs: too many PVCs");
	if (db_kpurge_add(c->ad->db, ns, a->name, stored, false) != 0)
		return api_db_fail(c);
	json_object_set_new(detail, "namespace", json_string(ns));
	snprintf(c->detail, sizeof(c->detail), "purged; namespace %s to delete "
	    "with PVCs: %s%s%s", ns, *pvcs ? pvcs : "none", *bucket ?
	    "; bucket to delete: " : "", bucket);
	return 0;
}

/*
 * The bucket a purge is to delete (delete_bucket): only with purge, and
 * only the account's own bucket, named in full as a check that the admin
 * means it.  bucket "" when none is to go.
 */
static int
api_account_purge_bucket(struct call *c, const struct account *a, bool purge,
    char *bucket, size_t len)
{
	json_t *v = json_object_get(c->params, "delete_bucket");
	char want[MINIO_BUCKET_MAX + 1], err[256];

	bucket[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return api_fail(c, API_ERR_BAD_REQUEST, "\"delete_bucket\" must be "
		    "a string");
	if (!purge)
		return api_fail(c, API_ERR_INVALID, "delete_bucket goes with "
		    "purge; nothing was changed");
	if (c->ad->cfg->minio.endpoint == NULL ||
	    *c->ad->cfg->minio.endpoint == '\0' ||
	    !kworker_enabled(c->ad->cfg))
		return api_fail(c, API_ERR_INVALID, "delete_bucket: MinIO and "
		    "Kubernetes provisioning are not both configured, there is no "
		    "bucket to delete; nothing was changed");
	if (minio_bucket_name(c->ad->cfg->minio.bucket_prefix, a->name, want,
	    sizeof(want), err, sizeof(err)) == -1)
		return api_fail(c, API_ERR_INVALID, "delete_bucket: %s", err);
	if (strcmp(json_string_value(v), want) != 0)
		return api_fail(c, API_ERR_INVALID, "delete_bucket: \"%.64s\" is "
		    "not the bucket of %s (%s); nothing was changed",
		    json_string_value(v), a->name, want);
	snprintf(bucket, len, "%s", want);
	return 0;
}

int
api_account_del(struct call *c)
{
	struct account a;
	json_t *purge = json_object_get(c->params, "purge");
	char bucket[MINIO_BUCKET_MAX + 1];
	int rc = -1;

	if (api_get_account(c, &a) == -1)
		goto out;
	if (purge != NULL && !json_is_boolean(purge)) {
		api_fail(c, API_ERR_BAD_REQUEST, "\"purge\" must be a boolean");
		goto out;
	}
	if (api_account_purge_bucket(c, &a, json_is_true(purge), bucket,
	    sizeof(bucket)) == -1)
		goto out;
	if (json_is_true(purge)) {
		c->result = json_pack("{s:s, s:b}", "name", a.name, "purged", 1);
		if (*bucket != '\0')
			json_object_set_new(c->result, "delete_bucket",
			    json_string(bucket));
		snprintf(c->detail, sizeof(c->detail), "purged");
		if (api_account_purge_namespace(c, &a, bucket, c->result) == -1)
			goto out;
		if (db_account_purge(c->ad->db, a.id) != 0) {
			api_db_fail(c);
			goto out;
		}
		c->on_commit = gwkey_remove;
	} else {
		if (db_key_delete_all(c->ad->db, a.id) != 0 ||
		    db_account_mark_deleted(c->ad->db, a.id) != 0) {
			api_db_fail(c);
			goto out;
		}
		account_clear(&a);
		if (db_account_get(c->ad->db, c->target, &a) != 0) {
			api_db_fail(c);
			goto out;
		}
		c->result = api_account_json(c->ad, &a, true);
	}
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

int
api_account_list(struct call *c)
{
	struct account *v;
	size_t i, n;
	json_t *arr, *j;
	int64_t nkeys;

	if (db_account_list(c->ad->db, &v, &n) == -1)
		return api_db_fail(c);
	arr = json_array();
	for (i = 0; i < n; i++) {
		j = api_account_json(c->ad, &v[i], false);
		if (db_key_count(c->ad->db, v[i].id, &nkeys) == 0)
			json_object_set_new(j, "keys", json_integer(nkeys));
		json_array_append_new(arr, j);
	}
	account_free_array(v, n);
	c->result = json_pack("{s:o}", "accounts", arr);
	return 0;
}

int
api_account_show(struct call *c)
{
	struct account a;

	if (api_get_account(c, &a) == -1)
		return -1;
	c->result = api_account_json(c->ad, &a, true);
	account_clear(&a);
	return 0;
}

static int
api_account_set_lock(struct call *c, bool locked)
{
	struct account a;
	int rc = -1;

	if (api_get_account(c, &a) == -1)
		goto out;
	if (db_account_set_locked(c->ad->db, a.id, locked) != 0) {
		api_db_fail(c);
		goto out;
	}
	account_clear(&a);
	if (db_account_get(c->ad->db, c->target, &a) != 0) {
		api_db_fail(c);
		goto out;
	}
	c->result = api_account_json(c->ad, &a, false);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

int
api_account_lock(struct call *c)
{
	return api_account_set_lock(c, true);
}

int
api_account_unlock(struct call *c)
{
	return api_account_set_lock(c, false);
}

int
api_account_quota(struct call *c)
{
	struct account a;
	struct quota q;
	json_t *qj = NULL;
	char *qs = NULL;
	int rc = -1;

	if (api_get_account(c, &a) == -1)
		goto out;
	q = a.quota;
	if (api_quota_parse(c, json_object_get(c->params, "quota"), &q) == -1)
		goto out;
	/* The audit record keeps the quota as it became. */
	qj = api_quota_json(&q);
	qs = qj ? json_dumps(qj, JSON_COMPACT) : NULL;
	snprintf(c->detail, sizeof(c->detail), "%s", qs ? qs : "");
	if (api_kube_check_home(c, &a, &q) == -1)
		goto out;
	if (db_quota_set(c->ad->db, a.id, &q) != 0) {
		api_db_fail(c);
		goto out;
	}
	account_clear(&a);
	if (db_account_get(c->ad->db, c->target, &a) != 0) {
		api_db_fail(c);
		goto out;
	}
	c->result = api_account_json(c->ad, &a, false);
	rc = 0;
out:
	free(qs);
	json_decref(qj);
	account_clear(&a);
	return rc;
}

int
api_account_expire(struct call *c)
{
	struct account a;
	const char *expires;
	int rc = -1;

	if (api_get_account(c, &a) == -1 || api_get_expires(c, true, &expires) == -1)
		goto out;
	if (db_account_set_expires(c->ad->db, a.id, expires) != 0) {
		api_db_fail(c);
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "expires %s",
	    expires && *expires ? expires : "never");
	account_clear(&a);
	if (db_account_get(c->ad->db, c->target, &a) != 0) {
		api_db_fail(c);
		goto out;
	}
	c->result = api_account_json(c->ad, &a, false);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

int
api_account_state(struct call *c)
{
	struct account a;

	if (api_get_account(c, &a) == -1)
		return -1;
	c->result = json_pack("{s:s, s:s, s:o}", "name", a.name, "state",
	    account_state_name(account_state(&a)), "expires",
	    a.expires[0] ? json_string(a.expires) : json_null());
	account_clear(&a);
	return 0;
}
