/*
 * db_key.c: rows of the keys table.  The fingerprint column is UNIQUE, so its
 * index serves the lookup that runs on every login, and one key can never
 * belong to two accounts.
 */
#include <string.h>

#include "accountd.h"
#include "log.h"

static int
db_key_step(sqlite3 *db, sqlite3_stmt *st)
{
	int r = sqlite3_step(st);

	if (r == SQLITE_DONE)
		return 0;
	if (r == SQLITE_CONSTRAINT)
		return DB_EXISTS;
	log_error("database: %s", sqlite3_errmsg(db));
	return -1;
}

int
db_key_insert(sqlite3 *db, int64_t account_id, const struct pubkey *k)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "INSERT INTO keys (account_id, type, blob, fingerprint, "
	    "comment, added_at) VALUES (?,?,?,?,?,?)", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, k->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, k->blob, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, k->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, k->comment ? k->comment : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, db_now());
	rc = db_key_step(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_key_owner(sqlite3 *db, const char *fingerprint, char *owner, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	owner[0] = '\0';
	if (db_prepare(db, "SELECT a.name FROM keys k JOIN accounts a ON "
	    "a.id = k.account_id WHERE k.fingerprint = ?", &st) == -1)
		goto out;
	sqlite3_bind_text(st, 1, fingerprint, -1, SQLITE_STATIC);
	rc = db_step_text(db, st, owner, len);
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_key_delete(sqlite3 *db, int64_t account_id, const char *fingerprint)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "DELETE FROM keys WHERE account_id = ? AND "
	    "fingerprint = ?", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, fingerprint, -1, SQLITE_STATIC);
	if ((rc = db_key_step(db, st)) == 0 && sqlite3_changes(db) == 0)
		rc = DB_NOTFOUND;
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_key_delete_all(sqlite3 *db, int64_t account_id)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "DELETE FROM keys WHERE account_id = ?", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	rc = db_key_step(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_key_count(sqlite3 *db, int64_t account_id, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	*n = 0;
	if (db_prepare(db, "SELECT count(*) FROM keys WHERE account_id = ?", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		log_error("database: %s", sqlite3_errmsg(db));
		goto out;
	}
	*n = sqlite3_column_int64(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static json_t *
db_key_json(sqlite3_stmt *st, int col)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}",
	    "type", sqlite3_column_text(st, col),
	    "blob", sqlite3_column_text(st, col + 1),
	    "fingerprint", sqlite3_column_text(st, col + 2),
	    "comment", sqlite3_column_text(st, col + 3),
	    "added", dates_json(sqlite3_column_int64(st, col + 4)),
	    "last_used", dates_json(sqlite3_column_int64(st, col + 5)));
}

json_t *
db_key_list(sqlite3 *db, int64_t account_id)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int r;

	if (db_prepare(db, "SELECT type, blob, fingerprint, comment, added_at, "
	    "last_used_at FROM keys WHERE account_id = ? ORDER BY id", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, account_id);
	arr = json_array();
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, db_key_json(st, 0));
	if (r != SQLITE_DONE) {
		log_error("database: %s", sqlite3_errmsg(db));
		json_decref(arr);
		arr = NULL;
	}
out:
	sqlite3_finalize(st);
	return arr;
}

int
db_key_lookup(sqlite3 *db, const char *fingerprint, struct account *a, json_t **key)
{
	sqlite3_stmt *st = NULL;
	char name[NAME_MAX_LEN + 1];
	int r, rc = -1;

	*key = NULL;
	memset(a, 0, sizeof(*a));
	if (db_prepare(db, "SELECT a.name, k.type, k.blob, k.fingerprint, "
	    "k.comment, k.added_at, k.last_used_at FROM keys k JOIN accounts a "
	    "ON a.id = k.account_id WHERE k.fingerprint = ?", &st) == -1)
		goto out;
	sqlite3_bind_text(st, 1, fingerprint, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = DB_NOTFOUND;
		goto out;
	}
	if (r != SQLITE_ROW) {
		log_error("database: %s", sqlite3_errmsg(db));
		goto out;
	}
	snprintf(name, sizeof(name), "%s", sqlite3_column_text(st, 0));
	*key = db_key_json(st, 1);
	if ((rc = db_account_get(db, name, a)) != 0) {
		json_decref(*key);
		*key = NULL;
	}
out:
	sqlite3_finalize(st);
	return rc;
}

int
db_key_touch(sqlite3 *db, const char *fingerprint)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "UPDATE keys SET last_used_at = ? WHERE "
	    "fingerprint = ?", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, db_now());
	sqlite3_bind_text(st, 2, fingerprint, -1, SQLITE_STATIC);
	rc = db_key_step(db, st);
out:
	sqlite3_finalize(st);
	return rc;
}
