/*
 * test_config.c: meduse.yaml loading.  Every key's happy path, the defaults
 * of DESIGN.md, every kind of error with its exact file:line, errors
 * collected rather than stopping at the first, the choice of the file
 * (-c, $MEDUSE_CONFIG, default) and the shipped example file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "config_keys.h"

#define GiB	(1024LL * 1024 * 1024)

/* Loads text as the file "t.yaml"; returns what config_load_buffer did. */
static int
load(const char *text, struct config **cfg, struct config_errors *errs)
{
	return config_load_buffer("t.yaml", text, strlen(text), cfg, errs);
}

static void
dump_errors(const struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		print_message("  error: %s\n", errs->msg[i]);
}

static struct config *
load_ok(const char *text)
{
	struct config_errors errs;
	struct config *cfg;

	if (load(text, &cfg, &errs) != 0) {
		dump_errors(&errs);
		config_errors_free(&errs);
		fail_msg("config refused:\n%s", text);
	}
	assert_non_null(cfg);
	assert_int_equal(errs.n, 0);
	assert_null(cfg->path);
	config_errors_free(&errs);
	return cfg;
}

/*
 * Checks that text fails with exactly the errors given (NULL-terminated);
 * each error must start with the expected text, so long hints may be left
 * off.
 */
static void
load_bad(const char *text, ...)
{
	struct config_errors errs;
	struct config *cfg = (struct config *)1;
	const char *want;
	va_list ap;
	size_t i = 0;

	assert_int_equal(load(text, &cfg, &errs), -1);
	assert_null(cfg);
	va_start(ap, text);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (i >= errs.n || strncmp(errs.msg[i], want, strlen(want)) != 0) {
			dump_errors(&errs);
			va_end(ap);
			config_errors_free(&errs);
			fail_msg("error %zu: want \"%s\"\nfor:\n%s", i, want, text);
		}
		i++;
	}
	va_end(ap);
	if (i != errs.n) {
		dump_errors(&errs);
		config_errors_free(&errs);
		fail_msg("%zu errors, want %zu, for:\n%s", errs.n, i, text);
	}
	config_errors_free(&errs);
}

static void
assert_strings(const struct config_strings *l, ...)
{
	const char *want;
	va_list ap;
	size_t i = 0;

	va_start(ap, l);
	while ((want = va_arg(ap, const char *)) != NULL) {
		assert_true(i < l->n);
		assert_string_equal(l->v[i], want);
		i++;
	}
	va_end(ap);
	assert_int_equal(l->n, i);
	assert_null(l->v[i]);
}

static void
assert_defaults(const struct config *c)
{
	assert_string_equal(c->state_dir, "/var/lib/meduse");
	assert_string_equal(c->accountd.socket, "/run/meduse/accountd.sock");
	assert_string_equal(c->accountd.admin_group, "meduse-admin");
	assert_string_equal(c->accountd.gateway_group, "meduse");
	assert_strings(&c->gateway.listen, "0.0.0.0:22", NULL);
	assert_strings(&c->gateway.host_keys, NULL);
	assert_int_equal(c->gateway.login_grace_time_ms, 30000);
	assert_int_equal(c->gateway.max_startups_start, 10);
	assert_int_equal(c->gateway.max_startups_rate, 30);
	assert_int_equal(c->gateway.max_startups_full, 100);
	assert_int_equal(c->gateway.max_sessions, 10);
	assert_string_equal(c->gateway.pam_service, "meduse-sshd");
	assert_int_equal(c->gateway.keepalive_ms, 30000);
	assert_int_equal(c->gateway.keepalive_count_max, 3);
	assert_int_equal(c->gateway.idle_timeout_ms, 0);
	assert_int_equal(c->gateway.drain_grace_ms, 25000);
	assert_strings(&c->gateway.env_allow, "LANG", "LC_*", "LANGUAGE", "TERM",
	    "COLORTERM", "TZ", "GIT_PROTOCOL", "TERM_PROGRAM",
	    "TERM_PROGRAM_VERSION", "VSCODE_*", NULL);
	assert_string_equal(c->gateway.upstream_host_keys, "tofu");
	assert_string_equal(c->gateway.upstream_known_hosts, "");
	assert_string_equal(c->route.resolver, "static");
	assert_string_equal(c->route.static_host, "127.0.0.1");
	assert_int_equal(c->route.static_port, 22);
	assert_string_equal(c->route.static_user, "");
	assert_string_equal(c->route.transport, "tcp");
	assert_strings(&c->route.command, "coder", "ssh", "--stdio",
	    "{workspace}", NULL);
	assert_string_equal(c->kubernetes.kubeconfig, "");
	assert_false(c->kubernetes.in_cluster);
	assert_string_equal(c->kubernetes.namespace_prefix, "u-");
	assert_string_equal(c->kubernetes.storage_class, "");
	assert_false(c->kubernetes.volcano);
	assert_strings(&c->kubernetes.ingress_namespaces, NULL);
	assert_int_equal(c->kubernetes.workspace_port, 22);
	assert_string_equal(c->coder.url, "");
	assert_string_equal(c->coder.token_file, "");
	assert_string_equal(c->coder.template_name, "");
	assert_string_equal(c->coder.default_workspace, "dev");
	assert_string_equal(c->minio.endpoint, "");
	assert_string_equal(c->minio.credentials_file, "");
	assert_string_equal(c->minio.bucket_prefix, "");
	assert_strings(&c->minio.shared_read, NULL);
	assert_string_equal(c->minio.region, "us-east-1");
	assert_int_equal(c->default_quota.cpu_milli, 8000);
	assert_int_equal(c->default_quota.memory_bytes, 32 * GiB);
	assert_int_equal(c->default_quota.gpu, 1);
	assert_int_equal(c->default_quota.storage_bytes, 200 * GiB);
	assert_int_equal(c->default_quota.home_bytes, 50 * GiB);
	assert_int_equal(c->default_quota.pvcs, 5);
}

