/*
 * ctl_kube.c: accountctl status, plan and sync, and the progress shown
 * while accountd reconciles after add, quota, unlock and del.  accountd
 * does the Kubernetes work on its own thread; this side polls the job
 * (kube.job) and prints each object's outcome as it comes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accountctl.h"

#define CTL_POLL_MS		200
#define CTL_WAIT_DEFAULT	300	/* seconds */

/* Like ctl_str, but "" for a missing value: messages are tested for it. */
static const char *
kstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* "ns/name" or "name", from an API path. */
static const char *
ctl_kube_object(const char *path, char *buf, size_t len)
{
	const char *ns = strstr(path, "/namespaces/"), *name = strrchr(path, '/');
	const char *end;

	if (name == NULL)
		return path;
	/* Coder's: coder:/users/NAME[/workspace/WS] -> NAME[/WS] */
	if (strncmp(path, "coder:/users/", 13) == 0) {
		end = strchr(path + 13, '/');
		if (end == NULL)
			snprintf(buf, len, "%s", path + 13);
		else
			snprintf(buf, len, "%.*s/%s", (int)(end - path - 13),
			    path + 13, name + 1);
		return buf;
	}
	name++;
	if (ns != NULL && (end = strchr(ns + 12, '/')) != NULL) {
		snprintf(buf, len, "%.*s/%s", (int)(end - ns - 12), ns + 12, name);
		return buf;
	}
	snprintf(buf, len, "%s", name);
	return buf;
}

static void
ctl_kube_event(FILE *f, json_t *ev, bool show_account)
{
	char obj[256];
	const char *msg = kstr(ev, "message");

	fprintf(f, "  %-10s %s%s%-21s %s%s%s\n", kstr(ev, "outcome"),
	    show_account ? kstr(ev, "account") : "", show_account ? ": " : "",
	    kstr(ev, "kind"), ctl_kube_object(kstr(ev, "path"), obj,
	    sizeof(obj)), *msg ? ": " : "", msg);
}

json_t *
ctl_kube_wait(struct ctl *ctl, json_int_t job, int timeout, FILE *f,
    bool *timed_out)
{
	struct timespec ts = { 0, CTL_POLL_MS * 1000000L };
	json_t *res = NULL, *ev;
	json_int_t since = 0;
	time_t end = time(NULL) + timeout;
	size_t i;

	*timed_out = false;
	for (;;) {
		if (ctl_call(ctl, "kube.job", json_pack("{s:I, s:I}", "job", job,
		    "since", since), &res) == -1)
			return NULL;
		json_array_foreach(json_object_get(res, "events"), i, ev)
			if (f != NULL)
				ctl_kube_event(f, ev, kstr(res, "account")[0] ==
				    '\0');
		since = json_integer_value(json_object_get(res, "next"));
		if (strcmp(kstr(res, "state"), "done") == 0)
			return res;
		json_decref(res);
		if (time(NULL) >= end) {
			*timed_out = true;
			return NULL;
		}
		nanosleep(&ts, NULL);
	}
}

static json_int_t
ctl_num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/*
 * Prints a sync's outcome to f and returns 0 when every object is in
 * place, 1 when some are pending or failed or nothing could be tried
 * (warned on stderr).
 */
static int
ctl_kube_summary(FILE *f, json_t *r, const char *account)
{
	const char *down = kstr(r, "down"), *err = kstr(r, "error");
	const char *cdown = kstr(r, "coder_down");
	char why[1200];

	/* Credentials that do not load: the change itself is saved. */
	if (*err)
		return fprintf(stderr, "accountctl: warning: kubernetes: %s\n",
		    err), 1;
	fprintf(f, "kubernetes: %lld applied, %lld unchanged, %lld deleted, "
	    "%lld pending, %lld failed (%lld API requests)\n",
	    (long long)ctl_num(r, "applied"), (long long)ctl_num(r, "unchanged"),
	    (long long)ctl_num(r, "deleted"), (long long)ctl_num(r, "pending"),
	    (long long)ctl_num(r, "failed"), (long long)ctl_num(r, "calls"));
	if (ctl_num(r, "orphans") > 0)
		fprintf(f, "kubernetes: %lld objects labelled for accounts meduse "
		    "does not know were left alone\n",
		    (long long)ctl_num(r, "orphans"));
	if (*down && *cdown)
		snprintf(why, sizeof(why), "the Kubernetes API did not answer (%s), "
		    "nor Coder (%s)", down, cdown);
	else if (*cdown)
		snprintf(why, sizeof(why), "Coder did not answer (%s)", cdown);
	else if (*down)
		snprintf(why, sizeof(why), "the Kubernetes API did not answer "
		    "(%s)", down);
	else
		snprintf(why, sizeof(why), "see the messages above");
	if (ctl_num(r, "pending") > 0)
		fprintf(stderr, "accountctl: warning: kubernetes: %lld objects "
		    "pending: %s.  Everything is saved; accountd retries at its "
		    "next pass, or run 'accountctl sync%s%s'.\n",
		    (long long)ctl_num(r, "pending"), why,
		    account ? " " : "", account ? account : "");
	if (ctl_num(r, "failed") > 0)
		fprintf(stderr, "accountctl: warning: kubernetes: %lld objects "
		    "failed: see the messages above and 'accountctl status%s%s'.\n",
		    (long long)ctl_num(r, "failed"), account ? " " : "",
		    account ? account : "");
	return ctl_num(r, "pending") + ctl_num(r, "failed") > 0 ? 1 : 0;
}

