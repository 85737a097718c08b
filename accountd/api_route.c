/*
 * api_route.c: route.resolve, where the gateway learns how to reach the
 * workspace of an authenticated user.  The caller is the gateway (gateway
 * group); the answer names the upstream and the gateway key to log in with.
 * static answers at once; coder and kubernetes start a route job
 * (route_job.c) that the gateway polls with route.job, showing its events.
 * route.job also gives the outcome of self.job's jobs (self_job.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accountd.h"
#include "xmalloc.h"

/* Replaces every {user} and {workspace} inside one argv element. */
static char *
api_route_subst(const char *arg, const char *user, const char *ws)
{
	char *out = xstrdup(""), *next;
	const char *p = arg, *val;
	size_t skip;

	while (*p) {
		if (strncmp(p, "{user}", 6) == 0)
			val = user, skip = 6;
		else if (strncmp(p, "{workspace}", 11) == 0)
			val = ws, skip = 11;
		else
			val = NULL, skip = 1;
		xasprintf(&next, "%s%.*s", out, val ? (int)strlen(val) : 1,
		    val ? val : p);
		free(out);
		out = next;
		p += skip;
	}
	return out;
}

/*
 * The answer the gateway uses: the static parts (user, key, transport) and
 * where to connect: host (NULL: route.static.host) and the port.
 */
static int
api_route_answer(struct call *c, const char *account, const char *wsname,
    const char *host, int port)
{
	struct config *cfg = c->ad->cfg;
	char key[4096], *s;
	const char *user;
	json_t *argv;
	size_t i;

	if (gwkey_path(c->ad, account, key, sizeof(key)) == -1)
		return api_db_fail(c);
	user = cfg->route.static_user && *cfg->route.static_user ?
	    cfg->route.static_user : account;
	c->result = json_pack("{s:s, s:s, s:s, s:s, s:s}", "account", account,
	    "workspace", wsname, "transport", cfg->route.transport, "user", user,
	    "key_file", key);
	if (strcmp(cfg->route.transport, "command") == 0) {
		argv = json_array();
		for (i = 0; i < cfg->route.command.n; i++) {
			s = api_route_subst(cfg->route.command.v[i], user, wsname);
			json_array_append_new(argv, json_string(s));
			free(s);
		}
		json_object_set_new(c->result, "argv", argv);
	} else {
		json_object_set_new(c->result, "host", json_string(host));
		json_object_set_new(c->result, "port", json_integer(port));
		/* A pod's IP moves with it and is reused by others: the
		 * workspace's host key is known by its name instead. */
		json_object_set_new(c->result, "host_key_by_name", json_boolean(
		    strcmp(cfg->route.resolver, "static") != 0));
	}
	return 0;
}

/* Not found: say which workspaces the account does have. */
static int
api_route_list(struct call *c, const struct account *a, const char *ws)
{
	json_t *list = db_workspace_list(c->ad->db, a->id), *w;
	char names[256] = "";
	size_t i, n;

	json_array_foreach(list, i, w) {
		n = strlen(names);
		snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
		    json_string_value(json_object_get(w, "name")));
	}
	json_decref(list);
	return api_fail(c, API_ERR_NOT_FOUND, "%s has no workspace %s (yours: "
	    "%s)", a->name, ws && *ws ? ws : "(no default)", *names ? names :
	    "none");
}

/* Locked (deleted too) and expired accounts get nothing. */
static int
api_route_active(struct call *c, const struct account *a)
{
	enum account_state st;

	if ((st = account_state(a)) != ACCOUNT_ACTIVE)
		return api_fail(c, API_ERR_CONFLICT, "account %s is %s", a->name,
		    account_state_name(st));
	return 0;
}

/* The account ("name"), which must be active. */
int
api_route_account(struct call *c, struct account *a)
{
	if (api_get_account(c, a) == -1)
		return -1;
	return api_route_active(c, a);
}

/*
 * The account ("name", which must be active) and its workspace
 * ("workspace", "" or absent for the default one) into wsname.
 */
int
api_route_target(struct call *c, struct account *a, char *wsname, size_t len)
{
	const char *ws;
	char err[256];
	int r;

	if (api_get_account(c, a) == -1)
		return -1;
	if (api_get_string(c, "workspace", false, NAME_MAX_LEN * 2, &ws) == -1)
		return -1;
	if (ws && *ws && names_check_workspace(ws, err, sizeof(err)) == -1)
		return api_fail(c, API_ERR_INVALID, "%s", err);
	if (api_route_active(c, a) == -1)
		return -1;
	r = db_workspace_find(c->ad->db, a->id, ws ? ws : "", wsname, len);
	if (r == DB_NOTFOUND)
		return api_route_list(c, a, ws);
	if (r != 0)
		return api_db_fail(c);
	return 0;
}

