#!/usr/bin/env bash
# SIGHUP reloads the configuration for new connections: a host key added to
# gateway.host_keys is served from then on; a broken file keeps the old
# configuration running.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
scan() {
	ssh-keyscan -t ed25519 -p "$GW_PORT" "$GW_ADDR" 2>/dev/null | ssh-keygen -lf - | awk '{print $2}'
}
old=$(scan)
[ -n "$old" ] || fail "no host key served"
ssh-keygen -q -N '' -t ed25519 -f "$T/new_host_key" </dev/null || fail "ssh-keygen"
chown mdgw "$T/new_host_key"
new=$(ssh-keygen -lf "$T/new_host_key" | awk '{print $2}')
cp "$CONF" "$T/good.yaml"
sed -i "s|^  pam_service: \"\"|  pam_service: \"\"\n  host_keys: [\"$T/new_host_key\"]|" "$CONF"
grep -q new_host_key "$CONF" || fail "could not edit the config"
kill -HUP "$GW_PID"
for i in $(seq 1 40); do grep -q 'configuration reloaded' "$T/gateway.log" && break; sleep 0.05; done
[ "$(scan)" = "$new" ] || fail "the new host key is not served after SIGHUP"
# A broken file: logged, and the running configuration stays.
echo "gateway: {max_sessions: lots}" >>"$CONF"
kill -HUP "$GW_PID"
for i in $(seq 1 40); do grep -q 'reload failed' "$T/gateway.log" && break; sleep 0.05; done
expect_in "$T/gateway.log" 'reload failed: keeping the running configuration'
[ "$(scan)" = "$new" ] || fail "a failed reload changed the host key"
expect_rc 0 gw_ssh alice alice echo still-works
expect_in "$T/out" '^still-works$'
