#!/usr/bin/env bash
# pam_meduse refuses a user accountd does not know, a purged account and a
# name that is not a valid account name, with PAM_USER_UNKNOWN.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey erin
ctl add erin --key "$T/keys/erin.pub" >/dev/null || fail "accountctl add erin"
pam_service unknown "config=$CONF"

expect_pam 1 "$PAM_MSG_USER_UNKNOWN" "$PAM_SERVICE" dave acct_mgmt
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" erin acct_mgmt
ctl del erin --purge --yes >/dev/null </dev/null || fail "accountctl del --purge erin"
expect_pam 1 "$PAM_MSG_USER_UNKNOWN" "$PAM_SERVICE" erin acct_mgmt
# Not account names: never sent to accountd, refused all the same.
for u in root Erin 'erin;id' erin+ -erin; do
	expect_pam 1 "$PAM_MSG_USER_UNKNOWN" "$PAM_SERVICE" "$u" acct_mgmt
done
