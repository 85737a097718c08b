/*
 * kworker.c: the thread that talks to Kubernetes for accountd.
 *
 * The event loop (server.c) must answer PAM and the gateway within
 * milliseconds, and an API server may take seconds or not answer at all, so
 * every Kubernetes request is made here, on a thread with its own database
 * connection.  The loop hands work over as jobs (a sync or plan of one
 * account or of all, a listing of a namespace's PVCs, or an account's MinIO
 * keys read from its Secret) and callers poll a job's progress with
 * kube.job.  The thread also runs the periodic full pass
 * (kubernetes.reconcile_interval), and one at start, so that a crash in the
 * middle of a pass is repaired by the next start.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accountd.h"
#include "coder.h"
#include "minio.h"
#include "kube.h"
#include "kubeconfig.h"
#include "log.h"

#define KJOB_MAX	32	/* jobs kept, finished ones included */
#define KJOB_EVENTS_MAX	2000	/* events kept per job */

struct kjob {
	unsigned long	 id;		/* 0: free slot */
	enum kjob_type	 type;
	char		 account[NAME_MAX_LEN + 1];	/* "" for all */
	enum { KJ_QUEUED, KJ_RUNNING, KJ_DONE } state;
	json_t		*events;	/* [{account, kind, path, outcome, message}] */
	unsigned long	 dropped;	/* events over KJOB_EVENTS_MAX */
	json_t		*result;	/* when done */
	int64_t		 queued, started, finished;
};

static struct {
	bool		 enabled, started, stop;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	const struct config *cfg;
	struct kjob	 jobs[KJOB_MAX];
	unsigned long	 next_id;
	int64_t		 next_full;	/* unix seconds; 0: none planned */
	json_t		*last_full;	/* summary of the last full pass */
	struct kjob	*current;	/* the running job (thread only) */
} kw = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

static const char *const kjob_names[] = { "sync", "plan", "pvcs",
    "rotate", "secrets" };

bool
kworker_enabled(const struct config *cfg)
{
	return cfg->kubernetes.kubeconfig[0] != '\0' ||
	    cfg->kubernetes.in_cluster;
}

/* Waits ms or until stop; the kube client's backoff uses it. */
static void
kw_sleep(void *arg, long ms)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&kw.mu);
	while (!kw.stop && pthread_cond_timedwait(&kw.cv, &kw.mu, &ts) == 0)
		;
	pthread_mutex_unlock(&kw.mu);
}

static bool
kw_stopping(void *arg)
{
	bool s;

	(void)arg;
	pthread_mutex_lock(&kw.mu);
	s = kw.stop;
	pthread_mutex_unlock(&kw.mu);
	return s;
}

static void
kw_event(void *arg, const struct rc_event *ev)
{
	struct kjob *j = arg;

	/* A full pass reports what it did, not the thousands it left alone. */
	if (j->account[0] == '\0' && strcmp(ev->outcome, "unchanged") == 0)
		return;
	if (strcmp(ev->outcome, "failed") == 0 || strcmp(ev->outcome,
	    "orphan") == 0)
		log_warn("%s: %s %s %s: %s", strncmp(ev->path, "coder:", 6) == 0 ?
		    "coder" : strncmp(ev->path, "minio:", 6) == 0 ? "minio" :
		    "kubernetes", ev->account, ev->path, ev->outcome,
		    ev->message);
	pthread_mutex_lock(&kw.mu);
	if (json_array_size(j->events) >= KJOB_EVENTS_MAX)
		j->dropped++;
	else
		json_array_append_new(j->events, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s}", "account", ev->account, "kind", ev->kind ? ev->kind :
		    "", "path", ev->path, "outcome", ev->outcome, "message",
		    ev->message ? ev->message : ""));
	pthread_mutex_unlock(&kw.mu);
}

/* Credentials and client, made on first use and kept. */
static struct kube *
kw_client(struct kube **kp, struct kube_creds **creds, char *err,
    size_t errlen)
{
	const struct config *cfg = kw.cfg;
	struct kube *k;

	if (*kp != NULL)
		return *kp;
	if (*creds == NULL) {
		if ((cfg->kubernetes.in_cluster ? kube_creds_in_cluster(NULL,
		    creds, err, errlen) : kubeconfig_load(
		    cfg->kubernetes.kubeconfig, cfg->kubernetes.context[0] ?
		    cfg->kubernetes.context : NULL, creds, err, errlen)) == -1)
			return NULL;
	}
	if ((k = kube_open(*creds, err, errlen)) != NULL)
		kube_set_sleep(k, kw_sleep, NULL);
	return *kp = k;
}

