#!/usr/bin/env bash
# The fingerprint form (AuthorizedKeysCommand ... %u %f): the helper gets only
# the fingerprint and prints the key accountd holds for it.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/akeys-lib.sh"

start_accountd
mkkey alice
mkkey stranger
mkkey bob -t ecdsa -b 384
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
ctl add bob --key "$T/keys/bob.pub" >/dev/null || fail "accountctl add bob"
akeys_sshd_start "%u %f"
expect_in "$T/sshd_config" "meduse-authorized-keys -c .* %u %f$"

expect_login alice alice
expect_login bob bob
expect_refused stranger alice
expect_refused bob alice
