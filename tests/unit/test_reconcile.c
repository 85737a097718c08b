/*
 * test_reconcile.c: reconcile passes (accountd/reconcile.c) run directly on
 * a real sqlite database against the strict fake API server.  What an
 * operator relies on: a pass over unchanged accounts costs one request per
 * kind whatever their number; drift made by someone else is repaired, and
 * only it; a plan writes nothing; an API that does not answer leaves
 * everything pending after a handful of requests; objects a crash left
 * without a row are adopted; a deleted account keeps its data; a purge
 * deletes a namespace only with every PVC in it confirmed.
 *
 * The fake lives for the whole group and keeps its objects, so each test
 * uses account names of its own; each test has a fresh database.
 */
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
#include "api_fixture.h"
#include "kube.h"
#include "kubeconfig.h"
#include "log.h"

#define NKINDS		7	/* kinds listed without Volcano */
#define NOBJS		7	/* objects of an account with a gateway key */

struct rt {
	struct fixture	*f;
	struct kube_creds *creds;
	struct kube	*kube;
	struct reconcile r;
	json_t		*events;	/* ["outcome path"] of the last pass */
	long		 slept;		/* ms the client asked to wait */
	char		*kept[8];	/* freed by the teardown, also after a
					   failed assertion */
	int		 nkept;
};

static char *
keep(struct rt *t, char *s)
{
	assert_non_null(s);
	assert_true(t->nkept < 8);
	return t->kept[t->nkept++] = s;
}

/* Retries happen at once: the backoff is recorded, not waited. */
static void
nosleep(void *arg, long ms)
{
	*(long *)arg += ms;
}

static void
on_event(void *arg, const struct rc_event *ev)
{
	struct rt *t = arg;

	json_array_append_new(t->events, json_sprintf("%s %s", ev->outcome,
	    ev->path));
}

static int
rsetup(void **state)
{
	struct rt *t = calloc(1, sizeof(*t));
	char path[600], err[1024];
	void *fs = NULL;

	if (t == NULL || setup(&fs) == -1)
		return -1;
	t->f = fs;
	snprintf(path, sizeof(path), "%s/kubeconfig", tmpdir);
	if (kubeconfig_load(path, NULL, &t->creds, err, sizeof(err)) != 0 ||
	    (t->kube = kube_open(t->creds, err, sizeof(err))) == NULL) {
		print_error("%s\n", err);
		return -1;
	}
	kube_set_sleep(t->kube, nosleep, &t->slept);
	t->r.cfg = t->f->ad.cfg;
	t->r.db = t->f->ad.db;
	t->r.kube = t->kube;
	t->r.event = on_event;
	t->r.arg = t;
	t->events = json_array();
	*state = t;
	return 0;
}

static int
rteardown(void **state)
{
	struct rt *t = *state;
	void *fs = t->f;

	kube_close(t->kube);
	kube_creds_free(t->creds);
	json_decref(t->events);
	json_decref(t->r.changes);
	while (t->nkept > 0)
		free(t->kept[--t->nkept]);
	free(t);
	return teardown(&fs);
}

/* ---- the fake's control port ---- */

struct buf {
	char	*data;
	size_t	 len;
};

static size_t
buf_write(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *d;

	if ((d = realloc(b->data, b->len + size * n + 1)) == NULL)
		return 0;
	memcpy(d + b->len, p, size * n);
	b->len += size * n;
	d[b->len] = '\0';
	b->data = d;
	return size * n;
}

/* method control-path [body]: the answer's JSON (the caller's). */
static json_t *
ctl(const char *method, const char *path, const char *body)
{
	struct buf b = { NULL, 0 };
	char u[512];
	long code = 0;
	json_t *doc;
	CURL *c;

	snprintf(u, sizeof(u), "%s%s", control, path);
	assert_non_null(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(c) != CURLE_OK)
		fail_msg("control %s %s: no answer", method, path);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (code != 200)
		fail_msg("control %s %s: HTTP %ld", method, path, code);
	doc = json_loads(b.data ? b.data : "", 0, NULL);
	free(b.data);
	assert_non_null(doc);
	return doc;
}

static void
ctl_do(const char *method, const char *path, const char *body)
{
	json_decref(ctl(method, path, body));
}

