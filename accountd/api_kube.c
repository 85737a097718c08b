/*
 * api_kube.c: the kube.* methods.  They never talk to Kubernetes
 * themselves: sync, plan and pvcs queue a job for kworker.c and return its
 * id at once, kube.job reports a job's progress, and kube.status reads what
 * the reconciler recorded in the database.
 */
#include <stdio.h>
#include <string.h>

#include "accountd.h"
#include "units.h"

static int
api_kube_enabled(struct call *c)
{
	if (!kworker_enabled(c->ad->cfg))
		return api_fail(c, API_ERR_CONFLICT, "Kubernetes provisioning is "
		    "off: set kubernetes.kubeconfig or kubernetes.in_cluster in %s "
		    "and restart accountd", c->ad->cfg->path ? c->ad->cfg->path :
		    "meduse.yaml");
	return 0;
}

/* The optional "name": "" for all accounts. */
static int
api_kube_name(struct call *c, bool required, const char **name)
{
	struct account a;
	char err[256];

	if (api_get_string(c, "name", required, NAME_MAX_LEN * 2, name) == -1)
		return -1;
	if (*name == NULL) {
		*name = "";
		return 0;
	}
	snprintf(c->target, sizeof(c->target), "%s", *name);
	if (names_check_account(*name, err, sizeof(err)) == -1)
		return api_fail(c, API_ERR_INVALID, "%s", err);
	/* A purged account's namespace may still be on its way out. */
	if (api_get_account(c, &a) == -1) {
		json_t *p = db_kpurge_list(c->ad->db, *name);

		if (p != NULL && json_array_size(p) > 0) {
			c->code = API_OK;
			c->message[0] = '\0';
			json_decref(p);
			return 0;
		}
		json_decref(p);
		return -1;
	}
	account_clear(&a);
	return 0;
}

static int
api_kube_submit(struct call *c, enum kjob_type type, bool need_name)
{
	const char *name;
	unsigned long id;

	if (api_kube_enabled(c) == -1 || api_kube_name(c, need_name, &name) == -1)
		return -1;
	if ((id = kworker_submit(type, name)) == 0)
		return api_fail(c, API_ERR_CONFLICT, "the reconciler has too many "
		    "jobs waiting: try again in a minute");
	c->result = json_pack("{s:I}", "job", (json_int_t)id);
	return 0;
}

int
api_kube_sync(struct call *c)
{
	return api_kube_submit(c, KJOB_SYNC, false);
}

int
api_kube_plan(struct call *c)
{
	return api_kube_submit(c, KJOB_PLAN, false);
}

int
api_kube_pvcs(struct call *c)
{
	return api_kube_submit(c, KJOB_PVCS, true);
}

int
api_kube_job(struct call *c)
{
	json_t *job = json_object_get(c->params, "job");
	json_t *since = json_object_get(c->params, "since");

	if (!json_is_integer(job) || json_integer_value(job) <= 0 ||
	    (since != NULL && (!json_is_integer(since) ||
	    json_integer_value(since) < 0)))
		return api_fail(c, API_ERR_BAD_REQUEST, "\"job\" must be a job id "
		    "and \"since\" an event index");
	c->result = kworker_job((unsigned long)json_integer_value(job),
	    since ? (size_t)json_integer_value(since) : 0);
	if (c->result == NULL)
		return api_fail(c, API_ERR_NOT_FOUND, "no job %lld: it finished "
		    "long ago or never existed", (long long)json_integer_value(job));
	return 0;
}

/* One account's objects: [{kind, path, state, message, attempted, applied}] */
static json_t *
api_kube_objects(struct accountd *ad, const struct account *a)
{
	json_t *map = db_kobj_map(ad->db, a->id), *arr = json_array(), *v;
	const char *path;

	if (map == NULL || arr == NULL)
		goto fail;
	json_object_foreach(map, path, v) {
		json_object_set_new(v, "path", json_string(path));
		json_object_set_new(v, "attempted", dates_json(json_integer_value(
		    json_object_get(v, "attempted"))));
		json_object_set_new(v, "applied", dates_json(json_integer_value(
		    json_object_get(v, "applied"))));
		json_object_del(v, "hash");
		json_array_append(arr, v);
	}
	json_decref(map);
	return arr;
fail:
	json_decref(map);
	json_decref(arr);
	return NULL;
}

int
api_kube_status(struct call *c)
{
	struct account *v = NULL, one;
	json_t *accounts, *objs, *purges, *p;
	const char *name;
	size_t i, n = 0;
	int rc = -1;

	memset(&one, 0, sizeof(one));
	if (api_get_string(c, "name", false, NAME_MAX_LEN * 2, &name) == -1)
		return -1;
	if (name != NULL) {
		if (api_get_account(c, &one) == -1)
			return -1;
		v = &one;
		n = 1;
	} else if (db_account_list(c->ad->db, &v, &n) == -1)
		return api_db_fail(c);
	if ((accounts = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((objs = api_kube_objects(c->ad, &v[i])) == NULL) {
			json_decref(accounts);
			api_db_fail(c);
			goto out;
		}
		json_array_append_new(accounts, json_pack("{s:s, s:s, s:o}",
		    "name", v[i].name, "state", account_state_name(
		    account_state(&v[i])), "objects", objs));
	}
	if ((purges = db_kpurge_list(c->ad->db, name)) == NULL) {
		json_decref(accounts);
		api_db_fail(c);
		goto out;
	}
	json_array_foreach(purges, i, p) {
		json_object_set_new(p, "requested", dates_json(json_integer_value(
		    json_object_get(p, "requested"))));
		json_object_set_new(p, "attempted", dates_json(json_integer_value(
		    json_object_get(p, "attempted"))));
	}
	c->result = json_pack("{s:o, s:o, s:o}", "reconciler", kworker_info(),
	    "accounts", accounts, "purges", purges);
	rc = 0;
out:
	if (v == &one)
		account_clear(&one);
	else
		account_free_array(v, n);
	return rc;
}

/*
 * For account.quota and a re-run account.add: a PVC can only grow, so a
 * home smaller than the PVC already made is refused before it is stored.
 */
int
api_kube_check_home(struct call *c, const struct account *a,
    const struct quota *q)
{
	char ns[128], path[256], from[32], to[32];
	int r;

	if (q->home_bytes >= a->quota.home_bytes ||
	    kdesired_namespace(c->ad->cfg, a->name, ns, sizeof(ns)) == -1)
		return 0;
	snprintf(path, sizeof(path),
	    "/api/v1/namespaces/%s/persistentvolumeclaims/home", ns);
	if ((r = db_kobj_existed(c->ad->db, a->id, path)) == -1)
		return api_db_fail(c);
	if (r == 0)
		return 0;
	units_format_bytes(a->quota.home_bytes, from, sizeof(from));
	units_format_bytes(q->home_bytes, to, sizeof(to));
	return api_fail(c, API_ERR_CONFLICT, "home cannot shrink from %s to %s: "
	    "the PVC home in namespace %s already has %s, and a "
	    "PersistentVolumeClaim can only grow.  Keep --home %s or larger (to "
	    "shrink it, copy the data to a new, smaller PVC by hand)", from, to,
	    ns, from, from);
}
