#!/usr/bin/env bash
# A MinIO without bucket quotas (a gateway, which answered the quota calls
# NotImplemented) still gets each account its user, bucket, policy and
# Secret: the bucket goes without a quota, and the outcome says so instead
# of leaving the account pending for ever.  The next sync is unchanged.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
. "$TOP/tests/fakes/minio-lib.sh"
start_minio_fake --no-bucket-quota
minio_conf
kube_accountd "reconcile_interval: 0"
mkkey alice

NOQ='no quota: this MinIO does not support bucket quotas \(NotImplemented\)'
expect_rc 0 ctl add alice --key "$T/keys/alice.pub" --storage 200Gi
expect_in "$T/err" "created +MinioBucket +lab-alice: $NOQ\$"
expect_in "$T/err" 'created +MinioPolicy +meduse-alice$'
expect_in "$T/err" ' 0 pending, 0 failed'
[ "$(minio_state '"lab-alice" in s["buckets"] and s["buckets"]["lab-alice"]["quota"] is None')" = True ] ||
	fail "bucket: $(minio_state 's["buckets"].get("lab-alice")')"
[ "$(minio_state 's["users"]["alice"]["policies"]')" = "['meduse-alice']" ] ||
	fail "policy not attached"
kube_obj secrets/u-alice/meduse-minio 'o["data"]["AWS_ACCESS_KEY_ID"]' >/dev/null ||
	fail "no Secret meduse-minio"
# The quota calls were made, and refused as the fake's gateway does.
minio_ctl /fake/audit | /usr/bin/python3 -c '
import json, sys
codes = {(e["method"], e["path"].rsplit("/", 1)[-1], e.get("code")) for e in json.load(sys.stdin)}
sys.exit(not {("PUT", "set-bucket-quota", 501)} <= codes)' ||
	fail "set-bucket-quota was not answered 501"

expect_rc 0 ctl sync alice
expect_in "$T/err" "unchanged +MinioBucket +lab-alice: $NOQ\$"
expect_not_in "$T/err" 'pending|failed|created|updated|restored'
expect_rc 0 ctl status alice
expect_not_in "$T/out" ' (pending|failed) '
echo ok