/* API requests the fake served since its stats were cleared. */
static long
fake_requests(void)
{
	json_t *s = ctl("GET", "/fake/stats", NULL);
	long n = (long)json_integer_value(json_object_get(s, "requests"));

	json_decref(s);
	return n;
}

/* The fake's objects ("resource/namespace/name") in namespaces u-PREFIX*. */
static size_t
fake_count(const char *prefix)
{
	json_t *objs = ctl("GET", "/fake/objects", NULL), *v;
	const char *key;
	char needle[64];
	size_t n = 0;

	snprintf(needle, sizeof(needle), "/u-%s", prefix);
	json_object_foreach(objs, key, v)
		n += strstr(key, needle) != NULL;
	json_decref(objs);
	return n;
}

/* The fake's object at key, or NULL (the caller's). */
static json_t *
fake_obj(const char *key)
{
	json_t *objs = ctl("GET", "/fake/objects", NULL), *o;

	o = json_incref(json_object_get(objs, key));
	json_decref(objs);
	return o;
}

/* ---- database ---- */

static long
count(struct rt *t, const char *fmt, ...)
{
	char sql[1024];
	sqlite3_stmt *st;
	va_list ap;
	long n;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_prepare_v2(t->f->ad.db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static char *
text(struct rt *t, const char *sql)
{
	sqlite3_stmt *st;
	const unsigned char *s;
	char *out;

	assert_int_equal(sqlite3_prepare_v2(t->f->ad.db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	s = sqlite3_column_text(st, 0);
	out = strdup(s ? (const char *)s : "");
	sqlite3_finalize(st);
	return out;
}

/* Every column of every kobjects row, in one string. */
static char *
kobjects_dump(struct rt *t)
{
	return text(t, "SELECT group_concat(r, char(10)) FROM (SELECT "
	    "account_id || '|' || path || '|' || kind || '|' || state || '|' || "
	    "message || '|' || hash || '|' || resource_version || '|' || "
	    "ifnull(attempted_at, '') || '|' || ifnull(applied_at, '') AS r "
	    "FROM kobjects ORDER BY account_id, path)");
}

static int64_t
account_id(struct rt *t, const char *name)
{
	return count(t, "SELECT id FROM accounts WHERE name = '%s'", name);
}

/* Accounts PREFIX00 .. PREFIX(n-1), default quota, with a gateway key
 * (so that each has its Secret too), as account.add stores them. */
static void
add_accounts(struct rt *t, const char *prefix, int from, int to)
{
	struct account a;
	char pub[128];
	int i;

	assert_int_equal(db_begin(t->f->ad.db), 0);
	for (i = from; i < to; i++) {
		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "%s%02d", prefix, i);
		a.quota = t->f->ad.cfg->default_quota;
		assert_int_equal(db_account_insert(t->f->ad.db, &a), 0);
		snprintf(pub, sizeof(pub), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"
		    "IOr%02d meduse-gateway@%s", i, a.name);
		assert_int_equal(db_account_set_gateway_key(t->f->ad.db, a.id,
		    pub), 0);
	}
	assert_int_equal(db_commit(t->f->ad.db), 0);
}

/* ---- passes ---- */

/* A pass over every account; the fake's stats cleared first, and checked
 * against the client's own count of requests. */
static void
pass(struct rt *t, bool plan)
{
	ctl_do("DELETE", "/fake/stats", NULL);
	json_array_clear(t->events);
	json_decref(t->r.changes);
	t->r.changes = NULL;
	t->r.plan = plan;
	assert_int_equal(reconcile_run(&t->r, NULL), 0);
	assert_int_equal(t->r.n.dberrors, 0);
	assert_int_equal(fake_requests(), t->r.n.calls);
}

static bool
has_event(struct rt *t, const char *outcome, const char *path)
{
	char want[512];
	json_t *e;
	size_t i;

	snprintf(want, sizeof(want), "%s %s", outcome, path);
	json_array_foreach(t->events, i, e)
		if (strcmp(json_string_value(e), want) == 0)
			return true;
	return false;
}

/* Events with that outcome whose path contains sub. */
static size_t
events_with(struct rt *t, const char *outcome, const char *sub)
{
	const char *s;
	json_t *e;
	size_t i, n = 0, len = strlen(outcome);

	json_array_foreach(t->events, i, e) {
		s = json_string_value(e);
		n += strncmp(s, outcome, len) == 0 && s[len] == ' ' &&
		    strstr(s + len, sub) != NULL;
	}
	return n;
}

/* Applies obj at path as another field manager (an admin's kubectl). */
static void
apply_as_other(struct rt *t, const char *path, const char *obj)
{
	json_t *body = json_loads(obj, 0, NULL), *resp = NULL;
	char err[1024];
	long status;

	assert_non_null(body);
	if (kube_request(t->kube, "PATCH", path, "fieldManager=kubectl-edit&"
	    "force=true&fieldValidation=Strict", body,
	    "application/apply-patch+yaml", &status, &resp, err,
	    sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	json_decref(resp);
	json_decref(body);
}

/* ---- tests ---- */

static void
unchanged_costs_one_request_per_kind(struct rt *t, const char *prefix, int n)
{
	long objs = NOBJS * n;

	add_accounts(t, prefix, 0, n);
	pass(t, false);
	assert_int_equal(t->r.n.applied, objs);
	assert_int_equal(t->r.n.unchanged, 0);
	assert_int_equal(t->r.n.pending + t->r.n.failed + t->r.n.deleted, 0);
	assert_string_equal(t->r.down, "");
	/* One list per kind, one apply per object. */
	assert_int_equal(t->r.n.calls, NKINDS + objs);
	assert_int_equal(count(t, "SELECT count(*) FROM kobjects WHERE state = "
	    "'applied' AND hash != '' AND resource_version != ''"), objs);
	assert_int_equal(count(t, "SELECT count(*) FROM kobjects"), objs);
	assert_int_equal(fake_count(prefix), objs);

	pass(t, false);
	assert_int_equal(t->r.n.applied, 0);
	assert_int_equal(t->r.n.unchanged, objs);
	assert_int_equal(t->r.n.pending + t->r.n.failed + t->r.n.deleted, 0);
	assert_int_equal(t->r.n.calls, NKINDS);
}

static void
test_unchanged_1(void **state)
{
	unchanged_costs_one_request_per_kind(*state, "sa", 1);
}

static void
test_unchanged_20(void **state)
{
	unchanged_costs_one_request_per_kind(*state, "sb", 20);
}

static void
test_drift_reapplied(void **state)
{
	struct rt *t = *state;
	const char *path = "/api/v1/namespaces/u-dr01/resourcequotas/"
	    "meduse-quota";
	const char *key = "resourcequotas/u-dr01/meduse-quota";
	char *before;
	json_t *o;

	add_accounts(t, "dr", 0, 3);
	pass(t, false);
	assert_int_equal(t->r.n.applied, 3 * NOBJS);
	o = fake_obj(key);
	before = keep(t, strdup(json_string_value(json_object_get(
	    json_object_get(json_object_get(o, "spec"), "hard"),
	    "requests.cpu"))));
	json_decref(o);
	assert_string_not_equal(before, "99");

	/* Someone raises the quota by hand. */
	apply_as_other(t, path, "{\"apiVersion\": \"v1\", \"kind\": "
	    "\"ResourceQuota\", \"metadata\": {\"name\": \"meduse-quota\", "
	    "\"namespace\": \"u-dr01\"}, \"spec\": {\"hard\": {\"requests.cpu\": "
	    "\"99\"}}}");
	o = fake_obj(key);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(o, "spec"), "hard"), "requests.cpu")), "99");
	json_decref(o);

	pass(t, false);
	assert_int_equal(t->r.n.applied, 1);
	assert_true(has_event(t, "updated", path));
	assert_int_equal(t->r.n.unchanged, 3 * NOBJS - 1);
	assert_int_equal(t->r.n.pending + t->r.n.failed + t->r.n.deleted, 0);
	assert_int_equal(t->r.n.calls, NKINDS + 1);
	o = fake_obj(key);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(o, "spec"), "hard"), "requests.cpu")), before);
	json_decref(o);

	/* Repaired for good: the next pass has nothing to do. */
	pass(t, false);
	assert_int_equal(t->r.n.applied, 0);
	assert_int_equal(t->r.n.calls, NKINDS);
}

