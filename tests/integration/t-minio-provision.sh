#!/usr/bin/env bash
# With minio.endpoint set, accountctl add gives the account a MinIO user, a
# bucket with its storage quota, a canned policy meduse-NAME (read-write on
# its bucket, read-only on the shared ones) attached to the user, and the
# Secret meduse-minio in its namespace.  The secret key is in the Secret and
# MinIO only: not in accountd's log nor in its database.  The user's own
# credentials write its bucket and only read a shared one.  `accountctl
# minio rotate` gives a new key (the old one refused); `accountctl show
# --secrets` shows the keys (audited, admins only), plain show never.
# lock/unlock/del follow on the user's status (a purge removes the user and
# policy, not the bucket); MinIO down leaves the MinIO part pending and a
# later sync converges; an unchanged sync sends no change.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/minio-lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 missing"
# shellcheck disable=SC2119  # no extra arguments
start_minio_fake
minio_call s3 create_bucket '{"Bucket":"datasets"}' >/dev/null
minio_call s3 put_object '{"Bucket":"datasets","Key":"mnist.csv","Body":"1,2"}' >/dev/null
minio_conf "shared_read: [datasets]"
kube_accountd "reconcile_interval: 0"
mkkey alice
mkkey bob

skey() {	# skey KUBE-OBJ-KEY DATA-KEY: a key of a Secret in the fake, decoded
	kube_obj "$1" "__import__('base64').b64decode(o['data']['$2']).decode()"
}

expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
expect_in "$T/err" 'created +MinioUser +alice$'
expect_in "$T/err" 'created +MinioBucket +lab-alice$'
expect_in "$T/err" 'created +MinioPolicy +meduse-alice$'
expect_in "$T/err" ' 0 pending, 0 failed'
[ "$(minio_state 's["users"]["alice"]["status"]')" = enabled ] || fail "alice not enabled in MinIO"
[ "$(minio_state 's["users"]["alice"]["policies"]')" = "['meduse-alice']" ] ||
	fail "policy not attached: $(minio_state 's["users"]["alice"]')"
[ "$(minio_state 's["buckets"]["lab-alice"]["hard_quota"] > 0')" = True ] ||
	fail "no quota on lab-alice: $(minio_state 's["buckets"]["lab-alice"]')"
doc=$(minio_state 'json.dumps(s["policies"]["meduse-alice"]["doc"], sort_keys=True)')
for want in '"arn:aws:s3:::lab-alice"' '"arn:aws:s3:::lab-alice/*"' \
    '"arn:aws:s3:::datasets"' '"arn:aws:s3:::datasets/*"' '"s3:PutObject"' \
    '"s3:ListBucketMultipartUploads"' '"s3:AbortMultipartUpload"'; do
	case $doc in *"$want"*) ;; *) fail "policy lacks $want: $doc" ;; esac
done
key=secrets/u-alice/meduse-minio
kube_objects | grep -qx "$key" || { kube_objects >&2; fail "no Secret meduse-minio"; }
[ "$(skey $key AWS_ACCESS_KEY_ID)" = alice ] || fail "access key"
sk=$(skey $key AWS_SECRET_ACCESS_KEY)
sk0=$sk
[ "${#sk}" = 40 ] || fail "secret key length ${#sk}"
[ "$sk" = "$(minio_state 's["users"]["alice"]["secret_key"]')" ] || fail "Secret and MinIO differ"
[ "$(skey $key AWS_ENDPOINT_URL)" = "$MINIO_URL" ] || fail "AWS_ENDPOINT_URL"
[ "$(skey $key MLFLOW_S3_ENDPOINT_URL)" = "$MINIO_URL" ] || fail "MLFLOW_S3_ENDPOINT_URL"
[ "$(skey $key AWS_DEFAULT_REGION)" = us-east-1 ] || fail "AWS_DEFAULT_REGION"
[ "$(skey $key dvc-config)" = "$(printf '[core]\n    remote = meduse\n['"'"'remote "meduse"'"'"']\n    url = s3://lab-alice\n    endpointurl = %s' "$MINIO_URL")" ] ||
	fail "dvc-config: $(skey $key dvc-config)"
[ "$(kube_obj $key 'o["metadata"]["labels"]["meduse.io/account"]')" = alice ] || fail "Secret label"

