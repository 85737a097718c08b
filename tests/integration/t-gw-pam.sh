#!/usr/bin/env bash
# The PAM account stage (gateway.pam_service) runs after the key is accepted:
# with pam_meduse.so an active account logs in; a stack that denies refuses
# the login like any other refusal, and the log names PAM.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

svc=meduse-gw-test-$$
cat >"/etc/pam.d/$svc" <<P || fail "cannot write /etc/pam.d/$svc"
account required $LIBDIR/pam_meduse.so
P
cat >"/etc/pam.d/$svc-deny" <<P || fail "cannot write /etc/pam.d/$svc-deny"
account required pam_deny.so
P
gw_setup "pam_service: $svc"
expect_rc 0 gw_ssh alice alice echo through-pam
expect_in "$T/out" '^through-pam$'
sed -i "s/pam_service: $svc\$/pam_service: $svc-deny/" "$CONF"
kill -HUP "$GW_PID"
for i in $(seq 1 40); do grep -q 'configuration reloaded' "$T/gateway.log" && break; sleep 0.05; done
expect_rc 255 gw_ssh alice alice echo should-not-run
expect_in "$T/err" 'Permission denied \(publickey\)'
expect_in "$T/gateway.log" "user alice from 127\.0\.0\.1 key SHA256:[^ ]+: refused \(PAM account stage \(service $svc-deny\)"
rm -f "/etc/pam.d/$svc" "/etc/pam.d/$svc-deny"
