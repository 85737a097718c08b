/*
 * client.h: calling accountd over its unix socket.  Used by accountctl,
 * meduse-authorized-keys, the PAM module and (later) the gateway, so it never
 * exits and never logs: it returns what went wrong and the caller decides.
 */
#ifndef MEDUSE_CLIENT_H
#define MEDUSE_CLIENT_H

#include <jansson.h>

#include "proto.h"

#define CLIENT_TIMEOUT_MS	10000

struct client_error {
	enum api_err	code;
	char		message[512];
};

struct client;

/* Connects to the socket; on failure fills err (API_ERR_UNAVAILABLE with a
 * message that names the path and suggests checking accountd). */
int	client_open(const char *socket_path, int timeout_ms, struct client **out,
	    struct client_error *err);
void	client_close(struct client *c);

/*
 * Sends one request and waits for its response.  params may be NULL (sent as
 * {}); it is not stolen.  Returns 0 with *result a new reference the caller
 * must json_decref, or -1 with err filled: the server's code and message, or
 * API_ERR_UNAVAILABLE for I/O failures and timeouts.
 */
int	client_call(struct client *c, const char *method, json_t *params,
	    json_t **result, struct client_error *err);

/* client_open + client_call + client_close, for one-shot callers. */
int	client_call_once(const char *socket_path, const char *method, json_t *params,
	    json_t **result, struct client_error *err);

#endif
