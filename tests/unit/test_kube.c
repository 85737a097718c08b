/*
 * test_kube.c: the Kubernetes client.  The pure parts (retry decisions,
 * URLs and queries, the API's error text), the exec credential plugin run
 * as a real program (a shell script that records its argv and
 * environment), and round trips over plain HTTP against
 * kube_fake_http.py with the sleep injected, so that the retry loop is
 * seen from the server's side: what it received and how often.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "kube.h"
#include "kubeconfig.h"

static char	tmpdir[] = "/tmp/test_kube.XXXXXX";
static pid_t	server_pid = -1;
static int	server_port;

#define API	"client.authentication.k8s.io/v1"

static void
test_retry_table(void **state)
{
	(void)state;
	/* Permanent: success, 4xx but 429, 409 left to the caller. */
	assert_int_equal(http_retry_delay(0, 200, NULL, 0), -1);
	assert_int_equal(http_retry_delay(0, 400, NULL, 0), -1);
	assert_int_equal(http_retry_delay(0, 403, "5", 0), -1);
	assert_int_equal(http_retry_delay(0, 404, NULL, 0), -1);
	assert_int_equal(http_retry_delay(0, 409, NULL, 0), -1);
	assert_int_equal(http_retry_delay(0, 422, NULL, 0), -1);
	/* Capped exponential backoff on 5xx and connection errors. */
	assert_int_equal(http_retry_delay(0, 500, NULL, 0), 200);
	assert_int_equal(http_retry_delay(1, 502, NULL, 0), 400);
	assert_int_equal(http_retry_delay(2, 503, NULL, 0), 800);
	assert_int_equal(http_retry_delay(3, 504, NULL, 0), 1600);
	assert_int_equal(http_retry_delay(0, 0, NULL, CURLE_COULDNT_CONNECT),
	    200);
	assert_int_equal(http_retry_delay(2, 0, NULL,
	    CURLE_OPERATION_TIMEDOUT), 800);
	assert_int_equal(http_retry_delay(1, 0, NULL, CURLE_RECV_ERROR), 400);
	/* Give up after HTTP_MAX_ATTEMPTS attempts in all. */
	assert_int_equal(http_retry_delay(HTTP_MAX_ATTEMPTS - 1, 503, NULL, 0),
	    -1);
	assert_int_equal(http_retry_delay(HTTP_MAX_ATTEMPTS - 1, 0, NULL,
	    CURLE_COULDNT_CONNECT), -1);
	assert_int_equal(http_retry_delay(-1, 503, NULL, 0), -1);
	/* A verification failure will not fix itself. */
	assert_int_equal(http_retry_delay(0, 0, NULL,
	    CURLE_PEER_FAILED_VERIFICATION), -1);
	assert_int_equal(http_retry_delay(0, 0, NULL, CURLE_URL_MALFORMAT),
	    -1);
	/* 429 and 5xx: Retry-After seconds win, capped. */
	assert_int_equal(http_retry_delay(0, 429, NULL, 0), 200);
	assert_int_equal(http_retry_delay(0, 429, "3", 0), 3000);
	assert_int_equal(http_retry_delay(3, 429, " 1 ", 0), 1000);
	assert_int_equal(http_retry_delay(0, 503, "0", 0), 0);
	assert_int_equal(http_retry_delay(0, 429, "100000", 0),
	    HTTP_RETRY_AFTER_MAX_MS);
	assert_int_equal(http_retry_delay(0, 429,
	    "99999999999999999999999", 0), 200);
	/* The HTTP-date form and garbage fall back to backoff. */
	assert_int_equal(http_retry_delay(1, 429,
	    "Wed, 21 Oct 2015 07:28:00 GMT", 0), 400);
	assert_int_equal(http_retry_delay(1, 503, "-5", 0), 400);
	assert_int_equal(http_retry_delay(1, 503, "5s", 0), 400);
}

static void
test_backoff_cap(void **state)
{
	int i;
	long d, prev = 0;

	(void)state;
	for (i = 0; i < HTTP_MAX_ATTEMPTS - 1; i++) {
		d = http_retry_delay(i, 503, NULL, 0);
		assert_true(d >= prev);
		assert_true(d <= HTTP_BACKOFF_MAX_MS);
		prev = d;
	}
}

