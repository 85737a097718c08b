#!/usr/bin/env bash
# A key logs in only as the account it is registered to: alice's key is
# refused for bob, though both keys and both accounts are valid.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/akeys-lib.sh"

start_accountd
mkkey alice
mkkey bob
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
ctl add bob --key "$T/keys/bob.pub" >/dev/null || fail "accountctl add bob"
akeys_sshd_start

expect_refused alice bob
expect_refused bob alice
expect_login alice alice
expect_login bob bob