static void
test_defaults(void **state)
{
	struct config *c;

	(void)state;
	c = config_defaults();
	assert_non_null(c);
	assert_null(c->path);
	assert_defaults(c);
	config_free(c);
}

/* Empty files, comments only, an empty document: the defaults. */
static void
test_empty(void **state)
{
	static const char *const texts[] = {
		"", "\n", "# nothing\n\n# here\n", "---\n", "--- ~\n", "null\n",
		"---\n...\n", "kubernetes:\ncoder: ~\n",
	};
	struct config *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		c = load_ok(texts[i]);
		assert_defaults(c);
		config_free(c);
	}
}

/* Every key, set to something other than its default. */
static void
test_every_key(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok(
	    "state_dir: /srv/meduse\n"
	    "accountd:\n"
	    "  socket: /run/m/a.sock\n"
	    "  admin_group: wheel\n"
	    "  gateway_group: _meduse-gw\n"
	    "gateway:\n"
	    "  listen:\n"
	    "    - 127.0.0.1:2222\n"
	    "    - \"[::1]:2222\"\n"
	    "  host_keys: [/etc/meduse/ssh_host_ed25519_key, /etc/meduse/rsa]\n"
	    "  login_grace_time: 2m\n"
	    "  max_startups: 5:50:20\n"
	    "  max_sessions: 64\n"
	    "  pam_service: \"\"\n"
	    "  keepalive: 10s\n"
	    "  keepalive_count_max: 5\n"
	    "  idle_timeout: 8h\n"
	    "  drain_grace: 500ms\n"
	    "  env_allow: [LANG, \"LC_*\", \"FOO_?\"]\n"
	    "  upstream_host_keys: pinned\n"
	    "  upstream_known_hosts: /etc/meduse/workspaces.known_hosts\n"
	    "route:\n"
	    "  resolver: kubernetes\n"
	    "  static: {host: ws.example.org, port: 2022, user: dev}\n"
	    "  transport: command\n"
	    "  command: [kubectl, exec, -i, \"{user}-{workspace}\", --, nc]\n"
	    "kubernetes:\n"
	    "  kubeconfig: /etc/meduse/kubeconfig\n"
	    "  in_cluster: true\n"
	    "  namespace_prefix: dev-\n"
	    "  storage_class: longhorn.fast\n"
	    "  volcano: True\n"
	    "  workspace_port: 2222\n"
	    "  ingress_namespaces: [meduse, coder]\n"
	    "coder:\n"
	    "  url: https://coder.example.org\n"
	    "  token_file: /etc/meduse/coder.token\n"
	    "  template: gpu-template\n"
	    "  default_workspace: main\n"
	    "minio:\n"
	    "  endpoint: http://nas:9000\n"
	    "  credentials_file: /etc/meduse/minio.cred\n"
	    "  bucket_prefix: lab-\n"
	    "  shared_read:\n"
	    "  - datasets\n"
	    "  - models\n"
	    "  region: eu-lab-1\n"
	    "defaults:\n"
	    "  quota:\n"
	    "    cpu: 500m\n"
	    "    memory: 1.5Gi\n"
	    "    gpu: 0\n"
	    "    storage: 1T\n"
	    "    home: 100G\n"
	    "    pvcs: 12\n");
	assert_string_equal(c->state_dir, "/srv/meduse");
	assert_string_equal(c->accountd.socket, "/run/m/a.sock");
	assert_string_equal(c->accountd.admin_group, "wheel");
	assert_string_equal(c->accountd.gateway_group, "_meduse-gw");
	assert_strings(&c->gateway.listen, "127.0.0.1:2222", "[::1]:2222", NULL);
	assert_strings(&c->gateway.host_keys, "/etc/meduse/ssh_host_ed25519_key",
	    "/etc/meduse/rsa", NULL);
	assert_int_equal(c->gateway.login_grace_time_ms, 120000);
	assert_int_equal(c->gateway.max_startups_start, 5);
	assert_int_equal(c->gateway.max_startups_rate, 50);
	assert_int_equal(c->gateway.max_startups_full, 20);
	assert_int_equal(c->gateway.max_sessions, 64);
	assert_string_equal(c->gateway.pam_service, "");
	assert_int_equal(c->gateway.keepalive_ms, 10000);
	assert_int_equal(c->gateway.keepalive_count_max, 5);
	assert_int_equal(c->gateway.idle_timeout_ms, 8 * 3600 * 1000);
	assert_int_equal(c->gateway.drain_grace_ms, 500);
	assert_strings(&c->gateway.env_allow, "LANG", "LC_*", "FOO_?", NULL);
	assert_string_equal(c->gateway.upstream_host_keys, "pinned");
	assert_string_equal(c->gateway.upstream_known_hosts,
	    "/etc/meduse/workspaces.known_hosts");
	assert_string_equal(c->route.resolver, "kubernetes");
	assert_string_equal(c->route.static_host, "ws.example.org");
	assert_int_equal(c->route.static_port, 2022);
	assert_string_equal(c->route.static_user, "dev");
	assert_string_equal(c->route.transport, "command");
	assert_strings(&c->route.command, "kubectl", "exec", "-i",
	    "{user}-{workspace}", "--", "nc", NULL);
	assert_string_equal(c->kubernetes.kubeconfig, "/etc/meduse/kubeconfig");
	assert_true(c->kubernetes.in_cluster);
	assert_string_equal(c->kubernetes.namespace_prefix, "dev-");
	assert_string_equal(c->kubernetes.storage_class, "longhorn.fast");
	assert_true(c->kubernetes.volcano);
	assert_int_equal(c->kubernetes.workspace_port, 2222);
	assert_strings(&c->kubernetes.ingress_namespaces, "meduse", "coder",
	    NULL);
	assert_string_equal(c->coder.url, "https://coder.example.org");
	assert_string_equal(c->coder.token_file, "/etc/meduse/coder.token");
	assert_string_equal(c->coder.template_name, "gpu-template");
	assert_string_equal(c->coder.default_workspace, "main");
	assert_string_equal(c->minio.endpoint, "http://nas:9000");
	assert_string_equal(c->minio.credentials_file, "/etc/meduse/minio.cred");
	assert_string_equal(c->minio.bucket_prefix, "lab-");
	assert_strings(&c->minio.shared_read, "datasets", "models", NULL);
	assert_string_equal(c->minio.region, "eu-lab-1");
	assert_int_equal(c->default_quota.cpu_milli, 500);
	assert_int_equal(c->default_quota.memory_bytes, 3 * GiB / 2);
	assert_int_equal(c->default_quota.gpu, 0);
	assert_int_equal(c->default_quota.storage_bytes, 1000000000000LL);
	assert_int_equal(c->default_quota.home_bytes, 100000000000LL);
	assert_int_equal(c->default_quota.pvcs, 12);
	config_free(c);
}

