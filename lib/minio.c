/*
 * minio.c: opens a MinIO endpoint with the admin credentials and sends
 * signed requests over one reused handle (http.c).
 *
 * Trust boundary: the credentials file is trusted once it is private to its
 * owner (checked here); the server is authenticated by TLS, or is on
 * loopback, and its answers are bounded and parsed as untrusted
 * (minio_error.c).  The secret key signs requests and keys madmin bodies;
 * it is never sent, never logged, and wiped on close.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "file.h"
#include "madmin_crypt.h"
#include "minio.h"
#include "text.h"

#define MINIO_ADMIN_PREFIX	"/minio/admin/v3"
#define MINIO_MAX_HEADERS	3	/* signed: host, x-amz-content-sha256, x-amz-date */

struct minio {
	struct http	*http;
	char		*base;		/* scheme://authority */
	char		*host;		/* authority: the Host header, signed */
	char		*access;
	char		*secret;	/* wiped on close */
	char		*region;	/* of S3 calls; the admin API's is "" */
};

/* What the headers callback needs to sign each attempt afresh. */
struct minio_call {
	struct minio		*m;
	struct sigv4_request	 sig;
	const char		*content_type;
	bool			 has_body;
	char			 sha[SIGV4_HEX_LEN + 1];
};

/* One line ACCESS:SECRET; both parts printable ASCII without ':' or blanks. */
static bool
minio_cred_part_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    s[i] == ':')
			return false;
	return n > 0;
}

