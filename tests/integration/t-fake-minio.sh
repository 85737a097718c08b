#!/usr/bin/env bash
# The fake MinIO that the object-storage tests run against is strict the way
# MinIO is: every request's SigV4 signature is recomputed with botocore's
# signer, so a wrong secret, an unknown key, a skewed clock, a body that does
# not match its signed hash, a chunked body and a wrong S3 region are refused
# with MinIO's codes; admin bodies must decrypt (madmin EncryptData, password
# = the signing secret) and parse; list-users and attach answers are
# encrypted with ids 0x00 and 0x01 in turn; a user's own key works only where
# its attached policies allow, and not at all once disabled.  Driven by real
# clients: botocore for S3, botocore's SigV4Auth (region "") plus
# madmin_crypt.py for admin calls, as madmin-go does.
# Runs none of meduse's binaries: the sanitizer pass (MEDUSE_SAN) skips it.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/minio-lib.sh"

# shellcheck disable=SC2119  # no extra arguments
start_minio_fake

# mc ARGS...: minio_do (minio_call); status in $code, madmin id of a
# decrypted answer in $enc, the body in $T/out.
mc() {
	minio_do "$@" >"$T/resp"
	grep -q '^EXIT ' "$T/resp" && { cat "$T/resp" "$T/minio-call.log" >&2; fail "minio_call $*"; }
	code=$(sed -n '1s/^HTTP //p' "$T/resp")
	enc=$(sed -n '2s/^ENC //p' "$T/resp")
	if [ -n "$enc" ]; then sed '1,2d' "$T/resp" >"$T/out"; else sed '1d' "$T/resp" >"$T/out"; fi
}
want() {	# want CODE WHAT [ERROR-CODE]: the status, and MinIO's Code in the body
	[ "$code" = "$1" ] || { cat "$T/out" >&2; fail "$2: got HTTP $code, expected $1"; }
	[ -z "${3:-}" ] || grep -qE "\"Code\": \"$3\"|<Code>$3</Code>|^$3: " "$T/out" ||
		{ cat "$T/out" >&2; fail "$2: error code is not $3"; }
}
want_json() {	# want_json CODE WHAT ERROR-CODE: an admin error, as JSON
	want "$@"
	jget 'o["Code"], o["Message"], o["Resource"]' >/dev/null || fail "$2: not a JSON error"
}
want_xml() {	# want_xml CODE WHAT ERROR-CODE: an error as S3 XML
	want "$@"
	expect_in "$T/out" '^<\?xml version="1.0" encoding="UTF-8"\?>'
	expect_has "$T/out" "<Error><Code>$3</Code><Message>"
}
jget() {	# jget PY-EXPR: evaluates EXPR with o = the JSON in $T/out
	/usr/bin/python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/out" "$1"
}
st() { minio_state "$1"; }
admin_json() {	# admin_json METHOD OP JSON ID [QUERY...]: an encrypted admin body
	local m=$1 op=$2 j=$3 id=$4
	shift 4
	mc admin "$m" "$op" "$@" --json "$j" --encrypt "$id"
}
ALICE_SECRET=alice-secret-$RANDOM$RANDOM
BOB_SECRET=bob-secret-$RANDOM$RANDOM
POLICY='{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["s3:ListBucket","s3:GetBucketLocation"],"Resource":["arn:aws:s3:::alice"]},
 {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::alice/*"]}]}'

# --- admin: good calls change the state
mc admin GET list-users --decrypt; want 200 "list-users"
[ "$(jget 'o')" = "{}" ] || fail "no users at start"
first_enc=$enc
mc admin PUT add-canned-policy name=u-alice --json "$POLICY"; want 200 "add-canned-policy (plain JSON)"
[ "$(st 's["policies"]["u-alice"]["doc"]["Statement"][1]["Resource"]')" = "['arn:aws:s3:::alice/*']" ] ||
	fail "policy stored"
admin_json PUT add-user "{\"secretKey\":\"$ALICE_SECRET\",\"status\":\"enabled\"}" 2 accessKey=alice
want 200 "add-user alice (id 0x02)"
admin_json PUT add-user "{\"secretKey\":\"$BOB_SECRET\",\"status\":\"enabled\"}" 0 accessKey=bob
want 200 "add-user bob (id 0x00)"
[ "$(st 's["users"]["alice"]["status"]')" = enabled ] || fail "alice enabled"
[ "$(st 's["users"]["alice"]["secret_key"]')" = "$ALICE_SECRET" ] || fail "alice's secret decrypted"
[ "$(st 's["users"]["bob"]["secret_key"]')" = "$BOB_SECRET" ] || fail "bob's secret decrypted"
mc admin GET user-info accessKey=alice; want 200 "user-info (plain JSON)"
[ "$(jget 'o["status"], "policyName" in o')" = "('enabled', False)" ] || fail "user-info shape"
mc admin POST idp/builtin/policy/attach --content-type application/octet-stream \
	--json '{"policies":["u-alice"],"user":"alice"}' --encrypt 2 --decrypt
want 200 "attach u-alice to alice"
[ "$(jget 'o["policiesAttached"]')" = "['u-alice']" ] || fail "attach answer"
jget 'o["updatedAt"]' | grep -qE '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T' || fail "attach updatedAt"
attach_enc=$enc
[ "$(st 's["users"]["alice"]["policies"]')" = "['u-alice']" ] || fail "policy attached in state"
mc admin GET user-info accessKey=alice; want 200 "user-info after attach"
[ "$(jget 'o["policyName"]')" = u-alice ] || fail "user-info policyName"

# list-users answers are encrypted, the ids alternate: both decrypt paths.
mc admin GET list-users --decrypt; want 200 "list-users 2"
e2=$enc
[ "$(jget 'sorted(o), o["alice"]["policyName"], o["bob"]["status"]')" = "(['alice', 'bob'], 'u-alice', 'enabled')" ] ||
	fail "list-users content"
mc admin GET list-users --decrypt; want 200 "list-users 3"
e3=$enc
[ "$first_enc $attach_enc $e2 $e3" = "0 1 0 1" ] || fail "encrypted answers use ids 0,1,0,1 (got $first_enc $attach_enc $e2 $e3)"
[ "$(st 's["response_ids_sent"]')" = "[0, 1, 0, 1]" ] || fail "state lists the ids sent"

# attach errors, as MinIO's IAM store gives them
mc admin POST idp/builtin/policy/attach --content-type application/octet-stream \
	--json '{"policies":["u-alice"],"user":"alice"}' --encrypt 0
want_json 400 "attach twice" XMinioAdminPolicyChangeAlreadyApplied
mc admin POST idp/builtin/policy/attach --content-type application/octet-stream \
	--json '{"policies":["nope"],"user":"alice"}' --encrypt 2
want_json 404 "attach unknown policy" XMinioAdminNoSuchPolicy
mc admin POST idp/builtin/policy/attach --content-type application/octet-stream \
	--json '{"policies":["u-alice"],"user":"nobody"}' --encrypt 2
want_json 404 "attach to unknown user" XMinioAdminNoSuchUser
mc admin POST idp/builtin/policy/attach --json '{"policies":["u-alice"],"user":"bob"}' --encrypt 2
want_json 400 "attach without Content-Type: application/octet-stream" BadRequest
[ "$(st 's["users"]["bob"]["policies"]')" = "[]" ] || fail "bob got no policy"

# canned policies are validated as IAM JSON
mc admin PUT add-canned-policy name=p1 --json '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}]}'
want_json 400 "policy without Version" MalformedPolicy
mc admin PUT add-canned-policy name=p1 --json '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Fly","Resource":"arn:aws:s3:::x/*"}]}'
want_json 400 "unknown action" XMinioMalformedIAMPolicy
mc admin PUT add-canned-policy name=p1 --json '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}'
want_json 400 "no Resource" XMinioMalformedIAMPolicy
mc admin PUT add-canned-policy name=p1 --json '{"Version":"2012-10-17","Statment":[]}'
want_json 400 "unknown field" XMinioMalformedIAMPolicy
mc admin PUT add-canned-policy name=p1 --json '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:GetObject","Resource":"*"}]}'
want_json 400 "bad Effect" XMinioMalformedIAMPolicy
[ "$(st '"p1" in s["policies"]')" = False ] || fail "no invalid policy stored"

# versions other than v3 and unknown routes: 426, as errorResponseHandler
mc raw GET /minio/admin/v2/list-users; want_json 426 "admin v2" XMinioAdminVersionMismatch
expect_has "$T/out" "found 'v2', please upgrade the client"
mc raw GET /minio/admin/v4/list-users; want_json 426 "admin v4" XMinioAdminVersionMismatch
mc admin PUT add-user; want_json 426 "add-user without accessKey" XMinioAdminVersionMismatch
code=$(curl -sS -o "$T/out" -w '%{http_code}' "$MINIO_URL/minio/admin/v3/list-users")
want_json 403 "unsigned admin request" AccessDenied

# --- S3 buckets as the admin (botocore's own client)
mc s3 create_bucket '{"Bucket":"alice"}'; want 200 "create bucket alice"
mc s3 create_bucket '{"Bucket":"shared"}'; want 200 "create bucket shared"
mc s3 create_bucket '{"Bucket":"alice"}'; want 409 "create alice twice" BucketAlreadyOwnedByYou
minio_post /fake/bucket '{"name":"taken","foreign":true}'
mc s3 create_bucket '{"Bucket":"taken"}'; want 409 "bucket of another site" BucketAlreadyExists
mc raw PUT /Bad_Name; want_xml 400 "invalid bucket name" InvalidBucketName
mc raw PUT /ab; want_xml 400 "short bucket name" InvalidBucketName
mc s3 head_bucket '{"Bucket":"alice"}'; want 200 "head bucket"
mc s3 head_bucket '{"Bucket":"nobucket"}'; want 404 "head missing bucket"
mc s3 put_object '{"Bucket":"shared","Key":"data/set1.csv","Body":"a,b\n1,2\n"}'
want 200 "admin puts in shared"

# quota: plain JSON madmin.BucketQuota, only "hard" counts
mc admin PUT set-bucket-quota bucket=alice --json '{"quota":1000,"size":1000,"quotatype":"hard"}'
want 200 "set-bucket-quota"
mc admin GET get-bucket-quota bucket=alice; want 200 "get-bucket-quota"
[ "$(jget 'o["size"], o["quotatype"]')" = "(1000, 'hard')" ] || fail "quota read back"
[ "$(st 's["buckets"]["alice"]["hard_quota"]')" = 1000 ] || fail "hard quota in state"
mc admin GET get-bucket-quota bucket=shared; want 200 "no quota"
[ "$(cat "$T/out")" = null ] || fail "no quota is null, as MinIO answers"
mc admin PUT set-bucket-quota bucket=shared --json '{"quota":5}'
want_xml 500 "quota without quotatype hard" InternalError
mc admin PUT set-bucket-quota bucket=nobucket --json '{"size":5,"quotatype":"hard"}'
want_json 404 "quota of a missing bucket" NoSuchBucket

# --- refusals: wrong secret, unknown key, clock, body hash, chunked, region
mc --key "$MINIO_ACCESS_KEY:not-the-secret" admin GET list-users
want_json 403 "admin with a wrong secret" SignatureDoesNotMatch
mc --key "$MINIO_ACCESS_KEY:not-the-secret" s3 list_buckets
want 403 "S3 with a wrong secret" SignatureDoesNotMatch
mc --key "$MINIO_ACCESS_KEY:not-the-secret" raw GET /alice list-type=2
want_xml 403 "S3 wrong secret (XML)" SignatureDoesNotMatch
mc --key "nosuchkey:$MINIO_SECRET_KEY" admin GET list-users
want_json 403 "unknown access key" InvalidAccessKeyId
mc --skew 1200 admin GET list-users
want_xml 403 "clock 20 min ahead (MinIO's middleware answers XML)" RequestTimeTooSkewed
mc --skew -1200 raw GET /alice list-type=2; want_xml 403 "clock 20 min behind" RequestTimeTooSkewed
mc --skew 600 admin GET user-info accessKey=alice; want 200 "10 min skew is tolerated"
mc --tamper-body admin PUT add-canned-policy name=p2 --json "$POLICY"
want_json 400 "admin body not matching its signed hash" XAmzContentSHA256Mismatch
mc --tamper-body raw PUT /alice/x --body hello
want_xml 400 "object body not matching its signed hash" XAmzContentSHA256Mismatch
mc --chunked raw PUT /alice/x --body hello
want_xml 411 "chunked object upload" MissingContentLength
mc --chunked admin PUT add-canned-policy name=p2 --json "$POLICY"
want_json 411 "chunked policy" MissingContentLength
mc --chunked admin PUT add-user accessKey=carol --json "{\"secretKey\":\"carol-secret-1\",\"status\":\"enabled\"}" --encrypt 2
want_json 400 "chunked add-user (MinIO: ContentLength -1)" XMinioAdminConfigTooLarge
mc --region eu-west-1 raw GET /alice list-type=2
want_xml 400 "S3 signed for another region" AuthorizationHeaderMalformed
expect_has "$T/out" "expecting 'us-east-1'"
mc --region eu-west-1 raw GET /minio/admin/v3/user-info accessKey=alice
want 200 "admin accepts any region in the scope"
[ "$(st 'bool("p2" in s["policies"] or "carol" in s["users"] or s["buckets"]["alice"]["objects"])')" = False ] ||
	fail "refused requests changed the state"

# undecryptable or unparsable admin bodies
mc admin PUT add-user accessKey=carol --json '{"secretKey":"carol-secret-1","status":"enabled"}' \
	--encrypt 2 --password wrong-password
want_json 400 "add-user encrypted with another key" XMinioAdminConfigBadJSON
mc admin PUT add-user accessKey=carol --body '{"secretKey":"carol-secret-1","status":"enabled"}'
want_json 400 "add-user in clear" XMinioAdminConfigBadJSON
mc admin PUT add-user accessKey=carol --json 'not json' --encrypt 0
want_json 400 "add-user of non-JSON" XMinioAdminConfigBadJSON
mc admin PUT add-user accessKey=carol --json '{"secretKey":"short","status":"enabled"}' --encrypt 2
want_json 400 "secret key too short" XMinioAdminInvalidSecretKey
mc admin POST idp/builtin/policy/attach --content-type application/octet-stream \
	--json '{"policies":["u-alice"],"user":"bob"}' --encrypt 2 --password wrong-password
want_json 500 "attach body encrypted with another key (MinIO: InternalError)" InternalError
[ "$(st '"carol" in s["users"], s["users"]["bob"]["policies"]')" = "(False, [])" ] ||
	fail "undecryptable bodies changed the state"

# --- a user's own key: its bucket only, and not once disabled
AK="alice:$ALICE_SECRET"
mc --key "$AK" s3 put_object '{"Bucket":"alice","Key":"notes/a.txt","Body":"hello from alice"}'
want 200 "alice puts in her bucket"
mc --key "$AK" s3 get_object '{"Bucket":"alice","Key":"notes/a.txt"}'
want 200 "alice gets it back"
[ "$(jget 'o["Body"]')" = "hello from alice" ] || fail "object content"
mc --key "$AK" s3 list_objects_v2 '{"Bucket":"alice","Prefix":"notes/"}'
want 200 "alice lists her bucket"
[ "$(jget '[c["Key"] for c in o["Contents"]]')" = "['notes/a.txt']" ] || fail "listing"
mc --key "$AK" s3 put_object '{"Bucket":"shared","Key":"mine.txt","Body":"x"}'
want 403 "alice writes in another bucket" AccessDenied
mc --key "$AK" s3 get_object '{"Bucket":"shared","Key":"data/set1.csv"}'
want 403 "alice reads another bucket" AccessDenied
mc --key "$AK" s3 create_bucket '{"Bucket":"alice2"}'; want 403 "alice makes a bucket" AccessDenied
mc --key "$AK" admin GET list-users; want_json 403 "alice on the admin API" AccessDenied
mc --key "$AK" s3 put_object '{"Bucket":"alice","Key":"big.bin","Body":"'"$(head -c 1200 /dev/zero | tr '\0' x)"'"}'
want 400 "over the hard quota" XMinioAdminBucketQuotaExceeded
[ "$(st 's["buckets"]["alice"]["keys"], s["buckets"]["shared"]["keys"]')" = "(['notes/a.txt'], ['data/set1.csv'])" ] ||
	fail "objects in state"
mc --key "bob:$BOB_SECRET" s3 list_objects_v2 '{"Bucket":"alice"}'
want 403 "bob has no policy" AccessDenied
mc admin PUT set-user-status accessKey=alice status=disabled; want 200 "disable alice"
[ "$(st 's["users"]["alice"]["status"]')" = disabled ] || fail "alice disabled in state"
mc --key "$AK" s3 get_object '{"Bucket":"alice","Key":"notes/a.txt"}'
want 403 "disabled user refused" InvalidAccessKeyId
mc --key "$AK" raw GET /alice list-type=2
want_xml 403 "disabled user (message)" InvalidAccessKeyId
expect_has "$T/out" "Your account is disabled"
mc admin PUT set-user-status accessKey=alice status=maybe
want_json 400 "bad status" XMinioAdminInvalidArgument
mc admin PUT set-user-status accessKey=alice status=enabled; want 200 "enable alice"
mc --key "$AK" s3 get_object '{"Bucket":"alice","Key":"notes/a.txt"}'; want 200 "alice back"

# rotation: add-user again keeps the policies, the old secret stops working
admin_json PUT add-user '{"secretKey":"alice-rotated-1","status":"enabled"}' 0 accessKey=alice
want 200 "rotate alice's secret"
mc --key "$AK" s3 head_bucket '{"Bucket":"alice"}'; want 403 "old secret refused"
mc --key alice:alice-rotated-1 s3 head_bucket '{"Bucket":"alice"}'; want 200 "new secret works"
[ "$(st 's["users"]["alice"]["policies"]')" = "['u-alice']" ] || fail "policies kept on rotation"

# --- removals, in MinIO's order of refusals
mc s3 delete_bucket '{"Bucket":"alice"}'; want 409 "delete a bucket with objects" BucketNotEmpty
mc admin DELETE remove-canned-policy name=u-alice; want_json 400 "policy in use" XMinioIAMPolicyInUse
mc admin DELETE remove-canned-policy name=readwrite; want_json 500 "built-in policy" InternalError
mc admin POST idp/builtin/policy/detach --content-type application/octet-stream \
	--json '{"policies":["u-alice"],"user":"alice"}' --encrypt 2 --decrypt
want 200 "detach"
[ "$(jget 'o["policiesDetached"]')" = "['u-alice']" ] || fail "detach answer"
mc admin DELETE remove-canned-policy name=u-alice; want 200 "remove policy"
mc admin DELETE remove-user accessKey=alice; want 200 "remove alice"
mc admin DELETE remove-user accessKey=alice; want_json 404 "remove alice twice" XMinioAdminNoSuchUser
mc admin GET user-info accessKey=alice; want_json 404 "user-info of removed user" XMinioAdminNoSuchUser
mc --key alice:alice-rotated-1 s3 head_bucket '{"Bucket":"alice"}'; want 403 "removed user's key"
mc s3 delete_object '{"Bucket":"alice","Key":"notes/a.txt"}'; want 204 "delete object"
mc s3 delete_bucket '{"Bucket":"alice"}'; want 204 "delete empty bucket"
[ "$(st 'sorted(s["users"]), "u-alice" in s["policies"], sorted(s["buckets"])')" = "(['bob'], False, ['shared', 'taken'])" ] ||
	fail "state after removals"

# --- faults from the control port
minio_fault error
mc admin GET list-users; want_json 503 "error fault (admin)" XMinioServerNotInitialized
mc s3 list_buckets; want 503 "error fault (S3)" XMinioServerNotInitialized
curl -sS -f -X DELETE "$MINIO_CONTROL/fake/fault" >/dev/null || fail "clear fault"
mc admin GET user-info accessKey=bob; want 200 "fault cleared"
minio_fault down '"count":1'
minio_call admin GET list-users >/dev/null 2>&1
[ $? = 2 ] || fail "down: the connection is closed unanswered"
mc admin GET user-info accessKey=bob; want 200 "down for one request only"
minio_fault hang '"delay":1'
t0=$(date +%s%N)
minio_call admin GET list-users >/dev/null 2>&1
[ $? = 2 ] || fail "hang: no answer"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -ge 900 ] || fail "hang held the request"
minio_fault none
[ "$(minio_ctl /fake/audit | /usr/bin/python3 -c 'import json,sys; a=json.load(sys.stdin); print(sorted({e.get("fault") for e in a} - {None}))')" = "['down', 'error', 'hang']" ] ||
	fail "faults recorded in the audit"
echo "ok"
