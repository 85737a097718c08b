#!/usr/bin/env bash
# pam_meduse admits an active account: pamtester acct_mgmt succeeds through
# real libpam, whether the socket comes from config= or socket=, and for the
# "name+workspace" login form that meduse-sshd passes.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"

pam_service active "config=$CONF"
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" alice acct_mgmt
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" alice+gpu acct_mgmt

pam_service active-socket "socket=$T/run/accountd.sock timeout=5000"
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" alice acct_mgmt
