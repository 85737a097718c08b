/*
 * config_keys.c: every key of meduse.yaml in one const table (its name,
 * type, range, default and extra rule from config_check.c), and the setters
 * that check a value and store it in struct config.  Anything not in the table is refused by
 * config.c.  Trust boundary: the text comes from the configuration file,
 * which is trusted to be written by an admin but may hold mistakes; every
 * value is checked fully, and error messages quote it sanitised.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_keys.h"
#include "names.h"
#include "text.h"
#include "units.h"

#define OFF(f)		offsetof(struct config, f)
#define FIELD(cfg, k, type)	((type *)(void *)((char *)(cfg) + (k)->off))

/* Longest string value accepted, paths included. */
#define CONFIG_STR_MAX	4096

static const char *const def_listen[] = { "0.0.0.0:22", NULL };
static const char *const def_command[] = {
	"coder", "ssh", "--stdio", "{workspace}", NULL
};
static const char *const def_empty[] = { NULL };
/* Locale, terminal and editor variables; OpenSSH's AcceptEnv applies upstream too. */
static const char *const def_env_allow[] = {
	"LANG", "LC_*", "LANGUAGE", "TERM", "COLORTERM", "TZ", "GIT_PROTOCOL",
	"TERM_PROGRAM", "TERM_PROGRAM_VERSION", "VSCODE_*", NULL
};

#define SECTION(n)	{ .name = n, .type = CONFIG_T_SECTION }
#define STR(n, f, d, chk) \
	{ .name = n, .type = CONFIG_T_STRING, .off = OFF(f), .def = d, .check = chk }
#define LIST(n, f, d, chk) \
	{ .name = n, .type = CONFIG_T_STRINGS, .off = OFF(f), .def_list = d, .check = chk }
#define NUM(n, t, f, lo, hi, d) \
	{ .name = n, .type = t, .off = OFF(f), .min = lo, .max = hi, .def = d }
#define BOOL(n, f, d) \
	{ .name = n, .type = CONFIG_T_BOOL, .off = OFF(f), .def = d }

#define HOUR_MS		(60 * 60 * 1000)

/*
 * The contract of DESIGN.md.  Sections come before their keys; defaults are
 * parsed by the same setters as the file, so a bad default fails the tests.
 */
