#!/usr/bin/env bash
# Flow control: when the client stops reading, the gateway stops reading from
# the workspace instead of buffering; its memory stays flat while 1 GiB waits
# upstream, and every byte arrives once the client reads again.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# The client reads nothing for 3 s, then everything.
gw_ssh alice alice 'head -c 1G /dev/zero' | { sleep 3; wc -c >"$T/count"; } &
reader=$!
child=
for i in $(seq 1 50); do
	child=$(pgrep -P "$GW_PID" | head -n 1)
	[ -n "$child" ] && break
	sleep 0.05
done
[ -n "$child" ] || fail "no connection process under the gateway"
sleep 1
before=$(rss_kb "$child")
sleep 1.5
after=$(rss_kb "$child")
echo "connection process RSS while the client is stalled: ${before} kB -> ${after} kB"
[ $((after - before)) -lt 8192 ] || fail "the gateway buffers: RSS grew from ${before} kB to ${after} kB while the client was stalled"
wait "$reader"
[ "$(cat "$T/count")" = $((1024 * 1024 * 1024)) ] || fail "got $(cat "$T/count") bytes, not 1 GiB"
