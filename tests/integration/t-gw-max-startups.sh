#!/usr/bin/env bash
# gateway.max_startups drops new connections while too many are still
# unauthenticated: with "1:100:1", a second connection is closed at once
# while a first one idles before login, and accepted again after it logged in.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup 'max_startups: "1:100:1"' "login_grace_time: 30s"
# An idle, unauthenticated connection.
exec 7<>"/dev/tcp/$GW_ADDR/$GW_PORT" || fail "cannot connect"
sleep 0.5
timeout 5 bash -c "exec 3<>/dev/tcp/$GW_ADDR/$GW_PORT; cat <&3" >"$T/second" 2>/dev/null
[ "$?" -ne 124 ] || fail "the second connection was not dropped"
expect_not_in "$T/second" 'SSH-2\.0'
expect_in "$T/gateway.log" 'dropped \(max_startups: 1 connections not yet authenticated\)'
exec 7>&-
sleep 0.5
expect_rc 0 gw_ssh alice alice echo accepted-again
expect_in "$T/out" '^accepted-again$'