/* The fake's objects, canonical. */
static char *
fake_dump(void)
{
	json_t *o = ctl("GET", "/fake/objects", NULL);
	char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);

	json_decref(o);
	assert_non_null(s);
	return s;
}

static void
test_plan_writes_nothing(void **state)
{
	struct rt *t = *state;
	const char *path = "/api/v1/namespaces/u-pl00/resourcequotas/"
	    "meduse-quota";
	char *rows, *rows2, *objs, *objs2, line[128];
	struct account a;
	json_t *c, *l;
	size_t i, j;
	bool seen_update = false, seen_line = false;

	add_accounts(t, "pl", 0, 2);
	pass(t, false);
	assert_int_equal(t->r.n.applied, 2 * NOBJS);

	/* Twice the CPU for pl00. */
	assert_int_equal(db_account_get(t->f->ad.db, "pl00", &a), 0);
	a.quota.cpu_milli *= 2;
	assert_int_equal(db_quota_set(t->f->ad.db, a.id, &a.quota), 0);
	snprintf(line, sizeof(line), "spec.hard.requests.cpu: \"%lld\" -> "
	    "\"%lld\"", (long long)a.quota.cpu_milli / 2000,
	    (long long)a.quota.cpu_milli / 1000);
	account_clear(&a);

	rows = keep(t, kobjects_dump(t));
	objs = keep(t, fake_dump());
	pass(t, true);
	assert_int_equal(t->r.n.pending + t->r.n.failed + t->r.n.deleted, 0);
	assert_non_null(t->r.changes);
	json_array_foreach(t->r.changes, i, c) {
		/* Nothing of pl01 changed. */
		assert_null(strstr(json_string_value(json_object_get(c, "path")),
		    "u-pl01"));
		if (strcmp(json_string_value(json_object_get(c, "path")),
		    path) != 0)
			continue;
		assert_string_equal(json_string_value(json_object_get(c,
		    "action")), "update");
		seen_update = true;
		json_array_foreach(json_object_get(c, "changes"), j, l)
			seen_line |= strcmp(json_string_value(l), line) == 0;
	}
	assert_true(seen_update);
	if (!seen_line)
		fail_msg("no \"%s\" in the plan", line);
	assert_true(has_event(t, "update", path));

	/* Neither the database nor the cluster moved. */
	rows2 = keep(t, kobjects_dump(t));
	assert_string_equal(rows2, rows);
	objs2 = keep(t, fake_dump());
	assert_string_equal(objs2, objs);

	/* The plan is what a sync then does. */
	pass(t, false);
	assert_true(has_event(t, "updated", path));
	assert_int_equal(t->r.n.unchanged, 2 * NOBJS - t->r.n.applied);
}