const struct config_key config_keys[] = {
	STR("state_dir", state_dir, "/var/lib/meduse", config_check_abs_path),

	SECTION("accountd"),
	STR("accountd.socket", accountd.socket, "/run/meduse/accountd.sock",
	    config_check_abs_path),
	STR("accountd.admin_group", accountd.admin_group, "meduse-admin",
	    config_check_group),
	STR("accountd.gateway_group", accountd.gateway_group, "meduse",
	    config_check_group),

	SECTION("gateway"),
	LIST("gateway.listen", gateway.listen, def_listen, config_check_listen),
	LIST("gateway.host_keys", gateway.host_keys, def_empty, config_check_abs_path),
	NUM("gateway.login_grace_time", CONFIG_T_DURATION,
	    gateway.login_grace_time_ms, 0, 24 * HOUR_MS, "30s"),
	{ .name = "gateway.max_startups", .type = CONFIG_T_STARTUPS,
	  .def = "10:30:100" },
	NUM("gateway.max_sessions", CONFIG_T_INT, gateway.max_sessions,
	    1, 1024, "10"),
	STR("gateway.pam_service", gateway.pam_service, "meduse-sshd",
	    config_check_pam_service),
	STR("gateway.public_host", gateway.public_host, "", NULL),
	NUM("gateway.keepalive", CONFIG_T_DURATION, gateway.keepalive_ms,
	    0, 24 * HOUR_MS, "30s"),
	NUM("gateway.keepalive_count_max", CONFIG_T_INT,
	    gateway.keepalive_count_max, 1, 1000, "3"),
	NUM("gateway.idle_timeout", CONFIG_T_DURATION, gateway.idle_timeout_ms,
	    0, 30LL * 24 * HOUR_MS, "0"),
	NUM("gateway.drain_grace", CONFIG_T_DURATION, gateway.drain_grace_ms,
	    0, HOUR_MS, "25s"),
	LIST("gateway.env_allow", gateway.env_allow, def_env_allow,
	    config_check_env_pattern),
	STR("gateway.upstream_host_keys", gateway.upstream_host_keys, "tofu",
	    config_check_host_key_policy),
	STR("gateway.upstream_known_hosts", gateway.upstream_known_hosts, "",
	    config_check_opt_abs_path),

	SECTION("route"),
	STR("route.resolver", route.resolver, "static", config_check_resolver),
	SECTION("route.static"),
	STR("route.static.host", route.static_host, "127.0.0.1", NULL),
	NUM("route.static.port", CONFIG_T_INT, route.static_port, 1, 65535, "22"),
	STR("route.static.user", route.static_user, "", NULL),
	STR("route.transport", route.transport, "tcp", config_check_transport),
	LIST("route.command", route.command, def_command, config_check_command_item),

	SECTION("kubernetes"),
	STR("kubernetes.kubeconfig", kubernetes.kubeconfig, "",
	    config_check_opt_abs_path),
	BOOL("kubernetes.in_cluster", kubernetes.in_cluster, "false"),
	STR("kubernetes.context", kubernetes.context, "", NULL),
	NUM("kubernetes.reconcile_interval", CONFIG_T_DURATION,
	    kubernetes.reconcile_interval_ms, 0, 24 * HOUR_MS, "10m"),
	STR("kubernetes.namespace_prefix", kubernetes.namespace_prefix, "u-",
	    config_check_prefix),
	STR("kubernetes.storage_class", kubernetes.storage_class, "",
	    config_check_dns_name),
	BOOL("kubernetes.volcano", kubernetes.volcano, "false"),
	NUM("kubernetes.workspace_port", CONFIG_T_INT, kubernetes.workspace_port,
	    1, 65535, "22"),
	LIST("kubernetes.ingress_namespaces", kubernetes.ingress_namespaces,
	    def_empty, config_check_dns_name),

	SECTION("coder"),
	STR("coder.url", coder.url, "", config_check_url),
	STR("coder.token_file", coder.token_file, "", config_check_opt_abs_path),
	STR("coder.template", coder.template_name, "", NULL),
	STR("coder.login_type", coder.login_type, "none",
	    config_check_login_type),
	NUM("coder.start_timeout", CONFIG_T_DURATION, coder.start_timeout_ms,
	    1000, HOUR_MS, "5m"),
	NUM("coder.activity_interval", CONFIG_T_DURATION,
	    coder.activity_interval_ms, 0, HOUR_MS, "1m"),
	STR("coder.default_workspace", coder.default_workspace, "dev",
	    config_check_workspace),

	SECTION("minio"),
	STR("minio.endpoint", minio.endpoint, "", config_check_url),
	STR("minio.credentials_file", minio.credentials_file, "",
	    config_check_opt_abs_path),
	STR("minio.bucket_prefix", minio.bucket_prefix, "",
	    config_check_bucket_prefix),
	LIST("minio.shared_read", minio.shared_read, def_empty,
	    config_check_bucket),
	STR("minio.region", minio.region, "us-east-1", config_check_region),

	SECTION("defaults"),
	SECTION("defaults.quota"),
	NUM("defaults.quota.cpu", CONFIG_T_CPU, default_quota.cpu_milli,
	    1, INT64_MAX, "8"),
	NUM("defaults.quota.memory", CONFIG_T_BYTES, default_quota.memory_bytes,
	    1, INT64_MAX, "32Gi"),
	NUM("defaults.quota.gpu", CONFIG_T_COUNT, default_quota.gpu,
	    0, INT64_MAX, "1"),
	NUM("defaults.quota.storage", CONFIG_T_BYTES, default_quota.storage_bytes,
	    1, INT64_MAX, "200Gi"),
	NUM("defaults.quota.home", CONFIG_T_BYTES, default_quota.home_bytes,
	    1, INT64_MAX, "50Gi"),
	NUM("defaults.quota.pvcs", CONFIG_T_COUNT, default_quota.pvcs,
	    1, INT64_MAX, "5"),
};
const size_t config_keys_n = sizeof(config_keys) / sizeof(config_keys[0]);

/* Untrusted values quoted in messages: 40 characters at most. */
const char *
config_keys_quote(const char *s, char *buf, size_t len)
{
	return text_quote(s, 40, buf, len);
}

#define QUOTE(s)	config_keys_quote((s), qbuf, sizeof(qbuf))

