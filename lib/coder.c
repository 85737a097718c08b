/*
 * coder.c: sends requests to Coder's API over one reused handle (http.c).
 * Trust boundary: Coder is authenticated by TLS (or is on loopback); its
 * answers are still bounded and parsed strictly.  The token is read once,
 * checked to be private, sent as a header and wiped on close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "coder.h"
#include "file.h"
#include "log.h"

struct coder {
	struct http	*http;
	char		*base;		/* url + "/api/v2" */
	char		*token;
};

static int
coder_load_token(struct coder *c, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	size_t len;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: the Coder token is readable by group "
		    "or others: chmod 600 %s", path, path);
		return -1;
	}
	if (file_read(path, CODER_TOKEN_MAX, &c->token, &len, NULL, err,
	    errlen) == -1)
		return -1;
	while (len > 0 && (c->token[len - 1] == '\n' ||
	    c->token[len - 1] == '\r' || c->token[len - 1] == ' '))
		c->token[--len] = '\0';
	if (len == 0 || strpbrk(c->token, "\r\n\t ") != NULL ||
	    memchr(c->token, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: not a Coder session token (one line, "
		    "no spaces; make one with 'coder tokens create')", path);
		return -1;
	}
	return 0;
}

struct coder *
coder_open(const char *url, const char *token_file, char *err, size_t errlen)
{
	struct coder *c;
	size_t n;

	if (url == NULL || url[0] == '\0' || token_file == NULL ||
	    token_file[0] == '\0') {
		snprintf(err, errlen, "Coder is not configured: set coder.url "
		    "and coder.token_file");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->http = http_open()) == NULL) {
		snprintf(err, errlen, "%s: cannot set up libcurl", url);
		goto fail;
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	if (asprintf(&c->base, "%.*s/api/v2", (int)n, url) == -1) {
		c->base = NULL;
		snprintf(err, errlen, "%s: out of memory", url);
		goto fail;
	}
	if (coder_load_token(c, token_file, err, errlen) == -1)
		goto fail;
	return c;
fail:
	coder_close(c);
	return NULL;
}

void
coder_close(struct coder *c)
{
	if (c == NULL)
		return;
	http_close(c->http);
	if (c->token != NULL) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	free(c->base);
	free(c);
}

void
coder_set_sleep(struct coder *c, http_sleep_fn fn, void *arg)
{
	http_set_sleep(c->http, fn, arg);
}

unsigned long
coder_requests(const struct coder *c)
{
	return http_requests(c->http);
}

/* The headers are the same at each attempt: the token does not rotate. */
static int
coder_headers(void *arg, struct curl_slist **hdrs, char *err, size_t errlen)
{
	struct curl_slist *const *fixed = arg;
	struct curl_slist *l;

	for (l = *fixed; l != NULL; l = l->next)
		if ((*hdrs = curl_slist_append(*hdrs, l->data)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	return 0;
}

int
coder_request(struct coder *c, const char *method, const char *path,
    json_t *body, long *status, json_t **resp, char *err, size_t errlen)
{
	struct curl_slist *hdrs = NULL;
	struct http_exchange x = {
		.method = method, .path = path, .server = c->base,
		.who = "Coder", .headers = coder_headers,
		.message = coder_error_message, .arg = &hdrs,
	};
	char *url = NULL, *text = NULL;
	int rc = -1;

	*status = 0;
	if (resp != NULL)
		*resp = NULL;
	if (path[0] != '/' || asprintf(&url, "%s%s", c->base, path) == -1) {
		url = NULL;
		snprintf(err, errlen, "%s %.200s: not a valid API path", method,
		    path);
		goto out;
	}
	if ((body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) ||
	    http_headers(&hdrs, body != NULL ? "application/json" : NULL) ==
	    -1 || http_header_secret(&hdrs, "Coder-Session-Token",
	    c->token) == -1) {
		snprintf(err, errlen, "%s %s: out of memory", method, path);
		goto out;
	}
	x.url = url;
	x.body = text;
	rc = http_exchange(c->http, &x, status, resp, err, errlen);
out:
	curl_slist_free_all(hdrs);
	free(url);
	free(text);
	return rc;
}
