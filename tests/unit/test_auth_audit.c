/*
 * test_auth_audit.c: the gateway's audit methods (accountd/api_auth.c),
 * auth.refused and auth.login, in process against a real sqlite database.
 * The rate limit's counters live for the process: the test that fills
 * them runs last.
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
#define FP_X  "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* auth.refused as the gateway; returns the recorded reason ("" if none). */
static const char *
refused(struct fixture *f, const char *user, const char *fp, const char *source,
    const char *reason, enum api_err want)
{
	static char got[32];
	char frame[512];
	json_t *res = NULL;

	snprintf(frame, sizeof(frame), "{\"v\":1,\"method\":\"auth.refused\","
	    "\"params\":{\"user\":\"%s\",\"fingerprint\":\"%s\",\"source\":\"%s\","
	    "\"reason\":\"%s\"}}", user, fp, source, reason);
	assert_int_equal(call(f, &f->gateway, frame, &res), want);
	snprintf(got, sizeof(got), "%s", want == API_OK ?
	    json_string_value(json_object_get(res, "reason")) : "");
	json_decref(res);
	return got;
}

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
add_accounts(struct fixture *f)
{
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"alice\",\"keys\":[\"" KEY_A "\"]}}", NULL), API_OK);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.add\","
	    "\"params\":{\"name\":\"bob\",\"keys\":[\"" KEY_B "\"]}}", NULL), API_OK);
}

/* The gateway's "unregistered" is refined from the tables. */
static void
test_refused_reasons(void **state)
{
	struct fixture *f = *state;

	add_accounts(f);
	assert_string_equal(refused(f, "zed", FP_A, "192.0.2.1", "unregistered",
	    API_OK), "unknown-user");
	assert_string_equal(refused(f, "alice", FP_X, "192.0.2.1", "unregistered",
	    API_OK), "wrong-key");
	assert_string_equal(refused(f, "bob+dev", FP_A, "192.0.2.1:2",
	    "unregistered", API_OK), "other-account");
	assert_string_equal(refused(f, "Bob", FP_A, "::1", "unregistered",
	    API_OK), "invalid-name");
	assert_string_equal(refused(f, "alice", FP_A, "[::1]:22", "locked",
	    API_OK), "locked");
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.del\","
	    "\"params\":{\"name\":\"bob\"}}", NULL), API_OK);
	assert_string_equal(refused(f, "bob", FP_X, "192.0.2.1", "unregistered",
	    API_OK), "deleted");
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = "
	    "'auth.refused' AND peer_name = 'gw'"), 6);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = "
	    "'auth.refused' AND target = 'bob' AND outcome = 'other-account' AND "
	    "detail = 'key=" FP_A " source=192.0.2.1:2 login=\"bob+dev\" "
	    "attempts=1 key_owner=alice'"), 1);
	/* A refusal touches no key. */
	assert_int_equal(count(f, "SELECT count(*) FROM keys WHERE last_used_at "
	    "IS NOT NULL"), 0);
}

static void
test_refused_bad_input(void **state)
{
	struct fixture *f = *state;

	refused(f, "a\\u001bb", FP_A, "192.0.2.1", "unregistered", API_ERR_INVALID);
	refused(f, "alice", FP_A, "192.0.2.1", "Unregistered", API_ERR_INVALID);
	refused(f, "alice", FP_A, "192.0.2.1:65536", "pam", API_ERR_INVALID);
	refused(f, "alice", FP_A, "192.0.2.1:", "pam", API_ERR_INVALID);
	refused(f, "alice", FP_A, "[::1]x", "pam", API_ERR_INVALID);
	refused(f, "alice", FP_A, "fe80::1%", "pam", API_ERR_INVALID);
	refused(f, "alice", FP_A, "fe80::1%a;b", "pam", API_ERR_INVALID);
	refused(f, "alice", FP_A, "999.0.0.1", "pam", API_ERR_INVALID);
	refused(f, "alice", "SHA256:", "192.0.2.1", "pam", API_ERR_INVALID);
	refused(f, "alice", "SHA256:\\\"", "192.0.2.1", "pam", API_ERR_INVALID);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), 0);
	/* Outsiders are denied (and that is audited, as every denial). */
	assert_int_equal(call(f, &f->stranger, "{\"v\":1,\"method\":\"auth.refused\","
	    "\"params\":{}}", NULL), API_ERR_DENIED);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE outcome = "
	    "'denied'"), 1);
}

static void
test_login(void **state)
{
	struct fixture *f = *state;
	json_t *res = NULL;

	add_accounts(f);
	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"auth.login\","
	    "\"params\":{\"user\":\"alice\",\"fingerprint\":\"" FP_A "\","
	    "\"source\":\"192.0.2.1\",\"workspace\":\"gpu\"}}", &res), API_OK);
	assert_non_null(json_string_value(json_object_get(json_object_get(res,
	    "key"), "last_used")));
	json_decref(res);
	assert_int_equal(count(f, "SELECT count(*) FROM keys WHERE fingerprint = '"
	    FP_A "' AND last_used_at IS NOT NULL"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = "
	    "'auth.login' AND target = 'alice' AND outcome = 'ok' AND detail = "
	    "'key=" FP_A " source=192.0.2.1 workspace=gpu'"), 1);
	/* Someone else's key, or a lock since the lookup: refused, audited,
	 * and the key is not touched. */
	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"auth.login\","
	    "\"params\":{\"user\":\"bob\",\"fingerprint\":\"" FP_A "\","
	    "\"source\":\"192.0.2.1\"}}", NULL), API_ERR_NOT_FOUND);
	assert_int_equal(call(f, &f->root, "{\"v\":1,\"method\":\"account.lock\","
	    "\"params\":{\"name\":\"alice\"}}", NULL), API_OK);
	assert_int_equal(sqlite3_exec(f->ad.db, "UPDATE keys SET last_used_at = "
	    "NULL", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(call(f, &f->gateway, "{\"v\":1,\"method\":\"auth.login\","
	    "\"params\":{\"user\":\"alice\",\"fingerprint\":\"" FP_A "\","
	    "\"source\":\"192.0.2.1\"}}", NULL), API_ERR_CONFLICT);
	assert_int_equal(count(f, "SELECT count(*) FROM keys WHERE last_used_at "
	    "IS NOT NULL"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = "
	    "'auth.login' AND outcome IN ('not_found', 'conflict')"), 2);
}

/* 10 rows a minute per address, 100 in all; then the count of the rest. */
static void
test_rate_limit(void **state)
{
	struct fixture *f = *state;
	char src[64];
	int i, rows;

	for (i = 0; i < 12; i++) {
		snprintf(src, sizeof(src), "198.51.100.1:%d", 1000 + i);
		refused(f, "zed", FP_X, src, "unregistered", API_OK);
	}
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE detail LIKE "
	    "'%source=198.51.100.1:%'"), 10);
	/* Many addresses: the global bound holds even when they outnumber the
	 * table of addresses.  Earlier tests of this process used some. */
	for (i = 0; i < 150; i++) {
		snprintf(src, sizeof(src), "2001:db8::%x", i + 1);
		refused(f, "zed", FP_X, src, "unregistered", API_OK);
	}
	rows = (int)count(f, "SELECT count(*) FROM audit");
	assert_true(rows <= 100);
	assert_true(rows >= 50);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE detail LIKE "
	    "'% suppressed=2'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refused_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
	};

	log_init("test_auth_audit", 0, LOG_LVL_ERROR);
	return cmocka_run_group_tests_name("auth_audit", tests, NULL, NULL);
}
