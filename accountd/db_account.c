/*
 * db_account.c: rows of the accounts, quotas and workspaces tables.
 * Callers hold the transaction; these functions only read and write rows.
 */
#include <stdlib.h>
#include <string.h>

#include "accountd.h"
#include "log.h"
#include "xmalloc.h"

#define ACCOUNT_COLUMNS							\
	"a.id, a.name, a.display_name, a.email, a.state, a.expires,"	\
	" a.created_at, a.updated_at, a.deleted_at, q.cpu_milli,"	\
	" q.memory_bytes, q.gpu, q.storage_bytes, q.home_bytes, q.pvcs,"	\
	" a.gateway_pubkey"						\
	" FROM accounts a JOIN quotas q ON q.account_id = a.id"

static int
db_step_done(sqlite3 *db, sqlite3_stmt *st)
{
	int r = sqlite3_step(st);

	if (r == SQLITE_DONE)
		return 0;
	if (r == SQLITE_CONSTRAINT)
		return DB_EXISTS;
	log_error("database: %s", sqlite3_errmsg(db));
	return -1;
}

static void
db_account_from_row(sqlite3_stmt *st, struct account *a)
{
	const char *s;

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	snprintf(a->name, sizeof(a->name), "%s", sqlite3_column_text(st, 1));
	a->display_name = xstrdup((const char *)sqlite3_column_text(st, 2));
	a->email = xstrdup((const char *)sqlite3_column_text(st, 3));
	a->locked = strcmp((const char *)sqlite3_column_text(st, 4), "locked") == 0;
	s = (const char *)sqlite3_column_text(st, 5);
	snprintf(a->expires, sizeof(a->expires), "%s", s ? s : "");
	a->created = sqlite3_column_int64(st, 6);
	a->updated = sqlite3_column_int64(st, 7);
	a->deleted = sqlite3_column_int64(st, 8);
	a->quota.cpu_milli = sqlite3_column_int64(st, 9);
	a->quota.memory_bytes = sqlite3_column_int64(st, 10);
	a->quota.gpu = sqlite3_column_int64(st, 11);
	a->quota.storage_bytes = sqlite3_column_int64(st, 12);
	a->quota.home_bytes = sqlite3_column_int64(st, 13);
	a->quota.pvcs = sqlite3_column_int64(st, 14);
	a->gateway_pubkey = xstrdup((const char *)sqlite3_column_text(st, 15));
}

int
db_account_insert(sqlite3 *db, struct account *a)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	a->created = a->updated = db_now();
	if (db_prepare(db, "INSERT INTO accounts (name, display_name, email, "
	    "state, expires, created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
	    &st) == -1)
		goto out;
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->display_name ? a->display_name : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->email ? a->email : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->locked ? "locked" : "active", -1, SQLITE_STATIC);
	if (a->expires[0])
		sqlite3_bind_text(st, 5, a->expires, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, a->created);
	sqlite3_bind_int64(st, 7, a->updated);
	if ((rc = db_step_done(db, st)) != 0)
		goto out;
	a->id = sqlite3_last_insert_rowid(db);
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(db, "INSERT INTO quotas (account_id, cpu_milli, "
	    "memory_bytes, gpu, storage_bytes, home_bytes, pvcs) VALUES "
	    "(?,0,0,0,0,0,0)", &st) == -1) {
		rc = -1;
		goto out;
	}
	sqlite3_bind_int64(st, 1, a->id);
	if ((rc = db_step_done(db, st)) != 0)
		goto out;
	rc = db_quota_set(db, a->id, &a->quota);
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_account_get(sqlite3 *db, const char *name, struct account *a)
{
	sqlite3_stmt *st = NULL;
	int r, rc = -1;

	memset(a, 0, sizeof(*a));
	if (db_prepare(db, "SELECT " ACCOUNT_COLUMNS " WHERE a.name = ?", &st) == -1)
		goto out;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		db_account_from_row(st, a);
		rc = 0;
	} else if (r == SQLITE_DONE)
		rc = DB_NOTFOUND;
	else
		log_error("database: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_account_list(sqlite3 *db, struct account **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct account *v = NULL;
	size_t cap = 0, len = 0;
	int r, rc = -1;

	*out = NULL;
	*n = 0;
	if (db_prepare(db, "SELECT " ACCOUNT_COLUMNS " ORDER BY a.name", &st) == -1)
		goto out;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		db_account_from_row(st, &v[len++]);
	}
	if (r != SQLITE_DONE) {
		log_error("database: %s", sqlite3_errmsg(db));
		account_free_array(v, len);
		goto out;
	}
	*out = v;
	*n = len;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * Runs one UPDATE or DELETE of an account: ?1 is its id, ?2 the time now and
 * ?3 the optional text (NULL when text is NULL).  DB_NOTFOUND when no row
 * matched.
 */
