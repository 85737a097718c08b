/*
 * test_kubeconfig.c: kubeconfig and in-cluster credentials.  Each kubeconfig
 * text is written to a file in a temp dir, so that relative paths and the
 * file name in messages are those a user would see.  Errors must name the
 * file, the line and the context/cluster/user concerned.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kubeconfig.h"

static char	tmpdir[] = "/tmp/test_kubeconfig.XXXXXX";

/* base64 of "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" */
#define CA64	"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
#define CAPEM	"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

static const char *cluster_user =
    "clusters:\n"
    "- name: lab\n"
    "  cluster:\n"
    "    server: https://10.0.0.1:6443/\n"
    "    certificate-authority: ca.pem\n"
    "- name: other\n"
    "  cluster:\n"
    "    server: https://other.example:443\n"
    "    certificate-authority: /etc/ca.pem\n"
    "    certificate-authority-data: " CA64 "\n"
    "    insecure-skip-tls-verify: true\n"
    "    tls-server-name: kubernetes.default\n"
    "users:\n"
    "- name: admin\n"
    "  user:\n"
    "    token: abc.def\n"
    "- name: filer\n"
    "  user:\n"
    "    tokenFile: secrets/token\n"
    "    client-certificate: certs/u.crt\n"
    "    client-key-data: " CA64 "\n";

static void
write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* Writes head + the shared clusters/users as kc.yaml and loads it. */
static int
load(const char *head, const char *context, struct kube_creds **c,
    char *err, size_t errlen)
{
	char path[512], *text;
	int rc;

	assert_true(asprintf(&text, "%s%s", head, cluster_user) > 0);
	write_file("kc.yaml", text);
	free(text);
	snprintf(path, sizeof(path), "%s/kc.yaml", tmpdir);
	err[0] = '\0';
	rc = kubeconfig_load(path, context, c, err, errlen);
	if (rc == -1)
		assert_null(*c);
	return rc;
}

static void
must_fail(const char *head, const char *context, const char **want)
{
	struct kube_creds *c;
	char err[1024];

	if (load(head, context, &c, err, sizeof(err)) == 0)
		fail_msg("accepted:\n%s", head);
	for (; *want != NULL; want++)
		if (strstr(err, *want) == NULL)
			fail_msg("error \"%s\" lacks \"%s\"", err, *want);
}

static const char *contexts =
    "contexts:\n"
    "- name: main\n"
    "  context: {cluster: lab, user: admin, namespace: meduse}\n"
    "- name: alt\n"
    "  context: {cluster: other, user: filer}\n"
    "- name: nouser\n"
    "  context: {cluster: lab, user: ghost}\n"
    "- name: nocluster\n"
    "  context: {cluster: ghost, user: admin}\n"
    "- name: anon\n"
    "  context: {cluster: lab}\n";

