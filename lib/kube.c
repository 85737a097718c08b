/*
 * kube.c: sends requests to the Kubernetes API with one reused CURL handle,
 * authenticates each from kube_creds (refreshed first: tokens rotate),
 * and retries what may succeed later (kube_retry_delay).  Trust boundary:
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

#include "kube.h"
#include "log.h"

struct kube_buf {
	char		*data;
	size_t		 len;
	bool		 too_big;
};

struct kube {
	CURL		*curl;
	struct kube_creds *creds;	/* borrowed */
	char		*base;		/* server URL, tls-server-name applied */
	struct curl_slist *connect_to;	/* tls-server-name: where to connect */
	kube_sleep_fn	 sleep;
	void		*sleep_arg;
	unsigned long	 requests;
	struct kube_buf	 body;		/* of the current response */
	char		 retry_after[32];
	char		 curl_err[CURL_ERROR_SIZE];
};

static void
kube_nanosleep(void *arg, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)arg;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static size_t
kube_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct kube_buf *b = arg;
	char *d;

	if (b->len + n + 1 > KUBE_MAX_RESPONSE) {
		b->too_big = true;
		return 0;
	}
	if ((d = realloc(b->data, b->len + n + 1)) == NULL)
		return 0;
	memcpy(d + b->len, p, n);
	b->len += n;
	d[b->len] = '\0';
	b->data = d;
	(void)size;
	return n;
}

static size_t
kube_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct kube *k = arg;
	size_t len = n, v;

	(void)size;
	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		v = len - 12;
		if (v >= sizeof(k->retry_after))
			v = sizeof(k->retry_after) - 1;
		memcpy(k->retry_after, p + 12, v);
		k->retry_after[v] = '\0';
		k->retry_after[strcspn(k->retry_after, "\r\n")] = '\0';
	}
	return n;
}

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
	    (k->curl = h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "%s: cannot set up libcurl",
		    creds->source);
		goto fail;
	}
	k->creds = creds;
	k->sleep = kube_nanosleep;
	if (kube_server_name(k, err, errlen) == -1)
		goto fail;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)KUBE_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)KUBE_REQUEST_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "meduse");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, k->curl_err);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, kube_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &k->body);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, kube_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, k);
	if (k->connect_to != NULL)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, k->connect_to);
	if (creds->insecure) {
		log_warn("%s: cluster \"%s\" sets insecure-skip-tls-verify: "
		    "the API server %s is NOT authenticated", creds->source,
		    creds->cluster != NULL ? creds->cluster : "-",
		    creds->server);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
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
	if (k->curl != NULL)
		curl_easy_cleanup(k->curl);
	curl_slist_free_all(k->connect_to);
	free(k->base);
	free(k->body.data);
	free(k);
}

void
kube_set_sleep(struct kube *k, kube_sleep_fn fn, void *arg)
{
	k->sleep = fn;
	k->sleep_arg = arg;
}

unsigned long
kube_requests(const struct kube *k)
{
	return k->requests;
}

/* Client certificate and bearer token: set per attempt, as they rotate. */
static int
kube_auth(struct kube *k, struct curl_slist **hdrs)
{
	struct kube_creds *c = k->creds;
	struct curl_blob blob;
	struct curl_slist *l;
	char *auth;

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
	if (asprintf(&auth, "Authorization: Bearer %s", c->token) == -1)
		return -1;
	l = curl_slist_append(*hdrs, auth);
	explicit_bzero(auth, strlen(auth));
	free(auth);
	if (l == NULL)
		return -1;
	*hdrs = l;
	return 0;
}

static int
kube_headers(struct kube *k, const char *content_type,
    struct curl_slist **out)
{
	struct curl_slist *h = NULL, *l;
	char *ct = NULL;

	*out = NULL;
	/* "Expect:" stops curl from waiting for a 100 Continue on big bodies. */
	if ((h = curl_slist_append(NULL, "Accept: application/json")) == NULL ||
	    (l = curl_slist_append(h, "Expect:")) == NULL)
		goto fail;
	h = l;
	if (content_type != NULL) {
		if (asprintf(&ct, "Content-Type: %s", content_type) == -1)
			goto fail;
		if ((l = curl_slist_append(h, ct)) == NULL)
			goto fail;
		h = l;
	}
	if (kube_auth(k, &h) == -1)
		goto fail;
	free(ct);
	*out = h;
	return 0;
fail:
	free(ct);
	curl_slist_free_all(h);
	return -1;
}