/* A new account's plan: its objects are to be created, none failed,
 * though its namespace does not exist yet even for a dry run. */
static void
test_plan_new_account(void **state)
{
	struct rt *t = *state;
	char *rows, *rows2, *objs, *objs2;
	json_t *c;
	size_t i;

	add_accounts(t, "pn", 0, 1);
	rows = keep(t, kobjects_dump(t));
	objs = keep(t, fake_dump());
	pass(t, true);
	assert_int_equal(t->r.n.failed + t->r.n.pending, 0);
	assert_int_equal(json_array_size(t->r.changes), NOBJS);
	json_array_foreach(t->r.changes, i, c)
		assert_string_equal(json_string_value(json_object_get(c,
		    "action")), "create");
	rows2 = keep(t, kobjects_dump(t));
	assert_string_equal(rows2, rows);
	objs2 = keep(t, fake_dump());
	assert_string_equal(objs2, objs);
	assert_int_equal(fake_count("pn"), 0);
}

static void
test_api_down(void **state)
{
	struct rt *t = *state;
	int n = 10;

	add_accounts(t, "dn", 0, n);
	ctl_do("POST", "/fake/fault", "{\"mode\": \"down\"}");
	pass(t, false);
	ctl_do("DELETE", "/fake/fault", NULL);
	assert_string_not_equal(t->r.down, "");
	assert_int_equal(t->r.n.pending, NOBJS * n);
	assert_int_equal(t->r.n.applied + t->r.n.failed + t->r.n.unchanged, 0);
	/* The first request's attempts, then nothing more. */
	assert_true(t->r.n.calls >= 1);
	assert_true(t->r.n.calls <= HTTP_MAX_ATTEMPTS);
	assert_true(t->slept > 0);
	assert_int_equal(count(t, "SELECT count(*) FROM kobjects WHERE state = "
	    "'pending' AND message != ''"), NOBJS * n);
	assert_int_equal(fake_count("dn"), 0);

	/* Back up: the next pass does it all. */
	pass(t, false);
	assert_string_equal(t->r.down, "");
	assert_int_equal(t->r.n.applied, NOBJS * n);
	assert_int_equal(count(t, "SELECT count(*) FROM kobjects WHERE state = "
	    "'applied'"), NOBJS * n);
	assert_int_equal(fake_count("dn"), NOBJS * n);
}

