/*
 * kube.c: sends requests to the Kubernetes API over one reused handle
 * (http.c), authenticates each from kube_creds (refreshed first: tokens
 * rotate), and retries what may succeed later (http_retry_delay).  Trust boundary:
 * the API server is authenticated by TLS; its answers are still parsed as
 * untrusted (size cap, strict JSON).  TLS is verified unless the kubeconfig
 * says insecure-skip-tls-verify, which is logged as a warning.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "http.h"
#include "kube.h"
#include "log.h"

struct kube {
	struct http	*http;
	CURL		*curl;		/* http's handle, for TLS options */
	struct kube_creds *creds;	/* borrowed */
	char		*base;		/* server URL, tls-server-name applied */
	struct curl_slist *connect_to;	/* tls-server-name: where to connect */
};

/*
 * tls-server-name: the URL names the expected certificate name (so that
 * curl verifies and sends SNI for it) and CONNECT_TO sends the connection
 * to the server's real address.
 */
static int
kube_server_name(struct kube *k, char *err, size_t errlen)
{
	struct kube_creds *c = k->creds;
	CURLU *u = NULL;
	char *host = NULL, *port = NULL, *url = NULL, *map = NULL;
	int rc = -1;

	if (c->tls_server_name == NULL)
		return (k->base = strdup(c->server)) == NULL ? -1 : 0;
	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, c->server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK ||
	    curl_url_set(u, CURLUPART_HOST, c->tls_server_name, 0) !=
	    CURLUE_OK || curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		snprintf(err, errlen, "%s: cluster \"%s\": server \"%s\" or "
		    "tls-server-name \"%s\" is not usable in a URL", c->source,
		    c->cluster != NULL ? c->cluster : "-", c->server,
		    c->tls_server_name);
		goto out;
	}
	if (asprintf(&map, "%s:%s:%s:%s", c->tls_server_name, port, host,
	    port) == -1) {
		map = NULL;
		goto out;
	}
	if ((k->connect_to = curl_slist_append(NULL, map)) == NULL ||
	    (k->base = strdup(url)) == NULL)
		goto out;
	/* curl_url_get puts a '/' after the host: paths bring their own. */
	k->base[strcspn(k->base, "?#")] = '\0';
	if (k->base[0] != '\0' && k->base[strlen(k->base) - 1] == '/')
		k->base[strlen(k->base) - 1] = '\0';
	rc = 0;
out:
	free(map);
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

