/*
 * accountd.h: the private header of accountd, the daemon that owns the
 * account database.  Prototypes are grouped by the file that defines them.
 */
#ifndef ACCOUNTD_H
#define ACCOUNTD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include <sqlite3.h>

#include "config.h"
#include "keys.h"
#include "names.h"
#include "proto.h"
#include "quota.h"

struct coder;
struct minio;
struct kube;

#define DB_FILE			"meduse.db"
#define DB_SCHEMA_VERSION	3
#define ACCOUNTD_MAX_CONN	64	/* open client connections */
#define ACCOUNTD_IDLE_MS	30000	/* a silent client is dropped after this */
#define ACCOUNTD_MAX_UNPRIV	4	/* connections of peers in neither group */
/* The account's ResourceQuota (kdesired.c makes it, self_job.c reads it). */
#define KDESIRED_QUOTA_NAME	"meduse-quota"
#define DATE_LEN		11	/* "YYYY-MM-DD" + NUL */

/* What a peer may call; a method's entry names the least it needs. */
enum priv {
	PRIV_NONE,			/* neither group: refused everything */
	PRIV_GATEWAY,			/* lookups the gateway and PAM need */
	PRIV_ADMIN,			/* everything */
};

/* The kernel's word on who is at the other end of a connection. */
struct peer {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	gid_t		 groups[64];	/* supplementary groups (SO_PEERGROUPS) */
	int		 ngroups;
	char		 name[64];	/* user name, or "uid N" */
};

/* Process-wide state: read-only after start, except the database handle. */
struct accountd {
	struct config	*cfg;
	sqlite3		*db;
	gid_t		 admin_gid;	/* (gid_t)-1 when the group does not exist */
	gid_t		 gateway_gid;
};

/* One request being served: the handler's inputs and outputs. */
struct call {
	struct accountd	*ad;
	const struct peer *peer;
	json_t		*params;	/* borrowed */
	json_t		*result;	/* set by the handler on success (owned) */
	char		 target[2 * NAME_MAX_LEN + 2]; /* account acted on, for the audit log */
	char		 detail[256];	/* extra audit text (fingerprints, quota) */
	enum api_err	 code;		/* set with api_fail() */
	char		 message[512];
	/* Run by api.c once the transaction is settled: files that must
	 * follow the database (gateway keys) are moved into place or dropped. */
	void		(*on_commit)(struct call *);
	void		(*on_rollback)(struct call *);
};

enum account_state {
	ACCOUNT_ACTIVE,
	ACCOUNT_LOCKED,
	ACCOUNT_EXPIRED,		/* never stored: derived from the expiry date */
};

struct account {
	int64_t		 id;
	char		 name[NAME_MAX_LEN + 1];
	char		*display_name;	/* owned */
	char		*email;		/* owned */
	bool		 locked;
	char		 expires[DATE_LEN];	/* "" when it never expires */
	int64_t		 created, updated, deleted;	/* unix seconds; deleted 0: not deleted */
	struct quota	 quota;
	char		*gateway_pubkey;	/* "ssh-ed25519 AAAA... comment", "" if none (owned) */
};

/* db.c */
int		 db_open(const char *state_dir, sqlite3 **out);
void		 db_close(sqlite3 *db);
int		 db_begin(sqlite3 *db);
int		 db_commit(sqlite3 *db);
void		 db_rollback(sqlite3 *db);
int		 db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out);
int		 db_step_text(sqlite3 *db, sqlite3_stmt *st, char *out, size_t len);
int64_t		 db_now(void);
const char	*db_errmsg(sqlite3 *db);

/* db_account.c: each returns 0, -1 on a database error, or DB_NOTFOUND/DB_EXISTS */
#define DB_NOTFOUND	(-2)
#define DB_EXISTS	(-3)
int	db_account_insert(sqlite3 *db, struct account *a);
int	db_account_get(sqlite3 *db, const char *name, struct account *a);
int	db_account_list(sqlite3 *db, struct account **out, size_t *n);
int	db_account_set_locked(sqlite3 *db, int64_t id, bool locked);
int	db_account_mark_deleted(sqlite3 *db, int64_t id);
int	db_account_set_expires(sqlite3 *db, int64_t id, const char *date);
int	db_account_set_info(sqlite3 *db, int64_t id, const char *display,
	    const char *email);
