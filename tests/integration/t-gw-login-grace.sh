#!/usr/bin/env bash
# gateway.login_grace_time closes a connection that does not authenticate in
# time, and the log says so.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup "login_grace_time: 1s"
start=$(date +%s%N)
# Connect, read the banner, send nothing: the server must hang up.
timeout 10 bash -c "exec 3<>/dev/tcp/$GW_ADDR/$GW_PORT; cat <&3" >"$T/out" 2>/dev/null
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -ne 124 ] || fail "the idle connection was not closed"
[ "$ms" -ge 900 ] && [ "$ms" -lt 4000 ] || fail "closed after ${ms} ms, expected about 1 s"
expect_in "$T/out" '^SSH-2\.0-'
expect_in "$T/gateway.log" 'login grace time over'
