/*
 * api_audit.c: reading the audit log, and the server's self-description.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accountd.h"

int
api_audit_list(struct call *c)
{
	json_t *since = json_object_get(c->params, "since");
	json_t *limit = json_object_get(c->params, "limit");
	const char *target;
	json_t *rows;
	int64_t lim = 100, from = 0;

	if (since && !json_is_integer(since))
		return api_fail(c, API_ERR_BAD_REQUEST, "\"since\" must be unix "
		    "seconds");
	if (limit && (!json_is_integer(limit) || json_integer_value(limit) < 1 ||
	    json_integer_value(limit) > 100000))
		return api_fail(c, API_ERR_BAD_REQUEST, "\"limit\" must be 1 to "
		    "100000");
	if (api_get_string(c, "name", false, NAME_MAX_LEN * 2, &target) == -1)
		return -1;
	if (since)
		from = json_integer_value(since);
	if (limit)
		lim = json_integer_value(limit);
	if ((rows = db_audit_list(c->ad->db, from, target, lim)) == NULL)
		return api_db_fail(c);
	c->result = json_pack("{s:o}", "entries", rows);
	return 0;
}

int
api_server_info(struct call *c)
{
	c->result = json_pack("{s:s, s:i}", "version", MEDUSE_VERSION,
	    "protocol", PROTO_VERSION);
	return 0;
}