int	db_account_touch(sqlite3 *db, int64_t id);
int	db_account_purge(sqlite3 *db, int64_t id);
int	db_quota_set(sqlite3 *db, int64_t id, const struct quota *q);
void	account_clear(struct account *a);
void	account_free_array(struct account *a, size_t n);
enum account_state account_state(const struct account *a);
const char	*account_state_name(enum account_state s);
int	db_workspace_add(sqlite3 *db, int64_t account_id, const char *name, bool is_default);
int	db_workspace_add_template(sqlite3 *db, int64_t account_id,
	    const char *name, bool is_default, const char *template_name);
int	db_workspace_rm(sqlite3 *db, int64_t account_id, const char *name);
/* [{name, default, created, template}], the default first */
json_t	*db_workspace_list(sqlite3 *db, int64_t account_id);

/* db_key.c */
int	db_key_insert(sqlite3 *db, int64_t account_id, const struct pubkey *k);
int	db_key_owner(sqlite3 *db, const char *fingerprint, char *owner, size_t len);
int	db_key_delete(sqlite3 *db, int64_t account_id, const char *fingerprint);
int	db_key_delete_all(sqlite3 *db, int64_t account_id);
int	db_key_count(sqlite3 *db, int64_t account_id, int64_t *n);
json_t	*db_key_list(sqlite3 *db, int64_t account_id);
int	db_key_lookup(sqlite3 *db, const char *fingerprint, struct account *a,
	    json_t **key);
int	db_key_touch(sqlite3 *db, const char *fingerprint);

/* db_audit.c */
int	db_audit_add(sqlite3 *db, const struct peer *p, const char *action,
	    const char *target, const char *outcome, const char *detail);
json_t	*db_audit_list(sqlite3 *db, int64_t since, const char *target, int64_t limit);

/* gwkey.c */
int	 gwkey_dir_init(struct accountd *ad);
int	 gwkey_path(struct accountd *ad, const char *name, char *buf, size_t len);
int	 gwkey_prepare(struct call *c, const char *name, char **pubkey);
void	 gwkey_commit(struct call *c);
void	 gwkey_discard(struct call *c);
void	 gwkey_remove(struct call *c);
int	 gwkey_reconcile(struct accountd *ad);
int	db_account_set_gateway_key(sqlite3 *db, int64_t id, const char *pubkey);

/* api_route.c */
int	 api_route_resolve(struct call *c);
int	 api_route_job(struct call *c);
int	 api_route_activity(struct call *c);
/* The account "name", which must be active. */
int	 api_route_account(struct call *c, struct account *a);
/* That, and its workspace "workspace" ("" or absent: the default one). */
int	 api_route_target(struct call *c, struct account *a, char *wsname,
	    size_t len);

/* rjob.c: jobs on threads of their own (route_job.h) */
#define RJOB_FULL	(-2)		/* every slot is taken */
#define RJOB_BUSY	(-3)		/* the account has enough jobs running */
/* {action, account, workspace, done, next, events[, result | error]
 * [, not_running]}, or NULL */
json_t	*rjob_get(unsigned long id, size_t since);

/* route_job.c: finding and starting a workspace, one thread per login */
/* 0, or rjob_start's failures; start false: a peek (route_job.h). */
int	 route_job_start(const struct config *cfg, const char *account,
	    const char *workspace, bool start, json_t *params, unsigned long *id);
/* One Coder usage report for the workspace, in the background. */
int	 route_activity_start(const struct config *cfg, const char *account,
	    const char *workspace);
int	db_workspace_find(sqlite3 *db, int64_t account_id, const char *name,
	    char *out, size_t len);

/* kdesired.c */
/* The account's namespace, prefix + name; -1 if longer than a DNS label. */
/* The Coder template's rich parameter values for the account (the
 * shipped template's: namespace, cpu, memory, gpu, home_pvc). */
json_t	*kdesired_coder_params(const struct config *cfg, const struct account *a);
int	 kdesired_namespace(const struct config *cfg, const char *account,
	    char *buf, size_t len);
/*
 * The Kubernetes objects the account should have, in apply order (the
 * namespace and its Volcano queue first): a new array of
 * {"path": API path for server-side apply, "object": body}.  The Secret is
 * left out while the account has no gateway key.  -1 with err set on an
 * invalid quota or namespace name.
 */
