#!/usr/bin/env bash
# A wrong key, an unknown user, a locked and an expired account are refused
# alike: same exit status, same client output, so nobody learns which
# accounts exist; each refusal is logged once with its real reason.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
mkkey stranger
mkkey bob
ctl add bob --key "$T/keys/bob.pub" >/dev/null || fail "accountctl add bob"
ctl lock bob >/dev/null || fail "accountctl lock bob"
mkkey carol
ctl add carol --key "$T/keys/carol.pub" --expires 2020-01-01 >/dev/null ||
	fail "accountctl add carol --expires"

try() {	# KEY LOGIN
	expect_rc 255 gw_ssh "$1" "$2" echo should-not-run
	expect_not_in "$T/out" should-not-run
	sed "s/$2/LOGIN/g" "$T/err" >"$T/err.$1.$2"
}
try stranger alice	# wrong key
try alice zed		# unknown user
try bob bob		# locked
try carol carol		# expired
try alice bob		# someone else's key
expect_in "$T/err.stranger.alice" 'Permission denied \(publickey\)'
for f in "$T"/err.*; do
	cmp -s "$T/err.stranger.alice" "$f" || {
		diff "$T/err.stranger.alice" "$f" >&2
		fail "refusals differ: $(basename "$f")"
	}
done
# The log says why, once per decision.
expect_in "$T/gateway.log" 'user alice from 127\.0\.0\.1 key SHA256:[^ ]+: refused \(key not registered'
expect_in "$T/gateway.log" 'user zed from 127\.0\.0\.1 key SHA256:[^ ]+: refused'
expect_in "$T/gateway.log" 'user bob from 127\.0\.0\.1 key SHA256:[^ ]+: refused \(.*locked'
expect_in "$T/gateway.log" 'user carol from 127\.0\.0\.1 key SHA256:[^ ]+: refused \(.*expired'
expect_not_in "$T/gateway.log" ': accepted'
expect_not_in "$T/upstream.log" 'Accepted publickey'
