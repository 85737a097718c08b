/*
 * db.c: opening the account database and migrating its schema.
 *
 * The database lives in state_dir and belongs to accountd alone: every other
 * program goes through the socket.  WAL mode lets readers (sqlite3 shell,
 * backups) see the last committed state while accountd writes; foreign keys
 * make a half-deleted account impossible.  The schema version is PRAGMA
 * user_version; migrations only ever go forward, each in one transaction.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "accountd.h"
#include "log.h"

/* migrations[i] takes the schema from version i to i + 1. */
static const char *const db_migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  display_name TEXT NOT NULL DEFAULT '',"
	"  email TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','locked')),"
	"  expires TEXT,"			/* YYYY-MM-DD, or NULL */
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  deleted_at INTEGER"
	");"
	"CREATE TABLE keys ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  blob TEXT NOT NULL,"
	"  fingerprint TEXT NOT NULL UNIQUE,"	/* the index every login uses */
	"  comment TEXT NOT NULL DEFAULT '',"
	"  added_at INTEGER NOT NULL,"
	"  last_used_at INTEGER"
	");"
	"CREATE INDEX keys_account ON keys(account_id);"
	"CREATE TABLE quotas ("
	"  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,"
	"  cpu_milli INTEGER NOT NULL CHECK (cpu_milli >= 0),"
	"  memory_bytes INTEGER NOT NULL CHECK (memory_bytes >= 0),"
	"  gpu INTEGER NOT NULL CHECK (gpu >= 0),"
	"  storage_bytes INTEGER NOT NULL CHECK (storage_bytes >= 0),"
	"  home_bytes INTEGER NOT NULL CHECK (home_bytes >= 0),"
	"  pvcs INTEGER NOT NULL CHECK (pvcs >= 0)"
	");"
	"CREATE TABLE workspaces ("
	"  id INTEGER PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  is_default INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (account_id, name)"
	");"
	/* The audit log names its target in text so it outlives a purge. */
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  peer_uid INTEGER NOT NULL,"
	"  peer_name TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT ''"
	");"
	"CREATE INDEX audit_at ON audit(at);",
	/* 1 -> 2: the public half of each account's gateway key (gwkey.c). */
	"ALTER TABLE accounts ADD COLUMN gateway_pubkey TEXT NOT NULL DEFAULT '';",
	/*
	 * 2 -> 3: what the reconciler (reconcile.c) did to each Kubernetes
	 * object of an account, and the namespaces a purge still has to
	 * delete.  kpurge names its account in text: the account row is gone
	 * by then, and the row is what makes the deletion survive a crash.
	 */
	"CREATE TABLE kobjects ("
	"  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
	"  path TEXT NOT NULL,"			/* the object's API path */
	"  kind TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('pending','applied','failed')),"
	"  message TEXT NOT NULL DEFAULT '',"
	"  hash TEXT NOT NULL DEFAULT '',"	/* SHA-256 of what was applied */
	"  resource_version TEXT NOT NULL DEFAULT '',"
	"  attempted_at INTEGER,"
	"  applied_at INTEGER,"			/* first success: it exists */
	"  PRIMARY KEY (account_id, path)"
	");"
	"CREATE TABLE kpurge ("
	"  namespace TEXT PRIMARY KEY,"
	"  account TEXT NOT NULL,"
	"  pvcs TEXT NOT NULL DEFAULT '',"	/* confirmed, space-separated */
	"  keep INTEGER NOT NULL DEFAULT 0,"	/* 1: strip access, keep the data */
	"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','failed')),"
	"  message TEXT NOT NULL DEFAULT '',"
	"  requested_at INTEGER NOT NULL,"
	"  attempted_at INTEGER"
	");"
	/* A workspace's Coder template; '': coder.template. */
	"ALTER TABLE workspaces ADD COLUMN template TEXT NOT NULL DEFAULT '';",
};

#define DB_NMIGRATIONS	((int)(sizeof(db_migrations) / sizeof(db_migrations[0])))

static int
db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("database: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
db_user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (db_prepare(db, "PRAGMA user_version", &st) == -1)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*version = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int
db_migrate(sqlite3 *db)
{
	char sql[64];
	int v;

	if (db_user_version(db, &v) == -1)
		return -1;
	if (v > DB_NMIGRATIONS) {
		log_error("database schema version %d is newer than this accountd "
		    "knows (%d): run the newer accountd, or restore a backup", v,
		    DB_NMIGRATIONS);
		return -1;
	}
	for (; v < DB_NMIGRATIONS; v++) {
		if (db_exec(db, "BEGIN IMMEDIATE") == -1)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (db_exec(db, db_migrations[v]) == -1 || db_exec(db, sql) == -1) {
			db_rollback(db);
			log_error("database migration %d -> %d failed; nothing was "
			    "changed", v, v + 1);
			return -1;
		}
		if (db_commit(db) == -1)
			return -1;
		log_info("database schema migrated to version %d", v + 1);
	}
	return 0;
}

int
db_open(const char *state_dir, sqlite3 **out)
{
	char path[4096];
	sqlite3 *db = NULL;
	int rc = -1;

	*out = NULL;
	if (mkdir(state_dir, 0750) == -1 && errno != EEXIST) {
		log_error("cannot create state_dir %s: %s", state_dir, strerror(errno));
		goto out;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, DB_FILE) >=
	    sizeof(path)) {
		log_error("state_dir path is too long");
		goto out;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		log_error("cannot open database %s: %s", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	/* The database holds everyone's keys: owner-only, whatever the umask. */
	if (chmod(path, 0600) == -1) {
		log_error("chmod %s: %s", path, strerror(errno));
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	if (db_exec(db, "PRAGMA journal_mode = WAL") == -1 ||
	    db_exec(db, "PRAGMA foreign_keys = ON") == -1 ||
	    db_exec(db, "PRAGMA synchronous = NORMAL") == -1 ||
	    db_migrate(db) == -1)
		goto out;
	*out = db;
	db = NULL;
	rc = 0;
out:
	sqlite3_close(db);
	return rc;
}

void
db_close(sqlite3 *db)
{
	sqlite3_close(db);
}

int
db_begin(sqlite3 *db)
{
	/* IMMEDIATE takes the write lock now, so a check-then-insert holds. */
	return db_exec(db, "BEGIN IMMEDIATE");
}

int
db_commit(sqlite3 *db)
{
	return db_exec(db, "COMMIT");
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		(void)db_exec(db, "ROLLBACK");
}

int
db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out)
{
	*out = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK) {
		log_error("database: preparing \"%.60s\": %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int64_t
db_now(void)
{
	return (int64_t)time(NULL);
}

/* Steps st for one row and copies its first column into out. */
int
db_step_text(sqlite3 *db, sqlite3_stmt *st, char *out, size_t len)
{
	int r = sqlite3_step(st);

	out[0] = '\0';
	if (r == SQLITE_ROW) {
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
		return 0;
	}
	if (r == SQLITE_DONE)
		return DB_NOTFOUND;
	log_error("database: %s", sqlite3_errmsg(db));
	return -1;
}

const char *
db_errmsg(sqlite3 *db)
{
	return sqlite3_errmsg(db);
}
