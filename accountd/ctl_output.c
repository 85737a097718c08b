/*
 * ctl_output.c: how accountctl shows accounts and keys to a person, and the
 * --json form for scripts (the API's own objects, unchanged).
 */
#include <stdio.h>
#include <string.h>

#include "accountctl.h"

void
ctl_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
}

/* A member as a string for display: "-" for null or absent. */
const char *
ctl_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v) && json_string_length(v) > 0)
		return json_string_value(v);
	return "-";
}

void
ctl_print_keys(json_t *keys)
{
	size_t i;
	json_t *k;

	if (json_array_size(keys) == 0) {
		printf("  (none: this account cannot log in)\n");
		return;
	}
	json_array_foreach(keys, i, k)
		printf("  %-11s %s %s\n      added %s, last used %s\n",
		    ctl_str(k, "type"), ctl_str(k, "fingerprint"),
		    ctl_str(k, "comment"), ctl_str(k, "added"),
		    json_is_null(json_object_get(k, "last_used")) ? "never" :
		    ctl_str(k, "last_used"));
}

void
ctl_print_account(json_t *a)
{
	json_t *ws, *w;
	size_t i;

	printf("Account:      %s\n", ctl_str(a, "name"));
	printf("Name:         %s\n", ctl_str(a, "display_name"));
	printf("Email:        %s\n", ctl_str(a, "email"));
	printf("State:        %s%s\n", ctl_str(a, "state"),
	    json_is_string(json_object_get(a, "deleted")) ? " (deleted)" : "");
	printf("Expires:      %s\n", json_is_null(json_object_get(a, "expires")) ?
	    "never" : ctl_str(a, "expires"));
	printf("Created:      %s\n", ctl_str(a, "created"));
	printf("Updated:      %s\n", ctl_str(a, "updated"));
	if (json_is_string(json_object_get(a, "deleted")))
		printf("Deleted:      %s\n", ctl_str(a, "deleted"));
	if (json_is_string(json_object_get(a, "gateway_public_key")))
		printf("Gateway key:  %s\n", ctl_str(a, "gateway_public_key"));
	printf("Quota:        ");
	ctl_quota_print(stdout, json_object_get(a, "quota"));
	ws = json_object_get(a, "workspaces");
	if (json_is_array(ws)) {
		printf("Workspaces:  ");
		json_array_foreach(ws, i, w)
			printf(" %s%s", ctl_str(w, "name"),
			    json_is_true(json_object_get(w, "default")) ?
			    " (default)" : "");
		printf("\n");
	}
	if (json_is_array(json_object_get(a, "keys"))) {
		printf("Keys:\n");
		ctl_print_keys(json_object_get(a, "keys"));
	}
}