static int
db_account_exec(sqlite3 *db, const char *sql, int64_t id, const char *text)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, sql, &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, db_now());
	if (text && sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
	if ((rc = db_step_done(db, st)) == 0 && sqlite3_changes(db) == 0)
		rc = DB_NOTFOUND;
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_account_set_locked(sqlite3 *db, int64_t id, bool locked)
{
	/* Unlocking a deleted account brings it back: the mark goes too. */
	return db_account_exec(db, locked ?
	    "UPDATE accounts SET state = 'locked', updated_at = ?2 WHERE id = ?1" :
	    "UPDATE accounts SET state = 'active', deleted_at = NULL, "
	    "updated_at = ?2 WHERE id = ?1", id, NULL);
}

int
db_account_mark_deleted(sqlite3 *db, int64_t id)
{
	return db_account_exec(db, "UPDATE accounts SET state = 'locked', "
	    "deleted_at = ?2, updated_at = ?2 WHERE id = ?1", id, NULL);
}

int
db_account_set_expires(sqlite3 *db, int64_t id, const char *date)
{
	return db_account_exec(db, "UPDATE accounts SET expires = ?3, "
	    "updated_at = ?2 WHERE id = ?1", id, date && *date ? date : NULL);
}

int
db_account_set_info(sqlite3 *db, int64_t id, const char *display, const char *email)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	/* NULL keeps the current value. */
	if (db_prepare(db, "UPDATE accounts SET display_name = coalesce(?2, "
	    "display_name), email = coalesce(?3, email), updated_at = ?4 "
	    "WHERE id = ?1", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if (display)
		sqlite3_bind_text(st, 2, display, -1, SQLITE_STATIC);
	if (email)
		sqlite3_bind_text(st, 3, email, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, db_now());
	rc = db_step_done(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_account_set_gateway_key(sqlite3 *db, int64_t id, const char *pubkey)
{
	return db_account_exec(db, "UPDATE accounts SET gateway_pubkey = ?3, "
	    "updated_at = ?2 WHERE id = ?1", id, pubkey);
}

int
db_account_touch(sqlite3 *db, int64_t id)
{
	return db_account_exec(db, "UPDATE accounts SET updated_at = ?2 "
	    "WHERE id = ?1", id, NULL);
}

int
db_account_purge(sqlite3 *db, int64_t id)
{
	/* keys, quotas and workspaces go with it: ON DELETE CASCADE. */
	return db_account_exec(db, "DELETE FROM accounts WHERE id = ?1", id, NULL);
}

int
db_quota_set(sqlite3 *db, int64_t id, const struct quota *q)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "UPDATE quotas SET cpu_milli = ?2, memory_bytes = ?3, "
	    "gpu = ?4, storage_bytes = ?5, home_bytes = ?6, pvcs = ?7 "
	    "WHERE account_id = ?1", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, q->cpu_milli);
	sqlite3_bind_int64(st, 3, q->memory_bytes);
	sqlite3_bind_int64(st, 4, q->gpu);
	sqlite3_bind_int64(st, 5, q->storage_bytes);
	sqlite3_bind_int64(st, 6, q->home_bytes);
	sqlite3_bind_int64(st, 7, q->pvcs);
	if ((rc = db_step_done(db, st)) == 0 && sqlite3_changes(db) == 0)
		rc = DB_NOTFOUND;
	if (rc == 0) {
		sqlite3_finalize(st);
		st = NULL;
		rc = db_account_touch(db, id);
	}
out:
	sqlite3_finalize(st);
	return rc;
}

void
account_clear(struct account *a)
{
	if (a == NULL)
		return;
	free(a->display_name);
	free(a->email);
	free(a->gateway_pubkey);
	a->display_name = a->email = a->gateway_pubkey = NULL;
}

void
account_free_array(struct account *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		account_clear(&a[i]);
	free(a);
}

enum account_state
account_state(const struct account *a)
{
	char today[DATE_LEN];

	if (a->locked)
		return ACCOUNT_LOCKED;
	/* An account expires at the start of its expiry day (UTC), as chage -E. */
	dates_today(today);
	if (a->expires[0] && strcmp(a->expires, today) <= 0)
		return ACCOUNT_EXPIRED;
	return ACCOUNT_ACTIVE;
}

const char *
account_state_name(enum account_state s)
{
	static const char *const names[] = { "active", "locked", "expired" };

	return names[s];
}

int
db_workspace_add(sqlite3 *db, int64_t account_id, const char *name, bool is_default)
{
	return db_workspace_add_template(db, account_id, name, is_default, "");
}

int
db_workspace_add_template(sqlite3 *db, int64_t account_id, const char *name,
    bool is_default, const char *template_name)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "INSERT INTO workspaces (account_id, name, is_default, "
	    "created_at, template) VALUES (?,?,?,?,?)", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, is_default);
	sqlite3_bind_int64(st, 4, db_now());
	sqlite3_bind_text(st, 5, template_name, -1, SQLITE_STATIC);
	rc = db_step_done(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}

/* Finds workspace name of an account ("" finds the default one) into out. */
int
db_workspace_find(sqlite3 *db, int64_t account_id, const char *name, char *out,
    size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	out[0] = '\0';
	if (db_prepare(db, "SELECT name FROM workspaces WHERE account_id = ?1 AND "
	    "(name = ?2 OR (?2 = '' AND is_default)) ORDER BY is_default DESC "
	    "LIMIT 1", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = db_step_text(db, st, out, len);
out:
	sqlite3_finalize(st);
	return rc;
}

/* DB_NOTFOUND when the account has no such workspace. */
int
db_workspace_rm(sqlite3 *db, int64_t account_id, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "DELETE FROM workspaces WHERE account_id = ? AND "
	    "name = ?", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if ((rc = db_step_done(db, st)) == 0 && sqlite3_changes(db) == 0)
		rc = DB_NOTFOUND;
out:
	sqlite3_finalize(st);
	return rc;
}

json_t *
db_workspace_list(sqlite3 *db, int64_t account_id)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int r;

	if (db_prepare(db, "SELECT name, is_default, created_at, template FROM "
	    "workspaces WHERE account_id = ? ORDER BY is_default DESC, name",
	    &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	arr = json_array();
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s, s:b, s:o, s:s}", "name",
		    sqlite3_column_text(st, 0), "default", sqlite3_column_int(st, 1),
		    "created", dates_json(sqlite3_column_int64(st, 2)), "template",
		    sqlite3_column_text(st, 3)));
	if (r != SQLITE_DONE) {
		log_error("database: %s", sqlite3_errmsg(db));
		json_decref(arr);
		arr = NULL;
	}
out:
	sqlite3_finalize(st);
	return arr;
}