int
minio_credentials_parse(const char *text, size_t len, char **access,
    char **secret, char *err, size_t errlen)
{
	const char *colon;
	size_t alen, slen;

	*access = *secret = NULL;
	/* One final newline (LF or CRLF) is what editors leave. */
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (memchr(text, '\n', len) != NULL) {
		snprintf(err, errlen, "more than one line: write one line "
		    "ACCESS_KEY:SECRET_KEY");
		return -1;
	}
	if ((colon = memchr(text, ':', len)) == NULL) {
		snprintf(err, errlen, "no ':': write one line "
		    "ACCESS_KEY:SECRET_KEY");
		return -1;
	}
	alen = (size_t)(colon - text);
	slen = len - alen - 1;
	if (alen == 0 || slen == 0) {
		snprintf(err, errlen, "the %s key is empty: write one line "
		    "ACCESS_KEY:SECRET_KEY", alen == 0 ? "access" : "secret");
		return -1;
	}
	if (memchr(colon + 1, ':', slen) != NULL) {
		/* s3fs also reads BUCKET:ACCESS:SECRET; ours names no bucket. */
		snprintf(err, errlen, "more than one ':' (the BUCKET:ACCESS:"
		    "SECRET form is not supported): write one line "
		    "ACCESS_KEY:SECRET_KEY");
		return -1;
	}
	if (!minio_cred_part_ok(text, alen) ||
	    !minio_cred_part_ok(colon + 1, slen)) {
		snprintf(err, errlen, "the %s key holds a blank, a control or a "
		    "non-ASCII character", minio_cred_part_ok(text, alen) ?
		    "secret" : "access");
		return -1;
	}
	if ((*access = strndup(text, alen)) == NULL ||
	    (*secret = strndup(colon + 1, slen)) == NULL) {
		free(*access);
		*access = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
minio_load_credentials(struct minio *m, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	char *text = NULL, why[256];
	size_t len = 0;
	int rc = -1;

	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: the MinIO credentials are readable by "
		    "group or others: chmod 600 %s", path, path);
		return -1;
	}
	if (file_read(path, MINIO_CRED_MAX, &text, &len, NULL, err,
	    errlen) == -1)
		return -1;
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: not MinIO credentials: a NUL byte",
		    path);
		goto out;
	}
	if (minio_credentials_parse(text, len, &m->access, &m->secret, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: not MinIO credentials: %s", path, why);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* http(s)://authority, nothing after but an optional '/'. */
static int
minio_parse_endpoint(struct minio *m, const char *url, char *err,
    size_t errlen)
{
	char q[80];
	const char *a, *e;
	size_t i;

	if (strncmp(url, "http://", 7) == 0)
		a = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		a = url + 8;
	else
		goto bad;
	e = a + strcspn(a, "/?#");
	if (e == a || (*e != '\0' && strcmp(e, "/") != 0))
		goto bad;
	for (i = 0; a + i < e; i++)
		if ((unsigned char)a[i] <= 0x20 || (unsigned char)a[i] >= 0x7f ||
		    a[i] == '@')
			goto bad;
	if ((m->host = strndup(a, (size_t)(e - a))) == NULL ||
	    (m->base = strndup(url, (size_t)(e - url))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "minio.endpoint \"%s\" is not http(s)://HOST[:PORT] "
	    "(no path, no user)", text_quote(url, 60, q, sizeof(q)));
	return -1;
}

struct minio *
minio_open(const char *endpoint, const char *credentials_file,
    const char *region, char *err, size_t errlen)
{
	struct minio *m;

	if (endpoint == NULL || endpoint[0] == '\0' ||
	    credentials_file == NULL || credentials_file[0] == '\0') {
		snprintf(err, errlen, "MinIO is not configured: set "
		    "minio.endpoint and minio.credentials_file");
		return NULL;
	}
	if (region == NULL)
		region = MINIO_DEFAULT_REGION;
	/* It goes into the signature's scope and a bucket's configuration. */
	if (region[0] == '\0' || strlen(region) > 64 ||
	    strspn(region, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_") != strlen(region)) {
		snprintf(err, errlen, "minio.region: not a region name");
		return NULL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->region = strdup(region)) == NULL ||
	    (m->http = http_open()) == NULL) {
		snprintf(err, errlen, "%s: cannot set up libcurl", endpoint);
		goto fail;
	}
	/*
	 * Object keys go into the path as they are: curl must not fold "/../"
	 * (a key "../b/x" would then name another bucket), and the signature
	 * covers the path as sent.
	 */
	curl_easy_setopt(http_curl(m->http), CURLOPT_PATH_AS_IS, 1L);
	if (minio_parse_endpoint(m, endpoint, err, errlen) == -1 ||
	    minio_load_credentials(m, credentials_file, err, errlen) == -1)
		goto fail;
	return m;
fail:
	minio_close(m);
	return NULL;
}

void
minio_close(struct minio *m)
{
	if (m == NULL)
		return;
	http_close(m->http);
	if (m->secret != NULL) {
		explicit_bzero(m->secret, strlen(m->secret));
		free(m->secret);
	}
	free(m->access);
	free(m->region);
	free(m->host);
	free(m->base);
	free(m);
}

void
minio_set_sleep(struct minio *m, http_sleep_fn fn, void *arg)
{
	http_set_sleep(m->http, fn, arg);
}

unsigned long
minio_requests(const struct minio *m)
{
	return http_requests(m->http);
}

const char *
minio_admin_user(const struct minio *m)
{
	return m->access;
}

const char *
minio_region(const struct minio *m)
{
	return m->region;
}

/* id 0x02 (PBKDF2): MinIO reads all three, and Argon2id would cost us
 * 64 MiB and a noticeable pause for every body we send. */
int
minio_encrypt(struct minio *m, const void *plain, size_t len, uint8_t **out,
    size_t *outlen, char *err, size_t errlen)
{
	return madmin_crypt_encrypt(m->secret, MADMIN_CRYPT_PBKDF2_AESGCM,
	    plain, len, out, outlen, err, errlen);
}

int
minio_decrypt(struct minio *m, const void *in, size_t len, uint8_t **out,
    size_t *outlen, char *err, size_t errlen)
{
	return madmin_crypt_decrypt(m->secret, in, len, out, outlen, err,
	    errlen);
}

static int
minio_append(struct curl_slist **hdrs, const char *fmt, const char *v)
{
	struct curl_slist *l;
	char *line;

	if (asprintf(&line, fmt, v) == -1)
		return -1;
	l = curl_slist_append(*hdrs, line);
	free(line);
	if (l == NULL)
		return -1;
	*hdrs = l;
	return 0;
}

/* Signs each attempt with the time it is sent: MinIO refuses a request
 * more than 15 minutes off, and retries can take a while. */
static int
minio_headers(void *arg, struct curl_slist **hdrs, char *err, size_t errlen)
{
	struct minio_call *c = arg;
	struct sigv4_result res;
	struct sigv4_pair h[MINIO_MAX_HEADERS];
	char date[SIGV4_DATE_LEN + 1];
	int rc = -1;

	memset(&res, 0, sizeof(res));
	if (sigv4_format_date(time(NULL), date) == -1) {
		snprintf(err, errlen, "cannot format the date");
		return -1;
	}
	h[0] = (struct sigv4_pair){ "host", c->m->host };
	h[1] = (struct sigv4_pair){ "x-amz-content-sha256", c->sha };
	h[2] = (struct sigv4_pair){ "x-amz-date", date };
	c->sig.headers = h;
	c->sig.nheaders = MINIO_MAX_HEADERS;
	c->sig.amz_date = date;
	if (sigv4_sign(&c->sig, &res, err, errlen) == -1)
		goto out;
	/*
	 * Host as signed (curl would write its own); no Expect: 100-continue;
	 * no Content-Type of curl's own choosing on a body.
	 */
	if (minio_append(hdrs, "Host: %s", c->m->host) == -1 ||
	    minio_append(hdrs, "X-Amz-Date: %s", date) == -1 ||
	    minio_append(hdrs, "X-Amz-Content-Sha256: %s", c->sha) == -1 ||
	    minio_append(hdrs, "Authorization: %s", res.authorization) == -1 ||
	    minio_append(hdrs, "Expect:%s", "") == -1 ||
	    (c->has_body && (c->content_type != NULL ?
	    minio_append(hdrs, "Content-Type: %s", c->content_type) :
	    minio_append(hdrs, "Content-Type:%s", "")) == -1)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	sigv4_result_free(&res);
	return rc;
}

/* "Code: Message (HTTP n)" from the body, or "HTTP n". */
static void
minio_message(void *arg, long status, const char *body, size_t len,
    char *buf, size_t buflen)
{
	char code[MINIO_CODE_MAX], msg[MINIO_MESSAGE_MAX], q[MINIO_MESSAGE_MAX];

	(void)arg;
	if (minio_error_parse(body, len, code, sizeof(code), msg,
	    sizeof(msg)) == 0) {
		if (msg[0] != '\0')
			snprintf(buf, buflen, "%s: %s (HTTP %ld)", code,
			    text_quote(msg, 200, q, sizeof(q)), status);
		else
			snprintf(buf, buflen, "%s (HTTP %ld)", code, status);
	} else
		snprintf(buf, buflen, "HTTP %ld", status);
}

int
minio_request(struct minio *m, const struct minio_req *r,
    struct minio_status *st, char **resp, size_t *resplen, char *err,
    size_t errlen)
{
	struct minio_call c;
	struct http_exchange x = {
		.method = r->method, .server = m->base, .who = "MinIO",
		.headers = minio_headers, .message_raw = minio_message,
		.arg = &c,
	};
	char *path = NULL, *target = NULL, *url = NULL, msg[8], q[96], why[256];
	const char *body;
	size_t blen;
	long status = 0;
	int rc = -1;

	if (st != NULL)
		memset(st, 0, sizeof(*st));
	if (resp != NULL) {
		*resp = NULL;
		*resplen = 0;
	}
	memset(&c, 0, sizeof(c));
	c.m = m;
	c.content_type = r->content_type;
	c.has_body = r->body != NULL;
	if (asprintf(&path, "%s%s", r->admin ? MINIO_ADMIN_PREFIX : "",
	    r->path) == -1) {
		path = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	c.sig = (struct sigv4_request){
		.method = r->method, .path = path, .query = r->query,
		.nquery = r->nquery, .payload_sha256 = c.sha,
		.access_key = m->access, .secret_key = m->secret,
		.region = r->admin ? "" : m->region, .service = "s3",
	};
	if (sigv4_sha256_hex(r->body != NULL ? r->body : "", r->len,
	    c.sha) == -1) {
		snprintf(err, errlen, "%s %s: cannot hash the body", r->method,
		    text_quote(path, 80, q, sizeof(q)));
		goto out;
	}
	if (sigv4_target(&c.sig, &target, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s %s: %s", r->method,
		    text_quote(path, 80, q, sizeof(q)), why);
		goto out;
	}
	if (asprintf(&url, "%s%s", m->base, target) == -1) {
		url = NULL;
		snprintf(err, errlen, "%s %s: out of memory", r->method, target);
		goto out;
	}
	x.path = target;
	x.url = url;
	/* An empty body is "" of length 0: curl then sends Content-Length: 0. */
	x.body = r->body != NULL ? (r->len > 0 ? r->body : "") : NULL;
	x.body_len = r->len;
	rc = http_exchange(m->http, &x, &status, NULL, err, errlen);
	body = http_body(m->http, &blen);
	if (st != NULL) {
		st->status = status;
		if (rc == -1)
			minio_error_parse(body, blen, st->code, sizeof(st->code),
			    msg, sizeof(msg));
	}
	if (rc == 0 && resp != NULL) {
		if ((*resp = malloc(blen + 1)) == NULL) {
			snprintf(err, errlen, "%s %s: out of memory", r->method,
			    target);
			rc = -1;
			goto out;
		}
		memcpy(*resp, body, blen);
		(*resp)[blen] = '\0';
		*resplen = blen;
	}
out:
	free(path);
	free(target);
	free(url);
	return rc;
}
