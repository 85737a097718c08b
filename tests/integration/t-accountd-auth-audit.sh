#!/usr/bin/env bash
# auth.refused and auth.login, the gateway's audit methods: only the gateway
# and admin groups may call them; every string from the client (login name,
# address, fingerprint) is checked before it reaches the audit log; the
# reason is one of a fixed list; refusal rows are rate-limited per source
# address, and what was left out is counted in the next row.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice
mkkey bob
ctl add alice --key "$T/keys/alice.pub" >/dev/null || fail "accountctl add alice"
fpa=$(ssh-keygen -lf "$T/keys/alice.pub" | awk '{print $2}')
fpb=$(ssh-keygen -lf "$T/keys/bob.pub" | awk '{print $2}')
raw() {	# USER: frames on stdin, answers in $T/out
	as_user "$1" /usr/bin/python3 "$TOP/tests/integration/rawcall.py" \
	    "$T/run/accountd.sock" >"$T/out" 2>"$T/err" || fail "rawcall as $1: $(cat "$T/err")"
}
line() {	# N REGEX: answer N matches
	sed -n "$1p" "$T/out" | grep -qE -- "$2" ||
		{ cat -n "$T/out" >&2; fail "answer $1 does not match /$2/"; }
}

# Outsiders: denied, whatever the parameters.
raw mdnobody <<EOF
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"127.0.0.1","reason":"unregistered"}}
EOF
line 1 '"code":"denied"'
raw mdnobody <<EOF
{"v":1,"method":"auth.login","params":{"user":"alice","fingerprint":"$fpa","source":"127.0.0.1"}}
EOF
line 1 '"code":"denied"'

