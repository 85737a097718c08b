/*
 * route_job.c: finding (and starting) a workspace for a login, for the
 * coder and kubernetes resolvers.  It may take minutes (a stopped workspace
 * builds), so each login's search runs on its own thread while the event
 * loop keeps answering; the gateway polls route.job and shows each event
 * to the user as it comes.
 *
 * coder: the workspace is looked up in Coder; a stopped (or failed,
 * canceled) one is started with a build; the build and then the agent are
 * followed until the agent is ready.  Both resolvers then find the pod by
 * the template's labels and require phase Running, Ready and an IP: a pod
 * that moved is found again at the next login, never connected to blindly.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accountd.h"
#include "coder.h"
#include "kube.h"
#include "kubeconfig.h"
#include "log.h"

#define RJOB_MAX	32		/* logins resolving at once, and recent ones */
#define RJOB_POLL_MS	1000		/* between two looks at a build */
#define RJOB_KEEP_S	60		/* a finished job stays readable */

struct rjob {
	unsigned long	 id;		/* 0: free */
	bool		 done;
	char		 account[NAME_MAX_LEN + 1];
	char		 workspace[NAME_MAX_LEN + 1];
	json_t		*events;	/* ["line", ...] */
	json_t		*result;	/* {host, workspace_id} when done well */
	char		 error[512];	/* when done badly */
	int64_t		 finished;
};

static struct {
	pthread_mutex_t	 mu;
	struct rjob	 jobs[RJOB_MAX];
	unsigned long	 next_id;
	const struct config *cfg;
} rj = { .mu = PTHREAD_MUTEX_INITIALIZER };

struct rjob_ctx {
	struct rjob	*job;
	time_t		 deadline;	/* the whole search: coder.start_timeout */
	struct coder	*coder;
	struct kube	*kube;
	struct kube_creds *creds;
	char		 ns[128];
};

static void
rjob_say(struct rjob *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rjob_say(struct rjob *j, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&rj.mu);
	json_array_append_new(j->events, json_string(line));
	pthread_mutex_unlock(&rj.mu);
}

