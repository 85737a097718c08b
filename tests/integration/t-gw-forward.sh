#!/usr/bin/env bash
# direct-tcpip (ssh -W, and -L) is opened from the workspace: the stream
# reaches a TCP service there.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
# -W to the workspace's own sshd: its banner comes back.
sleep 1 | gw_ssh alice alice -W "$UP_ADDR:$UP_PORT" -- >"$T/out" 2>"$T/err"
expect_in "$T/out" '^SSH-2\.0-'
expect_in "$T/gateway.log" "direct-tcpip to $UP_ADDR:$UP_PORT"
# -L: a local port forwarded to the same service.
lport=$(akeys_free_port) || fail "no free port"
gw_ssh alice alice -N -L "127.0.0.1:$lport:$UP_ADDR:$UP_PORT" -- >"$T/fwd.log" 2>&1 &
_pids+=($!)
for i in $(seq 1 100); do
	ss -Htln "src 127.0.0.1:$lport" | grep -q . && break
	sleep 0.05
done
banner=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$lport; head -c 8 <&3")
[ "$banner" = "SSH-2.0-" ] || fail "-L did not reach the workspace's service (got '$banner')"
