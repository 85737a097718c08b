/*
 * route_cache.c: a login's route, kept briefly.  The next login of the same
 * workspace within RCACHE_TTL_S asks Kubernetes for that one pod by name
 * instead of asking Coder and listing pods: if it is still Running and
 * Ready, with the same IP and the same workspace id, the route stands.
 * Anything else (deleted, moved, restarting, another IP) drops the entry
 * and the full search runs: a pod that moved is never connected to
 * blindly.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accountd.h"
#include "kube.h"
#include "route_job.h"

#define RCACHE_MAX	64
#define RCACHE_TTL_S	30

struct rcache {
	char	 key[2 * NAME_MAX_LEN + 2];	/* account/workspace; "" free */
	char	 pod[254];
	char	 ip[64];
	char	 id[128];			/* Coder's workspace id, or "" */
	time_t	 at;
};

static struct rcache	rcache[RCACHE_MAX];
static pthread_mutex_t	rcache_mu = PTHREAD_MUTEX_INITIALIZER;

bool
route_pod_ready(json_t *pod, const char **ip)
{
	json_t *st = json_object_get(pod, "status"), *c;
	const char *phase = json_string_value(json_object_get(st, "phase"));
	const char *type, *status;
	size_t i;

	*ip = json_string_value(json_object_get(st, "podIP"));
	/* A pod being deleted may still say Ready for a moment. */
	if (json_object_get(json_object_get(pod, "metadata"),
	    "deletionTimestamp") != NULL)
		return false;
	if (phase == NULL || strcmp(phase, "Running") != 0 || *ip == NULL ||
	    **ip == '\0')
		return false;
	json_array_foreach(json_object_get(st, "conditions"), i, c) {
		type = json_string_value(json_object_get(c, "type"));
		status = json_string_value(json_object_get(c, "status"));
		if (type != NULL && status != NULL && strcmp(type, "Ready") == 0)
			return strcmp(status, "True") == 0;
	}
	return false;
}

static struct rcache *
rcache_find(const char *key)
{
	size_t i;

	for (i = 0; i < RCACHE_MAX; i++)
		if (strcmp(rcache[i].key, key) == 0)
			return &rcache[i];
	return NULL;
}

int
route_cache_get(struct rjob_ctx *x, char *host, size_t hostlen, char *id,
    size_t idlen)
{
	struct rcache e, *p;
	char key[sizeof(e.key)], path[512], err[256];
	json_t *pod = NULL;
	const char *ip, *label;
	long status;
	int rc = -1;

	snprintf(key, sizeof(key), "%s/%s", x->account, x->workspace);
	pthread_mutex_lock(&rcache_mu);
	if ((p = rcache_find(key)) != NULL && time(NULL) - p->at <= RCACHE_TTL_S)
		e = *p;
	else
		p = NULL;
	pthread_mutex_unlock(&rcache_mu);
	if (p == NULL)
		return -1;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", x->ns,
	    e.pod);
	if (kube_get(x->kube, path, &status, &pod, err, sizeof(err)) == -1)
		goto out;
	label = json_string_value(json_object_get(json_object_get(
	    json_object_get(pod, "metadata"), "labels"), "com.coder.workspace.id"));
	if (!route_pod_ready(pod, &ip) || strcmp(ip, e.ip) != 0 ||
	    (e.id[0] != '\0' && (label == NULL || strcmp(label, e.id) != 0)))
		goto out;
	snprintf(host, hostlen, "%s", ip);
	snprintf(id, idlen, "%s", e.id);
	rjob_say(x, "pod %s: still ready at %s", e.pod, ip);
	rc = 0;
out:
	if (rc == -1)
		route_cache_put(x, NULL, NULL, NULL);
	json_decref(pod);
	return rc;
}

void
route_cache_put(struct rjob_ctx *x, const char *pod, const char *ip,
    const char *id)
{
	char key[sizeof(rcache[0].key)];
	struct rcache *p;
	size_t i;

	snprintf(key, sizeof(key), "%s/%s", x->account, x->workspace);
	pthread_mutex_lock(&rcache_mu);
	if ((p = rcache_find(key)) == NULL && pod != NULL) {
		/* A free entry, else the oldest. */
		for (p = &rcache[0], i = 0; i < RCACHE_MAX; i++) {
			if (rcache[i].key[0] == '\0') {
				p = &rcache[i];
				break;
			}
			if (rcache[i].at < p->at)
				p = &rcache[i];
		}
	}
	if (p != NULL && pod == NULL)
		memset(p, 0, sizeof(*p));
	else if (p != NULL) {
		snprintf(p->key, sizeof(p->key), "%s", key);
		snprintf(p->pod, sizeof(p->pod), "%s", pod);
		snprintf(p->ip, sizeof(p->ip), "%s", ip);
		snprintf(p->id, sizeof(p->id), "%s", id ? id : "");
		p->at = time(NULL);
	}
	pthread_mutex_unlock(&rcache_mu);
}
