#!/usr/bin/env bash
# pam_meduse refuses an expired account (expiry date past, or today) with
# PAM_ACCT_EXPIRED, and admits it again once the date is cleared.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/pam-lib.sh"

start_accountd
mkkey carol
mkkey dave
ctl add carol --key "$T/keys/carol.pub" --expires 2020-01-31 >/dev/null ||
	fail "accountctl add carol --expires 2020-01-31"
ctl add dave --key "$T/keys/dave.pub" --expires 2999-12-31 >/dev/null ||
	fail "accountctl add dave --expires 2999-12-31"
pam_service expired "config=$CONF"

expect_pam 1 "$PAM_MSG_ACCT_EXPIRED" "$PAM_SERVICE" carol acct_mgmt
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" dave acct_mgmt

# "expires on or before today" (UTC, as accountd counts) is expired.
ctl expire dave "$(date -u +%F)" >/dev/null || fail "accountctl expire dave today"
expect_pam 1 "$PAM_MSG_ACCT_EXPIRED" "$PAM_SERVICE" dave acct_mgmt

ctl expire carol never >/dev/null || fail "accountctl expire carol never"
expect_pam 0 "$PAM_MSG_OK" "$PAM_SERVICE" carol acct_mgmt