int	 kdesired_build(const struct config *cfg, const struct account *a,
	    json_t **objects, char *err, size_t errlen);
/* Appends the Secret meduse-minio: the account's S3 credentials, endpoint,
 * region and DVC remote. */
int	 kdesired_minio_secret(const struct config *cfg, const struct account *a,
	    const char *access, const char *secret, const char *bucket,
	    json_t *arr, char *err, size_t errlen);

/* reconcile.c */
/* One object's outcome: created, updated, unchanged, pending, failed,
 * deleted, orphan; in plan mode create, update, delete, purge. */
struct rc_event {
	const char	*account, *kind, *path, *outcome, *message;
};

struct reconcile {
	const struct config *cfg;
	sqlite3		*db;
	struct kube	*kube;
	bool		 plan;		/* dry runs only; nothing is written */
	void		(*event)(void *arg, const struct rc_event *ev);
	bool		(*stop)(void *arg);	/* polled between accounts */
	void		*arg;
	struct {
		unsigned long	applied, unchanged, pending, failed, deleted,
				orphans, dberrors, calls;
	}		 n;		/* of the last pass */
	json_t		*changes;	/* plan: [{account, kind, path, action,
					   changes}]; the caller's */
	json_t		*observed;	/* during a pass: {account: {path: item}} */
	char		 down[512];	/* the API stopped answering: why */
	/* The Coder side (coder_sync.c); coder NULL when not configured. */
	struct coder	*coder;
	json_t		*cusers;	/* during a pass: {username: user} */
	json_t		*cws;		/* during a pass: {"owner/name": ws} */
	json_t		*ctemplates;	/* during a pass: {template: id} */
	char		 coder_org[64];	/* the default organization's id */
	char		 coder_down[512];	/* Coder failed: why */
	bool		 coder_failed;	/* it answered, with a refusal */
	/* The MinIO side (minio_sync.c); minio NULL when not configured. */
	struct minio	*minio;
	json_t		*musers;	/* during a pass: {user: info} */
	char		 minio_down[512];	/* MinIO failed: why */
	bool		 minio_failed;	/* it answered, with a refusal */
	bool		 minio_rotate;	/* new secret keys for the users */
	json_t		*again;		/* accounts whose purge has more to
					   do soon (a bucket being emptied) */
};
/* One pass for account, or all accounts when NULL (orphans reported too). */
int	 reconcile_run(struct reconcile *r, const char *account);

/* kworker.c: the thread that makes every Kubernetes request */
/* KJOB_ROTATE: a sync of the account that gives its MinIO user a new key.
 * KJOB_SECRETS: reads the account's MinIO keys from its Secret meduse-minio;
 * the result is handed over once (kworker_job), then forgotten. */
enum kjob_type { KJOB_SYNC, KJOB_PLAN, KJOB_PVCS, KJOB_ROTATE, KJOB_SECRETS };
bool	 kworker_enabled(const struct config *cfg);
int	 kworker_start(const struct config *cfg);
/* -1: the thread is still in a request; the process must _exit(). */
int	 kworker_stop(void);
/* Queues a job for account ("" for all); 0 when off or full. */
unsigned long kworker_submit(enum kjob_type type, const char *account);
/* The job's state and its events from index since; NULL if unknown. */
json_t	*kworker_job(unsigned long id, size_t since);
json_t	*kworker_info(void);

/* coder_sync.c */
int	 coder_observe(struct reconcile *r, const char *account);
void	 coder_sync_account(struct reconcile *r, const struct account *a);

/* minio_sync.c */
int	 minio_observe(struct reconcile *r, const char *account);
/* The account's MinIO user, bucket and policy; appends its Secret
 * meduse-minio to desired when its key is known. */
void	 minio_sync_account(struct reconcile *r, const struct account *a,
	    json_t *observed, json_t *desired);

/* db_kube.c */
json_t	*db_kobj_map(sqlite3 *db, int64_t account_id);
int	 db_kobj_record(sqlite3 *db, int64_t account_id, const char *path,
	    const char *kind, const char *state, const char *message,
	    const char *hash, const char *rv);
int	 db_kobj_forget(sqlite3 *db, int64_t account_id, const char *path);
int	 db_kobj_existed(sqlite3 *db, int64_t account_id, const char *path);
/* The word of kpurge.pvcs that names a bucket to delete: TAG + bucket. */
#define KPURGE_BUCKET_TAG	"bucket:"
int	 db_kpurge_add(sqlite3 *db, const char *ns, const char *account,
	    const char *pvcs, bool keep);
