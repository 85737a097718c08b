/*
 * coder_purge.c: the Coder part of a purge (reconcile_purge.c).  The
 * account's Coder workspaces are deleted, then its Coder user, so that no
 * workspace of a purged account keeps running and its name is free for a
 * new account, which gets a fresh user.
 *
 * What goes is what Coder's user NAME owns, all of it: the account's rows
 * in kobjects and workspaces went with the account (the purge is recorded,
 * in kpurge, in the transaction that removes it), and Coder deletes no user
 * who still has a workspace.  A user with a site-wide role (owner, user
 * admin, ...) is a person's account that meduse adopted by name, not one
 * it made: a purge leaves it alone, workspaces included, and says so.
 *
 * Coder deletes a workspace with a build, in the background.  A pass that
 * sent delete builds follows them for at most coder.start_timeout; what is
 * still there after that stays pending, and the next pass looks again.
 * Each step can be repeated (a 404 is done), and the kpurge row goes only
 * once Coder has nothing of the account: a crash anywhere in between is
 * finished by the next pass.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accountd.h"
#include "coder.h"
#include "log.h"
#include "reconcile.h"

#define CP_POLL_MIN_MS	100	/* first wait between two listings */
#define CP_POLL_MAX_MS	2000
#define CP_SLICE_MS	50	/* a stop is noticed within this */

/* Statuses of a workspace whose latest build has a job under way. */
static const char *const cp_busy_status[] = {
	"pending", "starting", "stopping", "canceling", "deleting",
};

static bool
cp_busy(const char *status)
{
	size_t i;

	for (i = 0; i < sizeof(cp_busy_status) / sizeof(cp_busy_status[0]); i++)
		if (strcmp(status, cp_busy_status[i]) == 0)
			return true;
	return false;
}

/* Sleeps ms; false when accountd is stopping. */
static bool
cp_sleep(struct reconcile *r, long ms)
{
	struct timespec ts = { 0, CP_SLICE_MS * 1000000L };

	for (; ms > 0; ms -= CP_SLICE_MS) {
		if (r->stop != NULL && r->stop(r->arg))
			return false;
		nanosleep(&ts, NULL);
	}
	return r->stop == NULL || !r->stop(r->arg);
}

static const char *
cp_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/*
 * The site roles of a Coder user, "owner, user-admin"; "" for none.
 * Every user is a member: that one, should Coder list it, does not count.
 */
static void
cp_roles(json_t *user, char *buf, size_t len)
{
	const char *name;
	json_t *role;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(user, "roles"), i, role) {
		name = cp_str(role, "name");
		if (*name != '\0' && strcmp(name, "member") != 0)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    *buf ? ", " : "", name);
	}
}

/* No answer from Coder: the rest of the pass sends it nothing more. */
static void
cp_down(struct reconcile *r, long status, const char *err)
{
	if (status == 0 && r->coder_down[0] == '\0')
		snprintf(r->coder_down, sizeof(r->coder_down), "%s", err);
}

/* The workspaces of seen that the listing now no longer has: deleted. */
static void
cp_gone(struct reconcile *r, const char *account, json_t *seen, json_t *now)
{
	char path[128 + 2 * NAME_MAX_LEN];
	const char *name;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(seen, tmp, name, v) {
		if (json_object_get(now, name) != NULL)
			continue;
		snprintf(path, sizeof(path), "coder:/users/%s/workspace/%s",
		    account, name);
		r->n.deleted++;
		rc_event(r, account, "CoderWorkspace", path, "deleted", "");
		json_object_del(seen, name);
	}
}

/*
 * One look at the account's workspaces, sending a delete build to each
 * that can take one now.  Returns how many Coder still has, or -1 with err
 * and *status.  *wait is set when waiting can help: a delete this pass
 * sent, or a start or stop under way, after which the delete can go.
 */
