#!/usr/bin/env bash
# route.resolve tells the gateway where an active account's workspace is
# and which key to use; locked accounts and unknown workspaces are refused.
. "$MEDUSE_TOP/tests/integration/lib.sh"
cat >>"$CONF" <<YAML
route:
  static: {host: 127.0.1.20, port: 2022}
YAML
start_accountd
mkkey alice
expect_rc 0 ctl add alice --key "$T/keys/alice.pub"
rc() { as_user mdgw /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock"; }

rc >"$T/out" <<'EOF2'
{"v":1,"method":"route.resolve","params":{"name":"alice"}}
{"v":1,"method":"route.resolve","params":{"name":"alice","workspace":"dev"}}
{"v":1,"method":"route.resolve","params":{"name":"alice","workspace":"gpu"}}
{"v":1,"method":"route.resolve","params":{"name":"bob"}}
{"v":1,"method":"route.resolve","params":{"name":"alice","workspace":"GPU"}}
EOF2
/usr/bin/python3 - "$T/out" "$T/state/gateway-keys/alice" <<'PY' || fail "route.resolve answers"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
want = {"account": "alice", "workspace": "dev", "transport": "tcp", "user": "alice",
        "key_file": sys.argv[2], "host": "127.0.1.20", "port": 2022,
        "host_key_by_name": False}
assert lines[0]["result"] == want, lines[0]
assert lines[1]["result"] == want, lines[1]
assert lines[2]["error"]["code"] == "not_found" and "no workspace gpu" in lines[2]["error"]["message"]
assert lines[3]["error"]["code"] == "not_found"
assert lines[4]["error"]["code"] == "invalid"
PY
expect_rc 0 ctl lock alice
rc >"$T/out" <<'EOF2'
{"v":1,"method":"route.resolve","params":{"name":"alice"}}
EOF2
expect_in "$T/out" '"code":"conflict","message":"account alice is locked"'
# Someone outside the gateway group may not ask.
expect_rc 0 as_user mdnobody /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock" <<'EOF2'
{"v":1,"method":"route.resolve","params":{"name":"alice"}}
EOF2
expect_in "$T/out" '"code":"denied"'

# The command transport: placeholders filled inside argv elements, no shell.
stop_accountd
sed -i 's/^route:$/route:\n  transport: command\n  command: ["coder", "ssh", "--stdio", "{user}.{workspace}", "x;{workspace}"]/' "$CONF"
start_accountd
expect_rc 0 ctl unlock alice
rc >"$T/out" <<'EOF2'
{"v":1,"method":"route.resolve","params":{"name":"alice"}}
EOF2
expect_in "$T/out" '"argv":\["coder","ssh","--stdio","alice.dev","x;dev"\]'
