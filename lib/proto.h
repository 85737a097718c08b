/*
 * proto.h: the accountd wire protocol, version PROTO_VERSION.  This header is
 * the single source of the version; docs/reference/accountd-api.md describes
 * every method.
 *
 * Framing: one JSON object per line, UTF-8, terminated by '\n', at most
 * PROTO_MAX_LINE bytes including the newline.  A connection carries any
 * number of request/response pairs, strictly in turn.
 *
 *   request:  {"v":1,"method":"account.show","params":{"name":"alice"}}
 *   success:  {"v":1,"ok":true,"result":{...}}
 *   failure:  {"v":1,"ok":false,"error":{"code":"not_found","message":"..."}}
 */
#ifndef MEDUSE_PROTO_H
#define MEDUSE_PROTO_H

#include <stddef.h>
#include <jansson.h>

#define PROTO_VERSION		1
#define PROTO_MAX_LINE		(256 * 1024)		/* a request */
#define PROTO_MAX_RESPONSE	(16 * 1024 * 1024)	/* an answer */
#define PROTO_MAX_METHOD	64

/* Error codes carried in "error.code"; the enum is for C, strings on the wire. */
enum api_err {
	API_OK = 0,
	API_ERR_BAD_REQUEST,	/* "bad_request": malformed frame or params */
	API_ERR_VERSION,	/* "version": unsupported protocol version */
	API_ERR_UNKNOWN_METHOD,	/* "unknown_method" */
	API_ERR_DENIED,		/* "denied": the peer may not call this method */
	API_ERR_INVALID,	/* "invalid": a parameter value is refused */
	API_ERR_NOT_FOUND,	/* "not_found" */
	API_ERR_EXISTS,		/* "exists": name or key already registered */
	API_ERR_CONFLICT,	/* "conflict": the state forbids it */
	API_ERR_INTERNAL,	/* "internal": the daemon failed; see its log */
	API_ERR_UNAVAILABLE,	/* "unavailable": accountd could not be reached (client side) */
	API_ERR__COUNT
};

struct proto_request {
	char	 method[PROTO_MAX_METHOD + 1];
	json_t	*params;	/* owned; an object, {} when absent */
};

const char	*proto_err_name(enum api_err e);
enum api_err	 proto_err_from_name(const char *name);	/* unknown -> API_ERR_INTERNAL */

/*
 * Decodes one request frame (without its newline).  The whole buffer must be
 * exactly one JSON object: no embedded NUL, no trailing data, "v" equal to
 * PROTO_VERSION, "method" a string of [a-z._] of bounded length, "params" an
 * object when present, and no other member.  Returns API_OK with req filled
 * (release with proto_request_clear), or an error code with a reason in err.
 */
enum api_err	 proto_decode_request(const char *buf, size_t len,
		    struct proto_request *req, char *err, size_t errlen);
void		 proto_request_clear(struct proto_request *req);

/* Encoders return a malloc'd frame ending in '\n', or NULL on OOM.  They do
 * not take ownership of their json_t arguments. */
char	*proto_encode_request(const char *method, json_t *params);
char	*proto_encode_result(json_t *result);
char	*proto_encode_error(enum api_err code, const char *message);

/*
 * Decodes a response frame.  Returns 0 for a well-formed response: *code is
 * API_OK with *result set (a new reference, an object), or the server's error
 * code with its message copied into err.  Returns -1 for a malformed frame,
 * with the reason in err.
 */
int	proto_decode_response(const char *buf, size_t len, enum api_err *code,
	    json_t **result, char *err, size_t errlen);

/*
 * Reads one frame of at most max bytes from fd into *buf (malloc'd,
 * NUL-terminated, newline stripped; *len excludes it).  Returns 1 on a frame, 0 on clean EOF before
 * any byte, -1 on error, over-long frame or EOF inside a frame (errno set:
 * EMSGSIZE for over-long, EPROTO for a truncated frame).
 */
int	proto_read_frame(int fd, size_t max, char **buf, size_t *len);
/* Writes all of frame; returns 0 or -1. */
int	proto_write_frame(int fd, const char *frame);

#endif
