/*
 * test_kube_tls.c: the Kubernetes client over real TLS, against the strict
 * fake API server (tests/fakes/kube_fake.py) and the kubeconfig it writes.
 * Proves what test_kube.c cannot over plain HTTP: the CA from a file or
 * from certificate-authority-data is trusted, a different CA is refused at
 * once with a TLS message, insecure-skip-tls-verify works and warns, and
 * the API's own errors and faults (401, strict-validation 400, 500, 429
 * with Retry-After) reach the caller as the API server worded them.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
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
#include <curl/curl.h>
#include <jansson.h>

#include "kube_fixture.h"
#include "kube.h"
#include "kubeconfig.h"

#define MAKECA	"tests/fakes/make-ca.sh"
#define NS	"u-tls"
#define NSPATH	"/api/v1/namespaces/" NS
#define RQPATH	NSPATH "/resourcequotas/quota"
#define MANAGED	"app.kubernetes.io/managed-by"


struct sleeps {
	long	 ms[16];
	int	 n;
};

static void
record_sleep(void *arg, long ms)
{
	struct sleeps *s = arg;

	if (s->n < 16)
		s->ms[s->n] = ms;
	s->n++;
}

/* A kubeconfig for the fake with the given cluster fields and token. */
static char *
write_kubeconfig(const char *name, const char *cluster_fields,
    const char *token)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
	    "contexts:\n- name: t\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster:\n    server: \"%s\"\n%s"
	    "users:\n- name: u\n  user: {token: \"%s\"}\n", url,
	    cluster_fields, token);
	assert_int_equal(fclose(f), 0);
	return path;
}

