/*
 * kube_util.c: the pure parts of the Kubernetes client: URL and query
 * building and the wording of API errors (the retry policy is http.c's).  Kept apart
 * from kube.c so that they are unit-tested without a server.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "kube.h"

int
kube_query_add(char **query, const char *key, const char *value)
{
	char *v, *q;
	int rc;

	if ((v = curl_easy_escape(NULL, value, 0)) == NULL)
		return -1;
	if (*query == NULL || (*query)[0] == '\0')
		rc = asprintf(&q, "%s=%s", key, v);
	else
		rc = asprintf(&q, "%s&%s=%s", *query, key, v);
	curl_free(v);
	if (rc == -1)
		return -1;
	free(*query);
	*query = q;
	return 0;
}

int
kube_build_url(const char *server, const char *path, const char *query,
    char **out)
{
	size_t n = strlen(server);
	int rc;

	*out = NULL;
	if (path[0] != '/' || strpbrk(path, "?# \r\n") != NULL)
		return -1;
	while (n > 0 && server[n - 1] == '/')
		n--;
	if (query != NULL && query[0] != '\0')
		rc = asprintf(out, "%.*s%s?%s", (int)n, server, path, query);
	else
		rc = asprintf(out, "%.*s%s", (int)n, server, path);
	if (rc == -1) {
		*out = NULL;
		return -1;
	}
	return 0;
}

void
kube_status_message(long http_status, const json_t *body, char *buf,
    size_t len)
{
	const char *msg = NULL, *reason = NULL;
	json_t *m;

	if (json_is_object(body)) {
		if (json_is_string(m = json_object_get(body, "message")))
			msg = json_string_value(m);
		if (json_is_string(m = json_object_get(body, "reason")))
			reason = json_string_value(m);
	}
	if (msg != NULL && msg[0] != '\0')
		snprintf(buf, len, "%s (HTTP %ld%s%s)", msg, http_status,
		    reason != NULL ? " " : "", reason != NULL ? reason : "");
	else
		snprintf(buf, len, "HTTP %ld with no Status message",
		    http_status);
}
