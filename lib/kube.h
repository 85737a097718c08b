/*
 * kube.h: a small Kubernetes REST client on libcurl and jansson.  One
 * client holds one CURL handle (connections are reused) and borrows the
 * credentials it was opened with.  kube.c sends requests and retries;
 * kube_util.c holds the pure parts (URLs, retry policy, error text),
 * kube_verbs.c apply, get, list and delete.
 * Nothing here exits.
 */
#ifndef MEDUSE_KUBE_H
#define MEDUSE_KUBE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "http.h"
#include "kubeconfig.h"

#define KUBE_FIELD_MANAGER	"meduse"

struct kube;
/* Waits ms milliseconds; tests inject one that records instead. */
typedef http_sleep_fn	kube_sleep_fn;

/* kube.c */
/* creds stay the caller's and must outlive the client. */
struct kube	*kube_open(struct kube_creds *creds, char *err, size_t errlen);
void		 kube_close(struct kube *k);
void		 kube_set_sleep(struct kube *k, kube_sleep_fn fn, void *arg);
/* HTTP requests sent so far, retries included. */
unsigned long	 kube_requests(const struct kube *k);
/*
 * Sends method path?query with body (may be NULL) as content_type.
 * Returns 0 on a 2xx answer, -1 otherwise.  *status is the final HTTP
 * status (0: no answer at all), *resp (may be NULL to ignore) the parsed
 * body or NULL, owned by the caller, also on error (a Status object).
 * 409 and 404 are returned at once, for the caller to decide.
 */
int	kube_request(struct kube *k, const char *method, const char *path,
	    const char *query, json_t *body, const char *content_type,
	    long *status, json_t **resp, char *err, size_t errlen);

/* kube_verbs.c */
/* Server-side apply of obj at path (force, strict field validation). */
int	kube_apply(struct kube *k, const char *path, json_t *obj,
	    bool dry_run, long *status, json_t **resp, char *err,
	    size_t errlen);
int	kube_get(struct kube *k, const char *path, long *status,
	    json_t **resp, char *err, size_t errlen);
/* label_selector may be NULL. */
int	kube_list(struct kube *k, const char *path, const char *label_selector,
	    long *status, json_t **resp, char *err, size_t errlen);
int	kube_delete(struct kube *k, const char *path, bool dry_run,
	    long *status, json_t **resp, char *err, size_t errlen);

/* kube_util.c */
/* Appends key=value (value URL-escaped) to *query, "&"-joined. */
int	kube_query_add(char **query, const char *key, const char *value);
/* server + path [+ "?" query]; path must start with '/'. */
int	kube_build_url(const char *server, const char *path,
	    const char *query, char **out);
/* The API's own words for a failure: Status.message, else "HTTP n". */
void	kube_status_message(long http_status, const json_t *body, char *buf,
	    size_t len);

#endif
