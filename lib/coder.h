/*
 * coder.h: a small client of Coder's REST API (/api/v2) on libcurl and
 * jansson, for accountd: users, organizations, templates, workspaces,
 * builds and activity.  The session token comes from a file and is sent
 * only as the Coder-Session-Token header; it is never logged.  coder.c
 * sends and retries (http.c's policy), coder_verbs.c names the endpoints.
 * Nothing here exits.
 */
#ifndef MEDUSE_CODER_H
#define MEDUSE_CODER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "http.h"

#define CODER_TOKEN_MAX	4096	/* bytes of the token file */

struct coder;

/* coder.c */
/* url: https://coder.example (no trailing /api/v2); the token file must be
 * a regular file readable by its owner only. */
struct coder	*coder_open(const char *url, const char *token_file,
		    char *err, size_t errlen);
void		 coder_close(struct coder *c);
void		 coder_set_sleep(struct coder *c, http_sleep_fn fn, void *arg);
unsigned long	 coder_requests(const struct coder *c);
/*
 * method /api/v2 + path with body (may be NULL).  0 on a 2xx; -1 with
 * *status (0: no answer), *resp (Coder's error body, may be NULL) and err
 * in Coder's words (message, detail, each validation).  404 and 409 come
 * back at once, for the caller to decide.
 */
int	coder_request(struct coder *c, const char *method, const char *path,
	    json_t *body, long *status, json_t **resp, char *err,
	    size_t errlen);

/* coder_verbs.c: each returns coder_request's result; *out is the
 * decoded answer (caller's) on success.  Names are escaped here. */
int	coder_user_get(struct coder *c, const char *user, long *status,
	    json_t **out, char *err, size_t errlen);
/* Every user ({users, count}) and every workspace ({workspaces, count}):
 * one request each for a whole pass. */
int	coder_user_list(struct coder *c, long *status, json_t **out,
	    char *err, size_t errlen);
int	coder_workspace_list_all(struct coder *c, long *status, json_t **out,
	    char *err, size_t errlen);
int	coder_user_create(struct coder *c, json_t *req, long *status,
	    json_t **out, char *err, size_t errlen);
/* Coder refuses (417) while the user still has a workspace, even one
 * being deleted, and (403) when it is the token's own user. */
int	coder_user_delete(struct coder *c, const char *user, long *status,
	    char *err, size_t errlen);
int	coder_org_get(struct coder *c, const char *org, long *status,
	    json_t **out, char *err, size_t errlen);
int	coder_template_get(struct coder *c, const char *org_id,
	    const char *name, long *status, json_t **out, char *err,
	    size_t errlen);
int	coder_workspace_get(struct coder *c, const char *owner,
	    const char *name, long *status, json_t **out, char *err,
	    size_t errlen);
int	coder_workspace_list(struct coder *c, const char *owner, long *status,
	    json_t **out, char *err, size_t errlen);
int	coder_workspace_create(struct coder *c, const char *owner, json_t *req,
	    long *status, json_t **out, char *err, size_t errlen);
/* transition: "start", "stop" or "delete"; params (rich parameter
 * values, borrowed) or NULL for the last build's. */
int	coder_build(struct coder *c, const char *workspace_id,
	    const char *transition, json_t *params, long *status, json_t **out,
	    char *err, size_t errlen);

/* Tells Coder the workspace is in use over SSH (what `coder ssh` does each
 * minute), so that its auto-stop does not stop it under open sessions. */
int	coder_usage(struct coder *c, const char *workspace_id,
	    const char *agent_id, long *status, char *err, size_t errlen);
/* The id of the first agent of the latest build, or NULL. */
const char *coder_ws_agent_id(const json_t *ws);

/* coder_util.c: pure */
/* Coder's error body as one line: message, detail, field: detail ... */
void	coder_error_message(long status, const json_t *body, char *buf,
	    size_t len);
/* latest_build.status of a Workspace, or "" */
const char *coder_ws_status(const json_t *ws);
/* The first agent of the latest build: its status and lifecycle_state
 * ("" when there is none yet). */
const char *coder_ws_agent_status(const json_t *ws);
const char *coder_ws_agent_lifecycle(const json_t *ws);
/* A path segment, percent-escaped into buf; -1 if it does not fit. */
int	coder_escape(const char *s, char *buf, size_t len);

#endif
