#!/usr/bin/env bash
# Each account gets a gateway key: private half readable by the gateway
# group only, public half in show; it follows the account's life, and a
# lost key file is replaced at the next start.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
key=$T/state/gateway-keys/alice
[ -f "$key" ] || fail "no gateway key file"
[ "$(stat -c '%a %U %G' "$key")" = "640 root meduse" ] || fail "key file is $(stat -c '%a %U %G' "$key")"
[ "$(stat -c '%a %G' "$T/state/gateway-keys")" = "750 meduse" ] || fail "key folder mode"
# The gateway group may pass through state_dir, not list it.
[ "$(stat -c '%a %G' "$T/state")" = "710 meduse" ] || fail "state_dir is $(stat -c '%a %G' "$T/state")"
expect_rc 2 as_user mdgw ls "$T/state"
expect_rc 0 as_user mdgw ssh-keygen -y -f "$key"
pub=$(awk '{print $1, $2}' "$T/out")
expect_rc 1 as_user mdnobody cat "$key"

expect_rc 0 ctl show alice --json
/usr/bin/python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a["gateway_public_key"])' "$T/out" >"$T/gwpub" ||
	fail "no gateway_public_key in show --json"
[ "$(cat "$T/gwpub")" = "$pub meduse-gateway@alice" ] || fail "gateway_public_key is $(cat "$T/gwpub"), the file's is $pub"
expect_rc 0 ctl show alice
expect_has "$T/out" "Gateway key:  $pub meduse-gateway@alice"

# A refused add leaves no key behind.
expect_rc 1 ctl add bob --key "$T/keys/alice.pub"
[ "$(ls "$T/state/gateway-keys")" = alice ] || fail "stray key files: $(ls "$T/state/gateway-keys")"

# A lost key file is replaced at the next start, and the database follows.
stop_accountd
rm -f "$key"
start_accountd
[ -f "$key" ] || fail "key not regenerated"
new=$(ssh-keygen -y -f "$key" | awk '{print $1, $2}')
[ "$new" != "$pub" ] || fail "same key after regeneration?"
expect_rc 0 ctl show alice --json
expect_has "$T/out" "$new meduse-gateway@alice"
expect_in "$T/accountd.log" 'account alice: new gateway key'

# Purge removes it.
expect_rc 0 ctl del alice --purge --yes
[ ! -e "$key" ] || fail "purge left the gateway key"