int
ctl_kube_follow(struct ctl *ctl, json_t *res, const char *account)
{
	json_t *job = json_object_get(res, "kubernetes_job"), *done;
	bool timed_out;
	int rc;

	if (!json_is_integer(job))
		return 0;
	fflush(stdout);	/* what was printed comes before the progress */
	done = ctl_kube_wait(ctl, json_integer_value(job), CTL_WAIT_DEFAULT,
	    ctl->json ? NULL : stderr, &timed_out);
	if (done == NULL) {
		if (timed_out)
			fprintf(stderr, "accountctl: warning: kubernetes: still "
			    "reconciling after %d s; accountd carries on (see "
			    "'accountctl status %s')\n", CTL_WAIT_DEFAULT, account);
		return 1;
	}
	if (ctl->json) {
		json_object_set(res, "kubernetes", json_object_get(done, "result"));
		json_decref(done);
		return 0;
	}
	rc = ctl_kube_summary(stderr, json_object_get(done, "result"), account);
	json_decref(done);
	return rc;
}

struct ctl_kube_opts {
	int	timeout;
};

static int
ctl_kube_opt(struct ctl *ctl, int ch, const char *val, void *arg)
{
	struct ctl_kube_opts *o = arg;
	char *end;
	long v;

	if (ch != 't') {
		ctl_usage_error(ctl, "unexpected option");
		return -1;
	}
	v = strtol(val, &end, 10);
	if (*val == '\0' || *end != '\0' || v < 1 || v > 86400) {
		ctl_usage_error(ctl, "--timeout takes seconds, 1 to 86400: '%s'",
		    val);
		return -1;
	}
	o->timeout = (int)v;
	return 0;
}