static json_t *
kw_counts(const struct reconcile *r)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}",
	    "applied", (json_int_t)r->n.applied,
	    "unchanged", (json_int_t)r->n.unchanged,
	    "pending", (json_int_t)r->n.pending,
	    "failed", (json_int_t)r->n.failed,
	    "deleted", (json_int_t)r->n.deleted,
	    "orphans", (json_int_t)r->n.orphans,
	    "calls", (json_int_t)r->n.calls,
	    "down", r->down, "coder_down", r->coder_down);
}

/* The PVCs a purge of the account would destroy. */
static json_t *
kw_pvcs(struct kube *k, const char *account, char *err, size_t errlen)
{
	char ns[128], path[256];
	json_t *resp = NULL, *names, *item, *out = NULL;
	size_t i;
	long status;

	if (kdesired_namespace(kw.cfg, account, ns, sizeof(ns)) == -1) {
		snprintf(err, errlen, "no valid namespace for %s", account);
		return NULL;
	}
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
	if (kube_get(k, path, &status, NULL, err, errlen) == -1 &&
	    status != 404)
		return NULL;
	if (status == 404)
		return json_pack("{s:s, s:b, s:[]}", "namespace", ns, "exists", 0,
		    "pvcs");
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/"
	    "persistentvolumeclaims", ns);
	if (kube_list(k, path, NULL, &status, &resp, err, errlen) == -1)
		goto out;
	names = json_array();
	json_array_foreach(json_object_get(resp, "items"), i, item)
		json_array_append(names, json_object_get(json_object_get(item,
		    "metadata"), "name"));
	out = json_pack("{s:s, s:b, s:o}", "namespace", ns, "exists", 1, "pvcs",
	    names);
out:
	json_decref(resp);
	return out;
}

/* One key of a Secret's data, decoded; NULL with err when it is not there. */
static char *
kw_secret_value(json_t *secret, const char *key, char *err, size_t errlen)
{
	const char *b64 = json_string_value(json_object_get(json_object_get(
	    secret, "data"), key));
	unsigned char *raw = NULL;
	size_t len;
	char *out;

	if (b64 == NULL || kube_base64_decode(b64, &raw, &len) == -1 ||
	    memchr(raw, '\0', len) != NULL) {
		free(raw);
		snprintf(err, errlen, "the Secret meduse-minio has no valid %s",
		    key);
		return NULL;
	}
	if ((out = malloc(len + 1)) != NULL) {
		memcpy(out, raw, len);
		out[len] = '\0';
	}
	explicit_bzero(raw, len);
	free(raw);
	if (out == NULL)
		snprintf(err, errlen, "out of memory");
	return out;
}

/*
 * The account's MinIO keys, from its Secret meduse-minio: what its
 * workspaces get.  The secret key is never logged; the result goes to the
 * one caller that asked (kworker_job).
 */
static json_t *
kw_secrets(struct kube *k, const char *account, char *err, size_t errlen)
{
	char ns[128], path[256], *access = NULL, *secret = NULL;
	json_t *resp = NULL, *out = NULL;
	long status = 0;

	if (kdesired_namespace(kw.cfg, account, ns, sizeof(ns)) == -1) {
		snprintf(err, errlen, "no valid namespace for %s", account);
		return NULL;
	}
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/"
	    "meduse-minio", ns);
	if (kube_get(k, path, &status, &resp, err, errlen) == -1) {
		if (status == 404)
			snprintf(err, errlen, "no Secret meduse-minio in namespace "
			    "%s yet (accountctl status %s tells why)", ns, account);
		goto out;
	}
	if ((access = kw_secret_value(resp, "AWS_ACCESS_KEY_ID", err,
	    errlen)) == NULL || (secret = kw_secret_value(resp,
	    "AWS_SECRET_ACCESS_KEY", err, errlen)) == NULL)
		goto out;
	out = json_pack("{s:s, s:s, s:s}", "namespace", ns, "access_key",
	    access, "secret_key", secret);
