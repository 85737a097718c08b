#!/usr/bin/env bash
# accountctl add can be re-run safely: the same command changes nothing, a
# new key or option is applied, nothing is ever removed, and a deleted
# account is not silently revived.
. "$MEDUSE_TOP/tests/integration/lib.sh"
start_accountd
mkkey alice
mkkey alice2
expect_rc 0 ctl add alice --key "$T/keys/alice.pub" --gpu 2
expect_in "$T/out" '^Created account alice'
before=$(db_dump)

expect_rc 0 ctl add alice --key "$T/keys/alice.pub" --gpu 2
expect_in "$T/out" '^Account exists, now in line with this command: alice \(1 key'
expect_in "$T/out" '^Host meduse$'
[ "$(db_dump)" = "$before" ] || fail "re-running the same add changed the database"
expect_rc 0 ctl key add alice --key "$T/keys/alice.pub" --json
/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["added"]==0 and len(r["keys"])==1' "$T/out" ||
	fail "key add of a key the account has"
[ "$(db_dump)" = "$before" ] || fail "key add of a present key changed the database"

# A second key and new values are applied; the first key stays.
expect_rc 0 ctl add alice --key "$T/keys/alice2.pub" --gpu 4 --email alice@lab.example
expect_rc 0 ctl show alice --json
/usr/bin/python3 - "$T/out" <<'PY' || fail "converged account"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a["keys"]) == 2, a["keys"]
assert a["quota"]["gpu"] == 4 and a["email"] == "alice@lab.example"
assert a["created"] < a["updated"] or a["created"] == a["updated"]
PY

# Deleted: re-adding is refused with the way out, and nothing changes.
expect_rc 0 ctl del alice
before=$(db_dump)
expect_rc 1 ctl add alice --key "$T/keys/alice.pub"
expect_in "$T/err" 'was deleted: unlock it'
[ "$(db_dump)" = "$before" ] || fail "add of a deleted account changed the database"
expect_rc 0 ctl audit --account alice
expect_in "$T/out" 'account.add +alice +ok +exists, converged'
expect_in "$T/out" 'account.add +alice +conflict'
