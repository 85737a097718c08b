/*
 * self_job.c: the actions of self.job, what a user asks about or does to
 * their own workspaces through meduse-shell: status, quota, start, stop and
 * restart.  Each runs as a job (rjob.c) because Coder and Kubernetes may be
 * slow; route.job gives its events and its outcome.  The account and
 * workspace were checked by the API (api_self.c), which also read what the
 * job needs from the database: the threads never touch it.  Workspaces
 * are found in Coder by owner and name, so a job acts only on the account
 * the gateway named.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accountd.h"
#include "coder.h"
#include "kube.h"
#include "route_job.h"

static unsigned long long
self_job_timeout_s(const struct rjob_ctx *x)
{
	return (unsigned long long)(x->cfg->coder.start_timeout_ms / 1000);
}

/* The workspace in Coder and its id; a line for the user when it is not. */
static int
self_job_get(struct rjob_ctx *x, json_t **ws, char *id, size_t idlen,
    char *err, size_t errlen)
{
	const char *v;
	long status;

	*ws = NULL;
	if (coder_workspace_get(x->coder, x->account, x->workspace, &status, ws,
	    err, errlen) == -1) {
		if (status == 404)
			snprintf(err, errlen, "workspace %s is not in Coder: ask "
			    "an admin (meduse status shows yours)", x->workspace);
		return -1;
	}
	if ((v = json_string_value(json_object_get(*ws, "id"))) == NULL) {
		snprintf(err, errlen, "Coder gave a workspace without an id");
		json_decref(*ws);
		*ws = NULL;
		return -1;
	}
	snprintf(id, idlen, "%s", v);
	return 0;
}

/*
 * Stops the workspace and follows the build until it is stopped, for at
 * most coder.start_timeout; one event per change of its state.  A build
 * under way (someone's start) is waited for, then stopped.
 */
static int
self_job_down(struct rjob_ctx *x, char *err, size_t errlen)
{
	char id[128], path[160], last[64] = "";
	json_t *ws = NULL, *b = NULL;
	const char *st, *v;
	bool stopping = false, first = true;
	long status;
	int rc = -1;

	x->deadline = time(NULL) + (time_t)self_job_timeout_s(x);
	if (self_job_get(x, &ws, id, sizeof(id), err, errlen) == -1)
		goto out;
	snprintf(path, sizeof(path), "/workspaces/%s", id);
	for (;;) {
		st = coder_ws_status(ws);
		if (first && strcmp(st, "stopped") == 0) {
			rjob_say(x, "workspace %s is already stopped", x->workspace);
			rc = 0;
			break;
		}
		if (strcmp(st, last) != 0) {
			rjob_say(x, "workspace %s: %s", x->workspace, st);
			snprintf(last, sizeof(last), "%s", st);
		}
		first = false;
		if (strcmp(st, "stopped") == 0) {
			rc = 0;
			break;
		}
		if (strcmp(st, "deleted") == 0 || strcmp(st, "deleting") == 0) {
			snprintf(err, errlen, "workspace %s is deleted", x->workspace);
			break;
		}
		if (stopping && (strcmp(st, "failed") == 0 ||
		    strcmp(st, "canceled") == 0)) {
			v = json_string_value(json_object_get(json_object_get(
			    json_object_get(ws, "latest_build"), "job"), "error"));
			snprintf(err, errlen, "workspace %s failed to stop%s%s",
			    x->workspace, v && *v ? ": " : "", v ? v : "");
			break;
		}
		if (strcmp(st, "stopping") == 0)
			stopping = true;
		/* Running, or a failed build: stop it, once.  409: a build
		 * started meanwhile; it is followed, then stopped. */
		if (!stopping && (strcmp(st, "running") == 0 ||
		    strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0)) {
			if (coder_build(x->coder, id, "stop", NULL, &status, &b, err,
			    errlen) == 0) {
				stopping = true;
				rjob_say(x, "stopping workspace %s (up to %llus)",
				    x->workspace, self_job_timeout_s(x));
			} else if (status != 409)
				break;
			json_decref(b);
			b = NULL;
		}
		if (time(NULL) >= x->deadline) {
			snprintf(err, errlen, "workspace %s did not stop within "
			    "%llus (build %s): try again later, or ask an admin",
			    x->workspace, self_job_timeout_s(x), st);
			break;
		}
		rjob_sleep(RJOB_POLL_MS);
		json_decref(ws);
		ws = NULL;
		if (coder_request(x->coder, "GET", path, NULL, &status, &ws, err,
		    errlen) == -1)
			break;
	}
out:
	json_decref(ws);
	return rc;
}

/* Starts the workspace (when stopped) and follows it to a ready agent. */
static int
self_job_up(struct rjob_ctx *x, char *err, size_t errlen)
{
	char id[128];

	x->deadline = time(NULL) + (time_t)self_job_timeout_s(x);
	return route_job_coder(x, id, sizeof(id), err, errlen);
}

static int
self_job_start_ws(struct rjob_ctx *x, json_t **result, char *err,
    size_t errlen)
{
	if (rjob_open_coder(x, err, errlen) == -1 || self_job_up(x, err,
	    errlen) == -1)
		return -1;
	*result = json_pack("{s:s, s:s}", "workspace", x->workspace, "state",
	    "running");
	return 0;
}

static int
self_job_stop_ws(struct rjob_ctx *x, json_t **result, char *err,
    size_t errlen)
{
	if (rjob_open_coder(x, err, errlen) == -1 || self_job_down(x, err,
	    errlen) == -1)
		return -1;
	*result = json_pack("{s:s, s:s}", "workspace", x->workspace, "state",
	    "stopped");
	return 0;
}

