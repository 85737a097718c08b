#!/usr/bin/env bash
# Every request is authorised from the kernel's peer credentials: root and
# the admin group may do everything, the gateway group only lookups, others
# nothing; refusals are logged and audited.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice
mkkey bob
chmod 0644 "$T/keys/"*.pub
fp=$(ssh-keygen -lf "$T/keys/alice.pub" | awk '{print $2}')

# A member of the admin group (not root) administers.
expect_rc 0 as_user mdadmin "$BIN/accountctl" -c "$CONF" add alice --key "$T/keys/alice.pub"
expect_rc 0 as_user mdadmin "$BIN/accountctl" -c "$CONF" list

# The gateway group: lookups yes, admin methods no.
expect_rc 1 as_user mdgw "$BIN/accountctl" -c "$CONF" list
expect_in "$T/err" 'permission denied: this needs root or membership of the accountd admin group'
expect_rc 1 as_user mdgw "$BIN/accountctl" -c "$CONF" add bob --key "$T/keys/bob.pub"
expect_rc 0 as_user mdgw /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock" <<EOF2
{"v":1,"method":"auth.lookup","params":{"fingerprint":"$fp","user":"alice"}}
{"v":1,"method":"account.state","params":{"name":"alice"}}
{"v":1,"method":"account.show","params":{"name":"alice"}}
EOF2
sed -n 1p "$T/out" | grep -q '"ok":true,"result":{"account":"alice"' || fail "gateway lookup: $(cat "$T/out")"
sed -n 2p "$T/out" | grep -q '"state":"active"' || fail "gateway state: $(cat "$T/out")"
sed -n 3p "$T/out" | grep -q '"code":"denied"' || fail "gateway show: $(cat "$T/out")"

# Anyone else: nothing at all, not even lookups.
expect_rc 1 as_user mdnobody "$BIN/accountctl" -c "$CONF" list
expect_in "$T/err" 'permission denied'
expect_rc 0 as_user mdnobody /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock" <<EOF2
{"v":1,"method":"auth.lookup","params":{"fingerprint":"$fp"}}
EOF2
expect_in "$T/out" '"code":"denied"'

# Refusals are in the log (who, what), every one, and in the audit log, the
# first of each uid within a minute (a denied loop must not fill the disk);
# nothing changed.
expect_in "$T/accountd.log" 'peer=mdgw uid=61301 .*method=account.add target=- outcome=denied'
expect_in "$T/accountd.log" 'peer=mdnobody uid=61302 .*method=auth.lookup target=- outcome=denied'
expect_rc 0 ctl audit --json
/usr/bin/python3 - "$T/out" <<'PY' || fail "audit of refusals"
import json, sys
rows = json.load(open(sys.argv[1]))
got = {(r["peer"], r["action"], r["outcome"]) for r in rows}
for want in [("mdadmin", "account.add", "ok"), ("mdgw", "account.list", "denied"),
             ("mdnobody", "account.list", "denied")]:
    assert want in got, (want, got)
assert ("mdgw", "account.add", "denied") not in got, got
PY
expect_rc 1 ctl show bob

# A peer in neither group gets one answer per connection, and only a few
# connections at once: it cannot hold the slots PAM and the gateway need.
as_user mdnobody /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock" >"$T/out" <<'EOF2'
{"v":1,"method":"account.list"}
{"v":1,"method":"account.list"}
EOF2
case "$(sed -n 2p "$T/out")" in EOF|ERROR*) ;; *) fail "second request of an outsider was served: $(cat "$T/out")" ;; esac
holders=()
for i in 1 2 3 4 5 6; do
	as_user mdnobody /usr/bin/python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(3)' "$T/run/accountd.sock" &
	holders+=($!)
done
sleep 0.5
expect_rc 0 as_user mdgw /usr/bin/python3 "$TOP/tests/integration/rawcall.py" "$T/run/accountd.sock" <<EOF2
{"v":1,"method":"account.state","params":{"name":"alice"}}
EOF2
expect_in "$T/out" '"state":"active"'
expect_in "$T/accountd.log" 'peer=mdnobody .*refused: too many connections of peers outside the accountd groups'
wait "${holders[@]}"