out:
	if (secret != NULL)
		explicit_bzero(secret, strlen(secret));
	free(secret);
	free(access);
	json_decref(resp);
	return out;
}

/* The Coder client, when coder.url is set; NULL (logged) otherwise. */
static struct coder *
kw_coder(struct coder **cp)
{
	char err[512];

	if (*cp != NULL || kw.cfg->coder.url[0] == '\0')
		return *cp;
	if ((*cp = coder_open(kw.cfg->coder.url, kw.cfg->coder.token_file, err,
	    sizeof(err))) == NULL)
		log_error("coder: %s; Coder users and workspaces are not "
		    "managed until this is fixed", err);
	else
		coder_set_sleep(*cp, kw_sleep, NULL);
	return *cp;
}

/* The MinIO client, when minio.endpoint is set; NULL (logged) otherwise. */
static struct minio *
kw_minio(struct minio **mp)
{
	char err[512];

	if (*mp != NULL || kw.cfg->minio.endpoint == NULL ||
	    kw.cfg->minio.endpoint[0] == '\0')
		return *mp;
	if ((*mp = minio_open(kw.cfg->minio.endpoint,
	    kw.cfg->minio.credentials_file, kw.cfg->minio.region, err,
	    sizeof(err))) == NULL)
		log_error("minio: %s; MinIO users and buckets are not managed "
		    "until this is fixed", err);
	else
		minio_set_sleep(*mp, kw_sleep, NULL);
	return *mp;
}

/* Accounts whose purge has more to do (a bucket being emptied): a pass of
 * their own follows at once, behind the jobs already queued. */
static void
kw_again(json_t *accounts)
{
	json_t *v;
	size_t i;

	json_array_foreach(accounts, i, v)
		if (kworker_submit(KJOB_SYNC, json_string_value(v)) == 0)
			log_warn("kubernetes: the purge of %s goes on at the next "
			    "full pass (the job queue is full)",
			    json_string_value(v));
	json_decref(accounts);
}

static json_t *
kw_run(struct kjob *j, sqlite3 *db, struct kube **kp,
    struct kube_creds **creds, struct coder **cp, struct minio **mp)
{
	struct reconcile r;
	struct kube *k;
	char err[512];
	json_t *res;
	int rc;

	if ((k = kw_client(kp, creds, err, sizeof(err))) == NULL) {
		log_error("kubernetes: %s", err);
		return json_pack("{s:s}", "error", err);
	}
	if (j->type == KJOB_PVCS) {
		if ((res = kw_pvcs(k, j->account, err, sizeof(err))) == NULL)
			res = json_pack("{s:s}", "error", err);
		return res;
	}
	if (j->type == KJOB_SECRETS) {
		if ((res = kw_secrets(k, j->account, err, sizeof(err))) == NULL)
			res = json_pack("{s:s}", "error", err);
		return res;
	}
	memset(&r, 0, sizeof(r));
	r.cfg = kw.cfg;
	r.db = db;
	r.kube = k;
	r.coder = kw_coder(cp);
	r.minio = kw_minio(mp);
	r.plan = j->type == KJOB_PLAN;
	r.minio_rotate = j->type == KJOB_ROTATE;
	r.event = kw_event;
	r.stop = kw_stopping;
	r.arg = j;
	r.again = r.plan ? NULL : json_array();
	rc = reconcile_run(&r, j->account[0] ? j->account : NULL);
	kw_again(r.again);
	res = kw_counts(&r);
	if (r.plan)
		json_object_set_new(res, "changes", r.changes ? r.changes :
		    json_array());
	if (rc == -1)
		json_object_set_new(res, "error", json_string("database error "
		    "while recording the outcome (see the accountd log)"));
	if (r.down[0] != '\0')
		log_warn("kubernetes: %s pass of %s stopped: %s",
		    kjob_names[j->type], j->account[0] ? j->account : "all "
		    "accounts", r.down);
	return res;
}

static struct kjob *
kw_next(void)
{
	struct kjob *best = NULL;
	size_t i;

	for (i = 0; i < KJOB_MAX; i++)
		if (kw.jobs[i].id != 0 && kw.jobs[i].state == KJ_QUEUED &&
		    (best == NULL || kw.jobs[i].id < best->id))
			best = &kw.jobs[i];
	return best;
}

