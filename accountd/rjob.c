/*
 * rjob.c: the jobs that route.resolve and self.job start and route.job
 * polls.  Each runs on a detached thread of its own (a Coder build may take
 * minutes) while the event loop keeps answering; its events and outcome
 * live in a fixed table of slots, under one mutex, until a newer job needs
 * the slot.  Logins and self.job have separate slots, and an account at
 * most RJOB_PER_ACCOUNT running self jobs, so that a user repeating
 * `meduse status` can neither keep others from logging in nor fill the
 * table.  The threads never touch the database: what a job needs from it
 * is read by the API before the job starts and handed over as input.
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
#include "route_job.h"

#define RJOB_MAX	32		/* logins resolving at once, and recent ones */
#define RJOB_SELF_MAX	16		/* self.job jobs, running and recent */
#define RJOB_PER_ACCOUNT 2		/* running self jobs of one account */
#define RJOB_KEEP_S	60		/* a finished job stays readable */
#define RJOB_READ_KEEP_S 5		/* ... or this long once its end was read */

struct rjob {
	unsigned long	 id;		/* 0: free */
	bool		 done;
	bool		 read;		/* its outcome was answered once */
	char		 action[16];	/* "route", or self.job's action */
	char		 account[NAME_MAX_LEN + 1];
	char		 workspace[NAME_MAX_LEN + 1];
	json_t		*events;	/* ["line", ...] */
	json_t		*result;	/* when done well */
	char		 error[512];	/* when done badly */
	bool		 not_running;	/* a peek found the workspace stopped */
	int64_t		 finished;
	/* Set before the thread starts, then the thread's. */
	const struct config *cfg;
	rjob_fn		 run;
	json_t		*input;
	bool		 peek;
};

static struct {
	pthread_mutex_t	 mu;
	struct rjob	 jobs[RJOB_MAX + RJOB_SELF_MAX];
	unsigned long	 next_id;
} rj = { .mu = PTHREAD_MUTEX_INITIALIZER };

void
rjob_say(struct rjob_ctx *x, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&rj.mu);
	json_array_append_new(x->job->events, json_string(line));
	pthread_mutex_unlock(&rj.mu);
}

void
rjob_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
rjob_open_kube(struct rjob_ctx *x, char *err, size_t errlen)
{
	const struct config *cfg = x->cfg;
	int r;

	if (x->kube != NULL)
		return 0;
	if (!kworker_enabled(cfg)) {
		snprintf(err, errlen, "Kubernetes is not configured "
		    "(kubernetes.kubeconfig or in_cluster)");
		return -1;
	}
	if (kdesired_namespace(cfg, x->account, x->ns, sizeof(x->ns)) == -1) {
		snprintf(err, errlen, "no namespace for %s", x->account);
		return -1;
	}
	r = cfg->kubernetes.in_cluster ? kube_creds_in_cluster(NULL, &x->creds,
	    err, errlen) : kubeconfig_load(cfg->kubernetes.kubeconfig,
	    cfg->kubernetes.context[0] ? cfg->kubernetes.context : NULL,
	    &x->creds, err, errlen);
	if (r == -1 || (x->kube = kube_open(x->creds, err, errlen)) == NULL)
		return -1;
	return 0;
}

int
rjob_open_coder(struct rjob_ctx *x, char *err, size_t errlen)
{
	if (x->coder == NULL && (x->coder = coder_open(x->cfg->coder.url,
	    x->cfg->coder.token_file, err, errlen)) == NULL)
		return -1;
	return 0;
}

static void *
rjob_main(void *arg)
{
	struct rjob *j = arg;
	struct rjob_ctx x;
	char err[512] = "";
	json_t *res = NULL;

	memset(&x, 0, sizeof(x));
	x.job = j;
	x.account = j->account;
	x.workspace = j->workspace;
	pthread_mutex_lock(&rj.mu);
	x.cfg = j->cfg;
	x.input = j->input;
	j->input = NULL;
	x.peek = j->peek;
	pthread_mutex_unlock(&rj.mu);

	if (j->run(&x, &res, err, sizeof(err)) == -1 || res == NULL) {
		json_decref(res);
		res = NULL;
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "out of memory");
		/* A peek finding a stopped workspace is no trouble. */
		if (x.not_running)
			log_info("%s: %s+%s: %s", j->action, j->account,
			    j->workspace, err);
		else
			log_warn("%s: %s+%s: %s", j->action, j->account,
			    j->workspace, err);
	}
	coder_close(x.coder);
	kube_close(x.kube);
	kube_creds_free(x.creds);
	json_decref(x.input);
	pthread_mutex_lock(&rj.mu);
	j->result = res;
	snprintf(j->error, sizeof(j->error), "%s", res ? "" : err);
	j->not_running = res == NULL && x.not_running;
	j->done = true;
	j->finished = db_now();
	pthread_mutex_unlock(&rj.mu);
	return NULL;
}

