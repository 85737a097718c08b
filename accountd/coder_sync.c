/*
 * coder_sync.c: the Coder part of a reconcile pass.  Each account gets a
 * Coder user and the workspaces of its workspaces table (the default one
 * made by add, more by workspace.add), created from coder.template with
 * rich parameters taken from the account; what already exists is adopted,
 * never duplicated.  A locked or deleted account's running workspaces are
 * stopped; unlocking starts nothing.  Outcomes go into kobjects like the
 * cluster's, under paths "coder:/users/NAME[/workspace/WS]".
 *
 * Like the Kubernetes side, a pass observes first (every user and every
 * workspace in two requests, or the one account's) and then only sends
 * what is missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accountd.h"
#include "coder.h"
#include "log.h"
#include "reconcile.h"
#include "units.h"

#define CODER_PREFIX	"coder:"

/* Lists users and workspaces: r->cusers {name: user}, r->cws {"o/n": ws}. */
int
coder_observe(struct reconcile *r, const char *account)
{
	json_t *resp = NULL, *u, *list;
	char err[512], key[2 * NAME_MAX_LEN + 2];
	size_t i;
	long status;
	int rc;

	r->cusers = json_object();
	r->cws = json_object();
	if (account != NULL) {
		rc = coder_user_get(r->coder, account, &status, &resp, err,
		    sizeof(err));
		if (rc == 0)
			json_object_set(r->cusers, account, resp);
		json_decref(resp);
		resp = NULL;
		if (rc == -1 && status != 404)
			goto fail;
		rc = coder_workspace_list(r->coder, account, &status, &resp,
		    err, sizeof(err));
	} else {
		rc = coder_user_list(r->coder, &status, &resp, err,
		    sizeof(err));
		if (rc == -1)
			goto fail;
		json_array_foreach(json_object_get(resp, "users"), i, u)
			if (json_is_string(json_object_get(u, "username")))
				json_object_set(r->cusers, json_string_value(
				    json_object_get(u, "username")), u);
		json_decref(resp);
		resp = NULL;
		rc = coder_workspace_list_all(r->coder, &status, &resp, err,
		    sizeof(err));
	}
	if (rc == -1)
		goto fail;
	list = json_object_get(resp, "workspaces");
	json_array_foreach(list, i, u) {
		snprintf(key, sizeof(key), "%s/%s", json_string_value(
		    json_object_get(u, "owner_name")) ? json_string_value(
		    json_object_get(u, "owner_name")) : "", json_string_value(
		    json_object_get(u, "name")) ? json_string_value(
		    json_object_get(u, "name")) : "");
		json_object_set(r->cws, key, u);
	}
	json_decref(resp);
	return 0;
fail:
	json_decref(resp);
	snprintf(r->coder_down, sizeof(r->coder_down), "%s", err);
	if (status != 0)
		r->coder_failed = true;
	return -1;
}

/*
 * The default organization's id (r->coder_org) and the id of template name
 * ("" for coder.template) into id; each fetched once per pass.
 */
static int
coder_template(struct reconcile *r, const char *name, const char **id,
    char *err, size_t errlen)
{
	json_t *org = NULL, *tpl = NULL;
	const char *v;
	long status;
	int rc = -1;

	if (name == NULL || name[0] == '\0')
		name = r->cfg->coder.template_name;
	if (name[0] == '\0') {
		snprintf(err, errlen, "coder.template is not set: meduse does not "
		    "know which template to create workspaces from");
		return -1;
	}
	if ((*id = json_string_value(json_object_get(r->ctemplates,
	    name))) != NULL)
		return 0;
	if (r->coder_org[0] == '\0') {
		if (coder_org_get(r->coder, "default", &status, &org, err,
		    errlen) == -1)
			goto out;
		if ((v = json_string_value(json_object_get(org, "id"))) == NULL) {
			snprintf(err, errlen, "Coder's default organization has "
			    "no id");
			goto out;
		}
		snprintf(r->coder_org, sizeof(r->coder_org), "%s", v);
	}
	if (coder_template_get(r->coder, r->coder_org, name, &status, &tpl, err,
	    errlen) == -1) {
		if (status == 404)
			snprintf(err, errlen, "Coder has no template \"%s\" in "
			    "its default organization", name);
		goto out;
	}
	if ((v = json_string_value(json_object_get(tpl, "id"))) == NULL) {
		snprintf(err, errlen, "template %s has no id", name);
		goto out;
	}
	json_object_set_new(r->ctemplates, name, json_string(v));
	*id = json_string_value(json_object_get(r->ctemplates, name));
	rc = 0;
out:
	json_decref(org);
	json_decref(tpl);
	return rc;
}

