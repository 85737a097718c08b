#!/usr/bin/env bash
# SIGTERM drains: the gateway stops accepting at once, a running session
# finishes normally with its exit status, then the gateway exits.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
gw_ssh alice alice 'sleep 2; echo finished; exit 7' >"$T/session.out" 2>&1 &
session=$!
sleep 1
kill -TERM "$GW_PID"
for i in $(seq 1 40); do
	ss -Htln "src $GW_ADDR:$GW_PORT" | grep -q . || break
	sleep 0.05
done
! ss -Htln "src $GW_ADDR:$GW_PORT" | grep -q . || fail "still listening after SIGTERM"
wait "$session"
rc=$?
[ "$rc" -eq 7 ] || { cat "$T/session.out" >&2; fail "the running session exited $rc, expected 7"; }
expect_in "$T/session.out" '^finished$'
for i in $(seq 1 60); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$GW_PID" 2>/dev/null || fail "the gateway did not exit after the drain"
expect_in "$T/gateway.log" 'SIGTERM: draining 1 connections'
expect_in "$T/gateway.log" 'stopped'