const struct config_key *
config_keys_find(const char *name)
{
	size_t i;

	for (i = 0; i < config_keys_n; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

const char *
config_keys_type_name(enum config_type type)
{
	switch (type) {
	case CONFIG_T_SECTION:	return "a mapping of keys";
	case CONFIG_T_STRING:	return "a string";
	case CONFIG_T_BOOL:	return "true or false";
	case CONFIG_T_INT:	return "an integer";
	case CONFIG_T_DURATION:	return "a duration";
	case CONFIG_T_CPU:	return "a CPU quantity";
	case CONFIG_T_BYTES:	return "a size";
	case CONFIG_T_COUNT:	return "a count";
	case CONFIG_T_STRINGS:	return "a list of strings";
	case CONFIG_T_STARTUPS:	return "a \"start:rate:full\" string";
	}
	return "a value";
}

/* Writes v as the file would hold it, for range messages. */
static const char *
config_keys_format(enum config_type type, int64_t v, char *buf, size_t len)
{
	static const struct { const char *unit; int64_t ms; } dur[] = {
		{ "d", 24 * HOUR_MS }, { "h", HOUR_MS }, { "m", 60 * 1000 },
		{ "s", 1000 }, { "ms", 1 },
	};
	size_t i;

	switch (type) {
	case CONFIG_T_DURATION:
		for (i = 0; v != 0 && i < sizeof(dur) / sizeof(dur[0]); i++)
			if (v % dur[i].ms == 0) {
				snprintf(buf, len, "%lld%s",
				    (long long)(v / dur[i].ms), dur[i].unit);
				return buf;
			}
		break;
	case CONFIG_T_CPU:
		return units_format_cpu(v, buf, len);
	case CONFIG_T_BYTES:
		return units_format_bytes(v, buf, len);
	default:
		break;
	}
	snprintf(buf, len, "%lld", (long long)v);
	return buf;
}

static int
config_keys_range(const struct config_key *k, const char *text, int64_t v,
    char *err, size_t errlen)
{
	char qbuf[64], lo[32], hi[32];

	if (v >= k->min && v <= k->max)
		return 0;
	config_keys_format(k->type, k->min, lo, sizeof(lo));
	if (k->max == INT64_MAX)
		snprintf(err, errlen, "\"%s\" is too small: use at least %s",
		    QUOTE(text), lo);
	else
		snprintf(err, errlen, "\"%s\" is out of range: use %s to %s",
		    QUOTE(text), lo,
		    config_keys_format(k->type, k->max, hi, sizeof(hi)));
	return -1;
}

/* A decimal integer, nothing around it: strtol would accept " 1" and "1x". */
int
config_keys_int(const char *s, int64_t *v)
{
	const char *p = s;
	int64_t n = 0;
	bool neg = false;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (*p == '\0')
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > INT64_MAX / 10 ||
		    n * 10 > INT64_MAX - (*p - '0'))
			return -1;
		n = n * 10 + (*p - '0');
	}
	*v = neg ? -n : n;
	return 0;
}

/*
 * gateway.max_startups, as OpenSSH's MaxStartups: "start:rate:full" (refuse
 * some new unauthenticated connections, rate percent of them, once start are
 * pending; all once full are), or one number N meaning "N:100:N".
 */
static int
config_keys_set_startups(struct config *cfg, const char *text, char *err,
    size_t errlen)
{
	char qbuf[64], buf[64], *f[3], *save = NULL;
	int64_t v[3];
	size_t n = 0;

	if (strlen(text) >= sizeof(buf))
		goto syntax;
	strcpy(buf, text);
	/* strtok_r would merge "10::30"; an empty field must be an error. */
	f[n++] = buf;
	for (save = buf; (save = strchr(save, ':')) != NULL && n < 3; ) {
		*save++ = '\0';
		f[n++] = save;
	}
	if (save != NULL || (n != 1 && n != 3))
		goto syntax;
	for (size_t i = 0; i < n; i++)
		if (config_keys_int(f[i], &v[i]) == -1 || v[i] < 0 ||
		    v[i] > 100000)
			goto syntax;
	if (n == 1) {
		v[2] = v[0];
		v[1] = 100;
	}
	if (v[0] < 1) {
		snprintf(err, errlen, "\"%s\": start must be at least 1",
		    QUOTE(text));
		return -1;
	}
	if (v[1] < 1 || v[1] > 100) {
		snprintf(err, errlen, "\"%s\": rate is a percentage: use 1 to 100",
		    QUOTE(text));
		return -1;
	}
	if (v[0] > v[2]) {
		snprintf(err, errlen, "\"%s\": start (%lld) is larger than full "
		    "(%lld)", QUOTE(text), (long long)v[0], (long long)v[2]);
		return -1;
	}
	cfg->gateway.max_startups_start = (int)v[0];
	cfg->gateway.max_startups_rate = (int)v[1];
	cfg->gateway.max_startups_full = (int)v[2];
	return 0;
syntax:
	snprintf(err, errlen, "\"%s\" is not start:rate:full (use e.g. "
	    "\"10:30:100\", as OpenSSH's MaxStartups)", QUOTE(text));
	return -1;
}

