#!/usr/bin/env bash
# A unix-socket forward (direct-streamlocal@openssh.com) cannot be relayed by
# libssh 0.10's server: it is refused at once, and the log names it.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
lport=$(akeys_free_port) || fail "no free port"
gw_ssh alice alice -N -L "127.0.0.1:$lport:/run/some.sock" -- >"$T/fwd.log" 2>&1 &
_pids+=($!)
for i in $(seq 1 100); do
	ss -Htln "src 127.0.0.1:$lport" | grep -q . && break
	sleep 0.05
done
start=$(date +%s%N)
timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$lport; cat <&3" >/dev/null 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -ne 124 ] || fail "the refused forward hung"
[ "$ms" -lt 2000 ] || fail "the refusal took ${ms} ms"
expect_in "$T/gateway.log" 'direct-streamlocal@openssh\.com .*refused|refused.*streamlocal'
