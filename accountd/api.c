/*
 * api.c: dispatch of accountd requests.
 *
 * Every method is an entry of api_methods[] with the privilege it needs and
 * whether it changes the database; a method not in the table is refused.
 * Privilege comes from the kernel's credentials of the connection (peer.c),
 * checked on every request.  A changing method runs in one transaction with
 * its audit record, so a change and its record are committed together or not
 * at all; a refused change is audited after the rollback.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accountd.h"
#include "log.h"

struct api_method {
	const char	*name;
	enum priv	 priv;		/* least privilege needed */
	int		 changes;	/* runs in a transaction, audited */
	const char	*params;	/* the parameters it takes, space-separated */
	int		(*handler)(struct call *);
	int		 kube;		/* then reconcile the account it names */
};

static const struct api_method api_methods[] = {
	{ "account.add", PRIV_ADMIN, 1,
	  "name display_name email expires quota keys", api_account_add, 1 },
	{ "account.del", PRIV_ADMIN, 1,
	  "name purge confirm_pvcs keep_namespace delete_bucket",
	  api_account_del, 1 },
	{ "account.list", PRIV_ADMIN, 0, "", api_account_list, 0 },
	{ "account.show", PRIV_ADMIN, 0, "name", api_account_show, 0 },
	{ "account.lock", PRIV_ADMIN, 1, "name", api_account_lock, 1 },
	{ "account.unlock", PRIV_ADMIN, 1, "name", api_account_unlock, 1 },
	{ "account.quota", PRIV_ADMIN, 1, "name quota", api_account_quota, 1 },
	{ "account.expire", PRIV_ADMIN, 1, "name expires", api_account_expire, 0 },
	{ "key.add", PRIV_ADMIN, 1, "name keys", api_key_add, 0 },
	{ "key.list", PRIV_ADMIN, 0, "name", api_key_list, 0 },
	{ "key.rm", PRIV_ADMIN, 1, "name fingerprint", api_key_rm, 0 },
	{ "audit.list", PRIV_ADMIN, 0, "since name limit", api_audit_list, 0 },
	{ "workspace.add", PRIV_ADMIN, 1, "name workspace template",
	  api_workspace_add, 1 },
	{ "workspace.list", PRIV_ADMIN, 0, "name", api_workspace_list, 0 },
	{ "workspace.rm", PRIV_ADMIN, 1, "name workspace", api_workspace_rm, 1 },
	{ "minio.rotate", PRIV_ADMIN, 1, "name", api_minio_rotate, 0 },
	{ "minio.secrets", PRIV_ADMIN, 1, "name", api_minio_secrets, 0 },
	{ "kube.status", PRIV_ADMIN, 0, "name", api_kube_status, 0 },
	{ "kube.sync", PRIV_ADMIN, 0, "name", api_kube_sync, 0 },
	{ "kube.plan", PRIV_ADMIN, 0, "name", api_kube_plan, 0 },
	{ "kube.pvcs", PRIV_ADMIN, 0, "name", api_kube_pvcs, 0 },
	{ "kube.job", PRIV_ADMIN, 0, "job since", api_kube_job, 0 },
	{ "account.state", PRIV_GATEWAY, 0, "name", api_account_state, 0 },
	{ "auth.lookup", PRIV_GATEWAY, 0, "fingerprint type blob user touch",
	  api_auth_lookup, 0 },
	/* Audited: the key's use and its row in one transaction. */
	{ "auth.login", PRIV_GATEWAY, 1, "user fingerprint source workspace",
	  api_auth_login, 0 },
	/* Not a change: it writes its own audit row, rate-limited (api_auth.c). */
	{ "auth.refused", PRIV_GATEWAY, 0,
	  "user fingerprint source reason attempts", api_auth_refused, 0 },
	{ "route.resolve", PRIV_GATEWAY, 0, "name workspace start",
	  api_route_resolve, 0 },
	{ "route.job", PRIV_GATEWAY, 0, "job since", api_route_job, 0 },
	{ "route.activity", PRIV_GATEWAY, 0, "name workspace",
	  api_route_activity, 0 },
	{ "server.info", PRIV_GATEWAY, 0, "", api_server_info, 0 },
	/* meduse-shell's, for the account the gateway authenticated. */
	{ "self.keys", PRIV_GATEWAY, 0, "name", api_self_keys, 0 },
	{ "self.key_add", PRIV_GATEWAY, 1, "name key by", api_self_key_add, 0 },
	{ "self.key_rm", PRIV_GATEWAY, 1, "name fingerprint by", api_self_key_rm,
	  0 },
	{ "self.job", PRIV_GATEWAY, 0, "name workspace action", api_self_job, 0 },
};

