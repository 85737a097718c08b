/*
 * coder_verbs.c: the Coder endpoints accountd uses (protocols.md E), on
 * top of coder_request().  Names go into paths escaped.
 */
#include <stdio.h>

#include <jansson.h>

#include "coder.h"

#define SEG	256	/* an escaped path segment */

static int
coder_get(struct coder *c, const char *path, long *status, json_t **out,
    char *err, size_t errlen)
{
	return coder_request(c, "GET", path, NULL, status, out, err, errlen);
}

static int
coder_bad_name(const char *what, const char *name, long *status, char *err,
    size_t errlen)
{
	*status = 0;
	snprintf(err, errlen, "%s \"%.64s\" is too long for a path", what, name);
	return -1;
}

int
coder_user_get(struct coder *c, const char *user, long *status, json_t **out,
    char *err, size_t errlen)
{
	char u[SEG], path[SEG + 32];

	if (coder_escape(user, u, sizeof(u)) == -1)
		return coder_bad_name("user", user, status, err, errlen);
	snprintf(path, sizeof(path), "/users/%s", u);
	return coder_get(c, path, status, out, err, errlen);
}

int
coder_user_create(struct coder *c, json_t *req, long *status, json_t **out,
    char *err, size_t errlen)
{
	return coder_request(c, "POST", "/users", req, status, out, err,
	    errlen);
}

int
coder_user_delete(struct coder *c, const char *user, long *status, char *err,
    size_t errlen)
{
	char u[SEG], path[SEG + 32];

	if (coder_escape(user, u, sizeof(u)) == -1)
		return coder_bad_name("user", user, status, err, errlen);
	snprintf(path, sizeof(path), "/users/%s", u);
	return coder_request(c, "DELETE", path, NULL, status, NULL, err,
	    errlen);
}

int
coder_org_get(struct coder *c, const char *org, long *status, json_t **out,
    char *err, size_t errlen)
{
	char o[SEG], path[SEG + 32];

	if (coder_escape(org, o, sizeof(o)) == -1)
		return coder_bad_name("organization", org, status, err, errlen);
	snprintf(path, sizeof(path), "/organizations/%s", o);
	return coder_get(c, path, status, out, err, errlen);
}

int
coder_template_get(struct coder *c, const char *org_id, const char *name,
    long *status, json_t **out, char *err, size_t errlen)
{
	char o[SEG], n[SEG], path[2 * SEG + 48];

	if (coder_escape(org_id, o, sizeof(o)) == -1 ||
	    coder_escape(name, n, sizeof(n)) == -1)
		return coder_bad_name("template", name, status, err, errlen);
	snprintf(path, sizeof(path), "/organizations/%s/templates/%s", o, n);
	return coder_get(c, path, status, out, err, errlen);
}

int
coder_workspace_get(struct coder *c, const char *owner, const char *name,
    long *status, json_t **out, char *err, size_t errlen)
{
	char o[SEG], n[SEG], path[2 * SEG + 48];

	if (coder_escape(owner, o, sizeof(o)) == -1 ||
	    coder_escape(name, n, sizeof(n)) == -1)
		return coder_bad_name("workspace", name, status, err, errlen);
	snprintf(path, sizeof(path), "/users/%s/workspace/%s", o, n);
	return coder_get(c, path, status, out, err, errlen);
}

int
coder_workspace_list(struct coder *c, const char *owner, long *status,
    json_t **out, char *err, size_t errlen)
{
	char o[SEG], path[SEG + 48];

	if (coder_escape(owner, o, sizeof(o)) == -1)
		return coder_bad_name("owner", owner, status, err, errlen);
	/* q=owner:NAME, the colon escaped as a query wants it. */
	snprintf(path, sizeof(path), "/workspaces?q=owner%%3A%s", o);
	return coder_get(c, path, status, out, err, errlen);
}

int
coder_workspace_create(struct coder *c, const char *owner, json_t *req,
    long *status, json_t **out, char *err, size_t errlen)
{
	char o[SEG], path[SEG + 32];

	if (coder_escape(owner, o, sizeof(o)) == -1)
		return coder_bad_name("owner", owner, status, err, errlen);
	snprintf(path, sizeof(path), "/users/%s/workspaces", o);
	return coder_request(c, "POST", path, req, status, out, err, errlen);
}

int
coder_build(struct coder *c, const char *workspace_id, const char *transition,
    json_t *params, long *status, json_t **out, char *err, size_t errlen)
{
	char w[SEG], path[SEG + 32];
	json_t *req;
	int rc;

	if (coder_escape(workspace_id, w, sizeof(w)) == -1)
		return coder_bad_name("workspace id", workspace_id, status, err,
		    errlen);
	snprintf(path, sizeof(path), "/workspaces/%s/builds", w);
	if ((req = json_pack("{s:s}", "transition", transition)) == NULL ||
	    (params != NULL && json_object_set(req, "rich_parameter_values",
	    params) != 0)) {
		json_decref(req);
		*status = 0;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = coder_request(c, "POST", path, req, status, out, err, errlen);
	json_decref(req);
	return rc;
}

int
coder_user_list(struct coder *c, long *status, json_t **out, char *err,
    size_t errlen)
{
	return coder_get(c, "/users", status, out, err, errlen);
}

int
coder_workspace_list_all(struct coder *c, long *status, json_t **out,
    char *err, size_t errlen)
{
	return coder_get(c, "/workspaces", status, out, err, errlen);
}

int
coder_usage(struct coder *c, const char *workspace_id, const char *agent_id,
    long *status, char *err, size_t errlen)
{
	char w[SEG], path[SEG + 32];
	json_t *req;
	int rc;

	if (coder_escape(workspace_id, w, sizeof(w)) == -1)
		return coder_bad_name("workspace id", workspace_id, status, err,
		    errlen);
	snprintf(path, sizeof(path), "/workspaces/%s/usage", w);
	if ((req = json_pack("{s:s, s:s}", "agent_id", agent_id, "app_name",
	    "ssh")) == NULL) {
		*status = 0;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = coder_request(c, "POST", path, req, status, NULL, err, errlen);
	json_decref(req);
	return rc;
}
