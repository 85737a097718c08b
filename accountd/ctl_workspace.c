/*
 * ctl_workspace.c: `accountctl workspace add|list|rm`, an account's extra
 * Coder workspaces (reached as ssh NAME+WS@meduse).  accountd records them
 * and its reconciler creates or deletes them in Coder; the progress of
 * that is shown as after add.
 */
#include <stdio.h>
#include <string.h>

#include "accountctl.h"

static void
ctl_workspace_print(json_t *list)
{
	json_t *w;
	size_t i;
	const char *t;

	printf("%-32s %-8s %-21s %s\n", "WORKSPACE", "DEFAULT", "CREATED",
	    "TEMPLATE");
	json_array_foreach(list, i, w) {
		t = json_string_value(json_object_get(w, "template"));
		printf("%-32s %-8s %-21s %s\n", ctl_str(w, "name"),
		    json_is_true(json_object_get(w, "default")) ? "yes" : "",
		    ctl_str(w, "created"), t && *t ? t : "(coder.template)");
	}
}

static int
ctl_workspace_opt(struct ctl *ctl, int ch, const char *val, void *arg)
{
	if (ch != 't') {
		ctl_usage_error(ctl, "unexpected option");
		return -1;
	}
	*(const char **)arg = val;
	return 0;
}

static int
ctl_workspace_change(struct ctl *ctl, const char *method, const char *name,
    json_t *params)
{
	json_t *res;
	int rc;

	if (ctl_call(ctl, method, params, &res) == -1)
		return CTL_FAIL;
	if (!ctl->json)
		ctl_workspace_print(json_object_get(res, "workspaces"));
	fflush(stdout);
	rc = ctl_kube_follow(ctl, res, name) == -1 ? CTL_FAIL : CTL_OK;
	if (ctl->json)
		ctl_print_json(res);
	json_decref(res);
	return rc;
}

static int
ctl_workspace_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		CTL_COMMON_OPTS,
		{ "template", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tpl = NULL;
	json_t *params;
	int i;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME WS [--template T] "
	    "[--json]\n\nAdds workspace WS to account NAME (reached as ssh "
	    "NAME+WS@meduse),\nmade from template T, else coder.template.", 2, 2,
	    ctl_workspace_opt, &tpl)) < 0)
		return ctl_getopt_status(i);
	params = json_pack("{s:s, s:s}", "name", argv[i], "workspace",
	    argv[i + 1]);
	if (tpl != NULL)
		json_object_set_new(params, "template", json_string(tpl));
	return ctl_workspace_change(ctl, "workspace.add", argv[i], params);
}

static int
ctl_workspace_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	json_t *res;
	int i;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME [--json]", 1, 1,
	    NULL, NULL)) < 0)
		return ctl_getopt_status(i);
	if (ctl_call(ctl, "workspace.list", json_pack("{s:s}", "name", argv[i]),
	    &res) == -1)
		return CTL_FAIL;
	if (ctl->json)
		ctl_print_json(json_object_get(res, "workspaces"));
	else
		ctl_workspace_print(json_object_get(res, "workspaces"));
	json_decref(res);
	return CTL_OK;
}

static int
ctl_workspace_rm(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = { CTL_COMMON_OPTS, { 0 } };
	int i;

	if ((i = ctl_getopt(ctl, argc, argv, longopts, "NAME WS [--json]\n\n"
	    "Removes workspace WS of NAME; the reconciler deletes it in Coder.\n"
	    "The account's home PVC, mounted by every workspace, is kept.", 2, 2,
	    NULL, NULL)) < 0)
		return ctl_getopt_status(i);
	return ctl_workspace_change(ctl, "workspace.rm", argv[i],
	    json_pack("{s:s, s:s}", "name", argv[i], "workspace", argv[i + 1]));
}

static const struct ctl_cmd ctl_workspace_cmds[] = {
	{ "add", "NAME WS [--template T]", "add a workspace", ctl_workspace_add },
	{ "list", "NAME", "list an account's workspaces", ctl_workspace_list },
	{ "rm", "NAME WS", "remove a workspace", ctl_workspace_rm },
};

int
ctl_workspace(struct ctl *ctl, int argc, char **argv)
{
	return ctl_dispatch(ctl, "workspace", ctl_workspace_cmds,
	    sizeof(ctl_workspace_cmds) / sizeof(ctl_workspace_cmds[0]), argc,
	    argv);
}