static void
rjob_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* "dev (running), gpu (stopped)": what to offer when WS is not there. */
static void
rjob_list(struct rjob_ctx *x, char *buf, size_t len)
{
	json_t *resp = NULL, *w;
	char err[256];
	size_t i, n;
	long status;

	snprintf(buf, len, "none");
	if (coder_workspace_list(x->coder, x->job->account, &status, &resp, err,
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

/* Follows the workspace until its agent is ready; *id is its Coder id. */
static int
rjob_coder(struct rjob_ctx *x, char *id, size_t idlen, char *err,
    size_t errlen)
{
	const struct config *cfg = rj.cfg;
	struct rjob *j = x->job;
	char last[128] = "", now[128], list[512], path[128];
	json_t *ws = NULL, *b = NULL;
	const char *st, *agent, *life, *v;
	time_t deadline = x->deadline;
	bool started = false;
	long status;
	int rc = -1;

	if (coder_workspace_get(x->coder, j->account, j->workspace, &status, &ws,
	    err, errlen) == -1) {
		if (status == 404) {
			rjob_list(x, list, sizeof(list));
			snprintf(err, errlen, "you have no workspace \"%s\" (yours: "
			    "%s)", j->workspace, list);
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
				rjob_say(j, "workspace %s: running, agent %s%s%s",
				    j->workspace, agent, *life ? ", " : "", life);
			else
				rjob_say(j, "workspace %s: %s", j->workspace, st);
			snprintf(last, sizeof(last), "%s", now);
		}
		if (strcmp(st, "running") == 0 && strcmp(agent, "connected") == 0 &&
		    (*life == '\0' || strcmp(life, "ready") == 0)) {
			rc = 0;
			break;
		}
		if (strcmp(st, "running") == 0 && (strcmp(agent, "timeout") == 0 ||
		    strcmp(life, "start_error") == 0 ||
		    strcmp(life, "start_timeout") == 0)) {
			snprintf(err, errlen, "workspace %s is running but its agent "
			    "did not come up (%s%s%s): ask an admin", j->workspace,
			    agent, *life ? ", " : "", life);
			break;
		}
		if (strcmp(st, "deleted") == 0 || strcmp(st, "deleting") == 0) {
			snprintf(err, errlen, "workspace %s is deleted", j->workspace);
			break;
		}
		if (started && (strcmp(st, "failed") == 0 ||
		    strcmp(st, "canceled") == 0)) {
			v = json_string_value(json_object_get(json_object_get(
			    json_object_get(ws, "latest_build"), "job"), "error"));
			snprintf(err, errlen, "workspace %s failed to start%s%s",
			    j->workspace, v && *v ? ": " : "", v ? v : "");
			break;
		}
		/* Stopped, or failed before we came: start it, once. */
		if (!started && (strcmp(st, "stopped") == 0 ||
		    strcmp(st, "failed") == 0 || strcmp(st, "canceled") == 0)) {
			if (coder_build(x->coder, id, "start", &status, &b, err,
			    errlen) == -1 && status != 409)
				break;
			json_decref(b);
			b = NULL;
			started = true;
			rjob_say(j, "starting workspace %s (up to %llus)",
			    j->workspace, (unsigned long long)(cfg->coder.
			    start_timeout_ms / 1000));
		}
		if (strcmp(st, "pending") == 0 || strcmp(st, "starting") == 0)
			started = true;
		if (time(NULL) >= deadline) {
			snprintf(err, errlen, "workspace %s did not start within "
			    "%llus (build %s%s%s%s%s): try again later, or ask an "
			    "admin", j->workspace, (unsigned long long)
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
rjob_pod(struct rjob_ctx *x, const char *coder_id, char *host, size_t hostlen,
    char *err, size_t errlen)
{
	struct rjob *j = x->job;
	char path[256], sel[256];
	json_t *resp = NULL, *p, *c;
	const char *phase, *ip;
	/* What is left of the search's time: a pod just scheduled may need it. */
	time_t deadline = x->deadline;
	size_t i, k;
	long status;
	bool ready;
	int rc = -1;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods", x->ns);
	if (coder_id != NULL && *coder_id != '\0')
		snprintf(sel, sizeof(sel), "com.coder.workspace.id=%s", coder_id);
	else
		snprintf(sel, sizeof(sel), "com.coder.user.username=%s,"
		    "com.coder.workspace.name=%s", j->account, j->workspace);
	for (;;) {
		json_decref(resp);
		resp = NULL;
		if (kube_list(x->kube, path, sel, &status, &resp, err,
		    errlen) == -1)
			goto out;
		json_array_foreach(json_object_get(resp, "items"), i, p) {
			phase = json_string_value(json_object_get(json_object_get(p,
			    "status"), "phase"));
			ip = json_string_value(json_object_get(json_object_get(p,
			    "status"), "podIP"));
			ready = false;
			json_array_foreach(json_object_get(json_object_get(p,
			    "status"), "conditions"), k, c)
				if (json_is_string(json_object_get(c, "type")) &&
				    strcmp(json_string_value(json_object_get(c,
				    "type")), "Ready") == 0 &&
				    json_is_string(json_object_get(c, "status")) &&
				    strcmp(json_string_value(json_object_get(c,
				    "status")), "True") == 0)
					ready = true;
			if (phase != NULL && strcmp(phase, "Running") == 0 &&
			    ready && ip != NULL && *ip != '\0') {
				snprintf(host, hostlen, "%s", ip);
				rjob_say(j, "pod %s: ready at %s", json_string_value(
				    json_object_get(json_object_get(p, "metadata"),
				    "name")), ip);
				rc = 0;
				goto out;
			}
		}
		if (time(NULL) >= deadline) {
			snprintf(err, errlen, "no running, ready pod for workspace "
			    "%s in %s (labels %s)", j->workspace, x->ns, sel);
			goto out;
		}
		if (i == 0 && (coder_id == NULL || *coder_id == '\0')) {
			snprintf(err, errlen, "workspace %s has no pod in %s: is it "
			    "started?", j->workspace, x->ns);
			goto out;
		}
		rjob_sleep(RJOB_POLL_MS);
	}
out:
	json_decref(resp);
	return rc;
}

static void *
rjob_main(void *arg)
{
	struct rjob_ctx x = { .job = arg };
	struct rjob *j = x.job;
	const struct config *cfg = rj.cfg;

	x.deadline = time(NULL) + (time_t)(cfg->coder.start_timeout_ms / 1000);
	char err[512] = "", id[128] = "", host[64];
	json_t *res = NULL;
	int r;


	if (kdesired_namespace(cfg, j->account, x.ns, sizeof(x.ns)) == -1) {
		snprintf(err, sizeof(err), "no namespace for %s", j->account);
		goto out;
	}
	r = cfg->kubernetes.in_cluster ? kube_creds_in_cluster(NULL, &x.creds,
	    err, sizeof(err)) : kubeconfig_load(cfg->kubernetes.kubeconfig,
	    cfg->kubernetes.context[0] ? cfg->kubernetes.context : NULL,
	    &x.creds, err, sizeof(err));
	if (r == -1 || (x.kube = kube_open(x.creds, err, sizeof(err))) == NULL)
		goto out;
	if (strcmp(cfg->route.resolver, "coder") == 0) {
		if ((x.coder = coder_open(cfg->coder.url, cfg->coder.token_file,
		    err, sizeof(err))) == NULL ||
		    rjob_coder(&x, id, sizeof(id), err, sizeof(err)) == -1)
			goto out;
	}
	if (rjob_pod(&x, id, host, sizeof(host), err, sizeof(err)) == -1)
		goto out;
	res = json_pack("{s:s, s:s}", "host", host, "workspace_id", id);
out:
	if (res == NULL && err[0] == '\0')
		snprintf(err, sizeof(err), "out of memory");
	if (res == NULL)
		log_warn("route: %s+%s: %s", j->account, j->workspace, err);
	coder_close(x.coder);
	kube_close(x.kube);
	kube_creds_free(x.creds);
	pthread_mutex_lock(&rj.mu);
	j->result = res;
	snprintf(j->error, sizeof(j->error), "%s", err);
	j->done = true;
	j->finished = db_now();
	pthread_mutex_unlock(&rj.mu);
	return NULL;
}

unsigned long
route_job_start(const struct config *cfg, const char *account,
    const char *workspace)
{
	struct rjob *j = NULL;
	pthread_attr_t attr;
	pthread_t th;
	unsigned long id = 0;
	size_t i;

	pthread_mutex_lock(&rj.mu);
	rj.cfg = cfg;
	/* A free slot, else the oldest one finished a while ago: its gateway
	 * may still be reading the outcome for a moment. */
	for (i = 0; i < RJOB_MAX; i++) {
		if (rj.jobs[i].id == 0) {
			j = &rj.jobs[i];
			break;
		}
		if (rj.jobs[i].done && db_now() - rj.jobs[i].finished >=
		    RJOB_KEEP_S && (j == NULL || rj.jobs[i].id < j->id))
			j = &rj.jobs[i];
	}
	if (j == NULL)
		goto out;
	json_decref(j->events);
	json_decref(j->result);
	memset(j, 0, sizeof(*j));
	snprintf(j->account, sizeof(j->account), "%s", account);
	snprintf(j->workspace, sizeof(j->workspace), "%s", workspace);
	j->events = json_array();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (j->events == NULL || pthread_create(&th, &attr, rjob_main, j) != 0) {
		pthread_attr_destroy(&attr);
		json_decref(j->events);
		memset(j, 0, sizeof(*j));
		goto out;
	}
	pthread_attr_destroy(&attr);
	j->id = id = ++rj.next_id;
out:
	pthread_mutex_unlock(&rj.mu);
	return id;
}

json_t *
route_job_get(unsigned long id, size_t since)
{
	json_t *out = NULL, *ev;
	struct rjob *j;
	size_t i;

	pthread_mutex_lock(&rj.mu);
	for (i = 0; i < RJOB_MAX; i++)
		if (rj.jobs[i].id == id && id != 0)
			break;
	if (i == RJOB_MAX)
		goto out;
	j = &rj.jobs[i];
	ev = json_array();
	for (i = since; i < json_array_size(j->events); i++)
		json_array_append(ev, json_array_get(j->events, i));
	out = json_pack("{s:s, s:s, s:b, s:I, s:o}", "account", j->account,
	    "workspace", j->workspace, "done", j->done, "next",
	    (json_int_t)json_array_size(j->events), "events", ev);
	if (out != NULL && j->done) {
		if (j->result != NULL)
			json_object_set(out, "result", j->result);
		else
			json_object_set_new(out, "error", json_string(j->error));
	}
out:
	pthread_mutex_unlock(&rj.mu);
	return out;
}

/*
 * route.activity: one usage report for the account's workspace, on a
 * short-lived thread (Coder may be slow; the event loop must not wait).
 * The workspace is looked up by owner and name, so a gateway can only
 * report for the account it names.
 */
struct ractivity {
	char	account[NAME_MAX_LEN + 1];
	char	workspace[NAME_MAX_LEN + 1];
};

static int ractivity_running;	/* under rj.mu */

static void *
ractivity_main(void *arg)
{
	struct ractivity *a = arg;
	const struct config *cfg = rj.cfg;
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
	pthread_mutex_lock(&rj.mu);
	ractivity_running--;
	pthread_mutex_unlock(&rj.mu);
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
	pthread_mutex_lock(&rj.mu);
	rj.cfg = cfg;
	/* Reports are best effort: when Coder is slow, skip rather than pile up. */
	if (ractivity_running >= RJOB_MAX) {
		pthread_mutex_unlock(&rj.mu);
		free(a);
		return -1;
	}
	ractivity_running++;
	pthread_mutex_unlock(&rj.mu);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, ractivity_main, a) == 0)
		rc = 0;
	pthread_attr_destroy(&attr);
	if (rc == -1) {
		free(a);
		pthread_mutex_lock(&rj.mu);
		ractivity_running--;
		pthread_mutex_unlock(&rj.mu);
	}
	return rc;
}
