/*
 * api_self.c: what a user may do to their own account through meduse-shell
 * (`ssh alice@meduse meduse COMMAND`): list, add and remove their keys, and
 * ask about, start and stop their workspaces (self_job.c).  The caller is
 * the gateway (gateway group), trusted to name the account it
 * authenticated, as with auth.login; the account must be active.  A key
 * change also names the key the login used ("by"), which must still be the
 * account's: a session that outlived the removal of its key changes no
 * keys.  Each key change is audited with that key.
 */
#include <stdio.h>
#include <string.h>

#include "accountd.h"

#define SELF_KEYS_MAX	100		/* keys a user may give their account */

/* The key of this login ("by"), which must be registered to a. */
static int
api_self_by(struct call *c, const struct account *a, const char **by)
{
	char owner[NAME_MAX_LEN + 1];
	int r;

	if (api_get_string(c, "by", true, KEY_FP_LEN, by) == -1)
		return -1;
	r = db_key_owner(c->ad->db, *by, owner, sizeof(owner));
	if (r != 0 && r != DB_NOTFOUND)
		return api_db_fail(c);
	if (r == DB_NOTFOUND || strcmp(owner, a->name) != 0)
		return api_fail(c, API_ERR_DENIED, "the key used for this login "
		    "(%s) is not registered to %s", *by, a->name);
	return 0;
}