static void
test_url_query(void **state)
{
	char *q = NULL, *url;

	(void)state;
	assert_int_equal(kube_query_add(&q, "fieldManager", "meduse"), 0);
	assert_int_equal(kube_query_add(&q, "labelSelector",
	    "app.kubernetes.io/managed-by=meduse,meduse.io/account in (a b)"),
	    0);
	assert_string_equal(q, "fieldManager=meduse&labelSelector="
	    "app.kubernetes.io%2Fmanaged-by%3Dmeduse%2Cmeduse.io%2Faccount"
	    "%20in%20%28a%20b%29");
	assert_int_equal(kube_build_url("https://h:6443/", "/api/v1/x", q,
	    &url), 0);
	assert_string_equal(url, "https://h:6443/api/v1/x?fieldManager=meduse"
	    "&labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmeduse%2C"
	    "meduse.io%2Faccount%20in%20%28a%20b%29");
	free(url);
	free(q);
	assert_int_equal(kube_build_url("https://h", "/api", NULL, &url), 0);
	assert_string_equal(url, "https://h/api");
	free(url);
	assert_int_equal(kube_build_url("https://h", "/api", "", &url), 0);
	assert_string_equal(url, "https://h/api");
	free(url);
	/* Paths come from code, but a stray '?' or space is a bug. */
	assert_int_equal(kube_build_url("https://h", "api", NULL, &url), -1);
	assert_null(url);
	assert_int_equal(kube_build_url("https://h", "/a?b", NULL, &url), -1);
	assert_int_equal(kube_build_url("https://h", "/a b", NULL, &url), -1);
}

static void
test_status_message(void **state)
{
	json_t *st;
	char buf[256];

	(void)state;
	st = json_pack("{s:s, s:s, s:s, s:s, s:i}", "kind", "Status",
	    "status", "Failure", "reason", "Invalid", "message",
	    "ResourceQuota.v1 \"quota\" is invalid: spec.hard.foo: Invalid "
	    "value", "code", 422);
	kube_status_message(422, st, buf, sizeof(buf));
	assert_string_equal(buf, "ResourceQuota.v1 \"quota\" is invalid: "
	    "spec.hard.foo: Invalid value (HTTP 422 Invalid)");
	json_decref(st);
	st = json_pack("{s:s}", "message", "no reason");
	kube_status_message(400, st, buf, sizeof(buf));
	assert_string_equal(buf, "no reason (HTTP 400)");
	json_decref(st);
	kube_status_message(502, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "HTTP 502 with no Status message");
	st = json_pack("[i]", 1);
	kube_status_message(500, st, buf, sizeof(buf));
	assert_string_equal(buf, "HTTP 500 with no Status message");
	json_decref(st);
}

/* --- exec credential plugin ---------------------------------------- */

static const char *plugin_sh =
    "#!/bin/sh\n"
    "d=$(dirname \"$0\")\n"
    "printf '%s\\n' \"$@\" > \"$d/args\"\n"
    "printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$d/info\"\n"
    "printf '%s' \"$FOO\" > \"$d/foo\"\n"
    "echo run >> \"$d/runs\"\n"
    "A='\"apiVersion\":\"" API "\",\"kind\":\"ExecCredential\"'\n"
    "case \"$MODE\" in\n"
    "token) echo \"{$A,\\\"status\\\":{\\\"token\\\":\\\"tok-1\\\","
    "\\\"expirationTimestamp\\\":\\\"2999-01-02T03:04:05Z\\\"}}\";;\n"
    "expired) echo \"{$A,\\\"status\\\":{\\\"token\\\":\\\"tok-2\\\","
    "\\\"expirationTimestamp\\\":\\\"2001-01-02T03:04:05.123+02:00\\\"}}\";;\n"
    "cert) echo \"{$A,\\\"status\\\":{\\\"clientCertificateData\\\":"
    "\\\"CERT\\\",\\\"clientKeyData\\\":\\\"KEY\\\"}}\";;\n"
    "halfcert) echo \"{$A,\\\"status\\\":{\\\"token\\\":\\\"t\\\","
    "\\\"clientKeyData\\\":\\\"KEY\\\"}}\";;\n"
    "empty) echo \"{$A,\\\"status\\\":{}}\";;\n"
    "wrongapi) echo '{\"apiVersion\":\"v9\",\"kind\":\"ExecCredential\","
    "\"status\":{\"token\":\"x\"}}';;\n"
    "garbage) echo 'Please log in at https://example/';;\n"
    "badtime) echo \"{$A,\\\"status\\\":{\\\"token\\\":\\\"x\\\","
    "\\\"expirationTimestamp\\\":\\\"tomorrow\\\"}}\";;\n"
    "fail) echo 'token expired, run login' >&2; exit 3;;\n"
    "esac\n";