/* Keys not given keep their defaults; sections may be partial. */
static void
test_partial(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok("gateway: {max_sessions: 3}\nroute:\n  static:\n    port: 2200\n");
	assert_int_equal(c->gateway.max_sessions, 3);
	assert_int_equal(c->route.static_port, 2200);
	assert_string_equal(c->route.static_host, "127.0.0.1");
	assert_strings(&c->gateway.listen, "0.0.0.0:22", NULL);
	assert_int_equal(c->default_quota.pvcs, 5);
	config_free(c);

	/* 0 turns the gateway's timers off; an empty env_allow passes nothing. */
	c = load_ok("gateway:\n  keepalive: 0\n  drain_grace: 0\n"
	    "  env_allow: []\n");
	assert_int_equal(c->gateway.keepalive_ms, 0);
	assert_int_equal(c->gateway.drain_grace_ms, 0);
	assert_int_equal(c->gateway.idle_timeout_ms, 0);
	assert_strings(&c->gateway.env_allow, NULL);
	config_free(c);
}

/* Quota values may be YAML numbers or strings, with or without units. */
static void
test_quota_forms(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok("defaults:\n  quota: {cpu: 2, memory: 1073741824, gpu: \"2\", "
	    "storage: \"300Gi\", home: '300Gi', pvcs: \"1\"}\n");
	assert_int_equal(c->default_quota.cpu_milli, 2000);
	assert_int_equal(c->default_quota.memory_bytes, GiB);
	assert_int_equal(c->default_quota.gpu, 2);
	assert_int_equal(c->default_quota.storage_bytes, 300 * GiB);
	assert_int_equal(c->default_quota.home_bytes, 300 * GiB);
	assert_int_equal(c->default_quota.pvcs, 1);
	config_free(c);

	c = load_ok("defaults: {quota: {cpu: \"1.5\"}}\n");
	assert_int_equal(c->default_quota.cpu_milli, 1500);
	config_free(c);
}

/* Lists in flow and block style, empty, and given as null. */
static void
test_lists(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok("gateway:\n  listen: []\n  host_keys:\n"
	    "minio: {shared_read: [abc, 'bcd', \"cde\"]}\n");
	assert_strings(&c->gateway.listen, NULL);
	assert_strings(&c->gateway.host_keys, NULL);
	assert_strings(&c->minio.shared_read, "abc", "bcd", "cde", NULL);
	config_free(c);
}

/* A single number N for max_startups means N:100:N, as in OpenSSH. */
static void
test_max_startups(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok("gateway: {max_startups: 7}\n");
	assert_int_equal(c->gateway.max_startups_start, 7);
	assert_int_equal(c->gateway.max_startups_rate, 100);
	assert_int_equal(c->gateway.max_startups_full, 7);
	config_free(c);
	c = load_ok("gateway: {max_startups: \"10:100:10\"}\n");
	assert_int_equal(c->gateway.max_startups_full, 10);
	config_free(c);

	load_bad("gateway:\n  max_startups: \"30:30:10\"\n",
	    "t.yaml:2: gateway.max_startups: \"30:30:10\": start (30) is larger "
	    "than full (10)", NULL);
	load_bad("gateway:\n  max_startups: \"10:0:100\"\n",
	    "t.yaml:2: gateway.max_startups: \"10:0:100\": rate is a percentage: "
	    "use 1 to 100", NULL);
	load_bad("gateway:\n  max_startups: 10:101:100\n",
	    "t.yaml:2: gateway.max_startups: \"10:101:100\": rate is a percentage",
	    NULL);
	load_bad("gateway:\n  max_startups: \"10:30\"\n",
	    "t.yaml:2: gateway.max_startups: \"10:30\" is not start:rate:full",
	    NULL);
	load_bad("gateway:\n  max_startups: \"10::100\"\n",
	    "t.yaml:2: gateway.max_startups: \"10::100\" is not start:rate:full",
	    NULL);
	load_bad("gateway:\n  max_startups: \"1:2:3:4\"\n",
	    "t.yaml:2: gateway.max_startups: \"1:2:3:4\" is not start:rate:full",
	    NULL);
	load_bad("gateway:\n  max_startups: \"0\"\n",
	    "t.yaml:2: gateway.max_startups: \"0\": start must be at least 1",
	    NULL);
	load_bad("gateway:\n  max_startups: \"-1:30:100\"\n",
	    "t.yaml:2: gateway.max_startups: \"-1:30:100\" is not start:rate:full",
	    NULL);
}

