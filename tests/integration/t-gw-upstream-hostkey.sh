#!/usr/bin/env bash
# The workspace's host key is trusted on first use and recorded; when it
# changes, the gateway refuses to connect and its log says what to do.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
expect_rc 0 gw_ssh alice alice echo first
expect_in "$T/gateway.log" "upstream $UP_ADDR:$UP_PORT: host key trusted on first use"
expect_in "$T/state/sshd/known_hosts" "^\[$UP_ADDR\]:$UP_PORT ssh-ed25519 "
expect_rc 0 gw_ssh alice alice echo second
[ "$(grep -c 'trusted on first use' "$T/gateway.log")" = 1 ] || fail "the key was trusted twice"
# The workspace is rebuilt with a new host key, same address.
kill "$UP_PID"
wait "$UP_PID" 2>/dev/null
rm -f "$T/up_host_ed25519_key" "$T/up_host_ed25519_key.pub"
ssh-keygen -q -N '' -t ed25519 -f "$T/up_host_ed25519_key" </dev/null || fail "ssh-keygen"
"$SSHD" -D -e -f "$T/upstream_config" >>"$T/upstream.log" 2>&1 &
UP_PID=$!
_pids+=("$UP_PID")
for i in $(seq 1 100); do ss -Htln "src $UP_ADDR:$UP_PORT" | grep -q . && break; sleep 0.05; done
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice echo should-not-run
expect_not_in "$T/out" should-not-run
expect_in "$T/err" 'cannot reach your workspace: its host key changed'
expect_in "$T/gateway.log" "upstream $UP_ADDR:$UP_PORT: HOST KEY CHANGED: refusing to connect.*remove its line from $T/state/sshd/known_hosts"
