/*
 * coder_util.c: the pure parts of the Coder client: escaping names into
 * paths, reading a workspace's build and agent state, and putting Coder's
 * error bodies into one line.  Unit-tested without a server.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "coder.h"

int
coder_escape(const char *s, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL) {
			if (o + 1 >= len)
				return -1;
			buf[o++] = (char)ch;
		} else {
			if (o + 3 >= len)
				return -1;
			buf[o++] = '%';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		}
	}
	if (o >= len)
		return -1;
	buf[o] = '\0';
	return 0;
}

void
coder_error_message(long status, const json_t *body, char *buf, size_t len)
{
	const char *msg = json_string_value(json_object_get(body, "message"));
	const char *detail = json_string_value(json_object_get(body, "detail"));
	json_t *v;
	size_t i, n;

	if (msg == NULL || msg[0] == '\0')
		snprintf(buf, len, "HTTP %ld", status);
	else
		snprintf(buf, len, "%s", msg);
	n = strlen(buf);
	if (detail != NULL && detail[0] != '\0' && n < len)
		snprintf(buf + n, len - n, ": %s", detail);
	json_array_foreach(json_object_get(body, "validations"), i, v) {
		n = strlen(buf);
		if (n + 4 >= len)
			break;
		snprintf(buf + n, len - n, "%s%s: %s", i ? "; " : " (",
		    json_string_value(json_object_get(v, "field")) ?
		    json_string_value(json_object_get(v, "field")) : "?",
		    json_string_value(json_object_get(v, "detail")) ?
		    json_string_value(json_object_get(v, "detail")) : "?");
	}
	n = strlen(buf);
	if (json_array_size(json_object_get(body, "validations")) > 0 &&
	    n + 1 < len)
		snprintf(buf + n, len - n, ")");
}

const char *
coder_ws_status(const json_t *ws)
{
	const char *s = json_string_value(json_object_get(json_object_get(ws,
	    "latest_build"), "status"));

	return s ? s : "";
}

/* The first agent of the first resource that has one. */
static json_t *
coder_ws_agent(const json_t *ws)
{
	json_t *res, *r, *agents;
	size_t i;

	res = json_object_get(json_object_get(ws, "latest_build"), "resources");
	json_array_foreach(res, i, r) {
		agents = json_object_get(r, "agents");
		if (json_array_size(agents) > 0)
			return json_array_get(agents, 0);
	}
	return NULL;
}

const char *
coder_ws_agent_status(const json_t *ws)
{
	const char *s = json_string_value(json_object_get(coder_ws_agent(ws),
	    "status"));

	return s ? s : "";
}

const char *
coder_ws_agent_lifecycle(const json_t *ws)
{
	const char *s = json_string_value(json_object_get(coder_ws_agent(ws),
	    "lifecycle_state"));

	return s ? s : "";
}

const char *
coder_ws_agent_id(const json_t *ws)
{
	return json_string_value(json_object_get(coder_ws_agent(ws), "id"));
}
