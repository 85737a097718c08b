/*
 * api_route.c: route.resolve, where the gateway learns how to reach the
 * workspace of an authenticated user.  The caller is the gateway (gateway
 * group); the answer names the upstream and the gateway key to log in with.
 * Only the static resolver exists yet; kubernetes and coder come with the
 * cluster and Coder work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accountd.h"
#include "xmalloc.h"

/* Replaces every {user} and {workspace} inside one argv element. */
static char *
api_route_subst(const char *arg, const char *user, const char *ws)
{
	char *out = xstrdup(""), *next;
	const char *p = arg, *val;
	size_t skip;

	while (*p) {
		if (strncmp(p, "{user}", 6) == 0)
			val = user, skip = 6;
		else if (strncmp(p, "{workspace}", 11) == 0)
			val = ws, skip = 11;
		else
			val = NULL, skip = 1;
		xasprintf(&next, "%s%.*s", out, val ? (int)strlen(val) : 1,
		    val ? val : p);
		free(out);
		out = next;
		p += skip;
	}
	return out;
}

int
api_route_resolve(struct call *c)
{
	struct config *cfg = c->ad->cfg;
	struct account a;
	const char *ws, *user;
	char err[256], wsname[NAME_MAX_LEN + 1], key[4096], *s;
	json_t *argv;
	size_t i;
	enum account_state st;
	int r, rc = -1;

	if (api_get_account(c, &a) == -1)
		return -1;
	if (api_get_string(c, "workspace", false, NAME_MAX_LEN * 2, &ws) == -1)
		goto out;
	if (ws && *ws && names_check_workspace(ws, err, sizeof(err)) == -1) {
		api_fail(c, API_ERR_INVALID, "%s", err);
		goto out;
	}
	if ((st = account_state(&a)) != ACCOUNT_ACTIVE) {
		api_fail(c, API_ERR_CONFLICT, "account %s is %s", a.name,
		    account_state_name(st));
		goto out;
	}
	r = db_workspace_find(c->ad->db, a.id, ws ? ws : "", wsname, sizeof(wsname));
	if (r == DB_NOTFOUND) {
		api_fail(c, API_ERR_NOT_FOUND, "%s has no workspace %s", a.name,
		    ws && *ws ? ws : "(no default)");
		goto out;
	}
	if (r != 0 || gwkey_path(c->ad, a.name, key, sizeof(key)) == -1) {
		api_db_fail(c);
		goto out;
	}
	if (strcmp(cfg->route.resolver, "static") != 0) {
		api_fail(c, API_ERR_INTERNAL, "route.resolver %s is not available "
		    "in this version of accountd: use static", cfg->route.resolver);
		goto out;
	}
	user = cfg->route.static_user && *cfg->route.static_user ?
	    cfg->route.static_user : a.name;
	c->result = json_pack("{s:s, s:s, s:s, s:s, s:s}", "account", a.name,
	    "workspace", wsname, "transport", cfg->route.transport, "user", user,
	    "key_file", key);
	if (strcmp(cfg->route.transport, "command") == 0) {
		argv = json_array();
		for (i = 0; i < cfg->route.command.n; i++) {
			s = api_route_subst(cfg->route.command.v[i], user, wsname);
			json_array_append_new(argv, json_string(s));
			free(s);
		}
		json_object_set_new(c->result, "argv", argv);
	} else {
		json_object_set_new(c->result, "host",
		    json_string(cfg->route.static_host));
		json_object_set_new(c->result, "port",
		    json_integer(cfg->route.static_port));
	}
	rc = 0;
out:
	account_clear(&a);
	return rc;
}
