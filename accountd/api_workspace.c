/*
 * api_workspace.c: an account's extra workspaces.  The database holds the
 * list (name, template); the reconciler creates each in Coder, and deletes
 * in Coder the ones removed here.  The default workspace, made by add,
 * cannot be removed: logins without +WS go there.
 */
#include <stdio.h>
#include <string.h>

#include "accountd.h"

static int
api_workspace_name(struct call *c, const char **ws)
{
	char err[256];

	if (api_get_string(c, "workspace", true, NAME_MAX_LEN * 2, ws) == -1)
		return -1;
	if (names_check_workspace(*ws, err, sizeof(err)) == -1)
		return api_fail(c, API_ERR_INVALID, "%s", err);
	return 0;
}

int
api_workspace_add(struct call *c)
{
	struct account a;
	const char *ws, *tpl;
	int r, rc = -1;

	if (api_get_account(c, &a) == -1 || api_workspace_name(c, &ws) == -1 ||
	    api_get_string(c, "template", false, 128, &tpl) == -1)
		goto out;
	if (tpl != NULL && strspn(tpl, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(tpl)) {
		api_fail(c, API_ERR_INVALID, "template \"%.64s\" is not a Coder "
		    "template name (letters, digits, '-' and '_')", tpl);
		goto out;
	}
	if (a.deleted) {
		api_fail(c, API_ERR_CONFLICT, "account %s was deleted: unlock it "
		    "first", a.name);
		goto out;
	}
	r = db_workspace_add_template(c->ad->db, a.id, ws, false,
	    tpl ? tpl : "");
	if (r == DB_EXISTS) {
		api_fail(c, API_ERR_EXISTS, "%s already has a workspace %s "
		    "(accountctl workspace list %s)", a.name, ws, a.name);
		goto out;
	}
	if (r != 0) {
		api_db_fail(c);
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "workspace %s%s%s", ws,
	    tpl ? " template " : "", tpl ? tpl : "");
	c->result = json_pack("{s:s, s:o}", "name", a.name, "workspaces",
	    db_workspace_list(c->ad->db, a.id));
	rc = 0;
out:
	account_clear(&a);
	return rc;
}

int
api_workspace_list(struct call *c)
{
	struct account a;

	if (api_get_account(c, &a) == -1)
		return -1;
	c->result = json_pack("{s:s, s:o}", "name", a.name, "workspaces",
	    db_workspace_list(c->ad->db, a.id));
	account_clear(&a);
	return 0;
}

int
api_workspace_rm(struct call *c)
{
	struct account a;
	char def[NAME_MAX_LEN + 1];
	const char *ws;
	int r, rc = -1;

	if (api_get_account(c, &a) == -1 || api_workspace_name(c, &ws) == -1)
		goto out;
	if (db_workspace_find(c->ad->db, a.id, "", def, sizeof(def)) == 0 &&
	    strcmp(def, ws) == 0) {
		api_fail(c, API_ERR_CONFLICT, "%s is %s's default workspace, "
		    "where 'ssh %s@...' lands: it cannot be removed", ws, a.name,
		    a.name);
		goto out;
	}
	if ((r = db_workspace_rm(c->ad->db, a.id, ws)) == DB_NOTFOUND) {
		api_fail(c, API_ERR_NOT_FOUND, "%s has no workspace %s "
		    "(accountctl workspace list %s)", a.name, ws, a.name);
		goto out;
	}
	if (r != 0) {
		api_db_fail(c);
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "workspace %s", ws);
	c->result = json_pack("{s:s, s:o}", "name", a.name, "workspaces",
	    db_workspace_list(c->ad->db, a.id));
	rc = 0;
out:
	account_clear(&a);
	return rc;
}