int
config_keys_set(struct config *cfg, const struct config_key *k,
    const char *text, char *err, size_t errlen)
{
	char qbuf[64], *s;
	uint64_t ms;
	int64_t v;
	int rc;

	switch (k->type) {
	case CONFIG_T_STRING:
		if (config_keys_check_item(k, text, err, errlen) == -1)
			return -1;
		if ((s = strdup(text)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(*FIELD(cfg, k, char *));
		*FIELD(cfg, k, char *) = s;
		return 0;
	case CONFIG_T_BOOL:
		/* YAML 1.1's yes/no/on/off are refused: "no" is a country. */
		if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 ||
		    strcmp(text, "TRUE") == 0)
			*FIELD(cfg, k, bool) = true;
		else if (strcmp(text, "false") == 0 ||
		    strcmp(text, "False") == 0 || strcmp(text, "FALSE") == 0)
			*FIELD(cfg, k, bool) = false;
		else {
			snprintf(err, errlen, "\"%s\" is not a boolean (use true "
			    "or false)", QUOTE(text));
			return -1;
		}
		return 0;
	case CONFIG_T_INT:
		if (config_keys_int(text, &v) == -1) {
			snprintf(err, errlen, "\"%s\" is not an integer",
			    QUOTE(text));
			return -1;
		}
		if (config_keys_range(k, text, v, err, errlen) == -1)
			return -1;
		*FIELD(cfg, k, int) = (int)v;
		return 0;
	case CONFIG_T_DURATION:
		if (units_parse_duration(text, &ms, err, errlen) == -1)
			return -1;
		if (ms > (uint64_t)INT64_MAX)
			ms = INT64_MAX;	/* out of every range below */
		if (config_keys_range(k, text, (int64_t)ms, err, errlen) == -1)
			return -1;
		*FIELD(cfg, k, uint64_t) = ms;
		return 0;
	case CONFIG_T_CPU:
	case CONFIG_T_BYTES:
	case CONFIG_T_COUNT:
		if (k->type == CONFIG_T_CPU)
			rc = units_parse_quantity(text, &v, err, errlen);
		else
			rc = units_parse_count(text, &v, err, errlen);
		if (rc == -1 || config_keys_range(k, text, v, err, errlen) == -1)
			return -1;
		*FIELD(cfg, k, int64_t) = v;
		return 0;
	case CONFIG_T_STARTUPS:
		return config_keys_set_startups(cfg, text, err, errlen);
	case CONFIG_T_SECTION:
	case CONFIG_T_STRINGS:
		break;
	}
	snprintf(err, errlen, "expected %s", config_keys_type_name(k->type));
	return -1;
}

int
config_keys_check_item(const struct config_key *k, const char *text,
    char *err, size_t errlen)
{
	if (strlen(text) > CONFIG_STR_MAX) {
		snprintf(err, errlen, "is longer than %d bytes", CONFIG_STR_MAX);
		return -1;
	}
	if (k->check != NULL && k->check(text, err, errlen) == -1)
		return -1;
	return 0;
}

void
config_keys_free_list(struct config_strings *list)
{
	size_t i;

	if (list->v != NULL)
		for (i = 0; i < list->n; i++)
			free(list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* Takes the strings of list; list is left empty. */
void
config_keys_set_list(struct config *cfg, const struct config_key *k,
    struct config_strings *list)
{
	struct config_strings *dst = FIELD(cfg, k, struct config_strings);

	config_keys_free_list(dst);
	*dst = *list;
	list->v = NULL;
	list->n = 0;
}

static int
config_keys_default_list(struct config *cfg, const struct config_key *k)
{
	struct config_strings list = { NULL, 0 };
	size_t n;

	for (n = 0; k->def_list[n] != NULL; n++)
		;
	if ((list.v = calloc(n + 1, sizeof(*list.v))) == NULL)
		return -1;
	for (list.n = 0; list.n < n; list.n++)
		if ((list.v[list.n] = strdup(k->def_list[list.n])) == NULL) {
			config_keys_free_list(&list);
			return -1;
		}
	config_keys_set_list(cfg, k, &list);
	return 0;
}

/* Fills a zeroed config with the defaults.  Fails only on OOM. */
int
config_keys_defaults(struct config *cfg)
{
	char err[256];
	size_t i;

	for (i = 0; i < config_keys_n; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->type == CONFIG_T_SECTION)
			continue;
		if (k->type == CONFIG_T_STRINGS) {
			if (config_keys_default_list(cfg, k) == -1)
				return -1;
		} else if (config_keys_set(cfg, k, k->def, err, sizeof(err)) == -1)
			return -1;
	}
	return 0;
}

void
config_keys_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < config_keys_n; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->type == CONFIG_T_STRING)
			free(*FIELD(cfg, k, char *));
		else if (k->type == CONFIG_T_STRINGS)
			config_keys_free_list(FIELD(cfg, k, struct config_strings));
	}
	free(cfg->path);
	free(cfg);
}