static void *
kw_main(void *arg)
{
	struct kube_creds *creds = NULL;
	struct kube *k = NULL;
	struct coder *coder = NULL;
	struct minio *minio = NULL;
	struct kjob *j;
	struct timespec ts;
	sqlite3 *db = NULL;
	json_t *res;
	int64_t now;

	(void)arg;
	if (db_open(kw.cfg->state_dir, &db) == -1) {
		log_error("kubernetes: the reconciler cannot open the database; "
		    "no Kubernetes object will be managed");
		return NULL;
	}
	pthread_mutex_lock(&kw.mu);
	while (!kw.stop) {
		now = db_now();
		if ((j = kw_next()) == NULL && kw.next_full != 0 &&
		    now >= kw.next_full) {
			kw.next_full = 0;
			pthread_mutex_unlock(&kw.mu);
			(void)kworker_submit(KJOB_SYNC, "");
			pthread_mutex_lock(&kw.mu);
			continue;
		}
		if (j == NULL) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += kw.next_full ? kw.next_full - now : 3600;
			pthread_cond_timedwait(&kw.cv, &kw.mu, &ts);
			continue;
		}
		j->state = KJ_RUNNING;
		j->started = now;
		pthread_mutex_unlock(&kw.mu);
		res = kw_run(j, db, &k, &creds, &coder, &minio);
		pthread_mutex_lock(&kw.mu);
		j->result = res;
		j->state = KJ_DONE;
		j->finished = db_now();
		if (j->type == KJOB_SYNC && j->account[0] == '\0') {
			json_decref(kw.last_full);
			kw.last_full = json_deep_copy(res);
			json_object_set_new(kw.last_full, "finished",
			    dates_json(j->finished));
			json_object_set_new(kw.last_full, "seconds",
			    json_integer(j->finished - j->started));
			/* Whole seconds, rounded up: 500ms must not mean 0. */
			if (kw.cfg->kubernetes.reconcile_interval_ms > 0)
				kw.next_full = j->finished + (int64_t)((kw.cfg->
				    kubernetes.reconcile_interval_ms + 999) / 1000);
		}
	}
	pthread_mutex_unlock(&kw.mu);
	db_close(db);
	kube_close(k);
	coder_close(coder);
	minio_close(minio);
	kube_creds_free(creds);
	return NULL;
}

int
kworker_start(const struct config *cfg)
{
	kw.cfg = cfg;
	kw.enabled = kworker_enabled(cfg);
	if (!kw.enabled) {
		log_info("kubernetes: provisioning is off (no kubernetes.kubeconfig, "
		    "kubernetes.in_cluster false)");
		if (cfg->coder.url[0] != '\0')
			log_warn("coder: coder.url is set but Kubernetes provisioning "
			    "is off: Coder users and workspaces are not managed (the "
			    "workspaces live in the accounts' namespaces)");
		return 0;
	}
	kw.next_full = db_now();	/* a full pass at start */
	if (pthread_create(&kw.thread, NULL, kw_main, NULL) != 0) {
		log_error("kubernetes: cannot start the reconciler thread");
		return -1;
	}
	kw.started = true;
	if (cfg->kubernetes.reconcile_interval_ms > 0)
		log_info("kubernetes: reconciling with %s, a full pass every %llus",
		    cfg->kubernetes.in_cluster ? "the pod's service account" :
		    cfg->kubernetes.kubeconfig, (unsigned long long)
		    ((cfg->kubernetes.reconcile_interval_ms + 999) / 1000));
	else
		log_info("kubernetes: reconciling with %s after each change, and "
		    "a full pass at start only (reconcile_interval 0)",
		    cfg->kubernetes.in_cluster ? "the pod's service account" :
		    cfg->kubernetes.kubeconfig);
	return 0;
}

int
kworker_stop(void)
{
	struct timespec ts;
	size_t i;

	if (kw.started) {
		pthread_mutex_lock(&kw.mu);
		kw.stop = true;
		pthread_cond_broadcast(&kw.cv);
		pthread_mutex_unlock(&kw.mu);
		/* A request in flight ends at its timeout; do not wait that long. */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 3;
		if (pthread_timedjoin_np(kw.thread, NULL, &ts) != 0) {
			log_warn("kubernetes: a request is still in flight; "
			    "stopping without it (the next start repairs)");
			return -1;
		}
		kw.started = false;
	}
	for (i = 0; i < KJOB_MAX; i++) {
		json_decref(kw.jobs[i].events);
		json_decref(kw.jobs[i].result);
	}
	json_decref(kw.last_full);
	memset(kw.jobs, 0, sizeof(kw.jobs));
	kw.last_full = NULL;
	return 0;
}

