#!/usr/bin/env bash
# gateway.max_sessions caps the channels of one connection: with 2, a third
# session over a multiplexed connection is refused while two run, and the
# log says why.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup "max_sessions: 2"
gw_ssh alice alice -M -S "$T/ctl" -N -- >"$T/master.log" 2>&1 &
_pids+=($!)
for i in $(seq 1 100); do [ -S "$T/ctl" ] && break; sleep 0.05; done
[ -S "$T/ctl" ] || fail "the control master did not start"
GW_LOGLEVEL=INFO gw_ssh alice alice -S "$T/ctl" -- 'sleep 3' 2>"$T/one.err" &
one=$!
GW_LOGLEVEL=INFO gw_ssh alice alice -S "$T/ctl" -- 'sleep 3' 2>"$T/two.err" &
two=$!
sleep 1
# ProxyCommand=false: no fallback to a connection of its own when the
# multiplexed session is refused.
expect_rc 255 gw_ssh alice alice -S "$T/ctl" -o ProxyCommand=false -- 'echo third'
expect_not_in "$T/out" third
expect_in "$T/err" 'Session open refused by peer'
expect_in "$T/gateway.log" 'session refused \(max_sessions 2 reached\)'
wait "$one" || fail "the first session failed ($?): $(cat "$T/one.err")"
wait "$two" || fail "the second session failed ($?): $(cat "$T/two.err")"
# Once they ended, a new session is allowed again.
expect_rc 0 gw_ssh alice alice -S "$T/ctl" -- 'echo again'
expect_in "$T/out" '^again$'
