/*
 * db_audit.c: the audit log.  Rows are only ever added; the target is kept
 * as text so that the history of a purged account survives it.
 */
#include "accountd.h"
#include "log.h"

int
db_audit_add(sqlite3 *db, const struct peer *p, const char *action,
    const char *target, const char *outcome, const char *detail)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "INSERT INTO audit (at, peer_uid, peer_name, action, "
	    "target, outcome, detail) VALUES (?,?,?,?,?,?,?)", &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, db_now());
	sqlite3_bind_int64(st, 2, p->uid);
	sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, detail ? detail : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		log_error("database: writing the audit log: %s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

json_t *
db_audit_list(sqlite3 *db, int64_t since, const char *target, int64_t limit)
{
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int r;

	/* The newest `limit` rows, returned oldest first like a log. */
	if (db_prepare(db, "SELECT * FROM (SELECT id, at, peer_uid, peer_name, "
	    "action, target, outcome, detail FROM audit WHERE at >= ?1 AND "
	    "(?2 IS NULL OR target = ?2) ORDER BY id DESC LIMIT ?3) ORDER BY id",
	    &st) == -1)
		goto out;
	sqlite3_bind_int64(st, 1, since);
	if (target)
		sqlite3_bind_text(st, 2, target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit);
	arr = json_array();
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:I, s:o, s:I, s:s, s:s, "
		    "s:s, s:s, s:s}", "id", (json_int_t)sqlite3_column_int64(st, 0),
		    "time", dates_json(sqlite3_column_int64(st, 1)),
		    "peer_uid", (json_int_t)sqlite3_column_int64(st, 2),
		    "peer", sqlite3_column_text(st, 3),
		    "action", sqlite3_column_text(st, 4),
		    "target", sqlite3_column_text(st, 5),
		    "outcome", sqlite3_column_text(st, 6),
		    "detail", sqlite3_column_text(st, 7)));
	if (r != SQLITE_DONE) {
		log_error("database: %s", sqlite3_errmsg(db));
		json_decref(arr);
		arr = NULL;
	}
out:
	sqlite3_finalize(st);
	return arr;
}
