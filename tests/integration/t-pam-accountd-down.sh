#!/usr/bin/env bash
# pam_meduse fails closed: with accountd stopped, or a socket nobody listens
# on, even an active account gets PAM_AUTHINFO_UNAVAIL.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
pam_service down "config=$CONF timeout=3000"
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" alice acct_mgmt

stop_accountd
expect_pam 1 "$PAM_MSG_AUTHINFO_UNAVAIL" "$PAM_SERVICE" alice acct_mgmt

pam_service nowhere "socket=$T/run/nobody-here.sock"
expect_pam 1 "$PAM_MSG_AUTHINFO_UNAVAIL" "$PAM_SERVICE" alice acct_mgmt
