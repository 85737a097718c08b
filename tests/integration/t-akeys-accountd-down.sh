#!/usr/bin/env bash
# meduse-authorized-keys fails closed: with accountd stopped, a registered key
# is refused, and sshd's log carries the helper's one-line reason.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/akeys-lib.sh"

start_accountd
mkkey alice
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
akeys_sshd_start
expect_login alice alice

stop_accountd
expect_refused alice alice
expect_in "$T/sshd.log" "meduse-authorized-keys: error: user alice key ssh-ed25519 [.]{3}[^ ]+: refused: cannot ask accountd \(unavailable\)"
# sshd saw the helper fail, and accepted nothing.
expect_in "$T/sshd.log" "AuthorizedKeysCommand .* failed, status 1"
[ "$(grep -c "Accepted publickey" "$T/sshd.log")" -eq 1 ] ||
	fail "sshd accepted a key while accountd was down"