/* A free slot of the pool, else the oldest one finished a while ago. */
static struct rjob *
rjob_slot(size_t first, size_t n)
{
	struct rjob *j = NULL, *s;
	int64_t now = db_now(), age;
	size_t i;

	for (i = first; i < first + n; i++) {
		s = &rj.jobs[i];
		if (s->id == 0)
			return s;
		age = now - s->finished;
		/* Its gateway may still be reading the outcome for a moment. */
		if (s->done && (age >= RJOB_KEEP_S || (s->read &&
		    age >= RJOB_READ_KEEP_S)) && (j == NULL || s->id < j->id))
			j = s;
	}
	return j;
}

int
rjob_start(const struct config *cfg, const char *account,
    const char *workspace, const char *action, bool peek, rjob_fn run,
    json_t *input, unsigned long *id)
{
	bool self = strcmp(action, "route") != 0;
	struct rjob *j = NULL;
	pthread_attr_t attr;
	pthread_t th;
	size_t i, mine = 0;
	int rc = RJOB_FULL;

	*id = 0;
	pthread_mutex_lock(&rj.mu);
	for (i = RJOB_MAX; self && i < RJOB_MAX + RJOB_SELF_MAX; i++)
		if (rj.jobs[i].id != 0 && !rj.jobs[i].done &&
		    strcmp(rj.jobs[i].account, account) == 0)
			mine++;
	if (mine >= RJOB_PER_ACCOUNT) {
		rc = RJOB_BUSY;
		goto out;
	}
	if ((j = self ? rjob_slot(RJOB_MAX, RJOB_SELF_MAX) :
	    rjob_slot(0, RJOB_MAX)) == NULL)
		goto out;
	json_decref(j->events);
	json_decref(j->result);
	memset(j, 0, sizeof(*j));
	snprintf(j->action, sizeof(j->action), "%s", action);
	snprintf(j->account, sizeof(j->account), "%s", account);
	snprintf(j->workspace, sizeof(j->workspace), "%s", workspace);
	j->run = run;
	j->peek = peek;
	j->input = input;
	input = NULL;
	j->cfg = cfg;
	j->events = json_array();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (j->events == NULL || pthread_create(&th, &attr, rjob_main, j) != 0) {
		log_warn("%s: %s+%s: cannot start a thread", action, account,
		    workspace);
		pthread_attr_destroy(&attr);
		json_decref(j->events);
		json_decref(j->input);
		memset(j, 0, sizeof(*j));
		rc = -1;
		goto out;
	}
	pthread_attr_destroy(&attr);
	j->id = *id = ++rj.next_id;
	rc = 0;
out:
	pthread_mutex_unlock(&rj.mu);
	json_decref(input);
	return rc;
}

json_t *
rjob_get(unsigned long id, size_t since)
{
	json_t *out = NULL, *ev;
	struct rjob *j;
	size_t i;

	pthread_mutex_lock(&rj.mu);
	for (i = 0; i < RJOB_MAX + RJOB_SELF_MAX; i++)
		if (rj.jobs[i].id == id && id != 0)
			break;
	if (i == RJOB_MAX + RJOB_SELF_MAX)
		goto out;
	j = &rj.jobs[i];
	ev = json_array();
	for (i = since; i < json_array_size(j->events); i++)
		json_array_append(ev, json_array_get(j->events, i));
	out = json_pack("{s:s, s:s, s:s, s:b, s:I, s:o}", "action", j->action,
	    "account", j->account, "workspace", j->workspace, "done", j->done,
	    "next", (json_int_t)json_array_size(j->events), "events", ev);
	if (out != NULL && j->done) {
		j->read = true;
		if (j->result != NULL)
			json_object_set(out, "result", j->result);
		else
			json_object_set_new(out, "error", json_string(j->error));
		if (j->not_running)
			json_object_set_new(out, "not_running", json_true());
	}
out:
	pthread_mutex_unlock(&rj.mu);
	return out;
}