/* Refuses a parameter the method does not take: a typo must not pass silently. */
static int
api_check_params(const struct api_method *m, json_t *params, char *err,
    size_t errlen)
{
	const char *key, *p, *end;
	json_t *v;
	size_t n;

	json_object_foreach(params, key, v) {
		n = strlen(key);
		/* Compare whole words: "" or "na" must not match "name". */
		for (p = m->params; *p != '\0'; p = *end ? end + 1 : end) {
			end = strchr(p, ' ');
			if (end == NULL)
				end = p + strlen(p);
			if (n > 0 && (size_t)(end - p) == n && memcmp(p, key, n) == 0)
				break;
		}
		if (*p == '\0') {
			snprintf(err, errlen, "%s takes no parameter \"%.32s\"",
			    m->name, key);
			return -1;
		}
	}
	return 0;
}

static const struct api_method *
api_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(api_methods) / sizeof(api_methods[0]); i++)
		if (strcmp(api_methods[i].name, name) == 0)
			return &api_methods[i];
	return NULL;
}

int
api_fail(struct call *c, enum api_err code, const char *fmt, ...)
{
	va_list ap;

	c->code = code;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	return -1;
}

int
api_db_fail(struct call *c)
{
	return api_fail(c, API_ERR_INTERNAL, "database error: %s (see the "
	    "accountd log)", db_errmsg(c->ad->db));
}

/* Fetches a string parameter: bounded, NUL-free, present when required. */
int
api_get_string(struct call *c, const char *key, bool required, size_t maxlen,
    const char **out)
{
	json_t *v = json_object_get(c->params, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return api_fail(c, API_ERR_BAD_REQUEST, "missing parameter "
			    "\"%s\"", key);
		return 0;
	}
	if (!json_is_string(v))
		return api_fail(c, API_ERR_BAD_REQUEST, "parameter \"%s\" must be a "
		    "string", key);
	if (json_string_length(v) > maxlen)
		return api_fail(c, API_ERR_INVALID, "parameter \"%s\" is longer than "
		    "%zu bytes", key, maxlen);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return api_fail(c, API_ERR_INVALID, "parameter \"%s\" contains a NUL "
		    "byte", key);
	*out = json_string_value(v);
	return 0;
}

/* Loads the account named by the "name" parameter into a. */
int
api_get_account(struct call *c, struct account *a)
{
	const char *name;
	char err[256];
	int r;

	memset(a, 0, sizeof(*a));
	if (api_get_string(c, "name", true, NAME_MAX_LEN * 2, &name) == -1)
		return -1;
	snprintf(c->target, sizeof(c->target), "%s", name);
	if (names_check_account(name, err, sizeof(err)) == -1)
		return api_fail(c, API_ERR_INVALID, "%s", err);
	r = db_account_get(c->ad->db, name, a);
	if (r == DB_NOTFOUND)
		return api_fail(c, API_ERR_NOT_FOUND, "no account named %s (see "
		    "accountctl list)", name);
	if (r != 0)
		return api_db_fail(c);
	return 0;
}

/*
 * Whether a refusal of this uid goes to the audit log: at most once a minute
 * per uid, so that a local user looping on a denied request cannot fill the
 * disk.  The log line is written every time (journald has its own limits).
 */
static int
api_audit_denied_due(uid_t uid)
{
	static struct { uid_t uid; int64_t at; } recent[16];
	static size_t next;
	int64_t now = db_now();
	size_t i;

	for (i = 0; i < sizeof(recent) / sizeof(recent[0]); i++) {
		if (recent[i].at != 0 && recent[i].uid == uid) {
			if (now - recent[i].at < 60)
				return 0;
			recent[i].at = now;
			return 1;
		}
	}
	recent[next].uid = uid;
	recent[next].at = now;
	next = (next + 1) % (sizeof(recent) / sizeof(recent[0]));
	return 1;
}

static void
api_log(const struct peer *p, const char *method, const char *target,
    const char *outcome, const char *why)
{
	log_info("peer=%s uid=%u pid=%d method=%s target=%s outcome=%s%s%s",
	    p->name, (unsigned)p->uid, (int)p->pid, method, *target ? target : "-",
	    outcome, *why ? " reason=" : "", why);
}