static void
test_unknown_keys(void **state)
{
	(void)state;
	load_bad("statedir: /x\n",
	    "t.yaml:1: statedir: unknown key (meduse.yaml(5) lists the keys)",
	    NULL);
	load_bad("gateway:\n  max_sessions: 2\n  listn: [\"a:1\"]\n",
	    "t.yaml:3: gateway.listn: unknown key", NULL);
	load_bad("route:\n  static:\n    hots: x\n",
	    "t.yaml:3: route.static.hots: unknown key", NULL);
	/* A dotted key must not reach a nested key. */
	load_bad("gateway.max_sessions: 3\n",
	    "t.yaml:1: gateway.max_sessions: unknown key", NULL);
	/* A leaf of one section is unknown in another. */
	load_bad("coder:\n  socket: /x\n", "t.yaml:2: coder.socket: unknown key",
	    NULL);
	/* A section name given as a leaf of another. */
	load_bad("gateway:\n  route: {}\n", "t.yaml:2: gateway.route: unknown key",
	    NULL);
	load_bad("? [a, b]\n: 1\n",
	    "t.yaml:1: top level: a key must be a plain name, not a list", NULL);
	load_bad("gateway:\n  ? {a: 1}\n  : 1\n",
	    "t.yaml:2: gateway: a key must be a plain name, not a mapping", NULL);
	/* Control characters of a key do not reach the message. */
	load_bad("\"a\\e[2Jb\": 1\n", "t.yaml:1: a?[2Jb: unknown key", NULL);
}

static void
test_wrong_types(void **state)
{
	(void)state;
	load_bad("state_dir: {a: 1}\n",
	    "t.yaml:1: state_dir: expected a string, found a mapping", NULL);
	load_bad("state_dir:\n  - /a\n",
	    "t.yaml:2: state_dir: expected a string, found a list", NULL);
	load_bad("gateway:\n  max_sessions: yes\n",
	    "t.yaml:2: gateway.max_sessions: \"yes\" is not an integer", NULL);
	load_bad("gateway:\n  max_sessions: 1.5\n",
	    "t.yaml:2: gateway.max_sessions: \"1.5\" is not an integer", NULL);
	load_bad("gateway:\n  max_sessions: \" 3\"\n",
	    "t.yaml:2: gateway.max_sessions: \" 3\" is not an integer", NULL);
	load_bad("gateway:\n  max_sessions: [3]\n",
	    "t.yaml:2: gateway.max_sessions: expected an integer, found a list",
	    NULL);
	load_bad("gateway:\n  max_sessions:\n",
	    "t.yaml:2: gateway.max_sessions: has no value: expected an integer",
	    NULL);
	load_bad("kubernetes:\n  volcano: yes\n",
	    "t.yaml:2: kubernetes.volcano: \"yes\" is not a boolean (use true or "
	    "false)", NULL);
	load_bad("kubernetes:\n  in_cluster: 1\n",
	    "t.yaml:2: kubernetes.in_cluster: \"1\" is not a boolean", NULL);
	load_bad("gateway:\n  listen: \"0.0.0.0:22\"\n",
	    "t.yaml:2: gateway.listen: expected a list of strings, found a single "
	    "value", NULL);
	load_bad("gateway:\n  listen: {a: 1}\n",
	    "t.yaml:2: gateway.listen: expected a list of strings, found a mapping",
	    NULL);
	load_bad("minio:\n  shared_read:\n    - abc\n    - [b]\n    -\n",
	    "t.yaml:4: minio.shared_read[1]: expected a string, found a list",
	    "t.yaml:5: minio.shared_read[2]: expected a string, found nothing",
	    NULL);
	load_bad("gateway: 3\n",
	    "t.yaml:1: gateway: expected a mapping of keys, found a single value",
	    NULL);
	load_bad("route:\n  static: [a]\n",
	    "t.yaml:2: route.static: expected a mapping of keys, found a list",
	    NULL);
	load_bad("- a\n- b\n",
	    "t.yaml:1: the top level must be a mapping of keys", NULL);
	load_bad("just a string\n",
	    "t.yaml:1: the top level must be a mapping of keys (e.g. \"state_dir: "
	    "/var/lib/meduse\"), not a single value", NULL);
	/* "\0" in a double-quoted string would cut the value short in C. */
	load_bad("coder:\n  template: \"a\\0b\"\n",
	    "t.yaml:2: coder.template: contains a NUL character", NULL);
}

static void
test_bad_units(void **state)
{
	(void)state;
	load_bad("gateway:\n  login_grace_time: 30x\n",
	    "t.yaml:2: gateway.login_grace_time: \"30x\" is not a duration (use "
	    "e.g. 500ms, 30s, 5m, 1h, 1d)", NULL);
	load_bad("gateway:\n  login_grace_time: 30\n",
	    "t.yaml:2: gateway.login_grace_time: \"30\" has no unit", NULL);
	load_bad("gateway:\n  login_grace_time: 1.5s\n",
	    "t.yaml:2: gateway.login_grace_time: \"1.5s\" is not a duration", NULL);
	load_bad("defaults:\n  quota:\n    memory: 32GB\n",
	    "t.yaml:3: defaults.quota.memory: \"32GB\" is not a quantity (use e.g. "
	    "500m, 8, 1.5, 32Gi, 200G)", NULL);
	load_bad("defaults:\n  quota:\n    gpu: 1.5\n",
	    "t.yaml:3: defaults.quota.gpu: \"1.5\" is not a whole number", NULL);
	load_bad("defaults:\n  quota:\n    memory: 500m\n",
	    "t.yaml:3: defaults.quota.memory: \"500m\" is not a whole number", NULL);
	load_bad("defaults:\n  quota:\n    cpu: 0.5m\n",
	    "t.yaml:3: defaults.quota.cpu: \"0.5m\" is finer than a thousandth",
	    NULL);
	load_bad("defaults:\n  quota:\n    cpu: -1\n",
	    "t.yaml:3: defaults.quota.cpu: \"-1\" is negative", NULL);
	load_bad("defaults:\n  quota:\n    storage: 1e3\n",
	    "t.yaml:3: defaults.quota.storage: \"1e3\" is not a quantity", NULL);
}

