#!/usr/bin/env bash
# A key accountd does not know is refused by sshd, while a registered one
# still logs in through the same server.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/akeys-lib.sh"

start_accountd
mkkey alice
mkkey stranger
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
akeys_sshd_start

expect_refused stranger alice
fp=$(ssh-keygen -lf "$T/keys/stranger.pub" | awk '{print $2}')
fp_re=$(printf '%s' "$fp" | sed 's/[+.]/\\&/g')
expect_in "$T/sshd.log" "user alice key ssh-ed25519 [.]{3}[^ ]+: refused: key $fp_re is not registered to this user"
expect_login alice alice
