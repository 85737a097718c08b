/*
 * route_job.c: finding (and starting) a workspace for a login, for the
 * coder and kubernetes resolvers.  It may take minutes (a stopped workspace
 * builds), so each login's search runs as a job (rjob.c) on its own thread
 * while the event loop keeps answering; the gateway polls route.job and
 * shows each event to the user as it comes.
 *
 * coder: the workspace is looked up in Coder; a stopped (or failed,
 * canceled) one is started with a build; the build and then the agent are
 * followed until the agent is ready.  Both resolvers then find the pod by
 * the template's labels and require phase Running, Ready and an IP: a pod
 * that moved is found again at the next login, never connected to blindly.
 * A peek (route.resolve with start false) starts nothing: a workspace that
 * is not ready ends the job at once, marked not running.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accountd.h"
#include "coder.h"
#include "kube.h"
#include "log.h"
#include "route_job.h"

/* "dev (running), gpu (stopped)": what to offer when WS is not there. */
static void
route_job_list(struct rjob_ctx *x, char *buf, size_t len)
{
	json_t *resp = NULL, *w;
	char err[256];
	size_t i, n;
	long status;

	snprintf(buf, len, "none");
	if (coder_workspace_list(x->coder, x->account, &status, &resp, err,
	    sizeof(err)) == -1)
		goto out;
	buf[0] = '\0';
	json_array_foreach(json_object_get(resp, "workspaces"), i, w) {
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s%s (%s)", n ? ", " : "",
		    json_string_value(json_object_get(w, "name")) ?
		    json_string_value(json_object_get(w, "name")) : "?",
		    coder_ws_status(w));
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
out:
	json_decref(resp);
}