static struct kube *
open_kubeconfig(const char *path, struct kube_creds **c)
{
	struct kube *k;
	char err[1024];

	if (kubeconfig_load(path, NULL, c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if ((k = kube_open(*c, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return k;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* POST body to the fake's control API (plain HTTP, loopback). */
static void
fake_control(const char *path, const char *body)
{
	struct curl_slist *h;
	char u[512];
	long code = 0;
	CURL *c;

	snprintf(u, sizeof(u), "%s%s", control, path);
	assert_non_null(c = curl_easy_init());
	h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	assert_int_equal(code, 200);
}

static json_t *
quota(const char *extra_spec_key)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}, "
	    "s:{s:{s:s, s:s}}}", "apiVersion", "v1", "kind", "ResourceQuota",
	    "metadata", "name", "quota", "namespace", NS, "labels", MANAGED,
	    "meduse", "meduse.io/account", "tls", "spec", "hard",
	    "requests.cpu", "4", "requests.memory", "8Gi");
	assert_non_null(o);
	if (extra_spec_key != NULL)
		json_object_set_new(json_object_get(o, "spec"), extra_spec_key,
		    json_true());
	return o;
}

static const char *
rv_of(const json_t *obj)
{
	const char *rv;

	rv = json_string_value(json_object_get(json_object_get(obj,
	    "metadata"), "resourceVersion"));
	assert_non_null(rv);
	return rv;
}

/* Namespace and quota applied, read back, listed; re-apply is a no-op. */
static void
test_apply_get_list(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	json_t *obj, *resp, *items;
	char path[600], err[1024], *rv;
	long status;

	(void)state;
	snprintf(path, sizeof(path), "%s/kubeconfig", tmpdir);
	k = open_kubeconfig(path, &c);
	assert_non_null(c->ca_file);
	obj = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1",
	    "kind", "Namespace", "metadata", "name", NS, "labels", MANAGED,
	    "meduse");
	if (kube_apply(k, NSPATH, obj, false, &status, &resp, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 201);
	json_decref(resp);
	json_decref(obj);

	obj = quota(NULL);
	if (kube_apply(k, RQPATH, obj, false, &status, &resp, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 201);
	assert_non_null(rv = strdup(rv_of(resp)));
	json_decref(resp);

	if (kube_get(k, RQPATH, &status, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 200);
	assert_string_equal(rv_of(resp), rv);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(resp, "spec"), "hard"), "requests.memory")), "8Gi");
	json_decref(resp);

	if (kube_list(k, NSPATH "/resourcequotas", MANAGED "=meduse",
	    &status, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	items = json_object_get(resp, "items");
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(items, 0), "metadata"), "name")), "quota");
	json_decref(resp);
	if (kube_list(k, "/api/v1/resourcequotas", "meduse.io/account=bob",
	    &status, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(json_array_size(json_object_get(resp, "items")), 0);
	json_decref(resp);

	/* The same object again: nothing changes, not even resourceVersion. */
	if (kube_apply(k, RQPATH, obj, false, &status, &resp, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 200);
	assert_string_equal(rv_of(resp), rv);
	json_decref(resp);
	json_decref(obj);
	/* One connection, one request per call: no retries happened. */
	assert_int_equal(kube_requests(k), 6);
	free(rv);
	kube_close(k);
	kube_creds_free(c);
}

/* certificate-authority-data: the CA PEM, base64, inline. */
static void
test_ca_data(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	char cmd[800], b64path[600], *b64, *fields, *kc, err[1024];
	json_t *resp;
	long status;

	(void)state;
	snprintf(b64path, sizeof(b64path), "%s/ca.b64", tmpdir);
	snprintf(cmd, sizeof(cmd), "base64 -w0 '%s/certs/ca.crt' > '%s'",
	    tmpdir, b64path);
	assert_int_equal(system(cmd), 0);
	assert_non_null(b64 = slurp(b64path));
	assert_true(asprintf(&fields, "    certificate-authority-data: %s\n",
	    b64) > 0);
	kc = write_kubeconfig("kc-data", fields, TOKEN);
	k = open_kubeconfig(kc, &c);
	assert_null(c->ca_file);
	assert_non_null(c->ca_data);
	if (kube_get(k, NSPATH, &status, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 200);
	json_decref(resp);
	kube_close(k);
	kube_creds_free(c);
	free(kc);
	free(fields);
	free(b64);
}

/* Another CA: refused at the handshake, said plainly, not retried. */
static void
test_wrong_ca(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	char *fields, *kc, err[1024] = "";
	json_t *resp = NULL;
	long status = -1;

	(void)state;
	assert_true(asprintf(&fields, "    certificate-authority: "
	    "%s/other/ca.crt\n", tmpdir) > 0);
	kc = write_kubeconfig("kc-wrong-ca", fields, TOKEN);
	k = open_kubeconfig(kc, &c);
	assert_int_equal(kube_get(k, NSPATH, &status, &resp, err,
	    sizeof(err)), -1);
	assert_int_equal(status, 0);
	assert_null(resp);
	if (strstr(err, "certificate") == NULL && strstr(err, "SSL") == NULL &&
	    strstr(err, "TLS") == NULL)
		fail_msg("no TLS word in: %s", err);
	/* It names the server and the CA it was checked against. */
	assert_non_null(strstr(err, url));
	assert_non_null(strstr(err, "/other/ca.crt"));
	assert_int_equal(kube_requests(k), 1);
	kube_close(k);
	kube_creds_free(c);
	free(kc);
	free(fields);
}

/*
 * tls-server-name: the certificate is checked against that name (the
 * fake's names localhost, not kubernetes.invalid) while the connection
 * still goes to the server's address (a .invalid name never resolves).
 */
static void
test_tls_server_name(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	char *fields, *kc, err[1024];
	json_t *resp = NULL;
	long status;

	(void)state;
	assert_true(asprintf(&fields, "    certificate-authority: "
	    "%s/certs/ca.crt\n    tls-server-name: localhost\n", tmpdir) > 0);
	kc = write_kubeconfig("kc-sni", fields, TOKEN);
	k = open_kubeconfig(kc, &c);
	if (kube_get(k, NSPATH, &status, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	json_decref(resp);
	kube_close(k);
	kube_creds_free(c);
	free(kc);
	free(fields);

	assert_true(asprintf(&fields, "    certificate-authority: "
	    "%s/certs/ca.crt\n    tls-server-name: kubernetes.invalid\n",
	    tmpdir) > 0);
	kc = write_kubeconfig("kc-sni-bad", fields, TOKEN);
	k = open_kubeconfig(kc, &c);
	assert_int_equal(kube_get(k, NSPATH, &status, &resp, err,
	    sizeof(err)), -1);
	assert_int_equal(status, 0);
	if (strstr(err, "kubernetes.invalid") == NULL ||
	    strstr(err, "certificate") == NULL)
		fail_msg("not a name mismatch: %s", err);
	assert_int_equal(kube_requests(k), 1);
	kube_close(k);
	kube_creds_free(c);
	free(kc);
	free(fields);
}

/* insecure-skip-tls-verify: the wrong CA is ignored, with a warning. */
static void
test_insecure(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	char *fields, *kc, *log, logpath[600], err[1024];
	json_t *resp;
	long status;
	int fd, saved;

	(void)state;
	assert_true(asprintf(&fields, "    certificate-authority: "
	    "%s/other/ca.crt\n    insecure-skip-tls-verify: true\n",
	    tmpdir) > 0);
	kc = write_kubeconfig("kc-insecure", fields, TOKEN);
	snprintf(logpath, sizeof(logpath), "%s/stderr", tmpdir);
	assert_true((fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC,
	    0600)) != -1);
	fflush(stderr);
	assert_true((saved = dup(2)) != -1);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
	k = open_kubeconfig(kc, &c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	assert_true(c->insecure);
	assert_non_null(log = slurp(logpath));
	if (strstr(log, "insecure-skip-tls-verify") == NULL ||
	    strstr(log, "NOT authenticated") == NULL)
		fail_msg("no warning in: %s", log);
	if (kube_get(k, NSPATH, &status, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 200);
	json_decref(resp);
	free(log);
	kube_close(k);
	kube_creds_free(c);
	free(kc);
	free(fields);
}

/* A wrong token: 401 with the API's message, at once. */
static void
test_wrong_token(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	char *fields, *kc, err[1024];
	json_t *resp = NULL;
	long status;

	(void)state;
	assert_true(asprintf(&fields, "    certificate-authority: "
	    "%s/certs/ca.crt\n", tmpdir) > 0);
	kc = write_kubeconfig("kc-token", fields, "not-the-token");
	k = open_kubeconfig(kc, &c);
	assert_int_equal(kube_get(k, NSPATH, &status, &resp, err,
	    sizeof(err)), -1);
	assert_int_equal(status, 401);
	assert_non_null(resp);
	assert_string_equal(json_string_value(json_object_get(resp,
	    "reason")), "Unauthorized");
	if (strstr(err, "Unauthorized") == NULL)
		fail_msg("no API message in: %s", err);
	assert_int_equal(kube_requests(k), 1);
	json_decref(resp);
	kube_close(k);
	kube_creds_free(c);
	free(kc);
	free(fields);
}

/* Strict field validation: the fake's 400 reaches the caller verbatim. */
static void
test_unknown_field(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	char path[600], err[1024];
	json_t *obj, *resp = NULL;
	long status;

	(void)state;
	snprintf(path, sizeof(path), "%s/kubeconfig", tmpdir);
	k = open_kubeconfig(path, &c);
	obj = quota("foo");
	assert_int_equal(kube_apply(k, RQPATH, obj, false, &status, &resp,
	    err, sizeof(err)), -1);
	assert_int_equal(status, 400);
	if (strstr(err, ".spec.foo: field not declared in schema") == NULL)
		fail_msg("no API message in: %s", err);
	assert_int_equal(kube_requests(k), 1);
	json_decref(resp);
	json_decref(obj);
	kube_close(k);
	kube_creds_free(c);
}

/* 500 twice then OK; 429 with Retry-After: 2 waits at least 2 s. */
static void
test_faults(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	struct sleeps sl = { { 0 }, 0 };
	char path[600], err[1024];
	json_t *resp;
	long status;

	(void)state;
	snprintf(path, sizeof(path), "%s/kubeconfig", tmpdir);
	k = open_kubeconfig(path, &c);
	kube_set_sleep(k, record_sleep, &sl);

	fake_control("/fake/fault", "{\"mode\": \"500\", \"count\": 2}");
	if (kube_get(k, RQPATH, &status, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 200);
	json_decref(resp);
	assert_int_equal(kube_requests(k), 3);
	assert_int_equal(sl.n, 2);
	/* Backoff (200 ms, then 400 ms) plus at most a quarter of jitter. */
	assert_true(sl.ms[0] >= HTTP_BACKOFF_BASE_MS &&
	    sl.ms[0] <= HTTP_BACKOFF_BASE_MS * 5 / 4);
	assert_true(sl.ms[1] >= 2 * HTTP_BACKOFF_BASE_MS &&
	    sl.ms[1] <= 2 * HTTP_BACKOFF_BASE_MS * 5 / 4);

	sl.n = 0;
	fake_control("/fake/fault",
	    "{\"mode\": \"429\", \"count\": 1, \"retry_after\": 2}");
	if (kube_get(k, RQPATH, &status, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 200);
	json_decref(resp);
	assert_int_equal(kube_requests(k), 5);
	assert_int_equal(sl.n, 1);
	assert_true(sl.ms[0] >= 2000 && sl.ms[0] <= 2500);

	/* A 500 that does not stop: given up after HTTP_MAX_ATTEMPTS. */
	sl.n = 0;
	fake_control("/fake/fault", "{\"mode\": \"500\"}");
	assert_int_equal(kube_get(k, RQPATH, &status, &resp, err,
	    sizeof(err)), -1);
	fake_control("/fake/fault", "{\"mode\": \"none\"}");
	assert_int_equal(status, 500);
	assert_int_equal(sl.n, HTTP_MAX_ATTEMPTS - 1);
	if (strstr(err, "attempts") == NULL)
		fail_msg("no attempt count in: %s", err);
	json_decref(resp);
	kube_close(k);
	kube_creds_free(c);
}

/* The fake, and a second CA that did not sign its certificate. */
static int
setup(void **state)
{
	char cmd[700];

	if (kube_fixture_setup(state) == -1)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s '%s/other'", MAKECA, tmpdir);
	if (system(cmd) != 0) {
		kube_fixture_teardown(state);
		return -1;
	}
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_get_list),
		cmocka_unit_test(test_ca_data),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_tls_server_name),
		cmocka_unit_test(test_insecure),
		cmocka_unit_test(test_wrong_token),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, setup, kube_fixture_teardown);
}