static int
config_keys_line(const int *lines, const char *name)
{
	const struct config_key *k = config_keys_find(name);

	return k == NULL ? 0 : lines[k - config_keys];
}

/*
 * The line to blame for a rule between keys a and b: where a was set, else
 * where b was.  Returns -1 when either had a bad value of its own: the rule
 * would then judge a default the file did not mean, and mislead.
 */
static int
config_keys_blame(const int *lines, const char *a, const char *b)
{
	int la = config_keys_line(lines, a), lb = config_keys_line(lines, b);

	if (la < 0 || lb < 0)
		return -1;
	return la != 0 ? la : lb;
}

/*
 * MinIO needs its credentials; and a shared bucket must not be the bucket
 * some account would get (prefix + name), or that account would own the
 * data everyone else only reads.
 */
static void
config_keys_cross_minio(const struct config *cfg, const int *lines,
    config_report_fn *report, void *arg)
{
	const char *prefix = cfg->minio.bucket_prefix, *b;
	char msg[512], why[256], qbuf[64];
	size_t i, plen = strlen(prefix);
	int line;

	line = config_keys_blame(lines, "minio.credentials_file",
	    "minio.endpoint");
	if (line >= 0 && cfg->minio.endpoint[0] != '\0' &&
	    cfg->minio.credentials_file[0] == '\0')
		report(arg, line, "minio.credentials_file: minio.endpoint is set "
		    "but no credentials file is given: write the admin's "
		    "ACCESS_KEY:SECRET_KEY in a file of mode 0600 and name it here");
	line = config_keys_blame(lines, "minio.shared_read",
	    "minio.bucket_prefix");
	if (line < 0 || plen == 0)
		return;
	for (i = 0; i < cfg->minio.shared_read.n; i++) {
		b = cfg->minio.shared_read.v[i];
		if (strncmp(b, prefix, plen) != 0 ||
		    names_check_account(b + plen, why, sizeof(why)) == -1)
			continue;
		snprintf(msg, sizeof(msg), "minio.shared_read[%zu]: \"%s\" is "
		    "the bucket of an account named %s (minio.bucket_prefix is "
		    "\"%s\"), who could write to it: give shared buckets names "
		    "outside the prefix", i, QUOTE(b), b + plen, prefix);
		report(arg, line, msg);
	}
}

void
config_keys_cross_check(const struct config *cfg, const int *lines,
    config_report_fn *report, void *arg)
{
	const struct quota *q = &cfg->default_quota;
	char msg[512], a[32], b[32];
	int line;

	line = config_keys_blame(lines, "defaults.quota.home",
	    "defaults.quota.storage");
	if (line >= 0 && q->home_bytes > q->storage_bytes) {
		snprintf(msg, sizeof(msg), "defaults.quota.home: %s is larger "
		    "than defaults.quota.storage (%s): the home volume counts "
		    "against the storage quota",
		    units_format_bytes(q->home_bytes, a, sizeof(a)),
		    units_format_bytes(q->storage_bytes, b, sizeof(b)));
		report(arg, line, msg);
	}
	line = config_keys_blame(lines, "route.command", "route.transport");
	if (line >= 0 && strcmp(cfg->route.transport, "command") == 0 &&
	    (cfg->route.command.n == 0 || cfg->route.command.v[0][0] == '\0'))
		report(arg, line, "route.command: route.transport is command but "
		    "no program is given: write e.g. [\"coder\", \"ssh\", "
		    "\"--stdio\", \"{workspace}\"]");
	config_keys_cross_minio(cfg, lines, report, arg);
	line = config_keys_blame(lines, "route.static.host", "route.resolver");
	if (line >= 0 && strcmp(cfg->route.resolver, "static") == 0 &&
	    cfg->route.static_host[0] == '\0')
		report(arg, line, "route.static.host: is empty but route.resolver "
		    "is static: give the upstream host");
}