static void
test_out_of_range(void **state)
{
	(void)state;
	load_bad("gateway:\n  max_sessions: 0\n",
	    "t.yaml:2: gateway.max_sessions: \"0\" is out of range: use 1 to 1024",
	    NULL);
	load_bad("gateway:\n  max_sessions: 99999999999999999999\n",
	    "t.yaml:2: gateway.max_sessions: \"99999999999999999999\" is not an "
	    "integer", NULL);
	load_bad("route:\n  static: {port: 70000}\n",
	    "t.yaml:2: route.static.port: \"70000\" is out of range: use 1 to 65535",
	    NULL);
	load_bad("kubernetes:\n  workspace_port: -1\n",
	    "t.yaml:2: kubernetes.workspace_port: \"-1\" is out of range", NULL);
	load_bad("gateway:\n  login_grace_time: 2d\n",
	    "t.yaml:2: gateway.login_grace_time: \"2d\" is out of range: use 0 to 1d",
	    NULL);
	load_bad("gateway:\n  login_grace_time: 18446744073709551615ms\n",
	    "t.yaml:2: gateway.login_grace_time: \"18446744073709551615ms\" is out "
	    "of range", NULL);
	load_bad("defaults:\n  quota:\n    cpu: \"0\"\n",
	    "t.yaml:3: defaults.quota.cpu: \"0\" is too small: use at least 1m",
	    NULL);
	load_bad("gateway:\n  keepalive: 2d\n",
	    "t.yaml:2: gateway.keepalive: \"2d\" is out of range: use 0 to 1d",
	    NULL);
	load_bad("gateway:\n  keepalive_count_max: 0\n",
	    "t.yaml:2: gateway.keepalive_count_max: \"0\" is out of range: use 1 "
	    "to 1000", NULL);
	load_bad("gateway:\n  idle_timeout: 31d\n",
	    "t.yaml:2: gateway.idle_timeout: \"31d\" is out of range: use 0 to 30d",
	    NULL);
	load_bad("gateway:\n  drain_grace: 2h\n",
	    "t.yaml:2: gateway.drain_grace: \"2h\" is out of range: use 0 to 1h",
	    NULL);
	load_bad("defaults:\n  quota:\n    pvcs: 0\n",
	    "t.yaml:3: defaults.quota.pvcs: \"0\" is too small: use at least 1",
	    NULL);
	load_bad("defaults:\n  quota:\n    memory: 0\n",
	    "t.yaml:3: defaults.quota.memory: \"0\" is too small: use at least 1",
	    NULL);
}