static void
test_adopt_unrecorded(void **state)
{
	struct rt *t = *state;
	int64_t id;

	add_accounts(t, "ad", 0, 2);
	pass(t, false);
	assert_int_equal(t->r.n.applied, 2 * NOBJS);
	/* kill -9 between the applies and their rows. */
	id = account_id(t, "ad00");
	assert_int_equal(count(t, "SELECT count(*) FROM kobjects WHERE "
	    "account_id = %lld", (long long)id), NOBJS);
	assert_int_equal(sqlite3_exec(t->f->ad.db, "DELETE FROM kobjects WHERE "
	    "account_id = (SELECT id FROM accounts WHERE name = 'ad00')", NULL,
	    NULL, NULL), SQLITE_OK);

	pass(t, false);
	assert_int_equal(t->r.n.applied, NOBJS);
	assert_int_equal(t->r.n.unchanged, NOBJS);
	assert_int_equal(t->r.n.deleted + t->r.n.pending + t->r.n.failed, 0);
	assert_true(has_event(t, "updated", "/api/v1/namespaces/u-ad00"));
	assert_false(has_event(t, "created", "/api/v1/namespaces/u-ad00"));
	assert_int_equal(count(t, "SELECT count(*) FROM kobjects WHERE "
	    "account_id = %lld AND state = 'applied'", (long long)id), NOBJS);
	assert_int_equal(fake_count("ad00"), NOBJS);

	pass(t, false);
	assert_int_equal(t->r.n.unchanged, 2 * NOBJS);
	assert_int_equal(t->r.n.calls, NKINDS);
}

static void
test_deleted_keeps_data(void **state)
{
	struct rt *t = *state;
	const char *rb = "/apis/rbac.authorization.k8s.io/v1/namespaces/u-de00/"
	    "rolebindings/meduse-edit";
	const char *sec = "/api/v1/namespaces/u-de00/secrets/meduse-ssh";
	json_t *o;

	add_accounts(t, "de", 0, 2);
	pass(t, false);
	assert_int_equal(t->r.n.applied, 2 * NOBJS);
	/* accountctl del: the account is marked (db_account_mark_deleted). */
	assert_int_equal(call(t->f, &t->f->root, "{\"v\":1,\"method\":"
	    "\"account.del\",\"params\":{\"name\":\"de00\"}}", NULL), API_OK);
	assert_int_not_equal(count(t, "SELECT deleted_at FROM accounts WHERE "
	    "name = 'de00'"), 0);

	pass(t, false);
	assert_int_equal(t->r.n.deleted, 2);
	assert_true(has_event(t, "deleted", rb));
	assert_true(has_event(t, "deleted", sec));
	assert_int_equal(t->r.n.pending + t->r.n.failed, 0);
	assert_null(fake_obj("rolebindings/u-de00/meduse-edit"));
	assert_null(fake_obj("secrets/u-de00/meduse-ssh"));
	assert_int_equal(fake_count("de00"), NOBJS - 2);
	o = fake_obj("namespaces//u-de00");
	assert_non_null(json_object_get(json_object_get(json_object_get(o,
	    "metadata"), "annotations"), "meduse.io/deleted-at"));
	json_decref(o);
	o = fake_obj("persistentvolumeclaims/u-de00/home");
	assert_non_null(json_object_get(json_object_get(json_object_get(o,
	    "metadata"), "annotations"), "meduse.io/deleted-at"));
	json_decref(o);
	/* de01 untouched. */
	assert_int_equal(fake_count("de01"), NOBJS);
	assert_int_equal(count(t, "SELECT count(*) FROM kobjects WHERE "
	    "path IN ('%s', '%s')", rb, sec), 0);

	pass(t, false);
	assert_int_equal(t->r.n.deleted + t->r.n.applied, 0);
	assert_int_equal(t->r.n.unchanged, 2 * NOBJS - 2);
	assert_int_equal(t->r.n.calls, NKINDS);
}

