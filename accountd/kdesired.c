/*
 * kdesired.c: the Kubernetes objects one account should have, built from
 * the account (its quota and gateway key) and the config.  A pure function:
 * no I/O, so that reconcile, plan and the tests all see the same objects.
 * Shapes follow protocols.md sections C and D; every object is meant for
 * server-side apply at the path that comes with it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "accountd.h"
#include "units.h"

#define MANAGED_BY	"app.kubernetes.io/managed-by"
#define ACCOUNT_LABEL	"meduse.io/account"
#define QUEUE_ANNOT	"scheduling.volcano.sh/queue-name"
#define DELETED_ANNOT	"meduse.io/deleted-at"
#define NS_NAME_LABEL	"kubernetes.io/metadata.name"
#define RBAC_GROUP	"rbac.authorization.k8s.io"
#define NS_MAX		63	/* a namespace name is a DNS label */

/* Container defaults, capped by the quota so that they always fit in it. */
#define DEF_LIMIT_CPU	1000			/* millicores */
#define DEF_LIMIT_MEM	(2LL << 30)		/* 2Gi */
#define DEF_REQ_CPU	100
#define DEF_REQ_MEM	(256LL << 20)		/* 256Mi */

struct qty {
	char	cpu[32], mem[32], gpu[32], storage[32], home[32], pvcs[32];
	char	def_cpu[32], def_mem[32], req_cpu[32], req_mem[32];
};

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Standard base64 with padding, as Secret.data wants it. */
static char *
b64(const char *s)
{
	size_t len = strlen(s);
	char *out;

	if (len > INT_MAX / 2 || (out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)len);
	return out;
}

static json_t *
labels(const char *account)
{
	return json_pack("{s:s, s:s}", MANAGED_BY, "meduse", ACCOUNT_LABEL,
	    account);
}

