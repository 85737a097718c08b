#!/usr/bin/env bash
# pam_meduse works in an unprivileged host program whose user is in the
# gateway group (as meduse-sshd runs), and fails closed in one whose user is
# not: accountd denies it, and the module answers PAM_AUTHINFO_UNAVAIL.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey alice
mkkey bob
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
ctl add bob --key "$T/keys/bob.pub" >/dev/null || fail "accountctl add bob"
ctl lock bob >/dev/null || fail "accountctl lock bob"
chmod 0644 "$CONF"
pam_service gateway "config=$CONF"

expect_pam -u mdgw 0 "$PAM_MSG_OK" "$PAM_SERVICE" alice acct_mgmt
expect_pam -u mdgw 1 "$PAM_MSG_PERM_DENIED" "$PAM_SERVICE" bob acct_mgmt
expect_pam -u mdgw 1 "$PAM_MSG_USER_UNKNOWN" "$PAM_SERVICE" carol acct_mgmt

expect_pam -u mdnobody 1 "$PAM_MSG_AUTHINFO_UNAVAIL" "$PAM_SERVICE" alice acct_mgmt
expect_pam -u mdnobody 1 "$PAM_MSG_AUTHINFO_UNAVAIL" "$PAM_SERVICE" carol acct_mgmt
