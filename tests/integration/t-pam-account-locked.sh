#!/usr/bin/env bash
# pam_meduse refuses a locked account with PAM_PERM_DENIED, and admits it
# again once it is unlocked.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey bob
ctl add bob --key "$T/keys/bob.pub" >/dev/null || fail "accountctl add bob"
pam_service locked "config=$CONF"

ctl lock bob >/dev/null || fail "accountctl lock bob"
expect_pam 1 "$PAM_MSG_PERM_DENIED" "$PAM_SERVICE" bob acct_mgmt
expect_pam 1 "$PAM_MSG_PERM_DENIED" "$PAM_SERVICE" bob+gpu acct_mgmt

ctl unlock bob >/dev/null || fail "accountctl unlock bob"
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" bob acct_mgmt
