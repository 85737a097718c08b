/*
 * reconcile.h: what reconcile.c and reconcile_purge.c share; the rest of
 * accountd sees only reconcile_run() (accountd.h).
 */
#ifndef RECONCILE_H
#define RECONCILE_H

#include "accountd.h"

/* Reports one object's outcome to the pass's caller. */
void	rc_service_outcome(struct reconcile *r, const struct account *a,
	    const char *kind, const char *path, const char *outcome,
	    const char *state, const char *message, const char *hash);
void	rc_event(struct reconcile *r, const char *account, const char *kind,
	    const char *path, const char *outcome, const char *message);
/* DELETE path; 404 counts as done.  -1 with err set, and r->down when the
 * API did not answer. */
int	rc_delete(struct reconcile *r, const char *path, long *status,
	    char *err, size_t errlen);
/* Carries out the purges recorded in kpurge, for account or all (NULL). */
void	rc_purge(struct reconcile *r, const char *account);

/* coder_purge.c */
/*
 * Deletes the Coder workspaces of a purged account, then its Coder user.
 * 0 when Coder has nothing of it left (or is not configured); -1 with err
 * and *status: 0 when Coder did not answer or is still deleting (pending),
 * else its refusal (failed).
 */
int	coder_purge(struct reconcile *r, const char *account, long *status,
	    char *err, size_t errlen);
/* Plan: the deletions coder_purge would make, from the pass's listing. */
void	coder_purge_plan(struct reconcile *r, const char *account);

/* minio_purge.c */
/*
 * Removes a purged account's MinIO user and policy, and its bucket when
 * bucket is not NULL or "" (emptied a step a pass; kept otherwise).  0
 * when MinIO has nothing left to remove (or is not configured); -1 with
 * err and *status: 0 when MinIO did not answer or objects remain
 * (pending), else its refusal.
 */
int	minio_purge(struct reconcile *r, const char *account,
	    const char *bucket, long *status, char *err, size_t errlen);
/* Plan: the deletions minio_purge would make, from the pass's listing. */
void	minio_purge_plan(struct reconcile *r, const char *account,
	    const char *bucket);

#endif
