/*
 * proto.c: framing, encoding and decoding of accountd messages.
 *
 * Trust boundary: proto_decode_request() is fed whatever a local peer wrote
 * to the accountd socket, proto_decode_response() whatever the socket's
 * owner answered.  Both bound lengths, refuse embedded NULs and accept only
 * the exact shape documented in proto.h.  JSON parsing is jansson's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "proto.h"

static const char *const proto_err_names[API_ERR__COUNT] = {
	[API_OK] = "ok",
	[API_ERR_BAD_REQUEST] = "bad_request",
	[API_ERR_VERSION] = "version",
	[API_ERR_UNKNOWN_METHOD] = "unknown_method",
	[API_ERR_DENIED] = "denied",
	[API_ERR_INVALID] = "invalid",
	[API_ERR_NOT_FOUND] = "not_found",
	[API_ERR_EXISTS] = "exists",
	[API_ERR_CONFLICT] = "conflict",
	[API_ERR_INTERNAL] = "internal",
	[API_ERR_UNAVAILABLE] = "unavailable",
};

const char *
proto_err_name(enum api_err e)
{
	if ((int)e < 0 || e >= API_ERR__COUNT)
		return "internal";
	return proto_err_names[e];
}

enum api_err
proto_err_from_name(const char *name)
{
	int i;

	for (i = 1; i < API_ERR__COUNT; i++)
		if (strcmp(name, proto_err_names[i]) == 0)
			return (enum api_err)i;
	return API_ERR_INTERNAL;
}

/* Parses buf as exactly one JSON object; NULs and trailing bytes refused. */
static json_t *
proto_parse_object(const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *j;

	if (len >= PROTO_MAX_RESPONSE) {
		snprintf(err, errlen, "frame longer than %d bytes", PROTO_MAX_RESPONSE);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "frame contains a NUL byte");
		return NULL;
	}
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		snprintf(err, errlen, "invalid JSON at column %d: %s", jerr.column,
		    jerr.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(err, errlen, "frame is not a JSON object");
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
proto_check_version(json_t *j, char *err, size_t errlen)
{
	json_t *v = json_object_get(j, "v");

	if (!json_is_integer(v)) {
		snprintf(err, errlen, "missing integer member \"v\"");
		return -1;
	}
	if (json_integer_value(v) != PROTO_VERSION) {
		snprintf(err, errlen, "protocol version %lld is not supported "
		    "(this side speaks %d): upgrade the older program",
		    (long long)json_integer_value(v), PROTO_VERSION);
		return -1;
	}
	return 0;
}

enum api_err
proto_decode_request(const char *buf, size_t len, struct proto_request *req,
    char *err, size_t errlen)
{
	json_t *j, *m, *p;
	const char *key, *s;
	json_t *val;
	enum api_err rc = API_ERR_BAD_REQUEST;
	size_t i, n;

	req->method[0] = '\0';
	req->params = NULL;
	if ((j = proto_parse_object(buf, len, err, errlen)) == NULL)
		return API_ERR_BAD_REQUEST;
	json_object_foreach(j, key, val) {
		if (strcmp(key, "v") != 0 && strcmp(key, "method") != 0 &&
		    strcmp(key, "params") != 0) {
			snprintf(err, errlen, "unknown member \"%.32s\"", key);
			goto out;
		}
	}
	if (proto_check_version(j, err, errlen) == -1) {
		rc = json_is_integer(json_object_get(j, "v")) ?
		    API_ERR_VERSION : API_ERR_BAD_REQUEST;
		goto out;
	}
	m = json_object_get(j, "method");
	if (!json_is_string(m)) {
		snprintf(err, errlen, "missing string member \"method\"");
		goto out;
	}
	s = json_string_value(m);
	n = json_string_length(m);
	if (n == 0 || n > PROTO_MAX_METHOD) {
		snprintf(err, errlen, "method name of invalid length");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((s[i] < 'a' || s[i] > 'z') && s[i] != '.' && s[i] != '_') {
			snprintf(err, errlen, "method name has an invalid character");
			goto out;
		}
	}
	p = json_object_get(j, "params");
	if (p != NULL && !json_is_object(p)) {
		snprintf(err, errlen, "member \"params\" is not an object");
		goto out;
	}
	memcpy(req->method, s, n + 1);
	req->params = p ? json_incref(p) : json_object();
	if (req->params == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = API_ERR_INTERNAL;
		req->method[0] = '\0';
		goto out;
	}
	rc = API_OK;
out:
	json_decref(j);
	return rc;
}

void
proto_request_clear(struct proto_request *req)
{
	json_decref(req->params);
	req->params = NULL;
	req->method[0] = '\0';
}

/* Dumps j compactly and appends the newline that ends a frame. */
static char *
proto_frame(json_t *j)
{
	char *s, *f;
	size_t n;

	if (j == NULL)
		return NULL;
	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (s == NULL)
		return NULL;
	n = strlen(s);
	if ((f = realloc(s, n + 2)) == NULL) {
		free(s);
		return NULL;
	}
	f[n] = '\n';
	f[n + 1] = '\0';
	return f;
}

char *
proto_encode_request(const char *method, json_t *params)
{
	return proto_frame(json_pack("{s:i, s:s, s:o}", "v", PROTO_VERSION,
	    "method", method, "params", params ? json_incref(params) :
	    json_object()));
}

char *
proto_encode_result(json_t *result)
{
	return proto_frame(json_pack("{s:i, s:b, s:o}", "v", PROTO_VERSION,
	    "ok", 1, "result", result ? json_incref(result) : json_object()));
}

char *
proto_encode_error(enum api_err code, const char *message)
{
	return proto_frame(json_pack("{s:i, s:b, s:{s:s, s:s}}", "v",
	    PROTO_VERSION, "ok", 0, "error", "code", proto_err_name(code),
	    "message", message));
}

int
proto_decode_response(const char *buf, size_t len, enum api_err *code,
    json_t **result, char *err, size_t errlen)
{
	json_t *j, *ok, *r, *e, *c, *msg;
	int rc = -1;

	*result = NULL;
	*code = API_ERR_INTERNAL;
	if ((j = proto_parse_object(buf, len, err, errlen)) == NULL)
		return -1;
	if (proto_check_version(j, err, errlen) == -1)
		goto out;
	ok = json_object_get(j, "ok");
	if (json_is_true(ok)) {
		r = json_object_get(j, "result");
		if (!json_is_object(r)) {
			snprintf(err, errlen, "response without a result object");
			goto out;
		}
		*result = json_incref(r);
		*code = API_OK;
		rc = 0;
	} else if (json_is_false(ok)) {
		e = json_object_get(j, "error");
		c = json_object_get(e, "code");
		msg = json_object_get(e, "message");
		if (!json_is_string(c) || !json_is_string(msg)) {
			snprintf(err, errlen, "error response without code and message");
			goto out;
		}
		snprintf(err, errlen, "%s", json_string_value(msg));
		*code = proto_err_from_name(json_string_value(c));
		rc = 0;
	} else
		snprintf(err, errlen, "response without a boolean \"ok\"");
out:
	json_decref(j);
	return rc;
}

int
proto_read_frame(int fd, size_t max, char **buf, size_t *len)
{
	char *b = NULL, *nb, *nl;
	size_t cap = 0, n = 0, want;
	ssize_t r;
	int rc = -1;

	*buf = NULL;
	*len = 0;
	/*
	 * Peek, then consume only up to the newline: a peer that pipelines a
	 * second frame must find it still in the socket on the next call.
	 */
	for (;;) {
		if (n == cap) {
			if (cap >= max) {
				errno = EMSGSIZE;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			if (cap > max)
				cap = max;
			if ((nb = realloc(b, cap + 1)) == NULL)
				goto out;
			b = nb;
		}
		r = recv(fd, b + n, cap - n, MSG_PEEK);
		if (r == -1 && errno == ENOTSOCK)
			r = read(fd, b + n, 1);	/* pipes and files: no peeking */
		else if (r > 0) {
			nl = memchr(b + n, '\n', (size_t)r);
			want = nl ? (size_t)(nl - (b + n)) + 1 : (size_t)r;
			r = recv(fd, b + n, want, 0);
		}
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (r == 0) {
			if (n == 0)
				rc = 0;
			else
				errno = EPROTO;
			goto out;
		}
		n += (size_t)r;
		if (b[n - 1] == '\n')
			break;
	}
	b[--n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = 1;
out:
	free(b);
	return rc;
}

int
proto_write_frame(int fd, const char *frame)
{
	size_t off = 0, len = strlen(frame);
	ssize_t w;

	while (off < len) {
		/* MSG_NOSIGNAL: a peer that hung up must not kill the host
		 * program with SIGPIPE (the PAM module lives in su, login...). */
		w = send(fd, frame + off, len - off, MSG_NOSIGNAL);
		if (w == -1 && errno == ENOTSOCK)
			w = write(fd, frame + off, len - off);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}
