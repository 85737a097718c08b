/*
 * kube_util.c: the pure parts of the Kubernetes client: URL and query
 * building, the retry policy and the wording of API errors.  Kept apart
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

/* Transport failures worth another try: the server may be restarting. */
static const CURLcode kube_retry_curl[] = {
	CURLE_COULDNT_RESOLVE_HOST,
	CURLE_COULDNT_CONNECT,
	CURLE_OPERATION_TIMEDOUT,
	CURLE_SEND_ERROR,
	CURLE_RECV_ERROR,
	CURLE_GOT_NOTHING,
	CURLE_PARTIAL_FILE,
	CURLE_SSL_CONNECT_ERROR,	/* a reset during the handshake */
	CURLE_HTTP2,
	CURLE_HTTP2_STREAM,
};

/* Retry-After in seconds; the HTTP-date form is not used by the API. */
static long
kube_retry_after_ms(const char *s)
{
	char *end;
	long v;

	if (s == NULL)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || *end != '\0')
		return -1;
	if (v > KUBE_RETRY_AFTER_MAX_MS / 1000)
		return KUBE_RETRY_AFTER_MAX_MS;
	return v * 1000;
}

long
kube_retry_delay(int attempt, long http_status, const char *retry_after,
    int curl_error)
{
	long backoff = KUBE_BACKOFF_MAX_MS, ra;
	size_t i;
	bool retry = false;

	if (attempt < 0 || attempt + 1 >= KUBE_MAX_ATTEMPTS)
		return -1;
	if (attempt < 16 && (KUBE_BACKOFF_BASE_MS << attempt) <
	    KUBE_BACKOFF_MAX_MS)
		backoff = KUBE_BACKOFF_BASE_MS << attempt;
	if (curl_error != CURLE_OK) {
		for (i = 0; i < sizeof(kube_retry_curl) /
		    sizeof(kube_retry_curl[0]); i++)
			if (kube_retry_curl[i] == (CURLcode)curl_error)
				retry = true;
		return retry ? backoff : -1;
	}
	if (http_status != 429 && (http_status < 500 || http_status > 599))
		return -1;
	/* The server knows best how long it is overloaded for. */
	if ((ra = kube_retry_after_ms(retry_after)) >= 0)
		return ra;
	return backoff;
}

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