int
api_self_keys(struct call *c)
{
	struct account a;
	json_t *keys;
	int rc = -1;

	if (api_route_account(c, &a) == -1)
		goto out;
	if ((keys = db_key_list(c->ad->db, a.id)) == NULL) {
		api_db_fail(c);
		goto out;
	}
	c->result = json_pack("{s:s, s:o}", "name", a.name, "keys", keys);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

/* One key line, parsed and stored as key.add does (api_keys_insert). */
int
api_self_key_add(struct call *c)
{
	struct account a;
	struct pubkey k;
	const char *line, *by;
	char err[256], owner[NAME_MAX_LEN + 1];
	json_t *one = NULL, *keys;
	int64_t n;
	int added, r, rc = -1;

	memset(&k, 0, sizeof(k));
	if (api_route_account(c, &a) == -1 || api_self_by(c, &a, &by) == -1 ||
	    api_get_string(c, "key", true, KEY_MAX_LINE, &line) == -1)
		goto out;
	if (keys_parse_line(line, strlen(line), &k, err, sizeof(err)) == -1) {
		api_fail(c, API_ERR_INVALID, "%s", err);
		goto out;
	}
	/* Who holds it is not the user's business: only that someone does. */
	r = db_key_owner(c->ad->db, k.fingerprint, owner, sizeof(owner));
	if (r == 0) {
		api_fail(c, API_ERR_EXISTS, strcmp(owner, a.name) == 0 ? "key %s "
		    "is already registered to you (meduse keys list)" : "key %s "
		    "is already registered to another account: a key belongs to "
		    "one account", k.fingerprint);
		goto out;
	}
	if (r != DB_NOTFOUND || db_key_count(c->ad->db, a.id, &n) != 0) {
		api_db_fail(c);
		goto out;
	}
	if (n >= SELF_KEYS_MAX) {
		api_fail(c, API_ERR_CONFLICT, "you have %lld keys, as many as an "
		    "account may have: remove one first (meduse keys rm)",
		    (long long)n);
		goto out;
	}
	if ((one = json_pack("[s]", line)) == NULL) {
		api_fail(c, API_ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (api_keys_insert(c, &a, one, &added) == -1)
		goto out;
	if (added != 1 || db_account_touch(c->ad->db, a.id) != 0 ||
	    (keys = db_key_list(c->ad->db, a.id)) == NULL) {
		api_db_fail(c);
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "by %s: added %s", by,
	    k.fingerprint);
	c->result = json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", a.name,
	    "added", k.fingerprint, "type", k.type, "comment", k.comment ?
	    k.comment : "", "keys", keys);
	rc = 0;
out:
	json_decref(one);
	keys_free(&k);
	account_clear(&a);
	return rc;
}

/* Any key but the last: a user must never lock themselves out. */
int
api_self_key_rm(struct call *c)
{
	struct account a;
	const char *fp, *by;
	char owner[NAME_MAX_LEN + 1];
	int64_t left;
	int r, rc = -1;

	if (api_route_account(c, &a) == -1 || api_self_by(c, &a, &by) == -1 ||
	    api_get_string(c, "fingerprint", true, KEY_FP_LEN, &fp) == -1)
		goto out;
	r = db_key_owner(c->ad->db, fp, owner, sizeof(owner));
	if (r == DB_NOTFOUND || (r == 0 && strcmp(owner, a.name) != 0)) {
		api_fail(c, API_ERR_NOT_FOUND, "you have no key %s (meduse keys "
		    "list)", fp);
		goto out;
	}
	if (r != 0 || db_key_count(c->ad->db, a.id, &left) != 0) {
		api_db_fail(c);
		goto out;
	}
	if (left <= 1) {
		api_fail(c, API_ERR_CONFLICT, "that is your last key: add another "
		    "first (meduse keys add)");
		goto out;
	}
	if (db_key_delete(c->ad->db, a.id, fp) != 0 ||
	    db_key_count(c->ad->db, a.id, &left) != 0 ||
	    db_account_touch(c->ad->db, a.id) != 0) {
		api_db_fail(c);
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "by %s: removed %s", by, fp);
	c->result = json_pack("{s:s, s:s, s:I}", "name", a.name, "removed", fp,
	    "keys_left", (json_int_t)left);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

/* What the job needs from the database; the job's thread never reads it. */
static json_t *
api_self_job_input(struct call *c, const struct account *a,
    const char *action)
{
	const char *tmpl = c->ad->cfg->coder.template_name;
	json_t *list, *w;
	size_t i;

	if (strcmp(action, "quota") == 0)
		return json_pack("{s:o}", "quota", api_quota_json(&a->quota));
	/* A start builds with the account's parameters as they are now. */
	if (strcmp(action, "start") == 0 || strcmp(action, "restart") == 0)
		return json_pack("{s:o}", "params", kdesired_coder_params(
		    c->ad->cfg, a));
	if (strcmp(action, "status") != 0)
		return json_object();
	if ((list = db_workspace_list(c->ad->db, a->id)) == NULL)
		return NULL;
	/* "" is coder.template's: show which one that is. */
	json_array_foreach(list, i, w)
		if (strcmp(json_string_value(json_object_get(w, "template")),
		    "") == 0 && tmpl != NULL)
			json_object_set_new(w, "template", json_string(tmpl));
	return json_pack("{s:s, s:o, s:o}", "state", account_state_name(
	    account_state(a)), "expires", a->expires[0] ? json_string(
	    a->expires) : json_null(), "workspaces", list);
}

int
api_self_job(struct call *c)
{
	const struct config *cfg = c->ad->cfg;
	struct account a;
	char wsname[NAME_MAX_LEN + 1];
	const char *action;
	json_t *input;
	unsigned long id;
	int need, r, rc = -1;

	if (api_route_target(c, &a, wsname, sizeof(wsname)) == -1 ||
	    api_get_string(c, "action", true, 64, &action) == -1)
		goto out;
	if ((need = self_job_needs_coder(action)) == -1) {
		api_fail(c, API_ERR_INVALID, "unknown action \"%.32s\": use "
		    SELF_JOB_ACTIONS, action);
		goto out;
	}
	if (need && strcmp(cfg->route.resolver, "coder") != 0) {
		api_fail(c, API_ERR_CONFLICT, "%s workspaces needs route.resolver "
		    "coder", strcmp(action, "stop") == 0 ? "stopping" :
		    strcmp(action, "start") == 0 ? "starting" : "restarting");
		goto out;
	}
	if ((input = api_self_job_input(c, &a, action)) == NULL) {
		api_db_fail(c);
		goto out;
	}
	r = self_job_start(cfg, a.name, wsname, action, input, &id);
	if (r == RJOB_BUSY)
		api_fail(c, API_ERR_CONFLICT, "you have jobs running already: wait "
		    "for them to end");
	else if (r == RJOB_FULL)
		api_fail(c, API_ERR_CONFLICT, "too many jobs are running: try "
		    "again in a minute");
	else if (r != 0)
		api_fail(c, API_ERR_INTERNAL, "cannot start a job (see the accountd "
		    "log)");
	if (r != 0)
		goto out;
	c->result = json_pack("{s:s, s:s, s:I}", "account", a.name, "workspace",
	    wsname, "job", (json_int_t)id);
	/* Shown even when Kubernetes, which the job asks, does not answer. */
	if (c->result != NULL && strcmp(action, "quota") == 0)
		json_object_set_new(c->result, "quota", api_quota_json(&a.quota));
	rc = 0;
out:
	account_clear(&a);
	return rc;
}
