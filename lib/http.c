/*
 * http.c: the libcurl handle the REST clients share, and their retry
 * policy.  Trust boundary: answers come from servers authenticated by TLS
 * but are still bounded (HTTP_MAX_RESPONSE) and parsed strictly (duplicate
 * keys refused) by the caller's json.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "log.h"

struct http_buf {
	char		*data;
	size_t		 len;
	bool		 too_big;
};

struct http {
	CURL		*curl;
	http_sleep_fn	 sleep;
	void		*sleep_arg;
	unsigned long	 requests;
	struct http_buf	 body;		/* of the current response */
	char		 retry_after[32];
	char		 curl_err[CURL_ERROR_SIZE];
};

/* Transport failures worth another try: the server may be restarting. */
static const CURLcode http_retry_curl[] = {
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

static void
http_nanosleep(void *arg, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)arg;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static size_t
http_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_buf *b = arg;
	char *d;

	(void)size;
	if (b->len + n + 1 > HTTP_MAX_RESPONSE) {
		b->too_big = true;
		return 0;
	}
	if ((d = realloc(b->data, b->len + n + 1)) == NULL)
		return 0;
	memcpy(d + b->len, p, n);
	b->len += n;
	d[b->len] = '\0';
	b->data = d;
	return n;
}

static size_t
http_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http *h = arg;
	size_t v;

	(void)size;
	if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		v = n - 12;
		if (v >= sizeof(h->retry_after))
			v = sizeof(h->retry_after) - 1;
		memcpy(h->retry_after, p + 12, v);
		h->retry_after[v] = '\0';
		h->retry_after[strcspn(h->retry_after, "\r\n")] = '\0';
	}
	return n;
}

struct http *
http_open(void)
{
	struct http *h;
	CURL *c;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->curl = c = curl_easy_init()) == NULL) {
		free(h);
		return NULL;
	}
	h->sleep = http_nanosleep;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)HTTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HTTP_REQUEST_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "meduse");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	return h;
}

void
http_close(struct http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h->body.data);
	free(h);
}

CURL *
http_curl(struct http *h)
{
	return h->curl;
}

void
http_set_sleep(struct http *h, http_sleep_fn fn, void *arg)
{
	h->sleep = fn;
	h->sleep_arg = arg;
}

void
http_backoff(struct http *h, long delay)
{
	delay += (long)(random() % (delay / 4 + 1));
	h->sleep(h->sleep_arg, delay);
}

unsigned long
http_requests(const struct http *h)
{
	return h->requests;
}

CURLcode
http_perform(struct http *h, const char *method, const char *url,
    const char *body, size_t body_len, struct curl_slist *hdrs, long *code)
{
	CURLcode cc;
	bool head = strcmp(method, "HEAD") == 0;

	*code = 0;
	free(h->body.data);
	memset(&h->body, 0, sizeof(h->body));
	h->retry_after[0] = '\0';
	h->curl_err[0] = '\0';
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	if (body != NULL) {
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
		/* Always a known length: some servers refuse chunked bodies. */
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body_len);
	} else
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	/* Else curl would wait for the body a HEAD's Content-Length announces. */
	if (head)
		curl_easy_setopt(h->curl, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	h->requests++;
	cc = curl_easy_perform(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	if (head)
		curl_easy_setopt(h->curl, CURLOPT_NOBODY, 0L);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, code);
	return cc;
}

json_t *
http_json(struct http *h, bool *bad)
{
	json_t *doc;

	*bad = false;
	if (h->body.len == 0)
		return NULL;
	doc = json_loadb(h->body.data, h->body.len, JSON_REJECT_DUPLICATES,
	    NULL);
	*bad = doc == NULL;
	return doc;
}

const char *
http_body(const struct http *h, size_t *len)
{
	*len = h->body.len;
	return h->body.data != NULL ? h->body.data : "";
}

bool
http_too_big(const struct http *h)
{
	return h->body.too_big;
}

const char *
http_retry_after(const struct http *h)
{
	return h->retry_after[0] != '\0' ? h->retry_after : NULL;
}

const char *
http_error(const struct http *h, CURLcode cc)
{
	return h->curl_err[0] != '\0' ? h->curl_err : curl_easy_strerror(cc);
}

int
http_headers(struct curl_slist **hdrs, const char *content_type)
{
	struct curl_slist *l;
	char *ct = NULL;

	/* "Expect:" stops curl from waiting for a 100 Continue on big bodies. */
	if ((l = curl_slist_append(*hdrs, "Accept: application/json")) == NULL)
		return -1;
	*hdrs = l;
	if ((l = curl_slist_append(*hdrs, "Expect:")) == NULL)
		return -1;
	*hdrs = l;
	if (content_type == NULL)
		return 0;
	if (asprintf(&ct, "Content-Type: %s", content_type) == -1)
		return -1;
	l = curl_slist_append(*hdrs, ct);
	free(ct);
	if (l == NULL)
		return -1;
	*hdrs = l;
	return 0;
}