static const struct option ctl_kube_longopts[] = {
	CTL_COMMON_OPTS,
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* sync and plan: queue the job, follow it, print the outcome. */
static int
ctl_kube_run(struct ctl *ctl, int argc, char **argv, const char *method,
    const char *usage_text, json_t **done, const char **account)
{
	struct ctl_kube_opts o = { CTL_WAIT_DEFAULT };
	json_t *res = NULL;
	bool timed_out;
	int i;

	*done = NULL;
	if ((i = ctl_getopt(ctl, argc, argv, ctl_kube_longopts, usage_text, 0, 1,
	    ctl_kube_opt, &o)) < 0)
		return ctl_getopt_status(i);
	*account = i < argc ? argv[i] : NULL;
	if (ctl_call(ctl, method, *account ? json_pack("{s:s}", "name",
	    *account) : json_object(), &res) == -1)
		return CTL_FAIL;
	if (!ctl->json)
		fprintf(stderr, "%s %s (job %lld):\n", strcmp(method, "kube.plan") ?
		    "Reconciling" : "Planning", *account ? *account : "all accounts",
		    (long long)ctl_num(res, "job"));
	*done = ctl_kube_wait(ctl, ctl_num(res, "job"), o.timeout,
	    ctl->json ? NULL : stderr, &timed_out);
	json_decref(res);
	if (*done == NULL) {
		if (timed_out)
			return ctl_error("%s: not finished after %d s; accountd "
			    "carries on (see accountctl status)", ctl->cmd, o.timeout);
		return CTL_FAIL;
	}
	return CTL_OK;
}

int
ctl_sync(struct ctl *ctl, int argc, char **argv)
{
	const char *account;
	json_t *done;
	int rc;

	rc = ctl_kube_run(ctl, argc, argv, "kube.sync", "[NAME] [--timeout SECONDS] "
	    "[--json]\n\nReconciles the Kubernetes objects of NAME (or of every "
	    "account) now,\nprinting each object that changes.  Exit status 1 "
	    "when any object is\nstill pending or failed.", &done, &account);
	if (done == NULL)
		return rc;
	if (ctl->json) {
		ctl_print_json(json_object_get(done, "result"));
		rc = ctl_num(json_object_get(done, "result"), "pending") +
		    ctl_num(json_object_get(done, "result"), "failed") ? CTL_FAIL :
		    CTL_OK;
	} else
		rc = ctl_kube_summary(stdout, json_object_get(done, "result"),
		    account) == 0 ? CTL_OK : CTL_FAIL;
	json_decref(done);
	return rc;
}

int
ctl_plan(struct ctl *ctl, int argc, char **argv)
{
	/* action, its sign, and what the summary counts it as */
	static const struct { const char *action, *sign; int count; } sign[] = {
		{ "create", "+", 0 }, { "update", "~", 1 }, { "stop", "~", 1 },
		{ "delete", "-", 2 }, { "purge", "!", 3 }, { "strip", "!", 3 },
	};
	const char *account, *action, *s;
	json_t *done, *r, *ch, *line;
	char obj[256];
	size_t i, j, k;
	json_int_t n[4] = { 0, 0, 0, 0 };
	int rc;

	rc = ctl_kube_run(ctl, argc, argv, "kube.plan", "[NAME] [--timeout SECONDS] "
	    "[--json]\n\nShows what a sync of NAME (or of every account) would "
	    "change, from\nserver-side dry runs: nothing is changed.",
	    &done, &account);
	if (done == NULL)
		return rc;
	r = json_object_get(done, "result");
	if (ctl->json)
		ctl_print_json(r);
	else {
		json_array_foreach(json_object_get(r, "changes"), i, ch) {
			action = kstr(ch, "action");
			for (k = 0, s = "?"; k < sizeof(sign) / sizeof(sign[0]);
			    k++)
				if (strcmp(sign[k].action, action) == 0) {
					s = sign[k].sign;
					n[sign[k].count]++;
				}
			printf("%s %-7s %s: %s %s\n", s, action, kstr(ch,
			    "account"), kstr(ch, "kind"), ctl_kube_object(
			    kstr(ch, "path"), obj, sizeof(obj)));
			json_array_foreach(json_object_get(ch, "changes"), j, line)
				printf("      %s\n", json_string_value(line));
		}
		printf("Plan: %lld to create, %lld to update, %lld to delete, "
		    "%lld namespaces to purge, %lld unchanged (nothing was "
		    "changed).\n", (long long)n[0], (long long)n[1],
		    (long long)n[2], (long long)n[3],
		    (long long)ctl_num(r, "unchanged"));
	}
	rc = CTL_OK;
	if (*kstr(r, "down") || ctl_num(r, "failed") > 0) {
		ctl_error("plan: incomplete: %lld objects could not be checked%s%s",
		    (long long)(ctl_num(r, "pending") + ctl_num(r, "failed")),
		    *kstr(r, "down") ? ": " : "", kstr(r, "down"));
		rc = CTL_FAIL;
	}
	json_decref(done);
	return rc;
}

static void
ctl_status_reconciler(json_t *rec)
{
	json_t *last = json_object_get(rec, "last_full");
	json_int_t every = ctl_num(rec, "interval");

	if (!json_is_true(json_object_get(rec, "enabled"))) {
		printf("Kubernetes provisioning is off (set kubernetes.kubeconfig "
		    "or kubernetes.in_cluster).\n");
		return;
	}
	if (every > 0)
		printf("Reconciler: a full pass every %llds", (long long)every);
	else
		printf("Reconciler: no periodic pass (reconcile_interval 0)");
	if (last != NULL)
		printf("; last %s (%llds, %lld API requests, %lld applied, %lld "
		    "pending, %lld failed)", kstr(last, "finished"),
		    (long long)ctl_num(last, "seconds"),
		    (long long)ctl_num(last, "calls"),
		    (long long)ctl_num(last, "applied"),
		    (long long)ctl_num(last, "pending"),
		    (long long)ctl_num(last, "failed"));
	if (json_is_string(json_object_get(rec, "next_full")))
		printf("; next %s", kstr(rec, "next_full"));
	printf(".\n");
}

int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	json_t *res = NULL, *a, *o, *p;
	char obj[256];
	size_t i, j;
	int k;

	if ((k = ctl_getopt(ctl, argc, argv, longopts, "[NAME] [--json]\n\n"
	    "Shows the state of each Kubernetes object of NAME (or of every\n"
	    "account): applied, pending (the API did not answer) or failed (with\n"
	    "the API's message), and when it was last attempted.", 0, 1, NULL,
	    NULL)) < 0)
		return ctl_getopt_status(k);
	if (ctl_call(ctl, "kube.status", k < argc ? json_pack("{s:s}", "name",
	    argv[k]) : json_object(), &res) == -1)
		return CTL_FAIL;
	if (ctl->json) {
		ctl_print_json(res);
		json_decref(res);
		return CTL_OK;
	}
	ctl_status_reconciler(json_object_get(res, "reconciler"));
	printf("%-12s %-22s %-34s %-8s %-21s %s\n", "ACCOUNT", "KIND", "OBJECT",
	    "STATE", "LAST ATTEMPT", "MESSAGE");
	json_array_foreach(json_object_get(res, "accounts"), i, a) {
		if (json_array_size(json_object_get(a, "objects")) == 0)
			printf("%-12s (no object yet: accountctl sync %s)\n",
			    kstr(a, "name"), kstr(a, "name"));
		json_array_foreach(json_object_get(a, "objects"), j, o)
			printf("%-12s %-22s %-34s %-8s %-21s %s\n", kstr(a,
			    "name"), kstr(o, "kind"), ctl_kube_object(kstr(o,
			    "path"), obj, sizeof(obj)), kstr(o, "state"),
			    ctl_str(o, "attempted"), kstr(o, "message"));
	}
	json_array_foreach(json_object_get(res, "purges"), i, p) {
		if (json_is_true(json_object_get(p, "keep")))
			printf("purge of %s: namespace %s kept, access to remove: ",
			    kstr(p, "account"), kstr(p, "namespace"));
		else
			printf("purge of %s: namespace %s to delete (PVCs "
			    "confirmed: %s): ", kstr(p, "account"), kstr(p,
			    "namespace"), *kstr(p, "pvcs") ? kstr(p, "pvcs") :
			    "none");
		if (*kstr(p, "bucket"))
			printf("bucket %s to delete: ", kstr(p, "bucket"));
		printf("%s%s%s\n", kstr(p, "state"), *kstr(p, "message") ?
		    ": " : "", kstr(p, "message"));
	}
	json_decref(res);
	return CTL_OK;
}