/* Values with a meaning beyond their type. */
static void
test_value_rules(void **state)
{
	(void)state;
	load_bad("state_dir: var/lib/meduse\n",
	    "t.yaml:1: state_dir: \"var/lib/meduse\" is not an absolute path: "
	    "start it with /", NULL);
	load_bad("state_dir:\n",
	    "t.yaml:1: state_dir: is empty: give an absolute path", NULL);
	load_bad("accountd:\n  socket: accountd.sock\n",
	    "t.yaml:2: accountd.socket: \"accountd.sock\" is not an absolute path",
	    NULL);
	load_bad("coder:\n  token_file: token\n",
	    "t.yaml:2: coder.token_file: \"token\" is not an absolute path", NULL);
	load_bad("gateway:\n  host_keys: [/a, b]\n",
	    "t.yaml:2: gateway.host_keys[1]: \"b\" is not an absolute path", NULL);
	load_bad("route:\n  resolver: k8s\n",
	    "t.yaml:2: route.resolver: \"k8s\" is not a resolver: use static, "
	    "kubernetes or coder", NULL);
	load_bad("route:\n  transport: udp\n",
	    "t.yaml:2: route.transport: \"udp\" is not a transport: use tcp or "
	    "command", NULL);
	load_bad("coder:\n  default_workspace: Dev\n",
	    "t.yaml:2: coder.default_workspace: workspace name 'Dev' has an "
	    "uppercase letter", NULL);
	load_bad("coder:\n  default_workspace: \"\"\n",
	    "t.yaml:2: coder.default_workspace: workspace name is empty", NULL);
	load_bad("accountd:\n  admin_group: \"\"\n",
	    "t.yaml:2: accountd.admin_group: \"\" is not a Unix group name", NULL);
	load_bad("gateway:\n  pam_service: ../../etc/shadow\n",
	    "t.yaml:2: gateway.pam_service: \"../../etc/shadow\" is not a PAM "
	    "service name", NULL);
	load_bad("gateway:\n  listen: [\"0.0.0.0\", \"::1:22\", \"h:0\", \"[::1]:22\"]\n",
	    "t.yaml:2: gateway.listen[0]: \"0.0.0.0\" is not host:port",
	    "t.yaml:2: gateway.listen[1]: \"::1:22\" is not host:port",
	    "t.yaml:2: gateway.listen[2]: \"h:0\" is not host:port", NULL);
	load_bad("route:\n  command: [ssh, \"{workspcae}\"]\n",
	    "t.yaml:2: route.command[1]: unknown placeholder \"{workspcae}\" (use "
	    "{user} or {workspace})", NULL);
	load_bad("kubernetes:\n  namespace_prefix: U-\n",
	    "t.yaml:2: kubernetes.namespace_prefix: \"U-\" is not a name prefix",
	    NULL);
	load_bad("minio:\n  bucket_prefix: -x\n",
	    "t.yaml:2: minio.bucket_prefix: \"-x\" is not a bucket name prefix "
	    "(use at most 31 of a-z, 0-9 and '-', not starting with '-')", NULL);
	load_bad("minio:\n  bucket_prefix: Lab-\n",
	    "t.yaml:2: minio.bucket_prefix: \"Lab-\" is not a bucket name prefix",
	    NULL);
	load_bad("minio:\n  bucket_prefix: lab.\n",
	    "t.yaml:2: minio.bucket_prefix: \"lab.\" is not a bucket name prefix",
	    NULL);
	load_bad("minio:\n  bucket_prefix: abcdefghijabcdefghijabcdefghij-lab\n",
	    "t.yaml:2: minio.bucket_prefix: \"abcdefghijabcdefghijabcdefghij-lab\" "
	    "is not a bucket name prefix", NULL);
	load_bad("minio:\n  bucket_prefix: xn--\n",
	    "t.yaml:2: minio.bucket_prefix: \"xn--\" is not a bucket name prefix: "
	    "S3 reserves names starting with \"xn--\"", NULL);
	load_bad("minio:\n  region: eu/west\n",
	    "t.yaml:2: minio.region: \"eu/west\" is not a region", NULL);
	load_bad("minio:\n  region: \"\"\n",
	    "t.yaml:2: minio.region: \"\" is not a region", NULL);
	load_bad("kubernetes:\n  storage_class: Fast_SSD\n",
	    "t.yaml:2: kubernetes.storage_class: \"Fast_SSD\" is not a Kubernetes "
	    "name", NULL);
	load_bad("coder:\n  url: coder.example.org\n",
	    "t.yaml:2: coder.url: \"coder.example.org\" is not an http:// or "
	    "https:// URL", NULL);
	load_bad("minio:\n  shared_read: [\"\", ab, Datasets, 10.0.0.1, a..b, "
	    "xn--data, datasets]\n",
	    "t.yaml:2: minio.shared_read[0]: bucket name \"\" has 0 characters: "
	    "use 3 to 63",
	    "t.yaml:2: minio.shared_read[1]: bucket name \"ab\" has 2 characters",
	    "t.yaml:2: minio.shared_read[2]: \"Datasets\" is not a bucket name",
	    "t.yaml:2: minio.shared_read[3]: \"10.0.0.1\" is not a bucket name",
	    "t.yaml:2: minio.shared_read[4]: \"a..b\" is not a bucket name",
	    "t.yaml:2: minio.shared_read[5]: \"xn--data\" is not a bucket name: "
	    "S3 reserves its prefix or suffix", NULL);
	load_bad("gateway:\n  env_allow:\n    - LANG\n    - \"\"\n    - \"LC_[A-Z]*\"\n"
	    "    - LD PRELOAD\n    - \"A=B\"\n",
	    "t.yaml:4: gateway.env_allow[1]: \"\" is not a variable name pattern "
	    "(use letters, digits, '_' and the wildcards * and ?, e.g. \"LC_*\")",
	    "t.yaml:5: gateway.env_allow[2]: \"LC_[A-Z]*\" is not a variable name "
	    "pattern",
	    "t.yaml:6: gateway.env_allow[3]: \"LD PRELOAD\" is not a variable name "
	    "pattern",
	    "t.yaml:7: gateway.env_allow[4]: \"A=B\" is not a variable name "
	    "pattern", NULL);
	load_bad("gateway:\n  env_allow: LANG\n",
	    "t.yaml:2: gateway.env_allow: expected a list of strings, found a "
	    "single value", NULL);
	load_bad("gateway:\n  upstream_host_keys: strict\n",
	    "t.yaml:2: gateway.upstream_host_keys: \"strict\" is not a host key "
	    "policy: use tofu (trust on first use) or pinned (only keys already in "
	    "the known_hosts file)", NULL);
	load_bad("gateway:\n  upstream_known_hosts: known_hosts\n",
	    "t.yaml:2: gateway.upstream_known_hosts: \"known_hosts\" is not an "
	    "absolute path", NULL);
}

/* Rules between keys blame the line of the key that breaks them. */
static void
test_cross_rules(void **state)
{
	(void)state;
	load_bad("defaults:\n  quota:\n    storage: 100Gi\n    home: 150Gi\n",
	    "t.yaml:4: defaults.quota.home: 150Gi is larger than "
	    "defaults.quota.storage (100Gi)", NULL);
	load_bad("defaults:\n  quota:\n    storage: 10Gi\n",
	    "t.yaml:3: defaults.quota.home: 50Gi is larger than "
	    "defaults.quota.storage (10Gi)", NULL);
	/* A refused storage is not compared with home. */
	load_bad("defaults:\n  quota:\n    storage: 10GB\n    home: 150Gi\n",
	    "t.yaml:3: defaults.quota.storage: \"10GB\" is not a quantity", NULL);
	load_bad("route:\n  transport: command\n  command: []\n",
	    "t.yaml:3: route.command: route.transport is command but no program "
	    "is given", NULL);
	load_bad("route:\n  static: {host: \"\"}\n",
	    "t.yaml:2: route.static.host: is empty but route.resolver is static",
	    NULL);
	load_bad("minio:\n  endpoint: http://nas:9000\n",
	    "t.yaml:2: minio.credentials_file: minio.endpoint is set but no "
	    "credentials file is given", NULL);
	/* A shared bucket that some account would own. */
	load_bad("minio:\n  bucket_prefix: lab-\n  shared_read: [datasets, "
	    "lab-data, lab-meduse]\n",
	    "t.yaml:3: minio.shared_read[1]: \"lab-data\" is the bucket of an "
	    "account named data (minio.bucket_prefix is \"lab-\"), who could "
	    "write to it", NULL);
	/* A refused prefix is not compared. */
	load_bad("minio:\n  bucket_prefix: Lab-\n  shared_read: [Lab-data]\n",
	    "t.yaml:2: minio.bucket_prefix: \"Lab-\" is not a bucket name prefix",
	    "t.yaml:3: minio.shared_read[0]: \"Lab-data\" is not a bucket name",
	    NULL);
}

