#!/usr/bin/env bash
# Every connection that ends without a login leaves one auth.refused row in
# accountd's audit log, with the source address, the key's fingerprint and
# the real reason (unknown user, wrong key, locked, expired, someone else's
# key, unreadable name), while the client sees the same refusal each time.
# A login leaves one auth.login row and marks its key used; a refusal does
# not touch the key, and a key refused before the right one in the same
# connection leaves no refusal row.
. "$MEDUSE_TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/gw-lib.sh"

gw_setup
mkkey stranger
mkkey stranger2
mkkey bob
ctl add bob --key "$T/keys/bob.pub" >/dev/null || fail "accountctl add bob"
ctl lock bob >/dev/null || fail "accountctl lock bob"
mkkey carol
ctl add carol --key "$T/keys/carol.pub" --expires 2020-01-01 >/dev/null ||
	fail "accountctl add carol --expires"
fp() { ssh-keygen -lf "$T/keys/$1.pub" | awk '{print $2}'; }

# last_used of alice's key: null until she logs in.
alice_last_used() {
	ctl key list alice --json >"$T/keys.json" || fail "accountctl key list alice"
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
keys = d["keys"] if isinstance(d, dict) else d
print(keys[0]["last_used"])' "$T/keys.json"
}

n=0
try() {	# KEY LOGIN: refused like every other refusal
	expect_rc 255 gw_ssh "$1" "$2" echo should-not-run
	expect_not_in "$T/out" should-not-run
	expect_in "$T/err" '^[^ ]+: Permission denied \(publickey\)\.'
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one line: $(cat "$T/err")"
	n=$((n + 1))
	# The row is written when the gateway's child ends: wait for its log line.
	for i in $(seq 1 100); do
		[ "$(grep -c 'login refused after' "$T/gateway.log")" -ge "$n" ] && return 0
		sleep 0.05
	done
	fail "no 'login refused' line for $2 in the gateway log"
}
try stranger alice	# wrong key
try alice zed		# unknown user
try bob bob		# locked (the key is bob's: refused after the signature)
try carol carol		# expired
try alice bob+dev	# alice's key, someone else's name with a workspace
try alice 'Bad\Name'	# a name we cannot accept, quoted in the row
[ "$(alice_last_used)" = None ] || fail "a refused login touched alice's key"

# Two wrong keys in one connection: one row, two attempts.
expect_rc 255 gw_ssh stranger alice -i "$T/keys/stranger2" -- echo should-not-run
n=$((n + 1))
for i in $(seq 1 100); do
	[ "$(grep -c 'login refused after' "$T/gateway.log")" -ge "$n" ] && break
	sleep 0.05
done

# A wrong key, then the right one: a login, no refusal row.
expect_rc 0 gw_ssh stranger alice -i "$T/keys/alice" -- echo logged-in
expect_in "$T/out" '^logged-in$'
last=$(alice_last_used)
case "$last" in 20[0-9][0-9]-*T*Z) ;; *) fail "alice's key last_used after a login: $last" ;; esac

expect_rc 0 ctl audit --json
cp "$T/out" "$T/audit.json"
/usr/bin/python3 - "$T/audit.json" "$(fp stranger)" "$(fp stranger2)" \
    "$(fp alice)" "$(fp bob)" "$(fp carol)" <<'PY' || fail "audit rows (see above)"
import json, sys
rows = json.load(open(sys.argv[1]))
stranger, stranger2, alice, bob, carol = sys.argv[2:]
refused = [r for r in rows if r["action"] == "auth.refused"]
for r in refused:
    print("   ", r["target"], r["outcome"], r["detail"])
want = [  # target, outcome, key, login, extra
    ("alice", "wrong-key", stranger, '"alice"', ""),
    ("zed", "unknown-user", alice, '"zed"', ""),
    ("bob", "locked", bob, '"bob"', ""),
    ("carol", "expired", carol, '"carol"', ""),
    ("bob", "other-account", alice, '"bob+dev"', "key_owner=alice"),
    ("", "invalid-name", alice, r'"Bad\\Name"', ""),
    ("alice", "wrong-key", stranger2, '"alice"', "attempts=2"),
]
assert len(refused) == len(want), (len(refused), len(want))
for r, (target, outcome, key, login, extra) in zip(refused, want):
    d = r["detail"]
    assert r["peer"] == "mdgw", r
    assert (r["target"], r["outcome"]) == (target, outcome), (r, target, outcome)
    assert "key=%s " % key in d, (d, key)
    assert "source=127.0.0.1 " in d, d
    assert "login=%s " % login in d, (d, login)
    assert not extra or extra in d.split(), (d, extra)
logins = [r for r in rows if r["action"] == "auth.login"]
assert len(logins) == 1, logins
l = logins[0]
assert (l["target"], l["outcome"], l["peer"]) == ("alice", "ok", "mdgw"), l
assert l["detail"] == "key=%s source=127.0.0.1 workspace=-" % alice, l
PY

# The gateway log has the real reason of each, once per connection.
for r in wrong-key unknown-user locked expired other-account invalid-name; do
	expect_in "$T/gateway.log" "from 127\.0\.0\.1 key SHA256:[^ ]+: login refused after [0-9] attempts?: $r \(audited\)"
done
expect_in "$T/gateway.log" 'user alice from 127\.0\.0\.1 key SHA256:[^ ]+: login refused after 2 attempts: wrong-key'
expect_in "$T/accountd.log" 'method=auth.refused target=zed outcome=unknown-user key=SHA256:'
expect_in "$T/accountd.log" 'method=auth.login target=alice outcome=ok'
