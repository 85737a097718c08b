/*
 * test_kdesired.c: the Kubernetes objects built for one account.  First
 * their shape (labels, names, quantities, Volcano and storage class on and
 * off); then the strongest check: every object is server-side applied to
 * the strict fake API server (tests/fakes/kube_fake.py), which validates it
 * against the official client's models, and applying again changes no
 * resourceVersion; a dry run of a changed quota persists nothing.
 */
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
#include "accountd.h"
#include "kube.h"
#include "kubeconfig.h"

#define GIB	(1LL << 30)
#define PUBKEY	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOr9 meduse-gateway:alice"


static struct config *
load(const char *yaml)
{
	struct config *cfg = NULL;

	if (config_load_buffer("t.yaml", yaml, strlen(yaml), &cfg, NULL) != 0)
		fail_msg("config did not load: %s", yaml);
	return cfg;
}

static void
account_init(struct account *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->quota.cpu_milli = 8000;
	a->quota.memory_bytes = 32 * GIB;
	a->quota.gpu = 1;
	a->quota.storage_bytes = 200 * GIB;
	a->quota.home_bytes = 50 * GIB;
	a->quota.pvcs = 5;
	a->gateway_pubkey = (char *)PUBKEY;
}

static json_t *
build(const struct config *cfg, const struct account *a)
{
	json_t *objs;
	char err[256];

	if (kdesired_build(cfg, a, &objs, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return objs;
}

/* The object of that kind, checking it carries both labels. */
static json_t *
find(json_t *objs, const char *kind, const char *account)
{
	json_t *e, *o, *l;
	size_t i;

	json_array_foreach(objs, i, e) {
		o = json_object_get(e, "object");
		if (strcmp(json_string_value(json_object_get(o, "kind")),
		    kind) != 0)
			continue;
		l = json_object_get(json_object_get(o, "metadata"), "labels");
		assert_string_equal(json_string_value(json_object_get(l,
		    "app.kubernetes.io/managed-by")), "meduse");
		assert_string_equal(json_string_value(json_object_get(l,
		    "meduse.io/account")), account);
		return o;
	}
	return NULL;
}

static const char *
str_at(json_t *o, const char *p1, const char *p2, const char *p3)
{
	json_t *v = json_object_get(o, p1);

	if (p2 != NULL)
		v = json_object_get(v, p2);
	if (p3 != NULL)
		v = json_object_get(v, p3);
	return json_string_value(v);
}

static void
test_shape_plain(void **state)
{
	struct config *cfg = load("kubernetes: {namespace_prefix: u-}\n");
	struct account a;
	json_t *objs, *o, *hard, *e;
	size_t i;

	(void)state;
	account_init(&a, "alice");
	objs = build(cfg, &a);
	/* Namespace, quota, limits, PVC, binding, policy, secret; no queue. */
	assert_int_equal(json_array_size(objs), 7);
	e = json_array_get(objs, 0);
	assert_string_equal(str_at(e, "path", NULL, NULL),
	    "/api/v1/namespaces/u-alice");
	assert_string_equal(str_at(e, "object", "kind", NULL), "Namespace");
	assert_null(json_object_get(json_object_get(json_object_get(e,
	    "object"), "metadata"), "annotations"));
	assert_null(find(objs, "Queue", "alice"));
	json_array_foreach(objs, i, e)
		if (i > 0)
			assert_string_equal(str_at(e, "object", "metadata",
			    "namespace"), "u-alice");

	o = find(objs, "ResourceQuota", "alice");
	assert_non_null(o);
	hard = json_object_get(json_object_get(o, "spec"), "hard");
	assert_int_equal(json_object_size(hard), 7);
	assert_string_equal(str_at(hard, "requests.cpu", NULL, NULL), "8");
	assert_string_equal(str_at(hard, "limits.cpu", NULL, NULL), "8");
	assert_string_equal(str_at(hard, "requests.memory", NULL, NULL),
	    "32Gi");
	assert_string_equal(str_at(hard, "limits.memory", NULL, NULL), "32Gi");
	assert_string_equal(str_at(hard, "requests.nvidia.com/gpu", NULL,
	    NULL), "1");
	assert_string_equal(str_at(hard, "requests.storage", NULL, NULL),
	    "200Gi");
	assert_string_equal(str_at(hard, "persistentvolumeclaims", NULL, NULL),
	    "5");

	o = find(objs, "PersistentVolumeClaim", "alice");
	assert_string_equal(str_at(o, "metadata", "name", NULL), "home");
	assert_null(json_object_get(json_object_get(o, "spec"),
	    "storageClassName"));
	assert_string_equal(str_at(json_object_get(json_object_get(o, "spec"),
	    "resources"), "requests", "storage", NULL), "50Gi");

	o = find(objs, "RoleBinding", "alice");
	e = json_array_get(json_object_get(o, "subjects"), 0);
	assert_string_equal(str_at(e, "kind", NULL, NULL), "User");
	assert_string_equal(str_at(e, "name", NULL, NULL), "alice");
	assert_string_equal(str_at(o, "roleRef", "name", NULL), "edit");

	/* No namespace configured: only the account's own pods may connect. */
	o = find(objs, "NetworkPolicy", "alice");
	e = json_object_get(json_array_get(json_object_get(json_object_get(o,
	    "spec"), "ingress"), 0), "from");
	assert_int_equal(json_array_size(e), 1);

	o = find(objs, "Secret", "alice");
	assert_string_equal(str_at(o, "metadata", "name", NULL), "meduse-ssh");
	/* base64 of PUBKEY "\n" */
	assert_string_equal(str_at(o, "data", "authorized_keys", NULL),
	    "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSU9yOSBtZWR1c2Ut"
	    "Z2F0ZXdheTphbGljZQo=");

	o = find(objs, "LimitRange", "alice");
	e = json_array_get(json_object_get(json_object_get(o, "spec"),
	    "limits"), 0);
	assert_string_equal(str_at(e, "default", "cpu", NULL), "1");
	assert_string_equal(str_at(e, "defaultRequest", "memory", NULL),
	    "256Mi");
	json_decref(objs);

	/* A tiny quota caps the defaults, and a key-less account has no
	 * Secret yet. */
	a.quota.cpu_milli = 500;
	a.quota.memory_bytes = 1536LL << 20;
	a.gateway_pubkey = (char *)"";
	objs = build(cfg, &a);
	assert_int_equal(json_array_size(objs), 6);
	assert_null(find(objs, "Secret", "alice"));
	e = json_array_get(json_object_get(json_object_get(find(objs,
	    "LimitRange", "alice"), "spec"), "limits"), 0);
	assert_string_equal(str_at(e, "default", "cpu", NULL), "500m");
	assert_string_equal(str_at(e, "max", "memory", NULL), "1536Mi");
	json_decref(objs);
	config_free(cfg);
}

static void
test_shape_volcano_class(void **state)
{
	struct config *cfg = load("kubernetes:\n  namespace_prefix: lab-\n"
	    "  volcano: true\n  storage_class: fast\n"
	    "  ingress_namespaces: [meduse, coder]\n");
	struct account a;
	json_t *objs, *o, *e, *hard, *from;

	(void)state;
	account_init(&a, "bob");
	objs = build(cfg, &a);
	assert_int_equal(json_array_size(objs), 8);
	o = json_object_get(json_array_get(objs, 0), "object");
	assert_string_equal(str_at(o, "kind", NULL, NULL), "Namespace");
	assert_string_equal(str_at(o, "metadata", "annotations",
	    "scheduling.volcano.sh/queue-name"), "lab-bob");
	e = json_array_get(objs, 1);
	assert_string_equal(str_at(e, "path", NULL, NULL),
	    "/apis/scheduling.volcano.sh/v1beta1/queues/lab-bob");
	o = find(objs, "Queue", "bob");
	assert_null(json_object_get(json_object_get(o, "metadata"),
	    "namespace"));
	assert_string_equal(str_at(o, "spec", "capability", "cpu"), "8");
	assert_string_equal(str_at(o, "spec", "capability", "memory"), "32Gi");
	assert_string_equal(str_at(o, "spec", "capability", "nvidia.com/gpu"),
	    "1");

	hard = json_object_get(json_object_get(find(objs, "ResourceQuota",
	    "bob"), "spec"), "hard");
	assert_int_equal(json_object_size(hard), 9);
	assert_string_equal(str_at(hard,
	    "fast.storageclass.storage.k8s.io/requests.storage", NULL, NULL),
	    "200Gi");
	o = find(objs, "PersistentVolumeClaim", "bob");
	assert_string_equal(str_at(o, "spec", "storageClassName", NULL),
	    "fast");

	from = json_object_get(json_array_get(json_object_get(json_object_get(
	    find(objs, "NetworkPolicy", "bob"), "spec"), "ingress"), 0),
	    "from");
	assert_int_equal(json_array_size(from), 3);
	assert_string_equal(str_at(json_array_get(from, 2), "namespaceSelector",
	    "matchLabels", "kubernetes.io/metadata.name"), "coder");
	json_decref(objs);
	config_free(cfg);
}

static void
test_refused(void **state)
{
	struct config *cfg = load("kubernetes: {namespace_prefix: "
	    "abcdefghijklmnopqrstuvwxyz0123-}\n");
	struct account a;
	json_t *objs = (json_t *)1;
	char err[256];

	(void)state;
	/* The longest prefix and name still make a valid namespace. */
	account_init(&a, "abcdefghijklmnopqrstuvwxyz012345");
	objs = build(cfg, &a);
	assert_int_equal(strlen(str_at(json_array_get(objs, 0), "object",
	    "metadata", "name")), 63);
	json_decref(objs);
	account_init(&a, "carol");
	a.quota.home_bytes = a.quota.storage_bytes + 1;
	assert_int_equal(kdesired_build(cfg, &a, &objs, err, sizeof(err)), -1);
	assert_null(objs);
	assert_non_null(strstr(err, "carol"));
	config_free(cfg);
}

/* ---- against the strict fake ---- */

static struct kube *
open_fake(struct kube_creds **c)
{
	char path[600], err[1024];
	struct kube *k;

	snprintf(path, sizeof(path), "%s/kubeconfig", tmpdir);
	if (kubeconfig_load(path, NULL, c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if ((k = kube_open(*c, err, sizeof(err))) == NULL)
		fail_msg("%s", err);
	return k;
}

static char *
rv_of(json_t *resp)
{
	const char *rv = str_at(resp, "metadata", "resourceVersion", NULL);

	assert_non_null(rv);
	return strdup(rv);
}

/* Applies every object; rvs[i] gets each resourceVersion when non-NULL. */
static void
apply_all(struct kube *k, json_t *objs, long want, char **rvs)
{
	json_t *e, *resp;
	char err[1024];
	long status;
	size_t i;

	json_array_foreach(objs, i, e) {
		resp = NULL;
		if (kube_apply(k, str_at(e, "path", NULL, NULL),
		    json_object_get(e, "object"), false, &status, &resp, err,
		    sizeof(err)) != 0)
			fail_msg("%s: %s", str_at(e, "path", NULL, NULL), err);
		if (want != 0 && status != want)
			fail_msg("%s: HTTP %ld, not %ld", str_at(e, "path",
			    NULL, NULL), status, want);
		if (rvs[i] == NULL)
			rvs[i] = rv_of(resp);
		else if (strcmp(rvs[i], str_at(resp, "metadata",
		    "resourceVersion", NULL)) != 0)
			fail_msg("%s changed on re-apply", str_at(e, "path",
			    NULL, NULL));
		json_decref(resp);
	}
}

static void
apply_config(const char *yaml, const char *name)
{
	struct config *cfg = load(yaml);
	struct kube_creds *c;
	struct kube *k;
	struct account a;
	json_t *objs, *rq = NULL, *resp;
	char *rvs[16] = { NULL }, err[1024];
	long status;
	size_t i, n;

	account_init(&a, name);
	objs = build(cfg, &a);
	n = json_array_size(objs);
	assert_true(n <= 16);
	k = open_fake(&c);
	apply_all(k, objs, 201, rvs);
	/* Same objects again: accepted, nothing changes. */
	apply_all(k, objs, 200, rvs);

	/* A dry run of a bigger quota is accepted and persists nothing. */
	json_decref(objs);
	a.quota.cpu_milli = 16000;
	objs = build(cfg, &a);
	for (i = 0; i < n; i++) {
		rq = json_array_get(objs, i);
		if (strcmp(str_at(rq, "object", "kind", NULL),
		    "ResourceQuota") == 0)
			break;
	}
	assert_true(i < n);
	if (kube_apply(k, str_at(rq, "path", NULL, NULL), json_object_get(rq,
	    "object"), true, &status, &resp, err, sizeof(err)) != 0)
		fail_msg("dry run: %s", err);
	assert_string_equal(str_at(resp, "spec", "hard", "requests.cpu"), "16");
	json_decref(resp);
	if (kube_get(k, str_at(rq, "path", NULL, NULL), &status, &resp, err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(str_at(resp, "spec", "hard", "requests.cpu"), "8");
	assert_string_equal(str_at(resp, "metadata", "resourceVersion", NULL),
	    rvs[i]);
	json_decref(resp);

	for (i = 0; i < n; i++)
		free(rvs[i]);
	json_decref(objs);
	kube_close(k);
	kube_creds_free(c);
	config_free(cfg);
}

static void
test_apply_plain(void **state)
{
	(void)state;
	apply_config("kubernetes: {namespace_prefix: u-}\n", "alice");
}

static void
test_apply_volcano_class(void **state)
{
	(void)state;
	apply_config("kubernetes:\n  volcano: true\n  storage_class: fast\n"
	    "  ingress_namespaces: [meduse, coder]\n", "bob");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_plain),
		cmocka_unit_test(test_shape_volcano_class),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_apply_plain),
		cmocka_unit_test(test_apply_volcano_class),
	};

	return cmocka_run_group_tests(tests, kube_fixture_setup,
	    kube_fixture_teardown);
}