/*
 * After a change, the account's objects follow at once; the job's id goes
 * back with the answer, for a caller that wants to wait and show progress.
 */
static void
api_kube_kick(struct call *c)
{
	unsigned long id;

	if (!kworker_enabled(c->ad->cfg) || c->target[0] == '\0' ||
	    (id = kworker_submit(KJOB_SYNC, c->target)) == 0)
		return;
	if (json_is_object(c->result))
		json_object_set_new(c->result, "kubernetes_job",
		    json_integer((json_int_t)id));
}

/* Runs one method for a peer; returns the frame to send (never NULL). */
static char *
api_run(struct accountd *ad, const struct peer *p, struct proto_request *req)
{
	const struct api_method *m;
	struct call c;
	char *frame;
	int r;

	memset(&c, 0, sizeof(c));
	c.ad = ad;
	c.peer = p;
	c.params = req->params;
	if ((m = api_find(req->method)) == NULL) {
		api_log(p, req->method, "", "refused", "unknown method");
		return proto_encode_error(API_ERR_UNKNOWN_METHOD, "unknown method: "
		    "this accountd does not offer it (version mismatch?)");
	}
	if (peer_priv(ad, p) < m->priv) {
		/* Each refusal is a security decision: logged and audited. */
		api_log(p, m->name, "", "denied", "not in the required group");
		if (api_audit_denied_due(p->uid))
			(void)db_audit_add(ad->db, p, m->name, "", "denied", "");
		return proto_encode_error(API_ERR_DENIED, m->priv == PRIV_ADMIN ?
		    "permission denied: this needs root or membership of the "
		    "accountd admin group" : "permission denied: this needs "
		    "membership of the accountd gateway or admin group");
	}
	if (api_check_params(m, req->params, c.message, sizeof(c.message)) == -1)
		return proto_encode_error(API_ERR_BAD_REQUEST, c.message);
	if (m->changes && db_begin(ad->db) == -1)
		return proto_encode_error(API_ERR_INTERNAL, "database is busy or "
		    "broken: see the accountd log");
	r = m->handler(&c);
	if (m->changes) {
		if (r == 0 && db_audit_add(ad->db, p, m->name, c.target, "ok",
		    c.detail) == 0 && db_commit(ad->db) == 0) {
			api_log(p, m->name, c.target, "ok", "");
			if (c.on_commit)
				c.on_commit(&c);
			if (m->kube)
				api_kube_kick(&c);
		} else {
			db_rollback(ad->db);
			if (c.on_rollback)
				c.on_rollback(&c);
			if (r == 0) {
				r = -1;
				api_fail(&c, API_ERR_INTERNAL, "could not commit the "
				    "change; nothing was changed (see the accountd log)");
			}
			api_log(p, m->name, c.target, proto_err_name(c.code),
			    c.message);
			(void)db_audit_add(ad->db, p, m->name, c.target,
			    proto_err_name(c.code), c.message);
		}
	} else if (r == -1 && c.code != API_ERR_NOT_FOUND)
		log_debug("peer=%s method=%s failed: %s", p->name, m->name, c.message);
	if (r == 0)
		frame = proto_encode_result(c.result);
	else
		frame = proto_encode_error(c.code ? c.code : API_ERR_INTERNAL,
		    c.message[0] ? c.message : "internal error");
	json_decref(c.result);
	return frame;
}

char *
api_handle(struct accountd *ad, const struct peer *p, const char *buf, size_t len)
{
	struct proto_request req;
	enum api_err code;
	char err[256], *frame;

	code = proto_decode_request(buf, len, &req, err, sizeof(err));
	if (code != API_OK) {
		log_info("peer=%s uid=%u pid=%d sent a malformed request: %s",
		    p->name, (unsigned)p->uid, (int)p->pid, err);
		frame = proto_encode_error(code, err);
	} else {
		frame = api_run(ad, p, &req);
		proto_request_clear(&req);
	}
	/* An answer the client would refuse to read: say so instead. */
	if (frame != NULL && strlen(frame) > PROTO_MAX_RESPONSE) {
		free(frame);
		frame = proto_encode_error(API_ERR_INVALID, "the answer is larger "
		    "than the protocol allows: ask for less (a smaller --limit)");
	}
	/* Out of memory while encoding: a fixed answer rather than silence. */
	if (frame == NULL)
		frame = strdup("{\"v\":1,\"ok\":false,\"error\":{\"code\":\"internal\","
		    "\"message\":\"out of memory\"}}\n");
	if (frame == NULL)
		abort();
	return frame;
}