static void
test_duplicates(void **state)
{
	(void)state;
	load_bad("state_dir: /a\nstate_dir: /b\n",
	    "t.yaml:2: state_dir: duplicate key (first given on line 1)", NULL);
	load_bad("gateway:\n  max_sessions: 2\ncoder: {}\ngateway:\n  max_sessions: 3\n",
	    "t.yaml:4: gateway: duplicate key (first given on line 1)", NULL);
	load_bad("route:\n  static: {port: 1, port: 2}\n",
	    "t.yaml:2: route.static.port: duplicate key (first given on line 2)",
	    NULL);
	/* The first value was bad: still a duplicate, with its real line. */
	load_bad("gateway:\n  max_sessions: x\n  max_sessions: 3\n",
	    "t.yaml:2: gateway.max_sessions: \"x\" is not an integer",
	    "t.yaml:3: gateway.max_sessions: duplicate key (first given on line 2)",
	    NULL);
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	load_bad("gateway:\n  listen: [a\nroute: {}\n",
	    "t.yaml:3: YAML syntax error: ", NULL);
	load_bad("a: 1\n b: 2\n", "t.yaml:2: YAML syntax error: ", NULL);
	load_bad("gateway:\n\tmax_sessions: 1\n", "t.yaml:2: YAML syntax error: ",
	    NULL);
	load_bad("gateway:\n\tmax_sessions: 1\n", "t.yaml:2: YAML syntax error: "
	    "found character that cannot start any token (while scanning for the "
	    "next token on line 2): a tab; YAML indents with spaces only", NULL);
	load_bad("state_dir: *nope\n", "t.yaml:1: YAML syntax error: ", NULL);
	load_bad("# comment\nstate_dir: \"\xff\"\n", "t.yaml:2: not valid UTF-8 "
	    "text (invalid leading UTF-8 octet at byte 22)", NULL);
	load_bad("state_dir: /a\n---\nstate_dir: /b\n",
	    "t.yaml:3: a second YAML document: meduse.yaml holds one", NULL);
	/* The first document's errors come before a later syntax error. */
	load_bad("bogus: 1\n---\n[\n",
	    "t.yaml:1: bogus: unknown key",
	    "t.yaml:4: YAML syntax error: ", NULL);
}

/* Anchors and aliases are YAML; a value reached through one is checked. */
static void
test_aliases(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok("coder: {url: &u \"https://c.example\"}\n"
	    "minio: {endpoint: *u, credentials_file: /etc/meduse/minio.cred}\n");
	assert_string_equal(c->minio.endpoint, "https://c.example");
	config_free(c);
	/* A self-referencing list is walked once, not forever. */
	load_bad("gateway: &g {listen: [\"a:1\"], host_keys: *g}\n",
	    "t.yaml:1: gateway.host_keys: expected a list of strings, found a "
	    "mapping", NULL);
	load_bad("route: &r {static: *r}\n",
	    "t.yaml:1: route.static.static: unknown key", NULL);
}

/* All errors are reported, in file order, not just the first. */
static void
test_many_errors(void **state)
{
	(void)state;
	load_bad(
	    "state_dir: relative\n"
	    "gateway:\n"
	    "  login_grace_time: 30x\n"
	    "  max_sessions: yes\n"
	    "  listen: [\"0.0.0.0:22\"]\n"
	    "  colour: blue\n"
	    "route:\n"
	    "  resolver: k8s\n"
	    "defaults:\n"
	    "  quota:\n"
	    "    memory: 32GB\n"
	    "    storage: 10Gi\n",
	    "t.yaml:1: state_dir: \"relative\" is not an absolute path",
	    "t.yaml:3: gateway.login_grace_time: \"30x\" is not a duration",
	    "t.yaml:4: gateway.max_sessions: \"yes\" is not an integer",
	    "t.yaml:6: gateway.colour: unknown key",
	    "t.yaml:8: route.resolver: \"k8s\" is not a resolver",
	    "t.yaml:11: defaults.quota.memory: \"32GB\" is not a quantity",
	    "t.yaml:12: defaults.quota.home: 50Gi is larger than "
	    "defaults.quota.storage (10Gi)",
	    NULL);
}

/* A file of garbage keys stops at a bounded number of messages. */
static void
test_too_many_errors(void **state)
{
	struct config_errors errs;
	struct config *c;
	char text[4096];
	size_t i, o = 0;

	(void)state;
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "k%zu: 1\n", i);
	assert_int_equal(load(text, &c, &errs), -1);
	assert_null(c);
	assert_int_equal(errs.n, 51);
	assert_string_equal(errs.msg[0], "t.yaml:1: k0: unknown key (meduse.yaml(5) "
	    "lists the keys)");
	assert_string_equal(errs.msg[50], "t.yaml: too many errors; fix these first");
	config_errors_free(&errs);
}

/* errs may be NULL; the destructors take NULL. */
static void
test_null_args(void **state)
{
	struct config *c = (struct config *)1;

	(void)state;
	assert_int_equal(config_load_buffer("t.yaml", "bogus: 1\n", 9, &c, NULL),
	    -1);
	assert_null(c);
	assert_int_equal(config_load_buffer("t.yaml", "", 0, &c, NULL), 0);
	config_free(c);
	config_free(NULL);
	config_errors_free(NULL);
}

static void
test_config_path(void **state)
{
	bool explicit_path = false;

	(void)state;
	unsetenv(CONFIG_ENV);
	assert_string_equal(config_path(NULL, &explicit_path), CONFIG_DEFAULT_PATH);
	assert_false(explicit_path);
	assert_string_equal(config_path("/c.yaml", &explicit_path), "/c.yaml");
	assert_true(explicit_path);

	setenv(CONFIG_ENV, "/env.yaml", 1);
	assert_string_equal(config_path(NULL, &explicit_path), "/env.yaml");
	assert_true(explicit_path);
	/* -c wins over the environment. */
	assert_string_equal(config_path("/c.yaml", &explicit_path), "/c.yaml");
	assert_true(explicit_path);

	setenv(CONFIG_ENV, "", 1);
	assert_string_equal(config_path(NULL, &explicit_path), CONFIG_DEFAULT_PATH);
	assert_false(explicit_path);
	assert_string_equal(config_path(NULL, NULL), CONFIG_DEFAULT_PATH);
	unsetenv(CONFIG_ENV);
}

