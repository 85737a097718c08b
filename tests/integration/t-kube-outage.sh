#!/usr/bin/env bash
# The API server is down while an account is added: the account is saved
# (exit 0) with a warning that its objects are pending, status says so for
# each object, and the periodic pass applies them once the API is back,
# without anyone running sync.  A sync while down exits 1 with the warning.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
kube_accountd "reconcile_interval: 2s"
mkkey alice

kube_fault down
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
expect_in "$T/out" 'Created account alice'
expect_in "$T/err" 'accountctl: warning: kubernetes: 7 objects pending'
expect_rc 0 ctl show alice
expect_in "$T/out" 'alice'

expect_rc 0 ctl status alice
grep -E '^alice ' "$T/out" >"$T/rows"
[ "$(wc -l <"$T/rows")" = 7 ] || { cat "$T/out" >&2; fail "status: 7 rows for alice"; }
# Each row: pending, with the API's failure as the message (after the date).
while read -r line; do
	[[ $line =~ ^alice\ +[A-Za-z]+\ +u-alice[^\ ]*\ +pending\ +[^\ ]+\ +[^\ ].* ]] ||
		{ cat "$T/out" >&2; fail "status row not pending with a message: $line"; }
done <"$T/rows"
kube_objects >"$T/objects"
expect_not_in "$T/objects" 'u-alice'

# A sync while down: exit 1 and the same warning.
expect_rc 1 ctl sync alice
expect_in "$T/err" 'accountctl: warning: kubernetes: 7 objects pending'
kube_objects >"$T/objects"
expect_not_in "$T/objects" 'u-alice'

# Back up: the periodic pass (every 2 s) converges without a sync.
kube_fault none
for _ in $(seq 1 100); do
	ctl status alice >"$T/status" 2>&1
	[ "$(grep -cE '^alice .* applied ' "$T/status")" = 7 ] && break
	sleep 0.2
done
[ "$(grep -cE '^alice .* applied ' "$T/status")" = 7 ] ||
	{ cat "$T/status" >&2; fail "the periodic pass did not apply alice's objects in 20 s"; }
kube_objects >"$T/objects"
[ "$(grep -c '/u-alice' "$T/objects")" = 7 ] || { cat "$T/objects" >&2; fail "7 objects of alice in the fake"; }
for o in namespaces//u-alice resourcequotas/u-alice/meduse-quota \
	limitranges/u-alice/meduse-defaults persistentvolumeclaims/u-alice/home \
	rolebindings/u-alice/meduse-edit networkpolicies/u-alice/meduse-isolate \
	secrets/u-alice/meduse-ssh; do
	grep -qx "$o" "$T/objects" || { cat "$T/objects" >&2; fail "missing $o"; }
done