static int
self_job_restart_ws(struct rjob_ctx *x, json_t **result, char *err,
    size_t errlen)
{
	if (rjob_open_coder(x, err, errlen) == -1 || self_job_down(x, err,
	    errlen) == -1 || self_job_up(x, err, errlen) == -1)
		return -1;
	*result = json_pack("{s:s, s:s}", "workspace", x->workspace, "state",
	    "running");
	return 0;
}

/*
 * The account's workspaces (input: {state, expires, workspaces}, from the
 * database) with their state in Coder.  Coder unreachable is not a failure:
 * the account's part is still worth showing; the states are "unknown".
 */
static int
self_job_status(struct rjob_ctx *x, json_t **result, char *err,
    size_t errlen)
{
	bool coder = strcmp(x->cfg->route.resolver, "coder") == 0;
	json_t *res, *list = NULL, *out, *w, *cw, *found;
	const char *name, *state, *agent;
	char cerr[256];
	size_t i, k;
	long status;

	(void)err;
	(void)errlen;
	if (coder && (rjob_open_coder(x, cerr, sizeof(cerr)) == -1 ||
	    coder_workspace_list(x->coder, x->account, &status, &list, cerr,
	    sizeof(cerr)) == -1)) {
		rjob_say(x, "cannot ask Coder about your workspaces: %s", cerr);
		coder = false;
	}
	out = json_array();
	json_array_foreach(json_object_get(x->input, "workspaces"), i, w) {
		name = json_string_value(json_object_get(w, "name"));
		found = NULL;
		json_array_foreach(json_object_get(list, "workspaces"), k, cw)
			if (name != NULL && json_is_string(json_object_get(cw,
			    "name")) && strcmp(json_string_value(json_object_get(cw,
			    "name")), name) == 0)
				found = cw;
		state = !coder ? "unknown" : found == NULL ? "missing" :
		    *coder_ws_status(found) ? coder_ws_status(found) : "unknown";
		agent = found != NULL ? coder_ws_agent_status(found) : "";
		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:s, s:s}",
		    "name", json_object_get(w, "name"), "default",
		    json_object_get(w, "default"), "template", json_object_get(w,
		    "template"), "state", state, "agent", agent));
	}
	res = json_pack("{s:s, s:O, s:O, s:o}", "account", x->account, "state",
	    json_object_get(x->input, "state"), "expires", json_object_get(
	    x->input, "expires"), "workspaces", out);
	json_decref(list);
	*result = res;
	return 0;
}

/* The string members of a quota map (Kubernetes quantities). */
static json_t *
self_job_strings(json_t *map)
{
	json_t *out = json_object(), *v;
	const char *key;

	json_object_foreach(map, key, v)
		if (json_is_string(v))
			json_object_set(out, key, v);
	return out;
}

/*
 * The account's ResourceQuota as Kubernetes enforces it: hard and used
 * from its status (the quota controller's), or spec.hard and nothing used
 * before the controller has looked.  input: {quota}, the configured one.
 */
static int
self_job_quota(struct rjob_ctx *x, json_t **result, char *err,
    size_t errlen)
{
	char path[256], kerr[256];
	json_t *q = NULL, *st, *hard, *used;
	long status;

	if (rjob_open_kube(x, kerr, sizeof(kerr)) == -1)
		goto fail;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/resourcequotas/%s",
	    x->ns, KDESIRED_QUOTA_NAME);
	if (kube_get(x->kube, path, &status, &q, kerr, sizeof(kerr)) == -1)
		goto fail;
	st = json_object_get(q, "status");
	hard = json_object_get(st, "hard");
	used = json_object_get(st, "used");
	if (!json_is_object(hard)) {
		hard = json_object_get(json_object_get(q, "spec"), "hard");
		used = NULL;
	}
	*result = json_pack("{s:s, s:O, s:o, s:o}", "namespace", x->ns, "quota",
	    json_object_get(x->input, "quota"), "hard", self_job_strings(hard),
	    "used", self_job_strings(used));
	json_decref(q);
	return 0;
fail:
	json_decref(q);
	snprintf(err, errlen, "cannot read your quota from Kubernetes: %s", kerr);
	return -1;
}

static const struct self_job_action {
	const char	*name;
	bool		 coder;		/* needs route.resolver coder */
	rjob_fn		 run;
} self_job_actions[] = {
	{ "status", false, self_job_status },
	{ "quota", false, self_job_quota },
	{ "start", true, self_job_start_ws },
	{ "stop", true, self_job_stop_ws },
	{ "restart", true, self_job_restart_ws },
};

static const struct self_job_action *
self_job_find(const char *action)
{
	size_t i;

	for (i = 0; i < sizeof(self_job_actions) /
	    sizeof(self_job_actions[0]); i++)
		if (strcmp(self_job_actions[i].name, action) == 0)
			return &self_job_actions[i];
	return NULL;
}

int
self_job_needs_coder(const char *action)
{
	const struct self_job_action *a = self_job_find(action);

	return a == NULL ? -1 : a->coder;
}

int
self_job_start(const struct config *cfg, const char *account,
    const char *workspace, const char *action, json_t *input,
    unsigned long *id)
{
	const struct self_job_action *a = self_job_find(action);

	*id = 0;
	if (a == NULL) {
		json_decref(input);
		return -1;
	}
	return rjob_start(cfg, account, workspace, a->name, false, a->run,
	    input, id);
}
