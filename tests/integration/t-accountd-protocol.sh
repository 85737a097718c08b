#!/usr/bin/env bash
# A client that speaks garbage gets a clear error and the daemon keeps
# serving everyone, including that same connection.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
raw() { /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock"; }

raw >"$T/out" <<'EOF2'
this is not json
{"v":1,"method":"account.show"
[1,2,3]
{"v":2,"method":"account.list"}
{"method":"account.list"}
{"v":1,"method":"account.list","extra":1}
{"v":1,"method":"Account.List"}
{"v":1,"method":"account.nuke"}
{"v":1,"method":"account.show","params":[]}
{"v":1,"method":"account.show","params":{"name":7}}
{"v":1,"method":"account.show","params":{"name":"../../etc"}}
{"v":1,"method":"account.list","method":"account.list"}
@raw 7b2276223a312c226d6574686f64223a226163636f756e742e6c697374227d000a
{"v":1,"method":"account.show","params":{"name":"alice","nmae":"x"}}
{"v":1,"method":"account.show","params":{"name":"alice","":1}}
{"v":1,"method":"account.show","params":{"name":"alice","nam":1}}
{"v":1,"method":"account.list"}
EOF2
want=(bad_request bad_request bad_request version bad_request bad_request bad_request
	unknown_method bad_request bad_request invalid bad_request bad_request bad_request
	bad_request bad_request)
for i in "${!want[@]}"; do
	line=$(sed -n "$((i + 1))p" "$T/out")
	case "$line" in *"\"code\":\"${want[$i]}\""*) ;; *) fail "frame $((i + 1)): want ${want[$i]}, got: $line" ;; esac
done
sed -n 17p "$T/out" | grep -q '"ok":true,"result":{"accounts":\[{' || fail "connection did not survive: $(sed -n 17p "$T/out")"
grep -q 'account.show takes no parameter \\"nmae\\"' "$T/out" || fail "unknown parameter not named"

# An over-long frame: one error, then the connection is closed.
/usr/bin/python3 - "$T/run/accountd.sock" <<'PY' || fail "over-long frame"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
try:
    s.sendall(b"x" * (300 * 1024))
except OSError:
    pass
data = b""
while True:
    try:
        chunk = s.recv(4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
assert b'"code":"bad_request"' in data, data
PY
# A silent client does not block others.
/usr/bin/python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(4)' "$T/run/accountd.sock" &
silent=$!
sleep 0.3
expect_rc 0 ctl show alice
wait "$silent"
kill -0 "$ACCOUNTD_PID" || fail "accountd died"
expect_in "$T/accountd.log" 'sent a malformed request'
# Untrusted text in log lines cannot start a line of its own.
raw >"$T/out" <<'EOF2'
{"v":1,"method":"account.list","x\naccountd: info: forged":1}
EOF2
expect_in "$T/out" '"code":"bad_request"'
expect_not_in "$T/accountd.log" '^accountd: info: forged'
expect_in "$T/accountd.log" 'x\?accountd: info: forged'
