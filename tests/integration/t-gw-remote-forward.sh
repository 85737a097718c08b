#!/usr/bin/env bash
# ssh -R through the gateway: the port listens inside the workspace, and a
# connection to it there reaches a service on the client's side.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
svc=$(akeys_free_port) || fail "no free port"
rport=$(akeys_free_port) || fail "no free port"
# The client-side service: answers one connection with a line.
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); c.sendall(b"hello from the client side\n"); c.close()' "$svc" &
_pids+=($!)
for i in $(seq 1 100); do ss -Htln "src 127.0.0.1:$svc" | grep -q . && break; sleep 0.05; done
expect_rc 0 gw_ssh alice alice -o ExitOnForwardFailure=yes \
    -R "127.0.0.1:$rport:127.0.0.1:$svc" -- \
    "bash -c 'exec 3<>/dev/tcp/127.0.0.1/$rport; head -n 1 <&3'"
expect_in "$T/out" '^hello from the client side$'
expect_in "$T/gateway.log" "tcpip-forward 127\.0\.0\.1:$rport"