struct kube *
kube_open(struct kube_creds *creds, char *err, size_t errlen)
{
	struct curl_blob blob;
	struct kube *k;
	CURL *h;

	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->http = http_open()) == NULL) {
		snprintf(err, errlen, "%s: cannot set up libcurl",
		    creds->source);
		goto fail;
	}
	k->curl = h = http_curl(k->http);
	k->creds = creds;
	if (kube_server_name(k, err, errlen) == -1)
		goto fail;
	if (k->connect_to != NULL)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, k->connect_to);
	if (creds->insecure) {
		log_warn("%s: cluster \"%s\" sets insecure-skip-tls-verify: "
		    "the API server %s is NOT authenticated", creds->source,
		    creds->cluster != NULL ? creds->cluster : "-",
		    creds->server);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (creds->ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, creds->ca_file);
	if (creds->ca_data != NULL) {
		blob.data = creds->ca_data;
		blob.len = creds->ca_len;
		blob.flags = CURL_BLOB_COPY;
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	return k;
fail:
	kube_close(k);
	return NULL;
}

void
kube_close(struct kube *k)
{
	if (k == NULL)
		return;
	http_close(k->http);
	curl_slist_free_all(k->connect_to);
	free(k->base);
	free(k);
}

void
kube_set_sleep(struct kube *k, kube_sleep_fn fn, void *arg)
{
	http_set_sleep(k->http, fn, arg);
}

unsigned long
kube_requests(const struct kube *k)
{
	return http_requests(k->http);
}

/* Client certificate and bearer token: set per attempt, as they rotate. */
static int
kube_auth(struct kube *k, struct curl_slist **hdrs)
{
	struct kube_creds *c = k->creds;
	struct curl_blob blob;
	char *auth;
	int rc;

	if (c->cert_file != NULL) {
		curl_easy_setopt(k->curl, CURLOPT_SSLCERT, c->cert_file);
		curl_easy_setopt(k->curl, CURLOPT_SSLKEY, c->key_file);
	} else if (c->cert_data != NULL) {
		blob.flags = CURL_BLOB_COPY;
		blob.data = c->cert_data;
		blob.len = c->cert_len;
		curl_easy_setopt(k->curl, CURLOPT_SSLCERT_BLOB, &blob);
		blob.data = c->key_data;
		blob.len = c->key_len;
		curl_easy_setopt(k->curl, CURLOPT_SSLKEY_BLOB, &blob);
	}
	if (c->token == NULL)
		return 0;
	if (asprintf(&auth, "Bearer %s", c->token) == -1)
		return -1;
	rc = http_header_secret(hdrs, "Authorization", auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	return rc;
}

static int
kube_headers(struct kube *k, const char *content_type,
    struct curl_slist **out)
{
	*out = NULL;
	if (http_headers(out, content_type) == -1 || kube_auth(k, out) == -1) {
		curl_slist_free_all(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/*
 * A TLS verification failure names what the certificate was checked
 * against and where that came from, so the operator knows what to fix.
 */
static void
kube_tls_hint(const struct kube_creds *c, char *msg, size_t len)
{
	size_t n = strlen(msg);

	snprintf(msg + n, len - n, " (TLS: checked against %s%s, cluster "
	    "\"%s\" of %s)", c->ca_file != NULL ? "CA file " :
	    c->ca_data != NULL ? "certificate-authority-data" :
	    "the system's CAs", c->ca_file != NULL ? c->ca_file : "",
	    c->cluster != NULL ? c->cluster : "-", c->source);
}

/* Per attempt: refreshed credentials (tokens rotate), then the headers. */
struct kube_attempt {
	struct kube	*k;
	const char	*content_type;
	bool		 reauth;	/* the one renewal after a 401 was made */
};

static int
kube_attempt_headers(void *arg, struct curl_slist **hdrs, char *err,
    size_t errlen)
{
	struct kube_attempt *a = arg;
	struct kube_creds *c = a->k->creds;

	if (kube_creds_refresh(c, err, errlen) == -1)
		return -1;
	/* http_header_secret refuses it too; say which token. */
	if (c->token != NULL && strpbrk(c->token, "\r\n") != NULL) {
		snprintf(err, errlen, "%s: the bearer token of user \"%s\" "
		    "contains a line break", c->source, c->user != NULL ?
		    c->user : "-");
		return -1;
	}
	if (kube_headers(a->k, a->content_type, hdrs) == -1) {
		snprintf(err, errlen, "%s: out of memory", c->source);
		return -1;
	}
	return 0;
}

/* A 401 may mean the credential rotated under us: fetch it again (plugin,
 * token file) and try once more. */
static int
kube_attempt_renew(void *arg, long code)
{
	struct kube_attempt *a = arg;
	struct kube_creds *c = a->k->creds;

	if (code != 401 || a->reauth || (c->exec == NULL &&
	    c->token_file == NULL))
		return 0;
	a->reauth = true;
	c->exec_done = false;
	memset(&c->token_mtime, 0, sizeof(c->token_mtime));
	return 1;
}

static void
kube_attempt_hint(void *arg, CURLcode cc, char *msg, size_t len)
{
	struct kube_attempt *a = arg;

	if (cc == CURLE_PEER_FAILED_VERIFICATION ||
	    cc == CURLE_SSL_CACERT_BADFILE)
		kube_tls_hint(a->k->creds, msg, len);
}

int
kube_request(struct kube *k, const char *method, const char *path,
    const char *query, json_t *body, const char *content_type,
    long *status, json_t **resp, char *err, size_t errlen)
{
	struct kube_attempt a = { k, body != NULL ? content_type : NULL,
	    false };
	struct http_exchange x = {
		.method = method, .path = path, .server = k->creds->server,
		.who = "the API server", .headers = kube_attempt_headers,
		.renew = kube_attempt_renew, .message = kube_status_message,
		.hint = kube_attempt_hint, .arg = &a,
	};
	char *url = NULL, *text = NULL;
	int rc = -1;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (kube_build_url(k->base, path, query, &url) == -1) {
		snprintf(err, errlen, "%s %.200s: not a valid API path", method,
		    path);
		goto out;
	}
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		snprintf(err, errlen, "%s %s: cannot encode the body", method,
		    path);
		goto out;
	}
	x.url = url;
	x.body = text;
	rc = http_exchange(k->http, &x, status, resp, err, errlen);
out:
	free(url);
	free(text);
	return rc;
}