static void
test_purge(void **state)
{
	struct rt *t = *state;
	const char *msg;
	json_t *rows;

	add_accounts(t, "pu", 0, 3);
	pass(t, false);
	assert_int_equal(t->r.n.applied, 3 * NOBJS);
	/* pu01's user made a PVC of their own since the purge was confirmed. */
	apply_as_other(t, "/api/v1/namespaces/u-pu01/persistentvolumeclaims/"
	    "scratch", "{\"apiVersion\": \"v1\", \"kind\": "
	    "\"PersistentVolumeClaim\", \"metadata\": {\"name\": \"scratch\", "
	    "\"namespace\": \"u-pu01\"}, \"spec\": {\"accessModes\": "
	    "[\"ReadWriteOnce\"], \"resources\": {\"requests\": {\"storage\": "
	    "\"1Gi\"}}}}");
	/* What account.del --purge does, for pu00 and pu01. */
	assert_int_equal(db_begin(t->f->ad.db), 0);
	assert_int_equal(db_kpurge_add(t->f->ad.db, "u-pu00", "pu00", "home",
	    false), 0);
	assert_int_equal(db_kpurge_add(t->f->ad.db, "u-pu01", "pu01", "home",
	    false), 0);
	assert_int_equal(db_account_purge(t->f->ad.db, account_id(t, "pu00")),
	    0);
	assert_int_equal(db_account_purge(t->f->ad.db, account_id(t, "pu01")),
	    0);
	assert_int_equal(db_commit(t->f->ad.db), 0);

	pass(t, false);
	assert_true(has_event(t, "deleted", "/api/v1/namespaces/u-pu00"));
	assert_true(has_event(t, "failed", "/api/v1/namespaces/u-pu01"));
	assert_int_equal(t->r.n.deleted, 1);
	assert_int_equal(t->r.n.failed, 1);
	assert_int_equal(t->r.n.unchanged, NOBJS);
	assert_int_equal(fake_count("pu00"), 0);
	assert_int_equal(fake_count("pu01"), NOBJS + 1);
	assert_int_equal(fake_count("pu02"), NOBJS);

	rows = db_kpurge_list(t->f->ad.db, NULL);
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 0), "namespace")), "u-pu01");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 0), "state")), "failed");
	msg = json_string_value(json_object_get(json_array_get(rows, 0),
	    "message"));
	if (strstr(msg, "scratch") == NULL)
		fail_msg("message does not name the PVC: %s", msg);
	/* Only the unconfirmed one is named. */
	assert_null(strstr(msg, "home"));
	json_decref(rows);

	/* The namespace that went, with its contents, is not reported as
	 * orphans; nor is the account still purging (other tests' are). */
	assert_int_equal(events_with(t, "orphan", "/u-pu"), 0);

	/* It stays refused. */
	pass(t, false);
	assert_int_equal(t->r.n.failed, 1);
	assert_int_equal(t->r.n.deleted, 0);
	assert_int_equal(fake_count("pu01"), NOBJS + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unchanged_1, rsetup,
		    rteardown),
		cmocka_unit_test_setup_teardown(test_unchanged_20, rsetup,
		    rteardown),
		cmocka_unit_test_setup_teardown(test_drift_reapplied, rsetup,
		    rteardown),
		cmocka_unit_test_setup_teardown(test_plan_writes_nothing, rsetup,
		    rteardown),
		cmocka_unit_test_setup_teardown(test_plan_new_account, rsetup,
		    rteardown),
		cmocka_unit_test_setup_teardown(test_api_down, rsetup,
		    rteardown),
		cmocka_unit_test_setup_teardown(test_adopt_unrecorded, rsetup,
		    rteardown),
		cmocka_unit_test_setup_teardown(test_deleted_keeps_data, rsetup,
		    rteardown),
		cmocka_unit_test_setup_teardown(test_purge, rsetup, rteardown),
	};

	log_init("test_reconcile", 0, LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, kube_fixture_setup,
	    kube_fixture_teardown);
}