# The secret is nowhere else.
if grep -qF -e "$sk" -e "$sk0" "$T/accountd.log"; then fail "the secret key is in accountd's log"; fi
if sqlite3 "$T/state/meduse.db" .dump | grep -qF -e "$sk" -e "$sk0"; then fail "the secret key is in the database"; fi
ctl status alice >"$T/out" 2>&1
if grep -qF "$sk" "$T/out"; then fail "the secret key is in accountctl status"; fi
expect_in "$T/out" 'MinioUser .*applied'

# The user's own credentials: its bucket read-write, datasets read-only.
minio_call --key "alice:$sk" s3 put_object '{"Bucket":"lab-alice","Key":"a.txt","Body":"hi"}' >"$T/out"
expect_in "$T/out" 'HTTP 200'
[ "$(minio_state 's["buckets"]["lab-alice"]["keys"]')" = "['a.txt']" ] || fail "object not in lab-alice"
minio_call --key "alice:$sk" s3 get_object '{"Bucket":"datasets","Key":"mnist.csv"}' >"$T/out"
expect_in "$T/out" 'HTTP 200'
minio_call --key "alice:$sk" s3 put_object '{"Bucket":"datasets","Key":"x","Body":"x"}' >"$T/out"
expect_in "$T/out" 'AccessDenied'

# Unchanged: nothing sent to MinIO but looks.
n=$(minio_ctl /fake/audit | /usr/bin/python3 -c 'import json,sys; print(sum(1 for a in json.load(sys.stdin) if a["method"] not in ("GET","HEAD")))')
expect_rc 0 ctl sync alice
expect_in "$T/err" 'unchanged +MinioUser' 
expect_not_in "$T/err" 'created|updated|disabled'
[ "$(minio_ctl /fake/audit | /usr/bin/python3 -c 'import json,sys; print(sum(1 for a in json.load(sys.stdin) if a["method"] not in ("GET","HEAD")))')" = "$n" ] ||
	fail "an unchanged sync changed MinIO"
[ "$(skey $key AWS_SECRET_ACCESS_KEY)" = "$sk" ] || fail "the secret changed"
expect_rc 0 ctl plan alice
expect_not_in "$T/err" ' (create|update) +Minio'

# A new key: in the Secret and on the user; the old one is refused.
expect_rc 0 ctl minio rotate --help
expect_in "$T/out" 'new secret key'
expect_rc 0 ctl minio rotate alice
expect_in "$T/err" 'rotated +MinioUser +alice$'
sk0=$sk
sk=$(skey $key AWS_SECRET_ACCESS_KEY)
{ [ "${#sk}" = 40 ] && [ "$sk" != "$sk0" ]; } || fail "rotate did not change the Secret"
[ "$sk" = "$(minio_state 's["users"]["alice"]["secret_key"]')" ] || fail "Secret and MinIO differ after rotate"
minio_call --key "alice:$sk0" s3 put_object '{"Bucket":"lab-alice","Key":"b.txt","Body":"x"}' >"$T/out"
expect_in "$T/out" 'SignatureDoesNotMatch|InvalidAccessKeyId'
minio_call --key "alice:$sk" s3 put_object '{"Bucket":"lab-alice","Key":"b.txt","Body":"x"}' >"$T/out"
expect_in "$T/out" 'HTTP 200'
expect_rc 0 ctl audit --account alice
expect_in "$T/out" 'minio.rotate'
if grep -qF -e "$sk" -e "$sk0" "$T/out"; then fail "a secret key in the audit"; fi
expect_rc 0 ctl sync alice
expect_in "$T/err" 'unchanged +MinioUser +alice$'
[ "$(skey $key AWS_SECRET_ACCESS_KEY)" = "$sk" ] || fail "a sync changed the rotated key"
expect_rc 1 ctl minio rotate nosuch
if sqlite3 "$T/state/meduse.db" .dump | grep -qF -e "$sk" -e "$sk0"; then fail "a secret key in the database"; fi

# show --secrets: the keys of the Secret, audited without them; never
# without --secrets; admins only.
expect_rc 0 ctl show alice --secrets
expect_in "$T/out" '^MinIO access key: alice$'
grep -qxF "MinIO secret key: $sk" "$T/out" || fail "show --secrets: $(cat "$T/out")"
expect_rc 0 ctl show alice --secrets --json
[ "$(/usr/bin/python3 -c 'import json,sys; m = json.load(sys.stdin)["minio"]; print(m["access_key"], m["secret_key"])' <"$T/out")" = "alice $sk" ] ||
	fail "show --secrets --json: $(cat "$T/out")"
