#!/usr/bin/env bash
# gateway.keepalive: a client that answers the gateway's keepalives keeps an
# idle connection for as long as it likes; a client that stops answering
# (frozen with SIGSTOP: its kernel still acknowledges TCP, so only SSH-level
# keepalives can tell) is disconnected after keepalive_count_max unanswered
# ones, and the gateway's log says why.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup "keepalive: 1s" "keepalive_count_max: 2"
# ssh itself in the background (not through timeout): $! must be the client.
idle_client() {
	# shellcheck disable=SC2046
	ssh $(gw_ssh_opts alice) -o LogLevel=INFO -p "$GW_PORT" -l alice -N \
	    "$GW_ADDR" 2>"$1" &
	CLIENT=$!
	_pids+=("$CLIENT")
}
wait_connected() {
	local i
	for i in $(seq 1 100); do
		[ "$(grep -c 'connected to workspace' "$T/gateway.log")" -ge "$1" ] && return 0
		sleep 0.05
	done
	fail "connection $1 did not reach the workspace"
}

# An answering client outlives several rounds of (1 + count_max) intervals.
idle_client "$T/live.err"
wait_connected 1
sleep 7
kill -0 "$CLIENT" 2>/dev/null || { cat "$T/live.err" >&2; fail "an answering client was disconnected"; }
expect_not_in "$T/gateway.log" 'no answer to'
kill "$CLIENT"
wait "$CLIENT" 2>/dev/null

# A frozen client is dropped after about 3 s (2 keepalives 1 s apart, then
# one more interval); SIGCONT before judging, so that cleanup never hangs.
idle_client "$T/frozen.err"
wait_connected 2
kill -STOP "$CLIENT"
start=$(date +%s%N)
for i in $(seq 1 200); do
	grep -q 'no answer to' "$T/gateway.log" && break
	sleep 0.05
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
kill -CONT "$CLIENT"
expect_in "$T/gateway.log" 'user alice from 127\.0\.0\.1: no answer to 2 keepalives 1 s apart: closing the connection \(gateway\.keepalive\)'
[ "$ms" -ge 1500 ] && [ "$ms" -lt 6000 ] || fail "dropped after ${ms} ms, expected about 3 s"
for i in $(seq 1 100); do kill -0 "$CLIENT" 2>/dev/null || break; sleep 0.05; done
! kill -0 "$CLIENT" 2>/dev/null || fail "the client still runs after the gateway closed"
wait "$CLIENT"
rc=$?
[ "$rc" -eq 255 ] || fail "the dropped client exited $rc, expected 255"
expect_in "$T/frozen.err" 'meduse: no answer to keepalives: connection closed'
