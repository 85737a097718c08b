/*
 * http.h: what the REST clients (kube.c, coder.c) share on top of libcurl:
 * one reused handle with timeouts and verified TLS, the response body
 * capped in size, Retry-After, the retry policy, and a sleep that tests and
 * the daemon's worker can replace.  Authentication and URLs stay with each
 * client.  Nothing here exits; retries are logged as warnings.
 */
#ifndef MEDUSE_HTTP_H
#define MEDUSE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>

#define HTTP_CONNECT_TIMEOUT_MS	5000	/* TCP + TLS handshake */
#define HTTP_REQUEST_TIMEOUT_MS	30000	/* whole request, per attempt */
#define HTTP_MAX_ATTEMPTS	5	/* first try included */
#define HTTP_BACKOFF_BASE_MS	200	/* doubled per attempt ... */
#define HTTP_BACKOFF_MAX_MS	10000	/* ... up to this */
#define HTTP_RETRY_AFTER_MAX_MS	60000	/* cap on a server's Retry-After */
#define HTTP_MAX_RESPONSE	(256 * 1024 * 1024)	/* bytes of a body */

struct http;
/* Waits ms milliseconds; tests inject one that records instead. */
typedef void	(*http_sleep_fn)(void *arg, long ms);

/* A handle with the common options set; TLS is verified. */
struct http	*http_open(void);
void		 http_close(struct http *h);
/* For the owner's own options (CA, client certificate, CONNECT_TO). */
CURL		*http_curl(struct http *h);
void		 http_set_sleep(struct http *h, http_sleep_fn fn, void *arg);
/* Sleeps delay ms plus up to a quarter of jitter, so that many clients
 * do not retry in step. */
void		 http_backoff(struct http *h, long delay);
/* HTTP requests sent so far, retries included. */
unsigned long	 http_requests(const struct http *h);
/*
 * One attempt of method url with body (NULL: none) of body_len bytes and
 * hdrs; "HEAD" asks for no body.  Returns the curl result; *code is the
 * HTTP status (0 without an answer).
 */
CURLcode	 http_perform(struct http *h, const char *method,
		    const char *url, const char *body, size_t body_len,
		    struct curl_slist *hdrs, long *code);
/* The last answer's body, NUL-terminated ("" when none), and its length. */
const char	*http_body(const struct http *h, size_t *len);
/* The last answer's body parsed as JSON (a new reference), or NULL when
 * empty or not JSON; *bad is set for a body that is not JSON. */
json_t		*http_json(struct http *h, bool *bad);
bool		 http_too_big(const struct http *h);
/* Retry-After of the last answer, or NULL. */
const char	*http_retry_after(const struct http *h);
/* curl's words for a failed attempt. */
const char	*http_error(const struct http *h, CURLcode cc);
/* "Accept: application/json", "Expect:" and the content type (may be
 * NULL), appended to *hdrs.  -1 on out of memory. */
int		 http_headers(struct curl_slist **hdrs, const char *content_type);
/* Appends "name: value" to *hdrs, the value wiped from memory after.
 * -1 when value holds a line break or on out of memory. */
int		 http_header_secret(struct curl_slist **hdrs, const char *name,
		    const char *value);

/* One request with its retries; the client fills in what differs. */
struct http_exchange {
	const char	*method;
	const char	*path;		/* for messages */
	const char	*url;
	const char	*body;		/* NULL: none */
	size_t		 body_len;	/* 0: strlen(body); binary bodies need it */
	const char	*server;	/* names the server in transport errors */
	const char	*who;		/* "the API server", "Coder": bad JSON */
	/* Before each attempt: the request's headers (credentials rotate);
	 * -1 with err set stops the exchange. */
	int		(*headers)(void *arg, struct curl_slist **hdrs,
			    char *err, size_t errlen);
	/* After a refused attempt: 1 to try again at once (credentials
	 * renewed), 0 to go on as usual.  May be NULL. */
	int		(*renew)(void *arg, long code);
	/* The server's own words for a refusal. */
	void		(*message)(long code, const json_t *body, char *buf,
			    size_t len);
	/* Instead of message, for a server whose answers are not JSON (S3's
	 * XML, madmin's encrypted bodies): nothing is parsed, *resp stays
	 * NULL and http_body() gives the answer.  May be NULL. */
	void		(*message_raw)(void *arg, long code, const char *body,
			    size_t len, char *buf, size_t buflen);
	/* Appends to a transport error (which CA, ...).  May be NULL. */
	void		(*hint)(void *arg, CURLcode cc, char *msg, size_t len);
	void		*arg;
};

/*
 * Sends x, retrying what may succeed later (http_retry_delay).  0 on a 2xx
 * answer; -1 otherwise.  *status is the final HTTP status (0: no answer),
 * *resp (may be NULL) the decoded body, the caller's also on error.
 */
int	http_exchange(struct http *h, const struct http_exchange *x,
	    long *status, json_t **resp, char *err, size_t errlen);

/*
 * The wait before the next attempt, in ms, after attempt (0-based) failed
 * with http_status (0: none) and curl_error (0: CURLE_OK); retry_after is
 * the Retry-After header or NULL.  -1: do not retry.  A pure function.
 */
long	http_retry_delay(int attempt, long http_status,
	    const char *retry_after, int curl_error);

#endif