/* apiVersion, kind and metadata; ns NULL for cluster-scoped kinds. */
static json_t *
object(const char *api, const char *kind, const char *name, const char *ns,
    const char *account)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:{s:s, s:o}}", "apiVersion", api, "kind",
	    kind, "metadata", "name", name, "labels", labels(account));
	if (o != NULL && ns != NULL && json_object_set_new(json_object_get(o,
	    "metadata"), "namespace", json_string(ns)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Sets metadata.annotations[key]; -1 when out of memory. */
static int
annotate(json_t *o, const char *key, const char *value)
{
	json_t *md = json_object_get(o, "metadata"), *an;

	if ((an = json_object_get(md, "annotations")) == NULL) {
		if (json_object_set_new(md, "annotations", json_object()) == -1)
			return -1;
		an = json_object_get(md, "annotations");
	}
	return json_object_set_new(an, key, json_string(value));
}

/*
 * Appends {path, object}; takes obj.  -1 when obj is NULL or bad is set
 * (a json_*_set_new() on the way failed: out of memory).
 */
static int
add(json_t *arr, const char *path, json_t *obj, int bad)
{
	json_t *e;

	if (obj == NULL || bad != 0) {
		json_decref(obj);
		return -1;
	}
	if ((e = json_pack("{s:s, s:o}", "path", path, "object", obj)) == NULL)
		return -1;
	return json_array_append_new(arr, e);
}

static int
add_namespace(json_t *arr, const struct config *cfg, const char *ns,
    const char *account, const char *deleted)
{
	char path[128];
	json_t *o;
	int bad = 0;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s", ns);
	if ((o = object("v1", "Namespace", ns, NULL, account)) == NULL)
		return -1;
	/* Volcano's podgroup webhook reads the queue from here. */
	if (cfg->kubernetes.volcano)
		bad |= annotate(o, QUEUE_ANNOT, ns);
	if (deleted != NULL)
		bad |= annotate(o, DELETED_ANNOT, deleted);
	return add(arr, path, o, bad);
}

static int
add_queue(json_t *arr, const char *ns, const char *account,
    const struct qty *q)
{
	char path[160];
	json_t *o;
	int bad = 0;

	snprintf(path, sizeof(path),
	    "/apis/scheduling.volcano.sh/v1beta1/queues/%s", ns);
	if ((o = object("scheduling.volcano.sh/v1beta1", "Queue", ns, NULL,
	    account)) == NULL)
		return -1;
	bad |= json_object_set_new(o, "spec",
	    json_pack("{s:i, s:{s:s, s:s, s:s}}", "weight", 1, "capability",
	    "cpu", q->cpu, "memory", q->mem, "nvidia.com/gpu", q->gpu));
	return add(arr, path, o, bad);
}

static int
add_quota(json_t *arr, const struct config *cfg, const char *ns,
    const char *account, const struct qty *q)
{
	const char *sc = cfg->kubernetes.storage_class;
	char path[160], key[320];
	json_t *o, *hard;
	int bad = 0;

	snprintf(path, sizeof(path),
	    "/api/v1/namespaces/%s/resourcequotas/meduse-quota", ns);
	hard = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "requests.cpu", q->cpu, "limits.cpu", q->cpu,
	    "requests.memory", q->mem, "limits.memory", q->mem,
	    "requests.nvidia.com/gpu", q->gpu, "requests.storage", q->storage,
	    "persistentvolumeclaims", q->pvcs);
	if (hard == NULL)
		return -1;
	if (sc[0] != '\0') {
		snprintf(key, sizeof(key),
		    "%s.storageclass.storage.k8s.io/requests.storage", sc);
		bad |= json_object_set_new(hard, key, json_string(q->storage));
		snprintf(key, sizeof(key), "%s.storageclass.storage.k8s.io/"
		    "persistentvolumeclaims", sc);
		bad |= json_object_set_new(hard, key, json_string(q->pvcs));
	}
	if (bad != 0 || (o = object("v1", "ResourceQuota", KDESIRED_QUOTA_NAME,
	    ns, account)) == NULL) {
		json_decref(hard);
		return -1;
	}
	bad |= json_object_set_new(o, "spec", json_pack("{s:o}", "hard", hard));
	return add(arr, path, o, bad);
}

/* Without defaults, a pod that declares nothing is refused by the quota. */
static int
add_limitrange(json_t *arr, const char *ns, const char *account,
    const struct qty *q)
{
	char path[160];
	json_t *o;
	int bad = 0;

	snprintf(path, sizeof(path),
	    "/api/v1/namespaces/%s/limitranges/meduse-defaults", ns);
	if ((o = object("v1", "LimitRange", "meduse-defaults", ns,
	    account)) == NULL)
		return -1;
	bad |= json_object_set_new(o, "spec", json_pack("{s:[{s:s, "
	    "s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}]}", "limits", "type",
	    "Container", "default", "cpu", q->def_cpu, "memory", q->def_mem,
	    "defaultRequest", "cpu", q->req_cpu, "memory", q->req_mem,
	    "max", "cpu", q->cpu, "memory", q->mem));
	return add(arr, path, o, bad);
}

static int
add_pvc(json_t *arr, const struct config *cfg, const char *ns,
    const char *account, const struct qty *q, const char *deleted)
{
	char path[160];
	json_t *o, *spec;
	int bad = 0;

	snprintf(path, sizeof(path),
	    "/api/v1/namespaces/%s/persistentvolumeclaims/home", ns);
	if ((o = object("v1", "PersistentVolumeClaim", "home", ns,
	    account)) == NULL)
		return -1;
	spec = json_pack("{s:[s], s:{s:{s:s}}}", "accessModes",
	    "ReadWriteOnce", "resources", "requests", "storage", q->home);
	/* Omitted, not "": "" would mean "no class" rather than the default. */
	if (spec != NULL && cfg->kubernetes.storage_class[0] != '\0')
		bad |= json_object_set_new(spec, "storageClassName",
		    json_string(cfg->kubernetes.storage_class));
	bad |= json_object_set_new(o, "spec", spec);
	if (deleted != NULL)
		bad |= annotate(o, DELETED_ANNOT, deleted);
	return add(arr, path, o, bad);
}

static int
add_rolebinding(json_t *arr, const char *ns, const char *account)
{
	char path[200];
	json_t *o;
	int bad = 0;

	snprintf(path, sizeof(path), "/apis/" RBAC_GROUP
	    "/v1/namespaces/%s/rolebindings/meduse-edit", ns);
	if ((o = object(RBAC_GROUP "/v1", "RoleBinding", "meduse-edit", ns,
	    account)) == NULL)
		return -1;
	bad |= json_object_set_new(o, "subjects",
	    json_pack("[{s:s, s:s, s:s}]", "kind", "User", "apiGroup",
	    RBAC_GROUP, "name", account));
	bad |= json_object_set_new(o, "roleRef", json_pack("{s:s, s:s, s:s}",
	    "apiGroup", RBAC_GROUP, "kind", "ClusterRole", "name", "edit"));
	return add(arr, path, o, bad);
}

static int
add_netpol(json_t *arr, const struct config *cfg, const char *ns,
    const char *account)
{
	const struct config_strings *allow =
	    &cfg->kubernetes.ingress_namespaces;
	char path[200];
	json_t *o, *from;
	size_t i;
	int bad = 0;

	snprintf(path, sizeof(path), "/apis/networking.k8s.io/v1/namespaces/"
	    "%s/networkpolicies/meduse-isolate", ns);
	/* An empty podSelector in a peer: every pod of this namespace. */
	if ((from = json_pack("[{s:{}}]", "podSelector")) == NULL)
		return -1;
	for (i = 0; i < allow->n; i++)
		if (allow->v[i][0] != '\0')
			bad |= json_array_append_new(from,
			    json_pack("{s:{s:{s:s}}}", "namespaceSelector",
			    "matchLabels", NS_NAME_LABEL, allow->v[i]));
	if (bad != 0 || (o = object("networking.k8s.io/v1", "NetworkPolicy",
	    "meduse-isolate", ns, account)) == NULL) {
		json_decref(from);
		return -1;
	}
	bad |= json_object_set_new(o, "spec",
	    json_pack("{s:{}, s:[s], s:[{s:o}]}", "podSelector", "policyTypes",
	    "Ingress", "ingress", "from", from));
	return add(arr, path, o, bad);
}

static int
add_secret(json_t *arr, const char *ns, const char *account,
    const char *pubkey)
{
	char path[160], *line = NULL, *enc = NULL;
	json_t *o;
	int rc = -1, bad = 0;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/meduse-ssh",
	    ns);
	if (asprintf(&line, "%s\n", pubkey) == -1) {
		line = NULL;
		goto out;
	}
	if ((enc = b64(line)) == NULL)
		goto out;
	if ((o = object("v1", "Secret", "meduse-ssh", ns, account)) == NULL)
		goto out;
	bad |= json_object_set_new(o, "type", json_string("Opaque"));
	bad |= json_object_set_new(o, "data", json_pack("{s:s}",
	    "authorized_keys", enc));
	rc = add(arr, path, o, bad);
out:
	free(line);
	free(enc);
	return rc;
}

