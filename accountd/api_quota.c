/*
 * api_quota.c: quota parameters of the API.  Values arrive as strings in
 * Kubernetes units ("8", "500m", "32Gi") or as JSON integers, and leave in
 * the canonical string form units.c writes.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "accountd.h"
#include "units.h"

enum quota_kind { QK_CPU, QK_BYTES, QK_COUNT };

static const struct {
	const char	*key;
	enum quota_kind	 kind;
	size_t		 off;
} api_quota_fields[] = {
	{ "cpu",	QK_CPU,		offsetof(struct quota, cpu_milli) },
	{ "memory",	QK_BYTES,	offsetof(struct quota, memory_bytes) },
	{ "gpu",	QK_COUNT,	offsetof(struct quota, gpu) },
	{ "storage",	QK_BYTES,	offsetof(struct quota, storage_bytes) },
	{ "home",	QK_BYTES,	offsetof(struct quota, home_bytes) },
	{ "pvcs",	QK_COUNT,	offsetof(struct quota, pvcs) },
};

#define NFIELDS	(sizeof(api_quota_fields) / sizeof(api_quota_fields[0]))

/* Updates q with the members of obj; members absent from obj are kept. */
int
api_quota_parse(struct call *c, json_t *obj, struct quota *q)
{
	const char *key;
	json_t *v;
	char buf[64], err[160];
	size_t i;
	int64_t val;
	int r;

	if (obj == NULL || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return api_fail(c, API_ERR_BAD_REQUEST, "\"quota\" must be an object");
	json_object_foreach(obj, key, v) {
		for (i = 0; i < NFIELDS; i++)
			if (strcmp(key, api_quota_fields[i].key) == 0)
				break;
		if (i == NFIELDS)
			return api_fail(c, API_ERR_INVALID, "unknown quota \"%.32s\": "
			    "use cpu, memory, gpu, storage, home or pvcs", key);
		if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld",
			    (long long)json_integer_value(v));
		else if (json_is_string(v) && json_string_length(v) < sizeof(buf) &&
		    strlen(json_string_value(v)) == json_string_length(v))
			snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		else
			return api_fail(c, API_ERR_INVALID, "quota %s must be a number "
			    "or a string such as \"32Gi\"", key);
		if (api_quota_fields[i].kind == QK_CPU)
			r = units_parse_quantity(buf, &val, err, sizeof(err));
		else
			r = units_parse_count(buf, &val, err, sizeof(err));
		if (r == -1)
			return api_fail(c, API_ERR_INVALID, "quota %s: %s", key, err);
		*(int64_t *)(void *)((char *)q + api_quota_fields[i].off) = val;
	}
	if (q->home_bytes > q->storage_bytes) {
		char h[32], s[32];

		return api_fail(c, API_ERR_INVALID, "quota home (%s) is larger "
		    "than storage (%s), which includes it: raise storage or lower "
		    "home", units_format_bytes(q->home_bytes, h, sizeof(h)),
		    units_format_bytes(q->storage_bytes, s, sizeof(s)));
	}
	return 0;
}

json_t *
api_quota_json(const struct quota *q)
{
	char cpu[32], mem[32], st[32], home[32];

	return json_pack("{s:s, s:s, s:I, s:s, s:s, s:I}",
	    "cpu", units_format_cpu(q->cpu_milli, cpu, sizeof(cpu)),
	    "memory", units_format_bytes(q->memory_bytes, mem, sizeof(mem)),
	    "gpu", (json_int_t)q->gpu,
	    "storage", units_format_bytes(q->storage_bytes, st, sizeof(st)),
	    "home", units_format_bytes(q->home_bytes, home, sizeof(home)),
	    "pvcs", (json_int_t)q->pvcs);
}
