#!/usr/bin/env bash
# The MinIO client (lib/minio*.c) against the strict fake MinIO: the unit
# test binary's fake tests run with MINIO_FAKE_URL and MINIO_FAKE_CREDS set
# (add user, canned policy, attach, bucket, quota, list-users decrypted,
# objects emptied in bounded steps, disable, rotate, detach, remove, and a
# wrong secret or unknown key refused at once with MinIO's code).  Then the
# fake's own record is checked: every request was signed and accepted as
# MinIO would, none chunked, the sealed bodies we sent used id 0x02 and the
# sealed answers we read used both 0x00 and 0x01; the state is what the
# calls asked for.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/minio-lib.sh"

UT=$MEDUSE_BUILD/tests/test_minio
[ -x "$UT" ] || skip "no $UT: build with 'make tests'"
# shellcheck disable=SC2119  # no extra arguments
start_minio_fake

run_ut() {	# run_ut TEST-FILTER: the fake tests of the unit binary
	CMOCKA_TEST_ABORT=1 MINIO_FAKE_URL=$MINIO_URL \
		MINIO_FAKE_CREDS=$T/minio-credentials "$UT" >"$T/ut.out" 2>&1 ||
		{ cat "$T/ut.out" >&2; fail "test_minio against the fake"; }
	grep -q "SKIPPED" "$T/ut.out" && { cat "$T/ut.out" >&2; fail "fake tests were skipped"; }
	return 0
}
run_ut

# What the fake saw.
audit() {	# audit PY-EXPR: EXPR over a = the fake's audit list
	minio_ctl /fake/audit | /usr/bin/python3 -c '
import json, sys
a = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}
[ "$(audit 'sum(1 for e in a if e.get("chunked"))')" = 0 ] || fail "a chunked request"
# The refusals are the wrong-secret test's two, and those the provisioning
# test provokes on purpose (a bucket made twice, deleted full, looked for
# and deleted once gone; a policy attached or detached twice; a user removed
# twice and looked for once gone).  Nothing else was refused: every other
# signature, body and header was taken as MinIO would take it.
refused=$(audit 'sorted((e.get("error"), e["method"], e["path"].split("/")[-1]) for e in a if e.get("error"))')
[ "$refused" = "[('BucketAlreadyOwnedByYou', 'PUT', 'lab-alice'), ('BucketNotEmpty', 'DELETE', 'lab-alice'), ('InvalidAccessKeyId', 'GET', 'list-users'), ('NoSuchBucket', 'DELETE', 'lab-alice'), ('NoSuchBucket', 'HEAD', 'lab-alice'), ('SignatureDoesNotMatch', 'GET', 'list-users'), ('XMinioAdminNoSuchUser', 'DELETE', 'remove-user'), ('XMinioAdminNoSuchUser', 'GET', 'user-info'), ('XMinioAdminPolicyChangeAlreadyApplied', 'POST', 'attach'), ('XMinioAdminPolicyChangeAlreadyApplied', 'POST', 'detach')]" ] ||
	fail "unexpected refusals: $refused"
[ "$(audit 'sorted(set(e["request_enc_id"] for e in a if "request_enc_id" in e))')" = "[2]" ] ||
	fail "sealed requests not all id 0x02: $(audit '[e.get("request_enc_id") for e in a]')"
[ "$(audit 'sorted(set(e["response_enc_id"] for e in a if "response_enc_id" in e))')" = "[0, 1]" ] ||
	fail "sealed answers did not use both ids"

# The state the calls left: alice gone with her policy and bucket.
[ "$(minio_state 'sorted(s["users"])')" = "[]" ] || fail "users left: $(minio_state 's["users"]')"
[ "$(minio_state '"u-alice" in s["policies"]')" = False ] || fail "policy u-alice left"
[ "$(minio_state 'sorted(s["buckets"])')" = "[]" ] || fail "buckets left"

# Two failures, then MinIO answers again: the client retries and gets
# through.  (500: MinIO's 503 asks for a Retry-After of minutes, which
# http.c honours up to a minute, too long for a test.)
minio_fault error '"count":2,"error":"InternalError"'
run_ut
[ "$(grep -c 'InternalError.*retrying in about' "$T/ut.out")" = 2 ] ||
	{ cat "$T/ut.out" >&2; fail "no two retries after InternalError"; }
