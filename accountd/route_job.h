/*
 * route_job.h: what the job threads share.  rjob.c keeps the job slots, the
 * events and the outcome that route.job reads; route_job.c runs
 * route.resolve's search, self_job.c the actions of self.job.  A job's
 * thread owns its inputs and reaches the rest of accountd only through
 * these functions: never the database, whose handle is the event loop's.
 */
#ifndef ROUTE_JOB_H
#define ROUTE_JOB_H

#include <time.h>

#include "accountd.h"

#define RJOB_POLL_MS	1000		/* between two looks at a build */

struct rjob;
struct kube_creds;

/*
 * What a job's thread works with.  run fills *result (an object, the
 * caller's) and returns 0, or returns -1 with a reason for the user in err.
 */
struct rjob_ctx {
	struct rjob	*job;
	const struct config *cfg;
	const char	*account;	/* the job's, for as long as it runs */
	const char	*workspace;
	json_t		*input;		/* what the API read for it (owned) */
	bool		 peek;		/* route: never start a stopped workspace */
	bool		 not_running;	/* set by a peek that found it stopped */
	time_t		 deadline;	/* of the current wait: coder.start_timeout */
	struct coder	*coder;		/* opened on demand, closed at the end */
	struct kube	*kube;
	struct kube_creds *creds;
	char		 ns[128];	/* the account's namespace, with kube */
};
typedef int	(*rjob_fn)(struct rjob_ctx *x, json_t **result, char *err,
		    size_t errlen);

/* rjob.c */
/*
 * Starts run on a thread of its own as the job of account (and workspace);
 * action names it in route.job's answer ("route": route.resolve's, the
 * others self.job's, which have slots of their own and at most
 * RJOB_PER_ACCOUNT running per account).  input is taken over, also on
 * failure.  0 with *id set, RJOB_FULL, RJOB_BUSY, or -1 (no thread).
 */
int	 rjob_start(const struct config *cfg, const char *account,
	    const char *workspace, const char *action, bool peek, rjob_fn run,
	    json_t *input, unsigned long *id);
/* One line for the user, in the job's events. */
void	 rjob_say(struct rjob_ctx *x, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 rjob_sleep(long ms);
/* Open the clients a job needs (x->ns is filled with kube). */
int	 rjob_open_kube(struct rjob_ctx *x, char *err, size_t errlen);
int	 rjob_open_coder(struct rjob_ctx *x, char *err, size_t errlen);

/* route_cache.c: the last route of a workspace, re-verified before use */
bool	 route_pod_ready(json_t *pod, const char **ip);
/* 0 when the cached pod is still Running, Ready, at the same IP. */
int	 route_cache_get(struct rjob_ctx *x, char *host, size_t hostlen,
	    char *id, size_t idlen);
/* pod NULL: forget the workspace's entry. */
void	 route_cache_put(struct rjob_ctx *x, const char *pod, const char *ip,
	    const char *id);

/* route_job.c */
/*
 * Follows the workspace in Coder until its agent is ready, starting it
 * when it is stopped (never with x->peek); *id is its Coder id.
 */
int	 route_job_coder(struct rjob_ctx *x, char *id, size_t idlen, char *err,
	    size_t errlen);

#endif