int
http_header_secret(struct curl_slist **hdrs, const char *name,
    const char *value)
{
	struct curl_slist *l;
	char *line;

	/* A header line: CR or LF would split it. */
	if (strpbrk(value, "\r\n") != NULL)
		return -1;
	if (asprintf(&line, "%s: %s", name, value) == -1)
		return -1;
	l = curl_slist_append(*hdrs, line);
	explicit_bzero(line, strlen(line));
	free(line);
	if (l == NULL)
		return -1;
	*hdrs = l;
	return 0;
}

int
http_exchange(struct http *h, const struct http_exchange *x, long *status,
    json_t **resp, char *err, size_t errlen)
{
	struct curl_slist *hdrs = NULL;
	json_t *doc = NULL;
	const char *body;
	char msg[1024];
	size_t blen;
	long code = 0, delay;
	CURLcode cc;
	int attempt, rc = -1;
	bool bad = false;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	for (attempt = 0;; attempt++) {
		curl_slist_free_all(hdrs);
		hdrs = NULL;
		if (x->headers(x->arg, &hdrs, err, errlen) == -1)
			goto out;
		cc = http_perform(h, x->method, x->url, x->body,
		    x->body == NULL ? 0 : x->body_len != 0 ? x->body_len :
		    strlen(x->body), hdrs, &code);
		json_decref(doc);
		doc = cc == CURLE_OK && x->message_raw == NULL ?
		    http_json(h, &bad) : NULL;
		if (cc == CURLE_OK && code >= 200 && code <= 299) {
			if (bad) {
				snprintf(err, errlen, "%s %s: %s answered %ld with "
				    "invalid JSON", x->method, x->path, x->who,
				    code);
				*status = code;
				goto out;
			}
			rc = 0;
			break;
		}
		if (cc == CURLE_OK && x->renew != NULL && x->renew(x->arg, code))
			continue;
		if (cc != CURLE_OK) {
			snprintf(msg, sizeof(msg), "%s: %s", x->server,
			    http_error(h, cc));
			if (x->hint != NULL)
				x->hint(x->arg, cc, msg, sizeof(msg));
		} else if (x->message_raw != NULL) {
			body = http_body(h, &blen);
			x->message_raw(x->arg, code, body, blen, msg,
			    sizeof(msg));
		} else
			x->message(code, doc, msg, sizeof(msg));
		delay = http_retry_delay(attempt, code, http_retry_after(h),
		    (int)cc);
		if (delay < 0) {
			snprintf(err, errlen, "%s %s: %s%s", x->method, x->path,
			    msg, http_too_big(h) ? " (response too large)" : "");
			if (attempt > 0 && strlen(err) + 40 < errlen)
				snprintf(err + strlen(err), errlen - strlen(err),
				    " (after %d attempts)", attempt + 1);
			break;
		}
		log_warn("%s %s: %s; retrying in about %ld ms", x->method,
		    x->path, msg, delay);
		http_backoff(h, delay);
	}
	*status = code;
	if (resp != NULL) {
		*resp = doc;
		doc = NULL;
	}
out:
	json_decref(doc);
	curl_slist_free_all(hdrs);
	return rc;
}

/* Retry-After in seconds; the HTTP-date form is not used by our servers. */
static long
http_retry_after_ms(const char *s)
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
	if (v > HTTP_RETRY_AFTER_MAX_MS / 1000)
		return HTTP_RETRY_AFTER_MAX_MS;
	return v * 1000;
}

long
http_retry_delay(int attempt, long http_status, const char *retry_after,
    int curl_error)
{
	long backoff = HTTP_BACKOFF_MAX_MS, ra;
	size_t i;
	bool retry = false;

	if (attempt < 0 || attempt + 1 >= HTTP_MAX_ATTEMPTS)
		return -1;
	if (attempt < 16 && (HTTP_BACKOFF_BASE_MS << attempt) <
	    HTTP_BACKOFF_MAX_MS)
		backoff = HTTP_BACKOFF_BASE_MS << attempt;
	if (curl_error != CURLE_OK) {
		for (i = 0; i < sizeof(http_retry_curl) /
		    sizeof(http_retry_curl[0]); i++)
			if (http_retry_curl[i] == (CURLcode)curl_error)
				retry = true;
		return retry ? backoff : -1;
	}
	if (http_status != 429 && (http_status < 500 || http_status > 599))
		return -1;
	/* The server knows best how long it is overloaded for. */
	if ((ra = http_retry_after_ms(retry_after)) >= 0)
		return ra;
	return backoff;
}