unsigned long
kworker_submit(enum kjob_type type, const char *account)
{
	struct kjob *j = NULL;
	unsigned long id = 0;
	size_t i;

	if (!kw.enabled)
		return 0;
	pthread_mutex_lock(&kw.mu);
	/* The same work already waiting: its result will do for both (not
	 * keys, handed over once, to the caller that asked). */
	for (i = 0; i < KJOB_MAX && type != KJOB_SECRETS; i++)
		if (kw.jobs[i].id != 0 && kw.jobs[i].state == KJ_QUEUED &&
		    kw.jobs[i].type == type &&
		    strcmp(kw.jobs[i].account, account) == 0) {
			id = kw.jobs[i].id;
			goto out;
		}
	/* A free slot, else the oldest finished job makes room. */
	for (i = 0; i < KJOB_MAX; i++) {
		if (kw.jobs[i].id == 0) {
			j = &kw.jobs[i];
			break;
		}
		if (kw.jobs[i].state == KJ_DONE && (j == NULL ||
		    kw.jobs[i].id < j->id))
			j = &kw.jobs[i];
	}
	if (j == NULL)
		goto out;	/* KJOB_MAX jobs waiting: the caller says busy */
	json_decref(j->events);
	json_decref(j->result);
	memset(j, 0, sizeof(*j));
	j->id = id = ++kw.next_id;
	j->type = type;
	snprintf(j->account, sizeof(j->account), "%s", account);
	j->events = json_array();
	j->queued = db_now();
	pthread_cond_broadcast(&kw.cv);
out:
	pthread_mutex_unlock(&kw.mu);
	return id;
}

json_t *
kworker_job(unsigned long id, size_t since)
{
	static const char *const states[] = { "queued", "running", "done" };
	json_t *out = NULL, *ev;
	struct kjob *j;
	size_t i;

	pthread_mutex_lock(&kw.mu);
	for (i = 0; i < KJOB_MAX; i++)
		if (kw.jobs[i].id == id && id != 0)
			break;
	if (i == KJOB_MAX)
		goto out;
	j = &kw.jobs[i];
	if ((ev = json_array()) == NULL)
		goto out;
	for (i = since; i < json_array_size(j->events); i++)
		json_array_append(ev, json_array_get(j->events, i));
	out = json_pack("{s:I, s:s, s:s, s:s, s:I, s:o, s:I}", "job",
	    (json_int_t)j->id, "type", kjob_names[j->type], "account",
	    j->account, "state", states[j->state], "next",
	    (json_int_t)json_array_size(j->events), "events", ev, "dropped",
	    (json_int_t)j->dropped);
	if (out != NULL && j->state == KJ_DONE)
		json_object_set(out, "result", j->result);
	/* Keys are handed over once: the next poll finds them gone. */
	if (out != NULL && j->state == KJ_DONE && j->type == KJOB_SECRETS &&
	    json_object_get(j->result, "secret_key") != NULL) {
		json_decref(j->result);
		j->result = json_pack("{s:s}", "error", "the keys were handed "
		    "over already");
	}
out:
	pthread_mutex_unlock(&kw.mu);
	return out;
}

json_t *
kworker_info(void)
{
	json_t *out;
	size_t i, queued = 0;

	pthread_mutex_lock(&kw.mu);
	for (i = 0; i < KJOB_MAX; i++)
		queued += kw.jobs[i].id != 0 && kw.jobs[i].state != KJ_DONE;
	out = json_pack("{s:b, s:I, s:O?, s:o, s:I}", "enabled", kw.enabled,
	    "interval", (json_int_t)(kw.cfg ? (kw.cfg->kubernetes.
	    reconcile_interval_ms + 999) / 1000 : 0), "last_full", kw.last_full,
	    "next_full", kw.next_full ? dates_json(kw.next_full) : json_null(),
	    "jobs", (json_int_t)queued);
	pthread_mutex_unlock(&kw.mu);
	return out;
}