static int
cp_round(struct reconcile *r, const char *account, json_t *sent, json_t *seen,
    bool *wait, long *status, char *err, size_t errlen)
{
	json_t *resp = NULL, *now, *w, *b;
	const char *name, *id, *st, *tr;
	char e[512];
	long s;
	size_t i;
	int left = 0;

	*wait = false;
	if (coder_workspace_list(r->coder, account, status, &resp, err,
	    errlen) == -1) {
		cp_down(r, *status, err);
		return -1;
	}
	if ((now = json_object()) == NULL) {
		json_decref(resp);
		*status = 0;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	err[0] = '\0';
	json_array_foreach(json_object_get(resp, "workspaces"), i, w) {
		name = cp_str(w, "name");
		id = cp_str(w, "id");
		b = json_object_get(w, "latest_build");
		st = coder_ws_status(w);
		tr = cp_str(b, "transition");
		if (*name == '\0' || *id == '\0' || strcmp(st, "deleted") == 0)
			continue;
		left++;
		json_object_set_new(now, name, json_true());
		json_object_set_new(seen, name, json_true());
		if (cp_busy(st)) {
			if (strcmp(tr, "delete") != 0 ||
			    json_object_get(sent, id) != NULL)
				*wait = true;
			continue;
		}
		/* The delete this pass sent failed: say why, once a pass. */
		if (strcmp(st, "failed") == 0 && strcmp(tr, "delete") == 0 &&
		    json_object_get(sent, id) != NULL) {
			if (err[0] == '\0') {
				*status = 1;	/* not HTTP's: Coder's build */
				snprintf(err, errlen, "could not delete "
				    "workspace %s/%s: %s; delete it in Coder (coder "
				    "delete %s/%s, with --orphan if its resources are "
				    "gone)", account, name, cp_str(json_object_get(b,
				    "job"), "error"), account, name);
			}
			continue;
		}
		if (coder_build(r->coder, id, "delete", NULL, &s, NULL, e,
		    sizeof(e)) == 0) {
			json_object_set_new(sent, id, json_true());
			*wait = true;
			continue;
		}
		/* Gone meanwhile (the next listing says so), or a build began. */
		if (s == 404 || s == 410 || s == 409) {
			*wait = true;
			continue;
		}
		cp_down(r, s, e);
		if (err[0] == '\0') {
			*status = s;
			snprintf(err, errlen, "%s", e);
		}
		/* No answer: the rest of the listing is not looked at. */
		if (s == 0)
			break;
	}
	if (i == json_array_size(json_object_get(resp, "workspaces")))
		cp_gone(r, account, seen, now);
	json_decref(now);
	json_decref(resp);
	return err[0] != '\0' ? -1 : left;
}

/* The workspaces, followed until gone or for coder.start_timeout. */
static int
cp_workspaces(struct reconcile *r, const char *account, long *status,
    char *err, size_t errlen)
{
	json_t *sent = json_object(), *seen = json_object();
	int64_t end = dates_mono_ms() + (int64_t)r->cfg->coder.start_timeout_ms;
	const char *name;
	json_t *v;
	long ms = CP_POLL_MIN_MS;
	bool wait;
	int left, n, rc = -1;

	*status = 0;
	if (sent == NULL || seen == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while ((left = cp_round(r, account, sent, seen, &wait, status, err,
	    errlen)) > 0) {
		if (!wait || dates_mono_ms() >= end) {
			*status = 0;
			snprintf(err, errlen, "still deleting the workspaces "
			    "of %s (", account);
			n = 0;
			json_object_foreach(seen, name, v)
				snprintf(err + strlen(err), errlen - strlen(err),
				    "%s%s", n++ ? ", " : "", name);
			snprintf(err + strlen(err), errlen - strlen(err), "): "
			    "the next pass looks again");
			goto out;
		}
		if (!cp_sleep(r, ms)) {
			snprintf(err, errlen, "interrupted: accountd is "
			    "stopping");
			goto out;
		}
		ms = ms * 2 > CP_POLL_MAX_MS ? CP_POLL_MAX_MS : ms * 2;
	}
	rc = left == 0 ? 0 : -1;
out:
	json_decref(sent);
	json_decref(seen);
	return rc;
}

int
coder_purge(struct reconcile *r, const char *account, long *status,
    char *err, size_t errlen)
{
	char path[128 + NAME_MAX_LEN], roles[256];
	json_t *user = NULL;
	int rc = -1;

	*status = 0;
	err[0] = '\0';
	/* Configured, but the client could not be made (logged): wait. */
	if (r->coder == NULL && r->cfg->coder.url != NULL &&
	    r->cfg->coder.url[0] != '\0') {
		snprintf(err, errlen, "no Coder client (see accountd's log)");
		return -1;
	}
	if (r->coder == NULL)
		return 0;
	/* Coder did not answer this pass: nothing is sent to it. */
	if (r->coder_down[0] != '\0' && !r->coder_failed) {
		snprintf(err, errlen, "%s", r->coder_down);
		return -1;
	}
	snprintf(path, sizeof(path), "coder:/users/%s", account);
	if (coder_user_get(r->coder, account, status, &user, err,
	    errlen) == -1) {
		cp_down(r, *status, err);
		/* Coder has no such user: nothing of the account is left. */
		if (*status == 404) {
			*status = 0;
			err[0] = '\0';
			rc = 0;
		}
		goto out;
	}
	cp_roles(user, roles, sizeof(roles));
	if (roles[0] != '\0') {
		log_warn("purge: Coder user %s has the site role %s: left alone, "
		    "with its workspaces", account, roles);
		snprintf(err, errlen, "has Coder's site role %s: someone's own "
		    "account, adopted by name; left alone, with its workspaces",
		    roles);
		rc_event(r, account, "CoderUser", path, "kept", err);
		err[0] = '\0';
		rc = 0;
		goto out;
	}
	if (cp_workspaces(r, account, status, err, errlen) == -1)
		goto out;
	if (coder_user_delete(r->coder, account, status, err, errlen) == -1 &&
	    *status != 404) {
		cp_down(r, *status, err);
		goto out;
	}
	*status = 0;
	err[0] = '\0';
	r->n.deleted++;
	rc_event(r, account, "CoderUser", path, "deleted", "");
	rc = 0;
out:
	json_decref(user);
	return rc;
}

/* What a purge would delete in Coder, from what the pass observed. */
void
coder_purge_plan(struct reconcile *r, const char *account)
{
	char path[128 + 2 * NAME_MAX_LEN], roles[256];
	size_t n = strlen(account);
	const char *key;
	json_t *user, *w;

	if (r->coder == NULL || (user = json_object_get(r->cusers,
	    account)) == NULL)
		return;
	cp_roles(user, roles, sizeof(roles));
	if (roles[0] != '\0')
		return;
	json_object_foreach(r->cws, key, w) {
		if (strncmp(key, account, n) != 0 || key[n] != '/')
			continue;
		snprintf(path, sizeof(path), "coder:/users/%s/workspace/%s",
		    account, key + n + 1);
		json_array_append_new(r->changes, json_pack("{s:s, s:s, s:s, "
		    "s:s, s:[]}", "account", account, "kind", "CoderWorkspace",
		    "path", path, "action", "delete", "changes"));
		r->n.deleted++;
		rc_event(r, account, "CoderWorkspace", path, "delete", "");
	}
	snprintf(path, sizeof(path), "coder:/users/%s", account);
	json_array_append_new(r->changes, json_pack("{s:s, s:s, s:s, s:s, "
	    "s:[]}", "account", account, "kind", "CoderUser", "path", path,
	    "action", "delete", "changes"));
	r->n.deleted++;
	rc_event(r, account, "CoderUser", path, "delete", "");
}