json_t	*db_kpurge_list(sqlite3 *db, const char *account);
/* The purge of ns is done (message NULL: its row goes), or not yet: why,
 * pending (tried again) or failed (refused; tried again too). */
int	 db_kpurge_result(sqlite3 *db, const char *ns, bool failed,
	    const char *message);

/* dates.c */
char	*dates_iso8601(int64_t t, char *buf, size_t len);
json_t	*dates_json(int64_t t);		/* ISO 8601 string, or null for 0 */
int	 dates_check_day(const char *s, char *err, size_t errlen);
void	 dates_today(char *buf);	/* "YYYY-MM-DD", UTC, buf of DATE_LEN */
int64_t	 dates_mono_ms(void);		/* a monotonic clock, for durations */

/* peer.c */
int	 peer_from_socket(int fd, struct peer *p);
enum priv peer_priv(const struct accountd *ad, const struct peer *p);
int	 peer_resolve_groups(struct accountd *ad);

/* server.c */
int	 server_lock_state(const char *state_dir);
int	 server_listen(const char *path);
int	 server_run(struct accountd *ad, int lfd);

/* api.c */
char	*api_handle(struct accountd *ad, const struct peer *p, const char *buf,
	    size_t len);
int	 api_fail(struct call *c, enum api_err code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	 api_db_fail(struct call *c);
int	 api_get_string(struct call *c, const char *key, bool required,
	    size_t maxlen, const char **out);
int	 api_get_account(struct call *c, struct account *a);
json_t	*api_account_json(struct accountd *ad, const struct account *a, bool full);

/* api_key.c */
int	 api_key_lookup(struct call *c, const char *fp, const char *user,
	    struct account *a, json_t **key);

/* api_account.c */
int	 api_account_add(struct call *c);
int	 api_account_del(struct call *c);
int	 api_account_list(struct call *c);
int	 api_account_show(struct call *c);
int	 api_account_lock(struct call *c);
int	 api_account_unlock(struct call *c);
int	 api_account_quota(struct call *c);
int	 api_account_expire(struct call *c);
int	 api_account_state(struct call *c);

/* api_key.c */
int	 api_key_add(struct call *c);
int	 api_key_list(struct call *c);
int	 api_key_rm(struct call *c);
int	 api_auth_lookup(struct call *c);
int	 api_keys_insert(struct call *c, const struct account *a, json_t *keys,
	    int *added);

/* api_auth.c */
int	 api_auth_login(struct call *c);
int	 api_auth_refused(struct call *c);

/* api_self.c: what a user may do to their own account (meduse-shell) */
int	 api_self_keys(struct call *c);
int	 api_self_key_add(struct call *c);
int	 api_self_key_rm(struct call *c);
int	 api_self_job(struct call *c);

/* self_job.c */
#define SELF_JOB_ACTIONS	"status, quota, start, stop or restart"
/* 1 when action needs route.resolver coder, 0 if not, -1: no such action. */
int	 self_job_needs_coder(const char *action);
/* The job of action (status, quota, start, stop, restart), with what the
 * API read for it (input, taken over); 0 or rjob_start's failures. */
int	 self_job_start(const struct config *cfg, const char *account,
	    const char *workspace, const char *action, json_t *input,
	    unsigned long *id);

/* api_audit.c */
int	 api_audit_list(struct call *c);
int	 api_server_info(struct call *c);

/* api_workspace.c */
int	 api_workspace_add(struct call *c);
int	 api_workspace_list(struct call *c);
int	 api_workspace_rm(struct call *c);

/* api_minio.c */
int	 api_minio_rotate(struct call *c);
int	 api_minio_secrets(struct call *c);

/* api_kube.c */
int	 api_kube_status(struct call *c);
int	 api_kube_sync(struct call *c);
int	 api_kube_plan(struct call *c);
int	 api_kube_pvcs(struct call *c);
int	 api_kube_job(struct call *c);
int	 api_kube_check_home(struct call *c, const struct account *a,
	    const struct quota *q);

/* api_quota.c */
int	 api_quota_parse(struct call *c, json_t *obj, struct quota *q);
json_t	*api_quota_json(const struct quota *q);

#endif
