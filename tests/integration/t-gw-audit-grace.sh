#!/usr/bin/env bash
# A client whose key was refused and that then stalls until
# gateway.login_grace_time is over is still audited: the connection ends
# with one auth.refused row, as it would had the client hung up.  The stall
# is a real ssh client whose agent offers a stranger's key (refused) and
# then alice's, but never signs with it.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup "login_grace_time: 2s"
mkkey stranger
agent=$T/agent.sock
# A minimal ssh-agent: lists the two public keys, never answers a signature
# (it hangs up after 4 s: the client waits for it without reading the socket).
/usr/bin/python3 - "$agent" "$T/keys/stranger.pub" "$T/keys/alice.pub" \
    >"$T/agent.log" 2>&1 <<'PY' &
import base64, socket, struct, sys, time
blobs = [base64.b64decode(open(p).read().split()[1]) for p in sys.argv[2:]]
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
def msg(t, body=b""):
    return struct.pack(">IB", len(body) + 1, t) + body
def string(b):
    return struct.pack(">I", len(b)) + b
while True:
    c, _ = s.accept()
    while True:
        head = c.recv(4, socket.MSG_WAITALL)
        if len(head) < 4:
            break
        body = c.recv(struct.unpack(">I", head)[0], socket.MSG_WAITALL)
        if body[0] == 11:		# REQUEST_IDENTITIES
            c.sendall(msg(12, struct.pack(">I", len(blobs)) +
                          b"".join(string(b) + string(b"k") for b in blobs)))
        elif body[0] == 13:		# SIGN_REQUEST: stall past the grace time
            time.sleep(4)
            break
        else:
            c.sendall(msg(5))		# FAILURE (session-bind and others)
    c.close()
PY
_pids+=($!)
for i in $(seq 1 100); do [ -S "$agent" ] && break; sleep 0.05; done
[ -S "$agent" ] || { cat "$T/agent.log" >&2; fail "the test agent did not start"; }

start=$(date +%s)
timeout 30 ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentityAgent="$agent" \
    -o IdentityFile=/nonexistent -p "$GW_PORT" -l alice "$GW_ADDR" \
    echo should-not-run >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -ne 124 ] || fail "the stalled client was not disconnected"
[ $(($(date +%s) - start)) -lt 15 ] || fail "disconnected only after $(($(date +%s) - start)) s"
expect_not_in "$T/out" should-not-run
for i in $(seq 1 100); do
	grep -q 'login refused after' "$T/gateway.log" && break
	sleep 0.05
done
expect_in "$T/gateway.log" 'connection from 127\.0\.0\.1: login grace time over'
expect_in "$T/gateway.log" 'user alice from 127\.0\.0\.1 key SHA256:[^ ]+: login refused after 1 attempt: wrong-key \(audited\)'
stranger=$(ssh-keygen -lf "$T/keys/stranger.pub" | awk '{print $2}')
expect_rc 0 ctl audit --json
/usr/bin/python3 - "$T/out" "$stranger" <<'PY' || fail "no auth.refused row after the grace time"
import json, sys
rows = [r for r in json.load(open(sys.argv[1])) if r["action"] == "auth.refused"]
assert len(rows) == 1, rows
r = rows[0]
assert (r["target"], r["outcome"]) == ("alice", "wrong-key"), r
assert "key=%s source=127.0.0.1 " % sys.argv[2] in r["detail"], r
PY