/* One attempt.  Returns the curl result; *code is the HTTP status. */
static CURLcode
kube_perform(struct kube *k, const char *method, const char *url,
    const char *body, struct curl_slist *hdrs, long *code)
{
	CURLcode cc;

	*code = 0;
	free(k->body.data);
	memset(&k->body, 0, sizeof(k->body));
	k->retry_after[0] = '\0';
	k->curl_err[0] = '\0';
	curl_easy_setopt(k->curl, CURLOPT_URL, url);
	if (body != NULL) {
		curl_easy_setopt(k->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(k->curl, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(body));
	} else
		curl_easy_setopt(k->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(k->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, hdrs);
	k->requests++;
	cc = curl_easy_perform(k->curl);
	curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, NULL);
	if (cc == CURLE_OK)
		curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, code);
	return cc;
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

int
kube_request(struct kube *k, const char *method, const char *path,
    const char *query, json_t *body, const char *content_type,
    long *status, json_t **resp, char *err, size_t errlen)
{
	struct curl_slist *hdrs = NULL;
	json_t *doc = NULL;
	char *url = NULL, *text = NULL, msg[1024];
	long code = 0, delay;
	CURLcode cc = CURLE_OK;
	int attempt, rc = -1;
	bool reauth = false;

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
	for (attempt = 0;; attempt++) {
		if (kube_creds_refresh(k->creds, err, errlen) == -1)
			goto out;
		/* A token is sent as a header line: CR or LF would split it. */
		if (k->creds->token != NULL &&
		    strpbrk(k->creds->token, "\r\n") != NULL) {
			snprintf(err, errlen, "%s: the bearer token of user "
			    "\"%s\" contains a line break", k->creds->source,
			    k->creds->user != NULL ? k->creds->user : "-");
			goto out;
		}
		curl_slist_free_all(hdrs);
		if (kube_headers(k, body != NULL ? content_type : NULL,
		    &hdrs) == -1) {
			snprintf(err, errlen, "%s %s: out of memory", method,
			    path);
			goto out;
		}
		cc = kube_perform(k, method, url, text, hdrs, &code);
		json_decref(doc);
		doc = NULL;
		if (cc == CURLE_OK && k->body.len > 0)
			doc = json_loadb(k->body.data, k->body.len,
			    JSON_REJECT_DUPLICATES, NULL);
		if (cc == CURLE_OK && code >= 200 && code <= 299) {
			if (k->body.len > 0 && doc == NULL) {
				snprintf(err, errlen, "%s %s: the API server "
				    "answered %ld with invalid JSON", method,
				    path, code);
				*status = code;
				goto out;
			}
			rc = 0;
			break;
		}
		/* A 401 may mean the credential rotated under us: fetch it
		 * again (plugin, token file) and try once more. */
		if (cc == CURLE_OK && code == 401 && !reauth &&
		    (k->creds->exec != NULL || k->creds->token_file != NULL)) {
			reauth = true;
			k->creds->exec_done = false;
			memset(&k->creds->token_mtime, 0,
			    sizeof(k->creds->token_mtime));
			continue;
		}
		if (cc != CURLE_OK) {
			snprintf(msg, sizeof(msg), "%s: %s", k->creds->server,
			    k->curl_err[0] != '\0' ? k->curl_err :
			    curl_easy_strerror(cc));
			if (cc == CURLE_PEER_FAILED_VERIFICATION ||
			    cc == CURLE_SSL_CACERT_BADFILE)
				kube_tls_hint(k->creds, msg, sizeof(msg));
		} else
			kube_status_message(code, doc, msg, sizeof(msg));
		delay = kube_retry_delay(attempt, code, k->retry_after[0] ?
		    k->retry_after : NULL, (int)cc);
		if (delay < 0) {
			snprintf(err, errlen, "%s %s: %s%s", method, path, msg,
			    k->body.too_big ? " (response too large)" : "");
			if (attempt > 0 && strlen(err) + 40 < errlen)
				snprintf(err + strlen(err), errlen - strlen(err),
				    " (after %d attempts)", attempt + 1);
			break;
		}
		/* Jitter keeps many clients from retrying in step. */
		delay += (long)(random() % (delay / 4 + 1));
		log_warn("%s %s: %s; retrying in %ld ms", method, path, msg,
		    delay);
		k->sleep(k->sleep_arg, delay);
	}
	*status = code;
	if (resp != NULL) {
		*resp = doc;
		doc = NULL;
	}
out:
	json_decref(doc);
	curl_slist_free_all(hdrs);
	free(url);
	free(text);
	return rc;
}
