#!/usr/bin/env bash
# gateway.drain_grace: on SIGTERM a session that outlives the grace period is
# ended when it is over, and its client is told that the gateway stops.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup "drain_grace: 2s"
GW_LOGLEVEL=INFO gw_ssh alice alice 'sleep 30; echo not-reached' >"$T/session.out" 2>&1 &
session=$!
for i in $(seq 1 100); do grep -q 'connected to workspace' "$T/gateway.log" && break; sleep 0.05; done
start=$(date +%s%N)
kill -TERM "$GW_PID"
wait "$session"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -eq 255 ] || { cat "$T/session.out" >&2; fail "the session exited $rc, expected 255"; }
[ "$ms" -ge 1800 ] && [ "$ms" -lt 6000 ] || fail "the session ended ${ms} ms after SIGTERM, expected about 2 s"
expect_not_in "$T/session.out" not-reached
expect_in "$T/session.out" 'meduse: the gateway is shutting down'
for i in $(seq 1 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$GW_PID" 2>/dev/null || fail "the gateway did not exit after the drain"
expect_in "$T/gateway.log" 'SIGTERM: draining 1 connections \(up to 2 s, gateway\.drain_grace\)'
expect_in "$T/gateway.log" 'ending 1 remaining connections'
expect_in "$T/gateway.log" 'user alice from 127\.0\.0\.1: the gateway is stopping: closing the connection'
expect_not_in "$T/gateway.log" 'killing [0-9]+ connection processes'
expect_in "$T/gateway.log" 'stopped'