expect_rc 0 ctl show alice
if grep -qF -e "$sk" -e MinIO "$T/out"; then fail "plain show shows the keys"; fi
expect_rc 0 ctl show alice --json
if grep -qF -e "$sk" -e secret_key "$T/out"; then fail "show --json shows the keys"; fi
expect_rc 0 ctl show --help
expect_in "$T/out" '--secrets'
expect_rc 0 ctl audit --account alice
expect_in "$T/out" 'minio.secrets.*minio access key and secret key shown'
if grep -qF "$sk" "$T/out"; then fail "a secret key in the audit"; fi
expect_rc 1 ctl show nosuch --secrets
expect_rc 0 as_user mdgw /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock" <<EOF2
{"v":1,"method":"minio.secrets","params":{"name":"alice"}}
EOF2
expect_in "$T/out" '"code":"denied"'
if grep -qF "$sk" "$T/out"; then fail "the gateway group got the key"; fi

# lock, unlock, del.
expect_rc 0 ctl lock alice
expect_in "$T/err" 'disabled +MinioUser'
[ "$(minio_state 's["users"]["alice"]["status"]')" = disabled ] || fail "lock"
expect_rc 0 ctl unlock alice
[ "$(minio_state 's["users"]["alice"]["status"]')" = enabled ] || fail "unlock"

# MinIO down: bob's account and cluster objects are made, MinIO waits.
minio_fault down
expect_rc 0 ctl add bob --key "$T/keys/bob.pub"
expect_in "$T/err" 'pending +MinioUser +bob'
expect_in "$T/err" 'warning: .*1 objects pending'
expect_rc 0 ctl status bob
expect_in "$T/out" 'MinioUser .*pending'
expect_rc 0 ctl plan
expect_rc 1 ctl sync bob
expect_in "$T/err" 'pending +MinioUser +bob'
if kube_objects | grep -q "secrets/u-bob/meduse-minio"; then fail "a Secret without a MinIO user"; fi
minio_fault none
expect_rc 0 ctl plan bob
expect_in "$T/err" 'create +MinioUser +bob$'
expect_in "$T/err" 'create +MinioBucket +lab-bob$'
expect_in "$T/err" 'create +MinioPolicy +meduse-bob$'
expect_in "$T/err" 'create +Secret +u-bob/meduse-minio'
[ "$(minio_state '"bob" in s["users"]')" = False ] || fail "plan made bob's user"
expect_rc 0 ctl sync bob
expect_in "$T/err" 'created +MinioUser +bob$'
expect_in "$T/out" ' 0 pending, 0 failed'
[ "$(skey secrets/u-bob/meduse-minio AWS_SECRET_ACCESS_KEY)" = "$(minio_state 's["users"]["bob"]["secret_key"]')" ] ||
	fail "bob's Secret and MinIO differ"

expect_rc 0 ctl del alice
[ "$(minio_state 's["users"]["alice"]["status"]')" = disabled ] || fail "del did not disable"
[ "$(minio_state '"lab-alice" in s["buckets"]')" = True ] || fail "del removed the bucket"

if grep -qF -e "$sk" -e "$sk0" "$T/accountd.log"; then fail "the secret key is in accountd's log"; fi
if sqlite3 "$T/state/meduse.db" .dump | grep -qF -e "$sk" -e "$sk0"; then fail "the secret key is in the database"; fi

# A purge removes bob's user and policy, MinIO down or not; the bucket stays.
minio_fault down
expect_rc 0 ctl del bob --purge --yes --confirm-pvcs home
expect_in "$T/err" 'the namespace waits for MinIO'
[ "$(minio_state '"bob" in s["users"]')" = True ] || fail "bob's user gone while MinIO was down?"
kube_objects | grep -q "namespaces//u-bob" || fail "u-bob deleted before MinIO's user"
minio_fault none
expect_rc 0 ctl plan bob
expect_in "$T/err" 'delete +MinioUser +bob$'
expect_rc 0 ctl sync bob
expect_in "$T/err" 'deleted +MinioUser +bob$'
expect_in "$T/err" 'deleted +MinioPolicy +meduse-bob$'
[ "$(minio_state '"bob" in s["users"]')" = False ] || fail "bob's user left"
[ "$(minio_state '"meduse-bob" in s["policies"]')" = False ] || fail "bob's policy left"
[ "$(minio_state '"lab-bob" in s["buckets"]')" = True ] || fail "bob's bucket deleted"