# Bad parameters, each refused with a reason; nothing is audited.
raw mdgw <<EOF
{"v":1,"method":"auth.refused","params":{"user":"al\u0001ice","fingerprint":"$fpa","source":"127.0.0.1","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"al\u00e9ice","fingerprint":"$fpa","source":"127.0.0.1","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"$(printf 'a%.0s' $(seq 66))","fingerprint":"$fpa","source":"127.0.0.1","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"127.0.0.1","reason":"because"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"gw.example.org","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"127.0.0.1:99999","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"[::1]","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"127.0.0.1\nx","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"MD5:aa:bb","source":"127.0.0.1","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"SHA256:a b","source":"127.0.0.1","reason":"wrong-key"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"127.0.0.1"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"127.0.0.1","reason":"wrong-key","attempts":0}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpa","source":"127.0.0.1","reason":"wrong-key","detail":"x"}}
{"v":1,"method":"auth.login","params":{"user":"Alice","fingerprint":"$fpa","source":"127.0.0.1"}}
{"v":1,"method":"auth.login","params":{"user":"alice","fingerprint":"$fpa","source":"localhost"}}
EOF
line 1 '"code":"invalid","message":"\\"user\\" has a character that is not printable ASCII at position 3'
line 2 '"code":"invalid","message":"\\"user\\" has a character that is not printable ASCII'
line 3 '"code":"invalid","message":"parameter \\"user\\" is longer than 65 bytes'
line 4 '"code":"invalid","message":"unknown \\"reason\\" \\"because\\"'
line 5 '"code":"invalid","message":"\\"source\\" must be an IP address'
line 6 '"code":"invalid","message":"\\"source\\" must be an IP address'
line 7 '"code":"invalid","message":"\\"source\\" must be an IP address'
line 8 '"code":"invalid","message":"\\"source\\" must be an IP address'
line 9 '"code":"invalid","message":"\\"fingerprint\\" must be SHA256:'
line 10 '"code":"invalid","message":"\\"fingerprint\\" has a character outside base64'
line 11 '"code":"bad_request","message":"missing parameter \\"reason\\"'
line 12 '"code":"bad_request","message":"\\"attempts\\" must be 1 to 1000'
line 13 '"code":"bad_request","message":"auth.refused takes no parameter \\"detail\\"'
line 14 '"code":"invalid"'
line 15 '"code":"invalid","message":"\\"source\\" must be an IP address'
# A refused auth.refused writes no row; auth.login is a change, and a
# failed change is audited like any other.
expect_rc 0 ctl audit --json
/usr/bin/python3 - "$T/out" <<'PY' || fail "rows of refused calls"
import json, sys
rows = [(r["peer"], r["action"], r["outcome"]) for r in json.load(open(sys.argv[1]))]
assert ("mdnobody", "auth.refused", "denied") in rows, rows
assert [r for r in rows if r[0] == "mdgw"] == [("mdgw", "auth.login", "invalid")] * 2, rows
PY

# Good ones: the gateway's "unregistered" becomes the real reason; odd
# logins are kept, quoted; IPv6 sources with port and zone are accepted.
raw mdgw <<EOF
{"v":1,"method":"auth.refused","params":{"user":"zed","fingerprint":"$fpa","source":"[2001:db8::7]:50022","reason":"unregistered"}}
{"v":1,"method":"auth.refused","params":{"user":"alice","fingerprint":"$fpb","source":"fe80::1%eth0","reason":"unregistered","attempts":3}}
{"v":1,"method":"auth.refused","params":{"user":"x\"y\\\\z +\u0020","fingerprint":"","source":"192.0.2.7:22","reason":"invalid-name"}}
{"v":1,"method":"auth.login","params":{"user":"alice","fingerprint":"$fpa","source":"192.0.2.8:40000","workspace":"dev"}}
{"v":1,"method":"auth.login","params":{"user":"alice","fingerprint":"$fpb","source":"192.0.2.8"}}
EOF
line 1 '"ok":true,"result":\{"reason":"unknown-user","recorded":true\}'
line 2 '"ok":true,"result":\{"reason":"wrong-key","recorded":true\}'
line 3 '"ok":true,"result":\{"reason":"invalid-name","recorded":true\}'
line 4 '"ok":true,"result":\{"account":"alice","state":"active","key":\{.*"last_used":"20'
line 5 '"code":"not_found"'
ctl key list alice --json | grep -q '"last_used": *"20' || fail "auth.login did not mark the key used"
expect_rc 0 ctl audit --json
cp "$T/out" "$T/audit.json"
/usr/bin/python3 - "$T/audit.json" "$fpa" "$fpb" <<'PY' || fail "audit rows"
import json, sys
rows = json.load(open(sys.argv[1]))
fpa, fpb = sys.argv[2:]
got = [(r["peer"], r["action"], r["target"], r["outcome"], r["detail"]) for r in rows
       if r["peer"] == "mdgw" and r["outcome"] != "invalid"]
for g in got:
    print("   ", g)
assert got == [
    ("mdgw", "auth.refused", "zed", "unknown-user",
     "key=%s source=[2001:db8::7]:50022 login=\"zed\" attempts=1" % fpa),
    ("mdgw", "auth.refused", "alice", "wrong-key",
     "key=%s source=fe80::1%%eth0 login=\"alice\" attempts=3" % fpb),
    ("mdgw", "auth.refused", "", "invalid-name",
     "key=- source=192.0.2.7:22 login=\"x\\\"y\\\\z + \" attempts=1"),
    ("mdgw", "auth.login", "alice", "ok",
     "key=%s source=192.0.2.8:40000 workspace=dev" % fpa),
    ("mdgw", "auth.login", "alice", "not_found",
     "key %s is not registered to this user" % fpb),
], got
PY

# The rate limit: 10 rows a minute per source address (the port does not
# count); the 11th and 12th are answered but not written, and the next row
# written says how many were left out.
{
	for i in $(seq 1 12); do
		echo "{\"v\":1,\"method\":\"auth.refused\",\"params\":{\"user\":\"eve\",\"fingerprint\":\"$fpb\",\"source\":\"198.51.100.9:$((40000 + i))\",\"reason\":\"unregistered\"}}"
	done
	echo "{\"v\":1,\"method\":\"auth.refused\",\"params\":{\"user\":\"eve\",\"fingerprint\":\"$fpb\",\"source\":\"198.51.100.10\",\"reason\":\"unregistered\"}}"
} | raw mdgw
[ "$(grep -c '"recorded":true' "$T/out")" -eq 11 ] || { cat "$T/out" >&2; fail "rate limit: recorded rows"; }
line 11 '"recorded":false'
line 12 '"recorded":false'
line 13 '"recorded":true'
expect_rc 0 ctl audit --account eve --json
/usr/bin/python3 - "$T/out" <<'PY' || fail "rate-limited rows"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 11, len(rows)
assert rows[-1]["detail"].endswith(" suppressed=2"), rows[-1]
assert all("suppressed" not in r["detail"] for r in rows[:-1]), rows
PY
expect_in "$T/accountd.log" 'method=auth.refused target=eve outcome=unknown-user .*\(not audited: rate limit\)'
