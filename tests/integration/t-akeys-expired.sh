#!/usr/bin/env bash
# An account whose expiry date has passed cannot log in; clearing the expiry
# lets the same key in.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/akeys-lib.sh"

start_accountd
mkkey carol
ctl add carol --expires 2020-01-01 --key "$T/keys/carol.pub" >/dev/null ||
	fail "accountctl add carol with a past expiry"
akeys_sshd_start

expect_refused carol carol
expect_in "$T/sshd.log" "refused: account carol is expired"

ctl expire carol never >/dev/null || fail "accountctl expire carol never"
expect_login carol carol