int
route_job_coder(struct rjob_ctx *x, char *id, size_t idlen, char *err,
    size_t errlen)
{
	const struct config *cfg = x->cfg;
	const char *wsname = x->workspace;
	char last[128] = "", now[128], list[512], path[128];
	json_t *ws = NULL, *b = NULL;
	const char *st, *agent, *life, *v;
	time_t deadline = x->deadline;
	bool started = false;
	long status;
	int rc = -1;

	if (coder_workspace_get(x->coder, x->account, wsname, &status, &ws,
	    err, errlen) == -1) {
		if (status == 404) {
			/* Not running, as far as a peek cares. */
			x->not_running = x->peek;
			route_job_list(x, list, sizeof(list));
			snprintf(err, errlen, "you have no workspace \"%s\" (yours: "
			    "%s)", wsname, list);
		}
		goto out;
	}
	if ((v = json_string_value(json_object_get(ws, "id"))) == NULL) {
		snprintf(err, errlen, "Coder gave a workspace without an id");
		goto out;
	}
	snprintf(id, idlen, "%s", v);
	snprintf(path, sizeof(path), "/workspaces/%s", id);
	for (;;) {
		st = coder_ws_status(ws);
		agent = coder_ws_agent_status(ws);
		life = coder_ws_agent_lifecycle(ws);
		snprintf(now, sizeof(now), "%s/%s/%s", st, agent, life);
		if (strcmp(now, last) != 0) {
			if (strcmp(st, "running") == 0 && *agent != '\0')
				rjob_say(x, "workspace %s: running, agent %s%s%s",
				    wsname, agent, *life ? ", " : "", life);
			else
				rjob_say(x, "workspace %s: %s", wsname, st);
			snprintf(last, sizeof(last), "%s", now);
		}
		if (strcmp(st, "running") == 0 && strcmp(agent, "connected") == 0 &&
		    (*life == '\0' || strcmp(life, "ready") == 0)) {
			rc = 0;
			break;
		}
		/* A peek (route.resolve start false): as it is, no build. */
		if (x->peek) {
			x->not_running = true;
			if (strcmp(st, "running") == 0)
				snprintf(err, errlen, "workspace %s is running, but "
				    "its agent is not ready (%s%s%s)", wsname, *agent ?
				    agent : "none", *life ? ", " : "", life);
			else
				snprintf(err, errlen, "workspace %s is %s", wsname,
				    *st ? st : "in no known state");
			break;
		}
		if (strcmp(st, "running") == 0 && (strcmp(agent, "timeout") == 0 ||
		    strcmp(life, "start_error") == 0 ||
		    strcmp(life, "start_timeout") == 0)) {
			snprintf(err, errlen, "workspace %s is running but its agent "
			    "did not come up (%s%s%s): ask an admin", wsname,
			    agent, *life ? ", " : "", life);
			break;
		}
		if (strcmp(st, "deleted") == 0 || strcmp(st, "deleting") == 0) {
			snprintf(err, errlen, "workspace %s is deleted", wsname);
			break;
		}
		if (started && (strcmp(st, "failed") == 0 ||
		    strcmp(st, "canceled") == 0)) {
			v = json_string_value(json_object_get(json_object_get(
			    json_object_get(ws, "latest_build"), "job"), "error"));
			snprintf(err, errlen, "workspace %s failed to start%s%s",
			    wsname, v && *v ? ": " : "", v ? v : "");
			break;
		}
		/* Stopped, or failed before we came: start it, once. */
		if (!started && (strcmp(st, "stopped") == 0 ||
		    strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0)) {
			/* With the account's parameters as they are now:
			 * a quota changed since the last build applies. */
			if (coder_build(x->coder, id, "start", json_object_get(
			    x->input, "params"), &status, &b, err, errlen) ==
			    -1 && status != 409)
				break;
			json_decref(b);
			b = NULL;
			started = true;
			rjob_say(x, "starting workspace %s (up to %llus)",
			    wsname, (unsigned long long)(cfg->coder.
			    start_timeout_ms / 1000));
		}
		if (strcmp(st, "pending") == 0 || strcmp(st, "starting") == 0)
			started = true;
		if (time(NULL) >= deadline) {
			snprintf(err, errlen, "workspace %s did not start within "
			    "%llus (build %s%s%s%s%s): try again later, or ask an "
			    "admin", wsname, (unsigned long long)
			    (cfg->coder.start_timeout_ms / 1000), st, *agent ?
			    ", agent " : "", agent, *life ? " " : "", life);
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

/* The Running, Ready pod of the workspace: its IP into host. */
static int
route_job_pod(struct rjob_ctx *x, const char *coder_id, char *host, size_t hostlen,
    char *err, size_t errlen)
{
	char path[256], sel[256];
	json_t *resp = NULL, *p;
	const char *ip, *name;
	/* What is left of the search's time: a pod just scheduled may need it. */
	time_t deadline = x->deadline;
	size_t i;
	long status;
	int rc = -1;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods", x->ns);
	if (coder_id != NULL && *coder_id != '\0')
		snprintf(sel, sizeof(sel), "com.coder.workspace.id=%s", coder_id);
	else
		snprintf(sel, sizeof(sel), "com.coder.user.username=%s,"
		    "com.coder.workspace.name=%s", x->account, x->workspace);
	for (;;) {
		json_decref(resp);
		resp = NULL;
		if (kube_list(x->kube, path, sel, &status, &resp, err,
		    errlen) == -1)
			goto out;
		json_array_foreach(json_object_get(resp, "items"), i, p) {
			name = json_string_value(json_object_get(json_object_get(
			    p, "metadata"), "name"));
			if (name != NULL && route_pod_ready(p, &ip)) {
				snprintf(host, hostlen, "%s", ip);
				rjob_say(x, "pod %s: ready at %s", name, ip);
				route_cache_put(x, name, ip, coder_id);
				rc = 0;
				goto out;
			}
		}
		if (time(NULL) >= deadline) {
			snprintf(err, errlen, "no running, ready pod for workspace "
			    "%s in %s (labels %s)", x->workspace, x->ns, sel);
			goto out;
		}
		if (i == 0 && (coder_id == NULL || *coder_id == '\0')) {
			snprintf(err, errlen, "workspace %s has no pod in %s: is it "
			    "started?", x->workspace, x->ns);
			goto out;
		}
		rjob_sleep(RJOB_POLL_MS);
	}
out:
	json_decref(resp);
	return rc;
}

/* route.resolve's job: the workspace's pod, started first with coder. */
static int
route_job_run(struct rjob_ctx *x, json_t **result, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	char id[128] = "", host[64];

	x->deadline = time(NULL) + (time_t)(cfg->coder.start_timeout_ms / 1000);
	if (rjob_open_kube(x, err, errlen) == -1)
		return -1;
	/* The same workspace a moment ago: one look at its pod. */
	if (route_cache_get(x, host, sizeof(host), id, sizeof(id)) == 0)
		goto done;
	if (strcmp(cfg->route.resolver, "coder") == 0 &&
	    (rjob_open_coder(x, err, errlen) == -1 ||
	    route_job_coder(x, id, sizeof(id), err, errlen) == -1))
		return -1;
	if (route_job_pod(x, id, host, sizeof(host), err, errlen) == -1)
		return -1;
done:
	*result = json_pack("{s:s, s:s}", "host", host, "workspace_id", id);
	return 0;
}

int
route_job_start(const struct config *cfg, const char *account,
    const char *workspace, bool start, json_t *params, unsigned long *id)
{
	return rjob_start(cfg, account, workspace, "route", !start,
	    route_job_run, params != NULL ? json_pack("{s:o}", "params",
	    params) : NULL, id);
}

/*
 * route.activity: one usage report for the account's workspace, on a
 * short-lived thread (Coder may be slow; the event loop must not wait).
 * The workspace is looked up by owner and name, so a gateway can only
 * report for the account it names.
 */
#define RACTIVITY_MAX	32		/* reports under way at once */

struct ractivity {
	const struct config *cfg;
	char	account[NAME_MAX_LEN + 1];
	char	workspace[NAME_MAX_LEN + 1];
};

static pthread_mutex_t ractivity_mu = PTHREAD_MUTEX_INITIALIZER;
static int ractivity_running;	/* under ractivity_mu */

static void *
ractivity_main(void *arg)
{
	struct ractivity *a = arg;
	const struct config *cfg = a->cfg;
	struct coder *c = NULL;
	json_t *ws = NULL;
	const char *id, *agent;
	char err[512];
	long status;

	if ((c = coder_open(cfg->coder.url, cfg->coder.token_file, err,
	    sizeof(err))) == NULL ||
	    coder_workspace_get(c, a->account, a->workspace, &status, &ws, err,
	    sizeof(err)) == -1)
		goto out;
	id = json_string_value(json_object_get(ws, "id"));
	agent = coder_ws_agent_id(ws);
	if (id == NULL || agent == NULL) {
		snprintf(err, sizeof(err), "the workspace has no agent");
		goto out;
	}
	if (coder_usage(c, id, agent, &status, err, sizeof(err)) == -1)
		goto out;
	log_debug("coder: %s+%s: activity reported", a->account, a->workspace);
	err[0] = '\0';
out:
	if (err[0] != '\0')
		log_warn("coder: %s+%s: cannot report activity: %s", a->account,
		    a->workspace, err);
	json_decref(ws);
	coder_close(c);
	free(a);
	pthread_mutex_lock(&ractivity_mu);
	ractivity_running--;
	pthread_mutex_unlock(&ractivity_mu);
	return NULL;
}

int
route_activity_start(const struct config *cfg, const char *account,
    const char *workspace)
{
	struct ractivity *a;
	pthread_attr_t attr;
	pthread_t th;
	int rc = -1;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	snprintf(a->account, sizeof(a->account), "%s", account);
	snprintf(a->workspace, sizeof(a->workspace), "%s", workspace);
	a->cfg = cfg;
	pthread_mutex_lock(&ractivity_mu);
	/* Reports are best effort: when Coder is slow, skip rather than pile up. */
	if (ractivity_running >= RACTIVITY_MAX) {
		pthread_mutex_unlock(&ractivity_mu);
		free(a);
		return -1;
	}
	ractivity_running++;
	pthread_mutex_unlock(&ractivity_mu);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, ractivity_main, a) == 0)
		rc = 0;
	pthread_attr_destroy(&attr);
	if (rc == -1) {
		free(a);
		pthread_mutex_lock(&ractivity_mu);
		ractivity_running--;
		pthread_mutex_unlock(&ractivity_mu);
	}
	return rc;
}