/* Records an outcome of the Coder side (not in plan mode) and reports it. */
static void
coder_outcome(struct reconcile *r, const struct account *a, const char *kind,
    const char *path, const char *outcome, const char *message, long status)
{
	const char *state = strcmp(outcome, "pending") == 0 ? "pending" :
	    strcmp(outcome, "failed") == 0 ? "failed" : "applied";

	if (status == 0 && strcmp(outcome, "failed") == 0)
		state = outcome = "pending";
	rc_service_outcome(r, a, kind, path, outcome, state, message, NULL);
}

static int
coder_user(struct reconcile *r, const struct account *a, const char *path)
{
	char err[512], err2[512], email[NAME_MAX_LEN + 32];
	json_t *req, *resp = NULL;
	const char *tid;
	long status = 0;

	if (json_object_get(r->cusers, a->name) != NULL) {
		coder_outcome(r, a, "CoderUser", path, "unchanged", "", 200);
		return 0;
	}
	if (r->plan) {
		coder_outcome(r, a, "CoderUser", path, "create", "", 200);
		return 0;
	}
	if (coder_template(r, "", &tid, err, sizeof(err)) == -1) {
		coder_outcome(r, a, "CoderUser", path, "failed", err, 1);
		return -1;
	}
	/* Coder wants an email; .invalid (RFC 2606) never delivers. */
	snprintf(email, sizeof(email), "%s@meduse.invalid", a->name);
	req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "username", a->name,
	    "email", a->email && a->email[0] ? a->email : email, "name",
	    a->display_name && a->display_name[0] ? a->display_name : a->name,
	    "login_type", r->cfg->coder.login_type, "user_status", "active",
	    "organization_ids", r->coder_org);
	if (req == NULL || coder_user_create(r->coder, req, &status, &resp, err,
	    sizeof(err)) == -1) {
		json_decref(req);
		json_decref(resp);
		/* Made meanwhile, or past the page the listing showed: adopt it
		 * (a 409 for another user's email stays a failure). */
		if (status == 409 && coder_user_get(r->coder, a->name, &status,
		    &resp, err2, sizeof(err2)) == 0) {
			json_object_set_new(r->cusers, a->name, resp);
			coder_outcome(r, a, "CoderUser", path, "unchanged", "",
			    200);
			return 0;
		}
		if (status == 0)
			snprintf(r->coder_down, sizeof(r->coder_down), "%s", err);
		coder_outcome(r, a, "CoderUser", path, "failed", err, status);
		return -1;
	}
	json_decref(req);
	json_object_set_new(r->cusers, a->name, resp);
	coder_outcome(r, a, "CoderUser", path, "created", "", 201);
	return 0;
}

static void
coder_workspace(struct reconcile *r, const struct account *a, const char *ws,
    const char *tpl, const char *path)
{
	char key[2 * NAME_MAX_LEN + 2], err[512];
	const char *st, *id, *tid;
	json_t *w, *req, *resp = NULL;
	long status = 0;

	snprintf(key, sizeof(key), "%s/%s", a->name, ws);
	if ((w = json_object_get(r->cws, key)) == NULL) {
		/* A locked or deleted account gets no new workspace (it would
		 * start at once); unlock brings the creation. */
		if (a->deleted || a->locked)
			return;
		if (r->plan) {
			coder_outcome(r, a, "CoderWorkspace", path, "create", "",
			    200);
			return;
		}
		if (coder_template(r, tpl, &tid, err, sizeof(err)) == -1) {
			coder_outcome(r, a, "CoderWorkspace", path, "failed", err,
			    1);
			return;
		}
		req = json_pack("{s:s, s:s, s:o, s:s}", "template_id", tid,
		    "name", ws, "rich_parameter_values",
		    kdesired_coder_params(r->cfg, a), "automatic_updates", "never");
		if (req == NULL || coder_workspace_create(r->coder, a->name, req,
		    &status, &resp, err, sizeof(err)) == -1) {
			if (status == 0)
				snprintf(r->coder_down, sizeof(r->coder_down),
				    "%s", err);
			/* It exists after all (made meanwhile): adopted. */
			if (status == 409)
				coder_outcome(r, a, "CoderWorkspace", path,
				    "unchanged", "", 200);
			else
				coder_outcome(r, a, "CoderWorkspace", path,
				    "failed", err, status);
		} else
			coder_outcome(r, a, "CoderWorkspace", path, "created", "",
			    201);
		json_decref(req);
		json_decref(resp);
		return;
	}
	st = coder_ws_status(w);
	id = json_string_value(json_object_get(w, "id"));
	/* Locked or deleted: nobody may use it, so it must not run. */
	if ((a->locked || a->deleted) && id != NULL &&
	    (strcmp(st, "running") == 0 || strcmp(st, "starting") == 0 ||
	    strcmp(st, "pending") == 0)) {
		if (r->plan) {
			coder_outcome(r, a, "CoderWorkspace", path, "stop", "", 200);
			return;
		}
		if (coder_build(r->coder, id, "stop", NULL, &status, &resp, err,
		    sizeof(err)) == -1) {
			if (status == 0)
				snprintf(r->coder_down, sizeof(r->coder_down),
				    "%s", err);
			/* A build is under way: stop it at the next pass. */
			if (status == 409)
				coder_outcome(r, a, "CoderWorkspace", path,
				    "pending", "a build is in progress: stopped at "
				    "the next pass", 409);
			else
				coder_outcome(r, a, "CoderWorkspace", path,
				    "failed", err, status);
		} else
			coder_outcome(r, a, "CoderWorkspace", path, "stopped", "",
			    201);
		json_decref(resp);
		return;
	}
	coder_outcome(r, a, "CoderWorkspace", path, "unchanged", "", 200);
}

