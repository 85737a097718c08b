#!/usr/bin/env bash
# A PVC that appears after the admin confirmed a purge stops the namespace's
# deletion: the kpurge row fails with a message naming it, status shows it,
# the name cannot be reused meanwhile (the deletion would take a newcomer's
# home), and once the PVC is gone the next pass finishes the purge.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
kube_accountd "reconcile_interval: 0"
mkkey dave
expect_rc 0 ctl add dave --key "$T/keys/dave.pub"

# The confirmation named "home" only; "scratch" appears before the worker runs.
kube_api -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
	--data-binary '{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"scratch","namespace":"u-dave"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}' \
	'/api/v1/namespaces/u-dave/persistentvolumeclaims/scratch?fieldManager=kubectl' >"$T/patch"
grep -qx '20[01]' <(tail -n 1 "$T/patch") || { cat "$T/patch" >&2; fail "PVC scratch"; }
echo '{"v":1,"method":"account.del","params":{"name":"dave","purge":true,"confirm_pvcs":["home"]}}' |
	/usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock" >"$T/out" ||
	fail "rawcall"
expect_in "$T/out" '"ok":true'
job=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["result"]["kubernetes_job"])' "$T/out")
[ -n "$job" ] || fail "no kubernetes_job in the answer"

# The worker refuses; status says why and names the PVC.
for _ in $(seq 1 100); do
	ctl status >"$T/status" 2>&1
	grep -q 'purge of dave: .*failed' "$T/status" && break
	sleep 0.1
done
expect_in "$T/status" 'purge of dave: namespace u-dave to delete \(PVCs confirmed: home\): failed: .*scratch'
kube_objects | grep -qx 'namespaces//u-dave' || fail "the namespace was deleted with an unconfirmed PVC"
kube_objects | grep -qx 'persistentvolumeclaims/u-dave/scratch' || fail "scratch is gone"

# Meanwhile the name is not reused.
expect_rc 1 ctl add dave --key "$T/keys/dave.pub"
expect_in "$T/err" 'namespace u-dave of the purged account dave is still to be deleted'
expect_rc 1 ctl show dave

# scratch goes; a sync of the purged name finishes the purge.
kube_api -X DELETE '/api/v1/namespaces/u-dave/persistentvolumeclaims/scratch' >/dev/null
expect_rc 0 ctl sync dave
expect_in "$T/err" 'deleted +Namespace +u-dave'
kube_objects | grep -q 'u-dave' && fail "u-dave objects left: $(kube_objects | grep u-dave)"
[ "$(sqlite3 "$T/state/meduse.db" 'SELECT count(*) FROM kpurge')" = 0 ] || fail "kpurge row left"
expect_rc 0 ctl add dave --key "$T/keys/dave.pub"
expect_in "$T/err" 'created +Namespace +u-dave'