static void
test_current_context(void **state)
{
	struct kube_creds *c;
	char err[1024], head[2048], want[512];

	(void)state;
	snprintf(head, sizeof(head), "current-context: main\n%s", contexts);
	if (load(head, NULL, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c->context, "main");
	assert_string_equal(c->cluster, "lab");
	assert_string_equal(c->user, "admin");
	assert_string_equal(c->namespace, "meduse");
	assert_string_equal(c->server, "https://10.0.0.1:6443");
	snprintf(want, sizeof(want), "%s/ca.pem", tmpdir);
	assert_string_equal(c->ca_file, want);
	assert_null(c->ca_data);
	assert_false(c->insecure);
	assert_string_equal(c->token, "abc.def");
	assert_null(c->token_file);
	assert_null(c->exec);
	assert_null(c->cert_file);
	kube_creds_free(c);
}

static void
test_explicit_context(void **state)
{
	struct kube_creds *c;
	char err[1024], head[2048], want[512];

	(void)state;
	snprintf(head, sizeof(head), "current-context: main\n%s", contexts);
	if (load(head, "alt", &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c->cluster, "other");
	/* Inline CA data wins over the file, as in kubectl. */
	assert_null(c->ca_file);
	assert_int_equal(c->ca_len, strlen(CAPEM));
	assert_memory_equal(c->ca_data, CAPEM, strlen(CAPEM));
	assert_true(c->insecure);
	assert_string_equal(c->tls_server_name, "kubernetes.default");
	snprintf(want, sizeof(want), "%s/secrets/token", tmpdir);
	assert_string_equal(c->token_file, want);
	assert_null(c->token);
	snprintf(want, sizeof(want), "%s/certs/u.crt", tmpdir);
	assert_string_equal(c->cert_file, want);
	assert_int_equal(c->key_len, strlen(CAPEM));
	kube_creds_free(c);

	/* No user: anonymous, no credentials. */
	if (load(head, "anon", &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_null(c->user);
	assert_null(c->token);
	kube_creds_free(c);
}

static void
test_missing_names(void **state)
{
	char head[2048];
	const char *nocur[] = { "kc.yaml: ", "no current-context",
	    "use-context", NULL };
	const char *noctx[] = { "kc.yaml:1: ", "context \"gone\"",
	    "not defined", NULL };
	const char *noctx2[] = { "kc.yaml: ", "context \"gone\"",
	    "not defined under \"contexts:\"", NULL };
	const char *nouser[] = { "kc.yaml:", "context \"nouser\"",
	    "user \"ghost\" is not defined under \"users:\"", NULL };
	const char *nocl[] = { "kc.yaml:", "context \"nocluster\"",
	    "cluster \"ghost\" is not defined", NULL };
	const char *nolist[] = { "kc.yaml:1: ", "no \"contexts:\" list",
	    NULL };

	(void)state;
	must_fail(contexts, NULL, nocur);
	snprintf(head, sizeof(head), "current-context: gone\n%s", contexts);
	must_fail(head, NULL, noctx);
	must_fail(contexts, "gone", noctx2);
	must_fail(contexts, "nouser", nouser);
	must_fail(contexts, "nocluster", nocl);
	must_fail("current-context: x\n", NULL, nolist);
}

static void
test_bad_fields(void **state)
{
	const char *nosrv[] = { "kc.yaml:8: ", "cluster \"c\"", "no \"server\"",
	    NULL };
	const char *b64[] = { "kc.yaml:9: ", "certificate-authority-data",
	    "not valid base64", NULL };
	const char *boolean[] = { "kc.yaml:9: ", "insecure-skip-tls-verify",
	    "true or false", NULL };
	const char *half[] = { "user \"admin\"", "needs its key", NULL };
	const char *proxy[] = { "proxy-url is not supported", NULL };
	const char *pw[] = { "user \"pw\"", "username is not supported",
	    NULL };
	const char *scheme[] = { "must start with https://", NULL };
	const char *head = "current-context: x\n"
	    "contexts:\n- name: x\n  context: {cluster: c, user: admin}\n"
	    "clusters:\n- name: c\n  cluster:\n";
	char text[2048];

	(void)state;
	/* The first "clusters:" wins in this order, so c shadows nothing. */
	snprintf(text, sizeof(text), "%s    tls-server-name: x\n", head);
	must_fail(text, NULL, nosrv);
	snprintf(text, sizeof(text), "%s    server: https://a\n"
	    "    certificate-authority-data: \"!!notbase64\"\n", head);
	must_fail(text, NULL, b64);
	snprintf(text, sizeof(text), "%s    server: https://a\n"
	    "    insecure-skip-tls-verify: yes-please\n", head);
	must_fail(text, NULL, boolean);
	snprintf(text, sizeof(text), "%s    server: https://a\n"
	    "    proxy-url: http://proxy\n", head);
	must_fail(text, NULL, proxy);
	snprintf(text, sizeof(text), "%s    server: ftp://a\n", head);
	must_fail(text, NULL, scheme);
	/* In this file, user admin comes from the shared list below: give
	 * it a different definition first. */
	must_fail("current-context: x\n"
	    "contexts:\n- name: x\n  context: {cluster: lab, user: admin}\n"
	    "users:\n- name: admin\n  user: {client-certificate: a.crt}\n"
	    "clust: 1\n", NULL, half);
	must_fail("current-context: x\n"
	    "contexts:\n- name: x\n  context: {cluster: lab, user: pw}\n"
	    "users:\n- name: pw\n  user: {username: a, password: b}\n"
	    "x: 1\n", NULL, pw);
}

static void
test_malformed_yaml(void **state)
{
	const char *tab[] = { "kc.yaml:3: ", "YAML syntax error", NULL };
	const char *top[] = { "kc.yaml:", "not a kubeconfig", NULL };
	struct kube_creds *c;
	char err[1024];

	(void)state;
	must_fail("current-context: x\ncontexts:\n\t- name: x\n", NULL, tab);
	assert_int_equal(kubeconfig_load_buffer("kc.yaml", NULL, "- a\n- b\n",
	    8, NULL, &c, err, sizeof(err)), -1);
	for (const char **w = top; *w != NULL; w++)
		if (strstr(err, *w) == NULL)
			fail_msg("error \"%s\" lacks \"%s\"", err, *w);
	assert_int_equal(kubeconfig_load("/nonexistent/kc", NULL, &c, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/kc: cannot read"));
}

static void
test_exec_fields(void **state)
{
	struct kube_creds *c;
	char err[1024], want[512];
	const char *noapi[] = { "exec: needs an \"apiVersion\"", NULL };
	const char *always[] = { "interactiveMode Always", NULL };
	const char *badenv[] = { "exec.env[0]", NULL };

	(void)state;
	if (load("current-context: e\n"
	    "contexts:\n- name: e\n  context: {cluster: lab, user: ex}\n"
	    "users:\n- name: ex\n  user:\n    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: ./bin/plugin\n"
	    "      args: [\"--a\", \"b c\"]\n"
	    "      env:\n      - {name: FOO, value: bar}\n"
	    "      - {name: EMPTY}\n"
	    "      provideClusterInfo: true\n"
	    "      interactiveMode: IfAvailable\n"
	    "x: 1\n", NULL, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_non_null(c->exec);
	snprintf(want, sizeof(want), "%s/./bin/plugin", tmpdir);
	assert_string_equal(c->exec->command, want);
	assert_string_equal(c->exec->api_version,
	    "client.authentication.k8s.io/v1");
	assert_int_equal(c->exec->nargs, 2);
	assert_string_equal(c->exec->args[1], "b c");
	assert_null(c->exec->args[2]);
	assert_int_equal(c->exec->nenv, 2);
	assert_string_equal(c->exec->env[0], "FOO=bar");
	assert_string_equal(c->exec->env[1], "EMPTY=");
	assert_true(c->exec->provide_cluster_info);
	kube_creds_free(c);

	/* A bare command name is looked up in PATH, not in the dir. */
	if (load("current-context: e\n"
	    "contexts:\n- name: e\n  context: {cluster: lab, user: ex}\n"
	    "users:\n- name: ex\n  user:\n    exec:\n"
	    "      apiVersion: client.authentication.k8s.io/v1\n"
	    "      command: aws\n", NULL, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c->exec->command, "aws");
	kube_creds_free(c);

	must_fail("current-context: e\n"
	    "contexts:\n- name: e\n  context: {cluster: lab, user: ex}\n"
	    "users:\n- name: ex\n  user:\n    exec: {command: x}\n", NULL,
	    noapi);
	must_fail("current-context: e\n"
	    "contexts:\n- name: e\n  context: {cluster: lab, user: ex}\n"
	    "users:\n- name: ex\n  user:\n    exec: {command: x, apiVersion: "
	    "v1, interactiveMode: Always}\n", NULL, always);
	must_fail("current-context: e\n"
	    "contexts:\n- name: e\n  context: {cluster: lab, user: ex}\n"
	    "users:\n- name: ex\n  user:\n    exec: {command: x, apiVersion: "
	    "v1, env: [{value: 1}]}\n", NULL, badenv);
}

static void
set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
test_token_file_rotation(void **state)
{
	struct kube_creds *c;
	char err[1024], head[2048], path[512];

	(void)state;
	mkdir(strcat(strcpy(path, tmpdir), "/secrets"), 0700);
	write_file("secrets/token", "first\n");
	snprintf(path, sizeof(path), "%s/secrets/token", tmpdir);
	set_mtime(path, 1000);
	snprintf(head, sizeof(head), "current-context: alt\n%s", contexts);
	if (load(head, NULL, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(kube_creds_refresh(c, err, sizeof(err)), 0);
	assert_string_equal(c->token, "first");
	/* Same mtime: not re-read (the content change is invisible). */
	write_file("secrets/token", "sneaky\n");
	set_mtime(path, 1000);
	assert_int_equal(kube_creds_refresh(c, err, sizeof(err)), 0);
	assert_string_equal(c->token, "first");
	write_file("secrets/token", "second\n");
	set_mtime(path, 2000);
	assert_int_equal(kube_creds_refresh(c, err, sizeof(err)), 0);
	assert_string_equal(c->token, "second");
	unlink(path);
	assert_int_equal(kube_creds_refresh(c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "secrets/token"));
	assert_non_null(strstr(err, "user \"filer\""));
	kube_creds_free(c);
}

static void
test_in_cluster(void **state)
{
	struct kube_incluster_paths p;
	struct kube_creds *c;
	char err[1024], tok[512], ca[512], ns[512];

	(void)state;
	snprintf(tok, sizeof(tok), "%s/sa-token", tmpdir);
	snprintf(ca, sizeof(ca), "%s/sa-ca.crt", tmpdir);
	snprintf(ns, sizeof(ns), "%s/sa-namespace", tmpdir);
	write_file("sa-token", "sa-one\n");
	write_file("sa-ca.crt", CAPEM);
	write_file("sa-namespace", "meduse-system\n");
	set_mtime(tok, 1000);
	p.token = tok;
	p.ca = ca;
	p.namespace = ns;

	unsetenv("KUBERNETES_SERVICE_HOST");
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(kube_creds_in_cluster(&p, &c, err, sizeof(err)), -1);
	assert_null(c);
	assert_non_null(strstr(err, "not running in a pod"));

	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	if (kube_creds_in_cluster(&p, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c->server, "https://10.96.0.1:443");
	assert_string_equal(c->ca_file, ca);
	assert_string_equal(c->token, "sa-one");
	assert_string_equal(c->namespace, "meduse-system");
	/* The kubelet rotates the token: the next request sees the new one. */
	write_file("sa-token", "sa-two\n");
	set_mtime(tok, 2000);
	assert_int_equal(kube_creds_refresh(c, err, sizeof(err)), 0);
	assert_string_equal(c->token, "sa-two");
	kube_creds_free(c);

	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
	if (kube_creds_in_cluster(&p, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c->server, "https://[fd00::1]:6443");
	kube_creds_free(c);

	setenv("KUBERNETES_SERVICE_PORT", "https", 1);
	assert_int_equal(kube_creds_in_cluster(&p, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a port number"));

	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	write_file("sa-token", "");
	assert_int_equal(kube_creds_in_cluster(&p, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sa-token: empty"));
	p.ca = "/nonexistent/ca.crt";
	assert_int_equal(kube_creds_in_cluster(&p, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/ca.crt"));
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
}

static void
test_base64(void **state)
{
	unsigned char *out;
	size_t len;

	(void)state;
	assert_int_equal(kube_base64_decode("aGk=", &out, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "hi", 2);
	free(out);
	assert_int_equal(kube_base64_decode("aG\n  k=\n", &out, &len), 0);
	assert_int_equal(len, 2);
	free(out);
	assert_int_equal(kube_base64_decode("aGVsbG8h", &out, &len), 0);
	assert_int_equal(len, 6);
	free(out);
	assert_int_equal(kube_base64_decode("aGk", &out, &len), -1);
	assert_null(out);
	assert_int_equal(kube_base64_decode("a!k=", &out, &len), -1);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_context),
		cmocka_unit_test(test_explicit_context),
		cmocka_unit_test(test_missing_names),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_malformed_yaml),
		cmocka_unit_test(test_exec_fields),
		cmocka_unit_test(test_token_file_rotation),
		cmocka_unit_test(test_in_cluster),
		cmocka_unit_test(test_base64),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