/* A temp dir per test run, for config_load's file handling. */
static int
setup_dir(void **state)
{
	char *dir = strdup("/tmp/test_config.XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int
teardown_dir(void **state)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	if (system(cmd) != 0)
		return -1;
	free(*state);
	return 0;
}

static char *
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *path;
	int fd;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static void
test_load_file(void **state)
{
	const char *dir = *state;
	struct config_errors errs;
	struct config *c;
	char *path, *want;

	path = write_file(dir, "ok.yaml", "gateway:\n  max_sessions: 4\n", 0644);
	assert_int_equal(config_load(path, true, &c, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->path, path);
	assert_int_equal(c->gateway.max_sessions, 4);
	config_free(c);
	free(path);

	/* Errors name the file as it was given. */
	path = write_file(dir, "bad.yaml", "\n\ngateway:\n  max_sessions: 0\n",
	    0600);
	assert_int_equal(config_load(path, false, &c, &errs), -1);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_true(asprintf(&want, "%s:4: gateway.max_sessions: \"0\" is out of "
	    "range: use 1 to 1024", path) > 0);
	assert_string_equal(errs.msg[0], want);
	free(want);
	config_errors_free(&errs);
	free(path);
}

static void
test_load_missing(void **state)
{
	const char *dir = *state;
	struct config_errors errs;
	struct config *c;
	char *path, *want;

	assert_true(asprintf(&path, "%s/absent.yaml", dir) > 0);
	/* Named by -c or $MEDUSE_CONFIG: an error. */
	assert_int_equal(config_load(path, true, &c, &errs), -1);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_true(asprintf(&want, "%s: cannot read: No such file or directory",
	    path) > 0);
	assert_string_equal(errs.msg[0], want);
	free(want);
	config_errors_free(&errs);

	/* The default path, absent: the built-in defaults. */
	assert_int_equal(config_load(path, false, &c, &errs), 0);
	assert_int_equal(errs.n, 0);
	assert_null(c->path);
	assert_defaults(c);
	config_free(c);
	free(path);
}

/* The file steers root daemons: others must not be able to change it. */
static void
test_load_unsafe(void **state)
{
	const char *dir = *state;
	struct config_errors errs;
	struct config *c;
	char *path, *want;

	path = write_file(dir, "ww.yaml", "", 0666);
	assert_int_equal(config_load(path, false, &c, &errs), -1);
	assert_null(c);
	assert_int_equal(errs.n, 1);
	assert_true(asprintf(&want, "%s: is writable by group or others: run "
	    "chmod go-w %s", path, path) > 0);
	assert_string_equal(errs.msg[0], want);
	free(want);
	config_errors_free(&errs);
	free(path);

	/* A directory is not a configuration file, even at the default path. */
	assert_int_equal(config_load(dir, false, &c, &errs), -1);
	assert_int_equal(errs.n, 1);
	assert_true(asprintf(&want, "%s: cannot read: not a regular file",
	    dir) > 0);
	assert_string_equal(errs.msg[0], want);
	free(want);
	config_errors_free(&errs);
}

static char *
read_all(const char *path)
{
	char *buf;
	FILE *f;
	long n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *
read_doc(const char *rel)
{
	const char *top = getenv("MEDUSE_TOP");
	char path[4096];
	char *text;

	snprintf(path, sizeof(path), "%s/%s", top != NULL ? top : ".", rel);
	if ((text = read_all(path)) == NULL)
		fail_msg("%s: %s (run from the top of the tree)", path,
		    strerror(errno));
	return text;
}

/* The shipped example is accepted and spells out the defaults. */
static void
test_example_file(void **state)
{
	struct config *c;
	char *text;

	(void)state;
	text = read_doc("scripts/meduse.yaml.example");
	c = load_ok(text);
	assert_defaults(c);
	config_free(c);
	free(text);
}

/* Every key of the table is documented in the man page, the reference and
 * the example, so that a new key cannot be added silently. */
static void
test_docs_cover_keys(void **state)
{
	char *man, *md, *example, want[256];
	const char *leaf;
	size_t i;

	(void)state;
	man = read_doc("docs/reference/man/meduse.yaml.5");
	md = read_doc("docs/reference/configuration.md");
	example = read_doc("scripts/meduse.yaml.example");
	for (i = 0; i < config_keys_n; i++) {
		if (config_keys[i].type == CONFIG_T_SECTION)
			continue;
		snprintf(want, sizeof(want), ".It Ic %s ", config_keys[i].name);
		if (strstr(man, want) == NULL)
			fail_msg("meduse.yaml.5 lacks \"%s\"", want);
		snprintf(want, sizeof(want), "| `%s` |", config_keys[i].name);
		if (strstr(md, want) == NULL)
			fail_msg("configuration.md lacks \"%s\"", want);
		leaf = strrchr(config_keys[i].name, '.');
		leaf = leaf != NULL ? leaf + 1 : config_keys[i].name;
		/* At the start of a line, indented or not. */
		snprintf(want, sizeof(want), " %s:", leaf);
		if (strstr(example, want) == NULL) {
			want[0] = '\n';
			if (strstr(example, want) == NULL)
				fail_msg("meduse.yaml.example lacks \"%s:\"", leaf);
		}
	}
	free(man);
	free(md);
	free(example);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_quota_forms),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_max_startups),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_units),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_value_rules),
		cmocka_unit_test(test_cross_rules),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_null_args),
		cmocka_unit_test(test_config_path),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_unsafe),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_docs_cover_keys),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