static void
quantities(const struct quota *q, struct qty *out)
{
	units_format_cpu(q->cpu_milli, out->cpu, sizeof(out->cpu));
	units_format_bytes(q->memory_bytes, out->mem, sizeof(out->mem));
	snprintf(out->gpu, sizeof(out->gpu), "%lld", (long long)q->gpu);
	units_format_bytes(q->storage_bytes, out->storage,
	    sizeof(out->storage));
	units_format_bytes(q->home_bytes, out->home, sizeof(out->home));
	snprintf(out->pvcs, sizeof(out->pvcs), "%lld", (long long)q->pvcs);
	units_format_cpu(min64(DEF_LIMIT_CPU, q->cpu_milli), out->def_cpu,
	    sizeof(out->def_cpu));
	units_format_bytes(min64(DEF_LIMIT_MEM, q->memory_bytes), out->def_mem,
	    sizeof(out->def_mem));
	units_format_cpu(min64(DEF_REQ_CPU, q->cpu_milli), out->req_cpu,
	    sizeof(out->req_cpu));
	units_format_bytes(min64(DEF_REQ_MEM, q->memory_bytes), out->req_mem,
	    sizeof(out->req_mem));
}

int
kdesired_namespace(const struct config *cfg, const char *account, char *buf,
    size_t len)
{
	int n;

	n = snprintf(buf, len, "%s%s", cfg->kubernetes.namespace_prefix,
	    account);
	return n < 0 || (size_t)n >= len || n > NS_MAX ? -1 : 0;
}

