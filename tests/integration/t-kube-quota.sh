#!/usr/bin/env bash
# Quota changes reach the cluster at once: a larger home grows the PVC, a
# smaller one is refused (a PVC cannot shrink) and changes nothing.  plan
# shows a hand-made change to an object without touching it; sync repairs it.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
kube_accountd "reconcile_interval: 0"
mkkey alice
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
[ "$(kube_obj persistentvolumeclaims/u-alice/home 'o["spec"]["resources"]["requests"]["storage"]')" = 50Gi ] ||
	fail "default home PVC"

expect_rc 0 ctl quota alice --gpu 4 --home 80Gi
expect_in "$T/out" 'alice: .*gpu 4, .*home 80Gi'
expect_in "$T/err" 'updated +PersistentVolumeClaim +u-alice/home'
expect_in "$T/err" 'updated +ResourceQuota +u-alice/meduse-quota'
[ "$(kube_obj persistentvolumeclaims/u-alice/home 'o["spec"]["resources"]["requests"]["storage"]')" = 80Gi ] ||
	fail "the PVC did not grow to 80Gi"
[ "$(kube_obj resourcequotas/u-alice/meduse-quota 'o["spec"]["hard"]["requests.nvidia.com/gpu"]')" = 4 ] ||
	fail "quota gpu 4"

# Shrinking home is refused; neither the database nor the cluster change.
db_dump >"$T/db.before"
kube_ctl /fake/objects >"$T/fake.before"
expect_rc 1 ctl quota alice --home 10Gi
expect_in "$T/err" 'cannot shrink'
db_dump >"$T/db.after"
kube_ctl /fake/objects >"$T/fake.after"
cmp -s "$T/db.before" "$T/db.after" || { diff "$T/db.before" "$T/db.after" >&2; fail "refused quota changed the database"; }
cmp -s "$T/fake.before" "$T/fake.after" || fail "refused quota changed the cluster"
expect_rc 0 ctl quota alice
expect_in "$T/out" 'gpu 4, .*home 80Gi'

# Someone edits the quota by hand: plan shows it and changes nothing.
kube_api -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
	--data-binary '{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"meduse-quota","namespace":"u-alice"},"spec":{"hard":{"requests.nvidia.com/gpu":"8"}}}' \
	'/api/v1/namespaces/u-alice/resourcequotas/meduse-quota?fieldManager=kubectl&force=true' >"$T/patch"
[ "$(tail -n 1 "$T/patch")" = 200 ] || { cat "$T/patch" >&2; fail "hand edit"; }
kube_ctl /fake/objects >"$T/fake.before"
expect_rc 0 ctl plan alice
expect_in "$T/out" '^~ update +alice: ResourceQuota u-alice/meduse-quota'
expect_in "$T/out" '^ +.*requests\.nvidia\.com/gpu.*"8" -> "4"'
expect_in "$T/out" 'Plan: 0 to create, 1 to update, 0 to delete'
kube_ctl /fake/objects >"$T/fake.after"
cmp -s "$T/fake.before" "$T/fake.after" || fail "plan changed the cluster"
[ "$(kube_obj resourcequotas/u-alice/meduse-quota 'o["spec"]["hard"]["requests.nvidia.com/gpu"]')" = 8 ] ||
	fail "plan changed the hand-edited quota"

expect_rc 0 ctl sync alice
expect_in "$T/err" 'updated +ResourceQuota +u-alice/meduse-quota'
[ "$(kube_obj resourcequotas/u-alice/meduse-quota 'o["spec"]["hard"]["requests.nvidia.com/gpu"]')" = 4 ] ||
	fail "sync did not repair the quota"
expect_rc 0 ctl plan alice
expect_in "$T/out" 'Plan: 0 to create, 0 to update, 0 to delete, 0 namespaces to purge, 7 unchanged'
