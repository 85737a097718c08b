/*
 * test_db.c: the account store (accountd/db*.c) and the API dispatch on top
 * of it (accountd/api*.c), in process against a real sqlite database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "api_fixture.h"
#include "log.h"

#define KEY_A "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiLDWnRhpiwoocbJKobC45XWKvJPXCXMOvp0ixPa77d alice@lap"
#define KEY_B "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK3MTCC1XqIGOSjnKU1y1vJrJpeMTugH6K1oNcsfUy+f bob@lap"
#define FP_A  "SHA256:ZvkNnJ2owGr+y4kcIHaRuj5f5/I0oDxJvI1ok2IhXoQ"

static int64_t
count(struct fixture *f, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(db_prepare(f->ad.db, sql, &st), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_schema(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(count(f, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	assert_int_equal(count(f, "PRAGMA foreign_keys"), 1);
	/* Reopening migrates nothing and keeps the data. */
	db_close(f->ad.db);
	assert_int_equal(db_open(f->dir, &f->ad.db), 0);
	assert_int_equal(count(f, "PRAGMA user_version"), DB_SCHEMA_VERSION);
}

static void
test_newer_schema_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sqlite3_exec(f->ad.db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	db_close(f->ad.db);
	assert_int_equal(db_open(f->dir, &f->ad.db), -1);
	assert_null(f->ad.db);
	/* The fixture's teardown needs a handle again. */
	assert_int_equal(sqlite3_open(":memory:", &f->ad.db), SQLITE_OK);
}

static void
test_add_show_state(void **state)
{
	struct fixture *f = *state;
	json_t *res;

	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"alice\",\"keys\":[\"" KEY_A "\"],"
	    "\"quota\":{\"gpu\":2,\"memory\":\"64Gi\"}}}", &res), API_OK);
	assert_string_equal(json_string_value(json_object_get(res, "state")), "active");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res,
	    "quota"), "gpu")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(res,
	    "quota"), "memory")), "64Gi");
	/* Defaults of the config fill what was not given. */
	assert_string_equal(json_string_value(json_object_get(json_object_get(res,
	    "quota"), "home")), "50Gi");
	json_decref(res);

	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"auth.lookup\","
	    "\"params\":{\"fingerprint\":\"" FP_A "\",\"user\":\"alice\","
	    "\"touch\":true}}", &res), API_OK);
	assert_string_equal(json_string_value(json_object_get(res, "account")), "alice");
	json_decref(res);
	assert_int_equal(count(f, "SELECT count(*) FROM keys WHERE last_used_at "
	    "IS NOT NULL"), 1);
	/* The same key asked for another user: not found, like an unknown key. */
	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"auth.lookup\","
	    "\"params\":{\"fingerprint\":\"" FP_A "\",\"user\":\"bob\"}}", NULL),
	    API_ERR_NOT_FOUND);

	/* Expiry is derived from the date: the past is expired, today too. */
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.expire\","
	    "\"params\":{\"name\":\"alice\",\"expires\":\"2001-01-01\"}}", NULL), API_OK);
	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"account.state\","
	    "\"params\":{\"name\":\"alice\"}}", &res), API_OK);
	assert_string_equal(json_string_value(json_object_get(res, "state")), "expired");
	json_decref(res);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.lock\","
	    "\"params\":{\"name\":\"alice\"}}", NULL), API_OK);
	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"account.state\","
	    "\"params\":{\"name\":\"alice\"}}", &res), API_OK);
	assert_string_equal(json_string_value(json_object_get(res, "state")), "locked");
	json_decref(res);
}

