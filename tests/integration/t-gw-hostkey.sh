#!/usr/bin/env bash
# With no gateway.host_keys, an ed25519 host key is generated on first start
# under state_dir/sshd (mode 0600) and the same key is served after a restart.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
key=$T/state/sshd/host_ed25519_key
[ -f "$key" ] || fail "no generated host key at $key"
[ "$(stat -c %a "$key")" = 600 ] || fail "host key mode is $(stat -c %a "$key"), not 600"
fp_file=$(ssh-keygen -lf "$key" | awk '{print $2}')
scan() {
	ssh-keyscan -t ed25519 -p "$GW_PORT" "$GW_ADDR" 2>/dev/null | ssh-keygen -lf - | awk '{print $2}'
}
[ "$(scan)" = "$fp_file" ] || fail "the gateway does not serve $key"
kill "$GW_PID"
wait "$GW_PID" 2>/dev/null
gw_start
[ "$(scan)" = "$fp_file" ] || fail "the host key changed across a restart"
[ "$(grep -c 'generated host key' "$T/gateway.log")" = 1 ] || fail "the key was generated twice"
