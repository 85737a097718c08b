/*
 * client.c: the calling side of the accountd socket, shared by accountctl,
 * meduse-authorized-keys and pam_meduse.so.  Trust boundary: the answers come
 * from accountd, which is trusted, but are still decoded strictly because a
 * wrong socket path could put anything at the other end.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

struct client {
	int	fd;
	char	path[108];	/* socket path, for messages */
};

static void
client_seterr(struct client_error *err, enum api_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
client_seterr(struct client_error *err, enum api_err code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

int
client_open(const char *socket_path, int timeout_ms, struct client **out,
    struct client_error *err)
{
	struct sockaddr_un sun;
	struct timeval tv;
	struct client *c = NULL;
	int fd = -1, rc = -1;

	*out = NULL;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof(sun.sun_path)) {
		client_seterr(err, API_ERR_UNAVAILABLE, "socket path %s is too "
		    "long: use a path under %zu bytes", socket_path,
		    sizeof(sun.sun_path));
		goto out;
	}
	strcpy(sun.sun_path, socket_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		client_seterr(err, API_ERR_UNAVAILABLE, "socket: %s", strerror(errno));
		goto out;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1) {
		client_seterr(err, API_ERR_UNAVAILABLE, "setsockopt: %s",
		    strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		client_seterr(err, API_ERR_UNAVAILABLE, "cannot reach accountd at "
		    "%s: %s (is accountd running? is accountd.socket right "
		    "in the config?)", socket_path, strerror(errno));
		goto out;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		client_seterr(err, API_ERR_UNAVAILABLE, "out of memory");
		goto out;
	}
	c->fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", socket_path);
	fd = -1;
	*out = c;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

int
client_call(struct client *c, const char *method, json_t *params,
    json_t **result, struct client_error *err)
{
	char *frame = NULL, *resp = NULL, msg[sizeof(err->message)];
	size_t len;
	enum api_err code;
	int r, rc = -1;

	*result = NULL;
	if ((frame = proto_encode_request(method, params)) == NULL) {
		client_seterr(err, API_ERR_UNAVAILABLE, "out of memory");
		goto out;
	}
	if (proto_write_frame(c->fd, frame) == -1) {
		client_seterr(err, API_ERR_UNAVAILABLE, "sending to accountd at "
		    "%s: %s", c->path, strerror(errno));
		goto out;
	}
	r = proto_read_frame(c->fd, PROTO_MAX_RESPONSE, &resp, &len);
	if (r != 1) {
		client_seterr(err, API_ERR_UNAVAILABLE, "no answer from accountd "
		    "at %s: %s", c->path, r == 0 ? "connection closed" :
		    (errno == EAGAIN ? "timed out" : strerror(errno)));
		goto out;
	}
	msg[0] = '\0';
	if (proto_decode_response(resp, len, &code, result, msg, sizeof(msg)) == -1) {
		client_seterr(err, API_ERR_UNAVAILABLE, "garbled answer from %s: "
		    "%s", c->path, msg);
		goto out;
	}
	if (code != API_OK) {
		client_seterr(err, code, "%s", msg);
		goto out;
	}
	rc = 0;
out:
	free(frame);
	free(resp);
	return rc;
}

int
client_call_once(const char *socket_path, const char *method, json_t *params,
    json_t **result, struct client_error *err)
{
	struct client *c;
	int rc;

	*result = NULL;
	if (client_open(socket_path, CLIENT_TIMEOUT_MS, &c, err) == -1)
		return -1;
	rc = client_call(c, method, params, result, err);
	client_close(c);
	return rc;
}
