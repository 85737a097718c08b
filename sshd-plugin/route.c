/*
 * route.c: where an authenticated user goes.  Asks accountd (route.resolve)
 * for the upstream of NAME's workspace: a TCP host and port, or a command
 * whose stdin/stdout carry the SSH stream, plus the upstream login and the
 * account's gateway key file.
 *
 * Trust boundary: accountd is trusted, but its answer is still checked for
 * shape here, once, so that the rest of the gateway handles only a filled
 * struct route.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client.h"
#include "meduse-sshd.h"
#include "shell.h"
#include "xmalloc.h"

#define ROUTE_MAX_ARGV	64

void
route_clear(struct route *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->host);
	free(r->user);
	free(r->key_file);
	if (r->argv != NULL)
		for (i = 0; r->argv[i] != NULL; i++)
			free(r->argv[i]);
	free(r->argv);
	memset(r, 0, sizeof(*r));
}

static int
route_parse(json_t *res, struct route *r, char *err, size_t errlen)
{
	const char *account, *ws, *transport, *user, *key_file, *host = NULL;
	json_t *argv = NULL, *v;
	json_int_t port = 0;
	int by_name = 0;
	size_t i, n;

	if (json_unpack(res, "{s:s, s:s, s:s, s:s, s:s, s?:s, s?:I, s?:o, s?:b}",
	    "account", &account, "workspace", &ws, "transport", &transport,
	    "user", &user, "key_file", &key_file, "host", &host, "port", &port,
	    "argv", &argv, "host_key_by_name", &by_name) != 0)
		goto bad;
	r->by_name = by_name != 0;
	if (strlen(account) > NAME_MAX_LEN || strlen(ws) > NAME_MAX_LEN ||
	    user[0] == '\0' || key_file[0] != '/')
		goto bad;
	snprintf(r->account, sizeof(r->account), "%s", account);
	snprintf(r->workspace, sizeof(r->workspace), "%s", ws);
	r->user = xstrdup(user);
	r->key_file = xstrdup(key_file);
	if (strcmp(transport, "tcp") == 0) {
		if (host == NULL || host[0] == '\0' || port < 1 || port > 65535)
			goto bad;
		r->host = xstrdup(host);
		r->port = (int)port;
		return 0;
	}
	if (strcmp(transport, "command") != 0 || !json_is_array(argv) ||
	    (n = json_array_size(argv)) == 0 || n > ROUTE_MAX_ARGV)
		goto bad;
	r->command = true;
	r->argv = xcalloc(n + 1, sizeof(*r->argv));
	json_array_foreach(argv, i, v) {
		if (!json_is_string(v))
			goto bad;
		r->argv[i] = xstrdup(json_string_value(v));
	}
	if (r->argv[0][0] == '\0')
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "accountd gave a malformed route.resolve answer");
	return -1;
}

/*
 * coder and kubernetes resolvers: accountd answers with a job at once and
 * finds (or starts) the workspace on its own thread; each event is passed
 * to progress as it comes, until the route or the reason it failed.  With
 * start false, a workspace that is not running is not started: the answer
 * is -1 with *not_running set (the login goes on without a route until a
 * session needs one: `meduse status` must not start the workspace).
 */
int
route_resolve(const struct config *cfg, const char *account, const char *workspace,
    bool start, route_progress_fn progress, void *arg, struct route *out,
    bool *not_running, char *err, size_t errlen)
{
	struct client_error cerr;
	struct client *cl = NULL;
	json_t *params = NULL, *res = NULL, *route = NULL, *done = NULL;
	const char *e;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (not_running != NULL)
		*not_running = false;
	params = json_pack("{s:s, s:b}", "name", account, "start", start);
	if (params == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (workspace[0] != '\0')
		json_object_set_new(params, "workspace", json_string(workspace));
	if (client_open(cfg->accountd.socket, CLIENT_TIMEOUT_MS, &cl,
	    &cerr) == -1 || client_call(cl, "route.resolve", params, &res,
	    &cerr) == -1) {
		if (cerr.code == API_ERR_NOT_FOUND)
			snprintf(err, errlen, "no such workspace (%s)", cerr.message);
		else if (cerr.code == API_ERR_CONFLICT)
			snprintf(err, errlen, "%s", cerr.message);
		else
			snprintf(err, errlen, "the account service failed (%s); "
			    "ask an admin", proto_err_name(cerr.code));
		goto out;
	}
	if (json_is_integer(json_object_get(res, "job"))) {
		if (shell_job_follow(cl, json_integer_value(json_object_get(res,
		    "job")), cfg->coder.start_timeout_ms, progress, arg, &done,
		    err, errlen) == -1)
			goto out;
		if ((route = json_incref(json_object_get(done, "route"))) == NULL) {
			e = json_string_value(json_object_get(done, "error"));
			snprintf(err, errlen, "%s", e != NULL ? e : "no route");
			if (not_running != NULL)
				*not_running = json_is_true(json_object_get(done,
				    "not_running"));
			goto out;
		}
	} else
		route = json_incref(res);
	if (route_parse(route, out, err, errlen) == -1) {
		route_clear(out);
		goto out;
	}
	rc = 0;
out:
	client_close(cl);
	json_decref(params);
	json_decref(res);
	json_decref(route);
	json_decref(done);
	return rc;
}
