#!/usr/bin/env bash
# accountctl add leaves the cluster ready: every object of the account is
# applied to the strict fake, status shows them applied, and a second sync
# with nothing changed sends no object again.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
kube_accountd "reconcile_interval: 0"
mkkey alice

expect_rc 0 ctl add alice --key "$T/keys/alice.pub" --gpu 2
expect_in "$T/err" 'created +Namespace +u-alice'
expect_in "$T/err" 'created +PersistentVolumeClaim +u-alice/home'
expect_in "$T/err" 'kubernetes: 7 applied, 0 unchanged, 0 deleted, 0 pending, 0 failed'
expect_in "$T/out" 'Created account alice'
kube_objects >"$T/objects"
for o in namespaces//u-alice resourcequotas/u-alice/meduse-quota \
	limitranges/u-alice/meduse-defaults persistentvolumeclaims/u-alice/home \
	rolebindings/u-alice/meduse-edit networkpolicies/u-alice/meduse-isolate \
	secrets/u-alice/meduse-ssh; do
	grep -qx "$o" "$T/objects" || { cat "$T/objects" >&2; fail "missing $o"; }
done
[ "$(kube_obj resourcequotas/u-alice/meduse-quota 'o["spec"]["hard"]["requests.nvidia.com/gpu"]')" = 2 ] ||
	fail "quota gpu"

expect_rc 0 ctl status alice
expect_in "$T/out" '^alice +ResourceQuota +u-alice/meduse-quota +applied'
[ "$(grep -c ' applied ' "$T/out")" = 7 ] || { cat "$T/out" >&2; fail "status: 7 applied"; }

# Nothing changed: one list per kind, no apply.
curl -sS -X DELETE "$KUBE_CONTROL/fake/stats" >/dev/null
expect_rc 0 ctl sync
expect_in "$T/out" 'kubernetes: 0 applied, 7 unchanged, 0 deleted, 0 pending, 0 failed \(7 API requests\)'
[ "$(kube_calls)" = 7 ] || fail "unchanged pass made $(kube_calls) requests"

# Someone edits an object by hand: the next pass puts it back.
kube_api -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
	--data-binary '{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"meduse-quota","namespace":"u-alice"},"spec":{"hard":{"requests.nvidia.com/gpu":"8"}}}' \
	'/api/v1/namespaces/u-alice/resourcequotas/meduse-quota?fieldManager=kubectl&force=true' >/dev/null
expect_rc 0 ctl sync alice
expect_in "$T/err" 'updated +ResourceQuota +u-alice/meduse-quota'
[ "$(kube_obj resourcequotas/u-alice/meduse-quota 'o["spec"]["hard"]["requests.nvidia.com/gpu"]')" = 2 ] ||
	fail "drift not repaired"

# lock keeps everything: nothing is deleted or changed in the cluster.
kube_objects >"$T/before"
expect_rc 0 ctl lock alice
expect_rc 0 ctl sync alice
expect_in "$T/out" 'kubernetes: 0 applied, 7 unchanged, 0 deleted, 0 pending, 0 failed'
kube_objects | cmp -s - "$T/before" || fail "lock changed the cluster's objects"
