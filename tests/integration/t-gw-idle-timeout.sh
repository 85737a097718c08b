#!/usr/bin/env bash
# gateway.idle_timeout: a connection with no channel data either way for that
# long is closed with a reason the client prints; one with data flowing stays.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup "idle_timeout: 2s"
start=$(date +%s%N)
GW_LOGLEVEL=INFO expect_rc 255 gw_ssh alice alice 'sleep 30; echo not-reached'
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 1500 ] && [ "$ms" -lt 8000 ] || fail "closed after ${ms} ms, expected about 2 s"
expect_not_in "$T/out" not-reached
expect_in "$T/err" 'meduse: idle for 2 s: connection closed'
expect_in "$T/gateway.log" 'user alice from 127\.0\.0\.1: no channel data for 2 s: closing the connection \(gateway\.idle_timeout\)'

# Output every half second for 4 s: never idle for 2 s.
expect_rc 0 gw_ssh alice alice 'for i in 1 2 3 4 5 6 7 8; do echo $i; sleep 0.5; done'
[ "$(wc -l <"$T/out")" -eq 8 ] || fail "the active session was cut short"
[ "$(grep -c 'no channel data' "$T/gateway.log")" -eq 1 ] || fail "an active connection was closed"
