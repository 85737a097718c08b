#!/usr/bin/env bash
# With kubernetes.volcano, each account gets a Volcano Queue sized like its
# quota and its namespace names the queue; once volcano is turned off, a
# sync deletes the Queue and drops the annotation.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
kube_accountd "reconcile_interval: 0" "volcano: true"
mkkey alice

expect_rc 0 ctl add alice --key "$T/keys/alice.pub" --cpu 6 --memory 24Gi --gpu 3
expect_in "$T/err" 'created +Queue +u-alice'
expect_in "$T/err" 'kubernetes: 8 applied'
kube_objects >"$T/objects"
grep -qx 'queues//u-alice' "$T/objects" || { cat "$T/objects" >&2; fail "no Queue u-alice"; }
cap=$(kube_obj queues//u-alice 'sorted(o["spec"]["capability"].items())')
[ "$cap" = "[('cpu', '6'), ('memory', '24Gi'), ('nvidia.com/gpu', '3')]" ] ||
	fail "Queue capability is $cap"
hard=$(kube_obj resourcequotas/u-alice/meduse-quota \
	'[o["spec"]["hard"][k] for k in ("limits.cpu", "limits.memory", "requests.nvidia.com/gpu")]')
[ "$hard" = "['6', '24Gi', '3']" ] || fail "quota is $hard, unlike the Queue"
[ "$(kube_obj namespaces//u-alice 'o["metadata"]["annotations"]["scheduling.volcano.sh/queue-name"]')" = u-alice ] ||
	fail "namespace not annotated with its queue"
expect_rc 0 ctl status alice
expect_in "$T/out" '^alice +Queue +u-alice +applied'

# Volcano off: the Queue goes, the annotation too, the rest stays.
grep -q '^  volcano: true$' "$CONF" || fail "test setup: no volcano line in $CONF"
sed -i '/^  volcano: true$/d' "$CONF"
stop_accountd
start_accountd
expect_rc 0 ctl sync
kube_objects >"$T/objects"
expect_not_in "$T/objects" '^queues/'
[ "$(grep -c '/u-alice' "$T/objects")" = 7 ] || { cat "$T/objects" >&2; fail "alice's 7 other objects"; }
[ "$(kube_obj namespaces//u-alice '(o["metadata"].get("annotations") or {}).get("scheduling.volcano.sh/queue-name", "none")')" = none ] ||
	fail "the namespace still names a queue"
expect_rc 0 ctl status alice
expect_not_in "$T/out" 'Queue'
expect_rc 0 ctl sync
expect_in "$T/out" 'kubernetes: 0 applied, 7 unchanged, 0 deleted, 0 pending, 0 failed'
