/*
 * db_kube.c: rows of the kobjects and kpurge tables, the reconciler's
 * memory.  kobjects says, per account and object path, what was last done
 * and with what result; kpurge lists the namespaces that a purge still has
 * to delete, so that a crash between the purge and the deletion loses
 * nothing.  Writes are single statements: the caller decides on
 * transactions.
 */
#include <stdio.h>
#include <string.h>

#include "accountd.h"
#include "log.h"

static int
db_kube_done(sqlite3 *db, sqlite3_stmt *st)
{
	if (sqlite3_step(st) == SQLITE_DONE)
		return 0;
	log_error("database: %s", sqlite3_errmsg(db));
	return -1;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

/* {path: {kind, state, message, hash, resource_version, attempted, applied}} */
json_t *
db_kobj_map(sqlite3 *db, int64_t account_id)
{
	sqlite3_stmt *st = NULL;
	json_t *map = json_object(), *row;
	int r;

	if (map == NULL || db_prepare(db, "SELECT path, kind, state, message, "
	    "hash, resource_version, attempted_at, applied_at FROM kobjects "
	    "WHERE account_id = ? ORDER BY rowid", &st) == -1)
		goto fail;
	sqlite3_bind_int64(st, 1, account_id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
		    "kind", col(st, 1), "state", col(st, 2), "message", col(st, 3),
		    "hash", col(st, 4), "resource_version", col(st, 5),
		    "attempted", (json_int_t)sqlite3_column_int64(st, 6),
		    "applied", (json_int_t)sqlite3_column_int64(st, 7));
		if (row == NULL || json_object_set_new(map, col(st, 0), row) == -1)
			goto fail;
	}
	if (r != SQLITE_DONE) {
		log_error("database: %s", sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(st);
	return map;
fail:
	sqlite3_finalize(st);
	json_decref(map);
	return NULL;
}

/*
 * Records one attempt.  state "applied" also stores hash and rv and, the
 * first time, applied_at; "pending" and "failed" keep the last good hash,
 * so that the next pass tries again.
 */
int
db_kobj_record(sqlite3 *db, int64_t account_id, const char *path,
    const char *kind, const char *state, const char *message,
    const char *hash, const char *rv)
{
	sqlite3_stmt *st = NULL;
	int applied = strcmp(state, "applied") == 0, rc = -1;

	if (db_prepare(db, "INSERT INTO kobjects (account_id, path, kind, state, "
	    "message, hash, resource_version, attempted_at, applied_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?8 THEN ?6 ELSE '' END, "
	    "CASE WHEN ?8 THEN ?7 ELSE '' END, ?9, CASE WHEN ?8 THEN ?9 END) "
	    "ON CONFLICT (account_id, path) DO UPDATE SET kind = ?3, state = ?4, "
	    "message = ?5, attempted_at = ?9, "
	    "hash = CASE WHEN ?8 THEN ?6 ELSE hash END, "
	    "resource_version = CASE WHEN ?8 THEN ?7 ELSE resource_version END, "
	    "applied_at = CASE WHEN ?8 THEN coalesce(applied_at, ?9) "
	    "ELSE applied_at END", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, message ? message : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, hash ? hash : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, rv ? rv : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, applied);
	sqlite3_bind_int64(st, 9, db_now());
	rc = db_kube_done(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_kobj_forget(sqlite3 *db, int64_t account_id, const char *path)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "DELETE FROM kobjects WHERE account_id = ? AND "
	    "path = ?", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	rc = db_kube_done(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Whether the object at path was ever created: 1 yes, 0 no, -1 error. */
int
db_kobj_existed(sqlite3 *db, int64_t account_id, const char *path)
{
	sqlite3_stmt *st = NULL;
	int r, rc = -1;

	if (db_prepare(db, "SELECT 1 FROM kobjects WHERE account_id = ? AND "
	    "path = ? AND applied_at IS NOT NULL", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		rc = 1;
	else if (r == SQLITE_DONE)
		rc = 0;
	else
		log_error("database: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_kpurge_add(sqlite3 *db, const char *ns, const char *account,
    const char *pvcs, bool keep)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "INSERT INTO kpurge (namespace, account, pvcs, "
	    "requested_at, keep) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT "
	    "(namespace) DO UPDATE SET account = ?2, pvcs = ?3, "
	    "requested_at = ?4, keep = ?5, state = 'pending', message = ''",
	    &st) == -1)
		goto out;
	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pvcs, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, db_now());
	sqlite3_bind_int(st, 5, keep);
	rc = db_kube_done(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * A bucket the purge deletes rides in the pvcs column as one more word,
 * KPURGE_BUCKET_TAG + name (a PVC name holds no ':'): the row keeps
 * the schema it had, and the choice is recorded in the purge's own row.
 */
static void
db_kpurge_split(const char *text, char *pvcs, size_t pvcslen, char *bucket,
    size_t bucketlen)
{
	const char *tag;
	size_t n;

	bucket[0] = '\0';
	snprintf(pvcs, pvcslen, "%s", text);
	if ((tag = strstr(text, KPURGE_BUCKET_TAG)) == NULL ||
	    (tag != text && tag[-1] != ' '))
		return;
	n = strcspn(tag + strlen(KPURGE_BUCKET_TAG), " ");
	snprintf(bucket, bucketlen, "%.*s", (int)n, tag +
	    strlen(KPURGE_BUCKET_TAG));
	/* The PVCs: the words before the tag, without the space. */
	n = (size_t)(tag - text);
	if (n > 0)
		n--;
	if (n < pvcslen)
		pvcs[n] = '\0';
}

/* [{namespace, account, pvcs, bucket, keep, state, message, requested,
 * attempted}]; account NULL: all of them. */
json_t *
db_kpurge_list(sqlite3 *db, const char *account)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array(), *row;
	char pvcs[1024], bucket[128];
	int r;

	if (arr == NULL || db_prepare(db, "SELECT namespace, account, pvcs, "
	    "state, message, requested_at, attempted_at, keep FROM kpurge WHERE "
	    "?1 IS NULL OR account = ?1 ORDER BY requested_at", &st) == -1)
		goto fail;
	if (account != NULL)
		sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		db_kpurge_split(col(st, 2), pvcs, sizeof(pvcs), bucket,
		    sizeof(bucket));
		row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b}",
		    "namespace", col(st, 0), "account", col(st, 1),
		    "pvcs", pvcs, "bucket", bucket, "state", col(st, 3),
		    "message", col(st, 4),
		    "requested", (json_int_t)sqlite3_column_int64(st, 5),
		    "attempted", (json_int_t)sqlite3_column_int64(st, 6),
		    "keep", sqlite3_column_int(st, 7));
		if (row == NULL || json_array_append_new(arr, row) == -1)
			goto fail;
	}
	if (r != SQLITE_DONE) {
		log_error("database: %s", sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_finalize(st);
	return arr;
fail:
	sqlite3_finalize(st);
	json_decref(arr);
	return NULL;
}

/* message NULL: the namespace is gone, the row goes too. */
int
db_kpurge_result(sqlite3 *db, const char *ns, bool failed,
    const char *message)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, message == NULL ?
	    "DELETE FROM kpurge WHERE namespace = ?1" :
	    "UPDATE kpurge SET state = ?4, message = ?2, "
	    "attempted_at = ?3 WHERE namespace = ?1", &st) == -1)
		goto out;
	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	if (message != NULL) {
		sqlite3_bind_text(st, 2, message, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, db_now());
		sqlite3_bind_text(st, 4, failed ? "failed" : "pending", -1,
		    SQLITE_STATIC);
	}
	rc = db_kube_done(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}
