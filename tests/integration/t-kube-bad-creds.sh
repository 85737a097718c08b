#!/usr/bin/env bash
# Credentials the API server refuses: add still saves the account (exit 0,
# warned) and status shows each object failed with the API's message, not
# pending.  accountd -t names a kubeconfig that does not exist.  Without
# any kubernetes configuration, status says provisioning is off and sync
# fails with a clear message.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/fakes/kube-lib.sh"
start_kube_fake
cp "$CONF" "$T/base.yaml"
mkkey alice

grep -q "token: $KUBE_TOKEN" "$KUBECONFIG_FILE" || fail "test setup: no token in $KUBECONFIG_FILE"
sed "s/token: $KUBE_TOKEN/token: not-the-token/" "$KUBECONFIG_FILE" >"$T/bad-kubeconfig"
chmod 600 "$T/bad-kubeconfig"
{
	echo "kubernetes:"
	echo "  kubeconfig: $T/bad-kubeconfig"
	echo "  reconcile_interval: 0"
} >>"$CONF"
start_accountd
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
expect_in "$T/out" 'Created account alice'
expect_in "$T/err" 'accountctl: warning: kubernetes: 7 objects failed'
expect_not_in "$T/err" 'objects pending|^  pending'
expect_rc 0 ctl show alice
expect_rc 0 ctl status alice
grep -E '^alice ' "$T/out" >"$T/rows"
[ "$(wc -l <"$T/rows")" = 7 ] || { cat "$T/out" >&2; fail "status: 7 rows for alice"; }
[ "$(grep -cE ' failed .*Unauthorized' "$T/rows")" = 7 ] ||
	{ cat "$T/out" >&2; fail "status: not every object failed with 'Unauthorized'"; }
[ "$(kube_objects | grep -c .)" = 0 ] || fail "objects made with a refused token"
expect_rc 1 ctl sync alice
expect_in "$T/err" 'Unauthorized'
stop_accountd

# accountd -t: a kubeconfig that does not exist.
{ cat "$T/base.yaml"; echo "kubernetes:"; echo "  kubeconfig: $T/no-such-kubeconfig"; } >"$T/missing.yaml"
expect_rc 1 "$BIN/accountd" -t -c "$T/missing.yaml"
expect_in "$T/err" "$T/no-such-kubeconfig"
expect_not_in "$T/out" 'configuration OK'

# No kubernetes section at all.
cp "$T/base.yaml" "$CONF"
start_accountd
expect_rc 0 ctl status
expect_in "$T/out" 'Kubernetes provisioning is off'
expect_rc 1 ctl sync
expect_in "$T/err" 'provisioning is off'
expect_in "$T/err" 'kubernetes\.kubeconfig'
expect_rc 1 ctl plan alice
expect_in "$T/err" 'provisioning is off'