/* Workspaces meduse made that the account no longer has: deleted in Coder. */
static void
coder_prune(struct reconcile *r, const struct account *a, json_t *want)
{
	json_t *rows = db_kobj_map(r->db, a->id), *v, *w, *resp = NULL;
	const char *path, *ws, *id;
	char key[2 * NAME_MAX_LEN + 2], err[512];
	long status = 0;

	json_object_foreach(rows, path, v) {
		if (strcmp(json_string_value(json_object_get(v, "kind")),
		    "CoderWorkspace") != 0 || json_object_get(want, path) != NULL)
			continue;
		ws = strrchr(path, '/') + 1;
		snprintf(key, sizeof(key), "%s/%s", a->name, ws);
		w = json_object_get(r->cws, key);
		id = json_string_value(json_object_get(w, "id"));
		if (r->plan) {
			json_array_append_new(r->changes, json_pack("{s:s, s:s, "
			    "s:s, s:s, s:[]}", "account", a->name, "kind",
			    "CoderWorkspace", "path", path, "action", "delete",
			    "changes"));
			r->n.deleted++;
			rc_event(r, a->name, "CoderWorkspace", path, "delete", "");
			continue;
		}
		if (id != NULL && coder_build(r->coder, id, "delete", NULL, &status,
		    &resp, err, sizeof(err)) == -1 && status != 404) {
			if (status == 0)
				snprintf(r->coder_down, sizeof(r->coder_down),
				    "%s", err);
			r->n.failed++;
			rc_event(r, a->name, "CoderWorkspace", path, "failed", err);
			json_decref(resp);
			resp = NULL;
			continue;
		}
		json_decref(resp);
		resp = NULL;
		if (db_kobj_forget(r->db, a->id, path) == -1)
			r->n.dberrors++;
		r->n.deleted++;
		rc_event(r, a->name, "CoderWorkspace", path, "deleted", "");
	}
	json_decref(rows);
}

void
coder_sync_account(struct reconcile *r, const struct account *a)
{
	char path[128 + 2 * NAME_MAX_LEN];
	json_t *list, *want, *w;
	const char *ws;
	size_t i;

	if ((list = db_workspace_list(r->db, a->id)) == NULL ||
	    (want = json_object()) == NULL) {
		json_decref(list);
		r->n.dberrors++;
		return;
	}
	snprintf(path, sizeof(path), CODER_PREFIX "/users/%s", a->name);
	/* Coder did not answer (or refused the listing): say so, send nothing. */
	if (r->coder_down[0] != '\0') {
		coder_outcome(r, a, "CoderUser", path, r->coder_failed ?
		    "failed" : "pending", r->coder_down, 1);
		goto out;
	}
	if (!a->deleted && coder_user(r, a, path) == -1)
		goto out;
	json_array_foreach(list, i, w) {
		ws = json_string_value(json_object_get(w, "name"));
		snprintf(path, sizeof(path), CODER_PREFIX "/users/%s/workspace/%s",
		    a->name, ws);
		json_object_set_new(want, path, json_true());
		if (r->coder_down[0] != '\0')
			break;
		coder_workspace(r, a, ws, json_string_value(json_object_get(w,
		    "template")), path);
	}
	if (r->coder_down[0] == '\0')
		coder_prune(r, a, want);
out:
	json_decref(list);
	json_decref(want);
}
