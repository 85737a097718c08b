#!/usr/bin/env bash
# pam_meduse's session stage succeeds (it only logs today), for a meduse
# account and even while accountd is down, since it does not ask accountd.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
pam_service session "config=$CONF"

expect_pam 0 'successfully opened a session' "$PAM_SERVICE" alice open_session close_session
expect_in "$T/pam-out" 'session has successfully been closed'

stop_accountd
expect_pam 0 'successfully opened a session' "$PAM_SERVICE" alice open_session close_session
expect_in "$T/pam-out" 'session has successfully been closed'