int
api_route_resolve(struct call *c)
{
	struct config *cfg = c->ad->cfg;
	struct account a;
	char wsname[NAME_MAX_LEN + 1];
	json_t *start = json_object_get(c->params, "start");
	unsigned long job;
	int rc = -1;

	memset(&a, 0, sizeof(a));
	if (start != NULL && !json_is_boolean(start)) {
		api_fail(c, API_ERR_BAD_REQUEST, "parameter \"start\" must be a "
		    "boolean");
		goto out;
	}
	if (api_route_target(c, &a, wsname, sizeof(wsname)) == -1)
		goto out;
	if (strcmp(cfg->route.resolver, "static") == 0) {
		rc = api_route_answer(c, a.name, wsname, cfg->route.static_host,
		    cfg->route.static_port);
		goto out;
	}
	/* coder, kubernetes: found (and started) on a thread; poll route.job. */
	if (!kworker_enabled(cfg)) {
		api_fail(c, API_ERR_INTERNAL, "route.resolver %s needs Kubernetes "
		    "(kubernetes.kubeconfig or in_cluster): ask an admin",
		    cfg->route.resolver);
		goto out;
	}
	if (route_job_start(cfg, a.name, wsname, start == NULL ||
	    json_is_true(start), kdesired_coder_params(cfg, &a), &job) != 0) {
		api_fail(c, API_ERR_CONFLICT, "too many logins are waiting for "
		    "their workspace: try again in a minute");
		goto out;
	}
	c->result = json_pack("{s:s, s:s, s:I}", "account", a.name, "workspace",
	    wsname, "job", (json_int_t)job);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

int
api_route_job(struct call *c)
{
	json_t *job = json_object_get(c->params, "job");
	json_t *since = json_object_get(c->params, "since"), *st, *res;
	const char *host;

	if (!json_is_integer(job) || json_integer_value(job) <= 0 ||
	    (since != NULL && (!json_is_integer(since) ||
	    json_integer_value(since) < 0)))
		return api_fail(c, API_ERR_BAD_REQUEST, "\"job\" must be a job id "
		    "and \"since\" an event index");
	st = rjob_get((unsigned long)json_integer_value(job), since ?
	    (size_t)json_integer_value(since) : 0);
	if (st == NULL)
		return api_fail(c, API_ERR_NOT_FOUND, "no route job %lld",
		    (long long)json_integer_value(job));
	/* A self.job's outcome goes as it is, with the action it did. */
	if (strcmp(json_string_value(json_object_get(st, "action")),
	    "route") != 0) {
		c->result = st;
		return 0;
	}
	json_object_del(st, "action");
	res = json_object_get(st, "result");
	if (res != NULL) {
		host = json_string_value(json_object_get(res, "host"));
		if (api_route_answer(c, json_string_value(json_object_get(st,
		    "account")), json_string_value(json_object_get(st,
		    "workspace")), host ? host : "", c->ad->cfg->kubernetes.
		    workspace_port) == -1) {
			json_decref(st);
			return -1;
		}
		json_object_set(st, "route", c->result);
		json_decref(c->result);
	}
	json_object_del(st, "result");
	c->result = st;
	return 0;
}

/* The gateway, while sessions are open: keep the workspace from auto-stop. */
int
api_route_activity(struct call *c)
{
	struct account a;
	char wsname[NAME_MAX_LEN + 1];
	int rc = -1;

	memset(&a, 0, sizeof(a));
	if (strcmp(c->ad->cfg->route.resolver, "coder") != 0)
		return api_fail(c, API_ERR_CONFLICT, "route.resolver is not "
		    "coder: no activity to report");
	/* A locked account's workspace is being stopped: keep nothing up. */
	if (api_route_target(c, &a, wsname, sizeof(wsname)) == -1)
		goto out;
	c->result = json_pack("{s:s, s:s, s:b}", "account", a.name, "workspace",
	    wsname, "queued", route_activity_start(c->ad->cfg, a.name,
	    wsname) == 0);
	rc = 0;
out:
	account_clear(&a);
	return rc;
}