static char *
slurp(const char *name)
{
	char path[512], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static struct kube_creds *
plugin_creds(const char *mode, const char *command, bool cluster_info)
{
	struct kube_creds *c;
	char *text, err[1024];

	assert_true(asprintf(&text, "current-context: p\n"
	    "contexts:\n- name: p\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster:\n"
	    "    server: https://10.0.0.1:6443\n"
	    "    certificate-authority-data: aGk=\n"
	    "users:\n- name: u\n  user:\n    exec:\n"
	    "      apiVersion: " API "\n"
	    "      command: %s\n"
	    "      args: [\"--cluster\", \"lab x\", \"\"]\n"
	    "      provideClusterInfo: %s\n"
	    "      env: [{name: FOO, value: bar}, {name: MODE, value: %s}]\n",
	    command, cluster_info ? "true" : "false", mode) > 0);
	if (kubeconfig_load_buffer("p.yaml", tmpdir, text, strlen(text), NULL,
	    &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	free(text);
	return c;
}

static void
plugin_fails(const char *mode, const char *command, const char *want)
{
	struct kube_creds *c = plugin_creds(mode, command, false);
	char err[1024] = "";

	if (kube_exec_credential(c, err, sizeof(err)) != -1)
		fail_msg("plugin mode %s accepted", mode);
	if (strstr(err, want) == NULL || strstr(err, "user \"u\"") == NULL ||
	    strstr(err, "p.yaml") == NULL)
		fail_msg("mode %s: error \"%s\" lacks \"%s\", the user or the "
		    "file", mode, err, want);
	assert_null(c->token);
	kube_creds_free(c);
}

static void
test_exec_plugin(void **state)
{
	struct kube_creds *c;
	char err[1024] = "", *s;

	(void)state;
	/* Our own FOO must be overridden by the kubeconfig's. */
	setenv("FOO", "from-parent", 1);
	c = plugin_creds("token", "./plugin.sh", false);
	if (kube_exec_credential(c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(c->token, "tok-1");
	assert_true(c->exec_done);
	assert_int_equal(c->exec_expiry, 32472241445LL);
	s = slurp("args");
	assert_string_equal(s, "--cluster\nlab x\n\n");
	free(s);
	s = slurp("foo");
	assert_string_equal(s, "bar");
	free(s);
	s = slurp("info");
	assert_string_equal(s, "{\"apiVersion\":\"" API "\",\"kind\":"
	    "\"ExecCredential\",\"spec\":{\"interactive\":false}}");
	free(s);
	/* Not expired: refresh does not run it again. */
	unlink(strcat(strcpy(err, tmpdir), "/runs"));
	assert_int_equal(kube_creds_refresh(c, err, sizeof(err)), 0);
	assert_int_equal(access(strcat(strcpy(err, tmpdir), "/runs"), F_OK),
	    -1);
	kube_creds_free(c);

	/* provideClusterInfo hands the plugin the cluster, CA re-encoded. */
	c = plugin_creds("expired", "./plugin.sh", true);
	assert_int_equal(kube_creds_refresh(c, err, sizeof(err)), 0);
	assert_string_equal(c->token, "tok-2");
	assert_int_equal(c->exec_expiry, 978397445LL);
	s = slurp("info");
	assert_string_equal(s, "{\"apiVersion\":\"" API "\",\"kind\":"
	    "\"ExecCredential\",\"spec\":{\"interactive\":false,\"cluster\":{"
	    "\"server\":\"https://10.0.0.1:6443\",\"insecure-skip-tls-verify\":"
	    "false,\"certificate-authority-data\":\"aGk=\"}}}");
	free(s);
	/* Expired: the next request runs the plugin again. */
	assert_int_equal(kube_creds_refresh(c, err, sizeof(err)), 0);
	s = slurp("runs");
	assert_string_equal(s, "run\nrun\n");
	free(s);
	kube_creds_free(c);

	c = plugin_creds("cert", "./plugin.sh", false);
	assert_int_equal(kube_exec_credential(c, err, sizeof(err)), 0);
	assert_null(c->token);
	assert_int_equal(c->cert_len, 4);
	assert_memory_equal(c->cert_data, "CERT", 4);
	assert_memory_equal(c->key_data, "KEY", 3);
	assert_int_equal(c->exec_expiry, 0);
	kube_creds_free(c);
	unsetenv("FOO");
}

static void
test_exec_plugin_errors(void **state)
{
	(void)state;
	plugin_fails("fail", "./plugin.sh", "failed (exit status 3)");
	plugin_fails("garbage", "./plugin.sh", "printed no valid "
	    "ExecCredential JSON");
	plugin_fails("wrongapi", "./plugin.sh", "not an ExecCredential of "
	    "apiVersion " API);
	plugin_fails("empty", "./plugin.sh", "neither a token nor");
	plugin_fails("halfcert", "./plugin.sh", "only one of");
	plugin_fails("badtime", "./plugin.sh", "is not RFC 3339");
	plugin_fails("token", "./missing-plugin", "could not be run");
	plugin_fails("token", "no-such-plugin-in-path", "could not be run");
}

/* --- round trips against kube_fake_http.py --------------------------- */

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

static int
start_server(void)
{
	char script[1024], portfile[600];
	int i, fd;
	ssize_t n;
	char buf[16] = "";

	/* Tests run from the top of the tree (make unit). */
	snprintf(script, sizeof(script), "tests/unit/kube_fake_http.py");
	if (access(script, R_OK) == -1 || access("/usr/bin/python3", X_OK) ==
	    -1)
		return -1;
	snprintf(portfile, sizeof(portfile), "%s/port", tmpdir);
	if ((server_pid = fork()) == 0) {
		execl("/usr/bin/python3", "python3", script, portfile,
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		if ((fd = open(portfile, O_RDONLY)) != -1) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				server_port = atoi(buf);
				return 0;
			}
		}
		usleep(50000);
	}
	return -1;
}

static struct kube_creds *
http_creds(int port)
{
	struct kube_creds *c;
	char *text, err[1024];

	assert_true(asprintf(&text, "current-context: h\n"
	    "contexts:\n- name: h\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster: {server: \"http://127.0.0.1:%d\"}\n"
	    "users:\n- name: u\n  user: {token: t0k}\n", port) > 0);
	if (kubeconfig_load_buffer("h.yaml", NULL, text, strlen(text), NULL,
	    &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	free(text);
	return c;
}

static void
test_http_round_trip(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	struct sleeps sl = { { 0 }, 0 };
	json_t *obj, *resp;
	char err[1024];
	long status;
	int i;

	(void)state;
	if (server_pid == -1 && start_server() == -1)
		skip();
	c = http_creds(server_port);
	assert_non_null(k = kube_open(c, err, sizeof(err)));
	kube_set_sleep(k, record_sleep, &sl);

	obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind",
	    "Namespace", "metadata", "name", "u-alice");
	if (kube_apply(k, "/api/v1/namespaces/u-alice", obj, true, &status,
	    &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(status, 200);
	assert_string_equal(json_string_value(json_object_get(resp, "method")),
	    "PATCH");
	assert_string_equal(json_string_value(json_object_get(resp, "query")),
	    "fieldManager=meduse&force=true&fieldValidation=Strict&dryRun=All");
	assert_string_equal(json_string_value(json_object_get(resp, "ctype")),
	    "application/apply-patch+yaml");
	assert_string_equal(json_string_value(json_object_get(resp, "auth")),
	    "Bearer t0k");
	assert_true(json_equal(json_object_get(resp, "body"), obj));
	json_decref(resp);
	json_decref(obj);

	assert_int_equal(kube_list(k, "/api/v1/namespaces",
	    "app.kubernetes.io/managed-by=meduse", &status, &resp, err,
	    sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(resp, "method")),
	    "GET");
	assert_string_equal(json_string_value(json_object_get(resp, "query")),
	    "labelSelector=app.kubernetes.io%2Fmanaged-by%3Dmeduse");
	assert_true(json_is_null(json_object_get(resp, "ctype")));
	json_decref(resp);
	assert_int_equal(kube_delete(k, "/api/v1/namespaces/x", false, &status,
	    &resp, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(resp, "method")),
	    "DELETE");
	json_decref(resp);
	assert_int_equal(kube_get(k, "/api/v1/namespaces/x", &status, NULL,
	    err, sizeof(err)), 0);
	assert_int_equal(sl.n, 0);
	assert_int_equal(kube_requests(k), 4);

	/* 503 twice with Retry-After: 1, then success. */
	assert_int_equal(kube_get(k, "/flaky", &status, &resp, err,
	    sizeof(err)), 0);
	assert_int_equal(json_integer_value(json_object_get(resp, "count")), 3);
	json_decref(resp);
	assert_int_equal(sl.n, 2);
	for (i = 0; i < 2; i++)
		assert_true(sl.ms[i] >= 1000 && sl.ms[i] <= 1250);
	assert_int_equal(kube_requests(k), 7);

	/* 429 for ever: five attempts, Retry-After respected, then the
	 * API's own message. */
	sl.n = 0;
	assert_int_equal(kube_get(k, "/busy", &status, &resp, err,
	    sizeof(err)), -1);
	assert_int_equal(status, 429);
	assert_string_equal(json_string_value(json_object_get(resp, "reason")),
	    "TooManyRequests");
	json_decref(resp);
	assert_int_equal(sl.n, HTTP_MAX_ATTEMPTS - 1);
	for (i = 0; i < sl.n; i++)
		assert_true(sl.ms[i] >= 2000 && sl.ms[i] <= 2500);
	assert_non_null(strstr(err, "GET /busy: slow down (HTTP 429 "
	    "TooManyRequests) (after 5 attempts)"));
	assert_int_equal(kube_requests(k), 12);

	/* 500: exponential backoff with jitter. */
	sl.n = 0;
	assert_int_equal(kube_get(k, "/broken", &status, NULL, err,
	    sizeof(err)), -1);
	assert_int_equal(status, 500);
	for (i = 0; i < sl.n; i++)
		assert_true(sl.ms[i] >= (200L << i) &&
		    sl.ms[i] <= (200L << i) * 5 / 4);
	assert_non_null(strstr(err, "etcd is sad"));

	/* 403 is permanent: one request, the API's message. */
	sl.n = 0;
	assert_int_equal(kube_get(k, "/forbidden", &status, NULL, err,
	    sizeof(err)), -1);
	assert_int_equal(status, 403);
	assert_int_equal(sl.n, 0);
	assert_string_equal(err, "GET /forbidden: namespaces \"x\" is "
	    "forbidden: user \"meduse\" cannot patch (HTTP 403 Forbidden)");
	/* 409 goes back to the caller at once. */
	assert_int_equal(kube_get(k, "/conflict", &status, NULL, err,
	    sizeof(err)), -1);
	assert_int_equal(status, 409);
	assert_int_equal(sl.n, 0);
	/* A 200 that is not JSON is an error, not an empty answer. */
	assert_int_equal(kube_get(k, "/notjson", &status, NULL, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid JSON"));
	kube_close(k);
	kube_creds_free(c);
}

/*
 * A 401 after the token file changed without its mtime moving (a copy that
 * kept the time): the client re-reads the file once and succeeds.  A token
 * that stays wrong is reported with the API's answer after one retry.
 */
static void
test_reauth_on_401(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
	char *text, err[1024], path[600];
	long status;
	FILE *f;

	(void)state;
	if (server_pid == -1 && start_server() == -1)
		skip();
	snprintf(path, sizeof(path), "%s/tok", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	fputs("first\n", f);
	fclose(f);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_true(asprintf(&text, "current-context: h\n"
	    "contexts:\n- name: h\n  context: {cluster: c, user: u}\n"
	    "clusters:\n- name: c\n  cluster: {server: \"http://127.0.0.1:%d\"}\n"
	    "users:\n- name: u\n  user: {tokenFile: tok}\n", server_port) > 0);
	if (kubeconfig_load_buffer("h.yaml", tmpdir, text, strlen(text), NULL,
	    &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	free(text);
	assert_non_null(k = kube_open(c, err, sizeof(err)));
	assert_int_equal(kube_get(k, "/auth", &status, NULL, err, sizeof(err)),
	    -1);
	assert_int_equal(status, 401);
	assert_int_equal(kube_requests(k), 2);
	assert_non_null(strstr(err, "Unauthorized (HTTP 401"));

	assert_non_null(f = fopen(path, "w"));
	fputs("second\n", f);
	fclose(f);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	if (kube_get(k, "/auth", &status, NULL, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(kube_requests(k), 4);
	assert_string_equal(c->token, "second");

	/* A token with a line break would forge headers: refused. */
	assert_non_null(f = fopen(path, "w"));
	fputs("a\r\nX-Evil: 1\n", f);
	fclose(f);
	ts[0].tv_sec = ts[1].tv_sec = 3000;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(kube_get(k, "/auth", &status, NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "contains a line break"));
	assert_int_equal(kube_requests(k), 4);
	kube_close(k);
	kube_creds_free(c);
}

static void
test_connection_refused(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	struct sleeps sl = { { 0 }, 0 };
	char err[1024];
	long status = 99;
	json_t *resp = (json_t *)1;
	int i;

	(void)state;
	/* Port 1 on loopback: nothing listens there. */
	c = http_creds(1);
	assert_non_null(k = kube_open(c, err, sizeof(err)));
	kube_set_sleep(k, record_sleep, &sl);
	assert_int_equal(kube_get(k, "/api", &status, &resp, err,
	    sizeof(err)), -1);
	assert_int_equal(status, 0);
	assert_null(resp);
	assert_int_equal(sl.n, HTTP_MAX_ATTEMPTS - 1);
	for (i = 0; i < sl.n; i++)
		assert_true(sl.ms[i] >= (200L << i) &&
		    sl.ms[i] <= (200L << i) * 5 / 4);
	assert_int_equal(kube_requests(k), HTTP_MAX_ATTEMPTS);
	assert_non_null(strstr(err, "http://127.0.0.1:1"));
	assert_non_null(strstr(err, "after 5 attempts"));
	kube_close(k);
	kube_creds_free(c);
}

/*
 * tls-server-name: the URL carries the name to verify and CONNECT_TO the
 * real address.  Over plain HTTP only the routing shows: the name does not
 * resolve, so the request arrives only if the mapping works.
 */
static void
test_tls_server_name(void **state)
{
	struct kube_creds *c;
	struct kube *k;
	char *text, err[1024];
	long status;
	json_t *resp;

	(void)state;
	if (server_pid == -1 && start_server() == -1)
		skip();
	assert_true(asprintf(&text, "current-context: h\n"
	    "contexts:\n- name: h\n  context: {cluster: c}\n"
	    "clusters:\n- name: c\n  cluster: {server: \"http://127.0.0.1:%d/\", "
	    "tls-server-name: kubernetes.invalid}\n", server_port) > 0);
	if (kubeconfig_load_buffer("t.yaml", NULL, text, strlen(text), NULL,
	    &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	free(text);
	assert_non_null(k = kube_open(c, err, sizeof(err)));
	if (kube_get(k, "/api/v1/namespaces", &status, &resp, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(json_string_value(json_object_get(resp, "path")),
	    "/api/v1/namespaces");
	assert_true(json_is_null(json_object_get(resp, "auth")));
	json_decref(resp);
	kube_close(k);
	kube_creds_free(c);
}

static int
setup(void **state)
{
	char path[600];
	FILE *f;

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/plugin.sh", tmpdir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(plugin_sh, f);
	fclose(f);
	return chmod(path, 0700);
}

static int
teardown(void **state)
{
	char cmd[600];

	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_table),
		cmocka_unit_test(test_backoff_cap),
		cmocka_unit_test(test_url_query),
		cmocka_unit_test(test_status_message),
		cmocka_unit_test(test_exec_plugin),
		cmocka_unit_test(test_exec_plugin_errors),
		cmocka_unit_test(test_http_round_trip),
		cmocka_unit_test(test_reauth_on_401),
		cmocka_unit_test(test_connection_refused),
		cmocka_unit_test(test_tls_server_name),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
