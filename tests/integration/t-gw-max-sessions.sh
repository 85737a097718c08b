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
# Each session leaves a mark in the workspace once it ran to its end.  Their
# ssh exit codes are not checked: OpenSSH 9.2's multiplexing client now and
# then exits 255 without a word although the master was sent exit-status 0
# (seen twice in CI, the gateway's log showing both statuses relayed).
gw_ssh alice alice -S "$T/ctl" -- 'sleep 3; echo done >one.mark' &
one=$!
gw_ssh alice alice -S "$T/ctl" -- 'sleep 3; echo done >two.mark' &
two=$!
sleep 1
# ProxyCommand=false: no fallback to a connection of its own when the
# multiplexed session is refused.
expect_rc 255 gw_ssh alice alice -S "$T/ctl" -o ProxyCommand=false -- 'echo third'
expect_not_in "$T/out" third
expect_in "$T/err" 'Session open refused by peer'
expect_in "$T/gateway.log" 'session refused \(max_sessions 2 reached\)'
wait "$one" "$two" || true
[ -f "$ALICE_HOME/one.mark" ] || fail "the first session did not run to its end"
[ -f "$ALICE_HOME/two.mark" ] || fail "the second session did not run to its end"
[ "$(grep -c 'exit status 0' "$T/gateway.log")" -ge 2 ] ||
	fail "the gateway did not relay both exit statuses"
# Once they ended, a new session is allowed again.
expect_rc 0 gw_ssh alice alice -S "$T/ctl" -- 'echo again'
expect_in "$T/out" '^again$'