int
ctl_kube_pvcs(struct ctl *ctl, const char *account, char **namespace,
    json_t **pvcs)
{
	struct client_error err;
	json_t *res = NULL, *done, *r, *params;
	bool timed_out;
	int c;

	*namespace = NULL;
	*pvcs = NULL;
	if (ctl_config(ctl) == NULL)
		return -1;
	if (ctl->client == NULL && client_open(ctl->cfg->accountd.socket,
	    CLIENT_TIMEOUT_MS, &ctl->client, &err) == -1)
		return ctl_error("%s", err.message), -1;
	/* Provisioning off: there is no namespace to destroy. */
	/* client_call does not take params (ctl_call does). */
	params = json_pack("{s:s}", "name", account);
	c = client_call(ctl->client, "kube.pvcs", params, &res, &err);
	json_decref(params);
	if (c == -1) {
		if (err.code == API_ERR_CONFLICT && strstr(err.message,
		    "provisioning is off") != NULL)
			return 0;
		return ctl_error("%s: %s", ctl->cmd, err.message), -1;
	}
	done = ctl_kube_wait(ctl, ctl_num(res, "job"), 60, NULL, &timed_out);
	json_decref(res);
	if (done == NULL)
		return ctl_error("%s: cannot list the PVCs of %s's namespace%s; "
		    "nothing was changed", ctl->cmd, account, timed_out ?
		    " (no answer in 60 s)" : ""), -1;
	r = json_object_get(done, "result");
	if (*kstr(r, "error")) {
		ctl_error("%s: cannot list the PVCs of %s's namespace: %s.  Nothing "
		    "was changed: try again when the API server answers, or add "
		    "--keep-namespace", ctl->cmd, account, kstr(r, "error"));
		json_decref(done);
		return -1;
	}
	if (json_is_true(json_object_get(r, "exists")))
		*namespace = strdup(kstr(r, "namespace"));
	*pvcs = json_incref(json_object_get(r, "pvcs"));
	json_decref(done);
	return 0;
}
