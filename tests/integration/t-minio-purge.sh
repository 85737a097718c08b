#!/usr/bin/env bash
# accountctl del --purge --delete-bucket BUCKET also empties and deletes the
# account's MinIO bucket.  Any other bucket name is refused with nothing
# changed.  The choice is recorded with the purge (kpurge), so it survives
# a restart; MinIO down leaves the purge pending.  The bucket is emptied
# for at most 10 s a pass ("... more to go", pending; a slow MinIO makes
# that happen here), the next pass follows by itself until the bucket is
# empty, then it is deleted, then the namespace.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/minio-lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 missing"
# shellcheck disable=SC2119  # no extra arguments
start_minio_fake
minio_conf
kube_accountd "reconcile_interval: 0"
mkkey carol
mkkey dan
db=$T/state/meduse.db

expect_rc 0 ctl add carol --key "$T/keys/carol.pub"
expect_rc 0 ctl add dan --key "$T/keys/dan.pub"
sk=$(kube_obj secrets/u-carol/meduse-minio \
	"__import__('base64').b64decode(o['data']['AWS_SECRET_ACCESS_KEY']).decode()")
# More objects than one pass deletes.
for i in $(seq 1 1005); do
	minio_do --key "carol:$sk" s3 put_object \
		"{\"Bucket\":\"lab-carol\",\"Key\":\"d/$i.bin\",\"Body\":\"x\"}" >>"$T/puts"
done
if grep -q '^EXIT' "$T/puts"; then fail "put_object: $(grep -m1 -B3 '^EXIT' "$T/puts")"; fi
[ "$(minio_state 's["buckets"]["lab-carol"]["objects"]')" = 1005 ] || fail "objects not put"

expect_rc 0 ctl del carol --help
expect_in "$T/out" '--delete-bucket BUCKET'

# Refused, nothing changed: someone else's bucket, a made-up one, no --purge.
for b in lab-dan lab-carolx carol; do
	expect_rc 1 ctl del carol --purge --yes --confirm-pvcs home --delete-bucket "$b"
	expect_in "$T/err" "delete_bucket: \"$b\" is not the bucket of carol \(lab-carol\); nothing was changed"
done
expect_rc 2 ctl del carol --delete-bucket lab-carol
expect_in "$T/err" '--delete-bucket go with --purge'
expect_rc 0 ctl show carol
[ "$(sqlite3 "$db" 'SELECT count(*) FROM kpurge')" = 0 ] || fail "a purge was recorded"
[ "$(minio_state 's["buckets"]["lab-carol"]["objects"]')" = 1005 ] || fail "objects went"
[ "$(minio_state '"carol" in s["users"] and "lab-dan" in s["buckets"]')" = True ] ||
	fail "MinIO changed"
kube_objects | grep -q "namespaces//u-carol" || fail "u-carol went"

# MinIO down during the purge: recorded, pending; the namespace waits.
minio_fault down
expect_rc 0 ctl del carol --purge --yes --confirm-pvcs home --delete-bucket lab-carol
expect_in "$T/out" 'deleting bucket lab-carol'
expect_in "$T/err" 'the namespace waits for MinIO'
[ "$(sqlite3 "$db" "SELECT pvcs FROM kpurge WHERE account = 'carol'")" = "home bucket:lab-carol" ] ||
	fail "kpurge: $(sqlite3 "$db" 'SELECT * FROM kpurge')"
expect_rc 0 ctl status
expect_in "$T/out" 'purge of carol: namespace u-carol to delete \(PVCs confirmed: home\): bucket lab-carol to delete: pending'
expect_not_in "$T/out" 'bucket:'
expect_rc 0 ctl audit --account carol
expect_in "$T/out" 'bucket to delete: lab-carol'
# Re-adding the name would adopt the old data: refused.
expect_rc 1 ctl add carol --key "$T/keys/carol.pub"
expect_in "$T/err" 'still to be deleted'

# The choice survives a restart of accountd (its start pass finds MinIO
# still down).
stop_accountd
start_accountd
for _ in $(seq 1 100); do
	ctl status --json >"$T/st" 2>/dev/null &&
		/usr/bin/python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["reconciler"]["last_full"] is None)' <"$T/st" &&
		break
	sleep 0.1
done
/usr/bin/python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["reconciler"]["last_full"] is None)' <"$T/st" ||
	fail "no start pass: $(cat "$T/st")"
[ "$(minio_state 's["buckets"]["lab-carol"]["objects"]')" = 1005 ] || fail "objects deleted while MinIO was down?"
minio_fault none
expect_rc 0 ctl plan carol
expect_in "$T/err" 'delete +MinioBucket +lab-carol$'
[ "$(minio_state 's["buckets"]["lab-carol"]["objects"]')" = 1005 ] || fail "plan deleted objects"
# Slow MinIO (20 ms a request): the pass stops emptying after its 10 s.
minio_fault slow '"delay":0.02'
expect_rc 1 ctl sync carol
expect_in "$T/err" 'deleted +MinioUser +carol$'
expect_in "$T/err" 'pending +Namespace .*bucket lab-carol: [0-9]+ objects deleted in this pass, more to go'
expect_rc 0 ctl status
expect_in "$T/out" 'purge of carol: .*bucket lab-carol to delete: pending: the namespace waits for MinIO: bucket lab-carol: [0-9]+ objects deleted in this pass, more to go'
left=$(minio_state 's["buckets"]["lab-carol"]["objects"]')
[ "$left" -gt 0 ] && [ "$left" -lt 1005 ] || fail "the pass left $left objects of 1005"
[ "$(minio_state '"carol" in s["users"] or "meduse-carol" in s["policies"]')" = False ] ||
	fail "carol's user or policy left"
kube_objects | grep -q "namespaces//u-carol" || fail "u-carol deleted before the bucket"
# The next passes follow by themselves (reconcile_interval is 0 here).
minio_fault none
for _ in $(seq 1 300); do
	kube_objects | grep -q "namespaces//u-carol" || break
	sleep 0.2
done
[ "$(minio_state '"lab-carol" in s["buckets"]')" = False ] || fail "lab-carol left"
if kube_objects | grep -q "namespaces//u-carol"; then fail "u-carol left"; fi
[ "$(sqlite3 "$db" 'SELECT count(*) FROM kpurge')" = 0 ] || fail "kpurge row left"
expect_rc 0 ctl audit --account carol
expect_rc 0 ctl status
expect_not_in "$T/out" 'purge of carol'
# Dan's bucket and user were not touched.
[ "$(minio_state '"lab-dan" in s["buckets"] and "dan" in s["users"]')" = True ] ||
	fail "dan's MinIO objects touched"
expect_rc 0 ctl add carol --key "$T/keys/carol.pub"
expect_in "$T/err" 'created +MinioBucket +lab-carol$'