static void
test_add_is_atomic(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"alice\",\"keys\":[\"" KEY_A "\"]}}", NULL), API_OK);
	/* bob's second key is alice's: nothing of bob may remain. */
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"bob\",\"keys\":[\"" KEY_B "\",\"" KEY_A "\"]}}",
	    NULL), API_ERR_EXISTS);
	assert_int_equal(count(f, "SELECT count(*) FROM accounts"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM keys"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM quotas"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM workspaces"), 1);
	/* ... nor a gateway key file, finished or not. */
	assert_int_equal(system("cd gateway-keys && test \"$(ls)\" = alice"), 0);
	/* The refusal itself is audited, after the rollback. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE target = 'bob' "
	    "AND outcome = 'exists'"), 1);
	/* Re-adding alice converges, atomically too: a bad second key undoes
	 * the first key and the quota change. */
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"alice\",\"quota\":{\"gpu\":7},\"keys\":"
	    "[\"" KEY_B "\",\"ssh-ed25519 AAAA\"]}}", NULL), API_ERR_INVALID);
	assert_int_equal(count(f, "SELECT count(*) FROM keys"), 1);
	assert_int_equal(count(f, "SELECT gpu FROM quotas"), 1);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"alice\",\"keys\":[\"" KEY_B "\"]}}", NULL),
	    API_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM keys"), 2);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"bob\",\"keys\":[]}}", NULL), API_ERR_INVALID);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"bob\",\"keys\":[\"ssh-ed25519 AAAA\"]}}", NULL),
	    API_ERR_INVALID);
	assert_int_equal(count(f, "SELECT count(*) FROM accounts"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM keys"), 2);
}

static void
test_purge_cascades(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"alice\",\"keys\":[\"" KEY_A "\",\"" KEY_B "\"]}}",
	    NULL), API_OK);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.del\","
	    "\"params\":{\"name\":\"alice\"}}", NULL), API_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM keys"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM accounts WHERE state = "
	    "'locked' AND deleted_at IS NOT NULL"), 1);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.del\","
	    "\"params\":{\"name\":\"alice\",\"purge\":true}}", NULL), API_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM accounts"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM quotas"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM workspaces"), 0);
	/* The gateway key file went with it. */
	assert_int_equal(access("gateway-keys/alice", F_OK), -1);
	/* History outlives the account. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE target = "
	    "'alice'"), 3);
}

static void
test_privileges(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(call(f, &f->stranger, "{\"v\":1,\"method\":\"account.list\"}",
	    NULL), API_ERR_DENIED);
	assert_int_equal(call(f, &f->stranger, "{\"v\":1,\"method\":\"auth.lookup\","
	    "\"params\":{\"fingerprint\":\"" FP_A "\"}}", NULL), API_ERR_DENIED);
	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"bob\",\"keys\":[\"" KEY_B "\"]}}", NULL),
	    API_ERR_DENIED);
	assert_int_equal(count(f, "SELECT count(*) FROM accounts"), 0);
	/* eve's second refusal within a minute is logged but not audited
	 * again: a denied loop must not fill the disk. */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE outcome = "
	    "'denied'"), 2);
	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"server.info\"}",
	    NULL), API_OK);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"no.such\"}", NULL),
	    API_ERR_UNKNOWN_METHOD);
	/* Admin by group membership, not only by uid 0. */
	f->stranger.groups[0] = 5000;
	f->stranger.ngroups = 1;
	assert_int_equal(call(f, &f->stranger, "{\"v\":1,\"method\":\"account.list\"}",
	    NULL), API_OK);
}

static void
test_quota_rules(void **state)
{
	struct fixture *f = *state;
	json_t *res;

	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"alice\",\"keys\":[\"" KEY_A "\"]}}", NULL), API_OK);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.quota\","
	    "\"params\":{\"name\":\"alice\",\"quota\":{\"cpu\":\"1500m\","
	    "\"storage\":\"1Ti\",\"home\":\"1Ti\"}}}", &res), API_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(res,
	    "quota"), "cpu")), "1500m");
	assert_string_equal(json_string_value(json_object_get(json_object_get(res,
	    "quota"), "home")), "1Ti");
	json_decref(res);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.quota\","
	    "\"params\":{\"name\":\"alice\",\"quota\":{\"gpus\":1}}}", NULL),
	    API_ERR_INVALID);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.quota\","
	    "\"params\":{\"name\":\"alice\",\"quota\":{\"gpu\":-1}}}", NULL),
	    API_ERR_INVALID);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.quota\","
	    "\"params\":{\"name\":\"alice\",\"quota\":{\"home\":\"2Ti\"}}}", NULL),
	    API_ERR_INVALID);
	assert_int_equal(count(f, "SELECT home_bytes FROM quotas"), 1LL << 40);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_show_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_is_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_cascades, setup, teardown),
		cmocka_unit_test_setup_teardown(test_privileges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota_rules, setup, teardown),
	};

	log_init("test_db", 0, LOG_LVL_ERROR);
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