int
kdesired_build(const struct config *cfg, const struct account *a,
    json_t **objects, char *err, size_t errlen)
{
	const struct quota *q = &a->quota;
	char ns[NS_MAX + 1], day[32], *deleted = NULL;
	struct qty qty;
	json_t *arr;
	int rc = -1;

	*objects = NULL;
	if (kdesired_namespace(cfg, a->name, ns, sizeof(ns)) == -1) {
		snprintf(err, errlen, "namespace \"%s%s\" is longer than %d "
		    "characters", cfg->kubernetes.namespace_prefix, a->name,
		    NS_MAX);
		return -1;
	}
	if (q->cpu_milli <= 0 || q->memory_bytes <= 0 || q->gpu < 0 ||
	    q->storage_bytes <= 0 || q->home_bytes <= 0 || q->pvcs < 1 ||
	    q->home_bytes > q->storage_bytes) {
		snprintf(err, errlen, "account %s: quota out of range (home "
		    "must fit in storage, at least one PVC)", a->name);
		return -1;
	}
	quantities(q, &qty);
	/*
	 * A deleted account keeps its data and its limits; the marks say when
	 * it went, and its user loses the RoleBinding and the gateway's key.
	 */
	if (a->deleted != 0)
		deleted = dates_iso8601(a->deleted, day, sizeof(day));
	if ((arr = json_array()) == NULL)
		goto nomem;
	/* Order: the namespace (and its queue) before what lives in it. */
	if (add_namespace(arr, cfg, ns, a->name, deleted) == -1 ||
	    (cfg->kubernetes.volcano &&
	    add_queue(arr, ns, a->name, &qty) == -1) ||
	    add_quota(arr, cfg, ns, a->name, &qty) == -1 ||
	    add_limitrange(arr, ns, a->name, &qty) == -1 ||
	    add_pvc(arr, cfg, ns, a->name, &qty, deleted) == -1 ||
	    (deleted == NULL && add_rolebinding(arr, ns, a->name) == -1) ||
	    add_netpol(arr, cfg, ns, a->name) == -1)
		goto nomem;
	/* No gateway key yet (being generated): no Secret to send. */
	if (deleted == NULL && a->gateway_pubkey != NULL &&
	    a->gateway_pubkey[0] != '\0' &&
	    add_secret(arr, ns, a->name, a->gateway_pubkey) == -1)
		goto nomem;
	*objects = arr;
	arr = NULL;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "account %s: out of memory building its "
	    "Kubernetes objects", a->name);
out:
	json_decref(arr);
	return rc;
}

json_t *
kdesired_coder_params(const struct config *cfg, const struct account *a)
{
	char ns[128], cpu[32], mem[32], gpu[32];

	if (kdesired_namespace(cfg, a->name, ns, sizeof(ns)) == -1)
		return NULL;
	units_format_cpu(a->quota.cpu_milli, cpu, sizeof(cpu));
	units_format_bytes(a->quota.memory_bytes, mem, sizeof(mem));
	snprintf(gpu, sizeof(gpu), "%lld", (long long)a->quota.gpu);
	return json_pack("[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, "
	    "{s:s, s:s}]", "name", "namespace", "value", ns, "name", "cpu",
	    "value", cpu, "name", "memory", "value", mem, "name", "gpu", "value",
	    gpu, "name", "home_pvc", "value", "home");
}

/* The DVC remote of the bucket, as `dvc remote add -d meduse s3://B` and
 * `dvc remote modify meduse endpointurl E` write it in .dvc/config. */
static char *
dvc_config(const char *bucket, const char *endpoint)
{
	char *s;

	if (asprintf(&s, "[core]\n    remote = meduse\n['remote \"meduse\"']\n"
	    "    url = s3://%s\n    endpointurl = %s\n", bucket, endpoint) == -1)
		return NULL;
	return s;
}

int
kdesired_minio_secret(const struct config *cfg, const struct account *a,
    const char *access, const char *secret, const char *bucket,
    json_t *arr, char *err, size_t errlen)
{
	const char *region = cfg->minio.region && cfg->minio.region[0] ?
	    cfg->minio.region : "us-east-1";
	const char *names[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	    "AWS_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL", "AWS_DEFAULT_REGION",
	    "dvc-config" };
	const char *vals[6];
	char ns[NS_MAX + 1], path[160], *dvc, *enc;
	json_t *o = NULL, *data;
	size_t i;
	int rc = -1, bad = 0;

	if (kdesired_namespace(cfg, a->name, ns, sizeof(ns)) == -1) {
		snprintf(err, errlen, "the namespace of %s is too long", a->name);
		return -1;
	}
	if ((dvc = dvc_config(bucket, cfg->minio.endpoint)) == NULL ||
	    (data = json_object()) == NULL)
		goto oom;
	vals[0] = access;
	vals[1] = secret;
	vals[2] = vals[3] = cfg->minio.endpoint;
	vals[4] = region;
	vals[5] = dvc;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((enc = b64(vals[i])) == NULL)
			bad = 1;
		else {
			bad |= json_object_set_new(data, names[i],
			    json_string(enc));
			explicit_bzero(enc, strlen(enc));
			free(enc);
		}
	}
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/"
	    "meduse-minio", ns);
	if ((o = object("v1", "Secret", "meduse-minio", ns, a->name)) == NULL) {
		json_decref(data);
		goto oom;
	}
	bad |= json_object_set_new(o, "type", json_string("Opaque"));
	bad |= json_object_set_new(o, "data", data);
	if (add(arr, path, o, bad) == -1)
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(dvc);
	return rc;
}
