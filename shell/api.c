/*
 * api.c: the built-ins' calls to accountd.  Every call names the account
 * the login authenticated (ctx->account); accountd trusts the gateway group
 * to name it, as it does for auth.login.  Long work (a Coder build, a look
 * at Kubernetes) runs on accountd's threads as a job that is polled here,
 * each event shown to the user as it comes, so the user sees why they wait.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "text.h"
#include "shell.h"

#define SHELL_POLL_MS	300

/* What to tell a user when accountd refused or failed. */
static void
shell_call_error(const struct client_error *cerr, char *err, size_t errlen)
{
	switch (cerr->code) {
	case API_ERR_UNAVAILABLE:
		snprintf(err, errlen, "the account service is unreachable; try "
		    "again in a minute, or ask an admin");
		break;
	case API_ERR_INTERNAL:
		snprintf(err, errlen, "the account service failed (%s); ask an "
		    "admin", cerr->message);
		break;
	default:
		snprintf(err, errlen, "%s", cerr->message);
		break;
	}
}

int
shell_call(struct shell_ctx *ctx, const char *method, json_t *params,
    json_t **res, char *err, size_t errlen)
{
	struct client_error cerr;
	int rc = -1;

	*res = NULL;
	if (params == NULL ||
	    json_object_set_new(params, "name", json_string(ctx->account)) != 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (client_call_once(ctx->cfg->accountd.socket, method, params, res,
	    &cerr) == -1) {
		shell_call_error(&cerr, err, errlen);
		goto out;
	}
	rc = 0;
out:
	json_decref(params);
	return rc;
}

int
shell_job_follow(struct client *cl, json_int_t job, uint64_t timeout_ms,
    void (*progress)(void *, const char *), void *arg, json_t **done,
    char *err, size_t errlen)
{
	struct timespec ts = { 0, SHELL_POLL_MS * 1000000L };
	struct client_error cerr;
	json_t *params, *res = NULL, *ev;
	json_int_t since = 0;
	/* accountd bounds the job by coder.start_timeout; this bounds the
	 * wait should accountd itself stall. */
	time_t end = time(NULL) + 60 + (time_t)(timeout_ms / 1000);
	size_t i;

	*done = NULL;
	for (;;) {
		if (time(NULL) >= end) {
			snprintf(err, errlen, "the account service gave no answer "
			    "in time; ask an admin");
			return -1;
		}
		params = json_pack("{s:I, s:I}", "job", job, "since", since);
		if (params == NULL || client_call(cl, "route.job", params, &res,
		    &cerr) == -1) {
			json_decref(params);
			if (params == NULL)
				snprintf(err, errlen, "out of memory");
			else
				shell_call_error(&cerr, err, errlen);
			return -1;
		}
		json_decref(params);
		json_array_foreach(json_object_get(res, "events"), i, ev)
			if (json_is_string(ev) && progress != NULL)
				progress(arg, json_string_value(ev));
		since = json_integer_value(json_object_get(res, "next"));
		if (json_is_true(json_object_get(res, "done")))
			break;
		json_decref(res);
		res = NULL;
		nanosleep(&ts, NULL);
	}
	*done = res;
	return 0;
}

/* Events carry text from Coder (a build's error): quoted before it
 * reaches a terminal. */
void
shell_event(void *arg, const char *line)
{
	char q[400];

	shell_eprintf(arg, "meduse: %s\n", text_quote(line, 300, q, sizeof(q)));
}

int
shell_job(struct shell_ctx *ctx, const char *action, const char *ws,
    json_t **result, char *err, size_t errlen)
{
	struct client_error cerr;
	struct client *cl = NULL;
	json_t *params, *res = NULL, *done = NULL;
	const char *e;
	int rc = -1;

	*result = NULL;
	params = json_pack("{s:s, s:s, s:s}", "name", ctx->account, "workspace",
	    ws, "action", action);
	if (params == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (client_open(ctx->cfg->accountd.socket, CLIENT_TIMEOUT_MS, &cl,
	    &cerr) == -1 || client_call(cl, "self.job", params, &res,
	    &cerr) == -1) {
		shell_call_error(&cerr, err, errlen);
		goto out;
	}
	if (!json_is_integer(json_object_get(res, "job"))) {
		snprintf(err, errlen, "the account service gave a malformed "
		    "answer; ask an admin");
		goto out;
	}
	if (shell_job_follow(cl, json_integer_value(json_object_get(res, "job")),
	    2 * ctx->cfg->coder.start_timeout_ms, shell_event, ctx, &done, err,
	    errlen) == -1)
		goto out;
	if ((e = json_string_value(json_object_get(done, "error"))) != NULL &&
	    *e != '\0') {
		snprintf(err, errlen, "%s", e);
		goto out;
	}
	if (!json_is_object(json_object_get(done, "result"))) {
		snprintf(err, errlen, "the account service gave no result; ask "
		    "an admin");
		goto out;
	}
	*result = json_incref(json_object_get(done, "result"));
	rc = 0;
out:
	client_close(cl);
	json_decref(params);
	json_decref(res);
	json_decref(done);
	return rc;
}
